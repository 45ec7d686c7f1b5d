"""The wide layout: one row per respondent, one column per unit × content, made long.

The matrix 测评表 of 民主评议 and online-survey exports have one row per respondent and one
rating column per unit × content (``党政办—政务公开``, ``3、办事效率（财政所）``).
:func:`widen` turns such a table into the long responses table the validation reads (one row
per form: the respondent's answers about one unit) and a :class:`WideMap` that leads every
problem and every form back to the original file, row and column header.

Header forms (:func:`parse_rating_header`; matched after NFKC normalisation with white space
removed and case folded, so ``－`` is ``-`` and ``：`` is ``:``):

- ``<unit><sep><content>`` and ``<content><sep><unit>``, ``sep`` one of :data:`SEPARATORS`;
- the unit or the content in brackets: ``政务公开（党政办）``, ``党政办(政务公开)``;
- an optional question number in front: ``3.``, ``3、``, ``Q3_``, ``(3)``;
- the unit and the content written together without a separator (``党政办政务公开``; the
  header of a cell wrapped over two lines reads so), when a units file names the units;
- a scheme with a single content: the unit alone (one overall level per unit);
- a two-row header with each unit in a merged cell above its contents, or a unit row just
  above a one-row header (:func:`units_above`): read as ``<unit>-<content>``.

The unit is named by its code, name or English name (the units file's), the content by a
dimension's code, label or alias; a content naming the comment column (``意见建议``) makes a
per-unit comment column.  A header that names two units or two contents is an error naming the
column, never a guess; so is a header naming two units or two contents
(``建管站-运管站-政务公开``).

Each row becomes one form per unit rated on it (a unit whose cells are all blank on that row is
not a form for it): form id ``<row id>/<unit code>``, ``respondent`` the row id (the form id
column, else :data:`ROW_ID_HEADERS`, else the row number); group, submission time, collector
and comment come from the row (a unit's own comment column replaces the row's comment for its
form).  The validation voids a whole row when ``exclusions`` lists its row id.

A wide file's limits scale with the cycle's units (:func:`wide_limits`); the long table is made
column by column from the codes of the wide columns (no cell is touched one at a time).

Examples
--------
>>> units = {"u01": "U01", "党政办": "U01", "u02": "U02"}
>>> contents = {"政务公开": "transparency", "transparency": "transparency"}
>>> parse_rating_header("3、党政办－政务公开", units=units, contents=contents)
{('U01', 'transparency')}
>>> parse_rating_header("政务公开（U02）", units=units, contents=contents)
{('U02', 'transparency')}
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.reading import ReadLimits
from evalstats.core.scheme import Scheme, normalize_label
from evalstats.inputs.read.cells import cell_text
from evalstats.inputs.read.peek import HeaderRows
from evalstats.inputs.read.raw import (
    ColumnCodes,
    RawTable,
    column_letter,
    damaged_ids,
    id_precision_reason,
    problem,
    problems_frame,
    unknown_column,
)

SEPARATORS = ("-", "—", "–", "_", "/", "|", ":", "·", "・")
"""Separators between the unit and the content of a rating header (after NFKC: ``－`` → ``-``,
``：`` → ``:``, ``／`` → ``/``, ``｜`` → ``|``)."""
ROW_ID_HEADERS = ("答卷编号", "答卷序号", "序号", "row_id", "row id", "no.")
"""Headers of a wide file's row id when it has no form-id column (else the row number)."""
SYNTHETIC_ROW_BASE = 1 << 40
"""Row numbers of the long table made by :func:`widen` start here (one per form); the
:class:`WideMap` turns them back into the original rows."""

WIDE_OTHER_COLUMNS = 100
"""Columns a wide file may have besides one per unit × content and a comment per unit (row
id, group, times, collector, identifiers, notes an export adds)."""
WIDE_MAX_COLUMNS = 16_384
"""The most columns the wide limits ever allow (Excel's last column, XFD)."""
WIDE_RESPONDENTS = 120_000
"""Rows of the widest file the wide limits take at full width: the largest town-wide online
survey an office runs (100,000 respondents, issue 17) and a fifth more.  Validating such a
file holds its long table whole (16 million forms at 200 units: about 10 GiB at the peak), so
the limit is no higher than it must be."""

