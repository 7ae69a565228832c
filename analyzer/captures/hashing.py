"""Vectorised 64-bit hashes of frame payloads and the frame fingerprint.

The payload hash covers at most the first ``HASH_WINDOW`` bytes of the L2
payload (the bytes after the VLAN tags) and mixes in the full length that
the L3 header declares. Two frames that differ only after byte 128 of their
payload therefore hash alike. Their declared length and, for IPv4, the
checksum and identification in the first bytes usually differ anyway.
Frames cut by a snaplen before the end of the window hash over the bytes
that were captured, so they do not match an uncut copy of the same frame.

The functions are a fixed mix of multiply, xor and rotate on little-endian
64-bit words, so a value is the same on every platform and in every run.
"""

from __future__ import annotations

import numpy as np

HASH_WINDOW = 128

_SEED = np.uint64(0x9E3779B97F4A7C15)
_PRIME_1 = np.uint64(0x87C37B91114253D5)
_PRIME_2 = np.uint64(0x4CF5AD432745937F)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_SOURCE_SALT = np.uint64(0x2545F4914F6CDD1D)
_DESTINATION_SALT = np.uint64(0x5851F42D4C957F2D)


def _rotate_left(values: np.ndarray, bits: int) -> np.ndarray:
    return (values << np.uint64(bits)) | (values >> np.uint64(64 - bits))


def finalize(values: np.ndarray) -> np.ndarray:
    """Apply the splitmix64 finalizer, which spreads every input bit over the whole output."""
    values = values ^ (values >> np.uint64(30))
    values = values * _MIX_1
    values = values ^ (values >> np.uint64(27))
    values = values * _MIX_2
    return values ^ (values >> np.uint64(31))


def payload_hash(window: np.ndarray, hashed_length: np.ndarray, declared_length: np.ndarray) -> np.ndarray:
    """Hash the first ``hashed_length[i]`` bytes of each row of ``window`` together with ``declared_length[i]``.

    ``window`` is an (n, HASH_WINDOW) uint8 matrix of payload bytes. Bytes at
    or after ``hashed_length`` are ignored, whatever they contain.
    """
    count = window.shape[0]
    positions = np.arange(HASH_WINDOW, dtype=np.int64)
    masked = np.where(positions[None, :] < hashed_length[:, None], window, 0).astype(np.uint8)
    words = np.ascontiguousarray(masked).view("<u8")
    state = np.full(count, _SEED, dtype=np.uint64) ^ (declared_length.astype(np.uint64) * _PRIME_1)
    # Every row mixes all words, the zeroed ones too, so a row's hash does not depend on its chunk.
    for column in range(words.shape[1]):
        state = state ^ (words[:, column] * _PRIME_2)
        state = _rotate_left(state, 31) * _PRIME_1
    return finalize(state)


def fingerprint(hashes: np.ndarray, eth_src: np.ndarray, eth_dst: np.ndarray) -> np.ndarray:
    """Combine payload hashes with the source and destination MACs (-1 for an unknown MAC is hashed as is)."""
    source = finalize(eth_src.astype(np.int64).view(np.uint64) ^ _SOURCE_SALT)
    destination = finalize(eth_dst.astype(np.int64).view(np.uint64) ^ _DESTINATION_SALT)
    return finalize(hashes ^ source ^ _rotate_left(destination, 17))
