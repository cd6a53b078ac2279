"""Seeded generators of hostile input for each surface that reads the outside world, and a
runner that sorts every answer by kind.

    from hostile_inputs import SURFACES, Context, run_surface
    tally = run_surface('inkml', 10_000, seed=1, context=Context(tmp_folder))

Surfaces, each called as its users call it:
    inkml         data.inkml.read_inkml(document)            (the service's InkML bodies)
    ink_file      data.ink_files.read_ink_file(path)         (recognize.py: InkML, IAM-OnDB
                                                              XML or JSON, by content)
    json          data.ink_files.load_json + ink_from_json   (the service's JSON bodies)
    http          a real service on 127.0.0.1 (service.app)  (bodies, methods, paths,
                                                              headers, nbest)
    model_folder  models.model_folder.load_model_folder      (mismatched, truncated, wrong
                                                              types)
    recognize     Recognizer.recognize(strokes)              (the Python API: NaN, huge,
                                                              empty, wrong nesting and types)
    arpa          algorithms.language_model.read_arpa        (truncated, bad counts and
                                                              numbers, not UTF-8)
The generators: deep nesting, reference loops and chains, huge, hex, NaN and infinite
numbers, channel mix-ups, entities (internal, external, amplified), wrong types, and
random truncations, byte flips and insertions of valid input.

An answer is of a kind: 'result' (checked: finite points within range, a loaded model
whose parts fit), the project's error class for that surface (InkmlError, InkFileError,
ModelFolderError), or for HTTP its status. Anything else (another exception, a result
that fails its check, a 5xx, no answer) is a crash, kept with the input's description.
"""
import json
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from algorithms.language_model import build_bigram_lm, read_arpa, write_arpa
from data.base import MAX_MAGNITUDE
from data.ink_files import InkFileError, check_points, ink_from_json, load_json, read_ink_file
from data.inkml import InkmlError, read_inkml
from test_recognizer import CHARACTERS, fitted_pipeline, make_model_folder, random_line

SURFACES = ('inkml', 'ink_file', 'json', 'http', 'model_folder', 'recognize', 'arpa')
NAMESPACE = 'http://www.w3.org/2003/InkML'
HTTP_TIMEOUT = 60.0


class Crash(Exception):
    """An answer of no allowed kind."""


@dataclass
class Tally:
    cases: dict = field(default_factory=dict)  # surface -> count
    kinds: dict = field(default_factory=dict)  # (surface, kind) -> count
    crashes: list = field(default_factory=list)  # (surface, description, what)
    seconds: dict = field(default_factory=dict)  # surface -> seconds

    def add(self, surface, kind):
        self.cases[surface] = self.cases.get(surface, 0) + 1
        self.kinds[surface, kind] = self.kinds.get((surface, kind), 0) + 1

    def lines(self) -> list:
        out = []
        for surface in self.cases:
            kinds = ', '.join(f'{kind} {n}' for (s, kind), n in sorted(self.kinds.items())
                              if s == surface)
            crashes = sum(1 for c in self.crashes if c[0] == surface)
            out.append(f'{surface:13s} {self.cases[surface]:6d} cases in '
                       f'{self.seconds.get(surface, 0):6.1f} s; crashes {crashes}; {kinds}')
        return out


def pick(rng, options):
    """One of `options` as it is (rng.choice would make an array of them)."""
    return options[int(rng.integers(len(options)))]


# ---------------------------------------------------------------------------- numbers

def hostile_number(rng) -> str:
    """A number's text as a pen app or an attacker might write it."""
    k = int(rng.integers(12))
    digits = int(rng.choice([1, 3, 20, 101, 102, 300, 400, 5000]))
    if k == 0:
        return '#' + ''.join(pick(rng, '0123456789ABCDEF') for _ in range(digits))
    if k == 1:
        return pick(rng, ['', '-']) + '9' * digits
    if k == 2:
        return f'{pick(rng, ["", "-"])}1e{int(rng.integers(-999, 999))}'
    if k == 3:
        return pick(rng, ['NaN', 'nan', 'Infinity', '-Infinity', 'inf', '1e308', '1.8e308',
                          '-0', '.5e-400', '1e100', '1.0000001e100'])
    return f'{rng.normal() * 10 ** rng.integers(0, 4):.3f}'


