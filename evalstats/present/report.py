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

import datetime as _dt
import functools
import html
import json
import math
import operator
import os
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from evalstats.core.config import resolve_path
from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.version import __version__
from evalstats.present.format import EXCEL_NUMBER_FORMATS, count, fixed, percent, pvalue
from evalstats.present.labels import (
    LANGS,
    TABLE_LABELS,
    column_format,
    column_label,
    relabel,
    rounding_note,
)

FORMULA_PREFIXES = "=+-@＝＋－＠"
"""First non-blank characters that make a spreadsheet read a cell as a formula."""
DANGEROUS_STARTS = "\t\r"
"""First characters that are neutralised whatever follows."""
QUOTE = "'"
EXCEL_MAX_CHARS = 32_767
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
SHEET_NAME_MAX = 31
NUMBER_FORMATS = EXCEL_NUMBER_FORMATS
"""Excel number format of each :func:`evalstats.present.labels.column_format` kind
(:data:`evalstats.present.format.EXCEL_NUMBER_FORMATS`: the one formatter's rules)."""
HTML_LANG = {"zh": "zh-CN", "en": "en"}
TEMPLATE_NAME = "evalstats_html"
REMOVE_CELL_TAGS = ("remove_cell", "remove-cell")

# C0 controls except \n (tab and CR are turned into a space and \n before this), DEL, C1
# controls, the bidirectional embedding / override / isolate controls (they reorder what a
# reader sees) and the two non-characters XML refuses.  Written so that both Python's re and
# pyarrow's RE2 accept it.
_CONTROL_CHARS = (
    "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
    + "".join(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
    + "\ufffe\uffff]"
)
_SURROGATES = re.compile("[\ud800-\udfff]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_UNSAFE_ELEMENTS = ("script", "iframe", "frame", "object", "embed", "applet", "base", "form")
_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster")
_UNSAFE_URL = re.compile(r"^\s*(?:javascript|vbscript|data\s*:\s*text/html)", re.IGNORECASE)


# ====================================================================== neutralising text
def _clean_strings(sub: pd.Series) -> pd.Series:
    """Neutralised copy of a Series of str (no missing values)."""
    if sub.dtype == object:
        sub = sub.str.replace(_SURROGATES, "\ufffd", regex=True)
    t = sub.str.replace("\r\n", "\n", regex=False)
    t = t.str.replace("\r", "\n", regex=False).str.replace("\t", " ", regex=False)
    t = t.str.replace(_CONTROL_CHARS, "", regex=True)
    starts = sub.str.slice(0, 1).isin(list(DANGEROUS_STARTS))
    first = t.str.lstrip().str.slice(0, 1).isin(list(FORMULA_PREFIXES))
    quote = (starts | first).to_numpy(dtype=bool)
    if quote.any():
        t = t.where(~quote, QUOTE + t)
    return t


def _neutralize_series(s: pd.Series) -> tuple[pd.Series, int]:
    """The series with its text cells neutralised, and how many cells changed."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = pd.Series(s.cat.categories)
        if pd.api.types.infer_dtype(cats, skipna=True) not in ("string", "mixed", "empty"):
            return s, 0
        new, n = _neutralize_series(cats.astype(object))
        if n == 0:
            return s, 0
        changed = new.to_numpy(dtype=object) != cats.to_numpy(dtype=object)
        count = int(s.isin(cats[changed].tolist()).sum())
        if new.is_unique:
            return s.cat.rename_categories(new.tolist()), count
        return _neutralize_series(s.astype(object))
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        present = s.notna()
        if not present.any():
            return s, 0
        sub = s[present]
        new = _clean_strings(sub)
        changed = (new != sub).to_numpy(dtype=bool)
        if not changed.any():
            return s, 0
        out = s.copy()
        out[present] = new
        return out, int(changed.sum())
    if s.dtype != object:
        return s, 0
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind == "string":
        mask = s.notna().to_numpy()
    elif kind.startswith("mixed"):
        mask = s.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False).to_numpy(bool)
    else:
        return s, 0
    if not mask.any():
        return s, 0
    sub = s[mask].astype(object)
    new = _clean_strings(sub)
    changed = (new.to_numpy(dtype=object) != sub.to_numpy(dtype=object)).astype(bool)
    if not changed.any():
        return s, 0
    out = s.copy()
    out[mask] = new.to_numpy(dtype=object)
    return out, int(changed.sum())


def neutralize_text(value: str) -> str:
    """One text neutralised as :func:`neutralize` does a cell.

    Examples
    --------
    >>> neutralize_text("@SUM(A1)"), neutralize_text("\\tplain"), neutralize_text("a\\x07b")
    ("'@SUM(A1)", "' plain", 'ab')
    """
    if not isinstance(value, str):
        raise TypeError(f"value must be a str; got {type(value).__name__}")
    return _clean_strings(pd.Series([value], dtype=object)).iloc[0]


def neutralize(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Make every text cell of ``df`` inert for spreadsheets; count the cells changed.

    A text cell is changed when

    * it starts with a tab or a carriage return, or its first non-blank character is one of
      ``= + - @`` or their full-width forms ``＝ ＋ － ＠``: a ``'`` is put in front (OWASP's
      advice against CSV injection [1]_), so ``"=1+2"`` is written as ``"'=1+2"``;
    * it holds control characters: ``\\r\\n`` and ``\\r`` become ``\\n``, a tab becomes a
      space, and other C0/C1 controls, DEL, bidirectional override and isolate characters,
      U+FFFE/U+FFFF and unpaired surrogates are removed (``\\n`` is kept).

    Numbers are untouched (a negative number is a number, not a formula); a *text* cell
    ``"-1+2"`` is neutralised.  Long text is kept whole.  String column names are neutralised
    the same way (and counted).  Object, ``str`` and categorical columns are handled, mixed
    object columns cell by type; the work is vectorised.

    Parameters
    ----------
    df : DataFrame

    Returns
    -------
    (DataFrame, int)
        A neutralised copy and the number of cells (and column names) changed.

    References
    ----------
    .. [1] OWASP. CSV Injection. https://owasp.org/www-community/attacks/CSV_Injection

    Examples
    --------
    >>> import pandas as pd
    >>> out, n = neutralize(pd.DataFrame({"x": [-1.5], "t": ["-1+2"]}))
    >>> out["x"].tolist(), out["t"].tolist(), n
    ([-1.5], ["'-1+2"], 1)
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame; got {type(df).__name__}")
    out = df.copy()
    total = 0
    for pos in range(df.shape[1]):
        new, n = _neutralize_series(df.iloc[:, pos])
        if n:
            out.isetitem(pos, new)
            total += n
    names = pd.Series(list(df.columns), dtype=object)
    new_names, n = _neutralize_series(names)
    if n:
        out.columns = new_names.tolist()
        total += n
    return out, total


# ====================================================================== atomic writing
def _tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _atomic(path: Path, write) -> Path:
    """Call ``write(binary file)`` on a temporary file next to ``path``, then replace ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_path(path)
    try:
        with open(tmp, "xb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _atomic_bytes(path: Path, data: bytes) -> Path:
    return _atomic(path, lambda fh: fh.write(data))


def _check_frame(name: str, df) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(df).__name__}")
    return df


def _with_index(df: pd.DataFrame) -> pd.DataFrame:
    """A named index (or MultiIndex) becomes columns; an unnamed one is dropped."""
    if any(n is not None for n in df.index.names):
        return df.reset_index()
    return df


# ====================================================================== CSV
def _write_csv(df: pd.DataFrame, path: Path) -> int:
    safe, n = neutralize(_with_index(df))

    def write(fh):
        safe.to_csv(fh, index=False, encoding="utf-8-sig", lineterminator="\n")

    _atomic(path, write)
    return n


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as a CSV that Excel opens: UTF-8 with BOM, neutralised, atomic.

    The file is deterministic: no index (a named index is written as columns), ``\\n`` line
    ends, floats at full precision (the shortest text that reads back as the same float — no
    rounding in the tables), missing values as empty fields, booleans as ``True`` / ``False``.
    Text cells are neutralised by :func:`neutralize`.

    Parameters
    ----------
    df : DataFrame
    path : str or Path
        Relative paths resolve from the project root; the folder is created.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_csv(pd.DataFrame({"a": [0.1 + 0.2], "b": ["=1"]}), f"{d}/t.csv")
    ...     p.read_bytes()
    b"\\xef\\xbb\\xbfa,b\\n0.30000000000000004,'=1\\n"
    """
    _check_frame("df", df)
    path = resolve_path(path)
    _write_csv(df, path)
    return path


@dataclass(frozen=True)
class TablesWritten:
    """What :func:`write_tables` wrote.

    Attributes
    ----------
    paths : Mapping[str, Path]
        Table name → CSV file, in the order given.
    neutralised : Mapping[str, int]
        Table name → cells (and column names) neutralised.
    """

    paths: Mapping[str, Path]
    neutralised: Mapping[str, int]

    @property
    def total_neutralised(self) -> int:
        """Cells neutralised over all tables."""
        return int(sum(self.neutralised.values()))

    def to_frame(self) -> pd.DataFrame:
        """One row per table: ``table, file, neutralised``."""
        return pd.DataFrame(
            {
                "table": list(self.paths),
                "file": [str(p) for p in self.paths.values()],
                "neutralised": [self.neutralised[k] for k in self.paths],
            }
        )


def _check_tables(tables) -> dict[str, pd.DataFrame]:
    if not isinstance(tables, Mapping):
        raise TypeError(
            f"tables must be a mapping of table name to DataFrame; got {type(tables).__name__}"
        )
    for name, df in tables.items():
        if not isinstance(name, str) or not _TABLE_NAME.match(name):
            raise ValueError(
                f"table name {name!r} is not a safe file name: use letters, digits, '_', '-' "
                "and '.', not starting with '.' or '-'"
            )
        _check_frame(f"tables[{name!r}]", df)
    return dict(tables)


def write_tables(tables: Mapping[str, pd.DataFrame], out_dir: str | Path) -> TablesWritten:
    """Write each table as ``<out_dir>/tables/<name>.csv`` with :func:`write_csv`.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Table name (a safe file name: letters, digits, ``_ - .``) → table in codes.
    out_dir : str or Path
        The report folder; ``tables/`` is created in it.

    Returns
    -------
    TablesWritten
        The paths and the count of neutralised cells per table (issue 8 asks the report to
        state it).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> with tempfile.TemporaryDirectory() as d:
    ...     w = write_tables({"quality": pd.DataFrame({"reason": ["+86 138"]})}, d)
    ...     w.paths["quality"].name, w.total_neutralised
    ('quality.csv', 1)
    """
    tables = _check_tables(tables)
    folder = resolve_path(out_dir) / "tables"
    paths: dict[str, Path] = {}
    counts: dict[str, int] = {}
    for name, df in tables.items():
        path = folder / f"{name}.csv"
        counts[name] = _write_csv(df, path)
        paths[name] = path
    return TablesWritten(paths=paths, neutralised=counts)


# ====================================================================== JSON
def _jsonable(obj):
    if obj is None or isinstance(obj, bool | str | int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return _jsonable(float(obj))
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray | pd.Series):
        return [_jsonable(v) for v in list(obj)]
    if isinstance(obj, set | frozenset):
        return sorted((_jsonable(v) for v in obj), key=repr)
    if isinstance(obj, Path):
        return obj.as_posix()
    if isinstance(obj, pd.Timestamp | _dt.datetime | _dt.date):
        return obj.isoformat()
    if obj is pd.NA or obj is pd.NaT:
        return None
    raise TypeError(f"cannot write {type(obj).__name__} as JSON: {obj!r}")


def write_json(obj, path: str | Path) -> Path:
    """Write ``obj`` as deterministic JSON, atomically.

    Keys sorted, ``ensure_ascii=False`` (Chinese stays readable), indent 2, a final newline;
    NaN and infinities become ``null``; numpy scalars, arrays, ``Path`` and dates are
    converted.  Anything else raises TypeError.

    Parameters
    ----------
    obj : JSON-like
    path : str or Path

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_json({"b": float("nan"), "a": "末位"}, f"{d}/s.json").read_text("utf-8")
    '{\\n  "a": "末位",\\n  "b": null\\n}\\n'
    """
    text = json.dumps(_jsonable(obj), sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False)
    return _atomic_bytes(resolve_path(path), (text + "\n").encode("utf-8"))


# ====================================================================== workbook
def _display_width(text: str, limit: int = 200) -> int:
    """Columns a text takes in a spreadsheet: CJK (wide) characters count two."""
    width = 0
    for line in text[:limit].split("\n"):
        w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        width = max(width, w)
    return width


def sheet_title(name: str, taken: set[str] | None = None) -> str:
    """A valid, unique Excel sheet name from ``name``.

    Removes ``[ ] : * ? / \\``, leading and trailing apostrophes and control characters,
    cuts to 31 characters, and adds `` (2)``, `` (3)``… when the name (case-insensitively) is
    already in ``taken`` (which is updated).

    Examples
    --------
    >>> taken = set()
    >>> sheet_title("a/b: c?", taken), sheet_title("A/B: C?", taken), sheet_title("x" * 40)
    ('ab c', 'AB C (2)', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
    """
    taken = set() if taken is None else taken
    text = _SHEET_BAD.sub("", str(name))
    text = re.sub(_CONTROL_CHARS, "", text).replace("\t", " ").replace("\r", " ").replace("\n", " ")
    text = text.strip().strip("'").strip()[:SHEET_NAME_MAX].strip() or "Sheet"
    if text.casefold() == "history":
        text = f"{text}_"
    candidate, k = text, 1
    while candidate.casefold() in taken:
        k += 1
        suffix = f" ({k})"
        candidate = text[: SHEET_NAME_MAX - len(suffix)] + suffix
    taken.add(candidate.casefold())
    return candidate


_WIDTH_CHUNK = 16_384
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
"""Day 0 of Excel's 1900 date system (openpyxl's ``WINDOWS_EPOCH``)."""


@functools.cache
def _wide_bmp() -> np.ndarray:
    """For each code point of the Basic Multilingual Plane: East Asian Wide or Fullwidth."""
    return np.fromiter(
        (unicodedata.east_asian_width(chr(c)) in "WF" for c in range(0x10000)),
        dtype=bool,
        count=0x10000,
    )


def _max_display_width(texts: list[str], limit: int = 200) -> int:
    """The largest :func:`_display_width` of a list of str, vectorised.

    The first ``limit`` characters of each text become rows of code points; a character is 2
    wide when East Asian Wide or Fullwidth, a line's width is the running sum since the last
    ``\\n``.
    """
    best = 0
    cut = operator.itemgetter(slice(0, limit))
    wide_bmp = _wide_bmp()
    for start in range(0, len(texts), _WIDTH_CHUNK):
        arr = np.array(list(map(cut, texts[start : start + _WIDTH_CHUNK])), dtype=str)
        codes = arr.view(np.uint32).reshape(len(arr), -1)
        wide = wide_bmp[codes & 0xFFFF]
        astral = codes > 0xFFFF
        if astral.any():
            found = codes[astral]
            uniq, inverse = np.unique(found, return_inverse=True)
            flags = np.array([unicodedata.east_asian_width(chr(c)) in "WF" for c in uniq.tolist()])
            wide[astral] = flags[inverse.ravel()]
        width = wide.astype(np.int32) + 1
        newline = codes == 10
        width[newline | (codes == 0)] = 0  # 0: padding of shorter texts (NUL is removed)
        total = np.cumsum(width, axis=1, dtype=np.int64)
        line_start = np.maximum.accumulate(np.where(newline, total, 0), axis=1)
        best = max(best, int((total - line_start).max(initial=0)))
    return best


def _numeric_width(x: np.ndarray, how: str, decimals: int = 2) -> int:
    """Width of the widest formatted number of ``x`` (float64, NaN for missing)."""
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return 4
    if how == "datetime":
        return len("2026-01-01 00:00")
    big = float(np.abs(finite).max())
    neg = bool((finite < 0).any())
    if how == "percent":
        text = percent(big)
    elif how == "pvalue":
        text = pvalue(0.5)
    elif how == "integer":
        text = count(big)
    else:
        text = fixed(big, decimals)
    return len(text) + int(neg)


def _excel_serial(t: pd.Series) -> np.ndarray:
    """Excel serial day numbers of naive datetimes (NaN for missing), as openpyxl computes.

    ``openpyxl.utils.datetime.to_excel``: whole days since 1899-12-30 (one less up to
    1900-02-28, Excel's leap-year bug), plus ``(h*3600 + m*60 + s + µs/1e6) / 86400`` — the
    same float operations in the same order, so the serials are identical.
    """
    days = (t.dt.normalize() - _EXCEL_EPOCH).dt.days.to_numpy(dtype="float64", na_value=np.nan)
    days = np.where((days > 0) & (days <= 60), days - 1, days)
    seconds = (
        t.dt.hour.to_numpy(dtype="float64", na_value=np.nan) * 3600
        + t.dt.minute.to_numpy(dtype="float64", na_value=np.nan) * 60
        + t.dt.second.to_numpy(dtype="float64", na_value=np.nan)
    )
    micro = t.dt.microsecond.to_numpy(dtype="float64", na_value=np.nan)
    return days + (seconds + micro / 10**6) / 86400


def _escape_xml(texts: list[str]) -> list[str]:
    """``& < >`` escaped as lxml escapes element text.

    The texts are joined with NUL (which :func:`neutralize` removes, so no text holds one),
    escaped as one string and split again; texts with a NUL are escaped one by one.
    """
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):
        return [html.escape(t, quote=False) for t in texts]
    return html.escape(joined, quote=False).split("\x00") if texts else []


@dataclass
class _SheetColumn:
    """One table column as the workbook holds it, before its style ids are known.

    ``values`` are XML-ready texts (numbers as openpyxl writes them, ``%.16g``; text escaped,
    in ``<t>`` with ``xml:space="preserve"`` when it has outer white space; ``""`` for an empty
    text), None where the cell is missing.  ``style`` is a detached cell with the style of
    the cells that have a value (number format, wrap alignment; None: no style); ``blank``
    the style of the missing cells of a wrapped column (wrap only, no number format: the
    cell-by-cell writer formatted only the cells it wrote a value to).
    """

    text: bool
    values: np.ndarray
    wrap: bool
    style: object
    blank: object
    style_id: int = 0
    blank_id: int = 0

    def register_order(self) -> list[tuple[int, str]]:
        """``(first data row, "style" or "blank")`` of the styles the column's cells use."""
        present = pd.notna(self.values)
        out = []
        if self.style is not None and present.any():
            out.append((int(np.argmax(present)), "style"))
        if self.blank is not None and not present.all():
            out.append((int(np.argmin(present)), "blank"))
        return out


def _objects(items: list) -> np.ndarray:
    """A 1-d object array of ``items``."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _text_column(s: pd.Series, lang: str) -> tuple[np.ndarray, int, int]:
    """XML text of a text column's cells (None where missing), its width, cells cut."""
    obj = s.astype(object)
    present = obj.notna().to_numpy(dtype=bool)
    texts = obj.to_numpy(dtype=object)[present]
    if pd.api.types.infer_dtype(texts, skipna=False) not in ("string", "empty"):
        texts = np.frompyfunc(str, 1, 1)(texts).astype(object)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    long = np.flatnonzero(lengths > EXCEL_MAX_CHARS)
    for k in long:  # rare: only the texts over the limit
        texts[k] = _cut(texts[k], lang)
    texts = texts.tolist()
    width = _max_display_width(texts)
    text = _objects(texts)
    preserve = _objects(list(map(str.strip, texts))) != text
    esc = _objects(_escape_xml(texts))
    esc = np.where(preserve, '<t xml:space="preserve">' + esc, "<t>" + esc) + "</t>"
    values = np.full(len(s), None, dtype=object)
    values[present] = np.where(text == "", "", esc)
    return values, width, len(long)


def _number_column(s: pd.Series, how: str) -> tuple[np.ndarray, int, object]:
    """``%.16g`` text of a numeric or datetime column (None where missing), its width, and
    its first value (what openpyxl would see first)."""
    if how == "datetime":
        t = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        x = _excel_serial(t)
    else:
        x = s.astype("float64").to_numpy(na_value=np.nan)
    width = _numeric_width(x, how)
    ok = np.isfinite(x)
    values = np.full(len(x), None, dtype=object)
    values[ok] = list(map("%.16g".__mod__, x[ok].tolist()))
    first = None
    if ok.any():
        k = int(np.argmax(ok))
        first = t.iloc[k].to_pydatetime() if how == "datetime" else float(x[k])
    return values, width, first


def _rows_xml(columns: list[_SheetColumn], start: int, stop: int) -> tuple[str, int]:
    """The ``<row>`` elements of data rows ``start:stop`` (0 is the sheet's row 2) as
    openpyxl's writer serialises them, and the sheet row of the last that has a cell (0
    when none has).

    Built per column with object-array string operations and joined once: no Python work
    per cell.
    """
    from openpyxl.utils import get_column_letter

    n = stop - start
    numbers = np.arange(start + 2, stop + 2).astype(str).astype(object)
    grid = np.full((n, len(columns) + 2), "", dtype=object)
    any_cell = np.zeros(n, dtype=bool)
    for col, c in enumerate(columns, start=1):
        values = c.values[start:stop]
        head = '<c r="' + get_column_letter(col) + numbers
        style = f' s="{c.style_id}"' if c.style is not None else ""
        blank = f' s="{c.blank_id}"' if c.blank is not None else ""
        present = pd.notna(values)
        inner = np.where(present, values, "")
        if c.text:
            filled = np.where(
                inner == "",
                head + f'"{style} t="inlineStr"></c>',
                head + f'"{style} t="inlineStr"><is>' + inner + "</is></c>",
            )
        else:
            filled = head + f'"{style} t="n"><v>' + inner + "</v></c>"
        if c.wrap:
            cells = np.where(present, filled, head + f'"{blank} t="n"></c>')
            any_cell[:] = True
        else:
            cells = np.where(present, filled, "")
            any_cell |= present
        grid[:, col] = cells
    grid[any_cell, 0] = '<row r="' + numbers[any_cell] + '">'
    grid[any_cell, -1] = "</row>"
    last = int(np.flatnonzero(any_cell)[-1]) + start + 2 if any_cell.any() else 0
    return "".join(grid.ravel().tolist()), last


_ROWS_CHUNK = 65_536


def _sheet_rewrite(columns: list[_SheetColumn], n_rows: int):
    """The edit of a sheet's XML part that adds its data rows (see ``workbook_bytes``).

    openpyxl has written the header row; the rows, serialised a block of rows at a time, are
    inserted before ``</sheetData>`` (a literal that text cannot contain: ``<`` is always
    escaped) and the dimension is widened to the last row with a cell, as openpyxl computes
    it.  Text is written as ASCII with character references, as openpyxl's writer does.
    """
    from openpyxl.utils import get_column_letter

    def edit(data: bytes) -> bytes:
        if data.count(b"</sheetData>") != 1:
            raise RuntimeError("unexpected worksheet XML from openpyxl: no single </sheetData>")
        blocks, last = [], 1
        for start in range(0, n_rows, _ROWS_CHUNK):
            rows, block_last = _rows_xml(columns, start, min(start + _ROWS_CHUNK, n_rows))
            blocks.append(rows.encode("ascii", "xmlcharrefreplace"))
            last = max(last, block_last)
        ref = f"A1:{get_column_letter(len(columns))}{last}".encode("ascii")
        data, n = re.subn(
            rb'<dimension ref="[^"]*"/>', b'<dimension ref="' + ref + b'"/>', data, count=1
        )
        if n != 1:
            raise RuntimeError("unexpected worksheet XML from openpyxl: no dimension")
        return data.replace(b"</sheetData>", b"".join(blocks) + b"</sheetData>")

    return edit


def _about_rows(
    tables, titles, rows_per_table, notes, neutralised, truncated, lang: str
) -> list[tuple[str, str]]:
    zh = lang == "zh"
    rows: list[tuple[str, str]] = []
    for key, value in (notes or {}).items():
        rows.append((str(key), "" if value is None else str(value)))
    rows.append(("数值说明" if zh else "Numbers", rounding_note(lang)))
    listing = [
        f"{titles[name]}：tables/{name}.csv（{rows_per_table[name]} 行）"
        if zh
        else f"{titles[name]}: tables/{name}.csv ({rows_per_table[name]} rows)"
        for name in tables
    ]
    rows.append(("工作表" if zh else "Sheets", "\n".join(listing)))
    if zh:
        text = (
            f"共 {neutralised} 个文本单元格以 = + - @、制表符或回车开头或含控制字符，"
            "已在开头加单引号或删除控制字符，以免被当作公式执行。"
        )
    else:
        text = (
            f"{neutralised} text cell(s) began with = + - @, a tab or a carriage return or "
            "held control characters: a leading apostrophe was added or the control "
            "characters removed, so that no cell runs as a formula."
        )
    rows.append(("安全处理" if zh else "Safety", text))
    if truncated:
        text = (
            f"共 {truncated} 个单元格超过 Excel 单元格上限（{EXCEL_MAX_CHARS} 个字符），"
            "在本工作簿中截断；全文见对应的 CSV 文件。"
            if zh
            else f"{truncated} cell(s) exceeded Excel's limit of {EXCEL_MAX_CHARS} characters "
            "and are cut in this workbook; the CSV files hold the full text."
        )
        rows.append(("截断" if zh else "Cut text", text))
    rows.append(("生成工具" if zh else "Generated by", f"evalstats {__version__}"))
    return rows


def _setup_print(ws, *, landscape: bool = True) -> None:
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.oddHeader.center.text = "&A"
    ws.oddFooter.center.text = "&P / &N"


def _cut(text: str, lang: str) -> str:
    marker = (
        "…（超出 Excel 单元格上限，全文见 CSV）"
        if lang == "zh"
        else "… (cut at Excel's cell limit; full text in the CSV)"
    )
    return text[: EXCEL_MAX_CHARS - len(marker)] + marker


def write_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    scheme: Scheme | str | Path | None = None,
    lang: str = "zh",
    sheet_names: Mapping[str, str] | None = None,
    notes: Mapping[str, object] | None = None,
    safety_text: str | None = None,
) -> Path:
    """Write the tables as one formatted Excel workbook, for reading and printing.

    The first sheet (说明 / About) lists ``notes`` (cycle, analysis, …), the rounding note,
    the sheets with their CSV files, how many text cells were neutralised, and the package
    version.  Then one sheet per table: headers from :data:`evalstats.present.labels.COLUMN_LABELS`,
    code values as labels (:func:`evalstats.present.labels.relabel`), unrounded numbers with number
    formats (scores ``0.00``, rates ``0.0%``, counts ``#,##0``, p-values ``0.000`` or
    ``<0.001``), a bold frozen header row with an autofilter, column widths from the content
    (CJK characters count double; long text wraps), and print settings: A4 landscape, fit to
    one page wide, header row repeated on every page, sheet name and page numbers.

    Text is neutralised (:func:`neutralize`).  A text longer than Excel's cell limit (32,767
    characters) is cut in the workbook only, with a marker, and counted on the first sheet.
    The bytes depend only on the content (:func:`evalstats.inputs.template.workbook_bytes`); the
    file
    is written atomically.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Table name → table in codes, in sheet order.
    path : str or Path
        The ``.xlsx`` file; relative paths resolve from the project root.
    scheme : Scheme, path or None
        For the labels (default: the bundled scheme).
    lang : {"zh", "en"}
    sheet_names : mapping of str to str, optional
        Table name → sheet name, overriding :data:`evalstats.present.labels.TABLE_LABELS`.  Sheet
        names
        are made valid (see :func:`sheet_title`).
    notes : mapping, optional
        Label → text rows of the first sheet, in order.
    safety_text : str, optional
        The text of the first sheet's safety row, in place of the count of cells this
        function neutralised.  Tables read back from CSV files written by
        :func:`write_tables` are inert already, so that count would be 0; the runner states
        instead how many cells were neutralised when the tables were written
        (:func:`evalstats.run.runner.safety_note`).

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        A table name is not a safe file name, or a table exceeds Excel's size (1,048,575 rows
        below the header, 16,384 columns).

    Notes
    -----
    Only the first sheet and the header rows are openpyxl cells.  The data rows are prepared
    column by column with numpy (numbers as openpyxl writes them, text escaped, widths from
    code points) and put into each sheet's XML part as the file is written, with the
    styles registered in the order openpyxl's writer would meet the cells: the file is byte
    for byte the one the cell-by-cell openpyxl writer gave (``tests/test_report.py`` keeps
    that writer and checks), about 4.6 times faster on the 560,000 cells of a
    1,000,000-form cycle (``benchmarks/bench_workbook.py``).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from openpyxl import load_workbook
    >>> t = pd.DataFrame({"unit_name": ["财政所"], "composite": [88.037]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     wb = load_workbook(write_workbook({"ranking": t}, f"{d}/r.xlsx"))
    ...     wb.sheetnames, wb["排名"]["B1"].value, wb["排名"]["B2"].number_format
    (['说明', '排名'], '综合得分', '0.00')
    """
    from openpyxl import Workbook
    from openpyxl.cell import Cell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from evalstats.inputs.template import workbook_bytes

    i = LANGS.index(check_option("lang", lang, LANGS))
    tables = _check_tables(tables)
    if sheet_names is not None and not isinstance(sheet_names, Mapping):
        raise TypeError(f"sheet_names must be a mapping; got {type(sheet_names).__name__}")
    if notes is not None and not isinstance(notes, Mapping):
        raise TypeError(f"notes must be a mapping of label to text; got {type(notes).__name__}")
    if safety_text is not None and not isinstance(safety_text, str):
        raise TypeError(f"safety_text must be a str or None; got {type(safety_text).__name__}")
    scheme = resolve_scheme(scheme)
    for name, df in tables.items():
        df = _with_index(df)
        if len(df) > EXCEL_MAX_ROWS - 1 or df.shape[1] > EXCEL_MAX_COLUMNS:
            raise ValueError(
                f"table {name!r} has {len(df):,} rows and {df.shape[1]:,} columns; an Excel "
                f"sheet holds at most {EXCEL_MAX_ROWS - 1:,} rows below the header and "
                f"{EXCEL_MAX_COLUMNS:,} columns"
            )

    # The workbook is built in openpyxl's normal mode, but only the About sheet and the
    # header rows are openpyxl cells: the data rows of each table are serialised column by
    # column (_rows_xml) and put into the sheet's XML part while the file is written
    # (_sheet_rewrite), byte for byte as openpyxl would write those cells.  Styles are
    # registered in the order openpyxl's writer would meet them (About, then each sheet row
    # by row), so styles.xml is the same too.
    wb = Workbook()
    about = wb.active
    taken: set[str] = set()
    about.title = sheet_title(TABLE_LABELS["about"][i], taken)
    titles: dict[str, str] = {}
    for name in tables:
        wanted = (sheet_names or {}).get(name)
        if wanted is None:
            wanted = TABLE_LABELS[name][i] if name in TABLE_LABELS else name
        titles[name] = sheet_title(neutralize_text(str(wanted)).lstrip(QUOTE), taken)

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    head_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    neutralised = 0
    truncated = 0
    rows_per_table: dict[str, int] = {}
    sheets: list[tuple[object, list, list[_SheetColumn], int]] = []
    for name, raw in tables.items():
        raw = _with_index(raw)
        ws = wb.create_sheet(titles[name])
        rows_per_table[name] = len(raw)
        shown = relabel(raw, scheme=scheme, lang=lang)
        shown.columns = [column_label(c, LANGS[i], scheme=scheme) for c in raw.columns]
        shown, n = neutralize(shown)
        neutralised += n
        kinds = [column_format(raw.columns[p], raw.iloc[:, p].dtype) for p in range(raw.shape[1])]
        headers = []
        for col, header in enumerate(shown.columns, start=1):
            cell = ws.cell(row=1, column=col, value=str(header))
            cell.font = bold
            cell.fill = fill
            cell.alignment = head_align
            headers.append(cell)
        columns: list[_SheetColumn] = []
        for col, how in enumerate(kinds, start=1):
            s = shown.iloc[:, col - 1]
            style = blank = None
            if how in ("text", "bool"):
                values, width, cut = _text_column(s, LANGS[i])
                truncated += cut
            else:
                values, width, first = _number_column(s, how)
                if first is not None:
                    # the column's first value cell as the cell-by-cell writer made it: a
                    # datetime value gives openpyxl's default date format before ours
                    style = Cell(ws, value=first)
                    style.number_format = NUMBER_FORMATS[how]
            header_width = _display_width(str(shown.columns[col - 1]))
            full = max(width, header_width) + 2
            ws.column_dimensions[get_column_letter(col)].width = float(min(max(full, 8), 60))
            wrapped = full > 60 and len(values) > 0
            if wrapped:
                blank = Cell(ws)
                blank.alignment = wrap
                if style is not None:
                    style.alignment = wrap
                elif how in ("text", "bool"):
                    style = blank
            columns.append(_SheetColumn(how in ("text", "bool"), values, wrapped, style, blank))
        ws.freeze_panes = "A2"
        if raw.shape[1]:
            ws.auto_filter.ref = f"A1:{get_column_letter(raw.shape[1])}{len(raw) + 1}"
        ws.print_title_rows = "1:1"
        _setup_print(ws)
        sheets.append((ws, headers, columns, len(raw)))

    title = "工作簿说明" if i == 0 else "About this workbook"
    about_cells = [about.cell(row=1, column=1, value=title)]
    about_cells[0].font = Font(bold=True, size=14)
    rows = _about_rows(tables, titles, rows_per_table, notes, neutralised, truncated, LANGS[i])
    if safety_text is not None:
        safety = "安全处理" if i == 0 else "Safety"
        rows = [(k, safety_text if k == safety else v) for k, v in rows]
    for r, (key, value) in enumerate(rows, start=3):
        k = about.cell(row=r, column=1, value=neutralize_text(key))
        k.font = bold
        k.alignment = Alignment(vertical="top")
        k.data_type = "s"
        v = about.cell(row=r, column=2, value=neutralize_text(value)[:EXCEL_MAX_CHARS])
        v.alignment = wrap
        v.data_type = "s"
        about_cells += [k, v]
    about.column_dimensions["A"].width = 16.0
    about.column_dimensions["B"].width = 100.0
    _setup_print(about, landscape=False)

    # style ids in the order the writer meets the cells: About, then per sheet the header
    # row and the data rows (a column's style first used on its first styled row)
    for cell in about_cells:
        cell.style_id  # noqa: B018 — registers the style
    rewrite = {}
    for ws, headers, columns, n_rows in sheets:
        for cell in headers:
            cell.style_id  # noqa: B018
        order = sorted(
            (row, col, which) for col, c in enumerate(columns) for row, which in c.register_order()
        )
        for _, col, which in order:
            c = columns[col]
            setattr(c, f"{which}_id", getattr(c, which).style_id)
        if n_rows and columns:
            position = wb.worksheets.index(ws) + 1
            rewrite[f"xl/worksheets/sheet{position}.xml"] = _sheet_rewrite(columns, n_rows)

    path = resolve_path(path)
    return _atomic_bytes(path, workbook_bytes(wb, rewrite=rewrite))


# ====================================================================== HTML
def escape_markdown(text) -> str:
    """Text safe to put in a Markdown cell or ``display(Markdown(...))``.

    HTML special characters are escaped (``<script>`` shows as text) and Markdown
    punctuation is backslash-escaped, so a comment cannot become a heading, a list, a link or
    emphasis.  Line breaks are kept as line breaks.

    Examples
    --------
    >>> escape_markdown("<b>差</b> [点我](javascript:alert(1)) *急*")
    '&lt;b&gt;差&lt;/b&gt; \\\\[点我\\\\]\\\\(javascript:alert\\\\(1\\\\)\\\\) \\\\*急\\\\*'
    """
    text = html.escape(str(text), quote=False)
    text = re.sub(r"([\\`*_{}\[\]()#+\-.!|~>])", r"\\\1", text)
    return text.replace("\n", "  \n")


def strip_volatile(nb):
    """Remove what changes between runs of the same notebook; returns ``nb`` (changed in place).

    Execution counts, timing metadata (``execution``, ``papermill`` on cells and notebook)
    and random cell ids (replaced by ``cell-<n>``).
    """
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for n, cell in enumerate(nb.cells):
        if "id" in cell:
            cell["id"] = f"cell-{n}"
        for key in ("execution", "papermill", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.execution_count = None
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = None
    return nb


def _template_dir() -> Path:
    return Path(str(resources.files("evalstats") / "templates"))


def _safe_soup(text: str, lang: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, features="html.parser")
    if soup.html is not None:
        soup.html["lang"] = HTML_LANG[lang]
    for tag in soup.find_all(list(_UNSAFE_ELEMENTS)):
        tag.decompose()
    for tag in soup.find_all("meta"):
        if tag.get("http-equiv"):
            tag.decompose()
    for tag in soup.find_all(True):
        for attr in list(tag.attrs):
            if attr.lower().startswith("on"):
                del tag.attrs[attr]
            elif attr.lower() in _URL_ATTRIBUTES:
                value = tag.attrs[attr]
                value = " ".join(value) if isinstance(value, list) else str(value)
                if _UNSAFE_URL.match(value):
                    del tag.attrs[attr]
    # control characters (bidi overrides, BEL, ESC…) in text that reached the page are
    # removed: they have no business in HTML and reorder or hide what a reader sees
    return re.sub(_CONTROL_CHARS, "", str(soup))


def render_html(
    notebook_path: str | Path,
    html_path: str | Path,
    *,
    title: str | None = None,
    lang: str = "zh",
    footer: str | None = None,
) -> Path:
    """Render an executed notebook as an HTML report without code, for reading and printing.

    nbconvert's ``HTMLExporter`` with the package's template (``evalstats/templates/
    evalstats_html``, built on JupyterLab's): no input cells, no prompts, code cells without
    output and cells tagged ``remove_cell`` left out, images embedded, ``<html lang="zh-CN">``
    (or ``en``), a CJK font stack, and a print stylesheet (A4, a page break before each
    ``h2``, tables and figures kept on one page where they fit, table headers repeated, no
    output clipped).  The page loads nothing from the network (no require.js, MathJax or
    mermaid).  As a last line of defence, ``<script>``, frames, objects, forms, ``on*``
    event attributes and ``javascript:`` URLs are removed from the page, and so are control
    characters (C0 and C1 controls other than tab, newline and carriage return, DEL, and the
    bidirectional override and isolate characters).  Volatile metadata
    is stripped first (:func:`strip_volatile`), so the same executed notebook gives the same
    bytes.

    Parameters
    ----------
    notebook_path : str or Path
        The executed ``.ipynb``.
    html_path : str or Path
        The ``.html`` to write (atomically).
    title : str, optional
        Page title (default: the notebook's ``title`` metadata, else its file name).
    lang : {"zh", "en"}
    footer : str, optional
        A note printed, escaped, at the foot of the page (``<footer class="evalstats-note">``,
        a paragraph per line) — the runner's method note on neutralised cells
        (:func:`evalstats.run.runner.safety_note`).

    Returns
    -------
    Path
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    check_option("lang", lang, LANGS)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None; got {type(title).__name__}")
    if footer is not None and not isinstance(footer, str):
        raise TypeError(f"footer must be a str or None; got {type(footer).__name__}")
    src = resolve_path(notebook_path)
    nb = nbformat.read(src, as_version=4)
    strip_volatile(nb)
    nb.cells = [
        c
        for c in nb.cells
        if not (c.cell_type == "code" and not c.get("outputs")) and c.cell_type != "raw"
    ]
    if title is not None:
        nb.metadata["title"] = title

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(_template_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
        language_code=lang,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(REMOVE_CELL_TAGS)), enabled=True
    )
    meta = {"name": src.stem, "path": str(src.parent)}
    notes = [ln for ln in (footer or "").splitlines() if ln.strip()]
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": meta, "evalstats_footer": notes}
    )
    page = _safe_soup(body, lang)
    return _atomic_bytes(resolve_path(html_path), page.encode("utf-8"))


__all__ = [
    "FORMULA_PREFIXES",
    "NUMBER_FORMATS",
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
