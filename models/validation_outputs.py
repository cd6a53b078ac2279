"""The network's outputs on validation lines, kept in a file for the next run.

Tuning a decoder (tune_decoder.py) and timing decoders on real lines
(benchmarks/bench_token_passing.py) search many settings over the same (T, C) matrices;
the network runs once, and a cache file keeps its outputs until the model file changes.
"""
import os
import time

import numpy as np

from data.dataset_format import open_dataset


def validation_lines(dataset: str, count: int):
    """(indices, texts, features) of `count` validation lines spread evenly over the split
    (its lines are grouped by writer)."""
    split = open_dataset(dataset).split('validation')
    if len(split) == 0:
        raise ValueError(f'the validation split of {dataset} has no lines')
    indices = np.unique(np.linspace(0, len(split) - 1, min(count, len(split))).astype(int))
    texts = [split.texts[i] for i in indices]
    return indices, texts, [split.features(i) for i in indices]


def network_outputs(model: str, dataset: str, lines: int, cache=None):
    """(texts, probabilities) of `lines` validation lines of `dataset` (validation_lines)
    under the model folder `model`: from the .npz file `cache` when it was made by this
    model file on these lines, else by running the network (and writing `cache`)."""
    model_file = os.path.join(model, 'model.keras')
    stamp = np.array([os.path.getmtime(model_file), os.path.getsize(model_file)])
    indices, texts, features = validation_lines(dataset, lines)
    if cache and os.path.isfile(cache):
        cached = np.load(cache)
        if np.array_equal(cached['stamp'], stamp) and np.array_equal(cached['indices'], indices):
            ends = np.cumsum(cached['lengths'])[:-1]
            return texts, np.split(cached['probabilities'], ends)
    from models.recognizer import Recognizer
    start = time.perf_counter()
    probabilities = Recognizer.load(model).probabilities(features)
    print(f'network: {len(features)} lines in {time.perf_counter() - start:.0f} s')
    if cache:
        np.savez(cache, stamp=stamp, indices=indices,
                 lengths=[len(p) for p in probabilities],
                 probabilities=np.concatenate(probabilities))
    return texts, probabilities
