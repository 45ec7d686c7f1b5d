"""The half-year analysis of a cycle: :func:`half_year`, read as a list of named steps.

:func:`cycle_tables` computes every table of one cycle (the annual analysis uses it for its
year-end cycle).

Examples
--------
>>> a = half_year("2026H1", n_resamples=500, seed=1)  # doctest: +SKIP
>>> a.tables["ranking"].query("standing == 'last'")["unit_name"].tolist()  # doctest: +SKIP
['综治办']
"""

from __future__ import annotations

import pandas as pd

from evalstats.analyses.cycle.change import cycle_change
from evalstats.analyses.cycle.columns import HALF_YEAR_TABLES
from evalstats.analyses.cycle.flagged import without_flagged
from evalstats.analyses.cycle.options import (
    STREAM_GROUPS,
    check_backend,
    resolve_options,
    stream_rng,
)
from evalstats.analyses.cycle.parameters import locate_cycle, sibling_cycle
from evalstats.analyses.cycle.public import apply_tier
from evalstats.analyses.cycle.read import all_units, read_cycles, score_read, validated_of
from evalstats.analyses.cycle.rectification import rectification_table
from evalstats.analyses.cycle.result import Analysis
from evalstats.analyses.cycle.summary import cycle_summary
from evalstats.analyses.cycle.tables import (
    comments_table,
    group_differences,
    levels_table,
    reliability_table,
    response_table,
    weak_dimensions,
)
from evalstats.core.cycles import check_cycle
from evalstats.core.options import check_option
from evalstats.core.vocab import TIERS
from evalstats.stats import quality as _quality
from evalstats.stats.pipeline import CycleScores, score_counts, score_cycle


def cycle_tables(
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
            design=scored.design,
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
        Seed of every random step (see "Random numbers" in the package docstring).
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
    folder, shown = locate_cycle(data_dir, cycle)
    prev = None
    if previous_cycle not in (None, ""):
        prev = check_cycle(previous_cycle, name="previous_cycle")
    if prev == cycle:
        raise ValueError(f"previous_cycle must differ from cycle; both are {cycle!r}")
    shown_all = [shown] + ([sibling_cycle(folder, shown, prev)[1]] if prev else [])
    backend, memory_limit, scheduler = check_backend(backend, memory_limit, scheduler, folder)
    with read_cycles(
        shown_all,
        [cycle, prev][: len(shown_all)],
        [True, False][: len(shown_all)],
        scheme=scheme,
        backend=backend,
        memory_limit=memory_limit,
        scheduler=scheduler,
    ) as (read, *before):
        v = validated_of(read)
        scored, tables, qc, flagged = cycle_tables(
            read, level=level, n_resamples=n_resamples, seed=seed, method=method, tier=tier
        )
        change = None
        if before:
            change = cycle_change(
                score_read(
                    before[0], level=level, n_resamples=n_resamples, seed=seed, method=method
                ),
                scored,
                units=all_units(v, validated_of(before[0])),
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
    summary = cycle_summary(
        "half_year",
        v,
        scored,
        tables,
        scheme=scheme,
        options=options,
        flagged=len(flagged),
        annual=None,
    )
    tables, summary, public_counts, unpublished = apply_tier(
        "half_year", tables, summary, tier=tier, scored=scored, validated=v, scheme=scheme
    )
    return Analysis(
        kind="half_year",
        cycle=cycle,
        scheme=scheme,
        validated={cycle: v},
        scored={cycle: scored},
        tables=tables,
        summary=summary,
        quality_comparison=qc,
        options=options,
        tier=tier,
        public_counts=public_counts,
        change=change,
        unpublished=unpublished,
    )


__all__ = [
    "cycle_tables",
    "half_year",
]
