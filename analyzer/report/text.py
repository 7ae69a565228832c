"""The terminal report: the story in a few lines, then the details."""

from __future__ import annotations

from .common import VERDICT_HEADLINES, clean, clock, day, frame_ref

COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "bold": "\033[1m"}
RESET = "\033[0m"


def _paint(text: str, style: str, colour: bool) -> str:
    return f"{COLOURS[style]}{text}{RESET}" if colour else text


def render_text(case, colour: bool = False, verbose: bool = False) -> str:
    lines = []
    headline = VERDICT_HEADLINES.get(case.verdict, case.verdict)
    first_time = min((c.first_time for c in case.captures if c.first_time), default=None)
    lines.append(_paint(f"Verdict: {case.verdict}", "bold", colour) + f" ({headline})")
    if first_time:
        lines.append(f"Captures from {day(first_time)} (times are UTC)")
    lines.append("")
    for finding in case.finding_list:
        if finding.severity == "info" and not verbose and finding.code not in ("no-loss-found",):
            continue
        lines.append(_paint(f"[{finding.severity}] {finding.code}", finding.severity, colour))
        lines.append(f"  {clean(finding.summary)}")
        for item in finding.evidence:
            lines.append(f"  - {frame_ref(item)}: {clean(item.note)}")
        if finding.recommendations:
            lines.append("  What to change:")
            for recommendation in finding.recommendations:
                lines.append(f"  * {clean(recommendation)}")
        lines.append("")

    transactions = case.arp_transactions
    if len(transactions):
        lines.append("ARP transactions:")
        for _, t in transactions.iterrows():
            where = f" at {clean(t['lost_at'])}" if t["lost_at"] else ""
            seen = ", ".join(clean(p) for p in t["replies_seen_at"])
            replies = f"replies seen at {seen}" if seen else "no reply seen"
            lines.append(f"  {clean(t['requester_ip'])} ({clean(t['requester_mac'])}) asks for "
                         f"{clean(t['target_ip'])}: {t['requests']} request(s), {replies}: "
                         f"{t['fate']}{where}")
        lines.append("")

    lines.append("Captures:")
    for capture in case.captures:
        span = f"{clock(capture.first_time)} to {clock(capture.last_time)}" if capture.frames else "no frames"
        lines.append(f"  {clean(capture.point)}: {clean(capture.file)}, {capture.frames} frames, {span}")
        for warning in capture.warnings:
            lines.append(_paint(f"    warning: {clean(warning)}", "warning", colour))
    if case.outputs:
        lines.append("Command outputs:")
        for item in case.outputs:
            lines.append(f"  {clean(item.source)} ({item.kind})")
    notes = list(case.replay_notes) + list(case.warnings)
    if notes:
        lines.append("Notes:")
        for note in notes:
            lines.append(f"  {clean(note)}")
    return "\n".join(lines).rstrip() + "\n"
