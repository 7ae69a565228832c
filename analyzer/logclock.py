"""Place kernel log lines on the capture clock: find the boot time that turns ``[ UPTIME]`` stamps into epoch seconds.

``dmesg`` stamps each line with the seconds since boot, the captures with
seconds since the epoch. The boot time (the epoch second of uptime 0) joins
the two. These methods find it:

1. ``paired-stamps``: the same kernel messages seen with both stamps, in a
   journal or syslog line that keeps the kernel's ``[ UPTIME]`` stamp, or in
   a ``dmesg -T``, journal or syslog copy next to a plain ``dmesg``.
   ``dmesg -T`` and syslog print whole seconds, so each pair bounds the boot
   time to one second, and the pairs together narrow it.
2. ``sosreport-uptime``: ``/proc/uptime`` or ``uptime`` output with the time
   sos ran it (``meta["collected_at"]``): boot = collected_at - uptime. The
   ``dmesg`` output's own collected_at bounds the boot time from above, as
   its last line was printed before it was collected.
3. ``captures``: the bridge prints "received packet on X with own address as
   source address (addr:M, ...)" in the softirq that receives the frame, so
   each such line has a frame from M arriving on X (or a member of X) within
   a few milliseconds before it. The offset that pairs the most lines with
   such frames is the boot time. The spread of the paired offsets and the
   stamps' resolution bound its error. Log lines are rate-limited, so not
   every frame has a line.

The ``captures`` method wins whenever it works, because it measures the
capture clock itself. The first two read the host's wall clock, so their
disagreement with it is reported, not averaged in. Otherwise the first of the
two that works is used. The result names the method and the error bound, or
the reason when no method works. When a less trusted method disagrees, the
bound is widened to cover both. NOTE: ``dmesg -T`` adds each printk stamp to a boot time derived
from the current wall clock and the boot clock. On the Linux 6.18 host that
made tests/data/hostcases/log-clock, this put lines 0.85 s before the frames
that caused them, after 3 hours of uptime, beyond its 1 s resolution.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .addresses import mac_str_to_int
from .parsers import Parsed
from .report.common import moment
from .topology import Topology

log = logging.getLogger(__name__)

# Offsets of a frame and its "own address" line agree to within this. The bridge prints the line in
# the softirq that receives the frame, and the kernel clock is coarse (10 ms steps under User-Mode-Linux).
FRAME_TOLERANCE = 0.05
# The maximum time from a frame's capture to the bridge's log line about it, printed in the same softirq.
PRINT_DELAY = 0.01
# At most this many (frame, line) pairs are scored, about 100 MB of arrays, keeping at least MIN_LINES lines.
MAX_PAIRS = 4_000_000
MIN_LINES = 50
# sos records when it started each command, not when the file was read, so allow this much.
COLLECTION_ERROR = 1.0


@dataclass
class LogClock:
    """The boot time of the host whose kernel log the case holds, and how it was found."""

    method: str
    """"paired-stamps", "sosreport-uptime", "captures" or "unknown"."""
    boot_time: float | None = None
    """Epoch seconds at uptime 0, on the capture clock."""
    error: float | None = None
    """Bound on the error of boot_time, in seconds."""
    detail: str = ""
    """The evidence behind the estimate, or the reason there is none, in words."""
    others: list[dict] = field(default_factory=list)
    """The estimates of the less trusted methods that also worked, for comparison."""

    def capture_time(self, time, time_kind) -> float | None:
        """Return a log line's time on the capture clock, or None when it cannot be placed."""
        if time is None or pd.isna(time):
            return None
        if time_kind == "epoch":
            return float(time)
        if time_kind == "uptime" and self.boot_time is not None:
            return self.boot_time + float(time)
        return None

    def to_dict(self) -> dict:
        return {"method": self.method, "boot_time": self.boot_time, "error": self.error,
                "detail": self.detail, "others": list(self.others)}


def _estimate(method: str, low: float, high: float, detail: str) -> LogClock:
    return LogClock(method=method, boot_time=(low + high) / 2, error=(high - low) / 2, detail=detail)


def _kernel_tables(outputs: list[Parsed]) -> list[Parsed]:
    return [item for item in outputs if item.kind == "kernel_log" and len(item.table)]


def _resolution(values: np.ndarray) -> float:
    """Return the coarsest step of 1, 0.1, 0.01 ... 1e-6 s that every stamp is a multiple of."""
    for step in (1.0, 0.1, 0.01, 0.001, 0.0001, 0.00001):
        if np.all(np.abs(values / step - np.round(values / step)) < 1e-6):
            return step
    return 1e-6


