"""Change of the satisfied rate and the score between two cycles (:func:`compare_cycles`).

Per unit × dimension (or coarser) row: the two cycles' rates and scores, the difference of
rates with its interval and score test, the difference of scores with Welch's t, and the
p-values adjusted across the table; a row whose forms are in one cycle only is kept and says
so in ``present``.

Examples
--------
>>> COMPARE_KEYS, PRESENT
(('unit', 'group', 'dimension', 'series'), ('both', 'before_only', 'after_only'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalstats.core.options import check_confidence_level, check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.compare.clustered import DESIGN_TEST, design_change
from evalstats.stats.compare.rates import rate_score_test, rate_test_name
from evalstats.stats.compare.tallies import one_cycle, scheme_vectors
from evalstats.stats.design import Design
from evalstats.stats.distributions import t_quantile, t_sf
from evalstats.stats.intervals import DIFFERENCE_METHODS, difference_bounds
from evalstats.stats.multitest import ADJUST_METHODS, adjust_pvalues, check_alpha
from evalstats.stats.score.cells import Levels
from evalstats.stats.units import check_units_table

__all__ = ["COMPARE_COLUMNS", "COMPARE_KEYS", "PRESENT", "compare_cycles"]

COMPARE_KEYS = ("unit", "group", "dimension", "series")
PRESENT = ("both", "before_only", "after_only")
COMPARE_COLUMNS = [
    "present",
    "cycle_before",
    "cycle_after",
    "n_valid_before",
    "n_valid_after",
    "satisfied_rate_before",
    "satisfied_rate_after",
    "rate_diff",
    "rate_diff_ci_low",
    "rate_diff_ci_high",
    "rate_statistic",
    "rate_pvalue",
    "rate_pvalue_adjusted",
    "rate_significant",
    "score_before",
    "score_after",
    "score_diff",
    "score_diff_ci_low",
    "score_diff_ci_high",
    "score_statistic",
    "score_df",
    "score_pvalue",
    "score_pvalue_adjusted",
    "score_significant",
    "confidence_level",
    "ci_method",
    "rate_test",
    "score_test",
    "adjust_method",
    "alpha",
]


def _align(dense, units, all_units):
    out = np.zeros((len(all_units), *dense.shape[1:]), np.int64)
    idx = pd.Index(all_units).get_indexer(units)
    out[idx] = dense
    return out


def _series_index(all_units, units_df, scheme: Scheme):
    table = dict(zip(units_df["unit"], units_df["series"].astype(str), strict=True))
    missing = [u for u in all_units if u not in table]
    if missing:
        raise ValueError(f"units has no row for unit(s) {missing} found in the counts")
    cats = list(scheme.series_codes)
    cats += [s for s in dict.fromkeys(table[u] for u in all_units) if s not in cats]
    return np.array([cats.index(table[u]) for u in all_units], np.int64), cats


def _check_by(by, units) -> tuple[str, ...]:
    if isinstance(by, str):
        by = (by,)
    if not isinstance(by, Sequence) or not all(isinstance(b, str) for b in by):
        raise TypeError(f"by must be a sequence of column names; got {by!r}")
    by = tuple(by)
    for b in by:
        check_option("by", b, COMPARE_KEYS)
    if len(set(by)) != len(by):
        raise ValueError(f"by names a column twice: {list(by)}")
    if "series" in by and units is None:
        raise ValueError("by='series' needs units= (a table with columns unit, series)")
    return by


def _pool(cells, by, codes, sizes):
    """Sum ``cells[u, g, d, level]`` into ``[key, level]`` for the keys ``by``."""
    L = cells.shape[-1]
    flat = cells.reshape(-1, L)
    shape = tuple(sizes[b] for b in by)
    if by:
        key = np.ravel_multi_index(tuple(codes[b] for b in by), shape)
    else:
        key = np.zeros(flat.shape[0], np.int64)
    nkeys = int(np.prod(shape)) if by else 1
    out = np.zeros((nkeys, L), np.int64)
    np.add.at(out, key, flat)
    return out, shape


def _cell_stats(S, valid, satisfied, points, deff):
    """n_valid, satisfied k, score, answer variance and effective n of pooled level counts."""
    nv = S[:, valid].sum(-1).astype(float)
    k = S[:, satisfied].sum(-1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (S * points).sum(-1) / nv
        dev = np.where(valid, (points - score[:, None]) ** 2, 0.0)
        ss = (S * np.nan_to_num(dev)).sum(-1)
        var = np.where(nv > 1, ss / (nv - 1), np.nan)
        rate = k / nv
    n_eff = nv / deff
    return nv, k, rate, score, var, n_eff


def compare_cycles(
    counts_before: pd.DataFrame,
    counts_after: pd.DataFrame,
    *,
    by: Sequence[str] = ("unit", "dimension"),
    scheme: Scheme | None = None,
    method: str = "newcombe",
    adjust: str = "holm",
    alpha: float = 0.05,
    confidence_level: float = 0.95,
    units: pd.DataFrame | None = None,
    design_before: Design | None = None,
    design_after: Design | None = None,
) -> pd.DataFrame:
    """Change of the satisfied rate and the score between two cycles, with tests.

    Parameters
    ----------
    counts_before, counts_after : DataFrame
        Tallies (:func:`evalstats.counts.tally.tally`) of one cycle each (the earlier and the
        later).
    by : sequence of str
        Keys among ``unit, group, dimension, series`` (default ``("unit", "dimension")``);
        rows pool the counts of everything not named (``()``: one row for all).
        ``series`` needs ``units``.
    scheme : Scheme, path or None
    method : {"newcombe", "miettinen-nurminen"}
        Interval of the rate difference (:func:`difference_ci`) and its test
        (:func:`rate_difference`).
    adjust : {"holm", "bh", "bonferroni", "none"}
        Multiplicity adjustment across the rows of the table
        (:func:`evalstats.stats.multitest.adjust_pvalues`), separately for the rate tests and the
        score tests.
    alpha : float
        Level for ``rate_significant`` / ``score_significant`` (on the adjusted p-values).
    confidence_level : float
    units : DataFrame, optional
        Columns ``unit, series`` (``name`` optional); needed for ``by`` with ``series``.
    design_before, design_after : Design, optional
        The cycles' sampling designs (:func:`evalstats.stats.design.respondent_design` of each
        cycle's forms).  Where forms share respondents, or the same respondents answered in
        both cycles, the rows' variances are design-based
        (:mod:`evalstats.stats.compare.clustered`); otherwise they change nothing.

    Returns
    -------
    DataFrame
        The ``by`` columns, then ``COMPARE_COLUMNS``: ``present`` (``"both"``,
        ``"before_only"``, ``"after_only"``), ``cycle_before``, ``cycle_after``,
        ``n_valid_before``, ``n_valid_after``, ``satisfied_rate_before``,
        ``satisfied_rate_after``, ``rate_diff`` (after − before) with
        ``rate_diff_ci_low/high``, ``rate_statistic``, ``rate_pvalue``,
        ``rate_pvalue_adjusted``, ``rate_significant``, ``score_before``, ``score_after``,
        ``score_diff`` with ``score_diff_ci_low/high``, ``score_statistic``, ``score_df``,
        ``score_pvalue``, ``score_pvalue_adjusted``, ``score_significant``,
        ``confidence_level``, ``ci_method``, ``rate_test``, ``score_test``,
        ``adjust_method``, ``alpha``.  One row per key combination with forms in at least
        one cycle; a row whose forms are in one cycle only says so in ``present`` and has
        NaN differences and tests (never dropped).  ``*_significant`` is a nullable boolean
        (<NA> where there is no test).

    Notes
    -----
    *Rates and scores* pool the counts of the row, as :func:`evalstats.stats.score.metrics` does
    (not the group-weighted ``weighted_score``).

    *Rate difference*: :func:`difference_ci` on (satisfied, valid) of the two cycles; test
    as :func:`rate_difference`.

    *Score difference*: Welch's unequal-variance t [4]_ from the answer-level variances
    ``s² = Σ count·(points − score)² / (n − 1)`` of each cycle: ``se² = s²_a/n_a + s²_b/n_b``,
    Welch–Satterthwaite degrees of freedom, interval ``diff ± t·se`` and a two-sided t test.
    Undefined (NaN) with fewer than two valid answers in a cycle, or when every answer of
    both cycles is the same level (``se = 0``; the interval is then the point).

    *Rows that pool dimensions* (``dimension`` not in ``by``) hold one answer per dimension
    from each form, and a form's answers are correlated; the effective sample size is taken
    as ``n_valid / D`` (design effect at its bound, as in :mod:`evalstats.stats.score`), which is
    conservative.

    *Shared respondents* (``design_before`` / ``design_after``): see
    :mod:`evalstats.stats.compare.clustered`.  Rows estimated from one design of both cycles
    (linked respondents) name ``design-t`` in ``ci_method``, ``rate_test`` and ``score_test``.

    *The family* for the adjustment is the rows of the returned table that have a p-value.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import tally
    >>> s = load_scheme()
    >>> def forms(cycle, levels):
    ...     n = len(levels)
    ...     return pd.DataFrame({"cycle": cycle, "unit": pd.Categorical(["U1"] * n),
    ...         "group": pd.Categorical(["public"] * n, categories=s.group_codes)}
    ...         | {d: pd.Categorical(levels, dtype=s.level_dtype) for d in s.dimension_codes})
    >>> before = tally(forms("2026H1", ["satisfied"] * 56 + ["dissatisfied"] * 14))
    >>> after = tally(forms("2026A", ["satisfied"] * 48 + ["dissatisfied"] * 32))
    >>> t = compare_cycles(before, after)
    >>> row = t[t["dimension"] == "efficiency"].iloc[0]
    >>> round(float(row["rate_diff"]), 4), round(float(row["rate_diff_ci_low"]), 4)
    (-0.2, -0.3339)
    """
    scheme = resolve_scheme(scheme)
    opts = _check_options(
        by=by,
        method=method,
        adjust=adjust,
        alpha=alpha,
        confidence_level=confidence_level,
        units=units,
    )
    pooled = _pool_cycles(counts_before, counts_after, opts=opts, scheme=scheme)
    valid, satisfied, points = scheme_vectors(scheme)
    deff = 1.0 if "dimension" in opts.by else float(pooled.n_dimensions)
    cells_b = _cell_stats(pooled.before, valid, satisfied, points, deff)
    cells_a = _cell_stats(pooled.after, valid, satisfied, points, deff)
    dc = None
    if design_before is not None or design_after is not None:
        dc = _design_change(
            pooled, design_before, design_after, cells_b, cells_a, opts=opts, scheme=scheme
        )
    columns = _key_columns(pooled, opts.by)
    columns |= _cycle_columns(pooled, cells_b, cells_a)
    columns |= _rate_change(cells_b, cells_a, opts, dc)
    columns |= _score_change(cells_b, cells_a, points[valid], opts, dc)
    columns |= _method_columns(len(pooled.rows), opts, dc)
    ordered = {k: columns[k] for k in [*opts.by, *COMPARE_COLUMNS]}
    return pd.DataFrame(
        {k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in ordered.items()}
    )


@dataclass(frozen=True)
class _Options:
    """The checked options of one :func:`compare_cycles` call."""

    by: tuple[str, ...]
    method: str
    adjust: str
    alpha: float
    level: float
    units: pd.DataFrame | None


@dataclass(frozen=True)
class _Pooled:
    """Level counts ``[row, level]`` of the two cycles for the rows with forms in either."""

    before: np.ndarray
    after: np.ndarray
    forms_before: np.ndarray  # [row] bool: the row has forms in the earlier cycle
    forms_after: np.ndarray
    rows: np.ndarray  # flat key index of each row
    shape: tuple[int, ...]  # sizes of the ``by`` keys
    series_index: np.ndarray  # series of each unit (position in categories["series"])
    categories: dict  # key -> its categories
    cycle_before: str
    cycle_after: str
    n_dimensions: int


def _check_options(*, by, method, adjust, alpha, confidence_level, units) -> _Options:
    by = _check_by(by, units)
    method = check_option("method", method, DIFFERENCE_METHODS)
    adjust = check_option("adjust", adjust, ADJUST_METHODS)
    alpha = check_alpha(alpha)
    level = check_confidence_level(confidence_level)
    units_df = None if units is None else check_units_table(units)
    return _Options(by, method, adjust, alpha, level, units_df)


def _units_of_both(before, units_b, after, units_a):
    """Both cycles' counts on one unit axis: units with forms, the earlier cycle's first."""
    has_b = before.sum(axis=(1, 2, 3)) > 0
    has_a = after.sum(axis=(1, 2, 3)) > 0
    all_units = [u for u, h in zip(units_b, has_b, strict=True) if h]
    all_units += [u for u, h in zip(units_a, has_a, strict=True) if h and u not in all_units]
    before = _align(before[has_b], [u for u, h in zip(units_b, has_b, strict=True) if h], all_units)
    after = _align(after[has_a], [u for u, h in zip(units_a, has_a, strict=True) if h], all_units)
    return before, after, all_units


def _pool_cycles(counts_before, counts_after, *, opts: _Options, scheme: Scheme) -> _Pooled:
    """Both cycles' counts pooled into the rows of the table (keys ``opts.by``)."""
    before, cyc_b, units_b = one_cycle(counts_before, "counts_before", scheme)
    after, cyc_a, units_a = one_cycle(counts_after, "counts_after", scheme)
    if cyc_b == cyc_a:
        raise ValueError(f"counts_before and counts_after hold the same cycle {cyc_b!r}")
    before, after, all_units = _units_of_both(before, units_b, after, units_a)

    by = opts.by
    U, G, D, _L = before.shape
    if "series" in by:
        ser_idx, series_cats = _series_index(all_units, opts.units, scheme)
    else:
        ser_idx, series_cats = np.zeros(U, np.int64), [""]
    uu, gg, dd = (a.ravel() for a in np.indices((U, G, D)))
    codes = {"unit": uu, "group": gg, "dimension": dd, "series": ser_idx[uu]}
    sizes = {"unit": U, "group": G, "dimension": D, "series": len(series_cats)}
    S_b, shape = _pool(before, by, codes, sizes)
    S_a, _ = _pool(after, by, codes, sizes)
    forms_b = S_b.sum(-1) > 0
    forms_a = S_a.sum(-1) > 0
    rows = np.flatnonzero(forms_b | forms_a)
    categories = {
        "unit": all_units,
        "group": scheme.group_codes,
        "dimension": scheme.dimension_codes,
        "series": series_cats,
    }
    return _Pooled(
        S_b[rows],
        S_a[rows],
        forms_b[rows],
        forms_a[rows],
        rows,
        shape,
        ser_idx,
        categories,
        cyc_b,
        cyc_a,
        D,
    )


