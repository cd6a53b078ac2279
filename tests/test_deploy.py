"""deploy.py and the web demo, held to Python in real JavaScript runtimes.

Node loads the deployed model (float32 weights) with @tensorflow/tfjs and runs the
JavaScript pre-processing, both engines (bilstm.js with its WebAssembly recurrence, and
tf.LayersModel) and both decoders (best path, and token passing: the C++ decoder compiled
to WebAssembly, reading deploy.py's lm.bin) on stored test lines
(demo/web/test/node_model.js); headless Chromium writes a stored line on the page
(deployed with deploy.py's defaults: float16 weights, the model folder's language model,
the backend the page picks) with real mouse events and must show the Python Recognizer's
token passing text for the strokes the page recorded, after the pause and on Recognize,
then its best path text once chosen in the Decoder menu, and download them as InkML that
reads back exactly (demo/web/test/browser_draw.js); written three lines of a synthetic
page, it must show the Python Recognizer's text of each line the Python line finding finds,
line by line in reading order. The committed WebAssembly build must match its sources
(demo/web/wasm/SOURCES.sha256), and, with Emscripten, be what they build.
They need `npm ci` in demo/web, Debian's chromium and emscripten: skipped without them
locally, failed in CI (CI=true).

To refresh the README's screenshot with the shipped model (its data set compiled):
    WEB_DEMO_MODEL=weights/iam WEB_DEMO_SCREENSHOT=docs/web_demo.png \\
        python -m pytest tests/test_deploy.py -k page_line_by_line
"""
import contextlib
import json
import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest

from algorithms.best_path import best_path_decode
from algorithms.language_model import build_bigram_lm, write_arpa
from algorithms.token_passing import write_settings
from data.base import validate_handwriting
from data.dataset_format import open_dataset
from data.preprocessing import strokes_to_points
from data.synthetic import SyntheticSource
from data.synthetic_pages import PageStyle, synthetic_page
from models.model_folder import read_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEB = os.path.join(ROOT, 'demo', 'web')
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
FEATURE_TOLERANCE = 1e-5  # JavaScript float64 pre-processing vs NumPy's
OUTPUT_TOLERANCE = 1e-4   # TensorFlow.js probabilities vs Keras 3's, same float32 weights
QUANTIZED_TOLERANCE = 1e-2  # the same with the page's float16 weights (texts must be equal)
NODE_LINES = 6            # stored test lines run through Node
WASM = os.path.join(WEB, 'wasm')
# the tiny model folder's decoder.json: not the decoder's defaults, so that the page's
# settings are seen to come from it; words rewarded, so that the untrained network's lines
# read as words (with the defaults most read as nothing or '1')
TINY_SETTINGS = {'lm_weight': 0.5, 'word_penalty': 2.0, 'nonword_penalty': -2.0, 'beam': 20.0}


def need(condition, message):
    """Skip without a JavaScript runtime locally; in CI a missing one is a failure."""
    if condition:
        return
    if os.environ.get('CI', '').lower() in ('true', '1'):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope='module')
def node():
    """Node.js with the page's npm packages; first in a test's fixtures, so that a missing
    one is reported before a model is built."""
    need(shutil.which('node'), 'Node.js is not installed')
    need(os.path.isdir(os.path.join(WEB, 'node_modules', '@tensorflow', 'tfjs')),
         'TensorFlow.js is not installed: run `npm ci` in demo/web (bash setup.sh --test)')
    return shutil.which('node')


def run(command, timeout=600):  # minutes only on a machine busy with training
    """Run a command from the repository root; its output, or a failure that shows it."""
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        pytest.fail(f'{" ".join(command)} exited {done.returncode}:\n{done.stderr[-3000:]}')
    return done.stdout


