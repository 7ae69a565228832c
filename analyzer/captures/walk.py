"""Record-header walks over one buffered chunk of a pcap or pcapng file.

These loops are the only per-record Python code in the reader. They find
where each record starts and check its lengths; every field is then gathered
for the whole chunk at once with numpy. Both walks take a buffer and offsets
and return plain arrays, so that a compiled version can replace them later.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

PCAP_RECORD_HEADER = 16

# pcapng block types (pcapng specification, draft-ietf-opsawg-pcapng).
BLOCK_SHB = 0x0A0D0D0A
BLOCK_IDB = 0x00000001
BLOCK_PB = 0x00000002  # obsolete Packet Block
BLOCK_SPB = 0x00000003
BLOCK_EPB = 0x00000006
# Non-packet blocks that Wireshark 4.0 lists as records, so they take a frame number:
# systemd journal export and the two custom block types.
# NOTE: Wireshark also numbers sysdig event blocks; they are skipped here without a number.
BLOCKS_NUMBERED_BY_WIRESHARK = frozenset({0x00000009, 0x00000BAD, 0x40000BAD})

# Packet block kinds as stored in PcapngWalk.kinds.
KIND_EPB = 0
KIND_PB = 1
KIND_SPB = 2

# Reasons a pcapng walk stops.
STOP_NEED_MORE = 0  # the block at `stop` is not complete in the buffer (or no block header fits)
STOP_METADATA = 1  # the block at `stop` is a section header or interface description
STOP_ERROR = 2  # the block at `stop` is invalid, and `message` gives the reason

EPB_MIN_LENGTH = 32
SPB_MIN_LENGTH = 16
OPTION_EPB_FLAGS = 2


@dataclass
class PcapWalk:
    """Record header offsets found in a chunk of a pcap file."""

    offsets: np.ndarray  # buffer index of each record header
    stop: int  # buffer index where the walk stopped
    bad_caplen: int | None  # captured length at `stop` above the limit, None when the chunk just ran out


def walk_pcap(view: memoryview, start: int, end: int, big_endian: bool, limit: int) -> PcapWalk:
    """Find the complete records in ``view[start:end]`` whose captured length is at most ``limit``."""
    read_caplen = struct.Struct(">I" if big_endian else "<I").unpack_from
    offsets = []
    append = offsets.append
    position = start
    bad_caplen = None
    while position + PCAP_RECORD_HEADER <= end:
        caplen = read_caplen(view, position + 8)[0]
        if caplen > limit:
            bad_caplen = caplen
            break
        following = position + PCAP_RECORD_HEADER + caplen
        if following > end:
            break
        append(position)
        position = following
    return PcapWalk(np.array(offsets, dtype=np.int64), position, bad_caplen)


@dataclass
class PcapngWalk:
    """Packet blocks found in a chunk of one pcapng section."""

    offsets: np.ndarray  # buffer index of each packet block
    kinds: np.ndarray  # KIND_* of each packet block
    flags: np.ndarray  # epb_flags (or the Packet Block's pack_flags), 0 when absent
    frames: np.ndarray  # frame number of each packet block, counted as Wireshark 4.0 does
    stop: int  # buffer index where the walk stopped
    reason: int  # STOP_*
    block_type: int = 0  # type of the block at `stop`
    block_length: int = 0  # total length of the block at `stop`, 0 if not read
    next_frame: int = 1  # frame number the next record will get
    message: str = ""  # what is wrong with the block at `stop` when reason is STOP_ERROR


def _pad4(length: int) -> int:
    return (length + 3) & ~3


def _read_flags_option(view: memoryview, position: int, options_end: int, order: str) -> int:
    """Return the value of the flags option (code 2) among the options in ``view[position:options_end]``."""
    read_header = struct.Struct(order + "HH").unpack_from
    while position + 4 <= options_end:
        code, length = read_header(view, position)
        if code == 0:
            break
        if code == OPTION_EPB_FLAGS and length == 4 and position + 8 <= options_end:
            return struct.unpack_from(order + "I", view, position + 4)[0]
        position += 4 + _pad4(length)
    return 0


def walk_pcapng(
    view: memoryview,
    start: int,
    end: int,
    big_endian: bool,
    limits: list[int],
    first_frame: int,
) -> PcapngWalk:
    """Find the complete packet blocks in ``view[start:end]``, skipping other non-metadata blocks.

    ``limits[i]`` is the maximum captured length accepted for interface ``i``
    of the current section. The walk stops at a section header or interface
    description block (the caller parses those), at an incomplete block and
    at an invalid one.
    """
    order = ">" if big_endian else "<"
    read_block_header = struct.Struct(order + "II").unpack_from
    read_epb = struct.Struct(order + "I8xII").unpack_from
    read_pb = struct.Struct(order + "H10xII").unpack_from
    read_word = struct.Struct(order + "I").unpack_from
    offsets, kinds, flags, frames = [], [], [], []
    frame = first_frame
    position = start
    interface_count = len(limits)

    def finish(reason: int, block_type: int = 0, block_length: int = 0, message: str = "") -> PcapngWalk:
        return PcapngWalk(
            np.array(offsets, dtype=np.int64),
            np.array(kinds, dtype=np.int8),
            np.array(flags, dtype=np.uint32),
            np.array(frames, dtype=np.int64),
            position,
            reason,
            block_type,
            block_length,
            frame,
            message,
        )

    while position + 8 <= end:
        raw_type = read_word(view, position)[0]
        if raw_type == BLOCK_SHB or raw_type == BLOCK_IDB:
            return finish(STOP_METADATA, raw_type)
        block_type, block_length = read_block_header(view, position)
        if block_length < 12 or block_length % 4:
            return finish(STOP_ERROR, block_type, block_length, f"invalid block length {block_length}")
        if position + block_length > end:
            return finish(STOP_NEED_MORE, block_type, block_length)
        trailer = read_word(view, position + block_length - 4)[0]
        if trailer != block_length:
            return finish(
                STOP_ERROR,
                block_type,
                block_length,
                f"block total length {block_length} does not match the trailing copy {trailer}",
            )

        if block_type == BLOCK_EPB or block_type == BLOCK_PB:
            if block_length < EPB_MIN_LENGTH:
                return finish(STOP_ERROR, block_type, block_length, f"packet block length {block_length} is below 32")
            if block_type == BLOCK_EPB:
                interface, caplen, wirelen = read_epb(view, position + 8)
            else:
                interface, caplen, wirelen = read_pb(view, position + 8)
            if interface >= interface_count:
                return finish(
                    STOP_ERROR,
                    block_type,
                    block_length,
                    f"packet block refers to interface {interface}, but the section has "
                    f"{interface_count} interface description blocks",
                )
            if caplen > block_length - EPB_MIN_LENGTH:
                return finish(
                    STOP_ERROR,
                    block_type,
                    block_length,
                    f"captured length {caplen} does not fit in the block length {block_length}",
                )
            if caplen > limits[interface]:
                return finish(
                    STOP_ERROR,
                    block_type,
                    block_length,
                    f"captured length {caplen} exceeds the limit of {limits[interface]} bytes",
                )
            options_start = position + 28 + _pad4(caplen)
            options_end = position + block_length - 4
            value = _read_flags_option(view, options_start, options_end, order) if options_start < options_end else 0
            offsets.append(position)
            kinds.append(KIND_EPB if block_type == BLOCK_EPB else KIND_PB)
            flags.append(value)
            frames.append(frame)
            frame += 1
        elif block_type == BLOCK_SPB:
            if interface_count == 0:
                return finish(
                    STOP_ERROR, block_type, block_length, "simple packet block before any interface description block"
                )
            if block_length < SPB_MIN_LENGTH:
                return finish(STOP_ERROR, block_type, block_length, f"simple packet block length {block_length} is below 16")
            offsets.append(position)
            kinds.append(KIND_SPB)
            flags.append(0)
            frames.append(frame)
            frame += 1
        elif block_type in BLOCKS_NUMBERED_BY_WIRESHARK:
            frame += 1
        position += block_length
    return finish(STOP_NEED_MORE)
