"""Synthetic pages: lines of the synthetic source laid out on a page, knowing which strokes
make each line and each word (data.pages.Page), for line finding and words linked to ink.

    from data.synthetic_pages import synthetic_page
    page = synthetic_page(7)   # the same page for the same index (and seed)

What real pages do, drawn per page (`PageStyle`): uneven line spacing, tight enough that
descenders touch the next line's ascenders; each line's baseline tilted and bent; the whole
page turned a few degrees; a left margin that wanders and an indented line now and then;
i-dots, t-bars and other small strokes written late, after the whole page; a word
corrected later, its strokes written again after the next line. Lines of one short word
come from the source itself (its lines have 1 to 6 words), written with the source's
options closer to people's writing (HAND). One face a page; each line keeps the source's
own writer (slant, spacing, size within 10%), as a hand varies.
"""
import functools
import hashlib
from typing import NamedTuple

import numpy as np

from data.pages import Page
from data.synthetic import DEFAULT_FACES, SyntheticSource

X_HEIGHT_PIXELS = 20.0  # the page's x-height, pixels (about the source's)
LATE_INK = 0.6          # strokes with less ink than this (in x-heights) may be written late


class PageStyle(NamedTuple):
    """How a synthetic page is laid out; the defaults draw it from `draw_style`."""
    lines: int            # lines on the page
    pitch: float          # mean line pitch, in x-heights
    spacing: float        # spread of the gaps between lines, share of the pitch
    tilt: float           # spread of how far each line's baseline rises or falls from end
                          # to end, share of the pitch
    bend: float           # spread of each line's sag in the middle, share of the pitch
    turn: float           # the whole page's rotation, degrees
    late: float           # share of small strokes (dots, bars) written after the page
    corrections: int      # words rewritten after the next line


def draw_style(rng) -> PageStyle:
    return PageStyle(lines=int(rng.integers(3, 9)), pitch=rng.uniform(2.4, 4.0),
                     spacing=rng.uniform(0.0, 0.15), tilt=rng.uniform(0.0, 0.15),
                     bend=rng.uniform(0.0, 0.1), turn=rng.uniform(-4.0, 4.0),
                     late=rng.choice([0.0, 0.0, 0.3, 1.0]),
                     corrections=int(rng.choice([0, 0, 1, 2])))


def synthetic_page(index: int, seed: int = 0, style: PageStyle = None) -> Page:
    """Page `index`: one face (a page has one writer), drawn from data.synthetic's
    DEFAULT_FACES; lines index * 16, index * 16 + 1, ... of that face's SyntheticSource
    (so pages never share lines for up to 16 lines a page), laid out in `style` (drawn
    from the page's own generator when None). The same page for the same (index, seed)."""
    rng = np.random.default_rng(int.from_bytes(hashlib.blake2b(
        f'page {seed} {index}'.encode(), digest_size=8).digest(), 'little'))
    source = _source(DEFAULT_FACES[int(rng.integers(len(DEFAULT_FACES)))], seed)
    style = style or draw_style(rng)
    if not 1 <= style.lines <= 16:
        raise ValueError(f'a synthetic page has 1 to 16 lines, got {style.lines}')
    strokes, line_of, word_of, texts, clock, top = [], [], [], [], 0.0, 0.0
    for k in range(style.lines):
        line, text, words = source.line_with_words(index * 16 + k)
        placed = _place(rng, line, style, top, clock)
        strokes += placed
        line_of += [k] * len(placed)
        word_of += words.tolist()
        texts.append(text)
        clock = placed[-1][-1, 2] + rng.uniform(0.8, 2.5)                # seconds
        gap = style.pitch * (1.0 + style.spacing * rng.standard_normal())
        top += X_HEIGHT_PIXELS * max(gap, 0.75 * style.pitch)
    order = _writing_order(rng, strokes, line_of, word_of, style)
    strokes = _turn(_retime(strokes, order), style.turn)
    line_of, word_of = np.asarray(line_of)[order], np.asarray(word_of)[order]
    lines = [np.flatnonzero(line_of == k).tolist() for k in range(style.lines)]
    words = [[np.flatnonzero((line_of == k) & (word_of == w)).tolist()
              for w in range(len(texts[k].split(' ')))] for k in range(style.lines)]
    return Page(f'synthetic-page-{index}', strokes, lines, texts, words)


