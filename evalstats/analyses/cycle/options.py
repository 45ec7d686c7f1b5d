"""The options of a cycle's analysis: scheme, interval, resamples, seed, backend — checked once.

:func:`resolve_options` checks what :func:`~evalstats.analyses.cycle.half_year` and
:func:`~evalstats.analyses.cycle.annual` share; :func:`check_backend` the backend and its
settings (``"auto"`` resolved by the input's size); :func:`stream_rng` the random stream of each
random step (see "Random numbers" in :mod:`evalstats.analyses.cycle`).

Examples
--------
>>> stream_rng(7, 0)
7
"""

from __future__ import annotations

import numpy as np

from evalstats.core.options import (
    check_confidence_level,
    check_n_resamples,
    check_option,
    check_seed,
)
from evalstats.core.scheme import resolve_scheme
from evalstats.stats.intervals import PROPORTION_METHODS

STREAM_YEAR, STREAM_GROUPS = 1, 2  # random streams of stream_rng: the year, group tests


def stream_rng(seed: int | None, stream: int):
    """The random source of one stream of a cycle's analysis: ``seed`` itself for stream 0,
    an independent generator seeded ``[seed, stream]`` for the others (``STREAM_YEAR``,
    ``STREAM_GROUPS``), None without a seed. The unit profile uses the same streams, so its
    figures equal the report's.

    Examples
    --------
    >>> stream_rng(7, 0), stream_rng(None, STREAM_YEAR)
    (7, None)
    """
    if seed is None:
        return None
    if stream == 0:
        return seed
    return np.random.default_rng([seed, stream])


def resolve_options(scheme, confidence_level, n_resamples, seed, method):
    """The scheme and the checked options of an analysis: ``(scheme, confidence_level,
    n_resamples, seed, method)``; a missing confidence level is the scheme's.

    Examples
    --------
    >>> resolve_options(None, 0.9, 100, 1, "wilson")[1:]
    (0.9, 100, 1, 'wilson')
    """
    scheme = resolve_scheme(None if scheme in ("", None) else scheme)
    level = check_confidence_level(
        scheme.rules.confidence_level if confidence_level is None else confidence_level
    )
    method = check_option("method", method, PROPORTION_METHODS)
    return scheme, level, check_n_resamples(n_resamples), check_seed(seed), method


def check_backend(backend, memory_limit, scheduler, folder) -> tuple[str, object, object]:
    """(backend, memory_limit or None, scheduler or None), ``"auto"`` resolved by size."""
    from evalstats.counts.backends import BACKENDS, check_memory_limit, choose_backend

    backend = check_option("backend", backend, BACKENDS)
    if memory_limit == "":
        memory_limit = None
    if isinstance(scheduler, str) and not scheduler.strip():
        scheduler = None
    memory_limit = check_memory_limit(memory_limit)
    if backend == "auto":
        backend = choose_backend(folder, scheduler=scheduler)
    if scheduler is not None and backend != "dask":
        raise ValueError(f"scheduler is only used by the dask backend; got backend={backend!r}")
    if memory_limit is not None and backend == "pandas":
        raise ValueError(
            "memory_limit is only used by the duckdb and dask backends; got backend='pandas'"
        )
    return backend, memory_limit, scheduler


__all__ = [
    "STREAM_GROUPS",
    "STREAM_YEAR",
    "check_backend",
    "resolve_options",
    "stream_rng",
]
