"""Pictures of a case as matplotlib Figures: the ladder diagram, the FDB timeline and the topology.

The figures are built on the Agg canvas without pyplot, so making one neither
opens a window nor changes the pyplot state of a notebook. Notebooks show
them inline, and the reports embed them as PNG.
"""

from __future__ import annotations

import logging
import textwrap

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .journeys import LOCAL
from .replay import snapshots_by_role
from .report.common import clock, day
from .topology import GUEST_PORT_NAME, Topology

log = logging.getLogger(__name__)

NETWORK = "network"
LOSS = "#c62828"
KIND_COLOURS = {"request": "#1565c0", "echo": "#ef6c00", "reply": "#2e7d32", "other": "#616161"}
PORT_COLOURS = ["#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#2e7d32", "#ad1457"]
# Beyond this many sightings the ladder shows the first ones and states how many it left out.
MAX_LADDER_ROWS = 60
# Beyond this many moves per MAC the timeline labels only the first ones with their frames.
MAX_MOVE_LABELS = 12


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _message(figure: Figure, text: str):
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=11)
    return axes


# Topology order ------------------------------------------------------------------------------


def _children(topology: Topology, name: str) -> list[str]:
    """Return the interfaces directly below a bridge port or aggregate: members or the lower device."""
    below = list(topology.members(name))
    link = topology.graph.nodes[name].get("link")
    for neighbour, data in topology.graph[name].items():
        if data.get("relation") == "lower" and neighbour == link:
            below.append(neighbour)
    return below


def _outward(topology: Topology, name: str) -> list[str]:
    """List the interfaces below a bridge port, away from the bridge, depth first."""
    chain = []
    for item in _children(topology, name):
        chain.append(item)
        chain.extend(_outward(topology, item))
    return chain


def _is_guest(topology: Topology, name: str) -> bool:
    if name in topology.graph:
        role = topology.graph.nodes[name].get("role")
        if role is not None:
            return role == "guest"
    return bool(GUEST_PORT_NAME.match(name))


def interface_order(topology: Topology, bridge: str) -> list[str]:
    """List a bridge's interfaces from the guests to the network.

    The order is guest taps (members first), the bridge, then each uplink port
    followed by its team or bond members or lower devices.
    """
    guest, uplink = [], []
    for port in topology.ports(bridge):
        chain = [port, *_outward(topology, port)]
        if _is_guest(topology, port):
            guest.extend(reversed(chain))
        else:
            uplink.extend(chain)
    return [*guest, bridge, *uplink]


# Ladder ------------------------------------------------------------------------------------


def _pick_transaction(case, transaction):
    table = case.arp_transactions
    if transaction is None:
        if table.empty:
            return None
        # A lost transaction first, then an unanswered or unknown one, then any.
        for fates in (("lost",), ("unanswered", "unknown")):
            failing = table[table["fate"].isin(fates)]
            if len(failing):
                return failing.iloc[0]
        return table.iloc[0]
    if isinstance(transaction, pd.Series):
        return transaction
    matches = table[table["transaction"] == int(transaction)]
    if matches.empty:
        raise ValueError(f"no ARP transaction numbered {transaction}: the case has "
                         f"{', '.join(str(t) for t in table['transaction']) or 'none'}")
    return matches.iloc[0]


def _journey_kinds(case, transaction, journeys) -> dict[int, str]:
    """Return the journeys to draw, each with its kind: request, echo, reply or other."""
    kinds: dict[int, str] = {}
    if transaction is not None:
        requests = [int(j) for j in transaction["request_journeys"]]
        kinds.update({j: "request" for j in requests})
        table = case.journeys
        if "echo_of" in table:
            for journey in table.loc[table["echo_of"].isin(requests), "journey"]:
                kinds[int(journey)] = "echo"
        kinds.update({int(j): "reply" for j in transaction["reply_journeys"]})
    if journeys is not None:
        kinds = {int(j): kinds.get(int(j), "other") for j in journeys}
    return kinds


def _ladder_columns(case, rows: pd.DataFrame, bridge, extra: list[str]) -> list[str]:
    topology = case.topology_model
    seen = set(rows["point"])
    if bridge and bridge in topology.graph:
        order = interface_order(topology, bridge)
        wanted = set(seen) | set(extra) | {bridge}
        for point in seen:
            wanted.update(topology.chain(point))
        columns = [name for name in order if name in wanted]
    else:
        columns = []
    rest = sorted(seen - set(columns), key=lambda p: (not _is_guest(topology, p), p))
    return [*columns, *rest, NETWORK]


