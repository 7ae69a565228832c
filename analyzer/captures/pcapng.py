"""Reader for pcapng files: several sections and interfaces, both byte orders.

dpkt's pcapng reader keeps only the first interface and drops the interface
id, ``if_tsresol`` and the packet flags, so the blocks are walked here.
Interface ids in packet blocks are local to their section; they are mapped
to indexes into the file-wide interface list.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .compiled_walk import walk_pcapng_compiled
from .decode import SUPPORTED_LINK_TYPES, gather_rows
from .jit import compiled
from .model import Interface
from .pcap import record_limit
from .records import ReadContext, RecordBatch
from .source import ChunkBuffer
from .walk import (
    BLOCK_EPB,
    BLOCK_IDB,
    BLOCK_PB,
    BLOCK_SHB,
    BLOCK_SPB,
    BLOCKS_NUMBERED_BY_WIRESHARK,
    KIND_PB,
    KIND_SPB,
    STOP_ERROR,
    STOP_METADATA,
    walk_pcapng,
)

BYTE_ORDER_MAGIC_BIG = b"\x1a\x2b\x3c\x4d"
BYTE_ORDER_MAGIC_LITTLE = b"\x4d\x3c\x2b\x1a"
SHB_MIN_LENGTH = 28
IDB_MIN_LENGTH = 20
PACKET_HEADER_LENGTH = 28  # EPB and Packet Block: block header and fixed fields before the packet data
SPB_HEADER_LENGTH = 12

OPTION_END = 0
OPTION_IF_NAME = 2
OPTION_IF_DESCRIPTION = 3
OPTION_IF_TSRESOL = 9
OPTION_IF_TSOFFSET = 14

# Largest timestamp resolution accepted: finer ones could not give whole nanoseconds in 64 bits.
MAX_TSRESOL = 10**18
NANOSECONDS = 1_000_000_000
# Last second whose nanosecond count fits in an int64 (in the year 2262).
MAX_SECONDS = (2**63 - 1) // NANOSECONDS - 1


@dataclass
class Section:
    """Byte order and interfaces of the current section."""

    number: int
    big_endian: bool
    interfaces: list[int] = field(default_factory=list)  # file-wide index of each local interface id
    limits: list[int] = field(default_factory=list)  # largest accepted captured length per local id


def read_pcapng(buffer: ChunkBuffer, context: ReadContext) -> Iterator[RecordBatch]:
    """Yield the packet records of every section, chunk by chunk, until the end or an invalid block."""
    section: Section | None = None
    next_frame = 1
    use_compiled = compiled()
    while True:
        big_endian = section.big_endian if section else False
        limits = section.limits if section else []
        if use_compiled:
            walk = walk_pcapng_compiled(buffer.data, buffer.start, buffer.end, big_endian, limits, next_frame)
        else:
            walk = walk_pcapng(buffer.view, buffer.start, buffer.end, big_endian, limits, next_frame)
        if len(walk.offsets):
            yield _batch(buffer, walk.offsets, walk.kinds, walk.flags, walk.frames, section, context)
        buffer.start = walk.stop
        next_frame = walk.next_frame
        if walk.block_type in (BLOCK_EPB, BLOCK_PB, BLOCK_SPB):
            place = context.place(next_frame, buffer.position)
        else:
            place = f"block at {context.offset(buffer.position)}"

        if walk.reason == STOP_METADATA:
            if walk.block_type == BLOCK_SHB:
                section = _read_section_header(buffer, context, section)
                if section is None:
                    return
            elif section is None:
                context.warn(f"{place}: interface description block before any section header block")
                return
            elif not _read_interface(buffer, context, section):
                return
            continue
        if walk.reason == STOP_ERROR:
            context.warn(f"{place}: {walk.message} in block type 0x{walk.block_type:08x}; stopped reading")
            return
        if walk.block_length > buffer.capacity:
            if walk.block_type in (BLOCK_EPB, BLOCK_PB, BLOCK_SPB):
                context.warn(
                    f"{place}: packet block length {walk.block_length} exceeds the "
                    f"{buffer.capacity}-byte read buffer; stopped reading"
                )
                return
            skipped = buffer.skip(walk.block_length)
            if skipped < walk.block_length:
                context.warn(f"{place}: file ends inside this block of {walk.block_length} bytes")
                return
            if walk.block_type in BLOCKS_NUMBERED_BY_WIRESHARK:
                next_frame += 1
            continue
        if buffer.eof:
            if buffer.available:
                context.warn(
                    f"{place}: file ends inside this block ({buffer.available} bytes of it present); "
                    f"{next_frame - 1} records before it kept"
                )
            return
        buffer.fill()


def _read_block(buffer: ChunkBuffer, context: ReadContext, order: str, minimum: int) -> bytes | None:
    """Return the whole metadata block at the buffer position after checking its lengths, or None after a warning."""
    place = f"block at {context.offset(buffer.position)}"
    if not buffer.ensure(12):
        context.warn(f"{place}: file ends inside the block header")
        return None
    block_type, length = struct.unpack_from(order + "II", buffer.view, buffer.start)
    if length < minimum or length % 4:
        context.warn(f"{place}: invalid length {length} for block type 0x{block_type:08x}; stopped reading")
        return None
    if not buffer.ensure(length):
        if length > buffer.capacity:
            context.warn(f"{place}: block length {length} exceeds the {buffer.capacity}-byte read buffer")
        else:
            context.warn(f"{place}: file ends inside this block of {length} bytes")
        return None
    block = bytes(buffer.view[buffer.start : buffer.start + length])
    trailer = struct.unpack_from(order + "I", block, length - 4)[0]
    if trailer != length:
        context.warn(
            f"{place}: block total length {length} does not match the trailing copy {trailer} "
            f"in block type 0x{block_type:08x}; stopped reading"
        )
        return None
    buffer.start += length
    return block


def _read_section_header(buffer: ChunkBuffer, context: ReadContext, previous: Section | None) -> Section | None:
    """Parse a section header block and start a new section; None means stop reading.

    A file whose first section header is invalid is marked unreadable.
    """
    place = f"block at {context.offset(buffer.position)}"
    section = None
    if not buffer.ensure(12):
        context.warn(f"{place}: file ends inside a section header block")
    else:
        section = _parse_section_header(buffer, context, previous, place)
    if section is None and previous is None:
        context.readable = False
    return section


def _parse_section_header(
    buffer: ChunkBuffer, context: ReadContext, previous: Section | None, place: str
) -> Section | None:
    magic = bytes(buffer.view[buffer.start + 8 : buffer.start + 12])
    if magic == BYTE_ORDER_MAGIC_BIG:
        order = ">"
    elif magic == BYTE_ORDER_MAGIC_LITTLE:
        order = "<"
    else:
        context.warn(f"{place}: section header block has an invalid byte-order magic 0x{magic.hex()}; stopped reading")
        return None
    block = _read_block(buffer, context, order, SHB_MIN_LENGTH)
    if block is None:
        return None
    major, minor = struct.unpack_from(order + "HH", block, 12)
    if major != 1:
        context.warn(f"{place}: unsupported pcapng version {major}.{minor} in the section header block (expected 1.0)")
        return None
    number = previous.number + 1 if previous else 0
    return Section(number=number, big_endian=order == ">")


def _read_interface(buffer: ChunkBuffer, context: ReadContext, section: Section) -> bool:
    """Parse an interface description block into the file's interface list; False means stop reading."""
    order = ">" if section.big_endian else "<"
    place = f"block at {context.offset(buffer.position)}"
    block = _read_block(buffer, context, order, IDB_MIN_LENGTH)
    if block is None:
        return False
    link_type, _reserved, snaplen = struct.unpack_from(order + "HHI", block, 8)
    interface = Interface(
        index=len(context.interfaces), link_type=link_type, snaplen=snaplen, section=section.number
    )
    _read_interface_options(block, order, interface, context, place)
    context.interfaces.append(interface)
    section.interfaces.append(interface.index)
    section.limits.append(record_limit(snaplen, context.max_record))
    if link_type not in SUPPORTED_LINK_TYPES:
        label = f" ({interface.name})" if interface.name else ""
        context.warn(
            f"interface {interface.index}{label} has unsupported link type {link_type}; "
            f"its records are kept without decoded link-layer fields"
        )
    return True


