"""The streamed count: the responses' labels as small integer codes, counted by ``np.bincount``.

The responses are read as Parquet dictionary pages (pyarrow, streamed in batches of
:data:`ARROW_BATCH_ROWS` rows): each batch's small dictionaries are mapped to the scheme's
codes once (:class:`Coder`), the rows become integer codes by a table look-up, and one
``np.bincount`` per dimension counts them, plus one over whole answer patterns
(:class:`Counter`).  The rows the scan did not count are taken off the gross counts
(:func:`count_frames`).  The Dask backend (:mod:`~evalstats.counts.backends.dask`) runs the
same coder and counter on its workers.

Examples
--------
>>> from evalstats.counts.backends.codes import arrow_counts
>>> counts, patterns = arrow_counts(scan_cycle("data/raw/2026L"), True)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.scheme import Scheme
from evalstats.counts.backends.labels import label_codes
from evalstats.counts.backends.scan import ScannedCycle
from evalstats.counts.tally import FormCodes, key_dtype, pattern_frame, tally_frame

# A DuckDB GROUP BY over the labels measured 5-9x a plain bincount
# (``benchmarks/bench_backends.py``); the codes come for free from the file's dictionaries.
ARROW_BATCH_ROWS = 1 << 20
"""Rows per batch read from the responses file (memory is O(batch))."""
PATTERN_DENSE_MAX = 1 << 24
"""Pattern keys are counted in a dense array below this many possible patterns (and at most
4 per row read or :data:`PATTERN_DENSE_MIN`), else sorted with ``np.unique``."""
PATTERN_DENSE_MIN = 1 << 16
"""The dense pattern array is used up to this many possible patterns whatever the rows read."""


def _dims_shape(scheme: Scheme, n_units: int):
    return n_units, len(scheme.group_codes), len(scheme.dimension_codes), len(scheme.level_codes)


def _dense_from_long(u, g, j, lv, *, n, shape) -> np.ndarray:
    """Dense ``[unit, group, dim, level (+ blank last)]`` from long codes (lv -1 = blank)."""
    nu, ng, nd, nl = shape
    lv = np.where(lv < 0, nl, lv)
    flat = ((u.astype(np.int64) * ng + g) * nd + j) * (nl + 1) + lv
    dense = np.bincount(flat, weights=n, minlength=nu * ng * nd * (nl + 1))
    return np.rint(dense).astype(np.int64).reshape(nu, ng, nd, nl + 1)


def _uncounted_dense(unc: dict, shape) -> np.ndarray:
    """Per-dimension contribution of the uncounted rows, as the gross counts include it."""
    nu, ng, nd, nl = shape
    ok = (unc["unit"] >= 0) & (unc["group"] >= 0)
    parts = []
    for j, lv in enumerate(unc["levels"]):
        m = ok & (lv >= -1)
        parts.append((unc["unit"][m], unc["group"][m], np.full(m.sum(), j), lv[m]))
    if not parts:
        return np.zeros((nu, ng, nd, nl + 1), np.int64)
    u, g, j, lv = (np.concatenate(x) for x in zip(*parts, strict=True))
    return _dense_from_long(u, g, j, lv, n=np.ones(len(u)), shape=shape)


def _uncounted_patterns(unc: dict):
    ok = (unc["unit"] >= 0) & (unc["group"] >= 0)
    for lv in unc["levels"]:
        ok &= lv >= -1
    return unc["unit"][ok], unc["group"][ok], [lv[ok] for lv in unc["levels"]]


def _counts_frame(dense: np.ndarray, scanned: ScannedCycle) -> pd.DataFrame:
    units = scanned.labels.units
    total = dense[:, :, 0, :].sum()
    cycles = [scanned.cycle] if total > 0 else []
    return tally_frame(dense[None, ...][: len(cycles)], cycles, units, scanned.scheme)


def _patterns_frame(u, g, levels, n, scanned: ScannedCycle) -> pd.DataFrame:
    unc_u, unc_g, unc_lv = _uncounted_patterns(scanned.uncounted)
    u = np.concatenate([u, unc_u]).astype(np.int64)
    g = np.concatenate([g, unc_g]).astype(np.int64)
    levels = [np.concatenate([a, b]).astype(np.int64) for a, b in zip(levels, unc_lv, strict=True)]
    w = np.concatenate([np.asarray(n, float), -np.ones(len(unc_u))])
    units = scanned.labels.units
    cycles = [scanned.cycle] if w.sum() > 0 else []
    if not cycles:
        u = g = np.zeros(0, np.int64)
        levels = [np.zeros(0, np.int64) for _ in levels]
        w = np.zeros(0)
    return pattern_frame(FormCodes(None, cycles, units, u, g, levels), scanned.scheme, weights=w)


@dataclass(frozen=True)
class Coder:
    """Raw labels → small integer codes, batch by batch (picklable: sent to Dask workers).

    Codes: ``ug = unit * n_groups + group`` (``n_units * n_groups`` when the unit or the group
    is blank or unknown: such rows are errors and counted nowhere); one row of ``levels`` per
    dimension, ``0 .. nl-1`` the scheme's levels, ``nl`` blank, ``nl + 1`` unknown.

    Examples
    --------
    >>> ug, levels = coder_of(scanned).encode(batch, {})  # doctest: +SKIP
    """

    columns: tuple  # physical column names: unit, group, then the dimensions
    unit: tuple  # (lookup, categories)
    group: tuple
    level: tuple
    shape: tuple  # (nu, ng, nd, nl)

    @property
    def ug_dtype(self):
        nu, ng, _nd, nl = self.shape
        return key_dtype((nu * ng + 1) * (nl + 2))

    def _lut(self, kind: str, dictionary, cache: dict) -> np.ndarray:
        """Look-up table of a batch's dictionary (last slot: null), cached by its values."""
        values = dictionary.to_pylist()
        key = (kind, tuple(values))
        lut = cache.get(key)
        if lut is None:
            nu, ng, _nd, nl = self.shape
            lookup, cats = getattr(self, kind)
            codes = np.append(label_codes(values, lookup, cats), -1)  # -1 blank, -2 unknown
            if kind == "level":  # blank nl, unknown nl + 1
                codes = np.where(codes == -1, nl, np.where(codes == -2, nl + 1, codes))
                lut = codes.astype(np.int8 if nl + 2 < 128 else np.int16)
            else:  # unit * ng + group; a blank or unknown one makes the sum negative
                bad = -(nu * ng + 1)
                codes = np.where(codes < 0, bad, codes * (ng if kind == "unit" else 1))
                lut = codes.astype(self.ug_dtype)
            cache[key] = lut
        return lut

    def encode(self, batch, cache: dict) -> tuple[np.ndarray, np.ndarray]:
        """``(ug, levels[nd, n])`` of one record batch (columns in ``self.columns`` order)."""
        nu, ng, nd, _nl = self.shape
        n = batch.num_rows
        ug = np.empty(n, self.ug_dtype)
        tmp = np.empty(n, self.ug_dtype)
        levels = None
        for i, kind in enumerate(("unit", "group", *["level"] * nd)):
            arr = batch.column(i)
            if not pa.types.is_dictionary(arr.type):
                arr = pc.dictionary_encode(arr)
            lut = self._lut(kind, arr.dictionary, cache)
            idx = arr.indices
            if idx.null_count:
                idx = idx.fill_null(len(arr.dictionary))
            idx = idx.to_numpy(zero_copy_only=False)
            if i == 0:
                np.take(lut, idx, out=ug)
            elif i == 1:
                np.take(lut, idx, out=tmp)
                ug += tmp
                np.putmask(ug, ug < 0, nu * ng)
            else:
                if levels is None:
                    levels = np.empty((nd, n), lut.dtype)
                np.take(lut, idx, out=levels[i - 2])
        if levels is None:
            levels = np.zeros((0, n), np.int8)
        return ug, levels


