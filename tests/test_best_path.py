"""Best path decoding on hand-made probability matrices (class 0 = blank)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from algorithms.best_path import best_path_decode, decode_batch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one_hot(classes, num_classes=4):
    """(T, C) matrix whose frame t is certain of classes[t]."""
    return np.eye(num_classes, dtype=np.float32)[classes]


@pytest.mark.parametrize('frames, expected', [
    ([1, 1, 2, 2, 3], [1, 2, 3]),        # repeats merge
    ([1, 0, 1], [1, 1]),                 # a blank separates a doubled letter
    ([0, 0, 0], []),                     # all blank
    ([0, 2, 0, 0, 3, 3, 0], [2, 3]),     # blanks dropped
    ([3], [3]),
])
def test_best_path_on_one_hot_frames(frames, expected):
    assert best_path_decode(one_hot(frames)) == expected


def test_best_path_takes_the_argmax_of_soft_frames():
    probabilities = np.array([[0.1, 0.6, 0.2, 0.1],
                              [0.5, 0.4, 0.05, 0.05],
                              [0.2, 0.3, 0.4, 0.1]], dtype=np.float32)
    assert best_path_decode(probabilities) == [1, 2]


def test_best_path_of_no_frames_is_empty():
    assert best_path_decode(np.zeros((0, 4), np.float32)) == []


def test_decode_batch_ignores_padding_frames():
    batch = np.stack([one_hot([1, 2, 2, 3]),
                      one_hot([3, 0, 3, 1])])  # padding frames of line 2 would add 3, 1
    assert decode_batch(batch, [4, 2]) == [[1, 2, 3], [3]]


def test_shapes_are_checked():
    with pytest.raises(ValueError, match=r'\(T, C\)'):
        best_path_decode(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r'\(B, T, C\)'):
        decode_batch(np.zeros((3, 4)), [3])
    with pytest.raises(ValueError, match='1 lengths for a batch of 2'):
        decode_batch(np.zeros((2, 3, 4)), [3])


def test_a_decoder_imports_without_hdf5_or_the_synthetic_generator():
    """data/__init__.py imports nothing eagerly: the blank comes without h5py."""
    heavy = ('h5py', 'data.synthetic', 'data.dataset_format', 'tensorflow')
    loaded = subprocess.run(
        [sys.executable, '-c', 'import sys, algorithms.best_path; '
         f'print(" ".join(m for m in {heavy!r} if m in sys.modules))'],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
