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


__all__ = ["cell_text", "normalize_column"]
