"""Changes between two cycles when forms share respondents (:func:`design_change`).

:func:`~evalstats.stats.compare.compare_cycles` treats each answer (or, for rows pooling
dimensions, each form) as an independent draw.  Given the two cycles' sampling designs
(:func:`evalstats.stats.design.respondent_design`) it uses the respondent instead, in two ways:

*Independent cycles* (no respondent of one cycle is known to be a respondent of the other): each
cycle's estimate gets its design-based variance, as the cycle's own tables have it — rows
pooled across units (town, series, group) as domains of the cycle's design when its forms share
respondents (:func:`evalstats.stats.design.design_variance`), a unit's rows clustered on the
unit's respondents when one gave the unit several forms
(:mod:`evalstats.stats.score.clustered`); other rows keep the independent-answer variance.  The
difference's variance is the sum (the two samples are independent), the score's degrees of
freedom Welch–Satterthwaite from each cycle's, the rate's interval the chosen difference
interval on each cycle's Korn–Graubard effective counts.  This is ``svycontrast(svyby(~points,
~cycle, svydesign(ids = ~respondent, strata = ~interaction(cycle, group)), svymean), c(-1, 1))``
in R ``survey``.  Without shared respondents every number is as before.

*Linked respondents* (the same respondent label in the same group in both cycles: a phone
pseudonym made with the same key, a panel of deputies numbered alike): a row in which some
linked respondent answered in both cycles is estimated from one design of both cycles, the
respondents as clusters (one person one cluster across the cycles) and the groups as strata,
each cycle a domain; the difference's linearised variance

    v(R_a − R_b) = Σ_h n_h/(n_h − 1) Σ_{i ∈ h} (z_i − z̄_h)²,
    z_i = (Y_ia − R_a M_ia)/M_a − (Y_ib − R_b M_ib)/M_b,

holds the covariance of the two cycles' answers of one person (Wolter 2007, ch. 6; Lumley 2010,
ch. 2.3); the rows of one unit take the unit's respondents as the sample (one stratum), as its
tables do; the change of a unit's composite likewise (:func:`composite_change_variance`).  The
interval of the rate and of the score difference is then ``diff ± t·se`` with
the row's respondents minus strata as degrees of freedom and the test ``t = diff/se`` (R
``confint(svycontrast(...), df = degf(design))``); those rows name the method ``design-t``.

References
----------
.. [1] Wolter KM (2007). Introduction to Variance Estimation, 2nd ed. Springer.
.. [2] Lumley T (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.
.. [3] Korn EL, Graubard BI (1998). Confidence intervals for proportions with small expected
       number of positive counts estimated from survey data. Survey Methodology 24:193-201.

Examples
--------
>>> DESIGN_TEST
'design-t'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme
from evalstats.stats.design import (
    Design,
    answer_arrays,
    design_variances,
    korn_graubard,
    linked_clusters,
    repeated_units,
    within_rows,
)
from evalstats.stats.intervals import satterthwaite_df
from evalstats.stats.score.cells import dense_tally
from evalstats.stats.score.clustered import composite_contributions
from evalstats.stats.score.composite import composite_arrays

__all__ = ["DESIGN_TEST", "DesignChange", "composite_change_variance", "design_change"]

DESIGN_TEST = "design-t"


@dataclass(frozen=True)
class DesignChange:
    """Per row of a comparison: which rows use the designs and their variances.

    ``used_before`` / ``used_after``: the cycle's estimate has a design-based variance
    (``var_score_*``: of the score, ``df_*``, ``n_eff_*``: Korn–Graubard effective answers of
    the satisfied rate); ``joint``: the row is estimated from one design of both cycles
    (``var_diff_score``, ``var_diff_rate``, ``df_diff``); ``n_linked``: respondents in both
    cycles.
    """

    used_before: np.ndarray
    used_after: np.ndarray
    var_score_before: np.ndarray
    var_score_after: np.ndarray
    df_before: np.ndarray
    df_after: np.ndarray
    n_eff_before: np.ndarray
    n_eff_after: np.ndarray
    joint: np.ndarray
    var_diff_score: np.ndarray
    var_diff_rate: np.ndarray
    df_diff: np.ndarray
    n_linked: int


def _answers(design: Design, cycle: str, *, name, units, lv, key_of):
    """The design's answers of ``cycle`` with their comparison row (-1: none)."""
    if cycle not in [str(c) for c in design.cycles]:
        raise ValueError(f"{name} holds no forms of cycle {cycle!r}")
    row, dim, y, m, s = answer_arrays(design, lv)
    in_cycle = (np.array([str(c) for c in design.cycles], object) == cycle)[design.cyc[row]]
    umap = pd.Index([str(u) for u in units]).get_indexer([str(u) for u in design.units])
    unit = umap[design.unit[row]] if len(umap) else design.unit[row]
    if (in_cycle & (unit < 0) & (m > 0)).any():
        raise ValueError(f"{name} does not match the counts: units differ")
    ok = in_cycle & (unit >= 0)
    key = np.where(ok, key_of(np.where(ok, unit, 0), design.group[row], dim), -1)
    return key, design.cluster[row], y, m, s


