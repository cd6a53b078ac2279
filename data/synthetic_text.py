"""What the synthetic writer writes: lines of running text, with the characters people use.

Words come from the `wordfreq` list of a language, drawn by frequency ** 0.5 (the common
ones stay common, the model still sees the rest of the vocabulary). Around them, at rates
meant to resemble transcribed handwriting such as IAM-OnDB's (about 1 in 3 lines starts a
sentence, 1 in 15 words takes a comma, 1 in 30 tokens is a number, ...):
capitalized sentence starts and names, the odd acronym in capitals, numbers (counts,
years, decimals, percentages, #12), sentence punctuation, quotes and brackets around a
word, hyphenated pairs and the rarer joiners (- / & +), and footnote stars. Every
character of IAM-OnDB's training transcriptions appears, so that a model trained here
has the same character table as one trained on IAM-OnDB (plus X, * and ], which IAM-OnDB's
training texts happen to lack).

Only characters that every chosen face can write are used: `TextMaker.characters`.
"""
import functools
import unicodedata
from typing import Tuple

import numpy as np

FREQUENCY_EXPONENT = 0.5
# Languages whose handwriting commonly drops the accents that wordfreq's words carry
# (Greek tonos): words are written and labelled without them.
DROP_ACCENTS = frozenset({'el'})

SENTENCE_START = 0.35     # share of lines that begin a sentence (capitalized)
NAME = 0.05               # a word written as a name, with a capital
ACRONYM = 0.01            # a token of 2 to 4 capitals
NUMBER = 0.03             # a token that is a number
AFTER_WORD = {',': 0.065, '.': 0.045, '?': 0.006, '!': 0.005, ';': 0.005, ':': 0.006,
              '*': 0.002}
WRAP = {('"', '"'): 0.015, ("'", "'"): 0.004, ('(', ')'): 0.01, ('[', ']'): 0.002}
JOIN = {'-': 0.012, ' - ': 0.006, '/': 0.004, ' & ': 0.004, ' + ': 0.002}
LINE_END = 0.25           # a line that ends with a full stop
SENTENCE_END = '.?!'


@functools.lru_cache(maxsize=16)
def load_words(language: str, vocabulary_size: int,
               writable: frozenset) -> Tuple[Tuple[str, ...], np.ndarray]:
    """The `vocabulary_size` most frequent words that the faces can write, and the
    cumulative probabilities to draw them with (frequency ** FREQUENCY_EXPONENT)."""
    import wordfreq
    try:
        candidates = wordfreq.top_n_list(language, max(4 * vocabulary_size, 1000))
    except LookupError:
        raise ValueError(f'language {language!r}: wordfreq has no word list for it; use one '
                         f'of {", ".join(sorted(wordfreq.available_languages()))}') from None
    # Letters and apostrophes only: wordfreq's other tokens are numbers (stored as zeros,
    # '00' for any two digits) and abbreviations stripped of their last period ('u.s').
    words, seen = [], set()
    for w in (written_form(w, language) for w in candidates):
        if set(w) <= writable and w.replace("'", '').isalpha() and w not in seen:
            words.append(w)
            seen.add(w)
    words = words[:vocabulary_size]
    if len(words) < vocabulary_size:
        raise ValueError(f'language {language!r}: only {len(words)} of its {len(candidates)} '
                         f'most frequent words can be written with the chosen faces; ask for '
                         f'vocabulary_size <= {len(words)}, or faces that cover its script')
    weights = np.array([wordfreq.word_frequency(w, language) for w in words])
    cumulative = np.cumsum(np.maximum(weights, 1e-12) ** FREQUENCY_EXPONENT)
    return tuple(words), cumulative / cumulative[-1]


def written_form(word: str, language: str) -> str:
    """The word as the writer writes it: without accents in DROP_ACCENTS languages."""
    if language not in DROP_ACCENTS:
        return word
    letters = unicodedata.normalize('NFD', word)
    return unicodedata.normalize('NFC', ''.join(c for c in letters if not unicodedata.combining(c)))


class TextMaker:
    """Draws lines of text from one language's words; seeded by the caller's generator."""

    def __init__(self, language: str, vocabulary_size: int, writable: frozenset):
        self.language = language
        self.words, self._cumulative = load_words(language, vocabulary_size, writable)
        letters = sorted(set(''.join(self.words)) - {"'"})
        self.capitals = ''.join(c for c in (c.upper() for c in letters)
                                if len(c) == 1 and c in writable and c.isupper())
        marks = set(''.join(AFTER_WORD) + ''.join(a + b for a, b in WRAP) + ''.join(JOIN)
                    + '0123456789%#.')
        missing = marks - writable - {' '}
        if missing:
            raise ValueError(f'the chosen faces cannot write {"".join(sorted(missing))!r}')
        self.characters = ''.join(sorted(set(''.join(self.words)) | set(self.capitals)
                                         | marks | {' '}))

    def line(self, rng: np.random.Generator, count: int) -> str:
        """A line of `count` tokens (words or numbers) with their punctuation."""
        picks = np.searchsorted(self._cumulative, rng.random(count), side='right').tolist()
        # one row of draws per token, always used; as Python floats, which compare faster
        kinds = rng.random((count, 6)).tolist()
        text = []
        capital = kinds[0][0] < SENTENCE_START
        for k in range(count):
            draws = kinds[k]
            token = self._token(rng, draws, self.words[min(picks[k], len(self.words) - 1)],
                                capital)
            for (left, right), p in WRAP.items():
                if draws[3] < p:
                    token = left + token + right
                    break
                draws[3] -= p
            token += _pick(AFTER_WORD, draws[4]) if k + 1 < count else ''
            join = _pick(JOIN, draws[5]) or ' ' if k + 1 < count else ''
            text.append(token + join)
            capital = token[-1] in SENTENCE_END
        if rng.random() < LINE_END and text[-1][-1].isalnum():
            text[-1] += '.'
        return ''.join(text)

    def _token(self, rng, draws, word: str, capital: bool) -> str:
        if draws[1] < NUMBER:
            return _number(rng)
        if draws[1] < NUMBER + ACRONYM and self.capitals:
            return ''.join(rng.choice(list(self.capitals), rng.integers(2, 5)))
        if self.language == 'en' and (word == 'i' or word.startswith("i'")):
            return 'I' + word[1:]
        if capital or draws[2] < NAME:
            return word[0].upper() + word[1:]
        return word


def _pick(table: dict, draw: float) -> str:
    """The key whose slice of [0, 1) holds `draw`, or '' past the listed probabilities."""
    for key, p in table.items():
        if draw < p:
            return key
        draw -= p
    return ''


def _number(rng) -> str:
    kind = rng.random()
    if kind < 0.35:
        return str(rng.integers(1, 100))
    if kind < 0.55:
        return str(rng.integers(100, 10000))
    if kind < 0.75:
        return str(rng.integers(1900, 2030))
    if kind < 0.85:
        return f'{rng.integers(0, 100)}.{rng.integers(0, 10)}'
    if kind < 0.95:
        return f'{rng.integers(1, 100)}%'
    return f'#{rng.integers(1, 100)}'
