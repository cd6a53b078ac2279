"""Adapting a trained network to one writer from a few of their lines.

    from models.recognizer import Recognizer
    base = Recognizer.load('weights/iam', decoder='token_passing')
    mine = base.adapt([strokes_1, strokes_2, strokes_3], ['text 1', 'text 2', 'text 3'])
    mine.adaptation            # what was done: steps kept, the held-out line before/after
    mine.recognize(strokes)    # the same pre-processing, character table and decoder

    from models.adaptation import adapt_folder
    adapt_folder('weights/iam', 'weights/me', lines, texts)  # a model folder of its own

A few lines of one person's writing fine-tune a copy of the network: Adam on the CTC loss
of those lines, all in one batch, for a fixed number of steps (Recipe). Which weights move
is a choice (WEIGHTS): all of them, the top BiLSTM and the output layer, the output layer
only, or per-unit output scales of each BiLSTM (LHUC, Swietojanski & Renals 2014: one
amplitude 2 * sigmoid(a) per hidden unit, a = 0 at the start). The scales multiply what
the next layer reads, so they fold into its input kernel when adapting ends: an adapted
network has the base's architecture either way, and loads, exports and deploys as it does.

By default the copy is trained on all the lines with the network's dropout on (without
it a few lines are learned by heart: the same steps gained half as much), and, with two
lines or more, first on all but the last (`check`): what that does to the last line, one
it has not seen, is reported (adapt.py, the demo and the service show it), then training
starts afresh on all of them. The check decides nothing; it costs twice the time.

The guard (off by default): with two lines or more, the last line is held out. The copy is
trained on the others, the held-out line's CTC loss is measured every CHECK_EVERY steps,
and the number of steps with the lowest loss is kept; when no step beats the base
network, or the held-out line's best-path text at those steps has more errors than the
base network's, the base network is kept (steps 0). With `refit`, training then starts
again from the base network on all the lines for that number of steps; without it, the
hold-out run's network is kept. Without dropout its text check took the worst writer's
loss from 8.3 to 2.9 points; with dropout, on all 169 validation writers, it gained 9.5%
where training on all lines gained 11.8%, and its worst writer lost more
(docs/adaptation.md).

Adapter holds the compiled training step for one network and one choice of weights, so
that a study adapts many writers without re-tracing (studies/adaptation.py).
"""
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

import numpy as np

from algorithms.best_path import BestPathDecoder
from algorithms.error_rates import cer
from data.charset import ctc_min_frames
from models.network import (LOGITS_LAYER, ctc_loss_per_line, logits_model,
                            losses_and_probabilities, output_lengths, time_stride)
from models.training.augmentation import Augmentation, Distorter
from models.training.batching import pad_batch

WEIGHTS = ('all', 'top', 'output', 'scales')
CHECK_EVERY = 5  # steps between measurements of the held-out line's loss


class AdaptationError(ValueError):
    """Lines that cannot adapt a model; the message names the line."""


@dataclass(frozen=True)
class Recipe:
    """How to adapt. The defaults are the best that studies/adaptation.py found
    (docs/adaptation.md): all weights at 3e-4 with the training augmentation and the
    network's dropout on, 30 steps on all the lines, no guard; LHUC scales, the top or
    output layer alone moved less and helped less, holding the outputs near the base's
    (kl) gave up gain, and the guard cost more than it saved. On all 169 validation
    writers they cut the token-passing CER by 11.8% to 13.4% in three runs with different
    draws (best path 13.4% to 13.9%)."""
    weights: str = 'all'          # one of WEIGHTS
    learning_rate: float = 3e-4   # Adam
    steps: int = 30               # (at most, with the guard)
    augment: float = 1.0          # times the training recipe's distortion ranges; 0 = none
    dropout: bool = True          # the network's dropout on while adapting
    kl: float = 0.0               # weight of the outputs' divergence from the base network's
    guard: bool = False           # hold out the last line to choose the steps (2+ lines)
    refit: bool = False           # after the guard, train again on all lines
    check: bool = True            # without the guard: first measure what adapting on all
                                  # lines but the last does to it (2+ lines; twice the time)
    seed: int = 0

    def __post_init__(self):
        if self.weights not in WEIGHTS:
            raise ValueError(f'weights must be one of {", ".join(WEIGHTS)}, '
                             f'got {self.weights!r}')
        if self.steps < 0 or not self.learning_rate > 0 or self.augment < 0 or self.kl < 0:
            raise ValueError(f'steps >= 0, learning_rate > 0, augment >= 0 and kl >= 0 are '
                             f'needed, got {self.steps}, {self.learning_rate}, {self.augment}, '
                             f'{self.kl}')

    def checks(self, lines: int) -> bool:
        """Whether adapting on this many lines runs the check first."""
        return not self.guard and self.check and lines >= 2

    def progress(self, lines: int, step: int, total: int) -> str:
        """What a progress callback's (step, total) means, for a person: with the check,
        the first `steps` train on all lines but the last, the next on all of them."""
        if self.checks(lines):
            if step <= self.steps:
                return f'checking on {lines - 1} of {lines} lines: step {step} of {self.steps}'
            return f'adapting on all {lines} lines: step {step - self.steps} of {self.steps}'
        return f'adapting on {lines} lines: step {step} of {total}'