def _largest_cluster(offsets: np.ndarray, width: float) -> np.ndarray:
    """Return the largest set of offsets that fits in a window ``width`` wide (the earliest such window)."""
    ordered = np.sort(offsets)
    ends = np.searchsorted(ordered, ordered + width, side="right")
    start = int(np.argmax(ends - np.arange(len(ordered))))
    return ordered[start:ends[start]]


def _stamp_pairs(outputs: list[Parsed]) -> pd.DataFrame:
    """Collect (wall-clock time, uptime, source) for each kernel message seen with both stamps."""
    both, uptime_rows, epoch_rows = [], [], []
    for item in _kernel_tables(outputs):
        table = item.table
        if "uptime" not in table:
            continue
        epoch = table[(table["time_kind"] == "epoch") & table["time"].notna()]
        both.append(epoch[epoch["uptime"].notna()].assign(source=item.source))
        epoch_rows.append(epoch[epoch["uptime"].isna()].assign(source=item.source))
        uptime_rows.append(table[table["time_kind"] == "uptime"].assign(source=item.source))
    pairs = [frame[["time", "uptime", "source"]] for frame in both if len(frame)]

    # The same message in a plain dmesg and in a dmesg -T, journal or syslog copy.
    uptime_all = pd.concat(uptime_rows) if uptime_rows else pd.DataFrame()
    epoch_all = pd.concat(epoch_rows) if epoch_rows else pd.DataFrame()
    if len(uptime_all) and len(epoch_all):
        plain = uptime_all[["message", "time", "source"]].rename(columns={"time": "uptime"})
        matched = plain.merge(epoch_all[["message", "time", "source"]], on="message", suffixes=("_uptime", ""))
        if len(matched):
            pairs.append(matched[["time", "uptime", "source"]])
    return pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame()


def _paired_stamps(outputs: list[Parsed]) -> LogClock | None:
    """Return the boot time that messages seen with both stamps bound, or None when there are none."""
    table = _stamp_pairs(outputs)
    if table.empty:
        return None
    offsets = (table["time"] - table["uptime"]).to_numpy(dtype=float)
    step = _resolution(table["time"].to_numpy(dtype=float))
    # Repeated messages pair with each other's copies too. The true pairs agree to within the resolution.
    cluster = _largest_cluster(offsets, step + 1e-6)

    # A wall-clock stamp is the true time cut down to its resolution, so boot lies in [offset, offset + step).
    low, high = float(cluster.max()), float(cluster.min()) + step
    if high < low:
        low, high = float(cluster.min()), float(cluster.max()) + step
    sources = sorted(set(table["source"]))
    detail = (f"{len(cluster)} pair(s) of the same kernel message with an uptime and a wall-clock stamp "
              f"({', '.join(sources)}). Wall-clock stamps have {step:g} s resolution")
    if step >= 1.0:
        detail += (". dmesg -T and syslog print local time without a zone, which is read as UTC, so on a "
                   "host not set to UTC the log is off by its UTC offset")
    return _estimate("paired-stamps", low, high, detail)


def _sosreport_uptime(outputs: list[Parsed]) -> LogClock | None:
    """Return the boot time from uptime output and the time sos ran it, or None."""
    for item in outputs:
        if item.kind != "uptime" or item.meta.get("uptime") is None:
            continue
        collected = item.meta.get("collected_at")
        if collected is None:
            continue
        uptime, step = float(item.meta["uptime"]), float(item.meta.get("resolution") or 60.0)
        # uptime is cut down to its resolution, and sos's start time precedes the read.
        low = float(collected) - uptime - step
        high = float(collected) - uptime + COLLECTION_ERROR
        detail = (f"{item.source}: uptime {uptime:g} s ({step:g} s resolution) when sos ran it at "
                  f"{moment(float(collected))}")
        bound = _dmesg_bound(outputs, item.meta.get("host"))
        if bound is not None:
            limit, source = bound
            if low <= limit < high:
                high = limit
                detail += f". The last line of {source} bounds it from above"
            elif limit < low:
                detail += (f". The last line of {source} puts the boot time before {moment(limit)}, which "
                           f"contradicts this: the two outputs may come from different boots")
        return _estimate("sosreport-uptime", low, high, detail)
    return None