@pytest.fixture(scope='module')
def model_folder(tmp_path_factory):
    """WEB_DEMO_MODEL, or a tiny untrained network over a small compiled synthetic data set
    (random weights give a random but definite text, which is all the comparison needs),
    with a language model of its lines and a decoder.json. Its pre-processing is the
    richest named one: five features, `height` among them."""
    if os.environ.get('WEB_DEMO_MODEL'):
        return os.environ['WEB_DEMO_MODEL']
    folder = tiny_model_folder(tmp_path_factory.mktemp('deploy'))
    texts = [text for _, text in SyntheticSource(40, seed=3, max_words=2).get_sequences()]
    write_arpa(build_bigram_lm(texts), os.path.join(folder, 'lm.arpa'))
    write_settings(os.path.join(folder, 'decoder.json'), TINY_SETTINGS, {'by': 'test_deploy'})
    return folder


@pytest.fixture(scope='module')
def subsampled_folder(tmp_path_factory):
    """The same, with the subsampling convolution in front (train.py --subsample 2)."""
    return tiny_model_folder(tmp_path_factory.mktemp('deploy'), stride=2)


def tiny_model_folder(folder, stride=1) -> str:
    import keras
    from data.compiling import compile_dataset
    from data.preprocessing import Pipeline
    from models.model_folder import save_network, write_config
    from models.network import architecture, build_model
    dataset = str(folder / 'dataset')
    with warnings.catch_warnings():  # characters missing from a split of 40 lines: expected
        warnings.simplefilter('ignore', UserWarning)
        compile_dataset(SyntheticSource(40, seed=3, max_words=2),
                        Pipeline.named('deslanted_height'), dataset, fractions=(0.1, 0.3),
                        progress=False)
    data = open_dataset(dataset)
    keras.utils.set_random_seed(0)
    model = build_model(data.pipeline.num_features, data.char_table.num_classes, num_layers=2,
                        units=8, dropout=0.1, stride=stride)
    save_network(str(folder / 'model'), model)
    write_config(str(folder / 'model'), data.char_table, data.pipeline, architecture(model),
                 dataset=dataset)
    return str(folder / 'model')


@pytest.fixture(scope='module')
def deployed(model_folder, tmp_path_factory):
    """float32 weights: JavaScript's probabilities are held to Keras's closely."""
    output = str(tmp_path_factory.mktemp('deployed') / 'web')
    run([sys.executable, 'deploy.py', '--model', model_folder, '--output', output,
         '--quantize', 'none'])
    return output


@pytest.fixture(scope='module')
def deployed_default(model_folder, tmp_path_factory):
    """What a user gets from deploy.py: float16 weights."""
    output = str(tmp_path_factory.mktemp('deployed') / 'web')
    run([sys.executable, 'deploy.py', '--model', model_folder, '--output', output])
    return output


@pytest.fixture(scope='module')
def recognizer(model_folder):
    from models.recognizer import Recognizer
    return Recognizer.load(model_folder, 'best_path')


@pytest.fixture(scope='module')
def dictionary_recognizer(model_folder):
    """The same with token passing, its language model and decoder.json: the page's default."""
    from models.recognizer import Recognizer
    return Recognizer.load(model_folder, decoder='token_passing')


@pytest.fixture(scope='module')
def test_split(model_folder):
    return open_dataset(read_config(model_folder)['dataset']).ink_split()


# -- deploy.py ---------------------------------------------------------------------------

def test_deploy_reports_a_missing_model_folder_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, 'deploy.py', '--model', str(tmp_path / 'none')],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip() == f'deploy.py: error: model folder not found: {tmp_path / "none"}'


