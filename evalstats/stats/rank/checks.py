"""Argument checks shared by the ranking modules; each error names the parameter.

Examples
--------
>>> check_probability("last_min_probability", 0.9)
0.9
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "check_cycle_weights",
    "check_frame",
    "check_large_cell_threshold",
    "check_numeric",
    "check_probability",
    "check_unit_codes",
]


def check_frame(name: str, frame, required: Iterable[str]) -> pd.DataFrame:
    """``frame``, checked to be a DataFrame with the ``required`` columns.

    Parameters
    ----------
    name : str
        The argument's name, for the messages.
    frame : DataFrame
    required : iterable of str

    Returns
    -------
    DataFrame
        ``frame`` itself.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}")
    required = list(required)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{name} lacks column(s) {missing}; required: {required}; got {list(frame.columns)}"
        )
    return frame


def check_large_cell_threshold(value) -> int | None:
    """``large_cell_threshold``: None or a whole number >= 1.

    Examples
    --------
    >>> check_large_cell_threshold(200), check_large_cell_threshold(None)
    (200, None)
    """
    if value is None:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"large_cell_threshold must be a whole number or None; got {value!r}")
    if value < 1:
        raise ValueError(f"large_cell_threshold must be at least 1; got {value!r}")
    return int(value)


def check_probability(name: str, value) -> float:
    """``value`` as a float between 0 and 1; TypeError / ValueError naming ``name``."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number between 0 and 1; got {value!r}")
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1; got {value!r}")
    return float(value)


def check_numeric(name: str, values: pd.Series) -> np.ndarray:
    """A numeric (not boolean) Series as a float64 array; TypeError naming ``name``."""
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        raise TypeError(f"{name} must be numeric; got dtype {values.dtype}")
    return values.astype("float64").to_numpy()


def check_cycle_weights(cycle_weights) -> dict[str, float]:
    """``cycle_weights`` as ``{cycle: weight}``: finite weights >= 0, at least one positive.

    Examples
    --------
    >>> check_cycle_weights({"2026H1": 0.4, "2026A": 0.6})
    {'2026H1': 0.4, '2026A': 0.6}
    """
    if not isinstance(cycle_weights, Mapping) or not cycle_weights:
        raise TypeError(
            f"cycle_weights must be a non-empty mapping of cycle -> weight; got {cycle_weights!r}"
        )
    out = {}
    for k, w in cycle_weights.items():
        if not isinstance(w, numbers.Real) or isinstance(w, bool) or not math.isfinite(w) or w < 0:
            raise ValueError(f"cycle_weights[{k!r}] must be a finite number >= 0; got {w!r}")
        out[str(k)] = float(w)
    if sum(out.values()) <= 0:
        raise ValueError(f"cycle_weights must have a positive weight; got {cycle_weights!r}")
    return out


def check_unit_codes(values) -> set[str]:
    """``exclude_from_top`` as a set of unit codes (an iterable, not a single str)."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise TypeError(f"exclude_from_top must be an iterable of unit codes; got {values!r}")
    return {str(v) for v in values}
