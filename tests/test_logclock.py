"""Kernel log lines on the capture clock: the boot time by each method, and the lines findings cite.

The cases are real: reflector-loop from the User-Mode-Linux kernel, and
log-clock from this machine's kernel in network namespaces
(tests/data/hostcases/make.sh), with dmesg, dmesg -T and /proc/uptime saved
next to the captures. The expected times come from tcpdump's reading of the
same captures.
"""

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

from analyzer import load_case
from analyzer.logclock import estimate
from analyzer.parsers import kernel_log, uptime

CASES = REPO / "tests" / "data" / "cases"
LOG_CLOCK = REPO / "tests" / "data" / "hostcases" / "log-clock"
OWN_ADDRESS = re.compile(r"^\[\s*(\d+\.\d+)\] \S+: received packet on (\S+) with own address .*addr:([0-9a-f:]{17})")


@pytest.fixture(scope="module")
def reflector():
    return load_case(CASES / "reflector-loop")


@pytest.fixture(scope="module")
def log_clock_case():
    return load_case(LOG_CLOCK)


def tcpdump_times(pcap: Path, source_mac: str) -> list[float]:
    """Return the capture times of the frames from ``source_mac`` in a pcap, as tcpdump reads them."""
    out = subprocess.run(["tcpdump", "-tt", "-nn", "-e", "-r", str(pcap)], capture_output=True, text=True,
                         check=True).stdout
    return [float(line.split()[0]) for line in out.splitlines() if line.split()[1] == source_mac]


def own_address_lines(dmesg: Path) -> list[tuple[float, str, str]]:
    return [(float(m[1]), m[2], m[3]) for m in map(OWN_ADDRESS.match, dmesg.read_text().splitlines()) if m]


def assert_lines_land_on_frames(clock, dmesg: Path, pcap: Path, at_least: int) -> None:
    """Each own-address line, placed with the clock, falls just after a frame from that address."""
    landed = 0
    for stamp, _, mac in own_address_lines(dmesg):
        placed = clock.boot_time + stamp
        frames = tcpdump_times(pcap, mac)
        if any(-clock.error - 0.001 <= placed - t <= clock.error + 0.02 for t in frames):
            landed += 1
    assert landed >= at_least


def test_captures_method_on_reflector_loop(reflector):
    clock = estimate(reflector.outputs, reflector.sightings, reflector.topology_model)
    assert clock.method == "captures"
    assert "7 of 7" in clock.detail
    # The UML kernel stamps its log in 10 ms steps, and the bound is that resolution, not more.
    assert 0.001 < clock.error <= 0.015
    outputs = CASES / "reflector-loop"
    assert_lines_land_on_frames(clock, outputs / "outputs" / "dmesg.txt", outputs / "captures" / "eno2.pcap", 7)


def test_captures_method_on_host_kernel(log_clock_case):
    plain = [item for item in log_clock_case.outputs if not item.source.endswith("dmesg_-T.txt")]
    clock = estimate(plain, log_clock_case.sightings, log_clock_case.topology_model)
    assert clock.method == "captures"
    assert clock.error < 0.02
    # The first line comes from a frame sent before the captures started.
    lines = own_address_lines(LOG_CLOCK / "outputs" / "dmesg.txt")
    assert f"{len(lines) - 1} of {len(lines)}" in clock.detail
    assert_lines_land_on_frames(clock, LOG_CLOCK / "outputs" / "dmesg.txt", LOG_CLOCK / "captures" / "eno9.pcap",
                                len(lines) - 1)


def test_captures_win_over_dmesg_t(log_clock_case):
    clock = estimate(log_clock_case.outputs, log_clock_case.sightings, log_clock_case.topology_model)
    assert clock.method == "captures"
    assert clock.error < 0.02
    others = {other["method"]: other for other in clock.others}
    assert "paired-stamps" in others
    # dmesg -T derives its wall-clock times from the boot clock, which drifts from the realtime clock
    # the captures use: the difference is reported, and the captures' bound stays tight.
    apart = abs(clock.boot_time - others["paired-stamps"]["boot_time"])
    assert apart > 0.5
    assert "that clock and the capture clock differ" in clock.detail


