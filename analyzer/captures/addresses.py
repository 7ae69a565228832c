"""Conversions between MAC and IPv4 address strings and the integers stored in the frames table.

MAC addresses are 48-bit integers in transmission order (``aa:bb:cc:dd:ee:ff`` is
``0xaabbccddeeff``), IPv4 addresses are 32-bit integers in network order. The
frames table marks a missing address with -1. The Series functions and the
scalar ``*_int_to_str`` and ``*_str_to_int`` functions turn -1 into ``None``
and unparsable strings into -1, while ``mac_to_int``, ``int_to_mac``,
``ip_to_int`` and ``int_to_ip`` raise ValueError on an invalid value.
"""

from __future__ import annotations

import ipaddress
import re

import numpy as np
import pandas as pd

MISSING = -1
BROADCAST_MAC = 0xFFFF_FFFF_FFFF

_HEX_DIGITS = re.compile(r"[0-9a-fA-F]{12}")
_OCTET_TEXT = np.array([f"{value:02x}" for value in range(256)], dtype=object)

# Value of each ASCII character as a hexadecimal digit; 255 marks a non-digit.
_NIBBLE = np.full(256, 255, dtype=np.uint8)
for _char in "0123456789abcdef":
    _NIBBLE[ord(_char)] = int(_char, 16)
    _NIBBLE[ord(_char.upper())] = int(_char, 16)


def mac_to_int(text: str) -> int:
    """Parse a MAC address (``aa:bb:cc:dd:ee:ff``, ``aa-bb-...``, ``aabb.ccdd.eeff`` or 12 hex digits)."""
    stripped = text.strip()
    if ":" in stripped or "-" in stripped:
        octets = re.split(r"[:\-]", stripped)
        if len(octets) != 6 or not all(re.fullmatch(r"[0-9a-fA-F]{1,2}", octet) for octet in octets):
            raise ValueError(f"invalid MAC address {text!r}: expected 6 hexadecimal octets separated by ':' or '-'")
        return int("".join(octet.zfill(2) for octet in octets), 16)
    digits = stripped.replace(".", "")
    if not _HEX_DIGITS.fullmatch(digits) or stripped.count(".") not in (0, 2):
        raise ValueError(f"invalid MAC address {text!r}: expected 12 hexadecimal digits")
    return int(digits, 16)


def int_to_mac(value: int) -> str:
    """Format a 48-bit integer as ``aa:bb:cc:dd:ee:ff``."""
    value = int(value)
    if not 0 <= value < 1 << 48:
        raise ValueError(f"invalid MAC address value {value}: expected 0 to 2**48-1")
    return ":".join(f"{(value >> shift) & 0xFF:02x}" for shift in range(40, -1, -8))


def ip_to_int(text: str) -> int:
    """Parse a dotted-quad IPv4 address."""
    try:
        return int(ipaddress.IPv4Address(text.strip()))
    except ipaddress.AddressValueError as error:
        raise ValueError(f"invalid IPv4 address {text!r}: {error}") from None


def int_to_ip(value: int) -> str:
    """Format a 32-bit integer as a dotted-quad IPv4 address."""
    value = int(value)
    if not 0 <= value < 1 << 32:
        raise ValueError(f"invalid IPv4 address value {value}: expected 0 to 2**32-1")
    return str(ipaddress.IPv4Address(value))


def mac_int_to_str(value) -> str | None:
    """Format a 48-bit integer as ``aa:bb:cc:dd:ee:ff``; a negative value (-1, missing) gives None."""
    value = int(value)
    return None if value < 0 else int_to_mac(value)


def mac_str_to_int(text: str | None) -> int:
    """Parse a MAC address as ``mac_to_int`` does; None, an empty string and an invalid address give -1."""
    if not text:
        return MISSING
    try:
        return mac_to_int(text)
    except ValueError:
        return MISSING


def ipv4_int_to_str(value) -> str | None:
    """Format a 32-bit integer as a dotted-quad IPv4 address; a negative value (-1, missing) gives None."""
    value = int(value)
    return None if value < 0 else int_to_ip(value)


