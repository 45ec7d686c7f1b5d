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
  same code as ``validate_cycle``), returned above issued, units without forms.

It does *not* check the comment, submitted-at or collector columns (a CSV is staged with them
and the keys and answers only, never with a respondent-identifier column; with identifier
columns and no pseudonym key the scan gives validate_cycle's ``identifiers_dropped``
warning), does not drop rows
that are blank in every column *except* those it reads, and needs a units file.  Rows are
streamed: memory does not grow with the number of forms, except for the GROUP BY over form ids
that finds ids typed twice, which DuckDB spills to disk beyond ``memory_limit``.

Examples
--------
>>> from evalstats.counts.backends import count_cycle
>>> c = count_cycle("data/raw/2026L", backend="duckdb", memory_limit="2GB")  # doctest: +SKIP
>>> c.counts.equals(tally(validate_cycle("data/raw/2026L").forms))  # doctest: +SKIP
True
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import importlib
import io as _io
import itertools
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.config import resolve_path
from evalstats.core.errors import InputError
from evalstats.core.files import sha256_file
from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, normalize_label, resolve_scheme
from evalstats.counts.tally import BLANK, FormCodes, key_dtype, pattern_frame, tally_frame
from evalstats.inputs.read import (
    HEADER_SEARCH_ROWS,
    combine_headers,
    cycle_files,
    find_header,
    read_table,
)
from evalstats.inputs.validate import HasProblems

BACKENDS = ("auto", "pandas", "duckdb", "dask")
AUTO_ROWS = 1_000_000
"""``backend="auto"``: a Parquet responses file with at least this many rows goes to DuckDB."""
AUTO_BYTES = 100 * 2**20
"""``backend="auto"``: a CSV or spreadsheet responses file of at least this size goes to DuckDB."""
SCALE_HINT = 'pip install "evalstats[scale]"'
SCHEDULER_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler before giving up."""
CSV_BATCH_BYTES = 1 << 24
_SCI_ID = r"[+-]?[0-9]+(\.[0-9]*)?[eE][+-]?[0-9]+"
_KEYS = ("form_id", "unit", "group")
_EXTRA = ("comment", "collector", "submitted_at")
"""Responses columns read besides the keys and the answers (by the row checks, never counted)."""


# ---------------------------------------------------------------------- optional packages
def _require(module: str, backend: str):
    """Import ``module`` or raise ImportError naming the backend and the install command."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"the {backend} backend needs the Python package {module!r}, which is not "
            f"installed; install it with: {SCALE_HINT}"
        ) from exc


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class ScannedCycle(HasProblems):
    """A large cycle validated out of core (:func:`scan_cycle`): everything but the forms.

    Attributes
    ----------
    cycle : str
    scheme : Scheme
    responses : Path
        The responses file scanned.
    units, forms_issued, incidents, exclusions, inputs : DataFrame
        As in :class:`~evalstats.inputs.validate.ValidatedCycle` (``forms_issued`` None without a
        file).
    problems : DataFrame
        Columns ``severity, file, row, column, value, reason, code``; errors first.
    duplicates : DataFrame
        Copies of forms typed twice, counted once: ``form_id, source_file, source_row,
        first_row``.
    voided : DataFrame
        Voided forms: ``form_id, unit, group, source_file, source_row, reason``.
    rows_read : int
        Rows of the responses file.
    """

    cycle: str
    scheme: Scheme
    responses: Path
    units: pd.DataFrame
    forms_issued: pd.DataFrame | None
    incidents: pd.DataFrame
    exclusions: pd.DataFrame
    inputs: pd.DataFrame
    problems: pd.DataFrame
    duplicates: pd.DataFrame
    voided: pd.DataFrame
    rows_read: int
    _source: object = None
    _maps: object = None
    _uncounted: object = None

    def to_frame(self) -> pd.DataFrame:
        """The problems table."""
        return self.problems


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
    """

    cycle: str
    backend: str
    counts: pd.DataFrame
    patterns: pd.DataFrame | None
    validated: object
    rows: RowStore | None = field(default=None, repr=False, compare=False)

    def close(self) -> None:
        """Release :attr:`rows` (its DuckDB table and staged files), if any."""
        if self.rows is not None:
            self.rows.close()

    def to_frame(self) -> pd.DataFrame:
        """The tally."""
        return self.counts


# ---------------------------------------------------------------------- choosing
def _responses_file(path) -> tuple[Path, Path, str]:
    """(responses file, cycle folder, cycle folder name) of a cycle folder or responses file."""
    p = resolve_path(path)
    if p.is_dir():
        files, amb = cycle_files(p)
        if len(amb):
            raise InputError(amb)
        if "responses" not in files:
            raise FileNotFoundError(f"no responses file in {path}")
        return files["responses"], p, p.resolve().name
    if p.is_file():
        return p, p.parent, p.parent.resolve().name
    raise FileNotFoundError(f"no such file or folder: {path}")


def choose_backend(path, *, scheduler=None) -> str:
    """The backend ``"auto"`` picks for a cycle (see the module notes).

    Examples
    --------
    >>> choose_backend("data/raw/2026H1")  # doctest: +SKIP
    'pandas'
    """
    if scheduler is not None:
        return "dask"
    resp, _, _ = _responses_file(path)
    if resp.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return "duckdb" if pq.ParquetFile(resp).metadata.num_rows >= AUTO_ROWS else "pandas"
    return "duckdb" if resp.stat().st_size >= AUTO_BYTES else "pandas"


def _check_backend(backend, path, scheduler) -> str:
    backend = check_option("backend", backend, BACKENDS)
    if backend == "auto":
        backend = choose_backend(path, scheduler=scheduler)
    if scheduler is not None and backend != "dask":
        raise ValueError(f"scheduler is only used by the dask backend; got backend={backend!r}")
    return backend


# ---------------------------------------------------------------------- the responses source
@dataclass(frozen=True)
class _Source:
    """The responses as a Parquet file DuckDB can read, with its columns named by code."""

    parquet: str
    row_sql: str
    columns: dict  # code -> physical column name
    written: dict  # code -> header as written
    file: str
    sha256: str
    size: int
    encoding: str | None
    header_row: int


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _sql_str(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _map_headers(names, scheme: Scheme, file: str, header_row: int, problems: list):
    """Header names → {code: column}, problems for unknown, duplicated and missing columns."""
    from evalstats.inputs.read import column_letter, problem

    lookup = scheme.header_lookup("responses")
    found: dict[str, str] = {}
    written: dict[str, str] = {}
    for j, name in enumerate(names):
        code = lookup.get(normalize_label(name)) if str(name).strip() else None
        if code is None:
            if str(name).strip():
                problems.append(
                    problem(
                        "warning",
                        file,
                        header_row,
                        name,
                        None,
                        f"unknown column is ignored (column {column_letter(j)})",
                        "unknown_column",
                    )
                )
        elif code in found:
            problems.append(
                problem(
                    "error",
                    file,
                    header_row,
                    name,
                    None,
                    f"duplicated column: column {column_letter(j)} means the same as column "
                    f"{column_letter(names.index(found[code]))} ({written[code]})",
                    "duplicate_column",
                )
            )
        else:
            found[code] = name
            written[code] = str(name).strip()
    for code in (*_KEYS, *scheme.dimension_codes):
        if code not in found:
            shown = (
                scheme.label("dimensions", code)
                if code in scheme.dimension_codes
                else scheme.headers["responses"][code][0]
            )
            problems.append(
                problem(
                    "error",
                    file,
                    header_row,
                    shown,
                    None,
                    f"required column is missing ({code})",
                    "missing_column",
                )
            )
    return found, written


def _csv_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _stage_csv(path: Path, shown: str, scheme: Scheme, tmp: str, problems: list):
    """Stream a CSV once into a Parquet file with a ``__row`` column (row the user sees)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    encoding = _csv_encoding(head)
    text = head.decode(encoding, errors="ignore")
    records = list(itertools.islice(csv.reader(_io.StringIO(text)), HEADER_SEARCH_ROWS))
    hdr = find_header(records, scheme.header_lookup("responses"))
    if hdr is None:
        raise InputError(
            pd.DataFrame(
                [["error", shown, None, None, None, "no header row found", "no_header"]],
                columns=["severity", "file", "row", "column", "value", "reason", "code"],
                dtype=object,
            )
        )
    first, last = hdr
    width = max(len(r) for r in records[first : last + 1])
    headers = combine_headers(records, first, last, width)
    names = [f"c{j}" for j in range(len(headers))]
    found, written = _map_headers(headers, scheme, shown, last + 1, problems)
    cols = {code: names[headers.index(h)] for code, h in found.items()}
    # only the columns the scan and the checks read: never the respondent identifiers
    staged = [cols[c] for c in (*_KEYS, *scheme.dimension_codes, *_EXTRA) if c in cols]
    staged = sorted(staged, key=names.index)
    read = pacsv.ReadOptions(
        encoding="utf8" if encoding == "utf-8" else encoding,
        skip_rows=last + 1,
        column_names=names,
        block_size=CSV_BATCH_BYTES,
        use_threads=True,
    )
    parse = pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in staged},
        strings_can_be_null=False,
        include_columns=staged,
    )
    out = os.path.join(tmp, "responses.parquet")
    first_row = last + 2
    n = 0
    writer = None
    try:
        reader = pacsv.open_csv(
            str(path), read_options=read, parse_options=parse, convert_options=convert
        )
        for batch in reader:
            rows = pa.array(np.arange(first_row + n, first_row + n + batch.num_rows))
            n += batch.num_rows
            table = pa.Table.from_batches([batch]).append_column("__row", rows)
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        reason = (
            f"cannot read this CSV out of core ({exc}); check the file with the pandas "
            "backend (evalstats validate), which names the row"
        )
        raise InputError(
            pd.DataFrame(
                [["error", shown, None, None, None, reason, "unreadable"]],
                columns=["severity", "file", "row", "column", "value", "reason", "code"],
                dtype=object,
            )
        ) from None
    finally:
        if writer is not None:
            writer.close()
    cols = {code: name for code, name in cols.items() if name in staged}
    return out, '"__row"', cols, written, encoding, last + 1


