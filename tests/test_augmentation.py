"""Training-time distortion of the ink: what it does to the features, that it is seeded,
and that a resumed run with --augment still equals an uninterrupted one bit for bit."""
import os
import subprocess
import sys

import numpy as np
import pytest

import train
from data.base import validate_handwriting
from data.preprocessing import Pipeline, strokes_to_points
from models.training.augmentation import (NO_AUGMENTATION, WARP_PERIOD, Augmentation,
                                          Distorter)
from models.training.checkpoints import Checkpoint, checkpoint_paths
from models.training.resume import checkpoints_dir
from train_fixtures import make_dataset

TRAIN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'train.py')
MEAN, STD = np.array([0.3, -0.1, 0.02]), np.array([0.8, 1.2, 0.05])


def features(rng, n=30):
    raw = rng.normal(size=(n, 3)) * [0.5, 0.5, 0.01]
    f = np.zeros((n, 4), np.float32)
    f[:, :3] = (raw - MEAN) / STD
    f[::7, 3] = 1.0
    return f, raw


def test_no_augmentation_changes_nothing():
    rng = np.random.default_rng(0)
    lines = [features(rng)[0] for _ in range(3)]
    out = Distorter(NO_AUGMENTATION, MEAN, STD)(lines, np.random.default_rng(1))
    for a, b in zip(lines, out):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_distortion_is_one_affine_map_of_the_pen_movements_per_line():
    rng = np.random.default_rng(0)
    f, raw = features(rng)
    augmentation = Augmentation(scale=0.2, aspect=0.1, shear=0.4, rotation=5.0, speed=0.3)
    (out,) = Distorter(augmentation, MEAN, STD)([f], np.random.default_rng(5))
    moved = out[:, :3].astype(np.float64) * STD + MEAN
    # recover the map from the movements: least squares fits it exactly if it is linear
    m, *_ = np.linalg.lstsq(raw[:, :2], moved[:, :2], rcond=None)
    np.testing.assert_allclose(raw[:, :2] @ m, moved[:, :2], atol=1e-5)
    speed = moved[:, 2] / raw[:, 2]
    np.testing.assert_allclose(speed, speed[0], rtol=1e-3)
    assert 0.7 <= speed[0] <= 1.3 and not np.allclose(m, np.eye(2), atol=1e-3)
    np.testing.assert_array_equal(out[:, 3], f[:, 3])  # stroke starts stay where they were
    assert out.dtype == np.float32


def test_the_height_column_moves_with_the_ink_and_stays_centred():
    rng = np.random.default_rng(0)
    f, raw = features(rng)
    y = np.cumsum(raw[:, 1])
    y -= (y.max() + y.min()) / 2
    with_height = np.concatenate([f, y[:, None].astype(np.float32)], axis=1)
    augmentation = Augmentation(scale=0.2, aspect=0.1, shear=0.4, rotation=5.0, speed=0.3)
    (out,) = Distorter(augmentation, MEAN, STD)([with_height], np.random.default_rng(5))
    (plain,) = Distorter(augmentation, MEAN, STD)([f], np.random.default_rng(5))
    np.testing.assert_array_equal(out[:, :4], plain)  # the same draw for the movements
    moved = out[:, :3].astype(np.float64) * STD + MEAN
    # the new height is the distorted ink's y: it rises by the distorted dy, frame to frame
    np.testing.assert_allclose(np.diff(out[:, 4]), moved[1:, 1], atol=1e-5)
    assert out[:, 4].max() == pytest.approx(-out[:, 4].min(), abs=1e-5)
    assert not np.allclose(out[:, 4], y, atol=1e-3)


def test_same_seed_same_distortion_other_seed_other():
    rng = np.random.default_rng(0)
    lines = [features(rng)[0] for _ in range(4)]
    distort = Distorter(Augmentation(), MEAN, STD)
    a = distort(lines, np.random.default_rng([3, 1, 1]))
    b = distort(lines, np.random.default_rng([3, 1, 1]))
    c = distort(lines, np.random.default_rng([3, 2, 1]))
    for x, y, z in zip(a, b, c):
        np.testing.assert_array_equal(x, y)
        assert not np.allclose(x, z)


