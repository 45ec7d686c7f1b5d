"""The responses as a Parquet file DuckDB can read, with its columns named by code.

A Parquet responses file is read where it lies; a CSV is first streamed once into a temporary
Parquet file with a ``__row`` column (the row the user sees), holding only the keys, the
answers and the columns the row checks read (:data:`EXTRA`) — never a respondent identifier.

When the forms name their respondents (a respondent column such as 答卷人编号, or, with a
pseudonym key, the identifier columns 评议人姓名 / 联系电话), the staged file also holds
:data:`RESPONDENT`: each form's respondent as ``validate_cycle`` gives it (the column's text
normalised, or the keyed pseudonym of the phone number, else of the name:
:func:`respondents_of`).  A Parquet file is then staged too, so that the respondent design and
the respondent checks of the out-of-core backends see the same respondents as the in-memory
path (the identifiers themselves are never written).

Examples
--------
>>> from evalstats.counts.backends.source import stage_source
>>> src = stage_source(resp, "2026L/responses.csv", scheme, tmp, problems)  # doctest: +SKIP
>>> src.columns["unit"]  # doctest: +SKIP
'c1'
"""

from __future__ import annotations

import codecs
import csv
import io as _io
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from evalstats.core.errors import InputError
from evalstats.core.files import sha256_file
from evalstats.core.scheme import Scheme, normalize_label
from evalstats.inputs.read import HEADER_SEARCH_ROWS, combine_headers, find_header

CSV_BATCH_BYTES = 1 << 24
"""Bytes of CSV read per block when a CSV is staged."""
KEYS = ("form_id", "unit", "group")
"""The key columns of the responses (besides the answers)."""
EXTRA = ("comment", "comment_kind", "collector", "submitted_at")
"""Responses columns read besides the keys and the answers (by the row checks, never counted)."""
RESPONDENT = "__respondent"
"""The staged column of each form's respondent (:func:`respondents_of`); never an identifier."""


@dataclass(frozen=True)
class StagedSource:
    """The responses as a Parquet file DuckDB can read, with its columns named by code.

    Attributes
    ----------
    parquet : str
        The Parquet file (the responses file itself, or the staged CSV).
    row_sql : str
        SQL giving the row the user sees.
    columns : dict
        Code → physical column name.
    written : dict
        Code → header as written.
    file : str
        The responses file as shown to the user.
    sha256, size, encoding, header_row
        As in the ``inputs`` table.
    wide : WideColumns or None
        A file in the wide layout: how its columns make the long table
        (:mod:`~evalstats.counts.backends.widestage`); ``parquet`` is then still the wide file
        (the scan stages it long).
    """

    parquet: str
    row_sql: str
    columns: dict  # code -> physical column name
    written: dict  # code -> header as written
    file: str
    sha256: str
    size: int
    encoding: str | None
    header_row: int
    wide: object = None  # WideColumns of a wide file, staged long (widestage)


def map_headers(names, scheme: Scheme, file: str, header_row: int, problems: list):
    """Header names → ``({code: column}, {code: header as written})``; problems for unknown,
    duplicated and missing columns appended to ``problems``.

    Examples
    --------
    >>> names = ["问卷编号", "被评单位"]
    >>> found, written = map_headers(names, scheme, "r.csv", 1, [])  # doctest: +SKIP
    """
    from evalstats.inputs.read import column_letter, problem

    lookup = scheme.header_lookup("responses")
    found: dict[str, str] = {}
    written: dict[str, str] = {}
    for j, name in enumerate(names):
        code = lookup.get(normalize_label(name)) if str(name).strip() else None
        if code is None:
            if str(name).strip():
                problems.append(
                    problem(
                        "warning",
                        file,
                        row=header_row,
                        column=name,
                        value=None,
                        reason=f"unknown column is ignored (column {column_letter(j)})",
                        code="unknown_column",
                    )
                )
        elif code in found:
            problems.append(
                problem(
                    "error",
                    file,
                    row=header_row,
                    column=name,
                    value=None,
                    reason=f"duplicated column: column {column_letter(j)} means the same as column "
                    f"{column_letter(names.index(found[code]))} ({written[code]})",
                    code="duplicate_column",
                )
            )
        else:
            found[code] = name
            written[code] = str(name).strip()
    for code in (*KEYS, *scheme.dimension_codes):
        if code not in found:
            shown = (
                scheme.label("dimensions", code)
                if code in scheme.dimension_codes
                else scheme.headers["responses"][code][0]
            )
            problems.append(
                problem(
                    "error",
                    file,
                    row=header_row,
                    column=shown,
                    value=None,
                    reason=f"required column is missing ({code})",
                    code="missing_column",
                )
            )
    return found, written


