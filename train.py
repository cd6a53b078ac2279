"""Train the BiLSTM-CTC recognizer on a compiled data set; resume by running it again.

    python compile.py synthetic default --num_examples=3000   # once: datasets/synthetic
    python train.py                                  # -> weights/synthetic-2x64
    python train.py --epochs 40                      # again: resumes, trains to epoch 40
    python train.py --dataset datasets/iam --layers 3 --units 256 --epochs 100 \\
        --reduce_lr 3 --early_stopping 8 --dropout 0.3
    python train.py --dataset datasets/iam --layers 3 --units 128 \\
        --init_from weights/synthetic-big-3x128      # start from another folder's weights
    python train.py --distribute                     # all local GPUs; or several machines
                                                     # described by TF_CONFIG
    tensorboard --logdir weights                     # watch the curves

The model folder weights/<name> (default name: <data set>-<layers>x<units>, so that the
shipped weights/synthetic is never overwritten by accident) holds model.keras (the best
epoch by validation CER), recognizer.json (pre-processing, character table, architecture)
and training/ (the two newest checkpoints, log.csv, tensorboard/). Interrupted training
(Ctrl-C, kill -9, power loss) continues after the last finished epoch when the same command
is run again: same weights, optimizer state, learning rate, counters and batch order. A
resumed run keeps the seed, batch size, clip norm and learning rate it started with; the
epoch count and the --reduce_lr / --early_stopping settings may change between runs.
"""
import argparse
import errno
import os
import sys
import warnings
from contextlib import nullcontext

from data.dataset_format import open_dataset
from models.training.checkpoints import CheckpointError
from models.training.config import TrainingConfig
from models.training.epoch_loop import TrainingError
from models.training.init_from import check_source
from models.training.resume import (check_dataset, check_fits, dataset_fingerprint,
                                    lock_folder, prepare_folder, tf_config_chief)

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')  # TensorFlow's start-up chatter
DEFAULTS = TrainingConfig()


class OneLineParser(argparse.ArgumentParser):
    """Reports a bad option in one line, not after the whole usage text."""

    def error(self, message):
        self.exit(2, f'{self.prog}: error: {message} (see --help)\n')


def parse_args(argv=None) -> TrainingConfig:
    p = OneLineParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default=DEFAULTS.dataset,
                   help='compiled data set folder, made by compile.py (default: %(default)s)')
    p.add_argument('--name', help='model folder name under --weights_dir; default: '
                   '<data set name>-<layers>x<units>, e.g. synthetic-2x64')
    p.add_argument('--weights_dir', default=DEFAULTS.weights_dir,
                   help='where model folders live (default: %(default)s)')
    p.add_argument('--epochs', type=int, default=DEFAULTS.epochs,
                   help='train until this many epochs are done in all; a resumed run may '
                   'raise it to train on (default: %(default)s)')
    p.add_argument('--batch_size', type=int, default=DEFAULTS.batch_size,
                   help='lines per optimizer step, split across replicas with --distribute '
                   '(default: %(default)s)')
    p.add_argument('--learning_rate', type=float, default=DEFAULTS.learning_rate,
                   help='Adam learning rate at the start (default: %(default)s)')
    p.add_argument('--clipnorm', type=float, default=DEFAULTS.clipnorm,
                   help='clip the gradient to this global norm; 0 = no clipping '
                   '(default: %(default)s)')
    p.add_argument('--layers', type=int, default=DEFAULTS.layers,
                   help='bidirectional LSTM layers (default: %(default)s)')
    p.add_argument('--units', type=int, default=DEFAULTS.units,
                   help='LSTM units per direction and layer (default: %(default)s)')
    p.add_argument('--subsample', type=int, default=DEFAULTS.subsample, metavar='STRIDE',
                   help='read STRIDE frames as one with a strided 1-D convolution before '
                   'the LSTMs, which then run over STRIDE times fewer frames (2 halves '
                   'training and recognition time on IAM-OnDB); 1 = none (default: '
                   '%(default)s)')
    p.add_argument('--dropout', type=float, default=DEFAULTS.dropout,
                   help='dropout after each LSTM layer, in [0, 1) (default: %(default)s)')
    p.add_argument('--augment', type=float, default=DEFAULTS.augment, metavar='FACTOR',
                   help='distort each training line at random (scale, aspect, shear, '
                   'rotation, pen speed; see models/training/augmentation.py): 1 = the '
                   'IAM-OnDB recipe\'s ranges, 0.5 half of them, 0 = none (default: %(default)s)')
    p.add_argument('--warp', type=float, default=DEFAULTS.warp, metavar='FACTOR',
                   help='let the distortion drift along each training line: size, width, '
                   'slant and baseline angle vary smoothly every few characters (on top of '
                   '--augment, or alone); 1 = up to 10%% size and width, 0.15 shear, 2 '
                   'degrees; 0 = none (default: %(default)s)')
    p.add_argument('--cuda', action=argparse.BooleanOptionalAction, default=DEFAULTS.cuda,
                   help='--cuda insists on cuDNN LSTM kernels (needs a GPU), --no-cuda uses '
                   'the generic kernels; default: cuDNN when a GPU is there. The saved model '
                   'runs on a CPU either way')
    p.add_argument('--reduce_lr', type=int, default=DEFAULTS.reduce_lr, metavar='PATIENCE',
                   help='multiply the learning rate by --reduce_lr_factor after PATIENCE '
                   'epochs without a lower validation loss; 0 = never (default)')
    p.add_argument('--reduce_lr_factor', type=float, default=DEFAULTS.reduce_lr_factor,
                   help='see --reduce_lr (default: %(default)s)')
    p.add_argument('--min_learning_rate', type=float, default=DEFAULTS.min_learning_rate,
                   help='--reduce_lr stops here (default: %(default)s)')
    p.add_argument('--early_stopping', type=int, default=DEFAULTS.early_stopping,
                   metavar='PATIENCE',
                   help='stop after PATIENCE epochs without a lower validation loss; '
                   '0 = never (default)')
    p.add_argument('--seed', type=int, default=DEFAULTS.seed,
                   help='seed of the initial weights, dropout and batch order '
                   '(default: %(default)s)')
    p.add_argument('--distribute', action='store_true',
                   help='data-parallel training with tf.distribute: MirroredStrategy over the '
                   'local GPUs (or logical CPUs), or MultiWorkerMirroredStrategy across '
                   'machines when TF_CONFIG is set')
    p.add_argument('--keep_checkpoints', type=int, default=DEFAULTS.keep_checkpoints,
                   metavar='N',
                   help='keep the N newest epochs\' checkpoints, for average.py to average '
                   '(default: %(default)s: the newest and one to fall back on)')
    p.add_argument('--init_from', metavar='MODEL_DIR',
                   help='start from the weights of this model folder (e.g. one pre-trained '
                   'on synthetic lines): same layers, units and pre-processing; the output '
                   'layer is taken by character, characters new to it start fresh; the '
                   'optimizer, learning rate and epochs start fresh. Ignored when resuming')
    p.add_argument('--overwrite', action='store_true',
                   help='delete the model folder and start over instead of resuming')
    p.add_argument('--allow_dataset_change', action='store_true',
                   help='resume although the data set was compiled otherwise than when the '
                   'checkpoint was made (other pre-processing, lines or character order); '
                   'without it such a resume stops and says what changed')
    p.add_argument('--show', type=int, default=DEFAULTS.show,
                   help='validation lines printed as truth -> prediction after each epoch '
                   '(default: %(default)s)')
    p.add_argument('--threads', type=int, default=DEFAULTS.threads,
                   help='CPU threads for TensorFlow\'s operations; 0 = TensorFlow\'s choice '
                   '(all cores). On a machine shared with other work, 1 thread pinned to '
                   'a core (taskset -c 1 python train.py --threads 1 ...) suffers far '
                   'less from the other work than threads that must wait for each other')
    p.add_argument('--no-progress', dest='progress', action='store_false',
                   help='no progress bar')
    try:
        return TrainingConfig(**vars(p.parse_args(argv)))
    except ValueError as error:
        p.error(f'--{error}')


