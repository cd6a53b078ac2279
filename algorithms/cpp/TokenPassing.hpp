// Token passing (Young et al. 1989; Graves et al. 2009) over CTC outputs: a dictionary
// of words joined through a bigram language model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "LanguageModel.hpp"
#include "Lexicon.hpp"
#include "LogProbMatrix.hpp"

namespace tokenpassing {

struct DecoderOptions {
    double lmWeight;     // multiplies every log P(word | previous word)
    double wordPenalty;  // added once per word (negative: fewer, longer words)
    double beam;         // tokens more than this below the frame's best are dropped
};

struct Decoded {
    std::string text;          // words joined by single spaces
    double score;              // sum of log y + lmWeight * sum of log P + wordPenalty * words
    std::size_t wordLinks;     // back-pointer records the search made
    std::size_t workingBytes;  // the search's memory at its end, back-pointers included
};

/// The decoder: an immutable dictionary, language model and options; decode() is const
/// and keeps its working memory in a Search of its own, so one TokenPassing can decode on
/// several threads at once.
class TokenPassing {
public:
    /// A dictionary word as the search meets it when words may start on a frame.
    struct Candidate {
        int32_t word;
        double unigram;  // its log P, kept here to read a list in one sweep
    };

    /// Throws std::invalid_argument when the dictionary and the model disagree on the
    /// number of words, or an option is out of range.
    TokenPassing(Lexicon lexicon, LanguageModel languageModel, DecoderOptions options);

    Decoded decode(const LogProbMatrix& matrix) const;

    const Lexicon& lexicon() const { return lexicon_; }
    const LanguageModel& languageModel() const { return languageModel_; }
    const DecoderOptions& options() const { return options_; }
    /// Words whose first character is class c, most probable unigram first: the search
    /// stops reading a list at the first word whose entry cannot reach the beam.
    const std::vector<Candidate>& wordsStartingWith(int c) const { return byFirstLabel_[c]; }

private:
    Lexicon lexicon_;
    LanguageModel languageModel_;
    DecoderOptions options_;
    std::vector<std::vector<Candidate>> byFirstLabel_;
};

}  // namespace tokenpassing
