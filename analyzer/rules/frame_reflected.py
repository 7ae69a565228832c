"""frame-reflected: the host's frames came back in on the same single uplink they left by.

Unlike broadcast-echo, no second member is involved: something outside (a
loop, a reflecting NIC or vSwitch) sends the frame straight back.
"""

from __future__ import annotations

from ..findings import Finding
from ..recommend import reflection_fixes
from ._evidence import echo_pairs

CODE = "frame-reflected"
MAX_PAIRS = 3


def find(context) -> list[Finding]:
    journeys = context.journeys
    if journeys.empty:
        return []
    reflected = journeys[journeys["echo_kind"] == "reflected"]
    findings = []
    for port, group in reflected.groupby("ingress_port", sort=False):
        items = echo_pairs(context, group, MAX_PAIRS)
        count = len(group)
        bridge = group.iloc[0]["bridge"]
        macs = sorted(set(group["src_mac"].dropna()))
        summary = (f"{count} frame{'s' if count != 1 else ''} that the host sent out on {port} came "
                   f"back in on {port} itself (source {', '.join(macs[:3])}): something outside "
                   f"reflects them, and {bridge} learns those MACs on {port}.")
        findings.append(Finding(code=CODE, severity="warning", summary=summary, bridge=bridge, port=port,
                                mac=macs[0] if macs else None, evidence=items,
                                recommendations=reflection_fixes(port, bridge)))
    return findings
