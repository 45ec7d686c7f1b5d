"""The views of the analysis' tables shown in the report body: which rows and columns, codes
turned into words, and header overrides — one small function per table.

:func:`view` is the dispatch; :mod:`evalstats.present.narrative.tables` labels and styles the
result.

Examples
--------
>>> from evalstats.present.narrative.views import view
>>> frame, headers = view(a, "ranking", "en")  # doctest: +SKIP
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from evalstats.present import format as _format
from evalstats.present import labels as _labels
from evalstats.present import words as _words
from evalstats.present.changes import cycle_label
from evalstats.present.names import unit_names
from evalstats.present.narrative.text import (
    ALL,
    ITEM_TEXT,
    METHOD_TEXT,
    REQUIRED_TEXT,
    VERDICT_TEXT,
    WEAK_REASON_TEXT,
    codes_text,
    is_public,
    join_words,
    scheme_label,
)
from evalstats.stats import privacy as _privacy

# numbers: the one formatter (evalstats.present.format)
_score = _format.score
_pct = _format.percent
_int = _format.count
_level = _format.confidence_text


def _translate(series: pd.Series, mapping: dict, lang: str, a=None) -> pd.Series:
    return series.astype(str).map(lambda v: codes_text(mapping, v, lang, a))


def _dim_list(series: pd.Series, a, lang: str) -> pd.Series:
    return series.astype(str).map(
        lambda v: join_words(
            [scheme_label(a, "dimensions", c, lang) for c in v.split(";") if c], lang
        )
    )


def _levels_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    lv = a.tables["levels"]
    town = lv[(lv["unit"] == ALL) & (lv["series"] == ALL)]
    dims = list(dict.fromkeys(town["dimension"]))
    levels = list(dict.fromkeys(town["level"]))
    count = town.pivot(index="dimension", columns="level", values="count").loc[dims, levels]
    rate = town.pivot(index="dimension", columns="level", values="rate").loc[dims, levels]
    out = pd.DataFrame({"dimension": dims})
    headers = {}
    for lev in levels:
        c = count[lev].to_numpy()
        r = rate[lev].to_numpy()
        text = [
            _int(n)
            if math.isnan(x)
            else f"{_int(n)}（{_pct(x)}）"
            if lang == "zh"
            else _int(n)
            if math.isnan(x)
            else f"{_int(n)} ({_pct(x)})"
            for n, x in zip(c, r, strict=True)
        ]
        out[lev] = text
        if lev == "blank":
            headers[lev] = _labels.BLANK_LEVEL_LABELS[0 if lang == "zh" else 1]
        else:
            headers[lev] = scheme_label(a, "levels", lev, lang)
    n_valid = town.drop_duplicates("dimension").set_index("dimension")["n_valid"]
    out["n_valid"] = n_valid.reindex(dims).to_numpy(np.int64)
    return out, headers


def _ranges(low: pd.Series, high: pd.Series, fmt) -> list[str]:
    return [_format.interval(lo, hi, fmt=fmt) for lo, hi in zip(low, high, strict=True)]


def _ranks(rank: pd.Series, veto, lang: str) -> list[str]:
    """Ranks as shown: a vetoed unit is not ranked (:func:`evalstats.present.words.rank_text`)."""
    veto = [False] * len(rank) if veto is None else list(veto)
    return [_words.rank_text(x, v, lang) for x, v in zip(rank, veto, strict=True)]


def _cycle_words(a, lang: str) -> tuple[str, str]:
    """Short words for the half-year and the year-end cycle of an annual analysis."""
    first = cycle_label(a.options.get("half_year_cycle") or a.cycle, lang)
    if lang == "zh":
        return first, "年终"
    return first.removeprefix("the ").removesuffix(" evaluation"), "year-end"


def _response_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    i = 0 if lang == "zh" else 1
    r = a.tables["response"]
    return r[r["unit"] == ALL][["group", "issued", "returned", "valid", "voided", "rate"]], {
        "rate": ("回收率", "Response rate")[i]
    }


def _ranking_view(a, lang: str, *, final: bool = False) -> tuple[pd.DataFrame, dict]:
    i = 0 if lang == "zh" else 1
    col = a.score_column
    r = a.tables["ranking"]
    cols = ["unit_name", "series"]
    if a.kind == "annual":
        cols += ["composite_h1", "composite_annual"]
    view = r[cols].copy()
    level = _level(a.options["confidence_level"])
    view[col] = r[col]
    view["_ci"] = _ranges(r[f"{col}_ci_low"], r[f"{col}_ci_high"], _score)
    view["rank"] = _ranks(r["rank"], r["veto"], lang)
    view["_rank_interval"] = [
        _format.rank_range(lo, hi, lang)
        for lo, hi in zip(r["rank_low"], r["rank_high"], strict=True)
    ]
    for c in ("p_last", "standing", "grade"):
        view[c] = r[c]
    if final:
        view["veto"] = r["veto"].astype(bool)
    heads = {
        "_ci": (f"{level} 置信区间", f"{level} interval")[i],
        "_rank_interval": ("名次区间", "Rank interval")[i],
    }
    if a.kind == "annual":
        before, after = _cycle_words(a, lang)
        heads |= {
            "composite_h1": (f"{before}得分", f"{before.capitalize()}")[i],
            "composite_annual": (f"{after}得分", f"{after.capitalize()}")[i],
            "composite_year": ("年度得分", "Year")[i],
        }
    return view, heads


def _final_grades_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    return _ranking_view(a, lang, final=True)


def _weak_dimensions_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    w = a.tables["weak_dimensions"]
    view = w[
        [
            "unit_name",
            "series",
            "dimension",
            "weighted_score",
            "series_median",
            "n_dissatisfied",
            "n_all_votes",
            "dissatisfied_rate",
            "weak_reason",
        ]
    ].copy()
    view["weak_reason"] = _translate(view["weak_reason"], WEAK_REASON_TEXT, lang)
    return view, {}


def _group_differences_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    i = 0 if lang == "zh" else 1
    g = a.tables["group_differences"]
    view = g[
        [
            "series",
            "dimension",
            "statistic",
            "df",
            "pvalue",
            "pvalue_adjusted",
            "significant",
            "method",
            "effect_size",
        ]
    ].copy()
    view["series"] = view["series"].replace(ALL, _labels.ALL_LABELS[i])
    view["df"] = pd.array(view["df"].round(), dtype="Float64").astype("Int64")
    view["method"] = view["method"].map(lambda m: METHOD_TEXT.get(m, (m, m))[i])
    return view, {"effect_size": "Cramér's V"}


def _reliability_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    return a.tables["reliability"][["group", "alpha", "ci_low", "ci_high", "n", "note"]], {
        "alpha": "α"
    }


def _unit_shown(a, units: pd.Series, lang: str) -> pd.Series:
    """Unit codes as the view names them (:func:`evalstats.present.names.unit_names`); a code
    that is no unit (``*``, ``all``) as it is."""
    names = unit_names(a.units, lang)
    return pd.Series([names.get(u, u) for u in units.astype(str)], index=units.index, dtype=str)


def _quality_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    i = 0 if lang == "zh" else 1
    q = a.tables["quality"]
    if is_public(a):
        return q[["check", "severity", "n_flags", "n_forms"]], {}
    reason = "reason_zh" if lang == "zh" else "reason"
    view = q[["check", "severity", "unit", "group", "collector", "n_forms", reason]].copy()
    view["unit"] = _unit_shown(a, view["unit"], lang)
    return view, {reason: ("说明", "Reason")[i], "unit": ("单位", "Unit")[i]}


def _quality_changes_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    return a.tables["quality_changes"][
        [
            "unit_name",
            "series",
            "composite",
            "composite_excl_flagged",
            "rank",
            "rank_excl_flagged",
            "standing",
            "standing_excl_flagged",
            "grade",
            "grade_excl_flagged",
        ]
    ], {}


def _rectification_view(a, lang: str, action: str | None = None) -> tuple[pd.DataFrame, dict]:
    r = a.tables["rectification"]
    if action is not None and "action" in r.columns:
        r = r[r["action"].astype(str) == action]
    view = r[
        [
            "unit_name",
            "rank",
            "required_because",
            "item",
            "dimension",
            "n_dissatisfied",
            "dissatisfied_rate",
            "group",
            "comment",
        ]
    ].copy()
    view["rank"] = _ranks(r["rank"], r["veto"], lang)
    if "comment_kind" in r.columns:
        view.insert(view.columns.get_loc("comment"), "comment_kind", r["comment_kind"])
    view["required_because"] = _translate(view["required_because"], REQUIRED_TEXT, lang, a)
    view["item"] = _translate(view["item"], ITEM_TEXT, lang)
    return view, {}


def _rectify_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    return _rectification_view(a, lang, "rectify")


def _feedback_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    view, heads = _rectification_view(a, lang, "feedback")
    # feedback rows are comments of units that need not rectify: no reason, no weak item
    drop = ["required_because", "item", "dimension", "n_dissatisfied", "dissatisfied_rate"]
    return view.drop(columns=drop), heads


def _comments_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    c = a.tables["comments"]
    cols = ["unit_name", "group", "form_id", "comment", "dissatisfied_dimensions"]
    if "comment_kind" in c.columns:
        cols.insert(3, "comment_kind")
    view = c[cols].copy()
    view["dissatisfied_dimensions"] = _dim_list(view["dissatisfied_dimensions"], a, lang)
    return view, {}


def _comparison_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    i = 0 if lang == "zh" else 1
    c = a.tables["comparison"]
    sel = c[(c["score_diff_ci_low"] > 0) | (c["score_diff_ci_high"] < 0)]
    before, after = _cycle_words(a, lang)
    heads = {
        "score_before": (f"{before}得分", f"Score, {before}")[i],
        "score_after": (f"{after}得分", f"Score, {after}")[i],
    }
    return sel[
        [
            "unit_name",
            "dimension",
            "score_before",
            "score_after",
            "score_diff",
            "score_diff_ci_low",
            "score_diff_ci_high",
            "score_pvalue",
            "score_pvalue_adjusted",
            "score_significant",
        ]
    ], heads


def _rank_movement_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    i = 0 if lang == "zh" else 1
    before, after = _cycle_words(a, lang)
    heads = {
        "rank_before": (f"{before}名次", f"Rank, {before}")[i],
        "rank_after": (f"{after}名次", f"Rank, {after}")[i],
        "standing_before": (f"{before}定位", f"Standing, {before}")[i],
        "standing_after": (f"{after}定位", f"Standing, {after}")[i],
    }
    m = a.tables["rank_movement"]
    view = m[
        [
            "unit_name",
            "series",
            "rank_before",
            "rank_after",
            "movement",
            "standing_before",
            "standing_after",
        ]
    ].copy()
    flags = m["flags"].astype(object).fillna("").astype(str).str.split(";")
    for when in ("before", "after"):
        vetoed = flags.map(lambda f, w=when: f"vetoed_{w}" in f)
        view[f"rank_{when}"] = _ranks(m[f"rank_{when}"], vetoed, lang)
    return view, heads


def _weak_units_followup_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    f = a.tables["weak_units_followup"]
    view = f[
        [
            "unit_name",
            "weak_because",
            "composite_h1",
            "composite_annual",
            "composite_diff",
            "composite_diff_ci_low",
            "composite_diff_ci_high",
            "pvalue",
            "pvalue_adjusted",
            "verdict",
            "weak_dimensions_h1",
            "weak_dimensions_annual",
        ]
    ].copy()
    view["weak_because"] = _translate(view["weak_because"], REQUIRED_TEXT, lang, a)
    view["verdict"] = _translate(view["verdict"], VERDICT_TEXT, lang)
    for c in ("weak_dimensions_h1", "weak_dimensions_annual"):
        view[c] = _dim_list(view[c], a, lang)
    return view, {}


def _one_cycle_units_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    return a.tables["one_cycle_units"][
        ["unit_name", "series", "cycle_present", "composite_year", "flags"]
    ], {}


def _suppressed_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    i = 0 if lang == "zh" else 1
    s = a.tables.get("suppressed")
    if s is None:
        return pd.DataFrame(), {}
    anyone = ("全部", "every")[i]
    view = s[["table", "unit", "group", "columns", "n_forms", "reason"]].copy()
    view["table"] = view["table"].map(
        lambda n: _labels.TABLE_LABELS.get(n, (n, n))[i] if n != _privacy.ANY else anyone
    )
    view["unit"] = _unit_shown(a, view["unit"], lang).replace(_privacy.ANY, anyone)
    view["group"] = view["group"].astype(str).replace(_privacy.ANY, anyone)
    view["columns"] = (
        view["columns"]
        .astype(str)
        .map(
            lambda cols: (
                anyone
                if cols == _privacy.ANY
                else ("、" if i == 0 else ", ").join(
                    _labels.column_label(c, lang, scheme=a.scheme) for c in cols.split(";") if c
                )
            )
        )
    )  # the columns by their labels: no code in a published page
    view["reason"] = view["reason"].map(lambda r: _words.REASON_TEXT.get(r, (r, r))[i])
    return view, {"unit": ("单位", "Unit")[i], "columns": ("列", "Columns")[i]}


TABLE_VIEWS = (
    "response",
    "levels",
    "ranking",
    "final_grades",
    "weak_dimensions",
    "group_differences",
    "reliability",
    "quality",
    "quality_changes",
    "rectification",
    "rectification_rectify",
    "rectification_feedback",
    "comments",
    "comparison",
    "rank_movement",
    "weak_units_followup",
    "one_cycle_units",
    "suppressed",
)
"""Tables :func:`table` can show (``rectification_rectify`` and ``rectification_feedback`` are
the two parts of the ``rectification`` table: 须整改 and 反馈参考)."""

VIEW_SOURCES = {
    "rectification_rectify": "rectification",
    "rectification_feedback": "rectification",
}
"""The analysis table a view shows, where its name is not the table's."""


