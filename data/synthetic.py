"""Synthetic online handwriting, made on the fly: the built-in source that needs no download.

    from data.synthetic import SyntheticSource
    source = SyntheticSource(1000, seed=0, max_words=6)
    strokes, text = source.line(7)   # the same line for the same (seed, 7, options)
    SyntheticSource(100, language='el')   # Greek, in Hershey's Greek face

Why it exists: a user can try the whole framework (compile, train, decode with a dictionary,
demo) in minutes, before registering for IAM-OnDB, and pre-train on it. The lines are
running text in the character set people write (see data/synthetic_text.py), and they are
written the way a pen moves, by a different "writer" on every line.

How a line is made (`SyntheticSource.line`):
1. Text: words by frequency with capitals, numbers and punctuation (`TextMaker`).
2. Glyphs: one single-line face per line (data/glyphs.py: Hershey and EMS faces), in
   common units (y down, baseline at 0, x-height 14). Strokes that end where the next one
   starts are written without lifting the pen; cursive letters join.
3. A writer (`Writer`, drawn once per line): slant, size, letter proportions and width,
   letter and word spacing, baseline wander, smoothness, how often joined letters are
   broken (or print letters joined), speed profile, and sloppiness: each letter bent by a
   smooth elastic field, overshoots at stroke ends, and i-dots and t-bars written late
   (after the word) and a little off their place.
4. Pen timing: the pen slows where the path turns and at stroke ends, and is sampled at
   100 points per second, so t is a real clock and points crowd where a real pen slows.

Acknowledgement, which the Hershey font data asks to travel with it: the Hershey Fonts were
originally created by Dr. A. V. Hershey while working at the U. S. National Bureau of
Standards. The format of the font data was originally created by James Hurt, Cognition, Inc.
(Glyphs come from the `Hershey-Fonts` package and from the EMS fonts in data/fonts/; words
from `wordfreq`.)
"""
import functools
import hashlib
import math
import threading
from typing import Dict, Iterator, List, NamedTuple, Tuple

import numpy as np

from data import allographs
from data.base import BaseSource, Example
from data.glyphs import FACES, X_HEIGHT, Glyph, cut_corners, join_matrix, load_face
from data.synthetic_text import TextMaker, written_form

# The faces a line is drawn in when none are named: those that look handwritten (Osmotron,
# a square techno face, is left out). Named twice: picked twice as often (joined script
# is most of what people write, IAM-OnDB included).
DEFAULT_FACES = ('cursive', 'cursive', 'scripts', 'allure', 'allure', 'felix', 'elfin',
                 'tech', 'tech', 'futural', 'rowmans', 'nixish', 'nixish_italic',
                 'readability', 'readability_italic')

# Timing as IAM-OnDB's writers (measured by studies/ink_statistics.py on its training
# lines): 66 points per second, the pen moving about 2.3 line heights per second, pen lifts
# within a word of about 0.15 s and between words of about 0.5 s with a long tail.
SAMPLE_RATE = 66.0         # points per second while the pen is down, as IAM-OnDB's pen
WRITING_SPEED = 150.0      # common units per second on straight parts, median writer
CURVE_RADIUS = 3.0         # common units: paths curving tighter than this slow the pen down
PEN_UP_SPEED = 1.5         # pen moves in the air this many times faster than on paper
PEN_UP_PAUSE = 0.1         # seconds of a pen lift within a word beyond the travel time,
                           # median writer
WORD_PAUSE = 0.9           # seconds of a pen lift between words, median writer
JOIN_GAP = 4.0             # common units: print letters this close may be joined pen-down
WORD_SPACE = 15.0          # common units between words, median writer (faces' own spaces
                           # differ by 2.5x, people's much less)
UNITS_TO_PIXELS = 1.4      # x-height (14 units) becomes about 20 pixels


