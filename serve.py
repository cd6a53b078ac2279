"""A local recognition service: ink in over HTTP, text out, for note-taking apps to call.

    python serve.py                                   # the default model, 127.0.0.1:8765
    python serve.py --model weights/synthetic --decoder token_passing --port 9000
    curl -s http://127.0.0.1:8765/recognize -H 'Content-Type: application/json' \\
         -d '{"strokes": [[[0, 0, 0], [4, 9, 0.05], [8, 0, 0.1]]], "nbest": 2}'

POST /recognize takes one line of ink:
- JSON: {"strokes": [...], "nbest": K} or a bare list of strokes; a stroke is a list of
  [x, y, t] points (x right, y down, t in seconds) or [x, y] points (times made up, as
  recognize.py does);
- or an InkML document (a body that starts with '<'); all its traces are one line, and
  `?nbest=K` in the URL asks for alternatives.
It answers 200 with {"text", "alternatives", "decoder", "milliseconds"}: alternatives are
the K best texts with their natural-log scores when nbest is asked for (see recognize.py),
else []; milliseconds is the time from the request's body to its answer. Malformed ink is a
400, a body over --max_bytes or a line over --max_points a 413, each with {"error": why}.
GET /health answers {"status": "ok", "model", "decoder", "requests", "batches"}.

The model loads once. Requests that arrive while the network is busy wait in a queue and
are recognized together, as one batch (up to --max_batch lines), which costs less CPU per
line than one call each. The HTTP side is waitress (a pure-Python WSGI server): it parses
requests robustly, caps bodies, and serves each connection on a worker thread. The service
listens on 127.0.0.1 only: it is for apps on this machine.
"""
import argparse
import itertools
import json
import os
import queue
import sys
import threading
import time
from concurrent.futures import Future
from urllib.parse import parse_qs

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')  # TensorFlow's start-up chatter

from algorithms.decoders import DECODERS
from data.inkml import InkmlError, read_inkml
from models.model_folder import DEFAULT_MODEL
from models.recognizer import Recognizer
from recognize import InkFileError, alternatives, ink_from_json, timed_strokes

HOST = '127.0.0.1'
MAX_NBEST = 20
ANSWER_TIMEOUT = 120.0  # seconds a request waits for its batch before a 503


