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
from evalstats.stats.design import (
    Design,
    cluster_groups,
    cluster_level_counts,
    compact_codes,
)
from evalstats.stats.distributions import chi2_sf, f_sf

__all__ = ["CHI2_METHODS", "chi2_homogeneity", "group_homogeneity", "rao_scott"]

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
        p = float(chi2_sf(x2, df))
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
    design: Design | None = None,
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
    design : Design, optional
        The sampling design of the same forms (:func:`evalstats.stats.design.respondent_design`).
        When forms share respondents the answers of one respondent to several units are not
        independent: the test is then :func:`rao_scott` (``method = "rao-scott"``).  Otherwise
        it changes nothing.

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
    dense, cyc_name, units_list = one_cycle(counts, "counts", scheme, cycle)
    valid, _sat, _pts = scheme_vectors(scheme)
    sel = unit_mask(units_list, unit)
    t = dense[sel][:, :, d, :][:, :, valid].sum(axis=0)  # [group, valid level]
    groups = tuple(g for g, row in zip(scheme.group_codes, t, strict=True) if row.sum() > 0)
    if design is not None and not isinstance(design, Design):
        raise TypeError(f"design must be a Design; got {type(design).__name__}")
    if design is not None and design.shared:
        cyc = cyc_name
        chosen = [u for u, k, n in zip(units_list, sel, dense.sum(axis=(1, 2, 3)), strict=True)
                  if k and n > 0]  # fmt: skip
        res = _design_table(design, t, cycle=cyc, units=chosen, dim=d, scheme=scheme)
    else:
        res = chi2_homogeneity(t, method=method, n_resamples=n_resamples, rng=rng)
    return replace_result(res, labels=groups)


def _design_table(design: Design, t, *, cycle, units, dim, scheme):
    """:func:`rao_scott` of the groups × valid levels table ``t`` from the design's answers."""
    valid, _sat, _pts = scheme_vectors(scheme)
    code = design.levels[:, dim]
    cyc_lut = np.array([str(c) for c in design.cycles], object) == str(cycle)
    unit_lut = np.isin(np.array([str(u) for u in design.units], object), units)
    G, L = t.shape
    size = design.n_clusters * G * L
    if cyc_lut.all() and unit_lut.all() and size <= 4 * len(code) + 1024:
        # every answer's cycle and unit chosen, and fewer sums than about the answers: the
        # sums (whole counts: summed or not, rao_scott's result is the same, tested)
        cell, cluster, count = _respondent_cells(design, dim, valid, G)
        return _checked(design, t, cell, cluster, count)
    pos = np.cumsum(valid) - 1  # a valid level's column
    keep = valid[code]
    if not cyc_lut.all():
        keep &= cyc_lut[design.cyc]
    if not unit_lut.all():
        keep &= unit_lut[design.unit]
    cell = design.group[keep] * L + pos[code[keep]]
    cluster, count = design.cluster[keep], design.count[keep]
    if size <= 4 * len(cell) + 1024:
        # the answers summed per respondent × cell first (whole counts: exact), far fewer
        # than the answers; rao_scott reads only those sums, so its result is the same
        summed = np.bincount(cluster * (G * L) + cell, weights=count, minlength=size)
        obs = np.flatnonzero(summed)
        cluster, cell, count = obs // (G * L), obs % (G * L), summed[obs]
    return _checked(design, t, cell, cluster, count)


def _respondent_cells(design: Design, dim: int, valid, groups: int):
    """The answers of dimension ``dim`` summed per respondent × cell of the groups × valid
    levels table, as :func:`_design_table` sums them (the same sums, in the same order: the
    sums that are not 0, by respondent then cell ``group * valid levels + level``).

    Each respondent has one group (clusters nested in strata): their cells are their forms
    per level (:func:`~evalstats.stats.design.cluster_level_counts`, counted once per design
    for every dimension and test) placed in their group's row.  Otherwise every level is
    counted per respondent × group in one pass over the answers and the valid levels' columns
    kept."""
    width = len(valid)  # the levels and the blank
    cells = groups * int(valid.sum())
    group = cluster_groups(design)
    if group is not None and int(group.max(initial=0)) < groups:
        per = cluster_level_counts(design, width)[dim][:, valid]  # [respondent, valid level]
        obs = np.flatnonzero(per)
        levels = per.shape[1]
        cluster = obs // levels
        return group[cluster] * levels + obs % levels, cluster, per.ravel()[obs]
    code = design.levels[:, dim]
    key = design.cluster * (groups * width)
    key += design.group * width
    key += code if code.min(initial=0) >= 0 else code % width  # a blank -1: the last level
    size = design.n_clusters * groups * width
    if bool((design.count == 1).all()):  # each pattern one form: the same floats unweighted
        summed = np.bincount(key, minlength=size).astype(float)
    else:
        summed = np.bincount(key, weights=design.count, minlength=size)
    del key
    summed = summed.reshape(-1, width)[:, valid].ravel()
    obs = np.flatnonzero(summed)
    return obs % cells, obs // cells, summed[obs]


def _checked(design: Design, t, cell, cluster, count) -> TestResult:
    """:func:`rao_scott` of the answers (cell, respondent, forms), once they add up to ``t``."""
    G, L = t.shape
    got = np.bincount(cell, weights=count, minlength=G * L).reshape(G, L)
    if not np.array_equal(np.rint(got), t):
        raise ValueError("design does not match counts: the groups × levels table differs")
    return rao_scott(cell, cluster, count, stratum=design.stratum, shape=(G, L))


