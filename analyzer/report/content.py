"""The content shared by the HTML and Markdown reports, as plain dicts and lists.

Strings from inputs are left as they are: each renderer escapes them for its
own format.
"""

from __future__ import annotations

from ..findings import SEVERITY_RANK
from .advice import capture_interfaces, output_advice, split_commands
from .common import VERDICT_HEADLINES, case_log_clock, clock, day, log_clock_sentence, log_line
from .evidence import evidence_rows


def verdict_finding(case):
    """Return the finding whose code is the verdict, else the most severe one, else None."""
    for finding in case.finding_list:
        if finding.code == case.verdict:
            return finding
    ranked = sorted(case.finding_list, key=lambda f: -SEVERITY_RANK.get(f.severity, 0))
    return ranked[0] if ranked else None


def _count(number, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _what(case) -> str:
    table = case.arp_transactions
    if table.empty:
        return "The captures hold no ARP transaction (no ARP request with an answerable target)."
    lost = table[table["fate"] == "lost"]
    if len(lost):
        first = lost.iloc[0]
        where = f" at {first['lost_at']}" if first["lost_at"] else ""
        text = (f"{_count(first['replies'], 'ARP reply', 'ARP replies')} from {first['target_ip']} to {first['requester_ip']} "
                f"({first['requester_mac']}) reached the host and were lost{where}")
        if not first["replies"]:
            text = (f"{_count(first['requests'], 'ARP request', 'ARP requests')} from {first['requester_ip']} "
                    f"({first['requester_mac']}) for {first['target_ip']} were lost{where}")
        more = len(lost) - 1
        return text + (f"; {more} more transactions were lost too." if more else ".")
    unanswered = table[table["fate"] == "unanswered"]
    if len(unanswered):
        first = unanswered.iloc[0]
        return (f"{_count(first['requests'], 'ARP request', 'ARP requests')} from {first['requester_ip']} for {first['target_ip']} "
                f"left the host and no reply came back.")
    unknown = table[table["fate"] == "unknown"]
    if len(unknown):
        return f"{len(unknown)} of {len(table)} ARP transactions have an unknown fate: {unknown.iloc[0]['reason']}."
    return f"All {len(table)} ARP transactions were answered where the requester could see the reply."


def summary_lines(case) -> list[tuple[str, str]]:
    """Return the three-line summary: what happened, why, and the first fix."""
    finding = verdict_finding(case)
    what = _what(case)
    if finding is not None:
        why = finding.summary
    else:
        why = VERDICT_HEADLINES.get(case.verdict, case.verdict)
    if case.verdict == "no-loss-found" and why == what:
        why = ("No rule found a frame that this host's bridges, teams or bonds discarded; the replayed FDB "
               "forwarded each reply toward its requester.")
    if finding is not None and finding.recommendations:
        fix = finding.recommendations[0]
    elif case.verdict == "no-loss-found":
        fix = "Nothing to change on this host for the captured span."
    else:
        fix = ("Collect what the report says is missing (the HTML and Markdown reports list the "
               "captures and command outputs to add) and run l2trace again.")
    return [("What", what), ("Why", why), ("Fix", fix)]


def _severity(case) -> str:
    finding = verdict_finding(case)
    if case.verdict == "no-loss-found":
        return "ok"
    return finding.severity if finding is not None else "warning"


def _transactions(case) -> list[dict]:
    rows = []
    for _, t in case.arp_transactions.iterrows():
        rows.append({"number": int(t["transaction"]), "requester_ip": t["requester_ip"],
                     "requester_mac": t["requester_mac"], "target_ip": t["target_ip"],
                     "requests": int(t["requests"]), "replies": int(t["replies"]),
                     "seen_at": ", ".join(t["replies_seen_at"]) or "none", "fate": t["fate"],
                     "lost_at": t["lost_at"] or "", "reason": t["reason"] or "",
                     "time": clock(t["first_time"])})
    return rows


def _recommendations(case) -> list[dict]:
    """Merge the findings' recommendations, in order, each with the codes of the findings it fixes."""
    merged: dict[str, dict] = {}
    for finding in case.finding_list:
        for text in finding.recommendations:
            entry = merged.setdefault(text, {"parts": split_commands(text), "codes": []})
            if finding.code not in entry["codes"]:
                entry["codes"].append(finding.code)
    return list(merged.values())


def _findings(case) -> list[dict]:
    rows = []
    for finding in case.finding_list:
        rows.append({"code": finding.code, "severity": finding.severity, "summary": finding.summary,
                     "explanation": finding.explanation, "confidence": finding.confidence,
                     "counterfactual": finding.counterfactual, "related": list(finding.related),
                     "log_evidence": list(finding.log_evidence),
                     "log_lines": [log_line(entry, time) for entry, time in _timed_log(finding)],
                     "recommendations": [split_commands(r) for r in finding.recommendations]})
    return rows


def _timed_log(finding) -> list[tuple[str, float | None]]:
    times = list(finding.log_times) + [None] * (len(finding.log_evidence) - len(finding.log_times))
    return list(zip(finding.log_evidence, times))


def _inputs(case) -> dict:
    captures = [{"point": c.point, "file": c.file, "format": c.format, "link_type": c.link_type,
                 "frames": c.frames,
                 "span": f"{clock(c.first_time)} to {clock(c.last_time)}" if c.frames else "no frames",
                 "warnings": list(c.warnings)} for c in case.captures]
    outputs = [{"source": item.source, "kind": item.kind, "rows": len(item.table),
                "warnings": list(item.warnings), "host": item.meta.get("host"),
                "collected_at": item.meta.get("collected_at"), "analysed": analysed}
               for analysed, items in ((True, case.outputs), (False, getattr(case, "other_outputs", [])))
               for item in items]
    return {"paths": list(case.inputs), "captures": captures, "outputs": outputs,
            "warnings": list(case.warnings), "notes": list(case.replay_notes)}


def build_content(case, redacted: bool = False) -> dict:
    """Collect everything the HTML and Markdown reports show, in the order they show it."""
    first_time = min((c.first_time for c in case.captures if c.first_time), default=None)
    interfaces = capture_interfaces(case)
    return {
        "verdict": case.verdict,
        "headline": VERDICT_HEADLINES.get(case.verdict, ""),
        "severity": _severity(case),
        "summary": summary_lines(case),
        "day": day(first_time) if first_time else None,
        "transactions": _transactions(case),
        "findings": _findings(case),
        "recommendations": _recommendations(case),
        "evidence": evidence_rows(case),
        "interfaces": interfaces,
        "missing_interfaces": [i["name"] for i in interfaces if not i["captured"]],
        "outputs_advice": output_advice(case),
        "inputs": _inputs(case),
        "log_clock": log_clock_sentence(case_log_clock(case)),
        "redacted": redacted,
    }
