"""Grades, veto (一票否决), ranking within series, top 3 / 末位, and ranking uncertainty.

Four steps, each a function:

* :func:`grade_for` — grade bands of the scheme on unrounded composites;
* :func:`apply_veto` — which units are vetoed and why (incidents, composite under the threshold);
* :func:`rank_uncertainty` — ``p_last``, ``p_top3`` and a rank interval for every unit, from a
  bootstrap that resamples whole forms within unit × group;
* :func:`rank_units` — the ranking contract (``tables/ranking.csv``): ranks within series with
  ties, grades, veto, standing (``top3`` / ``last`` / ``last_not_distinguishable``).

Examples
--------
>>> from evalstats.stats.rank import grade_for
>>> grade_for(89.995), grade_for(90.0), grade_for(float("nan")) is None
('good', 'excellent', True)
"""

from __future__ import annotations

import math
import numbers
import os
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from evalstats.core.options import (
    check_confidence_level,
    check_n_resamples,
    check_rng,
)
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.moved import moved_to_present
from evalstats.stats.units import check_units_table

RANKING_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "composite",
    "composite_ci_low",
    "composite_ci_high",
    "rank",
    "rank_low",
    "rank_high",
    "p_last",
    "p_top3",
    "tied",
    "standing",
    "grade",
    "veto",
    "veto_reason",
    "flags",
]
UNCERTAINTY_COLUMNS = [
    "cycle",
    "unit",
    "series",
    "p_last",
    "p_top3",
    "rank_low",
    "rank_high",
    "n_resamples",
    "confidence_level",
]
VETO_COLUMNS = ["cycle", "unit", "veto", "veto_reason"]
STANDINGS = ("top3", "last", "last_not_distinguishable", "")
INCIDENT_REASON = "incident"
THRESHOLD_REASON = "composite_below_threshold"

# A cell is resampled by a multinomial over its distinct patterns (cost ~ 100 ns per pattern
# and replicate) instead of uniform draws of its forms (~ 10 ns per form and replicate) when
# it has more than this many forms per distinct pattern.
_MULTINOMIAL_FACTOR = 10
# Default ``large_cell_threshold``: a cell with at least this many forms has its replicate sums
# drawn from the normal approximation of their bootstrap distribution (see rank_uncertainty,
# Notes, *Large cells*).  Far above the cells of a usual cycle (<= ~60 forms), so those stay exact.
LARGE_CELL_THRESHOLD = 200
# Worker threads for the replicates (numpy releases the GIL in the heavy calls).
_THREADS = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
# Elements drawn per chunk of replicates (bounds memory: ~ 8 bytes × this × a few arrays).
_CHUNK_ELEMENTS = 4_000_000


# ====================================================================== argument checks
def _check_frame(name: str, frame, required: Iterable[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}")
    required = list(required)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{name} lacks column(s) {missing}; required: {required}; got {list(frame.columns)}"
        )
    return frame


_check_rng = check_rng
_check_n_resamples = check_n_resamples


def _check_threshold(value) -> int | None:
    if value is None:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"large_cell_threshold must be a whole number or None; got {value!r}")
    if value < 1:
        raise ValueError(f"large_cell_threshold must be at least 1; got {value!r}")
    return int(value)


def _check_probability(name: str, value) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number between 0 and 1; got {value!r}")
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1; got {value!r}")
    return float(value)


def _numeric(name: str, values: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        raise TypeError(f"{name} must be numeric; got dtype {values.dtype}")
    return values.astype("float64").to_numpy()


# ====================================================================== grades
def _grade_dtype(scheme: Scheme) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(scheme.grade_codes), ordered=True)


def _grade_codes(x: np.ndarray, scheme: Scheme) -> np.ndarray:
    """Index into ``scheme.grades`` (-1 for NaN): the first band whose ``min`` is <= x."""
    mins_ascending = np.array([g.min for g in scheme.grades][::-1], dtype=float)
    pos = np.searchsorted(mins_ascending, x, side="right") - 1  # band of largest min <= x
    codes = len(mins_ascending) - 1 - np.clip(pos, 0, None)  # below every min: lowest grade
    return np.where(np.isnan(x), -1, codes)


def grade_for(composite, *, scheme: Scheme | None = None):
    """Grade code(s) for composite score(s), by the scheme's bands on unrounded values.

    A composite earns the first grade (highest first) whose ``min`` it reaches:
    ``composite >= min``.  Nothing is rounded, so 89.995 is not 优秀 under a band at 90.
    A composite below every band (possible only with negative points) gets the lowest grade.

    Parameters
    ----------
    composite : float, array-like or Series
        Composite score(s); NaN or None means no composite (no grade).
    scheme : Scheme, path or None
        Evaluation scheme (default: the bundled one).

    Returns
    -------
    str or None, pandas.Categorical or Series
        A scalar gives a grade code or None; a Series gives a Series (same index, name
        ``"grade"``) and any other array-like a Categorical, with categories
        ``scheme.grade_codes`` (ordered best first, like ``scheme.level_dtype``) and NaN where
        there is no composite.

    Examples
    --------
    >>> grade_for([90, 89.999, 80, 70, 69.99, float("nan")]).tolist()
    ['excellent', 'good', 'good', 'fair', 'poor', nan]
    """
    scheme = resolve_scheme(scheme)
    dtype = _grade_dtype(scheme)
    if composite is None:
        return None
    if isinstance(composite, pd.Series):
        codes = _grade_codes(_numeric("composite", composite), scheme)
        cat = pd.Categorical.from_codes(codes, dtype=dtype)
        return pd.Series(cat, index=composite.index, name="grade")
    if np.ndim(composite) == 0:
        if isinstance(composite, bool | np.bool_) or not isinstance(composite, numbers.Real):
            raise TypeError(f"composite must be a number; got {composite!r}")
        code = _grade_codes(np.array([float(composite)]), scheme)[0]
        return None if code < 0 else scheme.grade_codes[code]
    values = pd.Series(np.asarray(composite, dtype=object).ravel())
    values = values.infer_objects()
    if values.isna().all():
        values = values.astype("float64")
    codes = _grade_codes(_numeric("composite", values), scheme)
    return pd.Categorical.from_codes(codes, dtype=dtype)


# ====================================================================== veto
def _format_below(value: float, threshold: float) -> str:
    """Shortest decimal text of ``value`` that still reads as below ``threshold``."""
    for digits in range(4, 18):
        text = f"{value:.{digits}g}"
        if float(text) < threshold:
            return text
    return repr(value)  # pragma: no cover - .17g round-trips every double


def _incident_kind(kind, scheme: Scheme) -> str:
    code = scheme.incident_kind_for(kind)
    if code is None:
        allowed = list(scheme.lookup("incident_kinds").values())
        allowed = list(dict.fromkeys(allowed))
        raise ValueError(
            f"incidents['kind'] has {kind!r}, which is not an incident kind of the scheme; "
            f"allowed: {allowed}"
        )
    return code


