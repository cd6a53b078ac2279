"""Reading ink files: W3C InkML, IAM-OnDB stroke XML or JSON strokes, told apart by content.

    from data.ink_files import read_ink_file, find_files
    lines = read_ink_file('note.inkml')        # [InkLine]: a file may hold several lines
    files, problems = find_files(['ink/', 'scans/*.json'])

- InkML (`<ink>`, usually .inkml): see data/inkml.py for the channels, lines and
  annotations read. A file may hold several lines.
- IAM-OnDB line stroke files (.xml; see data/iam.py).
- JSON (.json): a list of strokes, a stroke a list of [x, y, t] points (x right, y down,
  t in seconds), or [x, y] points with no times (times are then made up, see
  data.inkml.make_up_times); or an object {"strokes": [...], "text": "..."}, the text
  optional (adapt.py needs it).
recognize.py reads its files here, and the service its JSON request bodies (load_json,
ink_from_json). Whatever cannot be read raises InkFileError, whose message says what is
wrong: numbers beyond ±data.base.MAX_MAGNITUDE, NaN and Infinity, JSON nested deeper than
any ink, and lines of more than a points limit (MAX_POINTS unless raised; TooMuchInk) are
refused too, so that one file or request cannot take the memory or time of thousands.
"""
import glob
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from data.base import MAX_MAGNITUDE, shorten
from data.iam import UnreadableFile, read_line_strokes
from data.inkml import InkLine, InkmlError, local, make_up_times, read_inkml

INK_EXTENSIONS = ('.inkml', '.xml', '.json')
# Points in one line, at most, unless a user raises it (recognize.py --max_points, serve.py
# --max_points): an IAM-OnDB line has about 700; 20,000 (a pen walk: about 1,000 frames)
# take half a second with weights/iam, where a line of 1.8 M points took 13 GB.
MAX_POINTS = 20_000
MAX_JSON_DIGITS = 102  # an integer of more digits is beyond MAX_MAGNITUDE (1e100)


class InkFileError(ValueError):
    """Ink that cannot be read; the message says what is wrong (callers name the file)."""


class TooMuchInk(InkFileError):
    """A line of more points than the limit (the service answers 413 Content Too Large)."""


def read_ink_file(path) -> list:
    """[InkLine] of one ink file of any of the formats above."""
    path = Path(path)
    try:
        if path.suffix.lower() == '.json':
            with open(path, 'rb') as f:
                return [ink_from_json(load_json(f.read()))]
        with open(path, 'rb') as f:  # only as far as the root element, or a <StrokeSet>
            tags = (local(element.tag) for _, element in ET.iterparse(f, events=('start',)))
            root_tag = next(tags)
            stroke_set = root_tag != 'ink' and (root_tag == 'StrokeSet' or 'StrokeSet' in tags)
    except ET.ParseError as error:
        raise InkFileError(f'not XML: {error}') from None
    except (OSError, UnicodeDecodeError) as error:
        raise InkFileError(f'unreadable: {error}') from None
    if root_tag == 'ink':
        try:
            return read_inkml(path)
        except InkmlError as error:
            raise InkFileError(str(error)) from None
    if stroke_set:  # IAM-OnDB's line files, told by their structure rather than their root's name
        try:
            return [InkLine(read_line_strokes(path), None, '0', True)]
        except UnreadableFile as error:
            raise InkFileError(f'IAM-OnDB stroke file: {error}') from None
    raise InkFileError(f'not ink: the root element is <{root_tag}>, neither InkML\'s <ink> '
                       f'nor an IAM-OnDB stroke file (a <StrokeSet> of <Stroke>s)')