def _design_change(pooled: _Pooled, before, after, cells_b, cells_a, *, opts, scheme):
    """The rows' design-based variances (:func:`.clustered.design_change`)."""
    for name, d in (("design_before", before), ("design_after", after)):
        if d is not None and not isinstance(d, Design):
            raise TypeError(f"{name} must be a Design; got {type(d).__name__}")
    by, shape = opts.by, pooled.shape
    pos = np.full(int(np.prod(shape)) if by else 1, -1, np.int64)
    pos[pooled.rows] = np.arange(len(pooled.rows))

    def key_of(unit, group, dim):
        codes = {"unit": unit, "group": group, "dimension": dim}
        codes["series"] = pooled.series_index[unit]
        if not by:
            return np.zeros(len(unit), np.int64)
        return pos[np.ravel_multi_index(tuple(codes[b] for b in by), shape)]

    row_unit = None
    if "unit" in by:
        row_unit = np.unravel_index(pooled.rows, shape)[by.index("unit")]
    return design_change(
        before,
        after,
        cycles=(pooled.cycle_before, pooled.cycle_after),
        units=pooled.categories["unit"],
        key_of=key_of,
        row_unit=row_unit,
        nrow=len(pooled.rows),
        by_unit="unit" in by,
        lv=Levels(scheme),
        level=opts.level,
        n_valid=(cells_b[0], cells_a[0]),
        rate=(cells_b[2], cells_a[2]),
    )


