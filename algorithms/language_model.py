"""Bigram language models in ARPA format: read, write, and build from text.

ARPA is the text format KenLM and SRILM write, so that users can bring their own model.
Only the unigram and bigram sections are read (higher orders are skipped with a warning).
Values in the file are log10; `LanguageModel.logprob` answers in natural log, because the
decoders add it to natural-log network outputs. Every log10 value is converted on its own
(value * ln 10) before any sum, so that the C++ decoder and the Python reference, which
both receive converted values, add the same numbers.

The builder counts words and word pairs (each line is a sentence, `<s>` and `</s>` mark
its ends), keeps the `max_words` most frequent words (the rest become `<unk>`), and smooths
with absolute discounting: unigrams are interpolated with a prior over the vocabulary
(uniform, or a word list's frequencies), bigrams back off to unigrams with weights that
make every history's distribution sum to one. Words are what the token passing decoder
writes between non-word characters: runs of letters, with apostrophes inside
(`text_words`); build_lm.py folds them to lower case, since the decoder also writes each
word Capitalized and in UPPER case.
"""
import math
import re
import warnings
from collections import Counter
from typing import Iterable, Optional

LN10 = math.log(10.0)
SENTENCE_START, SENTENCE_END, UNKNOWN = '<s>', '</s>', '<unk>'
SPECIAL_WORDS = (SENTENCE_START, SENTENCE_END, UNKNOWN)
ARPA_LOG_ZERO = -99.0  # ARPA's stand-in for log10(0); -inf in a file is read as this
DEFAULT_MAX_WORDS = 10000  # as in the original keras-auto-hwr's build_lang_model.py
# A word: letters, with single apostrophes inside ("don't", "o'clock"); not digits or "_".
WORD_PATTERN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
NGRAM_COUNT = re.compile(r'ngram\s+([0-9]{1,2})\s*=\s*([0-9]{1,12})')  # in \data\


def text_words(text: str, lower=True) -> list:
    """The words of a text as the token passing decoder sees them: "Hello, world's 2nd
    try!" -> ['hello', "world's", 'nd', 'try']."""
    return WORD_PATTERN.findall(text.lower() if lower else text)


class LanguageModel:
    """A bigram model with back-off. Values are stored as in ARPA (log10).

    unigrams: word -> log10 P(word), in file order (the decoder's dictionary order);
    backoffs: word -> log10 back-off weight (absent: 0); bigrams: (w1, w2) -> log10 P(w2|w1).
    """

    def __init__(self, unigrams: dict, backoffs: dict, bigrams: dict):
        self.unigrams = dict(unigrams)
        self.backoffs = dict(backoffs)
        self.bigrams = dict(bigrams)
        for w1, w2 in self.bigrams:
            for word in (w1, w2):
                if word not in self.unigrams:
                    raise ValueError(f'bigram ({w1!r}, {w2!r}) uses {word!r}, which has no unigram')

    @property
    def words(self) -> list:
        """The words a decoder can spell: every unigram except <s>, </s> and <unk>."""
        return [w for w in self.unigrams if w not in SPECIAL_WORDS]

    def backoff_ln(self, history: str) -> float:
        return self.backoffs.get(history, 0.0) * LN10

    def unigram_ln(self, word: str) -> float:
        return self.unigrams[word] * LN10

    def logprob(self, history: str, word: str) -> float:
        """Natural-log P(word | history): the bigram if listed, else backoff + unigram."""
        if (history, word) in self.bigrams:
            return self.bigrams[history, word] * LN10
        return self.backoff_ln(history) + self.unigram_ln(word)

    def __repr__(self):
        return f'LanguageModel({len(self.unigrams)} unigrams, {len(self.bigrams)} bigrams)'


def _log10_value(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f'{where}: {text!r} is not a number') from None
    if math.isnan(value) or value == math.inf:
        raise ValueError(f'{where}: {text!r} is not a log10 probability')
    return ARPA_LOG_ZERO if value == -math.inf else value


def read_arpa(path) -> LanguageModel:
    """Read the 1-gram and 2-gram sections of an ARPA file (UTF-8); ValueError naming the
    file (and line) for anything else."""
    try:
        with open(path, encoding='utf-8') as f:
            return _read_sections(f, path)
    except UnicodeDecodeError as error:  # a binary file, or another encoding
        raise ValueError(f'{path}: not an ARPA file: not UTF-8 text ({error.reason})') from None


