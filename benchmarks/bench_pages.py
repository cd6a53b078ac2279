"""What a page costs beside its lines one by one: Recognizer.read_page() against
Recognizer.recognize() on each of its true lines.

    python benchmarks/bench_pages.py                           # weights/iam, best path
    python benchmarks/bench_pages.py --decoder token_passing --lines 10

Pages are IAM-OnDB validation forms (testset_v + testset_t, see data/pages.py) of exactly
--lines lines. A page is read whole: line finding, the lines as one batch through the
network, decoding, and words linked to their strokes (the CTC alignment). Each is timed
after a warm-up pass over all pages; printed: the medians over pages, and the median of
each page's ratio. Target (issue 29): a 10-line page costs at most twice its lines one by
one. The machine may be busy: compare ratios from one run.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from data.iam import IamSource  # noqa: E402
from data.pages import add_iam_arguments, iam_pages  # noqa: E402
from models.model_folder import DEFAULT_MODEL  # noqa: E402
from models.recognizer import Recognizer  # noqa: E402

TARGET_RATIO = 2.0


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL, help='(default: %(default)s)')
    p.add_argument('--decoder', default='best_path', choices=('best_path', 'token_passing'))
    p.add_argument('--lines', type=int, default=10, help='lines a page (default: 10)')
    add_iam_arguments(p)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    source = IamSource(root=args.root, split_lists=args.split_lists)
    pages = [p for p in iam_pages(source, 'validation') if len(p.lines) == args.lines]
    if not pages:
        sys.exit(f'no validation page has {args.lines} lines')
    recognizer = Recognizer.load(args.model, decoder=args.decoder)

    def as_page(page):
        recognizer.read_page(page.strokes)

    def one_by_one(page):
        for k in range(len(page.lines)):
            recognizer.recognize(page.line_strokes(k))

    for page in pages:  # warm-up: traces and caches
        as_page(page)
        one_by_one(page)
    page_s = [timed(as_page, page) for page in pages]
    lines_s = [timed(one_by_one, page) for page in pages]
    ratio = np.array(page_s) / np.array(lines_s)
    print(f'{len(pages)} pages of {args.lines} lines, {args.model}, {args.decoder}')
    print(f'page read whole: median {1000 * np.median(page_s):.0f} ms; its lines one by one: '
          f'median {1000 * np.median(lines_s):.0f} ms; ratio median {np.median(ratio):.2f} '
          f'(max {ratio.max():.2f}; target <= {TARGET_RATIO})')


def timed(function, page) -> float:
    started = time.perf_counter()
    function(page)
    return time.perf_counter() - started


if __name__ == '__main__':
    main()
