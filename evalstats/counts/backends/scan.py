"""The out-of-core validation scan of a large cycle (:func:`scan_cycle`).

DuckDB reads the responses where they lie (:mod:`~evalstats.counts.backends.duckdb`); only the
rows with a problem, the rows whose form id occurs more than once and the voided rows are
brought into memory and judged by ``validate_cycle``'s rules
(:mod:`~evalstats.counts.backends.judge`).  The small tables (units, forms issued, incidents,
exclusions) are read in memory with the same code as
:func:`~evalstats.inputs.validate.validate_cycle`.  The checks are listed in
:mod:`evalstats.counts.backends`.

Examples
--------
>>> from evalstats.counts.backends.scan import scan_cycle
>>> s = scan_cycle("data/raw/2026L", memory_limit="1GB")  # doctest: +SKIP
>>> s.ok, s.rows_read  # doctest: +SKIP
(True, 10000000)
"""

from __future__ import annotations

import dataclasses
import posixpath
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evalstats.core.config import resolve_path
from evalstats.core.errors import InputError
from evalstats.core.files import slash_path
from evalstats.core.options import check_shown
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.counts.backends.choose import responses_file
from evalstats.counts.backends.duckdb import (
    SqlFragments,
    check_memory_limit,
    connect,
    distinct_labels,
    in_labels,
    quote,
    register_maps,
    repeated_hashes,
)
from evalstats.counts.backends.judge import judge_rows
from evalstats.counts.backends.labels import label_codes
from evalstats.counts.backends.source import KEYS, StagedSource, stage_source
from evalstats.counts.backends.values import value_problems
from evalstats.counts.backends.widestage import stage_wide, wide_columns, wide_map
from evalstats.inputs.read import cycle_files, read_table
from evalstats.inputs.validate import HasProblems, sort_problems

SCI_ID_SQL = r"[+-]?[0-9]+(\.[0-9]*)?[eE][+-]?[0-9]+"
"""A form id in scientific notation (precision lost in Excel), as a DuckDB regular expression."""


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class LabelMaps:
    """The raw labels of a scanned cycle and how they map to the scheme's codes.

    Attributes
    ----------
    raw : dict
        Kind (``unit``, ``group``, ``level``) → the distinct raw labels of the responses.
    codes : dict
        Kind → function giving the codes of raw labels
        (:func:`~evalstats.counts.backends.labels.label_codes`: -1 blank, -2 unknown).
    units : list
        The unit codes (categories), in the units file's order.
    unit_lookup : dict
        Normalised unit code or name → unit code.

    Examples
    --------
    >>> scan_cycle("data/raw/2026L").labels.units  # doctest: +SKIP
    ['u01', 'u02']
    """

    raw: dict
    codes: dict
    units: list
    unit_lookup: dict


@dataclass(frozen=True)
class ScannedCycle(HasProblems):
    """A large cycle validated out of core (:func:`scan_cycle`): everything but the forms.

    Attributes
    ----------
    cycle : str
    scheme : Scheme
    responses : Path
        The responses file scanned.
    units, forms_issued, incidents, exclusions, inputs : DataFrame
        As in :class:`~evalstats.inputs.validate.ValidatedCycle` (``forms_issued`` None without a
        file).
    problems : DataFrame
        Columns ``severity, file, row, column, value, reason, code``; errors first.
    duplicates : DataFrame
        Copies of forms typed twice, counted once: ``form_id, source_file, source_row,
        first_row``.
    voided : DataFrame
        Voided forms: ``form_id, unit, group, source_file, source_row, reason``.
    rows_read : int
        Rows of the responses file.
    source : StagedSource
        The responses as DuckDB reads them (for the count and the row store).
    labels : LabelMaps
        The raw labels and their codes.
    uncounted : dict
        The rows read but not counted (errors, voided forms, later copies of forms typed
        twice): ``row``, ``unit``, ``group`` (codes), ``levels`` (one code array per
        dimension) and ``void``; the count takes them off the gross counts.

    Examples
    --------
    >>> scan_cycle("data/raw/2026L").problems  # doctest: +SKIP
    """

    cycle: str
    scheme: Scheme
    responses: Path
    units: pd.DataFrame
    forms_issued: pd.DataFrame | None
    incidents: pd.DataFrame
    exclusions: pd.DataFrame
    inputs: pd.DataFrame
    problems: pd.DataFrame
    duplicates: pd.DataFrame
    voided: pd.DataFrame
    rows_read: int
    source: StagedSource | None = None
    labels: LabelMaps | None = None
    uncounted: dict | None = None

    def to_frame(self) -> pd.DataFrame:
        """The problems table."""
        return self.problems


