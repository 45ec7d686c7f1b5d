"""The checker of a public report: :func:`check_public` lists every violation of the rules.

Each table is read as cells (keys, respondents, published or not); rows are checked one by one
(below the threshold, a protected group per unit), then across tables (shown here, withheld
there), then all the additive tables together for linear recovery (:func:`~evalstats.stats.
privacy.margins.determined`), then the score relations.  The rule codes are :data:`RULES`.

Examples
--------
>>> from evalstats.core.scheme import load_scheme
>>> len(check_public({}, scheme=load_scheme()))
0
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme
from evalstats.stats.privacy.margins import determined
from evalstats.stats.privacy.suppress import ALL, ANY

RULES = (
    "below_threshold",
    "group_per_unit",
    "published_elsewhere",
    "recoverable",
    "score_relation",
    "internal_only",
)
VIOLATION_COLUMNS = ["table", "unit", "series", "group", "dimension", "rule", "detail"]
SUPPRESSION_TABLE = "suppressed"
"""Name of the suppression log among a report's tables (not itself checked as data)."""
INTERNAL_TEXT_COLUMNS = ("comment", "form_id", "form_ids", "collector")
STRUCTURAL_COLUMNS = frozenset(
    {
        "rank",
        "rank_low",
        "rank_high",
        "n_ranked",
        "p_last",
        "p_top3",
        "confidence_level",
        "threshold",
        "weight_half_year",
        "weight_annual",
        "movement",
        "rank_before",
        "rank_after",
        "k",
    }
)
"""Numeric columns that describe the table, not the respondents of a row."""
ADDITIVE_COLUMNS = frozenset(
    {
        "count",
        "n_valid",
        "n_unknown",
        "n_blank",
        "valid",
        "returned",
        "issued",
        "voided",
        "n_dissatisfied",
        "n_all_votes",
        "n",
        "n_valid_before",
        "n_valid_after",
    }
)
"""Count columns: a table holding one is additive over units, groups and dimensions, and
enters the recoverability check; other tables (rankings, composites) are checked row by row."""


def _value_columns(t: pd.DataFrame, n_column: str | None) -> list[str]:
    sig_level = "adjust_method" in t.columns  # an "alpha" column is then a significance level
    out = []
    for c in t.columns:
        if c == n_column or c in STRUCTURAL_COLUMNS or (c == "alpha" and sig_level):
            continue
        dt = t[c].dtype
        if pd.api.types.is_bool_dtype(dt) or not pd.api.types.is_numeric_dtype(dt):
            continue
        out.append(c)
    return out


def _n_column(t: pd.DataFrame) -> str | None:
    for c in ("n_forms", "valid", "n_all_votes", "n_valid_before", "n_valid", "n"):
        if c in t.columns:
            return c
    return None


def _text_keys(t: pd.DataFrame, col: str, default: str) -> np.ndarray:
    if col not in t.columns:
        return np.full(len(t), default, dtype=object)
    v = t[col].astype(object).where(t[col].notna(), "").astype(str).to_numpy(dtype=object)
    v[(v == "") | (v == "nan")] = default
    return v


