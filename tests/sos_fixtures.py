"""Build sosreport folders, in sos 4.x's layout with a manifest, from the real outputs of a kernel-made case.

Each output file of a case is placed where sos's plugin writes its command's
output (``sos_commands/<plugin>/<mangled command>``).
``sos_reports/manifest.json`` lists every command as sos 4.x's
``Plugin._collect_cmd_output`` records it: ``command``, ``parameters``,
``exec``, ``filepath``, ``truncated``, ``return_code``, ``priority``,
``start_time``, ``end_time`` and ``run_time`` (epoch seconds from
``time.time()``), and ``tags``. The entries sit under
``components.report.plugins.<plugin>.commands``.

No sos run made these reports, so the start times are placed from the case
itself. ``capture_span`` reads the first and last frame times with the
product's capture reader. The ``samples/`` guest script saves the "before"
FDB one second after the host's ping, which is the first frame, and the other
outputs after stopping the captures. For the founding case the ``-s`` FDB
saved with them gives the VM's entry on team1 an update age of 4 s, and the
last frame refreshed it, so those outputs are dated 4.5 s after the last
frame (iproute2 rounds ages down to whole seconds).

Run as a script to write the sosreport of a case's outputs saved after the
captures: ``python3 tests/sos_fixtures.py CASE OUT HOST``.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.captures import read_capture  # noqa: E402
from analyzer.sosreport import mangle_command  # noqa: E402

# Seconds after the first frame at which the samples' guest script saved the "before" FDB.
BEFORE_DELAY = 1.1
# Seconds after the last frame at which it saved the other outputs (see the module docstring).
AFTER_DELAY = 4.5
# Seconds one command runs (run_time); bridge and ip return within milliseconds.
RUN_TIME = 0.02

# Case output file -> (sos plugin, command line sos runs, or would run, for it).
HOST_COMMANDS = {
    "ip_-d_link.txt": ("networking", "ip -d link"),
    "bridge_link_show.txt": ("networking", "bridge -s -s -d link show"),
    "bridge_fdb_show.txt": ("networking", "bridge -s -s -d -t fdb show"),
    "bridge_fdb_show_before.txt": ("networking", "bridge -s -s -d -t fdb show"),
    "teamdctl_team1_state_dump.json": ("teamd", "teamdctl team1 state dump"),
    "teamdctl_team1_config_dump.json": ("teamd", "teamdctl team1 config dump"),
    "dmesg.txt": ("kernel", "dmesg"),
}
# The outputs of a case's VM namespace; UML runs every namespace on one kernel, so its dmesg is the VM's too.
GUEST_COMMANDS = {
    "vm_ip_neigh.txt": ("networking", "ip -4 neigh show"),
    "dmesg.txt": ("kernel", "dmesg"),
}


def capture_span(case: Path) -> tuple[float, float]:
    """Return the first and last frame times (epoch seconds) over the case's captures."""
    times = []
    for path in sorted((case / "captures").iterdir()):
        frames = read_capture(str(path)).frames
        valid = frames["time_ns"][frames["time_ns"] >= 0]
        if len(valid):
            times += [int(valid.min()) / 1e9, int(valid.max()) / 1e9]
    if not times:
        raise ValueError(f"{case}: no frame in the captures")
    return min(times), max(times)


def build_sosreport(root: Path, host: str, outputs: dict[Path, tuple[str, str, float]],
                    captures: list[Path] = ()) -> Path:
    """Write a sosreport folder: each output under its sos path, the hostname, the manifest and any captures.

    ``outputs`` maps a real output file to (plugin, command line, start time).
    """
    plugins: dict[str, dict] = {}
    for source, (plugin, command, start) in outputs.items():
        sos_path = f"sos_commands/{plugin}/{mangle_command(command)}"
        target = root / sos_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        entry = {"command": command.split(" ")[0], "parameters": command.split(" ")[1:], "exec": command,
                 "filepath": sos_path, "truncated": False, "return_code": 0, "priority": 10,
                 "start_time": start, "end_time": start + RUN_TIME, "run_time": RUN_TIME,
                 "tags": [command.split(" ")[0]]}
        section = plugins.setdefault(plugin, {"start_time": "", "end_time": "", "run_time": "",
                                              "timeout_hit": False, "commands": [], "files": []})
        section["commands"].append(entry)
    (root / "sos_commands" / "host").mkdir(parents=True, exist_ok=True)
    (root / "sos_commands" / "host" / "hostname").write_text(f"{host}\n")
    (root / "hostname").write_text(f"{host}\n")
    manifest = {"version": "4.5.6", "cmdline": "sos report --batch", "start_time": "", "end_time": "",
                "run_time": "", "compression": "", "policy": "Debian", "components": {
                    "report": {"preset": "none", "plugins": plugins}}}
    (root / "sos_reports").mkdir(parents=True, exist_ok=True)
    (root / "sos_reports" / "manifest.json").write_text(json.dumps(manifest, indent=4))
    for capture in captures:
        shutil.copyfile(capture, root / capture.name)
    return root


def host_outputs(case: Path, when: str, span: tuple[float, float]) -> dict[Path, tuple[str, str, float]]:
    """Return the host outputs of a case saved at one moment: "before" (the _before FDB) or "after" (the rest)."""
    first, last = span
    chosen = {}
    for name, (plugin, command) in HOST_COMMANDS.items():
        is_before = name.endswith("_before.txt")
        if (when == "before") != is_before or not (case / "outputs" / name).is_file():
            continue
        start = first + BEFORE_DELAY if is_before else last + AFTER_DELAY
        chosen[case / "outputs" / name] = (plugin, command, start)
    return chosen


def guest_outputs(case: Path, span: tuple[float, float]) -> dict[Path, tuple[str, str, float]]:
    """Return the VM-side outputs of a case, dated like the host's after-capture outputs."""
    return {case / "outputs" / name: (plugin, command, span[1] + AFTER_DELAY)
            for name, (plugin, command) in GUEST_COMMANDS.items() if (case / "outputs" / name).is_file()}


if __name__ == "__main__":
    case_dir, out, host_name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    case_span = capture_span(case_dir)
    print(build_sosreport(out, host_name, host_outputs(case_dir, "after", case_span)))
