"""One unit's results: the tables behind a feedback letter (反馈函) and the analyst's unit profile.

:func:`unit_profile` gathers, for one unit of one cycle, everything a feedback letter says —
headline figures, dimension × group scores against the series median, the level distribution,
the change since the previous cycle, the comments about the unit, the rectification it owed
after the previous cycle and whether each weak dimension improved, and the data-quality flags
that concern it — as tidy tables (English column names, codes as values, nothing rounded) in a
frozen :class:`UnitProfile`.  ``notebooks/unit_profile.ipynb`` displays it;
:mod:`evalstats.present.letters` turns it into sentences, an HTML letter and a Word letter.

One computation, many views
---------------------------
A letter is a view of the cycle's analysis — the :class:`~evalstats.analyses.cycle.Analysis`
that :func:`~evalstats.analyses.cycle.half_year` or :func:`~evalstats.analyses.cycle.annual`
returns for the report, with the same data, scheme, seed, resamples, confidence level, method
and tier — never a recomputation.  :func:`load_analysis` runs it: the annual analysis for an
annual cycle with its half-year (the letter states the **combined year's** result, as the
report's ``final_grades``), the half-year analysis otherwise (``ranking``).  The unit's
figures are read from its tables: the headline from ``ranking`` (the year's for an annual
cycle: ``composite`` is then ``composite_year``), rectification from ``rectification``, weak
dimensions from ``weak_dimensions``, comments from ``comments``, changes from
:attr:`~evalstats.analyses.cycle.Analysis.change` (the report's ``comparison``, Holm over
every unit × dimension, and the change of the composite, the measure that decides grades).
:func:`letters_table` is the one row per unit that the letters state; each profile's
``letter`` is its unit's row, and the letter's sentences quote it.

Cycle-wide work is done once
----------------------------
:func:`load_analysis` keeps its last few results in memory keyed by the *content* of the
input files (sha256), the scheme and the options, so a kernel that executes the profile
notebook for unit after unit analyses the cycle once (:mod:`evalstats.analyses.load`); pass
the result as ``analysis=`` to :func:`unit_profile` for a batch of units.

The previous cycle
------------------
``previous_cycle=""`` derives it: ``2026A`` → ``2026H1``, ``2026H2`` → ``2026H1``, ``2026H1``
→ ``2025A``, when that cycle's folder sits beside the cycle's (else there is no comparison);
``"none"`` asks for no comparison.  An annual cycle compared with a half-year of its year is
the annual analysis (``half_year_cycle`` = the previous cycle); an annual cycle without one
(``"none"``, or no folder) is judged on its own, as a half-year analysis of that cycle.

Publication tier
----------------
``tier="public"`` is the public analysis (its headline numbers withheld as in the public
report) and applies the rules of :mod:`evalstats.stats.privacy` to the unit's group breakdown:
no cell resting on fewer than ``scheme.rules.anonymity_min`` respondents (forms) is shown
(reason ``fewer_than_threshold``: its numbers become missing and ``suppressed`` is True); there
is no supervisor-only breakdown of a unit whatever its size (``supervisor_breakdown``: the ~5
volunteer supervisors of a unit could otherwise be told apart); and secondary suppression
(``complementary``): the unit's pooled row publishes two relations over its groups — the
pooled score (forms-weighted) and the group-weighted dimension score — so two withheld groups
would be solved from the groups shown; at least three groups are then withheld, the smallest
first (:func:`evalstats.stats.privacy.protect` with two relations on the group margin).  A unit
whose own forms are fewer than the threshold, or come from protected groups only, is withheld
whole (dimensions, levels; its headline numbers are withheld by the public analysis).  The
level counts the figures draw (``counts``) are pooled over groups; comments lose their
respondent group and form id.  ``suppressed`` lists every cell withheld and why.

Examples
--------
>>> from evalstats.analyses.profile import letters_table, load_analysis, unit_profile
>>> a = load_analysis("2026A", n_resamples=500, seed=1)  # doctest: +SKIP
>>> p = unit_profile("finance_office", cycle="2026A", analysis=a)  # doctest: +SKIP
>>> p.letter.equals(letters_table(a).query("unit == 'finance_office'"))  # doctest: +SKIP
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evalstats.analyses.cycle import Analysis
from evalstats.analyses.load import (
    clear_cache,
    cycle_folder,
    derive_previous_cycle,
    load_analysis,
    resolve_previous_cycle,
)
from evalstats.core.config import resolve_path
from evalstats.core.cycles import check_cycle
from evalstats.core.files import file_stem
from evalstats.core.options import (
    check_confidence_level,
    check_n_resamples,
    check_option,
    check_seed,
)
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.vocab import LANGS, TIERS
from evalstats.stats import privacy as _privacy
from evalstats.stats.privacy import audit as _audit
from evalstats.stats.privacy import precision as _precision
from evalstats.stats.privacy import suppress_small_cells

ALL = "all"
SUPPRESSED_COLUMNS = ["table", "group", "dimension", "n_forms", "threshold", "reason"]

LETTERS_COLUMNS = [
    "unit",
    "composite",
    "rank",
    "rank_low",
    "rank_high",
    "p_last",
    "standing",
    "grade",
    "veto",
    "rectification_required",
]
"""The figures a letter states, one row per unit (:func:`letters_table`)."""

HEADLINE_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "composite",
    "composite_ci_low",
    "composite_ci_high",
    "rank",
    "rank_low",
    "rank_high",
    "n_ranked",
    "p_last",
    "p_top3",
    "tied",
    "standing",
    "grade",
    "veto",
    "veto_reason",
    "veto_note",
    "flags",
    "n_forms",
    "rectification_required",
    "required_because",
    "confidence_level",
    "suppressed",
]
DIMENSION_COLUMNS = [
    "cycle",
    "unit",
    "dimension",
    "group",
    "n_forms",
    "n_valid",
    "satisfied_rate",
    "satisfied_ci_low",
    "satisfied_ci_high",
    "score",
    "score_ci_low",
    "score_ci_high",
    "score_series_median",
    "weighted_score",
    "weighted_score_ci_low",
    "weighted_score_ci_high",
    "weighted_score_series_median",
    "low_confidence",
    "confidence_level",
    "suppressed",
]
RECTIFICATION_COLUMNS = [
    "cycle",
    "unit",
    "dimension",
    "weighted_score",
    "series_median",
    "weak_reason",
    "weighted_score_after",
    "score_before",
    "score_after",
    "score_diff",
    "score_diff_ci_low",
    "score_diff_ci_high",
    "verdict",
    "still_weak",
    "confidence_level",
]


# ====================================================================== the letters' table
def letters_table(analysis: Analysis) -> pd.DataFrame:
    """One row per unit with the figures its feedback letter states.

    The report's deciding table read as it is: ``final_grades`` for the annual analysis
    (``composite`` is ``composite_year``, the year's), ``ranking`` for the half-year one;
    ``rectification_required`` from ``rectification``.  ``evalstats letters`` writes it as
    ``letters/letters.csv``, and each unit's :class:`UnitProfile` holds its row (``letter``).

    Parameters
    ----------
    analysis : Analysis
        :func:`evalstats.analyses.cycle.half_year` or :func:`~evalstats.analyses.cycle.annual`
        (or :func:`load_analysis`).

    Returns
    -------
    DataFrame
        ``LETTERS_COLUMNS``: ``unit, composite, rank, rank_low, rank_high, p_last, standing,
        grade, veto, rectification_required``, in the order of the report's table.

    Examples
    --------
    >>> from evalstats.analyses.cycle import annual
    >>> a = annual("2026A", n_resamples=500, seed=1)  # doctest: +SKIP
    >>> t = letters_table(a)  # doctest: +SKIP
    >>> t.loc[t["unit"] == "governance_office", ["p_last", "standing"]]  # doctest: +SKIP
       p_last standing
    7    0.99     last
    """
    if not isinstance(analysis, Analysis):
        raise TypeError(f"analysis must be an Analysis; got {type(analysis).__name__}")
    annual = analysis.kind == "annual"
    src = analysis.tables["final_grades" if annual else "ranking"].reset_index(drop=True)
    unit = src["unit"].astype(str)
    out = src[LETTERS_COLUMNS[2:-1]].copy()
    out.insert(0, "composite", src["composite_year" if annual else "composite"].to_numpy())
    out.insert(0, "unit", unit.astype("str"))
    rect = analysis.tables["rectification"]
    first = rect.drop_duplicates("unit")
    need = pd.Series(
        first["rectification_required"].astype(bool).to_numpy(),
        index=first["unit"].astype(str).to_numpy(),
    )
    out["rectification_required"] = unit.map(need).fillna(False).astype(bool).to_numpy()
    return out[LETTERS_COLUMNS]


# ====================================================================== the profile
@dataclass(frozen=True)
class UnitProfile:
    """One unit's results in one cycle (:func:`unit_profile`).

    Attributes
    ----------
    unit, unit_name, series, cycle : str
    unit_name_en : str
        The unit's English name from the units file (``name_en``); ``""`` without one.
    previous_cycle : str
        ``""`` when there is no comparison.
    tier : {"internal", "public"}
    scheme : Scheme
    confidence_level : float
    kind : {"half_year", "annual"}
        The analysis the letter is a view of: ``"annual"`` states the combined year's result.
    letter : DataFrame
        One row, ``LETTERS_COLUMNS``: the unit's row of :func:`letters_table` — the figures
        the letter states.
    headline : DataFrame
        One row, ``HEADLINE_COLUMNS``: the unit's row of the analysis' ``ranking`` (the year's
        for an annual cycle, whose ``composite`` and interval are then ``composite_year`` and
        its interval) — composite, rank, rank interval, ``p_last``, ``p_top3``, standing,
        grade, veto and reason — plus ``n_ranked`` (units ranked in its series), ``n_forms``
        (its forms in ``cycle``), ``rectification_required`` and ``required_because`` (its
        rows of ``rectification``), ``suppressed``.
    year : DataFrame
        The unit's row of ``final_grades`` (annual; else empty): the half-year's and the
        year-end's composites and the period weights behind ``composite``.
    dimensions : DataFrame
        ``DIMENSION_COLUMNS``: one row per dimension (and ``"all"``) × group (and ``"all"``).
        ``score*`` is the pooled score of the row; ``score_series_median`` the median of
        ``score`` over the units of the series for the same dimension × group;
        ``weighted_score*`` (group ``"all"`` only) the unit's dimension score, with
        ``weighted_score_series_median`` as in the report's weak-dimension rule.
    levels : DataFrame
        The unit's rows of :func:`evalstats.analyses.cycle.levels_table`.
    counts, scores : DataFrame
        The unit's tally and scores-table rows (after suppression in the public tier: without
        the withheld groups) — what the figures draw.
    weak : DataFrame
        The unit's rows of the analysis' ``weak_dimensions``.
    changes : DataFrame
        The unit's rows of the analysis' comparison by dimension
        (:attr:`Analysis.change`; the annual report's ``comparison``: Holm over every unit ×
        dimension), with ``unit`` first; empty without a previous cycle or when the unit is in
        one cycle only.
    composite_change : DataFrame
        The unit's row of ``Analysis.change.composite_change`` (empty without one).
    previous : DataFrame
        The unit's row of the previous cycle's ranking with ``rectification_required`` and
        ``required_because`` (empty without one).
    rectification : DataFrame
        ``RECTIFICATION_COLUMNS``: the previous cycle's weak dimensions of the unit, its
        weighted score on each then (``weighted_score``) and now (``weighted_score_after``),
        and the change of the score as in ``changes`` — ``verdict`` ``improved`` /
        ``declined`` when its interval lies wholly above / below zero, ``no_clear_change``
        when it covers zero, ``absent`` without data now (the reading of the annual report's
        ``weak_units_followup``); ``still_weak``: weak again in this cycle.
    comments : DataFrame
        The unit's rows of the analysis' ``comments`` (raw text — escape it for display).
    quality : DataFrame
        The quality flags about the unit, or about forms of it (a burst across units).
    suppressed : DataFrame
        ``SUPPRESSED_COLUMNS``: every cell withheld in the public tier and why (empty otherwise).
    position : int
        The unit's place in the cycle's units file (1 for the first): the stable order the
        letters are numbered in (文号).
    """

    unit: str
    unit_name: str
    series: str
    cycle: str
    previous_cycle: str
    tier: str
    kind: str
    scheme: Scheme = field(repr=False)
    confidence_level: float
    letter: pd.DataFrame = field(repr=False)
    headline: pd.DataFrame = field(repr=False)
    year: pd.DataFrame = field(repr=False)
    dimensions: pd.DataFrame = field(repr=False)
    levels: pd.DataFrame = field(repr=False)
    counts: pd.DataFrame = field(repr=False)
    scores: pd.DataFrame = field(repr=False)
    weak: pd.DataFrame = field(repr=False)
    changes: pd.DataFrame = field(repr=False)
    composite_change: pd.DataFrame = field(repr=False)
    previous: pd.DataFrame = field(repr=False)
    rectification: pd.DataFrame = field(repr=False)
    comments: pd.DataFrame = field(repr=False)
    quality: pd.DataFrame = field(repr=False)
    suppressed: pd.DataFrame = field(repr=False)
    position: int = 0
    unit_name_en: str = ""

    def to_frame(self) -> pd.DataFrame:
        """The figures the letter states: the unit's row of :func:`letters_table`."""
        return self.letter.copy()

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table, by name."""
        names = (
            "letter",
            "headline",
            "year",
            "dimensions",
            "levels",
            "weak",
            "changes",
            "composite_change",
            "previous",
            "rectification",
            "comments",
            "quality",
            "suppressed",
        )
        return {n: getattr(self, n) for n in names}


def _unit_rows(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    return frame[frame["unit"].astype(str) == unit].reset_index(drop=True)


def _dimension_table(scores: pd.DataFrame, unit: str, series: str) -> pd.DataFrame:
    s = scores[(scores["unit"] != ALL) & (scores["series"].astype(str) == series)]
    keys = ["dimension", "group"]
    med = s.groupby(keys, sort=False).agg(
        score_series_median=("score", "median"),
        weighted_score_series_median=("weighted_score", "median"),
    )
    u = _unit_rows(s, unit)
    u = u.join(med, on=keys)
    is_all = (u["group"] == ALL).to_numpy()
    u.loc[~is_all, "weighted_score_series_median"] = np.nan
    u["suppressed"] = False
    return u[DIMENSION_COLUMNS].reset_index(drop=True)


_PROFILE_REASONS = {
    "group_not_published": "supervisor_breakdown",
    "below_threshold": "fewer_than_threshold",
    "complementary": "complementary",
}


def _suppress(prof: dict, scheme: Scheme, unit: str, series: str) -> None:
    """Apply the public tier's rules to the profile's tables (in ``prof``)."""
    k = int(scheme.rules.anonymity_min)
    withheld = []
    d = prof["dimensions"]
    h = prof["headline"]
    groups = d[d["group"] != ALL]
    n_group = groups.groupby("group", sort=False)["n_forms"].max()
    n_unit = int(h["n_forms"].iloc[0]) if pd.notna(h["n_forms"].iloc[0]) else 0
    cells = pd.DataFrame(
        {
            "unit": unit,
            "series": series,
            "group": [*n_group.index.astype(str), ALL],
            "n_forms": [*n_group.to_numpy(np.int64), n_unit],
        }
    )
    plan = _privacy.protect(cells, scheme=scheme, relations={"unit_groups": 2})
    status = dict(
        zip(plan["group"], zip(plan["published"], plan["reason"], strict=True), strict=True)
    )
    whole = not status[ALL][0]
    _audit_groups(status, prof["counts"], scheme, whole=whole)
    hide = d["group"].map(lambda g: whole or not status.get(g, (True, ""))[0]).to_numpy(bool)
    for row in d.loc[hide & (d["group"] != ALL).to_numpy()].itertuples(index=False):
        reason = status[row.group][1] or status[ALL][1]
        withheld.append(
            ("dimensions", row.group, row.dimension, row.n_forms, k, _PROFILE_REASONS[reason])
        )
    withheld_columns = DIMENSION_COLUMNS[5:-3]  # n_valid … weighted_score_series_median
    d = _privacy.mask_rows(d, hide, withheld_columns)
    d["suppressed"] = d["suppressed"].to_numpy(bool) | hide
    prof["dimensions"] = _precision.round_public(d)
    keep_groups = {g for g, (shown, _r) in status.items() if shown and g != ALL}
    sc = prof["scores"]
    prof["scores"] = _precision.round_public(
        sc[((sc["group"] == ALL) & (not whole)) | sc["group"].isin(keep_groups)].reset_index(
            drop=True
        )
    )
    counts = prof["counts"]
    pooled = counts.groupby(["cycle", "unit", "dimension", "level"], sort=False, observed=True)[
        "count"
    ].sum()
    pooled = pooled.reset_index()
    pooled.insert(2, "group", ALL)
    prof["counts"] = pooled.iloc[0:0] if whole else pooled
    if whole:
        reason = _PROFILE_REASONS[status[ALL][1]]
        withheld.append(("headline", ALL, ALL, n_unit, k, reason))
        for row in d.loc[(d["group"] == ALL).to_numpy()].itertuples(index=False):
            withheld.append(("dimensions", ALL, row.dimension, row.n_forms, k, reason))
        # the headline is the public analysis' row: its numbers withheld by the same rule
        prof["headline"] = h.assign(suppressed=True)
        lv = prof["levels"]
        prof["levels"] = _privacy.mask_rows(
            lv, np.ones(len(lv), bool), ["count", "rate", "share_of_all_votes", "n_valid"]
        )
    c = prof["comments"]
    if len(c):
        c = c.copy()
        c["group"] = ""
        c["form_id"] = ""
        prof["comments"] = c
    prof["suppressed"] = pd.DataFrame(withheld, columns=SUPPRESSED_COLUMNS).astype(
        {"table": "str", "group": "str", "dimension": "str", "reason": "str"}
    )


def _audit_groups(status: dict, counts: pd.DataFrame, scheme: Scheme, *, whole: bool) -> None:
    """Withhold every group the letter would show when the exact integer audit pins a
    withheld group's score from what the letter and the report publish at their printed
    precision (:func:`evalstats.stats.privacy.audit.audit_tally`); ``status`` is updated."""
    shown = [g for g, (pub, _r) in status.items() if pub and g != ALL]
    if whole or not shown:
        return
    verdicts = _audit.audit_tally(
        counts,
        scheme=scheme,
        shown=shown,
        decimals=_precision.SCORE_DECIMALS,
        rate_decimals=_precision.RATE_DECIMALS,
    )
    if any(v.verdict != "safe" for v in verdicts):
        for g in shown:
            status[g] = (False, "complementary")


def _verdicts(low: np.ndarray, high: np.ndarray, present: np.ndarray) -> np.ndarray:
    v = np.where(low > 0, "improved", np.where(high < 0, "declined", "no_clear_change"))
    return np.where(present, v, "absent")


def unit_profile(
    unit: str,
    *,
    cycle: str,
    data_dir="data/raw",
    scheme=None,
    previous_cycle: str = "",
    confidence_level: float | None = None,
    n_resamples: int = 10_000,
    seed: int | None = None,
    method: str = "wilson",
    tier: str = "internal",
    analysis: Analysis | None = None,
    pseudonymise: Callable[[pd.Series], pd.Series] | None = None,
) -> UnitProfile:
    """The profile of one unit in one cycle: every table a feedback letter shows.

    Parameters
    ----------
    unit : str
        The unit's code (as in the units file).
    cycle : str
    data_dir, scheme, previous_cycle, confidence_level, n_resamples, seed, method, tier
        As in :func:`load_analysis` (use the report's to get the report's figures).
        ``tier="public"`` also withholds the unit's small cells and supervisor breakdown
        (module docstring).
    analysis : Analysis, optional
        The cycle's analysis, computed once for a batch of units (:func:`load_analysis`, or
        the report's own); the options above are then ignored, except ``tier``, which must be
        the analysis'.
    pseudonymise : callable, optional
        Applied to the comments' text (a Series) before they enter the profile: the hook for
        the keyed pseudonyms of issue 8.  Comments carry no respondent identifiers today.

    Returns
    -------
    UnitProfile

    Raises
    ------
    ValueError
        ``unit`` is not a unit of the cycle, or an option is wrong.
    InputError
        The cycle's data are invalid.
    FileNotFoundError
        No folder for the cycle or the previous cycle.

    Examples
    --------
    >>> p = unit_profile("finance_office", cycle="2026A", n_resamples=500, seed=1)  # doctest: +SKIP
    >>> p.letter[["unit", "composite", "rank", "p_last", "grade"]]  # doctest: +SKIP
    """
    tier = _check_profile_options(unit, tier=tier, pseudonymise=pseudonymise)
    if analysis is None:
        analysis = load_analysis(
            cycle,
            data_dir=data_dir,
            scheme=scheme,
            previous_cycle=previous_cycle,
            confidence_level=confidence_level,
            n_resamples=n_resamples,
            seed=seed,
            method=method,
            tier=tier,
        )
    _check_analysis(analysis, cycle=cycle, tier=tier)
    scheme = analysis.scheme
    name, series, name_en = _name_and_series(analysis, unit)
    cur = analysis.scored[cycle]
    tables = analysis.tables

    letter = letters_table(analysis)
    letter = _unit_rows(letter, unit)
    head = _headline(analysis, unit, series)
    year = _unit_rows(tables["final_grades"], unit) if analysis.kind == "annual" else pd.DataFrame()
    counts = _unit_rows(cur.counts, unit)
    scores = _unit_rows(cur.scores, unit)
    dims = _dimension_table(cur.scores, unit, series)
    lv = _unit_rows(tables["levels"], unit)
    weak = _unit_rows(tables["weak_dimensions"], unit)
    prev, changes, composite, previous, rect = _changes(analysis, unit, weak)

    comments = _unit_comments(analysis, unit, pseudonymise)
    quality = _unit_flags(_table(analysis, "quality"), analysis.validated[cycle].forms, unit)

    prof = {
        "headline": head,
        "dimensions": dims,
        "scores": scores,
        "counts": counts,
        "levels": lv,
        "comments": comments,
        "suppressed": pd.DataFrame(columns=SUPPRESSED_COLUMNS),
    }
    if tier == "public":
        _suppress(prof, scheme, unit, series)
        quality = _public_quality(quality)

    return UnitProfile(
        unit=unit,
        unit_name=name,
        series=series,
        cycle=cycle,
        previous_cycle=prev,
        tier=tier,
        kind=analysis.kind,
        scheme=scheme,
        confidence_level=float(analysis.options["confidence_level"]),
        letter=letter,
        headline=prof["headline"],
        year=year,
        dimensions=prof["dimensions"],
        levels=prof["levels"],
        counts=prof["counts"],
        scores=prof["scores"],
        weak=weak,
        changes=changes,
        composite_change=composite,
        previous=previous,
        rectification=rect,
        comments=prof["comments"],
        quality=quality,
        suppressed=prof["suppressed"],
        position=int(np.flatnonzero(analysis.units["unit"].astype(str).to_numpy() == unit)[0]) + 1,
        unit_name_en=name_en,
    )


def _check_profile_options(unit, *, tier, pseudonymise) -> str:
    """Check :func:`unit_profile`'s ``unit``, ``tier`` and ``pseudonymise``; the tier."""
    if not isinstance(unit, str) or not unit.strip():
        raise ValueError(f"unit must be a unit code; got {unit!r}")
    tier = check_option("tier", tier, TIERS)
    if pseudonymise is not None and not callable(pseudonymise):
        raise TypeError(f"pseudonymise must be callable or None; got {pseudonymise!r}")
    return tier


