"""Helpers the rules share for picking evidence frames."""

from __future__ import annotations

import pandas as pd

from ..findings import Evidence

MAX_EVIDENCE_FRAMES = 5


def ingress_sighting(context, journey: pd.Series) -> pd.Series:
    index = journey["ingress_sighting"] if journey["ingress_sighting"] >= 0 else journey["first_sighting"]
    return context.sighting(index)


def sighting_at(context, journey_id: int, point: str) -> pd.Series | None:
    rows = context.sightings[(context.sightings["journey"] == journey_id)
                             & (context.sightings["point"] == point)]
    return rows.iloc[0] if len(rows) else None


def evidence(row: pd.Series, note: str) -> Evidence:
    return Evidence.from_sighting(row, note)
