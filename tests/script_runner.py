"""Runs several command lines of the project's scripts one after another in one Python
process, each as `python SCRIPT ARGS...` (or `python -m MODULE ARGS...`) would run it: the
script as __main__ with its sys.argv, its output on this process's stdout and stderr, its
exit status from SystemExit. TensorFlow then starts once for all of them instead of once
each (seconds a command; tests/test_readme.py runs some thirty).

    python tests/script_runner.py COMMANDS.json

COMMANDS.json: [{"argv": [script path or "-m", ...], "log": path}, ...]. Each command's
stdout and stderr (the file descriptors, so TensorFlow's own lines too) go to its log; a
line {"exit": status} per command goes to stdout. An exception that escapes a script is
printed to its log as Python prints it and counts as exit status 1. The runner stops at the
first command that fails, as a shell's `&&` would.
"""
import json
import os
import runpy
import sys
import traceback


def exit_status(code) -> int:
    """What `python script` exits with after sys.exit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def run(argv) -> int:
    """Run one command line here; -> its exit status."""
    try:
        if argv[0] == '-m':
            sys.argv = [argv[1], *argv[2:]]
            sys.path[0] = os.getcwd()  # as `python -m` has it
            runpy.run_module(argv[1], run_name='__main__', alter_sys=True)
        else:
            sys.argv = list(argv)
            sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))  # as `python script`
            runpy.run_path(argv[0], run_name='__main__')
    except SystemExit as stop:
        return exit_status(stop.code)
    except BaseException:  # noqa: BLE001 - reported as the interpreter would report it
        traceback.print_exc()
        return 1
    return 0


def run_logged(argv, log) -> int:
    """run(argv) with file descriptors 1 and 2 sent to the file `log`."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, 'w', encoding='utf-8') as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            return run(argv)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def main():
    with open(sys.argv[1], encoding='utf-8') as f:
        commands = json.load(f)
    for command in commands:
        status = run_logged(command['argv'], command['log'])
        print(json.dumps({'exit': status}), flush=True)
        if status:
            break


if __name__ == '__main__':
    main()
