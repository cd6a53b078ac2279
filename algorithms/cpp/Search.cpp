#include "Search.hpp"

#include <algorithm>
#include <limits>

namespace tokenpassing {

namespace {

constexpr double kNoToken = -std::numeric_limits<double>::infinity();
constexpr int32_t kNoRecord = -2;  // PoolEntry::record before it is made; -1 is "none"
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
      states_(decoder.lexicon().states().data()),
      chainScratch_(lexicon_.size(), ChainScratch{0, -1}),
      wordScratch_(lm_.numWords(), WordScratch{kNoToken, -1, 0}) {
    pool_.push_back({0.0, lm_.boundary(), -1, -1, -1, false, -1});
    poolByKey_.push_back(0);
    poolKeys_.push_back(options_.lmWeight * lm_.backoff(lm_.boundary()));
}

Decoded Search::run(int nbest) {
    nbest_ = nbest;
    double theta = kNoToken;  // the last frame's threshold
    for (int t = 0; t < matrix_.frames; ++t) {
        const double* y = matrix_.row(t);
        double best = advanceChains(t, y, theta);
        silence_ += y[kBlank];
        if (start_ != kNoToken) {
            start_ += y[kBlank];
            best = std::max(best, start_);
        }
        const double entryTheta = best - options_.beam;
        const double words = enterWords(t, y, entryTheta);
        best = std::max({best, words, enterNonWords(t, y, entryTheta)});
        theta = best - options_.beam;
        if (start_ < theta) start_ = kNoToken;
        collectPools(theta);
        if (nbest_ > 1) keepRunners(t);
    }
    return finish(nbest);
}

double Search::advanceChains(int t, const double* y, double theta) {
    double best = kNoToken;
    ending_.clear();
    for (std::size_t i = 0; i < active_.size();) {
        if (active_[i].best < theta) {  // every token fell below the threshold
            release(active_[i]);
            chainScratch_[active_[i].chain].active = -1;
            if (i + 1 < active_.size()) {
                active_[i] = active_.back();
                chainScratch_[active_[i].chain].active = static_cast<int32_t>(i);
            }
            active_.pop_back();
            continue;
        }
        best = std::max(best, advanceChain(i, t, y, theta));
        ++i;
    }
    return best;
}

double Search::advanceChain(std::size_t index, int t, const double* y, double theta) {
    Active& chain = active_[index];
    Token* tokens = tokens_.data() + chain.offset;
    const Lexicon::State* states = states_ + chain.stateOffset;
    // Drop frame t - 1's tokens below its threshold (the chain has one above it).
    int low = chain.low, high = chain.high;
    for (int k = low; k <= high; ++k)
        tokens[k].score = tokens[k].score < theta ? kNoToken : tokens[k].score;
    while (tokens[low].score == kNoToken) ++low;
    while (tokens[high].score == kNoToken) --high;
    // Tokens move two states at most. States above `high` are stale: clear them.
    const int top = std::min(high + 2, chain.lastCharState + 1);
    for (int k = high + 1; k <= top; ++k) tokens[k].score = kNoToken;
    // Descending, so that states k - 1 and k - 2 still hold frame t - 1's tokens when
    // state k reads them; below `low` (and in the unused state before the chain) there
    // are none.
    double best = kNoToken;
    for (int k = top; k >= low; --k) {
        Token token = tokens[k];
        if (tokens[k - 1].score > token.score) token = tokens[k - 1];
        if (states[k].canSkip && tokens[k - 2].score > token.score) token = tokens[k - 2];
        token.score += y[states[k].label];
        tokens[k] = token;
        best = std::max(best, token.score);
    }
    chain.low = low;
    chain.high = top;
    chain.best = best;
    if (top >= chain.lastCharState) listEnding(index, t);
    return best;
}

void Search::listEnding(std::size_t index, int t) {
    ChainScratch& scratch = chainScratch_[active_[index].chain];
    if (scratch.endingAt != t + 1) {
        scratch.endingAt = t + 1;
        ending_.push_back(static_cast<int32_t>(index));
    }
}

double Search::enterWords(int t, const double* y, double theta) {
    double best = kNoToken;
    if (pool_.empty()) return best;
    const int stamp = t + 1;
    const double maxY = *std::max_element(y + 1, y + lexicon_.numClasses());
    markTopSuccessors(stamp);
    scoreBigramEntries(theta, maxY);
    entries_.clear();
    // Words with a bigram entry: every form, scored in full.
    for (int32_t w : touched_)
        for (const int32_t* form = decoder_.formsBegin(w); form != decoder_.formsEnd(w); ++form)
            offerWordForm(*form, stamp, y, theta);
    // The others can only back off, from a pool token whose key is at most the top key:
    // topKey + lmWeight * unigram + wordPenalty + y[c] bounds their candidates. Lists are
    // sorted by unigram and read best class first, so reading stops at the first form
    // whose bound falls below the threshold (or the word beam's worst entry).
    const double topKey = poolKeys_[poolByKey_.front()] + options_.wordPenalty;
    classOrder_.clear();
    classBound_.assign(lexicon_.numClasses(), kNoToken);
    for (int32_t c = 1; c < lexicon_.numClasses(); ++c) {
        const std::vector<TokenPassing::Candidate>& forms = decoder_.formsStartingWith(c);
        if (forms.empty()) continue;
        classBound_[c] = topKey + options_.lmWeight * forms.front().unigram + y[c];
        classOrder_.push_back(c);
    }
    std::sort(classOrder_.begin(), classOrder_.end(), [this](int32_t a, int32_t b) {
        return classBound_[a] > classBound_[b];
    });
    for (int32_t c : classOrder_) {
        if (classBound_[c] < cutoff(theta) - kSlack) break;
        const double base = topKey + y[c];
        for (const TokenPassing::Candidate& candidate : decoder_.formsStartingWith(c)) {
            if (base + options_.lmWeight * candidate.unigram < cutoff(theta) - kSlack) break;
            if (wordScratch_[lexicon_.lmWord(candidate.chain)].bigramFrom < 0)  // else offered
                offerWordForm(candidate.chain, stamp, y, theta);
        }
    }
    for (int32_t w : touched_) {
        wordScratch_[w].bigramScore = kNoToken;
        wordScratch_[w].bigramFrom = -1;
    }
    touched_.clear();
    for (const WordEntry& e : entries_)
        enter(e.chain, e.score, pool_[e.from], t, y, theta, best);
    return best;
}

/// Whether a is entered before b: by candidate, then by chain. As a heap's order, the
/// top is the worst entry.
bool Search::betterEntry(const WordEntry& a, const WordEntry& b) {
    return a.candidate != b.candidate ? a.candidate > b.candidate : a.chain < b.chain;
}

double Search::cutoff(double theta) const {
    const bool full = options_.wordBeam > 0 &&
                      entries_.size() == static_cast<std::size_t>(options_.wordBeam);
    return full ? std::max(theta, entries_.front().candidate) : theta;
}

void Search::offerWordForm(int chain, int stamp, const double* y, double theta) {
    double score;
    int from;
    entryScore(lexicon_.lmWord(chain), stamp, score, from);
    if (from < 0) return;
    const WordEntry entry{score + y[lexicon_.firstLabel(chain)], score, chain, from};
    // Below the threshold it could not stay: pruned at the end of the frame.
    if (entry.candidate < theta) return;
    if (options_.wordBeam == 0) {
        entries_.push_back(entry);
    } else if (entries_.size() < static_cast<std::size_t>(options_.wordBeam)) {
        entries_.push_back(entry);
        std::push_heap(entries_.begin(), entries_.end(), betterEntry);
    } else if (betterEntry(entry, entries_.front())) {
        std::pop_heap(entries_.begin(), entries_.end(), betterEntry);
        entries_.back() = entry;
        std::push_heap(entries_.begin(), entries_.end(), betterEntry);
    }
}

void Search::markTopSuccessors(int stamp) {
    // Most entries back off from the best token by key: a mark per successor answers
    // "is there a bigram?" for it without a search.
    for (const LanguageModel::Successor& s : lm_.successors(pool_[poolByKey_.front()].history))
        if (s.next != lm_.boundary()) wordScratch_[s.next].followsTop = stamp;
}

void Search::scoreBigramEntries(double theta, double maxY) {
    const int boundary = lm_.boundary();
    for (int j = 0; j < static_cast<int>(pool_.size()); ++j) {
        const PoolEntry& p = pool_[j];
        for (const LanguageModel::Successor& s : lm_.successorsByLogprob(p.history)) {
            const double score = p.score + options_.lmWeight * s.logprob + options_.wordPenalty;
            if (score + maxY < theta - kSlack) break;  // most probable first: none can reach
            if (s.next == boundary || decoder_.formsBegin(s.next) == decoder_.formsEnd(s.next))
                continue;
            WordScratch& scratch = wordScratch_[s.next];
            if (scratch.bigramFrom < 0) touched_.push_back(s.next);
            if (score > scratch.bigramScore ||
                (score == scratch.bigramScore && j < scratch.bigramFrom)) {
                scratch.bigramScore = score;
                scratch.bigramFrom = j;
            }
        }
    }
}

void Search::entryScore(int word, int stamp, double& score, int& from) const {
    const WordScratch& scratch = wordScratch_[word];
    score = scratch.bigramScore;
    from = scratch.bigramFrom;
    // The best back-off entry is the first pool token, by key, with no listed bigram to
    // the word (ARPA: a listed bigram replaces the back-off).
    for (int j : poolByKey_) {
        const PoolEntry& p = pool_[j];
        const bool listed = j == poolByKey_.front() ? scratch.followsTop == stamp
                                                    : lm_.hasBigram(p.history, word);
        if (listed) continue;
        const double backoff = p.score +
                               options_.lmWeight * (lm_.backoff(p.history) + lm_.unigram(word)) +
                               options_.wordPenalty;
        if (backoff > score || (backoff == score && j < from)) {
            score = backoff;
            from = j;
        }
        break;
    }
}

double Search::enterNonWords(int t, const double* y, double theta) {
    double best = kNoToken;
    const std::size_t count = pool_.size() + ends_.size();
    if (count == 0) return best;
    auto entry = [this](std::size_t i) -> PoolEntry& {
        return i < pool_.size() ? pool_[i] : ends_[i - pool_.size()];
    };
    std::size_t top = 0;  // the first best token, pool_ before ends_
    for (std::size_t i = 1; i < count; ++i)
        if (entry(i).score > entry(top).score) top = i;
    for (int32_t chain : lexicon_.nonWordChains()) {
        const int32_t c = lexicon_.firstLabel(chain);
        if (entry(top).score + options_.nonWordPenalty + y[c] < theta - kSlack &&
            chainScratch_[chain].active < 0)
            continue;  // could not enter the beam
        std::size_t from = top;
        auto blocked = [&](const PoolEntry& p) { return p.endsChar && p.lastLabel == c; };
        if (blocked(entry(top))) {  // "," then "," needs a blank between
            from = count;
            for (std::size_t i = 0; i < count; ++i)
                if (!blocked(entry(i)) && (from == count || entry(i).score > entry(from).score))
                    from = i;
            if (from == count) continue;
        }
        PoolEntry& p = entry(from);
        enter(chain, p.score + options_.nonWordPenalty, p, t, y, theta, best);
    }
    return best;
}

void Search::enter(int chain, double score, PoolEntry& from, int t, const double* y,
                   double theta, double& best) {
    const double candidate = score + y[lexicon_.firstLabel(chain)];
    ChainScratch& scratch = chainScratch_[chain];
    if (scratch.active < 0) {
        if (candidate < theta) return;
        scratch.active = static_cast<int32_t>(active_.size());
        const int32_t offset = allocate(lexicon_.numStates(chain));
        active_.push_back({chain, offset, lexicon_.offset(chain), 0, 0,
                           lexicon_.lastCharState(chain), kNoToken});
        tokens_[offset].score = kNoToken;  // stale from an earlier use of the block
    }
    Active& active = active_[scratch.active];
    Token& token = tokens_[active.offset];
    if (candidate > token.score) {
        token.score = candidate;
        token.link = recordFor(from, t);
        active.low = 0;
        active.best = std::max(active.best, candidate);
        if (active.lastCharState == 0) listEnding(scratch.active, t);  // one character
    }
    best = std::max(best, candidate);
}

int32_t Search::allocate(int numStates) {
    if (static_cast<int>(free_.size()) <= numStates) free_.resize(numStates + 1);
    std::vector<int32_t>& blocks = free_[numStates];
    if (!blocks.empty()) {
        const int32_t offset = blocks.back();
        blocks.pop_back();
        return offset;
    }
    // A block is an always-empty state (read as state -1) and the chain's states.
    tokens_.push_back({kNoToken, -1});
    const int32_t offset = static_cast<int32_t>(tokens_.size());
    tokens_.resize(tokens_.size() + numStates, Token{kNoToken, -1});
    return offset;
}

void Search::release(const Active& chain) {
    // Its states below `low` hold no tokens; the others are cleared when next entered.
    Token* tokens = tokens_.data() + chain.offset;
    for (int k = chain.low; k <= chain.high; ++k) tokens[k].score = kNoToken;
    free_[lexicon_.numStates(chain.chain)].push_back(chain.offset);
}

int32_t Search::recordFor(PoolEntry& p, int t) {
    if (p.record == kNoRecord) {
        p.record = static_cast<int32_t>(wordLinks_.size());
        wordLinks_.push_back({p.chain, p.link, t - 1, p.history, p.score});
    }
    return p.record;
}

int32_t Search::historyOf(int32_t link) const {
    return link < 0 ? lm_.boundary() : wordLinks_[link].history;
}

void Search::collectPools(double theta) {
    pool_.clear();
    ends_.clear();
    if (start_ != kNoToken) pool_.push_back({start_, lm_.boundary(), -1, -1, -1, false, -1});
    for (int32_t index : ending_) {
        const Active& chain = active_[index];
        const Token* tokens = tokens_.data() + chain.offset;
        const int last = chain.lastCharState;
        const int32_t lastLabel = states_[chain.stateOffset + last].label;
        const int32_t word = lexicon_.lmWord(chain.chain);
        std::vector<PoolEntry>& into = word == kNonWord ? pool_ : ends_;
        for (int k = last; k <= std::min(last + 1, static_cast<int>(chain.high)); ++k)
            if (alive(tokens[k].score, theta))
                into.push_back({tokens[k].score,
                                word == kNonWord ? historyOf(tokens[k].link) : word,
                                chain.chain, tokens[k].link, lastLabel, k == last, kNoRecord});
    }
    // The order that breaks ties between equal scores: the start token first, then by
    // history, chain, and a chain's last character's token before its blank's.
    auto order = [](const PoolEntry& a, const PoolEntry& b) {
        if (a.history != b.history) return a.history < b.history;
        if (a.chain != b.chain) return a.chain < b.chain;
        return a.endsChar > b.endsChar;
    };
    std::sort(pool_.begin() + (start_ != kNoToken), pool_.end(), order);
    std::sort(ends_.begin(), ends_.end(), order);
    poolByKey_.resize(pool_.size());
    poolKeys_.resize(pool_.size());
    for (std::size_t j = 0; j < pool_.size(); ++j) {
        poolByKey_[j] = static_cast<int>(j);
        poolKeys_[j] = pool_[j].score + options_.lmWeight * lm_.backoff(pool_[j].history);
    }
    std::sort(poolByKey_.begin(), poolByKey_.end(), [this](int a, int b) {
        return poolKeys_[a] != poolKeys_[b] ? poolKeys_[a] > poolKeys_[b] : a < b;
    });
}

Decoded Search::finish(int nbest) const {
    // Every token that ends a chain, by final score, best first; among equal scores in
    // pool order, pool_ before ends_, so that the first is the one the 1-best keeps.
    std::vector<std::pair<double, const PoolEntry*>> finals;
    for (const std::vector<PoolEntry>* entries : {&pool_, &ends_})
        for (const PoolEntry& p : *entries)
            finals.push_back({p.score + options_.lmWeight * lm_.endLogprob(p.history), &p});
    std::stable_sort(finals.begin(), finals.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    Decoded result{"", 0.0, {}, wordLinks_.size(), workingBytes()};
    if (finals.empty()) {  // every hypothesis that ends a chain fell out of the beam
        result.score = silence_ + options_.lmWeight * lm_.endLogprob(lm_.boundary());
        result.alternatives.push_back({"", result.score});
    }
    std::vector<Found> found;
    for (const auto& [score, entry] : finals) found.push_back({score, textOf(*entry)});
    if (nbest > 1 && !finals.empty()) {
        for (Found& f : deviations(*finals.front().second, finals.front().first))
            if (f.score <= finals.front().first) found.push_back(std::move(f));
        std::stable_sort(found.begin(), found.end(),
                         [](const Found& a, const Found& b) { return a.score > b.score; });
    }
    for (Found& f : found) {
        if (static_cast<int>(result.alternatives.size()) == nbest) break;
        bool seen = false;
        for (const Alternative& a : result.alternatives) seen = seen || a.text == f.text;
        if (!seen) result.alternatives.push_back({std::move(f.text), f.score});
    }
    result.text = result.alternatives.front().text;
    result.score = result.alternatives.front().score;
    return result;
}

void Search::keepRunners(int t) {
    // The frame's best chain ends (pool_ before ends_ among equal scores), with records.
    std::vector<PoolEntry*> order;
    for (std::vector<PoolEntry>* entries : {&pool_, &ends_})
        for (PoolEntry& p : *entries) order.push_back(&p);
    std::stable_sort(order.begin(), order.end(),
                     [](const PoolEntry* a, const PoolEntry* b) { return a->score > b->score; });
    if (runnerOffsets_.empty()) runnerOffsets_.push_back(0);
    const std::size_t keep = static_cast<std::size_t>(kRunnersPerAlternative) * nbest_;
    for (std::size_t i = 0; i < std::min(keep, order.size()); ++i)
        if (order[i]->chain >= 0)  // the start token's prefix is empty: nothing to trade
            runners_.push_back({recordFor(*order[i], t + 1), order[i]->lastLabel,
                                order[i]->endsChar});
    runnerOffsets_.push_back(static_cast<int32_t>(runners_.size()));
}

std::vector<Search::Found> Search::deviations(const PoolEntry& winner, double total) const {
    // The winner's chains from the last, each with the record it followed (-1: the start).
    std::vector<std::pair<int32_t, int32_t>> path;  // (chain, record before it)
    if (winner.chain >= 0) {
        path.push_back({winner.chain, winner.link});
        for (int32_t link = winner.link; link >= 0; link = wordLinks_[link].prev)
            path.push_back({wordLinks_[link].chain, wordLinks_[link].prev});
    }
    std::vector<Found> found;
    std::string suffix;  // the text of the chains after position i
    int32_t nextWord = lm_.boundary();  // the first word after position i (boundary: </s>)
    for (std::size_t i = 0; i < path.size(); ++i) {
        const auto [chain, before] = path[i];
        suffix = lexicon_.form(chain) + suffix;
        if (lexicon_.isWord(chain)) {
            nextWord = lexicon_.lmWord(chain);
            continue;
        }
        if (before < 0) continue;  // entered from the start token
        const WordLink& source = wordLinks_[before];
        auto next = [&](int32_t history) {
            return nextWord == lm_.boundary() ? lm_.endLogprob(history)
                                              : lm_.logprob(history, nextWord);
        };
        const int32_t label = lexicon_.firstLabel(chain);
        for (int32_t r = runnerOffsets_[source.frame]; r < runnerOffsets_[source.frame + 1]; ++r) {
            const Runner& runner = runners_[r];
            if (runner.record == before || (runner.endsChar && runner.lastLabel == label))
                continue;
            const WordLink& other = wordLinks_[runner.record];
            const double score = total - source.score + other.score +
                                 options_.lmWeight * (next(other.history) - next(source.history));
            std::string text = suffix;
            for (int32_t link = runner.record; link >= 0; link = wordLinks_[link].prev)
                text = lexicon_.form(wordLinks_[link].chain) + text;
            found.push_back({score, std::move(text)});
        }
    }
    return found;
}

std::string Search::textOf(const PoolEntry& p) const {
    std::vector<int32_t> chains;
    if (p.chain >= 0) {
        chains.push_back(p.chain);
        for (int32_t link = p.link; link >= 0; link = wordLinks_[link].prev)
            chains.push_back(wordLinks_[link].chain);
    }
    std::string text;
    for (auto it = chains.rbegin(); it != chains.rend(); ++it) text += lexicon_.form(*it);
    return text;
}

std::size_t Search::workingBytes() const {
    std::size_t freeLists = free_.capacity() * sizeof(std::vector<int32_t>);
    for (const std::vector<int32_t>& blocks : free_) freeLists += blocks.capacity() * sizeof(int32_t);
    return tokens_.capacity() * sizeof(Token) + freeLists + active_.capacity() * sizeof(Active) +
           chainScratch_.capacity() * sizeof(ChainScratch) +
           wordScratch_.capacity() * sizeof(WordScratch) + ending_.capacity() * sizeof(int32_t) +
           (pool_.capacity() + ends_.capacity()) * sizeof(PoolEntry) +
           (poolByKey_.capacity() + touched_.capacity()) * sizeof(int32_t) +
           poolKeys_.capacity() * sizeof(double) + wordLinks_.capacity() * sizeof(WordLink);
}

}  // namespace tokenpassing
