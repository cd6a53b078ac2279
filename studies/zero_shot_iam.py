"""Zero-shot transfer: how well a model trained on synthetic lines reads real IAM-OnDB lines.

    python studies/zero_shot_iam.py --model weights/synthetic
    python studies/zero_shot_iam.py --model weights/quickstart --lines 300 --show 5
    python studies/zero_shot_iam.py --model weights/zs3k --time_scale 0.5

Reads the IAM-OnDB validation lines (testset_v and testset_t of the t1 lists) as raw ink
and recognizes them through `Recognizer` with best path, as a user's program would: the
model's own pre-processing and character table, no language model. `--lines` picks that
many lines spread evenly over the validation set (sorted by line id, so several writers).

Prints CER and WER as IAM-OnDB transcribes (LOB style: "Mr . Smith , the"), and again
with the spaces before punctuation taken out of truth and output alike, since a model
trained on ordinary text writes "Mr. Smith, the" and is not wrong to.

--letters prints, for each character named (and for all capitals together with `A-Z`), the
share of its occurrences in the truth that the output got wrong: replaced or dropped in a
minimal edit alignment. That says which letter shapes the synthetic source lacks.

--time_scale multiplies the real lines' clock (0.5: written twice as fast): a diagnosis of
how much a model's reading depends on the pen speed it was trained on.
"""
import argparse
import os
import re
import string
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

from algorithms.error_rates import cer, wer  # noqa: E402
from data.iam import DEFAULT_ROOT, DEFAULT_SPLIT_LISTS, IamSource  # noqa: E402
from models.model_folder import DEFAULT_MODEL  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder (default: %(default)s)')
    p.add_argument('--root', default=DEFAULT_ROOT,
                   help='IAM-OnDB folder (default: %(default)s)')
    p.add_argument('--split_lists', default=DEFAULT_SPLIT_LISTS,
                   help='folder of trainset.txt, testset_v.txt, testset_t.txt '
                        '(default: %(default)s)')
    p.add_argument('--lines', type=int, default=300,
                   help='validation lines to read, spread evenly; 0 = all '
                        '(default: %(default)s)')
    p.add_argument('--time_scale', type=float, default=1.0,
                   help='multiply the real lines\' times by this (default: %(default)s)')
    p.add_argument('--letters', default='',
                   help='characters to give the error rate of, e.g. "toadA-Z" (A-Z: all '
                        'capitals as one); default: none')
    p.add_argument('--show', type=int, default=0,
                   help='print this many lines beside their truth (default: %(default)s)')
    args = p.parse_args(argv)
    if args.lines < 0:
        p.error(f'--lines must be >= 0, got {args.lines}')
    if not args.time_scale > 0:
        p.error(f'--time_scale must be positive, got {args.time_scale}')
    return args


def validation_lines(root, split_lists, count):
    source = IamSource(root=root, split_lists=split_lists)
    lines = list(source.get_examples(split='validation'))
    if not lines:
        raise SystemExit(f'zero_shot_iam.py: error: no validation lines in {root} with the '
                         f'lists of {split_lists}')
    if count and count < len(lines):
        lines = [lines[i * len(lines) // count] for i in range(count)]
    return lines


def _scale_time(strokes, factor):
    return [[(x, y, t * factor) for x, y, t in stroke] for stroke in strokes]


def wrong_characters(truth: str, output: str) -> list:
    """Per character of truth, whether a minimal edit alignment to output replaces or drops
    it (ties go to keeping it: a match is preferred over an edit of the same cost)."""
    n, m = len(truth), len(output)
    cost = [[i + j if i * j == 0 else 0 for j in range(m + 1)] for i in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i][j] = min(cost[i - 1][j - 1] + (truth[i - 1] != output[j - 1]),
                             cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    wrong, i, j = [False] * n, n, m
    while i > 0:
        if j > 0 and cost[i][j] == cost[i - 1][j - 1] + (truth[i - 1] != output[j - 1]):
            wrong[i - 1] = truth[i - 1] != output[j - 1]
            i, j = i - 1, j - 1
        elif j > 0 and cost[i][j] == cost[i][j - 1] + 1:
            j -= 1
        else:
            wrong[i - 1] = True
            i -= 1
    return wrong


def letter_errors(truths, outputs, letters: str) -> dict:
    """{letter or 'A-Z': (share wrong, occurrences)} over the lines."""
    groups = {c: {c} for c in letters.replace('A-Z', '')}
    if 'A-Z' in letters:
        groups['A-Z'] = set(string.ascii_uppercase)
    counts = {name: [0, 0] for name in groups}
    for truth, output in zip(truths, outputs):
        for c, bad in zip(truth, wrong_characters(truth, output)):
            for name, members in groups.items():
                if c in members:
                    counts[name][0] += bad
                    counts[name][1] += 1
    return {name: (wrong / max(total, 1), total) for name, (wrong, total) in counts.items()}


def close_punctuation(text):
    """'Mr . Smith , the' -> 'Mr. Smith, the': IAM-OnDB's spacing made ordinary."""
    return re.sub(r' +([.,;:!?)\]])', r'\1', re.sub(r'([(\[]) +', r'\1', text)).strip()


def main(argv=None):
    args = parse_args(argv)
    from models.recognizer import Recognizer
    lines = validation_lines(args.root, args.split_lists, args.lines)
    recognizer = Recognizer.load(args.model)
    started = time.perf_counter()
    outputs = recognizer.recognize_batch([_scale_time(e.strokes, args.time_scale)
                                          for e in lines])
    seconds = time.perf_counter() - started
    truths = [e.text for e in lines]
    for e, out in list(zip(lines, outputs))[:args.show]:
        print(f'{e.id}: {e.text!r}\n{"":>{len(e.id)}}  {out!r}')
    unknown = sum(sum(recognizer.char_table.unknown(t).values()) for t in truths)
    closed = [close_punctuation(t) for t in truths]
    closed_out = [close_punctuation(o) for o in outputs]
    scaled = f', clock x {args.time_scale:g}' if args.time_scale != 1.0 else ''
    print(f'{args.model} on {len(lines)} IAM-OnDB validation lines (testset_v + testset_t)'
          f'{scaled}, best path, {seconds:.0f} s:')
    print(f'  CER {cer(truths, outputs):.2%}, WER {wer(truths, outputs):.2%} '
          f'(IAM-OnDB spacing); CER {cer(closed, closed_out):.2%}, '
          f'WER {wer(closed, closed_out):.2%} (no space before punctuation); '
          f'{unknown} truth characters outside the model\'s table')
    if args.letters:
        errors = letter_errors(truths, outputs, args.letters)
        print('  wrong: ' + ', '.join(f'{name} {share:.0%} of {total}'
                                      for name, (share, total) in errors.items()))


if __name__ == '__main__':
    main()
