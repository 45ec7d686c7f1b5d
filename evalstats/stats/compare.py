"""Comparisons: between cycles, respondent groups and units — tests and intervals.

"Did it improve?", "do enterprises and supervisors see the unit alike?", "do the units of a
series differ?" — each answered from the tally (:func:`evalstats.counts.tally.tally`), never from
rows:

* :func:`difference_ci` — interval for a difference of two proportions (Newcombe's hybrid
  score interval by default, Miettinen–Nurminen on request), vectorised;
* :func:`rate_difference` — one difference of satisfied rates with its interval and test;
* :func:`compare_cycles` — per unit × dimension (or coarser) change of the satisfied rate and
  the score between two cycles, with intervals, tests and p-values adjusted across the table
  (:func:`evalstats.stats.multitest.adjust_pvalues`); units present in only one cycle get a row;
* :func:`rank_movement` — change of rank and standing between two rankings;
* :func:`group_homogeneity` / :func:`chi2_homogeneity` — χ² test that respondent groups give
  the same distribution of levels (Monte-Carlo p-value when expected counts are small);
* :func:`kruskal_units` / :func:`kruskal_counts` — Kruskal–Wallis across units on the ordinal
  levels, from counts (mid-ranks, ties correction);
* :func:`mann_whitney_cycles` / :func:`mann_whitney_counts` — Mann–Whitney between two cycles;
* :func:`trend_test` — Cochran–Armitage (linear-by-linear) trend test across three or more
  cycles.

Every single test returns a frozen :class:`TestResult` with ``to_frame()``: numbers and codes
only, never rounded.  The sentences are presentation and live in
:mod:`evalstats.present.changes` (``result_sentence`` for one result, ``describe_changes`` for
a whole comparison table).

References
----------
.. [1] Newcombe RG (1998). Interval estimation for the difference between independent
       proportions: comparison of eleven methods. Statistics in Medicine 17:873-890.
.. [2] Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Statistics in
       Medicine 4:213-226.
.. [3] Lydersen S, Fagerland MW, Laake P (2009). Recommended tests for association in 2 × 2
       tables. Statistics in Medicine 28:1159-1175.
.. [4] Welch BL (1947). The generalization of "Student's" problem when several different
       population variances are involved. Biometrika 34:28-35.
.. [5] Agresti A (2013). Categorical Data Analysis, 3rd ed. Wiley. (χ² tests, Cramér's V,
       linear-by-linear association M² = (N − 1)r², section 3.4.1)
.. [6] Hope ACA (1968). A simplified Monte Carlo significance test procedure. Journal of the
       Royal Statistical Society B 30:582-598. (as R's ``chisq.test(simulate.p.value=TRUE)``)
.. [7] Hollander M, Wolfe DA (1973). Nonparametric Statistical Methods. Wiley.
       (Kruskal–Wallis and Mann–Whitney with ties corrections)
.. [8] Armitage P (1955). Tests for linear trends in proportions and frequencies. Biometrics
       11:375-386.
.. [9] Fagerland MW, Lydersen S, Laake P (2017). Statistical Analysis of Contingency Tables.
       Chapman & Hall/CRC.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from evalstats.core.options import (
    check_confidence_level,
    check_n_resamples,
    check_option,
    check_rng,
)
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.counts.tally import tally, tally_to_array
from evalstats.stats.intervals import (
    DIFFERENCE_METHODS,
    check_pairs,
    difference_bounds,
)
from evalstats.stats.moved import moved_method, moved_to_present
from evalstats.stats.multitest import ADJUST_METHODS, adjust_pvalues, check_alpha
from evalstats.stats.units import check_units_table

CHI2_METHODS = ("auto", "asymptotic", "monte-carlo")
TREND_METHODS = ("cochran-armitage", "mantel-haenszel")
COMPARE_KEYS = ("unit", "group", "dimension", "series")
PRESENT = ("both", "before_only", "after_only")
RESULT_COLUMNS = [
    "test",
    "statistic",
    "df",
    "pvalue",
    "method",
    "n",
    "effect_size",
    "effect_size_name",
    "estimate",
    "estimate_name",
    "ci_low",
    "ci_high",
    "confidence_level",
    "labels",
    "note",
]
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
MOVEMENT_COLUMNS = [
    "unit",
    "unit_name",
    "series",
    "cycle_before",
    "cycle_after",
    "rank_before",
    "rank_after",
    "movement",
    "standing_before",
    "standing_after",
    "present",
    "flags",
]
_NAN = float("nan")
_MC_TOLERANCE = 1 - 64 * np.finfo(float).eps  # R's chisq.test: "almost.1"


# ====================================================================== the result object
@dataclass(frozen=True)
class TestResult:
    """Result of one statistical test.

    Attributes
    ----------
    test : str
        ``"rate_difference"``, ``"chi2_homogeneity"``, ``"kruskal_wallis"``,
        ``"mann_whitney"`` or ``"trend"``.
    statistic, pvalue, df : float
        Test statistic, two-sided p-value and degrees of freedom (NaN where not applicable).
    method : str
        How the p-value was obtained (e.g. ``"asymptotic"``, ``"monte-carlo"``).
    n : int
        Number of answers (observations) the test used.
    effect_size, effect_size_name : float, str
        An effect size and its name (``"cramers_v"``, ``"epsilon_squared"``,
        ``"probability_of_superiority"``), NaN / ``""`` when there is none.
    estimate, estimate_name, ci_low, ci_high, confidence_level : float, str
        A point estimate (e.g. a difference of rates) with its confidence interval.
    labels : tuple of str
        What was compared, e.g. the cycles ``("2026A", "2026H1")`` for an estimate
        ``first − second``.
    note : str
        Anything a reader must know (e.g. the number of Monte-Carlo tables).
    """

    __test__ = False  # not a pytest test class

    test: str
    statistic: float
    pvalue: float
    df: float
    method: str
    n: int
    effect_size: float = _NAN
    effect_size_name: str = ""
    estimate: float = _NAN
    estimate_name: str = ""
    ci_low: float = _NAN
    ci_high: float = _NAN
    confidence_level: float = _NAN
    labels: tuple[str, ...] = field(default=())
    note: str = ""

    # the sentence is presentation (issue 12)
    __getattr__ = moved_method(
        "TestResult",
        {"sentence": "evalstats.present.changes.result_sentence(r, lang, subject=..., alpha=...)"},
    )

    def to_frame(self) -> pd.DataFrame:
        """The result as a one-row DataFrame (columns ``RESULT_COLUMNS``; ``labels`` joined
        with ``" vs "``)."""
        row = asdict(self)
        row["labels"] = " vs ".join(self.labels)
        return pd.DataFrame([row], columns=RESULT_COLUMNS)

    def significant(self, alpha: float = 0.05) -> bool | None:
        """``pvalue <= alpha``; None when there is no p-value."""
        alpha = check_alpha(alpha)
        return None if math.isnan(self.pvalue) else bool(self.pvalue <= alpha)


# ====================================================================== argument checks
_check_rng = check_rng
_check_n_resamples = check_n_resamples


def _check_counts_array(name: str, x, ndim: int) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype == bool or a.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be numbers (counts); got dtype {a.dtype}")
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional; got shape {a.shape}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a != np.floor(a)):
        raise ValueError(f"{name} must hold whole numbers >= 0")
    return a


def _rate_test(k1, n1, k2, n2, method: str):
    """Score test of p1 = p2: statistic z and two-sided p-value (arrays)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        big_n = n1 + n2
        pooled = (k1 + k2) / big_n
        d = k1 / n1 - k2 / n2
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = np.where(se > 0, d / se, 0.0)
        if method == "miettinen-nurminen":
            z = z * np.sqrt((big_n - 1) / big_n)
        ok = (n1 > 0) & (n2 > 0) & (big_n > 1 if method == "miettinen-nurminen" else True)
    z = np.where(ok, z, np.nan)
    p = np.where(ok, 2 * special.ndtr(-np.abs(z)), np.nan)
    return z, np.minimum(p, 1.0)


