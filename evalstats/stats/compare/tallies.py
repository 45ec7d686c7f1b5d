"""Counts in: checked count arrays, one cycle of a tally as a dense array, and masks.

The comparisons take a tally (:func:`evalstats.counts.tally.tally`) or a validated forms table
(tallied first); these helpers turn it into ``[unit, group, dimension, level]`` counts of one
cycle and select the units, groups and dimension a test is about.

Examples
--------
>>> check_counts_array("table", [[1, 2], [3, 4]], 2).sum()
np.float64(10.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme
from evalstats.counts.tally import tally, tally_to_array

__all__ = [
    "check_counts_array",
    "dimension_index",
    "group_mask",
    "one_cycle",
    "scheme_vectors",
    "unit_mask",
]


def check_counts_array(name: str, x, ndim: int) -> np.ndarray:
    """``x`` as a float array of whole counts >= 0 with ``ndim`` dimensions.

    Parameters
    ----------
    name : str
        The argument's name, for the messages.
    x : array_like
    ndim : int

    Returns
    -------
    numpy.ndarray of float64

    Raises
    ------
    TypeError
        When ``x`` is not numbers (booleans are refused).
    ValueError
        When it has another number of dimensions, or a value that is not a whole number >= 0.
    """
    a = np.asarray(x)
    if a.dtype == bool or a.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be numbers (counts); got dtype {a.dtype}")
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional; got shape {a.shape}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a != np.floor(a)):
        raise ValueError(f"{name} must hold whole numbers >= 0")
    return a


def scheme_vectors(scheme: Scheme):
    """valid, satisfied and points per tally level (scheme levels, then blank).

    Parameters
    ----------
    scheme : Scheme

    Returns
    -------
    valid, satisfied, points : numpy.ndarray
        Boolean, boolean and float arrays with one entry per level of the scheme and a last
        one for the blank answer.
    """
    lv = scheme.levels
    valid = np.array([v.valid for v in lv] + [False])
    satisfied = np.array([v.valid and v.satisfied for v in lv] + [False])
    points = np.array([v.points if v.valid else 0.0 for v in lv] + [0.0], float)
    return valid, satisfied, points


def _is_tally(frame) -> bool:
    return isinstance(frame, pd.DataFrame) and "level" in frame.columns and "count" in frame


def _as_tally(data, name: str, scheme: Scheme) -> pd.DataFrame:
    """A tally, or the tally of a validated forms table."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame (a tally); got {type(data).__name__}")
    if _is_tally(data):
        return data
    return tally(data, scheme)


def one_cycle(counts, name: str, scheme: Scheme, cycle=None):
    """Dense ``[unit, group, dimension, level]`` of one cycle of a tally.

    Parameters
    ----------
    counts : DataFrame
        A tally, or a validated forms table (tallied first).
    name : str
        The argument's name, for the messages.
    scheme : Scheme
    cycle : str, optional
        The cycle to take; required when ``counts`` holds several.

    Returns
    -------
    dense, cycle, units : numpy.ndarray, str, list of str
        The counts of the cycle, its id and the unit codes along the first axis.
    """
    counts = _as_tally(counts, name, scheme)
    if len(counts) == 0:
        raise ValueError(f"{name} is empty: it has no cycle to compare")
    dense, cycles, units = tally_to_array(counts, scheme)
    if cycle is None:
        if len(cycles) != 1:
            raise ValueError(f"{name} holds {len(cycles)} cycles {cycles}; pass cycle= to choose")
        i = 0
    else:
        if str(cycle) not in cycles:
            raise ValueError(f"{name} has no cycle {cycle!r}; it holds {cycles}")
        i = cycles.index(str(cycle))
    return dense[i], cycles[i], [str(u) for u in units]


def dimension_index(dimension, scheme: Scheme, what: str) -> int:
    """Index of ``dimension`` among ``scheme.dimension_codes``; ``what`` (the calling test)
    names it in the error when no dimension is given.

    Parameters
    ----------
    dimension : str or None
    scheme : Scheme
    what : str

    Returns
    -------
    int
    """
    if dimension is None:
        raise ValueError(
            f"{what} needs dimension=: a form answers every dimension, so answers pooled "
            "over dimensions are not independent"
        )
    return scheme.dimension_codes.index(
        check_option("dimension", dimension, scheme.dimension_codes)
    )


def unit_mask(units_list, unit, name="unit") -> np.ndarray:
    """Boolean mask of ``unit`` over ``units_list`` (all True for None).

    Parameters
    ----------
    units_list : list of str
    unit : str or None
    name : str
        The argument's name, for the messages.

    Returns
    -------
    numpy.ndarray of bool
    """
    if unit is None:
        return np.ones(len(units_list), bool)
    if not isinstance(unit, str):
        raise TypeError(f"{name} must be a unit code (str) or None; got {unit!r}")
    if unit not in units_list:
        raise ValueError(f"{name} {unit!r} is not in the counts; units are {units_list}")
    return np.array([u == unit for u in units_list])


def group_mask(group, scheme: Scheme) -> np.ndarray:
    """Boolean mask of ``group`` over ``scheme.group_codes`` (all True for None).

    Parameters
    ----------
    group : str or None
    scheme : Scheme

    Returns
    -------
    numpy.ndarray of bool
    """
    if group is None:
        return np.ones(len(scheme.group_codes), bool)
    check_option("group", group, scheme.group_codes)
    return np.array([g == group for g in scheme.group_codes])
