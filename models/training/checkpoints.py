"""Resumable training state, one file per finished epoch, written atomically.

    <model folder>/training/checkpoints/epoch-0007.npz

A checkpoint is an uncompressed NumPy .npz (a zip): every model variable (weights and the
dropout layers' random-seed state) as `model/<name>`, every optimizer variable (Adam's
moments, its step count, the learning rate) as `optimizer/<name>`, and a JSON `state` (epoch, schedule counters, best scores, the
history that log.csv is written from, and what the model was built for). With that, and
batches that are a function of (seed, epoch), a resumed run continues exactly where an
uninterrupted one would have been.

A file is written under a temporary name, flushed to disk and renamed into place, so a
kill leaves either the old set of files or the new one. The zip's CRC-32 of every member
and a SHA-256 over all arrays (kept in `state`) catch truncated and damaged files; the two
newest checkpoints are kept, so a damaged newest one falls back to the one before.

Variables are stored by name (models.training.optimizer_step.variable_names: each
variable's path), not by position: a BiLSTM's forward and backward weights have equal
shapes, so a change in the order Keras lists them would otherwise swap them silently.
Checkpoints written before names were stored (`model/0000`, ...; no `state['keys']`) still
read: they restore in order, with a warning.
"""
import glob
import hashlib
import io
import json
import os
import re
import warnings

import numpy as np

from models.atomic_files import written_then_renamed

KEEP = 2  # checkpoints kept by default: the newest, and one to fall back on
BY_NAME = 'name'  # state['keys'] of checkpoints that store variables by name
_NAME = re.compile(r'epoch-(\d+)\.npz$')


class CheckpointError(ValueError):
    """A model folder or checkpoint that cannot be used; the message says why."""


def checkpoint_paths(folder) -> list:
    """Checkpoint files in `folder`, newest (highest epoch) first."""
    paths = [p for p in glob.glob(os.path.join(folder, 'epoch-*.npz')) if _NAME.search(p)]
    return sorted(paths, key=lambda p: int(_NAME.search(p).group(1)), reverse=True)


def _digest(arrays: dict) -> str:
    h = hashlib.sha256()
    for key in sorted(arrays):
        h.update(key.encode())
        h.update(np.ascontiguousarray(arrays[key]).tobytes())
    return h.hexdigest()


def checkpoint_path(folder, epoch: int) -> str:
    return os.path.join(folder, f'epoch-{epoch:04d}.npz')


def save_checkpoint(folder, state: dict, model_values: dict, optimizer_values: dict,
                    keep=KEEP) -> str:
    """Write epoch-<state['epoch']>.npz atomically; delete all but the `keep` newest.

    model_values, optimizer_values: {variable name: array}.
    """
    os.makedirs(folder, exist_ok=True)
    arrays = {f'model/{name}': v for name, v in model_values.items()}
    arrays.update({f'optimizer/{name}': v for name, v in optimizer_values.items()})
    state = dict(state, keys=BY_NAME, sha256=_digest(arrays))
    arrays['state'] = np.frombuffer(json.dumps(state, ensure_ascii=False).encode(), np.uint8)
    path = checkpoint_path(folder, state['epoch'])
    with written_then_renamed(os.path.join(folder, f'.{os.path.basename(path)}.tmp'),
                              path) as tmp:
        archive = io.BytesIO()  # whole in memory first: np.savez leaves its zip half-open
        np.savez(archive, **arrays)  # when a write fails, and that zip complains at exit
        with open(tmp, 'wb') as f:
            f.write(archive.getbuffer())
            f.flush()
            os.fsync(f.fileno())
    _fsync_dir(folder)
    for old in checkpoint_paths(folder)[max(keep, 1):]:
        os.remove(old)
    return path


def _fsync_dir(folder):
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_checkpoint(path):
    """-> (state, model values, optimizer values), each {name: array}; CheckpointError if
    damaged. A checkpoint without `state['keys']` names its arrays by position ('0000')."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}  # reading checks each CRC-32
        state = json.loads(arrays.pop('state').tobytes().decode())
    except Exception as e:  # zipfile, numpy and json raise many types for a bad file
        raise CheckpointError(f'{path} is damaged ({type(e).__name__}: {e})') from None
    if state.get('sha256') != _digest(arrays):
        raise CheckpointError(f'{path} is damaged (checksum mismatch)')
    values = {kind: {key[len(kind) + 1:]: arrays[key] for key in sorted(arrays)
                     if key.startswith(kind + '/')} for kind in ('model', 'optimizer')}
    return state, values['model'], values['optimizer']


def stored_by_name(state: dict) -> bool:
    """Whether a checkpoint names its variables; warns when it stores them by position."""
    if state.get('keys') == BY_NAME:
        return True
    warnings.warn(f'the checkpoint of epoch {state.get("epoch")} stores its variables by '
                  f'position (written by an older version); restoring them in order',
                  stacklevel=2)
    return False


def latest_checkpoint(folder):
    """The newest readable checkpoint, warning about each damaged one skipped on the way.

    -> (state, model values, optimizer values), or None when the folder holds none.
    """
    paths = checkpoint_paths(folder)
    for path in paths:
        try:
            return read_checkpoint(path)
        except CheckpointError as e:
            warnings.warn(f'{e}; trying the previous checkpoint', stacklevel=2)
    if paths:
        raise CheckpointError(f'no usable checkpoint in {folder}: all {len(paths)} are '
                              f'damaged; pass --overwrite to start over')
    return None
