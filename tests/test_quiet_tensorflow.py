"""TensorFlow's start-up chatter stays off stderr (models.quiet_tensorflow), unless the user
asked for it with their own TF_CPP_MIN_LOG_LEVEL."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOADS_TENSORFLOW = ('import models, os, sys, tensorflow as tf\n'
                    'tf.zeros((2, 2)).numpy()  # a device is probed: "failed call to cuInit"\n'
                    'print(os.environ["TF_CPP_MIN_LOG_LEVEL"], '
                    'any("FirstTensorflow" in type(f).__name__ for f in sys.meta_path))\n'
                    'print("a line of the user\'s own", file=sys.stderr)\n')


def run(env_extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ('TF_CPP_MIN_LOG_LEVEL', 'KERAS_AUTO_HWR_QUIET_TENSORFLOW')}
    return subprocess.run([sys.executable, '-c', LOADS_TENSORFLOW], capture_output=True,
                          text=True, timeout=300, env=dict(env, PYTHONPATH=ROOT, **env_extra))


def test_loading_tensorflow_through_the_package_writes_nothing_on_stderr_but_what_we_write():
    done = run({})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['3', 'False']  # the hook has done its work and left
    assert done.stderr == "a line of the user's own\n"


def test_a_child_process_inherits_the_quiet_as_ours():
    done = run({'TF_CPP_MIN_LOG_LEVEL': '3', 'KERAS_AUTO_HWR_QUIET_TENSORFLOW': '3'})
    assert done.stderr == "a line of the user's own\n"


def test_the_users_own_level_wins():
    done = run({'TF_CPP_MIN_LOG_LEVEL': '0'})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['0', 'False']  # left as it was; no hook installed
