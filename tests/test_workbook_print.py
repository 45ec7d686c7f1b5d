"""The demo's workbooks print readable on A4 and read as Chinese documents (issue 14 item 7).

Built as the runner builds them (the tables written to CSV and read back, then
:func:`write_workbook`), for the half-year and the annual analysis, internal and public.  The
printed size of the text is computed here from each sheet's page setup and column widths, not
by the package's own layout functions, so that a layout rule that prints too small fails.
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from evalstats.analyses import cycle as analysis
from evalstats.core.scheme import load_scheme
from evalstats.present.report import write_tables, write_workbook
from evalstats.present.rules import rules_text
from evalstats.run.runner import read_table
from evalstats.run.runner.render import ordered_tables

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "raw"
JOBS = [
    ("half-year", "internal"),
    ("half-year", "public"),
    ("annual", "internal"),
    ("annual", "public"),
]
MIN_PT = 7.0
PAPER_MM = {"portrait": 210.0, "landscape": 297.0}  # A4
MM_PER_UNIT = 7 * 25.4 / 96  # one unit of column width: 7 pixels at 96 dpi
UNSET_WIDTH = 8.43  # Excel's width of a column the file gives none


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[tuple[str, str], Path]:
    out = {}
    for kind, tier in JOBS:
        d = tmp_path_factory.mktemp(f"{kind}-{tier}")
        if kind == "half-year":
            a = analysis.half_year("2026H1", data_dir=DATA, n_resamples=200, seed=1, tier=tier)
        else:
            a = analysis.annual("2026A", data_dir=DATA, n_resamples=200, seed=1, tier=tier)
        written = write_tables(a.tables, d / "tables")
        paths = ordered_tables(sorted(written.paths.values()))
        out[kind, tier] = write_workbook(
            {p.stem: read_table(p) for p in paths},
            d / "workbook.xlsx",
            scheme=a.scheme,
            notes={"测评周期": a.cycle, "评议方案": a.scheme.name},
            rules=rules_text(a.scheme, lang="zh", kind=kind, edition=tier),
        )
    return out


def _widths(ws) -> list[float]:
    """Width of every column of the sheet's used range (openpyxl groups equal neighbours)."""
    widths = {}
    for d in ws.column_dimensions.values():
        for col in range(d.min or 1, (d.max or d.min or 1) + 1):
            widths[col] = d.width
    return [widths.get(c) or UNSET_WIDTH for c in range(1, ws.max_column + 1)]


def _printable(ws) -> float:
    """Width units across the paper between the margins, at 100 %."""
    setup, m = ws.page_setup, ws.page_margins
    paper = PAPER_MM[setup.orientation or "portrait"]
    assert int(setup.paperSize) == 9  # A4
    return (paper - (m.left + m.right) * 25.4) / MM_PER_UNIT


def _scale(ws) -> float:
    """The print scale: fitted to ``fitToWidth`` pages wide (never enlarged), else as given."""
    setup = ws.page_setup
    if ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage:
        pages = setup.fitToWidth if setup.fitToWidth is not None else 1
        if pages == 0:  # fit to height only: width unconstrained
            return 1.0
        return min(1.0, pages * _printable(ws) / sum(_widths(ws)))
    return (setup.scale or 100) / 100


def _font_pt(ws) -> float:
    """The size of the sheet's body text (its data cells, else its first cells)."""
    sizes = [c.font.sz for row in ws.iter_rows(min_row=2, max_row=4) for c in row if c.value]
    sizes = sizes or [c.font.sz for c in ws[1] if c.value]
    return min(float(s or 11) for s in sizes)


