"""Real against synthetic ink, as the model sees it: timing, density and feature statistics.

    python studies/ink_statistics.py
    python studies/ink_statistics.py --lines 500 --preprocessor default
    python studies/ink_statistics.py --synthetic_only    # no IAM-OnDB needed
    python studies/ink_statistics.py -o accents_in_place=0.95   # a source option

Why: a model trained on synthetic lines reads real ones only as well as the synthetic
features resemble real features. The network sees (dx, dy, dt, stroke start) per frame
after the pre-processing (deslant, normalize_scale, resample, offsets, standardize), so a
pen that is three times too fast gives a dt feature three times too small, whatever the
letters look like. This prints, for IAM-OnDB training lines (raw ink, t1 lists, spread
evenly over the writers) and synthetic lines, the median and the 10% and 90% quantiles of:

- raw ink: pen-down points per second, seconds per character, pen-down share of the
  time, pen-up (air) durations, strokes and points per character, pen speed in line
  heights per second (the unit normalize_scale gives), the height of the letters' body
  (20% to 80% of the ink's y, by pen travel) in line heights, and the width of a
  character in those body heights (how wide the letters are, whatever the ascenders);
- after the pipeline without standardize: frames per character, dx, dy, dt of frames
  within a stroke, dt and dx of frames that start a stroke, the share of stroke starts;
- the mean and spread of real dx, dy, dt in the units of a standardizer fitted on the
  synthetic lines (what a synthetic-trained model feeds its first layer: 0 and 1 match);
- small strokes (i-dots, bars, punctuation: under DOT_SIZE of the line's ink height) per
  line, and the share of them written late: after the pen had gone on past them by more
  than LATE_DISTANCE line heights (an i-dot or t-bar left for the end of the word). Real
  writers leave 6% for later; the synthetic source by default 46%, 2% with
  `-o accents_in_place=0.95`.

Characters are counted without spaces (IAM-OnDB spaces punctuation off: "Mr . Smith").
Nothing of IAM-OnDB is written anywhere; only the table is printed.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from data.base import validate_handwriting  # noqa: E402
from data.iam import DEFAULT_ROOT, DEFAULT_SPLIT_LISTS, IamSource  # noqa: E402
from data.preprocessing import (PREPROCESSORS, Pipeline, strokes_to_points,  # noqa: E402
                                weighted_quantile)
from data.sources import SourceError, parse_options  # noqa: E402
from data.synthetic import SyntheticSource  # noqa: E402

DOT_SIZE = 0.12        # line heights (5% to 95% of the ink's y): a stroke this small is a dot
LATE_DISTANCE = 0.6    # line heights the pen had gone on past a dot before writing it


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--lines', type=int, default=400,
                   help='lines of each kind (default: %(default)s)')
    p.add_argument('--root', default=DEFAULT_ROOT,
                   help='IAM-OnDB folder (default: %(default)s)')
    p.add_argument('--split_lists', default=DEFAULT_SPLIT_LISTS,
                   help='folder of the t1 form lists (default: %(default)s)')
    p.add_argument('--preprocessor', default='deslanted', choices=sorted(PREPROCESSORS),
                   help='compile.py recipe whose steps the features go through '
                        '(default: %(default)s)')
    p.add_argument('--seed', type=int, default=0, help='synthetic seed (default: %(default)s)')
    p.add_argument('--language', default='en',
                   help='synthetic language (default: %(default)s)')
    p.add_argument('--synthetic_only', action='store_true',
                   help='print the synthetic column only (no IAM-OnDB needed)')
    p.add_argument('-o', '--option', action='append', metavar='KEY=VALUE', default=[],
                   help='an option of the synthetic source, as for compile.py '
                        '(e.g. -o accents_in_place=0.95); may be repeated')
    args = p.parse_args(argv)
    if args.lines < 1:
        p.error(f'--lines must be >= 1, got {args.lines}')
    try:
        args.options = parse_options(args.option)
    except SourceError as error:
        p.error(str(error))
    return args


def real_lines(root, split_lists, count):
    """`count` IAM-OnDB training lines spread evenly over the split (so, over writers)."""
    lines = [(e.strokes, e.text) for e in IamSource(root=root, split_lists=split_lists)
             .get_examples(split='train')]
    if not lines:
        raise SystemExit(f'ink_statistics.py: error: no training lines in {root} with the '
                         f'lists of {split_lists}')
    return [lines[i * len(lines) // count] for i in range(min(count, len(lines)))]


def small_strokes(strokes):
    """-> (small strokes in the line, how many of them were written late); see DOT_SIZE."""
    low, high = np.percentile(np.concatenate(strokes)[:, 1], [5, 95])
    height = max(high - low, 1e-6)
    small = late = 0
    for before, stroke in zip(strokes, strokes[1:]):
        if np.ptp(stroke[:, :2], axis=0).max() < DOT_SIZE * height:
            small += 1
            late += before[-1, 0] - stroke[:, 0].mean() > LATE_DISTANCE * height
    return small, late


def measure(lines, pipeline):
    """-> ({statistic: values}, features (F, 4) before standardize) over all lines."""
    stats = {name: [] for name, _ in ROWS}
    stats['dots'] = []
    features = []
    for strokes, text in lines:
        strokes = validate_handwriting(strokes)
        chars = max(len(text.replace(' ', '')), 1)
        down = sum(s[-1, 2] - s[0, 2] for s in strokes)
        duration = strokes[-1][-1, 2] - strokes[0][0, 2]
        points = sum(len(s) for s in strokes)
        stats['points_per_second'].append((points - len(strokes)) / max(down, 1e-6))
        stats['seconds_per_char'].append(duration / chars)
        stats['pen_down_share'].append(down / max(duration, 1e-6))
        stats['pen_up_seconds'].extend(b[0, 2] - a[-1, 2] for a, b in zip(strokes, strokes[1:]))
        stats['strokes_per_char'].append(len(strokes) / chars)
        stats['points_per_char'].append(points / chars)
        stats['dots'].append(small_strokes(strokes))
        scaled = pipeline.run(strokes_to_points(strokes), 0, _index(pipeline, 'resample'))
        travel = np.hypot(*np.diff(scaled[:, :2], axis=0).T) * (scaled[1:, 3] == 0)
        stats['speed_heights_per_s'].append(travel.sum() / max(down, 1e-6))
        if travel.sum() > 0:   # the body of the letters: 20% to 80% of the ink's y
            low, high = (weighted_quantile(scaled[1:, 1], travel, q) for q in (0.2, 0.8))
            stats['core_share'].append(high - low)     # of the line's height, its unit
            stats['width_per_char'].append(np.ptp(scaled[:, 0]) / chars / (high - low))
        frames = pipeline.run_line_steps(strokes_to_points(strokes))      # (F, 4)
        features.append(frames)
        stats['frames_per_char'].append(len(frames) / chars)
        inner, start = frames[1:][frames[1:, 3] == 0], frames[1:][frames[1:, 3] == 1]
        stats['dx'].extend(inner[:, 0])
        stats['dy'].extend(inner[:, 1])
        stats['dt'].extend(inner[:, 2])
        stats['dt_stroke_start'].extend(start[:, 2])
        stats['dx_stroke_start'].extend(start[:, 0])
        stats['stroke_start_share'].append(frames[:, 3].mean())
    return stats, np.concatenate(features)


def _index(pipeline, name):
    return next(i for i, step in enumerate(pipeline.steps) if step.name == name)


ROWS = [('points_per_second', 'raw: pen-down points per second'),
        ('seconds_per_char', 'raw: seconds per character'),
        ('pen_down_share', 'raw: pen-down share of the time'),
        ('pen_up_seconds', 'raw: pen-up (air) seconds'),
        ('strokes_per_char', 'raw: strokes per character'),
        ('points_per_char', 'raw: points per character'),
        ('speed_heights_per_s', 'pen speed, line heights per second'),
        ('core_share', 'letter body (20-80% of y) / line height'),
        ('width_per_char', 'width per character / letter body'),
        ('frames_per_char', 'frames per character (resampled)'),
        ('dx', 'dx within strokes'),
        ('dy', 'dy within strokes'),
        ('dt', 'dt within strokes (s)'),
        ('dt_stroke_start', 'dt at a stroke start (s)'),
        ('dx_stroke_start', 'dx at a stroke start'),
        ('stroke_start_share', 'share of frames starting a stroke')]


def quantiles(values):
    return '{:8.3f} {:8.3f} {:8.3f}'.format(*np.percentile(values, [10, 50, 90]))


def main(argv=None):
    args = parse_args(argv)
    pipeline = Pipeline.named(args.preprocessor)
    try:
        synthetic = SyntheticSource(args.lines, **{'seed': args.seed, 'language': args.language,
                                                   'max_words': 10, **args.options})
    except (TypeError, ValueError) as error:
        raise SystemExit(f'ink_statistics.py: error: synthetic source: {error}')
    columns = {'synthetic': measure(synthetic.get_sequences(), pipeline)}
    if not args.synthetic_only:
        columns = {'IAM-OnDB train': measure(real_lines(args.root, args.split_lists,
                                                         args.lines), pipeline), **columns}
    print(f'{args.lines} lines of each; pipeline {args.preprocessor!r} without standardize; '
          f'10% / median / 90%')
    print(f'{"":38}' + ''.join(f'{name:>27}' for name in columns))
    for key, label in ROWS:
        print(f'{label:38}' + ''.join(f'   {quantiles(stats[key])}'
                                      for stats, _ in columns.values()))
    for name, (stats, _) in columns.items():
        small, late = np.sum(stats['dots'], axis=0)
        print(f'{name}: {small / args.lines:.2f} small strokes (dots, bars) per line, '
              f'{late / max(small, 1):.0%} of them written late')
    _, synthetic_features = columns['synthetic']
    mean, std = synthetic_features[:, :3].mean(0), synthetic_features[:, :3].std(0)
    print('standardized with the synthetic fit (a match is mean 0, std 1):')
    for name, (_, features) in columns.items():
        z = (features[:, :3] - mean) / std
        print(f'  {name:16} mean dx {z[:, 0].mean():6.2f} dy {z[:, 1].mean():6.2f} '
              f'dt {z[:, 2].mean():6.2f}; std dx {z[:, 0].std():5.2f} dy {z[:, 1].std():5.2f} '
              f'dt {z[:, 2].std():5.2f}')


if __name__ == '__main__':
    main()
