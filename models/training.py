"""One optimizer step and one validation pass of the BiLSTM-CTC network.

A custom loop rather than model.fit: each step is one compiled TensorFlow function fed
padded NumPy batches of varying shape, and everything a resumed run needs (variables,
optimizer slots, step count) is in plain variables that models.checkpoints saves.

Distribution: under a tf.distribute strategy each replica gets its share of the batch
(Batch.part); the loss is summed over the lines and divided by the whole batch's line
count, the gradients are summed across replicas, clipped by their global norm, and applied
once, so a step is the same arithmetic as on one device.
"""
import numpy as np
import tensorflow as tf

import keras
from algorithms.best_path import decode_batch
from models.batching import sequential_batches
from models.ctc_model import ctc_loss_per_line, logits_model

_SIGNATURE = [tf.TensorSpec([None, None, None], tf.float32),  # features (B, T, F)
              tf.TensorSpec([None], tf.int32),                # frame lengths (B,)
              tf.TensorSpec([None, None], tf.int32),          # labels (B, L)
              tf.TensorSpec([None], tf.int32),                # label lengths (B,)
              tf.TensorSpec([], tf.float32)]                  # lines in the whole batch


class Trainer:
    def __init__(self, model, learning_rate, clipnorm=None, strategy=None):
        """Create under `strategy.scope()` when distributing, as the model was."""
        self.model, self.clipnorm = model, clipnorm
        self.strategy = strategy or tf.distribute.get_strategy()
        self.logits = logits_model(model)
        self.optimizer = keras.optimizers.Adam(learning_rate)
        self.optimizer.build(model.trainable_variables)
        if self.strategy.num_replicas_in_sync == 1:
            step = tf.function(self._replica_step, input_signature=_SIGNATURE,
                               jit_compile=False)
            self._step = lambda batch: step(*_tensors(batch), _count(batch))
        else:
            self._step = self._distributed_step()
        self._evaluate = tf.function(self._evaluate_batch, input_signature=_SIGNATURE[:4])

    @property
    def replicas(self) -> int:
        return self.strategy.num_replicas_in_sync

    def set_learning_rate(self, value):
        """The schedule's rate for the next epoch (a variable: the step is not retraced)."""
        self.optimizer.learning_rate = value

    def train_batch(self, batch) -> float:
        """One optimizer step; returns the batch's mean CTC loss per line."""
        return float(self._step(batch))

    def _replica_step(self, features, frame_lengths, labels, label_lengths, batch_lines):
        variables = self.model.trainable_variables
        with tf.GradientTape() as tape:
            logits = self.logits(features, training=True)  # (b, T, C)
            losses = ctc_loss_per_line(labels, label_lengths, logits, frame_lengths)  # (b,)
            loss = tf.reduce_sum(losses) / batch_lines
        grads = tape.gradient(loss, variables)
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync
        if replicas > 1:  # clip the whole batch's gradient, not each replica's share
            grads = context.all_reduce(tf.distribute.ReduceOp.SUM, grads)
        if self.clipnorm:
            grads, _ = tf.clip_by_global_norm(grads, self.clipnorm)
        if replicas > 1:  # the optimizer sums the replicas' gradients again
            grads = [g / replicas for g in grads]
        self.optimizer.apply(grads, variables)
        return loss

    def _distributed_step(self):
        strategy = self.strategy

        @tf.function(reduce_retracing=True, jit_compile=False)
        def step(per_replica):
            losses = strategy.run(self._replica_step, args=per_replica)
            return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

        def run(batch):
            parts = [(*_tensors(batch.part(k, self.replicas)), _count(batch))
                     for k in range(self.replicas)]
            per_replica = strategy.experimental_distribute_values_from_function(
                lambda context: parts[context.replica_id_in_sync_group])
            return step(per_replica)
        return run

    def _evaluate_batch(self, features, frame_lengths, labels, label_lengths):
        logits = self.logits(features, training=False)
        losses = ctc_loss_per_line(labels, label_lengths, logits, frame_lengths)
        return losses, tf.nn.softmax(logits)

    def evaluate(self, lines, batch_size):
        """-> (mean CTC loss per line, best-path class ids of every line in order)."""
        losses, decoded = np.zeros(len(lines)), [None] * len(lines)
        for indices in sequential_batches(lines.lengths, batch_size):
            batch = lines.batch(indices)
            loss, probabilities = self._evaluate(*_tensors(batch))
            losses[indices] = loss.numpy()
            for i, ids in zip(indices, decode_batch(probabilities.numpy(), batch.frame_lengths)):
                decoded[i] = ids
        return float(losses.mean()), decoded

    def model_values(self) -> list:
        return [v.numpy() for v in self.model.variables]

    def optimizer_values(self) -> list:
        return [v.numpy() for v in self.optimizer.variables]

    def restore(self, model_values, optimizer_values):
        """Assign saved values; ValueError naming the first variable that does not fit."""
        for kind, variables, values in (('model', self.model.variables, model_values),
                                        ('optimizer', self.optimizer.variables,
                                         optimizer_values)):
            if len(variables) != len(values):
                raise ValueError(f'the checkpoint has {len(values)} {kind} variables, '
                                 f'this model {len(variables)}')
            for variable, value in zip(variables, values):
                if tuple(variable.shape) != value.shape:
                    raise ValueError(f'{kind} variable {variable.path} has shape '
                                     f'{tuple(variable.shape)}, the checkpoint {value.shape}')
                variable.assign(value)


def _tensors(batch):
    """A Batch as the first four arguments of the step functions."""
    return (tf.constant(batch.features), tf.constant(batch.frame_lengths),
            tf.constant(batch.labels), tf.constant(batch.label_lengths))


def _count(batch):
    """Lines in the whole batch, which each replica divides its summed loss by."""
    return tf.constant(float(len(batch)), tf.float32)
