"""Pages of ink in, lines of text out, each word with the strokes it was read from.

    from models.recognizer import Recognizer
    recognizer = Recognizer.load('weights/iam')
    page = recognizer.read_page(strokes)              # layout 'auto' (see LAYOUTS)
    page.text                                         # the lines, joined by newlines
    page.lines[0].words[2].strokes                    # indices into `strokes`
    page.to_json()    # {"text", "lines": [{"text", "strokes", "box", "words": [...]}]}

A page is found into lines (algorithms/line_finding.py); the lines are recognized as a
batch, so a page costs less than its lines one by one, each in its reading order on a
clock that runs forward in it (`on_reading_clock`). Words are linked to ink through
the CTC alignment of each line's text (algorithms/ctc_alignment.py): frames -> the points
they were made from (data.preprocessing.Pipeline.with_points) -> strokes; a stroke goes
to the word that holds most of its frames. A stroke whose middle lies outside its word's
span along the line while inside another's (an i-dot written late, after the line, and so
read with the last word) is moved to that word.
"""
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from algorithms.ctc_alignment import align, frame_words
from algorithms.line_finding import find_lines
from data.base import validate_handwriting
from data.ink_files import TooMuchInk

LAYOUTS = ('auto', 'line', 'page')  # auto: a page when line finding finds several lines
SMALL = 0.5  # strokes under this share of a line's median size (width or height) are small
NEAREST = 5  # moves like a stroke's own whose pauses give it one on the reading clock


@dataclass
class Word:
    text: str
    strokes: List[int]          # indices into the page's strokes, in page order
    box: Optional[List[float]]  # [x_min, y_min, x_max, y_max] of those strokes; None if none

    def to_json(self) -> dict:
        return {'text': self.text, 'strokes': self.strokes, 'box': self.box}


@dataclass
class Line(Word):
    words: List[Word] = field(default_factory=list)
    # (T, C) the network's output for the line, for n-best texts; not written out
    probabilities: Optional[np.ndarray] = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict:
        return dict(super().to_json(), words=[w.to_json() for w in self.words])


@dataclass
class PageText:
    lines: List[Line]

    @property
    def text(self) -> str:
        return '\n'.join(line.text for line in self.lines)

    def to_json(self) -> dict:
        return {'text': self.text, 'lines': [line.to_json() for line in self.lines]}


def check_layout(layout):
    if layout not in LAYOUTS:
        raise ValueError(f'unknown layout {layout!r}; choose from {", ".join(LAYOUTS)}')


def group_lines(strokes, layout='auto') -> list:
    """[[stroke index, ...] per line] of validated strokes: one line of all strokes with
    layout 'line', the lines found otherwise ('auto' and 'page' differ only in name: line
    finding gives one line for one line of ink)."""
    check_layout(layout)
    if layout == 'line':
        return [list(range(len(strokes)))]
    return find_lines(strokes)


def read_page(recognizer, strokes, layout='auto', example_id='input') -> PageText:
    """The text of a page of strokes, line by line, words linked to their strokes."""
    return read_pages(recognizer, [strokes], layout, [example_id])[0]


def read_pages(recognizer, pages, layout='auto', example_ids=None, max_points=None) -> list:
    """[PageText] of several pages, their lines through the network as one batch
    (max_points: see `prepare_page`)."""
    example_ids = example_ids or [f'page {i}' for i in range(len(pages))]
    prepared = [prepare_page(recognizer, strokes, layout, example_id, max_points)
                for strokes, example_id in zip(pages, example_ids)]
    features = [f for page in prepared for f in page.features]
    probabilities = recognizer.probabilities(features)
    texts = recognizer.decoder.decode_batch(probabilities)
    read, start = [], 0
    for page in prepared:
        stop = start + len(page.groups)
        read.append(page.link(recognizer, texts[start:stop], probabilities[start:stop]))
        start = stop
    return read


@dataclass
class PreparedPage:
    """A page's validated strokes, its lines (stroke indices), and per line the network's
    features and each frame's point (data.preprocessing.Pipeline.with_points)."""
    strokes: list
    groups: List[List[int]]
    features: list
    points: list

    def link(self, recognizer, texts, probabilities) -> PageText:
        """The page read: its lines' texts and (T, C) probabilities -> PageText."""
        lines = []
        for group, text, matrix, points in zip(self.groups, texts, probabilities, self.points):
            line = link_words(self.strokes, group, text, matrix, points,
                              recognizer.network.stride, recognizer.char_table)
            line.probabilities = matrix
            lines.append(line)
        return PageText(lines)


def prepare_page(recognizer, strokes, layout='auto', example_id='input',
                 max_points=None) -> PreparedPage:
    """A page validated, found into lines and pre-processed; ValueError naming
    `example_id` when it cannot be read. With max_points, TooMuchInk when a line found
    has more points than that: the time and memory of reading a line grow with its
    length, a page's only with its lines."""
    check_layout(layout)
    try:
        strokes = validate_handwriting(strokes, example_id)
    except TypeError as e:  # a number or object where a list belongs
        raise ValueError(f'{example_id}: handwriting must be a list of strokes of '
                         f'(x, y, t) points ({e})') from None
    groups = group_lines(strokes, layout)
    if max_points is not None:
        check_line_points(strokes, groups, max_points, example_id)
    prepared = [recognizer.pipeline.with_points(on_reading_clock(strokes, group))
                for group in groups]
    if not all(np.isfinite(features).all() for features, _ in prepared):
        raise ValueError(f'{example_id}: pre-processing gave non-finite features')
    return PreparedPage(strokes, groups, [f for f, _ in prepared], [p for _, p in prepared])


