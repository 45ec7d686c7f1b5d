"""Statistics of the tally's cells: level vectors, answer counts, scores and their variance.

Every score of :mod:`evalstats.stats.score` starts here: :func:`dense_tally` turns a tally into
an array ``[cycle, unit, group, dimension, level]``, :class:`Levels` holds the scheme's
per-level vectors, :func:`cell_stats` the metrics of any array of level counts,
:func:`cell_level` adds each cell's variance of the mean (borrowing the pooled variance for a
cell of one answer), :func:`score_ci` the t interval cut to the points range and
:func:`pattern_arrays` the codes of answer-pattern counts aligned with a tally.

Examples
--------
>>> from evalstats.core.scheme import load_scheme
>>> lv = Levels(load_scheme())
>>> lv.min_points, lv.max_points
(0.0, 100.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme
from evalstats.counts.tally import (
    category_codes,
    check_forms,
    tally_to_array,
    text_positions,
)
from evalstats.stats.intervals import (
    t_interval,
)


class Levels:
    """Per-level vectors (tally level order: scheme levels, then blank).

    Boolean masks ``valid``, ``blank``, ``unknown``, ``satisfied``, ``top``, ``dissatisfied``
    and the ``points`` of each level (0 where not valid); ``min_points`` / ``max_points`` bound
    a score.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> lv = Levels(load_scheme())
    >>> lv.n == len(load_scheme().levels) + 1, bool(lv.blank[-1])
    (True, True)
    """

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


def dense_tally(counts, scheme: Scheme):
    """Dense tally ``[cycle, unit, group, dimension, level]`` with consistent form totals.

    Returns ``(dense, cycles, units)`` (:func:`evalstats.counts.tally.tally_to_array`); raises
    ValueError when the dimensions of a cycle × unit × group have different totals.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import tally
    >>> from evalstats.inputs.forms import empty_forms
    >>> dense, cycles, units = dense_tally(tally(empty_forms()), load_scheme())
    >>> dense.ndim
    5
    """
    dense, cycles, units = tally_to_array(counts, scheme)
    totals = dense.sum(axis=-1)  # [C, U, G, D]
    if totals.shape[-1] > 1 and not (totals == totals[..., :1]).all():
        raise ValueError(
            "counts is not a tally of forms: the dimensions of a cycle × unit × group "
            "have different totals (every form counts once in every dimension, blank included)"
        )
    return dense, cycles, units


def series_of(units_cats, units_df: pd.DataFrame, dense, scheme: Scheme):
    """Series code index per unit category and the series categories.

    Series are the scheme's, then those of ``units_df`` not in it; a unit without a row in
    ``units_df`` gets -1, and ValueError is raised if such a unit has forms in ``dense``.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from evalstats.core.scheme import load_scheme
    >>> units = pd.DataFrame({"unit": ["U1"], "name": ["a"], "series": ["administration"]})
    >>> idx, cats = series_of(["U1"], units, np.zeros((1, 1, 1, 1, 1)), load_scheme())
    >>> cats[int(idx[0])]
    'administration'
    """
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


def cell_stats(S: np.ndarray, lv: Levels) -> dict:
    """Metrics from level counts ``S[..., level]`` (int64).

    Returns a dict of arrays of ``S``'s leading shape: ``n_valid, n_unknown, n_blank,
    k_satisfied, top_box_rate, satisfied_rate, dissatisfied_rate, share_of_all_votes, score,
    var_answer`` (answer-level sample variance, NaN below two valid answers) and ``ss`` (sum of
    squared deviations).

    Examples
    --------
    >>> import numpy as np
    >>> from evalstats.core.scheme import load_scheme
    >>> lv = Levels(load_scheme())
    >>> S = np.zeros(lv.n, np.int64); S[0] = 3
    >>> float(cell_stats(S, lv)["score"])
    100.0
    """
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


def score_ci(score, se, df, level, lv: Levels):
    """The t interval of a score, cut to the scheme's points range: ``(low, high)``.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> low, high = score_ci(99.0, 2.0, 30.0, 0.95, Levels(load_scheme()))
    >>> float(high)
    100.0
    """
    ci = t_interval(score, se, df, confidence_level=level)
    low = np.clip(ci.low, lv.min_points, lv.max_points)
    high = np.clip(ci.high, lv.min_points, lv.max_points)
    return low, high


def pattern_arrays(patterns, scheme: Scheme, cycles, units):
    """Pattern-level codes aligned with a tally: cycle and unit indexes, group, levels, count.

    ``patterns`` are :func:`evalstats.counts.tally.pattern_counts` of the forms of the tally
    whose cycles and units are given; levels are coded as in a tally (blank last).  Raises
    TypeError / ValueError when they do not fit.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.inputs.forms import empty_forms
    >>> s = load_scheme()
    >>> len(pattern_arrays(pattern_counts(empty_forms()), s, [], [])[-1])
    0
    """
    if not isinstance(patterns, pd.DataFrame):
        raise TypeError(f"patterns must be a pandas DataFrame; got {type(patterns).__name__}")
    if "count" not in patterns.columns:
        raise ValueError("patterns lacks column(s) ['count']")
    check_forms(patterns, scheme)  # columns and dtypes
    cyc = text_positions(patterns["cycle"], pd.Index(cycles))
    unit = text_positions(patterns["unit"], pd.Index([str(u) for u in units]))
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


def cell_level(dense, scheme):
    """Per (cycle, unit, group, dimension) cell: stats, variance of the mean and its df.

    A cell with a single valid answer has no variance of its own; it borrows the pooled
    within-unit variance of its group × dimension over the cycle's units,
    ``Σ_u ss_u / Σ_u (n_u − 1)`` (units with two or more answers), with those degrees of
    freedom (``borrowed`` marks such cells; ``var_pooled`` and ``df_pooled`` hold the
    pooled variance of one answer and its degrees of freedom for every cell).

    Examples
    --------
    >>> import numpy as np
    >>> from evalstats.core.scheme import load_scheme
    >>> s = load_scheme()
    >>> dense = np.zeros((1, 2, 1, 1, len(s.levels) + 1), np.int64)
    >>> dense[0, 0, 0, 0, 0] = 1; dense[0, 1, 0, 0, :2] = 1
    >>> st, lv = cell_level(dense, s)
    >>> st["borrowed"].ravel().tolist()
    [True, False]
    """
    lv = Levels(scheme)
    st = cell_stats(dense, lv)
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
    st["var_pooled"] = np.broadcast_to(s2_p, nv.shape)  # one answer's borrowed variance
    st["df_pooled"] = np.broadcast_to(df_p, nv.shape)
    return st, lv


__all__ = [
    "Levels",
    "cell_level",
    "cell_stats",
    "dense_tally",
    "pattern_arrays",
    "score_ci",
    "series_of",
]