def _read_interface_options(block: bytes, order: str, interface: Interface, context: ReadContext, place: str) -> None:
    position = 16
    end = len(block) - 4
    while position + 4 <= end:
        code, length = struct.unpack_from(order + "HH", block, position)
        value = block[position + 4 : position + 4 + length]
        if code == OPTION_END or position + 4 + length > end:
            break
        if code == OPTION_IF_NAME:
            interface.name = value.rstrip(b"\0").decode("utf-8", errors="replace")
        elif code == OPTION_IF_DESCRIPTION:
            interface.description = value.rstrip(b"\0").decode("utf-8", errors="replace")
        elif code == OPTION_IF_TSRESOL and length == 1:
            exponent = value[0] & 0x7F
            resolution = 2**exponent if value[0] & 0x80 else 10**exponent
            if 1 <= resolution <= MAX_TSRESOL:
                interface.tsresol = resolution
            else:
                context.warn(f"{place}: unsupported if_tsresol 0x{value[0]:02x}; microseconds assumed")
        elif code == OPTION_IF_TSOFFSET and length == 8:
            # NOTE: no test file carries if_tsoffset, because no tool at hand writes it.
            interface.tsoffset = struct.unpack_from(order + "q", value)[0]
        position += 4 + ((length + 3) & ~3)


