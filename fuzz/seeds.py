"""Seed inputs for the fuzz targets: real captures and command outputs, copied into a temporary corpus.

The seeds come from the repository (``samples/`` and ``tests/data/``) and,
when it is present, from the reference folder named ``shared`` beside the
checkout. Nothing is copied into the repository: a run without an explicit
corpus folder gets a fresh temporary one, removed when the run ends.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".gz", ".xz", ".bz2", ".zst")
# Seeds larger than this slow every mutation down and add little coverage.
MAX_SEED_BYTES = 256 * 1024


def _files(folders: list[Path]) -> list[Path]:
    found = []
    for folder in folders:
        if folder.is_dir():
            found += [path for path in sorted(folder.rglob("*")) if path.is_file() and "__pycache__" not in path.parts]
    return [path for path in found if path.stat().st_size <= MAX_SEED_BYTES]


def capture_seeds() -> list[Path]:
    """List the capture files among the seeds, compressed ones included."""
    folders = [REPO / "samples", REPO / "tests" / "data", SHARED / "pcaps", SHARED / "cases"]
    return [path for path in _files(folders) if path.name.endswith(CAPTURE_SUFFIXES)]


def text_seeds() -> list[Path]:
    """List the saved command outputs among the seeds: every file that is not a capture or a script."""
    folders = [SHARED / "formats", REPO / "samples", REPO / "tests" / "data", SHARED / "cases"]
    excluded = CAPTURE_SUFFIXES + (".sh", ".py", ".md")
    return [path for path in _files(folders) if not path.name.endswith(excluded) and "fuzz" not in path.parts]


def sosreport_seeds(work: Path) -> list[Path]:
    """Build small sosreport tarballs with tar from the real command outputs of the samples.

    Each sample's outputs are laid out under the sos paths that the
    sosreport reader looks for, then packed with the system's tar as .tar,
    .tar.gz and .tar.xz. Returns an empty list when tar is not installed.
    """
    if shutil.which("tar") is None:
        return []
    layout = {
        "ip_-d_link.txt": "sos_commands/networking/ip_-d_link",
        "bridge_fdb_show.txt": "sos_commands/networking/bridge_fdb_show",
        "bridge_link_show.txt": "sos_commands/networking/bridge_link_show",
        "teamdctl_team1_state_dump.json": "sos_commands/teamd/teamdctl_team1_state_dump",
        "teamdctl_team1_config_dump.json": "sos_commands/teamd/teamdctl_team1_config_dump",
        "dmesg.txt": "sos_commands/kernel/dmesg",
    }
    tarballs = []
    for sample in sorted((REPO / "samples").iterdir()):
        outputs = sample / "outputs"
        if not outputs.is_dir():
            continue
        root = work / f"sosreport-{sample.name}"
        for name, sos_path in layout.items():
            if (outputs / name).is_file():
                target = root / sos_path
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(outputs / name, target)
        (root / "hostname").write_text("host\n")
        for suffix, flag in ((".tar", ""), (".tar.gz", "z"), (".tar.xz", "J")):
            tarball = work / f"{root.name}{suffix}"
            subprocess.run(["tar", f"-c{flag}f", str(tarball), "-C", str(work), root.name], check=True)
            tarballs.append(tarball)
        shutil.rmtree(root)
    return tarballs


def fill_corpus(folder: Path, seeds: list[Path]) -> int:
    """Copy the seeds into ``folder`` under content-hash names (libFuzzer's convention); return the count."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        data = seed.read_bytes()
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)
    return len(seeds)


def temporary_corpus(seeds: list[Path]) -> tempfile.TemporaryDirectory:
    """Return a temporary folder that contains a copy of every seed; it is removed on cleanup."""
    folder = tempfile.TemporaryDirectory(prefix="l2trace-corpus-")
    fill_corpus(Path(folder.name), seeds)
    return folder
