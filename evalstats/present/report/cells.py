"""The data cells of a workbook sheet, serialised column by column.

Only the header rows of a workbook are openpyxl cells: the data rows of each table are prepared
here with numpy (numbers as openpyxl writes them, ``%.16g``; text escaped; widths from code
points, CJK counting double) and put into the sheet's XML part as the file is written
(:func:`sheet_rewrite`), byte for byte as openpyxl's cell-by-cell writer would.

Examples
--------
>>> display_width("财政所 ok")
9
"""

from __future__ import annotations

import functools
import html
import operator
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalstats.present.format import count, fixed, percent, pvalue
from evalstats.present.report.layout import LINE_PT, ROW_MAX_PT

EXCEL_MAX_CHARS = 32_767
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384


def display_width(text: str, limit: int = 200) -> int:
    """Columns a text takes in a spreadsheet: CJK (wide) characters count two."""
    width = 0
    for line in text[:limit].split("\n"):
        w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        width = max(width, w)
    return width


_WIDTH_CHUNK = 16_384
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
"""Day 0 of Excel's 1900 date system (openpyxl's ``WINDOWS_EPOCH``)."""


@functools.cache
def _wide_bmp() -> np.ndarray:
    """For each code point of the Basic Multilingual Plane: East Asian Wide or Fullwidth."""
    return np.fromiter(
        (unicodedata.east_asian_width(chr(c)) in "WF" for c in range(0x10000)),
        dtype=bool,
        count=0x10000,
    )


def _max_display_width(texts: list[str], limit: int = 200) -> int:
    """The largest :func:`display_width` of a list of str, vectorised.

    The first ``limit`` characters of each text become rows of code points; a character is 2
    wide when East Asian Wide or Fullwidth, a line's width is the running sum since the last
    ``\\n``.
    """
    best = 0
    cut = operator.itemgetter(slice(0, limit))
    wide_bmp = _wide_bmp()
    for start in range(0, len(texts), _WIDTH_CHUNK):
        arr = np.array(list(map(cut, texts[start : start + _WIDTH_CHUNK])), dtype=str)
        codes = arr.view(np.uint32).reshape(len(arr), -1)
        wide = wide_bmp[codes & 0xFFFF]
        astral = codes > 0xFFFF
        if astral.any():
            found = codes[astral]
            uniq, inverse = np.unique(found, return_inverse=True)
            flags = np.array([unicodedata.east_asian_width(chr(c)) in "WF" for c in uniq.tolist()])
            wide[astral] = flags[inverse.ravel()]
        width = wide.astype(np.int32) + 1
        newline = codes == 10
        width[newline | (codes == 0)] = 0  # 0: padding of shorter texts (NUL is removed)
        total = np.cumsum(width, axis=1, dtype=np.int64)
        line_start = np.maximum.accumulate(np.where(newline, total, 0), axis=1)
        best = max(best, int((total - line_start).max(initial=0)))
    return best


