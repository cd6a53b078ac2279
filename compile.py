"""Compile a handwriting source into a data set that train.py reads.

    python compile.py synthetic default --num_examples=3000
    python compile.py iam default --num_examples=0 -o root=datasets/iam_online_db
    python compile.py my_sources.py:MyDataProvider default --num_examples=500 --name mine

Writes datasets/<name>/{train,validation,test}.h5 and meta.json (the fitted pre-processing,
the character table, counts, the source and its options).
"""
import argparse
import os
import sys
import warnings

from data.base import BadExample
from data.compiling import CompileError, compile_dataset
from data.dataset_format import DATASETS_DIR
from data.preprocessing import PREPROCESSORS, Pipeline
from data.sources import BUILTIN, SourceError, make_source, parse_options


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('source', help=f'a built-in source ({", ".join(sorted(BUILTIN))}), '
                   'package.module:Class, or path/to/file.py:Class (a BaseSource subclass)')
    p.add_argument('preprocessor', nargs='?', default='default',
                   help=f'pre-processing recipe: {", ".join(sorted(PREPROCESSORS))} '
                   '(default: %(default)s)')
    p.add_argument('--num_examples', type=int, default=1000,
                   help='examples to take from the source; 0 = all it has (default: %(default)s)')
    p.add_argument('--name', help='data set name; default: the source name, lower case')
    p.add_argument('-o', '--option', action='append', metavar='KEY=VALUE', default=[],
                   help='an option for the source constructor, repeatable; values are read '
                   'as Python literals (e.g. -o seed=3 -o "faces=[\'cursive\']")')
    p.add_argument('--seed', type=int, default=0, help='seed of the random split (default: 0)')
    p.add_argument('--validation_fraction', type=float, default=0.1,
                   help='share of lines for validation (default: %(default)s)')
    p.add_argument('--test_fraction', type=float, default=0.1,
                   help='share of lines for test (default: %(default)s)')
    p.add_argument('--datasets_dir', default=DATASETS_DIR,
                   help='where data sets are written (default: %(default)s)')
    p.add_argument('--strict', action='store_true',
                   help='stop at the first bad example instead of skipping it')
    p.add_argument('--overwrite', action='store_true', help='replace an existing data set')
    p.add_argument('--no-progress', dest='progress', action='store_false',
                   help='no progress bar')
    args = p.parse_args(argv)
    fractions = (args.validation_fraction, args.test_fraction)
    if min(fractions) < 0 or sum(fractions) >= 1:
        p.error(f'split fractions must be >= 0 and leave some for training, got '
                f'validation {fractions[0]} + test {fractions[1]}')
    if args.num_examples < 0:
        p.error(f'--num_examples must be >= 0, got {args.num_examples}')
    return args


def default_name(source: str) -> str:
    base = source.rsplit(':', 1)[-1]
    return {'SyntheticSource': 'synthetic', 'IamSource': 'iam'}.get(base, base).lower()


def warning_line(message, *_, **__):
    """Warnings as `warning: <text>` lines, without the file and line of the code."""
    return f'warning: {message}\n'


def main(argv=None):
    args = parse_args(argv)
    name = args.name or default_name(args.source)
    folder = os.path.join(args.datasets_dir, name)
    original = warnings.formatwarning  # catch_warnings restores the filters, not this
    try:
        pipeline = Pipeline.named(args.preprocessor)
        source = make_source(args.source, args.num_examples or None,
                             parse_options(args.option))
        with warnings.catch_warnings():
            warnings.simplefilter('always')
            warnings.formatwarning = warning_line
            meta = compile_dataset(source, pipeline, folder, seed=args.seed,
                                   fractions=(args.validation_fraction, args.test_fraction),
                                   strict=args.strict, overwrite=args.overwrite,
                                   source_name=args.source, progress=args.progress)
    except (SourceError, CompileError, BadExample, FileNotFoundError, ValueError) as e:
        sys.exit(f'compile.py: error: {e}')
    finally:
        warnings.formatwarning = original
    counts = meta['counts']
    print(f'wrote {folder}: {counts["train"]} train, {counts["validation"]} validation, '
          f'{counts["test"]} test lines; {len(meta["char_table"]["characters"])} characters; '
          f'{meta["skipped"]["count"]} skipped')


if __name__ == '__main__':
    main()
