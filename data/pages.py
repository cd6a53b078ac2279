"""Pages of ink with their truth: which strokes make which line (and word), for studying
and testing line finding (algorithms/line_finding.py) and words linked to ink.

    from data.pages import iam_pages
    for page in iam_pages(IamSource(split_lists=...), 'validation', min_lines=3): ...

A `Page` holds the strokes in the order written (times on one clock, from 0) and, per
line in reading order, the indices of its strokes and its text; `words`, where known,
the indices of each word's strokes. IAM-OnDB gives pages for free: the line files of one
form share the whiteboard's coordinates and clock, so a form's lines joined in time order
are the page as its writer wrote it. The synthetic pages (data/synthetic_pages.py) also
know each word's strokes.
"""
from collections import defaultdict
from typing import List, NamedTuple, Optional

import numpy as np

from data.iam import DEFAULT_ROOT, DEFAULT_SPLIT_LISTS, UnreadableFile, read_line_strokes


class Page(NamedTuple):
    id: str
    strokes: List[np.ndarray]          # (n, 3) float64 (x, y, t), in the order written
    lines: List[List[int]]             # per line, top to bottom: its stroke indices
    texts: List[str]                   # per line
    words: Optional[List[List[List[int]]]] = None   # per line, per word: stroke indices

    def line_strokes(self, k: int) -> List[np.ndarray]:
        """The strokes of line k, in the order written."""
        return [self.strokes[i] for i in self.lines[k]]


def add_iam_arguments(parser):
    """--root and --split-lists on an argparse parser: where IAM-OnDB and its t1 form lists
    are, for the scripts that build pages from it (studies/pages.py,
    studies/line_finding_js.py, benchmarks/bench_pages.py)."""
    parser.add_argument('--root', default=DEFAULT_ROOT, help='IAM-OnDB (default: %(default)s)')
    parser.add_argument('--split-lists', default=DEFAULT_SPLIT_LISTS,
                        help='folder of the IAM-OnDB-t1 form lists (default: %(default)s)')


def form_of(line_id: str) -> str:
    """The form a line id belongs to: `a01-000u-01` -> `a01-000u`."""
    return line_id.rsplit('-', 1)[0]


def iam_pages(source, split=None, min_lines=1):
    """Pages of an IamSource's forms in `split` with at least `min_lines` readable lines,
    by form id. A form's line files are read on its clock and joined in time order (their
    strokes sorted by start time: the lines of a form never overlap in time, so that is
    the order of the lines, each kept whole). Unreadable line files leave their form out."""
    forms = defaultdict(list)
    for line_id, path, text in source.line_files(split):
        forms[form_of(line_id)].append((path, text))
    for form in sorted(forms):
        if len(forms[form]) < min_lines:
            continue
        try:
            lines = [([np.array(s, dtype=np.float64) for s in read_line_strokes(path, t0=0.0)],
                      text) for path, text in forms[form]]
        except UnreadableFile:
            continue
        yield join_lines(form, lines)


def join_lines(page_id, lines) -> Page:
    """A Page from [(strokes, text)] of lines that share one clock: strokes in order of
    their start time, time counted from the page's first point, lines in reading order
    (top to bottom by their median y)."""
    strokes = [s for line, _ in lines for s in line]
    owner = np.repeat(np.arange(len(lines)), [len(line) for line, _ in lines])
    order = np.argsort([s[0, 2] for s in strokes], kind='stable')
    t0 = strokes[order[0]][0, 2]
    strokes = [np.column_stack([strokes[i][:, :2], strokes[i][:, 2] - t0]) for i in order]
    owner = owner[order]
    reading = sorted(range(len(lines)), key=lambda k: np.median(np.concatenate(
        [s[:, 1] for s in lines[k][0]])))
    return Page(page_id, strokes, [np.flatnonzero(owner == k).tolist() for k in reading],
                [lines[k][1] for k in reading])
