"""The web page's pre-processing (demo/web/preprocessing.js) equals data/preprocessing.py
step for step, on random slanted lines with stray dots, for every named pre-processor, for
the robust height of normalize_scale and for resampling that keeps corners."""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from data.base import validate_handwriting
from data.preprocessing import PREPROCESSORS, Pipeline, Standardize, strokes_to_points

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, 'demo', 'web', 'test', 'node_preprocessing.js')
TOLERANCE = 1e-9  # float64 on both sides; only summation order differs


def random_line(rng):
    """A slanted, wobbly line of a few strokes, with a dot far above it now and then."""
    strokes, t, x0 = [], 0.0, 0.0
    slant = rng.uniform(-0.6, 0.6)
    for _ in range(rng.integers(1, 6)):
        n = int(rng.integers(2, 40))
        y = np.cumsum(rng.normal(0, 3, n)) + rng.uniform(-20, 20)
        x = x0 + np.cumsum(rng.uniform(0, 4, n)) + slant * y
        times = t + np.cumsum(rng.uniform(0.005, 0.02, n))
        strokes.append(np.stack([x, y, times], 1).tolist())
        x0, t = x.max() + rng.uniform(2, 10), times[-1] + 0.1
    if rng.random() < 0.3:
        strokes.append([[x0, -200.0, t + 0.1]])
    return strokes


def pipelines():
    fitted = {'mean': [0.1, -0.2, 0.01], 'std': [0.5, 0.7, 0.02]}
    named = []
    for name, steps in sorted(PREPROCESSORS.items()):
        named.append((name, [(s, fitted if s == Standardize.name else p) for s, p in steps]))
    named.append(('robust_height', [('deslant', {'max_angle': 30.0}),
                                    ('normalize_scale', {'quantile': 0.1}),
                                    ('resample', {'step': 0.3}), ('offsets', {})]))
    named.append(('corners', [('normalize_scale', {}),
                              ('resample', {'step': 0.3, 'tolerance': 0.1}), ('offsets', {})]))
    return named


@pytest.mark.parametrize('name,steps', pipelines(), ids=[n for n, _ in pipelines()])
def test_javascript_steps_equal_python(tmp_path, name, steps):
    node = shutil.which('node')
    if node is None:
        if os.environ.get('CI', '').lower() in ('true', '1'):
            pytest.fail('Node.js is not installed')
        pytest.skip('Node.js is not installed')
    rng = np.random.default_rng(7)
    lines = [random_line(rng) for _ in range(40)]
    pipeline = Pipeline.from_json({'steps': [{'name': s, 'params': p} for s, p in steps]})
    cases, result = tmp_path / 'cases.json', tmp_path / 'result.json'
    cases.write_text(json.dumps({'pipeline': pipeline.to_json(), 'lines': lines}))
    subprocess.run([node, SCRIPT, str(cases), str(result)], check=True, timeout=60)
    js_lines = json.loads(result.read_text())['lines']
    for i, (strokes, js) in enumerate(zip(lines, js_lines)):
        python = pipeline.run(strokes_to_points(validate_handwriting(strokes)))
        js = np.array(js)
        assert js.shape == python.shape, f'line {i}'
        assert np.abs(js - python).max() <= TOLERANCE, f'line {i}'