def test_dmesg_t_alone_bounds_to_its_second(log_clock_case):
    """Without captures to compare with, dmesg and dmesg -T bound the boot time to under one second."""
    empty = log_clock_case.sightings.iloc[0:0]
    clock = estimate(log_clock_case.outputs, empty, log_clock_case.topology_model)
    assert clock.method == "paired-stamps"
    assert clock.error < 0.5
    dated = (LOG_CLOCK / "outputs" / "dmesg_-T.txt").read_text().splitlines()
    plain = (LOG_CLOCK / "outputs" / "dmesg.txt").read_text().splitlines()
    for stamped, wall in zip(plain, dated):
        uptime_stamp = float(stamped[1:stamped.index("]")])
        wall_time = kernel_log.parse(wall).table.iloc[0]["time"]
        assert wall_time <= clock.boot_time + uptime_stamp + clock.error
        assert clock.boot_time + uptime_stamp - clock.error < wall_time + 1


def test_sosreport_uptime(log_clock_case):
    text = (LOG_CLOCK / "outputs" / "proc_uptime.txt").read_text()
    parsed = uptime.parse(text, source="proc_uptime.txt")
    assert parsed.meta["resolution"] == 0.01
    # As the sosreport reader records it: when the output was taken.
    parsed.meta["collected_at"] = float((LOG_CLOCK / "outputs" / "proc_uptime_collected_at.txt").read_text())
    empty = log_clock_case.sightings.iloc[0:0]
    logs = [item for item in log_clock_case.outputs if item.kind == "kernel_log" and "dmesg.txt" in item.source]
    clock = estimate([*logs, parsed], empty, log_clock_case.topology_model)
    assert clock.method == "sosreport-uptime"
    assert clock.error < 1.0
    captured = estimate(logs, log_clock_case.sightings, log_clock_case.topology_model)
    assert captured.method == "captures"
    assert abs(clock.boot_time - captured.boot_time) <= clock.error + captured.error


def test_dmesg_collection_time_bounds_the_boot_time(log_clock_case):
    parsed = uptime.parse((LOG_CLOCK / "outputs" / "proc_uptime.txt").read_text(), source="proc_uptime.txt")
    collected = float((LOG_CLOCK / "outputs" / "proc_uptime_collected_at.txt").read_text())
    parsed.meta["collected_at"] = collected
    dmesg = kernel_log.parse((LOG_CLOCK / "outputs" / "dmesg.txt").read_text(), source="dmesg.txt")
    last = float(dmesg.table["time"].max())
    # Pretend sos ran dmesg just after its last line: the boot time cannot be later than that allows.
    dmesg.meta["collected_at"] = collected - 0.5
    clock = estimate([dmesg, parsed], dmesg.table.iloc[0:0], load_case(LOG_CLOCK).topology_model)
    assert clock.boot_time + clock.error <= collected - 0.5 - last + 1e-6
    assert "bounds it from above" in clock.detail


def test_unknown_when_lines_fit_several_frames():
    """bond-balance-rr-flood has three own-address lines and one such frame: the captures cannot decide."""
    case = load_case(CASES / "bond-balance-rr-flood")
    clock = estimate(case.outputs, case.sightings, case.topology_model)
    assert clock.method == "unknown"
    assert clock.boot_time is None
    assert "equally well" in clock.detail
    echo = [f for f in case.finding_list if f.code == "broadcast-echo"][0]
    assert echo.log_evidence and echo.log_times == [None] * len(echo.log_evidence)


def test_finding_cites_only_lines_near_its_frames(reflector):
    finding = [f for f in reflector.finding_list if f.code == "frame-reflected"][0]
    lines = own_address_lines(CASES / "reflector-loop" / "outputs" / "dmesg.txt")
    assert len(lines) == 7
    # Only the first line falls near the finding's frames. The other six come 10 s later, from the
    # host's own pings, which the finding's evidence does not show.
    assert [entry.split(":")[1] for entry in finding.log_evidence] == ["133"]
    first_frame = min(e.time for e in finding.evidence)
    assert 0 <= finding.log_times[0] - first_frame + 0.015 <= 0.03
    assert max(e.time for e in finding.evidence) + 2 < lines[1][0] + (finding.log_times[0] - lines[0][0])


