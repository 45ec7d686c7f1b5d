"""The formatted Excel workbook of a report: an About sheet, then one sheet per table.

Examples
--------
>>> sheet_title("a/b: c?")
'ab c'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evalstats.core.config import resolve_path
from evalstats.core.files import atomic_write_bytes
from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.version import __version__
from evalstats.present.format import EXCEL_NUMBER_FORMATS
from evalstats.present.labels import (
    LANGS,
    TABLE_LABELS,
    column_format,
    column_label,
    for_language,
    relabel,
    rounding_note,
)
from evalstats.present.names import with_unit_names
from evalstats.present.report.cells import (
    EXCEL_MAX_CHARS,
    EXCEL_MAX_COLUMNS,
    EXCEL_MAX_ROWS,
    SheetColumn,
    display_width,
    number_column,
    sheet_rewrite,
    text_column,
    text_extents,
)
from evalstats.present.report.files import check_tables, with_index
from evalstats.present.report.layout import (
    CJK_EXTRA,
    PAD,
    PrintLayout,
    apply_print_layout,
    column_width,
    print_layout,
    row_height,
    text_lines,
)
from evalstats.present.report.safety import CONTROL_CHARS, QUOTE, neutralize, neutralize_text
from evalstats.present.rules import RULES_HEADING, RulesSection, rules_plain

SHEET_NAME_MAX = 31
NUMBER_FORMATS = EXCEL_NUMBER_FORMATS
"""Excel number format of each :func:`evalstats.present.labels.column_format` kind
(:data:`evalstats.present.format.EXCEL_NUMBER_FORMATS`: the one formatter's rules)."""


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: set[str] | None = None) -> str:
    """A valid, unique Excel sheet name from ``name``.

    Removes ``[ ] : * ? / \\``, leading and trailing apostrophes and control characters,
    cuts to 31 characters, and adds `` (2)``, `` (3)``… when the name (case-insensitively) is
    already in ``taken`` (which is updated).

    Examples
    --------
    >>> taken = set()
    >>> sheet_title("a/b: c?", taken), sheet_title("A/B: C?", taken), sheet_title("x" * 40)
    ('ab c', 'AB C (2)', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
    """
    taken = set() if taken is None else taken
    text = _SHEET_BAD.sub("", str(name))
    text = re.sub(CONTROL_CHARS, "", text).replace("\t", " ").replace("\r", " ").replace("\n", " ")
    text = text.strip().strip("'").strip()[:SHEET_NAME_MAX].strip() or "Sheet"
    if text.casefold() == "history":
        text = f"{text}_"
    candidate, k = text, 1
    while candidate.casefold() in taken:
        k += 1
        suffix = f" ({k})"
        candidate = text[: SHEET_NAME_MAX - len(suffix)] + suffix
    taken.add(candidate.casefold())
    return candidate


