"""Reader for classic pcap files (libpcap format, microsecond and nanosecond, both byte orders)."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import numpy as np

from .compiled_walk import pcap_headers_compiled, walk_pcap_compiled
from .decode import SUPPORTED_LINK_TYPES, gather_rows
from .jit import compiled
from .model import Interface
from .records import ReadContext, RecordBatch
from .source import ChunkBuffer
from .walk import PCAP_RECORD_HEADER, walk_pcap

FILE_HEADER_LENGTH = 24
# Magic number bytes as stored -> (big-endian file, timestamp units per second).
MAGIC: dict[bytes, tuple[bool, int]] = {
    b"\xd4\xc3\xb2\xa1": (False, 1_000_000),
    b"\xa1\xb2\xc3\xd4": (True, 1_000_000),
    b"\x4d\x3c\xb2\xa1": (False, 1_000_000_000),
    b"\xa1\xb2\x3c\x4d": (True, 1_000_000_000),
}
# Bits 16-25 of the link-type field are reserved and must be zero. Bit 26 is set when bits 28-31 give an FCS length.
LINK_FIELD_RESERVED = 0x03FF0000
LINK_FIELD_FCS_PRESENT = 0x04000000
# Writers exceed a small snaplen a little, so a record is rejected only above this floor.
MIN_RECORD_LIMIT = 65535


def record_limit(snaplen: int, max_record: int) -> int:
    """Return the largest captured length accepted for an interface with this snaplen (0 = none)."""
    if snaplen <= 0:
        return max_record
    return min(max(snaplen, MIN_RECORD_LIMIT), max_record)


def read_pcap(buffer: ChunkBuffer, context: ReadContext) -> Iterator[RecordBatch]:
    """Read the file header, then yield the records chunk by chunk until the end or an invalid record."""
    if not buffer.ensure(FILE_HEADER_LENGTH):
        context.warn(f"pcap file header is cut short: {buffer.available} of {FILE_HEADER_LENGTH} bytes")
        context.readable = False
        return
    header = bytes(buffer.view[buffer.start : buffer.start + FILE_HEADER_LENGTH])
    big_endian, units = MAGIC[header[:4]]
    order = ">" if big_endian else "<"
    major, minor, _zone, _sigfigs, snaplen, link_field = struct.unpack_from(order + "HHiIII", header, 4)
    if major != 2:
        context.warn(f"unsupported pcap version {major}.{minor} in the file header (expected 2.4)")
        context.readable = False
        return
    if minor != 4:
        context.warn(f"pcap version 2.{minor} in the file header is not 2.4; records are read as 2.4")

    link_type = link_field & 0xFFFF
    interface = Interface(index=0, link_type=link_type, snaplen=snaplen, tsresol=units)
    context.interfaces.append(interface)
    if link_field & LINK_FIELD_RESERVED:
        context.warn(f"link-type field 0x{link_field:08x} in the file header has reserved bits set")
    if link_type not in SUPPORTED_LINK_TYPES:
        context.warn(f"unsupported link type {link_type} in the file header; only 1, 113 and 276 are read")
        context.readable = False
        return
    if link_field & LINK_FIELD_FCS_PRESENT:
        fcs_bytes = ((link_field >> 28) & 0xF) * 2
        context.warn(f"every frame ends with a {fcs_bytes}-byte FCS, which unknown payloads include in their hash")

    limit = record_limit(snaplen, context.max_record)
    use_compiled = compiled()
    buffer.start += FILE_HEADER_LENGTH
    next_frame = 1
    bad_fraction_count = 0
    first_bad_fraction = ""
    while True:
        if use_compiled:
            walk = walk_pcap_compiled(buffer.data, buffer.start, buffer.end, big_endian, limit)
        else:
            walk = walk_pcap(buffer.view, buffer.start, buffer.end, big_endian, limit)
        count = len(walk.offsets)
        if count:
            frames = np.arange(next_frame, next_frame + count, dtype=np.int64)
            record_offset = walk.offsets + buffer.base
            if use_compiled:
                caplen, wirelen, time_ns, bad_count, first = pcap_headers_compiled(
                    buffer.data, walk.offsets, big_endian, units
                )
            else:
                caplen, wirelen, time_ns, bad_count, first = _record_headers(buffer.data, walk.offsets, order, units)
            if bad_count:
                if not bad_fraction_count:
                    first_bad_fraction = context.place(int(frames[first]), int(record_offset[first]))
                bad_fraction_count += bad_count
            yield RecordBatch(
                data=buffer.data,
                frame=frames,
                record_offset=record_offset,
                data_offset=walk.offsets + PCAP_RECORD_HEADER,
                caplen=caplen,
                wirelen=wirelen,
                time_ns=time_ns,
                interface=np.zeros(count, dtype=np.int32),
                flags=np.zeros(count, dtype=np.uint32),
            )
            next_frame += count
        buffer.start = walk.stop
        if walk.bad_caplen is not None:
            context.warn(
                f"{context.place(next_frame, buffer.position)}: captured length {walk.bad_caplen} exceeds "
                f"the limit of {limit} bytes (snaplen {snaplen}, max_record {context.max_record}); "
                f"stopped reading, {next_frame - 1} records kept"
            )
            break
        if buffer.eof:
            if buffer.available:
                context.warn(
                    f"{context.place(next_frame, buffer.position)}: file ends inside this record "
                    f"({buffer.available} bytes of it present); {next_frame - 1} whole records kept"
                )
            break
        buffer.fill()

    if bad_fraction_count:
        unit_name = "microsecond" if units == 1_000_000 else "nanosecond"
        context.warn(
            f"records whose {unit_name} timestamp field is one second or more: {bad_fraction_count} "
            f"(first: {first_bad_fraction}); the excess is carried into the seconds"
        )


def _record_headers(
    data: np.ndarray, offsets: np.ndarray, order: str, units: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Return (caplen, wirelen, time_ns, count of fractions >= units, index of the first or -1) for the records."""
    headers = gather_rows(data, offsets, PCAP_RECORD_HEADER).view(order + "u4")
    seconds = headers[:, 0].astype(np.int64)
    fraction = headers[:, 1].astype(np.int64)
    bad = fraction >= units
    bad_count = int(bad.sum())
    first = int(np.argmax(bad)) if bad_count else -1
    time_ns = seconds * 1_000_000_000 + fraction * (1_000_000_000 // units)
    return headers[:, 2].astype(np.int64), headers[:, 3].astype(np.int64), time_ns, bad_count, first
