"""Tests of dated FDB snapshots and of cases with several sosreports, on sosreports built from real outputs.

The sosreports are laid out by ``sos_fixtures`` from the founding case
(samples/roundrobin-flood, made by the real kernel), with a sos 4.x manifest
whose start times are placed against the case's capture span.
"""

import json
import math
import shutil
import subprocess

import pytest
from conftest import SAMPLES

from analyzer import plots, sosreport
from analyzer.case import load_case
from analyzer.inspect_files import inspect_files, render_inspection
from analyzer.parsers import bridge_fdb_json
from analyzer.replay import snapshots_by_role
from analyzer.report.json_report import report_dict
from analyzer.snapshots import (CLOCK_TOLERANCE, COMMAND_DELAY, check_snapshots, estimate_clock_offset,
                                place_snapshots, snapshot_times)
from sos_fixtures import (AFTER_DELAY, BEFORE_DELAY, build_sosreport, capture_span, guest_outputs,
                          host_outputs)

CASE = SAMPLES / "roundrobin-flood"
VM_MAC = "52:54:00:6b:2e:01"
GATEWAY_MAC = "00:16:3e:5a:10:01"
FDB_SOS_PATH = "sos_commands/networking/bridge_-s_-s_-d_-t_fdb_show"


@pytest.fixture(scope="module")
def span():
    return capture_span(CASE)


@pytest.fixture
def captures(tmp_path):
    """Copy the case's captures into a folder of their own, as a customer would send them beside the sosreport."""
    folder = tmp_path / "captures"
    shutil.copytree(CASE / "captures", folder)
    return folder


def after_report(tmp_path, span, host="hv1", name="sosreport-hv1-after"):
    return build_sosreport(tmp_path / name, host, host_outputs(CASE, "after", span))


def fdb_outputs(case):
    return [item for item in case.outputs if item.kind in ("bridge_fdb", "bridge_fdb_json")]


def check_of(case, mac):
    rows = case.snapshot_checks[case.snapshot_checks["mac"] == mac]
    assert len(rows) == 1, case.snapshot_checks
    return rows.iloc[0]


def test_capture_span_matches_capinfos(span):
    if shutil.which("capinfos") is None:
        pytest.skip("capinfos is not installed")
    firsts, lasts = [], []
    for path in sorted((CASE / "captures").iterdir()):
        output = subprocess.run(["capinfos", "-T", "-r", "-a", "-e", "-S", str(path)], capture_output=True,
                                text=True, check=True).stdout.split()
        firsts.append(float(output[1]))
        lasts.append(float(output[2]))
    assert span[0] == pytest.approx(min(firsts), abs=1e-6)
    assert span[1] == pytest.approx(max(lasts), abs=1e-6)


def test_manifest_dates_folder_outputs(tmp_path, span):
    root = after_report(tmp_path, span)
    report = sosreport.open_sosreport(root)
    times = {item.sos_path: item.collected_at for item in report.files}
    assert report.warnings == []
    assert report.hostname == "hv1"
    assert times[FDB_SOS_PATH] == pytest.approx(span[1] + AFTER_DELAY)
    assert times["sos_commands/networking/ip_-d_link"] == pytest.approx(span[1] + AFTER_DELAY)


def test_manifest_dates_tarball_outputs(tmp_path, span):
    root = after_report(tmp_path, span)
    tarball = tmp_path / "sosreport-hv1.tar.xz"
    subprocess.run(["tar", "-cJf", str(tarball), "-C", str(tmp_path), root.name], check=True)
    with sosreport.open_sosreport(tarball) as report:
        times = {item.sos_path: item.collected_at for item in report.files}
        assert report.warnings == []
        assert times[FDB_SOS_PATH] == pytest.approx(span[1] + AFTER_DELAY)
        assert None not in times.values()


@pytest.mark.parametrize("value, problem", [("yesterday", "is not a number of seconds"),
                                            (True, "is not a number of seconds"),
                                            (-5, "outside the years 1990 to 2100"),
                                            (1e300, "outside the years 1990 to 2100")])
