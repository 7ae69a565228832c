"""The HTML report: one self-contained file with inline CSS and the plots as base64 PNG.

It loads nothing from elsewhere (no script, font or image), so it opens
offline and can be attached to a ticket as it is.
"""

from __future__ import annotations

import jinja2

from .. import __version__
from .content import build_content
from .figures import render_pictures


def _environment() -> jinja2.Environment:
    # autoescape=True escapes every value, whatever the template's file name.
    return jinja2.Environment(loader=jinja2.PackageLoader("analyzer.report", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=False, lstrip_blocks=False)


def render_html(case, redacted: bool = False, pictures=None) -> str:
    """Render the case as one HTML page; ``pictures`` are drawn from the case when not given."""
    if pictures is None:
        pictures = render_pictures(case)
    template = _environment().get_template("report.html.j2")
    return template.render(c=build_content(case, redacted=redacted), pictures=pictures,
                           version=__version__) + "\n"
