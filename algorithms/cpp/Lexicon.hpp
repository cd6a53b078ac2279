// The dictionary as CTC label sequences, and the chain of states that spells each word.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tokenpassing {

constexpr int32_t kBlank = 0;  // CTC blank class; characters are classes 1..N

/// Word w with labels c1..cn is a chain of states, each emitting one class per frame:
///
///     c1, blank, c2, blank, ..., cn, blank [, separator, blank]
///
/// state 2i emits c(i+1), state 2i + 1 the blank after it. Every state may repeat
/// (stay), and state k may be reached from state k - 1. A character state may also be
/// reached from the previous character (skipping the blank) unless the two are equal:
/// "oo" needs a blank between its letters. With a separator class (the table's space),
/// two more states let a word end with its space and the blank after it, so words are
/// joined by an optional separator. Leading blanks belong to the previous word (or to
/// the start of the line), which keeps one entry state per word.
class Lexicon {
public:
    /// Per state: the class it emits, and whether it may skip the state before it.
    struct State {
        int32_t label;
        int32_t canSkip;
    };

    /// separator: the class of the word separator, or -1 when the table has none.
    /// Throws std::invalid_argument for numClasses outside 2..32767, an empty dictionary,
    /// an empty word, a label outside 1..numClasses-1, or a word with the separator.
    Lexicon(int numClasses, std::vector<std::string> words,
            const std::vector<std::vector<int32_t>>& labels, int separator);

    int size() const { return static_cast<int>(words_.size()); }
    int numClasses() const { return numClasses_; }
    const std::string& word(int w) const { return words_[w]; }
    int32_t firstLabel(int w) const { return chains_[w].first; }
    int32_t lastLabel(int w) const { return chains_[w].last; }
    /// The state of w that emits its last character; the states after it end the word
    /// in a blank or a separator.
    int lastCharState(int w) const { return chains_[w].lastCharState; }

    /// The states of all words live in one flat array, word w's at [offset(w),
    /// offset(w) + numStates(w)), after one unused state that the search keeps empty, so
    /// that it may read state k - 1 of state 0 without a test. Words that start with the
    /// same character lie side by side: they enter on the same frames, and so share cache
    /// lines.
    int offset(int w) const { return chains_[w].offset; }
    int numStates(int w) const { return chains_[w].numStates; }
    int totalStates() const { return static_cast<int>(states_.size()); }
    const std::vector<State>& states() const { return states_; }

private:
    struct Chain {  // flat, because the search asks for these per word and per entry
        int32_t first;
        int32_t last;
        int32_t lastCharState;
        int32_t offset;
        int32_t numStates;
    };

    int numClasses_;
    std::vector<std::string> words_;
    std::vector<Chain> chains_;
    std::vector<State> states_;
};

}  // namespace tokenpassing
