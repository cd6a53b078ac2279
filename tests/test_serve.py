"""serve.py as a real HTTP service on 127.0.0.1 with the shipped weights/synthetic: its
answers, its refusals (4xx with a message, never a 5xx), and a bounded load test with
concurrent clients, malformed and oversized bodies mixed in, every answer checked against
the Recognizer's text for the same ink."""
import http.client
import json
import os
import select
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import pytest

from benchmarks.bench_service import (ROOT, expected_texts, report, request_mix, run_load,
                                      start_service, synthetic_lines)
from data.inkml import to_inkml

MODEL = os.path.join(ROOT, 'weights', 'synthetic')
CLIENTS, SECONDS = 8, 4.0

pytestmark = pytest.mark.skipif(not os.path.isdir(MODEL), reason='weights/synthetic missing')


@pytest.fixture(scope='module')
def lines():
    return synthetic_lines(4, seed=3)


@pytest.fixture(scope='module')
def service():
    process, port = start_service(MODEL)
    yield port
    process.terminate()
    assert process.wait(timeout=30) is not None


def call(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    connection.request(method, path, body, headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data.startswith(b'{') else data


def test_health(service):
    status, answer = call(service, 'GET', '/health')
    assert status == 200 and answer['status'] == 'ok' and answer['model'] == MODEL


def test_recognizes_json_and_inkml_with_alternatives(service, lines):
    texts, _ = expected_texts(MODEL, lines[:1])
    strokes = [[list(p) for p in s] for s in lines[0]]
    status, answer = call(service, 'POST', '/recognize', json.dumps({'strokes': strokes}))
    assert status == 200, answer
    assert answer['text'] == texts[0] and answer['alternatives'] == []
    # the folder has lm.arpa: its best decoder, token passing, by default
    assert answer['decoder'] == 'token_passing' and answer['milliseconds'] > 0
    status, answer = call(service, 'POST', '/recognize?nbest=3', to_inkml(lines[0]),
                          {'Content-Type': 'application/inkml+xml'})
    assert status == 200 and answer['text'] == texts[0]
    scores = [a['score'] for a in answer['alternatives']]
    assert 1 <= len(scores) <= 3 and scores == sorted(scores, reverse=True)


DEADLINE = 8  # seconds for a request to arrive whole, at `tuned`


@pytest.fixture(scope='module')
def tuned(tmp_path_factory):
    """serve.py with its own options, read from its own stdout and stderr: --decoder
    token_passing, a --request_deadline of DEADLINE s, --max_connections 200 and the load
    test's limits; -> (port, its first line on stdout, its stderr once serving). One
    process for the tests of those options (a start of TensorFlow each saved)."""
    from benchmarks.bench_service import MAX_BYTES, MAX_POINTS
    from service.launch import READY
    stderr_path = tmp_path_factory.mktemp('tuned') / 'stderr'
    with open(stderr_path, 'w') as stderr:
        process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, 'serve.py'), '--model', MODEL, '--port', '0',
             '--max_bytes', str(MAX_BYTES), '--max_points', str(MAX_POINTS),
             '--decoder', 'token_passing', '--request_deadline', str(DEADLINE),
             '--max_connections', '200'],
            stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=ROOT)
    try:
        first = process.stdout.readline()
        found = READY.search(first)
        assert found, (first, process.poll())
        yield int(found.group(1)), first, stderr_path.read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_starting_writes_nothing_on_stderr(tuned):
    """What serve.py says at its start is the user's: the address, on stdout; no TensorFlow
    start-up lines, no language model word count."""
    _, first, stderr = tuned
    assert first.startswith('serve.py: serving http://127.0.0.1:') and 'token_passing' in first
    assert stderr == ''


def test_token_passing_alternatives_are_its_k_best_word_sequences(tuned, lines):
    from models.recognizer import Recognizer
    recognizer = Recognizer.load(MODEL, decoder='token_passing')
    [probabilities] = recognizer.probabilities([recognizer.features(lines[0])])
    expected = recognizer.decoder.decode_nbest(probabilities, 3)
    strokes = [[list(p) for p in s] for s in lines[0]]
    status, answer = call(tuned[0], 'POST', '/recognize',
                          json.dumps({'strokes': strokes, 'nbest': 3}))
    assert status == 200 and answer['decoder'] == 'token_passing', answer
    assert answer['text'] == expected[0][0]
    assert [(a['text'], a['score']) for a in answer['alternatives']] == [
        (t, pytest.approx(s, abs=1e-3)) for t, s in expected]