def deploy_with_lm(lm, output):
    """deploy.py with --lm `lm`, run to its end (it refuses before TensorFlow loads)."""
    return subprocess.run([sys.executable, 'deploy.py', '--lm', str(lm), '--output', str(output)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_deploy_reports_a_missing_language_model_in_one_line(tmp_path):
    done = deploy_with_lm(tmp_path / 'none.arpa', tmp_path / 'out')
    assert done.returncode != 0
    assert done.stderr.strip() == (f'deploy.py: error: language model not found: '
                                   f'{tmp_path / "none.arpa"}')


def test_deploy_reports_an_unreadable_language_model_in_one_line(tmp_path):
    (tmp_path / 'bad.arpa').write_text('not a language model\n')
    done = deploy_with_lm(tmp_path / 'bad.arpa', tmp_path / 'out')
    assert done.returncode != 0
    assert done.stderr.strip() == (f'deploy.py: error: {tmp_path / "bad.arpa"}: not an ARPA '
                                   f'file (no \\data\\ line)')


def test_the_web_image_holds_the_arpa_values_exactly(tmp_path):
    """The page divides int32 values by 10^scale: the smallest scale that gives every
    value back, bit for bit; more decimals than it can hold are refused, as are character
    tables of more than 254 characters (a class is one byte)."""
    from algorithms.language_model import LanguageModel
    from models.web_decoder import MAX_SCALE, decimal_scale, write_image
    assert decimal_scale(np.array([-1.0, 0.0, -99.0])) == 0
    assert decimal_scale(np.array([-1.5, -0.25, -7.924323])) == 6
    with pytest.raises(ValueError, match='more than 9 decimals'):
        decimal_scale(np.array([-0.1234567891]))
    assert MAX_SCALE == 9
    lm = LanguageModel({'<s>': -99.0, '</s>': -1.0, 'ab': -0.5}, {'<s>': -0.25}, {})
    with pytest.raises(ValueError, match='at most 254'):
        write_image(tmp_path / 'lm.bin', [chr(0x100 + i) for i in range(255)], lm)
    counts = write_image(tmp_path / 'lm.bin', 'ab ', lm)
    assert counts == {'words': 1, 'forms': 2, 'bigrams': 0}  # ab (not Ab, AB), and ' '
    assert (tmp_path / 'lm.bin').read_bytes().startswith(b'HWRLM\0\0\1')


def test_deploy_refuses_a_network_the_export_cannot_handle(tmp_path):
    import keras
    from data.charset import CharTable
    from data.preprocessing import Pipeline
    from models.model_folder import save_network, write_config
    from models.tfjs_export import ExportError, deploy
    features = keras.Input((None, 4), name='features')
    hidden = keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True),
                                        name='bigru')(features)
    model = keras.Model(features, keras.layers.Dense(3, activation='softmax')(hidden))
    save_network(str(tmp_path / 'gru'), model)
    pipeline = Pipeline.named('no_resample')  # fitted, as a model folder's is
    pipeline.steps[-1] = type(pipeline.steps[-1])(mean=[0.0] * 3, std=[1.0] * 3)
    write_config(str(tmp_path / 'gru'), CharTable('ab'), pipeline, {})
    with pytest.raises(ExportError, match="layer 'bigru': only Bidirectional\\(LSTM\\)"):
        deploy(str(tmp_path / 'gru'), str(tmp_path / 'out'))
    assert not os.path.exists(tmp_path / 'out')


@pytest.mark.slow
def test_deploy_writes_a_layers_model_and_its_metadata(deployed, recognizer):
    with open(os.path.join(deployed, 'model.json'), encoding='utf-8') as f:
        model_json = json.load(f)
    assert model_json['format'] == 'layers-model'
    for group in model_json['weightsManifest']:
        for path in group['paths']:
            assert os.path.isfile(os.path.join(deployed, path))
    with open(os.path.join(deployed, 'metadata.json'), encoding='utf-8') as f:
        metadata = json.load(f)
    assert metadata['format'] == 1 and metadata['blank'] == 0
    assert metadata['characters'] == recognizer.char_table.characters
    assert metadata['num_classes'] == recognizer.char_table.num_classes
    assert metadata['preprocessing'] == recognizer.pipeline.to_json()
    assert metadata['twin_max_difference'] <= 1e-5
    assert metadata['quantization'] is None and metadata['quantization_max_difference'] == 0
    token_passing = metadata['token_passing']
    assert os.path.isfile(os.path.join(deployed, token_passing['image']))
    if not os.environ.get('WEB_DEMO_MODEL'):
        assert {k: token_passing[k] for k in TINY_SETTINGS} == TINY_SETTINGS
        assert 0 < token_passing['words'] < token_passing['forms']


