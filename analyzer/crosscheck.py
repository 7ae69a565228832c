"""Checks across findings: counterfactual replays, confidence, and links from causes to consequences.

For each drop finding the replay runs again with the fix applied, and the
finding states whether the lost frames would then have left by the port they
were meant for. Confidence is "confirmed" when a saved output taken from the
host agrees with what the captures show, "conflicting" when it disagrees, and
"inferred" when only the captures speak.
"""

from __future__ import annotations

import logging

from .journeys import LOCAL
from .replay import replay, snapshots_by_role
from .topology import Topology

log = logging.getLogger(__name__)

# Findings that are consequences of a drop at the ingress port, not causes.
CONSEQUENCES = {
    "fdb-ingress-port-drop": ("broadcast-echo", "frame-reflected", "fdb-mac-move"),
    "hairpin-drop": ("fdb-mac-move",),
    "duplicate-mac": ("fdb-mac-move",),
    "broadcast-storm": ("frame-reflected", "fdb-mac-move", "reply-not-received"),
    "lacp-not-aggregated": ("broadcast-echo",),
}


def _dropped_journeys(context, finding) -> list[int]:
    decisions = context.decisions
    if decisions.empty:
        return []
    wanted = {"fdb-ingress-port-drop": "drop-ingress-port", "hairpin-drop": "drop-ingress-port"}[finding.code]
    rows = decisions[(decisions["decision"] == wanted) & (decisions["bridge"] == finding.bridge)
                     & (decisions["ingress_port"] == finding.port)]
    journeys = context.journeys.loc[rows["journey"]]
    return [int(j) for j in journeys.loc[(journeys["dst_mac"] == finding.mac) & (journeys["echo_of"] < 0),
                                         "journey"]]


def _replay_with(context, settings: dict, without_echoes: bool = False):
    topology = Topology(graph=context.topology.graph.copy(), warnings=[])
    for name, values in settings.items():
        topology.graph.nodes[name].update(values)
    journeys = context.journeys
    if without_echoes:
        journeys = journeys[journeys["echo_of"] < 0]
    return replay(journeys, context.sightings, topology, context.outputs).decisions


def _outcome(decisions, journeys: list[int], target: str | None) -> tuple[int, int]:
    """Count the journeys the replay now sends toward the target port, out of those given."""
    reached = 0
    for journey in journeys:
        if journey not in decisions.index:
            continue
        row = decisions.loc[journey]
        if row["decision"] == "flood" or (row["decision"] == "forward" and (target is None or row["out_port"] == target)):
            reached += 1
    return reached, len(journeys)


def _counterfactual(context, finding) -> str | None:
    journeys = _dropped_journeys(context, finding)
    if not journeys:
        return None
    target = finding.explanation.removeprefix("should have left by ") if finding.explanation else None
    where = f" to {target}" if target else ""
    parts = []
    if finding.code == "hairpin-drop":
        # Flooding never sends a frame back out of its ingress port, so only hairpin helps here.
        decisions = _replay_with(context, {finding.port: {"hairpin": True}})
        reached, total = _outcome(decisions, journeys, finding.port)
        return (f"Replayed with the fix: with hairpin on for {finding.port}, {reached} of the {total} "
                f"dropped frames would have been sent back out of it.")
    aggregate = context.topology.kind(finding.port) in ("team", "bond")
    how = "as with a static aggregate on the switch" if aggregate else "as if nothing outside reflected them"
    echoes_only = _replay_with(context, {}, without_echoes=True)
    reached, total = _outcome(echoes_only, journeys, target)
    parts.append(f"without the frames that came back in ({how}), {reached} of the {total} dropped frames "
                 f"would have been forwarded{where}")
    flooding = _replay_with(context, {finding.bridge: {"ageing_time": 0.0}})
    reached, total = _outcome(flooding, journeys, None)
    parts.append(f"with ageing_time 0 on {finding.bridge}, {reached} of the {total} would have been flooded"
                 + (f", reaching {target}" if target else ""))
    return "Replayed with the fix: " + "; ".join(parts) + "."


def _confidence(context, finding) -> str:
    """Compare a finding about a MAC on a port with the FDB saved after the captures."""
    if finding.code not in ("fdb-ingress-port-drop", "hairpin-drop", "fdb-mac-move") or not finding.mac:
        return finding.confidence
    _, final = snapshots_by_role(context.outputs)
    ports = set()
    for item in final:
        table = item.table
        if table.empty or "mac" not in table:
            continue
        rows = table[(table["mac"] == finding.mac) & (table["master"] == finding.bridge)]
        ports |= set(rows["dev"].dropna())
    if not ports:
        return "inferred"
    expected = finding.port if finding.code != "fdb-mac-move" else None
    if expected is None or expected in ports:
        return "confirmed"
    return "conflicting"


# Kernel and teamd log events that support a finding, by finding code.
LOG_EVENTS = {
    "broadcast-echo": ("own-address",),
    "frame-reflected": ("own-address",),
    "fdb-ingress-port-drop": ("own-address",),
    "inactive-port-drop": ("active-change", "link-down", "link-up"),
    "lacp-not-aggregated": ("link-down", "link-up"),
    "stp-bpdu-toward-switch": ("port-state",),
}
MAX_LOG_LINES = 5


def _log_lines(context, finding) -> list[str]:
    """Return the log lines about the finding's port or bridge, for the events that support it."""
    events = LOG_EVENTS.get(finding.code)
    if not events:
        return []
    names = {finding.port, finding.bridge, finding.lost_at} - {None}
    names |= set(context.topology.members(finding.port)) if finding.port in context.topology.graph else set()
    lines = []
    for item in context.outputs:
        if item.kind not in ("kernel_log", "teamd_log") or item.table.empty or "event" not in item.table:
            continue
        table = item.table
        devices = table["device"] if "device" in table else None
        ports = table["port"] if "port" in table else None
        mask = table["event"].isin(events)
        if devices is not None and ports is not None:
            mask &= devices.isin(names) | ports.isin(names)
        for row in table[mask].head(MAX_LOG_LINES - len(lines)).itertuples(index=False):
            lines.append(f"{item.source}:{row.line}: {row.message}")
        if len(lines) >= MAX_LOG_LINES:
            break
    return lines


def cross_check(context, findings: list) -> None:
    """Add counterfactuals, confidence, related codes and log lines to the findings in place."""
    codes = {f.code for f in findings}
    for finding in findings:
        finding.related = [c for c in CONSEQUENCES.get(finding.code, ()) if c in codes]
        finding.log_evidence = _log_lines(context, finding)
        try:
            finding.confidence = _confidence(context, finding)
            if finding.code in ("fdb-ingress-port-drop", "hairpin-drop") and finding.port not in (None, LOCAL):
                finding.counterfactual = _counterfactual(context, finding)
        except (KeyError, ValueError) as error:  # a missing node or column must not hide the finding
            log.warning("cross-check of %s failed: %s", finding.code, error)
        if finding.confidence == "conflicting":
            finding.summary += (" A saved FDB disagrees: it has the MAC on another port "
                                "(see the replay notes).")