# ---------------------------------------------------------------------- scan
def scan_cycle(
    path,
    *,
    scheme=None,
    cycle: str | None = None,
    memory_limit=None,
    threads: int | None = None,
    raise_on_error: bool = True,
    today=None,
) -> ScannedCycle:
    """Validate a large cycle out of core with DuckDB, reporting every problem with its row.

    Parameters
    ----------
    path : str or Path
        A cycle folder holding ``responses.parquet`` (or ``responses.csv``), ``units`` and
        optionally ``forms_issued``, ``incidents`` and ``exclusions``; or the responses file.
    scheme : Scheme, str or Path, optional
    cycle : str, optional
        Default: the folder's name.
    memory_limit : str or int, optional
        DuckDB's memory limit (``"2GB"``, ``"512MiB"`` or bytes); beyond it DuckDB spills to a
        temporary folder.  Default: DuckDB's (80 % of RAM).
    threads : int, optional
        DuckDB threads (default: all cores).
    raise_on_error : bool, default True
        Raise :class:`~evalstats.core.errors.InputError` when a problem is an error.
    today : date, datetime or str, optional
        The reference date (default: the machine's), as for
        :func:`~evalstats.inputs.validate.validate_cycle`: an incident dated after it or
        outside the cycle's period is an error.

    Returns
    -------
    ScannedCycle

    Notes
    -----
    The checks are listed in the module notes.  Problem rows are found by SQL filters on the
    raw labels that map to no code; only those rows, the rows whose form id occurs more than
    once and the voided rows are brought into memory.

    Examples
    --------
    >>> s = scan_cycle("data/raw/2026L", memory_limit="1GB")  # doctest: +SKIP
    >>> s.ok, s.rows_read  # doctest: +SKIP
    (True, 10000000)
    """
    with tempfile.TemporaryDirectory(prefix="evalstats-scan-") as tmp:
        return scan(
            path,
            scheme=scheme,
            cycle=cycle,
            memory_limit=memory_limit,
            threads=threads,
            raise_on_error=raise_on_error,
            tmp=tmp,
            today=today,
        )


def scan(
    path, *, scheme, cycle, memory_limit, threads, raise_on_error, tmp, shown=None, today=None
) -> ScannedCycle:
    """:func:`scan_cycle` with its staged files in the folder ``tmp``, which the caller keeps
    (:func:`~evalstats.counts.backends.count.count_cycle` counts from them afterwards).

    Examples
    --------
    >>> s = scan("data/raw/2026L", scheme=None, cycle=None, memory_limit=None, threads=None,
    ...          raise_on_error=True, tmp=holder.name)  # doctest: +SKIP
    """
    from evalstats.inputs import validate as V

    place = _arguments(path, scheme, cycle, memory_limit, raise_on_error, shown=shown)
    today = V.check_today(today)
    col = V.ProblemCollector()
    src, (wmap, wide_read) = _stage(place, tmp, col)
    tables = _read_tables(place, src, col)
    codes = _code_functions(place.scheme, tables)
    found = _query_rows(place, src, tables, codes, threads=threads, tmp=tmp, col=col, today=today)
    labels = LabelMaps(found.raw_labels, codes, tables.unit_cats, tables.unit_lookup)
    judged = judge_rows(
        found.interest,
        src=src,
        scheme=place.scheme,
        maps=codes,
        units_file=tables.units_file,
        col=col,
    )
    kept = _kept(place, tables, found, judged, col)
    issued, incidents = _issued_and_units(
        place, tables, labels=labels, found=found, kept=kept, col=col, today=today
    )
    _scored(place, tables, found, kept, col)
    problems, duplicates, voided = col.frame(), kept.duplicates, kept.voided
    if wmap is not None:  # file, row and column header of the wide file
        problems = sort_problems(wmap.restore_problems(problems))
        duplicates, voided = wmap.restore_forms(duplicates), wmap.restore_forms(voided)
    scanned = ScannedCycle(
        cycle=place.cycle,
        scheme=place.scheme,
        responses=place.resp,
        units=tables.units.reset_index(drop=True),
        forms_issued=issued,
        incidents=incidents,
        exclusions=kept.exclusions,
        inputs=tables.inputs,
        problems=problems,
        duplicates=duplicates,
        voided=voided,
        rows_read=found.n_rows if wide_read is None else wide_read,
        source=src,
        labels=labels,
        uncounted=kept.uncounted,
    )
    if raise_on_error and not scanned.ok:
        raise InputError(scanned.problems)
    return scanned


