"""Deciding, before TensorFlow starts, whether a model folder is trained afresh or resumed.

    weights/<name> missing                      -> train from scratch
    has checkpoints under training/             -> resume after the newest good one
    has model.keras or recognizer.json only     -> refuse: a model trained elsewhere (such
                                                   as the shipped one); --overwrite replaces it
    anything else (a run killed in its first epoch) -> its leftovers are cleared, fresh start
"""
import os
import shutil

from models.checkpoints import CheckpointError, latest_checkpoint
from models.model_folder import CONFIG_FILE, MODEL_FILE, TRAINING_DIR

CHECKPOINTS_DIR = 'checkpoints'


def checkpoints_dir(folder):
    return os.path.join(folder, TRAINING_DIR, CHECKPOINTS_DIR)


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
