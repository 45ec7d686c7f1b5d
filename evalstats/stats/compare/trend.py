"""Cochran–Armitage (linear-by-linear) test for a trend in proportions across cycles.

Examples
--------
>>> r = trend_test([83, 90, 129, 70], [86, 93, 136, 82])
>>> round(r.statistic, 5), round(r.pvalue, 6)
(8.22492, 0.004132)
"""

from __future__ import annotations

import numpy as np

from evalstats.core.options import check_option
from evalstats.stats.compare.result import TestResult
from evalstats.stats.distributions import chi2_sf
from evalstats.stats.intervals import check_pairs

__all__ = ["TREND_METHODS", "trend_test"]

TREND_METHODS = ("cochran-armitage", "mantel-haenszel")
_NAN = float("nan")


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
        p = float(chi2_sf(x2, 1))
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
