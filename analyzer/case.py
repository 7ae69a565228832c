"""The Case: one incident's inputs and every table the analysis builds from them.

``load_case`` runs the whole pipeline (discover, parse, model, trace, replay,
diagnose); the command line and notebooks both use it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pandas as pd

from .arp import build_transactions
from .captures import read_capture
from .clocks import align_clocks
from .diagnose import diagnose
from .discover import discover, read_text
from .findings import Finding
from .journeys import DEFAULT_WINDOW, build_journeys
from .parsers import Parsed
from .replay import replay
from .rules import Context
from .sightings import CaptureSummary, build_sightings
from .tables import nullable_int
from .topology import Topology, build_topology

log = logging.getLogger(__name__)


@dataclass
class Case:
    """Everything known about one case, as DataFrames and a graph."""

    inputs: list[str]
    captures: list[CaptureSummary]
    outputs: list[Parsed]
    topology_model: Topology
    sightings: pd.DataFrame
    journeys: pd.DataFrame
    fdb_events: pd.DataFrame
    decisions: pd.DataFrame
    arp_transactions: pd.DataFrame
    finding_list: list[Finding]
    verdict: str
    warnings: list[str] = field(default_factory=list)
    replay_notes: list[str] = field(default_factory=list)

    @property
    def topology(self) -> nx.Graph:
        return self.topology_model.graph

    @property
    def frames(self) -> pd.DataFrame:
        """The frames of every capture, with capture point and file, without the trace columns."""
        trace = ["journey", "direction", "direction_source"]
        frames = self.sightings.drop(columns=[c for c in trace if c in self.sightings])
        return frames.rename(columns={"file_direction": "direction"})

    @property
    def fdb_snapshots(self) -> pd.DataFrame:
        tables = []
        for item in self.outputs:
            if item.kind in ("bridge_fdb", "bridge_fdb_json") and len(item.table):
                table = item.table.copy()
                table.insert(0, "source", item.source)
                tables.append(table)
        return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()

    @property
    def findings(self) -> pd.DataFrame:
        rows = [{"code": f.code, "severity": f.severity, "summary": f.summary, "bridge": f.bridge,
                 "port": f.port, "mac": f.mac, "lost_at": f.lost_at, "evidence": len(f.evidence)}
                for f in self.finding_list]
        return pd.DataFrame(rows, columns=["code", "severity", "summary", "bridge", "port", "mac",
                                           "lost_at", "evidence"])

    def replay(self, fix: dict[str, dict]) -> "Case":
        """Replay the same journeys under a changed configuration and diagnose again.

        ``fix`` maps interface names to settings to override, for example
        ``{"br1": {"ageing_time": 0}}`` (a bridge that floods) or
        ``{"team1": {"runner": "activebackup", "active_port": "ens224"}}``.
        The frames stay those captured, so the result shows what the bridge
        would have done with them; ARP fates come from the replay alone.
        """
        topology = Topology(graph=self.topology_model.graph.copy(), warnings=[])
        for name, settings in fix.items():
            if name not in topology.graph:
                raise KeyError(f"interface {name!r} is not in the case's topology")
            topology.graph.nodes[name].update(settings)
        result = replay(self.journeys, self.sightings, topology, self.outputs)
        nullable_int(result.events, ["vlan"])
        nullable_int(result.decisions, ["vlan"])
        transactions = build_transactions(self.journeys, self.sightings, result.decisions, topology,
                                          observed=False)
        context = Context(topology=topology, sightings=self.sightings, journeys=self.journeys,
                          decisions=result.decisions, fdb_events=result.events,
                          transactions=transactions, captures=self.captures, outputs=self.outputs)
        findings, verdict = diagnose(context)
        return Case(inputs=self.inputs, captures=self.captures, outputs=self.outputs,
                    topology_model=topology, sightings=self.sightings, journeys=self.journeys,
                    fdb_events=result.events, decisions=result.decisions,
                    arp_transactions=transactions, finding_list=findings, verdict=verdict,
                    warnings=list(self.warnings),
                    replay_notes=result.notes + [f"counterfactual replay with {fix}"])

    def report(self, format: str = "text", **options) -> str:
        from .report import render
        return render(self, format, **options)

    def __repr__(self) -> str:
        return (f"<Case verdict={self.verdict} captures={len(self.captures)} "
                f"sightings={len(self.sightings)} findings={len(self.finding_list)}>")

    def _repr_html_(self) -> str:
        from html import escape
        items = "".join(f"<li><b>{escape(f.code)}</b> ({escape(f.severity)}): {escape(f.summary)}</li>"
                        for f in self.finding_list)
        return (f"<div><b>l2trace case</b>: verdict <b>{escape(self.verdict)}</b>, "
                f"{len(self.captures)} captures, {len(self.sightings)} sightings<ul>{items}</ul></div>")


def _parse_outputs(outputs: list[tuple[str, str]], warnings: list[str]) -> list[Parsed]:
    import importlib
    parsed = []
    for path, kind in outputs:
        module = importlib.import_module(f"analyzer.parsers.{kind}")
        try:
            text = read_text(Path(path))
        except OSError as error:
            warnings.append(f"{path}: cannot be read ({error.strerror})")
            continue
        try:
            result = module.parse(text, source=path)
        except Exception as error:  # a parser bug must not stop the case
            log.exception("parser %s failed on %s", kind, path)
            warnings.append(f"{path}: the {kind} parser failed ({error}); file skipped")
            continue
        warnings.extend(result.warnings)
        parsed.append(result)
        log.info("parsed %s as %s: %d rows", path, kind, len(result.table))
    return parsed


def load_case(paths, captures: dict[str, str] | None = None, *, window: float = DEFAULT_WINDOW,
              progress=None) -> Case:
    """Read a case and run the whole analysis.

    ``paths`` is a file or folder, or a list of them. ``captures`` maps a
    capture file to the capture point name to use for it, overriding the name
    found in the file or its name. ``window`` is the time in seconds within
    which sightings of one frame belong to one journey. ``progress``, if given,
    is called as progress(path, bytes_read, total_bytes) while captures are read.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [str(p) for p in paths]
    overrides = dict(captures or {})
    found = discover(paths)
    for path in overrides:
        if path not in found.captures and Path(path).is_file():
            found.captures.append(path)
    warnings = list(found.skipped)
    parsed = _parse_outputs(found.outputs, warnings)
    topology = build_topology(parsed)
    warnings.extend(topology.warnings)

    capture_files = []
    for path in found.captures:
        callback = (lambda done, total, p=path: progress(p, done, total)) if progress else None
        capture = read_capture(path, progress=callback)
        capture_files.append(capture)
        log.info("read %s: %d frames", path, len(capture.frames))
    sightings, summaries = build_sightings(capture_files, topology, overrides)
    sightings, offsets, clock_notes = align_clocks(sightings)
    for summary in summaries:
        summary.clock_offset = offsets.get(summary.file, 0.0)
    warnings.extend(clock_notes)
    sightings, journeys = build_journeys(sightings, topology, window=window)
    result = replay(journeys, sightings, topology, parsed)
    nullable_int(result.events, ["vlan"])
    nullable_int(result.decisions, ["vlan"])
    transactions = build_transactions(journeys, sightings, result.decisions, topology)
    context = Context(topology=topology, sightings=sightings, journeys=journeys,
                      decisions=result.decisions, fdb_events=result.events,
                      transactions=transactions, captures=summaries, outputs=parsed)
    findings, verdict = diagnose(context)
    return Case(inputs=paths, captures=summaries, outputs=parsed, topology_model=topology,
                sightings=sightings, journeys=journeys, fdb_events=result.events,
                decisions=result.decisions, arp_transactions=transactions, finding_list=findings,
                verdict=verdict, warnings=warnings, replay_notes=result.notes)
