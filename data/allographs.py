"""Letter shapes people write that the faces lack: hand-designed single-line allographs.

Why they exist: a model trained on the faces alone reads real whiteboard lines (IAM-OnDB)
worst at exactly the letters whose handwritten shapes no face draws (docs/synthetic-source.md,
"Zero-shot"):
t (one down stroke and a bar added late, or a looped cursive t), d (an a-bowl and a tall
stem in one stroke, without lifting the pen), o and a (open or closed at the top, round
either way, the a's stem retraced), and capitals (print capitals in people's stroke order,
where the faces draw script flourishes or their own order); and, as print writers make
them, the letters of stems, arches and bowls (n, m, h, r, u, b), whose stem the pen goes
back up to start the arch or the bowl. The shapes were drawn from looking at real lines
and checked by rendering (`render_synthetic.py --allographs 1`).

`SyntheticSource(..., allographs=share)` lets a writer use them: for each letter below, with
probability `share`, the line's writer writes it in one of its shapes (picked at random,
then kept for the whole line, as a person keeps a habit) instead of the face's glyph.

Units as in data/glyphs.py: y down, baseline at 0, x-height X_HEIGHT (14); ascenders and
capitals reach 21. A glyph's `body` strokes are written in order; its `accents` (t-bars,
crossbars) after the word, or right after the letter with `accents_in_place`.
"""
import functools
from typing import Dict, Tuple

import numpy as np

from data.glyphs import X_HEIGHT, Glyph, _drop_repeats, cut_corners

SIDE_BEARING = 3.0    # common units between a shape's rightmost ink and its advance
CAP = 21.0            # common units: the height of capitals and ascenders
BOWL = (8.0, -X_HEIGHT / 2, 6.0, X_HEIGHT / 2)   # centre x, y and radii of a, d, o, c, e


def _arc(cx, cy, rx, ry, start, end) -> np.ndarray:
    """An elliptic arc, angles in degrees counterclockwise as seen on the page (y is down,
    so 90 is the top); one point every 20 degrees, as dense as the faces' bowls."""
    a = np.radians(np.linspace(start, end, max(2, int(abs(end - start) / 20) + 1)))
    return np.stack([cx + rx * np.cos(a), cy - ry * np.sin(a)], axis=1)


def _bowl(start, end) -> np.ndarray:
    return _arc(*BOWL, start, end)


def _curve(*points) -> np.ndarray:
    """A smooth curve near the polygon through `points`: two passes of Chaikin's corner
    cutting, the ends kept (`_glyph_arrays` adds a third to every glyph)."""
    return cut_corners(cut_corners(np.array(points, dtype=np.float64)))


def _path(*pieces) -> np.ndarray:
    """One pen-down stroke through pieces: (x, y) points and arrays of points."""
    points = [np.atleast_2d(np.asarray(p, dtype=np.float64)) for p in pieces]
    return _drop_repeats(np.concatenate(points))


def _sharp(stroke: np.ndarray) -> np.ndarray:
    """Points half a unit either side of every corner (a turn of more than 45 degrees), so
    that the corner cutting every glyph gets (glyphs.cut_corners) rounds it by a
    fraction of a unit, not by a quarter of its segments (which takes a fifth off a
    retraced stem and the tip off an A). Curves keep their points as they are."""
    d = np.diff(stroke, axis=0)
    length = np.hypot(*d.T)
    cos = np.einsum('ij,ij->i', d[:-1], d[1:]) / np.maximum(length[:-1] * length[1:], 1e-9)
    corner = np.zeros(len(stroke), bool)
    corner[1:-1] = cos < np.cos(np.radians(45))
    at = np.flatnonzero(corner)
    copies = np.where(corner, 3, 1)                 # a corner becomes before, it, after
    points = np.repeat(stroke, copies, axis=0)
    first = np.cumsum(copies)[at] - 3
    points[first] -= d[at - 1] * np.minimum(0.5 / length[at - 1], 0.25)[:, None]
    points[first + 2] += d[at] * np.minimum(0.5 / length[at], 0.25)[:, None]
    return points


def _glyph(body, accents=()) -> Glyph:
    body, accents = tuple(map(_sharp, body)), tuple(map(_sharp, accents))
    advance = max(float(s[:, 0].max()) for s in body + accents) + SIDE_BEARING
    return Glyph(body, accents, advance, body[0][0], body[-1][-1] - (advance, 0.0), True)


