"""Export a case's tables as Parquet files and its topology as GraphML.

The files let a case be reopened without the captures, in pandas or in any
tool that reads Parquet (DuckDB, Arrow, R) or GraphML (Gephi, yEd). Column
types follow docs/tables.md. List columns become Parquet lists, which pandas
reads back as numpy arrays (or as ``list`` ArrowDtype columns with
``dtype_backend="pyarrow"``). A table's named index (``sighting``, ``journey``)
is stored as a column too, and pandas restores it as the index.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

log = logging.getLogger(__name__)

TABLES = ("frames", "sightings", "journeys", "fdb_events", "fdb_snapshots", "snapshot_checks", "decisions",
          "arp_transactions", "findings")
TOPOLOGY_FILE = "topology.graphml"

# Item types of the list columns in docs/tables.md. pyarrow infers them from the
# values, which it cannot do when every list of a column is empty or the table
# has no rows.
LIST_ITEMS = {
    "egress_ports": pa.string(),
    "points": pa.string(),
    "replies_seen_at": pa.string(),
    "request_journeys": pa.int64(),
    "reply_journeys": pa.int64(),
}


def export_case(case, directory) -> list[Path]:
    """Write each table of the case as DIRECTORY/NAME.parquet and the topology as GraphML.

    Creates the directory and its parents and overwrites files of the same
    names. Returns the paths written, tables first. Raises OSError when a file
    cannot be written, and ValueError naming the table when a column has no
    Parquet type.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        path = directory / f"{name}.parquet"
        pq.write_table(arrow_table(getattr(case, name), name), path)
        written.append(path)
    path = directory / TOPOLOGY_FILE
    nx.write_graphml(graphml_safe(case.topology), path, infer_numeric_types=True)
    written.append(path)
    log.info("exported %d tables and the topology to %s", len(TABLES), directory)
    return written


def arrow_table(frame, name: str) -> pa.Table:
    """Convert a case table to Arrow, keeping a named index and typing all-missing columns."""
    named_index = frame.index.name is not None
    try:
        table = pa.Table.from_pandas(frame, preserve_index=named_index)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise ValueError(f"table {name}: a column has no Parquet type ({error})") from error
    for index, field in enumerate(table.schema):
        column_type = _typed(field)
        if column_type is not None:
            table = table.set_column(index, field.with_type(column_type), table.column(index).cast(column_type))
    return table


def _typed(field: pa.Field) -> pa.DataType | None:
    """Return the type for a column whose values were all missing or all empty lists, else None."""
    untyped = pa.types.is_null(field.type) or (pa.types.is_list(field.type)
                                               and pa.types.is_null(field.type.value_type))
    if not untyped:
        return None
    if field.name in LIST_ITEMS:
        return pa.list_(LIST_ITEMS[field.name])
    return pa.string()


def graphml_safe(graph: nx.Graph) -> nx.Graph:
    """Return a copy of the graph whose attribute values GraphML can hold.

    GraphML stores strings, integers, floats and booleans. Lists, sets and
    dicts (a port's ``vlans``) become JSON text, numpy scalars become Python
    numbers, and attributes that are None are left out.
    """
    safe = graph.__class__()
    safe.graph.update(_safe_attributes(graph.graph))
    for node, data in graph.nodes(data=True):
        safe.add_node(str(node), **_safe_attributes(data))
    for a, b, data in graph.edges(data=True):
        safe.add_edge(str(a), str(b), **_safe_attributes(data))
    return safe


def _safe_attributes(data: dict) -> dict:
    return {str(key): _safe_value(value) for key, value in data.items() if value is not None}


def _safe_value(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (set, frozenset)):
        value = sorted(value, key=str)
    if isinstance(value, (list, tuple, dict)):
        try:
            return json.dumps(value, sort_keys=True, default=_json_default)
        except TypeError:  # dict keys of mixed types cannot be sorted
            return json.dumps(value, default=_json_default)
    return str(value)


def _json_default(value):
    return value.item() if isinstance(value, np.generic) else str(value)
