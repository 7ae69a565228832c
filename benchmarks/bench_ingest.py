"""Measure read_capture: frames per second, peak memory per frame, input formats and scaling with size.

Large inputs are made from real captures with Wireshark's tools only:
mergecap -a repeats a seed capture (copies back to back), editcap -F pcapng
converts, editcap -E changes random packet bytes, gzip and zstd compress. Generated files go to --workdir (default
/tmp/l2trace-bench), never into the repository.

    # One file, in process, read twice (the second read reuses freed memory):
    python benchmarks/bench_ingest.py /tmp/large.pcap
    # Build a seed from several real captures, then measure every format at 1M frames,
    # two 1M-frame files read in parallel threads and one by one, and pcap at 1M, 5M
    # and 20M frames, each in a fresh interpreter:
    python benchmarks/bench_ingest.py --seed tests/data/captures/veth.pcap OTHER.pcap ... \\
        --formats --parallel 2 --sizes 1000000,5000000,20000000

Frames/s counts records read into the frames table with every column,
fingerprint included, per wall-clock second and per CPU second (user plus
system time of the reading process, which other load on the machine does
not inflate). Peak RSS is the interpreter's
ru_maxrss, which includes Python, numpy, pandas and numba (about 170 MiB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analyzer.captures import read_capture  # noqa: E402

TSHARK_FIELDS = ["frame.number", "frame.time_epoch", "eth.src", "eth.dst", "vlan.id", "arp.opcode",
                 "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.proto_ipv4"]
DEFAULT_WORKDIR = Path("/tmp/l2trace-bench")

# Run in a fresh interpreter: read one file twice and print the timings as JSON.
CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from analyzer.captures import read_capture
read_capture(sys.argv[3])  # loads the compiled loops from numba's cache
usage = resource.getrusage(resource.RUSAGE_SELF)
before = usage.ru_maxrss
start = time.perf_counter()
capture = read_capture(sys.argv[1])
first = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime
frames = len(capture.frames)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
table = int(capture.frames.memory_usage(deep=True).sum())
del capture
start = time.perf_counter()
read_capture(sys.argv[1])
second = time.perf_counter() - start
print(json.dumps({"frames": frames, "first": first, "second": second, "cpu": cpu, "rss_before_kib": before,
                  "rss_peak_kib": peak, "table_bytes": table}))
"""


# Run in a fresh interpreter: read files with read_captures, in threads and one after another, and print JSON.
PARALLEL_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from analyzer.captures import read_capture, read_captures
read_capture(sys.argv[2])  # loads the compiled loops from numba's cache
paths = sys.argv[3:]
read_captures(paths, workers=len(paths))  # first use of the threads, not timed
result = {}
for label, workers in (("one by one", 1), ("threads", len(paths)), ("one by one again", 1),
                       ("threads again", len(paths))):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    captures = read_captures(paths, workers=workers)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime
    result[label] = {"wall": wall, "cpu": cpu, "frames": sum(len(c.frames) for c in captures)}
    del captures