def _read_sections(lines, path) -> LanguageModel:
    """The model of an ARPA file's lines (text); `path` names the file in errors."""
    declared, listed = {}, Counter()
    unigrams, backoffs, bigrams = {}, {}, {}
    section, ignored = None, set()
    for number, line in enumerate(lines, 1):
        where, line = f'{path}:{number}', line.strip()
        if line == '\\data\\':
            section = 'data'
        elif line == '\\end\\':
            section = 'end'
            break
        elif not line or section is None:
            continue  # blank lines, and any header some tools write before \data\
        elif line.startswith('\\') and line.endswith('-grams:'):
            order = line[1:-len('-grams:')]
            if not (order.isascii() and order.isdigit()):
                raise ValueError(f'{where}: unexpected section {line[:60]!r}')
            section = int(order)
            if section > 2:
                ignored.add(section)
        elif section == 'data':
            match = NGRAM_COUNT.fullmatch(line)
            if match is None:
                raise ValueError(f'{where}: expected "ngram N=count", got {line[:60]!r}')
            declared[int(match[1])] = int(match[2])
        elif section in (1, 2):
            _read_ngram(line.split(), section, where, unigrams, backoffs, bigrams)
            listed[section] += 1
    if section is None:
        raise ValueError(f'{path}: not an ARPA file (no \\data\\ line)')
    if section != 'end':
        raise ValueError(f'{path}: ends before \\end\\ (truncated?)')
    for order in (1, 2):
        if declared.get(order, 0) != listed[order]:
            raise ValueError(f'{path}: declares {declared.get(order, 0)} {order}-grams, '
                             f'lists {listed[order]}')
    if not unigrams:
        raise ValueError(f'{path}: has no unigrams')
    if ignored:
        orders = ', '.join(map(str, sorted(ignored)))
        warnings.warn(f'{path}: ignoring the {orders}-gram section(s); token passing uses '
                      f'unigrams and bigrams')
    try:
        return LanguageModel(unigrams, backoffs, bigrams)
    except ValueError as error:
        raise ValueError(f'{path}: {error}') from None


def _read_ngram(fields, order, where, unigrams, backoffs, bigrams):
    """One line of the 1-gram or 2-gram section: log10 P, the words, an optional back-off
    (a bigram's back-off only matters to 3-grams and is ignored)."""
    if len(fields) not in (order + 1, order + 2):
        raise ValueError(f'{where}: a {order}-gram line needs a log10 probability, '
                         f'{order} word(s) and an optional back-off weight')
    logprob = _log10_value(fields[0], where)
    key = fields[1] if order == 1 else (fields[1], fields[2])
    table = unigrams if order == 1 else bigrams
    if key in table:
        raise ValueError(f'{where}: {" ".join(fields[1:order + 1])!r} is listed twice')
    table[key] = logprob
    if order == 1 and len(fields) == 3:
        backoffs[key] = _log10_value(fields[2], where)


def write_arpa(lm: LanguageModel, path):
    """Write `lm` as an ARPA file (log10 values with 6 decimals, UTF-8)."""
    with open(path, 'w', encoding='utf-8') as f:
        f.write(f'\\data\\\nngram 1={len(lm.unigrams)}\nngram 2={len(lm.bigrams)}\n')
        f.write('\n\\1-grams:\n')
        for word, logprob in lm.unigrams.items():
            backoff = f'\t{lm.backoffs[word]:.6f}' if word in lm.backoffs else ''
            f.write(f'{logprob:.6f}\t{word}{backoff}\n')
        f.write('\n\\2-grams:\n')
        for (w1, w2), logprob in lm.bigrams.items():
            f.write(f'{logprob:.6f}\t{w1} {w2}\n')
        f.write('\n\\end\\\n')


def _discount(counts: Counter) -> float:
    """Ney's absolute discount n1 / (n1 + 2 n2), from how many items were seen once (n1)
    and twice (n2); 0.5 when either is missing (tiny corpora)."""
    n1 = sum(1 for c in counts.values() if c == 1)
    n2 = sum(1 for c in counts.values() if c == 2)
    return n1 / (n1 + 2 * n2) if n1 and n2 else 0.5