def ladder(case, transaction=None, journeys=None, max_rows: int = MAX_LADDER_ROWS) -> Figure:
    """Draw a ladder diagram of one ARP transaction across the capture points.

    Columns are interfaces in topology order (guest taps, bridge, team or bond,
    members, network); each row is one sighting with its time, the direction
    the frame crossed the capture point, and its frame number. For a lost
    transaction, each reply's last sighting is crossed out, the loss point is
    marked, and a dashed ring marks where the reply should have appeared (the
    requester's port). ``transaction`` is a transaction number or row (default:
    the first lost one, else the first unanswered or unknown one, else the
    first); ``journeys`` draws the given journeys
    instead.
    """
    chosen = _pick_transaction(case, transaction)
    kinds = _journey_kinds(case, chosen, journeys)
    sightings = case.sightings
    rows = sightings[sightings["journey"].isin(list(kinds))].sort_values(["time", "frame"]) \
        if len(sightings) and kinds else sightings.iloc[0:0]
    if rows.empty:
        figure = _figure(8, 2)
        _message(figure, "No ARP transaction to draw: the captures hold no ARP request with an answerable target.")
        return figure
    left_out = max(0, len(rows) - max_rows)
    rows = rows.iloc[:max_rows]

    lost = chosen is not None and chosen["fate"] == "lost"
    requester_port = chosen["requester_port"] if chosen is not None else None
    bridge = None
    if chosen is not None and len(case.journeys):
        first = case.journeys[case.journeys["journey"].isin(chosen["request_journeys"])]
        bridge = first["bridge"].dropna().iloc[0] if first["bridge"].notna().any() else None
    expected = bridge if requester_port == LOCAL else requester_port
    extra = [name for name in (expected, chosen["lost_at"] if lost else None) if name]
    columns = _ladder_columns(case, rows, bridge, extra)
    x_of = {name: index for index, name in enumerate(columns)}
    captured = set(case.sightings["point"])

    figure = _figure(max(7.0, 1.35 * len(columns) + 3.2), max(3.0, 0.34 * len(rows) + 1.9))
    axes = figure.add_subplot()
    _ladder_frame(axes, columns, captured)
    start = float(rows["time"].iloc[0])
    labels = []
    last_row_of = {}
    for index, (sighting, row) in enumerate(rows.iterrows()):
        y = -index
        kind = kinds.get(int(row["journey"]), "other")
        _ladder_sighting(axes, x_of[row["point"]], y, row, kind, _is_guest(case.topology_model, row["point"]))
        labels.append(f"{clock(row['time'])}  +{row['time'] - start:.6f} s")
        last_row_of[int(row["journey"])] = (y, row["point"])
    _ladder_journey_lines(axes, rows, x_of, kinds)
    if lost:
        _ladder_losses(axes, chosen, last_row_of, x_of, expected)
    axes.set_yticks([-i for i in range(len(rows))], labels, fontsize=8, family="monospace")
    axes.set_ylim(-len(rows) + 0.4, 1.1)
    title = _ladder_title(chosen)
    if left_out:
        title += f"\n(first {len(rows)} sightings shown, {left_out} more left out)"
    figure.suptitle("\n".join(textwrap.wrap(title, width=int(13 * figure.get_figwidth()))), fontsize=10,
                    x=0.01, ha="left")
    axes.legend(handles=_ladder_legend(lost, set(kinds.values())), loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                frameon=False)
    return figure


def _ladder_frame(axes, columns, captured) -> None:
    for x, name in enumerate(columns):
        is_point = name in captured
        axes.axvline(x, color="#263238" if is_point else "#b0bec5", linewidth=1.6 if is_point else 0.8,
                     linestyle="-" if is_point else (0, (4, 3)), zorder=1)
    tick_labels = []
    for name in columns:
        if name in captured:
            tick_labels.append(f"{name}\n(captured)")
        elif name == NETWORK:
            tick_labels.append("network")
        else:
            tick_labels.append(f"{name}\n(not captured)")
    axes.set_xticks(range(len(columns)), tick_labels, fontsize=8)
    axes.xaxis.tick_top()
    axes.set_xlim(-0.8, len(columns) - 0.4)
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.tick_params(length=0)