def ipv4_str_to_int(text: str) -> int:
    """Parse a dotted-quad IPv4 address, raising ValueError when it is invalid."""
    return ip_to_int(text)


def is_group_mac(value: int) -> bool:
    """Tell whether a MAC is broadcast or multicast (the I/G bit of the first octet is set); False for -1."""
    return value >= 0 and bool((value >> 40) & 0x01)


def macs_to_str(values: pd.Series | np.ndarray) -> pd.Series:
    """Format a Series of 48-bit integers as MAC strings; -1 and other out-of-range values become None."""
    series = pd.Series(values)
    numbers = series.to_numpy(dtype=np.int64, na_value=MISSING)
    valid = (numbers >= 0) & (numbers < 1 << 48)
    clean = np.where(valid, numbers, 0)
    text = _OCTET_TEXT[(clean >> 40) & 0xFF]
    for shift in (32, 24, 16, 8, 0):
        text = text + ":" + _OCTET_TEXT[(clean >> shift) & 0xFF]
    return pd.Series(np.where(valid, text, None), index=series.index, dtype=object)


def ips_to_str(values: pd.Series | np.ndarray) -> pd.Series:
    """Format a Series of 32-bit integers as IPv4 strings; -1 and other out-of-range values become None."""
    series = pd.Series(values)
    numbers = series.to_numpy(dtype=np.int64, na_value=MISSING)
    valid = (numbers >= 0) & (numbers < 1 << 32)
    clean = np.where(valid, numbers, 0)
    text = ((clean >> 24) & 0xFF).astype(str).astype(object)
    for shift in (16, 8, 0):
        text = text + "." + ((clean >> shift) & 0xFF).astype(str).astype(object)
    return pd.Series(np.where(valid, text, None), index=series.index, dtype=object)


def str_to_macs(values: pd.Series) -> pd.Series:
    """Parse a Series of MAC strings into 48-bit integers; None and invalid strings become -1."""
    series = pd.Series(values, dtype=object)
    text = series.fillna("").astype(str).str.strip()
    # Pad one-digit octets ("0:1b:...") so that a separated address has 12 digits.
    padded = text.str.replace(r"(?<![0-9a-fA-F])([0-9a-fA-F])(?=[:\-]|$)", r"0\1", regex=True)
    separators = text.str.count(r"[:\-]")
    dots = text.str.count(r"\.")
    digits = padded.str.replace(r"[:\-.]", "", regex=True)
    well_formed = (
        digits.str.fullmatch(r"[0-9a-fA-F]{12}").fillna(False)
        & (((separators == 5) & (dots == 0)) | ((separators == 0) & dots.isin([0, 2])))
    ).to_numpy(dtype=bool)
    raw = np.array(np.where(well_formed, digits, "000000000000").tolist(), dtype="S12")
    nibbles = _NIBBLE[raw.view(np.uint8).reshape(len(raw), 12)].astype(np.int64)
    result = np.zeros(len(raw), dtype=np.int64)
    for column in range(12):
        result = (result << 4) | nibbles[:, column]
    return pd.Series(np.where(well_formed, result, MISSING), index=series.index, dtype=np.int64)


def str_to_ips(values: pd.Series) -> pd.Series:
    """Parse a Series of dotted-quad IPv4 strings into integers; None and invalid strings become -1."""
    series = pd.Series(values, dtype=object)
    text = series.fillna("").astype(str).str.strip()
    well_formed = text.str.fullmatch(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})").fillna(False)
    parts = text.where(well_formed, "0.0.0.0").str.split(".", expand=True, n=3)
    if parts.shape[1] != 4:
        # Every row was invalid, so the split produced a single column.
        return pd.Series(MISSING, index=series.index, dtype=np.int64)
    octets = parts.astype(np.int64).to_numpy()
    in_range = (octets <= 255).all(axis=1)
    result = (octets[:, 0] << 24) | (octets[:, 1] << 16) | (octets[:, 2] << 8) | octets[:, 3]
    valid = well_formed.to_numpy(dtype=bool) & in_range
    return pd.Series(np.where(valid, result, MISSING), index=series.index, dtype=np.int64)
