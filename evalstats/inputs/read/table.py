"""One input table read as text (:func:`read_table`): the file's format, its header, its cells.

Examples
--------
>>> from evalstats.inputs.read.table import read_table
>>> read_table("data/raw/2026H1/units.csv", table="units").header_row  # doctest: +SKIP
1
"""

from __future__ import annotations

import codecs
import hashlib
import math
import os
import re
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.memory import give_back_memory
from evalstats.core.options import check_option
from evalstats.core.reading import ReadLimits
from evalstats.core.scheme import TABLES, normalize_label, resolve_scheme
from evalstats.inputs.read.bounds import (
    BOM,
    line_breaks,
    may_parse_first,
    over_limit,
    parsed_within_limits,
    quotes_pair_up,
    scan_csv,
    strip_boms,
)
from evalstats.inputs.read.cells import normalize_arrow_column, normalize_column
from evalstats.inputs.read.formats import (
    PARQUET_EXTENSIONS,
    SPREADSHEET_EXTENSIONS,
    THREADS_FROM,
    arrow_csv_grid,
    csv_width,
    decode_csv_bytes,
    grid_from_rows,
    read_csv_grid,
    read_parquet_grid,
    read_sheet_grid,
    sniff_binary,
)
from evalstats.inputs.read.header import (
    HEADER_SEARCH_ROWS,
    combine_headers,
    expected_headers,
    find_header,
)
from evalstats.inputs.read.raw import (
    ColumnCodes,
    RawTable,
    column_letter,
    empty_raw,
    problem,
    problems_frame,
)
from evalstats.inputs.read.sheets import SheetRefusal, choose_sheet
from evalstats.inputs.read.workbook import inspect_workbook

FREE_TEXT_COLUMNS = frozenset({"comment", "note", "reason", "name"})
GIVE_BACK_BYTES = 8 * 2**20
"""Bytes of a file's text let go from which reading gives the freed memory back (each time
costs a few milliseconds: not once per column of a 1,002-column file)."""


def read_table(path, *, table: str, scheme=None, display: str | None = None) -> RawTable:
    """Read one input table as text.

    Parameters
    ----------
    path : str or Path
        A .csv, .xlsx, .xlsm, .xls, .ods or .parquet file (relative paths resolve from the
        project root).  A Parquet file's column names are its header (row 1).
    table : str
        Which table it holds: one of ``"responses"``, ``"units"``, ``"forms_issued"``,
        ``"incidents"``, ``"exclusions"``; decides which headers are recognised.
    scheme : Scheme, str or Path, optional
        The scheme whose header aliases apply (default: the bundled scheme).
    display : str, optional
        How to name the file in problems (default: ``path`` as given, with ``/`` between
        its parts: :func:`evalstats.core.files.slash_path`).

    Returns
    -------
    RawTable
        Never raises for bad file contents; see ``RawTable.problems``.

    Examples
    --------
    >>> raw = read_table("data/raw/2026H1/responses.xlsx", table="responses")  # doctest: +SKIP
    >>> raw.header_row, raw.encoding, len(raw.frame)  # doctest: +SKIP
    (2, None, 1473)
    """
    from evalstats.core.config import resolve_path
    from evalstats.core.files import slash_path

    check_option("table", table, TABLES)
    scheme = resolve_scheme(scheme)
    file = display if display is not None else slash_path(path)
    p = resolve_path(path)
    lookup = scheme.header_lookup(table)
    limits = scheme.limits
    try:
        with open(p, "rb") as fh:  # read-only, read once
            size = os.fstat(fh.fileno()).st_size
            if size > limits.file_bytes:  # never read: the limit is checked before
                reason = over_limit("file_bytes", size, limits.file_bytes)
                return _failed(_Source(table, file, None, size), _Failure(reason, "over_limit"))
            data = _read_at_most(fh, limits.file_bytes + 1, expect=size)
    except OSError as exc:
        return empty_raw(table, file, [_open_problem(file, exc)])
    if len(data) > limits.file_bytes:  # grew while read
        reason = over_limit("file_bytes", len(data), limits.file_bytes)
        return _failed(
            _Source(table, file, _sha256(data), len(data)), _Failure(reason, "over_limit")
        )
    how = _How(limits, scheme.sheets.get(table), table)
    with _Beside(len(data) >= THREADS_FROM) as beside:  # the hash beside the parse
        sha = beside.submit(_sha256, data)
        layout = _layout(
            data,
            p.suffix.lower(),
            lookup,
            expected=lambda: expected_headers(scheme, table),
            how=how,
        )
        source = _Source(table, file, sha.result(), len(data))
    del data  # the cells are in the layout's grid now
    if isinstance(layout, _Failure):
        return _failed(source, layout)
    return _raw_table(source, layout, lookup)


