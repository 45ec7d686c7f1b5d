"""Forms typed twice and near duplicates (checks ``typed_twice`` and ``near_duplicate``).

See :mod:`evalstats.stats.quality` for the definitions: a near duplicate is two or more forms of
one cycle × unit × group with the same varied answer pattern and the same normalised comment, or
the same collector and chained submission times.

Examples
--------
>>> _normalise_comment("继续 保持！")
'继续保持'
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from evalstats.stats.quality.flags import flag_row
from evalstats.stats.quality.source import (
    QualityData,
    combine_codes,
    group_members,
)
from evalstats.stats.quality.wording import (
    duration_text,
    group_text,
    ids_text,
    ids_text_en,
    pattern_text,
    source_text,
    time_text,
    unit_text,
)


def _text(value) -> str:
    """A cell as text; missing values become ''."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def typed_twice(d: QualityData, duplicates, voided) -> list[dict]:
    """Flags of check ``typed_twice``: one row per form id typed more than once.

    Parameters
    ----------
    d : QualityData
        The prepared forms.
    duplicates : DataFrame or None
        ``ValidatedCycle.duplicates`` (``form_id, source_file, source_row, first_row``).
    voided : DataFrame or None
        The voided forms (names the unit of a voided form typed twice).

    Returns
    -------
    list of dict
        Flag rows (:func:`~evalstats.stats.quality.flags.flag_row`).

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.quality.source import prepare_forms
    >>> typed_twice(prepare_forms(empty_forms(), load_scheme(), None), None, None)
    []
    """
    if duplicates is None or len(duplicates) == 0:
        return []
    if not isinstance(duplicates, pd.DataFrame):
        raise TypeError(f"duplicates must be a pandas DataFrame; got {type(duplicates).__name__}")
    if "form_id" not in duplicates.columns:
        raise ValueError(
            "duplicates lacks column(s) ['form_id']; pass ValidatedCycle.duplicates "
            "(form_id, source_file, source_row, first_row)"
        )
    where = {fid: i for i, fid in enumerate(d.form_id)}
    lookup = {}
    if voided is not None and len(voided) and "form_id" in voided.columns:
        for r in voided.itertuples(index=False):
            lookup.setdefault(str(r.form_id), r)
    cycles = sorted(set(d.cycle.tolist()))
    rows = []
    dup = duplicates.assign(form_id=duplicates["form_id"].astype(str))
    for fid, part in dup.groupby("form_id", sort=True):
        copies = len(part) + 1
        i = where.get(fid)
        if i is not None:
            f = d.forms.iloc[i]
            cycle, unit, group = d.cycle[i], str(f["unit"]), str(f["group"])
            collector = _text(f["collector"]) if "collector" in d.forms.columns else ""
        elif fid in lookup:
            f = lookup[fid]
            cycle = _text(getattr(f, "cycle", "")) or (cycles[0] if cycles else "")
            unit, group = _text(f.unit), _text(f.group)
            collector = _text(getattr(f, "collector", ""))
        else:
            cycle, unit, group, collector = (cycles[0] if cycles else ""), "", "", ""
        lines = []
        if "source_row" in part.columns:
            first = part["first_row"].tolist() if "first_row" in part.columns else []
            lines = sorted({int(x) for x in [*first, *part["source_row"].tolist()]})
        file = _text(part["source_file"].iloc[0]) if "source_file" in part.columns else ""
        where_en = where_zh = ""
        if lines:
            nums = ", ".join(str(x) for x in lines)
            where_en = f" (rows {nums}" + (f" of {file})" if file else ")")
            where_zh = f"（{source_text(file, 'zh')}第 {'、'.join(str(x) for x in lines)} 行）"
        who_en = f" of {unit_text(d, unit, 'en')} × {group_text(d, group, 'en')}" if unit else ""
        who_zh = f"（{unit_text(d, unit, 'zh')}，{group_text(d, group, 'zh')}）" if unit else ""
        rows.append(
            flag_row(
                d,
                cycle,
                "typed_twice",
                unit=unit,
                group=group,
                collector=collector,
                ids=[fid],
                n_forms=1,
                value=copies,
                reason=f"Form {fid}{who_en} was typed {copies} times with the same answers"
                f"{where_en}; it is counted once.",
                reason_zh=f"问卷 {fid}{who_zh}以相同答案录入了 {copies} 次{where_zh}，只计一次。",
            )
        )
    return rows


def _normalise_comment(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in t if not ch.isspace() and not unicodedata.category(ch)[0] == "P")


def _chain_groups(key: np.ndarray, t: np.ndarray, gap: int) -> np.ndarray:
    """Group label per position of rows sorted by (key, t): a new group when the key changes or
    the time gap to the previous row exceeds ``gap``."""
    new = np.ones(len(key), bool)
    if len(key) > 1:
        new[1:] = (key[1:] != key[:-1]) | (t[1:] - t[:-1] > gap)
    return np.cumsum(new) - 1


