"""A workbook looked at before the spreadsheet reader sees it: zip parts, sheets, formulas.

:func:`inspect_workbook` opens an .xlsx/.xlsm/.ods file with :mod:`zipfile` and, before
calamine parses anything, checks each part against the scheme's limits
(:class:`~evalstats.core.reading.ReadLimits`): the size the zip declares and its ratio to the
compressed size, then the bytes it really inflates to, through a counting stream that stops at
the limit (declared sizes can lie).  While the worksheets stream by it notes each sheet's
used range (its last row and column, which the reader allocates whole) and the formula cells
that carry no saved value (a file written by a program, never opened and saved in Excel: the
reader would see blanks).  Nothing inflated is kept.

Examples
--------
>>> from evalstats.core.reading import ReadLimits
>>> from evalstats.inputs.read.workbook import inspect_workbook
>>> inspect_workbook(b"not a zip", ReadLimits())
({}, None)
"""

from __future__ import annotations

import html
import io as _io
import re
import zipfile
from dataclasses import dataclass

from evalstats.core.reading import MIB, ReadLimits
from evalstats.inputs.read.bounds import Breach, over_limit

_ZIP_MAGIC = b"PK\x03\x04"
_READ = 1 << 20
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_REL = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_REF = re.compile(rb'<(?:\w+:)?(?:c|row)\b[^>]*?\br="([A-Z]*)(\d+)"')
_FCELL = re.compile(rb"<(?:\w+:)?c\b([^>]*)(?<!/)>(.*?)</(?:\w+:)?c>", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]|<(?:\w+:)?is>")
_CELL_REF = re.compile(rb'\br="([A-Z]+\d+)"')
_TEXT_TYPE = re.compile(rb'\bt="(?:str|s|e|b|inlineStr)"')


@dataclass(frozen=True)
class SheetInfo:
    """One worksheet as the zip holds it.

    Attributes
    ----------
    name : str
    state : str
        ``"visible"``, ``"hidden"`` or ``"veryHidden"``.
    rows, columns : int
        Last row and last column with a cell (the used range from A1).
    formulas : tuple of str
        Cells (``"D5"``) holding a formula without a saved value, in file order.
    """

    name: str
    state: str
    rows: int = 0
    columns: int = 0
    formulas: tuple[str, ...] = ()


def column_number(letters: bytes | str) -> int:
    """1-based column number of spreadsheet column letters (``"A"`` → 1, ``"AA"`` → 27).

    Examples
    --------
    >>> column_number("XFD")
    16384
    """
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def inspect_workbook(data: bytes, limits: ReadLimits) -> tuple[dict[str, SheetInfo], Breach | None]:
    """The worksheets of a zipped workbook by part name, or the limit it passes.

    Parameters
    ----------
    data : bytes
        The file's bytes.  Not a zip (an .xls, a damaged file): ``({}, None)``, and the
        spreadsheet reader says what it is.
    limits : ReadLimits

    Returns
    -------
    (dict, Breach or None)
        Worksheet name → :class:`SheetInfo` (.xlsx/.xlsm; empty for .ods), and the first limit
        passed (code ``over_limit``; ``wrong_format`` for a part whose bytes do not match its
        checksum).
    """
    if not data.startswith(_ZIP_MAGIC):
        return {}, None
    try:
        zf = zipfile.ZipFile(_io.BytesIO(data))
        members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return {}, None
    for info in members:
        breach = _declared(info, limits)
        if breach:
            return {}, breach
    parts = _sheet_parts(zf, limits)
    found: dict[str, SheetInfo] = {}
    for info in members:
        sheet = parts.get(info.filename)
        got = _stream(zf, info, limits, sheet)
        if isinstance(got, Breach):
            return {}, got
        if got is not None:
            found[got.name] = got
    return found, None


def _declared(info: zipfile.ZipInfo, limits: ReadLimits) -> Breach | None:
    """The sizes the zip declares for a part, against the limits."""
    if info.file_size > limits.part_bytes:
        return Breach(_part_reason(info.filename, info.file_size, limits.part_bytes), None)
    ratio = info.file_size // max(info.compress_size, 1)
    if info.file_size > MIB and ratio > limits.zip_ratio:
        reason = (
            f"a part of the workbook ({info.filename}) inflates {ratio:,} times its compressed "
            f"size, more than the limit of {limits.zip_ratio:,} (limits.zip_ratio in the "
            f"scheme); it is padding, not a table"
        )
        return Breach(reason, None)
    return None


def _part_reason(name: str, size: int | None, limit: int) -> str:
    return f"{over_limit('part_bytes', size, limit)}: {name}"


def _sheet_parts(zf: zipfile.ZipFile, limits: ReadLimits) -> dict[str, SheetInfo]:
    """Part name → the worksheet it holds (name and visibility), from workbook.xml and its
    relationships (both small; their size was checked)."""
    try:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    targets = {}
    for tag in _REL.findall(rels):
        attrs = dict(_ATTR.findall(tag))
        target = attrs.get(b"Target", b"").decode("utf-8", "replace")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[attrs.get(b"Id", b"")] = part
    out = {}
    for tag in _SHEET.findall(book):
        attrs = {k.split(b":")[-1]: v for k, v in _ATTR.findall(tag)}
        part = targets.get(attrs.get(b"id", b""))
        if part is not None:
            name = html.unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
            state = attrs.get(b"state", b"visible").decode("ascii", "replace")
            out[part] = SheetInfo(name, state)
    return out


def _stream(zf, info, limits: ReadLimits, sheet: SheetInfo | None):
    """Inflate one part through a counting stream (never more than the limit, nothing kept);
    for a worksheet, its used range and formulas without values."""
    total = rows = columns = 0
    formulas: list[str] = []
    carry = b""
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(_READ):
                total += len(chunk)
                if total > limits.part_bytes:
                    return Breach(_part_reason(info.filename, None, limits.part_bytes), None)
                if sheet is None:
                    continue
                text = carry + chunk
                cut = max(text.rfind(b"<c "), text.rfind(b"<row"))  # a cell may span chunks
                cut = cut if cut >= 0 else text.rfind(b"<")
                text, carry = text[:cut], text[cut:]
                if len(carry) > MIB:  # no tag is that long: drop it, keep the scan bounded
                    carry = b""
                rows, columns = _used_range(text, rows, columns, formulas)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        why = f"{type(exc).__name__}: {exc}"
        reason = f"cannot read this file as a spreadsheet ({why}); save it as .xlsx"
        return Breach(reason, None, code="wrong_format")
    if sheet is None:
        return None
    rows, columns = _used_range(carry, rows, columns, formulas)
    return SheetInfo(sheet.name, sheet.state, rows, columns, tuple(dict.fromkeys(formulas)))


def _used_range(text: bytes, rows: int, columns: int, formulas: list[str]) -> tuple[int, int]:
    """Fold the cells of ``text`` (whole tags) into the used range; note formulas without a
    saved value."""
    for letters, digits in _REF.findall(text):
        rows = max(rows, int(digits))
        if letters:
            columns = max(columns, column_number(letters))
    if b"<f" in text:  # a formula with no <v> content and no text type ("" saved as str)
        for attrs, inner in _FCELL.findall(text):
            if _FORMULA.search(inner) and not _VALUE.search(inner):
                ref = _CELL_REF.search(attrs)
                if ref and not _TEXT_TYPE.search(attrs):
                    formulas.append(ref[1].decode("ascii"))
    return rows, columns


__all__ = ["SheetInfo", "column_number", "inspect_workbook"]
