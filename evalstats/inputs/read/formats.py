"""File formats: CSV bytes decoded, workbooks and Parquet files read into text grids.

A grid is a frame of cell texts with positional columns, the header rows included (CSV,
workbooks) or not (Parquet, whose column names are the header).

Examples
--------
>>> from evalstats.inputs.read.formats import decode_csv_bytes, sniff_binary
>>> decode_csv_bytes("单位".encode("gb18030"))[1]
'gb18030'
>>> sniff_binary(b"%PDF-1.7")
'it is a PDF document; save the table as .xlsx or .csv'
"""

from __future__ import annotations

import codecs
import csv
import functools
import io as _io
import itertools

import numpy as np
import pandas as pd
import pyarrow as pa

from evalstats.core.memory import give_back_memory
from evalstats.core.reading import MIB
from evalstats.inputs.read.cells import SAMPLE_ROWS, cell_text, mostly_distinct
from evalstats.inputs.read.header import HEADER_SEARCH_ROWS

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
PARQUET_EXTENSIONS = (".parquet",)
INPUT_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".parquet")
CSV_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")

THREADS_FROM = 8 * MIB
"""Files from this size on are parsed and checked on several cores (threads); smaller ones
in the calling thread (a thread reserves address space: bounded processes have little)."""

PARSE_BLOCK = 8 * MIB
"""The bytes pyarrow parses as one block of a CSV file (its default is 1 MiB).  A wide file of
1,002 columns parses a quarter faster in CPU time in 8 MiB blocks (3.5 s for 695 MiB, against
4.8–5.5 s), and each of its columns comes in 87 chunks instead of 695, which every later
column operation walks; a record longer than a block is refused by pyarrow, so a larger block
only lets more files through."""

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PDF_MAGIC = b"%PDF"
_RTF_MAGIC = b"{\\rtf"


def sniff_binary(data: bytes) -> str | None:
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


def decode_csv_bytes(data: bytes) -> tuple[bytes | None, str | None, int | None]:
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


def read_csv_grid(body: bytes, *, field_bytes: int = MIB) -> tuple[pd.DataFrame, int]:
    """All records of UTF-8 CSV bytes as a frame of str with positional columns.

    The fast path is pyarrow's multi-threaded parser (every column text, blank lines kept):
    the frame's columns are then pyarrow-backed (``pandas.ArrowDtype``), which
    :func:`evalstats.inputs.read.cells.normalize_arrow_column` dictionary-encodes without
    making a Python object per cell.  A file pyarrow refuses (a record whose number of fields
    differs from the first's) is read by pandas' C parser; a record with more fields than any
    of the first 50 records (where the C parser would stop) falls back to the csv module,
    which never drops a field.  Blank lines are kept as records, so frame position + 1 is the
    record number.

    Examples
    --------
    >>> grid, width = read_csv_grid(b"a,b\\n1,2\\n\\n3,4\\n")
    >>> width, grid[0].tolist()
    (2, ['a', '1', '', '3'])
    """
    width = csv_width(body)
    if width == 0:
        return pd.DataFrame(), 0
    grid = arrow_csv_grid(body, width)
    if grid is not None:
        return grid, width
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
    except pd.errors.ParserError:  # the limits were checked (bounds.scan_csv): this fits
        saved = csv.field_size_limit(field_bytes)
        try:
            records = list(csv.reader(_io.StringIO(body.decode("utf-8"), newline="")))
        except csv.Error as exc:
            raise ValueError(str(exc)) from None
        finally:
            csv.field_size_limit(saved)
        width = max(len(r) for r in records)
        grid = pd.DataFrame([r + [""] * (width - len(r)) for r in records], dtype=object)
    return grid, width


def csv_width(body: bytes) -> int:
    """The most fields in one of the first records of UTF-8 CSV bytes (0: no record).

    Examples
    --------
    >>> csv_width(b"title\\na,b,c\\n1,2,3\\n")
    3
    """
    return max((len(r) for r in _csv_head(body)), default=0)


