"""How a workbook sheet is laid out for reading and printing on A4: column widths, the lines a
wrapped cell takes, row heights, and the page setup.

One home for these rules: :func:`evalstats.present.report.write_workbook` uses them, and the tests
check their properties (a printed font of at least :data:`MIN_PRINTED_PT` on every sheet).

Widths are in Excel's unit, the width of one digit of the default font (Calibri 11 pt, 7 pixels
at 96 dpi: :data:`MM_PER_WIDTH_UNIT` mm); a CJK character counts two
(:func:`evalstats.present.report.cells.display_width`).

Examples
--------
>>> column_width(6, 8), column_width(300, 8, text=True)
((8.0, False), (32.0, True))
>>> print_layout([10.0] * 7), print_layout([10.0] * 30).orientation
(PrintLayout(orientation='portrait', scale=100, title_cols=None), 'landscape')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

FONT_PT = 11.0
"""Size of the workbook's text (openpyxl's default font, Calibri 11 pt)."""
LINE_PT = 16.0
"""Height in points of one line of 11 pt text, CJK included."""
ROW_MAX_PT = 409.0
"""Excel's largest row height."""
MIN_PRINTED_PT = 7.0
"""The smallest printed text size a sheet may have: ``FONT_PT`` × the print scale."""
MIN_FIT_SCALE = 0.70
"""A sheet is scaled to one page wide only when that prints it at this scale or larger."""
WIDE_SCALE = 80
"""Print scale (%) of a sheet too wide for one landscape page at :data:`MIN_FIT_SCALE`: it
prints on several pages wide, its key columns repeated on each."""
TEXT_WIDTH_MAX = 30
"""A text column wider than this (CJK counting two) wraps within this width."""
NUMBER_WIDTH_MAX = 60
"""A numeric column (or a header) wider than this wraps."""
MIN_WIDTH = 6
"""The narrowest column."""
PAD = 2
"""Width added to a column's content (cell padding)."""
MM_PER_WIDTH_UNIT = 7 * 25.4 / 96
"""Millimetres of one unit of Excel column width (7 pixels at 96 dpi)."""
METRIC_SLACK = 1.35
"""How much wider than Excel another program may draw a column: LibreOffice without
Calibri's metrics (no Carlito font) takes the unit from its fallback font, about a third wider.
A sheet is laid out to fit a page in that program too (in Excel it leaves some of the page's
width empty)."""
A4_MM = (210.0, 297.0)
"""A4 paper, width and height in millimetres."""
MARGINS_IN = (0.4, 0.4, 0.8, 0.7)
"""Page margins in inches: left, right, top, bottom (the page header and footer, 0.3 in from
the paper's edge, sit above and below the table)."""
KEY_COLUMNS = ("unit_name", "unit", "series")
"""Columns repeated on every page of a sheet printed several pages wide (up to the last of
them among the sheet's first :data:`KEY_SPAN` columns)."""
KEY_SPAN = 4


def printable_width(orientation: str) -> float:
    """Width units that fit across an A4 page at 100 %, between the margins.

    Examples
    --------
    >>> round(printable_width("portrait"), 1), round(printable_width("landscape"), 1)
    (102.4, 149.4)
    """
    paper = A4_MM[0] if orientation == "portrait" else A4_MM[1]
    return (paper - (MARGINS_IN[0] + MARGINS_IN[1]) * 25.4) / MM_PER_WIDTH_UNIT


def column_width(content: int, header: int, *, text: bool = False) -> tuple[float, bool]:
    """A column's width and whether its cells wrap, from the display widths of its widest
    value (``content``) and of its header.

    The header row wraps, so a header counts at half its width (two lines, rounded up to
    whole CJK characters) when it is the wider; a text column wider than
    :data:`TEXT_WIDTH_MAX` wraps within that width, any other beyond
    :data:`NUMBER_WIDTH_MAX`; :data:`PAD` is added, and no column is narrower than
    :data:`MIN_WIDTH`.

    Examples
    --------
    >>> column_width(5, 16), column_width(12, 4), column_width(80, 8, text=True)
    ((10.0, False), (14.0, False), (32.0, True))
    """
    head = 2 * math.ceil(header / 4)  # half, in whole CJK characters
    cap = TEXT_WIDTH_MAX if text else NUMBER_WIDTH_MAX
    wrapped = content > cap
    width = max(min(content, cap), min(head, NUMBER_WIDTH_MAX)) + PAD
    return float(max(width, MIN_WIDTH)), wrapped


CJK_EXTRA = 1.1
"""Excel draws a CJK character 2.1 units wide where :func:`display_width` counts 2: the
usable width of a wrapped cell is divided by this."""


def text_lines(width: int, column_width: float, newlines: int = 0) -> int:
    """Lines a text of display ``width`` (the sum of its lines) takes in a wrapped cell of
    ``column_width``, plus one per line break; at least 1.

    Examples
    --------
    >>> text_lines(0, 12.0), text_lines(18, 12.0), text_lines(19, 12.0, newlines=1)
    (1, 2, 4)
    """
    usable = max(column_width - PAD, 1.0) / CJK_EXTRA
    return max(1, math.ceil(width / usable) + newlines)


