"""Build a bigram language model (an ARPA file) for the token passing decoder.

    python build_lm.py                                  # datasets/synthetic/lm.arpa
    python build_lm.py --dataset iam --max_words 20000  # datasets/iam/lm.arpa
    python build_lm.py --text corpus.txt more.txt --output weights/iam/lm.arpa
    python build_lm.py --dictionary words.txt           # also knows every word of words.txt

The model's words are the decoder's dictionary. By default it learns from the
transcriptions of a compiled data set's train split (never validation or test, so that
evaluation stays honest); --text reads UTF-8 text files instead, one sentence per line;
--dictionary adds words that the texts lack (a closed vocabulary, as in Graves et al. 2009).
Words are whitespace-separated tokens; the --max_words most frequent are kept, the others
count as <unk>. Smoothing: absolute discounting with back-off to unigrams (see
algorithms/language_model.py). Works offline: nothing is downloaded.
"""
import argparse
import os
import sys

from algorithms.language_model import DEFAULT_MAX_WORDS, build_bigram_lm, write_arpa
from data.charset import normalize_text
from data.compiled import DEFAULT_DATASET, CompiledSplit
from models.model_folder import LM_FILE

DATASETS_DIR = 'datasets'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default=DEFAULT_DATASET,
                   help='compiled data set whose train transcriptions to learn from: a '
                   f'folder, or a name under {DATASETS_DIR}/ (default: %(default)s)')
    p.add_argument('--text', nargs='+', metavar='FILE',
                   help='learn from these UTF-8 text files instead (one sentence per line)')
    p.add_argument('--dictionary', nargs='+', metavar='FILE',
                   help='word lists (UTF-8, whitespace-separated) whose words the model must '
                   'know even if the texts lack them: the decoder writes only known words')
    p.add_argument('--max_words', type=int, default=DEFAULT_MAX_WORDS,
                   help='keep this many most frequent words, 0 = all (default: %(default)s)')
    p.add_argument('--output', help=f'ARPA file to write; default: {LM_FILE} in the data set '
                   'folder (needed with --text)')
    args = p.parse_args(argv)
    if args.max_words < 0:
        p.error(f'--max_words must be >= 0, got {args.max_words}')
    if args.text and not args.output:
        p.error('--text needs --output (where to write the model)')
    return args


def dataset_folder(name: str) -> str:
    return name if os.path.isdir(name) or os.sep in name else os.path.join(DATASETS_DIR, name)


def dataset_texts(folder: str) -> list:
    """The transcriptions of the data set's train split."""
    path = os.path.join(folder, 'train.h5')
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path} not found: compile the data set first (python '
                                f'compile.py ...), or pass --text FILE')
    return CompiledSplit(path).texts


def file_texts(paths) -> list:
    lines = []
    for path in paths:
        try:
            with open(path, encoding='utf-8') as f:
                lines.extend(normalize_text(line) for line in f)
        except UnicodeDecodeError as e:
            raise ValueError(f'{path} is not UTF-8 text ({e.reason} at byte {e.start})') from None
    return lines


def main(argv=None):
    args = parse_args(argv)
    folder = dataset_folder(args.dataset)
    output = args.output or os.path.join(folder, LM_FILE)
    try:
        lines = file_texts(args.text) if args.text else dataset_texts(folder)
        origin = ', '.join(args.text) if args.text else os.path.join(folder, 'train.h5')
        dictionary = [w for line in file_texts(args.dictionary or []) for w in line.split()]
        lm = build_bigram_lm(lines, args.max_words or None, dictionary)
        if os.path.dirname(output):
            os.makedirs(os.path.dirname(output), exist_ok=True)
        write_arpa(lm, output)
    except (OSError, ValueError) as e:
        sys.exit(f'build_lm.py: error: {e}')
    seen = len({word for line in lines for word in line.split()})
    print(f'wrote {output}: {len(lm.words):,} words (of {seen:,} distinct), '
          f'{len(lm.bigrams):,} bigrams, from {len(lines):,} lines of {origin}')


if __name__ == '__main__':
    main()
