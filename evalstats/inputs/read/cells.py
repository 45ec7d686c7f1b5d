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

from evalstats.inputs.read.raw import ColumnCodes


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
    changed = np.flatnonzero(_bools(pc.not_equal(arr, orig)))
    if len(changed):
        norm[changed] = arr.take(pa.array(changed)).to_pylist()
    norm[_bools(pc.equal(arr, ""))] = None
    lut = np.append(norm, None)
    return lut[codes]  # code -1 (missing) picks the trailing None


_SAMPLE = 20_000
"""Rows sampled to tell a column of a few distinct values from one of mostly distinct ones."""


def normalize_arrow_column(
    values: pd.Series, *, free_text: bool
) -> tuple[np.ndarray, ColumnCodes | None, np.ndarray]:
    """A pyarrow-backed text column normalised as :func:`normalize_column` does, columnar.

    A column of few distinct values (answers, units, groups: at most half of a sample of
    rows distinct) is dictionary-encoded by pyarrow and each *distinct* text normalised
    once; its :class:`~evalstats.inputs.read.raw.ColumnCodes` are returned with it.  A
    column of mostly distinct values (form ids, times) is normalised by pyarrow's string
    kernels as a whole and has no codes.

    Returns
    -------
    (values, codes, filled)
        The cells (object array of str, None where blank), the codes or None, and the mask
        of non-blank cells.

    Examples
    --------
    >>> import pyarrow as pa
    >>> s = pd.Series([" 满意", "２", "", "满意"], dtype=pd.ArrowDtype(pa.string()))
    >>> v, c, filled = normalize_arrow_column(s, free_text=False)
    >>> v.tolist(), c.codes.tolist(), filled.tolist()
    (['满意', '2', None, '满意'], [0, 1, -1, 0], [True, True, False, True])
    """
    arr = values.array.__arrow_array__()
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    n = len(arr)
    sample = arr.slice(0, _SAMPLE)
    if n > _SAMPLE and pc.count_distinct(sample).as_py() * 2 > len(sample):
        norm = _normalized(arr, free_text=free_text)
        filled = pc.binary_length(norm).fill_null(0).to_numpy(zero_copy_only=False) > 0
        out = norm.to_numpy(zero_copy_only=False).astype(object, copy=False)
        out[~filled] = None
        return out, None, filled
    enc = pc.dictionary_encode(arr)
    texts = _normalized(enc.dictionary, free_text=free_text).to_pylist()
    seen: dict[str, int] = {}
    lut = np.empty(len(texts) + 1, dtype=np.int32)  # the last slot: a null cell
    for i, t in enumerate(texts):
        lut[i] = -1 if not t else seen.setdefault(t, len(seen))
    lut[-1] = -1
    idx = enc.indices.fill_null(len(texts)).to_numpy(zero_copy_only=False)
    codes = ColumnCodes(lut[idx], np.asarray(list(seen), dtype=object))
    return codes.values(), codes, codes.codes >= 0


def _normalized(arr, *, free_text: bool):
    """NFKC-normalised (not free text) and trimmed, as pyarrow strings."""
    arr = arr.cast(pa.string())
    return pc.utf8_trim_whitespace(arr if free_text else pc.utf8_normalize(arr, "NFKC"))


def _bools(arr) -> np.ndarray:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


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


__all__ = ["cell_text", "normalize_arrow_column", "normalize_column"]
