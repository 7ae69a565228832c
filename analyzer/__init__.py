"""l2trace: explain where frames were lost inside a Linux host with bridges, teams and bonds.

Load a case with ``load_case(paths)``; the returned ``Case`` contains every table
(frames, sightings, journeys, fdb_events, fdb_snapshots, decisions,
arp_transactions, findings) and the topology graph, and renders reports with
``case.report(format)``. docs/tables.md lists the columns of every table.

Public names (``__all__``):

- ``load_case``: read a case and run the whole analysis.
- ``Case``: one case's tables, graph, findings and reports.
- ``Finding``, ``Evidence``: one diagnosis and one frame that supports it.
- ``plot_ladder``, ``plot_fdb_timeline``, ``plot_topology``: matplotlib
  Figures of a case (``analyzer.plots.ladder``, ``fdb_timeline`` and ``topology``).
- ``export_case``: write every table as Parquet and the topology as GraphML.
- ``__version__``: the package version.
"""

__version__ = "0.1.0"

from .case import Case, load_case  # noqa: E402
from .findings import Evidence, Finding  # noqa: E402

__all__ = [
    "Case",
    "Evidence",
    "Finding",
    "__version__",
    "export_case",
    "load_case",
    "plot_fdb_timeline",
    "plot_ladder",
    "plot_topology",
]

# Imported on first use, so that the command line loads matplotlib only when it
# draws a plot.
_LAZY = {
    "plot_ladder": ("plots", "ladder"),
    "plot_fdb_timeline": ("plots", "fdb_timeline"),
    "plot_topology": ("plots", "topology"),
    "export_case": ("export", "export_case"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
