"""Draw synthetic lines to a PNG and time the generator, to check it by eye and clock.

    python studies/render_synthetic.py
    python studies/render_synthetic.py --lines 12 --seed 3 --output /tmp/lines.png
    python studies/render_synthetic.py --language el --output /tmp/greek.png
    python studies/render_synthetic.py --allographs 1 --output /tmp/shapes.png
    python studies/render_synthetic.py --real datasets/iam_online_db   # + /tmp/real_lines.png
    python studies/render_synthetic.py --real datasets/iam_online_db \
        --real_output docs/real_lines.png --benchmark 0     # the README's pair of pages
    python studies/render_synthetic.py --lines 0 --benchmark 5000

Each line is drawn as the pen wrote it: ink along the strokes, and a dot per sampled point
(points crowd where the simulated pen slows down). Every line is scaled to the same ink
height (5% to 95% of its y values), as the recognizer's pre-processing also does, so that a
page of real lines drawn with --real compares at the same scale. --real writes that page
(IAM-OnDB validation lines, t1 lists) to --real_output, by default outside the repository.
The README shows the default 8 of them (docs/real_lines.png) beside the synthetic page, with
the data set's citation; IAM-OnDB itself, or more of it, is never published. The benchmark
prints lines per second on one core (CPU time, word shapes built on first use included) and
points per character (IAM-OnDB has about 17).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from data.glyphs import FACES  # noqa: E402
from data.iam import DEFAULT_SPLIT_LISTS, IamSource  # noqa: E402
from data.synthetic import SyntheticSource  # noqa: E402

INK_HEIGHT = 60.0   # pixels from the 5% to the 95% quantile of a line's y


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--lines', type=int, default=8, help='lines to draw (default: %(default)s)')
    p.add_argument('--seed', type=int, default=0, help='source seed (default: %(default)s)')
    p.add_argument('--faces', nargs='+', choices=FACES, default=None,
                   help='faces to draw with (default: the source\'s default faces)')
    p.add_argument('--language', default='en', help='wordfreq language (default: %(default)s)')
    p.add_argument('--max_words', type=int, default=6,
                   help='most words per line (default: %(default)s)')
    p.add_argument('--variability', type=float, default=1.0,
                   help='the source\'s variability option (default: %(default)s)')
    p.add_argument('--accents_in_place', type=float, default=0.0,
                   help='the source\'s accents_in_place option (default: %(default)s)')
    p.add_argument('--print_order', action='store_true',
                   help='the source\'s print_order option')
    p.add_argument('--elastic', type=float, default=1.0,
                   help='the source\'s elastic option (default: %(default)s)')
    p.add_argument('--allographs', type=float, default=0.0,
                   help='the source\'s allographs option (default: %(default)s)')
    p.add_argument('--real', metavar='IAM_ROOT',
                   help='also draw as many IAM-OnDB validation lines from this folder')
    p.add_argument('--split_lists', default=DEFAULT_SPLIT_LISTS,
                   help='IAM-OnDB t1 lists, for --real (default: %(default)s)')
    p.add_argument('--real_output', default='/tmp/real_lines.png',
                   help='PNG for --real; a few lines, shown with the IAM-OnDB citation, are '
                        'all that may be published (default: %(default)s)')
    p.add_argument('--output', default='docs/synthetic_lines.png',
                   help='PNG to write (default: %(default)s)')
    p.add_argument('--benchmark', type=int, default=2000,
                   help='lines to time; 0 = no timing (default: %(default)s)')
    return p.parse_args(argv)


def render(lines, path, name='syn'):
    """One row per line, equal aspect, y down as the pen wrote it, at one ink height."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    lines = [(_scaled(strokes), text) for strokes, text in lines]
    right = max(stroke[:, 0].max() for strokes, _ in lines for stroke in strokes) + 20
    count = len(lines)
    fig, axes = plt.subplots(count, 1, figsize=(12, 12 * 150 / right * count + 0.3 * count),
                             squeeze=False)
    for i, (ax, (strokes, text)) in enumerate(zip(axes[:, 0], lines)):
        for stroke in strokes:
            ax.plot(stroke[:, 0], stroke[:, 1], '-', color='#1a1a4d', lw=1.2)
            ax.plot(stroke[:, 0], stroke[:, 1], '.', color='#d04020', ms=1.2)
        points = sum(len(s) for s in strokes)
        ax.set_title(f'{name} {i}  "{text}"  ({points} points, {len(strokes)} strokes, '
                     f'{strokes[-1][-1, 2] - strokes[0][0, 2]:.2f} s)', fontsize=9, loc='left')
        ax.set_aspect('equal')
        ax.set_xlim(-20, right)
        ax.set_ylim(75, -75)
        ax.axis('off')
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f'wrote {path}')


def _scaled(strokes):
    """Strokes moved to x = 0 and the middle of the ink, scaled to INK_HEIGHT."""
    strokes = [np.asarray(s, dtype=np.float64) for s in strokes]
    xyt = np.concatenate(strokes)
    low, high = np.percentile(xyt[:, 1], [5, 95])
    scale = INK_HEIGHT / max(high - low, 1e-6)
    origin = np.array([xyt[:, 0].min(), (low + high) / 2, 0.0])
    return [(s - origin) * [scale, scale, 1.0] for s in strokes]


def real_lines(root, split_lists, count):
    """`count` IAM-OnDB validation lines spread over the set (several writers)."""
    source = IamSource(root=root, split_lists=split_lists)
    lines = list(source.get_examples(split='validation'))
    step = max(len(lines) // count, 1)
    return [(e.strokes, e.text) for e in lines[::step][:count]]


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
    source = SyntheticSource(max(args.lines, args.benchmark, 1), seed=args.seed,
                             language=args.language, faces=args.faces,
                             max_words=args.max_words, variability=args.variability,
                             accents_in_place=args.accents_in_place,
                             print_order=args.print_order, elastic=args.elastic,
                             allographs=args.allographs)
    if args.lines:
        render([source.line(i) for i in range(args.lines)], args.output)
        if args.real:
            render(real_lines(args.real, args.split_lists, args.lines), args.real_output,
                   name='IAM-OnDB')
    if args.benchmark:
        benchmark(source, args.benchmark)


if __name__ == '__main__':
    main()
