"""Compile throughput and peak memory on the synthetic source, at two sizes.

    python benchmarks/bench_compile.py [--sizes 1000 20000]

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


CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
import compile
compile.main(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def run(size, workdir):
    """-> (seconds, peak resident memory in KiB) of one compile in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, '-c', CHILD.format(root=ROOT), 'synthetic',
                           'default', f'--num_examples={size}', '--name', f'bench{size}',
                           '--datasets_dir', workdir, '--no-progress'],
                          check=True, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    return seconds, int(done.stderr.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--sizes', type=int, nargs='+', default=[1000, 20000])
    args = p.parse_args()
    peaks = []
    with tempfile.TemporaryDirectory() as workdir:
        for size in sorted(args.sizes):
            seconds, peak = run(size, workdir)
            peaks.append(peak)
            print(f'{size:>7} lines: {seconds:7.2f} s (process start included), '
                  f'{size / seconds:8.0f} lines/s, peak RSS {peak / 1024:7.1f} MiB')
    if len(peaks) > 1:
        print(f'peak memory, largest / smallest size: {peaks[-1] / peaks[0]:.3f}')


if __name__ == '__main__':
    main()
