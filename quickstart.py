"""From a fresh clone to reading handwriting, then to training a recognizer of your own.

    python quickstart.py                          # a few minutes on 2 CPU cores
    python quickstart.py --lines 100 --no-examples   # a smoke run of the training steps

Runs the scripts a user would run, one after the other, in the current directory:
    recognize.py the example ink of examples/ink/ with the shipped weights/iam, printed
                 beside the true text each file holds
    compile.py   synthetic lines, written as weights/synthetic's were (its pre-processing
                 and the source's five options for more human lines; another seed, so
                 that none of them was seen in training) -> datasets/quickstart
    train.py     one epoch from the weights of weights/synthetic (--init_from)
                 -> weights/quickstart (resumes if run again)
    build_lm.py  the training transcriptions and the source's vocabulary
                 -> weights/quickstart/lm.arpa
    evaluate.py  test CER and WER, best path and token passing
and ends by naming the demos and commands to go on with.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(ROOT, 'examples', 'ink')
READER = os.path.join('weights', 'iam')      # the shipped model that reads people's writing
START = os.path.join('weights', 'synthetic')  # the shipped model trained on synthetic lines
# weights/synthetic's source options (see docs/shipped-models.md), with a seed of its own
SOURCE_OPTIONS = ['seed=1', 'elastic=2.5', 'variability=2.0', 'accents_in_place=0.95',
                  'print_order=True', 'min_words=2', 'max_words=9', 'allographs=0.8']


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--lines', type=int, default=600,
                   help='synthetic lines to compile (default: %(default)s)')
    p.add_argument('--epochs', type=int, default=1, help='training epochs (default: %(default)s)')
    p.add_argument('--name', default='quickstart',
                   help='name of the data set and of the model folder (default: %(default)s)')
    p.add_argument('--examples', action=argparse.BooleanOptionalAction, default=True,
                   help='read the example ink of examples/ink/ first (default: on)')
    args = p.parse_args(argv)
    if args.lines < 20 or args.epochs < 1:
        p.error('need at least 20 lines and 1 epoch')
    return args


def step(title, script, *args, show_output=True):
    print(f'\n=== {title}: python {script} {" ".join(args)}', flush=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, os.path.join(ROOT, script), *args],
                          stdout=None if show_output else subprocess.DEVNULL)
    if done.returncode:
        sys.exit(f'quickstart.py: {script} failed (exit {done.returncode})')
    print(f'=== {title}: {time.perf_counter() - started:.0f} s', flush=True)


def model_folder(name):
    """A shipped model folder: here, or beside this script when run from elsewhere."""
    return name if os.path.isdir(name) else os.path.join(ROOT, name)


def true_text(path):
    """The text an example file holds: InkML's truth annotation, or JSON's "text"."""
    if path.endswith('.json'):
        with open(path, encoding='utf-8') as f:
            return json.load(f)['text']
    from data.inkml import read_inkml
    return read_inkml(path)[0].text


def read_examples():
    """recognize.py on the example ink with weights/iam and its default decoder; prints each
    file's truth above what was read."""
    here = os.getcwd() + os.sep
    examples = os.path.relpath(EXAMPLES) if EXAMPLES.startswith(here) else EXAMPLES
    with tempfile.TemporaryDirectory() as folder:
        records = os.path.join(folder, 'examples.jsonl')
        step('read the example ink', 'recognize.py', examples, '--model', model_folder(READER),
             '--output', records, show_output=False)
        with open(records, encoding='utf-8') as f:
            read = [json.loads(line) for line in f]
    print(f'what {READER} read ({read[0]["decoder"].replace("_", " ")}), below the truth:')
    for record in read:
        print(f'  {os.path.basename(record["file"])}\n    truth: {true_text(record["file"])}'
              f'\n    read:  {record["text"]}')


def dataset_matches(folder, lines):
    """A data set compiled earlier with the same number of lines is used again."""
    try:
        with open(os.path.join(folder, 'meta.json'), encoding='utf-8') as f:
            return sum(json.load(f)['counts'].values()) == lines
    except (OSError, ValueError, KeyError):
        return False


def write_vocabulary(path, dataset):
    """The synthetic writer's own words, also capitalized, so that token passing knows test
    words that the training lines happen to lack (a few hundred lines leave most of its
    2,000 words out); only those the model can spell."""
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


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    if args.examples:
        read_examples()
    from data.dataset_format import DATASETS_DIR
    from models.model_folder import WEIGHTS_DIR
    dataset = os.path.join(DATASETS_DIR, args.name)
    model = os.path.join(WEIGHTS_DIR, args.name)
    fresh = not dataset_matches(dataset, args.lines)
    if fresh:
        options = [arg for option in SOURCE_OPTIONS for arg in ('-o', option)]
        step('compile', 'compile.py', 'synthetic', 'deslanted_height_corners',
             f'--num_examples={args.lines}', *options, '--name', args.name, '--overwrite')
    step('train', 'train.py', '--dataset', dataset, '--name', args.name,
         '--init_from', model_folder(START), '--layers', '3', '--units', '128',
         '--dropout', '0.2', '--learning_rate', '0.0005', f'--epochs={args.epochs}',
         *(['--overwrite'] if fresh else []))
    vocabulary = write_vocabulary(os.path.join(model, 'vocabulary.txt'), dataset)
    step('language model', 'build_lm.py', '--dataset', dataset, '--dictionary', vocabulary,
         '--output', os.path.join(model, 'lm.arpa'))
    rates = {}
    for decoder in ('best_path', 'token_passing'):
        rows = os.path.join(model, f'test_{decoder}.jsonl')
        step(f'evaluate ({decoder})', 'evaluate.py', '--model', model, '--dataset', dataset,
             '--decoder', decoder, '--output', rows)
        rates[decoder] = error_rates(rows)
    print(f'\nquickstart done in {(time.perf_counter() - started) / 60:.1f} minutes; '
          f'your model is in {model}')
    for decoder, (cer, wer) in rates.items():
        print(f'its synthetic test lines: CER {cer:.1%}, WER {wer:.1%} with '
              f'{decoder.replace("_", " ")}')
    print(f'\nnext, with {READER}, which reads people\'s handwriting:\n'
          f'  python demo/draw.py                    write with the mouse\n'
          f'  python recognize.py your_ink.inkml     InkML, JSON or IAM-OnDB stroke files\n'
          f'  python serve.py                        a local recognition service\n'
          f'  python deploy.py && python demo/web/serve.py   the web page '
          f'(after: cd demo/web && npm ci)')


if __name__ == '__main__':
    main()
