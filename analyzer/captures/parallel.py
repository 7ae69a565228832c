"""Reading several capture files at once, one thread per file.

The compiled record loops release the GIL, and so do file reads and the
decompressors, so threads can use more than one core. The Python work per
chunk is small next to the compiled work.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .jit import compiled
from .model import CaptureFile
from .reader import read_capture
from .records import log as records_log

FileProgressCallback = Callable[[str, int, "int | None"], None]


class _OrderedProgress:
    """Pass progress reports on in file order, as if the files were read one after another.

    Reports of the earliest file not yet finished go through at once. Other
    files keep only their latest report, which goes through when all files
    before them have finished. Calls are serialised, so the callback never
    runs in two threads at a time.
    """

    def __init__(self, paths: list[str], callback: FileProgressCallback) -> None:
        self.paths = paths
        self.callback = callback
        self.lock = threading.Lock()
        self.current = 0
        self.latest: dict[int, tuple[int, int | None]] = {}
        self.finished: set[int] = set()

    def report(self, index: int, done: int, total: int | None) -> None:
        with self.lock:
            if index == self.current:
                self.callback(self.paths[index], done, total)
            else:
                self.latest[index] = (done, total)

    def finish(self, index: int) -> None:
        with self.lock:
            self.finished.add(index)
            while self.current in self.finished:
                self.current += 1
                if self.current < len(self.paths) and self.current in self.latest:
                    self.callback(self.paths[self.current], *self.latest.pop(self.current))


def read_captures(
    paths: list[str | os.PathLike],
    *,
    progress: FileProgressCallback | None = None,
    workers: int | None = None,
) -> list[CaptureFile]:
    """Read capture files in parallel threads and return them in the order of ``paths``.

    ``progress(path, bytes_read, total_bytes)`` receives the reports that
    read_capture makes, in the order of ``paths`` (see _OrderedProgress),
    never from two threads at a time. Warnings are logged after the reads, in
    the order of ``paths``. ``workers`` defaults to the number of CPUs, and
    never exceeds the number of files. Without the compiled loops the files
    are read one after another.
    """
    if not paths:
        return []
    names = [str(path) for path in paths]
    count = min(len(paths), workers or os.cpu_count() or 1)
    # The Python loops hold the GIL most of the time, so only the compiled ones gain from threads.
    if count == 1 or not compiled():
        return [_read_one(path, progress) for path in paths]
    ordered = _OrderedProgress(names, progress) if progress else None

    def read(index: int) -> CaptureFile:
        callback = (lambda done, total: ordered.report(index, done, total)) if ordered else None
        try:
            return read_capture(paths[index], progress=callback, log_warnings=False)
        finally:
            if ordered:
                ordered.finish(index)

    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="read-capture") as pool:
        captures = list(pool.map(read, range(len(paths))))
    for capture in captures:
        for warning in capture.warnings:
            records_log.warning("%s", warning)
    return captures


def _read_one(path: str | os.PathLike, progress: FileProgressCallback | None) -> CaptureFile:
    callback = (lambda done, total: progress(str(path), done, total)) if progress else None
    return read_capture(path, progress=callback)
