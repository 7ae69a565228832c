"""Optional numba compilation of the per-record loops, with a pure Python fallback.

``jit`` marks a function for compilation with numba (nopython mode, cached
on disk, releasing the GIL). numba is imported, and the functions of a
module compiled, on the first call of one of them, so that runs that call
no compiled loop (text-only input, ``--help``) do not pay numba's import
time. Callers choose between a compiled loop and its Python or numpy twin
with ``compiled()``, which is False without numba, when the environment
variable ``L2TRACE_NO_NUMBA`` is set to a non-empty value other than ``0``,
or after ``choose_loops`` picked the Python loops for the run. Then marked
functions run as plain Python.

Compiling every loop takes seconds, and numba's on-disk cache helps only
later runs. ``choose_loops`` therefore picks the Python loops for a run
whose input is small while the cache does not yet hold the compiled loops.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DISABLE_VARIABLE = "L2TRACE_NO_NUMBA"
# Input bytes (decompressed, all captures of a run) below which a run whose loops are not yet in
# numba's cache uses the Python loops instead of compiling them. On a 2-core VM with numba 0.68,
# compiling every loop took 6.6 s more than loading them from the cache. The capture reader's
# numpy path took 0.6 s more CPU time per 109 MiB of pcap (1M frames). A whole analysis of 4.8 MiB
# of ARP traffic in three captures (the roundrobin-flood sample repeated 2048 times) took up to
# 0.8 s more with the Python loops. At that rate, 32 MiB of such traffic would cost about as much
# as compiling (an estimate).
SMALL_INPUT_BYTES = 32 * 1024 * 1024

# Serialises the first compilation of a module when several capture files are read in threads.
_COMPILE_LOCK = threading.Lock()
# Every function marked with ``jit``, for the check of numba's cache.
_KERNEL_FUNCTIONS: list = []
# True after choose_loops picked the Python loops; read by compiled() in every thread of the run.
_python_chosen = False

numba_available = importlib.util.find_spec("numba") is not None
if not numba_available:
    log.info("numba is not installed; captures, journeys and the replay use the slower Python code")


def compiled() -> bool:
    """Tell whether the compiled loops are to be used: numba is installed, not disabled, and chosen for the run."""
    if _python_chosen or not numba_available:
        return False
    return os.environ.get(DISABLE_VARIABLE, "") in ("", "0")


@dataclass(frozen=True)
class LoopChoice:
    """The loops chosen for one run, and why."""

    compiled: bool  # the compiled loops run (and compile now unless cached)
    compiling: bool  # the compiled loops are not all in numba's cache, so this run compiles them
    reason: str  # the reason, for the log


def decide_loops(input_bytes: int, cached: bool | None, available: bool = True) -> LoopChoice:
    """Choose compiled or Python loops for a run over ``input_bytes`` of captures.

    ``cached`` is the result of ``kernels_cached`` (None, when the cache
    could not be checked, counts as not cached). ``available`` is False
    without numba or with L2TRACE_NO_NUMBA set.
    """
    if not available:
        return LoopChoice(False, False, "numba is not installed or is disabled by " + DISABLE_VARIABLE)
    if cached:
        return LoopChoice(True, False, "the compiled loops are in numba's cache")
    state = "not in numba's cache" if cached is False else "of unknown state in numba's cache"
    if input_bytes < SMALL_INPUT_BYTES:
        return LoopChoice(
            False, False,
            f"the compiled loops are {state} and the {input_bytes} bytes of captures are below "
            f"{SMALL_INPUT_BYTES} (SMALL_INPUT_BYTES in {__name__}), so compiling would take longer than "
            f"the Python loops",
        )  # fmt: skip
    return LoopChoice(
        True, True,
        f"the compiled loops are {state}, and the {input_bytes} bytes of captures reach {SMALL_INPUT_BYTES} "
        f"(SMALL_INPUT_BYTES in {__name__}), so they are compiled now and cached for later runs",
    )  # fmt: skip


def choose_loops(input_bytes: int) -> LoopChoice:
    """Choose compiled or Python loops for the captures, journeys and replay of one run, and log the choice.

    The choice stays in effect in the whole process, every thread included,
    until the next call.
    """
    global _python_chosen
    available = numba_available and os.environ.get(DISABLE_VARIABLE, "") in ("", "0")
    if not available:
        choice = decide_loops(input_bytes, None, available=False)
    elif input_bytes == 0:
        # Without capture input no loop has work, and the cache check would import numba.
        choice = LoopChoice(False, False, "there is no capture input")
    else:
        choice = decide_loops(input_bytes, kernels_cached())
    _python_chosen = not choice.compiled
    log.info("%s loops chosen: %s", "compiled" if choice.compiled else "Python", choice.reason)
    return choice


def kernels_cached() -> bool | None:
    """Tell whether numba's on-disk cache contains compiled loops of every module that has marked functions.

    A module counts as cached when at least one of its marked functions is.
    numba compiles and caches each function on its first call, so a cache
    can be complete but for functions that no run has called yet (the pcapng
    walk, after pcap input only). Compiling such a function later took
    about 0.5 s. The check uses numba's own cache lookup
    (its locator, version and source stamp checks), so a module edited since
    it was cached counts as not cached. Returns None when the check fails,
    for example after a change to these numba internals.
    """
    if not _index_files_exist():
        return False
    modules: dict[str, bool] = {}
    try:
        from numba.core.caching import FunctionCache

        for function in list(_KERNEL_FUNCTIONS):
            if modules.get(function.__module__):
                continue
            # NOTE: _cache_file._load_index is internal to numba (checked with 0.68).
            modules[function.__module__] = bool(FunctionCache(function)._cache_file._load_index())
    except Exception as error:  # noqa: BLE001 - any failure only means the cache state is unknown
        log.info("checking numba's cache for the compiled loops failed (%s: %s)", type(error).__name__, error)
        return None
    return all(modules.values())


def _index_files_exist() -> bool:
    """Tell whether each module with marked functions has a numba index file in a folder where numba caches.

    When one has none, nothing of it is cached, and the exact check, which
    imports numba (about 0.4 s), is skipped. numba caches in NUMBA_CACHE_DIR
    when that is set, and otherwise in the module's ``__pycache__`` or, when
    that is not writable, in its user-wide cache in the XDG cache folder.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        cache_roots = [Path(os.environ["NUMBA_CACHE_DIR"])]
    else:
        cache_roots = [Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "numba"]
    for module_name in {function.__module__ for function in _KERNEL_FUNCTIONS}:
        source = Path(sys.modules[module_name].__file__)
        pattern = f"{source.stem}.*.nbi"
        if not os.environ.get("NUMBA_CACHE_DIR") and any((source.parent / "__pycache__").glob(pattern)):
            continue
        if not any(root.is_dir() and any(root.rglob(pattern)) for root in cache_roots):
            return False
    return True


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
    _KERNEL_FUNCTIONS.append(function)
    return _Kernel(function)
