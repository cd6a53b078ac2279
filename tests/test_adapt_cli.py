"""adapt.py on a tiny model folder: ink files of every kind with their text make an adapted
folder that recognize.py reads with; each bad input is one line naming the file."""
import json
import os
import subprocess
import sys

import pytest

import adapt
from data.inkml import lines_to_inkml, to_inkml
from models.adaptation import Recipe
from models.model_folder import read_config
from test_adaptation import TEXTS, base, lines  # noqa: F401 (fixtures)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope='module')
def ink(tmp_path_factory, lines):  # noqa: F811
    """The lines as files: InkML with truth, JSON with text, and an InkML holding two."""
    folder = tmp_path_factory.mktemp('ink')
    (folder / 'one.inkml').write_text(to_inkml(lines[0], TEXTS[0]))
    (folder / 'two.json').write_text(json.dumps({'strokes': lines[1], 'text': TEXTS[1]}))
    (folder / 'three.inkml').write_text(lines_to_inkml([(lines[2], TEXTS[2]),
                                                        (lines[3], TEXTS[3])]))
    return folder


@pytest.mark.slow
def test_adapt_writes_a_folder_that_recognize_reads(base, ink, tmp_path):  # noqa: F811
    output = tmp_path / 'me'
    run = subprocess.run([sys.executable, 'adapt.py', str(ink), '--model', base, '--output',
                          str(output), '--steps', '5'], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    # the check on 3 lines, then all 4
    assert 'checking on 3 of 4 lines: step 5 of 5\n' in run.stderr, run.stderr
    assert 'adapting on all 4 lines: step 5 of 5\n' in run.stderr
    assert 'held-out line' in run.stdout
    assert read_config(str(output))['adapted']['lines'] == 4
    run = subprocess.run([sys.executable, 'recognize.py', str(ink / 'one.inkml'), '--model',
                          str(output)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and run.stdout.startswith(f'{ink / "one.inkml"}: '), run.stderr


def test_the_recipe_flags_default_to_the_recipe():
    args = adapt.parse_args(['one.inkml', '--output', 'me'])
    assert (args.steps, args.learning_rate, args.weights, args.dropout, args.guard,
            args.check) == (Recipe.steps, Recipe.learning_rate, Recipe.weights,
                            Recipe.dropout, Recipe.guard, Recipe.check)
    assert not adapt.parse_args(['one.inkml', '--output', 'me', '--no-dropout']).dropout


def write(path, content):
    path.write_text(content)
    return str(path)


@pytest.mark.parametrize('make, message', [
    (lambda d: str(d / 'missing.inkml'), 'missing.inkml: no such file'),
    (lambda d: str(d), 'no .inkml, .xml, .json files in this folder'),
    (lambda d: write(d / 'bad.json', '{"strokes": [[[0, 0]'), 'bad.json: not JSON'),
    (lambda d: write(d / 'notext.json', json.dumps({'strokes': [[[0, 0, 0], [5, 5, 0.1]]]})),
     'notext.json: the line has no text'),
    (lambda d: write(d / 'z.json', json.dumps({'strokes': [[[0, 0, 0], [5, 5, 0.1]]] * 3,
                                               'text': 'zebra'})),
     "z.json: characters outside the model's table: 'erz'"),
])
def test_bad_input_is_one_line_naming_the_file(base, tmp_path, capsys, make,  # noqa: F811
                                               message):
    with pytest.raises(SystemExit) as exit_:
        adapt.main([make(tmp_path), '--model', base, '--output', str(tmp_path / 'me')])
    assert exit_.value.code == 1
    error = capsys.readouterr().err.strip()
    assert message in error and len(error.splitlines()) == 1, error
    assert not os.path.exists(tmp_path / 'me')


def test_a_bad_model_folder_exits_2(ink, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        adapt.main([str(ink), '--model', str(tmp_path), '--output', str(tmp_path / 'me')])
    assert exit_.value.code == 2
    assert 'is not a model folder' in capsys.readouterr().err
