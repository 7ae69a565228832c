"""Findings: one diagnosis each, with its evidence and what to change."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from html import escape

import pandas as pd

SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}
# Characters of the summary that repr() shows, and rows of a table that _repr_html_ shows.
REPR_SUMMARY = 80
HTML_ROWS = 20


@dataclass
class Evidence:
    """One frame that supports a finding, as Wireshark numbers it."""

    point: str
    file: str
    frame: int
    time: float
    note: str

    @classmethod
    def from_sighting(cls, row: pd.Series, note: str) -> "Evidence":
        return cls(point=str(row["point"]), file=str(row["file"]), frame=int(row["frame"]),
                   time=float(row["time"]), note=note)


@dataclass
class Finding:
    """One diagnosis: a stable code, a severity, a summary, its evidence and recommendations."""

    code: str
    severity: str
    summary: str
    lost_at: str | None = None
    mac: str | None = None
    vlan: int | None = None
    bridge: str | None = None
    port: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    explanation: str | None = None
    confidence: str = "inferred"
    """"confirmed" (a saved output agrees), "inferred" (captures only) or "conflicting"."""
    counterfactual: str | None = None
    """Outcome of the replay with the fix applied, for the frames the finding says were lost."""
    related: list[str] = field(default_factory=list)
    """Codes of findings that are consequences of this one."""
    log_evidence: list[str] = field(default_factory=list)
    """Kernel or teamd log lines that support the finding, each as "FILE:LINE: message"."""
    log_times: list[float | None] = field(default_factory=list)
    """Each log_evidence line's time on the capture clock (epoch seconds), or None where it cannot be placed."""

    def to_dict(self) -> dict:
        return asdict(self)

    def __repr__(self) -> str:
        summary = self.summary if len(self.summary) <= REPR_SUMMARY else self.summary[:REPR_SUMMARY - 3] + "..."
        return f"<Finding {self.code} ({self.severity}, {len(self.evidence)} evidence): {summary}>"

    def _repr_html_(self) -> str:
        """Render the finding for Jupyter: summary, where, the first evidence frames and what to change."""
        from .report.common import clock

        where = [(name, getattr(self, name)) for name in ("bridge", "port", "mac", "vlan", "lost_at")
                 if getattr(self, name) is not None]
        evidence = [(e.point, e.file, e.frame, clock(e.time), e.note)
                    for e in self.evidence[:HTML_ROWS]]
        parts = [f"<p><b>{escape(self.code)}</b> ({escape(self.severity)}): {escape(self.summary)}</p>"]
        if where:
            parts.append(html_table(("field", "value"), where))
        parts.append(f"<p>Evidence: {len(self.evidence)} frames</p>")
        if evidence:
            parts.append(html_table(("point", "file", "frame", "time (UTC)", "note"), evidence))
        if len(self.evidence) > HTML_ROWS:
            parts.append(f"<p>{len(self.evidence) - HTML_ROWS} more in <code>.evidence</code></p>")
        if self.recommendations:
            items = "".join(f"<li>{escape(str(r))}</li>" for r in self.recommendations)
            parts.append(f"<p>Recommendations:</p><ul>{items}</ul>")
        return f"<div class=\"l2trace-finding\">{''.join(parts)}</div>"


def html_table(header, rows) -> str:
    """Render rows as an HTML table with every cell escaped. None becomes an empty cell."""
    head = "".join(f"<th>{escape(str(name))}</th>" for name in header)
    lines = []
    for row in rows:
        cells = "".join(f"<td>{'' if value is None else escape(str(value))}</td>" for value in row)
        lines.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"