_VIEWS = {
    "response": _response_view,
    "levels": _levels_view,
    "ranking": _ranking_view,
    "final_grades": _final_grades_view,
    "weak_dimensions": _weak_dimensions_view,
    "group_differences": _group_differences_view,
    "reliability": _reliability_view,
    "quality": _quality_view,
    "quality_changes": _quality_changes_view,
    "rectification": _rectification_view,
    "rectification_rectify": _rectify_view,
    "rectification_feedback": _feedback_view,
    "comments": _comments_view,
    "comparison": _comparison_view,
    "rank_movement": _rank_movement_view,
    "weak_units_followup": _weak_units_followup_view,
    "one_cycle_units": _one_cycle_units_view,
    "suppressed": _suppressed_view,
}


def view(a, name: str, lang: str) -> tuple[pd.DataFrame, dict]:
    """Rows and columns of a table shown in the report body, and header overrides.

    Parameters
    ----------
    a : Analysis
    name : str
        One of :data:`TABLE_VIEWS` (the table must be in ``a.tables``).
    lang : {"zh", "en"}
        Already checked by the caller.

    Returns
    -------
    (DataFrame, dict)
        The view, in codes, and column → header for the columns whose header is not the
        vocabulary's (:data:`evalstats.present.labels.COLUMN_LABELS`).

    Examples
    --------
    >>> frame, headers = view(a, "response", "zh")  # doctest: +SKIP
    >>> headers  # doctest: +SKIP
    {'rate': '回收率'}
    """
    make = _VIEWS.get(name)
    if make is None:
        raise ValueError(
            f"name must be one of {', '.join(repr(n) for n in TABLE_VIEWS)}; got {name!r}"
        )
    return make(a, lang)


__all__ = [
    "TABLE_VIEWS",
    "view",
]
