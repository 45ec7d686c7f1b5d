"""The change from one cycle to the next, computed once, and the tables of the annual analysis
that read it.

:func:`cycle_change` → :class:`CycleChange` (comparison per unit × dimension, change of the
composite); :func:`weak_units_followup` (did the half-year's weak units improve?) and
:func:`one_cycle_units` (units scored in one cycle only).

Examples
--------
>>> a = annual("2026A", n_resamples=200, seed=1)  # doctest: +SKIP
>>> a.change.comparison.equals(a.tables["comparison"])  # doctest: +SKIP
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalstats.analyses.cycle.columns import ADJUST, ALPHA, FOLLOWUP_COLUMNS, ONE_CYCLE_COLUMNS
from evalstats.analyses.cycle.frames import str_series, unit_info
from evalstats.analyses.cycle.rectification import rectification_needed
from evalstats.analyses.cycle.tables import weak_dimensions
from evalstats.core.options import check_confidence_level
from evalstats.core.scheme import Scheme
from evalstats.stats.compare import compare_cycles
from evalstats.stats.compare.clustered import composite_change_variance
from evalstats.stats.design import linked_clusters
from evalstats.stats.distributions import t_sf
from evalstats.stats.intervals import satterthwaite_df, t_interval
from evalstats.stats.multitest import adjust_pvalues
from evalstats.stats.pipeline import CycleScores


def composite_change(
    h1: pd.DataFrame,
    annual: pd.DataFrame,
    *,
    confidence_level: float = 0.95,
    adjust: str = ADJUST,
    alpha: float = ALPHA,
    joint: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Change of the composite per unit between two cycles, with a t interval and test.

    Parameters
    ----------
    h1, annual : DataFrame
        :func:`evalstats.stats.score.composites` of the two cycles (``composite``,
        ``composite_se``, ``composite_df``), one row per unit.
    confidence_level : float
    adjust, alpha
        Multiplicity adjustment over the rows (:func:`evalstats.stats.multitest.adjust_pvalues`).
    joint : DataFrame, optional
        ``unit, var_diff, df``: the units whose change is estimated from one design of both
        cycles (:func:`evalstats.stats.compare.clustered.composite_change_variance`: some
        respondent answered in both); their standard error and degrees of freedom replace the
        independent-samples ones.

    Returns
    -------
    DataFrame
        ``unit, composite_h1, composite_annual, composite_diff, composite_diff_ci_low,
        composite_diff_ci_high, statistic, df, pvalue, pvalue_adjusted, significant,
        confidence_level, adjust_method``, one row per unit of ``h1``.

    Notes
    -----
    ``diff = composite_annual − composite_h1``, ``se = sqrt(se_h1² + se_annual²)`` (independent
    samples), Welch–Satterthwaite degrees of freedom from the composites' own degrees of
    freedom, interval ``diff ± t·se`` and a two-sided t test (Welch 1947).  Each composite's
    standard error is already design-based where its cycle's forms share respondents
    (:mod:`evalstats.stats.score.clustered`).  Where some respondent answered in both cycles
    (``joint``) the change's variance is that of one design of both cycles, with the
    covariance of a person's two answers, and its degrees of freedom Welch–Satterthwaite over
    the groups.
    """
    level = check_confidence_level(confidence_level)
    h = h1.assign(unit=h1["unit"].astype(str)).set_index("unit")
    a = annual.assign(unit=annual["unit"].astype(str)).set_index("unit")
    units = list(h.index)
    ch = h["composite"].to_numpy(np.float64)
    ca = a["composite"].reindex(units).to_numpy(np.float64)
    vh = h["composite_se"].to_numpy(np.float64) ** 2
    va = a["composite_se"].reindex(units).to_numpy(np.float64) ** 2
    dh = h["composite_df"].to_numpy(np.float64)
    da = a["composite_df"].reindex(units).to_numpy(np.float64)
    diff = ca - ch
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(vh + va)
        df = satterthwaite_df(np.stack([vh, va], -1), np.stack([dh, da], -1))
        if joint is not None and len(joint):
            j = joint.assign(unit=joint["unit"].astype(str)).set_index("unit").reindex(units)
            has = j["var_diff"].notna().to_numpy()
            se = np.where(has, np.sqrt(j["var_diff"].to_numpy(np.float64)), se)
            df = np.where(has, j["df"].to_numpy(np.float64), df)
        ci = t_interval(diff, se, df, confidence_level=level)
        ok = np.isfinite(diff) & np.isfinite(se) & (se > 0) & (df > 0)
        t = np.where(ok, diff / se, np.nan)
        p = np.where(ok, 2 * t_sf(np.abs(t), np.where(ok, df, 1.0)), np.nan)
    adj = adjust_pvalues(p, method=adjust, alpha=alpha)
    sig = pd.array(adj.reject, dtype="boolean")
    sig[np.isnan(p)] = pd.NA
    return pd.DataFrame(
        {
            "unit": str_series(units),
            "composite_h1": ch,
            "composite_annual": ca,
            "composite_diff": diff,
            "composite_diff_ci_low": np.asarray(ci.low, np.float64),
            "composite_diff_ci_high": np.asarray(ci.high, np.float64),
            "statistic": t,
            "df": np.where(ok, df, np.nan),
            "pvalue": p,
            "pvalue_adjusted": adj.adjusted,
            "significant": sig,
            "confidence_level": np.full(len(units), level),
            "adjust_method": str_series([adjust] * len(units)),
        }
    )


