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
      tokens_(lexicon_.totalStates(), Token{kNoToken, -1}),
      isActive_(lexicon_.size(), 0),
      low_(lexicon_.size(), 0),
      high_(lexicon_.size(), 0),
      wordBest_(lexicon_.size(), kNoToken),
      bigramScore_(lexicon_.size(), kNoToken),
      bigramFrom_(lexicon_.size(), -1),
      enteredAt_(lexicon_.size(), 0),
      followsTop_(lexicon_.size() + 1, 0),
      endingAt_(lexicon_.size(), 0) {
    pool_.push_back({0.0, lm_.boundary(), -1, false, -1});
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
        const int w = active_[i];
        if (wordBest_[w] < theta) {  // every token fell below the threshold
            isActive_[w] = 0;
            active_[i] = active_.back();
            active_.pop_back();
            continue;
        }
        wordBest_[w] = advanceWord(w, t, y, theta);
        best = std::max(best, wordBest_[w]);
        ++i;
    }
    return best;
}

double Search::advanceWord(int w, int t, const double* y, double theta) {
    const Lexicon::State* states = lexicon_.states().data() + lexicon_.offset(w);
    Token* tokens = tokens_.data() + lexicon_.offset(w);
    // Drop frame t - 1's tokens below its threshold (the word has one above it).
    int low = low_[w], high = high_[w];
    for (int k = low; k <= high; ++k)
        tokens[k].score = tokens[k].score < theta ? kNoToken : tokens[k].score;
    while (tokens[low].score == kNoToken) ++low;
    while (tokens[high].score == kNoToken) --high;
    // Tokens move two states at most. States above `high` are stale: clear them.
    const int top = std::min(high + 2, lexicon_.numStates(w) - 1);
    for (int k = high + 1; k <= top; ++k) tokens[k].score = kNoToken;
    // Descending, so that states k - 1 and k - 2 still hold frame t - 1's tokens when
    // state k reads them; below `low` (and before the chain) there are none.
    double best = kNoToken;
    for (int k = top; k >= low; --k) {
        Token token = tokens[k];
        if (tokens[k - 1].score > token.score) token = tokens[k - 1];
        if (states[k].canSkip && tokens[k - 2].score > token.score) token = tokens[k - 2];
        token.score += y[states[k].label];
        tokens[k] = token;
        best = std::max(best, token.score);
    }
    low_[w] = low;
    high_[w] = top;
    if (top >= lexicon_.lastCharState(w)) listEnding(w, t);
    return best;
}

void Search::listEnding(int w, int t) {
    if (endingAt_[w] != t + 1) {
        endingAt_[w] = t + 1;
        ending_.push_back(w);
    }
}

double Search::enterWords(int t, const double* y, double theta) {
    double best = kNoToken;
    if (pool_.empty()) return best;
    scoreBigramEntries(y, theta);
    double maxPool = kNoToken;
    for (const PoolEntry& p : pool_) maxPool = std::max(maxPool, p.score);
    const double reachable =
        maxPool + options_.lmWeight * lm_.maxEntryLogprob() + options_.wordPenalty;
    const double topKey = poolKeys_[poolByKey_.front()];
    const int stamp = t + 1;
    markTopSuccessors(stamp);
    for (int c = 1; c < lexicon_.numClasses(); ++c) {
        if (reachable + y[c] < theta - kSlack) continue;
        for (const TokenPassing::Candidate& candidate : decoder_.wordsStartingWith(c)) {
            // Backing off cannot beat the best key plus this word's unigram; the list is
            // sorted by unigram, so no later word can either (bigram entries come below).
            if (topKey + options_.lmWeight * candidate.unigram + options_.wordPenalty + y[c] <
                theta - kSlack)
                break;
            enteredAt_[candidate.word] = stamp;
            enter(candidate.word, t, y, theta, best);
        }
    }
    for (int w : touched_) {
        if (enteredAt_[w] != stamp) enter(w, t, y, theta, best);
        bigramScore_[w] = kNoToken;
        bigramFrom_[w] = -1;
    }
    touched_.clear();
    return best;
}

