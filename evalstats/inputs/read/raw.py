"""The table as read (:class:`RawTable`) and the problems of reading, as rows and tables.

Examples
--------
>>> from evalstats.inputs.read.raw import column_letter, problem
>>> column_letter(26)
'AA'
>>> problem("error", "r.csv", row=3, column=None, value=None, reason="file not found",
...         code="missing_file")["code"]
'missing_file'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.errors import PROBLEM_COLUMNS


def _in_order(cells: pa.Array) -> bool:
    """True when a string array has no null and each cell follows the one before, as text or
    as a whole number (so no two cells are the same text)."""
    n = len(cells)
    if n < 2 or cells.null_count or not pa.types.is_string(cells.type):
        return False
    before, after = cells.slice(0, n - 1), cells.slice(1)
    if pc.all(pc.less(before, after)).as_py():
        return True
    if not pc.all(pc.ascii_is_decimal(cells)).as_py():
        return False
    if pc.max(pc.utf8_length(cells)).as_py() > 18:
        return False  # beyond int64
    numbers = pc.cast(cells, pa.int64()).to_numpy()  # one text, one number: rising, distinct
    return bool((numbers[1:] > numbers[:-1]).all())


@dataclass(frozen=True)
class ColumnCodes:
    """A column dictionary-encoded: ``uniques[codes[i]]`` is cell ``i``; code -1 is blank.

    ``uniques`` holds each distinct non-blank cell text once (object array of str), in order
    of first appearance or any other order; ``codes`` is an integer array, one per row.

    Examples
    --------
    >>> c = ColumnCodes(np.array([0, -1, 1, 0]), np.array(["满意", "不满意"], dtype=object))
    >>> c.values().tolist()
    ['满意', None, '不满意', '满意']
    """

    codes: np.ndarray
    uniques: np.ndarray
    dictionary: pa.Array | None = field(default=None, compare=False, repr=False)
    """``uniques`` as pyarrow strings, when the codes were made by pyarrow (else made on
    demand by :meth:`texts`)."""

    @classmethod
    def from_arrow(cls, cells: pa.Array) -> ColumnCodes:
        """The codes of a pyarrow string column (null where blank), encoded by pyarrow: each
        distinct text becomes one Python str, no other object is made.

        Cells all distinct in an order that shows it (no blank, each after the one before,
        as text or as whole numbers: form ids numbered in order) are their own dictionary, as
        pyarrow's encoding would make it (each cell its own code, in order), without hashing
        every cell.

        Examples
        --------
        >>> ColumnCodes.from_arrow(pa.array(["b", None, "a", "b"])).codes.tolist()
        [0, -1, 1, 0]
        >>> ColumnCodes.from_arrow(pa.array(["9", "10", "11"])).codes.tolist()
        [0, 1, 2]
        """
        if _in_order(cells):
            codes = np.arange(len(cells), dtype=np.int32)
            return cls(codes, cells.to_numpy(zero_copy_only=False).astype(object), cells)
        enc = pc.dictionary_encode(cells)
        codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        uniques = enc.dictionary.to_numpy(zero_copy_only=False).astype(object, copy=False)
        return cls(codes, uniques, enc.dictionary)

    def texts(self) -> pa.Array:
        """``uniques`` as a pyarrow string array (for pyarrow's kernels).

        Examples
        --------
        >>> ColumnCodes(np.array([0]), np.array(["满意"], dtype=object)).texts().to_pylist()
        ['满意']
        """
        if self.dictionary is not None:
            return self.dictionary
        return pa.array(np.asarray(self.uniques, dtype=object), type=pa.string(), from_pandas=True)

    def taken(self, rows: np.ndarray) -> ColumnCodes:
        """The codes of the cells at ``rows`` (positions or a mask), into the same uniques.

        Examples
        --------
        >>> c = ColumnCodes(np.array([0, -1, 1]), np.array(["a", "b"], dtype=object))
        >>> c.taken(np.array([2, 0])).values().tolist()
        ['b', 'a']
        """
        return ColumnCodes(self.codes[rows], self.uniques, self.dictionary)

    def describes(self, column: pd.Series) -> bool:
        """True when these codes are those of ``column`` (same length, same cells at its
        first, middle and last rows): a frame replaced without its codes is factorised anew.
        """
        n = len(self.codes)
        if n != len(column):
            return False
        at = np.unique([0, n // 2, n - 1]) if n else np.zeros(0, np.int64)
        cells = column.to_numpy(dtype=object)[at]
        mine = ColumnCodes(self.codes[at], self.uniques).values()
        return all(a == b or (a is None and pd.isna(b)) for a, b in zip(mine, cells, strict=True))

    def values(self) -> np.ndarray:
        """The cells as an object array (None where blank)."""
        lut = np.empty(len(self.uniques) + 1, dtype=object)
        lut[: len(self.uniques)] = self.uniques
        return lut[self.codes]  # -1 picks the trailing None


class _LazyFrame:
    """The ``frame`` field of :class:`RawTable`: the frame given, or (None given) one built
    on first use from the table's ``cells`` and ``codes`` (a field without a default)."""

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError("frame")  # no default: dataclasses asks the class
        frame = obj.__dict__.get("_frame")
        if frame is None:
            frame = pd.DataFrame(
                {lab: pd.Series(obj.values(lab), dtype=object) for lab in obj.columns},
                columns=list(obj.columns),
            )
            obj.__dict__["_frame"] = frame
        return frame

    def __set__(self, obj, value):  # dataclass __init__ only (the class is frozen)
        obj.__dict__["_frame"] = value
        obj.__dict__["_columnar"] = value is None
        obj.__dict__["_values"] = {}


@dataclass(frozen=True)
class RawTable:
    """One input table as read: text cells, headers as written, user-visible row numbers.

    Attributes
    ----------
    table : str
        Which input table this is (one of ``scheme.TABLES``).
    frame : pandas.DataFrame
        One column per header (labelled by the header as written; a repeated or blank header
        gets its column letter appended), cells str or None (blank).  Fully blank rows are
        left out (their row numbers simply do not appear).  Given as None, the frame is built
        on first use from ``cells`` and ``codes`` (a *columnar* table): the checks read those
        through :meth:`values`, :meth:`values_at`, :meth:`arrow` and :meth:`column_codes`,
        and never build it.
    columns : Mapping[str, str | None]
        Frame column → column code of the scheme, or None for an unknown header.
    file : str
        The file as the user named it.
    encoding : str or None
        Encoding used for a CSV file (``"utf-8"``, ``"utf-8-sig"`` or ``"gb18030"``).
    sheet : str or None
        Worksheet read from a spreadsheet.
    header_row : int or None
        Row number of the header as the user sees it (the lower row of a two-row header).
    row_numbers : numpy.ndarray
        User-visible row number (1-based, title and header rows counted) of each frame row.
    sha256, size : str, int
        Hash and size in bytes of the file read.
    problems : pandas.DataFrame
        Problems that stopped or limited reading (columns ``errors.PROBLEM_COLUMNS``).
    written : Mapping[str, str]
        Frame column → header exactly as written (trimmed).
    letters : Mapping[str, str]
        Frame column → spreadsheet column letter (``"A"``, ``"B"``, …).
    numeric : Mapping[str, numpy.ndarray]
        For spreadsheets: frame column → boolean mask of cells stored as numbers (only columns
        holding at least one number).  Used to spot ids that lost precision in Excel.
    codes : Mapping[str, ColumnCodes]
        Frame column → its cells dictionary-encoded (columns of few distinct values read by
        pyarrow).  Used only while they describe the frame (:meth:`column_codes`).
    cells : Mapping[str, pyarrow.Array or numpy.ndarray]
        Of a columnar table (``frame`` given as None): the cells of each column without
        ``codes``, as a pyarrow string array (null where blank) or an object array (None
        where blank).
    """

    table: str
    frame: pd.DataFrame = _LazyFrame()
    columns: Mapping[str, str | None]
    file: str
    encoding: str | None
    sheet: str | None
    header_row: int | None
    row_numbers: np.ndarray
    sha256: str | None
    size: int | None
    problems: pd.DataFrame
    written: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    letters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    numeric: Mapping[str, np.ndarray] = field(default_factory=lambda: MappingProxyType({}))
    codes: Mapping[str, ColumnCodes] = field(default_factory=lambda: MappingProxyType({}))
    cells: Mapping[str, pa.Array | np.ndarray] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def n_rows(self) -> int:
        """Rows of the frame (without building a columnar table's frame)."""
        return len(self.row_numbers)

    def values(self, label: str) -> np.ndarray:
        """The cells of frame column ``label`` as an object array (str, None where blank).

        A columnar table makes them once (from the codes: one str per distinct cell) and
        keeps them; otherwise they are the frame's column.  Read-only, as pandas gives them.

        Examples
        --------
        >>> raw.values("问卷编号")[:2].tolist()  # doctest: +SKIP
        ['F0000001', 'F0000002']
        """
        if not self.__dict__["_columnar"]:
            return self.frame[label].to_numpy(dtype=object)
        kept = self.__dict__["_values"]
        if label not in kept:
            made = self._make_values(label).view()
            made.flags.writeable = False
            kept[label] = made
        return kept[label]

    def _make_values(self, label: str) -> np.ndarray:
        coded = self.codes.get(label, self.__dict__.get("_made_codes", {}).get(label))
        if coded is not None:
            return coded.values()
        cells = self.cells[label]
        if isinstance(cells, np.ndarray):
            return cells
        return cells.to_numpy(zero_copy_only=False).astype(object, copy=False)

    def values_at(self, label: str, rows: np.ndarray) -> np.ndarray:
        """The cells of frame column ``label`` at the positions ``rows`` (object array):
        a few problem cells, without making the whole column's objects.

        Examples
        --------
        >>> raw.values_at("问卷编号", np.array([0])).tolist()  # doctest: +SKIP
        ['F0000001']
        """
        rows = np.asarray(rows, dtype=np.int64)
        if not self.__dict__["_columnar"] or label in self.__dict__["_values"]:
            return self.values(label)[rows]
        coded = self.codes.get(label, self.__dict__.get("_made_codes", {}).get(label))
        if coded is not None:
            return coded.taken(rows).values()
        cells = self.cells[label]
        if isinstance(cells, np.ndarray):
            return cells[rows]
        taken = cells.take(pa.array(rows)).to_numpy(zero_copy_only=False)
        return taken.astype(object, copy=False)

    def arrow(self, label: str) -> pa.Array:
        """The cells of frame column ``label`` as a pyarrow string array (null where blank);
        those read by pyarrow as they are, others converted.

        Examples
        --------
        >>> raw.arrow("填表时间").type  # doctest: +SKIP
        DataType(string)
        """
        if self.__dict__["_columnar"]:
            cells = self.cells.get(label)
            if isinstance(cells, pa.Array):
                return cells
        values = self.values(label)
        try:
            return pa.array(values, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not only text: only the str cells
            is_text = np.fromiter((isinstance(v, str) for v in values), bool, count=len(values))
            return pa.array(np.where(is_text, values, None), type=pa.string(), from_pandas=True)

    def blanked(self, labels) -> RawTable:
        """This table with the columns ``labels`` emptied (every cell None) and their codes
        and numeric masks dropped: the raw values live on only in this table.

        Examples
        --------
        >>> raw.blanked(["评议人姓名"]).values("评议人姓名")[:1].tolist()  # doctest: +SKIP
        [None]
        """
        labels = set(labels)
        numeric = MappingProxyType({c: m for c, m in self.numeric.items() if c not in labels})
        codes = MappingProxyType({c: v for c, v in self.codes.items() if c not in labels})
        empty = np.full(self.n_rows, None, dtype=object)
        if self.__dict__["_columnar"]:
            cells = {c: v for c, v in self.cells.items() if c not in labels}
            cells |= dict.fromkeys(labels, empty)
            return dataclasses.replace(
                self, frame=None, numeric=numeric, codes=codes, cells=MappingProxyType(cells)
            )
        frame = self.frame.copy(deep=False)
        for lab in labels:
            frame[lab] = pd.Series(empty, index=frame.index, dtype=object)
        return dataclasses.replace(self, frame=frame, numeric=numeric, codes=codes)

    @property
    def ok(self) -> bool:
        """True when reading produced no error."""
        return not (self.problems["severity"] == "error").any()

    def column_for(self, code: str) -> str | None:
        """The first frame column mapped to ``code``, or None."""
        for col, c in self.columns.items():
            if c == code:
                return col
        return None

    def column_codes(self, label: str) -> ColumnCodes:
        """The cells of frame column ``label`` as codes into their distinct values.

        The codes read with the file when there are (``codes``), else the column encoded
        now (by pyarrow for a column read by it, else ``pandas.factorize``; kept).

        Examples
        --------
        >>> raw.column_codes("评议人类别").uniques  # doctest: +SKIP
        array(['群众', '企业'], dtype=object)
        """
        got = self.codes.get(label)
        if not self.__dict__["_columnar"]:
            if got is not None and got.describes(self.frame[label]):
                return got
            fcodes, uniques = pd.factorize(self.frame[label].to_numpy(dtype=object))
            return ColumnCodes(fcodes, np.asarray(uniques, dtype=object))
        if got is not None:
            return got
        made = self.__dict__.setdefault("_made_codes", {})
        if label not in made:
            cells = self.cells[label]
            if isinstance(cells, pa.Array):
                made[label] = ColumnCodes.from_arrow(cells)
            else:
                fcodes, uniques = pd.factorize(cells)
                made[label] = ColumnCodes(fcodes, np.asarray(uniques, dtype=object))
        return made[label]

    def to_frame(self) -> pd.DataFrame:
        """The cells with a leading ``row`` column of user-visible row numbers."""
        out = self.frame.copy()
        out.insert(0, "row", self.row_numbers)
        return out


def problems_frame(rows=()) -> pd.DataFrame:
    """A problems table (``errors.PROBLEM_COLUMNS``) from dict rows."""
    df = pd.DataFrame(list(rows), columns=PROBLEM_COLUMNS, dtype=object)
    df["row"] = row_objects(df["row"])
    return df


def row_objects(rows: pd.Series) -> pd.Series:
    """Row numbers as Python ints, None where there is no row (object dtype)."""
    out = np.empty(len(rows), dtype=object)
    values = rows.to_numpy(dtype=object)
    for i, v in enumerate(values):
        out[i] = None if v is None or pd.isna(v) else int(v)
    return pd.Series(out, index=rows.index, dtype=object)


def problem(severity, file, *, row, column, value, reason, code) -> dict:
    """One problem row as a dict."""
    return {
        "severity": severity,
        "file": file,
        "row": row,
        "column": column,
        "value": value,
        "reason": reason,
        "code": code,
    }


def unknown_column(raw: RawTable, label: str) -> dict:
    """The warning that column ``label`` of ``raw`` names nothing the reader uses.

    Examples
    --------
    >>> unknown_column(raw, "备注")["reason"]  # doctest: +SKIP
    'unknown column is ignored (column F)'
    """
    return problem(
        "warning",
        raw.file,
        row=raw.header_row,
        column=raw.written[label],
        value=None,
        reason=f"unknown column is ignored (column {raw.letters[label]})",
        code="unknown_column",
    )


SCI_ID = r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+"
"""An id shown in scientific notation (``1.23457E+17``): a long number Excel kept as a float."""


def id_precision_reason(limit: int) -> str:
    """The reason given for an id that lost precision in Excel (``limit``: the scheme's
    ``max_id_digits``)."""
    return (
        f"form id lost precision in Excel (stored as a number; more than {limit} digits "
        "cannot be kept); format the column as text and retype the ids"
    )


def damaged_ids(
    raw: RawTable, label: str, *, limit: int, values: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of id column ``label`` whose ids lost precision in Excel — an id in scientific
    notation, or a number stored with more than ``limit`` digits — and each id as Excel shows
    it (a long number with 15 significant digits, not its binary expansion).

    The ids of a form (the long layout's form id column) and of a wide file's row (its
    respondent: each of its forms' ids is made from it) are checked alike.  ``values``: the
    column's cells (:meth:`RawTable.values`), if the caller made them already.

    Returns
    -------
    (lost, shown)
        A mask of the rows and an object array of the ids shown.

    Examples
    --------
    >>> raw = read_table("responses.csv", table="responses")  # doctest: +SKIP
    >>> damaged_ids(raw, "问卷编号", limit=15)[0].tolist()  # doctest: +SKIP
    [True, False, False]
    """
    coded = raw.column_codes(label)
    u = coded.texts()
    digits = arrow_bool(pc.ascii_is_decimal(u))  # ids of ASCII digits only (the usual ids)
    long_digits = digits & arrow_bool(pc.greater(pc.binary_length(u), limit))
    sci = np.zeros(len(digits), bool)  # an id of digits only is not in scientific notation
    if not digits.all():
        sci = arrow_bool(pc.match_substring_regex(u, f"^{SCI_ID}$"))
    sci_cell = np.append(sci, False)[coded.codes]
    long_cell = np.append(long_digits, False)[coded.codes]
    numeric = raw.numeric.get(label, np.zeros(raw.n_rows, bool))
    lost = sci_cell | (long_cell & numeric)
    shown = raw.values(label) if values is None else values
    if (long_cell & numeric).any():
        shown = shown.copy()
        for i in np.flatnonzero(long_cell & numeric):
            shown[i] = format(float(shown[i]), ".15G")
    return lost, shown


def arrow_bool(arr) -> np.ndarray:
    """A pyarrow boolean array as a numpy bool array (null → False).

    Examples
    --------
    >>> arrow_bool(pa.array([True, None, False])).tolist()
    [True, False, False]
    """
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def empty_raw(table, file, problems, *, sha=None, size=None, encoding=None, sheet=None):
    """A table with no columns and no rows, carrying the ``problems`` (dict rows) that
    stopped reading ``file``."""
    return RawTable(
        table=table,
        frame=pd.DataFrame(),
        columns=MappingProxyType({}),
        file=file,
        encoding=encoding,
        sheet=sheet,
        header_row=None,
        row_numbers=np.zeros(0, dtype=np.int64),
        sha256=sha,
        size=size,
        problems=problems_frame(problems),
    )


__all__ = [
    "SCI_ID",
    "ColumnCodes",
    "RawTable",
    "arrow_bool",
    "column_letter",
    "damaged_ids",
    "empty_raw",
    "id_precision_reason",
    "problem",
    "problems_frame",
    "row_objects",
    "unknown_column",
]