def test_reports_show_log_times(reflector):
    text = reflector.report("text")
    assert "Kernel log times are on the capture clock (UTC)" in text
    assert "received packet on eno2" in text
    placed = [f for f in reflector.finding_list if f.code == "frame-reflected"][0].log_times[0]
    from analyzer.report.common import clock
    assert f"- log {clock(placed)} " in text
    report = json.loads(reflector.report("json"))
    assert report["log_clock"]["method"] == "captures"
    assert report["log_clock"]["error"] < 0.015
    cited = [f for f in report["findings"] if f["code"] == "frame-reflected"][0]
    assert cited["log_times"] == [placed]
    for format in ("markdown", "html"):
        rendered = reflector.report(format)
        assert "matching the bridge" in rendered
        assert clock(placed) in rendered


def test_kernel_log_keeps_uptime_behind_a_syslog_stamp():
    line = ("2026-12-04T20:10:29.670000+00:00 host kernel: [10708.834049] brlog0: received packet on eno9 "
            "with own address as source address (addr:02:00:5e:50:00:01, vlan:0)\n")
    row = kernel_log.parse(line).table.iloc[0]
    assert row["time_kind"] == "epoch"
    assert row["uptime"] == 10708.834049
    clock = estimate([kernel_log.parse(line)], load_case(LOG_CLOCK).sightings.iloc[0:0],
                     load_case(LOG_CLOCK).topology_model)
    assert clock.method == "paired-stamps"
    assert abs(clock.boot_time - (row["time"] - 10708.834049)) < 0.01


def test_uptime_outputs_of_this_machine():
    """Read the real uptime and /proc/uptime of this machine, taken one after the other."""
    command = subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout
    proc = Path("/proc/uptime").read_text()
    assert uptime.detect(command)
    assert uptime.detect(proc)
    by_command, by_proc = uptime.parse(command).meta, uptime.parse(proc).meta
    assert by_command["resolution"] == 60.0
    assert by_proc["resolution"] == 0.01
    assert 0 <= by_proc["uptime"] - by_command["uptime"] < 62
    assert not uptime.detect("hello\nworld\n")
    assert uptime.parse("not uptime", source="x").warnings == ["x: line 1: not uptime output: 'not uptime'"]


def test_uptime_parser_survives_reference_files():
    from conftest import shared_path
    for path in sorted(p for p in shared_path().rglob("*") if p.is_file()):
        text = path.read_bytes()[:1_000_000].decode("utf-8", errors="replace")
        parsed = uptime.parse(text, source=path.name)
        assert parsed.kind == "uptime"
        assert all(warning.startswith(path.name) for warning in parsed.warnings)
        uptime.detect(text)


def test_sosreport_uptime_is_read_and_dated(tmp_path):
    """sos's host plugin saves ``uptime``: the reader parses it and dates it from the manifest."""
    from sos_fixtures import build_sosreport

    output = tmp_path / "uptime.txt"
    output.write_text(subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout)
    start = 1796415035.25
    report = build_sosreport(tmp_path / "sosreport-hv9", "hv9", {
        output: ("host", "uptime", start),
        LOG_CLOCK / "outputs" / "dmesg.txt": ("kernel", "dmesg", start + 1.0),
    })
    case = load_case(report)
    read = [item for item in case.outputs if item.kind == "uptime"]
    assert len(read) == 1
    assert read[0].meta["collected_at"] == start
    assert read[0].meta["host"] == "hv9"
    assert read[0].meta["resolution"] == 60.0


def test_enormous_uptime_stamps_are_dropped(tmp_path):
    """Stamps past 100 years (a damaged log) get a warning and no time, and reports still render."""
    from analyzer.report.common import clock, day

    text = (LOG_CLOCK / "outputs" / "dmesg.txt").read_text()
    damaged = re.sub(r"^\[\s*(\d+\.\d+)\]", r"[99999999999\1]", text, flags=re.M)
    parsed = kernel_log.parse(damaged, source="dmesg.txt")
    assert parsed.table["time"].isna().all()
    assert parsed.warnings[0].startswith("dmesg.txt: line 1: uptime stamp 99999999999")
    assert day(1e20) == "a date out of range"
    assert clock(-1e20).endswith("s since the epoch")
