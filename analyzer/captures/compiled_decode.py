"""Per-record decoding of the frame columns, compiled with numba.

``fill_columns_compiled`` writes the same values as ``reader._frame_columns``
with ``decode.decode_frames``, column for column, but walks the records one
by one in compiled code instead of gathering fixed-width windows into
matrices. Like the numpy version it uses no byte at or past a record's
captured length: every field read is guarded by a length check. The hash
loads whole 64-bit words, so it may load up to 15 bytes past the hashed
bytes, but it masks them out, and the chunk buffer's zero padding keeps
those loads inside the buffer. The equality of both versions is checked by
the tests on every test capture.
"""

from __future__ import annotations

import numpy as np

from .decode import (
    BROADCAST_MAC,
    ETHERTYPE_ARP,
    ETHERTYPE_IPV4,
    ETHERTYPE_IPV6,
    ETHERTYPE_MIN,
    LINKTYPE_ETHERNET,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    MAX_VLAN_TAGS,
    SLL_PACKET_BROADCAST,
    SLL_PACKET_OUTGOING,
)
from .hashing import (
    _DESTINATION_SALT,
    _MIX_1,
    _MIX_2,
    _PRIME_1,
    _PRIME_2,
    _SEED,
    _SOURCE_SALT,
    HASH_WINDOW,
    STRIPE,
)
from .jit import jit
from .model import DIRECTION_IN, DIRECTION_OUT, DIRECTION_UNKNOWN, FRAME_COLUMNS
from .records import RecordBatch

INT32_MAX = 2**31 - 1
_ALL_BITS = np.uint64(0xFFFF_FFFF_FFFF_FFFF)


@jit
def _u16(data, at):
    return (np.int64(data[at]) << 8) | np.int64(data[at + 1])


@jit
def _u32(data, at):
    return (_u16(data, at) << 16) | _u16(data, at + 2)


@jit
def _mac(data, at):
    return (_u32(data, at) << 16) | _u16(data, at + 4)


@jit
def _rotate_left(value, bits):
    return (value << np.uint64(bits)) | (value >> np.uint64(64 - bits))


@jit
def _finalize(value):
    value = value ^ (value >> np.uint64(30))
    value = value * _MIX_1
    value = value ^ (value >> np.uint64(27))
    value = value * _MIX_2
    return value ^ (value >> np.uint64(31))


@jit
def _load_word(words, position, count):
    """Return the little-endian word of the ``count`` bytes (0 to 8 are used) at byte ``position``.

    ``words`` is the chunk buffer viewed as 64-bit words. The two aligned
    words that contain the bytes are combined, so that no byte loop is run.
    """
    if count <= 0:
        return np.uint64(0)
    shift = np.uint64(8 * (position & 7))
    index = position >> 3
    # Shifting by 1 and then by 63 - shift leaves 0 when shift is 0, where one shift by 64 is undefined.
    word = (words[index] >> shift) | ((words[index + 1] << np.uint64(1)) << (np.uint64(63) - shift))
    if count >= 8:
        return word
    return word & (_ALL_BITS >> np.uint64(64 - 8 * count))


@jit
def _lane_step(lane, word):
    return _rotate_left(lane ^ (word * _PRIME_2), 31) * _PRIME_1


