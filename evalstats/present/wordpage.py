"""What every printed page of a Word document carries (python-docx): the edition's mark at the
top right and the page number ``— 1 —`` at the foot, and the font settings they share.

The Word letter (:mod:`evalstats.present.letters.word`) and the Word brief
(:mod:`evalstats.present.brief`) both use these, so an edition is marked the same way on every
page of every Word document (issue 14 item 6).  The mark's words are the report's
(:data:`evalstats.present.report.html.EDITION_MARKS`).

Both go into the section's primary header and footer, which Word and LibreOffice print on every
page, the first included (the section's ``different_first_page_header_footer`` stays off).

Examples
--------
>>> import docx
>>> doc = docx.Document()
>>> edition_header(doc.sections[0], edition_mark("public"))
>>> doc.sections[0].header.paragraphs[0].text
'公开版'
"""

from __future__ import annotations

from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS
from evalstats.present.report.html import EDITION_MARKS

__all__ = [
    "FONT_LATIN",
    "MARK_PT",
    "east_asian",
    "edition_header",
    "edition_mark",
    "page_number_footer",
]

FONT_LATIN = "Times New Roman"
"""The Latin font of the Word documents."""
MARK_PT = 10.5
"""The size of the edition's mark in the page header (五号: small, beside 三号 body text)."""


def east_asian(run_or_style, font: str, latin: str = FONT_LATIN) -> None:
    """Set the Latin and the East-Asian font (``w:eastAsia``) of a run or a style.

    Examples
    --------
    >>> import docx
    >>> run = docx.Document().add_paragraph().add_run("仿宋")
    >>> east_asian(run, "仿宋")
    >>> run.font.name
    'Times New Roman'
    """
    from docx.oxml.ns import qn

    run_or_style.font.name = latin
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def _run(para, text: str, font: str, size: float):
    from docx.shared import Pt, RGBColor

    run = para.add_run(text)
    run.font.size = Pt(size)
    run.font.color.rgb = RGBColor(0, 0, 0)
    east_asian(run, font)
    return run


def edition_mark(edition: str, *, lang: str = "zh") -> str:
    """The words marking ``edition``: ``内部资料`` / ``公开版`` (``Internal`` /
    ``Public edition``).

    Examples
    --------
    >>> edition_mark("internal"), edition_mark("public", lang="en")
    ('内部资料', 'Public edition')
    """
    edition = check_option("edition", edition, tuple(EDITION_MARKS))
    lang = check_option("lang", lang, LANGS)
    return EDITION_MARKS[edition][LANGS.index(lang)]


def edition_header(section, mark: str, *, font: str = "黑体", size: float = MARK_PT) -> None:
    """Put ``mark`` (:func:`edition_mark`) at the top right of every page of ``section`` (its
    header, the first page's included), small, in ``font``.

    Parameters
    ----------
    section : docx.section.Section
    mark : str
        The edition's words, :func:`edition_mark`.
    font : str
        The East-Asian font of the mark.
    size : float
        Points.
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    if not isinstance(mark, str) or not mark.strip():
        raise ValueError(f"mark must be the edition's words; got {mark!r}")
    section.different_first_page_header_footer = False  # one header for every page
    header = section.header
    header.is_linked_to_previous = False
    para = header.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(para, mark, font, size)


def page_number_footer(section, *, font: str = "宋体", size: float = 14) -> None:
    """``— PAGE —`` centred at the foot of every page of ``section`` (公文: 宋体 四号).

    Examples
    --------
    >>> import docx
    >>> doc = docx.Document()
    >>> page_number_footer(doc.sections[0])
    >>> doc.sections[0].footer.paragraphs[0].text
    '— 1 —'
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    section.footer.is_linked_to_previous = False
    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(para, "— ", font, size)
    run = _run(para, "", font, size)
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
        if kind == "separate":
            t = OxmlElement("w:t")
            t.text = "1"
            run._r.append(t)
    _run(para, " —", font, size)
