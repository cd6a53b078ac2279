"""recognize.py end to end: ink files of every format the tests write (InkML, IAM-OnDB stroke
XML, JSON, with and without times, several lines in a file, broken ones), recognized by the
shipped weights/synthetic and held to the text the Recognizer gives for the same ink."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from data.inkml import lines_to_inkml, make_up_times, model_pen_speed, to_inkml
from data.synthetic import SyntheticSource
from iam_fixtures import line_xml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, 'weights', 'synthetic')

pytestmark = pytest.mark.skipif(not os.path.isdir(MODEL), reason='weights/synthetic missing')


def run(*args, cwd):
    return subprocess.run([sys.executable, os.path.join(ROOT, 'recognize.py'), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, PYTHONPATH=ROOT))


@pytest.fixture(scope='module')
def lines():
    """Three synthetic lines in whole-number coordinates, times from 0 in microseconds, as
    IAM-OnDB's files can hold them."""
    found = []
    for strokes, _ in SyntheticSource(3, seed=7).get_sequences():
        t0 = strokes[0][0][2]
        found.append([[(int(round(100 * x)), int(round(100 * y)), round(float(t - t0), 6))
                       for x, y, t in stroke] for stroke in strokes])
    return found


@pytest.fixture(scope='module')
def recognizer():
    from models.recognizer import Recognizer
    return Recognizer.load(MODEL, 'best_path')


def write_files(folder, lines):
    ink, extra = folder / 'ink', folder / 'extra'
    ink.mkdir()
    extra.mkdir()
    (ink / 'a.inkml').write_text(to_inkml(lines[0], 'its true text'))
    (ink / 'b.xml').write_text(line_xml([[(x, y, repr(t)) for x, y, t in s] for s in lines[1]]),
                               encoding='latin-1')
    (ink / 'c.json').write_text(json.dumps(lines[2]))
    (ink / 'two.inkml').write_text(lines_to_inkml([(lines[0], 'one'), (lines[2], 'two')]))
    traces = ''.join('<trace>' + ', '.join(f'{x} {y}' for x, y, _ in s) + '</trace>'
                     for s in lines[1])  # no traceFormat: X and Y, the spec's default
    (ink / 'untimed.inkml').write_text(f'<ink xmlns="http://www.w3.org/2003/InkML">{traces}</ink>')
    (extra / 'untimed.json').write_text(json.dumps([[[x, y] for x, y, _ in s] for s in lines[1]]))
    (ink / 'dot.inkml').write_text('<ink><trace>1 2</trace></ink>')
    (ink / 'prose.xml').write_text('<html><p>no ink</p></html>')
    (ink / 'broken.inkml').write_text('<ink><trace>1 2, 3')
    (extra / 'object.json').write_text('{"points": []}')


def test_recognizes_every_format_and_reports_each_bad_file(tmp_path, lines, recognizer):
    write_files(tmp_path, lines)
    done = run('ink', 'extra/*.json', 'missing.inkml', '--model', MODEL, '--nbest', '3',
               '--decoder', 'best_path', '--output', 'results.jsonl', cwd=tmp_path)
    assert done.returncode == 1, done.stderr[-3000:]
    records = {r['file']: r for r in map(json.loads, open(tmp_path / 'results.jsonl'))}
    texts = [recognizer.recognize(line) for line in lines]
    untimed = [[(x, y) for x, y, _ in s] for s in lines[1]]
    untimed_text = recognizer.recognize(make_up_times(untimed, model_pen_speed(recognizer.pipeline)))
    expected = {'ink/a.inkml': texts[0], 'ink/b.xml': texts[1], 'ink/c.json': texts[2],
                'ink/two.inkml': f'{texts[0]}\n{texts[2]}', 'ink/untimed.inkml': untimed_text,
                'extra/untimed.json': untimed_text}
    assert {f: r['text'] for f, r in records.items() if 'text' in r} == expected
    assert all(len(text) > 5 for text in expected.values())
    for record in (records[f] for f in expected):
        assert record['decoder'] == 'best_path' and record['milliseconds'] > 0
    assert len(records['ink/a.inkml']['alternatives']) == 3
    scores = [a['score'] for a in records['ink/a.inkml']['alternatives']]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3
    assert [len(a) for a in records['ink/two.inkml']['alternatives']] == [3, 3]
    errors = [line for line in done.stderr.splitlines() if line.startswith('recognize.py:')]
    bad = {'ink/dot.inkml': 'a trace with one point', 'ink/prose.xml': 'not ink',
           'ink/broken.inkml': 'not XML', 'extra/object.json': '"strokes" member',
           'missing.inkml': 'no such file'}
    assert len(errors) == len(bad), errors
    for name, reason in bad.items():
        assert any(f': {name}: ' in e and reason in e for e in errors), (name, errors)
        assert name == 'missing.inkml' or reason in records[name]['error']
    for name in expected:
        assert f'{name}: ' in done.stdout or f'{name}#0: ' in done.stdout


