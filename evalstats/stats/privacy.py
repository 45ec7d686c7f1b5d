"""The public publication tier: which cells a public report may show, and a checker that proves it.

Each unit has about five volunteer supervisors (社会义务监督员).  A unit's supervisor-only
result, or any cell resting on a handful of forms, can tell how one person voted.  The public
tier (``tier="public"`` of :func:`evalstats.analyses.cycle.half_year`, :func:`evalstats.analyses.cycle.
annual` and :func:`evalstats.analyses.profile.unit_profile`) applies the rules below; the internal tier
(the default) shows everything.  The scheme sets the threshold ``k =
scheme.rules.anonymity_min`` (5) and the protected groups ``scheme.rules.anonymity_groups``
(``["supervisor"]``); nothing here is hard-coded.

Cells
-----
A *cell* is a set of forms: a unit × respondent group, with ``"all"`` for a pooled key — ``(u,
s, all)`` every form of unit ``u`` (of series ``s``), ``(all, s, all)`` the series, ``(all,
all, g)`` group ``g`` over the town, ``(all, all, all)`` the town.  Its size ``n`` is its forms
(``n_forms``; every form answers every dimension, so the size is the same in each dimension).
Everything a table shows about a cell — level counts, rates, scores, intervals — is *resting on*
those ``n`` respondents.  Cells are decided once per cycle (:func:`protect`) and the decision
is applied to every table and every dimension, so that a cell withheld in one table is not shown
in another.

What a public report publishes (the design)
-------------------------------------------
1. **Per unit, only pooled over all respondent groups** (``(u, s, all)``); per group, only
   **town-wide** (``(all, all, g)``), where every group has many respondents.  No unit ×
   group and no series × group cell is published at all (reason ``group_not_published``), so
   there is no per-unit supervisor breakdown and nothing to subtract a group from.  The χ² tests
   between groups are published town-wide only, for the same reason.
2. **Primary suppression** (``below_threshold``): a cell with ``0 < n < k`` is withheld — its
   numbers become missing.  A unit whose forms all come from protected groups is withheld too
   (``group_not_published``): its pooled row would be a supervisor-only breakdown.
3. **Secondary (complementary) suppression** (``complementary``).  Counts are additive: the
   units of a series sum to the series, the series (and all units) to the town, the groups to
   the pooled cell.  For every such *margin* whose total is published, the withheld parts must
   number 0 or at least ``r + 1``, where ``r`` is the number of published linear relations over
   the margin (1 for counts; 2 where a pooled score and a group-weighted score of the same cell
   are both published, as in a unit profile's group breakdown — two equations would solve two
   withheld groups); if fewer, the smallest published part (fewest forms) is withheld too.  A
   withheld total whose parts are all published is protected by withholding its smallest part.
   This repeats to a fixed point; then an exact check solves the whole linear system of margins
   (:func:`determined`: a withheld cell is recoverable iff its unit vector lies in the row space
   of the margin equations restricted to the unknown cells, i.e. its row of the null space is
   zero) and, while a sensitive cell is still recoverable, withholds the smallest published cell
   of an equation that pins it down.  *Sensitive* cells: every withheld cell, and every unit ×
   group cell of a protected group or with ``n < k``.
4. **Group-weighted scores with few groups** (``few_groups``): a unit's dimension score is the
   group-weighted mean of its group scores (weights published in the scheme), its pooled score
   the forms-weighted mean; a unit rated by exactly two groups would have both group scores
   solved from these two equations, so its ``weighted_score`` (and interval) per dimension is
   withheld — for every dimension, so that the composite (the dimension-weighted sum) does not
   give a single one back.  Rank, standing and grade are decided as in the internal report.
5. **Internal-only content** (``internal_only``) is never published: comments (free text can
   identify people), the rectification list's comments, quality flags that name collectors or
   form ids (only counts per check are published), and the recomputation without the flagged
   forms (subtracting it from the official figures isolates the flagged forms).
6. **The ranking rests on whole units** and is published as in the internal report (rank,
   standing, 前三, 末位).  A composite is not additive over units or groups, so a unit withheld
   only as a complement keeps it; a unit withheld for its own sake (below the threshold, or
   protected groups only) has its score numbers withheld there (rank and grade stay).

Every withheld cell is listed in the ``suppressed`` table (:data:`SUPPRESSED_COLUMNS`) with its
reason (a code); :func:`evalstats.present.words.describe_suppression` says in plain words (zh,
en) what was withheld and why.

Checking a public report
------------------------
:func:`check_public` reads the published tables (or the CSV files of a report, figures' data
included) and lists violations: a published row resting on ``0 < n < k`` respondents
(``below_threshold``); a per-unit row of a protected group (``group_per_unit``); a cell shown in
one table and withheld in another (``published_elsewhere``); a withheld or unpublished cell
recoverable by subtraction over the additive margins of all the count tables together
(``recoverable``), including a unit's composite with exactly one withheld dimension score and a
pooled + weighted score with one or two groups not shown (``score_relation``); and text columns
that must not be published (``internal_only``).

Limits
------
The exact check covers linear recovery (subtraction) of counts and the score relations above.
It does not bound a withheld value by inequalities (a count between 0 and a published total) nor
solve integer programmes over small counts; the pooled-only design keeps at least three unknown
groups behind every published unit row, which is what such attacks would need to undo.  A unit
rated by protected groups only is ranked like every unit, so its composite in the ranking is
withheld (rank and grade stay).

References
----------
.. [1] Hundepool A, Domingo-Ferrer J, Franconi L, et al. (2012). Statistical Disclosure
       Control. Wiley. Ch. 5 (threshold rule, secondary suppression, linear recoverability).
.. [2] Cox LH (1980). Suppression methodology and statistical disclosure control. JASA
       75(370):377-385.

Examples
--------
>>> import pandas as pd
>>> from evalstats.core.scheme import load_scheme
>>> cells = pd.DataFrame({"unit": ["all", "all", "all"], "series": "all",
...                       "group": ["all", "enterprise", "deputy"], "n_forms": [30, 26, 4]})
>>> protect(cells, scheme=load_scheme())[["group", "published", "reason"]].to_dict("list")
{'group': ['all', 'enterprise', 'deputy'], 'published': [True, False, False], 'reason': ['', 'complementary', 'below_threshold']}
"""  # noqa: E501

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme
from evalstats.stats.moved import moved_to_present

