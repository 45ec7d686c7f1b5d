"""Reading the cycles of an analysis with a backend, and scoring a cycle as its own report would.

Examples
--------
>>> a = half_year("2026H1", n_resamples=200, seed=1, backend="duckdb")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib

import pandas as pd

from evalstats.analyses.cycle.frames import unit_info
from evalstats.analyses.cycle.options import stream_rng
from evalstats.inputs.validate import validate_cycle
from evalstats.stats import quality as _quality
from evalstats.stats.pipeline import CycleScores, score_counts, score_cycle


@contextlib.contextmanager
def read_cycles(folders, cycles, rows, *, scheme, backend, memory_limit, scheduler):
    """Per cycle, its ValidatedCycle (pandas) or its CycleCounts (other backends; with the
    counted forms in DuckDB where ``rows`` says so), released on exit."""
    if backend == "pandas":
        yield [
            validate_cycle(f, scheme=scheme, cycle=c, shown=shown_folder(f))
            for f, c in zip(folders, cycles, strict=True)
        ]
        return
    from evalstats.counts.backends import count_cycle, dask_client

    with contextlib.ExitStack() as stack:
        if backend == "dask":
            scheduler = stack.enter_context(dask_client(scheduler))
        out = []
        for f, c, keep in zip(folders, cycles, rows, strict=True):
            counted = count_cycle(
                f,
                scheme=scheme,
                cycle=c,
                backend=backend,
                memory_limit=memory_limit,
                scheduler=scheduler,
                keep_rows=keep,
                shown=shown_folder(f),
            )
            stack.callback(counted.close)
            out.append(counted)
        yield out


def shown_folder(folder) -> str:
    """How an analysis names a cycle folder in its tables: relative to the data root, which
    is the folder's parent (``2026H1``), so no machine path reaches a published table and
    every machine writes the same bytes.

    Examples
    --------
    >>> shown_folder("/srv/office/data/raw/2026H1")
    '2026H1'
    """
    from pathlib import Path

    return Path(folder).name


def all_units(*validated) -> pd.DataFrame:
    """``unit, name, series`` of the units of the cycles given (the first cycle's entry wins)."""
    info = pd.concat([unit_info(v.units) for v in validated])
    info = info[~info.index.duplicated()]
    return info.reset_index().rename(columns={"unit_name": "name"})


def score_read(read, *, level: float, n_resamples: int, seed, method: str) -> CycleScores:
    """Score a cycle read by :func:`read_cycles` as its own report would (``rng=seed``)."""
    options = dict(
        method=method, confidence_level=level, n_resamples=n_resamples, rng=stream_rng(seed, 0)
    )
    if read is validated_of(read):
        return score_cycle(read, **options)
    return score_counts(read, **options)


def validated_of(x):
    """The ValidatedCycle or ScannedCycle of a cycle read by :func:`read_cycles`."""
    counted = _quality.counted_cycle(x)
    return x if counted is None else counted.validated


__all__ = [
    "all_units",
    "read_cycles",
    "score_read",
    "shown_folder",
    "validated_of",
]
