"""Raw strokes in, text out, on the CPU: the Python API of a trained model folder.

    from models.recognizer import Recognizer
    recognizer = Recognizer.load('weights/iam')  # token passing: the folder has lm.arpa
    text = recognizer.recognize([[(0, 0, 0.0), (5, 2, 0.01), ...], ...])  # strokes of (x, y, t)
    text, probabilities = recognizer.recognize(strokes, return_probabilities=True)  # (T, C)
    texts = recognizer.recognize_batch([strokes_a, strokes_b])
    page = recognizer.read_page(strokes)   # lines found, words linked to their strokes
    alternatives(recognizer, probabilities, 3)  # [{"text", "score"}], the 3 best texts
    mine = recognizer.adapt([strokes_a, strokes_b], ['text a', 'text b'])  # one writer's lines

The model folder alone is enough (pre-processing steps and character table travel in it).
TensorFlow is imported once, when the first Recognizer loads. Speed on a CPU comes from how
the network is called (see Network): never `model.predict`, which costs milliseconds of
set-up per call, nor eager calls, which run the LSTM loop step by step in Python.
"""
import os

import numpy as np

from algorithms.best_path import BestPathDecoder
from algorithms.decoders import check_name, make_decoder
from data.base import validate_handwriting
from data.inkml import InkLine, make_up_times, model_pen_speed
from models import page_reader
from models.model_folder import (LM_FILE, default_decoder, load_model_folder,
                                 read_recognizer_config)
from models.network import PAD_VALUE, output_lengths, time_stride, unmasked

BATCH_SIZE = 32
MAX_NBEST = 20  # the most alternatives asked of a line, here, in recognize.py and the service
SMALLEST_BUCKET = 64  # frames; single lines are padded up to a bucket length (see Network)
BUCKET_GROWTH = 1.25  # each bucket is about 25% longer than the one before


class Recognizer:
    """A trained network with its pre-processing, character table and decoder."""

    def __init__(self, model, char_table, pipeline, decoder=None, jit=False,
                 decoder_name=None):
        """decoder: an algorithms.decoders.Decoder; best path over `char_table` when None.
        decoder_name: its name in algorithms.decoders.DECODERS (None for a decoder of your
        own that has none). jit: see Network."""
        self.char_table, self.pipeline = char_table, pipeline
        self.decoder = decoder or BestPathDecoder(char_table)
        self.decoder_name = 'best_path' if decoder is None else decoder_name
        self.model, self.jit = model, jit
        self.network = Network(model, jit)
        self.adaptation = None  # what adapt() did, on a Recognizer it made

    @classmethod
    def load(cls, model_dir, decoder=None, language_model=None, jit=False,
             **settings) -> 'Recognizer':
        """Load a model folder (see models.model_folder).

        decoder: a name of algorithms.decoders.DECODERS: 'best_path' (no dictionary) or
        'token_passing' (words of the language model only); None: `default_decoder`, token
        passing where the folder has lm.arpa. language_model: an ARPA file for token
        passing; default `lm.arpa` in the model folder. settings: token passing's lm_weight,
        word_penalty, nonword_penalty, beam (None or left out: those tune_decoder.py stored
        in the model folder, else the decoder's defaults). jit: compile single-line calls
        with XLA, for servers that warm up once and then want the least CPU per line (see
        Network). The name of the decoder chosen is `decoder_name`.
        """
        decoder = decoder or default_decoder(model_dir, language_model)
        check_name(decoder)
        chosen = None  # best path, over the character table that loads with the network
        if decoder != 'best_path':  # before the network loads, so its errors come fast
            _, char_table, _ = read_recognizer_config(model_dir)
            chosen = make_decoder(
                decoder, char_table, language_model or os.path.join(model_dir, LM_FILE),
                model_dir, **settings)
        elif any(v is not None for v in settings.values()):
            raise ValueError(f'token passing settings given with best path: {settings}')
        model, char_table, pipeline, _ = load_model_folder(model_dir)
        return cls(model, char_table, pipeline, chosen, jit, decoder)

    def features(self, strokes, example_id='input') -> np.ndarray:
        """Validated, pre-processed features (T, F) of one line; ValueError if unusable."""
        try:
            strokes = validate_handwriting(strokes, example_id)
        except TypeError as e:  # a number or object where a list belongs
            raise ValueError(f'{example_id}: handwriting must be a list of strokes of (x, y, t) '
                             f'points ({e})') from None
        with np.errstate(all='ignore'):  # overflows show as non-finite features, below
            features = self.pipeline(strokes)
        if not np.isfinite(features).all():
            raise ValueError(f'{example_id}: pre-processing gave non-finite features')
        return features

    def probabilities(self, features_list, batch_size=BATCH_SIZE) -> list:
        """Per-frame class probabilities (T_i, C) of each line of pre-processed features.

        Lines are batched by length (less padding) and returned in the order given.
        Padding is masked by the network, so a line's result does not depend on its batch.
        """
        order = np.argsort([len(f) for f in features_list], kind='stable')
        results = [None] * len(features_list)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            output = self.network(pad([features_list[i] for i in chunk]))  # (B, T_max, C)
            for row, i in enumerate(chunk):
                results[i] = output[row, :self.network.output_frames(len(features_list[i]))]
        return results

    def recognize(self, strokes, return_probabilities=False):
        """Text of one line of strokes; with return_probabilities, (text, (T, C) array)."""
        probabilities = self.probabilities([self.features(strokes)])[0]
        text = self.decoder.decode(probabilities)
        return (text, probabilities) if return_probabilities else text

    def recognize_batch(self, lines, batch_size=BATCH_SIZE) -> list:
        """Texts of many lines at once; faster per line than calling recognize() on each."""
        features = [self.features(strokes, f'line {i}') for i, strokes in enumerate(lines)]
        return self.decoder.decode_batch(self.probabilities(features, batch_size))

    def read_page(self, strokes, layout='auto', example_id='input'):
        """A page of strokes -> models.page_reader.PageText: its lines in reading order
        (`layout` 'auto', 'page' or 'line': see models/page_reader.py), each with its
        text, strokes, box and words linked to their strokes."""
        return page_reader.read_page(self, strokes, layout, example_id)

    def adapt(self, lines, texts, recipe=None, names=None, progress=None) -> 'Recognizer':
        """A new Recognizer whose network is fine-tuned on a few lines of one writer
        (strokes and their texts); the same pre-processing, character table and decoder.
        Its `adaptation` says what was done (models.adaptation.Outcome); this one is left
        as it was. recipe: a models.adaptation.Recipe (default: the studied one);
        progress(step, total) is called after each training step."""
        from models.adaptation import Recipe, adapt_network
        model, outcome = adapt_network(self.model, self.char_table, self.pipeline, lines,
                                       texts, recipe or Recipe(), names, progress)
        adapted = Recognizer(model, self.char_table, self.pipeline, self.decoder, self.jit,
                             self.decoder_name)
        adapted.adaptation = outcome
        return adapted

    def warm_up(self, max_frames=512):
        """With jit: compile single-line calls for lines of up to `max_frames` frames now,
        rather than on the first line of each length bucket (a second or more each)."""
        self.network.warm_up(max_frames)


