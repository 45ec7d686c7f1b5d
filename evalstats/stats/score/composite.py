"""Dimension-weighted composites per cycle × unit, with an interval and flags (:func:`composites`).

With answer patterns the interval uses the linearisation variance of each form's contribution;
without them the perfect-correlation bound (see :mod:`evalstats.stats.score`).

Examples
--------
>>> COMPOSITE_COLUMNS[:5]
['cycle', 'unit', 'unit_name', 'series', 'composite']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.options import check_confidence_level
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.design import Design
from evalstats.stats.intervals import (
    satterthwaite_df,
)
from evalstats.stats.score.cells import cell_level, dense_tally, pattern_arrays, score_ci, series_of
from evalstats.stats.score.clustered import (
    clustered_cells,
    clustered_composite_terms,
    unit_repeats,
)
from evalstats.stats.score.weighting import weighted_arrays
from evalstats.stats.units import check_units_table

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


def composite_arrays(dense, cycles, unit_cats, scheme, patterns, *, design=None):
    """Composite, its variance and df per (cycle, unit); also the pieces for flags.

    Returns a dict: ``composite``, ``var``, ``df`` (``[cycle, unit]``); ``st`` and ``lv`` of
    :func:`~evalstats.stats.score.cells.cell_level`; ``ws`` (weighted scores), ``missing``,
    ``has_d`` and ``borrowed_g`` for the flags of :func:`composites`; ``weights``
    ``[cycle, unit, group, dimension]``, the weight of each cell score in the composite.  With
    ``patterns`` the variance is the form-level linearisation variance, else the
    perfect-correlation bound (see :mod:`evalstats.stats.score`).  With a ``design`` in which
    some respondent gave a unit
    several forms, that unit's cells and composite are respondent-clustered
    (:mod:`evalstats.stats.score.clustered`); every other unit is unchanged.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import tally
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.score.cells import dense_tally
    >>> s = load_scheme()
    >>> dense, cycles, units = dense_tally(tally(empty_forms()), s)
    >>> composite_arrays(dense, cycles, units, s, None)["composite"].shape[0]
    0
    """
    st, lv = cell_level(dense, scheme)
    rep = unit_repeats(design, cycles, unit_cats)
    if rep.any():
        st = clustered_cells(st, lv, design=design, cycles=cycles, units=unit_cats, rep=rep)
    ws, _var_ws, _, a, missing = weighted_arrays(st, scheme)
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
        cyc, unit, group, levels, cnt = pattern_arrays(patterns, scheme, cycles, unit_cats)
        tl = _tally_from_pattern_arrays(cyc, unit, group, levels, cnt, shape=dense.shape)
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
        if rep.any():  # respondents, not forms, in the units where one gave several forms
            zz_r, n_r = clustered_composite_terms(
                c, st, lv, design=design, cycles=cycles, units=unit_cats, rep=rep, dense=dense
            )
            zz = np.where(rep[:, :, None], zz_r, zz)
            n_g = np.where(rep[:, :, None], n_r, n_g)
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
        "weights": c,
    }


def _tally_from_pattern_arrays(cyc, unit, group, levels, cnt, *, shape):
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
    design: Design | None = None,
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
    design : Design, optional
        The sampling design of the same forms (:func:`evalstats.stats.design.respondent_design`).
        A unit to which some respondent gave several forms gets a respondent-clustered
        interval (:mod:`evalstats.stats.score.clustered`); otherwise it changes nothing.

    Returns
    -------
    DataFrame
        ``cycle, unit, unit_name, series, composite, composite_ci_low, composite_ci_high, flags,
        n_forms, composite_se, composite_df, confidence_level``.  ``flags`` joins with ``;``:
        ``no_forms`` (the unit has no form in the cycle; composite NaN),
        ``group_missing:<group>`` (renormalised away in at least one dimension),
        ``pooled_variance:<group>`` (the group has a single form or answer, and its variance is
        borrowed from the same group in the other units; see the package docstring),
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
    dense, cycles, unit_cats = dense_tally(counts, scheme)
    series_of(unit_cats, units_df, dense, scheme)  # every unit with forms has a row
    r = composite_arrays(dense, cycles, unit_cats, scheme, patterns, design=design)
    return _composite_frame(
        r, dense, cycles, unit_cats, units_df=units_df, scheme=scheme, level=level
    )


def _composite_frame(r, dense, cycles, unit_cats, *, units_df, scheme, level):
    C = len(cycles)
    pos = {str(u): i for i, u in enumerate(unit_cats)}
    st, lv = r["st"], r["lv"]
    se = np.sqrt(r["var"])
    low, high = score_ci(r["composite"], se, r["df"], level, lv)
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


__all__ = [
    "COMPOSITE_COLUMNS",
    "composite_arrays",
    "composites",
]
