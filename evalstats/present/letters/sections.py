"""The letter's sections as plain-text blocks (:func:`blocks`, used by the Word letter), as
Markdown (:func:`section`) or as HTML with the letter's classes (:func:`html`, for the notebook
and its A4 print stylesheet).

A block is ``(kind, text)``: ``"mark"`` (公开版), ``"ref"`` (文号), ``"title"``,
``"salutation"``, ``"h2"`` (a heading), ``"p"``, ``"li"``, ``"th"`` / ``"td"`` (a table's
header and rows, the cells separated by :data:`~evalstats.present.letters.text.CELL_SEP`),
``"annex-note"`` (附件：…), ``"sign"`` (落款 and date), ``"annex"`` (the annex's label) and
``"cc"`` (抄送).

Examples
--------
>>> from evalstats.present.letters import section
>>> print(section(p, "salutation"))  # doctest: +SKIP
综治办：
"""

from __future__ import annotations

import html as _html
import re

from evalstats.core.options import check_option
from evalstats.core.text import document_text
from evalstats.core.vocab import LANGS
from evalstats.present.letters import closing, results, rules, since
from evalstats.present.letters.header import LetterHeader, letter_header
from evalstats.present.letters.text import (
    ANNEX,
    CELL_SEP,
    FIGURES,
    HEADINGS,
    NUMBER_CELL,
    SECTIONS,
    lang_index,
    numeral,
)

_BUILDERS = {**results.BUILDERS, **since.BUILDERS, **closing.BUILDERS, **rules.BUILDERS}
"""Section key → its builder (every key of :data:`SECTIONS`)."""
_NUMBERED = tuple(k for k in ANNEX if k in HEADINGS)
"""Annex sections with a heading, numbered in order of those present."""


def _md(text: str) -> str:
    """Escape text for Markdown and HTML (entities, punctuation backslash-escaped, one line)."""
    text = " ".join(str(text).split())
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>])", r"\\\1", _html.escape(text, quote=False))


def _header(profile, date, lang) -> LetterHeader:
    if isinstance(date, LetterHeader):
        return date
    return letter_header(profile, date=date, lang=lang)


def _annex_heading(profile, key: str, lang: str, head: LetterHeader) -> str:
    """``一、评分规则``: the heading numbered among the annex sections that have content."""
    n = 0
    for k in _NUMBERED:
        if k == key or _BUILDERS[k](profile, lang, head):
            n += 1
        if k == key:
            break
    sep = "、" if lang == "zh" else ". "
    return f"{numeral(n, lang)}{sep}{HEADINGS[key][lang_index(lang)]}"


def blocks(profile, key: str, lang: str = "zh", *, date=None) -> list[tuple[str, str]]:
    """A section of the letter as plain-text blocks ``(kind, text)`` (module docstring).

    The text is not escaped; it holds no control character, bidi override or zero-width mark
    (:func:`evalstats.core.text.document_text`).  A section without content (``suppression``
    in the internal tier, ``tests`` without a previous cycle) is ``[]``.

    Parameters
    ----------
    profile : UnitProfile
    key : str
        One of :data:`SECTIONS`.
    lang : {"zh", "en"}
    date : date, str or LetterHeader, optional
        The letter's date (``YYYY-MM-DD``; default the scheme's ``[letters] date``, else today)
        — the reply deadline follows from it — or a header already built
        (:func:`~evalstats.present.letters.header.letter_header`).
    """
    i = lang_index(lang)
    lang = LANGS[i]
    key = check_option("key", key, SECTIONS)
    head = _header(profile, date, lang)
    # free text (comments, names, notes) reaches the Word and HTML letters only through here:
    # without control characters, bidi overrides or zero-width marks (python-docx refuses C0
    # controls; U+202E reorders what the unit reads)
    body = [
        (kind, document_text(text) if isinstance(text, str) else text)
        for kind, text in _BUILDERS[key](profile, lang, head)
    ]
    if not body or key not in _NUMBERED:
        return body
    return [("h2", _annex_heading(profile, key, lang, head)), *body]


def section(profile, key: str, lang: str = "zh", *, date=None) -> str:
    """A section of the letter as Markdown (every text escaped).

    Examples
    --------
    >>> from evalstats.analyses.profile import unit_profile
    >>> p = unit_profile("finance_office", cycle="2026A", n_resamples=200, seed=1)  # doctest: +SKIP
    >>> print(section(p, "result"))  # doctest: +SKIP
    """
    lines = []
    prefix = {"title": "# ", "h2": "## ", "li": "- ", "annex": "# "}
    for kind, text in blocks(profile, key, lang, date=date):
        if kind in ("th", "td"):
            cells = [_md(c) for c in text.split(CELL_SEP)]
            if kind == "th" and lines:
                lines.append("")
            lines.append("| " + " | ".join(cells) + " |")
            if kind == "th":
                lines.append("|" + " --- |" * len(cells))
            continue
        if lines and (kind != "li" or not lines[-1].startswith("- ")):
            lines.append("")
        lines.append(prefix.get(kind, "") + _md(text))
    return "\n".join(lines)


