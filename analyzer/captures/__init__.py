"""Capture readers: pcap and pcapng files into one columnar frames table.

The public entry points are ``is_capture(path)``, ``read_capture(path)`` and
``read_captures(paths)``, which reads several files in parallel threads.
Records are read in chunks and their fields gathered into numpy columns, so
memory grows with the number of frames, not with the file size.
"""

from .addresses import int_to_ip, int_to_mac, ip_to_int, ips_to_str, mac_to_int, macs_to_str, str_to_ips, str_to_macs
from .model import DIRECTION_IN, DIRECTION_OUT, DIRECTION_UNKNOWN, FRAME_COLUMNS, CaptureFile, Interface
from .parallel import read_captures
from .reader import is_capture, read_capture
from .source import estimated_size

__all__ = [
    "DIRECTION_IN",
    "DIRECTION_OUT",
    "DIRECTION_UNKNOWN",
    "FRAME_COLUMNS",
    "CaptureFile",
    "Interface",
    "estimated_size",
    "int_to_ip",
    "int_to_mac",
    "ip_to_int",
    "ips_to_str",
    "is_capture",
    "mac_to_int",
    "macs_to_str",
    "read_capture",
    "read_captures",
    "str_to_ips",
    "str_to_macs",
]
