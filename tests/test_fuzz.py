"""Thousands of generated bad inputs thrown at the public surfaces: each must give a clear
ValueError or a documented result (text), never a crash, a hang, another exception or NaN.

    Recognizer.recognize / recognize_batch   strokes: empty, NaN/inf, huge, one point,
                                             unordered or equal times, 10^5 points, wrong
                                             nesting and types
    TokenPassingDecoder.decode (C++)         shapes, dtypes, NaN, negative, unnormalized
                                             rows, T = 0, C mismatch, strided and Fortran
                                             arrays (TypeError for a non-array: documented)
    read_arpa, and a decoder built from it   truncated, wrong counts, bad numbers, bad bytes
    compile_dataset                          sources yielding bad examples
    Recognizer.load                          model folders with files missing or damaged
and a slice of tests/hostile_inputs.py's surfaces (read_inkml, read_ink_file, JSON ink,
the HTTP service on loopback, model folders, Recognizer.recognize, read_arpa), whose every
answer must be of an allowed kind; benchmarks/bench_fuzz.py runs 10,000 cases a surface.

Seeded: the same inputs every run. The number of inputs tried is printed (pytest -s).
"""
import json
import os
import shutil
import time

import numpy as np
import pytest

from algorithms.language_model import build_bigram_lm, read_arpa, write_arpa
from data.base import BaseSource
from data.compiling import CompileError, compile_dataset
from data.preprocessing import Pipeline
from hostile_inputs import bad_strokes, damaged_arpa, pick
from models.recognizer import Recognizer
from test_recognizer import CHARACTERS, fitted_pipeline, make_model_folder, random_line

SEED = 2026
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXTS = ['ab ba', 'cab a', 'a b c', 'bac cab']


class Tally:
    """Counts inputs and outcomes; fails with the input's description on anything else."""

    def __init__(self):
        self.tried, self.outcomes = 0, {}

    def attempt(self, surface, description, call, check=lambda result: True,
                allowed=(ValueError,)):
        self.tried += 1
        try:
            result = call()
        except allowed as e:
            outcome = type(e).__name__
        except Exception as e:  # anything else is a finding
            pytest.fail(f'{surface}: {description}: {type(e).__name__}: {e}')
        else:
            assert check(result), f'{surface}: {description}: bad result {result!r}'
            outcome = 'result'
        key = (surface, outcome)
        self.outcomes[key] = self.outcomes.get(key, 0) + 1


