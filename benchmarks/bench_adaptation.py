"""How long adapting a model to one writer takes: Recognizer.adapt on the first lines of an
IAM-OnDB form, with the default recipe (models.adaptation.Recipe), its check included.

    python benchmarks/bench_adaptation.py                       # 5 lines of a02-050, 3 runs
    python benchmarks/bench_adaptation.py --form a03-023 --lines 10 --runs 1

Prints the seconds of each run and their median; the first run includes TensorFlow tracing
the training step (a fresh process pays it once per adaptation, as adapt.py does). The
machine's load is printed with it, since the figure means little on a busy machine.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from data.iam import DEFAULT_ROOT, read_ascii_lines, read_line_strokes  # noqa: E402
from models.model_folder import DEFAULT_MODEL  # noqa: E402
from models.recognizer import Recognizer  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL)
    p.add_argument('--root', default=DEFAULT_ROOT, help='IAM-OnDB (default: %(default)s)')
    p.add_argument('--form', default='a02-050', help='form whose first lines adapt')
    p.add_argument('--lines', type=int, default=5)
    p.add_argument('--runs', type=int, default=3)
    return p.parse_args(argv)


def form_lines(root, form, count, char_table) -> tuple:
    """(strokes, texts) of the form's first `count` lines, texts cut to the table."""
    root = Path(root)
    ascii_file = next(root.joinpath('ascii').rglob(f'{form}*.txt'))
    strokes = {p.stem: p for p in root.joinpath('lineStrokes').rglob(f'{form}*.xml')}
    lines = [(read_line_strokes(strokes[i]), ''.join(c for c in text if not char_table.unknown(c)))
             for i, text in read_ascii_lines(ascii_file) if i in strokes][:count]
    return [s for s, _ in lines], [t for _, t in lines]


def main(argv=None):
    args = parse_args(argv)
    recognizer = Recognizer.load(args.model)
    lines, texts = form_lines(args.root, args.form, args.lines, recognizer.char_table)
    seconds = []
    for _ in range(args.runs):
        start = time.perf_counter()
        adapted = recognizer.adapt(lines, texts)
        seconds.append(time.perf_counter() - start)
        print(f'{len(lines)} lines, {sum(map(len, texts))} characters: {seconds[-1]:.1f} s '
              f'({adapted.adaptation.message(len(lines))})')
    print(f'median {statistics.median(seconds):.1f} s over {args.runs} runs; load average '
          f'{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores')


if __name__ == '__main__':
    main()