def test_manifest_bad_start_time(tmp_path, span, value, problem):
    root = after_report(tmp_path, span)
    manifest_path = root / "sos_reports" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["components"]["report"]["plugins"]["networking"]["commands"]:
        if entry["exec"] == "bridge -s -s -d -t fdb show":
            entry["start_time"] = value
    manifest_path.write_text(json.dumps(manifest))
    report = sosreport.open_sosreport(root)
    times = {item.sos_path: item.collected_at for item in report.files}
    assert times[FDB_SOS_PATH] is None
    assert times["sos_commands/networking/ip_-d_link"] is not None
    assert len(report.warnings) == 1
    assert report.warnings[0].startswith(f"{manifest_path}: plugin 'networking', command "
                                         "'bridge -s -s -d -t fdb show': start_time")
    assert problem in report.warnings[0]


def test_manifest_damaged_json_warns(tmp_path, span):
    root = after_report(tmp_path, span)
    manifest_path = root / "sos_reports" / "manifest.json"
    manifest_path.write_bytes(manifest_path.read_bytes()[:200])
    report = sosreport.open_sosreport(root)
    assert all(item.collected_at is None for item in report.files)
    assert FDB_SOS_PATH in {item.sos_path for item in report.files}
    assert report.warnings[0].startswith(f"{manifest_path}: line ")
    assert "carry no collection time" in report.warnings[0]


def test_after_snapshot_agrees_with_replay(tmp_path, span, captures):
    root = after_report(tmp_path, span)
    case = load_case([str(root), str(captures)])
    assert case.verdict == "fdb-ingress-port-drop"
    (snapshot,) = fdb_outputs(case)
    assert snapshot.meta["host"] == "hv1"
    assert snapshot.meta["collected_at"] == pytest.approx(span[1] + AFTER_DELAY)
    assert snapshot.meta["snapshot_role"] == "after"
    vm = check_of(case, VM_MAC)
    assert vm["snapshot_port"] == "team1"
    assert vm["replay_port"] == "team1"
    assert vm["result"] == "agrees"
    assert vm["role"] == "after"
    assert math.isnan(vm["updated_at"])  # the text output was saved without -s
    gateway = check_of(case, GATEWAY_MAC)
    assert gateway["result"] == "agrees"
    notes = "\n".join(case.replay_notes)
    assert f"{snapshot.source}: collected " in notes
    assert f"{AFTER_DELAY:.1f} s after the last frame" in notes
    assert "2 learned entries agree with the replay, 0 disagree and 0 cannot be compared" in notes
    assert f"within {CLOCK_TOLERANCE:g} s" in notes


def test_after_snapshot_in_json_report(tmp_path, span, captures):
    root = after_report(tmp_path, span)
    report = report_dict(load_case([str(root), str(captures)]))
    checks = {c["mac"]: c for c in report["snapshot_checks"]}
    assert checks[VM_MAC]["result"] == "agrees"
    assert checks[VM_MAC]["replay_port"] == "team1"
    assert checks[VM_MAC]["collected_at"] == pytest.approx(span[1] + AFTER_DELAY)
    fdb = [o for o in report["outputs"] if o["file"].endswith(FDB_SOS_PATH)]
    assert fdb[0]["host"] == "hv1"
    assert fdb[0]["analysed"] is True
    json.dumps(report)


def test_before_and_after_sosreports_of_one_host(tmp_path, span, captures):
    before = build_sosreport(tmp_path / "sosreport-hv1-before", "hv1", host_outputs(CASE, "before", span))
    after = after_report(tmp_path, span)
    case = load_case([str(before), str(after), str(captures)])
    assert case.verdict == "fdb-ingress-port-drop"
    assert case.other_outputs == []
    roles = {item.meta["sosreport"]: item.meta["snapshot_role"] for item in fdb_outputs(case)}
    # The "before" FDB was saved after the host's ping, the first frame: it is checked at its moment.
    assert roles == {str(before): "during", str(after): "after"}
    vm = case.snapshot_checks[(case.snapshot_checks["mac"] == VM_MAC)
                              & (case.snapshot_checks["role"] == "during")].iloc[0]
    assert vm["snapshot_port"] == "vnet0"
    assert vm["replay_port"] == "vnet0"
    assert vm["result"] == "agrees"
    assert not any("disagree" in note and "0 disagree" not in note for note in case.replay_notes)
    assert not any(w.startswith("the case holds outputs of") for w in case.warnings)
    first, last = span
    drawn = {time for _, time, _ in plots._snapshot_points(case, VM_MAC, "br1", first, last)}
    assert drawn == {first + BEFORE_DELAY, last}


