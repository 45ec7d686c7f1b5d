"""Grades: the scheme's bands on unrounded composites (:func:`grade_for`).

Examples
--------
>>> grade_for(89.995), grade_for(90.0), grade_for(float("nan")) is None
('good', 'excellent', True)
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.rank.checks import check_numeric

__all__ = ["grade_dtype", "grade_for"]


def grade_dtype(scheme: Scheme) -> pd.CategoricalDtype:
    """The ordered Categorical dtype of grade codes, best first (``scheme.grade_codes``)."""
    return pd.CategoricalDtype(list(scheme.grade_codes), ordered=True)


def _grade_codes(x: np.ndarray, scheme: Scheme) -> np.ndarray:
    """Index into ``scheme.grades`` (-1 for NaN): the first band whose ``min`` is <= x."""
    mins_ascending = np.array([g.min for g in scheme.grades][::-1], dtype=float)
    pos = np.searchsorted(mins_ascending, x, side="right") - 1  # band of largest min <= x
    codes = len(mins_ascending) - 1 - np.clip(pos, 0, None)  # below every min: lowest grade
    return np.where(np.isnan(x), -1, codes)


def grade_for(composite, *, scheme: Scheme | None = None):
    """Grade code(s) for composite score(s), by the scheme's bands on unrounded values.

    A composite earns the first grade (highest first) whose ``min`` it reaches:
    ``composite >= min``.  Nothing is rounded, so 89.995 is not 优秀 under a band at 90.
    A composite below every band (possible only with negative points) gets the lowest grade.

    Parameters
    ----------
    composite : float, array-like or Series
        Composite score(s); NaN or None means no composite (no grade).
    scheme : Scheme, path or None
        Evaluation scheme (default: the bundled one).

    Returns
    -------
    str or None, pandas.Categorical or Series
        A scalar gives a grade code or None; a Series gives a Series (same index, name
        ``"grade"``) and any other array-like a Categorical, with categories
        ``scheme.grade_codes`` (ordered best first, like ``scheme.level_dtype``) and NaN where
        there is no composite.

    Examples
    --------
    >>> grade_for([90, 89.999, 80, 70, 69.99, float("nan")]).tolist()
    ['excellent', 'good', 'good', 'fair', 'poor', nan]
    """
    scheme = resolve_scheme(scheme)
    dtype = grade_dtype(scheme)
    if composite is None:
        return None
    if isinstance(composite, pd.Series):
        codes = _grade_codes(check_numeric("composite", composite), scheme)
        cat = pd.Categorical.from_codes(codes, dtype=dtype)
        return pd.Series(cat, index=composite.index, name="grade")
    if np.ndim(composite) == 0:
        if isinstance(composite, bool | np.bool_) or not isinstance(composite, numbers.Real):
            raise TypeError(f"composite must be a number; got {composite!r}")
        code = _grade_codes(np.array([float(composite)]), scheme)[0]
        return None if code < 0 else scheme.grade_codes[code]
    values = pd.Series(np.asarray(composite, dtype=object).ravel())
    values = values.infer_objects()
    if values.isna().all():
        values = values.astype("float64")
    codes = _grade_codes(check_numeric("composite", values), scheme)
    return pd.Categorical.from_codes(codes, dtype=dtype)
