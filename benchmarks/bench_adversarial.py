"""Time and memory of the whole analysis (load_case) on adversarial inputs, at growing sizes.

Two inputs, both made from real traffic:

- ``storm``: one real ARP request from samples/roundrobin-flood, repeated
  with mergecap -a into captures of N identical frames (same bytes, same
  timestamp), analysed with that sample's saved command outputs. Every frame
  has the same fingerprint, which is the worst case for journey building.
- ``many-macs``: a real capture with N distinct source MACs. It needs root:
  the script builds two network namespaces, one with a bridge and its veth
  port, the other with the port's peer and N macvlan devices on it, makes
  each device ping the bridge's address (so the kernel sends an ARP request
  from each MAC), captures on the bridge port with tcpdump, saves
  ``ip -d link`` and ``bridge fdb show``, and deletes the namespaces. No
  traffic leaves them. NOTE: with 2000 hosts the capture came out empty on
  the development machine; the kernel's neighbour table limit (gc_thresh3,
  1024 entries by default) may be the cause, which was not confirmed.

Each size is analysed in a child process, so that its peak RSS is its own.
Usage:

    python benchmarks/bench_adversarial.py storm --sizes 10000 20000 40000 80000 160000
    sudo python benchmarks/bench_adversarial.py many-macs --sizes 250 500 1000

Prints one line per size: frames, wall time and peak RSS, then the marginal
cost of the frames added since the previous size (microseconds and bytes
of peak RSS per frame), which leaves out the fixed cost of an analysis. For
an O(n) or O(n log n) algorithm the marginal time per frame stays about
the same as the size doubles; for O(n^2) it doubles too.
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
SAMPLE = REPO / "samples" / "roundrobin-flood"


def _require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        sys.exit(f"{tool} is not installed; install the Debian package {package}")
    return path


def _repeat(source: Path, copies: int, output: Path) -> None:
    """Write ``copies`` back-to-back copies of the one-frame ``source`` with mergecap -a, doubling each round."""
    mergecap = _require("mergecap", "wireshark-common")
    with tempfile.TemporaryDirectory() as folder:
        current = Path(folder) / "copy-1.pcap"
        shutil.copyfile(source, current)
        pieces, made, remaining = [], 1, copies
        while remaining:
            if remaining & 1:
                kept = Path(folder) / f"part-{made}.pcap"
                shutil.copyfile(current, kept)
                pieces.append(str(kept))
            remaining >>= 1
            if remaining:
                doubled = Path(folder) / f"copy-{made * 2}.pcap"
                subprocess.run([mergecap, "-F", "pcap", "-a", "-w", str(doubled), str(current), str(current)],
                               check=True)
                current = doubled
                made *= 2
        subprocess.run([mergecap, "-F", "pcap", "-a", "-w", str(output), *pieces], check=True)


def build_storm(work: Path, frames: int) -> Path:
    """Make a case folder: the sample's command outputs and a capture of ``frames`` copies of one ARP request."""
    tcpdump = _require("tcpdump", "tcpdump")
    case = work / f"storm-{frames}"
    shutil.copytree(SAMPLE / "outputs", case / "outputs")
    (case / "captures").mkdir()
    one = work / "one-arp.pcap"
    if not one.exists():
        subprocess.run([tcpdump, "-r", str(SAMPLE / "captures" / "vnet0.pcap"), "-w", str(one), "-c", "1", "arp"],
                       check=True, capture_output=True)
    _repeat(one, frames, case / "captures" / "vnet0.pcap")
    return case


