#include "TokenPassing.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "Search.hpp"

namespace tokenpassing {

TokenPassing::TokenPassing(Lexicon lexicon, LanguageModel languageModel, DecoderOptions options)
    : lexicon_(std::move(lexicon)), languageModel_(std::move(languageModel)), options_(options) {
    if (lexicon_.size() != languageModel_.numWords())
        throw std::invalid_argument("the dictionary has " + std::to_string(lexicon_.size()) +
                                    " words, the language model " +
                                    std::to_string(languageModel_.numWords()));
    if (!(std::isfinite(options_.lmWeight) && options_.lmWeight >= 0))
        throw std::invalid_argument("lm_weight must be finite and >= 0, got " +
                                    std::to_string(options_.lmWeight));
    if (!std::isfinite(options_.wordPenalty))
        throw std::invalid_argument("word_penalty must be finite, got " +
                                    std::to_string(options_.wordPenalty));
    if (!(options_.beam > 0))
        throw std::invalid_argument("beam must be > 0 (inf: no pruning), got " +
                                    std::to_string(options_.beam));
    byFirstLabel_.resize(lexicon_.numClasses());
    for (int w = 0; w < lexicon_.size(); ++w)
        byFirstLabel_[lexicon_.firstLabel(w)].push_back({w, languageModel_.unigram(w)});
    for (std::vector<Candidate>& words : byFirstLabel_)
        std::stable_sort(words.begin(), words.end(), [](const Candidate& a, const Candidate& b) {
            return a.unigram > b.unigram;
        });
}

Decoded TokenPassing::decode(const LogProbMatrix& matrix) const {
    if (matrix.classes != lexicon_.numClasses())
        throw std::invalid_argument("the matrix has " + std::to_string(matrix.classes) +
                                    " classes, the dictionary " +
                                    std::to_string(lexicon_.numClasses()));
    if (matrix.frames < 1) throw std::invalid_argument("the matrix has no frames (T = 0)");
    return Search(*this, matrix).run();
}

}  // namespace tokenpassing