def _table_cells(name: str, t: pd.DataFrame, scheme: Scheme, series_of: dict):
    """One row per cell × dimension of a table: keys, ``n``, ``published`` (None for a table
    without numbers about respondents)."""
    unit = _text_keys(t, "unit", ALL)
    group = _text_keys(t, "group", ALL)
    dim = _text_keys(t, "dimension", ALL)
    cycle = _text_keys(t, "cycle", "")
    if "series" in t.columns:
        series = _text_keys(t, "series", "")
    else:
        series = np.array([ALL if u == ALL else "" for u in unit], dtype=object)
    gap = (series == "") & (unit != ALL)
    series[gap] = [series_of.get(u, "") for u in unit[gap]]
    series[(series == "") & (unit == ALL)] = ALL
    is_counts = "level" in t.columns and "count" in t.columns
    n_col = None if is_counts else _n_column(t)
    values = _value_columns(t, n_col) if not is_counts else _value_columns(t, None)
    if not values:
        return None  # no numbers about the respondents of a row (e.g. ranks only)
    shown = t[values].notna().any(axis=1).to_numpy()
    frame = pd.DataFrame(
        {"cycle": cycle, "unit": unit, "series": series, "group": group, "dimension": dim}
    )
    if is_counts:
        frame["_n"] = pd.to_numeric(t["count"], errors="coerce").to_numpy(np.float64)
        frame["_shown"] = shown
        keys = ["cycle", "unit", "series", "group", "dimension"]
        cells = frame.groupby(keys, sort=False).agg(n=("_n", "sum"), published=("_shown", "any"))
        cells = cells.reset_index()
        d = max(1, len(scheme.dimension_codes))
        pooled = cells["dimension"] == ALL
        cells.loc[pooled, "n"] = cells.loc[pooled, "n"] / d
        blank = ~frame.groupby(keys, sort=False)["_n"].apply(lambda s: s.notna().any()).to_numpy()
        cells.loc[blank, "n"] = np.nan
    else:
        if n_col == "n_valid_before":
            n = np.fmin(
                pd.to_numeric(t["n_valid_before"], errors="coerce").to_numpy(np.float64),
                pd.to_numeric(t["n_valid_after"], errors="coerce").to_numpy(np.float64),
            )
        elif n_col is not None:
            n = pd.to_numeric(t[n_col], errors="coerce").to_numpy(np.float64)
        else:
            n = np.full(len(t), np.nan)
        cells = frame.assign(n=n, published=shown)
    cells["published"] = cells["published"].to_numpy(bool) | (cells["n"].to_numpy() == 0)
    cells["additive"] = bool(ADDITIVE_COLUMNS & set(t.columns))
    cells.insert(0, "table", name)
    return cells


def check_public(tables: Mapping[str, pd.DataFrame], *, scheme: Scheme) -> pd.DataFrame:
    """Violations of the public tier's rules in the published tables (empty when safe).

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Every table a public report publishes — its ``tables/*.csv`` and the data of its
        figures (``figures/*.csv``) — by name.  The ``suppressed`` log is skipped; a table
        without any of ``unit, series, group, dimension`` is checked for internal-only text
        columns only.
    scheme : Scheme

    Returns
    -------
    DataFrame
        :data:`VIOLATION_COLUMNS`, one row per violation; ``rule`` is a code of :data:`RULES`
        (see :mod:`evalstats.stats.privacy`).

    Notes
    -----
    A row is *published* when one of its numeric, non-structural columns is not missing.  Its
    number of respondents is ``n_forms`` (else ``valid``, ``n_all_votes``, the smaller of
    ``n_valid_before`` / ``n_valid_after``, ``n_valid``, ``n``); a table of level counts
    (``level``, ``count``) is read as one cell per unit × group × dimension whose respondents
    are its answers (divided by the number of dimensions for ``dimension = "all"``).  For the
    recoverability check all tables are merged into one set of cells by ``cycle, unit,
    series, group, dimension``: a cell published anywhere is known; every other cell —
    withheld, or not shown at all (each scheme group of a unit whose pooled row is shown) — is
    unknown, and the additive margins over units, series, groups and dimensions are solved
    (:func:`determined`).  Tables without a count column (:data:`ADDITIVE_COLUMNS`: rankings,
    composites) are checked row by row only, and for the composite relation.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme

    The deputies (4 forms) are withheld, but the town's 30 forms minus the enterprises' 26
    give them back:

    >>> t = pd.DataFrame({"unit": "all", "group": ["all", "enterprise", "deputy"],
    ...                   "n_forms": [30, 26, 4], "n_valid": [30, 26, None],
    ...                   "score": [80.0, 82.0, None]})
    >>> check_public({"scores": t}, scheme=load_scheme())[["group", "rule"]].values.tolist()
    [['deputy', 'recoverable']]
    """
    if not isinstance(tables, Mapping):
        raise TypeError(f"tables must be a mapping of name to DataFrame; got {tables!r}")
    k = int(scheme.rules.anonymity_min)
    protected = {str(g) for g in scheme.rules.anonymity_groups}
    frames, series_of, rows = _published_frames(tables)
    cells = _all_cells(frames, scheme, series_of)
    if cells is not None:
        rows += _row_violations(cells, k, protected)
        additive = cells[cells["additive"]]
        rows += _published_elsewhere(additive)
        rows += _recoverable(additive, scheme)
        rows += _score_relations(frames, scheme, series_of)
    return pd.DataFrame(rows, columns=VIOLATION_COLUMNS).astype("str")