_NUMBER = re.compile(r"^(?:q?\d+(?:[.、_:)\-]|(?=\D))|\(\d+\))")
_BRACKETS = re.compile(r"^(?P<outer>.+?)[(\[【〔](?P<inner>[^()\[\]【】〔〕]+)[)\]】〕]$")
_TOKENS = re.compile("[" + re.escape("".join(SEPARATORS)) + r"()\[\]【】〔〕]")
_ROW_REF = re.compile(r"(?<=row )(\d+)")


def content_lookup(scheme: Scheme) -> dict[str, str]:
    """Normalised content names → dimension code, and comment headers → ``"comment"``.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> content_lookup(load_scheme())["办事效率"]
    'efficiency'
    """
    out = {}
    for alias, code in scheme.header_lookup("responses").items():
        if code == "comment":
            out[alias] = "comment"
    for d in scheme.dimensions:
        for text in (d.code, d.label_zh, d.label_en, *d.aliases):
            out[normalize_label(text)] = d.code
    return out


def _splits(text: str):
    """(left, right) parts of ``text`` around each separator and bracket."""
    m = _BRACKETS.match(text)
    if m:
        outer = m.group("outer").rstrip("".join(SEPARATORS))
        yield outer, m.group("inner")
    for i, ch in enumerate(text):
        if ch in SEPARATORS and 0 < i < len(text) - 1:
            yield text[:i], text[i + 1 :]


def parse_rating_header(
    header, *, units: Mapping[str, str] | None, contents: Mapping[str, str], single=None
) -> set[tuple[str, str]]:
    """The (unit, content) pairs a header can mean; empty when it names none.

    Parameters
    ----------
    header : str
        The header as written.
    units : Mapping or None
        Normalised unit code / name → unit code (None: no units file, any text is a unit).
    contents : Mapping
        :func:`content_lookup`.
    single : str, optional
        The scheme's only dimension code: a header naming a unit alone means that content.

    Returns
    -------
    set of tuple
        One pair for a clear header, two or more for an ambiguous one.

    Examples
    --------
    >>> parse_rating_header("Q3_U01_transparency", units={"u01": "U01"},
    ...                     contents={"transparency": "transparency"})
    {('U01', 'transparency')}
    """
    text = normalize_label(header)
    texts = [text]
    m = _NUMBER.match(text)
    if m and m.end() < len(text):
        texts.append(text[m.end() :].lstrip("".join(SEPARATORS)))
    found: set[tuple[str, str]] = set()

    def unit_of(part):
        if units is None:
            return part if part and part not in contents else None
        return units.get(part)

    for t in texts:
        if single is not None and units is not None and t in units:
            found.add((units[t], single))
        for left, right in _splits(t):
            for u, c in ((left, right), (right, left)):
                unit, content = unit_of(u), contents.get(c)
                if unit is not None and content is not None:
                    found.add((unit, content))
        if not found and units is not None:
            found = _joined(t, units, contents)
        if found:
            break
    if not found and units is not None:
        found = _several(texts[-1], units, contents)
    return found


def _joined(t: str, units, contents) -> set[tuple[str, str]]:
    """Unit and content written together without a separator: 党政办政务公开, 政务公开党政办."""
    found = set()
    for i in range(1, len(t)):
        for u, c in ((t[:i], t[i:]), (t[i:], t[:i])):
            if u in units and c in contents:
                found.add((units[u], contents[c]))
    return found


def _several(t: str, units, contents) -> set[tuple[str, str]]:
    """A header naming several units or contents (``建管站-运管站-政务公开``): every pair."""
    tokens = [x for x in _TOKENS.split(t) if x]
    named_units = {units[x] for x in tokens if x in units}
    named = {contents[x] for x in tokens if x in contents}
    if named_units and named and len(named_units) + len(named) > 2:
        return {(u, c) for u in named_units for c in named}
    return set()