@dataclass(frozen=True)
class CycleChange:
    """The change from one cycle to the next, computed once for every view (:func:`cycle_change`).

    Attributes
    ----------
    previous_cycle : str
        The earlier cycle.
    ranking : DataFrame
        The earlier cycle's own ranking (as its report gives it).
    rectification_needed : DataFrame
        :func:`rectification_needed` of that ranking: who had to rectify after it, and why.
    weak_dimensions : DataFrame
        :func:`weak_dimensions` of the earlier cycle.
    comparison : DataFrame
        :func:`evalstats.stats.compare.compare_cycles` per unit × dimension, with ``unit_name``
        and ``series`` after ``unit`` (Holm over every unit × dimension): the annual report's
        ``comparison`` table.
    composite_change : DataFrame
        :func:`composite_change` of every unit with a composite in the earlier cycle (Holm over
        those units): the change of the measure that decides grades.
    town : DataFrame
        One row: :func:`evalstats.stats.compare.compare_cycles` of the whole town (every unit,
        group and dimension pooled; one test, so no adjustment): the leaders' brief's change.
    linked_respondents : int
        Respondents known to have answered in both cycles (same respondent and group); the
        comparisons' rows they answered in are estimated from one design of both cycles
        (:mod:`evalstats.stats.compare.clustered`).  0 without a respondent column.
    """

    previous_cycle: str
    ranking: pd.DataFrame = field(repr=False)
    rectification_needed: pd.DataFrame = field(repr=False)
    weak_dimensions: pd.DataFrame = field(repr=False)
    comparison: pd.DataFrame = field(repr=False)
    composite_change: pd.DataFrame = field(repr=False)
    town: pd.DataFrame = field(repr=False, default=None)
    linked_respondents: int = 0


