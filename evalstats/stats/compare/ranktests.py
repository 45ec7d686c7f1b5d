"""Rank tests from counts of ordered categories: Kruskal–Wallis and Mann–Whitney.

:func:`kruskal_counts` and :func:`mann_whitney_counts` take count tables (mid-ranks, ties
correction); :func:`kruskal_units` (across the units of a series) and
:func:`mann_whitney_cycles` (between two cycles) build those tables from tallies.

Examples
--------
>>> r = mann_whitney_counts([1, 2, 7], [4, 3, 3])
>>> r.statistic, round(r.effect_size, 2)
(72.5, 0.72)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.compare.result import TestResult, replace_result
from evalstats.stats.compare.tallies import (
    check_counts_array,
    dimension_index,
    group_mask,
    one_cycle,
    scheme_vectors,
    unit_mask,
)
from evalstats.stats.distributions import chi2_sf
from evalstats.stats.units import check_units_table

__all__ = ["kruskal_counts", "kruskal_units", "mann_whitney_counts", "mann_whitney_cycles"]

_NAN = float("nan")


def _midranks(totals: np.ndarray) -> np.ndarray:
    """Mid-ranks of ordered categories with ``totals`` observations each."""
    return np.cumsum(totals) - (totals - 1) / 2


def kruskal_counts(table) -> TestResult:
    """Kruskal–Wallis test from counts of ordered categories.

    Parameters
    ----------
    table : array_like of int, shape (k, c)
        Row ``i`` counts the observations of sample ``i`` in each of ``c`` ordered categories
        (lowest first).  Empty rows are dropped.

    Returns
    -------
    TestResult
        ``test="kruskal_wallis"``, ``statistic`` H corrected for ties, ``df = k − 1``,
        asymptotic χ² p-value, effect size ``epsilon_squared = H / (N − 1)``.  NaN when
        fewer than two samples remain or all observations tie.

    Notes
    -----
    All observations in a category share its mid-rank ``R_j``; with rank sums
    ``W_i = Σ_j n_ij R_j``,
    ``H = [12 / (N(N + 1)) Σ_i W_i² / n_i − 3(N + 1)] / [1 − Σ_j (t_j³ − t_j) / (N³ − N)]``
    [7]_, equal to ``scipy.stats.kruskal`` on the expanded data.

    Examples
    --------
    R ``kruskal.test(list(x, y, z))`` on Hollander & Wolfe (1973, p. 116) gives
    H = 0.771429, p = 0.679965 (14 distinct values: one category each).

    >>> x = [2.9, 3.0, 2.5, 2.6, 3.2]; y = [3.8, 2.7, 4.0, 2.4]; z = [2.8, 3.4, 3.7, 2.2, 2.0]
    >>> values = sorted(x + y + z)
    >>> table = [[s.count(v) for v in values] for s in (x, y, z)]
    >>> r = kruskal_counts(table)
    >>> round(r.statistic, 6), round(r.pvalue, 6)
    (0.771429, 0.679965)
    """
    t = check_counts_array("table", table, 2)
    t = t[t.sum(axis=1) > 0]
    k = t.shape[0]
    n = float(t.sum())
    if k < 2:
        return TestResult(
            "kruskal_wallis",
            _NAN,
            _NAN,
            float(max(k - 1, 0)),
            "asymptotic",
            int(n),
            effect_size_name="epsilon_squared",
            note="fewer than two samples with observations",
        )
    tot = t.sum(axis=0)
    ranks = _midranks(tot)
    w = t @ ranks
    ni = t.sum(axis=1)
    h0 = 12 / (n * (n + 1)) * np.sum(w * w / ni) - 3 * (n + 1)
    ties = 1 - np.sum(tot**3 - tot) / (n**3 - n)
    df = float(k - 1)
    if ties <= 0:
        return TestResult(
            "kruskal_wallis",
            _NAN,
            _NAN,
            df,
            "asymptotic",
            int(n),
            effect_size_name="epsilon_squared",
            note="all observations tie",
        )
    h = float(max(h0 / ties, 0.0))
    p = float(chi2_sf(h, df))
    return TestResult(
        "kruskal_wallis",
        h,
        p,
        df,
        "asymptotic",
        int(n),
        effect_size=h / (n - 1),
        effect_size_name="epsilon_squared",
    )


def mann_whitney_counts(x, y) -> TestResult:
    """Mann–Whitney (Wilcoxon rank-sum) test from counts of ordered categories.

    Parameters
    ----------
    x, y : array_like of int, shape (c,)
        Counts of the two samples in ``c`` ordered categories (lowest first).

    Returns
    -------
    TestResult
        ``test="mann_whitney"``; ``statistic`` is ``U`` of ``x`` (R's ``W``), the p-value is
        the normal approximation with ties correction and continuity correction (R
        ``wilcox.test(x, y, exact = FALSE, correct = TRUE)``; scipy
        ``mannwhitneyu(x, y, method="asymptotic")``); ``effect_size`` the probability of
        superiority ``P(X > Y) + P(X = Y)/2 = U / (n_x n_y)`` (0.5: no shift);
        ``estimate`` the rank-biserial correlation ``2·PS − 1``.  NaN p-value when all
        observations tie or a sample is empty.

    Notes
    -----
    With mid-ranks ``R_j`` of the pooled categories, ``U = Σ_j x_j R_j − n_x(n_x + 1)/2``,
    ``E(U) = n_x n_y / 2``,
    ``var(U) = n_x n_y / 12 · [N + 1 − Σ_j (t_j³ − t_j) / (N(N − 1))]`` [7]_ and
    ``z = (U − E(U) − ½·sign(U − E(U))) / sqrt(var(U))``.

    Examples
    --------
    >>> r = mann_whitney_counts([1, 2, 7], [4, 3, 3])
    >>> r.statistic, round(r.effect_size, 2)
    (72.5, 0.72)
    """
    x = check_counts_array("x", x, 1)
    y = check_counts_array("y", y, 1)
    if x.shape != y.shape:
        raise ValueError(f"x and y must count the same categories; got shapes {x.shape}, {y.shape}")
    nx, ny = float(x.sum()), float(y.sum())
    n = nx + ny
    if nx == 0 or ny == 0:
        return TestResult(
            "mann_whitney",
            _NAN,
            _NAN,
            _NAN,
            "asymptotic",
            int(n),
            effect_size_name="probability_of_superiority",
            note="a sample is empty",
        )
    tot = x + y
    ranks = _midranks(tot)
    u = float(x @ ranks - nx * (nx + 1) / 2)
    ps = u / (nx * ny)
    mu = nx * ny / 2
    var = nx * ny / 12 * ((n + 1) - np.sum(tot**3 - tot) / (n * (n - 1)))
    if var <= 0:
        z = p = _NAN
        note = "all observations tie"
    else:
        d = u - mu
        z = float((d - 0.5 * np.sign(d)) / math.sqrt(var))
        p = float(min(1.0, 2 * special.ndtr(-abs(z))))
        note = f"z = {z:.4f}"
    return TestResult(
        "mann_whitney",
        u,
        p,
        _NAN,
        "asymptotic",
        int(n),
        effect_size=ps,
        effect_size_name="probability_of_superiority",
        estimate=2 * ps - 1,
        estimate_name="rank_biserial",
        note=note,
    )


def _ordinal_counts(dense_udl, valid):
    """Counts of valid levels, lowest first (the scheme lists levels best first)."""
    return dense_udl[..., valid][..., ::-1]


def kruskal_units(
    counts,
    *,
    dimension: str,
    series: str | None = None,
    units: pd.DataFrame | None = None,
    group: str | None = None,
    cycle: str | None = None,
    scheme: Scheme | None = None,
) -> TestResult:
    """Kruskal–Wallis test across the units (of a series) on the ordinal levels.

    Parameters
    ----------
    counts : DataFrame
        A tally, or a validated forms table (tallied first).
    dimension : str
        The dimension tested (required, see :func:`group_homogeneity`).
    series : str, optional
        Only the units of this series (needs ``units``); None: every unit in ``counts``.
    units : DataFrame, optional
        Columns ``unit, series``.
    group : str, optional
        Only the answers of this respondent group; None: all groups pooled.
    cycle : str, optional
        The cycle, when ``counts`` holds several.
    scheme : Scheme, path or None

    Returns
    -------
    TestResult
        :func:`kruskal_counts` on the units × valid levels table (levels in scheme order,
        不了解 and blank left out); ``labels`` the units with answers.
    """
    scheme = resolve_scheme(scheme)
    d = dimension_index(dimension, scheme, "kruskal_units")
    dense, _cyc, units_list = one_cycle(counts, "counts", scheme, cycle)
    sel = np.ones(len(units_list), bool)
    if series is not None:
        if units is None:
            raise ValueError("series= needs units= (a table with columns unit, series)")
        u = check_units_table(units)
        members = set(u.loc[u["series"].astype(str) == str(series), "unit"])
        if not members:
            raise ValueError(f"units has no unit in series {series!r}")
        sel = np.array([x in members for x in units_list])
    gm = group_mask(group, scheme)
    valid, _s, _p = scheme_vectors(scheme)
    t = _ordinal_counts(dense[sel][:, gm, d, :].sum(axis=1), valid)  # [unit, level]
    kept = np.array(units_list, dtype=object)[sel][t.sum(axis=1) > 0]
    return replace_result(kruskal_counts(t), labels=tuple(kept))


def mann_whitney_cycles(
    counts_before,
    counts_after,
    *,
    dimension: str,
    unit: str | None = None,
    group: str | None = None,
    scheme: Scheme | None = None,
) -> TestResult:
    """Mann–Whitney test of the level distribution between two cycles.

    Parameters
    ----------
    counts_before, counts_after : DataFrame
        Tallies of one cycle each.
    dimension : str
        The dimension tested (required, see :func:`group_homogeneity`).
    unit : str, optional
        One unit; None pools all units.
    group : str, optional
        One respondent group; None pools all groups.
    scheme : Scheme, path or None

    Returns
    -------
    TestResult
        :func:`mann_whitney_counts` with ``x`` the later cycle: ``statistic`` is ``U`` of
        the later cycle, ``effect_size`` the probability that a random answer of the later
        cycle is better than one of the earlier (ties count half), ``labels`` ``(after,
        before)``.
    """
    scheme = resolve_scheme(scheme)
    d = dimension_index(dimension, scheme, "mann_whitney_cycles")
    before, cyc_b, units_b = one_cycle(counts_before, "counts_before", scheme)
    after, cyc_a, units_a = one_cycle(counts_after, "counts_after", scheme)
    if unit is not None:
        if not isinstance(unit, str):
            raise TypeError(f"unit must be a unit code (str) or None; got {unit!r}")
        if unit not in units_b and unit not in units_a:
            raise ValueError(f"unit {unit!r} is in neither counts_before nor counts_after")
    gm = group_mask(group, scheme)
    valid, _s, _p = scheme_vectors(scheme)

    def counts_of(dense, units_list):
        if unit is not None and unit not in units_list:
            return np.zeros(int(valid.sum()))
        sel = unit_mask(units_list, unit)
        return _ordinal_counts(dense[sel][:, gm, d, :].sum(axis=(0, 1)), valid)

    x = counts_of(after, units_a)
    y = counts_of(before, units_b)
    return replace_result(mann_whitney_counts(x, y), labels=(cyc_a, cyc_b))