class _Done:
    """A result computed at once (what :class:`_Beside` gives without a thread)."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


class _Beside:
    """Work run on another core beside the caller's (``threads``), or at once in the caller's
    thread (small files: no thread started)."""

    def __init__(self, threads: bool):
        self.pool = ThreadPoolExecutor(1) if threads else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    def submit(self, fn, *args):
        if self.pool is not None:
            try:
                return self.pool.submit(fn, *args)
            except RuntimeError:  # no thread can be started (a bounded process): at once
                pass
        return _Done(fn(*args))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_at_most(fh, n: int, *, expect: int = 0) -> bytes:
    """At most ``n`` bytes of ``fh``, read in chunks (``read(n)`` would reserve ``n`` at once);
    the ``expect`` bytes the file holds (``expect`` < ``n``) in one read, without a copy."""
    parts, total = [], 0
    if 0 < expect < n:
        parts.append(fh.read(expect))
        total = len(parts[0])
    while total < n and (chunk := fh.read(min(1 << 24, n - total))):
        parts.append(chunk)
        total += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


@dataclass(frozen=True)
class _Source:
    """The file read: its table, its name in problems, hash and size."""

    table: str
    file: str
    sha256: str | None
    size: int


@dataclass(frozen=True)
class _How:
    """How to read: the scheme's limits, the sheet it names for the table (or None)."""

    limits: ReadLimits
    sheet: str | None
    table: str


@dataclass
class _Layout:
    """Where the data of a file are: the text grid below the header, the headers, the
    header's 0-based row, and what else was learnt on the way.  The grid is taken once
    (:meth:`take_grid`): the layout then no longer holds the file's text."""

    grid: pd.DataFrame | None
    headers: list[str]
    last: int  # 0-based row of the header (the lower row of a two-row header)
    numeric_pos: dict | None = None  # spreadsheets: numeric-cell masks by column position
    encoding: str | None = None
    sheet: str | None = None
    warnings: tuple = ()  # problem rows (dicts) learnt while reading: BOMs removed

    def take_grid(self) -> pd.DataFrame:
        """The grid, which the layout then lets go of."""
        grid, self.grid = self.grid, None
        return grid


@dataclass(frozen=True)
class _Failure:
    """Why a file could not be read: one error, with what was learnt before it."""

    reason: str
    code: str
    row: int | None = None
    encoding: str | None = None
    sheet: str | None = None


def _open_problem(file: str, exc: OSError) -> dict:
    """The problem of a file that cannot be opened."""
    if isinstance(exc, FileNotFoundError):
        return problem(
            "error",
            file,
            row=None,
            column=None,
            value=None,
            reason="file not found",
            code="missing_file",
        )
    reason = f"cannot open the file ({exc.strerror})"
    return problem(
        "error", file, row=None, column=None, value=None, reason=reason, code="unreadable"
    )


def _failed(source: _Source, failure: _Failure) -> RawTable:
    """An empty table carrying the one error that stopped reading."""
    file = source.file
    row = failure.row
    return empty_raw(
        source.table,
        file,
        [
            problem(
                "error",
                file,
                row=row,
                column=None,
                value=None,
                reason=failure.reason,
                code=failure.code,
            )
        ],
        sha=source.sha256,
        size=source.size,
        encoding=failure.encoding,
        sheet=failure.sheet,
    )


