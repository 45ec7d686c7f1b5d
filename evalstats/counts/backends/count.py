"""The entry points of the backends: a cycle validated and counted, whichever backend counts it.

:func:`count_cycle` picks the backend (:mod:`~evalstats.counts.backends.choose`), validates the
cycle (in memory, or out of core: :mod:`~evalstats.counts.backends.scan`) and counts it (in
memory, streamed: :mod:`~evalstats.counts.backends.codes`, or on a Dask cluster:
:mod:`~evalstats.counts.backends.dask`); the tables are the same whichever backend counted.

Examples
--------
>>> from evalstats.counts.backends.count import count_cycle
>>> c = count_cycle("data/raw/2026L", backend="duckdb")  # doctest: +SKIP
>>> c.backend, c.counts["count"].sum()  # doctest: +SKIP
('duckdb', 50000000)
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field

import pandas as pd

from evalstats.counts.backends.choose import check_backend
from evalstats.counts.backends.codes import arrow_counts, respondent_forms
from evalstats.counts.backends.dask import dask_client, dask_count, dask_load, require_dask
from evalstats.counts.backends.duckdb import check_memory_limit
from evalstats.counts.backends.rowstore import RowStore
from evalstats.counts.backends.scan import ScannedCycle, scan


@dataclass(frozen=True)
class CycleCounts:
    """The counts of one cycle from a backend (:func:`count_cycle`).

    Attributes
    ----------
    cycle : str
    backend : str
        The backend that counted (``"pandas"``, ``"duckdb"`` or ``"dask"``).
    counts : DataFrame
        Identical to ``evalstats.counts.tally(validated.forms)``.
    patterns : DataFrame or None
        Identical to ``evalstats.pattern_counts(validated.forms)`` (None when not asked for).
    validated : ValidatedCycle or ScannedCycle
        The validation result (units, incidents, problems, ...).
    rows : RowStore or None
        The counted forms in DuckDB for the row checks (``keep_rows=True``, duckdb and dask
        backends); None otherwise.
    respondents : DataFrame or None
        duckdb and dask backends, responses naming respondents (the wide layout; a long file's
        respondent column, or its identifiers with a pseudonym key): the counted
        forms' ``cycle, respondent, unit, group`` and answers, what the respondent design needs
        (:func:`~evalstats.counts.backends.codes.respondent_forms`); None otherwise (the
        pandas backend's forms carry their respondents).

    Examples
    --------
    >>> count_cycle("data/raw/2026H1").to_frame()  # doctest: +SKIP
    """

    cycle: str
    backend: str
    counts: pd.DataFrame
    patterns: pd.DataFrame | None
    validated: object
    rows: RowStore | None = field(default=None, repr=False, compare=False)
    respondents: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def close(self) -> None:
        """Release :attr:`rows` (its DuckDB table and staged files), if any."""
        if self.rows is not None:
            self.rows.close()

    def to_frame(self) -> pd.DataFrame:
        """The tally."""
        return self.counts


def count_cycle(
    path,
    *,
    scheme=None,
    cycle: str | None = None,
    backend: str = "auto",
    memory_limit=None,
    threads: int | None = None,
    scheduler=None,
    patterns: bool = True,
    raise_on_error: bool = True,
    keep_rows: bool = False,
    shown: str | None = None,
    today=None,
) -> CycleCounts:
    """Validate a cycle and count it with a backend: the tally and the pattern counts.

    Parameters
    ----------
    path : str or Path
        A cycle folder (or its responses file).
    scheme : Scheme, str or Path, optional
    cycle : str, optional
        Default: the folder's name.
    backend : {"auto", "pandas", "duckdb", "dask"}
        See the module notes; ``"auto"`` decides by the size of the responses file.
    memory_limit : str or int, optional
        DuckDB's memory limit (duckdb and dask backends: the validation scan runs in DuckDB).
    threads : int, optional
        DuckDB threads.
    scheduler : str or distributed.Client, optional
        Dask scheduler address (``"tcp://host:8786"``) or a Client; dask backend only.  With
        ``backend="dask"`` and no scheduler, a LocalCluster of 2 worker processes is started
        for the call.
    patterns : bool, default True
        Also compute the pattern counts (the ranking's bootstrap needs them).
    raise_on_error : bool, default True
        Raise :class:`~evalstats.core.errors.InputError` when the data have an error.
    keep_rows : bool, default False
        duckdb and dask backends: also keep the counted forms in DuckDB (:class:`RowStore`,
        ``CycleCounts.rows``) for the data-quality checks and the comments; release it with
        ``CycleCounts.close()``.  Ignored by the pandas backend (the forms are in memory).
    shown : str, optional
        How to name ``path`` in problems and tables (default: as given); see
        :func:`~evalstats.inputs.validate.validate_cycle`.
    today : date, datetime or str, optional
        The reference date of the validation (default: the machine's); see
        :func:`~evalstats.inputs.validate.validate_cycle`.

    Returns
    -------
    CycleCounts
        ``counts`` equal to ``evalstats.counts.tally(validate_cycle(path).forms)`` and ``patterns``
        to ``evalstats.pattern_counts(...)``, whichever backend counted.

    Raises
    ------
    ImportError
        The backend's package is missing (the message names ``pip install "evalstats[scale]"``).
    ConnectionError
        The Dask scheduler is unreachable (the message names the address).
    InputError
        The data have an error (with ``raise_on_error``).

    Examples
    --------
    >>> c = count_cycle("data/raw/2026L", backend="duckdb")  # doctest: +SKIP
    >>> c.backend, c.counts["count"].sum()  # doctest: +SKIP
    ('duckdb', 50000000)
    """
    if not isinstance(patterns, bool):
        raise TypeError(f"patterns must be True or False; got {patterns!r}")
    if not isinstance(keep_rows, bool):
        raise TypeError(f"keep_rows must be True or False; got {keep_rows!r}")
    backend = check_backend(backend, path, scheduler)
    options = _Options(
        scheme, cycle, memory_limit, threads, scheduler, patterns, raise_on_error, shown, today
    )
    if backend == "pandas":
        return _count_in_memory(path, options)
    if backend == "dask":
        require_dask()
    holder = tempfile.TemporaryDirectory(prefix="evalstats-scan-")
    rows = None
    try:
        scanned = scan(
            path,
            scheme=scheme,
            cycle=cycle,
            memory_limit=memory_limit,
            threads=threads,
            raise_on_error=raise_on_error,
            tmp=holder.name,
            shown=shown,
            today=today,
        )
        counts, pat = _count_scanned(scanned, backend, options)
        respondents = respondent_forms(scanned)
        if keep_rows:
            rows = RowStore(scanned, holder, check_memory_limit(memory_limit), threads)
    finally:
        if rows is None:
            holder.cleanup()
    return CycleCounts(scanned.cycle, backend, counts, pat, scanned, rows, respondents)


@dataclass(frozen=True)
class _Options:
    """The options of one :func:`count_cycle` call."""

    scheme: object
    cycle: str | None
    memory_limit: object
    threads: int | None
    scheduler: object
    patterns: bool
    raise_on_error: bool
    shown: str | None
    today: object = None


def _count_in_memory(path, options: _Options) -> CycleCounts:
    """The pandas backend: ``validate_cycle``, then the in-memory tally."""
    from evalstats.counts.tally import pattern_counts, tally
    from evalstats.inputs.validate import validate_cycle

    if options.memory_limit is not None or options.threads is not None:
        raise ValueError("memory_limit and threads are options of the duckdb backend")
    v = validate_cycle(
        path,
        scheme=options.scheme,
        cycle=options.cycle,
        raise_on_error=options.raise_on_error,
        shown=options.shown,
        today=options.today,
    )
    pat = pattern_counts(v.forms, v.scheme) if options.patterns else None
    return CycleCounts(v.cycle, "pandas", tally(v.forms, v.scheme), pat, v)


def _count_scanned(scanned: ScannedCycle, backend: str, options: _Options):
    """``(counts, patterns)`` of a scanned cycle: streamed (duckdb) or on a Dask cluster."""
    if backend == "duckdb":
        return arrow_counts(scanned, options.patterns)
    with dask_client(options.scheduler) as client:
        codes = dask_load(scanned, client)
        try:
            return dask_count(scanned, codes, patterns=options.patterns)
        finally:
            codes.release()


def tally_files(path, **options) -> pd.DataFrame:
    """The tally of a cycle counted by a backend (:func:`count_cycle` options).

    Equals ``evalstats.counts.tally(validate_cycle(path).forms)``.

    Examples
    --------
    >>> tally_files("data/raw/2026L", backend="duckdb", memory_limit="1GB")  # doctest: +SKIP
    """
    return count_cycle(path, patterns=False, **options).counts


def pattern_counts_files(path, **options) -> pd.DataFrame:
    """The pattern counts of a cycle counted by a backend (:func:`count_cycle` options).

    Equals ``evalstats.pattern_counts(validate_cycle(path).forms)``.

    Examples
    --------
    >>> pattern_counts_files("data/raw/2026L", backend="duckdb")  # doctest: +SKIP
    """
    return count_cycle(path, patterns=True, **options).patterns


__all__ = ["CycleCounts", "count_cycle", "pattern_counts_files", "tally_files"]
