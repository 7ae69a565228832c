"""Time read_capture on one capture file and, if tshark is installed, `tshark -T fields` on the same file.

Make a large input from a real capture by repeated concatenation with mergecap:

    python benchmarks/bench_ingest.py --build tests/data/captures/veth.pcap --copies 20000 \\
        --output /tmp/large.pcap
    python benchmarks/bench_ingest.py /tmp/large.pcap

Prints frames, wall time, frames per second, MiB per second and peak RSS.
read_capture runs in this process, and tshark in a child process.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.captures import read_capture  # noqa: E402

TSHARK_FIELDS = ["frame.number", "frame.time_epoch", "eth.src", "eth.dst", "vlan.id", "arp.opcode", "ip.src", "ip.dst"]


def build(source: Path, copies: int, output: Path) -> None:
    """Write ``copies`` back-to-back copies of ``source`` to ``output`` with mergecap -a, doubling each round."""
    mergecap = shutil.which("mergecap")
    if mergecap is None:
        sys.exit("mergecap is not installed; it is part of Wireshark (Debian package wireshark-common)")
    with tempfile.TemporaryDirectory() as folder:
        current = Path(folder) / "copy-1.pcap"
        shutil.copyfile(source, current)
        made = 1
        pieces: list[tuple[int, Path]] = []
        remaining = copies
        # Binary decomposition: keep the power-of-two files whose sizes sum to `copies`.
        while remaining:
            if remaining & 1:
                kept = Path(folder) / f"part-{made}.pcap"
                shutil.copyfile(current, kept)
                pieces.append((made, kept))
            remaining >>= 1
            if remaining:
                doubled = Path(folder) / f"copy-{made * 2}.pcap"
                subprocess.run([mergecap, "-F", "pcap", "-a", "-w", str(doubled), str(current), str(current)], check=True)
                current.unlink()
                current = doubled
                made *= 2
        subprocess.run([mergecap, "-F", "pcap", "-a", "-w", str(output)] + [str(p) for _, p in pieces], check=True)
    print(f"wrote {output}: {copies} copies of {source}, {output.stat().st_size / 2**20:.1f} MiB")


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_reader(path: Path) -> None:
    size_mib = path.stat().st_size / 2**20
    rss_before = peak_rss_mib()
    start = time.perf_counter()
    capture = read_capture(path)
    elapsed = time.perf_counter() - start
    frames = len(capture.frames)
    frame_memory = capture.frames.memory_usage(deep=True).sum() / 2**20
    print(
        f"read_capture: {frames} frames in {elapsed:.2f} s = {frames / elapsed:,.0f} frames/s, "
        f"{size_mib / elapsed:.1f} MiB/s; peak RSS {peak_rss_mib():.0f} MiB "
        f"(before {rss_before:.0f} MiB, frames table {frame_memory:.0f} MiB); warnings {len(capture.warnings)}"
    )


def bench_tshark(path: Path) -> None:
    tshark = shutil.which("tshark")
    if tshark is None:
        print("tshark: not installed, skipped")
        return
    command = [tshark, "-n", "-r", str(path), "-T", "fields"]
    for name in TSHARK_FIELDS:
        command += ["-e", name]
    # A forked child's ru_maxrss includes the parent's pages, so tshark's peak comes from VmHWM instead.
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL)
        peak_kib = 0
        while process.poll() is None:
            peak_kib = max(peak_kib, _high_water_kib(process.pid))
            time.sleep(0.05)
    elapsed = time.perf_counter() - start
    print(f"tshark -T fields ({len(TSHARK_FIELDS)} fields): {elapsed:.2f} s; peak RSS about {peak_kib / 1024:.0f} MiB")


def _high_water_kib(pid: int) -> int:
    """Return the VmHWM (peak resident set) of a running process in KiB, 0 if it has ended."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("capture", nargs="?", type=Path, help="capture file to read")
    parser.add_argument("--build", type=Path, metavar="SOURCE", help="real capture to repeat into --output")
    parser.add_argument("--copies", type=int, default=10000, help="number of copies of SOURCE (default 10000)")
    parser.add_argument("--output", type=Path, help="file to write with --build")
    parser.add_argument("--no-tshark", action="store_true", help="skip the tshark comparison")
    arguments = parser.parse_args()
    if arguments.build:
        if arguments.output is None:
            parser.error("--build needs --output")
        build(arguments.build, arguments.copies, arguments.output)
        if arguments.capture is None:
            return
    if arguments.capture is None:
        parser.error("give a capture file, or --build SOURCE --output FILE")
    bench_reader(arguments.capture)
    if not arguments.no_tshark:
        bench_tshark(arguments.capture)


if __name__ == "__main__":
    main()