def _lower_case() -> Dict[str, Tuple[Glyph, ...]]:
    stem = BOWL[0] + BOWL[2]                 # x of the stem of a and d: the bowl's right
    right = (stem, BOWL[1])                  # where a round bowl comes back up
    return {
        'a': (_glyph([_path(_bowl(40, 360), (stem, -X_HEIGHT), (stem, -1), (stem + 1.5, 0))]),
              _glyph([_path(_bowl(75, 345), (stem, -X_HEIGHT + 1.5), (stem, -0.5))]),
              _glyph([_bowl(30, 400), _path((stem, -X_HEIGHT), (stem, 0))])),
        'd': (_glyph([_path(_bowl(40, 360), right, (stem, -CAP), (stem, -1), (stem + 1.5, 0))]),
              _glyph([_bowl(30, 400), _path((stem, -CAP), (stem, 0))]),
              _glyph([_path(_bowl(40, 360), _curve(right, (stem + 1.5, -17), (stem, -CAP),
                                                      (stem - 2, -19), (stem - 0.5, -6),
                                                      (stem, 0), (stem + 2, -0.5)))])),
        'o': (_glyph([_bowl(80, 460)]),
              _glyph([_bowl(100, -270)]),
              _glyph([_bowl(70, 400)]),
              _glyph([_path(_bowl(60, 440), _curve((11, -12.5), (13, -13.5), (16, -13)))])),
        'c': (_glyph([_bowl(50, 320)]),
              _glyph([_path(_curve((12, -10), (13.5, -12.5), (11, -14)), _bowl(100, 315))])),
        'e': (_glyph([_path((2.5, -7), (14, -7), _bowl(0, 320))]),
              _glyph([_curve((2, -4), (9, -6), (14, -10), (12, -14), (6, -14), (2, -9),
                             (3, -1), (9, 0), (14, -2.5))])),
        't': (_glyph([_curve((4, -19), (4, -2), (5, 0), (8, -1))], [_path((1, -13), (9, -13))]),
              _glyph([_path((4, -19), (4, 0))], [_path((0.5, -13), (8, -14))]),
              _glyph([_path((1, -13), (9, -13)), _path((5, -19), (5, 0))]),
              _glyph([_path(_curve((1, -1), (3, -9), (5, -19)),
                            _curve((4.5, -19), (4, -3), (5.5, 0), (8.5, -1.5)))],
                     [_path((1, -12.5), (9, -13))])),
    }


def _arch(left, right) -> np.ndarray:
    """The arch of n, m and h: from its stem at x = left, over the x-height, down at x =
    right to the baseline."""
    return _curve((left, -8), (left + 1.5, -13.5), (left + 5, -14.5), (right, -11),
                  (right, -5), (right, 0))


def _stems_and_bowls() -> Dict[str, Tuple[Glyph, ...]]:
    """Letters of stems, arches and bowls as print writers make them in one stroke: the
    pen goes down a stem and back up it (a retrace) to start the arch or the bowl."""
    x, asc = X_HEIGHT, CAP
    return {
        'n': (_glyph([_path((2, -x), (2, 0), (2, -7), _arch(2, 12))]),),
        'm': (_glyph([_path((2, -x), (2, 0), (2, -7), _arch(2, 10), (10, -7),
                            _arch(10, 18))]),),
        'h': (_glyph([_path((2, -asc), (2, 0), (2, -7), _arch(2, 12))]),
              _glyph([_path(_curve((0, -2), (4, -12), (6, -19), (4, -asc), (2, -18), (2, 0)),
                            (2, -7), _arch(2, 12))])),
        'r': (_glyph([_path((2, -x), (2, 0), (2, -8),
                            _curve((2, -8), (4, -13), (7, -14.5), (11, -13)))]),),
        'u': (_glyph([_path((2, -x), _curve((2, -5), (3, 0), (10, 0), (12, -5)), (12, -x),
                            (12, -1), (13.5, 0))]),),
        'b': (_glyph([_path((2, -asc), (2, 0), (2, -7),
                            _curve((2, -7), (6, -14), (11, -13), (13, -7), (10, 0), (2, -1)))]),),
        'l': (_glyph([_path((3, -asc), (3, 0))]),
              _glyph([_curve((0, -2), (4, -12), (6, -19), (4, -asc), (2, -18), (2.5, -4),
                             (4, 0), (7, -1))])),
        'g': (_glyph([_path(_bowl(40, 360), (14, -x), (14, 5),
                            _curve((14, 5), (12, 8.5), (6, 8.5), (3, 5)))]),),
        'f': (_glyph([_path(_curve((12, -19), (10, -asc), (7, -20), (6, -16)), (6, 0))],
                     [_path((2, -13), (11, -13))]),),
        'y': (_glyph([_path((2, -x), (7, 0)), _path((12, -x), (7, 0), (4, 8))]),
              _glyph([_path((2, -x), _curve((2, -5), (3, 0), (10, 0), (12, -5)), (12, -x),
                            (12, 5), _curve((12, 5), (10, 8.5), (5, 8.5), (2, 5)))])),
        's': (_glyph([_curve((11, -12), (9, -14), (4, -13.5), (3, -10), (7, -7), (11, -4),
                             (9, 0), (4, 0), (2, -2))]),),
        'k': (_glyph([_path((2, -asc), (2, 0)), _path((11, -x), (2.5, -6), (11, 0))]),),
    }


