#include "TokenPassing.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "Search.hpp"

namespace tokenpassing {

namespace {

/// The lexicon, after checking that every form names a word of the language model.
const Lexicon& checkedWords(const Lexicon& lexicon, const LanguageModel& lm) {
    for (int w = 0; w < lexicon.size(); ++w)
        if (lexicon.lmWord(w) >= lm.numWords())
            throw std::invalid_argument("form '" + lexicon.form(w) + "' names word " +
                                        std::to_string(lexicon.lmWord(w)) +
                                        "; the language model has " +
                                        std::to_string(lm.numWords()));
    return lexicon;
}

}  // namespace

TokenPassing::TokenPassing(Lexicon lexicon, LanguageModel languageModel, DecoderOptions options)
    : lexicon_(std::move(lexicon)),
      languageModel_(std::move(languageModel)),
      options_(options),
      lookAhead_(checkedWords(lexicon_, languageModel_), languageModel_) {
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