@jit
def _payload_hash(words, start, hashed_length, declared_length):
    """Hash as hashing.payload_hash does the first ``hashed_length`` bytes at byte ``start`` of the buffer."""
    lane0 = _SEED ^ (np.uint64(declared_length) * _PRIME_1)
    lane1 = lane0 + _PRIME_2
    lane2 = lane0 ^ _MIX_1
    lane3 = lane0 - _PRIME_1
    for stripe in range(HASH_WINDOW // STRIPE):
        first = stripe * STRIPE
        if stripe > 0 and first >= hashed_length:
            break
        lane0 = _lane_step(lane0, _load_word(words, start + first, hashed_length - first))
        lane1 = _lane_step(lane1, _load_word(words, start + first + 8, hashed_length - first - 8))
        lane2 = _lane_step(lane2, _load_word(words, start + first + 16, hashed_length - first - 16))
        lane3 = _lane_step(lane3, _load_word(words, start + first + 24, hashed_length - first - 24))
    merged = _rotate_left(lane0, 1) + _rotate_left(lane1, 7) + _rotate_left(lane2, 12) + _rotate_left(lane3, 18)
    return _finalize(merged ^ (np.uint64(hashed_length) * _PRIME_2))


@jit
def _fingerprint(payload_hash, eth_src, eth_dst):
    source = _finalize(np.uint64(eth_src) ^ _SOURCE_SALT)
    destination = _finalize(np.uint64(eth_dst) ^ _DESTINATION_SALT)
    return _finalize(payload_hash ^ source ^ _rotate_left(destination, 17))


@jit
def _is_vlan_ethertype(value):
    return value == 0x8100 or value == 0x88A8 or value == 0x9100


@jit
def _decode_record(data, words, at, caplen, link_type):
    """Decode one record starting at ``data[at]``; return its columns from ``direction`` to ``fingerprint``.

    Returning scalars instead of writing into the output arrays keeps the
    arrays out of the call, which numba would reference-count on every record.
    """
    caplen = np.int64(caplen)
    ethernet = link_type == LINKTYPE_ETHERNET
    sll = link_type == LINKTYPE_LINUX_SLL and caplen >= 16
    sll2 = link_type == LINKTYPE_LINUX_SLL2 and caplen >= 20
    cooked = sll or sll2

    destination = _mac(data, at) if ethernet and caplen >= 6 else np.int64(-1)
    source = _mac(data, at + 6) if ethernet and caplen >= 12 else np.int64(-1)
    packet_type = np.int64(-1)
    if sll:
        packet_type = _u16(data, at)
        if _u16(data, at + 4) == 6:
            source = _mac(data, at + 6)
    elif sll2:
        packet_type = np.int64(data[at + 10])
        if data[at + 11] == 6:
            source = _mac(data, at + 12)
    if cooked and packet_type == SLL_PACKET_BROADCAST:
        destination = BROADCAST_MAC
    direction = DIRECTION_UNKNOWN
    if cooked and packet_type == SLL_PACKET_OUTGOING:
        direction = DIRECTION_OUT
    elif cooked and 0 <= packet_type < SLL_PACKET_OUTGOING:
        direction = DIRECTION_IN
    ifindex = _u32(data, at + 4) if sll2 else np.int64(-1)

    header_ok = (ethernet and caplen >= 14) or cooked
    position = np.int64(0)
    ethertype = np.int64(-1)
    outer = np.int64(-1)
    inner = np.int64(-1)
    if header_ok:
        if ethernet:
            ethertype = _u16(data, at + 12)
            position = 14
        elif sll:
            ethertype = _u16(data, at + 14)
            position = 16
        else:
            ethertype = _u16(data, at)
            position = 20
        for depth in range(MAX_VLAN_TAGS):
            if not (_is_vlan_ethertype(ethertype) and caplen >= position + 4):
                break
            vlan_id = _u16(data, at + position) & 0x0FFF
            if depth == 0:
                outer = vlan_id
            elif depth == 1:
                inner = vlan_id
            ethertype = _u16(data, at + position + 2)
            position += 4

    payload = at + position
    payload_length = max(caplen - position, 0)
    declared = payload_length
    arp_op = arp_sha = arp_spa = arp_tha = arp_tpa = np.int64(-1)
    ip_src = ip_dst = ip_proto = np.int64(-1)
    if header_ok and ethertype == ETHERTYPE_ARP and payload_length >= 8:
        hardware_size = np.int64(data[payload + 4])
        protocol_size = np.int64(data[payload + 5])
        declared = 8 + 2 * (hardware_size + protocol_size)
        if (
            payload_length >= 28
            and _u16(data, payload) == 1
            and _u16(data, payload + 2) == ETHERTYPE_IPV4
            and hardware_size == 6
            and protocol_size == 4
        ):
            arp_op = _u16(data, payload + 6)
            arp_sha = _mac(data, payload + 8)
            arp_spa = _u32(data, payload + 14)
            arp_tha = _mac(data, payload + 18)
            arp_tpa = _u32(data, payload + 24)
    elif header_ok and ethertype == ETHERTYPE_IPV4 and payload_length >= 20:
        version = np.int64(data[payload]) >> 4
        header_words = np.int64(data[payload]) & 0x0F
        if version == 4 and header_words >= 5:
            ip_src = _u32(data, payload + 12)
            ip_dst = _u32(data, payload + 16)
            ip_proto = data[payload + 9]
            total_length = _u16(data, payload + 2)
            # Senders with segmentation offload hand tcpdump IPv4 headers whose total length is 0.
            if total_length >= 20:
                declared = total_length
    elif header_ok and ethertype == ETHERTYPE_IPV6 and payload_length >= 40:
        if np.int64(data[payload]) >> 4 == 6:
            declared = 40 + _u16(data, payload + 4)
    elif header_ok and ethernet and 0 <= ethertype < ETHERTYPE_MIN:
        declared = ethertype

    hashed_length = min(max(min(declared, payload_length), 0), HASH_WINDOW)
    hashed = _payload_hash(words, payload, hashed_length, declared)
    return (
        direction, min(packet_type, 127), ifindex, destination, source, outer, inner, ethertype,
        arp_op, arp_sha, arp_spa, arp_tha, arp_tpa, ip_src, ip_dst, ip_proto, hashed,
        _fingerprint(hashed, source, destination),
    )  # fmt: skip


@jit
def _decode_batch(
    data, words, data_offset, caplen, wirelen, frame, time_ns, interface, flags, interface_link_types,
    out_frame, out_time_ns, out_interface, out_link_type, out_caplen, out_wirelen, out_truncated,
    direction, sll_pkttype, sll_ifindex, eth_dst, eth_src, vlan_outer, vlan_inner, ethertype, arp_op,
    arp_sha, arp_spa, arp_tha, arp_tpa, ip_src, ip_dst, ip_proto, payload_hash, fingerprint,
):  # fmt: skip
    """Fill every frame column for a batch of records, as reader._frame_columns does with decode_frames."""
    for index in range(data_offset.shape[0]):
        link_type = interface_link_types[interface[index]]
        out_frame[index] = frame[index]
        out_time_ns[index] = time_ns[index]
        out_interface[index] = interface[index]
        out_link_type[index] = link_type
        out_caplen[index] = caplen[index]
        out_wirelen[index] = min(wirelen[index], INT32_MAX)
        out_truncated[index] = caplen[index] < wirelen[index]
        (
            direction[index], sll_pkttype[index], sll_ifindex[index], eth_dst[index], eth_src[index],
            vlan_outer[index], vlan_inner[index], ethertype[index], arp_op[index], arp_sha[index],
            arp_spa[index], arp_tha[index], arp_tpa[index], ip_src[index], ip_dst[index], ip_proto[index],
            payload_hash[index], fingerprint[index],
        ) = _decode_record(data, words, data_offset[index], caplen[index], link_type)  # fmt: skip
        # pcapng flags bits 0-1 are 1 for inbound and 2 for outbound. They take precedence over the SLL packet type.
        flag_direction = flags[index] & 3
        if flag_direction == 1:
            direction[index] = DIRECTION_IN
        elif flag_direction == 2:
            direction[index] = DIRECTION_OUT


def fill_columns_compiled(batch: RecordBatch, interface_link_types: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """Write every frame column of ``batch`` into the arrays of ``out`` (one row per record, FRAME_COLUMNS dtypes)."""
    # The hash loads 64-bit words, which may reach up to 15 bytes past the hashed bytes of a record.
    # The chunk buffer's GATHER_PAD zero bytes keep those loads inside it, and the bytes are masked out.
    usable = len(batch.data) - len(batch.data) % 8
    _decode_batch(
        batch.data,
        batch.data[:usable].view(np.uint64),
        batch.data_offset,
        batch.caplen,
        batch.wirelen,
        batch.frame,
        batch.time_ns,
        batch.interface,
        batch.flags,
        interface_link_types,
        *(out[name] for name in FRAME_COLUMNS),
    )
