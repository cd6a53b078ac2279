"""The hand-designed letter shapes (data/allographs.py) and the synthetic source's
`allographs` option: the shapes people write, mixed in by writer, off by default."""
import hashlib

import numpy as np
import pytest

from data import allographs
from data.glyphs import X_HEIGHT
from data.synthetic import SyntheticSource, _line_rng, layout

# The first 30 lines of SyntheticSource(30, seed=5) as they were before the option existed:
# sha256 of the texts and of each stroke's number of points, and the sums of x, y, t and of
# their squares. (Bit for bit, float64, they were SHA-256 '19ebe93cddd58e2a' on the machine
# that recorded them, through commit f658ece; on another machine (an AMD EPYC without
# AVX-512) the same code wrote other bits (numpy picks its vectorized math by CPU). So
# the counts are recorded there and the coordinates held to a relative 1e-9, far below
# what any other draw, shape or spacing would move.)
DEFAULT_COUNTS = '194e8062c2341389'
DEFAULT_SUMS = [5293135.326105308, -238573.42289004027, 191868.6611550218,
                2692145081.6160493, 8165730.76894105, 3458157.9014697755]


def fingerprint(source):
    """(digest of the texts and point counts, sums of x, y, t and of their squares)."""
    h, sums = hashlib.sha256(), np.zeros(6)
    for strokes, text in source.get_sequences():
        h.update(text.encode())
        for s in strokes:
            points = np.asarray(s, dtype=float)
            h.update(np.int64(len(points)).tobytes())
            sums += np.concatenate([points.sum(0), (points * points).sum(0)])
    return h.hexdigest()[:16], sums


def writes_the_default_lines(source) -> bool:
    counts, sums = fingerprint(source)
    return counts == DEFAULT_COUNTS and np.allclose(sums, DEFAULT_SUMS, rtol=1e-9, atol=0)


def same_lines(a, b):
    return all(ta == tb and len(sa) == len(sb) and all(map(np.array_equal, sa, sb))
               for (sa, ta), (sb, tb) in zip(a.get_sequences(), b.get_sequences()))


def test_default_writes_the_same_lines_as_before_the_option():
    assert writes_the_default_lines(SyntheticSource(30, seed=5))
    assert writes_the_default_lines(SyntheticSource(30, seed=5, allographs=0.0))


def test_allographs_are_deterministic_and_change_shapes_not_text():
    mixed = SyntheticSource(20, seed=5, allographs=0.5)
    assert same_lines(mixed, SyntheticSource(20, seed=5, allographs=0.5))
    default = SyntheticSource(20, seed=5)
    texts = [t for _, t in mixed.get_sequences()]
    assert texts == [t for _, t in default.get_sequences()]
    assert not same_lines(mixed, default)
    assert not writes_the_default_lines(SyntheticSource(30, seed=5, allographs=1.0))


def test_pick_keeps_a_shape_per_letter_with_the_given_chance():
    every = allographs.pick(np.random.default_rng(0), 1.0)
    assert set(every) == set(allographs.shapes())
    assert all(0 <= k < len(allographs.shapes()[c]) for c, k in every.items())
    assert allographs.pick(np.random.default_rng(0), 0.0) == {}
    counts = [len(allographs.pick(_line_rng(1, i), 0.3)) for i in range(200)]
    assert np.mean(counts) == pytest.approx(0.3 * len(every), rel=0.15)


def test_shapes_sit_on_the_baseline_at_the_common_size():
    for char, glyphs in allographs.shapes().items():
        tall = char.isupper() or char in 'bdfhkl'
        top = -allographs.CAP if tall else -19.0 if char == 't' else -X_HEIGHT
        bottom = 8.0 if char in 'gy' else 0.0
        for glyph in glyphs:
            y = np.concatenate(glyph.body + glyph.accents)[:, 1]
            assert y.min() == pytest.approx(top, abs=1.0), char
            assert y.max() == pytest.approx(bottom, abs=1.0), char
            assert glyph.advance > np.concatenate(glyph.body)[:, 0].max()


def test_a_line_writes_the_allograph_in_place_of_the_faces_glyph():
    face = layout('futural', ['dot'], print_order=True)
    shaped = layout('futural', ['dot'], print_order=True, shapes={'d': 0, 't': 0})
    d = shaped.points[shaped.char == 0]
    # the d as a bowl and a tall stem in one pen-down stroke, which the face writes in two
    assert len(set(shaped.stroke[shaped.char == 0])) == 1
    assert len(set(face.stroke[face.char == 0])) == 2
    assert d[:, 1].min() < -20                                   # a tall stem
    top = np.argmin(d[:, 1])
    assert d[:top, 0].min() < d[top, 0] - 10                     # the bowl before it
    # the t: its stem in the body, its bar added after the word
    assert shaped.accent[-1] and set(shaped.char[shaped.accent]) == {2}
    assert np.array_equal(shaped.points[shaped.char == 1], face.points[face.char == 1])


def test_cursive_letters_join_an_allograph_whose_exit_meets_them():
    joined = layout('cursive', ['on'], shapes={'o': 3})     # the o with a tail at its top
    lifted = layout('cursive', ['on'], shapes={'o': 0})     # the closed o, ending at its top
    for line, link in ((joined, True), (lifted, False)):
        o, n = line.stroke[line.char == 0], line.stroke[line.char == 1]
        assert (n[0] == o[-1]) == link and line.link.any() == link
