"""Who was sampled: the sampling design of a cycle's forms (:func:`respondent_design`).

A form rates one unit.  Where one respondent returned several forms (a matrix sheet or an
online survey rating many units, or a ``respondent`` column in the long layout showing one person
rated several units) the respondent, not the form, is the sampling unit: their answers move
together.  The design records, per respondent, the answer patterns they gave each unit, and
the respondent's group as the stratum, which is what the ranking bootstrap
(:mod:`evalstats.stats.rank`) and the pooled intervals (:mod:`evalstats.stats.score`) need:

* ``kind = "forms"``: no respondent has more than one form (or there is no ``respondent``
  column): every form is its own respondent and every number is computed as before;
* ``kind = "respondents"``: forms share respondents; clusters are respondents, strata are
  cycle × group, as R ``survey::svydesign(ids = ~respondent, strata = ~group)``.

:func:`design_variance` gives the design-based (Taylor-linearised, cluster-robust) variance of
ratio estimates such as a satisfied rate or a score over any grouping of the answers, and
:func:`design_effects` the design effect of the town's figures, which the report states.

Notes
-----
For a ratio ``R = Σ y / Σ m`` over the answers of a row (``y``: points or the satisfied
indicator of an answer, ``m``: 1 for a valid answer), with respondents ``i`` in strata ``h``
(``n_h`` respondents in the stratum, whether or not they answered in that row), the
linearised variance is

    v(R) = Σ_h n_h/(n_h − 1) Σ_{i ∈ h} (z_i − z̄_h)²,   z_i = (Y_i − R·M_i) / Σ M,

``Y_i``, ``M_i`` the respondent's sums in the row (0 when the respondent gave none) — the
with-replacement (no finite-population correction) estimator of Wolter (2007, ch. 6), as
``svymean`` / ``svyratio`` compute it; a row that is a subset of the answers (a series, a
group) is a domain of the whole design (Lumley 2010, ch. 2.3: the design is kept, not
subset).  A stratum with a single respondent adds nothing (``options(survey.lonely.psu =
"certainty")``).  Degrees of freedom: respondents − strata (``degf(design)``).

The design effect (Kish 1965) is ``v(R)`` over the variance the same answers would have as a
simple random sample of answers, ``s² / n`` (``s²`` the answers' variance with divisor
``n − 1``), what the rows of one unit, group and dimension use.

References
----------
.. [1] Kish L (1965). Survey Sampling. Wiley.
.. [2] Wolter KM (2007). Introduction to Variance Estimation, 2nd ed. Springer.
.. [3] Lumley T (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.

Examples
--------
>>> DESIGN_KINDS
('forms', 'respondents')
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import special

from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.counts.tally import check_forms

__all__ = [
    "DESIGN_EFFECT_COLUMNS",
    "DESIGN_KINDS",
    "RESPONDENT_COLUMN",
    "Design",
    "answer_arrays",
    "cluster_groups",
    "cluster_level_counts",
    "combine_designs",
    "compact_codes",
    "design_effects",
    "design_positions",
    "design_variance",
    "design_variances",
    "factorize_runs",
    "forms_design",
    "korn_graubard",
    "lexsort_rows",
    "linked_clusters",
    "repeated_units",
    "respondent_design",
    "within_rows",
]

RESPONDENT_COLUMN = "respondent"
DESIGN_KINDS = ("forms", "respondents")
DESIGN_EFFECT_COLUMNS = [
    "cycle",
    "metric",
    "estimate",
    "se",
    "se_srs",
    "design_effect",
    "n_valid",
    "n_forms",
    "n_respondents",
    "df",
]


@dataclass(frozen=True)
class Design:
    """Respondents (clusters) and strata of one or more cycles, with their answer patterns.

    One row ``p`` per distinct answer pattern of a respondent for a unit: ``cyc[p]``,
    ``unit[p]`` (positions in ``cycles`` / ``units``), ``group[p]`` (scheme group order),
    ``cluster[p]`` (the respondent), ``levels[p, d]`` (scheme level order, blank = number of
    levels, as a tally; the forms' own small integer codes, int8 from a validated cycle) and
    ``count[p]`` (forms).  ``stratum[c]`` is the stratum of cluster ``c`` (``cycle × group``
    for respondents; ``cycle × unit × group`` when every form is its own cluster,
    :func:`forms_design`).

    Attributes
    ----------
    kind : {"forms", "respondents"}
    repeated_within_unit : bool
        Some respondent gave one unit more than one form (then that unit's rows are
        respondent-clustered too, :mod:`evalstats.stats.score.clustered`).
    labels : array of object or None
        Per cluster, the respondent's label from the ``respondent`` column (None for a form
        without one, and for a wide file's row id — form id ``<row id>/<unit>`` — which names
        a row, not a person); None when the forms had no such column.  Two cycles' clusters
        with the same label and group are the same person (:func:`linked_clusters`).
    """

    kind: str
    cycles: list
    units: list
    cyc: np.ndarray
    unit: np.ndarray
    group: np.ndarray
    cluster: np.ndarray
    levels: np.ndarray
    count: np.ndarray
    stratum: np.ndarray
    repeated_within_unit: bool = False
    labels: np.ndarray | None = None

    @property
    def shared(self) -> bool:
        """Forms share respondents (the respondent is the sampling unit)."""
        return self.kind == "respondents"

    @property
    def n_clusters(self) -> int:
        return len(self.stratum)

    @property
    def n_forms(self) -> int:
        return int(self.count.sum())


class _Codes(NamedTuple):
    """A forms (or patterns) table as codes: cycles and units named, levels blank-last."""

    cycles: list
    units: list
    cyc: np.ndarray
    unit: np.ndarray
    group: np.ndarray
    lv: np.ndarray  # [n, D]


def _codes(frame: pd.DataFrame, scheme: Scheme) -> _Codes:
    cyc, cycles, units, unit, group, levels = check_forms(frame, scheme)
    n = len(unit)
    cyc = np.zeros(n, np.int64) if cyc is None else np.asarray(cyc, np.int64)
    nl = len(scheme.level_codes)
    lv = np.stack([np.where(np.asarray(x) < 0, nl, x) for x in levels], axis=1)
    return _Codes(
        [str(c) for c in cycles],
        list(units),
        cyc,
        np.asarray(unit, np.int64),
        np.asarray(group, np.int64),
        lv.reshape(n, len(levels)),  # the categoricals' own codes (int8), blank last
    )


def compact_codes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` of integer codes (the distinct codes in
    increasing order, and each code's position among them), in linear time by a count of each
    code when they are non-negative and no larger than about their number; else by
    ``np.unique``.

    Examples
    --------
    >>> u, inv = compact_codes(np.array([7, 2, 7, 5]))
    >>> u.tolist(), inv.tolist()
    ([2, 5, 7], [2, 0, 2, 1])
    """
    codes = np.asarray(codes)
    if len(codes) and codes.min() >= 0 and codes.max() <= 2 * len(codes) + 1024:
        present = np.bincount(codes) > 0
        return np.flatnonzero(present), (np.cumsum(present) - 1)[codes]
    uniq, inv = np.unique(codes, return_inverse=True)
    return uniq, inv.ravel()


