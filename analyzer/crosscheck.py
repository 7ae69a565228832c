"""Checks across findings: counterfactual replays, confidence, and links from causes to consequences.

For each drop finding the replay runs again with the fix applied, and the
finding states whether the lost frames would then have left by the port they
were meant for. Confidence is "confirmed" when a saved output taken from the
host agrees with what the captures show, "conflicting" when it disagrees, and
"inferred" when only the captures speak. Kernel and teamd log lines that
support a finding are cited with their time on the capture clock (see
``analyzer.logclock``), and only near the finding's frames when both times
are known.
"""

from __future__ import annotations

import bisect
import logging

import numpy as np

from .journeys import LOCAL
from .logclock import LogClock
from .logclock import estimate as estimate_clock
from .replay import replay, snapshots_by_role
from .topology import DEFAULT_AGEING_TIME, Topology

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


def _replay_with(context, settings: dict, without_echoes: bool = False, journeys=None, sightings=None):
    if journeys is not None or sightings is not None:
        return _run_replay(context, settings, without_echoes, journeys, sightings)
    key = (repr(sorted((name, sorted(values.items())) for name, values in settings.items())), without_echoes)
    if key not in context.replays:
        context.replays[key] = _run_replay(context, settings, without_echoes, None, None)
    return context.replays[key]


def _run_replay(context, settings: dict, without_echoes: bool, journeys, sightings):
    topology = Topology(graph=context.topology.graph.copy(), warnings=[])
    for name, values in settings.items():
        topology.graph.nodes[name].update(values)
    journeys = context.journeys if journeys is None else journeys
    if without_echoes:
        journeys = journeys[journeys["echo_of"] < 0]
    sightings = context.sightings if sightings is None else sightings
    return replay(journeys, sightings, topology, context.outputs).decisions


def _first_member(topology: Topology, aggregate: str) -> str | None:
    """Return the aggregate's current active port when a dump names it, else its member with the lowest ifindex."""
    members = topology.members(aggregate)
    active = topology.graph.nodes[aggregate].get("active_port")
    if active in members:
        return active
    if not members:
        return None
    return min(members, key=lambda m: (topology.graph.nodes[m].get("ifindex") or 1 << 31, m))


def _activebackup_replay(context, aggregate: str, active: str):
    """Replay as if the team or bond ran activebackup (active-backup) with ``active`` as its active port.

    The replay's own runner model discards group frames that arrive on the
    other members. Two changes on the switch's side are applied to the
    journeys first. The host sends every frame, broadcasts included, by the
    active port only, so the switch's flooded copy comes back on a backup
    member, where the runner discards it: the echoes are gone. And the switch
    learns the host's MACs on the active port, so unicast frames to them
    arrive there. A capture of the aggregate device shows what the real
    runner passed, so it is not used as evidence here.
    """
    topology = context.topology
    if topology.kind(aggregate) == "team":
        settings = {"runner": "activebackup", "bond_mode": None}
    else:
        settings = {"bond_mode": "active-backup", "runner": None}
    settings.update(active_port=active, active_port_before=None)
    journeys = context.journeys
    into = journeys["ingress_port"] == aggregate
    echoes = into & (journeys["echo_of"] >= 0) & (journeys["echo_kind"] == "aggregate")
    journeys = journeys[~echoes]
    into = journeys["ingress_port"] == aggregate
    destination = journeys["eth_dst"].to_numpy().astype(np.int64)
    unicast = (destination >= 0) & (((destination >> 40) & 1) == 0)  # the I/G bit, as is_group_mac tests it
    moved = into & unicast & journeys["ingress_member"].notna() & (journeys["ingress_member"] != active)
    if moved.any():
        journeys = journeys.copy()
        journeys.loc[moved, "ingress_member"] = active
    sightings = context.sightings
    if (sightings["point"] == aggregate).any():
        sightings = sightings.assign(point=sightings["point"].where(sightings["point"] != aggregate,
                                                                    "(not used)"))
    decisions = _replay_with(context, {aggregate: settings}, journeys=journeys, sightings=sightings)
    return decisions, int(echoes.sum()), int(moved.sum())


def _outcome(decisions, journeys: list[int], target: str | None) -> tuple[int, int]:
    """Count the journeys the replay now sends toward the target port, out of those given."""
    rows = decisions.reindex(journeys)  # a journey the replay did not decide gets NaN and is not counted
    forwarded = rows["decision"] == "forward"
    if target is not None:
        forwarded &= rows["out_port"] == target
    reached = (rows["decision"] == "flood") | forwarded
    return int(reached.sum()), len(journeys)


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
    active = _first_member(context.topology, finding.port) if aggregate else None
    if active:
        decisions, echoes, moved = _activebackup_replay(context, finding.port, active)
        reached, total = _outcome(decisions, journeys, target)
        runner = "runner activebackup" if context.topology.kind(finding.port) == "team" else "mode active-backup"
        parts.append(f"with {finding.port} in {runner} and {active} active ({echoes} echo(es) gone, "
                     f"{moved} unicast frame(s) taken as arriving on {active}, where the switch would "
                     f"have learned the host's MACs), {reached} of the {total} would have reached "
                     + (target or "their destination"))
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
# Seconds before the first and after the last evidence frame within which a log line is cited. The
# bridge logs an own-address frame as it arrives. A link or active-port change can precede the
# frames it strands by up to the bridge's ageing time.
LOG_WINDOWS = {"own-address": (2.0, 2.0)}
STATE_CHANGE_WINDOW = (DEFAULT_AGEING_TIME, 2.0)


