"""Compile throughput and peak memory on the synthetic source, at two sizes.

    python benchmarks/bench_compile.py [--sizes 1000 20000]
    python benchmarks/bench_compile.py -o accents_in_place=0.95 -o print_order=True -o elastic=2.5

Each size runs compile.py in its own process, so that the peak resident memory of one
does not hide the other's. Targets (issue 2): at least 1,000 lines/s, and peak memory
within 10% between the two sizes (compiling streams).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# Each child prints its CPU seconds and peak resident memory (KiB) as its last stderr line.
COMPILE = """
import resource, sys, time
sys.path.insert(0, {root!r})
import compile
compile.main(sys.argv[1:])
u = resource.getrusage(resource.RUSAGE_SELF)
print(u.ru_utime + u.ru_stime, u.ru_maxrss, file=sys.stderr)
"""
SOURCE_ONLY = """
import ast, resource, sys
sys.path.insert(0, {root!r})
from data.synthetic import SyntheticSource
options = {{k: ast.literal_eval(v) for k, v in (a.split('=', 1) for a in sys.argv[2:])}}
for example in SyntheticSource(int(sys.argv[1]), **options).get_examples():
    pass
u = resource.getrusage(resource.RUSAGE_SELF)
print(u.ru_utime + u.ru_stime, u.ru_maxrss, file=sys.stderr)
"""


def run(child, *args):
    """-> (wall seconds, CPU seconds, peak resident memory in MiB) of a fresh process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, '-c', child.format(root=ROOT), *args],
                          check=True, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu, peak = done.stderr.strip().splitlines()[-1].split()
    return wall, float(cpu), int(peak) / 1024


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--sizes', type=int, nargs='+', default=[1000, 20000])
    p.add_argument('-o', '--option', action='append', default=[], metavar='KEY=VALUE',
                   help='a synthetic source option, as compile.py takes it; repeatable')
    args = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for size in sorted(args.sizes):
            wall, cpu, peak = run(COMPILE, 'synthetic', 'default', f'--num_examples={size}',
                                  '--name', f'bench{size}', '--datasets_dir', workdir,
                                  '--no-progress', *(f'-o{o}' for o in args.option))
            _, source_cpu, source_peak = run(SOURCE_ONLY, str(size), *args.option)
            rows.append((peak, source_peak))
            print(f'{size:>6} lines: {size / wall:6.0f} lines/s wall, {size / cpu:6.0f} lines/s '
                  f'CPU (process start included); peak RSS {peak:6.1f} MiB; the source alone: '
                  f'{size / source_cpu:6.0f} lines/s CPU, peak {source_peak:6.1f} MiB')
    if len(rows) > 1:
        (small, small_src), (large, large_src) = rows[0], rows[-1]
        print(f'peak memory, largest / smallest size: {large / small:.3f}; '
              f'compile above its source: {large - large_src:.1f} MiB vs '
              f'{small - small_src:.1f} MiB')


if __name__ == '__main__':
    main()