_KEYS = ["cycle", "unit", "series", "group", "dimension"]


def _violations(cells: pd.DataFrame, rule: str, detail) -> list:
    """Violation rows for ``cells`` (``detail``: text, or a function of the row)."""
    return [
        (
            r.table,
            r.unit,
            r.series,
            r.group,
            r.dimension,
            rule,
            detail(r) if callable(detail) else detail,
        )
        for r in cells.itertuples(index=False)
    ]


def _published_frames(tables: Mapping[str, pd.DataFrame]):
    """The tables to check (the log aside), each unit's series, and the internal-only text
    columns published: ``(frames, series_of, rows)``."""
    rows: list = []
    series_of: dict = {}
    frames = {}
    for name, t in tables.items():
        if name == SUPPRESSION_TABLE:
            continue
        if not isinstance(t, pd.DataFrame):
            raise TypeError(f"table {name!r} must be a DataFrame; got {type(t).__name__}")
        frames[name] = t
        for c in INTERNAL_TEXT_COLUMNS:
            if c in t.columns:
                text = t[c].astype(object).where(t[c].notna(), "").astype(str).str.strip()
                if (text != "").any():
                    rows.append((name, ANY, ANY, ANY, ANY, "internal_only", c))
        if "unit" in t.columns and "series" in t.columns:
            for u, s in zip(t["unit"].astype(str), t["series"].astype(str), strict=True):
                if u != ALL and s not in ("", ALL, "nan"):
                    series_of.setdefault(u, s)
    return frames, series_of, rows


def _all_cells(frames, scheme: Scheme, series_of: dict) -> pd.DataFrame | None:
    """The cells of every table with keys and numbers about respondents, or None."""
    parts = []
    for name, t in frames.items():
        if not len(t) or not any(c in t.columns for c in ("unit", "series", "group", "dimension")):
            continue
        cells = _table_cells(name, t, scheme, series_of)
        if cells is not None:
            parts.append(cells)
    return pd.concat(parts, ignore_index=True) if parts else None


def _row_violations(cells: pd.DataFrame, k: int, protected: set) -> list:
    """Published rows below the threshold, and per-unit rows of a protected group."""
    pub = cells[cells["published"]]
    small = pub[(pub["n"] > 0) & (pub["n"] < k)]
    rows = _violations(small, "below_threshold", lambda r: f"n={r.n:g} < {k}")
    per_unit = pub[(pub["unit"] != ALL) & pub["group"].isin(protected)]
    per_unit = per_unit.drop_duplicates(["table", *_KEYS])
    return rows + _violations(per_unit, "group_per_unit", "per-unit row of a protected group")


def _published_elsewhere(additive: pd.DataFrame) -> list:
    """Cells withheld in one table and shown in another."""
    status = additive.groupby(_KEYS, sort=False)["published"].agg(["any", "all"])
    status = status.reset_index()
    mixed = status[status["any"] & ~status["all"]]
    if not len(mixed):
        return []
    hidden = additive.merge(mixed[_KEYS], on=_KEYS)
    hidden = hidden[~hidden["published"]].drop_duplicates(["table", *_KEYS])
    return _violations(hidden, "published_elsewhere", "withheld here, shown in another table")


