"""The fuzz run: 10,000 generated hostile inputs a surface, answers counted by kind.

    python benchmarks/bench_fuzz.py                       # every surface, 10,000 cases each
    python benchmarks/bench_fuzz.py --cases 2000 --surface http --seed 7

Surfaces and generators are tests/hostile_inputs.py's (tests/test_fuzz.py runs a slice of
each): read_inkml, read_ink_file (recognize.py's reader), JSON ink, the HTTP service on
127.0.0.1 (weights/synthetic, in this process), and model folders. Prints, per surface,
the cases, seconds, crashes and answers by kind, then each crash (input and what went
wrong); exits 1 if there was any.
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, 'tests')]
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')

from hostile_inputs import SURFACES, Context, run_surface  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--cases', type=int, default=10_000, help='cases a surface (%(default)s)')
    p.add_argument('--surface', choices=SURFACES, action='append',
                   help='a surface to run, repeatable (default: all)')
    p.add_argument('--seed', type=int, default=1, help='generator seed (%(default)s)')
    args = p.parse_args()
    tally = None
    with tempfile.TemporaryDirectory() as folder:
        context = Context(Path(folder))
        for surface in args.surface or SURFACES:
            tally = run_surface(surface, args.cases, args.seed, context, tally)
            print(tally.lines()[-1], flush=True)
    for surface, description, what in tally.crashes:
        print(f'crash: {surface}: {description[:200]}: {what}')
    print(f'{sum(tally.cases.values())} cases, {len(tally.crashes)} crashes (seed {args.seed})')
    sys.exit(1 if tally.crashes else 0)


if __name__ == '__main__':
    main()
