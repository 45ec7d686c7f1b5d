"""One difference of two proportions: interval and score test (:func:`rate_difference`).

Examples
--------
>>> r = rate_difference(56, 70, 48, 80)
>>> round(r.estimate, 4), r.method
(0.2, 'score-z')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from evalstats.core.options import check_confidence_level, check_option
from evalstats.stats.compare.result import TestResult
from evalstats.stats.intervals import DIFFERENCE_METHODS, check_pairs, difference_bounds

__all__ = ["rate_difference", "rate_score_test", "rate_test_name"]

_NAN = float("nan")


def rate_score_test(k1, n1, k2, n2, method: str):
    """Score test of p1 = p2: statistic z and two-sided p-value (arrays).

    Parameters
    ----------
    k1, n1, k2, n2 : numpy.ndarray
        Successes and trials of the two samples (fractional effective counts allowed).
    method : {"newcombe", "miettinen-nurminen"}
        ``"newcombe"``: the pooled-variance z; ``"miettinen-nurminen"``: times
        ``sqrt((N − 1)/N)`` (see :func:`rate_difference`, Notes).

    Returns
    -------
    z, p : numpy.ndarray
        NaN where a sample is empty.

    Examples
    --------
    >>> z, p = rate_score_test(np.float64(56), np.float64(70), np.float64(48), np.float64(80),
    ...                        "newcombe")
    >>> round(float(z), 3)
    2.65
    """
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


def rate_test_name(method: str) -> str:
    """The ``method`` of the test that goes with an interval ``method``.

    Examples
    --------
    >>> rate_test_name("newcombe"), rate_test_name("miettinen-nurminen")
    ('score-z', 'miettinen-nurminen-score')
    """
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
    low, high = difference_bounds(k1, n1, k2, n2, method=method, level=level)
    z, p = rate_score_test(np.float64(k1), np.float64(n1), np.float64(k2), np.float64(n2), method)
    est = k1 / n1 - k2 / n2 if n1 > 0 and n2 > 0 else _NAN
    return TestResult(
        test="rate_difference",
        statistic=float(z),
        pvalue=float(p),
        df=_NAN,
        method=rate_test_name(method),
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
