"""Latency of Recognizer.recognize() for one 40-character line, on one CPU thread.

    python benchmarks/bench_recognizer.py          # weights/synthetic, else a random network
    python benchmarks/bench_recognizer.py --model weights/iam-3x256 --runs 200
    python benchmarks/bench_recognizer.py --jit    # XLA-compiled, as a server would run it

The line is a synthetic one (data.synthetic) of exactly --chars characters, recognized from
raw strokes: validation, pre-processing, the network and best path decoding, timed together
after warm-up (with --jit, XLA compiles the line's length bucket then). Without a model
folder, a network of train.py's default size (2 x 64) with random weights stands in: the
time does not depend on the weights. Target: median under 50 ms. The machine may be busy:
the CPU time per call, printed beside the wall time, is what an idle machine would take.
"""
import argparse
import os
import string
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from data.base import validate_handwriting  # noqa: E402
from data.charset import CharTable  # noqa: E402
from data.preprocessing import Pipeline, strokes_to_points  # noqa: E402
from data.synthetic import SyntheticSource  # noqa: E402
from models.model_folder import DEFAULT_MODEL  # noqa: E402

TARGET_MS = 50.0
STAND_IN_CHARACTERS = string.ascii_letters + string.digits + ' .,;:!?\'"()-&/#*+'  # ~80 like IAM


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL,
                   help='model folder; if missing, a random network of --layers x --units '
                   '(default: %(default)s)')
    p.add_argument('--layers', type=int, default=2, help='stand-in network (default: 2)')
    p.add_argument('--units', type=int, default=64, help='stand-in network (default: 64)')
    p.add_argument('--chars', type=int, default=40, help='line length (default: %(default)s)')
    p.add_argument('--runs', type=int, default=100, help='timed calls (default: %(default)s)')
    p.add_argument('--warmup', type=int, default=5,
                   help='untimed calls first (default: %(default)s)')
    p.add_argument('--threads', type=int, default=1,
                   help='TensorFlow CPU threads (default: %(default)s)')
    p.add_argument('--jit', action=argparse.BooleanOptionalAction, default=False,
                   help="XLA-compile single lines (Recognizer's jit option, for servers "
                   "that warm up once) (default: %(default)s)")
    return p.parse_args(argv)


def line_of_length(chars, seed=0):
    """Strokes and text of the first synthetic line with exactly `chars` characters."""
    source = SyntheticSource(10 ** 6, seed=seed, min_words=max(1, chars // 8),
                             max_words=max(1, chars // 3))
    for i in range(10 ** 5):
        strokes, text = source.line(i)
        if len(text) == chars:
            return strokes, text
    raise SystemExit(f'bench_recognizer.py: error: no synthetic line of {chars} characters')


def stand_in_recognizer(args, Recognizer):
    """A random network with the default pipeline fitted on a few synthetic lines."""
    from models.network import build_model
    source = SyntheticSource(20, seed=1)
    pipeline = Pipeline.named('default').fit(strokes_to_points(validate_handwriting(s))
                                             for s, _ in source.get_sequences())
    char_table = CharTable(STAND_IN_CHARACTERS)
    model = build_model(4, char_table.num_classes, args.layers, args.units)
    return Recognizer(model, char_table, pipeline, jit=args.jit)


def main(argv=None):
    args = parse_args(argv)
    import tensorflow as tf  # threads must be set before TensorFlow runs anything
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from models.recognizer import Recognizer

    if os.path.isdir(args.model):
        recognizer, name = Recognizer.load(args.model, jit=args.jit), args.model
    else:
        recognizer = stand_in_recognizer(args, Recognizer)
        name = f'random {args.layers}x{args.units} network ({args.model} not found)'
    strokes, text = line_of_length(args.chars)
    frames = len(recognizer.features(strokes))
    recognizer.warm_up(frames)
    for _ in range(args.warmup):
        recognizer.recognize(strokes)
    times, cpu_times = [], []
    for _ in range(args.runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        recognizer.recognize(strokes)
        times.append(1000 * (time.perf_counter() - start))
        cpu_times.append(1000 * (time.process_time() - cpu_start))
    median, p90 = np.percentile(times, [50, 90])
    print(f'model: {name}')
    print(f'line: {text!r} ({len(text)} characters, {sum(len(s) for s in strokes)} points, '
          f'{frames} frames)')
    print(f'recognize(): median {median:.1f} ms, p90 {p90:.1f} ms, min {min(times):.1f} ms '
          f'over {args.runs} runs; {args.threads} thread(s), jit {"on" if args.jit else "off"}')
    # CPU time of the whole process: what the wall time would be on an idle machine
    print(f'CPU time per call: median {np.median(cpu_times):.1f} ms; load average '
          f'{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores')
    print(f'target median < {TARGET_MS:.0f} ms: {"met" if median < TARGET_MS else "MISSED"}')


if __name__ == '__main__':
    main()