def test_token_passing_gives_its_k_best_word_sequences(tmp_path, lines):
    from models.recognizer import Recognizer
    (tmp_path / 'a.inkml').write_text(to_inkml(lines[0]))
    done = run('a.inkml', '--model', MODEL, '--decoder', 'token_passing', '--nbest', '3',
               '--output', 'out.jsonl', cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    [record] = map(json.loads, open(tmp_path / 'out.jsonl'))
    recognizer = Recognizer.load(MODEL, decoder='token_passing')
    text = recognizer.recognize(lines[0])
    found = record['alternatives']
    assert record['text'] == text == found[0]['text'] and 1 <= len(found) <= 3
    assert len({a['text'] for a in found}) == len(found)
    assert all(a['score'] >= b['score'] for a, b in zip(found, found[1:]))
    [probabilities] = recognizer.probabilities([recognizer.features(lines[0])])
    assert [(a['text'], a['score']) for a in found] == [
        (t, pytest.approx(s, abs=1e-3))
        for t, s in recognizer.decoder.decode_nbest(probabilities, 3)]


def test_the_examples_read_by_token_passing_by_default_with_nothing_on_stderr(tmp_path):
    """The shipped weights/iam has lm.arpa and decoder.json: its best decoder reads, and a
    successful run leaves stderr empty (no TensorFlow start-up lines, no language model
    word count)."""
    from models.model_folder import DEFAULT_MODEL
    done = run('examples/ink/', '--output', str(tmp_path / 'out.jsonl'), cwd=ROOT)  # as a user
    assert done.returncode == 0 and done.stderr == ''
    records = list(map(json.loads, open(tmp_path / 'out.jsonl')))
    assert len(records) >= 5 and {r['decoder'] for r in records} == {'token_passing'}
    assert os.path.isfile(os.path.join(ROOT, DEFAULT_MODEL, 'lm.arpa'))


def test_a_folder_without_a_language_model_falls_back_to_best_path_and_says_so(tmp_path, lines):
    import shutil
    folder = tmp_path / 'no-lm'
    shutil.copytree(MODEL, folder, ignore=shutil.ignore_patterns('lm.arpa', 'training'))
    (tmp_path / 'a.json').write_text(json.dumps(lines[0]))
    done = run('a.json', '--model', str(folder), '--output', 'out.jsonl', cwd=tmp_path)
    assert done.returncode == 0
    assert done.stderr.splitlines() == [f'recognize.py: note: {folder} has no language model '
                                        '(lm.arpa): decoding by best path (build_lm.py '
                                        'writes one)']
    [record] = map(json.loads, open(tmp_path / 'out.jsonl'))
    assert record['decoder'] == 'best_path'
    done = run('a.json', '--model', str(folder), '--decoder', 'token_passing', cwd=tmp_path)
    assert done.returncode == 2 and 'language model not found' in done.stderr


def test_token_passing_flags_with_best_path_are_a_usage_error(tmp_path, lines):
    (tmp_path / 'a.json').write_text(json.dumps(lines[0]))
    done = run('a.json', '--model', MODEL, '--decoder', 'best_path', '--lm_weight', '2',
               cwd=tmp_path)
    assert done.returncode == 2 and "token passing's" in done.stderr.splitlines()[-1]


def test_usage_errors_exit_2(tmp_path):
    (tmp_path / 'a.json').write_text('[[[0, 0, 0], [1, 1, 0.1]]]')
    done = run('a.json', '--model', 'no/such/model', cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == ('recognize.py: error: model folder not '
                                                     'found: no/such/model')
    done = run('nothing/here/*.inkml', cwd=tmp_path)
    assert done.returncode == 2 and 'no files match' in done.stderr


def test_a_page_reads_as_its_lines_with_words_linked_to_strokes(tmp_path, recognizer):
    import xml.etree.ElementTree as ET
    from data.synthetic_pages import PageStyle, synthetic_page
    style = PageStyle(lines=3, pitch=3.5, spacing=0.05, tilt=0.05, bend=0.05, turn=1.0,
                      late=0.0, corrections=0)
    page = synthetic_page(1, style=style)
    (tmp_path / 'page.json').write_text(json.dumps([s.tolist() for s in page.strokes]))
    done = run('page.json', '--model', MODEL, '--decoder', 'best_path', '--output', 'out.jsonl',
               '--inkml-out', 'read', cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    [record] = map(json.loads, open(tmp_path / 'out.jsonl'))
    read = recognizer.read_page(page.strokes)
    assert record['text'] == read.text and record['text'].count('\n') == 2
    assert record['lines'] == read.to_json()['lines']
    assert [sorted(line['strokes']) for line in record['lines']] == page.lines
    assert [f'page.json#{k}: {line["text"]}' for k, line in enumerate(record['lines'])] == \
        done.stdout.splitlines()
    ns = {'i': 'http://www.w3.org/2003/InkML'}
    root = ET.parse(tmp_path / 'read' / 'page.inkml').getroot()
    groups = root.findall('i:traceGroup', ns)
    assert [g.find('i:annotation', ns).text for g in groups] == record['text'].split('\n')
    for group, line in zip(groups, record['lines']):
        words = group.findall('i:traceGroup', ns)
        assert [w.find('i:annotation', ns).text for w in words] == \
            [w['text'] for w in line['words']]
        assert [[t.get('{http://www.w3.org/XML/1998/namespace}id') for t in w.findall(
            'i:trace', ns)] for w in words] == [[f't{i}' for i in w['strokes']]
                                                 for w in line['words']]
    done = run('page.json', '--model', MODEL, '--decoder', 'best_path', '--layout', 'line',
               cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.count('page.json') == 1
    assert done.stdout.split(': ', 1)[1].strip() == recognizer.recognize(page.strokes)


def test_max_points_is_a_limit_of_each_line_read_not_of_a_page(tmp_path):
    from data.synthetic_pages import PageStyle, synthetic_page
    style = PageStyle(lines=3, pitch=3.5, spacing=0.05, tilt=0.05, bend=0.05, turn=1.0,
                      late=0.0, corrections=0)
    page = synthetic_page(1, style=style)
    sizes = [sum(len(page.strokes[i]) for i in line) for line in page.lines]
    biggest = max(range(3), key=sizes.__getitem__)
    dense = [s.tolist() for s in page.strokes]
    for i in page.lines[biggest]:  # the same ink with a point between each two
        s = page.strokes[i]
        dense[i] = np.insert(s, np.arange(1, len(s)), 0.5 * (s[:-1] + s[1:]), axis=0).tolist()
    (tmp_path / 'page.json').write_text(json.dumps([s.tolist() for s in page.strokes]))
    (tmp_path / 'dense.json').write_text(json.dumps(dense))
    limit = max(sizes)  # each line of page.json within it, the page far over it
    done = run('page.json', 'dense.json', '--model', MODEL, '--decoder', 'best_path',
               '--max_points', str(limit), cwd=tmp_path)
    assert done.returncode == 1 and done.stdout.count('page.json#') == 3, done.stderr[-3000:]
    points = sum(len(dense[i]) for i in page.lines[biggest])
    assert done.stderr.strip().splitlines()[-1] == (
        f'recognize.py: dense.json: line {biggest + 1} of the 3 found in the ink has {points} '
        f'points, over the limit of {limit} a line (--max_points raises it)')


def hostile_files(folder) -> dict:
    """{name: the reason its error line gives} for files each of which used to stop a batch
    with a traceback (or to take gigabytes)."""
    ink = '<ink xmlns="http://www.w3.org/2003/InkML">{}</ink>'
    files = {
        'hex.inkml': (ink.format('<trace>0 0, #' + 'F' * 400 + ' 10, 10 0</trace>'),
                      'channel X: #FFFF'),
        'loop.inkml': (ink.format('<definitions><context xml:id="c1" inkSourceRef="#s1"/>'
                                  '<inkSource xml:id="s1" inkSourceRef="#s1"/></definitions>'
                                  '<trace contextRef="#c1">0 0, 5 10, 10 0</trace>'),
                       'references loop: #c1 -> #s1 -> #s1'),
        'deep.inkml': (ink.format('<traceGroup>' * 20_000 + '<trace>0 0, 5 10</trace>'
                                  + '</traceGroup>' * 20_000), 'nest deeper than 100'),
        'huge.json': ('[[[0,0,0],[' + '9' * 400 + ',1,0.1],[2,2,0.2]]]', 'is beyond ±1e+100'),
        'deep.json': ('[' * 100_000 + ']' * 100_000, 'JSON nested too deep'),
        'long.json': (json.dumps([[[i, i % 7, i / 100] for i in range(5001)]]),
                      'the ink has 5001 points, over the limit of 5000 a line'),
    }
    for name, (text, _) in files.items():
        (folder / name).write_text(text)
    return {name: reason for name, (_, reason) in files.items()}


def test_hostile_files_are_reported_one_line_each_and_the_batch_goes_on(tmp_path, lines,
                                                                        recognizer):
    (tmp_path / 'ink').mkdir()
    reasons = {f'ink/{name}': reason for name, reason in hostile_files(tmp_path / 'ink').items()}
    for i in range(3):  # good files before, among and after the bad ones
        (tmp_path / 'ink' / f'{"aim"[i]}-good.inkml').write_text(to_inkml(lines[i]))
    (tmp_path / 'note[1].inkml').write_text(to_inkml(lines[0]))  # a literal name, not a glob
    done = run('ink', 'note[1].inkml', '--model', MODEL, '--max_points', '5000', '--output',
               'new/folder/out.jsonl', '--decoder', 'best_path', cwd=tmp_path)
    assert done.returncode == 1, done.stderr[-3000:]
    assert 'Traceback' not in done.stderr
    records = {r['file']: r for r in map(json.loads, open(tmp_path / 'new/folder/out.jsonl'))}
    errors = [line for line in done.stderr.splitlines() if line.startswith('recognize.py:')]
    assert len(errors) == len(reasons), errors
    for name, reason in reasons.items():
        assert reason in records[name]['error'], records[name]
        assert any(e.startswith(f'recognize.py: {name}: ') and reason in e for e in errors)
    texts = [recognizer.recognize(line) for line in lines]
    assert records['note[1].inkml']['text'] == texts[0]
    assert [records[f'ink/{"aim"[i]}-good.inkml']['text'] for i in range(3)] == texts


@pytest.mark.parametrize('args, message', [
    (['--nbest', '21'], '--nbest must be 1 to 20, got 21'),
    (['--nbest', '0'], '--nbest must be 1 to 20, got 0'),
    (['--max_points', '1'], '--max_points must be at least 2'),
    (['--output', 'a.json/out.jsonl'], '--output: cannot make the folder of a.json/out.jsonl'),
])
def test_argument_errors_come_before_the_model_loads(tmp_path, args, message):
    (tmp_path / 'a.json').write_text('[[[0, 0, 0], [1, 1, 0.1]]]')
    done = run('a.json', '--model', 'no/such/model', *args, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr.strip().splitlines()[-1], done.stderr


def test_the_default_model_is_found_from_another_working_directory(tmp_path):
    (tmp_path / 'a.json').write_text('[[[0, 0, 0], [10, 20, 0.1], [20, 0, 0.2]]]')
    done = run('a.json', cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith('a.json: ')
