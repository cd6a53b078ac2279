"""What each epoch leaves in the model folder: a checkpoint, the best network with its
recognizer.json, log.csv and TensorBoard scalars (see models.model_folder for the layout).
"""
import os

from models.model_folder import (LOG_FILE, TRAINING_DIR, ModelFolderError, read_config,
                                 save_network, write_config)
from models.network import portable_copy
from models.training.checkpoints import Checkpoint
from models.training.reporting import TensorBoardLog, write_csv
from models.training.resume import checkpoints_dir, dataset_fingerprint


class FolderWriter:
    """After each epoch: a checkpoint, then the best network and recognizer.json, the logs.

    The checkpoint comes first, so that a kill at any moment leaves a folder that resumes:
    before it, the epoch is simply redone; after it, catch_up() on resuming redoes what the
    kill cut off (TensorBoard's scalars of that one epoch excepted).
    """

    def __init__(self, folder, trainer, dataset, architecture, recipe, config):
        self.folder, self.trainer, self.dataset = folder, trainer, dataset
        self.architecture, self.recipe, self.config = architecture, recipe, config
        self.fingerprint = dataset_fingerprint(dataset)
        # saved instead of the trained model, which may insist on cuDNN: loads on any CPU
        self.portable = portable_copy(trainer.model)
        self.training = os.path.join(folder, TRAINING_DIR)
        self.tensorboard = TensorBoardLog(os.path.join(self.training, 'tensorboard'))

    def __call__(self, schedule, improved):
        figures = schedule.history[-1]
        checkpoint = Checkpoint(
            epoch=schedule.epoch, model=self.trainer.model_values(),
            optimizer=self.trainer.optimizer_values(), schedule=schedule.to_json(),
            recipe=self.recipe, config=self.config, architecture=self.architecture,
            characters=self.dataset.char_table.characters, dataset=self.dataset.folder,
            data=self.fingerprint)
        # --keep_checkpoints: average.py averages the newest of them
        checkpoint.save(checkpoints_dir(self.folder), self.config.keep_checkpoints)
        if improved:
            self.save_best(figures)
        write_csv(os.path.join(self.training, LOG_FILE), schedule.history)
        self.tensorboard.write(figures)

    def save_best(self, figures):
        self.portable.set_weights(self.trainer.model.get_weights())
        save_network(self.folder, self.portable)
        write_config(self.folder, self.dataset.char_table, self.dataset.pipeline,
                     self.architecture, dataset=self.dataset.folder,
                     dataset_from_model=os.path.relpath(self.dataset.folder, self.folder),
                     validation={k: figures[k] for k in ('val_loss', 'val_cer', 'val_wer')},
                     epoch=figures['epoch'], training=self.recipe)

    def catch_up(self, schedule):
        """Right after restoring the newest checkpoint: write the network and the log that
        a kill after the checkpoint may have left unwritten."""
        if _network_behind(self.folder, schedule):
            self.save_best(schedule.history[-1])
        write_csv(os.path.join(self.training, LOG_FILE), schedule.history)

    @staticmethod
    def behind(folder, schedule) -> bool:
        """Whether the folder lacks what the newest checkpoint's epoch end should have
        written (a kill came between them); cheap, before any model is built."""
        log = os.path.join(folder, TRAINING_DIR, LOG_FILE)
        rows = 0
        if os.path.isfile(log):
            with open(log, encoding='utf-8') as f:
                rows = sum(1 for _ in f) - 1  # less the header
        return _network_behind(folder, schedule) or rows != schedule.epoch


def _network_behind(folder, schedule) -> bool:
    """The newest epoch was the best, and the folder's network is not that epoch's."""
    try:
        saved = read_config(folder).get('epoch')
    except ModelFolderError:
        saved = None
    return schedule.best_cer_epoch == schedule.epoch and saved != schedule.epoch

