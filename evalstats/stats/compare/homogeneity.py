"""χ² test that respondent groups give the same distribution of levels.

:func:`chi2_homogeneity` tests any contingency table (Monte-Carlo p-value when expected counts
are small); :func:`group_homogeneity` builds the groups × valid levels table of a tally.

Examples
--------
>>> r = chi2_homogeneity([[762, 327, 468], [484, 239, 477]])
>>> round(r.statistic, 1), r.df, r.method
(30.1, 2.0, 'asymptotic')
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from evalstats.core.options import check_n_resamples, check_option, check_rng
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.compare.result import TestResult, replace_result
from evalstats.stats.compare.tallies import (
    check_counts_array,
    dimension_index,
    one_cycle,
    scheme_vectors,
    unit_mask,
)

__all__ = ["CHI2_METHODS", "chi2_homogeneity", "group_homogeneity"]

CHI2_METHODS = ("auto", "asymptotic", "monte-carlo")
_NAN = float("nan")
_MC_TOLERANCE = 1 - 64 * np.finfo(float).eps  # R's chisq.test: "almost.1"


def _random_tables(row, col, n_resamples, gen) -> np.ndarray:
    """``n_resamples`` random tables with margins ``row``, ``col`` (``[B, r, c]``), drawn
    row by row as multivariate hypergeometric samples, one column at a time."""
    r, c = len(row), len(col)
    out = np.zeros((n_resamples, r, c), np.int64)
    remaining = np.tile(np.asarray(col, np.int64), (n_resamples, 1))
    for i in range(r - 1):
        need = np.full(n_resamples, int(row[i]), np.int64)
        rest = remaining.sum(axis=1)
        for j in range(c - 1):
            rest = rest - remaining[:, j]
            x = gen.hypergeometric(remaining[:, j], rest, need)
            out[:, i, j] = x
            need = need - x
        out[:, i, c - 1] = need
        remaining = remaining - out[:, i, :]
    out[:, r - 1, :] = remaining
    return out


def chi2_homogeneity(
    table, *, method: str = "auto", n_resamples: int = 10_000, rng=None
) -> TestResult:
    """Pearson's χ² test that the rows of a contingency table share one distribution.

    Parameters
    ----------
    table : array_like of int, shape (r, c)
        Counts: rows are the samples (e.g. respondent groups), columns the categories (e.g.
        levels).  Rows and columns that are all zero are dropped first.
    method : {"auto", "asymptotic", "monte-carlo"}
        ``"asymptotic"``: χ² distribution with ``(r − 1)(c − 1)`` degrees of freedom.
        ``"monte-carlo"``: p-value from ``n_resamples`` random tables with the observed
        margins, ``(1 + #{X²* >= X²}) / (n_resamples + 1)`` [6]_, as R's
        ``chisq.test(simulate.p.value = TRUE, B = n_resamples)``.  ``"auto"`` (default):
        Monte-Carlo when Cochran's rule fails (an expected count below 1, or more than 20 %
        of them below 5), else asymptotic.
    n_resamples : int
        Number of random tables for the Monte-Carlo p-value.
    rng : None, int or numpy.random.Generator
        Seed or generator for the Monte-Carlo p-value (pass one to reproduce it).

    Returns
    -------
    TestResult
        ``test="chi2_homogeneity"``; ``method`` is ``"asymptotic"`` or ``"monte-carlo"``
        (what was used); effect size Cramér's V ``sqrt(X² / (N·(min(r, c) − 1)))`` [5]_.
        NaN statistic and p-value when fewer than two rows or columns remain.

    Notes
    -----
    No continuity correction (R's ``chisq.test`` applies Yates' correction to 2 × 2 tables
    by default; pass ``correct = FALSE`` there to compare).

    Examples
    --------
    Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., Table 2.5: party
    identification by gender, X² = 30.1 on 2 df.

    >>> r = chi2_homogeneity([[762, 327, 468], [484, 239, 477]])
    >>> round(r.statistic, 1), r.df, r.method
    (30.1, 2.0, 'asymptotic')
    """
    method = check_option("method", method, CHI2_METHODS)
    n_resamples = check_n_resamples(n_resamples)
    gen = check_rng(rng)
    t = check_counts_array("table", table, 2)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    n = int(t.sum())
    r, c = t.shape
    if r < 2 or c < 2:
        note = "fewer than two non-empty rows or columns: nothing to compare"
        return TestResult(
            "chi2_homogeneity",
            _NAN,
            _NAN,
            float(max(r - 1, 0) * max(c - 1, 0)),
            "asymptotic" if method == "auto" else method,
            n,
            effect_size_name="cramers_v",
            note=note,
        )
    row, col = t.sum(axis=1), t.sum(axis=0)
    expected = np.outer(row, col) / n
    x2 = float(((t - expected) ** 2 / expected).sum())
    df = float((r - 1) * (c - 1))
    small = bool((expected < 1).any() or (expected < 5).mean() > 0.2)
    used = ("monte-carlo" if small else "asymptotic") if method == "auto" else method
    note = ""
    if used == "asymptotic":
        p = float(stats.chi2.sf(x2, df))
        if small:
            note = "expected counts are small (Cochran's rule fails): prefer monte-carlo"
    else:
        sims = _random_tables(row.astype(np.int64), col.astype(np.int64), n_resamples, gen)
        x2_sim = ((sims - expected) ** 2 / expected).sum(axis=(1, 2))
        p = float((1 + np.count_nonzero(x2_sim >= x2 * _MC_TOLERANCE)) / (n_resamples + 1))
        note = f"{n_resamples} random tables with the observed margins"
    v = math.sqrt(x2 / (n * (min(r, c) - 1)))
    return TestResult(
        "chi2_homogeneity",
        x2,
        p,
        df,
        used,
        n,
        effect_size=v,
        effect_size_name="cramers_v",
        note=note,
    )


def group_homogeneity(
    counts: pd.DataFrame,
    *,
    dimension: str,
    unit: str | None = None,
    cycle: str | None = None,
    scheme: Scheme | None = None,
    method: str = "auto",
    n_resamples: int = 10_000,
    rng=None,
) -> TestResult:
    """Do the respondent groups give the same distribution of levels? (χ² homogeneity)

    Parameters
    ----------
    counts : DataFrame
        A tally (or a validated forms table, tallied first).
    dimension : str
        The dimension tested (required: a form answers every dimension, so answers pooled
        over dimensions are not independent).
    unit : str, optional
        One unit; None pools the forms of all units.
    cycle : str, optional
        The cycle, when ``counts`` holds several.
    scheme : Scheme, path or None
    method, n_resamples, rng
        As :func:`chi2_homogeneity`.

    Returns
    -------
    TestResult
        From :func:`chi2_homogeneity` on the groups × valid levels table (不了解 and blank
        answers are left out), ``labels`` the groups compared.

    Examples
    --------
    With ``counts`` a tally of one cycle::

        r = group_homogeneity(counts, dimension="efficiency", unit="U01", rng=2026)
        r.method, r.pvalue, r.to_frame()
    """
    scheme = resolve_scheme(scheme)
    d = dimension_index(dimension, scheme, "group_homogeneity")
    dense, _cyc, units_list = one_cycle(counts, "counts", scheme, cycle)
    valid, _sat, _pts = scheme_vectors(scheme)
    sel = unit_mask(units_list, unit)
    t = dense[sel][:, :, d, :][:, :, valid].sum(axis=0)  # [group, valid level]
    groups = tuple(g for g, row in zip(scheme.group_codes, t, strict=True) if row.sum() > 0)
    res = chi2_homogeneity(t, method=method, n_resamples=n_resamples, rng=rng)
    return replace_result(res, labels=groups)
