// The Python face of the token passing decoder: the only file that knows pybind11. It
// checks and converts NumPy input, throws std::invalid_argument (Python: ValueError) with
// a message naming the rule, and releases the GIL while decoding.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "LanguageModel.hpp"
#include "Lexicon.hpp"
#include "TokenPassing.hpp"

namespace py = pybind11;
using namespace tokenpassing;

namespace {

// log 0 becomes this, so that a probability that underflowed to 0 in float32 makes a path
// very unlikely rather than impossible. Must equal token_passing_reference.LOG_FLOOR.
constexpr double kLogFloor = -200.0;
// How far a row may be from a distribution: float32 softmax rows sum to 1 within ~1e-6.
constexpr double kRowTolerance = 1e-3;

std::string number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

std::string cell(int t, int c) {
    return "matrix[" + std::to_string(t) + ", " + std::to_string(c) + "]";
}

template <typename T>
LogProbMatrix readMatrix(const py::array& array, bool logProbs) {
    const auto view = array.unchecked<T, 2>();
    LogProbMatrix matrix;
    matrix.frames = static_cast<int>(view.shape(0));
    matrix.classes = static_cast<int>(view.shape(1));
    matrix.values.resize(static_cast<std::size_t>(matrix.frames) * matrix.classes);
    for (int t = 0; t < matrix.frames; ++t) {
        double* row = matrix.values.data() + static_cast<std::size_t>(t) * matrix.classes;
        double total = 0.0, peak = -INFINITY;
        for (int c = 0; c < matrix.classes; ++c) {
            const double v = static_cast<double>(view(t, c));
            if (std::isnan(v)) throw std::invalid_argument(cell(t, c) + " is NaN");
            if (!logProbs && !(v >= 0.0 && v <= 1.0))
                throw std::invalid_argument(cell(t, c) + " = " + number(v) +
                                            " is not a probability (pass log_probs=True "
                                            "for log-probabilities)");
            row[c] = v;
            total += v;
            peak = std::max(peak, v);
        }
        if (logProbs) {
            total = 0.0;
            for (int c = 0; c < matrix.classes; ++c) total += std::exp(row[c] - peak);
            total = std::isfinite(peak) ? peak + std::log(total) : peak;
            if (!(std::abs(total) <= kRowTolerance))
                throw std::invalid_argument(
                    "matrix row " + std::to_string(t) + " has log-sum-exp " + number(total) +
                    "; rows must be log-probabilities of a distribution (log-sum-exp 0; "
                    "pass log_probs=False for probabilities)");
        } else if (!(std::abs(total - 1.0) <= kRowTolerance)) {
            throw std::invalid_argument("matrix row " + std::to_string(t) + " sums to " +
                                        number(total) +
                                        "; rows must be probability distributions (sum 1)");
        }
        for (int c = 0; c < matrix.classes; ++c) {
            const double logValue = logProbs ? row[c] : (row[c] > 0.0 ? std::log(row[c]) : -INFINITY);
            row[c] = std::max(logValue, kLogFloor);
        }
    }
    return matrix;
}

LogProbMatrix toLogProbMatrix(const py::array& array, bool logProbs, int numClasses) {
    if (array.ndim() != 2)
        throw std::invalid_argument("matrix must be 2-D (T, C), got " +
                                    std::to_string(array.ndim()) + " dimensions");
    if (array.shape(1) != numClasses)
        throw std::invalid_argument("matrix has " + std::to_string(array.shape(1)) +
                                    " columns; the decoder expects C = " +
                                    std::to_string(numClasses) +
                                    " (blank + one per character)");
    if (array.shape(0) == 0) throw std::invalid_argument("matrix has no frames (T = 0)");
    // By equality, not identity: an unpickled array holds an equal but distinct dtype.
    if (array.dtype().equal(py::dtype::of<float>())) return readMatrix<float>(array, logProbs);
    if (array.dtype().equal(py::dtype::of<double>())) return readMatrix<double>(array, logProbs);
    throw std::invalid_argument("matrix dtype must be float32 or float64, got " +
                                std::string(py::str(array.dtype())));
}

// Arrays that cross the binding are checked, not cast: a float word id would otherwise be
// truncated silently, and an id out of range would be read out of bounds.
std::vector<double> floatVector(const py::array& a, const char* name) {
    if (a.ndim() != 1) throw std::invalid_argument(std::string(name) + " must be 1-D");
    if (a.dtype().kind() != 'f')
        throw std::invalid_argument(std::string(name) + " must hold floats, got dtype " +
                                    std::string(py::str(a.dtype())));
    const auto values = py::array_t<double, py::array::forcecast>::ensure(a);
    return std::vector<double>(values.data(), values.data() + values.shape(0));
}

std::vector<int32_t> idVector(const py::array& a, const char* name) {
    if (a.ndim() != 1) throw std::invalid_argument(std::string(name) + " must be 1-D");
    const char kind = a.dtype().kind();
    if (kind != 'i' && kind != 'u')
        throw std::invalid_argument(std::string(name) + " must hold integer word ids, got dtype " +
                                    std::string(py::str(a.dtype())));
    const auto wide = py::array_t<int64_t, py::array::forcecast>::ensure(a);
    std::vector<int32_t> ids(static_cast<std::size_t>(wide.shape(0)));
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const int64_t id = wide.data()[i];
        if (id < 0 || id > INT32_MAX)
            throw std::invalid_argument(std::string(name) + "[" + std::to_string(i) + "] = " +
                                        std::to_string(id) + " is not a word id");
        ids[i] = static_cast<int32_t>(id);
    }
    return ids;
}

