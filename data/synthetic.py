"""Synthetic online handwriting, made on the fly: the built-in source that needs no download.

    from data.synthetic import SyntheticSource
    source = SyntheticSource(1000, seed=0, faces=['cursive', 'futural'], max_words=3)
    strokes, text = source.line(7)   # the same line for the same (seed, 7, options)

Why it exists: a user can try the whole framework (compile, train, decode with a dictionary,
demo) in minutes, before registering for IAM-OnDB. The lines are real words, so a dictionary
and a language model mean something, and they are written the way a pen moves, so a model
trained here has seen pen-up gaps, joined cursive strokes and a real clock.

How a line is made (`SyntheticSource.line`):
1. Text: 1 to a few words drawn from the `wordfreq` list of the language (its most frequent
   words of letters and apostrophes that the faces can write: ASCII, so words with accents
   are left out), by frequency flattened to frequency ** 0.5.
2. Glyphs: a Hershey single-line face, in font units (y down, baseline at 0, 'a' 9 high).
   Strokes that end where the next one starts (retraces, cursive links between letters) are
   written without lifting the pen; i-dots and t-bars wait until the joined run is finished.
3. Style of one writer per line: letter proportions, slant, baseline tilt and drift, letter
   size, width and spacing, and a smooth wobble of the hand (slow sinusoids over time, not
   white noise, so letters bend rather than fray).
4. Pen timing: the pen slows where the path turns and at stroke ends, and is sampled at
   100 points per second, so t is a real clock and points crowd where a real pen slows.

Acknowledgement, which the Hershey font data asks to travel with it: the Hershey Fonts were
originally created by Dr. A. V. Hershey while working at the U. S. National Bureau of
Standards. The format of the font data was originally created by James Hurt, Cognition, Inc.
(Glyphs come from the `Hershey-Fonts` package; words from `wordfreq`.)
"""
import functools
from dataclasses import dataclass
from typing import Dict, Iterator, List, Tuple

import numpy as np

from data.base import BaseSource, Example

# Faces drawn with one line whose ASCII codes hold Latin glyphs. The other Hershey faces
# either trace every line twice for weight (scriptc, timesr, ...), which a pen never does,
# or put Greek, Cyrillic or symbols on Latin codes, which would make the labels wrong.
# cursive and scripts share their letters (they differ in digits and punctuation), as do
# futural and rowmans: the default is half joined script, half print.
SINGLE_LINE_FACES = ('cursive', 'scripts', 'futural', 'rowmans')

HERSHEY_BASELINE = 9       # font units, y down: where the Hershey data puts the baseline
DOT_SIZE = 2.0             # font units: a stroke no larger is a dot, written after its letter
JOIN_DISTANCE = 4.5        # font units: a shorter gap between strokes is crossed pen-down
SMOOTHING_PASSES = 2       # corner-cutting passes that round the Hershey polygons
FREQUENCY_EXPONENT = 0.5   # words drawn by frequency ** 0.5: the common ones stay common,
                           # and the model still sees the rest of the vocabulary

SAMPLE_RATE = 100.0        # points per second while the pen is down, as tablets sample
WRITING_SPEED = 275.0      # font units per second on straight parts, for the median writer
CURVE_RADIUS = 3.0         # font units: paths curving tighter than this slow the pen down
END_SPEED = 0.25           # speed at pen-down and pen-up, as a share of the straight speed
PEN_UP_SPEED = 1.5         # pen moves in the air this many times faster than on paper
PEN_UP_PAUSE = 0.06        # seconds of each pen lift beyond the travel time
WOBBLE = 0.6               # font units: typical amplitude of each slow sinusoid of the hand
UNITS_TO_PIXELS = 2.2      # cap line to descender (33 font units) becomes about 70 pixels


