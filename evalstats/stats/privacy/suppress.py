"""The primary rule and the suppression log: withheld numbers become missing.

:func:`suppress_small_cells` withholds the cells resting on fewer than ``threshold``
respondents; :func:`mask_rows` blanks chosen columns of chosen rows; :func:`log_frame` builds
the ``suppressed`` table (:data:`SUPPRESSED_COLUMNS`) whose ``reason`` is a code of
:data:`REASONS`.  ``ALL`` marks a pooled key of a cell and ``ANY`` every value of a key in the
log.

Examples
--------
>>> check_threshold(5)
5
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

ALL = "all"
ANY = "*"
"""In the ``suppressed`` table: every value of that key (e.g. every unit)."""
REASONS = (
    "below_threshold",
    "complementary",
    "group_not_published",
    "few_groups",
    "internal_only",
)
SUPPRESSED_COLUMNS = [
    "table",
    "unit",
    "series",
    "group",
    "dimension",
    "columns",
    "n_forms",
    "threshold",
    "reason",
]
CELL_KEYS = ("unit", "series", "group")


def suppress_small_cells(
    table: pd.DataFrame,
    *,
    n_column: str = "n_forms",
    threshold: int,
    columns=None,
) -> pd.DataFrame:
    """Withhold the cells that rest on fewer than ``threshold`` respondents (primary rule).

    Parameters
    ----------
    table : DataFrame
        One row per cell.
    n_column : str
        The column holding each cell's number of respondents (forms).
    threshold : int
        The smallest number of respondents a published cell may rest on
        (``scheme.rules.anonymity_min``).
    columns : sequence of str, optional
        The columns withheld in a small cell (default: every numeric column except
        ``n_column`` and boolean columns).  They become missing (shown as "—").

    Returns
    -------
    DataFrame
        A copy with the withheld numbers missing and a boolean column ``suppressed`` (True
        where withheld; OR-ed with an existing ``suppressed`` column).

    Raises
    ------
    ValueError
        ``n_column`` or a column of ``columns`` is not in the table, or ``threshold`` < 1.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["public", "deputy"], "n_forms": [50, 3],
    ...                   "score": [88.5, 93.3]})
    >>> suppress_small_cells(t, threshold=5)[["score", "suppressed"]].to_dict("list")
    {'score': [88.5, nan], 'suppressed': [False, True]}
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame; got {type(table).__name__}")
    if n_column not in table.columns:
        raise ValueError(f"n_column {n_column!r} is not a column of the table")
    threshold = check_threshold(threshold)
    if columns is None:
        columns = [
            c
            for c in table.columns
            if c != n_column
            and pd.api.types.is_numeric_dtype(table[c].dtype)
            and not pd.api.types.is_bool_dtype(table[c].dtype)
        ]
    else:
        columns = list(columns)
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise ValueError(f"columns {missing} are not in the table")
    n = pd.to_numeric(table[n_column], errors="coerce").to_numpy(np.float64)
    small = np.nan_to_num(n, nan=0.0) < threshold
    out = mask_rows(table, small, columns)
    before = out["suppressed"].astype(bool).to_numpy() if "suppressed" in out else False
    out["suppressed"] = small | before
    return out


def check_threshold(threshold) -> int:
    """``threshold`` as an int >= 1 (ValueError otherwise)."""
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Integral)
        or int(threshold) < 1
    ):
        raise ValueError(f"threshold must be a whole number >= 1; got {threshold!r}")
    return int(threshold)


def mask_rows(table: pd.DataFrame, rows, columns: Sequence[str]) -> pd.DataFrame:
    """A copy of ``table`` with ``columns`` missing in ``rows`` (a boolean mask).

    Integer columns become nullable (``Int64``) so that a withheld count is missing, not 0.
    """
    out = table.copy()
    rows = np.asarray(rows, dtype=bool)
    if not rows.any():
        return out
    for c in columns:
        col = out[c]
        if pd.api.types.is_bool_dtype(col.dtype):
            col = col.astype("boolean")
        elif pd.api.types.is_integer_dtype(col.dtype):
            col = col.astype("Int64")
        out[c] = col.mask(pd.Series(rows, index=out.index))
    return out


def log_frame(rows) -> pd.DataFrame:
    """The ``suppressed`` table from ``(table, unit, series, group, dimension, columns, n_forms,
    threshold, reason)`` tuples (:data:`SUPPRESSED_COLUMNS`)."""
    out = pd.DataFrame(list(rows), columns=SUPPRESSED_COLUMNS)
    for c in ("table", "unit", "series", "group", "dimension", "columns", "reason"):
        out[c] = out[c].astype("str")
    out["n_forms"] = pd.array(out["n_forms"], dtype="Int64")
    out["threshold"] = pd.array(out["threshold"], dtype="Int64")
    return out


__all__ = [
    "ALL",
    "ANY",
    "CELL_KEYS",
    "REASONS",
    "SUPPRESSED_COLUMNS",
    "check_threshold",
    "log_frame",
    "mask_rows",
    "suppress_small_cells",
]
