"""The Recognizer on a tiny model folder with random weights: shapes, batching, padding,
and the errors a user sees for bad input."""
import numpy as np
import pytest

from data.base import validate_handwriting
from data.charset import CharTable
from data.preprocessing import Pipeline, strokes_to_points
from models.model_folder import ModelFolderError, write_config
from models.recognizer import Recognizer, bucket_length

CHARACTERS = 'abc '


def random_line(rng, num_strokes=3, points=20):
    """Strokes of (x, y, t): random pen walks, time running on across strokes."""
    strokes, t = [], 0.0
    for s in range(num_strokes):
        xy = np.cumsum(rng.normal(size=(points, 2)), axis=0) + [10.0 * s, 0.0]
        times = t + 0.01 * np.arange(points)
        t = times[-1] + 0.1
        strokes.append(np.column_stack([xy, times]).tolist())
    return strokes


def fitted_pipeline(lines) -> Pipeline:
    """The default pipeline with its standardize step fitted on `lines`."""
    return Pipeline.named('default').fit(strokes_to_points(validate_handwriting(s))
                                         for s in lines)


def make_model_folder(folder, char_table, pipeline, build_options=None, **provenance):
    """A model folder like train.py writes, with a small untrained network."""
    import keras
    from models.network import build_model
    keras.utils.set_random_seed(0)
    architecture = {'num_layers': 1, 'units': 8, **(build_options or {})}
    model = build_model(4, char_table.num_classes, **architecture)
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / 'model.keras')
    write_config(folder, char_table, pipeline, architecture, **provenance)
    return folder


@pytest.fixture(scope='module')
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope='module')
def pipeline(rng):
    return fitted_pipeline([random_line(rng) for _ in range(5)])


@pytest.fixture(scope='module')
def model_dir(tmp_path_factory, pipeline):
    folder = tmp_path_factory.mktemp('model') / 'tiny'
    return str(make_model_folder(folder, CharTable(CHARACTERS), pipeline))


@pytest.fixture(scope='module')
def recognizer(model_dir):
    return Recognizer.load(model_dir)


def test_recognize_returns_text_and_probabilities(recognizer, rng):
    line = random_line(rng)
    text, probabilities = recognizer.recognize(line, return_probabilities=True)
    assert isinstance(text, str) and set(text) <= set(CHARACTERS)
    assert probabilities.shape == (len(recognizer.features(line)), len(CHARACTERS) + 1)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert recognizer.recognize(line) == text


def test_batch_equals_single(recognizer, rng):
    lines = [random_line(rng, num_strokes=n, points=p) for n, p in [(1, 5), (4, 30), (2, 12)]]
    assert recognizer.recognize_batch(lines) == [recognizer.recognize(s) for s in lines]
    assert recognizer.recognize_batch(lines, batch_size=2) == recognizer.recognize_batch(lines)
    assert recognizer.recognize_batch([]) == []


def test_jit_matches_the_graph(model_dir, recognizer, rng):
    # with jit, one line runs XLA-compiled and padded to a bucket length
    line = random_line(rng)
    _, compiled = Recognizer.load(model_dir, jit=True).recognize(line, return_probabilities=True)
    _, graph = recognizer.recognize(line, return_probabilities=True)
    np.testing.assert_allclose(compiled, graph, atol=1e-5)


@pytest.mark.parametrize('stride', [1, 2])
def test_a_single_line_runs_without_the_mask_to_the_same_output(stride):
    import keras
    from models.network import MASK_LAYER, build_model, unmasked
    from models.recognizer import Network
    keras.utils.set_random_seed(2)
    model = build_model(5, 7, num_layers=2, units=8, dropout=0.3, stride=stride)
    assert MASK_LAYER not in [layer.name for layer in unmasked(model).layers]
    line = np.random.default_rng(3).normal(size=(1, 13, 5)).astype(np.float32)
    np.testing.assert_allclose(Network(model)(line), np.asarray(model(line)), atol=1e-6)


def test_bucket_lengths_grow_by_about_a_quarter():
    assert [bucket_length(n) for n in (1, 64, 65, 81, 500)] == [64, 64, 80, 112, 608]


def test_padding_does_not_change_probabilities(recognizer, rng):
    short = recognizer.features(random_line(rng, num_strokes=1, points=8))
    long = recognizer.features(random_line(rng, num_strokes=6, points=40))
    assert len(long) > 2 * len(short)
    alone = recognizer.probabilities([short])[0]
    batched = recognizer.probabilities([long, short])
    np.testing.assert_allclose(batched[1], alone, atol=1e-5)
    assert batched[0].shape[0] == len(long)


@pytest.mark.parametrize('strokes, message', [
    ([], 'empty handwriting'),
    ([[(0, 0, 0), (1, 1, 0.1)], []], 'empty stroke'),
    ([[(0, 0, 0), (float('nan'), 1, 0.1)]], 'NaN or inf'),
    ([[('a', 0, 0), (1, 1, 0.1)]], 'non-numeric'),
    ([[(0, 0), (1, 1)]], r'not a list of \(x, y, t\) points'),
    ([[(0, 0, 0)]], 'too few points'),
    ([[(10**400, 0, 0), (1, 1, .1)]], 'numbers out of range'),  # beyond any float
    ([[(0, 0, 0), (1e200, 1, .1)]], r'numbers out of range .*beyond ±1e\+100'),
])
def test_bad_input_raises_value_error(recognizer, strokes, message):
    with pytest.raises(ValueError, match=message):
        recognizer.recognize(strokes)


def test_bad_line_in_a_batch_is_named(recognizer, rng):
    with pytest.raises(ValueError, match='line 1: empty handwriting'):
        recognizer.recognize_batch([random_line(rng), []])


def test_load_errors(tmp_path, model_dir):
    with pytest.raises(ModelFolderError, match='model folder not found'):
        Recognizer.load(str(tmp_path / 'missing'))
    with pytest.raises(ValueError, match='unknown decoder'):
        Recognizer.load(model_dir, decoder='beam')
    # the model folder has no lm.arpa (and the C++ decoder may not be built)
    with pytest.raises(ValueError, match='token passing decoder is not available|'
                                         'language model not found'):
        Recognizer.load(model_dir, decoder='token_passing')


def test_model_trained_with_cudnn_runs_on_cpu(tmp_path, pipeline, rng):
    folder = make_model_folder(tmp_path / 'cudnn', CharTable(CHARACTERS), pipeline,
                               {'use_cudnn': True})
    assert isinstance(Recognizer.load(str(folder)).recognize(random_line(rng)), str)
