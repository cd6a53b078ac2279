"""The training configuration: every setting of one training run, typed, with its default.

    from models.training.config import TrainingConfig
    config = TrainingConfig(dataset='datasets/iam', layers=3, units=128, epochs=40)

train.py builds one from its options (same names, same defaults: its --help is where each
is explained); tests and benchmarks construct one directly; every checkpoint records the
one in effect (models.training.checkpoints.Checkpoint.config: a resumed run's settings, with
the recipe it started with). A value out of its range is a ValueError naming the setting.
Imports no TensorFlow.
"""
from dataclasses import dataclass
from typing import Optional

from data.dataset_format import DEFAULT_DATASET
from models.model_folder import WEIGHTS_DIR

KEEP = 2  # checkpoints kept by default: the newest, and one to fall back on


@dataclass(frozen=True)
class TrainingConfig:
    # what to train, and where
    dataset: str = DEFAULT_DATASET
    name: Optional[str] = None  # model folder name; None: <data set>-<layers>x<units>
    weights_dir: str = WEIGHTS_DIR
    # the network
    layers: int = 2
    units: int = 64
    subsample: int = 1  # frames read as one by a strided convolution before the LSTMs
    dropout: float = 0.0
    # the optimizer and the data it sees
    epochs: int = 15  # in all, over resumed runs
    batch_size: int = 32
    learning_rate: float = 3e-3
    clipnorm: float = 5.0  # 0 = no clipping
    augment: float = 0.0  # scale of the random distortion; 1 = the IAM-OnDB recipe's
    warp: float = 0.0  # scale of the distortion's drift along a line
    seed: int = 0
    # the schedule: patience in epochs, 0 = never
    reduce_lr: int = 0
    reduce_lr_factor: float = 0.5
    min_learning_rate: float = 1e-5
    early_stopping: int = 0
    # where it runs
    cuda: Optional[bool] = None  # None: cuDNN when a GPU is there
    distribute: bool = False
    threads: int = 0  # TensorFlow's CPU threads; 0 = its choice
    # the model folder
    keep_checkpoints: int = KEEP
    init_from: Optional[str] = None  # a model folder whose weights a fresh run starts from
    overwrite: bool = False
    allow_dataset_change: bool = False
    # what it prints
    show: int = 3  # validation lines shown after each epoch
    progress: bool = True

    def __post_init__(self):
        for name, ok, rule in [('epochs', self.epochs >= 1, '>= 1'),
                               ('batch_size', self.batch_size >= 1, '>= 1'),
                               ('learning_rate', self.learning_rate > 0, '> 0'),
                               ('clipnorm', self.clipnorm >= 0, '>= 0'),
                               ('layers', self.layers >= 1, '>= 1'),
                               ('units', self.units >= 1, '>= 1'),
                               ('subsample', 1 <= self.subsample <= 4, 'in [1, 4]'),
                               ('dropout', 0 <= self.dropout < 1, 'in [0, 1)'),
                               ('augment', 0 <= self.augment <= 3, 'in [0, 3]'),
                               ('warp', 0 <= self.warp <= 3, 'in [0, 3]'),
                               ('reduce_lr', self.reduce_lr >= 0, '>= 0'),
                               ('reduce_lr_factor', 0 < self.reduce_lr_factor < 1, 'in (0, 1)'),
                               ('min_learning_rate', self.min_learning_rate >= 0, '>= 0'),
                               ('early_stopping', self.early_stopping >= 0, '>= 0'),
                               ('show', self.show >= 0, '>= 0'),
                               ('threads', self.threads >= 0, '>= 0'),
                               ('keep_checkpoints', self.keep_checkpoints >= 1, '>= 1')]:
            if not ok:
                raise ValueError(f'{name} must be {rule}, got {getattr(self, name)}')
