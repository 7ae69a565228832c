"""notebooks/postmortem.ipynb: stored without outputs, and runs top to bottom in a real Jupyter kernel."""

import os
import re

import pytest

from analyzer.export import TABLES, TOPOLOGY_FILE
from conftest import REPO

nbformat = pytest.importorskip("nbformat", reason="install the test extra: pip install -e '.[test]'")
nbclient = pytest.importorskip("nbclient", reason="install the test extra: pip install -e '.[test]'")
pytest.importorskip("ipykernel", reason="install the test extra: pip install -e '.[test]'")

NOTEBOOKS = REPO / "notebooks"
NOTEBOOK = NOTEBOOKS / "postmortem.ipynb"
# Seconds one cell may run. The whole notebook takes seconds; the limit only
# stops a hung kernel from stalling the test run.
CELL_TIMEOUT = 300


def _read():
    return nbformat.read(NOTEBOOK, as_version=4)


def _code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _tagged(notebook, tag: str):
    cells = [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def _output(cell, mime: str) -> str:
    """Return the joined outputs of one MIME type (or the stream text for "stream") of a cell."""
    parts = []
    for output in cell.outputs:
        if mime == "stream" and output.output_type == "stream":
            parts.append(output.text)
        elif mime in output.get("data", {}):
            parts.append(output.data[mime])
    return "".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after a run in a fresh kernel started in notebooks/, as a user opens it."""
    temporary = tmp_path_factory.mktemp("kernel-tmp")
    before = sorted(p.name for p in NOTEBOOKS.iterdir())
    env = dict(os.environ)
    # The checkout under test comes first, also when an older l2trace is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    # The notebook's export goes to a new folder below TMPDIR; keep it inside the test's folder.
    env["TMPDIR"] = str(temporary)
    # Without MPLBACKEND the kernel uses its inline backend, which shows figures as PNG.
    env.pop("MPLBACKEND", None)
    notebook = _read()
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, startup_timeout=120,
                                     kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute(env=env)
    after = sorted(p.name for p in NOTEBOOKS.iterdir())
    return notebook, temporary, before, after


def test_stored_without_outputs():
    notebook = _read()
    nbformat.validate(notebook)
    for cell in _code_cells(notebook):
        assert cell.outputs == [], cell.id
        assert cell.execution_count is None, cell.id


def test_paths_are_relative():
    sources = "\n".join(cell.source for cell in _read().cells)
    assert 'Path("..") / "samples" / "roundrobin-flood"' in sources
    assert not re.search(r"['\"](/|[A-Za-z]:\\)", sources), "an absolute path in the notebook"
    assert (NOTEBOOKS / ".." / "samples" / "roundrobin-flood").is_dir()


def test_every_cell_ran(executed):
    notebook, _, _, _ = executed
    for cell in _code_cells(notebook):
        assert cell.execution_count is not None, cell.id
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors == [], cell.id


def test_run_leaves_notebooks_folder_unchanged(executed):
    _, _, before, after = executed
    assert after == before


def test_case_summary_shown(executed):
    notebook, _, _, _ = executed
    html = _output(_tagged(notebook, "load"), "text/html")
    assert "verdict <b>fdb-ingress-port-drop</b>" in html
    assert "../samples/roundrobin-flood/captures/vnet0.pcap" in html


def test_lost_reply_dropped_at_team1(executed):
    notebook, _, _, _ = executed
    reply = _output(_tagged(notebook, "lost-reply"), "text/plain")
    assert re.search(r"ingress_port\s+team1", reply)
    assert re.search(r"egress_ports\s+\[\]", reply)
    decision = _output(_tagged(notebook, "decision"), "text/plain")
    assert re.search(r"decision\s+drop-ingress-port", decision)
    assert re.search(r"fdb_port\s+team1", decision)


def test_first_move_caused_by_echo(executed):
    notebook, _, _, _ = executed
    events = _output(_tagged(notebook, "fdb-events"), "text/html")
    first_row = re.search(r"<tr>\s*<th>0</th>(.*?)</tr>", events, re.DOTALL).group(1)
    cells = re.findall(r"<td>(.*?)</td>", first_row)
    assert cells[1:] == ["br1", "52:54:00:6b:2e:01", "vnet0", "team1", "ens224", "2"]


@pytest.mark.parametrize("tag", ["ladder", "fdb-timeline", "topology"])
def test_plots_shown_as_png(executed, tag):
    notebook, _, _, _ = executed
    assert _output(_tagged(notebook, tag), "image/png")


def test_finding_shows_evidence(executed):
    notebook, _, _, _ = executed
    html = _output(_tagged(notebook, "finding"), "text/html")
    assert "<b>fdb-ingress-port-drop</b> (error)" in html
    assert "Evidence: 7 frames" in html


def test_replay_floods_to_vnet0(executed):
    notebook, _, _, _ = executed
    html = _output(_tagged(notebook, "replay"), "text/html")
    assert "verdict <b>no-loss-found</b>" in html
    decisions = _output(_tagged(notebook, "replay-decisions"), "text/plain")
    rows = [line for line in decisions.splitlines() if re.match(r"^\d+\s", line)]
    assert len(rows) == 6
    for row in rows:
        assert re.search(r"team1\s+flood\s+\[vnet0\]", row), row
    transactions = _output(_tagged(notebook, "replay-transactions"), "text/plain")
    assert "answered" in transactions
    assert "lost" not in transactions


def test_export_written_to_temporary_folder(executed):
    notebook, temporary, _, _ = executed
    folders = [p for p in temporary.iterdir() if p.name.startswith("l2trace-postmortem-")]
    assert len(folders) == 1
    expected = sorted([f"{name}.parquet" for name in TABLES] + [TOPOLOGY_FILE])
    assert sorted(p.name for p in folders[0].iterdir()) == expected
    listed = _output(_tagged(notebook, "export"), "text/plain")
    for name in expected:
        assert name in listed


def test_writeup_names_loss(executed):
    notebook, _, _, _ = executed
    text = _output(_tagged(notebook, "writeup"), "stream")
    assert "6 replies were captured on ens224, ens256 and lost at br1" in text
    assert text.count("\n") == 3
