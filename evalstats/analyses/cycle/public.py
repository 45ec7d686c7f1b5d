"""The public tier of a cycle's analysis: the tables that may be published, made safe.

:func:`public_tables` applies :mod:`evalstats.stats.privacy` to the internal tables (rules in
"Publication tier" of :mod:`evalstats.analyses.cycle`) and logs every withheld cell;
:func:`apply_tier` gives an analysis its tier's tables and summary.

Examples
--------
>>> a = half_year("2026H1", n_resamples=200, seed=1, tier="public")  # doctest: +SKIP
>>> list(a.tables)[-1]  # doctest: +SKIP
'suppressed'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalstats.analyses.cycle.columns import (
    ALL,
    INTERNAL_ONLY_TABLES,
    LEVELS_COLUMNS,
    PUBLIC_ANNUAL_TABLES,
    PUBLIC_HALF_YEAR_TABLES,
    PUBLIC_QUALITY_COLUMNS,
)
from evalstats.analyses.cycle.frames import str_series, unit_info
from evalstats.analyses.cycle.rectification import rectification_table
from evalstats.analyses.cycle.summary import tier_summary
from evalstats.core.scheme import Scheme
from evalstats.inputs.validate import ValidatedCycle
from evalstats.stats import privacy as _privacy
from evalstats.stats import quality as _quality
from evalstats.stats.pipeline import CycleScores
from evalstats.stats.privacy import pinned as _pinned
from evalstats.stats.privacy import precision as _precision

_SCORE_NUMBERS = (
    "composite",
    "composite_ci_low",
    "composite_ci_high",
    "composite_se",
    "composite_df",
    "composite_h1",
    "composite_annual",
    "composite_year",
    "composite_year_ci_low",
    "composite_year_ci_high",
    "composite_diff",
    "composite_diff_ci_low",
    "composite_diff_ci_high",
    "statistic",
    "df",
    "pvalue",
    "pvalue_adjusted",
)
_WEIGHTED = ("weighted_score", "weighted_score_ci_low", "weighted_score_ci_high")


@dataclass
class _Plan:
    """The cells of one cycle (:func:`evalstats.stats.privacy.protect`) and lookups into them."""

    cells: pd.DataFrame
    few: list
    k: int
    pinned: list = field(default_factory=list)
    """Units whose group-weighted scores would pin a withheld group's score by the exact
    integer audit (:func:`evalstats.stats.privacy.pinned.pinned_units`): withheld like
    ``few``'s, with reason ``complementary``."""

    def __post_init__(self):
        c = self.cells
        self._status = {
            (u, s, g): (bool(p), r, int(n))
            for u, s, g, p, r, n in zip(
                c["unit"],
                c["series"],
                c["group"],
                c["published"],
                c["reason"],
                c["n_forms"],
                strict=True,
            )
        }
        pub = c[(c["unit"] != ALL) & (c["group"] == ALL)]
        self.withheld_units = set(pub.loc[~pub["published"], "unit"].astype(str))
        own = ~pub["published"] & (pub["reason"] != "complementary")
        self.own_withheld_units = set(pub.loc[own, "unit"].astype(str))

    def rows(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list]:
        """Per row of ``table``: shown at all, withheld, and its cell key."""
        n = len(table)
        unit = table["unit"].astype(str).to_numpy() if "unit" in table else np.full(n, ALL)
        group = table["group"].astype(str).to_numpy() if "group" in table else np.full(n, ALL)
        group = np.where(group == "", ALL, group)
        if "series" in table:
            series = table["series"].astype(str).to_numpy()
        else:
            series = np.full(n, ALL)
        keys = list(zip(unit, series, group, strict=True))
        shown = np.ones(n, bool)
        withheld = np.zeros(n, bool)
        for i, key in enumerate(keys):  # one lookup per table row (tables, not forms)
            status = self._status.get(key)
            if status is None:
                continue
            published, reason, _n = status
            if not published:
                if reason == "group_not_published" and key[2] != ALL:
                    shown[i] = False
                else:
                    withheld[i] = True
        return shown, withheld, keys

    def log(self, name: str, table: pd.DataFrame, withheld: np.ndarray, keys, columns="*"):
        out = []
        for i in np.flatnonzero(withheld):
            u, s, g = keys[i]
            _p, reason, n = self._status[(u, s, g)]
            out.append((name, u, s, g, _privacy.ANY, columns, n, self.k, reason))
        return list(dict.fromkeys(out))


