"""W3C InkML (https://www.w3.org/TR/InkML/): reading, writing, and a source for compile.py.

InkML is what pen apps export and what data sets such as CROHME, MathWriting and
HANDS-VNOnDB ship. A file is `<ink>` holding `<trace>`s (one pen-down stroke each),
possibly grouped in `<traceGroup>`s, with `<annotation>`s giving their text:

    from data.inkml import read_inkml, to_inkml
    lines = read_inkml('note.inkml')       # [InkLine(strokes, text, id, timed)]
    xml = to_inkml(strokes, text='hello')  # one line; strokes of (x, y, t), t in seconds
    xml = page_to_inkml(strokes, page.to_json()['lines'])  # lines and words read, as groups

What is read:
- Channels: a trace's values follow its `<traceFormat>` (found through the trace's or its
  group's `contextRef`, else the document's first traceFormat, else the spec's default X Y),
  in whatever order the format lists them; X and Y are needed, T (time) is used when there,
  other channels (pressure, tilt...) are read past. T is in the channel's `units` (s, ms,
  us; ms when none is given, as most pen APIs stamp time). A Y channel with
  `orientation="-ve"` points up and is negated, as the project's y points down.
- Values: points separated by commas, values by white space or a sign, with the spec's
  difference prefixes (`!` explicit, `'` first difference, `"` second difference; a prefix
  holds for its channel until another is given), `T`/`F`, and `*` (the previous value).
- Lines: an `<ink>` or `<traceGroup>` annotated with one line of text (annotation type
  `truth`, `transcription`, `normalizedLabel` or `label`, in that order of preference) is
  one line of all the traces inside it; one whose text has line breaks (a paragraph) is
  split into its annotated groups. A file without such annotations is one line, text None.
- Ink without times (`timed=False`) gets times made up by `make_up_times`.
"""
import math
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from xml.sax.saxutils import escape

import numpy as np

from data.base import MAX_MAGNITUDE, BaseSource, Example, shorten
from data.xml_depth import MAX_DEPTH, too_deep

NAMESPACE = 'http://www.w3.org/2003/InkML'
XML_ID = '{http://www.w3.org/XML/1998/namespace}id'
TEXT_TYPES = ('truth', 'transcription', 'normalizedLabel', 'label')  # best first
TIME_UNITS = {'s': 1.0, 'sec': 1.0, 'ms': 1e-3, 'us': 1e-6, 'µs': 1e-6, 'ns': 1e-9}
DEFAULT_TIME_UNIT = 'ms'
DEFAULT_CHANNELS = (('X', {}), ('Y', {}))  # the spec's default trace format
# Made-up times: the pen moves at PEN_SPEED line heights (y range) per second, on the paper
# and in the air between strokes alike (see make_up_times): the median of 400 IAM-OnDB
# training lines, path length over duration, was 1.56.
PEN_SPEED = 1.6
VALUE = re.compile(r'''\s*([!'"]?)\s*([-+]?\s*(?:\#[0-9A-Fa-f]+|\d+\.?\d*(?:[eE][-+]?\d+)?
                   |\.\d+(?:[eE][-+]?\d+)?)|[TF*?])''', re.X)
MAX_NAMED = 5
# Far beyond any real ink: how many references (contextRef -> context -> inkSourceRef ->
# ...) one trace's format may go through. Values beyond ±data.base.MAX_MAGNITUDE and
# elements nested deeper than data.xml_depth.MAX_DEPTH are refused as well.
MAX_REFERENCES = 32


class InkmlError(ValueError):
    """A file that is not usable InkML; the message says what is wrong, without the path
    (callers add it)."""


@dataclass
class InkLine:
    """One line of ink: strokes of (x, y, t), t in seconds (as the file has them, converted
    from the T channel's units, or made up from 0 when it has no T channel)."""
    strokes: list
    text: Optional[str]
    id: str
    timed: bool


# ---------------------------------------------------------------------------- reading

def local(tag) -> str:
    """'{namespace}trace' -> 'trace' (files come with the namespace, without it, or prefixed)."""
    return tag.rsplit('}', 1)[-1] if isinstance(tag, str) else ''


