"""Diagnosis rules. Each module has ``find(context) -> list[Finding]`` and one finding code.

The order of ``RULES`` is the order of precedence for the verdict among
findings of the same severity: the rules that name a root cause come first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..sightings import CaptureSummary
from ..topology import Topology
from ..parsers import Parsed
from . import (aggregate_mode_mismatch, alb_source_rewrite, arp_conflict, broadcast_echo, broadcast_storm,
               duplicate_mac, fdb_ingress_port_drop, fdb_mac_move, fdb_offload_mismatch, frame_reflected,
               hairpin_drop, inactive_port_drop, lacp_not_aggregated, reply_not_received, stp_bpdu_toward_switch,
               vlan_filter_drop)


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
    outputs: list[Parsed] = field(default_factory=list)
    # Counterfactual replays already run, by their settings, so that several findings share them.
    replays: dict = field(default_factory=dict, repr=False, compare=False)
    # The kernel log's place on the capture clock, set by the cross checks for the reports.
    log_clock: object = field(default=None, repr=False, compare=False)

    @property
    def snapshots(self) -> list[Parsed]:
        """The saved FDB outputs of the case."""
        return [item for item in self.outputs if item.kind in ("bridge_fdb", "bridge_fdb_json")]

    def sighting(self, index: int) -> pd.Series:
        return self.sightings.loc[int(index)]

    def journey_sightings(self, journey: int) -> pd.DataFrame:
        return self.sightings[self.sightings["journey"] == journey]


RULES = [
    fdb_ingress_port_drop,
    hairpin_drop,
    vlan_filter_drop,
    inactive_port_drop,
    lacp_not_aggregated,
    duplicate_mac,
    broadcast_storm,
    reply_not_received,
    broadcast_echo,
    frame_reflected,
    stp_bpdu_toward_switch,
    aggregate_mode_mismatch,
    fdb_offload_mismatch,
    fdb_mac_move,
    arp_conflict,
    alb_source_rewrite,
]
