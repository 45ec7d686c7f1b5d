"""Exports of a report: CSV tables, the Excel workbook, HTML without code, JSON — all safe.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so
a reader sees the old file or the new one, never half of one; and deterministically, so the
same tables give the same bytes.

Hostile text (issue 8): a comment typed into a form ends up in ``tables/*.csv``, the workbook
and the HTML.  :func:`neutralize` makes text cells inert before a spreadsheet sees them — a
cell whose first non-blank character is ``= + - @`` (or their full-width forms ``＝ ＋ － ＠``),
or that starts with a tab or a carriage return, gets a leading ``'`` (the OWASP advice for CSV
injection [1]_); control characters are removed.  The HTML escapes text (pandas' ``to_html``
does; :func:`escape_markdown` is for sentences built from comments) and :func:`render_html`
removes scripts and event handlers that reach the page anyway.


Layout
------
One small module per concept; this package re-exports their public names:

* :mod:`~evalstats.present.report.safety` — :func:`neutralize`, :func:`neutralize_text`;
* :mod:`~evalstats.present.report.files` — :func:`write_csv`, :func:`write_tables`,
  :func:`write_json`;
* :mod:`~evalstats.present.report.workbook` — :func:`write_workbook`, :func:`sheet_title`,
  with the sheets' data cells serialised by :mod:`~evalstats.present.report.cells`;
* :mod:`~evalstats.present.report.html` — :func:`render_html`, :func:`strip_volatile`,
  :func:`escape_markdown`.

References
----------
.. [1] OWASP. CSV Injection. https://owasp.org/www-community/attacks/CSV_Injection

Examples
--------
>>> import pandas as pd
>>> from evalstats.present.report import neutralize
>>> df, n = neutralize(pd.DataFrame({"comment": ["=HYPERLINK(\\"x\\")", "好", "－1"]}))
>>> df["comment"].tolist(), n
(['\\'=HYPERLINK("x")', '好', "'－1"], 2)
"""

from __future__ import annotations

from evalstats.present.report.cells import EXCEL_MAX_CHARS, EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS
from evalstats.present.report.files import TablesWritten, write_csv, write_json, write_tables
from evalstats.present.report.html import (
    HTML_LANG,
    REMOVE_CELL_TAGS,
    TEMPLATE_NAME,
    escape_markdown,
    render_html,
    strip_volatile,
)
from evalstats.present.report.safety import (
    DANGEROUS_STARTS,
    FORMULA_PREFIXES,
    QUOTE,
    neutralize,
    neutralize_text,
)
from evalstats.present.report.workbook import (
    NUMBER_FORMATS,
    SHEET_NAME_MAX,
    sheet_title,
    write_workbook,
)

__all__ = [
    "DANGEROUS_STARTS",
    "EXCEL_MAX_CHARS",
    "EXCEL_MAX_COLUMNS",
    "EXCEL_MAX_ROWS",
    "FORMULA_PREFIXES",
    "HTML_LANG",
    "NUMBER_FORMATS",
    "QUOTE",
    "REMOVE_CELL_TAGS",
    "SHEET_NAME_MAX",
    "TEMPLATE_NAME",
    "TablesWritten",
    "escape_markdown",
    "neutralize",
    "neutralize_text",
    "render_html",
    "sheet_title",
    "strip_volatile",
    "write_csv",
    "write_json",
    "write_tables",
    "write_workbook",
]
