"""The model folder: everything needed to recognize, and nothing else needed.

    weights/<name>/
        model.keras        the trained network (best validation CER)
        recognizer.json    pre-processing steps, character table, architecture, provenance
        lm.arpa            optional: the language model for token passing (build_lm.py)
        training/          resumable state, logs (not needed to recognize)

A user can copy the folder to a machine without a GPU or the data set and recognize.
"""
import json
import os
import zipfile

import numpy as np

from data.charset import CharTable
from data.dataset_format import DEFAULT_DATASET
from data.preprocessing import Pipeline
from models.atomic_files import written_then_renamed

MODEL_FILE = 'model.keras'
CONFIG_FILE = 'recognizer.json'
PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS_DIR = 'weights'  # where train.py writes model folders, one each


def shipped(relative: str) -> str:
    """A path of the project's own files as given when the working directory has it (runs
    from the repository root), else the one under the project: so that the default model
    is found from any working directory."""
    return relative if os.path.exists(relative) else os.path.join(PROJECT_DIR, relative)


# The shipped models: weights/iam reads people's handwriting (trained on IAM-OnDB, for
# non-commercial research); weights/synthetic has no IAM-OnDB in its history.
DEFAULT_MODEL = shipped(os.path.join(WEIGHTS_DIR, 'iam'))
LM_FILE = 'lm.arpa'  # a language model in the model folder; token passing uses it by default
TRAINING_DIR = 'training'
LOG_FILE = 'log.csv'  # under TRAINING_DIR: one row per finished epoch
FORMAT_VERSION = 1


class ModelFolderError(ValueError):
    pass


def write_config(folder, char_table: CharTable, pipeline: Pipeline, architecture: dict,
                 **provenance):
    os.makedirs(folder, exist_ok=True)
    config = {'format': FORMAT_VERSION, 'char_table': char_table.to_json(),
              'preprocessing': pipeline.to_json(), 'architecture': architecture,
              **provenance}
    with written_then_renamed(os.path.join(folder, CONFIG_FILE + '.tmp'),
                              os.path.join(folder, CONFIG_FILE)) as tmp:
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump(config, f, indent=1, ensure_ascii=False)


def save_network(folder, model):
    """Write model.keras atomically: a kill leaves the previous one."""
    os.makedirs(folder, exist_ok=True)
    # Keras insists on the .keras ending
    with written_then_renamed(os.path.join(folder, '.model.tmp.keras'),
                              os.path.join(folder, MODEL_FILE)) as tmp:
        model.save(tmp)


def trained_on(config: dict, folder=None) -> str:
    """The data set folder train.py recorded for the model, else the default one.

    train.py records the way from the model folder to the data set ('dataset_from_model'),
    which holds from any working directory; older folders have only 'dataset', the path
    as train.py was given it, relative to the directory it ran in.
    """
    if folder is not None and config.get('dataset_from_model'):
        return os.path.normpath(os.path.join(folder, config['dataset_from_model']))
    return config.get('dataset') or DEFAULT_DATASET


def read_config(folder) -> dict:
    path = os.path.join(folder, CONFIG_FILE)
    if not os.path.isdir(folder):
        raise ModelFolderError(f'model folder not found: {folder}')
    if not os.path.isfile(path):
        raise ModelFolderError(f'{folder} is not a model folder: {CONFIG_FILE} is missing')
    try:
        with open(path, encoding='utf-8') as f:
            config = json.load(f)
    except (OSError, ValueError, RecursionError) as e:  # not JSON, not UTF-8, too deep
        raise ModelFolderError(f'{path} is unreadable: {e}') from None
    if not isinstance(config, dict):
        raise ModelFolderError(f'{path} holds a JSON {type(config).__name__}, not the object '
                               f'train.py writes')
    if config.get('format') != FORMAT_VERSION:
        raise ModelFolderError(f'{path} has format {config.get("format")!r}; '
                               f'this version reads {FORMAT_VERSION}')
    return config


