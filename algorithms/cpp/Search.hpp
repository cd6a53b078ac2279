// The working memory of one decode() call, and the frame-by-frame token passing.
#pragma once

#include <cstdint>
#include <vector>

#include "TokenPassing.hpp"

namespace tokenpassing {

/// Two kinds of states hold tokens (score, link): the non-word chains', one token per
/// state, in blocks of an arena while active; and the prefix tree's (PrefixTree.hpp),
/// held per slot, a node with one history (the last word written before the word):
/// tokens of different histories stay apart inside a word, because the language model
/// term that ends it depends on the history. Slots are kept sorted by (history, node)
/// and rebuilt each frame by a merge, so that no map is needed. A token inside a word is
/// ranked and pruned by its key: its score plus lmWeight x the look-ahead of its slot
/// (LookAhead.hpp), an upper bound of the word's language model term; when the word ends
/// the term itself is added. Memory follows the beam, not the dictionary: the active
/// slots and chains, and the back-pointer records, which grow with T x the words and
/// characters that end inside the beam.
///
/// Per frame t:
///   1. the non-word chains' tokens below the threshold of frame t - 1 are dropped, and
///      the survivors move inside their chains (stay, step, or skip a blank); a slot's
///      tokens stay (its character state repeats; its blank takes the better of the two);
///   2. the start token (blanks before anything is written) takes one more blank;
///   3. each non-word character's first state may take the best token that ended any
///      chain or word at t - 1 (or the start token), plus nonWordPenalty; its history
///      passes on;
///   4. each slot's tokens step into its children's character states (from the blank,
///      or from the character when the child's label differs: "oo" needs a blank), and
///      the tree's first level may take, per history, the best token that ended a
///      non-word character at t - 1 (or the start token), plus wordPenalty: so two words
///      are always separated by at least one non-word character. A child's character
///      state keeps its own token on a tie;
///   5. the threshold is the frame's best key minus the beam; tokens whose key falls
///      below it are dropped, and slots without tokens;
///   6. the tokens above it that end a chain, and the start token, become the pools that
///      steps 3 and 4 of frame t + 1 read; a word form ends in a slot's two states, with
///      score + lmWeight * log P(word | history) (kept if it reaches the threshold; of
///      several histories, the best one, ties: the lower history id).
/// After the last frame the best pool token (plus lmWeight * log P(</s> | history)) wins.
/// With an infinite beam this is the search that enters every word form whole with the
/// best of score + lmWeight * log P(word | history): the look-ahead only decides what is
/// pruned. The K best: the other tokens alive at the end, and the winner's path with the
/// prefix before one of its non-word characters replaced by one of the best other tokens
/// that ended a chain on the same frame (kept per frame as runners), each a complete path
/// with its exact score; the best K distinct texts of these. (Such a path may score above
/// the winner, when a non-word character's entry preferred a token whose last word the
/// next word likes less: it is left out, so that the first text stays decode()'s.)
/// Tokens that cannot reach the threshold are skipped by bounds, never computed; the
/// result is the same as computing every token and pruning afterwards.
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
    /// A node of the prefix tree with one history, and its two tokens.
    struct Slot {
        int32_t history;
        int32_t node;
        double lookAhead;  // LookAhead::bound(history, node)
        Token character;
        Token blank;
        int32_t low, high;  // the history's look-ahead entries below the node
        double endTerm;     // lmWeight * log P(the first word ending at the node | history),
                            // made once for the slot's life (0 where none ends)
    };
    /// A token offered to a slot's character state this frame: from its parent, or, on
    /// the tree's first level, from the pool.
    struct Offer {
        int32_t history;
        int32_t node;
        double lookAhead;
        Token token;
        int32_t low, high;
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
        int32_t before;     // a word end: the history before the word
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
    double bestStay(const double* y) const;
    double growTree(int t, const double* y, double best);
    void offerChildren(const Slot& slot, const double* y, double& best);
    void enterWords(int source, int t, const double* y, double& best);
    void chooseSources();
    void mergeTree(const double* y, double theta);
    void addEnds(const Slot& slot, double theta);
    double enterNonWords(int t, const double* y, double theta);
    ChainScratch& scratch(int chain) { return chainScratch_[lexicon_.nonWordIndex(chain)]; }
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
    const PrefixTree& tree_;
    const LookAhead& lookAhead_;
    const DecoderOptions& options_;
    const LogProbMatrix& matrix_;
    const Lexicon::State* states_;

    std::vector<Token> tokens_;                  // the arena of active chains' blocks
    std::vector<std::vector<int32_t>> free_;     // free blocks by number of states
    std::vector<Active> active_;                 // chains holding tokens, in no order
    std::vector<ChainScratch> chainScratch_;     // (non-word chains,)
    std::vector<Slot> slots_;                    // by (history, node)
    std::vector<Slot> nextSlots_;                // the next frame's, while merging
    std::vector<Offer> offers_;                  // by (history, node)
    std::vector<int32_t> sources_;  // pool_ indices: the best per history, by history
    std::vector<int32_t> ending_;  // active_ indices of chains with an end state in reach
    double start_ = 0.0;           // the start token: blanks only so far
    double silence_ = 0.0;         // the same, never pruned: the answer if nothing survives

    std::vector<PoolEntry> pool_;     // start token and non-word ends: may enter words
    std::vector<PoolEntry> ends_;     // word ends: may enter non-word characters only
    std::vector<WordLink> wordLinks_;
    int nbest_ = 1;
    std::vector<Runner> runners_;         // with nbest > 1: each frame's, best first
    std::vector<int32_t> runnerOffsets_;  // frame t's: [runnerOffsets_[t], [t + 1])
};

}  // namespace tokenpassing