def wide_limits(limits: ReadLimits, *, units: int, contents: int) -> ReadLimits:
    """The limits of a wide responses file: room for a column per unit × content and a comment
    column per unit, besides :data:`WIDE_OTHER_COLUMNS` others, and for
    :data:`WIDE_RESPONDENTS` rows of that width; never below the scheme's own limits.

    The long layout's limits are per form (a row of about 14 fields); a wide row holds up to
    ``units`` forms, so its columns and cells scale with the units of the cycle (the units
    file), up to :data:`WIDE_MAX_COLUMNS` columns.  The rows, bytes and zip limits stay.

    Parameters
    ----------
    limits : ReadLimits
        The scheme's limits (``[limits]``).
    units : int
        Units of the cycle (rows of the units file).
    contents : int
        Contents (dimensions) of the scheme.

    Returns
    -------
    ReadLimits

    Examples
    --------
    >>> lim = wide_limits(ReadLimits(), units=200, contents=5)
    >>> lim.columns, lim.cells
    (1300, 156000000)
    >>> wide_limits(ReadLimits(), units=3, contents=5) == ReadLimits()
    True
    """
    if units < 0 or contents < 1:
        raise ValueError(f"units must be >= 0 and contents >= 1; got {units} and {contents}")
    need = min(units * (contents + 1) + WIDE_OTHER_COLUMNS, WIDE_MAX_COLUMNS)
    columns = max(limits.columns, need)
    cells = max(limits.cells, WIDE_RESPONDENTS * need)
    return dataclasses.replace(limits, columns=columns, cells=cells)


@dataclass(frozen=True)
class WideMap:
    """How the long table made by :func:`widen` leads back to the wide file.

    Attributes
    ----------
    file : str
        The wide file as named in problems.
    rows : numpy.ndarray
        Original row number of each long row (form).
    units : numpy.ndarray
        Unit code of each long row.
    respondent : numpy.ndarray
        Respondent id (the row id, text) of each long row.
    headers : Mapping[tuple[str, str], str]
        (unit, content) → the column header as written.
    long_columns : Mapping[str, str]
        Header written in the long table → content code, for its per-unit columns.
    """

    file: str
    rows: np.ndarray
    units: np.ndarray
    respondent: np.ndarray
    headers: Mapping
    long_columns: Mapping

    def original_rows(self, rows) -> np.ndarray:
        """Row numbers of the long table (and others) as the user sees them in the file."""
        v = np.asarray(rows, dtype=np.int64)
        syn = v >= SYNTHETIC_ROW_BASE
        if syn.all():  # every row a long row (a wide file's forms): looked up, nothing kept
            v = v - SYNTHETIC_ROW_BASE
            return self.rows[v]
        out = v.copy()
        out[syn] = self.rows[v[syn] - SYNTHETIC_ROW_BASE]
        return out

    def restore_forms(self, frame: pd.DataFrame, columns=("source_row", "first_row")):
        """``frame`` with its row-number columns (when present) as original rows."""
        new = {
            c: pd.Series(self.original_rows(frame[c].to_numpy()), index=frame.index)
            for c in columns
            if c in frame.columns and len(frame)
        }
        return frame.assign(**new)  # the other columns not copied

    def restore_problems(self, problems: pd.DataFrame) -> pd.DataFrame:
        """Problems of the long table named by the original row and column header.

        A problem of a per-unit column (a content, a unit's comment) names that unit's column;
        problems of a row's own cells, repeated once per form of the row, are kept once.
        """
        if len(problems) == 0:
            return problems
        out = problems.copy()
        rows = pd.to_numeric(out["row"], errors="coerce").to_numpy(dtype=float)
        hit = (out["file"] == self.file).to_numpy() & (rows >= SYNTHETIC_ROW_BASE)
        idx = np.flatnonzero(hit)
        k = rows[idx].astype(np.int64) - SYNTHETIC_ROW_BASE
        new_rows = out["row"].to_numpy(dtype=object).copy()
        new_cols = out["column"].to_numpy(dtype=object).copy()
        for i, kk in zip(idx, k, strict=True):
            new_rows[i] = int(self.rows[kk])
            code = self.long_columns.get(new_cols[i])
            if code is not None:
                new_cols[i] = self.headers.get((self.units[kk], code), new_cols[i])
        out["row"] = new_rows
        out["column"] = new_cols
        here = (out["file"] == self.file).to_numpy()
        if here.any():
            out.loc[here, "reason"] = [
                _ROW_REF.sub(lambda m: str(self.original_rows([int(m.group(1))])[0]), str(r))
                for r in out.loc[here, "reason"]
            ]
        key = out.astype(str)
        return out[~key.duplicated()].reset_index(drop=True)


