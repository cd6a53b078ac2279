"""A local recognition service: ink in over HTTP, text out, for note-taking apps to call.

    python serve.py                                   # the default model, 127.0.0.1:8765
    python serve.py --model weights/synthetic --decoder best_path --port 9000
    curl -s http://127.0.0.1:8765/recognize -H 'Content-Type: application/json' \\
         -d '{"strokes": [[[0, 0, 0], [4, 9, 0.05], [8, 0, 0.1]]], "nbest": 2}'

POST /recognize takes ink, a line or a page:
- JSON: {"strokes": [...], "nbest": K, "layout": L} or a bare list of strokes; a stroke is
  a list of [x, y, t] points (x right, y down, t in seconds) or [x, y] points (times made
  up, as recognize.py does);
- or an InkML document (a body that starts with '<'), all its traces one ink; `?nbest=K`
  and `?layout=L` in the URL say the same for any body.
Layout (as recognize.py's --layout): auto (the default) finds the lines of a page and
reads one line of ink as one line; page always finds lines; line reads all as one line.
It answers 200 with {"text", "lines", "alternatives", "decoder", "milliseconds"}: text is
the lines joined by newlines; lines is [{"text", "strokes", "box", "words": [{"text",
"strokes", "box"}]}], top to bottom, strokes as indices into the ink's strokes, boxes as
[x_min, y_min, x_max, y_max] (see models/page_reader.py); alternatives are the K best
texts (K from 1 to 20, a whole number) with their natural-log scores when nbest is asked
for (see recognize.py), else [], one such list per line when there are several;
milliseconds is the time from the request's body to its answer. Malformed ink (or nbest,
or layout) is a 400, a body over --max_bytes or a line over --max_points (on a page, a
line found in it) a 413, each with {"error": why}; never a 500 for what a client sends.
GET /health answers {"status": "ok", "model", "decoder", "requests", "batches"}.

With --adapted_dir DIR, POST /adapt adapts the model to one writer (service/adapting.py):
{"name": "alice", "lines": [{"strokes": [...], "text": "..."}, ...]} writes DIR/alice (a
name of letters, digits, '-' and '_' only; the same name again replaces it) and answers
{"name", "lines", "steps", "held_out", "seconds", "message"}; then
POST /recognize?model=alice recognizes with it. Adapting takes tens of seconds, one at a time.

The model loads once, with the model folder's best decoder: token passing where it has a
language model (lm.arpa, with its decoder.json settings), else best path; the decoder
flags are models.decoder_options'.
Requests that arrive while the network is busy wait in a queue and
are recognized together, as one batch (up to --max_batch lines), which costs less CPU per
line than one call each. The HTTP side is waitress (a pure-Python WSGI server): it parses
requests robustly, caps bodies, and serves each connection on a worker thread. The service
listens on 127.0.0.1 only: it is for apps on this machine. Slow or heavy clients do not
shut others out: a request must arrive whole within --request_deadline seconds, up to
--max_connections connections are served at once, and lines much longer than usual are
recognized in a lane of their own (service/app.py, service/batcher.py).
"""
import argparse
import sys

from data.ink_files import MAX_POINTS
from models.decoder_options import (add_decoder_arguments, check_decoder_arguments,
                                    load_recognizer)
from models.model_folder import DEFAULT_MODEL
from service.app import HOST, MAX_CONNECTIONS, REQUEST_DEADLINE, Service, listen


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder written by train.py (default: %(default)s)')
    add_decoder_arguments(p)
    p.add_argument('--port', type=int, default=8765,
                   help='port on 127.0.0.1, 1 to 65535; 0 picks a free one '
                   '(default: %(default)s)')
    p.add_argument('--max_bytes', type=int, default=1_000_000,
                   help='largest request body accepted, in bytes (default: %(default)s)')
    p.add_argument('--max_points', type=int, default=MAX_POINTS,
                   help='most points in one line read (on a page, each line found; '
                   'default: %(default)s, as recognize.py; an IAM-OnDB line has about 700)')
    p.add_argument('--max_batch', type=int, default=32,
                   help='most lines recognized in one network call (default: %(default)s)')
    p.add_argument('--threads', type=int, default=8,
                   help='HTTP worker threads, i.e. requests handled at once (default: %(default)s)')
    p.add_argument('--adapted_dir', metavar='DIR',
                   help='folder for the models POST /adapt makes, one sub-folder per name '
                   '(default: none, and POST /adapt is off)')
    p.add_argument('--request_deadline', type=int, default=REQUEST_DEADLINE, metavar='SECONDS',
                   help='close a connection whose request has not arrived whole this long '
                   'after it started, or that sends nothing for this long '
                   '(default: %(default)s)')
    p.add_argument('--max_connections', type=int, default=MAX_CONNECTIONS,
                   help='connections served at once; more wait to be accepted '
                   '(default: %(default)s)')
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error(f'--port must be 1 to 65535 (or 0 for a free one), got {args.port}')
    for name in ('max_bytes', 'max_points', 'max_batch', 'threads', 'request_deadline',
                 'max_connections'):
        if getattr(args, name) < 1:
            p.error(f'--{name} must be at least 1, got {getattr(args, name)}')
    check_decoder_arguments(p, args)
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        recognizer = load_recognizer(args, 'serve.py')
    except ValueError as error:
        sys.exit(f'serve.py: error: {error}')
    line = [[(0, 0, 0.0), (1, 1, 0.1)]]
    recognizer.recognize_batch([line, line])  # traces the network's batch path and its
    recognizer.recognize(line)  # single-line one before serving, not on the first requests
    service = Service(recognizer, args.model, recognizer.decoder_name, args.max_bytes,
                      args.max_points, args.max_batch, args.adapted_dir)
    try:
        server = listen(service, args.port, args.threads, args.max_bytes,
                        args.request_deadline, args.max_connections)
    except OSError as error:
        sys.exit(f'serve.py: error: cannot listen on {HOST}:{args.port}: {error}')
    print(f'serve.py: serving http://{HOST}:{server.effective_port}/ (model {args.model}, '
          f'{recognizer.decoder_name}); Ctrl-C stops', flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


if __name__ == '__main__':
    main()
