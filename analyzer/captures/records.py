"""Record batches and per-file read state, which a format reader passes to the frame decoder."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .model import Interface

log = logging.getLogger(__name__)


@dataclass
class RecordBatch:
    """The records found in one buffered chunk, before their frame fields are decoded.

    ``data`` is the chunk buffer and stays valid only until the reader reads
    the next chunk, so a batch must be decoded before the generator resumes.
    """

    data: np.ndarray  # uint8 chunk buffer
    frame: np.ndarray  # int64 frame number, 1-based as Wireshark counts
    record_offset: np.ndarray  # int64 stream offset of each record header, for messages
    data_offset: np.ndarray  # int64 index in `data` of each record's first packet byte
    caplen: np.ndarray  # int64 captured length
    wirelen: np.ndarray  # int64 length on the wire
    time_ns: np.ndarray  # int64 nanoseconds since the epoch, -1 when the record has no time
    interface: np.ndarray  # int32 index into ReadContext.interfaces
    flags: np.ndarray  # uint32 pcapng epb_flags, 0 for pcap


@dataclass
class ReadContext:
    """State shared by the reader of one file: its interfaces, limits and warnings."""

    path: str
    max_record: int
    compression: str | None = None
    interfaces: list[Interface] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    readable: bool = True
    log_warnings: bool = True  # False when the caller logs the warnings itself, in file order

    def warn(self, message: str) -> None:
        """Record a warning about this file; the message gets the file name in front."""
        text = f"{self.path}: {message}"
        self.warnings.append(text)
        if self.log_warnings:
            log.warning("%s", text)

    def place(self, frame: int, offset: int) -> str:
        """Describe where a record starts, for messages."""
        return f"record {frame} at {self.offset(offset)}"

    def offset(self, offset: int) -> str:
        """Describe a byte offset, which is in the decompressed data for a compressed file."""
        where = f"byte offset {offset}"
        if self.compression:
            where += f" of the {self.compression}-decompressed data"
        return where
