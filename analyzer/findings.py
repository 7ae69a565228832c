"""Findings: one diagnosis each, with its evidence and what to change."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}


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

    def to_dict(self) -> dict:
        return asdict(self)

    def __repr__(self) -> str:
        return f"<Finding {self.code} ({self.severity}): {self.summary[:80]}>"

    def _repr_html_(self) -> str:
        from html import escape
        return (f"<b>{escape(self.code)}</b> ({escape(self.severity)}): {escape(self.summary)}"
                f" <i>{len(self.evidence)} evidence frames</i>")