class Layout(NamedTuple):
    """A line's words in one face before any variation: the points of all their strokes.

    points (P, 2) are in each glyph's own coordinates, word by word: a word's body strokes
    letter by letter, then its accents (i-dots and t-bars, written after the word). char
    (P,) says which letter of the line a point belongs to, stroke (P,) which pen-down
    stroke, accent (P,) whether it is an accent, link (P,) whether the pen arrived there
    from the previous letter without lifting (a cursive join the writer may break), and
    word (P,) which word.
    """
    points: np.ndarray
    char: np.ndarray
    stroke: np.ndarray
    accent: np.ndarray
    link: np.ndarray
    word: np.ndarray
    advance: np.ndarray     # (C,) common units per letter
    first_char: np.ndarray  # (W + 1,) each word's first letter, then the letter count


class Writer(NamedTuple):
    """One writer's habits, drawn once per line (see `draw_writer`); a tuple, as it is made
    a thousand times a second."""
    face: str
    slant: float          # shear, tan of the angle; forward > 0
    width: float          # letter width, times the face's
    tracking: float       # common units added to every advance
    word_space: float     # times WORD_SPACE
    smoothing: int        # smoothing passes over the sampled path: 1 angular, 3 round
    lift: float           # chance of lifting the pen at a cursive join
    join: float           # chance of joining two print letters whose ends are close
    speed: float          # common units per second on straight parts
    pause: float          # seconds of a pen lift within a word beyond the travel, median
    word_pause: float     # seconds of a pen lift between words, median
    end_speed: float      # speed at pen-down and pen-up, share of `speed`
    wander: float         # common units: baseline drift per letter
    elastic: float        # common units: amplitude of the bending of each letter
    overshoot: float      # chance that a stroke runs on past its end
    sloppy_dots: float    # common units: how far i-dots and t-bars land from their place
    variability: float    # the source's option: spreads of size, width, slant, spacing


def draw_writer(rng, faces, variability=1.0, elastic=1.0) -> Writer:
    """A writer from two draws of the generator (each call costs microseconds, and the
    compile makes a thousand lines a second): Beta(1, b) by its inverse CDF. `variability`
    multiplies the spreads of slant, width, letter and word spacing between writers (and,
    through the writer, within the line: see `_write_line` and `_hand`); `elastic`
    multiplies how far each letter is bent (see `_bend`)."""
    v = variability
    z = rng.standard_normal(7).tolist()
    u = rng.random(6).tolist()
    sloppiness = rng.beta(2.0, 3.0)                                        # 0 neat .. 1 sloppy
    return Writer(
        face=faces[int(u[0] * len(faces))],
        slant=math.tan(0.12 + 0.15 * v * z[0]),
        width=math.exp(-0.13 + 0.12 * v * z[1]),
        tracking=v * z[2],
        word_space=math.exp(0.25 * v * z[3]),
        smoothing=1 + int(3 * u[1]),
        lift=1.0 - (1.0 - u[2]) ** (1 / 4),                                 # Beta(1, 4)
        join=1.0 - (1.0 - u[3]) ** (1 / 6),                                 # Beta(1, 6)
        speed=WRITING_SPEED * math.exp(0.1 * z[4]),
        pause=PEN_UP_PAUSE * math.exp(0.25 * z[5]),
        word_pause=WORD_PAUSE * math.exp(0.4 * z[6]),
        end_speed=0.15 + 0.25 * u[4],
        wander=0.1 + 0.5 * u[5],
        elastic=(0.2 + 0.8 * sloppiness) * elastic,
        overshoot=0.3 * sloppiness,
        sloppy_dots=0.5 + 2.5 * sloppiness,
        variability=v)


class _GlyphArrays(NamedTuple):
    body: np.ndarray           # (b, 2) float32, the body strokes' points in order
    body_stroke: np.ndarray    # (b,) each point's stroke number within the glyph
    body_strokes: int
    accents: np.ndarray        # (a, 2) float32, i-dots and t-bars, written after the word
    accent_stroke: np.ndarray  # (a,) each point's accent stroke number within the glyph
    accent_strokes: int
    advance: float
    join_row: int              # the glyph's row and column in `_join_table(face)`


def _glyph(face_name: str, char: str, shape: int) -> Glyph:
    """The face's glyph of char, or with shape >= 0 that allograph of it (data/allographs.py)."""
    return load_face(face_name).glyphs[char] if shape < 0 else allographs.shapes()[char][shape]


