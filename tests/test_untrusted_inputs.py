"""Every file and folder in tests/ and in the shared reference folder, analysed alone, gives no traceback.

Each path is given to ``python -m analyzer analyze`` by itself, as a customer
might send it, and each case folder (one with a captures/ folder) also with
``--format html -o FILE``, which draws the plots. The command must exit with 0 (analysed) or 2 (no usable input), and
its stderr must contain no Python traceback, not even one that l2trace
logged and went on from. The runs go through untrusted_cli_runner.py, which
imports the package once and forks a child per path, one runner per
processor: a fresh interpreter per path would take over ten minutes.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, shared_path

TESTS = REPO / "tests"
RUNNER = TESTS / "untrusted_cli_runner.py"


def _inputs(root: Path) -> list[Path]:
    paths = [root]
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts or ".pytest_cache" in path.parts:
            continue
        paths.append(path)
    return paths


def _commands(paths: list[Path], reports: Path) -> list[list[str]]:
    commands = [[str(path)] for path in paths]
    folders = [path for path in paths if (path / "captures").is_dir()]
    commands += [[str(path), "--format", "html", "-o", str(reports / f"report-{index}.html")]
                 for index, path in enumerate(folders)]
    return commands


def _check_all(paths: list[Path], tmp_path: Path) -> None:
    commands = _commands(paths, tmp_path)
    workers = max(1, os.cpu_count() or 1)
    processes = []
    for worker in range(workers):
        arguments = tmp_path / f"commands-{worker}.jsonl"
        arguments.write_text("".join(json.dumps(command) + "\n" for command in commands[worker::workers]))
        environment = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO),
                                                                             os.environ.get("PYTHONPATH")])))
        processes.append(subprocess.Popen([sys.executable, str(RUNNER), str(arguments)], cwd=REPO,
                                          env=environment, stdout=subprocess.PIPE, text=True))
    results = []
    for process in processes:
        output, _ = process.communicate(timeout=3600)
        assert process.returncode == 0, "the runner itself failed"
        results += [json.loads(line) for line in output.splitlines()]

    assert len(results) == len(commands)
    failures = []
    for result in results:
        command = " ".join(result["arguments"])
        if "Traceback" in result["stderr"]:
            failures.append(f"analyze {command}: traceback in stderr:\n{result['stderr'][-3000:]}")
        elif result["status"] not in (0, 2):
            failures.append(f"analyze {command}: exit status {result['status']}:\n{result['stderr'][-3000:]}")
    assert failures == [], "\n\n".join(failures)


def test_every_test_input_analyses_cleanly(tmp_path):
    paths = _inputs(TESTS)
    assert len(paths) > 50
    _check_all(paths, tmp_path)


def test_every_shared_input_analyses_cleanly(tmp_path):
    shared = shared_path()
    paths = _inputs(shared)
    cases = sorted(path.parent for path in shared.glob("cases/*/expected.json"))
    assert cases, "no shared case found"
    assert all(case in paths for case in cases)
    _check_all(paths, tmp_path)