def _incident_date(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    try:
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    except (ValueError, TypeError):  # a date typed in words stays as typed, minus separators
        return "".join(str(value).split()).replace(";", ",")


def apply_veto(
    composites: pd.DataFrame,
    *,
    incidents: pd.DataFrame | None = None,
    scheme: Scheme | None = None,
    score_column: str = "composite",
) -> pd.DataFrame:
    """Decide the veto (一票否决) of every unit and say why.

    A unit is vetoed when it has an incident in ``incidents`` (the caller passes the incidents
    that count: those of the cycle, or of the whole year for the annual result) or when its
    score is below ``scheme.rules.veto_threshold``.

    Parameters
    ----------
    composites : DataFrame
        One row per cycle × unit with columns ``cycle``, ``unit`` and ``score_column``.
    incidents : DataFrame, optional
        Columns ``unit``, ``kind`` (a code, label or alias of ``scheme.incident_kinds``) and
        optionally ``date``, ``note`` and ``cycle``.  With a ``cycle`` column an incident
        vetoes the unit in that cycle only; without one it vetoes the unit in every cycle of
        ``composites``.  Incidents of units not in ``composites`` are not used.
    scheme : Scheme, path or None
    score_column : str
        The score compared with the threshold (``"composite_year"`` for the annual result).

    Returns
    -------
    DataFrame
        ``cycle, unit, veto, veto_reason`` aligned with ``composites`` (same index).
        ``veto_reason`` is ``""`` for a unit that is not vetoed, else the reasons joined by
        ``;``: ``incident:<kind code> <YYYY-MM-DD>`` per incident (by date, then kind) and
        ``composite_below_threshold:<score><<threshold>`` (the score written with as few
        digits as still show it is below).  :func:`evalstats.present.words.veto_sentence`
        turns it into words.

    Examples
    --------
    >>> c = pd.DataFrame({"cycle": ["2026H1"] * 2, "unit": ["A", "B"], "composite": [57.3, 88]})
    >>> i = pd.DataFrame({"unit": ["B"], "date": ["2026-03-02"], "kind": ["重大责任事故"]})
    >>> apply_veto(c, incidents=i)["veto_reason"].tolist()
    ['composite_below_threshold:57.3<60', 'incident:major_accident 2026-03-02']
    """
    scheme = resolve_scheme(scheme)
    if not isinstance(score_column, str):
        raise TypeError(f"score_column must be a column name (str); got {score_column!r}")
    _check_frame("composites", composites, ["cycle", "unit", score_column])
    score = _numeric(f"composites[{score_column!r}]", composites[score_column])
    threshold = scheme.rules.veto_threshold
    cycles = composites["cycle"].astype(str).to_numpy()
    units = composites["unit"].astype(str).to_numpy()
    reasons: list[list[str]] = [[] for _ in range(len(composites))]

    if incidents is not None:
        _check_frame("incidents", incidents, ["unit", "kind"])
        inc = pd.DataFrame(
            {
                "unit": incidents["unit"].astype(str).to_numpy(),
                "kind": pd.Series(
                    [_incident_kind(k, scheme) for k in incidents["kind"]], dtype=object
                ),
                "date": pd.Series(
                    [
                        _incident_date(v)
                        for v in (
                            incidents["date"] if "date" in incidents else [None] * len(incidents)
                        )
                    ],
                    dtype=object,
                ),
            }
        )
        if "cycle" in incidents.columns:
            inc["cycle"] = incidents["cycle"].astype(str).to_numpy()
        inc = inc.sort_values(["date", "kind", "unit"], kind="stable")
        inc["text"] = (
            INCIDENT_REASON + ":" + inc["kind"] + np.where(inc["date"] == "", "", " " + inc["date"])
        )
        by_unit: dict = {}
        keyed = "cycle" in inc.columns
        for row in inc.itertuples(index=False):  # incidents are few: a loop is fine
            key = (row.cycle, row.unit) if keyed else row.unit
            by_unit.setdefault(key, []).append(row.text)
        for i, (c, u) in enumerate(zip(cycles, units, strict=True)):
            reasons[i].extend(by_unit.get((c, u) if keyed else u, []))

    below = np.flatnonzero(score < threshold)  # NaN compares False: no composite, no veto
    for i in below:
        reasons[i].append(f"{THRESHOLD_REASON}:{_format_below(score[i], threshold)}<{threshold:g}")
    text = [";".join(r) for r in reasons]
    values = [
        composites["cycle"].to_numpy(),
        composites["unit"].to_numpy(),
        np.array([bool(r) for r in reasons], dtype=bool),
        pd.array(text, dtype=object),
    ]
    return pd.DataFrame(dict(zip(VETO_COLUMNS, values, strict=True)), index=composites.index)


# ====================================================================== bootstrap: preparation
@dataclass
class _Cells:
    """Answer patterns reduced to arrays, sorted canonically (row order of input is irrelevant).

    ``feat[p]`` holds per pattern ``p`` the points of its ``D`` answers (0 where not valid)
    followed by its ``D`` valid flags; ``count[p]`` its number of forms; ``cell[p]`` its
    cycle × unit × group cell.  Cells are numbered in (cycle, unit, group) order.
    """

    cycles: list[str]
    units: list[str]
    n_groups: int
    feat: np.ndarray  # [P, 2D] float64
    count: np.ndarray  # [P] int64
    cell: np.ndarray  # [P] cell index, non-decreasing
    cell_row: np.ndarray  # [C] index of the cell's cycle × unit row
    cell_group: np.ndarray  # [C] group index of the cell
    row_cycle: np.ndarray  # [Rw] cycle index of each cycle × unit row
    row_unit: np.ndarray  # [Rw] unit index of each row


def _level_index(col: pd.Series, name: str, scheme: Scheme) -> np.ndarray:
    """Level codes of a dimension column (-1 = blank), refusing values outside the scheme."""
    levels = list(scheme.level_codes)
    if isinstance(col.dtype, pd.CategoricalDtype) and list(col.cat.categories) == levels:
        return col.cat.codes.to_numpy().astype(np.int64)
    values = col.astype(object)
    present = values.notna().to_numpy()
    codes = pd.Index(levels).get_indexer(values.where(present, "").astype(str))
    codes = np.where(present, codes, -1)
    bad = present & (codes < 0)
    if bad.any():
        found = sorted({str(v) for v in values[bad]})
        raise ValueError(
            f"patterns[{name!r}] has value(s) {found} that are not level codes of the scheme; "
            f"allowed: {levels} (NaN = blank)"
        )
    return codes.astype(np.int64)


def _prepare(patterns: pd.DataFrame, scheme: Scheme) -> _Cells:
    dims = list(scheme.dimension_codes)
    _check_frame("patterns", patterns, ["cycle", "unit", "group", *dims, "count"])
    count_col = patterns["count"]
    if not pd.api.types.is_integer_dtype(count_col.dtype) or pd.api.types.is_bool_dtype(
        count_col.dtype
    ):
        raise TypeError(f"patterns['count'] must be integers; got dtype {count_col.dtype}")
    count = count_col.to_numpy().astype(np.int64)
    if (count < 0).any():
        raise ValueError("patterns['count'] must not be negative")
    for col in ("cycle", "unit", "group"):
        if patterns[col].isna().any():
            raise ValueError(f"patterns[{col!r}] has missing values")
    groups = list(scheme.group_codes)
    group = pd.Index(groups).get_indexer(patterns["group"].astype(str))
    if (group < 0).any():
        found = sorted(set(patterns["group"].astype(str)[group < 0]))
        raise ValueError(
            f"patterns['group'] has value(s) {found} that are not group codes of the scheme; "
            f"allowed: {groups}"
        )
    cyc, cycles = pd.factorize(patterns["cycle"].astype(str), sort=True)
    unit, units = pd.factorize(patterns["unit"].astype(str), sort=True)
    lv = np.stack([_level_index(patterns[d], d, scheme) for d in dims], axis=1)  # [P, D]

    keep = count > 0
    cyc, unit, group, lv, count = cyc[keep], unit[keep], group[keep], lv[keep], count[keep]
    order = np.lexsort((*(lv[:, j] for j in range(len(dims) - 1, -1, -1)), group, unit, cyc))
    cyc, unit, group, lv, count = cyc[order], unit[order], group[order], lv[order], count[order]
    # merge rows that repeat the same pattern in the same cell (a split pattern row)
    key = np.column_stack([cyc, unit, group, lv])
    new = np.ones(len(key), bool)
    if len(key) > 1:
        new[1:] = (key[1:] != key[:-1]).any(axis=1)
    first = np.flatnonzero(new)
    count = np.add.reduceat(count, first) if len(first) else count
    cyc, unit, group, lv = cyc[first], unit[first], group[first], lv[first]

    points = np.array([lvl.points if lvl.valid else 0.0 for lvl in scheme.levels] + [0.0])
    valid = np.array([1.0 if lvl.valid else 0.0 for lvl in scheme.levels] + [0.0])
    feat = np.concatenate([points[lv], valid[lv]], axis=1)  # code -1 picks the blank entry

    ng = len(groups)
    row_key = cyc.astype(np.int64) * max(len(units), 1) + unit
    cell_key = row_key * ng + group
    cell_keys, cell = np.unique(cell_key, return_inverse=True)
    row_keys, cell_row = np.unique(cell_keys // ng, return_inverse=True)
    return _Cells(
        cycles=[str(c) for c in cycles],
        units=[str(u) for u in units],
        n_groups=ng,
        feat=feat,
        count=count,
        cell=cell.astype(np.int64),
        cell_row=cell_row.astype(np.int64),
        cell_group=(cell_keys % ng).astype(np.int64),
        row_cycle=(row_keys // max(len(units), 1)).astype(np.int64),
        row_unit=(row_keys % max(len(units), 1)).astype(np.int64),
    )


def _weight_matrix(rows: np.ndarray, cols: np.ndarray, weights, shape) -> sparse.csr_matrix:
    return sparse.csr_matrix(
        (np.asarray(weights, float), (np.asarray(rows), np.asarray(cols))), shape=shape
    )


class _Composer:
    """Per-cell sums of points and valid answers -> composite per cycle × unit row.

    Implements DOMAIN.md: score = Σ points / n_valid per cell; weighted_score = Σ_g w_g score_g
    / Σ_{g with n_valid > 0} w_g; composite = Σ_d v_d weighted_score_d / Σ_{d with a weighted
    score} v_d.  Vectorised over replicates (the last axis of ``sums``).
    """

    def __init__(self, cells: _Cells, scheme: Scheme, perm: np.ndarray | None = None):
        gw = np.array([scheme.group_weights[g] for g in scheme.group_codes])
        self.d = len(scheme.dimension_codes)
        self.v = np.array([scheme.dimension_weights[d] for d in scheme.dimension_codes])
        n_rows, n_cells = len(cells.row_unit), len(cells.cell_row)
        perm = np.arange(n_cells) if perm is None else perm  # column j holds cell perm[j]
        self.w = _weight_matrix(
            cells.cell_row[perm], np.arange(n_cells), gw[cells.cell_group[perm]], (n_rows, n_cells)
        )

    def __call__(self, sums: np.ndarray) -> np.ndarray:
        """``sums[C, 2D, m]`` -> composite ``[rows, m]`` (NaN where there is none).

        Points of answers that are not valid are 0, so a sum of points is 0 wherever its count
        of valid answers is 0: dividing by ``max(count, 1)`` gives 0 there without a mask.
        """
        n_cells, _, m = sums.shape
        d = self.d
        s, v = sums[:, :d], sums[:, d:]
        score = s / np.maximum(v, 1.0)
        has = np.minimum(v, 1.0)  # counts are whole numbers: 1 where a valid answer exists
        num = self.w @ score.reshape(n_cells, m * d)
        den = self.w @ has.reshape(n_cells, m * d)
        ok = den > 0
        ws = num / np.where(ok, den, 1.0)  # num is 0 where den is 0
        n_rows = num.shape[0]
        cnum = np.matmul(self.v, ws.reshape(n_rows, d, m))
        cden = np.matmul(self.v, ok.reshape(n_rows, d, m).astype(float))
        out = np.full(cnum.shape, np.nan)
        np.divide(cnum, cden, out=out, where=cden > 0)
        return out


# ====================================================================== bootstrap: resampling
def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + length)`` for each pair, without a Python loop."""
    lengths = np.asarray(lengths, np.int64)
    total = int(lengths.sum())
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(np.asarray(starts, np.int64), lengths) + np.arange(total) - offsets


class _Resampler:
    """Draws replicate sums ``[C, 2D, m]``: forms resampled with replacement within each cell.

    Cells are processed in classes that share one vectorised draw:

    * *uniform* classes (cells with the same number of forms ``n``): ``n`` uniform indices
      into the cell's forms per replicate (``Generator.integers``, exact), counted with one
      ``bincount`` and turned into sums with one batched matrix product
      ``features[B, 2D, n] @ counts[B, n, m]``;
    * *multinomial* classes (cells with many forms per distinct pattern; padded to a power of
      two patterns): the pattern counts drawn as ``Multinomial(n; count_p / n)``, the same
      distribution as the counts of ``n`` uniform draws of the cell's forms;
    * one *normal* class (cells with ``n >= large_cell_threshold`` forms): the sums drawn from
      ``N(n·m, n·S)``, ``m`` and ``S`` the mean and population covariance of the cell's
      per-form features (the first two moments of the bootstrap sum), see :meth:`_moments`.
    """

    def __init__(self, cells: _Cells, n_resamples: int, large_cell_threshold: int | None = None):
        n_cells = len(cells.cell_row)
        self.n_cells = n_cells
        self.f = cells.feat.shape[1]
        n = np.bincount(cells.cell, weights=cells.count, minlength=n_cells).astype(np.int64)
        k = np.bincount(cells.cell, minlength=n_cells)
        start = np.concatenate([[0], np.cumsum(k)[:-1]])  # first pattern of each cell
        if large_cell_threshold is None:
            large = np.zeros(n_cells, bool)
        else:
            large = n >= large_cell_threshold
        self.normal = None
        if large.any():
            ids = np.flatnonzero(large)
            mean, root = self._moments(cells, ids, start, k, n)
            self.normal = (ids, mean, root)
        multi = (n > _MULTINOMIAL_FACTOR * k) & ~large
        self.uniform, self.multinomial = [], []
        exact = ~multi & ~large
        for size in np.unique(n[exact]):
            ids = np.flatnonzero((n == size) & exact)
            # forms of each cell, expanded from its patterns: [B, size] pattern indices
            pat = self._expand(cells, ids, start, k, int(size))
            self.uniform.append((ids, int(size), cells.feat[pat].transpose(0, 2, 1).copy()))
        kpad_all = 1 << np.ceil(np.log2(np.maximum(k, 1))).astype(np.int64)
        for kpad in np.unique(kpad_all[multi]):
            ids = np.flatnonzero(multi & (kpad_all == kpad))
            feat = np.zeros((len(ids), kpad, self.f))
            pvals = np.zeros((len(ids), kpad))
            # right-align the patterns so the last category is real (it takes the remainder)
            row = np.repeat(np.arange(len(ids)), k[ids])
            src = _ranges(start[ids], k[ids])
            pos = _ranges(kpad - k[ids], k[ids])
            feat[row, pos] = cells.feat[src]
            pvals[row, pos] = cells.count[src] / n[ids][row]
            self.multinomial.append((ids, n[ids], pvals, feat.transpose(0, 2, 1).copy()))
        order = [ids for ids, *_ in self.uniform] + [ids for ids, *_ in self.multinomial]
        if self.normal is not None:
            order.append(self.normal[0])
        self.perm = np.concatenate(order) if order else np.zeros(0, np.int64)
        work = int(n[exact].sum() + 10 * kpad_all[multi].sum() + 2 * self.f * large.sum())
        per_rep = max(work, 2 * n_cells * self.f, 1)
        self.chunk = int(min(max(_CHUNK_ELEMENTS // per_rep, 1), n_resamples))
        self.offsets = {
            size: (np.arange(len(ids) * self.chunk, dtype=np.int64) * size).reshape(
                len(ids), self.chunk, 1
            )
            for ids, size, _ in self.uniform
        }

    def _moments(self, cells: _Cells, ids, start, k, n) -> tuple[np.ndarray, np.ndarray]:
        """``n·m`` ``[B, F]`` and a root ``R`` ``[B, F, F]`` of ``n·S`` (``R Rᵀ = n·S``) per cell.

        ``m`` and ``S`` are the count-weighted mean and population covariance of the per-form
        features of the cell (computed around the mean, pattern by pattern).  ``S`` is only
        positive semi-definite (a dimension answered validly on every form has a constant
        valid count), so the root comes from its eigendecomposition, negative rounding
        errors of the eigenvalues set to 0.
        """
        pat = _ranges(start[ids], k[ids])
        row = np.repeat(np.arange(len(ids)), k[ids])
        nn = n[ids].astype(float)
        w = cells.count[pat].astype(float)
        x = cells.feat[pat]
        first = np.concatenate([[0], np.cumsum(k[ids])[:-1]])
        mean = np.add.reduceat(x * w[:, None], first, axis=0) / nn[:, None]  # [B, F]
        dev = x - mean[row]
        wdev = dev * w[:, None]
        cov = np.empty((len(ids), self.f, self.f))
        for j in range(self.f):  # one column at a time: memory P × F, not P × F × F
            cov[:, j, :] = np.add.reduceat(wdev * dev[:, j : j + 1], first, axis=0)
        cov /= nn[:, None, None]
        cov = (cov + cov.transpose(0, 2, 1)) / 2
        lam, vec = np.linalg.eigh(cov)
        root = vec * np.sqrt(np.clip(lam, 0.0, None) * nn[:, None])[:, None, :]
        return mean * nn[:, None], root

    @staticmethod
    def _expand(cells: _Cells, ids, start, k, size) -> np.ndarray:
        """Pattern index of every form of cells ``ids`` (each with ``size`` forms)."""
        pat = _ranges(start[ids], k[ids])
        return np.repeat(pat, cells.count[pat]).reshape(len(ids), size)

    def draw(self, rng: np.random.Generator, m: int, out: np.ndarray) -> np.ndarray:
        """Sums for ``m`` replicates into ``out[C, 2D, >=m]`` (cells in ``self.perm`` order)."""
        a = 0
        chunk = self.chunk
        for ids, size, feat in self.uniform:
            b = a + len(ids)
            idx = rng.integers(0, size, size=(len(ids), m, size))
            idx += self.offsets[size][:, :m]
            cnt = np.bincount(idx.ravel(), minlength=len(ids) * chunk * size)
            cnt = cnt.reshape(len(ids), chunk, size)[:, :m].astype(np.float64)
            np.matmul(feat, cnt.transpose(0, 2, 1), out=out[a:b, :, :m])
            a = b
        for ids, n, pvals, feat in self.multinomial:
            b = a + len(ids)
            cnt = rng.multinomial(n, pvals, size=(m, len(ids)))  # [m, B, kpad]
            np.matmul(feat, cnt.transpose(1, 2, 0).astype(np.float64), out=out[a:b, :, :m])
            a = b
        if self.normal is not None:
            ids, mean, root = self.normal
            b = a + len(ids)
            z = rng.standard_normal(size=(len(ids), self.f, m))
            block = out[a:b, :, :m]
            np.matmul(root, z, out=block)
            block += mean[:, :, None]
            # valid counts are whole numbers >= 0 in the exact bootstrap: a drawn count below 1
            # means no valid answer (sum of points 0), so the composer's renormalisation holds
            d = self.f // 2
            points, valid = block[:, :d], block[:, d:]
            none = valid < 1.0
            valid[none] = 0.0
            points[none] = 0.0
        return out[:, :, :m]


# ====================================================================== bootstrap: ranks
def _min_ranks(x: np.ndarray) -> np.ndarray:
    """Row-wise ranks of ``x[m, k]``, highest first, ties sharing the lowest rank; NaN -> 0."""
    m, k = x.shape
    neg = -x
    order = np.argsort(neg, axis=1, kind="stable")  # NaN sorts last
    s = np.take_along_axis(neg, order, axis=1)
    new = np.ones((m, k), bool)
    new[:, 1:] = s[:, 1:] != s[:, :-1]
    first = np.maximum.accumulate(np.where(new, np.arange(k), 0), axis=1)
    ranks = np.empty((m, k), np.int64)
    np.put_along_axis(ranks, order, first + 1, axis=1)
    ranks[np.isnan(x)] = 0
    return ranks


@dataclass
class _Block:
    """Units ranked together (one series of one cycle) and their running tallies."""

    rows: np.ndarray  # rows of the composite array
    eligible: np.ndarray  # [k] bool: may enter the top n
    last: np.ndarray  # [k] replicates in which the unit is last
    top: np.ndarray  # [k] replicates in which the unit is in the top n (among eligible)
    hist: np.ndarray  # [k, k + 1] replicates per rank (column 0 unused)
    extra_last: int = 0  # Σ over replicates of (units sharing the last place - 1)

    def tally(self, comp: np.ndarray, top_n: int) -> tuple:
        """Counts of one chunk of replicates ``comp[rows, m]`` (added with :meth:`add`)."""
        x = comp[self.rows].T  # [m, k]
        ok = ~np.isnan(x)
        ranks = _min_ranks(x)
        low = np.where(ok, x, np.inf).min(axis=1, keepdims=True)
        last = ok & (x == low)
        extra = int(np.clip(last.sum(axis=1) - 1, 0, None).sum())
        if self.eligible.all():
            ranks_e = ranks
        else:
            ranks_e = _min_ranks(np.where(self.eligible, x, np.nan))
        top = ok & self.eligible & (ranks_e >= 1) & (ranks_e <= top_n)
        k = x.shape[1]
        key = (np.arange(k) * (k + 1) + ranks)[ok]
        hist = np.bincount(key, minlength=k * (k + 1)).reshape(k, k + 1)
        return last.sum(axis=0), top.sum(axis=0), hist, extra

    def add(self, counts: tuple) -> None:
        last, top, hist, extra = counts
        self.last += last
        self.top += top
        self.hist += hist
        self.extra_last += extra


def _rank_quantile(hist: np.ndarray, q: float) -> np.ndarray:
    """The ⌈q·N⌉-th smallest rank per unit from rank counts ``hist[k, k + 1]`` (NaN if N = 0)."""
    total = hist.sum(axis=1)
    kth = np.clip(np.ceil(q * total - 1e-9), 1, None)
    cum = np.cumsum(hist, axis=1)
    rank = np.argmax(cum >= kth[:, None], axis=1).astype(float)
    rank[total == 0] = np.nan
    return rank


def _check_cycle_weights(cycle_weights) -> dict[str, float]:
    if not isinstance(cycle_weights, Mapping) or not cycle_weights:
        raise TypeError(
            f"cycle_weights must be a non-empty mapping of cycle -> weight; got {cycle_weights!r}"
        )
    out = {}
    for k, w in cycle_weights.items():
        if not isinstance(w, numbers.Real) or isinstance(w, bool) or not math.isfinite(w) or w < 0:
            raise ValueError(f"cycle_weights[{k!r}] must be a finite number >= 0; got {w!r}")
        out[str(k)] = float(w)
    if sum(out.values()) <= 0:
        raise ValueError(f"cycle_weights must have a positive weight; got {cycle_weights!r}")
    return out


def _series_order(values: Iterable[str], scheme: Scheme) -> list[str]:
    known = list(scheme.series_codes)
    present = set(values)
    return [s for s in known if s in present] + sorted(present - set(known))


def rank_uncertainty(
    patterns: pd.DataFrame,
    *,
    units: pd.DataFrame,
    scheme: Scheme | None = None,
    n_resamples: int = 10_000,
    confidence_level: float = 0.95,
    rng=None,
    exclude_from_top: Iterable[str] | None = None,
    cycle_weights: Mapping[str, float] | None = None,
    combined_cycle: str | None = None,
    large_cell_threshold: int | None = LARGE_CELL_THRESHOLD,
) -> pd.DataFrame:
    """Probability of being last, of being in the top n, and a rank interval, by bootstrap.

    Parameters
    ----------
    patterns : DataFrame
        Answer-pattern counts, ``evalstats.counts.tally.pattern_counts(forms)``: columns ``cycle,
        unit, group, <dimension codes>, count``, one row per distinct pattern per cycle ×
        unit × group (repeated rows are added up).
    units : DataFrame
        Columns ``unit`` and ``series`` (and optionally ``cycle``, when the series may change
        between cycles).  Every unit of ``patterns`` must be listed; listed units without
        forms get a row with empty results.
    scheme : Scheme, path or None
        Points, valid levels, group and dimension weights, ``rules.top_n``.
    n_resamples : int
        Bootstrap replicates.
    confidence_level : float
        Coverage of the percentile rank interval.
    rng : None, int or numpy.random.Generator
        Seed or generator (``numpy.random.default_rng``); the same seed and data give the
        same result, whatever the row order of ``patterns``.
    exclude_from_top : iterable of unit codes, optional
        Units that cannot enter the top n (vetoed): they still take part in the ranking of
        scores and in ``p_last``; ``p_top3`` is the probability of a rank ``<= top_n`` among
        the other units (the next unit moves up), and 0 for them.
    cycle_weights : mapping of cycle -> weight, optional
        For the annual result: each unit's replicate composites of these cycles are combined
        as ``Σ w_c composite_c / Σ_{c with a composite} w_c`` (a unit present in one cycle
        uses that one) before ranking, so the forms of every cycle are resampled.  Patterns
        of other cycles are not used.
    combined_cycle : str, optional
        The ``cycle`` written on combined rows (default: the last key of ``cycle_weights``).
    large_cell_threshold : int or None
        Cells with at least this many forms are not resampled but have their replicate sums
        drawn from the normal approximation of the bootstrap (Notes, *Large cells*); ``None``
        resamples every cell.  The default, ``LARGE_CELL_THRESHOLD`` = 200, leaves cells of a
        usual cycle (up to ~60 forms) on the exact resampling.

    Returns
    -------
    DataFrame
        ``cycle, unit, series, p_last, p_top3, rank_low, rank_high, n_resamples,
        confidence_level``, one row per ranked unit (cycle × series, then unit order).
        ``rank_low``/``rank_high`` are nullable integers.  A unit without forms, or without
        any valid answer, has empty probabilities and rank interval and ``n_resamples`` 0.

    Notes
    -----
    *Resampling.*  The form is the unit of sampling: within each cycle × unit × group cell
    the ``n`` returned forms are drawn ``n`` times with replacement, so a form's answers stay
    together (a respondent who rates every dimension low moves as one), and the groups are
    separate strata with their own ``n`` fixed, as in the stratified (multi-sample) bootstrap
    of Efron & Tibshirani (1993) [1]_.  Drawing the counts of a cell's distinct
    patterns as ``Multinomial(n; count / n)`` is the same distribution; it is used for cells
    with many forms per distinct pattern, uniform form draws for the others.  Each replicate
    recomputes the scores per cell, the weighted scores and the composite exactly as the point
    estimate does (a cell that happens to have no valid answer in a dimension drops out and
    the weights of the others are renormalised).  Cycles are resampled independently.

    *Large cells.*  A replicate needs of each cell only the vector ``T`` of its sums: per
    dimension, the sum of points over valid answers and the number of valid answers.  ``T``
    is the sum of ``n`` forms drawn with replacement from the cell, i.e. of ``n`` iid draws
    from the cell's empirical distribution, so its bootstrap distribution has exactly mean
    ``n·m`` and covariance ``n·S`` (``m``, ``S``: the mean and population covariance of the
    per-form vectors, weighted by pattern counts) and, by the multivariate central limit
    theorem, is approximately ``N(n·m, n·S)`` for large ``n`` (Efron & Tibshirani 1993 [1]_,
    on the bootstrap distribution of a mean; Hall 1992 [4]_ on its normal and Edgeworth
    expansions).  For a cell with ``n >= large_cell_threshold`` forms ``T`` is drawn from that
    normal (eigen-root of ``n·S``, one standard normal vector per replicate) instead of
    resampling its forms; a drawn valid count below 1 is read as no valid answer (count and
    sum set to 0), which cannot happen in practice for a dimension answered on a fair share
    of the forms.  Everything after ``T`` (scores, renormalisation, composites, ranks) is as
    for resampled cells, and small cells in the same unit (the 5-form supervisor groups)
    stay on exact resampling.  *The threshold:* the leading error of the normal approximation
    of a standardised sum is the Edgeworth term ``γ / (6 √n)`` (``γ``: skewness of one form's
    score), at most ``1 / (6 √200) ≈ 0.012`` in tail probabilities at ``n = 200`` for
    ``|γ| <= 1``, typical of 4-level satisfaction answers; the composite is a weighted mean over
    many cells, which shrinks it further.  ``tests/test_rank.py`` checks that ``p_last``,
    ``p_top3`` and the rank intervals agree with exact resampling on cells of 400–800 forms.
    The approximation makes the cost per large cell and replicate ``O(D²)`` instead of
    ``O(n)``: for 1,000,000 forms in 800 cells it removes the resampling of the forms.

    *Ranks.*  Within each series (and cycle) of every replicate, units are ranked highest
    composite first, ties sharing the lowest rank (min-rank, as the official ranking).  A
    unit is *last* in a replicate when its composite equals the lowest of its series, so
    with ties at the bottom each tied unit counts and ``p_last`` summed over a series
    exceeds 1 by the share of replicates with such ties.  ``p_top3`` counts replicates with
    rank ``<= scheme.rules.top_n`` among the units not in ``exclude_from_top``.  The rank
    interval is the percentile interval of the replicate ranks: the ⌈α/2·B⌉-th and
    ⌈(1 − α/2)·B⌉-th smallest of ``B`` replicate ranks, ``α = 1 − confidence_level`` —
    the "rank interval" of league tables (Goldstein & Spiegelhalter 1996) [2]_.  A unit with
    no composite in a replicate (possible only when all its valid answers can be drawn away)
    is not ranked in that replicate.

    *Caveats.*  The bootstrap treats the returned forms as a random sample of each group;
    it says nothing about who was chosen to receive forms.  Bootstrap rank intervals are
    known to be unreliable when true scores are tied or nearly so (Hall & Miller 2009) [3]_:
    read ``p_last`` as a measure of how clearly the data single a unit out, not as an exact
    probability.  The veto does not enter: ``p_last`` is about the scores.

    *Speed.*  Replicates are processed in chunks; per chunk and class of cells one
    ``Generator.integers`` (or ``multinomial``) call, one ``bincount`` and one batched matrix
    product give the per-cell sums of points and valid answers, and sparse weight matrices
    give the composites; chunks run on two threads, each chunk with its own generator seeded
    from ``rng`` (so the thread count does not change the result).  200 units of about 60
    forms × 10,000 replicates take about 0.6 s on this project's 2-core machine, 1.0 s on one
    thread (``benchmarks/bench_rank.py``).

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
       Chapman & Hall.
    .. [2] Goldstein, H. & Spiegelhalter, D. J. (1996). League tables and their limitations:
       statistical issues in comparisons of institutional performance. *Journal of the Royal
       Statistical Society A* 159(3), 385–443.
    .. [3] Hall, P. & Miller, H. (2009). Using the bootstrap to quantify the authority of an
       empirical ranking. *Annals of Statistics* 37(6B), 3929–3959.
    .. [4] Hall, P. (1992). *The Bootstrap and Edgeworth Expansion*. Springer.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.core.scheme import load_scheme
    >>> s = load_scheme()
    >>> dims = {d: ["satisfied", "dissatisfied"] for d in s.dimension_codes}
    >>> p = pd.DataFrame({"cycle": "2026H1", "unit": ["A", "B"], "group": "enterprise",
    ...                   **dims, "count": [40, 40]})
    >>> u = pd.DataFrame({"unit": ["A", "B"], "series": "administration"})
    >>> r = rank_uncertainty(p, units=u, n_resamples=200, rng=1)
    >>> print(r[["unit", "p_last", "rank_low", "rank_high"]].to_string(index=False))
    unit  p_last  rank_low  rank_high
       A     0.0         1          1
       B     1.0         2          2
    """
    return _rank_uncertainty(
        patterns,
        units=units,
        scheme=scheme,
        n_resamples=n_resamples,
        confidence_level=confidence_level,
        rng=rng,
        exclude_from_top=exclude_from_top,
        cycle_weights=cycle_weights,
        combined_cycle=combined_cycle,
        large_cell_threshold=large_cell_threshold,
    )[0]


def _rank_uncertainty(
    patterns,
    *,
    units,
    scheme,
    n_resamples,
    confidence_level,
    rng,
    exclude_from_top,
    cycle_weights,
    combined_cycle,
    large_cell_threshold=LARGE_CELL_THRESHOLD,
) -> tuple[pd.DataFrame, list[_Block]]:
    """:func:`rank_uncertainty` and its blocks (for tests: ``extra_last`` per series)."""
    scheme = resolve_scheme(scheme)
    n_resamples = _check_n_resamples(n_resamples)
    level = check_confidence_level(confidence_level)
    gen = _check_rng(rng)
    large_cell_threshold = _check_threshold(large_cell_threshold)
    _check_frame("patterns", patterns, ["cycle", "unit", "group", "count"])
    table = check_units_table(units, per_cycle=True)
    excluded = set() if exclude_from_top is None else _check_codes(exclude_from_top)
    weights = None
    if cycle_weights is not None:
        weights = _check_cycle_weights(cycle_weights)
        if combined_cycle is None:
            combined_cycle = list(weights)[-1]
        patterns = patterns[patterns["cycle"].astype(str).isin(list(weights))]
    elif combined_cycle is not None:
        raise ValueError("combined_cycle is given without cycle_weights")
    cells = _prepare(patterns, scheme)
    top_n = scheme.rules.top_n

    # ranking rows: (cycle label, unit) with the composite's row in the composer output
    if weights is None:
        row_cycle = np.array(cells.cycles, dtype=object)[cells.row_cycle]
        combine = None
    else:
        ucodes, row_to_unit = np.unique(cells.row_unit, return_inverse=True)
        w_row = np.array([weights[cells.cycles[c]] for c in cells.row_cycle])
        combine = _weight_matrix(
            row_to_unit,
            np.arange(len(cells.row_unit)),
            w_row,
            (len(ucodes), len(cells.row_unit)),
        )
        row_cycle = np.array([str(combined_cycle)] * len(ucodes), dtype=object)
    row_unit = np.array(cells.units, dtype=object)[cells.row_unit if weights is None else ucodes]
    rows = pd.DataFrame({"cycle": row_cycle, "unit": row_unit})
    keys = ["cycle", "unit"] if "cycle" in table.columns else ["unit"]
    rows = rows.merge(table, on=keys, how="left")
    if rows["series"].isna().any():
        bad = sorted(rows.loc[rows["series"].isna(), "unit"].unique())
        raise ValueError(f"units has no series for unit(s) {bad} found in patterns")

    blocks = []
    unit_codes = rows["unit"].to_numpy().astype(str)
    for idx in rows.groupby(["cycle", "series"], sort=True).indices.values():
        idx = np.sort(idx)
        k = len(idx)
        eligible = ~np.isin(unit_codes[idx], sorted(excluded))
        blocks.append(
            _Block(
                idx,
                eligible,
                np.zeros(k, np.int64),
                np.zeros(k, np.int64),
                np.zeros((k, k + 1), np.int64),
            )
        )

    if len(cells.cell_row):
        _run_replicates(
            cells, scheme, blocks, combine, n_resamples, gen, top_n, large_cell_threshold
        )

    alpha = 1 - level
    out = rows[["cycle", "unit", "series"]].copy()
    p_last = np.full(len(rows), np.nan)
    p_top = np.full(len(rows), np.nan)
    lo = np.full(len(rows), np.nan)
    hi = np.full(len(rows), np.nan)
    for block in blocks:
        ranked = block.hist.sum(axis=1) > 0  # a unit never ranked has no composite at all
        p_last[block.rows] = np.where(ranked, block.last / n_resamples, np.nan)
        p_top[block.rows] = np.where(ranked, block.top / n_resamples, np.nan)
        lo[block.rows] = _rank_quantile(block.hist, alpha / 2)
        hi[block.rows] = _rank_quantile(block.hist, 1 - alpha / 2)
    out["p_last"] = p_last
    out["p_top3"] = p_top
    out["rank_low"] = pd.array(lo, dtype="Float64").astype("Int64")
    out["rank_high"] = pd.array(hi, dtype="Float64").astype("Int64")

    # listed units without forms: a row with empty results
    cycles_out = sorted(set(row_cycle)) if len(row_cycle) else []
    if "cycle" in table.columns:
        extra = table[table["cycle"].isin(cycles_out)]
    else:
        extra = pd.DataFrame(
            [
                (c, u, s)
                for c in cycles_out
                for u, s in zip(table["unit"], table["series"], strict=True)
            ],
            columns=["cycle", "unit", "series"],
        )
    extra = extra.merge(out[["cycle", "unit"]], on=["cycle", "unit"], how="left", indicator=True)
    extra = extra.loc[extra["_merge"] == "left_only", ["cycle", "unit", "series"]]
    if len(extra):
        out = pd.concat([out, extra], ignore_index=True)
    out["n_resamples"] = np.int64(n_resamples)
    out["confidence_level"] = level
    out.loc[out["p_last"].isna(), "n_resamples"] = 0
    order = _series_order(out["series"], scheme)
    out["_s"] = out["series"].map({s: i for i, s in enumerate(order)})
    out = out.sort_values(["cycle", "_s", "unit"], kind="stable").drop(columns="_s")
    return out[UNCERTAINTY_COLUMNS].reset_index(drop=True), blocks


def _run_replicates(
    cells, scheme, blocks, combine, n_resamples, gen, top_n, large_cell_threshold=None
) -> None:
    """Draw the replicates chunk by chunk (on up to ``_THREADS`` threads) into ``blocks``.

    Chunk ``i`` always uses its own generator seeded from ``gen``, and the counts are added in
    chunk order, so the result does not depend on the number of threads.
    """
    sampler = _Resampler(cells, n_resamples, large_cell_threshold)
    compose = _Composer(cells, scheme, sampler.perm)
    starts = list(range(0, n_resamples, sampler.chunk))
    seeds = gen.integers(0, 2**63, size=len(starts))
    local = threading.local()

    def work(i: int) -> list:
        m = min(sampler.chunk, n_resamples - starts[i])
        buf = getattr(local, "buf", None)
        if buf is None:
            buf = local.buf = np.empty((len(cells.cell_row), sampler.f, sampler.chunk))
        comp = compose(sampler.draw(np.random.default_rng(seeds[i]), m, buf))
        if combine is not None:
            ok = ~np.isnan(comp)
            num = combine @ np.where(ok, comp, 0.0)
            den = combine @ ok.astype(float)
            comp = np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)
        return [block.tally(comp, top_n) for block in blocks]

    threads = max(1, min(_THREADS, len(starts)))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for counts in pool.map(work, range(len(starts))):  # results in chunk order
            for block, c in zip(blocks, counts, strict=True):
                block.add(c)


def _check_codes(values) -> set[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise TypeError(f"exclude_from_top must be an iterable of unit codes; got {values!r}")
    return {str(v) for v in values}


def _point_composites(patterns: pd.DataFrame, scheme: Scheme | None = None) -> pd.DataFrame:
    """The composite per cycle × unit from pattern counts (the bootstrap's point estimate)."""
    scheme = resolve_scheme(scheme)
    cells = _prepare(patterns, scheme)
    n_cells = len(cells.cell_row)
    sums = np.zeros((n_cells, cells.feat.shape[1], 1))
    np.add.at(sums[:, :, 0], cells.cell, cells.feat * cells.count[:, None])
    comp = _Composer(cells, scheme)(sums)[:, 0]
    return pd.DataFrame(
        {
            "cycle": np.array(cells.cycles, dtype=object)[cells.row_cycle],
            "unit": np.array(cells.units, dtype=object)[cells.row_unit],
            "composite": comp,
        }
    )


# ====================================================================== the ranking table
def _flag_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | np.ndarray):
        return ";".join(str(v) for v in value)
    if not isinstance(value, str) and pd.isna(value):
        return ""
    return str(value)


def _add_flag(flags: list[str], mask: np.ndarray, code: str) -> None:
    for i in np.flatnonzero(mask):
        flags[i] = f"{flags[i]};{code}" if flags[i] else code


def rank_units(
    composites: pd.DataFrame,
    *,
    patterns: pd.DataFrame | None = None,
    incidents: pd.DataFrame | None = None,
    scheme: Scheme | None = None,
    score_column: str = "composite",
    n_resamples: int = 10_000,
    confidence_level: float = 0.95,
    rng=None,
    last_min_probability: float | None = None,
    cap_last_grade: bool | None = None,
    cycle_weights: Mapping[str, float] | None = None,
    large_cell_threshold: int | None = LARGE_CELL_THRESHOLD,
) -> pd.DataFrame:
    """The ranking table: ranks within series, grades, veto, top 3 / 末位 and their uncertainty.

    Parameters
    ----------
    composites : DataFrame
        One row per cycle × unit, as ``evalstats.stats.score.composites``: ``cycle, unit,
        unit_name, series, composite, composite_ci_low, composite_ci_high, flags`` and
        ``score_column``.  Only ``cycle``, ``unit``, ``series`` and ``score_column`` are
        required; other contract columns are added empty, extra columns are carried through.
        For the annual result pass ``evalstats.stats.score.composite_year`` output: ``composite``
        is then the year-end cycle's ``composite_annual``.
    patterns : DataFrame, optional
        ``evalstats.counts.tally.pattern_counts(forms)`` for the ranking uncertainty
        (:func:`rank_uncertainty`).  Without it ``p_last``, ``p_top3`` and the rank interval
        are empty and a last place cannot be confirmed.
    incidents : DataFrame, optional
        Veto incidents (``unit, date, kind, note``), see :func:`apply_veto`; pass those of
        the cycle, or of the whole year for the annual result.
    scheme : Scheme, path or None
    score_column : str
        The score that decides rank, grade and veto: ``"composite"``, or ``"composite_year"``
        for the annual result (``composite_h1`` etc. are carried through).
    n_resamples, confidence_level, rng, large_cell_threshold
        Passed to :func:`rank_uncertainty`.
    last_min_probability : float, optional
        A last-ranked unit is ``last`` when ``p_last`` reaches this, else
        ``last_not_distinguishable`` (default ``scheme.rules.last_min_probability``).
    cap_last_grade : bool, optional
        Cap the grade of the unit standing ``last`` at ``scheme.rules.last_grade_cap`` (the
        annual rule).  Default: True when ``score_column == "composite_year"``.  A unit
        ranked last but ``last_not_distinguishable`` is not capped; it is flagged
        ``last_grade_cap_withheld``.
    cycle_weights : mapping of cycle -> weight, optional
        Required with ``patterns`` when ``score_column`` is not ``"composite"``: the period
        weights that made ``score_column`` (e.g. ``{"2026H1": 0.4, "2026A": 0.6}``), so that
        the bootstrap resamples the forms of every cycle and combines them the same way.

    Returns
    -------
    DataFrame
        Columns ``RANKING_COLUMNS`` (``cycle, unit, unit_name, series, composite,
        composite_ci_low, composite_ci_high, rank, rank_low, rank_high, p_last, p_top3, tied,
        standing, grade, veto, veto_reason, flags``) then any other input columns; rows by
        cycle, series (scheme order), rank, unit.

    Notes
    -----
    * Ranks are within cycle × series, highest score first; ties share the lowest rank
      (min-rank) and are marked ``tied``.  A unit without a score has no rank, no grade
      (unless vetoed by an incident) and the flag ``no_composite``.
    * Grades by :func:`grade_for` on the unrounded score; a vetoed unit gets
      ``scheme.rules.veto_grade`` (:func:`apply_veto`).
    * ``standing``: ``top3`` for a unit that is not vetoed and ranks ``<= top_n`` among the
      units that are not vetoed (a vetoed unit leaves the top 3 and the next moves up; ties
      at the boundary all enter).  Otherwise, the unit(s) with the lowest score of a series
      in which not every unit ties are last-ranked: ``last`` when ``p_last >=
      last_min_probability``, else ``last_not_distinguishable`` (also when ``p_last`` is
      unknown, flagged ``p_last_unavailable``).  Vetoed units take part in the ranking of
      scores, so a vetoed unit can be last.  Everyone else: ``""``.
    * ``p_top3`` is computed with the vetoed units excluded from the top n, as the standing.

    Examples
    --------
    >>> c = pd.DataFrame({"cycle": "2026H1", "unit": list("ABCDE"), "series": "enforcement",
    ...                   "composite": [95.0, 91.0, 91.0, 85.0, 58.0]})
    >>> t = rank_units(c)
    >>> print(t[["unit", "rank", "tied", "standing", "grade", "veto"]].to_string(index=False))
    unit  rank  tied                 standing     grade  veto
       A     1 False                     top3 excellent False
       B     2  True                     top3 excellent False
       C     2  True                     top3 excellent False
       D     4 False                               good False
       E     5 False last_not_distinguishable      poor  True

    Without ``patterns`` there is no ``p_last``, so E's last place is not confirmed.
    """
    scheme = resolve_scheme(scheme)
    if not isinstance(score_column, str):
        raise TypeError(f"score_column must be a column name (str); got {score_column!r}")
    _check_frame("composites", composites, ["cycle", "unit", "series", score_column])
    n_resamples = _check_n_resamples(n_resamples)
    level = check_confidence_level(confidence_level)
    gen = _check_rng(rng)
    large_cell_threshold = _check_threshold(large_cell_threshold)
    if last_min_probability is None:
        last_min_probability = scheme.rules.last_min_probability
    threshold = _check_probability("last_min_probability", last_min_probability)
    if cap_last_grade is None:
        cap_last_grade = score_column == "composite_year"
    if not isinstance(cap_last_grade, bool | np.bool_):
        raise TypeError(f"cap_last_grade must be True, False or None; got {cap_last_grade!r}")
    combined = score_column != "composite"
    if patterns is not None and combined and cycle_weights is None:
        raise ValueError(
            f"cycle_weights is required with patterns when score_column is {score_column!r}: "
            "the bootstrap must combine the cycles' composites as the score does"
        )
    if cycle_weights is not None:
        _check_cycle_weights(cycle_weights)
    dup = composites.duplicated(["cycle", "unit"], keep=False)
    if dup.any():
        bad = sorted(composites.loc[dup, "unit"].astype(str).unique())
        raise ValueError(f"composites has more than one row per cycle × unit for {bad}")

    df = composites.copy()
    df.index = pd.RangeIndex(len(df))
    if "composite" not in df.columns and "composite_annual" in df.columns:
        df["composite"] = df["composite_annual"]  # evalstats.stats.score.composite_year output
    for col in ("unit_name", "composite", "composite_ci_low", "composite_ci_high"):
        if col not in df.columns:
            df[col] = np.nan
    x = _numeric(f"composites[{score_column!r}]", df[score_column])
    has = ~np.isnan(x)
    flags = [_flag_text(v) for v in (df["flags"] if "flags" in df else [""] * len(df))]

    veto = apply_veto(df, incidents=incidents, scheme=scheme, score_column=score_column)
    vetoed = veto["veto"].to_numpy()
    grade = grade_for(pd.Series(x, index=df.index), scheme=scheme)
    gcodes = grade.cat.codes.to_numpy().copy()
    gcodes[vetoed] = scheme.grade_codes.index(scheme.rules.veto_grade)

    keys = [df["cycle"].astype(str), df["series"].astype(str)]
    score = pd.Series(x, index=df.index)
    rank = score.groupby(keys).rank(method="min", ascending=False)
    rank_e = score.where(~vetoed).groupby(keys).rank(method="min", ascending=False)
    max_rank = rank.groupby(keys).transform("max")
    n_at = rank.groupby([*keys, rank]).transform("size") if has.any() else rank
    tied = has & (pd.Series(n_at, index=df.index).fillna(0).to_numpy() > 1)
    bottom = has & (rank == max_rank).to_numpy() & (max_rank > 1).to_numpy()
    top = has & ~vetoed & (rank_e <= scheme.rules.top_n).to_numpy()
    bottom &= ~top

    p_last = np.full(len(df), np.nan)
    p_top = np.full(len(df), np.nan)
    r_lo = pd.array([pd.NA] * len(df), dtype="Int64")
    r_hi = pd.array([pd.NA] * len(df), dtype="Int64")
    if patterns is not None:
        found = np.zeros(len(df), bool)
        for cyc, idx in df.groupby(df["cycle"].astype(str), sort=True).indices.items():
            part = df.loc[idx]
            units = part[["unit", "series"]]
            excl = part.loc[vetoed[idx], "unit"].astype(str)
            if combined:
                pats = patterns
                kw = {"cycle_weights": cycle_weights, "combined_cycle": cyc}
            else:
                pats = patterns[patterns["cycle"].astype(str) == cyc]
                kw = {}
            res = rank_uncertainty(
                pats,
                units=units,
                scheme=scheme,
                n_resamples=n_resamples,
                confidence_level=level,
                rng=gen,
                exclude_from_top=excl,
                large_cell_threshold=large_cell_threshold,
                **kw,
            )
            res = res[res["n_resamples"] > 0].set_index("unit")
            where = part["unit"].astype(str).map({u: i for i, u in enumerate(res.index)}).to_numpy()
            hit = ~pd.isna(where)
            pos = idx[hit]
            src = where[hit].astype(int)
            p_last[pos] = res["p_last"].to_numpy()[src]
            p_top[pos] = res["p_top3"].to_numpy()[src]
            r_lo[pos] = res["rank_low"].array[src]
            r_hi[pos] = res["rank_high"].array[src]
            found[pos] = True
        _add_flag(flags, has & ~found, "no_rank_uncertainty")

    standing = np.full(len(df), "", dtype=object)
    standing[top] = "top3"
    confirmed = bottom & (p_last >= threshold)
    standing[bottom] = "last_not_distinguishable"
    standing[confirmed] = "last"
    _add_flag(flags, bottom & np.isnan(p_last), "p_last_unavailable")
    if cap_last_grade:
        cap = scheme.grade_codes.index(scheme.rules.last_grade_cap)
        capped = confirmed & (gcodes >= 0)
        gcodes[capped] = np.maximum(gcodes[capped], cap)  # codes run best first
        _add_flag(flags, bottom & ~confirmed, "last_grade_cap_withheld")
    _add_flag(flags, ~has, "no_composite")

    out = df.copy()
    out["rank"] = pd.array(rank.to_numpy(), dtype="Float64").astype("Int64")
    out["rank_low"] = r_lo
    out["rank_high"] = r_hi
    out["p_last"] = p_last
    out["p_top3"] = p_top
    out["tied"] = tied.astype(bool)
    out["standing"] = pd.array(standing, dtype=object)
    out["grade"] = pd.Categorical.from_codes(gcodes, dtype=_grade_dtype(scheme))
    out["veto"] = vetoed.astype(bool)
    out["veto_reason"] = veto["veto_reason"].to_numpy()
    out["flags"] = pd.array(flags, dtype=object)
    order = _series_order(out["series"].astype(str), scheme)
    sort = pd.DataFrame(
        {
            "c": out["cycle"].astype(str),
            "s": out["series"].astype(str).map({s: i for i, s in enumerate(order)}),
            "r": rank.fillna(np.inf),
            "u": out["unit"].astype(str),
        }
    )
    out = out.loc[sort.sort_values(["c", "s", "r", "u"], kind="stable").index]
    extra = [c for c in out.columns if c not in RANKING_COLUMNS]
    return out[RANKING_COLUMNS + extra].reset_index(drop=True)


__all__ = [
    "INCIDENT_REASON",
    "LARGE_CELL_THRESHOLD",
    "RANKING_COLUMNS",
    "STANDINGS",
    "THRESHOLD_REASON",
    "UNCERTAINTY_COLUMNS",
    "VETO_COLUMNS",
    "apply_veto",
    "grade_for",
    "rank_uncertainty",
    "rank_units",
]

# ====================================================================== moved names
# veto_sentence is presentation: evalstats.present.words (issue 12).
__getattr__ = moved_to_present(__name__, {"veto_sentence": "evalstats.present.words"})