void Search::markTopSuccessors(int stamp) {
    // Most entries back off from the best token by key: a mark per successor answers
    // "is there a bigram?" for it without a search.
    for (const LanguageModel::Successor& s : lm_.successors(pool_[poolByKey_.front()].word))
        followsTop_[s.next] = stamp;
}

void Search::scoreBigramEntries(const double* y, double theta) {
    const double maxY = *std::max_element(y + 1, y + lexicon_.numClasses());
    const int boundary = lm_.boundary();
    for (int j = 0; j < static_cast<int>(pool_.size()); ++j) {
        const PoolEntry& p = pool_[j];
        for (const LanguageModel::Successor& s : lm_.successorsByLogprob(p.word)) {
            const double score = p.score + options_.lmWeight * s.logprob + options_.wordPenalty;
            if (score + maxY < theta - kSlack) break;  // most probable first: none can reach
            if (s.next == boundary || !mayEnter(p, s.next) ||
                score + y[lexicon_.firstLabel(s.next)] < theta - kSlack)
                continue;
            if (bigramFrom_[s.next] < 0) touched_.push_back(s.next);
            if (score > bigramScore_[s.next] ||
                (score == bigramScore_[s.next] && j < bigramFrom_[s.next])) {
                bigramScore_[s.next] = score;
                bigramFrom_[s.next] = j;
            }
        }
    }
}

bool Search::mayEnter(const PoolEntry& p, int word) const {
    return !(p.endsChar && lexicon_.lastLabel(p.word) == lexicon_.firstLabel(word));
}

void Search::entryScore(int word, int stamp, double& score, int& from) const {
    score = bigramScore_[word];
    from = bigramFrom_[word];
    // The best back-off entry is the first pool token, by key, that may enter the word and
    // has no listed bigram to it (ARPA: a listed bigram replaces the back-off).
    for (int j : poolByKey_) {
        const PoolEntry& p = pool_[j];
        const bool listed = j == poolByKey_.front() ? followsTop_[word] == stamp
                                                    : lm_.hasBigram(p.word, word);
        if (!mayEnter(p, word) || listed) continue;
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

void Search::enter(int word, int t, const double* y, double theta, double& best) {
    double score;
    int from;
    entryScore(word, t + 1, score, from);
    if (from < 0) return;
    const double candidate = score + y[lexicon_.firstLabel(word)];
    Token& token = tokens_[lexicon_.offset(word)];
    if (!isActive_[word]) {
        if (candidate < theta) return;
        isActive_[word] = 1;
        active_.push_back(word);
        high_[word] = 0;
        wordBest_[word] = kNoToken;
        token.score = kNoToken;  // stale from an earlier visit
    }
    if (candidate > token.score) {
        token = {candidate, recordFor(from, t)};
        low_[word] = 0;
        wordBest_[word] = std::max(wordBest_[word], candidate);
        if (lexicon_.lastCharState(word) == 0) listEnding(word, t);  // a one-letter word
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
    if (start_ != kNoToken) pool_.push_back({start_, lm_.boundary(), -1, false, -1});
    for (int w : ending_) {
        const Token* tokens = tokens_.data() + lexicon_.offset(w);
        const int last = lexicon_.lastCharState(w);
        if (alive(tokens[last].score, theta))
            pool_.push_back({tokens[last].score, w, tokens[last].link, true, kNoRecord});
        int bestEnd = -1;
        for (int k = last + 1; k <= high_[w]; ++k)
            if (alive(tokens[k].score, theta) &&
                (bestEnd < 0 || tokens[k].score > tokens[bestEnd].score))
                bestEnd = k;
        if (bestEnd >= 0)
            pool_.push_back({tokens[bestEnd].score, w, tokens[bestEnd].link, false, kNoRecord});
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
        return {"", silence_ + options_.lmWeight * lm_.endLogprob(lm_.boundary()), wordLinks_.size()};
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
    return {text, best, wordLinks_.size()};
}

}  // namespace tokenpassing
