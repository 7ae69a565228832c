"""Optional numba compilation of the per-record loops, with a pure Python fallback.

``jit`` marks a function for compilation with numba (nopython mode, cached
on disk, releasing the GIL). numba is imported, and the functions of a
module compiled, on the first call of one of them, so that runs that call
no compiled loop (text-only input, ``--help``) do not pay numba's import
time. Callers choose between a compiled loop and its Python or numpy twin
with ``compiled()``, which is False without numba or when the environment
variable ``L2TRACE_NO_NUMBA`` is set to a non-empty value other than ``0``.
With it set, marked functions run as plain Python.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

DISABLE_VARIABLE = "L2TRACE_NO_NUMBA"
# Serialises the first compilation of a module when several capture files are read in threads.
_COMPILE_LOCK = threading.Lock()
numba_available = importlib.util.find_spec("numba") is not None
if not numba_available:
    log.info("numba is not installed; captures, journeys and the replay use the slower Python code")


def compiled() -> bool:
    """Tell whether the compiled loops are to be used: numba is installed and not disabled."""
    return numba_available and os.environ.get(DISABLE_VARIABLE, "") in ("", "0")


class _Kernel:
    """A function that numba compiles on its first call; ``py_func`` is the Python original."""

    def __init__(self, function):
        self.py_func = function
        functools.update_wrapper(self, function)

    def __call__(self, *arguments):
        if not compiled():
            return self.py_func(*arguments)
        return _compile_module(self.py_func.__module__)[self.py_func.__name__](*arguments)


def _compile_module(module_name: str) -> dict:
    """Replace every _Kernel of a module by its numba dispatcher, so that kernels call each other compiled.

    Returns the module's globals. numba resolves the functions a kernel calls
    from the module's globals when it compiles the kernel, so all of them
    must be dispatchers by then.
    """
    import numba

    namespace = vars(sys.modules[module_name])
    with _COMPILE_LOCK:
        for name, value in list(namespace.items()):
            if isinstance(value, _Kernel):
                namespace[name] = numba.njit(cache=True, nogil=True)(value.py_func)
    return namespace


def jit(function):
    """Mark ``function`` for compilation by numba on first use; without numba it stays a Python function."""
    if not numba_available:
        return function
    return _Kernel(function)