@dataclass(frozen=True)
class Glyph:
    """One character of a face, in font units relative to its left edge and the baseline.

    `body` strokes are written in order; `accents` (i-dots, t-bars, the second stroke of x)
    may wait until the end of a joined run. `entry` is where the body starts, `exit` where
    it ends, the latter relative to the right edge, so that a letter joins the next when
    the two points nearly meet.
    """
    body: Tuple[np.ndarray, ...]
    accents: Tuple[np.ndarray, ...]
    advance: float
    entry: np.ndarray
    exit: np.ndarray
    is_letter: bool


@dataclass(frozen=True)
class Face:
    """The glyphs of one Hershey face, by character (the space has none: it is only a gap)."""
    glyphs: Dict[str, Glyph]
    space: float  # font units: the advance of the space character


# Words kept shaped per face. Bounded, so that memory stops growing after the first ~1,000
# lines however many are made (compile's peak memory must not grow with the data set).
WORD_CACHE_SIZE = 2048


@dataclass(frozen=True)
class WordTemplate:
    """A word in one face before any variation: the points of all its strokes, in order.

    points (P, 2) are in each glyph's own coordinates; char (P,) says which letter a point
    belongs to and stroke (P,) which pen-down stroke, so one line of NumPy places them all.
    """
    points: np.ndarray
    char: np.ndarray
    stroke: np.ndarray
    advance: np.ndarray  # (C,) font units per letter


@functools.lru_cache(maxsize=None)
def load_face(name: str) -> Face:
    """Read one Hershey face into NumPy glyphs; cached, since every line reuses them."""
    if name not in SINGLE_LINE_FACES:
        raise ValueError(f'unknown or unsuitable face {name!r}: use some of '
                         f'{", ".join(SINGLE_LINE_FACES)} (the other Hershey faces draw '
                         f'each line twice or are not Latin)')
    from HersheyFonts import HersheyFonts
    font = HersheyFonts()
    font.load_default_font(name)
    hershey = font.all_glyphs
    glyphs = {c: _make_glyph(c, g) for c, g in hershey.items() if g.strokes}
    return Face(glyphs, float(hershey[' '].char_width))


def _make_glyph(char: str, hershey) -> Glyph:
    origin = (hershey.left_offset, HERSHEY_BASELINE)
    strokes = [_drop_repeats(np.array(s, dtype=np.float64) - origin) for s in hershey.strokes]
    strokes.sort(key=_is_dot)  # stable: dots move behind the strokes they sit on
    # The body ends with the stroke that leaves furthest right: there the next letter joins.
    ends = np.array([s[-1, 0] for s in strokes])
    last = int(np.flatnonzero(ends >= ends.max() - 0.5)[-1])
    body = _join_close(strokes[:last + 1])
    advance = float(hershey.char_width)
    return Glyph(tuple(body), tuple(strokes[last + 1:]), advance, body[0][0],
                 body[-1][-1] - (advance, 0.0), char.isalpha())


def _drop_repeats(points: np.ndarray) -> np.ndarray:
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.any(np.diff(points, axis=0) != 0, axis=1)
    return points[keep]


def _is_dot(stroke: np.ndarray) -> bool:
    return bool(np.ptp(stroke, axis=0).max() <= DOT_SIZE)


def _join_close(strokes: List[np.ndarray]) -> List[np.ndarray]:
    """Merge strokes whose gap a writer crosses without lifting the pen (a retrace)."""
    joined = [strokes[0]]
    for s in strokes[1:]:
        if np.hypot(*(s[0] - joined[-1][-1])) <= JOIN_DISTANCE:
            joined[-1] = _drop_repeats(np.concatenate([joined[-1], s]))
        else:
            joined.append(s)
    return joined


def _joins(left: Glyph, right: Glyph) -> bool:
    """Whether cursive writing links the two letters: the exit of one meets the entry of
    the next. Only letters: a writer lifts the pen before an apostrophe or a digit."""
    return (left.is_letter and right.is_letter
            and np.hypot(*(right.entry - left.exit)) <= JOIN_DISTANCE)


