"""The exact integer audit of a public release: can a withheld group's answers be solved?

An attacker knows the scheme (level points, which levels are valid, satisfied, dissatisfied,
the group weights), that counts are whole numbers, and every number the release publishes at
its published precision — the public report's tables and figure data, the public letters, and
the releases of earlier cycles.  The linear check of :mod:`evalstats.stats.privacy.checker`
(subtraction over margins) misses what the lattice gives away: in the demo cycle 2026H1 the
public report's unit row of 党政办 (level counts, and its group-weighted dimension scores to 16
digits) and the public letter's score of the public (群众) made the deputy's five answers
(60/60/100/100/100) and the supervisors' scores the *only* whole-number solution.

The model
---------
A *block* is one unit × dimension of one cycle.  Its unknowns are, for each respondent group
``g`` rated the unit, the valid-level counts ``y[g, v]`` (whole numbers ≥ 0) and the number of
answers that are not valid (不了解 or blank).  The group's forms ``n_g`` are taken as known to
the attacker (the letters print them; a conservative assumption).  Every published number of
the block is a constraint (:class:`Fact`):

- a count or ``n_valid``: an equation;
- a rate ``r`` printed to ``d`` decimals: ``(r - h) N <= count <= (r + h) N`` with ``h = 0.5 ×
  10^-d`` and ``N`` the aggregate's valid answers (or all its answers for
  ``share_of_all_votes``);
- a score ``s``: ``(s - h) N <= Σ points × count <= (s + h) N``;
- the group-weighted score ``w``: ``Σ_g (w_g / W) · score_g ∈ [w - h, w + h]`` over the groups
  with a valid answer (``W`` their weights' sum).

For a fixed split of the block's invalid answers among the groups (so every ``N_g`` is fixed)
all of these are linear, and the block is a small integer programme.  :func:`audit_block`
enumerates the splits consistent with the published ``n_valid`` (the true one first when the
auditor knows it, then those that change a target's valid answers); for each, it asks
:func:`scipy.optimize.milp` (HiGHS) for a table, then for one giving each target a score other
than the one it has seen (one programme with a binary variable choosing the side).  A target
is a group not shown in the block that is protected (the scheme's ``anonymity_groups``) or
rests on fewer than ``anonymity_min`` forms.  It is ``safe`` when the
release fits at least two different scores of it (a different score is a different level
distribution, and the group's mean answer is not isolated); else ``pinned``.  A block with
published numbers that no whole-number table fits is ``inconsistent`` (the release was edited,
or rounded inconsistently).

Limits (see the report of issue 15): confidence intervals are not used as constraints (publish
them rounded); blocks are audited one by one, so a town-wide or series-wide group total that
couples the units is not used (it is a sum over every unit; it could pin a cell only where all
the other units' cells of that group are pinned); a unit's pooled-over-dimensions row adds
nothing when its dimension rows are published (it is their sum).

References
----------
.. [1] Fischetti M, Salazar-González JJ (1999). Models and algorithms for the 2-dimensional
       cell suppression problem in statistical disclosure control. Mathematical Programming
       84:283-312 (attacker subproblems: the exact range of a suppressed cell by integer/linear
       programming over the published table).
.. [2] Dinur I, Nissim K (2003). Revealing information while preserving privacy. PODS 2003,
       202-210 (reconstruction from many aggregate answers).
.. [3] Abowd JM (2018). The U.S. Census Bureau adopts differential privacy. KDD 2018; and
       Garfinkel S, Abowd JM, Martindale C (2019). Understanding database reconstruction
       attacks on public data. Communications of the ACM 62(3):46-53 (the 2010 Census tables
       reconstructed exactly by integer programming).
.. [4] Hundepool A, et al. (2012). Statistical Disclosure Control. Wiley. Ch. 5.

Examples
--------
One supervisor and one deputy beside 20 enterprises; the pooled counts and the weighted score
are published, the groups are not:

>>> from evalstats.core.scheme import load_scheme
>>> scheme = load_scheme()
>>> truth = {"enterprise": {"satisfied": 20}, "supervisor": {"fairly_satisfied": 1},
...          "deputy": {"basically_satisfied": 1}}
>>> block = block_from_counts(truth, scheme=scheme, publish=["weighted_score", "counts"])
>>> [(v.group, v.verdict) for v in audit_block(block, scheme=scheme)]
[('supervisor', 'pinned'), ('deputy', 'pinned')]
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from evalstats.core.scheme import Scheme

ALL = "all"
VERDICTS = ("safe", "pinned", "inconsistent")
AUDIT_COLUMNS = ["cycle", "unit", "dimension", "group", "n_forms", "verdict", "solutions"]
"""Columns of :func:`audit_release`'s result; ``solutions`` is the number of different scores
of the group that fit (``2`` means two or more)."""
_TOL = 1e-9
_GAP = 1e-3
"""A target's points in two tables differ when they differ by more than this (level points are
whole or decimal numbers of a few places, so two different sums differ by far more)."""
QUICK_SPLITS = 25
"""Splits tried by a quick (not exhaustive) audit, the true one first."""
QUICK_SECONDS = 0.05
"""Seconds per search of a quick audit (a search cut short finds nothing: cautious)."""
MAX_SPLITS = 20000
"""Most splits of a block's invalid answers enumerated; beyond, the block is reported pinned
(the audit does not claim safety it has not proved)."""


@dataclass(frozen=True)
class Fact:
    """One published number of a block as a constraint.

    ``kind``: ``"count"`` (valid levels ``levels`` of groups ``groups`` sum to ``low..high``),
    ``"rate"`` (that sum over the groups' valid answers lies in ``low..high``), ``"share"``
    (over all their answers), ``"score"`` (points over valid answers), ``"weighted"`` (the
    group-weighted score, ``groups`` ignored), ``"n_valid"`` (valid answers, exact).
    ``groups`` is the tuple of groups the number pools (every group for a unit's pooled row).
    """

    kind: str
    groups: tuple
    levels: tuple = ()
    low: float = 0.0
    high: float = 0.0


@dataclass
class Block:
    """The published numbers of one unit × dimension of a cycle (:class:`Fact` list)."""

    cycle: str
    unit: str
    dimension: str
    n_forms: dict  # group -> forms (the attacker's side knowledge)
    facts: list = field(default_factory=list)
    shown: set = field(default_factory=set)  # groups with a published number of their own


@dataclass(frozen=True)
class Verdict:
    """The audit of one target group of a block."""

    cycle: str
    unit: str
    dimension: str
    group: str
    n_forms: int
    verdict: str
    solutions: int


def half_unit(text) -> float:
    """Half a unit in the last printed place of ``text`` (a published number).

    Examples
    --------
    >>> half_unit("88.61"), half_unit("0.5"), half_unit("12")
    (0.005, 0.05, 0.5)
    """
    try:
        d = Decimal(str(text).strip())
    except InvalidOperation:
        return 0.0
    exp = d.as_tuple().exponent
    if not isinstance(exp, int):
        return 0.0
    return 0.5 * 10.0**exp


def _interval(text) -> tuple[float, float] | None:
    s = str(text).strip()
    if s in ("", "nan", "NaN", "None", "<NA>", "—"):
        return None
    try:
        v = float(s)
    except ValueError:
        return None
    if not np.isfinite(v):
        return None
    h = max(half_unit(s), _TOL * max(1.0, abs(v)))
    return v - h, v + h


# ------------------------------------------------------------------ the integer programme
def _level_sets(scheme: Scheme) -> dict:
    valid = [lv for lv in scheme.levels if lv.valid]
    dis = set(scheme.rules.dissatisfied_levels)
    return {
        "valid": tuple(lv.code for lv in valid),
        "points": np.array([float(lv.points) for lv in valid]),
        "top_box": (str(scheme.rules.top_box_level),),
        "satisfied": tuple(lv.code for lv in valid if lv.satisfied),
        "dissatisfied": tuple(lv.code for lv in valid if lv.code in dis),
    }


def _splits(block: Block, groups: list, pooled_valid: Iterable[Fact]):
    """Every vector of valid answers per group (``N_g``) consistent with the exact facts."""
    fixed = {}
    sums = []
    for f in pooled_valid:
        gs = _members(f, groups)
        if len(gs) == 1:
            fixed[gs[0]] = round(f.low)
        else:
            sums.append((gs, round(f.low)))
    ranges = [[fixed[g]] if g in fixed else range(block.n_forms[g] + 1) for g in groups]
    free = [i for i, g in enumerate(groups) if g not in fixed]
    if sums:  # the pooled n_valid bounds how many answers the free groups may lack
        gs, total = max(sums, key=lambda s: len(s[0]))
        missing = sum(block.n_forms[g] for g in gs) - total
        ranges = [
            range(max(0, block.n_forms[g] - missing), block.n_forms[g] + 1) if i in free else r
            for i, (g, r) in enumerate(zip(groups, ranges, strict=True))
        ]
    count = 0
    for vec in itertools.product(*ranges):
        n = dict(zip(groups, vec, strict=True))
        if all(sum(n[g] for g in gs) == t for gs, t in sums):
            count += 1
            if count > MAX_SPLITS:
                return
            yield n


def _rows(block: Block, groups: list, n: dict, ls: dict):
    """The linear constraints of ``block`` for valid answers ``n``: (A, low, high)."""
    G, V = len(groups), len(ls["valid"])
    col = {(g, v): i * V + j for i, g in enumerate(groups) for j, v in enumerate(ls["valid"])}
    rows, lo, hi = [], [], []

    def add(coef, a, b):
        rows.append(coef)
        lo.append(a)
        hi.append(b)

    for g in groups:  # each group's valid answers
        c = np.zeros(G * V)
        for v in ls["valid"]:
            c[col[(g, v)]] = 1.0
        add(c, n[g], n[g])
    for f in block.facts:
        row = _fact_row(f, block, groups, n, ls=ls, col=col)
        if row is not None:
            add(*row)
    return np.array(rows), np.array(lo), np.array(hi), col


def _fact_row(f: Fact, block: Block, groups: list, n: dict, *, ls: dict, col: dict):
    """``(coefficients, low, high)`` of one fact for valid answers ``n`` (None: nothing to
    say, e.g. a score of no valid answer)."""
    gs = _members(f, groups)
    nv = sum(n[g] for g in gs)
    c = np.zeros(len(groups) * len(ls["valid"]))
    if f.kind in ("count", "rate", "share"):
        for g in gs:
            for v in f.levels:
                c[col[(g, v)]] = 1.0
        base = {"count": 1.0, "rate": nv, "share": sum(block.n_forms[g] for g in gs)}
        return c, f.low * base[f.kind], f.high * base[f.kind]
    if f.kind == "score":
        if nv == 0:
            return None  # no valid answer: no score published (a missing number)
        for g in gs:
            for j, v in enumerate(ls["valid"]):
                c[col[(g, v)]] = ls["points"][j]
        return c, f.low * nv, f.high * nv
    if f.kind == "weighted":
        w = {g: _weight(g, ls) for g in groups if n[g] > 0}
        total = sum(w.values())
        if not total:
            return None
        for g in w:
            for j, v in enumerate(ls["valid"]):
                c[col[(g, v)]] = w[g] / total * ls["points"][j] / n[g]
        return c, f.low, f.high
    return None  # n_valid: used by the splits


def _members(f: Fact, groups: list) -> list:
    """The groups a fact pools (``("all",)``: every group of the block)."""
    return list(groups) if f.groups == (ALL,) else [g for g in f.groups if g in groups]


def _weight(g, ls) -> float:
    return float(ls["weights"].get(g, 0.0))


@contextlib.contextmanager
def _quiet_stdout():
    """The process's standard output (file descriptor 1) silenced: HiGHS 1.x prints a debug
    line from C++ ("HighsMipSolverData::transformNewIntegerFeasibleSolution") on some problems,
    which a notebook kernel would capture into a published letter."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no descriptor 1 (embedded interpreters)
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        _flush_c_stdout()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _flush_c_stdout() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # pragma: no cover - no C library to flush
        pass


def _solve(a, lo, hi, upper, *, extra=None, limit=None) -> np.ndarray | None:
    """A whole-number solution ``0 <= y <= upper`` of ``lo <= a y <= hi`` (and of the
    ``extra`` row ``(coef, low, high)``), or None when there is none (HiGHS branch and bound
    proves it)."""
    if extra is not None:
        a = np.vstack([a, extra[0]])
        lo = np.append(lo, extra[1])
        hi = np.append(hi, extra[2])
    n = a.shape[1]
    with _quiet_stdout():
        res = milp(
            np.zeros(n),
            constraints=LinearConstraint(a, lo - 1e-7, hi + 1e-7),
            integrality=np.ones(n),
            bounds=Bounds(np.zeros(n), upper),
            options={} if limit is None else {"time_limit": limit},
        )
    if res.status != 0 or res.x is None:
        return None
    return np.round(res.x)


def _apart(a, lo, hi, upper, obj, *, points, limit=None) -> np.ndarray | None:
    """A whole-number solution whose target points ``obj · y`` differ from ``points`` by more
    than :data:`_GAP`, or None when there is none.

    One integer programme with a binary ``b`` choosing the side (``b = 0``: at most ``points -
    gap``; ``b = 1``: at least ``points + gap``; big-M rows), instead of one search per side:
    a search that proves no other score exists is the audit's main cost, and one branch and
    bound over both sides costs about as much as one of the two.  A solution is checked in
    exact arithmetic on the rounded counts; one that fails the check (numerical slack in the
    big-M rows) falls back to the two one-sided searches.
    """
    n = a.shape[1]
    big = 2.0 * float(np.abs(obj) @ upper) + abs(points) + 1.0
    rows = np.zeros((a.shape[0] + 2, n + 1))
    rows[: a.shape[0], :n] = a
    rows[-2, :n], rows[-2, n] = obj, -big  # obj·y - M b <= points - gap
    rows[-1, :n], rows[-1, n] = obj, -big  # obj·y - M b >= points + gap - M
    low = np.concatenate([lo - 1e-7, [-np.inf, points + _GAP - big]])
    high = np.concatenate([hi + 1e-7, [points - _GAP, np.inf]])
    with _quiet_stdout():
        res = milp(
            np.zeros(n + 1),
            constraints=LinearConstraint(rows, low, high),
            integrality=np.ones(n + 1),
            bounds=Bounds(np.zeros(n + 1), np.append(upper, 1.0)),
            options={} if limit is None else {"time_limit": limit},
        )
    if res.status != 0 or res.x is None:
        return None
    y = np.round(res.x[:n])
    fits = np.all(a @ y >= lo - 1e-6) and np.all(a @ y <= hi + 1e-6)
    if fits and abs(float(obj @ y) - points) > _GAP / 2:
        return y
    for extra in ((obj, -np.inf, points - _GAP), (obj, points + _GAP, np.inf)):
        y = _solve(a, lo, hi, upper, extra=extra, limit=limit)
        if y is not None:
            return y
    return None


@dataclass
class _Split:
    """The integer programme of one split ``n`` (valid answers per group) of a block."""

    n: dict
    a: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    upper: np.ndarray
    col: dict
    obj: dict  # target group -> coefficients of its points

    @classmethod
    def of(cls, block: Block, groups: list, n: dict, ls: dict, targets) -> _Split:
        a, lo, hi, col = _rows(block, groups, n, ls)
        V = len(ls["valid"])
        upper = np.repeat([float(block.n_forms[g]) for g in groups], V)
        obj = {}
        for g in targets:
            obj[g] = np.zeros(len(groups) * V)
            for j, v in enumerate(ls["valid"]):
                obj[g][col[(g, v)]] = ls["points"][j]
        return cls(n, a, lo, hi, upper, col, obj)

    def score(self, g, y) -> float | None:
        """Target ``g``'s score in table ``y`` (None: no valid answer in this split)."""
        return None if self.n[g] == 0 else round(float(self.obj[g] @ y) / self.n[g], 9)

    def known(self, table) -> np.ndarray | None:
        """``table`` (group -> level -> count) as a solution, or None when it is not one."""
        y = np.zeros(self.a.shape[1])
        for (g, v), i in self.col.items():
            y[i] = float(table.get(g, {}).get(v, 0))
        for g in {g for g, _ in self.col}:
            if sum(y[i] for (h, _), i in self.col.items() if h == g) != self.n[g]:
                return None
        fits = np.all(self.a @ y >= self.lo - 1e-7) and np.all(self.a @ y <= self.hi + 1e-7)
        return y if fits else None

    def solve(self, *, limit=None) -> np.ndarray | None:
        return _solve(self.a, self.lo, self.hi, self.upper, limit=limit)

    def other(self, g, known, *, limit=None) -> np.ndarray | None:
        """A table giving target ``g`` a score other than ``known``, or None."""
        if self.n[g] == 0 or known is None:  # any table of this split gives another score
            return None if self.n[g] == 0 and known is None else self.solve(limit=limit)
        points = known * self.n[g]
        return _apart(self.a, self.lo, self.hi, self.upper, self.obj[g], points=points, limit=limit)


def _ordered_splits(block, groups, targets, *, start, exhaustive):
    """The splits of ``block``; with ``start``, it first, then those changing the targets'
    valid answers (a different denominator is a different score), nearest first."""
    splits = _splits(block, groups, [f for f in block.facts if f.kind == "n_valid"])
    if start is None:
        return splits
    first = {g: int(start.get(g, 0)) for g in groups}
    rest = sorted(
        (n for n in splits if n != first),
        key=lambda n: (
            sum(n[g] == first[g] for g in targets),
            sum(abs(n[g] - first[g]) for g in groups),
        ),
    )
    splits = itertools.chain([first], rest)
    return splits if exhaustive else itertools.islice(splits, QUICK_SPLITS)


def _search(split: _Split, found: dict, *, feasible: bool, table, limit) -> bool:
    """Add to ``found`` (target -> scores seen) what ``split`` gives; whether it fits a table
    (or an earlier split did)."""

    def note(y):
        for g in found:
            if len(found[g]) < 2:
                found[g].add(split.score(g, y))

    if not feasible or sum(len(s) < 2 for s in found.values()) > 1:
        # a table of the split first: the first split that fits one gives each target a score,
        # and a split that fits none is then done with in one search, not one per target
        y = split.known(table) if table is not None else None
        if y is None:
            y = split.solve(limit=limit)
        if y is None:
            return feasible  # this split fits no table
        note(y)
    for g in found:  # then a table of this split giving the target another score
        if len(found[g]) < 2:
            (known,) = found[g]
            y = split.other(g, known, limit=limit)
            if y is not None:
                note(y)
    return True


def audit_block(
    block: Block,
    *,
    scheme: Scheme,
    targets: Sequence[str] | None = None,
    start: Mapping[str, int] | None = None,
    table: Mapping[str, Mapping[str, int]] | None = None,
    exhaustive: bool = True,
) -> list:
    """The :class:`Verdict` of each target group of ``block``.

    Parameters
    ----------
    block : Block
    scheme : Scheme
    targets : sequence of str, optional
        Groups to audit (default: the groups not shown that are protected or below the
        threshold).
    start : mapping of group to int, optional
        A split of valid answers to try first (the true one, when the auditor knows it: a safe
        group is then usually shown safe by the first split).
    table : mapping of group to (mapping of level code to count), optional
        The true answers, when the auditor knows them: used as the first split's table when
        it fits every published number (it saves one search; the verdicts do not depend on it).
    exhaustive : bool
        False: try ``start`` and the next :data:`QUICK_SPLITS` splits only, and call a group not
        shown safe there ``pinned`` (a quick, cautious decision for choosing what to withhold;
        the release is then audited exhaustively).

    Returns
    -------
    list of Verdict
        ``safe`` when two whole-number tables fitting every published number give the group
        different scores (or one gives it no valid answer), ``pinned`` when one score fits,
        ``inconsistent`` when no table fits.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> s = load_scheme()
    >>> t = {"enterprise": {"satisfied": 10, "fairly_satisfied": 10},
    ...      "supervisor": {"satisfied": 3, "fairly_satisfied": 2}}
    >>> b = block_from_counts(t, scheme=s, publish=["counts"])
    >>> [v.verdict for v in audit_block(b, scheme=s)]
    ['safe']
    """
    ls = _level_sets(scheme) | {"weights": dict(scheme.group_weights)}
    groups = [g for g in scheme.group_codes if block.n_forms.get(g, 0) > 0]
    if targets is None:
        k = int(scheme.rules.anonymity_min)
        prot = set(scheme.rules.anonymity_groups)
        targets = [
            g for g in groups if g not in block.shown and (g in prot or block.n_forms[g] < k)
        ]
    if not targets:
        return []
    found: dict = {g: set() for g in targets}
    feasible = False
    limit = None if exhaustive else QUICK_SECONDS
    for n in _ordered_splits(block, groups, targets, start=start, exhaustive=exhaustive):
        if all(len(found[g]) >= 2 for g in targets):
            break
        split = _Split.of(block, groups, n, ls, targets)
        feasible = _search(split, found, feasible=feasible, table=table, limit=limit)
    out = []
    for g in targets:
        verdict = "inconsistent" if not feasible else ("safe" if len(found[g]) >= 2 else "pinned")
        out.append(
            Verdict(
                block.cycle,
                block.unit,
                block.dimension,
                g,
                int(block.n_forms[g]),
                verdict,
                min(len(found[g]), 2),
            )
        )
    return out


# ------------------------------------------------------------------ blocks from numbers
def _fmt(value: float, decimals: int | None) -> str:
    return repr(float(value)) if decimals is None else f"{value:.{decimals}f}"


def _ratio_facts(kind, groups, levels, num, den, *, decimals) -> list:
    if den == 0:
        return []
    iv = _interval(_fmt(num / den, decimals))
    return [Fact(kind, tuple(groups), tuple(levels), *iv)] if iv else []


def _group_facts(counts: dict, groups, n_forms: int, ls, *, publish, decimals) -> list:
    """The facts a row pooling ``groups`` publishes (``counts``: level -> count, pooled;
    ``decimals``: (scores, rates))."""
    decimals, rate_decimals = decimals
    valid = ls["valid"]
    nv = sum(counts.get(v, 0) for v in valid)
    out = [Fact("n_valid", tuple(groups), (), nv, nv)]
    if "counts" in publish:
        out += [
            Fact("count", tuple(groups), (v,), counts.get(v, 0), counts.get(v, 0)) for v in valid
        ]
    if "rates" in publish and nv:
        for name in ("top_box", "satisfied", "dissatisfied"):
            hit = sum(counts.get(v, 0) for v in ls[name])
            out += _ratio_facts("rate", groups, ls[name], hit, nv, decimals=rate_decimals)
        hit = sum(counts.get(v, 0) for v in ls["dissatisfied"])
        out += _ratio_facts(
            "share", groups, ls["dissatisfied"], hit, n_forms, decimals=rate_decimals
        )
    if "score" in publish and nv:
        pts = sum(counts.get(v, 0) * p for v, p in zip(valid, ls["points"], strict=True))
        out += _ratio_facts("score", groups, (), pts, nv, decimals=decimals)
    return out


def block_from_counts(
    counts: Mapping[str, Mapping[str, int]],
    *,
    scheme: Scheme,
    publish: Sequence[str] = ("counts", "rates", "score", "weighted_score"),
    shown: Mapping[str, Sequence[str]] | None = None,
    decimals: int | None = None,
    rate_decimals: int | None = None,
    cycle: str = "",
    unit: str = "u",
    dimension: str = "d",
) -> Block:
    """A block whose published numbers are computed from true level counts.

    Parameters
    ----------
    counts : mapping of group to (mapping of level code to count)
        The true answers of the unit on one dimension; a level not named is 0; ``"unknown"``
        and ``"blank"`` count as forms without a valid answer.
    scheme : Scheme
    publish : sequence of str
        What the unit's pooled row publishes: ``"counts"`` (level counts), ``"rates"``,
        ``"score"``, ``"weighted_score"``; ``n_valid`` always.
    shown : mapping of group to sequence of str, optional
        Groups published on their own (as a public letter does), with what they publish.
    decimals : int, optional
        Decimals of the published scores (default: full precision).
    rate_decimals : int, optional
        Decimals of the published rates (default: ``decimals``).

    Returns
    -------
    Block

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> b = block_from_counts({"public": {"satisfied": 4, "unknown": 1}},
    ...                       scheme=load_scheme(), publish=["counts"])
    >>> b.n_forms, b.facts[0].kind, b.facts[0].low
    ({'public': 5}, 'n_valid', 4)
    """
    ls = _level_sets(scheme)
    n_forms = {str(g): int(sum(c.values())) for g, c in counts.items() if sum(c.values())}
    groups = [g for g in scheme.group_codes if g in n_forms]
    pooled: dict = {}
    for g in groups:
        for v, c in counts[g].items():
            pooled[v] = pooled.get(v, 0) + int(c)
    publish = set(publish)
    places = (decimals, decimals if rate_decimals is None else rate_decimals)
    facts = _group_facts(
        pooled, groups, sum(n_forms.values()), ls, publish=publish, decimals=places
    )
    if "weighted_score" in publish:
        w = {g: float(scheme.group_weights.get(g, 0.0)) for g in groups}
        scores = {}
        for g in groups:
            nv = sum(counts[g].get(v, 0) for v in ls["valid"])
            if nv:
                pts = sum(
                    counts[g].get(v, 0) * p for v, p in zip(ls["valid"], ls["points"], strict=True)
                )
                scores[g] = pts / nv
        total = sum(w[g] for g in scores)
        if total:
            value = sum(w[g] * s for g, s in scores.items()) / total
            iv = _interval(_fmt(value, decimals))
            facts.append(Fact("weighted", tuple(groups), (), *iv))
    for g, what in (shown or {}).items():
        facts += _group_facts(
            dict(counts[g]), [g], n_forms[g], ls, publish=set(what), decimals=places
        )
    return Block(cycle, unit, dimension, n_forms, facts, set(shown or {}))


# ------------------------------------------------------------------ blocks from a release
_RATES = {
    "top_box_rate": ("rate", "top_box"),
    "satisfied_rate": ("rate", "satisfied"),
    "dissatisfied_rate": ("rate", "dissatisfied"),
    "share_of_all_votes": ("share", "dissatisfied"),
}


def _text(t: pd.DataFrame, col: str, default: str) -> list:
    if col not in t.columns:
        return [default] * len(t)
    return [default if str(v) in ("", "nan", "<NA>", "None") else str(v) for v in t[col]]


def _count(text) -> int | None:
    """A published whole number (None when missing)."""
    iv = _interval(text)
    return None if iv is None else round((iv[0] + iv[1]) / 2)


def _row_facts(r: dict, group: str, ls: dict) -> list:
    gs = (group,)
    out = []
    nv = _count(r.get("n_valid", ""))
    if nv is not None:
        out.append(Fact("n_valid", gs, (), nv, nv))
    for col, (kind, levels) in _RATES.items():
        iv = _interval(r.get(col, ""))
        if iv:
            out.append(Fact(kind, gs, ls[levels], *iv))
    nd = _count(r.get("n_dissatisfied", ""))
    if nd is not None:
        out.append(Fact("count", gs, ls["dissatisfied"], nd, nd))
    iv = _interval(r.get("score", ""))
    if iv:
        out.append(Fact("score", gs, (), *iv))
    iv = _interval(r.get("weighted_score", ""))
    if iv and group == ALL:
        out.append(Fact("weighted", gs, (), *iv))
    return out


def blocks_from_tables(
    tables: Mapping[str, pd.DataFrame],
    *,
    scheme: Scheme,
    sizes: Mapping[tuple, Mapping[str, int]],
) -> dict:
    """The blocks of a release: every published number about a unit × dimension as a fact.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        The release's tables **read as text** (``dtype=str``), so that each number keeps its
        published precision: report tables, figure data, letters' figure data, of any cycle.
    scheme : Scheme
    sizes : mapping of (cycle, unit) to (mapping of group to forms)
        The forms of each group of a unit (the attacker's side knowledge).

    Returns
    -------
    dict of (cycle, unit, dimension) to Block

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> t = pd.DataFrame({"cycle": ["C"], "unit": ["u"], "group": ["all"],
    ...                   "dimension": ["service"], "n_valid": ["6"], "score": ["90"]})
    >>> b = blocks_from_tables({"scores": t}, scheme=load_scheme(),
    ...                        sizes={("C", "u"): {"public": 5, "deputy": 1}})
    >>> [f.kind for f in b[("C", "u", "service")].facts]
    ['n_valid', 'score']
    """
    ls = _level_sets(scheme)
    dims = set(scheme.dimension_codes)
    blocks: dict = {}
    levels: dict = {}
    for t in tables.values():
        if not len(t) or "unit" not in t.columns or "dimension" not in t.columns:
            continue
        cyc, unit = _text(t, "cycle", ""), _text(t, "unit", ALL)
        group, dim = _text(t, "group", ALL), _text(t, "dimension", ALL)
        is_levels = "level" in t.columns and "count" in t.columns
        for i, r in enumerate(t.to_dict("records")):
            if unit[i] == ALL or dim[i] not in dims:
                continue
            key = (cyc[i], unit[i], dim[i])
            if key not in blocks:
                blocks[key] = Block(*key, dict(sizes.get((cyc[i], unit[i]), {})))
            if is_levels:
                c = _count(r.get("count", ""))
                if c is not None and str(r["level"]) in ls["valid"]:
                    levels.setdefault((key, group[i]), {})[str(r["level"])] = c
                continue
            facts = _row_facts({k: str(v) for k, v in r.items()}, group[i], ls)
            blocks[key].facts += facts
            if group[i] != ALL and facts:
                blocks[key].shown.add(group[i])
    for (key, g), counts in levels.items():
        b = blocks[key]
        for v, c in counts.items():
            b.facts.append(Fact("count", (g,), (v,), c, c))
        if set(counts) >= set(ls["valid"]):
            nv = sum(counts.values())
            b.facts.append(Fact("n_valid", (g,), (), nv, nv))
        if g != ALL:
            b.shown.add(g)
    return blocks


def audit_release(
    tables: Mapping[str, pd.DataFrame],
    *,
    scheme: Scheme,
    sizes: Mapping[tuple, Mapping[str, int]],
    starts: Mapping[tuple, Mapping[str, int]] | None = None,
) -> pd.DataFrame:
    """Audit a release: one row per withheld protected or small group × unit × dimension.

    Parameters
    ----------
    tables, scheme, sizes
        As for :func:`blocks_from_tables`.
    starts : mapping of (cycle, unit, dimension) to (mapping of group to int), optional
        The true valid answers per group, when the auditor knows them (:func:`truth_of`):
        tried first, so that a safe group is usually shown safe at once.  The verdicts do not
        depend on it.

    Returns
    -------
    DataFrame
        :data:`AUDIT_COLUMNS`; ``verdict`` one of :data:`VERDICTS`.  A unit whose group sizes
        are not in ``sizes`` is not audited (its rows are absent).

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> t = pd.DataFrame({"cycle": "C", "unit": "u", "group": "all", "dimension": "service",
    ...                   "n_valid": ["6"], "score": ["90"]})
    >>> a = audit_release({"scores": t}, scheme=load_scheme(),
    ...                   sizes={("C", "u"): {"public": 5, "deputy": 1}})
    >>> a[["group", "verdict"]].values.tolist()
    [['deputy', 'safe']]
    """
    rows = []
    for b in blocks_from_tables(tables, scheme=scheme, sizes=sizes).values():
        if not b.n_forms:
            continue
        start = (starts or {}).get((b.cycle, b.unit, b.dimension))
        verdicts = audit_block(b, scheme=scheme, start=start)
        rows += [tuple(v.__dict__.values()) for v in verdicts]
    out = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    return out.astype({"n_forms": "int64", "solutions": "int64"})


def audit_tally(
    counts: pd.DataFrame,
    *,
    scheme: Scheme,
    shown: Sequence[str] = (),
    decimals: int | None = None,
    rate_decimals: int | None = None,
    weighted: bool = True,
    exhaustive: bool = True,
) -> list:
    """Audit one unit's release from its true tally, before it is published.

    The unit's pooled row publishes its level counts, rates, score and group-weighted score
    (as the public report does); each group of ``shown`` publishes its valid answers, rates and
    score (as a public letter does); scores at ``decimals``, rates at ``rate_decimals``.

    Parameters
    ----------
    counts : DataFrame
        ``group, dimension, level, count`` of one unit (the tally: every level, zeros kept).
    scheme : Scheme
    shown : sequence of str
        The groups published on their own.
    decimals, rate_decimals : int, optional
        Published precision (default: full).
    weighted : bool
        Whether the group-weighted score of each dimension is published.
    exhaustive : bool
        As for :func:`audit_block` (the true split is tried first).

    Returns
    -------
    list of Verdict
        One per dimension × target group (:func:`audit_block`).

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> c = pd.DataFrame({"group": ["public", "deputy"], "dimension": "service",
    ...                   "level": ["satisfied", "dissatisfied"], "count": [5, 1]})
    >>> [v.verdict for v in audit_tally(c, scheme=load_scheme())]  # the weighted score says who
    ['pinned']
    """
    out = []
    for dim, part in counts.groupby(counts["dimension"].astype(str), sort=False):
        if dim not in scheme.dimension_codes:
            continue
        world: dict = {}
        for r in part.itertuples(index=False):
            if int(r.count):
                world.setdefault(str(r.group), {})[str(r.level)] = int(r.count)
        block = block_from_counts(
            world,
            scheme=scheme,
            publish=("counts", "rates", "score", *(("weighted_score",) if weighted else ())),
            shown={g: ("rates", "score") for g in shown if g in world},
            decimals=decimals,
            rate_decimals=rate_decimals,
            dimension=dim,
        )
        valid = set(_level_sets(scheme)["valid"])
        truth = {g: sum(c for v, c in x.items() if v in valid) for g, x in world.items()}
        out += audit_block(block, scheme=scheme, start=truth, table=world, exhaustive=exhaustive)
    return out


def truth_of(counts: pd.DataFrame, *, scheme: Scheme) -> tuple[dict, dict]:
    """Group sizes and true valid answers of a tally, for :func:`audit_release`.

    Returns
    -------
    (dict, dict)
        ``sizes``: ``(cycle, unit) -> {group: forms}``; ``starts``: ``(cycle, unit, dimension)
        -> {group: valid answers}``.
    """
    valid = set(_level_sets(scheme)["valid"])
    c = counts[counts["unit"].astype(str) != ALL]
    c = c.assign(
        _valid=np.where(c["level"].astype(str).isin(valid), c["count"].to_numpy(), 0),
        _cycle=c["cycle"].astype(str),
        _unit=c["unit"].astype(str),
        _group=c["group"].astype(str),
        _dim=c["dimension"].astype(str),
    )
    per = c.groupby(["_cycle", "_unit", "_dim", "_group"], sort=False)[["count", "_valid"]].sum()
    sizes: dict = {}
    starts: dict = {}
    for (cyc, unit, dim, group), r in per.iterrows():
        if int(r["count"]):
            sizes.setdefault((cyc, unit), {})[group] = int(r["count"])
        starts.setdefault((cyc, unit, dim), {})[group] = int(r["_valid"])
    return sizes, starts


__all__ = [
    "AUDIT_COLUMNS",
    "MAX_SPLITS",
    "QUICK_SECONDS",
    "QUICK_SPLITS",
    "VERDICTS",
    "Block",
    "Fact",
    "Verdict",
    "audit_block",
    "audit_release",
    "audit_tally",
    "block_from_counts",
    "blocks_from_tables",
    "half_unit",
    "truth_of",
]