def _key_columns(pooled: _Pooled, by) -> dict:
    """The ``by`` columns: a Categorical per key."""
    out: dict = {}
    key_codes = np.unravel_index(pooled.rows, pooled.shape) if by else ()
    for b, c in zip(by, key_codes, strict=True):
        out[b] = pd.Categorical.from_codes(c, categories=list(pooled.categories[b]))
    return out


def _cycle_columns(pooled: _Pooled, cells_b, cells_a) -> dict:
    """``present``, the cycles, and each cycle's valid answers and satisfied rate."""
    fb, fa = pooled.forms_before, pooled.forms_after
    present = np.where(fb & fa, "both", np.where(fb, "before_only", "after_only"))
    n = len(pooled.rows)
    return {
        "present": pd.Categorical(present, categories=list(PRESENT)),
        "cycle_before": pd.Series([pooled.cycle_before] * n, dtype="str"),
        "cycle_after": pd.Series([pooled.cycle_after] * n, dtype="str"),
        "n_valid_before": cells_b[0].astype(np.int64),
        "n_valid_after": cells_a[0].astype(np.int64),
        "satisfied_rate_before": cells_b[2],
        "satisfied_rate_after": cells_a[2],
    }


def _significant(adj, p):
    """Nullable boolean: rejected by the adjustment, <NA> where there is no test."""
    s = pd.array(adj.reject, dtype="boolean")
    s[np.isnan(p)] = pd.NA
    return s


