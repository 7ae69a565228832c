"""The Case: one incident's inputs and every table the analysis builds from them.

``load_case`` runs the whole pipeline (discover, parse, model, trace, replay,
diagnose); the command line and notebooks both use it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import networkx as nx
import pandas as pd

from .arp import build_transactions
from .captures import estimated_size, read_captures
from .captures.jit import choose_loops
from .clocks import align_clocks
from .diagnose import diagnose
from .discover import choose_host, discover, label_outputs, read_text
from .findings import HTML_ROWS, Finding, html_table
from .journeys import DEFAULT_WINDOW, build_journeys
from .parsers import Parsed
from .parsers._text import build_table
from .parsers.bridge_fdb import FDB_COLUMNS
from .replay import replay
from .rules import Context
from .sightings import CaptureSummary, build_sightings
from .logclock import LogClock
from .snapshots import CHECK_COLUMNS, check_snapshots, place_snapshots, typed_checks
from .tables import nullable_int
from .topology import Topology, build_topology

log = logging.getLogger(__name__)

# Start of the replay note that marks a Case made by Case.replay(fix).
COUNTERFACTUAL = "counterfactual replay"


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
    other_outputs: list[Parsed] = field(default_factory=list)
    """Outputs of other hosts' sosreports in the case: listed with their host, not analysed."""
    snapshot_checks: pd.DataFrame = field(
        default_factory=lambda: typed_checks(pd.DataFrame(columns=CHECK_COLUMNS)))
    """Each learned entry of a dated FDB snapshot taken during or after the captures, against the replay then."""
    log_clock: LogClock | None = None
    """The kernel log's placement on the capture clock (boot time, method, error), from the cross checks."""

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
        """The saved ``bridge fdb show`` tables (text and ``-j``), one row per entry, with their file.

        Without any saved FDB the table is empty but keeps its columns.
        """
        tables = []
        for item in self.outputs:
            if item.kind in ("bridge_fdb", "bridge_fdb_json") and len(item.table):
                table = item.table.copy()
                table.insert(0, "source", item.source)
                tables.append(table)
        if not tables:
            empty = build_table([], FDB_COLUMNS)
            empty.insert(0, "source", pd.Series([], dtype=object))
            return empty
        return pd.concat(tables, ignore_index=True)

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
                    replay_notes=result.notes + [f"{COUNTERFACTUAL} with {fix}"],
                    other_outputs=list(self.other_outputs), log_clock=context.log_clock)

    def report(self, format: str = "text", **options) -> str:
        from .report import render
        return render(self, format, **options)

    def journey(self, journey: int) -> pd.DataFrame:
        """Return the sightings of one journey (a row of ``journeys``), in time order."""
        if journey not in self.journeys.index:
            raise KeyError(f"no journey {journey}: the case has {len(self.journeys)} journeys, "
                           "listed by id in case.journeys")
        return self.sightings[self.sightings["journey"] == journey]

    def follow(self, point: str, frame: int, file: str | None = None) -> pd.DataFrame:
        """Return the sightings of the journey that contains a given captured frame.

        ``frame`` is the frame number as Wireshark shows it in the capture taken
        at ``point``. Where several files were captured at that point, ``file``
        names the one meant.
        """
        sightings = self.sightings
        rows = sightings[(sightings["point"] == point) & (sightings["frame"] == frame)]
        if file is not None:
            rows = rows[rows["file"] == file]
        if rows.empty:
            where = f"{file} at {point!r}" if file is not None else f"capture point {point!r}"
            points = ", ".join(sorted(sightings["point"].unique()))
            raise KeyError(f"no frame {frame} at {where} (capture points: {points or 'none'})")
        files = sorted(rows["file"].unique())
        if len(files) > 1:
            raise ValueError(f"frame {frame} at {point!r} exists in {len(files)} files "
                             f"({', '.join(files)}); pass file= to pick one")
        return self.journey(int(rows["journey"].iloc[0]))

    def finding(self, code: str) -> Finding:
        """Return the first finding with this code, which is the most severe because ``finding_list`` is sorted."""
        for finding in self.finding_list:
            if finding.code == code:
                return finding
        codes = ", ".join(f.code for f in self.finding_list) or "none"
        raise KeyError(f"no finding {code!r} in the case (findings: {codes})")

    def __repr__(self) -> str:
        return (f"<Case verdict={self.verdict} captures={len(self.captures)} "
                f"sightings={len(self.sightings)} journeys={len(self.journeys)} "
                f"findings={len(self.finding_list)}>")

    def _repr_html_(self) -> str:
        """Render a summary for Jupyter: verdict, table sizes, captures and findings."""
        from .report.common import VERDICT_HEADLINES, clock, day

        def moment(seconds):
            return None if seconds is None else f"{day(seconds)} {clock(seconds)}"

        transactions = self.arp_transactions
        fates = transactions["fate"].value_counts().items() if len(transactions) else []
        sizes = [("frames", len(self.sightings), None), ("journeys", len(self.journeys), None),
                 ("fdb_events", len(self.fdb_events), None),
                 ("arp_transactions", len(transactions), ", ".join(f"{n} {fate}" for fate, n in fates)),
                 ("findings", len(self.finding_list), None)]
        captures = [(c.point, c.file, c.link_type, c.frames, moment(c.first_time), moment(c.last_time))
                    for c in self.captures[:HTML_ROWS]]
        findings = [(f.severity, f.code, f.bridge, f.port, f.mac, f.summary)
                    for f in self.finding_list[:HTML_ROWS]]
        headline = VERDICT_HEADLINES.get(self.verdict)
        verdict = f"<b>{escape(self.verdict)}</b>" + (f": {escape(headline)}" if headline else "")
        parts = [f"<p><b>l2trace case</b>: verdict {verdict}</p>"]
        counterfactual = next((n for n in self.replay_notes if n.startswith(COUNTERFACTUAL)), None)
        if counterfactual:
            parts.append(f"<p>{escape(counterfactual)}: ARP fates come from the replay alone</p>")
        parts += [html_table(("table", "rows", "detail"), sizes),
                  f"<p>Captures ({len(self.captures)}), times in UTC</p>",
                  html_table(("point", "file", "link type", "frames", "first", "last"), captures),
                  _more(len(self.captures), "captures"),
                  f"<p>Findings ({len(self.finding_list)})</p>",
                  html_table(("severity", "code", "bridge", "port", "mac", "summary"), findings),
                  _more(len(self.finding_list), "finding_list")]
        if self.warnings:
            parts.append(f"<p>{len(self.warnings)} warnings in <code>case.warnings</code></p>")
        return f"<div class=\"l2trace-case\">{''.join(parts)}</div>"