def _source(resp: Path, shown: str, scheme: Scheme, tmp: str, problems: list) -> _Source:
    sha, size = sha256_file(resp, chunk=1 << 22), resp.stat().st_size
    if resp.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        names = list(pq.ParquetFile(resp).schema_arrow.names)
        found, written = _map_headers(names, scheme, shown, 1, problems)
        return _Source(
            str(resp), "(file_row_number + 2)", found, written, shown, sha, size, None, 1
        )
    if resp.suffix.lower() in (".csv", ".txt"):
        out, row_sql, cols, written, enc, hrow = _stage_csv(resp, shown, scheme, tmp, problems)
        return _Source(out, row_sql, cols, written, shown, sha, size, enc, hrow)
    raise ValueError(
        f"the out-of-core backends read Parquet or CSV responses; got {resp.name} "
        "(use backend='pandas', or save the responses as CSV)"
    )


# ---------------------------------------------------------------------- label maps
def _label_codes(values, lookup: dict, categories) -> np.ndarray:
    """Code of each raw label: position in ``categories``, -1 blank, -2 unknown."""
    pos = {c: i for i, c in enumerate(categories)}
    out = np.empty(len(values), np.int32)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[i] = -1
            continue
        key = normalize_label(v)
        out[i] = -1 if key == "" else pos.get(lookup.get(key), -2)
    return out


def _nfkc_trim(arr):
    """NFKC + trim, '' → null: how io normalises a cell (arrow UDF for DuckDB)."""
    out = pc.utf8_trim_whitespace(pc.utf8_normalize(arr, "NFKC"))
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


# ---------------------------------------------------------------------- DuckDB
def _connect(memory_limit, threads, tmp):
    duckdb = _require("duckdb", "duckdb")
    con = duckdb.connect()
    if memory_limit is not None:
        con.execute(f"SET memory_limit = {_sql_str(memory_limit)}")
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive whole number; got {threads!r}")
        con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET temp_directory = {_sql_str(os.path.join(tmp, 'spill'))}")
    con.execute("SET preserve_insertion_order = false")
    from duckdb.sqltypes import VARCHAR

    con.create_function("evalstats_nfkc", _nfkc_trim, [VARCHAR], VARCHAR, type="arrow")
    return con


def check_memory_limit(memory_limit):
    """``memory_limit`` checked: None, a positive number of bytes, or a size such as ``"2GB"``;
    TypeError / ValueError naming the parameter.  Used by the analyses' parameter checks."""
    if memory_limit is None:
        return None
    if isinstance(memory_limit, bool):
        raise TypeError(f"memory_limit must be a size such as '2GB'; got {memory_limit!r}")
    if isinstance(memory_limit, int | np.integer):
        if memory_limit <= 0:
            raise ValueError(f"memory_limit must be positive; got {memory_limit!r}")
        return f"{int(memory_limit)}B"
    if not isinstance(memory_limit, str) or not re.fullmatch(
        r"\s*[0-9]+(\.[0-9]+)?\s*([KMGT]i?B|B)?\s*", memory_limit, flags=re.I
    ):
        raise ValueError(
            f"memory_limit must be a size such as '2GB' or '512MiB', or bytes; got {memory_limit!r}"
        )
    return memory_limit.strip()