def arrow_csv_grid(body: bytes, width: int, *, records: int | None = None) -> pd.DataFrame | None:
    """The records of UTF-8 CSV bytes read by pyarrow as text (pyarrow-backed columns), or
    None when pyarrow cannot read every record as ``width`` fields (the other parsers of
    :func:`read_csv_grid` then decide).

    ``records``: the records the file holds if no quoted value holds a line break (its line
    breaks, :func:`.bounds.line_breaks`, plus one if the last line has none).  Given, a large
    file is first parsed as if no value held a line break (pyarrow then splits the file
    among its threads at any line break: about a third faster), and that parse is kept only
    if it made exactly ``records`` records, which it does only when every line break ended a
    record; otherwise, and without ``records``, quoted line breaks are read as part of their
    value.

    Examples
    --------
    >>> arrow_csv_grid(b"a,b\\n1,2\\n", 2)[1].tolist()
    ['b', '2']
    >>> arrow_csv_grid(b"a\\n1,2\\n", 1) is None
    True
    >>> arrow_csv_grid(b'a,b\\n1,"x\\ny"\\n', 2, records=3)[1].tolist()
    ['b', 'x\\ny']
    """
    threads = len(body) >= THREADS_FROM
    table = None
    if records is not None and threads:
        table = _arrow_parse(body, width, threads=threads, newlines_in_values=False)
        if table is not None and table.num_rows != records:
            table = None  # a quoted value held a line break: parsed again, below
    if table is None:
        table = _arrow_parse(body, width, threads=threads, newlines_in_values=True)
    if table is None:
        return None
    if threads:
        give_back_memory()  # the parser's work buffers: kept by pyarrow's pool until given back
    dtype = pd.ArrowDtype(pa.string())
    return pd.DataFrame(
        {j: pd.Series(table.column(j), dtype=dtype) for j in range(width)}, columns=range(width)
    )


