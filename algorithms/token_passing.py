"""Token passing decoding with a dictionary and a bigram language model (C++ core).

    from algorithms.token_passing import TokenPassingDecoder
    decoder = TokenPassingDecoder(char_table.characters, 'datasets/synthetic/lm.arpa')
    text = decoder.decode(probabilities)            # (T, C) float32, rows sum to 1
    texts = decoder.decode_batch(list_of_matrices, threads=4)

The algorithm, its input convention (class 0 blank, class i + 1 = characters[i]) and how
words, their case forms and the non-word characters between them (space, punctuation,
digits) are modelled are described in
algorithms/token_passing_reference.py, the pure-Python twin that the tests hold this
decoder to; both spell their dictionary with algorithms/token_passing_lexicon.py. The C++
core (algorithms/cpp/) releases the GIL while it searches, so a batch decodes on several
threads.
"""
import copy
import json
import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from algorithms import _token_passing
from algorithms.language_model import LN10, SENTENCE_END, SENTENCE_START, LanguageModel
from algorithms.token_passing_lexicon import (default_beam, load_language_model,
                                              require_array, spell_lexicon, table_characters)

SETTINGS_FILE = 'decoder.json'  # in a model folder: the settings tune_decoder.py chose
SETTINGS = ('lm_weight', 'word_penalty', 'nonword_penalty', 'beam')


def read_settings(model_dir) -> dict:
    """The token passing settings stored in a model folder ({} when it has none), as
    keyword arguments of TokenPassingDecoder; ValueError naming the file if unusable.
    Other keys are skipped: the tuning report, and settings of older versions (word_beam,
    which the prefix tree's look-ahead made unnecessary)."""
    path = os.path.join(model_dir, SETTINGS_FILE)
    if not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding='utf-8') as f:
            stored = json.load(f)
        settings = {k: float(stored[k]) for k in SETTINGS if k in stored}
    except (OSError, ValueError, TypeError) as e:
        raise ValueError(f'{path}: unreadable token passing settings ({e})') from None
    if not all(math.isfinite(v) for k, v in settings.items() if k != 'beam'):
        raise ValueError(f'{path}: settings must be finite numbers, got {settings}')
    return settings


def write_settings(path, settings: dict, report: dict):
    """Store the chosen settings and how they were chosen (report) as JSON."""
    with open(path, 'w', encoding='utf-8') as f:
        json.dump({**{k: settings[k] for k in SETTINGS if k in settings}, 'tuning': report}, f, indent=1)
        f.write('\n')