def _plan(scores: pd.DataFrame, scheme: Scheme, counts: pd.DataFrame | None = None) -> _Plan:
    cells = _privacy.report_cells(scores)
    plan = _privacy.protect(
        cells[["unit", "series", "group", "n_forms"]], scheme=scheme, publish=cells["publish"]
    )
    few = _privacy.few_group_units(scores)
    pinned = []
    if counts is not None:  # the exact integer audit of the pooled rows, as published
        pinned = _pinned.pinned_units(
            counts,
            scheme=scheme,
            decimals=_precision.SCORE_DECIMALS,
            rate_decimals=_precision.RATE_DECIMALS,
            skip_weighted=few,
        )
        pooled = plan[(plan["unit"] != ALL) & (plan["group"] == ALL)]
        hidden = set(pooled.loc[~pooled["published"], "unit"].astype(str))
        pinned = [u for u in pinned if u not in few and u not in hidden]
    return _Plan(plan, few, int(scheme.rules.anonymity_min), pinned)


def _value_columns(table: pd.DataFrame, keep=("n_forms", "confidence_level")) -> list[str]:
    return [
        c
        for c in table.columns
        if c not in keep
        and c not in _privacy.STRUCTURAL_COLUMNS
        and (pd.api.types.is_numeric_dtype(table[c].dtype) or c == "low_confidence")
    ]


def _public_cell_table(
    name, table, plan, log, *, columns=None, keep=("n_forms", "confidence_level")
):
    """Drop the rows of unpublished group cells, withhold the numbers of withheld cells."""
    shown, withheld, keys = plan.rows(table)
    cols = _value_columns(table, keep) if columns is None else list(columns)
    out = _privacy.mask_rows(table, withheld, cols)
    log += plan.log(name, table, withheld, keys)
    hidden_groups = sorted({k[2] for k, s in zip(keys, shown, strict=True) if not s})
    for g in hidden_groups:
        log.append(
            (
                name,
                _privacy.ANY,
                _privacy.ANY,
                g,
                _privacy.ANY,
                "*",
                pd.NA,
                plan.k,
                "group_not_published",
            )
        )
    return out[shown].reset_index(drop=True)


def _mask_units(name, table, units, columns, *, log: list, plan: _Plan):
    """Withhold ``columns`` in the rows of ``units`` (whole-unit tables)."""
    cols = [c for c in columns if c in table.columns]
    rows = table["unit"].astype(str).isin(units).to_numpy()
    if rows.any():
        for u, s in zip(
            table.loc[rows, "unit"].astype(str), table.loc[rows, "series"].astype(str), strict=True
        ):
            status = plan._status.get((u, s, ALL))
            n, reason = (status[2], status[1]) if status else (pd.NA, "complementary")
            log.append(
                (
                    name,
                    u,
                    s,
                    ALL,
                    _privacy.ANY,
                    ";".join(cols),
                    n,
                    plan.k,
                    reason or "complementary",
                )
            )
    return _privacy.mask_rows(table, rows, cols)


def _public_quality(flags: pd.DataFrame, cycle: str) -> pd.DataFrame:
    if not len(flags):
        return pd.DataFrame(
            {
                "cycle": str_series([]),
                "check": str_series([]),
                "severity": str_series([]),
                "n_flags": pd.Series(dtype="int64"),
                "n_forms": pd.Series(dtype="int64"),
            }
        )
    g = flags.assign(check=flags["check"].astype(str), severity=flags["severity"].astype(str))
    out = g.groupby(["check", "severity"], sort=False).agg(
        n_flags=("check", "size"), n_forms=("n_forms", "sum")
    )
    out = out.reset_index()
    order = {c: i for i, c in enumerate((*_quality.CHECKS, *_quality.RESPONDENT_CHECKS))}
    out = out.iloc[np.argsort(out["check"].map(order).fillna(len(order)).to_numpy(), kind="stable")]
    out.insert(0, "cycle", cycle)
    for c in ("cycle", "check", "severity"):
        out[c] = out[c].astype("str")
    out["n_flags"] = out["n_flags"].astype(np.int64)
    out["n_forms"] = pd.to_numeric(out["n_forms"]).fillna(0).astype(np.int64)
    return out[PUBLIC_QUALITY_COLUMNS].reset_index(drop=True)