@functools.lru_cache(maxsize=None)
def _glyph_arrays(face_name: str, char: str, print_order: bool = False,
                  shape: int = -1) -> _GlyphArrays:
    """One glyph as flat arrays, its polygons rounded by a pass of Chaikin's corner cutting
    (the pen draws curves, the font data polygons), split once into body and accents so
    that laying out a line (`layout`) is only concatenation. `print_order`: a print face's
    body strokes as people write them (see `_as_people_write`; allographs already are).
    `shape`: an allograph of char instead of the face's glyph (-1: the face's)."""
    face = load_face(face_name)
    glyph = _glyph(face_name, char, shape)
    reorder = print_order and not face.cursive and shape < 0
    body = _as_people_write(glyph.body) if reorder else glyph.body

    def flat(strokes):
        strokes = [cut_corners(s) for s in strokes]
        number = np.repeat(np.arange(len(strokes)), [len(s) for s in strokes])
        points = np.concatenate(strokes) if strokes else np.zeros((0, 2))
        return points.astype(np.float32), number.astype(np.int16)

    return _GlyphArrays(*flat(body), len(body), *flat(glyph.accents),
                        len(glyph.accents), float(glyph.advance),
                        _join_table(face_name)[0][char, shape])


def _as_people_write(strokes) -> list:
    """Font designers order and direct strokes as they please (Hershey's d is its stem,
    then the bowl, from the stem); people write a print letter's strokes from left to right
    (the bowl of a, d and q before the stem; the stem of b, h and p first), and draw a
    straight stroke downwards, or rightwards when it lies flat. Strokes are taken in the
    order of their leftmost point (ties keep the face's order); a straight one (its ends as
    far apart as 90% of its length) is turned round if it runs upwards or leftwards."""
    out = []
    for stroke in sorted(strokes, key=lambda s: float(s[:, 0].min())):
        dx, dy = stroke[-1] - stroke[0]
        length = np.hypot(*np.diff(stroke, axis=0).T).sum()
        straight = np.hypot(dx, dy) >= 0.9 * length
        backwards = dy < 0 if abs(dy) >= abs(dx) else dx < 0   # y down: up is dy < 0
        out.append(stroke[::-1] if straight and backwards else stroke)
    return out


@functools.lru_cache(maxsize=None)
def _join_table(face_name: str) -> Tuple[Dict[Tuple[str, int], int], List[List[bool]]]:
    """Which glyphs of a face, its own and the allographs, join which (`glyphs.join_matrix`):
    {(char, shape): row} and the table, table[left's row][right's row]. Made in one pass per
    face: a cache of letter pairs missed about six times a line, at 20 us a miss (pairs x faces
    x shapes are many). Nested lists, as `layout` reads one element at a time."""
    face = load_face(face_name)
    glyphs = {(c, -1): g for c, g in face.glyphs.items()}
    glyphs.update({(c, k): g for c, shapes in allographs.shapes().items()
                   for k, g in enumerate(shapes)})
    return ({key: row for row, key in enumerate(glyphs)},
            join_matrix(list(glyphs.values())).tolist())


