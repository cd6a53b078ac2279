"""Lines in memory, batches grouped by length, and padding.

A recurrent network pays for every padded frame, so lines of similar length go together:
each epoch sorts the lines by their length times a random factor near 1 (so that the
batches differ from epoch to epoch), cuts the order into batches and shuffles the batches.
Padding then stays a few percent of the frames instead of about half with random batches
(benchmarks/bench_training.py measures the speed-up).

The order of an epoch is a function of (seed, epoch) alone, so that resuming training at
epoch k sees exactly the batches an uninterrupted run would have seen.
"""
from dataclasses import dataclass

import numpy as np

from data.charset import ctc_min_frames
from models.network import PAD_VALUE, output_lengths

LABEL_PAD = 0  # keras.ops.ctc_loss with mask_index=0 wants labels padded with the blank
JITTER = 0.1  # lengths are scaled by a random factor in [1 - JITTER, 1 + JITTER] to sort


class LineSet:
    """The usable lines of a compiled split, held in memory (features are small: 16 bytes a
    frame), so that a batch is assembled without touching the disk."""

    def __init__(self, features, labels, texts):
        self.features, self.labels, self.texts = list(features), list(labels), list(texts)
        self.lengths = np.array([len(f) for f in self.features], dtype=np.int64)

    @classmethod
    def from_split(cls, split, stride=1):
        """-> (LineSet, number of lines left out as shorter than CTC needs once a network
        of time stride `stride` has subsampled them)."""
        lengths = output_lengths(split.lengths, stride)
        keep = [i for i in range(len(split)) if lengths[i] >= ctc_min_frames(split.labels(i))]
        lines = [split[i] for i in keep]
        split.close()
        return cls(*zip(*lines)) if lines else cls([], [], []), len(split) - len(keep)

    def __len__(self):
        return len(self.features)

    def batch(self, indices, distort=None) -> 'Batch':
        """The lines at `indices`, padded; `distort` (a list of feature arrays -> the same
        list distorted, see models.training.augmentation) changes them first."""
        features = [self.features[i] for i in indices]
        if distort is not None:
            features = distort(features)
        return pad_batch(features, [self.labels[i] for i in indices],
                         [self.texts[i] for i in indices])


@dataclass
class Batch:
    features: np.ndarray       # (B, T, F) float32, padded with PAD_VALUE
    frame_lengths: np.ndarray  # (B,) int32
    labels: np.ndarray         # (B, L) int32, padded with LABEL_PAD
    label_lengths: np.ndarray  # (B,) int32
    texts: list

    def __len__(self):
        return len(self.texts)

    def part(self, k, parts) -> 'Batch':
        """The k-th of `parts` near-equal slices (one per replica), trimmed of padding."""
        bounds = np.linspace(0, len(self), parts + 1).round().astype(int)
        s = slice(bounds[k], bounds[k + 1])
        t = max(int(self.frame_lengths[s].max(initial=0)), 1)
        n = max(int(self.label_lengths[s].max(initial=0)), 1)
        return Batch(self.features[s, :t], self.frame_lengths[s], self.labels[s, :n],
                     self.label_lengths[s], self.texts[s])


def pad_batch(features, labels, texts) -> Batch:
    frame_lengths = np.array([len(f) for f in features], dtype=np.int32)
    label_lengths = np.array([len(l) for l in labels], dtype=np.int32)
    x = np.full((len(features), frame_lengths.max(), features[0].shape[1]), PAD_VALUE,
                dtype=np.float32)
    y = np.full((len(labels), max(label_lengths.max(), 1)), LABEL_PAD, dtype=np.int32)
    for i, (f, l) in enumerate(zip(features, labels)):
        x[i, :len(f)] = f
        y[i, :len(l)] = l
    return Batch(x, frame_lengths, y, label_lengths, list(texts))


def epoch_rng(seed: int, epoch: int) -> np.random.Generator:
    return np.random.default_rng([seed, epoch])


def augmentation_rng(seed: int, epoch: int) -> np.random.Generator:
    """The distortions' generator for an epoch, apart from the batch order's."""
    return np.random.default_rng([seed, epoch, 1])


def grouped_batches(lengths, batch_size, rng, min_size=1) -> list:
    """Index arrays of similar-length lines, in random order; see the module docstring."""
    noisy = lengths * rng.uniform(1 - JITTER, 1 + JITTER, len(lengths))
    batches = _cut(np.argsort(noisy, kind='stable'), batch_size, min_size)
    return [batches[i] for i in rng.permutation(len(batches))]


def random_batches(lengths, batch_size, rng, min_size=1) -> list:
    """Index arrays of random lines: the baseline that grouping is measured against."""
    return _cut(rng.permutation(len(lengths)), batch_size, min_size)


def sequential_batches(lengths, batch_size, min_size=1) -> list:
    """Sorted by length, fixed order: for validation, where order does not matter."""
    return _cut(np.argsort(lengths, kind='stable'), batch_size, min_size)


def _cut(order, batch_size, min_size):
    """Cut `order` into batches; a last batch smaller than min_size (the number of
    replicas, each of which needs a line) joins the one before."""
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if len(batches) > 1 and len(batches[-1]) < min_size:
        batches[-2:] = [np.concatenate(batches[-2:])]
    return batches


def padding_fraction(lengths, batches) -> float:
    """Share of the frames fed to the network that are padding."""
    real = sum(int(lengths[b].sum()) for b in batches)
    fed = sum(int(lengths[b].max()) * len(b) for b in batches)
    return 1 - real / fed if fed else 0.0