def _about_rows(
    tables, titles, *, rows_per_table, notes, rules, neutralised, truncated, lang: str
) -> list[tuple[str, str]]:
    """The About sheet's rows: the notes, the scoring rules, the rounding note, the sheets (and,
    in English, their CSV files), the cells neutralised and cut, the package version."""
    zh = lang == "zh"
    rows: list[tuple[str, str]] = []
    for key, value in (notes or {}).items():
        rows.append((str(key), "" if value is None else str(value)))
    if rules:
        rows.append((RULES_HEADING[0 if zh else 1], ""))
        rows += [(sec.heading, rules_plain(sec, lang=lang)) for sec in rules]
    rows.append(("数值说明" if zh else "Numbers", rounding_note(lang)))
    # a Chinese document names no file or path: the sheets and their rows only, and one sentence
    # on where the same data is kept for statistics software (the English edition lists the files)
    listing = [
        f"{titles[name]}：{rows_per_table[name]} 行"
        if zh
        else f"{titles[name]}: tables/{name}.csv ({rows_per_table[name]} rows)"
        for name in tables
    ]
    if zh and listing:
        listing.append(
            "每张工作表的数据另存为同名数据文件（逗号分隔文本，UTF-8），随报告一并保存，供统计软件读取。"
        )
    rows.append(("工作表" if zh else "Sheets", "\n".join(listing)))
    if zh:
        text = (
            f"共 {neutralised} 个文本单元格以 = + - @、制表符或回车开头或含控制字符，"
            "已在开头加单引号或删除控制字符，以免被当作公式执行。"
        )
    else:
        text = (
            f"{neutralised} text cell(s) began with = + - @, a tab or a carriage return or "
            "held control characters: a leading apostrophe was added or the control "
            "characters removed, so that no cell runs as a formula."
        )
    rows.append(("安全处理" if zh else "Safety", text))
    if truncated:
        text = (
            f"共 {truncated} 个单元格超过 Excel 单元格上限（{EXCEL_MAX_CHARS} 个字符），"
            "在本工作簿中截断；全文见对应的 CSV 文件。"
            if zh
            else f"{truncated} cell(s) exceeded Excel's limit of {EXCEL_MAX_CHARS} characters "
            "and are cut in this workbook; the CSV files hold the full text."
        )
        rows.append(("截断" if zh else "Cut text", text))
    rows.append(("生成工具" if zh else "Generated by", f"evalstats {__version__}"))
    return rows


