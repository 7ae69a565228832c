"""An in-memory file that a fuzz target rewrites for each input, for readers that take a path."""

from __future__ import annotations

import os
import tempfile


class InputFile:
    """A file, in memory where Linux's memfd_create exists, whose path stays the same across inputs."""

    def __init__(self, name: str) -> None:
        if hasattr(os, "memfd_create"):
            self.descriptor = os.memfd_create(name)
            self.path = f"/proc/self/fd/{self.descriptor}"
        else:
            self.descriptor, self.path = tempfile.mkstemp(prefix="l2trace-fuzz-", suffix=f"-{name}")

    def write(self, data: bytes) -> str:
        """Replace the file's content with ``data`` and return its path."""
        os.ftruncate(self.descriptor, 0)
        os.pwrite(self.descriptor, data, 0)
        return self.path
