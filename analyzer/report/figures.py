"""The report's pictures as PNG bytes, drawn by analyzer.plots."""

from __future__ import annotations

import base64
import io
import logging
import warnings
from dataclasses import dataclass

log = logging.getLogger(__name__)

DPI = 100


@dataclass
class Picture:
    """One plot of the report: its file-name stem, title, caption, and PNG bytes or the reason it is missing."""

    name: str
    title: str
    caption: str
    png: bytes | None = None
    error: str | None = None

    @property
    def base64(self) -> str:
        return base64.b64encode(self.png or b"").decode("ascii")


CAPTIONS = {
    "ladder": ("Ladder diagram of the failing ARP transaction",
               "Each row is one sighting: time, direction across the capture point, frame number. "
               "A red cross marks a lost frame's last sighting; a red ring marks where it should "
               "have appeared."),
    "fdb-timeline": ("FDB timeline",
                     "The bridge port of each MAC that moved, as the replay of the captures learned it; "
                     "each move is labelled with the frame that caused it."),
    "topology": ("Topology",
                 "Bridges, ports, team or bond members and capture points (green outline); "
                 "red marks where frames were lost."),
}


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # Names from the inputs may contain control characters, which no font has; matplotlib's
        # warning about the missing glyph would print them raw on the terminal.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def render_pictures(case) -> list[Picture]:
    """Draw the ladder, the FDB timeline and the topology; a plot that fails is reported, not raised."""
    from .. import plots

    drawers = {"ladder": plots.ladder, "fdb-timeline": plots.fdb_timeline, "topology": plots.topology}
    pictures = []
    for name, draw in drawers.items():
        title, caption = CAPTIONS[name]
        if name == "ladder" and not _has_failing_transaction(case):
            title = "Ladder diagram of an ARP transaction"
        picture = Picture(name=name, title=title, caption=caption)
        try:
            picture.png = _png(draw(case))
        except Exception as error:  # noqa: BLE001 - a plot bug must not cost the whole report
            log.exception("drawing the %s failed", name)
            picture.error = f"the {name} could not be drawn ({type(error).__name__}: {error})"
        pictures.append(picture)
    return pictures


def _has_failing_transaction(case) -> bool:
    table = case.arp_transactions
    return bool(len(table)) and bool(table["fate"].isin(("lost", "unanswered", "unknown")).any())