def _rate_change(cells_b, cells_a, opts: _Options, dc=None) -> dict:
    """Difference of satisfied rates (after − before) on effective counts, with its test."""
    nv_b, _k_b, r_b, _s_b, _v_b, ne_b = cells_b
    nv_a, _k_a, r_a, _s_a, _v_a, ne_a = cells_a
    if dc is not None:  # a cycle with a design-based variance: its effective answers
        ne_b = np.where(dc.used_before & ~dc.joint, dc.n_eff_before, ne_b)
        ne_a = np.where(dc.used_after & ~dc.joint, dc.n_eff_after, ne_a)
    with np.errstate(invalid="ignore"):
        ke_a = np.where(nv_a > 0, r_a * ne_a, np.nan)
        ke_b = np.where(nv_b > 0, r_b * ne_b, np.nan)
    low, high = difference_bounds(ke_a, ne_a, ke_b, ne_b, method=opts.method, level=opts.level)
    rate_z, rate_p = rate_score_test(ke_a, ne_a, ke_b, ne_b, opts.method)
    if dc is not None and dc.joint.any():
        j = _design_t(r_a - r_b, dc.var_diff_rate, dc.df_diff, opts.level, span=1.0)
        low, high = np.where(dc.joint, j[0], low), np.where(dc.joint, j[1], high)
        rate_z, rate_p = np.where(dc.joint, j[2], rate_z), np.where(dc.joint, j[3], rate_p)
    rate_adj = adjust_pvalues(rate_p, method=opts.adjust, alpha=opts.alpha)
    return {
        "rate_diff": r_a - r_b,
        "rate_diff_ci_low": low,
        "rate_diff_ci_high": high,
        "rate_statistic": rate_z,
        "rate_pvalue": rate_p,
        "rate_pvalue_adjusted": rate_adj.adjusted,
        "rate_significant": _significant(rate_adj, rate_p),
    }


