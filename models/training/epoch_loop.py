"""The epoch loop: train on length-grouped batches, validate, report, then hand the epoch's
outcome to a callback that saves it (models.training.folder_writer: a checkpoint and the
model folder).
"""
import math
import time

from tqdm import tqdm

from algorithms.error_rates import cer, wer
from models.training.batching import augmentation_rng, epoch_rng, grouped_batches
from models.training.reporting import epoch_line, example_lines


class TrainingError(RuntimeError):
    """An expected failure of a training run, reported to the user as one line."""


class DivergedError(TrainingError):
    """The loss became NaN or infinite; the last checkpoint is still good."""


def fit(trainer, train, validation, schedule, char_table, *, epochs, batch_size, seed,
        on_epoch_end, show=3, progress=True, distorter=None):
    """Train until `epochs` are done or early stopping says stop.

    train, validation: models.training.batching.LineSet. schedule:
    models.training.schedule.Schedule, updated in place. on_epoch_end(schedule, improved)
    runs after each epoch's figures are in.
    distorter: a models.training.augmentation.Distorter for the training lines, or None.
    """
    while schedule.epoch < epochs and not schedule.stopped_early:
        start = time.time()
        trainer.set_learning_rate(schedule.learning_rate)
        batches = grouped_batches(train.lengths, batch_size, epoch_rng(seed, schedule.epoch),
                                  min_size=trainer.replicas)
        distort = None
        if distorter is not None:  # its own generator: the batch order stays as it was
            rng = augmentation_rng(seed, schedule.epoch)
            distort = lambda features: distorter(features, rng)  # noqa: E731
        loss = _train_epoch(trainer, train, batches, f'epoch {schedule.epoch + 1}/{epochs}',
                            progress, distort)
        val_loss, decoded = trainer.evaluate(validation, batch_size)
        if not math.isfinite(val_loss):  # before on_epoch_end: the last checkpoint stays
            raise DivergedError(f'the validation loss became {val_loss} after epoch '
                                f'{schedule.epoch + 1}; training stops, its last checkpoint '
                                f'kept; lower --learning_rate or --clipnorm, or check the '
                                f'validation data')
        predictions = [char_table.decode(ids) for ids in decoded]
        figures = {'loss': loss, 'val_loss': val_loss,
                   'val_cer': cer(validation.texts, predictions),
                   'val_wer': wer(validation.texts, predictions),
                   'learning_rate': schedule.learning_rate, 'seconds': time.time() - start}
        improved = schedule.end_epoch(figures)
        on_epoch_end(schedule, improved)
        print(epoch_line(schedule.history[-1], epochs, improved))
        for line in example_lines(validation.texts[:show], predictions[:show]):
            print(line)
    if schedule.stopped_early:
        print(f'stopped early: validation loss has not improved since epoch '
            f'{schedule.best_loss_epoch}')


def _train_epoch(trainer, lines, batches, description, progress, distort) -> float:
    """-> mean CTC loss per line over the epoch."""
    total, seen = 0.0, 0
    with tqdm(total=len(lines), desc=description, unit='line', disable=not progress,
              leave=False, mininterval=0.5) as bar:
        for indices in batches:
            loss = trainer.train_batch(lines.batch(indices, distort))
            if not math.isfinite(loss):
                raise DivergedError(f'the loss became {loss} in {description}; lower '
                                    f'--learning_rate or --clipnorm')
            total, seen = total + loss * len(indices), seen + len(indices)
            bar.update(len(indices))
            bar.set_postfix(loss=f'{total / seen:.3f}', refresh=False)
    return total / seen
