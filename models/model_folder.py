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

from data.charset import CharTable
from data.dataset_format import DEFAULT_DATASET
from data.preprocessing import Pipeline

MODEL_FILE = 'model.keras'
CONFIG_FILE = 'recognizer.json'
# The shipped models: weights/iam reads people's handwriting (trained on IAM-OnDB, for
# non-commercial research); weights/synthetic has no IAM-OnDB in its history.
WEIGHTS_DIR = 'weights'  # where train.py writes model folders, one each
DEFAULT_MODEL = os.path.join(WEIGHTS_DIR, 'iam')
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
    tmp = os.path.join(folder, CONFIG_FILE + '.tmp')
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(config, f, indent=1, ensure_ascii=False)
    os.replace(tmp, os.path.join(folder, CONFIG_FILE))


def save_network(folder, model):
    """Write model.keras atomically: a kill leaves the previous one."""
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, '.model.tmp.keras')  # Keras insists on the .keras ending
    model.save(tmp)
    os.replace(tmp, os.path.join(folder, MODEL_FILE))


def trained_on(config: dict, folder=None) -> str:
    """The data set folder train.py recorded for the model, else the default one.

    train.py records the way from the model folder to the data set ('dataset_from_model'),
    which holds from any working directory; older folders have only 'dataset', the path
    as train.py was given it, relative to the directory it ran in.
    """
    if folder is not None and config.get('dataset_from_model'):
        return os.path.normpath(os.path.join(folder, config['dataset_from_model']))
    return config.get('dataset') or DEFAULT_DATASET


def default_decoder(model_dir, language_model=None) -> str:
    """The decoder a model folder reads best with: token passing where it has a language
    model (its lm.arpa, or `language_model` given), with the settings tune_decoder.py stored
    in its decoder.json; else best path. On IAM-OnDB's final test set, weights/iam read
    3.09% CER with token passing against 5.18% with best path."""
    if language_model or os.path.isfile(os.path.join(model_dir, LM_FILE)):
        return 'token_passing'
    return 'best_path'


def read_config(folder) -> dict:
    path = os.path.join(folder, CONFIG_FILE)
    if not os.path.isdir(folder):
        raise ModelFolderError(f'model folder not found: {folder}')
    if not os.path.isfile(path):
        raise ModelFolderError(f'{folder} is not a model folder: {CONFIG_FILE} is missing')
    try:
        with open(path, encoding='utf-8') as f:
            config = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise ModelFolderError(f'{path} is unreadable: {e}') from None
    if config.get('format') != FORMAT_VERSION:
        raise ModelFolderError(f'{path} has format {config.get("format")!r}; '
                               f'this version reads {FORMAT_VERSION}')
    return config


def load_model_folder(folder):
    """-> (keras model, CharTable, Pipeline, config). Loads TensorFlow; call it once."""
    config = read_config(folder)  # before importing Keras: a bad folder fails in a blink
    try:
        char_table = CharTable.from_json(config['char_table'])
        pipeline = Pipeline.from_json(config['preprocessing'])
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise ModelFolderError(f'{os.path.join(folder, CONFIG_FILE)} is unusable: no valid '
                               f'character table and pre-processing ({type(e).__name__}: '
                               f'{e})') from None
    import keras
    model_path = os.path.join(folder, MODEL_FILE)
    if not os.path.isfile(model_path):
        raise ModelFolderError(f'{folder} has no trained network ({MODEL_FILE} is missing)')
    try:
        model = keras.saving.load_model(model_path, compile=False)
    except Exception as e:  # Keras raises many types for a damaged zip or a wrong file
        raise ModelFolderError(f'cannot load {model_path}: {e}') from None
    return model, char_table, pipeline, config
