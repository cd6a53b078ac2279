"""The web page's reading clock (demo/web/page_reader.js onReadingClock) puts a found line's
strokes on the times models/page_reader.py on_reading_clock gives them, to the bit: on the
lines found on synthetic pages with late i-dots and bars and a corrected word."""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from algorithms.line_finding import find_lines
from data.synthetic_pages import PageStyle, synthetic_page
from models.page_reader import on_reading_clock

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, 'demo', 'web', 'test', 'node_reading_clock.js')
LATE = PageStyle(lines=4, pitch=3.2, spacing=0.1, tilt=0.1, bend=0.05, turn=2.0, late=1.0,
                 corrections=1)


def test_javascript_reads_a_line_on_pythons_clock(tmp_path):
    node = shutil.which('node')
    if node is None:
        if os.environ.get('CI', '').lower() in ('true', '1'):
            pytest.fail('Node.js is not installed')
        pytest.skip('Node.js is not installed')
    cases = []
    for i in range(6):
        strokes = synthetic_page(i, style=LATE).strokes
        cases += [(strokes, [int(s) for s in line]) for line in find_lines(strokes)]
    (tmp_path / 'cases.json').write_text(json.dumps([
        {'strokes': [s.tolist() for s in strokes], 'group': group} for strokes, group in cases]))
    subprocess.run([node, SCRIPT, str(tmp_path / 'cases.json'), str(tmp_path / 'result.json')],
                   check=True, timeout=60)
    javascript = json.loads((tmp_path / 'result.json').read_text())
    moved = 0
    for k, ((strokes, group), js) in enumerate(zip(cases, javascript)):
        python = on_reading_clock(strokes, group)
        assert len(js) == len(python), f'line {k}'
        assert all(np.array_equal(np.asarray(j), p) for j, p in zip(js, python)), f'line {k}'
        moved += any(not np.array_equal(p, strokes[i]) for i, p in zip(group, python))
    assert moved >= 6  # lines whose strokes were read out of the order written
