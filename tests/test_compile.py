import json
import os
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

from data import BaseSource
from data.charset import ctc_min_frames
from data.compiling import CompileError, compile_dataset
from data.dataset_format import open_dataset
from data.preprocessing import Pipeline
from data.sources import SourceError, load_source_class, make_source, parse_options

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = ['ab', 'ba', 'cab', 'abc', 'a', 'cc']


def wave_line(i):
    """A line whose ink depends on its index, long enough for CTC."""
    text = WORDS[i % len(WORDS)] + str(i % 3)
    t = np.linspace(0, 1, 12 * len(text))
    x = 40 * t + i
    y = 10 * np.sin(6 * t + i) + 3 * i
    mid = len(t) // 2
    stroke = np.stack([x, y, t], axis=1)
    return [stroke[:mid].tolist(), stroke[mid:].tolist()], text


class WaveSource(BaseSource):
    def __init__(self, num_examples, broken=()):
        self.num_examples, self.broken = num_examples, set(broken)

    def get_sequences(self):
        for i in range(self.num_examples):
            strokes, text = wave_line(i)
            if i in self.broken:
                strokes = [[(0, 0, 0), (float('nan'), 1, 1)]]
            yield strokes, text

    def __len__(self):
        return self.num_examples

    def options(self):
        return {'broken': sorted(self.broken)}


def test_compiled_set_restores_texts_features_and_pipeline(tmp_path):
    folder = tmp_path / 'wave'
    meta = compile_dataset(WaveSource(60, broken=[5, 9]), Pipeline.named('default'), folder,
                           progress=False)
    assert meta['skipped']['count'] == 2 and meta['skipped']['first_ids'] == ['5', '9']
    assert meta['skipped']['reasons'] == {'NaN or inf in the points': 2}
    assert sum(meta['counts'].values()) == 58
    assert sorted(os.listdir(folder)) == ['meta.json', 'test.h5', 'train.h5', 'validation.h5']

    dataset = open_dataset(folder)
    pipeline, table = dataset.pipeline, dataset.char_table
    seen = {}
    for split in ('train', 'validation', 'test'):
        data = dataset.split(split)
        assert len(data) == meta['counts'][split]
        assert data.lengths.sum() == meta['frames'][split]
        for i in range(len(data)):
            features, labels, text = data[i]
            line = int(data.ids[i])
            strokes, true_text = wave_line(line)
            assert text == true_text and isinstance(text, str)
            assert np.isfinite(features).all() and features.dtype == np.float32
            assert features.shape == (data.lengths[i], 4)
            # the stored features are exactly what the restored pipeline computes
            from data.base import validate_handwriting
            np.testing.assert_allclose(features, pipeline(validate_handwriting(strokes)),
                                       rtol=1e-5, atol=1e-5)
            if split == 'train':
                assert table.decode(labels) == text
            seen[line] = split
    assert sorted(seen) == [i for i in range(60) if i not in (5, 9)]
    train = dataset.split('train')
    all_train = np.concatenate([train.features(i) for i in range(len(train))])
    assert np.abs(all_train[:, :3].mean(axis=0)).max() < 1e-4  # fitted on train only
    assert np.abs(all_train[:, :3].std(axis=0) - 1).max() < 1e-3


def test_split_is_seeded(tmp_path):
    a = compile_dataset(WaveSource(40), Pipeline.named('default'), tmp_path / 'a', seed=3,
                        progress=False)
    b = compile_dataset(WaveSource(40), Pipeline.named('default'), tmp_path / 'b', seed=3,
                        progress=False)
    compile_dataset(WaveSource(40), Pipeline.named('default'), tmp_path / 'c', seed=4,
                    progress=False)
    ids = lambda name: open_dataset(tmp_path / name).split('test').ids
    assert a['counts'] == b['counts'] and ids('a') == ids('b')
    assert ids('a') != ids('c')