# ---------------------------------------------------------------------------- InkML

def valid_inkml(rng) -> str:
    """A usable document: channels in any order (with T in some units, F, intermittent
    ones), traces with difference prefixes at times, maybe annotated groups."""
    channels = ['X', 'Y'] + [c for c in ('T', 'F') if rng.random() < 0.5]
    rng.shuffle(channels)
    units = pick(rng, ['s', 'ms', 'us', None])
    fmt = ''.join(f'<channel name="{c}"' + (f' units="{units}"' if c == 'T' and units else '')
                  + (' orientation="-ve"' if c == 'Y' and rng.random() < 0.2 else '') + '/>'
                  for c in channels)
    if rng.random() < 0.2:
        fmt += '<intermittentChannels><channel name="P"/></intermittentChannels>'
    traces = []
    for _ in range(int(rng.integers(1, 4))):
        points = []
        for i in range(int(rng.integers(2, 12))):
            prefix = pick(rng, ['', '', "'", '"', '!']) if i else ''
            points.append(prefix + ' '.join(f'{v:.2f}' for v in rng.normal(size=len(channels))
                                            * 50 + 100 * i))
        traces.append('<trace>' + ', '.join(points) + '</trace>')
    body = ''.join(traces)
    if rng.random() < 0.3:
        body = (f'<traceGroup><annotation type="truth">{pick(rng, ["ab", "x y", ""])}'
                f'</annotation>{body}</traceGroup>')
    return f'<ink xmlns="{NAMESPACE}"><traceFormat>{fmt}</traceFormat>{body}</ink>'


def hostile_inkml(rng) -> tuple:
    """-> (description, document)."""
    k = int(rng.integers(9))
    if k == 0:
        depth = int(rng.choice([50, 99, 100, 101, 1000, 5000, 30000]))
        tag = pick(rng, ['traceGroup', 'traceGroup', 'definitions', 'x'])
        return (f'{depth} nested <{tag}>',
                f'<ink>{f"<{tag}>" * depth}<trace>0 0, 5 10</trace>{f"</{tag}>" * depth}</ink>')
    if k == 1:
        n, loop = int(rng.integers(1, 60)), rng.random() < 0.5
        sources = ''.join(f'<inkSource xml:id="s{i}" inkSourceRef="#s{i + 1}"/>'
                          for i in range(n - 1))
        last = f'inkSourceRef="#s{int(rng.integers(n))}"' if loop else 'traceFormatRef="#f"'
        return (f'a chain of {n} inkSources{" looping" if loop else ""}',
                f'<ink><definitions><traceFormat xml:id="f"><channel name="X"/><channel '
                f'name="Y"/></traceFormat><context xml:id="c" inkSourceRef="#s0"/>{sources}'
                f'<inkSource xml:id="s{n - 1}" {last}/></definitions>'
                f'<trace contextRef="#c">1 2, 3 4</trace></ink>')
    if k == 2:
        values = [hostile_number(rng) for _ in range(6)]
        return (f'numbers {" ".join(v[:12] for v in values)}',
                f'<ink><trace>{values[0]} {values[1]}, {values[2]} {values[3]}, '
                f'{pick(rng, ["", chr(39), chr(34)])}{values[4]} {values[5]}</trace></ink>')
    if k == 3:
        names = [pick(rng, ['X', 'Y', 'T', 'F', 'x', '', 'X', 'Y']) for _ in
                 range(int(rng.integers(0, 5)))]
        attrs = [pick(rng, ['', ' units="days"', ' units="ms"', ' orientation="-ve"',
                            ' intermittent="true"']) for _ in names]
        values = ', '.join(' '.join(f'{v:.1f}' for v in rng.normal(size=int(rng.integers(0, 6))))
                           for _ in range(int(rng.integers(1, 5))))
        return (f'channels {names}', '<ink><traceFormat>' + ''.join(
            f'<channel name="{n}"{a}/>' for n, a in zip(names, attrs)) +
            f'</traceFormat><trace>{values}</trace></ink>')
    if k == 4:
        entity = pick(rng, [
            '<!ENTITY a "1 2, 3 4">', '<!ENTITY a SYSTEM "file:///etc/passwd">',
            '<!ENTITY b "1 2, "><!ENTITY a "&b;&b;&b;&b; 3 4">',
            '<!ENTITY % p "x"><!ENTITY a "5 6, 7 8">',
            ''.join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10 if i else "1 "}">' for i in range(8))
            + '<!ENTITY a "&e7;">'])
        return 'entities', f'<!DOCTYPE ink [{entity}]><ink><trace>&a;</trace></ink>'
    if k == 5:
        return 'random tags', ''.join(pick(rng, ['<ink>', '</ink>', '<trace>', '</trace>',
                                                 '1 2,', '<traceGroup>', '</traceGroup>',
                                                 '<annotation>', '<!--', '-->', '&amp;',
                                                 '<![CDATA[', ']]>', '<?x?>'])
                                      for _ in range(int(rng.integers(1, 20))))
    return 'a mutated valid document', mutate(rng, valid_inkml(rng))


