"""``l2trace inspect``: what each given file is, without analysing the case.

For a capture: format, compression, link types, interfaces, frame count, time
range, clock offset against the other captures given, and warnings. For any
other file: the command output it was recognised as, or that it was not. A
sosreport, folder or tarball, is listed file by file, each output with the
report's host name and, from a sos 4.x manifest, when its command ran.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import pandas as pd

from .captures import estimated_size, is_capture, read_capture
from .captures.jit import choose_loops
from .clocks import align_clocks
from .discover import detect_output, discover, parser_modules, read_text
from .sosreport import is_sosreport_dir, is_tarball, open_sosreport
from .report.common import clean, clock, day, moment

LINK_TYPE_NAMES = {1: "Ethernet", 113: "Linux cooked (SLL)", 276: "Linux cooked v2 (SLL2)"}


def inspect_files(paths: list[str]) -> list[dict]:
    """Describe each file: a capture's shape and contents, or the output format it was recognised as."""
    modules = parser_modules()
    # Small inputs on a cold numba cache read faster with the Python loops than with a first compile.
    choose_loops(sum(_folder_bytes(path) if Path(path).is_dir() else estimated_size(path) for path in paths))
    results, tables = [], []
    for path in paths:
        if Path(path).is_dir() or (Path(path).is_file() and not is_capture(path) and is_tarball(Path(path))):
            results += _inspect_discovered(path, tables)
            continue
        if not Path(path).is_file():
            results.append({"file": path, "kind": "missing", "warnings": [f"{path}: not found or not a file"]})
            continue
        if not is_capture(path):
            kind = detect_output(Path(path), modules)
            if not kind:
                results.append({"file": path, "kind": "unknown", "format": None,
                                "warnings": [f"{path}: not a capture and not a known command output"]})
                continue
            results.append(_inspect_output(path, path, kind, *_folder_origin(path)))
            continue
        results.append(_inspect_capture(path, path, tables))
    if len(tables) > 1:
        _, offsets, _ = align_clocks(pd.concat(tables, ignore_index=True))
        for result in results:
            if result.get("path", result["file"]) in offsets:
                result["clock_offset"] = offsets[result.get("path", result["file"])]
    for result in results:
        result.pop("path", None)
    return results


def _inspect_output(path: str, label: str, kind: str, host: str | None, collected_at: float | None) -> dict:
    """Describe one command output: its format, record count, host, collection time and warnings."""
    parsed = importlib.import_module(f"analyzer.parsers.{kind}").parse(read_text(Path(path)), source=label)
    return {"file": label, "kind": "output", "format": kind, "records": int(len(parsed.table)),
            "host": host, "collected_at": collected_at, "warnings": list(parsed.warnings)}


def _folder_origin(path: str) -> tuple[str | None, float | None]:
    """Return the host and collection time of a file inside an unpacked sosreport, or (None, None) for a loose file."""
    resolved = Path(path).resolve()
    for folder in resolved.parents:
        if not is_sosreport_dir(folder):
            continue
        report = open_sosreport(folder)
        for item in report.files:
            if Path(item.path).resolve() == resolved:
                return report.hostname, item.collected_at
        return report.hostname, None
    return None, None


def _inspect_discovered(path: str, tables: list) -> list[dict]:
    """Describe each file that analyze would read from a folder or sosreport (named ``REPORT: SOS_PATH``)."""
    results = []
    with discover([path]) as found:
        labels = {}
        for report in found.sosreports:
            labels.update({item.path: f"{path}: {item.sos_path}" for item in report.files})
        for output, kind in found.outputs:
            origin = found.origins.get(output, {})
            results.append(_inspect_output(output, labels.get(output, output), kind, origin.get("host"),
                                           origin.get("collected_at")))
        for capture in found.captures:
            origin = found.origins.get(capture, {})
            label = f"{path}: {Path(capture).name}" if found.sosreports else capture
            results.append(dict(_inspect_capture(capture, label, tables), host=origin.get("host")))
        results += [{"file": _skipped_file(message, path), "kind": "unknown", "format": None, "warnings": [message]}
                    for message in found.skipped]
    return results


def _skipped_file(message: str, folder: str) -> str:
    """Return the file a discovery warning names at its start, or the folder when it names none."""
    named = message.split(": ", 1)[0]
    return named if Path(named).exists() else folder


def _folder_bytes(path: str) -> int:
    """Return the estimated decompressed size of the files under a folder, without following links."""
    total = 0
    for directory, _, files in os.walk(path, followlinks=False):
        total += sum(estimated_size(os.path.join(directory, name)) for name in files)
    return total


def _inspect_capture(path: str, label: str, tables: list) -> dict:
    """Describe one capture file and add its frames to ``tables`` for the clock comparison."""
    capture = read_capture(path)
    frames = capture.frames
    if capture.readable and len(frames):
        tables.append(frames.assign(file=path, time=frames["time_ns"] / 1e9))
    times = frames["time_ns"][frames["time_ns"] >= 0] if len(frames) else frames.get("time_ns")
    return {
        "file": label, "path": path, "kind": "capture", "format": capture.format,
        "compression": capture.compression,
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
    }


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
        if result.get("host") or result.get("collected_at") is not None:
            lines.append(f"  {_provenance(result)}")
        for warning in result["warnings"]:
            lines.append(f"  warning: {clean(warning)}")
    return "\n".join(lines) + "\n"


def _provenance(result: dict) -> str:
    """Say which host a sosreport file comes from and when its command ran."""
    parts = [f"host {clean(result['host'])}" if result.get("host") else "host unknown"]
    collected = result.get("collected_at")
    if collected is not None:
        parts.append(f"collected {moment(collected)}")
    elif result["kind"] == "output":
        parts.append("collection time unknown (no sos manifest entry)")
    return ", ".join(parts)
