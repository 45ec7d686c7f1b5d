"""The Word letter (python-docx) in 公文 style, after GB/T 9704: A4 with margins 3.7 / 3.5 /
2.8 / 2.6 cm (top, bottom, left, right), body in 仿宋 三号 (16 pt) on a 28 pt line, headings in
黑体, the title centred in 小标宋, all text black, page numbers ``— 1 —`` at the foot and the
edition (内部资料 / 公开版, :mod:`evalstats.present.wordpage`) small at the top right of every
page; the annex on a new page; tables in 小四 (五号 when wide) with a header row repeated on
every page, rows that do not split and numbers right-aligned; figures where the annex discusses
them, with captions (图1 …).  Fonts are named in the East-Asian slot (``w:eastAsia``), which
Word on the office's machines resolves; elsewhere (LibreOffice) a similar font is substituted.

Examples
--------
>>> from evalstats.present.letters import write_docx
>>> write_docx(p, "reports/letters/综治办.docx", date="2026-12-20")  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from evalstats.core.files import atomic_write
from evalstats.core.text import document_text
from evalstats.core.vocab import LANGS
from evalstats.present.letters.header import letter_header
from evalstats.present.letters.sections import blocks
from evalstats.present.letters.tables import table_frame
from evalstats.present.letters.text import CELL_SEP, FIGURES, NUMBER_CELL, SECTIONS, lang_index
from evalstats.present.wordpage import (
    FONT_LATIN,
    east_asian,
    edition_header,
    edition_mark,
    page_number_footer,
)

FONT_BODY = "仿宋"
FONT_HEADING = "黑体"
FONT_TITLE = "方正小标宋简体"

_BODY_PT = 16  # 三号
_LINE_PT = 28
_TABLE_PT = 12  # 小四
_WIDE_TABLE_PT = 10.5  # 五号, for tables of more than six columns
_TABLE_AFTER = {
    "headline": "headline",
    "dimensions": "dimensions",
    "levels": "levels",
    "tests": "changes",
    "rectification": "rectification",
    "suppression": "suppressed",
}
"""Annex section → the table printed after its words."""


def _run(para, text: str, font: str, size: float, *, bold: bool = False):
    run = para.add_run(document_text(text))  # python-docx refuses control characters
    run._r.insert(0, copy.deepcopy(_run_properties(font, size, bold)))
    return run


@functools.lru_cache(maxsize=64)
def _run_properties(font: str, size: float, bold: bool):
    """The ``w:rPr`` of a run in ``font`` at ``size``, black: made once by python-docx on a
    scratch run, then copied into each run (setting them run by run was a third of the time of
    writing a letter)."""
    import docx
    from docx.shared import Pt, RGBColor

    run = docx.Document().add_paragraph().add_run()
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = RGBColor(0, 0, 0)
    east_asian(run, font)
    return run._r.rPr


def _para(doc, *, align=None, indent_chars: float = 0, size: float = _BODY_PT, keep=False):
    from docx.shared import Pt

    para = doc.add_paragraph()
    fmt = para.paragraph_format
    if align is not None:
        para.alignment = align
    fmt.first_line_indent = Pt(size * indent_chars) if indent_chars else None
    fmt.keep_with_next = keep
    return para


def _row_flags(row, *, header: bool) -> None:
    """A row that does not split across pages; the header row repeats on every page."""
    from docx.oxml import OxmlElement

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _border(para, side: str) -> None:
    """A thin rule above or below a paragraph (the 版记's lines)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p_pr = para._p.get_or_add_pPr()
    bdr = p_pr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        p_pr.append(bdr)
    line = OxmlElement(f"w:{side}")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "4"), ("w:color", "000000")):
        line.set(qn(k), v)
    bdr.append(line)


