"""Replicates drawn chunk by chunk and ranked per series (:func:`run_replicates`).

Each series of a cycle is a :class:`RankBlock` that keeps running counts of the replicates:
how often each unit is last, in the top n, and at each rank.

Examples
--------
>>> rank_quantile(np.array([[0, 3, 1], [0, 1, 3]]), 0.5).tolist()
[1.0, 2.0]
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from evalstats.stats.rank.cells import Composer
from evalstats.stats.rank.linearised import RespondentNormal
from evalstats.stats.rank.resample import Resampler

__all__ = ["RankBlock", "rank_quantile", "run_replicates"]

# Worker threads for the replicates (numpy releases the GIL in the heavy calls).  Each runs
# BLAS on one thread (:func:`run_replicates`): the draws' many small matrix products are what
# OpenBLAS would otherwise split over its own threads, on cores these workers already use.
_THREADS = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


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
class RankBlock:
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


def rank_quantile(hist: np.ndarray, q: float) -> np.ndarray:
    """The ⌈q·N⌉-th smallest rank per unit from rank counts ``hist[k, k + 1]`` (NaN if N = 0)."""
    total = hist.sum(axis=1)
    kth = np.clip(np.ceil(q * total - 1e-9), 1, None)
    cum = np.cumsum(hist, axis=1)
    rank = np.argmax(cum >= kth[:, None], axis=1).astype(float)
    rank[total == 0] = np.nan
    return rank


def run_replicates(
    cells,
    scheme,
    blocks,
    *,
    combine,
    n_resamples,
    gen,
    top_n,
    large_cell_threshold=None,
    sampler=None,
) -> None:
    """Draw the replicates chunk by chunk (on up to ``_THREADS`` threads) into ``blocks``.

    Chunk ``i`` always uses its own generator seeded from ``gen``, and the counts are added in
    chunk order, so the result does not depend on the number of threads.  BLAS runs on one
    thread meanwhile (``threadpoolctl``): the draws' matrix products are small (cells × 2D
    features × forms) and multithreaded OpenBLAS, on cores the workers already use, made them
    30-40× slower on the demo at a load of 2 (issue 16).  ``sampler`` draws
    the per-cell sums (default: :class:`~evalstats.stats.rank.resample.Resampler`, forms
    within cells; :class:`~evalstats.stats.rank.clustered.RespondentResampler` when forms
    share respondents; :class:`~evalstats.stats.rank.linearised.RespondentNormal`, which draws
    the composites themselves, when moreover every cell is large).
    """
    if sampler is None:
        sampler = Resampler(cells, n_resamples, large_cell_threshold)
    direct = isinstance(sampler, RespondentNormal)  # draws composites, not cell sums
    compose = None if direct else Composer(cells, scheme, sampler.perm)
    starts = list(range(0, n_resamples, sampler.chunk))
    seeds = gen.integers(0, 2**63, size=len(starts))
    local = threading.local()

    def work(i: int) -> list:
        m = min(sampler.chunk, n_resamples - starts[i])
        if direct:
            comp = sampler.composites(np.random.default_rng(seeds[i]), m)
        else:
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
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
        for counts in pool.map(work, range(len(starts))):  # results in chunk order
            for block, c in zip(blocks, counts, strict=True):
                block.add(c)