def _score_change(cells_b, cells_a, valid_points, opts: _Options, dc=None) -> dict:
    """Difference of scores (after − before): Welch's t interval and test."""
    _nv_b, _k_b, _r_b, s_b, v_b, ne_b = cells_b
    _nv_a, _k_a, _r_a, s_a, v_a, ne_a = cells_a
    level = opts.level
    score_diff = s_a - s_b
    with np.errstate(invalid="ignore", divide="ignore"):
        va, vb = v_a / ne_a, v_b / ne_b
        df_a, df_b = ne_a - 1, ne_b - 1
        if dc is not None:  # a cycle with a design-based variance: its variance and df
            ind_b, ind_a = dc.used_before & ~dc.joint, dc.used_after & ~dc.joint
            vb, df_b = np.where(ind_b, dc.var_score_before, vb), np.where(ind_b, dc.df_before, df_b)
            va, df_a = np.where(ind_a, dc.var_score_after, va), np.where(ind_a, dc.df_after, df_a)
        se = np.sqrt(va + vb)
        welch_df = np.where(se > 0, (va + vb) ** 2 / (va**2 / df_a + vb**2 / df_b), np.inf)
        ok = np.isfinite(se) & (df_a > 0) & (df_b > 0) & np.isfinite(score_diff)
        q = t_quantile(1 - (1 - level) / 2, np.where(ok & (se > 0), welch_df, 1.0))
        half = np.where(se > 0, q * se, 0.0)
        span = valid_points.max() - valid_points.min()
        s_low = np.where(ok, np.maximum(score_diff - half, -span), np.nan)
        s_high = np.where(ok, np.minimum(score_diff + half, span), np.nan)
        tested = ok & (se > 0)
        t_stat = np.where(tested, score_diff / se, np.nan)
        t_p = np.where(tested, 2 * t_sf(np.abs(t_stat), np.where(tested, welch_df, 1)), np.nan)
        welch_df = np.where(tested, welch_df, np.nan)
    if dc is not None and dc.joint.any():
        span = valid_points.max() - valid_points.min()
        j = _design_t(score_diff, dc.var_diff_score, dc.df_diff, level, span=span)
        s_low, s_high = np.where(dc.joint, j[0], s_low), np.where(dc.joint, j[1], s_high)
        t_stat, t_p = np.where(dc.joint, j[2], t_stat), np.where(dc.joint, j[3], t_p)
        welch_df = np.where(dc.joint, np.where(np.isfinite(j[3]), dc.df_diff, np.nan), welch_df)
    score_adj = adjust_pvalues(t_p, method=opts.adjust, alpha=opts.alpha)
    return {
        "score_before": s_b,
        "score_after": s_a,
        "score_diff": score_diff,
        "score_diff_ci_low": s_low,
        "score_diff_ci_high": s_high,
        "score_statistic": t_stat,
        "score_df": welch_df,
        "score_pvalue": t_p,
        "score_pvalue_adjusted": score_adj.adjusted,
        "score_significant": _significant(score_adj, t_p),
    }