LanguageModel makeLanguageModel(const py::array& unigram, const py::array& backoff,
                                const py::array& bigramPrev, const py::array& bigramNext,
                                const py::array& bigramLogprob, bool hasEnd) {
    const std::vector<int32_t> prev = idVector(bigramPrev, "bigram_prev");
    const std::vector<int32_t> next = idVector(bigramNext, "bigram_next");
    const std::vector<double> logprob = floatVector(bigramLogprob, "bigram_logprob");
    if (prev.size() != next.size() || prev.size() != logprob.size())
        throw std::invalid_argument("bigram_prev, bigram_next and bigram_logprob must have one length");
    std::vector<LanguageModel::Bigram> bigrams(prev.size());
    for (std::size_t i = 0; i < prev.size(); ++i) bigrams[i] = {prev[i], next[i], logprob[i]};
    return LanguageModel(floatVector(unigram, "unigram"), floatVector(backoff, "backoff"),
                         std::move(bigrams), hasEnd);
}

// A word id from Python: an int (not a bool or a float) in 0..W, the boundary included.
int wordId(const py::handle& value, const char* name, int numWords) {
    if (!py::isinstance<py::int_>(value) || py::isinstance<py::bool_>(value))
        throw std::invalid_argument(std::string(name) + " must be an int word id, got " +
                                    std::string(py::str(py::type::of(value).attr("__name__"))));
    const long long id = value.cast<long long>();
    if (id < 0 || id > numWords)
        throw std::invalid_argument(std::string(name) + " = " + std::to_string(id) +
                                    " is outside 0.." + std::to_string(numWords));
    return static_cast<int>(id);
}

double checkedLogprob(const LanguageModel& lm, const py::handle& prev, const py::handle& next) {
    return lm.logprob(wordId(prev, "prev", lm.numWords()), wordId(next, "next", lm.numWords()));
}