ALL = "all"
ANY = "*"
"""In the ``suppressed`` table: every value of that key (e.g. every unit)."""
REASONS = (
    "below_threshold",
    "complementary",
    "group_not_published",
    "few_groups",
    "internal_only",
)
RULES = (
    "below_threshold",
    "group_per_unit",
    "published_elsewhere",
    "recoverable",
    "score_relation",
    "internal_only",
)
SUPPRESSED_COLUMNS = [
    "table",
    "unit",
    "series",
    "group",
    "dimension",
    "columns",
    "n_forms",
    "threshold",
    "reason",
]
VIOLATION_COLUMNS = ["table", "unit", "series", "group", "dimension", "rule", "detail"]
CELL_KEYS = ("unit", "series", "group")
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
_TOL = 1e-9
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


# ====================================================================== primary rule
def suppress_small_cells(
    table: pd.DataFrame,
    *,
    n_column: str = "n_forms",
    threshold: int,
    columns=None,
) -> pd.DataFrame:
    """Withhold the cells that rest on fewer than ``threshold`` respondents (primary rule).

    Parameters
    ----------
    table : DataFrame
        One row per cell.
    n_column : str
        The column holding each cell's number of respondents (forms).
    threshold : int
        The smallest number of respondents a published cell may rest on
        (``scheme.rules.anonymity_min``).
    columns : sequence of str, optional
        The columns withheld in a small cell (default: every numeric column except
        ``n_column`` and boolean columns).  They become missing (shown as "—").

    Returns
    -------
    DataFrame
        A copy with the withheld numbers missing and a boolean column ``suppressed`` (True
        where withheld; OR-ed with an existing ``suppressed`` column).

    Raises
    ------
    ValueError
        ``n_column`` or a column of ``columns`` is not in the table, or ``threshold`` < 1.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["public", "deputy"], "n_forms": [50, 3],
    ...                   "score": [88.5, 93.3]})
    >>> suppress_small_cells(t, threshold=5)[["score", "suppressed"]].to_dict("list")
    {'score': [88.5, nan], 'suppressed': [False, True]}
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame; got {type(table).__name__}")
    if n_column not in table.columns:
        raise ValueError(f"n_column {n_column!r} is not a column of the table")
    threshold = check_threshold(threshold)
    if columns is None:
        columns = [
            c
            for c in table.columns
            if c != n_column
            and pd.api.types.is_numeric_dtype(table[c].dtype)
            and not pd.api.types.is_bool_dtype(table[c].dtype)
        ]
    else:
        columns = list(columns)
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise ValueError(f"columns {missing} are not in the table")
    n = pd.to_numeric(table[n_column], errors="coerce").to_numpy(np.float64)
    small = np.nan_to_num(n, nan=0.0) < threshold
    out = mask_rows(table, small, columns)
    before = out["suppressed"].astype(bool).to_numpy() if "suppressed" in out else False
    out["suppressed"] = small | before
    return out


def check_threshold(threshold) -> int:
    """``threshold`` as an int >= 1 (ValueError otherwise)."""
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Integral)
        or int(threshold) < 1
    ):
        raise ValueError(f"threshold must be a whole number >= 1; got {threshold!r}")
    return int(threshold)


def mask_rows(table: pd.DataFrame, rows, columns: Sequence[str]) -> pd.DataFrame:
    """A copy of ``table`` with ``columns`` missing in ``rows`` (a boolean mask).

    Integer columns become nullable (``Int64``) so that a withheld count is missing, not 0.
    """
    out = table.copy()
    rows = np.asarray(rows, dtype=bool)
    if not rows.any():
        return out
    for c in columns:
        col = out[c]
        if pd.api.types.is_bool_dtype(col.dtype):
            col = col.astype("boolean")
        elif pd.api.types.is_integer_dtype(col.dtype):
            col = col.astype("Int64")
        out[c] = col.mask(pd.Series(rows, index=out.index))
    return out


# ====================================================================== margins
def _cell_index(cells: pd.DataFrame) -> dict:
    keys = zip(*(cells[k].astype(str) for k in CELL_KEYS), strict=True)
    return {key: i for i, key in enumerate(keys)}


def margins(cells: pd.DataFrame, *, relations: Mapping[str, int] | None = None) -> list:
    """The additive margins among ``cells`` (``unit, series, group``).

    Returns
    -------
    list of (int, list of int, int)
        ``(total, parts, r)``: row positions of a total cell and of the cells it sums, and the
        number of published linear relations over it (``relations`` by margin kind:
        ``"units"``, ``"series"``, ``"town"``, ``"groups"``, ``"unit_groups"``; default 1).
        ``"unit_groups"`` is the group margin of a unit's own cell.
    """
    rel = {"units": 1, "series": 1, "town": 1, "groups": 1, "unit_groups": 1}
    rel |= dict(relations or {})
    idx = _cell_index(cells)
    u = cells["unit"].astype(str).to_numpy()
    s = cells["series"].astype(str).to_numpy()
    g = cells["group"].astype(str).to_numpy()
    out = []

    def add(total, parts, kind):
        if total is not None and parts:
            out.append((total, parts, rel[kind]))

    frame = pd.DataFrame({"u": u, "s": s, "g": g, "i": np.arange(len(cells))})
    unit_rows = frame[frame["u"] != ALL]
    for (series, group), part in unit_rows.groupby(["s", "g"], sort=False):  # few keys
        add(idx.get((ALL, series, group)), part["i"].tolist(), "units")
    for group, part in unit_rows.groupby("g", sort=False):
        add(idx.get((ALL, ALL, group)), part["i"].tolist(), "town")
    series_rows = frame[(frame["u"] == ALL) & (frame["s"] != ALL)]
    for group, part in series_rows.groupby("g", sort=False):
        add(idx.get((ALL, ALL, group)), part["i"].tolist(), "series")
    group_rows = frame[frame["g"] != ALL]
    for (unit, series), part in group_rows.groupby(["u", "s"], sort=False):
        add(
            idx.get((unit, series, ALL)),
            part["i"].tolist(),
            "unit_groups" if unit != ALL else "groups",
        )
    return out


def determined(n_cells: int, equations, known) -> np.ndarray:
    """Which unknown cells the margin equations pin down (linear recoverability).

    Each equation says ``x[total] = sum(x[parts])``.  The known cells are moved to the right
    side; an unknown cell ``j`` is determined iff the unit vector ``e_j`` lies in the row space
    of the remaining coefficient matrix ``A``, i.e. iff row ``j`` of a basis of the null space
    of ``A`` is zero (then every solution has the same ``x[j]``).

    Parameters
    ----------
    n_cells : int
    equations : iterable of (int, sequence of int, int)
        As returned by :func:`margins` (the third item is ignored).
    known : array of bool
        The published cells (and cells known to be empty).

    Returns
    -------
    ndarray of bool
        True for an unknown cell that is determined.

    Examples
    --------
    >>> determined(3, [(0, [1, 2], 1)], np.array([True, False, True])).tolist()
    [False, True, False]
    """
    known = np.asarray(known, dtype=bool)
    unknown = np.flatnonzero(~known)
    out = np.zeros(n_cells, dtype=bool)
    if not len(unknown):
        return out
    pos = {int(c): j for j, c in enumerate(unknown)}
    rows = []
    for total, parts, *_ in equations:
        r = np.zeros(len(unknown))
        hit = False
        for c, coef in ((total, 1.0), *((p, -1.0) for p in parts)):
            j = pos.get(int(c))
            if j is not None:
                r[j] += coef
                hit = True
        if hit:
            rows.append(r)
    if not rows:
        return out
    a = np.vstack(rows)
    _, sv, vt = np.linalg.svd(a, full_matrices=True)
    tol = max(a.shape) * np.finfo(float).eps * (sv.max() if len(sv) else 0.0)
    rank = int((sv > max(tol, _TOL)).sum())
    null = vt[rank:].T
    fixed = np.linalg.norm(null, axis=1) < 1e-8 if null.shape[1] else np.ones(len(unknown), bool)
    out[unknown[fixed]] = True
    return out


# ====================================================================== the decision
def protect(
    cells: pd.DataFrame,
    *,
    scheme: Scheme,
    publish=None,
    relations: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Decide which cells a public table may show (rules 1–3 of the module docstring).

    Parameters
    ----------
    cells : DataFrame
        ``unit, series, group, n_forms``: one row per cell, the pooled cells (``"all"``) that
        are totals of others included.
    scheme : Scheme
        ``rules.anonymity_min`` and ``rules.anonymity_groups``.
    publish : array of bool, optional
        The cells the report would show (default: every cell).  The others are
        ``group_not_published``.
    relations : mapping, optional
        Published linear relations per margin kind (see :func:`margins`); e.g.
        ``{"unit_groups": 2}`` when a unit's pooled and group-weighted scores are both shown
        beside its groups.

    Returns
    -------
    DataFrame
        ``cells`` with ``published`` (bool) and ``reason`` ("" when published, else a code of
        :data:`REASONS`).  Cells with ``n_forms == 0`` hold nothing: they count as known in
        the margins, and a cell the report would show stays published.

    Examples
    --------
    The subtraction attack of a total of 30 forms split 26 + 4: the 4 is below the threshold,
    and the 26 goes with it, else 30 − 26 would give the 4 back.

    >>> from evalstats.core.scheme import load_scheme
    >>> cells = pd.DataFrame({"unit": ["u1", "u1", "u1"], "series": "s",
    ...                       "group": ["all", "enterprise", "deputy"], "n_forms": [30, 26, 4]})
    >>> protect(cells, scheme=load_scheme())["reason"].tolist()
    ['', 'complementary', 'below_threshold']
    """
    if not isinstance(cells, pd.DataFrame):
        raise TypeError(f"cells must be a pandas DataFrame; got {type(cells).__name__}")
    missing = [c for c in (*CELL_KEYS, "n_forms") if c not in cells.columns]
    if missing:
        raise ValueError(f"cells lacks column(s) {missing}; required: {[*CELL_KEYS, 'n_forms']}")
    k = check_threshold(int(scheme.rules.anonymity_min))
    protected = {str(g) for g in scheme.rules.anonymity_groups}
    out = cells.reset_index(drop=True).copy()
    n = pd.to_numeric(out["n_forms"], errors="coerce").fillna(0).to_numpy(np.int64)
    unit = out["unit"].astype(str).to_numpy()
    group = out["group"].astype(str).to_numpy()
    series = out["series"].astype(str).to_numpy()
    cand = np.ones(len(out), bool) if publish is None else np.asarray(publish, dtype=bool).copy()
    if cand.shape != (len(out),):
        raise ValueError(f"publish must have one value per cell ({len(out)}); got {cand.shape}")
    empty = n == 0
    reason = np.where(cand, "", "group_not_published").astype(object)
    pub = cand | empty  # known: shown, or empty (nothing to hide)
    # primary rule
    small = cand & ~empty & (n < k)
    reason[small], pub[small] = "below_threshold", False
    per_unit_protected = cand & ~empty & (unit != ALL) & np.isin(group, list(protected))
    reason[per_unit_protected & pub] = "group_not_published"
    pub[per_unit_protected] = False
    # a unit's pooled cell made of protected groups only
    if protected:
        idx = _cell_index(out)
        prot_n = {}
        for i in np.flatnonzero((unit != ALL) & np.isin(group, list(protected))):
            prot_n[(unit[i], series[i])] = prot_n.get((unit[i], series[i]), 0) + int(n[i])
        for (u, s), m in prot_n.items():
            i = idx.get((u, s, ALL))
            if i is not None and pub[i] and not empty[i] and m >= n[i]:
                reason[i], pub[i] = "group_not_published", False
    eqs = margins(out, relations=relations)
    order = np.lexsort([np.arange(len(out)), n])  # smallest first, then table order
    rank = np.empty(len(out), np.int64)
    rank[order] = np.arange(len(out))

    def withhold(i):
        reason[i], pub[i] = "complementary", False

    def smallest(parts):
        live = [p for p in parts if pub[p] and not empty[p]]
        return min(live, key=lambda p: rank[p]) if live else None

    sensitive_base = (unit != ALL) & (group != ALL) & (np.isin(group, list(protected)) | (n < k))

    def sensitive(i):
        return not pub[i] and not empty[i] and (cand[i] or sensitive_base[i])

    for _ in range(4 * len(out) + 4):  # each round withholds a cell, or stops
        changed = False
        for total, parts, r in eqs:  # secondary rule, to a fixed point
            hidden = [p for p in parts if not pub[p] and not empty[p]]
            if pub[total] and not empty[total]:
                if not any(sensitive(p) for p in hidden):
                    continue
                while len(hidden) < r + 1:
                    p = smallest(parts)
                    if p is None:
                        withhold(total)
                        changed = True
                        break
                    withhold(p)
                    hidden.append(p)
                    changed = True
            elif sensitive(total) and not hidden and any(not empty[p] for p in parts):
                p = smallest(parts)
                if p is not None:
                    withhold(p)
                    changed = True
        if changed:
            continue
        found = determined(len(out), eqs, pub) & ~empty & ~pub & (cand | sensitive_base)
        if not found.any():
            break
        c = int(np.flatnonzero(found)[0])
        options = []
        for total, parts, _r in eqs:
            members = [total, *parts]
            if c in members:
                options += [p for p in parts if p != c and pub[p] and not empty[p]]
                if total != c and pub[total] and not empty[total]:
                    options.append(total)
        if not options:  # pragma: no cover - a determined cell is in an equation with a known
            break
        withhold(min(options, key=lambda p: rank[p]))
    out["published"] = pub & cand
    out["reason"] = pd.array(reason.astype(str), dtype="str")
    return out