def _check_analysis(analysis, *, cycle: str, tier: str) -> None:
    """Check that ``analysis`` is an Analysis of ``cycle`` and ``tier``."""
    if not isinstance(analysis, Analysis):
        raise TypeError(f"analysis must be an Analysis or None; got {type(analysis).__name__}")
    if analysis.cycle != cycle:
        raise ValueError(f"analysis is of cycle {analysis.cycle!r}, not {cycle!r}")
    if analysis.tier != tier:
        raise ValueError(f"analysis is of tier {analysis.tier!r}, not {tier!r}")


def _name_and_series(analysis: Analysis, unit: str) -> tuple[str, str, str]:
    """The unit's name, series and English name (``""`` without one); a clear error when it
    is not a unit of the cycle."""
    units = analysis.units
    codes = units["unit"].astype(str)
    if unit not in set(codes):
        shown = ", ".join(codes.head(8)) + (", …" if len(codes) > 8 else "")
        raise ValueError(
            f"unit {unit!r} is not a unit of cycle {analysis.cycle!r} (units: {shown})"
        )
    info = units[codes == unit].iloc[0]
    name_en = info.get("name_en")
    name_en = "" if name_en is None or pd.isna(name_en) else " ".join(str(name_en).split())
    return str(info["name"]), str(info["series"]), name_en