def _csv_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def respondent_plan(found: dict, scheme: Scheme, key) -> dict:
    """Code → column each form's respondent is made of, as ``validate_cycle`` makes it: the
    respondent column (答卷人编号 …) if the responses have one, else with a pseudonym key the
    identifier columns in the scheme's order of precedence; ``{}`` when the forms name no
    respondent.

    Examples
    --------
    >>> respondent_plan({"form_id": "c0", "respondent_phone": "c7"}, scheme, None)  # doctest: +SKIP
    {}
    """
    if "respondent" in found:
        return {"respondent": found["respondent"]}
    if key is None:
        return {}
    return {c: found[c] for c in scheme.identifier_columns if c in found}


def respondents_of(table: pa.Table, plan: dict, key) -> pa.Array:
    """Each row's respondent (pyarrow strings, null where none) from the columns of ``plan``
    (:func:`respondent_plan`): the respondent column's text NFKC-normalised and trimmed, as
    the in-memory reader gives it; or the keyed pseudonym of the first identifier filled
    (:func:`evalstats.inputs.pseudonym.pseudonymize`, only the distinct values hashed).

    Examples
    --------
    >>> t = pa.table({"c3": ["Ｒ1 ", "", "r2"]})
    >>> respondents_of(t, {"respondent": "c3"}, None).to_pylist()
    ['R1', None, 'r2']
    """
    from evalstats.inputs import pseudonym as _pseudonym
    from evalstats.inputs.read.cells import normalize_column

    def cells(name, idx=None):
        col = table.column(name)
        col = col if idx is None else col.take(pa.array(idx))
        return normalize_column(pd.Series(col.to_pylist(), dtype=object), free_text=False)

    if "respondent" in plan:
        return pa.array(cells(plan["respondent"]), pa.string())
    out = np.full(table.num_rows, None, dtype=object)
    todo = np.ones(table.num_rows, bool)
    for code, name in plan.items():  # precedence: the scheme's order (validate_cycle's)
        idx = np.flatnonzero(todo)
        p = _pseudonym.pseudonymize(cells(name, idx), key, kind=_pseudonym.KIND_OF_COLUMN[code])
        out[idx] = p
        todo[idx] = pd.isna(p)
    return pa.array(out, pa.string())


def _staged_batch(batch, first_row: int, keep: list, plan: dict, key) -> pa.Table:
    """One block of the responses as staged: the columns ``keep``, :data:`RESPONDENT` (when
    ``plan``) and ``__row``."""
    table = pa.Table.from_batches([batch])
    out = table.select(keep)
    if plan:
        out = out.append_column(RESPONDENT, respondents_of(table, plan, key))
    rows = pa.array(np.arange(first_row, first_row + table.num_rows))
    return out.append_column("__row", rows)


def _read_columns(found: dict, scheme: Scheme) -> dict:
    """Code → column of the columns the scan and the checks read (never an identifier)."""
    return {c: found[c] for c in (*KEYS, *scheme.dimension_codes, *EXTRA) if c in found}


def _stage_parquet(resp: Path, scheme: Scheme, tmp: str, found: dict, *, plan: dict, key) -> str:
    """A Parquet file whose forms name respondents, staged as a CSV is (its columns that the
    scan reads, :data:`RESPONDENT` and ``__row``) so that no identifier is read again."""
    import pyarrow.parquet as pq

    keep = list(_read_columns(found, scheme).values())
    read = list(dict.fromkeys([*keep, *plan.values()]))
    out = os.path.join(tmp, "responses.parquet")
    n = 0
    writer = None
    try:
        for batch in pq.ParquetFile(resp).iter_batches(batch_size=1 << 16, columns=read):
            table = _staged_batch(batch, 2 + n, keep, plan, key)
            n += batch.num_rows
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return out