@functools.lru_cache(maxsize=WORD_CACHE_SIZE)
def word_template(face_name: str, word: str) -> WordTemplate:
    """The strokes of one word, with letters joined and accents delayed; cached per word."""
    glyphs = [load_face(face_name).glyphs[c] for c in word]
    strokes, owners, waiting = [], [], []
    for k, glyph in enumerate(glyphs):
        body = list(glyph.body)
        if k and _joins(glyphs[k - 1], glyph):
            strokes[-1] = np.concatenate([strokes[-1], body[0]])
            owners[-1] = np.concatenate([owners[-1], np.full(len(body[0]), k)])
            body = body[1:]
        strokes += body
        owners += [np.full(len(s), k) for s in body]
        waiting += [(a, k) for a in glyph.accents]
        if k + 1 == len(glyphs) or not _joins(glyph, glyphs[k + 1]):
            strokes += [a for a, _ in waiting]
            owners += [np.full(len(a), owner) for a, owner in waiting]
            waiting = []
    char = np.concatenate(owners)
    stroke = np.repeat(np.arange(len(strokes)), [len(s) for s in strokes])
    advance = np.array([g.advance for g in glyphs])
    left = np.concatenate([[0.0], np.cumsum(advance)[:-1]])   # nominal letter positions
    points = np.concatenate(strokes) + np.stack([left[char], np.zeros(len(char))], axis=1)
    for _ in range(SMOOTHING_PASSES):   # on the word as set, so that links stay links
        points, char, stroke = _cut_corners(points, char, stroke)
    points[:, 0] -= left[char]
    # compact types: the cache holds thousands of these
    return WordTemplate(points.astype(np.float32), char.astype(np.int16),
                        stroke.astype(np.int16), advance)


def _cut_corners(points: np.ndarray, char: np.ndarray, stroke: np.ndarray):
    """One pass of Chaikin's corner cutting: a pen draws curves, the Hershey data polygons.

    Each segment inside a stroke gives its points at 1/4 and 3/4; stroke ends stay. Point i
    contributes, in order: itself if it starts a stroke, the two cuts of segment (i, i+1),
    itself if it ends a stroke (and did not start it).
    """
    inside = np.concatenate([stroke[1:] == stroke[:-1], [False]])          # (P,)
    start = np.concatenate([[True], ~inside[:-1]])
    after = np.concatenate([points[1:], points[-1:]])                      # point i+1
    candidates = np.stack([points, 0.75 * points + 0.25 * after,
                           0.25 * points + 0.75 * after, points], axis=1)  # (P, 4, 2)
    keep = np.stack([start, inside, inside, ~inside & ~start], axis=1)     # (P, 4)
    next_char = np.concatenate([char[1:], char[-1:]])
    owner = np.stack([char, char, next_char, char], axis=1)
    return candidates[keep], owner[keep], np.repeat(stroke, 4).reshape(-1, 4)[keep]


@functools.lru_cache(maxsize=16)
def load_words(language: str, vocabulary_size: int,
               characters: frozenset) -> Tuple[Tuple[str, ...], np.ndarray]:
    """The `vocabulary_size` most frequent words that the faces can write, and the
    cumulative probabilities to draw them with (frequency ** FREQUENCY_EXPONENT)."""
    import wordfreq
    try:
        candidates = wordfreq.top_n_list(language, max(4 * vocabulary_size, 1000))
    except LookupError:
        raise ValueError(f'language {language!r}: wordfreq has no word list for it; use one '
                         f'of {", ".join(sorted(wordfreq.available_languages()))}') from None
    # Letters and apostrophes only: wordfreq's other tokens are numbers (stored as zeros,
    # '00' for any two digits) and abbreviations stripped of their last period ('u.s').
    words = [w for w in candidates
             if set(w) <= characters and w.replace("'", '').isalpha()][:vocabulary_size]
    if len(words) < vocabulary_size:
        raise ValueError(f'language {language!r}: only {len(words)} of its {len(candidates)} '
                         f'most frequent words can be written with the Hershey faces (ASCII '
                         f'only); ask for vocabulary_size <= {len(words)} or another language')
    weights = np.array([wordfreq.word_frequency(w, language) for w in words])
    cumulative = np.cumsum(weights ** FREQUENCY_EXPONENT)
    return tuple(words), cumulative / cumulative[-1]


