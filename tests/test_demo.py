"""The Tk demo: its window-free logic (demo/ink.py), its start-up errors, and the window
itself driven for real: Xvfb, real X pointer events from xdotool on the canvas and buttons,
the text read back from the window's title (what it shows) and from its --report, which the
Python Recognizer must match on the same strokes; a screenshot.

To refresh docs/tk_demo.png (the README's picture) with the shipped model, its data set compiled:
    DEMO_MODEL=weights/iam DEMO_SCREENSHOT=docs/tk_demo.png \\
        python -m pytest tests/test_demo.py -k window
"""
import functools
import json
import os
import shutil
import subprocess
import sys
import time
import warnings

import pytest

from algorithms.language_model import text_words
from demo.ink import Ink, fit_to_box, problem, replay_schedule
from demo.recognizer_thread import RecognizerThread

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRAW = os.path.join(ROOT, 'demo', 'draw.py')
TITLE = 'keras-auto-hwr demo'
WAIT = 60  # seconds for any one event; loading TensorFlow on a slow machine takes ~10


# -- demo/ink.py ---------------------------------------------------------------------------

def test_ink_records_seconds_from_the_first_point_and_undoes_strokes():
    ink = Ink()
    ink.pen_down(10, 20, 5000)
    assert ink.pen_move(12, 21, 5010)
    assert not ink.pen_move(12, 21, 5020)  # the pen has not moved: no point
    ink.pen_down(40, 20, 5500)
    assert ink.copy() == [[(10.0, 20.0, 0.0), (12.0, 21.0, 0.01)], [(40.0, 20.0, 0.5)]]
    assert ink.undo() and len(ink) == 1
    assert ink.undo() and not ink.undo()
    ink.pen_down(1, 1, 9000)  # a new line starts its own clock
    assert ink.strokes == [[(1.0, 1.0, 0.0)]]


def test_problem_names_empty_ink_and_dots():
    assert 'Nothing to recognize' in problem([])
    assert 'single dot' in problem([[(5, 5, 0.0)]])
    assert 'single dot' in problem([[(5, 5, 0.0), (6, 7, 0.01)], [(7, 5, 0.2)]])
    assert problem([[(5, 5, 0.0), (30, 9, 0.1)]]) is None


def test_fit_to_box_keeps_aspect_ratio_and_times():
    strokes = [[(1000, 500, 7.0), (1200, 500, 7.5)], [(1100, 550, 8.0)]]  # 200 x 50 units
    fitted = fit_to_box(strokes, 500, 300, 50)
    xs = [p[0] for s in fitted for p in s]
    ys = [p[1] for s in fitted for p in s]
    assert (min(xs), max(xs)) == pytest.approx((50, 450))  # width limits: scale 2
    assert (min(ys), max(ys)) == pytest.approx((100, 200))  # 100 high, centred
    assert [p[2] for s in fitted for p in s] == [7.0, 7.5, 8.0]


def test_replay_keeps_speed_and_shortens_long_pauses():
    strokes = [[(0, 0, 100.0), (1, 0, 100.01)], [(5, 0, 109.0), (6, 0, 109.02)]]
    schedule = replay_schedule(strokes, max_pause=1.0)
    assert [round(s[0], 6) for s in schedule] == [0.0, 0.01, 1.01, 1.03]
    assert [s[3] for s in schedule] == [100.0, 100.01, 109.0, 109.02]  # recorded t kept
    assert [s[4] for s in schedule] == [True, False, True, False]


# -- start-up errors: one line, no window, no traceback -------------------------------------

@pytest.mark.parametrize('make, expected', [
    (lambda folder: None, 'model folder not found'),
    (lambda folder: folder.mkdir(), 'recognizer.json is missing'),
    (lambda folder: (folder.mkdir(), (folder / 'recognizer.json').write_text('{')),
     'unreadable'),
])
def test_bad_model_folder_is_one_clear_line(tmp_path, make, expected):
    folder = tmp_path / 'model'
    make(folder)
    run = subprocess.run([sys.executable, DRAW, '--model', str(folder)], capture_output=True,
                         text=True, timeout=60, env={**os.environ, 'DISPLAY': ':none'})
    assert run.returncode != 0
    assert expected in run.stderr and 'Traceback' not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


# -- the window, for real --------------------------------------------------------------------

