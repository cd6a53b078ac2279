"""The pieces of training on known answers: batching, padding, masking, CTC loss,
checkpoint files, and the learning-rate and early-stopping schedule."""
import json

import numpy as np
import pytest

from data.compiling import compile_dataset
from data.dataset_format import open_dataset
from data.preprocessing import Pipeline
from models.training.batching import (LABEL_PAD, PAD_VALUE, LineSet, ctc_min_frames, epoch_rng,
                                      grouped_batches, pad_batch, padding_fraction, random_batches,
                                      sequential_batches)
from models.training.checkpoints import Checkpoint, CheckpointError, checkpoint_paths
from models.training.schedule import Schedule
from train_fixtures import GlyphSource


def lines(n=50, seed=0):
    rng = np.random.default_rng(seed)
    features = [rng.normal(size=(int(t), 4)).astype(np.float32)
                for t in rng.integers(10, 60, n)]
    labels = [rng.integers(1, 5, int(k)).astype(np.int32) for k in rng.integers(1, 5, n)]
    return LineSet(features, labels, [str(i) for i in range(n)])


def test_ctc_min_frames_counts_a_blank_between_repeats():
    assert ctc_min_frames(np.array([1, 2, 3])) == 3
    assert ctc_min_frames(np.array([1, 1, 2, 2, 2])) == 8
    assert ctc_min_frames(np.array([], np.int32)) == 0


class WithShortLines(GlyphSource):
    """GlyphSource lines, then two lines with far fewer pen points than characters."""

    def get_sequences(self):
        yield from super().get_sequences()
        for _ in range(2):
            yield [[(0, 0, 0.0), (1, 0, 0.01), (2, 0, 0.02)]], 'abcdabcd'

    def __len__(self):
        return self.num_examples + 2


def test_lines_too_short_for_ctc_are_left_out_and_counted(tmp_path):
    source = WithShortLines(10)
    with pytest.warns(UserWarning, match='fewer frames than CTC needs'):
        compile_dataset(source, Pipeline.named('default'), str(tmp_path / 'd'),
                        fractions=(0.0, 0.0), progress=False)
    split = open_dataset(str(tmp_path / 'd')).split('train')
    kept, short = LineSet.from_split(split)
    assert (len(kept), short) == (10, 2) and 'abcdabcd' not in kept.texts


def test_grouped_batches_cover_every_line_once_and_change_per_epoch():
    lengths = lines().lengths
    epochs = [grouped_batches(lengths, 8, epoch_rng(0, e)) for e in range(2)]
    for batches in epochs:
        assert sorted(np.concatenate(batches).tolist()) == list(range(50))
    assert [b.tolist() for b in epochs[0]] != [b.tolist() for b in epochs[1]]
    again = grouped_batches(lengths, 8, epoch_rng(0, 1))
    assert [b.tolist() for b in again] == [b.tolist() for b in epochs[1]]


def test_grouping_cuts_padding():
    lengths = lines(400).lengths
    grouped = padding_fraction(lengths, grouped_batches(lengths, 16, epoch_rng(0, 0)))
    shuffled = padding_fraction(lengths, random_batches(lengths, 16, epoch_rng(0, 0)))
    assert grouped < 0.1 < 0.3 < shuffled


def test_a_last_batch_too_small_for_every_replica_joins_the_one_before():
    batches = sequential_batches(np.arange(9), 4, min_size=2)
    assert [len(b) for b in batches] == [4, 5]


def test_pad_batch_pads_features_with_zeros_and_labels_with_the_blank():
    batch = pad_batch([np.ones((2, 4)), np.ones((3, 4))], [np.array([1, 2, 3]), np.array([4])],
                      ['abc', 'd'])
    assert batch.features.shape == (2, 3, 4) and batch.labels.shape == (2, 3)
    assert (batch.features[0, 2] == PAD_VALUE).all() and (batch.labels[1, 1:] == LABEL_PAD).all()
    assert batch.frame_lengths.tolist() == [2, 3] and batch.label_lengths.tolist() == [3, 1]
    half = batch.part(1, 2)
    assert half.texts == ['d'] and half.labels.shape == (1, 1) and half.features.shape[1] == 3


def test_padding_never_changes_probabilities_or_loss():
    import keras
    from models.network import build_model, ctc_loss_per_line, logits_model
    keras.utils.set_random_seed(0)
    model = build_model(4, 5, num_layers=2, units=6, dropout=0.3)
    data = lines(3)
    batch = data.batch([0, 1, 2])  # padded to the longest of the three
    logits = logits_model(model)(batch.features)
    loss = ctc_loss_per_line(batch.labels, batch.label_lengths, logits, batch.frame_lengths)
    for i in range(3):
        alone = data.batch([i])  # no padding
        alone_logits = logits_model(model)(alone.features)
        np.testing.assert_allclose(logits[i, :len(data.features[i])], alone_logits[0],
                                   atol=1e-5)
        alone_loss = ctc_loss_per_line(alone.labels, alone.label_lengths, alone_logits,
                                       alone.frame_lengths)
        np.testing.assert_allclose(loss[i], alone_loss[0], rtol=1e-5)


