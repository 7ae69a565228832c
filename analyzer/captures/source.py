"""Opening capture files, compressed or not, and reading them through a fixed-size buffer."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import zlib
from typing import BinaryIO

import numpy as np
import zstandard

try:
    # ISA-L's inflate (the optional isal package) took about 90 ns per 131-byte record of a gzip -1
    # capture where zlib took 220 to 280 (isal 1.9, Python 3.11, 2-core VM).
    from isal import isal_zlib as inflate_module
    from isal.isal_zlib import error as IsalError
except ImportError:
    inflate_module = zlib

    class IsalError(Exception):
        """Placeholder for isal's error class when isal is not installed; nothing raises it."""


# Leading bytes of each supported compression format.
COMPRESSION_MAGIC: dict[str, bytes] = {
    "gzip": b"\x1f\x8b",
    "xz": b"\xfd7zXZ\x00",
    "bzip2": b"BZh",
    "zstd": b"\x28\xb5\x2f\xfd",
}

# Limits on what one compressed capture may expand to; tests and callers may change them.
# Real captures compress 20 to 40 times (a 98,000-frame ARP storm captured by
# tcpdump: gzip -9 20, xz -9 39, zstd -19 25), while zeros compress 230
# times with gzip -1, about 1000 with gzip -9 and over 5000 with xz, bzip2
# and zstd. Zeros read as empty pcap records cost about ten times their size
# in frame columns, so a bomb must stop early. The ratio is checked once
# RATIO_CHECK_AFTER bytes are out, because a small file can compress further.
MAX_DECOMPRESSED_BYTES = 16 * 1024**3
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_AFTER = 16 * 1024**2


# Factor applied to a compressed file's size to estimate its decompressed size: the low end of the
# ratios of real captures given above.
COMPRESSED_SIZE_FACTOR = 20
# Minimum estimate for a compressed file, equal to jit.SMALL_INPUT_BYTES so that compressed input is
# read with the compiled loops. Repeated frames compress far beyond real ratios, and the Python
# loops trace a flood of one frame slowly: 18 MiB of one capture repeated, 12 KiB as xz, took 190 s.
COMPRESSED_MIN_ESTIMATE = 32 * 1024 * 1024


class DecompressionLimitError(Exception):
    """The decompressed data grew beyond MAX_DECOMPRESSED_BYTES or MAX_COMPRESSION_RATIO."""


# Exceptions that a decompressor raises on corrupt or cut input, or at a limit.
DECOMPRESSION_ERRORS = (
    EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError, gzip.BadGzipFile, IsalError, DecompressionLimitError,
)


def detect_compression(head: bytes) -> str | None:
    """Return the compression format whose magic number starts ``head``, or None."""
    for name, magic in COMPRESSION_MAGIC.items():
        if head.startswith(magic):
            return name
    return None


def estimated_size(path: str | os.PathLike) -> int:
    """Estimate the decompressed size of a file in bytes.

    That is the stored size, or for a compressed file the larger of its size
    times COMPRESSED_SIZE_FACTOR and COMPRESSED_MIN_ESTIMATE. Returns 0 for a
    file that cannot be read.
    """
    try:
        with open(path, "rb") as raw:
            compression = detect_compression(raw.read(8))
            size = os.fstat(raw.fileno()).st_size
    except OSError:
        return 0
    return max(size * COMPRESSED_SIZE_FACTOR, COMPRESSED_MIN_ESTIMATE) if compression else size


def open_decompressed(raw: BinaryIO, compression: str | None) -> BinaryIO:
    """Wrap the raw file in a streaming decompressor for ``compression`` (None returns ``raw``).

    Reading the result raises DecompressionLimitError once the output passes
    MAX_DECOMPRESSED_BYTES or MAX_COMPRESSION_RATIO, as set when it is opened.
    """
    if compression is None:
        return raw
    if compression == "gzip":
        stream = io.BufferedReader(GzipMemberReader(raw))
    elif compression == "xz":
        stream = lzma.LZMAFile(raw, mode="rb")
    elif compression == "bzip2":
        stream = bz2.BZ2File(raw, mode="rb")
    elif compression == "zstd":
        stream = io.BufferedReader(ZstdFrameReader(raw))
    else:
        raise ValueError(f"unknown compression {compression!r}")
    return io.BufferedReader(LimitedReader(stream, raw, compression))


