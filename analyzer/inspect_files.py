"""``l2trace inspect``: what each given file is, without analysing the case.

For a capture: format, compression, link types, interfaces, frame count, time
range, clock offset against the other captures given, and warnings. For any
other file: the command output it was recognised as, or that it was not.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pandas as pd

from .captures import is_capture, read_capture
from .clocks import align_clocks
from .discover import detect_output, parser_modules, read_text
from .report.common import clean, clock, day

LINK_TYPE_NAMES = {1: "Ethernet", 113: "Linux cooked (SLL)", 276: "Linux cooked v2 (SLL2)"}


def inspect_files(paths: list[str]) -> list[dict]:
    """Describe each file: a capture's shape and contents, or the output format it was recognised as."""
    modules = parser_modules()
    results, tables = [], []
    for path in paths:
        if not Path(path).is_file():
            results.append({"file": path, "kind": "missing", "warnings": [f"{path}: not found or not a file"]})
            continue
        if not is_capture(path):
            kind = detect_output(Path(path), modules)
            if not kind:
                results.append({"file": path, "kind": "unknown", "format": None,
                                "warnings": [f"{path}: not a capture and not a known command output"]})
                continue
            parsed = importlib.import_module(f"analyzer.parsers.{kind}").parse(read_text(Path(path)), source=path)
            results.append({"file": path, "kind": "output", "format": kind, "records": int(len(parsed.table)),
                            "warnings": list(parsed.warnings)})
            continue
        capture = read_capture(path)
        frames = capture.frames
        if capture.readable and len(frames):
            tables.append(frames.assign(file=path, time=frames["time_ns"] / 1e9))
        times = frames["time_ns"][frames["time_ns"] >= 0] if len(frames) else frames.get("time_ns")
        results.append({
            "file": path, "kind": "capture", "format": capture.format, "compression": capture.compression,
            "readable": capture.readable,
            "link_types": sorted({i.link_type for i in capture.interfaces}),
            "interfaces": [{"index": i.index, "name": i.name, "description": i.description,
                            "link_type": i.link_type, "snaplen": i.snaplen, "tsresol": i.tsresol}
                           for i in capture.interfaces],
            "frames": int(len(frames)),
            "truncated_frames": int(frames["truncated"].sum()) if len(frames) else 0,
            "first_time": float(times.min()) / 1e9 if times is not None and len(times) else None,
            "last_time": float(times.max()) / 1e9 if times is not None and len(times) else None,
            "clock_offset": None,
            "warnings": list(capture.warnings),
        })
    if len(tables) > 1:
        _, offsets, _ = align_clocks(pd.concat(tables, ignore_index=True))
        for result in results:
            if result["file"] in offsets:
                result["clock_offset"] = offsets[result["file"]]
    return results


def render_inspection(results: list[dict], format: str = "text") -> str:
    if format == "json":
        return json.dumps(results, indent=2) + "\n"
    lines = []
    for result in results:
        lines.append(clean(result["file"]))
        if result["kind"] == "capture":
            kinds = ", ".join(LINK_TYPE_NAMES.get(t, f"link type {t}") for t in result["link_types"])
            packed = f", {result['compression']}-compressed" if result["compression"] else ""
            lines.append(f"  {result['format']}{packed}, {kinds or 'no interface'}, {result['frames']} frames"
                         + (f" ({result['truncated_frames']} cut by the snaplen)" if result["truncated_frames"] else ""))
            if result["first_time"] is not None:
                lines.append(f"  {day(result['first_time'])} {clock(result['first_time'])} to "
                             f"{clock(result['last_time'])} UTC")
            for interface in result["interfaces"]:
                name = clean(interface["name"]) if interface["name"] else "(no name)"
                lines.append(f"  interface {interface['index']}: {name}, link type {interface['link_type']}, "
                             f"snaplen {interface['snaplen']}")
            if result["clock_offset"]:
                lines.append(f"  clock offset: {result['clock_offset']:+.6f} s against the largest capture given")
        elif result["kind"] == "output":
            lines.append(f"  command output: {result['format']}, {result['records']} records")
        for warning in result["warnings"]:
            lines.append(f"  warning: {clean(warning)}")
    return "\n".join(lines) + "\n"