def cycle_change(
    before: CycleScores,
    after: CycleScores,
    *,
    units: pd.DataFrame,
    scheme: Scheme,
    confidence_level: float,
) -> CycleChange:
    """Everything the outputs say about the change from ``before`` to ``after``, computed once.

    Parameters
    ----------
    before, after : CycleScores
        The two scored cycles (earlier first).
    units : DataFrame
        ``unit, name, series`` of the units of either cycle (names and series of the rows).
    scheme : Scheme
    confidence_level : float

    Returns
    -------
    CycleChange

    Examples
    --------
    >>> a = annual("2026A", n_resamples=200, seed=1)  # doctest: +SKIP
    >>> a.change.comparison.equals(a.tables["comparison"])  # doctest: +SKIP
    True
    """
    info = unit_info(units)
    designs = {"design_before": before.design, "design_after": after.design}
    comparison = compare_cycles(
        before.counts,
        after.counts,
        by=("unit", "dimension"),
        scheme=scheme,
        adjust=ADJUST,
        alpha=ALPHA,
        confidence_level=confidence_level,
        units=info.reset_index().rename(columns={"unit_name": "name"}),
        **designs,
    )
    linked = 0
    if before.design is not None and after.design is not None:
        linked = linked_clusters(before.design, after.design)[3]
    return CycleChange(
        previous_cycle=str(before.ranking["cycle"].iloc[0]) if len(before.ranking) else "",
        ranking=before.ranking,
        rectification_needed=rectification_needed(before.ranking, scheme=scheme),
        weak_dimensions=weak_dimensions(before.scores, before.counts, scheme=scheme),
        comparison=_with_names(comparison, info),
        composite_change=composite_change(
            before.composites,
            after.composites,
            confidence_level=confidence_level,
            joint=linked_composites(before, after),
        ),
        town=compare_cycles(
            before.counts,
            after.counts,
            by=(),
            scheme=scheme,
            adjust="none",
            alpha=ALPHA,
            confidence_level=confidence_level,
            **designs,
        ),
        linked_respondents=int(linked),
    )


def linked_composites(before: CycleScores, after: CycleScores) -> pd.DataFrame:
    """The units whose composite change is estimated from one design of both cycles
    (:func:`evalstats.stats.compare.clustered.composite_change_variance`; none without
    respondents answering in both cycles)."""
    return composite_change_variance(
        (before.counts, before.patterns, before.design),
        (after.counts, after.patterns, after.design),
        scheme=after.scheme,
    )


def _mapped_text(keys: pd.Series, mapping) -> pd.Series:
    """``keys.map(mapping)`` as text, ``""`` where unmapped (an empty mapping maps to float NaN)."""
    mapped = keys.map(mapping).astype(object)
    return str_series(mapped.where(mapped.notna(), "").to_numpy())


def _codes_by_unit(weak: pd.DataFrame) -> pd.Series:
    if not len(weak):
        return pd.Series(dtype=object)
    return weak.groupby(weak["unit"].astype(str), sort=False)["dimension"].agg(
        lambda s: ";".join(s.astype(str))
    )


