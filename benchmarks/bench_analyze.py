"""Time a whole ``l2trace analyze`` of a large case against tshark extracting fields from the same captures.

The large case is a real case repeated in time. Each of its captures is
copied back to back with mergecap -a, every copy shifted by editcap -t so
that the copies follow one another --shift seconds apart. The default of
10 s is longer than the ARP reply wait, so each copy's ARP exchange is a
transaction of its own. The saved command output is copied unchanged, and
generated files go to --workdir.

    python benchmarks/bench_analyze.py --case samples/roundrobin-flood --frames 1000000

With --as-is the case folder is analysed unchanged, for a case that is
large already (for example a folder holding one big capture).

Prints the wall time, CPU time and peak RSS of ``python -m analyzer analyze
CASE --format json`` (a child process, like tshark), of tshark -T fields over
every capture of the case one after another, and their ratio. Then it times
the interpreter start-up and the imports in fresh interpreters, and each
stage of ``load_case`` and the JSON report in this process.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_ingest import TSHARK_FIELDS, count_frames, tool  # noqa: E402

DEFAULT_WORKDIR = Path("/tmp/l2trace-bench")


def repeat_shifted(source: Path, copies: int, shift: float, output: Path) -> None:
    """Write ``copies`` copies of ``source``, copy k shifted by k * ``shift`` seconds, doubling each round."""
    editcap, mergecap = tool("editcap"), tool("mergecap")
    file_format = "pcapng" if source.suffix == ".pcapng" else "pcap"
    with tempfile.TemporaryDirectory(dir=output.parent) as folder:
        current = Path(folder) / "copies-1"
        shutil.copyfile(source, current)
        made = 1
        while made < copies:
            # The later half starts where the earlier half ends.
            shifted = Path(folder) / "shifted"
            subprocess.run([editcap, "-F", file_format, "-t", f"{made * shift}", str(current), str(shifted)],
                           check=True)
            doubled = Path(folder) / f"copies-{made * 2}"
            subprocess.run([mergecap, "-F", file_format, "-a", "-w", str(doubled), str(current), str(shifted)],
                           check=True)
            current.unlink()
            shifted.unlink()
            current = doubled
            made *= 2
        shutil.move(current, output)


def build_case(case: Path, frames: int, shift: float, workdir: Path) -> Path:
    """Return a copy of ``case`` whose captures hold about ``frames`` frames in all, building it unless it exists."""
    captures = sorted(p for p in (case / "captures").iterdir() if p.is_file())
    per_copy = sum(count_frames(p) for p in captures)
    copies = 1 << max(0, round(frames / per_copy).bit_length() - 1)
    target = workdir / f"{case.name}-x{copies}"
    if (target / "done").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    (target / "captures").mkdir(parents=True)
    shutil.copytree(case / "outputs", target / "outputs")
    for capture in captures:
        repeat_shifted(capture, copies, shift, target / "captures" / capture.name)
    (target / "done").write_text(f"{copies} copies of {case}, {shift} s apart\n")
    return target


def run_measured(command: list[str]) -> tuple[float, float, int]:
    """Run ``command`` with its output discarded; return (wall seconds, CPU seconds, peak RSS in KiB)."""
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        # The repository folder, so that ``python -m analyzer`` finds the package.
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL, cwd=REPO)
        # wait4 reports this child's own CPU time and peak RSS (ru_maxrss, KiB on Linux).
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        sys.exit(f"{command[0]} failed with status {process.returncode}: {' '.join(command)}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def time_start_up(repeats: int = 3) -> list[tuple[str, float]]:
    """Return the best wall time of a bare interpreter and of the imports ``l2trace analyze`` makes."""
    path = f"import sys; sys.path.insert(0, {str(REPO)!r}); "
    commands = [
        ("python start-up", "pass"),
        ("import analyzer.cli (pandas, numpy, networkx, the rules)", path + "import analyzer.cli"),
        ("import analyzer.cli and numba", path + "import analyzer.cli, numba"),
    ]
    results = []
    for name, code in commands:
        best = min(run_measured([sys.executable, "-c", code])[0] for _ in range(repeats))
        results.append((name, best))
    return results


class StageClock:
    """Wall time per stage, taken by wrapping the functions that ``load_case`` calls."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def wrap(self, module, attribute: str, stage: str) -> None:
        function = getattr(module, attribute)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start

        setattr(module, attribute, timed)


