"""train.py --init_from MODEL_DIR: a new run that starts from another model folder's weights.

    python train.py --dataset datasets/synthetic-big --name pretrained ...
    python train.py --dataset datasets/iam --init_from weights/pretrained ...

What is taken: the network's weights, nothing else (the optimizer, learning rate, epoch
count and schedule start fresh). The output layer is taken by character, since the two
data sets' character tables differ: the blank takes the blank's column, each character the
source knows takes the source's column (kernel and bias), and characters new to the
source keep the fresh weights that a run from scratch with the same --seed would have.

What must match, checked before TensorFlow starts (`check_source`): layers, units and
features of the network, and the pre-processing as data.preprocessing.Pipeline.fits says
for the purpose `init_from`: the same steps and parameters, with two exceptions. The fitted
standardization differs per data set (the network adapts to a shifted input scale
quickly). The resampling step and tolerance may differ too, and are named in a note: the
features are the same, pen movements between points, only shorter or longer; on IAM-OnDB,
weights trained on synthetic lines at one point per 0.2 line heights read 12.9% CER after
one epoch at 0.15, against 14.0% for the same start at 0.2. Another feature set or order
of steps would not carry over, and is refused.

The source is recorded in the checkpoints and in recognizer.json (`training.init_from`).
A resumed run continues from its own checkpoint and ignores --init_from.
"""
import os
from typing import List, NamedTuple

import numpy as np

from data.charset import BLANK
from data.preprocessing import Pipeline
from models.model_folder import MODEL_FILE, ModelFolderError, read_config
from models.network import LOGITS_LAYER
from models.training.checkpoints import CheckpointError

SHAPE = ('num_layers', 'units', 'num_features')  # what the weights' shapes depend on


class SourceWeights(NamedTuple):
    """The source network's weights by layer name, read before this run's model is built."""
    folder: str
    epoch: object                 # the source's best epoch, as its recognizer.json says, or
                                  # the list of epochs average.py took the mean of, or for
                                  # several runs [{'model': folder, 'epochs': [...]}, ...]
    characters: List[str]
    layers: dict                  # {layer name: [arrays, as get_weights() gives them]}

    def which_weights(self) -> str:
        """'epoch 7', or 'the mean of epochs 5, 6, 7' for a folder average.py wrote, or
        'the mean of epochs 1, 2 of weights/a and 1, 2 of weights/b'."""
        if isinstance(self.epoch, list) and self.epoch and isinstance(self.epoch[0], dict):
            return 'the mean of epochs ' + ' and '.join(
                f'{", ".join(map(str, run["epochs"]))} of {run["model"]}' for run in self.epoch)
        if isinstance(self.epoch, list):
            return f'the mean of epochs {", ".join(map(str, self.epoch))}'
        return f'epoch {self.epoch}'


def check_source(folder, architecture: dict, pipeline: Pipeline) -> dict:
    """-> the source's recognizer.json; CheckpointError in one line when it cannot be used
    with this data set's `pipeline`: not a model folder, another network shape, or other
    pre-processing."""
    try:
        config = read_config(folder)
    except ModelFolderError as e:
        raise CheckpointError(f'--init_from: {e}') from None
    if not os.path.isfile(os.path.join(folder, MODEL_FILE)):
        raise CheckpointError(f'--init_from: {folder} has no trained network ({MODEL_FILE} '
                              f'is missing)')
    theirs = config.get('architecture', {})
    if any(theirs.get(k) != architecture[k] for k in SHAPE):
        raise CheckpointError(f'--init_from: {folder} is a {_shape(theirs)} network, this run '
                              f'a {_shape(architecture)} one; pass its --layers and --units, '
                              f'and compile with its number of features')
    try:
        source = Pipeline.from_json(config.get('preprocessing', {'steps': []}))
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f'--init_from: {folder} has unusable pre-processing '
                              f'({type(e).__name__}: {e})') from None
    fit = source.fits(pipeline, 'init_from')
    if not fit.ok:
        raise CheckpointError(f'--init_from: {folder} was trained on pre-processing '
                              f'{source.describe()}, this data set has {pipeline.describe()}; '
                              f'compile the data set with the source\'s pre-processing')
    for name, theirs, ours in fit.tolerated:
        print(f'note: {folder} was trained with {name}{theirs}, this data set has '
              f'{name}{ours}; its weights are taken all the same')
    return config


def _shape(architecture: dict) -> str:
    return (f'{architecture.get("num_layers")} x {architecture.get("units")} '
            f'({architecture.get("num_features")} features)')


def read_source(folder) -> SourceWeights:
    """Load the source's network and keep its weights as arrays. Call it before this run
    seeds and builds its model, so that loading draws nothing from the seeded state."""
    from models.model_folder import load_model_folder
    try:
        model, char_table, _, config = load_model_folder(folder)
    except ModelFolderError as e:
        raise CheckpointError(f'--init_from: {e}') from None
    layers = {layer.name: layer.get_weights() for layer in model.layers if layer.weights}
    averaged = config.get('averaged')
    epoch = config.get('epoch', averaged['epochs'] if isinstance(averaged, dict) else averaged)
    return SourceWeights(folder, epoch, char_table.characters, layers)


def output_columns(source_characters, characters) -> np.ndarray:
    """(C,) for each class of this run (blank first), the source's class that gives its
    output column, or -1 for a character the source does not know."""
    theirs = {c: i + 1 for i, c in enumerate(source_characters)}
    return np.array([BLANK] + [theirs.get(c, -1) for c in characters])


def take_weights(model, source: SourceWeights, characters) -> List[str]:
    """Set `model`'s weights to the source's; the output layer by character (see
    output_columns). -> the characters new to the source, which keep `model`'s weights."""
    for layer in model.layers:
        if not layer.weights:
            continue
        if layer.name not in source.layers:
            raise CheckpointError(f'--init_from: {source.folder} has no layer {layer.name}')
        values = source.layers[layer.name]
        if layer.name == LOGITS_LAYER and len(values) == 2 and values[0].ndim == 2:
            values = _mapped_output(layer.get_weights(), values,
                                    output_columns(source.characters, characters))
        shapes = [np.shape(v) for v in values]
        if shapes != [tuple(w.shape) for w in layer.weights]:
            raise CheckpointError(f'--init_from: layer {layer.name} of {source.folder} has '
                                  f'weights {shapes}, this model '
                                  f'{[tuple(w.shape) for w in layer.weights]}')
        layer.set_weights(values)
    columns = output_columns(source.characters, characters)
    return [c for c, column in zip(characters, columns[1:]) if column < 0]


def _mapped_output(fresh, source, columns):
    """The logits layer's [kernel (H, C), bias (C,)]: the source's columns where `columns`
    names one, the fresh ones elsewhere."""
    known = columns >= 0
    if fresh[0].shape[0] != source[0].shape[0]:
        return source  # another input width: the shape check names it
    mapped = []
    for mine, theirs in zip(fresh, source):
        mine = mine.copy()
        mine[..., known] = theirs[..., columns[known]]
        mapped.append(mine)
    return mapped


def record(source: SourceWeights, new_characters) -> dict:
    """What checkpoints and recognizer.json say about the start (`training.init_from`)."""
    return {'folder': os.path.normpath(source.folder), 'epoch': source.epoch,
            'new_characters': ''.join(new_characters)}