@dataclass
class Outcome:
    """What adapting did: `weights` are the adapted network's (model.get_weights() order)."""
    weights: list = field(repr=False)
    steps: int                     # steps of the network kept (0: the base network kept)
    held_out: Optional[dict]       # cer_before, cer_after, loss_before, loss_after, line
    seconds: float

    def summary(self) -> dict:
        return {'steps': self.steps, 'held_out': self.held_out,
                'seconds': round(self.seconds, 1)}

    def message(self, lines: int) -> str:
        """What happened, for a person: steps kept and the held-out line before and after."""
        held = self.held_out
        if held is None:
            return f'adapted on {lines} lines: {self.steps} steps in {self.seconds:.0f} s'
        before, after = 100 * held['cer_before'], 100 * held['cer_after']
        if held.get('checked'):
            return (f'adapted on {lines} lines: {self.steps} steps in {self.seconds:.0f} s; '
                    f'adapting the same way on the other {lines - 1} took the held-out line\'s '
                    f'CER from {before:.1f}% to {after:.1f}% (best path)')
        if self.steps == 0:
            return (f'adapting on {lines - 1} lines did not help the held-out line (CER '
                    f'{before:.1f}%), so the network stays the base model\'s')
        return (f'adapted on {lines} lines: {self.steps} steps in {self.seconds:.0f} s; the '
                f'held-out line\'s CER went from {before:.1f}% to {after:.1f}% (best path)')


def encode_lines(char_table, pipeline, lines, texts, names=None, stride=1) -> tuple:
    """-> (features [(T, F)], labels [ids]) of the lines, or AdaptationError naming the
    line (its name from `names`, else 'line i') and what is wrong with it. stride: the
    network's time stride (CTC needs enough output frames)."""
    from data.base import validate_handwriting
    if not len(lines):
        raise AdaptationError('no lines to adapt on: give at least one line of ink with its text')
    if len(lines) != len(texts):
        raise AdaptationError(f'{len(lines)} lines of ink but {len(texts)} texts')
    names = names or [f'line {i + 1}' for i in range(len(lines))]
    features, labels = [], []
    for name, strokes, text in zip(names, lines, texts):
        if not isinstance(text, str) or not text.strip():
            raise AdaptationError(f'{name}: the line has no text (adapting needs what was '
                                  f'written)')
        unknown = char_table.unknown(text)
        if unknown:
            raise AdaptationError(f'{name}: characters outside the model\'s table: '
                                  f'{"".join(sorted(unknown))!r}')
        try:
            f = pipeline(validate_handwriting(strokes, name))
        except (TypeError, ValueError) as error:
            raise AdaptationError(f'{name}: unusable ink ({error})') from None
        ids = char_table.encode(text.strip())
        if not np.isfinite(f).all():
            raise AdaptationError(f'{name}: pre-processing gave non-finite features')
        if output_lengths(len(f), stride) < ctc_min_frames(ids):
            raise AdaptationError(f'{name}: the ink is too short for its text '
                                  f'({len(ids)} characters)')
        features.append(f.astype(np.float32))
        labels.append(ids)
    return features, labels