class _Sql:
    """SQL fragments over one source."""

    def __init__(self, src: _Source, scheme: Scheme):
        self.src = src
        self.from_ = (
            f"read_parquet({_sql_str(src.parquet)}, file_row_number = true)"
            if src.row_sql.startswith("(file_row_number")
            else f"read_parquet({_sql_str(src.parquet)})"
        )
        self.agg_from = f"read_parquet({_sql_str(src.parquet)})"  # no row numbers: lighter
        self.dims = list(scheme.dimension_codes)

    def col(self, code: str) -> str:
        return f"CAST({_quote(self.src.columns[code])} AS VARCHAR)"

    def fid(self) -> str:
        x = self.col("form_id")
        return (
            f"(CASE WHEN {x} IS NULL THEN NULL WHEN regexp_full_match({x}, '[!-~]+') "
            f"THEN {x} ELSE evalstats_nfkc({x}) END)"
        )

    def rows_select(self) -> str:
        cols = ", ".join(f"{self.col(c)} AS {_quote(c)}" for c in ("unit", "group", *self.dims))
        return f"{self.src.row_sql} AS row, {self.fid()} AS form_id, {cols}"


def _register_maps(con, raw: dict, maps: dict):
    """Mapping tables ``map_<kind>(raw VARCHAR, code INTEGER)`` (NULL raw → -1, blank)."""
    for kind, values in raw.items():
        codes = maps[kind](values)
        frame = pd.DataFrame(
            {
                "raw": pd.Series([*values, None], dtype=object),
                "code": np.append(codes, -1).astype(np.int32),
            }
        )
        con.register(f"_map_{kind}_df", frame)
        con.execute(f"CREATE OR REPLACE TEMP TABLE map_{kind} AS SELECT * FROM _map_{kind}_df")
        con.unregister(f"_map_{kind}_df")


def _distinct_labels(con, sql: _Sql) -> dict:
    dims = sql.dims
    lv = " || ".join(f"list(DISTINCT {sql.col(d)})" for d in dims)
    q = (
        f"SELECT list(DISTINCT {sql.col('unit')}), list(DISTINCT {sql.col('group')}), "
        f"list_distinct({lv}), count(*) FROM {sql.agg_from}"
    )
    u, g, lv_values, n = con.execute(q).fetchall()[0]
    return {"unit": list(u), "group": list(g), "level": list(lv_values)}, int(n)


def _fetch_rows(con, sql: _Sql, where: str) -> pd.DataFrame:
    q = f"SELECT * FROM (SELECT {sql.rows_select()} FROM {sql.from_}) WHERE {where}"
    return con.execute(q).fetch_df()


# ---------------------------------------------------------------------- scan
def scan_cycle(
    path,
    *,
    scheme=None,
    cycle: str | None = None,
    memory_limit=None,
    threads: int | None = None,
    raise_on_error: bool = True,
) -> ScannedCycle:
    """Validate a large cycle out of core with DuckDB, reporting every problem with its row.

    Parameters
    ----------
    path : str or Path
        A cycle folder holding ``responses.parquet`` (or ``responses.csv``), ``units`` and
        optionally ``forms_issued``, ``incidents`` and ``exclusions``; or the responses file.
    scheme : Scheme, str or Path, optional
    cycle : str, optional
        Default: the folder's name.
    memory_limit : str or int, optional
        DuckDB's memory limit (``"2GB"``, ``"512MiB"`` or bytes); beyond it DuckDB spills to a
        temporary folder.  Default: DuckDB's (80 % of RAM).
    threads : int, optional
        DuckDB threads (default: all cores).
    raise_on_error : bool, default True
        Raise :class:`~evalstats.core.errors.InputError` when a problem is an error.

    Returns
    -------
    ScannedCycle

    Notes
    -----
    The checks are listed in the module notes.  Problem rows are found by SQL filters on the
    raw labels that map to no code; only those rows, the rows whose form id occurs more than
    once and the voided rows are brought into memory.

    Examples
    --------
    >>> s = scan_cycle("data/raw/2026L", memory_limit="1GB")  # doctest: +SKIP
    >>> s.ok, s.rows_read  # doctest: +SKIP
    (True, 10000000)
    """
    with tempfile.TemporaryDirectory(prefix="evalstats-scan-") as tmp:
        return _scan(path, scheme, cycle, memory_limit, threads, raise_on_error, tmp)


