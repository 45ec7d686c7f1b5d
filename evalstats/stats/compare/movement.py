"""Change of rank and standing of every unit between two rankings (:func:`rank_movement`).

Examples
--------
>>> b = pd.DataFrame({"cycle": "2026H1", "unit": ["A", "B"], "series": "s",
...                   "rank": [1, 2], "standing": ["top3", "last"]})
>>> rank_movement(b, b.assign(cycle="2026A"))["movement"].tolist()
[0, 0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.stats.compare.cycles import PRESENT

__all__ = ["MOVEMENT_COLUMNS", "rank_movement"]

MOVEMENT_COLUMNS = [
    "unit",
    "unit_name",
    "series",
    "cycle_before",
    "cycle_after",
    "rank_before",
    "rank_after",
    "movement",
    "standing_before",
    "standing_after",
    "present",
    "flags",
]


def _flags(changed, vetoed_before, vetoed_after) -> np.ndarray:
    """``series_changed;vetoed_before;vetoed_after`` (those that hold) per row."""
    parts = [
        np.where(changed, "series_changed", ""),
        np.where(vetoed_before, "vetoed_before", ""),
        np.where(vetoed_after, "vetoed_after", ""),
    ]
    return np.array(
        [";".join(p for p in row if p) for row in zip(*parts, strict=True)], dtype=object
    )


def rank_movement(ranking_before: pd.DataFrame, ranking_after: pd.DataFrame) -> pd.DataFrame:
    """Rank and standing of every unit in two rankings, and how far it moved.

    Parameters
    ----------
    ranking_before, ranking_after : DataFrame
        Rankings of one cycle each (:func:`evalstats.stats.rank.rank_units`): columns ``cycle,
        unit, series, rank, standing`` (``unit_name`` optional).

    Returns
    -------
    DataFrame
        ``MOVEMENT_COLUMNS``: ``unit, unit_name, series, cycle_before, cycle_after,
        rank_before, rank_after`` (nullable Int64), ``movement = rank_before − rank_after``
        (positive: moved up; <NA> unless ranked in both in the same series),
        ``standing_before``, ``standing_after``, ``present`` (``"both"``, ``"before_only"``,
        ``"after_only"``) and ``flags`` (``series_changed`` when the unit changed series, so
        its ranks are not comparable; ``vetoed_before`` / ``vetoed_after`` when a ranking has
        a ``veto`` column and the unit is vetoed there — it is not ranked, see
        :func:`evalstats.stats.rank.rank_units` — joined by ``;``).  Rows by series (after's,
        else before's), then ``rank_after``, then ``rank_before``, then unit.

    Examples
    --------
    >>> b = pd.DataFrame({"cycle": "2026H1", "unit": ["A", "B"], "series": "s",
    ...                   "rank": [1, 2], "standing": ["top3", "last"]})
    >>> a = b.assign(cycle="2026A", rank=[2, 1], standing=["last", "top3"])
    >>> rank_movement(b, a)[["unit", "rank_before", "rank_after", "movement"]].values.tolist()
    [['B', 2, 1, 1], ['A', 1, 2, -1]]
    """
    frames = []
    cycles = []
    for name, r in (("ranking_before", ranking_before), ("ranking_after", ranking_after)):
        if not isinstance(r, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame; got {type(r).__name__}")
        need = ["cycle", "unit", "series", "rank", "standing"]
        missing = [c for c in need if c not in r.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s) {missing}; it needs {need}")
        cyc = sorted(set(r["cycle"].astype(str)))
        if len(cyc) > 1:
            raise ValueError(f"{name} holds {len(cyc)} cycles {cyc}; pass one cycle")
        if r["unit"].astype(str).duplicated().any():
            dup = sorted(set(r["unit"].astype(str)[r["unit"].astype(str).duplicated()]))
            raise ValueError(f"{name} lists unit(s) {dup} more than once")
        cycles.append(cyc[0] if cyc else "")
        f = pd.DataFrame(
            {
                "unit": r["unit"].astype(str).to_numpy(),
                "unit_name": (
                    r["unit_name"].astype(object).to_numpy() if "unit_name" in r else None
                ),
                "series": r["series"].astype(str).to_numpy(),
                "rank": pd.array(r["rank"], dtype="Float64").astype("Int64"),
                "standing": r["standing"].astype(object).fillna("").astype(str).to_numpy(),
                "veto": (
                    r["veto"].astype(object).fillna(False).astype(bool).to_numpy()
                    if "veto" in r
                    else False
                ),
            }
        )
        frames.append(f)
    m = frames[0].merge(frames[1], on="unit", how="outer", suffixes=("_before", "_after"))
    in_b = m["series_before"].notna().to_numpy()
    in_a = m["series_after"].notna().to_numpy()
    present = np.where(in_b & in_a, "both", np.where(in_b, "before_only", "after_only"))
    changed = in_b & in_a & (m["series_before"] != m["series_after"]).to_numpy()
    movement = (m["rank_before"] - m["rank_after"]).astype("Int64")
    movement[changed] = pd.NA
    name = m["unit_name_after"].where(m["unit_name_after"].notna(), m["unit_name_before"])
    out = pd.DataFrame(
        {
            "unit": m["unit"],
            "unit_name": name.astype(object),
            "series": m["series_after"].where(in_a, m["series_before"]),
            "cycle_before": pd.Series([cycles[0]] * len(m), dtype="str"),
            "cycle_after": pd.Series([cycles[1]] * len(m), dtype="str"),
            "rank_before": m["rank_before"].astype("Int64"),
            "rank_after": m["rank_after"].astype("Int64"),
            "movement": movement,
            "standing_before": m["standing_before"].fillna("").astype(str),
            "standing_after": m["standing_after"].fillna("").astype(str),
            "present": pd.Categorical(present, categories=list(PRESENT)),
            "flags": _flags(
                changed,
                m["veto_before"].fillna(False).astype(bool).to_numpy(),
                m["veto_after"].fillna(False).astype(bool).to_numpy(),
            ),
        }
    )
    order = out.assign(
        _ra=out["rank_after"].astype("Float64").fillna(np.inf),
        _rb=out["rank_before"].astype("Float64").fillna(np.inf),
    ).sort_values(["series", "_ra", "_rb", "unit"], kind="stable")
    return out.loc[order.index, MOVEMENT_COLUMNS].reset_index(drop=True)
