"""Column-level helpers shared by the table checks: find the columns, map typed values to
codes, parse dates, find repeated keys.

Each helper is vectorised: only the distinct values of a column go through Python.

Examples
--------
>>> import numpy as np
>>> from evalstats.inputs.validate.columns import category_positions
>>> typed = np.array(["B", "a", None], dtype=object)
>>> pos, _ = category_positions(typed, {"a": "A", "b": "B"}, ["A", "B"])
>>> pos.tolist()
[1, 0, -1]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.scheme import Scheme, normalize_label
from evalstats.inputs.read import RawTable
from evalstats.inputs.read.raw import unknown_column
from evalstats.inputs.validate.problems import ProblemCollector

OPTIONAL_COLUMNS = {
    "responses": ("comment", "comment_kind", "submitted_at", "collector"),
    "units": (),
    "forms_issued": (),
    "incidents": ("note",),
    "exclusions": ("reason",),
}


def category_positions(
    values: np.ndarray, lookup: dict, categories
) -> tuple[np.ndarray, np.ndarray]:
    """Map typed values to category positions; returns (positions with -1, factorize codes).

    Only the unique values go through the Python-level lookup.
    """
    fcodes, uniques = pd.factorize(values, use_na_sentinel=True)
    return _positions(fcodes, uniques, lookup, categories), fcodes


def column_positions(
    raw: RawTable, label: str, lookup: dict, categories
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`category_positions` of the frame column ``label``, columnar: each distinct
    value (:meth:`~evalstats.inputs.read.RawTable.column_codes`) is looked up once and the
    integer codes carried; no Python object is touched per row.

    Returns (positions with -1, codes of the distinct values with -1 for a blank cell).

    Examples
    --------
    >>> pos, codes = column_positions(raw, "评议人类别", scheme.lookup("groups"),
    ...                               scheme.group_codes)  # doctest: +SKIP
    """
    coded = raw.column_codes(label)
    return _positions(coded.codes, coded.uniques, lookup, categories), coded.codes


def _positions(fcodes: np.ndarray, uniques, lookup: dict, categories) -> np.ndarray:
    """Position in ``categories`` of each code's value (its normalised label looked up)."""
    pos = {c: i for i, c in enumerate(categories)}
    lut = np.array(
        [pos.get(lookup.get(normalize_label(u)), -1) for u in uniques] + [-1], dtype=np.int32
    )
    return lut[fcodes]


def column_values(raw: RawTable, label: str | None) -> np.ndarray:
    """The cells of frame column ``label`` (object array: :meth:`RawTable.values`); all None
    when ``label`` is None."""
    if label is None:
        return np.full(raw.n_rows, None, dtype=object)
    return raw.values(label)


def _expected_header(scheme: Scheme, table: str, code: str) -> str:
    if table == "responses" and code in scheme.dimension_codes:
        return scheme.label("dimensions", code)
    return scheme.headers[table][code][0]


def check_columns(raw: RawTable, scheme: Scheme, required, col: ProblemCollector) -> dict[str, str]:
    """Missing, duplicated and unknown columns; returns code → frame column (first one)."""
    table = raw.table
    found: dict[str, str] = {}
    for label, code in raw.columns.items():
        if code is None:
            col.rows.append(unknown_column(raw, label))
        elif code in found:
            first = found[code]
            col.add(
                "error",
                raw.file,
                row=raw.header_row,
                column=raw.written[label],
                value=None,
                reason=f"duplicated column: column {raw.letters[label]} means the same as column "
                f"{raw.letters[first]} ({raw.written[first]})",
                code="duplicate_column",
            )
        else:
            found[code] = label
    for code in required:
        if code not in found:
            col.add(
                "error",
                raw.file,
                row=raw.header_row,
                column=_expected_header(scheme, table, code),
                value=None,
                reason=f"required column is missing ({code})",
                code="missing_column",
            )
    return found