def _ladder_sighting(axes, x, y, row, kind, guest_side) -> None:
    colour = KIND_COLOURS[kind]
    outside = -1 if guest_side else 1
    direction = row["direction"]
    if direction in ("in", "out"):
        start, end = (x + 0.42 * outside, x) if direction == "in" else (x, x + 0.42 * outside)
        axes.annotate("", xy=(end, y), xytext=(start, y),
                      arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 1.6}, zorder=3)
    axes.plot([x], [y], marker="o", markersize=6, color=colour, zorder=4)
    note = f"#{int(row['frame'])} {direction}"
    axes.text(x - 0.06 * outside, y + 0.16, note, fontsize=7, color=colour,
              ha="right" if outside > 0 else "left", va="bottom", zorder=5)


def _ladder_journey_lines(axes, rows, x_of, kinds) -> None:
    """Join the sightings of one frame with a thin line, so a frame's path reads as one step."""
    positions = {}
    for index, (_, row) in enumerate(rows.iterrows()):
        positions.setdefault(int(row["journey"]), []).append((x_of[row["point"]], -index))
    for journey, points in positions.items():
        if len(points) > 1:
            xs, ys = zip(*points)
            axes.plot(xs, ys, color=KIND_COLOURS[kinds.get(journey, "other")], linewidth=0.8, alpha=0.5,
                      zorder=2)


def _ladder_losses(axes, transaction, last_row_of, x_of, expected) -> None:
    """Mark each lost reply, or each request when no reply was captured, where it ends and was dropped."""
    lost_at = transaction["lost_at"]
    dropped = list(transaction["reply_journeys"])
    if not dropped:
        dropped, expected = list(transaction["request_journeys"]), None
    for journey in dropped:
        if int(journey) not in last_row_of:
            continue
        y, point = last_row_of[int(journey)]
        x = x_of[point]
        axes.plot([x], [y], marker="x", markersize=11, markeredgewidth=2.2, color=LOSS, zorder=6)
        if lost_at in x_of:
            axes.plot([x, x_of[lost_at]], [y, y], color=LOSS, linewidth=1.2, linestyle=":", zorder=3)
            axes.plot([x_of[lost_at]], [y], marker="X", markersize=10, color=LOSS, zorder=6)
        if expected in x_of:
            axes.plot([x_of[expected]], [y], marker="o", markersize=13, markerfacecolor="none",
                      markeredgecolor=LOSS, markeredgewidth=2, linestyle="none", zorder=6)
            axes.text(x_of[expected] + 0.12, y - 0.12, "not seen", fontsize=7, color=LOSS, va="top",
                      zorder=6)


def _ladder_title(transaction) -> str:
    if transaction is None:
        return "Selected journeys"
    fate = transaction["fate"]
    where = f" at {transaction['lost_at']}" if transaction["lost_at"] else ""
    return (f"ARP transaction {transaction['transaction']}: {transaction['requester_ip']} "
            f"({transaction['requester_mac']}) asks for {transaction['target_ip']}: {fate}{where}")


def _ladder_legend(lost: bool, kinds: set[str]) -> list:
    handles = [Line2D([], [], color=KIND_COLOURS[k], marker="o", label=label)
               for k, label in (("request", "request"), ("echo", "echo of a request"),
                                ("reply", "reply"), ("other", "other frame")) if k in kinds]
    handles.append(Line2D([], [], color="#263238", label="capture point (solid)"))
    if lost:
        handles += [Line2D([], [], color=LOSS, marker="x", linestyle="none", markeredgewidth=2,
                           label="last sighting of a lost frame"),
                    Line2D([], [], color=LOSS, marker="X", linestyle="none", label="where it was dropped"),
                    Line2D([], [], color=LOSS, marker="o", markerfacecolor="none", linestyle="none",
                           label="where it should have appeared")]
    return handles


# FDB timeline ------------------------------------------------------------------------------


def _moved_macs(case) -> list[str]:
    macs = []
    for finding in case.finding_list:
        if finding.code == "fdb-mac-move" and finding.mac and finding.mac not in macs:
            macs.append(finding.mac)
    return macs