def report_cells(scores: pd.DataFrame) -> pd.DataFrame:
    """The cells of a cycle from its scores table.

    Returns
    -------
    DataFrame
        ``unit, series, group, n_forms, publish``: ``publish`` marks what a public report shows
        (rule 1: a unit pooled over groups, a group town-wide, series and town totals).
    """
    out = pd.DataFrame(
        {
            "unit": scores["unit"].astype(str).to_numpy(),
            "series": scores["series"].astype(str).to_numpy(),
            "group": scores["group"].astype(str).to_numpy(),
            "n_forms": pd.to_numeric(scores["n_forms"]).fillna(0).to_numpy(np.int64),
        }
    )
    # a cell's forms are the same in every dimension; some cells have no "all"-dimension row
    out = out.groupby(list(CELL_KEYS), sort=False)["n_forms"].max().reset_index()
    town = (out["unit"] == ALL) & (out["series"] == ALL)
    out["publish"] = ((out["group"] == ALL) | town).to_numpy()
    return out


def few_group_units(scores: pd.DataFrame) -> list[str]:
    """Units rated by exactly two respondent groups on some dimension (rule 4).

    A group counts on a dimension when it gave that unit a valid answer there; a unit with
    forms from two groups only, or whose third group answered 不了解 throughout a dimension,
    is listed.
    """
    s = scores[
        (scores["unit"].astype(str) != ALL)
        & (scores["group"].astype(str) != ALL)
        & (scores["dimension"].astype(str) != ALL)
    ]
    has = s[pd.to_numeric(s["n_valid"]).fillna(0).to_numpy() > 0]
    per = has.groupby([has["unit"].astype(str), has["dimension"].astype(str)]).size()
    if not len(per):
        return []
    low = per.groupby(level=0).min()
    return sorted(str(u) for u in low.index[low.to_numpy() == 2])


