"""A picture of training: loss and validation CER per epoch, from a model's log.csv.

    python -m models.training.curves weights/synthetic           # -> weights/synthetic/curves.png
    python -m models.training.curves weights/synthetic --output docs/training_curves.png
"""
import argparse
import csv
import os
import sys

from models.model_folder import LOG_FILE, TRAINING_DIR


def read_log(path) -> dict:
    """log.csv -> {column: [float per epoch]}."""
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f'{path} has no epochs yet')
    return {key: [float(row[key]) for row in rows] for key in rows[0]}


def read_model_log(model, program) -> dict:
    """read_log of a model folder's training/log.csv, or exit with one line saying why not
    (for scripts: `program` names the one that failed)."""
    path = os.path.join(model, TRAINING_DIR, LOG_FILE)
    try:
        return read_log(path)
    except FileNotFoundError:
        sys.exit(f'{program}: error: no training log at {path}')
    except (ValueError, KeyError) as e:
        sys.exit(f'{program}: error: {path}: {e}')


def plot(log: dict, output, title=''):
    import matplotlib
    matplotlib.use('Agg')  # files only: no display needed
    import matplotlib.pyplot as plt
    fig, (loss, cer) = plt.subplots(1, 2, figsize=(10, 3.6))
    epochs = log['epoch']
    loss.plot(epochs, log['loss'], 'o-', label='training')
    loss.plot(epochs, log['val_loss'], 'o-', label='validation')
    loss.set(xlabel='epoch', ylabel='CTC loss per line', yscale='log', title='loss')
    loss.legend()
    cer.plot(epochs, [100 * v for v in log['val_cer']], 'o-', label='CER')
    cer.plot(epochs, [100 * v for v in log['val_wer']], 'o-', label='WER')
    cer.set(xlabel='epoch', ylabel='%', title='validation error rates (best path)',
            ylim=(0, 100))
    cer.legend()
    for ax in (loss, cer):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(output, dpi=100)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('model', help='model folder written by train.py')
    p.add_argument('--output', help='PNG to write (default: curves.png in the model folder)')
    args = p.parse_args(argv)
    log = read_model_log(args.model, 'curves')
    output = args.output or os.path.join(args.model, 'curves.png')
    plot(log, output, title=os.path.basename(os.path.normpath(args.model)))
    print(f'wrote {output}')


if __name__ == '__main__':
    main()
