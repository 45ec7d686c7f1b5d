"""Reading the office's input files: types only, no judgement.

:func:`read_table` reads one input table (CSV or spreadsheet) into a :class:`RawTable`: every
cell as text (NFKC-normalised and trimmed; free-text columns only trimmed), the header row found
below any title rows, the row numbers the user sees, and the file's hash.  Whatever stops the
file from being read (wrong format, undecodable bytes, no header, no rows) is a *problem* in
``RawTable.problems``, never an exception: :mod:`evalstats.inputs.validate` gathers them with the
rest.

CSV files are decoded as UTF-8, UTF-8 with a byte-order mark, then GB18030 (a superset of GBK
and GB2312), in that order; the encoding used is recorded.  Spreadsheets (.xlsx, .xlsm, .xls,
.ods) are read with python-calamine, the engine behind ``pandas.read_excel(engine="calamine")``.
Raw inputs are opened read-only and read once; the SHA-256 is taken from the bytes parsed.

Examples
--------
>>> from evalstats.inputs.read import read_table
>>> raw = read_table("data/raw/2026H1/units.csv", table="units")  # doctest: +SKIP
>>> raw.columns  # doctest: +SKIP
{'单位编码': 'unit', '单位名称': 'name', '序列': 'series'}
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import hashlib
import io as _io
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.errors import PROBLEM_COLUMNS
from evalstats.core.options import check_option
from evalstats.core.scheme import TABLES, Scheme, normalize_label, resolve_scheme

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
PARQUET_EXTENSIONS = (".parquet",)
INPUT_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".parquet")
CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
HEADER_SEARCH_ROWS = 50
FREE_TEXT_COLUMNS = frozenset({"comment", "note", "reason", "name"})
OPTIONAL_TABLES = ("forms_issued", "incidents", "exclusions")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PDF_MAGIC = b"%PDF"
_RTF_MAGIC = b"{\\rtf"


@dataclass(frozen=True)
class RawTable:
    """One input table as read: text cells, headers as written, user-visible row numbers.

    Attributes
    ----------
    table : str
        Which input table this is (one of ``scheme.TABLES``).
    frame : pandas.DataFrame
        One column per header (labelled by the header as written; a repeated or blank header
        gets its column letter appended), cells str or None (blank).  Fully blank rows are
        left out (their row numbers simply do not appear).
    columns : Mapping[str, str | None]
        Frame column → column code of the scheme, or None for an unknown header.
    file : str
        The file as the user named it.
    encoding : str or None
        Encoding used for a CSV file (``"utf-8"``, ``"utf-8-sig"`` or ``"gb18030"``).
    sheet : str or None
        Worksheet read from a spreadsheet.
    header_row : int or None
        Row number of the header as the user sees it (the lower row of a two-row header).
    row_numbers : numpy.ndarray
        User-visible row number (1-based, title and header rows counted) of each frame row.
    sha256, size : str, int
        Hash and size in bytes of the file read.
    problems : pandas.DataFrame
        Problems that stopped or limited reading (columns ``errors.PROBLEM_COLUMNS``).
    written : Mapping[str, str]
        Frame column → header exactly as written (trimmed).
    letters : Mapping[str, str]
        Frame column → spreadsheet column letter (``"A"``, ``"B"``, …).
    numeric : Mapping[str, numpy.ndarray]
        For spreadsheets: frame column → boolean mask of cells stored as numbers (only columns
        holding at least one number).  Used to spot ids that lost precision in Excel.
    """

    table: str
    frame: pd.DataFrame
    columns: Mapping[str, str | None]
    file: str
    encoding: str | None
    sheet: str | None
    header_row: int | None
    row_numbers: np.ndarray
    sha256: str | None
    size: int | None
    problems: pd.DataFrame
    written: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    letters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    numeric: Mapping[str, np.ndarray] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def ok(self) -> bool:
        """True when reading produced no error."""
        return not (self.problems["severity"] == "error").any()

    def column_for(self, code: str) -> str | None:
        """The first frame column mapped to ``code``, or None."""
        for col, c in self.columns.items():
            if c == code:
                return col
        return None

    def to_frame(self) -> pd.DataFrame:
        """The cells with a leading ``row`` column of user-visible row numbers."""
        out = self.frame.copy()
        out.insert(0, "row", self.row_numbers)
        return out


def problems_frame(rows=()) -> pd.DataFrame:
    """A problems table (``errors.PROBLEM_COLUMNS``) from dict rows."""
    df = pd.DataFrame(list(rows), columns=PROBLEM_COLUMNS, dtype=object)
    df["row"] = row_objects(df["row"])
    return df


def row_objects(rows: pd.Series) -> pd.Series:
    """Row numbers as Python ints, None where there is no row (object dtype)."""
    out = np.empty(len(rows), dtype=object)
    values = rows.to_numpy(dtype=object)
    for i, v in enumerate(values):
        out[i] = None if v is None or pd.isna(v) else int(v)
    return pd.Series(out, index=rows.index, dtype=object)


def problem(severity, file, row, column, value, reason, code) -> dict:
    """One problem row as a dict."""
    return {
        "severity": severity,
        "file": file,
        "row": row,
        "column": column,
        "value": value,
        "reason": reason,
        "code": code,
    }


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# ---------------------------------------------------------------------------- cell text
def _normalize_column(values: pd.Series, *, free_text: bool) -> np.ndarray:
    """Text cells → NFKC-normalised, trimmed str (free text: only trimmed); blank → None.

    Only the unique values are transformed (with pyarrow's vectorised string kernels).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [u if isinstance(u, str) else (_cell_text(u) or "") for u in uniques]
    orig = pa.array(texts, type=pa.string())
    arr = orig if free_text else pc.utf8_normalize(orig, "NFKC")
    arr = pc.utf8_trim_whitespace(arr)
    # keep the original str objects where nothing changed (saves memory on 1e6 unique ids)
    norm = np.empty(len(texts), dtype=object)
    norm[:] = texts
    changed = np.flatnonzero(_bools(pc.not_equal(arr, orig)))
    if len(changed):
        norm[changed] = arr.take(pa.array(changed)).to_pylist()
    norm[_bools(pc.equal(arr, ""))] = None
    lut = np.append(norm, None)
    return lut[codes]  # code -1 (missing) picks the trailing None


def _bools(arr) -> np.ndarray:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _cell_text(value) -> str | None:
    """Text of one spreadsheet cell as the user sees it (numbers without a trailing .0)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------- header row
def _header_matches(cells, lookup: Mapping[str, str]) -> set[str]:
    codes = set()
    for c in cells:
        if c is None:
            continue
        text = c if isinstance(c, str) else _cell_text(c)
        if text and (code := lookup.get(normalize_label(text))):
            codes.add(code)
    return codes


def find_header(rows: list[list], lookup: Mapping[str, str]) -> tuple[int, int] | None:
    """(first, last) 0-based index of the header row(s) among ``rows``, or None.

    The header is the first row naming at least two known columns (else the first naming
    one).  The row below joins it when it names further known columns where the header row is
    blank or unknown (a merged two-row header such as 评议内容 over the dimension columns).
    """
    counts = [len(_header_matches(r, lookup)) for r in rows[:HEADER_SEARCH_ROWS]]
    first = next((i for i, n in enumerate(counts) if n >= 2), None)
    if first is None:
        first = next((i for i, n in enumerate(counts) if n >= 1), None)
    if first is None:
        return None
    last = first
    if first + 1 < len(rows):
        top, below = rows[first], rows[first + 1]
        top_codes = _header_matches(top, lookup)
        filled = [c for c in below if _cell_text(c) not in (None, "")]
        new = _header_matches(below, lookup) - top_codes
        known = [c for c in filled if _header_matches([c], lookup)]
        if new and len(known) * 2 >= len(filled):
            last = first + 1
    return first, last


def combine_headers(rows: list[list], first: int, last: int, width: int) -> list[str]:
    """One header per column from the header rows ``first..last`` (merged cells filled in,
    the lower row the more specific).  Shared with the out-of-core backends."""
    out = []
    for j in range(width):
        text = ""
        for i in range(last, first - 1, -1):  # the lower row is the more specific one
            row = rows[i]
            cell = _cell_text(row[j]) if j < len(row) else None
            if cell and cell.strip():
                text = cell.strip()
                break
        out.append(text)
    return out


# ---------------------------------------------------------------------------- file formats
def _sniff_binary(data: bytes) -> str | None:
    """A short description of a binary format CSV parsing cannot handle, or None."""
    if data.startswith(_ZIP_MAGIC):
        return "it is an Excel workbook (a zip file); rename it to .xlsx"
    if data.startswith(_OLE_MAGIC):
        return "it is an old Excel (.xls) or Word (.doc) file; save it as .xlsx"
    if data.startswith(_PDF_MAGIC):
        return "it is a PDF document; save the table as .xlsx or .csv"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return 'it is UTF-16 text (Excel "Unicode Text"); save it as "CSV UTF-8" or .xlsx'
    if data.startswith(_RTF_MAGIC):
        return "it is a Word (RTF) document; save the table as .xlsx or .csv"
    return None


_CHUNK = 1 << 22


def _utf8_bad_offset(data: bytes) -> int | None:
    """Offset of the first byte that is not valid UTF-8, or None (chunked, no big str kept)."""
    dec = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), _CHUNK):
        try:
            dec.decode(data[start : start + _CHUNK], final=start + _CHUNK >= len(data))
        except UnicodeDecodeError:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                return exc.start
    return None


def _decode(data: bytes) -> tuple[bytes | None, str | None, int | None]:
    """(UTF-8 bytes, encoding, None) or (None, None, offset of the first bad byte).

    Tries UTF-8 with a byte-order mark, UTF-8, then GB18030 (a superset of GBK).  The result
    is UTF-8 bytes without a BOM, which pandas' C parser reads fastest.
    """
    if data.startswith(codecs.BOM_UTF8):
        bad = _utf8_bad_offset(data[3:])
        if bad is None:
            return data[3:], "utf-8-sig", None
        return None, None, bad + 3
    utf8_bad = _utf8_bad_offset(data)
    if utf8_bad is None:
        return data, "utf-8", None
    try:
        return data.decode("gb18030").encode("utf-8"), "gb18030", None
    except UnicodeDecodeError as exc:
        # the encoding that read further is the likelier intent: report its first bad byte
        return None, None, max(utf8_bad, exc.start)


def _empty_raw(table, file, problems, *, sha=None, size=None, encoding=None, sheet=None):
    return RawTable(
        table=table,
        frame=pd.DataFrame(),
        columns=MappingProxyType({}),
        file=file,
        encoding=encoding,
        sheet=sheet,
        header_row=None,
        row_numbers=np.zeros(0, dtype=np.int64),
        sha256=sha,
        size=size,
        problems=problems_frame(problems),
    )


def _csv_head(body: bytes) -> list[list[str]]:
    """The first records of UTF-8 CSV bytes, read with the csv module."""
    head = body[: 1 << 20]
    text = codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == len(body))
    records = []
    reader = csv.reader(_io.StringIO(text, newline=""))
    try:
        records.extend(itertools.islice(reader, HEADER_SEARCH_ROWS + 1))
    except csv.Error:  # a malformed record ends the header search; the parser reports it
        pass
    if len(head) < len(body) and len(records) > HEADER_SEARCH_ROWS:
        records = records[:HEADER_SEARCH_ROWS]  # the last record may be cut off
    return records[:HEADER_SEARCH_ROWS]


def _read_csv_grid(body: bytes) -> tuple[pd.DataFrame, int]:
    """All records of UTF-8 CSV bytes as a frame of str with positional columns.

    The fast path is pandas' C parser; a record with more fields than any of the first 50
    records (where the C parser would stop) falls back to the csv module, which never drops a
    field.  Blank lines are kept as records, so frame position + 1 is the record number.
    """
    head = _csv_head(body)
    width = max((len(r) for r in head), default=0)
    if width == 0:
        return pd.DataFrame(), 0
    try:
        grid = pd.read_csv(
            _io.BytesIO(body),
            header=None,
            names=range(width),
            dtype=object,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8",
            engine="c",
        )
    except pd.errors.ParserError:
        records = list(csv.reader(_io.StringIO(body.decode("utf-8"), newline="")))
        width = max(len(r) for r in records)
        grid = pd.DataFrame([r + [""] * (width - len(r)) for r in records], dtype=object)
    return grid, width


def _read_sheet_grid(data: bytes) -> tuple[list[tuple[str, list[list]]], str | None]:
    """(sheet name, rows) of every visible worksheet, or ([], reason)."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(_io.BytesIO(data))
    except Exception as exc:  # calamine raises several error types for unreadable files
        return [], f"{type(exc).__name__}: {exc}"
    sheets = []
    for meta in wb.sheets_metadata:
        if str(meta.visible).rsplit(".", 1)[-1].lower() != "visible":
            continue
        if str(meta.typ).rsplit(".", 1)[-1].lower() != "worksheet":
            continue
        try:
            rows = wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        except Exception as exc:  # pragma: no cover - damaged sheet
            return [], f"{type(exc).__name__}: {exc}"
        sheets.append((meta.name, rows))
    return sheets, None


def _read_parquet_grid(data: bytes) -> tuple[pd.DataFrame, list[str], str | None]:
    """A Parquet file → (text frame with positional columns, column names, error or None).

    The column names are the header (row 1); data rows start at row 2.  Non-text columns are
    shown as a spreadsheet shows them (``_cell_text``: dates ISO, whole numbers without .0).
    """
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(_io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several error types for unreadable files
        return pd.DataFrame(), [], f"{type(exc).__name__}: {exc}"
    grid = {}
    for j, col in enumerate(table.columns):
        text = pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
        if text:  # plain text (ids, one value per row): one str per cell
            grid[j] = pd.Series(col.to_numpy(zero_copy_only=False), dtype=object)
        else:  # labels, dates, numbers: each distinct value made text once, then taken
            grid[j] = pd.Series(_distinct_text(col), dtype=object)
    return pd.DataFrame(grid), [str(n) for n in table.column_names], None


def _distinct_text(col) -> np.ndarray:
    """A non-text (or dictionary-encoded) Parquet column as cell texts (``_cell_text``).

    Dictionary-encoded: the dictionary is turned into text once and indexed, so a million rows
    of a few labels hold a few str objects (cast to string made one per row, 1.4 GB of them
    for a 1M-form cycle).  Other types (dates, numbers) are dictionary-encoded first.
    """
    import pyarrow.compute as pc

    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr)
    values = arr.dictionary.to_pylist()
    texts = np.empty(len(values) + 1, dtype=object)  # the last slot: missing (None)
    texts[: len(values)] = [_cell_text(v) for v in values]
    idx = arr.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return texts[idx]


def _grid_from_rows(rows: list[list], start: int) -> tuple[pd.DataFrame, dict[int, np.ndarray]]:
    """Spreadsheet rows below the header → (text frame, numeric masks by position)."""
    body = rows[start:]
    width = max((len(r) for r in body), default=0)
    if not body or width == 0:
        return pd.DataFrame(), {}
    arr = np.empty((len(body), width), dtype=object)
    for i, r in enumerate(body):
        arr[i, : len(r)] = r
    grid = {}
    numeric = {}
    for j in range(width):
        col = pd.Series(arr[:, j], dtype=object)
        kinds = col.map(type)
        is_num = kinds.isin((int, float)).to_numpy()
        if is_num.any():
            numeric[j] = is_num
        is_text = kinds.eq(str).to_numpy()
        if is_text.all():
            grid[j] = col
        else:
            grid[j] = col.map(_cell_text)
    return pd.DataFrame(grid), numeric


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
) -> tuple[pd.DataFrame, dict, dict, dict, dict, np.ndarray]:
    """Name the grid's columns, normalise cells, drop fully blank rows and headerless blanks."""
    width = grid.shape[1] if len(grid.columns) else 0
    headers = headers + [""] * (width - len(headers))
    labels: list[str] = []
    written: dict[str, str] = {}
    letters: dict[str, str] = {}
    columns: dict[str, str | None] = {}
    data: dict[str, np.ndarray] = {}
    seen: set[str] = set()
    for j, head in enumerate(headers):
        letter = column_letter(j)
        code = lookup.get(normalize_label(head)) if head else None
        values = (
            _normalize_column(grid[j], free_text=code in FREE_TEXT_COLUMNS)
            if j < width
            else np.full(len(grid), None, dtype=object)
        )
        if not head:
            filled = np.flatnonzero(pd.notna(values))
            if len(filled) == 0:
                continue  # an empty, headerless column: spreadsheet padding
            label = f"(column {letter})"
            problems.append(
                problem(
                    "warning",
                    file,
                    int(first_data_row + filled[0]),
                    label,
                    values[filled[0]],
                    "values in a column without a header are ignored",
                    "headerless_column",
                )
            )
            continue
        label = head if head not in seen else f"{head} ({letter})"
        seen.add(head)
        labels.append(label)
        written[label] = head
        letters[label] = letter
        columns[label] = code
        data[label] = values
    frame = (
        pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()}, columns=labels)
        if labels
        else pd.DataFrame(index=grid.index)
    )
    row_numbers = np.arange(first_data_row, first_data_row + len(grid), dtype=np.int64)
    numeric = {}
    if numeric_by_pos:
        pos = {letters[lab]: lab for lab in labels}
        for j, mask in numeric_by_pos.items():
            lab = pos.get(column_letter(j))
            if lab is not None:
                numeric[lab] = mask
    if labels:
        keep = frame.notna().any(axis=1).to_numpy()
        if not keep.all():
            frame = frame.loc[keep].reset_index(drop=True)
            row_numbers = row_numbers[keep]
            numeric = {k: v[keep] for k, v in numeric.items()}
    else:
        frame = pd.DataFrame()
        row_numbers = row_numbers[:0]
    numeric = {k: v for k, v in numeric.items() if v.any()}
    return frame, columns, written, letters, numeric, row_numbers


