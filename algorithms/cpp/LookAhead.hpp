// The language model look-ahead of the prefix tree: how much the language model could
// still give a token inside a word.
#pragma once

#include <cstdint>
#include <vector>

#include "LanguageModel.hpp"
#include "Lexicon.hpp"

namespace tokenpassing {

/// bound(history, node) is an upper bound of log P(w | history) over the words w of the
/// forms below the node: the larger of (a) the best listed bigram of the history among
/// them and (b) backoff(history) + their best unigram. A token inside a word is ranked
/// and pruned by its score plus lmWeight x this bound, so that a prefix that only
/// unlikely words continue leaves the beam early, and no word is lost that the language
/// model term, once known, would keep.
///
/// (b) is stored per node. For (a), each history's bigrams are listed by the tree
/// positions of the next word's forms (a word has up to three forms, in three places);
/// the forms below a node are a range of positions, found by two binary searches, and
/// the range's maximum is read from per-block maxima.
class LookAhead {
public:
    LookAhead(const Lexicon& lexicon, const LanguageModel& lm);

    /// The bound for `history` (0..W) at `node` (n: the tree's node). low, high: on entry the history's
    /// entries to search (those of the node's parent, or all(history)); on return those
    /// below the node, for its children.
    double bound(int history, int node, const PrefixTree::Node& n, int32_t& low,
                 int32_t& high) const;
    /// All entries of a history, to start a search at the root.
    void all(int history, int32_t& low, int32_t& high) const {
        low = offsets_[history];
        high = offsets_[history + 1];
    }

private:
    static constexpr int kBlock = 16;        // entries per block maximum
    static constexpr int kSuperBlock = 256;  // entries per super-block maximum
    double rangeMax(int32_t low, int32_t high) const;

    std::vector<double> backoff_;     // per history
    std::vector<double> maxUnigram_;  // per node
    std::vector<int32_t> offsets_;    // entries of history h: [offsets_[h], offsets_[h + 1])
    std::vector<int32_t> positions_;  // the next word's form position, ascending per history
    std::vector<double> logprobs_;    // the bigram's log P
    std::vector<double> blockMax_;    // max of logprobs_ over [kBlock * i, kBlock * (i + 1))
    std::vector<double> superMax_;    // and over [kSuperBlock * i, ...)
};

}  // namespace tokenpassing
