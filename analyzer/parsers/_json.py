"""JSON loading that reads a cut-off document as far as it goes."""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger(__name__)

# How many cut points, counted back from the end, are tried before giving up.
_MAX_REPAIR_TRIES = 200


def load_json(text: str, source: str, max_depth: int | None = None) -> tuple[Any | None, list[str]]:
    """Parse JSON text and return the value with warnings that name the source and position.

    Saved output is often cut off (a truncated mail excerpt, a full disk). When
    the text does not parse, the value is rebuilt from the longest prefix that
    ends after a complete member, with the open objects and arrays closed, so
    the complete parts are still returned. With ``max_depth`` the prefix ends
    at most that many containers deep: 1 keeps only the complete elements of
    a top-level array. The value is None only when no prefix parses. Text
    after a complete value is ignored with a warning.
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        return None, [f"{source}: empty input, expected JSON"]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as error:
        first_error = error

    if first_error.msg == "Extra data":
        value, _ = json.JSONDecoder().raw_decode(text, len(text) - len(text.lstrip()))
        return value, [
            f"{source}: line {first_error.lineno}, column {first_error.colno}: "
            "text after the end of the JSON value was ignored"
        ]

    value = _parse_prefix(text, max_depth)
    position = f"line {first_error.lineno}, column {first_error.colno}"
    if value is None:
        return None, [f"{source}: {position}: invalid JSON ({first_error.msg}), nothing could be read"]
    log.debug("%s: repaired JSON cut at %s", source, position)
    return value, [
        f"{source}: {position}: invalid JSON ({first_error.msg}), probably cut off. "
        "The complete members before this point were read."
    ]


def _parse_prefix(text: str, max_depth: int | None) -> Any | None:
    """Return the value of the longest prefix that parses once its open containers are closed."""
    points = [point for point in _cut_points(text) if max_depth is None or len(point[1]) <= max_depth]
    for end, stack in reversed(points[-_MAX_REPAIR_TRIES:]):
        closers = "".join("}" if opener == "{" else "]" for opener in reversed(stack))
        try:
            return json.loads(text[:end] + closers)
        except json.JSONDecodeError:
            continue
    return None


def _cut_points(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """List the places where a prefix ends after a complete member, with the containers open there.

    These are the positions just after an opening bracket and just before a
    comma that separates members, scanning outside of strings.
    """
    points: list[tuple[int, tuple[str, ...]]] = []
    stack: list[str] = []
    in_string = False
    escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "{[":
            stack.append(char)
            points.append((index + 1, tuple(stack)))
        elif char in "}]":
            if stack:
                stack.pop()
            if not stack:
                points.append((index + 1, ()))
        elif char == "," and stack:
            points.append((index, tuple(stack)))
    return points