@dataclass(frozen=True)
class _Columns:
    """The rating columns found: (unit, content) → frame column, and the problems."""

    pairs: dict
    units: list  # unit codes in order of first column
    row_id: str | None  # frame column of the row id
    problems: list
    heads: dict  # frame column → its header as the user reads it (unit row joined)


def _heads(raw: RawTable, above: Mapping[str, str] | None) -> dict[str, str]:
    """Each frame column's header as the user reads it: ``<unit>-<content>`` under a unit row
    (``above``: column letter → the unit written above), else as written."""
    above = above or {}
    return {
        label: f"{above[raw.letters[label]]}-{head}" if raw.letters[label] in above else head
        for label, head in raw.written.items()
    }


def _find_columns(raw: RawTable, scheme: Scheme, unit_lookup, above=None) -> _Columns:
    contents = content_lookup(scheme)
    heads = _heads(raw, above)
    joined = {label for label in heads if heads[label] != raw.written[label]}
    single = scheme.dimension_codes[0] if len(scheme.dimension_codes) == 1 else None
    pairs: dict[tuple[str, str], str] = {}
    units: list[str] = []
    problems = []
    row_id = raw.column_for("form_id")
    id_headers = {normalize_label(h) for h in ROW_ID_HEADERS}
    for label, code in raw.columns.items():
        head = heads[label]
        if label in joined:  # a content under a unit row: its unit and content
            code = None
        elif code in ("unit", *scheme.dimension_codes):  # names no unit or no content here
            problems.append(unknown_column(raw, label))
            continue
        if code is not None and code != "comment":
            continue
        if code is None and row_id is None and normalize_label(head) in id_headers:
            row_id = label
            continue
        found = parse_rating_header(head, units=unit_lookup, contents=contents, single=single)
        if unit_lookup is None:  # no units file: the unit as written, not case-folded
            found = {(_as_written(head, u), c) for u, c in found}
        if code == "comment" and not found:
            continue  # the row's comment
        where = {"row": raw.header_row, "column": head, "value": None}
        if len(found) > 1:
            named = "; ".join(f"{u} × {c}" for u, c in sorted(found))
            problems.append(
                problem(
                    "error",
                    raw.file,
                    **where,
                    reason=f"ambiguous column header: it can name {named}; rename the column "
                    "so that it names one unit and one content",
                    code="ambiguous_header",
                )
            )
        elif found:
            pair = next(iter(found))
            if pair in pairs:
                first = pairs[pair]
                problems.append(
                    problem(
                        "error",
                        raw.file,
                        **where,
                        reason=f"duplicated column: column {raw.letters[label]} means the same "
                        f"as column {raw.letters[first]} ({heads[first]})",
                        code="duplicate_column",
                    )
                )
            else:
                pairs[pair] = label
                if pair[0] not in units:
                    units.append(pair[0])
        else:
            problems.append(
                problem(
                    "warning",
                    raw.file,
                    **where,
                    reason=f"unknown column is ignored (column {raw.letters[label]})",
                    code="unknown_column",
                )
            )
    return _Columns(pairs, units, row_id, problems, heads)


def _as_written(header: str, key: str) -> str:
    """The part of ``header`` that normalises to ``key`` (its case kept), else ``key``."""
    text = "".join(unicodedata.normalize("NFKC", str(header)).split())
    i = text.casefold().find(key)
    if i < 0 or len(text.casefold()) != len(text):
        return key
    return text[i : i + len(key)]