print(json.dumps(result))
"""


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        sys.exit(f"{name} is not installed; mergecap and editcap come with Wireshark (Debian wireshark-common)")
    return path


def count_frames(path: Path) -> int:
    output = subprocess.run([tool("capinfos"), "-M", "-c", "-T", "-r", str(path)], capture_output=True,
                            text=True, check=True).stdout
    return int(output.split()[-1])


def build_seed(sources: list[Path], output: Path) -> None:
    """Concatenate real captures of one link type into a seed file with mergecap -a."""
    subprocess.run([tool("mergecap"), "-F", "pcap", "-a", "-w", str(output)] + [str(s) for s in sources], check=True)


def build(source: Path, copies: int, output: Path, file_format: str = "pcap") -> None:
    """Write ``copies`` back-to-back copies of ``source`` to ``output`` with mergecap -a, doubling each round."""
    mergecap = tool("mergecap")
    with tempfile.TemporaryDirectory(dir=output.parent) as folder:
        current = Path(folder) / "copy-1"
        shutil.copyfile(source, current)
        made = 1
        pieces: list[Path] = []
        remaining = copies
        # Binary decomposition: keep the power-of-two files whose sizes sum to `copies`.
        while remaining:
            if remaining & 1:
                kept = Path(folder) / f"part-{made}"
                shutil.copyfile(current, kept)
                pieces.append(kept)
            remaining >>= 1
            if remaining:
                doubled = Path(folder) / f"copy-{made * 2}"
                subprocess.run([mergecap, "-F", file_format, "-a", "-w", str(doubled), str(current), str(current)],
                               check=True)
                current.unlink()
                current = doubled
                made *= 2
        subprocess.run([mergecap, "-F", file_format, "-a", "-w", str(output)] + [str(p) for p in pieces], check=True)


def make_file(seed: Path, frames: int, workdir: Path, name: str, file_format: str = "pcap") -> Path:
    """Return a file of about ``frames`` records repeated from ``seed``, building it unless it exists."""
    output = workdir / name
    if not output.exists():
        # Rounded down, so that a 20M-frame file stays within reader.MAX_FRAMES.
        copies = max(1, frames // count_frames(seed))
        build(seed, copies, output, file_format)
    return output


def compress(path: Path, command: list[str], suffix: str) -> Path:
    output = path.with_name(path.name + suffix)
    if not output.exists():
        with open(output, "wb") as sink:
            subprocess.run([tool(command[0])] + command[1:] + [str(path)], stdout=sink, check=True)
    return output


def measure_in_child(path: Path, warm: Path) -> dict:
    """Read ``path`` in a fresh interpreter and return its timings and memory."""
    output = subprocess.run([sys.executable, "-c", CHILD, str(path), str(REPO), str(warm)], capture_output=True,
                            text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def report(label: str, path: Path, result: dict) -> str:
    frames = result["frames"]
    kept = (result["rss_peak_kib"] - result["rss_before_kib"]) * 1024 / max(frames, 1)
    line = (f"| {label} | {frames:,} | {path.stat().st_size / 2**20:,.0f} | {frames / result['first'] / 1e6:.2f} "
            f"| {frames / result['second'] / 1e6:.2f} | {frames / result['cpu'] / 1e6:.2f} "
            f"| {result['cpu'] / frames * 1e9:.0f} | {result['table_bytes'] / frames:.0f} | {kept:.0f} |")
    print(line, flush=True)
    return line


TABLE_HEADER = ("| input | frames | MiB | first read, M frames/s | second read, M frames/s | first read, M frames "
                "per CPU second | CPU ns per frame | table bytes per frame | peak RSS growth per frame, bytes |\n"
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def bench_formats(seed: Path, sll2_seed: Path | None, frames: int, workdir: Path, warm: Path) -> None:
    print(TABLE_HEADER)
    pcap = make_file(seed, frames, workdir, f"mix-{frames}.pcap")
    report("pcap", pcap, measure_in_child(pcap, warm))
    pcapng = workdir / f"mix-{frames}.pcapng"
    if not pcapng.exists():
        subprocess.run([tool("editcap"), "-F", "pcapng", str(pcap), str(pcapng)], check=True)
    report("pcapng (editcap -F pcapng)", pcapng, measure_in_child(pcapng, warm))
    if sll2_seed is not None:
        sll2 = make_file(sll2_seed, frames, workdir, f"sll2-{frames}.pcap")
        report("pcap, Linux cooked v2 (SLL2)", sll2, measure_in_child(sll2, warm))
    # Copies of one seed compress thousands of times over, beyond the reader's decompression-bomb
    # ratio limit and unlike any real capture. Changing 1% of the packet bytes at random
    # (editcap -E 0.01) brings gzip and zstd down to the ratios of real captures.
    # editcap writes pcapng unless -F selects another format.
    noisy = workdir / f"mix-{frames}-changed.pcap"
    if not noisy.exists():
        subprocess.run([tool("editcap"), "-F", "pcap", "-E", "0.01", str(pcap), str(noisy)], check=True)
    report("pcap, 1% of bytes changed (editcap -E 0.01)", noisy, measure_in_child(noisy, warm))
    gz = compress(noisy, ["gzip", "-1", "-c"], ".gz")
    report("the same, gzip -1", gz, measure_in_child(gz, warm))
    zst = compress(noisy, ["zstd", "-q", "-3", "-c"], ".zst")
    report("the same, zstd -3", zst, measure_in_child(zst, warm))


def bench_sizes(seed: Path, sizes: list[int], workdir: Path, warm: Path) -> None:
    print(TABLE_HEADER)
    for frames in sizes:
        path = make_file(seed, frames, workdir, f"mix-{frames}.pcap")
        report(f"pcap, {frames // 1_000_000}M", path, measure_in_child(path, warm))
        path.unlink()  # a 20M-frame file is a few GiB


def bench_parallel(seed: Path, frames: int, files: int, workdir: Path, warm: Path) -> None:
    """Read ``files`` copies of a ``frames``-record pcap with read_captures, in threads and one by one."""
    first = make_file(seed, frames, workdir, f"mix-{frames}.pcap")
    paths = [first]
    for number in range(1, files):
        copy = workdir / f"mix-{frames}-copy{number}.pcap"
        if not copy.exists():
            shutil.copyfile(first, copy)
        paths.append(copy)
    output = subprocess.run([sys.executable, "-c", PARALLEL_CHILD, str(REPO), str(warm)] + [str(p) for p in paths],
                            capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    print(f"| read_captures, {files} files | frames | wall s | M frames/s | CPU s | M frames per CPU second |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, row in result.items():
        print(f"| {label} | {row['frames']:,} | {row['wall']:.2f} | {row['frames'] / row['wall'] / 1e6:.2f} "
              f"| {row['cpu']:.2f} | {row['frames'] / row['cpu'] / 1e6:.2f} |", flush=True)


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_reader(path: Path) -> None:
    size_mib = path.stat().st_size / 2**20
    for attempt in ("first", "second"):
        rss_before = peak_rss_mib()
        start = time.perf_counter()
        capture = read_capture(path)
        elapsed = time.perf_counter() - start
        frames = len(capture.frames)
        frame_memory = capture.frames.memory_usage(deep=True).sum() / 2**20
        print(
            f"read_capture ({attempt} read): {frames} frames in {elapsed:.2f} s = {frames / elapsed:,.0f} frames/s, "
            f"{size_mib / elapsed:.1f} MiB/s; peak RSS {peak_rss_mib():.0f} MiB "
            f"(before {rss_before:.0f} MiB, frames table {frame_memory:.0f} MiB); warnings {len(capture.warnings)}"
        )
        del capture


def bench_tshark(path: Path) -> float | None:
    """Run ``tshark -T fields`` over ``path``; return its wall time, or None without tshark."""
    tshark = shutil.which("tshark")
    if tshark is None:
        print("tshark: not installed, skipped")
        return None
    command = [tshark, "-n", "-r", str(path), "-T", "fields"]
    for name in TSHARK_FIELDS:
        command += ["-e", name]
    # A forked child's ru_maxrss includes the parent's pages, so tshark's peak comes from VmHWM instead.
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL)
        peak_kib = 0
        while process.poll() is None:
            peak_kib = max(peak_kib, high_water_kib(process.pid))
            time.sleep(0.05)
    elapsed = time.perf_counter() - start
    print(f"tshark -T fields ({len(TSHARK_FIELDS)} fields) on {path.name}: {elapsed:.2f} s; "
          f"peak RSS about {peak_kib / 1024:.0f} MiB")
    return elapsed


def high_water_kib(pid: int) -> int:
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
    parser.add_argument("capture", nargs="?", type=Path, help="capture file to read in this process")
    parser.add_argument("--seed", type=Path, nargs="+", metavar="CAPTURE",
                        help="real Ethernet captures to concatenate into the seed that is repeated")
    parser.add_argument("--sll2-seed", type=Path, metavar="CAPTURE",
                        help="a real Linux cooked v2 capture to repeat for the SLL2 row of --formats")
    parser.add_argument("--formats", action="store_true",
                        help="measure pcap, pcapng, SLL2, gzip and zstd at --frames frames")
    parser.add_argument("--frames", type=int, default=1_000_000, help="frames per file for --formats")
    parser.add_argument("--sizes", help="comma-separated frame counts for the scaling run, e.g. 1000000,5000000")
    parser.add_argument("--parallel", type=int, metavar="FILES",
                        help="read FILES copies of the --frames pcap with read_captures, in threads and one by one")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="folder for generated files")
    parser.add_argument("--no-tshark", action="store_true", help="skip the tshark comparison")
    arguments = parser.parse_args()
    if arguments.capture is not None:
        bench_reader(arguments.capture)
        if not arguments.no_tshark:
            bench_tshark(arguments.capture)
        return
    if not arguments.seed:
        parser.error("give a capture file, or --seed CAPTURE... with --formats and/or --sizes")
    arguments.workdir.mkdir(parents=True, exist_ok=True)
    seed = arguments.workdir / "seed.pcap"
    build_seed(arguments.seed, seed)
    print(f"seed: {count_frames(seed)} frames from {', '.join(p.name for p in arguments.seed)}")
    if arguments.formats:
        bench_formats(seed, arguments.sll2_seed, arguments.frames, arguments.workdir, seed)
    if arguments.parallel:
        bench_parallel(seed, arguments.frames, arguments.parallel, arguments.workdir, seed)
    if arguments.sizes:
        bench_sizes(seed, [int(size) for size in arguments.sizes.split(",")], arguments.workdir, seed)


if __name__ == "__main__":
    main()
