"""Tests of discovery: plain folders, sosreport folders and tarballs, and content detection over all parsers."""

import fnmatch
import importlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

import pytest
from conftest import REPO, shared_path

from analyzer import discover as discover_module
from analyzer.discover import PARSER_MODULES, discover

# Which parser must recognise each reference file, by the folder under formats/ (with file patterns for
# folders that hold several formats) or by the file name in a case's outputs; a file of no known format
# must match none.
FORMAT_PATTERNS = [
    ("bridge_fdb/*", ["bridge_fdb"]),
    ("bridge_link/*", ["bridge_link"]),
    ("bridge_vlan/netdev-*", ["bridge_vlan"]),
    ("bridge_vlan/vyos-*", ["bridge_vlan"]),
    ("ip_link/*", ["ip_link"]),
    ("ip_link_json/*", ["ip_link_json"]),
    ("bonding/*", ["proc_net_bonding"]),
    ("brctl/*show-*", ["brctl_show"]),
    ("brctl/*showmacs*", ["brctl_showmacs"]),
    ("brctl/*showstp*", ["brctl_showstp"]),
    ("kernel_log/*", ["kernel_log"]),
    ("teamd/*teamnl-ports*", ["teamnl_ports"]),
    ("teamd/*teamnl-options*", ["teamnl_options"]),
    ("teamd/*state-dump*", ["teamdctl_state_dump"]),
    ("teamd/*config-dump*", ["teamdctl_config_dump"]),
    ("teamd/*teamd-conf*", ["teamdctl_config_dump"]),
    ("teamd/*state-*", ["teamdctl_state_view"]),
    ("teamd/*state.*", ["teamdctl_state_view"]),
]
CASE_PATTERNS = [
    ("bridge_fdb_show*.txt", ["bridge_fdb"]),
    ("switch_fdb.txt", ["bridge_fdb"]),
    ("bridge_-t_monitor_fdb.txt", ["bridge_fdb"]),
    ("bridge_-s_-j_fdb_show*.json", ["bridge_fdb_json"]),
    ("ip_-d_link.txt", ["ip_link"]),
    ("bridge_*link_show.txt", ["bridge_link"]),
    ("bridge_-d_vlan_show.txt", ["bridge_vlan"]),
    ("teamdctl_*_state_dump*.json", ["teamdctl_state_dump"]),
    ("teamdctl_*_config_dump*.json", ["teamdctl_config_dump"]),
    ("kernel_log.txt", ["kernel_log"]),
    ("teamd_*.log", ["teamd_log"]),
]


def expected_kinds(path, formats, cases):
    if path.is_relative_to(formats):
        relative = path.relative_to(formats).as_posix()
        return next((kinds for pattern, kinds in FORMAT_PATTERNS if fnmatch.fnmatch(relative, pattern)), [])
    return next((kinds for pattern, kinds in CASE_PATTERNS if fnmatch.fnmatch(path.name, pattern)), [])


def test_detection_over_all_parsers():
    formats, cases = shared_path("formats"), shared_path("cases")
    paths = [p for p in sorted(formats.rglob("*")) if p.is_file() and p.parent != formats]
    paths += sorted(cases.glob("*/outputs/*"))
    assert len(paths) > 100
    modules = discover_module.parser_modules()
    assert [name for name, _ in modules] == PARSER_MODULES
    mismatches = []
    for path in paths:
        found = discover_module.detect_outputs(path, modules)
        expected = expected_kinds(path, formats, cases)
        if found != expected:
            mismatches.append(f"{path}: expected {expected}, detected {found}")
    assert mismatches == []


def test_each_format_detected_by_one_parser_only():
    """Apart from the two log parsers, no two detectors accept the same reference file."""
    formats, cases = shared_path("formats"), shared_path("cases")
    paths = [p for p in sorted(formats.rglob("*")) if p.is_file() and p.parent != formats]
    paths += sorted(cases.glob("*/outputs/*"))
    modules = discover_module.parser_modules()
    for path in paths:
        head = path.read_bytes()[: discover_module.DETECT_BYTES].decode("utf-8", errors="replace")
        accepted = [name for name, module in modules if module.detect(head)]
        assert len(accepted) <= 1, f"{path}: {accepted}"


def test_plain_folder_keeps_behaviour():
    case = shared_path("cases", "F07")
    found = discover([str(case)])
    kinds = {os.path.basename(path): kind for path, kind in found.outputs}
    assert kinds["kernel_log.txt"] == "kernel_log"
    assert kinds["teamd_team5.log"] == "teamd_log"
    assert kinds["teamdctl_team5_state_dump.json"] == "teamdctl_state_dump"
    assert len(found.captures) == len(list((case / "captures").iterdir()))
    assert any(message.endswith("vm_ping.txt: not a capture and not a known command output")
               for message in found.skipped)
    assert found.sosreports == []


