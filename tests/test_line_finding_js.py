"""The web page's line finding (demo/web/line_finding.js) finds the lines of
algorithms/line_finding.py, stroke for stroke and in the same reading order: on synthetic
pages (late i-dots and t-bars, corrections, one-word lines, tilted and bent lines, turned
pages), with every cue and with each cue switched off, and on hand-made edge cases."""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from algorithms.line_finding import CUES, find_lines
from data.synthetic_pages import PageStyle, synthetic_page
from test_line_finding import (flat_word_and_bar, late_bar_and_dot, late_marks_of_several_words,
                               lines_written_first_third_second, stroke, written_line)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, 'demo', 'web', 'test', 'node_line_finding.js')
# late dots and bars after the page, a word corrected after the next line, slanted and
# bent lines, a page turned 3 degrees
HARD = PageStyle(lines=5, pitch=3.2, spacing=0.1, tilt=0.15, bend=0.1, turn=3.0, late=1.0,
                 corrections=1)


@pytest.fixture(scope='module')
def node():
    node = shutil.which('node')
    if node is None:
        if os.environ.get('CI', '').lower() in ('true', '1'):
            pytest.fail('Node.js is not installed')
        pytest.skip('Node.js is not installed')
    return node


def hand_made() -> dict:
    """Edge cases by name: strokes."""
    touching0, touching1 = written_line(0, 0, words=5), written_line(45, 10, words=5)
    touching0[2] = np.concatenate([touching0[2], stroke(160, 20, 5, 30, 2.2, 4)])  # descender
    touching1[2] = np.concatenate([stroke(130, 25, 5, 20, 12, 4), touching1[2]])   # ascender
    a = np.radians(5.0)
    level = [*written_line(0, 0, words=8), *written_line(40, 10, words=8),
             *written_line(80, 20, words=8)]
    turned = [np.column_stack([s[:, 0] * np.cos(a) - s[:, 1] * np.sin(a),
                               s[:, 0] * np.sin(a) + s[:, 1] * np.cos(a), s[:, 2]])
              for s in level]
    dot = np.array([[70.0, -8.0, 30.0], [71.0, -8.0, 30.01]])
    flat_word, bar = flat_word_and_bar()
    return {
        'empty page': [],
        'strokes without points': [[], []],
        'a single stroke': [stroke(0, 0, 40, 20, 0)],
        'a single point': [[(3.0, 4.0, 0.0)]],
        'two points without times': [[(3.0, 4.0)], [(5.0, 4.0)]],
        'two lines that touch': touching0 + touching1,
        'a one-word line': [*written_line(0, 0), *written_line(60, 10, words=1),
                            *written_line(120, 20)],
        'lines written first, third, second': lines_written_first_third_second(),
        'lines written bottom first': [*written_line(120, 0), *written_line(0, 10),
                                       *written_line(60, 20)],
        'a late dot': [*written_line(0, 0), *written_line(60, 10), dot],
        'late marks of several words': late_marks_of_several_words(),
        'a late bar and dot over stems': late_bar_and_dot(),
        'a one-word line of small letters': flat_word,
        'a bar between lines': bar,
        'a late word': [*written_line(0, 0, words=3), *written_line(60, 10),
                        stroke(190, 0, 45, 20, 30)],
        'a word high above a line': [stroke(70, -60, 40, 20, 0), *written_line(0, 1)],
        'empty strokes between lines': [[], *written_line(0, 0), [], *written_line(60, 10)],
        'a page turned 5 degrees': turned,
    }


def cases() -> list:
    """[(name, strokes, cues or None for each side's default, which must agree)]."""
    pages = {f'synthetic page {i}': synthetic_page(i).strokes for i in range(10)}
    pages.update({f'hard synthetic page {i}': synthetic_page(i, style=HARD).strokes
                  for i in range(6)})
    out = [(name, strokes, None) for name, strokes in {**pages, **hand_made()}.items()]
    for i in range(3):  # each cue switched off, on some pages
        strokes = pages[f'hard synthetic page {i}']
        out += [(f'hard synthetic page {i} without {cue}', strokes, sorted(CUES - {cue}))
                for cue in sorted(CUES)]
    return out


def test_javascript_finds_the_lines_python_finds(node, tmp_path):
    named = cases()
    as_lists = [[np.asarray(s, dtype=float).tolist() for s in strokes]
                for _, strokes, _ in named]
    (tmp_path / 'cases.json').write_text(json.dumps({'pages': [
        {'strokes': strokes, 'cues': cues} for strokes, (_, _, cues) in zip(as_lists, named)]}))
    subprocess.run([node, SCRIPT, str(tmp_path / 'cases.json'), str(tmp_path / 'result.json')],
                   check=True, timeout=120)
    javascript = json.loads((tmp_path / 'result.json').read_text())['lines']
    python = [[[int(i) for i in line] for line in
               (find_lines(strokes) if cues is None else find_lines(strokes, set(cues)))]
              for strokes, (_, _, cues) in zip(as_lists, named)]
    differ = [name for (name, _, _), p, j in zip(named, python, javascript) if p != j]
    assert not differ, f'JavaScript finds other lines than Python on: {", ".join(differ)}'
    # the cases reach what matters: several lines, strokes put back in their place
    assert sum(len(lines) >= 3 for lines in python) >= 20
    assert sum(any(line != sorted(line) for line in lines) for lines in python) >= 3


def test_javascript_refuses_an_unknown_cue(node, tmp_path):
    (tmp_path / 'cases.json').write_text(json.dumps({'pages': [
        {'strokes': [stroke(0, 0, 40, 20, 0).tolist()], 'cues': ['magic']}]}))
    done = subprocess.run([node, SCRIPT, str(tmp_path / 'cases.json'),
                           str(tmp_path / 'result.json')], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and 'unknown line finding cues magic' in done.stderr
