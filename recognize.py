"""Recognize ink files: W3C InkML, IAM-OnDB stroke XML, or JSON strokes; prints their text.

    python recognize.py note.inkml                        # -> note.inkml: the text
    python recognize.py ink/ 'scans/*.json' --output results.jsonl
    python recognize.py note.inkml --nbest 3              # the 3 best texts with scores
    python recognize.py note.inkml --decoder token_passing --model weights/synthetic

Formats, told apart by content rather than by name:
- InkML (`<ink>`, usually .inkml): see data/inkml.py for the channels, lines and
  annotations read. A file may hold several lines; each is recognized on its own.
- IAM-OnDB line stroke files (.xml; see data/iam.py).
- JSON (.json): a list of strokes, a stroke a list of [x, y, t] points (x right, y down,
  t in seconds), or [x, y] points with no times; or an object {"strokes": [...]}.
Ink without times gets times made up as if the pen moved at a steady speed: the one at
which the model's frames take, on average, the time they took in its training data
(data.inkml.model_pen_speed and make_up_times). A folder is searched recursively for .inkml, .xml and .json
files; a quoted glob ('ink/**/*.inkml') is expanded here.

Each file that cannot be read or recognized gets one line on stderr naming it and what is
wrong, and the run goes on; the exit status is 0 when every file was recognized, 1 when
any failed, 2 for a usage error (bad model, no files). A line of more than --max_points
points is refused rather than recognized whole (the time and memory of one line grow
with its length: 1.8 M points took 13 GB), as the service does.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')  # TensorFlow's start-up chatter

from algorithms.decoders import DECODERS
from data.ink_files import MAX_POINTS, InkFileError, check_points, find_files, read_ink_file
from models.model_folder import DEFAULT_MODEL
from models.recognizer import MAX_NBEST, Recognizer, alternatives, timed_strokes


def recognize_file(recognizer, path, nbest, decoder_name, max_points=MAX_POINTS) -> dict:
    """The record of one file: file, text (lines joined by newlines), decoder, milliseconds
    and, with nbest, alternatives (one list per line when the file has several)."""
    start = time.perf_counter()
    lines = read_ink_file(path)
    check_points(lines, max_points)
    try:
        features = [recognizer.features(timed_strokes(recognizer, line), f'line {i}')
                    for i, line in enumerate(lines)]
    except ValueError as error:
        raise InkFileError(str(error)) from None
    probabilities = recognizer.probabilities(features)
    texts = recognizer.decoder.decode_batch(probabilities)
    record = {'file': str(path), 'text': '\n'.join(texts), 'decoder': decoder_name}
    if nbest:
        found = [alternatives(recognizer, p, nbest) for p in probabilities]
        record['alternatives'] = found[0] if len(found) == 1 else found
    record['milliseconds'] = round(1000 * (time.perf_counter() - start), 1)
    return record


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('files', nargs='+', metavar='FILE',
                   help='ink files, folders (searched recursively) or quoted globs')
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder written by train.py (default: %(default)s)')
    p.add_argument('--decoder', default='best_path', choices=DECODERS,
                   help='best_path: no dictionary; token_passing: only words of the model '
                   "folder's lm.arpa, weighted by it (default: %(default)s)")
    p.add_argument('--nbest', type=int, metavar='K',
                   help=f'also give the K best texts (1 to {MAX_NBEST}) with their log scores '
                   '(best path: CTC prefix beam search; token passing: its K best word '
                   'sequences)')
    p.add_argument('--output', help='write one JSON record per file to this .jsonl file '
                   '(its folder is made if missing): file, text, decoder, milliseconds, '
                   'alternatives (with --nbest); a file that failed gets file and error')
    p.add_argument('--max_points', type=int, default=MAX_POINTS, metavar='N',
                   help='refuse lines of more than N points (default: %(default)s, as the '
                   'service; an IAM-OnDB line has about 700)')
    args = p.parse_args(argv)
    if args.nbest is not None and not 1 <= args.nbest <= MAX_NBEST:
        p.error(f'--nbest must be 1 to {MAX_NBEST}, got {args.nbest}')
    if args.max_points < 2:
        p.error(f'--max_points must be at least 2, got {args.max_points}')
    if args.output and not args.output.endswith('.jsonl'):
        p.error(f'--output must end in .jsonl, got {args.output}')
    if args.output:  # before the model loads: a typo costs no wait
        try:
            os.makedirs(os.path.dirname(args.output) or '.', exist_ok=True)
        except OSError as error:
            p.error(f'--output: cannot make the folder of {args.output}: {error.strerror}')
    return args


def main(argv=None):
    args = parse_args(argv)
    files, problems = find_files(args.files)
    for argument, problem in problems:
        print(f'recognize.py: {argument}: {problem}', file=sys.stderr)
    if not files:
        sys.exit(2)
    try:
        recognizer = Recognizer.load(args.model, decoder=args.decoder)
    except ValueError as error:
        print(f'recognize.py: error: {error}', file=sys.stderr)
        sys.exit(2)
    failed = len(problems)
    try:
        output = open(args.output, 'w', encoding='utf-8') if args.output else None
    except OSError as error:
        print(f'recognize.py: error: cannot write {args.output}: {error.strerror}',
              file=sys.stderr)
        sys.exit(2)
    try:
        for path in files:
            try:
                record = recognize_file(recognizer, path, args.nbest, args.decoder,
                                        args.max_points)
            except InkFileError as error:
                print(f'recognize.py: {path}: {error}', file=sys.stderr)
                record, failed = {'file': path, 'error': str(error)}, failed + 1
            else:
                print_record(record)
            if output:
                output.write(json.dumps(record, ensure_ascii=False) + '\n')
    finally:
        if output:
            output.close()
    sys.exit(1 if failed else 0)


def print_record(record):
    lines = record['text'].split('\n')
    for i, text in enumerate(lines):
        print(f'{record["file"]}{f"#{i}" if len(lines) > 1 else ""}: {text}')
    found = record.get('alternatives', [])
    for line, options in enumerate(found if found and isinstance(found[0], list) else [found]):
        for option in options:
            where = f' #{line}' if len(lines) > 1 else ''
            print(f'    {option["score"]:9.3f}{where}  {option["text"]}')


if __name__ == '__main__':
    main()
