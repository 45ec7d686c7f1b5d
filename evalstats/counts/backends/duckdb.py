"""DuckDB: the connection and the SQL over the staged responses.

The scan (:mod:`~evalstats.counts.backends.scan`) and the row store
(:mod:`~evalstats.counts.backends.rowstore`) query the responses through one connection
(:func:`connect`: memory limit, threads, a spill folder, the NFKC function) and the SQL
fragments of :class:`SqlFragments`; the scheme's label maps are tables ``map_<kind>``
(:func:`register_maps`).

Examples
--------
>>> from evalstats.counts.backends.duckdb import check_memory_limit
>>> check_memory_limit(2**20)
'1048576B'
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme
from evalstats.counts.backends.choose import require
from evalstats.counts.backends.labels import nfkc_trim
from evalstats.counts.backends.source import StagedSource


def quote(name: str) -> str:
    """``name`` as a quoted SQL identifier.

    Examples
    --------
    >>> quote('a"b')
    '"a""b"'
    """
    return '"' + str(name).replace('"', '""') + '"'


def sql_str(text: str) -> str:
    """``text`` as a SQL string literal.

    Examples
    --------
    >>> sql_str("it's")
    "'it''s'"
    """
    return "'" + str(text).replace("'", "''") + "'"


def connect(memory_limit, threads, tmp):
    """A DuckDB connection within ``memory_limit`` and ``threads``, spilling under ``tmp``, with
    the ``evalstats_nfkc`` function; ImportError naming the install command without duckdb.

    Examples
    --------
    >>> con = connect("1GB", 2, "/tmp/x")  # doctest: +SKIP
    """
    duckdb = require("duckdb", "duckdb")
    con = duckdb.connect()
    if memory_limit is not None:
        con.execute(f"SET memory_limit = {sql_str(memory_limit)}")
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive whole number; got {threads!r}")
        con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET temp_directory = {sql_str(os.path.join(tmp, 'spill'))}")
    con.execute("SET preserve_insertion_order = false")
    from duckdb.sqltypes import VARCHAR

    # "special": the function gives NULL for a cell of spaces (a blank id), which DuckDB
    # refuses from a function declared with the default NULL handling
    con.create_function(
        "evalstats_nfkc", nfkc_trim, [VARCHAR], VARCHAR, type="arrow", null_handling="special"
    )
    return con


def check_memory_limit(memory_limit):
    """``memory_limit`` checked: None, a positive number of bytes, or a size such as ``"2GB"``;
    TypeError / ValueError naming the parameter.  Used by the analyses' parameter checks.

    Examples
    --------
    >>> check_memory_limit(" 2GB ")
    '2GB'
    """
    if memory_limit is None:
        return None
    if isinstance(memory_limit, bool):
        raise TypeError(f"memory_limit must be a size such as '2GB'; got {memory_limit!r}")
    if isinstance(memory_limit, int | np.integer):
        if memory_limit <= 0:
            raise ValueError(f"memory_limit must be positive; got {memory_limit!r}")
        return f"{int(memory_limit)}B"
    if not isinstance(memory_limit, str) or not re.fullmatch(
        r"\s*[0-9]+(\.[0-9]+)?\s*([KMGT]i?B|B)?\s*", memory_limit, flags=re.I
    ):
        raise ValueError(
            f"memory_limit must be a size such as '2GB' or '512MiB', or bytes; got {memory_limit!r}"
        )
    return memory_limit.strip()


class SqlFragments:
    """SQL fragments over one staged source
    (:class:`~evalstats.counts.backends.source.StagedSource`).

    Attributes
    ----------
    src : StagedSource
    from_ : str
        The ``FROM`` of the responses with the row the user sees.
    agg_from : str
        The ``FROM`` without row numbers (lighter, for aggregates).
    dims : list of str
        The scheme's dimension codes.

    Examples
    --------
    >>> SqlFragments(src, scheme).col("unit")  # doctest: +SKIP
    'CAST("c1" AS VARCHAR)'
    """

    def __init__(self, src: StagedSource, scheme: Scheme):
        self.src = src
        self.from_ = (
            f"read_parquet({sql_str(src.parquet)}, file_row_number = true)"
            if src.row_sql.startswith("(file_row_number")
            else f"read_parquet({sql_str(src.parquet)})"
        )
        self.agg_from = f"read_parquet({sql_str(src.parquet)})"  # no row numbers: lighter
        self.dims = list(scheme.dimension_codes)

    def col(self, code: str) -> str:
        """The column of ``code`` as VARCHAR."""
        return f"CAST({quote(self.src.columns[code])} AS VARCHAR)"

    def fid(self) -> str:
        """The form id as ``validate_cycle`` reads it (NFKC unless plain ASCII)."""
        x = self.col("form_id")
        return (
            f"(CASE WHEN {x} IS NULL THEN NULL WHEN regexp_full_match({x}, '[!-~]+') "
            f"THEN {x} ELSE evalstats_nfkc({x}) END)"
        )

    def rows_select(self) -> str:
        """The select list of a row: ``row, form_id, unit, group`` and the dimensions."""
        cols = ", ".join(f"{self.col(c)} AS {quote(c)}" for c in ("unit", "group", *self.dims))
        return f"{self.src.row_sql} AS row, {self.fid()} AS form_id, {cols}"


def register_maps(con, raw: dict, maps: dict):
    """Mapping tables ``map_<kind>(raw VARCHAR, code INTEGER)`` (NULL raw → -1, blank):
    ``raw`` the distinct labels per kind, ``maps`` per kind the function giving their codes.

    Examples
    --------
    >>> register_maps(con, {"unit": ["u01"]}, {"unit": codes_of_units})  # doctest: +SKIP
    """
    for kind, values in raw.items():
        codes = maps[kind](values)
        frame = pd.DataFrame(
            {
                "raw": pd.Series([*values, None], dtype=object),
                "code": np.append(codes, -1).astype(np.int32),
            }
        )
        con.register(f"_map_{kind}_df", frame)
        con.execute(f"CREATE OR REPLACE TEMP TABLE map_{kind} AS SELECT * FROM _map_{kind}_df")
        con.unregister(f"_map_{kind}_df")


def distinct_labels(con, sql: SqlFragments) -> tuple[dict, int]:
    """``({"unit": [...], "group": [...], "level": [...]}, rows)``: the distinct raw labels of
    the responses and their number of rows, in one pass.

    Examples
    --------
    >>> raw, n = distinct_labels(con, SqlFragments(src, scheme))  # doctest: +SKIP
    """
    dims = sql.dims
    lv = " || ".join(f"list(DISTINCT {sql.col(d)})" for d in dims)
    q = (
        f"SELECT list(DISTINCT {sql.col('unit')}), list(DISTINCT {sql.col('group')}), "
        f"list_distinct({lv}), count(*) FROM {sql.agg_from}"
    )
    u, g, lv_values, n = con.execute(q).fetchall()[0]
    return {"unit": list(u), "group": list(g), "level": list(lv_values)}, int(n)


IN_LIST_MAX = 1000
"""Longest list of labels written into a query as literals (``x IN ('a', 'b')``, which DuckDB
can test against a Parquet file's statistics); a longer one is read from its ``map_<kind>``
table."""


def in_labels(expr: str, values, table_sql: str) -> str:
    """SQL condition ``expr`` is one of the raw labels ``values`` (never NULL): literals up to
    :data:`IN_LIST_MAX` of them, else the subquery ``table_sql``; ``FALSE`` for none.

    Examples
    --------
    >>> in_labels("u", ["a", "it's"], "SELECT raw FROM map_unit WHERE code < 0")
    "u IN ('a', 'it''s')"
    >>> in_labels("u", [], "SELECT raw FROM map_unit WHERE code < 0")
    'FALSE'
    """
    values = [v for v in values if v is not None]
    if not values:
        return "FALSE"
    if len(values) <= IN_LIST_MAX:
        return f"{expr} IN ({', '.join(sql_str(v) for v in values)})"
    return f"{expr} IN ({table_sql})"


def repeated_hashes(con, sql: SqlFragments, where: str, rows: int, *, raw: bool = False):
    """The 64-bit hashes of the form ids (:meth:`SqlFragments.fid`; with ``raw``, the ids as
    stored) that occur more than once among the rows matching ``where`` (SQL over
    ``form_id``), sorted.

    The hashes are streamed into one array (8 bytes a row) and sorted in place.  At 1e7 forms
    a DuckDB GROUP BY over the ids took 3.7-4.0 s of CPU, the hashes streamed 1.9 s and their
    sort 0.75 s; at 1e8 the GROUP BY is what made the old scan need 4 GiB.  Two different ids
    of the same hash (about 3e-4 pairs expected among 1e8 distinct ids) only bring a row more
    into memory: the rows are judged by their ids
    (:func:`~evalstats.counts.backends.judge.judge_rows`).

    Examples
    --------
    >>> repeated_hashes(con, SqlFragments(src, scheme), "form_id IS NOT NULL", 10)  # doctest: +SKIP
    array([1234567890123456789], dtype=uint64)
    """
    fid = sql.col("form_id") if raw else sql.fid()
    q = (
        f"SELECT hash(form_id) AS h FROM (SELECT {fid} AS form_id FROM {sql.agg_from}) "
        f"WHERE {where}"
    )
    out = np.empty(rows, np.uint64)
    k = 0
    for batch in con.sql(q).to_arrow_reader(1 << 20):
        h = batch.column(0).to_numpy()
        out[k : k + len(h)] = h
        k += len(h)
    h = out[:k]
    h.sort()
    return np.unique(h[1:][h[1:] == h[:-1]])


__all__ = [
    "IN_LIST_MAX",
    "SqlFragments",
    "check_memory_limit",
    "connect",
    "distinct_labels",
    "in_labels",
    "quote",
    "register_maps",
    "repeated_hashes",
    "sql_str",
]
