"""Checkpoint averaging: the mean of the network weights of a model's newest checkpoints,
written as a model folder (average.py's process; see its docstring for why it helps and
when it does not).

    from models.training.averaging import average
    average(['weights/iam-3x128'], last=8, output='weights/iam', overwrite=True)

The networks here have no batch normalization, so the mean of the weights is the whole
job: no pass over the training data is needed. Several model folders give the mean of the
newest checkpoints of each, all weighted alike (runs from the same starting weights).
"""
import os

import numpy as np

from algorithms.error_rates import cer, wer
from data.charset import CharTable
from data.dataset_format import open_dataset
from data.preprocessing import Pipeline
from models.model_folder import (CONFIG_FILE, MODEL_FILE, read_config, save_network,
                                 trained_on, write_config)
from models.training.checkpoints import Checkpoint, checkpoint_paths
from models.training.resume import checkpoints_dir


def newest_checkpoints(model_dir, count) -> list:
    """-> the `count` newest Checkpoints, newest first."""
    if count < 1:
        raise ValueError(f'--last must be at least 1, got {count}')
    paths = checkpoint_paths(checkpoints_dir(model_dir))
    if len(paths) < count:
        raise ValueError(f'{model_dir} keeps {len(paths)} checkpoint(s); averaging the last '
                         f'{count} needs that many (train with --keep_checkpoints {count})')
    return [Checkpoint.read(path) for path in paths[:count]]


def mean_values(values: list) -> dict:
    """Element-wise mean of each float variable; other variables (the dropout layers'
    random-seed states) from the first, the newest checkpoint."""
    names = set(values[0])
    for other in values[1:]:
        if set(other) != names:
            raise ValueError('the checkpoints hold different variables: not one network')
    return {name: (np.mean([v[name] for v in values], axis=0).astype(values[0][name].dtype)
                   if values[0][name].dtype.kind == 'f' else values[0][name])
            for name in values[0]}


def build_network(architecture: dict, values: dict):
    from models.network import build_model
    from models.training.optimizer_step import variable_names
    model = build_model(**architecture, use_cudnn=False)
    names = variable_names(model)
    missing = sorted(set(names) - set(values))
    if missing:
        raise ValueError(f'the checkpoints lack variables of the network: {missing[:3]}')
    for variable, name in zip(model.variables, names):
        variable.assign(values[name])
    return model


def validation_figures(model, char_table, pipeline, dataset) -> dict:
    """Best path CER and WER of `model` on the data set's validation split ({} if empty)."""
    from models.recognizer import Recognizer
    split = open_dataset(dataset).split('validation')
    if len(split) == 0:
        return {}
    truths = list(split.texts)
    features = [split.features(i) for i in range(len(split))]
    split.close()
    recognizer = Recognizer(model, char_table, pipeline)
    predictions = recognizer.decoder.decode_batch(recognizer.probabilities(features))
    return {'val_cer': cer(truths, predictions), 'val_wer': wer(truths, predictions)}


def same_network(configs: dict):
    """Folders to average together must hold one network: architecture, character table
    and pre-processing alike (the pre-processing's fitted values too: the same data set;
    Pipeline.fits for the purpose `average`)."""
    first, *others = configs
    pipeline = Pipeline.from_json(configs[first]['preprocessing'])
    for other in others:
        alike = {'architectures': configs[other]['architecture'] == configs[first]['architecture'],
                 'character tables': configs[other]['char_table'] == configs[first]['char_table'],
                 'pre-processing': pipeline.fits(
                     Pipeline.from_json(configs[other]['preprocessing']), 'average').ok}
        for what, same in alike.items():
            if not same:
                raise ValueError(f'{first} and {other} have different {what}: their weights '
                                 f'cannot be averaged')


def average(models: list, last: int, output=None, overwrite=False):
    """Write the mean of the `last` newest checkpoints of each of `models` (model folders)
    into the model folder `output` (default: <first model>-avg<last>), with its validation
    CER and WER; `overwrite` replaces a network already there."""
    output = output or f'{os.path.normpath(models[0])}-avg{last}'
    if any(os.path.abspath(output) == os.path.abspath(m) for m in models):
        raise ValueError('--output must be another folder than --model: the model folder '
                         'keeps the best epoch that training resumes against')
    if os.path.isfile(os.path.join(output, MODEL_FILE)) and not overwrite:
        raise ValueError(f'{output} already has a network; pass --overwrite to replace it')
    configs = {m: read_config(m) for m in models}
    same_network(configs)
    config = configs[models[0]]
    char_table = CharTable.from_json(config['char_table'])
    pipeline = Pipeline.from_json(config['preprocessing'])
    values, averaged = [], []
    for m in models:
        checkpoints = newest_checkpoints(m, last)
        epochs = sorted(checkpoint.epoch for checkpoint in checkpoints)
        print(f'averaging epochs {", ".join(map(str, epochs))} of {m}')
        values += [checkpoint.model for checkpoint in checkpoints]
        averaged.append({'model': m, 'epochs': epochs})
    model = build_network(config['architecture'], mean_values(values))
    dataset = trained_on(config, models[0])
    figures = validation_figures(model, char_table, pipeline, dataset)
    provenance = {k: v for k, v in config.items()
                  if k not in ('format', 'char_table', 'preprocessing', 'architecture',
                               'validation', 'epoch')}
    provenance['averaged'] = averaged[0] if len(averaged) == 1 else averaged
    if figures:
        provenance['validation'] = figures
    os.makedirs(output, exist_ok=True)
    provenance['dataset_from_model'] = os.path.relpath(dataset, output)
    save_network(output, model)
    write_config(output, char_table, pipeline, config['architecture'], **provenance)
    if figures:
        print(f'validation (best path): CER {100 * figures["val_cer"]:.2f}%   '
              f'WER {100 * figures["val_wer"]:.2f}%')
        for m, c in configs.items():
            if 'validation' in c:
                print(f'best single epoch of {m} ({c["epoch"]}): CER '
                      f'{100 * c["validation"]["val_cer"]:.2f}%   '
                      f'WER {100 * c["validation"]["val_wer"]:.2f}%')
    print(f'wrote {os.path.join(output, MODEL_FILE)} and {CONFIG_FILE}')
