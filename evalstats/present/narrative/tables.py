"""Tables for the report body: :func:`table_frame` (the labelled display copy) and
:func:`table` (a Styler, cut to :data:`DISPLAY_MAX_ROWS` rows with a caption), or a
:class:`Note` when there is nothing to show.

Examples
--------
>>> from evalstats.present.narrative import table
>>> table(a, "comments", "en", max_rows=50)  # doctest: +SKIP
"""

from __future__ import annotations

import html

import pandas as pd

from evalstats.core.options import check_option
from evalstats.present import labels as _labels
from evalstats.present.names import in_language
from evalstats.present.narrative.text import (
    EXTRA_HEADERS,
    check_lang,
    is_public,
    not_published,
)
from evalstats.present.narrative.views import TABLE_VIEWS, VIEW_SOURCES
from evalstats.present.narrative.views import view as table_view


class Note(str):
    """A short Markdown note that notebooks display as Markdown (``_repr_markdown_``)."""

    def _repr_markdown_(self) -> str:
        return str(self)


class Parts:
    """A table shown in parts, each under its heading (the 整改清单: 须整改, then 反馈参考).

    ``parts`` holds ``(heading, Styler or Note)`` pairs; notebooks display it as HTML.
    """

    def __init__(self, parts):
        self.parts = list(parts)

    def _repr_html_(self) -> str:
        out = []
        for heading, part in self.parts:
            out.append(f"<h4>{html.escape(heading)}</h4>")
            if isinstance(part, Note):
                out.append(f"<p>{html.escape(str(part))}</p>")
            else:
                out.append(part.to_html())
        return "\n".join(out)

    def to_html(self) -> str:
        return self._repr_html_()


class OnScreen:
    """A table or figure shown on screen whose place on paper is taken by one line saying where
    it is.

    The printed report keeps to what its reader acts on (:data:`PRINT_DETAIL`); a long detail
    table or a second figure of the same numbers would add pages without adding a decision.
    ``_repr_html_`` gives the item inside ``<div class="evalstats-screen-only">`` and the line
    in ``<p class="evalstats-print-only">`` (the report's print stylesheet shows one or the
    other).  ``shown`` is anything with a ``to_html()``: a Styler, a saved figure
    (:class:`evalstats.present.plot.SavedFigure`).
    """

    def __init__(self, shown, note: str):
        if not callable(getattr(shown, "to_html", None)):
            raise TypeError(f"shown must have a to_html(); got {type(shown).__name__}")
        self.shown = shown
        self.note = str(note)

    def _repr_html_(self) -> str:
        return (
            f'<div class="evalstats-screen-only">{self.shown.to_html()}</div>\n'
            f'<p class="evalstats-print-only">{html.escape(self.note)}</p>'
        )

    def to_html(self) -> str:
        return self._repr_html_()


PRINT_DETAIL: dict[str, tuple[str, str] | None] = {
    "comparison": None,
    "rank_movement": None,
    "weak_units_followup": None,
    "group_differences": None,
    "reliability": None,
    "quality": None,
    "levels_by_unit": ("各单位的评价等级分布", "Answer levels by unit"),
}
"""Tables (→ ``None``: labelled by their workbook sheet) and figures (→ their ``(zh, en)``
title) the printed report leaves out; each is whole on screen, and a table in the workbook.

Their section's text states what they show: the changes that are real, the largest rank
moves, each weak unit's follow-up, the group differences that are real, the reliability by
group, every data-quality flag by kind; the groups' rates are in their figure, the levels of
every unit in the heatmap and the weak items.  On paper each gives way to a line saying where
it is, so the demo's annual report prints in at most 12 A4 pages."""


