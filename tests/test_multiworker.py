"""Multi-worker training for real: two train.py processes on 127.0.0.1 joined by TF_CONFIG
(MultiWorkerMirroredStrategy on CPU), a kill -9 of one worker after the first epoch, the
same commands again, and weights equal to one process's within float rounding."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

import train
from models.training.checkpoints import Checkpoint, checkpoint_paths
from models.training.resume import checkpoints_dir
from train_fixtures import make_dataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# no dropout: each replica draws its own masks, so with dropout the runs differ by more
# than rounding (measured: 2.3e-2 with --dropout 0.2)
OPTIONS = ['--layers', '1', '--units', '8', '--batch_size', '8', '--no-progress', '--show', '0',
           '--epochs', '3']
NAME = 'glyphs-1x8'
TOLERANCE = 1e-4  # two replicas sum the gradient in another order than one device


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(('127.0.0.1', 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def start_workers(dataset, weights):
    """-> the two worker processes (worker 0, the chief, first), started together."""
    cluster = [f'127.0.0.1:{port}' for port in free_ports(2)]
    processes = []
    for index in range(2):
        config = {'cluster': {'worker': cluster}, 'task': {'type': 'worker', 'index': index}}
        env = dict(os.environ, TF_CONFIG=json.dumps(config), CUDA_VISIBLE_DEVICES='')
        processes.append(subprocess.Popen(
            [sys.executable, 'train.py', '--dataset', dataset, '--weights_dir', str(weights),
             '--distribute', *OPTIONS], cwd=ROOT, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True))
    return processes


def finish(processes, timeout=1800):
    outputs = [p.communicate(timeout=timeout)[0] for p in processes]
    for p, output in zip(processes, outputs):
        assert p.returncode == 0, output[-3000:]
    return outputs


def newest(weights):
    return Checkpoint.read(checkpoint_paths(checkpoints_dir(weights / NAME))[0])


def test_only_the_chief_prepares_the_folder(tmp_path, monkeypatch):
    """Worker 1 with --overwrite leaves the folder alone (the chief may be writing to it)
    and takes no checkpoint of its own: it gets the chief's once TensorFlow is up."""
    from models.training import run as training_run
    glyphs = make_dataset(tmp_path / 'glyphs', num_examples=24)
    folder = tmp_path / 'weights' / NAME
    (folder / 'training' / 'checkpoints').mkdir(parents=True)
    (folder / 'recognizer.json').write_text('{"written by": "the chief"}')
    given = []
    monkeypatch.setattr(training_run, 'train', lambda *args: given.append(args[-1]))
    for index, prepared in ((1, False), (0, True)):
        config = {'cluster': {'worker': ['127.0.0.1:1', '127.0.0.1:2']},
                  'task': {'type': 'worker', 'index': index}}
        monkeypatch.setenv('TF_CONFIG', json.dumps(config))
        train.main(['--dataset', glyphs, '--weights_dir', str(tmp_path / 'weights'),
                    '--distribute', '--overwrite', *OPTIONS])
        assert folder.exists() != prepared, index  # the chief did start over
    assert given == [None, None]


@pytest.mark.slow
def test_two_workers_killed_and_resumed_match_one_process(tmp_path):
    start = time.time()
    glyphs = make_dataset(tmp_path / 'glyphs', num_examples=48)
    weights = tmp_path / 'workers'
    processes = start_workers(glyphs, weights)
    first = os.path.join(checkpoints_dir(weights / NAME), 'epoch-0001.npz')
    deadline = time.time() + 1800  # two cold starts of TensorFlow, on a busy machine
    while not os.path.exists(first) and time.time() < deadline \
            and all(p.poll() is None for p in processes):
        time.sleep(0.05)
    assert os.path.exists(first), [p.kill() or p.communicate()[0][-2000:] for p in processes]
    processes[1].send_signal(signal.SIGKILL)  # worker 1 dies; the chief waits for it forever
    processes[1].wait()
    processes[0].send_signal(signal.SIGKILL)
    processes[0].wait()
    killed_at = Checkpoint.read(checkpoint_paths(checkpoints_dir(weights / NAME))[0])
    assert killed_at.epoch < 3

    outputs = finish(start_workers(glyphs, weights))
    resumed = [line for output in outputs for line in output.splitlines()
               if line.startswith('resuming')]
    assert len(resumed) == 2 and resumed[0] == resumed[1], outputs  # the same epoch
    assert '2 replica(s)' not in ''.join(outputs)  # the resumed run says 'resuming' instead
    assert newest(weights).epoch == 3

    train.main(['--dataset', glyphs, '--weights_dir', str(tmp_path / 'single'), *OPTIONS])
    single, workers = newest(tmp_path / 'single'), newest(weights)
    assert list(single.model) == list(workers.model)
    assert list(single.optimizer) == list(workers.optimizer)
    difference = max(float(np.abs(a[name] - b[name]).max(initial=0))
                     for a, b in ((single.model, workers.model),
                                  (single.optimizer, workers.optimizer)) for name in a)
    print(f'two workers (killed after epoch {killed_at.epoch}, resumed) vs one process: '
          f'largest difference {difference:.2e}; {time.time() - start:.0f} s')
    assert difference < TOLERANCE
