"""Record-header walks over one buffered chunk, compiled with numba.

``walk_pcap_compiled`` and ``walk_pcapng_compiled`` return the same
``PcapWalk`` and ``PcapngWalk`` as the Python walks in ``walk.py``, which
remain the reference and the fallback without numba. An invalid pcapng
block is reported by an error code and up to two numbers, and the message
is formatted here in Python.
"""

from __future__ import annotations

import numpy as np

from .jit import jit
from .walk import (
    BLOCK_EPB,
    BLOCK_IDB,
    BLOCK_PB,
    BLOCK_SHB,
    BLOCK_SPB,
    BLOCKS_NUMBERED_BY_WIRESHARK,
    EPB_MIN_LENGTH,
    KIND_EPB,
    KIND_PB,
    KIND_SPB,
    OPTION_EPB_FLAGS,
    PCAP_RECORD_HEADER,
    SPB_MIN_LENGTH,
    STOP_ERROR,
    STOP_METADATA,
    STOP_NEED_MORE,
    PcapngWalk,
    PcapWalk,
)

# Block types that Wireshark numbers as records although they hold no packet.
_NUMBERED_BLOCKS = np.array(sorted(BLOCKS_NUMBERED_BY_WIRESHARK), dtype=np.int64)

# Error codes of the pcapng walk; _ERROR_MESSAGES formats each with (first, second) value.
ERROR_NONE = 0
ERROR_BLOCK_LENGTH = 1
ERROR_TRAILER = 2
ERROR_PACKET_BLOCK_SHORT = 3
ERROR_INTERFACE = 4
ERROR_CAPLEN_BLOCK = 5
ERROR_CAPLEN_LIMIT = 6
ERROR_SPB_NO_INTERFACE = 7
ERROR_SPB_SHORT = 8

_ERROR_MESSAGES = {
    ERROR_BLOCK_LENGTH: "invalid block length {block_length}",
    ERROR_TRAILER: "block total length {block_length} does not match the trailing copy {first}",
    ERROR_PACKET_BLOCK_SHORT: "packet block length {block_length} is below 32",
    ERROR_INTERFACE: (
        "packet block refers to interface {first}, but the section has {second} interface description blocks"
    ),
    ERROR_CAPLEN_BLOCK: "captured length {first} does not fit in the block length {block_length}",
    ERROR_CAPLEN_LIMIT: "captured length {first} exceeds the limit of {second} bytes",
    ERROR_SPB_NO_INTERFACE: "simple packet block before any interface description block",
    ERROR_SPB_SHORT: "simple packet block length {block_length} is below 16",
}


@jit
def _u16(data, at, big_endian):
    if big_endian:
        return (np.int64(data[at]) << 8) | np.int64(data[at + 1])
    return (np.int64(data[at + 1]) << 8) | np.int64(data[at])


@jit
def _u32(data, at, big_endian):
    if big_endian:
        return (_u16(data, at, True) << 16) | _u16(data, at + 2, True)
    return (_u16(data, at + 2, False) << 16) | _u16(data, at, False)


@jit
def _walk_pcap(data, start, end, big_endian, limit, offsets):
    """Fill ``offsets`` with the record starts; return (count, stop, captured length above the limit or -1)."""
    position = start
    count = 0
    while position + PCAP_RECORD_HEADER <= end:
        caplen = _u32(data, position + 8, big_endian)
        if caplen > limit:
            return count, position, caplen
        following = position + PCAP_RECORD_HEADER + caplen
        if following > end:
            break
        offsets[count] = position
        count += 1
        position = following
    return count, position, np.int64(-1)


