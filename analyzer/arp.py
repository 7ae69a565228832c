"""ARP transactions: each request series, the replies to it, and the fate of those replies.

Requests with the same sender MAC, sender IP and target IP form one
transaction while they come less than ``TRANSACTION_GAP`` seconds apart, since
the kernel retries once a second. A reply belongs to it when it comes from the
target IP, is addressed to the requester, and arrives between the first
request and ``REPLY_WAIT`` seconds after the last. Gratuitous ARP and ARP
probes (sender IP 0.0.0.0) expect no answer and are left out. Echoes of a
request (the host's own broadcast flooded back in) are not counted as requests.

Fates: "answered" when a reply left the bridge by the port the request came
in by (or went up to the host, for the host's own requests); "lost" when
replies reached the host but not the requester, with ``lost_at`` naming the
bridge or interface where they vanished; "unanswered" when requests left the
host and no reply was captured anywhere; "unknown" when the captures cannot
tell (the requester's side was not captured and the replay cannot decide).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .addresses import ipv4_int_to_str, mac_int_to_str
from .arp_fate import DROP_DECISIONS, CaseFacts
from .tables import none_for_missing
from .topology import Topology

__all__ = ["ARP_REPLY", "ARP_REQUEST", "DROP_DECISIONS", "REPLY_WAIT", "TRANSACTION_COLUMNS", "TRANSACTION_GAP",
           "build_transactions"]

TRANSACTION_GAP = 5.0
REPLY_WAIT = 3.0
# Identical requests closer together than this are one request repeated by a
# loop, not a retry (Linux retries after retrans_time_ms, 1000 by default).
MIN_RETRY_INTERVAL = 0.2

ARP_REQUEST = 1
ARP_REPLY = 2

TRANSACTION_COLUMNS = [
    "transaction", "requester_ip", "requester_mac", "target_ip", "target_mac", "requests", "replies",
    "first_time", "last_time", "fate", "lost_at", "requester_port", "replies_seen_at",
    "first_request_point", "first_request_file", "first_request_frame", "first_request_time",
    "request_journeys", "reply_journeys", "reason",
]


# The journey columns that the pairing and the fate rules read.
TRANSACTION_JOURNEY_COLUMNS = (
    "journey", "bridge", "ingress_port", "egress_ports", "points", "first_sighting", "first_time", "last_time",
    "echo_of", "eth_dst", "arp_op", "arp_sha", "arp_spa", "arp_tha", "arp_tpa", "fingerprint",
)


def _request_series(column: dict, requests: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split the requests into transactions.

    ``requests`` are positions in the ARP table. Returns the kept request
    positions, grouped by transaction in the order of each transaction's first
    request and by time within one, and the offsets where each transaction
    starts (one more offset than transactions, the last one the total).

    Requests with one sender MAC, sender IP and target IP form a series. In a
    series, a request identical to one less than ``MIN_RETRY_INTERVAL`` before it
    is a loop's repeat and is dropped, and a gap of more than
    ``TRANSACTION_GAP`` starts a new transaction. Ties in time keep table order.
    """
    if not len(requests):
        return requests, np.zeros(1, dtype=np.int64)
    times = column["first_time"][requests]
    # Series are numbered in the order of their first request in the table.
    series = _key_codes(column["arp_sha"][requests], column["arp_spa"][requests], column["arp_tpa"][requests])

    fingerprints = column["fingerprint"][requests]
    by_copy = np.lexsort((times, fingerprints, series))
    repeated = np.zeros(len(requests), dtype=bool)
    repeated[by_copy[1:]] = ((series[by_copy[1:]] == series[by_copy[:-1]])
                             & (fingerprints[by_copy[1:]] == fingerprints[by_copy[:-1]])
                             & (times[by_copy[1:]] - times[by_copy[:-1]] < MIN_RETRY_INTERVAL))

    by_time = np.lexsort((times, series))
    kept = by_time[~repeated[by_time]]
    kept_series, kept_times = series[kept], times[kept]
    starts = np.ones(len(kept), dtype=bool)
    starts[1:] = (kept_series[1:] != kept_series[:-1]) | (np.diff(kept_times) > TRANSACTION_GAP)
    transaction = np.cumsum(starts) - 1
    # Transactions go in the order of their first request, and ties keep series order.
    order = np.argsort(kept_times[starts], kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    kept = kept[np.argsort(rank[transaction], kind="stable")]
    sizes = np.bincount(rank[transaction], minlength=len(order))
    return requests[kept], np.concatenate([[0], np.cumsum(sizes)])


def _match_replies(column: dict, replies: np.ndarray, requests: np.ndarray,
                   offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Find each transaction's replies.

    A reply belongs to a transaction when it comes from the target IP to the
    requester's IP and is addressed to the requester's MAC (as Ethernet
    destination or ARP target MAC). Its first time must also lie between the
    first request and ``REPLY_WAIT`` seconds after the last. Returns the reply
    positions, grouped by transaction and in table order within one, and the
    offsets of the groups.
    """
    count = len(offsets) - 1
    if not len(replies) or not count:
        return np.empty(0, dtype=np.int64), np.zeros(count + 1, dtype=np.int64)
    first = requests[offsets[:-1]]
    last = requests[offsets[1:] - 1]
    start = column["first_time"][first]
    end = column["first_time"][last] + REPLY_WAIT
    # A reply is listed once under each MAC it is addressed to.
    addressed = [column["eth_dst"][replies], column["arp_tha"][replies]]
    entry = np.concatenate([replies, replies])
    entry_mac = np.concatenate(addressed)
    distinct = np.concatenate([np.ones(len(replies), dtype=bool), addressed[1] != addressed[0]])
    entry, entry_mac = entry[distinct], entry_mac[distinct]
    entry_time = column["first_time"][entry]

    # Number the address triples and the times exactly, so that one integer key
    # orders the entries by (requester MAC, requester IP, target IP, time).
    triple = _key_codes(np.concatenate([entry_mac, column["arp_sha"][first]]),
                        np.concatenate([column["arp_tpa"][entry], column["arp_spa"][first]]),
                        np.concatenate([column["arp_spa"][entry], column["arp_tpa"][first]]))
    _, time_rank = np.unique(np.concatenate([entry_time, start, end]), return_inverse=True)
    scale = np.int64(time_rank.max() + 1)
    n = len(entry)
    entry_key = triple[:n] * scale + time_rank[:n]
    order = np.argsort(entry_key, kind="stable")
    sorted_key = entry_key[order]
    low = np.searchsorted(sorted_key, triple[n:] * scale + time_rank[n:n + count], side="left")
    high = np.searchsorted(sorted_key, triple[n:] * scale + time_rank[n + count:], side="right")

    sizes = high - low
    total = int(sizes.sum())
    group_offsets = np.concatenate([[0], np.cumsum(sizes)])
    picked = order[np.arange(total) - np.repeat(group_offsets[:-1] - low, sizes)]
    matched = entry[picked]
    owner = np.repeat(np.arange(count), sizes)
    matched = matched[np.lexsort((matched, owner))]
    return matched, group_offsets


def _key_codes(*columns: np.ndarray) -> np.ndarray:
    """Number the distinct rows of the integer columns in order of first appearance.

    Each step factorizes a pair of codes below the row count, so the pair's
    combined number stays far below 2**63.
    """
    codes, _ = pd.factorize(columns[0])
    for column in columns[1:]:
        column_codes, distinct = pd.factorize(column)
        codes, _ = pd.factorize(codes.astype(np.int64) * len(distinct) + column_codes)
    return codes.astype(np.int64)


def _group_max(values: np.ndarray, offsets: np.ndarray, empty: float) -> np.ndarray:
    """Return the maximum of each group of ``values`` between ``offsets``, or ``empty`` for an empty group."""
    sizes = np.diff(offsets)
    result = np.full(len(sizes), empty, dtype=np.float64)
    full = sizes > 0
    if full.any():
        result[full] = np.maximum.reduceat(values, offsets[:-1][full])
    return result


def build_transactions(journeys: pd.DataFrame, sightings: pd.DataFrame, decisions: pd.DataFrame,
                       topology: Topology, observed: bool = True) -> pd.DataFrame:
    """Pair ARP requests with their replies and decide each transaction's fate.

    With ``observed`` False the fate comes from the replay's decisions alone,
    as for a counterfactual replay under another configuration, whose frames
    no capture has seen.
    """
    if journeys.empty or "arp_op" not in journeys:
        return pd.DataFrame(columns=TRANSACTION_COLUMNS)
    arp = journeys.loc[journeys["arp_op"].isin([ARP_REQUEST, ARP_REPLY]),
                       [c for c in journeys.columns if c in TRANSACTION_JOURNEY_COLUMNS]]
    column = {name: arp[name].to_numpy() for name in
              ("journey", "first_time", "last_time", "first_sighting", "eth_dst", "arp_op", "arp_sha", "arp_spa",
               "arp_tha", "arp_tpa", "echo_of", "fingerprint")}
    # Gratuitous ARP, probes and echoes of the host's own requests expect no reply.
    is_request = ((column["arp_op"] == ARP_REQUEST) & (column["echo_of"] < 0) & (column["arp_spa"] > 0)
                  & (column["arp_spa"] != column["arp_tpa"]))
    requests, request_offsets = _request_series(column, np.flatnonzero(is_request))
    count = len(request_offsets) - 1
    if not count:
        return pd.DataFrame(columns=TRANSACTION_COLUMNS)
    replies, reply_offsets = _match_replies(column, np.flatnonzero(column["arp_op"] == ARP_REPLY), requests,
                                            request_offsets)
    facts = CaseFacts(arp, sightings, decisions, topology, requests, replies)

    first = requests[request_offsets[:-1]]
    first_sighting = sightings.index.get_indexer(column["first_sighting"][first])
    request_last = _group_max(column["last_time"][requests], request_offsets, 0.0)
    reply_last = _group_max(column["last_time"][replies], reply_offsets, 0.0)
    # The target MAC is the ARP sender MAC of the first matched reply.
    target_mac: list[str | None] = [None] * count
    answered = np.flatnonzero(np.diff(reply_offsets) > 0)
    for number, text in zip(answered.tolist(),
                            _texts(mac_int_to_str, column["arp_sha"][replies[reply_offsets[answered]]])):
        target_mac[number] = text
    request_lists = _split(requests, request_offsets)
    reply_lists = _split(replies, reply_offsets)
    table = {
        "transaction": np.arange(1, count + 1),
        "requester_ip": _texts(ipv4_int_to_str, column["arp_spa"][first]),
        "requester_mac": _texts(mac_int_to_str, column["arp_sha"][first]),
        "target_ip": _texts(ipv4_int_to_str, column["arp_tpa"][first]),
        "target_mac": target_mac,
        "requests": np.diff(request_offsets),
        "replies": np.diff(reply_offsets),
        "first_time": column["first_time"][first].astype(np.float64),
        "last_time": np.maximum(request_last, reply_last),
        "first_request_point": sightings["point"].iloc[first_sighting].tolist(),
        "first_request_file": sightings["file"].iloc[first_sighting].tolist(),
        "first_request_frame": sightings["frame"].to_numpy()[first_sighting].astype(np.int64),
        "first_request_time": sightings["time"].to_numpy()[first_sighting].astype(np.float64),
        "request_journeys": _split(column["journey"][requests], request_offsets),
        "reply_journeys": _split(column["journey"][replies], reply_offsets),
    }
    table["replies_seen_at"] = [facts.seen_at(positions) for positions in reply_lists]
    decide = facts.fate if observed else facts.replayed_fate
    fates = [decide(request_positions, reply_positions)
             for request_positions, reply_positions in zip(request_lists, reply_lists)]
    for name in ("fate", "lost_at", "requester_port", "reason"):
        table[name] = [fate[name] for fate in fates]
    frame = pd.DataFrame(table, columns=TRANSACTION_COLUMNS)
    return none_for_missing(frame, ("target_mac", "lost_at", "requester_port", "reason"))


def _split(values: np.ndarray, offsets: np.ndarray) -> list[list[int]]:
    """Cut ``values`` into Python lists at ``offsets``."""
    values = values.tolist()
    bounds = offsets.tolist()
    return [values[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _texts(convert, values: np.ndarray) -> list[str]:
    """Convert integer addresses to text, once per distinct value."""
    cache: dict[int, str] = {}
    result = []
    for value in values.tolist():
        text = cache.get(value)
        if text is None:
            text = cache[value] = convert(value)
        result.append(text)
    return result
