"""One unit's results: the tables behind a feedback letter (反馈函) and the analyst's unit profile.

:func:`unit_profile` gathers, for one unit of one cycle, everything a feedback letter says —
headline figures, dimension × group scores against the series median, the level distribution,
the change since the previous cycle, the comments about the unit, the rectification it owed
after the previous cycle and whether each weak dimension improved, and the data-quality flags
that concern it — as tidy tables (English column names, codes as values, nothing rounded) in a
frozen :class:`UnitProfile`.  ``notebooks/unit_profile.ipynb`` displays it;
:mod:`evalstats.present.letters` turns it into sentences, an HTML letter and a Word letter.

Every statistic comes from the modules that compute it for the cycle report, so a letter agrees
with the report: scores and ranking from :func:`evalstats.stats.pipeline.score_cycle` (with the same
seed as the report's, the same bootstrap ranking), weak dimensions and the rectification rule
from :mod:`evalstats.analyses.cycle`, cycle comparisons from
:func:`evalstats.stats.compare.compare_cycles`,
data-quality flags from :func:`evalstats.stats.quality.quality_flags`.

Cycle-wide work is done once
----------------------------
Validating and scoring a cycle (and its bootstrap ranking) is the same for every unit.
:func:`load_cycles` does it once and returns a :class:`Cycles`; pass it as ``scored=`` to
:func:`unit_profile` for each unit.  :func:`load_cycles` also keeps its last few results in
memory keyed by the *content* of the input files (sha256), the scheme and the options, so a
kernel that executes the profile notebook for unit after unit scores the cycle once.

The previous cycle
------------------
``previous_cycle=""`` derives it: ``2026A`` → ``2026H1``, ``2026H2`` → ``2026H1``, ``2026H1``
→ ``2025A``, when that cycle's folder sits beside the cycle's (else there is no comparison);
``"none"`` asks for no comparison.  For an annual cycle compared with its half-year, the
profile also holds the unit's result of the year (``year``: :func:`evalstats.stats.pipeline.
score_year`, the ranking the annual report's grades are decided on).

Change since the previous cycle (``changes``)
---------------------------------------------
:func:`evalstats.stats.compare.compare_cycles` on the unit's tallies, by dimension: Newcombe
intervals for the satisfied rate, Welch intervals for the score, Holm-adjusted tests.  **The
family adjusted is the unit's own dimensions** (one letter asks five questions about one unit),
not every unit × dimension of the town as in the annual report's ``comparison`` table, so a
letter's adjusted p-values are smaller than the report's for the same row; the intervals and
unadjusted p-values are the same.  The change of the composite (``composite_change``) is
:func:`evalstats.analyses.cycle.composite_change` for the unit (one test, nothing to adjust).

Publication tier
----------------
``tier="public"`` applies the rules of :mod:`evalstats.stats.privacy` to the unit's group breakdown:
no cell resting on fewer than ``scheme.rules.anonymity_min`` respondents (forms) is shown
(reason ``fewer_than_threshold``: its numbers become missing and ``suppressed`` is True); there
is no supervisor-only breakdown of a unit whatever its size (``supervisor_breakdown``: the ~5
volunteer supervisors of a unit could otherwise be told apart); and secondary suppression
(``complementary``): the unit's pooled row publishes two relations over its groups — the
pooled score (forms-weighted) and the group-weighted dimension score — so two withheld groups
would be solved from the groups shown; at least three groups are then withheld, the smallest
first (:func:`evalstats.stats.privacy.protect` with two relations on the group margin).  A unit
whose own forms are fewer than the threshold, or come from protected groups only, is withheld
whole (headline, dimensions, levels).  The level counts the figures draw (``counts``) are
pooled over groups; comments lose their respondent group and form id.  ``suppressed`` lists
every cell withheld and why.

Examples
--------
>>> from evalstats.analyses.profile import load_cycles, unit_profile
>>> cycles = load_cycles("2026A", n_resamples=500, seed=1)  # doctest: +SKIP
>>> p = unit_profile("finance_office", cycle="2026A", scored=cycles)  # doctest: +SKIP
>>> p.headline[["unit_name", "composite", "rank", "grade"]]  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evalstats.analyses import cycle as _analysis
from evalstats.core.config import resolve_path
from evalstats.core.cycles import check_cycle, cycle_kind, parse_cycle
from evalstats.core.cycles import previous_cycle as _previous_cycle
from evalstats.core.options import (
    check_confidence_level,
    check_n_resamples,
    check_option,
    check_seed,
)
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.vocab import LANGS, TIERS
from evalstats.stats import privacy as _privacy
from evalstats.stats.compare import compare_cycles
from evalstats.stats.pipeline import CycleScores, score_cycle, score_year
from evalstats.stats.privacy import suppress_small_cells
from evalstats.stats.quality import flagged_form_ids, quality_flags

ALL = "all"
NO_PREVIOUS = "none"
CACHE_SIZE = 4
"""How many :func:`load_cycles` results are kept in memory."""
SUPPRESSED_COLUMNS = ["table", "group", "dimension", "n_forms", "threshold", "reason"]

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
    "score_before",
    "score_after",
    "score_diff",
    "score_diff_ci_low",
    "score_diff_ci_high",
    "verdict",
    "still_weak",
    "confidence_level",
]


# ====================================================================== cycles
def derive_previous_cycle(cycle: str) -> str:
    """The cycle a letter compares with: ``2026A`` → ``2026H1``, ``2026H2`` → ``2026H1``,
    ``2026H1`` → ``2025A``; ``""`` for a cycle id of another form.

    :func:`evalstats.core.cycles.previous_cycle`, kept under this name for the letters'
    parameter ``previous_cycle=""`` (derive when possible, else compare with nothing).

    Examples
    --------
    >>> derive_previous_cycle("2026A"), derive_previous_cycle("2026H1")
    ('2026H1', '2025A')
    """
    return _previous_cycle(cycle) if parse_cycle(cycle) else ""


@dataclass(frozen=True)
class Cycles:
    """Cycle-wide results shared by every unit's profile (:func:`load_cycles`).

    Attributes
    ----------
    cycle, previous_cycle : str
        ``previous_cycle`` is ``""`` when there is none.
    validated : dict of str -> ValidatedCycle
    scored : dict of str -> CycleScores
    year : DataFrame or None
        The ranking of the year (annual cycle compared with its half-year), else None.
    flags : DataFrame
        :func:`evalstats.stats.quality.quality_flags` of ``cycle``.
    comments : DataFrame
        :func:`evalstats.analyses.cycle.comments_table` of ``cycle``.
    weak : dict of str -> DataFrame
        :func:`evalstats.analyses.cycle.weak_dimensions` per cycle.
    options : dict
        ``confidence_level, n_resamples, seed, method``.
    """

    cycle: str
    previous_cycle: str
    scheme: Scheme
    validated: dict
    scored: dict
    year: pd.DataFrame | None
    flags: pd.DataFrame
    comments: pd.DataFrame
    weak: dict
    options: dict = field(default_factory=dict)


_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _folder(data_dir, cycle: str) -> Path:
    base = resolve_path(data_dir)
    if (base / cycle).is_dir():
        return base / cycle
    if base.is_dir() and base.name == cycle:
        return base
    raise FileNotFoundError(
        f"no folder for cycle {cycle!r}: looked for {base / cycle} "
        "(data_dir is the folder holding the cycle folders, or the cycle folder itself)"
    )


def _content_key(folders) -> tuple:
    from evalstats.core.files import sha256_file

    files = []
    for f in folders:
        for p in sorted(f.iterdir()):
            if p.is_file() and not p.name.startswith(("~$", ".")):
                files.append((str(p.resolve()), sha256_file(p)))
    return tuple(files)


def resolve_previous_cycle(previous_cycle, cycle: str, folder: Path) -> str:
    """The cycle to compare with: ``""`` for ``"none"``; derived (:func:`derive_previous_cycle`)
    for ``""`` when its folder is beside ``folder``; else the checked id, whose folder must
    exist.  Used by :func:`load_cycles` and the letters batch alike."""
    if not isinstance(previous_cycle, str):
        raise TypeError(f"previous_cycle must be a str; got {previous_cycle!r}")
    prev = previous_cycle.strip()
    if prev.lower() == NO_PREVIOUS:
        return ""
    if prev == "":
        guess = derive_previous_cycle(cycle)
        return guess if guess and (folder.parent / guess).is_dir() else ""
    prev = check_cycle(prev, name="previous_cycle")
    if prev == cycle:
        raise ValueError(f"previous_cycle must differ from cycle; both are {cycle!r}")
    if not (folder.parent / prev).is_dir():
        raise FileNotFoundError(
            f"no folder for previous_cycle {prev!r}: looked for {folder.parent / prev}"
        )
    return prev


def load_cycles(
    cycle: str,
    *,
    data_dir="data/raw",
    scheme=None,
    previous_cycle: str = "",
    confidence_level: float | None = None,
    n_resamples: int = 10_000,
    seed: int | None = None,
    method: str = "wilson",
    scored: Mapping[str, CycleScores] | None = None,
    cache: bool = True,
) -> Cycles:
    """Validate and score a cycle (and the previous one) once for all its units' profiles.

    Parameters
    ----------
    cycle : str
        Cycle id; its folder is ``<data_dir>/<cycle>`` (or ``data_dir`` is that folder).
    data_dir : str or Path
        Relative paths resolve from the project root.
    scheme : Scheme, path, "" or None
    previous_cycle : str
        ``""`` derives it (see the module docstring), ``"none"`` for no comparison.
    confidence_level : float, optional
        Default: the scheme's.
    n_resamples : int
        Bootstrap resamples of the ranking (as the report's).
    seed : int, optional
        The report's seed: the same seed gives the report's ranking, ``p_last`` and rank
        intervals exactly (``score_cycle(..., rng=seed)``).
    method : {"wilson", "clopper-pearson", "jeffreys"}
    scored : mapping of str to CycleScores, optional
        Already scored cycles to use instead of scoring again.
    cache : bool
        Keep the result in memory, keyed by the inputs' content and the options, and reuse it.

    Returns
    -------
    Cycles
    """
    from evalstats.inputs.validate import validate_cycle

    cycle = check_cycle(cycle)
    scheme, level, n_resamples, seed, method = _analysis.resolve_options(
        scheme, confidence_level, n_resamples, seed, method
    )
    folder = _folder(data_dir, cycle)
    prev = resolve_previous_cycle(previous_cycle, cycle, folder)
    folders = [folder] + ([folder.parent / prev] if prev else [])
    key = None
    if cache and scored is None:
        key = (_content_key(folders), cycle, prev, scheme.sha256, level, n_resamples, seed, method)
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    validated, done = {}, {}
    for c, f in zip([cycle, prev] if prev else [cycle], folders, strict=True):
        validated[c] = validate_cycle(f, scheme=scheme, cycle=c)
        if scored is not None and c in scored:
            done[c] = scored[c]
        else:
            done[c] = score_cycle(
                validated[c],
                method=method,
                confidence_level=level,
                n_resamples=n_resamples,
                rng=_analysis.stream_rng(seed, 0),
            )
    year = None
    if prev and cycle_kind(cycle) == "annual" and prev == derive_previous_cycle(cycle):
        year = score_year(
            done[prev],
            done[cycle],
            n_resamples=n_resamples,
            confidence_level=level,
            rng=_analysis.stream_rng(seed, _analysis.STREAM_YEAR),
        )
    flags = quality_flags(validated[cycle])
    flagged = flagged_form_ids(flags, cycle=cycle)
    out = Cycles(
        cycle=cycle,
        previous_cycle=prev,
        scheme=scheme,
        validated=validated,
        scored=done,
        year=year,
        flags=flags,
        comments=_analysis.comments_table(validated[cycle], flagged=flagged),
        weak={
            c: _analysis.weak_dimensions(s.scores, s.counts, scheme=scheme) for c, s in done.items()
        },
        options={
            "confidence_level": level,
            "n_resamples": n_resamples,
            "seed": seed,
            "method": method,
        },
    )
    if key is not None:
        with _CACHE_LOCK:
            _CACHE[key] = out
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    return out


def clear_cache() -> None:
    """Forget the cycles :func:`load_cycles` kept in memory."""
    with _CACHE_LOCK:
        _CACHE.clear()


# ====================================================================== the profile
@dataclass(frozen=True)
class UnitProfile:
    """One unit's results in one cycle (:func:`unit_profile`).

    Attributes
    ----------
    unit, unit_name, series, cycle : str
    previous_cycle : str
        ``""`` when there is no comparison.
    tier : {"internal", "public"}
    scheme : Scheme
    confidence_level : float
    headline : DataFrame
        One row: the unit's ranking row (composite with interval, rank, rank interval,
        ``p_last``, ``p_top3``, standing, grade, veto and reason) plus ``n_ranked`` (units ranked
        in its series), ``rectification_required`` and ``required_because``
        (:func:`evalstats.analyses.cycle.rectification_needed`), ``suppressed``.
    year : DataFrame
        The unit's row of the year's ranking (annual cycle with its half-year; else empty).
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
        The unit's weak dimensions in this cycle (:func:`evalstats.analyses.cycle.weak_dimensions`).
    changes : DataFrame
        :func:`evalstats.stats.compare.compare_cycles` of the unit by dimension, with ``unit``
        (empty without a previous cycle); the family adjusted is the unit's dimensions.
    composite_change : DataFrame
        :func:`evalstats.analyses.cycle.composite_change` of the unit (empty without a previous
        cycle).
    previous : DataFrame
        The unit's row of the previous cycle's ranking with ``rectification_required`` and
        ``required_because`` (empty without one).
    rectification : DataFrame
        ``RECTIFICATION_COLUMNS``: the previous cycle's weak dimensions of the unit and whether
        each improved — ``verdict`` ``improved`` / ``declined`` when the score change's interval
        lies wholly above / below zero, ``no_clear_change`` when it covers zero, ``absent``
        without data now (the reading of the annual report's ``weak_units_followup``);
        ``still_weak``: weak again in this cycle.
    comments : DataFrame
        Comments about the unit (:func:`evalstats.analyses.cycle.comments_table` rows; raw text —
        escape it for display).
    quality : DataFrame
        The quality flags about the unit, or about forms of it (a burst across units).
    suppressed : DataFrame
        ``SUPPRESSED_COLUMNS``: every cell withheld in the public tier and why (empty otherwise).
    """

    unit: str
    unit_name: str
    series: str
    cycle: str
    previous_cycle: str
    tier: str
    scheme: Scheme = field(repr=False)
    confidence_level: float
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

    def to_frame(self) -> pd.DataFrame:
        """The headline row (with the year's composite, rank and grade when there is one)."""
        out = self.headline.copy()
        if len(self.year):
            y = self.year.iloc[0]
            for c in ("composite_year", "composite_year_ci_low", "composite_year_ci_high"):
                out[c] = float(y[c])
            out["rank_year"] = y["rank"]
            out["grade_year"] = str(y["grade"]) if pd.notna(y["grade"]) else ""
        return out

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table, by name."""
        names = (
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
    hide = d["group"].map(lambda g: whole or not status.get(g, (True, ""))[0]).to_numpy(bool)
    for row in d.loc[hide & (d["group"] != ALL).to_numpy()].itertuples(index=False):
        reason = status[row.group][1] or status[ALL][1]
        withheld.append(
            ("dimensions", row.group, row.dimension, row.n_forms, k, _PROFILE_REASONS[reason])
        )
    withheld_columns = DIMENSION_COLUMNS[5:-3]  # n_valid … weighted_score_series_median
    d = _privacy.mask_rows(d, hide, withheld_columns)
    d["suppressed"] = d["suppressed"].to_numpy(bool) | hide
    prof["dimensions"] = d
    keep_groups = {g for g, (shown, _r) in status.items() if shown and g != ALL}
    sc = prof["scores"]
    prof["scores"] = sc[
        ((sc["group"] == ALL) & (not whole)) | sc["group"].isin(keep_groups)
    ].reset_index(drop=True)
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
        numbers_ = [
            c
            for c in h.columns
            if c != "n_forms"
            and pd.api.types.is_numeric_dtype(h[c].dtype)
            and not pd.api.types.is_bool_dtype(h[c].dtype)
        ]
        prof["headline"] = _privacy.mask_rows(h, np.ones(len(h), bool), numbers_).assign(
            suppressed=True
        )
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
    scored: Cycles | Mapping[str, CycleScores] | None = None,
    pseudonymise: Callable[[pd.Series], pd.Series] | None = None,
) -> UnitProfile:
    """The profile of one unit in one cycle: every table a feedback letter shows.

    Parameters
    ----------
    unit : str
        The unit's code (as in the units file).
    cycle : str
    data_dir, scheme, previous_cycle, confidence_level, n_resamples, seed, method
        As in :func:`load_cycles` (use the report's seed to get the report's ranking).
    tier : {"internal", "public"}
        ``"public"`` withholds small cells and the supervisor breakdown (module docstring).
    scored : Cycles or mapping of str to CycleScores, optional
        Cycle-wide results computed once for a batch of units (:func:`load_cycles`); a
        mapping of scored cycles is used instead of scoring them again.
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
    """
    if not isinstance(unit, str) or not unit.strip():
        raise ValueError(f"unit must be a unit code; got {unit!r}")
    tier = check_option("tier", tier, TIERS)
    if pseudonymise is not None and not callable(pseudonymise):
        raise TypeError(f"pseudonymise must be callable or None; got {pseudonymise!r}")
    if isinstance(scored, Cycles):
        cy = scored
        if cy.cycle != cycle:
            raise ValueError(f"scored holds cycle {cy.cycle!r}, not {cycle!r}")
    else:
        if scored is not None and not isinstance(scored, Mapping):
            raise TypeError(
                f"scored must be a Cycles or a mapping of cycle to CycleScores; got {scored!r}"
            )
        cy = load_cycles(
            cycle,
            data_dir=data_dir,
            scheme=scheme,
            previous_cycle=previous_cycle,
            confidence_level=confidence_level,
            n_resamples=n_resamples,
            seed=seed,
            method=method,
            scored=scored,
        )
    scheme = cy.scheme
    level = cy.options["confidence_level"]
    cur = cy.scored[cycle]
    units = cy.validated[cycle].units
    codes = units["unit"].astype(str)
    if unit not in set(codes):
        shown = ", ".join(codes.head(8)) + (", …" if len(codes) > 8 else "")
        raise ValueError(f"unit {unit!r} is not a unit of cycle {cycle!r} (units: {shown})")
    info = units[codes == unit].iloc[0]
    name, series = str(info["name"]), str(info["series"])

    # headline: the ranking row
    rk = cur.ranking
    row = _unit_rows(rk, unit)
    need = _analysis.rectification_needed(rk, scheme=scheme)
    need = need[need["unit"] == unit].reset_index(drop=True)
    head = row.copy()
    ranked = rk[(rk["series"].astype(str) == series) & rk["rank"].notna()]
    head["n_ranked"] = len(ranked)
    head["rectification_required"] = need["rectification_required"].to_numpy(bool)
    head["required_because"] = need["required_because"].astype("str").to_numpy()
    head["suppressed"] = False
    head = head[HEADLINE_COLUMNS]
    year = _unit_rows(cy.year, unit) if cy.year is not None else pd.DataFrame()

    counts = _unit_rows(cur.counts, unit)
    scores = _unit_rows(cur.scores, unit)
    dims = _dimension_table(cur.scores, unit, series)
    lv = _analysis.levels_table(counts, units=units, scheme=scheme)
    lv = lv[lv["unit"] == unit].reset_index(drop=True)
    weak = _unit_rows(cy.weak[cycle], unit)

    # change since the previous cycle
    prev = cy.previous_cycle
    changes = composite = previous = pd.DataFrame()
    rect = pd.DataFrame(columns=RECTIFICATION_COLUMNS)
    if prev:
        ps = cy.scored[prev]
        p_counts = _unit_rows(ps.counts, unit)
        if len(p_counts) and len(counts):  # a unit in one cycle only: no comparison
            changes = compare_cycles(
                p_counts,
                counts,
                by=("dimension",),
                scheme=scheme,
                adjust=_analysis.ADJUST,
                alpha=_analysis.ALPHA,
                confidence_level=level,
            )
            changes.insert(0, "unit", unit)
            changes["unit"] = changes["unit"].astype("str")
        pc = _unit_rows(ps.composites, unit)
        if len(pc):
            composite = _analysis.composite_change(
                pc, _unit_rows(cur.composites, unit), confidence_level=level
            )
        previous = _unit_rows(ps.ranking, unit)
        if len(previous):
            pneed = _analysis.rectification_needed(ps.ranking, scheme=scheme)
            pneed = pneed[pneed["unit"] == unit].reset_index(drop=True)
            previous["rectification_required"] = pneed["rectification_required"].to_numpy(bool)
            previous["required_because"] = pneed["required_because"].astype("str").to_numpy()
        pw = _unit_rows(cy.weak[prev], unit)
        if len(pw):
            ch = changes.set_index(changes["dimension"].astype(str)) if len(changes) else None
            d = pw["dimension"].astype(str)
            r = pd.DataFrame(
                {
                    "cycle": pw["cycle"].astype("str"),
                    "unit": pw["unit"].astype("str"),
                    "dimension": d.astype("str"),
                    "weighted_score": pw["weighted_score"].to_numpy(np.float64),
                    "series_median": pw["series_median"].to_numpy(np.float64),
                    "weak_reason": pw["weak_reason"].astype("str"),
                }
            )
            for c in ("score_before", "score_after", "score_diff"):
                r[c] = ch[c].reindex(d).to_numpy(np.float64) if ch is not None else np.nan
            for c in ("score_diff_ci_low", "score_diff_ci_high"):
                r[c] = ch[c].reindex(d).to_numpy(np.float64) if ch is not None else np.nan
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

    comments = _unit_rows(cy.comments, unit)
    if pseudonymise is not None and len(comments):
        comments["comment"] = pd.Series(
            pseudonymise(comments["comment"].copy()), index=comments.index
        ).astype("str")

    fl = cy.flags
    forms = cy.validated[cycle].forms
    own_forms = set(forms.loc[forms["unit"].astype(str) == unit, "form_id"].astype(str))
    about = (fl["unit"].astype(str) == unit).to_numpy().copy()  # to_numpy may be read-only
    across = (fl["unit"].astype(str) == "").to_numpy()
    ids = fl["form_ids"].astype(str).to_numpy()
    for i in np.flatnonzero(across):  # a few flags per cycle
        about[i] = not own_forms.isdisjoint(ids[i].split(";"))
    quality = fl[np.asarray(about, bool)].reset_index(drop=True)

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
        scheme=scheme,
        confidence_level=level,
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
    )


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
) -> ProfileParameters:
    """Check the profile notebook's parameters; raise a clear error on the first bad one.

    ``output_dir=""`` is ``reports/<cycle>/profiles/<unit>``.  ``previous_cycle`` is checked by
    :func:`load_cycles` (``""`` derives it, ``"none"`` for no comparison).

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
    folder = _folder(data_dir, cycle)
    if not isinstance(scheme, str | Path | Scheme | None):
        raise TypeError(f"scheme must be a path or ''; got {scheme!r}")
    loaded = resolve_scheme(None if scheme in ("", None) else scheme)
    if not isinstance(output_dir, str | Path | None):
        raise TypeError(f"output_dir must be a path or ''; got {output_dir!r}")
    from evalstats.core.config import reports_dir
    from evalstats.core.files import file_stem

    out = (
        reports_dir(cycle) / "profiles" / file_stem(unit.strip())
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
    )


__all__ = [
    "TIERS",
    "Cycles",
    "ProfileParameters",
    "UnitProfile",
    "check_parameters",
    "clear_cache",
    "derive_previous_cycle",
    "load_cycles",
    "resolve_previous_cycle",
    "suppress_small_cells",
    "unit_profile",
]
