"""train.py end to end on a tiny data set: resume gives the same weights as a straight run,
damaged checkpoints fall back, bad input gets one line and a non-zero exit."""
import json
import os
import shutil

import h5py
import numpy as np
import pytest

import train
from models.model_folder import load_model_folder, read_config
from models.training import folder_writer
from models.training.checkpoints import Checkpoint, checkpoint_paths
from models.training.config import TrainingConfig
from models.training.resume import checkpoints_dir, lock_folder
from train_fixtures import make_dataset

TINY = ['--layers', '1', '--units', '8', '--batch_size', '8', '--no-progress', '--show', '1']
# dropout and learning-rate reduction make the random state and the schedule matter
RECIPE = ['--dropout', '0.2', '--reduce_lr', '1', '--learning_rate', '0.02', '--seed', '3']
NAME = 'glyphs-1x8'


@pytest.fixture(scope='module')
def glyphs(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp('data') / 'glyphs', num_examples=48)


@pytest.fixture(scope='module')
def straight(glyphs, tmp_path_factory):
    """Weights folder of a 4-epoch run without interruption; copy it before changing it."""
    weights = tmp_path_factory.mktemp('straight')
    run(glyphs, weights, '--epochs', '4', *RECIPE)
    return weights


def run(dataset, weights, *options):
    train.main(['--dataset', dataset, '--weights_dir', str(weights), *TINY, *options])


def newest(folder):
    return Checkpoint.read(checkpoint_paths(checkpoints_dir(folder))[0])


def assert_same_training(a, b):
    """Checkpoints equal bit for bit: epoch, model and optimizer values, history."""
    assert a.epoch == b.epoch
    for x, y in ((a.model, b.model), (a.optimizer, b.optimizer)):
        assert list(x) == list(y)
        for name in x:
            np.testing.assert_array_equal(x[name], y[name], err_msg=name)
    untimed = [[{k: v for k, v in h.items() if k != 'seconds'}
                for h in checkpoint.schedule['history']] for checkpoint in (a, b)]
    assert untimed[0] == untimed[1]


def fails(capsys, argv) -> str:
    """Run train.py expecting an error; -> its message, checked to be one line."""
    with pytest.raises(SystemExit) as exit_info:
        train.main(argv)
    assert exit_info.value.code not in (0, None)
    message = str(exit_info.value.code) if isinstance(exit_info.value.code, str) else ''
    message += capsys.readouterr().err
    assert len(message.strip().splitlines()) == 1, message
    return message


def test_two_plus_two_epochs_equal_four_straight(glyphs, straight, tmp_path):
    run(glyphs, tmp_path, '--epochs', '2', *RECIPE)
    run(glyphs, tmp_path, '--epochs', '4', *RECIPE)
    resumed = newest(tmp_path / NAME)
    assert resumed.epoch == 4
    assert resumed.schedule['learning_rate'] < 0.02  # the schedule did act
    assert_same_training(newest(straight / NAME), resumed)  # same batches, seeds and steps
    log = (tmp_path / NAME / 'training' / 'log.csv').read_text()
    assert [row.split(',')[0] for row in log.splitlines()[1:]] == ['1', '2', '3', '4']


def test_the_checkpoint_records_the_settings_in_effect(glyphs, straight, tmp_path, capsys):
    """The configuration of the run; a resumed run's with the recipe it started with."""
    assert newest(straight / NAME).config == TrainingConfig(
        dataset=glyphs, weights_dir=str(straight), layers=1, units=8, batch_size=8,
        progress=False, show=1, dropout=0.2, reduce_lr=1, learning_rate=0.02, seed=3,
        epochs=4)
    shutil.copytree(straight, tmp_path, dirs_exist_ok=True)
    run(glyphs, tmp_path, '--epochs', '5', *RECIPE, '--seed', '4')
    assert "resuming with the checkpoint's --seed 3 (ignoring 4)" in capsys.readouterr().out
    config = newest(tmp_path / NAME).config
    assert (config.seed, config.epochs, config.weights_dir) == (3, 5, str(tmp_path))


