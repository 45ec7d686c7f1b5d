"""Answer patterns as arrays (:class:`Cells`) and the composite of per-cell sums
(:class:`Composer`).

The bootstrap of :mod:`evalstats.stats.rank.uncertainty` works on these: one row per distinct
pattern of a cycle × unit × group cell, and a composer that turns per-cell sums of points and
valid answers into a composite per cycle × unit, as the scheme defines it (README: *How a
unit is scored*).

Examples
--------
>>> weight_matrix([0, 0], [0, 1], [1.0, 2.0], (1, 2)).toarray().tolist()
[[1.0, 2.0]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.counts.tally import text_codes, text_positions
from evalstats.stats.design import lexsort_rows
from evalstats.stats.rank.checks import check_frame

__all__ = ["Cells", "Composer", "prepare_cells", "weight_matrix"]


@dataclass
class Cells:
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


def prepare_cells(patterns: pd.DataFrame, scheme: Scheme) -> Cells:
    """Pattern counts as :class:`Cells`: checked, zero counts dropped, sorted canonically and
    repeated patterns of a cell merged.

    Parameters
    ----------
    patterns : DataFrame
        ``cycle, unit, group``, one level column per dimension, ``count``.
    scheme : Scheme

    Returns
    -------
    Cells
    """
    dims = list(scheme.dimension_codes)
    check_frame("patterns", patterns, ["cycle", "unit", "group", *dims, "count"])
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
    group = text_positions(patterns["group"], pd.Index(groups))
    if (group < 0).any():
        found = sorted(set(patterns["group"].astype(str)[group < 0]))
        raise ValueError(
            f"patterns['group'] has value(s) {found} that are not group codes of the scheme; "
            f"allowed: {groups}"
        )
    cyc, cycles = text_codes(patterns["cycle"])  # as pd.factorize(… .astype(str), sort=True)
    unit, units = text_codes(patterns["unit"])
    lv = np.stack([_level_index(patterns[d], d, scheme) for d in dims], axis=1)  # [P, D]

    keep = count > 0
    cyc, unit, group, lv, count = cyc[keep], unit[keep], group[keep], lv[keep], count[keep]
    # sorted by cycle, unit, group, then the levels (blank -1 first): one stable sort of a
    # mixed-radix code, as np.lexsort of the columns; ``new``: a row that is not the one
    # before it again (rows repeating a pattern in a cell, a split pattern row, are merged)
    order, new = lexsort_rows(cyc, unit, group, *(lv[:, j] + 1 for j in range(len(dims))))
    cyc, unit, group, lv, count = cyc[order], unit[order], group[order], lv[order], count[order]
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
    return Cells(
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


def weight_matrix(rows: np.ndarray, cols: np.ndarray, weights, shape) -> sparse.csr_matrix:
    """Sparse ``shape`` matrix with ``weights`` at ``(rows, cols)`` (CSR)."""
    return sparse.csr_matrix(
        (np.asarray(weights, float), (np.asarray(rows), np.asarray(cols))), shape=shape
    )


class Composer:
    """Per-cell sums of points and valid answers -> composite per cycle × unit row.

    Implements the composite of the README (*How a unit is scored*): score = Σ points /
    n_valid per cell; weighted_score = Σ_g w_g score_g / Σ_{g with n_valid > 0} w_g;
    composite = Σ_d v_d weighted_score_d / Σ_{d with a weighted score} v_d.  Vectorised over
    replicates (the last axis of ``sums``).
    """

    def __init__(self, cells: Cells, scheme: Scheme, perm: np.ndarray | None = None):
        gw = np.array([scheme.group_weights[g] for g in scheme.group_codes])
        self.d = len(scheme.dimension_codes)
        self.v = np.array([scheme.dimension_weights[d] for d in scheme.dimension_codes])
        n_rows, n_cells = len(cells.row_unit), len(cells.cell_row)
        perm = np.arange(n_cells) if perm is None else perm  # column j holds cell perm[j]
        self.w = weight_matrix(
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


def _point_composites(patterns: pd.DataFrame, scheme: Scheme | None = None) -> pd.DataFrame:
    """The composite per cycle × unit from pattern counts (the bootstrap's point estimate)."""
    scheme = resolve_scheme(scheme)
    cells = prepare_cells(patterns, scheme)
    n_cells = len(cells.cell_row)
    sums = np.zeros((n_cells, cells.feat.shape[1], 1))
    np.add.at(sums[:, :, 0], cells.cell, cells.feat * cells.count[:, None])
    comp = Composer(cells, scheme)(sums)[:, 0]
    return pd.DataFrame(
        {
            "cycle": np.array(cells.cycles, dtype=object)[cells.row_cycle],
            "unit": np.array(cells.units, dtype=object)[cells.row_unit],
            "composite": comp,
        }
    )
