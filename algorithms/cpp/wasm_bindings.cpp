// The web page's face of the token passing decoder (compiled to WebAssembly by
// demo/web/build_wasm.py; bindings.cpp is Python's): a C interface over one binary
// dictionary image, the `lm.bin` that deploy.py writes (models/web_language_model.py).
// It checks the image and the matrix, keeps std::invalid_argument's message for
// hwr_error(), and returns 0 / null on failure, so that no exception crosses into
// JavaScript.
//
// The image, little-endian:
//   char[8]  magic "HWRLM\0\0\1" (format 1)
//   uint32   C (classes, blank included), W (words), F (word forms), B (bigrams),
//            hasEnd (0/1), scale (values are int32 / 10^scale, log10, as in the ARPA file)
//   uint32   characterBytes; then the C - 1 characters, UTF-8, each ended by a 0 byte
//   uint8    formsPerWord[W]: the word forms are in word order, these many each
//   uint32   labelBytes; then each form's classes, one byte each, ended by a 0 byte
//   int32    unigram[W + 1] (index W: </s>), backoff[W + 1] (index W: <s>),
//            bigramPrev[B], bigramNext[B], bigramLogprob[B]  (ids 0..W, W the boundary)
// The non-word chains (each table character that is not a letter) follow the word forms
// as algorithms/token_passing_lexicon.py spells them: listed in the image too, after the
// word forms, as forms of word -1 (their count is F - sum(formsPerWord)).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "LanguageModel.hpp"
#include "Lexicon.hpp"
#include "TokenPassing.hpp"

using namespace tokenpassing;

