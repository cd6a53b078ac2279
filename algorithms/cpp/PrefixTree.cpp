#include "PrefixTree.hpp"

#include <algorithm>

#include "Lexicon.hpp"

namespace tokenpassing {

namespace {

/// Forms' labels in one flat array ([begin[i], begin[i + 1]) for form i), so that the
/// sweep below reads them without following a pointer per form.
struct FlatLabels {
    std::vector<int32_t> values;
    std::vector<std::size_t> begin{0};

    const int32_t* first(std::size_t i) const { return values.data() + begin[i]; }
    std::size_t length(std::size_t i) const { return begin[i + 1] - begin[i]; }
};

/// The indices 0..n-1 of `forms` in label order, shorter (a prefix) first, equal ones in
/// their given order: std::stable_sort by label vectors, but comparing one 64-bit key per
/// form (its first labels, packed, 0 after its end) before the labels themselves. The key
/// orders as the labels do, since labels are >= 0 and a form's end (0) sorts before any
/// label; equal keys fall back to the labels, then to the given order.
std::vector<int32_t> labelOrder(const std::vector<const std::vector<int32_t>*>& forms) {
    int32_t maxLabel = 1;
    for (const std::vector<int32_t>* form : forms)
        for (int32_t c : *form) maxLabel = std::max(maxLabel, c);
    int bits = 1;
    while ((int64_t{1} << bits) <= maxLabel) ++bits;
    const std::size_t perKey = 64 / bits;
    std::vector<std::pair<uint64_t, int32_t>> keyed(forms.size());
    for (std::size_t i = 0; i < forms.size(); ++i) {
        uint64_t key = 0;
        const std::size_t length = std::min(forms[i]->size(), perKey);
        for (std::size_t d = 0; d < length; ++d)
            key |= static_cast<uint64_t>((*forms[i])[d]) << (64 - bits * (d + 1));
        keyed[i] = {key, static_cast<int32_t>(i)};
    }
    std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first < b.first;
        const std::vector<int32_t>& x = *forms[a.second];
        const std::vector<int32_t>& y = *forms[b.second];
        return x != y ? x < y : a.second < b.second;
    });
    std::vector<int32_t> order(forms.size());
    for (std::size_t p = 0; p < forms.size(); ++p) order[p] = keyed[p].second;
    return order;
}

}  // namespace

PrefixTree::PrefixTree(const std::vector<int32_t>& chains,
                       const std::vector<std::vector<int32_t>>& labels) {
    // Sorted by labels, a node's forms are a contiguous range, shorter (ending) ones first.
    std::vector<const std::vector<int32_t>*> forms;
    forms.reserve(chains.size());
    std::size_t totalLabels = 0;
    for (int32_t chain : chains) {
        forms.push_back(&labels[chain]);
        totalLabels += labels[chain].size();
    }
    FlatLabels sorted;  // by position
    sorted.values.reserve(totalLabels);
    sorted.begin.reserve(chains.size() + 1);
    chains_.reserve(chains.size());
    for (int32_t i : labelOrder(forms)) {
        chains_.push_back(chains[i]);
        sorted.values.insert(sorted.values.end(), forms[i]->begin(), forms[i]->end());
        sorted.begin.push_back(sorted.values.size());
    }
    auto label = [&](int32_t position, std::size_t depth) { return sorted.first(position)[depth]; };
    auto length = [&](int32_t position) { return sorted.length(position); };

    // One node per label that does not repeat the previous form's prefix: made at its size.
    std::size_t numNodes = 1;
    for (std::size_t p = 0; p < chains_.size(); ++p) {
        std::size_t shared = 0;
        if (p > 0)
            while (shared < std::min(length(p), length(p - 1)) &&
                   label(p, shared) == label(p - 1, shared))
                ++shared;
        numNodes += length(p) - shared;
    }
    nodes_.reserve(numNodes);
    labels_.reserve(numNodes);

    // Breadth first: a queue of nodes whose children are not yet made, at depth d.
    nodes_.push_back({kBlank, 0, 0, 0, 0, static_cast<int32_t>(chains.size())});
    std::vector<std::size_t> depth{0};
    depth.reserve(numNodes);
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        const std::size_t d = depth[n];
        int32_t position = nodes_[n].low;
        while (position < nodes_[n].high && length(position) == d) ++position;
        nodes_[n].endHigh = position;
        nodes_[n].childBegin = static_cast<int32_t>(nodes_.size());
        while (position < nodes_[n].high) {
            const int32_t c = label(position, d);
            int32_t end = position;
            while (end < nodes_[n].high && label(end, d) == c) ++end;
            nodes_.push_back({c, 0, 0, position, position, end});
            depth.push_back(d + 1);
            position = end;
        }
        nodes_[n].childEnd = static_cast<int32_t>(nodes_.size());
    }
    for (const Node& node : nodes_) labels_.push_back(node.label);
}

}  // namespace tokenpassing