def test_damaged_newest_checkpoint_falls_back_to_previous(glyphs, straight, tmp_path, capsys):
    shutil.copytree(straight, tmp_path, dirs_exist_ok=True)
    newest_path = checkpoint_paths(checkpoints_dir(tmp_path / NAME))[0]
    data = open(newest_path, 'rb').read()
    with open(newest_path, 'wb') as f:
        f.write(data[:len(data) // 2])  # as if the machine died mid-write without rename
    with pytest.warns(UserWarning, match='epoch-0004.npz is damaged'):
        run(glyphs, tmp_path, '--epochs', '4', *RECIPE)
    assert 'resuming' in capsys.readouterr().out
    assert_same_training(newest(straight / NAME), newest(tmp_path / NAME))


def test_model_folder_recognizes_alone(straight):
    model, char_table, pipeline, config = load_model_folder(str(straight / NAME))
    schedule = newest(straight / NAME).schedule
    best = min(schedule['history'], key=lambda figures: figures['val_cer'])
    assert config['architecture']['units'] == 8
    assert config['epoch'] == schedule['best_cer_epoch'] == best['epoch']
    assert config['validation']['val_cer'] == best['val_cer']
    assert char_table.characters == list('abcd')
    features = np.zeros((1, 5, 4), np.float32) + 1
    assert model(features).shape == (1, 5, char_table.num_classes)
    assert sorted(os.listdir(straight / NAME)) == ['model.keras', 'recognizer.json', 'training']


def test_finished_training_says_so(glyphs, straight, capsys):
    run(glyphs, straight, '--epochs', '4', *RECIPE)
    assert 'training is done (4 epochs' in capsys.readouterr().out


def test_missing_dataset(tmp_path, capsys):
    message = fails(capsys, ['--dataset', str(tmp_path / 'nothing'), *TINY])
    assert 'no compiled data set' in message and 'compile.py' in message


@pytest.mark.parametrize('option, value', [('--epochs', '0'), ('--dropout', '1.5'),
                                           ('--learning_rate', '-1'), ('--units', '0'),
                                           ('--reduce_lr_factor', '2'), ('--augment', '-1'),
                                           ('--threads', '-1')])
def test_impossible_options(glyphs, capsys, option, value):
    message = fails(capsys, ['--dataset', glyphs, *TINY, option, value])
    assert option in message


def test_checkpoint_for_another_character_table(straight, tmp_path, capsys):
    other = make_dataset(tmp_path / 'other', num_examples=24, alphabet='ab')
    message = fails(capsys, ['--dataset', other, '--weights_dir', str(straight), *TINY,
                             '--name', NAME])
    assert 'another character table' in message and '--overwrite' in message


def test_checkpoint_for_another_architecture(glyphs, straight, capsys):
    message = fails(capsys, ['--dataset', glyphs, '--weights_dir', str(straight), *TINY,
                             '--name', NAME, '--units', '16'])
    assert 'another network: units 8 (now 16)' in message


def test_all_checkpoints_damaged(glyphs, straight, tmp_path, capsys):
    shutil.copytree(straight, tmp_path, dirs_exist_ok=True)
    for path in checkpoint_paths(checkpoints_dir(tmp_path / NAME)):
        with open(path, 'r+b') as f:
            f.truncate(100)
    with pytest.warns(UserWarning):
        message = fails(capsys, ['--dataset', glyphs, '--weights_dir', str(tmp_path), *TINY])
    assert 'no usable checkpoint' in message


def test_shipped_model_is_not_overwritten(glyphs, tmp_path, capsys):
    shipped = tmp_path / 'synthetic'
    shipped.mkdir()
    (shipped / 'model.keras').write_bytes(b'a trained network')
    message = fails(capsys, ['--dataset', glyphs, '--weights_dir', str(tmp_path), *TINY,
                             '--name', 'synthetic'])
    assert 'without training state' in message
    assert (shipped / 'model.keras').read_bytes() == b'a trained network'


def test_a_folder_in_training_is_not_trained_twice_at_once(glyphs, straight, capsys):
    with lock_folder(straight / NAME):  # as another train.py would hold it
        message = fails(capsys, ['--dataset', glyphs, '--weights_dir', str(straight), *TINY,
                                 *RECIPE, '--epochs', '5'])
    assert f'being trained by another process (pid {os.getpid()})' in message


def test_cuda_without_gpu(glyphs, tmp_path, capsys):
    import tensorflow as tf
    if tf.config.list_physical_devices('GPU'):
        pytest.skip('a GPU is present')
    message = fails(capsys, ['--dataset', glyphs, '--weights_dir', str(tmp_path), *TINY,
                             '--cuda'])
    assert 'no GPU' in message


def test_a_recompiled_data_set_stops_the_resume_and_says_what_changed(straight, tmp_path,
                                                                      capsys):
    other = make_dataset(tmp_path / 'other', num_examples=40)  # same characters, other lines
    argv = ['--dataset', other, '--weights_dir', str(straight), *TINY, *RECIPE,
            '--epochs', '4', '--name', NAME]
    message = fails(capsys, argv)
    assert 'another compilation of the data' in message
    assert 'pre-processing' in message and '39 train lines (now 32)' in message, message
    assert '--overwrite' in message and '--allow_dataset_change' in message
    with pytest.warns(UserWarning, match='continuing on this data'):
        train.main([*argv, '--allow_dataset_change'])
    assert 'training is done' in capsys.readouterr().out


@pytest.mark.parametrize('relative, resumes', [(3e-7, True), (1e-3, False)])
def test_a_data_set_compiled_again_elsewhere_resumes_with_a_note(glyphs, straight, tmp_path,
                                                                  capsys, relative, resumes):
    """The same lines, standardize fitted again to its last digits (3e-7, as on another
    machine): resumed, and said; 1e-3 is another compilation and stops the resume."""
    data = shutil.copytree(glyphs, tmp_path / 'glyphs')
    meta = json.loads((data / 'meta.json').read_text())
    standardize = meta['preprocessing']['steps'][-1]
    standardize['params']['std'] = [s * (1 + relative) for s in standardize['params']['std']]
    (data / 'meta.json').write_text(json.dumps(meta))
    shutil.copytree(straight, tmp_path / 'weights')
    argv = ['--dataset', str(data), '--weights_dir', str(tmp_path / 'weights'), *TINY,
            *RECIPE, '--epochs', '5']
    if resumes:
        train.main(argv)
        out = capsys.readouterr().out
        assert 'note: the checkpoint in' in out and 'this data set has standardize' in out
        assert 'resuming' in out and newest(tmp_path / 'weights' / NAME).epoch == 5
    else:
        message = fails(capsys, argv)
        assert 'another compilation of the data (pre-processing (the parameters of ' \
               'standardize differ) changed since)' in message


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs, no handler catches it."""


EPOCH_END = [(Checkpoint, 'save'), (folder_writer, 'save_network'),
             (folder_writer, 'write_config'), (folder_writer, 'write_csv'),
             (folder_writer.TensorBoardLog, 'write')]


@pytest.fixture(scope='module')
def straight_one(glyphs, tmp_path_factory):
    """One epoch, trained from the data set's parent folder with a relative --dataset."""
    weights, here = tmp_path_factory.mktemp('straight_one'), os.getcwd()
    os.chdir(os.path.dirname(glyphs))
    try:
        run(os.path.basename(glyphs), weights, '--epochs', '1', *RECIPE)
    finally:
        os.chdir(here)
    return weights


@pytest.mark.parametrize('step', range(len(EPOCH_END)),
                         ids=[name for _, name in EPOCH_END])
def test_a_kill_at_any_step_of_the_first_epoch_end_resumes(glyphs, straight_one, tmp_path,
                                                           monkeypatch, step):
    """Killed as the step starts (all steps before it done), then the same command, which
    finishes what the kill cut off."""
    owner, name = EPOCH_END[step]
    original = getattr(owner, name)

    def kill(*args, **kwargs):
        raise Killed(name)
    monkeypatch.setattr(owner, name, kill)
    with pytest.raises(Killed):
        run(glyphs, tmp_path, '--epochs', '1', *RECIPE)
    monkeypatch.setattr(owner, name, original)
    run(glyphs, tmp_path, '--epochs', '1', *RECIPE)
    resumed = newest(tmp_path / NAME)
    assert_same_training(newest(straight_one / NAME), resumed)
    assert read_config(tmp_path / NAME)['epoch'] == resumed.schedule['best_cer_epoch']
    load_model_folder(str(tmp_path / NAME))
    log = (tmp_path / NAME / 'training' / 'log.csv').read_text()
    assert [row.split(',')[0] for row in log.splitlines()[1:]] == ['1']


def test_a_nan_validation_loss_stops_and_keeps_the_last_checkpoint(glyphs, tmp_path, capsys):
    data = shutil.copytree(glyphs, tmp_path / 'glyphs')
    run(str(data), tmp_path, '--epochs', '1', *RECIPE)
    with h5py.File(data / 'validation.h5', 'r+') as f:  # as if the validation data rotted
        f['features'][:5] = np.nan
    message = fails(capsys, ['--dataset', str(data), '--weights_dir', str(tmp_path), *TINY,
                             *RECIPE, '--epochs', '2'])
    assert 'validation loss became nan after epoch 2' in message
    assert [os.path.basename(p) for p in checkpoint_paths(checkpoints_dir(tmp_path / NAME))] \
        == ['epoch-0001.npz']


def test_evaluate_finds_the_data_set_from_any_working_directory(straight_one, glyphs,
                                                                tmp_path, monkeypatch, capsys):
    import evaluate
    monkeypatch.chdir(tmp_path)  # neither the data set's folder nor its parent
    evaluate.main(['--model', str(straight_one / NAME), '--split', 'validation',
                   '--limit', '2'])
    assert f'on {os.path.normpath(glyphs)} (validation' in capsys.readouterr().out


def test_the_scripts_leave_the_warning_format_as_they_found_it(tmp_path, capsys):
    import warnings

    import compile as compile_script
    before = warnings.formatwarning
    (tmp_path / 'taken').mkdir()
    for main, argv in ((train.main, ['--dataset', str(tmp_path / 'nothing'), *TINY]),
                       (compile_script.main, ['synthetic', '--datasets_dir', str(tmp_path),
                                              '--name', 'taken', '--num_examples', '2'])):
        with pytest.raises(SystemExit):
            main(argv)
        assert warnings.formatwarning is before, main.__module__


@pytest.mark.filterwarnings('error::pytest.PytestUnraisableExceptionWarning')  # no noise at exit
def test_a_full_disk_stops_with_one_line_and_the_run_resumes_exactly(glyphs, straight,
                                                                      tmp_path, capsys):
    """The checkpoint of epoch 2 is written to /dev/full (a real ENOSPC from the kernel):
    one line, no half-written file left; the same command afterwards trains on from epoch
    1 to the very weights of a run that never failed."""
    run(glyphs, tmp_path, '--epochs', '1', *RECIPE)
    partial = os.path.join(checkpoints_dir(tmp_path / NAME), '.epoch-0002.npz.tmp')
    os.symlink('/dev/full', partial)  # where the checkpoint is written before its rename
    message = fails(capsys, ['--dataset', glyphs, '--weights_dir', str(tmp_path), *TINY,
                             *RECIPE, '--epochs', '4'])
    assert 'disk full while writing' in message and 'epoch-0002.npz' in message
    assert 'run the same command again' in message
    assert not os.path.lexists(partial)
    run(glyphs, tmp_path, '--epochs', '4', *RECIPE)
    assert_same_training(newest(straight / NAME), newest(tmp_path / NAME))
