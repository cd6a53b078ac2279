#include "Lexicon.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>

namespace tokenpassing {

Lexicon::Lexicon(int numClasses, std::vector<std::string> words,
                 const std::vector<std::vector<int32_t>>& labels, int separator)
    : numClasses_(numClasses), words_(std::move(words)), chains_(words_.size()) {
    if (numClasses < 2 || numClasses > INT16_MAX)  // the search keeps labels in 16 bits
        throw std::invalid_argument("num_classes must be in 2.." + std::to_string(INT16_MAX) +
                                    ", got " + std::to_string(numClasses));
    if (words_.empty())
        throw std::invalid_argument("the dictionary is empty");
    if (words_.size() != labels.size())
        throw std::invalid_argument("words and labels must have the same length");
    if (separator != -1 && (separator <= kBlank || separator >= numClasses))
        throw std::invalid_argument("separator class " + std::to_string(separator) +
                                    " is outside 1.." + std::to_string(numClasses - 1));
    for (std::size_t w = 0; w < words_.size(); ++w) {
        if (labels[w].empty())
            throw std::invalid_argument("dictionary word " + std::to_string(w) + " is empty");
        for (int32_t c : labels[w]) {
            if (c <= kBlank || c >= numClasses)
                throw std::invalid_argument("word '" + words_[w] + "' has class " +
                                            std::to_string(c) + ", outside 1.." +
                                            std::to_string(numClasses - 1));
            if (c == separator)
                throw std::invalid_argument("word '" + words_[w] + "' contains the separator");
        }
    }
    std::vector<int> order(words_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&labels](int a, int b) { return labels[a].front() < labels[b].front(); });
    for (int w : order) {
        const std::vector<int32_t>& chars = labels[w];
        states_.push_back({kBlank, false});  // the unused state before the chain
        const int32_t offset = static_cast<int32_t>(states_.size());
        for (std::size_t i = 0; i < chars.size(); ++i) {
            states_.push_back({chars[i], i > 0 && chars[i] != chars[i - 1]});
            states_.push_back({kBlank, false});
        }
        if (separator != -1) {
            states_.push_back({separator, true});  // from the last character: never equal
            states_.push_back({kBlank, false});
        }
        chains_[w] = {chars.front(), chars.back(), 2 * static_cast<int32_t>(chars.size()) - 2,
                      offset, static_cast<int32_t>(states_.size()) - offset};
    }
}

}  // namespace tokenpassing