def print_note(name: str, rows: int | None = None, lang: str = "zh") -> str:
    """The line standing on paper for a table or figure of :data:`PRINT_DETAIL`: a table's
    names its workbook sheet (by label) and its number of ``rows``.

    Examples
    --------
    >>> print_note("rank_movement", 30)
    '（本表共 30 行，打印时从略，见 Excel 工作簿“名次变化”表或报告电子版。）'
    >>> print_note("comparison", 1, "en")[:40]
    '(1 row, not printed: see the sheet "Comp'
    >>> print_note("levels_by_unit")
    '（“各单位的评价等级分布”图打印时从略，见报告电子版。）'
    """
    lang = check_lang(lang)
    name = check_option("name", name, tuple(PRINT_DETAIL))
    i = 0 if lang == "zh" else 1
    figure = PRINT_DETAIL[name]
    if figure is not None:
        if lang == "zh":
            return f"（“{figure[0]}”图打印时从略，见报告电子版。）"
        return f'(The figure "{figure[1]}" is not printed: see the report on screen.)'
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise ValueError(f"rows must be the table's number of rows; got {rows!r}")
    sheet = _labels.TABLE_LABELS.get(VIEW_SOURCES.get(name, name), (name, name))[i]
    if lang == "zh":
        return f"（本表共 {rows:,} 行，打印时从略，见 Excel 工作簿“{sheet}”表或报告电子版。）"
    noun = "row" if rows == 1 else "rows"
    return (
        f'({rows:,} {noun}, not printed: see the sheet "{sheet}" of the Excel workbook '
        "or the report on screen.)"
    )


def screen_only(shown, name: str, lang: str = "zh") -> OnScreen:
    """A figure of :data:`PRINT_DETAIL` for the report body: whole on screen, a line on paper.

    Examples
    --------
    >>> saved = plot.save_figure(fig, out, "levels_by_unit")  # doctest: +SKIP
    >>> screen_only(saved, "levels_by_unit", "zh")  # doctest: +SKIP
    """
    return OnScreen(shown, print_note(name, lang=lang))


def empty_note(name: str, lang: str = "zh") -> str:
    """The note standing for a table with no rows: it names the table, so it never reads as a
    note on what is above it.

    Examples
    --------
    >>> empty_note("quality_changes")
    '（“剔除标记问卷后的变化”：本期没有。）'
    """
    lang = check_lang(lang)
    label = _labels.TABLE_LABELS.get(VIEW_SOURCES.get(name, name), (name, name))
    if lang == "zh":
        return f"（“{label[0]}”：本期没有。）"
    return f'("{label[1]}": none in this cycle.)'


PARTS = {
    "rectification": (
        ("rectification_rectify", ("须整改", "To rectify")),
        (
            "rectification_feedback",
            ("反馈参考（无须制定整改方案，供单位参考改进）", "Feedback (no plan required)"),
        ),
    ),
}
"""Tables :func:`table` shows in parts: name → ``(view, (zh heading, en heading))`` pairs."""


