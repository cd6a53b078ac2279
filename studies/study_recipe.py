"""Studies of the IAM-OnDB recipe on short proxy runs: one setting changed at a time.

    python studies/study_recipe.py                          # every study, 8 epochs each
    python studies/study_recipe.py --only deslant augment   # some rows
    python studies/study_recipe.py --epochs 4 --layers 1    # a cheaper proxy
    taskset -c 0 python studies/study_recipe.py --threads 1 # beside a long run on core 1

Each row compiles IAM-OnDB (with the t1 lists: validation = testset_v + testset_t) with
its pre-processing, unless a row before it already did, then trains a small BiLSTM with
train.py for a few epochs and reads the best validation CER and WER (best path) from the
model folder's log. Rows differ from `baseline` in one setting each. Results are kept in
datasets/study/results.json, so an interrupted study picks up where it stopped; a row is
run again only with --rerun. Prints one table at the end (and as rows finish).

A proxy is a small model trained briefly: it ranks settings that act early (pre-processing,
density); settings that pay off late (augmentation, dropout) look worse on a proxy than on a
full run, so judge those on the long run's curve (README, "IAM-OnDB").
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from data.compiling import compile_dataset  # noqa: E402 (after the path is set)
from data.dataset_format import DATASETS_DIR  # noqa: E402
from data.iam import DEFAULT_ROOT, DEFAULT_SPLIT_LISTS, IamSource  # noqa: E402
from data.preprocessing import Pipeline  # noqa: E402

def steps(deslant=False, quantile=0.0, step=0.2, height=False, tolerance=0.0):
    out = [('deslant', {'max_angle': 45.0})] if deslant else []
    resample = {'step': step, **({'tolerance': tolerance} if tolerance else {})}
    return out + [('normalize_scale', {'quantile': quantile} if quantile else {}),
                  ('resample', resample), *([('height', {})] if height else []),
                  ('offsets', {}), ('standardize', {})]


# name -> (pre-processing steps, extra train.py options)
STUDIES = {
    'baseline': (steps(), []),
    'deslant': (steps(deslant=True), []),
    'robust_height': (steps(quantile=0.1, step=0.4), []),  # ~5 frames a character, as baseline
    'denser': (steps(step=0.15), []),
    'sparser': (steps(step=0.3), []),
    'corners': (steps(tolerance=0.25), []),  # + the point farthest off each chord
    'height': (steps(height=True), []),
    'subsample': (steps(), ['--subsample', '2']),  # the LSTMs read frame pairs: half the steps
    'augment': (steps(), ['--augment', '1']),
    'dropout': (steps(), ['--dropout', '0.25']),
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--only', nargs='+', choices=sorted(STUDIES), help='rows to run')
    p.add_argument('--root', default=DEFAULT_ROOT, help='IAM-OnDB (%(default)s)')
    p.add_argument('--split_lists', default=DEFAULT_SPLIT_LISTS,
                   help='folder of the t1 form lists (default: %(default)s)')
    p.add_argument('--folder', default=os.path.join(DATASETS_DIR, 'study'),
                   help='where compiled sets, models and results go (default: %(default)s)')
    p.add_argument('--epochs', type=int, default=8)
    p.add_argument('--layers', type=int, default=2)
    p.add_argument('--units', type=int, default=64)
    p.add_argument('--threads', type=int, default=0,
                   help='train.py --threads (default: TensorFlow\'s choice)')
    p.add_argument('--rerun', action='store_true', help='run rows that have results again')
    return p.parse_args(argv)


def compiled(args, pre) -> str:
    """The data set for a pre-processing, compiled once and named by its steps."""
    key = json.dumps(pre, sort_keys=True)
    index_path = os.path.join(args.folder, 'datasets.json')
    index = json.load(open(index_path)) if os.path.isfile(index_path) else {}
    if key not in index:
        folder = os.path.join(args.folder, f'data{len(index)}')
        source = IamSource(None, root=args.root, split_lists=args.split_lists)
        pipeline = Pipeline.from_json({'steps': [{'name': n, 'params': p} for n, p in pre]})
        compile_dataset(source, pipeline, folder, overwrite=True, source_name='iam',
                        progress=False)
        index[key] = folder
        with open(index_path, 'w') as f:
            json.dump(index, f, indent=1)
    return index[key]


def run_study(args, name) -> dict:
    pre, options = STUDIES[name]
    dataset = compiled(args, pre)
    weights = os.path.join(args.folder, 'weights')
    command = [sys.executable, 'train.py', '--dataset', dataset, '--weights_dir', weights,
               '--name', name, '--layers', str(args.layers), '--units', str(args.units),
               '--epochs', str(args.epochs), '--no-progress', '--show', '0', '--overwrite',
               '--threads', str(args.threads), *options]
    start = time.time()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(weights, name, 'training', 'log.csv')) as f:
        rows = list(csv.DictReader(f))
    best = min(rows, key=lambda r: float(r['val_cer']))
    with open(os.path.join(dataset, 'meta.json')) as f:
        meta = json.load(f)
    return {'val_cer': float(best['val_cer']), 'val_wer': float(best['val_wer']),
            'best_epoch': int(best['epoch']), 'minutes': (time.time() - start) / 60,
            'epoch_seconds': sorted(float(r['seconds']) for r in rows)[len(rows) // 2],
            'frames_per_line': meta['frames']['train'] / meta['counts']['train'],
            'options': options,
            'preprocessing': pre, 'epochs': args.epochs,
            'model': f'{args.layers}x{args.units}'}


def table(results) -> str:
    lines = ['| setting | val CER | val WER | best epoch | frames a line | median s/epoch |',
             '|---|---|---|---|---|---|']
    for name, r in results.items():
        lines.append(f'| {name} | {100 * r["val_cer"]:.1f}% | {100 * r["val_wer"]:.1f}% | '
                     f'{r["best_epoch"]}/{r["epochs"]} | {r["frames_per_line"]:.0f} | '
                     f'{r["epoch_seconds"]:.0f} |')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.folder, exist_ok=True)
    path = os.path.join(args.folder, 'results.json')
    results = json.load(open(path)) if os.path.isfile(path) else {}
    for name in args.only or STUDIES:
        if name in results and not args.rerun:
            continue
        results[name] = run_study(args, name)
        with open(path, 'w') as f:
            json.dump(results, f, indent=1)
        print(table({name: results[name]}).splitlines()[-1], flush=True)
    print(f'proxy: {args.layers} x {args.units} BiLSTM, {args.epochs} epochs, all training '
          f'lines; validation = testset_v + testset_t, best path')
    print(table({k: results[k] for k in (args.only or STUDIES) if k in results}))


if __name__ == '__main__':
    main()