class SyntheticSource(BaseSource):
    """Lines of real words in Hershey single-line faces, written with a simulated pen.

    Line i depends only on (seed, i) and the options, never on `num_examples`, so a longer
    data set extends a shorter one. Each line picks one face (one "writer") at random; a
    face named twice in `faces` is picked twice as often.
    """

    def __init__(self, num_examples, seed=0, language='en', faces=SINGLE_LINE_FACES,
                 min_words=1, max_words=4, vocabulary_size=2000):
        if num_examples is None:
            raise ValueError('SyntheticSource can make any number of lines: give '
                             'num_examples > 0')
        self.num_examples = _count('num_examples', num_examples, 0)
        self.seed = _count('seed', seed, 0)
        self.min_words = _count('min_words', min_words, 1)
        self.max_words = _count('max_words', max_words, self.min_words)
        self.vocabulary_size = _count('vocabulary_size', vocabulary_size, 1)
        if isinstance(faces, str) or not faces:
            raise ValueError(f'faces must be a non-empty list of face names, got {faces!r}')
        self.faces = tuple(faces)
        self.language = language
        glyph_sets = [frozenset(load_face(name).glyphs) for name in self.faces]
        characters = frozenset.intersection(*glyph_sets)
        self.words, self._cumulative = load_words(language, self.vocabulary_size, characters)

    def __len__(self) -> int:
        return self.num_examples

    @property
    def characters(self) -> str:
        """Every character a line can hold: those of the vocabulary, and the space."""
        return ''.join(sorted(set(''.join(self.words)) | {' '}))

    def options(self) -> dict:
        return {'seed': self.seed, 'language': self.language, 'faces': list(self.faces),
                'min_words': self.min_words, 'max_words': self.max_words,
                'vocabulary_size': self.vocabulary_size}

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
        rng = np.random.default_rng([self.seed, i])
        face = self.faces[rng.integers(len(self.faces))]
        count = rng.integers(self.min_words, self.max_words + 1)
        picks = np.searchsorted(self._cumulative, rng.random(count), side='right')
        words = [self.words[min(k, len(self.words) - 1)] for k in picks]
        templates = [word_template(face, w) for w in words]
        points, stroke = _write_line(rng, templates, load_face(face).space)
        xy, t, counts = _pen_timing(rng, points, stroke)
        xyt = np.column_stack([_hand(rng, xy, t), t])
        return np.split(xyt, np.cumsum(counts)[:-1]), ' '.join(words)


def _count(name, value, minimum) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f'{name} must be an integer >= {minimum}, got {value!r}')
    return int(value)


def _write_line(rng, templates: List[WordTemplate], space: float):
    """Place the words side by side with one writer's variation.

    Returns points (N, 2) in font units, y down, and stroke (N,) pen-down stroke ids.
    """
    points = np.concatenate([t.points for t in templates])
    points[:, 1] = _proportions(rng, points[:, 1])
    first_char = np.cumsum([0] + [len(t.advance) for t in templates])
    first_stroke = np.cumsum([0] + [t.stroke[-1] + 1 for t in templates])
    char = np.concatenate([t.char + c for t, c in zip(templates, first_char)])
    stroke = np.concatenate([t.stroke + s for t, s in zip(templates, first_stroke)])

    # Per letter (C,): a line-wide habit times a letter-to-letter wobble.
    advance = np.concatenate([t.advance for t in templates])
    n = len(advance)
    size = np.exp(rng.normal(0.0, 0.06, n))                               # height
    width = size * np.exp(rng.normal(-0.05, 0.06) + rng.normal(0.0, 0.06, n))
    step = advance * width * np.exp(rng.normal(-0.05, 0.06) + rng.normal(0.0, 0.04, n))
    slant = np.tan(rng.normal(0.0, 0.12) + rng.normal(0.0, 0.05, n))      # shear, forward > 0
    gaps = np.zeros(n)
    gaps[first_char[1:-1] - 1] = space * np.exp(rng.normal(-0.1, 0.2, len(templates) - 1))
    left = np.concatenate([[0.0], np.cumsum(step + gaps)[:-1]])            # letter positions
    baseline = np.cumsum(rng.normal(0.0, 0.35, n))                         # drifting baseline
    baseline -= baseline.mean()

    x = left[char] + points[:, 0] * width[char] - points[:, 1] * slant[char] * size[char]
    y = baseline[char] + points[:, 1] * size[char]
    return np.stack([x, y], axis=1), stroke