def _scan(path, scheme, cycle, memory_limit, threads, raise_on_error, tmp):
    from evalstats.inputs import pseudonym as _pseudonym
    from evalstats.inputs import validate as V
    from evalstats.inputs.read import problem

    scheme = resolve_scheme(scheme)
    if not isinstance(raise_on_error, bool):
        raise TypeError(f"raise_on_error must be True or False; got {raise_on_error!r}")
    memory_limit = check_memory_limit(memory_limit)
    resp, folder, name = _responses_file(path)
    cycle = name if cycle is None else cycle
    if not isinstance(cycle, str) or not cycle.strip():
        raise ValueError(f"cycle must be a non-empty string; got {cycle!r}")
    shown_folder = str(path) if resolve_path(path).is_dir() else os.path.dirname(str(path))
    files, _ = cycle_files(folder, display=shown_folder)

    def display(fp: Path) -> str:
        return os.path.join(shown_folder, fp.name) if shown_folder else fp.name

    shown = display(resp)
    col = V.ProblemCollector()
    rows: list = []
    src = _source(resp, shown, scheme, tmp, rows)
    idents = [h for c, h in src.written.items() if c in scheme.identifier_columns]
    if idents and _pseudonym.load_key(None, data_folders=[folder]) is None:
        # as validate_cycle: without a key the identifiers are dropped (never read here)
        rows.append(_pseudonym.dropped_problem(shown, src.header_row, idents))
    if "units" not in files:
        rows.append(
            problem(
                "error",
                shown_folder,
                None,
                None,
                None,
                "no units file (expected units.xlsx, .xls, .ods or .csv); the out-of-core "
                "scan needs it",
                "missing_file",
            )
        )
    for r in rows:
        col.add(**r)
    raws = {
        t: read_table(fp, table=t, scheme=scheme, display=display(fp))
        for t, fp in files.items()
        if t != "responses"
    }
    if "units" in raws:
        units, unit_lookup, unit_rows = V.validate_units(raws["units"], scheme, col)
    else:
        units = pd.DataFrame({c: pd.Series([], dtype=object) for c in ("unit", "name", "series")})
        unit_lookup, unit_rows = {}, np.zeros(0, np.int64)
    unit_cats = list(units["unit"])
    units_file = raws["units"].file if "units" in raws else None
    inputs = _inputs(src, raws)
    needed = (*_KEYS, *scheme.dimension_codes)
    if any(c not in src.columns for c in needed) or "units" not in raws:
        problems = col.frame()
        raise InputError(problems)

    group_lookup, level_lookup = scheme.lookup("groups"), scheme.level_lookup()
    maps = {
        "unit": lambda v: _label_codes(v, unit_lookup, unit_cats),
        "group": lambda v: _label_codes(v, group_lookup, scheme.group_codes),
        "level": lambda v: _label_codes(v, level_lookup, scheme.level_codes),
    }
    con = _connect(memory_limit, threads, tmp)
    try:
        sql = _Sql(src, scheme)
        raw_labels, n_rows = _distinct_labels(con, sql)
        _register_maps(con, raw_labels, maps)
        dims = sql.dims
        q = _quote
        blank_all = " AND ".join(
            f"({q(c)} IS NULL OR trim({q(c)}) = '')" for c in ("form_id", "unit", "group", *dims)
        )
        bad = " OR ".join(
            [
                "form_id IS NULL",
                f"regexp_full_match(form_id, '{_SCI_ID}')",
                "unit IS NULL",
                "unit IN (SELECT raw FROM map_unit WHERE code < 0)",
                '"group" IS NULL',
                '"group" IN (SELECT raw FROM map_group WHERE code < 0)',
                *(f"{q(d)} IN (SELECT raw FROM map_level WHERE code = -2)" for d in dims),
            ]
        )
        bad_rows = _fetch_rows(con, sql, f"({bad}) AND NOT ({blank_all})")
        ok_id = f"form_id IS NOT NULL AND NOT regexp_full_match(form_id, '{_SCI_ID}')"
        dup_rows = con.execute(
            f"WITH r AS (SELECT {sql.rows_select()} FROM {sql.from_}), "
            f"ids AS (SELECT form_id FROM r WHERE {ok_id} GROUP BY form_id HAVING count(*) > 1) "
            "SELECT * FROM r WHERE form_id IN (SELECT form_id FROM ids)"
        ).fetch_df()
        excl_raw = raws.get("exclusions")
        excl_ids = _exclusion_ids(excl_raw, scheme)
        con.register("_excl_df", pd.DataFrame({"form_id": pd.Series(excl_ids, dtype=object)}))
        void_rows = _fetch_rows(con, sql, "form_id IN (SELECT form_id FROM _excl_df)")
        con.unregister("_excl_df")
        forms_ug = _forms_by_unit_group(con, sql, len(unit_cats), len(scheme.group_codes))
    finally:
        con.close()

    interest = (
        pd.concat([bad_rows, dup_rows, void_rows], ignore_index=True)
        .drop_duplicates("row")
        .sort_values("row", kind="stable")
        .reset_index(drop=True)
    )
    r = _judge_rows(interest, src, scheme, maps, units_file, col)
    exclusions = V.validate_exclusions(excl_raw, scheme, set(interest["form_id"].dropna()), col)
    excl_reason = dict(zip(exclusions["form_id"], exclusions["reason"], strict=True))
    fid = interest["form_id"].astype(object)
    is_void = r["keep"] & fid.isin(excl_reason.keys()).to_numpy()
    uncounted = ~r["keep"] | is_void
    vpos = np.flatnonzero(is_void)
    voided = pd.DataFrame(
        {
            "form_id": pd.Series(fid.to_numpy()[vpos], dtype=object),
            "unit": pd.Series(_names(r["unit"][vpos], unit_cats), dtype=object),
            "group": pd.Series(_names(r["group"][vpos], scheme.group_codes), dtype=object),
            "source_file": pd.Series([shown] * len(vpos), dtype=object),
            "source_row": pd.Series(interest["row"].to_numpy()[vpos], dtype="int64"),
            "reason": pd.Series([excl_reason[i] for i in fid.to_numpy()[vpos]], dtype=object),
        }
    )
    dpos = np.flatnonzero(r["dup_later"])
    duplicates = pd.DataFrame(
        {
            "form_id": pd.Series(fid.to_numpy()[dpos], dtype=object),
            "source_file": pd.Series([shown] * len(dpos), dtype=object),
            "source_row": pd.Series(interest["row"].to_numpy()[dpos], dtype="int64"),
            "first_row": pd.Series(r["dup_first_row"][dpos], dtype="int64"),
        }
    )
    upos = np.flatnonzero(uncounted)
    uncounted_codes = {
        "row": interest["row"].to_numpy(np.int64)[upos],
        "unit": r["unit"][upos],
        "group": r["group"][upos],
        "levels": [r["levels"][d][upos] for d in dims],
        "void": is_void[upos],
    }
    issued, issued_info = V.validate_issued(
        raws.get("forms_issued"), scheme, unit_lookup, unit_cats, col
    )
    if issued is not None:
        have = _returned(forms_ug, uncounted_codes, unit_cats, scheme.group_codes)
        V.returned_problems(raws["forms_issued"], issued, issued_info, have, col)
    incidents = V.validate_incidents(raws.get("incidents"), scheme, unit_lookup, unit_cats, col)
    attempted = {unit_cats[c] for c in maps["unit"](raw_labels["unit"]) if c >= 0}
    if units_file is not None and len(units):
        ucol = raws["units"].column_for("unit")
        for code, row in zip(units["unit"], unit_rows, strict=True):
            if code not in attempted:
                col.add(
                    "warning",
                    units_file,
                    int(row),
                    raws["units"].written[ucol],
                    code,
                    "unit has no forms in the responses",
                    "unit_without_forms",
                )
    scanned = ScannedCycle(
        cycle=cycle,
        scheme=scheme,
        responses=resp,
        units=units.reset_index(drop=True),
        forms_issued=issued,
        incidents=incidents,
        exclusions=exclusions,
        inputs=inputs,
        problems=col.frame(),
        duplicates=duplicates,
        voided=voided,
        rows_read=n_rows,
        _source=src,
        _maps=(raw_labels, maps, unit_cats, unit_lookup),
        _uncounted=uncounted_codes,
    )
    if raise_on_error and not scanned.ok:
        raise InputError(scanned.problems)
    return scanned


def _forms_by_unit_group(con, sql: _Sql, nu: int, ng: int) -> np.ndarray:
    """Rows per unit × group (codes; rows with an unusable unit or group left out)."""
    q = (
        f"SELECT mu.code AS u, mg.code AS g, sum(a.n)::BIGINT AS n FROM (SELECT "
        f"{sql.col('unit')} AS u, {sql.col('group')} AS g, count(*) AS n FROM {sql.agg_from} "
        "GROUP BY ALL) a LEFT JOIN map_unit mu ON a.u IS NOT DISTINCT FROM mu.raw "
        "LEFT JOIN map_group mg ON a.g IS NOT DISTINCT FROM mg.raw "
        "WHERE mu.code >= 0 AND mg.code >= 0 GROUP BY ALL"
    )
    f = con.execute(q).fetch_df()
    out = np.zeros((nu, ng), np.int64)
    np.add.at(out, (f["u"].to_numpy(np.int64), f["g"].to_numpy(np.int64)), f["n"].to_numpy())
    return out