def _expected_headers(scheme: Scheme, table: str) -> str:
    dims = {d.code: d.label_zh for d in scheme.dimensions} if table == "responses" else {}
    ids = set(scheme.identifier_columns)
    names = [
        dims.get(code, aliases[0])
        for code, aliases in scheme.headers[table].items()
        if code not in ids
    ]
    return ", ".join(names)


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
    if _sniff_binary(head) is not None:
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
    suffix = p.suffix.lower()
    headers: list[str] = []
    try:
        if suffix in PARQUET_EXTENSIONS:
            import pyarrow.parquet as pq

            try:
                headers = [str(n) for n in pq.read_schema(p).names]
            except (pa.ArrowException, OSError):
                return {}
        elif suffix in SPREADSHEET_EXTENSIONS:
            headers = _sheet_header(p, lookup)
        else:
            with open(p, "rb") as fh:
                rows = _csv_header_rows(fh)
            hdr = find_header(rows, lookup)
            if hdr is not None:
                first, last = hdr
                width = max(len(r) for r in rows[first : last + 1])
                headers = combine_headers(rows, first, last, width)
    except OSError:
        return {}
    out: dict[str, str | None] = {}
    for h in headers:
        h = h.strip()
        if h and h not in out:
            out[h] = lookup.get(normalize_label(h))
    return out


