"""Named metrics, weighted scores and composites — from the tally, not from rows.

Metrics (DOMAIN.md): ``n_forms``, ``n_valid``, ``n_unknown``, ``n_blank``, ``top_box_rate``,
``satisfied_rate`` (with an interval), ``dissatisfied_rate``, ``share_of_all_votes`` and the
``score`` (with an interval), for unit × group × dimension and any coarser grouping
(:func:`metrics`); the group-weighted ``weighted_score`` per unit × dimension
(:func:`weighted_scores`); the dimension-weighted ``composite`` per unit (:func:`composites`);
the period-weighted ``composite_year`` (:func:`composite_year`); and the contract table
``tables/scores.csv`` (:func:`scores_table`).

Intervals
---------
*Proportions* use :func:`evalstats.stats.intervals.proportion_ci` (Wilson by default).

*Score of one dimension.* One form gives one answer per dimension, so the answers in a cell are
independent draws and the tally gives the answer-level variance exactly:
``s² = Σ count·(points − score)² / (n_valid − 1)``; the interval is the t interval
``score ± t_{n_valid−1} · s / √n_valid`` (the standard interval for a mean, e.g. Cochran 1977,
ch. 2), cut to the scheme's points range.  A cell whose answers are all equal has ``s = 0`` and
a zero-width interval; a cell with one valid answer has none (NaN).

*Rows pooling several dimensions* (``dimension`` not in ``by``) hold up to ``D`` answers per
form, and a form's answers are correlated (a respondent who is satisfied with one dimension
tends to be with the others), so the answers are not independent:

- with ``patterns=`` (:func:`evalstats.counts.tally.pattern_counts`) the form is the sampling unit:
  the score is the ratio ``Σ y_i / Σ m_i`` of a form's points ``y_i`` to its valid answers
  ``m_i``, with the linearisation (ratio-estimator) variance
  ``v = n/(n−1) · Σ (y_i − score·m_i)² / (Σ m_i)²`` over the ``n`` forms with a valid answer
  and ``n − 1`` degrees of freedom (Cochran 1977, ch. 6; Wolter 2007, ch. 6).  The satisfied
  rate uses the same variance for the satisfied indicator, turned into an effective sample size
  ``n* = min(n_valid, p(1−p)/v)`` for the chosen proportion interval (Korn & Graubard 1998);
- without ``patterns``, the answers are taken as perfectly correlated within a form — the
  design effect ``1 + (D−1)ρ`` of Kish (1965) at its bound ``ρ = 1`` — i.e. the effective
  sample size is ``n_valid / D``.  This is conservative (the interval is too wide, never too
  narrow); pass ``patterns`` for the exact form-level variance.

*Weighted scores and composites* treat the respondent groups as independent samples (strata):
``var = Σ_g a_g² var(score_g)``, with Welch–Satterthwaite degrees of freedom (Satterthwaite
1946).  For the composite, a form's answers to the ``D`` dimensions are correlated; with
``patterns=`` the variance is the linearisation variance of each form's contribution
``z_i = Σ_d a_gd (y_id − score_gd) / n_gd`` within its group (forms as clusters, groups as
strata; Wolter 2007, ch. 6), otherwise the bound for perfect correlation,
``var_g ≤ (Σ_d a_gd · se_gd)²`` (conservative).

*Groups of one.*  A unit often has a single 人大代表 form: a cell with one valid answer has no
variance of its own.  For weighted scores and composites it borrows the pooled within-unit
variance of the same group × dimension over the cycle's units, ``Σ_u ss_u / Σ_u (n_u − 1)``
(the usual pooled variance, assuming a similar spread in every unit), with those
degrees of freedom; with ``patterns=`` such a group uses the perfect-correlation bound on the
borrowed variances.  Composites flag it ``pooled_variance:<group>``.  When no unit has two
answers for that group × dimension the interval is NaN (flag ``no_interval``).  The per-cell
rows of :func:`metrics` never borrow: a one-answer cell has no score interval there.

References
----------
.. [1] Cochran WG (1977). Sampling Techniques, 3rd ed. Wiley.
.. [2] Kish L (1965). Survey Sampling. Wiley. (design effect of cluster samples)
.. [3] Korn EL, Graubard BI (1998). Confidence intervals for proportions with small expected
       number of positive counts estimated from survey data. Survey Methodology 24:193-201.
.. [4] Satterthwaite FE (1946). An approximate distribution of estimates of variance
       components. Biometrics Bulletin 2(6):110-114.
.. [5] Wolter KM (2007). Introduction to Variance Estimation, 2nd ed. Springer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evalstats.core.options import check_confidence_level, check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.counts.tally import (
    categorical_from_codes,
    category_codes,
    check_forms,
    string_array,
    tally_to_array,
)
from evalstats.stats.intervals import (
    PROPORTION_METHODS,
    proportion_bounds,
    satterthwaite_df,
    t_interval,
)
from evalstats.stats.units import check_units_table

GROUPING_KEYS = ("cycle", "unit", "group", "dimension", "series")
ALL = "all"
METRIC_COLUMNS = [
    "n_forms",
    "n_valid",
    "n_unknown",
    "n_blank",
    "top_box_rate",
    "satisfied_rate",
    "satisfied_ci_low",
    "satisfied_ci_high",
    "dissatisfied_rate",
    "share_of_all_votes",
    "score",
    "score_ci_low",
    "score_ci_high",
    "confidence_level",
    "ci_method",
    "low_confidence",
    "no_valid",
]
SCORES_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "group",
    "dimension",
    "n_forms",
    "n_valid",
    "n_unknown",
    "n_blank",
    "top_box_rate",
    "satisfied_rate",
    "satisfied_ci_low",
    "satisfied_ci_high",
    "dissatisfied_rate",
    "share_of_all_votes",
    "score",
    "score_ci_low",
    "score_ci_high",
    "weighted_score",
    "weighted_score_ci_low",
    "weighted_score_ci_high",
    "confidence_level",
    "ci_method",
    "low_confidence",
]
COMPOSITE_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "composite",
    "composite_ci_low",
    "composite_ci_high",
    "flags",
    "n_forms",
    "composite_se",
    "composite_df",
    "confidence_level",
]


# ---------------------------------------------------------------------- scheme vectors
class _Levels:
    """Per-level vectors (tally level order: scheme levels, then blank)."""

    def __init__(self, scheme: Scheme):
        lv = scheme.levels
        self.n = len(lv) + 1
        self.valid = np.array([v.valid for v in lv] + [False])
        self.blank = np.zeros(self.n, bool)
        self.blank[-1] = True
        self.unknown = ~self.valid & ~self.blank
        self.satisfied = np.array([v.satisfied and v.valid for v in lv] + [False])
        self.points = np.array([v.points if v.valid else 0.0 for v in lv] + [0.0], float)
        codes = list(scheme.level_codes)
        self.top = np.zeros(self.n, bool)
        self.top[codes.index(scheme.rules.top_box_level)] = True
        self.dissatisfied = np.zeros(self.n, bool)
        for c in scheme.rules.dissatisfied_levels:
            self.dissatisfied[codes.index(c)] = True
        valid_points = self.points[self.valid]
        self.min_points = float(valid_points.min())
        self.max_points = float(valid_points.max())


def _dense(counts, scheme: Scheme):
    """Dense tally ``[cycle, unit, group, dimension, level]`` with consistent form totals."""
    dense, cycles, units = tally_to_array(counts, scheme)
    totals = dense.sum(axis=-1)  # [C, U, G, D]
    if totals.shape[-1] > 1 and not (totals == totals[..., :1]).all():
        raise ValueError(
            "counts is not a tally of forms: the dimensions of a cycle × unit × group "
            "have different totals (every form counts once in every dimension, blank included)"
        )
    return dense, cycles, units


def _series_of(units_cats, units_df: pd.DataFrame, dense, scheme: Scheme):
    """Series code index per unit category and the series categories."""
    series_cats = list(scheme.series_codes)
    series_cats += [s for s in dict.fromkeys(units_df["series"]) if s not in series_cats]
    table = dict(zip(units_df["unit"], units_df["series"], strict=True))
    has_forms = dense.sum(axis=(0, 2, 3, 4)) > 0
    missing = [
        str(u) for u, f in zip(units_cats, has_forms, strict=True) if f and str(u) not in table
    ]
    if missing:
        raise ValueError(f"units has no row for unit(s) {missing} found in counts")
    idx = np.array(
        [series_cats.index(table[str(u)]) if str(u) in table else -1 for u in units_cats],
        dtype=np.int64,
    )
    return idx, series_cats


def _check_by(by, units) -> tuple[str, ...]:
    if isinstance(by, str):
        by = (by,)
    if not isinstance(by, Sequence) or not all(isinstance(b, str) for b in by):
        raise TypeError(f"by must be a sequence of column names; got {by!r}")
    by = tuple(by)
    for b in by:
        check_option("by", b, GROUPING_KEYS)
    if len(set(by)) != len(by):
        raise ValueError(f"by names a column twice: {list(by)}")
    if "series" in by and units is None:
        raise ValueError("by='series' needs units= (a table with columns unit, name, series)")
    return by


# ---------------------------------------------------------------------- cell statistics
def _stats(S: np.ndarray, lv: _Levels) -> dict:
    """Metrics from level counts ``S[..., level]`` (int64)."""
    n_valid = S[..., lv.valid].sum(-1)
    n_unknown = S[..., lv.unknown].sum(-1)
    n_blank = S[..., lv.blank].sum(-1)
    nv = n_valid.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = (n_valid + n_unknown + n_blank).astype(float)
        k_sat = S[..., lv.satisfied].sum(-1)
        k_dis = S[..., lv.dissatisfied].sum(-1)
        score = (S * lv.points).sum(-1) / nv
        dev = (lv.points - score[..., None]) ** 2
        ss = np.where(lv.valid, S * np.nan_to_num(dev), 0.0).sum(-1)
        var_answer = ss / (nv - 1)  # answer-level sample variance
        out = {
            "n_valid": n_valid,
            "n_unknown": n_unknown,
            "n_blank": n_blank,
            "k_satisfied": k_sat,
            "top_box_rate": S[..., lv.top].sum(-1) / nv,
            "satisfied_rate": k_sat / nv,
            "dissatisfied_rate": k_dis / nv,
            "share_of_all_votes": np.where(total > 0, k_dis / total, np.nan),
            "score": score,
            "var_answer": np.where(nv > 1, var_answer, np.nan),
            "ss": ss,
        }
    return out


def _score_ci(score, se, df, level, lv: _Levels):
    ci = t_interval(score, se, df, confidence_level=level)
    low = np.clip(ci.low, lv.min_points, lv.max_points)
    high = np.clip(ci.high, lv.min_points, lv.max_points)
    return low, high


def _pattern_arrays(patterns, scheme: Scheme, cycles, units):
    """Pattern-level codes aligned with a tally: cycle and unit indexes, group, levels, count."""
    if not isinstance(patterns, pd.DataFrame):
        raise TypeError(f"patterns must be a pandas DataFrame; got {type(patterns).__name__}")
    if "count" not in patterns.columns:
        raise ValueError("patterns lacks column(s) ['count']")
    check_forms(patterns, scheme)  # columns and dtypes
    cyc = pd.Index(cycles).get_indexer(patterns["cycle"].astype(str).to_numpy())
    unit = pd.Index([str(u) for u in units]).get_indexer(patterns["unit"].astype(str).to_numpy())
    if (cyc < 0).any() or (unit < 0).any():
        raise ValueError("patterns do not match counts: cycles or units differ")
    group = category_codes(patterns["group"], "group", scheme.group_codes).astype(np.int64)
    levels = np.stack(
        [
            category_codes(patterns[d], d, scheme.level_codes).astype(np.int64)
            for d in scheme.dimension_codes
        ],
        axis=1,
    )
    levels = np.where(levels < 0, len(scheme.level_codes), levels)  # blank last, as in a tally
    return cyc, unit, group, levels, patterns["count"].to_numpy().astype(np.float64)


# ---------------------------------------------------------------------- metrics
def metrics(
    counts: pd.DataFrame,
    *,
    by: Sequence[str] = ("unit", "group", "dimension"),
    scheme: Scheme | None = None,
    method: str = "wilson",
    confidence_level: float = 0.95,
    patterns: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Named metrics with confidence intervals for any grouping of a tally.

    Parameters
    ----------
    counts : DataFrame
        A tally (:func:`evalstats.counts.tally.tally`).
    by : sequence of str
        Grouping keys among ``cycle, unit, group, dimension, series``; rows pool the counts of
        everything not named (``()``: one row for all) — cycles too, unless ``cycle`` is
        named.  ``series`` needs ``units``.
    scheme : Scheme, path or None
    method : {"wilson", "clopper-pearson", "jeffreys"}
        Interval of ``satisfied_rate`` (:func:`evalstats.stats.intervals.proportion_ci`).
    confidence_level : float
    patterns : DataFrame, optional
        Answer-pattern counts (:func:`evalstats.counts.tally.pattern_counts`) of the same forms;
        used
        for rows that pool dimensions, where they give the form-level variance.
    units : DataFrame, optional
        Columns ``unit, name, series``; needed for ``by`` with ``series``.

    Returns
    -------
    DataFrame
        The ``by`` columns, then ``n_forms, n_valid, n_unknown, n_blank, top_box_rate,
        satisfied_rate, satisfied_ci_low, satisfied_ci_high, dissatisfied_rate,
        share_of_all_votes, score, score_ci_low, score_ci_high, confidence_level, ci_method,
        low_confidence, no_valid``; one row per combination of the keys (zero cells kept),
        ordered by the keys.  ``n_forms`` counts each form once.  Where ``n_valid == 0``
        the rates and the score are NaN and ``no_valid`` is True.  ``ci_method`` names the
        interval of ``satisfied_rate``; the score's interval is the t interval of the module
        docstring.

    Notes
    -----
    ``top_box_rate`` = answers at ``scheme.rules.top_box_level`` / ``n_valid``;
    ``dissatisfied_rate`` = answers in ``scheme.rules.dissatisfied_levels`` / ``n_valid``;
    ``share_of_all_votes`` = the same answers / all answers (valid, not valid and blank);
    ``score`` = Σ count × points / ``n_valid``.  The intervals are described in the module
    docstring.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import tally
    >>> s = load_scheme()
    >>> forms = pd.DataFrame({"cycle": ["2026H1"] * 2,
    ...     "unit": pd.Categorical(["U1", "U1"]),
    ...     "group": pd.Categorical(["public"] * 2, categories=s.group_codes)}
    ...     | {d: pd.Categorical(["satisfied", "dissatisfied"], dtype=s.level_dtype)
    ...        for d in s.dimension_codes})
    >>> m = metrics(tally(forms), by=("unit",))
    >>> m[["unit", "n_forms", "n_valid", "score"]].to_dict("records")
    [{'unit': 'U1', 'n_forms': 2, 'n_valid': 10, 'score': 50.0}]
    """
    scheme = resolve_scheme(scheme)
    by = _check_by(by, units)
    method = check_option("method", method, PROPORTION_METHODS)
    level = check_confidence_level(confidence_level)
    dense, cycles, unit_cats = _dense(counts, scheme)
    units_df = None if units is None else check_units_table(units)
    return _metrics(dense, cycles, unit_cats, scheme, by, method, level, patterns, units_df)


