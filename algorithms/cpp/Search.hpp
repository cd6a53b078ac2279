// The working memory of one decode() call, and the frame-by-frame token passing.
#pragma once

#include <cstdint>
#include <vector>

#include "TokenPassing.hpp"

namespace tokenpassing {

/// One token per word state (score, link), updated in place frame by frame. Memory is
/// bounded by the dictionary (states, per-word scratch) plus the word-link records, which
/// grow with T x the words that end inside the beam per frame, never with T x dictionary.
///
/// Per frame t:
///   1. tokens below the threshold of frame t - 1 are dropped, and the survivors move
///      inside their words (stay, step, or skip a blank);
///   2. the start token (blanks before the first word) takes one more blank;
///   3. each word's first state may take a token that ended a word at t - 1 (or the start
///      token): the best of score + lmWeight * log P(word | previous) + wordPenalty;
///   4. the threshold is the frame's best score minus the beam;
///   5. the tokens above it that end a word, and the start token, become the pool that
///      step 3 of frame t + 1 reads.
/// After the last frame the best pool token (plus lmWeight * log P(</s> | word)) wins.
/// Entries that cannot reach the threshold are skipped by bounds, never computed; the
/// result is the same as computing every entry and pruning afterwards.
///
/// The layout serves the cache: what the search reads per state sits in the token, what
/// it reads per active word sits in the active list (walked in order), and what it reads
/// per entered word sits in one Scratch record.
class Search {
public:
    Search(const TokenPassing& decoder, const LogProbMatrix& matrix);
    Decoded run();

private:
    struct Token {
        double score;     // -inf: no token
        int32_t link;     // the word-link record of the words before this one
        int16_t label;    // the class the state emits (copied from the lexicon)
        int16_t canSkip;  // whether the state may be reached from two states back
    };
    /// A word holding tokens. They lie in states [low, high] of its chain; states below
    /// low hold none, states above high are stale and never read, so that a word leaving
    /// the beam is not touched again and a word entering needs no reset.
    struct Active {
        int32_t word;
        int32_t offset;         // of its chain in tokens_
        int32_t low;
        int32_t high;
        int32_t lastCharState;
        int32_t lastState;
        double best;            // its best token after the last frame
    };
    /// Per dictionary word, what an entry reads and writes.
    struct Scratch {
        double bigramScore;  // best entry through a listed bigram this frame
        int32_t bigramFrom;  // its pool index, -1: none
        int32_t followsTop;  // the last frame (+1) it was a successor of the top pool token
        int32_t endingAt;    // the last frame (+1) it joined ending_
        int32_t active;      // its index in active_, -1: inactive
    };
    /// A token that ends a word (or the start token) and may enter the next word.
    struct PoolEntry {
        double score;
        int32_t word;       // the ended word, or the boundary id for the start token
        int32_t link;       // the link of the words before it
        int32_t lastLabel;  // the word's last character, -1 for the start token
        bool endsChar;      // in the last character's state: cannot enter a word that
                            // starts with the same character without a blank
        int32_t record;     // its word-link record, made when first needed
    };
    /// A back-pointer: `word` ended at `frame`, after the words of record `prev` (-1: none).
    struct WordLink {
        int32_t word;
        int32_t prev;
        int32_t frame;
    };

    double advanceWords(int t, const double* y, double theta);
    double advanceWord(std::size_t index, int t, const double* y, double theta);
    double enterWords(int t, const double* y, double theta);
    void markTopSuccessors(int stamp);
    void scoreBigramEntries(const double* y, double theta);
    void enter(int word, int32_t firstLabel, int t, const double* y, double theta, double& best);
    void entryScore(int word, int32_t firstLabel, int stamp, double& score, int& from) const;
    void listEnding(std::size_t index, int t);
    int32_t recordFor(int poolIndex, int t);
    void collectPool(double theta);
    Decoded finish() const;
    std::size_t workingBytes() const;

    const TokenPassing& decoder_;
    const Lexicon& lexicon_;
    const LanguageModel& lm_;
    const DecoderOptions& options_;
    const LogProbMatrix& matrix_;

    std::vector<Token> tokens_;       // (total states,)
    std::vector<Active> active_;      // words holding tokens, in no particular order
    std::vector<Scratch> scratch_;    // (W,)
    std::vector<int32_t> ending_;     // active_ indices of words with an end state in reach
    double start_ = 0.0;              // the start token: blanks only so far
    double silence_ = 0.0;            // the same, never pruned: the answer if nothing survives

    std::vector<PoolEntry> pool_;
    std::vector<int> poolByKey_;      // pool indices by score + lmWeight * backoff, best first
    std::vector<double> poolKeys_;
    std::vector<int32_t> touched_;    // words with a bigram entry this frame
    std::vector<WordLink> wordLinks_;
};

}  // namespace tokenpassing