def _unit_comments(analysis: Analysis, unit: str, pseudonymise) -> pd.DataFrame:
    """The comments about the unit, their text passed through ``pseudonymise`` if given."""
    comments = _unit_rows(_table(analysis, "comments"), unit)
    if pseudonymise is not None and len(comments):
        comments["comment"] = pd.Series(
            pseudonymise(comments["comment"].copy()), index=comments.index
        ).astype("str")
    return comments


def _table(analysis: Analysis, name: str) -> pd.DataFrame:
    """An internal table of the analysis: kept unpublished (public tier), else in ``tables``."""
    return analysis.unpublished.get(
        name, analysis.tables[name] if name in analysis.tables else None
    )


def _headline(analysis: Analysis, unit: str, series: str) -> pd.DataFrame:
    """The unit's row of the deciding ranking, as ``HEADLINE_COLUMNS`` (see UnitProfile)."""
    rk = analysis.tables["ranking"]
    head = _unit_rows(rk, unit)
    if analysis.kind == "annual":
        for end in ("", "_ci_low", "_ci_high"):
            head["composite" + end] = head["composite_year" + end].to_numpy(np.float64)
    own = _unit_rows(analysis.scored[analysis.cycle].ranking, unit)
    head["n_forms"] = own["n_forms"].to_numpy() if len(own) == len(head) else pd.NA
    head["n_ranked"] = int(((rk["series"].astype(str) == series) & rk["rank"].notna()).sum())
    rect = _unit_rows(analysis.tables["rectification"], unit)
    required = bool(rect["rectification_required"].iloc[0]) if len(rect) else False
    head["rectification_required"] = required
    head["required_because"] = pd.array(
        [str(rect["required_because"].iloc[0]) if len(rect) else ""] * len(head), dtype="str"
    )
    head["confidence_level"] = float(analysis.options["confidence_level"])
    masked = analysis.tier == "public" and head["composite"].isna().to_numpy()
    has_forms = pd.to_numeric(head["n_forms"], errors="coerce").fillna(0).to_numpy() > 0
    head["suppressed"] = np.asarray(masked & has_forms, bool)
    return head[HEADLINE_COLUMNS]