def parquet_codes(path: str, coder: Coder, row_groups=None):
    """Yield the codes of ``path`` batch by batch (:meth:`Coder.encode`), of the row groups
    ``row_groups`` (default: all).

    Examples
    --------
    >>> for ug, levels in parquet_codes(path, coder_of(scanned)):  # doctest: +SKIP
    ...     counter.add(ug, levels)
    """
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path, read_dictionary=list(coder.columns))
    cache: dict = {}
    for batch in pf.iter_batches(
        batch_size=ARROW_BATCH_ROWS, row_groups=row_groups, columns=list(coder.columns)
    ):
        yield coder.encode(batch, cache)


class Counter:
    """Accumulates the per-dimension tally and the answer-pattern counts of coded batches.

    ``shape`` is ``(units, groups, dimensions, levels)``; ``patterns`` whether to count the
    answer patterns too; ``rows`` the rows to be counted (it sizes the pattern array).

    Examples
    --------
    >>> counter = Counter(coder.shape, True, scanned.rows_read)  # doctest: +SKIP
    >>> counter.add(ug, levels)  # doctest: +SKIP
    >>> dense, keys, counts = counter.result()  # doctest: +SKIP
    """

    def __init__(self, shape, patterns: bool, rows: int):
        nu, ng, nd, nl = self.shape = shape
        self.nbins = (nu * ng + 1) * (nl + 2)
        self.tally = np.zeros((nd, self.nbins), np.int64)
        self.space = nu * ng * (nl + 1) ** nd
        if patterns and self.space >= 2**62:
            raise ValueError("too many possible answer patterns for this scheme")
        self.patterns = patterns
        self.dense = (
            np.zeros(self.space + 1, np.int64)
            if patterns
            and self.space < PATTERN_DENSE_MAX
            and self.space <= max(4 * rows, PATTERN_DENSE_MIN)
            else None
        )
        self.sparse: list = []

    def add(self, ug: np.ndarray, levels: np.ndarray) -> None:
        nu, ng, nd, nl = self.shape
        base = ug * (nl + 2)
        key = np.empty_like(base)
        for j in range(nd):
            np.add(base, levels[j], out=key, casting="unsafe")
            self.tally[j] += np.bincount(key, minlength=self.nbins)
        if not self.patterns:
            return
        # a row with an unknown answer (level nl + 1) or no unit/group is no pattern: its key
        # is set to the trash slot ``space`` afterwards, whatever the digits made of it
        key = ug.astype(np.int32 if self.space < 2**30 else np.int64)
        for j in range(nd):
            key *= nl + 1
            key += levels[j]
        bad = ug == nu * ng
        if nd:
            bad |= levels.max(axis=0) > nl
        np.putmask(key, bad, self.space)
        if self.dense is not None:
            self.dense += np.bincount(key, minlength=self.space + 1)
        else:
            self.sparse.append(np.unique(key, return_counts=True))

    def result(self):
        """``(dense tally [nu, ng, nd, nl + 1], pattern keys, pattern counts)``."""
        nu, ng, nd, nl = self.shape
        t = self.tally.reshape(nd, nu * ng + 1, nl + 2)[:, : nu * ng, : nl + 1]
        dense = t.transpose(1, 0, 2).reshape(nu, ng, nd, nl + 1)
        if not self.patterns:
            return dense, None, None
        if self.dense is not None:
            keys = np.flatnonzero(self.dense[: self.space])
            return dense, keys, self.dense[keys]
        return (dense, *_merge_sparse(self.sparse, self.space))

    def merge(self, other: tuple) -> None:
        """Add another counter's :meth:`result`."""
        dense, keys, cnt = other
        nu, ng, nd, nl = self.shape
        t = self.tally.reshape(nd, nu * ng + 1, nl + 2)
        t[:, : nu * ng, : nl + 1] += dense.reshape(nu * ng, nd, nl + 1).transpose(1, 0, 2)
        if self.dense is not None:
            np.add.at(self.dense, keys, cnt)
        elif self.patterns:
            self.sparse.append((keys, cnt))