def rao_scott(cell, cluster, count, *, stratum, shape) -> TestResult:
    """Rao–Scott design-adjusted χ² test of homogeneity from clustered answers.

    Parameters
    ----------
    cell : int array
        Each observation's cell of the ``r × c`` table (``row * c + column``).
    cluster : int array
        Each observation's cluster (respondent).
    count : array
        Each observation's weight (forms).
    stratum : int array
        The stratum of every cluster of the design (``stratum[c]``); all of them count in
        ``n_h``, as for a domain of the whole design.
    shape : (int, int)

    Returns
    -------
    TestResult
        ``test="chi2_homogeneity"``, ``method="rao-scott"``: ``statistic`` the F statistic
        ``X² / tr(Δ)``, ``df`` its numerator degrees of freedom ``d₀ = tr(Δ)² / tr(Δ²)`` (the
        denominator's, ``d₀·ν``, in ``note``), ``effect_size`` Cramér's V of ``X²``.

    Notes
    -----
    ``X²`` is Pearson's statistic of the table; ``Δ = (C'D⁻¹C/N)⁻¹ C'D⁻¹VD⁻¹C`` with ``p`` the
    cell proportions, ``D = diag(p)``, ``C`` a basis of the interaction contrasts (the
    saturated model's interaction columns less their projection on the main effects) and
    ``V`` the linearised (respondents as clusters, groups as strata) covariance of ``p``;
    ``ν`` the clusters with an answer minus their strata.  The p-value is that of
    ``F(d₀, d₀·ν)`` — Rao & Scott (1984), as R ``survey::svychisq(~group + level, design)``
    (its default ``statistic = "F"``; Lumley 2010, ch. 6).

    References
    ----------
    .. [1] Rao JNK, Scott AJ (1984). On chi-squared tests for multiway contingency tables
           with cell proportions estimated from survey data. Annals of Statistics 12:46-60.
    .. [2] Lumley T (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.

    Examples
    --------
    >>> r = rao_scott(np.array([0, 1, 2, 3, 0, 3]), np.arange(6), np.ones(6),
    ...     stratum=np.zeros(6, int), shape=(2, 2))
    >>> r.method, r.df
    ('rao-scott', 1.0)
    """
    cell = np.asarray(cell, np.int64)
    cluster = np.asarray(cluster, np.int64)
    count = np.asarray(count, float)
    stratum = np.asarray(stratum, np.int64)
    r0, c0 = shape
    t = np.bincount(cell, weights=count, minlength=r0 * c0).reshape(r0, c0)
    rows, cols = t.sum(axis=1) > 0, t.sum(axis=0) > 0
    r, c = int(rows.sum()), int(cols.sum())
    N = float(t.sum())
    if r < 2 or c < 2:
        note = "fewer than two non-empty rows or columns: nothing to compare"
        df = float(max(r - 1, 0) * max(c - 1, 0))
        return TestResult("chi2_homogeneity", _NAN, _NAN, df, "rao-scott", int(N),
                          effect_size_name="cramers_v", note=note)  # fmt: skip
    # the cells of the non-empty rows and columns, in row-major order
    new_of = np.full(r0 * c0, -1, np.int64)
    keep = np.outer(rows, cols).ravel()
    new_of[keep] = np.arange(r * c)
    k = new_of[cell]
    tt = t[rows][:, cols]
    p = tt.ravel() / N
    expected = np.outer(tt.sum(axis=1), tt.sum(axis=0)) / N
    x2 = float(((tt - expected) ** 2 / expected).sum())
    # linearised covariance of p: z_i = (counts_i − p·m_i) / N per cluster
    ucl, inv = compact_codes(cluster)
    # each (cluster, cell) sum adds its terms in the order of the observations, as
    # np.add.at(Zc, (inv, k), count) does: the same sums to the bit, in one linear pass
    Zc = np.bincount(inv * (r * c) + k, weights=count, minlength=len(ucl) * r * c)
    Zc = Zc.reshape(len(ucl), r * c)
    Z = (Zc - np.outer(Zc.sum(axis=1), p)) / N
    n_strata = int(stratum.max()) + 1
    n_h = np.bincount(stratum, minlength=n_strata).astype(float)
    h = stratum[ucl]
    V = np.zeros((r * c, r * c))
    for s in np.unique(h):
        Zh = Z[h == s]
        if n_h[s] > 1:
            tot = Zh.sum(axis=0)
            V += n_h[s] / (n_h[s] - 1) * (Zh.T @ Zh - np.outer(tot, tot) / n_h[s])
    nu = float(len(ucl) - len(np.unique(h)))
    # interaction contrasts orthogonal to the main effects (R: qr.resid(qr(X1), X12[, int]))
    ri, ci = np.divmod(np.arange(r * c), c)
    R_ = (ri[:, None] == np.arange(1, r)).astype(float)
    C_ = (ci[:, None] == np.arange(1, c)).astype(float)
    X1 = np.column_stack([np.ones(r * c), R_, C_])
    X12 = (R_[:, :, None] * C_[:, None, :]).reshape(r * c, -1)
    Cm = X12 - X1 @ np.linalg.lstsq(X1, X12, rcond=None)[0]
    iD = np.diag(np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0))
    denom = Cm.T @ (iD / N) @ Cm
    numr = Cm.T @ iD @ V @ iD @ Cm
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    d0 = tr**2 / float(np.trace(delta @ delta))
    F = x2 / tr
    pval = float(f_sf(F, d0, d0 * nu)) if nu > 0 else _NAN
    v = math.sqrt(x2 / (N * (min(r, c) - 1)))
    return TestResult(
        "chi2_homogeneity",
        F,
        pval,
        d0,
        "rao-scott",
        round(N),
        effect_size=v,
        effect_size_name="cramers_v",
        note=f"X2 = {x2:.6g}, denominator df = {d0 * nu:.6g}",
    )
