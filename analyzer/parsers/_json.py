"""JSON loading that reads a cut-off document as far as it goes."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections import deque
from typing import Any

log = logging.getLogger(__name__)

# How many cut points, counted back from the end, are tried before giving up.
_MAX_REPAIR_TRIES = 200
# Saved outputs nest fewer than ten levels. Python's json module raises
# RecursionError near its recursion limit (1000 by default), so when a
# document is too deep for it, only the part before this depth is read.
MAX_NESTING = 100
# Python refuses to convert longer digit strings to int (sys.get_int_max_str_digits, 4300 by default).
_MAX_INT_DIGITS = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
# A string (closed or running to the end of the text) or one structural character.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[{}\[\],]')


class _Integers:
    """``parse_int`` for the json module that reads integers too long for int() as None, and remembers them."""

    def __init__(self) -> None:
        self.too_long: list[str] = []

    def __call__(self, digits: str) -> int | None:
        if _MAX_INT_DIGITS and len(digits.lstrip("-")) > _MAX_INT_DIGITS:
            self.too_long.append(digits)
            return None
        return int(digits)


def load_json(text: str, source: str, max_depth: int | None = None) -> tuple[Any | None, list[str]]:
    """Parse JSON text and return the value with warnings that name the source and position.

    Saved output is often cut off (a truncated mail excerpt, a full disk). When
    the text does not parse, the value is rebuilt from the longest prefix that
    ends after a complete member, with the open objects and arrays closed, so
    the complete parts are still returned. With ``max_depth`` the prefix ends
    at most that many containers deep: 1 keeps only the complete elements of
    a top-level array. The value is None only when no prefix parses. Text
    after a complete value is ignored with a warning. A document nested too
    deeply for Python's json module is read up to MAX_NESTING levels, and
    integers too long for int() are read as None.
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        return None, [f"{source}: empty input, expected JSON"]
    integers = _Integers()
    try:
        value = json.loads(text, parse_int=integers)
        return value, _integer_warnings(text, source, integers)
    except json.JSONDecodeError as error:
        first_error = error
    except RecursionError:
        return _load_too_deep(text, source, max_depth, integers)

    if first_error.msg == "Extra data":
        decoder = json.JSONDecoder(parse_int=integers)
        value, _ = decoder.raw_decode(text, len(text) - len(text.lstrip()))
        return value, [
            f"{source}: line {first_error.lineno}, column {first_error.colno}: "
            "text after the end of the JSON value was ignored"
        ] + _integer_warnings(text, source, integers)

    # A prefix that reaches past the first error contains it, so only cut points before it can parse.
    points, _ = _cut_points(text, first_error.pos, max_depth)
    value = _parse_prefix(text, points, integers)
    position = f"line {first_error.lineno}, column {first_error.colno}"
    if value is None:
        return None, [f"{source}: {position}: invalid JSON ({first_error.msg}), nothing could be read"]
    log.debug("%s: repaired JSON cut at %s", source, position)
    return value, [
        f"{source}: {position}: invalid JSON ({first_error.msg}), probably cut off. "
        "The complete members before this point were read."
    ] + _integer_warnings(text, source, integers)


def _load_too_deep(text: str, source: str, max_depth: int | None, integers: _Integers) -> tuple[Any | None, list[str]]:
    """Read the part of a too deeply nested document before it passes MAX_NESTING levels."""
    points, too_deep_at = _cut_points(text, len(text), max_depth)
    if too_deep_at is None:
        return None, [f"{source}: JSON nested too deeply for Python's json module; nothing could be read"]
    position = _line_column(text, too_deep_at)
    value = _parse_prefix(text, points, integers)
    if value is None:
        return None, [f"{source}: {position}: JSON nested more than {MAX_NESTING} levels deep; nothing could be read"]
    return value, [
        f"{source}: {position}: JSON nested more than {MAX_NESTING} levels deep; "
        "the complete members before this point were read."
    ] + _integer_warnings(text, source, integers)


def _integer_warnings(text: str, source: str, integers: _Integers) -> list[str]:
    if not integers.too_long:
        return []
    first = integers.too_long[0]
    position = _line_column(text, max(text.find(first), 0))
    return [
        f"{source}: {position}: integers longer than {_MAX_INT_DIGITS} digits, read as null: "
        f"{len(integers.too_long)} (first: {first[:20]}...)"
    ]


def _line_column(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - text.rfind("\n", 0, index)
    return f"line {line}, column {column}"


def _parse_prefix(text: str, points: deque, integers: _Integers) -> Any | None:
    """Return the value of the longest prefix that parses once its open containers are closed."""
    for end, stack in reversed(points):
        closers = []
        while stack is not None:
            opener, stack, _depth = stack
            closers.append("}" if opener == "{" else "]")
        try:
            return json.loads(text[:end] + "".join(closers), parse_int=integers)
        except (json.JSONDecodeError, RecursionError):
            continue
    return None


def _cut_points(text: str, end: int, max_depth: int | None) -> tuple[deque, int | None]:
    """List the last places before ``end`` where a prefix ends after a complete member.

    These are the positions just after an opening bracket and just before a
    comma that separates members, outside of strings, each with the
    containers open there as a linked stack of (opener, parent, depth). The
    scan stops where the nesting passes MAX_NESTING, and that index is
    returned too (None if it never does).
    """
    points: deque = deque(maxlen=_MAX_REPAIR_TRIES)
    limit = MAX_NESTING if max_depth is None else min(max_depth, MAX_NESTING)
    stack = None
    for match in _TOKEN.finditer(text, 0, end):
        char = match.group()
        if char[0] == '"':
            continue
        index = match.start()
        if char in "{[":
            depth = stack[2] + 1 if stack else 1
            if depth > MAX_NESTING:
                return points, index
            stack = (char, stack, depth)
            if depth <= limit:
                points.append((index + 1, stack))
        elif char in "}]":
            if stack is not None:
                stack = stack[1]
            if stack is None:
                points.append((index + 1, None))
        elif stack is not None and stack[2] <= limit:
            points.append((index, stack))
    return points, None