def _merge_sparse(parts: list, space: int):
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = np.concatenate([k for k, _ in parts])
    cnt = np.concatenate([c for _, c in parts])
    uniq, inv = np.unique(keys, return_inverse=True)
    tot = np.bincount(inv, weights=cnt, minlength=len(uniq))
    tot = np.rint(tot).astype(np.int64)
    keep = uniq < space
    return uniq[keep], tot[keep]


def _decode_patterns(keys: np.ndarray, shape):
    """Pattern keys → ``(unit, group, [level per dimension])`` codes (-1 = blank)."""
    _nu, ng, nd, nl = shape
    rest = keys
    digits = []
    for _ in range(nd):
        digits.append(rest % (nl + 1))
        rest = rest // (nl + 1)
    levels = [np.where(x == nl, -1, x) for x in digits[::-1]]
    return rest // ng, rest % ng, levels


def coder_of(scanned: ScannedCycle) -> Coder:
    """The :class:`Coder` of a scanned cycle's responses (its labels and the scheme's codes).

    Examples
    --------
    >>> coder_of(scan_cycle("data/raw/2026L")).shape  # doctest: +SKIP
    (12, 5, 5, 5)
    """
    scheme = scanned.scheme
    src = scanned.source
    unit_cats, unit_lookup = scanned.labels.units, scanned.labels.unit_lookup
    return Coder(
        columns=tuple(src.columns[c] for c in ("unit", "group", *scheme.dimension_codes)),
        unit=(unit_lookup, tuple(unit_cats)),
        group=(scheme.lookup("groups"), tuple(scheme.group_codes)),
        level=(scheme.level_lookup(), tuple(scheme.level_codes)),
        shape=_dims_shape(scheme, len(unit_cats)),
    )