def _capitals() -> Dict[str, Tuple[Glyph, ...]]:
    """Print capitals as people write them: stems downwards, a stem before what hangs on
    it, a crossbar last; a letter that can be drawn in one go (M, N, W, L, S) in one go.
    M and T also as many writers of IAM-OnDB's "Mr ." and "The" write them: M's left stem
    down first (then a second stroke, or back up it), T's stem before its bar."""
    c, top, mid = CAP / 2, -CAP, -CAP / 2
    bumps = ((2, top), (9, -20.5), (12, -16.5), (9, -11.5), (2.5, -11))
    return {
        'A': (_glyph([_path((2, 0), (9, top), (16, 0))], [_path((5, -8), (13, -8))]),),
        'B': (_glyph([_path((2, top), (2, 0)),
                      _curve(*bumps, (10, -10.5), (13, -5.5), (10, -0.5), (2, 0))]),),
        'C': (_glyph([_arc(10, -c, 8, c, 50, 310)]),),
        'D': (_glyph([_path((2, top), (2, 0)),
                      _curve((2, top), (11, -19), (14, mid), (11, -2), (2, 0))]),),
        'E': (_glyph([_path((13, top), (2, top), (2, 0), (13, 0))],
                     [_path((2, mid), (11, mid))]),),
        'F': (_glyph([_path((13, top), (2, top), (2, 0))], [_path((2, mid), (11, mid))]),),
        'G': (_glyph([_path(_arc(10, -c, 8, c, 50, 360), (12, mid))]),),
        'H': (_glyph([_path((2, top), (2, 0)), _path((14, top), (14, 0))],
                     [_path((2, mid), (14, mid))]),),
        'I': (_glyph([_path((3, top), (3, 0))]),),
        'J': (_glyph([_path((11, top), _curve((11, -5), (10, 0), (4, 0), (2, -4)))]),),
        'K': (_glyph([_path((2, top), (2, 0)), _path((13, top), (2.5, -9), (13, 0))]),),
        'L': (_glyph([_path((2, top), (2, 0), (12, 0))]),),
        'M': (_glyph([_path((2, 0), (2, top), (10, -6), (18, top), (18, 0))]),
              _glyph([_path((2, top), (2, 0)), _path((2, top), (10, -6), (18, top), (18, 0))]),
              _glyph([_path((2, top), (2, 0), (2, top), (10, -6), (18, top), (18, 0))])),
        'N': (_glyph([_path((2, 0), (2, top), (15, 0), (15, top))]),),
        'O': (_glyph([_arc(10, -c, 8, c, 90, 460)]),),
        'P': (_glyph([_path((2, top), (2, 0)), _curve(*bumps)]),),
        'R': (_glyph([_path((2, top), (2, 0)), _path(_curve(*bumps), (13, 0))]),),
        'S': (_glyph([_curve((13, -18), (9, top), (3, -20), (2, -15), (7, -11), (13, -7),
                             (12, -1), (6, 0), (1.5, -3))]),),
        'T': (_glyph([_path((1, top), (15, top)), _path((8, top), (8, 0))]),
              _glyph([_path((8, top), (8, 0))], [_path((1, top), (15, top))])),
        'U': (_glyph([_path((2, top), _curve((2, -6), (3, 0), (12, 0), (14, -6)), (14, top))]),),
        'V': (_glyph([_path((2, top), (9, 0), (16, top))]),),
        'W': (_glyph([_path((2, top), (6, 0), (11, -15), (16, 0), (20, top))]),),
        'Y': (_glyph([_path((2, top), (8, -10)), _path((14, top), (8, -10), (8, 0))]),),
    }


@functools.lru_cache(maxsize=None)
def shapes() -> Dict[str, Tuple[Glyph, ...]]:
    """{letter: its allographs}, built once."""
    return {**_lower_case(), **_stems_and_bowls(), **_capitals()}


@functools.lru_cache(maxsize=None)
def _shape_counts() -> Tuple[Tuple[str, ...], Tuple[int, ...]]:
    """The letters that have allographs, and how many each has."""
    return tuple(shapes()), tuple(len(s) for s in shapes().values())


def pick(rng, share: float) -> Dict[str, int]:
    """One writer's habits: {letter: which of its shapes} for the letters this writer
    writes in an allograph, each with probability `share`. Two draws of the generator,
    read as Python floats (each line calls this: numpy scalars cost more than the draws)."""
    letters, counts = _shape_counts()
    use, which = rng.random((2, len(letters))).tolist()
    return {c: int(k * n) for c, u, k, n in zip(letters, use, which, counts) if u < share}