def _capture_span(case) -> tuple[float, float] | None:
    times = [t for c in case.captures for t in (c.first_time, c.last_time) if t is not None]
    if not times:
        return None
    return min(times), max(times)


def _port_label(bridge: str, port) -> str:
    name = "local" if port == LOCAL else str(port)
    return f"{bridge}: {name}"


def _snapshot_points(case, mac: str, bridge: str, start: float, end: float) -> list[tuple[str, float, str]]:
    """Return (role, time, port label) for each saved FDB entry of the MAC on the bridge."""
    ports = set(case.topology_model.ports(bridge))
    initial, _ = snapshots_by_role(case.outputs)
    initial_sources = {item.source for item in initial}
    points = []
    for item in case.outputs:
        if item.kind not in ("bridge_fdb", "bridge_fdb_json") or item.table.empty:
            continue
        if item.meta.get("snapshot_role") == "distant":
            continue
        table = item.table[item.table["mac"] == mac]
        for _, row in table.iterrows():
            dev = row.get("dev")
            on_bridge = row.get("master") == bridge or (dev in ports and not row.get("self", False))
            if dev == bridge:
                dev, on_bridge = LOCAL, True
            if not on_bridge:
                continue
            role = "before" if item.source in initial_sources else "after"
            collected = item.meta.get("collected_at")
            # A dated snapshot taken while the captures ran sits at its own moment; others at an end.
            if collected is not None and start <= collected <= end:
                time = collected
            else:
                time = start if role == "before" else end
            points.append((role, time, _port_label(bridge, dev)))
    return points


def fdb_timeline(case, macs=None) -> Figure:
    """Draw, for each MAC that moved, its bridge port over time with the frames that moved it.

    Default MACs: those of the fdb-mac-move findings. Saved FDB snapshots
    carry no time, so those taken before the captures are drawn at the start
    of the capture span and the others at its end, as the legend states.
    """
    macs = list(macs) if macs is not None else _moved_macs(case)
    events = case.fdb_events
    span = _capture_span(case)
    if not macs or events.empty or span is None:
        figure = _figure(8, 2)
        reason = "no MAC moved between bridge ports" if not macs else "no FDB event in the captures"
        _message(figure, f"FDB timeline: {reason}.")
        return figure
    start, end = span
    series = []
    for mac in macs:
        mine = events[events["mac"] == mac].sort_values("time")
        for bridge, group in mine.groupby("bridge", sort=True):
            series.append((mac, bridge, group))
    labels = _timeline_labels(case, series)
    y_of = {label: index for index, label in enumerate(labels)}
    figure = _figure(10, max(2.6, 0.55 * len(labels) + 2.0))
    axes = figure.add_subplot()
    offsets = _offsets(len(series))
    for number, (mac, bridge, group) in enumerate(series):
        colour = PORT_COLOURS[number % len(PORT_COLOURS)]
        _timeline_line(axes, mac, bridge, group, y_of, start, end, offsets[number], colour)
        for role, time, label in _snapshot_points(case, mac, bridge, start, end):
            if label in y_of:
                axes.plot([time - start], [y_of[label] + offsets[number]], linestyle="none",
                          marker="s" if role == "before" else "D", markersize=9, markerfacecolor="none",
                          markeredgecolor=colour, markeredgewidth=1.6, zorder=5)
    axes.set_yticks(range(len(labels)), labels, fontsize=8)
    axes.set_ylim(-0.6, len(labels) - 0.4)
    axes.set_xlim(-0.03 * (end - start + 1e-3), (end - start) * 1.03 + 1e-3)
    axes.set_xlabel(f"seconds since {clock(start)} UTC on {day(start)} (the first captured frame)")
    axes.grid(axis="x", color="#eceff1")
    axes.set_title("Bridge port of each MAC over time (replayed FDB)", fontsize=10, loc="left")
    axes.legend(handles=_timeline_legend(axes), loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                frameon=False)
    return figure


def _timeline_labels(case, series) -> list[str]:
    labels = []
    for _, bridge, group in series:
        order = interface_order(case.topology_model, bridge) if bridge in case.topology else []
        ports = [p for p in order if p in set(case.topology_model.ports(bridge))]
        used = set(group["port"].dropna()) | set(group["previous_port"].dropna())
        for port in [*ports, LOCAL, *sorted(used - set(ports) - {LOCAL})]:
            label = _port_label(bridge, port)
            if port in used and label not in labels:
                labels.append(label)
    return labels