def build_many_macs(work: Path, hosts: int) -> Path:
    """Capture one ARP request from each of ``hosts`` macvlan devices, in two private network namespaces.

    The bridge and its port h0 live in one namespace, the port's peer h1 and
    the macvlan devices in another, so that each ping crosses the bridge.
    """
    if os.geteuid() != 0:
        sys.exit("many-macs needs root: it creates network namespaces")
    tcpdump = _require("tcpdump", "tcpdump")
    _require("ip", "iproute2")
    bridge_side, host_side = f"l2trace-bench-br-{os.getpid()}", f"l2trace-bench-hosts-{os.getpid()}"
    case = work / f"many-macs-{hosts}"
    (case / "captures").mkdir(parents=True)
    (case / "outputs").mkdir()

    def batch(namespace: str, commands: list[str]) -> None:
        subprocess.run(["ip", "-n", namespace, "-batch", "-"], input="\n".join(commands) + "\n", text=True,
                       check=True)

    def inside(namespace: str, *command: str, **options) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", namespace, *command], **options)

    subprocess.run(["ip", "netns", "add", bridge_side], check=True)
    subprocess.run(["ip", "netns", "add", host_side], check=True)
    try:
        batch(bridge_side, ["link add br0 type bridge", f"link add h0 type veth peer name h1 netns {host_side}",
                            "link set h0 master br0", "link set br0 up", "link set h0 up",
                            "addr add 198.18.0.1/15 dev br0"])
        commands = ["link set h1 up"]
        for index in range(hosts):
            name = f"mv{index}"
            address = f"198.18.{1 + index // 250}.{1 + index % 250}"
            commands += [f"link add {name} link h1 type macvlan mode bridge", f"addr add {address}/15 dev {name}",
                         f"link set {name} up"]
        batch(host_side, commands)
        # Each device replies to ARP only for its own address: one host per MAC, not ARP flux from all of them.
        inside(host_side, "sysctl", "-q", "-w", "net.ipv4.conf.all.arp_ignore=1", check=True)
        time.sleep(2)
        capture = case / "captures" / "h0.pcap"
        tcpdump_process = subprocess.Popen(
            ["ip", "netns", "exec", bridge_side, tcpdump, "-i", "h0", "-s", "128", "-w", str(capture), "arp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        for index in range(hosts):
            # Only the ARP request that precedes each ping matters, so a lost reply is no error.
            inside(host_side, "ping", "-c", "1", "-W", "0.2", "-I", f"mv{index}", "198.18.0.1",
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        time.sleep(1)
        tcpdump_process.terminate()
        tcpdump_process.wait(timeout=30)
        with open(case / "outputs" / "ip_-d_link.txt", "w") as out:
            inside(bridge_side, "ip", "-d", "link", "show", stdout=out, check=True)
        with open(case / "outputs" / "bridge_fdb_show.txt", "w") as out:
            inside(bridge_side, "bridge", "fdb", "show", stdout=out, check=True)
    finally:
        subprocess.run(["ip", "netns", "del", bridge_side], check=False)
        subprocess.run(["ip", "netns", "del", host_side], check=False)
    return case


def measure(case: str) -> None:
    """Analyse one case in this process and print frames, seconds and peak RSS as JSON."""
    sys.path.insert(0, str(REPO))
    import logging

    logging.disable(logging.WARNING)
    from analyzer import load_case

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = load_case(case)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"frames": int(len(result.sightings)), "seconds": elapsed,
                      "peak_rss_kib": peak, "baseline_rss_kib": baseline, "verdict": result.verdict}))


def _child(case: Path) -> dict:
    output = subprocess.run([sys.executable, __file__, "measure", str(case)], check=True, capture_output=True,
                            text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", choices=["storm", "many-macs", "measure"])
    parser.add_argument("case", nargs="?", help="case folder (measure only)")
    parser.add_argument("--sizes", type=int, nargs="+",
                        help="frames (storm, default 20000 to 640000) or hosts (many-macs, default 250 to "
                             "1000) per run")
    args = parser.parse_args()
    if args.sizes is None:
        args.sizes = [20000, 40000, 80000, 160000, 320000, 640000] if args.input == "storm" else [250, 500, 1000]
    if args.input == "measure":
        measure(args.case)
        return

    build = build_storm if args.input == "storm" else build_many_macs
    previous = None
    with tempfile.TemporaryDirectory(prefix="l2trace-bench-") as folder:
        for size in args.sizes:
            case = build(Path(folder), size)
            result = _child(case)
            frames, seconds, peak = result["frames"], result["seconds"], result["peak_rss_kib"] * 1024
            line = (f"{args.input} {size}: {frames} frames, {seconds:.2f} s, peak RSS {peak / 2**20:.0f} MiB, "
                    f"verdict {result['verdict']}")
            if previous and frames > previous[0]:
                added = frames - previous[0]
                line += (f"; marginal {(seconds - previous[1]) / added * 1e6:.1f} us/frame, "
                         f"{(peak - previous[2]) / added:.0f} bytes/frame")
            print(line, flush=True)
            previous = (frames, seconds, peak)
            shutil.rmtree(case)

if __name__ == "__main__":
    main()
