"""The web page's speed, text and download in headless Chromium (no GPU), per configuration.

    python benchmarks/bench_web.py                                   # shipped model, synthetic lines
    python benchmarks/bench_web.py --source iam --lines 300 --split_lists ../shared/data/iam-ondb/t1
    python benchmarks/bench_web.py --deployed /tmp/web --config "" --config "engine=layers"
    python benchmarks/bench_web.py --web /tmp/old/demo/web      # another version of the page
    python benchmarks/bench_web.py --config "" --pages 10       # pages: as pages, line by line

Deploys the model folder with its language model (or takes --deployed), serves the page
with demo/web/serve.py on 127.0.0.1, and for each --config (the page's URL parameters:
decoder, backend, engine, worker, warmup; see demo/web/app.js) loads the page in a fresh
browser context (--loads times) and prints: the decoder in use, page ready (navigation until
the page says ready, median of the loads, with the last load's own split into starting the
backend, loading and warm-up, and the time building the decoder took meanwhile), the
renderer's CPU time until ready (page and worker threads together), the first call after
ready (median of the loads),
median and p90 per line over the lines (network and decoding together, each line
recognized --runs times), the renderer's CPU time per line (what an idle machine would
take: the wall time counts whatever else the machine runs), how many of the page's texts
equal the Python Recognizer's with the same decoder (token passing with the model folder's
decoder.json, or best path), the page's character error rate against the lines' own text,
and everything the page downloaded until ready, raw and gzipped. Lines are synthetic (data.synthetic, 20 to 60 characters) or, with --source iam,
real IAM-OnDB validation lines (testset_v + testset_t of the t1 lists, spread evenly over
them; read from datasets/iam_online_db, never written anywhere but a temporary folder).
With --pages N, each configuration also reads N pages as the page reads what is written on
it (lines found, then read one after another) and the same pages' true lines one by one,
and prints the medians and the median ratio, and on how many pages the lines found are the
true ones: synthetic pages (data/synthetic_pages.py), or with --source iam validation forms
of at least 3 lines (data/pages.py), the first N.
Needs `npm ci` in demo/web and Debian's chromium, as the browser test.
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

DEFAULT_CONFIGS = ['', 'decoder=best_path']
TARGETS = {'median_ms': 50.0, 'first_ms': 300.0, 'ready_ms': 1500.0, 'download_mb': 4.0}


def parse_args(argv=None):
    from data.iam import DEFAULT_ROOT, DEFAULT_SPLIT_LISTS
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder: deployed for the page (unless --deployed) and run by '
                   'the Python Recognizer for the text comparison (default: %(default)s)')
    p.add_argument('--deployed', help='an already deployed folder of that model (deploy.py '
                   '--output), e.g. a quantized one; default: deploy --model to a temporary folder')
    p.add_argument('--source', choices=['synthetic', 'iam'], default='synthetic',
                   help='where the lines come from (default: %(default)s)')
    p.add_argument('--root', default=DEFAULT_ROOT,
                   help='IAM-OnDB folder, with --source iam (default: %(default)s)')
    p.add_argument('--split_lists', default=DEFAULT_SPLIT_LISTS,
                   help='folder of the t1 lists, with --source iam (default: %(default)s)')
    p.add_argument('--lines', type=int, default=10,
                   help='lines to recognize (default: %(default)s)')
    p.add_argument('--runs', type=int, default=3,
                   help='timed calls per line after the first (default: %(default)s)')
    p.add_argument('--loads', type=int, default=3,
                   help='page loads per configuration, each timed to ready and a first '
                   'call (medians reported); the lines run on the last (default: %(default)s)')
    p.add_argument('--config', action='append',
                   help='URL parameters of one configuration, repeatable; "" is the page\'s '
                   f'defaults (default: {" ; ".join(repr(c) for c in DEFAULT_CONFIGS)})')
    p.add_argument('--web', default=os.path.join(ROOT, 'demo', 'web'),
                   help='the page to serve: its folder, with serve.py and node_modules; '
                   'another checkout\'s for before/after comparisons (default: %(default)s)')
    p.add_argument('--pages', type=int, default=0,
                   help='pages to read as pages and line by line (default: %(default)s)')
    p.add_argument('--show', type=int, default=5,
                   help='print up to this many lines where the page and Python differ '
                   '(default: %(default)s)')
    return p.parse_args(argv)


def spread(candidates, count):
    """`count` (strokes, text) of 20 to 60 characters, lengths spread evenly."""
    fitting = sorted((c for c in candidates if 20 <= len(c[1]) <= 60), key=lambda c: len(c[1]))
    if len(fitting) < count:
        raise SystemExit(f'bench_web.py: error: only {len(fitting)} lines of 20 to 60 characters')
    return [fitting[round(i * (len(fitting) - 1) / max(count - 1, 1))] for i in range(count)]


def make_lines(args):
    if args.source == 'iam':
        from data.iam import IamSource
        source = IamSource(root=args.root, split_lists=args.split_lists)
        lines = [(e.strokes, e.text) for e in source.get_examples(split='validation')]
        if len(lines) < args.lines:
            raise SystemExit(f'bench_web.py: error: {len(lines)} validation lines in '
                             f'{args.root} with the lists of {args.split_lists}')
        return [lines[i * len(lines) // args.lines] for i in range(args.lines)]
    from data.synthetic import SyntheticSource
    return spread(list(SyntheticSource(40 * args.lines, seed=5, min_words=3, max_words=10)
                       .get_sequences()), args.lines)


def make_pages(args) -> list:
    """[{strokes, lines}] of --pages pages: their strokes and true lines (stroke indices)."""
    if args.source == 'iam':
        import itertools
        from data.iam import IamSource
        from data.pages import iam_pages
        pages = list(itertools.islice(iam_pages(IamSource(
            root=args.root, split_lists=args.split_lists), 'validation', 3), args.pages))
    else:
        from data.synthetic_pages import synthetic_page
        pages = [synthetic_page(i) for i in range(args.pages)]
    return [{'strokes': [np.asarray(s).tolist() for s in page.strokes],
             'lines': [[int(i) for i in line] for line in page.lines]} for page in pages]


def report_pages(results, pages):
    """A page read as the page does it against its true lines one by one."""
    lines = np.median([len(page['lines']) for page in pages])
    print(f'{len(pages)} pages, {lines:.0f} lines a page (median): read as a page (lines '
          f'found and read one after another) against its true lines one by one')
    print('| configuration | page ms | lines ms | ratio | page CPU ms | lines CPU ms | '
          'CPU ratio | lines found right |')
    print('|---|---|---|---|---|---|---|---|')
    truth = [sorted(map(sorted, page['lines'])) for page in pages]
    for r in results:
        calls = r.get('pageCalls')
        if not calls:
            continue
        right = sum(sorted(map(sorted, c['found'])) == truth[c['page']]
                    for c in calls if c['run'] == 0)
        median = {key: np.median([c[key] for c in calls])
                  for key in ('ms', 'linesMs', 'cpuMs', 'linesCpuMs')}
        ratio = np.median([c['ms'] / c['linesMs'] for c in calls])
        cpu_ratio = np.median([c['cpuMs'] / c['linesCpuMs'] for c in calls])
        print(f'| {r["query"] or "(page defaults)"} | {median["ms"]:.0f} | '
              f'{median["linesMs"]:.0f} | {ratio:.2f} | {median["cpuMs"]:.0f} | '
              f'{median["linesCpuMs"]:.0f} | {cpu_ratio:.2f} | {right}/{len(pages)} |')


def python_texts(model, lines) -> dict:
    """{decoder name: [text per line]}: Python's token passing (the model folder's language
    model and decoder.json, as the page) and best path, from one network output a line."""
    from algorithms.best_path import BestPathDecoder
    from models.recognizer import Recognizer
    recognizer = Recognizer.load(model, decoder='token_passing')
    best_path = BestPathDecoder(recognizer.char_table)
    texts = {'token_passing': [], 'best_path': []}
    for strokes, _ in lines:
        text, probabilities = recognizer.recognize(strokes, return_probabilities=True)
        texts['token_passing'].append(text)
        texts['best_path'].append(best_path.decode(probabilities))
    return texts


def serve(web, deployed):
    process = subprocess.Popen([sys.executable, os.path.join(web, 'serve.py'),
                                '--model', deployed, '--port', '0'], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    if not line.startswith('serving'):
        process.terminate()
        raise SystemExit(f'bench_web.py: error: serve.py said {line!r}')
    return process, line.split(' at ')[1].split()[0]


def report(results, texts, lines, show):
    from algorithms.error_rates import cer
    chars = np.mean([len(text) for _, text in lines])
    truths = [text for _, text in lines]
    print(f'{len(lines)} lines, {chars:.0f} characters on average; Python\'s CER: token '
          f'passing {100 * cer(truths, texts["token_passing"]):.2f}%, best path '
          f'{100 * cer(truths, texts["best_path"]):.2f}%')
    print('| configuration | decoder | backend | engine | ready ms (backend, model, warm-up; '
          'decoder) | ready CPU ms | '
          'first call ms | median ms | p90 ms | median CPU ms | text = Python | CER | '
          'download MB (gzipped) |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    differences = []
    for r in results:
        name = r['query'] or '(page defaults)'
        if 'error' in r:
            print(f'| {name} | failed: {r["error"]} |')
            continue
        ms = [c['ms'] for c in r['calls']]
        cpu = [c['cpuMs'] for c in r['calls']]
        decoder = r.get('decoder') or 'best_path'  # pages before token passing have none
        python = texts[decoder]
        first_run = sorted((c for c in r['calls'] if c['run'] == 0), key=lambda c: c['line'])
        page_cer = cer(truths, [c['text'] for c in first_run])
        same = sum(c['text'] == python[c['line']] for c in first_run)
        differences += [(name, c['line'], c['text'], python[c['line']]) for c in first_run
                        if c['text'] != python[c['line']]]
        t = r['timings']
        raw = sum(d['bytes'] for d in r['downloads'])
        gzipped = sum(d['gzipBytes'] for d in r['downloads'])
        print(f'| {name} | {decoder} | {r["backend"]} | {r["engine"]} | {r["loadMs"]:.0f} '
              f'({t.get("backendMs", 0):.0f}, {t["loadMs"]:.0f}, {t["warmUpMs"]:.0f}; '
              f'{t.get("decoderMs", 0):.0f}) | {r["loadCpuMs"]:.0f} | {r["firstMs"]:.0f} | '
              f'{np.median(ms):.0f} | {np.percentile(ms, 90):.0f} | {np.median(cpu):.0f} | '
              f'{same}/{len(first_run)} | {100 * page_cer:.2f}% | '
              f'{raw / 1e6:.2f} ({gzipped / 1e6:.2f}) |')
        if r['errors']:
            print(f'  page errors: {r["errors"]}')
    for r in results:
        if 'loadsMs' in r:
            print(f'  {r["query"] or "(page defaults)"}: ready after '
                  f'{", ".join(f"{ms:.0f}" for ms in r["loadsMs"])} ms')
    for name, line, page, python in differences[:show]:
        print(f'  {name}, line {line}: page {page!r}, Python {python!r}')
    downloads = max((r for r in results if 'downloads' in r), key=lambda r: len(r['downloads']),
                    default=None)
    if downloads:
        largest = sorted(downloads['downloads'], key=lambda d: -d['gzipBytes'])[:6]
        print('largest downloads (gzipped kB): ' + ', '.join(
            f'{d["url"].rsplit("/", 1)[-1]} {d["gzipBytes"] / 1e3:.0f}' for d in largest))


def main(argv=None):
    args = parse_args(argv)
    from models.tfjs_export import default_language_model, deploy
    lines = make_lines(args)
    pages = make_pages(args)
    texts = python_texts(args.model, lines)
    with tempfile.TemporaryDirectory() as tmp:
        deployed = args.deployed or os.path.join(tmp, 'deployed')
        if not args.deployed:
            deploy(args.model, deployed, quantize='float16',
                   language_model=default_language_model(args.model))
        with open(os.path.join(tmp, 'lines.json'), 'w', encoding='utf-8') as f:
            json.dump([[np.asarray(s).tolist() for s in strokes] for strokes, _ in lines], f)
        with open(os.path.join(tmp, 'pages.json'), 'w', encoding='utf-8') as f:
            json.dump(pages, f)
        server, url = serve(args.web, deployed)
        try:
            done = subprocess.run(['node', os.path.join(ROOT, 'benchmarks', 'bench_web.js'), url,
                                   os.path.join(tmp, 'lines.json'), os.path.join(tmp, 'out.json'),
                                   *(DEFAULT_CONFIGS if args.config is None else args.config)],
                                  env=dict(os.environ, BENCH_WEB_RUNS=str(args.runs),
                                           BENCH_WEB_LOADS=str(args.loads),
                                           BENCH_WEB_PAGES=os.path.join(tmp, 'pages.json')))
        finally:
            server.terminate()
            server.wait(timeout=10)
        if done.returncode:
            raise SystemExit(f'bench_web.py: error: bench_web.js exited {done.returncode}')
        with open(os.path.join(tmp, 'out.json'), encoding='utf-8') as f:
            results = json.load(f)
        print(f'model {args.model}, {args.source} lines; load average '
              f'{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores')
        report(results, texts, lines, args.show)
        if pages:
            report_pages(results, pages)
        print(f'targets: median <= {TARGETS["median_ms"]:.0f} ms a line, first call <= '
              f'{TARGETS["first_ms"]:.0f} ms, ready <= {TARGETS["ready_ms"]:.0f} ms, download '
              f'<= {TARGETS["download_mb"]:.0f} MB gzipped; text = Python on >= 99% of lines')


if __name__ == '__main__':
    main()