def layout(face_name: str, words: List[str], print_order: bool = False,
           shapes: Dict[str, int] = None) -> Layout:
    """The strokes of a line's words, letters joined, each word's accents after it.

    Laid out in one pass over the letters from the glyphs' cached arrays (a cache of whole
    words missed nine times in ten: words x faces are many). Body strokes keep the glyphs'
    order and numbers, shifted so that a letter that joins the previous one continues its
    last stroke; a word's accents are numbered after its body strokes. `shapes`: {letter:
    allograph} for the letters this writer writes in an allograph (`allographs.pick`)."""
    shapes = shapes or {}
    joins = _join_table(face_name)[1]
    # per nonempty piece (a letter's body or accents): points (n, 2), stroke numbers,
    # their shift, letter, whether accents, word
    pieces, numbers, offsets, letters, kinds, owners = [], [], [], [], [], []
    links, advance, first_char = [], [], [0]
    position = letter = line_strokes = 0
    for w, word in enumerate(words):
        parts = [_glyph_arrays(face_name, c, print_order, shapes.get(c, -1)) for c in word]
        first = accents_so_far = 0      # the word's next new body and accent stroke
        accent_pieces, last = [], None
        for k, part in enumerate(parts):
            joined = k > 0 and joins[parts[k - 1].join_row][part.join_row]
            start = first - 1 if joined else first
            if len(part.body):
                if joined:
                    links.append(position)
                position += len(part.body)
                pieces.append(part.body)
                numbers.append(part.body_stroke)
                offsets.append(start + line_strokes)
                letters.append(letter + k)
                kinds.append(False)
                owners.append(w)
                last = int(part.body_stroke[-1]) + start
            if len(part.accents):
                accent_pieces.append((part, accents_so_far, letter + k))
            first = start + part.body_strokes
            accents_so_far += part.accent_strokes
            advance.append(part.advance)
        for part, shift, at in accent_pieces:
            position += len(part.accents)
            pieces.append(part.accents)
            numbers.append(part.accent_stroke)
            offsets.append(shift + first + line_strokes)
            letters.append(at)
            kinds.append(True)
            owners.append(w)
            last = int(part.accent_stroke[-1]) + shift + first
        line_strokes += last + 1
        letter += len(word)
        first_char.append(letter)
    counts = [len(p) for p in pieces]
    link = np.zeros(position, bool)
    link[links] = True
    return Layout(np.concatenate(pieces).astype(np.float64),
                  np.repeat(letters, counts),
                  np.concatenate(numbers) + np.repeat(offsets, counts),
                  np.repeat(kinds, counts), link, np.repeat(owners, counts),
                  np.array(advance), np.array(first_char))