# ---------------------------------------------------------------------- the steps
@dataclass(frozen=True)
class _Place:
    """The checked arguments of a scan and where its files are."""

    scheme: Scheme
    cycle: str
    memory_limit: str | None
    resp: Path
    folder: Path
    shown_folder: str
    files: dict

    def display(self, fp: Path) -> str:
        return posixpath.join(self.shown_folder, fp.name) if self.shown_folder else fp.name

    @property
    def shown(self) -> str:
        return self.display(self.resp)


def _arguments(path, scheme, cycle, memory_limit, raise_on_error, *, shown) -> _Place:
    """The arguments checked (TypeError / ValueError naming the parameter), the files found."""
    scheme = resolve_scheme(scheme)
    if not isinstance(raise_on_error, bool):
        raise TypeError(f"raise_on_error must be True or False; got {raise_on_error!r}")
    memory_limit = check_memory_limit(memory_limit)
    resp, folder, name = responses_file(path)
    cycle = name if cycle is None else cycle
    if not isinstance(cycle, str) or not cycle.strip():
        raise ValueError(f"cycle must be a non-empty string; got {cycle!r}")
    given = slash_path(path) if shown is None else check_shown(shown)  # "/" on every system
    shown_folder = given if resolve_path(path).is_dir() else posixpath.dirname(given)
    files, _ = cycle_files(folder, display=shown_folder)
    return _Place(scheme, cycle, memory_limit, resp, folder, shown_folder, files)


def _stage(place: _Place, tmp: str, col):
    """``(the responses staged, (WideMap, wide rows read) or (None, None))``; header problems,
    dropped identifiers and a missing units file reported.  A wide file is staged long (its
    map leads back to it)."""
    from evalstats.inputs import pseudonym as _pseudonym
    from evalstats.inputs.read import problem

    scheme = place.scheme
    rows: list = []
    lookup = _unit_lookup(place)

    def wide_check(headers, names, header_row):
        return wide_columns(
            headers, names, scheme, unit_lookup=lookup, file=place.shown, header_row=header_row
        )

    key = _pseudonym.load_key(None, data_folders=[place.folder])
    src = stage_source(place.resp, place.shown, scheme, tmp, rows, wide_check=wide_check, key=key)
    wmap = n_read = None
    if src.wide is not None:
        src, wmap, n_read = _stage_long(place, src, tmp, rows)
    idents = [h for c, h in src.written.items() if c in scheme.identifier_columns]
    if idents and key is None:
        # as validate_cycle: without a key the identifiers are dropped (never read here)
        rows.append(_pseudonym.dropped_problem(place.shown, src.header_row, idents))
    if "units" not in place.files:
        rows.append(
            problem(
                "error",
                place.shown_folder,
                row=None,
                column=None,
                value=None,
                reason="no units file (expected units.xlsx, .xls, .ods or .csv); the out-of-core "
                "scan needs it",
                code="missing_file",
            )
        )
    for r in rows:
        col.add(**r)
    return src, (wmap, n_read)


def _unit_lookup(place: _Place) -> dict | None:
    """Normalised unit code or name → unit code, from the units file (None without one): the
    wide layout's headers name the units."""
    from evalstats.inputs import validate as V

    fp = place.files.get("units")
    if fp is None:
        return None
    raw = read_table(fp, table="units", scheme=place.scheme, display=place.display(fp))
    _, lookup, _ = V.validate_units(raw, place.scheme, V.ProblemCollector())
    return lookup


