"""Draw a few synthetic lines to a PNG and time the generator, to check it by eye and clock.

    python benchmarks/render_synthetic.py
    python benchmarks/render_synthetic.py --lines 12 --seed 3 --output /tmp/lines.png
    python benchmarks/render_synthetic.py --lines 0 --benchmark 5000

Each line is drawn as the pen wrote it: ink along the strokes, and a dot per sampled point
(points crowd where the simulated pen slows down). The benchmark prints lines per second on
one core (CPU time, word shapes built on first use included) and points per character
(IAM-OnDB has about 17).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from data.synthetic import SINGLE_LINE_FACES, SyntheticSource  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--lines', type=int, default=8, help='lines to draw (default: %(default)s)')
    p.add_argument('--seed', type=int, default=0, help='source seed (default: %(default)s)')
    p.add_argument('--faces', nargs='+', default=list(SINGLE_LINE_FACES),
                   help='Hershey faces (default: %(default)s)')
    p.add_argument('--max_words', type=int, default=4,
                   help='most words per line (default: %(default)s)')
    p.add_argument('--output', default='docs/synthetic_lines.png',
                   help='PNG to write (default: %(default)s)')
    p.add_argument('--benchmark', type=int, default=2000,
                   help='lines to time; 0 = no timing (default: %(default)s)')
    return p.parse_args(argv)


def render(source, count, path):
    """One row per line, equal aspect, y down as the pen wrote it."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    lines = [source.line(i) for i in range(count)]
    right = max(stroke[:, 0].max() for strokes, _ in lines for stroke in strokes) + 20
    fig, axes = plt.subplots(count, 1, figsize=(12, 12 * 130 / right * count + 0.3 * count),
                             squeeze=False)
    for i, (ax, (strokes, text)) in enumerate(zip(axes[:, 0], lines)):
        for stroke in strokes:
            ax.plot(stroke[:, 0], stroke[:, 1], '-', color='#1a1a4d', lw=1.4)
            ax.plot(stroke[:, 0], stroke[:, 1], '.', color='#d04020', ms=1.5)
        points = sum(len(s) for s in strokes)
        ax.set_title(f'syn-{i:06d}  "{text}"  ({points} points, {len(strokes)} strokes, '
                     f'{strokes[-1][-1, 2]:.2f} s)', fontsize=9, loc='left')
        ax.set_aspect('equal')
        ax.set_xlim(-20, right)
        ax.set_ylim(60, -70)
        ax.axis('off')
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    print(f'wrote {path}')


def benchmark(source, count):
    start = time.process_time()  # CPU seconds of this process: fair on a busy machine
    points = characters = 0
    for i in range(count):
        strokes, text = source.line(i)
        points += sum(len(s) for s in strokes)
        characters += len(text)
    seconds = time.process_time() - start
    print(f'{count / seconds:.0f} lines/s on one core; {points / characters:.1f} points per '
          f'character; {characters / count:.1f} characters per line')


def main(argv=None):
    args = parse_args(argv)
    source = SyntheticSource(max(args.lines, args.benchmark), seed=args.seed,
                             faces=args.faces, max_words=args.max_words)
    if args.lines:
        render(source, args.lines, args.output)
    if args.benchmark:
        benchmark(source, args.benchmark)


if __name__ == '__main__':
    main()
