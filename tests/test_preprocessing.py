import json

import numpy as np
import pytest

from data.base import BadExample, validate_handwriting, validate_text
from data.charset import CharTable
from data.preprocessing import Pipeline, Resample, Standardize, strokes_to_points

STROKES = [[(10, 20, 0.0), (12, 20, 0.01), (14, 22, 0.02)], [(30, 10, 0.5), (30, 40, 0.6)]]


def test_points_mark_stroke_starts():
    points = strokes_to_points(validate_handwriting(STROKES))
    assert points.shape == (5, 4)
    assert points[:, 3].tolist() == [1, 0, 0, 1, 0]


def test_default_pipeline_by_hand():
    pipeline = Pipeline.named('default')
    points = strokes_to_points(validate_handwriting(STROKES))
    normalized = pipeline.run(points, 0, 1)
    # height 30 (y 10..40), left edge x=10, middle y=25
    assert normalized[0, :3] == pytest.approx([0.0, -5 / 30, 0.0])
    assert normalized[4, :3] == pytest.approx([20 / 30, 15 / 30, 0.6])
    offsets = pipeline.run(points, 0, 3)  # resample drops (12, 20): 2/30 from the start
    assert len(offsets) == 4
    assert offsets[0, :3].tolist() == [0, 0, 0]
    assert offsets[2, :3] == pytest.approx([16 / 30, -12 / 30, 0.48])


def test_resample_keeps_stroke_ends_and_drops_crowded_points():
    n = 101
    x = np.linspace(0, 1, n)
    stroke = np.stack([x, np.zeros(n), x, np.zeros(n)], axis=1)
    stroke[0, 3] = 1
    kept = Resample(step=0.1)(stroke)
    assert 10 <= len(kept) <= 12
    assert kept[0, 0] == 0 and kept[-1, 0] == 1
    assert Resample(step=0.001)(stroke).shape == stroke.shape


def test_resample_ignores_pen_up_jumps():
    points = strokes_to_points(validate_handwriting([[(0, 0, 0), (0.01, 0, 0.01)],
                                                     [(5, 0, 1), (5.01, 0, 1.01)]]))
    assert len(Resample(step=0.1)(points)) == 4


def test_standardize_streams_the_same_statistics():
    rng = np.random.default_rng(0)
    lines = [rng.normal(3, 2, size=(rng.integers(5, 50), 4)) for _ in range(20)]
    step = Standardize()
    for line in lines:
        step.partial_fit(line)
    step.finish_fit()
    everything = np.concatenate(lines)
    assert step.params['mean'] == pytest.approx(everything[:, :3].mean(axis=0).tolist())
    assert step.params['std'] == pytest.approx(everything[:, :3].std(axis=0).tolist())
    out = step(everything)
    assert out[:, :3].mean(axis=0) == pytest.approx([0, 0, 0], abs=1e-9)
    assert (out[:, 3] == everything[:, 3]).all()


def test_pipeline_json_round_trip_is_exact():
    pipeline = Pipeline.named('default')
    pipeline.steps[-1].partial_fit(np.array([[0.1, 0.2, 0.3, 1], [0.5, -0.2, 0.01, 0]]))
    pipeline.steps[-1].finish_fit()
    restored = Pipeline.from_json(json.loads(json.dumps(pipeline.to_json())))
    strokes = validate_handwriting(STROKES)
    assert np.array_equal(restored(strokes), pipeline(strokes))
    assert restored.to_json() == pipeline.to_json()


def test_unknown_names_are_reported():
    with pytest.raises(ValueError, match='unknown pre-processor'):
        Pipeline.named('fancy')
    with pytest.raises(ValueError, match="unknown pre-processing step 'blur'"):
        Pipeline.from_json({'steps': [{'name': 'blur', 'params': {}}]})


@pytest.mark.parametrize('strokes, message', [
    ([], 'empty handwriting'),
    ([[]], 'empty stroke'),
    ([[(1, 2, 0)]], 'too few points'),
    ([[(1, 2, 0), (float('nan'), 2, 1)]], 'NaN or inf'),
    ([[(1, 2, 0), (3, float('inf'), 1)]], 'NaN or inf'),
    ([[(1, 'a', 0), (3, 2, 1)]], 'non-numeric'),
    ([[(1, 2), (3, 2)]], r'stroke is not a list of \(x, y, t\)'),
])
def test_bad_handwriting_names_the_example(strokes, message):
    with pytest.raises(BadExample, match=f'example a01-7: {message}'):
        validate_handwriting(strokes, 'a01-7')


def test_bad_text():
    with pytest.raises(BadExample, match='example 3: empty text'):
        validate_text('  ', 3)
    with pytest.raises(BadExample, match='not a str'):
        validate_text(None, 3)


def test_char_table_round_trip_and_unknowns():
    table = CharTable.from_texts(['héllo', 'wörld'])
    assert table.num_classes == len(table) + 1
    encoded = table.encode('hello world')
    assert 0 not in encoded.tolist()
    assert table.characters == ['d', 'h', 'l', 'o', 'r', 'w', 'é', 'ö']
    assert table.decode(encoded) == 'hlloworld'
    assert table.unknown('hello world') == {'e': 1, ' ': 1}
    assert CharTable.from_json(json.loads(json.dumps(table.to_json()))) == table


def test_char_table_is_nfc():
    decomposed = 'e\u0301'
    table = CharTable.from_texts([decomposed])
    assert table.characters == ['\u00e9']
    assert table.decode(table.encode(decomposed)) == '\u00e9'
