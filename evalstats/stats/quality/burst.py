"""Bursts: many identical forms in a short window, per collector and then per unit.

See :mod:`evalstats.stats.quality` (check ``burst``).  Windows are found in one pass over the
forms sorted by key and time (:func:`_window_runs`).  Where one respondent rated many units
(:func:`~evalstats.stats.quality.respondents.respondent_sheets`), the forms a respondent gave the
same answers count once in the per-collector scan (one sheet, one submission), and a burst lists
all of them.

Examples
--------
>>> import numpy as np
>>> label, peaks = _window_runs(np.zeros(4, np.int64), np.array([0, 1, 2, 50]), 3, 5)
>>> label.tolist(), peaks.tolist()
([0, 0, 0, -1], [3])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.stats.quality.flags import flag_row
from evalstats.stats.quality.respondents import respondent_sheets
from evalstats.stats.quality.source import QualityData, combine_codes, group_members
from evalstats.stats.quality.wording import duration_text, pattern_text, time_text, unit_text


def _key_times(key: np.ndarray, t: np.ndarray, window: int):
    """``(key, t)`` as one int64 per row that sorts as the pairs do, and ``window`` in its
    time unit; None when it could overflow.  Times (``t >= 0``) and the window are divided by
    their greatest common divisor first (times recorded to the second: a second), so the
    key's range times the times' range stays far below 2**62."""
    step = int(np.gcd.reduce(t)) if len(t) else 1
    step = int(np.gcd(step, window)) or 1
    if step > 1:
        t, window = t // step, window // step
    span = (int(t.max()) if len(t) else 0) + window + 1
    if (float(key.max()) + 1 if len(key) else 1.0) * span >= 2.0**62:
        return None, window
    return key * np.int64(span) + t, window


def _time_order(key: np.ndarray, t: np.ndarray, window: int) -> np.ndarray:
    """The rows in (key, t) order (stable): one int64 sort where it fits, else a lexsort."""
    joint, _ = _key_times(key, t, window)
    if joint is None:
        return np.lexsort((t, key))
    return np.argsort(joint, kind="stable")


def _window_ends(key: np.ndarray, t: np.ndarray, window: int) -> np.ndarray:
    """For rows sorted by (key, t): how many rows have (key, t) <= (key_i, t_i + window)."""
    n = len(key)
    group = np.cumsum(np.concatenate([[True], key[1:] != key[:-1]])) - 1 if n else key
    joint, step_window = _key_times(group, t, window)
    if joint is not None:  # sorted: one binary search per row, each after the one before
        return np.searchsorted(joint, joint + step_window, side="right")
    kk = np.concatenate([key, key])  # many keys and times to the nanosecond over years
    tt = np.concatenate([t, t + window])
    is_q = np.concatenate([np.zeros(n, np.int8), np.ones(n, np.int8)])
    order = np.lexsort((is_q, tt, kk))
    data_before = np.cumsum(is_q[order] == 0)
    j = np.empty(n, np.int64)
    j[order[is_q[order] == 1] - n] = data_before[is_q[order] == 1]
    return j


def _window_runs(key: np.ndarray, t: np.ndarray, minimum: int, window: int):
    """Bursts in rows sorted by (key, t): runs of rows covered by a window ``[t_i, t_i + window]``
    (same key) holding at least ``minimum`` rows.  Returns (run label per row or -1, peak count
    per run)."""
    n = len(key)
    j = _window_ends(key, t, window)  # the rows of each row's window: i .. j[i] - 1
    count = j - np.arange(n)
    start = count >= minimum
    delta = np.zeros(n + 1, np.int64)
    np.add.at(delta, np.flatnonzero(start), 1)
    np.add.at(delta, j[start], -1)
    active = np.cumsum(delta)[:n]  # windows covering each row
    before = np.concatenate([[0], active[:-1]])
    covered = active > 0
    new_key = np.ones(n, bool)
    new_key[1:] = key[1:] != key[:-1]
    begins = covered & ((before == 0) | new_key)
    label = np.where(covered, np.cumsum(begins) - 1, -1)
    peaks = np.zeros(int(begins.sum()), np.int64)
    if len(peaks):
        np.maximum.at(peaks, label[start], count[start])
    return label, peaks


def burst(d: QualityData, minimum: int, window: pd.Timedelta) -> list[dict]:
    """Flags of check ``burst``: identical forms in a short window, per collector, then per unit.

    Parameters
    ----------
    d : QualityData
        The prepared forms.
    minimum : int
        Fewest forms in one window that make a burst.
    window : Timedelta
        Length of the window.

    Returns
    -------
    list of dict
        One flag row (:func:`~evalstats.stats.quality.flags.flag_row`) per burst.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.quality.source import prepare_forms
    >>> burst(prepare_forms(empty_forms(), load_scheme(), None), 10, pd.Timedelta("30min"))
    []
    """
    if d.time is None or len(d.forms) < minimum:
        return []
    t = d.time
    has_t = ~np.isnat(t)
    if not has_t.any():
        return []
    rel = np.where(has_t, (t - t[has_t].min()).astype(np.int64), 0)
    in_burst = np.zeros(len(t), bool)
    sheet = respondent_sheets(d)  # one respondent's identical forms are one sheet
    first = np.ones(len(t), bool)
    if sheet is not None:
        first = (sheet < 0) | ~pd.Series(sheet).duplicated().to_numpy()
    rows = []
    for stage in ("collector", "unit"):
        if stage == "collector":
            pos = np.flatnonzero(has_t & (d.coll >= 0) & first)
            second = d.coll[pos]
        else:
            pos = np.flatnonzero(has_t & ~in_burst)
            second = d.unit[pos]
        if len(pos) < minimum:
            continue
        key = combine_codes(d.cyc[pos], second, d.pattern[pos])
        order = _time_order(key, rel[pos], window.value)
        label, peaks = _window_runs(key[order], rel[pos][order], minimum, window.value)
        if not len(peaks):
            continue
        for b, m in enumerate(group_members(label)):
            idx = pos[order[m]]
            if sheet is not None and stage == "collector":  # each sheet's forms, all units
                mine = sheet[idx][sheet[idx] >= 0]
                idx = np.union1d(idx, np.flatnonzero(np.isin(sheet, mine) & (sheet >= 0)))
            in_burst[idx] = True
            rows.append(
                _burst_row(d, stage, idx, peak=int(peaks[b]), minimum=minimum, window=window)
            )
    return rows


def _burst_row(d, stage, idx, *, peak, minimum, window) -> dict:
    i = idx[0]
    t = d.time
    units = [d.unit_cats[u] for u in np.unique(d.unit[idx])]
    codes = d.scheme.group_codes
    groups = [codes[g] for g in np.unique(d.group[idx])]
    unit = units[0] if len(units) == 1 else ""
    group = groups[0] if len(groups) == 1 else ""
    colls = set(d.coll[idx].tolist())
    collector = d.collectors[colls.pop()] if len(colls) == 1 and -1 not in colls else ""
    ids = d.form_id[idx].tolist()
    t0, t1 = time_text(t[idx].min()), time_text(t[idx].max())
    span = pd.Timedelta(t[idx].max() - t[idx].min())
    n = len(idx)
    pat_en, pat_zh = pattern_text(d, d.levels[i], "en"), pattern_text(d, d.levels[i], "zh")
    units_en = ", ".join(unit_text(d, u, "en") for u in units)
    units_zh = "、".join(unit_text(d, u, "zh") for u in units)
    w_en, w_zh = duration_text(window, "en"), duration_text(window, "zh")
    if stage == "collector":
        en = (
            f"{n} forms with identical answers ({pat_en}) were collected by {collector} between "
            f"{t0} and {t1} ({duration_text(span, 'en')}), for {units_en}"
        )
        zh = (
            f"收集人{collector}在 {t0} 至 {t1}（{duration_text(span, 'zh')}）内收回 {n} 份答案完全"
            f"相同的问卷（{pat_zh}），涉及{units_zh}"
        )
    else:
        who_en = collector or "several collectors or none recorded"
        who_zh = f"收集人{collector}" if collector else "多名收集人或未记录收集人"
        en = (
            f"{n} forms for {units_en} with identical answers ({pat_en}) were submitted between "
            f"{t0} and {t1} ({duration_text(span, 'en')}), by {who_en}"
        )
        zh = (
            f"{units_zh}有 {n} 份答案完全相同的问卷（{pat_zh}）在 {t0} 至 {t1}"
            f"（{duration_text(span, 'zh')}）内提交，{who_zh}"
        )
    return flag_row(
        d,
        d.cycle[i],
        "burst",
        unit=unit,
        group=group,
        collector=collector,
        ids=ids,
        n_forms=n,
        value=peak,
        threshold=minimum,
        reason=f"{en}; up to {peak} within one {w_en} window (threshold {minimum}).",
        reason_zh=f"{zh}；任一 {w_zh}内最多 {peak} 份（阈值 {minimum} 份）。",
    )


__all__ = [
    "burst",
]