def test_unknown_characters_are_counted_not_guessed(tmp_path):
    class Source(WaveSource):
        def get_examples(self):
            from data.base import Example
            for i in range(self.num_examples):
                strokes, _ = wave_line(i)
                yield Example(f'l{i}', strokes, 'xyz' if i < 20 else 'q!',
                              'train' if i < 20 else 'test')
    meta = compile_dataset(Source(24), Pipeline.named('default'), tmp_path / 'u', progress=False)
    assert meta['counts'] == {'train': 20, 'validation': 0, 'test': 4}
    assert meta['unknown_characters'] == {'test': {'q': 4, '!': 4}}
    test = open_dataset(tmp_path / 'u').split('test')
    assert test[0][2] == 'q!' and len(test[0][1]) == 0


def test_existing_folder_needs_overwrite_and_partial_is_never_complete(tmp_path):
    folder = tmp_path / 'w'
    compile_dataset(WaveSource(20), Pipeline.named('default'), folder, progress=False)
    with pytest.raises(CompileError, match='--overwrite'):
        compile_dataset(WaveSource(20), Pipeline.named('default'), folder, progress=False)

    class Interrupted(WaveSource):
        def get_sequences(self):
            yield from list(super().get_sequences())[:10]
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compile_dataset(Interrupted(20), Pipeline.named('default'), tmp_path / 'x',
                        progress=False)
    assert not (tmp_path / 'x').exists()
    assert not (tmp_path / '.x.partial' / 'meta.json').exists()
    compile_dataset(WaveSource(30), Pipeline.named('default'), folder, overwrite=True,
                    progress=False)
    assert sum(json.loads((folder / 'meta.json').read_text())['counts'].values()) == 30


def test_strict_stops_at_the_first_bad_example(tmp_path):
    from data.base import BadExample
    with pytest.raises(BadExample, match='example 2: NaN'):
        compile_dataset(WaveSource(10, broken=[2]), Pipeline.named('default'), tmp_path / 's',
                        strict=True, progress=False)


@pytest.mark.parametrize('strokes, reason', [
    ([np.zeros((3, 3)), np.array([[0.0, 1.0, np.inf]])], 'NaN or inf in the points'),
    ([np.zeros((3, 3)), np.zeros((0, 3))], 'empty stroke'),
    ([np.zeros((3, 2))], 'stroke is not a list of (x, y, t) points'),
    ([np.zeros((1, 3))], 'too few points'),
    ([], 'empty handwriting')])
def test_well_formed_looking_arrays_are_still_checked(strokes, reason):
    """float64 arrays take validate_handwriting's one-pass check; its faults still tell."""
    from data.base import BadExample, validate_handwriting
    with pytest.raises(BadExample) as e:
        validate_handwriting(strokes, 'x')
    assert e.value.reason == reason
    good = [np.zeros((3, 3)), np.ones((2, 3))]
    assert all(a is b for a, b in zip(validate_handwriting(good), good))


def test_min_frames_counts_blanks_between_repeats():
    assert ctc_min_frames('ab') == 2 and ctc_min_frames('aab') == 4 and ctc_min_frames('aaa') == 5


def test_reader_reads_h5_without_loading_sequences(tmp_path):
    compile_dataset(WaveSource(30), Pipeline.named('default'), tmp_path / 'r', progress=False)
    data = open_dataset(tmp_path / 'r').split('train')
    with h5py.File(data.path) as f:
        assert f['features'].shape[0] == data.lengths.sum()
    assert data.label_lengths.tolist() == [len(t) for t in data.texts]
    with pytest.raises(IndexError, match='out of range'):
        data[len(data)]
    with pytest.raises(ValueError, match='keeps no raw ink'):
        data.strokes(0)


@pytest.mark.parametrize('split', ['validation', 'test'])
def test_validation_and_test_splits_keep_the_raw_ink(tmp_path, split):
    compile_dataset(WaveSource(40), Pipeline.named('default'), tmp_path / 'k', progress=False)
    test = open_dataset(tmp_path / 'k').split(split)
    assert test.has_ink and len(test) > 0
    for i in range(len(test)):
        strokes, _ = wave_line(int(test.ids[i]))
        got = test.strokes(i)
        assert len(got) == len(strokes)
        for a, b in zip(got, strokes):
            np.testing.assert_array_equal(a, np.asarray(b))