def weak_units_followup(
    h1: CycleScores,
    annual: CycleScores,
    *,
    weak_h1: pd.DataFrame,
    weak_annual: pd.DataFrame,
    comparison: pd.DataFrame,
    year_ranking: pd.DataFrame,
    confidence_level: float,
) -> pd.DataFrame:
    """Did the half-year's weak units improve?  See ``weak_units_followup``."""
    scheme = annual.scheme
    need = rectification_needed(h1.ranking, scheme=scheme)
    weak_units = h1.ranking.loc[need["rectification_required"].to_numpy()]
    because = need.loc[weak_units.index, "required_because"].to_numpy()
    units = weak_units["unit"].astype(str).to_numpy()
    comp_h = h1.composites[h1.composites["unit"].astype(str).isin(units)]
    comp_h = comp_h.set_index(comp_h["unit"].astype(str)).loc[units].reset_index(drop=True)
    change = composite_change(
        comp_h,
        annual.composites,
        confidence_level=confidence_level,
        joint=linked_composites(h1, annual),
    )
    out = change.copy()
    out.insert(1, "unit_name", str_series(weak_units["unit_name"].astype(str).to_numpy()))
    out.insert(2, "series", str_series(weak_units["series"].astype(str).to_numpy()))
    out.insert(3, "weak_because", str_series(because))
    out.insert(4, "standing_h1", str_series(weak_units["standing"].astype(str).to_numpy()))
    out.insert(5, "grade_h1", str_series(weak_units["grade"].astype(str).to_numpy()))
    low = out["composite_diff_ci_low"].to_numpy(np.float64)
    high = out["composite_diff_ci_high"].to_numpy(np.float64)
    verdict = np.where(
        ~np.isfinite(out["composite_annual"].to_numpy(np.float64)),
        "absent",
        np.where(low > 0, "improved", np.where(high < 0, "declined", "")),
    )
    out["verdict"] = str_series(np.where(verdict == "", "no_clear_change", verdict))
    wh, wa = _codes_by_unit(weak_h1), _codes_by_unit(weak_annual)
    out["weak_dimensions_h1"] = _mapped_text(out["unit"], wh)
    out["weak_dimensions_annual"] = _mapped_text(out["unit"], wa)
    c = comparison
    up = c[c["score_diff_ci_low"] > 0]
    up_keys = set(zip(up["unit"].astype(str), up["dimension"].astype(str), strict=True))
    weak_keys = weak_h1[weak_h1["unit"].astype(str).isin(units)]
    improved = weak_keys[
        [
            (u, d) in up_keys
            for u, d in zip(
                weak_keys["unit"].astype(str), weak_keys["dimension"].astype(str), strict=True
            )
        ]
    ]
    out["weak_dimensions_improved"] = _mapped_text(out["unit"], _codes_by_unit(improved))
    own = annual.ranking.set_index(annual.ranking["unit"].astype(str))
    year = year_ranking.set_index(year_ranking["unit"].astype(str))
    out["standing_annual"] = _mapped_text(out["unit"], own["standing"])
    out["standing_year"] = _mapped_text(out["unit"], year["standing"])
    out["grade_year"] = _mapped_text(out["unit"], year["grade"].astype(object))
    return out[FOLLOWUP_COLUMNS]


def one_cycle_units(
    year_ranking: pd.DataFrame, units_h1: pd.DataFrame, units_annual: pd.DataFrame, *, cycles
) -> pd.DataFrame:
    """Units with a composite in one cycle only, or in neither (see ``one_cycle_units``)."""
    y = year_ranking
    has_h = np.isfinite(y["composite_h1"].to_numpy(np.float64))
    has_a = np.isfinite(y["composite_annual"].to_numpy(np.float64))
    sel = ~(has_h & has_a)
    part = y.loc[sel]
    h_cycle, a_cycle = cycles
    present = np.where(has_h[sel], h_cycle, np.where(has_a[sel], a_cycle, ""))
    out = pd.DataFrame(
        {
            "unit": str_series(part["unit"].astype(str).to_numpy()),
            "unit_name": str_series(part["unit_name"].astype(str).to_numpy()),
            "series": str_series(part["series"].astype(str).to_numpy()),
            "cycle_present": str_series(present),
            "in_units_h1": part["unit"].astype(str).isin(units_h1["unit"].astype(str)).to_numpy(),
            "in_units_annual": part["unit"]
            .astype(str)
            .isin(units_annual["unit"].astype(str))
            .to_numpy(),
        }
    )
    for c in ("composite_h1", "composite_annual", "composite_year"):
        out[c] = part[c].to_numpy(np.float64)
    for c in ("weight_half_year", "weight_annual"):
        out[c] = part[c].to_numpy(np.float64)
    out["flags"] = str_series(part["flags"].astype(str).to_numpy())
    return out[ONE_CYCLE_COLUMNS]


def _with_names(table: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    pos = list(out.columns).index("unit") + 1
    unit = out["unit"].astype(str)
    out.insert(pos, "unit_name", _mapped_text(unit, info["unit_name"]))
    out.insert(pos + 1, "series", _mapped_text(unit, info["series"]))
    return out


__all__ = [
    "CycleChange",
    "composite_change",
    "cycle_change",
    "linked_composites",
    "one_cycle_units",
    "weak_units_followup",
]
