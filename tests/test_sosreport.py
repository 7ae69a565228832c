"""Tests of reading sosreports, folders and tarballs built here from real outputs, including hostile archives."""

import gzip
import io
import json
import os
import shutil
import stat
import tarfile
import tempfile

import pytest
from conftest import shared_path

from analyzer import sosreport

# Real outputs placed where sos puts them: (source under the shared folder, path inside the sosreport).
SOS_FILES = [
    (("cases", "C01", "outputs", "bridge_fdb_show.txt"), "sos_commands/networking/bridge_-s_-s_-d_-t_fdb_show"),
    (("cases", "C01", "outputs", "ip_-d_link.txt"), "sos_commands/networking/ip_-s_-d_link"),
    (("cases", "C01", "outputs", "bridge_link_show.txt"), "sos_commands/networking/bridge_-s_-s_-d_link_show"),
    (("cases", "F10b", "outputs", "bridge_-d_vlan_show.txt"), "sos_commands/networking/bridge_-d_vlan_show"),
    (("cases", "C01", "outputs", "teamdctl_team0_state_dump.json"), "sos_commands/teamd/teamdctl_team0_state_dump"),
    (("cases", "C01", "outputs", "teamdctl_team0_config_dump.json"), "sos_commands/teamd/teamdctl_team0_config_dump"),
    (("formats", "teamd", "rhel7-notes-state-activebackup-nodowncount.txt"), "sos_commands/teamd/teamdctl_team0_state"),
    (("formats", "teamd", "rhel7-notes-teamnl-ports.txt"), "sos_commands/teamd/teamnl_team0_ports"),
    (("formats", "teamd", "rhel7-notes-teamnl-options.txt"), "sos_commands/teamd/teamnl_team0_option"),
    (("formats", "bonding", "insights-802.3ad-lacp-details.txt"), "proc/net/bonding/bond0"),
    (("cases", "F07", "outputs", "kernel_log.txt"), "sos_commands/kernel/dmesg"),
    (("formats", "brctl", "insights-brctl-show-tabs.txt"), "sos_commands/networking/brctl_show"),
    (("formats", "brctl", "homelab-brctl-showmacs-br40.txt"), "sos_commands/networking/brctl_showmacs_br40"),
]
EXPECTED_KINDS = {
    "sos_commands/networking/bridge_-s_-s_-d_-t_fdb_show": ["bridge_fdb"],
    "sos_commands/networking/ip_-s_-d_link": ["ip_link"],
    "sos_commands/networking/bridge_-s_-s_-d_link_show": ["bridge_link"],
    "sos_commands/networking/bridge_-d_vlan_show": ["bridge_vlan"],
    "sos_commands/teamd/teamdctl_team0_state_dump": ["teamdctl_state_dump"],
    "sos_commands/teamd/teamdctl_team0_config_dump": ["teamdctl_config_dump"],
    "sos_commands/teamd/teamdctl_team0_state": ["teamdctl_state_view"],
    "sos_commands/teamd/teamnl_team0_ports": ["teamnl_ports"],
    "sos_commands/teamd/teamnl_team0_option": ["teamnl_options"],
    "proc/net/bonding/bond0": ["proc_net_bonding"],
    "sos_commands/kernel/dmesg": ["kernel_log"],
    "sos_commands/networking/brctl_show": ["brctl_show"],
    "sos_commands/networking/brctl_showmacs_br40": ["brctl_showmacs"],
    "var/log/messages": ["kernel_log", "teamd_log"],
}


