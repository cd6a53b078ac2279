"""The README and docs/ stay true: their commands run as written, with tiny sizes where they train.

Every `python ...` command of a ```bash block or a plain ``` block (a line, its `\`
continuations joined, perhaps after `VAR=value`) of README.md and of each page of docs/ (in
DOCS' order, after the README's) either runs here, in order, in one scratch folder (so that
the repository's datasets/ and weights/ are left alone; several in one Python process, as
tests/script_runner.py runs them, so that TensorFlow starts a few times, not thirty), or is
listed in SKIPPED (by how it starts) or SKIPPED_CONTAINING with the test that covers it. A
new command fails this test until it is one or the other; a new page fails it until DOCS
names it.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from models.model_folder import DEFAULT_MODEL

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The pages of docs/ in the order their commands run: a page may use what an earlier one made.
DOCS = ['your-own-data.md', 'training.md', 'evaluating.md', 'decoding.md',
        'recognizing-ink.md', 'pages.md', 'adaptation.md', 'service.md', 'tk-demo.md', 'web.md', 'iam-ondb.md',
        'iam-studies.md', 'error-breakdown.md', 'pretraining.md', 'synthetic-source.md',
        'shipped-models.md', 'benchmarks.md']


def read(path):
    with open(os.path.join(ROOT, path), encoding='utf-8') as f:
        return f.read()


README = read('README.md')
PAGES = ['README.md', *(os.path.join('docs', name) for name in DOCS)]

SKIPPED = {
    'python demo/draw.py': 'opens a window: tests/test_demo.py drives it under Xvfb',
    'python demo/web/serve.py': 'serves until stopped: tests/test_deploy.py drives the page',
    'python serve.py': 'serves until stopped: tests/test_serve.py drives it',
    'python adapt.py': 'adapts weights/iam on your own lines (tens of seconds): '
                       'tests/test_adapt_cli.py runs it on made-up ink',
    'python benchmarks/': 'benchmarks are run by hand and print figures',
    'python studies/': 'studies are run by hand and print figures (most need IAM-OnDB or '
                       'trained models)',
}
SKIPPED_CONTAINING = {
    'datasets/iam': 'needs IAM-OnDB, which users download themselves: tests/test_iam.py '
                    'reads made-up files of its layout',
    'weights/iam-': 'a model trained on IAM-OnDB (see datasets/iam)',
    'TF_CONFIG=': 'needs several machines: tests/test_multiworker.py trains two workers '
                  'on 127.0.0.1',
}
# A one-epoch run keeps one checkpoint, so average.py averages that one here. 30 lines (23
# to train on) are enough for every command; the trainings are mostly their graphs' tracing.
TINY = [(r'--num_examples=\d+', '--num_examples=30'), (r'--epochs[ =]\d+', '--epochs=1'),
        (r'--last \d+', '--last 1')]
TRAINING_SCRIPTS = ('python train.py',)
# The commands run in one process each run of them (tests/script_runner.py: TensorFlow
# starts once, not once a command), except that these options, which set TensorFlow up
# before it starts, begin a new process.
FRESH_PROCESS = ('--threads',)
RUNNER = os.path.join(ROOT, 'tests', 'script_runner.py')


def fenced_blocks(text=README):
    """-> [(language, text)] of every fenced block; language '' for a plain fence."""
    found, language, lines = [], None, []
    for line in text.splitlines():
        if line.startswith('```') and language is None:
            language, lines = line[3:].strip(), []
        elif line.startswith('```'):
            found.append((language, '\n'.join(lines) + '\n'))
            language = None
        elif language is not None:
            lines.append(line)
    return found


def blocks(language, text=README):
    return [block for lang, block in fenced_blocks(text) if lang == language]


def page_commands(text):
    """Python commands of one page's bash and plain blocks, continuation lines joined."""
    for block in blocks('bash', text) + blocks('', text):
        for line in block.replace('\\\n', ' ').splitlines():
            command = ' '.join(line.split('  #')[0].split())
            if command.startswith('python ') or (re.match(r'[A-Z_]+=', command)
                                                 and ' python ' in command):
                yield command


def readme_commands():
    """The commands of README.md, then of each page of docs/ in DOCS' order."""
    for page in PAGES:
        yield from page_commands(read(page))


def skipped(command) -> bool:
    return command.startswith(tuple(SKIPPED)) or any(s in command for s in SKIPPED_CONTAINING)


def tiny(command):
    for pattern, replacement in TINY:
        command = re.sub(pattern, replacement, command)
    if command.startswith(TRAINING_SCRIPTS) and '--epochs' not in command:
        command += ' --epochs=1'
    return command


def test_every_page_of_docs_is_listed_and_linked_from_the_readme():
    assert sorted(DOCS) == sorted(n for n in os.listdir(os.path.join(ROOT, 'docs'))
                                  if n.endswith('.md'))
    for name in DOCS:
        assert f'](docs/{name})' in README, f'README.md does not link docs/{name}'


def test_pictures_and_links_between_pages_lead_somewhere():
    for page in PAGES:
        folder = os.path.dirname(os.path.join(ROOT, page))
        for target in re.findall(r'\]\(([^)#:\s]+)(?:#[^)]*)?\)', read(page)):
            assert os.path.exists(os.path.join(folder, target)), f'{page}: {target}'


def test_readme_is_a_users_guide():
    assert README.count('\n') <= 400


def test_ci_runs_the_readme_test_command():
    quick_start = blocks('bash')[:2]
    assert quick_start[0].strip() == 'bash setup.sh && .venv/bin/python quickstart.py'
    test_command = quick_start[1].strip()
    with open(os.path.join(ROOT, '.ci', 'run'), encoding='utf-8') as f:
        assert f.read().strip().splitlines()[-1] == test_command