# ====================================================================== the log and its words
def log_frame(rows) -> pd.DataFrame:
    """The ``suppressed`` table from ``(table, unit, series, group, dimension, columns, n_forms,
    threshold, reason)`` tuples (:data:`SUPPRESSED_COLUMNS`)."""
    out = pd.DataFrame(list(rows), columns=SUPPRESSED_COLUMNS)
    for c in ("table", "unit", "series", "group", "dimension", "columns", "reason"):
        out[c] = out[c].astype("str")
    out["n_forms"] = pd.array(out["n_forms"], dtype="Int64")
    out["threshold"] = pd.array(out["threshold"], dtype="Int64")
    return out


# ====================================================================== the checker
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


def _violation(rows, table, unit, series, group, dim, rule, detail):
    rows.append((table, unit, series, group, dim, rule, detail))


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
        (see the module docstring).

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
                    _violation(rows, name, ANY, ANY, ANY, ANY, "internal_only", c)
        if "unit" in t.columns and "series" in t.columns:
            for u, s in zip(t["unit"].astype(str), t["series"].astype(str), strict=True):
                if u != ALL and s not in ("", ALL, "nan"):
                    series_of.setdefault(u, s)
    parts = []
    for name, t in frames.items():
        if not len(t) or not any(c in t.columns for c in ("unit", "series", "group", "dimension")):
            continue
        cells = _table_cells(name, t, scheme, series_of)
        if cells is not None:
            parts.append(cells)
    if parts:
        cells = pd.concat(parts, ignore_index=True)
        keys = ["cycle", "unit", "series", "group", "dimension"]
        pub = cells[cells["published"]]
        small = pub[(pub["n"] > 0) & (pub["n"] < k)]
        for r in small.itertuples(index=False):
            _violation(
                rows,
                r.table,
                r.unit,
                r.series,
                r.group,
                r.dimension,
                "below_threshold",
                f"n={r.n:g} < {k}",
            )
        per_unit = pub[(pub["unit"] != ALL) & pub["group"].isin(protected)]
        for r in per_unit.drop_duplicates(["table", *keys]).itertuples(index=False):
            _violation(
                rows,
                r.table,
                r.unit,
                r.series,
                r.group,
                r.dimension,
                "group_per_unit",
                "per-unit row of a protected group",
            )
        additive = cells[cells["additive"]]
        status = additive.groupby(keys, sort=False)["published"].agg(["any", "all"])
        status = status.reset_index()
        mixed = status[status["any"] & ~status["all"]]
        if len(mixed):
            hidden = additive.merge(mixed[keys], on=keys)
            hidden = hidden[~hidden["published"]]
            for r in hidden.drop_duplicates(["table", *keys]).itertuples(index=False):
                _violation(
                    rows,
                    r.table,
                    r.unit,
                    r.series,
                    r.group,
                    r.dimension,
                    "published_elsewhere",
                    "withheld here, shown in another table",
                )
        rows += _recoverable(additive, scheme)
        rows += _score_relations(frames, scheme, series_of)
    return pd.DataFrame(rows, columns=VIOLATION_COLUMNS).astype("str")


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
    "REASONS",
    "RULES",
    "SUPPRESSED_COLUMNS",
    "SUPPRESSION_TABLE",
    "VIOLATION_COLUMNS",
    "check_public",
    "check_threshold",
    "determined",
    "few_group_units",
    "log_frame",
    "margins",
    "mask_rows",
    "protect",
    "report_cells",
    "suppress_small_cells",
]


# ====================================================================== moved names
# The wording of reasons and of the public edition is presentation: evalstats.present.words.
__getattr__ = moved_to_present(
    __name__,
    {
        "REASON_TEXT": "evalstats.present.words",
        "describe": "evalstats.present.words:describe_suppression",
    },
)
