"""Confidence intervals: binomial proportions and means (vectorised, from sufficient statistics).

Every function takes counts (or an estimate with its standard error), never rows, and works
element-wise on arrays.  Results are :class:`ConfidenceInterval` objects (like scipy's).

References
----------
.. [1] Newcombe RG (1998). Two-sided confidence intervals for the single proportion:
       comparison of seven methods. Statistics in Medicine 17:857-872.
.. [2] Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a binomial proportion.
       Statistical Science 16(2):101-133.
.. [3] Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated in
       the case of the binomial. Biometrika 26:404-413.
.. [4] Satterthwaite FE (1946). An approximate distribution of estimates of variance
       components. Biometrics Bulletin 2(6):110-114.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from ._options import check_confidence_level, check_option

PROPORTION_METHODS = ("wilson", "clopper-pearson", "jeffreys")


@dataclass(frozen=True)
class ConfidenceInterval:
    """Lower and upper bound of a confidence interval (floats or arrays of equal shape)."""

    low: np.ndarray | float
    high: np.ndarray | float

    def to_frame(self) -> pd.DataFrame:
        """The interval as a DataFrame with columns ``ci_low, ci_high``."""
        return pd.DataFrame(
            {"ci_low": np.atleast_1d(self.low), "ci_high": np.atleast_1d(self.high)}
        )


def _counts(k, n) -> tuple[np.ndarray, np.ndarray]:
    k = np.asarray(k)
    n = np.asarray(n)
    for name, v in (("k", k), ("n", n)):
        if v.dtype.kind not in "iuf" or v.dtype == bool:
            raise TypeError(f"{name} must be numbers (counts); got dtype {v.dtype}")
    kf = k.astype(np.float64)
    nf = n.astype(np.float64)
    with np.errstate(invalid="ignore"):
        bad = (
            ~np.isfinite(kf)
            | ~np.isfinite(nf)
            | (kf < 0)
            | (kf > nf)
            | (kf != np.floor(kf))
            | (nf != np.floor(nf))
        )
    if np.any(bad):
        raise ValueError("k and n must be whole numbers with 0 <= k <= n")
    return np.broadcast_arrays(kf, nf)


def _out(x, scalar: bool):
    return float(x) if scalar else x


def proportion_ci(
    k, n, *, method: str = "wilson", confidence_level: float = 0.95
) -> ConfidenceInterval:
    """Confidence interval for a binomial proportion ``k / n``, element-wise.

    Parameters
    ----------
    k, n : int or array_like of int
        Successes and trials (broadcast against each other); ``0 <= k <= n``.
    method : {"wilson", "clopper-pearson", "jeffreys"}
        ``"wilson"`` (default): the score interval of Wilson (1927), method 3 of Newcombe [1]_.
        ``"clopper-pearson"``: the exact interval [3]_ (beta quantiles).
        ``"jeffreys"``: equal-tailed Beta(k + 1/2, n - k + 1/2) quantiles, with the lower bound
        set to 0 at ``k = 0`` and the upper bound to 1 at ``k = n`` as recommended by [2]_.
    confidence_level : float
        Strictly between 0 and 1.

    Returns
    -------
    ConfidenceInterval
        ``low`` and ``high`` (floats for scalar input, arrays otherwise); NaN where ``n == 0``.

    Notes
    -----
    With :math:`z = \\Phi^{-1}(1 - \\alpha/2)` and :math:`\\hat p = k/n`, Wilson's bounds are
    :math:`(\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}) / (1 + z^2/n)`.
    The three methods agree with ``statsmodels.stats.proportion.proportion_confint``
    (``"wilson"``, ``"beta"``; ``"jeffreys"`` there does not apply the 0/1 end convention of
    [2]_ and returns numbers at ``n = 0``).

    References
    ----------
    See the module docstring.

    Examples
    --------
    Newcombe (1998), Table I, method 3: 81/263 gives 0.2553 to 0.3662.

    >>> ci = proportion_ci(81, 263)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.2553, 0.3662)
    """
    method = check_option("method", method, PROPORTION_METHODS)
    level = check_confidence_level(confidence_level)
    scalar = np.ndim(k) == 0 and np.ndim(n) == 0
    k, n = _counts(k, n)
    low, high = _proportion_bounds(k, n, method, level)
    return ConfidenceInterval(_out(low, scalar), _out(high, scalar))


def _proportion_bounds(k: np.ndarray, n: np.ndarray, method: str, level: float):
    """Bounds of :func:`proportion_ci` for checked float arrays; ``k`` and ``n`` may be
    fractional (effective counts of a design-effect-adjusted interval)."""
    k, n = np.broadcast_arrays(np.asarray(k, np.float64), np.asarray(n, np.float64))
    alpha = 1.0 - level
    empty = ~(n > 0)
    ns = np.where(empty, 1.0, n)
    ks = np.where(empty, 0.0, np.clip(k, 0.0, ns))
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "wilson":
            z = special.ndtri(1.0 - alpha / 2)
            p = ks / ns
            z2 = z * z
            denom = 1.0 + z2 / ns
            center = (p + z2 / (2 * ns)) / denom
            half = z * np.sqrt(p * (1 - p) / ns + z2 / (4 * ns * ns)) / denom
            low = np.clip(center - half, 0.0, 1.0)
            high = np.clip(center + half, 0.0, 1.0)
        elif method == "clopper-pearson":
            low = special.betaincinv(np.maximum(ks, 1e-300), ns - ks + 1, alpha / 2)
            high = special.betaincinv(ks + 1, np.maximum(ns - ks, 1e-300), 1 - alpha / 2)
        else:  # jeffreys
            low = special.betaincinv(ks + 0.5, ns - ks + 0.5, alpha / 2)
            high = special.betaincinv(ks + 0.5, ns - ks + 0.5, 1 - alpha / 2)
    low = np.where(ks == 0, 0.0, low)
    high = np.where(ks == ns, 1.0, high)
    nan = empty | np.isnan(k) | np.isnan(n)
    return np.where(nan, np.nan, low), np.where(nan, np.nan, high)


def t_interval(estimate, se, df, *, confidence_level: float = 0.95) -> ConfidenceInterval:
    """Interval ``estimate ± t_{df, 1-α/2} · se``, element-wise (``df = inf``: normal).

    Parameters
    ----------
    estimate, se, df : float or array_like
        Point estimate, its standard error and the degrees of freedom of the t quantile.
        NaN where ``se`` is NaN or ``df`` is not positive; where ``se == 0`` the interval is the
        point itself.
    confidence_level : float
        Strictly between 0 and 1.

    Returns
    -------
    ConfidenceInterval

    Notes
    -----
    For a weighted sum :math:`\\sum_g a_g \\bar y_g` of independent sample means, pass the
    Welch-Satterthwaite degrees of freedom [4]_ (see :func:`satterthwaite_df`).

    Examples
    --------
    >>> ci = t_interval(80.0, 2.0, np.inf)
    >>> round(ci.low, 3), round(ci.high, 3)
    (76.08, 83.92)
    """
    level = check_confidence_level(confidence_level)
    scalar = np.ndim(estimate) == 0 and np.ndim(se) == 0 and np.ndim(df) == 0
    est, se, df = np.broadcast_arrays(
        np.asarray(estimate, np.float64), np.asarray(se, np.float64), np.asarray(df, np.float64)
    )
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(est) & np.isfinite(se) & (df > 0)
        q = stats.t.ppf(1 - (1 - level) / 2, np.where(ok, df, 1.0))
        half = np.where(se == 0, 0.0, q * se)
    low = np.where(ok, est - half, np.nan)
    high = np.where(ok, est + half, np.nan)
    return ConfidenceInterval(_out(low, scalar), _out(high, scalar))


def satterthwaite_df(variances, dfs, *, axis: int = -1) -> np.ndarray:
    """Welch-Satterthwaite degrees of freedom of a sum of independent variance terms.

    ``(Σ v_i)² / Σ (v_i² / df_i)`` along ``axis``; terms with ``v_i == 0`` are ignored and a sum
    of zero variance gets ``inf`` (its interval is a point anyway).  NaN terms give NaN.

    Examples
    --------
    >>> float(satterthwaite_df([1.0, 1.0], [4, 4]))
    8.0
    """
    v = np.asarray(variances, np.float64)
    d = np.asarray(dfs, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        num = np.sum(v, axis=axis) ** 2
        terms = np.where(v == 0, 0.0, v * v / d)
        den = np.sum(terms, axis=axis)
        out = num / den
    return np.where(np.sum(v, axis=axis) == 0, np.inf, out)
