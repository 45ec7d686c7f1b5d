"""The header of an input file and nothing more (:func:`read_header`).

Examples
--------
>>> from evalstats.inputs.read.peek import read_header
>>> read_header("data/raw/2026A/responses.csv", table="responses")  # doctest: +SKIP
{'问卷编号': 'form_id', '被评单位': 'unit', ...}
"""

from __future__ import annotations

import codecs
import csv
import io as _io
import itertools
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from evalstats.core.options import check_option
from evalstats.core.scheme import TABLES, normalize_label, resolve_scheme
from evalstats.inputs.read.formats import PARQUET_EXTENSIONS, SPREADSHEET_EXTENSIONS, sniff_binary
from evalstats.inputs.read.header import HEADER_SEARCH_ROWS, combine_headers, find_header
from evalstats.inputs.read.workbook import inspect_workbook


def _decode_line(line: bytes) -> str:
    for enc in ("utf-8", "gb18030"):
        try:
            return line.decode(enc)
        except UnicodeDecodeError:
            continue
    return line.decode("utf-8", errors="replace")


def _csv_header_rows(fh) -> list[list]:
    """The first records of a CSV file, reading at most its first megabyte.

    Each line is decoded on its own (UTF-8, else GB18030, else with replacement characters),
    so undecodable bytes below the header do not hide it.
    """
    head = fh.read(1 << 20)
    complete = len(fh.read(1)) == 0
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    if sniff_binary(head) is not None:
        return []
    lines = head.split(b"\n")
    if not complete:
        lines = lines[:-1]  # the last line may be cut off
    text = "\n".join(_decode_line(x) for x in lines[: HEADER_SEARCH_ROWS * 4])
    rows = []
    reader = csv.reader(_io.StringIO(text.replace("\x00", "")))
    try:
        for r in itertools.islice(reader, HEADER_SEARCH_ROWS):
            rows.append([c if c.strip() else None for c in r])
    except csv.Error:  # a broken record below the header ends the search
        pass
    return rows


@dataclass(frozen=True)
class HeaderRows:
    """The top rows of a table and where its header is in them (as :func:`read_table` finds
    it: ``first`` to ``last``, 0-based, ``last > first`` for a two-row merged header)."""

    rows: list
    first: int
    last: int

    def headers(self) -> list[str]:
        """One header per column (:func:`~evalstats.inputs.read.header.combine_headers`)."""
        width = max(len(r) for r in self.rows[self.first : self.last + 1])
        return combine_headers(self.rows, self.first, self.last, width)


def read_header_rows(path, *, table: str, scheme=None) -> HeaderRows | None:
    """The top rows of an input table with its header found; None when the file cannot be
    read, has no header, or is Parquet (whose header is its column names, one row).

    Reads what :func:`read_header` reads.

    Examples
    --------
    >>> read_header_rows("data/raw/2026A/responses.csv", table="responses").last  # doctest: +SKIP
    0
    """
    from evalstats.core.config import resolve_path

    check_option("table", table, TABLES)
    scheme = resolve_scheme(scheme)
    lookup = scheme.header_lookup(table)
    p = resolve_path(path)
    suffix = p.suffix.lower()
    if suffix in PARQUET_EXTENSIONS:
        return None
    try:
        if suffix in SPREADSHEET_EXTENSIONS:
            rows = _sheet_header_rows(p, lookup, scheme.limits)
        else:
            with open(p, "rb") as fh:
                rows = _csv_header_rows(fh)
    except OSError:
        return None
    hdr = find_header(rows, lookup)
    return None if hdr is None else HeaderRows(rows, *hdr)


def read_header(path, *, table: str, scheme=None) -> dict[str, str | None]:
    """The header of an input table and nothing more: header as written → column code.

    Reads as little as possible: a CSV's first megabyte (each line decoded on its own), a
    Parquet file's schema (footer), and for a spreadsheet the first 51 rows of each visible
    sheet (calamine still parses the sheet, but no other cell is converted or kept).  Finds the
    header as :func:`read_table` does (below title rows, two-row merged headers).  Used to
    decide something before reading the data, e.g. whether respondent identifiers are present
    (:func:`evalstats.inputs.pseudonym.identifiers_present`).

    Parameters
    ----------
    path : str or Path
        The file (relative paths resolve from the project root).
    table : str
        Which input table it holds (one of ``scheme.TABLES``).
    scheme : Scheme, str or Path, optional

    Returns
    -------
    dict
        Header as written (trimmed) → column code, or None for an unknown header, in file
        order; empty when the file cannot be read or has no header (:func:`read_table` then
        reports why).

    Examples
    --------
    >>> read_header("data/raw/2026A/responses.csv", table="responses")  # doctest: +SKIP
    {'问卷编号': 'form_id', '被评单位': 'unit', ...}
    """
    from evalstats.core.config import resolve_path

    check_option("table", table, TABLES)
    scheme = resolve_scheme(scheme)
    lookup = scheme.header_lookup(table)
    p = resolve_path(path)
    headers: list[str] = []
    if p.suffix.lower() in PARQUET_EXTENSIONS:
        import pyarrow.parquet as pq

        try:
            headers = [str(n) for n in pq.read_schema(p).names]
        except (pa.ArrowException, OSError):
            return {}
    else:
        found = read_header_rows(p, table=table, scheme=scheme)
        headers = [] if found is None else found.headers()
    out: dict[str, str | None] = {}
    for h in headers:
        h = h.strip()
        if h and h not in out:
            out[h] = lookup.get(normalize_label(h))
    return out


def _sheet_header_rows(p: Path, lookup, limits) -> list[list]:
    """The top rows of the first visible sheet that has a header; nothing for a workbook past
    the scheme's limits (:func:`~evalstats.inputs.read.workbook.inspect_workbook`, which reads
    the file once more, bounded): :func:`read_table` then says why."""
    from python_calamine import CalamineWorkbook

    if p.stat().st_size > limits.file_bytes:
        return []
    infos, breach = inspect_workbook(p.read_bytes(), limits)
    too_big = any(i.rows * i.columns > limits.cells for i in infos.values())
    if breach is not None or too_big:
        return []
    try:
        wb = CalamineWorkbook.from_path(str(p))
    except Exception:  # calamine raises several error types for unreadable files
        return []
    try:
        for meta in wb.sheets_metadata:
            if str(meta.visible).rsplit(".", 1)[-1].lower() != "visible":
                continue
            if str(meta.typ).rsplit(".", 1)[-1].lower() != "worksheet":
                continue
            try:
                sheet = wb.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS + 1)
            except Exception:  # pragma: no cover - damaged sheet
                continue
            if find_header(rows, lookup) is not None:
                return rows
    finally:
        wb.close()
    return []


__all__ = ["HeaderRows", "read_header", "read_header_rows"]
