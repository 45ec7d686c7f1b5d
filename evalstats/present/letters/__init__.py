"""Feedback letters (反馈函): one unit's results in words, tables, HTML and Word.

Three layers, all on a :class:`~evalstats.analyses.profile.UnitProfile`, each in its own
modules (this package re-exports their public names):

* **Words** — :func:`blocks` / :func:`section` (:mod:`~evalstats.present.letters.sections`):
  the letter's sections (title, opening, headline, scores, levels, change, last cycle's
  rectification, comments, what is owed, data quality, suppression, method) as sentences built
  from the profile's numbers, in Chinese (default) or English, written by
  :mod:`~evalstats.present.letters.results`, :mod:`~evalstats.present.letters.since` and
  :mod:`~evalstats.present.letters.closing` on the shared vocabulary of
  :mod:`~evalstats.present.letters.text`.  :func:`section` gives Markdown (all text escaped, so
  a comment holding ``<script>`` or ``[link](…)`` shows as text) for the notebook; the Word
  letter uses the same sentences.
* **Tables** — :func:`table_frame` (strings: this is where the letter rounds — scores to two
  decimals, rates as percentages to one decimal, probabilities to two decimals) and
  :func:`table` (a Styler for the notebook), in :mod:`~evalstats.present.letters.tables`.  The
  Word letter prints the same strings.
* **Documents** — :func:`write_docx` (:mod:`~evalstats.present.letters.word`) writes the Word
  letter (python-docx; Chinese text in the East-Asian font slot ``w:eastAsia`` so Word shows it
  in 宋体 / 黑体).

The HTML letter *is* ``notebooks/unit_profile.ipynb`` executed for the unit and rendered without
code by :func:`evalstats.present.report.render_html` (A4 print stylesheet), so the letter shows
exactly what the notebook shows.

The batch (``evalstats letters``: execute the profile notebook per unit, publish HTML, Word and
an index) is :mod:`evalstats.run.letters`.

Examples
--------
>>> from evalstats.present.letters import cycle_words
>>> cycle_words("2026A")
'2026年度'
"""

from __future__ import annotations

from evalstats.present.letters.sections import blocks, section
from evalstats.present.letters.tables import table, table_frame, write_letter_row
from evalstats.present.letters.text import (
    DASH,
    HEADINGS,
    REQUIRED,
    SECTIONS,
    STANDING,
    SUPPRESS_REASON,
    TABLES,
    VERDICT,
    WEAK_REASON,
    cycle_words,
)
from evalstats.present.letters.word import FONT_BODY, FONT_HEADING, FONT_LATIN, write_docx

__all__ = [
    "DASH",
    "FONT_BODY",
    "FONT_HEADING",
    "FONT_LATIN",
    "HEADINGS",
    "REQUIRED",
    "SECTIONS",
    "STANDING",
    "SUPPRESS_REASON",
    "TABLES",
    "VERDICT",
    "WEAK_REASON",
    "blocks",
    "cycle_words",
    "section",
    "table",
    "table_frame",
    "write_docx",
    "write_letter_row",
]
