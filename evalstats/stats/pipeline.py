"""One cycle, scored end to end: validated forms → tally → scores → composites → ranking.

These two functions are the glue the notebooks and the runner call; every statistic lives in
:mod:`~evalstats.counts.tally`, :mod:`~evalstats.stats.score` and :mod:`~evalstats.stats.rank`.

Examples
--------
>>> from evalstats.inputs.validate import validate_cycle
>>> from evalstats.stats.pipeline import score_cycle, score_year
>>> h1 = score_cycle(validate_cycle("data/raw/2026H1"), rng=1)  # doctest: +SKIP
>>> a = score_cycle(validate_cycle("data/raw/2026A"), rng=1)  # doctest: +SKIP
>>> year = score_year(h1, a, rng=1)  # doctest: +SKIP

A cycle counted by a backend (out of core, or on a cluster) is scored from its counts:

>>> from evalstats.counts.backends import count_cycle
>>> big = score_counts(count_cycle("data/raw/2026L", backend="duckdb"), rng=1)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evalstats.core.options import check_confidence_level
from evalstats.core.scheme import Scheme
from evalstats.counts.tally import pattern_counts, tally
from evalstats.stats.design import (
    RESPONDENT_COLUMN,
    Design,
    combine_designs,
    forms_design,
    respondent_design,
)
from evalstats.stats.rank import rank_units
from evalstats.stats.score import composite_year, composites, scores_table


@dataclass(frozen=True)
class CycleScores:
    """The scored cycle: the tally, the pattern counts and the two contract tables.

    Attributes
    ----------
    cycle : str
    counts : DataFrame
        :func:`evalstats.counts.tally` of the cycle (the sufficient statistic).
    patterns : DataFrame
        :func:`evalstats.pattern_counts` (keeps a form's answers together).
    scores : DataFrame
        The ``tables/scores.csv`` contract (:func:`evalstats.scores_table`).
    composites : DataFrame
        One row per unit (:func:`evalstats.composites`).
    ranking : DataFrame
        The ``tables/ranking.csv`` contract (:func:`evalstats.rank_units`).
    incidents : DataFrame
        The cycle's veto incidents, with a ``cycle`` column.
    units : DataFrame
    scheme : Scheme
    design : Design or None
        The forms' sampling design (:func:`evalstats.stats.design.respondent_design`); None
        when scored from counts.
    """

    cycle: str
    counts: pd.DataFrame
    patterns: pd.DataFrame
    scores: pd.DataFrame
    composites: pd.DataFrame
    ranking: pd.DataFrame
    incidents: pd.DataFrame
    units: pd.DataFrame
    scheme: Scheme
    design: Design | None = None


def _incidents_of(validated) -> pd.DataFrame:
    inc = validated.incidents.copy()
    inc.insert(0, "cycle", validated.cycle)
    return inc


def score_cycle(
    validated,
    *,
    method: str = "wilson",
    confidence_level: float | None = None,
    n_resamples: int = 10_000,
    rng=None,
    forms: pd.DataFrame | None = None,
) -> CycleScores:
    """Score one validated cycle: tally, scores table, composites and ranking.

    Parameters
    ----------
    validated : ValidatedCycle
        From :func:`evalstats.inputs.validate.validate_cycle`.
    method : {"wilson", "clopper-pearson", "jeffreys"}
        Interval method of the rates.
    confidence_level : float, optional
        Default: the scheme's ``rules.confidence_level``.
    n_resamples : int
        Bootstrap resamples of the ranking uncertainty.
    rng : int or numpy.random.Generator, optional
        Seed of the bootstrap (reproducible when given).
    forms : DataFrame, optional
        Score these forms instead of ``validated.forms`` (e.g. with flagged forms excluded);
        the units, incidents and scheme still come from ``validated``.

    Returns
    -------
    CycleScores

    See Also
    --------
    score_counts : the same from a backend's counts, without the forms in memory.
    """
    scheme = validated.scheme
    forms = validated.forms if forms is None else forms
    return _score(
        validated,
        tally(forms, scheme),
        pattern_counts(forms, scheme),
        method=method,
        confidence_level=confidence_level,
        n_resamples=n_resamples,
        rng=rng,
        design=(
            respondent_design(forms, scheme=scheme) if RESPONDENT_COLUMN in forms.columns else None
        ),
    )


def score_counts(
    counted,
    *,
    method: str = "wilson",
    confidence_level: float | None = None,
    n_resamples: int = 10_000,
    rng=None,
) -> CycleScores:
    """Score one cycle from its counts: what :func:`score_cycle` gives, without the forms.

    Everything the scores, composites and ranking need is in the tally and the answer-pattern
    counts, whose size does not grow with the number of forms; so a cycle counted out of core
    (DuckDB) or on a cluster (Dask) is scored in memory.  The tables are identical to
    ``score_cycle(validate_cycle(path))`` with the same options and seed.

    Parameters
    ----------
    counted : CycleCounts
        From :func:`evalstats.counts.backends.count_cycle` (any backend), with its pattern counts.
    method, confidence_level, n_resamples, rng
        As in :func:`score_cycle`.

    Returns
    -------
    CycleScores

    Raises
    ------
    TypeError
        ``counted`` is not a CycleCounts.
    ValueError
        It was counted with ``patterns=False``.

    Examples
    --------
    >>> from evalstats.counts.backends import count_cycle
    >>> c = count_cycle("data/raw/2026L", backend="duckdb")  # doctest: +SKIP
    >>> score_counts(c, rng=1).ranking.head()  # doctest: +SKIP
    """
    from evalstats.counts.backends import CycleCounts

    if not isinstance(counted, CycleCounts):
        raise TypeError(
            "counted must be the CycleCounts of evalstats.counts.backends.count_cycle; "
            f"got {type(counted).__name__}"
        )
    if counted.patterns is None:
        raise ValueError(
            "counted has no pattern counts (counted with patterns=False); the intervals and "
            "the ranking need them: count with patterns=True"
        )
    forms = counted.respondents  # forms naming respondents (wide layout): their design
    return _score(
        counted.validated,
        counted.counts,
        counted.patterns,
        method=method,
        confidence_level=confidence_level,
        n_resamples=n_resamples,
        rng=rng,
        design=(
            None if forms is None else respondent_design(forms, scheme=counted.validated.scheme)
        ),
    )


def _score(validated, counts, patterns, *, method, confidence_level, n_resamples, rng, design=None):
    scheme = validated.scheme
    level = check_confidence_level(
        scheme.rules.confidence_level if confidence_level is None else confidence_level
    )
    scores = scores_table(
        counts,
        units=validated.units,
        scheme=scheme,
        method=method,
        confidence_level=level,
        patterns=patterns,
        design=design,
    )
    comp = composites(
        counts,
        units=validated.units,
        scheme=scheme,
        confidence_level=level,
        patterns=patterns,
        design=design,
    )
    incidents = _incidents_of(validated)
    ranking = rank_units(
        comp,
        patterns=patterns,
        incidents=incidents,
        scheme=scheme,
        n_resamples=n_resamples,
        confidence_level=level,
        rng=rng,
        design=design,
    )
    return CycleScores(
        cycle=validated.cycle,
        counts=counts,
        patterns=patterns,
        scores=scores,
        composites=comp,
        ranking=ranking,
        incidents=incidents,
        units=validated.units,
        scheme=scheme,
        design=design,
    )


def score_year(
    half_year: CycleScores,
    annual: CycleScores,
    *,
    n_resamples: int = 10_000,
    confidence_level: float | None = None,
    rng=None,
) -> pd.DataFrame:
    """The annual ranking: rank, grade and veto decided on ``composite_year``.

    ``composite_year`` is the period-weighted combination of the half-year and annual composites
    (``scheme.rules.period_weights``, stated in the ``weight_*`` columns); an incident at any
    time of the year vetoes the unit; the 末位's annual grade is capped at
    ``scheme.rules.last_grade_cap``.  ``composite`` and its interval are the annual cycle's own.

    Returns
    -------
    DataFrame
        The ranking contract plus ``composite_h1``, ``composite_annual``, ``composite_year``
        (with its interval) and the weights.
    """
    scheme = annual.scheme
    level = check_confidence_level(
        scheme.rules.confidence_level if confidence_level is None else confidence_level
    )
    year = composite_year(
        half_year.composites, annual.composites, scheme=scheme, confidence_level=level
    )
    own = annual.composites.set_index("unit")
    for col in ("composite", "composite_ci_low", "composite_ci_high"):
        year[col] = year["unit"].map(own[col]).astype(float)
    weights = {
        half_year.cycle: float(scheme.rules.period_weights["half_year"]),
        annual.cycle: float(scheme.rules.period_weights["annual"]),
    }
    incidents = pd.concat([half_year.incidents, annual.incidents], ignore_index=True)
    incidents = incidents.drop(columns="cycle")  # any incident in the year counts
    patterns = pd.concat([half_year.patterns, annual.patterns], ignore_index=True)
    for col in ("unit", "group"):
        cats = list(
            dict.fromkeys(
                [*half_year.patterns[col].cat.categories, *annual.patterns[col].cat.categories]
            )
        )
        patterns[col] = pd.Categorical(patterns[col].astype(object), categories=cats)
    return rank_units(
        year,
        patterns=patterns,
        incidents=incidents,
        scheme=scheme,
        score_column="composite_year",
        n_resamples=n_resamples,
        confidence_level=level,
        rng=rng,
        cap_last_grade=True,
        cycle_weights=weights,
        design=_year_design(half_year, annual),
    )


def _year_design(half_year: CycleScores, annual: CycleScores) -> Design | None:
    """Both cycles' design when either has shared respondents (else None: forms as before)."""
    parts = [half_year.design, annual.design]
    if not any(d is not None and d.shared for d in parts):
        return None
    parts = [
        d if d is not None else forms_design(c.patterns, scheme=c.scheme)
        for d, c in zip(parts, (half_year, annual), strict=True)
    ]
    return combine_designs(*parts)


__all__ = ["CycleScores", "score_counts", "score_cycle", "score_year"]
