"""broadcast-storm: the same frame was seen many times at one capture point (a forwarding loop).

A broadcast that circulates in a loop comes back again and again with the
same bytes. Repeats of one frame at one capture point within ``WINDOW``
seconds beyond ``THRESHOLD`` are a storm; ARP retries are a second apart and
do not reach it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..addresses import mac_int_to_str
from ..findings import Finding
from ._evidence import evidence

CODE = "broadcast-storm"
THRESHOLD = 20
WINDOW = 1.0  # seconds


def find(context) -> list[Finding]:
    sightings = context.sightings
    if len(sightings) < THRESHOLD:
        return []
    group = sightings.groupby(["fingerprint", "point"], sort=False).ngroup().to_numpy()
    sizes = np.bincount(group)
    bursts = _max_bursts(sightings["time"].to_numpy(dtype=np.float64), group, sizes >= THRESHOLD)
    # Groups are numbered in order of first appearance, as groupby(sort=False) lists them.
    firsts = np.full(len(sizes), -1, dtype=np.int64)
    firsts[group[::-1]] = np.arange(len(group))[::-1]
    fingerprints = sightings["fingerprint"].to_numpy()
    points = sightings["point"]
    stormy: dict[int, list[tuple[str, int, int]]] = {}
    for number in np.flatnonzero(bursts >= THRESHOLD).tolist():
        first = int(firsts[number])
        stormy.setdefault(int(fingerprints[first]), []).append((points.iloc[first], int(sizes[number]),
                                                                  int(bursts[number])))
    if not stormy:
        return []
    rows_of = _rows_by_fingerprint(fingerprints, list(stormy))
    times = sightings["time"].to_numpy()
    sources = sightings["eth_src"].to_numpy()
    point_codes, point_names = pd.factorize(points)
    findings = []
    for fingerprint, places in stormy.items():
        rows = rows_of[fingerprint]
        mac = mac_int_to_str(sources[rows[0]])
        places.sort(key=lambda p: -p[1])
        where = ", ".join(f"{count} times on {point} (up to {burst} within {WINDOW:g} s)"
                          for point, count, burst in places)
        span = times[rows[-1]] - times[rows[0]]
        main_point = places[0][0]
        main_code = point_names.get_loc(main_point)
        shown = rows[point_codes[rows] == main_code][:3]
        items = [evidence(row, "the same frame again") for _, row in sightings.iloc[shown].iterrows()]
        findings.append(Finding(
            code=CODE, severity="error", port=main_point, mac=mac, evidence=items,
            bridge=context.topology.place(main_point)[0],
            summary=(f"The same frame from {mac} was seen {where}, over {span:.3f} s: a forwarding loop "
                     f"keeps it circulating."),
            recommendations=["Find the loop: a second link between the same switches, a bridge on the host "
                             "joining two uplinks, or a cable between two ports; enable STP (on the host "
                             "bridge: ip link set dev BRIDGE type bridge stp_state 1) or remove the extra "
                             "link."]))
    return findings


def _max_bursts(times: np.ndarray, group: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """Return per group the most sightings inside any window of ``WINDOW`` seconds, for candidate groups only.

    ``times`` must be in table order, which is time order. Other groups get 0.
    """
    bursts = np.zeros(len(candidate), dtype=np.int64)
    rows = np.flatnonzero(candidate[group])
    if not len(rows):
        return bursts
    rows = rows[np.argsort(group[rows], kind="stable")]
    groups, start_times = group[rows], times[rows]
    # Exact ranks of the start and end times turn (group, time) into one sortable integer key.
    _, rank = np.unique(np.concatenate([start_times, start_times + WINDOW]), return_inverse=True)
    rank = rank.reshape(-1)
    scale = np.int64(rank.max() + 1)
    count = len(rows)
    ends = np.searchsorted(groups * scale + rank[:count], groups * scale + rank[count:], side="right")
    inside = ends - np.arange(count)
    starts = np.flatnonzero(np.concatenate([[True], groups[1:] != groups[:-1]]))
    bursts[groups[starts]] = np.maximum.reduceat(inside, starts)
    return bursts


def _rows_by_fingerprint(fingerprints: np.ndarray, wanted: list[int]) -> dict[int, np.ndarray]:
    """Return the table positions of each wanted fingerprint's sightings, in table order."""
    rows = np.flatnonzero(np.isin(fingerprints, np.array(wanted, dtype=fingerprints.dtype)))
    rows = rows[np.argsort(fingerprints[rows], kind="stable")]
    values = fingerprints[rows]
    starts = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    ends = np.append(starts[1:], len(rows))
    return {int(values[a]): rows[a:b] for a, b in zip(starts.tolist(), ends.tolist())}