def _stage_long(place: _Place, src: StagedSource, tmp: str, rows: list):
    """A wide file unpivoted into a long Parquet file (:func:`stage_wide`); its header
    problems and the rows rating no unit appended to ``rows``; ``(staged source, WideMap, rows
    read)``."""
    from evalstats.inputs.read import problem
    from evalstats.inputs.read.raw import id_precision_reason

    w = src.wide
    con = connect(place.memory_limit, None, tmp)
    try:
        path, wide_rows, empty, n_read, damaged = stage_wide(
            con, src.parquet, w, place.scheme, tmp, row_sql=src.row_sql, sci_sql=SCI_ID_SQL
        )
    finally:
        con.close()
    rows.extend(w.long.problems.to_dict("records"))
    for r, rid in zip(damaged["wrow"], damaged["rid"], strict=True):
        rows.append(
            problem(
                "error",
                place.shown,
                row=int(r),
                column=w.written.get("form_id"),
                value=rid,
                reason=id_precision_reason(place.scheme.rules.max_id_digits),
                code="id_precision",
            )
        )
    for r in empty:
        rows.append(
            problem(
                "warning",
                place.shown,
                row=int(r),
                column=None,
                value=None,
                reason="no unit is rated on this row; the row makes no form",
                code="empty_wide_row",
            )
        )
    codes = ("form_id", "unit", "respondent", *w.others, *place.scheme.dimension_codes, "comment")
    staged = dataclasses.replace(
        src,
        parquet=path,
        row_sql='"__row"',
        columns={c: c for c in codes},
        written={**w.written, "respondent": "respondent"},
    )
    return staged, wide_map(w, wide_rows), n_read


@dataclass(frozen=True)
class _Tables:
    """The small tables of a cycle, read in memory, and the units validated."""

    raws: dict
    units: pd.DataFrame
    unit_lookup: dict
    unit_rows: np.ndarray
    unit_cats: list
    units_file: str | None
    inputs: pd.DataFrame


def _read_tables(place: _Place, src: StagedSource, col) -> _Tables:
    """The small tables read and the units validated; InputError when the responses lack a
    required column or there is no units file."""
    from evalstats.inputs import validate as V

    scheme = place.scheme
    raws = {
        t: read_table(fp, table=t, scheme=scheme, display=place.display(fp))
        for t, fp in place.files.items()
        if t != "responses"
    }
    if "units" in raws:
        units, unit_lookup, unit_rows = V.validate_units(raws["units"], scheme, col)
    else:
        units = pd.DataFrame(
            {c: pd.Series([], dtype=object) for c in ("unit", "name", "series", "name_en")}
        )
        unit_lookup, unit_rows = {}, np.zeros(0, np.int64)
    units_file = raws["units"].file if "units" in raws else None
    inputs = _inputs(src, raws)
    needed = (*KEYS, *scheme.dimension_codes)
    if any(c not in src.columns for c in needed) or "units" not in raws:
        problems = col.frame()
        raise InputError(problems)
    return _Tables(raws, units, unit_lookup, unit_rows, list(units["unit"]), units_file, inputs)


def _code_functions(scheme: Scheme, tables: _Tables) -> dict:
    """Kind (``unit``, ``group``, ``level``) → the function mapping raw labels to codes."""
    unit_cats, unit_lookup = tables.unit_cats, tables.unit_lookup
    group_lookup, level_lookup = scheme.lookup("groups"), scheme.level_lookup()
    codes: dict[str, Callable] = {
        "unit": lambda v: label_codes(v, unit_lookup, unit_cats),
        "group": lambda v: label_codes(v, group_lookup, scheme.group_codes),
        "level": lambda v: label_codes(v, level_lookup, scheme.level_codes),
    }
    return codes


@dataclass(frozen=True)
class _Found:
    """What the DuckDB queries found: the rows of interest and the totals."""

    raw_labels: dict
    n_rows: int
    interest: pd.DataFrame
    forms_ug: np.ndarray
    scored_u: np.ndarray  # rows per unit with at least one scored answer (gross)


SCI_SQL = (
    "((contains(form_id, 'e') OR contains(form_id, 'E')) "
    f"AND regexp_full_match(form_id, '{SCI_ID_SQL}'))"
)
"""SQL condition of a form id in scientific notation (the regular expression only on the ids
holding an e)."""
OK_ID_SQL = f"form_id IS NOT NULL AND NOT {SCI_SQL}"
"""SQL condition of a usable form id (the ids compared for copies typed twice)."""


