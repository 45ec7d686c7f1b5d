"""The quality checks of a cycle counted out of core (``CycleCounts.rows``).

The row checks run on the candidate forms only; straight-lining and 100 % satisfaction are
counted from the pattern counts, the tally and one GROUP BY per collector (see
:func:`counted_flags`).  The result is the same table :func:`evalstats.stats.quality.quality_flags`
gives for the forms in memory.

Examples
--------
>>> from evalstats.core.scheme import load_scheme
>>> import numpy as np
>>> _is_straight(np.array([[0, 0, 0, 0, 0], [0, 1, 0, 0, 0]]), load_scheme()).tolist()
[True, False]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme
from evalstats.stats.quality.burst import burst
from evalstats.stats.quality.duplicates import near_duplicate, typed_twice
from evalstats.stats.quality.flags import flags_frame
from evalstats.stats.quality.respondents import respondent_flags
from evalstats.stats.quality.response import counted_response_rates, response_rate_flags
from evalstats.stats.quality.satisfaction import CellStats, full_satisfaction, good_levels
from evalstats.stats.quality.source import counted_pattern_codes, counted_per_cell, prepare_forms
from evalstats.stats.quality.straight import StraightStats, straight_lining


def _is_straight(lv: np.ndarray, scheme: Scheme) -> np.ndarray:
    """Rows of level codes ``lv`` [n, D] (-1 blank) with the same valid level everywhere."""
    if lv.shape[1] == 0:
        return np.zeros(len(lv), bool)
    valid = np.array([v.valid for v in scheme.levels])
    first = lv[:, 0]
    return (lv == first[:, None]).all(axis=1) & (first >= 0) & valid[np.clip(first, 0, None)]


def counted_flags(
    counted,
    *,
    scheme,
    forms_issued,
    duplicates,
    voided,
    units,
    burst_min,
    window,
    near_window,
    comment_min_chars,
    straightline_min_n,
    alpha,
    adjust,
    full_satisfaction_n,
    level,
    min_rate,
    respondent_min_units: int = 3,
    max_blank: float = 0.5,
) -> pd.DataFrame:
    """:func:`quality_flags` of a cycle counted out of core (``CycleCounts.rows``).

    The row checks run on the candidate forms only (:meth:`RowStore.check_candidates`: every
    form of a burst or near duplicate is among them, so the flags are the same); the counts
    of straight-lining and 100 % satisfaction come from the pattern counts, the tally and one
    GROUP BY per collector, and only the ids of the flagged units, collectors and cells are
    fetched.  Forms naming respondents (a wide file, a long file's respondent column or
    pseudonyms) are all read back from the store: the respondent checks
    (:func:`respondent_flags`) need every form of a respondent, and a burst counts the forms a
    respondent gave the same answers once, so the candidates would not do.
    """
    store = counted.rows
    dup_ids = []
    if duplicates is not None and len(duplicates) and "form_id" in duplicates.columns:
        dup_ids = sorted(set(duplicates["form_id"].astype(str)))
    every = getattr(store, "respondent", False)
    if every:  # forms naming respondents: a burst counts a respondent's sheet once, and the
        # respondent checks need every form of a respondent: every counted form, read back
        sub = store.forms()
    else:
        sub = store.check_candidates(
            burst_min=burst_min,
            burst_window=window.value,
            near_duplicate_window=near_window.value,
            form_ids=dup_ids,
        )
    d = prepare_forms(sub, scheme, units)
    u, _g, lv, cnt = counted_pattern_codes(counted, scheme)
    n_total = int(cnt.sum())
    # a voided form typed twice: the flag names its cycle and collector, as validate_cycle's
    # voided table (the forms' columns) gives them
    voided_forms = store.voided_forms() if len(dup_ids) and voided is not None else voided
    rows = [
        *typed_twice(d, duplicates, voided_forms),
        *near_duplicate(d, near_window, comment_min_chars),
        *burst(d, burst_min, window),
    ]
    if n_total:
        nu = len(d.unit_cats)
        straight = _is_straight(lv, scheme)
        per_coll = store.collector_straight()
        names = [str(x) for x in per_coll["collector"]]
        order = sorted(range(len(names)), key=names.__getitem__)

        def straight_ids(kind, key):
            if kind == "unit":
                return store.form_ids("straight AND u = ?", [int(key)])
            return store.form_ids("straight AND collector = ?", [names_sorted[key]])

        names_sorted = [names[i] for i in order]
        stats = StraightStats(
            cycle=counted.cycle,
            p0=float(cnt[straight].sum() / n_total),
            m_u=np.bincount(u, weights=cnt, minlength=nu).astype(np.int64),
            k_u=np.bincount(u, weights=cnt * straight, minlength=nu),
            collectors=names_sorted,
            m_c=per_coll["n_forms"].to_numpy(np.int64)[order],
            k_c=per_coll["n_straight"].to_numpy(np.float64)[order],
            ids=straight_ids,
        )
        rows += straight_lining(d, straightline_min_n, alpha, adjust, stats=[stats])
        if len(scheme.dimension_codes):
            cells = {b: _counted_cells(counted, scheme, store, level, b) for b in (True, False)}
            rows += full_satisfaction(d, full_satisfaction_n, level, stats=cells)
    rates = counted_response_rates(counted, scheme, forms_issued, voided)
    rows += response_rate_flags(d, rates, min_rate)
    if every:  # the respondents' own checks
        rows += respondent_flags(d, respondent_min_units, max_blank)
    return flags_frame(rows, d)


def _counted_cells(counted, scheme: Scheme, store, level: str, by_group: bool) -> CellStats:
    from evalstats.counts.tally import tally_to_array

    valid, good = good_levels(scheme, level)
    dense, cycles, units = tally_to_array(counted.counts, scheme)  # [c, u, g, d, level]
    nu, ng, nd = len(units), len(scheme.group_codes), len(scheme.dimension_codes)
    per = counted_per_cell(counted, scheme, nu).reshape(nu, ng)
    if not by_group:
        dense = dense.sum(axis=2, keepdims=True)
        per = per.sum(axis=1, keepdims=True)
    cells = dense.reshape(-1, nd, dense.shape[-1])
    nv = (cells * valid).sum(axis=-1).astype(np.float64)
    ng_ = (cells * good).sum(axis=-1).astype(np.float64)

    def ids(_c, u, g):
        if g is None:
            return store.form_ids("u = ?", [int(u)])
        return store.form_ids("u = ? AND g = ?", [int(u), int(g)])

    n_forms = np.tile(per.reshape(-1), max(len(cycles), 1))[: len(cells)]
    return CellStats(cycles, nv, ng_, n_forms, ids)


__all__ = [
    "counted_flags",
]
