"""Tokenising, value conversion and table building shared by the parsers."""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

# A MAC address as iproute2 prints it (two hex digits per octet), and the
# unpadded form found in bridge ids such as "8000.52:54:0:f9:71:91".
MAC_RE = re.compile(r"^[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}$")

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_TRUE_WORDS = {"on", "yes", "true", "up", "1"}
_FALSE_WORDS = {"off", "no", "false", "down", "0"}


def where(source: str, line: int, message: str) -> str:
    """Format a warning that names the input and the 1-based line number."""
    return f"{source}: line {line}: {message}"


def numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield each line with its 1-based number, without the line ending."""
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line


def is_mac(token: str) -> bool:
    """Return whether a token is a 48-bit MAC address in colon notation."""
    return bool(MAC_RE.match(token))


def normalize_mac(token: str) -> str:
    """Return a MAC address in lowercase with every octet zero-padded to two digits."""
    return ":".join(octet.zfill(2) for octet in token.lower().split(":"))


def to_int(value: Any) -> int | None:
    """Convert an int, a decimal string or a 0x-prefixed hex string to int, or return None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.lower().startswith(("0x", "-0x")):
                return int(text, 16)
            return int(text)
        except ValueError:
            return None
    return None


def to_float(value: Any) -> float | None:
    """Convert a number or a numeric string to float, or return None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def to_bool(value: Any) -> bool | None:
    """Convert True/False, 0/1, "on"/"off", "yes"/"no" or "up"/"down" to bool, or return None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0 if value in (0, 1) else None
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    return None


def parse_pairs(
    tokens: Sequence[str],
    flag_words: Iterable[str] = (),
    value_counts: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Read ``key value`` pairs from iproute2 detail tokens into a dict.

    A key listed in ``flag_words`` takes no value and maps to True, and a key in
    ``value_counts`` takes that many values, joined by a space ("srcport 0 0").
    A ``<A,B>`` token after a value is stored as ``<previous key>_str``, as
    iproute2's JSON output names it, and ``{ ... }`` groups become one value.
    A key at the end of the tokens with no value maps to True.
    """
    flags = set(flag_words)
    counts = value_counts or {}
    result: dict[str, Any] = {}
    previous_key: str | None = None
    i = 0
    while i < len(tokens):
        key = tokens[i]
        if key.startswith("<") and key.endswith(">"):
            name = "flags" if previous_key in (None, "id") else f"{previous_key}_str"
            result[name] = key[1:-1]
            i += 1
            continue
        if key in flags or i + 1 >= len(tokens):
            result[key] = True
            previous_key = key
            i += 1
            continue
        if tokens[i + 1] == "{":
            end = i + 2
            while end < len(tokens) and tokens[end] != "}":
                end += 1
            result[key] = " ".join(tokens[i + 2 : end])
            previous_key = key
            i = end + 1
            continue
        count = counts.get(key, 1)
        result[key] = " ".join(tokens[i + 1 : i + 1 + count])
        previous_key = key
        i += 1 + count
    return result


def _int64(value: Any) -> int | None:
    """Return a whole number within 64 bits as int, or None for anything else."""
    if isinstance(value, numbers.Integral):
        number = int(value)
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        number = to_int(value) if isinstance(value, str) else None
    if number is None or not _INT64_MIN <= number <= _INT64_MAX:
        return None
    return number


def build_table(rows: list[dict[str, Any]], schema: Mapping[str, str]) -> pd.DataFrame:
    """Build a DataFrame with one column per schema entry, in schema order.

    Column kinds: "str" (object dtype, None where missing), "int" (pandas
    Int64), "bool" (numpy bool, False where missing), "optbool" (pandas
    boolean, NA where missing), "float" (float64, NaN where missing) and
    "object" (lists or dicts kept as they are, None where missing).
    """
    columns: dict[str, pd.Series] = {}
    for name, kind in schema.items():
        values = [row.get(name) for row in rows]
        # A damaged file can give a value of any type, or a number beyond 64 bits, which pandas
        # cannot store in these dtypes: such a value becomes missing.
        if kind == "int":
            columns[name] = pd.Series([_int64(v) for v in values], dtype="Int64")
        elif kind == "bool":
            columns[name] = pd.Series([bool(v) for v in values], dtype="bool")
        elif kind == "optbool":
            booleans = [v if v is None or isinstance(v, bool) else to_bool(v) for v in values]
            columns[name] = pd.Series(booleans, dtype="boolean")
        elif kind == "float":
            floats = [to_float(v) for v in values]
            floats = [float("nan") if v is None else v for v in floats]
            columns[name] = pd.Series(floats, dtype="float64")
        elif kind in ("str", "object"):
            columns[name] = pd.Series(values, dtype=object)
        else:
            raise ValueError(f"unknown column kind {kind!r} for column {name!r}")
    return pd.DataFrame(columns)


def shorten(text, limit: int = 60) -> str:
    """Cut a value from an input to ``limit`` characters for a warning message."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."