def text_extents(texts: list[str], limit: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Per text: its display width summed over its lines (CJK counting two) and its number of
    line breaks, from its first ``limit`` characters; vectorised as :func:`display_width`.

    Examples
    --------
    >>> [a.tolist() for a in text_extents(["财政所 ok", "a\\nbc", ""])]
    [[9, 3, 0], [0, 1, 0]]
    """
    widths = np.zeros(len(texts), dtype=np.int64)
    breaks = np.zeros(len(texts), dtype=np.int64)
    cut = operator.itemgetter(slice(0, limit))
    wide_bmp = _wide_bmp()
    for start in range(0, len(texts), _WIDTH_CHUNK):
        arr = np.array(list(map(cut, texts[start : start + _WIDTH_CHUNK])), dtype=str)
        if arr.dtype.itemsize == 0:
            continue
        codes = arr.view(np.uint32).reshape(len(arr), -1)
        wide = wide_bmp[codes & 0xFFFF]
        astral = codes > 0xFFFF
        if astral.any():
            found = codes[astral]
            wide[astral] = [unicodedata.east_asian_width(chr(c)) in "WF" for c in found.tolist()]
        newline = codes == 10
        width = np.where(newline | (codes == 0), 0, wide.astype(np.int64) + 1)
        stop = start + len(arr)
        widths[start:stop] = width.sum(axis=1)
        breaks[start:stop] = newline.sum(axis=1)
    return widths, breaks


def _numeric_width(x: np.ndarray, how: str, decimals: int = 2) -> int:
    """Width of the widest formatted number of ``x`` (float64, NaN for missing)."""
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return 4
    if how == "datetime":
        return len("2026-01-01 00:00")
    big = float(np.abs(finite).max())
    neg = bool((finite < 0).any())
    if how == "percent":
        text = percent(big)
    elif how == "pvalue":  # the widest form a p-value takes: <0.001
        text = max((pvalue(p) for p in (0.5, 0.005, 0.0001)), key=len)
    elif how == "integer":
        text = count(big)
    else:
        text = fixed(big, decimals)
    return len(text) + int(neg)


def _excel_serial(t: pd.Series) -> np.ndarray:
    """Excel serial day numbers of naive datetimes (NaN for missing), as openpyxl computes.

    ``openpyxl.utils.datetime.to_excel``: whole days since 1899-12-30 (one less up to
    1900-02-28, Excel's leap-year bug), plus ``(h*3600 + m*60 + s + µs/1e6) / 86400`` — the
    same float operations in the same order, so the serials are identical.
    """
    days = (t.dt.normalize() - _EXCEL_EPOCH).dt.days.to_numpy(dtype="float64", na_value=np.nan)
    days = np.where((days > 0) & (days <= 60), days - 1, days)
    seconds = (
        t.dt.hour.to_numpy(dtype="float64", na_value=np.nan) * 3600
        + t.dt.minute.to_numpy(dtype="float64", na_value=np.nan) * 60
        + t.dt.second.to_numpy(dtype="float64", na_value=np.nan)
    )
    micro = t.dt.microsecond.to_numpy(dtype="float64", na_value=np.nan)
    return days + (seconds + micro / 10**6) / 86400


def _escape_xml(texts: list[str]) -> list[str]:
    """``& < >`` escaped as lxml escapes element text.

    The texts are joined with NUL (which :func:`neutralize` removes, so no text holds one),
    escaped as one string and split again; texts with a NUL are escaped one by one.
    """
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):
        return [html.escape(t, quote=False) for t in texts]
    return html.escape(joined, quote=False).split("\x00") if texts else []


@dataclass
class SheetColumn:
    """One table column as the workbook holds it, before its style ids are known.

    ``values`` are XML-ready texts (numbers as openpyxl writes them, ``%.16g``; text escaped,
    in ``<t>`` with ``xml:space="preserve"`` when it has outer white space; ``""`` for an empty
    text), None where the cell is missing.  ``style`` is a detached cell with the style of
    the cells that have a value (number format, wrap alignment; None: no style); ``blank``
    the style of the missing cells of a wrapped column (wrap only, no number format: the
    cell-by-cell writer formatted only the cells it wrote a value to).  ``lines``: per row, the
    lines a wrapped column's cell takes (None: one each); a row is given the height of its
    tallest cell (:func:`evalstats.present.report.layout.row_height`).
    """

    text: bool
    values: np.ndarray
    wrap: bool
    style: object
    blank: object
    style_id: int = 0
    blank_id: int = 0
    lines: np.ndarray | None = None

    def register_order(self) -> list[tuple[int, str]]:
        """``(first data row, "style" or "blank")`` of the styles the column's cells use."""
        present = pd.notna(self.values)
        out = []
        if self.style is not None and present.any():
            out.append((int(np.argmax(present)), "style"))
        if self.blank is not None and not present.all():
            out.append((int(np.argmin(present)), "blank"))
        return out


def _objects(items: list) -> np.ndarray:
    """A 1-d object array of ``items``."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def text_column(s: pd.Series, lang: str) -> tuple[np.ndarray, int, int]:
    """XML text of a text column's cells (None where missing), its width, cells cut."""
    obj = s.astype(object)
    present = obj.notna().to_numpy(dtype=bool)
    texts = obj.to_numpy(dtype=object)[present]
    if pd.api.types.infer_dtype(texts, skipna=False) not in ("string", "empty"):
        texts = np.frompyfunc(str, 1, 1)(texts).astype(object)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    long = np.flatnonzero(lengths > EXCEL_MAX_CHARS)
    for k in long:  # rare: only the texts over the limit
        texts[k] = _cut(texts[k], lang)
    texts = texts.tolist()
    width = _max_display_width(texts)
    text = _objects(texts)
    preserve = _objects(list(map(str.strip, texts))) != text
    esc = _objects(_escape_xml(texts))
    esc = np.where(preserve, '<t xml:space="preserve">' + esc, "<t>" + esc) + "</t>"
    values = np.full(len(s), None, dtype=object)
    values[present] = np.where(text == "", "", esc)
    return values, width, len(long)


def number_column(s: pd.Series, how: str) -> tuple[np.ndarray, int, object]:
    """``%.16g`` text of a numeric or datetime column (None where missing), its width, and
    its first value (what openpyxl would see first)."""
    if how == "datetime":
        t = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        x = _excel_serial(t)
    else:
        x = s.astype("float64").to_numpy(na_value=np.nan)
    width = _numeric_width(x, how)
    ok = np.isfinite(x)
    values = np.full(len(x), None, dtype=object)
    values[ok] = list(map("%.16g".__mod__, x[ok].tolist()))
    first = None
    if ok.any():
        k = int(np.argmax(ok))
        first = t.iloc[k].to_pydatetime() if how == "datetime" else float(x[k])
    return values, width, first


def _rows_xml(columns: list[SheetColumn], start: int, stop: int) -> tuple[str, int]:
    """The ``<row>`` elements of data rows ``start:stop`` (0 is the sheet's row 2) as
    openpyxl's writer serialises them, and the sheet row of the last that has a cell (0
    when none has).

    Built per column with object-array string operations and joined once: no Python work
    per cell.
    """
    from openpyxl.utils import get_column_letter

    n = stop - start
    numbers = np.arange(start + 2, stop + 2).astype(str).astype(object)
    grid = np.full((n, len(columns) + 2), "", dtype=object)
    any_cell = np.zeros(n, dtype=bool)
    for col, c in enumerate(columns, start=1):
        values = c.values[start:stop]
        head = '<c r="' + get_column_letter(col) + numbers
        style = f' s="{c.style_id}"' if c.style is not None else ""
        blank = f' s="{c.blank_id}"' if c.blank is not None else ""
        present = pd.notna(values)
        inner = np.where(present, values, "")
        if c.text:
            filled = np.where(
                inner == "",
                head + f'"{style} t="inlineStr"></c>',
                head + f'"{style} t="inlineStr"><is>' + inner + "</is></c>",
            )
        else:
            filled = head + f'"{style} t="n"><v>' + inner + "</v></c>"
        if c.wrap:
            cells = np.where(present, filled, head + f'"{blank} t="n"></c>')
            any_cell[:] = True
        else:
            cells = np.where(present, filled, "")
            any_cell |= present
        grid[:, col] = cells
    lines = [c.lines[start:stop] for c in columns if c.lines is not None]
    tall = np.maximum.reduce(lines) if lines else np.ones(n, dtype=np.int64)
    heights = np.minimum(LINE_PT * np.maximum(tall, 1), ROW_MAX_PT).astype(np.int64)
    opening = np.where(
        tall > 1,
        '<row r="'
        + numbers
        + '" ht="'
        + heights.astype(str).astype(object)
        + '" customHeight="1">',
        '<row r="' + numbers + '">',
    )
    grid[any_cell, 0] = opening[any_cell]
    grid[any_cell, -1] = "</row>"
    last = int(np.flatnonzero(any_cell)[-1]) + start + 2 if any_cell.any() else 0
    return "".join(grid.ravel().tolist()), last


_ROWS_CHUNK = 65_536


def sheet_rewrite(columns: list[SheetColumn], n_rows: int):
    """The edit of a sheet's XML part that adds its data rows (see ``workbook_bytes``).

    openpyxl has written the header row; the rows, serialised a block of rows at a time, are
    inserted before ``</sheetData>`` (a literal that text cannot contain: ``<`` is always
    escaped) and the dimension is widened to the last row with a cell, as openpyxl computes
    it.  Text is written as ASCII with character references, as openpyxl's writer does.
    """
    from openpyxl.utils import get_column_letter

    def edit(data: bytes) -> bytes:
        if data.count(b"</sheetData>") != 1:
            raise RuntimeError("unexpected worksheet XML from openpyxl: no single </sheetData>")
        blocks, last = [], 1
        for start in range(0, n_rows, _ROWS_CHUNK):
            rows, block_last = _rows_xml(columns, start, min(start + _ROWS_CHUNK, n_rows))
            blocks.append(rows.encode("ascii", "xmlcharrefreplace"))
            last = max(last, block_last)
        ref = f"A1:{get_column_letter(len(columns))}{last}".encode("ascii")
        data, n = re.subn(
            rb'<dimension ref="[^"]*"/>', b'<dimension ref="' + ref + b'"/>', data, count=1
        )
        if n != 1:
            raise RuntimeError("unexpected worksheet XML from openpyxl: no dimension")
        return data.replace(b"</sheetData>", b"".join(blocks) + b"</sheetData>")

    return edit


def _cut(text: str, lang: str) -> str:
    marker = (
        "…（超出 Excel 单元格上限，全文见 CSV）"
        if lang == "zh"
        else "… (cut at Excel's cell limit; full text in the CSV)"
    )
    return text[: EXCEL_MAX_CHARS - len(marker)] + marker


__all__ = [
    "EXCEL_MAX_CHARS",
    "EXCEL_MAX_COLUMNS",
    "EXCEL_MAX_ROWS",
    "SheetColumn",
    "display_width",
    "number_column",
    "sheet_rewrite",
    "text_column",
    "text_extents",
]
