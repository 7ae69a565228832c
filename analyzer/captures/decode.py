"""Vectorised decoding of link-layer, VLAN, ARP and IPv4 fields for a chunk of records.

Every function here works on whole chunks: the first bytes of each record
are gathered into an (n, width) matrix, and each field is one numpy
expression over that matrix. Bytes past a record's captured length are
never used: every field has a length condition.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .addresses import BROADCAST_MAC
from .hashing import HASH_WINDOW, fingerprint, payload_hash
from .model import DIRECTION_IN, DIRECTION_OUT, DIRECTION_UNKNOWN

LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
SUPPORTED_LINK_TYPES = frozenset({LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2})

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_ARP = 0x0806
ETHERTYPE_IPV6 = 0x86DD
VLAN_ETHERTYPES = (0x8100, 0x88A8, 0x9100)
# Type/length values below this are IEEE 802.3 lengths, not EtherTypes.
ETHERTYPE_MIN = 0x0600

# Up to this many VLAN tags are skipped to find the EtherType; the first two are reported.
MAX_VLAN_TAGS = 4
# Maximum link header length (SLL2, 20 bytes) plus MAX_VLAN_TAGS tags, rounded up.
LINK_WINDOW = 48
# Zero bytes that must follow the last buffered byte so that every window gather stays in bounds.
GATHER_PAD = LINK_WINDOW + HASH_WINDOW + 64

SLL_PACKET_OUTGOING = 4
SLL_PACKET_BROADCAST = 1


def gather_rows(data: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """Copy ``data[start:start + width]`` for every start into an (n, width) matrix.

    ``data`` must extend at least ``width`` bytes past the largest start.
    """
    windows = sliding_window_view(data, width)
    return windows[starts]


def _u16(matrix: np.ndarray, column: int) -> np.ndarray:
    return (matrix[:, column].astype(np.int64) << 8) | matrix[:, column + 1]


def _u16_at(matrix: np.ndarray, columns: np.ndarray) -> np.ndarray:
    rows = np.arange(matrix.shape[0])
    columns = np.minimum(columns, matrix.shape[1] - 2)
    return (matrix[rows, columns].astype(np.int64) << 8) | matrix[rows, columns + 1]


def _u32(matrix: np.ndarray, column: int) -> np.ndarray:
    value = np.zeros(matrix.shape[0], dtype=np.int64)
    for index in range(4):
        value = (value << 8) | matrix[:, column + index]
    return value


def _mac(matrix: np.ndarray, column: int) -> np.ndarray:
    value = np.zeros(matrix.shape[0], dtype=np.int64)
    for index in range(6):
        value = (value << 8) | matrix[:, column + index]
    return value


def decode_frames(
    data: np.ndarray, offsets: np.ndarray, caplen: np.ndarray, link_type: np.ndarray
) -> dict[str, np.ndarray]:
    """Decode the frame columns of every record in a chunk.

    ``offsets`` are indexes of the first packet byte in ``data``, ``caplen``
    the captured lengths, ``link_type`` the LINKTYPE_* of each record.
    Returns the columns from ``direction`` (SLL only) to ``fingerprint``.
    """
    count = len(offsets)
    caplen = caplen.astype(np.int64)
    link = gather_rows(data, offsets, LINK_WINDOW)
    columns: dict[str, np.ndarray] = {}

    ethernet = link_type == LINKTYPE_ETHERNET
    sll = (link_type == LINKTYPE_LINUX_SLL) & (caplen >= 16)
    sll2 = (link_type == LINKTYPE_LINUX_SLL2) & (caplen >= 20)

    eth_dst = np.where(ethernet & (caplen >= 6), _mac(link, 0), -1)
    eth_src = np.where(ethernet & (caplen >= 12), _mac(link, 6), -1)

    # Linux cooked headers: the SLL packet type is a 16-bit field at 0, SLL2's an 8-bit field at 10.
    pkttype = np.where(sll, _u16(link, 0), np.where(sll2, link[:, 10].astype(np.int64), -1))
    address_length = np.where(sll, _u16(link, 4), np.where(sll2, link[:, 11].astype(np.int64), -1))
    address = np.where(sll, _mac(link, 6), _mac(link, 12))
    cooked = sll | sll2
    eth_src = np.where(cooked & (address_length == 6), address, eth_src)
    eth_dst = np.where(cooked & (pkttype == SLL_PACKET_BROADCAST), BROADCAST_MAC, eth_dst)
    columns["direction"] = np.select(
        [cooked & (pkttype == SLL_PACKET_OUTGOING), cooked & (pkttype >= 0) & (pkttype < SLL_PACKET_OUTGOING)],
        [DIRECTION_OUT, DIRECTION_IN],
        DIRECTION_UNKNOWN,
    ).astype(np.int8)
    columns["sll_pkttype"] = np.clip(pkttype, -1, 127).astype(np.int8)
    columns["sll_ifindex"] = np.where(sll2, _u32(link, 4), -1).astype(np.int32)
    columns["eth_dst"] = eth_dst
    columns["eth_src"] = eth_src

    # Position of the first type field and of the bytes after it, per link type.
    header_ok = (ethernet & (caplen >= 14)) | sll | sll2
    type_position = np.select([ethernet, sll], [12, 14], 0)
    position = np.select([ethernet, sll, sll2], [14, 16, 20], 0).astype(np.int64)
    ethertype = np.where(header_ok, _u16_at(link, type_position), -1)
    vlan_outer = np.full(count, -1, dtype=np.int64)
    vlan_inner = np.full(count, -1, dtype=np.int64)
    for depth in range(MAX_VLAN_TAGS):
        tagged = header_ok & np.isin(ethertype, VLAN_ETHERTYPES) & (caplen >= position + 4)
        if not tagged.any():
            break
        vlan_id = _u16_at(link, position) & 0x0FFF
        if depth == 0:
            vlan_outer = np.where(tagged, vlan_id, vlan_outer)
        elif depth == 1:
            vlan_inner = np.where(tagged, vlan_id, vlan_inner)
        ethertype = np.where(tagged, _u16_at(link, position + 2), ethertype)
        position = np.where(tagged, position + 4, position)
    columns["vlan_outer"] = vlan_outer.astype(np.int32)
    columns["vlan_inner"] = vlan_inner.astype(np.int32)
    columns["ethertype"] = ethertype.astype(np.int32)

    # A record whose link header is cut or unsupported is hashed from its first byte.
    position = np.where(header_ok, position, 0)
    payload_length = np.maximum(caplen - position, 0)
    payload = gather_rows(data, offsets + position, HASH_WINDOW)
    declared = _decode_network(columns, payload, payload_length, ethertype, header_ok, ethernet)

    hashed_length = np.clip(np.minimum(declared, payload_length), 0, HASH_WINDOW)
    hashes = payload_hash(payload, hashed_length, declared)
    columns["payload_hash"] = hashes
    columns["fingerprint"] = fingerprint(hashes, eth_src, eth_dst)
    return columns


def _decode_network(
    columns: dict[str, np.ndarray],
    payload: np.ndarray,
    payload_length: np.ndarray,
    ethertype: np.ndarray,
    header_ok: np.ndarray,
    ethernet: np.ndarray,
) -> np.ndarray:
    """Fill the ARP and IPv4 columns and return the payload length that the L3 header declares.

    Where nothing declares a length, all captured payload bytes count.
    """
    arp = header_ok & (ethertype == ETHERTYPE_ARP) & (payload_length >= 8)
    hardware_size = payload[:, 4].astype(np.int64)
    protocol_size = payload[:, 5].astype(np.int64)
    ethernet_ipv4_arp = (
        arp
        & (_u16(payload, 0) == 1)
        & (_u16(payload, 2) == ETHERTYPE_IPV4)
        & (hardware_size == 6)
        & (protocol_size == 4)
        & (payload_length >= 28)
    )
    columns["arp_op"] = np.where(ethernet_ipv4_arp, _u16(payload, 6), -1).astype(np.int16)
    columns["arp_sha"] = np.where(ethernet_ipv4_arp, _mac(payload, 8), -1)
    columns["arp_spa"] = np.where(ethernet_ipv4_arp, _u32(payload, 14), -1)
    columns["arp_tha"] = np.where(ethernet_ipv4_arp, _mac(payload, 18), -1)
    columns["arp_tpa"] = np.where(ethernet_ipv4_arp, _u32(payload, 24), -1)

    version = payload[:, 0].astype(np.int64) >> 4
    header_words = payload[:, 0].astype(np.int64) & 0x0F
    ipv4 = header_ok & (ethertype == ETHERTYPE_IPV4) & (payload_length >= 20) & (version == 4) & (header_words >= 5)
    columns["ip_src"] = np.where(ipv4, _u32(payload, 12), -1)
    columns["ip_dst"] = np.where(ipv4, _u32(payload, 16), -1)
    columns["ip_proto"] = np.where(ipv4, payload[:, 9].astype(np.int64), -1).astype(np.int16)
    ipv4_length = _u16(payload, 2)
    # Senders with segmentation offload hand tcpdump IPv4 headers whose total length is 0.
    ipv4_declares = ipv4 & (ipv4_length >= 20)

    ipv6 = header_ok & (ethertype == ETHERTYPE_IPV6) & (payload_length >= 40) & (version == 6)
    ieee_802_3 = header_ok & ethernet & (ethertype >= 0) & (ethertype < ETHERTYPE_MIN)

    return np.select(
        [arp, ipv4_declares, ipv6, ieee_802_3],
        [8 + 2 * (hardware_size + protocol_size), ipv4_length, 40 + _u16(payload, 4), ethertype],
        payload_length,
    ).astype(np.int64)
