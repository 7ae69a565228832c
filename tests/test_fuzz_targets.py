"""Short coverage-guided runs of every fuzz target in fuzz/, about 45 seconds in all.

Each target runs under libFuzzer (atheris) for a few seconds on a temporary
corpus seeded with the real files. A crash, hang or broken contract makes
libFuzzer exit non-zero and write the input to the artifact folder.
docs/fuzzing.md gives the commands for long runs.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

pytest.importorskip("atheris", reason="atheris is not installed; pip install atheris runs these targets")

# Target script, extra arguments, and seconds of fuzzing.
TARGETS = {
    "capture": ("fuzz_capture.py", [], 10),
    "parsers": ("fuzz_parsers.py", ["all"], 15),
    "sosreport": ("fuzz_sosreport.py", [], 5),
}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_fuzz_target_short_run(target, tmp_path):
    script, arguments, seconds = TARGETS[target]
    if target == "sosreport":
        pytest.importorskip("analyzer.sosreport")
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    command = [sys.executable, str(REPO / "fuzz" / script), *arguments, f"-max_total_time={seconds}", "-seed=1",
               f"-artifact_prefix={artifacts}/"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=seconds + 300)
    tail = result.stderr[-4000:]
    assert result.returncode == 0, tail
    runs = re.search(r"Done (\d+) runs", result.stderr)
    assert runs, tail
    assert int(runs.group(1)) > 50, tail
    assert list(artifacts.iterdir()) == [], tail
    assert list(Path(tmp_path).glob("crash-*")) == []
