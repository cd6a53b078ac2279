"""Pages of ink: how well lines are found, pages read, and words linked to their strokes.

    python studies/pages.py                        # every figure, on the validation forms
    python studies/pages.py --pages 40             # a proxy run: the first 40 pages
    python studies/pages.py --only lines --cues    # the line finding cue table
    python studies/pages.py --only lines --split train --cues   # ... tuned on these

Pages come from IAM-OnDB forms (data/pages.py): a form's line files share the
whiteboard's coordinates and clock, so joined they are the page as written, and they say
which stroke is on which line. Validation = the forms of testset_v and testset_t with at
least --min-lines lines (the final test set is never used). Figures, with issue 29's targets:

- lines: the share of pages whose line count is right (>= 97%) and the share of strokes
  in their true line (>= 99.5%; found lines are paired with true lines one to one, most
  shared strokes first). Single lines read as pages: the share that line finding splits
  (then `--layout auto` would read one line as several). With --cues, the same with each
  cue of algorithms.line_finding switched off (on, for those off by default), one at a
  time.
- cer: page CER (lines found and read as a page, joined by newlines, against the true
  lines joined the same way) beside the CER of the same true lines recognized one by one,
  joined the same way, with best path and token passing (target: page <= lines + 0.5).
- words: synthetic pages (data/synthetic_pages.py, --synthetic-pages of them) read with
  --synthetic-model: the share of true words whose strokes are exactly those of one word
  read (target >= 98%), also counting only the lines read with as many words as they
  have (linking alone, without recognition's split and joined words), and the line
  figures on those pages (with --cues, the cue table).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from algorithms.error_rates import cer  # noqa: E402
from algorithms.line_finding import CUES, DEFAULT_CUES, find_lines  # noqa: E402
from data.iam import IamSource  # noqa: E402
from data.pages import add_iam_arguments, iam_pages  # noqa: E402
from data.synthetic_pages import synthetic_page  # noqa: E402

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_iam_arguments(p)
    p.add_argument('--split', default='validation', choices=('train', 'validation'),
                   help='forms to build pages from (default: %(default)s)')
    p.add_argument('--min-lines', type=int, default=3, help='(default: %(default)s)')
    p.add_argument('--pages', type=int, default=0, help='first N pages only (0: all)')
    p.add_argument('--only', choices=('lines', 'cer', 'words'), help='one figure only')
    p.add_argument('--cues', action='store_true',
                   help='line figures with each cue switched too (off; on, where off by default)')
    p.add_argument('--model', default='weights/iam', help='for cer (default: %(default)s)')
    p.add_argument('--synthetic-model', default='weights/synthetic',
                   help='for words (default: %(default)s)')
    p.add_argument('--synthetic-pages', type=int, default=300, help='(default: %(default)s)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.only in (None, 'lines', 'cer'):
        started = time.time()
        pages = list(iam_pages(IamSource(root=args.root, split_lists=args.split_lists),
                               args.split, args.min_lines))[:args.pages or None]
        print(f'{len(pages)} pages of {args.split} forms with >= {args.min_lines} lines, '
              f'{sum(len(p.lines) for p in pages)} lines, read in {time.time() - started:.0f} s')
        if args.only in (None, 'lines'):
            print_line_figures(pages, args.cues)
        if args.only in (None, 'cer'):
            print_cer(pages, args.model)
    if args.only in (None, 'words'):
        print_words(args.synthetic_pages, args.synthetic_model, args.cues)


def line_scores(pages, cues=DEFAULT_CUES) -> tuple:
    """(share of pages with the right line count, share of strokes in their true line,
    median ms a page)."""
    right, strokes, total, times = 0, 0, 0, []
    for page in pages:
        started = time.perf_counter()
        found = find_lines(page.strokes, cues)
        times.append(time.perf_counter() - started)
        right += len(found) == len(page.lines)
        strokes += strokes_in_true_line(found, page.lines)
        total += len(page.strokes)
    return right / len(pages), strokes / total, 1000 * float(np.median(times))


def strokes_in_true_line(found, truth) -> int:
    """Strokes in their true line, found lines paired one to one with true lines, the
    pairs that share most strokes first."""
    pairs = sorted(((len(set(f) & set(t)), j, k) for j, f in enumerate(found)
                    for k, t in enumerate(truth)), reverse=True)
    used_found, used_true, right = set(), set(), 0
    for shared, j, k in pairs:
        if j not in used_found and k not in used_true:
            used_found.add(j)
            used_true.add(k)
            right += shared
    return right


def print_line_figures(pages, cues, singles=True):
    print('\nline finding        pages right  strokes right  ms a page (median)')
    rows = [('default cues', DEFAULT_CUES)]
    if cues:
        rows += [(f'without {cue}', DEFAULT_CUES - {cue}) if cue in DEFAULT_CUES else
                 (f'with {cue}', DEFAULT_CUES | {cue}) for cue in sorted(CUES)]
    for name, chosen in rows:
        count, strokes, ms = line_scores(pages, chosen)
        print(f'{name:<20}{100 * count:>10.2f}%{100 * strokes:>14.3f}%{ms:>12.1f}')
    if not singles:
        return
    lines = [page.line_strokes(k) for page in pages for k in range(len(page.lines))]
    split = sum(len(find_lines(line)) > 1 for line in lines)
    print(f'single lines read as pages: {split} of {len(lines)} split '
          f'({100 * split / len(lines):.2f}%)')


def print_cer(pages, model):
    from models.recognizer import Recognizer
    truth = ['\n'.join(page.texts) for page in pages]
    print(f'\npage CER, {model}     as a page   lines one by one   difference (points)')
    for decoder in ('best_path', 'token_passing'):
        recognizer = Recognizer.load(model, decoder=decoder)
        read = [recognizer.read_page(page.strokes, layout='page').text for page in pages]
        alone = ['\n'.join(recognizer.recognize_batch(
            [page.line_strokes(k) for k in range(len(page.lines))])) for page in pages]
        as_page, one_by_one = 100 * cer(truth, read), 100 * cer(truth, alone)
        print(f'{decoder:<24}{as_page:>8.2f}%{one_by_one:>15.2f}%{as_page - one_by_one:>+16.2f}')


def print_words(count, model, cues):
    """Words on synthetic pages: all of them, and those of the lines read with as many
    words as they have (where recognition did not split or join words, so that the figure
    is of linking alone); and where the misses come from (`MISSES`)."""
    from models.recognizer import Recognizer
    recognizer = Recognizer.load(model)
    pages = [synthetic_page(i) for i in range(count)]
    exact = words = counted_exact = counted = 0
    misses = dict.fromkeys(MISSES, 0)
    for page in pages:
        read = recognizer.read_page(page.strokes, layout='page')
        found = {frozenset(w.strokes) for line in read.lines for w in line.words}
        for strokes, true_words, text in zip(page.lines, page.words, page.texts):
            hits = [frozenset(w) in found for w in true_words]
            words, exact = words + len(hits), exact + sum(hits)
            line = max(read.lines, key=lambda r: len(set(r.strokes) & set(strokes)))
            if len(line.words) == len(true_words):
                counted, counted_exact = counted + len(hits), counted_exact + sum(hits)
            misses[miss_kind(line, strokes, true_words, text)] += len(hits) - sum(hits)
    print(f'\nsynthetic pages ({len(pages)}, {model}): words with exactly their strokes '
          f'{100 * exact / words:.2f}% of {words}; in lines read with as many words as '
          f'they have {100 * counted_exact / counted:.2f}% of {counted}')
    print('words missed, by where (share of all words)')
    for kind, why in MISSES.items():
        print(f'  {kind}  {misses[kind]:>5} {100 * misses[kind] / words:>6.2f}%  {why}')
    print_line_figures(pages, cues, singles=False)


MISSES = {'(a)': 'lines: its line found with other strokes than its own',
          '(b)': 'recognition: its line read with more or fewer words',
          '(c)': 'linking: line and text read right',
          '(d)': 'linking: line and word count right, characters misread'}


def miss_kind(line, strokes, true_words, text) -> str:
    """Which of MISSES a missed word of a true line (its strokes, words and text) is,
    given the found line that holds most of its strokes (a models.page_reader.Line)."""
    if set(line.strokes) != set(strokes):
        return '(a)'
    if len(line.words) != len(true_words):
        return '(b)'
    return '(c)' if line.text.split() == text.split() else '(d)'


if __name__ == '__main__':
    main()