def _recoverable(cells: pd.DataFrame, scheme: Scheme) -> list:
    """Unknown cells pinned down by the additive margins of all the tables together."""
    keys = ["cycle", "unit", "series", "group", "dimension"]
    known = cells.groupby(keys, sort=False)["published"].any()
    first_table = cells.groupby(keys, sort=False)["table"].first()
    universe = dict.fromkeys(known.index)
    groups = [*scheme.group_codes]
    dims = set(scheme.dimension_codes)
    # a pooled row shown with no group rows anywhere: each scheme group is an unknown part
    # (a table that breaks a cell down lists every part, withheld ones with missing numbers)
    broken = {(cyc, u, s) for (cyc, u, s, g, _d) in known.index if g != ALL}
    for (cyc, u, s, g, d), is_known in known.items():
        if g == ALL and is_known and (cyc, u, s) not in broken:
            for grp in groups:
                universe.setdefault((cyc, u, s, grp, d), None)
    index = {key: i for i, key in enumerate(universe)}
    arr = np.array(list(universe), dtype=object).reshape(-1, 5) if universe else None
    if arr is None:
        return []
    frame = pd.DataFrame(arr, columns=keys)
    frame["i"] = np.arange(len(frame))
    eqs = []

    def add(total_key, part):
        t = index.get(total_key)
        if t is not None and len(part):
            eqs.append((t, part["i"].tolist(), 1))

    units = frame[frame["unit"] != ALL]
    for (cyc, s, g, d), part in units.groupby(["cycle", "series", "group", "dimension"]):
        add((cyc, ALL, s, g, d), part)
    for (cyc, g, d), part in units.groupby(["cycle", "group", "dimension"]):
        add((cyc, ALL, ALL, g, d), part)
    ser = frame[(frame["unit"] == ALL) & (frame["series"] != ALL)]
    for (cyc, g, d), part in ser.groupby(["cycle", "group", "dimension"]):
        add((cyc, ALL, ALL, g, d), part)
    grp = frame[frame["group"] != ALL]
    for (cyc, u, s, d), part in grp.groupby(["cycle", "unit", "series", "dimension"]):
        add((cyc, u, s, ALL, d), part)
    dim = frame[frame["dimension"].isin(dims)]
    for (cyc, u, s, g), part in dim.groupby(["cycle", "unit", "series", "group"]):
        add((cyc, u, s, g, ALL), part)
    is_known = np.array([bool(known.get(key, False)) for key in universe])
    found = determined(len(universe), eqs, is_known)
    present = np.array([key in known.index for key in universe])
    for total, parts, _r in eqs:  # a cell not shown that sums shown cells tells nothing new
        if not present[total] and is_known[parts].all():
            found[total] = False
    out = []
    for i in np.flatnonzero(found):
        key = tuple(arr[i])
        where = first_table.get(key, ANY)
        out.append((where, key[1], key[2], key[3], key[4], "recoverable", "solved from margins"))
    return out


def _score_relations(frames: Mapping[str, pd.DataFrame], scheme: Scheme, series_of) -> list:
    """A composite with exactly one withheld dimension score; a pooled + weighted score beside
    all but one or two of the unit's groups."""
    out = []
    dims = list(scheme.dimension_codes)
    groups = list(scheme.group_codes)
    score_rows = []
    for name, t in frames.items():
        if {"unit", "group", "dimension", "score"} <= set(t.columns):
            score_rows.append(t.assign(source_table=name))
    if not score_rows:
        return out
    s = pd.concat(score_rows, ignore_index=True)
    s = s[s["unit"].astype(str) != ALL]
    pooled = s[(s["group"].astype(str) == ALL) & s["dimension"].astype(str).isin(dims)]
    composite: dict = {}
    for t in frames.values():
        if {"unit", "composite"} <= set(t.columns):
            shown = t.loc[t["composite"].notna(), "unit"].astype(str)
            composite.update(dict.fromkeys(shown, True))
    if "weighted_score" in pooled.columns:
        for u, part in pooled.groupby(pooled["unit"].astype(str)):
            hidden = part["weighted_score"].isna().sum()
            if composite.get(u) and hidden == 1:
                out.append(
                    (
                        ANY,
                        u,
                        series_of.get(u, ""),
                        ALL,
                        ANY,
                        "score_relation",
                        "composite with one withheld dimension score",
                    )
                )
        shown = s[s["group"].astype(str) != ALL]
        shown = shown[shown["score"].notna()]
        have = set(
            zip(
                shown["unit"].astype(str),
                shown["dimension"].astype(str),
                shown["group"].astype(str),
                strict=True,
            )
        )
        both = pooled[pooled["score"].notna() & pooled["weighted_score"].notna()]
        for r in both.itertuples(index=False):
            u, d = str(r.unit), str(r.dimension)
            missing = sum((u, d, g) not in have for g in groups)
            if 0 < missing <= 2:
                out.append(
                    (
                        str(r.source_table),
                        u,
                        series_of.get(u, ""),
                        ALL,
                        d,
                        "score_relation",
                        f"pooled and weighted score beside {len(groups) - missing} of "
                        f"{len(groups)} groups",
                    )
                )
    return out


__all__ = [
    "ADDITIVE_COLUMNS",
    "INTERNAL_TEXT_COLUMNS",
    "RULES",
    "STRUCTURAL_COLUMNS",
    "SUPPRESSION_TABLE",
    "VIOLATION_COLUMNS",
    "check_public",
]