class RequestError(ValueError):
    """A request the service refuses: status and message go back to the client."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Batcher:
    """One thread runs the network: it takes every request queued (up to max_batch),
    recognizes them as one batch, and hands each its (text, alternatives)."""

    def __init__(self, recognizer: Recognizer, max_batch: int):
        self.recognizer, self.max_batch = recognizer, max_batch
        self.jobs = queue.Queue()
        self.batches = 0
        threading.Thread(target=self._run, name='batcher', daemon=True).start()

    def submit(self, features, nbest) -> Future:
        future = Future()
        self.jobs.put((features, nbest, future))
        return future

    def _run(self):
        while True:
            jobs = [self.jobs.get()]
            while len(jobs) < self.max_batch:
                try:
                    jobs.append(self.jobs.get_nowait())
                except queue.Empty:
                    break
            try:
                self._recognize(jobs)
            except Exception as error:  # a bug, not the client's: each request says so
                for _, _, future in jobs:
                    future.set_exception(error)

    def _recognize(self, jobs):
        probabilities = self.recognizer.probabilities([features for features, _, _ in jobs])
        texts = self.recognizer.decoder.decode_batch(probabilities)
        self.batches += 1
        for (_, nbest, future), matrix, text in zip(jobs, probabilities, texts):
            found = alternatives(self.recognizer, matrix, nbest) if nbest else []
            future.set_result((text, found))


class Service:
    """The WSGI application: routes, limits, parsing; recognition goes to the Batcher."""

    def __init__(self, recognizer, model, decoder, max_bytes, max_points, max_batch):
        self.recognizer, self.model, self.decoder = recognizer, model, decoder
        self.max_bytes, self.max_points = max_bytes, max_points
        self.batcher = Batcher(recognizer, max_batch)
        self.requests, self._answered = 0, itertools.count(1)  # next() is atomic

    def __call__(self, environ, start_response):
        try:
            status, answer = self.route(environ)
        except RequestError as error:
            status, answer = error.status, {'error': str(error)}
        except Exception as error:  # a bug: answered, logged, and the service goes on
            print(f'serve.py: internal error: {error!r}', file=sys.stderr, flush=True)
            status, answer = 500, {'error': f'internal error: {error}'}
        body = json.dumps(answer, ensure_ascii=False).encode('utf-8')
        start_response(f'{status} {STATUS_TEXT[status]}',
                       [('Content-Type', 'application/json; charset=utf-8'),
                        ('Content-Length', str(len(body)))])
        return [body]

    def route(self, environ) -> tuple:
        path, method = environ.get('PATH_INFO', ''), environ['REQUEST_METHOD']
        if path == '/health':
            if method not in ('GET', 'HEAD'):
                raise RequestError(405, f'{path} answers GET, not {method}')
            return 200, {'status': 'ok', 'model': self.model, 'decoder': self.decoder,
                         'requests': self.requests, 'batches': self.batcher.batches}
        if path == '/recognize':
            if method != 'POST':
                raise RequestError(405, f'{path} answers POST, not {method}')
            return 200, self.recognize(environ)
        raise RequestError(404, f'no such endpoint {path!r}: POST /recognize or GET /health')

    def recognize(self, environ) -> dict:
        body = environ['wsgi.input'].read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise RequestError(413, f'body over {self.max_bytes} bytes')
        start = time.perf_counter()
        line, nbest = self.parse(body, parse_qs(environ.get('QUERY_STRING', '')))
        points = sum(len(stroke) for stroke in line.strokes)
        if points > self.max_points:
            raise RequestError(413, f'{points} points; at most {self.max_points} per request')
        try:
            features = self.recognizer.features(timed_strokes(self.recognizer, line), 'ink')
        except ValueError as error:
            raise RequestError(400, str(error)) from None
        try:
            text, found = self.batcher.submit(features, nbest).result(ANSWER_TIMEOUT)
        except TimeoutError:
            raise RequestError(503, f'no answer within {ANSWER_TIMEOUT:.0f} s') from None
        self.requests = next(self._answered)
        return {'text': text, 'alternatives': found, 'decoder': self.decoder,
                'milliseconds': round(1000 * (time.perf_counter() - start), 2)}

    def parse(self, body: bytes, query: dict) -> tuple:
        """(InkLine, nbest or None) of a request body, or RequestError(400)."""
        nbest = query.get('nbest', [None])[0]
        if body.lstrip()[:1] == b'<':
            try:
                lines = read_inkml(body)
            except InkmlError as error:
                raise RequestError(400, f'InkML: {error}') from None
            line = lines[0]
            line.strokes = [s for one in lines for s in one.strokes]
            line.timed = all(one.timed for one in lines)
        else:
            try:
                data = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise RequestError(400, f'body is neither JSON nor InkML: {error}') from None
            if isinstance(data, dict):
                nbest = data.get('nbest', nbest)
            try:
                line = ink_from_json(data)
            except InkFileError as error:
                raise RequestError(400, str(error)) from None
        return line, check_nbest(nbest)


def check_nbest(nbest):
    if nbest is None:
        return None
    try:
        nbest = int(nbest)
    except (TypeError, ValueError):
        raise RequestError(400, f'nbest must be a whole number, got {nbest!r}') from None
    if not 1 <= nbest <= MAX_NBEST:
        raise RequestError(400, f'nbest must be 1 to {MAX_NBEST}, got {nbest}')
    return nbest


STATUS_TEXT = {200: 'OK', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed',
               413: 'Content Too Large', 500: 'Internal Server Error',
               503: 'Service Unavailable'}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder written by train.py (default: %(default)s)')
    p.add_argument('--decoder', default='best_path', choices=DECODERS,
                   help='best_path: no dictionary; token_passing: only words of the model '
                   "folder's lm.arpa (default: %(default)s)")
    p.add_argument('--port', type=int, default=8765,
                   help='port on 127.0.0.1; 0 picks a free one (default: %(default)s)')
    p.add_argument('--max_bytes', type=int, default=1_000_000,
                   help='largest request body accepted, in bytes (default: %(default)s)')
    p.add_argument('--max_points', type=int, default=20_000,
                   help='most points in one request\'s ink (default: %(default)s; an '
                   'IAM-OnDB line has about 700)')
    p.add_argument('--max_batch', type=int, default=32,
                   help='most lines recognized in one network call (default: %(default)s)')
    p.add_argument('--threads', type=int, default=8,
                   help='HTTP worker threads, i.e. requests handled at once (default: %(default)s)')
    args = p.parse_args(argv)
    for name in ('max_bytes', 'max_points', 'max_batch', 'threads'):
        if getattr(args, name) < 1:
            p.error(f'--{name} must be at least 1, got {getattr(args, name)}')
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        recognizer = Recognizer.load(args.model, decoder=args.decoder)
    except ValueError as error:
        sys.exit(f'serve.py: error: {error}')
    recognizer.recognize([[(0, 0, 0.0), (1, 1, 0.1)]])  # traces the network before serving
    service = Service(recognizer, args.model, args.decoder, args.max_bytes, args.max_points,
                      args.max_batch)
    from waitress import create_server
    try:
        server = create_server(service, host=HOST, port=args.port, threads=args.threads,
                               max_request_body_size=args.max_bytes, ident='keras-auto-hwr')
    except OSError as error:
        sys.exit(f'serve.py: error: cannot listen on {HOST}:{args.port}: {error}')
    print(f'serve.py: serving http://{HOST}:{server.effective_port}/ (model {args.model}, '
          f'{args.decoder}); Ctrl-C stops', flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


if __name__ == '__main__':
    main()
