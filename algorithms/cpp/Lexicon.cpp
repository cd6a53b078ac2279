#include "Lexicon.hpp"

#include <cstdint>
#include <stdexcept>

namespace tokenpassing {

Lexicon::Lexicon(int numClasses, std::vector<std::string> forms,
                 const std::vector<std::vector<int32_t>>& labels, std::vector<int32_t> lmWords)
    : numClasses_(numClasses),
      forms_(std::move(forms)),
      lmWords_(std::move(lmWords)),
      chains_(forms_.size()),
      tree_({}, {}) {
    if (numClasses < 2 || numClasses > INT16_MAX)
        throw std::invalid_argument("num_classes must be in 2.." + std::to_string(INT16_MAX) +
                                    ", got " + std::to_string(numClasses));
    if (forms_.size() != labels.size() || forms_.size() != lmWords_.size())
        throw std::invalid_argument("forms, labels and lm_words must have the same length");
    std::vector<char> nonWordClass(numClasses, 0);
    bool hasWord = false;
    for (std::size_t w = 0; w < forms_.size(); ++w) {
        if (labels[w].empty())
            throw std::invalid_argument("chain " + std::to_string(w) + " is empty");
        for (int32_t c : labels[w])
            if (c <= kBlank || c >= numClasses)
                throw std::invalid_argument("chain '" + forms_[w] + "' has class " +
                                            std::to_string(c) + ", outside 1.." +
                                            std::to_string(numClasses - 1));
        if (lmWords_[w] == kNonWord) {
            if (labels[w].size() != 1 || nonWordClass[labels[w][0]])
                throw std::invalid_argument("non-word chain '" + forms_[w] +
                                            "' must be one class, listed once");
            nonWordClass[labels[w][0]] = 1;
            nonWordChains_.push_back(static_cast<int32_t>(w));
        } else if (lmWords_[w] < 0) {
            throw std::invalid_argument("chain '" + forms_[w] + "' has lm word " +
                                        std::to_string(lmWords_[w]) + " (-1: non-word)");
        } else {
            hasWord = true;
        }
    }
    if (!hasWord) throw std::invalid_argument("the dictionary is empty");
    for (std::size_t w = 0; w < forms_.size(); ++w)
        if (lmWords_[w] != kNonWord &&
            (nonWordClass[labels[w].front()] || nonWordClass[labels[w].back()]))
            throw std::invalid_argument("word form '" + forms_[w] +
                                        "' begins or ends with a non-word character");
    std::vector<int32_t> wordChains;
    for (std::size_t w = 0; w < forms_.size(); ++w) {
        const std::vector<int32_t>& chars = labels[w];
        chains_[w] = {chars.front(), 2 * static_cast<int32_t>(chars.size()) - 2, -1, 0, -1};
        if (lmWords_[w] != kNonWord) {
            wordChains.push_back(static_cast<int32_t>(w));
            continue;
        }
        states_.push_back({kBlank, false});  // the unused state before the chain
        chains_[w].offset = static_cast<int32_t>(states_.size());
        states_.push_back({chars[0], false});
        states_.push_back({kBlank, false});
        chains_[w].numStates = 2;
    }
    for (std::size_t i = 0; i < nonWordChains_.size(); ++i)
        chains_[nonWordChains_[i]].nonWordIndex = static_cast<int32_t>(i);
    tree_ = PrefixTree(wordChains, labels);
}

}  // namespace tokenpassing
