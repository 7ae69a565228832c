"""broadcast-echo: the host's broadcast left by one member of a team or bond and came back in on another.

The switch floods a broadcast to every port but the one it came in on. When
the two members are not aggregated on the switch, one of those ports is the
host's other member. Echoes that an active-backup aggregate discards on its
backup member are harmless and reported by inactive-port-drop instead.
"""

from __future__ import annotations

from ..findings import Finding
from ..recommend import aggregate_fixes
from ._evidence import echo_pairs

CODE = "broadcast-echo"
MAX_PAIRS = 3


def find(context) -> list[Finding]:
    journeys = context.journeys
    if journeys.empty:
        return []
    echoes = journeys[journeys["echo_kind"] == "aggregate"]
    decisions = context.decisions
    if not decisions.empty:
        discarded = set(decisions.index[decisions["decision"] == "inactive-port-drop"])
        echoes = echoes[~echoes["journey"].isin(discarded)]
    findings = []
    for port, group in echoes.groupby("ingress_port", sort=False):
        items = echo_pairs(context, group, MAX_PAIRS)
        members = sorted(set(group["ingress_member"].dropna()) | set(group["echo_left_by"].dropna()))
        count = len(group)
        summary = (f"{count} frame{'s' if count != 1 else ''} that the host sent out on a member of "
                   f"{port} came back in on another member ({', '.join(members)}): the switch floods "
                   f"them back, so it does not treat these ports as one aggregate.")
        findings.append(Finding(code=CODE, severity="warning", summary=summary, bridge=group.iloc[0]["bridge"],
                                port=port, mac=group.iloc[0]["src_mac"], evidence=items,
                                recommendations=aggregate_fixes(context.topology, port, group.iloc[0]["bridge"])))
    return findings