class SyntheticSource(BaseSource):
    """Lines of running text in single-line faces, written with a simulated pen.

    Line i depends only on (seed, i) and the options, never on `num_examples`, so a longer
    data set extends a shorter one. Each line has its own writer and face; a face named
    twice in `faces` is picked twice as often. `faces=None` picks the default handwriting
    faces for Latin languages, and the faces that can write the language otherwise.

    `variability` multiplies the spreads of the writers' slant, letter width, size, letter
    and word spacing, baseline wander and tilt, between lines and within them: real writers
    vary more within a line than the default (1) draws (see the README's pages side by
    side). `accents_in_place` is the share of accent strokes (i-dots, t-bars, crossbars of
    capitals, the second stroke of x) written right after their letter's body instead of
    after the word: print writers do so, and a model that never saw it reads an in-place
    i-dot as an apostrophe (see `_accents_in_place`). `print_order` writes the strokes of
    print faces' letters in the order and direction people use (see `_as_people_write`).
    `elastic` multiplies the amplitude of the smooth bending of each letter (`_bend`): more
    shapes from the same faces (round letters opening, closing, leaning and swelling).
    `allographs` is the chance that a line's writer writes a letter (41 of them: most lower
    case letters and print capitals) in one of the hand-designed shapes of
    data/allographs.py instead of the face's, the same shape throughout the line: shapes
    people use that no face draws.
    """

    def __init__(self, num_examples, seed=0, language='en', faces=None,
                 min_words=1, max_words=6, vocabulary_size=2000, variability=1.0,
                 accents_in_place=0.0, print_order=False, elastic=1.0, allographs=0.0):
        if num_examples is None:
            raise ValueError('SyntheticSource can make any number of lines: give '
                             'num_examples > 0')
        self.num_examples = _count('num_examples', num_examples, 0)
        self.seed = _count('seed', seed, 0)
        self.min_words = _count('min_words', min_words, 1)
        self.max_words = _count('max_words', max_words, self.min_words)
        self.vocabulary_size = _count('vocabulary_size', vocabulary_size, 1)
        self.variability = _number('variability', variability, 0, 4)
        self.accents_in_place = _number('accents_in_place', accents_in_place, 0, 1)
        self.elastic = _number('elastic', elastic, 0, 4)
        self.allographs = _number('allographs', allographs, 0, 1)
        if not isinstance(print_order, bool):
            raise ValueError(f'print_order must be True or False, got {print_order!r}')
        self.print_order = print_order
        if faces is not None and (isinstance(faces, str) or not faces):
            raise ValueError(f'faces must be a non-empty list of face names, got {faces!r}')
        self.language = language
        self.faces = tuple(faces) if faces else _faces_for(language)
        writable = frozenset.intersection(*(frozenset(load_face(f).glyphs) for f in self.faces))
        self.text = TextMaker(language, self.vocabulary_size, writable)
        self.words = self.text.words

    def __len__(self) -> int:
        return self.num_examples

    @property
    def characters(self) -> str:
        """Every character a line can hold."""
        return self.text.characters

    def options(self) -> dict:
        return {'seed': self.seed, 'language': self.language, 'faces': list(self.faces),
                'min_words': self.min_words, 'max_words': self.max_words,
                'vocabulary_size': self.vocabulary_size, 'variability': self.variability,
                'accents_in_place': self.accents_in_place, 'print_order': self.print_order,
                'elastic': self.elastic, 'allographs': self.allographs}

    def get_sequences(self) -> Iterator[Tuple[List[np.ndarray], str]]:
        for i in range(self.num_examples):
            yield self.line(i)

    def get_examples(self) -> Iterator[Example]:
        for i in range(self.num_examples):
            strokes, text = self.line(i)
            yield Example(f'syn-{i:06d}', strokes, text)

    def line(self, i: int) -> Tuple[List[np.ndarray], str]:
        """Line i and its text. Strokes are float64 (n, 3) arrays of (x, y, t): pixels from
        x = 0 rightwards with the baseline near y = 0 (y down), seconds from t = 0."""
        strokes, text, _ = self.line_with_words(i)
        return strokes, text

    def line_with_words(self, i: int) -> Tuple[List[np.ndarray], str, np.ndarray]:
        """As `line`, with (S,) the word each stroke belongs to: its number among
        text.split(' ') (the pages of data/synthetic_pages.py know which ink is which word)."""
        rng = _line_rng(self.seed, i)
        writer = draw_writer(rng, self.faces, self.variability, self.elastic)
        text = self.text.line(rng, rng.integers(self.min_words, self.max_words + 1))
        shapes = allographs.pick(rng, self.allographs) if self.allographs else None
        line = layout(writer.face, text.split(' '), self.print_order, shapes)
        if self.accents_in_place:
            line = _accents_in_place(rng, line, self.accents_in_place)
        points, stroke, word = _write_line(rng, writer, line)
        xy, t, counts = _pen_timing(rng, writer, points, stroke, word)
        xy = _smooth(xy, counts, writer.smoothing)
        xyt = np.column_stack([_hand(rng, xy, t, writer.variability), t])
        ends = np.cumsum(counts).tolist()
        starts = np.flatnonzero(np.concatenate([[True], stroke[1:] != stroke[:-1]]))
        return [xyt[a:b] for a, b in zip([0] + ends[:-1], ends)], text, word[starts]


_RNG = threading.local()


def _line_rng(seed: int, i: int) -> np.random.Generator:
    """The random generator of line i: a PCG64 whose 128-bit state and stream come from a
    hash of (seed, i), set on this thread's one generator. `default_rng([seed, i])` would
    cost 70 us, a twentieth of the whole line."""
    if not hasattr(_RNG, 'bits'):
        _RNG.bits = np.random.PCG64(0)
        _RNG.generator = np.random.Generator(_RNG.bits)
    digest = hashlib.blake2b(f'{seed} {i}'.encode(), digest_size=32).digest()
    _RNG.bits.state = {'bit_generator': 'PCG64', 'has_uint32': 0, 'uinteger': 0,
                       'state': {'state': int.from_bytes(digest[:16], 'little'),
                                 'inc': int.from_bytes(digest[16:], 'little') | 1}}
    return _RNG.generator