def check_line_points(strokes, groups, max_points, example_id):
    """TooMuchInk naming `example_id`, the line and the limit when a line (stroke indices
    in `groups`) has more than max_points points."""
    for k, group in enumerate(groups):
        points = sum(len(strokes[i]) for i in group)
        if points > max_points:
            where = example_id if len(groups) == 1 else \
                f'line {k + 1} of the {len(groups)} found in {example_id}'
            raise TooMuchInk(f'{where} has {points} points, over the limit of {max_points} '
                             f'a line (--max_points raises it)')


def on_reading_clock(strokes, group) -> list:
    """A line's strokes in its reading order, on a clock that runs forward in that order.

    The network reads the time between strokes (a feature of every pipeline) and learned
    it from lines written at one go. A stroke read out of the order written (an i-dot
    added after the page, put back in its place by line finding; a corrected word) would
    otherwise come with a pause of minutes, or a step back in time, that no training line
    has: the characters around it are misread. So each stroke written right after the
    one read before it keeps its pause; any other starts after the one before with the
    pause the writer took for a like move: the median pause of the NEAREST moves between
    strokes written one after the other in this line whose pen travel (x, y from one
    stroke's end to the next one's start) is nearest its own. A word space then gets a
    word's pause, which the network reads as a space, and a dot a dot's (one median pause
    for all made a corrected word run into the word before it). Strokes keep their own
    durations."""
    moves, pauses = [], []
    for a, b in zip(group[:-1], group[1:]):
        if b == a + 1:
            moves.append(np.subtract(strokes[b][0][:2], strokes[a][-1][:2]))
            pauses.append(strokes[b][0][2] - strokes[a][-1][2])
    moves, pauses = np.asarray(moves, dtype=np.float64).reshape(-1, 2), np.asarray(pauses)
    out = []
    for k, i in enumerate(group):
        stroke = np.asarray(strokes[i], dtype=np.float64)
        if k == 0:
            out.append(stroke)
            continue
        if group[k - 1] == i - 1:
            pause = stroke[0, 2] - strokes[i - 1][-1, 2]
        elif len(pauses):
            move = stroke[0, :2] - out[-1][-1, :2]
            far = ((moves - move) ** 2).sum(axis=1)          # squared: the same in JS
            pause = float(np.median(pauses[np.argsort(far, kind='stable')[:NEAREST]]))
        else:
            pause = 0.0
        start = out[-1][-1, 2] + pause
        out.append(np.column_stack([stroke[:, :2], stroke[:, 2] - stroke[0, 2] + start]))
    return out


def link_words(strokes, group, text, probabilities, frame_points, stride, char_table) -> Line:
    """One line's Line: its words, each with the strokes (page indices) it was read from.

    group: the line's stroke indices into `strokes`; probabilities (T_out, C); frame_points
    (T_in,) each input frame's point among the line's points; stride: input frames per
    output frame."""
    words = text.split()
    if not words:
        return Line(text, sorted(group), box_of(strokes, group), [])
    path = align(probabilities, char_table.encode(text))
    output_frame = np.arange(len(frame_points)) // stride
    word_of_frame = frame_words(path, text)[output_frame]
    read = path[output_frame] >= 0                          # frames that read a character
    read[read] = [not text[i].isspace() for i in path[output_frame][read]]
    lengths = [len(strokes[i]) for i in group]
    stroke_of_frame = np.repeat(np.arange(len(group)), lengths)[frame_points]
    votes = np.zeros((len(group), len(words)))
    np.add.at(votes, (stroke_of_frame[read], word_of_frame[read]), 1.0)
    near = np.zeros_like(votes)     # frames that read nothing, by where they were read
    np.add.at(near, (stroke_of_frame, word_of_frame), 1.0)
    owner = np.argmax(votes + 1e-3 * near, axis=1)          # (S_line,) a word per stroke
    owner = _by_place(strokes, group, owner, len(words), votes.max(axis=1) > 0)
    members = [sorted(group[s] for s in np.flatnonzero(owner == w)) for w in range(len(words))]
    return Line(text, sorted(group), box_of(strokes, group),
                [Word(word, m, box_of(strokes, m)) for word, m in zip(words, members)])


def _by_place(strokes, group, owner, count, voted) -> np.ndarray:
    """Where the ink says otherwise than the alignment: a stroke whose middle lies outside
    its word's span along the line, and inside exactly one other word's, moves to that
    word (a dot written late, after the line, is read at its end). Spans are those of each
    word's strokes that read one of its characters (`voted`), leaving out the stroke in
    question and small ones (under SMALL times the line's median size), so that such a
    dot does not stretch the last word's span."""
    middles = np.array([0.5 * (strokes[i][:, 0].min() + strokes[i][:, 0].max()) for i in group])
    lows = np.array([strokes[i][:, 0].min() for i in group])
    highs = np.array([strokes[i][:, 0].max() for i in group])
    sizes = np.array([np.ptp(strokes[i][:, :2], axis=0).max() for i in group])
    spanning = voted & (sizes >= SMALL * np.median(sizes))
    moved = owner.copy()
    for s in range(len(group)):
        distances = np.full(count, np.inf)
        for w in range(count):
            others = (owner == w) & (np.arange(len(group)) != s) & spanning
            if others.any():
                distances[w] = max(lows[others].min() - middles[s],
                                   middles[s] - highs[others].max(), 0.0)
        inside = np.flatnonzero(distances == 0)
        if owner[s] not in inside and len(inside) == 1:
            moved[s] = inside[0]
    return moved


def box_of(strokes, indices) -> Optional[List[float]]:
    """[x_min, y_min, x_max, y_max] of some strokes, None for none."""
    if not len(indices):
        return None
    points = np.concatenate([np.asarray(strokes[i])[:, :2] for i in indices])
    return [float(v) for v in (*points.min(axis=0), *points.max(axis=0))]
