"""hairpin-drop: frames had to leave a bridge by the port they came in by, and that port has hairpin off.

The destination was learned behind the ingress port from its own frames (no
echo), so it really is there: two guests behind one port, as with macvlan in
VEPA mode or a reflective relay. The bridge sends such frames back only with
``hairpin on`` on the port.
"""

from __future__ import annotations

from shlex import quote as sh

from ..findings import Finding
from ._evidence import MAX_EVIDENCE_FRAMES, evidence, ingress_sighting
from .fdb_ingress_port_drop import confirmed_drops, learned_legitimately_mask

CODE = "hairpin-drop"


def find(context) -> list[Finding]:
    confirmed = confirmed_drops(context)
    if confirmed.empty:
        return []
    legitimate = confirmed[learned_legitimately_mask(context, confirmed["journey"].to_numpy())]
    findings = []
    for (bridge, port, mac), group in legitimate.groupby(["bridge", "ingress_port", "dst_mac"], sort=False):
        cause = context.sighting(int(context.decisions.loc[group.iloc[0]["journey"], "fdb_cause_sighting"]))
        items = [evidence(cause, f"{mac} sends this frame into {bridge} by {port}, so {bridge} learns it "
                                 f"behind {port}")]
        items += [evidence(ingress_sighting(context, j), f"frame from {j['src_mac']} to {mac} enters by "
                           f"{port}; {bridge} would have to send it back out of {port} and drops it")
                  for _, j in group.head(MAX_EVIDENCE_FRAMES).iterrows()]
        sources = sorted(set(group["src_mac"].dropna()))
        count = len(group)
        summary = (f"{bridge} dropped {count} frame{'s' if count != 1 else ''} from "
                   f"{', '.join(sources[:3])} to {mac}: both are behind {port}, so the frames had to "
                   f"go back out of the port they came in by, and {port} has hairpin off.")
        findings.append(Finding(
            code=CODE, severity="error", summary=summary, lost_at=bridge, bridge=bridge, port=port, mac=mac,
            evidence=items, recommendations=[
                f"Turn hairpin mode on for {port}, which VEPA and reflective relay need: "
                f"bridge link set dev {sh(port)} hairpin on",
                f"Or, if the two hosts should talk directly, put them on a device that switches "
                f"locally (macvlan mode bridge instead of vepa).",
            ]))
    return findings
