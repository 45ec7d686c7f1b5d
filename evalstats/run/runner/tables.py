"""The tables a notebook wrote, read back: ``tables/*.csv`` → DataFrames, in the workbook's order.

Code columns (``unit``, ``group``, …) stay text so a unit code ``"007"`` keeps its zeros; the
workbook shows :data:`TABLE_ORDER` first.

Examples
--------
>>> from pathlib import Path
>>> [p.stem for p in ordered_tables([Path("a.csv"), Path("scores.csv"), Path("ranking.csv")])]
['ranking', 'scores', 'a']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["TABLE_ORDER", "ordered_tables", "read_table"]

TABLE_ORDER = ("final_grades", "ranking", "scores", "comparison", "quality", "rectification")
"""Sheets first in the workbook, in this order; other tables follow alphabetically."""

_TEXT_COLUMNS = frozenset(
    {"cycle", "unit", "unit_name", "name", "group", "dimension", "series", "level", "item"}
    | {"form_id", "collector", "comment", "reason", "note", "kind", "grade"}
)


def read_table(path: str | Path):
    """Read back a ``tables/*.csv`` written by :func:`evalstats.present.report.write_csv`.

    Code columns (``unit``, ``group``, …) stay text, so a unit code ``"007"`` keeps its zeros;
    other columns become numbers when every value is one (and none has a leading zero),
    ``True``/``False`` columns become booleans.
    """
    import pandas as pd

    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, na_values=[""])
    for pos, column in enumerate(df.columns):
        s = df.iloc[:, pos]
        present = s.dropna()
        if column in _TEXT_COLUMNS or present.empty:
            continue
        if present.isin(["True", "False"]).all():
            df.isetitem(pos, s.map({"True": True, "False": False}).astype(object))
            if s.notna().all():
                df.isetitem(pos, df.iloc[:, pos].astype(bool))
            continue
        num = pd.to_numeric(present, errors="coerce")
        if num.notna().all() and not present.str.match(r"^\s*[+-]?0\d").any():
            df.isetitem(pos, pd.to_numeric(s, errors="coerce"))
    return df


def ordered_tables(paths: Sequence[Path]) -> list[Path]:
    """``paths`` with the tables of :data:`TABLE_ORDER` first, in that order, then the
    others by name.

    Examples
    --------
    >>> [p.name for p in ordered_tables([Path("b.csv"), Path("ranking.csv")])]
    ['ranking.csv', 'b.csv']
    """
    rank = {n: i for i, n in enumerate(TABLE_ORDER)}
    return sorted(paths, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))