def _sheet_header(p: Path, lookup) -> list[str]:
    from python_calamine import CalamineWorkbook

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
            hdr = find_header(rows, lookup)
            if hdr is not None:
                first, last = hdr
                width = max(len(r) for r in rows[first : last + 1])
                return combine_headers(rows, first, last, width)
    finally:
        wb.close()
    return []


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
        How to name the file in problems (default: ``path`` as given).

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

    check_option("table", table, TABLES)
    scheme = resolve_scheme(scheme)
    file = display if display is not None else str(path)
    p = resolve_path(path)
    lookup = scheme.header_lookup(table)
    try:
        with open(p, "rb") as fh:  # read-only, read once
            data = fh.read()
    except FileNotFoundError:
        return _empty_raw(
            table,
            file,
            [problem("error", file, None, None, None, "file not found", "missing_file")],
        )
    except OSError as exc:
        reason = f"cannot open the file ({exc.strerror})"
        return _empty_raw(
            table, file, [problem("error", file, None, None, None, reason, "unreadable")]
        )
    sha = hashlib.sha256(data).hexdigest()
    size = len(data)
    meta = {"sha": sha, "size": size}
    suffix = p.suffix.lower()

    def fail(reason, code, row=None, **extra):
        return _empty_raw(
            table, file, [problem("error", file, row, None, None, reason, code)], **meta, **extra
        )

    if suffix in (".doc", ".docx", ".pdf", ".wps", ".et", ".numbers"):
        return fail(f"cannot read a {suffix} file; save the table as .xlsx or .csv", "wrong_format")
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        return fail("the file is empty", "empty_file")

    if suffix in PARQUET_EXTENSIONS:
        grid, headers, err = _read_parquet_grid(data)
        if err is not None:
            return fail(f"cannot read this file as Parquet ({err})", "wrong_format")
        if not headers:
            return fail("the file is empty", "empty_file")
        first = last = 0
        numeric_pos = None
        encoding = sheet = None
    elif suffix in SPREADSHEET_EXTENSIONS:
        sheets, err = _read_sheet_grid(data)
        if err is not None:
            if _sniff_binary(data) is None and b"\x00" not in data[:4096]:
                reason = (
                    f"cannot read this file as {suffix}: it looks like CSV text; rename it to .csv"
                )
            else:
                reason = f"cannot read this file as a spreadsheet ({err}); save it as .xlsx"
            return fail(reason, "wrong_format")
        found = None
        for name, rows in sheets:
            hdr = find_header(rows, lookup)
            if hdr is not None:
                found = (name, rows, hdr)
                break
        if found is None:
            reason = (
                f"no header row found: no row of the first {HEADER_SEARCH_ROWS} names a known "
                f"column (expected {_expected_headers(scheme, table)})"
            )
            if not any(any(_cell_text(c) for c in r) for _, rows in sheets for r in rows):
                return fail("the workbook has no data (every sheet is empty)", "empty_file")
            return fail(reason, "no_header", sheet=sheets[0][0] if sheets else None)
        sheet, rows, (first, last) = found
        headers = combine_headers(rows, first, last, max(len(r) for r in rows[first : last + 1]))
        grid, numeric_pos = _grid_from_rows(rows, last + 1)
        encoding = None
    else:
        why = _sniff_binary(data)
        if why is not None:
            return fail(f"cannot read this file as CSV: {why}", "wrong_format")
        if b"\x00" in data:
            return fail(
                "cannot read this file as CSV: it contains binary data; save it as .xlsx or CSV",
                "wrong_format",
            )
        body, encoding, bad = _decode(data)
        if body is None:
            line = data[:bad].count(b"\n") + 1
            reason = (
                f"cannot decode the file: it is neither UTF-8 nor GBK/GB18030 text "
                f"(byte 0x{data[bad]:02x} at offset {bad}); save it as UTF-8 CSV or .xlsx"
            )
            return fail(reason, "undecodable", row=line)
        grid_all, width = _read_csv_grid(body)
        del body
        head_rows = [
            [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in r]
            for r in grid_all.head(HEADER_SEARCH_ROWS).itertuples(index=False)
        ]
        hdr = find_header(head_rows, lookup)
        if hdr is None:
            reason = (
                f"no header row found: no row of the first {HEADER_SEARCH_ROWS} names a known "
                f"column (expected {_expected_headers(scheme, table)})"
            )
            return fail(reason, "no_header", encoding=encoding)
        first, last = hdr
        headers = combine_headers(head_rows, first, last, width)
        grid = grid_all.iloc[last + 1 :].reset_index(drop=True)
        grid.columns = range(grid.shape[1])
        numeric_pos = None
        sheet = None

    problems: list = []
    frame, columns, written, letters, numeric, row_numbers = _assemble(
        table,
        grid,
        headers,
        lookup,
        first_data_row=last + 2,
        file=file,
        problems=problems,
        numeric_by_pos=numeric_pos,
    )
    if len(frame) == 0:
        problems.append(
            problem("error", file, last + 1, None, None, "no data rows below the header", "no_data")
        )
    return RawTable(
        table=table,
        frame=frame,
        columns=MappingProxyType(columns),
        file=file,
        encoding=encoding,
        sheet=sheet,
        header_row=last + 1,
        row_numbers=row_numbers,
        sha256=sha,
        size=size,
        problems=problems_frame(problems),
        written=MappingProxyType(written),
        letters=MappingProxyType(letters),
        numeric=MappingProxyType(numeric),
    )


