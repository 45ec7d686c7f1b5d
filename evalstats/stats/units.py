"""The units table (one row per evaluated unit: code, name, series) checked once for every
statistic that takes one — scores, ranks, comparisons and quality flags.

Examples
--------
>>> import pandas as pd
>>> units = pd.DataFrame({"unit": ["U1", "U2"], "series": ["A", "B"]})
>>> check_units_table(units).to_dict("records")
[{'unit': 'U1', 'name': '', 'series': 'A'}, {'unit': 'U2', 'name': '', 'series': 'B'}]
"""

from __future__ import annotations

import pandas as pd

__all__ = ["UNITS_COLUMNS", "check_units_table"]

UNITS_COLUMNS = ("unit", "series")
"""Columns a units table must have; ``name`` (the unit's full name) is optional."""


def check_units_table(units, *, name: str = "units", per_cycle: bool = False) -> pd.DataFrame:
    """The units table, checked and tidied: columns ``unit``, ``name``, ``series`` as text.

    A missing ``name`` column or name is ``""``. With ``per_cycle=True`` and a ``cycle``
    column, the table may list a unit once per cycle and keeps ``cycle`` as the first column
    (the ranks of a combined year take the units of both cycles).

    Parameters
    ----------
    units : pandas.DataFrame
        Columns ``unit`` and ``series`` (a series code per unit), optionally ``name`` and
        ``cycle``; other columns are ignored.
    name : str
        The parameter's name, for the messages.
    per_cycle : bool
        Check unit codes for duplicates within each cycle rather than over the whole table.

    Returns
    -------
    pandas.DataFrame
        ``[cycle,] unit, name, series`` with a fresh RangeIndex.

    Raises
    ------
    TypeError
        ``units`` is not a DataFrame.
    ValueError
        A required column is missing, a unit has no series, or a unit is listed twice; the
        message names the parameter and the units.

    Examples
    --------
    >>> import pandas as pd
    >>> check_units_table(pd.DataFrame({"unit": ["U1", "U1"], "series": ["A", "A"]}))
    Traceback (most recent call last):
    ...
    ValueError: units lists unit(s) ['U1'] more than once
    """
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(units).__name__}")
    required = list(UNITS_COLUMNS)
    missing = [c for c in required if c not in units.columns]
    if missing:
        raise ValueError(
            f"{name} lacks column(s) {missing}; required: {required}; got {list(units.columns)}"
        )
    keys = ["cycle", "unit"] if per_cycle and "cycle" in units.columns else ["unit"]
    table = pd.DataFrame({k: units[k].astype(str).to_numpy() for k in keys})
    if "name" in units.columns:
        names = units["name"].astype(object)
        table["name"] = names.where(names.notna(), "").astype(str).to_numpy()
    else:
        table["name"] = ""
    series = units["series"].astype(object)
    if series.isna().any():
        bad = sorted(table.loc[series.isna().to_numpy(), "unit"].unique())
        raise ValueError(f"{name} has no series for unit(s) {bad}")
    table["series"] = series.astype(str).to_numpy()
    dup = table.duplicated(keys, keep=False)
    if dup.any():
        bad = sorted(table.loc[dup, "unit"].unique())
        where = " in a cycle" if len(keys) > 1 else ""
        raise ValueError(f"{name} lists unit(s) {bad} more than once{where}")
    return table
