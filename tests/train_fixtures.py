"""A tiny compiled data set for training tests: each character is drawn as its own simple
shape, so a small network can tell them apart, and a set compiles in well under a second.
"""
import numpy as np

from data.base import BaseSource
from data.compiling import compile_dataset
from data.preprocessing import Pipeline

ALPHABET = 'abcd'


def _glyph(char, x0, t0):
    """One stroke (n, 3) for `char`, starting at x0, time t0 (seconds)."""
    k = ALPHABET.index(char)
    angle = np.linspace(0, 2 * np.pi * (k + 1) / len(ALPHABET), 6 + 3 * k)
    x = x0 + 0.5 + 0.4 * np.cos(angle) + 0.1 * k * np.sin(3 * angle)
    y = 0.5 + (0.4 - 0.05 * k) * np.sin(angle)
    t = t0 + 0.01 * np.arange(len(angle))
    return np.stack([x, y, t], axis=1)


class GlyphSource(BaseSource):
    """Random words over ALPHABET, one stroke per character."""

    def __init__(self, num_examples, seed=0, max_chars=6, alphabet=ALPHABET):
        self.num_examples, self.seed, self.max_chars = num_examples, seed, max_chars
        self.alphabet = alphabet

    def __len__(self):
        return self.num_examples

    def get_sequences(self):
        rng = np.random.default_rng(self.seed)
        for _ in range(self.num_examples):
            n = int(rng.integers(2, self.max_chars + 1))
            text = ''.join(rng.choice(list(self.alphabet), n))
            yield [_glyph(c, i, i * 0.2) for i, c in enumerate(text)], text

    def options(self):
        return {'seed': self.seed, 'max_chars': self.max_chars, 'alphabet': self.alphabet}


def make_dataset(folder, num_examples=48, seed=0, alphabet=ALPHABET):
    """Compile a GlyphSource set into `folder` (validation 25%, test 0%); returns `folder`.
    Another `alphabet` (a subset of ALPHABET) gives a set with another character table."""
    source = GlyphSource(num_examples, seed, alphabet=alphabet)
    compile_dataset(source, Pipeline.named('default'), str(folder), seed=seed,
                    fractions=(0.25, 0.0), progress=False)
    return str(folder)
