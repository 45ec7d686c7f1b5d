"""A wide responses file (one row per respondent) staged long for the out-of-core scan.

The header is read as :func:`~evalstats.inputs.read.wide.widen` reads it (the same function,
on a table of the header alone): which columns rate which unit on which content, the row id,
the per-unit comments, and the header problems.  DuckDB then unpivots the rows into a long
Parquet file — one row per form (a respondent's answers about one unit, when some cell of the
unit is filled), in the order of the in-memory path (respondent row, then unit) — with the
form id ``<row id>/<unit>``, the ``respondent`` (the row id) and a row number
``SYNTHETIC_ROW_BASE + i * units + j`` (wide row ``i``, unit ``j``) that
:class:`~evalstats.inputs.read.wide.WideMap` leads back to the wide file's row and column.

Examples
--------
>>> from evalstats.counts.backends.widestage import wide_columns
>>> wide = wide_columns(names, names, scheme, unit_lookup=lookup, file="2026W/r.parquet",
...                     header_row=1)  # doctest: +SKIP
>>> wide.units  # doctest: +SKIP
['U01', 'U02']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme, normalize_label
from evalstats.inputs.read import RawTable, column_letter, problems_frame
from evalstats.inputs.read.wide import SYNTHETIC_ROW_BASE, WideMap, widen

__all__ = ["WideColumns", "stage_wide", "wide_columns", "wide_map"]


@dataclass(frozen=True)
class WideColumns:
    """How the columns of a wide file make the long table.

    Attributes
    ----------
    units : list
        Unit codes, in the order of their first column.
    pairs : dict
        ``(unit, content) → physical column`` (content: a dimension code or ``"comment"``).
    row_id : str or None
        Physical column of the row id (None: the row number).
    others : dict
        Code (``group``, ``submitted_at``, ``collector``, ``comment_kind``) → physical column.
    comment : str or None
        Physical column of the row's comment.
    written : dict
        Code → header of the long table as the in-memory path writes it.
    long : RawTable
        The header-only long table :func:`~evalstats.inputs.read.wide.widen` made (its problems
        are the header's).
    wide : WideMap
        Its map back (headers, long columns).
    """

    units: list
    pairs: dict
    row_id: str | None
    others: dict
    comment: str | None
    written: dict
    long: RawTable
    wide: WideMap


def _header_table(headers, names, scheme: Scheme, file: str, header_row: int):
    """A responses table of the header alone (as the reader names its columns), and label →
    physical column."""
    lookup = scheme.header_lookup("responses")
    labels, columns, written, letters, physical, seen = [], {}, {}, {}, {}, set()
    for j, (text, name) in enumerate(zip(headers, names, strict=True)):
        head = str(text).strip()
        if not head:
            continue
        letter = column_letter(j)
        label = head if head not in seen else f"{head} ({letter})"
        seen.add(head)
        labels.append(label)
        columns[label] = lookup.get(normalize_label(head))
        written[label], letters[label], physical[label] = head, letter, name
    raw = RawTable(
        table="responses",
        frame=pd.DataFrame({lab: pd.Series([], dtype=object) for lab in labels}),
        columns=MappingProxyType(columns),
        file=file,
        encoding=None,
        sheet=None,
        header_row=header_row,
        row_numbers=np.zeros(0, np.int64),
        sha256=None,
        size=None,
        problems=problems_frame(),
        written=MappingProxyType(written),
        letters=MappingProxyType(letters),
    )
    return raw, physical


def wide_columns(headers, names, scheme: Scheme, *, unit_lookup, file: str, header_row: int):
    """The :class:`WideColumns` of a responses header (``headers`` as written, ``names`` the
    physical column names), or None when the file is not in the wide layout.

    Examples
    --------
    >>> h = ["问卷编号", "党政办-政务公开"]
    >>> wide_columns(h, h, scheme, unit_lookup={"党政办": "U01"}, file="r.csv",
    ...              header_row=1).units  # doctest: +SKIP
    ['U01']
    """
    raw, physical = _header_table(headers, names, scheme, file, header_row)
    long, wide = widen(raw, scheme, unit_lookup or None)
    if wide is None:
        return None
    by_letter = {raw.letters[lab]: lab for lab in raw.frame.columns}
    by_written = {}
    for lab in raw.frame.columns:
        by_written.setdefault(raw.written[lab], lab)
    pairs = {pair: physical[by_written[h]] for pair, h in wide.headers.items()}
    units = list(dict.fromkeys(u for u, _ in wide.headers))
    id_letter = long.letters.get("问卷编号", "")
    row_id = physical[by_letter[id_letter]] if id_letter else None
    others, comment, written = {}, None, {}
    for lab, code in long.columns.items():
        written[code] = long.written[lab]
        if lab in physical and code not in ("form_id", "unit", "comment"):
            others[code] = physical[lab]
    pair_columns = set(pairs.values())
    for lab, code in raw.columns.items():
        if code == "comment" and physical[lab] not in pair_columns:
            comment = physical[lab]
            break
    return WideColumns(units, pairs, row_id, others, comment, written, long, wide)


def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _s(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def stage_wide(
    con, source: str, w: WideColumns, scheme: Scheme, tmp: str, *, row_sql: str, sci_sql: str
):
    """Unpivot the wide Parquet file ``source`` into ``tmp/responses_long.parquet``; returns
    ``(path, wide rows, empty rows, rows read, damaged ids)``: the Parquet file, the wide
    file's row of each row position (``row_sql``: the SQL of the row the user sees), the rows
    (as the user sees them) where no unit is rated but some other cell is filled, the rows with
    some cell filled (the rows the in-memory reader keeps), and ``row, id`` of the rows whose
    id is in scientific notation (``sci_sql``: the regular expression; Excel's damage, which
    every form id of the row would carry: :func:`evalstats.inputs.read.raw.damaged_ids`).

    Examples
    --------
    >>> path, rows, empty, n, damaged = stage_wide(con, "r.parquet", w, scheme, tmp,
    ...     row_sql="(file_row_number + 2)", sci_sql=SCI_ID_SQL)  # doctest: +SKIP
    """
    dims = list(scheme.dimension_codes)
    nu = len(w.units)

    def cell(col):  # a cell as the reader keeps it (NFKC, trimmed, blank as NULL)
        return f"evalstats_nfkc(CAST({_q(col)} AS VARCHAR))"

    rid = cell(w.row_id) if w.row_id else "CAST(wrow AS VARCHAR)"
    base = (
        f"SELECT file_row_number AS pos, {row_sql} AS wrow, * FROM "
        f"read_parquet({_s(source)}, file_row_number = true)"
    )
    other = "".join(f", CAST({_q(col)} AS VARCHAR) AS {_q(code)}" for code, col in w.others.items())
    row_comment = f"CAST({_q(w.comment)} AS VARCHAR)" if w.comment else "NULL"
    parts = []
    for j, u in enumerate(w.units):
        cols = [w.pairs[(u, c)] for c in (*dims, "comment") if (u, c) in w.pairs]
        filled = " OR ".join(f"{cell(c)} IS NOT NULL" for c in cols) or "FALSE"
        answers = "".join(
            f", CAST({_q(w.pairs[(u, d)])} AS VARCHAR) AS {_q(d)}"
            if (u, d) in w.pairs
            else f", CAST(NULL AS VARCHAR) AS {_q(d)}"
            for d in dims
        )
        comment = (  # a unit's comment column is no free-text column to the reader
            cell(w.pairs[(u, "comment")]) if (u, "comment") in w.pairs else row_comment
        )
        parts.append(
            f"SELECT {SYNTHETIC_ROW_BASE} + pos * {nu} + {j} AS __row, "
            f"CASE WHEN {rid} IS NULL THEN NULL ELSE {rid} || '/' || {_s(u)} END AS form_id, "
            f"{_s(u)} AS unit, {rid} AS respondent{other}{answers}, {comment} AS comment "
            f"FROM w WHERE {filled}"
        )
    out = os.path.join(tmp, "responses_long.parquet")
    body = " UNION ALL ".join(parts) if parts else "SELECT NULL AS __row WHERE FALSE"
    con.execute(
        f"COPY (WITH w AS ({base}) SELECT * FROM ({body}) ORDER BY __row) "
        f"TO {_s(out)} (FORMAT parquet)"
    )
    rows = con.execute(f"SELECT wrow FROM ({base}) ORDER BY pos").fetch_df()["wrow"]
    rated = [c for c in w.pairs.values()]
    none_rated = " AND ".join(f"{cell(c)} IS NULL" for c in rated) or "TRUE"
    something = [c for c in _all_columns(w) if c not in rated]
    some_other = " OR ".join(f"{cell(c)} IS NOT NULL" for c in something) or "FALSE"
    empty = con.execute(
        f"SELECT wrow FROM ({base}) WHERE ({none_rated}) AND ({some_other}) ORDER BY wrow"
    ).fetch_df()["wrow"]
    any_cell = " OR ".join(f"{cell(c)} IS NOT NULL" for c in _all_columns(w)) or "FALSE"
    ((read,),) = con.execute(f"SELECT count(*) FROM ({base}) WHERE {any_cell}").fetchall()
    damaged = pd.DataFrame({"wrow": pd.Series([], dtype="int64"), "rid": []})
    if w.row_id:
        damaged = con.execute(
            f"SELECT wrow, {rid} AS rid FROM ({base}) "
            f"WHERE regexp_full_match({rid}, {_s(sci_sql)}) ORDER BY wrow"
        ).fetch_df()
    return out, rows.to_numpy(np.int64), empty.to_numpy(np.int64), int(read), damaged


def _all_columns(w: WideColumns) -> list:
    cols = [*w.pairs.values(), *w.others.values()]
    return cols + [c for c in (w.row_id, w.comment) if c is not None]


class _ByRow:
    """``rows[k]`` / ``units[k]`` of a :class:`WideMap` from the staged row numbers
    ``k = i * units + j``, without an array per form."""

    def __init__(self, values, nu: int, *, unit: bool):
        self.values, self.nu, self.unit = np.asarray(values), max(nu, 1), unit

    def __getitem__(self, k):
        k = np.asarray(k, dtype=np.int64)
        return self.values[k % self.nu] if self.unit else self.values[k // self.nu]


def wide_map(w: WideColumns, rows: np.ndarray) -> WideMap:
    """The :class:`WideMap` of the staged long file (``rows``: the wide file's row of each row
    position, from :func:`stage_wide`).

    Examples
    --------
    >>> wide_map(w, rows).original_rows([SYNTHETIC_ROW_BASE])  # doctest: +SKIP
    array([2])
    """
    nu = len(w.units)
    return WideMap(
        file=w.wide.file,
        rows=_ByRow(rows, nu, unit=False),
        units=_ByRow(np.asarray(w.units, dtype=object), nu, unit=True),
        respondent=np.zeros(0, dtype=object),
        headers=w.wide.headers,
        long_columns=w.wide.long_columns,
    )
