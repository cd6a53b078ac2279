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
      tree_(decoder.lexicon().tree()),
      lookAhead_(decoder.lookAhead()),
      options_(decoder.options()),
      matrix_(matrix),
      states_(decoder.lexicon().states().data()),
      chainScratch_(lexicon_.nonWordChains().size(), ChainScratch{0, -1}) {
    pool_.push_back({0.0, lm_.boundary(), -1, -1, -1, false, -1, -1});
}

Decoded Search::run(int nbest) {
    nbest_ = nbest;
    double theta = kNoToken;  // the last frame's threshold
    for (int t = 0; t < matrix_.frames; ++t) {
        const double* y = matrix_.row(t);
        double best = std::max(advanceChains(t, y, theta), bestStay(y));
        silence_ += y[kBlank];
        if (start_ != kNoToken) {
            start_ += y[kBlank];
            best = std::max(best, start_);
        }
        best = std::max(best, enterNonWords(t, y, best - options_.beam));
        best = growTree(t, y, best);
        theta = best - options_.beam;
        if (start_ < theta) start_ = kNoToken;
        mergeTree(y, theta);
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
            scratch(active_[i].chain).active = -1;
            if (i + 1 < active_.size()) {
                active_[i] = active_.back();
                scratch(active_[i].chain).active = static_cast<int32_t>(i);
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
    ChainScratch& chain = scratch(active_[index].chain);
    if (chain.endingAt != t + 1) {
        chain.endingAt = t + 1;
        ending_.push_back(static_cast<int32_t>(index));
    }
}

double Search::bestStay(const double* y) const {
    double best = kNoToken;
    const PrefixTree::Node* nodes = tree_.nodes();
    for (const Slot& slot : slots_) {
        const double character = slot.character.score + y[nodes[slot.node].label];
        const double blank = std::max(slot.blank.score, slot.character.score) + y[kBlank];
        best = std::max(best, std::max(character, blank) + options_.lmWeight * slot.lookAhead);
    }
    return best;
}

double Search::growTree(int t, const double* y, double best) {
    offers_.clear();
    chooseSources();
    // Offers in (history, node) order: the first level's (the lowest nodes) for a
    // history before its slots' children.
    std::size_t source = 0;
    for (const Slot& slot : slots_) {
        for (; source < sources_.size() && pool_[sources_[source]].history <= slot.history; ++source)
            enterWords(sources_[source], t, y, best);
        offerChildren(slot, y, best);
    }
    for (; source < sources_.size(); ++source) enterWords(sources_[source], t, y, best);
    return best;
}

void Search::chooseSources() {
    // The first best pool token per history (pool order breaks ties), by history.
    sources_.resize(pool_.size());
    for (std::size_t j = 0; j < pool_.size(); ++j) sources_[j] = static_cast<int32_t>(j);
    std::sort(sources_.begin(), sources_.end(), [this](int32_t a, int32_t b) {
        const PoolEntry &p = pool_[a], &q = pool_[b];
        if (p.history != q.history) return p.history < q.history;
        return p.score != q.score ? p.score > q.score : a < b;
    });
    sources_.erase(std::unique(sources_.begin(), sources_.end(),
                               [this](int32_t a, int32_t b) {
                                   return pool_[a].history == pool_[b].history;
                               }),
                   sources_.end());
}

void Search::offerChildren(const Slot& slot, const double* y, double& best) {
    const PrefixTree::Node* nodes = tree_.nodes();
    const int32_t* labels = tree_.labels();
    const PrefixTree::Node& node = nodes[slot.node];
    const double lmWeight = options_.lmWeight;
    // A child's look-ahead is at most its parent's: this bounds every child's key.
    const double parentLookAhead = lmWeight * slot.lookAhead;
    const double fromAny = std::max(slot.blank.score, slot.character.score);
    for (int32_t c = node.childBegin; c < node.childEnd; ++c) {
        const int32_t label = labels[c];
        if (fromAny + y[label] + parentLookAhead < best - options_.beam - kSlack) continue;
        // From the blank, or from the character when the labels differ (the blank on a tie).
        const Token& from = label != node.label && slot.character.score > slot.blank.score
                                ? slot.character
                                : slot.blank;
        if (from.score == kNoToken) continue;
        const double score = from.score + y[label];
        int32_t low = slot.low, high = slot.high;
        const double lookAhead = lookAhead_.bound(slot.history, c, nodes[c], low, high);
        const double key = score + lmWeight * lookAhead;
        if (key < best - options_.beam) continue;
        offers_.push_back({slot.history, c, lookAhead, {score, from.link}, low, high});
        best = std::max(best, key);
    }
}

void Search::enterWords(int source, int t, const double* y, double& best) {
    PoolEntry& p = pool_[source];
    const PrefixTree::Node* nodes = tree_.nodes();
    const PrefixTree::Node& root = nodes[PrefixTree::kRoot];
    int32_t rootLow, rootHigh;
    lookAhead_.all(p.history, rootLow, rootHigh);
    int32_t low = rootLow, high = rootHigh;
    const double base = p.score + options_.wordPenalty;
    const double rootLookAhead =
        options_.lmWeight * lookAhead_.bound(p.history, PrefixTree::kRoot, root, low, high);
    for (int32_t c = root.childBegin; c < root.childEnd; ++c) {
        const double score = base + y[nodes[c].label];
        if (score + rootLookAhead < best - options_.beam - kSlack) continue;
        low = rootLow;
        high = rootHigh;
        const double lookAhead = lookAhead_.bound(p.history, c, nodes[c], low, high);
        const double key = score + options_.lmWeight * lookAhead;
        if (key < best - options_.beam) continue;
        offers_.push_back({p.history, c, lookAhead, {score, recordFor(p, t)}, low, high});
        best = std::max(best, key);
    }
}

void Search::mergeTree(const double* y, double theta) {
    // Slots and offers, both by (history, node), merged into the next frame's slots.
    const PrefixTree::Node* nodes = tree_.nodes();
    nextSlots_.clear();
    ends_.clear();
    auto before = [](const auto& a, const auto& b) {
        return a.history != b.history ? a.history < b.history : a.node < b.node;
    };
    auto prune = [this, theta](Token& token, double lookAhead) {
        if (token.score + options_.lmWeight * lookAhead < theta) token.score = kNoToken;
    };
    std::size_t i = 0, k = 0;
    while (i < slots_.size() || k < offers_.size()) {
        const bool stays = i < slots_.size() && (k == offers_.size() || !before(offers_[k], slots_[i]));
        const bool offered =
            k < offers_.size() && (i == slots_.size() || !before(slots_[i], offers_[k]));
        Slot next;
        if (stays) {
            const Slot& slot = slots_[i++];
            next = slot;
            next.character.score += y[nodes[slot.node].label];
            if (slot.character.score > slot.blank.score) next.blank = slot.character;
            next.blank.score += y[kBlank];
        } else {
            const Offer& offer = offers_[k];
            next = {offer.history, offer.node, offer.lookAhead, {kNoToken, -1}, {kNoToken, -1},
                    offer.low, offer.high, 0.0};
        }
        if (offered && offers_[k++].token.score > next.character.score)
            next.character = offers_[k - 1].token;
        prune(next.character, next.lookAhead);
        prune(next.blank, next.lookAhead);
        if (next.character.score == kNoToken && next.blank.score == kNoToken) continue;
        const PrefixTree::Node& node = nodes[next.node];
        if (node.endHigh > node.low) {
            if (!stays)  // a new slot: its word's term, once
                next.endTerm = options_.lmWeight *
                               lm_.logprob(next.history, lexicon_.lmWord(tree_.chainAt(node.low)));
            addEnds(next, theta);
        }
        nextSlots_.push_back(next);
    }
    slots_.swap(nextSlots_);
}

void Search::addEnds(const Slot& slot, double theta) {
    const PrefixTree::Node& node = tree_.node(slot.node);
    for (int32_t position = node.low; position < node.endHigh; ++position) {
        const int32_t chain = tree_.chainAt(position);
        const int32_t word = lexicon_.lmWord(chain);
        const double term = position == node.low
                                ? slot.endTerm
                                : options_.lmWeight * lm_.logprob(slot.history, word);
        for (const Token* token : {&slot.character, &slot.blank}) {
            const double score = token->score + term;
            if (token->score != kNoToken && score >= theta)
                ends_.push_back({score, word, chain, token->link, node.label,
                                 token == &slot.character, kNoRecord, slot.history});
        }
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
            scratch(chain).active < 0)
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
    ChainScratch& chainScratch = scratch(chain);
    if (chainScratch.active < 0) {
        if (candidate < theta) return;
        chainScratch.active = static_cast<int32_t>(active_.size());
        const int32_t offset = allocate(lexicon_.numStates(chain));
        active_.push_back({chain, offset, lexicon_.offset(chain), 0, 0,
                           lexicon_.lastCharState(chain), kNoToken});
        tokens_[offset].score = kNoToken;  // stale from an earlier use of the block
    }
    Active& active = active_[chainScratch.active];
    Token& token = tokens_[active.offset];
    if (candidate > token.score) {
        token.score = candidate;
        token.link = recordFor(from, t);
        active.low = 0;
        active.best = std::max(active.best, candidate);
        if (active.lastCharState == 0) listEnding(chainScratch.active, t);  // one character
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
    if (start_ != kNoToken) pool_.push_back({start_, lm_.boundary(), -1, -1, -1, false, -1, -1});
    for (int32_t index : ending_) {
        const Active& chain = active_[index];
        const Token* tokens = tokens_.data() + chain.offset;
        const int last = chain.lastCharState;
        const int32_t lastLabel = states_[chain.stateOffset + last].label;
        for (int k = last; k <= std::min(last + 1, static_cast<int>(chain.high)); ++k)
            if (alive(tokens[k].score, theta))
                pool_.push_back({tokens[k].score, historyOf(tokens[k].link), chain.chain,
                                 tokens[k].link, lastLabel, k == last, kNoRecord, -1});
    }
    // The order that breaks ties between equal scores: the start token first, then by
    // history, chain, and a chain's last character's token before its blank's.
    auto order = [](const PoolEntry& a, const PoolEntry& b) {
        if (a.history != b.history) return a.history < b.history;
        if (a.chain != b.chain) return a.chain < b.chain;
        return a.endsChar > b.endsChar;
    };
    std::sort(pool_.begin() + (start_ != kNoToken), pool_.end(), order);
    // A word form that ended after several histories: the best (ties: the lowest history).
    std::sort(ends_.begin(), ends_.end(), [&order](const PoolEntry& a, const PoolEntry& b) {
        if (order(a, b) || order(b, a)) return order(a, b);
        return a.score != b.score ? a.score > b.score : a.before < b.before;
    });
    ends_.erase(std::unique(ends_.begin(), ends_.end(),
                            [](const PoolEntry& a, const PoolEntry& b) {
                                return a.chain == b.chain && a.endsChar == b.endsChar;
                            }),
                ends_.end());
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
           (slots_.capacity() + nextSlots_.capacity()) * sizeof(Slot) +
           offers_.capacity() * sizeof(Offer) +
           (sources_.capacity() + ending_.capacity()) * sizeof(int32_t) +
           (pool_.capacity() + ends_.capacity()) * sizeof(PoolEntry) +
           wordLinks_.capacity() * sizeof(WordLink) + runners_.capacity() * sizeof(Runner) +
           runnerOffsets_.capacity() * sizeof(int32_t);
}

}  // namespace tokenpassing