def _rate_test_name(method: str) -> str:
    return "score-z" if method == "newcombe" else "miettinen-nurminen-score"


def rate_difference(
    k1,
    n1,
    k2,
    n2,
    *,
    method: str = "newcombe",
    confidence_level: float = 0.95,
    labels: Sequence[str] = (),
) -> TestResult:
    """Difference of two independent proportions ``k1/n1 − k2/n2``: interval and test.

    Parameters
    ----------
    k1, n1, k2, n2 : int
        Successes and trials of the two samples (e.g. satisfied answers and valid answers of
        the later and the earlier cycle).
    method : {"newcombe", "miettinen-nurminen"}
        Interval (:func:`difference_ci`) and matching test, see Notes.
    confidence_level : float
    labels : sequence of two str, optional
        Names of the two samples (e.g. cycles ``("2026A", "2026H1")``), used by
        :func:`evalstats.present.changes.result_sentence`.

    Returns
    -------
    TestResult
        ``test="rate_difference"``, ``estimate`` the difference, ``statistic`` the z score,
        ``effect_size`` the difference itself (``"rate_difference"``).

    Notes
    -----
    With ``"newcombe"`` the test is the score (pooled-variance) z test, ``z² ==`` Pearson's
    χ² without continuity correction (R ``prop.test(correct = FALSE)``), which keeps its
    level well in small samples [3]_.  With ``"miettinen-nurminen"`` it is the MN score test
    of Δ = 0, ``z·sqrt((N − 1)/N)`` — the test the MN interval inverts, so ``p <= 1 − level``
    exactly when the interval excludes 0.  When both samples are all successes (or all
    failures) the difference is 0 and ``p = 1``.

    Examples
    --------
    >>> r = rate_difference(56, 70, 48, 80)
    >>> round(r.estimate, 4), round(r.ci_low, 4), round(r.ci_high, 4)
    (0.2, 0.0524, 0.3339)
    """
    method = check_option("method", method, DIFFERENCE_METHODS)
    level = check_confidence_level(confidence_level)
    if not all(np.ndim(v) == 0 for v in (k1, n1, k2, n2)):
        raise ValueError("rate_difference takes single counts; use difference_ci for arrays")
    labels = _check_labels(labels)
    k1, n1, k2, n2 = (float(v) for v in check_pairs(k1, n1, k2, n2))
    low, high = difference_bounds(k1, n1, k2, n2, method, level)
    z, p = _rate_test(np.float64(k1), np.float64(n1), np.float64(k2), np.float64(n2), method)
    est = k1 / n1 - k2 / n2 if n1 > 0 and n2 > 0 else _NAN
    return TestResult(
        test="rate_difference",
        statistic=float(z),
        pvalue=float(p),
        df=_NAN,
        method=_rate_test_name(method),
        n=int(n1 + n2),
        effect_size=est,
        effect_size_name="rate_difference",
        estimate=est,
        estimate_name="rate_difference",
        ci_low=float(low),
        ci_high=float(high),
        confidence_level=level,
        labels=labels,
        note=f"interval: {method}",
    )