def _offsets(count: int) -> list[float]:
    if count <= 1:
        return [0.0]
    step = min(0.12, 0.5 / count)
    return [(i - (count - 1) / 2) * step for i in range(count)]


def _timeline_line(axes, mac, bridge, group, y_of, start, end, offset, colour) -> None:
    times, ys = [], []
    first = group.iloc[0]
    if first["previous_port"] is not None:
        times.append(0.0)
        ys.append(y_of[_port_label(bridge, first["previous_port"])] + offset)
    for _, event in group.iterrows():
        times.append(event["time"] - start)
        ys.append(y_of[_port_label(bridge, event["port"])] + offset)
    times.append(end - start)
    ys.append(ys[-1])
    axes.step(times, ys, where="post", color=colour, linewidth=2, label=f"{mac} on {bridge}", zorder=3)
    moves = group[group["previous_port"].notna()]
    axes.plot(moves["time"] - start, [y_of[_port_label(bridge, p)] + offset for p in moves["port"]],
              linestyle="none", marker="o", markersize=6, color=colour, zorder=4)
    for number, (_, event) in enumerate(moves.iterrows()):
        if number >= MAX_MOVE_LABELS:
            break
        y = y_of[_port_label(bridge, event["port"])] + offset
        axes.annotate(f"frame {int(event['cause_frame'])}\n{event['cause_point']}",
                      xy=(event["time"] - start, y), xytext=(4, 6 if number % 2 == 0 else -18),
                      textcoords="offset points", fontsize=7, color=colour)


def _timeline_legend(axes) -> list:
    handles = [line for line in axes.get_lines() if not line.get_label().startswith("_")]
    handles += [
        Line2D([], [], color="#455a64", marker="o", linestyle="none", label="move, labelled with its cause frame"),
        Line2D([], [], color="#455a64", marker="s", markerfacecolor="none", linestyle="none",
               label="saved FDB taken before the captures\n(time unknown: drawn at the capture start)"),
        Line2D([], [], color="#455a64", marker="D", markerfacecolor="none", linestyle="none",
               label="saved FDB taken after the captures\n(time unknown: drawn at the capture end)"),
    ]
    return handles


# Topology ------------------------------------------------------------------------------------


def _loss_marks(case) -> tuple[set[str], set[tuple[str, str]]]:
    """Return the interfaces and bridge-port edges where an error finding places the loss."""
    nodes, edges = set(), set()
    for finding in case.finding_list:
        if finding.severity != "error" or not finding.lost_at:
            continue
        nodes.add(finding.lost_at)
        if finding.port and finding.port != LOCAL:
            nodes.add(finding.port)
            if finding.bridge:
                edges.add(frozenset((finding.bridge, finding.port)))
    return nodes, edges


def _layout(topology: Topology) -> dict[str, tuple[float, float]]:
    """Place each bridge's interfaces in columns: guests left, bridge centre, network right.

    Each side of a bridge is a tree (port, then members or lower devices); a
    leaf takes the next row, and a parent sits at the mean row of its children.
    """
    positions: dict[str, tuple[float, float]] = {}
    graph = topology.graph
    top = 0.0

    def place(name: str, depth: int, sign: int, rows: list[float]) -> float:
        children = [c for c in _children(topology, name) if c not in positions]
        if children:
            y = sum(place(c, depth + 1, sign, rows) for c in children) / len(children)
        else:
            y = rows[0]
            rows[0] += 1
        positions[name] = (float(sign * depth), y)
        for neighbour, data in graph[name].items():
            if data.get("relation") == "link" and neighbour.startswith("guest:"):
                positions[neighbour] = (float(sign * (depth + 1)), y)
        return y

    for bridge in topology.bridges():
        guest_rows, uplink_rows = [top], [top]
        for port in topology.ports(bridge):
            if port in positions:
                continue
            guest = _is_guest(topology, port)
            place(port, 1, -1 if guest else 1, guest_rows if guest else uplink_rows)
        bottom = max(guest_rows[0], uplink_rows[0], top + 1)
        positions[bridge] = (0.0, (top + bottom - 1) / 2)
        top = bottom + 0.8
    if NETWORK in graph and positions:
        xs = [x for x, _ in positions.values()]
        ys = [positions[n][1] for n in graph[NETWORK] if n in positions] or [0.0]
        positions[NETWORK] = (max(xs) + 1.0, sum(ys) / len(ys))
    return positions