def _dmesg_bound(outputs: list[Parsed], host) -> tuple[float, str] | None:
    """Return the latest boot time a dmesg collected by sos allows (collected_at - last uptime stamp)."""
    bounds = []
    for item in outputs:
        collected = item.meta.get("collected_at")
        other_host = host and item.meta.get("host") and item.meta.get("host") != host
        if item.kind != "kernel_log" or collected is None or other_host:
            continue
        last = item.meta.get("last_uptime")
        if last is not None:
            bounds.append((float(collected) - float(last), item.source))
    return min(bounds) if bounds else None


def _own_address_lines(outputs: list[Parsed]) -> pd.DataFrame:
    rows = []
    for item in _kernel_tables(outputs):
        table = item.table
        lines = table[(table["event"] == "own-address") & (table["time_kind"] == "uptime")
                      & table["mac"].notna() & table["port"].notna()]
        rows.append(lines.assign(source=item.source))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _line_offsets(lines: pd.DataFrame, sightings: pd.DataFrame, topology: Topology) -> tuple[np.ndarray, np.ndarray]:
    """Return, for every (line, frame that may have printed it) pair, the offset frame time - uptime and the line.

    A frame may have printed a line when it comes from the line's address and
    arrives on the port the line names or on a member of that port.
    """
    direction = sightings["direction"] if "direction" in sightings else pd.Series("unknown", index=sightings.index)
    macs = {mac_str_to_int(mac) for mac in lines["mac"]}
    ports = {}
    for port in set(lines["port"]):
        ports[port] = {port, *(topology.members(port) if port in topology.graph else [])}
    every_point = set().union(*ports.values())
    # One pass over the sightings; the per-line filters below then read only the few frames left.
    arriving = sightings[sightings["eth_src"].isin(list(macs)) & sightings["point"].isin(every_point)
                         & (direction != "out")]
    offsets, line_ids = [], []
    positions = pd.Series(np.arange(len(lines)), index=lines.index)
    for (port, mac), group in lines.groupby(["port", "mac"], sort=False):
        frames = arriving[arriving["point"].isin(ports[port]) & (arriving["eth_src"] == mac_str_to_int(mac))]
        times = frames["time"].to_numpy(dtype=float)
        if not len(times):
            continue
        line_times = group["time"].to_numpy(dtype=float)
        # Every (frame, line) pair of the group, since the offset that joins them is what is sought.
        offsets.append(np.subtract.outer(times, line_times).ravel())
        line_ids.append(np.tile(positions[group.index].to_numpy(), len(times)))
    if not offsets:
        return np.empty(0), np.empty(0, dtype=np.int64)
    return np.concatenate(offsets), np.concatenate(line_ids)