py::tuple decode(const TokenPassing& decoder, const py::array& matrix, bool logProbs,
                 int nbest) {
    if (nbest < 1) throw std::invalid_argument("nbest must be >= 1, got " + std::to_string(nbest));
    const LogProbMatrix logMatrix =
        toLogProbMatrix(matrix, logProbs, decoder.lexicon().numClasses());
    Decoded result;
    {
        py::gil_scoped_release release;
        result = decoder.decode(logMatrix, nbest);
    }
    py::dict stats;
    stats["word_links"] = result.wordLinks;
    stats["working_bytes"] = result.workingBytes;
    py::list alternatives;
    for (const Alternative& a : result.alternatives)
        alternatives.append(py::make_tuple(a.text, a.score));
    return py::make_tuple(result.text, result.score, stats, alternatives);
}

}  // namespace

PYBIND11_MODULE(_token_passing, m) {
    m.doc() = "Token passing over CTC outputs with a dictionary and a bigram language model "
              "(C++ core; use algorithms.token_passing.TokenPassingDecoder).";
    m.attr("LOG_FLOOR") = kLogFloor;

    py::class_<LanguageModel>(m, "LanguageModel",
                              "Bigram model with back-off over W dictionary words, natural log. "
                              "Id W is the sentence boundary: <s> as a history, </s> as a "
                              "prediction.")
        .def(py::init(&makeLanguageModel), py::arg("unigram"), py::arg("backoff"),
             py::arg("bigram_prev"), py::arg("bigram_next"), py::arg("bigram_logprob"),
             py::arg("has_end"),
             "unigram: (W + 1,) log P(word), index W: </s>; backoff: (W + 1,), index W: <s>; "
             "bigrams as three (B,) arrays (ids in 0..W); has_end: whether </s> is known.")
        .def_property_readonly("num_words", &LanguageModel::numWords)
        .def_property_readonly("num_bigrams", &LanguageModel::numBigrams)
        .def("logprob", &checkedLogprob, py::arg("prev"), py::arg("next"),
             "log P(next | prev): the bigram if listed, else backoff(prev) + unigram(next); "
             "ids in 0..W (W: <s> as prev, </s> as next).");

    py::class_<Lexicon>(m, "Lexicon", "Word forms and non-word characters as CTC label sequences.")
        .def(py::init<int, std::vector<std::string>, std::vector<std::vector<int32_t>>,
                      std::vector<int32_t>>(),
             py::arg("num_classes"), py::arg("forms"), py::arg("labels"), py::arg("lm_words"),
             "forms: the text of each chain; labels: its classes (1..num_classes-1); lm_words: "
             "the language model word id of each word form, -1 for a non-word character "
             "(one class).")
        .def_property_readonly("size", &Lexicon::size)
        .def_property_readonly("tree_nodes", [](const Lexicon& l) { return l.tree().size(); },
                               "nodes of the word forms' prefix tree, the root included")
        .def_property_readonly("total_states", &Lexicon::totalStates,
                               "states of the non-word chains, an unused one each included");

    py::class_<TokenPassing>(m, "Decoder", "Token passing decoder; decode() is thread-safe.")
        .def(py::init([](const Lexicon& lexicon, const LanguageModel& lm, double lmWeight,
                         double wordPenalty, double nonWordPenalty, double beam) {
                 return TokenPassing(lexicon, lm,
                                     DecoderOptions{lmWeight, wordPenalty, nonWordPenalty, beam});
             }),
             py::arg("lexicon"), py::arg("language_model"), py::arg("lm_weight"),
             py::arg("word_penalty"), py::arg("nonword_penalty"), py::arg("beam"),
             "beam: inside a word, a token's score counts with lm_weight x the language model "
             "look-ahead of its prefix.")
        .def("decode", &decode, py::arg("matrix"), py::arg("log_probs") = false,
             py::arg("nbest") = 1,
             "matrix: (T, C) float32 or float64, probabilities (rows sum to 1) or, with "
             "log_probs=True, natural-log probabilities. Returns (text, score, stats, "
             "alternatives): the text written, the path's log score, {'word_links': "
             "back-pointer records made, 'working_bytes': the search's memory}, and up to "
             "nbest (text, score) pairs, best first: the best distinct texts among the paths "
             "alive at the last frame. Releases the GIL while searching.");
}
