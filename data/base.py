"""Where raw handwriting comes from: the one class a user implements.

Raw handwriting is a list of strokes; a stroke is a list of (x, y, t) points, x to the
right, y down, t in seconds. Any numeric types are accepted; `validate_handwriting` turns
them into float64 arrays and says exactly what is wrong when it cannot.
"""
from dataclasses import dataclass
from typing import Iterator, List, Optional

import numpy as np

MIN_POINTS = 2  # a line needs at least one pen movement to carry any information
# Largest magnitude of a coordinate or time any reader accepts: far beyond real ink (ns
# since 1970 are about 2e18), small enough that differences, ranges and their squares
# stay finite in every later step.
MAX_MAGNITUDE = 1e100
SPLITS = ('train', 'validation', 'test')  # the splits of a data set, as compiled


class BadExample(ValueError):
    """An example that cannot be used. The message names the example; `reason` is short
    and free of numbers, so that compile.py can count examples by reason."""

    def __init__(self, example_id, reason, detail=''):
        self.example_id, self.reason = example_id, reason
        super().__init__(f'example {example_id}: {reason}' + (f' ({detail})' if detail else ''))


@dataclass
class Example:
    """One labelled line. `split` (one of SPLITS) is set by sources that know the benchmark
    split."""
    id: str
    strokes: list
    text: str
    split: Optional[str] = None


class BaseSource:
    """Subclass this to feed your own handwriting to compile.py.

    Implement `__init__` (taking the number of examples first), `get_sequences()`, a
    generator of `(strokes, text)` pairs, and `__len__`. Sources that have stable line ids
    or a fixed benchmark split may also override `get_examples()`.
    """

    def get_sequences(self) -> Iterator:
        raise NotImplementedError(f'{type(self).__name__} must implement get_sequences()')

    def __len__(self) -> int:
        raise NotImplementedError(f'{type(self).__name__} must implement __len__()')

    def get_examples(self) -> Iterator[Example]:
        """Yield `Example`s; by default numbers the pairs from `get_sequences()`."""
        for i, pair in enumerate(self.get_sequences()):
            try:
                strokes, text = pair
            except (TypeError, ValueError):
                raise BadExample(i, 'get_sequences() must yield (strokes, text) pairs',
                                 f'got {type(pair).__name__}') from None
            yield Example(str(i), strokes, text)

    def options(self) -> dict:
        """The options this source was made with, recorded in the data set's meta.json."""
        return {}

    def report(self) -> dict:
        """Counts of what the source itself passed over, recorded in meta.json after a run."""
        return {}


def validate_handwriting(strokes, example_id='?') -> List[np.ndarray]:
    """Return the strokes as float64 arrays of shape (n, 3), or raise BadExample."""
    if _well_formed(strokes):
        return list(strokes)
    if strokes is not None and not hasattr(strokes, '__len__'):
        raise BadExample(example_id, 'handwriting is not a list of strokes',
                         type(strokes).__name__)
    if strokes is None or len(strokes) == 0:
        raise BadExample(example_id, 'empty handwriting', 'no strokes')
    arrays = []
    for s, stroke in enumerate(strokes):
        if stroke is not None and not hasattr(stroke, '__len__'):
            raise BadExample(example_id, 'stroke is not a list of (x, y, t) points',
                             f'stroke {s} is a {type(stroke).__name__}')
        if stroke is None or len(stroke) == 0:
            raise BadExample(example_id, 'empty stroke', f'stroke {s}')
        try:
            a = np.asarray(stroke, dtype=np.float64)
        except (TypeError, ValueError):
            raise BadExample(example_id, 'non-numeric values',
                             f'stroke {s}, first point {shorten(repr(stroke[0]))}') from None
        except OverflowError:  # an int beyond any float
            raise BadExample(example_id, 'numbers out of range',
                             f'stroke {s}: a value beyond ±{MAX_MAGNITUDE:g}') from None
        if a.ndim != 2 or a.shape[1] != 3:
            raise BadExample(example_id, 'stroke is not a list of (x, y, t) points',
                             f'stroke {s} has shape {a.shape}')
        if not np.isfinite(a).all():
            bad = int(np.argwhere(~np.isfinite(a))[0][0])
            raise BadExample(example_id, 'NaN or inf in the points',
                             f'stroke {s}, point {bad}: {tuple(a[bad].tolist())}')
        if not np.abs(a).max() <= MAX_MAGNITUDE:
            bad = int(np.argwhere(np.abs(a) > MAX_MAGNITUDE)[0][0])
            raise BadExample(example_id, 'numbers out of range',
                             f'stroke {s}, point {bad}: {tuple(a[bad].tolist())}, beyond '
                             f'±{MAX_MAGNITUDE:g}')
        arrays.append(a)
    total = sum(len(a) for a in arrays)
    if total < MIN_POINTS:
        raise BadExample(example_id, 'too few points', f'{total}; at least {MIN_POINTS} needed')
    return arrays


def _well_formed(strokes) -> bool:
    """Whether strokes are already what validate_handwriting returns (a list of non-empty
    float64 (n, 3) arrays of values within ±MAX_MAGNITUDE, MIN_POINTS in all), checked in
    one pass: sources such as the synthetic one give exactly that, a thousand lines a
    second. NaN fails the <= as it fails every comparison. Anything else takes the slow
    path, which says what is wrong."""
    if type(strokes) is not list or not strokes:
        return False
    total = 0
    for a in strokes:
        if type(a) is not np.ndarray or a.dtype != np.float64 or a.ndim != 2 \
                or a.shape[1] != 3 or not len(a):
            return False
        total += len(a)
    return total >= MIN_POINTS and bool(np.abs(np.concatenate(strokes)).max() <= MAX_MAGNITUDE)


def shorten(text: str, limit=60) -> str:
    """A text for a message, cut to about `limit` characters."""
    return text if len(text) <= limit else f'{text[:limit]}... ({len(text)} characters)'


def validate_text(text, example_id='?') -> str:
    if not isinstance(text, str):
        raise BadExample(example_id, 'text is not a str', type(text).__name__)
    if not text.strip():
        raise BadExample(example_id, 'empty text')
    return text