def write_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    scheme: Scheme | str | Path | None = None,
    lang: str = "zh",
    sheet_names: Mapping[str, str] | None = None,
    notes: Mapping[str, object] | None = None,
    safety_text: str | None = None,
    rules: Sequence[RulesSection] | None = None,
    unit_names: Mapping[str, str] | None = None,
) -> Path:
    """Write the tables as one formatted Excel workbook, for reading and printing.

    The first sheet (说明 / About) lists ``notes`` (cycle, analysis, …), the rounding note,
    the sheets with their CSV files, how many text cells were neutralised, and the package
    version.  Then one sheet per table: headers from :data:`evalstats.present.labels.COLUMN_LABELS`,
    code values as labels (:func:`evalstats.present.labels.relabel`), unrounded numbers with number
    formats (scores ``0.00``, rates ``0.0%``, counts ``#,##0``, p-values ``0.00``, below 0.01
    ``0.000``, below 0.001 ``<0.001``), a bold frozen header row with an autofilter, column
    widths from the content (:func:`evalstats.present.report.layout.column_width`: CJK
    characters count double, headers wrap onto two lines, long text wraps within 30 and its
    rows are given their height), and
    print settings (:func:`evalstats.present.report.layout.print_layout`): A4, portrait or
    landscape at a stated scale of at least 70 % (text at 7.7 pt or more), a sheet too wide for
    that on several pages wide with its unit columns repeated, the header row repeated on every
    page, sheet name and page numbers.  Codes in a Chinese sheet become words: a column of
    English text shows its Chinese twin (:func:`evalstats.present.labels.for_language`).

    Text is neutralised (:func:`neutralize`).  A text longer than Excel's cell limit (32,767
    characters) is cut in the workbook only, with a marker, and counted on the first sheet.
    The bytes depend only on the content (:func:`evalstats.inputs.template.workbook_bytes`); the
    file
    is written atomically.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Table name → table in codes, in sheet order.
    path : str or Path
        The ``.xlsx`` file; relative paths resolve from the project root.
    scheme : Scheme, path or None
        For the labels (default: the bundled scheme).
    lang : {"zh", "en"}
    sheet_names : mapping of str to str, optional
        Table name → sheet name, overriding :data:`evalstats.present.labels.TABLE_LABELS`.  Sheet
        names
        are made valid (see :func:`sheet_title`).
    notes : mapping, optional
        Label → text rows of the first sheet, in order.
    safety_text : str, optional
        The text of the first sheet's safety row, in place of the count of cells this
        function neutralised.  Tables read back from CSV files written by
        :func:`write_tables` are inert already, so that count would be 0; the runner states
        instead how many cells were neutralised when the tables were written
        (:func:`evalstats.run.runner.safety_note`).
    rules : sequence of RulesSection, optional
        The scoring rules (:func:`evalstats.present.rules.rules_text`), listed on the first
        sheet under 评分规则 / Scoring rules, one row per section, after ``notes``.
    unit_names : mapping of str to str, optional
        Unit code → the name the sheets show in ``unit_name`` columns
        (:func:`evalstats.present.names.unit_names`: the English edition's English names);
        default the tables' own names.

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        A table name is not a safe file name, or a table exceeds Excel's size (1,048,575 rows
        below the header, 16,384 columns).

    Notes
    -----
    Only the first sheet and the header rows are openpyxl cells.  The data rows are prepared
    column by column with numpy (numbers as openpyxl writes them, text escaped, widths from
    code points) and put into each sheet's XML part as the file is written, with the
    styles registered in the order openpyxl's writer would meet the cells: the file is byte
    for byte the one the cell-by-cell openpyxl writer gave (``tests/test_report.py`` keeps
    that writer and checks), about 4.6 times faster on the 560,000 cells of a
    1,000,000-form cycle (``benchmarks/bench_workbook.py``).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from openpyxl import load_workbook
    >>> t = pd.DataFrame({"unit_name": ["财政所"], "composite": [88.037]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     wb = load_workbook(write_workbook({"ranking": t}, f"{d}/r.xlsx"))
    ...     wb.sheetnames, wb["排名"]["B1"].value, wb["排名"]["B2"].number_format
    (['说明', '排名'], '综合得分', '0.00')
    """
    from openpyxl import Workbook

    from evalstats.inputs.template import workbook_bytes

    i = LANGS.index(check_option("lang", lang, LANGS))
    tables = _check_arguments(tables, sheet_names=sheet_names, notes=notes, safety_text=safety_text)
    if unit_names:
        tables = {name: with_unit_names(t, unit_names) for name, t in tables.items()}
    if rules is not None and not all(isinstance(r, RulesSection) for r in rules):
        raise TypeError("rules must be a sequence of RulesSection (see rules_text)")
    scheme = resolve_scheme(scheme)
    _check_sizes(tables)

    # The workbook is built in openpyxl's normal mode, but only the About sheet and the
    # header rows are openpyxl cells: the data rows of each table are serialised column by
    # column (evalstats.present.report.cells) and put into the sheet's XML part while the
    # file is written (sheet_rewrite), byte for byte as openpyxl would write those cells.
    # Styles are registered in the order openpyxl's writer would meet them (About, then each
    # sheet row by row), so styles.xml is the same too.
    wb = Workbook()
    about = wb.active
    taken: set[str] = set()
    about.title = sheet_title(TABLE_LABELS["about"][i], taken)
    titles = _sheet_titles(tables, sheet_names, lang=LANGS[i], taken=taken)
    look = _look()
    sheets = [
        _table_sheet(wb.create_sheet(titles[name]), raw, scheme=scheme, lang=LANGS[i], look=look)
        for name, raw in tables.items()
    ]
    rows = _about_rows(
        tables,
        titles,
        rows_per_table={name: s.n_rows for name, s in zip(tables, sheets, strict=True)},
        notes=notes,
        rules=rules,
        neutralised=sum(s.neutralised for s in sheets),
        truncated=sum(s.truncated for s in sheets),
        lang=LANGS[i],
    )
    if safety_text is not None:
        safety = "安全处理" if i == 0 else "Safety"
        rows = [(k, safety_text if k == safety else v) for k, v in rows]
    about_cells = _about_sheet(about, rows, lang=LANGS[i], look=look)
    rewrite = _register_styles(wb, about_cells, sheets)
    path = resolve_path(path)
    return atomic_write_bytes(path, workbook_bytes(wb, rewrite=rewrite))


