"""The Markdown report, for pasting into a ticket. Strings from inputs are escaped."""

from __future__ import annotations

import re

from .common import clean
from .content import build_content

# Characters that start Markdown syntax inside a line; "&" too, so that an
# input cannot spell an HTML entity.
INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
# A heading, list or quote marker where a paragraph opens a line.
BLOCK_MARKER = re.compile(r"^([#+\->])")
ORDERED_MARKER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def md(text) -> str:
    """Escape a string from an input so that Markdown shows it as text, inside a line."""
    return INLINE.sub(r"\\\1", clean(text)).replace("\n", " ")


def md_block(text) -> str:
    """Escape a string that opens a line, so it cannot start a heading, list or quote."""
    escaped = BLOCK_MARKER.sub(r"\\\1", md(text))
    return ORDERED_MARKER.sub(r"\1\\\2", escaped)


def code(text) -> str:
    """Set a string as inline code, with a fence longer than any backtick run inside it."""
    text = clean(text).replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def _parts(parts) -> str:
    return "".join(code(text) if is_command else md(text) for text, is_command in parts)


def _summary(c: dict) -> list[str]:
    out = [f"# l2trace: {md(c['verdict'])}", "", f"**Verdict:** {code(c['verdict'])}"
           + (f": {md(c['headline'])}" if c["headline"] else ""), ""]
    for label, text in c["summary"]:
        out.append(f"- **{label}:** {md(text)}")
    out.append("")
    if c["day"]:
        out += [f"Captures from {c['day']}; all times are UTC.", ""]
    if c["redacted"]:
        out += ["> This report is redacted: MACs, IP addresses and host names are pseudonyms, used "
                "consistently throughout. The `frame.number` filters work on the original files; the "
                "address filters name the pseudonyms.", ""]
    return out


def _pictures(c: dict, images: dict[str, tuple[str, str]] | None) -> list[str]:
    out = []
    for name, (title, link) in (images or {}).items():
        out += [f"## {title}", "", f"![{title}]({link})", ""]
        if name == "ladder":
            out += _transactions(c)
    return out


def _transactions(c: dict) -> list[str]:
    if not c["transactions"]:
        return []
    out = ["| # | first request | requester | target | requests | replies | replies seen at | fate | lost at |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for t in c["transactions"]:
        out.append(f"| {t['number']} | {t['time']} | {md(t['requester_ip'])} ({md(t['requester_mac'])}) | "
                   f"{md(t['target_ip'])} | {t['requests']} | {t['replies']} | {md(t['seen_at'])} | "
                   f"{md(t['fate'])} | {md(t['lost_at'])} |")
    return out + [""]


def _findings(c: dict) -> list[str]:
    out = ["## Findings and evidence", "",
           "Open the named file in Wireshark and apply the first filter; the second finds the same "
           "frame by addresses, ARP opcode and time.", ""]
    if c.get("log_clock"):
        out += [md_block(c["log_clock"]), ""]
    for finding in c["findings"]:
        out += [f"### {md(finding['code'])} ({finding['severity']}, {finding['confidence']})", "",
                md_block(finding["summary"]), ""]
        if finding["counterfactual"]:
            out += [f"*{md_block(finding['counterfactual'])}*", ""]
        if finding["related"]:
            out += [f"Consequences of this: {md(', '.join(finding['related']))}.", ""]
        if finding["log_lines"]:
            out += ["Log lines that agree (time on the capture clock, then file and line):", ""]
            out += [f"- {md(entry)}" for entry in finding["log_lines"]] + [""]
        rows = [e for e in c["evidence"] if e["code"] == finding["code"]]
        if rows:
            out += ["| capture point | file | frame | time | what it shows | Wireshark display filters |",
                    "| --- | --- | --- | --- | --- | --- |"]
            for e in rows:
                filters = code(e["frame_filter"])
                if e["content_filter"]:
                    filters += "<br>" + code(e["content_filter"])
                out.append(f"| {md(e['point'])} | {md(e['file'])} | {e['frame']} | {e['clock']} | "
                           f"{md(e['note'])} | {filters} |")
            out.append("")
    return out


def _recommendations(c: dict) -> list[str]:
    out = ["## Recommendations", ""]
    if not c["recommendations"]:
        return out + ["No finding asks for a change.", ""]
    for item in c["recommendations"]:
        out.append(f"- {_parts(item['parts'])} ({md(', '.join(item['codes']))})")
    return out + [""]


def _collection(c: dict) -> list[str]:
    out = ["## What to collect next time", ""]
    if c["interfaces"]:
        missing = ", ".join(c["missing_interfaces"])
        out += ["Capture on every interface below at the same time, starting before the problem is "
                "reproduced and stopping after it; `-s 128` keeps every header l2trace reads."
                + (f" Missing from this case: {md(missing)}." if missing else ""), "",
                "| interface | kind | role | in this case | command |", "| --- | --- | --- | --- | --- |"]
        for i in c["interfaces"]:
            out.append(f"| {md(i['name'])} | {md(i['kind'])} | {md(i['role'])} | "
                       f"{'captured' if i['captured'] else '**missing**'} | {code(i['command'])} |")
    else:
        out.append("The interfaces are not known (no `ip -d link show` output naming a bridge): capture on "
                   "the guest's tap, the bridge, the team or bond and each member, each with "
                   "`tcpdump -i IF -w IF.pcap -s 128`, all at the same time.")
    out += ["", "Save these command outputs, the FDB before and after reproducing the problem:", "",
            "| command | what it shows | in this case |", "| --- | --- | --- |"]
    for o in c["outputs_advice"]:
        out.append(f"| {code(o['command'])} | {md(o['why'])} | {'present' if o['present'] else '**missing**'} |")
    return out + [""]


def _inputs(c: dict) -> list[str]:
    inputs = c["inputs"]
    out = ["## Inputs read", "", f"Paths given: {md(', '.join(inputs['paths']))}", "",
           "| capture point | file | format | frames | span | warnings |", "| --- | --- | --- | --- | --- | --- |"]
    for cap in inputs["captures"]:
        out.append(f"| {md(cap['point'])} | {md(cap['file'])} | {md(cap['format'])} | {cap['frames']} | "
                   f"{cap['span']} | {md('; '.join(cap['warnings']))} |")
    out.append("")
    for item in inputs["outputs"]:
        host = f", host {md(item['host'])}" if item.get("host") else ""
        unused = ", not analysed: another host" if not item.get("analysed", True) else ""
        out.append(f"- {md(item['source'])} ({md(item['kind'])}, {item['rows']} rows{host}{unused})"
                   + (f": {md('; '.join(item['warnings']))}" if item["warnings"] else ""))
    if inputs["warnings"]:
        out += ["", "### Warnings", ""] + [f"- {md(w)}" for w in inputs["warnings"]]
    if inputs["notes"]:
        out += ["", "### Replay notes", ""] + [f"- {md(n)}" for n in inputs["notes"]]
    return out


def render_markdown(case, redacted: bool = False, images: dict[str, tuple[str, str]] | None = None) -> str:
    """Render the case as Markdown.

    ``images`` maps a picture name (ladder, fdb-timeline, topology) to its
    title and the link of a PNG file written beside the report; without it the
    report has no pictures.
    """
    c = build_content(case, redacted=redacted)
    out = _summary(c) + _pictures(c, images)
    if not images:
        out += (["## ARP transactions", ""] + _transactions(c)) if c["transactions"] else []
    out += _findings(c) + _recommendations(c) + _collection(c) + _inputs(c)
    return "\n".join(out).rstrip() + "\n"
