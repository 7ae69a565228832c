"""The terminal report: the verdict and a three-line summary, then the findings in brief."""

from __future__ import annotations

from .common import VERDICT_HEADLINES, case_log_clock, clean, clock, day, frame_ref, log_clock_sentence, log_line
from .content import summary_lines, verdict_finding

COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "ok": "\033[32m",
           "bold": "\033[1m", "dim": "\033[2m"}
RESET = "\033[0m"
# Evidence lines shown per finding without -v; the rest are counted.
EVIDENCE_LINES = 3


def _paint(text: str, style: str, colour: bool) -> str:
    return f"{COLOURS[style]}{text}{RESET}" if colour else text


def _verdict_style(case) -> str:
    if case.verdict == "no-loss-found":
        return "ok"
    finding = verdict_finding(case)
    return finding.severity if finding is not None else "warning"


def _findings(case, colour: bool, verbose: bool) -> list[str]:
    lines = []
    printed = None
    for finding in case.finding_list:
        if finding.severity == "info" and not verbose and finding.code != "no-loss-found":
            continue
        lines.append(_paint(f"[{finding.severity}] {finding.code}", finding.severity, colour)
                     + f" ({finding.confidence})")
        lines.append(f"  {clean(finding.summary)}")
        if finding.counterfactual:
            lines.append(f"  {clean(finding.counterfactual)}")
        if finding.related:
            lines.append(f"  Consequences of this: {', '.join(finding.related)}.")
        shown = finding.evidence if verbose else finding.evidence[:EVIDENCE_LINES]
        for item in shown:
            lines.append(f"  - {frame_ref(item)}: {clean(item.note)}")
        hidden = len(finding.evidence) - len(shown)
        if hidden:
            lines.append(_paint(f"  ... {hidden} more evidence frames (-v shows them)", "dim", colour))
        # The frames prove the finding; log lines only support it, so they come after.
        times = list(finding.log_times) + [None] * len(finding.log_evidence)
        for entry, time in list(zip(finding.log_evidence, times))[: None if verbose else 2]:
            lines.append(f"  - log {log_line(entry, time)}")
        if finding.recommendations and finding.recommendations == printed:
            lines.append("  What to change: as above.")
        elif finding.recommendations:
            lines.append("  What to change:")
            for recommendation in finding.recommendations:
                lines.append(f"  * {clean(recommendation)}")
            printed = finding.recommendations
        lines.append("")
    hidden = [f.code for f in case.finding_list
              if f.severity == "info" and not verbose and f.code != "no-loss-found"]
    if hidden:
        lines += [_paint(f"{len(hidden)} info finding{'s' if len(hidden) != 1 else ''} not shown "
                         f"({', '.join(sorted(set(hidden)))}); -v shows them.", "dim", colour), ""]
    return lines


def _transactions(case) -> list[str]:
    transactions = case.arp_transactions
    if not len(transactions):
        return []
    lines = ["ARP transactions:"]
    for _, t in transactions.iterrows():
        where = f" at {clean(t['lost_at'])}" if t["lost_at"] else ""
        seen = ", ".join(clean(p) for p in t["replies_seen_at"]) or "no capture point"
        lines.append(f"  {clean(t['requester_ip'])} ({clean(t['requester_mac'])}) asks for "
                     f"{clean(t['target_ip'])}: {t['requests']} request(s), replies seen at {seen}: "
                     f"{t['fate']}{where}")
    return lines + [""]


def _inputs(case, colour: bool, verbose: bool) -> list[str]:
    lines = ["Captures:"]
    for capture in case.captures:
        span = f"{clock(capture.first_time)} to {clock(capture.last_time)}" if capture.frames else "no frames"
        lines.append(f"  {clean(capture.point)}: {clean(capture.file)}, {capture.frames} frames, {span}")
        for warning in capture.warnings:
            lines.append(_paint(f"    warning: {clean(warning)}", "warning", colour))
    others = getattr(case, "other_outputs", [])
    if case.outputs and verbose:
        lines.append("Command outputs:")
        lines += [f"  {clean(item.source)} ({_provenance(item)})" for item in case.outputs]
    elif case.outputs:
        lines.append(f"Command outputs: {len(case.outputs)} read (-v lists them)")
    if others and verbose:
        lines.append("Command outputs of other hosts, not analysed:")
        lines += [f"  {clean(item.source)} ({_provenance(item)})" for item in others]
    elif others:
        lines.append(f"Command outputs of other hosts, not analysed: {len(others)} (-v lists them)")
    unused = [w for w in case.warnings if w.endswith(NOT_USED)]
    warnings = [w for w in case.warnings if not w.endswith(NOT_USED)]
    if warnings:
        lines.append("Warnings:")
        lines += [_paint(f"  {clean(w)}", "warning", colour) for w in warnings]
    if unused and verbose:
        lines.append("Files not used:")
        lines += [f"  {clean(w[: -len(NOT_USED)].rstrip(': '))}" for w in unused]
    elif unused:
        lines.append(f"Files not used: {len(unused)}, neither captures nor known command output "
                     f"(-v lists them)")
    sentence = log_clock_sentence(case_log_clock(case))
    cited = any(finding.log_evidence for finding in case.finding_list)
    if sentence and (verbose or cited):
        lines.append(sentence)
    if case.replay_notes and verbose:
        lines.append("Replay notes:")
        lines += [f"  {clean(n)}" for n in case.replay_notes]
    return lines


def _provenance(item) -> str:
    """Return an output's kind, with its sosreport host and collection time where known."""
    parts = [item.kind]
    if item.meta.get("host"):
        parts.append(f"host {clean(item.meta['host'])}")
    if item.meta.get("collected_at") is not None:
        parts.append(f"collected {clock(item.meta['collected_at'])}")
    return ", ".join(parts)


# The end of the message discovery gives a file it does not recognise.
NOT_USED = "not a capture and not a known command output"


def render_text(case, colour: bool = False, verbose: bool = False) -> str:
    """Render the terminal report; ``colour`` adds ANSI colours, ``verbose`` shows every detail."""
    headline = VERDICT_HEADLINES.get(case.verdict, case.verdict)
    lines = [_paint(f"Verdict: {case.verdict}", _verdict_style(case), colour)
             + f" ({headline})"]
    for label, text in summary_lines(case):
        lines.append(f"  {_paint(label + ':', 'bold', colour)} {clean(text)}")
    first_time = min((c.first_time for c in case.captures if c.first_time), default=None)
    if first_time:
        lines.append(f"Captures from {day(first_time)} (times are UTC)")
    lines.append("")
    lines += _findings(case, colour, verbose)
    lines += _transactions(case)
    lines += _inputs(case, colour, verbose)
    return "\n".join(lines).rstrip() + "\n"