class Adapter:
    """A trainable copy of `model` with its compiled step, for one choice of weights.

    run() starts from the base weights every time, so one Adapter adapts many writers.
    """

    def __init__(self, model, pipeline, char_table, weights='all'):
        import keras
        import tensorflow as tf
        if weights not in WEIGHTS:
            raise ValueError(f'weights must be one of {", ".join(WEIGHTS)}, got {weights!r}')
        self.choice, self.pipeline, self.char_table = weights, pipeline, char_table
        self.decoder = BestPathDecoder(char_table)
        self.stride = time_stride(model)
        self.base = [w.copy() for w in model.get_weights()]
        self.copy = keras.models.clone_model(model)
        self.copy.set_weights(self.base)
        self.graph, self.scales = _training_graph(self.copy, weights == 'scales')
        self.frozen = None  # the base network cut at its logits, built for the first Recipe.kl
        self.variables = _chosen_variables(self.copy, self.scales, weights)
        self.optimizer = keras.optimizers.Adam(1e-3)
        self.optimizer.build(self.variables)
        spec = [tf.TensorSpec([None, None, None], tf.float32), tf.TensorSpec([None], tf.int32),
                tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None], tf.int32)]
        self._train = {(flag, kl): tf.function(
            lambda *a, f=flag, k=kl: self._step(*a, dropout=f, kl=k),
            input_signature=spec + ([tf.TensorSpec([], tf.float32)] if kl else []))
            for flag in (False, True) for kl in (False, True)}
        self._loss = tf.function(self._losses, input_signature=spec)

    def _step(self, features, frames, labels, label_lengths, kl_weight=None, dropout=False,
              kl=False):
        """One Adam step on the lines' CTC loss; with kl, plus kl_weight times each line's
        summed divergence KL(base || adapted) of the per-frame class distributions: it keeps
        the adapted outputs near the base network's where the lines do not pull them away
        (Yu et al. 2013), so that the decoder's language model weight, tuned for the base,
        still fits."""
        import tensorflow as tf
        output_frames = output_lengths(frames, self.stride)
        with tf.GradientTape() as tape:
            logits = self.graph(features, training=dropout)
            loss = ctc_loss_per_line(labels, label_lengths, logits, output_frames)
            if kl:
                base = tf.nn.log_softmax(self.frozen(features, training=False))
                divergence = tf.reduce_sum(
                    tf.exp(base) * (base - tf.nn.log_softmax(logits)), axis=-1)
                real = tf.sequence_mask(output_frames, tf.shape(logits)[1], tf.float32)
                loss += kl_weight * tf.reduce_sum(divergence * real, axis=-1)
            loss = tf.reduce_mean(loss)
        self.optimizer.apply(tape.gradient(loss, self.variables), self.variables)
        return loss

    def _losses(self, features, frames, labels, label_lengths):
        return losses_and_probabilities(labels, label_lengths,
                                        self.graph(features, training=False), frames,
                                        self.stride)

    def reset(self, learning_rate):
        self.copy.set_weights(self.base)
        for scale in self.scales:
            scale.amplitude.assign(np.zeros(scale.amplitude.shape, np.float32))
        for variable in self.optimizer.variables:
            variable.assign(np.zeros(variable.shape, variable.dtype))
        self.optimizer.learning_rate = learning_rate

    def run(self, features, labels, recipe: Recipe, progress: Callable = None) -> Outcome:
        """Adapt on pre-processed lines (encode_lines); progress(step, total) after each step."""
        if recipe.weights != self.choice:
            raise ValueError(f'this Adapter moves {self.choice!r} weights, the recipe asks '
                             f'for {recipe.weights!r}')
        start = time.perf_counter()
        rng = np.random.default_rng(recipe.seed)
        distort = (Distorter.for_pipeline(Augmentation().scaled(recipe.augment), self.pipeline)
                   if recipe.augment else None)
        guarded = recipe.guard and len(features) >= 2
        checked = recipe.checks(len(features))
        total = recipe.steps * (2 if (guarded and recipe.refit) or checked else 1)
        ticker = _Ticker(progress, total)
        if recipe.kl and self.frozen is None:
            import keras
            frozen = keras.models.clone_model(self.copy)
            frozen.set_weights(self.base)
            self.frozen = logits_model(frozen)
        self.reset(recipe.learning_rate)
        if not guarded:
            held_out = None
            if checked:
                held_out = self._check(features, labels, recipe, rng, distort, ticker)
                self.reset(recipe.learning_rate)
            self._train_steps(features, labels, recipe, rng, distort, recipe.steps, ticker)
            return Outcome(self.adapted_weights(), recipe.steps, held_out,
                           time.perf_counter() - start)
        steps, held_out, weights = self._hold_out(features, labels, recipe, rng, distort, ticker)
        if recipe.refit and steps:
            self.reset(recipe.learning_rate)
            self._train_steps(features, labels, recipe, rng, distort, steps, ticker)
            weights = self.adapted_weights()
        ticker.finish()
        return Outcome(weights, steps, held_out, time.perf_counter() - start)

    def _hold_out(self, features, labels, recipe, rng, distort, ticker) -> tuple:
        """Train on all lines but the last, measuring the last; -> (best steps, held-out
        figures, the weights at the best steps: the base weights when none beat them)."""
        kept = pad_batch(features[-1:], labels[-1:], [''])
        before = self._measure(kept)  # (loss, text)
        best = base = (before[0], 0, self.base, before[1])  # (loss, steps, weights, text)
        done = 0
        while done < recipe.steps:
            n = min(CHECK_EVERY, recipe.steps - done)
            self._train_steps(features[:-1], labels[:-1], recipe, rng, distort, n, ticker)
            done += n
            loss, text = self._measure(kept)
            if loss < best[0]:
                best = (loss, done, self.adapted_weights(), text)
        truth = self.char_table.decode(labels[-1])
        if cer([truth], [best[3]]) > cer([truth], [before[1]]):
            best = base  # a lower loss, but the line reads worse: keep the base
        return best[1], _held_out_figures(len(features), truth, before, (best[0], best[3])), \
            best[2]

    def _check(self, features, labels, recipe, rng, distort, ticker) -> dict:
        """Train on all lines but the last for the recipe's steps and measure the last
        before and after: what adapting does to a line it has not seen (the network kept
        is trained afresh on all the lines)."""
        kept = pad_batch(features[-1:], labels[-1:], [''])
        before = self._measure(kept)
        self._train_steps(features[:-1], labels[:-1], recipe, rng, distort, recipe.steps, ticker)
        return {**_held_out_figures(len(features), self.char_table.decode(labels[-1]), before,
                                    self._measure(kept)), 'checked': True}

    def _measure(self, batch) -> tuple:
        """(CTC loss, best-path text) of a one-line batch with the weights as they are."""
        losses, probabilities = self._loss(*_tensors(batch))
        frames = output_lengths(int(batch.frame_lengths[0]), self.stride)
        return float(losses[0]), self.decoder.decode(probabilities.numpy()[0, :frames])

    def _train_steps(self, features, labels, recipe, rng, distort, steps, ticker):
        import tensorflow as tf
        for _ in range(steps):
            lines = distort(features, rng) if distort else features
            batch = pad_batch(lines, labels, [''] * len(lines))
            extra = (tf.constant(recipe.kl, tf.float32),) if recipe.kl else ()
            self._train[recipe.dropout, bool(recipe.kl)](*_tensors(batch), *extra)
            ticker.tick()

    def adapted_weights(self) -> list:
        """The copy's weights with the unit scales folded into the layers after them."""
        weights = [w.numpy().copy() for w in self.copy.weights]
        index = {id(v): i for i, v in enumerate(self.copy.weights)}
        for scale in self.scales:
            factor = scale.factor().numpy()  # (units,)
            for kernel in _input_kernels(self.copy, scale.after):
                weights[index[id(kernel)]] *= factor[:, None]
        return weights


