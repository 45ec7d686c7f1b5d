"""The bootstrap's draws: per-cell sums of resampled forms (:class:`Resampler`).

Examples
--------
>>> LARGE_CELL_THRESHOLD
64
"""

from __future__ import annotations

import numpy as np

from evalstats.stats.rank.cells import Cells

__all__ = ["LARGE_CELL_THRESHOLD", "Resampler"]

# A cell is resampled by a multinomial over its distinct patterns (cost ~ 100 ns per pattern
# and replicate) instead of uniform draws of its forms (~ 10 ns per form and replicate) when
# it has more than this many forms per distinct pattern.
_MULTINOMIAL_FACTOR = 10
# Default ``large_cell_threshold``: a cell with at least this many forms has its replicate sums
# drawn from the normal approximation of their bootstrap distribution (see rank_uncertainty,
# Notes, *Large cells*).  Chosen by measurement (issue 16; CPU time on the 2-core machine under
# load): an exact cell costs ~ 12 ns per form and replicate, a normal one ~ 220 ns whatever its
# size, so the exact cost of cells just under the threshold bounds the cost of a ranking; 64 is
# the smallest power of two at which P(last) and P(top3) of the approximation stayed within 4
# Monte-Carlo standard errors of exact resampling on cells of 64-120 forms, skewed answers
# included (32 did not).  Above the cells of a usual cycle (<= ~60 forms: the demo's largest
# has 60), so those stay exact.
LARGE_CELL_THRESHOLD = 64
# Elements drawn per chunk of replicates (bounds memory: ~ 8 bytes × this × a few arrays).
_CHUNK_ELEMENTS = 4_000_000


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + length)`` for each pair, without a Python loop."""
    lengths = np.asarray(lengths, np.int64)
    total = int(lengths.sum())
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(np.asarray(starts, np.int64), lengths) + np.arange(total) - offsets


class Resampler:
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

    def __init__(self, cells: Cells, n_resamples: int, large_cell_threshold: int | None = None):
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

    def _moments(self, cells: Cells, ids, start, k, n) -> tuple[np.ndarray, np.ndarray]:
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
    def _expand(cells: Cells, ids, start, k, size) -> np.ndarray:
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
