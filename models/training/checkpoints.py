"""Resumable training state, one file per finished epoch, written atomically: `Checkpoint`,
the only code that knows what a checkpoint holds and how it is stored.

    <model folder>/training/checkpoints/epoch-0007.npz

    checkpoint = Checkpoint.latest(folder)        # None when there is none
    checkpoint.epoch, checkpoint.config, checkpoint.recipe, ...
    checkpoint.restore(trainer)
    Checkpoint(epoch=8, model=..., optimizer=..., ...).save(folder)

A checkpoint is an uncompressed NumPy .npz (a zip): every model variable (weights and the
dropout layers' random-seed state) as `model/<name>`, every optimizer variable (Adam's
moments, its step count, the learning rate) as `optimizer/<name>`, and a JSON `state`: the
other fields of Checkpoint (epoch, schedule counters, best scores, the history that log.csv
is written from, the recipe, the training configuration, and what the model was built for
and trained on). With that, and batches that are a function of (seed, epoch), a resumed run
continues exactly where an uninterrupted one would have been. A field added to Checkpoint
is written and read by save() and read() as they stand; a checkpoint written before a
field existed reads it as None (the recipe's options take the values they had before they
were options: _LEGACY_RECIPE).

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
import dataclasses
import glob
import hashlib
import io
import json
import os
import re
import warnings
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from models.atomic_files import written_then_renamed
from models.training.config import KEEP, TrainingConfig

BY_NAME = 'name'  # state['keys'] of checkpoints that store variables by name
_NAME = re.compile(r'epoch-(\d+)\.npz$')
# What checkpoints written before an option of the recipe existed trained with; init_from
# is a record of the start, not an option
_LEGACY_RECIPE = {'augment': 0.0, 'warp': 0.0, 'init_from': None}


class CheckpointError(ValueError):
    """A model folder or checkpoint that cannot be used; the message says why."""


@dataclass
class Checkpoint:
    """The training state after one epoch."""
    epoch: int
    model: dict = field(default_factory=dict)      # {variable name: array}
    optimizer: dict = field(default_factory=dict)  # {variable name: array}
    schedule: Optional[dict] = None  # Schedule.to_json(): counters, best scores, history
    # the options that shape training's arithmetic (models.training.run.RECIPE), which a
    # resumed run keeps, and init_from: where the first epoch's weights came from
    recipe: Optional[dict] = None
    config: Optional[TrainingConfig] = None  # the settings in effect: the run's, the recipe's
    architecture: Optional[dict] = None  # build_model's arguments
    characters: Optional[list] = None  # the character table the output layer is for
    dataset: Optional[str] = None  # the data set's folder
    data: Optional[dict] = None  # the data set's fingerprint (models.training.resume)
    by_name: bool = True  # False: variables stored by position (older files)
    sha256: str = ''  # over all arrays: set by save() and read()

    def save(self, folder, keep=KEEP) -> str:
        """Write epoch-<epoch>.npz atomically; delete all but the `keep` newest."""
        os.makedirs(folder, exist_ok=True)
        arrays = {f'model/{name}': v for name, v in self.model.items()}
        arrays.update({f'optimizer/{name}': v for name, v in self.optimizer.items()})
        self.sha256 = _digest(arrays)
        state = {name: getattr(self, name) for name in _state_fields()}
        if self.config is not None:
            state['config'] = dataclasses.asdict(self.config)
        state.update(keys=BY_NAME, sha256=self.sha256)
        arrays['state'] = np.frombuffer(json.dumps(state, ensure_ascii=False).encode(),
                                        np.uint8)
        path = checkpoint_path(folder, self.epoch)
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

    @classmethod
    def read(cls, path) -> 'Checkpoint':
        """CheckpointError if the file is damaged. A checkpoint without `state['keys']`
        names its arrays by position ('0000')."""
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
        fields = {name: state.get(name) for name in _state_fields()}
        if fields['recipe'] is not None:
            fields['recipe'] = {**_LEGACY_RECIPE, **fields['recipe']}
        if fields['config'] is not None:
            try:
                fields['config'] = TrainingConfig(**fields['config'])
            except (TypeError, ValueError) as e:  # a setting this version does not know
                raise CheckpointError(f'{path} records a training configuration this version '
                                      f'cannot read ({e})') from None
        return cls(**fields, model=values['model'], optimizer=values['optimizer'],
                   by_name=state.get('keys') == BY_NAME, sha256=state['sha256'])

    @classmethod
    def latest(cls, folder) -> Optional['Checkpoint']:
        """The newest readable checkpoint in `folder`, warning about each damaged one
        skipped on the way; None when the folder holds none."""
        paths = checkpoint_paths(folder)
        for path in paths:
            try:
                return cls.read(path)
            except CheckpointError as e:
                warnings.warn(f'{e}; trying the previous checkpoint', stacklevel=2)
        if paths:
            raise CheckpointError(f'no usable checkpoint in {folder}: all {len(paths)} are '
                                  f'damaged; pass --overwrite to start over')
        return None

    def restore(self, trainer):
        """Set the trainer's model and optimizer variables to this checkpoint's
        (models.training.optimizer_step.Trainer.restore: ValueError if they differ)."""
        if not self.by_name:
            warnings.warn(f'the checkpoint of epoch {self.epoch} stores its variables by '
                          f'position (written by an older version); restoring them in order',
                          stacklevel=2)
        trainer.restore(self.model, self.optimizer, by_name=self.by_name)


def _state_fields() -> list:
    """The fields of Checkpoint kept in its JSON `state`: all but the arrays and what is
    written about them."""
    return [f.name for f in dataclasses.fields(Checkpoint)
            if f.name not in ('model', 'optimizer', 'by_name', 'sha256')]


def checkpoint_paths(folder) -> list:
    """Checkpoint files in `folder`, newest (highest epoch) first."""
    paths = [p for p in glob.glob(os.path.join(folder, 'epoch-*.npz')) if _NAME.search(p)]
    return sorted(paths, key=lambda p: int(_NAME.search(p).group(1)), reverse=True)


def checkpoint_path(folder, epoch: int) -> str:
    return os.path.join(folder, f'epoch-{epoch:04d}.npz')


def _digest(arrays: dict) -> str:
    h = hashlib.sha256()
    for key in sorted(arrays):
        h.update(key.encode())
        h.update(np.ascontiguousarray(arrays[key]).tobytes())
    return h.hexdigest()


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
