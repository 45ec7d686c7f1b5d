"""Official scores and ranking beside the same recomputed without the flagged forms.

:func:`with_and_without` reruns the pipeline without the forms
:func:`~evalstats.stats.quality.flags.flagged_form_ids` marks, with the same random numbers;
:func:`ranking_comparison` puts two rankings side by side (``CHANGE_COLUMNS``).

Examples
--------
>>> _same(["a", None], ["a", None]).tolist()
[True, True]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalstats.core.options import check_n_resamples, check_rng
from evalstats.core.scheme import Scheme
from evalstats.counts.tally import pattern_counts, tally
from evalstats.inputs.validate import ValidatedCycle
from evalstats.stats.moved import moved_method
from evalstats.stats.quality.flags import (
    DEFAULT_EXCLUDE,
    check_checks,
    check_flags,
    flagged_form_ids,
)
from evalstats.stats.quality.source import prepare_forms, unpack_source
from evalstats.stats.rank import rank_units
from evalstats.stats.score import composites, scores_table

_STR = "str"
CHANGE_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "rank",
    "rank_excl_flagged",
    "standing",
    "standing_excl_flagged",
    "grade",
    "grade_excl_flagged",
    "composite",
    "composite_excl_flagged",
    "changed",
]


@dataclass(frozen=True)
class QualityComparison:
    """Official scores and ranking beside the same recomputed without the flagged forms.

    Attributes
    ----------
    scores, ranking : DataFrame
        The official tables (every valid form): :func:`evalstats.stats.score.scores_table` and
        :func:`evalstats.stats.rank.rank_units`.
    scores_excl_flagged, ranking_excl_flagged : DataFrame
        The same tables without the forms in ``excluded``.
    changes : DataFrame
        The units whose rank, standing or grade changes (``CHANGE_COLUMNS``; ``changed`` names
        what changed, joined by ``;``).
    excluded : pandas.Index
        The form ids left out of the recomputation.
    checks : tuple of str
        The checks whose forms were left out.
    comparison : DataFrame
        Every unit side by side (``CHANGE_COLUMNS``), as :meth:`to_frame` returns it.
    scheme : Scheme
        The scheme (grade labels of
        :func:`evalstats.present.words.describe_quality_comparison`).
    """

    scores: pd.DataFrame
    ranking: pd.DataFrame
    scores_excl_flagged: pd.DataFrame
    ranking_excl_flagged: pd.DataFrame
    changes: pd.DataFrame
    excluded: pd.Index
    checks: tuple
    comparison: pd.DataFrame
    scheme: Scheme | None = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """Every unit side by side (``CHANGE_COLUMNS``); ``changes`` is its changed rows."""
        return self.comparison

    # the sentences are presentation (issue 12)
    __getattr__ = moved_method(
        "QualityComparison",
        {"describe": "evalstats.present.words.describe_quality_comparison(cmp, lang)"},
    )


def _official(forms, units, *, incidents, scheme, n_resamples, seed):
    counts = tally(forms, scheme)
    patterns = pattern_counts(forms, scheme)
    scores = scores_table(counts, units=units, scheme=scheme, patterns=patterns)
    comp = composites(counts, units=units, scheme=scheme, patterns=patterns)
    ranking = rank_units(
        comp,
        patterns=patterns,
        incidents=incidents,
        scheme=scheme,
        n_resamples=n_resamples,
        rng=np.random.default_rng(seed),
    )
    return scores, ranking


def _same(a, b) -> np.ndarray:
    a = pd.Series(a).astype(object)
    b = pd.Series(b).astype(object)
    both_na = a.isna().to_numpy() & b.isna().to_numpy()
    eq = a.fillna("\0").astype(str).to_numpy() == b.fillna("\0").astype(str).to_numpy()
    return both_na | eq


def with_and_without(
    validated,
    flags: pd.DataFrame,
    *,
    units: pd.DataFrame | None = None,
    incidents: pd.DataFrame | None = None,
    scheme: Scheme | None = None,
    checks=DEFAULT_EXCLUDE,
    n_resamples: int = 10_000,
    rng=None,
) -> QualityComparison:
    """Official scores and ranking, and the same without the forms the flags mark.

    The official tables use every valid form.  The recomputation drops the forms
    :func:`flagged_form_ids` returns for ``checks`` and runs the same pipeline —
    :func:`evalstats.counts.tally.tally` and :func:`~evalstats.counts.tally.pattern_counts`, then
    :func:`evalstats.stats.score.scores_table`, :func:`~evalstats.stats.score.composites` and
    :func:`evalstats.stats.rank.rank_units` — with the same random numbers (one seed drawn from
    ``rng`` serves both bootstraps), so with nothing flagged both are identical.

    Parameters
    ----------
    validated : ValidatedCycle or DataFrame
        The validated cycle (or its forms table).
    flags : DataFrame
        :func:`quality_flags` of the same cycle.
    units : DataFrame, optional
        ``unit, name, series`` (default: the validated cycle's units; required for a forms
        table).
    incidents : DataFrame, optional
        Veto incidents (default: the validated cycle's).
    scheme : Scheme, path or None
    checks : sequence of str
        Checks whose forms are left out (see :func:`flagged_form_ids`).
    n_resamples : int
        Bootstrap replicates of the ranking uncertainty (default 10,000).
    rng : None, int or numpy.random.Generator
        Seed of the bootstrap.

    Returns
    -------
    QualityComparison

    Examples
    --------
    >>> from evalstats.inputs.validate import validate_cycle
    >>> v = validate_cycle("data/raw/2026H1")  # doctest: +SKIP
    >>> cmp = with_and_without(v, quality_flags(v), rng=1)  # doctest: +SKIP
    >>> cmp.describe("en")[0]  # doctest: +SKIP
    """
    forms, scheme, _iss, _dup, _void, units = unpack_source(
        validated, scheme=scheme, forms_issued=None, duplicates=None, voided=None, units=units
    )
    if units is None:
        raise ValueError("units is required with a forms table: a table with unit, name, series")
    if incidents is None and isinstance(validated, ValidatedCycle):
        incidents = validated.incidents
    flags = check_flags(flags)
    checks = check_checks(checks)
    n_resamples = check_n_resamples(n_resamples)
    gen = check_rng(rng)
    d = prepare_forms(forms, scheme, units)
    cycles = sorted(set(d.cycle.tolist()))
    other = sorted(set(flags["cycle"].astype(str)) - set(cycles))
    if other:
        raise ValueError(f"flags belong to cycle(s) {other}, not to the forms' {cycles}")
    excluded = flagged_form_ids(flags, checks=checks, cycle=cycles[0] if len(cycles) == 1 else None)
    unknown = sorted(set(excluded) - set(d.form_id.tolist()))
    if unknown:
        raise ValueError(f"flags name form id(s) not in the forms: {unknown[:10]}")
    seed = int(gen.integers(0, 2**63 - 1))
    keep = (
        ~pd.Series(d.form_id, dtype=object).isin(excluded).to_numpy()
    )  # np.isin on objects is quadratic
    scores, ranking = _official(
        d.forms, units, incidents=incidents, scheme=scheme, n_resamples=n_resamples, seed=seed
    )
    scores_x, ranking_x = _official(
        d.forms.loc[keep].reset_index(drop=True),
        units,
        incidents=incidents,
        scheme=scheme,
        n_resamples=n_resamples,
        seed=seed,
    )
    comparison = ranking_comparison(ranking, ranking_x)
    changes = comparison[comparison["changed"] != ""].reset_index(drop=True)
    return QualityComparison(
        scores=scores,
        ranking=ranking,
        scores_excl_flagged=scores_x,
        ranking_excl_flagged=ranking_x,
        changes=changes,
        excluded=excluded,
        checks=checks,
        comparison=comparison,
        scheme=scheme,
    )


def ranking_comparison(ranking: pd.DataFrame, ranking_x: pd.DataFrame) -> pd.DataFrame:
    """The ranking beside the ranking without flagged forms (``*_excl_flagged`` columns) and
    what changed (rank, standing, grade); used by the cycle analysis's quality tables."""
    cols = ["rank", "standing", "grade", "composite"]
    a = ranking[["cycle", "unit", "unit_name", "series", *cols]]
    b = ranking_x[["cycle", "unit", *cols]].rename(columns={c: f"{c}_excl_flagged" for c in cols})
    m = a.merge(b, on=["cycle", "unit"], how="left", sort=False)
    changed = np.full(len(m), "", dtype=object)
    for c in ("rank", "standing", "grade"):
        diff = ~_same(m[c], m[f"{c}_excl_flagged"])
        changed = np.where(diff, np.where(changed == "", c, changed + ";" + c), changed)
    m["changed"] = pd.array(changed.tolist(), dtype=_STR)
    return m[CHANGE_COLUMNS].reset_index(drop=True)


__all__ = [
    "CHANGE_COLUMNS",
    "QualityComparison",
    "ranking_comparison",
    "with_and_without",
]
