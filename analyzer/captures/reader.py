"""``read_capture`` and ``is_capture``: format detection, the chunk loop and the frames table."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import numpy as np
import pandas as pd

from .compiled_decode import fill_columns_compiled
from .decode import GATHER_PAD, decode_frames
from .jit import compiled
from .model import DIRECTION_IN, DIRECTION_OUT, DIRECTION_UNKNOWN, FRAME_COLUMNS, CaptureFile
from .pcap import MAGIC as PCAP_MAGIC
from .pcap import read_pcap
from .pcapng import BYTE_ORDER_MAGIC_BIG, BYTE_ORDER_MAGIC_LITTLE, read_pcapng
from .records import ReadContext, RecordBatch
from .source import DECOMPRESSION_ERRORS, ChunkBuffer, detect_compression, open_decompressed
from .store import ColumnStore

log = logging.getLogger(__name__)

DEFAULT_MAX_RECORD = 262144
# Bytes read from the stream per chunk. The buffer also contains one partial record carried over.
CHUNK_SIZE = 4 * 1024 * 1024
# Room in the buffer for a packet block's header and options beyond its captured bytes.
BLOCK_SLACK = 64 * 1024
INT32_MAX = 2**31 - 1
# Records kept from one file. The frame columns take 135 bytes a record, and the later tables more, so a
# file of tiny or empty records (a crafted or decompression-bomb file) could otherwise exhaust memory.
MAX_FRAMES = 20_000_000

# Factor applied to the record count estimated for a compressed file, whose estimate is low
# (a zstd file of 1M records was estimated at 0.94M after its first chunk).
COMPRESSED_ESTIMATE_MARGIN = 1.25

ProgressCallback = Callable[[int, "int | None"], None]


def detect_format(head: bytes) -> str | None:
    """Return "pcap" or "pcapng" when ``head`` (at least 12 bytes) starts such a file, else None."""
    if head[:4] in PCAP_MAGIC:
        return "pcap"
    if head[:4] == b"\x0a\x0d\x0d\x0a" and head[8:12] in (BYTE_ORDER_MAGIC_BIG, BYTE_ORDER_MAGIC_LITTLE):
        return "pcapng"
    return None


def is_capture(path: str | os.PathLike) -> bool:
    """Tell by content whether ``path`` is a pcap or pcapng file, plain or gzip/xz/bzip2/zstd-compressed."""
    try:
        with open(path, "rb") as raw:
            compression = detect_compression(raw.read(8))
            raw.seek(0)
            stream = open_decompressed(raw, compression)
            head = stream.read(12)
    except (OSError,) + DECOMPRESSION_ERRORS:
        return False
    return detect_format(head) is not None


def read_capture(
    path: str | os.PathLike,
    *,
    progress: ProgressCallback | None = None,
    max_record: int = DEFAULT_MAX_RECORD,
    log_warnings: bool = True,
) -> CaptureFile:
    """Read a pcap or pcapng file, compressed or not, into a CaptureFile.

    Never raises for a bad file: problems become warnings that name the file
    and the record, and every record read before a fatal problem is kept.
    ``progress(bytes_read, total_bytes)`` is called after each chunk, with
    positions in the file as stored (compressed or not); total_bytes is None
    when the size is unknown. ``max_record`` is the largest captured length
    accepted for one record. Each warning is also logged as it is found,
    unless ``log_warnings`` is False.
    """
    context = ReadContext(path=str(path), max_record=max_record, log_warnings=log_warnings)
    try:
        raw = open(path, "rb")
    except OSError as error:
        context.warn(f"cannot open the file: {error.strerror or error}")
        return _result(context, "unknown", ColumnStore(), readable=False)
    with raw:
        compression = detect_compression(raw.read(8))
        raw.seek(0)
        context.compression = compression
        stream = open_decompressed(raw, compression)
        buffer = ChunkBuffer(stream, CHUNK_SIZE + max_record + BLOCK_SLACK, GATHER_PAD, raw=raw)
        buffer.ensure(12)
        file_format = detect_format(bytes(buffer.view[: min(buffer.available, 12)]))
        store = ColumnStore()
        if file_format is None:
            _warn_not_capture(context, buffer)
        else:
            _read_records(buffer, context, file_format, store, progress)
        if buffer.error:
            context.warn(f"decompression failed after {buffer.base + buffer.end} bytes of output: {buffer.error}")
        if progress is not None:
            progress(*buffer.raw_position())
    return _result(context, file_format or "unknown", store, readable=context.readable and file_format is not None)


def _warn_not_capture(context: ReadContext, buffer: ChunkBuffer) -> None:
    if buffer.available == 0:
        if buffer.error is None:
            context.warn("the file is empty" + (" after decompression" if context.compression else ""))
        # Otherwise the decompression warning gives the reason no bytes came out.
    else:
        head = bytes(buffer.view[: min(buffer.available, 12)]).hex(" ")
        context.warn(f"not a pcap or pcapng file: it starts with bytes {head or '(none)'}")


def _read_records(
    buffer: ChunkBuffer,
    context: ReadContext,
    file_format: str,
    store: ColumnStore,
    progress: ProgressCallback | None,
) -> None:
    batches = read_pcap(buffer, context) if file_format == "pcap" else read_pcapng(buffer, context)
    use_compiled = compiled()
    last_frame = 0
    try:
        for batch in batches:
            count = len(batch.frame)
            if store.count + count > MAX_FRAMES:
                context.warn(
                    f"{context.place(int(batch.frame[0]), int(batch.record_offset[0]))}: stopped reading at "
                    f"the limit of {MAX_FRAMES} records per file (MAX_FRAMES in {__name__}); {store.count} kept"
                )
                break
            store.reserve(count, _estimate_records(store.count + count, buffer))
            rows = store.rows(count)
            if use_compiled:
                link_types = np.array([interface.link_type for interface in context.interfaces], dtype=np.int32)
                fill_columns_compiled(batch, link_types, rows)
            else:
                for name, column in _frame_columns(batch, context).items():
                    rows[name][:] = column
            store.commit(count)
            last_frame = int(batch.frame[-1])
            if progress is not None:
                progress(*buffer.raw_position())
    except Exception as error:  # noqa: BLE001 - a reader bug must not stop the analysis of other files
        log.exception("reading %s failed after record %d", context.path, last_frame)
        context.warn(f"reading failed after record {last_frame} ({type(error).__name__}: {error}); records before it kept")


def _estimate_records(records: int, buffer: ChunkBuffer) -> int:
    """Estimate the record count of the whole file from the share of the file read so far (0 if unknown).

    For a compressed file the share is that of the compressed bytes, which
    the decompressor reads ahead of its output, so the estimate is raised by
    COMPRESSED_ESTIMATE_MARGIN. A file that compresses better at its start
    than later (a run of zeros) is overestimated, up to MAX_FRAMES. That
    costs only address space, because ColumnStore faults in the rows as they
    are filled. Without an estimate the columns would grow by half again many
    times, each time copied to new memory.
    """
    position, size = buffer.raw_position()
    if not size or position <= 0:
        return 0
    estimate = records * max(size / position, 1.0)
    if buffer.stream is not buffer.raw:
        estimate *= COMPRESSED_ESTIMATE_MARGIN
    return min(int(estimate), MAX_FRAMES)


def _frame_columns(batch: RecordBatch, context: ReadContext) -> dict[str, np.ndarray]:
    """Decode one batch into the frame columns, in FRAME_COLUMNS order and dtypes."""
    link_types = np.array([interface.link_type for interface in context.interfaces], dtype=np.int32)
    link_type = link_types[batch.interface]
    decoded = decode_frames(batch.data, batch.data_offset, batch.caplen, link_type)
    # pcapng flags bits 0-1 are 1 for inbound and 2 for outbound. They take precedence over the SLL packet type.
    flag_direction = (batch.flags & 3).astype(np.int8)
    direction = np.select(
        [flag_direction == 1, flag_direction == 2],
        [DIRECTION_IN, DIRECTION_OUT],
        decoded.pop("direction"),
    )
    columns = {
        "frame": batch.frame,
        "time_ns": batch.time_ns,
        "interface": batch.interface,
        "link_type": link_type,
        "caplen": batch.caplen,
        "wirelen": np.minimum(batch.wirelen, INT32_MAX),
        "truncated": batch.caplen < batch.wirelen,
        "direction": direction,
        **decoded,
    }
    return {name: np.asarray(columns[name]).astype(dtype, copy=False) for name, dtype in FRAME_COLUMNS.items()}


def _result(context: ReadContext, file_format: str, store: ColumnStore, readable: bool) -> CaptureFile:
    frames = store.frame()
    if readable:
        _check_frames(frames, context)
    return CaptureFile(
        path=context.path,
        format=file_format,
        compression=context.compression,
        interfaces=context.interfaces,
        frames=frames,
        warnings=context.warnings,
        readable=readable,
    )


def _check_frames(frames: pd.DataFrame, context: ReadContext) -> None:
    """Warn about an empty file, records without a time and timestamps that go backwards."""
    if frames.empty:
        context.warn("no packet records after the file header")
        return
    times = frames["time_ns"].to_numpy()
    untimed = times < 0
    if untimed.any():
        first = int(frames["frame"].to_numpy()[np.argmax(untimed)])
        context.warn(
            f"records without a usable timestamp: {int(untimed.sum())} (first: record {first}); "
            f"their time_ns is -1. Simple packet blocks carry none."
        )
    # Only a file with untimed records pays for a copy, and the comparison makes no 8-byte diff array.
    timed = times[~untimed] if untimed.any() else times
    backwards = np.flatnonzero(timed[1:] < timed[:-1])
    if len(backwards):
        first = int(frames["frame"].to_numpy()[~untimed][backwards[0] + 1])
        context.warn(
            f"records with a timestamp earlier than the record before them: {len(backwards)} "
            f"(first: record {first}); frames are kept in file order"
        )
