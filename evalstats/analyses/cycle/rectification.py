"""Who must rectify, and why: the rule of ``rectification_required`` and the rectification list.

:func:`rectification_needed` is the one rule (last or last-not-distinguishable in its series,
vetoed, or graded below ``scheme.rules.last_grade_cap``); the report's list, the half-year
follow-up and the letters all read it.

The list (整改清单, :func:`rectification_table`) separates what must be rectified from what is
only fed back, in its ``action`` column (``ACTIONS``):

* ``rectify`` (须整改): every row of a unit that must rectify (``rectification_required``:
  末位, 一票否决, or a grade below the cap), and every weak item (``weak_dimension``, by the
  scheme's ``[rules.weak]``) of any unit;
* ``feedback`` (反馈参考): the other units' comments (批评, 建议, 意见), worth telling them.

Praise (表扬, ``comment_kind = "praise"``) is never listed: it is feedback the letters carry.

Examples
--------
>>> a = half_year("2026H1", n_resamples=200, seed=1)  # doctest: +SKIP
>>> rectification_needed(a.tables["ranking"], scheme=a.scheme).columns.tolist()  # doctest: +SKIP
['unit', 'rectification_required', 'required_because']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.analyses.cycle.columns import ACTIONS, RECTIFICATION_HEAD, RECTIFICATION_TAIL
from evalstats.analyses.cycle.frames import join_codes, series_rank, str_series
from evalstats.core.scheme import Scheme

PRAISE = "praise"  # the comment kind that is never an item to rectify


def rectification_needed(ranking: pd.DataFrame, *, scheme: Scheme) -> pd.DataFrame:
    """Which units must rectify, and why (rule of ``rectification_required``).

    Returns
    -------
    DataFrame
        ``unit, rectification_required, required_because`` aligned with ``ranking``.
    """
    standing = ranking["standing"].astype(str).fillna("").to_numpy()
    veto = ranking["veto"].astype(bool).to_numpy()
    codes = list(scheme.grade_codes)
    cap = codes.index(scheme.rules.last_grade_cap)
    g = ranking["grade"].astype(object)
    gi = g.map(lambda x: codes.index(x) if isinstance(x, str) and x in codes else -1).to_numpy()
    masks = {
        "last": standing == "last",
        "last_not_distinguishable": standing == "last_not_distinguishable",
        "veto": veto,
    }
    for i, code in enumerate(codes):
        if i > cap:
            masks[f"grade:{code}"] = gi == i
    because = join_codes(masks, len(ranking))
    return pd.DataFrame(
        {
            "unit": ranking["unit"].astype(str).to_numpy(),
            "rectification_required": because != "",
            "required_because": str_series(because).to_numpy(),
        },
        index=ranking.index,
    )


def rectification_table(
    ranking: pd.DataFrame,
    weak: pd.DataFrame,
    comments: pd.DataFrame,
    *,
    scheme: Scheme,
    score_column: str = "composite",
) -> pd.DataFrame:
    """The rectification list (整改清单): see ``rectification`` in the package docstring."""
    need = rectification_needed(ranking, scheme=scheme)
    head = ranking[["cycle", "unit", "unit_name", "series", "rank", "standing", "grade"]].copy()
    head[score_column] = ranking[score_column].to_numpy()
    head["veto"] = ranking["veto"].astype(bool).to_numpy()
    head["rectification_required"] = need["rectification_required"].to_numpy()
    head["required_because"] = need["required_because"].to_numpy()
    head["unit"] = head["unit"].astype(str)
    head["_order"] = np.arange(len(head))
    dims = weak.assign(item="weak_dimension", unit=weak["unit"].astype(str))[
        [
            "unit",
            "item",
            "dimension",
            "weighted_score",
            "series_median",
            "n_valid",
            "n_dissatisfied",
            "dissatisfied_rate",
            "weak_reason",
        ]
    ]
    com = comments[comments["comment_kind"].astype(str) != PRAISE]  # never to rectify
    com = com.assign(item="comment", unit=com["unit"].astype(str))[
        ["unit", "item", "group", "form_id", "comment", "comment_kind"]
    ]
    d_order = {d: i for i, d in enumerate(scheme.dimension_codes)}
    dims = dims.assign(_item=0, _sub=dims["dimension"].map(d_order).to_numpy())
    com = com.assign(_item=1, _sub=np.arange(len(com)))
    items = pd.concat([dims, com], ignore_index=True)
    rows = head.merge(items, on="unit", how="left", sort=False)
    listed = rows["item"].notna() | rows["rectification_required"]
    rows = rows[listed].copy()
    rows["item"] = rows["item"].fillna("")
    rectify = rows["rectification_required"].to_numpy() | (rows["item"] == "weak_dimension")
    rows["action"] = np.where(rectify, ACTIONS[0], ACTIONS[1])
    rows = rows.assign(
        _req=(rows["action"] != ACTIONS[0]).astype(int) + (~rows["rectification_required"]),
        _s=series_rank(rows["series"], scheme),
        _r=rows["rank"].astype("Float64").fillna(np.inf).to_numpy(np.float64),
        _item=rows["_item"].fillna(-1),
        _sub=rows["_sub"].fillna(-1),
    ).sort_values(["_req", "_s", "_r", "unit", "_item", "_sub"], kind="stable")
    for c in ("n_valid", "n_dissatisfied"):
        rows[c] = pd.array(rows[c], dtype="Float64").astype("Int64")
    for c in ("dimension", "weak_reason", "group", "form_id", "comment", "comment_kind"):
        rows[c] = rows[c].astype(object).where(rows[c].notna(), "").astype("str")
    for c in ("item", "required_because", "standing", "cycle", "unit", "unit_name", "series"):
        rows[c] = rows[c].astype(object).fillna("").astype("str")
    cols = [*RECTIFICATION_HEAD, score_column, *RECTIFICATION_TAIL]
    return rows[cols].reset_index(drop=True)


__all__ = [
    "rectification_needed",
    "rectification_table",
]
