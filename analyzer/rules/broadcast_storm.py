"""broadcast-storm: the same frame was seen many times at one capture point (a forwarding loop).

A broadcast that circulates in a loop comes back again and again with the
same bytes. Repeats of one frame at one capture point within ``WINDOW``
seconds beyond ``THRESHOLD`` are a storm; ARP retries are a second apart and
do not reach it.
"""

from __future__ import annotations

import numpy as np

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
    findings = []
    counts = sightings.groupby(["fingerprint", "point"], sort=False).size()
    for (fingerprint, point), count in counts[counts >= THRESHOLD].items():
        rows = sightings[(sightings["fingerprint"] == fingerprint) & (sightings["point"] == point)]
        times = rows["time"].to_numpy()
        # The largest number of repeats inside any window of WINDOW seconds.
        ends = np.searchsorted(times, times + WINDOW, side="right")
        burst = int((ends - np.arange(len(times))).max())
        if burst < THRESHOLD:
            continue
        first = rows.iloc[0]
        span = times[-1] - times[0]
        items = [evidence(row, "the same frame again") for _, row in rows.head(3).iterrows()]
        findings.append(Finding(
            code=CODE, severity="error", port=point, mac=mac_int_to_str(first["eth_src"]), evidence=items,
            bridge=context.topology.place(point)[0],
            summary=(f"The same frame from {mac_int_to_str(first['eth_src'])} was seen {count} times on {point} in "
                     f"{span:.3f} s (up to {burst} within {WINDOW:g} s): a forwarding loop keeps it "
                     f"circulating."),
            recommendations=["Find the loop: a second link between the same switches, a bridge on the host "
                             "joining two uplinks, or a cable between two ports; enable STP (on the host "
                             "bridge: ip link set dev BRIDGE type bridge stp_state 1) or remove the extra "
                             "link."]))
    return findings

