"""reply-not-received: ARP requests left the host toward the network and no reply reached any capture point."""

from __future__ import annotations

from ..findings import Finding
from ..recommend import upstream_capture_advice
from ._evidence import evidence

CODE = "reply-not-received"


def find(context) -> list[Finding]:
    transactions = context.transactions
    if transactions.empty:
        return []
    findings = []
    for _, row in transactions[transactions["fate"] == "unanswered"].iterrows():
        journeys = context.journeys.loc[row["request_journeys"]]
        uplinks = []
        items = []
        for journey_id in journeys["journey"].head(3):
            rows = context.sightings[(context.sightings["journey"] == journey_id)
                                     & (context.sightings["direction"] == "out")]
            for _, sighting in rows.iterrows():
                if context.topology.graph.nodes.get(sighting["point"], {}).get("role") == "uplink":
                    uplinks.append(sighting["point"])
                    items.append(evidence(sighting, f"ARP request for {row['target_ip']} leaves the host"))
        uplinks = sorted(set(uplinks))
        summary = (f"{row['requests']} ARP request(s) from {row['requester_ip']} for {row['target_ip']} "
                   f"left the host on {', '.join(uplinks)} and no reply reached any capture point: "
                   f"the problem is outside this host.")
        findings.append(Finding(code=CODE, severity="error", summary=summary, mac=row["requester_mac"],
                                bridge=journeys.iloc[0]["bridge"], port=row["requester_port"],
                                evidence=items, recommendations=upstream_capture_advice(uplinks)))
    return findings