def test_portable_copy_predicts_the_same():
    import keras
    from models.network import architecture, build_model, portable_copy
    keras.utils.set_random_seed(0)
    model = build_model(4, 5, num_layers=2, units=6, use_cudnn=False)
    twin = portable_copy(model)
    assert architecture(twin) == {'num_features': 4, 'num_classes': 5, 'num_layers': 2,
                                  'units': 6, 'dropout': 0.0}
    x = lines(1).batch([0]).features
    np.testing.assert_allclose(model(x), twin(x), atol=1e-6)


def test_a_model_that_insists_on_cudnn_is_saved_to_run_on_a_cpu(tmp_path):
    import keras
    from models.model_folder import MODEL_FILE, save_network
    from models.network import build_model, portable_copy
    model = build_model(4, 5, num_layers=1, units=6, use_cudnn=True)  # as with --cuda
    save_network(tmp_path, portable_copy(model))
    loaded = keras.saving.load_model(tmp_path / MODEL_FILE, compile=False)
    assert loaded.get_layer('bilstm_0').forward_layer.use_cudnn == 'auto'
    x = lines(1).batch([0]).features
    np.testing.assert_allclose(loaded(x), portable_copy(model)(x), atol=1e-6)


def test_checkpoints_round_trip_and_keep_the_two_newest(tmp_path):
    for epoch in (1, 2, 3):
        Checkpoint(epoch, {'dense/kernel': np.full(3, epoch)},
                   {'iteration': np.zeros(2)}).save(tmp_path)
    assert [p[-14:] for p in checkpoint_paths(tmp_path)] == ['epoch-0003.npz', 'epoch-0002.npz']
    checkpoint = Checkpoint.latest(tmp_path)
    assert checkpoint.epoch == 3 and checkpoint.model['dense/kernel'].tolist() == [3, 3, 3]
    assert list(checkpoint.optimizer) == ['iteration'] and checkpoint.by_name


def test_a_checkpoint_reads_back_every_field_it_was_written_with(tmp_path):
    from models.training.config import TrainingConfig
    written = Checkpoint(
        4, {'w': np.arange(3.0)}, {'iteration': np.array(7)}, schedule={'epoch': 4},
        recipe={'seed': 1, 'augment': 0.5, 'warp': 0.0, 'init_from': None},
        config=TrainingConfig(dataset='d', layers=3, units=16, augment=0.5, seed=1),
        architecture={'num_layers': 3}, characters=list('ab'), dataset='d',
        data={'counts': {}})
    written.save(tmp_path)
    read = Checkpoint.latest(tmp_path)
    assert isinstance(read.config, TrainingConfig)
    for name in ('epoch', 'schedule', 'recipe', 'config', 'architecture', 'characters',
                 'dataset', 'data', 'sha256', 'by_name'):
        assert getattr(read, name) == getattr(written, name), name
    assert read.model.keys() == {'w'} and int(read.optimizer['iteration']) == 7


def test_a_checkpoint_written_before_the_configuration_was_recorded_still_reads(tmp_path):
    """As written before the config field and the augment/warp options: they read as None
    and as the values training had before the options existed."""
    arrays = {'model/w': np.arange(3.0)}
    from models.training.checkpoints import _digest
    state = {'epoch': 2, 'schedule': {'epoch': 2}, 'keys': 'name', 'sha256': _digest(arrays),
             'recipe': {'seed': 0, 'batch_size': 32, 'clipnorm': 5.0, 'learning_rate': 3e-3},
             'architecture': {'num_layers': 1}, 'characters': ['a'], 'dataset': 'd'}
    arrays['state'] = np.frombuffer(json.dumps(state).encode(), np.uint8)
    np.savez(tmp_path / 'epoch-0002.npz', **arrays)
    read = Checkpoint.latest(tmp_path)
    assert read.config is None and read.data is None and read.by_name
    assert read.recipe == {'seed': 0, 'batch_size': 32, 'clipnorm': 5.0,
                           'learning_rate': 3e-3, 'augment': 0.0, 'warp': 0.0,
                           'init_from': None}


def test_a_configuration_this_version_cannot_read_is_named(tmp_path):
    arrays = {'model/w': np.arange(3.0)}
    from models.training.checkpoints import _digest
    state = {'epoch': 1, 'keys': 'name', 'sha256': _digest(arrays),
             'config': {'layers': 2, 'a_later_setting': 1}}
    arrays['state'] = np.frombuffer(json.dumps(state).encode(), np.uint8)
    np.savez(tmp_path / 'epoch-0001.npz', **arrays)
    with pytest.raises(CheckpointError, match='training configuration this version cannot '
                       'read .*a_later_setting'):
        Checkpoint.read(tmp_path / 'epoch-0001.npz')


