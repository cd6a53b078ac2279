"""Subsampling (train.py --subsample): the network reads `stride` frames as one.

Held to what the rest of the project relies on: a line's probabilities do not depend on
its batch or on the padding, a saved model still knows its stride, training and validation
count the network's output frames (CTC, decoding), resume stays exact, and the Recognizer
returns ceil(T / stride) frames a line."""
import numpy as np
import pytest

import train
from models.model_folder import read_config
from models.network import build_model, output_lengths, time_stride
from models.recognizer import Recognizer, pad
from test_train import assert_same_training, newest
from train_fixtures import GlyphSource, make_dataset


@pytest.fixture(scope='module')
def network():
    import keras
    keras.utils.set_random_seed(1)
    return build_model(5, 7, num_layers=2, units=8, stride=2)


def lines(rng, *lengths):
    return [rng.normal(size=(n, 5)).astype(np.float32) for n in lengths]


def test_output_frames_are_input_frames_over_the_stride_rounded_up(network):
    assert time_stride(network) == 2
    assert [output_lengths(n, 2) for n in (1, 2, 3, 8, 9)] == [1, 1, 2, 4, 5]
    np.testing.assert_array_equal(output_lengths(np.array([5, 6]), 3), [2, 2])
    assert network(lines(np.random.default_rng(0), 9)[0][None]).shape == (1, 5, 7)


def test_a_lines_output_does_not_depend_on_its_batch(network):
    odd, even, long = lines(np.random.default_rng(1), 7, 10, 15)
    batch = np.asarray(network(pad([odd, even, long])))
    for row, line in enumerate((odd, even, long)):
        alone = np.asarray(network(line[None]))[0]
        assert alone.shape[0] == output_lengths(len(line), 2)
        np.testing.assert_allclose(batch[row, :len(alone)], alone, atol=1e-6)


def test_the_stride_survives_saving(network, tmp_path):
    import keras
    network.save(tmp_path / 'model.keras')
    loaded = keras.saving.load_model(tmp_path / 'model.keras', compile=False)
    assert time_stride(loaded) == 2
    line = lines(np.random.default_rng(2), 11)[0][None]
    np.testing.assert_array_equal(np.asarray(loaded(line)), np.asarray(network(line)))


def test_without_a_stride_the_network_is_the_original():
    model = build_model(5, 7, num_layers=1, units=4)
    assert time_stride(model) == 1
    assert 'stride' not in model.build_arguments  # older folders' architectures still match
    assert [layer.name for layer in model.layers][:2] == ['features', 'mask']
    with pytest.raises(ValueError, match='stride'):
        build_model(5, 7, stride=0)


def test_training_resumes_exactly_and_the_folder_recognizes_at_half_the_frames(tmp_path):
    glyphs = make_dataset(tmp_path / 'glyphs', num_examples=32)
    options = ['--dataset', glyphs, '--layers', '1', '--units', '8', '--batch_size', '8',
               '--no-progress', '--show', '0', '--subsample', '2', '--seed', '2']
    train.main([*options, '--weights_dir', str(tmp_path / 'a'), '--epochs', '2'])
    train.main([*options, '--weights_dir', str(tmp_path / 'b'), '--epochs', '1'])
    train.main([*options, '--weights_dir', str(tmp_path / 'b'), '--epochs', '2'])
    assert_same_training(newest(tmp_path / 'a' / 'glyphs-1x8'),
                         newest(tmp_path / 'b' / 'glyphs-1x8'))

    folder = tmp_path / 'a' / 'glyphs-1x8'
    assert read_config(folder)['architecture']['stride'] == 2
    recognizer = Recognizer.load(str(folder))
    strokes, _ = next(GlyphSource(1, seed=5).get_sequences())
    text, probabilities = recognizer.recognize(strokes, return_probabilities=True)
    frames = len(recognizer.features(strokes))
    assert probabilities.shape == (output_lengths(frames, 2), recognizer.char_table.num_classes)
    assert isinstance(text, str)


@pytest.mark.parametrize('stride', ['0', '5'])
def test_an_impossible_stride_is_refused_in_one_line(tmp_path, capsys, stride):
    with pytest.raises(SystemExit):
        train.main(['--dataset', str(tmp_path), '--subsample', stride])
    assert f'--subsample must be in [1, 4], got {stride}' in capsys.readouterr().err
