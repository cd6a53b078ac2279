"""Load on the recognition service (serve.py): requests/s and latency with many clients.

    python benchmarks/bench_service.py                    # default model, 16 clients, 20 s
    python benchmarks/bench_service.py --clients 32 --seconds 60 --model weights/synthetic

Starts serve.py on a free port of 127.0.0.1, then runs N client threads for a while, each
sending requests one after another on a kept-alive connection: synthetic lines as JSON
(with and without times) and as InkML, mixed with malformed bodies (400 expected) and
oversized ones (413 expected). Every well-formed answer is checked against the text the
Recognizer gives in this process for the same ink, so nothing lost or mixed up goes
unnoticed. Prints requests/s and the median and p99 latency of the well-formed requests.
tests/test_serve.py runs the same load, smaller.
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from service.launch import start_serve_py  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_BYTES, MAX_POINTS = 200_000, 4_000  # the limits the service is started with


def start_service(model, *options):
    """(process, port) of serve.py with the limits this benchmark tests."""
    return start_serve_py(ROOT, ['--model', model, '--max_bytes', str(MAX_BYTES),
                                 '--max_points', str(MAX_POINTS), *options])


def request_mix(lines, texts, untimed_texts):
    """[(body bytes, content type, expected status, expected text or None)]: each line as
    JSON, as JSON without times and as InkML, then malformed and oversized bodies."""
    from data.inkml import to_inkml
    mix = []
    for strokes, text, untimed_text in zip(lines, texts, untimed_texts):
        timed = [[list(map(float, p)) for p in s] for s in strokes]
        mix.append((json.dumps({'strokes': timed}).encode(), 'application/json', 200, text))
        mix.append((json.dumps([[p[:2] for p in s] for s in timed]).encode(),
                    'application/json', 200, untimed_text))
        mix.append((to_inkml(strokes).encode(), 'application/inkml+xml', 200, text))
    many_points = [[[float(i), float(i % 7), i / 100] for i in range(MAX_POINTS + 1)]]
    mix += [(b'{"strokes": [[[1, 2, 0]', 'application/json', 400, None),
            (b'<ink><trace>1 2, 3</trace></ink>', 'application/inkml+xml', 400, None),
            (b'{"strokes": [[[0, 0, 0]]]}', 'application/json', 400, None),
            (b'x' * (MAX_BYTES + 1), 'application/json', 413, None),
            (json.dumps({'strokes': many_points}).encode(), 'application/json', 413, None)]
    return mix


def expected_texts(model, lines):
    """(texts, texts of the same lines without times) as the Recognizer gives them here."""
    from data.inkml import make_up_times, model_pen_speed
    from models.recognizer import Recognizer
    recognizer = Recognizer.load(model)
    speed = model_pen_speed(recognizer.pipeline)
    untimed = [make_up_times([[p[:2] for p in s] for s in strokes], speed) for strokes in lines]
    return ([recognizer.recognize(s) for s in lines],
            [recognizer.recognize(s) for s in untimed])


def client(port, mix, start, stop_at, results):
    """Send requests from mix[start:] round robin until stop_at; append
    (expected status, status, expected text, text, seconds) to results."""
    connection, i = None, start
    while time.monotonic() < stop_at:
        body, content_type, status, text = mix[i % len(mix)]
        i += 1
        began = time.monotonic()
        try:
            connection = connection or http.client.HTTPConnection('127.0.0.1', port, timeout=60)
            connection.request('POST', '/recognize', body, {'Content-Type': content_type})
            response = connection.getresponse()
            data = response.read()  # waitress's own 413 is plain text
            got = (response.status, json.loads(data).get('text') if data[:1] == b'{' else None)
            if response.will_close:
                connection.close()
                connection = None
        except (ConnectionError, http.client.HTTPException, json.JSONDecodeError) as error:
            got = (f'{type(error).__name__}', None)
            connection = None
        results.append((status, got[0], text, got[1], time.monotonic() - began))


def run_load(port, mix, clients, seconds) -> dict:
    """Run the clients; -> figures, and the mismatches (empty when nothing went wrong)."""
    results = []
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=client, args=(port, mix, 7 * c, stop_at, results))
               for c in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    good = [r for r in results if r[0] == 200]
    latencies = np.array([r[4] for r in good]) * 1000
    return {'requests': len(results), 'well_formed': len(good), 'seconds': elapsed,
            'requests_per_second': len(results) / elapsed,
            'median_ms': float(np.median(latencies)), 'p99_ms': float(np.percentile(latencies, 99)),
            'refused': sum(r[0] != 200 for r in results),
            'mismatches': [r for r in results if r[:1] + r[2:3] != r[1:2] + r[3:4]]}


def report(figures, clients) -> str:
    return (f'{figures["requests"]} requests from {clients} clients in '
            f'{figures["seconds"]:.1f} s: {figures["requests_per_second"]:.1f} requests/s; '
            f'{figures["well_formed"]} well-formed: median {figures["median_ms"]:.1f} ms, '
            f'p99 {figures["p99_ms"]:.1f} ms; {figures["refused"]} malformed or oversized '
            f'refused with 4xx; {len(figures["mismatches"])} wrong answers')


def synthetic_lines(count, seed=0):
    from data.synthetic import SyntheticSource
    return [[[tuple(float(v) for v in p) for p in s] for s in strokes]
            for strokes, _ in SyntheticSource(count, seed=seed).get_sequences()]


def main():
    from models.model_folder import DEFAULT_MODEL
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL, help='model folder (default: %(default)s)')
    p.add_argument('--clients', type=int, default=16, help='concurrent clients (default: %(default)s)')
    p.add_argument('--seconds', type=float, default=20.0, help='how long (default: %(default)s)')
    p.add_argument('--lines', type=int, default=20, help='distinct synthetic lines (default: %(default)s)')
    args = p.parse_args()
    lines = synthetic_lines(args.lines)
    mix = request_mix(lines, *expected_texts(args.model, lines))
    process, port = start_service(args.model)
    try:
        figures = run_load(port, mix, args.clients, args.seconds)
    finally:
        process.terminate()
        process.wait()
    print(report(figures, args.clients))
    for mismatch in figures['mismatches'][:5]:
        print('  expected', mismatch[0], repr(mismatch[2]), 'got', mismatch[1], repr(mismatch[3]))


if __name__ == '__main__':
    main()