def test_snapshot_dated_before_captures_seeds_replay(tmp_path, span):
    if shutil.which("editcap") is None:
        pytest.skip("editcap is not installed")
    # Cut the captures so that they start 4 s after the first frame, well after the "before" FDB was saved.
    trimmed = tmp_path / "captures"
    trimmed.mkdir()
    for path in sorted((CASE / "captures").iterdir()):
        subprocess.run(["editcap", "-A", f"{span[0] + 4.0:.6f}", str(path), str(trimmed / path.name)], check=True)
    before = build_sosreport(tmp_path / "sosreport-hv1-before", "hv1", host_outputs(CASE, "before", span))
    after = after_report(tmp_path, span)
    case = load_case([str(before), str(after), str(trimmed)])
    assert case.captures[0].first_time > span[0] + BEFORE_DELAY + CLOCK_TOLERANCE
    (initial,) = [item for item in fdb_outputs(case) if item.meta["sosreport"] == str(before)]
    assert initial.meta["snapshot_role"] == "before"
    assert f"the replay starts from the saved FDB {initial.source}" in case.replay_notes
    (placement,) = [note for note in case.replay_notes if note.startswith(f"{initial.source}: collected ")]
    assert "before the first frame: the replay starts from it" in placement
    assert case.verdict == "fdb-ingress-port-drop"
    assert check_of(case, VM_MAC)["result"] == "agrees"


def test_json_snapshot_times_and_moment_check(span):
    case = load_case(str(CASE))
    text = (CASE / "outputs" / "bridge_-s_-j_fdb_show.json").read_text()
    snapshot = bridge_fdb_json.parse(text, source="after.json")
    collected = span[1] + AFTER_DELAY
    snapshot.meta["collected_at"] = collected
    times = snapshot_times(snapshot).set_index("mac")
    # The real kernel's -s output: the VM's entry on team1 was used and updated 4 s before, the gateway's used 9 s.
    assert times.loc[VM_MAC, "updated_at"] == pytest.approx(collected - 4)
    assert times.loc[GATEWAY_MAC, "used_at"] == pytest.approx(collected - 9)
    assert times.loc[GATEWAY_MAC, "updated_at"] == pytest.approx(collected - 4)
    assert place_snapshots([snapshot], *span) == [
        f"after.json: collected {_moment(collected)}, {AFTER_DELAY:.1f} s after the last frame: "
        "checked against the replay's end"]
    checks, notes = check_snapshots([snapshot], case.fdb_events, {})
    vm = checks.set_index("mac").loc[VM_MAC]
    assert vm["result"] == "agrees"
    assert vm["updated_at"] == pytest.approx(collected - 4)
    assert notes[-1].startswith(f"after.json: at {_moment(collected)}, 2 learned entries agree")


def test_snapshot_moment_check_can_disagree(span):
    """A snapshot with the VM's MAC on vnet0, dated after the move to team1, disagrees with the replay."""
    case = load_case(str(CASE))
    text = (CASE / "outputs" / "bridge_-s_-j_fdb_show_before.json").read_text()
    snapshot = bridge_fdb_json.parse(text, source="misdated.json")
    snapshot.meta["collected_at"] = span[1] + AFTER_DELAY
    place_snapshots([snapshot], *span)
    checks, notes = check_snapshots([snapshot], case.fdb_events, {})
    vm = checks.set_index("mac").loc[VM_MAC]
    assert vm["result"] == "disagrees"
    assert vm["snapshot_port"] == "vnet0"
    assert vm["replay_port"] == "team1"
    assert f"misdated.json: {VM_MAC} is on vnet0 in the saved FDB at" in notes[0]


def test_undated_snapshots_keep_name_roles():
    case = load_case(str(CASE))
    assert all("snapshot_role" not in item.meta for item in fdb_outputs(case))
    assert case.snapshot_checks.empty
    assert any(note.startswith("the replay starts from the saved FDB") for note in case.replay_notes)


