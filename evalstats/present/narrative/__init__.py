"""Plain-language report text generated from an :class:`~evalstats.analyses.cycle.Analysis`.

Every function takes the analysis and ``lang`` (``"zh"``, the default, or ``"en"``) and returns
Markdown: a ``##`` heading and paragraphs or bullet lists.  Every number in a sentence is read
from the analysis' tables and formatted here — scores to two decimals, rates as percentages to
one decimal, probabilities to two decimals — never typed.  Text that comes from the data (unit
names, collectors, comments, scheme labels) is escaped for Markdown and HTML (``& < >`` as
entities, Markdown punctuation backslash-escaped), so a comment holding ``<script>`` or
``[link](…)`` shows as text.

:func:`sections` returns every section in report order; :func:`table` returns the display of a
table for the report body (a selection of rows and columns, labelled; the full tables go to the
CSV files and the workbook).

Public tier
-----------
An analysis run with ``tier="public"`` holds only what :mod:`evalstats.stats.privacy` allows:
withheld
numbers are missing in its tables, so a sentence quoting one shows "—", and the sections that
would quote internal-only content (comments, the flags' collectors and forms, the figures
without the flagged forms) say instead that it is not published.  :func:`suppression` says what
was withheld and why (and, in the internal tier, that the report is not for publication);
:func:`table` shows a note for a table the public edition does not hold.


Layout
------
The sections and tables live in small modules by concept; this package re-exports their public
names:

* :mod:`~evalstats.present.narrative.text` — headings, the words for rule codes, escaping,
  the helpers shared by the sections;
* :mod:`~evalstats.present.narrative.forms` — title, overview, levels, comments;
* :mod:`~evalstats.present.narrative.results` — ranking, vetoes, weak dimensions,
  rectification;
* :mod:`~evalstats.present.narrative.checks` — group differences, reliability, quality,
  publication tier, method;
* :mod:`~evalstats.present.narrative.annual` — the annual report's own sections;
* :mod:`~evalstats.present.narrative.outline` — the sections of each report, in order;
* :mod:`~evalstats.present.narrative.views` and :mod:`~evalstats.present.narrative.tables` —
  the tables of the report body.

Examples
--------
>>> from evalstats.analyses.cycle import half_year
>>> from evalstats.present import narrative
>>> a = half_year("2026H1", n_resamples=500, seed=1)  # doctest: +SKIP
>>> print(narrative.ranking(a, "zh"))  # doctest: +SKIP
"""

from __future__ import annotations

from evalstats.present.narrative.annual import (
    changes,
    final_grades,
    followup,
    movement,
    one_cycle,
    year_result,
)
from evalstats.present.narrative.checks import (
    group_differences,
    method,
    quality,
    reliability,
    rules,
    suppression,
)
from evalstats.present.narrative.forms import comments, levels, overview, title
from evalstats.present.narrative.outline import (
    ANNUAL_SECTIONS,
    HALF_YEAR_SECTIONS,
    section,
    sections,
)
from evalstats.present.narrative.results import ranking, rectification, vetoes, weak_dimensions
from evalstats.present.narrative.tables import (
    DISPLAY_MAX_ROWS,
    PARTS,
    PRINT_DETAIL,
    WHOLE_TABLES,
    Note,
    OnScreen,
    Parts,
    empty_note,
    print_note,
    screen_only,
    table,
    table_frame,
)
from evalstats.present.narrative.text import (
    ALL,
    EXTRA_HEADERS,
    HEADINGS,
    ITEM_TEXT,
    MAX_COMMENTS_QUOTED,
    METHOD_TEXT,
    MINUS,
    NOT_PUBLISHED,
    REQUIRED_TEXT,
    STANDING_TEXT,
    VERDICT_TEXT,
    WEAK_REASON_TEXT,
    YEAR_END_SECTIONS,
    codes_text,
    join_words,
    not_published,
    scheme_label,
)
from evalstats.present.narrative.views import TABLE_VIEWS

__all__ = [
    "ALL",
    "ANNUAL_SECTIONS",
    "DISPLAY_MAX_ROWS",
    "EXTRA_HEADERS",
    "HALF_YEAR_SECTIONS",
    "HEADINGS",
    "ITEM_TEXT",
    "MAX_COMMENTS_QUOTED",
    "METHOD_TEXT",
    "MINUS",
    "NOT_PUBLISHED",
    "PARTS",
    "PRINT_DETAIL",
    "REQUIRED_TEXT",
    "STANDING_TEXT",
    "TABLE_VIEWS",
    "VERDICT_TEXT",
    "WEAK_REASON_TEXT",
    "WHOLE_TABLES",
    "YEAR_END_SECTIONS",
    "Note",
    "OnScreen",
    "Parts",
    "changes",
    "codes_text",
    "comments",
    "empty_note",
    "final_grades",
    "followup",
    "group_differences",
    "join_words",
    "levels",
    "method",
    "movement",
    "not_published",
    "one_cycle",
    "overview",
    "print_note",
    "quality",
    "ranking",
    "rectification",
    "reliability",
    "rules",
    "scheme_label",
    "screen_only",
    "section",
    "sections",
    "suppression",
    "table",
    "table_frame",
    "title",
    "vetoes",
    "weak_dimensions",
    "year_result",
]
