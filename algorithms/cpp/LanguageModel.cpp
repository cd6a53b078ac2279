#include "LanguageModel.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tokenpassing {

namespace {

void requireLogValue(double value, const char* what, std::size_t index) {
    if (!std::isfinite(value))
        throw std::invalid_argument(std::string(what) + "[" + std::to_string(index) +
                                    "] is " + std::to_string(value) +
                                    "; log-probabilities must be finite");
}

}  // namespace

LanguageModel::LanguageModel(std::vector<double> unigram, std::vector<double> backoff,
                             std::vector<Bigram> bigrams, bool hasEnd)
    : numWords_(static_cast<int>(unigram.size()) - 1),
      unigram_(std::move(unigram)),
      backoff_(std::move(backoff)),
      hasEnd_(hasEnd) {
    if (numWords_ < 1)
        throw std::invalid_argument("the language model has no words");
    if (backoff_.size() != unigram_.size())
        throw std::invalid_argument("unigram and backoff must have the same length (W + 1)");
    for (std::size_t i = 0; i < unigram_.size(); ++i) {
        requireLogValue(unigram_[i], "unigram", i);
        requireLogValue(backoff_[i], "backoff", i);
    }
    for (std::size_t i = 0; i < bigrams.size(); ++i) {
        const Bigram& b = bigrams[i];
        if (b.prev < 0 || b.prev > numWords_ || b.next < 0 || b.next > numWords_)
            throw std::invalid_argument("bigram " + std::to_string(i) + " has a word id out of [0, " +
                                        std::to_string(numWords_) + "]");
        requireLogValue(b.logprob, "bigram", i);
    }
    std::sort(bigrams.begin(), bigrams.end(), [](const Bigram& a, const Bigram& b) {
        return a.prev != b.prev ? a.prev < b.prev : a.next < b.next;
    });
    offsets_.assign(numWords_ + 2, 0);
    successors_.reserve(bigrams.size());
    for (std::size_t i = 0; i < bigrams.size(); ++i) {
        if (i > 0 && bigrams[i].prev == bigrams[i - 1].prev && bigrams[i].next == bigrams[i - 1].next)
            throw std::invalid_argument("bigram (" + std::to_string(bigrams[i].prev) + ", " +
                                        std::to_string(bigrams[i].next) + ") is listed twice");
        ++offsets_[bigrams[i].prev + 1];
        successors_.push_back({bigrams[i].next, bigrams[i].logprob});
    }
    for (int prev = 0; prev <= numWords_; ++prev) offsets_[prev + 1] += offsets_[prev];
    byLogprob_ = successors_;
    for (int prev = 0; prev <= numWords_; ++prev)
        std::stable_sort(byLogprob_.begin() + offsets_[prev], byLogprob_.begin() + offsets_[prev + 1],
                         [](const Successor& a, const Successor& b) { return a.logprob > b.logprob; });

    const double maxBackoff = *std::max_element(backoff_.begin(), backoff_.end());
    const double maxUnigram = *std::max_element(unigram_.begin(), unigram_.end() - 1);
    maxEntryLogprob_ = maxBackoff + maxUnigram;
    for (const Successor& s : successors_)
        if (s.next < numWords_) maxEntryLogprob_ = std::max(maxEntryLogprob_, s.logprob);
}

LanguageModel::Successors LanguageModel::successors(int prev) const {
    const Successor* base = successors_.data();
    return {base + offsets_[prev], base + offsets_[prev + 1]};
}

LanguageModel::Successors LanguageModel::successorsByLogprob(int prev) const {
    const Successor* base = byLogprob_.data();
    return {base + offsets_[prev], base + offsets_[prev + 1]};
}

const LanguageModel::Successor* LanguageModel::find(int prev, int next) const {
    const Successors range = successors(prev);
    const Successor* it = std::lower_bound(
        range.first, range.last, next,
        [](const Successor& s, int id) { return s.next < id; });
    return it != range.last && it->next == next ? it : nullptr;
}

bool LanguageModel::hasBigram(int prev, int next) const { return find(prev, next) != nullptr; }

double LanguageModel::logprob(int prev, int next) const {
    const Successor* s = find(prev, next);
    return s ? s->logprob : backoff_[prev] + unigram_[next];
}

double LanguageModel::endLogprob(int prev) const {
    return hasEnd_ ? logprob(prev, boundary()) : 0.0;
}

}  // namespace tokenpassing