def row_height(lines: int) -> int:
    """Height in points of a row whose tallest cell takes ``lines`` lines (Excel does not grow
    a row for wrapped text it did not write, nor does LibreOffice on opening the file).

    Examples
    --------
    >>> row_height(1), row_height(3), row_height(100)
    (16, 48, 409)
    """
    return int(min(LINE_PT * max(lines, 1), ROW_MAX_PT))


@dataclass(frozen=True)
class PrintLayout:
    """How a sheet prints on A4: its orientation, its print ``scale`` (%), and the columns
    ``title_cols`` (``"A:C"``; None: none) repeated on each page when it takes several pages
    wide.
    """

    orientation: str
    scale: int
    title_cols: str | None


def print_layout(widths: Sequence[float], *, keys: Sequence[str] = ()) -> PrintLayout:
    """The print layout of a sheet whose columns have ``widths`` (``keys``: its column names).

    Portrait at 100 % when the sheet fits one portrait page; else landscape, at the scale that
    fits it to one page wide when that is at least :data:`MIN_FIT_SCALE`; else landscape at
    :data:`WIDE_SCALE` % on several pages wide, the key columns (:data:`KEY_COLUMNS`, with the
    columns before them, if they take at most half a page) repeated on each page.

    The scale is stated, never left to the program's fit-to-page: the printed text is
    ``FONT_PT × scale`` whatever the fonts of the machine (LibreOffice without Calibri's metrics
    draws columns about a third wider than Excel and would shrink a fitted sheet further).
    Widths are taken :data:`METRIC_SLACK` times wider, so that a sheet fitted to a page fits
    it in LibreOffice too.

    Examples
    --------
    >>> print_layout([10.0] * 15)
    PrintLayout(orientation='landscape', scale=73, title_cols=None)
    >>> print_layout([10.0] * 40, keys=["cycle", "unit_name", "series", "x"])
    PrintLayout(orientation='landscape', scale=80, title_cols='A:C')
    """
    total = float(sum(widths)) * METRIC_SLACK
    if total <= printable_width("portrait"):
        return PrintLayout("portrait", 100, None)
    fit = printable_width("landscape") / total
    if fit >= MIN_FIT_SCALE:
        return PrintLayout("landscape", min(100, math.floor(fit * 100)), None)
    keys = list(keys)[:KEY_SPAN]
    last = max((p for p, k in enumerate(keys) if k in KEY_COLUMNS), default=None)
    title = None
    if last is not None:
        span = sum(widths[: last + 1]) * METRIC_SLACK * WIDE_SCALE / 100
        if span <= printable_width("landscape") / 2:
            title = f"A:{_letter(last + 1)}"
    return PrintLayout("landscape", WIDE_SCALE, title)


def _letter(col: int) -> str:
    """Column letter of a 1-based column number."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def apply_print_layout(ws, layout: PrintLayout, *, header_rows: int | None = 1) -> None:
    """Set an openpyxl sheet's page setup from ``layout``: A4, margins, sheet name in the page
    header and "page / pages" in the footer, the first ``header_rows`` rows and the layout's
    title columns repeated on every page.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> apply_print_layout(ws, print_layout([10.0] * 40, keys=["unit_name"]))
    >>> ws.page_setup.scale, ws.print_title_cols, ws.sheet_properties.pageSetUpPr.fitToPage
    (80, '$A:$A', False)
    """
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.orientation = layout.orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.scale = layout.scale
    ws.page_setup.pageOrder = (
        "overThenDown"  # a wide sheet's pages side by side, row block by block
    )
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    left, right, top, bottom = MARGINS_IN
    ws.page_margins = PageMargins(
        left=left, right=right, top=top, bottom=bottom, header=0.3, footer=0.3
    )
    ws.oddHeader.center.text = "&A"
    ws.oddFooter.center.text = "&P / &N"
    if header_rows:
        ws.print_title_rows = f"1:{header_rows}"
    if layout.title_cols:
        ws.print_title_cols = layout.title_cols


__all__ = [
    "A4_MM",
    "CJK_EXTRA",
    "FONT_PT",
    "KEY_COLUMNS",
    "KEY_SPAN",
    "LINE_PT",
    "MARGINS_IN",
    "METRIC_SLACK",
    "MIN_FIT_SCALE",
    "MIN_PRINTED_PT",
    "MIN_WIDTH",
    "MM_PER_WIDTH_UNIT",
    "NUMBER_WIDTH_MAX",
    "PAD",
    "ROW_MAX_PT",
    "TEXT_WIDTH_MAX",
    "WIDE_SCALE",
    "PrintLayout",
    "apply_print_layout",
    "column_width",
    "print_layout",
    "printable_width",
    "row_height",
    "text_lines",
]