def _faces_for(language: str) -> Tuple[str, ...]:
    """The default faces if they can write the language's common words, else every face
    that can (Hershey's Greek face for Greek)."""
    import wordfreq
    try:
        words = (written_form(w, language) for w in wordfreq.top_n_list(language, 200))
        letters = set(''.join(words)) - set("'0")
    except LookupError:
        return DEFAULT_FACES   # TextMaker says which languages there are

    def writes(face):
        return sum(c in load_face(face).glyphs for c in letters) >= 0.9 * len(letters)
    # the other faces are loaded only when no default face writes the language
    default = tuple(f for f in DEFAULT_FACES if writes(f))
    others = () if default else tuple(f for f in FACES if writes(f))
    if not default + others:
        raise ValueError(f'language {language!r}: no face can write its letters; faces: '
                         f'{", ".join(FACES)}')
    return default or others


def _count(name, value, minimum) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f'{name} must be an integer >= {minimum}, got {value!r}')
    return int(value)


def _number(name, value, low, high) -> float:
    if (isinstance(value, bool) or not isinstance(value, (int, float, np.number))
            or not low <= value <= high):
        raise ValueError(f'{name} must be a number in [{low}, {high}], got {value!r}')
    return float(value)


def _accents_in_place(rng, line: Layout, share: float) -> Layout:
    """Move each accent stroke, with probability `share`, from after its word to right
    after its letter's body: the pen lifts there, writes the accent, and comes back for the
    rest of the body (a joined run is broken in two). Points keep their letter, word and
    accent flag; strokes are renumbered in the new order."""
    starts = np.flatnonzero(np.concatenate([[True], line.stroke[1:] != line.stroke[:-1]]))
    accent_starts = starts[line.accent[starts]]
    moved = accent_starts[rng.random(len(accent_starts)) < share]
    if not len(moved):
        return line
    count = len(line.points)
    body_end = np.zeros(line.advance.shape[0], int)           # each letter's last body point
    body = np.flatnonzero(~line.accent)
    body_end[line.char[body]] = body                          # the last write wins
    key = np.arange(count, dtype=np.float64)
    chosen = np.zeros(line.stroke[-1] + 1, bool)                # strokes are numbered in order
    chosen[line.stroke[moved]] = True
    is_moved = chosen[line.stroke] & line.accent               # np.isin costs more
    at = np.flatnonzero(is_moved)
    key[at] = body_end[line.char[at]] + 0.5 + at / (2.0 * count)
    order = np.argsort(key, kind='stable')
    stroke = line.stroke[order]
    renumbered = np.concatenate([[0], np.cumsum(stroke[1:] != stroke[:-1])])
    return line._replace(points=line.points[order], char=line.char[order], stroke=renumbered,
                         accent=line.accent[order], link=line.link[order],
                         word=line.word[order])


def _write_line(rng, writer: Writer, line: Layout):
    """Place the words side by side in one writer's hand.

    Returns points (N, 2) in common units, y down, stroke (N,) pen-down stroke ids and
    word (N,) the word each point belongs to.
    """
    points, char, stroke, accent, link, word, advance, first_char = line
    n = len(advance)

    points = _bend(rng, writer, points, char, n)
    points[:, 1] = _proportions(rng, points[:, 1])
    dots = rng.normal(0.0, writer.sloppy_dots, (stroke[-1] + 1, 2)) * [1.0, 0.5]
    dots[:, 0] += 0.5 * writer.sloppy_dots
    points[accent] += dots[stroke[accent]]
    stroke = _lift_and_join(rng, writer, points, stroke, char, word, link, accent, advance)

    # Per letter (C,): a line-wide habit times a letter-to-letter wobble.
    v = writer.variability
    z = rng.standard_normal((6, n))
    size = np.exp(0.06 * v * z[0])                                         # height
    width = size * writer.width * np.exp(0.06 * v * z[1])
    step = np.maximum(advance * width + writer.tracking + 0.6 * v * z[2], 0.3 * advance)
    slant = writer.slant + 0.05 * v * z[3]
    gaps = np.zeros(n)
    gaps[first_char[1:-1] - 1] = (WORD_SPACE * writer.word_space
                                  * np.exp(0.2 * v * z[4, :len(first_char) - 2]))
    left = np.concatenate([[0.0], np.cumsum(step + gaps)[:-1]])            # letter positions
    baseline = np.cumsum(v * writer.wander * z[5])                         # drifting baseline
    baseline -= baseline.mean()

    x = left[char] + points[:, 0] * width[char] - points[:, 1] * slant[char] * size[char]
    y = baseline[char] + points[:, 1] * size[char]
    xy = np.stack([x, y], axis=1)
    return _overshoot(rng, writer, xy, stroke, word)


