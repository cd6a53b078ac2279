"""Files written whole or not at all: under a temporary name, renamed into place when done.

A kill leaves the previous file; a failed write (a full disk, most often) leaves it too,
and the half-written temporary is removed, so that it holds no space that the next try,
after the user freed some, needs.
"""
import os
from contextlib import contextmanager


@contextmanager
def written_then_renamed(tmp, path):
    """`with written_then_renamed(tmp, path): <write tmp>` -> tmp renamed to path; on an
    exception tmp is removed (if there) and the exception goes on, an OSError naming
    `path` if it named no file (writes to an open file do not)."""
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as error:
        try:
            os.remove(tmp)
        except OSError:
            pass
        if isinstance(error, OSError) and error.filename is None:
            error.filename = path
        raise