def _check_arguments(tables, *, sheet_names, notes, safety_text) -> dict[str, pd.DataFrame]:
    """The tables checked (:func:`check_tables`) and the options' types."""
    tables = check_tables(tables)
    if sheet_names is not None and not isinstance(sheet_names, Mapping):
        raise TypeError(f"sheet_names must be a mapping; got {type(sheet_names).__name__}")
    if notes is not None and not isinstance(notes, Mapping):
        raise TypeError(f"notes must be a mapping of label to text; got {type(notes).__name__}")
    if safety_text is not None and not isinstance(safety_text, str):
        raise TypeError(f"safety_text must be a str or None; got {type(safety_text).__name__}")
    return tables


def _check_sizes(tables: dict[str, pd.DataFrame]) -> None:
    """Refuse a table larger than an Excel sheet."""
    for name, df in tables.items():
        df = with_index(df)
        if len(df) > EXCEL_MAX_ROWS - 1 or df.shape[1] > EXCEL_MAX_COLUMNS:
            raise ValueError(
                f"table {name!r} has {len(df):,} rows and {df.shape[1]:,} columns; an Excel "
                f"sheet holds at most {EXCEL_MAX_ROWS - 1:,} rows below the header and "
                f"{EXCEL_MAX_COLUMNS:,} columns"
            )


def _sheet_titles(tables, sheet_names, *, lang: str, taken: set[str]) -> dict[str, str]:
    """Table name → its sheet's title (``sheet_names``, else the table's label)."""
    i = LANGS.index(lang)
    titles: dict[str, str] = {}
    for name in tables:
        wanted = (sheet_names or {}).get(name)
        if wanted is None:
            wanted = TABLE_LABELS[name][i] if name in TABLE_LABELS else name
        titles[name] = sheet_title(neutralize_text(str(wanted)).lstrip(QUOTE), taken)
    return titles


@dataclass(frozen=True)
class _Look:
    """The shared styles of the workbook's cells (openpyxl style objects)."""

    bold: object
    fill: object
    head_align: object
    wrap: object


def _look() -> _Look:
    from openpyxl.styles import Alignment, Font, PatternFill

    return _Look(
        bold=Font(bold=True),
        fill=PatternFill("solid", fgColor="DDEBF7"),
        head_align=Alignment(horizontal="center", vertical="center", wrap_text=True),
        wrap=Alignment(wrap_text=True, vertical="top"),
    )


@dataclass(frozen=True)
class _Sheet:
    """A table's sheet: its header cells, its data columns, and what was changed in it."""

    ws: object
    headers: list
    columns: list[SheetColumn]
    n_rows: int
    neutralised: int
    truncated: int


def _table_sheet(ws, raw: pd.DataFrame, *, scheme, lang: str, look: _Look) -> _Sheet:
    """Fill ``ws`` with a table: labelled, neutralised header cells; data columns prepared
    (:mod:`evalstats.present.report.cells`); widths, frozen header, filter, print setup."""
    from openpyxl.utils import get_column_letter

    raw = for_language(with_index(raw), lang)
    shown = relabel(raw, scheme=scheme, lang=lang)
    shown.columns = [column_label(c, lang, scheme=scheme) for c in raw.columns]
    shown, neutralised = neutralize(shown)
    kinds = [column_format(raw.columns[p], raw.iloc[:, p].dtype) for p in range(raw.shape[1])]
    headers = []
    for col, header in enumerate(shown.columns, start=1):
        cell = ws.cell(row=1, column=col, value=str(header))
        cell.font = look.bold
        cell.fill = look.fill
        cell.alignment = look.head_align
        headers.append(cell)
    columns: list[SheetColumn] = []
    truncated = 0
    for col, how in enumerate(kinds, start=1):
        column, cut = _sheet_column(ws, shown, col=col, how=how, lang=lang, look=look)
        columns.append(column)
        truncated += cut
    ws.freeze_panes = "A2"
    if raw.shape[1]:
        ws.auto_filter.ref = f"A1:{get_column_letter(raw.shape[1])}{len(raw) + 1}"
    sheet_layout(ws, [str(h) for h in shown.columns], keys=[str(c) for c in raw.columns])
    return _Sheet(ws, headers, columns, len(raw), neutralised, truncated)


