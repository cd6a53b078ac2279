"""The web page's speed in headless Chromium (no GPU), per TensorFlow.js backend and engine.

    python benchmarks/bench_web.py                                   # shipped model, synthetic lines
    python benchmarks/bench_web.py --model weights/iam-3x128 --source iam --lines 12
    python benchmarks/bench_web.py --deployed /tmp/web --config "" --config "engine=layers"

Deploys the model folder (or takes --deployed), serves the page with demo/web/serve.py on
127.0.0.1, and for each --config (the page's URL parameters: backend, engine, worker,
warmup; see demo/web/app.js) loads the page in a fresh browser context and prints: load time
(navigation until the page says ready, with the page's own split into model load and
warm-up), the first call after ready, median and p90 per line over the lines (each
recognized --runs times), the renderer's CPU time per line (what an idle machine would
take: the wall time counts whatever else the machine runs), whether the page's text equals
the Python Recognizer's on every line, and the model's download size. Lines are synthetic
(data.synthetic) or, with --source iam, real IAM-OnDB lines (datasets/iam_online_db; they
are read, never written anywhere but a temporary folder). Needs `npm ci` in demo/web and
Debian's chromium, as the browser test.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import numpy as np  # noqa: E402

from models.model_folder import DEFAULT_MODEL  # noqa: E402

DEFAULT_CONFIGS = ['', 'backend=wasm&engine=layers', 'backend=webgl&engine=layers',
                   'backend=cpu&engine=layers', 'backend=webgl', 'backend=cpu']
TARGET_MS = 100.0


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder: deployed for the page (unless --deployed) and run by '
                   'the Python Recognizer for the text comparison (default: %(default)s)')
    p.add_argument('--deployed', help='an already deployed folder of that model (deploy.py '
                   '--output), e.g. a quantized one; default: deploy --model to a temporary folder')
    p.add_argument('--source', choices=['synthetic', 'iam'], default='synthetic',
                   help='where the lines come from (default: %(default)s)')
    p.add_argument('--lines', type=int, default=10,
                   help='lines, of 20 to 60 characters spread evenly (default: %(default)s)')
    p.add_argument('--runs', type=int, default=3,
                   help='timed calls per line after the first (default: %(default)s)')
    p.add_argument('--config', action='append',
                   help='URL parameters of one configuration, repeatable; "" is the page\'s '
                   f'defaults (default: {" ; ".join(repr(c) for c in DEFAULT_CONFIGS)})')
    return p.parse_args(argv)


def spread(candidates, count):
    """`count` (strokes, text) of 20 to 60 characters, lengths spread evenly."""
    fitting = sorted((c for c in candidates if 20 <= len(c[1]) <= 60), key=lambda c: len(c[1]))
    if len(fitting) < count:
        raise SystemExit(f'bench_web.py: error: only {len(fitting)} lines of 20 to 60 characters')
    return [fitting[round(i * (len(fitting) - 1) / max(count - 1, 1))] for i in range(count)]


def make_lines(source, count):
    if source == 'iam':
        from data.iam import IamSource
        examples = IamSource(num_examples=40 * count).get_examples()
        return spread([(e.strokes, e.text) for e in examples], count)
    from data.synthetic import SyntheticSource
    return spread(list(SyntheticSource(40 * count, seed=5, min_words=3, max_words=10)
                       .get_sequences()), count)


def folder_bytes(folder):
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))


def serve(deployed):
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, 'demo', 'web', 'serve.py'),
                                '--model', deployed, '--port', '0'], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    if not line.startswith('serving'):
        process.terminate()
        raise SystemExit(f'bench_web.py: error: serve.py said {line!r}')
    return process, line.split(' at ')[1].split()[0]


def report(results, python_texts, lines, download):
    chars = np.mean([len(text) for _, text in lines])
    print(f'{len(lines)} lines, {chars:.0f} characters on average; model download '
          f'{download / 1e6:.2f} MB')
    print('| configuration | backend | engine | load ms (model + warm-up) | first call ms | '
          'median ms | p90 ms | median CPU ms | text = Python |')
    print('|---|---|---|---|---|---|---|---|---|')
    for r in results:
        name = r['query'] or '(page defaults)'
        if 'error' in r:
            print(f'| {name} | failed: {r["error"]} |')
            continue
        ms = [c['ms'] for c in r['calls']]
        cpu = [c['cpuMs'] for c in r['calls']]
        same = sum(c['text'] == python_texts[c['line']] for c in r['calls'])
        t = r['timings']
        print(f'| {name} | {r["backend"]} | {r["engine"]} | {r["loadMs"]:.0f} '
              f'({t["loadMs"]:.0f} + {t["warmUpMs"]:.0f}) | {r["firstMs"]:.0f} | '
              f'{np.median(ms):.0f} | {np.percentile(ms, 90):.0f} | {np.median(cpu):.0f} | '
              f'{same}/{len(ms)} |')
        if r['errors']:
            print(f'  page errors: {r["errors"]}')


def main(argv=None):
    args = parse_args(argv)
    from models.recognizer import Recognizer
    from models.tfjs_export import deploy
    lines = make_lines(args.source, args.lines)
    recognizer = Recognizer.load(args.model, 'best_path')
    python_texts = [recognizer.recognize(strokes) for strokes, _ in lines]
    with tempfile.TemporaryDirectory() as tmp:
        deployed = args.deployed or os.path.join(tmp, 'deployed')
        if not args.deployed:
            deploy(args.model, deployed)
        with open(os.path.join(tmp, 'lines.json'), 'w', encoding='utf-8') as f:
            json.dump([[np.asarray(s).tolist() for s in strokes] for strokes, _ in lines], f)
        server, url = serve(deployed)
        try:
            done = subprocess.run(['node', os.path.join(ROOT, 'benchmarks', 'bench_web.js'), url,
                                   os.path.join(tmp, 'lines.json'), os.path.join(tmp, 'out.json'),
                                   *(DEFAULT_CONFIGS if args.config is None else args.config)],
                                  env=dict(os.environ, BENCH_WEB_RUNS=str(args.runs)))
        finally:
            server.terminate()
            server.wait(timeout=10)
        if done.returncode:
            raise SystemExit(f'bench_web.py: error: bench_web.js exited {done.returncode}')
        with open(os.path.join(tmp, 'out.json'), encoding='utf-8') as f:
            results = json.load(f)
        print(f'model {args.model}, {args.source} lines; load average '
              f'{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores')
        report(results, python_texts, lines, folder_bytes(deployed))
        print(f'target: median <= {TARGET_MS:.0f} ms per line, first call <= 1000 ms')


if __name__ == '__main__':
    main()
