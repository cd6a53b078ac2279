"""Build the page's WebAssembly module from C++, with Emscripten: the token passing decoder
and the fused engine's LSTM recurrence.

    python demo/web/build_wasm.py     # after changing algorithms/cpp or demo/web/cpp (needs em++)
    python demo/web/build_wasm.py --output /tmp/wasm   # elsewhere (the tests compare builds)

Compiles algorithms/cpp (the sources of the Python extension, with wasm_bindings.cpp in
place of bindings.cpp) and demo/web/cpp (lstm_recurrence.cpp) into demo/web/wasm/hwr.wasm
and its ES module glue hwr.js (loaded by wasm_module.js), and records the SHA-256 of every
source (and of this script, which holds the flags) in demo/web/wasm/SOURCES.sha256, in
`sha256sum -c` form. 128-bit SIMD is required (Chrome 91, Firefox 89, Safari 16.4 on).

Why the build is committed rather than made by deploy.py: deploying then needs no
Emscripten (a toolchain of about a gigabyte, Debian's `emscripten` package) on the user's
machine, and the build is small (about 150 kB) and the same on every machine. What keeps
it honest: tests/test_deploy.py fails when a source no longer matches SOURCES.sha256, and
runs the committed build against the Python decoder.
"""
import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys

WEB = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(WEB))
OUTPUT = os.path.join(WEB, 'wasm')
RECORD = 'SOURCES.sha256'
CPP = os.path.join(ROOT, 'algorithms', 'cpp')
WEB_CPP = os.path.join(WEB, 'cpp')
EXPORTS = ['_hwr_decoder_new', '_hwr_decode', '_hwr_decoder_delete', '_hwr_error',
           '_lstm_direction', '_malloc', '_free']
FLAGS = [
    '-O3', '-std=c++17', '-msimd128',
    '-fwasm-exceptions',        # the core throws std::invalid_argument; the binding catches
    '-sMODULARIZE=1', '-sEXPORT_ES6=1', '-sEXPORT_NAME=createHwrModule',
    '-sALLOW_MEMORY_GROWTH=1',  # the dictionary's size is the deployment's
    # the page and its worker; Node (the tests) passes the .wasm bytes as wasmBinary, since
    # this Emscripten's ES module glue cannot find its file there (it asks for __dirname)
    '-sENVIRONMENT=web,worker',
    '-sFILESYSTEM=0',
    f'-sEXPORTED_FUNCTIONS={",".join(EXPORTS)}', '-sEXPORTED_RUNTIME_METHODS=UTF8ToString',
]


def sources() -> list:
    """The files the build is made of, relative to the repository root."""
    cpp = [p for p in glob.glob(os.path.join(CPP, '*.[ch]pp'))
           if os.path.basename(p) != 'bindings.cpp'] + glob.glob(os.path.join(WEB_CPP, '*.cpp'))
    return sorted(os.path.relpath(p, ROOT) for p in cpp + [os.path.abspath(__file__)])


def digest(path) -> str:
    with open(os.path.join(ROOT, path), 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--output', default=OUTPUT,
                   help='folder to write hwr.wasm, hwr.js and SOURCES.sha256 to '
                   '(default: %(default)s)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    compiler = shutil.which('em++')
    if not compiler:
        sys.exit('build_wasm.py: error: em++ not found (apt-get install emscripten)')
    os.makedirs(args.output, exist_ok=True)
    # Debian's Emscripten runs its JavaScript tools with node and finds their packages
    # (acorn) where Debian puts them; a node from elsewhere needs to be told.
    env = dict(os.environ, NODE_PATH=os.pathsep.join(
        p for p in (os.environ.get('NODE_PATH'), '/usr/share/nodejs') if p))
    command = [compiler, *FLAGS, '-I', CPP,
               *(p for p in sources() if p.endswith('.cpp')),
               '-o', os.path.join(os.path.abspath(args.output), 'hwr.js')]
    done = subprocess.run(command, cwd=ROOT, env=env)
    if done.returncode:
        sys.exit(f'build_wasm.py: error: em++ exited {done.returncode}')
    with open(os.path.join(args.output, RECORD), 'w', encoding='utf-8') as f:
        f.writelines(f'{digest(p)}  {p}\n' for p in sources())
    size = os.path.getsize(os.path.join(args.output, 'hwr.wasm'))
    print(f'wrote {args.output}: hwr.wasm ({size / 1e3:.0f} kB), hwr.js, {RECORD}')


if __name__ == '__main__':
    main()
