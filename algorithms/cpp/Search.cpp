#include "Search.hpp"

#include <algorithm>
#include <limits>

namespace tokenpassing {

namespace {

constexpr double kNoToken = -std::numeric_limits<double>::infinity();
constexpr int32_t kNoRecord = -2;  // PoolEntry::record before it is made; -1 is "no words"
// Bounds used to skip entries are compared with this margin, so that rounding in a bound
// never skips an entry that the full computation would keep.
constexpr double kSlack = 1e-6;

bool alive(double score, double theta) { return score != kNoToken && score >= theta; }

}  // namespace

Search::Search(const TokenPassing& decoder, const LogProbMatrix& matrix)
    : decoder_(decoder),
      lexicon_(decoder.lexicon()),
      lm_(decoder.languageModel()),
      options_(decoder.options()),
      matrix_(matrix),
      scratch_(lexicon_.size(), Scratch{kNoToken, -1, 0, 0, -1}) {
    tokens_.reserve(lexicon_.totalStates());
    for (const Lexicon::State& state : lexicon_.states())
        tokens_.push_back({kNoToken, -1, static_cast<int16_t>(state.label),
                           static_cast<int16_t>(state.canSkip)});
    pool_.push_back({0.0, lm_.boundary(), -1, -1, false, -1});
    poolByKey_.push_back(0);
    poolKeys_.push_back(options_.lmWeight * lm_.backoff(lm_.boundary()));
}

Decoded Search::run() {
    double theta = kNoToken;  // the last frame's threshold
    for (int t = 0; t < matrix_.frames; ++t) {
        const double* y = matrix_.row(t);
        double best = advanceWords(t, y, theta);
        silence_ += y[kBlank];
        if (start_ != kNoToken) {
            start_ += y[kBlank];
            best = std::max(best, start_);
        }
        best = std::max(best, enterWords(t, y, best - options_.beam));
        theta = best - options_.beam;
        if (start_ < theta) start_ = kNoToken;
        collectPool(theta);
    }
    return finish();
}

double Search::advanceWords(int t, const double* y, double theta) {
    double best = kNoToken;
    ending_.clear();
    for (std::size_t i = 0; i < active_.size();) {
        if (active_[i].best < theta) {  // every token fell below the threshold
            scratch_[active_[i].word].active = -1;
            if (i + 1 < active_.size()) {
                active_[i] = active_.back();
                scratch_[active_[i].word].active = static_cast<int32_t>(i);
            }
            active_.pop_back();
            continue;
        }
        best = std::max(best, advanceWord(i, t, y, theta));
        ++i;
    }
    return best;
}

double Search::advanceWord(std::size_t index, int t, const double* y, double theta) {
    Active& word = active_[index];
    Token* tokens = tokens_.data() + word.offset;
    // Drop frame t - 1's tokens below its threshold (the word has one above it).
    int low = word.low, high = word.high;
    for (int k = low; k <= high; ++k)
        tokens[k].score = tokens[k].score < theta ? kNoToken : tokens[k].score;
    while (tokens[low].score == kNoToken) ++low;
    while (tokens[high].score == kNoToken) --high;
    // Tokens move two states at most. States above `high` are stale: clear them.
    const int top = std::min(high + 2, word.lastState);
    for (int k = high + 1; k <= top; ++k) tokens[k].score = kNoToken;
    // Descending, so that states k - 1 and k - 2 still hold frame t - 1's tokens when
    // state k reads them; below `low` (and in the unused state before the chain) there
    // are none.
    double best = kNoToken;
    for (int k = top; k >= low; --k) {
        Token token = tokens[k];
        if (tokens[k - 1].score > token.score) token = tokens[k - 1];
        if (tokens[k].canSkip && tokens[k - 2].score > token.score) token = tokens[k - 2];
        token.score += y[tokens[k].label];
        token.label = tokens[k].label;
        token.canSkip = tokens[k].canSkip;
        tokens[k] = token;
        best = std::max(best, token.score);
    }
    word.low = low;
    word.high = top;
    word.best = best;
    if (top >= word.lastCharState) listEnding(index, t);
    return best;
}

void Search::listEnding(std::size_t index, int t) {
    Scratch& scratch = scratch_[active_[index].word];
    if (scratch.endingAt != t + 1) {
        scratch.endingAt = t + 1;
        ending_.push_back(static_cast<int32_t>(index));
    }
}

double Search::enterWords(int t, const double* y, double theta) {
    double best = kNoToken;
    if (pool_.empty()) return best;
    const int stamp = t + 1;
    markTopSuccessors(stamp);
    scoreBigramEntries(y, theta);
    double maxPool = kNoToken;
    for (const PoolEntry& p : pool_) maxPool = std::max(maxPool, p.score);
    const double reachable =
        maxPool + options_.lmWeight * lm_.maxEntryLogprob() + options_.wordPenalty;
    const double topKey = poolKeys_[poolByKey_.front()];
    // Whether a word may back off into the beam: not when even the best key plus its
    // unigram falls short (a bigram entry, below, may still bring it in).
    auto mayBackOff = [&](int32_t c, double unigram) {
        return reachable + y[c] >= theta - kSlack &&
               topKey + options_.lmWeight * unigram + options_.wordPenalty + y[c] >= theta - kSlack;
    };
    for (int32_t c = 1; c < lexicon_.numClasses(); ++c) {
        if (reachable + y[c] < theta - kSlack) continue;
        // Sorted by unigram: once a word cannot back off into the beam, no later one can.
        for (const TokenPassing::Candidate& candidate : decoder_.wordsStartingWith(c)) {
            if (!mayBackOff(c, candidate.unigram)) break;
            enter(candidate.word, c, t, y, theta, best);
        }
    }
    for (int32_t w : touched_) {
        const int32_t c = lexicon_.firstLabel(w);
        if (!mayBackOff(c, lm_.unigram(w))) enter(w, c, t, y, theta, best);  // else entered
        scratch_[w].bigramScore = kNoToken;
        scratch_[w].bigramFrom = -1;
    }
    touched_.clear();
    return best;
}

void Search::markTopSuccessors(int stamp) {
    // Most entries back off from the best token by key: a mark per successor answers
    // "is there a bigram?" for it without a search.
    for (const LanguageModel::Successor& s : lm_.successors(pool_[poolByKey_.front()].word))
        if (s.next != lm_.boundary()) scratch_[s.next].followsTop = stamp;
}

void Search::scoreBigramEntries(const double* y, double theta) {
    const double maxY = *std::max_element(y + 1, y + lexicon_.numClasses());
    const int boundary = lm_.boundary();
    for (int j = 0; j < static_cast<int>(pool_.size()); ++j) {
        const PoolEntry& p = pool_[j];
        for (const LanguageModel::Successor& s : lm_.successorsByLogprob(p.word)) {
            const double score = p.score + options_.lmWeight * s.logprob + options_.wordPenalty;
            if (score + maxY < theta - kSlack) break;  // most probable first: none can reach
            if (s.next == boundary) continue;
            const int32_t first = lexicon_.firstLabel(s.next);
            if ((p.endsChar && p.lastLabel == first) || score + y[first] < theta - kSlack)
                continue;
            Scratch& scratch = scratch_[s.next];
            if (scratch.bigramFrom < 0) touched_.push_back(s.next);
            if (score > scratch.bigramScore ||
                (score == scratch.bigramScore && j < scratch.bigramFrom)) {
                scratch.bigramScore = score;
                scratch.bigramFrom = j;
            }
        }
    }
}

void Search::entryScore(int word, int32_t firstLabel, int stamp, double& score,
                        int& from) const {
    const Scratch& scratch = scratch_[word];
    score = scratch.bigramScore;
    from = scratch.bigramFrom;
    // The best back-off entry is the first pool token, by key, that may enter the word and
    // has no listed bigram to it (ARPA: a listed bigram replaces the back-off).
    for (int j : poolByKey_) {
        const PoolEntry& p = pool_[j];
        if (p.endsChar && p.lastLabel == firstLabel) continue;  // "a" "a" needs a blank
        const bool listed = j == poolByKey_.front() ? scratch.followsTop == stamp
                                                    : lm_.hasBigram(p.word, word);
        if (listed) continue;
        const double backoff = p.score +
                               options_.lmWeight * (lm_.backoff(p.word) + lm_.unigram(word)) +
                               options_.wordPenalty;
        if (backoff > score || (backoff == score && j < from)) {
            score = backoff;
            from = j;
        }
        break;
    }
}

void Search::enter(int word, int32_t firstLabel, int t, const double* y, double theta,
                   double& best) {
    double score;
    int from;
    entryScore(word, firstLabel, t + 1, score, from);
    if (from < 0) return;
    const double candidate = score + y[firstLabel];
    Scratch& scratch = scratch_[word];
    if (scratch.active < 0) {
        if (candidate < theta) return;
        scratch.active = static_cast<int32_t>(active_.size());
        active_.push_back({word, lexicon_.offset(word), 0, 0, lexicon_.lastCharState(word),
                           lexicon_.numStates(word) - 1, kNoToken});
        tokens_[lexicon_.offset(word)].score = kNoToken;  // stale from an earlier visit
    }
    Active& active = active_[scratch.active];
    Token& token = tokens_[active.offset];
    if (candidate > token.score) {
        token.score = candidate;
        token.link = recordFor(from, t);
        active.low = 0;
        active.best = std::max(active.best, candidate);
        if (active.lastCharState == 0) listEnding(scratch.active, t);  // a one-letter word
    }
    best = std::max(best, candidate);
}

int32_t Search::recordFor(int poolIndex, int t) {
    PoolEntry& p = pool_[poolIndex];
    if (p.record == kNoRecord) {
        p.record = static_cast<int32_t>(wordLinks_.size());
        wordLinks_.push_back({p.word, p.link, t - 1});
    }
    return p.record;
}

void Search::collectPool(double theta) {
    pool_.clear();
    if (start_ != kNoToken) pool_.push_back({start_, lm_.boundary(), -1, -1, false, -1});
    for (int32_t index : ending_) {
        const Active& word = active_[index];
        const Token* tokens = tokens_.data() + word.offset;
        const int last = word.lastCharState;
        const int32_t lastLabel = tokens[last].label;
        if (alive(tokens[last].score, theta))
            pool_.push_back({tokens[last].score, word.word, tokens[last].link, lastLabel, true,
                             kNoRecord});
        int bestEnd = -1;
        for (int k = last + 1; k <= word.high; ++k)
            if (alive(tokens[k].score, theta) &&
                (bestEnd < 0 || tokens[k].score > tokens[bestEnd].score))
                bestEnd = k;
        if (bestEnd >= 0)
            pool_.push_back({tokens[bestEnd].score, word.word, tokens[bestEnd].link, lastLabel,
                             false, kNoRecord});
    }
    // The start token first, then by word, its last character's token before its blank's:
    // the order in which ties between equal scores are broken.
    std::sort(pool_.begin() + (start_ != kNoToken), pool_.end(),
              [](const PoolEntry& a, const PoolEntry& b) {
                  return a.word != b.word ? a.word < b.word : a.endsChar > b.endsChar;
              });
    poolByKey_.resize(pool_.size());
    poolKeys_.resize(pool_.size());
    for (std::size_t j = 0; j < pool_.size(); ++j) {
        poolByKey_[j] = static_cast<int>(j);
        poolKeys_[j] = pool_[j].score + options_.lmWeight * lm_.backoff(pool_[j].word);
    }
    std::sort(poolByKey_.begin(), poolByKey_.end(), [this](int a, int b) {
        return poolKeys_[a] != poolKeys_[b] ? poolKeys_[a] > poolKeys_[b] : a < b;
    });
}

Decoded Search::finish() const {
    double best = kNoToken;
    int winner = -1;
    for (int j = 0; j < static_cast<int>(pool_.size()); ++j) {
        const double score = pool_[j].score + options_.lmWeight * lm_.endLogprob(pool_[j].word);
        if (score > best) {
            best = score;
            winner = j;
        }
    }
    if (winner < 0)  // every hypothesis that ends a word fell out of the beam
        return {"", silence_ + options_.lmWeight * lm_.endLogprob(lm_.boundary()),
                wordLinks_.size(), workingBytes()};
    std::vector<int32_t> words;
    if (pool_[winner].word != lm_.boundary()) {
        words.push_back(pool_[winner].word);
        for (int32_t link = pool_[winner].link; link >= 0; link = wordLinks_[link].prev)
            words.push_back(wordLinks_[link].word);
    }
    std::string text;
    for (auto it = words.rbegin(); it != words.rend(); ++it) {
        if (!text.empty()) text += ' ';
        text += lexicon_.word(*it);
    }
    return {text, best, wordLinks_.size(), workingBytes()};
}

std::size_t Search::workingBytes() const {
    return tokens_.capacity() * sizeof(Token) + active_.capacity() * sizeof(Active) +
           scratch_.capacity() * sizeof(Scratch) + ending_.capacity() * sizeof(int32_t) +
           pool_.capacity() * sizeof(PoolEntry) +
           (poolByKey_.capacity() + touched_.capacity()) * sizeof(int32_t) +
           poolKeys_.capacity() * sizeof(double) + wordLinks_.capacity() * sizeof(WordLink);
}

}  // namespace tokenpassing
