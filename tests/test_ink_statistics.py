"""studies/ink_statistics.py's count of small strokes written late, on hand-made ink and
on the synthetic source with and without its accents_in_place option."""
import numpy as np

from studies.ink_statistics import small_strokes
from data.synthetic import SyntheticSource


def _stroke(*points):
    return np.array([(x, y, 0.0) for x, y in points])


def test_a_dot_made_after_the_pen_went_on_is_late():
    stem, dot = _stroke((0, 0), (0, -10)), _stroke((0, -14), (0.3, -14))
    word = _stroke((5, 0), (30, 0), (30, -10))
    assert small_strokes([stem, dot, word]) == (1, 0)     # dotted at once
    assert small_strokes([stem, word, dot]) == (1, 1)     # after the word
    assert small_strokes([stem, word]) == (0, 0)


def test_accents_in_place_makes_synthetic_dots_as_real_writers_place_them():
    def late_share(**options):
        source = SyntheticSource(150, seed=4, **options)
        small, late = np.sum([small_strokes(s) for s, _ in source.get_sequences()], axis=0)
        return late / small
    assert late_share() > 0.3 and late_share(accents_in_place=0.95) < 0.1
