"""Diagnosis: run every rule, then add the verdict finding when no rule found a loss."""

from __future__ import annotations

import logging

from .crosscheck import cross_check
from .findings import SEVERITY_RANK, Finding
from .rules import RULES, Context

log = logging.getLogger(__name__)

NO_LOSS = "no-loss-found"
UNKNOWN = "unknown"


def diagnose(context: Context) -> tuple[list[Finding], str]:
    """Return the findings, most severe first, and the verdict code."""
    findings: list[Finding] = []
    for rule in RULES:
        try:
            findings.extend(rule.find(context))
        except Exception:  # a broken rule must not hide the others' findings
            log.exception("rule %s failed", rule.CODE)
            findings.append(Finding(code=UNKNOWN, severity="warning",
                                    summary=f"the rule {rule.CODE} failed on this case; "
                                            f"its result is missing (see the log)"))
    order = {rule.CODE: index for index, rule in enumerate(RULES)}
    findings.sort(key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), order.get(f.code, len(order))))
    cross_check(context, findings)
    errors = [f for f in findings if f.severity == "error" and f.code != UNKNOWN]
    if errors:
        return findings, errors[0].code
    unexplained = _unexplained_losses(context)
    if unexplained:
        findings.insert(0, unexplained)
        return findings, UNKNOWN
    transactions = context.transactions
    if len(transactions) and (transactions["fate"] == "answered").all():
        count = len(transactions)
        findings.append(Finding(code=NO_LOSS, severity="info",
                                summary=f"All {count} ARP transaction{'s' if count != 1 else ''} "
                                        f"were answered where the requester could see the reply."))
        return findings, NO_LOSS
    reason = _undecided_reason(context)
    findings.insert(0, Finding(code=UNKNOWN, severity="warning", summary=reason))
    return findings, UNKNOWN


def _unexplained_losses(context: Context) -> Finding | None:
    transactions = context.transactions
    if transactions.empty:
        return None
    lost = transactions[transactions["fate"].isin(["lost", "unanswered"])]
    if lost.empty:
        return None
    first = lost.iloc[0]
    where = f" at {first['lost_at']}" if first["lost_at"] else ""
    return Finding(code=UNKNOWN, severity="error", lost_at=first["lost_at"],
                   summary=(f"ARP replies from {first['target_ip']} to {first['requester_ip']} were "
                            f"lost{where}, and no rule explains why; inspect the journeys of the "
                            f"replies ({', '.join(first['replies_seen_at']) or 'none captured'})."))


def _undecided_reason(context: Context) -> str:
    if context.sightings.empty:
        return "No frames were read: the case has no readable capture, so nothing can be decided."
    if not context.topology.bridges():
        return ("No bridge is known: add `ip -d link show` or `bridge fdb show` output from the host "
                "so the captures can be placed on the topology.")
    transactions = context.transactions
    if transactions.empty:
        return ("The captures hold no ARP request with its reply window; capture while the failing "
                "host resolves its gateway (for example: ip neigh flush dev eth0; ping -c 3 GATEWAY).")
    undecided = transactions[transactions["fate"] == "unknown"]
    if len(undecided):
        row = undecided.iloc[0]
        return (f"The fate of the ARP transaction {row['requester_ip']} -> {row['target_ip']} cannot "
                f"be decided: {row['reason']}.")
    return "The captures do not allow a decision."
