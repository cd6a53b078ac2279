"""TensorFlow's start-up chatter kept off stderr, so that what a tool writes there is the user's.

Loading TensorFlow writes a dozen lines to stderr on a machine without a GPU: C++ log lines
("Unable to register cuDNN factory", "failed call to cuInit"), an absl notice, XLA's
"computation placer already registered". None of it concerns a user, and a user who reads
stderr for errors would read past it. `quiet_tensorflow()`, called once by the models
package (models/__init__.py) before anything of it loads TensorFlow:
- sets TF_CPP_MIN_LOG_LEVEL to 3 (TensorFlow's C++ logging: errors of its own too; Python
  exceptions still say what went wrong), unless the user has set it: then nothing here
  changes, and the user sees what they asked for;
- for the first `import tensorflow` (whoever makes it, on whatever thread), points the
  process's stderr at /dev/null while TensorFlow's package executes, since the absl lines
  are written before TF_CPP_MIN_LOG_LEVEL is read. The exception of a failed import is
  raised after stderr is back;
- and then keeps TensorFlow's Python logger to errors (its warnings, such as "triggered
  tf.function retracing" when lines of many lengths are recognized, are its own business).
"""
import importlib.abc
import importlib.util
import logging
import os
import sys

LOG_LEVEL = 'TF_CPP_MIN_LOG_LEVEL'
QUIET_LEVEL = '3'
# Set beside LOG_LEVEL, so that a child process (quickstart.py runs the scripts) knows the
# level as this module's, not the user's, and quiets its own TensorFlow too.
SET_HERE = 'KERAS_AUTO_HWR_QUIET_TENSORFLOW'


class _SilencedLoader(importlib.abc.Loader):
    """Another loader's module, executed with file descriptor 2 on /dev/null."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        sys.stderr.flush()
        saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        try:
            self.loader.exec_module(module)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(null)
        logging.getLogger('tensorflow').setLevel(logging.ERROR)


class _FirstTensorflowImport(importlib.abc.MetaPathFinder):
    """Finds nothing of its own: for the first `import tensorflow`, takes the spec the other
    finders give and wraps its loader; then leaves sys.meta_path."""

    def find_spec(self, name, path=None, target=None):
        if name != 'tensorflow':
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _SilencedLoader(spec.loader)
        return spec


def quiet_tensorflow():
    """See the module's docstring. Does nothing where the user set TF_CPP_MIN_LOG_LEVEL
    (not this module, in this process or a parent), where TensorFlow is loaded already, or
    when called again."""
    users = LOG_LEVEL in os.environ and os.environ.get(SET_HERE) != os.environ[LOG_LEVEL]
    if users or 'tensorflow' in sys.modules:
        return
    os.environ[LOG_LEVEL] = os.environ[SET_HERE] = QUIET_LEVEL
    if not any(isinstance(finder, _FirstTensorflowImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _FirstTensorflowImport())
