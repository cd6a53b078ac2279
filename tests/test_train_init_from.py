"""train.py --init_from: the weights of another model folder, mapped by character; a
resume of such a run is exact; a source that does not fit is refused in one line."""
import json
import shutil

import numpy as np
import pytest

from models.model_folder import load_model_folder, read_config
from models.training import run as training_run
from models.training.init_from import SourceWeights, output_columns, take_weights
from test_train import TINY, assert_same_training, fails, newest, run
from train_fixtures import make_dataset

RECIPE = ['--dropout', '0.2', '--learning_rate', '0.02', '--seed', '3']
NAME = 'glyphs-1x8'


@pytest.fixture(scope='module')
def glyphs(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp('data') / 'glyphs', num_examples=48)


@pytest.fixture(scope='module')
def source(tmp_path_factory):
    """A model folder trained one epoch on the characters 'ab' only (its own fitted
    standardization, another character table)."""
    folder = tmp_path_factory.mktemp('source')
    data = make_dataset(folder / 'ab', num_examples=32, seed=5, alphabet='ab')
    run(data, folder, '--epochs', '1', '--name', 'ab', '--seed', '7')
    return str(folder / 'ab')


@pytest.fixture(scope='module')
def straight(glyphs, source, tmp_path_factory):
    """Two epochs from `source` without interruption."""
    weights = tmp_path_factory.mktemp('straight')
    run(glyphs, weights, '--epochs', '2', '--init_from', source, *RECIPE)
    return weights


def test_one_plus_one_epochs_equal_two_with_init_from(glyphs, source, straight, tmp_path,
                                                      capsys):
    run(glyphs, tmp_path, '--epochs', '1', '--init_from', source, *RECIPE)
    first = capsys.readouterr().out
    assert f"from the weights of {source} (epoch 1; 2 character(s) new to it keep fresh " \
           f"weights: 'c' 'd')" in first
    run(glyphs, tmp_path, '--epochs', '2', '--init_from', source, *RECIPE)
    second = capsys.readouterr().out
    assert f'resuming from the checkpoint, not from --init_from {source}' in second
    assert "checkpoint's --init_from" not in second
    assert_same_training(newest(straight / NAME), newest(tmp_path / NAME))


def test_an_averaged_source_is_named_by_its_epochs(glyphs, straight, tmp_path, capsys):
    """A folder written by average.py has no single epoch: the log and the record give the
    epochs it is the mean of."""
    import average
    average.main(['--model', str(straight / NAME), '--last', '2', '--output',
                  str(tmp_path / 'mean')])
    run(glyphs, tmp_path, '--epochs', '1', '--init_from', str(tmp_path / 'mean'), *RECIPE)
    assert f"from the weights of {tmp_path / 'mean'} (the mean of epochs 1, 2; it knows " \
           f"every character)" in capsys.readouterr().out
    assert newest(tmp_path / NAME).recipe['init_from']['epoch'] == [1, 2]


def test_the_start_is_recorded_and_only_the_weights_are_taken(glyphs, source, straight):
    expected = {'folder': source, 'epoch': 1, 'new_characters': 'cd'}
    checkpoint = newest(straight / NAME)
    assert checkpoint.recipe['init_from'] == expected
    assert read_config(straight / NAME)['training']['init_from'] == expected
    # a fresh schedule: epochs counted from 1, this run's learning rate, Adam from step 0
    history = checkpoint.schedule['history']
    assert [h['epoch'] for h in history] == [1, 2]
    assert checkpoint.schedule['learning_rate'] == 0.02
    assert newest(source).optimizer['iteration'] > 0
    # 36 lines in batches of 8, twice
    assert newest(straight / NAME).optimizer['iteration'] == 2 * 5


def test_fresh_columns_are_those_of_a_seeded_scratch_build(glyphs, source, tmp_path,
                                                           monkeypatch):
    """The network as training starts, with and without --init_from."""
    starts = {}

    def no_training(trainer, *args, **kwargs):
        starts[len(starts)] = {layer.name: layer.get_weights()
                               for layer in trainer.model.layers if layer.weights}
    monkeypatch.setattr(training_run, 'fit', no_training)
    run(glyphs, tmp_path / 'a', '--init_from', source, *RECIPE)
    run(glyphs, tmp_path / 'b', *RECIPE)
    taken, scratch = starts[0], starts[1]
    network = load_model_folder(source)[0]
    for name in ('bilstm_0',):
        for mine, theirs in zip(taken[name], network.get_layer(name).get_weights()):
            np.testing.assert_array_equal(mine, theirs)
    kernel, bias = network.get_layer('logits').get_weights()  # blank, a, b
    np.testing.assert_array_equal(taken['logits'][0][:, :3], kernel)
    np.testing.assert_array_equal(taken['logits'][1][:3], bias)
    np.testing.assert_array_equal(taken['logits'][0][:, 3:], scratch['logits'][0][:, 3:])
    np.testing.assert_array_equal(taken['logits'][1][3:], scratch['logits'][1][3:])
    assert not np.array_equal(taken['logits'][0][:, :3], scratch['logits'][0][:, :3])


