"""The flags table: its checks and columns, one row per flag, and the forms it marks.

``CHECKS`` names the checks in table order, ``SEVERITY`` their severity and ``QUALITY_COLUMNS``
the columns (see :mod:`evalstats.stats.quality`).  :func:`flag_row` builds one row,
:func:`flags_frame` the ordered table; :func:`check_flags` checks a table given back by a user
and :func:`flagged_form_ids` picks the forms the chosen checks mark as suspicious.

Examples
--------
>>> flagged_form_ids(pd.DataFrame({c: [] for c in QUALITY_COLUMNS})).tolist()
[]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from evalstats.core.options import check_option
from evalstats.stats.quality.source import QualityData

_STR = "str"
CHECKS = (
    "typed_twice",
    "near_duplicate",
    "straight_lining",
    "burst",
    "full_satisfaction",
    "response_rate",
)
RESPONDENT_CHECKS = ("straight_respondent", "duplicate_respondent", "blank_units")
"""Checks that need the forms' ``respondent`` (:mod:`evalstats.stats.quality.respondents`),
after :data:`CHECKS` in the table's order; they give rows only when respondents share forms."""
SEVERITY = {
    "straight_respondent": "info",
    "duplicate_respondent": "warning",
    "blank_units": "info",
    "typed_twice": "info",
    "near_duplicate": "warning",
    "straight_lining": "info",
    "burst": "warning",
    "full_satisfaction": "warning",
    "response_rate": "warning",
}
QUALITY_COLUMNS = [
    "cycle",
    "check",
    "severity",
    "unit",
    "group",
    "collector",
    "form_ids",
    "n_forms",
    "value",
    "threshold",
    "reason",
    "reason_zh",
    "reference",
    "pvalue",
    "pvalue_adjusted",
]
DEFAULT_EXCLUDE = ("burst", "near_duplicate")


def check_checks(checks) -> tuple[str, ...]:
    """``checks`` as a tuple of check names, each one of :data:`CHECKS`.

    Raises TypeError for a non-sequence and ValueError (through
    :func:`evalstats.core.options.check_option`) naming a value that is not a check.

    Examples
    --------
    >>> check_checks("burst")
    ('burst',)
    """
    if isinstance(checks, str):
        checks = (checks,)
    if not isinstance(checks, Iterable):
        raise TypeError(f"checks must be a sequence of check names; got {checks!r}")
    out = tuple(checks)
    for c in out:
        check_option("checks", c, (*CHECKS, *RESPONDENT_CHECKS))
    return out


def flag_row(
    d: QualityData,
    cycle,
    check,
    *,
    unit="",
    group="",
    collector="",
    ids=(),
    n_forms,
    value,
    threshold=np.nan,
    reason,
    reason_zh,
    reference=np.nan,
    pvalue=np.nan,
    pvalue_adjusted=np.nan,
) -> dict:
    """One row of the flags table (``QUALITY_COLUMNS``) as a dict.

    ``severity`` comes from :data:`SEVERITY`; ``form_ids`` joins the sorted ``ids`` with ``;``;
    numbers are cast to ``int`` (``n_forms``) and ``float`` (the others).

    Examples
    --------
    >>> row = flag_row(None, "2026H1", "burst", ids=["b", "a"], n_forms=2, value=2,
    ...                reason="r", reason_zh="z")
    >>> row["severity"], row["form_ids"]
    ('warning', 'a;b')
    """
    return {
        "cycle": cycle,
        "check": check,
        "severity": SEVERITY[check],
        "unit": unit,
        "group": group,
        "collector": collector,
        "form_ids": ";".join(sorted(ids)),
        "n_forms": int(n_forms),
        "value": float(value),
        "threshold": float(threshold),
        "reason": reason,
        "reason_zh": reason_zh,
        "reference": float(reference),
        "pvalue": float(pvalue),
        "pvalue_adjusted": float(pvalue_adjusted),
    }


