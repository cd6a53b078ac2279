"""InkML: files written here in the shapes real ones come in (the W3C example's trace
format, contexts, difference encoding, no timestamps, trace groups), exact round trips,
malformed files, and InkmlSource compiled by compile.py."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from data.inkml import (NAMESPACE, PEN_SPEED, XML_ID, InkmlError, InkmlSource, lines_to_inkml,
                        make_up_times, model_pen_speed, page_to_inkml, read_inkml, to_inkml)
from data.preprocessing import Pipeline

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INK = '<ink xmlns="http://www.w3.org/2003/InkML">{}</ink>'

# The trace format of the W3C Recommendation's examples: X and Y, then F (force) and T in
# milliseconds, with an intermittent channel that points may leave out.
W3C_FORMAT = ('<traceFormat xml:id="TF1">'
              '<channel name="X" type="decimal" units="cm"/>'
              '<channel name="Y" type="decimal" units="cm"/>'
              '<channel name="F" type="decimal" units="dev"/>'
              '<channel name="T" type="integer" units="ms"/>'
              '<intermittentChannels><channel name="S" type="boolean"/></intermittentChannels>'
              '</traceFormat>')


def test_w3c_trace_format_channels_by_name():
    doc = INK.format(W3C_FORMAT + '<trace>10 0 0.5 1000 T, 9 14 0.7 1010, 8 28 0.9 1020 F</trace>')
    [line] = read_inkml(doc)
    assert line.timed and line.text is None
    assert line.strokes == [[(10.0, 0.0, 1.0), (9.0, 14.0, 1.01), (8.0, 28.0, 1.02)]]


def test_channel_order_from_a_context_and_y_pointing_up():
    doc = INK.format(
        '<definitions><context xml:id="c1"><inkSource xml:id="pen">'
        '<traceFormat><channel name="T" units="s"/><channel name="Y" orientation="-ve"/>'
        '<channel name="X"/></traceFormat></inkSource></context>'
        '<context xml:id="c2" traceFormatRef="#plain"/>'
        '<traceFormat xml:id="plain"><channel name="X"/><channel name="Y"/></traceFormat>'
        '</definitions>'
        '<traceGroup contextRef="#c1"><trace>0.5 2 1, 0.75 4 3</trace></traceGroup>'
        '<trace contextRef="#c2">7 8, 9 10</trace>')
    [line] = read_inkml(doc)
    assert [p[:2] for p in line.strokes[0]] == [(1.0, -2.0), (3.0, -4.0)]
    assert [p[:2] for p in line.strokes[1]] == [(7.0, 8.0), (9.0, 10.0)]
    assert not line.timed  # one trace without T: the line's times are all made up
    doc = doc.replace('<trace contextRef="#c2">7 8, 9 10</trace>', '')
    assert read_inkml(doc)[0].strokes == [[(1.0, -2.0, 0.5), (3.0, -4.0, 0.75)]]


def test_difference_encoding_and_points_without_commas():
    # first point explicit, then first differences, then second differences (sticky)
    doc = INK.format("<trace>1125 18432'23'43\"7\"-8 3-5</trace>")
    [line] = read_inkml(doc)
    xy = [p[:2] for p in line.strokes[0]]
    assert xy == [(1125, 18432), (1148, 18475), (1178, 18510), (1211, 18540)]


def test_ink_without_timestamps_gets_times_at_a_steady_speed():
    doc = INK.format('<trace>0 0, 0 10, 0 20</trace><trace>5 20, 5 0</trace>')
    [line] = read_inkml(doc)
    assert not line.timed
    t = [p[2] for stroke in line.strokes for p in stroke]
    height = 20.0
    expected = np.array([0, 10, 20, 25, 45]) / (PEN_SPEED * height)  # the jump counts too
    assert np.allclose(t, expected)
    faster = make_up_times([[(0, 0), (0, 20)]], speed=2 * PEN_SPEED)
    assert faster[0][1][2] == pytest.approx(1 / (2 * PEN_SPEED))


def test_model_pen_speed_follows_the_fitted_time_step():
    pipeline = Pipeline.from_json({'steps': [
        {'name': 'normalize_scale'}, {'name': 'resample', 'params': {'step': 0.2}},
        {'name': 'offsets'}, {'name': 'standardize',
                              'params': {'mean': [0, 0, 0.05], 'std': [1, 1, 1]}}]})
    assert model_pen_speed(pipeline) == pytest.approx(4.0)
    assert model_pen_speed(Pipeline.named('no_resample')) == PEN_SPEED


@pytest.mark.parametrize('seed', range(3))
def test_round_trip_is_exact(seed):
    rng = np.random.default_rng(seed)
    strokes = [[(float(x), float(y), float(t)) for x, y, t in rng.normal(0, 10 ** seed, (n, 3))]
               for n in rng.integers(1, 30, 5)]
    strokes[0][0] = (3.0, -7.0, 1e-300)  # whole numbers, and a tiny one
    text = 'A "quoted" <b> & line'
    [line] = read_inkml(to_inkml(strokes, text))
    assert line.strokes == strokes and line.text == text and line.timed


def test_several_lines_round_trip_as_trace_groups():
    lines = [([[(0.0, 0.0, 0.0), (1.5, 2.0, 0.1)]], 'first'),
             ([[(3.0, 4.0, 0.2), (5.0, 6.0, 0.3)], [(7.0, 8.0, 0.4)]], 'second')]
    read = read_inkml(lines_to_inkml(lines))
    assert [(line.strokes, line.text) for line in read] == lines


def test_annotated_groups_make_lines():
    paragraph = INK.format(
        '<traceGroup><annotation type="transcription">one\ntwo</annotation>'
        '<traceGroup><annotation type="transcription">one</annotation>'
        '<traceGroup><annotation type="transcription">on</annotation>'
        '<trace>0 0, 1 1</trace></traceGroup><trace>2 2, 3 3</trace></traceGroup>'
        '<traceGroup><annotation type="transcription">two</annotation>'
        '<trace>4 4, 5 5</trace></traceGroup></traceGroup>')
    lines = read_inkml(paragraph)
    assert [(line.text, len(line.strokes)) for line in lines] == [('one', 2), ('two', 1)]
    # CROHME's shape: the whole ink is annotated, groups of symbols inside it are not lines
    crohme = INK.format('<annotation type="truth">$a+b$</annotation>'
                        '<trace>0 0, 1 1</trace><trace>2 2, 3 3</trace>'
                        '<traceGroup><annotation type="truth">Segmentation</annotation>'
                        '<traceGroup><annotation type="truth">a</annotation>'
                        '<traceView traceDataRef="0"/></traceGroup></traceGroup>')
    [line] = read_inkml(crohme)
    assert line.text == '$a+b$' and len(line.strokes) == 2


@pytest.mark.parametrize('document, message', [
    ('<ink><trace>1 2, 3 4</trace>', 'not XML'),
    ('<svg><trace>1 2, 3 4</trace></svg>', 'not InkML'),
    (INK.format('<annotation type="truth">nothing</annotation>'), 'no traces'),
    (INK.format('<trace>1 2</trace>'), 'a trace with one point'),
    (INK.format('<traceFormat><channel name="A"/><channel name="B"/></traceFormat>'
                '<trace>1 2, 3 4</trace>'), 'unknown channels A B'),
    (INK.format('<trace>1 2, 3</trace>'), 'trace 0, point 1: 1 values for the 2 channels'),
    (INK.format('<trace>1 2, 3 4</trace><trace>1 2, 3 x</trace>'), "trace 1: cannot read 'x'"),
    (INK.format('<trace>1 2, ? 4</trace>'), 'unknown value'),
    (INK.format('<traceFormat><channel name="X"/><channel name="Y"/>'
                '<channel name="T" units="days"/></traceFormat><trace>1 2 3, 3 4 5</trace>'),
     "unknown time units 'days'"),
])
def test_malformed_files_say_what_is_wrong(document, message):
    with pytest.raises(InkmlError, match=message):
        read_inkml(document)


def source_chain(n, loop_to=None, inside=INK):
    """A context whose inkSourceRef goes through n inkSources, the last referring to
    `loop_to` (an earlier one) or to a traceFormat; in `inside`'s {}."""
    sources = ''.join(f'<inkSource xml:id="s{i}" inkSourceRef="#s{i + 1}"/>'
                      for i in range(n - 1))
    last = (f'inkSourceRef="#s{loop_to}"' if loop_to is not None else 'traceFormatRef="#f"')
    return inside.format('<definitions><traceFormat xml:id="f"><channel name="Y"/><channel '
                         f'name="X"/></traceFormat><context xml:id="c" inkSourceRef="#s0"/>'
                         f'{sources}<inkSource xml:id="s{n - 1}" {last}/></definitions>'
                         '<trace contextRef="#c">1 2, 3 4</trace>')


