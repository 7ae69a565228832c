"""Clock offsets between captures taken on different machines, estimated from the frames they share.

A capture from a switch mirror port or the peer host has its own clock. For
each capture file, the differences between its timestamps and a reference
capture's timestamps of the same frames (same fingerprint) are collected,
every occurrence against every occurrence, so that ARP retries and echoes
add wrong pairs but no bias. The most common difference, to the nearest
``BUCKET`` seconds, is taken, and the offset is the median of the differences
near it. Offsets smaller than ``MIN_OFFSET`` are indistinguishable from the
time a frame takes to cross a host and are not applied.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

BUCKET = 0.001  # seconds
MIN_OFFSET = 0.001  # seconds
MIN_AGREEING_PAIRS = 3
# Fingerprints seen more often than this in one capture (storms, keepalives)
# are left out, because their many pairs would outweigh the rest.
MAX_OCCURRENCES = 8


def _pair_differences(times_a: pd.Series, times_b: pd.Series) -> np.ndarray:
    """Return every difference t_b - t_a between occurrences of the same fingerprint."""
    a = times_a.groupby(level=0).agg(list)
    b = times_b.groupby(level=0).agg(list)
    shared = a.index.intersection(b.index)
    chunks = []
    for fingerprint in shared:
        first, second = a[fingerprint], b[fingerprint]
        if len(first) > MAX_OCCURRENCES or len(second) > MAX_OCCURRENCES:
            continue
        chunks.append(np.subtract.outer(np.asarray(second), np.asarray(first)).ravel())
    return np.concatenate(chunks) if chunks else np.empty(0)


def estimate_offset(times_a: pd.Series, times_b: pd.Series) -> tuple[float | None, int]:
    """Estimate the seconds to add to capture B's times to align them with capture A.

    Both series are indexed by fingerprint and hold times in nanoseconds. Returns
    (offset, agreeing pairs), or (None, 0) when too few frames agree.
    """
    differences = _pair_differences(times_a, times_b) / 1e9
    if len(differences) < MIN_AGREEING_PAIRS:
        return None, 0
    buckets = np.round(differences / BUCKET).astype(np.int64)
    values, counts = np.unique(buckets, return_counts=True)
    # Neighbouring buckets belong to the same offset when it falls on a boundary.
    best = int(np.argmax(counts + np.roll(counts, 1) * (np.roll(values, 1) == values - 1)))
    near = differences[np.abs(buckets - values[best]) <= 1]
    if len(near) < MIN_AGREEING_PAIRS:
        return None, 0
    # Whole microseconds: captures rarely resolve more, and this keeps the
    # shifted times free of float noise.
    return -round(float(np.median(near)), 6), int(len(near))


def align_clocks(sightings: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float], list[str]]:
    """Estimate each capture file's clock offset and shift its times onto the reference clock.

    The reference is the file with the most frames. Returns the sightings with
    ``time_ns`` and ``time`` shifted where an offset was found, the offsets by
    file (0.0 where none was applied), and notes for the report.
    """
    offsets: dict[str, float] = {}
    notes: list[str] = []
    if sightings.empty:
        return sightings, offsets, notes
    files = sightings["file"].value_counts().index.tolist()
    reference = files[0]
    offsets[reference] = 0.0
    # Differences are taken in integer nanoseconds: float seconds since the
    # epoch resolve only about 0.2 microseconds.
    by_file = {f: sightings.loc[sightings["file"] == f].set_index("fingerprint")["time_ns"] for f in files}
    aligned = [reference]
    pending = files[1:]
    while pending:
        progress = False
        for name in list(pending):
            for anchor in aligned:
                offset, pairs = estimate_offset(by_file[anchor], by_file[name])
                if offset is None:
                    continue
                total = offsets[anchor] + offset
                offsets[name] = total if abs(total) >= MIN_OFFSET else 0.0
                if offsets[name]:
                    notes.append(f"{name}: clock offset {offsets[name]:+.6f} s against {reference}, "
                                 f"from {pairs} frame pairs; its times are shifted by that much")
                aligned.append(name)
                pending.remove(name)
                progress = True
                break
        if not progress:
            break
    for name in pending:
        offsets[name] = 0.0
    if any(offsets.values()):
        shift = sightings["file"].map(offsets).to_numpy()
        sightings = sightings.copy()
        sightings["time_ns"] = sightings["time_ns"] + np.round(shift * 1e9).astype(np.int64)
        sightings["time"] = sightings["time_ns"] / 1e9
        sightings = sightings.sort_values(["time_ns", "file", "frame"], kind="stable").reset_index(drop=True)
        sightings.index.name = "sighting"
    return sightings, offsets, notes
