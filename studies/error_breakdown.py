"""Where a model's character errors come from: per-line results of evaluate.py, broken down.

    python evaluate.py --model weights/iam --split validation --output results.jsonl
    python studies/error_breakdown.py results.jsonl
    python studies/error_breakdown.py old.jsonl results.jsonl --top 12   # side by side

Why: a CER says how much is wrong, not what. Each line's truth and prediction are aligned
along one shortest edit script (algorithms.error_rates.alignment) and every edit is counted
by kind (a character read as another, dropped, added) and by the class of character it
touches, in points of CER, so that the classes add up to the CER. Also printed: the CER with
the spaces before punctuation taken out of truth and prediction alike, since some of
IAM-OnDB's transcriptions are in the LOB corpus's tokenized style ("Mr . Gaitskell") that a
recognizer of the handwriting cannot know about.
"""
import argparse
import collections
import csv
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from algorithms.error_rates import alignment, cer  # noqa: E402 (after the path is set)

CLASSES = (('lower-case letters', str.islower), ('capitals', str.isupper),
           ('digits', str.isdigit), ('spaces', str.isspace), ('punctuation', lambda c: True))
SPACE_BEFORE_PUNCTUATION = re.compile(r' +(?=[.,;:!?])')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('results', nargs='+',
                   help='evaluate.py --output files (.csv or .jsonl: id, truth, prediction)')
    p.add_argument('--top', type=int, default=10,
                   help='most frequent edits of each kind to list (%(default)s)')
    return p.parse_args(argv)


def read_results(path) -> list[tuple[str, str]]:
    """[(truth, prediction)] from one evaluate.py output file; exits with one line if unusable."""
    try:
        with open(path, encoding='utf-8', newline='') as f:
            rows = (list(csv.DictReader(f)) if path.lower().endswith('.csv')
                    else [json.loads(line) for line in f if line.strip()])
        pairs = [(row['truth'], row['prediction']) for row in rows]
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f'error_breakdown: {path}: not an evaluate.py --output file ({e})')
    if not pairs:
        sys.exit(f'error_breakdown: {path}: no lines')
    return pairs


def character_class(c: str) -> str:
    return next(name for name, member in CLASSES if member(c))


def breakdown(pairs) -> dict:
    """Counts of edits by (kind, characters) and by character class, and the two CERs."""
    edits, classes = collections.Counter(), collections.Counter()
    for truth, prediction in pairs:
        for x, y in alignment(truth, prediction):
            if x == y:
                continue
            kind = 'read as' if x is not None and y is not None else (
                'dropped' if y is None else 'added')
            edits[kind, x, y] += 1
            classes[character_class(x if x is not None else y)] += 1
    truths, predictions = zip(*pairs)
    chars = sum(len(t) for t in truths)
    untokenized = [SPACE_BEFORE_PUNCTUATION.sub('', text) for text in truths + predictions]
    return {'lines': len(pairs), 'chars': chars, 'edits': edits, 'classes': classes,
            'cer': sum(edits.values()) / chars,  # the alignment's edits: edit_distance's
            'cer_untokenized': cer(untokenized[:len(pairs)], untokenized[len(pairs):])}


def describe(kind, x, y) -> str:
    return {'read as': f'{x!r}->{y!r}', 'dropped': f'{x!r} dropped',
            'added': f'{y!r} added'}[kind]


def print_breakdown(path, b, top):
    points = 100 / b['chars']
    total = sum(b['edits'].values())
    print(f'{path}: {b["lines"]} lines, {b["chars"]} characters, {total} edits: '
          f'CER {100 * b["cer"]:.2f}% ({100 * b["cer_untokenized"]:.2f}% without the spaces '
          f'before punctuation)')
    print('  by class of the character edited (points of CER): ' + ', '.join(
        f'{name} {points * b["classes"][name]:.2f}' for name, _ in CLASSES))
    for kind in ('read as', 'dropped', 'added'):
        counts = {key: n for key, n in b['edits'].items() if key[0] == kind}
        listed = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[:top]
        print(f'  {kind} ({sum(counts.values())}): '
              + ', '.join(f'{describe(*key)} {n}' for key, n in listed))


def main(argv=None):
    args = parse_args(argv)
    for path in args.results:
        print_breakdown(path, breakdown(read_results(path)), args.top)


if __name__ == '__main__':
    main()
