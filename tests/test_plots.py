"""The plots: each returns a Figure whose artists show the case's data."""

from __future__ import annotations

import matplotlib
import pytest
from matplotlib.figure import Figure

from analyzer import load_case, plots
from conftest import SAMPLES, shared_path

LOSS_RGBA = matplotlib.colors.to_rgba(plots.LOSS)


@pytest.fixture(scope="module")
def case():
    return load_case(SAMPLES / "roundrobin-flood")


def _texts(figure: Figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text)]


def _red_markers(axes, marker: str) -> int:
    return sum(len(line.get_xdata()) for line in axes.get_lines()
               if line.get_marker() == marker and matplotlib.colors.to_rgba(line.get_color()) == LOSS_RGBA)


def test_ladder_has_column_per_capture_point(case):
    figure = plots.ladder(case)
    axes = figure.axes[0]
    columns = [label.get_text().split("\n")[0] for label in axes.get_xticklabels()]
    for capture in case.captures:
        assert capture.point in columns
    assert columns[-1] == "network"
    for point in {c.point for c in case.captures}:
        label = next(t.get_text() for t in axes.get_xticklabels() if t.get_text().startswith(point + "\n"))
        assert "(captured)" in label


def test_ladder_marks_each_lost_reply(case):
    lost = case.arp_transactions[case.arp_transactions["fate"] == "lost"]
    assert len(lost), "the sample is expected to lose replies"
    transaction = lost.iloc[0]
    figure = plots.ladder(case)
    axes = figure.axes[0]
    replies = len(transaction["reply_journeys"])
    assert _red_markers(axes, "x") == replies
    assert _red_markers(axes, "X") == replies
    columns = [label.get_text().split("\n")[0] for label in axes.get_xticklabels()]
    assert transaction["requester_port"] in columns
    assert transaction["lost_at"] in columns
    assert any(f"ARP transaction {transaction['transaction']}:" in t for t in _texts(figure))


def test_ladder_row_per_sighting(case):
    transaction = case.arp_transactions.iloc[0]
    journeys = list(transaction["request_journeys"]) + list(transaction["reply_journeys"])
    figure = plots.ladder(case, transaction=int(transaction["transaction"]))
    rows = case.sightings[case.sightings["journey"].isin(journeys)]
    labels = figure.axes[0].get_yticklabels()
    assert len(labels) >= len(rows)
    frame_labels = [t for t in _texts(figure) if t.startswith("#")]
    assert len(frame_labels) == len(labels)


def test_ladder_rejects_unknown_transaction(case):
    with pytest.raises(ValueError, match="no ARP transaction numbered 999"):
        plots.ladder(case, transaction=999)


def test_ladder_limits_rows(case):
    figure = plots.ladder(case, max_rows=5)
    assert len(figure.axes[0].get_yticklabels()) == 5
    assert any("more left out" in t for t in _texts(figure))


def test_fdb_timeline_line_per_moved_mac(case):
    moved = sorted({f.mac for f in case.finding_list if f.code == "fdb-mac-move"})
    assert moved, "the sample is expected to move a MAC"
    figure = plots.fdb_timeline(case)
    axes = figure.axes[0]
    lines = [line for line in axes.get_lines() if not line.get_label().startswith("_")]
    assert sorted(line.get_label().split(" on ")[0] for line in lines) == moved


def test_fdb_timeline_marks_moves_and_causes(case):
    mac = next(f.mac for f in case.finding_list if f.code == "fdb-mac-move")
    moves = case.fdb_events[(case.fdb_events["mac"] == mac) & case.fdb_events["previous_port"].notna()]
    figure = plots.fdb_timeline(case, macs=[mac])
    labels = [t for t in _texts(figure) if t.startswith("frame ")]
    expected = min(len(moves), plots.MAX_MOVE_LABELS)
    assert len(labels) == expected
    first = moves.sort_values("time").iloc[0]
    assert f"frame {int(first['cause_frame'])}\n{first['cause_point']}" in labels