PLAIN_ID_SQL = "regexp_full_match({x}, '[!-~]+')"
"""SQL condition of a raw form id read as it is (printable ASCII, no space: NFKC and trimming
change nothing), as :meth:`~evalstats.counts.backends.duckdb.SqlFragments.fid` reads it."""


def _bad_labels(raw: dict, codes: dict) -> dict:
    """Kind → the raw labels with a problem (blank or unknown unit or group, unknown level),
    found on the distinct labels."""
    bad = {}
    for kind in ("unit", "group", "level"):
        c = codes[kind](raw[kind])
        sel = c < 0 if kind != "level" else c == -2
        bad[kind] = [v for v, b in zip(raw[kind], sel, strict=True) if b]
    return bad


def _label_conditions(bad: dict, dims, col) -> list:
    """SQL conditions of a row with a blank or unknown unit or group or an unknown level
    (``col``: code → the column's SQL)."""
    tables = {
        "unit": "SELECT raw FROM map_unit WHERE code < 0",
        "group": "SELECT raw FROM map_group WHERE code < 0",
        "level": "SELECT raw FROM map_level WHERE code = -2",
    }
    out = [
        f"{col('unit')} IS NULL",
        in_labels(col("unit"), bad["unit"], tables["unit"]),
        f"{col('group')} IS NULL",
        in_labels(col("group"), bad["group"], tables["group"]),
        *(in_labels(col(d), bad["level"], tables["level"]) for d in dims),
    ]
    return [c for c in out if c != "FALSE"]


def _interest_rows(con, sql: SqlFragments, bad: dict, *, repeated: bool, voided: bool):
    """The rows of interest: a row with a problem (and not blank in every column read), a row
    whose form id occurs more than once, a voided row.

    A first scan keeps the candidates (temporary table ``cand``) by tests on the raw cells
    that need no normalisation: the labels against the few raw labels with a problem, the
    raw id's hash against the repeated raw ids' hashes, the raw id against the voided ids;
    every id not read as it is (:data:`PLAIN_ID_SQL`) is a candidate.  A plain id is its own
    form id, so every copy of a repeated form id is a candidate but a plain id typed once
    whose form id a candidate's normalised id equals (``5`` and ``５``): those rows are added
    by a second scan, only when the candidates hold such ids.  The exact rules then run on
    the candidates only."""
    q, rid = quote, sql.col("form_id")
    plain = PLAIN_ID_SQL.format(x=rid)
    cheap = [
        f"{rid} IS NULL",
        f"NOT {plain}",
        SCI_SQL.replace("form_id", rid),
        *_label_conditions(bad, sql.dims, sql.col),
    ]
    if repeated:
        cheap.append(f"hash({rid}) IN (SELECT h FROM repeated)")
    if voided:
        cheap.append(f"{rid} IN (SELECT form_id FROM excl)")
    raw_cols = ", ".join(f"{sql.col(c)} AS {q('raw_' + c)}" for c in ("form_id", "unit", "group"))
    raw_dims = ", ".join(f"{sql.col(d)} AS {q('raw_' + d)}" for d in sql.dims)
    select = f"SELECT {sql.src.row_sql} AS row, {raw_cols}, {raw_dims} FROM {sql.from_}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE cand AS {select} WHERE {' OR '.join(cheap)}")
    fid = sql.fid().replace(rid, q("raw_form_id"))
    raw_plain = PLAIN_ID_SQL.format(x=q("raw_form_id"))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE normalised AS SELECT DISTINCT {fid} AS f FROM cand "
        f"WHERE NOT {raw_plain} AND {fid} IS NOT NULL"
    )
    ((n_norm,),) = con.execute("SELECT count(*) FROM normalised").fetchall()
    if n_norm:
        con.execute(
            f"INSERT INTO cand SELECT * FROM ({select} WHERE {rid} IN (SELECT f FROM normalised)) "
            "WHERE row NOT IN (SELECT row FROM cand)"
        )
    # the candidates as rows_select gives them
    cols = ", ".join(f"{q('raw_' + c)} AS {q(c)}" for c in ("unit", "group", *sql.dims))
    rows = f"SELECT row, {fid} AS form_id, {cols} FROM cand"
    blank_all = " AND ".join(
        f"({q(c)} IS NULL OR trim({q(c)}) = '')" for c in ("form_id", "unit", "group", *sql.dims)
    )
    problem = ["form_id IS NULL", SCI_SQL, *_label_conditions(bad, sql.dims, q)]
    exact = [f"(({' OR '.join(problem)}) AND NOT ({blank_all}))"]
    exact.append(
        f"form_id IN (SELECT form_id FROM r WHERE {OK_ID_SQL} GROUP BY form_id HAVING count(*) > 1)"
    )
    if voided:
        exact.append("form_id IN (SELECT form_id FROM excl)")
    return con.execute(
        f"WITH r AS MATERIALIZED ({rows}) SELECT * FROM r WHERE {' OR '.join(exact)}"
    ).fetch_df()


