"""Report renderers: terminal text, Markdown, self-contained HTML, and JSON (the documented contract).

With a ``Redactor``, the case is redacted before rendering, so plots show only
pseudonyms, and the rendered text passes through the same mapping again.
"""

from __future__ import annotations

from pathlib import Path

FORMATS = ("text", "markdown", "html", "json")


def _prepare(case, redactor):
    if redactor is None:
        return case
    from ..redact import redact_case
    return redact_case(case, redactor)


def _render(case, format: str, redacted: bool, images=None, **options) -> str:
    if format == "json":
        from .json_report import render_json
        return render_json(case)
    if format == "markdown":
        from .markdown import render_markdown
        return render_markdown(case, redacted=redacted, images=images)
    if format == "html":
        from .html import render_html
        return render_html(case, redacted=redacted)
    if format == "text":
        from .text import render_text
        return render_text(case, **options)
    raise ValueError(f"unknown report format {format!r}: use one of {', '.join(FORMATS)}")


def _scrub(text: str, format: str, redactor) -> str:
    if redactor is None:
        return text
    return redactor.html(text) if format == "html" else redactor.text(text)


def render(case, format: str = "text", redactor=None, **options) -> str:
    """Render a case in one of FORMATS; ``options`` go to the text renderer (colour, verbose)."""
    if format not in FORMATS:
        raise ValueError(f"unknown report format {format!r}: use one of {', '.join(FORMATS)}")
    case = _prepare(case, redactor)
    return _scrub(_render(case, format, redactor is not None, **options), format, redactor)


def render_files(case, format: str, output: str | Path, redactor=None, **options) -> dict[Path, bytes]:
    """Render a report to be written at ``output``, with the files that go beside it.

    For Markdown these are the plots as PNG files named after the report
    (``report-ladder.png`` beside ``report.md``), linked from it. Returns a
    mapping from path to content; nothing is written here.
    """
    output = Path(output)
    if format != "markdown":
        return {output: render(case, format, redactor=redactor, **options).encode("utf-8")}
    from .figures import render_pictures

    case = _prepare(case, redactor)
    files: dict[Path, bytes] = {}
    images = {}
    for picture in render_pictures(case):
        if picture.png is None:
            continue
        path = output.with_name(f"{output.stem}-{picture.name}.png")
        files[path] = picture.png
        images[picture.name] = (picture.title, path.name)
    text = _scrub(_render(case, format, redactor is not None, images=images), format, redactor)
    files[output] = text.encode("utf-8")
    return files