def _bend(rng, writer: Writer, points, char, n):
    """Elastic distortion: each letter displaced by two smooth waves over its own shape, so
    that strokes bend the way a hand varies, without fraying."""
    k = rng.uniform(-0.2, 0.2, (2, 2))
    k += 0.1 * np.sign(k)                                # wave numbers, 0.1 to 0.3 either way
    phase = 2 * np.pi * rng.random((n, 2, 2))                               # (C, wave, axis)
    amplitude = writer.elastic * rng.standard_normal((n, 2, 2))
    wave = points @ k.T                                                     # (P, wave)
    shift = amplitude[char] * np.sin(wave[:, :, None] + phase[char])        # (P, wave, axis)
    return points + (shift[:, 0] + shift[:, 1])     # not .sum(axis=1): a strided reduction


def _lift_and_join(rng, writer: Writer, points, stroke, char, word, link, accent, advance):
    """Renumber strokes: lift the pen at some cursive joins, and join some print letters
    of a word whose strokes end close to where the next letter starts."""
    breaks = np.zeros(len(stroke), bool)
    breaks[1:] = stroke[1:] != stroke[:-1]
    breaks |= link & (rng.random(len(stroke)) < writer.lift)
    this = np.flatnonzero(breaks[1:]) + 1                                  # stroke starts
    prev = this - 1
    nominal = np.concatenate([[0.0], np.cumsum(advance)[:-1]])[char]      # letter positions
    gap = np.hypot(points[this, 0] + nominal[this] - points[prev, 0] - nominal[prev],
                   points[this, 1] - points[prev, 1])
    joinable = ((char[this] == char[prev] + 1) & (word[this] == word[prev])
                & ~accent[this] & ~accent[prev] & ~link[this] & (gap < JOIN_GAP))
    breaks[this[joinable & (rng.random(len(this)) < writer.join)]] = False
    return np.cumsum(breaks)


def _overshoot(rng, writer: Writer, xy, stroke, word):
    """Let some strokes run on past their end along their last direction, 1 to 3 units."""
    ends = np.flatnonzero(np.concatenate([stroke[1:] != stroke[:-1], [True]]))
    ends = ends[(ends > 0) & (stroke[ends - 1] == stroke[ends])]
    ends = ends[rng.random(len(ends)) < writer.overshoot]
    if not len(ends):
        return xy, stroke, word
    direction = xy[ends] - xy[ends - 1]
    direction /= np.maximum(np.hypot(*direction.T), 1e-6)[:, None]
    extra = xy[ends] + direction * rng.uniform(1.0, 3.0, (len(ends), 1))
    copies = np.ones(len(xy), int)          # each end twice, its copy then moved on
    copies[ends] = 2
    order = np.repeat(np.arange(len(xy)), copies)
    xy = xy[order]
    xy[ends + np.arange(1, len(ends) + 1)] = extra
    return xy, stroke[order], word[order]


def _proportions(rng, y: np.ndarray) -> np.ndarray:
    """Stretch ascenders, x-height and descenders independently, as writers differ in them.

    y is in common units with the baseline at 0 and the x-height line at -X_HEIGHT; the
    map is piecewise linear with its knees at those two lines.
    """
    ascender, x_height, descender = np.exp(rng.normal([0.25, 0.0, 0.25], [0.12, 0.1, 0.12]))
    top = -X_HEIGHT * x_height
    return np.interp(y, [-1000.0, -X_HEIGHT, 0.0, 1000.0],
                     [top - (1000.0 - X_HEIGHT) * ascender, top, 0.0, 1000.0 * descender])


