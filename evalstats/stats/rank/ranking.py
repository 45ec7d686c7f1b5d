"""The ranking table (``tables/ranking.csv``): :func:`rank_units`.

Ranks within series with ties, grades (:mod:`~evalstats.stats.rank.grades`), veto
(:mod:`~evalstats.stats.rank.veto`), standing (``top3`` / ``last`` /
``last_not_distinguishable``) and the ranking uncertainty
(:mod:`~evalstats.stats.rank.uncertainty`).

Examples
--------
>>> STANDINGS
('top3', 'last', 'last_not_distinguishable', '')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalstats.core.options import check_confidence_level, check_n_resamples, check_rng
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.design import Design
from evalstats.stats.rank.checks import (
    check_cycle_weights,
    check_frame,
    check_large_cell_threshold,
    check_numeric,
    check_probability,
)
from evalstats.stats.rank.grades import grade_dtype, grade_for
from evalstats.stats.rank.resample import LARGE_CELL_THRESHOLD
from evalstats.stats.rank.uncertainty import rank_uncertainty, series_order
from evalstats.stats.rank.veto import apply_veto

__all__ = ["RANKING_COLUMNS", "STANDINGS", "rank_units"]

RANKING_COLUMNS = [
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
    "p_last",
    "p_top3",
    "tied",
    "standing",
    "grade",
    "veto",
    "veto_reason",
    "veto_note",
    "flags",
]
STANDINGS = ("top3", "last", "last_not_distinguishable", "")


def _flag_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | np.ndarray):
        return ";".join(str(v) for v in value)
    if not isinstance(value, str) and pd.isna(value):
        return ""
    return str(value)


def _add_flag(flags: list[str], mask: np.ndarray, code: str) -> None:
    for i in np.flatnonzero(mask):
        flags[i] = f"{flags[i]};{code}" if flags[i] else code


def rank_units(
    composites: pd.DataFrame,
    *,
    patterns: pd.DataFrame | None = None,
    incidents: pd.DataFrame | None = None,
    scheme: Scheme | None = None,
    score_column: str = "composite",
    n_resamples: int = 10_000,
    confidence_level: float = 0.95,
    rng=None,
    last_min_probability: float | None = None,
    cap_last_grade: bool | None = None,
    cycle_weights: Mapping[str, float] | None = None,
    large_cell_threshold: int | None = LARGE_CELL_THRESHOLD,
    design: Design | None = None,
) -> pd.DataFrame:
    """The ranking table: ranks within series, grades, veto, top 3 / 末位 and their uncertainty.

    Parameters
    ----------
    composites : DataFrame
        One row per cycle × unit, as ``evalstats.stats.score.composites``: ``cycle, unit,
        unit_name, series, composite, composite_ci_low, composite_ci_high, flags`` and
        ``score_column``.  Only ``cycle``, ``unit``, ``series`` and ``score_column`` are
        required; other contract columns are added empty, extra columns are carried through.
        For the annual result pass ``evalstats.stats.score.composite_year`` output: ``composite``
        is then the year-end cycle's ``composite_annual``.
    patterns : DataFrame, optional
        ``evalstats.counts.tally.pattern_counts(forms)`` for the ranking uncertainty
        (:func:`rank_uncertainty`).  Without it ``p_last``, ``p_top3`` and the rank interval
        are empty and a last place cannot be confirmed.
    incidents : DataFrame, optional
        Veto incidents (``unit, date, kind, note``), see :func:`apply_veto`; pass those of
        the cycle, or of the whole year for the annual result.
    scheme : Scheme, path or None
    score_column : str
        The score that decides rank, grade and veto: ``"composite"``, or ``"composite_year"``
        for the annual result (``composite_h1`` etc. are carried through).
    n_resamples, confidence_level, rng, large_cell_threshold
        Passed to :func:`rank_uncertainty`.
    last_min_probability : float, optional
        A last-ranked unit is ``last`` when ``p_last`` reaches this, else
        ``last_not_distinguishable`` (default ``scheme.rules.last_min_probability``).
    cap_last_grade : bool, optional
        Cap the grade of the unit standing ``last`` at ``scheme.rules.last_grade_cap`` (the
        annual rule).  Default: True when ``score_column == "composite_year"``.  A unit
        ranked last but ``last_not_distinguishable`` is not capped; it is flagged
        ``last_grade_cap_withheld``.
    cycle_weights : mapping of cycle -> weight, optional
        Required with ``patterns`` when ``score_column`` is not ``"composite"``: the period
        weights that made ``score_column`` (e.g. ``{"2026H1": 0.4, "2026A": 0.6}``), so that
        the bootstrap resamples the forms of every cycle and combines them the same way.
    design : Design, optional
        The forms' sampling design (:mod:`evalstats.stats.design`), passed to
        :func:`rank_uncertainty`: with shared respondents the bootstrap resamples respondents.

    Returns
    -------
    DataFrame
        Columns ``RANKING_COLUMNS`` (``cycle, unit, unit_name, series, composite,
        composite_ci_low, composite_ci_high, rank, rank_low, rank_high, p_last, p_top3, tied,
        standing, grade, veto, veto_reason, flags``) then any other input columns; rows by
        cycle, series (scheme order), rank, unit.

    Notes
    -----
    *The veto rule* (DOMAIN.md, "Grades, ranking, veto": a vetoed unit leaves the top 3;
    issue 14 item 2).  A vetoed unit (:func:`apply_veto`: an incident, or a score below
    ``scheme.rules.veto_threshold``) is **not ranked**: its ``rank``, ``rank_low``,
    ``rank_high``, ``p_last`` and ``p_top3`` are empty, its ``standing`` is ``""``, its grade
    is ``scheme.rules.veto_grade`` and it is listed after the ranked units of its series
    (reports show its rank as "—（一票否决）").  Everything else — ranks, ties, top 3, 末位,
    ``p_last``, ``p_top3`` and rank intervals — is decided among the units that are not
    vetoed, as if the vetoed ones were not in the series.  This is the one place that rule is
    applied: every table built on the ranking (final grades, the year-end cycle's ranking,
    rank movement, the summary's top 3 and 末位, the rectification list, the letters)
    reads it from here.

    * Ranks are within cycle × series, highest score first; ties share the lowest rank
      (min-rank) and are marked ``tied``.  A unit without a score has no rank, no grade
      (unless vetoed by an incident) and the flag ``no_composite``.
    * Grades by :func:`grade_for` on the unrounded score; a vetoed unit gets
      ``scheme.rules.veto_grade`` (:func:`apply_veto`).
    * ``standing``: ``top3`` for a ranked unit with rank ``<= top_n`` (ties at the boundary
      all enter).  Otherwise, the ranked unit(s) with the lowest score of a series in which
      not every ranked unit ties are last-ranked: ``last`` when ``p_last >=
      last_min_probability``, else ``last_not_distinguishable`` (also when ``p_last`` is
      unknown, flagged ``p_last_unavailable``).  Everyone else: ``""``.
    * ``veto_reason`` and ``veto_note`` (the incidents' 说明) say why a unit is vetoed.

    Examples
    --------
    >>> c = pd.DataFrame({"cycle": "2026H1", "unit": list("ABCDE"), "series": "enforcement",
    ...                   "composite": [95.0, 91.0, 91.0, 85.0, 58.0]})
    >>> t = rank_units(c)
    >>> print(t[["unit", "rank", "tied", "standing", "grade", "veto"]].to_string(index=False))
    unit  rank  tied                 standing     grade  veto
       A     1 False                     top3 excellent False
       B     2  True                     top3 excellent False
       C     2  True                     top3 excellent False
       D     4 False last_not_distinguishable      good False
       E  <NA> False                               poor  True

    E is vetoed (composite below 60): no rank, listed last.  Without ``patterns`` there is no
    ``p_last``, so D's last place is not confirmed.
    """
    scheme = resolve_scheme(scheme)
    opts = _check_options(
        composites,
        scheme=scheme,
        score_column=score_column,
        n_resamples=n_resamples,
        confidence_level=confidence_level,
        rng=rng,
        last_min_probability=last_min_probability,
        cap_last_grade=cap_last_grade,
        cycle_weights=cycle_weights,
        with_patterns=patterns is not None,
        large_cell_threshold=large_cell_threshold,
    )
    df = _table(composites)
    x = check_numeric(f"composites[{score_column!r}]", df[score_column])
    has = ~np.isnan(x)
    flags = [_flag_text(v) for v in (df["flags"] if "flags" in df else [""] * len(df))]
    veto = apply_veto(df, incidents=incidents, scheme=scheme, score_column=score_column)
    vetoed = veto["veto"].to_numpy()
    gcodes = _grade_codes(x, vetoed, df.index, scheme)
    places = _places(df, x, has & ~vetoed, scheme)
    unc = _Uncertainty.empty(len(df))
    if patterns is not None:
        unc = _uncertainty(df, patterns, vetoed, opts=opts, scheme=scheme, design=design)
        _add_flag(flags, has & ~vetoed & ~unc.found, "no_rank_uncertainty")
    standing = _standing(places, unc.p_last, opts=opts, gcodes=gcodes, flags=flags, scheme=scheme)
    _add_flag(flags, ~has, "no_composite")
    out = df.copy()
    out["rank"] = pd.array(places.rank.to_numpy(), dtype="Float64").astype("Int64")
    out["rank_low"] = unc.rank_low
    out["rank_high"] = unc.rank_high
    out["p_last"] = unc.p_last
    out["p_top3"] = unc.p_top
    out["tied"] = places.tied.astype(bool)
    out["standing"] = pd.array(standing, dtype=object)
    out["grade"] = pd.Categorical.from_codes(gcodes, dtype=grade_dtype(scheme))
    out["veto"] = vetoed.astype(bool)
    out["veto_reason"] = veto["veto_reason"].to_numpy()
    out["veto_note"] = veto["veto_note"].to_numpy()
    out["flags"] = pd.array(flags, dtype=object)
    return _sorted(out, places.rank, scheme)


@dataclass(frozen=True)
class _Options:
    """The checked options of one :func:`rank_units` call."""

    score_column: str
    n_resamples: int
    level: float
    gen: np.random.Generator
    large_cell_threshold: int | None
    threshold: float  # last_min_probability
    cap_last_grade: bool
    combined: bool  # score_column combines cycles
    cycle_weights: Mapping[str, float] | None


@dataclass(frozen=True)
class _Places:
    """Ranks within cycle × series and who is tied, last-ranked and in the top n."""

    rank: pd.Series
    tied: np.ndarray
    bottom: np.ndarray
    top: np.ndarray


@dataclass(frozen=True)
class _Uncertainty:
    """``p_last``, ``p_top3`` and the rank interval per row; ``found``: the row has them."""

    p_last: np.ndarray
    p_top: np.ndarray
    rank_low: pd.api.extensions.ExtensionArray
    rank_high: pd.api.extensions.ExtensionArray
    found: np.ndarray

    @classmethod
    def empty(cls, n: int) -> _Uncertainty:
        return cls(
            np.full(n, np.nan),
            np.full(n, np.nan),
            pd.array([pd.NA] * n, dtype="Int64"),
            pd.array([pd.NA] * n, dtype="Int64"),
            np.zeros(n, bool),
        )


def _check_options(
    composites,
    *,
    scheme,
    score_column,
    n_resamples,
    confidence_level,
    rng,
    last_min_probability,
    cap_last_grade,
    cycle_weights,
    with_patterns,
    large_cell_threshold,
) -> _Options:
    if not isinstance(score_column, str):
        raise TypeError(f"score_column must be a column name (str); got {score_column!r}")
    check_frame("composites", composites, ["cycle", "unit", "series", score_column])
    n_resamples = check_n_resamples(n_resamples)
    level = check_confidence_level(confidence_level)
    gen = check_rng(rng)
    large_cell_threshold = check_large_cell_threshold(large_cell_threshold)
    if last_min_probability is None:
        last_min_probability = scheme.rules.last_min_probability
    threshold = check_probability("last_min_probability", last_min_probability)
    if cap_last_grade is None:
        cap_last_grade = score_column == "composite_year"
    if not isinstance(cap_last_grade, bool | np.bool_):
        raise TypeError(f"cap_last_grade must be True, False or None; got {cap_last_grade!r}")
    combined = score_column != "composite"
    if with_patterns and combined and cycle_weights is None:
        raise ValueError(
            f"cycle_weights is required with patterns when score_column is {score_column!r}: "
            "the bootstrap must combine the cycles' composites as the score does"
        )
    if cycle_weights is not None:
        check_cycle_weights(cycle_weights)
    dup = composites.duplicated(["cycle", "unit"], keep=False)
    if dup.any():
        bad = sorted(composites.loc[dup, "unit"].astype(str).unique())
        raise ValueError(f"composites has more than one row per cycle × unit for {bad}")
    return _Options(
        score_column,
        n_resamples,
        level,
        gen,
        large_cell_threshold,
        threshold,
        cap_last_grade,
        combined,
        cycle_weights,
    )


def _table(composites: pd.DataFrame) -> pd.DataFrame:
    """A copy with a fresh index and the optional contract columns added empty."""
    df = composites.copy()
    df.index = pd.RangeIndex(len(df))
    if "composite" not in df.columns and "composite_annual" in df.columns:
        df["composite"] = df["composite_annual"]  # evalstats.stats.score.composite_year output
    for col in ("unit_name", "composite", "composite_ci_low", "composite_ci_high"):
        if col not in df.columns:
            df[col] = np.nan
    return df


def _grade_codes(x, vetoed, index, scheme: Scheme) -> np.ndarray:
    """Grade codes of the scores; a vetoed unit gets the veto grade."""
    grade = grade_for(pd.Series(x, index=index), scheme=scheme)
    gcodes = grade.cat.codes.to_numpy().copy()
    gcodes[vetoed] = scheme.grade_codes.index(scheme.rules.veto_grade)
    return gcodes


def _places(df, x, ranked, scheme: Scheme) -> _Places:
    """Min-ranks within cycle × series among the ``ranked`` rows (a score, not vetoed; the
    others get no rank); ties; the last-ranked and the top n."""
    keys = [df["cycle"].astype(str), df["series"].astype(str)]
    score = pd.Series(x, index=df.index).where(ranked)
    rank = score.groupby(keys).rank(method="min", ascending=False)
    max_rank = rank.groupby(keys).transform("max")
    n_at = rank.groupby([*keys, rank]).transform("size") if ranked.any() else rank
    tied = ranked & (pd.Series(n_at, index=df.index).fillna(0).to_numpy() > 1)
    bottom = ranked & (rank == max_rank).to_numpy() & (max_rank > 1).to_numpy()
    top = ranked & (rank <= scheme.rules.top_n).to_numpy()
    bottom &= ~top
    return _Places(rank, tied, bottom, top)


def _uncertainty(
    df, patterns, vetoed, *, opts: _Options, scheme: Scheme, design=None
) -> _Uncertainty:
    """:func:`rank_uncertainty` per cycle among the units not vetoed, aligned with the rows of
    ``df`` (vetoed rows stay empty)."""
    unc = _Uncertainty.empty(len(df))
    p_last, p_top, r_lo, r_hi, found = (
        unc.p_last,
        unc.p_top,
        unc.rank_low,
        unc.rank_high,
        unc.found,
    )
    for cyc, idx in df.groupby(df["cycle"].astype(str), sort=True).indices.items():
        idx = idx[~vetoed[idx]]
        if len(idx) == 0:
            continue
        part = df.loc[idx]
        units = part[["unit", "series"]]
        if opts.combined:
            pats = patterns
            kw = {"cycle_weights": opts.cycle_weights, "combined_cycle": cyc}
        else:
            pats = patterns[patterns["cycle"].astype(str) == cyc]
            kw = {}
        pats = pats[pats["unit"].astype(str).isin(set(part["unit"].astype(str)))]
        res = rank_uncertainty(
            pats,
            units=units,
            scheme=scheme,
            n_resamples=opts.n_resamples,
            confidence_level=opts.level,
            rng=opts.gen,
            large_cell_threshold=opts.large_cell_threshold,
            design=design,
            **kw,
        )
        res = res[res["n_resamples"] > 0].set_index("unit")
        where = part["unit"].astype(str).map({u: i for i, u in enumerate(res.index)}).to_numpy()
        hit = ~pd.isna(where)
        pos = idx[hit]
        src = where[hit].astype(int)
        p_last[pos] = res["p_last"].to_numpy()[src]
        p_top[pos] = res["p_top3"].to_numpy()[src]
        r_lo[pos] = res["rank_low"].array[src]
        r_hi[pos] = res["rank_high"].array[src]
        found[pos] = True
    return unc


def _standing(places: _Places, p_last, *, opts: _Options, gcodes, flags, scheme) -> np.ndarray:
    """``top3`` / ``last`` / ``last_not_distinguishable`` / ``""``; caps the grade of a
    confirmed last (``gcodes``, in place) and adds its flags (``flags``, in place)."""
    bottom = places.bottom
    standing = np.full(len(bottom), "", dtype=object)
    standing[places.top] = "top3"
    confirmed = bottom & (p_last >= opts.threshold)
    standing[bottom] = "last_not_distinguishable"
    standing[confirmed] = "last"
    _add_flag(flags, bottom & np.isnan(p_last), "p_last_unavailable")
    if opts.cap_last_grade:
        cap = scheme.grade_codes.index(scheme.rules.last_grade_cap)
        capped = confirmed & (gcodes >= 0)
        gcodes[capped] = np.maximum(gcodes[capped], cap)  # codes run best first
        _add_flag(flags, bottom & ~confirmed, "last_grade_cap_withheld")
    return standing


def _sorted(out: pd.DataFrame, rank: pd.Series, scheme: Scheme) -> pd.DataFrame:
    """Rows by cycle, series (scheme order), rank, unit; contract columns first."""
    order = series_order(out["series"].astype(str), scheme)
    sort = pd.DataFrame(
        {
            "c": out["cycle"].astype(str),
            "s": out["series"].astype(str).map({s: i for i, s in enumerate(order)}),
            "r": rank.fillna(np.inf),
            "u": out["unit"].astype(str),
        }
    )
    out = out.loc[sort.sort_values(["c", "s", "r", "u"], kind="stable").index]
    extra = [c for c in out.columns if c not in RANKING_COLUMNS]
    return out[RANKING_COLUMNS + extra].reset_index(drop=True)