def _layout(data: bytes, suffix: str, lookup, *, expected, how: _How) -> _Layout | _Failure:
    """The file's grid and header by its format (``expected``: the headers to name when
    none is found)."""
    if suffix in (".doc", ".docx", ".pdf", ".wps", ".et", ".numbers"):
        return _Failure(
            f"cannot read a {suffix} file; save the table as .xlsx or .csv", "wrong_format"
        )
    if _BLANK_FILE.fullmatch(data):
        return _Failure("the file is empty", "empty_file")
    if suffix in PARQUET_EXTENSIONS:
        return _parquet_layout(data)
    if suffix in SPREADSHEET_EXTENSIONS:
        return _sheet_layout(data, suffix, lookup, expected=expected, how=how)
    return _csv_layout(data, lookup, expected=expected, how=how)


_BLANK_FILE = re.compile(rb"[ \t\r\n\x00\xef\xbb\xbf]*")
"""A file of nothing but blanks, NULs and byte-order-mark bytes (searched, not copied)."""


def _no_header(expected) -> str:
    return (
        f"no header row found: no row of the first {HEADER_SEARCH_ROWS} names a known "
        f"column (expected {expected()})"
    )


def _parquet_layout(data: bytes) -> _Layout | _Failure:
    """A Parquet file: its column names are the header (row 1)."""
    grid, headers, err = read_parquet_grid(data)
    if err is not None:
        return _Failure(f"cannot read this file as Parquet ({err})", "wrong_format")
    if not headers:
        return _Failure("the file is empty", "empty_file")
    return _Layout(grid, headers, 0)


def _sheet_layout(data: bytes, suffix: str, lookup, *, expected, how: _How) -> _Layout | _Failure:
    """A workbook: checked against the limits (zip parts, used ranges) before calamine reads
    it; then the worksheet with the header row (:func:`.sheets.choose_sheet`), whose formula
    cells must carry saved values."""
    infos, breach = inspect_workbook(data, how.limits)
    if breach is not None:
        return _Failure(breach.reason, breach.code, row=breach.row)
    for info in infos.values():
        failure = _range_failure(info, how.limits)
        if failure is not None:
            return failure
    sheets, err = read_sheet_grid(data)
    if err is not None:
        if sniff_binary(data) is None and b"\x00" not in data[:4096]:
            reason = f"cannot read this file as {suffix}: it looks like CSV text; rename it to .csv"
        else:
            reason = f"cannot read this file as a spreadsheet ({err}); save it as .xlsx"
        return _Failure(reason, "wrong_format")
    chosen = choose_sheet(sheets, lookup, named=how.sheet, table=how.table)
    if isinstance(chosen, SheetRefusal):
        reason = _no_header(expected) if chosen.code == "no_header" else chosen.reason
        return _Failure(reason, chosen.code, sheet=chosen.sheet)
    sheet, rows, (first, last) = chosen.name, chosen.rows, chosen.header
    info = infos.get(sheet)
    if info is not None and info.formulas:
        return _formula_failure(info, last)
    headers = combine_headers(rows, first, last, max(len(r) for r in rows[first : last + 1]))
    grid, numeric_pos = grid_from_rows(rows, last + 1)
    return _Layout(grid, headers, last, numeric_pos=numeric_pos, sheet=sheet)


def _range_failure(info, limits: ReadLimits) -> _Failure | None:
    """A worksheet whose used range passes a limit, before the reader allocates it."""
    for key, value in (
        ("rows", info.rows),
        ("columns", info.columns),
        ("cells", info.rows * info.columns),
    ):
        if value > getattr(limits, key):
            reason = f"{over_limit(key, value, getattr(limits, key))}: sheet {info.name}"
            return _Failure(reason, "over_limit", sheet=info.name)
    return None


def _formula_failure(info, header: int) -> _Failure:
    """Formula cells without a saved value: the reader would see blanks."""
    refs = info.formulas
    shown = ", ".join(refs[:10]) + (", …" if len(refs) > 10 else "")
    reason = (
        f"formula without a saved value in {len(refs):,} cells ({info.name}!{shown}); the "
        f"reader would see blanks: open the file in Excel or WPS and save it"
    )
    row = int(re.sub(r"[A-Z]", "", refs[0]))
    return _Failure(reason, "formula_without_value", row=row, sheet=info.name)


