"""The notebook API: public names, the tables of a real case, the conveniences and the reprs."""

import dataclasses
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import networkx as nx
import pandas as pd
import pytest

import analyzer
from analyzer import load_case, plots
from conftest import REPO, SAMPLES

CASE = SAMPLES / "roundrobin-flood"
VM_MAC = "52:54:00:6b:2e:01"
PUBLIC = ["Case", "Evidence", "Finding", "__version__", "export_case", "load_case", "plot_fdb_timeline",
          "plot_ladder", "plot_topology"]
TABLES = ["frames", "sightings", "journeys", "fdb_events", "fdb_snapshots", "decisions", "arp_transactions",
          "findings"]


@pytest.fixture(scope="module")
def case():
    return load_case(CASE)


@pytest.fixture(scope="module")
def lost(case):
    """The ARP transaction of the VM for its gateway, whose replies br1 dropped."""
    transactions = case.arp_transactions
    rows = transactions[transactions["fate"] == "lost"]
    assert len(rows) == 1
    return rows.iloc[0]


def _documented_columns(table: str) -> list[str]:
    columns, current = [], None
    for line in (REPO / "docs" / "tables.md").read_text().splitlines():
        heading = re.match(r"^## (\w+)", line)
        if heading:
            current = heading.group(1)
            continue
        row = re.match(r"^\| (\w+) \| (\w+) \|", line)
        if current == table and row and row.group(1) != "column":
            columns.append(row.group(1))
    return columns


class _Tags(HTMLParser):
    """Count opening tags and collect the text of an HTML fragment."""

    def __init__(self):
        super().__init__()
        self.tags: dict[str, int] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1

    def handle_data(self, data):
        self.text.append(data)


def _parse_html(fragment: str) -> _Tags:
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    return parser


# Public names --------------------------------------------------------------------------------


def test_all_is_documented_list():
    assert analyzer.__all__ == PUBLIC


def test_all_names_resolve():
    for name in analyzer.__all__:
        assert getattr(analyzer, name) is not None, name


def test_all_names_in_module_docstring():
    for name in analyzer.__all__:
        assert f"``{name}``" in analyzer.__doc__, name


def test_plot_names_are_plot_functions():
    assert analyzer.plot_ladder is plots.ladder
    assert analyzer.plot_fdb_timeline is plots.fdb_timeline
    assert analyzer.plot_topology is plots.topology


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError, match="no attribute 'plot_nothing'"):
        _ = analyzer.plot_nothing


