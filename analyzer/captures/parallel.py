"""Reading several capture files at once, one thread per file.

The compiled record loops release the GIL, and so do file reads and the
decompressors, so threads can use more than one core. The Python work per
chunk is small next to the compiled work.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .model import CaptureFile
from .reader import read_capture

FileProgressCallback = Callable[[str, int, "int | None"], None]


def read_captures(
    paths: list[str | os.PathLike],
    *,
    progress: FileProgressCallback | None = None,
    workers: int | None = None,
) -> list[CaptureFile]:
    """Read capture files in parallel threads and return them in the order of ``paths``.

    ``progress(path, bytes_read, total_bytes)`` is called as read_capture
    calls its own callback, from the worker threads. ``workers`` defaults to
    the number of CPUs, and never exceeds the number of files.
    """
    if not paths:
        return []
    count = min(len(paths), workers or os.cpu_count() or 1)

    def read(path):
        callback = (lambda done, total: progress(str(path), done, total)) if progress else None
        return read_capture(path, progress=callback)

    if count == 1:
        return [read(path) for path in paths]
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="read-capture") as pool:
        return list(pool.map(read, paths))
