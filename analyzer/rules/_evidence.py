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


def echo_pairs(context, echoes: pd.DataFrame, limit: int) -> list[Evidence]:
    """Return, for the first echoes, the frame leaving the host and the same frame coming back."""
    items = []
    shown = set()  # echoes of one frame (a storm) share the frame that left: list it once
    for _, echo in echoes.head(limit).iterrows():
        left = sighting_at(context, int(echo["echo_of"]), echo["echo_left_by"])
        if left is not None and (int(echo["echo_of"]), echo["echo_left_by"]) not in shown:
            shown.add((int(echo["echo_of"]), echo["echo_left_by"]))
            items.append(evidence(left, f"the host sends this frame out on {echo['echo_left_by']}"))
        back_on = echo["ingress_member"] or echo["ingress_port"]
        items.append(evidence(ingress_sighting(context, echo), f"the same frame comes back in on {back_on}"))
    return items
