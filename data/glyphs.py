"""Single-line faces for the synthetic writer, read into one shape: strokes in common units.

Two sources of faces, both drawn with one line per pen stroke, as a pen writes:
- Hershey faces from the `Hershey-Fonts` package (`cursive`, `scripts`, `futural`,
  `rowmans`, and `greek`, whose Greek letters sit on Latin codes and are mapped back here);
- the EMS faces bundled in data/fonts/ (SVG fonts of the npm package `hersheytext` 2.0.0,
  SIL Open Font License 1.1, see data/fonts/README.md): single-line versions of OFL
  handwriting and sans fonts by Sheldon B. Michaels.

Common units: y down, baseline at 0, the height of 'x' is X_HEIGHT (Hershey's own 14), so
that every face writes at the same size before a writer's style scales it. Faces that
trace each line twice for weight (scriptc, timesr, Hershey Script Med, ...) are left out:
a pen never does that.
"""
import functools
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

FONT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fonts')
X_HEIGHT = 14.0            # common units: the height of 'x' in every face
DOT_SIZE = 2.0             # common units: a stroke no larger is a dot, written after its letter
JOIN_DISTANCE = 7.0        # common units: a shorter gap between strokes is crossed pen-down

# name -> file in FONT_DIR. Osmotron (a square techno face) is bundled for completeness
# of the set but not used by default: nobody writes like it.
SVG_FACES = {
    'allure': 'EMSAllure.svg', 'elfin': 'EMSElfin.svg', 'felix': 'EMSFelix.svg',
    'nixish': 'EMSNixish.svg', 'nixish_italic': 'EMSNixishItalic.svg',
    'osmotron': 'EMSOsmotron.svg', 'readability': 'EMSReadability.svg',
    'readability_italic': 'EMSReadabilityItalic.svg', 'tech': 'EMSTech.svg',
}
HERSHEY_FACES = ('cursive', 'scripts', 'futural', 'rowmans', 'greek')
FACES = HERSHEY_FACES + tuple(SVG_FACES)

# Hershey's Greek face puts the Greek alphabet on the Latin codes A..X / a..x in Greek
# order (checked by rendering it); the remaining codes hold Latin-looking symbols.
_GREEK_CODES = 'ABGDEZHQIKLMNXOPRSTUFCYW'
_GREEK = 'ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ'
GREEK_MAP = {**dict(zip(_GREEK_CODES, _GREEK)),
             **dict(zip(_GREEK_CODES.lower(), _GREEK.lower()))}


@dataclass(frozen=True)
class Glyph:
    """One character of a face, in common units relative to its left edge and the baseline.

    `body` strokes are written in order; `accents` (i-dots, t-bars, the second stroke of x)
    may wait until the end of a joined run or of the word. `entry` is where the body
    starts, `exit` where it ends, the latter relative to the right edge, so that a letter
    joins the next when the two points nearly meet.
    """
    body: Tuple[np.ndarray, ...]
    accents: Tuple[np.ndarray, ...]
    advance: float
    entry: np.ndarray
    exit: np.ndarray
    is_letter: bool


@dataclass(frozen=True)
class Face:
    """The glyphs of one face, by character (the space has none: it is only a gap)."""
    name: str
    glyphs: Dict[str, Glyph]
    space: float        # common units: the advance of the space character
    cursive: bool       # whether its letters are drawn to join


@functools.lru_cache(maxsize=None)
def load_face(name: str) -> Face:
    """Read one face into glyphs in common units; cached, since every line reuses them."""
    if name not in FACES:
        raise ValueError(f'unknown or unsuitable face {name!r}: use some of {", ".join(FACES)} '
                         f'(the other Hershey faces draw each line twice or hold symbols)')
    raw, space = _read_svg(SVG_FACES[name]) if name in SVG_FACES else _read_hershey(name)
    reference = raw['x' if 'x' in raw else 'κ'][0]   # the x-height letter of its script
    scale = X_HEIGHT / np.ptp(np.concatenate(reference)[:, 1])
    glyphs = {c: _make_glyph(c, [s * scale for s in strokes], advance * scale)
              for c, (strokes, advance) in raw.items() if strokes}
    letters = [g for c, g in glyphs.items() if c.islower()]
    joins = int(join_matrix(letters).sum()) if letters else 0
    return Face(name, glyphs, space * scale, cursive=joins > 0.3 * len(letters) ** 2)


