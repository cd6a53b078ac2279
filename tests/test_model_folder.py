"""A model folder is checked whole when it loads: each damaged or mismatched part is one
ModelFolderError naming the file (and, for two files that do not belong together, both)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from data.charset import CharTable
from data.preprocessing import Pipeline
from models.model_folder import ModelFolderError, load_model_folder, write_config
from models.recognizer import Recognizer
from test_recognizer import CHARACTERS, fitted_pipeline, make_model_folder, random_line

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope='module')
def pipeline():
    import numpy as np
    rng = np.random.default_rng(0)
    return fitted_pipeline([random_line(rng) for _ in range(5)])


@pytest.fixture(scope='module')
def model_dir(tmp_path_factory, pipeline):
    return make_model_folder(tmp_path_factory.mktemp('folder') / 'tiny', CharTable(CHARACTERS),
                             pipeline)


def copy(model_dir, tmp_path):
    return shutil.copytree(model_dir, tmp_path / 'copy')


def rewrite_config(folder, change):
    path = folder / 'recognizer.json'
    config = json.loads(path.read_text())
    change(config)
    path.write_text(json.dumps(config))


def test_a_character_table_of_another_model_is_refused_naming_both_files(model_dir, pipeline,
                                                                          tmp_path):
    folder = copy(model_dir, tmp_path)
    write_config(folder, CharTable(CHARACTERS + 'xyz'), pipeline, {})
    with pytest.raises(ModelFolderError) as error:
        Recognizer.load(str(folder))
    message = str(error.value)
    assert 'do not belong together' in message
    assert '7 characters (8 classes with the blank)' in message
    assert 'model.keras outputs 5 classes' in message


def test_pre_processing_of_another_width_is_refused(model_dir, tmp_path):
    folder = copy(model_dir, tmp_path)
    wider = Pipeline.named('deslanted_height')  # 5 features; the network reads 4
    wider.steps[-1] = type(wider.steps[-1])(mean=[0.0, 0.0, 0.1], std=[1.0, 1.0, 0.1])
    write_config(folder, CharTable(CHARACTERS), wider, {})
    with pytest.raises(ModelFolderError, match="pre-processing makes 5 features, .*model.keras "
                                               "reads 4"):
        load_model_folder(str(folder))


@pytest.mark.parametrize('content, message', [
    ('[1, 2]', 'holds a JSON list, not the object train.py writes'),
    ('"text"', 'holds a JSON str'),
    ('[' * 100_000, 'is unreadable'),
    (b'\xff\xfe\x00garbage', 'is unreadable'),
])
def test_a_recognizer_json_that_is_no_object_is_refused(model_dir, tmp_path, content, message):
    folder = copy(model_dir, tmp_path)
    path = folder / 'recognizer.json'
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for load in (lambda: Recognizer.load(str(folder)),
                 lambda: Recognizer.load(str(folder), decoder='token_passing')):
        with pytest.raises(ModelFolderError, match=message):
            load()


@pytest.mark.parametrize('change, message', [
    (lambda c: c['char_table'].update(characters=[1, 2, 3]), 'one-character strings'),
    (lambda c: c['char_table'].update(characters='abc '), 'one-character strings'),
    (lambda c: c['char_table'].update(characters=['ab', 'c']), 'one-character strings'),
    (lambda c: c['preprocessing']['steps'][-1]['params'].update(mean=[0, 0]),
     'pre-processing steps do not work'),
    (lambda c: c['preprocessing']['steps'][-1]['params'].update(mean=None),
     'pre-processing steps do not work'),
    (lambda c: c['preprocessing']['steps'][-1]['params'].update(std='x'),
     'pre-processing steps do not work'),
    (lambda c: c['preprocessing']['steps'][1]['params'].update(step=-1),
     'no valid character table and pre-processing'),
])
def test_a_recognizer_json_with_parts_of_the_wrong_kind_is_refused(model_dir, tmp_path, change,
                                                                   message):
    folder = copy(model_dir, tmp_path)
    rewrite_config(folder, change)
    with pytest.raises(ModelFolderError, match=message):
        load_model_folder(str(folder))


def test_a_truncated_network_is_called_damaged_not_missing(model_dir, tmp_path):
    folder = copy(model_dir, tmp_path)
    data = (folder / 'model.keras').read_bytes()
    (folder / 'model.keras').write_bytes(data[:len(data) // 2])
    with pytest.raises(ModelFolderError, match='model.keras is damaged or truncated'):
        Recognizer.load(str(folder))


def test_the_default_model_is_found_from_any_working_directory(tmp_path):
    found = subprocess.run(
        [sys.executable, '-c', 'from models.model_folder import DEFAULT_MODEL; '
                               'print(DEFAULT_MODEL)'],
        cwd=tmp_path, env={**os.environ, 'PYTHONPATH': PROJECT}, capture_output=True,
        text=True, check=True).stdout.strip()
    assert found == os.path.join(PROJECT, 'weights', 'iam')
    assert os.path.isfile(os.path.join(found, 'recognizer.json'))