def _returned(forms_ug: np.ndarray, unc: dict, units, groups) -> dict:
    """(unit, group) → forms returned (counted + voided), as validate_cycle counts them."""
    ng = forms_ug.shape[1]
    ok = (unc["unit"] >= 0) & (unc["group"] >= 0) & ~unc["void"]
    net = forms_ug.copy()
    np.subtract.at(net, (unc["unit"][ok], unc["group"][ok]), 1)
    return {
        (units[i // ng], groups[i % ng]): int(v) for i, v in enumerate(net.reshape(-1)) if v > 0
    }


def _names(codes, categories) -> np.ndarray:
    cats = np.asarray(list(categories), dtype=object)
    out = np.full(len(codes), None, dtype=object)
    ok = codes >= 0
    out[ok] = cats[codes[ok]]
    return out


def _inputs(src: _Source, raws: dict) -> pd.DataFrame:
    from evalstats.inputs.validate import INPUTS_INT_COLUMNS, OPTIONAL_INPUTS, inputs_row

    rows = [
        {
            "table": "responses",
            "file": src.file,
            "sha256": src.sha256,
            "size": src.size,
            "encoding": src.encoding,
            "sheet": None,
            "header_row": src.header_row,
            "rows": None,
        }
    ]
    rows += [inputs_row(raws[t]) for t in ("units", *OPTIONAL_INPUTS) if t in raws]
    cols = ("table", "file", "sha256", "size", "encoding", "sheet", "header_row", "rows")
    return pd.DataFrame(
        {
            c: pd.Series([r[c] for r in rows], dtype="Int64" if c in INPUTS_INT_COLUMNS else object)
            for c in cols
        }
    )


def _exclusion_ids(raw, scheme) -> list:
    if raw is None or raw.header_row is None or len(raw.frame) == 0:
        return []
    label = raw.column_for("form_id")
    if label is None:
        return []
    return [v for v in raw.frame[label].dropna().unique()]


def _judge_rows(rows: pd.DataFrame, src: _Source, scheme: Scheme, maps, units_file, col):
    """validate_cycle's per-row rules on the few rows of interest; problems into ``col``."""
    from evalstats.inputs.validate import SCI_ID as SCI

    n = len(rows)
    dims = list(scheme.dimension_codes)
    row_no = rows["row"].to_numpy(np.int64)
    shown = {}
    for c in rows.columns.drop("row"):
        values = [None if pd.isna(v) else str(v) for v in rows[c].to_numpy(object)]
        shown[c] = np.asarray(_nfkc_trim(pa.array(values, pa.string())).to_pylist(), dtype=object)

    def cells(code, mask, severity, reason, kind):
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        col.extend(
            pd.DataFrame(
                {
                    "severity": severity,
                    "file": src.file,
                    "row": row_no[idx],
                    "column": src.written[code],
                    "value": shown[code][idx],
                    "reason": reason[idx] if isinstance(reason, np.ndarray) else reason,
                    "code": kind,
                }
            )
        )

    err = np.zeros(n, bool)
    fid = rows["form_id"].to_numpy(object)
    blank_id = pd.isna(fid)
    cells("form_id", blank_id, "error", "blank form id", "blank_value")
    sci = ~blank_id & pd.Series(fid, dtype=object).astype(str).str.fullmatch(SCI).to_numpy()
    limit = scheme.rules.max_id_digits
    cells(
        "form_id",
        sci,
        "error",
        f"form id lost precision in Excel (stored as a number; more than {limit} digits "
        "cannot be kept); format the column as text and retype the ids",
        "id_precision",
    )
    err |= blank_id | sci
    unit = maps["unit"](rows["unit"].tolist()) if n else np.zeros(0, np.int32)
    group = maps["group"](rows["group"].tolist()) if n else np.zeros(0, np.int32)
    cells("unit", unit == -1, "error", "blank unit", "blank_value")
    cells(
        "unit",
        unit == -2,
        "error",
        f"unknown unit: neither a code nor a name in {units_file}",
        "unknown_unit",
    )
    expected = ", ".join(g.label_zh for g in scheme.groups)
    cells("group", group == -1, "error", "blank respondent group", "blank_value")
    cells(
        "group",
        group == -2,
        "error",
        f"unknown respondent group; expected one of {expected}",
        "unknown_group",
    )
    err |= (unit < 0) | (group < 0)
    lv_labels = ", ".join(v.label_zh for v in scheme.levels)
    digits = ", ".join(str(v.digit) for v in scheme.levels if v.digit is not None)
    lv_reason = f"unknown level; expected one of {lv_labels}" + (
        f" (or the digits {digits})" if digits else ""
    )
    levels, keys = {}, {}
    for d in dims:
        lv = maps["level"](rows[d].tolist()) if n else np.zeros(0, np.int32)
        cells(d, lv == -2, "error", lv_reason, "unknown_level")
        err |= lv == -2
        levels[d] = lv
        text = pd.Series([normalize_label(v) if v is not None else "" for v in shown[d]])
        keys[d] = np.where(lv == -2, "?" + text, lv.astype(str))

    # the same id twice (validate_cycle's rule: first copy by row; any difference → error)
    dup_later = np.zeros(n, bool)
    dup_first_row = np.zeros(n, np.int64)
    ok_id = ~blank_id & ~sci
    multi = ok_id & pd.Series(fid).duplicated(keep=False).to_numpy()
    if multi.any():
        idx = np.flatnonzero(multi)
        sub = pd.DataFrame(
            {"u": np.maximum(unit[idx], -1), "g": np.maximum(group[idx], -1)}
            | {d: keys[d][idx] for d in dims}
        )
        h = pd.util.hash_pandas_object(sub, index=False).to_numpy()
        codes, _ = pd.factorize(pd.Series(fid[idx]))
        _, first = np.unique(codes, return_index=True)
        first_idx = idx[first]
        same = h == h[first][codes]
        repeat = np.zeros(n, bool)
        repeat[idx] = first_idx[codes] != idx
        first_row = np.zeros(n, np.int64)
        first_row[idx] = row_no[first_idx[codes]]
        conflict = np.zeros(len(first), bool)
        np.logical_or.at(conflict, codes, ~same)
        in_conflict = np.zeros(n, bool)
        in_conflict[idx] = conflict[codes]
        same_full = np.zeros(n, bool)
        same_full[idx] = same
        diff = repeat & ~same_full
        reason = np.array([f"same form id as row {r} but different answers" for r in first_row])
        cells("form_id", diff, "error", reason.astype(object), "conflicting_duplicate")
        twice = repeat & same_full
        reason2 = np.array(
            [f"form typed twice: same id and answers as row {r}; counted once" for r in first_row]
        )
        cells("form_id", twice, "warning", reason2.astype(object), "duplicate_form")
        err |= in_conflict
        dup_later = twice & ~in_conflict
        dup_first_row = first_row
    return {
        "unit": unit,
        "group": group,
        "levels": levels,
        "err": err,
        "dup_later": dup_later,
        "dup_first_row": dup_first_row,
        "keep": ~err & ~dup_later,
    }


# ---------------------------------------------------------------------- rows for the checks
_NULL = "\x01"  # join key of a NULL label in the mapping tables


def _text_map(values, kind: str) -> pd.DataFrame:
    """Distinct raw texts → the text validate_cycle keeps (``raw`` NULL-free, ``value``)."""
    raw = [v for v in values if v is not None]
    arr = pa.array(raw, pa.string())
    if kind == "comment":  # free text: only trimmed
        out = pc.utf8_trim_whitespace(arr)
        out = pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)
    else:
        out = _nfkc_trim(arr)
    frame = pd.DataFrame({"raw": pd.Series(raw, dtype=object)})
    if kind == "submitted_at":
        from evalstats.inputs.validate import parse_dates

        parsed, _bad = parse_dates(np.asarray(out.to_pylist(), dtype=object))
        frame["value"] = pd.Series(parsed, dtype="datetime64[ns]")
    else:
        frame["value"] = pd.Series(out.to_pylist(), dtype=object)
    return frame


class RowStore:
    """The counted forms of a cycle counted out of core, in DuckDB, for the row checks.

    Built by :func:`count_cycle` with ``keep_rows=True`` (duckdb and dask backends): one
    temporary DuckDB table ``coded`` holds, per counted form, its row, form id, unit, group
    and level codes, answer pattern, whether it is straight and varied, and the comment,
    collector and submission time as :func:`~evalstats.inputs.validate.validate_cycle` reads them
    (same normalisation, same date parsing).  Forms not counted (errors, voided forms, the
    later copies of forms typed twice) are not in it; neither are respondent identifiers.
    The data-quality checks (:mod:`evalstats.stats.quality`) and the comments table query it and
    bring into memory only the rows they need (:meth:`forms`).

    Close it (:meth:`close`, or leave the ``with`` block) to drop the table and the staged
    responses; it is closed when garbage-collected.
    """

    def __init__(self, scanned: ScannedCycle, holder, memory_limit=None, threads=None):
        self.scanned = scanned
        self._holder = holder
        self.con = _connect(memory_limit, threads, holder.name)
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Drop the DuckDB table and the staged files."""
        con, self.con = getattr(self, "con", None), None
        if con is not None:
            con.close()
        holder, self._holder = getattr(self, "_holder", None), None
        if holder is not None:
            holder.cleanup()

    def __del__(self):  # pragma: no cover - depends on the garbage collector
        with contextlib.suppress(Exception):
            self.close()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        scanned, con = self.scanned, self.con
        scheme = scanned.scheme
        src = scanned._source
        raw_labels, maps, _units, _lookup = scanned._maps
        _register_maps(con, raw_labels, maps)
        sql = _Sql(src, scheme)
        dims = sql.dims
        extra = [c for c in _EXTRA if c in src.columns]
        self.extra = tuple(extra)
        inner = [
            f"{src.row_sql} AS row",
            f"{sql.fid()} AS form_id",
            f"coalesce({sql.col('unit')}, '{_NULL}') AS r_u",
            f"coalesce({sql.col('group')}, '{_NULL}') AS r_g",
            *(f"coalesce({sql.col(d)}, '{_NULL}') AS r_{j}" for j, d in enumerate(dims)),
            *(f"{sql.col(c)} AS r_{c}" for c in extra),
        ]
        for kind in ("unit", "group", "level"):
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE j_{kind} AS SELECT coalesce(raw, '{_NULL}') "
                f"AS k, code FROM map_{kind}"
            )
        joins = [
            "JOIN j_unit mu ON r.r_u = mu.k",
            "JOIN j_group mg ON r.r_g = mg.k",
            *(f"JOIN j_level m{j} ON r.r_{j} = m{j}.k" for j in range(len(dims))),
        ]
        for c in extra:
            values = [
                v
                for (v,) in con.execute(
                    f"SELECT DISTINCT {sql.col(c)} FROM {sql.agg_from}"
                ).fetchall()
            ]
            con.register(f"_t_{c}_df", _text_map(values, c))
            con.execute(f"CREATE OR REPLACE TEMP TABLE t_{c} AS SELECT * FROM _t_{c}_df")
            con.unregister(f"_t_{c}_df")
            joins.append(f"LEFT JOIN t_{c} ON r.r_{c} = t_{c}.raw")
        nl = len(scheme.level_codes)
        base = nl + 1
        lv = [f"m{j}.code" for j in range(len(dims))]
        digit = [f"(CASE WHEN {x} < 0 THEN {nl} ELSE {x} END)" for x in lv]
        pattern = "0"
        for x in digit:
            pattern = f"({pattern} * {base} + {x})"
        valid = [i for i, v in enumerate(scheme.levels) if v.valid]
        if dims:
            straight = " AND ".join(
                [f"{lv[0]} IN ({', '.join(map(str, valid)) or '-9'})"]
                + [f"{x} = {lv[0]}" for x in lv[1:]]
            )
            lo = ", ".join(f"(CASE WHEN {x} >= 0 THEN {x} ELSE {nl + 9} END)" for x in lv)
            hi = ", ".join(lv)
            varied = f"least({lo}) < greatest({hi})"
        else:
            straight = varied = "false"
        select = [
            "r.row AS row",
            "r.form_id AS form_id",
            "mu.code AS u",
            "mg.code AS g",
            *(f"{x}::TINYINT AS l{j}" for j, x in enumerate(lv)),
            f"{pattern}::BIGINT AS pattern",
            f"({straight}) AS straight",
            f"({varied}) AS varied",
            *(f"t_{c}.value AS {c}" for c in extra),
            *(["epoch_ns(t_submitted_at.value) AS t_ns"] if "submitted_at" in extra else []),
        ]
        where = ["mu.code >= 0", "mg.code >= 0", *(f"{x} >= -1" for x in lv)]
        unc = scanned._uncounted
        body = (
            f"SELECT {', '.join(select)} FROM (SELECT {', '.join(inner)} FROM {sql.from_}) r "
            f"{' '.join(joins)} WHERE {' AND '.join(where)}"
        )
        rows = {"coded": "true", "voided": "false"}
        if len(unc["row"]):
            frame = pd.DataFrame({"row": np.asarray(unc["row"], np.int64), "void": unc["void"]})
            con.register("_unc_df", frame)
            con.execute("CREATE OR REPLACE TEMP TABLE uncounted AS SELECT * FROM _unc_df")
            con.unregister("_unc_df")
            rows["coded"] = "r.row NOT IN (SELECT row FROM uncounted)"
            rows["voided"] = "r.row IN (SELECT row FROM uncounted WHERE void)"
        for table, cond in rows.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {body} AND {cond}")
        self.dims = dims

    # ------------------------------------------------------------------ queries
    def has(self, column: str) -> bool:
        """Whether the responses have ``column`` (``comment``, ``collector``, ``submitted_at``)."""
        return column in self.extra

    def query(self, sql: str, params=None) -> pd.DataFrame:
        """Run SQL over the ``coded`` table; the result as a DataFrame."""
        return self.con.execute(sql, params or []).fetch_df()

    def check_candidates(
        self, *, burst_min: int, burst_window: int, near_duplicate_window: int, form_ids=()
    ) -> pd.DataFrame:
        """The forms the row checks of :func:`evalstats.stats.quality.quality_flags` need.

        A superset of the forms of every burst and near duplicate — whole keys whose busiest
        window holds at least ``burst_min`` forms (collector × pattern, then unit × pattern),
        forms with a same-key neighbour within ``near_duplicate_window`` (unit × group ×
        pattern × collector), every form with a comment — plus the forms ``form_ids`` (the
        first copies of forms typed twice) and the first counted form.  The detectors give the
        same flags on these rows as on every form (see :mod:`evalstats.stats.quality`).  Windows in
        nanoseconds.
        """
        parts = ["SELECT min(row) AS row FROM coded"]
        if self.has("comment"):
            parts.append("SELECT row FROM coded WHERE comment IS NOT NULL")
        if len(form_ids):
            ids = pd.DataFrame({"form_id": pd.Series(list(form_ids), dtype=object)})
            self.con.register("_ids_df", ids)
            self.con.execute("CREATE OR REPLACE TEMP TABLE want_ids AS SELECT * FROM _ids_df")
            self.con.unregister("_ids_df")
            parts.append("SELECT row FROM coded WHERE form_id IN (SELECT form_id FROM want_ids)")
        if self.has("submitted_at"):
            w, m = int(burst_window), int(burst_min)
            for keys, cond in (
                ("collector, pattern", "collector IS NOT NULL"),
                ("u, pattern", "true"),
            ):
                busy = (
                    f"SELECT {keys} FROM (SELECT {keys}, count(*) OVER (PARTITION BY {keys} "
                    f"ORDER BY t_ns RANGE BETWEEN CURRENT ROW AND {w} FOLLOWING) AS n FROM coded "
                    f"WHERE t_ns IS NOT NULL AND {cond}) GROUP BY ALL HAVING max(n) >= {m}"
                )
                parts.append(
                    f"SELECT row FROM coded WHERE t_ns IS NOT NULL AND {cond} AND ({keys}) IN "
                    f"({busy})"
                )
            if self.has("collector"):
                k = "u, g, pattern, collector"
                nw = int(near_duplicate_window)
                parts.append(
                    f"SELECT row FROM (SELECT row, t_ns - lag(t_ns) OVER o AS a, "
                    f"lead(t_ns) OVER o - t_ns AS b FROM coded WHERE varied AND collector IS NOT "
                    f"NULL AND t_ns IS NOT NULL WINDOW o AS (PARTITION BY {k} ORDER BY t_ns)) "
                    f"WHERE a <= {nw} OR b <= {nw}"
                )
        union = " UNION ".join(f"({q})" for q in parts)
        return self.forms(f"row IN ({union})")

    def collector_straight(self) -> pd.DataFrame:
        """Forms and straight forms per collector (``collector, n_forms, n_straight``)."""
        if not self.has("collector"):
            return pd.DataFrame({"collector": [], "n_forms": [], "n_straight": []})
        return self.query(
            "SELECT collector, count(*)::BIGINT AS n_forms, sum(straight::INT)::BIGINT AS "
            "n_straight FROM coded WHERE collector IS NOT NULL GROUP BY collector"
        )

    def form_ids(self, where: str, params=None) -> list:
        """Form ids of the counted forms matching ``where`` (SQL on ``coded``)."""
        f = self.query(f"SELECT form_id FROM coded WHERE {where}", params)
        return f["form_id"].tolist()

    def voided_forms(self) -> pd.DataFrame:
        """The voided forms (not counted) as :meth:`forms` gives forms: their collector etc."""
        return self.forms(table="voided")

    def forms(self, where: str = "true", *, table: str = "coded") -> pd.DataFrame:
        """The counted forms matching ``where`` (SQL on ``coded``), as the validated forms table.

        Same columns and dtypes as :attr:`~evalstats.inputs.validate.ValidatedCycle.forms`
        (:mod:`evalstats.inputs.forms`), in file order.
        """
        from evalstats.inputs.forms import form_columns

        scanned = self.scanned
        scheme = scanned.scheme
        cols = ["row", "form_id", "u", "g", *(f"l{j}" for j in range(len(self.dims)))]
        cols += list(self.extra)
        f = self.query(f"SELECT {', '.join(cols)} FROM {table} WHERE {where} ORDER BY row")
        n = len(f)
        unit_cats = scanned._maps[2]
        data = {
            "cycle": pd.Series(np.full(n, scanned.cycle, dtype=object), dtype=object),
            "form_id": pd.Series(f["form_id"].to_numpy(dtype=object), dtype=object),
            "unit": pd.Categorical.from_codes(
                f["u"].to_numpy(np.int64), categories=list(unit_cats)
            ),
            "group": pd.Categorical.from_codes(
                f["g"].to_numpy(np.int64), categories=list(scheme.group_codes)
            ),
        }
        for j, d in enumerate(self.dims):
            data[d] = pd.Categorical.from_codes(
                f[f"l{j}"].to_numpy(np.int64), dtype=scheme.level_dtype
            )
        for c in ("comment", "collector"):
            values = f[c].to_numpy(dtype=object) if c in f else np.full(n, None, dtype=object)
            col = pd.Series(values, dtype=object)
            col[col.isna().to_numpy()] = None
            data[c] = col
        if "submitted_at" in f:
            t = pd.Series(f["submitted_at"]).to_numpy(dtype="datetime64[ns]")
        else:
            t = np.full(n, np.datetime64("NaT", "ns"))
        data["submitted_at"] = pd.Series(t, dtype="datetime64[ns]")
        data["source_file"] = pd.Series(
            np.full(n, scanned._source.file, dtype=object), dtype=object
        )
        data["source_row"] = pd.Series(f["row"].to_numpy(np.int64), dtype="int64")
        return pd.DataFrame(data)[form_columns(scheme)]


# ---------------------------------------------------------------------- counting
# The responses are read as Parquet dictionary pages (pyarrow, streamed in batches): each
# batch's small dictionaries are mapped to the scheme's codes once, the rows become integer
# codes by a table look-up, and one ``np.bincount`` per dimension counts them (plus one over
# whole answer patterns).  A DuckDB GROUP BY over the labels measured 5-9x a plain bincount
# (``benchmarks/bench_backends.py``); the codes come for free from the file's dictionaries.
ARROW_BATCH_ROWS = 1 << 20
"""Rows per batch read from the responses file (memory is O(batch))."""
PATTERN_DENSE_MAX = 1 << 24
"""Pattern keys are counted in a dense array below this many possible patterns (and at most
4 per row read or :data:`PATTERN_DENSE_MIN`), else sorted with ``np.unique``."""
PATTERN_DENSE_MIN = 1 << 16
PARTITION_ROWS = 1 << 20
"""Dask: consecutive row groups are joined into partitions of at least this many rows."""


def _dims_shape(scheme: Scheme, n_units: int):
    return n_units, len(scheme.group_codes), len(scheme.dimension_codes), len(scheme.level_codes)


def _dense_from_long(u, g, j, lv, n, shape) -> np.ndarray:
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
    return _dense_from_long(u, g, j, lv, np.ones(len(u)), shape)


def _uncounted_patterns(unc: dict):
    ok = (unc["unit"] >= 0) & (unc["group"] >= 0)
    for lv in unc["levels"]:
        ok &= lv >= -1
    return unc["unit"][ok], unc["group"][ok], [lv[ok] for lv in unc["levels"]]


def _counts_frame(dense: np.ndarray, scanned: ScannedCycle) -> pd.DataFrame:
    units = scanned._maps[2]
    total = dense[:, :, 0, :].sum()
    cycles = [scanned.cycle] if total > 0 else []
    return tally_frame(dense[None, ...][: len(cycles)], cycles, units, scanned.scheme)


def _patterns_frame(u, g, levels, n, scanned: ScannedCycle) -> pd.DataFrame:
    unc_u, unc_g, unc_lv = _uncounted_patterns(scanned._uncounted)
    u = np.concatenate([u, unc_u]).astype(np.int64)
    g = np.concatenate([g, unc_g]).astype(np.int64)
    levels = [np.concatenate([a, b]).astype(np.int64) for a, b in zip(levels, unc_lv, strict=True)]
    w = np.concatenate([np.asarray(n, float), -np.ones(len(unc_u))])
    units = scanned._maps[2]
    cycles = [scanned.cycle] if w.sum() > 0 else []
    if not cycles:
        u = g = np.zeros(0, np.int64)
        levels = [np.zeros(0, np.int64) for _ in levels]
        w = np.zeros(0)
    return pattern_frame(FormCodes(None, cycles, units, u, g, levels), scanned.scheme, weights=w)


@dataclass(frozen=True)
class _Coder:
    """Raw labels → small integer codes, batch by batch (picklable: sent to Dask workers).

    Codes: ``ug = unit * n_groups + group`` (``n_units * n_groups`` when the unit or the group
    is blank or unknown: such rows are errors and counted nowhere); one row of ``levels`` per
    dimension, ``0 .. nl-1`` the scheme's levels, ``nl`` blank, ``nl + 1`` unknown.
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
            codes = np.append(_label_codes(values, lookup, cats), -1)  # -1 blank, -2 unknown
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


def _parquet_codes(path: str, coder: _Coder, row_groups=None):
    """Yield the codes of ``path`` batch by batch (:meth:`_Coder.encode`)."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path, read_dictionary=list(coder.columns))
    cache: dict = {}
    for batch in pf.iter_batches(
        batch_size=ARROW_BATCH_ROWS, row_groups=row_groups, columns=list(coder.columns)
    ):
        yield coder.encode(batch, cache)


class _Counter:
    """Accumulates the per-dimension tally and the answer-pattern counts of coded batches."""

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


def _coder(scanned: ScannedCycle) -> _Coder:
    scheme = scanned.scheme
    src = scanned._source
    _raw, _fns, unit_cats, unit_lookup = scanned._maps
    return _Coder(
        columns=tuple(src.columns[c] for c in ("unit", "group", *scheme.dimension_codes)),
        unit=(unit_lookup, tuple(unit_cats)),
        group=(scheme.lookup("groups"), tuple(scheme.group_codes)),
        level=(scheme.level_lookup(), tuple(scheme.level_codes)),
        shape=_dims_shape(scheme, len(unit_cats)),
    )


def _frames(result, scanned: ScannedCycle):
    """(counts, patterns or None) frames of a counter's result, the uncounted rows taken off."""
    dense, keys, cnt = result
    shape = _dims_shape(scanned.scheme, len(scanned._maps[2]))
    dense = dense - _uncounted_dense(scanned._uncounted, shape)
    counts = _counts_frame(dense, scanned)
    if keys is None:
        return counts, None
    u, g, levels = _decode_patterns(keys, shape)
    return counts, _patterns_frame(u, g, levels, cnt, scanned)


def _arrow_counts(scanned: ScannedCycle, want_patterns: bool):
    """Tally (and patterns) of the scanned responses, streamed from the Parquet file."""
    coder = _coder(scanned)
    counter = _Counter(coder.shape, want_patterns, scanned.rows_read)
    for ug, levels in _parquet_codes(scanned._source.parquet, coder):
        counter.add(ug, levels)
    return _frames(counter.result(), scanned)


# ---------------------------------------------------------------------- dask
def _encode_part(path: str, coder: _Coder, row_groups: list) -> tuple[np.ndarray, np.ndarray]:
    """One partition's codes (runs on a worker)."""
    parts = list(_parquet_codes(path, coder, row_groups))
    if not parts:
        return np.zeros(0, coder.ug_dtype), np.zeros((coder.shape[2], 0), np.int8)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts], axis=1)


