"""Draw a few IAM-OnDB validation lines as ink, each with its truth and what a model reads.

    python studies/render_recognitions.py                       # weights/iam -> docs/iam_lines.png
    python studies/render_recognitions.py --model weights/iam-3x128 --lines 6 --seed 2

Reads raw ink with IamSource (so IAM-OnDB must be unpacked, see README "IAM-OnDB") from the
validation forms (testset_v, testset_t), picks lines at random by --seed, recognizes them
through the Recognizer as a user would (raw strokes in), and draws ink, truth and the
recognized text of both decoders where the model folder has a language model. The figure
also prints: character errors per line.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import numpy as np  # noqa: E402 (after the path is set)

from algorithms.error_rates import edit_distance  # noqa: E402
from data.iam import DEFAULT_ROOT, DEFAULT_SPLIT_LISTS, IamSource  # noqa: E402
from models.model_folder import DEFAULT_MODEL, LM_FILE  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default=DEFAULT_MODEL, help='model folder (%(default)s)')
    p.add_argument('--root', default=DEFAULT_ROOT, help='IAM-OnDB (%(default)s)')
    p.add_argument('--split_lists', default=DEFAULT_SPLIT_LISTS,
                   help='folder of the t1 form lists (default: %(default)s)')
    p.add_argument('--lines', type=int, default=5, help='lines to draw (%(default)s)')
    p.add_argument('--seed', type=int, default=1, help='which lines (%(default)s)')
    p.add_argument('--output', default='docs/iam_lines.png', help='PNG (%(default)s)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from models.recognizer import Recognizer
    source = IamSource(None, root=args.root, split_lists=args.split_lists)
    validation = list(source.get_examples(split='validation'))
    rng = np.random.default_rng(args.seed)
    picked = [validation[i] for i in sorted(rng.choice(len(validation), args.lines, False))]
    decoders = ['best_path'] + (['token_passing']
                                if os.path.isfile(os.path.join(args.model, LM_FILE)) else [])
    readings = {d: Recognizer.load(args.model, d).recognize_batch([e.strokes for e in picked])
                for d in decoders}

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(picked), 1, figsize=(12, 2.0 * len(picked)), squeeze=False)
    for i, (ax, example) in enumerate(zip(axes[:, 0], picked)):
        for stroke in map(np.asarray, example.strokes):
            ax.plot(stroke[:, 0], stroke[:, 1], '-', color='#1a1a4d', lw=1.2)
        lines = [f'{example.id}   truth: {example.text}']
        for d in decoders:
            text = readings[d][i]
            errors = edit_distance(example.text, text)
            lines.append(f'{d.replace("_", " ")}: {text}   ({errors} character errors)')
            print(f'{example.id} {d}: {text!r} vs {example.text!r}: {errors} errors')
        ax.set_title('\n'.join(lines), fontsize=9, loc='left', family='monospace')
        ax.set_aspect('equal')
        ax.invert_yaxis()
        ax.axis('off')
    fig.tight_layout()
    os.makedirs(os.path.dirname(args.output) or '.', exist_ok=True)
    fig.savefig(args.output, dpi=80)
    print(f'wrote {args.output}')


if __name__ == '__main__':
    main()
