"""The annual analysis: the year-end cycle as in :func:`~evalstats.analyses.cycle.half_year`,
plus the year (:func:`annual`).

Examples
--------
>>> a = annual("2026A", n_resamples=500, seed=1)  # doctest: +SKIP
>>> a.score_column  # doctest: +SKIP
'composite_year'
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evalstats.analyses.cycle.analyse_half_year import cycle_tables
from evalstats.analyses.cycle.change import (
    CycleChange,
    cycle_change,
    one_cycle_units,
    weak_units_followup,
)
from evalstats.analyses.cycle.columns import ANNUAL_TABLES, FINAL_GRADES_COLUMNS
from evalstats.analyses.cycle.options import STREAM_YEAR, check_backend, resolve_options, stream_rng
from evalstats.analyses.cycle.parameters import default_half_year_cycle, locate_cycle, sibling_cycle
from evalstats.analyses.cycle.public import apply_tier
from evalstats.analyses.cycle.read import all_units, read_cycles, score_read, validated_of
from evalstats.analyses.cycle.rectification import rectification_table
from evalstats.analyses.cycle.result import Analysis
from evalstats.analyses.cycle.summary import annual_summary, cycle_summary
from evalstats.core.cycles import check_cycle
from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme
from evalstats.core.vocab import TIERS
from evalstats.stats.compare import rank_movement
from evalstats.stats.pipeline import CycleScores, score_year


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
    cycle, h1_cycle, tier = _check_cycles(cycle, half_year_cycle, tier)
    scheme, level, n_resamples, seed, method = resolve_options(
        scheme, confidence_level, n_resamples, seed, method
    )
    folder, shown = locate_cycle(data_dir, cycle)
    h1_shown = sibling_cycle(folder, shown, h1_cycle)[1]
    backend, memory_limit, scheduler = check_backend(backend, memory_limit, scheduler, folder)
    with read_cycles(
        [shown, h1_shown],
        [cycle, h1_cycle],
        [True, False],
        scheme=scheme,
        backend=backend,
        memory_limit=memory_limit,
        scheduler=scheduler,
    ) as (read_a, read_h):
        v_a, v_h = validated_of(read_a), validated_of(read_h)
        s_h = score_read(read_h, level=level, n_resamples=n_resamples, seed=seed, method=method)
        s_a, tables, qc, flagged = cycle_tables(
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
        s_h, s_a, units=all_units(v_a, v_h), scheme=scheme, confidence_level=level
    )
    tables = _year_tables(
        tables,
        _Year(h1=s_h, annual=s_a, ranking=year, change=change, units=(v_h.units, v_a.units)),
        cycles=(h1_cycle, cycle),
        scheme=scheme,
        confidence_level=level,
    )
    options = {
        "confidence_level": level,
        "n_resamples": n_resamples,
        "seed": seed,
        "method": method,
        "half_year_cycle": h1_cycle,
    }
    summary = cycle_summary(
        "annual",
        v_a,
        s_a,
        tables,
        scheme=scheme,
        options=options,
        flagged=len(flagged),
        annual=annual_summary(tables, change.comparison, scheme=scheme, town=change.town),
    )
    if change.linked_respondents:  # the same respondents in both cycles: say so
        summary.setdefault("design", {"kind": "forms"})
        summary["design"]["linked_respondents"] = change.linked_respondents
    tables, summary, public_counts, unpublished = apply_tier(
        "annual",
        tables,
        summary,
        tier=tier,
        scored=s_a,
        validated=v_a,
        scheme=scheme,
        h1=s_h,
        score_column="composite_year",
    )
    return Analysis(
        kind="annual",
        cycle=cycle,
        scheme=scheme,
        validated={h1_cycle: v_h, cycle: v_a},
        scored={h1_cycle: s_h, cycle: s_a},
        tables=tables,
        summary=summary,
        quality_comparison=qc,
        options=options,
        tier=tier,
        public_counts=public_counts,
        change=change,
        unpublished=unpublished,
    )


def _check_cycles(cycle, half_year_cycle, tier) -> tuple[str, str, str]:
    """The checked ``(cycle, half_year_cycle, tier)``; the half-year cycle derived if not given."""
    cycle = check_cycle(cycle)
    h1_cycle = check_cycle(
        half_year_cycle or default_half_year_cycle(cycle), name="half_year_cycle"
    )
    tier = check_option("tier", tier, TIERS)
    if h1_cycle == cycle:
        raise ValueError(f"half_year_cycle must differ from cycle; both are {cycle!r}")
    return cycle, h1_cycle, tier


@dataclass(frozen=True)
class _Year:
    """What the year's tables are computed from: both cycles scored, the year's ranking, the
    change half-year → year-end, and the half-year cycle's units."""

    h1: CycleScores
    annual: CycleScores
    ranking: pd.DataFrame
    change: CycleChange
    units: tuple  # (units of the half-year cycle, units of the year-end cycle)


def _year_tables(
    tables: dict, year: _Year, *, cycles, scheme: Scheme, confidence_level: float
) -> dict:
    """The year-end cycle's ``tables`` plus the year's, in the order of ``ANNUAL_TABLES``."""
    s_h, s_a, ranking = year.h1, year.annual, year.ranking
    comparison, weak_h = year.change.comparison, year.change.weak_dimensions
    tables["ranking_annual_cycle"] = s_a.ranking
    tables["ranking"] = ranking
    tables["final_grades"] = ranking[FINAL_GRADES_COLUMNS].reset_index(drop=True)
    tables["comparison"] = comparison
    tables["rank_movement"] = rank_movement(s_h.ranking, s_a.ranking)
    tables["weak_units_followup"] = weak_units_followup(
        s_h,
        s_a,
        weak_h1=weak_h,
        weak_annual=tables["weak_dimensions"],
        comparison=comparison,
        year_ranking=ranking,
        confidence_level=confidence_level,
    )
    tables["one_cycle_units"] = one_cycle_units(ranking, *year.units, cycles=cycles)
    tables["rectification"] = rectification_table(
        ranking,
        tables["weak_dimensions"],
        tables["comments"],
        scheme=scheme,
        score_column="composite_year",
    )
    return {name: tables[name] for name in ANNUAL_TABLES}


__all__ = [
    "annual",
]