def check_nbest(k) -> int:
    """k as an int if it is a whole number from 1 to MAX_NBEST, else ValueError saying so
    (True, 1.9, 1e400 and '3' are not whole numbers)."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise ValueError(f'nbest must be a whole number from 1 to {MAX_NBEST}, got {k!r}')
    if not 1 <= k <= MAX_NBEST:
        raise ValueError(f'nbest must be 1 to {MAX_NBEST}, got {k}')
    return k


def alternatives(recognizer: Recognizer, probabilities, k: int) -> list:
    """[{"text", "score"}] of the k best texts of one line, best first; score = natural log.

    Best path: a CTC prefix beam search (ln P(text | ink)). Token passing: its K best word
    sequences with their path scores. (Each decoder's decode_nbest.) k is capped at
    MAX_NBEST (check_nbest): the search's time and memory grow with it.
    """
    check_nbest(k)
    return [{'text': text, 'score': float(score)}
            for text, score in recognizer.decoder.decode_nbest(probabilities, k)]


def timed_strokes(recognizer: Recognizer, line: InkLine) -> list:
    """The line's strokes; if it came without times, with times made up for this model."""
    return line.strokes if line.timed else make_up_times(line.strokes,
                                                         model_pen_speed(recognizer.pipeline))


class Network:
    """Calls the network on a CPU: (B, T, F) float32 -> (B, T, C) NumPy.

    By default every call runs one traced graph, for any B and T: no compile waits, so it
    suits live use, where each call sees a new length. A single line (B = 1; `pad` adds
    none to one line) has nothing to mask, and runs the network without its Masking layer:
    the same output, a fifth less time (benchmarks/bench_recognizer.py). With jit, a single
    line runs XLA-compiled instead: about 3x less CPU per line (benchmarks/bench_recognizer.py),
    since XLA fuses each LSTM step into one kernel where the graph runs a dozen small ops.
    XLA compiles one program per input shape, so the line is padded up to a bucket length
    (buckets grow by BUCKET_GROWTH: padding costs under 25%), and the first line of each
    bucket waits for a compile of a second or more; warm_up() moves those to start-up.
    """

    def __init__(self, model, jit=False):
        import tensorflow as tf
        self.jit = jit
        self.num_features = model.input_shape[-1]
        self.stride = time_stride(model)
        spec = tf.TensorSpec([None, None, self.num_features], tf.float32)

        def on_cpu(network):
            def call(batch):
                with tf.device('/CPU:0'):
                    return network(batch, training=False)
            return call

        self._graph = tf.function(on_cpu(model), input_signature=[spec])
        self._single = tf.function(on_cpu(unmasked(model)), input_signature=[spec])
        self._xla = tf.function(on_cpu(model), input_signature=[spec], jit_compile=True)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        frames = batch.shape[1]
        if len(batch) > 1:
            return self._graph(batch).numpy()
        if not self.jit:
            return self._single(batch).numpy()
        padded = np.full((1, bucket_length(frames), self.num_features), PAD_VALUE, np.float32)
        padded[:, :frames] = batch
        return self._xla(padded).numpy()[:, :self.output_frames(frames)]

    def output_frames(self, frames: int) -> int:
        """Output frames for a line of `frames` input frames (fewer with subsampling)."""
        return output_lengths(frames, self.stride)

    def warm_up(self, max_frames):
        frames = SMALLEST_BUCKET
        while self.jit and frames <= bucket_length(max_frames):
            self._xla(np.full((1, frames, self.num_features), PAD_VALUE, np.float32))
            frames = bucket_length(frames + 1)


def bucket_length(frames: int) -> int:
    """The shortest bucket that holds `frames`: 64, 80, 112, 144, 192, ... (multiples of 16)."""
    length = SMALLEST_BUCKET
    while length < frames:
        length = int(np.ceil(length * BUCKET_GROWTH / 16)) * 16
    return length


def pad(features_list) -> np.ndarray:
    """Right-pad lines to the longest with PAD_VALUE frames: (B, T_max, F) float32."""
    longest = max(len(f) for f in features_list)
    batch = np.full((len(features_list), longest, features_list[0].shape[1]), PAD_VALUE,
                    dtype=np.float32)
    for row, features in enumerate(features_list):
        batch[row, :len(features)] = features
    return batch