def _query_rows(
    place: _Place, src, tables: _Tables, codes: dict, *, threads, tmp, col, today
) -> _Found:
    """The distinct raw labels, the rows of interest (problems, ids typed twice, voided forms)
    and the rows per unit × group, queried in DuckDB; the value checks of the submission
    times and the free text (:func:`~evalstats.counts.backends.values.value_problems`).

    The labels are mapped to codes once, on their distinct values; the queries then test the
    raw labels against the few that map to no code.  The form ids typed more than once are
    found by their hashes (:func:`~evalstats.counts.backends.duckdb.repeated_hashes`), and one
    scan fetches the rows with a problem, the rows of those ids and the voided rows."""
    scheme = place.scheme
    con = connect(place.memory_limit, threads, tmp)
    try:
        sql = SqlFragments(src, scheme)
        raw_labels, n_rows = distinct_labels(con, sql)
        register_maps(con, raw_labels, codes)
        # the raw ids hashed, as they are (see _interest_rows): no test per row
        repeated = repeated_hashes(con, sql, "form_id IS NOT NULL", n_rows, raw=True)
        if len(repeated):
            _temp_table(con, "repeated", pd.DataFrame({"h": repeated}))
        excl_ids = _exclusion_ids(tables.raws.get("exclusions"), scheme)
        if excl_ids:
            _temp_table(con, "excl", pd.DataFrame({"form_id": pd.Series(excl_ids, dtype=object)}))
        interest = _interest_rows(
            con,
            sql,
            _bad_labels(raw_labels, codes),
            repeated=bool(len(repeated)),
            voided=bool(excl_ids),
        )
        forms_ug, scored_u = _by_unit_group(
            con, sql, raw_labels, codes, nu=len(tables.unit_cats), scheme=scheme
        )
        value_problems(src, con=con, sql=sql, col=col, today=today)
    finally:
        con.close()
    interest = interest.sort_values("row", kind="stable").reset_index(drop=True)
    return _Found(raw_labels, n_rows, interest, forms_ug, scored_u)


@dataclass(frozen=True)
class _Kept:
    """Which rows of interest are counted: the exclusions validated, the voided forms, the
    copies counted once and the uncounted rows' codes."""

    exclusions: pd.DataFrame
    voided: pd.DataFrame
    duplicates: pd.DataFrame
    uncounted: dict


def _kept(place: _Place, tables: _Tables, found: _Found, r: dict, col) -> _Kept:
    """The voided forms, the forms typed twice and the uncounted rows of the judged rows."""
    from evalstats.inputs import validate as V

    scheme, shown, interest = place.scheme, place.shown, found.interest
    unit_cats = tables.unit_cats
    excl_raw = tables.raws.get("exclusions")
    exclusions = V.validate_exclusions(excl_raw, scheme, set(interest["form_id"].dropna()), col)
    excl_reason = dict(zip(exclusions["form_id"], exclusions["reason"], strict=True))
    fid = interest["form_id"].astype(object)
    is_void = r["keep"] & fid.isin(excl_reason.keys()).to_numpy()
    uncounted = ~r["keep"] | is_void
    vpos = np.flatnonzero(is_void)
    voided = pd.DataFrame(
        {
            "form_id": pd.Series(fid.to_numpy()[vpos], dtype=object),
            "unit": pd.Series(_names(r["unit"][vpos], unit_cats), dtype=object),
            "group": pd.Series(_names(r["group"][vpos], scheme.group_codes), dtype=object),
            "source_file": pd.Series([shown] * len(vpos), dtype=object),
            "source_row": pd.Series(interest["row"].to_numpy()[vpos], dtype="int64"),
            "reason": pd.Series([excl_reason[i] for i in fid.to_numpy()[vpos]], dtype=object),
        }
    )
    dpos = np.flatnonzero(r["dup_later"])
    duplicates = pd.DataFrame(
        {
            "form_id": pd.Series(fid.to_numpy()[dpos], dtype=object),
            "source_file": pd.Series([shown] * len(dpos), dtype=object),
            "source_row": pd.Series(interest["row"].to_numpy()[dpos], dtype="int64"),
            "first_row": pd.Series(r["dup_first_row"][dpos], dtype="int64"),
        }
    )
    upos = np.flatnonzero(uncounted)
    uncounted_codes = {
        "row": interest["row"].to_numpy(np.int64)[upos],
        "unit": r["unit"][upos],
        "group": r["group"][upos],
        "levels": [r["levels"][d][upos] for d in scheme.dimension_codes],
        "void": is_void[upos],
    }
    return _Kept(exclusions, voided, duplicates, uncounted_codes)