def _public_counts(counts: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    c = counts[~counts["unit"].astype(str).isin(plan.withheld_units)]
    out = c.groupby(
        [
            c["cycle"].astype(str),
            c["unit"].astype(str),
            c["dimension"].astype(str),
            c["level"].astype(str),
        ],
        sort=False,
    )["count"].sum()
    out = out.reset_index()
    out.insert(2, "group", ALL)
    out["group"] = out["group"].astype("str")
    out["count"] = out["count"].astype(np.int64)
    return out[["cycle", "unit", "group", "dimension", "level", "count"]]


def _log_all(name: str, columns: str, threshold, reason: str) -> tuple:
    """A log row for a whole table (every unit, series, group and dimension)."""
    any_ = _privacy.ANY
    return (name, any_, any_, any_, any_, columns, pd.NA, threshold, reason)


def _public_scores(scores: pd.DataFrame, plan: _Plan, log: list, *, units) -> pd.DataFrame:
    """Scores: group cells as the plan says; the weighted scores of few-group units withheld."""
    sc = _public_cell_table("scores", scores, plan, log)
    hidden = [*plan.few, *plan.pinned]
    few = np.isin(sc["unit"].astype(str), hidden) & (sc["group"].astype(str) == ALL).to_numpy()
    sc = _privacy.mask_rows(sc, few, list(_WEIGHTED))
    for u in hidden:
        s = str(units.loc[units["unit"].astype(str) == u, "series"].astype(str).iloc[0])
        log.append(
            (
                "scores",
                u,
                s,
                ALL,
                _privacy.ANY,
                ";".join(_WEIGHTED),
                plan._status.get((u, s, ALL), (0, "", pd.NA))[2],
                plan.k,
                "few_groups" if u in plan.few else "complementary",
            )
        )
    return sc


def _public_weak(weak: pd.DataFrame, plan: _Plan, log: list, *, hidden_units, units):
    """Weak dimensions: withheld units' numbers, few-group units' weighted scores and the
    series medians of the series they touch withheld."""
    w = _mask_units(
        "weak_dimensions", weak, plan.withheld_units, _value_columns(weak), log=log, plan=plan
    )
    few = set(plan.few) | set(plan.pinned)
    few_rows = w["unit"].astype(str).isin(few).to_numpy()
    w = _privacy.mask_rows(w, few_rows, list(_WEIGHTED))
    touched = set(w.loc[w["unit"].astype(str).isin(hidden_units | few), "series"])
    info = unit_info(units)
    touched |= {info.loc[u, "series"] for u in (hidden_units | few) if u in info.index}
    return _privacy.mask_rows(
        w, w["series"].astype(str).isin(touched).to_numpy(), ["series_median"]
    )


def _public_group_differences(gd: pd.DataFrame, plan: _Plan, log: list) -> pd.DataFrame:
    """Group differences: the town-wide tests, withheld when a town-wide group cell is."""
    town_groups = plan.cells[(plan.cells["unit"] == ALL) & (plan.cells["series"] == ALL)]
    if (~town_groups["published"]).any():
        gd = _privacy.mask_rows(gd, np.ones(len(gd), bool), _value_columns(gd, keep=("alpha",)))
        row = ("group_differences", ALL, ALL, _privacy.ANY, _privacy.ANY, "*", pd.NA, plan.k)
        log.append((*row, "complementary"))
    log.append(_log_all("group_differences", "*", plan.k, "group_not_published"))
    return gd


def _public_annual(tables: dict, plan: _Plan, log: list, *, hidden_units, own_units) -> dict:
    """The annual tables present in ``tables``, each unit's numbers withheld as the plan says."""
    out = {}
    if "comparison" in tables:
        c = tables["comparison"]
        out["comparison"] = _mask_units(
            "comparison", c, hidden_units, _value_columns(c), log=log, plan=plan
        )
    for name in ("weak_units_followup", "one_cycle_units"):
        if name in tables:
            out[name] = _mask_units(
                name, tables[name], own_units, _SCORE_NUMBERS, log=log, plan=plan
            )
    if "rank_movement" in tables:
        out["rank_movement"] = tables["rank_movement"]
    return out


def _internal_only_log() -> list:
    """Log rows of the tables and columns the public tier never publishes."""
    log = [_log_all(name, "*", pd.NA, "internal_only") for name in INTERNAL_ONLY_TABLES]
    for name, cols in (
        ("quality", "unit;group;collector;form_ids;value;threshold;reason;reason_zh"),
        ("rectification", "group;form_id;comment"),
    ):
        log.append(_log_all(name, cols, pd.NA, "internal_only"))
    return log


def public_tables(
    kind: str,
    tables: dict,
    scored: CycleScores,
    v: ValidatedCycle,
    *,
    scheme: Scheme,
    h1: CycleScores | None = None,
    score_column: str = "composite",
) -> tuple[dict, pd.DataFrame, set]:
    """The public tables, the public tally and the units whose scores are withheld.

    Parameters
    ----------
    kind : {"half_year", "annual"}
    tables : dict of str -> DataFrame
        The internal tables of the analysis.
    scored, v : CycleScores, ValidatedCycle
        The (year-end) cycle analysed.
    scheme : Scheme
    h1 : CycleScores, optional
        The half-year cycle of an annual analysis (its withheld units are withheld too).
    score_column : str
        The deciding score (``composite`` or ``composite_year``).

    Returns
    -------
    tables : dict of str -> DataFrame
        ``PUBLIC_HALF_YEAR_TABLES`` / ``PUBLIC_ANNUAL_TABLES`` in order, ``suppressed`` last.
    counts : DataFrame
        The tally pooled over groups of the units shown.
    withheld : set of str
        The units withheld for their own sake (their scores are left out of the summary).

    Examples
    --------
    >>> a = half_year("2026H1", n_resamples=200, seed=1, tier="public")  # doctest: +SKIP
    >>> "comments" in a.tables  # doctest: +SKIP
    False
    """
    plan = _plan(scored.scores, scheme, scored.counts)
    log: list = []
    out = {}
    out["response"] = _public_cell_table(
        "response", tables["response"], plan, log, keep=(), columns=None
    )
    lv = tables["levels"]
    out["levels"] = _public_cell_table("levels", lv.assign(group=ALL), plan, log, keep=())
    out["levels"] = out["levels"][LEVELS_COLUMNS]
    out["scores"] = _public_scores(tables["scores"], plan, log, units=v.units)
    h1_plan = _plan(h1.scores, scheme, h1.counts) if h1 is not None else None
    hidden_units = set(plan.withheld_units) | (h1_plan.withheld_units if h1_plan else set())
    # whole-unit tables (not additive): only units withheld for their own sake
    own_units = set(plan.own_withheld_units) | (h1_plan.own_withheld_units if h1_plan else set())
    for name in ("ranking", "ranking_annual_cycle", "final_grades"):
        if name in tables:
            out[name] = _mask_units(
                name, tables[name], own_units, _SCORE_NUMBERS, log=log, plan=plan
            )
    w = _public_weak(tables["weak_dimensions"], plan, log, hidden_units=hidden_units, units=v.units)
    out["weak_dimensions"] = w
    out["group_differences"] = _public_group_differences(tables["group_differences"], plan, log)
    out["reliability"] = _public_cell_table(
        "reliability", tables["reliability"], plan, log, keep=("k", "confidence_level")
    )
    out["quality"] = _public_quality(tables["quality"], v.cycle)
    comments = tables["comments"]
    rect = rectification_table(
        tables["ranking"], w, comments.iloc[0:0], scheme=scheme, score_column=score_column
    )
    out["rectification"] = _mask_units(
        "rectification", rect, own_units, [score_column], log=log, plan=plan
    )
    out |= _public_annual(tables, plan, log, hidden_units=hidden_units, own_units=own_units)
    log += _internal_only_log()
    out["suppressed"] = _privacy.log_frame(dict.fromkeys(log))
    order = PUBLIC_ANNUAL_TABLES if kind == "annual" else PUBLIC_HALF_YEAR_TABLES
    return {name: out[name] for name in order}, _public_counts(scored.counts, plan), own_units


def apply_tier(
    kind: str,
    tables: dict,
    summary: dict,
    *,
    tier: str,
    scored: CycleScores,
    validated: ValidatedCycle,
    scheme: Scheme,
    h1: CycleScores | None = None,
    score_column: str = "composite",
) -> tuple[dict, dict, pd.DataFrame | None, dict]:
    """The tier's view of an analysis: ``(tables, summary, public_counts, unpublished)``.

    The internal tier keeps ``tables`` (``public_counts`` None, ``unpublished`` empty); the
    public tier gives :func:`public_tables`, the pooled tally, and the internal ``comments`` and
    ``quality`` tables as ``unpublished``.  The summary is :func:`tier_summary` of the tier.

    Examples
    --------
    >>> a = half_year("2026H1", n_resamples=200, seed=1, tier="public")  # doctest: +SKIP
    >>> sorted(a.unpublished)  # doctest: +SKIP
    ['comments', 'quality']
    """
    public_counts, withheld, unpublished = None, set(), {}
    if tier == "public":
        unpublished = {name: tables[name] for name in ("comments", "quality")}
        tables, public_counts, withheld = public_tables(
            kind, tables, scored, validated, scheme=scheme, h1=h1, score_column=score_column
        )
        # published precision is part of the release (evalstats.stats.privacy.precision)
        tables = {name: _precision.round_public(t) for name, t in tables.items()}
        summary = tier_summary(summary, tables, tier, withheld)
        return tables, _precision.round_summary(summary), public_counts, unpublished
    return tables, tier_summary(summary, tables, tier, withheld), public_counts, unpublished


__all__ = [
    "apply_tier",
    "public_tables",
]