def _check_labels(labels) -> tuple[str, ...]:
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise TypeError(f"labels must be a sequence of two str; got {labels!r}")
    labels = tuple(labels)
    if labels and (len(labels) != 2 or not all(isinstance(v, str) for v in labels)):
        raise ValueError(f"labels must be two str (first, second); got {labels!r}")
    return labels


# ====================================================================== tallies
def _scheme_vectors(scheme: Scheme):
    """valid, satisfied and points per tally level (scheme levels, then blank)."""
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


def _one_cycle(counts, name: str, scheme: Scheme, cycle=None):
    """Dense ``[unit, group, dimension, level]`` of one cycle of a tally."""
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


# ====================================================================== cycle comparison
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
    by = _check_by(by, units)
    method = check_option("method", method, DIFFERENCE_METHODS)
    adjust = check_option("adjust", adjust, ADJUST_METHODS)
    alpha = check_alpha(alpha)
    level = check_confidence_level(confidence_level)
    units_df = None if units is None else check_units_table(units)
    before, cyc_b, units_b = _one_cycle(counts_before, "counts_before", scheme)
    after, cyc_a, units_a = _one_cycle(counts_after, "counts_after", scheme)
    if cyc_b == cyc_a:
        raise ValueError(f"counts_before and counts_after hold the same cycle {cyc_b!r}")

    has_b = before.sum(axis=(1, 2, 3)) > 0
    has_a = after.sum(axis=(1, 2, 3)) > 0
    all_units = [u for u, h in zip(units_b, has_b, strict=True) if h]
    all_units += [u for u, h in zip(units_a, has_a, strict=True) if h and u not in all_units]
    before = _align(before[has_b], [u for u, h in zip(units_b, has_b, strict=True) if h], all_units)
    after = _align(after[has_a], [u for u, h in zip(units_a, has_a, strict=True) if h], all_units)

    U, G, D, _L = before.shape
    if "series" in by:
        ser_idx, series_cats = _series_index(all_units, units_df, scheme)
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
    S_b, S_a = S_b[rows], S_a[rows]
    forms_b, forms_a = forms_b[rows], forms_a[rows]

    valid, satisfied, points = _scheme_vectors(scheme)
    deff = 1.0 if "dimension" in by else float(D)
    nv_b, _k_b, r_b, s_b, v_b, ne_b = _cell_stats(S_b, valid, satisfied, points, deff)
    nv_a, _k_a, r_a, s_a, v_a, ne_a = _cell_stats(S_a, valid, satisfied, points, deff)

    # rate difference (after − before) on effective counts
    with np.errstate(invalid="ignore"):
        ke_a = np.where(nv_a > 0, r_a * ne_a, np.nan)
        ke_b = np.where(nv_b > 0, r_b * ne_b, np.nan)
    low, high = difference_bounds(ke_a, ne_a, ke_b, ne_b, method, level)
    rate_z, rate_p = _rate_test(ke_a, ne_a, ke_b, ne_b, method)
    rate_diff = r_a - r_b

    # score difference: Welch
    score_diff = s_a - s_b
    with np.errstate(invalid="ignore", divide="ignore"):
        va, vb = v_a / ne_a, v_b / ne_b
        se = np.sqrt(va + vb)
        df_a, df_b = ne_a - 1, ne_b - 1
        welch_df = np.where(se > 0, (va + vb) ** 2 / (va**2 / df_a + vb**2 / df_b), np.inf)
        ok = np.isfinite(se) & (df_a > 0) & (df_b > 0) & np.isfinite(score_diff)
        q = stats.t.ppf(1 - (1 - level) / 2, np.where(ok & (se > 0), welch_df, 1.0))
        half = np.where(se > 0, q * se, 0.0)
        span = points[valid].max() - points[valid].min()
        s_low = np.where(ok, np.maximum(score_diff - half, -span), np.nan)
        s_high = np.where(ok, np.minimum(score_diff + half, span), np.nan)
        tested = ok & (se > 0)
        t_stat = np.where(tested, score_diff / se, np.nan)
        t_p = np.where(
            tested, 2 * stats.t.sf(np.abs(t_stat), np.where(tested, welch_df, 1)), np.nan
        )
        welch_df = np.where(tested, welch_df, np.nan)

    rate_adj = adjust_pvalues(rate_p, method=adjust, alpha=alpha)
    score_adj = adjust_pvalues(t_p, method=adjust, alpha=alpha)

    out: dict = {}
    key_codes = np.unravel_index(rows, shape) if by else ()
    for b, c in zip(by, key_codes, strict=True):
        cats = {
            "unit": all_units,
            "group": scheme.group_codes,
            "dimension": scheme.dimension_codes,
            "series": series_cats,
        }[b]
        out[b] = pd.Categorical.from_codes(c, categories=list(cats))
    present = np.where(forms_b & forms_a, "both", np.where(forms_b, "before_only", "after_only"))
    n = len(rows)

    def sig(adj, p):
        s = pd.array(adj.reject, dtype="boolean")
        s[np.isnan(p)] = pd.NA
        return s

    out |= {
        "present": pd.Categorical(present, categories=list(PRESENT)),
        "cycle_before": pd.Series([cyc_b] * n, dtype="str"),
        "cycle_after": pd.Series([cyc_a] * n, dtype="str"),
        "n_valid_before": nv_b.astype(np.int64),
        "n_valid_after": nv_a.astype(np.int64),
        "satisfied_rate_before": r_b,
        "satisfied_rate_after": r_a,
        "rate_diff": rate_diff,
        "rate_diff_ci_low": low,
        "rate_diff_ci_high": high,
        "rate_statistic": rate_z,
        "rate_pvalue": rate_p,
        "rate_pvalue_adjusted": rate_adj.adjusted,
        "rate_significant": sig(rate_adj, rate_p),
        "score_before": s_b,
        "score_after": s_a,
        "score_diff": score_diff,
        "score_diff_ci_low": s_low,
        "score_diff_ci_high": s_high,
        "score_statistic": t_stat,
        "score_df": welch_df,
        "score_pvalue": t_p,
        "score_pvalue_adjusted": score_adj.adjusted,
        "score_significant": sig(score_adj, t_p),
        "confidence_level": np.full(n, level),
        "ci_method": pd.Series([method] * n, dtype="str"),
        "rate_test": pd.Series([_rate_test_name(method)] * n, dtype="str"),
        "score_test": pd.Series(["welch-t"] * n, dtype="str"),
        "adjust_method": pd.Series([adjust] * n, dtype="str"),
        "alpha": np.full(n, alpha),
    }
    return pd.DataFrame(
        {k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in out.items()}
    )


