"""Export a model folder to TensorFlow.js: a layers model plus the metadata the web page needs.

    from models.tfjs_export import deploy
    deploy('weights/synthetic', 'weights/deployed/synthetic')

Writes to the output folder:
    model.json, group1-shard*.bin   the TensorFlow.js layers model, (1, T, F) -> (1, T, C)
    metadata.json                   character table, blank index, pre-processing steps with
                                    their fitted parameters, format version, quantization,
                                    and `token_passing` (null without a language model):
                                    the decoder's settings (the model folder's decoder.json,
                                    as Python uses them) and its image's name and counts
    lm.bin                          with a language model: the dictionary and language
                                    model for the page's token passing decoder
                                    (models/web_decoder.py)

Quantization (`quantize`): the weights are stored as float16 (half the download) or uint8
(a quarter; an affine range per tensor) and widened to float32 when the page loads them;
the largest change in probability that costs on a random line is measured here, with the
converter's own (de)quantization, and written to the metadata. None keeps float32.

Why a twin: `tensorflowjs` 4.22 converts a Keras 3 model into a model.json that
`@tensorflow/tfjs` 4.22 refuses to load (its InputLayer config lacks `batchInputShape`).
The converter's native format is Keras 2, so the network is rebuilt layer by layer with
`tf_keras` (same layer names), given the same weights, checked to give the same output as
the Keras 3 model, and that twin is converted. Only the layer types the project's networks
use are translated (TWIN_LAYERS); anything else is refused by name rather than guessed.
The Masking layer is kept: tfjs 4.22 applies it in Bidirectional LSTMs (a line padded with
zero frames gives exactly the unpadded output on its real frames), though the page feeds
one line at a time, without padding.
"""
import json
import logging
import os
import shutil
import warnings

import numpy as np

from algorithms.language_model import read_arpa
from data.charset import BLANK
from models.model_folder import LM_FILE, WEIGHTS_DIR, load_model_folder, read_config
from models.web_decoder import IMAGE_FILE, web_settings, write_image

DEPLOYED_DIR = os.path.join(WEIGHTS_DIR, 'deployed')  # deploy.py's output, one folder a model
FORMAT_VERSION = 1
METADATA_FILE = 'metadata.json'
MODEL_JSON = 'model.json'
CHECK_FRAMES = 50      # frames of the random line on which twin and original must agree
CHECK_TOLERANCE = 1e-5  # largest absolute difference in probability allowed
QUANTIZATIONS = ('float16', 'uint8')  # what the converter can store weights as


class ExportError(ValueError):
    """The model cannot be exported; the message says which layer or check failed."""


def default_language_model(model_dir):
    """The model folder's lm.arpa, or None if it has none."""
    path = os.path.join(model_dir, LM_FILE)
    return path if os.path.isfile(path) else None


def deploy(model_dir, output_dir, quantize=None, language_model=None) -> dict:
    """Convert the model folder `model_dir` into `output_dir`, with weights quantized to
    `quantize` (one of QUANTIZATIONS, or None), and the ARPA file `language_model` (None:
    none; the page then decodes by best path) for token passing with the settings of the
    model folder's decoder.json; return the metadata written.

    The folder is written beside its final place and moved in at the end, so an existing
    deployment is replaced whole or not at all.
    """
    if quantize not in (None, *QUANTIZATIONS):
        raise ExportError(f'unknown quantization {quantize!r}; known: {", ".join(QUANTIZATIONS)}')
    read_config(model_dir)  # a missing or broken folder is reported before TensorFlow loads
    _check_output(model_dir, output_dir)
    lm = _read_language_model(language_model) if language_model is not None else None
    try:
        settings = web_settings(model_dir)
    except ValueError as e:
        raise ExportError(str(e)) from None
    model, char_table, pipeline, config = load_model_folder(model_dir)
    twin = keras2_twin(model)
    difference = check_twin(model, twin)
    metadata = {'format': FORMAT_VERSION,
                'model': os.path.basename(os.path.normpath(model_dir)),
                'characters': char_table.characters,
                'blank': BLANK,
                'num_features': int(model.input_shape[-1]),
                'num_classes': int(model.output_shape[-1]),
                'preprocessing': pipeline.to_json(),
                'architecture': config.get('architecture'),
                'twin_max_difference': difference,
                'quantization': quantize,
                'quantization_max_difference': (quantization_difference(model, twin, quantize)
                                                if quantize else 0.0),
                'versions': _versions()}
    staging = os.path.normpath(output_dir) + '.partial'
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    try:
        _convert(twin, staging, quantize)
        metadata['token_passing'] = (_write_image(staging, char_table, lm, settings)
                                     if lm else None)
    except ExportError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    with open(os.path.join(staging, METADATA_FILE), 'w', encoding='utf-8') as f:
        json.dump(metadata, f, indent=1, ensure_ascii=False)
    shutil.rmtree(output_dir, ignore_errors=True)
    os.replace(staging, output_dir)
    return metadata


