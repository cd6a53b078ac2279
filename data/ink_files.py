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
recognize.py reads its files here, and serve.py its JSON request bodies (ink_from_json).
Whatever cannot be read raises InkFileError, whose message says what is wrong.
"""
import glob
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from data.iam import UnreadableFile, read_line_strokes
from data.inkml import InkLine, InkmlError, local, make_up_times, read_inkml

INK_EXTENSIONS = ('.inkml', '.xml', '.json')


class InkFileError(ValueError):
    """Ink that cannot be read; the message says what is wrong (callers name the file)."""


def read_ink_file(path) -> list:
    """[InkLine] of one ink file of any of the formats above."""
    path = Path(path)
    try:
        if path.suffix.lower() == '.json':
            with open(path, encoding='utf-8') as f:
                return [ink_from_json(json.load(f))]
        with open(path, 'rb') as f:  # only as far as the root element, or a <StrokeSet>
            tags = (local(element.tag) for _, element in ET.iterparse(f, events=('start',)))
            root_tag = next(tags)
            stroke_set = root_tag != 'ink' and (root_tag == 'StrokeSet' or 'StrokeSet' in tags)
    except json.JSONDecodeError as error:
        raise InkFileError(f'not JSON: {error}') from None
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
    globs; a folder gives its ink files, sorted, found recursively."""
    files, problems = [], []
    for argument in arguments:
        if os.path.isdir(argument):
            found = sorted(str(p) for p in Path(argument).rglob('*')
                           if p.suffix.lower() in INK_EXTENSIONS and p.is_file())
            problem = f'no {", ".join(INK_EXTENSIONS)} files in this folder'
        elif glob.has_magic(argument):
            found = sorted(p for p in glob.glob(argument, recursive=True) if os.path.isfile(p))
            problem = 'no files match'
        else:
            found = [argument] if os.path.isfile(argument) else []
            problem = 'no such file'
        files.extend(found)
        if not found:
            problems.append((argument, problem))
    return files, problems