@pytest.fixture
def report_dir(tmp_path):
    """Build an unpacked sosreport ``sosreport-host1-2024`` from real outputs and captures."""
    root = tmp_path / "sosreport-host1-2024"
    for parts, sos_path in SOS_FILES:
        target = root / sos_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_path(*parts), target)
    messages = root / "var" / "log" / "messages"
    messages.parent.mkdir(parents=True)
    kernel = shared_path("cases", "F07", "outputs", "kernel_log.txt").read_text().splitlines()
    teamd = shared_path("cases", "F07", "outputs", "teamd_team5.log").read_text().splitlines()
    lines = [f"Mar  4 10:00:0{i % 10} host1 kernel: {line.split('] ', 1)[1]}" for i, line in enumerate(kernel)]
    lines += [f"Mar  4 10:00:10 host1 teamd_team5[812]: {line}" for line in teamd]
    messages.write_text("\n".join(lines) + "\n")
    (root / "hostname").write_text("host1.example.com\n")
    (root / "sos_commands" / "networking" / "netstat_-W_-neopa").write_text("Active Internet connections\n")
    (root / "proc" / "meminfo").write_text("MemTotal: 1 kB\n")
    capture = shared_path("cases", "C01", "captures", "vnet1.pcap")
    shutil.copyfile(capture, root / "vnet1.pcap")
    return root


