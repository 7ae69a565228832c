"""Conversions between the integer address columns of the frames table and their text forms.

Missing addresses are -1 in the table and None in text.
"""

from __future__ import annotations

import ipaddress

BROADCAST_MAC = 0xFFFF_FFFF_FFFF


def mac_int_to_str(value) -> str | None:
    value = int(value)
    if value < 0:
        return None
    raw = value.to_bytes(6, "big")
    return ":".join(f"{b:02x}" for b in raw)


def mac_str_to_int(text: str | None) -> int:
    if not text:
        return -1
    digits = text.replace(":", "").replace("-", "").replace(".", "")
    try:
        return int(digits, 16) if len(digits) == 12 else -1
    except ValueError:
        return -1


def ipv4_int_to_str(value) -> str | None:
    value = int(value)
    return None if value < 0 else str(ipaddress.IPv4Address(value))


def ipv4_str_to_int(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def is_group_mac(value: int) -> bool:
    """Return whether a MAC is broadcast or multicast (the I/G bit of the first octet is set)."""
    return value >= 0 and bool((value >> 40) & 0x01)