def rank_movement(ranking_before: pd.DataFrame, ranking_after: pd.DataFrame) -> pd.DataFrame:
    """Rank and standing of every unit in two rankings, and how far it moved.

    Parameters
    ----------
    ranking_before, ranking_after : DataFrame
        Rankings of one cycle each (:func:`evalstats.stats.rank.rank_units`): columns ``cycle,
        unit, series, rank, standing`` (``unit_name`` optional).

    Returns
    -------
    DataFrame
        ``MOVEMENT_COLUMNS``: ``unit, unit_name, series, cycle_before, cycle_after,
        rank_before, rank_after`` (nullable Int64), ``movement = rank_before − rank_after``
        (positive: moved up; <NA> unless ranked in both in the same series),
        ``standing_before``, ``standing_after``, ``present`` (``"both"``, ``"before_only"``,
        ``"after_only"``) and ``flags`` (``series_changed`` when the unit changed series, so
        its ranks are not comparable).  Rows by series (after's, else before's), then
        ``rank_after``, then ``rank_before``, then unit.

    Examples
    --------
    >>> b = pd.DataFrame({"cycle": "2026H1", "unit": ["A", "B"], "series": "s",
    ...                   "rank": [1, 2], "standing": ["top3", "last"]})
    >>> a = b.assign(cycle="2026A", rank=[2, 1], standing=["last", "top3"])
    >>> rank_movement(b, a)[["unit", "rank_before", "rank_after", "movement"]].values.tolist()
    [['B', 2, 1, 1], ['A', 1, 2, -1]]
    """
    frames = []
    cycles = []
    for name, r in (("ranking_before", ranking_before), ("ranking_after", ranking_after)):
        if not isinstance(r, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame; got {type(r).__name__}")
        need = ["cycle", "unit", "series", "rank", "standing"]
        missing = [c for c in need if c not in r.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s) {missing}; it needs {need}")
        cyc = sorted(set(r["cycle"].astype(str)))
        if len(cyc) > 1:
            raise ValueError(f"{name} holds {len(cyc)} cycles {cyc}; pass one cycle")
        if r["unit"].astype(str).duplicated().any():
            dup = sorted(set(r["unit"].astype(str)[r["unit"].astype(str).duplicated()]))
            raise ValueError(f"{name} lists unit(s) {dup} more than once")
        cycles.append(cyc[0] if cyc else "")
        f = pd.DataFrame(
            {
                "unit": r["unit"].astype(str).to_numpy(),
                "unit_name": (
                    r["unit_name"].astype(object).to_numpy() if "unit_name" in r else None
                ),
                "series": r["series"].astype(str).to_numpy(),
                "rank": pd.array(r["rank"], dtype="Float64").astype("Int64"),
                "standing": r["standing"].astype(object).fillna("").astype(str).to_numpy(),
            }
        )
        frames.append(f)
    m = frames[0].merge(frames[1], on="unit", how="outer", suffixes=("_before", "_after"))
    in_b = m["series_before"].notna().to_numpy()
    in_a = m["series_after"].notna().to_numpy()
    present = np.where(in_b & in_a, "both", np.where(in_b, "before_only", "after_only"))
    changed = in_b & in_a & (m["series_before"] != m["series_after"]).to_numpy()
    movement = (m["rank_before"] - m["rank_after"]).astype("Int64")
    movement[changed] = pd.NA
    name = m["unit_name_after"].where(m["unit_name_after"].notna(), m["unit_name_before"])
    out = pd.DataFrame(
        {
            "unit": m["unit"],
            "unit_name": name.astype(object),
            "series": m["series_after"].where(in_a, m["series_before"]),
            "cycle_before": pd.Series([cycles[0]] * len(m), dtype="str"),
            "cycle_after": pd.Series([cycles[1]] * len(m), dtype="str"),
            "rank_before": m["rank_before"].astype("Int64"),
            "rank_after": m["rank_after"].astype("Int64"),
            "movement": movement,
            "standing_before": m["standing_before"].fillna("").astype(str),
            "standing_after": m["standing_after"].fillna("").astype(str),
            "present": pd.Categorical(present, categories=list(PRESENT)),
            "flags": np.where(changed, "series_changed", ""),
        }
    )
    order = out.assign(
        _ra=out["rank_after"].astype("Float64").fillna(np.inf),
        _rb=out["rank_before"].astype("Float64").fillna(np.inf),
    ).sort_values(["series", "_ra", "_rb", "unit"], kind="stable")
    return out.loc[order.index, MOVEMENT_COLUMNS].reset_index(drop=True)


# ====================================================================== χ² homogeneity
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
    n_resamples = _check_n_resamples(n_resamples)
    gen = _check_rng(rng)
    t = _check_counts_array("table", table, 2)
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


def _dimension_index(dimension, scheme: Scheme, what: str) -> int:
    if dimension is None:
        raise ValueError(
            f"{what} needs dimension=: a form answers every dimension, so answers pooled "
            "over dimensions are not independent"
        )
    return scheme.dimension_codes.index(
        check_option("dimension", dimension, scheme.dimension_codes)
    )


def _unit_mask(units_list, unit, name="unit") -> np.ndarray:
    if unit is None:
        return np.ones(len(units_list), bool)
    if not isinstance(unit, str):
        raise TypeError(f"{name} must be a unit code (str) or None; got {unit!r}")
    if unit not in units_list:
        raise ValueError(f"{name} {unit!r} is not in the counts; units are {units_list}")
    return np.array([u == unit for u in units_list])


def _group_mask(group, scheme: Scheme) -> np.ndarray:
    if group is None:
        return np.ones(len(scheme.group_codes), bool)
    check_option("group", group, scheme.group_codes)
    return np.array([g == group for g in scheme.group_codes])


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
    d = _dimension_index(dimension, scheme, "group_homogeneity")
    dense, _cyc, units_list = _one_cycle(counts, "counts", scheme, cycle)
    valid, _sat, _pts = _scheme_vectors(scheme)
    sel = _unit_mask(units_list, unit)
    t = dense[sel][:, :, d, :][:, :, valid].sum(axis=0)  # [group, valid level]
    groups = tuple(g for g, row in zip(scheme.group_codes, t, strict=True) if row.sum() > 0)
    res = chi2_homogeneity(t, method=method, n_resamples=n_resamples, rng=rng)
    return _replace(res, labels=groups)


def _replace(res: TestResult, **changes) -> TestResult:
    return TestResult(**(asdict(res) | changes))


# ====================================================================== rank tests from counts
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
    t = _check_counts_array("table", table, 2)
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
    p = float(stats.chi2.sf(h, df))
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
    x = _check_counts_array("x", x, 1)
    y = _check_counts_array("y", y, 1)
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
    d = _dimension_index(dimension, scheme, "kruskal_units")
    dense, _cyc, units_list = _one_cycle(counts, "counts", scheme, cycle)
    sel = np.ones(len(units_list), bool)
    if series is not None:
        if units is None:
            raise ValueError("series= needs units= (a table with columns unit, series)")
        u = check_units_table(units)
        members = set(u.loc[u["series"].astype(str) == str(series), "unit"])
        if not members:
            raise ValueError(f"units has no unit in series {series!r}")
        sel = np.array([x in members for x in units_list])
    gm = _group_mask(group, scheme)
    valid, _s, _p = _scheme_vectors(scheme)
    t = _ordinal_counts(dense[sel][:, gm, d, :].sum(axis=1), valid)  # [unit, level]
    kept = np.array(units_list, dtype=object)[sel][t.sum(axis=1) > 0]
    return _replace(kruskal_counts(t), labels=tuple(kept))


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
    d = _dimension_index(dimension, scheme, "mann_whitney_cycles")
    before, cyc_b, units_b = _one_cycle(counts_before, "counts_before", scheme)
    after, cyc_a, units_a = _one_cycle(counts_after, "counts_after", scheme)
    if unit is not None:
        if not isinstance(unit, str):
            raise TypeError(f"unit must be a unit code (str) or None; got {unit!r}")
        if unit not in units_b and unit not in units_a:
            raise ValueError(f"unit {unit!r} is in neither counts_before nor counts_after")
    gm = _group_mask(group, scheme)
    valid, _s, _p = _scheme_vectors(scheme)

    def counts_of(dense, units_list):
        if unit is not None and unit not in units_list:
            return np.zeros(int(valid.sum()))
        sel = _unit_mask(units_list, unit)
        return _ordinal_counts(dense[sel][:, gm, d, :].sum(axis=(0, 1)), valid)

    x = counts_of(after, units_a)
    y = counts_of(before, units_b)
    return _replace(mann_whitney_counts(x, y), labels=(cyc_a, cyc_b))


# ====================================================================== trend
def trend_test(k, n, *, scores=None, method: str = "cochran-armitage") -> TestResult:
    """Test for a linear trend in proportions ``k / n`` across ordered samples (cycles).

    Parameters
    ----------
    k, n : array_like of int, shape (m,), m >= 3
        Successes and trials per sample, in order (e.g. satisfied and valid answers per
        cycle, oldest first).
    scores : array_like of float, optional
        Scores of the samples (default ``1, 2, …, m``); not all equal.
    method : {"cochran-armitage", "mantel-haenszel"}
        ``"cochran-armitage"`` (default): ``X² = T² / (p̄(1 − p̄) Σ n_i (s_i − s̄)²)`` with
        ``T = Σ k_i (s_i − s̄)`` — the *N* version, R's ``prop.trend.test`` [8]_.
        ``"mantel-haenszel"``: the linear-by-linear association statistic
        ``M² = (N − 1) r² = X² (N − 1)/N``, whose variance is the exact permutation variance
        given both margins [5]_.

    Returns
    -------
    TestResult
        ``test="trend"``, ``statistic`` the χ² (1 df), ``estimate`` the weighted
        least-squares slope of ``k/n`` on the scores (change in proportion per unit of
        score; ``estimate_name="slope"``).

    Examples
    --------
    R ``prop.trend.test(c(83, 90, 129, 70), c(86, 93, 136, 82))`` gives X-squared = 8.22492,
    df = 1, p-value = 0.004132.

    >>> r = trend_test([83, 90, 129, 70], [86, 93, 136, 82])
    >>> round(r.statistic, 5), round(r.pvalue, 6)
    (8.22492, 0.004132)
    """
    method = check_option("method", method, TREND_METHODS)
    kk, nn = check_pairs(k, n, k, n)[:2]
    if kk.ndim != 1:
        raise ValueError(f"k and n must be 1-dimensional; got shape {kk.shape}")
    m = kk.shape[0]
    if m < 3:
        raise ValueError(f"trend_test needs at least 3 samples; got {m}")
    if np.any(nn == 0):
        raise ValueError("every sample needs n > 0")
    if scores is None:
        s = np.arange(1, m + 1, dtype=np.float64)
    else:
        s = np.asarray(scores)
        if s.dtype == bool or s.dtype.kind not in "iuf":
            raise TypeError(f"scores must be numbers; got dtype {s.dtype}")
        s = s.astype(np.float64)
        if s.shape != (m,):
            raise ValueError(f"scores must have one value per sample ({m}); got shape {s.shape}")
        if not np.all(np.isfinite(s)):
            raise ValueError("scores must be finite")
        if np.all(s == s[0]):
            raise ValueError("scores must not all be equal")
    big_n = nn.sum()
    pbar = kk.sum() / big_n
    sbar = (nn * s).sum() / big_n
    saa = (nn * (s - sbar) ** 2).sum()
    t = (kk * (s - sbar)).sum()
    slope = t / saa
    if pbar in (0.0, 1.0):
        x2, p = _NAN, _NAN
        note = "all samples are all successes or all failures"
    else:
        x2 = t * t / (pbar * (1 - pbar) * saa)
        if method == "mantel-haenszel":
            x2 *= (big_n - 1) / big_n
        p = float(stats.chi2.sf(x2, 1))
        note = ""
    return TestResult(
        "trend",
        float(x2),
        p,
        1.0,
        method,
        int(big_n),
        estimate=float(slope),
        estimate_name="slope",
        note=note,
    )


# ====================================================================== moved names
# The sentences of this module live in evalstats.present.changes (issue 12); the old imports
# keep working with a DeprecationWarning.
__getattr__ = moved_to_present(
    __name__,
    dict.fromkeys(
        ("METRICS", "cycle_label", "describe_changes", "result_sentence"),
        "evalstats.present.changes",
    ),
)


__all__ = [
    "CHI2_METHODS",
    "COMPARE_COLUMNS",
    "COMPARE_KEYS",
    "MOVEMENT_COLUMNS",
    "PRESENT",
    "RESULT_COLUMNS",
    "TREND_METHODS",
    "TestResult",
    "chi2_homogeneity",
    "compare_cycles",
    "group_homogeneity",
    "kruskal_counts",
    "kruskal_units",
    "mann_whitney_counts",
    "mann_whitney_cycles",
    "rank_movement",
    "rate_difference",
    "trend_test",
]