def sheet_layout(ws, headers: Sequence[str], *, keys: Sequence[str] = ()) -> PrintLayout:
    """Give a table sheet whose column widths are set its header row's height (the tallest
    wrapped header) and its print layout (:func:`evalstats.present.report.layout.print_layout`,
    ``keys``: the table's column names); the layout.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> ws.column_dimensions["A"].width = 10.0
    >>> sheet_layout(ws, ["综合得分下限是否有效"]).orientation, ws.row_dimensions[1].height
    ('portrait', 48.0)
    """
    from openpyxl.utils import get_column_letter

    widths = [ws.column_dimensions[get_column_letter(c)].width for c in range(1, len(headers) + 1)]
    lines = [text_lines(display_width(h), w) for h, w in zip(headers, widths, strict=True)]
    if max(lines, default=1) > 1:
        ws.row_dimensions[1].height = row_height(max(lines))
    layout = print_layout(widths, keys=keys)
    apply_print_layout(ws, layout)
    return layout


def _sheet_column(ws, shown: pd.DataFrame, *, col: int, how: str, lang: str, look: _Look):
    """Column ``col`` (1-based) of a sheet: its :class:`SheetColumn` (values, wrap, the styles
    of its cells) and the number of texts cut; sets the column's width."""
    from openpyxl.cell import Cell
    from openpyxl.utils import get_column_letter

    s = shown.iloc[:, col - 1]
    style = blank = None
    cut = 0
    if how in ("text", "bool"):
        values, width, cut = text_column(s, lang)
    else:
        values, width, first = number_column(s, how)
        if first is not None:
            # the column's first value cell as the cell-by-cell writer made it: a
            # datetime value gives openpyxl's default date format before ours
            style = Cell(ws, value=first)
            style.number_format = NUMBER_FORMATS[how]
    header_width = display_width(str(shown.columns[col - 1]))
    text = how in ("text", "bool")
    col_width, wrapped = column_width(width, header_width, text=text)
    ws.column_dimensions[get_column_letter(col)].width = col_width
    wrapped = wrapped and len(values) > 0
    lines = None
    if wrapped and text:
        lines = wrapped_lines(s, col_width)
    if wrapped:
        blank = Cell(ws)
        blank.alignment = look.wrap
        if style is not None:
            style.alignment = look.wrap
        elif how in ("text", "bool"):
            style = blank
    return SheetColumn(text, values, wrapped, style, blank, lines=lines), cut


def wrapped_lines(s: pd.Series, width: float):
    """Per cell of a wrapped text column of ``width``: the lines its text takes (1 when
    missing), CJK counting two (:func:`evalstats.present.report.layout.text_lines`).

    Examples
    --------
    >>> import pandas as pd
    >>> wrapped_lines(pd.Series(["一" * 30, None, "a\\nb"]), 32.0).tolist()
    [3, 1, 2]
    """
    import numpy as np

    present = s.notna().to_numpy(dtype=bool)
    texts = [str(v) for v in s.to_numpy(dtype=object)[present]]
    widths, breaks = text_extents(texts)
    usable = max(width - PAD, 1.0) / CJK_EXTRA
    lines = np.ones(len(s), dtype=np.int64)
    lines[present] = np.maximum(1, np.ceil(widths / usable).astype(np.int64) + breaks)
    return lines