def _metrics(dense, cycles, unit_cats, scheme, by, method, level, patterns, units_df):
    lv = _Levels(scheme)
    C, U, G, D, L = dense.shape
    if units_df is not None:
        ser_idx, series_cats = _series_of(unit_cats, units_df, dense, scheme)
    else:
        ser_idx, series_cats = np.zeros(U, np.int64), []
    sizes = {
        "cycle": C,
        "unit": U,
        "group": G,
        "dimension": D,
        "series": max(len(series_cats), 1),
    }
    cc, uu, gg, dd = (a.ravel() for a in np.indices((C, U, G, D)))
    cell_codes = {"cycle": cc, "unit": uu, "group": gg, "dimension": dd, "series": ser_idx[uu]}
    mapped = cell_codes["series"] >= 0 if "series" in by else np.ones(len(cc), bool)
    shape = tuple(sizes[b] for b in by)
    nkeys = int(np.prod(shape)) if by else 1
    if by:
        key = np.ravel_multi_index(
            tuple(np.where(mapped, cell_codes[b], 0) for b in by), shape
        ).astype(np.int64)
    else:
        key = np.zeros(len(cc), np.int64)
    cells = dense.reshape(-1, L)
    S = np.zeros((nkeys, L), np.int64)
    np.add.at(S, key[mapped], cells[mapped])
    present = np.bincount(key[mapped], minlength=nkeys) > 0
    forms_cell = cells.sum(-1)
    n_forms = np.bincount(key[mapped], weights=forms_cell[mapped], minlength=nkeys)
    n_forms = np.rint(n_forms).astype(np.int64)
    if "dimension" not in by:
        n_forms //= D
    st = _stats(S, lv)
    nv = st["n_valid"].astype(float)
    pooled = "dimension" not in by and D > 1
    if not pooled:
        se = np.sqrt(st["var_answer"] / nv)
        df = nv - 1
        n_eff = nv
    elif patterns is None:
        n_eff = nv / D
        se = np.sqrt(st["var_answer"] / n_eff)
        df = n_eff - 1
    else:
        se, df, n_eff = _pattern_variance(
            patterns, scheme, cycles, unit_cats, by, shape, ser_idx, st, lv, nkeys
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        k_eff = st["satisfied_rate"] * n_eff if pooled else st["k_satisfied"]
    low, high = proportion_bounds(np.where(nv > 0, k_eff, np.nan), n_eff, method, level)
    if pooled:  # effective counts: keep the interval around the rate
        low = np.minimum(low, st["satisfied_rate"])
        high = np.maximum(high, st["satisfied_rate"])
    s_low, s_high = _score_ci(st["score"], se, df, level, lv)
    rows = np.flatnonzero(present)
    out = {}
    if by:
        codes = np.unravel_index(rows, shape)
        for b, c in zip(by, codes, strict=True):
            out[b] = _key_column(b, c, cycles, unit_cats, scheme, series_cats)
    no_valid = st["n_valid"] == 0
    out |= {
        "n_forms": n_forms[rows],
        "n_valid": st["n_valid"][rows],
        "n_unknown": st["n_unknown"][rows],
        "n_blank": st["n_blank"][rows],
        "top_box_rate": st["top_box_rate"][rows],
        "satisfied_rate": st["satisfied_rate"][rows],
        "satisfied_ci_low": low[rows],
        "satisfied_ci_high": high[rows],
        "dissatisfied_rate": st["dissatisfied_rate"][rows],
        "share_of_all_votes": st["share_of_all_votes"][rows],
        "score": st["score"][rows],
        "score_ci_low": s_low[rows],
        "score_ci_high": s_high[rows],
        "confidence_level": np.full(len(rows), level),
        "ci_method": np.full(len(rows), method, dtype=object),
        "low_confidence": st["n_valid"][rows] < scheme.rules.low_confidence_n,
        "no_valid": no_valid[rows],
    }
    frame = pd.DataFrame(out)
    frame["ci_method"] = frame["ci_method"].astype("str")
    return frame


def _key_column(name, codes, cycles, unit_cats, scheme, series_cats):
    if name == "cycle":
        return string_array(codes, cycles)
    cats = {
        "unit": unit_cats,
        "group": scheme.group_codes,
        "dimension": scheme.dimension_codes,
        "series": series_cats,
    }[name]
    return categorical_from_codes(codes, cats)


def _pattern_variance(patterns, scheme, cycles, unit_cats, by, shape, ser_idx, st, lv, nkeys):
    """Form-level (ratio-estimator) variance of pooled-dimension rows from answer patterns."""
    cyc, unit, group, levels, cnt = _pattern_arrays(patterns, scheme, cycles, unit_cats)
    codes = {"cycle": cyc, "unit": unit, "group": group, "series": ser_idx[unit]}
    mapped = codes["series"] >= 0 if "series" in by else np.ones(len(cnt), bool)
    if by:
        key = np.ravel_multi_index(tuple(np.where(mapped, codes[b], 0) for b in by), shape)
    else:
        key = np.zeros(len(cnt), np.int64)
    key, cnt, levels = key[mapped], cnt[mapped], levels[mapped]
    y = lv.points[levels].sum(1)
    m = lv.valid[levels].sum(1).astype(float)
    s = lv.satisfied[levels].sum(1).astype(float)
    M = np.bincount(key, weights=cnt * m, minlength=nkeys)
    if not np.array_equal(np.rint(M).astype(np.int64), st["n_valid"]):
        raise ValueError("patterns do not match counts: valid answers per row differ")
    n_cl = np.bincount(key, weights=cnt * (m > 0), minlength=nkeys)
    with np.errstate(invalid="ignore", divide="ignore"):
        R = st["score"]
        P = st["satisfied_rate"]
        e_y = np.bincount(key, weights=cnt * (y - np.nan_to_num(R)[key] * m) ** 2, minlength=nkeys)
        e_s = np.bincount(key, weights=cnt * (s - np.nan_to_num(P)[key] * m) ** 2, minlength=nkeys)
        f = n_cl / (n_cl - 1) / (M * M)
        var_y = np.where(n_cl > 1, f * e_y, np.nan)
        var_s = np.where(n_cl > 1, f * e_s, np.nan)
        binom = P * (1 - P)
        n_eff = np.where((binom > 0) & (var_s > 0), np.minimum(M, binom / var_s), M.astype(float))
        n_eff = np.where(n_cl > 1, n_eff, n_cl)  # a single form: one effective answer
    return np.sqrt(var_y), n_cl - 1, n_eff


# ---------------------------------------------------------------------- weighted scores
def _cell_level(dense, scheme):
    """Per (cycle, unit, group, dimension) cell: stats, variance of the mean and its df.

    A cell with a single valid answer has no variance of its own; it borrows the pooled
    within-unit variance of its group × dimension over the cycle's units,
    ``Σ_u ss_u / Σ_u (n_u − 1)`` (units with two or more answers), with those degrees of
    freedom (``borrowed`` marks such cells).
    """
    lv = _Levels(scheme)
    st = _stats(dense, lv)
    nv = st["n_valid"].astype(float)
    own = nv > 1
    ss_p = np.where(own, st["ss"], 0.0).sum(axis=1, keepdims=True)  # [C, 1, G, D]
    df_p = np.where(own, nv - 1, 0.0).sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        s2_p = np.where(df_p > 0, ss_p / df_p, np.nan)
        borrowed = (nv == 1) & (df_p > 0)
        var_answer = np.where(borrowed, s2_p, st["var_answer"])
        st["var_mean"] = var_answer / nv
    st["df_cell"] = np.where(borrowed, df_p, nv - 1)
    st["borrowed"] = borrowed
    return st, lv


def _weights(scheme: Scheme, st):
    """Group weights renormalised per (cycle, unit, dimension) over groups with valid answers."""
    w = np.array([scheme.group_weights[g] for g in scheme.group_codes], float)
    has = st["n_valid"] > 0  # [C, U, G, D]
    wg = np.where(has, w[None, None, :, None], 0.0)
    W = wg.sum(axis=2)  # [C, U, D]
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(W[:, :, None, :] > 0, wg / W[:, :, None, :], 0.0)
    missing = ~has & (w[None, None, :, None] > 0) & (W[:, :, None, :] > 0)
    return a, W, missing


def _weighted(st, scheme):
    a, W, missing = _weights(scheme, st)
    with np.errstate(invalid="ignore"):
        score = np.where(a > 0, st["score"], 0.0)
        ws = np.where(W > 0, (a * score).sum(axis=2), np.nan)
        terms = np.where(a > 0, a * a * st["var_mean"], 0.0)
        var = np.where(W > 0, terms.sum(axis=2), np.nan)
        dfs = np.where(a > 0, st["df_cell"], 1.0)
        df = satterthwaite_df(np.moveaxis(terms, 2, -1), np.moveaxis(dfs, 2, -1))
    return ws, var, df, a, missing


def weighted_scores(
    counts: pd.DataFrame, *, scheme: Scheme | None = None, confidence_level: float = 0.95
) -> pd.DataFrame:
    """Group-weighted score per cycle × unit × dimension.

    ``weighted_score = Σ_g w_g · score_{g,d} / Σ_{g with n_valid > 0} w_g``: the scheme's group
    weights, renormalised over the groups that have a valid answer for that unit × dimension.

    Parameters
    ----------
    counts : DataFrame
        A tally.
    scheme : Scheme, path or None
    confidence_level : float

    Returns
    -------
    DataFrame
        ``cycle, unit, dimension, n_valid, weighted_score, weighted_score_ci_low,
        weighted_score_ci_high, groups_missing, confidence_level``; ``groups_missing`` lists the
        groups (weight > 0) renormalised away, joined by ``;`` (empty string if none).  The
        interval treats the groups as independent samples: ``var = Σ_g (w_g/W)² s_g²/n_g`` with
        Welch–Satterthwaite degrees of freedom (see the module docstring; a group with a single
        valid answer borrows the pooled variance of its group × dimension).  NaN where no group
        has a valid answer, or where a variance can be neither estimated nor borrowed.

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.counts.tally import tally
    >>> list(weighted_scores(tally(empty_forms())).columns)[:5]
    ['cycle', 'unit', 'dimension', 'n_valid', 'weighted_score']
    """
    scheme = resolve_scheme(scheme)
    level = check_confidence_level(confidence_level)
    dense, cycles, unit_cats = _dense(counts, scheme)
    st, lv = _cell_level(dense, scheme)
    ws, var, df, _, missing = _weighted(st, scheme)
    low, high = _score_ci(ws, np.sqrt(var), df, level, lv)
    C, U, G, D = st["n_valid"].shape
    cc, uu, dd = (a.ravel() for a in np.indices((C, U, D)))
    groups = np.array(scheme.group_codes, dtype=object)
    miss = np.moveaxis(missing, 2, -1).reshape(-1, G)
    return pd.DataFrame(
        {
            "cycle": string_array(cc, cycles),
            "unit": categorical_from_codes(uu, unit_cats),
            "dimension": categorical_from_codes(dd, scheme.dimension_codes),
            "n_valid": st["n_valid"].sum(axis=2).ravel(),
            "weighted_score": ws.ravel(),
            "weighted_score_ci_low": low.ravel(),
            "weighted_score_ci_high": high.ravel(),
            "groups_missing": pd.array([";".join(groups[r]) for r in miss], dtype="str"),
            "confidence_level": np.full(C * U * D, level),
        }
    )


# ---------------------------------------------------------------------- composites
def _composite_arrays(dense, cycles, unit_cats, scheme, patterns):
    """Composite, its variance and df per (cycle, unit); also the pieces for flags."""
    st, lv = _cell_level(dense, scheme)
    ws, _var_ws, _, a, missing = _weighted(st, scheme)
    v = np.array([scheme.dimension_weights[d] for d in scheme.dimension_codes], float)
    has_d = np.isfinite(ws)  # [C, U, D]
    vd = np.where(has_d, v, 0.0)
    V = vd.sum(-1)  # [C, U]
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(V[..., None] > 0, vd / V[..., None], 0.0)  # [C, U, D]
        comp = np.where(V > 0, (b * np.nan_to_num(ws)).sum(-1), np.nan)
        c = b[:, :, None, :] * a  # [C, U, G, D]: weight of score_gd in the composite
    C, U, G, _D = a.shape
    if patterns is None:
        with np.errstate(invalid="ignore"):
            se_gd = np.sqrt(st["var_mean"])
            var_g = np.where(c > 0, c * se_gd, 0.0).sum(-1) ** 2  # perfect-correlation bound
            df_g = np.where(c > 0, st["df_cell"], -np.inf).max(-1)
        borrowed_g = (st["borrowed"] & (c > 0)).any(-1)
    else:
        cyc, unit, group, levels, cnt = _pattern_arrays(patterns, scheme, cycles, unit_cats)
        tl = _tally_from_pattern_arrays(cyc, unit, group, levels, cnt, dense.shape)
        if not np.array_equal(tl, dense):
            raise ValueError("patterns do not match counts: their tally differs")
        valid = lv.valid[levels]  # [P, D]
        y = lv.points[levels]
        score = np.nan_to_num(st["score"])[cyc, unit, group]  # [P, D]
        with np.errstate(invalid="ignore", divide="ignore"):
            nvd = st["n_valid"][cyc, unit, group].astype(float)
            z = np.where(valid, c[cyc, unit, group] * (y - score) / nvd, 0.0).sum(-1)
        flat = (cyc * U + unit) * G + group
        zz = np.bincount(flat, weights=cnt * z * z, minlength=C * U * G).reshape(C, U, G)
        n_g = dense[..., 0, :].sum(-1).astype(float)  # forms per (cycle, unit, group)
        used = (c > 0).any(-1)
        # a group with one form, or a cell with one answer, has no variance of its own: use
        # the perfect-correlation bound with the borrowed (pooled) cell variances
        borrowed_g = used & ((n_g < 2) | (st["borrowed"] & (c > 0)).any(-1))
        with np.errstate(invalid="ignore", divide="ignore"):
            lin = n_g / (n_g - 1) * zz
            bound = np.where(c > 0, c * np.sqrt(st["var_mean"]), 0.0).sum(-1) ** 2
            var_g = np.where(borrowed_g, bound, lin)
        var_g = np.where(used, var_g, 0.0)
        df_cell_max = np.where(c > 0, st["df_cell"], -np.inf).max(-1)
        df_g = np.where(used, np.where(borrowed_g, df_cell_max, n_g - 1.0), -np.inf)
    used = (c > 0).any(-1)
    var = np.where(V > 0, var_g.sum(-1), np.nan)
    df = satterthwaite_df(var_g, np.where(used, df_g, 1.0))
    return {
        "st": st,
        "ws": ws,
        "missing": missing,
        "has_d": has_d,
        "borrowed_g": borrowed_g,
        "composite": comp,
        "var": var,
        "df": df,
        "lv": lv,
    }


def _tally_from_pattern_arrays(cyc, unit, group, levels, cnt, shape):
    """Dense tally from pattern codes (internal check that patterns and counts agree)."""
    C, U, G, D, L = shape
    out = np.zeros(shape, np.int64)
    base = ((cyc * U + unit) * G + group) * D
    for d in range(D):
        k = (base + d) * L + levels[:, d]
        out += (
            np.rint(np.bincount(k, weights=cnt, minlength=C * U * G * D * L))
            .astype(np.int64)
            .reshape(shape)
        )
    return out


def composites(
    counts: pd.DataFrame,
    *,
    units: pd.DataFrame,
    scheme: Scheme | None = None,
    confidence_level: float = 0.95,
    patterns: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Dimension-weighted composite per cycle × unit, with an interval and flags.

    ``composite = Σ_d v_d · weighted_score_d / Σ_{d with a weighted score} v_d`` (dimension
    weights of the scheme, renormalised where a dimension has no valid answer at all).

    Parameters
    ----------
    counts : DataFrame
        A tally.
    units : DataFrame
        Columns ``unit, name, series``; one output row per unit and cycle, in this order.
    scheme : Scheme, path or None
    confidence_level : float
    patterns : DataFrame, optional
        Answer-pattern counts of the same forms: the interval then uses the form-level
        variance of each form's contribution to the composite (recommended).  Without them the
        five answers of a form are taken as perfectly correlated (a conservative bound).

    Returns
    -------
    DataFrame
        ``cycle, unit, unit_name, series, composite, composite_ci_low, composite_ci_high, flags,
        n_forms, composite_se, composite_df, confidence_level``.  ``flags`` joins with ``;``:
        ``no_forms`` (the unit has no form in the cycle; composite NaN),
        ``group_missing:<group>`` (renormalised away in at least one dimension),
        ``pooled_variance:<group>`` (the group has a single form or answer, and its variance is
        borrowed from the same group in the other units; see the module docstring),
        ``dimension_no_valid:<dimension>``, ``low_confidence`` (a unit × dimension with some but
        fewer valid answers than ``scheme.rules.low_confidence_n``) and ``no_interval`` (a
        variance can be neither estimated nor borrowed).

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.counts.tally import tally
    >>> units = pd.DataFrame({"unit": ["U1"], "name": ["办公室"], "series": ["administration"]})
    >>> composites(tally(empty_forms(units=["U1"])), units=units).shape
    (0, 12)
    """
    scheme = resolve_scheme(scheme)
    level = check_confidence_level(confidence_level)
    units_df = check_units_table(units)
    dense, cycles, unit_cats = _dense(counts, scheme)
    _series_of(unit_cats, units_df, dense, scheme)  # every unit with forms has a row
    r = _composite_arrays(dense, cycles, unit_cats, scheme, patterns)
    return _composite_frame(r, dense, cycles, unit_cats, units_df, scheme, level)


def _composite_frame(r, dense, cycles, unit_cats, units_df, scheme, level):
    C = len(cycles)
    pos = {str(u): i for i, u in enumerate(unit_cats)}
    st, lv = r["st"], r["lv"]
    se = np.sqrt(r["var"])
    low, high = _score_ci(r["composite"], se, r["df"], level, lv)
    n_forms_cu = dense[..., 0, :].sum(axis=(-1, -2))  # [C, U]
    nv_ud = st["n_valid"].sum(axis=2)  # [C, U, D]
    rows = []
    groups, dims = scheme.group_codes, scheme.dimension_codes
    for c in range(C):
        for u_row in units_df.itertuples(index=False):
            i = pos.get(u_row.unit)
            if i is None or n_forms_cu[c, i] == 0:
                rows.append((c, u_row, np.nan, np.nan, np.nan, "no_forms", 0, np.nan, np.nan))
                continue
            flags = [
                f"group_missing:{g}" for j, g in enumerate(groups) if r["missing"][c, i, j].any()
            ]
            flags += [
                f"pooled_variance:{g}" for j, g in enumerate(groups) if r["borrowed_g"][c, i, j]
            ]
            flags += [
                f"dimension_no_valid:{d}" for k, d in enumerate(dims) if not r["has_d"][c, i, k]
            ]
            nv = nv_ud[c, i]
            if ((nv > 0) & (nv < scheme.rules.low_confidence_n)).any():
                flags.append("low_confidence")
            if np.isfinite(r["composite"][c, i]) and not np.isfinite(se[c, i]):
                flags.append("no_interval")
            rows.append(
                (
                    c,
                    u_row,
                    r["composite"][c, i],
                    low[c, i],
                    high[c, i],
                    ";".join(flags),
                    int(n_forms_cu[c, i]),
                    se[c, i],
                    r["df"][c, i],
                )
            )
    return pd.DataFrame(
        {
            "cycle": pd.array([cycles[x[0]] for x in rows], dtype="str"),
            "unit": pd.array([x[1].unit for x in rows], dtype="str"),
            "unit_name": pd.array([x[1].name for x in rows], dtype="str"),
            "series": pd.array([x[1].series for x in rows], dtype="str"),
            "composite": np.array([x[2] for x in rows], float),
            "composite_ci_low": np.array([x[3] for x in rows], float),
            "composite_ci_high": np.array([x[4] for x in rows], float),
            "flags": pd.array([x[5] for x in rows], dtype="str"),
            "n_forms": np.array([x[6] for x in rows], np.int64),
            "composite_se": np.array([x[7] for x in rows], float),
            "composite_df": np.array([x[8] for x in rows], float),
            "confidence_level": np.full(len(rows), level),
        },
        columns=COMPOSITE_COLUMNS,
    )


# ---------------------------------------------------------------------- the year
def composite_year(
    half_year: pd.DataFrame,
    annual: pd.DataFrame,
    *,
    scheme: Scheme | None = None,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Period-weighted composite of the year: ``w_h · composite_h1 + w_a · composite_annual``.

    Parameters
    ----------
    half_year, annual : DataFrame
        :func:`composites` of the half-year cycle and of the annual (year-end) cycle, one
        cycle each.
    scheme : Scheme, path or None
        ``scheme.rules.period_weights`` (``half_year``, ``annual``) give the weights.
    confidence_level : float

    Returns
    -------
    DataFrame
        One row per unit (annual units first, in their order, then half-year-only units):
        ``cycle`` (the annual cycle), ``unit, unit_name, series, composite_h1,
        composite_annual, composite_year, composite_year_ci_low, composite_year_ci_high,
        weight_half_year, weight_annual, flags``.  The weight columns state the weights used:
        a unit with a composite in one cycle only uses that one (weight 1) and is flagged
        ``one_cycle_only:<cycle>``; a unit with neither is flagged ``no_forms``.  The two
        cycles are independent samples: ``var = w_h² se_h² + w_a² se_a²`` with
        Welch–Satterthwaite degrees of freedom.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"cycle": ["2026H1"], "unit": ["U1"], "unit_name": ["a"],
    ...     "series": ["administration"], "composite": [80.0], "composite_se": [1.0],
    ...     "composite_df": [50.0]})
    >>> a = h.assign(cycle="2026A", composite=90.0)
    >>> float(composite_year(h, a)["composite_year"].iloc[0])
    86.0
    """
    scheme = resolve_scheme(scheme)
    level = check_confidence_level(confidence_level)
    need = ["cycle", "unit", "unit_name", "series", "composite", "composite_se", "composite_df"]
    frames = {}
    for name, f in (("half_year", half_year), ("annual", annual)):
        if not isinstance(f, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame; got {type(f).__name__}")
        missing = [c for c in need if c not in f.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s) {missing}; pass the output of composites()")
        cyc = pd.unique(f["cycle"].astype(str))
        if len(cyc) > 1:
            raise ValueError(f"{name} must hold one cycle; got {sorted(cyc)}")
        dup = f["unit"][f["unit"].duplicated()].astype(str).unique().tolist()
        if dup:
            raise ValueError(f"{name} lists unit(s) {dup} more than once")
        frames[name] = f.assign(unit=f["unit"].astype(str)).set_index("unit")
    h, a = frames["half_year"], frames["annual"]
    h_cycle = str(h["cycle"].iloc[0]) if len(h) else "half_year"
    a_cycle = str(a["cycle"].iloc[0]) if len(a) else h_cycle
    order = list(dict.fromkeys([*a.index, *h.index]))
    pw = scheme.rules.period_weights
    w_h, w_a = float(pw["half_year"]), float(pw["annual"])

    def col(f, c):
        return f[c].reindex(order).to_numpy(dtype=float)

    ch, ca = col(h, "composite"), col(a, "composite")
    sh, sa = col(h, "composite_se"), col(a, "composite_se")
    dh, da = col(h, "composite_df"), col(a, "composite_df")
    has_h, has_a = np.isfinite(ch), np.isfinite(ca)
    wh = np.where(has_h & has_a, w_h, np.where(has_h, 1.0, 0.0))
    wa = np.where(has_h & has_a, w_a, np.where(has_a, 1.0, 0.0))
    both = has_h | has_a
    with np.errstate(invalid="ignore"):
        year = np.where(both, wh * np.nan_to_num(ch) + wa * np.nan_to_num(ca), np.nan)
        th = np.where(wh > 0, wh * wh * sh * sh, 0.0)
        ta = np.where(wa > 0, wa * wa * sa * sa, 0.0)
        se = np.where(both, np.sqrt(th + ta), np.nan)
        df = satterthwaite_df(np.stack([th, ta], -1), np.stack([dh, da], -1))
    ci = t_interval(year, se, df, confidence_level=level)
    flags = np.where(
        has_h & ~has_a,
        f"one_cycle_only:{h_cycle}",
        np.where(~has_h & has_a, f"one_cycle_only:{a_cycle}", np.where(both, "", "no_forms")),
    )

    def meta(c):
        return a[c].reindex(order).fillna(h[c].reindex(order)).astype(str).to_numpy()

    return pd.DataFrame(
        {
            "cycle": pd.array([a_cycle] * len(order), dtype="str"),
            "unit": pd.array(order, dtype="str"),
            "unit_name": pd.array(meta("unit_name"), dtype="str"),
            "series": pd.array(meta("series"), dtype="str"),
            "composite_h1": ch,
            "composite_annual": ca,
            "composite_year": year,
            "composite_year_ci_low": np.asarray(ci.low, float),
            "composite_year_ci_high": np.asarray(ci.high, float),
            "weight_half_year": wh,
            "weight_annual": wa,
            "flags": pd.array(flags, dtype="str"),
        }
    )


# ---------------------------------------------------------------------- the scores table
def scores_table(
    counts: pd.DataFrame,
    *,
    units: pd.DataFrame,
    scheme: Scheme | None = None,
    method: str = "wilson",
    confidence_level: float = 0.95,
    patterns: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The contract table ``tables/scores.csv``.

    Rows, per cycle: every unit × group × dimension; unit × dimension (``group = "all"``,
    carrying ``weighted_score``); unit (``group = dimension = "all"``, carrying the
    ``composite`` in the ``weighted_score`` columns); then the same three levels per series
    and for the whole town (``unit = "all"``; the town's ``series`` is ``"all"``; no weighted
    score).  Units of ``units`` absent from the tally's unit categories get no rows here
    (:func:`composites` lists them, flagged ``no_forms``); series nobody in ``units`` belongs to
    are left out.  Order: cycle; units in the order of ``units``, then series in scheme order, then
    the town; groups in scheme order then ``all``; dimensions in scheme order then ``all``.

    Parameters
    ----------
    counts : DataFrame
        A tally.
    units : DataFrame
        Columns ``unit, name, series``.
    scheme, method, confidence_level, patterns
        As in :func:`metrics` (``patterns`` also feeds the composite's interval).

    Returns
    -------
    DataFrame
        Columns exactly ``cycle, unit, unit_name, series, group, dimension, n_forms, n_valid,
        n_unknown, n_blank, top_box_rate, satisfied_rate, satisfied_ci_low, satisfied_ci_high,
        dissatisfied_rate, share_of_all_votes, score, score_ci_low, score_ci_high,
        weighted_score, weighted_score_ci_low, weighted_score_ci_high, confidence_level,
        ci_method, low_confidence``; codes as strings, rates as unrounded fractions.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.counts.tally import tally
    >>> units = pd.DataFrame({"unit": ["U1"], "name": ["办公室"], "series": ["administration"]})
    >>> list(scores_table(tally(empty_forms(units=["U1"])), units=units).columns)[:6]
    ['cycle', 'unit', 'unit_name', 'series', 'group', 'dimension']
    """
    scheme = resolve_scheme(scheme)
    method = check_option("method", method, PROPORTION_METHODS)
    level = check_confidence_level(confidence_level)
    units_df = check_units_table(units)
    dense, cycles, unit_cats = _dense(counts, scheme)
    _series_of(unit_cats, units_df, dense, scheme)
    parts = []

    def m(by):
        return _metrics(dense, cycles, unit_cats, scheme, by, method, level, patterns, units_df)

    for by, kind in (
        (("cycle", "unit", "group", "dimension"), "unit"),
        (("cycle", "unit", "dimension"), "unit"),
        (("cycle", "unit"), "unit"),
        (("cycle", "series", "group", "dimension"), "series"),
        (("cycle", "series", "dimension"), "series"),
        (("cycle", "series"), "series"),
        (("cycle", "group", "dimension"), "town"),
        (("cycle", "dimension"), "town"),
        (("cycle",), "town"),
    ):
        f = m(by)
        for k in ("unit", "group", "dimension", "series"):
            f[k] = f[k].astype(str) if k in by else ALL
        f["_kind"] = kind
        parts.append(f)
    out = pd.concat(parts, ignore_index=True)
    if not len(units_df):
        out = out[out["_kind"] != "unit"]
    unit_info = units_df.set_index("unit")
    is_unit = out["_kind"] == "unit"
    out = out[~is_unit | out["unit"].isin(unit_info.index)].copy()
    is_unit = out["_kind"] == "unit"
    out["unit_name"] = ""
    out.loc[is_unit, "unit_name"] = unit_info["name"].reindex(out.loc[is_unit, "unit"]).to_numpy()
    out.loc[is_unit, "series"] = unit_info["series"].reindex(out.loc[is_unit, "unit"]).to_numpy()
    # series rows: drop series nobody belongs to
    used_series = set(units_df["series"])
    out = out[(out["_kind"] != "series") | out["series"].isin(used_series)]

    # weighted scores (unit × dimension) and composites (unit)
    r = _composite_arrays(dense, cycles, unit_cats, scheme, patterns)
    st, lv = r["st"], r["lv"]
    ws, var, df, _, _ = _weighted(st, scheme)
    w_low, w_high = _score_ci(ws, np.sqrt(var), df, level, lv)
    c_low, c_high = _score_ci(r["composite"], np.sqrt(r["var"]), r["df"], level, lv)
    cyc_pos = {c: i for i, c in enumerate(cycles)}
    u_pos = {str(u): i for i, u in enumerate(unit_cats)}
    d_pos = {d: i for i, d in enumerate(scheme.dimension_codes)}
    out["weighted_score"] = np.nan
    out["weighted_score_ci_low"] = np.nan
    out["weighted_score_ci_high"] = np.nan
    sel = (out["_kind"] == "unit") & (out["group"] == ALL)
    if sel.any():
        ci = out.loc[sel, "cycle"].map(cyc_pos).to_numpy()
        ui = out.loc[sel, "unit"].map(u_pos).to_numpy()
        dims = out.loc[sel, "dimension"]
        is_all = (dims == ALL).to_numpy()
        di = dims.map(d_pos).fillna(0).astype(int).to_numpy()
        for col, per_dim, per_unit in (
            ("weighted_score", ws, r["composite"]),
            ("weighted_score_ci_low", w_low, c_low),
            ("weighted_score_ci_high", w_high, c_high),
        ):
            out.loc[sel, col] = np.where(is_all, per_unit[ci, ui], per_dim[ci, ui, di])

    # order
    unit_order = {u: i for i, u in enumerate(units_df["unit"])}
    series_order = {s: i for i, s in enumerate(scheme.series_codes)}
    for s in units_df["series"]:
        series_order.setdefault(s, len(series_order))
    kind_order = {"unit": 0, "series": 1, "town": 2}
    g_order = {g: i for i, g in enumerate(scheme.group_codes)} | {ALL: len(scheme.group_codes)}
    d_order = d_pos | {ALL: len(scheme.dimension_codes)}
    sort = pd.DataFrame(
        {
            "c": out["cycle"].map(cyc_pos).to_numpy(),
            "k": out["_kind"].map(kind_order).to_numpy(),
            "u": out["unit"].map(unit_order).fillna(-1).to_numpy(),
            "s": out["series"].map(series_order).fillna(-1).to_numpy(),
            "g": out["group"].map(g_order).to_numpy(),
            "d": out["dimension"].map(d_order).to_numpy(),
        }
    )
    order = np.lexsort([sort[k].to_numpy() for k in ("d", "g", "s", "u", "k", "c")])
    out = out.iloc[order].reset_index(drop=True)
    for c in ("cycle", "unit", "unit_name", "series", "group", "dimension", "ci_method"):
        out[c] = out[c].astype("str")
    return out[SCORES_COLUMNS]


__all__ = [
    "ALL",
    "COMPOSITE_COLUMNS",
    "GROUPING_KEYS",
    "METRIC_COLUMNS",
    "SCORES_COLUMNS",
    "composite_year",
    "composites",
    "metrics",
    "scores_table",
    "weighted_scores",
]
