"""Finding a source class by name, so that users add sources without editing the framework.

A source is named as one of the built-in names, as `package.module:Class` (importable from
the current directory), or as `path/to/file.py:Class`.
"""
import ast
import importlib
import importlib.util
import os
import sys

from data.base import BaseSource

BUILTIN = {
    'synthetic': 'data.synthetic:SyntheticSource',
    'SyntheticSource': 'data.synthetic:SyntheticSource',
    'iam': 'data.iam:IamSource',
    'IamSource': 'data.iam:IamSource',
    'inkml': 'data.inkml:InkmlSource',
    'InkmlSource': 'data.inkml:InkmlSource',
}


class SourceError(ValueError):
    """A source that cannot be found or built; the message says which and why."""


def load_source_class(spec: str) -> type:
    target = BUILTIN.get(spec, spec)
    if ':' not in target:
        raise SourceError(f'unknown source {spec!r}: use one of {", ".join(sorted(BUILTIN))}, '
                          f'package.module:Class or path/to/file.py:Class')
    where, class_name = target.rsplit(':', 1)
    module = _load_file(where) if where.endswith('.py') else _import(where)
    cls = getattr(module, class_name, None)
    if cls is None:
        raise SourceError(f'{where} has no class {class_name!r}')
    if not (isinstance(cls, type) and issubclass(cls, BaseSource)):
        raise SourceError(f'{target} is not a subclass of data.BaseSource')
    return cls


def _import(module_name):
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(module_name)
    except ImportError as e:
        raise SourceError(f'cannot import module {module_name!r}: {e}') from None


def _load_file(path):
    if not os.path.isfile(path):
        raise SourceError(f'source file not found: {path}')
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(f'user_source_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_options(pairs) -> dict:
    """['seed=3', 'root=data/x', 'faces=["cursive"]'] -> {'seed': 3, 'root': 'data/x', ...}.

    Values are read as Python literals where they parse as one, else kept as strings.
    """
    options = {}
    for pair in pairs or []:
        key, sep, value = pair.partition('=')
        if not sep or not key.isidentifier():
            raise SourceError(f'bad source option {pair!r}: expected KEY=VALUE')
        try:
            options[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            options[key] = value
    return options


def make_source(spec: str, num_examples, options=None) -> BaseSource:
    cls = load_source_class(spec)
    try:
        return cls(num_examples, **(options or {}))
    except TypeError as e:
        raise SourceError(f'cannot create {cls.__name__}: {e}') from None
