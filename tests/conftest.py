"""Shared test fixtures: paths to the repository, its samples, and the shared reference files."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
# Reference material (real command outputs, public captures, whole kernel-made
# cases) lives in a folder named "shared" beside the checkout, not in the repo.
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """Return a path below the shared reference folder, or skip the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference files not found at {path}: they are looked for beside the checkout")
    return path
