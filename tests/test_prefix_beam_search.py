"""CTC prefix beam search against the definition: every alignment of a small matrix
enumerated, its probability added to the text it collapses to."""
import itertools

import numpy as np
import pytest

from algorithms.best_path import best_path_decode
from algorithms.prefix_beam_search import prefix_beam_search


def text_probabilities(probabilities) -> dict:
    """{labelling: P(labelling)} by summing over all C^T alignments."""
    totals = {}
    frames, classes = probabilities.shape
    for path in itertools.product(range(classes), repeat=frames):
        collapsed = tuple(c for i, c in enumerate(path) if c != 0 and (i == 0 or c != path[i - 1]))
        totals[collapsed] = totals.get(collapsed, 0.0) + np.prod(
            probabilities[np.arange(frames), path])
    return totals


@pytest.mark.parametrize('seed', range(8))
def test_k_best_match_exhaustive_sums(seed):
    rng = np.random.default_rng(seed)
    probabilities = rng.dirichlet(np.ones(3) * 0.7, size=5)  # T = 5, blank + 2 characters
    exact = sorted(text_probabilities(probabilities).items(), key=lambda item: -item[1])
    found = prefix_beam_search(probabilities, beam=64, top=4, min_probability=0)
    assert [tuple(ids) for ids, _ in found] == [text for text, _ in exact[:4]]
    assert np.allclose([np.exp(score) for _, score in found], [p for _, p in exact[:4]])


def test_repeats_need_a_blank_between_them():
    # frames: a, a, blank, a -> "aa" through the blank, "a" by merging; both must be summed
    probabilities = np.array([[0.1, 0.9], [0.1, 0.9], [0.8, 0.2], [0.1, 0.9]])
    found = dict((tuple(ids), np.exp(score)) for ids, score in
                 prefix_beam_search(probabilities, beam=8, top=3))
    exact = text_probabilities(probabilities)
    assert found[(1, 1)] == pytest.approx(exact[(1, 1)])
    assert found[(1,)] == pytest.approx(exact[(1,)])


def test_the_best_text_can_beat_the_best_path():
    # best path: blank (0.4 > 0.3 each); but "a" sums 1 - 0.4^2 - ... over its alignments
    probabilities = np.array([[0.4, 0.3, 0.3], [0.4, 0.3, 0.3]])
    assert best_path_decode(probabilities) == []
    [(ids, _)] = prefix_beam_search(probabilities, beam=8, top=1)
    assert ids in ([1], [2])


def test_bad_arguments():
    with pytest.raises(ValueError, match=r'shape \(T, C\)'):
        prefix_beam_search(np.ones(3))
    with pytest.raises(ValueError, match='top <= beam'):
        prefix_beam_search(np.ones((2, 2)) / 2, beam=2, top=3)