def count_frames(result, scanned: ScannedCycle):
    """(counts, patterns or None) frames of a counter's result, the uncounted rows taken off.

    Examples
    --------
    >>> counts, patterns = count_frames(counter.result(), scanned)  # doctest: +SKIP
    """
    dense, keys, cnt = result
    shape = _dims_shape(scanned.scheme, len(scanned.labels.units))
    dense = dense - _uncounted_dense(scanned.uncounted, shape)
    counts = _counts_frame(dense, scanned)
    if keys is None:
        return counts, None
    u, g, levels = _decode_patterns(keys, shape)
    return counts, _patterns_frame(u, g, levels, cnt, scanned)


def arrow_counts(scanned: ScannedCycle, want_patterns: bool):
    """Tally (and patterns) of the scanned responses, streamed from the Parquet file.

    Examples
    --------
    >>> counts, patterns = arrow_counts(scan_cycle("data/raw/2026L"), True)  # doctest: +SKIP
    """
    coder = coder_of(scanned)
    counter = Counter(coder.shape, want_patterns, scanned.rows_read)
    for ug, levels in parquet_codes(scanned.source.parquet, coder):
        counter.add(ug, levels)
    return count_frames(counter.result(), scanned)


def respondent_forms(scanned: ScannedCycle) -> pd.DataFrame | None:
    """The counted forms' ``cycle, row, respondent, unit, group`` and answers (categorical
    codes; ``row`` the staged row, as the row store's),
    as the validated forms table has them, when the forms name respondents: a wide file
    staged long (its ``respondent`` is the row id), or a long file with a respondent column or
    identifiers and a pseudonym key (:func:`~evalstats.counts.backends.source.respondent_plan`);
    None otherwise.  What the respondent design needs
    (:func:`evalstats.stats.design.respondent_design`): one row per counted form, in memory
    (about 8 bytes a form plus the respondent ids' dictionary).

    Examples
    --------
    >>> respondent_forms(scan_cycle("data/raw/2026W"))["respondent"].nunique()  # doctest: +SKIP
    120
    """
    import pyarrow.parquet as pq

    src, scheme = scanned.source, scanned.scheme
    if src is None or "respondent" not in src.columns:  # the forms name no respondent
        return None
    coder = coder_of(scanned)
    nu, ng, nd, nl = coder.shape
    cols = [src.columns["respondent"], "__row"]  # as staged (source, widestage)
    pf = pq.ParquetFile(src.parquet, read_dictionary=[cols[0]])
    uncounted = np.sort(scanned.uncounted["row"])
    parts = []
    for (ug, levels), batch in zip(
        parquet_codes(src.parquet, coder),
        pf.iter_batches(batch_size=ARROW_BATCH_ROWS, columns=cols),
        strict=True,
    ):
        rows = batch.column(1).to_numpy()
        keep = (ug < nu * ng) & ~np.isin(rows, uncounted)
        if nd:
            keep &= levels.max(axis=0) <= nl
        resp = (
            batch.column(0).dictionary_decode()
            if pa.types.is_dictionary(batch.column(0).type)
            else batch.column(0)
        )
        parts.append((ug[keep], levels[:, keep], resp.filter(pa.array(keep)), rows[keep]))
    ug = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    levels = np.concatenate([p[1] for p in parts], axis=1) if parts else np.zeros((nd, 0))
    resp = pa.chunked_array([p[2] for p in parts], pa.string()) if parts else pa.array([])
    units = list(scanned.labels.units)
    row = np.concatenate([p[3] for p in parts]) if parts else np.zeros(0, np.int64)
    data = {
        "cycle": pd.Series([scanned.cycle] * len(ug), dtype=object),
        "row": row.astype(np.int64),
        "respondent": pd.Series(resp.to_pylist(), dtype=object),
        "unit": pd.Categorical.from_codes(ug // ng, categories=units),
        "group": pd.Categorical.from_codes(ug % ng, categories=list(scheme.group_codes)),
    }
    for j, d in enumerate(scheme.dimension_codes):
        lv = np.where(levels[j] >= nl, -1, levels[j]).astype(np.int64)
        data[d] = pd.Categorical.from_codes(lv, dtype=scheme.level_dtype)
    return pd.DataFrame(data)


__all__ = [
    "ARROW_BATCH_ROWS",
    "PATTERN_DENSE_MAX",
    "PATTERN_DENSE_MIN",
    "Coder",
    "Counter",
    "arrow_counts",
    "coder_of",
    "count_frames",
    "parquet_codes",
    "respondent_forms",
]
