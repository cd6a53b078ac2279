"""One optimizer step and one validation pass of the BiLSTM-CTC network.

A custom loop rather than model.fit: each step is one compiled TensorFlow function fed
padded NumPy batches of varying shape, and everything a resumed run needs (variables,
optimizer slots, step count) is in plain variables that models.training.checkpoints saves.

Distribution: under a tf.distribute strategy each replica gets its share of the batch
(Batch.part); the loss is summed over the lines and divided by the whole batch's line
count, the gradients are summed across replicas, clipped by their global norm, and applied
once, so a step is the same arithmetic as on one device.
"""
import numpy as np
import tensorflow as tf

import keras
from algorithms.best_path import decode_batch
from models.network import (ctc_loss_per_line, logits_model, losses_and_probabilities,
                            output_lengths, time_stride)
from models.training.batching import sequential_batches

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
        self.stride = time_stride(model)  # CTC and decoding count the network's output frames
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
            losses = ctc_loss_per_line(labels, label_lengths, logits,
                                       output_lengths(frame_lengths, self.stride))  # (b,)
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
        return losses_and_probabilities(labels, label_lengths,
                                        self.logits(features, training=False), frame_lengths,
                                        self.stride)

    def evaluate(self, lines, batch_size):
        """-> (mean CTC loss per line, best-path class ids of every line in order)."""
        losses, decoded = np.zeros(len(lines)), [None] * len(lines)
        for indices in sequential_batches(lines.lengths, batch_size):
            batch = lines.batch(indices)
            loss, probabilities = self._evaluate(*_tensors(batch))
            losses[indices] = loss.numpy()
            frames = output_lengths(batch.frame_lengths, self.stride)
            for i, ids in zip(indices, decode_batch(probabilities.numpy(), frames)):
                decoded[i] = ids
        return float(losses.mean()), decoded

    def model_values(self) -> dict:
        return {name: v.numpy() for name, v in zip(variable_names(self.model),
                                                   self.model.variables)}

    def optimizer_values(self) -> dict:
        return {name: v.numpy() for name, v in zip(optimizer_names(self.optimizer),
                                                   self.optimizer.variables)}

    def restore(self, model_values: dict, optimizer_values: dict, by_name=True):
        """Assign saved values ({name: array}, as model_values() gives them); ValueError
        naming the variables that are missing, extra or of another shape.

        by_name=False: a checkpoint from before names were stored; its values are assigned
        in order (names '0000', '0001', ...), with the shape check only.
        """
        for kind, variables, names, values in (
                ('model', self.model.variables, variable_names(self.model), model_values),
                ('optimizer', self.optimizer.variables,
                 optimizer_names(self.optimizer), optimizer_values)):
            if not by_name:
                if len(variables) != len(values):
                    raise ValueError(f'the checkpoint has {len(values)} {kind} variables, '
                                     f'this model {len(variables)}')
                names = sorted(values)
            missing = [n for n in names if n not in values]
            extra = sorted(set(values) - set(names))
            if missing or extra:
                raise ValueError(f'{kind} variables differ: ' + '; '.join(
                    f'{label} {", ".join(group[:3])}' + (' ...' if len(group) > 3 else '')
                    for label, group in (('missing from the checkpoint', missing),
                                         ('unknown to this model', extra)) if group))
            for variable, name in zip(variables, names):
                if tuple(variable.shape) != values[name].shape:
                    raise ValueError(f'{kind} variable {variable.path} has shape '
                                     f'{tuple(variable.shape)}, the checkpoint '
                                     f'{values[name].shape}')
            for variable, name in zip(variables, names):
                variable.assign(values[name])


def variable_names(model) -> list:
    """A name for each of model.variables (same order) that does not depend on what else
    the process has built: the variable's path, except for random-seed states, whose
    path is a process-wide counter (seed_generator_7/...): those are named after the
    layer that owns them (bilstm_0/forward_lstm_0/lstm_cell/seed_generator_state)."""
    owners = {}
    for layer in model._flatten_layers(include_self=False):
        generator = getattr(layer, 'seed_generator', None)
        if generator is not None:
            owners[id(generator.state)] = f'{layer.path or layer.name}/seed_generator_state'
    names = [owners.get(id(v), v.path) for v in model.variables]
    if len(set(names)) != len(names):
        raise ValueError(f'{model.name} has variables with the same name: cannot checkpoint')
    return names


def optimizer_names(optimizer) -> list:
    """Names of optimizer.variables: their paths without the optimizer's own name, which
    is numbered process-wide (adam/iteration, then adam_1/iteration)."""
    return [v.path.split('/', 1)[-1] for v in optimizer.variables]


def _tensors(batch):
    """A Batch as the first four arguments of the step functions."""
    return (tf.constant(batch.features), tf.constant(batch.frame_lengths),
            tf.constant(batch.labels), tf.constant(batch.label_lengths))


def _count(batch):
    """Lines in the whole batch, which each replica divides its summed loss by."""
    return tf.constant(float(len(batch)), tf.float32)
