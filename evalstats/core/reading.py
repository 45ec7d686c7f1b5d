"""How input files are read: the limits of a file (``[limits]``) and the sheet of a workbook
(``[sheets]``), both settings of the scheme.

:class:`ReadLimits` is the one place the limits live.  The reader
(:mod:`evalstats.inputs.read`) checks them while reading, before the parser builds anything
large, and stops a file past a limit with one ``over_limit`` problem naming the row (exit 1),
in bounded memory and seconds.  The defaults are far above what an office ever types (a
town's cycle is a few thousand forms of about 14 columns) and far below what would exhaust an
office PC; a district with a larger file raises a limit in its scheme::

    [limits]
    rows = 20_000_000

``[sheets]`` names the worksheet that holds a table when a workbook has several that could
(``responses = "汇总"``); without it a workbook with two sheets carrying the headers is
refused, naming both.

Examples
--------
>>> from evalstats.core.reading import ReadLimits, parse_limits
>>> ReadLimits().columns
1000
>>> def fail(key, reason):
...     raise ValueError(f"{key}: {reason}")
>>> parse_limits({"rows": 50}, fail=fail).rows
50
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

MIB = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """The limits of one input file (scheme ``[limits]``); each default and why.

    Attributes
    ----------
    file_bytes : int
        Bytes of one input file: 1 GiB.  A million forms as CSV is about 110 MB; a town's
        cycle is well under 1 MB.  The pandas reader holds a file several times over in memory,
        so a larger file belongs to the out-of-core backends, which read ``responses`` on their
        own.
    columns : int
        Fields of one row (columns of a sheet): 1,000.  The bundled scheme has 14 columns; a
        scheme with a hundred questions still fits ten times over.
    field_bytes : int
        Bytes of one CSV field: 1 MiB.  Excel keeps at most 32,767 characters in a cell (at
        most 192 KiB as quoted UTF-8 with every quote doubled).
    row_bytes : int
        Bytes of one CSV row: 4 MiB (four fields at the field limit; a real row is a few
        hundred bytes).
    rows : int
        Rows of one table: 10,000,000 (Excel stops at 1,048,576; the 1M-form benchmark fits).
    cells : int
        Rows × columns of the grid the reader builds: 50,000,000 (the 1M-form benchmark has
        14 million; each cell costs the reader about 50 bytes, so 50 million is ~2.5 GB).  For a
        workbook it is the sheet's used range (first to last cell written), which the
        spreadsheet reader allocates whole.
    part_bytes : int
        Inflated bytes of one part of an .xlsx/.xlsm/.ods zip (a sheet, the shared strings):
        512 MiB.  A full Excel sheet (1,048,576 rows × 14 answers) inflates to about 450 MB.
        Both the size the zip declares and the bytes it actually inflates to are checked,
        before the spreadsheet reader sees the file.
    zip_ratio : int
        Inflated ÷ compressed size of a zip part larger than 1 MiB: 500.  A sheet's XML
        compresses 5–30 times; a part inflating 500 times is padding made to exhaust memory
        (a zip bomb).
    """

    file_bytes: int = 1 << 30
    columns: int = 1000
    field_bytes: int = MIB
    row_bytes: int = 4 * MIB
    rows: int = 10_000_000
    cells: int = 50_000_000
    part_bytes: int = 512 * MIB
    zip_ratio: int = 500


LIMIT_KEYS = tuple(f.name for f in fields(ReadLimits))
"""The keys of the scheme's ``[limits]`` table."""


def parse_limits(table: Mapping, *, fail: Callable[[str, str], None]) -> ReadLimits:
    """The scheme's ``[limits]`` table as :class:`ReadLimits` (keys left out keep the default).

    ``fail(key, reason)`` raises the scheme's error naming ``limits.<key>``.

    Examples
    --------
    >>> def fail(key, reason):
    ...     raise ValueError(f"{key}: {reason}")
    >>> parse_limits({}, fail=fail) == ReadLimits()
    True
    >>> parse_limits({"rows": 0}, fail=fail)
    Traceback (most recent call last):
    ...
    ValueError: limits.rows: must be a whole number of at least 1, got 0
    """
    if not isinstance(table, Mapping):
        fail("limits", f"must be a table, got {table!r}")
    values = {}
    for key, value in table.items():
        if key not in LIMIT_KEYS:
            fail(f"limits.{key}", f"unknown key; limits are {list(LIMIT_KEYS)}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            fail(f"limits.{key}", f"must be a whole number of at least 1, got {value!r}")
        values[key] = value
    return ReadLimits(**values)


def parse_sheets(
    table: Mapping, *, tables: tuple[str, ...], fail: Callable[[str, str], None]
) -> MappingProxyType:
    """The scheme's ``[sheets]`` table: input table → the worksheet name that holds it.

    Examples
    --------
    >>> def fail(key, reason):
    ...     raise ValueError(f"{key}: {reason}")
    >>> dict(parse_sheets({"responses": " 汇总 "}, tables=("responses",), fail=fail))
    {'responses': '汇总'}
    """
    if not isinstance(table, Mapping):
        fail("sheets", f"must be a table, got {table!r}")
    out = {}
    for key, value in table.items():
        if key not in tables:
            fail(f"sheets.{key}", f"unknown table; tables are {list(tables)}")
        if not isinstance(value, str) or not value.strip():
            fail(f"sheets.{key}", f"must be a sheet name, got {value!r}")
        out[key] = value.strip()
    return MappingProxyType(out)


__all__ = ["LIMIT_KEYS", "MIB", "ReadLimits", "parse_limits", "parse_sheets"]