def test_a_page_answers_its_lines_with_words_linked_to_strokes(service):
    from data.synthetic_pages import PageStyle, synthetic_page
    from models.recognizer import Recognizer
    style = PageStyle(lines=3, pitch=3.5, spacing=0.05, tilt=0.05, bend=0.05, turn=1.0,
                      late=0.0, corrections=0)
    page = synthetic_page(2, style=style)
    strokes = [s.tolist() for s in page.strokes]
    expected = Recognizer.load(MODEL).read_page(page.strokes)
    status, answer = call(service, 'POST', '/recognize', json.dumps({'strokes': strokes}))
    assert status == 200, answer
    assert answer['text'] == expected.text and answer['text'].count('\n') == 2
    assert answer['lines'] == expected.to_json()['lines'] and answer['alternatives'] == [[]] * 3
    assert [sorted(line['strokes']) for line in answer['lines']] == page.lines
    status, answer = call(service, 'POST', '/recognize?layout=line&nbest=2',
                          json.dumps(strokes))
    assert status == 200 and len(answer['lines']) == 1 and len(answer['alternatives']) == 2


@pytest.mark.parametrize('method, path, body, status, message', [
    ('GET', '/recognize', None, 405, 'answers POST'),
    ('POST', '/health', b'{}', 405, 'answers GET'),
    ('GET', '/nowhere', None, 404, 'no such endpoint'),
    ('POST', '/recognize', b'\xff\xfe', 400, 'neither JSON nor InkML'),
    ('POST', '/recognize', b'{"ink": []}', 400, '"strokes" member'),
    ('POST', '/recognize', b'[[[0, 0, 0], [1, "a", 2]]]', 400, 'stroke 0, point 1'),
    ('POST', '/recognize', b'[[[0, 0, 0], [NaN, 1, 2]]]', 400, 'NaN or inf'),
    ('POST', '/recognize', b'{"strokes": [[[0, 0], [1, 1]]], "nbest": 99}', 400, 'nbest must be'),
    ('POST', '/recognize?nbest=two', b'<ink><trace>0 0, 1 1</trace></ink>', 400, 'whole number'),
    ('POST', '/recognize', b'<ink><trace>0 0</trace></ink>', 400, 'one point'),
    ('POST', '/recognize', b'<svg/>', 400, 'not InkML'),
    ('POST', '/recognize?layout=columns', b'[[[0, 0], [1, 1]]]', 400, 'layout must be'),
    pytest.param('POST', '/recognize', b'{"strokes": [[[0, 0], [1, 1]]], "nbest": 1e400}', 400,
                 'is beyond ±1e+100', id='nbest-1e400'),
    pytest.param('POST', '/recognize', b'{"strokes": [[[0, 0], [1, 1]]], "nbest": 1.9}', 400,
                 'nbest must be a whole number from 1 to 20, got 1.9', id='nbest-1.9'),
    pytest.param('POST', '/recognize', b'{"strokes": [[[0, 0], [1, 1]]], "nbest": true}', 400,
                 'got True', id='nbest-true'),
    pytest.param('POST', '/recognize?nbest=1e400', b'<ink><trace>0 0, 1 1</trace></ink>', 400,
                 'whole number', id='nbest-query-1e400'),
    pytest.param('POST', '/recognize', b'[[[0,0,0],[' + b'9' * 400 + b',1,0.1],[2,2,0.2]]]',
                 400, 'is beyond ±1e+100', id='json-400-digits'),
    pytest.param('POST', '/recognize', b'[' * 90_000 + b']' * 90_000, 400, 'nested too deep',
                 id='json-90000-deep'),
    pytest.param('POST', '/recognize', b'<ink>' + b'<traceGroup>' * 5000 +
                 b'<trace>0 0, 1 1</trace>' + b'</traceGroup>' * 5000 + b'</ink>', 400,
                 'nest deeper than 100', id='inkml-5000-deep'),
    pytest.param('POST', '/recognize', b'<ink><trace>0 0, #' + b'F' * 400 +
                 b' 10, 10 0</trace></ink>', 400, 'channel X: #FFFF', id='inkml-hex-overflow'),
    pytest.param('POST', '/recognize', ('[[' + ','.join(f'[{i},{i % 7},{i / 100}]'
                                                        for i in range(4001)) + ']]').encode(),
                 413, 'over the limit of 4000 a line', id='points-over-limit'),
])
def test_refusals_say_why(service, method, path, body, status, message):
    got, answer = call(service, method, path, body)
    assert got == status and message in answer['error'], answer


