"""Which worksheet of a workbook holds the table (:func:`choose_sheet`).

The rule: the sheet the scheme names (``[sheets] responses = "汇总"``), hidden or not; else the
one visible worksheet whose header row names at least two known columns (else the first naming
one, as :func:`~evalstats.inputs.read.header.find_header` does).  Two such sheets are refused,
naming both (a stale copy beside the real one is a common office mistake, and guessing would
count the wrong forms).  Data only on a hidden sheet are refused too, naming the sheet: a hidden
sheet is usually an old copy or a lookup list, so it is read only when the user says so, by
unhiding it or naming it in the scheme.

Examples
--------
>>> from evalstats.inputs.read.sheets import choose_sheet
>>> lookup = {"问卷编号": "form_id", "被评单位": "unit"}
>>> choose_sheet([("数据", True, [["问卷编号", "被评单位"], ["A1", "U1"]])], lookup,
...              named=None, table="responses").name
'数据'
>>> header = [["问卷编号", "被评单位"]]
>>> choose_sheet([("旧", True, header), ("新", True, header)], lookup, named=None,
...              table="responses").code
'ambiguous_sheet'
"""

from __future__ import annotations

from dataclasses import dataclass

from evalstats.inputs.read.cells import cell_text
from evalstats.inputs.read.header import find_header, known_columns


@dataclass(frozen=True)
class SheetChoice:
    """The sheet to read: its name, rows and header rows ``(first, last)`` (0-based)."""

    name: str
    rows: list
    header: tuple[int, int]


@dataclass(frozen=True)
class SheetRefusal:
    """Why no sheet is read: reason, problem code and the sheet concerned (or None)."""

    reason: str
    code: str
    sheet: str | None = None


def choose_sheet(
    sheets: list[tuple[str, bool, list]], lookup, *, named: str | None, table: str
) -> SheetChoice | SheetRefusal:
    """The worksheet holding ``table`` among ``sheets`` (name, visible, rows); see the module
    docstring for the rule.

    Parameters
    ----------
    sheets : list of (str, bool, list)
        Every worksheet, hidden ones too, in workbook order.
    lookup : Mapping[str, str]
        Normalised header → column code.
    named : str or None
        The sheet the scheme names for ``table`` (``[sheets]``).
    table : str
        The input table, for messages.
    """
    if named is not None:
        for name, _, rows in sheets:
            if name == named:
                hdr = find_header(rows, lookup)
                if hdr is None:
                    return SheetRefusal("", code="no_header", sheet=name)
                return SheetChoice(name, rows, hdr)
        listed = ", ".join(name for name, _, _ in sheets)
        return SheetRefusal(
            f"no sheet named {named} ([sheets] {table} in the scheme); the sheets are {listed}",
            code="no_such_sheet",
        )
    with_header = [
        (name, visible, rows, hdr)
        for name, visible, rows in sheets
        if (hdr := find_header(rows, lookup)) is not None
    ]
    shown = [s for s in with_header if s[1]]
    # a table names at least two known columns; a sheet naming one (a glossary, a note) only
    # counts when no sheet names two
    tables = [s for s in shown if len(_named(s[2], s[3], lookup)) >= 2] or shown[:1]
    if len(tables) > 1:
        names = ", ".join(s[0] for s in tables)
        reason = (
            f"more than one sheet has the header row ({names}); delete the stale copy or name "
            f'the sheet to read in the scheme ([sheets] {table} = "{tables[0][0]}")'
        )
        return SheetRefusal(reason, code="ambiguous_sheet")
    if tables:
        name, _, rows, hdr = tables[0]
        return SheetChoice(name, rows, hdr)
    if with_header:
        name = with_header[0][0]
        reason = (
            f"the data are on hidden sheet {name}; unhide it in Excel or WPS, or name it in the "
            f'scheme ([sheets] {table} = "{name}")'
        )
        return SheetRefusal(reason, code="hidden_sheet", sheet=name)
    visible = [(name, rows) for name, visible, rows in sheets if visible]
    if not any(any(cell_text(c) for c in r) for _, rows in visible for r in rows):
        return SheetRefusal("the workbook has no data (every sheet is empty)", code="empty_file")
    return SheetRefusal("", code="no_header", sheet=visible[0][0] if visible else None)


def _named(rows: list, header: tuple[int, int], lookup) -> set[str]:
    """The known columns the header rows ``header`` (first, last) name."""
    first, last = header
    return set().union(*(known_columns(rows[i], lookup) for i in range(first, last + 1)))


__all__ = ["SheetChoice", "SheetRefusal", "choose_sheet"]