def test_shear_of_the_ink_equals_shear_of_its_features():
    """Distorting features equals distorting the raw ink and pre-processing it, as long as
    resampling keeps the same points (no resample step here)."""
    pipeline = Pipeline.from_json({'steps': [{'name': 'offsets'}, {
        'name': 'standardize', 'params': {'mean': MEAN.tolist(), 'std': STD.tolist()}}]})
    strokes = validate_handwriting([[(0, 0, 0), (1, 2, 0.1), (3, 1, 0.2)], [(4, 4, 0.5),
                                                                         (5, 0, 0.6)]])
    shear = Augmentation(scale=0, aspect=0, shear=0.5, rotation=0, speed=0)
    rng = np.random.default_rng(2)
    (out,) = Distorter.for_pipeline(shear, pipeline)([pipeline(strokes)], rng)
    maps, _ = shear.matrices(np.random.default_rng(2), 1)  # the map drawn for the line
    k = maps[0, 0, 1]
    np.testing.assert_allclose(maps[0], [[1, k], [0, 1]])
    assert k != 0
    sheared = [s.copy() for s in strokes]
    for s in sheared:
        s[:, 0] += k * s[:, 1]
    expected = pipeline.run(strokes_to_points(sheared))
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_the_drift_is_smooth_within_its_ranges_and_varies_along_the_line():
    warp = Augmentation(0.0, 0.0, 0.0, 0.0, 0.0, warp=2.0)
    maps = warp.drift(np.random.default_rng(4), 10 * WARP_PERIOD)
    steps = np.abs(np.diff(maps, axis=0)).max()
    # a straight segment between control points: no step is larger than a full swing of
    # the largest range (size at warp 2: 0.2 either way, composed) over one period
    assert steps < 2 * 0.5 / WARP_PERIOD
    assert np.abs(maps[0] - maps[5 * WARP_PERIOD]).max() > 10 * steps  # it does drift
    size = np.sqrt(np.abs(np.linalg.det(maps)))
    assert 0.8 * 0.8 < size.min() and size.max() < 1.2 * 1.2


def test_a_warped_line_keeps_its_height_column_on_the_ink():
    rng = np.random.default_rng(0)
    f, raw = features(rng, n=200)
    y = np.cumsum(raw[:, 1])
    with_height = np.concatenate([f, (y - (y.max() + y.min()) / 2)[:, None]], axis=1)
    warp = Augmentation(0.0, 0.0, 0.0, 0.0, 0.0, warp=1.0)
    (out,) = Distorter(warp, MEAN, STD)([with_height.astype(np.float32)],
                                        np.random.default_rng(5))
    moved = out[:, :3].astype(np.float64) * STD + MEAN
    np.testing.assert_allclose(np.diff(out[:, 4]), moved[1:, 1], atol=1e-4)
    np.testing.assert_allclose(moved[:, 2], raw[:, 2], atol=1e-6)  # the clock is left alone
    # no single map takes the raw movements to the warped ones
    m, *_ = np.linalg.lstsq(raw[:, :2], moved[:, :2], rcond=None)
    assert np.abs(raw[:, :2] @ m - moved[:, :2]).max() > 1e-3


def test_needs_a_fitted_standardize_step():
    with pytest.raises(ValueError, match='standardize'):
        Distorter.for_pipeline(Augmentation(), Pipeline.named('default'))


@pytest.mark.slow
@pytest.mark.parametrize('knob', ['augment', 'warp'])
def test_resumed_augmented_training_equals_straight(tmp_path, knob):
    glyphs = make_dataset(tmp_path / 'glyphs', num_examples=32)
    options = ['--dataset', glyphs, '--layers', '1', '--units', '8', '--batch_size', '8',
               '--no-progress', '--show', '0', f'--{knob}', '1', '--seed', '2']
    train.main([*options, '--weights_dir', str(tmp_path / 'a'), '--epochs', '2'])
    train.main([*options, '--weights_dir', str(tmp_path / 'b'), '--epochs', '1'])
    train.main([*options, '--weights_dir', str(tmp_path / 'b'), '--epochs', '2'])
    train.main([*options, '--weights_dir', str(tmp_path / 'c'), '--epochs', '2',
                f'--{knob}', '0'])
    a, b, c = (Checkpoint.read(checkpoint_paths(checkpoints_dir(tmp_path / k / 'glyphs-1x8'))[0])
               for k in 'abc')
    assert a.recipe[knob] == 1
    for kind in ('model', 'optimizer'):  # {variable name: array}
        assert getattr(a, kind).keys() == getattr(b, kind).keys()
        for name in getattr(a, kind):
            np.testing.assert_array_equal(getattr(a, kind)[name], getattr(b, kind)[name])
    assert any(not np.array_equal(a.model[name], c.model[name]) for name in a.model)  # it did act


@pytest.mark.slow
def test_one_thread_trains_like_the_default(tmp_path):
    """--threads 1 (for a shared machine) trains the same arithmetic as TensorFlow's default
    thread pools, to float rounding; each run in its own process, as TensorFlow fixes its
    threads when it starts (the two at once, so that their start-ups overlap)."""
    glyphs = make_dataset(tmp_path / 'glyphs', num_examples=24)
    options = ['--dataset', glyphs, '--layers', '1', '--units', '8', '--batch_size', '8',
               '--no-progress', '--show', '0', '--epochs', '1']
    processes = [subprocess.Popen([sys.executable, TRAIN, *options, '--weights_dir',
                                   str(tmp_path / folder), *threads],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for folder, threads in (('a', []), ('b', ['--threads', '1']))]
    for process in processes:
        output = process.communicate(timeout=600)[0]
        assert process.returncode == 0, output[-3000:]
    a, b = (Checkpoint.read(checkpoint_paths(checkpoints_dir(tmp_path / k / 'glyphs-1x8'))[0])
            for k in 'ab')
    for name in a.model:
        np.testing.assert_allclose(a.model[name], b.model[name], atol=1e-5)
