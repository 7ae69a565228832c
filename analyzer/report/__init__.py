"""Report renderers: JSON (the documented contract), terminal text and Markdown."""

from __future__ import annotations

FORMATS = ("text", "markdown", "json")


def render(case, format: str = "text", **options) -> str:
    """Render a case in one of FORMATS."""
    if format == "json":
        from .json_report import render_json
        return render_json(case)
    if format == "markdown":
        from .markdown import render_markdown
        return render_markdown(case)
    if format == "text":
        from .text import render_text
        return render_text(case, **options)
    raise ValueError(f"unknown report format {format!r}: use one of {', '.join(FORMATS)}")
