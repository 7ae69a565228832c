"""Diagnosis rules. Each module has ``find(context) -> list[Finding]`` and one finding code.

The order of ``RULES`` is the order of precedence for the verdict among
findings of the same severity: the rules that name a root cause come first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..sightings import CaptureSummary
from ..topology import Topology
from . import (arp_conflict, broadcast_echo, fdb_ingress_port_drop, fdb_mac_move, frame_reflected,
               inactive_port_drop, reply_not_received, vlan_filter_drop)


@dataclass
class Context:
    """Everything the rules may read about a case."""

    topology: Topology
    sightings: pd.DataFrame
    journeys: pd.DataFrame
    decisions: pd.DataFrame
    fdb_events: pd.DataFrame
    transactions: pd.DataFrame
    captures: list[CaptureSummary] = field(default_factory=list)

    def sighting(self, index: int) -> pd.Series:
        return self.sightings.loc[int(index)]

    def journey_sightings(self, journey: int) -> pd.DataFrame:
        return self.sightings[self.sightings["journey"] == journey]


RULES = [
    fdb_ingress_port_drop,
    vlan_filter_drop,
    inactive_port_drop,
    reply_not_received,
    broadcast_echo,
    frame_reflected,
    fdb_mac_move,
    arp_conflict,
]
