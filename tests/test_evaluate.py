"""evaluate.py end to end: a tiny compiled data set, a random model, per-line output files,
and one clear line with a non-zero exit for bad input."""
import csv
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import evaluate
from algorithms.error_rates import edit_distance
from algorithms.language_model import text_words
from data.base import BaseSource
from data.compiling import compile_dataset
from data.dataset_format import open_dataset
from data.preprocessing import Pipeline
from models.model_folder import read_config, trained_on
from test_recognizer import fitted_pipeline, make_model_folder, random_line

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = ['ab', 'ba', 'cab', 'a', 'bc']


class TinySource(BaseSource):
    """Random pen walks labelled with two or three random words."""

    def __init__(self, num_examples=30, seed=0):
        self.num_examples, self.seed = num_examples, seed

    def get_sequences(self):
        rng = np.random.default_rng(self.seed)
        for _ in range(self.num_examples):
            text = ' '.join(rng.choice(WORDS, size=rng.integers(2, 4)))
            yield random_line(rng, num_strokes=len(text), points=8), text

    def __len__(self):
        return self.num_examples


@pytest.fixture(scope='module')
def dataset_dir(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp('datasets') / 'tiny')
    compile_dataset(TinySource(), Pipeline.named('default'), folder, fractions=(0.2, 0.3),
                    progress=False)
    return folder


@pytest.fixture(scope='module')
def model_dir(tmp_path_factory, dataset_dir):
    dataset = open_dataset(dataset_dir)
    folder = tmp_path_factory.mktemp('weights') / 'tiny'
    return str(make_model_folder(folder, dataset.char_table, dataset.pipeline,
                                 dataset=dataset_dir))


