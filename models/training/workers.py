"""What the workers of a multi-machine run (TF_CONFIG) agree on before training.

Only the chief prepares the model folder (train.py: --overwrite, the checks that the
checkpoint fits); the other workers never touch it. Every worker then waits here for the
chief, at a collective operation: the chief announces the epoch of the checkpoint it
resumes from (0: none) and a piece of its checksum, and each worker reads that very file,
so workers that started at different moments cannot resume from different epochs. A worker
reads it from the model folder, which must therefore be shared (or copied) between machines.
"""

import tensorflow as tf

from models.training.checkpoints import Checkpoint, CheckpointError, checkpoint_path
from models.training.epoch_loop import TrainingError
from models.training.resume import checkpoints_dir

_TAG_HEX = 6  # checksum digits sent: 24 bits, exact in float32


def is_multi_worker(strategy) -> bool:
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def chiefs_checkpoint(strategy, chief: bool, checkpoint, folder):
    """-> the Checkpoint the chief resumes from, on every worker;
    None when it starts afresh. `checkpoint` is what the chief found (ignored elsewhere)."""
    epoch, tag = 0, 0
    if chief and checkpoint is not None:
        epoch, tag = checkpoint.epoch, int(checkpoint.sha256[:_TAG_HEX], 16)
    epoch, tag = _from_chief(strategy, [epoch, tag])
    if chief:
        return checkpoint
    if epoch == 0:
        return None
    path = checkpoint_path(checkpoints_dir(folder), epoch)
    worker = strategy.cluster_resolver.task_id
    try:
        found = Checkpoint.read(path)
    except (OSError, CheckpointError) as e:
        raise TrainingError(f'worker {worker} cannot read the checkpoint the chief resumes '
                            f'from ({e}); put the model folder on a file system all workers '
                            f'share, or copy it to each') from None
    if int(found.sha256[:_TAG_HEX], 16) != tag:
        raise TrainingError(f'worker {worker}: {path} is not the chief\'s (another copy of '
                            f'the model folder?)')
    return found


def _from_chief(strategy, values):
    """Every worker gets the chief's `values` (small non-negative integers); this waits
    until all workers have arrived."""
    mine = tf.constant(values, tf.float32)

    def replica():  # only global replica 0, the chief's first device, contributes
        first = tf.equal(tf.distribute.get_replica_context().replica_id_in_sync_group, 0)
        return tf.where(first, mine, tf.zeros_like(mine))
    total = strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(replica), axis=None)
    return [int(round(float(v))) for v in total.numpy()]