def _count_part(codes: tuple, shape: tuple, patterns: bool):
    """One partition's counts (runs on a worker): a :meth:`_Counter.result`."""
    counter = _Counter(shape, patterns, len(codes[0]))
    counter.add(*codes)
    return counter.result()


def _sum_parts(results: list, shape: tuple, patterns: bool, rows: int):
    counter = _Counter(shape, patterns, rows)
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

    coder = _coder(scanned)
    path = scanned._source.parquet
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
    return _frames(result, scanned)


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
    _require("dask", "dask")
    distributed = _require("distributed", "dask")
    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    if scheduler is None:
        cluster = distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            dashboard_address=None,
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


# ---------------------------------------------------------------------- entry points
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
    backend = _check_backend(backend, path, scheduler)
    if backend == "pandas":
        from evalstats.counts.tally import pattern_counts, tally
        from evalstats.inputs.validate import validate_cycle

        if memory_limit is not None or threads is not None:
            raise ValueError("memory_limit and threads are options of the duckdb backend")
        v = validate_cycle(path, scheme=scheme, cycle=cycle, raise_on_error=raise_on_error)
        pat = pattern_counts(v.forms, v.scheme) if patterns else None
        return CycleCounts(v.cycle, "pandas", tally(v.forms, v.scheme), pat, v)
    if backend == "dask":
        _require("dask", "dask")
        _require("distributed", "dask")
    holder = tempfile.TemporaryDirectory(prefix="evalstats-scan-")
    rows = None
    try:
        scanned = _scan(path, scheme, cycle, memory_limit, threads, raise_on_error, holder.name)
        if backend == "duckdb":
            counts, pat = _arrow_counts(scanned, patterns)
        else:
            with dask_client(scheduler) as client:
                codes = dask_load(scanned, client)
                try:
                    counts, pat = dask_count(scanned, codes, patterns=patterns)
                finally:
                    codes.release()
        if keep_rows:
            rows = RowStore(scanned, holder, check_memory_limit(memory_limit), threads)
    finally:
        if rows is None:
            holder.cleanup()
    return CycleCounts(scanned.cycle, backend, counts, pat, scanned, rows)


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
    """
    return count_cycle(path, patterns=True, **options).patterns


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
