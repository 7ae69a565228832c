"""fdb-offload-mismatch: a bridge's software (master) entry and a device's own (self) entry name different ports.

With switchdev offload, hardware forwards by the ``self`` entries while the
bridge forwards by its ``master`` entries. When they disagree for a unicast
MAC, hardware and software send the same frame to different ports.
"""

from __future__ import annotations

from ..addresses import is_group_mac, mac_str_to_int
from ..findings import Finding

CODE = "fdb-offload-mismatch"


def find(context) -> list[Finding]:
    topology = context.topology
    findings = []
    seen = set()
    for item in context.snapshots:
        table = item.table
        if table.empty or "self" not in table:
            continue
        for bridge in topology.bridges():
            ports = set(topology.ports(bridge))
            master = table[(table["master"] == bridge) & table["dev"].isin(ports)]
            own = table[table["self"].astype(bool) & table["dev"].isin(ports)]
            for mac, rows in own.groupby("mac", sort=False):
                if is_group_mac(mac_str_to_int(mac)):
                    continue
                software = set(master.loc[master["mac"] == mac, "dev"])
                hardware = set(rows["dev"])
                if not software or software & hardware or (bridge, mac) in seen:
                    continue
                seen.add((bridge, mac))
                findings.append(Finding(
                    code=CODE, severity="warning", bridge=bridge, mac=mac, port=sorted(hardware)[0],
                    summary=(f"{item.source}: {mac} is on {', '.join(sorted(software))} in {bridge}'s own "
                             f"FDB (master) but on {', '.join(sorted(hardware))} in the device FDB (self): "
                             f"offloaded and software forwarding disagree."),
                    recommendations=[f"Check which entry is stale: bridge fdb show | grep {mac}; delete the "
                                     f"wrong one (bridge fdb del {mac} dev PORT self, or master) and look "
                                     f"for a driver or switchdev notification problem."]))
    return findings
