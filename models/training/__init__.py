"""Training the network: the TensorFlow side of train.py, one job a module.

    config          TrainingConfig: every setting of a run, typed (train.py builds it,
                    checkpoints record it)
    run             one training run from start to end: model, resume, epochs, the folder
    strategy        where it runs: the tf.distribute strategy, cuDNN or not
    epoch_loop      the epoch loop (fit): train, validate, report, save; TrainingError
    optimizer_step  one optimizer step and one validation pass (Trainer)
    batching        lines in memory, length-grouped batches and their padding
    augmentation    the random distortion of training lines
    schedule        learning-rate schedule, early stopping, best scores, epoch history
    checkpoints     Checkpoint: one epoch's training state, which writes and reads itself
                    (one .npz per epoch, written atomically): no other module knows the file
    resume          before TensorFlow starts: fresh or resumed, the folder lock, whether the
                    checkpoint fits this network and data set (dataset_fingerprint)
    init_from       --init_from: another model folder's weights, the output layer by character
    workers         what the workers of a multi-machine run agree on before training
    folder_writer   what each epoch leaves in the model folder
    reporting       the line per epoch, log.csv and TensorBoard scalars
    curves          python -m models.training.curves: loss and CER per epoch as a picture
    averaging       the mean of the newest checkpoints' weights as a model folder (average.py)
"""
