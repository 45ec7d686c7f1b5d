"""Straight-lining: a unit's or collector's share of all-same forms against the cycle's.

One-sided exact binomial tests, the p-values of a cycle's units and collectors adjusted together
(:func:`evalstats.stats.multitest.adjust_pvalues`); see :mod:`evalstats.stats.quality`.
:class:`StraightStats` holds the counts a test needs, from the forms or (out of core) from the
pattern counts.

Examples
--------
>>> sorted(_ADJUST_NAMES)
['bh', 'bonferroni', 'holm', 'none']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalstats.stats.distributions import binom_sf
from evalstats.stats.multitest import adjust_pvalues
from evalstats.stats.quality.flags import flag_row
from evalstats.stats.quality.source import QualityData
from evalstats.stats.quality.wording import unit_text

_ADJUST_NAMES = {
    "holm": "Holm-adjusted",
    "bh": "Benjamini–Hochberg-adjusted",
    "bonferroni": "Bonferroni-adjusted",
    "none": "unadjusted",
}
_ADJUST_NAMES_ZH = {
    "holm": "Holm 校正后",
    "bh": "Benjamini–Hochberg 校正后",
    "bonferroni": "Bonferroni 校正后",
    "none": "未校正",
}


@dataclass(frozen=True)
class StraightStats:
    """Straight forms of one cycle: overall share, per unit and per collector."""

    cycle: str
    p0: float
    m_u: np.ndarray  # forms per unit code
    k_u: np.ndarray  # straight forms per unit code
    collectors: list  # collector names (sorted)
    m_c: np.ndarray
    k_c: np.ndarray
    ids: object  # ids(kind, key) -> list of the straight forms' ids


def _straight_stats(d: QualityData) -> list[StraightStats]:
    out = []
    nu, nk = len(d.unit_cats), len(d.collectors)

    def part(mask):  # the forms of ``mask``: all of them as they are (not a copy) if all
        return slice(None) if bool(mask.all()) else mask

    for c, cycle in enumerate(d.cycles):
        here = d.cyc == c
        has = here & (d.coll >= 0)

        def ids(kind, key, here=here):
            codes = d.unit if kind == "unit" else d.coll
            return d.form_id[here & d.straight & (codes == key)].tolist()

        sel, got = part(here), part(has)
        unit, straight = d.unit[sel], d.straight[sel]  # each taken once
        coll = d.coll[got]
        out.append(
            StraightStats(
                cycle=cycle,
                p0=float(straight.mean()),
                m_u=np.bincount(unit, minlength=nu),
                k_u=np.bincount(unit, weights=straight, minlength=nu),
                collectors=d.collectors,
                m_c=np.bincount(coll, minlength=nk),
                k_c=np.bincount(coll, weights=d.straight[got], minlength=nk),
                ids=ids,
            )
        )
    return out


def straight_lining(
    d: QualityData, min_n: int, alpha: float, adjust: str, stats: list | None = None
) -> list[dict]:
    """Flags of check ``straight_lining``: units and collectors with more straight forms than
    their cycle, by a one-sided exact binomial test adjusted for multiplicity.

    Parameters
    ----------
    d : QualityData
        The prepared forms.
    min_n : int
        Fewest forms of a unit or collector to be tested.
    alpha : float
        Family-wise level.
    adjust : str
        Method of :func:`evalstats.stats.multitest.adjust_pvalues`.
    stats : list of StraightStats, optional
        The counts (out of core); default: counted from ``d``.

    Returns
    -------
    list of dict
        Flag rows (:func:`~evalstats.stats.quality.flags.flag_row`).

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.quality.source import prepare_forms
    >>> straight_lining(prepare_forms(empty_forms(), load_scheme(), None), 10, 0.05, "holm")
    []
    """
    if stats is None:
        if len(d.forms) == 0:
            return []
        stats = _straight_stats(d)
    rows = []
    for st in stats:
        cycle, p0, m_u, k_u, m_c, k_c = st.cycle, st.p0, st.m_u, st.k_u, st.m_c, st.k_c
        tests = [("unit", i) for i in np.flatnonzero(m_u >= min_n)]
        tests += [("collector", i) for i in np.flatnonzero(m_c >= min_n)]
        if not tests:
            continue
        m = np.array([(m_u if kind == "unit" else m_c)[i] for kind, i in tests], np.int64)
        k = np.rint([(k_u if kind == "unit" else k_c)[i] for kind, i in tests]).astype(np.int64)
        p = binom_sf(k - 1, m, p0)  # P(X >= k), X ~ Binomial(m, p0)
        adjusted = np.asarray(adjust_pvalues(p, method=adjust, alpha=alpha).adjusted, float)
        for (kind, key), kk, mm, pv, pa in zip(tests, k, m, p, adjusted, strict=True):
            rej = pa <= alpha
            share = kk / mm
            if not (rej and share > p0):
                continue
            if kind == "unit":
                unit = d.unit_cats[key]
                ids = st.ids("unit", key)
                who_en = f"the {mm} forms for {unit_text(d, unit, 'en')}"
                who_zh = f"{unit_text(d, unit, 'zh')}的 {mm} 份问卷"
                caveat_en = "A unit rated highly by everyone also has many such forms"
                caveat_zh = "普遍好评的单位此类问卷本来就多"
                extra = {"unit": unit}
            else:
                name = st.collectors[key]
                ids = st.ids("collector", key)
                who_en = f"the {mm} forms collected by {name}"
                who_zh = f"收集人{name}收回的 {mm} 份问卷"
                caveat_en = "A collector working for units rated highly also gets many such forms"
                caveat_zh = "为好评单位收集问卷的收集人此类问卷本来就多"
                extra = {"collector": name}
            adj_en, adj_zh = _ADJUST_NAMES[adjust], _ADJUST_NAMES_ZH[adjust]
            rows.append(
                flag_row(
                    d,
                    cycle,
                    "straight_lining",
                    **extra,
                    ids=ids,
                    n_forms=mm,
                    value=share,
                    threshold=alpha,
                    reference=p0,
                    pvalue=pv,
                    pvalue_adjusted=pa,
                    reason=f"{kk} of {who_en} ({share:.1%}) give the same level to every item, "
                    f"against {p0:.1%} of all forms of the cycle (one-sided exact binomial test, "
                    f"{adj_en} p ≤ {alpha:g}). {caveat_en}: look at how the forms were collected "
                    "before drawing a conclusion.",
                    reason_zh=f"{who_zh}中有 {kk} 份（{share:.1%}）各项答案完全相同，全部问卷为 "
                    f"{p0:.1%}（单侧精确二项检验，{adj_zh} p ≤ {alpha:g}）。{caveat_zh}，"
                    "应先核实问卷收集过程再下结论。",
                )
            )
    return rows


__all__ = [
    "StraightStats",
    "straight_lining",
]