def read_inkml(source) -> list:
    """[InkLine] of an InkML file (a path) or document (str or bytes starting with '<')."""
    try:
        if isinstance(source, bytes) or (isinstance(source, str) and source.lstrip().startswith('<')):
            root = ET.fromstring(source)
        else:
            root = ET.parse(source).getroot()
    except ET.ParseError as error:
        raise InkmlError(f'not XML: {error}') from None
    except ValueError as error:  # a path with a NUL in it, say
        raise InkmlError(f'unreadable: {error}') from None
    if local(root.tag) != 'ink':
        raise InkmlError(f'not InkML: the root element is <{local(root.tag)}>, not <ink>')
    deepest = too_deep(root)  # the readers below recurse over traceGroups and formats
    if deepest:
        raise InkmlError(f'elements nest deeper than {MAX_DEPTH} levels '
                         f'(<{local(deepest[0])}> at depth {deepest[1]})')
    tree = read_node(root, Formats(root), None, [0])
    if not any(True for _ in tree.traces()):
        raise InkmlError('no traces')
    lines = [line for line in split_lines(tree)]
    return [make_line(traces, text, f'{i}') for i, (traces, text) in enumerate(lines)]


class Formats:
    """Trace formats of a document by id, with the contexts and ink sources that hold them."""

    def __init__(self, root):
        self.by_id, self.contexts, self.sources = {}, {}, {}
        first = None
        for element in root.iter():
            name, element_id = local(element.tag), element.get(XML_ID) or element.get('id')
            if name == 'traceFormat':
                channels = read_channels(element)
                first = first or channels
                if element_id:
                    self.by_id[element_id] = channels
            elif name == 'context' and element_id:
                self.contexts[element_id] = element
            elif name == 'inkSource' and element_id:
                self.sources[element_id] = element
        self.default = first or list(DEFAULT_CHANNELS)

    def of_context(self, reference):
        """The channels a `contextRef` leads to, or None when it names nothing usable."""
        context = self.contexts.get(reference.lstrip('#'))
        return None if context is None else self._within(context, ['#' + reference.lstrip('#')])

    def _within(self, element, path):
        """The channels an element holds or refers to; `path` lists the references
        followed so far, so that a loop or an endless chain is an InkmlError."""
        for child in element:
            if local(child.tag) == 'traceFormat':
                return read_channels(child)
            if local(child.tag) == 'inkSource':
                return self._within(child, path)
        for attribute, table in (('traceFormatRef', self.by_id), ('inkSourceRef', self.sources)):
            reference = (element.get(attribute) or '').lstrip('#')
            found = table.get(reference)
            if found is None:
                continue
            if attribute == 'traceFormatRef':
                return found
            path = path + [f'#{reference}']
            if path[-1] in path[:-1] or len(path) > MAX_REFERENCES:
                what = ('loop' if path[-1] in path[:-1]
                        else f'go through more than {MAX_REFERENCES} elements')
                shown = path if len(path) <= 6 else path[:3] + ['...'] + path[-2:]
                raise InkmlError(f'references {what}: {" -> ".join(shown)}')
            return self._within(found, path)
        return None


def read_channels(trace_format) -> list:
    """[(name, attributes)] of a traceFormat: regular channels, then intermittent ones
    (attributes hold 'intermittent': True), each group in the order the format lists it."""
    regular, intermittent = [], []

    def walk(element, into):
        for child in element:
            if local(child.tag) == 'channel':
                into.append((child.get('name', ''), dict(child.attrib,
                                                        intermittent=into is intermittent)))
            else:
                walk(child, intermittent if local(child.tag) == 'intermittentChannels' else into)

    walk(trace_format, regular)
    return regular + intermittent


@dataclass
class Node:
    """An <ink> or <traceGroup>: its own text, and its children (Nodes and traces)."""
    text: Optional[str]
    children: list

    def traces(self):
        """Parsed traces inside, in document order: [(points (n, k) array, channels)]."""
        for child in self.children:
            if isinstance(child, Node):
                yield from child.traces()
            else:
                yield child

    def annotated_within(self) -> bool:
        return any(isinstance(c, Node) and (c.text is not None or c.annotated_within())
                   for c in self.children)


def annotation_text(element) -> Optional[str]:
    texts = {a.get('type'): (a.text or '').strip() for a in element
             if local(a.tag) == 'annotation'}
    return next((texts[t] for t in TEXT_TYPES if texts.get(t)), None)