def xvfb():
    """A private X server (Xvfb picks a free display number and says which); yields it."""
    missing = [tool for tool in ('Xvfb', 'xdotool') if shutil.which(tool) is None]
    if missing:
        message = f'the demo tests need {" and ".join(missing)} (apt-get install xvfb xdotool)'
        if os.environ.get('CI', '').lower() in ('true', '1'):
            pytest.fail(message)
        pytest.skip(message)
    read, write = os.pipe()
    server = subprocess.Popen(['Xvfb', '-displayfd', str(write), '-screen', '0', '1024x768x24',
                               '-nolisten', 'tcp'], pass_fds=[write],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()  # written once the server accepts clients
    if not number:
        pytest.fail('Xvfb did not start')
    yield f':{number}'
    server.terminate()
    server.wait()


display = pytest.fixture(xvfb, scope='module', name='display')
# More screens for windows open at once: without a window manager all would sit at (0, 0).
other_display = pytest.fixture(xvfb, scope='module', name='other_display')
third_display = pytest.fixture(xvfb, scope='module', name='third_display')


@pytest.fixture(scope='module')
def model_folder(tmp_path_factory):
    """DEMO_MODEL, or a tiny untrained model over a small compiled synthetic data set (its
    recognizer.json names the data set, as the demo's --dataset default reads), with a
    language model of the training texts for token passing."""
    if os.environ.get('DEMO_MODEL'):
        return os.environ['DEMO_MODEL']
    import keras
    from algorithms.language_model import build_bigram_lm, write_arpa
    from data.compiling import compile_dataset
    from data.dataset_format import open_dataset
    from data.preprocessing import Pipeline
    from data.synthetic import SyntheticSource
    from models.model_folder import write_config
    from models.network import build_model
    folder = tmp_path_factory.mktemp('demo')
    dataset = str(folder / 'dataset')
    with warnings.catch_warnings():  # so few lines miss a character or two: no matter here
        warnings.simplefilter('ignore', UserWarning)
        compile_dataset(SyntheticSource(30, seed=0, max_words=1), Pipeline.named('default'),
                        dataset, fractions=(0.1, 0.3), progress=False)
    data = open_dataset(dataset)
    keras.utils.set_random_seed(0)
    architecture = {'num_layers': 1, 'units': 8}
    model = build_model(4, data.char_table.num_classes, **architecture)
    (folder / 'model').mkdir()
    model.save(folder / 'model' / 'model.keras')
    write_config(folder / 'model', data.char_table, data.pipeline, architecture,
                 dataset=dataset)
    write_arpa(build_bigram_lm(data.split('train').texts), folder / 'model' / 'lm.arpa')
    return str(folder / 'model')


@functools.lru_cache
def recognizer(model_folder, decoder):
    """Loaded on first use, while the demo loads its own (two cores: they overlap)."""
    from models.recognizer import Recognizer
    return Recognizer.load(model_folder, decoder)


class Window:
    """The demo in its own process on `display`: start it, point and click, read it back."""

    def __init__(self, display, model, folder, *options):
        self.env = {**os.environ, 'DISPLAY': display}
        self.report, self.log = folder / 'report.jsonl', folder / 'stderr.txt'
        model_option = [] if model is None else ['--model', model]  # None: the default
        with open(self.log, 'w') as log:
            self.process = subprocess.Popen(
                [sys.executable, DRAW, *model_option, '--report', str(self.report),
                 *options], env=self.env, stdout=log, stderr=log, cwd=ROOT)
        self.seen = 0  # report lines already returned by wait_for
        self.layout = None

    def xdotool(self, *args) -> str:
        run = subprocess.run(['xdotool', *map(str, args)], env=self.env, capture_output=True,
                             text=True, timeout=WAIT)
        assert run.returncode == 0, run.stderr
        return run.stdout.rstrip('\n')  # a title may end in a space

    def events(self) -> list:
        if not self.report.exists():
            return []
        return [json.loads(line) for line in self.report.read_text().splitlines()]

    def wait_for(self, kind, wait=WAIT) -> dict:
        """The next event of `kind` after those already seen; fails if the demo dies."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            events = self.events()
            for i in range(self.seen, len(events)):
                if events[i]['event'] == kind:
                    self.seen = i + 1
                    return events[i]
            assert self.process.poll() is None, f'the demo exited:\n{self.log.read_text()}'
            time.sleep(0.05)
        pytest.fail(f'no {kind!r} event in {wait} s; events: {events}')

    def window_id(self) -> str:
        return self.xdotool('search', '--sync', '--name', f'^{TITLE}').split()[0]

    def title(self) -> str:
        return self.xdotool('getwindowname', self.window_id())

    def click(self, name):
        """Point at a control (moving onto it, as a hand would) and click it."""
        x, y, width, height = self.layout[name]
        self.xdotool('mousemove', x + width // 2 - 5, y + height // 2, 'sleep', 0.05,
                     'mousemove', x + width // 2, y + height // 2, 'sleep', 0.05, 'click', 1)

    def stroke(self, points):
        """Press, drag through `points` (canvas pixels) at 10 ms a point, release."""
        left, top = self.layout['canvas'][:2]
        (x, y), *rest = points
        args = ['mousemove', left + x, top + y, 'mousedown', 1]
        for x, y in rest:
            args += ['sleep', 0.01, 'mousemove', left + x, top + y]
        self.xdotool(*args, 'sleep', 0.01, 'mouseup', 1)

    def screenshot(self, path):
        from PIL import ImageGrab
        geometry = dict(line.split('=') for line in self.xdotool(
            'getwindowgeometry', '--shell', self.window_id()).splitlines())
        x, y, width, height = (int(geometry[k]) for k in ('X', 'Y', 'WIDTH', 'HEIGHT'))
        image = ImageGrab.grab(bbox=(x, y, x + width, y + height),
                               xdisplay=self.env['DISPLAY'])
        image.save(path)
        return image, (x, y)

    def close(self) -> str:
        """Stop the demo (if it still runs); its stderr."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=WAIT)
        return self.log.read_text()


# Hand-drawn strokes in canvas pixels: a zigzag, a loop and a bar.
STROKES = [
    [(100, 100), (115, 150), (125, 190), (140, 120), (155, 190), (170, 150), (180, 100)],
    [(260, 140), (235, 165), (245, 195), (275, 195), (285, 165), (260, 140)],
    [(330, 110), (332, 150), (334, 195)],
]


@pytest.mark.slow
def test_recognizer_thread_runs_the_newest_recognition_and_reports_errors(model_folder):
    worker = RecognizerThread(model_folder, os.path.join(model_folder, 'missing.arpa'))
    lines = [[[(x, y, 0.01 * i) for i, (x, y) in enumerate(points)]] for points in STROKES]
    for request_id, line in enumerate(lines):  # queued together: only the last one runs
        worker.requests.put(('recognize', request_id, 'best_path', line))
    worker.start()
    assert worker.results.get(timeout=WAIT)[0] == 'loaded'
    kind, request_id, decoder, strokes, text, found, seconds = worker.results.get(timeout=WAIT)
    assert (kind, request_id, strokes) == ('result', 2, lines[2])
    assert text == recognizer(model_folder, 'best_path').recognize(lines[2])
    assert found == recognizer(model_folder, 'best_path').read_page(lines[2]).to_json()['lines']
    worker.requests.put(('recognize', 3, 'best_path', [[(0, 0, 0.0)]]))
    assert worker.results.get(timeout=WAIT)[:2] == ('rejected', 3)
    worker.requests.put(('load', 'token_passing'))
    kind, decoder, message = worker.results.get(timeout=WAIT)
    assert (kind, decoder) == ('load_failed', 'token_passing') and 'missing.arpa' in message
    assert worker.results.empty()


def check_recorded(strokes, drawn):
    """The demo recorded what the pointer did: each stroke from its press to its release,
    through drawn points only (X may merge motion events), time in seconds running on."""
    assert len(strokes) == len(drawn)
    times = [p[2] for s in strokes for p in s]
    assert times[0] == 0.0 and times == sorted(times) and times[-1] < 10
    for recorded, sent in zip(strokes, drawn):
        assert tuple(recorded[0][:2]) == sent[0] and tuple(recorded[-1][:2]) == sent[-1]
        assert {tuple(p[:2]) for p in recorded} <= set(sent)


def check_shown(window, model_folder, result):
    """The text in the window is the Recognizer's on the strokes the demo recorded, read
    as a page: line by line, the title showing the lines joined by ' / '."""
    expected = recognizer(model_folder, result['decoder']).read_page(result['strokes'])
    assert expected.text == result['text'] and expected.to_json()['lines'] == result['lines']
    assert window.title() == f'{TITLE}: {" / ".join(result["shown"].split(chr(10)))}'


def check_saved(window, model_folder, result, path):
    """Save ink writes InkML of the strokes with the recognized text, and recognize.py
    reads it back to that text. The path is typed into the file dialog."""
    from data.inkml import read_inkml
    from recognize import recognize_file
    window.click('save')
    dialog = window.xdotool('search', '--sync', '--name', '^Save ink as InkML').split()[0]
    window.xdotool('windowfocus', '--sync', dialog, 'key', 'End', 'key', '--repeat', 20,
                   'BackSpace', 'type', str(path))
    window.xdotool('key', 'Return')
    saved = window.wait_for('saved')
    assert saved['path'] == str(path) and saved['text'] == result['text']
    assert '<annotation type="recognized">' in path.read_text()
    [line] = read_inkml(path)
    # traces grouped by line and word: the same strokes, in the order of their groups
    assert sorted([list(p) for p in s] for s in line.strokes) == sorted(result['strokes'])
    read_back, _ = recognize_file(recognizer(model_folder, result['decoder']), path, None)
    assert read_back['text'] == result['text']


@pytest.fixture(scope='module')
def broken_window(other_display, model_folder, tmp_path_factory):
    """The demo on a model folder whose network file is damaged. The first window test
    starts it, so that its TensorFlow loads while that test runs (about 10 s saved)."""
    folder = tmp_path_factory.mktemp('broken')
    shutil.copy(os.path.join(model_folder, 'recognizer.json'), folder)
    (folder / 'model.keras').write_bytes(b'not a Keras file')
    window = Window(other_display, str(folder), folder)
    yield window
    window.close()


@pytest.fixture(scope='module')
def iam_window(third_display, tmp_path_factory):
    """The demo started without --model (it reads with weights/iam). The first window test
    starts it, so that its TensorFlow and the model load while that test runs."""
    folder = tmp_path_factory.mktemp('iam')
    window = Window(third_display, None, folder, '--no-live')
    yield window
    window.close()


@pytest.mark.slow
def test_window_draw_recognize_and_show_example(display, model_folder, broken_window,
                                                iam_window, tmp_path):
    from data.dataset_format import open_dataset
    window = Window(display, model_folder, tmp_path, '--no-live', '--pause', '0.3')
    try:
        ready = window.wait_for('ready')
        window.layout = ready['layout']

        window.click('recognize')  # nothing written yet
        assert 'Nothing to recognize' in window.wait_for('message')['text']
        assert 'Nothing to recognize' in window.title()
        window.stroke([(400, 150)])  # a click on the canvas: a dot
        window.click('recognize')
        assert 'single dot' in window.wait_for('message')['text']
        window.click('clear')

        for points in STROKES:
            window.stroke(points)
        window.click('recognize')
        result = window.wait_for('result')
        check_recorded(result['strokes'], STROKES)
        check_shown(window, model_folder, result)
        check_saved(window, model_folder, result, tmp_path / 'saved.inkml')

        window.click('undo')
        window.click('recognize')
        undone = window.wait_for('result')
        assert undone['strokes'] == result['strokes'][:-1]
        check_shown(window, model_folder, undone)

        window.click('example')
        example = window.wait_for('example')
        shown = open_dataset(ready['dataset']).ink_split()
        assert example['text'] == shown.texts[shown.ids.index(example['id'])]
        replayed = window.wait_for('example_done')
        window.click('recognize')
        result = window.wait_for('result')
        has_lm = os.path.isfile(os.path.join(model_folder, 'lm.arpa'))  # DEMO_MODEL may not
        assert len(result['strokes']) == replayed['strokes']
        assert result['decoder'] == ('token_passing' if has_lm else 'best_path')  # its best
        check_shown(window, model_folder, result)
        image, origin = window.screenshot(tmp_path / 'tk_demo.png')  # the default decoder's
        if os.environ.get('DEMO_SCREENSHOT'):
            image.save(os.environ['DEMO_SCREENSHOT'])
        x, y, width, height = window.layout['canvas']
        canvas = image.convert('L').crop((x - origin[0], y - origin[1],
                                          x - origin[0] + width, y - origin[1] + height))
        assert sum(canvas.histogram()[:100]) > 200  # the replayed ink is on the canvas
        if has_lm:
            words = text_words(result['text'])  # dictionary words only (perhaps none)
            assert set(words) <= set(
                recognizer(model_folder, 'token_passing').decoder.words)
            window.click('best_path')  # the ink is recognized again with the new decoder
            result = window.wait_for('result')
            assert result['decoder'] == 'best_path'
            check_shown(window, model_folder, result)

        window.click('clear')  # two lines, one under the other: read line by line
        for points in STROKES + [[(x, y + 160) for x, y in s] for s in STROKES]:
            window.stroke(points)
        window.click('recognize')
        result = window.wait_for('result')
        assert [line['strokes'] for line in result['lines']] == [[0, 1, 2], [3, 4, 5]]
        assert result['text'].count('\n') == 1
        check_shown(window, model_folder, result)

        window.click('live')  # live on: the pen rests, the text comes by itself
        window.stroke(STROKES[0])
        check_shown(window, model_folder, window.wait_for('result'))
        assert window.process.poll() is None
    finally:
        stderr = window.close()
    assert 'Traceback' not in stderr, stderr


@pytest.mark.slow
def test_window_learns_my_writing_and_recognizes_with_the_adapted_model(display, model_folder,
                                                                        tmp_path):
    """Learn my writing: three lines kept with their text, Adapt, and the window then
    recognizes with the adapted folder, as the Python Recognizer does with it."""
    from models.model_folder import read_config
    adapted = tmp_path / 'mine'
    window = Window(display, model_folder, tmp_path, '--no-live', '--adapted', str(adapted))
    try:
        window.layout = window.wait_for('ready')['layout']
        window.click('learn')
        learning = window.wait_for('learning')
        window.layout = learning['layout']
        window.click('keep')  # nothing written yet
        assert 'Write the line' in window.wait_for('message')['text']
        letters = [c for c in read_config(model_folder)['char_table']['characters']
                   if c.isalpha()]
        for n in range(3):
            for points in STROKES:
                window.stroke(points)
            if not learning['prompt']:  # the model spells none of the sentences: type one
                window.click('text')
                window.xdotool('type', ''.join(letters[n:n + 3]))
            window.click('keep')
            assert window.wait_for('kept')['lines'] == n + 1
        window.click('adapt')
        done = window.wait_for('adapted', wait=6 * WAIT)
        assert done['folder'] == str(adapted) and 'held-out line' in done['text']
        assert read_config(str(adapted))['adapted']['lines'] == 3
        assert 'Adapted' in window.title()
        window.click('stop')
        for points in STROKES:
            window.stroke(points)
        window.click('recognize')
        result = window.wait_for('result')
        check_shown(window, str(adapted), result)
    finally:
        stderr = window.close()
    assert 'Traceback' not in stderr, stderr


@pytest.mark.slow
def test_window_says_when_the_model_cannot_load(broken_window):
    error = broken_window.wait_for('error')
    assert 'model.keras is damaged or truncated' in error['text']  # model_folder's check
    assert broken_window.title() == f'{TITLE}: the model could not load'
    assert broken_window.process.poll() is None  # an error dialog, not a crash
    stderr = broken_window.close()
    assert 'Traceback' not in stderr, stderr


@pytest.mark.slow
def test_window_opens_the_shipped_iam_model_by_default(iam_window):
    """Started without --model, the demo reads with weights/iam (trained on IAM-OnDB) and
    shows what the Recognizer reads with it."""
    from models.model_folder import DEFAULT_MODEL
    assert DEFAULT_MODEL == os.path.join('weights', 'iam')
    window = iam_window
    try:
        ready = window.wait_for('ready')
        window.layout = ready['layout']
        assert ready['model'] == DEFAULT_MODEL
        for points in STROKES:
            window.stroke(points)
        window.click('recognize')
        result = window.wait_for('result')
        check_recorded(result['strokes'], STROKES)
        check_shown(window, os.path.join(ROOT, DEFAULT_MODEL), result)
    finally:
        stderr = window.close()
    assert 'Traceback' not in stderr, stderr
