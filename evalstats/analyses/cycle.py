"""The two analyses of a cycle run — half-year and annual — as tidy tables and headline figures.

:func:`half_year` and :func:`annual` do every computation the reports need and return an
:class:`Analysis`: the validated inputs, the scored cycles, an ordered ``tables`` dict (English
column names, codes as values, nothing rounded) and the ``summary`` written to
``summary.json`` — numbers and codes only: the result imports nothing from ``present``.  The
notebooks (``notebooks/half_year.ipynb``, ``notebooks/annual.ipynb``) only call these
functions, word the result (:func:`evalstats.present.narrative.sections`), display the tables
(:mod:`evalstats.present.labels`), draw the figures (:mod:`evalstats.present.plot`) and write
``tables/<name>.csv`` and ``summary.json`` (:func:`evalstats.present.export.write_analysis`).

Tables of the half-year analysis
--------------------------------
``response``
    Forms per unit × respondent group: ``cycle, unit, unit_name, series, group, issued,
    returned, valid, voided, rate``.  ``returned`` = counted + voided forms (as
    :func:`evalstats.stats.quality.response_rates`), ``valid`` = counted forms (forms typed twice
    counted once), ``voided`` = forms the office voided, ``rate`` = returned / issued (NaN
    without an issued count).  Then per group over the cycle (``unit = "all"``) and the total
    (``unit = group = "all"``); there ``issued`` and ``rate`` pool the unit × groups with an
    issued count, ``returned``, ``valid`` and ``voided`` every form.
``levels``
    Level distribution: ``cycle, unit, unit_name, series, dimension, level, count, rate,
    share_of_all_votes, n_valid``; one row per level (the scheme's levels, then ``blank``) of
    every unit × dimension, unit over all dimensions (``dimension = "all"``), series
    (``unit = "all"``) and the town (``unit = series = "all"``).  ``rate`` = count / n_valid for
    valid levels (NaN for 不了解 and blanks, which are counted but not in the denominator);
    ``share_of_all_votes`` = count / all answers (valid, not valid and blank).
``scores``
    The scores contract (:func:`evalstats.stats.score.scores_table`).
``ranking``
    The ranking contract (:func:`evalstats.stats.rank.rank_units`), exactly
    ``evalstats.stats.pipeline.score_cycle(validated, ..., rng=seed).ranking``.
``weak_dimensions``
    One row per weak unit × dimension: ``cycle, unit, unit_name, series, dimension,
    weighted_score, weighted_score_ci_low, weighted_score_ci_high, series_median, n_valid,
    n_dissatisfied, dissatisfied_rate, share_of_all_votes, n_all_votes, weak_reason,
    confidence_level``.  A dimension of a unit is *weak* when

    * ``below_series_median``: the upper bound of its weighted score's interval is below
      the median weighted score of that dimension over the units of its series — the unit
      is credibly below the typical unit of its series there, not just below by chance; or
    * ``highest_dissatisfied_in_series``: its 不满意率 (``dissatisfied_rate``) is the highest
      of its series on that dimension (ties all count) and at least one answer is 不满意.

    ``weak_reason`` names the rule(s), joined by ``;``.  ``n_dissatisfied`` counts the answers
    in ``scheme.rules.dissatisfied_levels``; ``n_all_votes`` all answers (so that
    ``share_of_all_votes = n_dissatisfied / n_all_votes`` can be re-derived).
``group_differences``
    χ² homogeneity of the level distribution between respondent groups
    (:func:`evalstats.stats.compare.group_homogeneity`), per dimension for the whole town
    (``series = "all"``) and per series: ``cycle, series, dimension, test, statistic, df,
    pvalue, pvalue_adjusted, significant, method, n, effect_size, effect_size_name, labels,
    note, adjust_method, alpha``.  ``method`` says whether the p-value is asymptotic or
    Monte-Carlo (small expected counts); p-values are Holm-adjusted over the whole table
    (:func:`evalstats.stats.multitest.adjust_pvalues`); ``significant`` is ``pvalue_adjusted <=
    alpha``.
``reliability``
    Cronbach's alpha of the dimensions per respondent group and for all forms
    (``group = "all"``): ``cycle, group, alpha, ci_low, ci_high, confidence_level, n, k,
    ci_method, note`` (:func:`evalstats.stats.reliability.alpha_by`).
``quality``
    The data-quality flags (:func:`evalstats.stats.quality.quality_flags`).
``scores_excl_flagged``, ``ranking_excl_flagged``, ``quality_changes``
    The scores and ranking without the forms that bursts and near duplicates mark, and the
    units whose rank, standing or grade changes (:func:`without_flagged`, as
    :func:`evalstats.stats.quality.with_and_without`; the official tables use every valid form).
``rectification``
    The rectification list (整改清单), one row per unit × weak dimension and per comment about
    the unit: ``cycle, unit, unit_name, series, rank, standing, grade, <score>, veto,
    rectification_required, required_because, item, dimension, weighted_score,
    series_median, n_valid, n_dissatisfied, dissatisfied_rate, weak_reason, group, form_id,
    comment`` (``<score>`` is ``composite``, or ``composite_year`` in the annual analysis).
    ``rectification_required`` is True for a unit that stands ``last`` or
    ``last_not_distinguishable`` in its series, is vetoed, or whose grade is below
    ``scheme.rules.last_grade_cap`` (良好 by default); ``required_because`` names the
    reasons (``last``, ``last_not_distinguishable``, ``veto``, ``grade:<code>``, joined by
    ``;``).  ``item`` is ``"weak_dimension"`` or ``"comment"`` (``""`` for a unit that must
    rectify but has neither).  Units that must rectify come first, then by series, rank and
    unit; a unit's weak dimensions before its comments.
``comments``
    Every comment: ``cycle, unit, unit_name, series, group, form_id, comment,
    dissatisfied_dimensions, flagged`` (the dimensions the form rated 不满意, joined by
    ``;``; ``flagged``: the form is one that bursts or near duplicates mark).

Tables added by the annual analysis
-----------------------------------
In the annual analysis every table above describes the year-end cycle, except:

``ranking``
    The ranking of the year, decided on ``composite_year``
    (:func:`evalstats.stats.pipeline.score_year`; period weights in ``weight_half_year`` and
    ``weight_annual``; an incident at any time of the year vetoes; the 末位's grade capped).
``ranking_annual_cycle``
    The year-end cycle's own ranking (as a half-year analysis of that cycle would give it).
``final_grades``
    The table for the assessment of staff: ``cycle, unit, unit_name, series, composite_h1,
    composite_annual, composite_year, composite_year_ci_low, composite_year_ci_high,
    weight_half_year, weight_annual, rank, rank_low, rank_high, p_last, standing, grade,
    veto, veto_reason, flags`` — every unit of either cycle.
``comparison``
    :func:`evalstats.stats.compare.compare_cycles` half-year → year-end per unit × dimension
    (Newcombe intervals for the satisfied rate, Welch intervals for the score, Holm-adjusted
    tests), with ``unit_name`` and ``series`` after ``unit``.
``rank_movement``
    :func:`evalstats.stats.compare.rank_movement` from the half-year ranking to the year-end
    cycle's own ranking (two evaluations, each on its own forms).
``weak_units_followup``
    Did the half-year's weak units improve?  One row per unit that had to rectify at the
    half-year (same rule as ``rectification_required``): ``unit, unit_name, series,
    weak_because, standing_h1, grade_h1, composite_h1, composite_annual, composite_diff,
    composite_diff_ci_low, composite_diff_ci_high, statistic, df, pvalue, pvalue_adjusted,
    verdict, weak_dimensions_h1, weak_dimensions_annual, weak_dimensions_improved,
    standing_annual, standing_year, grade_year, confidence_level, adjust_method``.  The change
    of the composite has the standard error ``sqrt(se_h1² + se_annual²)`` (independent
    samples; the composites' own standard errors) with Welch–Satterthwaite degrees of
    freedom, a t interval and a two-sided t test.  Each weak unit is a question asked in
    advance about that unit, so ``verdict`` reads the unit's own interval: ``improved`` /
    ``declined`` when it lies wholly above / below zero, ``no_clear_change`` when it covers
    zero, ``absent`` without a year-end composite.  ``pvalue_adjusted`` (Holm over the rows)
    is the figure to use for a claim about all the weak units at once.
    ``weak_dimensions_improved`` lists the half-year's weak dimensions whose score interval
    in ``comparison`` lies wholly above zero (same reading; ``comparison`` itself also gives
    the Holm-adjusted tests over every unit × dimension).
``one_cycle_units``
    Units with a composite in one cycle only (or none): ``unit, unit_name, series,
    cycle_present, in_units_h1, in_units_annual, composite_h1, composite_annual,
    composite_year, weight_half_year, weight_annual, flags``.  Their year result uses the one
    cycle they have (weight 1).

``summary.json``
----------------
``analysis``
    ``"half_year"`` or ``"annual"``.
``cycle``, ``half_year_cycle``
    The cycle analysed; the half-year cycle combined with it (annual only, else null).
``scheme``
    ``{"name", "version", "source", "sha256"}`` of the scheme file used.
``confidence_level``, ``ci_method``, ``n_resamples``, ``seed``
    The interval level and method, the bootstrap resamples and the seed (null: not
    reproducible).
``forms``
    ``{"issued", "returned", "valid", "voided", "typed_twice", "response_rate",
    "rows_read"}`` of the (year-end) cycle; ``issued`` and ``response_rate`` are null without a
    forms-issued table.
``units``
    ``{"listed", "with_forms"}``.
``town``
    ``{"n_valid", "satisfied_rate", "satisfied_ci_low", "satisfied_ci_high", "score",
    "score_ci_low", "score_ci_high"}``: all answers of the cycle pooled (rates as fractions).
``series``
    Per series code (scheme order): ``{"label_zh", "label_en", "units", "top3": [{"unit",
    "unit_name", "rank", "score"}], "last": [{"unit", "unit_name", "rank", "score",
    "standing", "p_last", "rank_low", "rank_high"}]}`` from ``ranking`` (``score`` is the
    deciding score: the composite, or ``composite_year`` for the annual analysis; ``last``
    lists the last-ranked unit(s), ``standing`` ``"last"`` or ``"last_not_distinguishable"``).
``vetoed``
    ``[{"unit", "unit_name", "series", "veto_reason"}]``.
``grades``
    Units per grade code (from ``ranking``).
``quality``
    ``{"flags": {check: count}, "flagged_forms", "units_changed_without_flagged"}``.
``weak_dimensions``, ``rectification_required``, ``comments``
    Number of weak unit × dimensions; the units that must rectify (codes); number of comments.
``annual`` (annual only, else null)
    ``{"period_weights": {"half_year", "annual"}, "units_improved", "units_declined",
    "units_no_clear_change", "units_absent"`` (unit codes of ``weak_units_followup`` by
    verdict), ``"one_cycle_units"`` (codes), ``"significant_changes": {"rate_up",
    "rate_down", "score_up", "score_down"}`` (rows of ``comparison`` significant after
    adjustment) ``}``.
``tables``
    Rows per table written.
``tier``, ``suppressed``
    ``"internal"`` or ``"public"``; the cells withheld per reason code (public; else null).

Publication tier
----------------
``tier="internal"`` (the default) holds every table above.  ``tier="public"`` holds the tables of
``PUBLIC_HALF_YEAR_TABLES`` / ``PUBLIC_ANNUAL_TABLES``, made safe by :mod:`evalstats.stats.privacy`
(the rules and their reasons are there): ``scores``, ``levels`` and ``response`` show each unit
pooled over its respondent groups and each group town-wide only; cells resting on fewer than
``scheme.rules.anonymity_min`` forms are withheld (numbers missing), with complementary cells so
that none is recovered by subtraction; ``group_differences`` is the town-wide tests only (Holm
over those); ``quality`` is ``cycle, check, severity, n_flags, n_forms`` (counts per check — the
flags name collectors and forms); ``rectification`` lists weak dimensions only (no comments);
``comments``, ``scores_excl_flagged``, ``ranking_excl_flagged`` and ``quality_changes`` are not
published; ``suppressed`` (:data:`evalstats.stats.privacy.SUPPRESSED_COLUMNS`) lists what was
withheld
and why.  The ranking is the internal ranking (it rests on whole units; a unit whose own pooled
cell is withheld — fewer forms than the threshold, or protected groups only — keeps its rank,
standing and grade with its score numbers withheld), and the
summary is the internal one with ``tables`` counting the public tables.
:attr:`Analysis.counts` — what the level figures draw — is then the tally pooled over groups
(``group = "all"``) of the units shown.

Random numbers
--------------
With a ``seed``, the cycle's ranking bootstrap uses ``rng=seed`` (so ``ranking`` equals
``score_cycle(..., rng=seed).ranking``, and the half-year ranking inside the annual analysis
equals the half-year report's); the recomputation without the flagged forms uses the same
seed (the same random numbers: with nothing flagged it equals the official tables); the year
ranking and the Monte-Carlo χ² tests use ``numpy.random.default_rng([seed, k])`` with
``k = 1, 2``.  Same inputs and seed give identical tables.

Examples
--------
>>> from evalstats.analyses.cycle import half_year
>>> a = half_year("2026H1", n_resamples=500, seed=1)  # doctest: +SKIP
>>> a.tables["ranking"].query("standing == 'last'")["unit_name"].tolist()  # doctest: +SKIP
['综治办']
>>> from evalstats.present.export import write_analysis
>>> write_analysis(a, "reports/2026H1/half-year")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import html
import math
import numbers
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from evalstats.core.config import reports_dir, resolve_path
from evalstats.core.cycles import check_cycle, half_year_of
from evalstats.core.options import (
    check_confidence_level,
    check_n_resamples,
    check_option,
    check_seed,
)
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.vocab import ANALYSIS_KINDS, LANGS, TIERS, VERDICTS
from evalstats.inputs.validate import ValidatedCycle, validate_cycle
from evalstats.stats import privacy as _privacy
from evalstats.stats import quality as _quality
from evalstats.stats.compare import compare_cycles, group_homogeneity, rank_movement
from evalstats.stats.intervals import PROPORTION_METHODS, satterthwaite_df, t_interval
from evalstats.stats.multitest import adjust_pvalues
from evalstats.stats.pipeline import CycleScores, score_counts, score_cycle, score_year
from evalstats.stats.reliability import alpha_by

KINDS = ANALYSIS_KINDS
ALL = "all"
BLANK = "blank"
ADJUST = "holm"
ALPHA = 0.05
WEAK_RULES = ("below_series_median", "highest_dissatisfied_in_series")
OUTPUT_FOLDERS = {"half_year": "half-year", "annual": "annual"}
STREAM_YEAR, STREAM_GROUPS = 1, 2  # random streams of stream_rng: the year, group tests

HALF_YEAR_TABLES = (
    "response",
    "levels",
    "scores",
    "ranking",
    "weak_dimensions",
    "group_differences",
    "reliability",
    "quality",
    "scores_excl_flagged",
    "ranking_excl_flagged",
    "quality_changes",
    "rectification",
    "comments",
)
ANNUAL_TABLES = (
    "response",
    "levels",
    "scores",
    "ranking",
    "ranking_annual_cycle",
    "final_grades",
    "comparison",
    "rank_movement",
    "weak_units_followup",
    "one_cycle_units",
    "weak_dimensions",
    "group_differences",
    "reliability",
    "quality",
    "scores_excl_flagged",
    "ranking_excl_flagged",
    "quality_changes",
    "rectification",
    "comments",
)
RESPONSE_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "group",
    "issued",
    "returned",
    "valid",
    "voided",
    "rate",
]
LEVELS_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "dimension",
    "level",
    "count",
    "rate",
    "share_of_all_votes",
    "n_valid",
]
WEAK_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "dimension",
    "weighted_score",
    "weighted_score_ci_low",
    "weighted_score_ci_high",
    "series_median",
    "n_valid",
    "n_dissatisfied",
    "dissatisfied_rate",
    "share_of_all_votes",
    "n_all_votes",
    "weak_reason",
    "confidence_level",
]
GROUP_DIFF_COLUMNS = [
    "cycle",
    "series",
    "dimension",
    "test",
    "statistic",
    "df",
    "pvalue",
    "pvalue_adjusted",
    "significant",
    "method",
    "n",
    "effect_size",
    "effect_size_name",
    "labels",
    "note",
    "adjust_method",
    "alpha",
]
RELIABILITY_COLUMNS = [
    "cycle",
    "group",
    "alpha",
    "ci_low",
    "ci_high",
    "confidence_level",
    "n",
    "k",
    "ci_method",
    "note",
]
COMMENT_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "group",
    "form_id",
    "comment",
    "dissatisfied_dimensions",
    "flagged",
]
RECTIFICATION_HEAD = ["cycle", "unit", "unit_name", "series", "rank", "standing", "grade"]
RECTIFICATION_TAIL = [
    "veto",
    "rectification_required",
    "required_because",
    "item",
    "dimension",
    "weighted_score",
    "series_median",
    "n_valid",
    "n_dissatisfied",
    "dissatisfied_rate",
    "weak_reason",
    "group",
    "form_id",
    "comment",
]
FINAL_GRADES_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "composite_h1",
    "composite_annual",
    "composite_year",
    "composite_year_ci_low",
    "composite_year_ci_high",
    "weight_half_year",
    "weight_annual",
    "rank",
    "rank_low",
    "rank_high",
    "p_last",
    "standing",
    "grade",
    "veto",
    "veto_reason",
    "flags",
]
FOLLOWUP_COLUMNS = [
    "unit",
    "unit_name",
    "series",
    "weak_because",
    "standing_h1",
    "grade_h1",
    "composite_h1",
    "composite_annual",
    "composite_diff",
    "composite_diff_ci_low",
    "composite_diff_ci_high",
    "statistic",
    "df",
    "pvalue",
    "pvalue_adjusted",
    "verdict",
    "weak_dimensions_h1",
    "weak_dimensions_annual",
    "weak_dimensions_improved",
    "standing_annual",
    "standing_year",
    "grade_year",
    "confidence_level",
    "adjust_method",
]
PUBLIC_HALF_YEAR_TABLES = (
    "response",
    "levels",
    "scores",
    "ranking",
    "weak_dimensions",
    "group_differences",
    "reliability",
    "quality",
    "rectification",
    "suppressed",
)
"""Tables of the public half-year report (``tier="public"``), in order."""
PUBLIC_ANNUAL_TABLES = (
    "response",
    "levels",
    "scores",
    "ranking",
    "ranking_annual_cycle",
    "final_grades",
    "comparison",
    "rank_movement",
    "weak_units_followup",
    "one_cycle_units",
    "weak_dimensions",
    "group_differences",
    "reliability",
    "quality",
    "rectification",
    "suppressed",
)
"""Tables of the public annual report (``tier="public"``), in order."""
INTERNAL_ONLY_TABLES = (
    "scores_excl_flagged",
    "ranking_excl_flagged",
    "quality_changes",
    "comments",
)
"""Tables the public tier does not publish (see :mod:`evalstats.stats.privacy`)."""
PUBLIC_QUALITY_COLUMNS = ["cycle", "check", "severity", "n_flags", "n_forms"]
ONE_CYCLE_COLUMNS = [
    "unit",
    "unit_name",
    "series",
    "cycle_present",
    "in_units_h1",
    "in_units_annual",
    "composite_h1",
    "composite_annual",
    "composite_year",
    "weight_half_year",
    "weight_annual",
    "flags",
]


# ====================================================================== parameters
@dataclass(frozen=True)
class Parameters:
    """The checked parameters of a notebook run (:func:`check_parameters`).

    Attributes
    ----------
    kind : {"half_year", "annual"}
    cycle, half_year_cycle : str
        The cycle; the half-year cycle combined with it (annual; ``""`` for half-year).
    data_dir : Path
        The folder holding the cycle folders (resolved from the project root).
    scheme : Scheme
    output_dir : Path
        Where tables, figures and ``summary.json`` go.
    language : {"zh", "en"}
    confidence_level : float
    n_resamples : int
    seed : int or None
    method : str
        Interval method of the rates.
    tier : {"internal", "public"}
        Pass it to :func:`half_year` / :func:`annual`.
    backend : {"pandas", "duckdb", "dask", "auto"}
    memory_limit : str or None
        DuckDB's memory limit (None: DuckDB's default).
    scheduler : str or None
        Dask scheduler address (None: a local cluster).
    """

    kind: str
    cycle: str
    half_year_cycle: str
    data_dir: Path
    scheme: Scheme
    output_dir: Path
    language: str
    confidence_level: float
    n_resamples: int
    seed: int | None
    method: str
    tier: str
    backend: str = "pandas"
    memory_limit: str | None = None
    scheduler: str | None = None


def _locate(data_dir, cycle: str) -> tuple[Path, str]:
    """The folder of ``cycle``: ``data_dir/cycle``, or ``data_dir`` itself when it is that
    cycle's folder; returned resolved and as the user would name it (for messages)."""
    base = resolve_path(data_dir)
    shown = str(data_dir)
    if (base / cycle).is_dir():
        return base / cycle, os.path.join(shown, cycle)
    if base.is_dir() and base.name == cycle:
        return base, shown
    raise FileNotFoundError(
        f"no folder for cycle {cycle!r}: looked for {base / cycle} "
        f"(data_dir is the folder holding the cycle folders, or the cycle folder itself)"
    )