def make_tarball(root, path, mode="w:xz", extra=()):
    """Pack a report folder as sos does (one top folder), then add extra (TarInfo, bytes) members."""
    with tarfile.open(path, mode) as archive:
        archive.add(root, arcname=root.name)
        for info, data in extra:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def member(name, data=b"", kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data if kind == tarfile.REGTYPE else None


@pytest.fixture
def temp_base(tmp_path, monkeypatch):
    """Make tempfile create its folders under a folder of this test, so that leftovers can be seen."""
    base = tmp_path / "tempbase"
    base.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    return base


def kinds_by_path(report):
    return {item.sos_path: item.kinds for item in report.files}


def test_mangle_command_follows_sos():
    assert sosreport.mangle_command("bridge -s -s -d -t fdb show") == "bridge_-s_-s_-d_-t_fdb_show"
    assert sosreport.mangle_command("/usr/sbin/ip -s -d link") == "ip_-s_-d_link"
    assert sosreport.mangle_command('nmcli con show id "team0 port"') == "nmcli_con_show_id_team0_port"
    assert sosreport.mangle_command("cat /proc/net/bonding/bond0") == "cat_.proc.net.bonding.bond0"


def test_folder(report_dir):
    report = sosreport.open_sosreport(report_dir)
    assert kinds_by_path(report) == EXPECTED_KINDS
    assert report.hostname == "host1.example.com"
    assert report.captures == [str(report_dir / "vnet1.pcap")]
    assert report.warnings == []
    assert report.temp_dir is None
    for item in report.files:
        assert item.path == str(report_dir / item.sos_path)


@pytest.mark.parametrize("mode, suffix", [("w:xz", ".tar.xz"), ("w:gz", ".tar.gz"), ("w:bz2", ".tar.bz2"),
                                          ("w", ".tar")])
def test_tarballs(report_dir, tmp_path, temp_base, mode, suffix):
    path = make_tarball(report_dir, tmp_path / f"sosreport-host1-2024{suffix}", mode)
    with sosreport.open_sosreport(path) as report:
        assert kinds_by_path(report) == EXPECTED_KINDS
        assert report.hostname == "host1.example.com"
        assert report.warnings == []
        assert os.path.dirname(report.temp_dir) == str(temp_base)
        assert stat.S_IMODE(os.stat(report.temp_dir).st_mode) == 0o700
        for item in report.files:
            original = report_dir / item.sos_path
            assert open(item.path, "rb").read() == original.read_bytes()
        # Only the files a parser reads are written, not the whole archive.
        written = {os.path.relpath(os.path.join(folder, name), report.temp_dir)
                   for folder, _, names in os.walk(report.temp_dir) for name in names}
        assert written == set(EXPECTED_KINDS) | {"vnet1.pcap"}
    assert os.listdir(temp_base) == []


def test_manifest_names_collision_files(report_dir):
    # sos appends ".1" when two commands map to one name; only the manifest tells what such a file holds.
    moved = report_dir / "sos_commands/networking/bridge_-s_-s_-d_-t_fdb_show"
    moved.rename(moved.with_name("bridge_-s_-s_-d_-t_fdb_show.1"))
    assert "sos_commands/networking/bridge_-s_-s_-d_-t_fdb_show.1" not in kinds_by_path(
        sosreport.open_sosreport(report_dir))
    manifest = {"version": "4.5.0", "components": {"report": {"plugins": {"networking": {"commands": [
        {"command": "bridge", "parameters": ["-s", "-s", "-d", "-t", "fdb", "show"],
         "exec": "bridge -s -s -d -t fdb show", "filepath": "sos_commands/networking/bridge_-s_-s_-d_-t_fdb_show.1",
         "truncated": False, "return_code": 0}]}}}}}
    (report_dir / "sos_reports").mkdir()
    (report_dir / "sos_reports" / "manifest.json").write_text(json.dumps(manifest))
    found = kinds_by_path(sosreport.open_sosreport(report_dir))
    assert found["sos_commands/networking/bridge_-s_-s_-d_-t_fdb_show.1"] == ["bridge_fdb"]


def test_hostile_members_rejected(report_dir, tmp_path, temp_base, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    top = report_dir.name
    extra = [
        member(str(tmp_path / "absolute-evil.txt"), b"absolute"),
        member(f"{top}/../../dotdot-evil.txt", b"dotdot"),
        member(f"{top}/sos_commands/networking/bridge_fdb_show", kind=tarfile.SYMTYPE, linkname="/etc/passwd"),
        member(f"{top}/proc/net/bonding/bond9", kind=tarfile.LNKTYPE, linkname="../../../../etc/passwd"),
        member(f"{top}/var/log/kern.log", kind=tarfile.SYMTYPE, linkname="../../../../../etc/shadow"),
        member(f"{top}/dev-null", kind=tarfile.CHRTYPE),
        member(f"{top}/fifo", kind=tarfile.FIFOTYPE),
    ]
    path = make_tarball(report_dir, tmp_path / "hostile.tar.gz", "w:gz", extra)
    before = sorted(p for p in tmp_path.rglob("*") if temp_base not in p.parents)
    with sosreport.open_sosreport(path) as report:
        assert kinds_by_path(report) == EXPECTED_KINDS
        warnings = "\n".join(report.warnings)
        assert f"member {str(tmp_path / 'absolute-evil.txt')!r}: absolute path rejected" in warnings
        assert f"member '{top}/../../dotdot-evil.txt': path with '..' rejected" in warnings
        assert (f"member '{top}/sos_commands/networking/bridge_fdb_show': link to '/etc/passwd' "
                "leaves the archive") in warnings
        assert f"member '{top}/proc/net/bonding/bond9': link to '../../../../etc/passwd' leaves" in warnings
        assert f"member '{top}/var/log/kern.log': link to '../../../../../etc/shadow' leaves" in warnings
        assert f"member '{top}/dev-null': device or FIFO rejected" in warnings
        assert f"member '{top}/fifo': device or FIFO rejected" in warnings
        assert len(report.warnings) == 7
        for item in report.files:
            assert os.path.realpath(item.path).startswith(os.path.realpath(report.temp_dir) + os.sep)
    after = sorted(p for p in tmp_path.rglob("*") if temp_base not in p.parents)
    assert after == before
    assert not (tmp_path / "absolute-evil.txt").exists()
    assert not (tmp_path.parent / "dotdot-evil.txt").exists()
    assert os.listdir(temp_base) == []


def test_link_inside_archive_is_not_reported(report_dir, tmp_path, temp_base):
    top = report_dir.name
    extra = [member(f"{top}/ip_addr", kind=tarfile.SYMTYPE, linkname="sos_commands/networking/ip_-s_-d_link")]
    with sosreport.open_sosreport(make_tarball(report_dir, tmp_path / "links.tar", "w", extra)) as report:
        assert report.warnings == []


def test_compression_bomb_stops_reading(report_dir, tmp_path, temp_base, monkeypatch):
    monkeypatch.setattr(sosreport, "RATIO_CHECK_AFTER", 4 * 1024 * 1024)
    zeros = bytes(32 * 1024 * 1024)
    top = report_dir.name
    path = make_tarball(report_dir, tmp_path / "bomb.tar.gz", "w:gz",
                        [member(f"{top}/zeros.bin", zeros), member(f"{top}/proc/net/bonding/bond7", b"late")])
    assert path.stat().st_size < len(zeros) // 100
    with sosreport.open_sosreport(path) as report:
        assert kinds_by_path(report) == EXPECTED_KINDS
        assert len(report.warnings) == 1
        assert report.warnings[0].startswith(f"bomb.tar.gz: stopped in member '{top}/zeros.bin': ")
        assert "MAX_COMPRESSION_RATIO" in report.warnings[0]
    assert os.listdir(temp_base) == []


def test_member_size_limit(report_dir, tmp_path, temp_base, monkeypatch):
    monkeypatch.setattr(sosreport, "MAX_MEMBER_BYTES", 1000)
    with sosreport.open_sosreport(make_tarball(report_dir, tmp_path / "big.tar", "w")) as report:
        large = [sos_path for sos_path in EXPECTED_KINDS if (report_dir / sos_path).stat().st_size > 1000]
        assert large
        assert set(kinds_by_path(report)) == set(EXPECTED_KINDS) - set(large)
        assert any("MAX_MEMBER_BYTES" in warning for warning in report.warnings)


@pytest.mark.parametrize("fraction", [0.3, 0.5, 0.66, 0.9, 0.99])
@pytest.mark.parametrize("mode, suffix", [("w:gz", ".tar.gz"), ("w:xz", ".tar.xz"), ("w:bz2", ".tar.bz2")])
def test_cut_off_tarball_keeps_earlier_members(report_dir, tmp_path, temp_base, mode, suffix, fraction):
    whole = make_tarball(report_dir, tmp_path / f"whole{suffix}", mode).read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(whole[: int(len(whole) * fraction)])
    with sosreport.open_sosreport(cut) as report:
        # Near the end the cut may fall after the last wanted member, in the capture or the padding.
        assert len(report.files) <= len(EXPECTED_KINDS)
        assert len(report.warnings) == 1
        message = report.warnings[0]
        assert message.startswith((f"{cut}: cannot read the archive further", f"{cut.name}: the compressed data ends early"))
        assert all(os.path.exists(item.path) for item in report.files)
    assert os.listdir(temp_base) == []


@pytest.mark.parametrize("size", [1, 2, 3, 9])
def test_tarball_cut_in_gzip_header(report_dir, tmp_path, temp_base, size):
    whole = make_tarball(report_dir, tmp_path / "whole.tar.gz", "w:gz").read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[:size])
    with sosreport.open_sosreport(cut) as report:
        assert report.files == []
        assert all(str(cut) in warning or cut.name in warning for warning in report.warnings)
    assert os.listdir(temp_base) == []


def test_interrupt_removes_temporary_folder(report_dir, tmp_path, temp_base, monkeypatch):
    original = sosreport.classify

    def interrupted(sos_path):
        if sos_path == "proc/net/bonding/bond0":
            raise KeyboardInterrupt
        return original(sos_path)

    monkeypatch.setattr(sosreport, "classify", interrupted)
    path = make_tarball(report_dir, tmp_path / "r.tar.xz")
    with pytest.raises(KeyboardInterrupt):
        sosreport.open_sosreport(path)
    assert os.listdir(temp_base) == []


def test_link_leaving_folder_report(report_dir, tmp_path):
    link = report_dir / "sos_commands" / "networking" / "bridge_-d_link_show"
    link.symlink_to("/etc/passwd")
    report = sosreport.open_sosreport(report_dir)
    assert "sos_commands/networking/bridge_-d_link_show" not in kinds_by_path(report)
    assert report.warnings == [f"{report_dir}: sos_commands/networking/bridge_-d_link_show: link to /etc/passwd "
                               "leaves the report, loops or is broken"]


def test_gzip_file_is_not_a_sosreport(tmp_path):
    path = tmp_path / "notes.gz"
    path.write_bytes(gzip.compress(b"just text\n"))
    assert not sosreport.is_tarball(path)
