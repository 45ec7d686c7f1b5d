"""Published precision of the public tier: scores to 2 decimals, rates to 3 (1 decimal of a %).

The precision a number is published at is part of what an attacker knows: a group-weighted
score printed to 16 digits is an exact equation over the groups' whole-number counts, one
printed to 2 decimals is an interval (:mod:`evalstats.stats.privacy.audit`).  The public
tier's tables, figure data, summary and letters therefore carry scores and rates at the
precision the documents print them anyway (DOMAIN: "reports show scores to 2 decimals and
rates as percentages to 1 decimal"); grades and ranks are decided before, on unrounded values.
The internal tier keeps full precision.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"unit": ["u"], "score": [88.60759493670886], "satisfied_rate": [0.96202],
...                   "p_last": [0.9971]})
>>> round_public(t).to_dict("records")
[{'unit': 'u', 'score': 88.61, 'satisfied_rate': 0.962, 'p_last': 0.9971}]
"""

from __future__ import annotations

import numbers

import pandas as pd

SCORE_DECIMALS = 2
RATE_DECIMALS = 3
_RATE_WORDS = ("rate", "share_of_all_votes", "satisfied_ci_", "dissatisfied_ci_")
_SCORE_WORDS = ("score", "composite", "series_median")


def public_decimals(column: str) -> int | None:
    """The decimals a public number of ``column`` is published at (None: as computed).

    Examples
    --------
    >>> public_decimals("weighted_score_ci_low"), public_decimals("dissatisfied_rate")
    (2, 3)
    >>> public_decimals("series_median_dissatisfied_rate"), public_decimals("pvalue")
    (3, None)
    """
    name = str(column)
    if any(w in name for w in _RATE_WORDS):
        return RATE_DECIMALS
    if any(w in name for w in _SCORE_WORDS):
        return SCORE_DECIMALS
    return None


def round_public(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with its score and rate columns at the published precision.

    Only float columns are rounded (counts stay whole numbers); see :func:`public_decimals`.
    """
    out = table.copy()
    for c in out.columns:
        d = public_decimals(c)
        if d is not None and pd.api.types.is_float_dtype(out[c].dtype):
            out[c] = out[c].round(d)
    return out


def round_summary(value, key: str = ""):
    """A summary (nested dicts and lists) with its scores and rates at the published
    precision, by key (:func:`public_decimals`).

    Examples
    --------
    >>> round_summary({"town": {"score": 87.80638744612665, "n": 3}, "x": [{"rate": 0.12345}]})
    {'town': {'score': 87.81, 'n': 3}, 'x': [{'rate': 0.123}]}
    """
    if isinstance(value, dict):
        return {k: round_summary(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [round_summary(v, key) for v in value]
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)):
        d = public_decimals(key)
        return value if d is None or value != value else round(float(value), d)
    return value


__all__ = [
    "RATE_DECIMALS",
    "SCORE_DECIMALS",
    "public_decimals",
    "round_public",
    "round_summary",
]