def test_the_points_limit_is_of_each_line_found_on_a_page(service):
    """A synthetic page drawn with three times the points (the same shapes): over the
    service's limit of 4,000 points as a whole, each of its four lines under it."""
    import numpy as np
    from data.synthetic_pages import synthetic_page

    def dense(stroke, k=3):
        stroke = np.asarray(stroke, dtype=float)
        at = np.linspace(0, len(stroke) - 1, (len(stroke) - 1) * k + 1)
        return [[round(float(np.interp(at[i], np.arange(len(stroke)), stroke[:, c])), 3)
                 for c in range(3)] for i in range(len(at))]

    page = synthetic_page(2)
    strokes = [dense(s) for s in page.strokes]
    points = sum(map(len, strokes))
    assert max(sum(len(strokes[i]) for i in line) for line in page.lines) < 4000 < points
    body = json.dumps({'strokes': strokes}).encode()
    status, answer = call(service, 'POST', '/recognize', body)
    assert status == 200 and len(answer['lines']) == len(page.lines) == 4, answer
    status, answer = call(service, 'POST', '/recognize?layout=line', body)
    assert status == 413 and f'ink has {points} points, over the limit of 4000 a line ' \
        '(serve.py --max_points)' in answer['error'], answer


def test_load_nothing_lost(service, lines, capsys):
    mix = request_mix(lines, *expected_texts(MODEL, lines))
    figures = run_load(service, mix, CLIENTS, SECONDS)
    with capsys.disabled():
        print(f'\nload test: {report(figures, CLIENTS)}')
    assert figures['mismatches'] == []
    assert figures['well_formed'] >= 20 and figures['refused'] >= 5
    status, answer = call(service, 'GET', '/health')
    assert status == 200 and answer['batches'] < answer['requests']  # some were batched


def test_slow_clients_are_closed_at_the_deadline_and_others_answered_meanwhile(tuned, lines):
    """120 connections announce 150,000 bytes (under the service's --max_bytes) and trickle
    them; good requests are answered within 2 s all the while, and the trickling ones are
    closed after the deadline."""
    port, deadline = tuned[0], DEADLINE
    slow = []
    try:
        started = time.monotonic()
        for _ in range(120):
            sock = socket.create_connection(('127.0.0.1', port), timeout=10)
            sock.sendall(b'POST /recognize HTTP/1.1\r\nHost: x\r\nContent-Length: 150000\r\n\r\n[')
            slow.append(sock)
        body = json.dumps({'strokes': [[list(p) for p in s] for s in lines[0]]})
        for _ in range(3):
            began = time.monotonic()
            status, answer = call(port, 'POST', '/recognize', body)
            assert status == 200 and time.monotonic() - began < 2.0, answer
            assert select.select(slow, [], [], 0)[0] == []  # all held open, none answered
            trickle(slow)
            time.sleep(0.5)
        time.sleep(max(0.0, started + deadline + 3.0 - time.monotonic()))  # past the deadline
        trickle(slow)  # and the once-a-second check
        closed = 0
        for sock in slow:
            try:
                closed += sock.recv(1) == b''
            except OSError:
                closed += 1
        assert closed == len(slow)
    finally:
        for sock in slow:
            sock.close()


def trickle(sockets):
    """One more byte on each connection the service has not closed."""
    for sock in sockets:
        try:
            sock.sendall(b'[')
        except OSError:
            pass