ABOUT_WIDTHS = (14.0, 60.0)
"""Widths of the About sheet's two columns (label, text), in Excel character units: together
they fit a portrait A4 page at 100 % (:func:`evalstats.present.report.layout.printable_width`)."""
ABOUT_LAYOUT = print_layout(ABOUT_WIDTHS)
"""The About sheet prints portrait at 100 % (its widths fit the page)."""
ABOUT_LINE_HEIGHT = 16.0
"""Height in points of one line of the About sheet's text (11 pt, CJK included)."""


def about_row_height(key: str, text: str, *, widths=ABOUT_WIDTHS) -> float:
    """The height (points) a row of the About sheet needs to show all its text wrapped.

    Rows are given their height (Excel does not grow a row for wrapped text it did not
    write): each line of ``text`` takes ``ceil(width / usable)`` lines of the text column,
    a CJK character counting two (:func:`evalstats.present.report.cells.display_width`),
    with a margin so that a font slightly wider than Excel's unit does not cut the last line.

    Examples
    --------
    >>> about_row_height("评分规则", ""), about_row_height("x", "一" * 120)
    (16.0, 80.0)
    """
    usable = [max(w - PAD, 1.0) / CJK_EXTRA for w in widths]
    need = 0
    for part, usable_width in ((key, usable[0]), (text, usable[1])):
        lines = sum(
            max(1, math.ceil(display_width(line) / usable_width)) for line in str(part).split("\n")
        )
        need = max(need, lines)
    return ABOUT_LINE_HEIGHT * max(need, 1)


def _about_sheet(about, rows: list[tuple[str, str]], *, lang: str, look: _Look) -> list:
    """Fill the About sheet (a title, then ``rows`` of label and text, each row as high as its
    wrapped text); its cells, in order."""
    from openpyxl.styles import Alignment, Font

    title = "工作簿说明" if lang == "zh" else "About this workbook"
    about_cells = [about.cell(row=1, column=1, value=title)]
    about_cells[0].font = Font(bold=True, size=14)
    for r, (key, value) in enumerate(rows, start=3):
        k = about.cell(row=r, column=1, value=neutralize_text(key))
        k.font = look.bold
        k.alignment = Alignment(vertical="top", wrap_text=True)
        k.data_type = "s"
        v = about.cell(row=r, column=2, value=neutralize_text(value)[:EXCEL_MAX_CHARS])
        v.alignment = look.wrap
        v.data_type = "s"
        about.row_dimensions[r].height = about_row_height(key, v.value)
        about_cells += [k, v]
    about.column_dimensions["A"].width = ABOUT_WIDTHS[0]
    about.column_dimensions["B"].width = ABOUT_WIDTHS[1]
    apply_print_layout(about, ABOUT_LAYOUT, header_rows=None)
    return about_cells


def _register_styles(wb, about_cells: list, sheets: list[_Sheet]) -> dict:
    """Register the style ids in the order the writer meets the cells — About, then per sheet
    the header row and the data rows (a column's style first used on its first styled row) —
    and return the edits of the sheets' XML parts that add their data rows."""
    for cell in about_cells:
        cell.style_id  # noqa: B018 — registers the style
    rewrite = {}
    for sheet in sheets:
        for cell in sheet.headers:
            cell.style_id  # noqa: B018
        columns = sheet.columns
        order = sorted(
            (row, col, which) for col, c in enumerate(columns) for row, which in c.register_order()
        )
        for _, col, which in order:
            c = columns[col]
            setattr(c, f"{which}_id", getattr(c, which).style_id)
        if sheet.n_rows and columns:
            position = wb.worksheets.index(sheet.ws) + 1
            rewrite[f"xl/worksheets/sheet{position}.xml"] = sheet_rewrite(columns, sheet.n_rows)
    return rewrite


__all__ = [
    "ABOUT_LAYOUT",
    "ABOUT_LINE_HEIGHT",
    "ABOUT_WIDTHS",
    "NUMBER_FORMATS",
    "SHEET_NAME_MAX",
    "about_row_height",
    "sheet_layout",
    "sheet_title",
    "wrapped_lines",
    "write_workbook",
]
