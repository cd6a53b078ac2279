#include "TokenPassing.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "Search.hpp"

namespace tokenpassing {

TokenPassing::TokenPassing(Lexicon lexicon, LanguageModel languageModel, DecoderOptions options)
    : lexicon_(std::move(lexicon)), languageModel_(std::move(languageModel)), options_(options) {
    if (!(std::isfinite(options_.lmWeight) && options_.lmWeight >= 0))
        throw std::invalid_argument("lm_weight must be finite and >= 0, got " +
                                    std::to_string(options_.lmWeight));
    if (!std::isfinite(options_.wordPenalty))
        throw std::invalid_argument("word_penalty must be finite, got " +
                                    std::to_string(options_.wordPenalty));
    if (!std::isfinite(options_.nonWordPenalty))
        throw std::invalid_argument("nonword_penalty must be finite, got " +
                                    std::to_string(options_.nonWordPenalty));
    if (!(options_.beam > 0))
        throw std::invalid_argument("beam must be > 0 (inf: no pruning), got " +
                                    std::to_string(options_.beam));
    if (options_.wordBeam < 0)
        throw std::invalid_argument("word_beam must be >= 1 (or none: no limit), got " +
                                    std::to_string(options_.wordBeam));
    const int numWords = languageModel_.numWords();
    formOffsets_.assign(numWords + 2, 0);
    for (int w = 0; w < lexicon_.size(); ++w) {
        const int32_t word = lexicon_.lmWord(w);
        if (word == kNonWord) continue;
        if (word >= numWords)
            throw std::invalid_argument("form '" + lexicon_.form(w) + "' names word " +
                                        std::to_string(word) + "; the language model has " +
                                        std::to_string(numWords));
        ++formOffsets_[word + 1];
    }
    for (int w = 0; w <= numWords; ++w) formOffsets_[w + 1] += formOffsets_[w];
    forms_.resize(formOffsets_[numWords + 1]);
    std::vector<int32_t> filled(formOffsets_.begin(), formOffsets_.end() - 1);
    byFirstLabel_.resize(lexicon_.numClasses());
    for (int w = 0; w < lexicon_.size(); ++w) {
        if (!lexicon_.isWord(w)) continue;
        forms_[filled[lexicon_.lmWord(w)]++] = w;
        byFirstLabel_[lexicon_.firstLabel(w)].push_back(
            {w, languageModel_.unigram(lexicon_.lmWord(w))});
    }
    for (std::vector<Candidate>& forms : byFirstLabel_)
        std::stable_sort(forms.begin(), forms.end(), [](const Candidate& a, const Candidate& b) {
            return a.unigram > b.unigram;
        });
}

Decoded TokenPassing::decode(const LogProbMatrix& matrix, int nbest) const {
    if (nbest < 1) throw std::invalid_argument("nbest must be >= 1, got " + std::to_string(nbest));
    if (matrix.classes != lexicon_.numClasses())
        throw std::invalid_argument("the matrix has " + std::to_string(matrix.classes) +
                                    " classes, the dictionary " +
                                    std::to_string(lexicon_.numClasses()));
    if (matrix.frames < 1) throw std::invalid_argument("the matrix has no frames (T = 0)");
    return Search(*this, matrix).run(nbest);
}

}  // namespace tokenpassing