def mutate(rng, text: str) -> str:
    data = bytearray(text.encode())
    for _ in range(int(rng.integers(1, 4))):
        k, at = int(rng.integers(4)), int(rng.integers(len(data) + 1))
        if k == 0:
            data = data[:at]
        elif k == 1 and data:
            data[min(at, len(data) - 1)] = int(rng.integers(256))
        elif k == 2:
            data[at:at] = pick(rng, [b'<', b'>', b'&', b'"', b',', b'#', b'\x00', b'\xff',
                                     b'9' * 400, b' NaN ', b'<traceGroup>', b'[', b']'])
        elif data:
            end = min(len(data), at + int(rng.integers(1, 40)))
            data[at:at] = data[at:end]
    return data.decode('utf-8', 'replace')


def check_lines(lines):
    """InkLines with finite points within range, or Crash."""
    if not isinstance(lines, list) or not lines:
        raise Crash(f'not a list of lines: {lines!r:.80}')
    for line in lines:
        if not line.strokes or not all(len(s) for s in line.strokes):
            raise Crash('an empty line or stroke')
        values = np.asarray([p for s in line.strokes for p in s], dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != 3:
            raise Crash(f'points of shape {values.shape}')
        if not (np.isfinite(values).all() and np.abs(values).max() <= MAX_MAGNITUDE):
            raise Crash('points not finite or beyond range')


def case_inkml(rng, context):
    description, document = (('valid', valid_inkml(rng)) if rng.random() < 0.2
                             else hostile_inkml(rng))
    body = document.encode('utf-8', 'replace')  # as the service passes a request's body
    return description, lambda: check_lines(read_inkml(body)), (InkmlError,)


# ---------------------------------------------------------------------------- JSON

def valid_json_value(rng):
    strokes = [[[round(float(v), 3) for v in rng.normal(size=int(rng.choice([2, 3]))) * 40]
                for _ in range(int(rng.integers(1, 8)))] for _ in range(int(rng.integers(1, 4)))]
    size = len(strokes[0][0])
    strokes = [[p[:size] + [0.0] * (size - len(p)) for p in s] for s in strokes]
    if size == 3:  # times that run on
        strokes = [[p[:2] + [0.01 * (10 * i + j)] for j, p in enumerate(s)]
                   for i, s in enumerate(strokes)]
    return {'strokes': strokes} if rng.random() < 0.5 else strokes


def hostile_json(rng) -> tuple:
    """-> (description, JSON text or bytes)."""
    k = int(rng.integers(8))
    if k == 0:
        depth = int(rng.choice([3, 4, 5, 500, 999, 1000, 5000, 100_000]))
        return f'{depth} deep', '[' * depth + ']' * depth
    if k == 1:
        number = hostile_number(rng).lstrip('#') or '1'
        return f'number {number[:20]}', f'[[[0, 0, 0], [{number}, 1, 0.1], [2, 2, 0.2]]]'
    if k == 2:
        value = pick(rng, ['null', 'true', '"abc"', '{}', '[]', '[[]]', '[[[]]]', '3',
                           '[[["1", "2", "3"]]]', '[[[true, false, 1]]]', '[[[0, 0], [1, 1, 1]]]',
                           '{"strokes": null}', '{"strokes": {"a": 1}}', '[[[0,0,0,0]]]',
                           '[[[[0, 0, 0]]]]', '[[null]]', '[[[0, 0, 0]], 5]', '"\\ud800"'])
        return f'wrong types {value}', value
    if k == 3:
        return 'random bytes', bytes(rng.integers(0, 256, int(rng.integers(0, 200))).tolist())
    if k == 4:
        text = json.dumps(valid_json_value(rng))
        return 'utf-16 or a BOM', pick(rng, [text.encode('utf-16'), b'\xef\xbb\xbf' + text.encode(),
                                             text.encode('utf-32')])
    return 'a mutated valid value', mutate(rng, json.dumps(valid_json_value(rng)))


def case_json(rng, context):
    description, text = (('valid', json.dumps(valid_json_value(rng))) if rng.random() < 0.2
                         else hostile_json(rng))
    return (description, lambda: check_lines([ink_from_json(load_json(text))]),
            (InkFileError,))


# ---------------------------------------------------------------------------- ink files

def iam_xml(rng) -> str:
    points = ''.join(f'<Point x="{pick(rng, [str(int(rng.integers(3000))), hostile_number(rng)])}"'
                     f' y="{int(rng.integers(3000))}" time="{0.01 * i}"/>'
                     for i in range(int(rng.integers(1, 8))))
    depth = int(rng.choice([1, 1, 1, 2, 150, 3000]))
    return (f'<WhiteboardCaptureSession><StrokeSet>{"<Stroke>" * depth}{points}'
            f'{"</Stroke>" * depth}</StrokeSet></WhiteboardCaptureSession>')


def case_ink_file(rng, context):
    k = int(rng.integers(4))
    if k == 0:
        description, text = ('valid', valid_inkml(rng)) if rng.random() < 0.3 else hostile_inkml(rng)
    elif k == 1:
        description, text = 'IAM-OnDB XML', iam_xml(rng)
        text = mutate(rng, text) if rng.random() < 0.3 else text
    else:
        description, text = (('valid', json.dumps(valid_json_value(rng))) if rng.random() < 0.3
                             else hostile_json(rng))
    suffix = pick(rng, ['.inkml', '.xml', '.json', '.txt'])
    path = context.folder / f'case{suffix}'
    path.write_bytes(text if isinstance(text, bytes) else text.encode('utf-8', 'replace'))

    def call():
        lines = read_ink_file(path)
        check_points(lines)
        check_lines(lines)
    return f'{description} as {suffix}', call, (InkFileError,)


# ---------------------------------------------------------------------------- HTTP

def http_request(rng, context) -> tuple:
    """-> (description, request bytes, whether the HTTP itself is well-formed)."""
    k = int(rng.integers(10))
    nbest = pick(rng, [None, None, 1, 3, 20, 21, 0, -1, 1.9, True, 'two', 1e300, 10 ** 30, [],
                       None])
    if k <= 3:
        value = valid_json_value(rng)
        if nbest is not None:
            value = {'strokes': value.get('strokes', value) if isinstance(value, dict) else value,
                     'nbest': nbest}
        body, what = json.dumps(value).encode(), f'valid ink, nbest {nbest!r}'
    elif k == 4:
        body, what = valid_inkml(rng).encode(), 'valid InkML'
    elif k == 5:
        what, text = hostile_inkml(rng)
        body = text.encode('utf-8', 'replace')
    elif k == 6:
        what, text = hostile_json(rng)
        body = text if isinstance(text, bytes) else text.encode('utf-8', 'replace')
    else:
        body, what = b'[[[0, 0, 0], [3, 4, 0.1], [6, 0, 0.2]]]', 'headers'
    method = pick(rng, ['POST'] * 16 + ['GET', 'PUT', 'HEAD', 'DELETE', 'FOO'])
    path = pick(rng, ['/recognize'] * 16 + ['/health', '/', '/recognize/', '/../etc/passwd',
                                            '/' + 'a' * 10_000, '/%00', '//recognize'])
    if rng.random() < 0.2:
        path += '?nbest=' + pick(rng, ['3', '0', '21', '1.9', 'x', '1e400', '٣', '', '3&nbest=4'])
    headers = {'Host': '127.0.0.1', 'Content-Type': pick(rng, ['application/json',
                                                              'application/inkml+xml', 'text/plain']),
               'Content-Length': str(len(body)), 'Connection': 'close'}
    well_formed = True
    if k >= 7:  # the HTTP framing itself
        damage = int(rng.integers(6))
        well_formed = False
        if damage == 0:
            headers['Content-Length'] = pick(rng, ['-1', 'abc', '99999999999999999999', '1e3',
                                                   str(len(body) + 5), '0'])
        elif damage == 1:
            del headers['Content-Length']
            headers['Transfer-Encoding'] = 'chunked'
            body = pick(rng, [f'{len(body):x}\r\n'.encode() + body + b'\r\n0\r\n\r\n',
                              b'zz\r\n' + body, b'5\r\nab'])
            well_formed = body.endswith(b'0\r\n\r\n')
        elif damage == 2:
            headers['X-Big'] = 'x' * int(rng.choice([100, 70_000, 300_000]))
        elif damage == 3:
            headers.update({f'X-{i}': str(i) for i in range(int(rng.integers(100, 2000)))})
        elif damage == 4:
            headers['Bad Header\x00'] = '\xff'
        else:
            headers['Content-Length'] = str(len(body))
            headers['Expect'] = '100-continue'
            well_formed = True
    head = f'{method} {path} HTTP/1.1\r\n' + ''.join(f'{k}: {v}\r\n' for k, v in headers.items())
    return (f'{method} {path[:40]} {what}', head.encode('latin-1', 'replace') + b'\r\n' + body,
            well_formed)


def http_exchange(port, request: bytes) -> tuple:
    """(status or None if the service closed without answering, headers text, body)."""
    with socket.create_connection(('127.0.0.1', port), timeout=HTTP_TIMEOUT) as sock:
        try:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
        except OSError:  # the service closed first (a refusal it sent is read below)
            pass
        data = b''
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    while data.startswith(b'HTTP/1.1 100 '):  # 100 Continue, then the answer
        data = data.partition(b'\r\n\r\n')[2]
    if not data:
        return None, '', b''
    head, _, body = data.partition(b'\r\n\r\n')
    status = int(head.split(b' ', 2)[1])
    return status, head.decode('latin-1'), body


def case_http(rng, context):
    description, request, well_formed = http_request(rng, context)

    def call():
        status, head, body = http_exchange(context.port, request)
        if status is None:
            if well_formed:
                raise Crash('closed without an answer')
            return 'closed'
        if status >= 500:
            raise Crash(f'{status}: {body[:200]!r}')
        if 'application/json' in head:
            answer = json.loads(body) if body else {}
            if body and status >= 400 and not answer.get('error'):
                raise Crash(f'{status} without an error message')
            if status == 200 and 'text' not in answer and 'status' not in answer:
                raise Crash(f'200 without a text: {answer}')
        elif status not in (400, 404, 405, 413, 431):  # waitress's own plain-text refusals
            raise Crash(f'{status} from the server, not the service')
        return f'HTTP {status}'
    return description, call, ()


# ---------------------------------------------------------------------------- model folders

def case_model_folder(rng, context):
    from models.model_folder import (ModelFolderError, check_fits, load_model_folder,
                                     read_recognizer_config)
    folder = context.folder / 'model'
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    network = pick(rng, list(context.networks))
    config = json.loads(json.dumps(context.config))
    description = [f'network {network}']
    for _ in range(int(rng.integers(0, 3))):
        description.append(damage_config(rng, config, context))
    config_text = json.dumps(config).encode()
    if rng.random() < 0.1:
        config_text = pick(rng, [b'[1, 2]', b'"text"', b'null', b'3', b'[' * 5000,
                                 b'{"format": 1', b'\xff\xfe{}', b''])
        description.append(f'recognizer.json {config_text[:10]!r}')
    (folder / 'recognizer.json').write_bytes(config_text)
    data = context.network_bytes[network]
    damaged = rng.random() < 0.15
    if damaged:
        how = int(rng.integers(5))
        if how == 0:
            data = data[:int(rng.integers(len(data)))]
        elif how == 1:
            data = bytearray(data)
            for _ in range(int(rng.integers(1, 20))):
                data[int(rng.integers(len(data)))] ^= int(rng.integers(1, 256))
            data = bytes(data)
        elif how == 2:
            data = bytes(rng.integers(0, 256, 3000).tolist())
        elif how == 3:
            data = b''
        else:
            data = None
        description.append(f'model.keras damaged ({how})')
    if data is not None:
        (folder / 'model.keras').write_bytes(data)

    def call():
        if damaged:  # Keras reads the file: the whole of load_model_folder
            model, char_table, pipeline, _ = load_model_folder(str(folder))
        else:  # an intact network of the pool, loaded once: the rest of load_model_folder
            _, char_table, pipeline = read_recognizer_config(str(folder))
            model = context.models[network]
            check_fits(model, char_table, pipeline, str(folder))
        if model.output_shape[-1] != char_table.num_classes or \
                model.input_shape[-1] != pipeline.num_features:
            raise Crash('a model whose parts do not fit was loaded')
    return ', '.join(description), call, (ModelFolderError,)


def damage_config(rng, config, context) -> str:
    """Change one part of a recognizer.json's content; -> what was done."""
    key = pick(rng, ['char_table', 'preprocessing', 'format', 'architecture', 'steps',
                     'params', 'characters', 'other_table', 'other_pipeline'])
    value = pick(rng, [None, 'text', [], {}, 3, -1, [1, 2], ['ab'], 1e300, True, float('nan')])
    if key == 'steps' and isinstance(config.get('preprocessing'), dict):
        config['preprocessing']['steps'] = value
    elif key == 'params' and isinstance(config.get('preprocessing'), dict) and \
            isinstance(config['preprocessing'].get('steps'), list) and config['preprocessing']['steps']:
        steps = config['preprocessing']['steps']
        step = steps[int(rng.integers(len(steps)))]
        if isinstance(step, dict):
            params = step.setdefault('params', {})
            if isinstance(params, dict):
                params[pick(rng, ['mean', 'std', 'step', 'quantile', 'tolerance', 'x'])] = value
    elif key == 'characters' and isinstance(config.get('char_table'), dict):
        config['char_table']['characters'] = pick(rng, [value, list('abcd '), list('ab'),
                                                        list('aab '), list('abc '),
                                                        [chr(i) for i in range(60)]])
    elif key == 'other_table':
        config['char_table'] = {'characters': list('abcdefg'), 'blank': 0}
    elif key == 'other_pipeline':
        config['preprocessing'] = context.other_pipeline
    elif key in config or rng.random() < 0.5:
        config[key] = value
    return f'{key} = {value!r:.20}'


# ---------------------------------------------------------------------------- strokes

def bad_strokes(rng):
    """-> (description, strokes) of one generated line, mostly unusable."""
    kind = rng.integers(15)
    line = [np.asarray(s) for s in random_line(rng, int(rng.integers(1, 4)),
                                               int(rng.integers(2, 12)))]
    if kind == 0:
        return 'no strokes', pick(rng, [[], (), np.zeros((0, 3))])
    if kind == 1:
        return 'an empty stroke', [*line, []]
    if kind == 2:
        s = line[0].copy()
        s[rng.integers(len(s)), rng.integers(3)] = pick(rng, [np.nan, np.inf, -np.inf])
        return 'NaN or inf', [s, *line[1:]]
    if kind == 3:
        return 'huge coordinates', [s * [10.0 ** rng.integers(20, 300), 1, 1] for s in line]
    if kind == 4:
        return 'one point', [[tuple(line[0][0])]]
    if kind == 5:
        return 'times backwards', [s[::-1] for s in line]
    if kind == 6:
        return 'equal times', [np.column_stack([s[:, :2], np.zeros(len(s))]) for s in line]
    if kind == 7:
        return 'points without strokes', [tuple(p) for p in line[0]]
    if kind == 8:
        return 'two coordinates', [s[:, :2] for s in line]
    if kind == 9:
        return 'strings', [[('1', 'x', '2')] * 3]
    if kind == 10:
        return 'a stroke of None', [None, *line]
    if kind == 11:
        return 'not a sequence', pick(rng, [None, 3, 'abc', {'x': 1}, 2.5])
    if kind == 12:
        return 'one more nesting level', [[s.tolist()] for s in line]
    if kind == 13:
        return 'strokes of numbers', [1.0, 2.0, float(rng.integers(9))]
    return 'all points equal', [np.ones((int(rng.integers(2, 9)), 3))]


def case_recognize(rng, context):
    """Recognizer.recognize on a tiny model: a text with finite probabilities, or ValueError."""
    if rng.random() < 0.2:
        description, strokes = 'valid', random_line(rng, int(rng.integers(1, 4)),
                                                    int(rng.integers(2, 30)))
    elif rng.random() < 0.1:
        description, strokes = 'ints beyond any float', [[(10 ** int(rng.integers(300, 500)), 0, 0),
                                                          (1, 1, 0.1)]]
    else:
        description, strokes = bad_strokes(rng)

    def call():
        text, probabilities = context.recognizer.recognize(strokes, return_probabilities=True)
        if not isinstance(text, str) or not np.isfinite(probabilities).all():
            raise Crash(f'text {text!r:.40}, probabilities finite: '
                        f'{np.isfinite(probabilities).all()}')
    return description, call, (ValueError,)


# ---------------------------------------------------------------------------- ARPA

def damaged_arpa(rng, text: str) -> bytes:
    lines = text.splitlines()
    damage = rng.integers(7)
    if damage == 0:
        return text.encode()[:int(rng.integers(len(text)))]  # truncated
    i = int(rng.integers(len(lines)))
    if damage == 1:
        lines[i] = lines[i].replace('=', '=' + str(rng.integers(0, 9)))  # wrong counts
    elif damage == 2:
        fields = lines[i].split('\t')
        fields[int(rng.integers(len(fields)))] = str(rng.choice(['x', 'nan', 'inf', '1e999',
                                                                 '+', '', '0x1', '5']))
        lines[i] = '\t'.join(fields)
    elif damage == 3:
        return (text[:i] + '\n').encode() + bytes(rng.integers(128, 256, 4).tolist()) + \
            text[i:].encode()  # not UTF-8
    elif damage == 4:
        del lines[i]
    elif damage == 5:
        lines.insert(i, lines[int(rng.integers(len(lines)))])  # a line twice
    else:
        lines[i] = lines[i].replace('\t', ' ')
    return '\n'.join(lines).encode()


def case_arpa(rng, context):
    """read_arpa of a damaged bigram model (or bytes that are no text): the model, or a
    ValueError naming the file."""
    path = context.folder / 'lm.arpa'
    data = (damaged_arpa(rng, context.arpa_text) if rng.random() < 0.9
            else bytes(rng.integers(0, 256, int(rng.integers(1, 3000))).tolist()))
    path.write_bytes(data)

    def call():
        try:
            read_arpa(path)
        except ValueError as error:
            if str(path) not in str(error):
                raise Crash(f'the error does not name the file: {error}') from None
            raise
    return f'{len(data)} bytes', call, (ValueError,)


# ---------------------------------------------------------------------------- running

@dataclass
class Context:
    """What the surfaces need: a scratch folder, and (made on first use) a model folder's
    parts and networks, and a service on loopback."""
    folder: Path
    port: int = None
    networks: dict = None
    recognizer: object = None
    arpa_text: str = None

    def for_surface(self, surface):
        if surface == 'model_folder' and self.networks is None:
            self._make_networks()
        if surface == 'recognize' and self.recognizer is None:
            from data.charset import CharTable
            from models.recognizer import Recognizer
            rng = np.random.default_rng(0)
            folder = make_model_folder(self.folder / 'tiny', CharTable(CHARACTERS),
                                       fitted_pipeline([random_line(rng) for _ in range(5)]))
            self.recognizer = Recognizer.load(str(folder))
        if surface == 'arpa' and self.arpa_text is None:
            path = self.folder / 'good.arpa'
            write_arpa(build_bigram_lm(['ab ba', 'cab a', 'a b c', 'bac cab']), path)
            self.arpa_text = path.read_text(encoding='utf-8')
        if surface == 'http' and self.port is None:
            self.port = start_service(self.folder)
        return self

    def _make_networks(self):
        import keras
        from data.charset import CharTable
        from models.network import build_model
        rng = np.random.default_rng(0)
        pipeline = fitted_pipeline([random_line(rng) for _ in range(5)])
        self.config = {'format': 1, 'char_table': CharTable('abc ').to_json(),
                       'preprocessing': pipeline.to_json(), 'architecture': {}}
        wider = json.loads(json.dumps(pipeline.to_json()))
        wider['steps'].insert(-2, {'name': 'height', 'params': {}})
        self.other_pipeline = wider
        self.networks, self.models, self.network_bytes = {}, {}, {}
        for name, (features, classes) in {'fits': (4, 5), 'more classes': (4, 8),
                                          'wider input': (5, 5)}.items():
            keras.utils.set_random_seed(0)
            model = build_model(features, classes, num_layers=1, units=4)
            path = self.folder / f'{name}.keras'
            model.save(path)
            self.networks[name] = path
            self.network_bytes[name] = path.read_bytes()
            self.models[name] = keras.saving.load_model(path, compile=False)


def start_service(folder) -> int:
    """A real service (waitress on 127.0.0.1, a free port) of weights/synthetic, in this
    process; -> its port. It serves until the process ends."""
    from models.model_folder import PROJECT_DIR
    from models.recognizer import Recognizer
    from service.app import Service, listen
    model = os.path.join(PROJECT_DIR, 'weights', 'synthetic')
    recognizer = Recognizer.load(model)
    recognizer.recognize_batch([[[(0, 0, 0.0), (1, 1, 0.1)]]] * 2)
    service = Service(recognizer, model, 'best_path', max_bytes=200_000, max_points=4000)
    server = listen(service, 0, threads=4, max_bytes=200_000)
    threading.Thread(target=server.run, daemon=True).start()
    return server.effective_port


CASES = {'inkml': case_inkml, 'ink_file': case_ink_file, 'json': case_json,
         'http': case_http, 'model_folder': case_model_folder, 'recognize': case_recognize,
         'arpa': case_arpa}


def run_surface(surface, count, seed, context, tally=None) -> Tally:
    """Try `count` generated inputs on one surface; -> the tally (crashes listed in it)."""
    tally = tally or Tally()
    rng = np.random.default_rng([seed, SURFACES.index(surface)])
    context.for_surface(surface)
    start = time.perf_counter()
    for _ in range(count):
        description, call, allowed = CASES[surface](rng, context)
        try:
            kind = call() or 'result'
        except allowed as error:
            kind = type(error).__name__
            if not str(error) or '\n' in str(error).strip():
                tally.crashes.append((surface, description, f'unclear message {error!r:.200}'))
        except Exception as error:  # a crash: any other exception, or a failed check
            kind = 'crash'
            tally.crashes.append((surface, description, f'{type(error).__name__}: {error!s:.300}'))
        tally.add(surface, kind)
    tally.seconds[surface] = tally.seconds.get(surface, 0) + time.perf_counter() - start
    return tally