def _arrow_parse(body: bytes, width: int, *, threads: bool, newlines_in_values: bool):
    """pyarrow's table of the CSV bytes, every field text, or None when it refuses them."""
    import pyarrow.csv as pcsv

    names = [f"f{j}" for j in range(width)]
    try:
        return pcsv.read_csv(
            pa.py_buffer(body),
            read_options=pcsv.ReadOptions(
                column_names=names, use_threads=threads, block_size=PARSE_BLOCK
            ),
            parse_options=pcsv.ParseOptions(
                newlines_in_values=newlines_in_values, ignore_empty_lines=False
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except pa.ArrowException:  # a record of another width, bytes not UTF-8, no thread left
        return None


def read_sheet_grid(data: bytes) -> tuple[list[tuple[str, bool, list[list]]], str | None]:
    """(sheet name, visible, rows) of every worksheet, hidden ones too, or ([], reason)."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(_io.BytesIO(data))
    except Exception as exc:  # calamine raises several error types for unreadable files
        return [], f"{type(exc).__name__}: {exc}"
    sheets = []
    for meta in wb.sheets_metadata:
        if str(meta.typ).rsplit(".", 1)[-1].lower() != "worksheet":
            continue
        visible = str(meta.visible).rsplit(".", 1)[-1].lower() == "visible"
        try:
            rows = wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        except Exception as exc:  # pragma: no cover - damaged sheet
            return [], f"{type(exc).__name__}: {exc}"
        sheets.append((meta.name, visible, rows))
    return sheets, None


def read_parquet_grid(data: bytes) -> tuple[pd.DataFrame, list[str], str | None]:
    """A Parquet file → (text frame with positional columns, column names, error or None).

    The column names are the header (row 1); data rows start at row 2.  Non-text columns are
    shown as a spreadsheet shows them (``cell_text``: dates ISO, whole numbers without .0).
    The columns are pyarrow-backed (``pandas.ArrowDtype``), read columnar by
    :func:`evalstats.inputs.read.cells.normalize_arrow_column` as a CSV file's are: no Python
    object is made per cell (a str per cell made validation of a 1M-form file four times as
    long as of the same forms in CSV).

    Examples
    --------
    >>> import pyarrow.parquet as pq
    >>> buf = pa.BufferOutputStream()
    >>> pq.write_table(pa.table({"id": ["1", None], "day": [1.0, 2.5]}), buf)
    >>> grid, names, err = read_parquet_grid(buf.getvalue().to_pybytes())
    >>> names, grid[0].tolist(), grid[1].tolist(), err
    (['id', 'day'], ['1', <NA>], ['1', '2.5'], None)
    """
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(_io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several error types for unreadable files
        return pd.DataFrame(), [], f"{type(exc).__name__}: {exc}"
    grid = {}
    for j, col in enumerate(table.columns):
        arr = col.combine_chunks()
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            arr = arr.cast(pa.string())  # plain text (ids, one value per row) as it is
        elif (texts := timestamp_texts(arr)) is not None:  # times: mostly distinct
            arr = texts
        else:  # labels, dates, numbers: each distinct value made text once
            arr = _distinct_text(arr)
        grid[j] = pd.Series(arr, dtype=pd.ArrowDtype(arr.type))
    return pd.DataFrame(grid), [str(n) for n in table.column_names], None


def timestamp_texts(arr: pa.Array) -> pa.Array | None:
    """A timestamp column's cell texts (``cell_text`` of each: ``YYYY-MM-DD HH:MM:SS``, midnight
    as the date alone) made by pyarrow, or None when some value would not be written that way
    (a time zone, a fraction of a second, a year before 1 or after 9999: then each distinct
    value is made text in Python).  A column of submission times holds about as many distinct
    values as rows: one Python call each took 1.4 s of a 1M-form file's validation.

    Examples
    --------
    >>> import datetime as dt
    >>> t = pa.array([dt.datetime(2026, 6, 7, 17, 19, 59), dt.datetime(2026, 6, 8), None],
    ...              type=pa.timestamp("ms"))
    >>> timestamp_texts(t).to_pylist()
    ['2026-06-07 17:19:59', '2026-06-08', None]
    >>> timestamp_texts(pa.array([dt.datetime(2026, 6, 7, 1, 2, 3, 500)])) is None
    True
    """
    import pyarrow.compute as pc

    if not pa.types.is_timestamp(arr.type) or arr.type.tz is not None:
        return None
    if arr.null_count == len(arr):
        return pa.nulls(len(arr), pa.string())
    secs = arr.cast(pa.timestamp("s"), safe=False)
    if not pc.all(pc.equal(secs.cast(arr.type), arr)).as_py():
        return None  # a fraction of a second
    years = pc.min_max(pc.year(secs))
    if years["min"].as_py() < 1 or years["max"].as_py() > 9999:
        return None
    valid = np.asarray(secs.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    t = secs.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    day, sod = np.divmod(t, 86400)
    first, span = int(day.min()), int(day.max() - day.min()) + 1
    cells = np.empty((len(t), 19), np.uint8)  # YYYY-MM-DD HH:MM:SS
    if span <= len(t):  # each day once (submission times: a few weeks of days)
        cells[:, :10] = _date_bytes(np.arange(first, first + span))[day - first]
    else:
        cells[:, :10] = _date_bytes(day)
    cells[:, 10:] = _times_of_day()[sod]
    lengths = np.where((sod == 0) | ~valid, 10, 19) * valid  # midnight: the date alone
    offsets = np.zeros(len(t) + 1, np.int32)
    np.cumsum(lengths, out=offsets[1:])
    whole = bool((lengths == 19).all())
    body = cells.ravel() if whole else cells[np.arange(19) < lengths[:, None]]
    nulls = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(
        len(t), pa.py_buffer(offsets), pa.py_buffer(body.tobytes()), nulls
    )


@functools.cache
def _times_of_day() -> np.ndarray:
    """`` HH:MM:SS`` of each second of a day (86,400 × 9 bytes)."""
    sod = np.arange(86400)
    out = np.empty((86400, 9), np.uint8)
    out[:, 0], out[:, [3, 6]] = ord(" "), ord(":")
    for at, value in ((1, sod // 3600), (4, sod // 60 % 60), (7, sod % 60)):
        out[:, at], out[:, at + 1] = value // 10 + ord("0"), value % 10 + ord("0")
    return out


def _date_bytes(days: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` (10 bytes) of each count of days since 1970-01-01, years 1 to 9999."""
    y, m, d = _civil_date(days)
    out = np.empty((len(days), 10), np.uint8)
    out[:, [4, 7]] = ord("-")
    for at, value, width in ((0, y, 4), (5, m, 2), (8, d, 2)):
        for k in range(width):
            out[:, at + width - 1 - k] = value // 10**k % 10 + ord("0")
    return out


def _civil_date(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of each count of days since 1970-01-01 (proleptic Gregorian).

    H. Hinnant, "chrono-Compatible Low-Level Date Algorithms" (``civil_from_days``),
    https://howardhinnant.github.io/date_algorithms.html
    """
    z = days + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y, m, d


def _distinct_text(arr: pa.Array) -> pa.DictionaryArray:
    """A non-text (or dictionary-encoded) Parquet column as cell texts (``cell_text``),
    dictionary-encoded: each distinct value is turned into text once.  Other types (dates,
    numbers) are dictionary-encoded first.
    """
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr)
    texts = pa.array([cell_text(v) for v in arr.dictionary.to_pylist()], type=pa.string())
    return pa.DictionaryArray.from_arrays(arr.indices, texts)


def grid_from_rows(rows: list[list], start: int) -> tuple[pd.DataFrame, dict[int, np.ndarray]]:
    """Spreadsheet rows below the header → (text frame, numeric masks by position).

    A column of text cells only (the usual one: answers, units, ids typed as text) becomes a
    pyarrow-backed column, read columnar by :func:`evalstats.inputs.read.cells.
    normalize_arrow_column` as a CSV file's are; a column holding numbers, dates or booleans
    is turned into cell texts (:func:`~evalstats.inputs.read.cells.cell_text`) one cell at a
    time, its numeric cells noted.

    Examples
    --------
    >>> grid, numeric = grid_from_rows([["h1", "h2"], ["a", 1.0], ["b", ""]], 1)
    >>> grid[0].tolist(), grid[1].tolist(), numeric[1].tolist()
    (['a', 'b'], ['1', ''], [True, False])
    """
    body = rows[start:]
    width = max((len(r) for r in body), default=0)
    if not body or width == 0:
        return pd.DataFrame(), {}
    arr = _cell_block(body, width)
    del body
    grid = {}
    numeric = {}
    for j in range(width):
        cells = np.ascontiguousarray(arr[:, j])
        text = text_cells(cells)
        if text is not None:
            grid[j] = text
            continue
        col = pd.Series(cells, dtype=object)
        kinds = col.map(type)
        is_num = kinds.isin((int, float)).to_numpy()
        if is_num.any():
            numeric[j] = is_num
        grid[j] = col.map(cell_text)
    return pd.DataFrame(grid), numeric


def text_cells(cells: np.ndarray) -> pd.Series | None:
    """A column of spreadsheet cells (object array) as pyarrow strings (``pandas.ArrowDtype``;
    None and NaN null) when every cell is text or blank; None when some cell is not.

    A column of few distinct texts is dictionary-encoded on the str objects (hashed, not
    copied: no UTF-8 copy of each cell is made), a mostly distinct one converted whole
    (:func:`~evalstats.inputs.read.cells.mostly_distinct`).

    Examples
    --------
    >>> text_cells(np.array(["满意", None, "满意"], dtype=object)).tolist()
    ['满意', <NA>, '满意']
    >>> text_cells(np.array(["满意", 2.0], dtype=object)) is None
    True
    """
    if pd.api.types.infer_dtype(cells, skipna=True) not in ("string", "empty"):
        return None
    if mostly_distinct(len(cells), len(pd.unique(cells[:SAMPLE_ROWS]))):
        arr = pa.array(cells, type=pa.string(), from_pandas=True)
    else:
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
        arr = pa.DictionaryArray.from_arrays(
            pa.array(codes, mask=codes < 0), pa.array(uniques, type=pa.string())
        )
    return pd.Series(arr, dtype=pd.ArrowDtype(arr.type))


def _cell_block(body: list[list], width: int) -> np.ndarray:
    """Rows of cells as a 2-D object array (short rows padded with None)."""
    if all(len(r) == width for r in body):
        arr = np.empty((len(body), width), dtype=object)
        arr[:] = body  # rows of one width: numpy copies them without a Python loop
        return arr
    arr = np.empty((len(body), width), dtype=object)
    for i, r in enumerate(body):
        arr[i, : len(r)] = r
    return arr


__all__ = [
    "CSV_ENCODINGS",
    "CSV_EXTENSIONS",
    "INPUT_EXTENSIONS",
    "PARQUET_EXTENSIONS",
    "PARSE_BLOCK",
    "SPREADSHEET_EXTENSIONS",
    "THREADS_FROM",
    "arrow_csv_grid",
    "csv_width",
    "decode_csv_bytes",
    "grid_from_rows",
    "read_csv_grid",
    "read_parquet_grid",
    "read_sheet_grid",
    "sniff_binary",
    "text_cells",
    "timestamp_texts",
]
