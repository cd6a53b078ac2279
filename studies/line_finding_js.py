"""The web page's line finding (demo/web/line_finding.js, in Node) against Python's
(algorithms/line_finding.py) on real pages: how many pages get the same lines in the same
reading order, and the milliseconds a page each takes.

    python studies/line_finding_js.py                 # validation forms, default cues
    python studies/line_finding_js.py --pages 40 --cues all-but-turn

Pages are IAM-OnDB forms (data/pages.py: a form's line files joined, as written), of the
validation forms (testset_v + testset_t) with at least --min-lines lines, or with
--synthetic N the first N synthetic pages (data/synthetic_pages.py). The pages go to Node
through a temporary file only. Needs Node.js (no npm package).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from algorithms.line_finding import CUES, find_lines  # noqa: E402
from data.iam import IamSource  # noqa: E402
from data.pages import add_iam_arguments, iam_pages  # noqa: E402
from data.synthetic_pages import synthetic_page  # noqa: E402

SCRIPT = os.path.join(ROOT, 'demo', 'web', 'test', 'node_line_finding.js')
CUE_SETS = {'default': None, 'all': sorted(CUES), 'all-but-turn': sorted(CUES - {'turn'})}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_iam_arguments(p)
    p.add_argument('--min-lines', type=int, default=3, help='(default: %(default)s)')
    p.add_argument('--pages', type=int, default=0, help='the first N pages only (0: all)')
    p.add_argument('--synthetic', type=int, default=0,
                   help='N synthetic pages instead of IAM-OnDB forms')
    p.add_argument('--cues', choices=sorted(CUE_SETS), default='default',
                   help='line finding cues: both sides\' default, all, or all but turn '
                   '(default: %(default)s)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    node = shutil.which('node')
    if node is None:
        sys.exit('line_finding_js.py: error: Node.js is not installed')
    if args.synthetic:
        pages = [synthetic_page(i).strokes for i in range(args.synthetic)]
        named = f'{len(pages)} synthetic pages'
    else:
        forms = iam_pages(IamSource(root=args.root, split_lists=args.split_lists),
                          'validation', args.min_lines)
        pages = [page.strokes for page in forms][:args.pages or None]
        named = f'{len(pages)} pages of validation forms with >= {args.min_lines} lines'
    cues = CUE_SETS[args.cues]
    python, seconds = [], []
    for strokes in pages:
        started = time.perf_counter()
        python.append(find_lines(strokes) if cues is None else find_lines(strokes, set(cues)))
        seconds.append(time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as scratch:
        cases, result = os.path.join(scratch, 'cases.json'), os.path.join(scratch, 'result.json')
        with open(cases, 'w', encoding='utf-8') as f:
            json.dump({'pages': [{'strokes': [np.asarray(s).tolist() for s in strokes],
                                  'cues': cues} for strokes in pages]}, f)
        subprocess.run([node, SCRIPT, cases, result], check=True)
        with open(result, encoding='utf-8') as f:
            javascript = json.load(f)
    same = sum([[int(i) for i in line] for line in p] == j
               for p, j in zip(python, javascript['lines']))
    strokes = np.median([len(s) for s in pages])
    print(f'{named} ({strokes:.0f} strokes a page, median), cues: {args.cues}')
    print(f'same lines in the same order: {same} of {len(pages)}')
    print(f'ms a page (medians): Python {1000 * np.median(seconds):.1f}, '
          f'Node {1000 * np.median(javascript["seconds"]):.1f}')


if __name__ == '__main__':
    main()
