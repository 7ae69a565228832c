"""aggregate-mode-mismatch: a team or bond runs another runner or mode than its configuration names.

The configuration (NetworkManager keyfile, ``nmcli connection show`` output,
ifcfg file) records what the administrator intended, while teamdctl,
/proc/net/bonding and ``ip -d link`` show what runs. A profile changed but never reapplied, or a
second tool that set the device up, leaves them apart.
"""

from __future__ import annotations

from shlex import quote as sh

from ..findings import Finding
from ..recommend import switch_needs

CODE = "aggregate-mode-mismatch"
CONNECTION_KINDS = ("nm_keyfile", "nmcli_connection", "ifcfg")

# The same runner or mode under the names the tools use.
SAME_MODE = {"active-backup": "activebackup", "balance-rr": "roundrobin", "802.3ad": "lacp"}


def _normal(mode: str | None) -> str | None:
    if mode is None:
        return None
    mode = str(mode).strip().lower()
    return SAME_MODE.get(mode, mode)


def find(context) -> list[Finding]:
    topology = context.topology
    findings = []
    for item in context.outputs:
        if item.kind not in CONNECTION_KINDS or item.table.empty:
            continue
        for row in item.table.to_dict("records"):
            device, intended = row.get("device") or row.get("name"), row.get("mode")
            if not device or not intended or device not in topology.graph:
                continue
            node = topology.graph.nodes[device]
            running = node.get("runner") or node.get("bond_mode")
            if not running or _normal(running) == _normal(intended):
                continue
            how = "runner" if node.get("kind") == "team" else "mode"
            summary = (f"{device} runs {how} {running}, but {item.source} configures {how} {intended}: "
                       f"the running device does not follow its configuration.")
            running_needs, intended_needs = switch_needs(_normal(running)), switch_needs(_normal(intended))
            if running_needs and intended_needs and running_needs != intended_needs:
                summary += (f" {running} needs {running_needs}, {intended} needs {intended_needs}: check "
                            f"which one the switch ports are set up for.")
            findings.append(Finding(
                code=CODE, severity="warning", port=device, bridge=node.get("master"),
                summary=summary,
                recommendations=[
                    f"Reapply the configuration: nmcli connection up {sh(row.get('name') or device)} (or ifdown "
                    f"{device}; ifup {device} for ifcfg), then check: "
                    + (f"teamdctl {sh(device)} state dump" if how == "runner" else f"cat {sh('/proc/net/bonding/' + device)}"),
                    f"If {running} is what you want, change the configuration instead, so that a reboot does "
                    f"not switch {device} to {intended}.",
                ]))
    return findings