def near_duplicate(d: QualityData, window: pd.Timedelta, min_chars: int) -> list[dict]:
    """Flags of check ``near_duplicate``: one row per group of near-identical forms.

    Parameters
    ----------
    d : QualityData
        The prepared forms.
    window : Timedelta
        Largest gap between forms of one collector in a chain.
    min_chars : int
        Shortest normalised comment that counts.

    Returns
    -------
    list of dict
        Flag rows (:func:`~evalstats.stats.quality.flags.flag_row`).

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.quality.source import prepare_forms
    >>> near_duplicate(prepare_forms(empty_forms(), load_scheme(), None), pd.Timedelta("1min"), 5)
    []
    """
    f = d.forms
    if len(f) < 2:
        return []
    lo, hi = d.answered
    varied = lo < hi  # at least two different levels among the answers (blanks aside)
    cell = combine_codes(d.cyc, d.unit, d.group)
    groups: dict[tuple, dict] = {}

    def add(idx: np.ndarray, basis: str, extra: dict):
        ids = tuple(sorted(d.form_id[idx].tolist()))
        entry = groups.setdefault(ids, {"idx": np.sort(idx), "basis": {}})
        entry["basis"][basis] = extra

    # (a) same comment
    if "comment" in f.columns:
        raw = f["comment"].to_numpy(dtype=object)
        pos = np.flatnonzero(varied & ~pd.isna(raw))
        if len(pos) >= 2:
            codes, uniques = pd.factorize(pd.Series(raw[pos]).astype(str))
            norm = np.array([_normalise_comment(u) for u in uniques], dtype=object)
            ok = np.array([len(x) >= min_chars for x in norm], bool)
            keep = ok[codes]
            pos, ncode = pos[keep], pd.factorize(norm[codes[keep]])[0]
            key = combine_codes(cell[pos], d.pattern[pos], ncode)
            order = np.argsort(key, kind="stable")
            lab = _chain_groups(key[order], np.zeros(len(pos), np.int64), 0)
            for m in group_members(lab, 2):
                idx = pos[order[m]]
                add(idx, "comment", {"text": _text(raw[idx[0]])})
    # (b) same collector, times chained within the window
    if d.time is not None:
        pos = np.flatnonzero(varied & (d.coll >= 0) & ~np.isnat(d.time))
        if len(pos) >= 2:
            tt = d.time[pos].astype(np.int64)
            key = combine_codes(cell[pos], d.pattern[pos], d.coll[pos])
            order = np.lexsort((tt, key))
            lab = _chain_groups(key[order], tt[order], window.value)
            for m in group_members(lab, 2):
                idx = pos[order[m]]
                add(idx, "time", {"t0": d.time[idx].min(), "t1": d.time[idx].max()})

    rows = []
    for ids, entry in groups.items():
        idx = entry["idx"]
        i = idx[0]
        unit, group = d.unit_cats[d.unit[i]], d.scheme.group_codes[d.group[i]]
        basis = entry["basis"]
        en, zh = [], []
        if "comment" in basis:
            text = basis["comment"]["text"]
            shown = text if len(text) <= 40 else text[:40] + "…"
            en.append(f'the same comment "{shown}"')
            zh.append(f"意见建议相同（“{shown}”）")
        collector = ""
        if "time" in basis:
            collector = d.collectors[d.coll[i]]
            t0, t1 = time_text(basis["time"]["t0"]), time_text(basis["time"]["t1"])
            en.append(
                f"were collected by {collector} each within {duration_text(window, 'en')} of "
                f"the previous one ({t0} to {t1})"
            )
            gap = duration_text(window, "zh")
            zh.append(f"由{collector}在 {t0} 至 {t1} 先后收回（间隔不超过 {gap}）")
        ids_list = list(ids)
        rows.append(
            flag_row(
                d,
                d.cycle[i],
                "near_duplicate",
                unit=unit,
                group=group,
                collector=collector,
                ids=ids_list,
                n_forms=len(idx),
                value=len(idx),
                threshold=2,
                reason=f"{len(idx)} forms for {unit_text(d, unit, 'en')} "
                f"× {group_text(d, group, 'en')} have the same "
                f"{pattern_text(d, d.levels[i], 'en')} and {' and '.join(en)}: "
                f"{ids_text_en(ids_list)}.",
                reason_zh=f"{unit_text(d, unit, 'zh')}（{group_text(d, group, 'zh')}）有 "
                f"{len(idx)} 份问卷答案完全相同（{pattern_text(d, d.levels[i], 'zh')}），且"
                f"{'，'.join(zh)}：{ids_text(ids_list)}。",
            )
        )
    return rows


__all__ = [
    "near_duplicate",
    "typed_twice",
]