# ---------------------------------------------------------------------------- cycle folder
def cycle_candidates(folder: Path) -> dict[str, list[Path]]:
    """Table name → the files of ``folder`` that could hold it (by stem and extension; no
    ``~$`` or hidden files).  Shared with :mod:`evalstats.inputs.pseudonym`."""
    found: dict[str, list[Path]] = {t: [] for t in TABLES}
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.name.startswith(("~$", ".")):
            continue
        stem, suffix = p.stem.lower(), p.suffix.lower()
        if stem in found and suffix in INPUT_EXTENSIONS:
            found[stem].append(p)
    return found


def find_cycle_files(folder) -> dict[str, Path]:
    """The input files of a cycle folder, by table.

    Looks for ``responses``, ``units`` and the optional ``forms_issued``, ``incidents`` and
    ``exclusions`` with extension .xlsx, .xlsm, .xls, .ods, .csv or .parquet (Excel lock files
    ``~$…`` are ignored).

    Parameters
    ----------
    folder : str or Path
        A cycle folder such as ``data/raw/2026H1`` (relative paths resolve from the project
        root).

    Returns
    -------
    dict
        Table → file, only for tables present.

    Raises
    ------
    evalstats.core.errors.InputError
        Two files hold the same table (for example ``responses.xlsx`` and ``responses.csv``).
    FileNotFoundError
        ``folder`` is not a folder.

    Examples
    --------
    >>> find_cycle_files("data/raw/2026H1")  # doctest: +SKIP
    {'responses': PosixPath('.../responses.xlsx'), 'units': PosixPath('.../units.csv')}
    """
    from evalstats.core.errors import InputError

    files, problems = cycle_files(folder)
    if len(problems):
        raise InputError(problems)
    return files