def _cycle_rows(design, answers, *, by_unit, row_unit, units, cycle, nrow, rate, nv, level):
    """One cycle's design-based variances per row and where they apply."""
    key, cl, y, m, s = answers
    M = np.bincount(key[key >= 0], weights=m[key >= 0], minlength=nrow)
    if not np.array_equal(np.rint(M), np.asarray(nv, float)):
        raise ValueError(f"the design of cycle {cycle!r} does not match its counts")
    if by_unit:
        rep = repeated_units(design, [cycle], units)[0] if design.shared else None
        used = rep[row_unit] if rep is not None else np.zeros(nrow, bool)
        _, var_y, df = within_rows(key, cl, y, m, nkeys=nrow)
        _, var_s, _ = within_rows(key, cl, s, m, nkeys=nrow)
    else:
        used = np.full(nrow, design.shared)
        (_, var_y, df), (_, var_s, _) = design_variances(
            key, cl, [y, s], m, stratum=design.stratum, nkeys=nrow
        )
    return used, var_y, df, korn_graubard(rate, nv, var_s, df, level)


def _joint(parts, *, group, by_unit, nrow, metric):
    """Linearised variance of (after − before) per row from the joint clusters, and its df."""
    zk, zj, zz = [], [], []
    for sign, (key, jid, y, m, s) in zip((-1.0, 1.0), parts, strict=True):
        num = y if metric == "score" else s
        keep = (key >= 0) & (m > 0)
        k, j, num, m = key[keep], jid[keep], num[keep], m[keep]
        TY = np.bincount(k, weights=num, minlength=nrow)
        TM = np.bincount(k, weights=m, minlength=nrow)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = sign * (num - TY[k] / TM[k] * m) / TM[k]
        zk.append(k)
        zj.append(j)
        zz.append(z)
    k, j, z = (np.concatenate(x) for x in (zk, zj, zz))
    pairs, inv = np.unique(np.column_stack([k, j]), axis=0, return_inverse=True)
    Z = np.bincount(inv.ravel(), weights=z, minlength=len(pairs))
    pk = pairs[:, 0] if len(pairs) else np.zeros(0, np.int64)
    pj = pairs[:, 1] if len(pairs) else np.zeros(0, np.int64)
    n_with = np.bincount(pk, minlength=nrow).astype(float)
    if by_unit:  # the row's respondents are its sample: one stratum
        sz = np.bincount(pk, weights=Z, minlength=nrow)
        sz2 = np.bincount(pk, weights=Z * Z, minlength=nrow)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.where(n_with > 1, n_with / (n_with - 1) * (sz2 - sz * sz / n_with), np.nan)
        return var, n_with - 1
    G = int(group.max()) + 1 if len(group) else 1
    n_h = np.bincount(group, minlength=G).astype(float)
    h = group[pj]
    kh = pk * G + h
    sz = np.bincount(kh, weights=Z, minlength=nrow * G).reshape(nrow, G)
    sz2 = np.bincount(kh, weights=Z * Z, minlength=nrow * G).reshape(nrow, G)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(n_h > 1, n_h / (n_h - 1), 0.0)
        var = (f * (sz2 - sz * sz / np.where(n_h > 0, n_h, 1.0))).sum(axis=1)
    n_strata = (np.bincount(kh, minlength=nrow * G).reshape(nrow, G) > 0).sum(axis=1)
    var = np.where(n_with > 1, var, np.nan)
    return var, n_with - n_strata