def _node_style(data: dict) -> tuple[str, str, float]:
    kind = data.get("kind")
    if kind == "bridge":
        return "s", "#bbdefb", 900
    if kind in ("team", "bond"):
        return "h", "#e1bee7", 800
    if kind == "external":
        return "D", "#eceff1", 600
    return "o", "#ffffff", 520


def _node_caption(name: str, data: dict) -> str:
    kind = data.get("kind") or "?"
    if name == NETWORK:
        return "network\n(switch side)"
    if name.startswith("guest:"):
        return f"guest\n(behind {name.split(':', 1)[1]})"
    detail = data.get("runner") or data.get("bond_mode")
    return f"{name}\n{kind}" + (f" {detail}" if detail else "")


def topology(case) -> Figure:
    """Draw the bridges, their ports, team and bond members, guests and the network.

    Capture points have a thick green outline; the interface and bridge port
    where an error finding places the loss are red.
    """
    model = case.topology_model
    captured = set(case.sightings["point"]) if len(case.sightings) else set()
    captured |= {c.point for c in case.captures}
    positions = _layout(model)
    if not positions:
        figure = _figure(8, 2.5)
        points = ", ".join(sorted(captured)) or "none"
        _message(figure, "No topology: the case has no ip -d link output that names a bridge.\n"
                         f"Capture points: {points}")
        return figure
    loss_nodes, loss_edges = _loss_marks(case)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    figure = _figure(max(7.0, 1.5 * (max(xs) - min(xs)) + 3), max(3.0, 1.1 * (max(ys) - min(ys)) + 2.2))
    axes = figure.add_subplot()
    graph = model.graph
    for a, b, data in graph.edges(data=True):
        if a not in positions or b not in positions:
            continue
        lost = frozenset((a, b)) in loss_edges
        (xa, ya), (xb, yb) = positions[a], positions[b]
        axes.plot([xa, xb], [ya, yb], color=LOSS if lost else "#90a4ae", linewidth=3 if lost else 1.3,
                  linestyle=":" if data.get("relation") == "link" else "-", zorder=1)
    for name, (x, y) in positions.items():
        data = graph.nodes[name]
        marker, fill, size = _node_style(data)
        edge = "#2e7d32" if name in captured else "#455a64"
        axes.scatter([x], [y], s=size, marker=marker, facecolor="#ffcdd2" if name in loss_nodes else fill,
                     edgecolor=LOSS if name in loss_nodes else edge,
                     linewidth=3.2 if name in captured or name in loss_nodes else 1.0, zorder=3)
        axes.text(x, y + 0.3, _node_caption(name, data), ha="center", va="top", fontsize=8,
                  color=LOSS if name in loss_nodes else "#263238", zorder=4)
    axes.set_xlim(min(xs) - 1.0, max(xs) + 1.0)
    axes.set_ylim(max(ys) + 1.0, min(ys) - 0.5)
    axes.set_axis_off()
    axes.set_title("Topology (from ip -d link, bridge link and teamdctl output)", fontsize=10, loc="left")
    axes.legend(handles=_topology_legend(bool(loss_nodes)), loc="upper left", bbox_to_anchor=(1.0, 1.0),
                fontsize=8, frameon=False)
    return figure


def _topology_legend(loss: bool) -> list:
    handles = [
        Line2D([], [], marker="s", linestyle="none", markerfacecolor="#bbdefb", markeredgecolor="#455a64",
               markersize=10, label="bridge"),
        Line2D([], [], marker="h", linestyle="none", markerfacecolor="#e1bee7", markeredgecolor="#455a64",
               markersize=10, label="team or bond"),
        Line2D([], [], marker="o", linestyle="none", markerfacecolor="white", markeredgecolor="#455a64",
               markersize=9, label="interface"),
        Line2D([], [], marker="o", linestyle="none", markerfacecolor="white", markeredgecolor="#2e7d32",
               markeredgewidth=3, markersize=9, label="capture point"),
    ]
    if loss:
        handles.append(Line2D([], [], marker="o", linestyle="-", color=LOSS, markerfacecolor="#ffcdd2",
                              markeredgecolor=LOSS, markersize=9, label="where frames were lost"))
    return handles