def test_guest_sosreport_kept_apart(tmp_path, span, captures):
    host = after_report(tmp_path, span)
    guest = build_sosreport(tmp_path / "sosreport-vm1", "vm1", guest_outputs(CASE, span))
    loose = load_case(str(CASE))
    case = load_case([str(host), str(guest), str(captures)])
    assert case.verdict == loose.verdict == "fdb-ingress-port-drop"
    assert {f.code for f in case.finding_list} == {f.code for f in loose.finding_list}
    assert {item.meta.get("host") for item in case.outputs} == {"hv1"}
    assert [(item.kind, item.meta["host"], item.meta["sos_path"]) for item in case.other_outputs] == [
        ("kernel_log", "vm1", "sos_commands/kernel/dmesg")]
    assert any(w.startswith("the case holds outputs of 2 hosts (hv1, vm1); host hv1 is analysed because its "
                            "interfaces include the capture points ens224, ens256, vnet0") for w in case.warnings)
    report = report_dict(case)
    listed = {(o["host"], o["analysed"]) for o in report["outputs"]}
    assert listed == {("hv1", True), ("vm1", False)}
    text = case.report("text", verbose=True)
    assert "Command outputs of other hosts, not analysed:" in text
    assert f"{guest / 'sos_commands/kernel/dmesg'} (kernel_log, host vm1, collected " in text


def test_captures_inside_sosreport_choose_host(tmp_path, span):
    host = build_sosreport(tmp_path / "sosreport-hv1", "hv1", host_outputs(CASE, "after", span),
                           captures=sorted((CASE / "captures").iterdir()))
    twin = after_report(tmp_path, span, host="hv2", name="sosreport-hv2")
    case = load_case([str(host), str(twin)])
    assert {item.meta["host"] for item in case.outputs} == {"hv1"}
    assert {item.meta["host"] for item in case.other_outputs} == {"hv2"}
    assert any("host hv1 is analysed because the captures are inside its sosreport" in w for w in case.warnings)
    assert case.verdict == "fdb-ingress-port-drop"


def test_undecidable_host_warns_and_uses_none(tmp_path, span, captures):
    first = after_report(tmp_path, span, host="hv1", name="sosreport-hv1")
    second = after_report(tmp_path, span, host="hv2", name="sosreport-hv2")
    case = load_case([str(first), str(second), str(captures)])
    assert case.outputs == []
    assert {item.meta["host"] for item in case.other_outputs} == {"hv1", "hv2"}
    (warning,) = [w for w in case.warnings if w.startswith("the case holds outputs of 2 hosts")]
    assert "the captures cannot be tied to one: the hosts match the captures equally" in warning
    assert "hv1: 3 capture points, 1 of its MACs as frame sources" in warning
    assert "hv2: 3 capture points, 1 of its MACs as frame sources" in warning
    assert "no host's outputs are used" in warning


def test_inspect_sosreport_lists_host_and_time(tmp_path, span):
    root = after_report(tmp_path, span)
    results = inspect_files([str(root)])
    by_file = {r["file"]: r for r in results}
    fdb = by_file[f"{root}: {FDB_SOS_PATH}"]
    assert fdb["format"] == "bridge_fdb"
    assert fdb["host"] == "hv1"
    assert fdb["collected_at"] == pytest.approx(span[1] + AFTER_DELAY)
    text = render_inspection(results)
    assert f"{root}: {FDB_SOS_PATH}\n  command output: bridge_fdb, 18 records\n  host hv1, collected " in text
    (inside,) = inspect_files([str(root / FDB_SOS_PATH)])
    assert inside["host"] == "hv1"
    assert inside["collected_at"] == pytest.approx(span[1] + AFTER_DELAY)
    loose = inspect_files([str(CASE / "outputs" / "bridge_fdb_show.txt")])[0]
    assert loose["host"] is None
    assert loose["collected_at"] is None


def _moment(seconds):
    from analyzer.report.common import clock, day
    return f"{day(seconds)} {clock(seconds)} UTC"


@pytest.mark.parametrize("name, delay, shift, inside_tolerance", [
    ("bridge_-s_-j_fdb_show_before.json", "before", 0.0, True),
    ("bridge_-s_-j_fdb_show.json", "after", 0.0, True),
    ("bridge_-s_-j_fdb_show.json", "after", 10.0, False),
])
def test_clock_offset_from_update_ages(span, name, delay, shift, inside_tolerance):
    case = load_case(str(CASE))
    snapshot = bridge_fdb_json.parse((CASE / "outputs" / name).read_text(), source=name)
    moment = span[0] + BEFORE_DELAY if delay == "before" else span[1] + AFTER_DELAY
    # A shift stands for a host clock that runs ahead of the capture clock.
    snapshot.meta["collected_at"] = moment + shift
    place_snapshots([snapshot], *span)
    checks, notes = check_snapshots([snapshot], case.fdb_events, {}, case.journeys, case.decisions)
    low, high, entries = estimate_clock_offset(checks, case.journeys, case.decisions)
    assert entries >= 1
    assert low < shift <= high
    assert high - low <= 1.0 + COMMAND_DELAY
    (note,) = [n for n in notes if "put the host clock" in n]
    assert ("more than the 2 s the comparison tolerates" not in note) == inside_tolerance


