"""Installs keras-auto-hwr in place and builds the token passing decoder (C++17, pybind11).

HWR_SANITIZE=1 builds the decoder with AddressSanitizer and UndefinedBehaviorSanitizer, to
test it for memory errors (CI does); Python must then run with the sanitizer runtime
preloaded, and libstdc++ with it (Python is not a C++ program: without it, ASan misses the
C++ exception runtime and aborts at the first exception the binding throws):
LD_PRELOAD="$(c++ -print-file-name=libasan.so) $(c++ -print-file-name=libstdc++.so)" ASAN_OPTIONS=detect_leaks=0.
"""
import os
from glob import glob

import pybind11
from setuptools import Extension, find_packages, setup

SANITIZE = ['-fsanitize=address,undefined', '-fno-sanitize-recover=undefined',
            '-fno-omit-frame-pointer', '-g']
sanitize = os.environ.get('HWR_SANITIZE') == '1'

token_passing = Extension(
    'algorithms._token_passing',
    # wasm_bindings.cpp is the web page's face of the same core (demo/web/build_wasm.py)
    sources=sorted(set(glob('algorithms/cpp/*.cpp')) - {'algorithms/cpp/wasm_bindings.cpp'}),
    depends=sorted(glob('algorithms/cpp/*.hpp')),
    include_dirs=[pybind11.get_include(), 'algorithms/cpp'],
    extra_compile_args=['-std=c++17'] + (SANITIZE + ['-O1'] if sanitize else ['-O3']),
    extra_link_args=SANITIZE if sanitize else [],
    language='c++',
)

setup(
    name='keras-auto-hwr',
    version='0.1.0',
    description='Online handwriting recognition: BiLSTM-CTC on Keras 3, from pen strokes to text',
    license='MIT',
    python_requires='>=3.10',
    packages=find_packages(include=['data', 'data.*', 'models', 'models.*',
                                    'algorithms', 'algorithms.*', 'service', 'service.*']),
    ext_modules=[token_passing],
)