def _issued_and_units(
    place, tables: _Tables, *, labels: LabelMaps, found: _Found, kept, col, today
):
    """``(forms issued, incidents)`` validated: returned above issued and the units without
    forms reported."""
    from evalstats.inputs import validate as V

    scheme, raws = place.scheme, tables.raws
    unit_cats, unit_lookup, units = tables.unit_cats, tables.unit_lookup, tables.units
    issued, issued_info = V.validate_issued(
        raws.get("forms_issued"), scheme, unit_lookup, unit_cats, col
    )
    if issued is not None:
        have = _returned(found.forms_ug, kept.uncounted, unit_cats, scheme.group_codes)
        V.returned_problems(raws["forms_issued"], issued, issued_info, have, col)
    incidents = V.validate_incidents(
        raws.get("incidents"), scheme, unit_lookup, unit_cats, col, cycle=place.cycle, today=today
    )
    attempted = {unit_cats[c] for c in labels.codes["unit"](labels.raw["unit"]) if c >= 0}
    if tables.units_file is not None and len(units):
        ucol = raws["units"].column_for("unit")
        for code, row in zip(units["unit"], tables.unit_rows, strict=True):
            if code not in attempted:
                col.add(
                    "warning",
                    tables.units_file,
                    row=int(row),
                    column=raws["units"].written[ucol],
                    value=code,
                    reason="unit has no forms in the responses",
                    code="unit_without_forms",
                )
    return issued, incidents


def _scored(place: _Place, tables: _Tables, found: _Found, kept: _Kept, col) -> None:
    """No scored answer in the cycle (an error), or for a unit with forms (a warning), as
    :func:`~evalstats.inputs.validate.validate_cycle` reports them: the gross rows with a scored
    answer less the uncounted ones (errors, voided forms, later copies)."""
    from evalstats.inputs import validate as V

    scheme, unc = place.scheme, kept.uncounted
    n_valid = len(scheme.valid_level_codes)
    net = found.scored_u.copy()
    levels = np.asarray(unc["levels"])  # dimension × uncounted row
    if levels.ndim == 2 and levels.shape[1]:
        has_valid = ((levels >= 0) & (levels < n_valid)).any(axis=0)
        np.subtract.at(net, unc["unit"][(unc["unit"] >= 0) & has_valid], 1)
    returned: dict = {}
    for (u, _), n in _returned(found.forms_ug, unc, tables.unit_cats, scheme.group_codes).items():
        returned[u] = returned.get(u, 0) + n
    V.scored_answer_problems(
        {u: int(n) for u, n in zip(tables.unit_cats, net, strict=True)},
        returned,
        col,
        responses_file=place.shown,
        units_raw=tables.raws.get("units"),
        units=tables.units,
        unit_rows=tables.unit_rows,
    )


