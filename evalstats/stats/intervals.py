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
from scipy import special

from evalstats.core.options import check_confidence_level, check_option
from evalstats.stats.distributions import t_quantile

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
    low, high = proportion_bounds(k, n, method, level)
    return ConfidenceInterval(_out(low, scalar), _out(high, scalar))


def proportion_bounds(k: np.ndarray, n: np.ndarray, method: str, level: float):
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
        q = t_quantile(1 - (1 - level) / 2, np.where(ok, df, 1.0))
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


# ------------------------------------------------------------ difference of two proportions
DIFFERENCE_METHODS = ("newcombe", "miettinen-nurminen")
_BISECTIONS = 64


def check_pairs(k1, n1, k2, n2):
    """Two samples' counts ``k1, n1, k2, n2`` as broadcast float arrays, checked (numbers,
    0 ≤ k ≤ n); TypeError / ValueError naming the argument.  Shared with
    :mod:`evalstats.stats.compare`."""
    arrays = []
    for kn, nn, k, n in (("k1", "n1", k1, n1), ("k2", "n2", k2, n2)):
        k = np.asarray(k)
        n = np.asarray(n)
        for name, v in ((kn, k), (nn, n)):
            if v.dtype == bool or v.dtype.kind not in "iuf":
                raise TypeError(f"{name} must be numbers (counts); got dtype {v.dtype}")
        kf, nf = k.astype(np.float64), n.astype(np.float64)
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
            raise ValueError(f"{kn} and {nn} must be whole numbers with 0 <= {kn} <= {nn}")
        arrays += [kf, nf]
    return np.broadcast_arrays(*arrays)


# ====================================================================== two proportions
def _wilson(k, n, z):
    """Wilson score bounds for (possibly fractional) k, n > 0."""
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denom
    half = z * np.sqrt(np.maximum(p * (1 - p) / n + z2 / (4 * n * n), 0.0)) / denom
    return np.clip(center - half, 0.0, 1.0), np.clip(center + half, 0.0, 1.0)


