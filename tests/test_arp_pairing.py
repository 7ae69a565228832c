"""ARP request series and reply matching on a sample repeated in time with Wireshark's tools.

The sample's captures are copied back to back with ``mergecap -a``, each copy
shifted by ``editcap -t``. At 10 s apart, the series of some copies run into
one another (their gap is under the 5 s transaction gap) and others do not,
so both the splitting and the joining of series are exercised. The
vectorised pairing in ``analyzer.arp`` is compared with a plain
transaction-by-transaction implementation of the rules in its docstring.
"""

import logging
import shutil
import subprocess

import pytest

from analyzer.arp import ARP_REPLY, ARP_REQUEST, MIN_RETRY_INTERVAL, REPLY_WAIT, TRANSACTION_GAP
from analyzer.case import load_case
from conftest import SAMPLES

COPIES = 8
SHIFT = 10.0


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package wireshark-common)")
    return path


@pytest.fixture(scope="module")
def repeated_case(tmp_path_factory):
    """Return a copy of the roundrobin-flood sample with every capture repeated COPIES times."""
    editcap, mergecap = _tool("editcap"), _tool("mergecap")
    source = SAMPLES / "roundrobin-flood"
    target = tmp_path_factory.mktemp("repeated") / "roundrobin-flood-repeated"
    shutil.copytree(source / "outputs", target / "outputs")
    (target / "captures").mkdir()
    work = target.parent
    for capture in sorted((source / "captures").iterdir()):
        parts = []
        for copy in range(COPIES):
            shifted = work / f"{capture.stem}-{copy}.pcap"
            subprocess.run([editcap, "-F", "pcap", "-t", f"{copy * SHIFT}", str(capture), str(shifted)], check=True)
            parts.append(str(shifted))
        subprocess.run([mergecap, "-F", "pcap", "-a", "-w", str(target / "captures" / capture.name), *parts],
                       check=True)
    logging.disable(logging.WARNING)
    try:
        return load_case(str(target))
    finally:
        logging.disable(logging.NOTSET)


def _reference_pairs(journeys) -> list[tuple[list[int], list[int]]]:
    """Pair requests and replies one transaction at a time, as the module docstring of analyzer.arp states."""
    series: dict[tuple, list] = {}
    for row in journeys.itertuples(index=False):
        if (row.arp_op == ARP_REQUEST and row.echo_of < 0 and row.arp_spa > 0
                and row.arp_spa != row.arp_tpa):
            series.setdefault((row.arp_sha, row.arp_spa, row.arp_tpa), []).append(row)
    transactions = []
    for rows in series.values():
        rows = sorted(rows, key=lambda r: r.first_time)
        kept, last_copy = [], {}
        for row in rows:
            previous = last_copy.get(row.fingerprint)
            last_copy[row.fingerprint] = row.first_time
            if previous is None or row.first_time - previous >= MIN_RETRY_INTERVAL:
                kept.append(row)
        current = [kept[0]]
        for row in kept[1:]:
            if row.first_time - current[-1].first_time > TRANSACTION_GAP:
                transactions.append(current)
                current = []
            current.append(row)
        transactions.append(current)
    transactions.sort(key=lambda t: t[0].first_time)
    replies = [row for row in journeys.itertuples(index=False) if row.arp_op == ARP_REPLY]
    pairs = []
    for requests in transactions:
        first = requests[0]
        start, end = first.first_time, max(r.first_time for r in requests) + REPLY_WAIT
        matched = [r.journey for r in replies
                   if r.arp_spa == first.arp_tpa and r.arp_tpa == first.arp_spa
                   and first.arp_sha in (r.eth_dst, r.arp_tha) and start <= r.first_time <= end]
        pairs.append(([int(r.journey) for r in requests], [int(j) for j in matched]))
    return pairs


def test_repeated_sample_pairs_like_reference(repeated_case):
    transactions = repeated_case.arp_transactions
    expected = _reference_pairs(repeated_case.journeys)
    assert len(transactions) == len(expected)
    assert transactions["request_journeys"].tolist() == [requests for requests, _ in expected]
    assert transactions["reply_journeys"].tolist() == [replies for _, replies in expected]


def test_repeated_sample_joins_some_series(repeated_case):
    single = load_case(str(SAMPLES / "roundrobin-flood")).arp_transactions
    count = len(repeated_case.arp_transactions)
    # Some copies' series join across the 10 s shift, so there are fewer transactions than copies times the sample's.
    assert COPIES < count < COPIES * len(single)


def test_repeated_sample_counts_match_lists(repeated_case):
    transactions = repeated_case.arp_transactions
    assert transactions["requests"].tolist() == [len(j) for j in transactions["request_journeys"]]
    assert transactions["replies"].tolist() == [len(j) for j in transactions["reply_journeys"]]
    assert transactions["transaction"].tolist() == list(range(1, len(transactions) + 1))
    assert transactions["first_time"].is_monotonic_increasing


def test_repeated_sample_fates_per_copy(repeated_case):
    fates = repeated_case.arp_transactions["fate"].value_counts().to_dict()
    # Each copy has one ARP exchange whose replies the bridge drops, as in the sample.
    assert fates.get("lost") == COPIES
    assert set(fates) <= {"answered", "lost"}
