"""Feedback letters (反馈函): one unit's results as a letter a town office signs and sends.

The letter (:data:`BODY`): 文号, title (``关于2026年度政风行风测评结果的反馈函``), salutation
(``综治办：``), an opening, four numbered parts in plain words — the result (rank among the
series' units, grade, 前三 / 末位 / 一票否决 said plainly), what must be rectified and by when,
what changed since the last cycle, the comments received (by kind when sorted) — the closing
with the contact and 特此函告, and the 落款.  The statistics (intervals, rank intervals, P(末位),
tests, Holm) and the scheme's rules go to the annex 附件：评分规则与方法说明 (:data:`ANNEX`); the
抄送 closes the document.  Who sends it, its 文号, date and reply deadline come from the scheme's
``[letters]`` (:mod:`~evalstats.present.letters.header`).

Three layers, all on a :class:`~evalstats.analyses.profile.UnitProfile`:

* **Words** — :func:`blocks` / :func:`section` / :func:`html`
  (:mod:`~evalstats.present.letters.sections`), written by
  :mod:`~evalstats.present.letters.results`, :mod:`~evalstats.present.letters.since`,
  :mod:`~evalstats.present.letters.closing` and :mod:`~evalstats.present.letters.rules` on the
  shared vocabulary of :mod:`~evalstats.present.letters.text`.  :func:`section` gives Markdown
  and :func:`html` HTML with the letter's classes (all text escaped, so a comment holding
  ``<script>`` shows as text).
* **Tables** — :func:`table_frame` (strings: this is where the letter rounds) and :func:`table`
  (a Styler for the notebook), in :mod:`~evalstats.present.letters.tables`.
* **Documents** — :func:`write_docx` (:mod:`~evalstats.present.letters.word`): the Word letter
  in 公文 style.

The HTML letter *is* ``notebooks/unit_profile.ipynb`` executed for the unit and rendered without
code by :func:`evalstats.present.report.render_html` (the letter's A4 print stylesheet).  The
batch (``evalstats letters``) is :mod:`evalstats.run.letters`.

Examples
--------
>>> from evalstats.present.letters import cycle_words
>>> cycle_words("2026A")
'2026年度'
"""

from __future__ import annotations

from evalstats.present.letters.closing import COMMENT_KINDS, comment_kind
from evalstats.present.letters.header import LetterHeader, letter_header
from evalstats.present.letters.sections import LetterHTML, blocks, caption, html, section
from evalstats.present.letters.tables import table, table_frame, write_letter_row
from evalstats.present.letters.text import (
    ANNEX,
    ANNEX_TITLE,
    BODY,
    CELL_SEP,
    DASH,
    FIGURES,
    HEADINGS,
    REQUIRED,
    SECTIONS,
    STANDING,
    SUPPRESS_REASON,
    TABLES,
    VERDICT,
    WEAK_REASON,
    cycle_words,
    rank_text,
)
from evalstats.present.letters.word import (
    FONT_BODY,
    FONT_HEADING,
    FONT_LATIN,
    FONT_TITLE,
    write_docx,
)

__all__ = [
    "ANNEX",
    "ANNEX_TITLE",
    "BODY",
    "CELL_SEP",
    "COMMENT_KINDS",
    "DASH",
    "FIGURES",
    "FONT_BODY",
    "FONT_HEADING",
    "FONT_LATIN",
    "FONT_TITLE",
    "HEADINGS",
    "REQUIRED",
    "SECTIONS",
    "STANDING",
    "SUPPRESS_REASON",
    "TABLES",
    "VERDICT",
    "WEAK_REASON",
    "LetterHTML",
    "LetterHeader",
    "blocks",
    "caption",
    "comment_kind",
    "cycle_words",
    "html",
    "letter_header",
    "rank_text",
    "section",
    "table",
    "table_frame",
    "write_docx",
    "write_letter_row",
]
