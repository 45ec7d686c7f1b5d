"""Backends for large cycles: the tally in memory, out of core with DuckDB, or on a Dask cluster.

The tally is the sufficient statistic and tallies of parts add up, so a cycle too large for
memory can be counted where it lies.  Three backends give the *same* tables as
``evalstats.counts.tally(validate_cycle(path).forms)`` and ``evalstats.pattern_counts(...)`` (same
columns, dtypes, row order and zero cells):

``pandas``
    :func:`evalstats.inputs.validate.validate_cycle` reads the whole cycle into memory, then the
    chunked-bincount :func:`evalstats.counts.tally`.  The default for ordinary cycles.
``duckdb``
    Embedded DuckDB validates ``responses.parquet`` (or a CSV, first streamed once into a
    temporary Parquet file with row numbers) out of core, multi-threaded, within
    ``memory_limit`` (it spills to a temporary folder beyond it): :func:`scan_cycle`.  The
    counts are then streamed from the Parquet file in batches of :data:`ARROW_BATCH_ROWS`
    rows: each batch's label columns are read as dictionary codes (pyarrow), each small
    dictionary is mapped once to the scheme's codes, and ``np.bincount`` counts the tally and
    the whole answer patterns.  Memory is O(batch) plus the pattern array (at most
    :data:`PATTERN_DENSE_MAX` slots).  Plain DuckDB GROUP BYs over the labels measured
    5-9x ``np.bincount`` on the codes, the streamed codes about 2-3x
    (``benchmarks/bench_backends.py``).
``dask``
    ``dask.distributed``: :func:`dask_load` has each worker read its row groups of the
    Parquet file and keep them as small integer codes (3 bytes a form plus 1 per answer);
    :func:`dask_count` counts them where they lie (one ``np.bincount`` per partition) and
    only counts travel.  The validation scan runs as for ``duckdb`` on the machine that runs
    evalstats.  The data must be at a path every worker can read.

``"auto"`` picks ``dask`` when a scheduler is given, else ``duckdb`` for a responses file of
at least :data:`AUTO_ROWS` rows (Parquet) or :data:`AUTO_BYTES` bytes (other formats), else
``pandas``.

What the out-of-core scan checks
--------------------------------
:func:`scan_cycle` applies the rules of :func:`~evalstats.inputs.validate.validate_cycle` that
decide
which forms are counted, and reports each problem with the row the user sees (Parquet: the
header is row 1, the first form row 2; CSV: the record number, title and blank lines counted):

* the responses columns (missing, duplicated or unknown headers);
* blank form id; a form id in scientific notation (precision lost in Excel);
* blank or unknown unit (units file: codes or names), blank or unknown respondent group,
  unknown level (blank answers are allowed) — labels matched exactly as ``validate_cycle``
  matches them (NFKC, white space removed, case folded, aliases and paper digits);
* the same form id twice: same unit, group and answers → a warning and counted once; anything
  different → an error naming both rows, and no copy counted;
* voided forms (``exclusions``): not counted, listed in ``voided``; an excluded id not in the
  responses is an error;
* the units, forms-issued, incidents and exclusions files (small: read in memory with the
  same code as ``validate_cycle``; incidents after the reference date ``today`` or outside the
  cycle's period are errors), returned above issued, units without forms;
* the values (:mod:`evalstats.inputs.validate.values`, the same code): no scored answer in the
  cycle (an error) or for a unit (a warning), submission times after ``today`` and control
  characters in the comments and collectors (warnings).

It does *not* check that the comment kind, submitted-at and collector cells are well formed (a
CSV is staged with them and the keys and answers only, never with a respondent-identifier
column; with identifier columns and no pseudonym key the scan gives validate_cycle's
``identifiers_dropped`` warning), does not drop rows
that are blank in every column *except* those it reads, and needs a units file.

How it scans: the unit, group and answer labels are mapped to codes once, on their distinct
values; the queries then test the raw labels against the few that map to no code (written
into the SQL, which DuckDB checks against the file's dictionaries).  Form ids typed more than
once are found by their 64-bit hashes, streamed into one array and sorted (8 bytes a form:
the only memory that grows with the number of forms); one scan then keeps the candidate rows
(labels with a problem, ids not plain ASCII, repeated hashes, voided ids) and the exact rules
run on those only.  Measured with ``benchmarks/bench_backends.py --sizes 1e7,1e8 --annual
--repeats 1`` at load 0.1-1.4 (2026-12-07): the scan took 1.71 s at 1e7 forms (7.3x the
np.bincount timed in the same process, peak +177 MiB) and 17.2 s at 1e8 (peak +1,009 MiB;
before the rebuild: 136 s, 4,031 MiB in issue 16).

A responses file in the wide layout (one row per respondent, one column per unit × content,
:mod:`evalstats.inputs.read.wide`) is read with that module's header parsing and unpivoted in
SQL (:mod:`~evalstats.counts.backends.widestage`); problems name the wide file's row and
column header, and the counted forms' respondents are carried
(``CycleCounts.respondents``) so that the ranking and the pooled intervals use the
respondent design as the in-memory path does.  So are a long file's respondents: its
respondent column (答卷人编号), or with a pseudonym key the keyed pseudonyms of its identifier
columns, computed while the file is staged
(:func:`~evalstats.counts.backends.source.respondent_plan`; a Parquet file is then staged
too, and no identifier is written).  The row checks then read
every counted form back (a burst counts a respondent's sheet once; the respondent checks need
all of a respondent's forms).

Modules
-------
:mod:`~evalstats.counts.backends.choose`
    which backend counts a cycle (``"auto"``), and the optional packages
:mod:`~evalstats.counts.backends.source`
    the responses staged as a Parquet file DuckDB reads, columns named by code
:mod:`~evalstats.counts.backends.widestage`
    a wide responses file staged long
:mod:`~evalstats.counts.backends.labels`
    raw labels to the scheme's codes, as ``validate_cycle`` matches them
:mod:`~evalstats.counts.backends.duckdb`
    the DuckDB connection and the SQL over the staged responses
:mod:`~evalstats.counts.backends.judge`
    ``validate_cycle``'s per-row rules on the few rows of interest
:mod:`~evalstats.counts.backends.values`
    ``validate_cycle``'s value checks of the submission times and the free text
:mod:`~evalstats.counts.backends.scan`
    the out-of-core validation scan (:func:`scan_cycle`)
:mod:`~evalstats.counts.backends.rowstore`
    the counted forms kept in DuckDB for the row checks (:class:`RowStore`)
:mod:`~evalstats.counts.backends.codes`
    the streamed count: labels as small integer codes, ``np.bincount``
:mod:`~evalstats.counts.backends.dask`
    the same count on a Dask cluster
:mod:`~evalstats.counts.backends.count`
    the entry points (:func:`count_cycle`, :func:`tally_files`, :func:`pattern_counts_files`)

Examples
--------
>>> from evalstats.counts.backends import count_cycle
>>> c = count_cycle("data/raw/2026L", backend="duckdb", memory_limit="2GB")  # doctest: +SKIP
>>> c.counts.equals(tally(validate_cycle("data/raw/2026L").forms))  # doctest: +SKIP
True
"""

from evalstats.counts.backends.choose import AUTO_BYTES, AUTO_ROWS, BACKENDS, choose_backend
from evalstats.counts.backends.codes import ARROW_BATCH_ROWS
from evalstats.counts.backends.count import (
    CycleCounts,
    count_cycle,
    pattern_counts_files,
    tally_files,
)
from evalstats.counts.backends.dask import DaskCodes, dask_client, dask_count, dask_load
from evalstats.counts.backends.duckdb import check_memory_limit
from evalstats.counts.backends.rowstore import RowStore
from evalstats.counts.backends.scan import ScannedCycle, scan_cycle
from evalstats.counts.tally import BLANK

__all__ = [
    "ARROW_BATCH_ROWS",
    "AUTO_BYTES",
    "AUTO_ROWS",
    "BACKENDS",
    "BLANK",
    "CycleCounts",
    "DaskCodes",
    "RowStore",
    "ScannedCycle",
    "check_memory_limit",
    "choose_backend",
    "count_cycle",
    "dask_client",
    "dask_count",
    "dask_load",
    "pattern_counts_files",
    "scan_cycle",
    "tally_files",
]