def _sibling(folder: Path, shown: str, cycle: str) -> tuple[Path, str]:
    """The folder of ``cycle`` beside ``folder`` (resolved, as the user would name it)."""
    target, name = _locate(folder.parent, cycle)
    guess = os.path.join(os.path.dirname(os.path.normpath(shown)), cycle)
    return target, (guess if resolve_path(guess) == target else name)


def default_half_year_cycle(cycle: str) -> str:
    """The half-year cycle of an annual cycle id: ``"2026A"`` → ``"2026H1"``.

    :func:`evalstats.core.cycles.half_year_of`, kept under this name for notebooks; its
    error message adds the parameter to pass instead.

    Raises
    ------
    ValueError
        ``cycle`` is not of the form ``YYYYA``.

    Examples
    --------
    >>> default_half_year_cycle("2026A")
    '2026H1'
    """
    try:
        return half_year_of(cycle)
    except ValueError as e:
        raise ValueError(f"{e}; pass half_year_cycle") from None


def check_parameters(
    kind: str,
    *,
    cycle: str,
    data_dir="data/raw",
    scheme="",
    output_dir="",
    language: str = "zh",
    confidence_level: float = 0.95,
    n_resamples: int = 10_000,
    seed: int | None = None,
    method: str = "wilson",
    tier: str = "internal",
    half_year_cycle: str = "",
    backend: str = "pandas",
    memory_limit: str = "",
    scheduler: str = "",
) -> Parameters:
    """Check a notebook's parameters and resolve paths; raise a clear error on the first bad one.

    Parameters
    ----------
    kind : {"half_year", "annual"}
    cycle : str
        Cycle id (``"2026H1"``, ``"2026A"``).
    data_dir : str or Path
        The folder of cycle folders (or the cycle folder itself); relative to the project root.
    scheme : str or Path
        A scheme file; ``""`` for the bundled scheme.
    output_dir : str or Path
        ``""`` for ``reports/<cycle>/<half-year|annual>``.
    language : {"zh", "en"}
    confidence_level : float
    n_resamples : int
    seed : int or None
    method : {"wilson", "clopper-pearson", "jeffreys"}
    tier : {"internal", "public"}
        ``"public"`` publishes only what :mod:`evalstats.stats.privacy` allows (module docstring).
    half_year_cycle : str
        Annual only; ``""`` derives it (``"2026A"`` → ``"2026H1"``).
    backend : {"pandas", "duckdb", "dask", "auto"}
        How the responses are read and counted (see :func:`half_year`).
    memory_limit : str
        DuckDB's memory limit such as ``"4GB"`` (duckdb and dask); ``""`` for DuckDB's default.
    scheduler : str
        Dask scheduler address such as ``"tcp://host:8786"`` (dask); ``""`` for a local
        cluster.

    Returns
    -------
    Parameters

    Raises
    ------
    ValueError, TypeError
        A parameter is wrong (the message names it, the allowed values and the value).
    FileNotFoundError
        A cycle folder is missing.
    SchemeError
        The scheme file is wrong.

    Examples
    --------
    >>> check_parameters("half_year", cycle="2026H1", tier="open")
    Traceback (most recent call last):
    ...
    ValueError: tier must be one of 'internal', 'public'; got 'open'
    """
    kind = check_option("kind", kind, KINDS)
    language = check_option("language", language, LANGS)
    tier = check_option("tier", tier, TIERS)
    method = check_option("method", method, PROPORTION_METHODS)
    level = check_confidence_level(confidence_level)
    n_resamples = check_n_resamples(n_resamples)
    seed = check_seed(seed)
    backend, memory_limit, scheduler = _check_backend_parameters(backend, memory_limit, scheduler)
    cycle = check_cycle(cycle)
    if not isinstance(data_dir, str | Path) or str(data_dir).strip() == "":
        raise ValueError(f"data_dir must be a folder; got {data_dir!r}")
    folder, _shown = _locate(data_dir, cycle)
    h1 = ""
    if kind == "annual":
        if not isinstance(half_year_cycle, str):
            raise TypeError(f"half_year_cycle must be a str; got {half_year_cycle!r}")
        h1 = half_year_cycle.strip() or default_half_year_cycle(cycle)
        h1 = check_cycle(h1, name="half_year_cycle")
        if h1 == cycle:
            raise ValueError(f"half_year_cycle must differ from cycle; both are {cycle!r}")
        _locate(folder.parent, h1)
    elif half_year_cycle not in ("", None):
        raise ValueError(
            f"half_year_cycle is for the annual analysis only; got {half_year_cycle!r}"
        )
    if not isinstance(scheme, str | Path | Scheme | None):
        raise TypeError(f"scheme must be a path or ''; got {scheme!r}")
    loaded = resolve_scheme(None if scheme in ("", None) else scheme)
    if not isinstance(output_dir, str | Path | None):
        raise TypeError(f"output_dir must be a path or ''; got {output_dir!r}")
    if output_dir in ("", None):
        out = reports_dir(cycle) / OUTPUT_FOLDERS[kind]
    else:
        out = resolve_path(output_dir)
    return Parameters(
        kind=kind,
        cycle=cycle,
        half_year_cycle=h1,
        data_dir=folder.parent,
        scheme=loaded,
        output_dir=out,
        language=language,
        confidence_level=level,
        n_resamples=n_resamples,
        seed=seed,
        method=method,
        tier=tier,
        backend=backend,
        memory_limit=memory_limit,
        scheduler=scheduler,
    )


