"""Conversions between the integer address columns of the frames table and their text forms.

The functions live in ``analyzer.captures.addresses``; this module keeps the
names that the analysis modules import. Missing addresses are -1 in the table
and None in text.
"""

from __future__ import annotations

from .captures.addresses import (
    BROADCAST_MAC,
    ipv4_int_to_str,
    ipv4_str_to_int,
    is_group_mac,
    mac_int_to_str,
    mac_str_to_int,
)

__all__ = ["BROADCAST_MAC", "ipv4_int_to_str", "ipv4_str_to_int", "is_group_mac", "mac_int_to_str", "mac_str_to_int"]
