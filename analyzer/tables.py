"""Small helpers for the DataFrames the analysis builds."""

from __future__ import annotations

import pandas as pd


def none_for_missing(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Store the given name columns as objects with None for missing values.

    pandas 3 infers a string dtype whose missing value is NaN; the analysis
    tests names with ``is None``, so these columns keep None instead.
    """
    for column in columns:
        if column in frame:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def nullable_int(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Store the given columns as pandas Int64, with <NA> where a value is missing."""
    for column in columns:
        if column in frame:
            frame[column] = pd.array([None if v is None or v != v else int(v) for v in frame[column]],
                                     dtype="Int64")
    return frame


def optional_int(value) -> int | None:
    """Return a plain int, or None for None, NaN and <NA>."""
    if value is None or pd.isna(value):
        return None
    return int(value)
