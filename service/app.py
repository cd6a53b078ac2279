"""The WSGI application of the recognition service: routes, limits, request parsing.

POST /recognize takes ink (JSON strokes or an InkML document), finds its lines, and
answers their text, each line with its words linked to their strokes; GET /health says the
service is up; POST /adapt adapts the model to one writer (service.adapting), when serve.py
was given a directory for adapted models. serve.py's docstring is the protocol's user
guide; serve.py runs this application under waitress (`listen`).

Every input gets an answer of its own: 400 for a body that is not usable ink (with what
is wrong), 413 for one over the byte or points limit, 404/405 for a wrong route; a 500
only for a bug. The server side (DeadlineServer) keeps the service open to everyone:
a request must arrive whole within a deadline of its first byte, a connection that says
nothing is closed after the same time, and the connection limit is far above what a
machine's apps use, so that a hundred slow clients hold only a part of it.
"""
import itertools
import json
import sys
import time
from urllib.parse import parse_qs

from data.ink_files import MAX_POINTS, InkFileError, TooMuchInk, ink_from_json, \
    load_json
from data.inkml import InkmlError, read_inkml
from models.page_reader import LAYOUTS, prepare_page
from models.recognizer import check_nbest, timed_strokes
from service.adapting import Adapting
from service.batcher import Lanes

HOST = '127.0.0.1'
ANSWER_TIMEOUT = 120.0  # seconds a request waits for its batch before a 503
REQUEST_DEADLINE = 10  # seconds for a request to arrive whole, or for a new one to start
MAX_CONNECTIONS = 1000  # open connections at once (waitress's default is 100)


class RequestError(ValueError):
    """A request the service refuses: status and message go back to the client."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Service:
    """The WSGI application: routes, limits, parsing; recognition goes to the Batcher."""

    def __init__(self, recognizer, model, decoder, max_bytes, max_points=MAX_POINTS,
                 max_batch=32, adapted_dir=None):
        """adapted_dir: where POST /adapt writes adapted models (None: it is off)."""
        self.recognizer, self.model, self.decoder = recognizer, model, decoder
        self.max_bytes, self.max_points = max_bytes, max_points
        self.batcher = Lanes(recognizer, max_batch)
        self.adapting = adapted_dir and Adapting(adapted_dir, recognizer, model, decoder,
                                                 max_points, max_batch, RequestError)
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
        if path == '/adapt':
            if method != 'POST':
                raise RequestError(405, f'{path} answers POST, not {method}')
            if not self.adapting:
                raise RequestError(404, 'adapting is off: serve.py was started without '
                                   '--adapted_dir')
            return 200, self.adapting.adapt(self.json_body(environ))
        raise RequestError(404, f'no such endpoint {path!r}: POST /recognize, POST /adapt or '
                           f'GET /health')

    def read_body(self, environ) -> bytes:
        body = environ['wsgi.input'].read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise RequestError(413, f'body over {self.max_bytes} bytes')
        return body

    def json_body(self, environ) -> dict:
        try:
            data = load_json(self.read_body(environ))
        except InkFileError as error:
            raise RequestError(400, f'body: {error}') from None
        if not isinstance(data, dict):
            raise RequestError(400, 'body must be a JSON object')
        return data

    def recognize(self, environ) -> dict:
        body = self.read_body(environ)
        start = time.perf_counter()
        query = parse_qs(environ.get('QUERY_STRING', ''), keep_blank_values=True)
        recognizer, batcher = self.recognizer, self.batcher
        if 'model' in query:  # an adapted model, by its name
            if not self.adapting:
                raise RequestError(404, 'no adapted models: serve.py was started without '
                                   '--adapted_dir')
            recognizer, batcher = self.adapting.recognizer(query['model'][0])
        line, nbest, layout = self.parse(body, query)
        try:  # the limit is of each line read, as recognize.py's (a page: each line found)
            page = prepare_page(recognizer, timed_strokes(recognizer, line), layout, 'ink',
                                self.max_points)
        except TooMuchInk as error:
            raise RequestError(413, str(error).replace('(--max_points raises it)',
                                                       '(serve.py --max_points)')) from None
        except ValueError as error:
            raise RequestError(400, str(error)) from None
        futures = [batcher.submit(features, nbest) for features in page.features]
        try:
            answers = [future.result(ANSWER_TIMEOUT) for future in futures]
        except TimeoutError:
            raise RequestError(503, f'no answer within {ANSWER_TIMEOUT:.0f} s') from None
        read = page.link(recognizer, [text for text, _, _ in answers],
                         [matrix for _, _, matrix in answers])
        found = [alternatives for _, alternatives, _ in answers]
        self.requests = next(self._answered)
        return {'text': read.text, 'lines': read.to_json()['lines'],
                'alternatives': found[0] if len(found) == 1 else found,
                'decoder': self.decoder,
                'milliseconds': round(1000 * (time.perf_counter() - start), 2)}

    def parse(self, body: bytes, query: dict) -> tuple:
        """(InkLine, nbest or None, layout) of a request body, or RequestError(400)."""
        nbest = query.get('nbest', [None])[0]
        layout = query.get('layout', ['auto'])[0]
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
                data = load_json(body)
            except InkFileError as error:
                raise RequestError(400, f'body is neither JSON nor InkML: {error}') from None
            if isinstance(data, dict):
                nbest = data.get('nbest', nbest)
                layout = data.get('layout', layout)
            try:
                line = ink_from_json(data)
            except InkFileError as error:
                raise RequestError(400, str(error)) from None
        if layout not in LAYOUTS:
            raise RequestError(400, f'layout must be one of {", ".join(LAYOUTS)}, '
                               f'got {layout!r:.60}')
        return line, requested_nbest(nbest), layout


def requested_nbest(nbest):
    """None (no alternatives asked for), or the count of a JSON body's "nbest" (an int) or
    of the URL's ?nbest= (digits): 1 to models.recognizer.MAX_NBEST, else RequestError(400)."""
    if nbest is None:
        return None
    if isinstance(nbest, str):  # from the URL
        text = nbest.strip()
        nbest = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else nbest
    try:
        return check_nbest(nbest)
    except ValueError as error:
        raise RequestError(400, str(error)) from None


STATUS_TEXT = {200: 'OK', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed',
               413: 'Content Too Large', 500: 'Internal Server Error',
               503: 'Service Unavailable'}


def listen(service: Service, port: int, threads: int, max_bytes: int,
           deadline=REQUEST_DEADLINE, max_connections=MAX_CONNECTIONS):
    """A waitress server of `service` on HOST:port (0 = a free port), not yet running;
    OSError when it cannot listen there. See DeadlineServer for `deadline`."""
    from service.deadline_server import DeadlineServer
    return DeadlineServer(service, host=HOST, port=port, threads=threads,
                          max_request_body_size=max_bytes, ident='keras-auto-hwr',
                          connection_limit=max_connections, channel_timeout=deadline,
                          cleanup_interval=1, request_deadline=deadline)