def test_fdb_timeline_draws_snapshots_at_span_ends(case):
    mac = next(f.mac for f in case.finding_list if f.code == "fdb-mac-move")
    figure = plots.fdb_timeline(case, macs=[mac])
    axes = figure.axes[0]
    span = max(c.last_time for c in case.captures) - min(c.first_time for c in case.captures)
    before = [line for line in axes.get_lines() if line.get_marker() == "s" and len(line.get_xdata())]
    after = [line for line in axes.get_lines() if line.get_marker() == "D" and len(line.get_xdata())]
    assert before, "the sample has an FDB saved before the captures"
    assert after, "the sample has an FDB saved after the captures"
    assert all(line.get_xdata()[0] == 0 for line in before)
    assert all(line.get_xdata()[0] == pytest.approx(span) for line in after)
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert any("time unknown" in text for text in legend)


def test_fdb_timeline_two_macs_two_lines(case):
    macs = list(case.fdb_events["mac"].unique()[:2])
    assert len(macs) == 2
    figure = plots.fdb_timeline(case, macs=macs)
    lines = [line for line in figure.axes[0].get_lines() if not line.get_label().startswith("_")]
    assert len(lines) == 2


def test_topology_names_every_interface(case):
    figure = plots.topology(case)
    texts = "\n".join(_texts(figure))
    model = case.topology_model
    for bridge in model.bridges():
        assert f"{bridge}\nbridge" in texts
        for port in model.ports(bridge):
            assert port in texts
            for member in model.members(port):
                assert member in texts
    assert "network" in texts


def test_topology_highlights_points_and_loss(case):
    figure = plots.topology(case)
    axes = figure.axes[0]
    red_captions = {t.get_text().split("\n")[0] for t in axes.texts
                    if matplotlib.colors.to_rgba(t.get_color()) == LOSS_RGBA}
    lost_at = {f.lost_at for f in case.finding_list if f.severity == "error" and f.lost_at}
    assert lost_at
    assert lost_at <= red_captions
    green = matplotlib.colors.to_rgba("#2e7d32")
    outlined = sum(1 for collection in axes.collections
                   if tuple(collection.get_edgecolor()[0]) == green)
    points_in_graph = {c.point for c in case.captures} & set(case.topology.nodes)
    assert outlined == len(points_in_graph - lost_at)


def test_plots_leave_pyplot_alone(case):
    import matplotlib.pyplot as pyplot

    before = pyplot.get_fignums()
    for draw in (plots.ladder, plots.fdb_timeline, plots.topology):
        assert isinstance(draw(case), Figure)
    assert pyplot.get_fignums() == before


def test_no_moves_gives_message():
    case = load_case(shared_path("cases", "C02"))
    assert not [f for f in case.finding_list if f.code == "fdb-mac-move"]
    figure = plots.fdb_timeline(case)
    assert any("no MAC moved" in t for t in _texts(figure))


def test_interface_order_guest_to_network(case):
    model = case.topology_model
    bridge = model.bridges()[0]
    order = plots.interface_order(model, bridge)
    position = {name: i for i, name in enumerate(order)}
    for port in model.ports(bridge):
        role = model.graph.nodes[port].get("role")
        if role == "guest":
            assert position[port] < position[bridge]
        else:
            assert position[port] > position[bridge]
            for member in model.members(port):
                assert position[member] > position[port]


def test_ladder_picks_unanswered_transaction():
    from conftest import REPO

    case = load_case(REPO / "tests" / "data" / "cases" / "gateway-silent")
    chosen = plots._pick_transaction(case, None)
    assert chosen["fate"] == "unanswered"
    assert (case.arp_transactions["fate"] == "answered").any()


def test_ladder_title_names_failure_only_when_one_exists():
    from analyzer.report.figures import render_pictures

    healthy = load_case(SAMPLES / "roundrobin-lag")
    titles = {picture.name: picture.title for picture in render_pictures(healthy)}
    assert titles["ladder"] == "Ladder diagram of an ARP transaction"
