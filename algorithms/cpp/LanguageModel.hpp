// A bigram language model with back-off (ARPA semantics), in natural log.
#pragma once

#include <cstdint>
#include <vector>

namespace tokenpassing {

/// Words are numbered 0..W-1 (the dictionary); id W is the sentence boundary: <s> as a
/// history, </s> as a prediction. log P(next | prev) is the listed bigram's value when
/// the pair is listed, else backoff(prev) + unigram(next), so that an unseen pair stays
/// possible. Values are natural logs (the caller converts ARPA's log10).
class LanguageModel {
public:
    struct Bigram {
        int32_t prev;
        int32_t next;
        double logprob;
    };
    struct Successor {
        int32_t next;
        double logprob;
    };
    /// The bigram successors of one history, sorted by word id.
    struct Successors {
        const Successor* first;
        const Successor* last;
        const Successor* begin() const { return first; }
        const Successor* end() const { return last; }
    };

    /// unigram: W + 1 values (index W: </s>); backoff: W + 1 values (index W: <s>).
    /// hasEnd: whether the model knows </s>; without it a line's end costs nothing.
    /// Throws std::invalid_argument for sizes, ids, duplicate pairs or values that are not
    /// finite (ARPA's -99 stands for log10 0).
    LanguageModel(std::vector<double> unigram, std::vector<double> backoff,
                  std::vector<Bigram> bigrams, bool hasEnd);

    int numWords() const { return numWords_; }
    int boundary() const { return numWords_; }
    double unigram(int next) const { return unigram_[next]; }
    double backoff(int prev) const { return backoff_[prev]; }
    Successors successors(int prev) const;
    /// The same successors, most probable first: lets the search stop early.
    Successors successorsByLogprob(int prev) const;
    bool hasBigram(int prev, int next) const;
    double logprob(int prev, int next) const;
    /// log P(</s> | prev), or 0 for a model without </s>.
    double endLogprob(int prev) const;
    /// An upper bound of logprob(prev, next) over all histories and dictionary words:
    /// lets the search skip entries that cannot reach the beam.
    double maxEntryLogprob() const { return maxEntryLogprob_; }
    std::size_t numBigrams() const { return successors_.size(); }

private:
    const Successor* find(int prev, int next) const;

    int numWords_;
    std::vector<double> unigram_;
    std::vector<double> backoff_;
    std::vector<int32_t> offsets_;  // successors of prev: [offsets_[prev], offsets_[prev + 1])
    std::vector<Successor> successors_;
    std::vector<Successor> byLogprob_;  // the same ranges, each sorted by logprob, descending
    bool hasEnd_;
    double maxEntryLogprob_;
};

}  // namespace tokenpassing
