"""The decision: which cells a public table may show (:func:`protect`).

Rules 1–3 of :mod:`evalstats.stats.privacy` — the primary rule, protected groups, and secondary
suppression to a fixed point followed by the exact recoverability check — run as named steps of
one :class:`_Decision`; :func:`report_cells` gives the cells of a cycle from its scores table
and :func:`few_group_units` the units of rule 4.

Examples
--------
>>> from evalstats.core.scheme import load_scheme
>>> cells = pd.DataFrame({"unit": ["u1", "u1", "u1"], "series": "s",
...                       "group": ["all", "enterprise", "deputy"], "n_forms": [30, 26, 4]})
>>> protect(cells, scheme=load_scheme())["published"].tolist()
[True, False, False]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme
from evalstats.stats.privacy.margins import cell_index, determined, margins
from evalstats.stats.privacy.suppress import ALL, CELL_KEYS, check_threshold


def protect(
    cells: pd.DataFrame,
    *,
    scheme: Scheme,
    publish=None,
    relations: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Decide which cells a public table may show (rules 1–3 of :mod:`evalstats.stats.privacy`).

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
    _check_cells(cells)
    k = check_threshold(int(scheme.rules.anonymity_min))
    protected = {str(g) for g in scheme.rules.anonymity_groups}
    out = cells.reset_index(drop=True).copy()
    st = _Decision.start(out, publish=publish, k=k, protected=protected)
    st.primary_rule(k)
    st.protected_only_units(out)
    eqs = margins(out, relations=relations)
    for _ in range(4 * len(out) + 4):  # each round withholds a cell, or stops
        if st.secondary_round(eqs):
            continue
        if not st.break_recovery(eqs):
            break
    out["published"] = st.pub & st.cand
    out["reason"] = pd.array(st.reason.astype(str), dtype="str")
    return out


def _check_cells(cells) -> None:
    if not isinstance(cells, pd.DataFrame):
        raise TypeError(f"cells must be a pandas DataFrame; got {type(cells).__name__}")
    missing = [c for c in (*CELL_KEYS, "n_forms") if c not in cells.columns]
    if missing:
        raise ValueError(f"cells lacks column(s) {missing}; required: {[*CELL_KEYS, 'n_forms']}")


@dataclass
class _Decision:
    """The state of :func:`protect`: per cell, what is known (published or empty) and why not.

    ``cand``: the report would show the cell; ``pub``: known (shown, or empty: nothing to
    hide); ``reason``: the code of a withheld cell; ``rank``: order of withholding (fewest
    forms first, then table order); ``sensitive_base``: a unit × group cell of a protected
    group or below the threshold.
    """

    n: np.ndarray
    unit: np.ndarray
    group: np.ndarray
    series: np.ndarray
    protected: set
    cand: np.ndarray
    empty: np.ndarray
    reason: np.ndarray
    pub: np.ndarray
    rank: np.ndarray
    sensitive_base: np.ndarray

    @classmethod
    def start(cls, out: pd.DataFrame, *, publish, k: int, protected: set) -> _Decision:
        n = pd.to_numeric(out["n_forms"], errors="coerce").fillna(0).to_numpy(np.int64)
        unit = out["unit"].astype(str).to_numpy()
        group = out["group"].astype(str).to_numpy()
        series = out["series"].astype(str).to_numpy()
        cand = (
            np.ones(len(out), bool) if publish is None else np.asarray(publish, dtype=bool).copy()
        )
        if cand.shape != (len(out),):
            raise ValueError(f"publish must have one value per cell ({len(out)}); got {cand.shape}")
        empty = n == 0
        order = np.lexsort([np.arange(len(out)), n])  # smallest first, then table order
        rank = np.empty(len(out), np.int64)
        rank[order] = np.arange(len(out))
        prot = np.isin(group, list(protected))
        return cls(
            n=n,
            unit=unit,
            group=group,
            series=series,
            protected=protected,
            cand=cand,
            empty=empty,
            reason=np.where(cand, "", "group_not_published").astype(object),
            pub=cand | empty,
            rank=rank,
            sensitive_base=(unit != ALL) & (group != ALL) & (prot | (n < k)),
        )

    def primary_rule(self, k: int) -> None:
        """Below the threshold, and a protected group's per-unit cell: withheld."""
        cand, empty, pub, reason = self.cand, self.empty, self.pub, self.reason
        small = cand & ~empty & (self.n < k)
        reason[small], pub[small] = "below_threshold", False
        per_unit_protected = (
            cand & ~empty & (self.unit != ALL) & np.isin(self.group, list(self.protected))
        )
        reason[per_unit_protected & pub] = "group_not_published"
        pub[per_unit_protected] = False

    def protected_only_units(self, out: pd.DataFrame) -> None:
        """A unit's pooled cell made of protected groups only: withheld."""
        if not self.protected:
            return
        unit, series, n = self.unit, self.series, self.n
        idx = cell_index(out)
        prot_n = {}
        for i in np.flatnonzero((unit != ALL) & np.isin(self.group, list(self.protected))):
            prot_n[(unit[i], series[i])] = prot_n.get((unit[i], series[i]), 0) + int(n[i])
        for (u, s), m in prot_n.items():
            i = idx.get((u, s, ALL))
            if i is not None and self.pub[i] and not self.empty[i] and m >= n[i]:
                self.reason[i], self.pub[i] = "group_not_published", False

    def withhold(self, i) -> None:
        self.reason[i], self.pub[i] = "complementary", False

    def smallest(self, parts):
        live = [p for p in parts if self.pub[p] and not self.empty[p]]
        return min(live, key=lambda p: self.rank[p]) if live else None

    def sensitive(self, i) -> bool:
        return not self.pub[i] and not self.empty[i] and (self.cand[i] or self.sensitive_base[i])

    def secondary_round(self, eqs) -> bool:
        """One pass of the secondary rule over every margin; True if a cell was withheld."""
        changed = False
        for total, parts, r in eqs:
            changed |= self._complement(total, parts, r)
        return changed

    def _complement(self, total, parts, r) -> bool:
        hidden = [p for p in parts if not self.pub[p] and not self.empty[p]]
        if self.pub[total] and not self.empty[total]:
            if not any(self.sensitive(p) for p in hidden):
                return False
            changed = False
            while len(hidden) < r + 1:
                p = self.smallest(parts)
                if p is None:
                    self.withhold(total)
                    return True
                self.withhold(p)
                hidden.append(p)
                changed = True
            return changed
        if self.sensitive(total) and not hidden and any(not self.empty[p] for p in parts):
            p = self.smallest(parts)
            if p is not None:
                self.withhold(p)
                return True
        return False

    def break_recovery(self, eqs) -> bool:
        """Withhold the smallest known cell of an equation pinning down a sensitive cell;
        False when no sensitive cell is recoverable (the decision is final)."""
        found = determined(len(self.n), eqs, self.pub)
        found &= ~self.empty & ~self.pub & (self.cand | self.sensitive_base)
        if not found.any():
            return False
        c = int(np.flatnonzero(found)[0])
        options = []
        for total, parts, _r in eqs:
            if c in [total, *parts]:
                options += [p for p in parts if p != c and self.pub[p] and not self.empty[p]]
                if total != c and self.pub[total] and not self.empty[total]:
                    options.append(total)
        if not options:  # pragma: no cover - a determined cell is in an equation with a known
            return False
        self.withhold(min(options, key=lambda p: self.rank[p]))
        return True


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


__all__ = [
    "few_group_units",
    "protect",
    "report_cells",
]