def _manifest(report):
    return report / "sos_reports" / "manifest.json"


def test_link_loop_in_folder_is_rejected(tmp_path, span):
    report = after_report(tmp_path, span)
    dmesg = report / "sos_commands" / "kernel" / "dmesg"
    dmesg.unlink()
    dmesg.symlink_to(dmesg.name)
    read = sosreport.open_sosreport(report)
    assert f"{report}: sos_commands/kernel/dmesg: link to dmesg leaves the report, loops or is broken" in read.warnings
    assert "sos_commands/kernel/dmesg" not in {item.sos_path for item in read.files}
    assert len(read.files) >= 4


def test_manifest_link_leaving_report_is_rejected(tmp_path, span):
    report = after_report(tmp_path, span)
    other = after_report(tmp_path, span, name="other")
    _manifest(report).unlink()
    _manifest(report).symlink_to(_manifest(other))
    read = sosreport.open_sosreport(report)
    assert read.warnings == [f"{report}: sos_reports/manifest.json: link to {_manifest(other)} leaves the report"]
    assert all(item.collected_at is None for item in read.files)


@pytest.mark.parametrize("components", [[], {"report": "x"}, {"report": {"plugins": [1, 2]}}])
def test_manifest_without_plugin_objects_warns(tmp_path, span, components):
    report = after_report(tmp_path, span)
    manifest = json.loads(_manifest(report).read_text())
    manifest["components"] = components
    _manifest(report).write_text(json.dumps(manifest))
    read = sosreport.open_sosreport(report)
    assert len(read.warnings) == 1
    assert read.warnings[0].startswith(f"{_manifest(report)}: no object at ")
    assert len(read.files) >= 5


def test_manifest_number_too_long_warns(tmp_path, span):
    report = after_report(tmp_path, span)
    text = _manifest(report).read_text()
    _manifest(report).write_text(text.replace('"start_time": ', '"start_time": ' + "9" * 5000 + ", \"x\": ", 1))
    read = sosreport.open_sosreport(report)
    assert len(read.warnings) == 1
    assert read.warnings[0].startswith(f"{_manifest(report)}: invalid JSON (")
    assert len(read.warnings[0]) < 300


def test_conflicting_duplicate_manifest_entries_warn(tmp_path, span):
    report = after_report(tmp_path, span)
    manifest = json.loads(_manifest(report).read_text())
    commands = manifest["components"]["report"]["plugins"]["networking"]["commands"]
    entry = next(c for c in commands if c["filepath"] == FDB_SOS_PATH)
    commands.append(dict(entry, start_time=entry["start_time"] - 3600))
    _manifest(report).write_text(json.dumps(manifest))
    read = sosreport.open_sosreport(report)
    assert len(read.warnings) == 1
    assert "is listed twice with start times" in read.warnings[0]
    fdb = next(item for item in read.files if item.sos_path == FDB_SOS_PATH)
    assert fdb.collected_at is None


@pytest.mark.parametrize("shift", [-3600.0, 73 * 365 * 86400.0])
def test_distant_snapshot_is_not_used(span, shift):
    text = (CASE / "outputs" / "bridge_-s_-j_fdb_show.json").read_text()
    snapshot = bridge_fdb_json.parse(text, source="far.json")
    snapshot.meta["collected_at"] = (span[0] if shift < 0 else span[1]) + shift
    (note,) = place_snapshots([snapshot], *span)
    assert snapshot.meta["snapshot_role"] == "distant"
    assert "neither the replay's start nor compared with it" in note
    assert snapshots_by_role([snapshot]) == ([], [])
    case = load_case(str(CASE))
    checks, _ = check_snapshots([snapshot], case.fdb_events, {}, case.journeys, case.decisions)
    assert checks.empty


def test_long_host_name_is_cut(tmp_path, span):
    report = after_report(tmp_path, span, host="h" * 4000)
    read = sosreport.open_sosreport(report)
    assert read.hostname == "h" * sosreport.MAX_HOST_NAME
    assert read.warnings == [f"{report / 'hostname'}: line 1: host name of 4000 characters, longer than a DNS "
                             f"name can be; its first 253 are used"]
