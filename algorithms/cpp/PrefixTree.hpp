// The dictionary's word forms as one lexical prefix tree: forms that share a prefix share
// its states, so that a frame advances each prefix once rather than once per form.
#pragma once

#include <cstdint>
#include <vector>

namespace tokenpassing {

/// Node 0 is the root (the empty prefix, no states); every other node is a prefix of
/// one or more word forms and holds two CTC states, its last character and a blank after
/// it. Nodes are numbered breadth first, so that a node's children are the contiguous
/// range [childBegin, childEnd) and come after it. Word forms are numbered by their
/// position in the tree (depth first, children in label order), so that the forms below
/// a node are the range [low, high); those that end at the node come first: [low,
/// endHigh). A form's position gives its chain with chainAt().
class PrefixTree {
public:
    static constexpr int32_t kRoot = 0;

    struct Node {
        int32_t label;  // the class of its last character (the root: the blank)
        int32_t childBegin;
        int32_t childEnd;
        int32_t low;      // forms below it (itself included): positions [low, high)
        int32_t endHigh;  // those that end here: [low, endHigh)
        int32_t high;
    };

    /// chains: the chain ids of the word forms; labels: every chain's classes, by chain id.
    PrefixTree(const std::vector<int32_t>& chains, const std::vector<std::vector<int32_t>>& labels);

    int size() const { return static_cast<int>(nodes_.size()); }
    const Node& node(int n) const { return nodes_[n]; }
    const Node* nodes() const { return nodes_.data(); }
    /// Each node's label apart, so that the search's sweep over children reads 4 bytes each.
    const int32_t* labels() const { return labels_.data(); }
    int32_t chainAt(int position) const { return chains_[position]; }
    int numForms() const { return static_cast<int>(chains_.size()); }

private:
    std::vector<Node> nodes_;
    std::vector<int32_t> labels_;
    std::vector<int32_t> chains_;  // by position
};

}  // namespace tokenpassing
