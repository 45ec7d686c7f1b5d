"""Bounded reading of CSV bytes: the scheme's limits checked before the parser builds a grid.

:func:`scan_csv` walks the bytes once, in 4 MiB chunks, with numpy: quote state by parity,
separators outside quotes, then rows, fields per row, bytes per field and per row, checked
against :class:`~evalstats.core.reading.ReadLimits`.  It also finds a quote that opens a
field and is never closed, and byte-order marks at the start of a row (two exports joined into
one file).  A file whose quotes are not where CSV puts them (a ``"`` inside an unquoted field,
which the parser keeps as a character) is scanned again with the csv module, which reads
quotes exactly as the parser does.  The delimiter, quote and newline are ASCII bytes, which
never occur inside a multi-byte UTF-8 or GB18030 character, so the scan works on the bytes
as they are.

Examples
--------
>>> from evalstats.core.reading import ReadLimits
>>> from evalstats.inputs.read.bounds import scan_csv
>>> scan_csv(b"a,b\\n1,2\\n", ReadLimits()).breach is None
True
>>> scan_csv(b"a,b\\n1" + b"," * 5000 + b"\\n", ReadLimits()).breach.row
2
>>> scan_csv(b'a,b\\n"1,2\\n3,4\\n', ReadLimits()).breach.code
'unclosed_quote'
"""

from __future__ import annotations

import csv
import io as _io
from dataclasses import dataclass

import numpy as np

from evalstats.core.reading import ReadLimits