def _csv_layout(data: bytes, lookup, *, expected, how: _How) -> _Layout | _Failure:
    """A CSV file: decoded (UTF-8, UTF-8 with BOM, GB18030), its header below any titles."""
    why = sniff_binary(data)
    if why is not None:
        return _Failure(f"cannot read this file as CSV: {why}", "wrong_format")
    if b"\x00" in data:
        return _Failure(
            "cannot read this file as CSV: it contains binary data; save it as .xlsx or CSV",
            "wrong_format",
        )
    grid_all, width, encoding, body = None, 0, "utf-8", data
    tried = _utf8_head(data)  # UTF-8 without a BOM: pyarrow checks every cell is UTF-8
    if tried:
        grid_all, width = _parse_first(data, how.limits)
    if grid_all is None:
        body, encoding, bad = decode_csv_bytes(data)
        if body is None:
            line = data[:bad].count(b"\n") + 1
            reason = (
                f"cannot decode the file: it is neither UTF-8 nor GBK/GB18030 text "
                f"(byte 0x{data[bad]:02x} at offset {bad}); save it as UTF-8 CSV or .xlsx"
            )
            return _Failure(reason, "undecodable", row=line)
        if not tried or encoding != "utf-8":
            grid_all, width = _parse_first(body, how.limits)
    if grid_all is None:
        scan = scan_csv(body, how.limits)  # before the parser builds anything
        if scan.breach is not None:
            return _Failure(
                scan.breach.reason, scan.breach.code, row=scan.breach.row, encoding=encoding
            )
        bom_rows = scan.bom_rows
        if bom_rows:
            body = strip_boms(body)
        try:
            grid_all, width = read_csv_grid(body, field_bytes=how.limits.field_bytes)
        except ValueError as exc:
            return _Failure(
                f"cannot read this file as CSV: {exc}", "wrong_format", encoding=encoding
            )
    else:
        bom_rows = ()
    del body
    head_rows = [
        [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in r]
        for r in grid_all.head(HEADER_SEARCH_ROWS).itertuples(index=False)
    ]
    hdr = find_header(head_rows, lookup)
    if hdr is None:
        return _Failure(_no_header(expected), "no_header", encoding=encoding)
    first, last = hdr
    headers = combine_headers(head_rows, first, last, width)
    grid = grid_all.iloc[last + 1 :].reset_index(drop=True)
    grid.columns = range(grid.shape[1])
    return _Layout(grid, headers, last, encoding=encoding, warnings=_bom_warnings(bom_rows))


def _utf8_head(data: bytes) -> bool:
    """True when ``data`` has no byte-order mark and its first MiB reads as UTF-8."""
    if data.startswith(BOM):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data[: 1 << 20], final=False)
    except UnicodeDecodeError:
        return False
    return True


def _parse_first(body: bytes, limits: ReadLimits) -> tuple[pd.DataFrame | None, int]:
    """The grid of a plain CSV file parsed by pyarrow before the exact scan, when parsing
    cannot pass the limits (:func:`.bounds.may_parse_first`), the quotes pair up (counted
    on the other core meanwhile), no record starts with a byte-order mark and no field or
    row can be too long (:func:`.bounds.parsed_within_limits`); (None, 0) when the file must
    be scanned first."""
    width, breaks = csv_width(body), line_breaks(body)
    if not may_parse_first(body, width, limits, breaks=breaks):
        return None, 0
    records = breaks + (not body.endswith((b"\n", b"\r")))  # if no value holds a break
    with _Beside(len(body) >= THREADS_FROM) as beside:
        paired = beside.submit(quotes_pair_up, body)
        grid = arrow_csv_grid(body, width, records=records)
        if grid is None or not paired.result():
            return None, 0
    first = grid[0].array.__arrow_array__()
    if pc.any(pc.starts_with(first, BOM.decode("utf-8"))).as_py():
        return None, 0  # two files joined: the scan finds the rows
    lengths = [pc.binary_length(grid[j].array.__arrow_array__()) for j in grid.columns]
    widest = [np.array([pc.max(n).as_py() or 0]) for n in lengths]  # bounds every row
    if not parsed_within_limits(widest, limits) and not parsed_within_limits(
        [n.to_numpy() for n in lengths], limits
    ):
        return None, 0
    return grid, width