@pytest.mark.parametrize('document, message', [
    (INK.format('<trace>0 0, #' + 'F' * 400 + ' 10, 10 0</trace>'),
     r'trace 0, point 1, channel X: #FFFF.*\(401 characters\) is beyond ±1e\+100'),
    (INK.format('<trace>0 0, 1e999 10</trace>'), 'point 1, channel X: 1e999 is beyond'),
    (INK.format('<trace>0 0, 1 -' + '9' * 400 + '</trace>'), 'point 1, channel Y: -9999'),
    (INK.format("<trace>0 0, '9e99 1, '9e99 2</trace>"),
     'trace 0, point 2: channel X adds up to 1.8e\\+100'),
    (INK.format('<trace>0 0, NaN 1</trace>'), "cannot read 'NaN 1'"),
    (source_chain(1, loop_to=0), 'references loop: #c -> #s0 -> #s0'),
    (source_chain(3, loop_to=1), 'references loop: #c -> #s0 -> #s1 -> #s2 -> #s1'),
    (source_chain(40), r'references go through more than 32 elements: #c -> #s0 -> #s1 -> '
                       r'\.\.\. -> #s30 -> #s31'),
    (INK.format('<traceGroup>' * 20_000 + '<trace>0 0, 5 10</trace>' + '</traceGroup>' * 20_000),
     r'elements nest deeper than 100 levels \(<traceGroup> at depth 101\)'),
    (INK.format('<definitions><traceFormat>' + '<x>' * 500 + '</x>' * 500 + '</traceFormat>'
                '</definitions><trace>0 0, 5 10</trace>'), 'nest deeper than 100'),
])
def test_hostile_files_are_bounded_and_named(document, message):
    with pytest.raises(InkmlError, match=message):
        read_inkml(document)


