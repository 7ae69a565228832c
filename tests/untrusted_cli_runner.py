"""Run ``python -m analyzer analyze`` on many paths, one forked child per path, and report each outcome.

Starting a new interpreter per path spends about two seconds on imports, so
this runner imports the package once and forks a child per path, which runs
the ``analyzer`` module as ``__main__`` with the same sys.argv that
``python -m analyzer analyze ...`` would have. Each child's stdout goes to
/dev/null, its stderr is collected, and a line of JSON per path reports the
exit status and the stderr. Usage: python untrusted_cli_runner.py ARGUMENTS_FILE,
where the file contains one JSON list of command-line arguments (after
``analyze``) per line.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
import traceback

import analyzer.cli  # noqa: F401  (the imports every child shares)

# Seconds after which a child counts as hung.
TIMEOUT = 600


def _child(arguments: list[str], stderr_fd: int) -> None:
    os.dup2(stderr_fd, 2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    signal.alarm(TIMEOUT)
    sys.argv = [f"{sys.executable} -m analyzer", "analyze", *arguments]
    code = 0
    try:
        runpy.run_module("analyzer", run_name="__main__", alter_sys=True)
    except SystemExit as exit:
        # sys.exit(None) exits with 0, and sys.exit("message") with 1, as the interpreter does.
        if isinstance(exit.code, int):
            code = exit.code
        else:
            code = 0 if exit.code is None else 1
    except BaseException:  # noqa: BLE001 - print it as the interpreter would, then exit with 1 as it does
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run(arguments: list[str]) -> tuple[int, str]:
    """Run the command line with ``arguments`` in a forked child; return its exit status and stderr."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(arguments, write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        stderr = pipe.read().decode("utf-8", errors="replace")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), stderr


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as lines:
        for line in lines:
            arguments = json.loads(line)
            code, stderr = run(arguments)
            print(json.dumps({"arguments": arguments, "status": code, "stderr": stderr}), flush=True)


if __name__ == "__main__":
    main()
