#include "LookAhead.hpp"

#include <algorithm>
#include <limits>

namespace tokenpassing {

namespace {
constexpr double kNone = -std::numeric_limits<double>::infinity();
}

LookAhead::LookAhead(const Lexicon& lexicon, const LanguageModel& lm)
    : backoff_(lm.numWords() + 1), maxUnigram_(lexicon.tree().size(), kNone) {
    const PrefixTree& tree = lexicon.tree();
    for (int h = 0; h <= lm.numWords(); ++h) backoff_[h] = lm.backoff(h);
    // (b): children come after their parent, so a reverse sweep sees a node's children
    // before the node.
    for (int n = tree.size() - 1; n >= 0; --n) {
        const PrefixTree::Node& node = tree.node(n);
        double best = kNone;
        for (int32_t p = node.low; p < node.endHigh; ++p)
            best = std::max(best, lm.unigram(lexicon.lmWord(tree.chainAt(p))));
        for (int32_t c = node.childBegin; c < node.childEnd; ++c) best = std::max(best, maxUnigram_[c]);
        maxUnigram_[n] = best;
    }
    // (a): each listed bigram once per form of its next word.
    std::vector<std::vector<int32_t>> positionsOf(lm.numWords());
    for (int32_t p = 0; p < tree.numForms(); ++p)
        positionsOf[lexicon.lmWord(tree.chainAt(p))].push_back(p);
    offsets_.assign(lm.numWords() + 2, 0);
    std::vector<std::pair<int32_t, double>> entries;
    for (int h = 0; h <= lm.numWords(); ++h) {
        entries.clear();
        for (const LanguageModel::Successor& s : lm.successors(h))
            if (s.next != lm.boundary())
                for (int32_t p : positionsOf[s.next]) entries.push_back({p, s.logprob});
        std::sort(entries.begin(), entries.end());
        for (const auto& [p, logprob] : entries) {
            positions_.push_back(p);
            logprobs_.push_back(logprob);
        }
        offsets_[h + 1] = static_cast<int32_t>(positions_.size());
    }
    blockMax_.assign((logprobs_.size() + kBlock - 1) / kBlock, kNone);
    superMax_.assign((logprobs_.size() + kSuperBlock - 1) / kSuperBlock, kNone);
    for (std::size_t i = 0; i < logprobs_.size(); ++i) {
        blockMax_[i / kBlock] = std::max(blockMax_[i / kBlock], logprobs_[i]);
        superMax_[i / kSuperBlock] = std::max(superMax_[i / kSuperBlock], logprobs_[i]);
    }
}

double LookAhead::bound(int history, int node, const PrefixTree::Node& n, int32_t& low,
                        int32_t& high) const {
    const int32_t* first = positions_.data();
    low = static_cast<int32_t>(std::lower_bound(first + low, first + high, n.low) - first);
    high = static_cast<int32_t>(std::lower_bound(first + low, first + high, n.high) - first);
    return std::max(backoff_[history] + maxUnigram_[node], rangeMax(low, high));
}

double LookAhead::rangeMax(int32_t low, int32_t high) const {
    double best = kNone;
    int32_t i = low;
    while (i < high && i % kBlock != 0) best = std::max(best, logprobs_[i++]);
    while (i + kBlock <= high && i % kSuperBlock != 0) {
        best = std::max(best, blockMax_[i / kBlock]);
        i += kBlock;
    }
    for (; i + kSuperBlock <= high; i += kSuperBlock) best = std::max(best, superMax_[i / kSuperBlock]);
    for (; i + kBlock <= high; i += kBlock) best = std::max(best, blockMax_[i / kBlock]);
    while (i < high) best = std::max(best, logprobs_[i++]);
    return best;
}

}  // namespace tokenpassing
