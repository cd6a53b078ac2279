// The working memory of one decode() call, and the frame-by-frame token passing.
#pragma once

#include <cstdint>
#include <vector>

#include "TokenPassing.hpp"

namespace tokenpassing {

/// One token per state of each chain that holds any (score, link), updated in place frame
/// by frame. A chain's tokens live in a block of an arena while it is active and return
/// to a free list when every token has left the beam, so memory follows the beam, not
/// the dictionary: per-chain and per-word scratch (a few bytes each), the active blocks,
/// and the back-pointer records, which grow with T x the chains that end inside the beam.
///
/// Per frame t:
///   1. tokens below the threshold of frame t - 1 are dropped, and the survivors move
///      inside their chains (stay, step, or skip a blank);
///   2. the start token (blanks before anything is written) takes one more blank;
///   3. each word form's first state may take a token that ended a non-word character at
///      t - 1 (or the start token): the best of score + lmWeight * log P(word | history)
///      + wordPenalty, where the history is the last word written before it (<s>: none);
///      so two words are always separated by at least one non-word character; with a
///      word beam of N, only the N word forms whose entries (plus log y of their first
///      character) score best are entered (ties: the lower chain index), which bounds
///      the chains that a frame activates however large the dictionary;
///   4. each non-word character's first state may take the best token that ended any
///      chain at t - 1 (or the start token), plus nonWordPenalty; its history passes on;
///   5. the threshold is the frame's best score minus the beam;
///   6. the tokens above it that end a chain, and the start token, become the pools that
///      steps 3 and 4 of frame t + 1 read.
/// After the last frame the best pool token (plus lmWeight * log P(</s> | history)) wins.
/// The K best: the other tokens alive at the end, and the winner's path with the prefix
/// before one of its non-word characters replaced by one of the best other tokens that
/// ended a chain on the same frame (kept per frame as runners), each a complete path with
/// its exact score; the best K distinct texts of these. (Such a path may score above the
/// winner, when a non-word character's entry preferred a token whose last word the next
/// word likes less: it is left out, so that the first text stays decode()'s.)
/// Word entries that cannot reach the threshold are skipped by bounds, never computed;
/// the result is the same as computing every entry and pruning afterwards.
class Search {
public:
    Search(const TokenPassing& decoder, const LogProbMatrix& matrix);
    /// nbest: the alternatives to give (see Decoded).
    Decoded run(int nbest);
    /// How many of a frame's best chain ends are kept as runners per alternative asked.
    static constexpr int kRunnersPerAlternative = 2;

private:
    struct Token {
        double score;  // -inf: no token
        int32_t link;  // the word-link record of the chains before this one
    };
    /// A word form that may be entered this frame.
    struct WordEntry {
        double candidate;  // score + log y of its first character
        double score;
        int32_t chain;
        int32_t from;  // its pool index
    };
    /// A chain holding tokens. They lie in states [low, high]; states below low hold none,
    /// states above high are stale and never read, so that a chain leaving the beam is not
    /// touched again and a chain entering needs no reset.
    struct Active {
        int32_t chain;
        int32_t offset;       // of its state 0 in tokens_
        int32_t stateOffset;  // of its state 0 in the lexicon's states
        int32_t low;
        int32_t high;
        int32_t lastCharState;
        double best;          // its best token after the last frame
    };
    struct ChainScratch {
        int32_t endingAt;  // the last frame (+1) it joined ending_
        int32_t active;    // its index in active_, -1: inactive
    };
    /// Per language model word, what a word entry reads and writes.
    struct WordScratch {
        double bigramScore;  // best entry through a listed bigram this frame
        int32_t bigramFrom;  // its pool index, -1: none
        int32_t followsTop;  // the last frame (+1) it was a successor of the top pool token
    };
    /// A token that ends a chain (or the start token).
    struct PoolEntry {
        double score;
        int32_t history;    // the last word written (lm id), or the boundary id: none
        int32_t chain;      // the ended chain, -1 for the start token
        int32_t link;       // the record of the chains before it
        int32_t lastLabel;  // the chain's last character, -1 for the start token
        bool endsChar;      // in the last character's state: cannot enter a chain that
                            // starts with the same character without a blank
        int32_t record;     // its word-link record, made when first needed
    };
    /// A back-pointer: `chain` ended at `frame`, after the chains of record `prev` (-1:
    /// none); `history` is the last word written up to and including it.
    struct WordLink {
        int32_t chain;
        int32_t prev;
        int32_t frame;
        int32_t history;
        double score;  // of the token that ended `chain`
    };
    /// With nbest > 1: one of the best tokens that ended a chain on a frame, which a
    /// non-word character entered on the next frame might have followed instead.
    struct Runner {
        int32_t record;
        int32_t lastLabel;
        bool endsChar;
    };
    /// An alternative text for the K best: a complete path and its score.
    struct Found {
        double score;
        std::string text;
    };

