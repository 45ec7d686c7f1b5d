"""The demo's responses in the wide layout: one row per respondent, one column per unit × content.

:func:`wide_responses` gives the demo town's forms of a cycle to respondents — each rates a unit
at most once; the forms of a unit × group go to distinct people of the group's pool, so one
person rates several units — and writes one row per respondent, as the matrix 测评表 of 民主评议
or an online-survey export has them (read back by :mod:`evalstats.inputs.read.wide`).  Row ids
are ``<cycle>-R0001`` …; the forms are ``<row id>/<unit code>``.  A row's group is its
respondent's; its submission time and collector are those of its first form; a unit's comment
goes to that unit's comment column (``<unit name>-意见建议``, only for units with a comment).
The answers are the long demo's, form for form (the per-form halo of the demo's latent model is
kept, so respondents do not share a severity across units).

Examples
--------
>>> import numpy as np
>>> people = assign_respondents(np.array([0, 0, 1]), np.array([0, 0, 0]),
...                             np.random.default_rng(0))
>>> int(people[0]) != int(people[1])
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme
from evalstats.inputs.template import WIDE_SEPARATOR, response_headers


def assign_respondents(unit_i: np.ndarray, group_i: np.ndarray, rng) -> np.ndarray:
    """A respondent (int) per form: within a group, a unit's forms go to distinct people of the
    group's pool (the largest unit × group plus 3), each unit starting at a random place.

    Examples
    --------
    >>> assign_respondents(np.array([0]), np.array([0]), np.random.default_rng(1)).shape
    (1,)
    """
    order = np.lexsort((np.arange(len(unit_i)), group_i, unit_i))
    rank = np.empty(len(unit_i), np.int64)
    key = unit_i[order] * (int(group_i.max()) + 1) + group_i[order]
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    rank[order] = np.arange(len(key)) - np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    n_units, n_groups = int(unit_i.max()) + 1, int(group_i.max()) + 1
    sizes = np.bincount(unit_i * n_groups + group_i, minlength=n_units * n_groups)
    pool = sizes.reshape(n_units, n_groups).max(axis=0) + 3
    offset = np.concatenate([[0], np.cumsum(pool)])
    shift = rng.integers(0, 1 << 20, size=(n_units, n_groups))
    return offset[group_i] + (rank + shift[unit_i, group_i]) % pool[group_i]


@dataclass(frozen=True)
class WideDemo:
    """The wide responses table and the form id each long form became."""

    table: pd.DataFrame
    form_ids: np.ndarray  # per long form: ``<row id>/<unit code>``


def wide_responses(
    forms: pd.DataFrame, units, scheme: Scheme, *, cycle: str, duplicates: int, rng
) -> WideDemo:
    """The demo forms of one cycle as the wide responses table.

    Parameters
    ----------
    forms : DataFrame
        The demo's forms (``unit_i, group_i, when, collector, d0.., comment``), each once.
    units : list
        The cycle's units (``code``, ``name``).
    scheme : Scheme
    cycle : str
        Names the row ids.
    duplicates : int
        Rows typed twice (a whole row again, further down).
    rng : numpy.random.Generator

    Returns
    -------
    WideDemo

    Examples
    --------
    >>> wide = wide_responses(forms, units, scheme, cycle="2026H1", duplicates=2,
    ...                       rng=rng)  # doctest: +SKIP
    """
    h = dict(response_headers(scheme))
    unit_i = forms["unit_i"].to_numpy()
    group_i = forms["group_i"].to_numpy()
    person = assign_respondents(unit_i, group_i, rng)
    first_when = pd.Series(forms["when"].to_numpy()).groupby(person).transform("min").to_numpy()
    people = pd.DataFrame({"p": person, "t": first_when}).drop_duplicates("p")
    people = people.sort_values(["t", "p"], kind="stable")
    row_of = {p: i for i, p in enumerate(people["p"])}
    row = np.array([row_of[p] for p in person], np.int64)
    n_rows = len(row_of)
    row_ids = np.array([f"{cycle}-R{i + 1:04d}" for i in range(n_rows)], dtype=object)
    codes = np.asarray([u.code for u in units], dtype=object)
    first = pd.DataFrame({"row": row, "i": np.arange(len(row))}).groupby("row")["i"].min()
    take = first.sort_index().to_numpy()
    out = {
        h["form_id"]: row_ids,
        h["group"]: np.asarray([g.label_zh for g in scheme.groups], dtype=object)[group_i[take]],
    }
    levels = np.asarray([v.label_zh for v in scheme.levels] + [None], dtype=object)
    comments = forms["comment"].to_numpy(dtype=object)
    for u, unit in enumerate(units):
        mine = np.flatnonzero(unit_i == u)
        for d, dim in enumerate(scheme.dimensions):
            col = np.full(n_rows, None, dtype=object)
            col[row[mine]] = levels[forms[f"d{d}"].to_numpy()[mine]]
            out[f"{unit.name}{WIDE_SEPARATOR}{dim.label_zh}"] = col
        said = mine[~pd.isna(comments[mine])]
        if len(said):
            col = np.full(n_rows, None, dtype=object)
            col[row[said]] = comments[said]
            out[f"{unit.name}{WIDE_SEPARATOR}{h['comment']}"] = col
    out[h["submitted_at"]] = pd.to_datetime(forms["when"].to_numpy()[take]).strftime(
        "%Y-%m-%d %H:%M"
    )
    out[h["collector"]] = forms["collector"].to_numpy(dtype=object)[take]
    table = pd.DataFrame(out)
    if duplicates:  # whole rows typed twice, the copy further down
        chosen = np.sort(rng.choice(n_rows - 1, size=min(duplicates, n_rows - 1), replace=False))
        keys = np.concatenate(
            [np.arange(n_rows, dtype=float), chosen + 1 + rng.random(len(chosen)) * 0.5]
        )
        table = pd.concat([table, table.iloc[chosen]], ignore_index=True)
        table = table.iloc[np.argsort(keys, kind="stable")].reset_index(drop=True)
    return WideDemo(table, row_ids[row] + "/" + codes[unit_i])


__all__ = ["WideDemo", "assign_respondents", "wide_responses"]