def read_node(element, formats, context_ref, counter) -> Node:
    """The tree under an <ink> or <traceGroup>; counter[0] numbers the traces, for errors."""
    context_ref = element.get('contextRef') or context_ref
    node = Node(annotation_text(element), [])
    for child in element:
        name = local(child.tag)
        if name == 'traceGroup':
            node.children.append(read_node(child, formats, context_ref, counter))
        elif name == 'trace':
            reference = child.get('contextRef') or context_ref
            channels = (formats.of_context(reference) if reference else None) or formats.default
            node.children.append((parse_trace(child.text or '', channels, counter[0]), channels))
            counter[0] += 1
    return node


def split_lines(node: Node):
    """(traces, text) of each line under node (see the module's doc)."""
    whole = node.text is not None and '\n' not in node.text
    if whole or not node.annotated_within():
        traces = list(node.traces())
        if traces:
            yield traces, node.text
        return
    for child in node.children:
        if isinstance(child, Node):
            yield from split_lines(child)


def parse_trace(text: str, channels, number) -> np.ndarray:
    """Points (n, k) of a trace's text over its k regular channels, float64."""
    regular = [c for c in channels if not c[1].get('intermittent')]
    k = len(regular)
    if ',' in text:
        groups = [tokens(part, number) for part in text.split(',')]
    else:  # early drafts separate points by white space only: take k values at a time
        flat = tokens(text, number)
        groups = [flat[i:i + k] for i in range(0, len(flat), k)]
    groups = [g for g in groups if g]
    if not groups:
        raise InkmlError(f'trace {number} is empty')
    points = np.zeros((len(groups), k))
    value = np.zeros(k)
    velocity = np.zeros(k)
    order = ['!'] * k
    for i, group in enumerate(groups):
        if len(group) < k:
            raise InkmlError(f'trace {number}, point {i}: {len(group)} values for the {k} '
                             f'channels {" ".join(n for n, _ in regular)}')
        for c, (prefix, raw) in enumerate(group[:k]):  # intermittent values are read past
            order[c] = prefix or order[c]
            previous = value[c]
            if raw == '*':
                number_value = value[c] if order[c] == '!' else 0.0
            elif raw == '?':
                raise InkmlError(f'trace {number}, point {i}: unknown value (?) in channel '
                                 f'{regular[c][0]}')
            else:
                number_value = to_number(raw, f'trace {number}, point {i}, channel '
                                              f'{regular[c][0]}')
            if order[c] == '!':
                value[c] = number_value
            elif order[c] == "'":
                value[c] = previous + number_value
            else:
                value[c] = previous + velocity[c] + number_value
            if not abs(value[c]) <= MAX_MAGNITUDE:  # differences can add up past it
                raise InkmlError(f'trace {number}, point {i}: channel {regular[c][0]} adds '
                                 f'up to {value[c]:g}, beyond ±{MAX_MAGNITUDE:g}')
            velocity[c] = value[c] - previous
            points[i, c] = value[c]
    return points


def tokens(text: str, number) -> list:
    """[(difference prefix, raw value)] of one point's text."""
    found, position, text = [], 0, text.strip()
    while position < len(text):
        match = VALUE.match(text, position)
        if match is None or match.end() == position:
            raise InkmlError(f'trace {number}: cannot read {text[position:position + 20]!r}')
        found.append((match.group(1), match.group(2).replace(' ', '')))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return found


def to_number(raw: str, where: str) -> float:
    """The value of one token (decimal, #hex, T or F); InkmlError, naming `where`, for one
    beyond ±MAX_MAGNITUDE (or too large for a float at all)."""
    if raw in ('T', 'F'):
        return 1.0 if raw == 'T' else 0.0
    sign = -1.0 if raw.startswith('-') else 1.0
    digits = raw.lstrip('+-')
    try:
        value = sign * (int(digits[1:], 16) if digits.startswith('#') else float(digits))
    except OverflowError:
        value = math.inf
    if not abs(value) <= MAX_MAGNITUDE:
        raise InkmlError(f'{where}: {shorten(raw, 20)} is beyond ±{MAX_MAGNITUDE:g}')
    return value