def factorize_runs(values) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values)`` (codes by first appearance, -1 where missing; the distinct
    values), fast when equal values come in runs: a wide file's respondent column, one row id
    repeated for each unit the row rated.

    An object array's neighbours are compared once (the same string object: no characters
    read) and only each run's first value is hashed; any other input, or values that do not
    compare to ``True``/``False`` (``pd.NA``), go to ``pd.factorize`` whole.  The one coding
    of respondent labels for the design (:func:`respondent_design`) and the quality checks.

    Examples
    --------
    >>> values = np.array(["b", "b", "b", None, None, "a", "a", "a", "b", "b"], dtype=object)
    >>> codes, uniques = factorize_runs(values)
    >>> codes.tolist(), uniques.tolist()
    ([0, 0, 0, -1, -1, 1, 1, 1, 0, 0], ['b', 'a'])
    """
    arr = values.to_numpy() if isinstance(values, pd.Series) else values
    if not isinstance(arr, np.ndarray) or arr.dtype != object or arr.ndim != 1 or len(arr) < 2:
        return pd.factorize(values, use_na_sentinel=True)
    try:
        differs = arr[1:] != arr[:-1]
    except (TypeError, ValueError):
        differs = None
    if not isinstance(differs, np.ndarray) or differs.dtype != bool:
        return pd.factorize(arr, use_na_sentinel=True)
    starts = np.flatnonzero(np.concatenate(([True], differs)))
    del differs
    if len(starts) * 2 > len(arr):  # mostly runs of one: hashing every value costs no more
        return pd.factorize(arr, use_na_sentinel=True)
    codes, uniques = pd.factorize(arr[starts], use_na_sentinel=True)
    return np.repeat(codes, np.diff(np.append(starts, len(arr)))), uniques


def lexsort_rows(*cols) -> tuple[np.ndarray, np.ndarray]:
    """Order of the rows sorted by ``cols`` (first = primary key) and a mask of each new row
    (in that order: the row differs from the one before it in some column).

    The columns are non-negative integers; while their ranges multiply to less than 2⁶² they
    are one mixed-radix code sorted once (a stable sort: the same order as ``np.lexsort`` of
    the columns, last = primary key, reversed; rows already in order cost one pass).

    Examples
    --------
    >>> order, new = lexsort_rows(np.array([1, 0, 1]), np.array([2, 5, 2]))
    >>> order.tolist(), new.tolist()
    ([1, 0, 2], [True, True, False])
    """
    n = len(cols[0]) if cols else 0
    new = np.ones(n, bool)
    if n == 0:
        return np.zeros(0, np.intp), new
    sizes = [int(c.max()) + 1 for c in cols]
    if min(int(c.min()) for c in cols) >= 0 and math.prod(sizes) < 2**62:
        code = np.zeros(n, np.int64)
        for c, size in zip(cols, sizes, strict=True):
            code *= size
            code += c
        order = np.argsort(code, kind="stable")
        srt = code[order]
        np.not_equal(srt[1:], srt[:-1], out=new[1:])
        return order, new
    order = np.lexsort(tuple(reversed(cols)))
    if n > 1:
        new[1:] = np.column_stack([c[order][1:] != c[order][:-1] for c in cols]).any(axis=1)
    return order, new


def respondent_design(forms: pd.DataFrame, *, scheme: Scheme | None = None) -> Design:
    """The sampling design of validated forms: respondents as clusters when they share forms.

    Parameters
    ----------
    forms : DataFrame
        The validated forms table; an optional ``respondent`` column names each form's
        respondent (missing: the form is its own respondent).  Respondents are matched within
        a cycle.
    scheme : Scheme, path or None

    Returns
    -------
    Design
        ``kind = "respondents"`` when some respondent has more than one form in a cycle,
        otherwise ``kind = "forms"`` (each form its own cluster, strata the cycle × unit ×
        group cells: every number as without the column).

    Notes
    -----
    Clusters are nested in strata (R's ``svydesign(..., nest = TRUE)``): a respondent named in
    two groups of one cycle counts as one respondent in each group.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.core.scheme import load_scheme
    >>> s = load_scheme()
    >>> f = pd.DataFrame({"cycle": "2026H1", "form_id": ["1", "2"], "respondent": ["r1", "r1"],
    ...     "unit": pd.Categorical(["A", "B"]),
    ...     "group": pd.Categorical(["public"] * 2, categories=s.group_codes)}
    ...     | {d: pd.Categorical(["satisfied"] * 2, dtype=s.level_dtype)
    ...        for d in s.dimension_codes})
    >>> d = respondent_design(f, scheme=s)
    >>> d.kind, d.n_clusters, d.n_forms
    ('respondents', 1, 2)
    """
    scheme = resolve_scheme(scheme)
    f = _codes(forms, scheme)
    n = len(f.unit)
    shared = False
    if RESPONDENT_COLUMN in forms.columns and n:
        rid, missing = _respondent_ids(forms[RESPONDENT_COLUMN], f.cyc, f.group)
        shared = int(rid.max()) + 1 < n
        cluster_labels = _cluster_labels(forms, rid, missing)
    if not shared:
        labels = None if not (RESPONDENT_COLUMN in forms.columns and n) else cluster_labels[rid]
        return _forms_design(f, np.ones(n, np.int64), labels=labels)
    ng = len(scheme.group_codes)
    n_cl = int(rid.max()) + 1
    strat_of = np.full(n_cl, -1, np.int64)
    strat_of[rid] = f.cyc * ng + f.group
    order, per_unit_new = lexsort_rows(rid, f.unit)
    repeated = int(per_unit_new.sum()) < n
    # one row per distinct pattern of a respondent × unit: with no respondent × unit twice
    # (a wide file) every form is one, in the order of (respondent, unit) already found
    if repeated:
        order, new = lexsort_rows(rid, f.unit, *(f.lv[:, j] for j in range(f.lv.shape[1])))
        first = np.flatnonzero(new)
        pick = order[first]
        count = np.diff(np.append(first, n)).astype(np.int64)
    else:
        pick, count = order, np.ones(n, np.int64)  # every form a pattern row of its own
    if len(pick) == n and n and pick[0] == 0 and bool((pick[1:] > pick[:-1]).all()):
        pick = slice(None)  # the forms in that order already: their columns as they are
    return Design(
        kind="respondents",
        cycles=f.cycles,
        units=f.units,
        cyc=f.cyc[pick],
        unit=f.unit[pick],
        group=f.group[pick],
        cluster=rid[pick].astype(np.int64, copy=False),
        levels=f.lv[pick],
        count=count,
        stratum=strat_of,
        repeated_within_unit=repeated,
        labels=cluster_labels,
    )


_KEPT: dict[int, dict] = {}  # id(design) -> what was made from it, while the design lives


def _kept(design: Design, key: tuple, make):
    """``make()``, made once per design (compared by identity) and kept beside it until the
    design is freed: sums that several analyses of one cycle's forms need."""
    memo = _KEPT.get(id(design))
    if memo is None:
        memo = _KEPT[id(design)] = {}
        weakref.finalize(design, _KEPT.pop, id(design), None)
    if key not in memo:
        memo[key] = make()
    return memo[key]


def cluster_level_counts(design: Design, width: int) -> np.ndarray:
    """Forms per respondent × level, per dimension: ``[D, max(n_clusters, 1), width]``.

    ``width`` is the number of levels and the blank (the design's level codes, blank last; a
    blank coded ``-1`` counts as the last); each pattern row counts its forms (``count``).
    The counts are whole numbers, so any sum or product made from them is the same to the bit
    as the same sum over the forms.  Counted once per design and width, and kept while the
    design lives: the design effects and each group test of a cycle need them.  The array is
    shared, so read-only.

    Examples
    --------
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.inputs.forms import empty_forms
    >>> cluster_level_counts(forms_design(pattern_counts(empty_forms())), 6).shape[1:]
    (1, 6)
    """

    def count():
        size = max(design.n_clusters, 1)
        n_dims = design.levels.shape[1]
        out = np.empty((n_dims, size, width))
        first = design.cluster * width  # each respondent's first slot, made once
        slot = np.empty_like(first)  # each answer's slot, a dimension at a time: one buffer
        weights = None if bool((design.count == 1).all()) else design.count
        for j in range(n_dims):
            code = design.levels[:, j]
            if code.min(initial=0) < 0:
                code = code % width  # -1 (blank) is the last level
            np.add(first, code, out=slot)
            out[j] = np.bincount(slot, weights=weights, minlength=size * width).reshape(size, -1)
        out.flags.writeable = False  # shared by every caller
        return out

    return _kept(design, ("cluster_level_counts", int(width)), count)


def cluster_groups(design: Design) -> np.ndarray | None:
    """Each cluster's group (``-1``: a cluster without rows), or None when some cluster's
    rows name more than one group; a respondents design nests clusters in cycle × group
    strata, so there is one.  Made once per design, and kept while it lives.

    Examples
    --------
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.inputs.forms import empty_forms
    >>> cluster_groups(forms_design(pattern_counts(empty_forms()))).tolist()
    []
    """

    def groups():
        group = np.full(design.n_clusters, -1, np.int64)
        group[design.cluster] = design.group
        return group if bool((group[design.cluster] == design.group).all()) else None

    return _kept(design, ("cluster_groups",), groups)


def _respondent_ids(resp: pd.Series, cyc, group) -> tuple[np.ndarray, np.ndarray]:
    """Each form's cluster (``0 ..``) and whether its respondent is missing.

    Clusters are nested in strata (R's ``nest = TRUE``): a respondent who rated in two groups
    of a cycle (a resident who also answered for an enterprise, one phone pseudonym) is one
    respondent in each group; a form without a respondent is its own respondent.  Clusters
    are numbered in the order of the text ``"<cycle>\\x1f<group>\\x1f<label>"`` (cycle and
    group as decimal positions; label the respondent as text, ``"\\x00<row>"`` when missing)
    — the same as that order of (cycle text, group text, label) since positions are digits —
    with text made only for the distinct respondents, not for every form.

    Examples
    --------
    >>> rid, missing = _respondent_ids(pd.Series(["b", "a", None, "b"]), np.zeros(4, int),
    ...     np.array([0, 0, 0, 10]))
    >>> rid.tolist(), missing.tolist()
    ([2, 1, 0, 3], [False, False, True, False])
    """
    n = len(resp)
    raw, distinct = factorize_runs(resp)
    missing = raw < 0
    names = pd.Series(distinct).astype(object).astype(str).to_numpy(dtype=object)
    lost = np.flatnonzero(missing)
    text = np.concatenate([names, np.array(["\x00" + str(i) for i in lost], dtype=object)])
    text_code, text_uniq = pd.factorize(text, sort=True)
    label = np.empty(n, np.int64)
    label[~missing] = text_code[raw[~missing]]
    label[lost] = text_code[len(names) :]

    def text_rank(codes):  # rank of str(position) among the positions' texts
        size = int(codes.max()) + 1 if len(codes) else 1
        rank = np.argsort(np.argsort(np.array([str(i) for i in range(size)]), kind="stable"))
        return rank[codes], size

    c_rank, _ = text_rank(np.asarray(cyc, np.int64))
    g_rank, ng = text_rank(np.asarray(group, np.int64))
    code = (c_rank * ng + g_rank) * max(len(text_uniq), 1) + label
    _, rid = compact_codes(code)
    return rid.astype(np.int64, copy=False), missing


def _first_forms(rid: np.ndarray) -> np.ndarray:
    """Each cluster's first form (``rid``: clusters ``0 ..``, every one with a form), as
    ``np.unique(rid, return_index=True)[1]``: when every cluster's forms are one run of
    neighbours (a wide file's respondents) the runs' starts, without sorting the forms.

    Examples
    --------
    >>> _first_forms(np.array([1, 1, 0, 2, 2])).tolist(), _first_forms(np.array([1, 0, 1])).tolist()
    ([2, 0, 3], [1, 0])
    """
    if len(rid) == 0:
        return np.zeros(0, np.intp)
    starts = np.flatnonzero(np.diff(rid, prepend=rid[0] - 1))
    if len(starts) == int(rid.max()) + 1:  # as many runs as clusters: one run each
        first = np.empty(len(starts), np.intp)
        first[rid[starts]] = starts
        return first
    return np.unique(rid, return_index=True)[1]


def _cluster_labels(forms: pd.DataFrame, rid, missing) -> np.ndarray:
    """Each cluster's respondent label for linking cycles (None: not a person's id).

    A form without a respondent, and a wide file's row id (form id ``<row id>/<unit>``: it
    names a row, not a person), are never linked; checked on one form per cluster.
    """
    first = _first_forms(rid)
    sub = forms.iloc[first]
    resp = sub[RESPONDENT_COLUMN].astype(object)
    linkable = ~missing[first]
    if "form_id" in sub.columns:
        row_id = sub["form_id"].astype(str) == resp.astype(str) + "/" + sub["unit"].astype(str)
        linkable &= ~row_id.to_numpy(bool)
    return np.where(linkable, resp.astype(str).to_numpy(dtype=object), None).astype(object)


def _forms_design(f: _Codes, count, *, labels=None) -> Design:
    """Every form its own cluster, each cycle × unit × group cell a stratum; ``labels`` the
    forms' respondents (one form each), if known."""
    count = np.asarray(count, np.int64)
    row = np.repeat(np.arange(len(count)), count)
    cluster = np.arange(len(row), dtype=np.int64)
    ng = int(f.group.max()) + 1 if len(f.group) else 1
    cell = (f.cyc[row] * max(len(f.units), 1) + f.unit[row]) * ng + f.group[row]
    _, stratum = np.unique(cell, return_inverse=True)
    return Design(
        kind="forms",
        cycles=f.cycles,
        units=f.units,
        cyc=f.cyc[row],
        unit=f.unit[row],
        group=f.group[row],
        cluster=cluster,
        levels=f.lv[row],
        count=np.ones(len(row), np.int64),
        stratum=stratum.astype(np.int64),
        repeated_within_unit=False,
        labels=None if labels is None else np.asarray(labels, object)[row],
    )


def forms_design(patterns: pd.DataFrame, *, scheme: Scheme | None = None) -> Design:
    """The forms design (every form its own cluster, strata the cells) from pattern counts.

    For a cycle counted without its forms, or to combine with a respondents design of
    another cycle (:func:`combine_designs`).

    Examples
    --------
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.inputs.forms import empty_forms
    >>> forms_design(pattern_counts(empty_forms())).n_clusters
    0
    """
    scheme = resolve_scheme(scheme)
    return _forms_design(_codes(patterns, scheme), patterns["count"].to_numpy())


def combine_designs(first: Design, second: Design) -> Design:
    """The design of two cycles' forms together (cycles are independent samples).

    The kind is ``"respondents"`` when either is.

    Examples
    --------
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.inputs.forms import empty_forms
    >>> d = forms_design(pattern_counts(empty_forms()))
    >>> combine_designs(d, d).kind
    'forms'
    """
    cycles = list(dict.fromkeys([*first.cycles, *second.cycles]))
    units = list(dict.fromkeys([*map(str, first.units), *map(str, second.units)]))
    parts = []
    offset_cl = offset_st = 0
    for d in (first, second):
        cmap = np.array([cycles.index(c) for c in d.cycles], np.int64)
        umap = np.array([units.index(str(u)) for u in d.units], np.int64)
        parts.append(
            (
                cmap[d.cyc] if len(cmap) else d.cyc,
                umap[d.unit] if len(umap) else d.unit,
                d.group,
                d.cluster + offset_cl,
                d.levels,
                d.count,
                d.stratum + offset_st,
            )
        )
        offset_cl += d.n_clusters
        offset_st += int(d.stratum.max()) + 1 if len(d.stratum) else 0
    cols = [np.concatenate(x) for x in zip(*parts, strict=True)]
    return Design(
        kind="respondents" if first.shared or second.shared else "forms",
        cycles=cycles,
        units=units,
        cyc=cols[0],
        unit=cols[1],
        group=cols[2],
        cluster=cols[3],
        levels=cols[4],
        count=cols[5],
        stratum=np.concatenate([parts[0][6], parts[1][6]]),
        repeated_within_unit=first.repeated_within_unit or second.repeated_within_unit,
    )


def linked_clusters(first: Design, second: Design):
    """The two designs' clusters on one axis of persons: the same label and group is one.

    For two cycles' designs (:func:`respondent_design` of each): a respondent named alike in
    both (a phone pseudonym made with the same key, a panel member's number) in the same group
    is one cluster of the pair; every other cluster is a person of its own.

    Returns
    -------
    first_ids, second_ids : int arrays
        The joint cluster of each cluster of ``first`` / ``second``.
    group : int array
        The group (scheme order) of each joint cluster.
    n_linked : int
        Joint clusters present in both.

    Examples
    --------
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.inputs.forms import empty_forms
    >>> d = forms_design(pattern_counts(empty_forms()))
    >>> linked_clusters(d, d)[3]
    0
    """
    keys, groups = [], []
    for tag, d in enumerate((first, second)):
        g = np.full(d.n_clusters, -1, np.int64)
        g[d.cluster] = d.group
        lab = d.labels if d.labels is not None else np.full(d.n_clusters, None, object)
        own = pd.Series(np.arange(d.n_clusters)).astype(str).radd(f"\x00{tag}\x1f")
        named = pd.Series(g).astype(str) + "\x1f" + pd.Series(lab).astype(str)
        keys.append(np.where(pd.isna(pd.Series(lab)), own, named))
        groups.append(g)
    ids, uniq = pd.factorize(np.concatenate(keys))
    n1 = first.n_clusters
    group = np.full(len(uniq), -1, np.int64)
    group[ids] = np.concatenate(groups)
    n_linked = len(np.intersect1d(ids[:n1], ids[n1:]))
    return ids[:n1].astype(np.int64), ids[n1:].astype(np.int64), group, n_linked


def design_positions(design: Design, cycles, units) -> tuple[np.ndarray, np.ndarray]:
    """Each design row's cycle and unit as positions in ``cycles`` / ``units`` (of a tally).

    Raises ValueError when the design names a cycle or unit the tally does not have.

    Examples
    --------
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.inputs.forms import empty_forms
    >>> [len(a) for a in design_positions(forms_design(pattern_counts(empty_forms())), [], [])]
    [0, 0]
    """
    cmap = pd.Index([str(c) for c in cycles]).get_indexer([str(c) for c in design.cycles])
    umap = pd.Index([str(u) for u in units]).get_indexer([str(u) for u in design.units])
    cyc = cmap[design.cyc] if len(cmap) else design.cyc.copy()
    unit = umap[design.unit] if len(umap) else design.unit.copy()
    if (cyc < 0).any() or (unit < 0).any():
        raise ValueError("design does not match counts: cycles or units differ")
    return cyc, unit


def repeated_units(design: Design, cycles, units) -> np.ndarray:
    """``[cycle, unit]``: some respondent gave the unit more than one form in the cycle.

    ``cycles`` and ``units`` are those of a tally (:func:`design_positions`).  All False for a
    design of kind ``"forms"``.

    Examples
    --------
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.inputs.forms import empty_forms
    >>> repeated_units(forms_design(pattern_counts(empty_forms())), [], []).shape
    (0, 0)
    """
    out = np.zeros((len(cycles), len(units)), bool)
    if not design.repeated_within_unit or not len(design.count):
        return out
    cyc, unit = design_positions(design, cycles, units)
    _, inv = np.unique(np.column_stack([cyc, unit, design.cluster]), axis=0, return_inverse=True)
    inv = inv.ravel()
    per = np.bincount(inv, weights=design.count)
    rep = per[inv] > 1
    out[cyc[rep], unit[rep]] = True
    return out


def design_variance(key, cluster, y, m, *, stratum, nkeys: int):
    """Linearised variance of the ratios ``Σ y / Σ m`` per row ``key`` under a design.

    Parameters
    ----------
    key : int array
        The row (``0 .. nkeys - 1``) of each observation; negative: not in any row.
    cluster : int array
        The cluster (respondent) of each observation.
    y, m : float arrays
        Numerator and denominator contributions (already multiplied by counts).
    stratum : int array
        The stratum of each cluster (``stratum[c]``); every cluster of the design is counted
        in its stratum's ``n_h`` (domains keep the design).
    nkeys : int

    Returns
    -------
    ratio, variance, df : arrays of length ``nkeys``
        ``df``: the row's degrees of freedom, clusters with ``m > 0`` in the row minus their
        strata (as ``degf`` of the design subset to the row).  The variance is NaN where the
        row has no ``m`` or the design no stratum with two clusters.

    See Also
    --------
    design_variances : several numerators over the same rows and denominator at once.

    Examples
    --------
    >>> r, v, n = design_variance(np.array([0, 0, 0, 0]), np.array([0, 1, 2, 3]),
    ...     np.array([1., 0., 1., 1.]), np.ones(4), stratum=np.zeros(4, int), nkeys=1)
    >>> float(r[0]), round(float(v[0]), 6), int(n[0])
    (0.75, 0.0625, 3)
    """
    return design_variances(key, cluster, [y], m, stratum=stratum, nkeys=nkeys)[0]


def design_variances(key, cluster, ys, m, *, stratum, nkeys: int) -> list:
    """:func:`design_variance` of each numerator in ``ys`` over the same ``key``, ``cluster``
    and ``m`` (the rows' respondents are grouped once): a list of ``(ratio, variance, df)``.

    Examples
    --------
    >>> out = design_variances(np.zeros(4, int), np.arange(4), [np.ones(4), np.zeros(4)],
    ...     np.ones(4), stratum=np.zeros(4, int), nkeys=1)
    >>> [float(r[0]) for r, _, _ in out]
    [1.0, 0.0]
    """
    key = np.asarray(key, np.int64)
    keep = key >= 0
    keep = slice(None) if keep.all() else keep  # a view, not a copy, when all are in rows
    key, cluster = key[keep], np.asarray(cluster, np.int64)[keep]
    m = np.asarray(m, float)[keep]
    stratum = np.asarray(stratum, np.int64)
    n_cl = len(stratum)
    uniq, (M, *Ys) = _pair_sums(
        key, cluster, [m, *(np.asarray(y, float)[keep] for y in ys)], n_cl=max(n_cl, 1), nkeys=nkeys
    )
    k_of, c_of = uniq // max(n_cl, 1), uniq % max(n_cl, 1)
    TM = np.bincount(k_of, weights=M, minlength=nkeys)
    n_strata = int(stratum.max()) + 1 if n_cl else 0
    n_h = np.bincount(stratum, minlength=n_strata).astype(float)
    h_of = stratum[c_of]
    kh = k_of * n_strata + h_of
    used = M > 0
    n_with = np.bincount(k_of[used], minlength=nkeys)
    n_st = (np.bincount(kh[used], minlength=nkeys * n_strata).reshape(nkeys, n_strata) > 0).sum(1)
    df = (n_with - n_st).astype(float)
    out = []
    for Y in Ys:
        TY = np.bincount(k_of, weights=Y, minlength=nkeys)
        with np.errstate(invalid="ignore", divide="ignore"):
            R = TY / TM
            z = (Y - np.nan_to_num(R)[k_of] * M) / TM[k_of]
        sz = np.bincount(kh, weights=z, minlength=nkeys * n_strata).reshape(nkeys, n_strata)
        sz2 = np.bincount(kh, weights=z * z, minlength=nkeys * n_strata).reshape(nkeys, n_strata)
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(n_h > 1, n_h / (n_h - 1), 0.0)
            ss = sz2 - sz * sz / np.where(n_h > 0, n_h, 1.0)
            var = (f * ss).sum(axis=1)
        var = np.where((TM > 0) & ((n_h > 1).any() if n_strata else False), var, np.nan)
        out.append((R, var, df))
    return out


def _pair_sums(key, cluster, weights, *, n_cl: int, nkeys: int):
    """The (row, cluster) pairs present, as codes ``key * n_cl + cluster`` in increasing order
    (``np.unique``'s), and each weight's sum per pair, every pair's terms added in the order
    of the observations (as ``np.bincount`` over ``np.unique``'s inverse adds them).

    Linear time: by ``np.bincount`` on ``cluster * nkeys + key`` when the rows × clusters
    grid is no larger than the observations (memory bounded by theirs), else by a stable
    counting sort on the row when the observations come in cluster order (a design's answers
    do), else by ``np.unique``.  All three give the same pairs and the same sums to the bit.

    Examples
    --------
    >>> u, (w,) = _pair_sums(np.array([1, 0, 1, 0]), np.array([0, 0, 1, 0]),
    ...     [np.array([1., 2., 3., 4.])], n_cl=2, nkeys=2)
    >>> u.tolist(), w.tolist()
    ([0, 2, 3], [6.0, 1.0, 3.0])
    """
    n = len(key)
    if n and n_cl * nkeys <= n:
        code = cluster * nkeys + key
        size = n_cl * nkeys

        def grid(w=None):
            g = np.bincount(code, weights=w, minlength=size)
            return g.reshape(n_cl, nkeys).T.ravel()

        present = grid() > 0
        return np.flatnonzero(present), [grid(w)[present] for w in weights]
    kc = key * n_cl + cluster
    if n > 1 and bool((cluster[1:] >= cluster[:-1]).all()):
        # numpy sorts integers of 16 bits or fewer by a stable radix sort
        small = key.astype(np.uint16) if nkeys <= np.iinfo(np.uint16).max else key
        order = np.argsort(small, kind="stable")
        srt = kc[order]
        new = np.empty(n, bool)
        new[0] = True
        np.not_equal(srt[1:], srt[:-1], out=new[1:])
        uniq = srt[new]
        inv = np.empty(n, np.intp)
        inv[order] = np.cumsum(new) - 1
    else:
        uniq, inv = np.unique(kc, return_inverse=True)
        inv = inv.ravel()
    return uniq, [np.bincount(inv, weights=w, minlength=len(uniq)) for w in weights]


def answer_arrays(design: Design, lv, *, dims=None):
    """Per answer of the design (pattern row × dimension): row, dimension, points, valid and
    satisfied contributions (times the pattern's count).

    ``lv`` is :class:`evalstats.stats.score.cells.Levels`-like (``points``, ``valid``,
    ``satisfied`` per level in tally order).

    Examples
    --------
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.inputs.forms import empty_forms
    >>> class L: points = valid = satisfied = np.zeros(6)
    >>> len(answer_arrays(forms_design(pattern_counts(empty_forms())), L)[0])
    0
    """
    p, d = design.levels.shape
    dims = np.arange(d) if dims is None else np.asarray(dims)
    row = np.repeat(np.arange(p), len(dims))
    dim = np.tile(dims, p)
    code = design.levels[:, dims].ravel()  # = levels[row, dim]
    out = [np.asarray(v, float)[code] for v in (lv.points, lv.valid, lv.satisfied)]
    if not (design.count == 1).all():  # times 1 changes no bit: skipped (a wide file's rule)
        c = np.repeat(design.count.astype(float), len(dims))
        for v in out:
            v *= c
    return (row, dim, *out)


def design_effects(design: Design, *, scheme: Scheme | None = None) -> pd.DataFrame:
    """Design effects of each cycle's town-wide satisfied rate and score (all dimensions).

    Returns
    -------
    DataFrame
        ``cycle, metric, estimate, se, se_srs, design_effect, n_valid, n_forms,
        n_respondents, df``; ``metric`` is ``satisfied_rate`` or ``score``; ``se`` the
        design-based standard error (:func:`design_variance`), ``se_srs`` that of a simple
        random sample of the same answers, ``design_effect = (se / se_srs)²`` (Kish; what
        ``svymean(..., deff = "replace")`` reports), ``df`` respondents with a valid answer
        minus their strata.

    Examples
    --------
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.inputs.forms import empty_forms
    >>> list(design_effects(forms_design(pattern_counts(empty_forms()))).columns)[:4]
    ['cycle', 'metric', 'estimate', 'se']
    """
    from evalstats.stats.score.cells import Levels

    scheme = resolve_scheme(scheme)
    nc = len(design.cycles)
    # every answer of a respondent lies in their cycle: the town rows' (cycle, respondent)
    # sums are each respondent's sums over their pattern rows and dimensions (exact sums of
    # whole points, so the same to the bit as adding every answer)
    cl, (y, m, s, sq_y, sq_s) = _cluster_sums(design, Levels(scheme))
    cl_cyc = np.zeros(design.n_clusters, np.int64)
    cl_cyc[design.cluster] = design.cyc
    key = cl_cyc[cl]
    out = []
    both = design_variances(key, cl, [s, y], m, stratum=design.stratum, nkeys=nc)
    n_resp = np.bincount(key, minlength=nc)
    n_forms = np.bincount(design.cyc, weights=design.count, minlength=nc)
    for (metric, sq), (R, var, df) in zip(
        (("satisfied_rate", sq_s), ("score", sq_y)), both, strict=True
    ):
        # simple random sample of answers: s² / n with s² around the ratio (divisor n - 1)
        n = np.bincount(key, weights=m, minlength=nc)
        sq = np.bincount(key, weights=sq, minlength=nc)
        with np.errstate(invalid="ignore", divide="ignore"):
            s2 = (sq - n * R * R) / (n - 1)
            v_srs = s2 / n
            deff = var / v_srs
        for c in range(nc):
            out.append(
                {
                    "cycle": design.cycles[c],
                    "metric": metric,
                    "estimate": R[c],
                    "se": np.sqrt(var[c]),
                    "se_srs": np.sqrt(v_srs[c]),
                    "design_effect": deff[c],
                    "n_valid": int(n[c]),
                    "n_forms": int(n_forms[c]),
                    "n_respondents": int(n_resp[c]),
                    "df": df[c],
                }
            )
    return pd.DataFrame(out, columns=DESIGN_EFFECT_COLUMNS)


def _whole(values: np.ndarray) -> bool:
    """Every value a whole number (finite)."""
    values = np.asarray(values, float)
    return bool(np.isfinite(values).all() and (values == np.round(values)).all())


def _cluster_sums(design: Design, lv):
    """The respondents with a pattern row, and per respondent the sums of points, valid
    answers and satisfied answers, and of each valid answer's squared score (points²) and
    squared satisfied flag (times the patterns' counts), one dimension at a time."""
    size = max(design.n_clusters, 1)
    points, valid, sat = (np.asarray(v, float) for v in (lv.points, lv.valid, lv.satisfied))
    count = design.count  # forms: integers (whole by their type, not checked a form at a time)
    tables = (
        points,
        valid,
        sat,
        np.where(valid > 0, points**2, 0.0),
        np.where(valid > 0, sat**2, 0.0),
    )
    sums = [np.zeros(size) for _ in tables]
    nl = len(points)
    whole = all(_whole(t) for t in tables) and (count.dtype.kind in "iub" or _whole(count))
    n_forms = float(count.sum(dtype=float))
    if whole and float(np.abs(tables[0]).max(initial=0)) ** 2 * n_forms < 2**52:
        # whole numbers below 2**53: every sum is exact in any order, so each respondent's
        # forms per level are counted once per dimension (one bincount, not five) and
        # multiplied by the tables: the same sums to the bit
        for per in cluster_level_counts(design, nl):
            for total, table in zip(sums, tables, strict=True):
                total += per @ table
    else:
        for j in range(design.levels.shape[1]):
            code = design.levels[:, j]
            for total, table in zip(sums, tables, strict=True):
                total += np.bincount(design.cluster, weights=table[code] * count, minlength=size)
    cl = np.flatnonzero(np.bincount(design.cluster, minlength=size))
    return cl, [total[cl] for total in sums]


def within_rows(key, cluster, y, m, *, nkeys: int):
    """Ratio, linearised variance and df per row, each row's respondents its own sample.

    ``key`` (row, negative: none), ``cluster`` (respondent), ``y`` and ``m`` per observation;
    only observations with ``m > 0`` make a respondent part of a row.

    Examples
    --------
    >>> r, v, df = within_rows(np.zeros(4, int), np.array([0, 0, 1, 2]),
    ...     np.array([1., 1., 0., 1.]), np.ones(4), nkeys=1)
    >>> float(r[0]), round(float(v[0]), 6), float(df[0])
    (0.75, 0.082031, 2.0)
    """
    key = np.asarray(key, np.int64)
    m = np.asarray(m, float)
    keep = (key >= 0) & (m > 0)
    key, cluster = key[keep], np.asarray(cluster, np.int64)[keep]
    y, m = np.asarray(y, float)[keep], m[keep]
    n_cl = int(cluster.max()) + 1 if len(cluster) else 1
    pairs, (Y, M) = _pair_sums(key, cluster, [y, m], n_cl=n_cl, nkeys=nkeys)
    k = pairs // n_cl
    TY = np.bincount(k, weights=Y, minlength=nkeys)
    TM = np.bincount(k, weights=M, minlength=nkeys)
    n = np.bincount(k, minlength=nkeys).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        R = TY / TM
        z = (Y - R[k] * M) / TM[k]
        sz = np.bincount(k, weights=z, minlength=nkeys)
        sz2 = np.bincount(k, weights=z * z, minlength=nkeys)
        var = np.where(n > 1, n / (n - 1) * (sz2 - sz * sz / n), np.nan)
    return R, var, n - 1


def korn_graubard(rate, n_valid, var_rate, df, level):
    """Effective answers of a rate with a design-based variance (Korn & Graubard 1998):
    ``p(1−p)/v · (t_{n−1}/t_df)²``, capped at ``n_valid``; NaN below one degree of freedom.

    Examples
    --------
    >>> float(korn_graubard(np.array([0.5]), np.array([10]), np.array([0.025]),
    ...     np.array([9.0]), 0.95)[0])
    10.0
    """
    nv = np.asarray(n_valid, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = 1 - (1 - level) / 2
        adj = (special.stdtrit(nv - 1, q) / special.stdtrit(df, q)) ** 2
        binom = rate * (1 - rate)
        n_eff = np.where((binom > 0) & (var_rate > 0), np.minimum(nv, binom / var_rate * adj), nv)
        return np.where(df >= 1, n_eff, np.nan)
