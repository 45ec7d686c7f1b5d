"""Group-weighted scores per cycle × unit × dimension (:func:`weighted_scores`).

The scheme's group weights are renormalised over the groups with a valid answer; the interval
treats the groups as independent samples (Welch–Satterthwaite degrees of freedom).

Examples
--------
>>> from evalstats.inputs.forms import empty_forms
>>> from evalstats.counts.tally import tally
>>> len(weighted_scores(tally(empty_forms())))
0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.options import check_confidence_level
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.counts.tally import (
    categorical_from_codes,
    string_array,
)
from evalstats.stats.intervals import (
    satterthwaite_df,
)
from evalstats.stats.score.cells import cell_level, dense_tally, score_ci


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


def weighted_arrays(st, scheme):
    """Group-weighted scores of :func:`~evalstats.stats.score.cells.cell_level` statistics.

    Returns ``(ws, var, df, a, missing)``: the weighted score, its variance and
    Welch–Satterthwaite df per ``[cycle, unit, dimension]``, the renormalised group weights
    ``a[cycle, unit, group, dimension]`` and the groups renormalised away.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import tally
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.score.cells import cell_level, dense_tally
    >>> s = load_scheme()
    >>> st, _lv = cell_level(dense_tally(tally(empty_forms()), s)[0], s)
    >>> weighted_arrays(st, s)[0].ndim
    3
    """
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
        Welch–Satterthwaite degrees of freedom (see the package docstring; a group with a single
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
    dense, cycles, unit_cats = dense_tally(counts, scheme)
    st, lv = cell_level(dense, scheme)
    ws, var, df, _, missing = weighted_arrays(st, scheme)
    low, high = score_ci(ws, np.sqrt(var), df, level, lv)
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


__all__ = [
    "weighted_arrays",
    "weighted_scores",
]
