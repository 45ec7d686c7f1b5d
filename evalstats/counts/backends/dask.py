"""The count on a Dask cluster: the responses kept as small integer codes on the workers.

:func:`dask_load` has each worker read its row groups of the Parquet file and keep them as
small integer codes (3 bytes a form plus 1 per answer); :func:`dask_count` counts them where
they lie (one ``np.bincount`` per partition) and only counts travel.  The data must be at a
path every worker can read.

Examples
--------
>>> from evalstats.counts.backends.dask import dask_client, dask_count, dask_load
>>> with dask_client() as client:  # doctest: +SKIP
...     codes = dask_load(scanned, client)
...     counts, patterns = dask_count(scanned, codes)
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import numpy as np

from evalstats.counts.backends.choose import require
from evalstats.counts.backends.codes import Coder, Counter, coder_of, count_frames, parquet_codes
from evalstats.counts.backends.scan import ScannedCycle

SCHEDULER_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler before giving up."""
PARTITION_ROWS = 1 << 20
"""Dask: consecutive row groups are joined into partitions of at least this many rows."""


def _encode_part(path: str, coder: Coder, row_groups: list) -> tuple[np.ndarray, np.ndarray]:
    """One partition's codes (runs on a worker)."""
    parts = list(parquet_codes(path, coder, row_groups))
    if not parts:
        return np.zeros(0, coder.ug_dtype), np.zeros((coder.shape[2], 0), np.int8)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts], axis=1)


def _count_part(codes: tuple, shape: tuple, patterns: bool):
    """One partition's counts (runs on a worker): a :meth:`Counter.result
    <evalstats.counts.backends.codes.Counter.result>`."""
    counter = Counter(shape, patterns, len(codes[0]))
    counter.add(*codes)
    return counter.result()


def _sum_parts(results: list, shape: tuple, patterns: bool, rows: int):
    counter = Counter(shape, patterns, rows)
    for r in results:
        counter.merge(r)
    return counter.result()


def _partitions(path: str) -> list[list[int]]:
    """Consecutive row groups joined into partitions of at least :data:`PARTITION_ROWS` rows."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    parts: list[list[int]] = []
    rows = PARTITION_ROWS
    for i in range(meta.num_row_groups):
        if rows >= PARTITION_ROWS:
            parts.append([])
            rows = 0
        parts[-1].append(i)
        rows += meta.row_group(i).num_rows
    return parts


@dataclass(frozen=True)
class DaskCodes:
    """The responses as integer codes persisted on the Dask workers (:func:`dask_load`).

    Attributes
    ----------
    client : distributed.Client
    futures : list of distributed.Future
        One per partition: ``(ug, levels)`` codes held in the workers' memory.
    shape : tuple
        ``(units, groups, dimensions, levels)``.
    rows : int
        Rows held.
    """

    client: object
    futures: list
    shape: tuple
    rows: int

    def release(self) -> None:
        """Free the workers' memory."""
        self.client.cancel(self.futures)


def dask_load(scanned: ScannedCycle, client) -> DaskCodes:
    """Read a scanned cycle's responses on the Dask workers as integer codes and keep them.

    Each worker reads its row groups of the Parquet file (the path must be readable by every
    worker) and keeps the codes (2 bytes a form for unit × group, 1 per answer) in memory; the
    tally (:func:`dask_count`) then ships only counts.

    Examples
    --------
    >>> s = scan_cycle("data/raw/2026L")  # doctest: +SKIP
    >>> with dask_client() as client:  # doctest: +SKIP
    ...     codes = dask_load(s, client)
    ...     counts, patterns = dask_count(s, codes)
    """
    from distributed import wait

    coder = coder_of(scanned)
    path = scanned.source.parquet
    if not os.path.exists(path):
        raise ValueError(
            f"dask_load reads a Parquet responses file; {scanned.responses.name} was staged "
            "for the scan only: use count_cycle(..., backend='dask') for CSV responses"
        )
    parts = _partitions(path)
    futures = client.map(_encode_part, [path] * len(parts), [coder] * len(parts), parts, pure=False)
    wait(futures)
    return DaskCodes(client, futures, coder.shape, int(scanned.rows_read))


def dask_count(scanned: ScannedCycle, codes: DaskCodes, *, patterns: bool = True):
    """``(counts, patterns)`` of codes held on the workers (:func:`dask_load`).

    The counting runs on the workers (one ``np.bincount`` per dimension and partition); only
    the counts travel.  ``patterns`` None when not asked for.
    """
    client = codes.client
    parts = client.map(_count_part, codes.futures, shape=codes.shape, patterns=patterns, pure=False)
    total = client.submit(_sum_parts, parts, codes.shape, patterns, codes.rows, pure=False)
    result = total.result()
    client.cancel([total, *parts])
    return count_frames(result, scanned)


@contextlib.contextmanager
def dask_client(scheduler=None, *, n_workers: int = 2, threads_per_worker: int = 1):
    """A ``distributed.Client``: to ``scheduler`` (address or Client), or a LocalCluster.

    Raises
    ------
    ImportError
        dask or distributed is not installed (names ``pip install "evalstats[scale]"``).
    ConnectionError
        The scheduler did not answer within :data:`SCHEDULER_TIMEOUT` seconds.
    """
    require("dask", "dask")
    distributed = require("distributed", "dask")
    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    if scheduler is None:
        cluster = distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            # None does not turn the dashboard off (dask/distributed issue 8136): it takes port
            # 8787 and warns when another cluster holds it; a free port on loopback instead
            dashboard_address="127.0.0.1:0",
        )
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
        return
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise TypeError(
            f"scheduler must be an address such as 'tcp://10.0.0.5:8786' or a Client; "
            f"got {scheduler!r}"
        )
    try:
        client = distributed.Client(scheduler, timeout=SCHEDULER_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(
            f"cannot reach the Dask scheduler at {scheduler} within {SCHEDULER_TIMEOUT:g} s "
            f"({type(exc).__name__}); is it running, and is the address right?"
        ) from None
    try:
        yield client
    finally:
        client.close()


def require_dask() -> None:
    """ImportError naming ``pip install "evalstats[scale]"`` unless dask and distributed are
    installed.

    Examples
    --------
    >>> require_dask()  # doctest: +SKIP
    """
    require("dask", "dask")
    require("distributed", "dask")


__all__ = [
    "PARTITION_ROWS",
    "SCHEDULER_TIMEOUT",
    "DaskCodes",
    "dask_client",
    "dask_count",
    "dask_load",
    "require_dask",
]