def _more(count: int, attribute: str) -> str:
    if count <= HTML_ROWS:
        return ""
    return f"<p>{count - HTML_ROWS} more in <code>case.{attribute}</code></p>"


def drop_duplicate_files(paths: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Keep one of each set of files with identical content; return the kept paths and (copy, original) pairs.

    The same capture sent twice under two names would double every sighting.
    Only files of equal size are hashed, so distinct captures cost one stat
    each. A copy that is compressed differently is not recognised.
    """
    by_size: dict[int, list[str]] = {}
    for path in paths:
        try:
            by_size.setdefault(os.stat(path).st_size, []).append(path)
        except OSError:
            by_size.setdefault(-1, []).append(path)
    duplicates: dict[str, str] = {}
    for size, same_size in by_size.items():
        if size <= 0 or len(same_size) < 2:
            continue
        seen: dict[str, str] = {}
        # The shortest name is kept: "eth1.pcap" rather than "eth1 (copy).pcap".
        for path in sorted(same_size, key=lambda p: (len(os.path.basename(p)), p)):
            digest = hashlib.sha256()
            try:
                with open(path, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
            except OSError:
                continue
            key = digest.hexdigest()
            if key in seen:
                duplicates[path] = seen[key]
            else:
                seen[key] = path
    kept = [p for p in paths if p not in duplicates]
    return kept, [(copy, original) for copy, original in duplicates.items()]


# LINKTYPE_LINUX_SLL and LINKTYPE_LINUX_SLL2.
COOKED_LINK_TYPES = (113, 276)

# `sos clean` replaces every MAC with one under this prefix ("SOS" in ASCII).
SOS_CLEAN_MAC_PREFIX = "53:4f:53:"


def _cleaned_outputs(parsed: list[Parsed]) -> list[str]:
    """Warn about outputs whose MACs `sos clean` rewrote: they cannot match the captures."""
    warnings = []
    for item in parsed:
        if "mac" not in item.table or item.table.empty:
            continue
        macs = item.table["mac"].dropna().astype(str)
        cleaned = macs.str.lower().str.startswith(SOS_CLEAN_MAC_PREFIX)
        if cleaned.any():
            warnings.append(f"{item.source}: {int(cleaned.sum())} MACs begin with {SOS_CLEAN_MAC_PREFIX[:-1]}, "
                            f"the prefix sos clean writes; they will not match the MACs in the captures "
                            f"(ask for the sosreport before cleaning, or clean the captures with the same map)")
    return warnings


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
    is called as progress(path, bytes_read, total_bytes) while captures are read,
    in file order; if it has a ``note(message)`` method, that is called when the
    run compiles the capture reader.
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
    label_outputs(parsed, found)
    warnings.extend(_cleaned_outputs(parsed))

    captures_found, duplicates = drop_duplicate_files(found.captures)
    warnings.extend(f"{copy}: same content as {original}; analysed once, as {original}"
                    for copy, original in duplicates)
    # The loops chosen here serve the journeys and the replay too. Several files are read in parallel threads.
    loops = choose_loops(sum(estimated_size(path) for path in captures_found))
    if loops.compiling and hasattr(progress, "note"):
        progress.note("compiling the capture reader (first run only)")
    capture_files = read_captures(captures_found, progress=progress)
    for capture in capture_files:
        log.info("read %s: %d frames", capture.path, len(capture.frames))
    parsed, other_outputs, host_notes = choose_host(parsed, capture_files, overrides, found.origins)
    warnings.extend(host_notes)
    topology = build_topology(parsed)
    warnings.extend(topology.warnings)
    sightings, summaries = build_sightings(capture_files, topology, overrides)
    cooked = [c.file for c in summaries if c.link_type in COOKED_LINK_TYPES]
    if cooked:
        warnings.append(f"{', '.join(cooked)}: Linux cooked captures (tcpdump -i any) do not record the "
                        f"destination MAC of frames the host sent; it is taken from other sightings of "
                        f"the same frame, or for ARP replies from the ARP target address, and is unknown "
                        f"otherwise")
    sightings, offsets, clock_notes = align_clocks(sightings)
    for summary in summaries:
        summary.clock_offset = offsets.get(summary.file, 0.0)
    warnings.extend(clock_notes)
    sightings, journeys = build_journeys(sightings, topology, window=window)
    span = (float(sightings["time"].min()), float(sightings["time"].max())) if len(sightings) else (None, None)
    snapshot_notes = place_snapshots(parsed, *span)
    result = replay(journeys, sightings, topology, parsed)
    snapshot_checks, check_notes = check_snapshots(parsed, result.events, result.final_state, journeys,
                                                   result.decisions)
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
                verdict=verdict, warnings=warnings, replay_notes=snapshot_notes + result.notes + check_notes,
                other_outputs=other_outputs, snapshot_checks=snapshot_checks, log_clock=context.log_clock)
