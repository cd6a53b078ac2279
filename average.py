"""Average the network weights of a model's newest checkpoints into a model folder.

    python train.py --dataset datasets/iam ... --keep_checkpoints 8
    python average.py --model weights/iam-3x128 --last 8 --output weights/iam --overwrite
    python average.py --model weights/run-a weights/run-b --last 2 --output weights/both

Late in training the weights wander from epoch to epoch around a good region; their mean
lies nearer its middle and reads better than any one epoch (IAM-OnDB validation lines, the
README's recipe: see "IAM-OnDB"). The networks here have no batch normalization, so the
mean of the weights is the whole job: no pass over the training data is needed.

Several model folders give the mean of the newest checkpoints of each, all weighted alike.
That only makes sense for runs that started from the same weights (`train.py --init_from`
the same folder, with other seeds): they stay in one region, and their mean reads as well
as the best of them, with less of the luck of one seed (the synthetic recipe, see "The
shipped models"). Runs started apart end in regions whose mean is no network at all: 99.7%
CER for two IAM-OnDB runs, one from scratch.

The output folder gets model.keras and recognizer.json, which records the averaged epochs
and the validation CER and WER of the averaged network, measured here with best path on
the validation split of the model's data set. A language model and decoder settings
already in the output folder stay; build_lm.py and tune_decoder.py work on it as on any
model folder.
"""
import argparse
import os
import sys

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')  # TensorFlow's start-up chatter

from models.model_folder import ModelFolderError  # noqa: E402 (after the environment is set)
from models.training.averaging import average  # noqa: E402
from models.training.checkpoints import CheckpointError  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', required=True, nargs='+', metavar='MODEL_DIR',
                   help='model folder(s) written by train.py; several: runs from the same '
                   'starting weights, whose checkpoints are averaged together')
    p.add_argument('--last', type=int, default=5,
                   help='average the newest N checkpoints of each folder (train.py keeps N '
                   'with --keep_checkpoints N; default: %(default)s)')
    p.add_argument('--output', help='model folder to write (default: <first model>-avg<N>)')
    p.add_argument('--overwrite', action='store_true',
                   help='replace the network of an existing output folder')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        average(args.model, args.last, args.output, args.overwrite)
    except (ModelFolderError, CheckpointError, ValueError, FileNotFoundError) as e:
        sys.exit(f'average.py: error: {e}')


if __name__ == '__main__':
    main()
