"""Deciding, before TensorFlow starts, whether a model folder is trained afresh or resumed.

    weights/<name> missing                      -> train from scratch
    has checkpoints under training/             -> resume after the newest good one
    has model.keras or recognizer.json only     -> refuse: a model trained elsewhere (such
                                                   as the shipped one); --overwrite replaces it
    anything else (a run killed in its first epoch) -> its leftovers are cleared, fresh start

Two runs on one folder would overwrite each other's checkpoints, so a run holds a lock
(weights/.<name>.lock) for its whole life; the kernel drops it when the process dies,
kill -9 included, so there is never a stale lock to remove by hand.
"""
import os
import shutil

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs on one folder must be kept apart
    fcntl = None

from models.checkpoints import CheckpointError, latest_checkpoint
from models.model_folder import CONFIG_FILE, MODEL_FILE, TRAINING_DIR

CHECKPOINTS_DIR = 'checkpoints'


def checkpoints_dir(folder):
    return os.path.join(folder, TRAINING_DIR, CHECKPOINTS_DIR)


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
    """-> the checkpoint to resume from (state, model values, optimizer values) or None.

    Raises CheckpointError with a one-line reason when the folder cannot be used.
    """
    if overwrite and os.path.exists(folder):
        shutil.rmtree(folder)
    if not os.path.exists(folder):
        return None
    if not os.path.isdir(folder):
        raise CheckpointError(f'{folder} is a file, not a model folder')
    checkpoint = latest_checkpoint(checkpoints_dir(folder))
    if checkpoint is None:
        if any(os.path.exists(os.path.join(folder, f)) for f in (MODEL_FILE, CONFIG_FILE)):
            raise CheckpointError(f'{folder} holds a trained model without training state; '
                                  f'choose another --name, or pass --overwrite to replace it')
        shutil.rmtree(os.path.join(folder, TRAINING_DIR), ignore_errors=True)
    return checkpoint


def check_fits(state: dict, architecture: dict, characters: list, folder):
    """Raise CheckpointError when the checkpoint was made for another network or text."""
    if state['characters'] != characters:
        raise CheckpointError(
            f'the checkpoint in {folder} was trained with another character table '
            f'({len(state["characters"])} characters, data set {state["dataset"]}) than this '
            f'data set ({len(characters)}); choose another --name, or pass --overwrite')
    if state['architecture'] != architecture:
        differ = ', '.join(f'{k} {state["architecture"].get(k)} (now {v})'
                           for k, v in architecture.items() if state['architecture'].get(k) != v)
        raise CheckpointError(f'the checkpoint in {folder} is for another network: {differ}; '
                              f'choose another --name, or pass --overwrite')