def units_above(header: HeaderRows, scheme: Scheme, unit_lookup=None) -> dict[str, str]:
    """A matrix sheet's unit row: column letter → the unit written above its content.

    Exports and printed 测评表 often put each unit in a merged cell of the first header row
    over its contents in the second (``党政办`` over ``政务公开 … 清正廉洁``).  The unit row is
    the upper row of a two-row header, or the row just above a one-row header (a row naming
    no known column is taken as a title).  A merged cell is written once, in its first column:
    a unit holds over the blanks to its right, up to the next filled cell.

    Parameters
    ----------
    header : HeaderRows
        The top rows of the file (:func:`~evalstats.inputs.read.peek.read_header_rows`).
    scheme : Scheme
    unit_lookup : Mapping, optional
        Normalised unit code / name → unit code; empty or None: any text that is not a known
        header is a unit.

    Returns
    -------
    dict
        Empty when no unit stands above a content.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.read.peek import HeaderRows
    >>> rows = [["问卷编号", "党政办", None], [None, "政务公开", "依法行政"]]
    >>> units_above(HeaderRows(rows, 0, 1), load_scheme(), {"党政办": "U01"})
    {'B': '党政办', 'C': '党政办'}
    """
    at = header.first if header.last > header.first else header.first - 1
    if at < 0:
        return {}
    upper = header.rows[at]
    contents = content_lookup(scheme)
    known = scheme.header_lookup("responses")
    out, unit = {}, None
    for j, head in enumerate(header.headers()):
        cell = cell_text(upper[j]) if j < len(upper) else None
        if cell and cell.strip():
            key = normalize_label(cell)
            is_unit = key in unit_lookup if unit_lookup else not (key in known or key in contents)
            unit = cell.strip() if is_unit else None
        if unit is not None and head and normalize_label(head) in contents:
            out[column_letter(j)] = unit
    return out


def is_wide(raw: RawTable, scheme: Scheme, unit_lookup=None, *, above=None) -> bool:
    """Whether ``raw`` (a responses table) is in the wide layout: the scheme says so, or (with
    ``layout = "auto"``) it has no unit column and some header names a unit and a content.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.read.raw import empty_raw
    >>> is_wide(empty_raw("responses", "r.csv", []), load_scheme())
    False
    """
    if scheme.layout != "auto":
        return scheme.layout == "wide"
    if raw.header_row is None or raw.column_for("unit") is not None:
        return False
    heads = _heads(raw, above)
    return any(
        (code in (None, "comment") or heads[label] != raw.written[label])
        and any(
            c != "comment"
            for _, c in parse_rating_header(
                heads[label],
                units=unit_lookup or None,
                contents=content_lookup(scheme),
                single=scheme.dimension_codes[0] if len(scheme.dimension_codes) == 1 else None,
            )
        )
        for label, code in raw.columns.items()
    )


def widen(
    raw: RawTable, scheme: Scheme, unit_lookup=None, *, above: Mapping[str, str] | None = None
) -> tuple[RawTable, WideMap | None]:
    """The long responses table of a wide one, and the map back; ``(raw, None)`` when ``raw``
    is not wide (:func:`is_wide`).

    Parameters
    ----------
    raw : RawTable
        The responses as read (identifier columns already blanked).
    scheme : Scheme
    unit_lookup : Mapping, optional
        Normalised unit code / name → unit code (the units file's); empty or None: no units
        file, the text beside the content is the unit.
    above : Mapping, optional
        A two-row header's unit row (:func:`units_above`): column letter → the unit written
        above that column's content.

    Returns
    -------
    tuple
        The long :class:`RawTable` (one row per form; its row numbers start at
        :data:`SYNTHETIC_ROW_BASE`) and its :class:`WideMap`.

    Examples
    --------
    >>> long, wide = widen(raw, scheme, units.lookup)  # doctest: +SKIP
    """
    if raw.table != "responses" or not is_wide(raw, scheme, unit_lookup, above=above):
        return raw, None
    lookup = unit_lookup or None
    cols = _find_columns(raw, scheme, lookup, above)
    problems = [*raw.problems.to_dict("records"), *cols.problems]
    if not cols.pairs:
        problems.append(
            problem(
                "error",
                raw.file,
                row=raw.header_row,
                column=None,
                value=None,
                reason="wide layout: no column header names a unit and a content (write e.g. "
                f"{_example_header(scheme, lookup)})",
                code="no_rating_columns",
            )
        )
    return _long_table(raw, scheme, cols, problems)