def design_change(
    before: Design | None,
    after: Design | None,
    *,
    cycles: tuple[str, str],
    units,
    key_of,
    row_unit,
    nrow: int,
    by_unit: bool,
    lv,
    level: float,
    n_valid: tuple,
    rate: tuple,
) -> DesignChange:
    """The design-based variances of a comparison's rows (module docstring).

    Parameters
    ----------
    before, after : Design or None
        The two cycles' designs (None: the cycle's forms are independent draws).
    cycles : (str, str)
        The earlier and the later cycle.
    units : list
        The comparison's unit axis.
    key_of : callable
        ``key_of(unit, group, dimension)`` → the row of each answer (-1: none).
    row_unit : int array or None
        Each row's unit (position in ``units``) when the rows are by unit.
    nrow : int
    by_unit : bool
        The rows are a unit's (its respondents its sample) rather than pooled across units.
    lv : Levels
    level : float
    n_valid, rate : (array, array)
        Each cycle's valid answers and satisfied rate per row.

    Returns
    -------
    DesignChange

    Examples
    --------
    >>> from evalstats.counts.tally import tally
    >>> c = compare_cycles(tally(h1), tally(a), design_before=d1, design_after=d2)  # doctest: +SKIP
    """
    answers = [
        None if d is None else _answers(d, c, name=name, units=units, lv=lv, key_of=key_of)
        for d, c, name in zip(
            (before, after), cycles, ("design_before", "design_after"), strict=True
        )
    ]
    none = np.full(nrow, np.nan)
    per = [
        (np.zeros(nrow, bool), none, none, none)
        if d is None
        else _cycle_rows(
            d,
            a,
            by_unit=by_unit,
            row_unit=row_unit,
            units=units,
            cycle=c,
            nrow=nrow,
            rate=r,
            nv=n,
            level=level,
        )
        for d, a, c, r, n in zip((before, after), answers, cycles, rate, n_valid, strict=True)
    ]
    n_linked = 0
    if before is not None and after is not None:
        j_b, j_a, group, n_linked = linked_clusters(before, after)
    joint = np.zeros(nrow, bool)
    var_d = {"score": np.full(nrow, np.nan), "rate": np.full(nrow, np.nan)}
    df_d = np.full(nrow, np.nan)
    if n_linked:
        parts = [
            (key, jid[cl], y, m, s)
            for (key, cl, y, m, s), jid in zip(answers, (j_b, j_a), strict=True)
        ]
        seen = []
        for key, jid, _y, m, _s in parts:
            ok = (key >= 0) & (m > 0)
            seen.append(np.unique(key[ok] * (len(group) + 1) + jid[ok]))
        both = np.intersect1d(*seen) // (len(group) + 1)
        joint[np.unique(both)] = True
        for metric in var_d:
            var_d[metric], df_d = _joint(
                parts, group=group, by_unit=by_unit, nrow=nrow, metric=metric
            )
    return DesignChange(
        used_before=per[0][0],
        used_after=per[1][0],
        var_score_before=per[0][1],
        var_score_after=per[1][1],
        df_before=per[0][2],
        df_after=per[1][2],
        n_eff_before=per[0][3],
        n_eff_after=per[1][3],
        joint=joint,
        var_diff_score=var_d["score"],
        var_diff_rate=var_d["rate"],
        df_diff=df_d,
        n_linked=int(n_linked),
    )