def flags_frame(rows: list[dict], d: QualityData) -> pd.DataFrame:
    """The flags table from flag rows: typed columns, ordered by cycle, check (the order of
    :data:`CHECKS`), unit and group (in the order of ``d``), collector and form ids.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.quality.source import prepare_forms
    >>> d = prepare_forms(empty_forms(), load_scheme(), None)
    >>> list(flags_frame([], d).columns) == QUALITY_COLUMNS
    True
    """
    frame = pd.DataFrame(rows, columns=QUALITY_COLUMNS)
    for c in ("cycle", "check", "severity", "unit", "group", "collector", "form_ids"):
        frame[c] = frame[c].astype(object).fillna("").astype(_STR)
    for c in ("reason", "reason_zh"):
        frame[c] = frame[c].astype(_STR)
    frame["n_forms"] = frame["n_forms"].astype(np.int64)
    for c in ("value", "threshold", "reference", "pvalue", "pvalue_adjusted"):
        frame[c] = frame[c].astype(float)
    if not len(frame):
        return frame.reset_index(drop=True)
    big = 1 << 30
    u_pos = {u: i for i, u in enumerate(d.unit_cats)}
    g_pos = {g: i for i, g in enumerate(d.scheme.group_codes)}
    key = pd.DataFrame(
        {
            "c": frame["cycle"].to_numpy(dtype=object),
            "k": frame["check"]
            .map({c: i for i, c in enumerate((*CHECKS, *RESPONDENT_CHECKS))})
            .to_numpy(),
            "u": frame["unit"].map(lambda u: u_pos.get(u, big - 1) if u else big).to_numpy(),
            "g": frame["group"].map(lambda g: g_pos.get(g, big - 1) if g else big).to_numpy(),
            "o": frame["collector"].to_numpy(dtype=object),
            "f": frame["form_ids"].to_numpy(dtype=object),
        }
    )
    order = key.sort_values(list(key.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def check_flags(flags) -> pd.DataFrame:
    """``flags`` checked to be a :func:`quality_flags` table (all ``QUALITY_COLUMNS``).

    Raises TypeError for a non-DataFrame and ValueError naming the missing columns.

    Examples
    --------
    >>> check_flags(pd.DataFrame({"check": []}))
    Traceback (most recent call last):
    ValueError: flags lacks column(s) ['cycle', 'severity', 'unit', 'group', 'collector', 'form_ids', 'n_forms', 'value', 'threshold', 'reason', 'reason_zh', 'reference', 'pvalue', 'pvalue_adjusted']; pass the output of quality_flags()
    """  # noqa: E501
    if not isinstance(flags, pd.DataFrame):
        raise TypeError(
            f"flags must be a pandas DataFrame (from quality_flags); got {type(flags).__name__}"
        )
    missing = [c for c in QUALITY_COLUMNS if c not in flags.columns]
    if missing:
        raise ValueError(f"flags lacks column(s) {missing}; pass the output of quality_flags()")
    return flags


def flagged_form_ids(
    flags: pd.DataFrame, *, checks=DEFAULT_EXCLUDE, cycle: str | None = None
) -> pd.Index:
    """The ids of the forms the chosen checks mark as suspicious.

    Parameters
    ----------
    flags : DataFrame
        Output of :func:`quality_flags`.
    checks : sequence of str
        Checks whose forms are marked (default ``("burst", "near_duplicate")``).  By default
        bursts and near duplicates mark every form they list (the copy cannot be told from the
        original).  Straight-lining does not: a unit's all-same forms are mostly honest (a unit
        rated well by everyone has many of them), and dropping them all would bias it down.
        Neither do 100 % satisfaction (it concerns a whole cell: dropping it would leave the
        unit or group without forms), forms typed twice (already counted once) or response
        rates (no form in particular).  Any of them can be named here on purpose.
    cycle : str, optional
        The cycle, required when ``flags`` hold several.

    Returns
    -------
    pandas.Index
        Sorted unique form ids (``str``), named ``form_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> flags = pd.DataFrame({c: [] for c in QUALITY_COLUMNS})
    >>> len(flagged_form_ids(flags))
    0
    """
    flags = check_flags(flags)
    checks = check_checks(checks)
    cycles = sorted(set(flags["cycle"].astype(str)))
    if cycle is not None:
        if not isinstance(cycle, str):
            raise TypeError(f"cycle must be a str; got {cycle!r}")
        flags = flags[flags["cycle"].astype(str) == cycle]
    elif len(cycles) > 1:
        raise ValueError(f"flags hold several cycles {cycles}; pass cycle= to choose one")
    part = flags.loc[flags["check"].isin(checks), "form_ids"].astype(str)
    ids = sorted({i for text in part for i in text.split(";") if i})
    return pd.Index(ids, dtype=_STR, name="form_id")


__all__ = [
    "CHECKS",
    "DEFAULT_EXCLUDE",
    "QUALITY_COLUMNS",
    "RESPONDENT_CHECKS",
    "SEVERITY",
    "check_checks",
    "check_flags",
    "flag_row",
    "flagged_form_ids",
    "flags_frame",
]
