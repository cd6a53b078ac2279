#include "PrefixTree.hpp"

#include <algorithm>

#include "Lexicon.hpp"

namespace tokenpassing {

PrefixTree::PrefixTree(const std::vector<int32_t>& chains,
                       const std::vector<std::vector<int32_t>>& labels) {
    // Sorted by labels, a node's forms are a contiguous range, shorter (ending) ones first.
    chains_ = chains;
    std::stable_sort(chains_.begin(), chains_.end(),
                     [&](int32_t a, int32_t b) { return labels[a] < labels[b]; });
    auto label = [&](int32_t position, std::size_t depth) { return labels[chains_[position]][depth]; };
    auto length = [&](int32_t position) { return labels[chains_[position]].size(); };

    // Breadth first: a queue of nodes whose children are not yet made, at depth d.
    nodes_.push_back({kBlank, 0, 0, 0, 0, static_cast<int32_t>(chains.size())});
    std::vector<std::size_t> depth{0};
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