@pytest.mark.slow
def test_deploy_quantizes_to_float16_by_default(deployed, deployed_default):
    def weight_bytes(folder):
        with open(os.path.join(folder, 'model.json'), encoding='utf-8') as f:
            shards = [p for group in json.load(f)['weightsManifest'] for p in group['paths']]
        return sum(os.path.getsize(os.path.join(folder, p)) for p in shards)
    with open(os.path.join(deployed_default, 'metadata.json'), encoding='utf-8') as f:
        metadata = json.load(f)
    assert metadata['quantization'] == 'float16'
    assert 0 < metadata['quantization_max_difference'] <= QUANTIZED_TOLERANCE
    assert weight_bytes(deployed_default) == weight_bytes(deployed) // 2


# -- JavaScript in Node ------------------------------------------------------------------

@pytest.mark.slow
def test_node_runs_the_model_preprocessing_and_decoding_like_python(
        node, deployed, recognizer, dictionary_recognizer, test_split, tmp_path):
    compare_node_with_python(node, deployed, recognizer, test_split, tmp_path,
                             dictionary_recognizer)


def test_node_runs_a_subsampling_network_like_python(node, subsampled_folder, tmp_path):
    """Both engines, the fused one reading frame pairs with one matrix product (bilstm.js),
    give Keras's probabilities: half as many frames, odd lines' last frame padded."""
    from models.recognizer import Recognizer
    output = str(tmp_path / 'web')
    printed = run([sys.executable, 'deploy.py', '--model', subsampled_folder, '--output', output,
                   '--quantize', 'none'])
    assert 'decoder: best path (no language model)' in printed
    with open(os.path.join(output, 'metadata.json'), encoding='utf-8') as f:
        assert json.load(f)['token_passing'] is None
    assert not os.path.exists(os.path.join(output, 'lm.bin'))
    recognizer = Recognizer.load(subsampled_folder)
    split = open_dataset(read_config(subsampled_folder)['dataset']).ink_split()
    assert any(len(split.features(i)) % 2 for i in range(NODE_LINES))  # an odd line is tried
    compare_node_with_python(node, output, recognizer, split, tmp_path)


def compare_node_with_python(node, deployed, recognizer, test_split, tmp_path,
                             dictionary_recognizer=None):
    """dictionary_recognizer: Python's token passing, for a deployment with lm.bin."""
    lines = range(min(NODE_LINES, len(test_split)))
    strokes = [[s.tolist() for s in test_split.strokes(i)] for i in lines]
    stored = [test_split.features(i) for i in lines]  # the model's input, as stored
    keras_outputs = recognizer.probabilities(stored)  # (T, C) each; T / stride, rounded up
    with open(tmp_path / 'cases.json', 'w', encoding='utf-8') as f:
        json.dump({'lines': [{'strokes': s, 'features': x.tolist(), 'probabilities': p.tolist()}
                             for s, x, p in zip(strokes, stored, keras_outputs)]}, f)
    run([node, os.path.join(WEB, 'test', 'node_model.js'), deployed,
         str(tmp_path / 'cases.json'), str(tmp_path / 'result.json')])
    with open(tmp_path / 'result.json', encoding='utf-8') as f:
        js_run = json.load(f)
    results = js_run['lines']
    assert js_run['engine'] == 'fused'

    worst_feature = worst_output = 0.0
    for line, (s, keras_output, js) in enumerate(zip(strokes, keras_outputs, results)):
        points = strokes_to_points(validate_handwriting(s))
        python_features = recognizer.pipeline.run(points)  # float64 (T, F)
        js_features = np.array(js['features'], dtype=np.float64)
        assert js_features.shape == python_features.shape, f'line {line}'
        worst_feature = max(worst_feature, np.abs(js_features - python_features).max())
        for engine in ('probabilities', 'layers_probabilities'):
            assert np.shape(js[engine]) == keras_output.shape, f'line {line}, {engine}'
            worst_output = max(worst_output, np.abs(np.array(js[engine]) - keras_output).max())
        # the same best path as Python's over JavaScript's matrix (close to Keras's, below)
        python_text = recognizer.char_table.decode(best_path_decode(np.array(js['probabilities'])))
        assert js['text_from_python_features'] == python_text, f'line {line}'
        assert js['text'] == recognizer.recognize(s), f'line {line}'
        if dictionary_recognizer:  # the same C++ decoder on the same matrix: the same text
            python_text = dictionary_recognizer.decoder.decode(keras_output)
            assert js['token_passing_of_python_probabilities'] == python_text, f'line {line}'
            assert js['token_passing_text'] == dictionary_recognizer.recognize(s), f'line {line}'
    if dictionary_recognizer:
        assert js_run['decoder'] == 'token_passing'
        assert js_run['truncated_image_error'].startswith('token passing: lm.bin is truncated')
        print('token passing texts:', [js['token_passing_text'] for js in results])
    print(f'Node vs Python over {len(results)} lines: features within {worst_feature:.2g}, '
          f'probabilities within {worst_output:.2g}')
    assert worst_feature <= FEATURE_TOLERANCE
    assert worst_output <= OUTPUT_TOLERANCE


