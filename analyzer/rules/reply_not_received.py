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
    unanswered = transactions[transactions["fate"] == "unanswered"]
    if unanswered.empty:
        return []
    # The first three request journeys of each transaction give the evidence.
    shown = {journey for journeys in unanswered["request_journeys"] for journey in journeys[:3]}
    sightings = context.sightings
    leaving = sightings[sightings["journey"].isin(shown) & (sightings["direction"] == "out")]
    leaving_by_journey: dict[int, list] = {}
    for label, journey in zip(leaving.index.tolist(), leaving["journey"].tolist()):
        leaving_by_journey.setdefault(journey, []).append(label)
    findings = []
    for _, row in unanswered.iterrows():
        journeys = context.journeys.loc[row["request_journeys"]]
        uplinks = []
        items = []
        for journey_id in journeys["journey"].head(3):
            for label in leaving_by_journey.get(int(journey_id), []):
                sighting = sightings.loc[label]
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
