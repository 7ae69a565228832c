"""l2trace: explain where frames were lost inside a Linux host with bridges, teams and bonds.

Load a case with ``load_case(paths)``; the returned ``Case`` holds every table
(frames, sightings, journeys, fdb_events, arp_transactions, findings) and the
topology graph, and renders reports with ``case.report(format)``.
"""

__version__ = "0.1.0"

from .case import Case, load_case  # noqa: E402
from .findings import Evidence, Finding  # noqa: E402

__all__ = ["Case", "Evidence", "Finding", "load_case", "__version__"]