def _held_out_figures(line, truth, before, after) -> dict:
    """What adapting did to the held-out line (its number, counted from 1, and text):
    before and after are (CTC loss, best-path text)."""
    return {'line': line, 'loss_before': round(before[0], 3), 'loss_after': round(after[0], 3),
            'cer_before': round(cer([truth], [before[1]]), 4),
            'cer_after': round(cer([truth], [after[1]]), 4)}


class _Ticker:
    def __init__(self, progress, total):
        self.progress, self.total, self.done = progress, total, 0

    def tick(self):
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)

    def finish(self):  # the guard may stop short of the refit's steps
        if self.progress and self.done < self.total:
            self.progress(self.total, self.total)


def _tensors(batch):
    import tensorflow as tf
    return (tf.constant(batch.features), tf.constant(batch.frame_lengths),
            tf.constant(batch.labels), tf.constant(batch.label_lengths))


def _unit_scale_class():
    import keras

    class UnitScale(keras.layers.Layer):
        """x * 2 * sigmoid(a), one amplitude a per unit (LHUC); keeps the mask."""

        def __init__(self, after, **kwargs):
            super().__init__(**kwargs)
            self.after, self.supports_masking = after, True

        def build(self, input_shape):
            self.amplitude = self.add_weight(shape=(input_shape[-1],), initializer='zeros',
                                             name='amplitude')

        def factor(self):
            return 2.0 * keras.ops.sigmoid(self.amplitude)

        def call(self, x):
            return x * self.factor()

    return UnitScale