def warning_line(message, *_, **__):
    """Warnings as `warning: <text>` lines, without the file and line of the code."""
    return f'warning: {message}\n'


def main(argv=None):
    config = parse_args(argv)
    original = warnings.formatwarning  # catch_warnings restores the filters, not this
    try:
        with warnings.catch_warnings():
            warnings.formatwarning = warning_line
            run(config)
    except (TrainingError, CheckpointError, FileNotFoundError) as e:
        sys.exit(f'train.py: error: {e}')
    except OSError as e:  # a full disk, most often: every file is written whole or not at all
        full = e.errno in (errno.ENOSPC, errno.EDQUOT)
        sys.exit(f'train.py: error: {"disk full" if full else e.strerror or e} while writing '
                 f'{e.filename or "the model folder"}; '
                 f'{"free some space, then " if full else ""}run the same command again to '
                 f'resume after the last finished epoch')
    except KeyboardInterrupt:
        sys.exit('\ntrain.py: interrupted; run the same command again to resume after the '
                 'last finished epoch')
    finally:
        warnings.formatwarning = original


def run(config):
    dataset = open_dataset(config.dataset)
    name = config.name or (f'{os.path.basename(os.path.normpath(config.dataset))}'
                         f'-{config.layers}x{config.units}')
    folder = os.path.join(config.weights_dir, name)
    architecture = {'num_features': dataset.pipeline.num_features,
                    'num_classes': dataset.char_table.num_classes, 'num_layers': config.layers,
                    'units': config.units, 'dropout': config.dropout}
    if config.subsample > 1:  # absent for 1, as in the folders of older runs
        architecture['stride'] = config.subsample
    # the workers of one multi-machine run share the folder: only the chief prepares it and
    # writes to it; the others take the chief's checkpoint (models.training.workers)
    multi_worker = config.distribute and 'TF_CONFIG' in os.environ
    chief = not multi_worker or tf_config_chief()
    with nullcontext() if multi_worker else lock_folder(folder):
        checkpoint = prepare_folder(folder, config.overwrite) if chief else None
        if checkpoint is not None:
            check_fits(checkpoint, architecture, dataset.char_table.characters, folder)
            check_dataset(checkpoint, dataset_fingerprint(dataset), folder,
                          config.allow_dataset_change)
        elif config.init_from:
            check_source(config.init_from, architecture, dataset.pipeline)

        from models.training.run import train  # TensorFlow starts here, after the cheap checks
        train(config, dataset, folder, architecture, checkpoint)


if __name__ == '__main__':
    main()
