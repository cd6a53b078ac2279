"""Training throughput (lines/s) with length-grouped and with random batches, same model,
one run.

    python benchmarks/bench_training.py          # datasets/synthetic, train.py's default model
    python benchmarks/bench_training.py --layers 1 --units 64 --batch_size 64 --lines 1000

Both kinds of batches train the same network (after one warm-up step that traces the
graph) on the same lines, a random sample of the training split; a batch costs time in
proportion to its longest line times its size, so padding is what grouping saves.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

from data.dataset_format import open_dataset  # noqa: E402 (after the path is set)
from models.training.batching import (LineSet, epoch_rng, grouped_batches,  # noqa: E402
                                      padding_fraction, random_batches)
from models.training.config import TrainingConfig  # noqa: E402


def parse_args(argv=None):
    defaults = TrainingConfig()
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default=defaults.dataset,
                   help='compiled data set folder (default: %(default)s)')
    p.add_argument('--layers', type=int, default=defaults.layers,
                   help='BiLSTM layers (default: train.py\'s, %(default)s)')
    p.add_argument('--units', type=int, default=defaults.units,
                   help='units per direction (default: train.py\'s, %(default)s)')
    p.add_argument('--batch_size', type=int, default=defaults.batch_size,
                   help='lines per batch (default: train.py\'s, %(default)s)')
    p.add_argument('--lines', type=int, default=960,
                   help='training lines timed for each kind of batch (default: %(default)s)')
    p.add_argument('--seed', type=int, default=0, help='seed of the sample and the batches')
    return p.parse_args(argv)


def time_batches(trainer, lines, batches):
    """-> (wall seconds, CPU seconds of all this process's threads) to train on `batches`.

    CPU time is the steadier figure on a machine that other work shares."""
    wall, cpu = time.perf_counter(), time.process_time()
    for indices in batches:
        trainer.train_batch(lines.batch(indices))
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None):
    args = parse_args(argv)
    dataset = open_dataset(args.dataset)
    lines, _ = LineSet.from_split(dataset.split('train'))

    import keras
    from models.network import build_model
    from models.training.optimizer_step import Trainer
    keras.utils.set_random_seed(args.seed)
    model = build_model(lines.features[0].shape[1], dataset.char_table.num_classes,
                        args.layers, args.units)
    defaults = TrainingConfig()
    trainer = Trainer(model, defaults.learning_rate, defaults.clipnorm)
    rng = epoch_rng(args.seed, 0)
    sample = rng.permutation(len(lines))[:args.lines]  # the lines both kinds train on
    kinds = {kind: [sample[b] for b in make(lines.lengths[sample], args.batch_size, rng)]
             for kind, make in (('length-grouped', grouped_batches),
                                ('random', random_batches))}
    time_batches(trainer, lines, kinds['random'][:1])  # traces the step function
    print(f'{args.dataset}: {len(lines)} training lines, {args.layers} x {args.units} BiLSTM, '
          f'batch {args.batch_size}, {os.cpu_count()} CPU cores')
    print(f'{"batches":>16} {"lines":>6} {"padding":>8} {"seconds":>8} {"lines/s":>8} '
          f'{"CPU s":>7} {"lines/CPU s":>12}')
    speed, cpu_speed = {}, {}
    for kind, batches in kinds.items():
        seconds, cpu = time_batches(trainer, lines, batches)
        count = sum(len(b) for b in batches)
        speed[kind], cpu_speed[kind] = count / seconds, count / cpu
        print(f'{kind:>16} {count:6d} {100 * padding_fraction(lines.lengths, batches):7.1f}% '
              f'{seconds:8.1f} {speed[kind]:8.1f} {cpu:7.1f} {cpu_speed[kind]:12.1f}')
    print(f'speed-up of length-grouped batches: {speed["length-grouped"] / speed["random"]:.2f}x '
          f'(wall clock), {cpu_speed["length-grouped"] / cpu_speed["random"]:.2f}x (CPU time)')


if __name__ == '__main__':
    main()