# A line any fitted pipeline turns into a few frames: the load-time check that the
# recognizer.json's steps and their parameters work, rather than the first user's line.
PROBE_LINE = [np.array([[0.0, 0.0, 0.0], [3.0, 9.0, 0.05], [6.0, 0.0, 0.1], [9.0, 9.0, 0.15]]),
              np.array([[12.0, 4.0, 0.4], [16.0, 5.0, 0.45]])]


def read_recognizer_config(folder) -> tuple:
    """-> (config, CharTable, Pipeline) of a model folder's recognizer.json, checked: the
    character table is a list of distinct one-character strings, and the pre-processing
    steps turn a probe line into finite features of the width they declare."""
    config = read_config(folder)
    path = os.path.join(folder, CONFIG_FILE)
    try:
        char_table = CharTable.from_json(config['char_table'])
        pipeline = Pipeline.from_json(config['preprocessing'])
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise ModelFolderError(f'{path} is unusable: no valid character table and '
                               f'pre-processing ({type(e).__name__}: {e})') from None
    try:
        with np.errstate(all='ignore'):  # overflows show as non-finite features, below
            features = pipeline(PROBE_LINE)
        usable = features.ndim == 2 and features.shape[1] == pipeline.num_features and \
            len(features) and np.isfinite(features).all()
        problem = '' if usable else f'they give features of shape {features.shape}'
    except Exception as e:  # parameters of the wrong type or length, steps not fitted
        problem = f'{type(e).__name__}: {e}'
    if problem:
        raise ModelFolderError(f'{path}: the pre-processing steps do not work ({problem})')
    return config, char_table, pipeline


def load_model_folder(folder):
    """-> (keras model, CharTable, Pipeline, config), checked whole: recognizer.json (see
    read_recognizer_config), model.keras, and that the two belong together (the network's
    input width is the pre-processing's feature count, its outputs the character table's
    classes). Loads TensorFlow; call it once."""
    # recognizer.json before importing Keras: a bad folder fails in a blink
    config, char_table, pipeline = read_recognizer_config(folder)
    model_path = os.path.join(folder, MODEL_FILE)
    if not os.path.isfile(model_path):
        raise ModelFolderError(f'{folder} has no trained network ({MODEL_FILE} is missing)')
    if not zipfile.is_zipfile(model_path):  # Keras would say "File not found"
        raise ModelFolderError(f'{model_path} is damaged or truncated: a .keras file is a zip '
                               f'archive, and this one has no readable zip directory')
    import keras
    try:
        model = keras.saving.load_model(model_path, compile=False)
    except Exception as e:  # Keras raises many types for a damaged zip or a wrong file
        raise ModelFolderError(f'cannot load {model_path}: {e}') from None
    check_fits(model, char_table, pipeline, folder)
    return model, char_table, pipeline, config


def check_fits(model, char_table: CharTable, pipeline: Pipeline, folder):
    """ModelFolderError unless the network reads the pipeline's features (B, T, F) and
    writes one class per character plus the blank (B, T, C): a recognizer.json beside
    another model's network would otherwise give wrong text without a word."""
    shapes = [getattr(model, name, None) for name in ('input_shape', 'output_shape')]
    if not all(isinstance(shape, tuple) and len(shape) == 3 for shape in shapes):
        raise ModelFolderError(f'{os.path.join(folder, MODEL_FILE)} is not a line recognizer: '
                               f'its input and output shapes are {shapes[0]} and {shapes[1]}, '
                               f'where (batch, frames, width) belong')
    (*_, width), (*_, classes) = shapes
    config, network = os.path.join(folder, CONFIG_FILE), os.path.join(folder, MODEL_FILE)
    if classes != char_table.num_classes:
        raise ModelFolderError(f'{folder}: {CONFIG_FILE} and {MODEL_FILE} do not belong '
                               f'together: {config} has {len(char_table)} characters '
                               f'({char_table.num_classes} classes with the blank), {network} '
                               f'outputs {classes} classes')
    if width != pipeline.num_features:
        raise ModelFolderError(f'{folder}: {CONFIG_FILE} and {MODEL_FILE} do not belong '
                               f'together: {config}\'s pre-processing makes '
                               f'{pipeline.num_features} features, {network} reads {width}')
