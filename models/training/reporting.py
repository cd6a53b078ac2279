"""What a user sees of training: a line per epoch, a few validation lines, log.csv and
TensorBoard scalars.

log.csv is rewritten from the history kept in each checkpoint, so after a resume it holds
every epoch exactly once, whatever moment the previous run was killed at.
"""
import csv

from models.atomic_files import written_then_renamed

COLUMNS = ('epoch', 'loss', 'val_loss', 'val_cer', 'val_wer', 'learning_rate', 'seconds')


def epoch_line(figures: dict, epochs: int, best: bool) -> str:
    return (f'epoch {figures["epoch"]}/{epochs}: loss {figures["loss"]:.3f}, '
            f'val_loss {figures["val_loss"]:.3f}, val CER {100 * figures["val_cer"]:.1f}%, '
            f'WER {100 * figures["val_wer"]:.1f}%, lr {figures["learning_rate"]:.2g}, '
            f'{figures["seconds"]:.0f} s' + (' (best so far, saved)' if best else ''))


def example_lines(truths, predictions) -> list:
    return [f'  {t!r} -> {p!r}' for t, p in zip(truths, predictions)]


def write_csv(path, history):
    with written_then_renamed(f'{path}.tmp', path) as tmp:
        with open(tmp, 'w', newline='', encoding='utf-8') as f:
            writer = csv.DictWriter(f, COLUMNS, extrasaction='ignore')
            writer.writeheader()
            writer.writerows(history)


class TensorBoardLog:
    """Per-epoch scalars under <training>/tensorboard (`tensorboard --logdir weights`)."""

    def __init__(self, folder):
        import tensorflow as tf  # here: train.py reads this module before TensorFlow starts
        self._tf = tf
        self._writer = tf.summary.create_file_writer(folder)

    def write(self, figures: dict):
        with self._writer.as_default():
            for name in COLUMNS[1:]:
                self._tf.summary.scalar(name, figures[name], step=figures['epoch'])
        self._writer.flush()
