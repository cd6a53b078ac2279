// What the search may write: dictionary word forms and single non-word characters, each
// as a chain of CTC states.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "PrefixTree.hpp"

namespace tokenpassing {

constexpr int32_t kBlank = 0;  // CTC blank class; characters are classes 1..N
constexpr int32_t kNonWord = -1;  // Lexicon::lmWord of a non-word character's chain

/// A line is a sequence of chains. A word form (a dictionary word in one of its cases)
/// with labels c1..cn is the chain
///
///     c1, blank, c2, blank, ..., cn, blank
///
/// state 2i emits c(i+1), state 2i + 1 the blank after it. Every state may repeat
/// (stay), and state k may be reached from state k - 1. A character state may also be
/// reached from the previous character (skipping the blank) unless the two are equal:
/// "oo" needs a blank between its letters. A non-word character (space, punctuation, a
/// digit) is the chain `c, blank` of its own class. Leading blanks belong to the previous
/// chain (or to the start of the line), which keeps one entry state per chain.
///
/// Each word form names its language model word (forms of one word share it: "the",
/// "The", "THE"); non-word chains name kNonWord. Word forms may not begin or end with a
/// non-word class, so that the search needs the "equal labels need a blank" rule only
/// between non-word characters. The search holds word forms as one prefix tree (tree()),
/// whose nodes carry the same states; only the non-word chains keep states of their own.
class Lexicon {
public:
    /// Per state: the class it emits, and whether it may skip the state before it.
    struct State {
        int32_t label;
        int32_t canSkip;
    };

    /// Throws std::invalid_argument for numClasses outside 2..32767, no word forms, a
    /// form with no labels, a label outside 1..numClasses-1, a non-word chain of more than
    /// one class or two of one class, or a word form that begins or ends with a non-word
    /// class.
    Lexicon(int numClasses, std::vector<std::string> forms,
            const std::vector<std::vector<int32_t>>& labels, std::vector<int32_t> lmWords);

    int size() const { return static_cast<int>(forms_.size()); }
    int numClasses() const { return numClasses_; }
    const std::string& form(int w) const { return forms_[w]; }
    int32_t lmWord(int w) const { return lmWords_[w]; }
    bool isWord(int w) const { return lmWords_[w] != kNonWord; }
    int32_t firstLabel(int w) const { return chains_[w].first; }
    /// The state of w that emits its last character; the blank after it is the last state.
    int lastCharState(int w) const { return chains_[w].lastCharState; }
    /// The chains of non-word characters, in chain order.
    const std::vector<int32_t>& nonWordChains() const { return nonWordChains_; }
    /// A non-word chain's index in nonWordChains().
    int32_t nonWordIndex(int w) const { return chains_[w].nonWordIndex; }
    /// The word forms.
    const PrefixTree& tree() const { return tree_; }

    /// The states of the non-word chains live in one flat array, chain w's at [offset(w),
    /// offset(w) + numStates(w)), after one unused state, so that the search may read
    /// state k - 1 of state 0 without a test. Word forms have none here (see tree()).
    int offset(int w) const { return chains_[w].offset; }
    int numStates(int w) const { return chains_[w].numStates; }
    int totalStates() const { return static_cast<int>(states_.size()); }
    const std::vector<State>& states() const { return states_; }

private:
    struct Chain {  // flat, because the search asks for these per chain and per entry
        int32_t first;
        int32_t lastCharState;
        int32_t offset;
        int32_t numStates;
        int32_t nonWordIndex;  // -1 for a word form
    };

    int numClasses_;
    std::vector<std::string> forms_;
    std::vector<int32_t> lmWords_;
    std::vector<Chain> chains_;
    std::vector<State> states_;
    std::vector<int32_t> nonWordChains_;
    PrefixTree tree_;
};

}  // namespace tokenpassing