def _read_hershey(name: str):
    """-> ({char: (strokes y down from the baseline, advance)}, space), Hershey units."""
    from HersheyFonts import HersheyFonts
    font = HersheyFonts()
    font.load_default_font(name)
    glyphs = font.all_glyphs
    raw = {}
    for c, g in glyphs.items():
        if name == 'greek' and c.isalpha():
            c = GREEK_MAP.get(c)   # Latin codes without a Greek letter are left out
        if c is None or not g.strokes:
            continue
        # Hershey's baseline is at y = 9
        strokes = [np.array(s, dtype=np.float64) - (g.left_offset, 9.0) for s in g.strokes]
        raw[c] = ([_drop_repeats(s) for s in strokes], float(g.char_width))
    return raw, float(glyphs[' '].char_width)


def _read_svg(filename: str):
    """-> ({char: (strokes y down from the baseline, advance)}, space) in SVG font units.

    The EMS files draw each glyph as one path of M (move) and L (line) commands, y up; the
    few (ß, ç, £) that also use curve commands are left out, as no text here needs them."""
    path = os.path.join(FONT_DIR, filename)
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError) as error:
        raise ValueError(f'font file {path}: {error}') from None
    ns = {'svg': 'http://www.w3.org/2000/svg'}
    font = tree.find('.//svg:font', ns)
    default = float(font.get('horiz-adv-x'))
    raw, space = {}, default
    for glyph in font.iterfind('svg:glyph', ns):
        char = glyph.get('unicode')
        advance = float(glyph.get('horiz-adv-x', default))
        if char == ' ':
            space = advance
        if not char or len(char) != 1 or re.search(r'[^MLml0-9eE.,\s+-]', glyph.get('d', '')):
            continue
        strokes = [_drop_repeats(np.array(pts, dtype=np.float64).reshape(-1, 2) * (1, -1))
                   for pts in _path_strokes(glyph.get('d', ''))]
        raw[char] = ([s for s in strokes if len(s)], advance)
    return raw, space


def _path_strokes(d: str) -> List[List[float]]:
    strokes = []
    for command, numbers in re.findall(r'([MLml])([^MLml]*)', d):
        values = [float(v) for v in numbers.replace(',', ' ').split()]
        if command in 'Mm':
            strokes.append(values)
        else:
            strokes[-1].extend(values)
    return strokes


def _make_glyph(char: str, strokes: List[np.ndarray], advance: float) -> Glyph:
    strokes = sorted(strokes, key=_is_dot)  # stable: dots move behind the strokes they sit on
    # The body ends with the stroke that leaves furthest right: there the next letter joins.
    ends = np.array([s[-1, 0] for s in strokes])
    last = int(np.flatnonzero(ends >= ends.max() - 0.5)[-1])
    body = _join_close(strokes[:last + 1])
    is_letter = unicodedata.category(char).startswith('L')
    return Glyph(tuple(body), tuple(strokes[last + 1:]), advance, body[0][0],
                 body[-1][-1] - (advance, 0.0), is_letter)


def cut_corners(stroke: np.ndarray) -> np.ndarray:
    """One pass of Chaikin's corner cutting: each segment gives its points at 1/4 and 3/4;
    the two ends stay."""
    if len(stroke) < 3:
        return stroke
    cuts = np.stack([0.75 * stroke[:-1] + 0.25 * stroke[1:],
                     0.25 * stroke[:-1] + 0.75 * stroke[1:]], axis=1).reshape(-1, 2)
    return np.concatenate([stroke[:1], cuts[1:-1], stroke[-1:]])


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


def join_matrix(glyphs: List[Glyph]) -> np.ndarray:
    """(n, n) booleans, [left, right]: whether cursive writing links the two glyphs, the
    exit of one meeting the entry of the next. Only letters: a writer lifts the pen before
    an apostrophe or a digit. Every pair at once: the generator reads it per face."""
    entry = np.array([g.entry for g in glyphs])
    exit_ = np.array([g.exit for g in glyphs])
    letter = np.array([g.is_letter for g in glyphs])
    gap = entry[None, :, :] - exit_[:, None, :]
    return letter[:, None] & letter[None, :] & (np.hypot(gap[..., 0], gap[..., 1])
                                                <= JOIN_DISTANCE)
