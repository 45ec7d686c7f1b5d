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

import hashlib
import html
import io as _io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from evalstats.core.reading import MIB, ReadLimits
from evalstats.inputs.read.bounds import Breach, over_limit

_ZIP_MAGIC = b"PK\x03\x04"
_READ = 1 << 20
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_REL = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
# the used range: general patterns (any attribute order, a namespace prefix) and the ones for
# tags as Excel, WPS and openpyxl write them (r first, no prefix), 3-8 times faster
_ROW_TAG = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_ROW_TAG_PLAIN = re.compile(rb'<row r="(\d+)"')
_CELL_ROW = rb'<(?:\w+:)?c\b[^>]*?\br="[A-Z]+(\d{%d,})"'
_CELL_ROW_PLAIN = rb'<c r="[A-Z]+(\d{%d,})"'
_WIDE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{2,})')
_WIDE_PLAIN = re.compile(rb'<c r="([A-Z]{2,})')
_COLUMN = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)')
_COLUMN_PLAIN = re.compile(rb'<c r="([A-Z]+)')
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
        Last row and last column with a cell (the used range from A1); a sheet whose cells are
        all in columns A–Z counts 26 columns, unless 26 would pass a limit (then the exact
        last column).
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


def inspect_workbook(
    data: bytes, limits: ReadLimits
) -> tuple[Mapping[str, SheetInfo], Breach | None]:
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
    key = (hashlib.sha256(data).digest(), limits)
    if key not in _SEEN:  # read_header, then read_table look at the same file
        if len(_SEEN) >= 8:
            _SEEN.pop(next(iter(_SEEN)))
        _SEEN[key] = _inspect(data, limits)
    return _SEEN[key]


_SEEN: dict = {}  # (sha256, limits) → the result of a file inspected (results only, no bytes)


def forget_inspections() -> None:
    """Forget the workbooks inspected so far: the next :func:`inspect_workbook` of a file
    reads it again (a benchmark timing what a fresh process does).

    Examples
    --------
    >>> forget_inspections()
    """
    _SEEN.clear()


def _inspect(data: bytes, limits: ReadLimits) -> tuple[Mapping[str, SheetInfo], Breach | None]:
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
    return MappingProxyType(found), None


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


def _stream(zf, info, limits: ReadLimits, sheet: SheetInfo | None, *, exact: bool = False):
    """Inflate one part through a counting stream (never more than the limit, nothing kept);
    for a worksheet, its used range and formulas without values.

    Columns A–Z are counted as 26 unless ``exact`` (finding the last of them means looking at
    every cell); when 26 could pass a limit the part is streamed again with ``exact``.
    """
    total = 0
    scan = _Range()
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
                scan.add(text, exact=exact)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        why = f"{type(exc).__name__}: {exc}"
        reason = f"cannot read this file as a spreadsheet ({why}); save it as .xlsx"
        return Breach(reason, None, code="wrong_format")
    if sheet is None:
        return None
    scan.add(carry, exact=exact)
    columns = max(scan.columns, 26 if scan.narrow else 0)
    if columns > scan.columns and (columns > limits.columns or scan.rows * columns > limits.cells):
        return _stream(zf, info, limits, sheet, exact=True)
    formulas = tuple(dict.fromkeys(scan.formulas))
    return SheetInfo(sheet.name, sheet.state, scan.rows, columns, formulas)


class _Range:
    """The used range and the formulas without a saved value, folded in chunk by chunk."""

    def __init__(self):
        self.rows = 0
        self.columns = 0  # the last column seen exactly
        self.narrow = False  # cells in A–Z not looked at one by one
        self.formulas: list[str] = []

    def add(self, text: bytes, *, exact: bool) -> None:
        """Fold the cells of ``text`` (whole tags) in.

        The last row is the largest ``<row r=…>``, or a cell's row beyond it: such a row has
        at least as many digits as the largest so far, so only those cells are looked at.
        Columns beyond Z are found exactly (few cells have them); A–Z only when ``exact``.
        """
        cells = text.count(b"<c ")
        plain = (
            b":c " not in text
            and b":row " not in text
            and cells == text.count(b'<c r="')
            and text.count(b"<row ") == text.count(b'<row r="')
        )
        if plain:  # the rows rise in a sheet as written: only numbers above the last are read
            last = text.rfind(b'<row r="')
            if last >= 0:
                self.rows = max(self.rows, _leading_number(text, last + 8))
            self.rows = _largest(text, rb'<row r="', self.rows)
            self.rows = _largest(text, rb'<c r="[A-Z]+', self.rows)
        else:
            tags = _ROW_TAG.findall(text)
            if tags:
                self.rows = max(self.rows, max(map(int, tags)))
            digits = len(str(self.rows)) if self.rows else 1
            beyond = re.findall(_CELL_ROW % digits, text)
            if beyond:
                self.rows = max(self.rows, max(map(int, beyond)))
        if exact:
            letters = set((_COLUMN_PLAIN if plain else _COLUMN).findall(text))
        else:
            letters = set((_WIDE_PLAIN if plain else _WIDE).findall(text))
            self.narrow = self.narrow or cells > 0 or not plain or b"<c>" in text
        if letters:
            self.columns = max(self.columns, max(map(column_number, letters)))
        if b"<f" in text:  # a formula with no <v> content and no text type ("" saved as str)
            for attrs, inner in _FCELL.findall(text):
                if _FORMULA.search(inner) and not _VALUE.search(inner):
                    ref = _CELL_REF.search(attrs)
                    if ref and not _TEXT_TYPE.search(attrs):
                        self.formulas.append(ref[1].decode("ascii"))


def _leading_number(text: bytes, at: int) -> int:
    """The number written at ``text[at:]`` (its leading digits; 0 without any)."""
    m = _DIGITS.match(text, at)
    return int(m[0]) if m else 0


_DIGITS = re.compile(rb"\d+")


def _largest(text: bytes, prefix: bytes, floor: int) -> int:
    """The largest of ``floor`` and the numbers written ``prefix`` + digits + ``"`` in
    ``text``: a pattern matching only the numbers above ``floor`` (:func:`_above`) finds
    them, so a part whose numbers rise makes no match object per tag.

    Examples
    --------
    >>> _largest(b'<row r="7"><row r="12"><row r="0015">', rb'<row r="', 12)
    15
    """
    above = re.findall(prefix + rb"(" + _above(floor) + rb')"', text)
    return max(floor, *map(int, above)) if above else floor


def _above(n: int) -> bytes:
    """A pattern of the numbers above ``n`` (≥ 0) as written: more digits than ``n`` (leading
    zeros too), or as many and larger digit by digit.

    Examples
    --------
    >>> import re
    >>> written = (b"99", b"100", b"101", b"190", b"0101", b"1000")
    >>> [x for x in written if re.fullmatch(_above(100), x)]
    [b'101', b'190', b'0101', b'1000']
    """
    s = str(n)
    alternatives = [rb"\d{%d,}" % (len(s) + 1)]
    for i, ch in enumerate(s):
        if ch != "9":
            tail = len(s) - i - 1
            alternatives.append(
                s[:i].encode() + b"[%d-9]" % (int(ch) + 1) + (rb"\d{%d}" % tail if tail else b"")
            )
    return b"(?:" + b"|".join(alternatives) + b")"


__all__ = ["SheetInfo", "column_number", "forget_inspections", "inspect_workbook"]