_CHUNK = 1 << 22
_COMMA, _QUOTE, _LF, _CR = 44, 34, 10, 13
BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte-order mark."""

LIMIT_WORDS = {
    "file_bytes": ("the file is too large", "bytes"),
    "columns": ("too many fields in one row", "fields"),
    "field_bytes": ("a field too long", "bytes"),
    "row_bytes": ("a row too long", "bytes"),
    "rows": ("too many rows", "rows"),
    "cells": ("too many cells (rows × columns)", "cells"),
    "part_bytes": ("a part of the workbook inflates too much", "bytes"),
}
"""Limit key → (what was found, unit) in the ``over_limit`` reason."""


def over_limit(key: str, value: int | None, limit: int) -> str:
    """The reason of a file past a limit (code ``over_limit``); ``value`` None when only
    "more than the limit" is known.

    Examples
    --------
    >>> over_limit("rows", 12, 10)
    'too many rows: 12 rows, more than the limit of 10 (limits.rows in the scheme)'
    """
    what, unit = LIMIT_WORDS[key]
    found = f"{value:,} {unit}, more" if value is not None else f"{unit}: more"
    return f"{what}: {found} than the limit of {limit:,} (limits.{key} in the scheme)"


@dataclass(frozen=True)
class Breach:
    """Why a file stops being read: the reason, the row (None when not known), the code."""

    reason: str
    row: int | None
    code: str = "over_limit"


@dataclass(frozen=True)
class CsvScan:
    """What :func:`scan_csv` found: the limit passed (or None), the rows (1-based record
    numbers) that start with a byte-order mark, and the number of records."""

    breach: Breach | None
    bom_rows: tuple[int, ...]
    records: int


def unclosed_quote(row: int, rest: int) -> str:
    """The reason of a quote that opens a field and never closes (code ``unclosed_quote``)."""
    return (
        f'unclosed quote: the " that opens a field in this row is never closed, so the rest of '
        f"the file ({rest:,} bytes) would be one field; remove the quote or close it"
    )


class _State:
    """What the chunked scan carries from one chunk to the next."""

    def __init__(self, newline: int):
        self.nl = newline
        self.inside = False  # inside quotes at the chunk's start
        self.last_sep = -1  # global position of the last separator
        self.rec_start = 0  # global position where the current record starts
        self.commas = 0  # commas of the current record so far
        self.records = 0  # records ended so far
        self.widest = 0  # most fields in one record
        self.opener = (0, 0)  # (record, global position) of the last opening quote
        self.boms: list[int] = []  # rows starting with a byte-order mark
        self.bom_at: np.ndarray = np.zeros(0, np.int64)  # positions of "\n" + BOM


def scan_csv(body: bytes, limits: ReadLimits) -> CsvScan:
    """Check CSV bytes against ``limits`` before parsing: see the module docstring.

    Parameters
    ----------
    body : bytes
        The file's bytes (UTF-8 without a leading BOM, or GB18030).
    limits : ReadLimits

    Returns
    -------
    CsvScan
    """
    newline = _LF if b"\n" in body or b"\r" not in body else _CR  # old Mac files end rows \r
    st = _State(newline)
    st.bom_at = np.array(_find_all(body, b"\n" + BOM), dtype=np.int64)
    for start in range(0, len(body), _CHUNK):
        end = min(start + _CHUNK, len(body))
        got = _chunk(body, start, end, st, limits)
        if got is None:  # quotes where CSV does not put them: read them as the parser does
            return _scan_with_csv(body, limits)
        if isinstance(got, Breach):
            return CsvScan(got, (), st.records)
    if st.inside:
        row, pos = st.opener
        return CsvScan(
            Breach(unclosed_quote(row, len(body) - pos), row, code="unclosed_quote"), (), 0
        )
    if st.rec_start < len(body):  # a last record without a newline
        row = st.records + 1
        breach = _record_checks(
            limits, row=row, fields=st.commas + 1, nbytes=len(body) - st.rec_start
        ) or _field_check(len(body) - st.last_sep - 1, row, limits)
        if breach:
            return CsvScan(breach, (), st.records)
        st.records += 1
        st.widest = max(st.widest, st.commas + 1)
    return _finish(st, limits)


def _finish(st: _State, limits: ReadLimits) -> CsvScan:
    if st.records * st.widest > limits.cells:
        reason = over_limit("cells", st.records * st.widest, limits.cells)
        return CsvScan(Breach(reason, None), (), st.records)
    return CsvScan(None, tuple(st.boms), st.records)


def _record_checks(limits: ReadLimits, *, row: int, fields: int, nbytes: int):
    """The limits of one record (``row``: its 1-based number)."""
    if fields > limits.columns:
        return Breach(over_limit("columns", fields, limits.columns), row)
    if nbytes > limits.row_bytes:
        return Breach(over_limit("row_bytes", nbytes, limits.row_bytes), row)
    if row > limits.rows:
        return Breach(over_limit("rows", row, limits.rows), None)
    return None


def _field_check(nbytes: int, row: int, limits: ReadLimits):
    if nbytes > limits.field_bytes:
        return Breach(over_limit("field_bytes", nbytes, limits.field_bytes), row)
    return None


def _outside(body: bytes, a: np.ndarray, start: int, end: int, st: _State):
    """Mask of the chunk's bytes outside quotes, or None when a quote is not where CSV puts
    one (an opening quote not at a field's start, a closing one not at its end)."""
    q = a == _QUOTE
    if not st.inside and not q.any():
        return np.ones(len(a), dtype=bool)
    after = (np.cumsum(q, dtype=np.uint8) & 1).astype(bool) ^ st.inside  # inside after byte
    qpos = np.flatnonzero(q)
    opening = after[qpos]  # the quote flipped the state to inside
    opens, closes = qpos[opening], qpos[~opening]
    prev = np.where(opens > 0, a[np.maximum(opens - 1, 0)], body[start - 1] if start else _LF)
    if not np.isin(prev, (_COMMA, st.nl, _LF, _QUOTE)).all():
        return None
    nxt_idx = closes + 1
    tail = body[end] if end < len(body) else _LF
    nxt = np.where(nxt_idx < len(a), a[np.minimum(nxt_idx, len(a) - 1)], tail)
    if not np.isin(nxt, (_COMMA, st.nl, _LF, _CR, _QUOTE)).all():
        return None
    st.inside = bool(after[-1])
    if len(opens):
        st.opener = (-1, start + int(opens[-1]))  # its record: counted below
    return ~after


def _chunk(body: bytes, start: int, end: int, st: _State, limits: ReadLimits):
    """Scan ``body[start:end]``; None to fall back to the csv module, a Breach, or True."""
    a = np.frombuffer(body, dtype=np.uint8, count=end - start, offset=start)
    outside = _outside(body, a, start, end, st)
    if outside is None:
        return None
    seps = np.flatnonzero(((a == _COMMA) | (a == st.nl)) & outside)
    is_nl = a[seps] == st.nl
    nl_at = np.flatnonzero(is_nl)  # indices into seps
    if st.opener[0] == -1:
        at = st.opener[1] - start
        st.opener = (st.records + int(np.searchsorted(seps[nl_at], at)) + 1, st.opener[1])
    if len(seps):  # bytes of each field (between separators)
        lengths = np.diff(seps, prepend=st.last_sep - start) - 1
        worst = int(np.argmax(lengths))
        row = st.records + int(np.count_nonzero(is_nl[:worst])) + 1
        breach = _field_check(int(lengths[worst]), row, limits)
        if breach:
            return breach
        st.last_sep = start + int(seps[-1])
    if len(nl_at):
        ends = seps[nl_at] + start  # global positions of the record-ending newlines
        nbytes = np.diff(ends, prepend=st.rec_start - 1)
        fields = np.diff(nl_at, prepend=-1)  # commas between the newlines, + 1
        fields[0] += st.commas
        for i in (int(np.argmax(fields)), int(np.argmax(nbytes))):  # the widest, the longest
            row = st.records + i + 1
            breach = _record_checks(limits, row=row, fields=int(fields[i]), nbytes=int(nbytes[i]))
            if breach:
                return breach
        _boms(ends, st)
        st.widest = max(st.widest, int(fields.max()))
        st.records += len(ends)
        if st.records > limits.rows:
            return Breach(over_limit("rows", st.records, limits.rows), None)
        st.rec_start = int(ends[-1]) + 1
        st.commas = len(seps) - 1 - int(nl_at[-1])
    else:
        st.commas += len(seps)
    if end - st.rec_start > limits.row_bytes:  # a record still open past the row limit
        reason = over_limit("row_bytes", end - st.rec_start, limits.row_bytes)
        return Breach(reason, st.records + 1)
    return True


def _find_all(body: bytes, needle: bytes) -> list[int]:
    out, at = [], body.find(needle)
    while at >= 0:
        out.append(at)
        at = body.find(needle, at + 1)
    return out


def _boms(ends: np.ndarray, st: _State) -> None:
    """Record the rows (after the record ends ``ends``) that start with a byte-order mark."""
    if len(st.bom_at):
        for i in np.flatnonzero(np.isin(ends, st.bom_at)).tolist():
            st.boms.append(st.records + i + 2)


def _scan_with_csv(body: bytes, limits: ReadLimits) -> CsvScan:
    """The exact (slower) scan with the csv module, for quotes inside unquoted fields.

    Lines are checked against the row limit first (a record is at least one line), so the
    csv module never holds more than a row's worth of text.
    """
    a = np.frombuffer(body, dtype=np.uint8)
    nl = np.flatnonzero(a == _LF)
    longest = np.diff(nl, prepend=-1, append=len(body))
    if len(longest) and int(longest.max()) > limits.row_bytes:
        line = int(np.argmax(longest)) + 1
        reason = over_limit("row_bytes", int(longest.max()), limits.row_bytes)
        return CsvScan(Breach(reason, line), (), 0)
    saved = csv.field_size_limit()
    csv.field_size_limit(limits.field_bytes)
    records = widest = 0
    boms = []
    try:
        text = _io.TextIOWrapper(_io.BytesIO(body), encoding="utf-8", errors="replace", newline="")
        for rec in csv.reader(text):
            records += 1
            if len(rec) > limits.columns:
                reason = over_limit("columns", len(rec), limits.columns)
                return CsvScan(Breach(reason, records), (), records)
            if records > limits.rows:
                return CsvScan(Breach(over_limit("rows", records, limits.rows), None), (), 0)
            widest = max(widest, len(rec))
            if rec and rec[0].startswith("\ufeff"):
                boms.append(records)
    except csv.Error:
        reason = over_limit("field_bytes", None, limits.field_bytes)
        return CsvScan(Breach(reason, records + 1), (), records)
    finally:
        csv.field_size_limit(saved)
    if records * widest > limits.cells:
        return CsvScan(Breach(over_limit("cells", records * widest, limits.cells), None), (), 0)
    return CsvScan(None, tuple(boms), records)


def may_parse_first(
    body: bytes, width: int, limits: ReadLimits, *, breaks: int | None = None
) -> bool:
    """True when parsing ``body`` before :func:`scan_csv` reads it cannot allocate more than
    the limits allow, whatever the file holds: ``width`` (the fields of the first records; a
    parser refuses a record of another width) within ``limits.columns``, and the lines (an
    upper bound on the records) within ``limits.rows`` and, times ``width``, within
    ``limits.cells``.  ``breaks``: :func:`line_breaks` of ``body``, if counted already.

    The parsed file is used only when, besides, its quotes pair up (:func:`quotes_pair_up`),
    no record starts with a byte-order mark and no field or row can be too long
    (:func:`parsed_within_limits`); else the exact scan reads it, as before.

    Examples
    --------
    >>> may_parse_first(b"a,b\\n1,2\\n", 2, ReadLimits())
    True
    >>> may_parse_first(b"a,b\\n1,2\\n", 2, ReadLimits(cells=3))
    False
    """
    lines = (line_breaks(body) if breaks is None else breaks) + 1
    return 0 < width <= limits.columns and lines <= limits.rows and lines * width <= limits.cells


def line_breaks(body: bytes) -> int:
    """The line breaks in ``body`` as a CSV parser sees them: each ``\\n``, ``\\r`` and
    ``\\r\\n`` once.  Counted with numpy in chunks (a third of the time ``bytes.count``
    takes).  One more than this bounds the records; when every break ends a record (no
    quoted value holds one) the records are exactly this, plus one if the last line has no
    break.

    Examples
    --------
    >>> line_breaks(b"a\\r\\nb\\rc\\nd"), line_breaks(b"")
    (3, 0)
    """
    a = np.frombuffer(body, dtype=np.uint8)
    lf = cr = 0
    for start in range(0, len(a), _CHUNK):
        chunk = a[start : start + _CHUNK]
        lf += int(np.count_nonzero(chunk == _LF))
        cr += int(np.count_nonzero(chunk == _CR))
    return lf + cr - (body.count(b"\r\n") if cr else 0)


def quotes_pair_up(body: bytes) -> bool:
    """True when ``body`` holds an even number of quote characters (an odd number leaves a
    field open to the end of the file: :func:`scan_csv` names it).  Counted with numpy in
    chunks, without the interpreter lock, so it runs beside the parser.

    Examples
    --------
    >>> quotes_pair_up(b'a,"b""c"\\n'), quotes_pair_up(b'a,"b\\n')
    (True, False)
    """
    a = np.frombuffer(body, dtype=np.uint8)
    odd = 0
    for start in range(0, len(a), _CHUNK):
        odd ^= int(np.count_nonzero(a[start : start + _CHUNK] == _QUOTE)) & 1
    return odd == 0


def parsed_within_limits(lengths, limits: ReadLimits) -> bool:
    """True when no field or row of a parsed file can pass ``limits``.

    ``lengths`` holds, per column, the UTF-8 bytes of each parsed cell.  As written in the
    file a field is at most ``2 × bytes + 3`` bytes (its quotes, each inner quote doubled, a
    carriage return), a row at most the sum of its fields plus a separator after each.  When
    a bound passes a limit the caller scans the file exactly (:func:`scan_csv`), which names
    the row, or finds it within the limit after all.

    Examples
    --------
    >>> import numpy as np
    >>> parsed_within_limits([np.array([3, 10]), np.array([1, 1])], ReadLimits())
    True
    >>> parsed_within_limits([np.array([3, 1 << 19])], ReadLimits())
    False
    """
    row = None
    for n in lengths:
        raw = 2 * np.asarray(n, dtype=np.int64) + 4  # + the separator after the field
        if len(raw) and int(raw.max()) - 1 > limits.field_bytes:
            return False
        row = raw if row is None else row + raw
    return row is None or len(row) == 0 or int(row.max()) <= limits.row_bytes


def strip_boms(body: bytes) -> bytes:
    """``body`` without the byte-order marks at the start of its lines."""
    return body.replace(b"\n" + BOM, b"\n")


__all__ = [
    "BOM",
    "LIMIT_WORDS",
    "Breach",
    "CsvScan",
    "line_breaks",
    "may_parse_first",
    "over_limit",
    "parsed_within_limits",
    "quotes_pair_up",
    "scan_csv",
    "strip_boms",
    "unclosed_quote",
]