def test_output_columns_go_by_character_blank_to_blank():
    assert output_columns(['b', 'x', 'a'], ['a', 'b', 'c']).tolist() == [0, 3, 1, -1]
    assert output_columns(['a'], ['a']).tolist() == [0, 1]


def test_take_weights_maps_the_output_layer_by_character():
    import keras
    from models.network import build_model
    keras.utils.set_random_seed(1)
    theirs = build_model(4, 4, num_layers=1, units=3)               # blank, 'b', 'x', 'a'
    keras.utils.set_random_seed(2)
    mine = build_model(4, 4, num_layers=1, units=3, dropout=0.5)    # blank, 'a', 'b', 'c'
    fresh = mine.get_layer('logits').get_weights()
    source = SourceWeights('src', 3, ['b', 'x', 'a'], {
        layer.name: layer.get_weights() for layer in theirs.layers if layer.weights})
    assert take_weights(mine, source, ['a', 'b', 'c']) == ['c']
    kernel, bias = mine.get_layer('logits').get_weights()
    source_kernel, source_bias = theirs.get_layer('logits').get_weights()
    for column, expected in ((0, source_kernel[:, 0]), (1, source_kernel[:, 3]),
                             (2, source_kernel[:, 1]), (3, fresh[0][:, 3])):
        np.testing.assert_array_equal(kernel[:, column], expected)
    np.testing.assert_array_equal(bias, [source_bias[0], source_bias[3], source_bias[1],
                                         fresh[1][3]])
    for a, b in zip(mine.get_layer('bilstm_0').get_weights(),
                    theirs.get_layer('bilstm_0').get_weights()):
        np.testing.assert_array_equal(a, b)


def copy_with_config(source, tmp_path, change):
    """A copy of the source folder whose recognizer.json `change(config)` edits."""
    folder = shutil.copytree(source, tmp_path / 'edited')
    config = json.loads((folder / 'recognizer.json').read_text())
    change(config)
    (folder / 'recognizer.json').write_text(json.dumps(config))
    return str(folder)


def test_another_network_shape_is_refused_naming_both(glyphs, source, tmp_path, capsys):
    message = fails(capsys, ['--dataset', glyphs, '--weights_dir', str(tmp_path), *TINY,
                             '--units', '16', '--init_from', source])
    assert f'--init_from: {source} is a 1 x 8 (4 features) network, this run a 1 x 16 ' \
           f'(4 features) one' in message
    assert not (tmp_path / 'glyphs-1x16').exists()


def test_other_pre_processing_is_refused_naming_both(glyphs, source, tmp_path, capsys):
    def other_scale(config):
        config['preprocessing']['steps'][0]['params']['quantile'] = 0.05
    edited = copy_with_config(source, tmp_path, other_scale)
    message = fails(capsys, ['--dataset', glyphs, '--weights_dir', str(tmp_path), *TINY,
                             '--init_from', edited])
    assert "pre-processing normalize_scale{'quantile': 0.05} -> resample{'step': 0.2} -> " \
           "offsets -> standardize, this data set has normalize_scale -> resample{'step': " \
           "0.2}" in message


def test_another_resampling_density_is_taken_with_a_note(glyphs, source, tmp_path, capsys):
    """The same features at another density carry over (the IAM-OnDB recipe starts at 0.15
    from synthetic weights trained at 0.2): the run starts from them, and says so."""
    def denser(config):
        config['preprocessing']['steps'][1]['params'] = {'step': 0.15, 'tolerance': 0.25}
    edited = copy_with_config(source, tmp_path, denser)
    run(glyphs, tmp_path, '--epochs', '1', '--init_from', edited, *RECIPE)
    out = capsys.readouterr().out
    assert f"note: {edited} was trained with resample{{'step': 0.15, 'tolerance': 0.25}}, " \
           f"this data set has resample{{'step': 0.2}}; its weights are taken all the " \
           f"same" in out
    assert f'from the weights of {edited} (epoch 1;' in out
    assert newest(tmp_path / NAME).recipe['init_from']['folder'] == edited


def test_a_missing_or_untrained_source_is_refused(glyphs, source, tmp_path, capsys):
    message = fails(capsys, ['--dataset', glyphs, '--weights_dir', str(tmp_path), *TINY,
                             '--init_from', str(tmp_path / 'nothing')])
    assert '--init_from: model folder not found' in message
    untrained = copy_with_config(source, tmp_path, lambda config: None)
    (tmp_path / 'edited' / 'model.keras').unlink()
    message = fails(capsys, ['--dataset', glyphs, '--weights_dir', str(tmp_path), *TINY,
                             '--init_from', untrained])
    assert f'--init_from: {untrained} has no trained network (model.keras is missing)' \
        in message
