"""Ranking uncertainty: ``p_last``, ``p_top3`` and a rank interval by bootstrap.

:func:`rank_uncertainty` resamples whole forms within cycle × unit × group cells
(:mod:`~evalstats.stats.rank.resample`), recomputes the composites
(:mod:`~evalstats.stats.rank.cells`) and ranks them per series
(:mod:`~evalstats.stats.rank.replicates`).

Examples
--------
>>> UNCERTAINTY_COLUMNS[-2:]
['n_resamples', 'confidence_level']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from evalstats.core.options import check_confidence_level, check_n_resamples, check_rng
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.design import Design
from evalstats.stats.rank.cells import prepare_cells, weight_matrix
from evalstats.stats.rank.checks import (
    check_cycle_weights,
    check_frame,
    check_large_cell_threshold,
    check_unit_codes,
)
from evalstats.stats.rank.linearised import respondent_sampler
from evalstats.stats.rank.replicates import RankBlock, rank_quantile, run_replicates
from evalstats.stats.rank.resample import LARGE_CELL_THRESHOLD
from evalstats.stats.units import check_units_table

__all__ = ["UNCERTAINTY_COLUMNS", "rank_uncertainty", "series_order"]

UNCERTAINTY_COLUMNS = [
    "cycle",
    "unit",
    "series",
    "p_last",
    "p_top3",
    "rank_low",
    "rank_high",
    "n_resamples",
    "confidence_level",
]


def series_order(values: Iterable[str], scheme: Scheme) -> list[str]:
    """The series present in ``values``: the scheme's series in scheme order, then others
    sorted."""
    known = list(scheme.series_codes)
    present = set(values)
    return [s for s in known if s in present] + sorted(present - set(known))


def rank_uncertainty(
    patterns: pd.DataFrame,
    *,
    units: pd.DataFrame,
    scheme: Scheme | None = None,
    n_resamples: int = 10_000,
    confidence_level: float = 0.95,
    rng=None,
    exclude_from_top: Iterable[str] | None = None,
    cycle_weights: Mapping[str, float] | None = None,
    combined_cycle: str | None = None,
    large_cell_threshold: int | None = LARGE_CELL_THRESHOLD,
    design: Design | None = None,
) -> pd.DataFrame:
    """Probability of being last, of being in the top n, and a rank interval, by bootstrap.

    Parameters
    ----------
    patterns : DataFrame
        Answer-pattern counts, ``evalstats.counts.tally.pattern_counts(forms)``: columns ``cycle,
        unit, group, <dimension codes>, count``, one row per distinct pattern per cycle ×
        unit × group (repeated rows are added up).
    units : DataFrame
        Columns ``unit`` and ``series`` (and optionally ``cycle``, when the series may change
        between cycles).  Every unit of ``patterns`` must be listed; listed units without
        forms get a row with empty results.
    scheme : Scheme, path or None
        Points, valid levels, group and dimension weights, ``rules.top_n``.
    n_resamples : int
        Bootstrap replicates.
    confidence_level : float
        Coverage of the percentile rank interval.
    rng : None, int or numpy.random.Generator
        Seed or generator (``numpy.random.default_rng``); the same seed and data give the
        same result, whatever the row order of ``patterns``.
    exclude_from_top : iterable of unit codes, optional
        Units that cannot enter the top n (vetoed): they still take part in the ranking of
        scores and in ``p_last``; ``p_top3`` is the probability of a rank ``<= top_n`` among
        the other units (the next unit moves up), and 0 for them.
    cycle_weights : mapping of cycle -> weight, optional
        For the annual result: each unit's replicate composites of these cycles are combined
        as ``Σ w_c composite_c / Σ_{c with a composite} w_c`` (a unit present in one cycle
        uses that one) before ranking, so the forms of every cycle are resampled.  Patterns
        of other cycles are not used.
    combined_cycle : str, optional
        The ``cycle`` written on combined rows (default: the last key of ``cycle_weights``).
    large_cell_threshold : int or None
        Cells with at least this many forms are not resampled but have their replicate sums
        drawn from the normal approximation of the bootstrap (Notes, *Large cells*); ``None``
        resamples every cell.  The default, ``LARGE_CELL_THRESHOLD`` = 64, leaves cells of a
        usual cycle (up to ~60 forms) on the exact resampling.  With a ``design`` of shared
        respondents it counts respondents, and applies only when every cell has that many
        (Notes, *Shared respondents, large cells*).
    design : Design, optional
        The sampling design of the same forms (:func:`evalstats.stats.design.respondent_design`;
        for combined cycles, :func:`evalstats.stats.design.combine_designs`).  When forms share
        respondents, respondents are resampled instead of forms (Notes, *Shared
        respondents*); otherwise it changes nothing.

    Returns
    -------
    DataFrame
        ``cycle, unit, series, p_last, p_top3, rank_low, rank_high, n_resamples,
        confidence_level``, one row per ranked unit (cycle × series, then unit order).
        ``rank_low``/``rank_high`` are nullable integers.  A unit without forms, or without
        any valid answer, has empty probabilities and rank interval and ``n_resamples`` 0.

    Notes
    -----
    *Resampling.*  The form is the unit of sampling: within each cycle × unit × group cell
    the ``n`` returned forms are drawn ``n`` times with replacement, so a form's answers stay
    together (a respondent who rates every dimension low moves as one), and the groups are
    separate strata with their own ``n`` fixed, as in the stratified (multi-sample) bootstrap
    of Efron & Tibshirani (1993) [1]_.  Drawing the counts of a cell's distinct
    patterns as ``Multinomial(n; count / n)`` is the same distribution; it is used for cells
    with many forms per distinct pattern, uniform form draws for the others.  Each replicate
    recomputes the scores per cell, the weighted scores and the composite exactly as the point
    estimate does (a cell that happens to have no valid answer in a dimension drops out and
    the weights of the others are renormalised).  Cycles are resampled independently.

    *Large cells.*  A replicate needs of each cell only the vector ``T`` of its sums: per
    dimension, the sum of points over valid answers and the number of valid answers.  ``T``
    is the sum of ``n`` forms drawn with replacement from the cell, i.e. of ``n`` iid draws
    from the cell's empirical distribution, so its bootstrap distribution has exactly mean
    ``n·m`` and covariance ``n·S`` (``m``, ``S``: the mean and population covariance of the
    per-form vectors, weighted by pattern counts) and, by the multivariate central limit
    theorem, is approximately ``N(n·m, n·S)`` for large ``n`` (Efron & Tibshirani 1993 [1]_,
    on the bootstrap distribution of a mean; Hall 1992 [4]_ on its normal and Edgeworth
    expansions).  For a cell with ``n >= large_cell_threshold`` forms ``T`` is drawn from that
    normal (eigen-root of ``n·S``, one standard normal vector per replicate) instead of
    resampling its forms; a drawn valid count below 1 is read as no valid answer (count and
    sum set to 0), which cannot happen in practice for a dimension answered on a fair share
    of the forms.  Everything after ``T`` (scores, renormalisation, composites, ranks) is as
    for resampled cells, and small cells in the same unit (the 5-form supervisor groups)
    stay on exact resampling.  *The threshold:* the leading error of the normal approximation
    of a standardised sum is the Edgeworth term ``γ / (6 √n)`` (``γ``: skewness of one form's
    score), at most ``1 / (6 √64) ≈ 0.02`` in tail probabilities at ``n = 64`` for
    ``|γ| <= 1``, typical of 4-level satisfaction answers; the composite is a weighted mean over
    many cells, which shrinks it further.  ``tests/test_rank.py`` checks that ``p_last``,
    ``p_top3`` and the rank intervals agree with exact resampling on cells of 64–120 forms
    (mostly 满意, a few 不满意: skewed sums) and of 400–800 forms.  The approximation makes the
    cost per large cell and replicate ``O(D²)`` instead of ``O(n)``, so the cost of a ranking
    is bounded by that of cells just under the threshold, whatever the number of forms (64 was
    chosen by measuring both; see ``LARGE_CELL_THRESHOLD`` in
    :mod:`~evalstats.stats.rank.resample`).

    *Shared respondents.*  When one respondent returned forms for several units (``design``
    of kind ``"respondents"``), the respondent is the sampling unit: each replicate draws, in
    every stratum (cycle × respondent group), as many respondents as it has, uniformly with
    replacement, and every cell's sums are the sums of the drawn respondents' answers to it —
    the stratified cluster bootstrap (Davison & Hinkley 1997, ch. 3.8 [5]_), one draw for all
    units at once, so a harsh respondent lowers every unit they rated in the same replicate
    and the differences between units are as noisy as the data say.  A draw is a vector of
    respondent weights (multinomial counts) applied to the per-respondent sums of each cell
    (:class:`~evalstats.stats.rank.clustered.RespondentResampler`); the number of forms of a
    cell varies between replicates.  The rest (scores, composites, ranks) is as above.

    *Shared respondents, large cells.*  When moreover every cell of the ranking has at least
    ``large_cell_threshold`` respondents (``None``: never), the replicate *composites* are
    drawn from the normal approximation of this bootstrap
    (:class:`~evalstats.stats.rank.linearised.RespondentNormal`).  A composite is a smooth
    function of its cells' sums (ratios ``s_cd / n_cd`` averaged with fixed weights), so to
    first order — the delta method, or linearisation, for the bootstrap of a smooth function
    of means (Efron & Tibshirani 1993, ch. 21 [1]_; Shao & Tu 1995 [6]_; Wolter 2007,
    ch. 6 [7]_) — a replicate's composites are the observed ones plus the sum over the drawn
    respondents of their influence values ``z_i`` (the gradient of every unit's composite at
    the observed sums applied to respondent ``i``'s own sums, centred: ``z_ir = Σ_d a_cd
    (s_icd - ȳ_cd n_icd) / n_cd``).  Drawing ``n_h`` respondents with replacement in stratum
    ``h`` gives that sum the covariance ``Σ = Σ_h Σ_{i in h} (z_i - z̄_h)(z_i - z̄_h)ᵀ``
    exactly, and a normal distribution as the cells grow; each replicate draws the composites
    from ``N(composite, Σ)`` (symmetric square root of ``Σ``, so the draw does not depend on the
    order of respondents) and ranks them as above.  A harsh respondent's influence is negative
    for every unit they rated, so ``Σ`` keeps the correlation between units that the
    respondent design is about.  The error of the approximation is of the same order as for
    large cells of forms (skewness of a cell's sum ``/ (6 √n)``, second-order terms of the
    ratio ``O(1/n)``); ``tests/test_linearised.py`` checks ``p_last``, ``p_top3`` and the rank
    intervals against the exact respondent bootstrap on cells of 72–150 respondents with
    skewed answers, and ``Σ`` against the variance of exact replicates and a numerical
    gradient of the composer.  The cost is ``O(respondents × units)`` for the influence values,
    ``O(respondents × units²)`` for ``Σ`` and ``O(replicates × units²)`` for the draws,
    instead of ``O(respondents × cells × replicates)``: the 100,000-respondent × 200-unit
    survey of ``benchmarks/bench_wide.py`` ranks in seconds.  When a single cell has fewer
    respondents (the five supervisors of a unit, the wide demo's cells of at most 60) every
    cell is resampled exactly, as above.

    *Ranks.*  Within each series (and cycle) of every replicate, units are ranked highest
    composite first, ties sharing the lowest rank (min-rank, as the official ranking).  A
    unit is *last* in a replicate when its composite equals the lowest of its series, so
    with ties at the bottom each tied unit counts and ``p_last`` summed over a series
    exceeds 1 by the share of replicates with such ties.  ``p_top3`` counts replicates with
    rank ``<= scheme.rules.top_n`` among the units not in ``exclude_from_top``.  The rank
    interval is the percentile interval of the replicate ranks: the ⌈α/2·B⌉-th and
    ⌈(1 − α/2)·B⌉-th smallest of ``B`` replicate ranks, ``α = 1 − confidence_level`` —
    the "rank interval" of league tables (Goldstein & Spiegelhalter 1996) [2]_.  A unit with
    no composite in a replicate (possible only when all its valid answers can be drawn away)
    is not ranked in that replicate.

    *Caveats.*  The bootstrap treats the returned forms as a random sample of each group;
    it says nothing about who was chosen to receive forms.  Bootstrap rank intervals are
    known to be unreliable when true scores are tied or nearly so (Hall & Miller 2009) [3]_:
    read ``p_last`` as a measure of how clearly the data single a unit out, not as an exact
    probability.  The veto does not enter: ``p_last`` is about the scores.

    *Speed.*  Replicates are processed in chunks; per chunk and class of cells one
    ``Generator.integers`` (or ``multinomial``) call, one ``bincount`` and one batched matrix
    product give the per-cell sums of points and valid answers, and sparse weight matrices
    give the composites; chunks run on two threads, each chunk with its own generator seeded
    from ``rng`` (so the thread count does not change the result).  200 units of about 60
    forms × 10,000 replicates take about 0.6 s on this project's 2-core machine, 1.0 s on one
    thread (``benchmarks/bench_rank.py``).

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
       Chapman & Hall.
    .. [2] Goldstein, H. & Spiegelhalter, D. J. (1996). League tables and their limitations:
       statistical issues in comparisons of institutional performance. *Journal of the Royal
       Statistical Society A* 159(3), 385–443.
    .. [3] Hall, P. & Miller, H. (2009). Using the bootstrap to quantify the authority of an
       empirical ranking. *Annals of Statistics* 37(6B), 3929–3959.
    .. [4] Hall, P. (1992). *The Bootstrap and Edgeworth Expansion*. Springer.
    .. [5] Davison, A. C. & Hinkley, D. V. (1997). *Bootstrap Methods and their
       Application*. Cambridge University Press.
    .. [6] Shao, J. & Tu, D. (1995). *The Jackknife and Bootstrap*. Springer.
    .. [7] Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed. Springer.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.core.scheme import load_scheme
    >>> s = load_scheme()
    >>> dims = {d: ["satisfied", "dissatisfied"] for d in s.dimension_codes}
    >>> p = pd.DataFrame({"cycle": "2026H1", "unit": ["A", "B"], "group": "enterprise",
    ...                   **dims, "count": [40, 40]})
    >>> u = pd.DataFrame({"unit": ["A", "B"], "series": "administration"})
    >>> r = rank_uncertainty(p, units=u, n_resamples=200, rng=1)
    >>> print(r[["unit", "p_last", "rank_low", "rank_high"]].to_string(index=False))
    unit  p_last  rank_low  rank_high
       A     0.0         1          1
       B     1.0         2          2
    """
    return _rank_uncertainty(
        patterns,
        units=units,
        scheme=scheme,
        n_resamples=n_resamples,
        confidence_level=confidence_level,
        rng=rng,
        exclude_from_top=exclude_from_top,
        cycle_weights=cycle_weights,
        combined_cycle=combined_cycle,
        large_cell_threshold=large_cell_threshold,
        design=design,
    )[0]


def _rank_uncertainty(
    patterns,
    *,
    units,
    scheme,
    n_resamples,
    confidence_level,
    rng,
    exclude_from_top,
    cycle_weights,
    combined_cycle,
    large_cell_threshold=LARGE_CELL_THRESHOLD,
    design=None,
) -> tuple[pd.DataFrame, list[RankBlock]]:
    """:func:`rank_uncertainty` and its blocks (for tests: ``extra_last`` per series)."""
    scheme = resolve_scheme(scheme)
    n_resamples = check_n_resamples(n_resamples)
    level = check_confidence_level(confidence_level)
    gen = check_rng(rng)
    large_cell_threshold = check_large_cell_threshold(large_cell_threshold)
    check_frame("patterns", patterns, ["cycle", "unit", "group", "count"])
    table = check_units_table(units, per_cycle=True)
    excluded = set() if exclude_from_top is None else check_unit_codes(exclude_from_top)
    weights, combined_cycle, patterns = _combined_cycles(patterns, cycle_weights, combined_cycle)
    cells = prepare_cells(patterns, scheme)
    rows, combine = _ranking_rows(cells, table, weights=weights, combined_cycle=combined_cycle)
    blocks = _blocks(rows, excluded)
    if design is not None and not isinstance(design, Design):
        raise TypeError(f"design must be a Design; got {type(design).__name__}")
    sampler = None
    if len(cells.cell_row) and design is not None and design.shared:
        sampler = respondent_sampler(cells, design, scheme, n_resamples, large_cell_threshold)
    if len(cells.cell_row):
        run_replicates(
            cells,
            scheme,
            blocks,
            combine=combine,
            n_resamples=n_resamples,
            gen=gen,
            top_n=scheme.rules.top_n,
            large_cell_threshold=large_cell_threshold,
            sampler=sampler,
        )
    out = _results(rows, blocks, n_resamples=n_resamples, level=level)
    out = _with_units_without_forms(out, table, rows["cycle"].to_numpy())
    out["n_resamples"] = np.int64(n_resamples)
    out["confidence_level"] = level
    out.loc[out["p_last"].isna(), "n_resamples"] = 0
    order = series_order(out["series"], scheme)
    out["_s"] = out["series"].map({s: i for i, s in enumerate(order)})
    out = out.sort_values(["cycle", "_s", "unit"], kind="stable").drop(columns="_s")
    return out[UNCERTAINTY_COLUMNS].reset_index(drop=True), blocks


def _combined_cycles(patterns, cycle_weights, combined_cycle):
    """Checked weights, the combined cycle's id and the patterns of the weighted cycles."""
    weights = None
    if cycle_weights is not None:
        weights = check_cycle_weights(cycle_weights)
        if combined_cycle is None:
            combined_cycle = list(weights)[-1]
        patterns = patterns[patterns["cycle"].astype(str).isin(list(weights))]
    elif combined_cycle is not None:
        raise ValueError("combined_cycle is given without cycle_weights")
    return weights, combined_cycle, patterns


def _ranking_rows(cells, table, *, weights, combined_cycle):
    """The ranked rows ``cycle, unit, series`` (one per composite of the composer output, or
    per unit when cycles are combined) and the sparse matrix that combines cycles (or None)."""
    if weights is None:
        row_cycle = np.array(cells.cycles, dtype=object)[cells.row_cycle]
        combine = None
    else:
        ucodes, row_to_unit = np.unique(cells.row_unit, return_inverse=True)
        w_row = np.array([weights[cells.cycles[c]] for c in cells.row_cycle])
        combine = weight_matrix(
            row_to_unit,
            np.arange(len(cells.row_unit)),
            w_row,
            (len(ucodes), len(cells.row_unit)),
        )
        row_cycle = np.array([str(combined_cycle)] * len(ucodes), dtype=object)
    row_unit = np.array(cells.units, dtype=object)[cells.row_unit if weights is None else ucodes]
    rows = pd.DataFrame({"cycle": row_cycle, "unit": row_unit})
    keys = ["cycle", "unit"] if "cycle" in table.columns else ["unit"]
    rows = rows.merge(table, on=keys, how="left")
    if rows["series"].isna().any():
        bad = sorted(rows.loc[rows["series"].isna(), "unit"].unique())
        raise ValueError(f"units has no series for unit(s) {bad} found in patterns")
    return rows, combine


def _blocks(rows: pd.DataFrame, excluded: set[str]) -> list[RankBlock]:
    """One :class:`RankBlock` per cycle × series, with empty counts."""
    blocks = []
    unit_codes = rows["unit"].to_numpy().astype(str)
    for idx in rows.groupby(["cycle", "series"], sort=True).indices.values():
        idx = np.sort(idx)
        k = len(idx)
        eligible = ~np.isin(unit_codes[idx], sorted(excluded))
        blocks.append(
            RankBlock(
                idx,
                eligible,
                np.zeros(k, np.int64),
                np.zeros(k, np.int64),
                np.zeros((k, k + 1), np.int64),
            )
        )
    return blocks


def _results(rows, blocks, *, n_resamples: int, level: float) -> pd.DataFrame:
    """``cycle, unit, series, p_last, p_top3, rank_low, rank_high`` of the ranked rows."""
    alpha = 1 - level
    out = rows[["cycle", "unit", "series"]].copy()
    p_last = np.full(len(rows), np.nan)
    p_top = np.full(len(rows), np.nan)
    lo = np.full(len(rows), np.nan)
    hi = np.full(len(rows), np.nan)
    for block in blocks:
        ranked = block.hist.sum(axis=1) > 0  # a unit never ranked has no composite at all
        p_last[block.rows] = np.where(ranked, block.last / n_resamples, np.nan)
        p_top[block.rows] = np.where(ranked, block.top / n_resamples, np.nan)
        lo[block.rows] = rank_quantile(block.hist, alpha / 2)
        hi[block.rows] = rank_quantile(block.hist, 1 - alpha / 2)
    out["p_last"] = p_last
    out["p_top3"] = p_top
    out["rank_low"] = pd.array(lo, dtype="Float64").astype("Int64")
    out["rank_high"] = pd.array(hi, dtype="Float64").astype("Int64")
    return out


def _with_units_without_forms(out, table, row_cycle) -> pd.DataFrame:
    """``out`` plus a row with empty results for each listed unit without forms."""
    cycles_out = sorted(set(row_cycle)) if len(row_cycle) else []
    if "cycle" in table.columns:
        extra = table[table["cycle"].isin(cycles_out)]
    else:
        extra = pd.DataFrame(
            [
                (c, u, s)
                for c in cycles_out
                for u, s in zip(table["unit"], table["series"], strict=True)
            ],
            columns=["cycle", "unit", "series"],
        )
    extra = extra.merge(out[["cycle", "unit"]], on=["cycle", "unit"], how="left", indicator=True)
    extra = extra.loc[extra["_merge"] == "left_only", ["cycle", "unit", "series"]]
    if len(extra):
        out = pd.concat([out, extra], ignore_index=True)
    return out
