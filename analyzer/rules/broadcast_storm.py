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
    counts = sightings.groupby(["fingerprint", "point"], sort=False).size()
    stormy: dict[int, list[tuple[str, int, int]]] = {}
    for (fingerprint, point), count in counts[counts >= THRESHOLD].items():
        times = sightings.loc[(sightings["fingerprint"] == fingerprint) & (sightings["point"] == point),
                              "time"].to_numpy()
        # The largest number of repeats inside any window of WINDOW seconds.
        ends = np.searchsorted(times, times + WINDOW, side="right")
        burst = int((ends - np.arange(len(times))).max())
        if burst >= THRESHOLD:
            stormy.setdefault(fingerprint, []).append((point, int(count), burst))
    findings = []
    for fingerprint, places in stormy.items():
        rows = sightings[sightings["fingerprint"] == fingerprint]
        first = rows.iloc[0]
        mac = mac_int_to_str(first["eth_src"])
        places.sort(key=lambda p: -p[1])
        where = ", ".join(f"{count} times on {point} (up to {burst} within {WINDOW:g} s)"
                          for point, count, burst in places)
        span = rows["time"].iloc[-1] - rows["time"].iloc[0]
        main_point = places[0][0]
        items = [evidence(row, "the same frame again")
                 for _, row in rows[rows["point"] == main_point].head(3).iterrows()]
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
