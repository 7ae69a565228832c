"""The sightings table: every frame of every capture, named by capture point and file."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .captures.model import FRAME_COLUMNS, CaptureFile
from .points import ANY_POINT, file_stem, match_interface_name
from .topology import Topology

log = logging.getLogger(__name__)

LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276


@dataclass
class CaptureSummary:
    """One capture file as the report lists it."""

    file: str
    point: str
    link_type: int | None
    frames: int
    first_time: float | None
    last_time: float | None
    clock_offset: float = 0.0
    warnings: list[str] = field(default_factory=list)
    points: list[str] = field(default_factory=list)
    format: str | None = None


def _interface_points(capture: CaptureFile, topology: Topology, override: str | None,
                      warnings: list[str]) -> list[str]:
    """Name the capture point of each interface of the file."""
    if override:
        return [override] * max(1, len(capture.interfaces))
    known = topology.interface_names()
    from_file_name = match_interface_name(capture.path, known)
    names = []
    for interface in capture.interfaces or []:
        if interface.name:
            names.append(interface.name)
        elif interface.link_type == LINKTYPE_LINUX_SLL:
            names.append(ANY_POINT)
        elif from_file_name:
            names.append(from_file_name)
        else:
            names.append(file_stem(capture.path))
    if not names:
        names = [from_file_name or file_stem(capture.path)]
    unnamed = [n for n, i in zip(names, capture.interfaces) if not i.name and n not in known
               and n != ANY_POINT and i.link_type != LINKTYPE_LINUX_SLL2]
    if unnamed and known:
        warnings.append(f"{capture.path}: no interface of the case matches the file name; "
                        f"frames are analysed under the capture point {unnamed[0]!r} "
                        f"(name it with --capture NAME={capture.path})")
    return names


def _sll2_points(frames: pd.DataFrame, topology: Topology, path: str,
                 warnings: list[str]) -> pd.Series:
    """Name SLL2 frames by their ifindex, using the case's own interface list."""
    by_index = {int(d["ifindex"]): n for n, d in topology.graph.nodes(data=True)
                if d.get("ifindex") is not None and not pd.isna(d.get("ifindex"))}
    distinct, inverse = np.unique(frames["sll_ifindex"].to_numpy(), return_inverse=True)
    distinct_names = np.array([by_index.get(int(i), f"ifindex{int(i)}") for i in distinct] + [None], dtype=object)
    names = pd.Series(distinct_names[:-1][inverse.reshape(-1)], index=frames.index)
    missing = sorted(int(i) for i in distinct if int(i) not in by_index)
    if missing:
        warnings.append(f"{path}: interface index {', '.join(map(str, missing))} not found in the "
                        f"case's ip link output; those frames are named ifindexN")
    return names


def build_sightings(captures: list[CaptureFile], topology: Topology,
                    overrides: dict[str, str] | None = None) -> tuple[pd.DataFrame, list[CaptureSummary]]:
    """Join the frames of all captures into one time-ordered sightings table.

    Adds the columns ``point`` (capture point name), ``file`` (path as given)
    and ``time`` (seconds since the epoch, float), and sorts by time.
    """
    overrides = overrides or {}
    tables, summaries = [], []
    for capture in captures:
        warnings = list(capture.warnings)
        frames = capture.frames
        override = overrides.get(capture.path)
        points = _interface_points(capture, topology, override, warnings) if capture.readable else []
        if capture.readable and len(frames):
            if override is None and (frames["link_type"] == LINKTYPE_LINUX_SLL2).any():
                point = pd.Series(np.array(points, dtype=object)[frames["interface"].to_numpy()],
                                  index=frames.index)
                sll2 = frames["link_type"] == LINKTYPE_LINUX_SLL2
                point[sll2] = _sll2_points(frames[sll2], topology, capture.path, warnings)
                point = point.to_numpy(dtype=object)
            else:
                point = np.array(points, dtype=object)[frames["interface"].to_numpy()]
            tables.append((frames, point, capture.path))
        used_points = sorted(pd.unique(point)) if capture.readable and len(frames) else points
        link_types = sorted({i.link_type for i in capture.interfaces})
        summaries.append(CaptureSummary(
            file=capture.path,
            point=",".join(used_points) if used_points else file_stem(capture.path),
            link_type=link_types[0] if len(link_types) == 1 else None,
            frames=int(len(frames)) if capture.readable else 0,
            first_time=float(frames["time_ns"].min()) / 1e9 if capture.readable and len(frames) else None,
            last_time=float(frames["time_ns"].max()) / 1e9 if capture.readable and len(frames) else None,
            warnings=warnings,
            points=list(used_points),
            format=capture.format,
        ))
    if tables:
        sightings = _join_sorted(tables)
    else:
        sightings = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in FRAME_COLUMNS.items()})
        sightings["point"] = pd.Series(dtype=object)
        sightings["file"] = pd.Series(dtype=object)
        sightings = sightings.sort_values(["time_ns", "file", "frame"], kind="stable").reset_index(drop=True)
    sightings["time"] = sightings["time_ns"] / 1e9
    sightings.index.name = "sighting"
    return sightings, summaries


def _join_sorted(tables: list[tuple[pd.DataFrame, np.ndarray, str]]) -> pd.DataFrame:
    """Join the frames of several captures with their point and file, sorted by time, file and frame number.

    The sort is stable, as ``sort_values(["time_ns", "file", "frame"], kind="stable")``
    on the joined table would be. Only one joined column at a time exists unsorted.
    """
    files = sorted({path for _, _, path in tables})
    file_rank = np.repeat([files.index(path) for _, _, path in tables], [len(frames) for frames, _, _ in tables])
    time_ns = np.concatenate([frames["time_ns"].to_numpy() for frames, _, _ in tables])
    frame = np.concatenate([frames["frame"].to_numpy() for frames, _, _ in tables])
    order = np.lexsort((frame, file_rank, time_ns))
    columns = {}
    for name in tables[0][0].columns:
        columns[name] = np.concatenate([frames[name].to_numpy() for frames, _, _ in tables])[order]
    # Names repeat for every frame, so the string columns are built by taking
    # from the few distinct names: inferring a string dtype from a million
    # Python objects takes several times as long.
    point_codes, point_names = pd.factorize(np.concatenate([point for _, point, _ in tables]))
    columns["point"] = _names(point_names, point_codes[order])
    columns["file"] = _names(files, file_rank[order])
    # The columns are fresh arrays, so the frame may keep them as they are
    # instead of copying them into one block per dtype.
    return pd.DataFrame(columns, copy=False)


def _names(names, codes: np.ndarray):
    """Return a string array with ``names[code]`` per row, and a missing value where the code is -1."""
    return pd.array(np.asarray(names, dtype=object), dtype="str").take(codes, allow_fill=True)
