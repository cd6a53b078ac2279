"""Serve the web demo with a deployed model, then open the address it prints.

    python deploy.py                                    # once: weights/deployed/<model name>
    python demo/web/serve.py                            # http://127.0.0.1:8000/
    python demo/web/serve.py --model weights/deployed/mine --port 8080

The page (this folder, with TensorFlow.js and its wasm backend from its node_modules: run
`npm ci` here once) is served at /, and the deployed model folder at /model/, where the
page looks for it. Nothing is fetched from the internet. The page is served cross-origin
isolated (COOP/COEP headers), which lets the wasm backend run threads. Stop with Ctrl+C.
"""
import argparse
import functools
import os
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

WEB_ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(WEB_ROOT)))  # the repository root

from models.model_folder import DEFAULT_MODEL  # noqa: E402  (imports no TensorFlow)
from models.tfjs_export import DEPLOYED_DIR  # noqa: E402

# where deploy.py puts the shipped model by default
DEFAULT_DEPLOYED = os.path.join(DEPLOYED_DIR, os.path.basename(DEFAULT_MODEL))
TFJS = os.path.join('node_modules', '@tensorflow', 'tfjs', 'dist', 'tf.min.js')
TFJS_WASM = os.path.join('node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist',
                         'tfjs-backend-wasm-simd.wasm')
MODEL_PREFIX = '/model/'
MODEL_FILES = ('model.json', 'metadata.json')


class DemoHandler(SimpleHTTPRequestHandler):
    """Files of the page from WEB_ROOT; /model/... from the deployed model folder."""

    def __init__(self, *args, model_dir, **kwargs):
        self.model_dir = model_dir
        super().__init__(*args, directory=WEB_ROOT, **kwargs)

    def translate_path(self, path):
        # the base class maps the URL path onto self.directory, refusing '..' parts
        if path.startswith(MODEL_PREFIX):
            self.directory, path = self.model_dir, path[len(MODEL_PREFIX) - 1:]
        else:
            self.directory = WEB_ROOT
        return super().translate_path(path)

    def end_headers(self):
        # kept, but checked with the server on every use (If-Modified-Since, 304): a
        # re-deployed model shows at once, and the page's two workers, which both load
        # wasm/hwr.wasm, download it once
        self.send_header('Cache-Control', 'no-cache')
        # cross-origin isolation: lets TensorFlow.js's wasm backend use threads
        # (SharedArrayBuffer); everything the page loads comes from here anyway
        self.send_header('Cross-Origin-Opener-Policy', 'same-origin')
        self.send_header('Cross-Origin-Embedder-Policy', 'require-corp')
        super().end_headers()

    def log_message(self, format, *args):
        sys.stderr.write(f'serve.py: {self.address_string()} {format % args}\n')


def check(model_dir):
    """One clear line for what is missing before anything is served."""
    if not all(os.path.isfile(os.path.join(WEB_ROOT, f)) for f in (TFJS, TFJS_WASM)):
        sys.exit(f'serve.py: error: TensorFlow.js is not installed: run `npm ci` in {WEB_ROOT}')
    if not os.path.isdir(model_dir):
        sys.exit(f'serve.py: error: deployed model not found: {model_dir} '
                 f'(make it with `python deploy.py`)')
    missing = [f for f in MODEL_FILES if not os.path.isfile(os.path.join(model_dir, f))]
    if missing:
        sys.exit(f'serve.py: error: {model_dir} is not a deployed model ({", ".join(missing)} '
                 f'missing; make it with `python deploy.py`)')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_DEPLOYED,
                   help='deployed model folder, as deploy.py writes it (default: %(default)s)')
    p.add_argument('--host', default='127.0.0.1',
                   help='address to listen on; 0.0.0.0 lets other machines in '
                   '(default: %(default)s)')
    p.add_argument('--port', type=int, default=8000,
                   help='port to listen on; 0 picks a free one (default: %(default)s)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model_dir = os.path.abspath(args.model)
    check(model_dir)
    handler = functools.partial(DemoHandler, model_dir=model_dir)
    try:
        server = ThreadingHTTPServer((args.host, args.port), handler)
    except OSError as e:
        sys.exit(f'serve.py: error: cannot listen on {args.host}:{args.port}: {e.strerror}')
    host, port = server.server_address[:2]
    print(f'serving the web demo with {args.model} at http://{host}:{port}/ '
          f'(Ctrl+C to stop)', flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == '__main__':
    main()
