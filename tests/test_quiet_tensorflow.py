"""TensorFlow's start-up chatter stays off stderr (models.quiet_tensorflow), unless the user
asked for it with their own TF_CPP_MIN_LOG_LEVEL."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOADS_TENSORFLOW = ('import models, os, sys, tensorflow as tf\n'
                    'tf.zeros((2, 2)).numpy()  # a device is probed: "failed call to cuInit"\n'
                    'print(os.environ["TF_CPP_MIN_LOG_LEVEL"], '
                    'any("FirstTensorflow" in type(f).__name__ for f in sys.meta_path))\n'
                    'print("a line of the user\'s own", file=sys.stderr)\n')


# The environments of the tests below, each a fresh process that loads TensorFlow: started
# together (a fixture), so that their start-ups overlap on the machine's cores.
ENVIRONMENTS = {
    'ours': {},
    'inherited': {'TF_CPP_MIN_LOG_LEVEL': '3', 'KERAS_AUTO_HWR_QUIET_TENSORFLOW': '3'},
    'users': {'TF_CPP_MIN_LOG_LEVEL': '0'},
}


def start(env_extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ('TF_CPP_MIN_LOG_LEVEL', 'KERAS_AUTO_HWR_QUIET_TENSORFLOW')}
    return subprocess.Popen([sys.executable, '-c', LOADS_TENSORFLOW], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env=dict(env, PYTHONPATH=ROOT, **env_extra))


@pytest.fixture(scope='module')
def runs():
    """{name in ENVIRONMENTS: its finished process, as subprocess.run returns it}."""
    started = {name: start(env_extra) for name, env_extra in ENVIRONMENTS.items()}
    done = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=300)
        done[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return done


def test_loading_tensorflow_through_the_package_writes_nothing_on_stderr_but_what_we_write(runs):
    done = runs['ours']
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['3', 'False']  # the hook has done its work and left
    assert done.stderr == "a line of the user's own\n"


def test_a_child_process_inherits_the_quiet_as_ours(runs):
    assert runs['inherited'].stderr == "a line of the user's own\n"


def test_the_users_own_level_wins(runs):
    done = runs['users']
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['0', 'False']  # left as it was; no hook installed
