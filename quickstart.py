"""From a fresh clone to a working recognizer, on the built-in synthetic handwriting.

    python quickstart.py                          # about 15 minutes on 2 CPU cores
    python quickstart.py --lines 300 --epochs 1   # a smoke run of every step

Runs the scripts a user would run, one after the other, in the current directory:
    compile.py   synthetic lines -> datasets/quickstart
    train.py     -> weights/quickstart (resumes if run again)
    build_lm.py  the training transcriptions and the source's vocabulary
                 -> weights/quickstart/lm.arpa
    evaluate.py  test CER and WER, best path and token passing
then recognizes a few raw test lines with the Python API and prints them beside their truth.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')  # TensorFlow's start-up chatter, here and in the steps


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--lines', type=int, default=3000,
                   help='synthetic lines to compile (default: %(default)s)')
    p.add_argument('--epochs', type=int, default=20, help='training epochs (default: %(default)s)')
    p.add_argument('--name', default='quickstart',
                   help='name of the data set and of the model folder (default: %(default)s)')
    p.add_argument('--show', type=int, default=8,
                   help='raw test lines to recognize at the end (default: %(default)s)')
    args = p.parse_args(argv)
    if args.lines < 20 or args.epochs < 1:
        p.error('need at least 20 lines and 1 epoch')
    return args


def step(title, script, *args):
    print(f'\n=== {title}: python {script} {" ".join(args)}', flush=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, os.path.join(ROOT, script), *args])
    if done.returncode:
        sys.exit(f'quickstart.py: {script} failed (exit {done.returncode})')
    print(f'=== {title}: {time.perf_counter() - started:.0f} s', flush=True)


def dataset_matches(folder, lines):
    """A data set compiled earlier with the same number of lines is used again."""
    try:
        with open(os.path.join(folder, 'meta.json'), encoding='utf-8') as f:
            return sum(json.load(f)['counts'].values()) == lines
    except (OSError, ValueError, KeyError):
        return False


def write_vocabulary(path, dataset):
    """The synthetic writer's own words, also capitalized, so that token passing knows test
    words that the training lines happen to lack (3,000 lines leave some of its 2,000 words
    out); only those the model can spell (a tiny run may never have seen a 'z')."""
    from data.dataset_format import open_dataset
    from data.synthetic import SyntheticSource
    known = set(open_dataset(dataset).char_table.characters)
    words = SyntheticSource(1).words
    words += tuple(w[0].upper() + w[1:] for w in words)   # as sentence starts and names
    words = [w for w in dict.fromkeys(words) if set(w) <= known]
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(words) + '\n')
    return path


def error_rates(rows_path):
    """(CER, WER) summed over the per-line rows that evaluate.py wrote."""
    totals = [0, 0, 0, 0]
    with open(rows_path, encoding='utf-8') as f:
        for line in f:
            row = json.loads(line)
            for k, key in enumerate(('char_edits', 'chars', 'word_edits', 'words')):
                totals[k] += row[key]
    return totals[0] / max(totals[1], 1), totals[2] / max(totals[3], 1)


def show_recognitions(model, dataset, count):
    """End to end on raw ink: the test split keeps each line's original strokes."""
    from data.dataset_format import open_dataset
    from models.recognizer import Recognizer
    test = open_dataset(dataset).split('test')
    lines = [test.strokes(i) for i in range(min(count, len(test)))]
    best = Recognizer.load(model).recognize_batch(lines)
    lm = Recognizer.load(model, decoder='token_passing').recognize_batch(lines)
    print('\ntruth  ->  best path  |  token passing')
    for i in range(len(lines)):
        print(f'{test.texts[i]!r}  ->  {best[i]!r}  |  {lm[i]!r}')


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    from data.dataset_format import DATASETS_DIR
    from models.model_folder import WEIGHTS_DIR
    dataset = os.path.join(DATASETS_DIR, args.name)
    model = os.path.join(WEIGHTS_DIR, args.name)
    fresh = not dataset_matches(dataset, args.lines)
    if fresh:
        step('compile', 'compile.py', 'synthetic', 'default', f'--num_examples={args.lines}',
             '--name', args.name, '--overwrite')
    step('train', 'train.py', '--dataset', dataset, '--name', args.name,
         f'--epochs={args.epochs}', *(['--overwrite'] if fresh else []))
    vocabulary = write_vocabulary(os.path.join(model, 'vocabulary.txt'), dataset)
    step('language model', 'build_lm.py', '--dataset', dataset, '--dictionary', vocabulary,
         '--output', os.path.join(model, 'lm.arpa'))
    rates = {}
    for decoder in ('best_path', 'token_passing'):
        rows = os.path.join(model, f'test_{decoder}.jsonl')
        step(f'evaluate ({decoder})', 'evaluate.py', '--model', model, '--dataset', dataset,
             '--decoder', decoder, '--output', rows)
        rates[decoder] = error_rates(rows)
    show_recognitions(model, dataset, args.show)
    print(f'\nquickstart done in {(time.perf_counter() - started) / 60:.1f} minutes; '
          f'the model is in {model}')
    for decoder, (cer, wer) in rates.items():
        print(f'test CER {cer:.1%}, WER {wer:.1%} with {decoder.replace("_", " ")}')
    print(f'next: python demo/draw.py --model {model}')


if __name__ == '__main__':
    main()
