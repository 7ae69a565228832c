"""Export: every table reads back from Parquet, and the topology from GraphML, equal to the Case."""

import json
import math

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO, SAMPLES, documented_tables

from analyzer import export_case, load_case
from analyzer.cli import main
from analyzer.export import LIST_ITEMS, TABLES, TOPOLOGY_FILE, graphml_safe

CASE = SAMPLES / "roundrobin-flood"
VLAN_CASE = REPO / "tests" / "data" / "cases" / "vlan-filter-team"
VM_MAC = "52:54:00:6b:2e:01"


def _plain(value):
    """Return a cell as plain Python: lists for arrays, None for every missing value."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, list):
        return list(value)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _is_text(dtype) -> bool:
    return dtype == object or pd.api.types.is_string_dtype(dtype)


def _assert_same_table(name: str, built: pd.DataFrame, read: pd.DataFrame) -> None:
    assert list(read.columns) == list(built.columns), name
    assert read.index.name == built.index.name, name
    assert read.index.tolist() == built.index.tolist(), name
    for column in built.columns:
        if _is_text(built[column].dtype):
            assert _is_text(read[column].dtype), f"{name}.{column} is {read[column].dtype}"
            assert [_plain(v) for v in read[column]] == [_plain(v) for v in built[column]], f"{name}.{column}"
        else:
            assert str(read[column].dtype) == str(built[column].dtype), f"{name}.{column}"
            pd.testing.assert_series_equal(read[column], built[column], check_names=True, obj=f"{name}.{column}")


@pytest.fixture(scope="module")
def case():
    return load_case(CASE)


@pytest.fixture(scope="module")
def exported(case, tmp_path_factory):
    directory = tmp_path_factory.mktemp("export") / "nested" / "out"
    return directory, export_case(case, directory)


def test_tables_are_the_documented_ones():
    assert set(TABLES) == set(documented_tables())


def test_list_item_types_cover_documented_lists():
    lists = {column for columns in documented_tables().values() for column, kind in columns.items() if kind == "list"}
    assert set(LIST_ITEMS) == lists


def test_export_writes_every_file(exported):
    directory, written = exported
    assert written == [directory / f"{name}.parquet" for name in TABLES] + [directory / TOPOLOGY_FILE]
    for path in written:
        assert path.is_file(), path
    assert sorted(p.name for p in directory.iterdir()) == sorted(p.name for p in written)


@pytest.mark.parametrize("name", TABLES)
def test_table_reads_back_equal(case, exported, name):
    directory, _ = exported
    read = pd.read_parquet(directory / f"{name}.parquet")
    built = getattr(case, name)
    assert len(read) == len(built)
    _assert_same_table(name, built, read)


def test_list_columns_round_trip(case, exported):
    directory, _ = exported
    journeys = pd.read_parquet(directory / "journeys.parquet")
    echo = journeys[journeys["echo_of"] >= 0].iloc[0]
    assert echo["egress_ports"].tolist() == ["vnet0"]
    assert all(isinstance(p, str) for p in echo["points"].tolist())
    transactions = pd.read_parquet(directory / "arp_transactions.parquet")
    lost = transactions[transactions["fate"] == "lost"].iloc[0]
    assert sorted(lost["replies_seen_at"].tolist()) == ["ens224", "ens256"]
    built = case.arp_transactions[case.arp_transactions["fate"] == "lost"].iloc[0]
    assert lost["reply_journeys"].tolist() == built["reply_journeys"]
    assert all(isinstance(j, int) for j in lost["reply_journeys"].tolist())


def test_parquet_types(exported):
    directory, _ = exported
    journeys = pq.read_schema(directory / "journeys.parquet")
    assert journeys.field("egress_ports").type == pa.list_(pa.string())
    assert journeys.field("fingerprint").type == pa.uint64()
    # The named index is a column too, so that tools other than pandas see it.
    sightings = pq.read_schema(directory / "sightings.parquet")
    assert sightings.field("sighting").type == pa.int64()
    transactions = pq.read_schema(directory / "arp_transactions.parquet")
    assert transactions.field("request_journeys").type == pa.list_(pa.int64())
    # No saved FDB entry of the sample has a monitor timestamp: the all-None column stays text.
    snapshots = pq.read_schema(directory / "fdb_snapshots.parquet")
    assert snapshots.field("timestamp").type == pa.string()


def test_empty_lists_keep_item_type(tmp_path):
    case = load_case(VLAN_CASE)
    transactions = case.arp_transactions
    assert (transactions["replies_seen_at"].map(len) == 0).any()
    export_case(case, tmp_path)
    schema = pq.read_schema(tmp_path / "arp_transactions.parquet")
    assert schema.field("reply_journeys").type == pa.list_(pa.int64())
    _assert_same_table("arp_transactions", transactions, pd.read_parquet(tmp_path / "arp_transactions.parquet"))


def test_export_case_without_captures(tmp_path):
    case = load_case(CASE / "outputs")
    assert case.sightings.empty
    export_case(case, tmp_path)
    for name in TABLES:
        read = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert list(read.columns) == list(getattr(case, name).columns), name
        assert len(read) == len(getattr(case, name)), name
    schema = pq.read_schema(tmp_path / "arp_transactions.parquet")
    assert schema.field("replies_seen_at").type == pa.list_(pa.string())


def test_graphml_reads_back_equal(case, exported):
    directory, _ = exported
    read = nx.read_graphml(directory / TOPOLOGY_FILE)
    graph = case.topology
    assert set(read.nodes) == set(graph.nodes)
    assert {frozenset(e) for e in read.edges} == {frozenset(e) for e in graph.edges}
    for node, data in graph.nodes(data=True):
        expected = {k: v for k, v in data.items() if v is not None}
        assert read.nodes[node] == expected, node
    for a, b, data in graph.edges(data=True):
        assert read.edges[a, b] == data
    assert read.nodes["br1"]["ageing_time"] == 300.0
    assert read.nodes["team1"]["learning"] is True
    assert read.nodes["ens224"]["ifindex"] == 2


def test_graphml_stores_vlans_as_json(tmp_path):
    case = load_case(VLAN_CASE)
    vlans = case.topology.nodes["team0"]["vlans"]
    assert isinstance(vlans, dict)
    export_case(case, tmp_path)
    read = nx.read_graphml(tmp_path / TOPOLOGY_FILE)
    stored = json.loads(read.nodes["team0"]["vlans"])
    assert stored == {str(vid): value for vid, value in vlans.items()}


def test_graphml_safe_converts_values(case):
    graph = case.topology.copy()
    graph.nodes["br1"]["ports"] = ["vnet0", "team1"]
    graph.nodes["br1"]["hash"] = np.uint64(7)
    graph.nodes["br1"]["seen"] = {"b", "a"}
    graph.nodes["br1"]["note"] = None
    safe = graphml_safe(graph)
    assert safe.nodes["br1"]["ports"] == '["vnet0", "team1"]'
    assert safe.nodes["br1"]["hash"] == 7
    assert type(safe.nodes["br1"]["hash"]) is int
    assert safe.nodes["br1"]["seen"] == '["a", "b"]'
    assert "note" not in safe.nodes["br1"]
    assert graph.nodes["br1"]["ports"] == ["vnet0", "team1"]


# Command line --------------------------------------------------------------------------------


def test_cli_export_writes_files(tmp_path):
    before = sorted(p.relative_to(CASE) for p in CASE.rglob("*"))
    out = tmp_path / "export"
    assert main(["analyze", str(CASE), "-q", "-o", str(tmp_path / "report.txt"), "--export", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{n}.parquet" for n in TABLES] + [TOPOLOGY_FILE])
    assert sorted(p.relative_to(CASE) for p in CASE.rglob("*")) == before


def test_cli_export_redacts(tmp_path):
    out = tmp_path / "export"
    report = tmp_path / "report.json"
    assert main(["analyze", str(CASE), "-q", "--format", "json", "-o", str(report), "--redact",
                 "--export", str(out)]) == 0
    for path in out.iterdir():
        assert VM_MAC.encode() not in path.read_bytes(), path.name
        assert b"198.51.100" not in path.read_bytes(), path.name
    findings = pd.read_parquet(out / "findings.parquet")
    document = json.loads(report.read_text())
    assert list(findings["mac"]) == [f["mac"] for f in document["findings"]]
    events = pd.read_parquet(out / "fdb_events.parquet")
    assert set(events["mac"]) <= {f["mac"] for f in document["fdb_events"]}


def test_cli_export_failure_exits_2(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = main(["analyze", str(CASE), "-q", "-o", str(tmp_path / "report.txt"),
                 "--export", str(blocker / "out")])
    assert code == 2
    assert f"cannot export the tables to {blocker / 'out'}" in caplog.text
    assert "Not a directory" in caplog.text