namespace {

constexpr char kMagic[8] = {'H', 'W', 'R', 'L', 'M', 0, 0, 1};
// log 0 becomes this, as in bindings.cpp (token_passing_reference.LOG_FLOOR).
constexpr double kLogFloor = -200.0;
// ln 10 as Python's math.log(10.0): the image holds log10 values, the core natural logs,
// and the product must be Python's to the bit (algorithms/token_passing.py does the same).
constexpr double kLn10 = 2.302585092994046;
constexpr double kRowTolerance = 1e-3;  // as bindings.cpp
// 10^scale as literals (exact doubles), as models/web_decoder.py divides by 10.0 ** scale.
constexpr double kPowersOf10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

std::string lastError;
std::string lastText;

/// Reads the image front to back; every read is checked against its end.
class Reader {
public:
    Reader(const uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    const uint8_t* take(std::size_t bytes, const char* what) {
        if (bytes > size_ - at_)
            throw std::invalid_argument(std::string("lm.bin is truncated in ") + what);
        const uint8_t* start = data_ + at_;
        at_ += bytes;
        return start;
    }
    uint32_t u32(const char* what) {
        uint32_t value;
        std::memcpy(&value, take(4, what), 4);
        return value;
    }
    std::vector<int32_t> ints(std::size_t count, const char* what) {
        if (count > (size_ - at_) / 4)
            throw std::invalid_argument(std::string("lm.bin is truncated in ") + what);
        std::vector<int32_t> values(count);
        std::memcpy(values.data(), take(4 * count, what), 4 * count);
        return values;
    }
    bool done() const { return at_ == size_; }

private:
    const uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 0;
};

/// Strings ended by 0 bytes, from `bytes` bytes.
std::vector<std::string> zeroEnded(const uint8_t* bytes, std::size_t size) {
    std::vector<std::string> strings;
    std::size_t start = 0;
    for (std::size_t i = 0; i < size; ++i)
        if (bytes[i] == 0) {
            strings.emplace_back(reinterpret_cast<const char*>(bytes + start), i - start);
            start = i + 1;
        }
    if (start != size) throw std::invalid_argument("lm.bin: a string is not ended by a 0 byte");
    return strings;
}

std::vector<double> naturalLogs(const std::vector<int32_t>& values, double divisor) {
    std::vector<double> logs(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) logs[i] = values[i] / divisor * kLn10;
    return logs;
}

TokenPassing* readDecoder(const uint8_t* image, std::size_t size, DecoderOptions options) {
    Reader in(image, size);
    if (std::memcmp(in.take(8, "its magic"), kMagic, 8) != 0)
        throw std::invalid_argument("lm.bin: not a dictionary image of format 1");
    const uint32_t classes = in.u32("the header"), words = in.u32("the header"),
                   forms = in.u32("the header"), bigrams = in.u32("the header"),
                   hasEnd = in.u32("the header"), scale = in.u32("the header");
    if (scale > 9) throw std::invalid_argument("lm.bin: value scale 10^-" + std::to_string(scale));
    const uint32_t characterBytes = in.u32("the characters");
    const std::vector<std::string> characters =
        zeroEnded(in.take(characterBytes, "the characters"), characterBytes);
    if (characters.size() + 1 != classes)
        throw std::invalid_argument("lm.bin: " + std::to_string(characters.size()) +
                                    " characters for " + std::to_string(classes) + " classes");
    const uint8_t* formsPerWord = in.take(words, "the forms per word");
    const uint32_t labelBytes = in.u32("the labels");
    const uint8_t* labelData = in.take(labelBytes, "the labels");

    // Each form's labels and text made at their final size: one allocation each (the
    // image holds some 300,000 forms; growing them label by label took most of the build).
    std::vector<uint32_t> ends;  // of each form's labels in labelData
    for (uint32_t i = 0; i < labelBytes; ++i)
        if (labelData[i] == 0) ends.push_back(i);
        else if (labelData[i] >= classes)
            throw std::invalid_argument("lm.bin: class " + std::to_string(labelData[i]) +
                                        " of " + std::to_string(classes));
    if (ends.size() != forms || labelBytes > 0 && labelData[labelBytes - 1] != 0)
        throw std::invalid_argument("lm.bin: " + std::to_string(ends.size()) + " forms, " +
                                    std::to_string(forms) + " announced");
    std::vector<std::string> formTexts(forms);
    std::vector<std::vector<int32_t>> labels(forms);
    for (uint32_t f = 0, start = 0; f < forms; start = ends[f++] + 1) {
        labels[f].assign(labelData + start, labelData + ends[f]);
        std::size_t textBytes = 0;
        for (int32_t c : labels[f]) textBytes += characters[c - 1].size();
        formTexts[f].reserve(textBytes);
        for (int32_t c : labels[f]) formTexts[f] += characters[c - 1];
    }
    std::vector<int32_t> lmWords;
    for (uint32_t w = 0; w < words; ++w) lmWords.insert(lmWords.end(), formsPerWord[w], w);
    if (lmWords.size() > forms) throw std::invalid_argument("lm.bin: more word forms than forms");
    lmWords.resize(forms, kNonWord);

    const double divisor = kPowersOf10[scale];
    std::vector<double> unigram = naturalLogs(in.ints(words + 1, "the unigrams"), divisor);
    std::vector<double> backoff = naturalLogs(in.ints(words + 1, "the back-offs"), divisor);
    const std::vector<int32_t> prev = in.ints(bigrams, "the bigrams");
    const std::vector<int32_t> next = in.ints(bigrams, "the bigrams");
    const std::vector<double> logprob = naturalLogs(in.ints(bigrams, "the bigrams"), divisor);
    if (!in.done()) throw std::invalid_argument("lm.bin: bytes after the bigrams");
    std::vector<LanguageModel::Bigram> pairs(bigrams);
    for (uint32_t i = 0; i < bigrams; ++i) pairs[i] = {prev[i], next[i], logprob[i]};
    return new TokenPassing(
        Lexicon(static_cast<int>(classes), std::move(formTexts), labels, std::move(lmWords)),
        LanguageModel(std::move(unigram), std::move(backoff), std::move(pairs), hasEnd != 0),
        options);
}

/// (T, C) probabilities -> natural logs, floored; rows must be distributions.
LogProbMatrix logMatrix(const float* probabilities, int frames, int classes) {
    if (frames < 1) throw std::invalid_argument("the matrix has no frames (T = 0)");
    LogProbMatrix matrix;
    matrix.frames = frames;
    matrix.classes = classes;
    matrix.values.resize(static_cast<std::size_t>(frames) * classes);
    for (int t = 0; t < frames; ++t) {
        const float* in = probabilities + static_cast<std::size_t>(t) * classes;
        double* row = matrix.values.data() + static_cast<std::size_t>(t) * classes;
        double total = 0.0;
        for (int c = 0; c < classes; ++c) {
            const double v = in[c];
            if (!(v >= 0.0 && v <= 1.0))
                throw std::invalid_argument("matrix[" + std::to_string(t) + ", " +
                                            std::to_string(c) + "] is not a probability");
            total += v;
            row[c] = v > 0.0 ? std::max(std::log(v), kLogFloor) : kLogFloor;
        }
        if (!(std::abs(total - 1.0) <= kRowTolerance))
            throw std::invalid_argument("matrix row " + std::to_string(t) + " sums to " +
                                        std::to_string(total) + ", not 1");
    }
    return matrix;
}

}  // namespace

extern "C" {

/// The decoder of an lm.bin image with these settings, or null (hwr_error() says why).
TokenPassing* hwr_decoder_new(const uint8_t* image, std::size_t size, double lmWeight,
                              double wordPenalty, double nonWordPenalty, double beam) {
    try {
        return readDecoder(image, size, {lmWeight, wordPenalty, nonWordPenalty, beam});
    } catch (const std::exception& e) {
        lastError = e.what();
        return nullptr;
    }
}

/// The text of (frames, classes) float32 probabilities, row-major, as UTF-8 (valid until
/// the next call), or null (hwr_error()).
const char* hwr_decode(const TokenPassing* decoder, const float* probabilities, int frames,
                       int classes) {
    try {
        lastText = decoder->decode(logMatrix(probabilities, frames, classes)).text;
        return lastText.c_str();
    } catch (const std::exception& e) {
        lastError = e.what();
        return nullptr;
    }
}

void hwr_decoder_delete(TokenPassing* decoder) { delete decoder; }

const char* hwr_error() { return lastError.c_str(); }

}  // extern "C"