def usable(raw: RawTable) -> bool:
    """True when the table was read with a header and has data rows to check."""
    return raw.header_row is not None and raw.n_rows > 0


def parse_dates(values: np.ndarray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Text → datetime64[ns] (NaT for blank) and a mask of unparseable non-blank cells.

    ``values``: an object array (str, None where blank) or pyarrow strings (null where
    blank).  A column of ISO dates and times (``2026-06-30 14:05:00``) is read at once by
    pyarrow; any other is parsed one distinct value at a time (``2026年6月30日 14时05分``
    too).
    """
    fast = _iso_dates(values)
    if fast is not None:
        return fast, np.zeros(len(values), bool)
    if isinstance(values, pa.Array):
        values = values.to_numpy(zero_copy_only=False).astype(object, copy=False)
    fcodes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return np.full(len(values), np.datetime64("NaT", "ns")), np.zeros(len(values), bool)
    texts = pd.Index([str(u) for u in uniques], dtype=object)
    parsed = _to_datetime(texts, "ISO8601")
    todo = np.flatnonzero(pd.isna(parsed))
    if len(todo):
        alt = (
            texts[todo]
            .str.replace(r"[年月/.]", "-", regex=True)
            .str.replace("日", " ", regex=False)
            .str.replace(r"[时点]", ":", regex=True)
            .str.replace("分", ":", regex=False)
            .str.replace("秒", "", regex=False)
            .str.strip()
            .str.rstrip(":-")
        )
        second = _to_datetime(alt, "mixed")
        parsed = parsed.to_numpy().copy()
        parsed[todo] = second.to_numpy()
        parsed = pd.DatetimeIndex(parsed)
    lut = np.append(parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    out = lut[fcodes]
    bad = (fcodes >= 0) & np.isnat(out)
    return out, bad


def _iso_dates(values: np.ndarray) -> np.ndarray | None:
    """Text cells (str or None, or pyarrow strings) as datetime64[ns] when pyarrow reads
    every one as an ISO date and time without a zone; None otherwise."""
    try:
        arr = values
        if not isinstance(arr, pa.Array):
            arr = pa.array(values, type=pa.string(), from_pandas=True)
        stamps = pc.cast(arr, pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return np.asarray(stamps.to_numpy(zero_copy_only=False), dtype="datetime64[ns]")


def _to_datetime(texts: pd.Index, fmt: str) -> pd.DatetimeIndex:
    try:
        res = pd.to_datetime(texts, format=fmt, errors="coerce")
    except (ValueError, TypeError):  # e.g. mixed time zones: one value at a time
        res = pd.DatetimeIndex([_one_datetime(t, fmt) for t in texts])
    if getattr(res, "tz", None) is not None:
        res = res.tz_convert(None)
    return pd.DatetimeIndex(res).as_unit("ns")


def _one_datetime(text, fmt):
    try:
        v = pd.to_datetime(text, format=fmt, errors="coerce")
    except (ValueError, TypeError):
        return pd.NaT
    if v is not pd.NaT and v.tzinfo is not None:
        v = v.tz_convert(None)
    return v


def first_row_of(keys: np.ndarray, mask: np.ndarray, rows: np.ndarray):
    """Among positions in ``mask``: repeat flag and row of the first position with that key."""
    idx = np.flatnonzero(mask)
    sub = pd.Series(keys[idx])
    codes, _ = pd.factorize(sub)
    _, first = np.unique(codes, return_index=True)  # factorize numbers keys by first sight
    first_idx = idx[first]
    repeat = np.zeros(len(keys), bool)
    first_row = np.zeros(len(keys), np.int64)
    repeat[idx] = first_idx[codes] != idx
    first_row[idx] = rows[first_idx[codes]]
    return repeat, first_row, first_idx, codes, idx


__all__ = [
    "OPTIONAL_COLUMNS",
    "category_positions",
    "check_columns",
    "column_positions",
    "column_values",
    "first_row_of",
    "parse_dates",
    "usable",
]
