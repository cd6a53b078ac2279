"""Recognize ink files: W3C InkML, IAM-OnDB stroke XML, or JSON strokes; prints their text.

    python recognize.py note.inkml                        # -> note.inkml: the text
    python recognize.py ink/ 'scans/*.json' --output results.jsonl
    python recognize.py note.inkml --nbest 3              # the 3 best texts with scores
    python recognize.py note.inkml --decoder best_path    # no dictionary, no language model
    python recognize.py note.inkml --model weights/synthetic --lm_weight 1.0
    python recognize.py page.json --layout page --inkml-out read/  # lines, words as groups

The model folder's best decoder reads by default: token passing with its language model
(lm.arpa) and tuned settings (decoder.json) where it has them, else best path, with a note
on stderr (the flags are models.decoder_options').

Formats, told apart by content rather than by name:
- InkML (`<ink>`, usually .inkml): see data/inkml.py for the channels, lines and
  annotations read. A file may hold several lines (annotated groups); each is read on
  its own.
- IAM-OnDB line stroke files (.xml; see data/iam.py).
- JSON (.json): a list of strokes, a stroke a list of [x, y, t] points (x right, y down,
  t in seconds), or [x, y] points with no times; or an object {"strokes": [...]}.
Ink without times gets times made up as if the pen moved at a steady speed: the one at
which the model's frames take, on average, the time they took in its training data
(data.inkml.model_pen_speed and make_up_times). A folder is searched recursively for .inkml, .xml and .json
files; a quoted glob ('ink/**/*.inkml') is expanded here.

Pages: with `--layout auto` (the default) or `page`, the ink of each line a file holds is
searched for lines (algorithms/line_finding.py), so a whole page of ink reads as its
lines, top to bottom, joined by newlines; ink of one line reads as one line. `--layout
line` reads each as one line, whatever it spans. Each record of `--output` has `lines`:
[{text, strokes, box, words: [{text, strokes, box}]}], strokes as indices into the file's
strokes in order (across its lines), boxes as [x_min, y_min, x_max, y_max], words linked
to the strokes they were read from (models/page_reader.py). `--inkml-out FOLDER` writes
the same structure as InkML: a traceGroup per line and per word, annotated with its text.

Each file that cannot be read or recognized gets one line on stderr naming it and what is
wrong, and the run goes on; the exit status is 0 when every file was recognized, 1 when
any failed, 2 for a usage error (bad model, no files). A line of more than --max_points
points is refused rather than recognized whole (the time and memory of one line grow
with its length: 1.8 M points took 13 GB), as the service does; the limit is of each line
read (as found on a page), not of a file or page.
"""
import argparse
import json
import os
import sys
import time

from data.ink_files import MAX_POINTS, InkFileError, find_files, read_ink_file
from data.inkml import page_to_inkml
from models.decoder_options import (add_decoder_arguments, check_decoder_arguments,
                                    load_recognizer)
from models.model_folder import DEFAULT_MODEL
from models.page_reader import LAYOUTS, read_pages
from models.recognizer import MAX_NBEST, alternatives, timed_strokes


def recognize_file(recognizer, path, nbest, layout='auto', max_points=MAX_POINTS) -> tuple:
    """(the record of one file, its strokes): file, text (lines joined by newlines),
    decoder, lines (see the module's docstring), milliseconds and, with nbest,
    alternatives (one list per line when it has several)."""
    start = time.perf_counter()
    ink_lines = read_ink_file(path)
    names = ['the ink'] if len(ink_lines) == 1 else \
        [f'line {i}' for i in range(len(ink_lines))]
    try:
        inks = [timed_strokes(recognizer, line) for line in ink_lines]
        pages = read_pages(recognizer, inks, layout, names, max_points)
    except ValueError as error:
        raise InkFileError(str(error)) from None
    lines, shift = [], 0  # stroke indices count across the file's lines
    for ink, page in zip(inks, pages):
        for line in page.lines:
            lines.append((line, shift_strokes(line.to_json(), shift)))
        shift += len(ink)
    record = {'file': str(path), 'text': '\n'.join(line.text for line, _ in lines),
              'decoder': recognizer.decoder_name, 'lines': [found for _, found in lines]}
    if nbest:
        found = [alternatives(recognizer, line.probabilities, nbest) for line, _ in lines]
        record['alternatives'] = found[0] if len(found) == 1 else found
    record['milliseconds'] = round(1000 * (time.perf_counter() - start), 1)
    return record, [stroke for ink in inks for stroke in ink]


