// Token passing (Young et al. 1989; Graves et al. 2009) over CTC outputs: dictionary
// words joined by freely written non-word characters, weighted by a bigram language model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "LanguageModel.hpp"
#include "Lexicon.hpp"
#include "LookAhead.hpp"
#include "LogProbMatrix.hpp"

namespace tokenpassing {

struct DecoderOptions {
    double lmWeight;        // multiplies every log P(word | previous word)
    double wordPenalty;     // added once per word (negative: fewer, longer words)
    double nonWordPenalty;  // added once per non-word character (negative: fewer of them)
    double beam;            // tokens more than this below the frame's best are dropped
                            // (inside a word: counting the language model look-ahead)
};

/// A text the search can write, and its path's score.
struct Alternative {
    std::string text;  // the chains' strings, concatenated
    double score;      // sum of log y + weighted LM terms + penalties
};

struct Decoded {
    std::string text;          // the best path's text
    double score;              // and its score
    /// With nbest k: the k best distinct texts among the paths alive at the last frame
    /// (each complete, with its exact score), best first; the first is text and score.
    std::vector<Alternative> alternatives;
    std::size_t wordLinks;     // back-pointer records the search made
    std::size_t workingBytes;  // the search's memory at its end, back-pointers included
};

/// The decoder: an immutable lexicon, language model and options; decode() is const and
/// keeps its working memory in a Search of its own, so one TokenPassing can decode on
/// several threads at once.
class TokenPassing {
public:
    /// Throws std::invalid_argument when a form names a word the language model lacks,
    /// or an option is out of range.
    TokenPassing(Lexicon lexicon, LanguageModel languageModel, DecoderOptions options);

    /// nbest: how many alternatives to give (>= 1).
    Decoded decode(const LogProbMatrix& matrix, int nbest = 1) const;

    const Lexicon& lexicon() const { return lexicon_; }
    const LanguageModel& languageModel() const { return languageModel_; }
    const DecoderOptions& options() const { return options_; }
    const LookAhead& lookAhead() const { return lookAhead_; }

private:
    Lexicon lexicon_;
    LanguageModel languageModel_;
    DecoderOptions options_;
    LookAhead lookAhead_;
};

}  // namespace tokenpassing
