"""Data classes returned by the capture readers, and the frames table's column list."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Values of the ``direction`` column.
DIRECTION_UNKNOWN = 0
DIRECTION_IN = 1  # received on the capture point
DIRECTION_OUT = 2  # sent on the capture point

# Columns of ``CaptureFile.frames``, in order, with their numpy dtypes.
# Missing values are -1 for signed integer columns (no VLAN tag, no ARP, an
# unknown MAC address), so every column stays a plain numpy array.
FRAME_COLUMNS: dict[str, np.dtype] = {
    "frame": np.dtype("int64"),  # record number in the file, 1-based as Wireshark counts
    "time_ns": np.dtype("int64"),  # capture time, nanoseconds since the Unix epoch
    "interface": np.dtype("int32"),  # index into CaptureFile.interfaces (0 for pcap)
    "link_type": np.dtype("int32"),  # LINKTYPE_* of the record's interface
    "caplen": np.dtype("int32"),  # bytes captured
    "wirelen": np.dtype("int32"),  # bytes on the wire
    "truncated": np.dtype("bool"),  # caplen < wirelen
    "direction": np.dtype("int8"),  # DIRECTION_* from pcapng flags or the SLL packet type
    "sll_pkttype": np.dtype("int8"),  # Linux cooked packet type, -1 for other link types
    "sll_ifindex": np.dtype("int32"),  # SLL2 interface index, -1 where absent
    "eth_dst": np.dtype("int64"),  # destination MAC as a 48-bit integer, -1 if unknown
    "eth_src": np.dtype("int64"),  # source MAC as a 48-bit integer, -1 if unknown
    "vlan_outer": np.dtype("int32"),  # VLAN id of the first 802.1Q/802.1ad tag, -1 if untagged
    "vlan_inner": np.dtype("int32"),  # VLAN id of the second tag (QinQ), -1 if none
    "ethertype": np.dtype("int32"),  # EtherType after the VLAN tags (a length below 1536 for 802.3)
    "arp_op": np.dtype("int16"),  # ARP opcode (1 request, 2 reply), -1 if not ARP
    "arp_sha": np.dtype("int64"),  # ARP sender hardware address, -1 if not Ethernet/IPv4 ARP
    "arp_spa": np.dtype("int64"),  # ARP sender IPv4 address as an integer, -1 if absent
    "arp_tha": np.dtype("int64"),  # ARP target hardware address, -1 if absent
    "arp_tpa": np.dtype("int64"),  # ARP target IPv4 address as an integer, -1 if absent
    "ip_src": np.dtype("int64"),  # IPv4 source address as an integer, -1 if not IPv4
    "ip_dst": np.dtype("int64"),  # IPv4 destination address as an integer, -1 if not IPv4
    "ip_proto": np.dtype("int16"),  # IPv4 protocol number, -1 if not IPv4
    "payload_hash": np.dtype("uint64"),  # hash of the bytes after the VLAN tags, padding excluded
    "fingerprint": np.dtype("uint64"),  # payload_hash combined with eth_src and eth_dst
}


@dataclass
class Interface:
    """One capture interface: the pcap file header, or one pcapng interface description block."""

    index: int
    link_type: int
    snaplen: int
    name: str | None = None
    description: str | None = None
    tsresol: int = 1_000_000  # timestamp units per second
    tsoffset: int = 0  # seconds added to every timestamp (pcapng if_tsoffset)
    section: int = 0  # pcapng section (0-based) whose interface description block this is


@dataclass
class CaptureFile:
    """Everything read from one capture file."""

    path: str
    format: str  # "pcap", "pcapng", or "unknown" when the content is neither
    compression: str | None  # "gzip", "xz", "bzip2", "zstd" or None
    interfaces: list[Interface]
    frames: pd.DataFrame  # columns as FRAME_COLUMNS
    warnings: list[str] = field(default_factory=list)
    readable: bool = True  # False when nothing could be read (not a capture, unsupported link type)