def test_ink_split_is_validation_where_the_test_split_is_empty(tmp_path):
    compile_dataset(WaveSource(40), Pipeline.named('default'), tmp_path / 'a', progress=False)
    compile_dataset(WaveSource(40), Pipeline.named('default'), tmp_path / 'b',
                    fractions=(0.25, 0.0), progress=False)
    with_test, without = open_dataset(tmp_path / 'a'), open_dataset(tmp_path / 'b')
    assert with_test.ink_split().path == with_test.split('test').path
    assert without.ink_split().path == without.split('validation').path
    assert len(without.ink_split()) > 0 and without.ink_split().has_ink


def test_source_lookup(tmp_path):
    assert load_source_class('synthetic').__name__ == 'SyntheticSource'
    assert load_source_class('IamSource').__name__ == 'IamSource'
    path = tmp_path / 'mine.py'
    path.write_text('from data import BaseSource\nclass Mine(BaseSource):\n'
                    '    def __init__(self, n, flavour="x"):\n        self.n = n\n'
                    '        self.flavour = flavour\n')
    source = make_source(f'{path}:Mine', 5, parse_options(['flavour="y"']))
    assert source.n == 5 and source.flavour == 'y'
    with pytest.raises(SourceError, match='no class'):
        load_source_class(f'{path}:Other')
    with pytest.raises(SourceError, match='not found'):
        load_source_class('nowhere.py:Mine')
    with pytest.raises(SourceError, match='unknown source'):
        load_source_class('magic')
    with pytest.raises(SourceError, match='cannot create Mine'):
        make_source(f'{path}:Mine', 5, {'colour': 1})
    assert parse_options(['a=3', 'b=text', 'c=[1, 2]']) == {'a': 3, 'b': 'text', 'c': [1, 2]}
    with pytest.raises(SourceError, match='KEY=VALUE'):
        parse_options(['novalue'])


README_SOURCE = textwrap.dedent('''
    from data import BaseSource


    class MyDataProvider(BaseSource):
        def __init__(self, num_lines):
            self._num_lines = num_lines

        def get_sequences(self):
            for i in range(self._num_lines):
                handwriting = [[(23, 8, 323), (25, 9, 325)], [(55, 2, 340), (58, 2, 380)]]
                transcription = 'foobar'
                yield handwriting, transcription

        def __len__(self):
            return self._num_lines
''')


def run_compile(*args, cwd=ROOT):
    return subprocess.run([sys.executable, os.path.join(ROOT, 'compile.py'), *args, '--no-progress'],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_compile_script_with_the_readme_source(tmp_path):
    (tmp_path / 'my_provider.py').write_text(README_SOURCE)
    datasets = tmp_path / 'datasets'
    done = run_compile('my_provider.py:MyDataProvider', 'default', '--num_examples=20',
                       '--datasets_dir', str(datasets), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert 'wrote' in done.stdout
    meta = json.loads((datasets / 'mydataprovider' / 'meta.json').read_text())
    assert meta['char_table']['characters'] == ['a', 'b', 'f', 'o', 'r']
    assert meta['source']['class'] == 'MyDataProvider'
    again = run_compile('my_provider.py:MyDataProvider', '--num_examples=20',
                        '--datasets_dir', str(datasets), cwd=tmp_path)
    assert again.returncode != 0 and '--overwrite' in again.stderr
    assert 'Traceback' not in again.stderr


@pytest.mark.parametrize('args, message', [
    (['magic'], 'unknown source'),
    (['synthetic', 'fancy'], 'unknown pre-processor'),
    (['synthetic', '--validation_fraction=0.6', '--test_fraction=0.5'], 'split fractions'),
    (['synthetic', '-o', 'novalue'], 'KEY=VALUE'),
])
def test_compile_script_bad_input_is_one_clear_line(tmp_path, args, message):
    done = run_compile(*args, '--datasets_dir', str(tmp_path))
    assert done.returncode != 0
    assert message in done.stderr and 'Traceback' not in done.stderr
