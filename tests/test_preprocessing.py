import json

import numpy as np
import pytest

from data.base import BadExample, validate_handwriting, validate_text
from data.charset import CharTable
from data.preprocessing import (Deslant, NormalizeScale, Pipeline, Resample, Standardize,
                                strokes_to_points, weighted_quantile)

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


def stroke(x, y):
    points = np.stack([x, y, np.linspace(0, 1, len(x)), np.zeros(len(x))], axis=1)
    points[0, 3] = 1
    return points


def test_resample_with_a_tolerance_keeps_the_corner_a_chord_cuts_off():
    t = np.linspace(0, 1, 101)
    v = stroke(t, np.where(t < 0.53, t, 1.06 - t))  # the tip at 0.53, between samples
    plain, corners = Resample(step=0.2)(v), Resample(step=0.2, tolerance=0.25)(v)
    assert not np.any(np.isclose(plain[:, 0], 0.53))
    assert len(corners) == len(plain) + 1
    np.testing.assert_array_equal(corners[np.isclose(corners[:, 0], 0.53), :2], [[0.53, 0.53]])
    straight = stroke(t, 0.3 * t)
    np.testing.assert_array_equal(Resample(step=0.2, tolerance=0.25)(straight),
                                  Resample(step=0.2)(straight))


def test_resample_tolerance_measures_a_closed_loop_from_its_end():
    """A chord of length 0 (the pen back where it was) has no line to measure from."""
    angle = np.linspace(0, 2 * np.pi, 9)
    loop = stroke(0.1 * np.cos(angle), 0.1 * np.sin(angle))  # 0.63 of travel, back to start
    kept = Resample(step=10.0, tolerance=0.01)(loop)  # only the two ends on their own
    np.testing.assert_allclose(kept[:, :2], [[0.1, 0], [-0.1, 0], [0.1, 0]], atol=1e-12)


def test_resample_tolerance_is_saved_only_when_used():
    assert Resample(step=0.2).to_json() == {'name': 'resample', 'params': {'step': 0.2}}
    assert Resample(step=0.2, tolerance=0.3).to_json()['params'] == {'step': 0.2,
                                                                      'tolerance': 0.3}
    with pytest.raises(ValueError, match='tolerance'):
        Resample(step=0.2, tolerance=-1)


def test_resample_tolerance_with_every_point_kept():
    v = stroke(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0]))
    np.testing.assert_array_equal(Resample(step=0.1, tolerance=0.25)(v), v)


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


def slanted_line(shear, rng, dot=False):
    """Down strokes of random height, each leaning by `shear` (x += shear * y, y down)."""
    strokes = []
    for k in range(8):
        y = np.linspace(0, rng.uniform(5, 20), 12)
        x = 10.0 * k - shear * y
        strokes.append(np.stack([x, y, 0.01 * np.arange(12) + k], 1))
    if dot:
        strokes.append(np.array([[40.0, -300.0, 9.0]]))
    return strokes_to_points(strokes)


@pytest.mark.parametrize('shear', [-0.5, 0.0, 0.3])
def test_deslant_stands_down_strokes_upright(shear):
    points = slanted_line(shear, np.random.default_rng(0))
    upright = Deslant()(points)
    for stroke in np.split(upright, np.flatnonzero(upright[:, 3])[1:]):
        assert np.ptp(stroke[:, 0]) == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_array_equal(upright[:, 1:], points[:, 1:])


def test_deslant_ignores_flat_strokes_and_leaves_dots_alone():
    flat = strokes_to_points([np.array([[0, 0, 0], [10, 1, 0.1], [20, 0, 0.2]], float)])
    np.testing.assert_array_equal(Deslant()(flat), flat)  # 84 degrees from vertical
    dots = strokes_to_points([np.array([[0, 0, 0]], float), np.array([[5, 5, 1]], float)])
    np.testing.assert_array_equal(Deslant()(dots), dots)
    with pytest.raises(ValueError, match='max_angle'):
        Deslant(max_angle=90)


def test_robust_height_ignores_a_stray_dot():
    rng = np.random.default_rng(1)
    clean, dotted = slanted_line(0.0, rng), slanted_line(0.0, np.random.default_rng(1), True)
    full = [NormalizeScale()(p) for p in (clean, dotted)]
    robust = [NormalizeScale(quantile=0.05)(p) for p in (clean, dotted)]
    assert np.ptp(full[1][:-1, 0]) < 0.2 * np.ptp(full[0][:, 0])  # the dot shrank the line
    assert np.ptp(robust[1][:-1, 0]) == pytest.approx(np.ptp(robust[0][:, 0]), rel=1e-9)
    with pytest.raises(ValueError, match='quantile'):
        NormalizeScale(quantile=0.5)


def test_weighted_quantile_counts_weight_from_below():
    values, weights = np.array([3.0, 1.0, 2.0, 4.0]), np.array([1.0, 0.0, 2.0, 1.0])
    assert weighted_quantile(values, weights, 0.0) == 1.0
    assert weighted_quantile(values, weights, 0.5) == 2.0
    assert weighted_quantile(values, weights, 0.51) == 3.0
    assert weighted_quantile(values, weights, 1.0) == 4.0