class TokenPassingDecoder:
    """characters: the character table (a CharTable, a str or a list; class i + 1 is
    character i); language_model: a LanguageModel or the path of an ARPA file (its words
    are the dictionary); lm_weight: multiplies ln P(word | previous word); word_penalty:
    added per word (negative: fewer, longer words); nonword_penalty: added per non-word
    character (space, punctuation, digit; negative: fewer of them); beam: tokens more
    than this (natural log) below the frame's best are dropped, a token inside a word
    counting lm_weight x the language model look-ahead of its prefix; None:
    default_beam(lm_weight), math.inf: exact search. tune_decoder.py chooses the settings
    for a model on its validation lines."""

    def __init__(self, characters, language_model, lm_weight=1.0, word_penalty=0.0,
                 nonword_penalty=0.0, beam=None):
        beam = default_beam(lm_weight) if beam is None else beam
        lm = load_language_model(language_model)
        self.characters = table_characters(characters)
        self.num_classes = len(self.characters) + 1
        self.words, forms, labels, lm_words = spell_lexicon(self.characters, lm)
        self.lm_weight, self.word_penalty, self.beam = lm_weight, word_penalty, beam
        self.nonword_penalty = nonword_penalty
        self._lexicon = _token_passing.Lexicon(num_classes=self.num_classes, forms=forms,
                                               labels=labels, lm_words=lm_words)
        self._language_model = _native_language_model(lm, self.words)
        # Two per tree node but the root (a character and a blank), and the non-word chains'.
        self._states = 2 * (self._lexicon.tree_nodes - 1) + self._lexicon.total_states
        self._decoder = self._native_decoder(lm_weight=lm_weight, word_penalty=word_penalty,
                                             nonword_penalty=nonword_penalty, beam=beam)

    def _native_decoder(self, **settings):
        return _token_passing.Decoder(lexicon=self._lexicon, language_model=self._language_model,
                                      **{k: float(settings[k]) for k in SETTINGS})

    def with_settings(self, **settings) -> 'TokenPassingDecoder':
        """A decoder with the same dictionary and language model and other settings (of
        lm_weight, word_penalty, nonword_penalty, beam): built in a fraction of the time,
        for tuning."""
        unknown = set(settings) - set(SETTINGS)
        if unknown:
            raise TypeError(f'unknown settings: {", ".join(sorted(unknown))}')
        current = {k: getattr(self, k) for k in SETTINGS}
        if 'lm_weight' in settings and 'beam' not in settings:
            settings['beam'] = default_beam(settings['lm_weight'])
        current.update(settings)
        other = copy.copy(self)
        other._decoder = self._native_decoder(**current)
        for name, value in current.items():
            setattr(other, name, value)
        return other

    def decode(self, matrix, log_probs=False) -> str:
        """The best dictionary text for one line's (T, C) probabilities (log_probs=False)
        or natural-log probabilities (log_probs=True), float32 or float64."""
        return self.decode_with_score(matrix, log_probs)[0]

    def decode_with_score(self, matrix, log_probs=False):
        """(text, score): score is the best path's log score (see the reference's doc).
        The C++ bindings check the matrix; a list would be converted, so it is refused here."""
        require_array(matrix)
        text, score, _, _ = self._decoder.decode(matrix, bool(log_probs))
        return text, score

    def decode_nbest(self, matrix, k, log_probs=False) -> list:
        """[(text, score)] of up to k distinct texts, best first: the first is
        decode_with_score's; the others are the next best of the paths alive at the last
        frame and of the best path with the words before one of its non-word characters
        (a space) replaced by those of another of the best tokens that ended on that frame
        (see Search.hpp). Each is a complete path with its exact score."""
        require_array(matrix)
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError(f'k must be an int, got {type(k).__name__}')
        return self._decoder.decode(matrix, bool(log_probs), k)[3]

    def decode_batch(self, matrices, log_probs=False, threads=None) -> list:
        """Texts of several lines, decoded on `threads` threads (default: one per CPU)."""
        matrices = list(matrices)
        threads = (os.cpu_count() or 1) if threads is None else threads
        if threads < 1:
            raise ValueError(f'threads must be >= 1, got {threads}')

        def decode(item):
            i, matrix = item
            try:
                return self.decode(matrix, log_probs)
            except ValueError as error:
                raise ValueError(f'line {i}: {error}') from None

        if threads == 1:
            return [decode(item) for item in enumerate(matrices)]
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(decode, enumerate(matrices)))

    def search_stats(self, matrix, log_probs=False) -> dict:
        """What decoding this matrix costs in memory: `states` (of the prefix tree and the
        non-word chains; only the active slots and chains hold tokens), `word_links`
        (back-pointer records: they grow with T x the words and characters ending inside
        the beam per frame) and `working_bytes` (all of the search's memory: active slots
        and chains, pools, records)."""
        require_array(matrix)
        _, _, stats, _ = self._decoder.decode(matrix, bool(log_probs))
        return {'states': self._states, **stats}


def language_model_arrays(lm: LanguageModel, words) -> dict:
    """The model over dictionary ids, in the ARPA file's log10 values: unigram and backoff
    (W + 1 each; id W = len(words) stands for </s> as a prediction and <s> as a history),
    the bigrams as prev, next and logprob arrays, and has_end. Pairs that a decoder never
    asks about (from </s> or <unk>, to <s> or <unk>) are left out. The C++ core takes them
    times ln 10 (_native_language_model); the web page's image keeps them as they are
    (models.web_decoder)."""
    index = {w: i for i, w in enumerate(words)}
    boundary = len(words)
    has_end = SENTENCE_END in lm.unigrams
    unigram = [lm.unigrams[w] for w in words] + [lm.unigrams[SENTENCE_END] if has_end else 0.0]
    backoff = [lm.backoffs.get(w, 0.0) for w in words] + [lm.backoffs.get(SENTENCE_START, 0.0)]
    prev, following, logprob = [], [], []
    for (w1, w2), value in lm.bigrams.items():
        i = boundary if w1 == SENTENCE_START else index.get(w1)
        j = boundary if w2 == SENTENCE_END else index.get(w2)
        if i is not None and j is not None:
            prev.append(i)
            following.append(j)
            logprob.append(value)
    return {'unigram': np.array(unigram, np.float64), 'backoff': np.array(backoff, np.float64),
            'prev': np.array(prev, np.int32), 'next': np.array(following, np.int32),
            'logprob': np.array(logprob, np.float64), 'has_end': has_end}


def _native_language_model(lm: LanguageModel, words) -> _token_passing.LanguageModel:
    """The model as the C++ core takes it: language_model_arrays in natural logs."""
    a = language_model_arrays(lm, words)
    return _token_passing.LanguageModel(
        unigram=a['unigram'] * LN10, backoff=a['backoff'] * LN10, bigram_prev=a['prev'],
        bigram_next=a['next'], bigram_logprob=a['logprob'] * LN10, has_end=a['has_end'])
