"""Slower end-to-end training checks, each with its own TensorFlow process or a longer run:
kill -9 and resume, mirrored training over two logical CPUs, and learning itself."""
import os
import signal
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
TINY = ['--layers', '1', '--units', '8', '--batch_size', '8', '--no-progress', '--show', '0']
# The run is killed after its first epoch: the 7 still to go (0.2 to 0.45 s each at a load
# average of 8; the first, which traces the graphs, 11 s) leave it far more time than the
# 20 ms in which the test sees the first checkpoint and kills it.
EPOCHS = '8'

# Two logical CPU devices must be configured before TensorFlow starts: a fresh process.
MIRRORED = """
import sys
import tensorflow as tf
cpu = tf.config.list_physical_devices('CPU')[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
sys.path.insert(0, {root!r})
import train
train.main(sys.argv[1:])
"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def glyphs(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp('data') / 'glyphs', num_examples=48)


def newest(weights):
    return Checkpoint.read(checkpoint_paths(checkpoints_dir(weights / 'glyphs-1x8'))[0])


def max_difference(a, b) -> float:
    """Largest difference of any model or optimizer value of checkpoints a and b."""
    pairs = ((a.model, b.model), (a.optimizer, b.optimizer))
    assert all(list(x) == list(y) for x, y in pairs)
    return max(float(np.abs(x[name] - y[name]).max(initial=0)) for x, y in pairs for name in x)


def test_kill_9_then_the_same_command_resumes_exactly(glyphs, tmp_path):
    command = [sys.executable, 'train.py', '--dataset', glyphs, '--weights_dir',
               str(tmp_path / 'killed'), '--epochs', EPOCHS, '--dropout', '0.2', *TINY]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    first = os.path.join(checkpoints_dir(tmp_path / 'killed' / 'glyphs-1x8'), 'epoch-0001.npz')
    deadline = time.time() + 120
    while not os.path.exists(first) and process.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, process.communicate()[0]
    process.send_signal(signal.SIGKILL)
    process.wait()
    again = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    # the straight run here while the resumed one starts up
    train.main(['--dataset', glyphs, '--weights_dir', str(tmp_path / 'straight'),
                '--epochs', EPOCHS, '--dropout', '0.2', *TINY])
    output = again.communicate(timeout=300)[0]
    assert again.returncode == 0, output
    assert 'resuming' in output and f'epoch {EPOCHS}/{EPOCHS}' in output
    difference = max_difference(newest(tmp_path / 'straight'), newest(tmp_path / 'killed'))
    print(f'largest weight difference, killed and resumed vs straight: {difference}')
    assert difference == 0.0


def test_mirrored_on_two_logical_cpus_matches_one_device(glyphs, tmp_path):
    options = ['--dataset', glyphs, '--epochs', '2', *TINY]
    mirrored = subprocess.Popen(
        [sys.executable, '-c', MIRRORED.format(root=ROOT), *options, '--distribute',
         '--weights_dir', str(tmp_path / 'mirrored')],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    train.main([*options, '--weights_dir', str(tmp_path / 'single')])  # meanwhile
    output = mirrored.communicate(timeout=300)[0]
    assert mirrored.returncode == 0, output
    assert '2 replica(s)' in output
    difference = max_difference(newest(tmp_path / 'single'), newest(tmp_path / 'mirrored'))
    print(f'largest weight difference, mirrored vs one device: {difference}')
    assert difference < 1e-4  # only the order of float additions differs


def test_validation_cer_comes_down(tmp_path, capsys):
    glyphs = make_dataset(tmp_path / 'glyphs', num_examples=240)
    train.main(['--dataset', glyphs, '--weights_dir', str(tmp_path), '--layers', '1',
                '--units', '32', '--batch_size', '16', '--learning_rate', '0.01',
                '--epochs', '12', '--no-progress'])
    checkpoint = Checkpoint.read(checkpoint_paths(checkpoints_dir(tmp_path / 'glyphs-1x32'))[0])
    cers = [h['val_cer'] for h in checkpoint.schedule['history']]
    print('validation CER per epoch:', [round(c, 3) for c in cers])
    assert min(cers) < 0.2 and min(cers) < cers[0] / 3