def load_json(text):
    """The value of a JSON document (bytes or str), with numbers that ink can hold: an
    InkFileError for anything that is not JSON, nested deeper than Python's recursion
    limit (about 1,000; ink needs 4), or holding NaN, Infinity or a number beyond
    ±MAX_MAGNITUDE. Integers stay ints (so that a count such as nbest can be told from a
    fraction)."""
    try:
        return json.loads(text, parse_int=_json_int, parse_float=_json_float,
                          parse_constant=_json_constant)
    except InkFileError:  # a number refused (a ValueError too, and already clear)
        raise
    except RecursionError:
        raise InkFileError('JSON nested too deep (ink needs 4 levels)') from None
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        raise InkFileError(f'not JSON: {error}') from None


def _json_int(text: str) -> int:
    value = int(text) if len(text) <= MAX_JSON_DIGITS else None
    if value is None or abs(value) > MAX_MAGNITUDE:
        raise InkFileError(f'the number {shorten(text, 30)} is beyond ±{MAX_MAGNITUDE:g}')
    return value


def _json_float(text: str) -> float:
    value = float(text)
    if not abs(value) <= MAX_MAGNITUDE:
        raise InkFileError(f'the number {shorten(text, 30)} is beyond ±{MAX_MAGNITUDE:g}')
    return value


def _json_constant(text: str):
    raise InkFileError(f'{text} (NaN or inf) is not a number ink can hold')


def check_points(lines, max_points=MAX_POINTS):
    """TooMuchInk naming the limit if a line has more than max_points points."""
    for i, line in enumerate(lines):
        points = sum(len(stroke) for stroke in line.strokes)
        if points > max_points:
            where = f'line {i} has' if len(lines) > 1 else 'the ink has'
            raise TooMuchInk(f'{where} {points} points, over the limit of {max_points} a line '
                             f'(--max_points raises it)')


def ink_from_json(data) -> InkLine:
    """One line from JSON: [[[x, y, t], ...], ...], or points of [x, y], or {"strokes": ...,
    "text": ...}."""
    text = None
    if isinstance(data, dict):
        if 'strokes' not in data:
            raise InkFileError('a JSON object needs a "strokes" member')
        text = data.get('text')
        if text is not None and not isinstance(text, str):
            raise InkFileError(f'"text" must be a string, got {json.dumps(text)[:60]}')
        data = data['strokes']
    if not isinstance(data, list) or not data:
        raise InkFileError('JSON ink must be a non-empty list of strokes')
    sizes = set()
    for s, stroke in enumerate(data):
        if not isinstance(stroke, list) or not stroke:
            raise InkFileError(f'stroke {s} is not a non-empty list of points')
        for p, point in enumerate(stroke):
            if (not isinstance(point, list) or len(point) not in (2, 3)
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                               for v in point)):
                raise InkFileError(f'stroke {s}, point {p}: expected [x, y, t] or [x, y] '
                                   f'numbers, got {json.dumps(point)[:60]}')
            sizes.add(len(point))
    if len(sizes) > 1:
        raise InkFileError('some points have a time and some do not')
    if sizes == {2}:
        return InkLine(make_up_times(data), text, '0', False)
    return InkLine([[tuple(point) for point in stroke] for stroke in data], text, '0', True)


def find_files(arguments) -> tuple:
    """(ink files in the order given, [(argument, what is wrong)]) from paths, folders and
    globs; a folder gives its ink files, sorted, found recursively. A name that is a file
    is that file, glob characters or not (`note[1].inkml`)."""
    files, problems = [], []
    for argument in arguments:
        if os.path.isfile(argument):  # a literal name first, even with [ ] * ? in it
            found, problem = [argument], ''
        elif os.path.isdir(argument):
            found = sorted(str(p) for p in Path(argument).rglob('*')
                           if p.suffix.lower() in INK_EXTENSIONS and p.is_file())
            problem = f'no {", ".join(INK_EXTENSIONS)} files in this folder'
        elif glob.has_magic(argument):
            found = sorted(p for p in glob.glob(argument, recursive=True) if os.path.isfile(p))
            problem = 'no files match'
        else:
            found, problem = [], 'no such file'
        files.extend(found)
        if not found:
            problems.append((argument, problem))
    return files, problems