def test_writes_csv_for_the_first_lines(model_dir, tmp_path, capsys):
    output = str(tmp_path / 'results.csv')
    evaluate.main(['--model', model_dir, '--limit', '3', '--output', output])
    printed = capsys.readouterr().out
    assert 'CER' in printed and 'WER' in printed and 'lines 3' in printed
    assert 'time per line' in printed and ' -> ' in printed
    with open(output, encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3
    assert set(rows[0]) == {'id', 'truth', 'prediction', 'char_edits', 'chars', 'word_edits',
                            'words'}


def test_writes_jsonl_for_a_whole_split(model_dir, dataset_dir, tmp_path):
    output = str(tmp_path / 'results.jsonl')
    evaluate.main(['--model', model_dir, '--dataset', dataset_dir, '--split', 'validation',
                   '--batch_size', '2', '--output', output])
    with open(output, encoding='utf-8') as f:
        rows = [json.loads(line) for line in f]
    split = open_dataset(dataset_dir).split('validation')
    assert [r['truth'] for r in rows] == split.texts
    assert [r['id'] for r in rows] == split.ids
    for r in rows:
        assert r['char_edits'] == edit_distance(r['truth'], r['prediction'])
        assert r['chars'] == len(r['truth'])


def test_token_passing_writes_dictionary_words(model_dir, tmp_path):
    pytest.importorskip('algorithms._token_passing', reason='C++ decoder not built')
    from algorithms.language_model import build_bigram_lm, write_arpa
    lm = str(tmp_path / 'lm.arpa')
    write_arpa(build_bigram_lm(WORDS), lm)
    output = str(tmp_path / 'results.jsonl')
    evaluate.main(['--model', model_dir, '--decoder', 'token_passing', '--lm', lm,
                   '--word_penalty', '-1', '--output', output])
    with open(output, encoding='utf-8') as f:
        predictions = [json.loads(line)['prediction'] for line in f]
    # what must come out: the Python reference decoder on the network's probabilities
    from algorithms.token_passing_reference import TokenPassingDecoder
    from models.recognizer import Recognizer
    split = open_dataset(trained_on(read_config(model_dir), model_dir)).split('test')
    probabilities = Recognizer.load(model_dir).probabilities(
        [split.features(i) for i in range(len(split))])
    reference = TokenPassingDecoder(read_config(model_dir)['char_table']['characters'], lm,
                                    word_penalty=-1)
    assert predictions == [reference.decode(p) for p in probabilities]
    # words are written from the dictionary only (a line may be all spaces and apostrophes)
    assert all(set(text_words(p)) <= set(WORDS) for p in predictions)


def test_decodes_as_the_folder_reads_best(model_dir, tmp_path, capsys):
    """Best path, with one note, while the folder has no language model; token passing by
    itself once it has one."""
    pytest.importorskip('algorithms._token_passing', reason='C++ decoder not built')
    from algorithms.language_model import build_bigram_lm, write_arpa
    folder = str(tmp_path / 'model')
    shutil.copytree(model_dir, folder)
    evaluate.main(['--model', folder, '--limit', '2'])
    printed = capsys.readouterr()
    assert '(test, best_path)' in printed.out
    assert printed.err == f'evaluate.py: note: {folder} has no language model (lm.arpa): ' \
                          'decoding by best path (build_lm.py writes one)\n'
    write_arpa(build_bigram_lm(WORDS), os.path.join(folder, 'lm.arpa'))
    evaluate.main(['--model', folder, '--limit', '2'])
    printed = capsys.readouterr()
    assert '(test, token_passing)' in printed.out and printed.err == ''


def test_refuses_a_model_with_other_preprocessing(tmp_path, dataset_dir):
    dataset = open_dataset(dataset_dir)
    lines = [random_line(np.random.default_rng(1)) for _ in range(3)]
    other = make_model_folder(tmp_path / 'other', dataset.char_table, fitted_pipeline(lines))
    with pytest.raises(SystemExit, match='other pre-processing than .*parameters of standardize differ'):
        evaluate.main(['--model', str(other), '--dataset', dataset_dir])


@pytest.mark.parametrize('relative, refused', [(3e-7, False), (1e-3, True)])
def test_standardize_fitted_again_to_its_last_digits_is_the_same(tmp_path, dataset_dir, model_dir,
                                                                relative, refused):
    """Compiling the same lines again elsewhere moved std by 3e-7 of its value: not a change."""
    folder = tmp_path / 'moved'
    shutil.copytree(model_dir, folder)
    config = json.loads((folder / 'recognizer.json').read_text())
    params = config['preprocessing']['steps'][-1]['params']
    assert config['preprocessing']['steps'][-1]['name'] == 'standardize'
    params['std'] = [s * (1 + relative) for s in params['std']]
    (folder / 'recognizer.json').write_text(json.dumps(config))
    args = ['--model', str(folder), '--dataset', dataset_dir, '--limit', '2']
    if refused:
        with pytest.raises(SystemExit, match='parameters of standardize differ'):
            evaluate.main(args)
    else:
        evaluate.main(args)


def run_script(*args):
    return subprocess.run([sys.executable, 'evaluate.py', *args], cwd=ROOT,
                          capture_output=True, text=True)


@pytest.mark.parametrize('args, message', [
    (['--model', 'weights/no_such_model'], 'model folder not found'),
    (['--dataset', 'datasets/no_such_data'], 'no compiled data set'),
])
def test_bad_paths_exit_with_one_line(model_dir, args, message):
    args = ['--model', model_dir, *args] if args[0] == '--dataset' else args
    result = run_script(*args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('evaluate.py: error: ')
    assert message in result.stderr and 'Traceback' not in result.stderr


@pytest.mark.parametrize('args, message', [
    (['--split', 'dev'], "invalid choice: 'dev'"),
    (['--output', 'results.txt'], '.csv or .jsonl'),
    (['--limit', '0'], '--limit must be at least 1'),
    (['--decoder', 'best_path', '--lm', 'x.arpa'], "token passing's"),
])
def test_bad_options_are_usage_errors(args, message):
    result = run_script(*args)
    assert result.returncode == 2
    assert message in result.stderr and 'Traceback' not in result.stderr