class LimitedReader(io.RawIOBase):
    """Pass a decompressed stream through, raising DecompressionLimitError at the size and ratio limits."""

    def __init__(self, stream: BinaryIO, raw: BinaryIO, compression: str) -> None:
        super().__init__()
        self.stream = stream
        self.raw = raw
        self.compression = compression
        self.max_bytes = MAX_DECOMPRESSED_BYTES
        self.max_ratio = MAX_COMPRESSION_RATIO
        self.check_after = RATIO_CHECK_AFTER
        self.output = 0
        self.limit_message = ""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        # The call that passes a limit still returns its bytes; the next one raises.
        if self.limit_message:
            raise DecompressionLimitError(self.limit_message)
        # One read from the decompressor per call, so that the output before a cut or a limit is kept.
        count = self.stream.readinto1(target)
        self.output += count
        if self.output > self.max_bytes:
            self.limit_message = (
                f"the {self.compression} data expands to more than {self.max_bytes} bytes "
                f"(MAX_DECOMPRESSED_BYTES in {__name__}); the rest of the file is not read"
            )
        elif self.output > self.check_after:
            consumed = max(self.raw.tell(), 1)
            if self.output > self.max_ratio * consumed:
                self.limit_message = (
                    f"{consumed} compressed bytes expanded to {self.output}, a ratio above the limit of "
                    f"{self.max_ratio} (MAX_COMPRESSION_RATIO in {__name__}); the file may be a "
                    f"decompression bomb, and the rest of it is not read"
                )
        return count


class _PieceReader(io.RawIOBase):
    """Base of the decompressing readers: hands out each decompressed piece through readinto.

    A subclass sets ``pending`` in ``_decompress_more`` and returns False
    there at the end of the data.
    """

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self.raw = raw
        self.pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self.pending:
            if not self._decompress_more():
                return 0
        count = min(len(target), len(self.pending))
        target[:count] = self.pending[:count]
        # A memoryview slice does not copy, so a large piece handed out in small reads costs no more.
        self.pending = self.pending[count:]
        return count

    def _decompress_more(self) -> bool:
        raise NotImplementedError


class GzipMemberReader(_PieceReader):
    """Decompress a sequence of gzip members as Python's gzip module does, with ISA-L when isal is installed.

    Like gzip.GzipFile it skips zero bytes between members and raises
    BadGzipFile for other bytes after a member, and EOFError when the input
    ends inside a member. Its output before such an error is returned first.
    """

    # Compressed bytes per call: one call's output stays below about 16 MiB at
    # gzip's maximum ratio of about 1000, and larger pieces were slower.
    INPUT_PIECE = 16384

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__(raw)
        self.member = None
        self.leftover = b""

    def _read_input(self) -> bytes:
        if self.leftover:
            data, self.leftover = self.leftover, b""
            return data
        return self.raw.read(self.INPUT_PIECE)

    def _decompress_more(self) -> bool:
        if self.member is not None and self.member.eof:
            self.leftover = self.member.unused_data
            self.member = None
        data = self._read_input()
        if self.member is None:
            data = data.lstrip(b"\0")
            while not data:
                data = self.raw.read(self.INPUT_PIECE)
                if not data:
                    return False
                data = data.lstrip(b"\0")
            if len(data) < 2:
                data += self.raw.read(1)
            if data[:2] != COMPRESSION_MAGIC["gzip"]:
                raise gzip.BadGzipFile(f"Not a gzipped file ({data[:2]!r})")
            self.member = inflate_module.decompressobj(wbits=31)
        elif not data:
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        self.pending = memoryview(self.member.decompress(data))
        return True