@pytest.mark.parametrize('port', ['70000', '-1', '65536'])
def test_a_port_out_of_range_is_a_usage_error(port):
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'serve.py'), '--port', port],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert f'--port must be 1 to 65535 (or 0 for a free one), got {port}' in done.stderr


def test_a_bad_model_is_one_line(tmp_path):
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'serve.py'), '--model',
                           str(tmp_path / 'none'), '--port', '0'],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1].startswith('serve.py: error: model folder')


@pytest.fixture(scope='module')
def adapting(tmp_path_factory):
    """The service with a directory for adapted models."""
    folder = tmp_path_factory.mktemp('adapted')
    process, port = start_service(MODEL, '--adapted_dir', str(folder / 'models'))
    yield port, folder
    process.terminate()
    assert process.wait(timeout=30) is not None


def adapt_request(lines, texts, name, steps=2):
    return json.dumps({'name': name, 'steps': steps, 'lines': [
        {'strokes': [[list(p) for p in s] for s in strokes], 'text': text}
        for strokes, text in zip(lines, texts)]})


@pytest.mark.slow
def test_adapts_into_a_named_folder_and_recognizes_with_it(adapting, lines):
    port, folder = adapting
    texts = ['the one', 'and two', 'then three']
    status, answer = call(port, 'POST', '/adapt', adapt_request(lines[:3], texts, 'alice'))
    assert status == 200, answer
    assert answer['name'] == 'alice' and answer['lines'] == 3 and 'held-out' in answer['message']
    assert os.listdir(folder / 'models') == ['alice']
    from models.model_folder import read_config
    assert read_config(str(folder / 'models' / 'alice'))['adapted']['lines'] == 3
    expected, _ = expected_texts(str(folder / 'models' / 'alice'), lines[3:4])
    strokes = [[list(p) for p in s] for s in lines[3]]
    status, answer = call(port, 'POST', '/recognize?model=alice',
                          json.dumps({'strokes': strokes}))
    assert status == 200 and answer['text'] == expected[0], answer
    status, answer = call(port, 'POST', '/recognize?model=bob', json.dumps({'strokes': strokes}))
    assert status == 404 and 'no adapted model' in answer['error']


@pytest.mark.parametrize('name', ['../escape', 'a/b', '', '.hidden', '-x', 'x' * 65, 7, None,
                                  'C:evil', 'café'])
def test_a_name_never_reaches_the_file_system_unchecked(adapting, lines, name):
    port, folder = adapting
    status, answer = call(port, 'POST', '/adapt', adapt_request(lines[:2], ['a', 'b'], name))
    assert status == 400 and '"name" must be' in answer['error'], answer
    status, answer = call(port, 'POST', f'/recognize?model={quote(str(name))}',
                          json.dumps([[[0, 0], [5, 5]]]))
    assert status in (400, 404)
    assert sorted(os.listdir(folder)) == (['models'] if (folder / 'models').exists() else [])


@pytest.mark.parametrize('body, status, message', [
    ('[1, 2]', 400, 'must be a JSON object'),
    ('{"name": "a", "lines": []}', 400, '"lines" must be a non-empty list'),
    ('{"name": "a", "lines": [{"strokes": [[[0, 0, 0], [1, 1, 0.1]]]}]}', 400,
     'line 1: needs'),
    ('{"name": "a", "lines": [{"strokes": [[[0, 0, 0], [1, 1, 0.1]]], "text": "\\u4e2d"}]}',
     400, "line 1: characters outside the model's table"),
    ('{"name": "a", "lines": [{"strokes": [[[0, 0, "x"]]], "text": "a"}]}', 400,
     'line 1: stroke 0, point 0'),
    ('{"name": "a", "steps": 0, "lines": [{"strokes": [[[0, 0], [1, 1]]], "text": "a"}]}',
     400, '"steps" must be'),
])
def test_adapt_refusals_say_why(adapting, body, status, message):
    got, answer = call(adapting[0], 'POST', '/adapt', body)
    assert got == status and message in answer['error'], answer


def test_adapting_is_off_without_a_directory(service):
    status, answer = call(service, 'POST', '/adapt', '{}')
    assert status == 404 and 'adapting is off' in answer['error']