def _newcombe(k1, n1, k2, n2, z):
    """Newcombe's (1998) hybrid score interval, method 10, for p1 − p2."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = _wilson(k1, n1, z)
    l2, u2 = _wilson(k2, n2, z)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)


def _restricted_mle(d0, k1, n1, k2, n2):
    """Maximum-likelihood (p1, p2) under the constraint p1 − p2 = d0.

    The score equation of the restricted likelihood is a cubic in p2 (Miettinen & Nurminen
    1985, appendix; Farrington & Manning 1990, eq. 2.4); its root in [0, 1] is taken in
    closed (trigonometric) form.  Coefficients of ``N·p2³ + b·p2² + c·p2 + e = 0`` with
    ``N = n1 + n2``:  ``b = (n1 + 2·n2)·d0 − N − k1 − k2``,
    ``c = (n2·d0 − N − 2·k2)·d0 + k1 + k2``, ``e = k2·d0·(1 − d0)``.
    """
    big_n = n1 + n2
    b = (n1 + 2 * n2) * d0 - big_n - k1 - k2
    c = (n2 * d0 - big_n - 2 * k2) * d0 + k1 + k2
    e = k2 * d0 * (1 - d0)
    a3 = 3 * big_n
    q = b**3 / a3**3 - b * c / (6 * big_n**2) + e / (2 * big_n)
    r = np.sqrt(np.maximum(b**2 / a3**2 - c / a3, 0.0))
    r = np.where(q < 0, -r, r)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos_arg = np.clip(np.where(r != 0, q / r**3, 0.0), -1.0, 1.0)
    angle = (np.pi + np.arccos(cos_arg)) / 3
    # keep both in [0, 1] AND p1 − p2 = d0: near a boundary the closed-form root loses a few
    # ulps (k1 = n1, k2 = n2, d0 = 1e-8 gave p1 − p2 = 5e-9 when p1 was clipped on its own)
    p2 = np.clip(2 * r * np.cos(angle) - b / a3, np.maximum(0.0, -d0), np.minimum(1.0, 1.0 - d0))
    p1 = np.clip(p2 + d0, 0.0, 1.0)
    return p1, p2


def _mn_z2(d0, k1, n1, k2, n2):
    """Squared Miettinen–Nurminen score statistic for H0: p1 − p2 = d0."""
    p1t, p2t = _restricted_mle(d0, k1, n1, k2, n2)
    big_n = n1 + n2
    var = (p1t * (1 - p1t) / n1 + p2t * (1 - p2t) / n2) * big_n / (big_n - 1)
    num = (k1 / n1 - k2 / n2 - d0) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(num == 0, 0.0, num / var)


def _miettinen_nurminen(k1, n1, k2, n2, z):
    """Miettinen–Nurminen score interval for p1 − p2 by bisection on each side."""
    d = k1 / n1 - k2 / n2
    crit = z * z
    bounds = []
    for end in (-1.0, 1.0):
        inside = np.broadcast_to(d, d.shape).copy()  # where the statistic is below crit
        outside = np.full(d.shape, end)
        reach = _mn_z2(outside, k1, n1, k2, n2) <= crit
        for _ in range(_BISECTIONS):
            mid = (inside + outside) / 2
            below = _mn_z2(mid, k1, n1, k2, n2) <= crit
            inside = np.where(below, mid, inside)
            outside = np.where(below, outside, mid)
        bounds.append(np.where(reach, end, (inside + outside) / 2))
    return bounds[0], bounds[1]


def difference_bounds(k1, n1, k2, n2, *, method: str, level: float):
    """Bounds of :func:`difference_ci` for checked float arrays, without the argument checks.

    Parameters
    ----------
    k1, n1, k2, n2 : array_like of float
        Successes and trials of the two samples (broadcast); fractional (effective) counts
        are allowed.
    method : {"newcombe", "miettinen-nurminen"}
        An already checked method.
    level : float
        An already checked confidence level.

    Returns
    -------
    low, high : numpy.ndarray
        NaN where a sample is empty (and, for Miettinen–Nurminen, where ``n1 + n2 <= 1``).

    Examples
    --------
    >>> low, high = difference_bounds(56, 70, 48, 80, method="newcombe", level=0.95)
    >>> round(float(low), 4), round(float(high), 4)
    (0.0524, 0.3339)
    """
    k1, n1, k2, n2 = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (k1, n1, k2, n2)))
    z = special.ndtri(1 - (1 - level) / 2)
    ok = (n1 > 0) & (n2 > 0) & np.isfinite(k1) & np.isfinite(k2)
    one = np.ones_like(n1)
    args = (
        np.where(ok, k1, 0.0),
        np.where(ok, n1, one),
        np.where(ok, k2, 0.0),
        np.where(ok, n2, one),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "newcombe":
            low, high = _newcombe(*args, z)
        else:
            n_total = args[1] + args[3]
            mn_ok = n_total > 1
            safe = (args[0], args[1], args[2], np.where(mn_ok, args[3], one + 1))
            low, high = _miettinen_nurminen(*safe, z)
            low = np.where(mn_ok, low, np.nan)
            high = np.where(mn_ok, high, np.nan)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def difference_ci(
    k1, n1, k2, n2, *, method: str = "newcombe", confidence_level: float = 0.95
) -> ConfidenceInterval:
    """Confidence interval for the difference ``k1/n1 − k2/n2`` of two independent
    proportions, element-wise.

    Parameters
    ----------
    k1, n1, k2, n2 : int or array_like of int
        Successes and trials of the two samples (broadcast); ``0 <= k <= n``.
    method : {"newcombe", "miettinen-nurminen"}
        ``"newcombe"`` (default): the hybrid score interval, method 10 of Newcombe [1]_,
        built from the two Wilson intervals.  ``"miettinen-nurminen"``: the score interval of
        [2]_ — the values of Δ whose score statistic, with the restricted maximum-likelihood
        variance times ``N/(N − 1)``, stays below ``z²`` — found by bisection.
    confidence_level : float
        Strictly between 0 and 1.

    Returns
    -------
    ConfidenceInterval
        Floats for scalar input, arrays otherwise; NaN where ``n1`` or ``n2`` is 0.

    Notes
    -----
    Newcombe: with Wilson bounds ``(l_i, u_i)`` and ``d = p1 − p2``, the interval is
    ``d − sqrt((p1 − l1)² + (u2 − p2)²)`` to ``d + sqrt((u1 − p1)² + (p2 − l2)²)``.

    Miettinen–Nurminen: ``T(Δ) = (p1 − p2 − Δ)² / V(Δ)`` with
    ``V(Δ) = [p̃1(1 − p̃1)/n1 + p̃2(1 − p̃2)/n2] · N/(N − 1)``, where ``(p̃1, p̃2)`` maximise
    the likelihood under ``p1 − p2 = Δ`` (a cubic, solved in closed form).  statsmodels'
    ``confint_proportions_2indep(method="score")`` is not used: its restricted MLE has a
    wrong coefficient (statsmodels issue 10269).  Both methods are symmetric: swapping the
    samples negates the interval.

    References
    ----------
    See the module docstring.

    Examples
    --------
    Newcombe (1998), Table II, example (a), method 10: 56/70 − 48/80.

    >>> ci = difference_ci(56, 70, 48, 80)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.0524, 0.3339)
    """
    method = check_option("method", method, DIFFERENCE_METHODS)
    level = check_confidence_level(confidence_level)
    scalar = all(np.ndim(v) == 0 for v in (k1, n1, k2, n2))
    arrays = check_pairs(k1, n1, k2, n2)
    low, high = difference_bounds(*arrays, method=method, level=level)
    if scalar:
        return ConfidenceInterval(float(low), float(high))
    return ConfidenceInterval(low, high)


__all__ = [
    "DIFFERENCE_METHODS",
    "PROPORTION_METHODS",
    "ConfidenceInterval",
    "check_pairs",
    "difference_bounds",
    "difference_ci",
    "proportion_bounds",
    "proportion_ci",
    "satterthwaite_df",
    "t_interval",
]
