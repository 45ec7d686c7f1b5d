"""100 % satisfaction: cells in which every valid answer is the top box (or satisfied).

See :mod:`evalstats.stats.quality` (check ``full_satisfaction``).  :class:`CellStats` holds the
valid and good answers per cell × dimension, from the forms or (out of core) from the tally.

Examples
--------
>>> from evalstats.core.scheme import load_scheme
>>> valid, good = good_levels(load_scheme(), "top_box")
>>> int(good.sum())
1
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalstats.core.scheme import Scheme
from evalstats.stats.quality.flags import flag_row
from evalstats.stats.quality.source import QualityData
from evalstats.stats.quality.wording import group_text, unit_text


def good_levels(s: Scheme, level: str) -> tuple[np.ndarray, np.ndarray]:
    """(valid, good) masks over the level codes plus a last slot for blank."""
    valid = np.array([v.valid for v in s.levels] + [False])
    if level == "top_box":
        good = np.zeros(len(s.levels) + 1, bool)
        good[s.level_codes.index(s.rules.top_box_level)] = True
    else:
        good = np.array([v.valid and v.satisfied for v in s.levels] + [False])
    return valid, good


@dataclass(frozen=True)
class CellStats:
    """Valid and good answers per cell × dimension (cells: cycle × unit [× group])."""

    cycles: list
    nv: np.ndarray  # [cell, dimension]
    ng: np.ndarray
    n_forms: np.ndarray  # forms per cell
    ids: object  # ids(cycle code, unit code, group code or None) -> list


def _cell_stats(d: QualityData, level: str) -> dict[bool, CellStats]:
    """``{True: CellStats by group, False: CellStats by unit}``: the answers counted once per
    cycle × unit × group, the unit's cells their sums over groups (whole numbers: the same as
    counting again) when every form's group is known."""
    s = d.scheme
    valid, good = good_levels(s, level)
    nl = len(valid)
    blank = len(s.levels)  # the last slot
    ng = len(s.group_codes)
    sizes = {False: len(d.cycles) * len(d.unit_cats) or 1}
    sizes[True] = sizes[False] * ng or 1
    grouped = bool(len(d.group)) and int(d.group.min()) >= 0 and ng > 0
    counts = {}
    for by_group in (True,) if grouped else (True, False):
        cell = d.cyc * len(d.unit_cats) + d.unit
        if by_group:
            cell = cell * ng + d.group
        size = sizes[by_group]
        # answers per cell × level, one count a dimension; valid and good answers are then
        # sums over levels (whole numbers: the same as counting each answer's flag).  Each
        # answer's slot is its cell's first + 1 + its code (a blank, -1, in the cell's first
        # slot), made in one buffer; the blank's count is then moved last (``blank``)
        first = cell * nl + 1  # made once, not once a dimension
        slot = np.empty_like(first)
        per = np.empty((d.levels.shape[1], size, nl), np.int64)  # [dimension, cell, level]
        for j in range(d.levels.shape[1]):
            np.add(first, d.levels[:, j], out=slot)
            counted = np.bincount(slot, minlength=size * nl).reshape(size, nl)
            per[j, :, :blank], per[j, :, blank] = counted[:, 1:], counted[:, 0]
        del first, slot
        counts[by_group] = per, np.bincount(cell, minlength=size)
    if grouped:
        per, n_forms = counts[True]
        counts[False] = (
            per.reshape(len(per), -1, ng, nl).sum(axis=2),
            n_forms.reshape(-1, ng).sum(axis=1),
        )

    def ids_of(by_group):
        def ids(c, u, g):
            here = (d.cyc == c) & (d.unit == u)
            if by_group and g is not None:
                here &= d.group == g
            return d.form_id[here].tolist()

        return ids

    out = {}
    for by_group, (per, n_forms) in counts.items():
        nv = np.stack([p @ valid.astype(np.int64) for p in per], 1).astype(float)
        ng_ = np.stack([p @ good.astype(np.int64) for p in per], 1).astype(float)
        out[by_group] = CellStats(d.cycles, nv, ng_, n_forms, ids_of(by_group))
    return out


def full_satisfaction(d: QualityData, n_min: int, level: str, stats=None) -> list[dict]:
    """Flags of check ``full_satisfaction``, per cycle × unit × group and per cycle × unit.

    Parameters
    ----------
    d : QualityData
        The prepared forms.
    n_min : int
        Fewest valid answers in every dimension of a cell.
    level : {"top_box", "satisfied"}
        What 100 % means.
    stats : dict, optional
        ``{True: CellStats by group, False: CellStats by unit}`` (out of core); default:
        counted from ``d``.

    Returns
    -------
    list of dict
        Flag rows (:func:`~evalstats.stats.quality.flags.flag_row`).

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.quality.source import prepare_forms
    >>> full_satisfaction(prepare_forms(empty_forms(), load_scheme(), None), 5, "top_box")
    []
    """
    if stats is None:
        if len(d.forms) == 0 or d.levels.shape[1] == 0:
            return []
        stats = _cell_stats(d, level)
    s = d.scheme
    rows = []
    ng = len(s.group_codes)
    nu = len(d.unit_cats)
    for by_group in (True, False):
        st = stats[by_group]
        cycles, nv, ng_ = st.cycles, st.nv, st.ng
        if nv.shape[1] == 0:
            continue
        hit = (nv.min(axis=1) >= n_min) & (nv == ng_).all(axis=1) & (nv.sum(axis=1) > 0)
        for c in np.flatnonzero(hit):
            cu = c // ng if by_group else c
            cyc, u = divmod(int(cu), nu)
            g = int(c % ng) if by_group else None
            ids = st.ids(cyc, u, g)
            n_forms = int(st.n_forms[c])
            unit = d.unit_cats[u]
            group = s.group_codes[g] if by_group else ""
            total = int(nv[c].sum())
            least = int(nv[c].min())
            where_en = unit_text(d, unit, "en") + (
                f" × {group_text(d, group, 'en')}" if group else ""
            )
            where_zh = unit_text(d, unit, "zh") + (
                f"（{group_text(d, group, 'zh')}）" if group else ""
            )
            if level == "top_box":
                top = s.label("levels", s.rules.top_box_level, "en")
                top_zh = s.label("levels", s.rules.top_box_level, "zh")
                what_en, what_zh = f'are "{top}" (top box)', f"全部为“{top_zh}”"
            else:
                sat = [v for v in s.levels if v.valid and v.satisfied]
                what_en = "count as satisfied (" + "/".join(v.label_en for v in sat) + ")"
                what_zh = "全部为满意类等次（" + "/".join(v.label_zh for v in sat) + "）"
            rows.append(
                flag_row(
                    d,
                    cycles[cyc],
                    "full_satisfaction",
                    unit=unit,
                    group=group,
                    ids=ids,
                    n_forms=n_forms,
                    value=1.0,
                    threshold=n_min,
                    reason=f"All {total} valid answers on the {n_forms} forms for {where_en} "
                    f"{what_en}, with at least {least} valid answers in every item (threshold "
                    f"{n_min}); a 100 % result on this many answers is rare in honest data.",
                    reason_zh=f"{where_zh}{n_forms} 份问卷的 {total} 个有效答案{what_zh}，"
                    f"每项有效答案至少 {least} 个（阈值 {n_min} 个）；样本这么大而结果为 100%，"
                    "实际中很少见。",
                )
            )
    return rows


__all__ = [
    "CellStats",
    "full_satisfaction",
    "good_levels",
]