def _read_language_model(path):
    """The ARPA file, read before TensorFlow loads, so that its errors come fast."""
    if not os.path.isfile(path):
        raise ExportError(f'language model not found: {path}')
    try:
        return read_arpa(path)
    except (OSError, ValueError) as e:  # read_arpa's messages name the file and line
        raise ExportError(str(e)) from None


def _write_image(folder, char_table, lm, settings) -> dict:
    """lm.bin in the folder; the metadata's `token_passing` entry."""
    try:
        counts = write_image(os.path.join(folder, IMAGE_FILE), char_table.characters, lm)
    except ValueError as e:  # a table or values that the image cannot hold
        raise ExportError(str(e)) from None
    return {'image': IMAGE_FILE, **settings, **counts}


def _check_output(model_dir, output_dir):
    """Refuse to replace anything but an earlier deployment (or an empty folder)."""
    output, model = os.path.abspath(output_dir), os.path.abspath(model_dir)
    if output == model or model.startswith(output + os.sep):
        raise ExportError(f'the output folder {output_dir} would replace the model folder '
                          f'{model_dir}; choose another --output')
    if os.path.isdir(output_dir) and os.listdir(output_dir) and not os.path.isfile(
            os.path.join(output_dir, METADATA_FILE)):
        raise ExportError(f'{output_dir} is not empty and not a deployment (no {METADATA_FILE});'
                          f' choose another --output')


def _linear_layers(model) -> list:
    """The model's layers in order, if each feeds the next alone; ExportError otherwise."""
    layers = model.layers
    for previous, layer in zip(layers, layers[1:]):
        inputs = layer.input if isinstance(layer.input, list) else [layer.input]
        if inputs[0] is not previous.output:  # a Bidirectional also gets the mask as input 1
            raise ExportError(f'layer {layer.name!r} does not read layer {previous.name!r}: '
                              f'only a plain stack of layers can be exported')
    if layers[-1].output is not model.output:
        raise ExportError(f'the model output is not the output of its last layer '
                          f'{layers[-1].name!r}')
    return layers


def _lstm(tf_keras, lstm):
    config = lstm.get_config()
    return tf_keras.layers.LSTM(config['units'], activation=config['activation'],
                                recurrent_activation=config['recurrent_activation'],
                                use_bias=config['use_bias'],
                                return_sequences=config['return_sequences'],
                                go_backwards=config['go_backwards'], name=lstm.name)


def _bidirectional(tf_keras, layer):
    forward = layer.forward_layer
    if type(forward).__name__ != 'LSTM':
        raise ExportError(f'layer {layer.name!r}: only Bidirectional(LSTM) can be exported, '
                          f'it wraps {type(forward).__name__}')
    return tf_keras.layers.Bidirectional(_lstm(tf_keras, forward),
                                         merge_mode=layer.get_config()['merge_mode'],
                                         name=layer.name)


def _conv1d(tf_keras, layer):
    config = layer.get_config()
    return tf_keras.layers.Conv1D(config['filters'], config['kernel_size'],
                                  strides=config['strides'], padding=config['padding'],
                                  activation=config['activation'],
                                  use_bias=config['use_bias'], name=layer.name)


