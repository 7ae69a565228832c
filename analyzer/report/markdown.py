"""The Markdown report, for pasting into a ticket. Strings from inputs are escaped."""

from __future__ import annotations

import re

from .common import VERDICT_HEADLINES, clean, clock, day

SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def md(text) -> str:
    """Escape a string from an input so that Markdown shows it as text."""
    return SPECIAL.sub(r"\\\1", clean(text))


def render_markdown(case) -> str:
    out = [f"# l2trace: {md(case.verdict)}", "",
           f"**Verdict:** `{case.verdict}`: {VERDICT_HEADLINES.get(case.verdict, '')}", ""]
    first_time = min((c.first_time for c in case.captures if c.first_time), default=None)
    if first_time:
        out += [f"Captures from {day(first_time)}; times are UTC.", ""]
    out += ["## Findings", ""]
    for finding in case.finding_list:
        out += [f"### {md(finding.code)} ({finding.severity})", "", md(finding.summary), ""]
        if finding.evidence:
            out += ["| capture point | file | frame | time | what it shows |",
                    "| --- | --- | --- | --- | --- |"]
            for item in finding.evidence:
                out.append(f"| {md(item.point)} | {md(item.file)} | {item.frame} | {clock(item.time)} "
                           f"| {md(item.note)} |")
            out.append("")
        if finding.recommendations:
            out += ["What to change:", ""]
            out += [f"- {md(r)}" for r in finding.recommendations]
            out.append("")
    if len(case.arp_transactions):
        out += ["## ARP transactions", "",
                "| requester | target | requests | replies seen at | fate | lost at |",
                "| --- | --- | --- | --- | --- | --- |"]
        for _, t in case.arp_transactions.iterrows():
            out.append(f"| {md(t['requester_ip'])} ({md(t['requester_mac'])}) | {md(t['target_ip'])} | "
                       f"{t['requests']} | {md(', '.join(t['replies_seen_at']) or 'none')} | {t['fate']} | "
                       f"{md(t['lost_at'] or '')} |")
        out.append("")
    out += ["## Inputs", "", "| capture point | file | frames | warnings |", "| --- | --- | --- | --- |"]
    for capture in case.captures:
        out.append(f"| {md(capture.point)} | {md(capture.file)} | {capture.frames} | "
                   f"{md('; '.join(capture.warnings))} |")
    out.append("")
    for item in case.outputs:
        out.append(f"- {md(item.source)} ({md(item.kind)})")
    notes = list(case.replay_notes) + list(case.warnings)
    if notes:
        out += ["", "## Notes", ""] + [f"- {md(n)}" for n in notes]
    return "\n".join(out).rstrip() + "\n"
