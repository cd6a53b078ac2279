"""One training run, the TensorFlow side of train.py: strategy, model, resume from the
checkpoint, the epoch loop, and the model folder written after every epoch.

Imported only after train.py has checked the options, the data set and the model folder,
so that those mistakes are reported without waiting for TensorFlow to start.
"""
import os
from dataclasses import replace

import keras
import tensorflow as tf

from models.network import build_model
from models.training.augmentation import Augmentation, Distorter
from models.training.batching import LineSet
from models.training.config import TrainingConfig
from models.training.epoch_loop import TrainingError, fit
from models.training.folder_writer import FolderWriter
from models.training.init_from import read_source, record, take_weights
from models.training.optimizer_step import Trainer
from models.training.resume import TRAINED_SPLITS
from models.training.schedule import Schedule
from models.training.strategy import cudnn_choice, make_strategy
from models.training.workers import chiefs_checkpoint, is_multi_worker

# Options that shape the arithmetic of training: a resumed run keeps the first run's.
RECIPE = ('seed', 'batch_size', 'clipnorm', 'learning_rate', 'augment', 'warp')


def train(config: TrainingConfig, dataset, folder, architecture, checkpoint):
    if config.threads:  # before TensorFlow's first operation, which fixes its thread pools
        try:
            tf.config.threading.set_intra_op_parallelism_threads(config.threads)
            tf.config.threading.set_inter_op_parallelism_threads(config.threads)
        except RuntimeError:  # train.main() called in a process where TensorFlow runs
            raise TrainingError('--threads must be set before TensorFlow starts in this '
                                'process; run train.py in a process of its own') from None
    strategy, chief = make_strategy(config.distribute)
    if is_multi_worker(strategy):  # the chief prepared the folder; the others wait for it
        checkpoint = chiefs_checkpoint(strategy, chief, checkpoint, folder)
    use_cudnn = cudnn_choice(config.cuda)
    recipe, schedule = starting_point(config, checkpoint)
    config = replace(config, **{key: recipe[key] for key in RECIPE})  # the settings in effect
    # the source is loaded before this run seeds and builds its model: fresh weights stay
    # those of a run from scratch
    source = read_source(config.init_from) if config.init_from and checkpoint is None else None
    if _finished(schedule, config.epochs, folder) and not (  # (workers would wait for the chief)
            chief and checkpoint is not None and not is_multi_worker(strategy)
            and FolderWriter.behind(folder, schedule)):
        return
    train_lines, validation = load_lines(dataset, architecture.get('stride', 1))
    if config.batch_size < strategy.num_replicas_in_sync:
        raise TrainingError(f'--batch_size {config.batch_size} is smaller than the '
                            f'{strategy.num_replicas_in_sync} replicas')

    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model = build_model(**architecture, use_cudnn=use_cudnn, name=os.path.basename(folder))
        trainer = Trainer(model, schedule.learning_rate, config.clipnorm or None, strategy)
    if checkpoint is not None:
        try:
            checkpoint.restore(trainer)
        except ValueError as e:
            raise TrainingError(f'the checkpoint in {folder} does not fit: {e}') from None
        print(f'resuming {folder} after epoch {schedule.epoch}')
    else:
        start = 'from scratch'
        if source is not None:
            new = take_weights(model, source, dataset.char_table.characters)
            recipe['init_from'] = record(source, new)
            start = (f'from the weights of {source.folder} ({source.which_weights()}; '
                     f'{_new_characters(new)})')
        print(f'training {folder} {start}: {model.count_params():,} parameters, '
              f'{architecture["num_layers"]} x {architecture["units"]} BiLSTM, '
              f'{strategy.num_replicas_in_sync} replica(s)')
    writer = (FolderWriter(folder, trainer, dataset, architecture, recipe, config)
              if chief else None)
    if writer and checkpoint is not None:
        writer.catch_up(schedule)
    fit(trainer, train_lines, validation, schedule, dataset.char_table, epochs=config.epochs,
        batch_size=config.batch_size, seed=config.seed, show=config.show,
        progress=config.progress, on_epoch_end=writer or (lambda *_: None),
        distorter=distorter(config.augment, config.warp, dataset.pipeline))
    print(f'{folder}: best validation CER {100 * schedule.best_cer:.1f}% '
          f'at epoch {schedule.best_cer_epoch}')


def starting_point(config, checkpoint):
    """-> (recipe, Schedule): fresh from the options, or the checkpoint's.

    A resumed run keeps the recipe it started with (announcing any option it overrides)
    and its schedule's counters; the patience settings come from this run's options.
    """
    recipe = {key: getattr(config, key) for key in RECIPE}
    recipe['init_from'] = None  # set once the source's weights are in the model
    schedule = Schedule(config.learning_rate)
    if checkpoint is not None:
        if config.init_from:
            print(f'resuming from the checkpoint, not from --init_from {config.init_from} '
                  f'(it counts only for a fresh start)')
        for key, value in checkpoint.recipe.items():
            if key != 'init_from' and recipe[key] != value:
                print(f'resuming with the checkpoint\'s --{key} {value} '
                      f'(ignoring {recipe[key]})')
        recipe = dict(checkpoint.recipe)
        schedule = Schedule.from_json(checkpoint.schedule)
    schedule.resume_with(reduce_lr_patience=config.reduce_lr,
                         reduce_lr_factor=config.reduce_lr_factor,
                         min_learning_rate=config.min_learning_rate,
                         early_stopping_patience=config.early_stopping)
    return recipe, schedule


def _new_characters(new) -> str:
    if not new:
        return 'it knows every character'
    return (f'{len(new)} character(s) new to it keep fresh weights: '
            + ' '.join(repr(c) for c in new))


def distorter(augment, warp, pipeline):
    """The training lines' random distortion at --augment and --warp, or None for 0 and 0."""
    if not augment and not warp:
        return None
    return Distorter.for_pipeline(replace(Augmentation().scaled(augment), warp=warp), pipeline)


def _finished(schedule, epochs, folder) -> bool:
    if schedule.stopped_early:
        print(f'{folder}: training stopped early after epoch {schedule.epoch} (validation '
              f'loss flat since epoch {schedule.best_loss_epoch}); pass a larger '
              f'--early_stopping, or 0, to train on')
    elif schedule.epoch >= epochs:
        print(f'{folder}: training is done ({schedule.epoch} epochs, best validation CER '
              f'{100 * schedule.best_cer:.1f}% at epoch {schedule.best_cer_epoch}); '
              f'raise --epochs to train on')
    return schedule.stopped_early or schedule.epoch >= epochs


def load_lines(dataset, stride=1):
    """-> (train, validation) LineSets without the lines too short for CTC (after
    subsampling by `stride`), counted."""
    sets = []
    for name in TRAINED_SPLITS:
        lines, short = LineSet.from_split(dataset.split(name), stride)
        if short:
            print(f'{name}: left out {short} lines with fewer frames than CTC needs '
                  f'for their text')
        if not len(lines):
            raise TrainingError(f'{dataset.folder} has no usable {name} lines')
        sets.append(lines)
    print(f'{len(sets[0])} training lines, {len(sets[1])} validation lines')
    return sets
