"""The Word letter (python-docx): A4, Chinese text in the East-Asian font slot ``w:eastAsia``
so Word shows it in 宋体 / 黑体, Times New Roman for Latin text; written atomically.

Examples
--------
>>> from evalstats.present.letters import write_docx
>>> write_docx(p, "reports/letters/finance_office.docx")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from evalstats.core.files import atomic_write
from evalstats.core.vocab import LANGS
from evalstats.present.letters.sections import blocks
from evalstats.present.letters.tables import table_frame
from evalstats.present.letters.text import (
    SECTIONS,
    TABLES,
    lang_index,
)

FONT_BODY = "宋体"
FONT_HEADING = "黑体"
FONT_LATIN = "Times New Roman"


def _east_asian(run_or_style, font: str, latin: str = FONT_LATIN) -> None:
    """Set the Latin and the East-Asian font (``w:eastAsia``) of a run or a style."""
    from docx.oxml.ns import qn

    run_or_style.font.name = latin
    el = run_or_style.element
    rpr = el.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def _docx_table(doc, frame: pd.DataFrame) -> None:
    from docx.shared import Pt

    if not len(frame):
        return
    t = doc.add_table(rows=1, cols=frame.shape[1])
    t.style = "Table Grid"
    for j, col in enumerate(frame.columns):
        cell = t.rows[0].cells[j]
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(col))
        run.bold = True
        run.font.size = Pt(9)
        _east_asian(run, FONT_HEADING)
    for values in frame.itertuples(index=False):
        cells = t.add_row().cells
        for j, value in enumerate(values):
            cells[j].text = ""
            run = cells[j].paragraphs[0].add_run("" if value is None else str(value))
            run.font.size = Pt(9)
            _east_asian(run, FONT_BODY)
    doc.add_paragraph()


_DOCX_TABLE_AFTER = {
    "headline": "headline",
    "dimensions": "dimensions",
    "levels": "levels",
    "changes": "changes",
    "rectification": "rectification",
    "quality": None,
    "suppression": "suppressed",
}


def write_docx(profile, path, *, lang: str = "zh", figures: Sequence = ()) -> Path:
    """Write the Word letter (``.docx``) of a unit profile.

    Title 反馈函, the unit's name, every section of the letter (:func:`blocks`) with its table
    (:func:`table_frame`: the strings the HTML letter shows), the figures given, and the
    rounding note.  A4, 宋体 body and 黑体 headings set in the East-Asian font slot
    (``w:eastAsia``) so Word shows the Chinese text in them; Times New Roman for Latin text.
    Written atomically.

    Parameters
    ----------
    profile : UnitProfile
    path : str or Path
        The ``.docx`` file (relative paths resolve from the project root).
    lang : {"zh", "en"}
    figures : sequence of path
        PNG figures to include after the tables (e.g. those the notebook saved).

    Returns
    -------
    Path
    """
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    from evalstats.core.config import resolve_path

    lang = LANGS[lang_index(lang)]
    doc = docx.Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(25)
    sec.top_margin = sec.bottom_margin = Mm(25)
    normal = doc.styles["Normal"]
    _east_asian(normal, FONT_BODY)
    normal.font.size = Pt(12)
    for name in ("Heading 1", "Heading 2", "Title", "List Bullet"):
        _east_asian(doc.styles[name], FONT_HEADING if name != "List Bullet" else FONT_BODY)
    doc.core_properties.title = "反馈函" if lang == "zh" else "Feedback letter"
    doc.core_properties.author = "evalstats"

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run("反馈函" if lang == "zh" else "Feedback letter")
    run.bold = True
    run.font.size = Pt(22)
    _east_asian(run, FONT_HEADING)
    for _kind, text in blocks(profile, "title", lang):
        sub = doc.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = sub.add_run(text)
        r.font.size = Pt(14)
        _east_asian(r, FONT_HEADING)

    for key in SECTIONS[1:]:
        for kind, text in blocks(profile, key, lang):
            if kind == "h2":
                h = doc.add_heading(level=2)
                r = h.add_run(text)
                _east_asian(r, FONT_HEADING)
            elif kind == "li":
                para = doc.add_paragraph(style="List Bullet")
                _east_asian(para.add_run(text), FONT_BODY)
            else:
                para = doc.add_paragraph()
                _east_asian(para.add_run(text), FONT_BODY)
        name = _DOCX_TABLE_AFTER.get(key, key if key in TABLES else None)
        if name and name != "comments":
            _docx_table(doc, table_frame(profile, name, lang))
    for fig in figures:
        if Path(fig).is_file():
            doc.add_picture(str(fig), width=Mm(160))

    out = resolve_path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(out, lambda fh: doc.save(fh))


__all__ = [
    "FONT_BODY",
    "FONT_HEADING",
    "FONT_LATIN",
    "write_docx",
]
