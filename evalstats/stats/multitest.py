"""Multiple testing: one function adjusts every family of p-values in the package.

A report that tests every unit × dimension for a change makes dozens of tests; some will be
"significant" by chance.  :func:`adjust_pvalues` turns a family of raw p-values into adjusted
ones (Holm by default, Benjamini–Hochberg on request) and says which hypotheses are rejected.
Every comparison table of :mod:`evalstats.stats.compare` uses it.

References
----------
.. [1] Holm S (1979). A simple sequentially rejective multiple test procedure. Scandinavian
       Journal of Statistics 6:65-70.
.. [2] Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate: a practical and
       powerful approach to multiple testing. Journal of the Royal Statistical Society B
       57:289-300.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalstats.core.options import check_option

ADJUST_METHODS = ("holm", "bh", "bonferroni", "none")


@dataclass(frozen=True)
class AdjustedPValues:
    """Adjusted p-values of a family and the hypotheses rejected.

    Unpacks as ``adjusted, reject = adjust_pvalues(p)``.

    Attributes
    ----------
    adjusted : ndarray
        Adjusted p-values, same shape as the input; NaN where the input is NaN.
    reject : ndarray of bool
        ``adjusted <= alpha`` (False where the input is NaN).
    method : str
        The adjustment (``"holm"``, ``"bh"``, ``"bonferroni"`` or ``"none"``).
    alpha : float
        Family-wise error rate (Holm, Bonferroni) or false discovery rate (BH) controlled.
    n_tests : int
        Size of the family: the number of p-values that are not NaN.
    """

    adjusted: np.ndarray
    reject: np.ndarray
    method: str
    alpha: float
    n_tests: int

    def __iter__(self):
        return iter((self.adjusted, self.reject))

    def to_frame(self) -> pd.DataFrame:
        """One row per p-value: ``pvalue_adjusted, significant, adjust_method, alpha,
        n_tests`` (flattened in C order)."""
        n = self.adjusted.size
        return pd.DataFrame(
            {
                "pvalue_adjusted": self.adjusted.reshape(-1),
                "significant": self.reject.reshape(-1),
                "adjust_method": pd.Series([self.method] * n, dtype="str"),
                "alpha": np.full(n, self.alpha),
                "n_tests": np.full(n, self.n_tests, dtype=np.int64),
            }
        )


def check_alpha(alpha) -> float:
    """Return ``alpha`` as float if it is a number strictly between 0 and 1."""
    if not isinstance(alpha, numbers.Real) or isinstance(alpha, bool):
        raise TypeError(f"alpha must be a number strictly between 0 and 1; got {alpha!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be strictly between 0 and 1; got {alpha!r}")
    return float(alpha)


def adjust_pvalues(pvalues, *, method: str = "holm", alpha: float = 0.05) -> AdjustedPValues:
    """Adjust a family of p-values for multiple testing.

    Parameters
    ----------
    pvalues : array_like of float
        Raw p-values in ``[0, 1]``, any shape; NaN marks a test that could not be made.  NaN
        values stay NaN and do not count in the size of the family.
    method : {"holm", "bh", "bonferroni", "none"}
        ``"holm"`` (default): Holm's step-down procedure [1]_, controls the family-wise error
        rate.  ``"bh"``: Benjamini–Hochberg step-up [2]_, controls the false discovery rate
        (independent or positively dependent tests).  ``"bonferroni"``: ``min(1, m·p)``.
        ``"none"``: no adjustment.
    alpha : float
        Level of the family, strictly between 0 and 1; a hypothesis is rejected when its
        adjusted p-value is ``<= alpha``.

    Returns
    -------
    AdjustedPValues
        ``adjusted`` and ``reject`` (same shape as ``pvalues``), ``method``, ``alpha`` and
        ``n_tests``; unpacks as ``(adjusted, reject)``.

    Notes
    -----
    With the ``m`` p-values that are not NaN sorted, ``p_(1) <= … <= p_(m)``:

    * Holm: ``p̃_(i) = min(1, max_{j <= i} (m − j + 1) p_(j))``;
    * BH: ``p̃_(i) = min(1, min_{j >= i} m p_(j) / j)``;
    * Bonferroni: ``p̃_(i) = min(1, m p_(i))``.

    Computed here with numpy, in the same floating-point steps as R's ``p.adjust`` and
    statsmodels' ``multipletests`` (the tests hold known answers of
    ``p.adjust(p, method = "holm" / "BH" / "bonferroni")``).  Ties get the same adjusted value
    whatever their order.  Every adjusted p-value is ``>=`` its raw p-value and ``<= 1``.

    References
    ----------
    See the module docstring.

    Examples
    --------
    The 15 p-values of Benjamini & Hochberg (1995), section 4.2: BH rejects 4 hypotheses at
    0.05, Holm 3.

    >>> p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
    ...      0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]
    >>> int(adjust_pvalues(p, method="bh").reject.sum())
    4
    >>> int(adjust_pvalues(p, method="holm").reject.sum())
    3
    """
    method = check_option("method", method, ADJUST_METHODS)
    alpha = check_alpha(alpha)
    p = np.asarray(pvalues)
    if p.dtype == bool or p.dtype.kind not in "iuf":
        raise TypeError(f"pvalues must be numbers; got dtype {p.dtype}")
    p = p.astype(np.float64)
    finite = ~np.isnan(p)
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        bad = p[finite][(p[finite] < 0) | (p[finite] > 1)]
        raise ValueError(f"pvalues must lie in [0, 1] (or be NaN); got {bad[:5].tolist()}")
    adjusted = np.full(p.shape, np.nan)
    reject = np.zeros(p.shape, bool)
    m = int(finite.sum())
    if m:
        adjusted[finite] = _adjust(p[finite], method)
        reject[finite] = adjusted[finite] <= alpha
    return AdjustedPValues(adjusted, reject, method, alpha, m)


def _adjust(raw: np.ndarray, method: str) -> np.ndarray:
    """Adjusted p-values of a 1-d family without NaN, by the formulas of the Notes above."""
    if method == "none":
        return raw.copy()
    m = raw.size
    order = np.argsort(raw, kind="stable")
    p = raw[order]
    if method == "bonferroni":
        sorted_adjusted = p * float(m)
    elif method == "holm":
        # step-down: (m - j + 1) p_(j), made non-decreasing from the smallest p-value up
        sorted_adjusted = np.maximum.accumulate(p * np.arange(m, 0, -1))
    else:  # "bh"
        # step-up: m p_(j) / j, made non-decreasing by the running minimum from the largest down
        sorted_adjusted = np.minimum.accumulate((p / (np.arange(1, m + 1) / float(m)))[::-1])[::-1]
    adjusted = np.empty_like(sorted_adjusted)
    adjusted[order] = sorted_adjusted
    return np.minimum(np.maximum(adjusted, raw), 1.0)


__all__ = [
    "ADJUST_METHODS",
    "AdjustedPValues",
    "adjust_pvalues",
    "check_alpha",
]