    double advanceChains(int t, const double* y, double theta);
    double advanceChain(std::size_t index, int t, const double* y, double theta);
    double enterWords(int t, const double* y, double theta);
    double enterNonWords(int t, const double* y, double theta);
    void markTopSuccessors(int stamp);
    void scoreBigramEntries(double theta, double maxY);
    void offerWordForm(int chain, int stamp, const double* y, double theta);
    double cutoff(double theta) const;
    static bool betterEntry(const WordEntry& a, const WordEntry& b);
    void entryScore(int word, int stamp, double& score, int& from) const;
    void enter(int chain, double score, PoolEntry& from, int t, const double* y, double theta,
               double& best);
    int32_t allocate(int numStates);
    void release(const Active& chain);
    void listEnding(std::size_t index, int t);
    int32_t recordFor(PoolEntry& entry, int t);
    int32_t historyOf(int32_t link) const;
    void collectPools(double theta);
    void keepRunners(int t);
    std::vector<Found> deviations(const PoolEntry& winner, double total) const;
    Decoded finish(int nbest) const;
    std::string textOf(const PoolEntry& p) const;
    std::size_t workingBytes() const;

    const TokenPassing& decoder_;
    const Lexicon& lexicon_;
    const LanguageModel& lm_;
    const DecoderOptions& options_;
    const LogProbMatrix& matrix_;
    const Lexicon::State* states_;

    std::vector<Token> tokens_;                  // the arena of active chains' blocks
    std::vector<std::vector<int32_t>> free_;     // free blocks by number of states
    std::vector<Active> active_;                 // chains holding tokens, in no order
    std::vector<ChainScratch> chainScratch_;     // (chains,)
    std::vector<WordScratch> wordScratch_;       // (W,)
    std::vector<int32_t> ending_;  // active_ indices of chains with an end state in reach
    double start_ = 0.0;           // the start token: blanks only so far
    double silence_ = 0.0;         // the same, never pruned: the answer if nothing survives

    std::vector<PoolEntry> pool_;     // start token and non-word ends: may enter words
    std::vector<PoolEntry> ends_;     // word ends: may enter non-word characters only
    std::vector<int> poolByKey_;      // pool_ indices by score + lmWeight * backoff, best first
    std::vector<double> poolKeys_;
    std::vector<int32_t> touched_;    // words with a bigram entry this frame
    std::vector<WordEntry> entries_;  // word forms to enter; with a word beam, a heap
                                      // whose top is the worst of the best N so far
    std::vector<int32_t> classOrder_;  // classes by their best back-off bound, best first
    std::vector<double> classBound_;
    std::vector<WordLink> wordLinks_;
    int nbest_ = 1;
    std::vector<Runner> runners_;         // with nbest > 1: each frame's, best first
    std::vector<int32_t> runnerOffsets_;  // frame t's: [runnerOffsets_[t], [t + 1])
};

}  // namespace tokenpassing
