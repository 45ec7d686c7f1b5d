"""Weak items (薄弱项): which unit × dimension goes on the 整改清单 (:func:`weak_reasons`).

The rule is the scheme's ``[rules.weak]`` (:class:`evalstats.core.scheme.WeakRule`); DOMAIN.md
states it: "a unit at or above its series' median on a dimension is not told that dimension is
weak".  :func:`evalstats.present.words.weak_rule_text` says the rule in words for the report.

Examples
--------
>>> rows = pd.DataFrame({"series": "s", "dimension": "service",
...                      "weighted_score": [95.0, 90.0, 70.0],
...                      "weighted_score_ci_high": [99.0, 95.0, 80.0],
...                      "n_valid": [80, 80, 80], "n_dissatisfied": [0, 2, 15]})
>>> weak_reasons(rows)["weak_reason"].tolist()
['', '', 'below_series_median;high_dissatisfied_rate']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.options import check_confidence_level, check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.intervals import PROPORTION_METHODS, proportion_bounds

__all__ = ["WEAK_REASON_COLUMNS", "WEAK_RULES", "weak_reasons"]

WEAK_RULES = ("below_series_median", "high_dissatisfied_rate")
"""Reason codes of a weak item: the score's interval lies below the series median; the
不满意率 is among the highest of the series, clearly above its median."""

WEAK_REASON_COLUMNS = [
    "series_median",
    "dissatisfied_rate",
    "dissatisfied_ci_low",
    "dissatisfied_ci_high",
    "series_median_dissatisfied_rate",
    "series_high_dissatisfied_rate",
    "weak_reason",
]

_REQUIRED = [
    "series",
    "dimension",
    "weighted_score",
    "weighted_score_ci_high",
    "n_valid",
    "n_dissatisfied",
]


def weak_reasons(
    rows: pd.DataFrame,
    *,
    scheme: Scheme | None = None,
    confidence_level: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Decide, for every unit × dimension, whether it is weak and why.

    Parameters
    ----------
    rows : DataFrame
        One row per unit × dimension of one cycle: ``series, dimension, weighted_score,
        weighted_score_ci_high, n_valid, n_dissatisfied`` (``cycle`` optional: the series are
        then taken per cycle).  All units of a series must be present: the medians and the
        quantile are over them.
    scheme : Scheme, path or None
        ``scheme.rules.weak`` is the rule.
    confidence_level : float
        Level of the 不满意率 interval.
    method : str
        Interval of the 不满意率 (:data:`evalstats.stats.intervals.PROPORTION_METHODS`).

    Returns
    -------
    DataFrame
        ``WEAK_REASON_COLUMNS`` aligned with ``rows``: ``series_median`` (of
        ``weighted_score``), ``dissatisfied_rate`` = ``n_dissatisfied / n_valid`` and its
        interval, ``series_median_dissatisfied_rate``, ``series_high_dissatisfied_rate`` (the
        ``dissatisfied_quantile`` of the series' rates) and ``weak_reason`` (``WEAK_RULES``
        codes joined by ``;``, ``""`` for a dimension that is not weak).

    Notes
    -----
    The rule (:class:`evalstats.core.scheme.WeakRule`, DOMAIN.md): weak only when
    ``weighted_score < series_median`` — a dimension at or above the median of its series is
    never weak — and

    * ``below_series_median`` (with ``score_interval_below_median``):
      ``weighted_score_ci_high < series_median``; or
    * ``high_dissatisfied_rate``: ``n_dissatisfied >= min_dissatisfied``,
      ``dissatisfied_rate >= series_high_dissatisfied_rate`` and (with
      ``dissatisfied_interval_above_median``) ``dissatisfied_ci_low >
      series_median_dissatisfied_rate``.

    Medians and the quantile (linear interpolation, ``pandas.Series.quantile``) are over the
    units of the series with a value.  Adding to a series a unit better than all (higher
    score, lower 不满意率) lowers neither the score median nor raises the rate thresholds, so
    no item of another unit stops being weak.

    Examples
    --------
    >>> rows = pd.DataFrame({"series": "s", "dimension": "integrity",
    ...                      "weighted_score": [92.1, 91.3, 90.0],
    ...                      "weighted_score_ci_high": [96.9, 95.0, 94.0],
    ...                      "n_valid": [78, 80, 80], "n_dissatisfied": [5, 1, 1]})
    >>> weak_reasons(rows)["weak_reason"].tolist()  # above the median: never weak
    ['', '', '']
    """
    scheme = resolve_scheme(scheme)
    level = check_confidence_level(confidence_level)
    method = check_option("method", method, PROPORTION_METHODS)
    if not isinstance(rows, pd.DataFrame):
        raise TypeError(f"rows must be a pandas DataFrame; got {type(rows).__name__}")
    missing = [c for c in _REQUIRED if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lacks column(s) {missing}; it needs {_REQUIRED}")
    rule = scheme.rules.weak
    keys = [rows[c].astype(str) for c in ("cycle", "series", "dimension") if c in rows.columns]
    score = pd.to_numeric(rows["weighted_score"], errors="coerce").astype(float)
    high = pd.to_numeric(rows["weighted_score_ci_high"], errors="coerce").astype(float)
    n = pd.to_numeric(rows["n_valid"], errors="coerce").fillna(0).to_numpy(float)
    k = pd.to_numeric(rows["n_dissatisfied"], errors="coerce").fillna(0).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = pd.Series(np.where(n > 0, k / np.where(n > 0, n, 1), np.nan), index=rows.index)
    lo, hi = proportion_bounds(k, np.where(n > 0, n, 1), method, level)
    lo = np.where(n > 0, lo, np.nan)
    hi = np.where(n > 0, hi, np.nan)
    median = score.groupby(keys).transform("median")
    rate_median = rate.groupby(keys).transform("median")
    rate_high = rate.groupby(keys).transform(lambda x: x.quantile(rule.dissatisfied_quantile))
    below_median = (score < median).to_numpy()  # NaN compares False: no score, not weak
    clearly = below_median & (high < median).to_numpy() & rule.score_interval_below_median
    many = below_median & (k >= rule.min_dissatisfied) & (rate >= rate_high).to_numpy()
    if rule.dissatisfied_interval_above_median:
        many &= lo > rate_median.to_numpy()
    parts = [np.where(clearly, WEAK_RULES[0], ""), np.where(many, WEAK_RULES[1], "")]
    reason = [";".join(p for p in pair if p) for pair in zip(*parts, strict=True)]
    return pd.DataFrame(
        {
            "series_median": median.to_numpy(),
            "dissatisfied_rate": rate.to_numpy(),
            "dissatisfied_ci_low": lo,
            "dissatisfied_ci_high": hi,
            "series_median_dissatisfied_rate": rate_median.to_numpy(),
            "series_high_dissatisfied_rate": rate_high.to_numpy(),
            "weak_reason": pd.array(reason, dtype=object),
        },
        index=rows.index,
    )