def shift_strokes(line: dict, shift: int) -> dict:
    """A line's record with its stroke indices (and its words') moved on by `shift`."""
    words = [dict(word, strokes=[i + shift for i in word['strokes']]) for word in line['words']]
    return dict(line, strokes=[i + shift for i in line['strokes']], words=words)


def inkml_path(folder, path, written) -> str:
    """Where --inkml-out writes a file's result: FOLDER/<its name>.inkml, numbered on when
    an earlier file of this run had the same name."""
    stem, number = os.path.splitext(os.path.basename(path))[0], 1
    target = os.path.join(folder, f'{stem}.inkml')
    while target in written:
        number += 1
        target = os.path.join(folder, f'{stem}-{number}.inkml')
    written.add(target)
    return target


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('files', nargs='+', metavar='FILE',
                   help='ink files, folders (searched recursively) or quoted globs')
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder written by train.py (default: %(default)s)')
    add_decoder_arguments(p)
    p.add_argument('--nbest', type=int, metavar='K',
                   help=f'also give the K best texts (1 to {MAX_NBEST}) with their log scores '
                   '(best path: CTC prefix beam search; token passing: its K best word '
                   'sequences)')
    p.add_argument('--layout', default='auto', choices=LAYOUTS,
                   help='page: find the lines in the ink; line: read the ink as one line; '
                   'auto: a page when the ink spans several lines (default: %(default)s)')
    p.add_argument('--inkml-out', metavar='FOLDER',
                   help='write each file read as InkML to FOLDER/<its name>.inkml: its '
                   'traces in a traceGroup per line and per word, annotated with the text')
    p.add_argument('--output', help='write one JSON record per file to this .jsonl file '
                   '(its folder is made if missing): file, text, decoder, lines, '
                   'milliseconds, alternatives (with --nbest); a file that failed gets file '
                   'and error')
    p.add_argument('--max_points', type=int, default=MAX_POINTS, metavar='N',
                   help='refuse a line read (a page: each line found) of more than N points '
                   '(default: %(default)s, as the service; an IAM-OnDB line has about 700)')
    args = p.parse_args(argv)
    if args.nbest is not None and not 1 <= args.nbest <= MAX_NBEST:
        p.error(f'--nbest must be 1 to {MAX_NBEST}, got {args.nbest}')
    if args.max_points < 2:
        p.error(f'--max_points must be at least 2, got {args.max_points}')
    if args.output and not args.output.endswith('.jsonl'):
        p.error(f'--output must end in .jsonl, got {args.output}')
    check_decoder_arguments(p, args)
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
        recognizer = load_recognizer(args, 'recognize.py')
    except ValueError as error:
        print(f'recognize.py: error: {error}', file=sys.stderr)
        sys.exit(2)
    failed, written = len(problems), set()
    try:
        if args.inkml_out:
            os.makedirs(args.inkml_out, exist_ok=True)
        output = open(args.output, 'w', encoding='utf-8') if args.output else None
    except OSError as error:
        print(f'recognize.py: error: cannot write {error.filename}: {error.strerror}',
              file=sys.stderr)
        sys.exit(2)
    try:
        for path in files:
            try:
                record, strokes = recognize_file(recognizer, path, args.nbest, args.layout,
                                                 args.max_points)
            except InkFileError as error:
                print(f'recognize.py: {path}: {error}', file=sys.stderr)
                record, failed = {'file': path, 'error': str(error)}, failed + 1
            else:
                print_record(record)
                if args.inkml_out:
                    with open(inkml_path(args.inkml_out, path, written), 'w',
                              encoding='utf-8') as f:
                        f.write(page_to_inkml(strokes, record['lines']))
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