def table_frame(a, name: str, lang: str = "zh") -> pd.DataFrame:
    """The display copy (:func:`evalstats.present.labels.present`) of a table for the report body;
    empty for a table the analysis does not hold (``comments`` in the public tier)."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    name = check_option("name", name, TABLE_VIEWS)
    if VIEW_SOURCES.get(name, name) not in a.tables:
        return pd.DataFrame()
    view, headers = _shown_view(a, name, lang)
    return _labels.present(
        view,
        scheme=a.scheme,
        lang=lang,
        labels=_headers(view, headers, lang),
        percent_columns=_percent_columns(view),
    )


def _shown_view(a, name: str, lang: str):
    """The view of a table; in the public edition without the columns it withholds in every
    row (a column of dashes only says nothing, e.g. the 抑制说明's form counts)."""
    view, headers = table_view(a, name, lang)
    if is_public(a) and len(view):
        blank = view.isna() | view.astype(str).eq("")
        view = view.loc[:, ~blank.all()]
    return view, headers


def _percent_columns(view: pd.DataFrame) -> list[str]:
    """Columns shown as percentages: those :mod:`evalstats.present.labels` shows so, except the
    probabilities ``p_last`` / ``p_top3``, which the text quotes as probabilities (0.32)."""
    return [
        c
        for pos, c in enumerate(view.columns)
        if c not in ("p_last", "p_top3")
        and _labels.column_format(c, view.iloc[:, pos].dtype) == "percent"
    ]


def _headers(view: pd.DataFrame, headers: dict, lang: str) -> dict:
    i = 0 if lang == "zh" else 1
    out = {c: EXTRA_HEADERS[c][i] for c in view.columns if c in EXTRA_HEADERS}
    return out | headers


DISPLAY_MAX_ROWS = 200
"""Rows of a table shown in the report body; the whole table is in the workbook and CSV.

A city-wide cycle's rectification list or comments run to tens of thousands of rows, which
no reader scrolls through in a page and which made the HTML report 20 MB.  The ranking
tables (one row per unit) are always shown whole: see :data:`WHOLE_TABLES`."""

WHOLE_TABLES = frozenset({"ranking", "final_grades", "rank_movement"})
"""Table views never cut, whatever their length: every unit's standing is shown."""


def _cut_caption(shown: int, total: int, name: str, lang: str) -> str:
    # the sheet by its label: a Chinese document names no file or folder
    sheet = _labels.TABLE_LABELS.get(name, (name, name))
    if lang == "zh":
        return f"仅显示前 {shown:,} 行，共 {total:,} 行；完整的表见 Excel 工作簿“{sheet[0]}”表。"
    return (
        f'First {shown:,} of {total:,} rows; the whole table is in the sheet "{sheet[1]}" '
        "of the Excel workbook."
    )


def table(a, name: str, lang: str = "zh", *, max_rows: int | None = DISPLAY_MAX_ROWS):
    """A table for the report body, labelled and HTML-escaped
    (:func:`evalstats.present.labels.style`).

    Parameters
    ----------
    a : Analysis
    name : str
        One of :data:`TABLE_VIEWS`.
    lang : {"zh", "en"}
    max_rows : int or None, optional
        Show at most this many rows (default :data:`DISPLAY_MAX_ROWS`), with a caption giving
        the total and where the whole table is; ``None`` shows every row.  The views in
        :data:`WHOLE_TABLES` are always shown whole.

    Returns
    -------
    pandas.io.formats.style.Styler, Note or Parts
        A :class:`Note` saying so when the table has no rows; for the tables of
        :data:`PARTS` (the 整改清单) a :class:`Parts` of one table per part.

    Examples
    --------
    >>> table(a, "comments", "en", max_rows=50)  # doctest: +SKIP
    """
    a = in_language(a, lang)
    lang = check_lang(lang)
    name = check_option("name", name, TABLE_VIEWS)
    if max_rows is not None and (
        isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1
    ):
        raise ValueError(f"max_rows must be a positive integer or None; got {max_rows!r}")
    if name in PARTS and name in a.tables and "action" in a.tables[name].columns:
        i = 0 if lang == "zh" else 1
        return Parts(
            (heading[i], table(a, part, lang, max_rows=max_rows)) for part, heading in PARTS[name]
        )
    if VIEW_SOURCES.get(name, name) not in a.tables:
        if name == "suppressed" and not is_public(a):
            return Note(
                "（内部版未抑制任何单元格。）"
                if lang == "zh"
                else "(The internal edition withholds nothing.)"
            )
        label = _labels.TABLE_LABELS.get(VIEW_SOURCES.get(name, name), (name, name))
        return Note(not_published(label[0 if lang == "zh" else 1], lang))
    view, headers = _shown_view(a, name, lang)
    if not len(view):
        return Note(empty_note(name, lang))
    total = len(view)
    cut = max_rows is not None and name not in WHOLE_TABLES and total > max_rows
    if cut:
        view = view.iloc[:max_rows]
    styler = _labels.style(
        view,
        scheme=a.scheme,
        lang=lang,
        labels=_headers(view, headers, lang),
        percent_columns=_percent_columns(view),
    )
    if cut:
        source = VIEW_SOURCES.get(name, name)
        styler.set_caption(html.escape(_cut_caption(max_rows, total, source, lang)))
    if name in PRINT_DETAIL:
        return OnScreen(styler, print_note(name, total, lang))
    return styler


__all__ = [
    "DISPLAY_MAX_ROWS",
    "PARTS",
    "PRINT_DETAIL",
    "WHOLE_TABLES",
    "Note",
    "OnScreen",
    "Parts",
    "empty_note",
    "print_note",
    "screen_only",
    "table",
    "table_frame",
]