def _long_table(raw: RawTable, scheme: Scheme, cols: _Columns, problems: list):
    """The long table: one row per (row, unit) with some cell filled, in row order.

    Columnar: every column of the long table is gathered as integer codes into the distinct
    values of its wide columns (:meth:`RawTable.column_codes`), so no cell is touched one at a
    time and validation finds the codes made (:attr:`RawTable.codes`).
    """
    n, units = raw.n_rows, cols.units
    nu = len(units)
    dims = list(scheme.dimension_codes)
    coded = {label: raw.column_codes(label) for label in cols.pairs.values()}
    filled = np.zeros((n, nu), bool)
    for (u, _c), label in cols.pairs.items():
        filled[:, units.index(u)] |= coded[label].codes >= 0
    row_ids = _row_ids(raw, cols.row_id)
    _damaged_row_ids(raw, cols.row_id, scheme, row_ids, problems)
    _warn_empty_rows(raw, ~filled.any(axis=1) if nu else np.ones(n, bool), problems)
    flat = np.flatnonzero(filled.ravel())  # the long rows: (row, unit) cells, in row order
    del filled
    ii, jj = np.divmod(flat, max(nu, 1))
    grid = np.empty((max(nu, 1), n), dtype=np.int32)  # one grid and its transpose for all
    by_row = np.empty((n, max(nu, 1)), dtype=np.int32)  # the contents (not made afresh each)

    def gather(content) -> ColumnCodes:
        """The long rows' cells of ``content`` as codes (blank where the unit has no such
        column), into the distinct values of all its wide columns: each unit's column coded
        into a unit × row grid (a unit's row contiguous), whose filled (row, unit) cells are
        then taken in order."""
        grid.fill(-1)
        seen: dict[str, int] = {}
        for j, u in enumerate(units):
            label = cols.pairs.get((u, content))
            if label is not None:
                c = coded[label]
                lut = np.array([seen.setdefault(v, len(seen)) for v in c.uniques] + [-1], np.int32)
                np.take(lut, c.codes, out=grid[j])
        np.copyto(by_row, grid.T)
        return ColumnCodes(by_row.ravel()[flat], np.array(list(seen), dtype=object))

    unit_codes = ColumnCodes(jj.astype(np.int32), np.asarray(units, dtype=object))
    rid = row_ids[ii]
    fid = _form_ids(rid, ii, unit_codes)
    cells, columns, written, letters, codes = {}, {}, {}, {}, {}

    def add(label, code, values, head, letter):
        """A long column from its cells (an object array), or from its codes (a
        :class:`ColumnCodes`: its cells are made only if asked for)."""
        if isinstance(values, ColumnCodes):
            codes[label] = values
        else:
            cells[label] = values
        columns[label], written[label], letters[label] = code, head, letter

    id_head = raw.written[cols.row_id] if cols.row_id else "(row number)"
    id_letter = raw.letters[cols.row_id] if cols.row_id else ""
    add("问卷编号", "form_id", fid, id_head, id_letter)
    add("被评单位", "unit", unit_codes, "(unit of the column header)", "")
    long_columns = {}
    for lab, code in raw.columns.items():
        if code in (None, "form_id", "unit", "comment", *dims, *scheme.identifier_columns):
            continue
        add(lab, code, _take(raw.column_codes(lab), ii), raw.written[lab], "")
    row_comment_label = next(
        (
            lab
            for lab, c in raw.columns.items()
            if c == "comment" and lab not in cols.pairs.values()
        ),
        None,
    )
    comment = gather("comment").values()
    if row_comment_label is not None:
        row_comment = raw.values(row_comment_label)[ii]
        own = np.array([(u, "comment") in cols.pairs for u in units], bool)
        comment = np.where(own[jj], comment, row_comment) if nu else row_comment
    head = raw.written[row_comment_label] if row_comment_label else "意见建议"
    add("意见建议", "comment", comment, head, "")
    long_columns[head] = "comment"
    for d in dims:
        label = scheme.label("dimensions", d)
        add(label, d, gather(d), label, "")
        long_columns[label] = d
    long = dataclasses.replace(  # columnar: no frame of 16M-cell object columns unless asked
        raw,
        frame=None,
        columns=MappingProxyType(columns),
        written=MappingProxyType(written),
        letters=MappingProxyType(letters),
        numeric=MappingProxyType({}),
        codes=MappingProxyType(codes),
        cells=MappingProxyType(cells),
        row_numbers=SYNTHETIC_ROW_BASE + np.arange(len(ii), dtype=np.int64),
        problems=problems_frame(problems),
    )
    headers = {pair: cols.heads[lab] for pair, lab in cols.pairs.items()}
    wide = WideMap(
        file=raw.file,
        rows=raw.row_numbers[ii],
        units=unit_codes.uniques[jj] if nu else np.array([], object),
        respondent=rid,
        headers=MappingProxyType(headers),
        long_columns=MappingProxyType(long_columns),
    )
    return long, wide