def _bom_warnings(rows) -> tuple:
    """One warning per row that started with a byte-order mark (two files joined)."""
    return tuple(
        problem(
            "warning",
            None,
            row=row,
            column=None,
            value=None,
            reason="a byte-order mark (BOM) starts this row: two files were joined into one; "
            "the mark was removed",
            code="bom_in_file",
        )
        for row in rows
    )


def _raw_table(source: _Source, layout: _Layout, lookup) -> RawTable:
    """The table of a file read: columns named, cells normalised, blank rows dropped (a
    columnar table: its frame is built only if asked for)."""
    file, last = source.file, layout.last
    problems: list = [{**w, "file": file} for w in layout.warnings]
    got = _assemble(
        source.table,
        layout.take_grid(),
        layout.headers,
        lookup,
        first_data_row=last + 2,
        file=file,
        problems=problems,
        numeric_by_pos=layout.numeric_pos,
    )
    if len(got.row_numbers) == 0:
        problems.append(
            problem(
                "error",
                file,
                row=last + 1,
                column=None,
                value=None,
                reason="no data rows below the header",
                code="no_data",
            )
        )
    return RawTable(
        table=source.table,
        frame=None if got.columns else pd.DataFrame(),
        columns=MappingProxyType(got.columns),
        file=file,
        encoding=layout.encoding,
        sheet=layout.sheet,
        header_row=last + 1,
        row_numbers=got.row_numbers,
        sha256=source.sha256,
        size=source.size,
        problems=problems_frame(problems),
        written=MappingProxyType(got.written),
        letters=MappingProxyType(got.letters),
        numeric=MappingProxyType(got.numeric),
        codes=MappingProxyType(got.codes),
        cells=MappingProxyType(got.cells),
    )


@dataclass(frozen=True)
class _Assembled:
    """The columns of a grid named and normalised (the fields of :class:`RawTable`)."""

    columns: dict
    written: dict
    letters: dict
    numeric: dict
    row_numbers: np.ndarray
    codes: dict
    cells: dict


def _assemble(
    table,
    grid: pd.DataFrame,
    headers: list[str],
    lookup: Mapping[str, str],
    *,
    first_data_row: int,
    file: str,
    problems: list,
    numeric_by_pos=None,
) -> _Assembled:
    """Name the grid's columns, normalise cells, drop fully blank rows and headerless blanks."""
    width = grid.shape[1] if len(grid.columns) else 0
    headers = headers + [""] * (width - len(headers))
    labels: list[str] = []
    written: dict[str, str] = {}
    letters: dict[str, str] = {}
    columns: dict[str, str | None] = {}
    data: dict = {}
    codes: dict[str, ColumnCodes] = {}
    filled_any = np.zeros(len(grid), bool)
    seen: set[str] = set()
    kinds = [lookup.get(normalize_label(head)) if head else None for head in headers]
    n = len(grid)
    # taken, not popped: popping columns one by one is quadratic in the width (41 s of a
    # 1,002-column file of 10,000 rows)
    grid_columns = [grid[j] if j < width else None for j in range(len(kinds))]
    del grid  # the columns hold the cells now, and let each go once normalised
    cells = _all_cells(grid_columns, n, kinds)
    for j, head in enumerate(headers):
        letter = column_letter(j)
        code = kinds[j]
        values, coded, filled = cells[j]
        cells[j] = None  # the column's cells live on in the table only
        if not head:
            first = np.flatnonzero(filled)[:1]
            if len(first) == 0:
                continue  # an empty, headerless column: spreadsheet padding
            label = f"(column {letter})"
            problems.append(
                problem(
                    "warning",
                    file,
                    row=int(first_data_row + first[0]),
                    column=label,
                    value=_cell(values, coded, int(first[0])),
                    reason="values in a column without a header are ignored",
                    code="headerless_column",
                )
            )
            continue
        label = head if head not in seen else f"{head} ({letter})"
        seen.add(head)
        labels.append(label)
        written[label] = head
        letters[label] = letter
        columns[label] = code
        filled_any |= filled
        if coded is not None:
            codes[label] = coded
        else:
            data[label] = values
    row_numbers = np.arange(first_data_row, first_data_row + n, dtype=np.int64)
    numeric = {}
    if numeric_by_pos:
        pos = {letters[lab]: lab for lab in labels}
        for j, mask in numeric_by_pos.items():
            lab = pos.get(column_letter(j))
            if lab is not None:
                numeric[lab] = mask
    if not labels:
        return _Assembled(columns, written, letters, {}, row_numbers[:0], {}, {})
    if not filled_any.all():  # fully blank rows are left out
        keep = filled_any
        data = {k: _kept(v, keep) for k, v in data.items()}
        codes = {k: c.taken(keep) for k, c in codes.items()}
        row_numbers = row_numbers[keep]
        numeric = {k: v[keep] for k, v in numeric.items()}
    numeric = {k: v for k, v in numeric.items() if v.any()}
    return _Assembled(columns, written, letters, numeric, row_numbers, codes, data)