def _pen_timing(rng, writer: Writer, points: np.ndarray, stroke: np.ndarray,
                word: np.ndarray):
    """Move a pen along the strokes and sample it at SAMPLE_RATE while it touches paper.

    The pen slows where the path curves, following the two-thirds power law of human
    movement (speed ~ curvature ** -1/3), and at both ends of a stroke; it lifts between
    strokes for the travel time plus a pause, log-normal around the writer's habit, and
    longer and more varied between words (people stop to look at what they copy). word
    (N,) is each point's word. Returns the sampled points (M, 2) in common units, their
    times (M,) in seconds from 0, and the number of samples per stroke.
    """
    speed = writer.speed
    seg = np.diff(points, axis=0)                                          # (N-1, 2)
    length = np.hypot(seg[:, 0], seg[:, 1])
    a, b = seg[:-1], seg[1:]
    turn = np.abs(np.arctan2(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0],
                             a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1]))      # radians
    curvature = np.zeros(len(points))
    curvature[1:-1] = turn / np.maximum(0.5 * (length[:-1] + length[1:]), 1e-6)
    velocity = speed * (1.0 + CURVE_RADIUS * curvature) ** (-1.0 / 3.0)
    down = stroke[1:] == stroke[:-1]                                       # pen-down segments
    starts = np.flatnonzero(np.concatenate([[True], ~down]))
    ends = np.flatnonzero(np.concatenate([~down, [True]]))
    velocity[starts] = velocity[ends] = writer.end_speed * speed

    seconds = 0.5 * length * (1.0 / velocity[:-1] + 1.0 / velocity[1:])
    lifts = ~down
    between = word[1:][lifts] != word[:-1][lifts]
    pause = np.where(between, writer.word_pause * np.exp(rng.normal(0.0, 1.0, lifts.sum())),
                     writer.pause * np.exp(rng.normal(0.0, 0.35, lifts.sum())))
    seconds[lifts] = length[lifts] / (PEN_UP_SPEED * speed) + pause
    clock = np.concatenate([[0.0], np.cumsum(seconds)])                    # (N,) at vertices

    counts = np.floor((clock[ends] - clock[starts]) * SAMPLE_RATE).astype(int) + 1
    tick = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    t = np.repeat(clock[starts], counts) + tick / SAMPLE_RATE                # (M,)
    xy = np.stack([np.interp(t, clock, points[:, 0]), np.interp(t, clock, points[:, 1])], 1)
    return xy, t, counts


def _smooth(xy: np.ndarray, counts: np.ndarray, passes: int) -> np.ndarray:
    """Round the sampled path: `passes` of a (1, 2, 1) / 4 filter within each stroke (the
    ends stay), so that corners the pen turned become curves of the writer's smoothness."""
    last = np.cumsum(counts) - 1
    inner = np.ones(len(xy), bool)
    inner[last] = inner[last - counts + 1] = False
    for _ in range(passes):
        smooth = xy.copy()
        smooth[1:-1] = 0.25 * xy[:-2] + 0.5 * xy[1:-1] + 0.25 * xy[2:]
        xy = np.where(inner[:, None], smooth, xy)
    return xy


def _hand(rng, xy: np.ndarray, t: np.ndarray, variability: float) -> np.ndarray:
    """The hand on the page: a smooth wobble over time (three sinusoids per axis, 0.35 to 2
    hertz, so it bends letters rather than roughening them), a tilted baseline (its spread
    times `variability`), and the writer's size in pixels. xy (M, 2) in common units ->
    (M, 2) in pixels."""
    u = rng.random((2, 3, 2))
    z = rng.standard_normal(8)
    hertz, phase = 0.35 + 1.65 * u[0], 2 * np.pi * u[1]                  # (3, 2) each
    amplitude = 0.6 * z[:6].reshape(3, 2)
    wobble = amplitude * np.sin(2 * np.pi * hertz * t[:, None, None] + phase)  # (M, 3, 2)
    xy = xy + (wobble[:, 0] + wobble[:, 1] + wobble[:, 2])
    tilt = 0.02 * variability * z[6]                                       # radians
    c, s = math.cos(tilt), math.sin(tilt)
    return xy @ np.array([[c, s], [-s, c]]) * (UNITS_TO_PIXELS * math.exp(0.12 * z[7]))