class ZstdFrameReader(_PieceReader):
    """Decompress a sequence of zstd frames, raising ZstdError when the input ends inside a frame.

    zstandard's stream_reader returns a cut file's output without any error,
    so the frames are decoded here with one decompressobj each.
    """

    # Small input pieces bound the output of one call (a zstd block expands to at most 128 KiB).
    INPUT_PIECE = 2048

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__(raw)
        self.decompressor = zstandard.ZstdDecompressor()
        self.frame = self.decompressor.decompressobj()
        self.frame_started = False

    def _decompress_more(self) -> bool:
        if self.frame.eof:
            leftover = self.frame.unused_data
            self.frame = self.decompressor.decompressobj()
            self.frame_started = False
            if leftover:
                self._feed(leftover)
                return True
        data = self.raw.read(self.INPUT_PIECE)
        if not data:
            if self.frame_started:
                raise zstandard.ZstdError("compressed data ends inside a zstd frame")
            return False
        self._feed(data)
        return True

    def _feed(self, data: bytes) -> None:
        self.frame_started = True
        self.pending = memoryview(self.frame.decompress(data))


class ChunkBuffer:
    """Sliding window over a byte stream, kept in one preallocated numpy array.

    ``data[start:end]`` contains the unread bytes, and ``data[end:end + pad]`` is
    always zero, so that fixed-width windows gathered at any record start
    stay inside the array. ``base`` is the stream offset of ``data[0]``.
    A decompression or I/O error ends the stream: ``eof`` becomes True and
    ``error`` contains the message.
    """

    def __init__(self, stream: BinaryIO, capacity: int, pad: int, raw: BinaryIO | None = None) -> None:
        self.stream = stream
        self.raw = raw if raw is not None else stream
        self.capacity = capacity
        self.pad = pad
        self.data = np.zeros(capacity + pad, dtype=np.uint8)
        self.view = memoryview(self.data)
        self.start = 0
        self.end = 0
        self.base = 0
        self.eof = False
        self.error: str | None = None

    @property
    def available(self) -> int:
        return self.end - self.start

    @property
    def position(self) -> int:
        """Stream offset of the first unread byte."""
        return self.base + self.start

    def fill(self) -> int:
        """Move unread bytes to the front and read until the buffer is full or the stream ends.

        Returns the number of bytes read.
        """
        if self.start > 0:
            kept = self.end - self.start
            self.data[:kept] = self.data[self.start : self.end]
            self.base += self.start
            self.start, self.end = 0, kept
        total = 0
        while not self.eof and self.end < self.capacity:
            try:
                # readinto1 makes at most one read from the decompressor, so when a cut
                # compressed file raises, the bytes decompressed before the cut are kept.
                count = self.stream.readinto1(self.view[self.end : self.capacity])
            except DECOMPRESSION_ERRORS + (OSError,) as error:
                self.error = f"{type(error).__name__}: {error}"
                count = 0
            if not count:
                self.eof = True
                break
            self.end += count
            total += count
        self.data[self.end : self.end + self.pad] = 0
        return total

    def ensure(self, count: int) -> bool:
        """Make at least ``count`` unread bytes available, reading more if needed; False at end of stream."""
        if count > self.capacity:
            return False
        while self.available < count and not self.eof:
            self.fill()
        return self.available >= count

    def skip(self, count: int) -> int:
        """Discard ``count`` bytes, reading through the stream when they are not buffered.

        Returns the number of bytes skipped, which is smaller only at end of stream.
        """
        skipped = min(count, self.available)
        self.start += skipped
        while skipped < count and not self.eof:
            # Everything buffered has been consumed, so drop it instead of moving it.
            self.base += self.end
            self.start = self.end = 0
            self.fill()
            take = min(count - skipped, self.available)
            self.start += take
            skipped += take
        return skipped

    def raw_position(self) -> tuple[int, int | None]:
        """Return (bytes of the file read so far, file size or None) for progress reports."""
        try:
            position = self.raw.tell()
            size = os.fstat(self.raw.fileno()).st_size
        except (OSError, AttributeError, ValueError):
            return 0, None
        return position, size