def _cell(values, coded: ColumnCodes | None, i: int):
    """Cell ``i`` of a column (pyarrow or object cells, or codes)."""
    if coded is not None:
        return coded.uniques[coded.codes[i]] if coded.codes[i] >= 0 else None
    if isinstance(values, np.ndarray):
        return values[i]
    return values[i].as_py()


def _kept(values, keep: np.ndarray):
    """The cells (pyarrow or object) at the rows ``keep``."""
    if isinstance(values, np.ndarray):
        return values[keep]
    return values.filter(pa.array(keep))


def _all_cells(columns: list, n: int, kinds: list) -> list:
    """:func:`_cells` of every column of a grid of ``n`` rows (``kinds``: the column code of
    each header, or None; a column None: past the grid's width), shared among the cores
    (pyarrow's kernels run without the interpreter lock).

    The list is consumed: each column's text is let go as soon as it is normalised, and the
    memory freed given back (:func:`give_back_memory`) every :data:`GIVE_BACK_BYTES`, so
    the file's text and its normalised cells are never all held at once."""
    done: dict[int, tuple] = {}
    freed = [0]  # bytes of text let go since memory was last given back
    lock = threading.Lock()

    def normalised(j: int):
        if j not in done:  # (a column normalised before a thread failed to start is kept)
            column, columns[j] = columns[j], None
            done[j] = _cells(column, n, kind=kinds[j])
            size = 0 if column is None else int(column.nbytes)
            del column
            with lock:
                freed[0] += size
                give_back = freed[0] >= GIVE_BACK_BYTES
                if give_back:
                    freed[0] = 0
            if give_back:
                give_back_memory()
        return done[j]

    workers = min(len(columns), os.cpu_count() or 1, 4)
    if workers < 2 or n < 10_000 or sum(c is not None for c in columns) < 2:
        return [normalised(j) for j in range(len(kinds))]
    try:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(normalised, range(len(kinds))))
    except RuntimeError:  # no thread can be started (a bounded process): one at a time
        return [normalised(j) for j in range(len(kinds))]


def _cells(column: pd.Series | None, n: int, *, kind: str | None):
    """A column of the grid (of column code ``kind``) normalised: (cells or None, codes or
    None, mask of non-blank cells), the cells pyarrow strings (a pyarrow-backed column
    without codes) or an object array; ``n`` blanks for a column past the grid's width
    (None).  Free text is only trimmed; the form ids are dictionary-encoded however many."""
    free_text = kind in FREE_TEXT_COLUMNS
    if column is None:
        return np.full(n, None, dtype=object), None, np.zeros(n, bool)
    if isinstance(column.dtype, pd.ArrowDtype):
        return normalize_arrow_column(column, free_text=free_text, encode=kind == "form_id")
    values = normalize_column(column, free_text=free_text)
    return values, None, pd.notna(values)


__all__ = ["FREE_TEXT_COLUMNS", "read_table"]
