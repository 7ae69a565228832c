"""Saved FDB snapshots on the case's timeline, checked against the replay at the moment each was taken.

A ``bridge fdb show`` read from a sos 4.x sosreport carries
``meta["collected_at"]``, the time sos started the command. With ``-s`` each
entry also gives ``used U/V``: seconds since the entry was last used and last
updated, which date those two events (``used_at``, ``updated_at``).

``place_snapshots`` puts each dated snapshot before, during or after the
captured span and stores that as ``meta["snapshot_role"]``, which
``replay.snapshots_by_role`` uses instead of the file name. A snapshot from
before the first frame is the replay's initial state. A snapshot from after
the last frame is compared with the replay's final state. One taken while the
captures ran is compared with the replay at that moment.
``check_snapshots`` makes that comparison, entry by entry, for every dated
snapshot taken during or after the captures.

The comparison assumes that the host that ran ``bridge`` and the captures
share one clock, as they do when tcpdump ran on that host. Captures from
another machine are first aligned to the largest capture by
``analyzer.clocks``, which cannot align the host clock itself. Where a
snapshot has update ages (``-s``), ``estimate_clock_offset`` bounds the
difference between the two clocks, and the notes give it.
"""

from __future__ import annotations

import logging
import math

import pandas as pd

from .addresses import mac_str_to_int
from .parsers import Parsed
from .replay import is_learned
from .report.common import moment
from .tables import nullable_int

log = logging.getLogger(__name__)

FDB_KINDS = ("bridge_fdb", "bridge_fdb_json")

# Seconds by which two times may differ and still count as one moment. iproute2
# prints "used" and "updated" in whole seconds, rounded down, so an entry's
# update time is known to within 1 s. sos takes start_time just before it runs
# the command, and the kernel dumps the FDB some milliseconds later. The
# remaining second covers small differences between the clock of the host and
# that of captures taken on another machine and aligned by analyzer.clocks.
CLOCK_TOLERANCE = 2.0

# Seconds from sos's start_time to the kernel's FDB dump, an estimate: sos
# starts ``bridge`` right after taking the time, and the dump takes milliseconds.
COMMAND_DELAY = 0.5

BEFORE, DURING, AFTER, DISTANT = "before", "during", "after", "distant"

# Seconds from the captured span beyond which a snapshot no longer describes the bridge during it:
# Linux's default bridge ageing time, after which a dynamic entry that no frame refreshed is gone.
SNAPSHOT_REACH = 300.0

TIME_COLUMNS = ("collected_at", "used_at", "updated_at")
CHECK_COLUMNS = ["source", "host", "role", "collected_at", "bridge", "mac", "vlan", "snapshot_port",
                 "used_at", "updated_at", "replay_port", "result", "reason"]


def snapshot_times(item: Parsed) -> pd.DataFrame:
    """Return a saved FDB's table with ``used_at`` and ``updated_at`` (epoch seconds, NaN when unknown) added."""
    table = item.table.copy()
    collected = item.meta.get("collected_at")
    for column, age in (("used_at", "used"), ("updated_at", "updated")):
        if collected is None or age not in table:
            table[column] = math.nan
        else:
            table[column] = collected - pd.to_numeric(table[age], errors="coerce").astype(float)
    return table


def place_snapshots(outputs: list[Parsed], first_time: float | None, last_time: float | None) -> list[str]:
    """Set ``meta["snapshot_role"]`` of each dated FDB snapshot from its time against the captured span.

    Returns one note per dated snapshot. A snapshot within CLOCK_TOLERANCE of
    either end of the span counts as taken during the captures, because the
    clocks cannot order them.
    """
    notes = []
    for item in outputs:
        collected = item.meta.get("collected_at")
        if item.kind not in FDB_KINDS or collected is None:
            continue
        if first_time is None or last_time is None:
            notes.append(f"{item.source}: collected {moment(collected)}, but the captures hold no frame, "
                         f"so its place on the timeline is unknown; the file name decides its role")
            continue
        if collected + SNAPSHOT_REACH < first_time or collected - SNAPSHOT_REACH > last_time:
            role = DISTANT
            gap = first_time - collected if collected < first_time else collected - last_time
            where = (f"{gap:.0f} s {'before the first' if collected < first_time else 'after the last'} frame, "
                     f"more than {SNAPSHOT_REACH:.0f} s away: the bridge may have forgotten or relearned its "
                     f"entries since, so it is neither the replay's start nor compared with it")
        elif collected + CLOCK_TOLERANCE < first_time:
            role = BEFORE
            where = f"{first_time - collected:.1f} s before the first frame: the replay starts from it"
        elif collected - CLOCK_TOLERANCE > last_time:
            role = AFTER
            where = f"{collected - last_time:.1f} s after the last frame: checked against the replay's end"
        else:
            role = DURING
            where = (f"{collected - first_time:.1f} s after the first frame, while the captures ran: "
                     f"checked against the replay at that moment")
        item.meta["snapshot_role"] = role
        notes.append(f"{item.source}: collected {moment(collected)}{_host(item)}, {where}")
    return notes


