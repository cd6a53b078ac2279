"""average.py: the mean of the newest checkpoints' weights, as a model folder that reads."""
import json
import os

import numpy as np
import pytest

import average
import train
from models.training.checkpoints import Checkpoint, checkpoint_paths
from models.training.resume import checkpoints_dir
from train_fixtures import make_dataset


def tiny_run(dataset, weights_dir, *argv, units=8):
    train.main(['--dataset', str(dataset), '--layers', '1', '--units', str(units),
                '--batch_size', '8', '--no-progress', '--show', '0', '--dropout', '0.1',
                '--weights_dir', str(weights_dir), *argv])


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A tiny model trained 3 epochs, all three checkpoints kept."""
    root = tmp_path_factory.mktemp('average')
    glyphs = make_dataset(root / 'glyphs', num_examples=32)
    tiny_run(glyphs, root / 'weights', '--epochs', '3', '--keep_checkpoints', '3')
    return str(root / 'weights' / 'glyphs-1x8')


def test_train_keeps_as_many_checkpoints_as_asked(trained):
    paths = checkpoint_paths(checkpoints_dir(trained))
    assert [Checkpoint.read(p).epoch for p in paths] == [3, 2, 1]


def test_the_network_is_the_mean_of_the_newest_checkpoints(trained, tmp_path, capsys):
    output = str(tmp_path / 'averaged')
    average.main(['--model', trained, '--last', '2', '--output', output])
    newest = [Checkpoint.read(p).model for p in checkpoint_paths(checkpoints_dir(trained))[:2]]

    from models.model_folder import load_model_folder
    from models.network import build_model
    from models.recognizer import Recognizer
    from models.training.optimizer_step import variable_names
    model, _, _, config = load_model_folder(output)
    # a loaded network names its variables otherwise than a built one; the order is the same
    names = variable_names(build_model(**config['architecture']))
    kernels = 0
    for variable, name in zip(model.variables, names):
        if np.asarray(variable).dtype.kind == 'f':
            expected = (newest[0][name].astype(np.float64) + newest[1][name]) / 2
            np.testing.assert_allclose(np.asarray(variable), expected, rtol=1e-6, atol=1e-7)
            kernels += 1
    assert kernels >= 4
    assert not np.allclose(newest[0]['logits/kernel'], newest[1]['logits/kernel'])

    assert config['averaged'] == {'model': trained, 'epochs': [2, 3]}
    assert 0.0 <= config['validation']['val_cer'] and 'val_wer' in config['validation']
    out = capsys.readouterr().out
    assert 'averaging epochs 2, 3' in out and 'validation (best path): CER' in out
    # the averaged folder finds the data set, as evaluate.py and the demos need
    assert isinstance(Recognizer.load(output).recognize(
        [[(0.0, 0.0, 0.0), (1.0, 1.0, 0.1), (2.0, 0.0, 0.2)]]), str)


@pytest.mark.parametrize('argv, message', [
    (['--last', '4'], 'keeps 3 checkpoint(s); averaging the last 4 needs that many '
                      '(train with --keep_checkpoints 4)'),
    (['--last', '0'], '--last must be at least 1'),
    (['--output', None], '--output must be another folder than --model'),
])
def test_bad_requests_say_what_is_wrong(trained, tmp_path, argv, message):
    argv = [trained if a is None else a for a in argv]
    if '--output' not in argv:
        argv += ['--output', str(tmp_path / 'out')]
    with pytest.raises(SystemExit) as stop:
        average.main(['--model', trained, *argv])
    assert str(stop.value).startswith('average.py: error: ') and message in str(stop.value)


def test_an_existing_network_is_replaced_only_when_asked(trained, tmp_path):
    output = str(tmp_path / 'out')
    average.main(['--model', trained, '--last', '1', '--output', output])
    with pytest.raises(SystemExit) as stop:
        average.main(['--model', trained, '--last', '2', '--output', output])
    assert 'already has a network; pass --overwrite' in str(stop.value)
    average.main(['--model', trained, '--last', '2', '--output', output, '--overwrite'])
    with open(os.path.join(output, 'recognizer.json'), encoding='utf-8') as f:
        assert json.load(f)['averaged']['epochs'] == [2, 3]


def dataset_of(trained) -> str:
    """The data set the `trained` fixture made, beside its weights folder."""
    return os.path.join(os.path.dirname(os.path.dirname(trained)), 'glyphs')


@pytest.fixture(scope='module')
def second_run(trained, tmp_path_factory):
    """Two runs of 2 epochs from `trained`'s averaged weights with two seeds: runs from
    one start, as the synthetic recipe makes."""
    root = tmp_path_factory.mktemp('second')
    start = str(root / 'start')
    average.main(['--model', trained, '--last', '3', '--output', start])
    for name, seed in (('a', '3'), ('b', '4')):
        tiny_run(dataset_of(trained), root, '--epochs', '2', '--keep_checkpoints', '2',
                 '--seed', seed, '--init_from', start, '--name', name)
    return str(root / 'a'), str(root / 'b')


def test_several_runs_are_averaged_together(second_run, tmp_path, capsys):
    output = str(tmp_path / 'both')
    average.main(['--model', *second_run, '--last', '2', '--output', output])
    checkpoints = [Checkpoint.read(p).model for run in second_run
                   for p in checkpoint_paths(checkpoints_dir(run))[:2]]
    expected = np.mean([c['logits/kernel'].astype(np.float64) for c in checkpoints], axis=0)
    assert not np.allclose(checkpoints[0]['logits/kernel'], checkpoints[2]['logits/kernel'])

    from models.model_folder import load_model_folder
    model, _, _, config = load_model_folder(output)
    np.testing.assert_allclose(np.asarray(model.get_layer('logits').kernel), expected,
                               rtol=1e-6, atol=1e-7)
    assert config['averaged'] == [{'model': second_run[0], 'epochs': [1, 2]},
                                  {'model': second_run[1], 'epochs': [1, 2]}]
    out = capsys.readouterr().out
    assert f'averaging epochs 1, 2 of {second_run[0]}' in out
    assert f'averaging epochs 1, 2 of {second_run[1]}' in out


def test_a_mean_of_runs_is_named_by_its_runs_as_a_start(trained, second_run, tmp_path,
                                                        capsys):
    output = str(tmp_path / 'both')
    average.main(['--model', *second_run, '--last', '1', '--output', output])
    tiny_run(dataset_of(trained), tmp_path, '--epochs', '1', '--init_from', output)
    assert (f'from the weights of {output} (the mean of epochs 2 of {second_run[0]} and 2 of '
            f'{second_run[1]}; it knows every character)') in capsys.readouterr().out


def test_runs_of_other_networks_are_not_averaged(trained, tmp_path):
    tiny_run(dataset_of(trained), tmp_path, '--epochs', '1', units=4)
    other = str(tmp_path / 'glyphs-1x4')
    with pytest.raises(SystemExit) as stop:
        average.main(['--model', trained, other, '--last', '1',
                      '--output', str(tmp_path / 'out')])
    assert str(stop.value) == (f'average.py: error: {trained} and {other} have different '
                               f'architectures: their weights cannot be averaged')