def ticks_to_ns(ticks: np.ndarray, resolution: int, offset_seconds: int) -> np.ndarray:
    """Convert pcapng timestamps in units of 1/``resolution`` s to int64 nanoseconds; -1 where they overflow."""
    units = np.uint64(resolution)
    seconds = ticks // units
    remainder = ticks % units
    if NANOSECONDS % resolution == 0:
        fraction = remainder * np.uint64(NANOSECONDS // resolution)
    elif resolution % NANOSECONDS == 0:
        fraction = remainder // np.uint64(resolution // NANOSECONDS)
    elif resolution <= 2**34:
        # remainder < 2**34, so remainder * 10**9 stays below 2**64.
        fraction = remainder * np.uint64(NANOSECONDS) // units
    else:
        shift = resolution.bit_length() - 34
        fraction = (remainder >> np.uint64(shift)) * np.uint64(NANOSECONDS) // np.uint64(resolution >> shift)
    total_seconds = seconds.astype(np.int64) + offset_seconds
    valid = (seconds <= np.uint64(MAX_SECONDS)) & (total_seconds >= 0) & (total_seconds <= MAX_SECONDS)
    nanoseconds = total_seconds * NANOSECONDS + fraction.astype(np.int64)
    return np.where(valid, nanoseconds, -1)


def _batch(
    buffer: ChunkBuffer,
    offsets: np.ndarray,
    kinds: np.ndarray,
    flags: np.ndarray,
    frames: np.ndarray,
    section: Section,
    context: ReadContext,
) -> RecordBatch:
    """Gather the fixed fields of the packet blocks at ``offsets`` into a batch."""
    order = ">" if section.big_endian else "<"
    headers = gather_rows(buffer.data, offsets, PACKET_HEADER_LENGTH)
    words = headers.view(order + "u4").astype(np.int64)
    simple = kinds == KIND_SPB
    obsolete = kinds == KIND_PB
    # The obsolete Packet Block has a 16-bit interface id followed by a drops count.
    short_ids = headers[:, 8:10].copy().view(order + "u2")[:, 0].astype(np.int64)
    local_ids = np.where(simple, 0, np.where(obsolete, short_ids, words[:, 2]))
    interface = np.asarray(section.interfaces, dtype=np.int32)[local_ids]

    # A simple packet block has no captured length: it is the original length cut to the block and snaplen.
    first_snaplen = context.interfaces[section.interfaces[0]].snaplen if section.interfaces else 0
    block_room = words[:, 1] - 16
    simple_caplen = np.minimum(words[:, 2], block_room)
    if first_snaplen:
        simple_caplen = np.minimum(simple_caplen, first_snaplen)
    caplen = np.where(simple, simple_caplen, words[:, 5])
    wirelen = np.where(simple, words[:, 2], words[:, 6])

    ticks = (words[:, 3].astype(np.uint64) << np.uint64(32)) | words[:, 4].astype(np.uint64)
    time_ns = np.full(len(offsets), -1, dtype=np.int64)
    for index in np.unique(interface[~simple]):
        selected = (interface == index) & ~simple
        described = context.interfaces[index]
        time_ns[selected] = ticks_to_ns(ticks[selected], described.tsresol, described.tsoffset)

    return RecordBatch(
        data=buffer.data,
        frame=frames,
        record_offset=offsets + buffer.base,
        data_offset=offsets + np.where(simple, SPB_HEADER_LENGTH, PACKET_HEADER_LENGTH),
        caplen=caplen,
        wirelen=wirelen,
        time_ns=time_ns,
        interface=interface,
        flags=flags,
    )
