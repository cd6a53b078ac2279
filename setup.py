"""Installs keras-auto-hwr in place and builds the token passing decoder (C++17, pybind11)."""
from glob import glob

import pybind11
from setuptools import Extension, find_packages, setup

token_passing = Extension(
    'algorithms._token_passing',
    sources=sorted(glob('algorithms/cpp/*.cpp')),
    depends=sorted(glob('algorithms/cpp/*.hpp')),
    include_dirs=[pybind11.get_include(), 'algorithms/cpp'],
    extra_compile_args=['-std=c++17', '-O3'],
    language='c++',
)

setup(
    name='keras-auto-hwr',
    version='0.1.0',
    description='Online handwriting recognition: BiLSTM-CTC on Keras 3, from pen strokes to text',
    license='MIT',
    python_requires='>=3.10',
    packages=find_packages(include=['data', 'data.*', 'models', 'models.*',
                                    'algorithms', 'algorithms.*']),
    ext_modules=[token_passing],
)
