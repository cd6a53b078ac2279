"""Where training runs: the tf.distribute strategy (one device, every local GPU, or the
workers of TF_CONFIG) and whether the LSTMs use cuDNN.
"""
import os

import tensorflow as tf

from models.training.epoch_loop import TrainingError


def make_strategy(distribute):
    """-> (strategy, whether this process writes the model folder)."""
    if not distribute:
        return tf.distribute.get_strategy(), True
    if 'TF_CONFIG' in os.environ:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        resolver = strategy.cluster_resolver
        chief = resolver.task_type == 'chief' or (
            resolver.task_type == 'worker' and resolver.task_id == 0
            and 'chief' not in resolver.cluster_spec().as_dict())
        return strategy, chief
    devices = tf.config.list_logical_devices('GPU') or tf.config.list_logical_devices('CPU')
    return tf.distribute.MirroredStrategy([d.name for d in devices]), True


def cudnn_choice(cuda):
    """--cuda / --no-cuda / neither -> LSTM use_cudnn True / False / 'auto'."""
    if cuda and not tf.config.list_physical_devices('GPU'):
        raise TrainingError('--cuda: TensorFlow sees no GPU; use --no-cuda, or leave both out')
    return 'auto' if cuda is None else cuda
