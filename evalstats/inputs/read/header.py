"""The header row: found below any title rows, a two-row merged header joined into one.

Examples
--------
>>> from evalstats.inputs.read.header import find_header
>>> find_header([["测评表"], ["问卷编号", "被评单位"]], {"问卷编号": "form_id", "被评单位": "unit"})
(1, 1)
"""

from __future__ import annotations

from collections.abc import Mapping

from evalstats.core.scheme import Scheme, normalize_label
from evalstats.inputs.read.cells import cell_text

HEADER_SEARCH_ROWS = 50


def known_columns(cells, lookup: Mapping[str, str]) -> set[str]:
    """The column codes that ``cells`` (one row) name as headers."""
    codes = set()
    for c in cells:
        if c is None:
            continue
        text = c if isinstance(c, str) else cell_text(c)
        if text and (code := lookup.get(normalize_label(text))):
            codes.add(code)
    return codes


def find_header(rows: list[list], lookup: Mapping[str, str]) -> tuple[int, int] | None:
    """(first, last) 0-based index of the header row(s) among ``rows``, or None.

    The header is the first row naming at least two known columns (else the first naming
    one).  The row below joins it when it names further known columns where the header row is
    blank or unknown (a merged two-row header such as 评议内容 over the dimension columns).
    """
    counts = [len(known_columns(r, lookup)) for r in rows[:HEADER_SEARCH_ROWS]]
    first = next((i for i, n in enumerate(counts) if n >= 2), None)
    if first is None:
        first = next((i for i, n in enumerate(counts) if n >= 1), None)
    if first is None:
        return None
    last = first
    if first + 1 < len(rows):
        top, below = rows[first], rows[first + 1]
        top_codes = known_columns(top, lookup)
        filled = [c for c in below if cell_text(c) not in (None, "")]
        new = known_columns(below, lookup) - top_codes
        known = [c for c in filled if known_columns([c], lookup)]
        if new and len(known) * 2 >= len(filled):
            last = first + 1
    return first, last


def combine_headers(rows: list[list], first: int, last: int, width: int) -> list[str]:
    """One header per column from the header rows ``first..last`` (merged cells filled in,
    the lower row the more specific).  Shared with the out-of-core backends."""
    out = []
    for j in range(width):
        text = ""
        for i in range(last, first - 1, -1):  # the lower row is the more specific one
            row = rows[i]
            cell = cell_text(row[j]) if j < len(row) else None
            if cell and cell.strip():
                text = cell.strip()
                break
        out.append(text)
    return out


def expected_headers(scheme: Scheme, table: str) -> str:
    """The headers of ``table`` a user is expected to write, for a message (identifier and
    respondent-id columns left out; the dimensions by their Chinese labels)."""
    dims = {d.code: d.label_zh for d in scheme.dimensions} if table == "responses" else {}
    ids = {*scheme.identifier_columns, "respondent"}
    names = [
        dims.get(code, aliases[0])
        for code, aliases in scheme.headers[table].items()
        if code not in ids
    ]
    return ", ".join(names)


__all__ = [
    "HEADER_SEARCH_ROWS",
    "combine_headers",
    "expected_headers",
    "find_header",
    "known_columns",
]
