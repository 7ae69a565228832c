"""Start a libFuzzer run through atheris with a seeded temporary corpus and a safe place for crash files.

Without a corpus folder on the command line, the target script is run again
as a child process with a fresh temporary corpus that contains a copy of the
seeds, and the folder is removed when the child ends: libFuzzer leaves
through C ``exit()``, which skips Python's clean-up. Crash, timeout and
out-of-memory inputs go to ``-artifact_prefix`` (by default a folder named
after the target under the system's temporary folder), never into the
checkout.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    # Fuzz the checkout this script lives in, even when another l2trace is installed.
    sys.path.insert(1, str(REPO))

import seeds  # noqa: E402  (after the path change above)

# Seconds one input may run before libFuzzer reports it as a hang.
DEFAULT_TIMEOUT = 10


def _positional(argv: list[str]) -> list[str]:
    return [arg for arg in argv if not arg.startswith("-")]


def _with_defaults(argv: list[str], target: str) -> list[str]:
    """Add -timeout and -artifact_prefix to libFuzzer's arguments unless they are given."""
    options = [arg for arg in argv if arg.startswith("-")]
    extra = []
    if not any(arg.startswith("-timeout=") for arg in options):
        extra.append(f"-timeout={DEFAULT_TIMEOUT}")
    if not any(arg.startswith("-artifact_prefix=") for arg in options):
        artifacts = Path(tempfile.gettempdir()) / "l2trace-fuzz-artifacts" / target
        artifacts.mkdir(parents=True, exist_ok=True)
        extra.append(f"-artifact_prefix={artifacts}/")
    return extra


def needs_corpus(argv: list[str]) -> bool:
    """Tell whether the command line names no corpus folder, so that a seeded one must be made."""
    return not _positional(argv)


def rerun_with_corpus(
    target: str, script: str, seed_files: Callable[[Path], list[Path]], argv: list[str], leading: list[str]
) -> int:
    """Run ``script`` again with a temporary corpus of seeds, remove the corpus, and return the exit status.

    ``argv`` holds libFuzzer's options, ``leading`` the target's own arguments
    (a parser name), which go first. ``seed_files(work)`` returns the seed
    files and may create some in the scratch folder ``work``.
    """
    with tempfile.TemporaryDirectory(prefix=f"l2trace-{target}-") as scratch:
        work = Path(scratch)
        corpus = work / "corpus"
        count = seeds.fill_corpus(corpus, seed_files(work))
        print(f"{target}: {count} seeds copied to {corpus}", file=sys.stderr, flush=True)
        command = [sys.executable, script, *leading, *_with_defaults(argv, target), *argv, str(corpus)]
        return subprocess.run(command, check=False).returncode


def fuzz(target: str, test_one_input: Callable[[bytes], None], argv: list[str]) -> None:
    """Hand ``test_one_input`` to libFuzzer with ``argv`` (options and corpus folders); does not return."""
    import atheris

    # Warnings about broken inputs are the expected outcome; printing each one would slow the run down.
    logging.disable(logging.CRITICAL)
    atheris.Setup([sys.argv[0], *_with_defaults(argv, target), *argv], test_one_input)
    atheris.Fuzz()
