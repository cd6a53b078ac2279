"""Starting serve.py as a process of its own, as the benchmarks do (they also start other
checkouts' serve.py, to compare versions): one place that knows how it says it is ready."""
import os
import re
import subprocess
import sys
import time

READY = re.compile(r'serving http://127\.0\.0\.1:(\d+)/')


def start_serve_py(root, arguments, timeout=300):
    """(process, port) of `root`/serve.py with `arguments` on a free port (--port 0), once it
    prints that it is serving; RuntimeError when it exits or `timeout` seconds pass first."""
    process = subprocess.Popen([sys.executable, os.path.join(root, 'serve.py'), '--port', '0',
                                *arguments], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, cwd=root)
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        found = READY.search(line)
        if found:
            return process, int(found.group(1))
        if time.monotonic() > deadline:
            break
    process.kill()
    raise RuntimeError(f'serve.py did not start (exit status {process.wait()})')