def composite_change_variance(before: tuple, after: tuple, *, scheme: Scheme) -> pd.DataFrame:
    """Variance of each unit's change of composite from one design of both cycles.

    For the units in which some respondent answered in both cycles (linked, as for
    :func:`design_change`): the composite is ``Σ c_gd · score_gd`` per cycle, and the change's
    linearised variance takes the unit's respondents of both cycles as clusters, one person
    one cluster, and the groups as strata:

        v = Σ_g n_g/(n_g − 1) Σ_i (Z_i − Z̄_g)²,   Z_i = Z_i,after − Z_i,before,

    ``Z_i,cycle`` the respondent's summed contributions (:mod:`evalstats.stats.score.clustered`),
    ``n_g`` the unit's respondents of the group in either cycle; degrees of freedom
    Welch–Satterthwaite over the groups (``n_g − 1`` each), as for a composite.  R
    ``svycontrast`` of ``svyby(~points, ~cycle + group + dim, svydesign(ids = ~respondent,
    strata = ~group, data = <the unit's answers of both cycles>), svymean)`` with weights
    ``−c`` and ``+c``.  A unit where either cycle borrows a variance (a group of one form or a
    cell of one answer) is left out (its change keeps the independent-samples variance).

    Parameters
    ----------
    before, after : (counts, patterns, design)
        Each cycle's tally, answer-pattern counts and design.
    scheme : Scheme

    Returns
    -------
    DataFrame
        ``unit, var_diff, df, n_linked`` for the units estimated so (possibly none).

    Examples
    --------
    >>> composite_change_variance((None, None, None), (None, None, None),
    ...     scheme=None).columns.tolist()
    ['unit', 'var_diff', 'df', 'n_linked']
    """
    columns = ["unit", "var_diff", "df", "n_linked"]
    empty = pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).astype({"unit": "str"})
    if before[2] is None or after[2] is None:
        return empty
    j_b, j_a, _group, n_linked = linked_clusters(before[2], after[2])
    if not n_linked:
        return empty
    parts, skip = [], set()
    for (counts, patterns, design), jid, sign in ((before, j_b, -1.0), (after, j_a, 1.0)):
        dense, cycles, units = dense_tally(counts, scheme)
        r = composite_arrays(dense, cycles, units, scheme, patterns, design=design)
        cell, cluster, cnt, z = composite_contributions(
            r["weights"], r["st"], r["lv"], design=design, cycles=cycles, units=units
        )
        G = r["weights"].shape[2]
        unit = np.array([str(u) for u in units], object)[(cell // G) % max(len(units), 1)]
        parts.append((unit, cell % G, jid[cluster], sign * cnt * z, sign))
        bad = r["borrowed_g"].any(axis=(0, 2)) | ~np.isfinite(r["var"]).all(axis=0)
        skip |= {str(u) for u, b in zip(units, bad, strict=True) if b}
    unit = np.concatenate([p[0] for p in parts])
    group = np.concatenate([p[1] for p in parts])
    jid = np.concatenate([p[2] for p in parts])
    value = np.concatenate([p[3] for p in parts])
    side = np.concatenate([np.full(len(p[0]), p[4]) for p in parts])
    codes, names = pd.factorize(unit)
    frame = pd.DataFrame({"u": codes, "g": group, "j": jid, "v": value, "side": side})
    per = frame.groupby(["u", "g", "j"], sort=True).agg(Z=("v", "sum"))
    sides = frame.groupby(["u", "j"])["side"].nunique()
    linked = sides[sides == 2].groupby(level="u").size()
    g = per.groupby(level=["u", "g"])["Z"]
    n = g.size().astype(float)
    s1, s2 = g.sum(), g.apply(lambda x: float((x * x).sum()))
    with np.errstate(invalid="ignore", divide="ignore"):
        var_g = (n / (n - 1) * (s2 - s1 * s1 / n)).where(n > 1)
    rows = []
    for u, lk in linked.items():
        name = str(names[u])
        vg = var_g.loc[u].to_numpy(float)
        if name in skip or not np.isfinite(vg).all():
            continue
        df = satterthwaite_df(vg[None, :], n.loc[u].to_numpy(float)[None, :] - 1)[0]
        rows.append((name, float(vg.sum()), float(df), int(lk)))
    if not rows:
        return empty
    out = pd.DataFrame(rows, columns=columns)
    out["unit"] = out["unit"].astype("str")
    return out