def fuzz_recognizer(tally, rng, recognizer, count):
    def finite_text(result):
        text, probabilities = result
        return isinstance(text, str) and np.isfinite(probabilities).all()
    for _ in range(count):
        description, strokes = bad_strokes(rng)
        tally.attempt('recognize', description,
                      lambda: recognizer.recognize(strokes, return_probabilities=True),
                      finite_text)
    for _ in range(count // 10):
        lines = [random_line(rng) for _ in range(int(rng.integers(0, 4)))]
        description, strokes = bad_strokes(rng)
        lines.insert(int(rng.integers(len(lines) + 1)), strokes)
        tally.attempt('recognize_batch', description, lambda: recognizer.recognize_batch(lines),
                      lambda texts: len(texts) == len(lines))
    walk = np.cumsum(rng.normal(size=(100_000, 2)), axis=0)  # 10^5 points, one stroke
    long_line = [np.column_stack([walk, 0.01 * np.arange(len(walk))])]
    tally.attempt('recognize', '10^5 points', lambda: recognizer.recognize(long_line),
                  lambda text: isinstance(text, str))


def bad_matrix(rng, num_classes):
    """-> (description, matrix, whether it is a NumPy array)."""
    frames = int(rng.choice([0, 1, 2, 5, 17]))
    columns = int(rng.choice([num_classes, num_classes, num_classes - 1, num_classes + 1, 0]))
    values = rng.random((frames, columns))
    values /= np.maximum(values.sum(axis=1, keepdims=True), 1e-12)
    damage = rng.integers(8)
    what = f'T={frames} C={columns}'
    if damage == 1 and values.size:
        values.flat[rng.integers(values.size)] = pick(rng, [np.nan, np.inf, -np.inf])
        what += ' NaN/inf'
    elif damage == 2:
        values = -values
        what += ' negative'
    elif damage == 3:
        values = values * rng.choice([0.0, 0.5, 3.0, 1e30])
        what += ' rows not summing to 1'
    elif damage == 4:
        values = values.reshape(-1) if rng.random() < 0.5 else values[..., None]
        what += f' shape {values.shape}'
    dtype = rng.choice(['float32', 'float64', 'float64', 'float16', 'int32', 'bool',
                        'complex64', 'object'])
    matrix = values.astype(dtype)
    layout = rng.integers(4)
    if layout == 1:
        matrix = np.asfortranarray(matrix)
    elif layout == 2 and matrix.ndim == 2:
        wide = np.repeat(matrix, 2, axis=1)
        matrix = wide[:, ::2]  # the same values, not contiguous
    elif layout == 3:
        return f'{what} as a list', matrix.tolist(), False
    return f'{what} {dtype} layout {layout}', matrix, True


def fuzz_decoder(tally, rng, decoder, count):
    for _ in range(count):
        description, matrix, is_array = bad_matrix(rng, decoder.num_classes)
        log_probs = bool(rng.integers(2))
        tally.attempt('decode', f'{description} log_probs={log_probs}',
                      lambda: decoder.decode(matrix, log_probs=log_probs),
                      lambda text: isinstance(text, str),
                      allowed=(ValueError,) if is_array else (ValueError, TypeError))


def fuzz_arpa(tally, rng, tmp_path, count):
    from algorithms.token_passing import TokenPassingDecoder
    good = tmp_path / 'good.arpa'
    write_arpa(build_bigram_lm(TEXTS), good)
    text, path = good.read_text(encoding='utf-8'), tmp_path / 'fuzzed.arpa'
    for n in range(count):
        path.write_bytes(damaged_arpa(rng, text))
        tally.attempt('read_arpa', f'variant {n}', lambda: read_arpa(path))
        if n % 20 == 0:  # the decoder's own reading and checks, now and then
            tally.attempt('TokenPassingDecoder(arpa)', f'variant {n}',
                          lambda: TokenPassingDecoder(CHARACTERS, str(path)))


class BadSource(BaseSource):
    """Lines that are mostly fine, some not: compile.py must skip and count those."""

    def __init__(self, seed, num_examples=40):
        self.seed, self.num_examples = seed, num_examples

    def __len__(self):
        return self.num_examples

    def get_sequences(self):
        rng = np.random.default_rng(self.seed)
        for _ in range(self.num_examples):
            text = pick(rng, TEXTS * 3 + ['', '   ', None, 'äöü', 42])
            strokes = random_line(rng) if rng.random() < 0.6 else bad_strokes(rng)[1]
            yield strokes, text


def fuzz_compile(tally, rng, tmp_path, count):
    for n in range(count):
        source = BadSource(int(rng.integers(1 << 30)))
        tally.tried += source.num_examples - 1  # every line of the source is an input
        tally.attempt('compile_dataset', f'source seed {source.seed}',
                      lambda: compile_dataset(source, Pipeline.named('default'),
                                              str(tmp_path / f'compiled{n}'), progress=False),
                      lambda meta: meta['skipped']['count'] > 0,
                      allowed=(ValueError, CompileError))


def damaged_folders(model_dir, tmp_path):
    """-> (description, folder) of model folders with a file missing or damaged."""
    cases = []
    for name in ('model.keras', 'recognizer.json'):
        for damage in ('missing', 'empty', 'truncated', 'garbage', 'a folder'):
            folder = tmp_path / f'{name}-{damage}'
            shutil.copytree(model_dir, folder)
            path = folder / name
            data = path.read_bytes()
            path.unlink()
            if damage == 'empty':
                path.write_bytes(b'')
            elif damage == 'truncated':
                path.write_bytes(data[:len(data) // 2])
            elif damage == 'garbage':
                path.write_bytes(bytes(range(256)) * 4)
            elif damage == 'a folder':
                path.mkdir()
            cases.append((f'{name} {damage}', folder))
    config = json.loads((model_dir / 'recognizer.json').read_text())
    for key in ('char_table', 'preprocessing', 'architecture', 'format'):
        for value in ('missing', None, 'text', []):
            folder = tmp_path / f'config-{key}-{value}'
            shutil.copytree(model_dir, folder)
            changed = dict(config)
            if value == 'missing':
                del changed[key]
            else:
                changed[key] = value
            (folder / 'recognizer.json').write_text(json.dumps(changed))
            cases.append((f'recognizer.json with {key}: {value}', folder))
    cases.append(('no folder', tmp_path / 'nothing'))
    return cases


def fuzz_model_folders(tally, model_dir, tmp_path):
    for description, folder in damaged_folders(model_dir, tmp_path / 'folders'):
        tally.attempt('Recognizer.load', description, lambda: Recognizer.load(str(folder)),
                      lambda recognizer: isinstance(recognizer, Recognizer))


@pytest.fixture(scope='module')
def model_dir(tmp_path_factory):
    from data.charset import CharTable
    rng = np.random.default_rng(0)
    pipeline = fitted_pipeline([random_line(rng) for _ in range(5)])
    return make_model_folder(tmp_path_factory.mktemp('fuzz') / 'model',
                             CharTable(list(CHARACTERS)), pipeline)


def test_bad_inputs_give_value_errors_or_results(model_dir, tmp_path):
    pytest.importorskip('algorithms._token_passing', reason='C++ decoder not built')
    from algorithms.token_passing import TokenPassingDecoder
    start, rng, tally = time.time(), np.random.default_rng(SEED), Tally()
    lm = tmp_path / 'lm.arpa'
    write_arpa(build_bigram_lm(TEXTS), lm)
    fuzz_decoder(tally, rng, TokenPassingDecoder(CHARACTERS, str(lm)), 6000)
    fuzz_arpa(tally, rng, tmp_path, 2000)
    fuzz_recognizer(tally, rng, Recognizer.load(str(model_dir)), 1500)
    fuzz_compile(tally, rng, tmp_path, 8)
    fuzz_model_folders(tally, model_dir, tmp_path)
    print(f'\nfuzz: {tally.tried} inputs in {time.time() - start:.1f} s (seed {SEED})')
    for (surface, outcome), n in sorted(tally.outcomes.items()):
        print(f'  {surface:28s} {outcome:18s} {n}')
    assert tally.tried >= 10_000
    for surface in ('decode', 'read_arpa', 'recognize', 'recognize_batch', 'compile_dataset',
                    'Recognizer.load'):  # each surface saw both bad input and good
        outcomes = {outcome for s, outcome in tally.outcomes if s == surface}
        assert 'result' in outcomes, surface  # compile skips its bad lines, errs on none:
        assert outcomes - {'result'} or surface == 'compile_dataset', surface


@pytest.mark.parametrize('surface, count', [('inkml', 300), ('ink_file', 300), ('json', 1000),
                                            ('http', 300), ('model_folder', 300),
                                            ('recognize', 300), ('arpa', 500)])
def test_hostile_inputs_get_the_projects_error_or_a_checked_result(surface, count, tmp_path):
    """Each answer is a result that passed its check (finite points within range, a model
    whose parts fit, an HTTP answer below 500 with a JSON message from the service), or the
    surface's own error with a one-line message; both kinds occur."""
    from hostile_inputs import Context, run_surface
    if surface == 'http' and not os.path.isdir(os.path.join(ROOT, 'weights', 'synthetic')):
        pytest.skip('weights/synthetic missing')
    tally = run_surface(surface, count, seed=SEED, context=Context(tmp_path))
    print('\n' + '\n'.join(tally.lines()))
    assert tally.crashes == []
    kinds = {kind for s, kind in tally.kinds if s == surface}
    expected = {'inkml': {'result', 'InkmlError'}, 'ink_file': {'result', 'InkFileError'},
                'json': {'result', 'InkFileError'}, 'model_folder': {'result', 'ModelFolderError'},
                'http': {'HTTP 200', 'HTTP 400', 'HTTP 404', 'HTTP 405', 'HTTP 413'},
                'recognize': {'result', 'BadExample'},
                'arpa': {'result', 'ValueError'}}[surface]
    assert expected <= kinds, kinds
