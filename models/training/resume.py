"""Deciding, before TensorFlow starts, whether a model folder is trained afresh or resumed.

    weights/<name> missing                      -> train from scratch
    has checkpoints under training/             -> resume after the newest good one
    has model.keras or recognizer.json only     -> refuse: a model trained elsewhere (such
                                                   as the shipped one); --overwrite replaces it
    anything else (a run killed in its first epoch) -> its leftovers are cleared, fresh start

A checkpoint carries a fingerprint of the data set it was trained on (dataset_fingerprint):
resuming on a data set compiled otherwise (other pre-processing, character table, lines)
stops with what changed, unless the user continues on purpose (--allow_dataset_change).
The same lines compiled again on another machine, whose fitted standardization differs in
its last digits, resume with a note (data.preprocessing.Pipeline.fits says why).

Two runs on one folder would overwrite each other's checkpoints, so a run holds a lock
(weights/.<name>.lock) for its whole life; the kernel drops it when the process dies,
kill -9 included, so there is never a stale lock to remove by hand.
"""
import hashlib
import json
import os
import shutil
import warnings

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs on one folder must be kept apart
    fcntl = None

from data.preprocessing import SAME_NUMBER, Pipeline
from models.model_folder import CONFIG_FILE, MODEL_FILE, TRAINING_DIR
from models.training.checkpoints import Checkpoint, CheckpointError

CHECKPOINTS_DIR = 'checkpoints'
TRAINED_SPLITS = ('train', 'validation')


def checkpoints_dir(folder):
    return os.path.join(folder, TRAINING_DIR, CHECKPOINTS_DIR)


def tf_config_chief() -> bool:
    """Whether TF_CONFIG makes this process the chief of a multi-worker run: the 'chief'
    task, or worker 0 of a cluster without one (as tf.distribute decides)."""
    config = json.loads(os.environ['TF_CONFIG'])
    task = config.get('task', {})
    if 'chief' in config.get('cluster', {}):
        return task.get('type') == 'chief'
    return task.get('type') == 'worker' and int(task.get('index', 0)) == 0


def lock_folder(folder):
    """-> an open lock file to keep for the run; CheckpointError if another run holds it."""
    parent, name = os.path.split(os.path.abspath(folder))
    os.makedirs(parent, exist_ok=True)
    lock = open(os.path.join(parent, f'.{name}.lock'), 'a+')
    if fcntl is not None:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            raise CheckpointError(f'{folder} is being trained by another process '
                                  f'(pid {lock.read().strip() or "?"})') from None
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
    return lock


def prepare_folder(folder, overwrite=False):
    """-> the Checkpoint to resume from, or None.

    Raises CheckpointError with a one-line reason when the folder cannot be used.
    """
    if overwrite and os.path.exists(folder):
        shutil.rmtree(folder)
    if not os.path.exists(folder):
        return None
    if not os.path.isdir(folder):
        raise CheckpointError(f'{folder} is a file, not a model folder')
    checkpoint = Checkpoint.latest(checkpoints_dir(folder))
    if checkpoint is None:
        if any(os.path.exists(os.path.join(folder, f)) for f in (MODEL_FILE, CONFIG_FILE)):
            raise CheckpointError(f'{folder} holds a trained model without training state; '
                                  f'choose another --name, or pass --overwrite to replace it')
        shutil.rmtree(os.path.join(folder, TRAINING_DIR), ignore_errors=True)
    return checkpoint


def check_fits(checkpoint: Checkpoint, architecture: dict, characters: list, folder):
    """Raise CheckpointError when the checkpoint was made for another network or text."""
    if checkpoint.characters != characters:
        raise CheckpointError(
            f'the checkpoint in {folder} was trained with another character table '
            f'({len(checkpoint.characters)} characters, data set {checkpoint.dataset}) than '
            f'this data set ({len(characters)}); choose another --name, or pass --overwrite')
    if checkpoint.architecture != architecture:
        differ = ', '.join(f'{k} {checkpoint.architecture.get(k)} (now {v})'
                           for k, v in architecture.items()
                           if checkpoint.architecture.get(k) != v)
        raise CheckpointError(f'the checkpoint in {folder} is for another network: {differ}; '
                              f'choose another --name, or pass --overwrite')


def dataset_fingerprint(dataset) -> dict:
    """What of a compiled data set a checkpoint's weights depend on: the fitted
    pre-processing (its standardization changes with every recompile on other lines), the
    character table, and the count and a SHA-256 of the line ids of each split trained on."""
    fingerprint = {'preprocessing': dataset.meta['preprocessing'],
                   'characters': dataset.char_table.characters, 'counts': {}, 'ids': {}}
    for name in TRAINED_SPLITS:
        ids = dataset.split(name).ids
        fingerprint['counts'][name] = len(ids)
        fingerprint['ids'][name] = hashlib.sha256('\n'.join(ids).encode()).hexdigest()
    return fingerprint


def check_dataset(checkpoint: Checkpoint, fingerprint: dict, folder, allow_change=False):
    """Raise CheckpointError when the checkpoint was trained on a data set compiled
    otherwise, naming what changed; with allow_change, warn instead. Pre-processing is
    compared as Pipeline.fits does for `resume`; what it tolerates is named in a note."""
    if checkpoint.data is None:
        warnings.warn(f'the checkpoint in {folder} predates data set fingerprints; resuming '
                      f'without checking that {checkpoint.dataset} is the data it trained on')
        return
    old, changes = checkpoint.data, []
    fit = Pipeline.from_json(old['preprocessing']).fits(
        Pipeline.from_json(fingerprint['preprocessing']), 'resume')
    if not fit.ok:
        changes.append(f'pre-processing ({fit.reason})')
    if old['characters'] != fingerprint['characters']:
        changes.append('character table')
    for name in TRAINED_SPLITS:
        if old['counts'][name] != fingerprint['counts'][name]:
            changes.append(f'{old["counts"][name]} {name} lines (now '
                           f'{fingerprint["counts"][name]})')
        elif old['ids'][name] != fingerprint['ids'][name]:
            changes.append(f'{name} line ids')
    if not changes:
        for name, theirs, ours in fit.tolerated:
            print(f'note: the checkpoint in {folder} was trained with {name}{theirs}, this '
                  f'data set has {name}{ours}: the same to a relative {SAME_NUMBER:g} (the '
                  f'same lines compiled again elsewhere); resuming on it')
        return
    what = (f'the checkpoint in {folder} was trained on another compilation of the data '
            f'({", ".join(changes)} changed since)')
    if allow_change:
        warnings.warn(f'{what}; continuing on this data as --allow_dataset_change asks')
        return
    raise CheckpointError(f'{what}; pass --overwrite to start over, or '
                          f'--allow_dataset_change to continue training on this data')
