"""Token passing in pure Python: the reference that the C++ decoder is held to.

Same algorithm, same names and the same arithmetic as `algorithms/cpp/` (Search.cpp), but
written for reading, not speed: every word's entry is the plain maximum over all tokens
that ended a word on the frame before. It is far too slow for real dictionaries; the tests
compare it with the C++ decoder on many small random cases (same text, same score).

The model (see algorithms/cpp/Lexicon.hpp for the state chain):
- input: (T, C) probabilities, or natural-log probabilities with log_probs=True; class
  0 is the CTC blank (data.charset.BLANK), class i + 1 is character i of the table;
  log 0 counts as LOG_FLOOR, so that an underflowed probability does not rule a word out;
- the dictionary is the language model's words (ARPA unigrams without <s>, </s>, <unk>);
- word w is the chain c1, blank, c2, blank, ..., cn, blank, then, when the table has a
  space, space, blank: a word may end with the space that separates it from the next;
  a blank is required between equal letters, also across words ("a" then "a");
- entering word v after word u (or after the start of the line, u = <s>) adds
  lm_weight * ln P(v | u) + word_penalty; the line's end adds lm_weight * ln P(</s> | u);
- tokens more than `beam` (natural-log units) below the frame's best are dropped.
The answer is the best path's words joined by spaces; its score is the sum of the
log-probabilities of its frames plus the weighted language model terms and penalties. A
line of blanks decodes to '' (so does one where no word end stays inside the beam).
"""
import math
from dataclasses import dataclass
from os import PathLike

import numpy as np

from algorithms.language_model import (SENTENCE_END, SENTENCE_START, LanguageModel,
                                       read_arpa)
from data.charset import BLANK

LOG_FLOOR = -200.0  # must equal the C++ bindings' kLogFloor (tests check)
ROW_TOLERANCE = 1e-3  # how far a row may be from a distribution (sum 1, or log-sum-exp 0)
SEPARATOR = ' '  # the table's character between words; the output joins words with it
BEAM_PER_LM_WEIGHT = 14.0  # see default_beam
NO_TOKEN = -math.inf


def default_beam(lm_weight: float) -> float:
    """The beam when none is given: 14 x max(1, lm_weight), in natural-log units.

    Entering a word adds lm_weight * ln P(word | previous word), so a word the model finds
    unlikely starts far below a likely one and must stay in the beam until the ink proves
    it right: the beam has to grow with the weight. On the synthetic benchmark
    (benchmarks/bench_token_passing.py) accuracy stopped improving at a beam of 12 for
    weights 0.5 to 1 and of 20 to 24 for weight 2.
    """
    return BEAM_PER_LM_WEIGHT * max(1.0, lm_weight)


def load_language_model(language_model) -> LanguageModel:
    """A LanguageModel as given, or read from an ARPA file path."""
    if isinstance(language_model, LanguageModel):
        return language_model
    if isinstance(language_model, (str, PathLike)):
        return read_arpa(language_model)
    raise TypeError(f'language_model must be a LanguageModel or the path of an ARPA file, '
                    f'got {type(language_model).__name__}')


def table_characters(characters) -> list:
    """The character table as a list: from a data.charset.CharTable, a str, or a list of
    one-character strings."""
    characters = list(getattr(characters, 'characters', characters))
    for c in characters:
        if not (isinstance(c, str) and len(c) == 1):
            raise ValueError(f'the character table must hold single characters, got {c!r}')
    if len(set(characters)) != len(characters):
        raise ValueError(f'the character table has duplicates: {characters!r}')
    if not characters:
        raise ValueError('the character table is empty')
    return characters


def spell_dictionary(characters, lm: LanguageModel):
    """The dictionary's words, each word's classes, and the separator's class (-1: the
    table has no space). Raises ValueError naming a word with a character the table lacks."""
    classes = {c: i + 1 for i, c in enumerate(characters)}
    words = lm.words
    if not words:
        raise ValueError('the dictionary is empty: the language model has no words '
                         'besides <s>, </s> and <unk>')
    labels = []
    for word in words:
        missing = [c for c in word if c not in classes]
        if missing:
            raise ValueError(f'dictionary word {word!r} has {missing[0]!r}, which is not in '
                             f'the character table')
        labels.append([classes[c] for c in word])
    return words, labels, classes.get(SEPARATOR, -1)


def require_array(matrix):
    if not isinstance(matrix, np.ndarray):
        raise TypeError(f'matrix must be a NumPy array, got {type(matrix).__name__}')