def test_a_chain_within_the_bounds_is_followed():
    [line] = read_inkml(source_chain(30))  # the format is Y X: the values swap
    assert [p[:2] for p in line.strokes[0]] == [(2.0, 1.0), (4.0, 3.0)]


def write_folder(root):
    (root / 'sub').mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i, text in enumerate(['abc', 'bad', 'cab', 'dab', 'ace', 'bead']):
        strokes = [[(float(x), float(y), 0.01 * k) for k, (x, y) in
                    enumerate(np.cumsum(rng.normal(size=(12, 2)), axis=0))]]
        folder = root / 'sub' if i % 2 else root
        (folder / f'line{i}.inkml').write_text(to_inkml(strokes, text))
    (root / 'plain.inkml').write_text(to_inkml(strokes))  # no text: passed over
    (root / 'broken.inkml').write_text('<ink><trace>1 2,')
    return root


def test_inkml_source_skips_hostile_files_and_reads_on(tmp_path):
    root = write_folder(tmp_path / 'ink')
    hostile = {'hex.inkml': '<trace>0 0, #' + 'F' * 400 + ' 10, 10 0</trace>',
               'loop.inkml': source_chain(1, loop_to=0, inside='{}'),
               'deep.inkml': '<traceGroup>' * 20_000 + '<trace>0 0, 5 10</trace>'
                             + '</traceGroup>' * 20_000}
    for name, body in hostile.items():
        (root / 'sub' / name).write_text(INK.format('<annotation type="truth">x</annotation>'
                                                    + body))
    source = InkmlSource(None, root=root)
    with pytest.warns(UserWarning, match='skipped 4 unreadable files'):
        examples = list(source.get_examples())
    assert len(examples) == 6
    reasons = dict(source.skipped)
    assert 'is beyond ±1e+100' in reasons['sub/hex.inkml']
    assert 'references loop' in reasons['sub/loop.inkml']
    assert 'nest deeper than 100' in reasons['sub/deep.inkml']


def test_inkml_source_reads_a_folder(tmp_path):
    source = InkmlSource(None, root=write_folder(tmp_path / 'ink'))
    with pytest.warns(UserWarning, match=r'skipped 1 unreadable files .*: broken.inkml \(not XML'):
        examples = list(source.get_examples())
    assert [e.id for e in examples] == ['line0.inkml', 'line2.inkml', 'line4.inkml',
                                        'sub/line1.inkml', 'sub/line3.inkml', 'sub/line5.inkml']
    assert [e.text for e in examples] == ['abc', 'cab', 'ace', 'bad', 'dab', 'bead']
    assert source.report()['lines_without_text'] == 1
    with pytest.raises(ValueError, match='root'):
        InkmlSource(None)


def test_compile_py_compiles_an_inkml_folder(tmp_path):
    root = write_folder(tmp_path / 'ink')
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'compile.py'), 'inkml',
                           'default', '-o', f'root={root}', '--datasets_dir',
                           str(tmp_path / 'datasets'), '--no-progress'],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with open(tmp_path / 'datasets' / 'inkml' / 'meta.json', encoding='utf-8') as f:
        meta = json.load(f)
    assert sum(meta['counts'].values()) == 6, meta['counts']


def test_page_to_inkml_groups_traces_by_line_and_word(tmp_path):
    strokes = [[(0, 0, 0.0), (1, 1, 0.1)], [(5, 0, 0.2), (6, 1, 0.3)], [(0, 10, 1.0), (2, 11, 1.1)]]
    lines = [{'text': 'a <b>', 'strokes': [0, 1],
              'words': [{'text': 'a', 'strokes': [0]}, {'text': '<b>', 'strokes': [1]}]},
             {'text': '', 'strokes': [2], 'words': []}]
    path = tmp_path / 'page.inkml'
    path.write_text(page_to_inkml(strokes, lines))
    root = ET.parse(path).getroot()
    ns = {'i': NAMESPACE}
    assert root.find('i:annotation', ns).text == 'a <b>\n'
    groups = root.findall('i:traceGroup', ns)
    assert [g.find('i:annotation', ns).text for g in groups] == ['a <b>', None]
    words = groups[0].findall('i:traceGroup', ns)
    assert [w.find('i:annotation', ns).text for w in words] == ['a', '<b>']
    assert [t.get(XML_ID) for t in words[1].findall('i:trace', ns)] == ['t1']
    assert [t.get(XML_ID) for t in groups[1].findall('i:trace', ns)] == ['t2']
    [line] = read_inkml(path)  # the recognized text is no truth: read back as ink only
    assert line.text is None and [[tuple(p) for p in s] for s in line.strokes] == strokes