def _display(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    """Lines a text takes wrapped in a column of ``width`` (2 units of cell padding)."""
    usable = max(width - 2, 1)
    return sum(max(1, math.ceil(_display(line) / usable)) for line in str(text).split("\n"))


@pytest.mark.parametrize(("kind", "tier"), JOBS)
def test_every_sheet_prints_at_7_pt_or_more(workbooks, kind, tier):
    wb = load_workbook(workbooks[kind, tier])
    small = {}
    for ws in wb.worksheets:
        pt = _font_pt(ws) * _scale(ws)
        if pt < MIN_PT:
            small[ws.title] = round(pt, 1)
        if ws.print_title_cols:  # the repeated columns leave room on each page
            first, last = (s.strip("$") for s in ws.print_title_cols.split(":"))
            cols = range(_index(first), _index(last) + 1)
            repeated = sum(_widths(ws)[c - 1] for c in cols) * _scale(ws)
            assert repeated <= _printable(ws) / 2, ws.title
        assert ws.oddFooter.center.text == "&P / &N", ws.title
    assert not small, f"sheets printing below {MIN_PT} pt: {small}"


def _index(letter: str) -> int:
    return next(c for c in range(1, 200) if get_column_letter(c) == letter)


@pytest.mark.parametrize(("kind", "tier"), JOBS)
def test_wide_sheets_repeat_their_header_and_key_columns(workbooks, kind, tier):
    wb = load_workbook(workbooks[kind, tier])
    for ws in wb.worksheets[1:]:
        assert ws.print_title_rows == "$1:$1", ws.title
        pages_wide = sum(_widths(ws)) * _scale(ws) / _printable(ws)
        if pages_wide > 1.01:
            heads = [c.value for c in ws[1]]
            assert ws.page_setup.orientation == "landscape", ws.title
            if "单位名称" in heads[:4]:
                assert ws.print_title_cols, ws.title
                last = _index(ws.print_title_cols.split(":")[1].strip("$"))
                assert heads.index("单位名称") < last, ws.title


@pytest.mark.parametrize(("kind", "tier"), JOBS)
def test_wrapped_text_is_not_cut(workbooks, kind, tier):
    """Row heights are set (LibreOffice does not grow a row for wrapped text it did not write):
    every wrapped cell's lines fit its row; the 说明 sheet fits a portrait page at 100 %."""
    wb = load_workbook(workbooks[kind, tier])
    about = wb.worksheets[0]
    assert about.title == "说明"
    assert about.page_setup.orientation == "portrait"
    assert sum(_widths(about)) <= _printable(about)
    cut = []
    for ws in wb.worksheets:
        widths = _widths(ws)
        for row in ws.iter_rows():
            for c in row:
                if c.value is None or not (c.alignment and c.alignment.wrap_text):
                    continue
                need = _lines(str(c.value), widths[c.column - 1])
                height = ws.row_dimensions[c.row].height or 15.0
                if height < 14.0 * need:
                    cut.append((ws.title, c.coordinate, need, height))
    assert not cut, cut[:10]


IDENTIFIER = re.compile(r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b")  # snake_case
WORD = re.compile(r"(?<![A-Za-z])[a-z]{2,}(?![A-Za-z])")  # a lower-case English word
ALLOWED = (
    re.compile(r"[\w.-]+(?:/[\w.-]+)*\.(?:csv|json|xlsx)\b"),  # a file the sheet points to
    re.compile(r"\bevalstats(?: [a-z]+)?\b"),  # the tool, and a command to run
    re.compile(r"\bsha256\b"),
)


def _codes(text: str, scheme_name: str) -> list[str]:
    for pattern in ALLOWED:
        text = pattern.sub(" ", text)
    text = text.replace(scheme_name, " ")
    found = IDENTIFIER.findall(text) + WORD.findall(text)
    found += re.findall(r"\b(?:True|False|nan|None)\b", text)
    return found


@pytest.mark.parametrize(("kind", "tier"), JOBS)
def test_chinese_sheets_carry_no_english_codes(workbooks, kind, tier):
    wb = load_workbook(workbooks[kind, tier])
    scheme_name = load_scheme().name  # the scheme's own name, as its file gives it
    found = {}
    for ws in wb.worksheets:
        heads = [c.value for c in ws[1]]
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str) and not isinstance(c.value, bool):
                    continue
                if isinstance(c.value, bool):
                    found.setdefault(ws.title, set()).add(str(c.value))
                    continue
                if c.row > 1 and ws.title != "说明" and heads[c.column - 1] == "单位编码":
                    continue  # the office's own unit codes: the key of the CSV files
                codes = _codes(c.value, scheme_name)
                if codes:
                    found.setdefault(ws.title, set()).update(codes)
        if _codes(ws.title, scheme_name):
            found[f"sheet name {ws.title}"] = set(_codes(ws.title, scheme_name))
    assert not found, {k: sorted(v)[:8] for k, v in found.items()}
