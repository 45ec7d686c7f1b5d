"""The bootstrap's draws when forms share respondents (:class:`RespondentResampler`).

Respondents, not forms, are drawn with replacement within their stratum (cycle × group),
jointly for every unit they rated; a draw is a vector of respondent weights (how often each
respondent was drawn) applied to the per-respondent sums of each cell.

Examples
--------
>>> DENSE_MIN_DENSITY
0.02
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from evalstats.core.scheme import Scheme
from evalstats.stats.design import Design
from evalstats.stats.rank.cells import Cells

__all__ = ["DENSE_MIN_DENSITY", "RespondentResampler", "design_cell_index"]

# A stratum's respondent × cell-feature matrix is multiplied as a dense block (BLAS) when at
# least this share of it is non-zero and it has at most _DENSE_MAX_ELEMENTS elements, else as a
# sparse matrix: a dense product is ~ 30-50 times cheaper per element than a sparse one here.
DENSE_MIN_DENSITY = 0.02
_DENSE_MAX_ELEMENTS = 20_000_000
# Elements per chunk of replicates (respondent weights and cell sums; bounds memory).
_CHUNK_ELEMENTS = 4_000_000


class RespondentResampler:
    """Draws replicate sums ``[C, 2D, m]`` by resampling respondents within strata.

    For stratum ``h`` with ``n_h`` respondents a replicate draws ``n_h`` of them uniformly
    with replacement; the weights ``w[i]`` (times respondent ``i`` was drawn, a
    ``Multinomial(n_h; 1/n_h, …)`` vector) give each cell's sums ``T_c = Σ_i w_i T_ic``,
    ``T_ic`` the sums of points and valid answers respondent ``i`` gave cell ``c``.  Cells
    are ordered by stratum (``perm``) so each stratum fills a block of the output with one
    matrix product ``A_h[cells_h·2D, n_h] @ W_h[n_h, m]``.

    Parameters
    ----------
    cells : Cells
        The cells of the ranking (:func:`~evalstats.stats.rank.cells.prepare_cells`).
    design : Design
        The same forms' design; its rows for units or cycles not in ``cells`` are ignored (their
        respondents still count in their stratum).
    scheme : Scheme
    n_resamples : int

    Raises
    ------
    ValueError
        The design does not give the cells' sums.
    """

    def __init__(self, cells: Cells, design: Design, scheme: Scheme, n_resamples: int):
        n_cells = len(cells.cell_row)
        self.n_cells = n_cells
        self.f = cells.feat.shape[1]
        cell_of, feat = _design_cells(cells, design, scheme)
        keep = cell_of >= 0
        cell_of, feat, cluster = cell_of[keep], feat[keep], design.cluster[keep]
        strata_all = design.stratum
        n_strata = int(strata_all.max()) + 1 if len(strata_all) else 0
        # every cell lies in one stratum (its respondents' cycle × group)
        cell_stratum = np.full(n_cells, -1, np.int64)
        cell_stratum[cell_of] = strata_all[cluster]
        if (cell_stratum < 0).any() or (cell_stratum[cell_of] != strata_all[cluster]).any():
            raise ValueError("design does not match patterns: a cell has no respondent")
        self.perm = np.argsort(cell_stratum, kind="stable")
        pos = np.empty(n_cells, np.int64)
        pos[self.perm] = np.arange(n_cells)
        # respondents ordered by stratum: slot j of a draw belongs to stratum slot_stratum[j]
        r_order = np.argsort(strata_all, kind="stable")
        r_pos = np.empty(len(r_order), np.int64)
        r_pos[r_order] = np.arange(len(r_order))
        n_h = np.bincount(strata_all, minlength=n_strata)
        r_start = np.concatenate([[0], np.cumsum(n_h)[:-1]]).astype(np.int64)
        self.n_resp = len(r_order)
        self.slot_high = n_h[strata_all[r_order]].astype(np.int64)
        self.slot_start = r_start[strata_all[r_order]]
        c_h = np.bincount(cell_stratum, minlength=n_strata)
        c_start = np.concatenate([[0], np.cumsum(c_h)[:-1]]).astype(np.int64)
        self.blocks = []
        for h in np.flatnonzero(c_h > 0):
            rows_h = cell_stratum[cell_of] == h
            local_cell = pos[cell_of[rows_h]] - c_start[h]
            local_resp = r_pos[cluster[rows_h]] - r_start[h]
            shape = (int(c_h[h]) * self.f, int(n_h[h]))
            r = (local_cell[:, None] * self.f + np.arange(self.f)).ravel()
            c = np.repeat(local_resp, self.f)
            mat = sparse.csr_matrix((feat[rows_h].ravel(), (r, c)), shape=shape)
            mat.sum_duplicates()
            size = shape[0] * shape[1]
            if size <= _DENSE_MAX_ELEMENTS and mat.nnz >= DENSE_MIN_DENSITY * size:
                mat = mat.toarray()
            self.blocks.append((int(c_start[h]), int(c_h[h]), int(r_start[h]), int(n_h[h]), mat))
        self._check(cells, pos)
        per_rep = max(self.n_resp + n_cells * self.f, 1)
        self.chunk = int(min(max(_CHUNK_ELEMENTS // per_rep, 1), n_resamples))

    def _check(self, cells: Cells, pos: np.ndarray) -> None:
        """The blocks at weight 1 give the cells' sums (the design holds the same forms)."""
        sums = np.zeros((self.n_cells, self.f))
        np.add.at(sums, cells.cell, cells.feat * cells.count[:, None])
        got = np.zeros((self.n_cells, self.f))
        for c0, nc, _, nr, mat in self.blocks:
            got[c0 : c0 + nc] = (mat @ np.ones(nr)).reshape(nc, self.f)
        if not np.allclose(got, sums[self.perm], rtol=0, atol=1e-6):
            raise ValueError("design does not match patterns: the cells' answers differ")

    def weights(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """Respondent weights ``[n_respondents, m]`` of ``m`` replicates (stratum order)."""
        n = self.n_resp
        u = rng.integers(0, self.slot_high, size=(m, n)) + self.slot_start
        u += (np.arange(m, dtype=np.int64) * n)[:, None]
        w = np.bincount(u.ravel(), minlength=m * n).reshape(m, n)
        return np.ascontiguousarray(w.T, dtype=np.float64)

    def draw(self, rng: np.random.Generator, m: int, out: np.ndarray) -> np.ndarray:
        """Sums for ``m`` replicates into ``out[C, 2D, >=m]`` (cells in ``self.perm`` order)."""
        w = self.weights(rng, m)
        for c0, nc, r0, nr, mat in self.blocks:
            res = mat @ w[r0 : r0 + nr]  # [nc·2D, m]
            out[c0 : c0 + nc, :, :m] = np.asarray(res).reshape(nc, self.f, m)
        return out[:, :, :m]


def design_cell_index(cells: Cells, design: Design) -> np.ndarray:
    """Each design row's cell in ``cells`` (``-1``: a cycle, unit or group not ranked).

    Parameters
    ----------
    cells : Cells
    design : Design
        The design of the same forms (or of more: its other rows get ``-1``).

    Returns
    -------
    ndarray of int64
        ``[P]``, one entry per design row.
    """
    cmap = pd.Index(cells.cycles).get_indexer([str(c) for c in design.cycles])
    umap = pd.Index(cells.units).get_indexer([str(u) for u in design.units])
    nu, ng = max(len(cells.units), 1), cells.n_groups
    cell_keys = (
        cells.row_cycle[cells.cell_row] * nu + cells.row_unit[cells.cell_row]
    ) * ng + cells.cell_group
    # the cells' keys are few (cycles × units × groups): each key's cell looked up in a
    # table of them all (-1: not a cell), not searched for among them
    lut = np.full(max(len(cells.cycles), 1) * nu * ng, -1, np.int64)
    lut[cell_keys] = np.arange(len(cell_keys))
    dc, du = len(design.cycles), len(design.units)
    if len(design.group) and dc and du and int(design.group.min()) >= 0:
        # the cell of each of the design's own cycle × unit × group keys (few), then one
        # lookup per row: no row's cycle and unit translated first
        g = np.arange(max(ng, int(design.group.max()) + 1))
        c, u = cmap[:, None, None], umap[None, :, None]
        known = (c >= 0) & (u >= 0) & (g < ng)
        own = np.where(known, lut[np.where(known, (c * nu + u) * ng + g, 0)], -1).ravel()
        key = design.cyc * du
        key += design.unit
        key *= len(g)
        key += design.group
        return own[key]
    cyc = cmap[design.cyc] if len(cmap) else design.cyc
    unit = umap[design.unit] if len(umap) else design.unit
    key = (cyc * nu + unit) * ng + design.group
    known = (cyc >= 0) & (unit >= 0) & (design.group < ng)  # else another cell's key
    if known.all():
        return lut[key]
    return np.where(known, lut[np.where(known, key, 0)], -1)


def _design_cells(cells: Cells, design: Design, scheme: Scheme):
    """Each design row's cell (-1: not a ranked cell) and its features × count ``[P, 2D]``."""
    cell_of = design_cell_index(cells, design)
    points = np.array([lv.points if lv.valid else 0.0 for lv in scheme.levels] + [0.0])
    valid = np.array([1.0 if lv.valid else 0.0 for lv in scheme.levels] + [0.0])
    feat = np.concatenate([points[design.levels], valid[design.levels]], axis=1)
    feat *= design.count[:, None]
    return cell_of, feat
