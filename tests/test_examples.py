"""The example ink of examples/ink/ is what examples/write_examples.py writes, with its truth."""
import json
import os

from data.inkml import read_inkml
from examples.write_examples import write_examples

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = os.path.join(ROOT, 'examples', 'ink')


def read_example(path):
    """(text, strokes) of one example file, as the repository or the writer has it."""
    if path.endswith('.json'):
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
        return data['text'], data['strokes']
    [line] = read_inkml(path)
    return line.text, line.strokes


def test_the_shipped_examples_are_the_writers_lines_with_their_truth(tmp_path):
    written = write_examples(str(tmp_path))
    assert sorted(os.listdir(SHIPPED)) == sorted(os.path.basename(p) for p in written)
    assert len(written) >= 5
    assert {os.path.splitext(p)[1] for p in written} == {'.inkml', '.json'}
    for path in written:
        text, strokes = read_example(path)
        shipped_text, shipped_strokes = read_example(os.path.join(SHIPPED, os.path.basename(path)))
        assert text and text == shipped_text
        assert [len(s) for s in strokes] == [len(s) for s in shipped_strokes]
        # rounded to 0.01 on both sides; another CPU's last bits may round the other way
        assert all(abs(a - b) <= 0.011 for stroke, shipped in zip(strokes, shipped_strokes)
                   for point, shipped_point in zip(stroke, shipped)
                   for a, b in zip(point, shipped_point))