def time_stages(case: Path) -> list[tuple[str, float]]:
    """Run ``load_case`` and the JSON report in this process and return each stage's wall time.

    The stages are the functions ``load_case`` calls, wrapped where it looks
    them up, so replays that the cross checks run count as "cross checks",
    and "rules" excludes them. "other" is the rest of ``load_case``.
    """
    logging.disable(logging.WARNING)
    from analyzer import case as case_module
    from analyzer import diagnose as diagnose_module
    from analyzer.report.json_report import render_json

    clock = StageClock()
    stages = [(case_module, "discover", "discover files"), (case_module, "_parse_outputs", "parse outputs"),
              (case_module, "read_capture", "read captures"), (case_module, "read_captures", "read captures"),
              (case_module, "build_sightings", "sightings"),
              (case_module, "align_clocks", "clock offsets"), (case_module, "build_journeys", "journeys"),
              (case_module, "replay", "replay"), (case_module, "build_transactions", "ARP transactions"),
              (case_module, "diagnose", "rules"), (diagnose_module, "cross_check", "cross checks")]
    for module, attribute, stage in stages:
        if hasattr(module, attribute):
            clock.wrap(module, attribute, stage)
    start = time.perf_counter()
    loaded = case_module.load_case(str(case))
    whole = time.perf_counter() - start
    report_start = time.perf_counter()
    render_json(loaded)
    report = time.perf_counter() - report_start

    seconds = dict(clock.seconds)
    # diagnose() runs the cross checks, so its own share is the rules alone.
    seconds["rules"] = seconds.get("rules", 0.0) - seconds.get("cross checks", 0.0)
    names = list(dict.fromkeys(stage for _, _, stage in stages))
    laps = [(stage, seconds.get(stage, 0.0)) for stage in names]
    laps.append(("other", whole - sum(clock.seconds.get(stage, 0.0) for stage in names
                                      if stage != "cross checks")))
    laps.append(("JSON report", report))
    print(f"stages in process ({len(loaded.sightings):,} sightings, {len(loaded.journeys):,} journeys, "
          f"{len(loaded.arp_transactions):,} ARP transactions, {len(loaded.fdb_events):,} FDB events):")
    return laps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", type=Path, required=True, help="a case folder with captures/ and outputs/")
    parser.add_argument("--frames", type=int, default=1_000_000,
                        help="frames in all captures together, rounded down to a power-of-two number of copies")
    parser.add_argument("--shift", type=float, default=10.0, help="seconds between copies (default 10)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="folder for the generated case")
    parser.add_argument("--as-is", action="store_true",
                        help="analyse the case folder unchanged instead of repeating it (--frames is ignored)")
    parser.add_argument("--no-stages", action="store_true", help="skip the in-process stage timing")
    arguments = parser.parse_args()
    arguments.case = arguments.case.resolve()
    arguments.workdir.mkdir(parents=True, exist_ok=True)
    if arguments.as_is:
        case = arguments.case
        folder = case / "captures" if (case / "captures").is_dir() else case
    else:
        case = build_case(arguments.case, arguments.frames, arguments.shift, arguments.workdir)
        folder = case / "captures"
    captures = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".pcap", ".pcapng"))
    frames = sum(count_frames(p) for p in captures)
    print(f"case {case}: {len(captures)} captures, {frames:,} frames")

    # A first short run fills numba's cache, so that the timed run loads compiled code.
    analyze = [sys.executable, "-m", "analyzer", "analyze", str(case), "--format", "json", "-q", "-o", os.devnull]
    run_measured(analyze)
    seconds, cpu, peak = run_measured(analyze)
    print(f"l2trace analyze: {seconds:.2f} s, CPU {cpu:.2f} s, peak RSS {peak / 1024:.0f} MiB "
          f"({peak * 1024 / frames:.0f} bytes per frame)")
    tshark = tshark_cpu = 0.0
    for capture in captures:
        command = [tool("tshark"), "-n", "-r", str(capture), "-T", "fields"]
        for name in TSHARK_FIELDS:
            command += ["-e", name]
        wall, used, _ = run_measured(command)
        tshark += wall
        tshark_cpu += used
    print(f"tshark -T fields ({len(TSHARK_FIELDS)} fields) over the same captures: {tshark:.2f} s, "
          f"CPU {tshark_cpu:.2f} s; l2trace is {tshark / seconds:.1f} times faster "
          f"({tshark_cpu / cpu:.1f} times in CPU time)")
    if not arguments.no_stages:
        for name, seconds in time_start_up():
            print(f"  {name}: {seconds:.2f} s")
        for name, seconds in time_stages(case):
            print(f"  {name}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
