"""``validate_cycle``'s value checks of the responses on an out-of-core scan: submission times
after the run date and free text holding control characters.

The rules are those of :mod:`evalstats.inputs.validate.values` (same reasons, same rows and
columns): a SQL filter brings into memory only the rows that may break them — a submission time
DuckDB reads as later than the reference date, or one it cannot read whose text holds a year
not before it (the Chinese spellings, ``2026年7月1日``), and the comments and collectors that
hold a character of :data:`evalstats.core.text.UNSAFE_CHARS` — and the in-memory functions
judge them.

Examples
--------
>>> from evalstats.counts.backends.values import value_problems
>>> value_problems(src, con=con, col=collector, today=dt.date(2026, 7, 10))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from evalstats.core.text import UNSAFE_CHARS
from evalstats.counts.backends.duckdb import SqlFragments, sql_str
from evalstats.counts.backends.source import StagedSource
from evalstats.inputs.read import RawTable, problems_frame

__all__ = ["value_problems"]

FREE_TEXT = ("comment", "collector")
"""Responses columns of free text whose unsafe characters are a warning."""


def _rows(con, sql: SqlFragments, code: str, where: str) -> pd.DataFrame:
    v = sql.col(code)
    return con.execute(
        f"SELECT * FROM (SELECT {sql.src.row_sql} AS row, {v} AS v FROM {sql.from_}) "
        f"WHERE {where} ORDER BY row"
    ).fetch_df()


def _table(src: StagedSource, code: str, rows: pd.DataFrame) -> tuple[RawTable, str]:
    """The fetched cells of one column as a small raw table (its rows as the user sees them)."""
    header = src.written[code]
    raw = RawTable(
        table="responses",
        frame=pd.DataFrame({header: pd.Series(rows["v"].to_numpy(object), dtype=object)}),
        columns={header: code},
        file=src.file,
        encoding=src.encoding,
        sheet=None,
        header_row=src.header_row,
        row_numbers=rows["row"].to_numpy(np.int64),
        sha256=src.sha256,
        size=src.size,
        problems=problems_frame(),
        written={header: header},
    )
    return raw, header


def value_problems(src: StagedSource, *, con, sql: SqlFragments, col, today: dt.date) -> None:
    """Warnings for submission times after ``today`` and for control characters in the
    comments and collectors of the staged responses, as ``validate_cycle`` gives them.

    Parameters
    ----------
    src : StagedSource
    con : duckdb.DuckDBPyConnection
    sql : SqlFragments
    col : ProblemCollector
    today : date
        The reference date.

    Examples
    --------
    >>> value_problems(src, con=con, sql=SqlFragments(src, scheme), col=collector,
    ...                today=dt.date(2026, 7, 10))  # doctest: +SKIP
    """
    from evalstats.inputs import validate as V

    if "submitted_at" in src.columns:
        later = sql_str((today + dt.timedelta(days=1)).isoformat())
        where = (
            f"TRY_CAST(v AS TIMESTAMP) >= CAST({later} AS TIMESTAMP) OR "
            f"(TRY_CAST(v AS TIMESTAMP) IS NULL AND "
            f"TRY_CAST(regexp_extract(v, '([0-9]{{4}})', 1) AS INTEGER) >= {today.year})"
        )
        rows = _rows(con, sql, "submitted_at", where)
        if len(rows):
            raw, header = _table(src, "submitted_at", rows)
            dates, _ = V.parse_dates(raw.frame[header].to_numpy(object))
            V.future_submissions(raw, header, dates, col, today=today)
    for code in FREE_TEXT:
        if code in src.columns:
            rows = _rows(con, sql, code, f"regexp_matches(v, {sql_str(UNSAFE_CHARS)})")
            if len(rows):
                raw, header = _table(src, code, rows)
                V.unsafe_text_problems(raw, header, col)