def build_bigram_lm(lines: Iterable[str], max_words: Optional[int] = DEFAULT_MAX_WORDS,
                    dictionary: Iterable[str] = (), tokenize=str.split) -> LanguageModel:
    """A smoothed bigram model of `lines` (one sentence per line, split into words by
    `tokenize`: whitespace by default, `text_words` for the decoder's words).
    `max_words`: keep this many most frequent words (ties: alphabetical); the others count
    as <unk>. None keeps all. `dictionary`: words to know even if the lines lack them (the
    decoder can write only known words); a list shares the mass that discounting sets
    aside for unseen words evenly over the vocabulary, a dict word -> frequency (e.g. from
    wordfreq) in proportion to its frequencies (words it lacks get its smallest one)."""
    sentences = [tokenize(line) for line in lines]
    sentences = [words for words in sentences if words]
    if not sentences:
        raise ValueError('no words to build a language model from')
    if max_words is not None and max_words < 1:
        raise ValueError(f'max_words must be >= 1, got {max_words}')
    frequency = Counter(word for words in sentences for word in words)
    ranked = sorted(frequency, key=lambda w: (-frequency[w], w))
    vocabulary = set(ranked[:max_words])

    unigram_counts, bigram_counts = Counter(), Counter()
    for words in sentences:
        tokens = [SENTENCE_START] + [w if w in vocabulary else UNKNOWN for w in words]
        tokens.append(SENTENCE_END)
        unigram_counts.update(tokens[1:])
        bigram_counts.update(zip(tokens, tokens[1:]))

    unigram_p = _unigram_probabilities(unigram_counts, dictionary)
    bigram_p, backoff = _bigram_probabilities(bigram_counts, unigram_p)
    order = sorted(unigram_p, key=lambda w: (w not in SPECIAL_WORDS, -unigram_counts[w], w))
    unigrams = {SENTENCE_START: ARPA_LOG_ZERO}
    unigrams.update((w, math.log10(unigram_p[w])) for w in order)
    backoffs = {w: math.log10(b) for w, b in backoff.items()}
    bigrams = {pair: math.log10(p) for pair, p in sorted(bigram_p.items())}
    return LanguageModel(unigrams, backoffs, bigrams)


def _unigram_probabilities(counts: Counter, dictionary=()) -> dict:
    """Absolute discounting interpolated with a prior over the vocabulary (<unk> and the
    dictionary's words included, so that they keep some probability): uniform, or in
    proportion to the dictionary's frequencies when it is a dict."""
    weights = dictionary if isinstance(dictionary, dict) else dict.fromkeys(dictionary, 1.0)
    weights = {w: f for w, f in weights.items() if w not in SPECIAL_WORDS}
    for word, weight in weights.items():
        if not (weight > 0 and math.isfinite(weight)):
            raise ValueError(f'dictionary word {word!r} has frequency {weight}; frequencies '
                             f'must be positive')
    vocabulary = set(counts) | {UNKNOWN} | set(weights)
    floor = min(weights.values(), default=1.0)
    prior = {w: weights.get(w, floor) for w in vocabulary}
    norm = sum(prior.values())
    total, seen = sum(counts.values()), len(counts)
    discount = _discount(counts)
    freed = discount * seen / total
    return {w: max(counts[w] - discount, 0.0) / total + freed * prior[w] / norm
            for w in vocabulary}


def _bigram_probabilities(counts: Counter, unigram_p: dict):
    """(w1, w2) -> P(w2 | w1) for seen pairs, discounted; w1 -> back-off weight, which
    spreads the discounted mass over the unseen successors in proportion to unigrams."""
    discount = _discount(counts)
    history_total, successors = Counter(), {}
    for (w1, w2), c in counts.items():
        history_total[w1] += c
        successors.setdefault(w1, []).append(w2)
    probabilities, backoff = {}, {}
    for (w1, w2), c in counts.items():
        probabilities[w1, w2] = (c - discount) / history_total[w1]
    for w1, following in successors.items():
        freed = discount * len(following) / history_total[w1]
        unseen = 1.0 - sum(unigram_p[w2] for w2 in following)
        # A history followed by every word has no unseen successor to give its mass to.
        backoff[w1] = freed / unseen if unseen > 1e-12 else 1.0
    return probabilities, backoff