@pytest.mark.parametrize('damage', ['truncate', 'flip'])
def test_a_damaged_checkpoint_is_detected(tmp_path, damage):
    Checkpoint(1, {'w': np.arange(1000.0)}, {}).save(tmp_path)
    path = checkpoint_paths(tmp_path)[0]
    data = bytearray(open(path, 'rb').read())
    if damage == 'truncate':
        data = data[:len(data) - 300]
    else:
        data[len(data) // 2] ^= 0x10  # one bit inside the weights
    open(path, 'wb').write(bytes(data))
    with pytest.raises(CheckpointError, match='damaged'):
        Checkpoint.read(path)


def test_learning_rate_halves_after_patience_and_training_stops_early():
    schedule = Schedule(1e-3, reduce_lr_patience=2, early_stopping_patience=3)
    for loss in (5.0, 4.0, 4.5, 4.2):
        schedule.end_epoch({'val_loss': loss, 'val_cer': 0.5})
    assert schedule.learning_rate == 5e-4 and schedule.last_reduction_epoch == 4
    assert not schedule.stopped_early
    schedule.end_epoch({'val_loss': 4.1, 'val_cer': 0.5})
    assert schedule.stopped_early and schedule.best_loss_epoch == 2
    schedule.resume_with(early_stopping_patience=0)  # a resumed run may switch it off
    assert not schedule.stopped_early


def test_best_model_is_kept_by_cer():
    schedule = Schedule(1e-3)
    improved = [schedule.end_epoch({'val_loss': loss, 'val_cer': cer})
                for loss, cer in ((3.0, 0.9), (2.0, 0.5), (1.0, 0.6))]
    assert improved == [True, True, False] and schedule.best_cer_epoch == 2
    assert Schedule.from_json(schedule.to_json()) == schedule


def trainer(seed, units=4):
    """A fresh Trainer of a 1-layer BiLSTM with dropout, its weights drawn from `seed`."""
    import keras
    from models.network import build_model
    from models.training.optimizer_step import Trainer
    keras.utils.set_random_seed(seed)
    return Trainer(build_model(4, 5, num_layers=1, units=units, dropout=0.2), 0.01)


def test_restore_goes_by_name_whatever_the_order_in_the_file(tmp_path):
    source, target = trainer(1), trainer(2)
    source.train_batch(lines(8).batch(list(range(8))))  # moments and step count not zero
    Checkpoint(1, source.model_values(), source.optimizer_values()).save(tmp_path)
    checkpoint = Checkpoint.latest(tmp_path)
    model = checkpoint.model
    # the file sorts names (backward before forward); the model lists forward first
    assert list(model) == sorted(model) != list(source.model_values())
    checkpoint.restore(target)
    for kind in ('model_values', 'optimizer_values'):
        expected, restored = getattr(source, kind)(), getattr(target, kind)()
        assert list(expected) == list(restored)
        for name in expected:
            np.testing.assert_array_equal(restored[name], expected[name], err_msg=name)
    forward = target.model.get_layer('bilstm_0').forward_layer.cell.kernel.numpy()
    np.testing.assert_array_equal(forward, model['bilstm_0/forward_lstm_0/lstm_cell/kernel'])


def test_names_do_not_depend_on_what_the_process_built_before():
    first, second = trainer(1), trainer(1)  # Keras numbers seed generators and optimizers
    assert list(first.model_values()) == list(second.model_values())
    assert list(first.optimizer_values()) == list(second.optimizer_values())
    assert 'dropout_0/seed_generator_state' in first.model_values()


def test_restore_names_missing_and_unknown_variables():
    source, target = trainer(1), trainer(2)
    values = source.model_values()
    values['bilstm_0/forward_lstm_1/lstm_cell/kernel'] = values.pop(
        'bilstm_0/forward_lstm_0/lstm_cell/kernel')
    with pytest.raises(ValueError, match='missing from the checkpoint bilstm_0/forward_lstm_0'
                       '/lstm_cell/kernel; unknown to this model bilstm_0/forward_lstm_1'):
        target.restore(values, source.optimizer_values())
    with pytest.raises(ValueError, match='has shape'):
        target.restore(trainer(3, units=5).model_values(), source.optimizer_values())


def test_a_checkpoint_by_position_still_restores_in_order_with_a_warning(tmp_path):
    """As written before names were stored: model/0000, ... and no state['keys']."""
    source, target = trainer(1), trainer(2)
    arrays = {f'model/{i:04d}': v for i, v in enumerate(source.model_values().values())}
    arrays.update({f'optimizer/{i:04d}': v
                   for i, v in enumerate(source.optimizer_values().values())})
    from models.training.checkpoints import _digest
    state = {'epoch': 3, 'sha256': _digest(arrays)}
    arrays['state'] = np.frombuffer(json.dumps(state).encode(), np.uint8)
    np.savez(tmp_path / 'epoch-0003.npz', **arrays)
    checkpoint = Checkpoint.latest(tmp_path)
    with pytest.warns(UserWarning, match='by position'):
        checkpoint.restore(target)
    for name, value in source.model_values().items():
        np.testing.assert_array_equal(target.model_values()[name], value, err_msg=name)