def _example_header(scheme: Scheme, lookup) -> str:
    """A rating header for the message of a wide file without one: the first unit named in
    the units file (else 党政办) and the scheme's first content."""
    unit = next(
        (k for k, code in (lookup or {}).items() if k.casefold() != str(code).casefold()), "党政办"
    )
    return f"{unit}-{scheme.label('dimensions', scheme.dimension_codes[0])}"


def _damaged_row_ids(raw: RawTable, label, scheme: Scheme, row_ids, problems: list) -> None:
    """An error for each row whose id lost precision in Excel (:func:`.raw.damaged_ids`): its
    forms' ids are made from it, so they would carry the damage unseen."""
    if label is None:
        return
    limit = scheme.rules.max_id_digits
    lost, shown = damaged_ids(raw, label, limit=limit, values=row_ids)
    for i in np.flatnonzero(lost):
        problems.append(
            problem(
                "error",
                raw.file,
                row=int(raw.row_numbers[i]),
                column=raw.written[label],
                value=shown[i],
                reason=id_precision_reason(limit),
                code="id_precision",
            )
        )


def _warn_empty_rows(raw: RawTable, empty: np.ndarray, problems: list) -> None:
    """A warning for each row (mask ``empty``) that rates no unit: it makes no form."""
    for i in np.flatnonzero(empty):
        problems.append(
            problem(
                "warning",
                raw.file,
                row=int(raw.row_numbers[i]),
                column=None,
                value=None,
                reason="no unit is rated on this row; the row makes no form",
                code="empty_wide_row",
            )
        )


def _take(coded: ColumnCodes, rows: np.ndarray) -> ColumnCodes:
    """The codes of ``rows`` (positions), into the same distinct values."""
    return ColumnCodes(coded.codes[rows], coded.uniques)


def _form_ids(rid: np.ndarray, ii: np.ndarray, units: ColumnCodes) -> ColumnCodes:
    """Form ids ``<row id>/<unit>`` (blank where the row id is), as codes: one per form when
    the row ids are distinct, else equal codes for equal ids."""
    new_row = np.ones(len(ii), bool)  # a form of another row than the one before it
    np.not_equal(ii[1:], ii[:-1], out=new_row[1:])  # (no int64 difference of 16M forms)
    first = np.flatnonzero(new_row)  # each row's first form
    # joined in Arrow from each row's and each unit's text taken (not 16M objects converted)
    text = pa.array(rid[first], type=pa.string(), from_pandas=True)
    row_of = np.cumsum(new_row)
    row_of -= 1  # each form's row among the rows with a form
    text = text.take(pa.array(row_of))
    unit = pa.array(units.uniques, type=pa.string()).take(pa.array(units.codes))
    joined_arrow = pc.binary_join_element_wise(text, unit, "/")
    joined = joined_arrow.to_numpy(zero_copy_only=False).astype(object, copy=False)
    row_codes, distinct = pd.factorize(rid[first])
    if len(distinct) == len(row_codes) and (row_codes >= 0).all():  # distinct row ids
        return ColumnCodes(np.arange(len(joined), dtype=np.int64), joined, joined_arrow)
    codes, uniques = pd.factorize(joined)
    return ColumnCodes(codes.astype(np.int64), np.asarray(uniques, dtype=object))


def _row_ids(raw: RawTable, label: str | None) -> np.ndarray:
    """Each row's id as text (None when blank): the id column, else the row number."""
    if label is None:
        return np.array([str(r) for r in raw.row_numbers], dtype=object)
    return raw.values(label).copy()


__all__ = [
    "ROW_ID_HEADERS",
    "SEPARATORS",
    "SYNTHETIC_ROW_BASE",
    "WIDE_MAX_COLUMNS",
    "WIDE_OTHER_COLUMNS",
    "WIDE_RESPONDENTS",
    "WideMap",
    "content_lookup",
    "is_wide",
    "parse_rating_header",
    "units_above",
    "wide_limits",
    "widen",
]