_TAGS = {
    "mark": ("p", "letter-mark"),
    "ref": ("p", "letter-ref"),
    "title": ("h1", "letter-title"),
    "salutation": ("p", "letter-salutation"),
    "h2": ("h2", "letter-heading"),
    "p": ("p", "letter-text"),
    "li": ("li", "letter-item"),
    "annex-note": ("p", "letter-annex-note"),
    "sign": ("p", "letter-sign"),
    "annex": ("p", "letter-annex"),
    "cc": ("p", "letter-cc"),
}


class LetterHTML(str):
    """HTML of a section; the notebook displays it as HTML (``_repr_html_``)."""

    def _repr_html_(self) -> str:
        return str(self)


_TABLE_STYLE = (
    "<style>.jp-RenderedHTMLCommon table.letter-table td.text, table.letter-table td.text "
    "{ text-align: left; white-space: normal; }</style>"
)
"""Text cells of the letter's own tables left-aligned (the letter's stylesheet right-aligns
table cells, for numbers)."""


def _html_row(kind: str, text: str) -> str:
    """A ``th`` / ``td`` block as a table row: cells ``col<j>``, text cells also ``text``
    (left-aligned, :data:`_TABLE_STYLE`), numbers right-aligned."""
    tag = "th" if kind == "th" else "td"
    cells = []
    for j, c in enumerate(text.split(CELL_SEP)):
        cls = f"col{j}" + (" text" if tag == "td" and not NUMBER_CELL.match(c) else "")
        cells.append(f'<{tag} class="{cls}">{_html.escape(" ".join(c.split()))}</{tag}>')
    return f"<tr>{''.join(cells)}</tr>"


def _html_section(profile, key: str, lang: str, date) -> str:
    out, items, rows = [], [], []

    def flush(kind: str) -> None:
        """Close the list or the table open before a block of ``kind``."""
        if items and kind != "li":
            out.append('<ul class="letter-list">' + "".join(items) + "</ul>")
            items.clear()
        if rows and kind != "td":
            out.append('<table class="evalstats-table letter-table">' + "".join(rows) + "</table>")
            rows.clear()

    for kind, text in blocks(profile, key, lang, date=date):
        flush(kind)
        if kind in ("th", "td"):
            rows.append(_html_row(kind, text))
            continue
        tag, cls = _TAGS[kind]
        element = f'<{tag} class="{cls}">{_html.escape(" ".join(str(text).split()))}</{tag}>'
        (items if kind == "li" else out).append(element)
    flush("")
    if not out:
        return ""
    extra = " letter-annex-start" if key == "annex" else ""
    style = _TABLE_STYLE if any(x.startswith("<table") for x in out) else ""
    return (
        f'<section class="letter letter-section-{key}{extra}">{style}'
        + "".join(out)
        + ("</section>")
    )


def html(profile, keys, lang: str = "zh", *, date=None) -> LetterHTML:
    """Sections of the letter as HTML (every text escaped), with the classes the letter's
    print stylesheet lays out (``letter-title``, ``letter-sign``, …): a ``<section>`` per
    section (class ``letter-section-<key>``), ``letter-annex-start`` on the annex's (it starts
    a new page in print).

    Parameters
    ----------
    profile : UnitProfile
    keys : str or sequence of str
        A key of :data:`SECTIONS`, or several (e.g. :data:`BODY`: the whole letter).
    lang, date
        As for :func:`blocks`; give a header (:func:`letter_header`) to build it once.

    Examples
    --------
    >>> '<p class="letter-salutation">综治办：</p>' in html(p, "salutation")  # doctest: +SKIP
    True
    """
    keys = (keys,) if isinstance(keys, str) else tuple(keys)
    head = _header(profile, date, LANGS[lang_index(lang)])
    return LetterHTML("".join(_html_section(profile, k, lang, head) for k in keys))


def caption(key: str, lang: str = "zh") -> LetterHTML:
    """The caption of the letter's figure of section ``key`` (:data:`FIGURES`), numbered in
    their order: ``图1　各类评议人对各项评议内容的评分``.

    Examples
    --------
    >>> print(caption("levels"))
    <p class="letter-caption">图2　各项评议内容的评价等级分布</p>
    """
    i = lang_index(lang)
    key = check_option("key", key, tuple(FIGURES))
    n = list(FIGURES).index(key) + 1
    text = (f"图{n}　", f"Figure {n}. ")[i] + FIGURES[key][i]
    return LetterHTML(f'<p class="letter-caption">{_html.escape(text)}</p>')


__all__ = [
    "LetterHTML",
    "blocks",
    "caption",
    "html",
    "section",
]