def test_every_command_is_run_or_covered_elsewhere():
    commands = list(readme_commands())
    assert len(commands) > 10
    for command in commands:
        assert skipped(command) or command.startswith((
            'python compile.py', 'python train.py', 'python average.py', 'python evaluate.py',
            'python build_lm.py',
            'python deploy.py', 'python quickstart.py', 'python -m models.training.curves',
            'python recognize.py')), command


def test_commands_in_plain_blocks_are_seen_and_listed_as_skipped(capsys):
    commands = list(readme_commands())
    for needle in SKIPPED_CONTAINING:
        covered = [c for c in commands if needle in c]
        assert covered, f'no README command contains {needle}'
        for command in covered:
            print(f'not run: {command}\n  ({SKIPPED_CONTAINING[needle]})')
    assert any(c.startswith('TF_CONFIG=') and 'python train.py --distribute' in c
               for c in commands)


def scratch_folder(tmp_path):
    """Where the README's commands run: the shipped model copied in (commands may overwrite
    it there), the README's own source file written out."""
    shutil.copytree(os.path.join(ROOT, 'weights', 'synthetic'), tmp_path / 'weights' / 'synthetic',
                    ignore=shutil.ignore_patterns('training'))
    if not (tmp_path / DEFAULT_MODEL).exists():  # what recognize.py reads without --model
        shutil.copytree(os.path.join(ROOT, DEFAULT_MODEL), tmp_path / DEFAULT_MODEL,
                        ignore=shutil.ignore_patterns('training'))
    (tmp_path / 'docs').mkdir()
    shutil.copytree(os.path.join(ROOT, 'examples'), tmp_path / 'examples')
    source = next(b for b in blocks('python') if 'class MyDataProvider' in b)
    (tmp_path / 'my_provider.py').write_text(source)
    return tmp_path


def argv(command):
    """[script path or '-m', ...] of a `python ...` command, as a new process would get it."""
    args = command.split()
    if args[1] == '-m':
        return args[1:]
    return [os.path.join(ROOT, args[1]), *args[2:]]


def run(command, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, *argv(command)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def processes(commands):
    """The commands in runs of one process each (tests/script_runner.py): a command with
    an option that must act before TensorFlow starts begins a new one."""
    runs = []
    for command in commands:
        if not runs or any(option in command.split() for option in FRESH_PROCESS):
            runs.append([])
        runs[-1].append(command)
    return runs


def run_in_one_process(commands, cwd, logs):
    """tests/script_runner.py runs `commands` one after another in `cwd` (their output in
    the new folder `logs`); each must exit 0 and print no traceback."""
    logs.mkdir()
    listed = [{'argv': argv(c), 'log': str(logs / f'{i:02d}.log')}
              for i, c in enumerate(commands)]
    (logs / 'commands.json').write_text(json.dumps(listed))
    done = subprocess.run([sys.executable, RUNNER, str(logs / 'commands.json')], cwd=cwd,
                          env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True,
                          text=True, timeout=1800)
    statuses = [json.loads(line)['exit'] for line in done.stdout.splitlines()]
    for command, status, listing in zip(commands, statuses, listed):
        output = open(listing['log'], encoding='utf-8').read()
        assert status == 0, f'{command}\n{output[-5000:]}'
        assert 'Traceback' not in output, f'{command}\n{output[-5000:]}'
    assert done.returncode == 0 and len(statuses) == len(commands), done.stderr[-3000:]


@pytest.mark.slow
def test_readme_commands_run_as_written(tmp_path):
    cwd = scratch_folder(tmp_path / 'scratch')
    ran = []
    for command in readme_commands():
        if not skipped(command) and command not in ran:  # a page may repeat the README's
            ran.append(command)
    for n, commands in enumerate(processes([tiny(c) for c in ran])):
        run_in_one_process(commands, cwd, tmp_path / f'process{n}')
    assert len(ran) >= 12
    assert (cwd / 'datasets' / 'mydataprovider' / 'meta.json').is_file()
    assert (cwd / 'weights' / 'deployed' / os.path.basename(DEFAULT_MODEL) / 'model.json').is_file()
    assert (cwd / 'docs' / 'training_curves.png').is_file()
    assert (cwd / 'results.csv').is_file()
    assert (cwd / 'weights' / 'deployed' / 'synthetic-2x64' / 'model.json').is_file()


@pytest.mark.slow
def test_quickstart_runs_to_the_end(tmp_path):
    done = run('python quickstart.py --lines 30 --epochs 1', tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r'truth: .+\n    read:  .+', done.stdout)
    assert re.search(r'CER \d+\.\d%, WER \d+\.\d% with best path', done.stdout)
    assert re.search(r'CER \d+\.\d%, WER \d+\.\d% with token passing', done.stdout)
    assert 'python demo/draw.py ' in done.stdout and '--model' not in done.stdout.split('next')[-1]
    assert (tmp_path / 'weights' / 'quickstart' / 'lm.arpa').is_file()


@pytest.mark.slow
def test_python_api_in_five_lines(monkeypatch, capsys):
    """The README's Python block, run in this process (it is about the library, whose
    TensorFlow is then already started) from the repository's root."""
    block = next(b for b in blocks('python') if 'Recognizer.load' in b)
    monkeypatch.chdir(ROOT)
    exec(compile(block, 'README.md', 'exec'), {'__name__': '__main__'})
    assert capsys.readouterr().out.count('\n') == 1  # the recognized text, one line