def _training_graph(model, with_scales) -> tuple:
    """(the copy cut at its logits, [UnitScale]): with scales, one after each BiLSTM."""
    if not with_scales:
        return logits_model(model), []
    import keras
    UnitScale = _unit_scale_class()
    x = features = keras.Input(shape=model.input_shape[1:], name='features')
    scales = []
    for layer in model.layers[1:]:
        x = layer(x)
        if layer.name == LOGITS_LAYER:
            break
        if layer.name.startswith('bilstm_'):
            scales.append(UnitScale(layer.name, name=f'scale_{layer.name}'))
            x = scales[-1](x)
    return keras.Model(features, x, name=f'{model.name}_scaled'), scales


def _chosen_variables(model, scales, choice) -> list:
    """The variables that move: see WEIGHTS."""
    if choice == 'scales':
        return [scale.amplitude for scale in scales]
    if choice == 'all':
        return list(model.trainable_variables)
    names = [layer.name for layer in model.layers]
    top = [n for n in names if n.startswith('bilstm_')][-1:] if choice == 'top' else []
    return [v for n in top + [LOGITS_LAYER] for v in model.get_layer(n).trainable_variables]


def _input_kernels(model, after) -> list:
    """The kernels that read the output of layer `after`: the next BiLSTM's two input
    kernels, or the output layer's kernel (rows = the units read)."""
    names = [layer.name for layer in model.layers]
    following = [n for n in names[names.index(after) + 1:]
                 if n.startswith('bilstm_') or n == LOGITS_LAYER][0]
    layer = model.get_layer(following)
    if following == LOGITS_LAYER:
        return [layer.kernel]
    return [layer.forward_layer.cell.kernel, layer.backward_layer.cell.kernel]


def adapt_network(model, char_table, pipeline, lines, texts, recipe: Recipe = Recipe(),
                  names=None, progress: Callable = None) -> tuple:
    """-> (a new network with the adapted weights, Outcome); `model` is left as it was.
    lines: strokes of (x, y, t) per line; texts: what each says; names: how errors name
    the lines (file names, say); progress(step, total)."""
    import keras
    features, labels = encode_lines(char_table, pipeline, lines, texts, names,
                                    time_stride(model))
    outcome = Adapter(model, pipeline, char_table, recipe.weights).run(features, labels, recipe,
                                                                       progress)
    adapted = keras.models.clone_model(model)
    adapted.set_weights(outcome.weights)
    return adapted, outcome


def adapt_folder(source, output, lines, texts, recipe: Recipe = Recipe(), names=None,
                 progress: Callable = None, overwrite=False) -> Outcome:
    """Write a model folder at `output`: `source`'s, with the network adapted to the lines.

    Everything else travels unchanged (pre-processing, character table, language model,
    decoder settings); recognizer.json gains `adapted`: the folder adapted from, how many
    lines and characters, the recipe and the outcome (never the ink). The base's training/
    state is not copied (it would resume the base model). The folder appears whole or not
    at all; an existing one is replaced only with `overwrite`.
    """
    from models.model_folder import load_model_folder
    source, output = os.path.normpath(source), os.path.normpath(output)
    if os.path.abspath(source) == os.path.abspath(output):
        raise AdaptationError(f'{output}: the adapted folder must differ from the one adapted')
    if os.path.exists(output) and not (overwrite and os.path.isdir(output)):
        raise AdaptationError(f'{output} already exists (choose another name, or overwrite)')
    model, char_table, pipeline, config = load_model_folder(source)
    adapted, outcome = adapt_network(model, char_table, pipeline, lines, texts, recipe,
                                     names, progress)
    config['adapted'] = {'from': source, 'lines': len(texts),
                         'characters': sum(len(t.strip()) for t in texts),
                         'recipe': asdict(recipe), **outcome.summary(),
                         **({'before': config['adapted']} if 'adapted' in config else {})}
    if config.get('dataset_from_model'):  # the same data set, seen from the new folder
        dataset = os.path.normpath(os.path.join(source, config['dataset_from_model']))
        config['dataset_from_model'] = os.path.relpath(dataset, output)
    _write_folder(source, output, adapted, config)
    return outcome


def _write_folder(source, output, network, config):
    """Copy `source` but its training state, with this network and config, then move it
    into place (replacing an older `output`)."""
    from models.model_folder import CONFIG_FILE, TRAINING_DIR, save_network
    parent = os.path.dirname(os.path.abspath(output))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix='.adapting-', dir=parent)
    try:
        folder = os.path.join(staging, 'folder')
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns(TRAINING_DIR))
        save_network(folder, network)
        with open(os.path.join(folder, CONFIG_FILE), 'w', encoding='utf-8') as f:
            json.dump(config, f, indent=1, ensure_ascii=False)
        if os.path.isdir(output):
            os.replace(output, os.path.join(staging, 'replaced'))
        os.replace(folder, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