def make_line(traces, text, line_id) -> InkLine:
    """InkLine from parsed traces: X, Y (and T) picked by name, times from the file or made up."""
    strokes, timed = [], True
    for number, (points, channels) in enumerate(traces):
        names = [name for name, attributes in channels if not attributes.get('intermittent')]
        missing = [c for c in ('X', 'Y') if c not in names]
        if missing:
            raise InkmlError(f'unknown channels {" ".join(names)} in trace {number}: '
                             f'X and Y are needed')
        x, y = points[:, names.index('X')], points[:, names.index('Y')]
        if dict(channels)['Y'].get('orientation') == '-ve':
            y = -y
        if 'T' in names:
            unit = dict(channels)['T'].get('units', DEFAULT_TIME_UNIT)
            if unit not in TIME_UNITS:
                raise InkmlError(f'trace {number}: unknown time units {unit!r} '
                                 f'(known: {", ".join(TIME_UNITS)})')
            t = points[:, names.index('T')]
            strokes.append((x, y, t, TIME_UNITS[unit]))
        else:
            timed = False
            strokes.append((x, y, None, None))
    if sum(len(x) for x, *_ in strokes) < 2:
        raise InkmlError('a trace with one point is all the ink there is (nothing to recognize)')
    if not timed:
        return InkLine(make_up_times([np.column_stack([x, y]) for x, y, *_ in strokes]),
                       text, line_id, False)
    return InkLine([[(float(a), float(b), float(c * scale)) for a, b, c in zip(x, y, t)]
                    for x, y, t, scale in strokes], text, line_id, True)


def make_up_times(strokes, speed=PEN_SPEED) -> list:
    """Strokes of (x, y[, ...]) -> strokes of (x, y, t), for ink recorded without times.

    The pen is taken to move at a steady `speed` in line heights per second (the height
    being the ink's y range), in the air from one stroke to the next as on the paper. The
    recognizer's pre-processing resamples by pen travel, so at a steady speed every frame
    on the paper gets the same time step, and a pen-up gets one in proportion to its jump.
    """
    arrays = [np.asarray(s, dtype=np.float64)[:, :2] for s in strokes]
    points = np.concatenate(arrays)
    height = np.ptp(points[:, 1]) or np.ptp(points[:, 0]) or 1.0
    distance = np.concatenate([[0.0], np.hypot(*np.diff(points, axis=0).T)])
    t = np.cumsum(distance) / (speed * height)
    out, start = [], 0
    for a in arrays:
        out.append([(float(p[0]), float(p[1]), float(s)) for p, s in
                    zip(a, t[start:start + len(a)])])
        start += len(a)
    return out


def model_pen_speed(pipeline) -> float:
    """The speed for make_up_times at which a model's frames get, on average, the time step
    they had in its training data: its resampling step (line heights) over the mean dt its
    standardize step was fitted to. PEN_SPEED for pipelines without those two steps."""
    params = {step.name: step.params for step in pipeline.steps}
    mean = (params.get('standardize') or {}).get('mean')
    if 'resample' not in params or not mean or not mean[2] > 0:
        return PEN_SPEED
    return params['resample']['step'] / mean[2]


# ---------------------------------------------------------------------------- writing

def number_text(value) -> str:
    """Shortest text that reads back to the same float: '12' for 12.0, repr otherwise."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f'cannot write {value} to InkML')
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def to_inkml(strokes, text=None, annotation='truth') -> str:
    """One line of strokes of (x, y, t), t in seconds, as an InkML document."""
    return lines_to_inkml([(strokes, text)], annotation)


def lines_to_inkml(lines, annotation='truth') -> str:
    """[(strokes, text or None)] as an InkML document: X, Y and T (seconds) channels; one
    line's text is the ink's annotation (of type `annotation`: 'truth' for a true text,
    another type, such as 'recognized', for a text that may be wrong), several lines are
    one traceGroup each."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<ink xmlns="{NAMESPACE}">',
           '  <definitions>',
           '    <context xml:id="ctx0">',
           '      <traceFormat xml:id="format0">',
           '        <channel name="X" type="decimal"/>',
           '        <channel name="Y" type="decimal"/>',
           '        <channel name="T" type="decimal" units="s"/>',
           '      </traceFormat>',
           '    </context>',
           '  </definitions>']
    single = len(lines) == 1
    for i, (strokes, text) in enumerate(lines):
        indent = '  ' if single else '    '
        if not single:
            out.append(f'  <traceGroup xml:id="line{i}">')
        if text is not None:
            out.append(f'{indent}<annotation type="{annotation}">{escape(text)}</annotation>')
        for stroke in strokes:
            values = ', '.join(' '.join(number_text(v) for v in point[:3]) for point in stroke)
            out.append(f'{indent}<trace contextRef="#ctx0">{values}</trace>')
        if not single:
            out.append('  </traceGroup>')
    out.append('</ink>')
    return '\n'.join(out) + '\n'