def check_matrix(matrix, num_classes: int):
    """Shape and dtype: the rules of the C++ bindings, with the same messages."""
    require_array(matrix)
    if matrix.ndim != 2:
        raise ValueError(f'matrix must be 2-D (T, C), got {matrix.ndim} dimensions')
    if matrix.shape[1] != num_classes:
        raise ValueError(f'matrix has {matrix.shape[1]} columns; the decoder expects '
                         f'C = {num_classes} (blank + one per character)')
    if matrix.shape[0] == 0:
        raise ValueError('matrix has no frames (T = 0)')
    if matrix.dtype not in (np.float32, np.float64):
        raise ValueError(f'matrix dtype must be float32 or float64, got {matrix.dtype}')


def log_probabilities(matrix, num_classes: int, log_probs: bool) -> np.ndarray:
    """(T, C) float64 natural-log probabilities, floored at LOG_FLOOR, after checking that
    every row is a distribution."""
    check_matrix(matrix, num_classes)
    values = matrix.astype(np.float64)
    nan = np.argwhere(np.isnan(values))
    if len(nan):
        raise ValueError(f'matrix[{nan[0][0]}, {nan[0][1]}] is NaN')
    if log_probs:
        peak = values.max(axis=1)
        with np.errstate(invalid='ignore', divide='ignore', over='ignore'):
            spread = np.log(np.exp(values - peak[:, None]).sum(axis=1))
        total = np.where(np.isfinite(peak), peak + spread, peak)  # (T,) log-sum-exp
        bad = np.flatnonzero(~(np.abs(total) <= ROW_TOLERANCE))
        if len(bad):
            raise ValueError(f'matrix row {bad[0]} has log-sum-exp {total[bad[0]]:g}; rows must '
                             f'be log-probabilities of a distribution (log-sum-exp 0; pass '
                             f'log_probs=False for probabilities)')
        return np.maximum(values, LOG_FLOOR)
    outside = np.argwhere(~((values >= 0) & (values <= 1)))
    if len(outside):
        t, c = outside[0]
        raise ValueError(f'matrix[{t}, {c}] = {values[t, c]:g} is not a probability (pass '
                         f'log_probs=True for log-probabilities)')
    total = values.sum(axis=1)
    bad = np.flatnonzero(~(np.abs(total - 1) <= ROW_TOLERANCE))
    if len(bad):
        raise ValueError(f'matrix row {bad[0]} sums to {total[bad[0]]:g}; rows must be '
                         f'probability distributions (sum 1)')
    with np.errstate(divide='ignore'):
        return np.maximum(np.log(values), LOG_FLOOR)


def check_options(lm_weight, word_penalty, beam):
    """The rules the C++ decoder enforces too."""
    if not (math.isfinite(lm_weight) and lm_weight >= 0):
        raise ValueError(f'lm_weight must be finite and >= 0, got {lm_weight}')
    if not math.isfinite(word_penalty):
        raise ValueError(f'word_penalty must be finite, got {word_penalty}')
    if not beam > 0:
        raise ValueError(f'beam must be > 0 (inf: no pruning), got {beam}')


class TokenPassingDecoder:
    """characters: the character table (a CharTable, a str or a list; class i + 1 is
    character i); language_model: a LanguageModel or an ARPA path; lm_weight,
    word_penalty: see the module doc; beam: None for default_beam(lm_weight)."""

    def __init__(self, characters, language_model, lm_weight=1.0, word_penalty=0.0, beam=None):
        beam = default_beam(lm_weight) if beam is None else beam
        check_options(lm_weight, word_penalty, beam)
        self.lm = load_language_model(language_model)
        self.characters = table_characters(characters)
        self.num_classes = len(self.characters) + 1
        self.words, labels, separator = spell_dictionary(self.characters, self.lm)
        self.lm_weight, self.word_penalty, self.beam = lm_weight, word_penalty, beam
        self.chains = [_Chain(chars, separator) for chars in labels]

    def decode(self, matrix, log_probs=False) -> str:
        return self.decode_with_score(matrix, log_probs)[0]

    def decode_with_score(self, matrix, log_probs=False):
        """(text, score) of the best path through the (T, C) matrix."""
        return _Search(self, log_probabilities(matrix, self.num_classes, log_probs)).run()

    def history(self, word_id):
        return SENTENCE_START if word_id is None else self.words[word_id]

    def end_logprob(self, word_id) -> float:
        if SENTENCE_END not in self.lm.unigrams:
            return 0.0
        return self.lm.logprob(self.history(word_id), SENTENCE_END)