def test_log_with_kernel_and_teamd_lines_goes_to_both(tmp_path):
    text = ("Mar  4 10:00:00 host1 kernel: team0: Port device eth1 added\n"
            'Mar  4 10:00:01 host1 teamd_team0[812]: Changed active port to "eth1".\n')
    (tmp_path / "messages").write_text(text)
    found = discover([str(tmp_path)])
    assert found.outputs == [(str(tmp_path / "messages"), "kernel_log"), (str(tmp_path / "messages"), "teamd_log")]


def build_case_sosreport(tmp_path, case):
    """Copy a case's outputs under their sos paths and its captures into a sosreport folder."""
    outputs = shared_path("cases", case, "outputs")
    root = tmp_path / f"sosreport-{case.lower()}-host"
    places = {
        "bridge_fdb_show.txt": "sos_commands/networking/bridge_-s_-s_-d_-t_fdb_show",
        "ip_-d_link.txt": "sos_commands/networking/ip_-s_-d_link",
        "bridge_link_show.txt": "sos_commands/networking/bridge_-s_-s_-d_link_show",
        "teamdctl_team0_state_dump.json": "sos_commands/teamd/teamdctl_team0_state_dump",
        "teamdctl_team0_config_dump.json": "sos_commands/teamd/teamdctl_team0_config_dump",
    }
    for name, sos_path in places.items():
        target = root / sos_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(outputs / name, target)
    (root / "hostname").write_text("hv1\n")
    shutil.copytree(shared_path("cases", case, "captures"), root / "captures")
    return root


def test_sosreport_tarball_in_folder(tmp_path, monkeypatch):
    base = tmp_path / "tempbase"
    base.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    root = build_case_sosreport(tmp_path / "build", "C01")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    with tarfile.open(inputs / "sosreport-c01-host.tar.xz", "w:xz") as archive:
        archive.add(root, arcname=root.name)
    (inputs / "empty.tar").write_bytes(b"")
    with tarfile.open(inputs / "other.tar", "w") as archive:
        archive.add(shared_path("cases", "C01", "outputs", "vm_ping.txt"), arcname="notes/vm_ping.txt")
    found = discover([str(inputs)])
    kinds = sorted(kind for _, kind in found.outputs)
    assert kinds == ["bridge_fdb", "bridge_link", "ip_link", "teamdctl_config_dump", "teamdctl_state_dump"]
    assert len(found.captures) == len(list((root / "captures").iterdir()))
    assert [report.hostname for report in found.sosreports] == ["hv1"]
    assert f"{inputs / 'other.tar'}: no file that l2trace reads was found in it (sosreport paths)" in found.skipped
    assert f"{inputs / 'empty.tar'}: no file that l2trace reads was found in it (sosreport paths)" in found.skipped
    assert len(os.listdir(base)) == 1
    temp_dir = found.sosreports[0].temp_dir
    assert all(path.startswith(temp_dir) for path, _ in found.outputs)
    found.close()
    assert not os.path.exists(temp_dir)


def test_temporary_folder_removed_with_discovered(tmp_path, monkeypatch):
    base = tmp_path / "tempbase"
    base.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    root = build_case_sosreport(tmp_path / "build", "C02")
    with tarfile.open(tmp_path / "sos.tar.gz", "w:gz") as archive:
        archive.add(root, arcname=root.name)
    found = discover([str(tmp_path / "sos.tar.gz")])
    assert len(os.listdir(base)) == 1
    del found
    assert os.listdir(base) == []


def test_sos_file_with_other_content(tmp_path):
    root = tmp_path / "sosreport-x"
    (root / "sos_commands" / "teamd").mkdir(parents=True)
    (root / "sos_commands" / "teamd" / "teamnl_team0_ports").write_text("")
    shutil.copyfile(shared_path("cases", "C01", "outputs", "teamdctl_team0_state_dump.json"),
                    root / "sos_commands" / "teamd" / "teamdctl_team0_state")
    found = discover([str(root)])
    assert found.outputs == [(str(root / "sos_commands/teamd/teamdctl_team0_state"), "teamdctl_state_dump")]
    assert found.skipped == [f"{root}: sos_commands/teamd/teamnl_team0_ports: empty; skipped"]


def test_analyze_sosreport_tarball_as_the_folder(tmp_path):
    """The whole pipeline gives the same verdict for a case packed as a sosreport tarball."""
    root = build_case_sosreport(tmp_path, "C01")
    tarball = tmp_path / "sosreport-c01.tar.xz"
    with tarfile.open(tarball, "w:xz") as archive:
        archive.add(root, arcname=root.name)
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"))
    os.makedirs(env["TMPDIR"])
    verdicts = []
    for target in (root, tarball):
        result = subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(target), "--format", "json"],
                                capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        verdicts.append(json.loads(result.stdout)["verdict"])
    expected = json.loads(shared_path("cases", "C01", "expected.json").read_text())["verdict"]
    assert verdicts[0] == verdicts[1]
    assert verdicts[0] in (expected if isinstance(expected, list) else [expected])
    assert os.listdir(env["TMPDIR"]) == []


@pytest.mark.parametrize("name", PARSER_MODULES)
def test_every_listed_parser_imports(name):
    module = importlib.import_module(f"analyzer.parsers.{name}")
    assert callable(module.detect)
    assert callable(module.parse)