def cycle_files(folder, *, display: str | None = None) -> tuple[dict[str, Path], pd.DataFrame]:
    """Like :func:`find_cycle_files`, returning ambiguity as problems instead of raising."""
    from evalstats.core.config import resolve_path

    p = resolve_path(folder)
    if not p.is_dir():
        raise FileNotFoundError(f"not a folder: {folder}")
    shown = display if display is not None else str(folder)
    files: dict[str, Path] = {}
    problems = []
    for table, paths in cycle_candidates(p).items():
        if len(paths) == 1:
            files[table] = paths[0]
        elif len(paths) > 1:
            names = ", ".join(x.name for x in paths)
            problems.append(
                problem(
                    "error",
                    shown,
                    None,
                    None,
                    names,
                    f"more than one {table} file; keep only one",
                    "ambiguous_file",
                )
            )
    return files, problems_frame(problems)


__all__ = [
    "CSV_ENCODINGS",
    "CSV_EXTENSIONS",
    "FREE_TEXT_COLUMNS",
    "HEADER_SEARCH_ROWS",
    "INPUT_EXTENSIONS",
    "OPTIONAL_TABLES",
    "PARQUET_EXTENSIONS",
    "SPREADSHEET_EXTENSIONS",
    "RawTable",
    "column_letter",
    "combine_headers",
    "cycle_candidates",
    "cycle_files",
    "find_cycle_files",
    "find_header",
    "problem",
    "problems_frame",
    "read_header",
    "read_table",
    "row_objects",
]
