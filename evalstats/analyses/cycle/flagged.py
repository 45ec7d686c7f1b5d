"""The official scores and ranking beside the same without the forms the quality checks flag.

:func:`without_flagged` recomputes one cycle without the forms that bursts and near duplicates
mark — from the forms in memory, or from a backend's pattern counts less the flagged forms'
patterns — with the official run's random numbers.

Examples
--------
>>> a = half_year("2026H1", n_resamples=200, seed=1)  # doctest: +SKIP
>>> a.quality_comparison.changes.empty  # doctest: +SKIP
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.inputs.validate import ValidatedCycle
from evalstats.stats import quality as _quality
from evalstats.stats.design import RESPONDENT_COLUMN
from evalstats.stats.pipeline import CycleScores, score_counts, score_cycle


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
        ids = _quality.form_id_texts(forms["form_id"])
        keep = ~pd.Series(ids, dtype=object).isin(excluded).to_numpy()
        # only what scoring reads: no copy of the ids, comments, times, collectors, sources
        read = ["cycle", "unit", "group", *validated.scheme.dimension_codes]
        read += [c for c in (RESPONDENT_COLUMN,) if c in forms.columns]
        other = score_cycle(
            validated,
            method=method,
            confidence_level=confidence_level,
            n_resamples=n_resamples,
            rng=rng,
            forms=forms.loc[keep, read].reset_index(drop=True),
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
        respondents = counted.respondents
        if respondents is not None:  # the respondent design without them too
            rows = store.query("SELECT row FROM coded WHERE form_id IN (SELECT form_id FROM _x_df)")
            keep = ~respondents["row"].isin(rows["row"]).to_numpy()
            respondents = respondents.loc[keep].reset_index(drop=True)
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
    return replace(
        counted,
        counts=tally_from_patterns(patterns, scheme),
        patterns=patterns,
        respondents=respondents,
    )


__all__ = [
    "without_flagged",
]
