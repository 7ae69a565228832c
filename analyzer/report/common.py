"""Wording shared by the text and Markdown reports."""

from __future__ import annotations

import datetime as dt
import re

# Control characters other than tab and newline: stripped from input strings
# before they reach a terminal, so a crafted interface or file name cannot
# move the cursor or change colours.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text) -> str:
    return CONTROL.sub("?", str(text))


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    return moment.strftime("%H:%M:%S.%f")


def day(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).strftime("%Y-%m-%d")


def frame_ref(evidence) -> str:
    return (f"frame {evidence.frame} of {clean(evidence.file)} ({clean(evidence.point)}, "
            f"{clock(evidence.time)})")


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
    "no-loss-found": "no loss found",
    "unknown": "undecided: the files do not allow a decision",
}
