"""Adapt a model to one writer: a few lines of their ink, each with the text it says.

    python adapt.py mine/*.inkml --model weights/iam --output weights/me
    python adapt.py one.json two.json three.json --output weights/me --steps 40
    python recognize.py note.inkml --model weights/me --decoder token_passing

Ink files, told apart by content (data/ink_files.py): InkML with each line's text as an
`<annotation type="truth">` (the Tk demo's "Learn my writing" saves these), JSON
`{"strokes": [[[x, y, t], ...], ...], "text": "..."}`, or a folder or quoted glob of them.
Three to ten lines are what this is made for; each needs its text, in characters the
model's table has.

The output is a copy of the model folder with the network fine-tuned on the lines (see
models/adaptation.py for how, and studies/adaptation.py for why so); its pre-processing,
character table, language model and decoder settings are the model's. Its recognizer.json
records the folder adapted from and how many lines and characters (not the ink). With two
lines or more, a first run on all lines but the last measures what adapting does to a line
it has not seen, and says so; the network kept is then trained on all of them (twice the
time; --no-check skips it). --guard instead keeps the steps that helped the held-out line
most, or the base network if none did: it gained less on 169 validation writers.

An expected error (a file that is not ink, a line without text or with characters outside
the table, no lines, an --output that exists) prints one line naming the file and exits
1; a model folder that cannot load exits 2.
"""
import argparse
import sys

from data.ink_files import InkFileError, find_files, read_ink_file
from models.adaptation import WEIGHTS, AdaptationError, Recipe, adapt_folder
from models.model_folder import DEFAULT_MODEL, ModelFolderError

DEFAULT = Recipe()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('files', nargs='+', metavar='INK',
                   help='ink files with their text, folders (searched recursively) or quoted '
                   'globs')
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder to adapt (default: %(default)s)')
    p.add_argument('--output', required=True,
                   help='the adapted model folder to write (must not exist, unless '
                   '--overwrite)')
    p.add_argument('--overwrite', action='store_true',
                   help='replace --output if it exists')
    p.add_argument('--steps', type=int, default=DEFAULT.steps,
                   help='training steps (at most, with --guard) (default: %(default)s)')
    p.add_argument('--learning_rate', type=float, default=DEFAULT.learning_rate,
                   help='Adam learning rate (default: %(default)s)')
    p.add_argument('--weights', choices=WEIGHTS, default=DEFAULT.weights,
                   help='which weights move: all, the top BiLSTM and output layer, the '
                   'output layer, or per-unit scales of each BiLSTM (default: %(default)s)')
    p.add_argument('--dropout', action=argparse.BooleanOptionalAction, default=DEFAULT.dropout,
                   help="the network's dropout on while adapting: a few lines are learned "
                   'by heart without it (default: %(default)s)')
    p.add_argument('--check', action=argparse.BooleanOptionalAction, default=DEFAULT.check,
                   help='first adapt on all lines but the last and report what it does to '
                   'that line (default: %(default)s)')
    p.add_argument('--guard', action=argparse.BooleanOptionalAction, default=DEFAULT.guard,
                   help='hold out the last line to choose the steps, and keep the base '
                   'network if adapting does not help it (default: %(default)s)')
    args = p.parse_args(argv)
    if args.steps < 1 or not args.learning_rate > 0:
        p.error('--steps must be at least 1 and --learning_rate positive')
    return args


def read_lines(files) -> tuple:
    """(strokes, texts, names) of every line of the files; InkFileError naming the file."""
    strokes, texts, names = [], [], []
    for path in files:
        try:
            lines = read_ink_file(path)
        except InkFileError as error:
            raise InkFileError(f'{path}: {error}') from None
        for i, line in enumerate(lines):
            name = path if len(lines) == 1 else f'{path}#{i}'
            if not (line.text or '').strip():
                raise InkFileError(f'{name}: the line has no text (InkML needs an <annotation '
                                   f'type="truth">, JSON a "text" member)')
            strokes.append(line.strokes)
            texts.append(line.text)
            names.append(name)
    return strokes, texts, names


def progress_printer(recipe, lines):
    """progress(step, total) that rewrites one line on stderr, a line per phase."""
    def show(step, total):
        text = recipe.progress(lines, step, total)
        end = '\n' if step == total or (recipe.checks(lines) and step == recipe.steps) else ''
        print(f'\radapt.py: {text}', end=end, file=sys.stderr, flush=True)
    return show


def main(argv=None):
    args = parse_args(argv)
    files, problems = find_files(args.files)
    for argument, problem in problems:
        print(f'adapt.py: {argument}: {problem}', file=sys.stderr)
    if problems:
        sys.exit(1)
    recipe = Recipe(weights=args.weights, learning_rate=args.learning_rate, steps=args.steps,
                    dropout=args.dropout, guard=args.guard, check=args.check)
    try:
        strokes, texts, names = read_lines(files)
        outcome = adapt_folder(args.model, args.output, strokes, texts, recipe, names,
                               progress_printer(recipe, len(texts)), args.overwrite)
    except ModelFolderError as error:
        print(f'adapt.py: error: {error}', file=sys.stderr)
        sys.exit(2)
    except (InkFileError, AdaptationError) as error:
        print(f'adapt.py: {error}', file=sys.stderr)
        sys.exit(1)
    print(f'{args.output}: {outcome.message(len(texts))}')


if __name__ == '__main__':
    main()
