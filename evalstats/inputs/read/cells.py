"""Cell text: a spreadsheet cell as the user sees it; a column of cells normalised.

Examples
--------
>>> import datetime as dt
>>> from evalstats.inputs.read.cells import cell_text
>>> cell_text(12.0), cell_text(dt.datetime(2026, 6, 1)), cell_text(True)
('12', '2026-06-01', 'TRUE')
"""

from __future__ import annotations

import datetime as _dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.inputs.read.raw import ColumnCodes, arrow_bool


def normalize_column(values: pd.Series, *, free_text: bool) -> np.ndarray:
    """Text cells → NFKC-normalised, trimmed str (free text: only trimmed); blank → None.

    Only the unique values are transformed (with pyarrow's vectorised string kernels).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [u if isinstance(u, str) else (cell_text(u) or "") for u in uniques]
    orig = pa.array(texts, type=pa.string())
    arr = orig if free_text else pc.utf8_normalize(orig, "NFKC")
    arr = pc.utf8_trim_whitespace(arr)
    # keep the original str objects where nothing changed (saves memory on 1e6 unique ids)
    norm = np.empty(len(texts), dtype=object)
    norm[:] = texts
    changed = np.flatnonzero(arrow_bool(pc.not_equal(arr, orig)))
    if len(changed):
        norm[changed] = arr.take(pa.array(changed)).to_pylist()
    norm[arrow_bool(pc.equal(arr, ""))] = None
    lut = np.append(norm, None)
    return lut[codes]  # code -1 (missing) picks the trailing None


SAMPLE_ROWS = 20_000
"""Rows sampled to tell a column of a few distinct values from one of mostly distinct ones."""


def mostly_distinct(n: int, distinct: int) -> bool:
    """True for a column of ``n`` cells whose first :data:`SAMPLE_ROWS` hold ``distinct``
    distinct values when more than half of them are (ids, times): such a column is not worth
    a dictionary.  A column of at most :data:`SAMPLE_ROWS` cells never is.

    Examples
    --------
    >>> mostly_distinct(1_000_000, 19_990), mostly_distinct(1_000_000, 12)
    (True, False)
    """
    return n > SAMPLE_ROWS and distinct * 2 > SAMPLE_ROWS


def normalize_arrow_column(
    values: pd.Series, *, free_text: bool, encode: bool = False
) -> tuple[pa.Array | None, ColumnCodes | None, np.ndarray]:
    """A pyarrow-backed text column normalised as :func:`normalize_column` does, columnar:
    no Python object is made per cell.

    A column of few distinct values (answers, units, groups: at most half of a sample of
    rows distinct) is dictionary-encoded by pyarrow and each *distinct* text normalised
    once; its :class:`~evalstats.inputs.read.raw.ColumnCodes` are returned.  A column of
    mostly distinct values (form ids, times) is normalised by pyarrow's string kernels as a
    whole (NFKC skipped for a column of ASCII text, which it leaves as it is) and returned
    as pyarrow strings; or, with ``encode`` (the form ids, whose repeats are checked),
    dictionary-encoded after normalising (:meth:`ColumnCodes.from_arrow`).

    Returns
    -------
    (cells, codes, filled)
        The normalised cells (pyarrow strings, null where blank) or None, the codes or None
        (one of the two is given), and the mask of non-blank cells.

    Examples
    --------
    >>> import pyarrow as pa
    >>> s = pd.Series([" 满意", "２", "", "满意"], dtype=pd.ArrowDtype(pa.string()))
    >>> cells, c, filled = normalize_arrow_column(s, free_text=False)
    >>> c.values().tolist(), c.codes.tolist(), filled.tolist()
    (['满意', '2', None, '满意'], [0, 1, -1, 0], [True, True, False, True])
    """
    arr = values.array.__arrow_array__()
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    coded = pa.types.is_dictionary(arr.type)  # a spreadsheet's column: already encoded
    if not coded and mostly_distinct(
        len(arr), pc.count_distinct(arr.slice(0, SAMPLE_ROWS)).as_py()
    ):
        norm = _normalized(arr, free_text=free_text)
        filled_arr = pc.greater(pc.binary_length(norm), 0)
        filled = filled_arr.fill_null(False).to_numpy(zero_copy_only=False)
        if not filled.all():
            norm = pc.if_else(filled_arr, norm, pa.scalar(None, pa.string()))
        if encode:
            return None, ColumnCodes.from_arrow(norm), filled
        return norm, None, filled
    enc = arr if coded else pc.dictionary_encode(arr)
    texts = _normalized(enc.dictionary, free_text=free_text).to_pylist()
    seen: dict[str, int] = {}
    lut = np.empty(len(texts) + 1, dtype=np.int32)  # the last slot: a null cell
    for i, t in enumerate(texts):
        lut[i] = -1 if not t else seen.setdefault(t, len(seen))
    lut[-1] = -1
    idx = enc.indices.fill_null(len(texts)).to_numpy(zero_copy_only=False)
    codes = ColumnCodes(lut[idx], np.asarray(list(seen), dtype=object))
    return None, codes, codes.codes >= 0


def _normalized(arr, *, free_text: bool):
    """NFKC-normalised (not free text) and trimmed, as pyarrow strings.  ASCII text is its
    own NFKC form: a column of it is only trimmed."""
    arr = arr.cast(pa.string())
    if not free_text and not _ascii(arr):
        arr = pc.utf8_normalize(arr, "NFKC")
    return pc.utf8_trim_whitespace(arr)


def _ascii(arr: pa.Array) -> bool:
    """True when every byte of the string array's cells is ASCII."""
    offsets, data = arr.buffers()[1:3]
    if len(arr) == 0 or data is None:
        return True  # no byte at all
    if offsets is None:
        return False  # not known: normalised, which is always right
    ends = np.frombuffer(offsets, np.int32)[arr.offset : arr.offset + len(arr) + 1]
    body = np.frombuffer(data, np.uint8)[ends[0] : ends[-1]] if len(ends) else []
    return len(body) == 0 or int(body.max()) < 128


def cell_text(value) -> str | None:
    """Text of one spreadsheet cell as the user sees it (numbers without a trailing .0)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime):
        return _datetime_text(value)
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    return str(value)


def _float_text(value: float) -> str | None:
    """A float as a spreadsheet shows it: whole numbers without .0; NaN is blank."""
    if math.isnan(value):
        return None
    if value.is_integer():
        return str(int(value))
    return repr(value)


def _datetime_text(value: _dt.datetime) -> str:
    """A date-time in ISO form; midnight shows as the date alone."""
    if value.time() == _dt.time(0):
        return value.date().isoformat()
    return value.isoformat(sep=" ")


__all__ = [
    "SAMPLE_ROWS",
    "cell_text",
    "mostly_distinct",
    "normalize_arrow_column",
    "normalize_column",
]