class _Chain:
    """One word's states: the class each emits, and whether it may skip the state before."""

    def __init__(self, chars, separator):
        self.labels, self.can_skip = [], []
        for i, c in enumerate(chars):
            self.labels += [c, BLANK]
            self.can_skip += [i > 0 and c != chars[i - 1], False]
        if separator != -1:
            self.labels += [separator, BLANK]
            self.can_skip += [True, False]
        self.first, self.last = chars[0], chars[-1]
        self.last_char_state = 2 * len(chars) - 2


@dataclass
class _PoolEntry:
    score: float
    word: object  # word id, or None for the start token
    link: int
    ends_char: bool
    record: object = None  # its word-link record, made when first needed


class _Search:
    def __init__(self, decoder: TokenPassingDecoder, logy: np.ndarray):
        self.d, self.logy = decoder, logy
        self.tokens = {}  # word id -> [scores, links], one per state, for active words
        self.start = self.silence = 0.0
        self.pool = [_PoolEntry(0.0, None, -1, False, -1)]
        self.word_links = []  # (word, previous record, frame)

    def run(self):
        for t, row in enumerate(self.logy):
            y = row.tolist()
            best = self.advance_words(y)
            self.silence += y[BLANK]
            if self.start != NO_TOKEN:
                self.start += y[BLANK]
                best = max(best, self.start)
            best = max(best, self.enter_words(t, y, best - self.d.beam))
            self.prune(best - self.d.beam)
            self.collect_pool()
        return self.finish()

    def advance_words(self, y):
        best = NO_TOKEN
        for w in sorted(self.tokens):
            chain, (scores, links) = self.d.chains[w], self.tokens[w]
            for k in range(len(scores) - 1, -1, -1):  # descending: k-1, k-2 still old
                score, link = scores[k], links[k]
                if k >= 1 and scores[k - 1] > score:
                    score, link = scores[k - 1], links[k - 1]
                if chain.can_skip[k] and scores[k - 2] > score:
                    score, link = scores[k - 2], links[k - 2]
                scores[k], links[k] = score + y[chain.labels[k]], link
                best = max(best, scores[k])
        return best

    def enter_words(self, t, y, theta):
        best = NO_TOKEN
        d = self.d
        for v, chain in enumerate(d.chains):
            score, source = NO_TOKEN, -1
            for j, p in enumerate(self.pool):
                if p.ends_char and d.chains[p.word].last == chain.first:
                    continue  # "a" then "a" needs a blank between
                s = (p.score + d.lm_weight * d.lm.logprob(d.history(p.word), d.words[v])
                     + d.word_penalty)
                if s > score:
                    score, source = s, j
            if source < 0:
                continue
            candidate = score + y[chain.first]
            if v not in self.tokens:
                if candidate < theta:
                    continue
                self.tokens[v] = [[NO_TOKEN] * len(chain.labels), [-1] * len(chain.labels)]
            scores, links = self.tokens[v]
            if candidate > scores[0]:
                scores[0], links[0] = candidate, self.record_for(source, t)
            best = max(best, candidate)
        return best

    def record_for(self, j, t):
        p = self.pool[j]
        if p.record is None:
            p.record = len(self.word_links)
            self.word_links.append((p.word, p.link, t - 1))
        return p.record

    def prune(self, theta):
        if self.start < theta:
            self.start = NO_TOKEN
        for w in list(self.tokens):
            scores = self.tokens[w][0]
            scores[:] = [NO_TOKEN if s < theta else s for s in scores]
            if all(s == NO_TOKEN for s in scores):
                del self.tokens[w]

    def collect_pool(self):
        self.pool = []
        if self.start != NO_TOKEN:
            self.pool.append(_PoolEntry(self.start, None, -1, False, -1))
        for w in sorted(self.tokens):
            scores, links = self.tokens[w]
            last = self.d.chains[w].last_char_state
            if scores[last] != NO_TOKEN:
                self.pool.append(_PoolEntry(scores[last], w, links[last], True))
            ends = [k for k in range(last + 1, len(scores)) if scores[k] != NO_TOKEN]
            if ends:
                k = max(ends, key=lambda k: scores[k])  # the first of equals, as in C++
                self.pool.append(_PoolEntry(scores[k], w, links[k], False))

    def finish(self):
        best, winner = NO_TOKEN, None
        for p in self.pool:
            score = p.score + self.d.lm_weight * self.d.end_logprob(p.word)
            if score > best:
                best, winner = score, p
        if winner is None:  # every hypothesis that ends a word fell out of the beam
            return '', self.silence + self.d.lm_weight * self.d.end_logprob(None)
        words, link = [], winner.link
        if winner.word is not None:
            words.append(winner.word)
            while link >= 0:
                words.append(self.word_links[link][0])
                link = self.word_links[link][1]
        return SEPARATOR.join(self.d.words[w] for w in reversed(words)), best
