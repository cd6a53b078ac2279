"""The recognition service under slow and heavy clients: do good requests still get answers?

    python benchmarks/bench_slow_clients.py                 # both scenarios, default model
    python benchmarks/bench_slow_clients.py --slow 120 --seconds 30 --scenario slow
    python benchmarks/bench_slow_clients.py --root /path/to/another/checkout   # its serve.py

Starts serve.py (of --root, default this checkout) on a free port of 127.0.0.1, then:
- slow: --slow clients each send a request's headers with `Content-Length: 900000` and
  then a byte a second (reconnecting when the service closes them), while one good client
  sends a 700-point line every 0.25 s;
- heavy: one client sends 20,000-point lines back to back while 4 good clients send
  700-point lines.
Prints, per scenario, the good requests' count, failures, median and largest latency, and
(slow) how many times the service closed a slow client. A good request that gets no
answer within 10 s counts as failed.
"""
import argparse
import http.client
import json
import os
import socket
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import numpy as np  # noqa: E402

from service.launch import start_serve_py  # noqa: E402
GOOD_TIMEOUT = 10.0


def walk_line(rng, points) -> bytes:
    """A JSON body of one line: a pen walk of `points` points in strokes of 50, 100 Hz."""
    xy = np.cumsum(rng.normal(size=(points, 2)) * 3, axis=0)
    t = 0.01 * np.arange(points)
    strokes = [np.column_stack([xy, t])[i:i + 50].round(3).tolist()
               for i in range(0, points, 50)]
    return json.dumps({'strokes': strokes}).encode()


def good_client(port, body, stop, interval, latencies, failures):
    """Requests one after another (interval seconds apart) until stop is set."""
    while not stop.is_set():
        began = time.monotonic()
        try:
            connection = http.client.HTTPConnection('127.0.0.1', port, timeout=GOOD_TIMEOUT)
            connection.request('POST', '/recognize', body, {'Content-Type': 'application/json'})
            response = connection.getresponse()
            response.read()
            connection.close()
            (latencies if response.status == 200 else failures).append(time.monotonic() - began)
        except (OSError, http.client.HTTPException):
            failures.append(time.monotonic() - began)
        stop.wait(max(0.0, interval - (time.monotonic() - began)))


def slow_clients(port, count, stop, closed):
    """count connections that announce 900,000 bytes and send one a second each."""
    def connect():
        sock = socket.create_connection(('127.0.0.1', port), timeout=5)
        sock.sendall(b'POST /recognize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: '
                     b'application/json\r\nContent-Length: 900000\r\n\r\n[')
        return sock
    sockets = []
    for _ in range(count):
        try:
            sockets.append(connect())
        except OSError:
            sockets.append(None)
    while not stop.wait(1.0):
        for i, sock in enumerate(sockets):
            try:
                if sock is None:
                    sockets[i] = connect()
                else:
                    sock.sendall(b'[')
            except OSError:
                closed.append(1)
                sockets[i] = None
                if sock is not None:
                    sock.close()
    for sock in sockets:
        if sock is not None:
            sock.close()


def summary(name, latencies, failures, extra='') -> str:
    ms = np.array(latencies) * 1000
    figures = (f'median {np.median(ms):.0f} ms, largest {ms.max():.0f} ms' if len(ms)
               else 'no answers')
    return (f'{name}: {len(latencies)} good requests answered, {len(failures)} failed or '
            f'timed out; {figures}{extra}')


def run_slow(port, slow, seconds, rng):
    stop, closed, latencies, failures = threading.Event(), [], [], []
    attackers = threading.Thread(target=slow_clients, args=(port, slow, stop, closed))
    attackers.start()
    time.sleep(3.0)  # all connected and trickling
    good_client(port, walk_line(rng, 700), _after(stop, seconds), 0.25, latencies, failures)
    stop.set()
    attackers.join()
    return summary(f'slow: {slow} slow clients, 1 good client for {seconds:.0f} s',
                   latencies, failures, f'; slow clients closed by the service {len(closed)} '
                   f'times')


def run_heavy(port, seconds, rng):
    stop, heavy_done, heavy_failed = threading.Event(), [], []
    heavy = threading.Thread(target=good_client, args=(port, walk_line(rng, 20_000), stop, 0.0,
                                                       heavy_done, heavy_failed))
    alone = _good_clients(port, rng, 4, 0.25, seconds / 2)
    heavy.start()
    beside = _good_clients(port, rng, 4, 0.25, seconds / 2)
    stop.set()
    heavy.join()
    return '\n'.join([summary('heavy: 4 good clients alone', *alone),
                      summary('heavy: the same beside one client of 20,000-point lines',
                              *beside, f'; its {len(heavy_done)} long lines answered')])


def _good_clients(port, rng, count, interval, seconds):
    stop, latencies, failures = threading.Event(), [], []
    threads = [threading.Thread(target=good_client, args=(port, walk_line(rng, 700), stop,
                                                          interval, latencies, failures))
               for _ in range(count)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return latencies, failures


def _after(stop, seconds):
    """An Event set after `seconds` (or when stop is set)."""
    done = threading.Event()
    threading.Timer(seconds, done.set).start()
    return done


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--root', default=ROOT, help='the checkout whose serve.py runs (default: '
                   'this one)')
    p.add_argument('--model', default=os.path.join(ROOT, 'weights', 'iam'),
                   help='model folder (default: %(default)s)')
    p.add_argument('--scenario', choices=('slow', 'heavy', 'both'), default='both')
    p.add_argument('--slow', type=int, default=120, help='slow clients (default: %(default)s)')
    p.add_argument('--seconds', type=float, default=30.0,
                   help='seconds of good requests a scenario (default: %(default)s)')
    args = p.parse_args()
    rng = np.random.default_rng(0)
    process, port = start_serve_py(args.root, ['--model', args.model])
    try:
        if args.scenario in ('slow', 'both'):
            print(run_slow(port, args.slow, args.seconds, rng), flush=True)
        if args.scenario in ('heavy', 'both'):
            print(run_heavy(port, args.seconds, rng), flush=True)
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == '__main__':
    main()
