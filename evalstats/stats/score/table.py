"""The contract table ``tables/scores.csv`` (:func:`scores_table`).

Examples
--------
>>> SCORES_COLUMNS[:6]
['cycle', 'unit', 'unit_name', 'series', 'group', 'dimension']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalstats.core.options import check_confidence_level, check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.design import Design
from evalstats.stats.intervals import (
    PROPORTION_METHODS,
)
from evalstats.stats.score.cells import dense_tally, score_ci, series_of
from evalstats.stats.score.composite import composite_arrays
from evalstats.stats.score.grouping import grouped_metrics
from evalstats.stats.score.weighting import weighted_arrays
from evalstats.stats.units import check_units_table

ALL = "all"
SCORES_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "group",
    "dimension",
    "n_forms",
    "n_valid",
    "n_unknown",
    "n_blank",
    "top_box_rate",
    "satisfied_rate",
    "satisfied_ci_low",
    "satisfied_ci_high",
    "dissatisfied_rate",
    "share_of_all_votes",
    "score",
    "score_ci_low",
    "score_ci_high",
    "weighted_score",
    "weighted_score_ci_low",
    "weighted_score_ci_high",
    "confidence_level",
    "ci_method",
    "low_confidence",
]


def scores_table(
    counts: pd.DataFrame,
    *,
    units: pd.DataFrame,
    scheme: Scheme | None = None,
    method: str = "wilson",
    confidence_level: float = 0.95,
    patterns: pd.DataFrame | None = None,
    design: Design | None = None,
) -> pd.DataFrame:
    """The contract table ``tables/scores.csv``.

    Rows, per cycle: every unit × group × dimension; unit × dimension (``group = "all"``,
    carrying ``weighted_score``); unit (``group = dimension = "all"``, carrying the
    ``composite`` in the ``weighted_score`` columns); then the same three levels per series
    and for the whole town (``unit = "all"``; the town's ``series`` is ``"all"``; no weighted
    score).  Units of ``units`` absent from the tally's unit categories get no rows here
    (:func:`composites` lists them, flagged ``no_forms``); series nobody in ``units`` belongs to
    are left out.  Order: cycle; units in the order of ``units``, then series in scheme order, then
    the town; groups in scheme order then ``all``; dimensions in scheme order then ``all``.

    Parameters
    ----------
    counts : DataFrame
        A tally.
    units : DataFrame
        Columns ``unit, name, series``.
    scheme, method, confidence_level, patterns
        As in :func:`metrics` (``patterns`` also feeds the composite's interval).
    design : Design, optional
        As in :func:`metrics`: with shared respondents the series and town rows get
        design-based intervals (unit rows too where a respondent gave a unit several forms;
        the weighted scores and composites keep theirs).

    Returns
    -------
    DataFrame
        Columns exactly ``cycle, unit, unit_name, series, group, dimension, n_forms, n_valid,
        n_unknown, n_blank, top_box_rate, satisfied_rate, satisfied_ci_low, satisfied_ci_high,
        dissatisfied_rate, share_of_all_votes, score, score_ci_low, score_ci_high,
        weighted_score, weighted_score_ci_low, weighted_score_ci_high, confidence_level,
        ci_method, low_confidence``; codes as strings, rates as unrounded fractions.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.counts.tally import tally
    >>> units = pd.DataFrame({"unit": ["U1"], "name": ["办公室"], "series": ["administration"]})
    >>> list(scores_table(tally(empty_forms(units=["U1"])), units=units).columns)[:6]
    ['cycle', 'unit', 'unit_name', 'series', 'group', 'dimension']
    """
    scheme = resolve_scheme(scheme)
    method = check_option("method", method, PROPORTION_METHODS)
    level = check_confidence_level(confidence_level)
    units_df = check_units_table(units)
    dense, cycles, unit_cats = dense_tally(counts, scheme)
    series_of(unit_cats, units_df, dense, scheme)
    t = _Tally(
        dense=dense,
        cycles=cycles,
        unit_cats=unit_cats,
        scheme=scheme,
        units_df=units_df,
        method=method,
        level=level,
        patterns=patterns,
        design=design,
    )
    out = _metric_rows(t)
    out = _with_weighted_scores(out, t)
    return _ordered(out, t)


_LEVELS = (
    (("cycle", "unit", "group", "dimension"), "unit"),
    (("cycle", "unit", "dimension"), "unit"),
    (("cycle", "unit"), "unit"),
    (("cycle", "series", "group", "dimension"), "series"),
    (("cycle", "series", "dimension"), "series"),
    (("cycle", "series"), "series"),
    (("cycle", "group", "dimension"), "town"),
    (("cycle", "dimension"), "town"),
    (("cycle",), "town"),
)
"""The rows of the table: grouping keys and the kind of row (unit, series, town)."""


@dataclass(frozen=True)
class _Tally:
    """The dense tally and the checked options :func:`scores_table` works from."""

    dense: np.ndarray
    cycles: list
    unit_cats: list
    scheme: Scheme
    units_df: pd.DataFrame
    method: str
    level: float
    patterns: pd.DataFrame | None
    design: Design | None = None


def _metric_rows(t: _Tally) -> pd.DataFrame:
    """The metrics of every level of rows, with unit names and series; units not in
    ``units`` and series nobody belongs to left out."""
    parts = []
    reuse: dict = {}  # each respondent's sums, made by the first grouping that pools units
    for by, kind in _LEVELS:
        f = grouped_metrics(
            t.dense,
            t.cycles,
            t.unit_cats,
            t.scheme,
            by=by,
            method=t.method,
            level=t.level,
            patterns=t.patterns,
            units_df=t.units_df,
            design=t.design,
            reuse=reuse,
        )
        for k in ("unit", "group", "dimension", "series"):
            f[k] = f[k].astype(str) if k in by else ALL
        f["_kind"] = kind
        parts.append(f)
    units_df = t.units_df
    out = pd.concat(parts, ignore_index=True)
    if not len(units_df):
        out = out[out["_kind"] != "unit"]
    unit_info = units_df.set_index("unit")
    is_unit = out["_kind"] == "unit"
    out = out[~is_unit | out["unit"].isin(unit_info.index)].copy()
    is_unit = out["_kind"] == "unit"
    out["unit_name"] = ""
    out.loc[is_unit, "unit_name"] = unit_info["name"].reindex(out.loc[is_unit, "unit"]).to_numpy()
    out.loc[is_unit, "series"] = unit_info["series"].reindex(out.loc[is_unit, "unit"]).to_numpy()
    # series rows: drop series nobody belongs to
    used_series = set(units_df["series"])
    return out[(out["_kind"] != "series") | out["series"].isin(used_series)]


def _with_weighted_scores(out: pd.DataFrame, t: _Tally) -> pd.DataFrame:
    """Weighted scores (unit × dimension rows) and composites (unit rows) in the
    ``weighted_score`` columns; NaN elsewhere."""
    scheme, level = t.scheme, t.level
    r = composite_arrays(t.dense, t.cycles, t.unit_cats, scheme, t.patterns, design=t.design)
    st, lv = r["st"], r["lv"]
    ws, var, df, _, _ = weighted_arrays(st, scheme)
    w_low, w_high = score_ci(ws, np.sqrt(var), df, level, lv)
    c_low, c_high = score_ci(r["composite"], np.sqrt(r["var"]), r["df"], level, lv)
    cyc_pos = {c: i for i, c in enumerate(t.cycles)}
    u_pos = {str(u): i for i, u in enumerate(t.unit_cats)}
    d_pos = {d: i for i, d in enumerate(scheme.dimension_codes)}
    out["weighted_score"] = np.nan
    out["weighted_score_ci_low"] = np.nan
    out["weighted_score_ci_high"] = np.nan
    sel = (out["_kind"] == "unit") & (out["group"] == ALL)
    if sel.any():
        ci = out.loc[sel, "cycle"].map(cyc_pos).to_numpy()
        ui = out.loc[sel, "unit"].map(u_pos).to_numpy()
        dims = out.loc[sel, "dimension"]
        is_all = (dims == ALL).to_numpy()
        di = dims.map(d_pos).fillna(0).astype(int).to_numpy()
        for col, per_dim, per_unit in (
            ("weighted_score", ws, r["composite"]),
            ("weighted_score_ci_low", w_low, c_low),
            ("weighted_score_ci_high", w_high, c_high),
        ):
            out.loc[sel, col] = np.where(is_all, per_unit[ci, ui], per_dim[ci, ui, di])
    return out


def _ordered(out: pd.DataFrame, t: _Tally) -> pd.DataFrame:
    """The rows in table order (see :func:`scores_table`), codes as strings, the columns of
    ``SCORES_COLUMNS``."""
    scheme, units_df = t.scheme, t.units_df
    cyc_pos = {c: i for i, c in enumerate(t.cycles)}
    d_pos = {d: i for i, d in enumerate(scheme.dimension_codes)}
    unit_order = {u: i for i, u in enumerate(units_df["unit"])}
    series_order = {s: i for i, s in enumerate(scheme.series_codes)}
    for s in units_df["series"]:
        series_order.setdefault(s, len(series_order))
    kind_order = {"unit": 0, "series": 1, "town": 2}
    g_order = {g: i for i, g in enumerate(scheme.group_codes)} | {ALL: len(scheme.group_codes)}
    d_order = d_pos | {ALL: len(scheme.dimension_codes)}
    sort = pd.DataFrame(
        {
            "c": out["cycle"].map(cyc_pos).to_numpy(),
            "k": out["_kind"].map(kind_order).to_numpy(),
            "u": out["unit"].map(unit_order).fillna(-1).to_numpy(),
            "s": out["series"].map(series_order).fillna(-1).to_numpy(),
            "g": out["group"].map(g_order).to_numpy(),
            "d": out["dimension"].map(d_order).to_numpy(),
        }
    )
    order = np.lexsort([sort[k].to_numpy() for k in ("d", "g", "s", "u", "k", "c")])
    out = out.iloc[order].reset_index(drop=True)
    for c in ("cycle", "unit", "unit_name", "series", "group", "dimension", "ci_method"):
        out[c] = out[c].astype("str")
    return out[SCORES_COLUMNS]


__all__ = [
    "ALL",
    "SCORES_COLUMNS",
    "scores_table",
]