def test_import_leaves_matplotlib_unloaded():
    result = subprocess.run(
        [sys.executable, "-c", "import sys, analyzer; print('matplotlib' in sys.modules)"],
        cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# Tables of the sample ------------------------------------------------------------------------


def test_case_attribute_types(case):
    for name in TABLES:
        assert isinstance(getattr(case, name), pd.DataFrame), name
    assert isinstance(case.topology, nx.Graph)


def test_frames_per_capture_point(case):
    counts = case.frames["point"].value_counts().to_dict()
    assert counts == {"vnet0": 20, "ens224": 10, "ens256": 10}
    assert "journey" not in case.frames


def test_lost_transaction_values(case, lost):
    assert lost["requester_ip"] == "198.51.100.20"
    assert lost["requester_mac"] == VM_MAC
    assert lost["target_ip"] == "198.51.100.1"
    assert lost["lost_at"] == "br1"
    assert lost["requester_port"] == "vnet0"
    assert sorted(lost["replies_seen_at"]) == ["ens224", "ens256"]
    assert len(lost["reply_journeys"]) == 6


def test_dropped_reply_journey(case, lost):
    for journey in lost["reply_journeys"]:
        row = case.journeys.loc[journey]
        assert row["bridge"] == "br1"
        assert row["ingress_port"] == "team1"
        assert row["ingress_member"] in ("ens224", "ens256")
        assert row["egress_ports"] == []
        assert row["dst_mac"] == VM_MAC
        assert case.decisions.loc[journey, "decision"] == "drop-ingress-port"
        assert case.decisions.loc[journey, "fdb_port"] == "team1"


def test_first_mac_move_event(case):
    moves = case.fdb_events[(case.fdb_events["mac"] == VM_MAC)
                            & case.fdb_events["previous_port"].notna()]
    first = moves.iloc[0]
    assert first["bridge"] == "br1"
    assert first["previous_port"] == "vnet0"
    assert first["port"] == "team1"
    assert first["cause_point"] == "ens224"
    assert first["cause_frame"] == 2
    assert first["cause_file"].endswith("ens224.pcap")
    cause = case.sightings.loc[first["cause_sighting"]]
    assert (cause["point"], cause["frame"]) == ("ens224", 2)


def test_drop_finding_evidence_frames(case, lost):
    finding = case.finding("fdb-ingress-port-drop")
    frames = [(e.point, e.frame) for e in finding.evidence]
    assert frames == [("vnet0", 7), ("ens224", 2), ("ens256", 3), ("ens224", 4), ("ens256", 6),
                      ("ens224", 7), ("ens256", 9)]
    # The first two frames are the VM's request and its echo; the rest are the first dropped replies.
    replies = case.sightings[case.sightings["journey"].isin(lost["reply_journeys"])]
    in_time_order = list(zip(replies["point"], replies["frame"]))
    assert frames[2:] == in_time_order[:len(frames) - 2]


def test_findings_table(case):
    findings = case.findings
    assert list(findings["code"]) == ["fdb-ingress-port-drop", "broadcast-echo", "fdb-mac-move"]
    first = findings.iloc[0]
    assert (first["bridge"], first["port"], first["mac"], first["lost_at"]) == ("br1", "team1", VM_MAC, "br1")
    assert first["evidence"] == 7


def test_topology_graph(case):
    graph = case.topology
    assert set(graph.neighbors("br1")) == {"vnet0", "team1"}
    assert {"ens224", "ens256"} <= set(graph.neighbors("team1"))
    assert graph.nodes["team1"]["runner"] == "roundrobin"


def test_fdb_snapshots_match_docs(case):
    assert list(case.fdb_snapshots.columns) == _documented_columns("fdb_snapshots")


def test_fdb_snapshots_place_vm_mac(case):
    snapshots = case.fdb_snapshots
    vm = snapshots[(snapshots["mac"] == VM_MAC) & (snapshots["master"] == "br1")]
    before = vm[vm["source"].str.contains("_before")]
    after = vm[~vm["source"].str.contains("_before")]
    assert set(before["dev"]) == {"vnet0"}
    assert set(after["dev"]) == {"team1"}
    assert before["source"].nunique() == 2
    assert after["source"].nunique() == 2


def test_fdb_snapshots_empty_keeps_columns():
    case = load_case(CASE / "captures")
    assert case.fdb_snapshots.empty
    assert list(case.fdb_snapshots.columns) == _documented_columns("fdb_snapshots")


# Conveniences --------------------------------------------------------------------------------


def test_journey_returns_its_sightings(case, lost):
    journey = int(lost["reply_journeys"][0])
    sightings = case.journey(journey)
    assert len(sightings) == case.journeys.loc[journey, "sightings"]
    assert set(sightings["journey"]) == {journey}
    assert sightings["time"].is_monotonic_increasing


def test_journey_unknown_id(case):
    with pytest.raises(KeyError, match="no journey 9999"):
        case.journey(9999)


def test_follow_echo_frame(case):
    sightings = case.follow("ens224", 2)
    assert list(sightings["point"]) == ["ens224", "vnet0"]
    journey = int(sightings["journey"].iloc[0])
    assert case.journeys.loc[journey, "ingress_port"] == "team1"
    assert case.journeys.loc[journey, "egress_ports"] == ["vnet0"]


def test_follow_dropped_reply(case, lost):
    sightings = case.follow("ens256", 3)
    assert len(sightings) == 1
    assert int(sightings["journey"].iloc[0]) in list(lost["reply_journeys"])


def test_follow_unknown_frame(case):
    with pytest.raises(KeyError, match="no frame 999 at capture point 'ens224'"):
        case.follow("ens224", 999)
    with pytest.raises(KeyError, match=r"\(capture points: ens224, ens256, vnet0\)"):
        case.follow("eth9", 1)


def test_follow_needs_file_when_ambiguous():
    vnet0 = str(CASE / "captures" / "vnet0.pcap")
    ens224 = str(CASE / "captures" / "ens224.pcap")
    case = load_case([vnet0, ens224], captures={vnet0: "vnet0", ens224: "vnet0"})
    with pytest.raises(ValueError, match="exists in 2 files"):
        case.follow("vnet0", 1)
    sightings = case.follow("vnet0", 1, file=ens224)
    assert ens224 in set(sightings["file"])


def test_finding_unknown_code(case):
    with pytest.raises(KeyError, match=r"\(findings: fdb-ingress-port-drop, broadcast-echo, fdb-mac-move\)"):
        case.finding("hairpin-drop")


def test_replay_floods_replies_to_vnet0(case, lost):
    fixed = case.replay({"br1": {"ageing_time": 0}})
    assert fixed.verdict == "no-loss-found"
    for journey in lost["reply_journeys"]:
        assert fixed.decisions.loc[journey, "decision"] == "flood"
    transaction = fixed.arp_transactions.set_index("transaction").loc[lost["transaction"]]
    assert transaction["fate"] == "answered"
    assert case.verdict == "fdb-ingress-port-drop"


# Reprs ---------------------------------------------------------------------------------------


def test_case_repr_is_one_short_line(case):
    text = repr(case)
    assert text == "<Case verdict=fdb-ingress-port-drop captures=3 sightings=40 journeys=26 findings=3>"


def test_case_html_summarises(case):
    html = case._repr_html_()
    parsed = _parse_html(html)
    text = " ".join(parsed.text)
    assert "fdb-ingress-port-drop" in text
    for capture in case.captures:
        assert capture.file in text
    for finding in case.finding_list:
        assert finding.code in text
    assert "1 lost" in text
    assert "2 answered" in text
    # A summary, not a dump: one row per capture, finding and table size, plus the headers.
    assert parsed.tags["tr"] == 3 * 1 + len(case.captures) + len(case.finding_list) + 5
    assert "198.51.100.1 " not in text


def test_case_html_marks_counterfactual(case):
    fixed = case.replay({"br1": {"ageing_time": 0}})
    text = " ".join(_parse_html(fixed._repr_html_()).text)
    assert "counterfactual replay with {'br1': {'ageing_time': 0}}" in text
    assert "counterfactual" not in " ".join(_parse_html(case._repr_html_()).text)


def test_case_html_escapes_file_names(tmp_path):
    name = 'ens224<b onmouseover="x">&.pcap'
    shutil.copy(CASE / "captures" / "ens224.pcap", tmp_path / name)
    case = load_case(tmp_path)
    html = case._repr_html_()
    assert "<b onmouseover" not in html
    assert "ens224&lt;b onmouseover=&quot;x&quot;&gt;&amp;.pcap" in html
    assert name in " ".join(_parse_html(html).text)


def test_case_html_caps_long_lists(case):
    finding = case.finding_list[0]
    crowded = dataclasses.replace(case, finding_list=[finding] * 25)
    html = crowded._repr_html_()
    assert html.count(f"<td>{finding.code}</td>") == 20
    assert "5 more in <code>case.finding_list</code>" in html


def test_finding_repr_is_short(case):
    finding = case.finding("fdb-ingress-port-drop")
    text = repr(finding)
    assert text.startswith("<Finding fdb-ingress-port-drop (error, 7 evidence): br1 dropped 6 unicast")
    assert text.endswith("...>")
    assert "\n" not in text
    assert len(text) < 140


def test_finding_html_lists_evidence(case):
    finding = case.finding("fdb-ingress-port-drop")
    html = finding._repr_html_()
    parsed = _parse_html(html)
    text = " ".join(parsed.text)
    for evidence in finding.evidence:
        assert evidence.file in text
    assert parsed.tags["li"] == len(finding.recommendations)
    # Rows: a header and four fields (bridge, port, mac, lost_at, but not vlan, which is None), then a
    # header and one row per evidence frame.
    assert parsed.tags["tr"] == 1 + 4 + 1 + len(finding.evidence)


def test_finding_html_escapes_and_caps(case):
    finding = case.finding("fdb-ingress-port-drop")
    odd = dataclasses.replace(finding, summary="<script>alert(1)</script>", evidence=finding.evidence * 4,
                              recommendations=["a & b"])
    html = odd._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "a &amp; b" in html
    assert html.count("<tr>") == 1 + 4 + 1 + 20
    assert "8 more in <code>.evidence</code>" in html