def _changes(analysis: Analysis, unit: str, weak: pd.DataFrame) -> tuple:
    """``(previous_cycle, changes, composite_change, previous, rectification)`` of the unit,
    read from :attr:`Analysis.change`."""
    change = analysis.change
    rect = pd.DataFrame(columns=RECTIFICATION_COLUMNS)
    if change is None:
        return "", pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), rect
    level = float(analysis.options["confidence_level"])
    ch = _unit_rows(change.comparison, unit)
    ch = ch[ch["present"].astype(str) == "both"].drop(columns=["unit_name", "series"])
    changes = ch.reset_index(drop=True) if len(ch) else pd.DataFrame()
    composite = _unit_rows(change.composite_change, unit)
    previous = _unit_rows(change.ranking, unit)
    if len(previous):
        need = _unit_rows(change.rectification_needed, unit)
        previous["rectification_required"] = need["rectification_required"].to_numpy(bool)
        previous["required_because"] = need["required_because"].astype("str").to_numpy()
    pw = _unit_rows(change.weak_dimensions, unit)
    if len(pw):
        d = pw["dimension"].astype(str)
        by_dim = changes.set_index(changes["dimension"].astype(str)) if len(changes) else None
        now = analysis.scored[analysis.cycle].scores
        now = now[(now["unit"].astype(str) == unit) & (now["group"] == ALL)]
        now = now.set_index(now["dimension"].astype(str))["weighted_score"]
        r = pd.DataFrame(
            {
                "cycle": pw["cycle"].astype("str"),
                "unit": pw["unit"].astype("str"),
                "dimension": d.astype("str"),
                "weighted_score": pw["weighted_score"].to_numpy(np.float64),
                "series_median": pw["series_median"].to_numpy(np.float64),
                "weak_reason": pw["weak_reason"].astype("str"),
                "weighted_score_after": now.reindex(d).to_numpy(np.float64),
            }
        )
        for c in ("score_before", "score_after", "score_diff", "score_diff_ci_low"):
            r[c] = by_dim[c].reindex(d).to_numpy(np.float64) if by_dim is not None else np.nan
        r["score_diff_ci_high"] = (
            by_dim["score_diff_ci_high"].reindex(d).to_numpy(np.float64)
            if by_dim is not None
            else np.nan
        )
        present = np.isfinite(r["score_after"].to_numpy(np.float64))
        r["verdict"] = pd.array(
            _verdicts(
                r["score_diff_ci_low"].to_numpy(np.float64),
                r["score_diff_ci_high"].to_numpy(np.float64),
                present,
            ),
            dtype="str",
        )
        r["still_weak"] = d.isin(set(weak["dimension"].astype(str))).to_numpy(bool)
        r["confidence_level"] = level
        rect = r[RECTIFICATION_COLUMNS]
    return change.previous_cycle, changes, composite, previous, rect