def _proportions(rng, y: np.ndarray) -> np.ndarray:
    """Stretch ascenders, x-height and descenders independently, as writers differ in them.

    y is in font units with the baseline at 0 and the x-height line at -9; the map is
    piecewise linear with its knees at those two lines.
    """
    ascender, x_height, descender = np.exp(rng.normal(0.0, [0.12, 0.08, 0.12]))
    top = -9.0 * x_height
    return np.interp(y, [-1000.0, -9.0, 0.0, 1000.0],
                     [top - 991.0 * ascender, top, 0.0, 1000.0 * descender])


def _pen_timing(rng, points: np.ndarray, stroke: np.ndarray):
    """Move a pen along the strokes and sample it at SAMPLE_RATE while it touches paper.

    The pen slows where the path curves, following the two-thirds power law of human
    movement (speed ~ curvature ** -1/3), and at both ends of a stroke; it lifts between
    strokes for the travel time plus a pause. Returns the sampled points (M, 2) in font
    units, their times (M,) in seconds from 0, and the number of samples per stroke.
    """
    speed = WRITING_SPEED * np.exp(rng.normal(0.0, 0.2))                  # this writer
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
    velocity[starts] = velocity[ends] = END_SPEED * speed

    seconds = 0.5 * length * (1.0 / velocity[:-1] + 1.0 / velocity[1:])
    lifts = ~down
    seconds[lifts] = (length[lifts] / (PEN_UP_SPEED * speed)
                      + PEN_UP_PAUSE * np.exp(rng.normal(0.0, 0.3, lifts.sum())))
    clock = np.concatenate([[0.0], np.cumsum(seconds)])                    # (N,) at vertices

    counts = np.floor((clock[ends] - clock[starts]) * SAMPLE_RATE).astype(int) + 1
    tick = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    t = np.repeat(clock[starts], counts) + tick / SAMPLE_RATE                # (M,)
    xy = np.stack([np.interp(t, clock, points[:, 0]), np.interp(t, clock, points[:, 1])], 1)
    return xy, t, counts


def _hand(rng, xy: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The hand on the page: a smooth wobble over time (three sinusoids per axis, a few
    hertz, so it bends letters rather than roughening them), a tilted baseline, and the
    writer's size in pixels. xy (M, 2) in font units -> (M, 2) in pixels."""
    hertz = rng.uniform(0.7, 4.0, (3, 2))
    phase = rng.uniform(0.0, 2 * np.pi, (3, 2))
    amplitude = rng.normal(0.0, WOBBLE, (3, 2))
    xy = xy + (amplitude * np.sin(2 * np.pi * hertz * t[:, None, None] + phase)).sum(axis=1)
    tilt = rng.normal(0.0, 0.02)                                          # radians
    rotation = np.array([[np.cos(tilt), np.sin(tilt)], [-np.sin(tilt), np.cos(tilt)]])
    return xy @ rotation * (UNITS_TO_PIXELS * np.exp(rng.normal(0.0, 0.12)))
