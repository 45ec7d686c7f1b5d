"""The HTML report: an executed notebook rendered without code, made safe, for reading and
printing; and the helpers notebooks use for text built from comments.

Examples
--------
>>> escape_markdown("*急*")
'\\\\*急\\\\*'
"""

from __future__ import annotations

import functools
import html
import re
import threading
from pathlib import Path

from evalstats.core.config import resolve_path
from evalstats.core.files import atomic_write_bytes
from evalstats.core.options import check_option
from evalstats.core.resources import package_dir
from evalstats.present.labels import (
    LANGS,
)
from evalstats.present.report.safety import CONTROL_CHARS

HTML_LANG = {"zh": "zh-CN", "en": "en"}
TEMPLATE_NAME = "evalstats_html"
REMOVE_CELL_TAGS = ("remove_cell", "remove-cell")
DOCUMENTS = ("report", "letter")
"""The page layouts :func:`render_html` knows: the report, and the feedback letter (公文-like
type, A4 margins of GB/T 9704, page numbers, the annex on a new page)."""


_UNSAFE_ELEMENTS = ("script", "iframe", "frame", "object", "embed", "applet", "base", "form")
_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster")
_UNSAFE_URL = re.compile(r"^\s*(?:javascript|vbscript|data\s*:\s*text/html)", re.IGNORECASE)


def escape_markdown(text) -> str:
    """Text safe to put in a Markdown cell or ``display(Markdown(...))``.

    HTML special characters are escaped (``<script>`` shows as text) and Markdown
    punctuation is backslash-escaped, so a comment cannot become a heading, a list, a link or
    emphasis.  Line breaks are kept as line breaks.

    Examples
    --------
    >>> escape_markdown("<b>差</b> [点我](javascript:alert(1)) *急*")
    '&lt;b&gt;差&lt;/b&gt; \\\\[点我\\\\]\\\\(javascript:alert\\\\(1\\\\)\\\\) \\\\*急\\\\*'
    """
    text = html.escape(str(text), quote=False)
    text = re.sub(r"([\\`*_{}\[\]()#+\-.!|~>])", r"\\\1", text)
    return text.replace("\n", "  \n")