def walk_pcap_compiled(data: np.ndarray, start: int, end: int, big_endian: bool, limit: int) -> PcapWalk:
    """Find the complete records in ``data[start:end]`` whose captured length is at most ``limit``."""
    offsets = np.empty(max((end - start) // PCAP_RECORD_HEADER, 0), dtype=np.int64)
    count, stop, bad_caplen = _walk_pcap(data, start, end, big_endian, limit, offsets)
    return PcapWalk(offsets[:count].copy(), int(stop), None if bad_caplen < 0 else int(bad_caplen))


@jit
def _pcap_headers(data, offsets, big_endian, units, caplen, wirelen, time_ns):
    """Fill the record header fields; return (records whose fraction is ``units`` or more, index of the first)."""
    unit_nanoseconds = 1_000_000_000 // units
    bad_fractions = 0
    first_bad = -1
    for index in range(offsets.shape[0]):
        at = offsets[index]
        seconds = _u32(data, at, big_endian)
        fraction = _u32(data, at + 4, big_endian)
        caplen[index] = _u32(data, at + 8, big_endian)
        wirelen[index] = _u32(data, at + 12, big_endian)
        time_ns[index] = seconds * 1_000_000_000 + fraction * unit_nanoseconds
        if fraction >= units:
            if first_bad < 0:
                first_bad = index
            bad_fractions += 1
    return bad_fractions, first_bad


def pcap_headers_compiled(
    data: np.ndarray, offsets: np.ndarray, big_endian: bool, units: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Return (caplen, wirelen, time_ns, count of fractions >= units, index of the first or -1) for the records."""
    count = len(offsets)
    caplen = np.empty(count, dtype=np.int64)
    wirelen = np.empty(count, dtype=np.int64)
    time_ns = np.empty(count, dtype=np.int64)
    bad_fractions, first_bad = _pcap_headers(data, offsets, big_endian, units, caplen, wirelen, time_ns)
    return caplen, wirelen, time_ns, int(bad_fractions), int(first_bad)


@jit
def _flags_option(data, position, options_end, big_endian):
    while position + 4 <= options_end:
        code = _u16(data, position, big_endian)
        length = _u16(data, position + 2, big_endian)
        if code == 0:
            break
        if code == OPTION_EPB_FLAGS and length == 4 and position + 8 <= options_end:
            return _u32(data, position + 4, big_endian)
        position += 4 + ((length + 3) & ~3)
    return np.int64(0)


@jit
def _walk_pcapng(data, start, end, big_endian, limits, first_frame, numbered, offsets, kinds, flags, frames):
    """Walk the blocks of one section; return (count, stop, reason, type, length, next frame, error, first, second)."""
    frame = first_frame
    position = start
    count = 0
    interface_count = limits.shape[0]
    while position + 8 <= end:
        block_type = _u32(data, position, big_endian)
        if block_type == BLOCK_SHB or block_type == BLOCK_IDB:
            return count, position, STOP_METADATA, block_type, 0, frame, ERROR_NONE, 0, 0
        block_length = _u32(data, position + 4, big_endian)
        if block_length < 12 or block_length % 4:
            return count, position, STOP_ERROR, block_type, block_length, frame, ERROR_BLOCK_LENGTH, 0, 0
        if position + block_length > end:
            return count, position, STOP_NEED_MORE, block_type, block_length, frame, ERROR_NONE, 0, 0
        trailer = _u32(data, position + block_length - 4, big_endian)
        if trailer != block_length:
            return count, position, STOP_ERROR, block_type, block_length, frame, ERROR_TRAILER, trailer, 0

        if block_type == BLOCK_EPB or block_type == BLOCK_PB:
            if block_length < EPB_MIN_LENGTH:
                return count, position, STOP_ERROR, block_type, block_length, frame, ERROR_PACKET_BLOCK_SHORT, 0, 0
            if block_type == BLOCK_EPB:
                interface = _u32(data, position + 8, big_endian)
            else:
                interface = _u16(data, position + 8, big_endian)
            caplen = _u32(data, position + 20, big_endian)
            if interface >= interface_count:
                return (count, position, STOP_ERROR, block_type, block_length, frame, ERROR_INTERFACE,
                        interface, interface_count)  # fmt: skip
            if caplen > block_length - EPB_MIN_LENGTH:
                return count, position, STOP_ERROR, block_type, block_length, frame, ERROR_CAPLEN_BLOCK, caplen, 0
            if caplen > limits[interface]:
                return (count, position, STOP_ERROR, block_type, block_length, frame, ERROR_CAPLEN_LIMIT,
                        caplen, limits[interface])  # fmt: skip
            options_start = position + 28 + ((caplen + 3) & ~3)
            options_end = position + block_length - 4
            value = np.int64(0)
            if options_start < options_end:
                value = _flags_option(data, options_start, options_end, big_endian)
            offsets[count] = position
            kinds[count] = KIND_EPB if block_type == BLOCK_EPB else KIND_PB
            flags[count] = value
            frames[count] = frame
            count += 1
            frame += 1
        elif block_type == BLOCK_SPB:
            if interface_count == 0:
                return count, position, STOP_ERROR, block_type, block_length, frame, ERROR_SPB_NO_INTERFACE, 0, 0
            if block_length < SPB_MIN_LENGTH:
                return count, position, STOP_ERROR, block_type, block_length, frame, ERROR_SPB_SHORT, 0, 0
            offsets[count] = position
            kinds[count] = KIND_SPB
            flags[count] = 0
            frames[count] = frame
            count += 1
            frame += 1
        else:
            for number in numbered:
                if block_type == number:
                    frame += 1
        position += block_length
    return count, position, STOP_NEED_MORE, 0, 0, frame, ERROR_NONE, 0, 0


def walk_pcapng_compiled(
    data: np.ndarray, start: int, end: int, big_endian: bool, limits: list[int], first_frame: int
) -> PcapngWalk:
    """Find the complete packet blocks in ``data[start:end]``, as ``walk.walk_pcapng`` does."""
    capacity = max((end - start) // SPB_MIN_LENGTH, 0)
    offsets = np.empty(capacity, dtype=np.int64)
    kinds = np.empty(capacity, dtype=np.int8)
    flags = np.empty(capacity, dtype=np.uint32)
    frames = np.empty(capacity, dtype=np.int64)
    limit_array = np.asarray(limits, dtype=np.int64)
    count, stop, reason, block_type, block_length, next_frame, error, first, second = _walk_pcapng(
        data, start, end, big_endian, limit_array, first_frame, _NUMBERED_BLOCKS, offsets, kinds, flags, frames
    )
    message = ""
    if error != ERROR_NONE:
        message = _ERROR_MESSAGES[error].format(block_length=block_length, first=first, second=second)
    return PcapngWalk(
        offsets[:count].copy(),
        kinds[:count].copy(),
        flags[:count].copy(),
        frames[:count].copy(),
        int(stop),
        int(reason),
        int(block_type),
        int(block_length),
        int(next_frame),
        message,
    )
