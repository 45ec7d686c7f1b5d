"""Checks that need the respondent: one person rating many units (the wide layout, or a long
file whose ``respondent`` column shows one person on several forms).

``straight_respondent`` (info)
    A respondent with at least ``min_units`` forms who gives one and the same valid level to
    every cell of every unit rated (no blank, no 不了解): one row per respondent, naming the
    respondent, the level and the units.  Honest respondents who are content with everything
    do this too: the flag asks for a look at the sheet, and marks no form as suspicious by
    default.
``duplicate_respondent`` (warning)
    Two or more respondents of one cycle and group with exactly the same answers on the same
    units (unit by unit, every content; blanks count as answers), the answers *varied* (at
    least two different levels): one row per group of respondents.  Respondents are compared
    by two independent 64-bit hashes of their (unit, answers) pairs (a false match has
    probability about 2⁻¹²⁸).  Straight respondents are the business of
    ``straight_respondent``.
``blank_units`` (info)
    Per cycle: the share of the cycle's units a respondent left blank (rated on no content),
    averaged over respondents; the respondents who left more than ``max_blank`` of the units
    blank are counted and the first ten named.  One row per cycle.

Nothing is excluded: the official figures use every valid form; any of these checks can be
passed to :func:`~evalstats.stats.quality.flags.flagged_form_ids` on purpose.  Forms without a
``respondent`` column, or where no respondent has more than one form, give no row.

Examples
--------
>>> from evalstats.core.scheme import load_scheme
>>> from evalstats.inputs.forms import empty_forms
>>> from evalstats.stats.quality.source import prepare_forms
>>> respondent_flags(prepare_forms(empty_forms(), load_scheme(), None), 3, 0.5)
[]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.stats.design import compact_codes, factorize_runs
from evalstats.stats.quality.flags import flag_row
from evalstats.stats.quality.source import (
    QualityData,
    combine_codes,
    group_members,
)
from evalstats.stats.quality.wording import group_text, ids_text, ids_text_en, unit_text


def _mix(x: np.ndarray, seed: int, *, out=None, work=None) -> np.ndarray:
    """splitmix64 of ``x`` (uint64) with ``seed``: a well-spread 64-bit hash, made in ``out``
    with the shifted copies in ``work`` (uint64 arrays as long as ``x``; default fresh): two
    hashes of 16M keys then take two arrays, not eight."""
    z = np.empty(len(x), np.uint64) if out is None else out
    w = np.empty(len(x), np.uint64) if work is None else work
    with np.errstate(over="ignore"):
        np.copyto(z, x, casting="unsafe")
        z += np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        for shift, factor in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB), (31, None)):
            np.right_shift(z, np.uint64(shift), out=w)
            z ^= w
            if factor is not None:
                z *= np.uint64(factor)
        return z


def _respondents(d: QualityData):
    """(respondent code per form, -1 without one; respondent names) of the cycle × respondent,
    or None when no respondent has more than one form."""
    if "respondent" not in d.forms.columns or not len(d.forms):
        return None
    raw = d.forms["respondent"].to_numpy(dtype=object)
    code, _ = factorize_runs(raw)  # -1: missing
    has = code >= 0
    if not has.any():
        return None
    every = bool(has.all())  # (a wide file's forms: no mask copies of 16M)
    code = code if every else code[has]
    key = combine_codes(d.cyc if every else d.cyc[has], code.astype(np.int64, copy=False))
    _, inverse = compact_codes(key)
    if np.bincount(inverse).max() < 2:
        return None
    if every:
        return inverse.astype(np.int64, copy=False), raw
    resp = np.full(len(raw), -1, np.int64)
    resp[has] = inverse
    return resp, raw


def respondent_sheets(d: QualityData) -> np.ndarray | None:
    """One key per form for "this respondent's answers ``pattern``" (-1 without a respondent),
    or None when no respondent has more than one form.

    A respondent who gives the same answers to several units filled one sheet, not several
    forms: :func:`~evalstats.stats.quality.burst.burst` counts such forms once.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.quality.source import prepare_forms
    >>> respondent_sheets(prepare_forms(empty_forms(), load_scheme(), None)) is None
    True
    """
    found = _respondents(d)
    if found is None:
        return None
    resp = found[0]
    has = resp >= 0
    out = np.full(len(resp), -1, np.int64)
    out[has] = combine_codes(resp[has], d.pattern[has])
    return out


def respondent_flags(d: QualityData, min_units: int, max_blank: float) -> list[dict]:
    """Flags of the checks ``straight_respondent``, ``duplicate_respondent`` and
    ``blank_units`` (see the module notes).

    Parameters
    ----------
    d : QualityData
        The prepared forms (with a ``respondent`` column for any flag).
    min_units : int
        Fewest forms (units rated) of a straight respondent.
    max_blank : float
        Share of a cycle's units left blank above which a respondent is counted.

    Returns
    -------
    list of dict
        Flag rows (:func:`~evalstats.stats.quality.flags.flag_row`).

    Examples
    --------
    >>> respondent_flags(d, 3, 0.5)  # doctest: +SKIP
    """
    found = _respondents(d)
    if found is None:
        return []
    resp, raw = found
    pos = np.flatnonzero(resp >= 0)
    members = group_members(resp, 1)
    return [
        *_straight(d, members, raw, min_units),
        *_duplicates(d, resp, pos, members, raw),
        *_blank_units(d, members, raw, max_blank),
    ]


def _who(raw, i) -> str:
    return str(raw[i])


def _straight(d: QualityData, members, raw, min_units: int) -> list[dict]:
    rows = []
    first = d.levels[:, 0]
    for idx in members:
        if len(idx) < min_units or not d.straight[idx].all():
            continue
        level = first[idx]
        if (level != level[0]).any():
            continue
        i = idx[0]
        lab_en = d.scheme.levels[int(level[0])].label("en")
        lab_zh = d.scheme.levels[int(level[0])].label("zh")
        cells = len(idx) * d.levels.shape[1]
        names_en = ", ".join(unit_text(d, d.unit_cats[d.unit[j]], "en") for j in idx[:10])
        names_zh = "、".join(unit_text(d, d.unit_cats[d.unit[j]], "zh") for j in idx[:10])
        more_en = f" and {len(idx) - 10} more" if len(idx) > 10 else ""
        more_zh = f"等 {len(idx)} 个单位" if len(idx) > 10 else ""
        ids = d.form_id[idx].tolist()
        rows.append(
            flag_row(
                d,
                d.cycle[i],
                "straight_respondent",
                group=d.scheme.group_codes[d.group[i]],
                ids=ids,
                n_forms=len(idx),
                value=len(idx),
                threshold=min_units,
                reason=f'respondent {_who(raw, i)} gave "{lab_en}" to all {cells} answers on '
                f"the {len(idx)} units rated ({names_en}{more_en}). Content respondents do "
                "this too: look at the sheet before drawing a conclusion.",
                reason_zh=f"评议人 {_who(raw, i)} 对所评议的 {len(idx)} 个单位（{names_zh}"
                f"{more_zh}）的全部 {cells} 项均选“{lab_zh}”。各方面都满意的评议人也会这样填，"
                "应先查看原表再下结论。",
            )
        )
    return rows


def _duplicates(d: QualityData, resp, pos, members, raw) -> list[dict]:
    """Respondents with the same (unit, answers) pairs, answers varied."""
    # every respondent has a form (members: respondent 0, 1, ... in order), so their forms
    # are consecutive in ``order`` from ``starts``: sums and extremes per respondent by reduceat
    order = np.concatenate(members) if members else np.zeros(0, np.int64)
    n_forms = np.array([len(idx) for idx in members], np.int64)
    starts = np.cumsum(n_forms) - n_forms
    # a wide file's respondents are its rows, in order: ``order`` is then 0, 1, .. (the
    # forms' columns as they are, not four gathered copies of every form)
    n = len(order)
    same = n == len(d.unit) and n and order[-1] == n - 1 and bool((order[1:] > order[:-1]).all())

    def ordered(a):
        return a if same else a[order]

    key = combine_codes(ordered(d.unit), ordered(d.pattern)).view(np.uint64)  # fresh, >= 0
    with np.errstate(over="ignore"):  # sums modulo 2**64: the same in any order
        buf, work = np.empty(len(key), np.uint64), np.empty(len(key), np.uint64)
        h1 = np.add.reduceat(_mix(key, 1, out=buf, work=work), starts) if len(order) else buf
        h2 = np.add.reduceat(_mix(key, 2, out=buf, work=work), starts) if len(order) else buf
        del buf, work
    # varied: two different answered levels (blank, -1, is no answer) among the forms; each
    # form's highest and lowest answered level made a dimension at a time (no copy of all)
    low, top = d.answered
    top = np.maximum.reduceat(ordered(top), starts) if len(order) else np.zeros(0)
    low = np.minimum.reduceat(ordered(low), starts) if len(order) else np.zeros(0)
    varied = (top >= 0) & (low < top)
    first_form = np.array([idx[0] for idx in members], np.int64)
    cand = np.flatnonzero(varied & (n_forms >= 2))
    if len(cand) < 2:
        return []
    sig = pd.DataFrame(
        {
            "c": d.cyc[first_form[cand]],
            "g": d.group[first_form[cand]],
            "n": n_forms[cand],
            "a": h1[cand].view(np.int64),
            "b": h2[cand].view(np.int64),
        }
    )
    label = sig.groupby(list(sig.columns), sort=False).ngroup().to_numpy()
    rows = []
    for grp in group_members(label, 2):
        who = cand[grp]
        i = first_form[who[0]]
        names = sorted(_who(raw, first_form[r]) for r in who)
        ids = [fid for r in who for fid in d.form_id[members[r]].tolist()]
        group = d.scheme.group_codes[d.group[i]]
        k = int(n_forms[who[0]])
        rows.append(
            flag_row(
                d,
                d.cycle[i],
                "duplicate_respondent",
                group=group,
                ids=ids,
                n_forms=len(ids),
                value=len(who),
                threshold=2,
                reason=f"{len(who)} respondents of {group_text(d, group, 'en')} "
                f"({ids_text_en(names)}) gave exactly the same answers on the same {k} units: "
                "check whether one sheet was entered twice under two ids, or copied.",
                reason_zh=f"{group_text(d, group, 'zh')}中 {len(who)} 位评议人（"
                f"{ids_text(names)}）对同样 {k} 个单位的答案完全相同：请核实是否同一份表以两个"
                "编号重复录入，或有抄填。",
            )
        )
    return rows


def _blank_units(d: QualityData, members, raw, max_blank: float) -> list[dict]:
    """Per cycle: the share of its units each respondent left blank."""
    rows = []
    first_form = np.array([idx[0] for idx in members], np.int64)
    n_forms = np.array([len(idx) for idx in members], np.int64)
    for c, cycle in enumerate(d.cycles):
        mine = np.flatnonzero(d.cyc[first_form] == c)
        if not len(mine):
            continue
        n_units = len(np.unique(d.unit[d.cyc == c]))
        share = 1.0 - n_forms[mine] / n_units
        over = mine[share > max_blank]
        names = [_who(raw, first_form[r]) for r in over]
        mean = float(share.mean())
        many_en = (
            f"; {len(over)} left more than {max_blank:.0%} of the units blank "
            f"({ids_text_en(names)})"
            if len(over)
            else ""
        )
        many_zh = (
            f"；其中 {len(over)} 位空着的单位超过 {max_blank:.0%}（{ids_text(names)}）"
            if len(over)
            else ""
        )
        rows.append(
            flag_row(
                d,
                cycle,
                "blank_units",
                n_forms=int(n_forms[mine].sum()),
                value=mean,
                threshold=max_blank,
                reference=len(over) / len(mine),
                reason=f"the {len(mine)} respondents rated on average "
                f"{float(n_forms[mine].mean()):.1f} of the {n_units} units and left {mean:.1%} "
                f"of them blank{many_en}. A unit left blank is not a form for it.",
                reason_zh=f"{len(mine)} 位评议人平均评议了 {n_units} 个单位中的 "
                f"{float(n_forms[mine].mean()):.1f} 个，空着 {mean:.1%}{many_zh}。"
                "空着的单位不计为该单位的测评表。",
            )
        )
    return rows


__all__ = ["respondent_flags", "respondent_sheets"]