def strip_volatile(nb):
    """Remove what changes between runs of the same notebook; returns ``nb`` (changed in place).

    Execution counts, timing metadata (``execution``, ``papermill`` on cells and notebook)
    and random cell ids (replaced by ``cell-<n>``).
    """
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for n, cell in enumerate(nb.cells):
        if "id" in cell:
            cell["id"] = f"cell-{n}"
        for key in ("execution", "papermill", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.execution_count = None
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = None
    return nb


def _template_dir() -> Path:
    return package_dir("templates")


_EXPORTERS = threading.local()


@functools.cache
def _exporter_class():
    """nbconvert's ``HTMLExporter``, whose page goes through BeautifulSoup once, not twice.

    ``HTMLExporter.from_notebook_node`` parses the page its template rendered, sets alternative
    texts and ``tabindex`` attributes, and writes it out again; :func:`_safe_soup` then parses
    it once more (0.9 s of the 1M-form report's 2 s).  A class placed between it and
    ``TemplateExporter`` in the method resolution order keeps the rendered page and gives it a
    stub to parse instead; :func:`_safe_soup` makes the same changes (:func:`_nbconvert_pass`)
    on its own tree.  The page is byte for byte the one of two passes (tested).
    """
    from nbconvert import HTMLExporter, TemplateExporter

    class KeepsPage(TemplateExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            page, resources = super().from_notebook_node(nb, resources, **kw)
            self.evalstats_page = page
            return "<html></html>", resources

    class OnePass(HTMLExporter, KeepsPage):
        def from_notebook_node(self, nb, resources=None, **kw):
            _, resources = super().from_notebook_node(nb, resources, **kw)
            page, self.evalstats_page = self.evalstats_page, None
            return page, resources

    return OnePass


def _nbconvert_pass(soup) -> None:
    """What ``HTMLExporter.from_notebook_node`` (nbconvert 7) does to the page it rendered:
    images without ``alt`` get its placeholder text, input and output areas a ``tabindex``."""
    for elem in soup.select("img:not([alt])"):
        elem.attrs["alt"] = "No description has been provided for this image"
    for elem in soup.select(".jp-Notebook div.jp-Cell-inputWrapper"):
        elem.attrs["tabindex"] = "0"
    for elem in soup.select(".jp-Notebook div.jp-OutputArea-output"):
        elem.attrs["tabindex"] = "0"


def _exporter(lang: str):
    """This thread's ``HTMLExporter`` for ``lang`` (:func:`_exporter_class`), made once:
    building one compiles its templates, half the time of rendering a letter (a batch renders
    25 in a few threads)."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    made = getattr(_EXPORTERS, "by_lang", None)
    if made is None:
        made = _EXPORTERS.by_lang = {}
    if lang not in made:
        exporter = _exporter_class()(
            template_name=TEMPLATE_NAME,
            extra_template_basedirs=[str(_template_dir())],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            exclude_anchor_links=True,
            embed_images=True,
            language_code=lang,
        )
        exporter.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags=set(REMOVE_CELL_TAGS)), enabled=True
        )
        made[lang] = exporter
    return made[lang]


def _safe_soup(text: str, lang: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, features="html.parser")
    _nbconvert_pass(soup)
    if soup.html is not None:
        soup.html["lang"] = HTML_LANG[lang]
    for tag in soup.find_all(list(_UNSAFE_ELEMENTS)):
        tag.decompose()
    for tag in soup.find_all("meta"):
        if tag.get("http-equiv"):
            tag.decompose()
    for tag in soup.find_all(True):
        for attr in list(tag.attrs):
            if attr.lower().startswith("on"):
                del tag.attrs[attr]
            elif attr.lower() in _URL_ATTRIBUTES:
                value = tag.attrs[attr]
                value = " ".join(value) if isinstance(value, list) else str(value)
                if _UNSAFE_URL.match(value):
                    del tag.attrs[attr]
    # control characters (bidi overrides, BEL, ESC…) in text that reached the page are
    # removed: they have no business in HTML and reorder or hide what a reader sees
    return re.sub(CONTROL_CHARS, "", str(soup))


def render_html(
    notebook_path: str | Path,
    html_path: str | Path,
    *,
    title: str | None = None,
    lang: str = "zh",
    footer: str | None = None,
    edition: str | None = None,
    document: str = "report",
    check_code: str | None = None,
) -> Path:
    """Render an executed notebook as an HTML report without code, for reading and printing.

    nbconvert's ``HTMLExporter`` with the package's template (``evalstats/templates/
    evalstats_html``, built on JupyterLab's): no input cells, no prompts, code cells without
    output and cells tagged ``remove_cell`` left out, images embedded, ``<html lang="zh-CN">``
    (or ``en``), a CJK font stack, and a print stylesheet (A4, page numbers, the title and the
    leaders' brief on page 1, headings kept with what follows, tables and figures kept on one
    page where they fit, table headers repeated, no output clipped).  The page loads nothing
    from the network (no require.js, MathJax or mermaid).  As a last line of defence,
    ``<script>``, frames, objects, forms, ``on*`` event attributes and ``javascript:`` URLs are
    removed from the page, and so are control characters (C0 and C1 controls other than tab,
    newline and carriage return, DEL, and the bidirectional override and isolate characters).
    Volatile metadata is stripped first (:func:`strip_volatile`), so the same executed notebook
    gives the same bytes.

    Parameters
    ----------
    notebook_path : str or Path
        The executed ``.ipynb``.
    html_path : str or Path
        The ``.html`` to write (atomically).
    title : str, optional
        Page title (default: the notebook's ``title`` metadata, else its file name).
    lang : {"zh", "en"}
    footer : str, optional
        A note printed, escaped, at the foot of the page (``<footer class="evalstats-note">``,
        a paragraph per line) — the runner's method note on neutralised cells
        (:func:`evalstats.run.runner.safety_note`).
    edition : {"internal", "public"}, optional
        Marks the edition (内部资料 / 公开版) in the top corner of every printed page, and at the
        top of a report's page (a letter shows it in its own title block).
    document : {"report", "letter"}
        ``"letter"`` adds the feedback letter's stylesheet (``static/letter.css``: the classes
        of :func:`evalstats.present.letters.html`, no page break before each ``h2``).
    check_code : str, optional
        The tables' check code (表格校验码, :func:`evalstats.run.signing.tables_digest`): the last
        line of the footer (:func:`check_code_line`) and the bottom-left corner of every
        printed page, where ``evalstats verify`` and an official find it.

    Returns
    -------
    Path
    """
    import nbformat

    check_option("lang", lang, LANGS)
    document = check_option("document", document, DOCUMENTS)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None; got {type(title).__name__}")
    if footer is not None and not isinstance(footer, str):
        raise TypeError(f"footer must be a str or None; got {type(footer).__name__}")
    src = resolve_path(notebook_path)
    nb = nbformat.read(src, as_version=4)
    strip_volatile(nb)
    nb.cells = [
        c
        for c in nb.cells
        if not (c.cell_type == "code" and not c.get("outputs")) and c.cell_type != "raw"
    ]
    if title is not None:
        nb.metadata["title"] = title

    exporter = _exporter(lang)
    meta = {"name": src.stem, "path": str(src.parent)}
    notes = [ln for ln in (footer or "").splitlines() if ln.strip()]
    if check_code is not None:
        check_code = _checked_code(check_code)
        notes.append(check_code_line(check_code, lang=lang))
    body, _ = exporter.from_notebook_node(
        nb,
        resources={"metadata": meta, "evalstats_footer": notes, "evalstats_document": document},
    )
    page = _mark_edition(_safe_soup(body, lang), edition, lang, banner=document == "report")
    if check_code is not None:
        label = CHECK_CODE_LABELS[0 if lang == "zh" else 1]
        corner = f'content: "{label} {check_code}"; font-size: 9pt;'
        style = f"<style>@page {{ @bottom-left {{ {corner} }} }}</style>"
        page = page.replace("</head>", style + "</head>", 1)
    return atomic_write_bytes(resolve_path(html_path), page.encode("utf-8"))


CHECK_CODE_LABELS = ("表格校验码", "Tables check code")
"""How the tables' check code is labelled (Chinese, English documents)."""
CHECK_CODE_RE = re.compile(r"^(?:表格校验码|Tables check code) ([0-9a-f]{6,64})(?:[：:]|$)")
"""The footer line of :func:`check_code_line` (its code in group 1)."""


def _checked_code(code: str) -> str:
    if not isinstance(code, str) or not re.fullmatch(r"[0-9a-f]{6,64}", code):
        raise ValueError(f"check_code must be 6 to 64 lower-case hex digits; got {code!r}")
    return code


def check_code_line(code: str, *, lang: str = "zh") -> str:
    """The footer's line showing the tables' check code, and what it is for.

    Examples
    --------
    >>> check_code_line("0123456789ab")[:18]
    '表格校验码 0123456789ab'
    >>> CHECK_CODE_RE.match(check_code_line("0123456789ab", lang="en")).group(1)
    '0123456789ab'
    """
    check_option("lang", lang, LANGS)
    if lang == "zh":
        return (
            f"{CHECK_CODE_LABELS[0]} {code}：全部数据表的摘要，与工作簿首页所载相同；"
            "核对时按数据表重算，数据表被改动则与此不符。"
        )
    return (
        f"{CHECK_CODE_LABELS[1]} {code}: a digest of all the data tables, the same as on the "
        "workbook's first sheet; checking recomputes it from the tables, and an edited table "
        "no longer matches."
    )


EDITION_MARKS = {"internal": ("内部资料", "Internal"), "public": ("公开版", "Public edition")}
"""The words marking each edition (tier) on the page and on every printed page."""


def _mark_edition(page: str, edition: str | None, lang: str, *, banner: bool = True) -> str:
    """The edition's mark in the printed pages' top-right corner, and (``banner``) a line atop
    the page; a letter carries it in its own title block (公文: the mark above the 文号)."""
    if edition is None:
        return page
    check_option("edition", edition, tuple(EDITION_MARKS))
    mark = EDITION_MARKS[edition][0 if lang == "zh" else 1]
    style = f'<style>@page {{ @top-right {{ content: "{mark}"; }} }}</style>'
    page = page.replace("</head>", style + "</head>", 1)
    if not banner:
        return page
    line = f'<div class="evalstats-edition"><span>{html.escape(mark)}</span></div>'
    return re.sub(r"(<main[^>]*>)", lambda m: m.group(1) + line, page, count=1)


__all__ = [
    "CHECK_CODE_LABELS",
    "CHECK_CODE_RE",
    "DOCUMENTS",
    "EDITION_MARKS",
    "HTML_LANG",
    "REMOVE_CELL_TAGS",
    "TEMPLATE_NAME",
    "check_code_line",
    "escape_markdown",
    "render_html",
    "strip_volatile",
]