def _text_width(text: str) -> int:
    """Width of a cell's text in half-ems: a Chinese character counts 2, others 1."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _column_widths(rows: list[list[str]], total_mm: float = 156.0) -> list[float]:
    """Column widths (mm) in proportion to their longest cell (headers wrap: counted at half
    their width), each at least 12 mm, summing to the text width."""
    n = len(rows[0])
    need = []
    for j in range(n):
        body = max((_text_width(r[j]) for r in rows[1:]), default=0)
        need.append(max(body, _text_width(rows[0][j]) / 2, 4))
    scale = total_mm / sum(need)
    widths = [max(12.0, w * scale) for w in need]
    extra = sum(widths) - total_mm
    if extra > 0:  # take the excess back from the widest columns
        wide = [j for j, w in enumerate(widths) if w > 12.0]
        room = sum(widths[j] - 12.0 for j in wide)
        for j in wide:
            widths[j] -= extra * (widths[j] - 12.0) / room
    return widths


def _docx_table(doc, frame: pd.DataFrame) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    if not len(frame):
        return
    size = _TABLE_PT if frame.shape[1] <= 6 else _WIDE_TABLE_PT
    t = doc.add_table(rows=1, cols=frame.shape[1])
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = [list(map(str, frame.columns))]
    rows += [["" if v is None else str(v) for v in values] for values in frame.itertuples(False)]
    widths = [Mm(w) for w in _column_widths(rows)]
    t.autofit = False
    for j, column in enumerate(t.columns):
        column.width = widths[j]
    for i, values in enumerate(rows):
        row = t.rows[0] if i == 0 else t.add_row()
        _row_flags(row, header=i == 0)
        cells = row.cells  # python-docx builds this list anew on each access
        for j, value in enumerate(values):
            cell = cells[j]
            cell.width = widths[j]
            para = cell.paragraphs[0]
            fmt = para.paragraph_format
            fmt.line_spacing = 1.0
            fmt.space_before = fmt.space_after = Pt(1)
            fmt.keep_with_next = i < len(rows) - 1 and len(rows) <= 12  # short tables: one page
            if i == 0:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif j > 0 and NUMBER_CELL.match(value):
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run(para, value, FONT_HEADING if i == 0 else FONT_BODY, size)
    _para(doc, size=8)  # a little space after the table


def _figure(doc, path: Path, caption: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    para = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, keep=True)
    para.paragraph_format.line_spacing = 1.0
    para.add_run().add_picture(str(path), width=Mm(150))
    cap = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    _run(cap, caption, FONT_HEADING, 14)


def _setup(doc, edition: str, lang: str) -> None:
    """A4, 公文 margins, 仿宋 三号 on a 28 pt line, black; page numbers at the foot and the
    edition's mark at the top right of every page."""
    from docx.shared import Mm, Pt, RGBColor

    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.footer_distance = Mm(20)
    normal = doc.styles["Normal"]
    east_asian(normal, FONT_BODY)
    normal.font.size = Pt(_BODY_PT)
    normal.font.color.rgb = RGBColor(0, 0, 0)
    fmt = normal.paragraph_format
    fmt.line_spacing = Pt(_LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.widow_control = True
    heading = doc.styles["Heading 2"]
    east_asian(heading, FONT_HEADING)
    heading.font.size = Pt(_BODY_PT)
    heading.font.bold = False
    heading.font.italic = False
    heading.font.color.rgb = RGBColor(0, 0, 0)
    heading.paragraph_format.space_before = Pt(6)
    heading.paragraph_format.space_after = Pt(0)
    heading.paragraph_format.line_spacing = Pt(_LINE_PT)
    heading.paragraph_format.keep_with_next = True
    page_number_footer(sec)
    edition_header(sec, edition_mark(edition, lang=lang))


def _write_block(doc, kind: str, text: str, state: dict) -> None:
    """One block of :func:`blocks` in 公文 style."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    if kind != "li":
        state["item"] = 0
    if kind == "mark":
        _run(_para(doc), text, FONT_HEADING, _BODY_PT)
    elif kind == "ref":
        _run(_para(doc, align=WD_ALIGN_PARAGRAPH.RIGHT), text, FONT_BODY, _BODY_PT)
    elif kind == "title":
        para = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
        fmt = para.paragraph_format
        fmt.line_spacing = Pt(35)
        fmt.space_before, fmt.space_after = Pt(12), Pt(18)
        _run(para, text, FONT_TITLE, 22)  # 二号
    elif kind == "annex":  # the annex starts a page
        para = _para(doc)
        para.paragraph_format.page_break_before = True
        _run(para, text, FONT_HEADING, _BODY_PT)
    elif kind == "h2":
        para = doc.add_paragraph(style="Heading 2")
        para.paragraph_format.first_line_indent = Pt(2 * _BODY_PT)
        _run(para, text, FONT_HEADING, _BODY_PT)
    elif kind == "salutation":
        _run(_para(doc), text, FONT_BODY, _BODY_PT)
    elif kind == "li":
        state["item"] += 1
        para = _para(doc, indent_chars=2)
        n = state["item"]
        number = f"（{n}）" if state.get("lang", "zh") == "zh" else f"({n}) "
        _run(para, number + text, FONT_BODY, _BODY_PT)
    elif kind == "annex-note":  # kept on the page of the 落款
        _para(doc, keep=True)
        _run(_para(doc, indent_chars=2, keep=True), text, FONT_BODY, _BODY_PT)
    elif kind == "sign":  # the office and the date on one page
        first = not state.get("signed")
        if first:
            _para(doc, keep=True)
            _para(doc, keep=True)
            state["signed"] = True
        para = _para(doc, align=WD_ALIGN_PARAGRAPH.RIGHT, keep=first)
        para.paragraph_format.right_indent = Pt(4 * _BODY_PT)
        _run(para, text, FONT_BODY, _BODY_PT)
    elif kind == "cc":
        _para(doc)
        para = _para(doc, size=14)
        para.paragraph_format.left_indent = Pt(14)
        _border(para, "top")
        _border(para, "bottom")
        _run(para, text, FONT_BODY, 14)
    else:  # the closing stays with the 落款 (no signature alone on a page); "…如下：" with
        # what follows it
        keep = state.get("key") == "closing" or text.endswith(("：", ":"))
        para = _para(doc, indent_chars=2, keep=keep)
        _run(para, text, FONT_BODY, _BODY_PT)


def _flush_rows(doc, state: dict) -> None:
    """Print the ``th`` / ``td`` blocks gathered so far as one table."""
    rows = state.pop("rows", [])
    if rows:
        _docx_table(doc, pd.DataFrame(rows[1:], columns=rows[0]))


def write_docx(
    profile,
    path,
    *,
    lang: str = "zh",
    figures: Mapping[str, str | Path] | None = None,
    date=None,
) -> Path:
    """Write the Word letter (``.docx``) of a unit profile in 公文 style (module docstring).

    Every section of :data:`SECTIONS` (:func:`blocks`): the letter, then the annex on a new
    page with its tables (:func:`table_frame`: the strings the HTML letter shows) and the
    figures given, captioned where the annex discusses them, then the 抄送.  Written
    atomically.

    Parameters
    ----------
    profile : UnitProfile
    path : str or Path
        The ``.docx`` file (relative paths resolve from the project root).
    lang : {"zh", "en"}
    figures : mapping, optional
        Section (``"dimensions"``, ``"levels"``: :data:`FIGURES`) → a PNG the notebook saved;
        each is placed after that section's table, with its caption.
    date : date or str, optional
        The letter's date (``YYYY-MM-DD``; default the scheme's ``[letters] date``, else today).

    Returns
    -------
    Path
    """
    import docx

    from evalstats.core.config import resolve_path

    lang = LANGS[lang_index(lang)]
    i = lang_index(lang)
    figures = dict(figures or {})
    unknown = sorted(set(figures) - set(FIGURES))
    if unknown:
        raise ValueError(f"figures has unknown section(s) {unknown}; use {sorted(FIGURES)}")
    head = letter_header(profile, date=date, lang=lang)
    doc = docx.Document()
    _setup(doc, profile.tier, lang)
    doc.core_properties.title = head.title
    doc.core_properties.author = head.office
    state = {"item": 0, "lang": lang}  # items numbered （1） in Chinese, (1) in English
    for key in SECTIONS:
        parts = blocks(profile, key, lang, date=head)
        state["key"] = key
        for kind, text in parts:
            if kind != "td":
                _flush_rows(doc, state)
            if kind in ("th", "td"):  # a table inside the words (the rules' tables)
                state.setdefault("rows", []).append(text.split(CELL_SEP))
                continue
            _write_block(doc, kind, text, state)
        _flush_rows(doc, state)
        name = _TABLE_AFTER.get(key)
        if name and parts:
            _docx_table(doc, table_frame(profile, name, lang))
        fig = figures.get(key)
        if fig is not None and Path(fig).is_file():
            n = list(FIGURES).index(key) + 1
            _figure(doc, Path(fig), (f"图{n}　", f"Figure {n}. ")[i] + FIGURES[key][i])

    out = resolve_path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(out, lambda fh: doc.save(fh))


__all__ = [
    "FONT_BODY",
    "FONT_HEADING",
    "FONT_LATIN",
    "FONT_TITLE",
    "write_docx",
]