# How a page's lines are written: the source's options that bring it closer to people's
# writing (docs/synthetic-source.md), as weights/synthetic was trained: small strokes
# mostly right after their letter, print letters in people's stroke order, bent letters,
# people's letter shapes. Not its wider spread between writers (variability): a page has
# one hand.
HAND = dict(accents_in_place=0.95, print_order=True, elastic=2.5, allographs=0.8)


@functools.lru_cache(maxsize=None)
def _source(face, seed) -> SyntheticSource:
    """The synthetic source of one face, writing as HAND says (its lines have 1 to 6
    words)."""
    return SyntheticSource(10 ** 9, seed=seed, faces=[face], **HAND)


def _place(rng, line, style, top, clock) -> list:
    """A line's strokes moved onto the page: baseline at `top`, tilted and bent, after a
    margin, its clock starting at `clock`."""
    x_height = X_HEIGHT_PIXELS
    margin = rng.uniform(0.0, 1.5) * x_height + (rng.random() < 0.15) * 4.0 * x_height
    points = np.concatenate(line)
    width = max(np.ptp(points[:, 0]), 1.0)
    pitch = style.pitch * x_height
    rise = np.clip(style.tilt * rng.standard_normal(), -0.25, 0.25) * pitch
    sag = np.clip(style.bend * rng.standard_normal(), -0.15, 0.15) * pitch
    out = []
    for stroke in line:
        x, y = stroke[:, 0] + margin, stroke[:, 1]
        u = stroke[:, 0] / width - 0.5                                  # -0.5 .. 0.5 along
        y = y + top + rise * u + sag * (1.0 - 4.0 * u * u)
        out.append(np.column_stack([x, y, stroke[:, 2] + clock]))
    return out


def _writing_order(rng, strokes, line_of, word_of, style) -> np.ndarray:
    """(S,) the stroke indices in the order written: line by line, except small strokes
    (ink under LATE_INK x-heights: dots, short bars, commas) with chance `late`, written
    after the page, and the strokes of `corrections` words (of lines of two words or more,
    with a line after them), written again after that next line."""
    line_of, word_of = np.asarray(line_of), np.asarray(word_of)
    when = line_of.astype(np.float64)                       # the line each stroke is written in
    lines = int(line_of.max()) + 1
    for _ in range(style.corrections):
        candidates = [k for k in range(lines - 1) if word_of[line_of == k].max() > 0]
        if not candidates:
            break
        k = int(rng.choice(candidates))
        w = int(rng.choice(np.unique(word_of[line_of == k])))
        when[(line_of == k) & (word_of == w)] = k + 1.5
    ink = np.array([np.hypot(*np.diff(s[:, :2], axis=0).T).sum() for s in strokes])
    small = ink < LATE_INK * X_HEIGHT_PIXELS
    when[small & (rng.random(len(strokes)) < style.late)] = lines
    return np.lexsort((np.arange(len(strokes)), when))


def _retime(strokes, order) -> list:
    """The strokes in `order`, on a clock that keeps the pauses between strokes written
    one after the other as before, and puts half a second before one moved out of turn."""
    out, clock, previous = [], 0.0, None
    for i in order:
        stroke = strokes[i]
        pause = (stroke[0, 2] - strokes[previous][-1, 2]) if previous == i - 1 else 0.5
        start = clock + max(pause, 0.0) if previous is not None else 0.0
        out.append(np.column_stack([stroke[:, :2], stroke[:, 2] - stroke[0, 2] + start]))
        clock, previous = out[-1][-1, 2], i
    return out


def _turn(strokes, degrees) -> list:
    """The page turned by `degrees` about its top left corner."""
    a = np.radians(degrees)
    rotation = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    return [np.column_stack([s[:, :2] @ rotation, s[:, 2]]) for s in strokes]
