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
class Search {
public:
    Search(const TokenPassing& decoder, const LogProbMatrix& matrix);
    Decoded run();

private:
    /// A token that ends a word (or the start token) and may enter the next word.
    struct PoolEntry {
        double score;
        int32_t word;     // the ended word, or the boundary id for the start token
        int32_t link;     // the link of the words before it
        bool endsChar;    // in the last character's state: cannot enter a word that
                          // starts with the same character without a blank
        int32_t record;   // its word-link record, made when first needed
    };
    /// A back-pointer: `word` ended at `frame`, after the words of record `prev` (-1: none).
    struct WordLink {
        int32_t word;
        int32_t prev;
        int32_t frame;
    };

    double advanceWords(int t, const double* y, double theta);
    double advanceWord(int word, int t, const double* y, double theta);
    void listEnding(int word, int t);
    double enterWords(int t, const double* y, double theta);
    void scoreBigramEntries(const double* y, double theta);
    void enter(int word, int t, const double* y, double theta, double& best);
    void markTopSuccessors(int stamp);
    bool mayEnter(const PoolEntry& p, int word) const;
    void entryScore(int word, int stamp, double& score, int& from) const;
    int32_t recordFor(int poolIndex, int t);
    void collectPool(double theta);
    Decoded finish() const;

    const TokenPassing& decoder_;
    const Lexicon& lexicon_;
    const LanguageModel& lm_;
    const DecoderOptions& options_;
    const LogProbMatrix& matrix_;

    struct Token {
        double score;  // -inf: no token
        int32_t link;  // the word-link record of the words before this one
    };
    std::vector<Token> tokens_;    // (total states,) side by side: one cache line, 4 states
    std::vector<int> active_;      // words holding a token, in no particular order
    std::vector<uint8_t> isActive_;
    // An active word's tokens lie in states [low, high]; states below low hold no token,
    // states above high are stale (not read), so that a word that drops out of the beam
    // is never touched again and a word that enters needs no reset.
    std::vector<int> low_, high_;  // (W,)
    std::vector<double> wordBest_; // (W,) an active word's best token after the last frame
    std::vector<int> ending_;      // active words with a token in an end state, this frame
    std::vector<int> endingAt_;    // (W,) the last frame (+1) a word joined ending_
    double start_ = 0.0;           // the start token: blanks only so far
    double silence_ = 0.0;         // the same, never pruned: the answer if nothing survives

    std::vector<PoolEntry> pool_;
    std::vector<int> poolByKey_;   // pool indices by score + lmWeight * backoff, best first
    std::vector<double> poolKeys_;
    std::vector<double> bigramScore_;  // (W,) best entry through a listed bigram this frame
    std::vector<int> bigramFrom_;      // (W,) its pool index
    std::vector<int> touched_;         // words with a bigram entry this frame
    std::vector<int> enteredAt_;       // (W,) the last frame a word was entered (+1)
    std::vector<int> followsTop_;      // (W + 1,) the last frame (+1) a word was a bigram
                                       // successor of the pool's best token by key
    std::vector<WordLink> wordLinks_;
};

}  // namespace tokenpassing
