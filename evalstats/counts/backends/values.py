"""``validate_cycle``'s value checks of the responses on an out-of-core scan: submission times
after the run date and free text holding control characters.

The rules are those of :mod:`evalstats.inputs.validate.values` (same reasons, same rows and
columns): a SQL filter brings into memory only the rows that may break them — a submission time
DuckDB reads as later than the reference date, or one it cannot read whose text holds a year
not before it (the Chinese spellings, ``2026年7月1日``), and the comments and collectors that
hold a character of :data:`evalstats.core.text.UNSAFE_CHARS` — and the in-memory functions
judge them.  A date or time column is compared as stored; a free-text column with few distinct
values (collectors) is tested once per distinct value, and only the rows holding an unsafe one
are read.

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
from evalstats.counts.backends.duckdb import IN_LIST_MAX, SqlFragments, in_labels, quote, sql_str
from evalstats.counts.backends.source import StagedSource
from evalstats.inputs.read import RawTable, problems_frame
from evalstats.inputs.read.cells import cell_text

__all__ = ["value_problems"]

FREE_TEXT = ("comment", "collector")
"""Responses columns of free text whose unsafe characters are a warning."""
DISTINCT_TEXT_MAX = 100_000
"""A free-text column with at most about this many distinct values (DuckDB's
``approx_count_distinct``) is checked on its distinct values, then only the rows holding an
unsafe one are read; a column with more is checked row by row."""
NATIVE_TIMES = ("DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")
"""DuckDB types of a submission-time column compared as they are (no text round trip)."""


def _rows(con, sql: SqlFragments, code: str, where: str) -> pd.DataFrame:
    """``row, v`` (the cell as text, as the in-memory reader gives it) of the rows of column
    ``code`` matching ``where`` (SQL over ``v`` and ``t``, the cell as stored)."""
    t = quote(sql.src.columns[code])
    got = con.sql(
        f"SELECT row, t FROM (SELECT {sql.src.row_sql} AS row, {sql.col(code)} AS v, {t} AS t "
        f"FROM {sql.from_}) WHERE {where} ORDER BY row"
    ).to_arrow_table()
    return pd.DataFrame(
        {
            "row": got.column("row").to_numpy(),
            "v": pd.Series([cell_text(x) for x in got.column("t").to_pylist()], dtype=object),
        }
    )


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


def _later_where(con, sql: SqlFragments, today: dt.date) -> str:
    """SQL condition (over ``v``, the submission time as text) of a time that may be after
    ``today``: a date or time column is compared natively (its text reads back as the same
    time), a text column read as a time, or by the year it holds."""
    later = sql_str((today + dt.timedelta(days=1)).isoformat())
    column = quote(sql.src.columns["submitted_at"])
    kind = con.execute(f"DESCRIBE SELECT {column} FROM {sql.agg_from}").fetchall()[0][1]
    if kind in NATIVE_TIMES:
        return f"t >= CAST({later} AS TIMESTAMP)"
    return (
        f"TRY_CAST(v AS TIMESTAMP) >= CAST({later} AS TIMESTAMP) OR "
        f"(TRY_CAST(v AS TIMESTAMP) IS NULL AND "
        f"TRY_CAST(regexp_extract(v, '([0-9]{{4}})', 1) AS INTEGER) >= {today.year})"
    )


def _unsafe_where(con, sql: SqlFragments, code: str) -> str | None:
    """SQL condition (over ``v``) of a cell of the free-text column ``code`` that may hold an
    unsafe character; None when none does.  With few distinct values the characters are
    tested once per distinct value, and the rows are then matched on the unsafe values."""
    v, unsafe = sql.col(code), sql_str(UNSAFE_CHARS)
    ((n,),) = con.execute(f"SELECT approx_count_distinct({v}) FROM {sql.agg_from}").fetchall()
    if n > DISTINCT_TEXT_MAX:
        return f"regexp_matches(v, {unsafe})"
    table = f"unsafe_{code}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT v FROM (SELECT DISTINCT {v} AS v "
        f"FROM {sql.agg_from}) WHERE regexp_matches(v, {unsafe})"
    )
    bad = [r[0] for r in con.execute(f"SELECT v FROM {table} LIMIT {IN_LIST_MAX + 1}").fetchall()]
    return in_labels("v", bad, f"SELECT v FROM {table}") if bad else None


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
        rows = _rows(con, sql, "submitted_at", _later_where(con, sql, today))
        if len(rows):
            raw, header = _table(src, "submitted_at", rows)
            dates, _ = V.parse_dates(raw.frame[header].to_numpy(object))
            V.future_submissions(raw, header, dates, col, today=today)
    for code in FREE_TEXT:
        if code in src.columns:
            where = _unsafe_where(con, sql, code)
            rows = _rows(con, sql, code, where) if where is not None else []
            if len(rows):
                raw, header = _table(src, code, rows)
                V.unsafe_text_problems(raw, header, col)