def _stage_csv(
    path: Path, shown: str, scheme: Scheme, tmp: str, problems: list, *, wide_check, key=None
):
    """Stream a CSV once into a Parquet file with a ``__row`` column (row the user sees)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    encoding = _csv_encoding(head)
    text = head.decode(encoding, errors="ignore")
    records = list(itertools.islice(csv.reader(_io.StringIO(text)), HEADER_SEARCH_ROWS))
    hdr = find_header(records, scheme.header_lookup("responses"))
    if hdr is None:
        raise InputError(
            pd.DataFrame(
                [["error", shown, None, None, None, "no header row found", "no_header"]],
                columns=["severity", "file", "row", "column", "value", "reason", "code"],
                dtype=object,
            )
        )
    first, last = hdr
    width = max(len(r) for r in records[first : last + 1])
    headers = combine_headers(records, first, last, width)
    names = [f"c{j}" for j in range(len(headers))]
    wide = wide_check(headers, names, last + 1) if wide_check is not None else None
    if wide is None:
        found, written = map_headers(headers, scheme, shown, last + 1, problems)
        cols = {code: names[headers.index(h)] for code, h in found.items()}
        staged = list(_read_columns(cols, scheme).values())
        plan = respondent_plan(cols, scheme, key)
    else:  # every column the long table is made of
        cols, written = {}, {}
        staged = [
            *wide.pairs.values(),
            *wide.others.values(),
            *(c for c in (wide.row_id, wide.comment) if c is not None),
        ]
        plan = {}
    staged = sorted(set(staged), key=names.index)
    read_cols = sorted(set(staged) | set(plan.values()), key=names.index)
    read = pacsv.ReadOptions(
        encoding="utf8" if encoding == "utf-8" else encoding,
        skip_rows=last + 1,
        column_names=names,
        block_size=CSV_BATCH_BYTES,
        use_threads=True,
    )
    parse = pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in read_cols},
        strings_can_be_null=False,
        include_columns=read_cols,
    )
    out = os.path.join(tmp, "responses.parquet")
    first_row = last + 2
    n = 0
    writer = None
    try:
        reader = pacsv.open_csv(
            str(path), read_options=read, parse_options=parse, convert_options=convert
        )
        for batch in reader:
            table = _staged_batch(batch, first_row + n, staged, plan, key)
            n += batch.num_rows
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        reason = (
            f"cannot read this CSV out of core ({exc}); check the file with the pandas "
            "backend (evalstats validate), which names the row"
        )
        raise InputError(
            pd.DataFrame(
                [["error", shown, None, None, None, reason, "unreadable"]],
                columns=["severity", "file", "row", "column", "value", "reason", "code"],
                dtype=object,
            )
        ) from None
    finally:
        if writer is not None:
            writer.close()
    cols = {code: name for code, name in cols.items() if name in staged}
    if plan:
        cols["respondent"] = RESPONDENT
    return out, '"__row"', cols, written, encoding, last + 1, wide


def stage_source(
    resp: Path,
    shown: str,
    scheme: Scheme,
    tmp: str,
    problems: list,
    *,
    wide_check=None,
    key=None,
) -> StagedSource:
    """The responses file ``resp`` as a :class:`StagedSource`: a Parquet file as it is, a CSV
    staged into ``tmp``; header problems appended to ``problems`` (``shown``: the file as the
    user sees it).  ValueError for another format.  ``wide_check(headers, names, header_row)``
    gives the :class:`~evalstats.counts.backends.widestage.WideColumns` of a header in the wide
    layout (else None); such a file is staged with every column the long table is made of.
    ``key``: the pseudonym key in effect (or None); forms naming respondents
    (:func:`respondent_plan`) are staged with :data:`RESPONDENT`, a Parquet file too.

    Examples
    --------
    >>> stage_source(Path("2026L/responses.parquet"), "2026L/responses.parquet", scheme,
    ...              tmp, [])  # doctest: +SKIP
    """
    sha, size = sha256_file(resp, chunk=1 << 22), resp.stat().st_size
    if resp.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        names = list(pq.ParquetFile(resp).schema_arrow.names)
        wide = wide_check(names, names, 1) if wide_check is not None else None
        found, written = ({}, {}) if wide else map_headers(names, scheme, shown, 1, problems)
        plan = {} if wide else respondent_plan(found, scheme, key)
        if plan:
            out = _stage_parquet(resp, scheme, tmp, found, plan=plan, key=key)
            cols = {**_read_columns(found, scheme), "respondent": RESPONDENT}
            return StagedSource(out, '"__row"', cols, written, shown, sha, size, None, 1, None)
        return StagedSource(
            str(resp), "(file_row_number + 2)", found, written, shown, sha, size, None, 1, wide
        )
    if resp.suffix.lower() in (".csv", ".txt"):
        out, row_sql, cols, written, enc, hrow, wide = _stage_csv(
            resp, shown, scheme, tmp, problems, wide_check=wide_check, key=key
        )
        return StagedSource(out, row_sql, cols, written, shown, sha, size, enc, hrow, wide)
    raise ValueError(
        f"the out-of-core backends read Parquet or CSV responses; got {resp.name} "
        "(use backend='pandas', or save the responses as CSV)"
    )


__all__ = [
    "CSV_BATCH_BYTES",
    "EXTRA",
    "KEYS",
    "RESPONDENT",
    "StagedSource",
    "map_headers",
    "respondent_plan",
    "respondents_of",
    "stage_source",
]
