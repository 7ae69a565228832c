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
