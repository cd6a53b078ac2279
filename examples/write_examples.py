"""Writes the example ink of examples/ink/: plain lines people write, in the synthetic writer's
hand at its most human settings.

    python examples/write_examples.py            # rewrites examples/ink/
    python examples/write_examples.py --output /tmp/ink

The texts are what people jot down (a note, a to-do, a date and time, an address, a quote,
a reminder), chosen before any was written, and never changed after reading what a model
makes of them. Each is written by `SyntheticSource.write` in the hand of one of the first six
writers of one seed (28), in order, none skipped, with every option that brings the source
closer to people's writing, as the second stage of weights/synthetic was trained
(accents_in_place 0.95, print_order, variability 2, elastic 2.5, allographs 0.8). No model
has seen these lines: the shipped models were trained on seed 0's. The first three are InkML
with the text as `<annotation type="truth">`, the last three JSON objects with "text" and
"strokes" ([[x, y, t], ...] per stroke, t in seconds).
"""
import argparse
import json
import os

from data.inkml import to_inkml
from data.synthetic import SyntheticSource

HERE = os.path.dirname(os.path.abspath(__file__))
SEED, INKML_LINES = 28, 3
TEXTS = ['Call Anna back before 5 pm', 'Buy milk, eggs and bread',
         'Meeting moved to Tuesday, 14 March at 10:30', '12 Elm Road, Oxford',
         '"Less is more," she said.', "Don't forget the keys!"]
HUMAN = dict(min_words=2, max_words=9, accents_in_place=0.95, print_order=True,
             variability=2.0, elastic=2.5, allographs=0.8)


def rounded(strokes):
    """Points to a hundredth of a unit and a millisecond: what a pen app would store."""
    return [[[round(x, 2), round(y, 2), round(t, 3)] for x, y, t in stroke] for stroke in strokes]


def write_examples(folder):
    """The example files in `folder`, named by their line's number; -> their paths."""
    os.makedirs(folder, exist_ok=True)
    source = SyntheticSource(len(TEXTS), seed=SEED, **HUMAN)
    paths = []
    for n, text in enumerate(TEXTS, start=1):
        strokes = rounded(source.write(text, n - 1))
        if n <= INKML_LINES:
            path = os.path.join(folder, f'line{n}.inkml')
            content = to_inkml(strokes, text)
        else:
            path = os.path.join(folder, f'line{n}.json')
            content = json.dumps({'text': text, 'strokes': strokes}) + '\n'
        with open(path, 'w', encoding='utf-8') as f:
            f.write(content)
        paths.append(path)
    return paths


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--output', default=os.path.join(HERE, 'ink'),
                   help='folder to write to (default: examples/ink)')
    for path in write_examples(p.parse_args(argv).output):
        print(path)


if __name__ == '__main__':
    main()