# Keras 3 layer class name -> tf_keras layer of the same configuration (no weights yet).
TWIN_LAYERS = {
    'Conv1D': _conv1d,  # the subsampling front end (models.network), before the Masking
    'Masking': lambda tk, l: tk.layers.Masking(l.get_config()['mask_value'], name=l.name),
    'Bidirectional': _bidirectional,
    'Dropout': lambda tk, l: tk.layers.Dropout(l.get_config()['rate'], name=l.name),
    'Dense': lambda tk, l: tk.layers.Dense(l.get_config()['units'], name=l.name,
                                           activation=l.get_config()['activation'],
                                           use_bias=l.get_config()['use_bias']),
    'Activation': lambda tk, l: tk.layers.Activation(l.get_config()['activation'],
                                                     name=l.name),
}


def keras2_twin(model):
    """The same network built with tf_keras (Keras 2), with the model's weights."""
    import tf_keras
    layers = _linear_layers(model)
    if type(layers[0]).__name__ != 'InputLayer':
        raise ExportError(f'the model must start with an Input, not {layers[0].name!r}')
    inputs = tf_keras.Input(shape=model.input_shape[1:], name=layers[0].name)
    x = inputs
    for layer in layers[1:]:
        kind = type(layer).__name__
        if kind not in TWIN_LAYERS:
            raise ExportError(f'layer {layer.name!r} is a {kind}, which the TensorFlow.js '
                              f'export cannot handle (it handles {", ".join(TWIN_LAYERS)})')
        try:
            twin_layer = TWIN_LAYERS[kind](tf_keras, layer)
        except (ValueError, TypeError) as e:  # e.g. a custom activation Keras 2 does not know
            raise ExportError(f'layer {layer.name!r} has no Keras 2 twin: {e}') from None
        x = twin_layer(x)
        try:
            twin_layer.set_weights(layer.get_weights())
        except ValueError as e:
            raise ExportError(f'layer {layer.name!r}: weights do not fit its twin: {e}') from None
    return tf_keras.Model(inputs, x, name=model.name)


def check_twin(model, twin, seed=0) -> float:
    """Largest |twin - model| over a random line; ExportError beyond CHECK_TOLERANCE."""
    line = _check_line(model, seed)
    expected = np.asarray(model(line, training=False))
    got = np.asarray(twin(line, training=False))
    difference = float(np.abs(expected - got).max())
    if not difference <= CHECK_TOLERANCE:  # also catches NaN
        raise ExportError(f'the Keras 2 twin disagrees with the model by {difference:.3g} '
                          f'(allowed {CHECK_TOLERANCE}); the export would be wrong')
    return difference


def _check_line(model, seed=0):
    line = np.random.default_rng(seed).normal(size=(1, CHECK_FRAMES, model.input_shape[-1]))
    return line.astype(np.float32)


def quantization_difference(model, twin, quantize) -> float:
    """Largest |probability change| on a random line when the twin's weights go through the
    converter's quantization and back, as the page will see them."""
    from tensorflowjs import quantization
    line = _check_line(model)
    original = twin.get_weights()
    try:
        twin.set_weights([quantization.dequantize_weights(
            *quantization.quantize_weights(w, np.dtype(quantize).type)) for w in original])
        quantized = np.asarray(twin(line, training=False))
    finally:
        twin.set_weights(original)
    return float(np.abs(quantized - np.asarray(model(line, training=False))).max())


def _convert(twin, folder, quantize=None):
    """The real converter: model.json plus binary weight shards."""
    try:
        import tensorflowjs
    except ImportError as e:
        raise ExportError(f'the tensorflowjs converter is not importable ({e}); install the '
                          f'pinned packages: pip install -r requirements.txt') from None
    tf_logger = logging.getLogger('tensorflow')
    level = tf_logger.level
    try:
        # the converter round-trips through a legacy HDF5 file and warns about it: not ours
        tf_logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            tensorflowjs.converters.save_keras_model(
                twin, folder, quantization_dtype_map={quantize: '*'} if quantize else None)
    except Exception as e:  # the converter raises many kinds for what it cannot handle
        raise ExportError(f'the tensorflowjs converter failed: {type(e).__name__}: {e}') from None
    finally:
        tf_logger.setLevel(level)
    if not os.path.isfile(os.path.join(folder, MODEL_JSON)):
        raise ExportError(f'the tensorflowjs converter wrote no {MODEL_JSON} in {folder}')


def _versions() -> dict:
    import keras
    import tensorflowjs
    return {'tensorflowjs': tensorflowjs.__version__, 'keras': keras.__version__}

