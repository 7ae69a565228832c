"""Time a whole ``l2trace analyze`` of a large case against tshark extracting fields from the same captures.

The large case is a real case repeated in time. Each of its captures is
copied back to back with mergecap -a, every copy shifted by editcap -t so
that the copies follow one another --shift seconds apart. The default of
10 s is longer than the ARP reply wait, so each copy's ARP exchange is a
transaction of its own. The saved command output is copied unchanged, and
generated files go to --workdir.

    python benchmarks/bench_analyze.py --case samples/roundrobin-flood --frames 1000000

Prints the wall time and peak RSS of ``python -m analyzer analyze CASE
--format json`` (a child process, like tshark), of tshark -T fields over
every capture of the case one after another, their ratio, and the time of
each analysis stage run in this process.
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

from bench_ingest import TSHARK_FIELDS, count_frames, high_water_kib, tool  # noqa: E402

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


def run_measured(command: list[str]) -> tuple[float, int]:
    """Run ``command`` with its output discarded; return (wall seconds, peak RSS in KiB from VmHWM)."""
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL)
        peak = 0
        while process.poll() is None:
            peak = max(peak, high_water_kib(process.pid))
            time.sleep(0.02)
    if process.returncode not in (0, 1):
        sys.exit(f"{command[0]} failed with status {process.returncode}: {' '.join(command)}")
    return time.perf_counter() - start, peak


def time_stages(case: Path) -> list[tuple[str, float]]:
    """Run the pipeline stages of load_case in this process and return each one's wall time."""
    logging.disable(logging.WARNING)
    from analyzer import case as case_module
    from analyzer.arp import build_transactions
    from analyzer.captures import read_capture
    from analyzer.clocks import align_clocks
    from analyzer.diagnose import diagnose
    from analyzer.discover import discover
    from analyzer.journeys import build_journeys
    from analyzer.replay import replay
    from analyzer.rules import Context
    from analyzer.sightings import build_sightings
    from analyzer.topology import build_topology

    laps: list[tuple[str, float]] = []
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        laps.append((name, now - clock[0]))
        clock[0] = now

    found = discover([str(case)])
    parsed = case_module._parse_outputs(found.outputs, [])
    topology = build_topology(parsed)
    lap("discover and parse")
    captures = [read_capture(path) for path in found.captures]
    lap("read captures")
    sightings, summaries = build_sightings(captures, topology, {})
    lap("sightings")
    sightings, _, _ = align_clocks(sightings)
    lap("clock offsets")
    sightings, journeys = build_journeys(sightings, topology)
    lap("journeys")
    result = replay(journeys, sightings, topology, parsed)
    lap("replay")
    transactions = build_transactions(journeys, sightings, result.decisions, topology)
    lap("ARP transactions")
    context = Context(topology=topology, sightings=sightings, journeys=journeys, decisions=result.decisions,
                      fdb_events=result.events, transactions=transactions, captures=summaries, outputs=parsed)
    diagnose(context)
    lap("rules")
    print(f"stages in process ({len(sightings):,} sightings, {len(journeys):,} journeys, "
          f"{len(transactions):,} ARP transactions):")
    return laps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", type=Path, required=True, help="a case folder with captures/ and outputs/")
    parser.add_argument("--frames", type=int, default=1_000_000,
                        help="frames in all captures together, rounded down to a power-of-two number of copies")
    parser.add_argument("--shift", type=float, default=10.0, help="seconds between copies (default 10)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="folder for the generated case")
    parser.add_argument("--no-stages", action="store_true", help="skip the in-process stage timing")
    arguments = parser.parse_args()
    arguments.workdir.mkdir(parents=True, exist_ok=True)
    case = build_case(arguments.case, arguments.frames, arguments.shift, arguments.workdir)
    captures = sorted(p for p in (case / "captures").iterdir() if p.is_file())
    frames = sum(count_frames(p) for p in captures)
    print(f"case {case}: {len(captures)} captures, {frames:,} frames")

    # A first short run fills numba's cache, so that the timed run loads compiled code.
    seconds, peak = run_measured([sys.executable, "-m", "analyzer", "analyze", str(case), "--format", "json",
                                  "-q", "-o", os.devnull])
    seconds, peak = run_measured([sys.executable, "-m", "analyzer", "analyze", str(case), "--format", "json",
                                  "-q", "-o", os.devnull])
    print(f"l2trace analyze: {seconds:.2f} s, peak RSS {peak / 1024:.0f} MiB ({peak * 1024 / frames:.0f} bytes "
          f"per frame)")
    tshark = 0.0
    for capture in captures:
        command = [tool("tshark"), "-n", "-r", str(capture), "-T", "fields"]
        for name in TSHARK_FIELDS:
            command += ["-e", name]
        tshark += run_measured(command)[0]
    print(f"tshark -T fields ({len(TSHARK_FIELDS)} fields) over the same captures: {tshark:.2f} s; "
          f"l2trace is {tshark / seconds:.1f} times faster")
    if not arguments.no_stages:
        for name, seconds in time_stages(case):
            print(f"  {name}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