def _check_backend_parameters(backend, memory_limit, scheduler):
    """The notebook's backend parameters: (backend, memory limit or None, scheduler or None)."""
    from evalstats.counts.backends import BACKENDS, check_memory_limit

    backend = check_option("backend", backend, BACKENDS)
    for name, value in (("memory_limit", memory_limit), ("scheduler", scheduler)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str ('' for none); got {value!r}")
    memory_limit = check_memory_limit(memory_limit.strip() or None if memory_limit else None)
    scheduler = scheduler.strip() or None if scheduler else None
    if memory_limit is not None and backend == "pandas":
        raise ValueError(
            f"memory_limit is only used by the duckdb and dask backends; got {memory_limit!r} "
            "with backend 'pandas'"
        )
    if scheduler is not None and backend not in ("dask", "auto"):
        raise ValueError(
            f"scheduler is only used by the dask backend; got {scheduler!r} with backend "
            f"{backend!r}"
        )
    return backend, memory_limit, scheduler


# ====================================================================== the result
@dataclass(frozen=True)
class Analysis:
    """Result of :func:`half_year` or :func:`annual`.

    Attributes
    ----------
    kind : {"half_year", "annual"}
    cycle : str
        The cycle analysed (the year-end cycle for the annual analysis).
    scheme : Scheme
    validated : dict of str -> ValidatedCycle
        Per cycle id (the half-year cycle too, for the annual analysis).
    scored : dict of str -> CycleScores
        Per cycle id.
    tables : dict of str -> DataFrame
        In report order; names and columns in the module docstring.
    summary : dict
        Headline figures, JSON-safe (fields in the module docstring).
    quality_comparison : QualityComparison
        The with/without-flagged recomputation of the (year-end) cycle.
    options : dict
        ``confidence_level, n_resamples, seed, method, half_year_cycle``.
    tier : {"internal", "public"}
    public_counts : DataFrame or None
        Public tier: the tally pooled over groups of the units shown (:attr:`counts`).
    change : CycleChange or None
        The change since the previous cycle, computed once (:func:`cycle_change`): the annual
        analysis' half-year → year-end (its ``comparison`` table is ``change.comparison``);
        a half-year analysis given ``previous_cycle``; else None.
    unpublished : dict of str -> DataFrame
        Public tier: the internal ``comments`` and ``quality`` tables, which the public tier
        does not publish, kept for views that apply their own rules to one unit (the
        feedback letters, :mod:`evalstats.analyses.profile`); empty in the internal tier
        (they are in ``tables``).  Never written by :meth:`write`.
    """

    kind: str
    cycle: str
    scheme: Scheme
    validated: dict
    scored: dict
    tables: dict
    summary: dict
    quality_comparison: _quality.QualityComparison = field(repr=False)
    options: dict = field(default_factory=dict)
    tier: str = "internal"
    public_counts: pd.DataFrame | None = field(default=None, repr=False)
    change: CycleChange | None = field(default=None, repr=False)
    unpublished: dict = field(default_factory=dict, repr=False)

    @property
    def counts(self) -> pd.DataFrame:
        """The tally of the cycle analysed (the year-end cycle for the annual analysis).

        In the public tier: pooled over respondent groups (``group = "all"``), the units whose
        pooled cell is withheld left out — what the public level figures may draw.
        """
        if self.tier == "public" and self.public_counts is not None:
            return self.public_counts
        return self.scored[self.cycle].counts

    @property
    def units(self) -> pd.DataFrame:
        """The units of the cycle analysed (``unit, name, series``)."""
        return self.validated[self.cycle].units

    @property
    def score_column(self) -> str:
        """The score that decides rank and grade: ``composite`` or ``composite_year``."""
        return "composite_year" if self.kind == "annual" else "composite"

    def __getattr__(self, name: str):
        # The result holds numbers and codes; writing and wording it moved to ``present``.
        if name in _MOVED_TO_PRESENT:
            raise AttributeError(
                f"Analysis.{name} moved to the presentation layer: use {_MOVED_TO_PRESENT[name]}"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def headline(self) -> pd.DataFrame:
        """The top and the last unit of each series, as the ranking has them.

        Returns
        -------
        DataFrame
            ``series, position, unit, unit_name, rank, rank_low, rank_high, score,
            score_ci_low, score_ci_high, standing, p_last``: per series (scheme order) the
            best-ranked unit not vetoed (``position = "top"``: a vetoed unit leaves the top,
            the next moves up; more than one row when tied) and the units of the highest rank
            (``"last"``, 末位, with their ``standing``: ``last`` or
            ``last_not_distinguishable``); ``score`` is :attr:`score_column` (``composite``,
            or ``composite_year`` in the annual analysis).  Empty when there is no ranking.

        Examples
        --------
        >>> a = half_year("2026H1", n_resamples=200, seed=1)  # doctest: +SKIP
        >>> a.headline().iloc[0][["series", "position", "unit"]].tolist()  # doctest: +SKIP
        ['administration', 'top', 'economic_office']
        """
        columns = ["series", "position", "unit", "unit_name", "rank", "rank_low", "rank_high"]
        columns += ["score", "score_ci_low", "score_ci_high", "standing", "p_last"]
        ranking = self.tables.get("ranking")
        score = self.score_column
        if ranking is None or len(ranking) == 0 or score not in ranking.columns:
            return pd.DataFrame(columns=columns)
        r = ranking.rename(
            columns={score: "score", f"{score}_ci_low": "score_ci_low"}
            | {f"{score}_ci_high": "score_ci_high"}
        )
        for column in columns:
            if column not in r.columns:
                r = r.assign(**{column: np.nan})
        parts = []
        order = [*self.scheme.series_codes]
        order += sorted(set(r["series"].astype(str)) - set(order))
        for series in order:
            rows = r[r["series"].astype(str) == series]
            if len(rows) == 0:
                continue
            eligible = rows[~rows["veto"].fillna(False).astype(bool)] if "veto" in rows else rows
            top = eligible[eligible["rank"] == eligible["rank"].min()].assign(position="top")
            last = rows[rows["rank"] == rows["rank"].max()].assign(position="last")
            parts += [top, last]
        if not parts:
            return pd.DataFrame(columns=columns)
        return pd.concat(parts, ignore_index=True)[columns]

    def __repr__(self) -> str:
        forms = self.summary.get("forms", {}).get("valid", "?")
        units = self.summary.get("units", {}).get("listed", "?")
        with_h1 = self.options.get("half_year_cycle") or ""
        cycle = f"{self.cycle} with {with_h1}" if with_h1 else self.cycle
        return (
            f"<Analysis {self.kind} {cycle}, {self.tier} tier: {forms} forms, {units} units; "
            f"{len(self.tables)} tables: {', '.join(self.tables)}>"
        )

    def _repr_html_(self) -> str:
        """A short HTML card for Jupyter: cycle, forms and units, tables, the headline."""
        e = _html_escape
        forms = self.summary.get("forms", {}).get("valid", "?")
        units = self.summary.get("units", {}).get("listed", "?")
        title = {"half_year": "半年测评 half-year analysis", "annual": "年度测评 annual analysis"}
        with_h1 = self.options.get("half_year_cycle") or ""
        head = f"<b>{e(title.get(self.kind, self.kind))} {e(self.cycle)}</b>"
        if with_h1:
            head += f" (with {e(with_h1)})"
        head += f" · {e(self.tier)} · scheme {e(self.scheme.name)}"
        lines = [
            f"<p>{head}</p>",
            f"<p>{e(forms)} valid forms · {e(units)} units · "
            f"score <code>{e(self.score_column)}</code></p>",
        ]
        rows = []
        for r in self.headline().itertuples(index=False):
            try:
                series = self.scheme.label("series", str(r.series))
            except KeyError:
                series = str(r.series)
            where = {"top": "第一 top", "last": "末位 last"}[r.position]
            if r.position == "last" and r.standing == "last_not_distinguishable":
                where = "末位不可区分 last, not distinguishable"
            rows.append(
                f"<tr><td>{e(series)}</td><td>{e(where)}</td>"
                f"<td>{e(r.unit_name)} <code>{e(r.unit)}</code></td>"
                f"<td>{_html_number(r.score)} [{_html_number(r.score_ci_low)}, "
                f"{_html_number(r.score_ci_high)}]</td>"
                f"<td>{_html_number(r.rank, 0)} ({_html_number(r.rank_low, 0)}–"
                f"{_html_number(r.rank_high, 0)})</td></tr>"
            )
        if rows:
            lines.append(
                "<table><thead><tr><th>序列 series</th><th></th><th>单位 unit</th>"
                "<th>得分 score [CI]</th><th>名次 rank (range)</th></tr></thead><tbody>"
                + "".join(rows)
                + "</tbody></table>"
            )
        vetoed = [
            f"{e(v.get('unit_name', ''))} <code>{e(v.get('unit', ''))}</code> "
            f"({e(v.get('veto_reason', ''))})"
            for v in self.summary.get("vetoed", [])
        ]
        if vetoed:
            lines.append(f"<p>一票否决 vetoed: {'; '.join(vetoed)}</p>")
        names = ", ".join(f"<code>{e(name)}</code>" for name in self.tables)
        lines.append(f"<p>{len(self.tables)} tables: {names}</p>")
        return '<div class="evalstats-analysis">' + "".join(lines) + "</div>"


_MOVED_TO_PRESENT = {
    "write": "evalstats.present.export.write_analysis(a, output_dir)",
    "texts": "{lang: evalstats.present.narrative.sections(a, lang) for lang in ('zh', 'en')}",
}


# ====================================================================== helpers
def _html_escape(value) -> str:
    return html.escape(str(value), quote=True)


def _html_number(value, decimals: int = 2) -> str:
    """``value`` to ``decimals`` places for the HTML card; ``—`` when missing."""
    if value is None or (isinstance(value, numbers.Real) and math.isnan(value)):
        return "—"
    return f"{float(value):.{decimals}f}"


def stream_rng(seed: int | None, stream: int):
    """The random source of one stream of a cycle's analysis: ``seed`` itself for stream 0,
    an independent generator seeded ``[seed, stream]`` for the others (``STREAM_YEAR``,
    ``STREAM_GROUPS``), None without a seed. The unit profile uses the same streams, so its
    figures equal the report's.

    Examples
    --------
    >>> stream_rng(7, 0), stream_rng(None, STREAM_YEAR)
    (7, None)
    """
    if seed is None:
        return None
    if stream == 0:
        return seed
    return np.random.default_rng([seed, stream])


def _str(values) -> pd.Series:
    return pd.Series(values, dtype="str")


def _unit_info(units: pd.DataFrame) -> pd.DataFrame:
    """``unit → name, series`` as str, indexed by unit."""
    u = pd.DataFrame(
        {
            "unit": units["unit"].astype(str).to_numpy(),
            "unit_name": units["name"].astype(str).to_numpy(),
            "series": units["series"].astype(str).to_numpy(),
        }
    )
    return u.drop_duplicates("unit").set_index("unit")


def _series_rank(series: pd.Series, scheme: Scheme) -> np.ndarray:
    order = {s: i for i, s in enumerate(scheme.series_codes)}
    order[ALL] = len(order) + 1
    return series.astype(str).map(order).fillna(len(order)).to_numpy()


def _dissatisfied_mask(levels: pd.Series, scheme: Scheme) -> np.ndarray:
    return levels.astype(str).isin(list(scheme.rules.dissatisfied_levels)).to_numpy()


def _join_codes(masks: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Per row, the keys whose mask is True, joined by ``;`` (vectorised over rows)."""
    out = np.full(n, "", dtype=object)
    for code, mask in masks.items():
        add = np.where(out == "", code, out + ";" + code)
        out = np.where(mask, add, out)
    return out


# ====================================================================== half-year tables
def response_table(validated) -> pd.DataFrame:
    """Forms issued, returned, valid and voided per unit × group, with response rates.

    See ``response`` in the module docstring.  ``validated`` is a ValidatedCycle, or the
    :class:`~evalstats.counts.backends.CycleCounts` of a cycle counted by a backend (valid forms
    from
    its pattern counts).

    Examples
    --------
    >>> from evalstats.inputs.validate import validate_cycle
    >>> t = response_table(validate_cycle("data/raw/2026H1"))  # doctest: +SKIP
    >>> t.iloc[-1][["unit", "group", "valid"]].tolist()  # doctest: +SKIP
    ['all', 'all', 1934]
    """
    counted = _quality.counted_cycle(validated)
    rr = _quality.response_rates(validated)
    if counted is not None:
        validated = counted.validated
    scheme = validated.scheme
    info = _unit_info(validated.units)
    groups = list(scheme.group_codes)

    def sizes(frame):
        if frame is None or not len(frame):
            return pd.Series(dtype="int64")
        key = pd.MultiIndex.from_arrays(
            [frame["unit"].astype(str).to_numpy(), frame["group"].astype(str).to_numpy()]
        )
        return pd.Series(1, index=key).groupby(level=[0, 1]).sum()

    if counted is None:
        valid = sizes(validated.forms)
    else:  # forms counted per unit × group, from the pattern counts
        p = counted.patterns
        valid = p.groupby([p["unit"].astype(str), p["group"].astype(str)])["count"].sum()
        valid = valid[valid > 0].astype("int64")
        valid.index = valid.index.set_names([None, None])
    voided = sizes(validated.voided)
    cells = rr[(rr["unit"].astype(str) != ALL) & (rr["group"].astype(str) != ALL)]
    issued = pd.Series(
        pd.array(cells["issued"], dtype="Int64"),
        index=pd.MultiIndex.from_arrays(
            [cells["unit"].astype(str).to_numpy(), cells["group"].astype(str).to_numpy()]
        ),
    )
    keys = valid.index.union(voided.index).union(issued.index)
    unit_order = {u: i for i, u in enumerate(info.index)}
    g_order = {g: i for i, g in enumerate(groups)}
    frame = pd.DataFrame(
        {
            "unit": keys.get_level_values(0).astype(str),
            "group": keys.get_level_values(1).astype(str),
        }
    )
    frame["issued"] = pd.array(issued.reindex(keys).to_numpy(), dtype="Int64")
    frame["valid"] = valid.reindex(keys, fill_value=0).to_numpy(np.int64)
    frame["voided"] = voided.reindex(keys, fill_value=0).to_numpy(np.int64)
    frame = frame.iloc[
        np.lexsort(
            [
                frame["group"].map(g_order).fillna(len(groups)).to_numpy(),
                frame["unit"].map(unit_order).fillna(len(unit_order)).to_numpy(),
            ]
        )
    ].reset_index(drop=True)

    def total(part: pd.DataFrame, unit: str, group: str) -> dict:
        has = part["issued"].notna()
        iss = part.loc[has, "issued"]
        ret_cells = (part.loc[has, "valid"] + part.loc[has, "voided"]).sum()
        return {
            "unit": unit,
            "group": group,
            "issued": int(iss.sum()) if has.any() else pd.NA,
            "valid": int(part["valid"].sum()),
            "voided": int(part["voided"].sum()),
            "_rate": float(ret_cells / iss.sum()) if has.any() and iss.sum() > 0 else np.nan,
        }

    totals = [total(frame[frame["group"] == g], ALL, g) for g in groups]
    totals.append(total(frame, ALL, ALL))
    tot = pd.DataFrame(totals)
    frame["_rate"] = np.nan
    out = pd.concat([frame, tot], ignore_index=True)
    out["issued"] = pd.array(out["issued"], dtype="Int64")
    out["returned"] = (out["valid"] + out["voided"]).astype(np.int64)
    is_cell = (out["unit"] != ALL).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        iss = out["issued"].astype("Float64").to_numpy(np.float64, na_value=np.nan)
        cell_rate = np.where(iss > 0, out["returned"].to_numpy(np.float64) / iss, np.nan)
    out["rate"] = np.where(is_cell, cell_rate, out["_rate"].to_numpy(np.float64))
    out["cycle"] = validated.cycle
    out["unit_name"] = out["unit"].map(info["unit_name"]).fillna("")
    out["series"] = out["unit"].map(info["series"]).fillna(ALL)
    for c in ("cycle", "unit", "unit_name", "series", "group"):
        out[c] = out[c].astype("str")
    return out[RESPONSE_COLUMNS]


def levels_table(counts: pd.DataFrame, *, units: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Level distribution per unit, series and town, per dimension and over all dimensions.

    See ``levels`` in the module docstring.  ``counts`` is the tally of one cycle.
    """
    info = _unit_info(units)
    levels = [*scheme.level_codes, BLANK]
    valid_levels = set(scheme.valid_level_codes)
    dims = list(scheme.dimension_codes)
    c = pd.DataFrame(
        {
            "cycle": counts["cycle"].astype(str).to_numpy(),
            "unit": counts["unit"].astype(str).to_numpy(),
            "dimension": counts["dimension"].astype(str).to_numpy(),
            "level": counts["level"].astype(str).to_numpy(),
            "count": counts["count"].to_numpy(np.int64),
        }
    )
    c = c[c["unit"].isin(info.index)]
    c["series"] = c["unit"].map(info["series"])
    parts = []
    for keys, kind in (
        (["cycle", "unit", "series", "dimension", "level"], 0),
        (["cycle", "unit", "series", "level"], 0),
        (["cycle", "series", "dimension", "level"], 1),
        (["cycle", "series", "level"], 1),
        (["cycle", "dimension", "level"], 2),
        (["cycle", "level"], 2),
    ):
        g = c.groupby(keys, sort=False, observed=True)["count"].sum().reset_index()
        for k in ("unit", "series", "dimension"):
            if k not in g:
                g[k] = ALL
        g["_kind"] = kind
        parts.append(g)
    out = pd.concat(parts, ignore_index=True)
    is_valid = out["level"].isin(valid_levels).to_numpy()
    key = ["cycle", "_kind", "unit", "series", "dimension"]
    n_valid = out["count"].where(is_valid, 0).groupby([out[k] for k in key]).transform("sum")
    n_all = out.groupby(key, sort=False)["count"].transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate"] = np.where(
            is_valid & (n_valid > 0), out["count"] / n_valid.where(n_valid > 0, np.nan), np.nan
        )
        out["share_of_all_votes"] = np.where(n_all > 0, out["count"] / n_all, np.nan)
    out["n_valid"] = n_valid.to_numpy(np.int64)
    out["unit_name"] = out["unit"].map(info["unit_name"]).fillna("")
    unit_order = {u: i for i, u in enumerate(info.index)}
    d_order = {d: i for i, d in enumerate(dims)} | {ALL: len(dims)}
    l_order = {lv: i for i, lv in enumerate(levels)}
    order = np.lexsort(
        [
            out["level"].map(l_order).to_numpy(),
            out["dimension"].map(d_order).to_numpy(),
            _series_rank(out["series"], scheme),
            out["unit"].map(unit_order).fillna(-1).to_numpy(),
            out["_kind"].to_numpy(),
            out["cycle"].to_numpy(),
        ]
    )
    out = out.iloc[order].reset_index(drop=True)
    for col in ("cycle", "unit", "unit_name", "series", "dimension", "level"):
        out[col] = out[col].astype("str")
    return out[LEVELS_COLUMNS]


def _dissatisfied_counts(counts: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """``unit, dimension → n_dissatisfied`` (all groups) from a tally."""
    mask = _dissatisfied_mask(counts["level"], scheme)
    c = pd.DataFrame(
        {
            "unit": counts["unit"].astype(str).to_numpy(),
            "dimension": counts["dimension"].astype(str).to_numpy(),
            "n_dissatisfied": np.where(mask, counts["count"].to_numpy(np.int64), 0),
        }
    )
    return c.groupby(["unit", "dimension"], sort=False)["n_dissatisfied"].sum()


def weak_dimensions(scores: pd.DataFrame, counts: pd.DataFrame, *, scheme: Scheme) -> pd.DataFrame:
    """The weak unit × dimensions of one cycle (rules in the module docstring).

    Parameters
    ----------
    scores : DataFrame
        The scores table of the cycle (:func:`evalstats.stats.score.scores_table`).
    counts : DataFrame
        The tally of the same cycle.
    scheme : Scheme

    Returns
    -------
    DataFrame
        ``WEAK_COLUMNS``, one row per weak unit × dimension, in the scores table's order.
    """
    s = scores
    rows = s[(s["unit"] != ALL) & (s["group"] == ALL) & (s["dimension"] != ALL)].copy()
    keys = [rows["cycle"], rows["series"], rows["dimension"]]
    rows["series_median"] = rows["weighted_score"].groupby(keys).transform("median")
    dis = _dissatisfied_counts(counts, scheme)
    idx = pd.MultiIndex.from_arrays([rows["unit"].astype(str), rows["dimension"].astype(str)])
    rows["n_dissatisfied"] = dis.reindex(idx).fillna(0).to_numpy(np.int64)
    rows["n_all_votes"] = (rows["n_valid"] + rows["n_unknown"] + rows["n_blank"]).astype(np.int64)
    below = (rows["weighted_score_ci_high"] < rows["series_median"]).to_numpy()
    top_dis = rows["dissatisfied_rate"].groupby(keys).transform("max")
    highest = ((rows["n_dissatisfied"] > 0) & (rows["dissatisfied_rate"] >= top_dis)).to_numpy()
    rows["weak_reason"] = _join_codes({WEAK_RULES[0]: below, WEAK_RULES[1]: highest}, len(rows))
    out = rows[below | highest].reset_index(drop=True)
    out["weak_reason"] = out["weak_reason"].astype("str")
    return out[WEAK_COLUMNS]


def group_differences(
    counts: pd.DataFrame,
    *,
    units: pd.DataFrame,
    scheme: Scheme,
    n_resamples: int = 10_000,
    rng=None,
    adjust: str = ADJUST,
    alpha: float = ALPHA,
    by_series: bool = True,
) -> pd.DataFrame:
    """χ² homogeneity between respondent groups, per dimension, town-wide and per series.

    See ``group_differences`` in the module docstring; the Monte-Carlo p-values (used when
    expected counts are small) draw ``n_resamples`` tables from ``rng``.  ``by_series=False``
    tests town-wide only (the public tier: no group breakdown below the town), and the
    adjustment runs over those tests.
    """
    info = _unit_info(units)
    unit_col = counts["unit"].astype(str)
    cycle = str(counts["cycle"].iloc[0]) if len(counts) else ""
    gen = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    present = [s for s in scheme.series_codes if s in set(info["series"])]
    present += [s for s in dict.fromkeys(info["series"]) if s not in present]
    if not by_series:
        present = []
    frames = []
    for series in [ALL, *present]:  # a few tests: one per series × dimension
        if series == ALL:
            sub = counts
        else:
            members = info.index[info["series"] == series]
            sub = counts.assign(count=counts["count"].where(unit_col.isin(members), 0))
        for d in scheme.dimension_codes:
            res = group_homogeneity(
                sub, dimension=d, scheme=scheme, n_resamples=n_resamples, rng=gen
            )
            f = res.to_frame()
            f.insert(0, "dimension", d)
            f.insert(0, "series", series)
            frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    adj = adjust_pvalues(out["pvalue"].to_numpy(np.float64), method=adjust, alpha=alpha)
    out["pvalue_adjusted"] = adj.adjusted
    sig = pd.array(adj.reject, dtype="boolean")
    sig[np.isnan(out["pvalue"].to_numpy(np.float64))] = pd.NA
    out["significant"] = sig
    out["adjust_method"] = adjust
    out["alpha"] = float(alpha)
    out["cycle"] = cycle
    for c in ("cycle", "series", "dimension", "test", "method", "labels", "note"):
        out[c] = out[c].astype("str")
    out["effect_size_name"] = out["effect_size_name"].astype("str")
    out["adjust_method"] = out["adjust_method"].astype("str")
    return out[GROUP_DIFF_COLUMNS]


def reliability_table(
    patterns: pd.DataFrame, *, scheme: Scheme, cycle: str, confidence_level: float
) -> pd.DataFrame:
    """Cronbach's alpha per respondent group and over all forms (``group = "all"``)."""
    per = alpha_by(patterns, by="group", scheme=scheme, confidence_level=confidence_level)
    overall = alpha_by(patterns, by=(), scheme=scheme, confidence_level=confidence_level)
    per["group"] = per["group"].astype(str)
    overall.insert(0, "group", ALL)
    out = pd.concat([per, overall], ignore_index=True)
    out.insert(0, "cycle", cycle)
    out["cycle"] = out["cycle"].astype("str")
    out["group"] = out["group"].astype("str")
    return out[RELIABILITY_COLUMNS]


def comments_table(validated, *, flagged: pd.Index | None = None) -> pd.DataFrame:
    """Every comment of the cycle with its unit, group and form (see ``comments``).

    ``validated`` is a ValidatedCycle, or the CycleCounts of a cycle counted out of core with
    ``keep_rows=True`` (only the forms with a comment are read, from its ``rows``).
    """
    counted = _quality.counted_cycle(validated)
    if counted is not None and counted.rows is not None:
        store = counted.rows
        validated = counted.validated
        f = store.forms("comment IS NOT NULL") if store.has("comment") else store.forms("false")
    else:
        validated = validated if counted is None else counted.validated
        f = validated.forms
    scheme = validated.scheme
    text = f["comment"].astype(object)
    has = text.notna().to_numpy().copy()
    has[has] = text[has].astype(str).str.strip().ne("").to_numpy()
    f = f.loc[has]
    info = _unit_info(validated.units)
    dims = list(scheme.dimension_codes)
    masks = {d: _dissatisfied_mask(f[d], scheme) for d in dims}
    ids = f["form_id"].astype(str)
    # object arrays: a hash-table isin (pyarrow-backed str isin is slow on millions of ids)
    marked = np.asarray([] if flagged is None else flagged, dtype=object)
    flag = pd.Series(ids.to_numpy(dtype=object), dtype=object).isin(marked).to_numpy()
    out = pd.DataFrame(
        {
            "cycle": _str(f["cycle"].astype(str).to_numpy()),
            "unit": _str(f["unit"].astype(str).to_numpy()),
            "group": _str(f["group"].astype(str).to_numpy()),
            "form_id": _str(ids.to_numpy()),
            "comment": _str(f["comment"].astype(str).str.strip().to_numpy()),
            "dissatisfied_dimensions": _str(_join_codes(masks, len(f))),
            "flagged": flag.astype(bool),
        }
    )
    out["unit_name"] = _str(out["unit"].map(info["unit_name"]).fillna("").to_numpy())
    out["series"] = _str(out["unit"].map(info["series"]).fillna("").to_numpy())
    unit_order = {u: i for i, u in enumerate(info.index)}
    g_order = {g: i for i, g in enumerate(scheme.group_codes)}
    order = np.lexsort(
        [
            out["form_id"].to_numpy(dtype=object).astype(str),
            out["group"].map(g_order).to_numpy(),
            out["unit"].map(unit_order).fillna(len(unit_order)).to_numpy(),
        ]
    )
    return out.iloc[order].reset_index(drop=True)[COMMENT_COLUMNS]


def rectification_needed(ranking: pd.DataFrame, *, scheme: Scheme) -> pd.DataFrame:
    """Which units must rectify, and why (rule of ``rectification_required``).

    Returns
    -------
    DataFrame
        ``unit, rectification_required, required_because`` aligned with ``ranking``.
    """
    standing = ranking["standing"].astype(str).fillna("").to_numpy()
    veto = ranking["veto"].astype(bool).to_numpy()
    codes = list(scheme.grade_codes)
    cap = codes.index(scheme.rules.last_grade_cap)
    g = ranking["grade"].astype(object)
    gi = g.map(lambda x: codes.index(x) if isinstance(x, str) and x in codes else -1).to_numpy()
    masks = {
        "last": standing == "last",
        "last_not_distinguishable": standing == "last_not_distinguishable",
        "veto": veto,
    }
    for i, code in enumerate(codes):
        if i > cap:
            masks[f"grade:{code}"] = gi == i
    because = _join_codes(masks, len(ranking))
    return pd.DataFrame(
        {
            "unit": ranking["unit"].astype(str).to_numpy(),
            "rectification_required": because != "",
            "required_because": _str(because).to_numpy(),
        },
        index=ranking.index,
    )


def rectification_table(
    ranking: pd.DataFrame,
    weak: pd.DataFrame,
    comments: pd.DataFrame,
    *,
    scheme: Scheme,
    score_column: str = "composite",
) -> pd.DataFrame:
    """The rectification list (整改清单): see ``rectification`` in the module docstring."""
    need = rectification_needed(ranking, scheme=scheme)
    head = ranking[["cycle", "unit", "unit_name", "series", "rank", "standing", "grade"]].copy()
    head[score_column] = ranking[score_column].to_numpy()
    head["veto"] = ranking["veto"].astype(bool).to_numpy()
    head["rectification_required"] = need["rectification_required"].to_numpy()
    head["required_because"] = need["required_because"].to_numpy()
    head["unit"] = head["unit"].astype(str)
    head["_order"] = np.arange(len(head))
    dims = weak.assign(item="weak_dimension", unit=weak["unit"].astype(str))[
        [
            "unit",
            "item",
            "dimension",
            "weighted_score",
            "series_median",
            "n_valid",
            "n_dissatisfied",
            "dissatisfied_rate",
            "weak_reason",
        ]
    ]
    com = comments.assign(item="comment", unit=comments["unit"].astype(str))[
        ["unit", "item", "group", "form_id", "comment"]
    ]
    d_order = {d: i for i, d in enumerate(scheme.dimension_codes)}
    dims = dims.assign(_item=0, _sub=dims["dimension"].map(d_order).to_numpy())
    com = com.assign(_item=1, _sub=np.arange(len(com)))
    items = pd.concat([dims, com], ignore_index=True)
    rows = head.merge(items, on="unit", how="left", sort=False)
    listed = rows["item"].notna() | rows["rectification_required"]
    rows = rows[listed].copy()
    rows["item"] = rows["item"].fillna("")
    rows = rows.assign(
        _req=(~rows["rectification_required"]).astype(int),
        _s=_series_rank(rows["series"], scheme),
        _r=rows["rank"].astype("Float64").fillna(np.inf).to_numpy(np.float64),
        _item=rows["_item"].fillna(-1),
        _sub=rows["_sub"].fillna(-1),
    ).sort_values(["_req", "_s", "_r", "unit", "_item", "_sub"], kind="stable")
    for c in ("n_valid", "n_dissatisfied"):
        rows[c] = pd.array(rows[c], dtype="Float64").astype("Int64")
    for c in ("dimension", "weak_reason", "group", "form_id", "comment"):
        rows[c] = rows[c].astype(object).where(rows[c].notna(), "").astype("str")
    for c in ("item", "required_because", "standing", "cycle", "unit", "unit_name", "series"):
        rows[c] = rows[c].astype(object).fillna("").astype("str")
    cols = [*RECTIFICATION_HEAD, score_column, *RECTIFICATION_TAIL]
    return rows[cols].reset_index(drop=True)


def without_flagged(
    validated: ValidatedCycle,
    scored: CycleScores,
    flags: pd.DataFrame,
    *,
    method: str = "wilson",
    confidence_level: float = 0.95,
    n_resamples: int = 10_000,
    rng=None,
    checks=_quality.DEFAULT_EXCLUDE,
) -> _quality.QualityComparison:
    """The official scores and ranking beside the same without the flagged forms.

    ``validated`` is a ValidatedCycle, or the CycleCounts of a cycle counted out of core with
    ``keep_rows=True``: then the flagged forms' answer patterns are subtracted from its
    pattern counts and the rest scored with :func:`evalstats.stats.pipeline.score_counts` (the same
    tables as :func:`~evalstats.stats.pipeline.score_cycle` on the kept forms).

    As :func:`evalstats.stats.quality.with_and_without`, but the official side is ``scored`` itself
    (not recomputed) and the recomputation runs :func:`evalstats.stats.pipeline.score_cycle` on the
    kept forms with the same ``rng`` as the official run — pass the seed the official run
    used, so that both bootstraps draw the same random numbers.  With no flagged form nothing
    is recomputed (the tables are the official ones).  The forms left out are
    :func:`evalstats.stats.quality.flagged_form_ids` of ``checks`` (bursts and near duplicates).

    Returns
    -------
    QualityComparison
    """
    excluded = _quality.flagged_form_ids(flags, checks=checks)
    counted = _quality.counted_cycle(validated)
    if counted is not None and counted.rows is None:
        validated, counted = counted.validated, None
    if counted is not None:
        if len(excluded):
            other = score_counts(
                _without_forms(counted, excluded),
                method=method,
                confidence_level=confidence_level,
                n_resamples=n_resamples,
                rng=rng,
            )
            scores_x, ranking_x = other.scores, other.ranking
        else:
            scores_x, ranking_x = scored.scores, scored.ranking
        validated = counted.validated
    elif len(excluded):
        forms = validated.forms
        # an object-dtype hash isin: pyarrow-backed str isin took 1.4 s on 1M ids
        ids = forms["form_id"].astype(str).to_numpy(dtype=object)
        keep = ~pd.Series(ids, dtype=object).isin(excluded).to_numpy()
        other = score_cycle(
            validated,
            method=method,
            confidence_level=confidence_level,
            n_resamples=n_resamples,
            rng=rng,
            forms=forms.loc[keep].reset_index(drop=True),
        )
        scores_x, ranking_x = other.scores, other.ranking
    else:
        scores_x, ranking_x = scored.scores, scored.ranking
    comparison = _quality.ranking_comparison(scored.ranking, ranking_x)
    changes = comparison[comparison["changed"] != ""].reset_index(drop=True)
    return _quality.QualityComparison(
        scores=scored.scores,
        ranking=scored.ranking,
        scores_excl_flagged=scores_x,
        ranking_excl_flagged=ranking_x,
        changes=changes,
        excluded=excluded,
        checks=tuple(checks),
        comparison=comparison,
        scheme=validated.scheme,
    )


def _without_forms(counted, excluded: pd.Index):
    """``counted`` without the forms ``excluded``: pattern counts less theirs, tally again."""
    from dataclasses import replace

    from evalstats.counts.tally import tally_from_patterns

    scheme = counted.validated.scheme
    store = counted.rows
    dims = list(scheme.dimension_codes)
    store.con.register("_x_df", pd.DataFrame({"form_id": pd.Series(list(excluded), dtype=object)}))
    try:
        lv = ", ".join(f"l{j}" for j in range(len(dims)))
        gone = store.query(
            f"SELECT u, g{', ' + lv if dims else ''}, count(*)::BIGINT AS n FROM coded "
            "WHERE form_id IN (SELECT form_id FROM _x_df) GROUP BY ALL"
        )
    finally:
        store.con.unregister("_x_df")
    u, g, levels, cnt = _quality.counted_pattern_codes(counted, scheme)
    nl = len(scheme.level_codes)

    def keys(uu, gg, lvl):
        key = uu.astype(np.int64) * len(scheme.group_codes) + gg
        for j in range(lvl.shape[1]):
            key = key * (nl + 1) + np.where(lvl[:, j] < 0, nl, lvl[:, j])
        return key

    gone_lv = np.stack(
        [gone[f"l{j}"].to_numpy(np.int64) for j in range(len(dims))], axis=1
    ).reshape(len(gone), len(dims))
    pos = pd.Index(keys(u, g, levels)).get_indexer(
        keys(gone["u"].to_numpy(np.int64), gone["g"].to_numpy(np.int64), gone_lv)
    )
    left = cnt.copy()
    np.subtract.at(left, pos, gone["n"].to_numpy(np.int64))
    patterns = counted.patterns.assign(count=left)
    patterns = patterns[left > 0].reset_index(drop=True)
    if not len(patterns):
        patterns["cycle"] = patterns["cycle"].astype(counted.patterns["cycle"].dtype)
    return replace(counted, counts=tally_from_patterns(patterns, scheme), patterns=patterns)


# ====================================================================== annual tables
def composite_change(
    h1: pd.DataFrame,
    annual: pd.DataFrame,
    *,
    confidence_level: float = 0.95,
    adjust: str = ADJUST,
    alpha: float = ALPHA,
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
    freedom, interval ``diff ± t·se`` and a two-sided t test (Welch 1947).
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
        ci = t_interval(diff, se, df, confidence_level=level)
        ok = np.isfinite(diff) & np.isfinite(se) & (se > 0) & (df > 0)
        t = np.where(ok, diff / se, np.nan)
        p = np.where(ok, 2 * stats.t.sf(np.abs(t), np.where(ok, df, 1.0)), np.nan)
    adj = adjust_pvalues(p, method=adjust, alpha=alpha)
    sig = pd.array(adj.reject, dtype="boolean")
    sig[np.isnan(p)] = pd.NA
    return pd.DataFrame(
        {
            "unit": _str(units),
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
            "adjust_method": _str([adjust] * len(units)),
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
    """

    previous_cycle: str
    ranking: pd.DataFrame = field(repr=False)
    rectification_needed: pd.DataFrame = field(repr=False)
    weak_dimensions: pd.DataFrame = field(repr=False)
    comparison: pd.DataFrame = field(repr=False)
    composite_change: pd.DataFrame = field(repr=False)


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
    info = _unit_info(units)
    comparison = compare_cycles(
        before.counts,
        after.counts,
        by=("unit", "dimension"),
        scheme=scheme,
        adjust=ADJUST,
        alpha=ALPHA,
        confidence_level=confidence_level,
        units=info.reset_index().rename(columns={"unit_name": "name"}),
    )
    return CycleChange(
        previous_cycle=str(before.ranking["cycle"].iloc[0]) if len(before.ranking) else "",
        ranking=before.ranking,
        rectification_needed=rectification_needed(before.ranking, scheme=scheme),
        weak_dimensions=weak_dimensions(before.scores, before.counts, scheme=scheme),
        comparison=_with_names(comparison, info),
        composite_change=composite_change(
            before.composites, after.composites, confidence_level=confidence_level
        ),
    )


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
    change = composite_change(comp_h, annual.composites, confidence_level=confidence_level)
    out = change.copy()
    out.insert(1, "unit_name", _str(weak_units["unit_name"].astype(str).to_numpy()))
    out.insert(2, "series", _str(weak_units["series"].astype(str).to_numpy()))
    out.insert(3, "weak_because", _str(because))
    out.insert(4, "standing_h1", _str(weak_units["standing"].astype(str).to_numpy()))
    out.insert(5, "grade_h1", _str(weak_units["grade"].astype(str).to_numpy()))
    low = out["composite_diff_ci_low"].to_numpy(np.float64)
    high = out["composite_diff_ci_high"].to_numpy(np.float64)
    verdict = np.where(
        ~np.isfinite(out["composite_annual"].to_numpy(np.float64)),
        "absent",
        np.where(low > 0, "improved", np.where(high < 0, "declined", "")),
    )
    out["verdict"] = _str(np.where(verdict == "", "no_clear_change", verdict))
    wh, wa = _codes_by_unit(weak_h1), _codes_by_unit(weak_annual)
    out["weak_dimensions_h1"] = _str(out["unit"].map(wh).fillna("").to_numpy())
    out["weak_dimensions_annual"] = _str(out["unit"].map(wa).fillna("").to_numpy())
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
    out["weak_dimensions_improved"] = _str(
        out["unit"].map(_codes_by_unit(improved)).fillna("").to_numpy()
    )
    own = annual.ranking.set_index(annual.ranking["unit"].astype(str))
    year = year_ranking.set_index(year_ranking["unit"].astype(str))
    out["standing_annual"] = _str(out["unit"].map(own["standing"]).fillna("").to_numpy())
    out["standing_year"] = _str(out["unit"].map(year["standing"]).fillna("").to_numpy())
    out["grade_year"] = _str(out["unit"].map(year["grade"].astype(object)).fillna("").to_numpy())
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
            "unit": _str(part["unit"].astype(str).to_numpy()),
            "unit_name": _str(part["unit_name"].astype(str).to_numpy()),
            "series": _str(part["series"].astype(str).to_numpy()),
            "cycle_present": _str(present),
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
    out["flags"] = _str(part["flags"].astype(str).to_numpy())
    return out[ONE_CYCLE_COLUMNS]


def _with_names(table: pd.DataFrame, info: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    pos = list(out.columns).index("unit") + 1
    unit = out["unit"].astype(str)
    out.insert(pos, "unit_name", _str(unit.map(info["unit_name"]).fillna("").to_numpy()))
    out.insert(pos + 1, "series", _str(unit.map(info["series"]).fillna("").to_numpy()))
    return out


# ====================================================================== summary
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


def _summary(
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
    return {
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
            }
            for r in vetoed.itertuples(index=False)
        ],
        "grades": {g: int(grades.get(g, 0)) for g in scheme.grade_codes},
        "quality": {
            "flags": {c: int(flags.get(c, 0)) for c in _quality.CHECKS},
            "flagged_forms": int(flagged),
            "units_changed_without_flagged": len(tables["quality_changes"]),
        },
        "weak_dimensions": len(tables["weak_dimensions"]),
        "rectification_required": list(dict.fromkeys(required)),
        "comments": len(tables["comments"]),
        "annual": annual,
        "tables": {name: len(t) for name, t in tables.items()},
    }


# ====================================================================== public tier
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


def _plan(scores: pd.DataFrame, scheme: Scheme) -> _Plan:
    cells = _privacy.report_cells(scores)
    plan = _privacy.protect(
        cells[["unit", "series", "group", "n_forms"]], scheme=scheme, publish=cells["publish"]
    )
    return _Plan(plan, _privacy.few_group_units(scores), int(scheme.rules.anonymity_min))


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


def _mask_units(name, table, units, columns, log, plan: _Plan, reason_of=None):
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
                    reason_of or reason or "complementary",
                )
            )
    return _privacy.mask_rows(table, rows, cols)


def _public_quality(flags: pd.DataFrame, cycle: str) -> pd.DataFrame:
    if not len(flags):
        return pd.DataFrame(
            {
                "cycle": _str([]),
                "check": _str([]),
                "severity": _str([]),
                "n_flags": pd.Series(dtype="int64"),
                "n_forms": pd.Series(dtype="int64"),
            }
        )
    g = flags.assign(check=flags["check"].astype(str), severity=flags["severity"].astype(str))
    out = g.groupby(["check", "severity"], sort=False).agg(
        n_flags=("check", "size"), n_forms=("n_forms", "sum")
    )
    out = out.reset_index()
    order = {c: i for i, c in enumerate(_quality.CHECKS)}
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


def _public(
    kind: str,
    tables: dict,
    scored: CycleScores,
    v: ValidatedCycle,
    *,
    scheme: Scheme,
    h1: CycleScores | None = None,
    score_column: str = "composite",
) -> tuple[dict, pd.DataFrame, set]:
    """The public tables, the public tally and the units whose scores are withheld."""
    plan = _plan(scored.scores, scheme)
    log: list = []
    out = {}
    out["response"] = _public_cell_table(
        "response", tables["response"], plan, log, keep=(), columns=None
    )
    lv = tables["levels"]
    out["levels"] = _public_cell_table("levels", lv.assign(group=ALL), plan, log, keep=())
    out["levels"] = out["levels"][LEVELS_COLUMNS]
    sc = _public_cell_table("scores", tables["scores"], plan, log)
    few = np.isin(sc["unit"].astype(str), plan.few) & (sc["group"].astype(str) == ALL).to_numpy()
    sc = _privacy.mask_rows(sc, few, list(_WEIGHTED))
    for u in plan.few:
        s = str(v.units.loc[v.units["unit"].astype(str) == u, "series"].astype(str).iloc[0])
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
                "few_groups",
            )
        )
    out["scores"] = sc
    h1_plan = _plan(h1.scores, scheme) if h1 is not None else None
    hidden_units = set(plan.withheld_units) | (h1_plan.withheld_units if h1_plan else set())
    # whole-unit tables (not additive): only units withheld for their own sake
    own_units = set(plan.own_withheld_units) | (h1_plan.own_withheld_units if h1_plan else set())
    for name in ("ranking", "ranking_annual_cycle", "final_grades"):
        if name in tables:
            out[name] = _mask_units(name, tables[name], own_units, _SCORE_NUMBERS, log, plan)
    w = tables["weak_dimensions"]
    w = _mask_units("weak_dimensions", w, plan.withheld_units, _value_columns(w), log, plan)
    few_rows = w["unit"].astype(str).isin(plan.few).to_numpy()
    w = _privacy.mask_rows(w, few_rows, list(_WEIGHTED))
    touched = set(w.loc[w["unit"].astype(str).isin(hidden_units | set(plan.few)), "series"])
    info = _unit_info(v.units)
    touched |= {info.loc[u, "series"] for u in (hidden_units | set(plan.few)) if u in info.index}
    w = _privacy.mask_rows(w, w["series"].astype(str).isin(touched).to_numpy(), ["series_median"])
    out["weak_dimensions"] = w
    gd = tables["group_differences"]
    town_groups = plan.cells[(plan.cells["unit"] == ALL) & (plan.cells["series"] == ALL)]
    if (~town_groups["published"]).any():
        gd = _privacy.mask_rows(gd, np.ones(len(gd), bool), _value_columns(gd, keep=("alpha",)))
        log.append(
            (
                "group_differences",
                ALL,
                ALL,
                _privacy.ANY,
                _privacy.ANY,
                "*",
                pd.NA,
                plan.k,
                "complementary",
            )
        )
    log.append(
        (
            "group_differences",
            _privacy.ANY,
            _privacy.ANY,
            _privacy.ANY,
            _privacy.ANY,
            "*",
            pd.NA,
            plan.k,
            "group_not_published",
        )
    )
    out["group_differences"] = gd
    out["reliability"] = _public_cell_table(
        "reliability", tables["reliability"], plan, log, keep=("k", "confidence_level")
    )
    out["quality"] = _public_quality(tables["quality"], v.cycle)
    comments = tables["comments"]
    rect = rectification_table(
        tables["ranking"], w, comments.iloc[0:0], scheme=scheme, score_column=score_column
    )
    out["rectification"] = _mask_units("rectification", rect, own_units, [score_column], log, plan)
    if "comparison" in tables:
        c = tables["comparison"]
        out["comparison"] = _mask_units("comparison", c, hidden_units, _value_columns(c), log, plan)
    if "weak_units_followup" in tables:
        f = tables["weak_units_followup"]
        out["weak_units_followup"] = _mask_units(
            "weak_units_followup", f, own_units, _SCORE_NUMBERS, log, plan
        )
    if "one_cycle_units" in tables:
        out["one_cycle_units"] = _mask_units(
            "one_cycle_units", tables["one_cycle_units"], own_units, _SCORE_NUMBERS, log, plan
        )
    if "rank_movement" in tables:
        out["rank_movement"] = tables["rank_movement"]
    for name in INTERNAL_ONLY_TABLES:
        log.append(
            (
                name,
                _privacy.ANY,
                _privacy.ANY,
                _privacy.ANY,
                _privacy.ANY,
                "*",
                pd.NA,
                pd.NA,
                "internal_only",
            )
        )
    for name, cols in (
        ("quality", "unit;group;collector;form_ids;value;threshold;reason;reason_zh"),
        ("rectification", "group;form_id;comment"),
    ):
        log.append(
            (
                name,
                _privacy.ANY,
                _privacy.ANY,
                _privacy.ANY,
                _privacy.ANY,
                cols,
                pd.NA,
                pd.NA,
                "internal_only",
            )
        )
    out["suppressed"] = _privacy.log_frame(dict.fromkeys(log))
    order = PUBLIC_ANNUAL_TABLES if kind == "annual" else PUBLIC_HALF_YEAR_TABLES
    return {name: out[name] for name in order}, _public_counts(scored.counts, plan), own_units


def _tier_summary(summary: dict, tables: dict, tier: str, withheld=()) -> dict:
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


# ====================================================================== the analyses
def resolve_options(scheme, confidence_level, n_resamples, seed, method):
    """The scheme and the checked options of an analysis: ``(scheme, confidence_level,
    n_resamples, seed, method)``; a missing confidence level is the scheme's.

    Examples
    --------
    >>> resolve_options(None, 0.9, 100, 1, "wilson")[1:]
    (0.9, 100, 1, 'wilson')
    """
    scheme = resolve_scheme(None if scheme in ("", None) else scheme)
    level = check_confidence_level(
        scheme.rules.confidence_level if confidence_level is None else confidence_level
    )
    method = check_option("method", method, PROPORTION_METHODS)
    return scheme, level, check_n_resamples(n_resamples), check_seed(seed), method


def _cycle_tables(
    v, *, level: float, n_resamples: int, seed, method: str, tier: str
) -> tuple[CycleScores, dict, _quality.QualityComparison, pd.Index]:
    """Everything of one cycle except the rectification list (which needs the deciding
    ranking).  ``v``: a ValidatedCycle, or the CycleCounts of a backend (with its rows)."""
    counted = _quality.counted_cycle(v)
    source = v
    if counted is not None:
        v = counted.validated
        scored = score_counts(
            counted,
            method=method,
            confidence_level=level,
            n_resamples=n_resamples,
            rng=stream_rng(seed, 0),
        )
    else:
        scored = score_cycle(
            v,
            method=method,
            confidence_level=level,
            n_resamples=n_resamples,
            rng=stream_rng(seed, 0),
        )
    scheme = v.scheme
    flags = _quality.quality_flags(source)
    qc = without_flagged(
        source,
        scored,
        flags,
        method=method,
        confidence_level=level,
        n_resamples=n_resamples,
        rng=stream_rng(seed, 0),
    )
    flagged = qc.excluded
    weak = weak_dimensions(scored.scores, scored.counts, scheme=scheme)
    tables = {
        "response": response_table(source),
        "levels": levels_table(scored.counts, units=v.units, scheme=scheme),
        "scores": scored.scores,
        "ranking": scored.ranking,
        "weak_dimensions": weak,
        "group_differences": group_differences(
            scored.counts,
            units=v.units,
            scheme=scheme,
            n_resamples=n_resamples,
            rng=stream_rng(seed, STREAM_GROUPS),
            by_series=tier == "internal",
        ),
        "reliability": reliability_table(
            scored.patterns, scheme=scheme, cycle=v.cycle, confidence_level=level
        ),
        "quality": flags,
        "scores_excl_flagged": qc.scores_excl_flagged,
        "ranking_excl_flagged": qc.ranking_excl_flagged,
        "quality_changes": qc.changes,
        "comments": comments_table(source, flagged=flagged),
    }
    return scored, tables, qc, flagged


def _check_backend(backend, memory_limit, scheduler, folder) -> tuple[str, object, object]:
    """(backend, memory_limit or None, scheduler or None), ``"auto"`` resolved by size."""
    from evalstats.counts.backends import BACKENDS, check_memory_limit, choose_backend

    backend = check_option("backend", backend, BACKENDS)
    if memory_limit == "":
        memory_limit = None
    if isinstance(scheduler, str) and not scheduler.strip():
        scheduler = None
    memory_limit = check_memory_limit(memory_limit)
    if backend == "auto":
        backend = choose_backend(folder, scheduler=scheduler)
    if scheduler is not None and backend != "dask":
        raise ValueError(f"scheduler is only used by the dask backend; got backend={backend!r}")
    if memory_limit is not None and backend == "pandas":
        raise ValueError(
            "memory_limit is only used by the duckdb and dask backends; got backend='pandas'"
        )
    return backend, memory_limit, scheduler


@contextlib.contextmanager
def _read_cycles(folders, cycles, rows, *, scheme, backend, memory_limit, scheduler):
    """Per cycle, its ValidatedCycle (pandas) or its CycleCounts (other backends; with the
    counted forms in DuckDB where ``rows`` says so), released on exit."""
    if backend == "pandas":
        yield [
            validate_cycle(f, scheme=scheme, cycle=c) for f, c in zip(folders, cycles, strict=True)
        ]
        return
    from evalstats.counts.backends import count_cycle, dask_client

    with contextlib.ExitStack() as stack:
        if backend == "dask":
            scheduler = stack.enter_context(dask_client(scheduler))
        out = []
        for f, c, keep in zip(folders, cycles, rows, strict=True):
            counted = count_cycle(
                f,
                scheme=scheme,
                cycle=c,
                backend=backend,
                memory_limit=memory_limit,
                scheduler=scheduler,
                keep_rows=keep,
            )
            stack.callback(counted.close)
            out.append(counted)
        yield out


def _all_units(*validated) -> pd.DataFrame:
    """``unit, name, series`` of the units of the cycles given (the first cycle's entry wins)."""
    info = pd.concat([_unit_info(v.units) for v in validated])
    info = info[~info.index.duplicated()]
    return info.reset_index().rename(columns={"unit_name": "name"})


def _score_read(read, *, level: float, n_resamples: int, seed, method: str) -> CycleScores:
    """Score a cycle read by :func:`_read_cycles` as its own report would (``rng=seed``)."""
    options = dict(
        method=method, confidence_level=level, n_resamples=n_resamples, rng=stream_rng(seed, 0)
    )
    if read is _validated(read):
        return score_cycle(read, **options)
    return score_counts(read, **options)


def _validated(x):
    """The ValidatedCycle or ScannedCycle of a cycle read by :func:`_read_cycles`."""
    counted = _quality.counted_cycle(x)
    return x if counted is None else counted.validated


def half_year(
    cycle: str,
    *,
    data_dir="data/raw",
    scheme=None,
    confidence_level: float | None = None,
    n_resamples: int = 10_000,
    seed: int | None = None,
    method: str = "wilson",
    tier: str = "internal",
    backend: str = "pandas",
    memory_limit=None,
    scheduler=None,
    previous_cycle: str | None = None,
) -> Analysis:
    """The half-year analysis of ``cycle``: validated, scored, ranked, checked and listed.

    Parameters
    ----------
    cycle : str
        Cycle id, e.g. ``"2026H1"``; its folder is ``<data_dir>/<cycle>``.
    data_dir : str or Path
        The folder of cycle folders (default ``data/raw``), or the cycle folder itself;
        relative to the project root.
    scheme : Scheme, path, "" or None
        The evaluation scheme (default: the bundled one).
    confidence_level : float, optional
        Default: the scheme's ``rules.confidence_level``.
    n_resamples : int
        Bootstrap resamples of the ranking uncertainty (and Monte-Carlo χ² tables).
    seed : int, optional
        Seed of every random step (see "Random numbers" in the module docstring).
    method : {"wilson", "clopper-pearson", "jeffreys"}
        Interval of the rates.
    tier : {"internal", "public"}
        ``"public"``: only what may be published (see "Publication tier" in the module
        docstring and :mod:`evalstats.stats.privacy`).
    backend : {"pandas", "duckdb", "dask", "auto"}
        How the responses are read and counted (:mod:`evalstats.counts.backends`): ``"pandas"`` in
        memory (the default); ``"duckdb"`` out of core (Parquet or CSV responses); ``"dask"``
        counted on a Dask cluster; ``"auto"`` by input size.  The tables are identical
        whichever backend read the data: the scores and rankings come from the counts
        (:func:`evalstats.stats.pipeline.score_counts`), and the checks that need forms
        (data quality, comments) bring into memory only the forms they need.
    memory_limit : str or int, optional
        DuckDB's memory limit (duckdb and dask backends), e.g. ``"4GB"``.
    scheduler : str or distributed.Client, optional
        Dask scheduler address (dask backend; default: a local cluster for the call).
    previous_cycle : str, optional
        A cycle to compare with (its folder beside the cycle's, e.g. ``"2025A"`` for
        ``"2026H1"``): scored as its own report would score it, and the change computed
        once into :attr:`Analysis.change` (:func:`cycle_change`) for the feedback letters.
        The tables are the same with or without it.

    Returns
    -------
    Analysis
        ``tables`` in the order of ``HALF_YEAR_TABLES`` (``PUBLIC_HALF_YEAR_TABLES`` in the
        public tier).

    Raises
    ------
    InputError
        The cycle's data are invalid (every problem listed).
    FileNotFoundError
        No folder for the cycle.
    """
    cycle = check_cycle(cycle)
    tier = check_option("tier", tier, TIERS)
    scheme, level, n_resamples, seed, method = resolve_options(
        scheme, confidence_level, n_resamples, seed, method
    )
    folder, shown = _locate(data_dir, cycle)
    prev = None
    if previous_cycle not in (None, ""):
        prev = check_cycle(previous_cycle, name="previous_cycle")
    if prev == cycle:
        raise ValueError(f"previous_cycle must differ from cycle; both are {cycle!r}")
    shown_all = [shown] + ([_sibling(folder, shown, prev)[1]] if prev else [])
    backend, memory_limit, scheduler = _check_backend(backend, memory_limit, scheduler, folder)
    with _read_cycles(
        shown_all,
        [cycle, prev][: len(shown_all)],
        [True, False][: len(shown_all)],
        scheme=scheme,
        backend=backend,
        memory_limit=memory_limit,
        scheduler=scheduler,
    ) as (read, *before):
        v = _validated(read)
        scored, tables, qc, flagged = _cycle_tables(
            read, level=level, n_resamples=n_resamples, seed=seed, method=method, tier=tier
        )
        change = None
        if before:
            change = cycle_change(
                _score_read(
                    before[0], level=level, n_resamples=n_resamples, seed=seed, method=method
                ),
                scored,
                units=_all_units(v, _validated(before[0])),
                scheme=scheme,
                confidence_level=level,
            )
    tables["rectification"] = rectification_table(
        scored.ranking, tables["weak_dimensions"], tables["comments"], scheme=scheme
    )
    tables = {name: tables[name] for name in HALF_YEAR_TABLES}
    options = {
        "confidence_level": level,
        "n_resamples": n_resamples,
        "seed": seed,
        "method": method,
        "half_year_cycle": "",
    }
    summary = _summary(
        "half_year",
        v,
        scored,
        tables,
        scheme=scheme,
        options=options,
        flagged=len(flagged),
        annual=None,
    )
    public_counts, withheld, unpublished = None, set(), {}
    if tier == "public":
        unpublished = {name: tables[name] for name in ("comments", "quality")}
        tables, public_counts, withheld = _public("half_year", tables, scored, v, scheme=scheme)
    return Analysis(
        kind="half_year",
        cycle=cycle,
        scheme=scheme,
        validated={cycle: v},
        scored={cycle: scored},
        tables=tables,
        summary=_tier_summary(summary, tables, tier, withheld),
        quality_comparison=qc,
        options=options,
        tier=tier,
        public_counts=public_counts,
        change=change,
        unpublished=unpublished,
    )


def annual(
    cycle: str,
    *,
    half_year_cycle: str | None = None,
    data_dir="data/raw",
    scheme=None,
    confidence_level: float | None = None,
    n_resamples: int = 10_000,
    seed: int | None = None,
    method: str = "wilson",
    tier: str = "internal",
    backend: str = "pandas",
    memory_limit=None,
    scheduler=None,
) -> Analysis:
    """The annual analysis: the year-end cycle as in :func:`half_year`, plus the year.

    Parameters
    ----------
    cycle : str
        The year-end cycle, e.g. ``"2026A"``.
    half_year_cycle : str, optional
        The half-year cycle combined with it (default: derived, ``"2026A"`` → ``"2026H1"``);
        its folder sits beside the year-end cycle's.
    data_dir, scheme, confidence_level, n_resamples, seed, method, tier
        As in :func:`half_year`.
    backend, memory_limit, scheduler
        As in :func:`half_year`; both cycles are read with the backend (``"auto"`` decides
        by the year-end cycle's size).

    Returns
    -------
    Analysis
        ``tables`` in the order of ``ANNUAL_TABLES``; ``ranking`` is the year's (decided on
        ``composite_year``), ``ranking_annual_cycle`` the year-end cycle's own.
    """
    cycle = check_cycle(cycle)
    h1_cycle = check_cycle(
        half_year_cycle or default_half_year_cycle(cycle), name="half_year_cycle"
    )
    tier = check_option("tier", tier, TIERS)
    if h1_cycle == cycle:
        raise ValueError(f"half_year_cycle must differ from cycle; both are {cycle!r}")
    scheme, level, n_resamples, seed, method = resolve_options(
        scheme, confidence_level, n_resamples, seed, method
    )
    folder, shown = _locate(data_dir, cycle)
    h1_shown = _sibling(folder, shown, h1_cycle)[1]
    backend, memory_limit, scheduler = _check_backend(backend, memory_limit, scheduler, folder)
    with _read_cycles(
        [shown, h1_shown],
        [cycle, h1_cycle],
        [True, False],
        scheme=scheme,
        backend=backend,
        memory_limit=memory_limit,
        scheduler=scheduler,
    ) as (read_a, read_h):
        v_a, v_h = _validated(read_a), _validated(read_h)
        if read_h is v_h:
            s_h = score_cycle(
                v_h,
                method=method,
                confidence_level=level,
                n_resamples=n_resamples,
                rng=stream_rng(seed, 0),
            )
        else:
            s_h = score_counts(
                read_h,
                method=method,
                confidence_level=level,
                n_resamples=n_resamples,
                rng=stream_rng(seed, 0),
            )
        s_a, tables, qc, flagged = _cycle_tables(
            read_a, level=level, n_resamples=n_resamples, seed=seed, method=method, tier=tier
        )
    year = score_year(
        s_h,
        s_a,
        n_resamples=n_resamples,
        confidence_level=level,
        rng=stream_rng(seed, STREAM_YEAR),
    )
    change = cycle_change(
        s_h, s_a, units=_all_units(v_a, v_h), scheme=scheme, confidence_level=level
    )
    comparison, weak_h = change.comparison, change.weak_dimensions
    tables["ranking_annual_cycle"] = s_a.ranking
    tables["ranking"] = year
    tables["final_grades"] = year[FINAL_GRADES_COLUMNS].reset_index(drop=True)
    tables["comparison"] = comparison
    tables["rank_movement"] = rank_movement(s_h.ranking, s_a.ranking)
    tables["weak_units_followup"] = weak_units_followup(
        s_h,
        s_a,
        weak_h1=weak_h,
        weak_annual=tables["weak_dimensions"],
        comparison=comparison,
        year_ranking=year,
        confidence_level=level,
    )
    tables["one_cycle_units"] = one_cycle_units(
        year, v_h.units, v_a.units, cycles=(h1_cycle, cycle)
    )
    tables["rectification"] = rectification_table(
        year,
        tables["weak_dimensions"],
        tables["comments"],
        scheme=scheme,
        score_column="composite_year",
    )
    tables = {name: tables[name] for name in ANNUAL_TABLES}
    options = {
        "confidence_level": level,
        "n_resamples": n_resamples,
        "seed": seed,
        "method": method,
        "half_year_cycle": h1_cycle,
    }
    follow = tables["weak_units_followup"]
    c = comparison

    def n_sig(prefix, sign):
        s = c[f"{prefix}_significant"].fillna(False).astype(bool)
        return int((s & (np.sign(c[f"{prefix}_diff"]) == sign)).sum())

    extra = {
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
    }
    summary = _summary(
        "annual",
        v_a,
        s_a,
        tables,
        scheme=scheme,
        options=options,
        flagged=len(flagged),
        annual=extra,
    )
    public_counts, withheld, unpublished = None, set(), {}
    if tier == "public":
        unpublished = {name: tables[name] for name in ("comments", "quality")}
        tables, public_counts, withheld = _public(
            "annual", tables, s_a, v_a, scheme=scheme, h1=s_h, score_column="composite_year"
        )
    return Analysis(
        kind="annual",
        cycle=cycle,
        scheme=scheme,
        validated={h1_cycle: v_h, cycle: v_a},
        scored={h1_cycle: s_h, cycle: s_a},
        tables=tables,
        summary=_tier_summary(summary, tables, tier, withheld),
        quality_comparison=qc,
        options=options,
        tier=tier,
        public_counts=public_counts,
        change=change,
        unpublished=unpublished,
    )


__all__ = [
    "ANNUAL_TABLES",
    "HALF_YEAR_TABLES",
    "INTERNAL_ONLY_TABLES",
    "PUBLIC_ANNUAL_TABLES",
    "PUBLIC_HALF_YEAR_TABLES",
    "Analysis",
    "CycleChange",
    "Parameters",
    "annual",
    "check_parameters",
    "comments_table",
    "composite_change",
    "cycle_change",
    "default_half_year_cycle",
    "group_differences",
    "half_year",
    "levels_table",
    "one_cycle_units",
    "rectification_needed",
    "rectification_table",
    "reliability_table",
    "resolve_options",
    "response_table",
    "stream_rng",
    "weak_dimensions",
    "weak_units_followup",
    "without_flagged",
]