def _temp_table(con, name: str, frame: pd.DataFrame) -> None:
    """``frame`` as the DuckDB temporary table ``name``."""
    con.register(f"_{name}_df", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _{name}_df")
    con.unregister(f"_{name}_df")


def _by_unit_group(con, sql: SqlFragments, raw: dict, codes: dict, *, nu: int, scheme):
    """``(rows per unit × group, rows per unit with a scored answer)`` (codes), from the raw
    unit and group labels, mapped afterwards.

    The first counts leave out rows with an unusable unit or group; the second, rows with an
    unusable unit, and counts a row with at least one answer among the scheme's scored levels
    (the first ``len(scheme.valid_level_codes)`` level codes) whatever its group: the rows per
    unit less those without one (few, and found by testing the first answer on every row,
    the second only on the rows left, ...)."""
    n_valid = len(scheme.valid_level_codes)
    lv = codes["level"](raw["level"])
    # a row without a scored answer: each answer blank or a label of no scored level (a
    # positive list, which DuckDB tests against the file's dictionaries: 2-3x less CPU than
    # NOT IN the scored labels, measured at 1e7 forms)
    other = [v for v, c in zip(raw["level"], lv, strict=True) if not 0 <= c < n_valid]
    table = f"SELECT raw FROM map_level WHERE code < 0 OR code >= {n_valid}"
    none_scored = " AND ".join(
        f"({sql.col(d)} IS NULL OR {in_labels(sql.col(d), other, table)})" for d in sql.dims
    )
    u_, g_ = sql.col("unit"), sql.col("group")
    f = con.execute(
        f"SELECT {u_} AS u, {g_} AS g, count(*) AS n FROM {sql.agg_from} GROUP BY ALL"
    ).fetch_df()
    unscored = con.execute(
        f"SELECT {u_} AS u, count(*) AS n FROM {sql.agg_from} WHERE {none_scored or 'TRUE'} "
        "GROUP BY ALL"
    ).fetch_df()
    u = codes["unit"](f["u"].tolist())
    g = codes["group"](f["g"].tolist())
    n = f["n"].to_numpy(np.int64)
    forms_ug = np.zeros((nu, len(scheme.group_codes)), np.int64)
    ok = (u >= 0) & (g >= 0)
    np.add.at(forms_ug, (u[ok], g[ok]), n[ok])
    scored_u = np.zeros(nu, np.int64)
    np.add.at(scored_u, u[u >= 0], n[u >= 0])
    u0 = codes["unit"](unscored["u"].tolist())
    np.subtract.at(scored_u, u0[u0 >= 0], unscored["n"].to_numpy(np.int64)[u0 >= 0])
    return forms_ug, scored_u


def _returned(forms_ug: np.ndarray, unc: dict, units, groups) -> dict:
    """(unit, group) → forms returned (counted + voided), as validate_cycle counts them."""
    ng = forms_ug.shape[1]
    ok = (unc["unit"] >= 0) & (unc["group"] >= 0) & ~unc["void"]
    net = forms_ug.copy()
    np.subtract.at(net, (unc["unit"][ok], unc["group"][ok]), 1)
    return {
        (units[i // ng], groups[i % ng]): int(v) for i, v in enumerate(net.reshape(-1)) if v > 0
    }


def _names(codes, categories) -> np.ndarray:
    cats = np.asarray(list(categories), dtype=object)
    out = np.full(len(codes), None, dtype=object)
    ok = codes >= 0
    out[ok] = cats[codes[ok]]
    return out


def _inputs(src: StagedSource, raws: dict) -> pd.DataFrame:
    from evalstats.inputs.validate import INPUTS_INT_COLUMNS, OPTIONAL_INPUTS, inputs_row

    rows = [
        {
            "table": "responses",
            "file": src.file,
            "sha256": src.sha256,
            "size": src.size,
            "encoding": src.encoding,
            "sheet": None,
            "header_row": src.header_row,
            "rows": None,
        }
    ]
    rows += [inputs_row(raws[t]) for t in ("units", *OPTIONAL_INPUTS) if t in raws]
    cols = ("table", "file", "sha256", "size", "encoding", "sheet", "header_row", "rows")
    return pd.DataFrame(
        {
            c: pd.Series([r[c] for r in rows], dtype="Int64" if c in INPUTS_INT_COLUMNS else object)
            for c in cols
        }
    )


def _exclusion_ids(raw, scheme) -> list:
    if raw is None or raw.header_row is None or len(raw.frame) == 0:
        return []
    label = raw.column_for("form_id")
    if label is None:
        return []
    return [v for v in raw.frame[label].dropna().unique()]


__all__ = ["SCI_ID_SQL", "LabelMaps", "ScannedCycle", "scan", "scan_cycle"]
