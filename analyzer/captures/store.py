"""Growable storage for the frame columns of one file, filled chunk by chunk in place.

Each chunk's rows are written straight into the final column arrays, so no
per-chunk parts are kept and nothing is concatenated at the end. Capacity
grows to an estimate of the file's record count (from the bytes read so far)
and by half again when the estimate falls short. Memory that no row has
touched is not resident, so the room to spare costs only address space.
"""

from __future__ import annotations

import mmap
import sys

import numpy as np
import pandas as pd

from .model import FRAME_COLUMNS

# Rows added to every estimate, so that small files and estimates a little short need no second allocation.
SPARE_ROWS = 4096
# Factor applied to the estimated record count of the whole file.
ESTIMATE_MARGIN = 1.05
# Factor by which capacity grows when an estimate turns out short.
GROWTH = 1.5
# Columns at least this large get their own anonymous mapping without transparent huge pages.
# numpy requests huge pages for large arrays. When free memory is fragmented (a full page
# cache), the kernel then compacts memory on each fault, and filling a 20M-row table took about
# 1.4 times as long per row as a 1M-row table (2-core, 24 GiB VM, THP "madvise", numpy 2.4).
MAPPED_BYTES = 4 * 1024 * 1024
# madvise advice of Linux 5.14 and later that faults in a range of pages for writing in one call.
# Used on the rows of each chunk before they are filled, it took a quarter less system time than
# faulting the pages in one by one (135 MB, 2-core VM, Linux 6.18).
MADV_POPULATE_WRITE = 23 if sys.platform.startswith("linux") else None


def allocate(count: int, dtype: np.dtype) -> tuple[np.ndarray, mmap.mmap | None]:
    """Return an uninitialised array, and its mapping when it is a private anonymous one without huge pages.

    Arrays of MAPPED_BYTES or more get such a mapping, smaller ones come from numpy.
    """
    size = count * dtype.itemsize
    advise = getattr(mmap, "MADV_NOHUGEPAGE", None)
    if size < MAPPED_BYTES or advise is None:
        return np.empty(count, dtype=dtype), None
    region = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    region.madvise(advise)
    return np.frombuffer(region, dtype=dtype, count=count), region


class ColumnStore:
    """The frame columns of one file, with room for more rows than are filled."""

    def __init__(self) -> None:
        self.count = 0
        self.capacity = 0
        self.columns = {name: np.empty(0, dtype=dtype) for name, dtype in FRAME_COLUMNS.items()}
        self.regions: dict[str, mmap.mmap] = {}
        self.populate = MADV_POPULATE_WRITE

    def reserve(self, rows: int, estimated_total: int = 0) -> None:
        """Make room for ``rows`` more rows; ``estimated_total`` is the expected row count of the whole file."""
        needed = self.count + rows
        if needed <= self.capacity:
            return
        capacity = max(needed, int(estimated_total * ESTIMATE_MARGIN), int(self.capacity * GROWTH)) + SPARE_ROWS
        for name, old in self.columns.items():
            new, region = allocate(capacity, old.dtype)
            new[: self.count] = old[: self.count]
            self.columns[name] = new
            if region is None:
                self.regions.pop(name, None)
            else:
                self.regions[name] = region
        self.capacity = capacity

    def rows(self, count: int) -> dict[str, np.ndarray]:
        """Return writable views of the next ``count`` rows of every column; ``commit`` makes them part of the table."""
        start = self.count
        if self.populate is not None:
            self._populate(start, count)
        return {name: column[start : start + count] for name, column in self.columns.items()}

    def _populate(self, start: int, count: int) -> None:
        """Fault in the pages of rows ``start`` to ``start + count`` of the mapped columns in one call per column."""
        for name, region in self.regions.items():
            itemsize = self.columns[name].itemsize
            first = start * itemsize // mmap.PAGESIZE * mmap.PAGESIZE
            end = min((start + count) * itemsize, len(region))
            if end <= first:
                continue
            try:
                region.madvise(self.populate, first, end - first)
            except OSError:
                # Kernels before 5.14 reject the advice; the pages are then faulted in as they are written.
                self.populate = None
                return

    def commit(self, count: int) -> None:
        self.count += count

    def frame(self) -> pd.DataFrame:
        """Return the filled rows as a DataFrame whose columns are views of the stored arrays."""
        return pd.DataFrame({name: column[: self.count] for name, column in self.columns.items()}, copy=False)
