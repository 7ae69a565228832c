"""Files that are empty, hold a failed command's message, or were cleaned by sos clean."""

import shutil
import subprocess

from analyzer import load_case
from conftest import shared_path


def test_empty_and_failed_command_files(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    # What sos saves when the command is not installed.
    (tmp_path / "teamdctl_team0_state_dump").write_text("bash: teamdctl: command not found\n")
    shutil.copy(shared_path("cases", "C01", "outputs", "ip_-d_link.txt"), tmp_path)
    case = load_case(tmp_path)
    assert f"{tmp_path / 'empty.txt'}: empty file" in case.warnings
    failed = [w for w in case.warnings if "teamdctl_team0_state_dump" in w]
    assert failed == [f"{tmp_path / 'teamdctl_team0_state_dump'}: the saved command failed "
                      f"(bash: teamdctl: command not found); nothing to read"]
    assert [o.kind for o in case.outputs] == ["ip_link"]


def test_sos_cleaned_macs_warned(tmp_path):
    source = shared_path("cases", "C01", "outputs", "ip_-d_link.txt")
    cleaned = tmp_path / "ip_-d_link.txt"
    with open(cleaned, "w") as handle:
        subprocess.run(["sed", "s/3c:fd:fe:10:20:30/53:4f:53:00:00:01/g", str(source)], stdout=handle, check=True)
    case = load_case(tmp_path)
    warning = [w for w in case.warnings if "sos clean" in w]
    assert len(warning) == 1
    assert warning[0].startswith(f"{cleaned}: 4 MACs begin with 53:4f:53")