# -- the page in headless Chromium ---------------------------------------------------------

@pytest.fixture
def chromium(node):
    need(os.access(CHROMIUM, os.X_OK),
         f'Chromium not found at {CHROMIUM} (apt-get install chromium; or set CHROMIUM)')


@pytest.fixture
def server(chromium, deployed_default):
    """demo/web/serve.py on a free port; yields the address it prints."""
    with serving(deployed_default) as url:
        yield url


@contextlib.contextmanager
def serving(deployed):
    process = subprocess.Popen([sys.executable, os.path.join(WEB, 'serve.py'),
                                '--model', deployed, '--port', '0'], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()  # printed once the server listens
    try:
        assert line.startswith('serving'), f'serve.py said {line!r}'
        yield line.split(' at ')[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_browser_shows_the_python_recognizers_text(node, server, recognizer,
                                                   dictionary_recognizer, test_split, tmp_path):
    with open(tmp_path / 'strokes.json', 'w', encoding='utf-8') as f:
        json.dump([s.tolist() for s in test_split.strokes(0)], f)
    run([node, os.path.join(WEB, 'test', 'browser_draw.js'), server,
         str(tmp_path / 'strokes.json'), str(tmp_path)], timeout=900)
    with open(tmp_path / 'result.json', encoding='utf-8') as f:
        shown = json.load(f)
    assert shown['errors'] == []
    assert len(shown['strokes']) == len(test_split.strokes(0))

    # the strokes exactly as the page recorded them (its clock, its pixels)
    text, probabilities = dictionary_recognizer.recognize(shown['strokes'],
                                                          return_probabilities=True)
    browser_output = np.array(shown['probabilities']).reshape(probabilities.shape)
    print(f'browser ({shown["backend"]}, {shown["engine"]} engine, {shown["decoder"]}) shows '
          f'{shown["text"]!r}, Python {text!r}; probabilities within '
          f'{np.abs(browser_output - probabilities).max():.2g}; '
          f'screenshot {tmp_path / "screenshot.png"}')
    assert text, 'the Python text is empty: the comparison would prove little'
    assert shown['backend'].startswith('wasm') and shown['engine'] == 'fused'
    assert shown['decoder'] == 'token_passing'
    # the page's matrix is Python's to within float16 weights, and its texts are Python's
    # decoders' texts of that matrix (a near-tie of this barely trained network may fall
    # either way in float16, so Python's own matrix could read a letter differently)
    assert np.abs(browser_output - probabilities).max() <= QUANTIZED_TOLERANCE
    browser_text = dictionary_recognizer.decoder.decode(browser_output)
    assert shown['live_text'] == shown['text'] == browser_text
    assert [line['text'] for line in shown['lines']] == [browser_text]  # one line, as ever
    assert shown['highlighted'] is None
    # the Decoder menu switches to best path
    assert shown['decoders'] == ['token_passing', 'best_path']
    assert shown['decoder_after_switch'] == 'best_path'
    assert shown['best_path_text'] == recognizer.decoder.decode(browser_output)

    # Download ink: the InkML reads back to the very strokes, so to the same text
    from data.inkml import read_inkml
    [line] = read_inkml(str(tmp_path / 'ink.inkml'))
    assert line.timed
    assert [np.asarray(s).tolist() for s in line.strokes] == shown['strokes']


@pytest.mark.slow
def test_browser_reads_a_page_line_by_line(node, server, recognizer, dictionary_recognizer,
                                           tmp_path):
    """Three lines written on the page (a synthetic page: a one-word line in the middle,
    i-dots and bars written after the page, lines tilted, the page turned 2 degrees): it
    shows three lines of text, top first, each the Python Recognizer's text of the strokes
    that Python's line finding puts in that line (recognize.py --layout auto), with both
    decoders; pressing Recognize on the same ink takes the lines read after the pause from
    memory; hovering a line of text highlights its strokes."""
    from algorithms.line_finding import find_lines
    page = synthetic_page(2, style=PageStyle(lines=3, pitch=3.2, spacing=0.05, tilt=0.05,
                                             bend=0.05, turn=2.0, late=0.3, corrections=0))
    assert any(line != list(range(line[0], line[-1] + 1)) for line in page.lines)  # late ink
    with open(tmp_path / 'strokes.json', 'w', encoding='utf-8') as f:
        json.dump([s.tolist() for s in page.strokes], f)
    run([node, os.path.join(WEB, 'test', 'browser_draw.js'), server,
         str(tmp_path / 'strokes.json'), str(tmp_path)], timeout=900)
    with open(tmp_path / 'result.json', encoding='utf-8') as f:
        shown = json.load(f)
    assert shown['errors'] == []
    assert len(shown['strokes']) == len(page.strokes)

    lines = [line['strokes'] for line in shown['lines']]
    assert lines == find_lines(shown['strokes'])              # the same lines, same order
    assert [sorted(line) for line in lines] == page.lines     # and the true ones, top first
    # each line's matrix is Python's to within float16 weights, and its texts are Python's
    # decoders' texts of that matrix (as in the test above)
    read = dictionary_recognizer.read_page(shown['strokes'])
    browser_lines = [np.array(p).reshape(line.probabilities.shape)
                     for p, line in zip(shown['line_probabilities'], read.lines, strict=True)]
    for browser_output, line in zip(browser_lines, read.lines):
        assert np.abs(browser_output - line.probabilities).max() <= QUANTIZED_TOLERANCE
    print(f'browser shows {shown["text"]!r}, Python {read.text!r}; {shown["status"]}')
    browser_texts = [dictionary_recognizer.decoder.decode(p) for p in browser_lines]
    assert [line['text'] for line in shown['lines']] == browser_texts
    assert shown['live_text'] == shown['text'] == '\n'.join(browser_texts)
    assert shown['text'].count('\n') == 2
    assert '3 lines (3 read before)' in shown['status']  # Recognize: the same ink again
    assert shown['best_path_text'] == '\n'.join(recognizer.decoder.decode(p)
                                                for p in browser_lines)
    assert shown['highlighted'] == sorted(lines[-1])
    if os.environ.get('WEB_DEMO_SCREENSHOT'):  # three lines read, the last one hovered
        shutil.copyfile(tmp_path / 'screenshot.png', os.environ['WEB_DEMO_SCREENSHOT'])


@pytest.mark.slow
def test_browser_reads_by_best_path_without_a_language_model(node, chromium, subsampled_folder,
                                                              tmp_path):
    """A model folder without lm.arpa: the page decodes by best path, offers no other
    decoder, and shows Python's text of its matrix (here of a subsampling network)."""
    from models.recognizer import Recognizer
    deployed = str(tmp_path / 'web')
    run([sys.executable, 'deploy.py', '--model', subsampled_folder, '--output', deployed])
    split = open_dataset(read_config(subsampled_folder)['dataset']).ink_split()
    with open(tmp_path / 'strokes.json', 'w', encoding='utf-8') as f:
        json.dump([s.tolist() for s in split.strokes(0)], f)
    with serving(deployed) as url:
        run([node, os.path.join(WEB, 'test', 'browser_draw.js'), url,
             str(tmp_path / 'strokes.json'), str(tmp_path)], timeout=900)
    with open(tmp_path / 'result.json', encoding='utf-8') as f:
        shown = json.load(f)
    assert shown['errors'] == []
    assert shown['decoder'] == 'best_path' and shown['decoders'] == ['best_path']
    assert shown['best_path_text'] is None  # no menu to switch with
    # Python's matrix to within float16 weights, and the text Python reads from the page's
    recognizer = Recognizer.load(subsampled_folder)
    _, probabilities = recognizer.recognize(shown['strokes'], return_probabilities=True)
    browser_output = np.array(shown['probabilities']).reshape(probabilities.shape)
    assert np.abs(browser_output - probabilities).max() <= QUANTIZED_TOLERANCE
    assert shown['text'] == recognizer.decoder.decode(browser_output)


@pytest.mark.slow
def test_serve_isolates_the_page_and_serves_the_wasm_backend(server):
    """Cross-origin isolation lets the wasm backend run threads; its .wasm files come from
    node_modules with the type browsers insist on for streaming compilation."""
    import urllib.request
    wasm = 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'
    with urllib.request.urlopen(server + wasm, timeout=60) as response:
        assert response.headers['Content-Type'] == 'application/wasm'
        assert response.headers['Cross-Origin-Opener-Policy'] == 'same-origin'
        assert response.headers['Cross-Origin-Embedder-Policy'] == 'require-corp'
        assert response.read(4) == b'\0asm'


# -- the committed WebAssembly build ------------------------------------------------------

def recorded_sources(folder=WASM) -> dict:
    with open(os.path.join(folder, 'SOURCES.sha256'), encoding='utf-8') as f:
        return {path: digest for digest, path in (line.split() for line in f)}


def test_the_committed_wasm_build_matches_its_sources():
    """demo/web/wasm was built from the C++ as it is now: rebuild with build_wasm.py after
    changing algorithms/cpp, demo/web/cpp or the build script."""
    import glob
    import hashlib
    cpp = [p for p in glob.glob(os.path.join(ROOT, 'algorithms', 'cpp', '*.[ch]pp'))
           if not p.endswith('/bindings.cpp')] + glob.glob(os.path.join(WEB, 'cpp', '*.cpp'))
    expected = sorted(os.path.relpath(p, ROOT) for p in cpp + [os.path.join(WEB, 'build_wasm.py')])
    recorded = recorded_sources()
    assert sorted(recorded) == expected, 'sources added or removed: run demo/web/build_wasm.py'
    for path, digest in recorded.items():
        with open(os.path.join(ROOT, path), 'rb') as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, \
                f'{path} changed since demo/web/wasm was built: run demo/web/build_wasm.py'


@pytest.mark.slow
def test_the_committed_wasm_build_is_what_emscripten_builds(tmp_path):
    """Debian's Emscripten (setup.sh --test installs it) builds the same bytes."""
    need(shutil.which('em++'), 'Emscripten is not installed (apt-get install emscripten)')
    run([sys.executable, os.path.join(WEB, 'build_wasm.py'), '--output', str(tmp_path)])
    for name in ('hwr.wasm', 'hwr.js', 'SOURCES.sha256'):
        with open(tmp_path / name, 'rb') as built, open(os.path.join(WASM, name), 'rb') as kept:
            assert built.read() == kept.read(), f'{name} differs from the committed build'
