"""Small frame helpers the table builders of a cycle's analysis share.

Unit names and series by unit code, the scheme's series order, the dissatisfied answers, and
codes joined by ``;`` per row — each one line of pandas, defined once so that every table
orders and joins the same way.

Examples
--------
>>> import numpy as np
>>> join_codes({"a": np.array([True, False]), "b": np.array([True, True])}, 2).tolist()
['a;b', 'b']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.analyses.cycle.columns import ALL
from evalstats.core.scheme import Scheme


def str_series(values) -> pd.Series:
    """``values`` as a Series of the ``str`` dtype (the dtype of every code column).

    Examples
    --------
    >>> str_series(["a", "b"]).tolist()
    ['a', 'b']
    """
    return pd.Series(values, dtype="str")


def unit_info(units: pd.DataFrame) -> pd.DataFrame:
    """``unit → unit_name, series`` as str, indexed by unit (the first row of a unit wins)."""
    u = pd.DataFrame(
        {
            "unit": units["unit"].astype(str).to_numpy(),
            "unit_name": units["name"].astype(str).to_numpy(),
            "series": units["series"].astype(str).to_numpy(),
        }
    )
    return u.drop_duplicates("unit").set_index("unit")


def series_rank(series: pd.Series, scheme: Scheme) -> np.ndarray:
    """Sort keys of series codes: the scheme's order, then unknown codes, then ``"all"``."""
    order = {s: i for i, s in enumerate(scheme.series_codes)}
    order[ALL] = len(order) + 1
    return series.astype(str).map(order).fillna(len(order)).to_numpy()


def dissatisfied_mask(levels: pd.Series, scheme: Scheme) -> np.ndarray:
    """Per answer, whether its level is one of ``scheme.rules.dissatisfied_levels``."""
    return levels.astype(str).isin(list(scheme.rules.dissatisfied_levels)).to_numpy()


def join_codes(masks: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Per row, the keys whose mask is True, joined by ``;`` (vectorised over rows)."""
    out = np.full(n, "", dtype=object)
    for code, mask in masks.items():
        add = np.where(out == "", code, out + ";" + code)
        out = np.where(mask, add, out)
    return out


__all__ = [
    "dissatisfied_mask",
    "join_codes",
    "series_rank",
    "str_series",
    "unit_info",
]