def test_new_steps_travel_as_json_and_old_pipelines_read_as_before():
    pipeline = Pipeline.named('deslanted')
    assert [s.name for s in pipeline.steps][:2] == ['deslant', 'normalize_scale']
    again = Pipeline.from_json(json.loads(json.dumps(pipeline.to_json())))
    assert again.to_json() == pipeline.to_json()
    # a pipeline saved before normalize_scale had parameters is read with the full range
    old = Pipeline.from_json({'steps': [{'name': 'normalize_scale', 'params': {}}]})
    assert old.to_json() == {'steps': [{'name': 'normalize_scale', 'params': {}}]}


def test_height_keeps_each_frame_s_place_in_the_line_beside_its_movements():
    pipeline = Pipeline.named('deslanted_height')
    assert pipeline.num_features == 5 and Pipeline.named('deslanted').num_features == 4
    # upright strokes, so deslant leaves them be: height 30 (y 10..40), middle y = 25
    strokes = [[(10, 10, 0.0), (10, 40, 0.1)], [(30, 35, 0.5), (31, 35, 0.6)]]
    points = pipeline.run(strokes_to_points(validate_handwriting(strokes)), 0, 5)
    assert points.shape == (4, 5)
    # the fifth column is y itself, absolute, while y's own column became movements
    assert points[:, 4] == pytest.approx([-0.5, 0.5, 10 / 30, 10 / 30])
    assert points[:, 1] == pytest.approx([0.0, 1.0, -1 / 6, 0.0])
    features = pipeline.steps[-1]
    features.partial_fit(points)
    features.finish_fit()
    assert pipeline(strokes)[:, 4] == pytest.approx(points[:, 4])  # not standardized


def fitted(name='default', std_scale=1.0, **resample) -> Pipeline:
    """A named pipeline with standardize fitted to known numbers, its std times std_scale,
    and the resample step's parameters replaced by `resample` where given."""
    data = Pipeline.named(name).to_json()
    for step in data['steps']:
        if step['name'] == 'standardize':
            step['params'] = {'mean': [0.1, -0.2, 0.03],
                              'std': [s * std_scale for s in (0.3, 0.7, 0.011)]}
        if step['name'] == 'resample' and resample:
            step['params'] = resample
    return Pipeline.from_json(json.loads(json.dumps(data)))


ALL_PURPOSES = ('evaluate', 'resume', 'average', 'init_from')


@pytest.mark.parametrize('purpose', ALL_PURPOSES)
def test_a_data_set_compiled_again_elsewhere_fits_every_purpose(purpose):
    """Compiling the same lines on another machine moved standardize by 3e-7 of its value."""
    fit = fitted().fits(fitted(std_scale=1 + 3e-7), purpose)
    assert fit.ok and fit.reason == ''
    assert fitted().fits(fitted(), purpose).tolerated == ()
    if purpose == 'init_from':  # fitted parameters are not compared at all
        assert fit.tolerated == ()
    else:  # the same, and named: resume says so in a note
        [(name, model, data)] = fit.tolerated
        assert name == 'standardize' and data['std'][0] == pytest.approx(0.3 * (1 + 3e-7))
        assert model == fitted().steps[-1].params


@pytest.mark.parametrize('purpose, ok', [('evaluate', False), ('resume', False),
                                         ('average', False), ('init_from', True)])
def test_other_fitted_parameters_fit_only_a_fresh_start(purpose, ok):
    """1e-3: other lines; a new run may start from weights trained on them."""
    fit = fitted().fits(fitted(std_scale=1 + 1e-3), purpose)
    assert fit.ok == ok and fit.tolerated == ()
    if not ok:
        assert fit.reason == 'the parameters of standardize differ'


@pytest.mark.parametrize('purpose, ok', [('evaluate', False), ('resume', False),
                                         ('average', False), ('init_from', True)])
def test_another_density_fits_only_a_fresh_start_which_names_it(purpose, ok):
    fit = fitted(step=0.2).fits(fitted(step=0.15, tolerance=0.25), purpose)
    assert fit.ok == ok
    if ok:
        assert fit.tolerated == (('resample', {'step': 0.2},
                                  {'step': 0.15, 'tolerance': 0.25}),)
    else:
        assert fit.reason == 'the parameters of resample differ'


@pytest.mark.parametrize('purpose', ALL_PURPOSES)
def test_other_steps_or_other_fixed_parameters_fit_no_purpose(purpose):
    fit = fitted().fits(fitted('no_resample'), purpose)
    assert not fit.ok
    assert fit.reason == ('steps normalize_scale > resample > offsets > standardize vs '
                          'normalize_scale > offsets > standardize')
    robust = Pipeline([NormalizeScale(quantile=0.05), *fitted().steps[1:]])
    assert robust.fits(fitted(), purpose).reason == 'the parameters of normalize_scale differ'


def test_fits_knows_its_purposes_and_describes_the_steps():
    with pytest.raises(ValueError, match="unknown purpose 'train'"):
        fitted().fits(fitted(), 'train')
    assert fitted().describe() == ("normalize_scale -> resample{'step': 0.2} -> offsets -> "
                                   "standardize")
