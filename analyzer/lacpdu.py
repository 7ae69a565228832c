"""LACPDU decoding (IEEE 802.1AX, slow protocols subtype 1) for the few frames that need it.

The frames table keeps fixed-offset fields only, so LACPDUs are decoded on
demand: the named frames of one capture file are read again with dpkt and
their actor and partner information is unpacked here.
"""

from __future__ import annotations

import logging
import struct

import dpkt

from .captures.source import DECOMPRESSION_ERRORS, detect_compression, open_decompressed

log = logging.getLogger(__name__)

SLOW_PROTOCOLS_ETHERTYPE = 0x8809
LACP_SUBTYPE = 1
STATE_BITS = ("activity", "timeout", "aggregation", "synchronization", "collecting", "distributing",
              "defaulted", "expired")
# Actor or partner information TLV: system priority, system, key, port priority, port, state.
_INFO = struct.Struct("!H6sHHHB")


def state_names(state: int) -> list[str]:
    """Return the names of the set bits of an LACP state octet, lowest bit first."""
    return [name for bit, name in enumerate(STATE_BITS) if state >> bit & 1]


def decode_lacpdu(payload: bytes) -> dict | None:
    """Decode the slow-protocols payload of an LACPDU (the bytes after the EtherType), or return None."""
    if len(payload) < 40 or payload[0] != LACP_SUBTYPE:
        return None
    result = {"version": payload[1]}
    for role, offset, tlv_type in (("actor", 2, 1), ("partner", 22, 2)):
        if payload[offset] != tlv_type or payload[offset + 1] != 20:
            return None
        priority, system, key, port_priority, port, state = _INFO.unpack_from(payload, offset + 2)
        result[role] = {"system_priority": priority, "system": ":".join(f"{b:02x}" for b in system),
                        "key": key, "port_priority": port_priority, "port": port, "state": state,
                        "state_names": state_names(state)}
    return result


def _payload(frame: bytes, link_type: int) -> bytes | None:
    """Return the bytes after the EtherType of a slow-protocols frame, skipping VLAN tags."""
    if link_type == 1:
        offset = 12
    elif link_type == 113:
        offset = 14
    elif link_type == 276:
        offset = 0
        if len(frame) >= 20 and struct.unpack_from("!H", frame, 0)[0] == SLOW_PROTOCOLS_ETHERTYPE:
            return frame[20:]
        return None
    else:
        return None
    while len(frame) >= offset + 2:
        ethertype = struct.unpack_from("!H", frame, offset)[0]
        if ethertype in (0x8100, 0x88A8, 0x9100):
            offset += 4
            continue
        return frame[offset + 2:] if ethertype == SLOW_PROTOCOLS_ETHERTYPE else None
    return None


def read_lacpdus(path: str, frames: set[int]) -> dict[int, dict]:
    """Decode the LACPDUs among the given frame numbers (1-based) of one capture file.

    Frames that are not LACPDUs are left out. A file dpkt cannot read gives an
    empty result and a log message, not an exception.
    """
    decoded: dict[int, dict] = {}
    if not frames:
        return decoded
    last = max(frames)
    try:
        with open(path, "rb") as raw:
            compression = detect_compression(raw.read(8))
            raw.seek(0)
            stream = open_decompressed(raw, compression)
            head = stream.read(4)
            stream = _Rewound(head, stream)
            reader = dpkt.pcapng.Reader(stream) if head == b"\x0a\x0d\x0d\x0a" else dpkt.pcap.Reader(stream)
            link_type = reader.datalink()
            for number, (_, frame) in enumerate(reader, start=1):
                if number > last:
                    break
                if number in frames:
                    payload = _payload(bytes(frame), link_type)
                    lacpdu = decode_lacpdu(payload) if payload is not None else None
                    if lacpdu is not None:
                        decoded[number] = lacpdu
    except (OSError, ValueError, dpkt.Error, struct.error, *DECOMPRESSION_ERRORS) as error:
        log.warning("%s: LACPDUs could not be decoded: %s", path, error)
    return decoded


class _Rewound:
    """A read-only stream that gives back bytes already read from its start."""

    def __init__(self, head: bytes, stream):
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._stream.read(size)
        if size is None or size < 0:
            data, self._head = self._head + self._stream.read(), b""
            return data
        data, self._head = self._head[:size], self._head[size:]
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return data