def _unit_flags(flags: pd.DataFrame, forms: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The quality flags about the unit, or about forms of it (a burst across units)."""
    own_forms = set(forms.loc[forms["unit"].astype(str) == unit, "form_id"].astype(str))
    about = (flags["unit"].astype(str) == unit).to_numpy().copy()  # to_numpy may be read-only
    across = (flags["unit"].astype(str) == "").to_numpy()
    ids = flags["form_ids"].astype(str).to_numpy()
    for i in np.flatnonzero(across):  # a few flags per cycle
        about[i] = not own_forms.isdisjoint(ids[i].split(";"))
    return flags[np.asarray(about, bool)].reset_index(drop=True)


def _public_quality(quality: pd.DataFrame) -> pd.DataFrame:
    """Quality flags for the public tier: the check and how many forms, no collector, no form
    ids, no group, and a reason that names nobody (the internal reason quotes the collector)."""
    q = quality.copy()
    n = pd.to_numeric(q["n_forms"], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    for c in ("collector", "form_ids", "group"):
        q[c] = ""
    q["reason_zh"] = [f"涉及 {k} 份测评表；收集人、问卷编号等细节只在内部版中列出。" for k in n]
    q["reason"] = [
        f"{k} form(s) concerned; the collector, form ids and other details are listed in the "
        "internal edition only."
        for k in n
    ]
    return q


# ====================================================================== notebook parameters
@dataclass(frozen=True)
class ProfileParameters:
    """The checked parameters of ``notebooks/unit_profile.ipynb`` (:func:`check_parameters`)."""

    unit: str
    cycle: str
    previous_cycle: str
    data_dir: Path
    scheme: Scheme
    output_dir: Path
    language: str
    confidence_level: float
    n_resamples: int
    seed: int | None
    tier: str
    letter_date: str = ""


def check_parameters(
    *,
    unit: str,
    cycle: str,
    previous_cycle: str = "",
    data_dir="data/raw",
    scheme="",
    output_dir="",
    language: str = "zh",
    confidence_level: float = 0.95,
    n_resamples: int = 10_000,
    seed: int | None = None,
    tier: str = "internal",
    letter_date: str = "",
) -> ProfileParameters:
    """Check the profile notebook's parameters; raise a clear error on the first bad one.

    ``output_dir=""`` is ``reports/_lab/<cycle>/profiles/<unit>``.  ``previous_cycle`` is checked
    by :func:`load_analysis` (``""`` derives it, ``"none"`` for no comparison).  ``letter_date``
    is the letter's date, ``YYYY-MM-DD`` (``""``: the scheme's ``[letters] date``, else today).

    Examples
    --------
    >>> check_parameters(unit="x", cycle="2026A", language="fr")
    Traceback (most recent call last):
    ...
    ValueError: language must be one of 'zh', 'en'; got 'fr'
    """
    language = check_option("language", language, LANGS)
    tier = check_option("tier", tier, TIERS)
    if not isinstance(unit, str) or not unit.strip():
        raise ValueError(f"unit must be a unit code; got {unit!r}")
    level = check_confidence_level(confidence_level)
    n_resamples = check_n_resamples(n_resamples)
    seed = check_seed(seed)
    cycle = check_cycle(cycle)
    if not isinstance(previous_cycle, str):
        raise TypeError(f"previous_cycle must be a str; got {previous_cycle!r}")
    if not isinstance(data_dir, str | Path) or str(data_dir).strip() == "":
        raise ValueError(f"data_dir must be a folder; got {data_dir!r}")
    folder = cycle_folder(data_dir, cycle)
    if not isinstance(scheme, str | Path | Scheme | None):
        raise TypeError(f"scheme must be a path or ''; got {scheme!r}")
    loaded = resolve_scheme(None if scheme in ("", None) else scheme)
    if not isinstance(output_dir, str | Path | None):
        raise TypeError(f"output_dir must be a path or ''; got {output_dir!r}")
    letter_date = _check_letter_date(letter_date)
    from evalstats.core.config import scratch_dir

    out = (
        scratch_dir(cycle, "profiles") / file_stem(unit.strip())
        if output_dir in ("", None)
        else resolve_path(output_dir)
    )
    return ProfileParameters(
        unit=unit.strip(),
        cycle=cycle,
        previous_cycle=previous_cycle,
        data_dir=folder.parent,
        scheme=loaded,
        output_dir=out,
        language=language,
        confidence_level=level,
        n_resamples=n_resamples,
        seed=seed,
        tier=tier,
        letter_date=letter_date,
    )


def _check_letter_date(value) -> str:
    """``""`` or a date ``YYYY-MM-DD`` (a ``date`` is accepted and written so)."""
    import datetime as _dt

    if isinstance(value, _dt.date):
        return value.isoformat()[:10]
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return _dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise ValueError(f"letter_date must be a date YYYY-MM-DD or ''; got {value!r}")


__all__ = [
    "LETTERS_COLUMNS",
    "TIERS",
    "ProfileParameters",
    "UnitProfile",
    "check_parameters",
    "clear_cache",
    "cycle_folder",
    "derive_previous_cycle",
    "file_stem",
    "letters_table",
    "load_analysis",
    "resolve_previous_cycle",
    "suppress_small_cells",
    "unit_profile",
]
