"""``summary.json`` of a cycle's analysis: the headline figures, JSON-safe.

The fields are described in the package docstring (:mod:`evalstats.analyses.cycle`).

Examples
--------
>>> a = half_year("2026H1", n_resamples=200, seed=1)  # doctest: +SKIP
>>> a.summary["analysis"], a.summary["tier"]  # doctest: +SKIP
('half_year', 'internal')
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from evalstats.analyses.cycle.columns import ALL
from evalstats.core.scheme import Scheme
from evalstats.core.vocab import VERDICTS
from evalstats.inputs.validate import ValidatedCycle
from evalstats.stats import privacy as _privacy
from evalstats.stats import quality as _quality
from evalstats.stats.design import design_effects
from evalstats.stats.pipeline import CycleScores
from evalstats.stats.rank import LARGE_CELL_THRESHOLD
from evalstats.stats.rank.linearised import fewest_respondents


def _num(x):
    """JSON-safe number: NaN/NA → None, numpy scalars → Python."""
    if x is None or x is pd.NA:
        return None
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        x = float(x)
        return None if math.isnan(x) or math.isinf(x) else x
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    return x


def _series_summary(ranking: pd.DataFrame, scheme: Scheme, score_column: str) -> dict:
    out = {}
    series = [s for s in scheme.series_codes if s in set(ranking["series"].astype(str))]
    series += [s for s in dict.fromkeys(ranking["series"].astype(str)) if s not in series]
    for s in series:
        part = ranking[ranking["series"].astype(str) == s]
        top = part[part["standing"] == "top3"]
        last = part[part["standing"].isin(["last", "last_not_distinguishable"])]
        try:
            item = scheme.item("series", s)
            zh, en = item.label_zh, item.label_en
        except KeyError:
            zh = en = s
        out[s] = {
            "label_zh": zh,
            "label_en": en,
            "units": len(part),
            "top3": [
                {
                    "unit": str(r.unit),
                    "unit_name": str(r.unit_name),
                    "rank": _num(r.rank),
                    "score": _num(getattr(r, score_column)),
                }
                for r in top.itertuples(index=False)
            ],
            "last": [
                {
                    "unit": str(r.unit),
                    "unit_name": str(r.unit_name),
                    "rank": _num(r.rank),
                    "score": _num(getattr(r, score_column)),
                    "standing": str(r.standing),
                    "p_last": _num(r.p_last),
                    "rank_low": _num(r.rank_low),
                    "rank_high": _num(r.rank_high),
                }
                for r in last.itertuples(index=False)
            ],
        }
    return out


def _units_with_forms(scored: CycleScores) -> int:
    p = scored.patterns
    per = p.loc[p["count"].to_numpy() > 0, "unit"].astype(str)
    return int(per.nunique())


def cycle_summary(
    kind: str,
    validated: ValidatedCycle,
    scored: CycleScores,
    tables: dict,
    *,
    scheme: Scheme,
    options: dict,
    flagged: int,
    annual: dict | None,
) -> dict:
    """The summary of one analysis (``summary.json``; fields in :mod:`evalstats.analyses.cycle`).

    ``validated`` and ``scored`` are the (year-end) cycle's; ``tables`` the internal tables in
    report order; ``flagged`` the number of flagged forms; ``annual`` the annual part
    (:func:`annual_summary`) or None.

    Examples
    --------
    >>> a = half_year("2026H1", n_resamples=200, seed=1)  # doctest: +SKIP
    >>> a.summary["forms"]["valid"]  # doctest: +SKIP
    1934
    """
    score_column = "composite_year" if kind == "annual" else "composite"
    resp = tables["response"]
    total = resp[(resp["unit"] == ALL) & (resp["group"] == ALL)].iloc[0]
    sc = scored.scores
    town = sc[(sc["unit"] == ALL) & (sc["series"] == ALL)]
    town = town[(town["group"] == ALL) & (town["dimension"] == ALL)].iloc[0]
    ranking = tables["ranking"]
    vetoed = ranking[ranking["veto"].astype(bool)]
    grades = ranking["grade"].astype(object).dropna().astype(str).value_counts()
    flags = tables["quality"]["check"].astype(str).value_counts()
    rect = tables["rectification"]
    required = rect.loc[rect["rectification_required"], "unit"].astype(str)
    out = {
        "analysis": kind,
        "cycle": validated.cycle,
        "half_year_cycle": options.get("half_year_cycle") or None,
        "scheme": {
            "name": scheme.name,
            "version": scheme.version,
            "source": scheme.source,
            "sha256": scheme.sha256,
        },
        "confidence_level": _num(options["confidence_level"]),
        "ci_method": options["method"],
        "n_resamples": _num(options["n_resamples"]),
        "seed": _num(options["seed"]),
        "forms": {
            "issued": _num(total["issued"]),
            "returned": _num(total["returned"]),
            "valid": _num(total["valid"]),
            "voided": _num(total["voided"]),
            "typed_twice": len(validated.duplicates),
            "response_rate": _num(total["rate"]),
            "rows_read": _num(validated.rows_read),
        },
        "units": {
            "listed": len(validated.units),
            "with_forms": _units_with_forms(scored),
        },
        "town": {
            "n_valid": _num(town["n_valid"]),
            "satisfied_rate": _num(town["satisfied_rate"]),
            "satisfied_ci_low": _num(town["satisfied_ci_low"]),
            "satisfied_ci_high": _num(town["satisfied_ci_high"]),
            "score": _num(town["score"]),
            "score_ci_low": _num(town["score_ci_low"]),
            "score_ci_high": _num(town["score_ci_high"]),
        },
        "series": _series_summary(ranking, scheme, score_column),
        "vetoed": [
            {
                "unit": str(r.unit),
                "unit_name": str(r.unit_name),
                "series": str(r.series),
                "veto_reason": str(r.veto_reason),
                "veto_note": str(r.veto_note),
            }
            for r in vetoed.itertuples(index=False)
        ],
        "grades": {g: int(grades.get(g, 0)) for g in scheme.grade_codes},
        "quality": {
            "flags": {c: int(flags.get(c, 0)) for c in _quality.CHECKS}
            | {c: int(flags[c]) for c in _quality.RESPONDENT_CHECKS if c in flags},
            "flagged_forms": int(flagged),
            "units_changed_without_flagged": len(tables["quality_changes"]),
        },
        "weak_dimensions": len(tables["weak_dimensions"]),
        "rectification_required": list(dict.fromkeys(required)),
        "comments": len(tables["comments"]),
        "annual": annual,
        "tables": {name: len(t) for name, t in tables.items()},
    }
    design = design_summary(scored, scheme=scheme)
    if design is not None:  # forms that share respondents only: otherwise as before
        out["design"] = design
    return out


def design_summary(scored: CycleScores, *, scheme: Scheme) -> dict | None:
    """The ``design`` part of the summary when the cycle's forms share respondents (else
    None): respondents, forms, strata and the design effects of the town's satisfied rate and
    score (:func:`evalstats.stats.design.design_effects`); the fewest respondents of a unit ×
    group cell of the ranking and whether the ranking's respondent bootstrap was therefore
    drawn from its normal approximation (``ranking_bootstrap``: ``"normal"`` when every cell
    has at least ``large_cell_threshold`` respondents, else ``"exact"``;
    :func:`evalstats.stats.rank.linearised.respondent_sampler`).

    Examples
    --------
    >>> a = half_year("2026W", n_resamples=200, seed=1)  # doctest: +SKIP
    >>> a.summary["design"]["kind"]  # doctest: +SKIP
    'respondents'
    """
    design = scored.design
    if design is None or not design.shared:
        return None
    eff = design_effects(design, scheme=scheme)
    eff = eff[eff["cycle"] == scored.cycle].set_index("metric")
    if not len(eff):
        return None
    ranking = scored.ranking
    ranked = ranking.loc[~ranking["veto"].astype(bool), "unit"].astype(str)
    fewest = fewest_respondents(design, units=ranked)
    return {
        "kind": design.kind,
        "respondents": _num(eff.loc["score", "n_respondents"]),
        "forms": _num(eff.loc["score", "n_forms"]),
        "df": _num(eff.loc["score", "df"]),
        "design_effect_satisfied_rate": _num(eff.loc["satisfied_rate", "design_effect"]),
        "design_effect_score": _num(eff.loc["score", "design_effect"]),
        "repeated_within_unit": bool(design.repeated_within_unit),
        "fewest_respondents_per_cell": fewest,
        "large_cell_threshold": LARGE_CELL_THRESHOLD,
        "ranking_bootstrap": "normal" if fewest >= LARGE_CELL_THRESHOLD else "exact",
    }


def annual_summary(
    tables: dict, comparison: pd.DataFrame, *, scheme: Scheme, town: pd.DataFrame | None = None
) -> dict:
    """The ``annual`` part of the summary: period weights, the weak units by verdict, the units
    of one cycle, the significant changes of ``comparison``, and the town's change since the
    half-year (``town``, :attr:`~evalstats.analyses.cycle.change.CycleChange.town`).

    Examples
    --------
    >>> a = annual("2026A", n_resamples=200, seed=1)  # doctest: +SKIP
    >>> sorted(a.summary["annual"]["significant_changes"])  # doctest: +SKIP
    ['rate_down', 'rate_up', 'score_down', 'score_up']
    """
    follow = tables["weak_units_followup"]
    c = comparison

    def n_sig(prefix, sign):
        s = c[f"{prefix}_significant"].fillna(False).astype(bool)
        return int((s & (np.sign(c[f"{prefix}_diff"]) == sign)).sum())

    return {
        "period_weights": {k: float(v) for k, v in scheme.rules.period_weights.items()},
        **{
            f"units_{v}": follow.loc[follow["verdict"] == v, "unit"].astype(str).tolist()
            for v in VERDICTS
        },
        "one_cycle_units": tables["one_cycle_units"]["unit"].astype(str).tolist(),
        "significant_changes": {
            "rate_up": n_sig("rate", 1),
            "rate_down": n_sig("rate", -1),
            "score_up": n_sig("score", 1),
            "score_down": n_sig("score", -1),
        },
        "town_change": town_change(town),
    }


TOWN_CHANGE_FIELDS = (
    "cycle_before",
    "satisfied_rate_before",
    "satisfied_rate_after",
    "rate_diff",
    "rate_diff_ci_low",
    "rate_diff_ci_high",
    "rate_pvalue",
    "rate_significant",
    "score_before",
    "score_after",
    "score_diff",
    "score_diff_ci_low",
    "score_diff_ci_high",
    "score_pvalue",
    "score_significant",
)
"""The fields of ``town_change`` in ``summary.json`` (:func:`town_change`)."""


def town_change(town: pd.DataFrame | None) -> dict | None:
    """The town's change since the earlier cycle (:attr:`CycleChange.town`) as summary fields;
    None without an earlier cycle.

    Examples
    --------
    >>> town_change(None) is None
    True
    """
    if town is None or len(town) == 0:
        return None
    row = town.iloc[0]
    out = {}
    for name in TOWN_CHANGE_FIELDS:
        v = row[name]
        if isinstance(v, np.bool_ | bool):
            out[name] = bool(v)
        elif isinstance(v, str):
            out[name] = v
        else:
            out[name] = _num(v)
    return out


def tier_summary(summary: dict, tables: dict, tier: str, withheld=()) -> dict:
    """``summary`` for the tier: ``tables`` counts the tier's tables, the scores of ``withheld``
    units are left out, and ``tier`` and ``suppressed`` (withheld cells per reason) are set.

    Examples
    --------
    >>> a = half_year("2026H1", n_resamples=200, seed=1, tier="public")  # doctest: +SKIP
    >>> a.summary["tier"]  # doctest: +SKIP
    'public'
    """
    summary["tables"] = {name: len(t) for name, t in tables.items()}
    for part in summary["series"].values():  # no withheld score in the public summary
        for item in (*part["top3"], *part["last"]):
            if item["unit"] in withheld:
                item["score"] = None
    summary["tier"] = tier
    summary["suppressed"] = None
    if tier == "public":
        log = tables["suppressed"]
        cells = log[log["unit"] != _privacy.ANY].drop_duplicates(
            ["unit", "series", "group", "reason"]
        )
        counts = cells["reason"].value_counts()
        summary["suppressed"] = {r: int(counts.get(r, 0)) for r in _privacy.REASONS}
    return summary


__all__ = [
    "TOWN_CHANGE_FIELDS",
    "annual_summary",
    "cycle_summary",
    "design_summary",
    "tier_summary",
    "town_change",
]