def _log_lines(context, finding, clock: LogClock) -> list[tuple[str, float | None]]:
    """Return the log lines that support the finding, each with its time on the capture clock.

    Lines must name the finding's port, bridge or a member. When the times of
    the frames and of the lines are known, only lines within the event's
    window around the evidence frames are cited, so that a busy log does not
    cite unrelated lines. Otherwise the names alone decide.
    """
    events = LOG_EVENTS.get(finding.code)
    if not events:
        return []
    names = {finding.port, finding.bridge, finding.lost_at} - {None}
    names |= set(context.topology.members(finding.port)) if finding.port in context.topology.graph else set()
    frame_times = [e.time for e in finding.evidence]
    candidates = []  # (FILE:LINE: message, time on the capture clock, event)
    seen: dict[str, dict[str, list[float]]] = {}  # message -> source -> sorted capture times of candidates
    for item in context.outputs:
        if item.kind not in ("kernel_log", "teamd_log") or item.table.empty or "event" not in item.table:
            continue
        table = item.table
        devices = table["device"] if "device" in table else None
        ports = table["port"] if "port" in table else None
        mask = table["event"].isin(events)
        if devices is not None and ports is not None:
            mask &= devices.isin(names) | ports.isin(names)
        kinds = table["time_kind"] if "time_kind" in table else None
        for row in table[mask].itertuples(index=False):
            time = clock.capture_time(row.time, kinds is not None and row.time_kind) if "time" in table else None
            copies = seen.setdefault(row.message, {})
            if _in_other_copy(copies, item.source, time, clock):
                continue  # the same line in a second copy of the log (dmesg and dmesg -T)
            if time is not None:
                bisect.insort(copies.setdefault(item.source, []), time)
            candidates.append((f"{item.source}:{row.line}: {row.message}", time, row.event))
    if frame_times and any(candidate[1] is not None for candidate in candidates):
        first, last = min(frame_times), max(frame_times)
        margin = clock.error or 0.0
        cited = []
        for text, time, event in candidates:
            before, after = LOG_WINDOWS.get(event, STATE_CHANGE_WINDOW)
            if time is not None and first - before - margin <= time <= last + after + margin:
                cited.append((text, time))
        return cited[:MAX_LOG_LINES]
    return [(text, time) for text, time, _ in candidates[:MAX_LOG_LINES]]


def _in_other_copy(copies: dict[str, list[float]], source: str, time: float | None, clock: LogClock) -> bool:
    """Tell whether another copy of the log (another source) has this message at the same time."""
    if time is None:
        return False
    # A second copy's stamp can differ by its resolution (whole seconds for dmesg -T) and the clock's error.
    tolerance = 1.0 + (clock.error or 0.0)
    for other_source, times in copies.items():
        if other_source == source:
            continue
        index = bisect.bisect_left(times, time - tolerance)
        if index < len(times) and times[index] <= time + tolerance:
            return True
    return False


def cross_check(context, findings: list) -> None:
    """Add counterfactuals, confidence, related codes and log lines to the findings in place."""
    codes = {f.code for f in findings}
    try:
        clock = estimate_clock(context.outputs, context.sightings, context.topology)
    except (KeyError, ValueError, TypeError) as error:  # an odd log must not hide the findings
        log.warning("placing the kernel log on the capture clock failed: %s", error)
        clock = LogClock(method="unknown", detail=f"placing the log failed: {error}")
    context.log_clock = clock
    for finding in findings:
        finding.related = [c for c in CONSEQUENCES.get(finding.code, ()) if c in codes]
        lines = _log_lines(context, finding, clock)
        finding.log_evidence = [text for text, _ in lines]
        finding.log_times = [time for _, time in lines]
        try:
            finding.confidence = _confidence(context, finding)
            if finding.code in ("fdb-ingress-port-drop", "hairpin-drop") and finding.port not in (None, LOCAL):
                finding.counterfactual = _counterfactual(context, finding)
        except (KeyError, ValueError) as error:  # a missing node or column must not hide the finding
            log.warning("cross-check of %s failed: %s", finding.code, error)
        if finding.confidence == "conflicting":
            finding.summary += (" A saved FDB disagrees: it has the MAC on another port "
                                "(see the replay notes).")