def _design_t(diff, var, df, level, *, span):
    """``diff ± t_df·se`` cut to ``±span``, ``t = diff/se`` and its two-sided p-value (rows
    estimated from one design of both cycles)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(var)
        ok = np.isfinite(diff) & np.isfinite(se) & (df >= 1)
        q = t_quantile(1 - (1 - level) / 2, np.where(ok, df, 1.0))
        half = np.where(se > 0, q * se, 0.0)
        low = np.where(ok, np.maximum(diff - half, -span), np.nan)
        high = np.where(ok, np.minimum(diff + half, span), np.nan)
        tested = ok & (se > 0)
        t = np.where(tested, diff / se, np.nan)
        p = np.where(tested, 2 * t_sf(np.abs(t), np.where(tested, df, 1.0)), np.nan)
    return low, high, t, p


def _method_columns(n: int, opts: _Options, dc=None) -> dict:
    """The level, methods and alpha, repeated on every row (``design-t`` on rows estimated
    from one design of both cycles)."""
    joint = np.zeros(n, bool) if dc is None else dc.joint
    ci_method = np.where(joint, DESIGN_TEST, opts.method)
    rate_test = np.where(joint, DESIGN_TEST, rate_test_name(opts.method))
    score_test = np.where(joint, DESIGN_TEST, "welch-t")
    return {
        "confidence_level": np.full(n, opts.level),
        "ci_method": pd.Series(ci_method, dtype="str"),
        "rate_test": pd.Series(rate_test, dtype="str"),
        "score_test": pd.Series(score_test, dtype="str"),
        "adjust_method": pd.Series([opts.adjust] * n, dtype="str"),
        "alpha": np.full(n, opts.alpha),
    }
