"""Wording shared by the text and Markdown reports."""

from __future__ import annotations

import datetime as dt
import re

# Control characters other than tab and newline: stripped from input strings
# before they reach a terminal, so a crafted interface or file name cannot
# move the cursor or change colours.
# C0 and C1 controls, and the invisible format characters that reorder or hide text on a terminal:
# zero-width marks, bidirectional embeddings, overrides and isolates, and the byte-order mark.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean(text) -> str:
    return CONTROL.sub("?", str(text))


def _moment(seconds: float) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):  # beyond the years datetime can represent
        return None


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    moment = _moment(seconds)
    return moment.strftime("%H:%M:%S.%f") if moment else f"{seconds:.6g} s since the epoch"


def day(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    moment = _moment(seconds)
    return moment.strftime("%Y-%m-%d") if moment else "a date out of range"


def moment(seconds: float) -> str:
    """Format epoch seconds as a UTC date and time for the report's sentences."""
    return f"{day(seconds)} {clock(seconds)} UTC"


def frame_ref(evidence) -> str:
    return (f"frame {evidence.frame} of {clean(evidence.file)} ({clean(evidence.point)}, "
            f"{clock(evidence.time)})")


METHOD_WORDS = {
    "paired-stamps": "from kernel messages seen with both an uptime and a wall-clock stamp",
    "sosreport-uptime": "from the sosreport's uptime output and the time sos ran it",
    "captures": "by matching the bridge's \"own address\" log lines to the captured frames that caused them",
}


def case_log_clock(case):
    """Return the LogClock of the case's kernel log, or None when the case has no kernel log."""
    from ..logclock import estimate

    if not any(item.kind == "kernel_log" for item in case.outputs):
        return None
    if case.log_clock is not None:
        return case.log_clock
    return estimate(case.outputs, case.sightings, case.topology_model)


def log_clock_sentence(log_clock) -> str | None:
    """Say how kernel log times were put on the capture clock, with the error bound, or why they were not."""
    if log_clock is None:
        return None
    if log_clock.boot_time is None:
        return (f"Kernel log lines stamped with the uptime cannot be placed on the capture clock: "
                f"{clean(log_clock.detail)}.")
    method = METHOD_WORDS.get(log_clock.method, log_clock.method)
    boot = f"{day(log_clock.boot_time)} {clock(log_clock.boot_time)}"
    return (f"Kernel log times are on the capture clock (UTC), placed {method}, to within "
            f"+-{log_clock.error:.3f} s, with the boot at {boot}. {clean(log_clock.detail)}.")


def log_line(entry: str, time: float | None) -> str:
    """Format a cited log line with its time on the capture clock, where known."""
    if time is None:
        return f"{clean(entry)} (time on the capture clock unknown)"
    return f"{clock(time)} {clean(entry)}"


VERDICT_HEADLINES = {
    "fdb-ingress-port-drop": "a bridge dropped replies because its FDB pointed back at their ingress port",
    "inactive-port-drop": "frames arrived on an inactive team or bond member and were discarded",
    "reply-not-received": "no reply reached the host: the loss is outside it",
    "vlan-filter-drop": "a VLAN-filtering bridge dropped frames of a VLAN that a port does not carry",
    "arp-conflict": "several MACs answered ARP for one address",
    "hairpin-drop": "frames had to leave by their ingress port, which has hairpin off",
    "duplicate-mac": "one MAC is used by two hosts behind different ports",
    "broadcast-storm": "the same frame keeps coming back: a forwarding loop",
    "frame-reflected": "the host's own frames come back on the uplink they left by",
    "broadcast-echo": "the switch floods the host's broadcasts back in on another team or bond member",
    "stp-bpdu-toward-switch": "the host sends spanning-tree BPDUs toward the switch",
    "fdb-offload-mismatch": "hardware and software FDB entries name different ports",
    "fdb-mac-move": "a bridge moved a MAC between ports",
    "lacp-not-aggregated": "LACP did not aggregate the team or bond ports",
    "aggregate-mode-mismatch": "a team or bond runs another mode than its configuration names",
    "alb-source-rewrite": "a balance-alb or balance-tlb bond sends guests' frames with a slave's MAC",
    "no-loss-found": "no loss found",
    "unknown": "undecided: the files do not allow a decision",
}