def check_snapshots(outputs: list[Parsed], events: pd.DataFrame, final_state: dict,
                    journeys: pd.DataFrame | None = None,
                    decisions: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Compare each dynamic entry of the dated snapshots taken during or after the captures with the replay then.

    ``events`` is the replay's ``fdb_events`` table and ``final_state`` its
    ``final_state`` (bridge -> {(mac, vlan): Entry}), which contains the entries
    that no frame changed, such as those seeded from an earlier snapshot.
    With the replay's ``journeys`` and ``decisions``, the update ages of the
    agreeing entries also bound the clock difference (``estimate_clock_offset``).
    Returns the table of checks (CHECK_COLUMNS) and the notes for the report.
    """
    rows: list[dict] = []
    notes: list[str] = []
    for item in outputs:
        role = item.meta.get("snapshot_role")
        if item.kind not in FDB_KINDS or role not in (DURING, AFTER) or item.table.empty:
            continue
        table = snapshot_times(item)
        counts = {"agrees": 0, "disagrees": 0, "unknown": 0}
        for _, entry in table.iterrows():
            if not (is_learned(entry) and entry.get("master") and entry.get("dev")):
                continue
            row = _check_entry(item, role, entry, events, final_state)
            rows.append(row)
            counts[row["result"]] += 1
            if row["result"] == "disagrees":
                notes.append(f"{item.source}: {row['mac']} is on {row['snapshot_port']} in the saved FDB at "
                             f"{moment(row['collected_at'])}, but the replay has it on {row['replay_port']} then")
        if sum(counts.values()):
            notes.append(f"{item.source}: at {moment(item.meta['collected_at'])}, {counts['agrees']} learned "
                         f"entries agree with the replay, {counts['disagrees']} disagree and {counts['unknown']} "
                         f"cannot be compared (the comparison assumes the host and the captures share one clock, "
                         f"within {CLOCK_TOLERANCE:g} s)")
        snapshot_rows = pd.DataFrame([r for r in rows if r["source"] == item.source], columns=CHECK_COLUMNS)
        if journeys is not None and decisions is not None:
            estimate = estimate_clock_offset(snapshot_rows, journeys, decisions)
            if estimate is not None:
                notes.append(_offset_note(item.source, *estimate))
    checks = typed_checks(pd.DataFrame(rows, columns=CHECK_COLUMNS))
    log.debug("checked %d saved FDB entries against the replay", len(checks))
    return checks, notes


def typed_checks(checks: pd.DataFrame) -> pd.DataFrame:
    """Give the checks table the column types of docs/tables.md, also when it has no rows."""
    for column in TIME_COLUMNS:
        checks[column] = checks[column].astype("float64")
    nullable_int(checks, ["vlan"])
    for column in set(CHECK_COLUMNS) - set(TIME_COLUMNS) - {"vlan"}:
        checks[column] = checks[column].astype(object)
    return checks


def estimate_clock_offset(checks: pd.DataFrame, journeys: pd.DataFrame,
                          decisions: pd.DataFrame) -> tuple[float, float, int] | None:
    """Bound the host clock minus the capture clock from the update ages of agreeing snapshot entries.

    An entry's ``updated_at`` is the host's time of the last frame that
    refreshed it, known to within the 1 s that iproute2 rounds off, plus up to
    COMMAND_DELAY. The replay gives the capture time of the last captured frame
    from that MAC that the bridge learned on that port before the collection
    time. That time is read on the capture clock. So a host clock that runs
    behind the captures by more than the gap between such frames is not
    bounded. Each entry bounds the
    offset to an interval, and the intersection over the entries is returned as
    (low, high, entries), or None without entries or when the intervals do not
    overlap. The bound is wrong when a frame that the captures missed refreshed
    an entry later, for example one that entered the bridge by a port no
    capture covered.
    """
    usable = checks[(checks["result"] == "agrees") & checks["updated_at"].notna()]
    if usable.empty or journeys.empty or decisions.empty:
        return None
    learned = decisions.reset_index(drop=True)
    learned = learned[learned["learned"].fillna(False).astype(bool)]
    learned = learned.merge(journeys.reset_index(drop=True)[["journey", "src_mac", "first_time"]], on="journey")
    low, high, entries = -math.inf, math.inf, 0
    for _, check in usable.iterrows():
        frames = learned[(learned["bridge"] == check["bridge"]) & (learned["ingress_port"] == check["snapshot_port"])
                         & (learned["src_mac"] == check["mac"])
                         & (learned["first_time"] <= check["collected_at"])]
        if frames.empty:
            continue
        last_frame = float(frames["first_time"].max())
        low = max(low, check["updated_at"] - 1.0 - last_frame)
        high = min(high, check["updated_at"] + COMMAND_DELAY - last_frame)
        entries += 1
    if not entries or low > high:
        return None
    return low, high, entries


def _offset_note(source: str, low: float, high: float, entries: int) -> str:
    """Say what the update ages of a snapshot tell about the host clock against the capture clock."""
    span = f"between {low:+.1f} and {high:+.1f} s"
    text = (f"{source}: the update ages of {entries} learned entries put the host clock {span} from the "
            f"capture clock, if the captures saw the last frame that refreshed each entry")
    if low > CLOCK_TOLERANCE or high < -CLOCK_TOLERANCE:
        text += (f"; that is more than the {CLOCK_TOLERANCE:g} s the comparison tolerates, so its "
                 f"agreements and disagreements may be wrong")
    return text


def _check_entry(item: Parsed, role: str, entry, events: pd.DataFrame, final_state: dict) -> dict:
    """Compare one learned entry with the ports the replay gives its MAC around the collection time."""
    collected = float(item.meta["collected_at"])
    bridge, mac, dev = entry.get("master"), entry["mac"], entry.get("dev")
    vlan = entry.get("vlan")
    vlan = None if vlan is None or pd.isna(vlan) else int(vlan)
    row = {"source": item.source, "host": item.meta.get("host"), "role": role, "collected_at": collected,
           "bridge": bridge, "mac": mac, "vlan": vlan, "snapshot_port": dev,
           "used_at": _number(entry.get("used_at")), "updated_at": _number(entry.get("updated_at")),
           "replay_port": None, "result": "unknown", "reason": None}

    history = _history(events, bridge, mac, vlan)
    at_moment, nearby = _ports_around(history, collected)
    if not len(history):
        unchanged_port = _unchanged_port(final_state, bridge, mac)
        if unchanged_port is None:
            row["reason"] = "no captured frame from this MAC entered the bridge"
            return row
        at_moment, nearby = unchanged_port, {unchanged_port}

    if at_moment is None and not nearby:
        row["reason"] = "the replay learns this MAC only after the snapshot was taken"
        return row
    row["replay_port"] = at_moment
    if dev in nearby:
        row["result"] = "agrees"
        if at_moment != dev:
            row["reason"] = (f"the replay moves the MAC within {CLOCK_TOLERANCE:g} s of the collection time, "
                             f"and the saved port is one it has then")
    else:
        row["result"] = "disagrees"
        row["reason"] = f"the replay has the MAC on {', '.join(sorted(p for p in nearby if p))} then"
    return row


def _history(events: pd.DataFrame, bridge: str | None, mac: str, vlan: int | None) -> pd.DataFrame:
    """Return the replay's changes of one MAC's entry on one bridge, in time order.

    The VLAN is compared only where both sides have one, since the replay
    keys a bridge without VLAN filtering by MAC alone.
    """
    if events.empty or bridge is None:
        return events.iloc[0:0]
    rows = events[(events["bridge"] == bridge) & (events["mac"] == mac)]
    if vlan is not None and len(rows):
        replay_vlan = rows["vlan"]
        rows = rows[replay_vlan.isna() | (replay_vlan == vlan)]
    return rows.sort_values("time", kind="stable")


def _ports_around(history: pd.DataFrame, moment: float) -> tuple[str | None, set[str]]:
    """Return the replay's port for the entry at ``moment`` and every port it has within CLOCK_TOLERANCE of it."""
    if not len(history):
        return None, set()
    times = history["time"].to_numpy(dtype=float)
    ports = history["port"].tolist()
    previous = history["previous_port"].tolist()

    def port_at(time: float) -> str | None:
        earlier = [i for i, t in enumerate(times) if t <= time]
        if earlier:
            return ports[earlier[-1]]
        return previous[0]

    at_moment = port_at(moment)
    nearby = {port_at(moment - CLOCK_TOLERANCE)}
    nearby |= {ports[i] for i, t in enumerate(times) if moment - CLOCK_TOLERANCE <= t <= moment + CLOCK_TOLERANCE}
    return at_moment, {p for p in nearby if p is not None}


def _unchanged_port(final_state: dict, bridge: str | None, mac: str) -> str | None:
    """Return the port of an entry that no frame changed (seeded from an earlier snapshot), or None."""
    entries = final_state.get(bridge) or {}
    value = mac_str_to_int(mac)
    ports = {entry.port for (key, _), entry in entries.items() if key == value and not entry.local}
    return next(iter(ports)) if len(ports) == 1 else None


def _number(value) -> float:
    return math.nan if value is None or pd.isna(value) else float(value)


def _host(item: Parsed) -> str:
    host = item.meta.get("host")
    return f" on host {host}" if host else ""
