"""Tail probabilities and quantiles of the t, chi-squared, F and binomial distributions.

The same numbers as ``scipy.stats.t.sf``, ``t.ppf``, ``chi2.sf``, ``f.sf``, ``f.ppf`` and
``binom.sf``.  Inside the support those methods call exactly these :mod:`scipy.special`
functions (Cephes [1]_ and Boost [2]_ incomplete beta and gamma functions; the binomial tail is
the regularised incomplete beta function [3]_, as in Boost's binomial distribution).  The
checks here mirror theirs at the edges: ``nan`` for degrees of freedom not above 0 or a
probability outside [0, 1], tail 1 at or below the support's lower end, the support's ends as
the 0 and 1 quantiles.

Importing ``scipy.stats`` takes about half a second (it loads every distribution and test it
has), which a report's kernel paid before it could run its first cell; :mod:`scipy.special`
is loaded anyway.  Element-wise on arrays; a scalar in, a scalar out.

References
----------
.. [1] Moshier SL (1989). Methods and Programs for Mathematical Functions. Prentice-Hall.
       (Cephes: ``stdtr``, ``stdtrit``, ``chdtrc``, ``fdtrc``, ``fdtri``.)
.. [2] Boost C++ Libraries, Math Toolkit: incomplete beta and gamma functions.
       https://www.boost.org/doc/libs/release/libs/math/
.. [3] Abramowitz M, Stegun IA (1964). Handbook of Mathematical Functions, 26.5.24: the
       binomial tail sum equals the regularised incomplete beta function.

Examples
--------
>>> round(float(t_sf(2.0, 10)), 6)  # R: pt(2, 10, lower.tail = FALSE)
0.036694
>>> round(float(t_quantile(0.975, 10)), 6)  # R: qt(0.975, 10)
2.228139
>>> round(float(chi2_sf(3.84, 1)), 6)  # R: pchisq(3.84, 1, lower.tail = FALSE)
0.050044
"""

from __future__ import annotations

import numpy as np
from scipy import special


def _out(a):
    return a[()] if a.ndim == 0 else a


def _sf(value, x, ok, low, high=np.inf):
    """``value(x)`` inside the support (low, high), 1 at or below it, 0 at or above it."""
    x, ok = np.broadcast_arrays(np.asarray(x, np.float64), ok)
    inside = ok & (x > low) & (x < high)
    out = np.where(ok & (x <= low), 1.0, np.where(ok & (x >= high), 0.0, np.nan))
    out[np.isnan(x)] = np.nan
    with np.errstate(invalid="ignore"):
        out[inside] = np.broadcast_to(value(np.where(inside, x, 0.5)), x.shape)[inside]
    return _out(out)


def _quantile(value, q, ok, low, high=np.inf):
    """``value(q)`` for 0 < q < 1, the support's ends at 0 and 1, nan elsewhere."""
    q, ok = np.broadcast_arrays(np.asarray(q, np.float64), ok)
    inside = ok & (q > 0) & (q < 1)
    out = np.where(ok & (q == 0), low, np.where(ok & (q == 1), high, np.nan))
    with np.errstate(invalid="ignore"):
        out[inside] = np.broadcast_to(value(np.where(inside, q, 0.5)), q.shape)[inside]
    return _out(out)


def _positive(*dfs):
    ok = True
    for df in dfs:
        ok = ok & (np.asarray(df, np.float64) > 0)
    return np.asarray(ok)


def t_sf(x, df):
    """P(T > x) for Student's t with ``df`` degrees of freedom (``scipy.stats.t.sf``).

    Examples
    --------
    >>> round(float(t_sf(0.0, 5)), 3)
    0.5
    """
    return _sf(lambda v: special.stdtr(df, -v), x, _positive(df), -np.inf)


def t_quantile(q, df):
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom (``scipy.stats.t.ppf``).

    Examples
    --------
    >>> round(float(t_quantile(0.5, 5)), 3)
    0.0
    """
    return _quantile(lambda v: special.stdtrit(df, v), q, _positive(df), -np.inf)


def chi2_sf(x, df):
    """P(X > x) for chi-squared with ``df`` degrees of freedom (``scipy.stats.chi2.sf``).

    Examples
    --------
    >>> round(float(chi2_sf(0.0, 3)), 3)
    1.0
    """
    return _sf(lambda v: special.chdtrc(df, v), x, _positive(df), 0.0)


def f_sf(x, dfn, dfd):
    """P(F > x) for the F distribution with ``(dfn, dfd)`` degrees of freedom (``f.sf``).

    Examples
    --------
    >>> round(float(f_sf(1.0, 4, 4)), 3)
    0.5
    """
    return _sf(lambda v: special.fdtrc(dfn, dfd, v), x, _positive(dfn, dfd), 0.0)


def f_quantile(q, dfn, dfd):
    """The ``q`` quantile of the F distribution with ``(dfn, dfd)`` degrees of freedom (``f.ppf``).

    Examples
    --------
    >>> round(float(f_quantile(0.5, 4, 4)), 3)
    1.0
    """
    return _quantile(lambda v: special.fdtri(dfn, dfd, v), q, _positive(dfn, dfd), 0.0)


def binom_sf(k, n, p):
    """P(X > k) for X binomial with ``n`` trials and success probability ``p``
    (``scipy.stats.binom.sf``): the incomplete beta function I_p(k + 1, n - k) for
    0 <= k < n, 1 below, 0 from ``n`` on; ``nan`` for ``n`` not a whole number >= 0 or ``p``
    outside [0, 1].

    Examples
    --------
    >>> round(float(binom_sf(7, 10, 0.5)), 6)  # R: pbinom(7, 10, 0.5, lower.tail = FALSE)
    0.054688
    """
    k = np.floor(np.asarray(k, np.float64))
    n, p = np.asarray(n, np.float64), np.asarray(p, np.float64)
    k, n, p = np.broadcast_arrays(k, n, p)
    ok = (n >= 0) & (n == np.floor(n)) & (p >= 0) & (p <= 1)
    inside = ok & (k >= 0) & (k < n)
    out = np.where(ok & (k < 0), 1.0, np.where(ok & (k >= n), 0.0, np.nan))
    out[np.isnan(k) & ok] = np.nan
    out[inside] = special.betainc(k[inside] + 1, n[inside] - k[inside], p[inside])
    return _out(out)


__all__ = ["binom_sf", "chi2_sf", "f_quantile", "f_sf", "t_quantile", "t_sf"]