def _spread_lines(lines: pd.DataFrame, sightings: pd.DataFrame) -> pd.DataFrame:
    """Keep evenly spread lines so that lines times frames stays under MAX_PAIRS; the fit needs only some."""
    frames = max(1, int(sightings["eth_src"].isin({mac_str_to_int(mac) for mac in lines["mac"]}).sum()))
    keep = max(MIN_LINES, MAX_PAIRS // frames)
    if len(lines) <= keep:
        return lines
    log.info("matching %d of %d \"own address\" log lines to the captured frames", keep, len(lines))
    return lines.iloc[np.linspace(0, len(lines) - 1, keep).round().astype(np.int64)]


def _fit(offsets: np.ndarray, line_ids: np.ndarray, center: float) -> np.ndarray:
    """Return, for each line with an offset near ``center``, its offset nearest to it."""
    near = np.abs(offsets - center) <= FRAME_TOLERANCE
    if not near.any():
        return np.empty(0)
    table = pd.DataFrame({"line": line_ids[near], "offset": offsets[near],
                          "gap": np.abs(offsets[near] - center)})
    return table.sort_values("gap").drop_duplicates("line")["offset"].to_numpy()


def _best_centers(offsets: np.ndarray, line_ids: np.ndarray) -> list[tuple[int, float]]:
    """Return (lines fitted, offset) for candidate boot times, best first.

    Offsets are binned FRAME_TOLERANCE wide. Only the offsets in the bin
    pairs that contain the most distinct lines are tried as centers, each by
    a binary search in the sorted offsets, so that a storm of frames and
    lines costs a sort, not a square.
    """
    bins = np.floor(offsets / FRAME_TOLERANCE).astype(np.int64)
    spread = pd.DataFrame({"bin": np.concatenate([bins, bins - 1]), "line": np.concatenate([line_ids, line_ids])})
    scores = spread.drop_duplicates().groupby("bin").size()
    top = scores[scores >= scores.max() - 1].index.to_numpy()
    tried = np.unique(offsets[np.isin(bins, top) | np.isin(bins - 1, top)])
    order = np.argsort(offsets, kind="stable")
    ordered, ordered_lines = offsets[order], line_ids[order]
    starts = np.searchsorted(ordered, tried - FRAME_TOLERANCE, side="left")
    ends = np.searchsorted(ordered, tried + FRAME_TOLERANCE, side="right")
    scored = [(len(np.unique(ordered_lines[start:end])), float(center))
              for center, start, end in zip(tried.tolist(), starts.tolist(), ends.tolist())]
    return sorted(scored, key=lambda item: -item[0])


def _captures(outputs: list[Parsed], sightings: pd.DataFrame, topology: Topology) -> LogClock | None:
    """Match "own address" log lines to the captured frames that caused them; return the boot time, or None."""
    lines = _own_address_lines(outputs)
    if lines.empty or sightings.empty:
        return None
    matched = _spread_lines(lines, sightings)
    offsets, line_ids = _line_offsets(matched, sightings, topology)
    if not len(offsets):
        return None
    sample = f" (spread over all {len(lines)})" if len(matched) < len(lines) else ""
    scored = _best_centers(offsets, line_ids)
    count, center = scored[0]
    rivals = [c for n, c in scored if n == count and abs(c - center) > 2 * FRAME_TOLERANCE]
    if rivals:
        return LogClock(method="unknown", detail=(
            f"{count} of {len(matched)}{sample} \"own address\" log line(s) fit the captured frames equally well "
            f"at boot times {moment(center)} and {moment(rivals[0])} ({abs(rivals[0] - center):.3f} s apart), "
            f"so the captures do not settle the clock"))
    fitted = _fit(offsets, line_ids, center)
    step = _resolution(lines["time"].to_numpy(dtype=float))
    # The line is printed after the frame is captured, and its stamp is cut down to its resolution.
    low, high = float(fitted.max()) - step, float(fitted.min()) + PRINT_DELAY
    if high < low:
        low, high = float(fitted.min()) - step, float(fitted.max()) + PRINT_DELAY
    sources = ", ".join(sorted(set(lines["source"])))
    detail = (f"{len(fitted)} of {len(matched)}{sample} \"received packet ... with own address\" line(s) in {sources} "
              f"matched to the frames from that address arriving on the port they name. "
              f"Uptime stamps have {step:g} s resolution")
    return _estimate("captures", low, high, detail)


def estimate(outputs: list[Parsed], sightings: pd.DataFrame, topology: Topology) -> LogClock:
    """Return the boot time of the case's kernel log by the most trusted method that works."""
    found = []
    reasons = []
    for method in (_paired_stamps, _sosreport_uptime):
        result = method(outputs)
        if result is not None:
            found.append(result)

    result = _captures(outputs, sightings, topology)
    if result is not None and result.boot_time is not None:
        found.append(result)
    elif result is not None:
        reasons.append(result.detail)

    if not found:
        if not any(item.kind == "kernel_log" for item in outputs):
            reason = "the case has no kernel log"
        elif reasons:
            reason = reasons[0]
        else:
            reason = ("no kernel message is seen with both stamps, no sosreport uptime output with its "
                      "collection time, and no \"own address\" line matches a captured frame")
        return LogClock(method="unknown", detail=reason)

    # The captures method measures the capture clock itself, which is the clock the lines are placed
    # on, so it wins. The others read the host's wall clock, which may differ from it.
    found.sort(key=lambda item: item.method != "captures")
    best = found[0]
    best.others = [{"method": other.method, "boot_time": other.boot_time, "error": other.error}
                   for other in found[1:]]
    for other in found[1:]:
        apart = abs(other.boot_time - best.boot_time)
        if apart > best.error + other.error and best.method == "captures":
            best.detail += (f". The {other.method} method, on the host's wall clock, puts the boot time "
                            f"{apart:.3f} s away (+-{other.error:.3f} s): that clock and the capture clock differ")
        elif apart > best.error + other.error:
            # A bound that another method contradicts is not a bound: widen it to cover both.
            best.detail += (f". The {other.method} method puts the boot time {apart:.3f} s away "
                            f"(+-{other.error:.3f} s), so the error bound covers both")
            best.error = apart + other.error

    log.debug("log clock by %s: boot at %.3f +- %.3f s", best.method, best.boot_time, best.error)
    return best

