"""Validation CER by epoch of several training runs side by side, with a head start per run.

    python studies/compare_runs.py weights/iam-default-scratch weights/iam-default-init
    python studies/compare_runs.py weights/iam-default-scratch weights/iam-default-init \
        --head_start 0 31 --output docs/pretraining_curves.png

Why: the question "does pre-training on synthetic lines help?" is asked at equal total
training time, and a run started with `train.py --init_from` has spent time before its first
epoch. `--head_start` gives each run's earlier training in epochs of the runs compared
(e.g. the synthetic model's minutes divided by the minutes of one epoch on the target data,
both measured on the same kind of core), so that the table's "total" columns and the
picture's right panel compare runs at the same cost. Reads each folder's training/log.csv;
prints a Markdown table (validation CER, best path, by epoch) and, with `--output`, draws
CER against the run's own epochs (left) and against epochs counted with the head start
(right).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from models.training.curves import read_model_log  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('runs', nargs='+', help='model folders written by train.py')
    p.add_argument('--head_start', type=float, nargs='+',
                   help='per run, its training before epoch 1, in epochs of these runs '
                        '(default: 0 for every run)')
    p.add_argument('--output', help='PNG to draw the curves into (default: none)')
    args = p.parse_args(argv)
    args.head_start = args.head_start or [0.0] * len(args.runs)
    if len(args.head_start) != len(args.runs):
        p.error(f'--head_start needs one value per run: {len(args.runs)} runs, '
                f'{len(args.head_start)} values')
    if min(args.head_start) < 0:
        p.error('--head_start values must be >= 0')
    return args


def read_runs(folders) -> dict:
    """{folder: {epoch: validation CER}}; exits with one line on a missing or empty log."""
    runs = {}
    for folder in folders:
        log = read_model_log(folder, 'compare_runs')
        runs[folder] = dict(zip((int(e) for e in log['epoch']), log['val_cer']))
    return runs


def table(runs: dict, head_start) -> str:
    """Markdown: one row per run, one column per epoch any run reached, then the best."""
    epochs = sorted({e for cer in runs.values() for e in cer})
    lines = ['| run | head start | ' + ' | '.join(str(e) for e in epochs) + ' | best |',
             '|---|---|' + '---|' * (len(epochs) + 1)]
    for (folder, cer), start in zip(runs.items(), head_start):
        cells = [f'{100 * cer[e]:.1f}%' if e in cer else '' for e in epochs]
        best = min(cer, key=cer.get)
        lines.append(f'| {os.path.basename(os.path.normpath(folder))} | {start:g} | '
                     + ' | '.join(cells) + f' | {100 * cer[best]:.1f}% ({best}) |')
    return '\n'.join(lines)


def plot(runs: dict, head_start, output):
    import matplotlib
    matplotlib.use('Agg')  # files only: no display needed
    import matplotlib.pyplot as plt
    fig, (own, total) = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    for (folder, cer), start in zip(runs.items(), head_start):
        name = os.path.basename(os.path.normpath(folder))
        epochs = sorted(cer)
        values = [100 * cer[e] for e in epochs]
        own.plot(epochs, values, 'o-', label=name)
        total.plot([e + start for e in epochs], values, 'o-', label=name)
    own.set(xlabel='epochs on this data', ylabel='validation CER, best path (%)',
            title='by epoch of the run')
    total.set(xlabel='epochs, counting the head start', title='at equal total training')
    for ax in (own, total):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(output, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    runs = read_runs(args.runs)
    print(table(runs, args.head_start))
    if args.output:
        plot(runs, args.head_start, args.output)
        print(f'wrote {args.output}')


if __name__ == '__main__':
    main()