def page_to_inkml(strokes, lines, annotation='recognized') -> str:
    """Strokes with the lines and words read from them, as an InkML document that pen
    apps can take the structure back from: the whole text as the ink's annotation, a
    traceGroup per line annotated with its text, in it a traceGroup per word annotated
    with its text holding the word's traces (a line's traces in no word sit in the line's
    group). Every trace keeps its place in `strokes` as its id (`t0`, `t1`, ...) and its
    times. lines: [{"text", "strokes", "words": [{"text", "strokes"}]}], stroke indices
    into `strokes`, as models.page_reader's to_json() writes them."""
    out = lines_to_inkml([], annotation).splitlines()[:-1]  # the header, without </ink>
    text = '\n'.join(line['text'] for line in lines)
    out.append(f'  <annotation type="{annotation}">{escape(text)}</annotation>')

    def trace(index, indent):
        values = ', '.join(' '.join(number_text(v) for v in point[:3])
                           for point in strokes[index])
        return f'{indent}<trace xml:id="t{index}" contextRef="#ctx0">{values}</trace>'

    for k, line in enumerate(lines):
        out += [f'  <traceGroup xml:id="line{k}">',
                f'    <annotation type="{annotation}">{escape(line["text"])}</annotation>']
        in_words = set()
        for w, word in enumerate(line['words']):
            out += [f'    <traceGroup xml:id="line{k}word{w}">',
                    f'      <annotation type="{annotation}">{escape(word["text"])}'
                    f'</annotation>']
            out += [trace(i, '      ') for i in word['strokes']]
            out.append('    </traceGroup>')
            in_words.update(word['strokes'])
        out += [trace(i, '    ') for i in line['strokes'] if i not in in_words]
        out.append('  </traceGroup>')
    out.append('</ink>')
    return '\n'.join(out) + '\n'


# ---------------------------------------------------------------------------- the source

class InkmlSource(BaseSource):
    """Annotated lines of a folder of InkML files (searched recursively for *.inkml), so that
    such a data set compiles with no code: `python compile.py inkml default -o root=FOLDER`.

    A line's id is its file's path under the root, plus `#n` for the n-th line of a file
    with several. Lines without text are passed over and counted; unreadable files are
    skipped, listed in `skipped` and summarized in one warning, as IamSource does.
    """

    def __init__(self, num_examples=None, root=None):
        if root is None:
            raise ValueError('InkmlSource needs root=FOLDER, the folder of .inkml files')
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f'InkML folder not found: {self.root}')
        self.num_examples = num_examples or None
        self.files = sorted(self.root.rglob('*.inkml'))
        if not self.files:
            raise FileNotFoundError(f'no .inkml files under {self.root}')
        self.skipped, self.lines_without_text, self.untimed_lines = [], 0, 0

    def __len__(self) -> int:
        """Files, capped: a file may hold several lines, or none with text."""
        n = len(self.files)
        return min(n, self.num_examples) if self.num_examples else n

    def get_examples(self):
        self.skipped, self.lines_without_text, self.untimed_lines = [], 0, 0
        count = 0
        for path in self.files:
            name = str(path.relative_to(self.root))
            try:
                lines = read_inkml(path)
            except (InkmlError, OSError) as error:
                self.skipped.append((name, str(error)))
                continue
            for line in lines:
                if count == self.num_examples:
                    return self._warn_skipped()
                if not line.text:
                    self.lines_without_text += 1
                    continue
                self.untimed_lines += not line.timed
                yield Example(name if len(lines) == 1 else f'{name}#{line.id}',
                              line.strokes, line.text)
                count += 1
        self._warn_skipped()

    def get_sequences(self):
        for example in self.get_examples():
            yield example.strokes, example.text

    def _warn_skipped(self):
        if self.skipped:
            named = '; '.join(f'{n} ({r})' for n, r in self.skipped[:MAX_NAMED])
            warnings.warn(f'InkML: skipped {len(self.skipped)} unreadable files (all listed '
                          f'in InkmlSource.skipped): {named}', stacklevel=2)

    def options(self) -> dict:
        return {'root': str(self.root)}

    def report(self) -> dict:
        return {'unreadable_files': len(self.skipped),
                'first_unreadable': [f'{n} ({r})' for n, r in self.skipped[:20]],
                'lines_without_text': self.lines_without_text,
                'lines_with_made_up_times': self.untimed_lines}
