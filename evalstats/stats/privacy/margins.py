"""Additive margins among cells and the exact check of linear recoverability.

:func:`margins` lists the totals and the cells they sum; :func:`determined` says which unknown
cells those equations pin down (a withheld cell is recoverable iff its row of the null space of
the equations restricted to the unknown cells is zero).

Examples
--------
>>> import numpy as np
>>> determined(3, [(0, [1, 2], 1)], np.array([True, True, False])).tolist()
[False, False, True]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evalstats.stats.privacy.suppress import ALL, CELL_KEYS


def cell_index(cells: pd.DataFrame) -> dict:
    keys = zip(*(cells[k].astype(str) for k in CELL_KEYS), strict=True)
    return {key: i for i, key in enumerate(keys)}


def margins(cells: pd.DataFrame, *, relations: Mapping[str, int] | None = None) -> list:
    """The additive margins among ``cells`` (``unit, series, group``).

    Returns
    -------
    list of (int, list of int, int)
        ``(total, parts, r)``: row positions of a total cell and of the cells it sums, and the
        number of published linear relations over it (``relations`` by margin kind:
        ``"units"``, ``"series"``, ``"town"``, ``"groups"``, ``"unit_groups"``; default 1).
        ``"unit_groups"`` is the group margin of a unit's own cell.
    """
    rel = {"units": 1, "series": 1, "town": 1, "groups": 1, "unit_groups": 1}
    rel |= dict(relations or {})
    idx = cell_index(cells)
    u = cells["unit"].astype(str).to_numpy()
    s = cells["series"].astype(str).to_numpy()
    g = cells["group"].astype(str).to_numpy()
    out = []

    def add(total, parts, kind):
        if total is not None and parts:
            out.append((total, parts, rel[kind]))

    frame = pd.DataFrame({"u": u, "s": s, "g": g, "i": np.arange(len(cells))})
    unit_rows = frame[frame["u"] != ALL]
    for (series, group), part in unit_rows.groupby(["s", "g"], sort=False):  # few keys
        add(idx.get((ALL, series, group)), part["i"].tolist(), "units")
    for group, part in unit_rows.groupby("g", sort=False):
        add(idx.get((ALL, ALL, group)), part["i"].tolist(), "town")
    series_rows = frame[(frame["u"] == ALL) & (frame["s"] != ALL)]
    for group, part in series_rows.groupby("g", sort=False):
        add(idx.get((ALL, ALL, group)), part["i"].tolist(), "series")
    group_rows = frame[frame["g"] != ALL]
    for (unit, series), part in group_rows.groupby(["u", "s"], sort=False):
        add(
            idx.get((unit, series, ALL)),
            part["i"].tolist(),
            "unit_groups" if unit != ALL else "groups",
        )
    return out


_TOL = 1e-9


def determined(n_cells: int, equations, known) -> np.ndarray:
    """Which unknown cells the margin equations pin down (linear recoverability).

    Each equation says ``x[total] = sum(x[parts])``.  The known cells are moved to the right
    side; an unknown cell ``j`` is determined iff the unit vector ``e_j`` lies in the row space
    of the remaining coefficient matrix ``A``, i.e. iff row ``j`` of a basis of the null space
    of ``A`` is zero (then every solution has the same ``x[j]``).

    Parameters
    ----------
    n_cells : int
    equations : iterable of (int, sequence of int, int)
        As returned by :func:`margins` (the third item is ignored).
    known : array of bool
        The published cells (and cells known to be empty).

    Returns
    -------
    ndarray of bool
        True for an unknown cell that is determined.

    Examples
    --------
    >>> determined(3, [(0, [1, 2], 1)], np.array([True, False, True])).tolist()
    [False, True, False]
    """
    known = np.asarray(known, dtype=bool)
    unknown = np.flatnonzero(~known)
    out = np.zeros(n_cells, dtype=bool)
    if not len(unknown):
        return out
    pos = {int(c): j for j, c in enumerate(unknown)}
    rows = []
    for total, parts, *_ in equations:
        r = np.zeros(len(unknown))
        hit = False
        for c, coef in ((total, 1.0), *((p, -1.0) for p in parts)):
            j = pos.get(int(c))
            if j is not None:
                r[j] += coef
                hit = True
        if hit:
            rows.append(r)
    if not rows:
        return out
    a = np.vstack(rows)
    _, sv, vt = np.linalg.svd(a, full_matrices=True)
    tol = max(a.shape) * np.finfo(float).eps * (sv.max() if len(sv) else 0.0)
    rank = int((sv > max(tol, _TOL)).sum())
    null = vt[rank:].T
    fixed = np.linalg.norm(null, axis=1) < 1e-8 if null.shape[1] else np.ones(len(unknown), bool)
    out[unknown[fixed]] = True
    return out


__all__ = [
    "cell_index",
    "determined",
    "margins",
]
