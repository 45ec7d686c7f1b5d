"""Validation of a whole cycle: every input table read, checked, and gathered into one result.

Examples
--------
>>> from evalstats.inputs.validate.cycle import check_cycle, validate_cycle
>>> validate_cycle("data/raw/2026H1").ok  # doctest: +SKIP
True
"""

from __future__ import annotations

import dataclasses
import functools
import posixpath
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evalstats.core.config import resolve_path
from evalstats.core.errors import InputError
from evalstats.core.files import slash_path
from evalstats.core.options import check_shown
from evalstats.core.scheme import Scheme, normalize_label, resolve_scheme
from evalstats.inputs import forms as _forms
from evalstats.inputs import pseudonym as _pseudonym
from evalstats.inputs.read import (
    PARQUET_EXTENSIONS,
    SPREADSHEET_EXTENSIONS,
    RawTable,
    cycle_files,
    read_table,
)
from evalstats.inputs.read.peek import HeaderRows, read_header_rows
from evalstats.inputs.read.wide import WideMap, units_above, wide_limits, widen
from evalstats.inputs.validate.columns import column_values, usable
from evalstats.inputs.validate.identifiers import Identifiers, protect_identifiers, redact
from evalstats.inputs.validate.problems import ProblemCollector, sort_problems
from evalstats.inputs.validate.responses import build_forms, validate_responses
from evalstats.inputs.validate.result import ValidatedCycle
from evalstats.inputs.validate.tables import (
    INPUTS_INT_COLUMNS,
    OPTIONAL_INPUTS,
    inputs_row,
    returned_problems,
    validate_exclusions,
    validate_incidents,
    validate_issued,
    validate_units,
)
from evalstats.inputs.validate.values import (
    check_today,
    future_submissions,
    scored_answer_problems,
    unsafe_text_problems,
)


def validate_cycle(
    path,
    *,
    scheme=None,
    cycle=None,
    raise_on_error=True,
    key=None,
    key_file=None,
    shown=None,
    progress=None,
    today=None,
) -> ValidatedCycle:
    """Read and validate a cycle's inputs, reporting every problem at once.

    Parameters
    ----------
    path : str or Path
        A cycle folder (``data/raw/2026H1``) holding ``responses``, ``units`` and optionally
        ``forms_issued``, ``incidents`` and ``exclusions`` (.xlsx, .xls, .ods or .csv); or one
        responses file, whose sibling files are then used.  Relative paths resolve from the
        project root.
    scheme : Scheme, str or Path, optional
        The evaluation scheme (default: the bundled one).
    cycle : str, optional
        Cycle id; default: the folder's name (for a file, its folder's name).
    raise_on_error : bool, default True
        Raise :class:`~evalstats.core.errors.InputError` (carrying the problems table) when any
        problem is an error.  With False, the result holds the clean rows and the problems.
    key : PseudonymKey, str or bytes, optional
        Pseudonym key for respondent identifiers (see :mod:`evalstats.inputs.pseudonym`).  Default:
        ``EVALSTATS_PSEUDONYM_KEY`` or ``EVALSTATS_PSEUDONYM_KEY_FILE``, read only when the
        responses carry identifier columns.
    key_file : str or Path, optional
        A file holding the key instead (outside the project and the cycle folder).
    shown : str, optional
        How to name ``path`` in problems and in the ``inputs`` table (default: as given).  The
        analyses pass the cycle folder relative to the data root (``2026H1``), so no machine
        path reaches a published table.
    progress : tqdm-like, optional
        A progress bar (an object with tqdm's ``total``, ``update``, ``set_postfix_str`` and
        ``refresh``) that gets one step per input file read (the file's name shown while it
        is read; reading is most of the time of a large cycle) and one per check of a table.
    today : date, datetime or str, optional
        The reference date (the run's date; default: the machine's date).  A submission time
        after it is a warning; an incident dated after it, or outside the cycle's period
        (:func:`evalstats.core.cycles.cycle_period`), is an error.

    Returns
    -------
    ValidatedCycle

    Raises
    ------
    InputError
        Some problem is an error (only with ``raise_on_error=True``).
    UsageError
        The responses carry identifiers and the key configured is wrong (empty, shorter than
        16 bytes, unreadable, or a key file inside the project or the cycle folder).
    FileNotFoundError
        ``path`` does not exist.

    Notes
    -----
    Levels are matched after NFKC normalisation with spaces removed and case folded, by
    Chinese label, English code or label, paper digit or alias (``"满 意"``, ``"２"``,
    ``"satisfied"``).  A blank answer is missing (allowed).  A form id repeated with the same
    unit, group and answers is a warning and counted once; with anything different it is an
    error naming both rows and no copy is counted.  Rows with an error are not in ``forms``.

    Identifier columns are emptied as soon as the file is read, before any check.  With a key
    the forms (and voided forms) gain a ``respondent`` column after ``form_id``: the phone
    number's pseudonym, else the name's, None when both are blank.  Without a key the
    identifiers are dropped with one ``identifiers_dropped`` warning.  A problem's value in an
    identifier column would show as ``<redacted>``.  A responses file with a respondent-id
    column (答卷人编号, 受访者编号, 答题人, ``respondent``) gives ``respondent`` from it instead.

    A wide responses file (one row per respondent, one column per unit × content:
    :mod:`evalstats.inputs.read.wide`) makes one form per unit rated on a row, with form id
    ``<row id>/<unit>`` and ``respondent`` the row id; problems name the wide file's row and
    column header, and ``source_row`` is the row in that file.  Its limits scale with the
    units of the units file (:func:`~evalstats.inputs.read.wide.wide_limits`); a row id in
    ``exclusions`` voids every form of the row.

    Examples
    --------
    >>> v = validate_cycle("data/raw/2026H1")  # doctest: +SKIP
    >>> v.ok, len(v.forms), v.inputs["encoding"].tolist()  # doctest: +SKIP
    (True, 1469, [None, 'gb18030'])
    """
    scheme = resolve_scheme(scheme)
    today = check_today(today)
    if not isinstance(raise_on_error, bool):
        raise TypeError(f"raise_on_error must be True or False; got {raise_on_error!r}")
    col = ProblemCollector()
    where = _locate(path, col, shown)
    cycle = _cycle_id(cycle, where.folder)
    step = _Steps(progress, total=len(where.files) + _CHECKS)
    raws, header = {}, None
    for t, fp in sorted(where.files.items(), key=lambda tf: tf[0] != "units"):  # units first
        step.start(fp.name)
        if t == "responses":
            raws[t], header = _read_responses(fp, scheme, raws.get("units"), where.display(fp))
        else:
            raws[t] = read_table(fp, table=t, scheme=scheme, display=where.display(fp))
        step.done()
    step.start("")
    ident = _protect(raws, scheme, col, folder=where.folder, key=key, key_file=key_file)
    inputs = _inputs_table(raws)
    _check_responses_present(raws, where, col)
    units = _units(raws, scheme, where, col)
    step.done()
    rows_read = raws["responses"].n_rows if "responses" in raws else 0
    # a wide table is let go once made long (at 100,000 × 1,000 cells, gigabytes)
    raw, wide = _widen(raws.pop("responses", None), scheme, units, header)
    units, r = _responses(raw, scheme, units, col)
    step.done()
    if r is not None:
        r["respondent"] = _respondent(raw, ident, wide)
        _check_values(raw, r, col, today=today)
    exclusions = validate_exclusions(
        raws.get("exclusions"),
        scheme,
        _form_ids(r, wide) if r is not None and raws.get("exclusions") is not None else set(),
        col,
    )
    counted = _split_forms(raw, r, exclusions, scheme=scheme, cycle=cycle, units=units, wide=wide)
    if wide is not None:  # rows as the user sees them in the wide file
        counted = _Counted(  # not dataclasses.astuple: it deep-copies the tables
            *(wide.restore_forms(getattr(counted, f.name)) for f in dataclasses.fields(counted))
        )
    step.done()
    issued, issued_info = validate_issued(
        raws.get("forms_issued"), scheme, units.lookup, units.cats, col
    )
    if issued is not None and r is not None:
        _check_returned(raws["forms_issued"], issued, issued_info, counted, col)
    incidents = validate_incidents(
        raws.get("incidents"), scheme, units.lookup, units.cats, col, cycle=cycle, today=today
    )
    if units.file is not None and r is not None and len(units.table):
        _units_without_forms(raws["units"], units, counted, r, col)
    if r is not None:
        _check_scored(raw, raws.get("units"), units, counted, scheme=scheme, col=col)
    problems = redact(col.frame(), ident)
    if wide is not None:  # file, row and column header of the wide file
        problems = sort_problems(wide.restore_problems(problems))
    step.done()
    result = ValidatedCycle(
        cycle=cycle,
        forms=counted.forms,
        voided=counted.voided,
        units=units.table.reset_index(drop=True),
        forms_issued=issued,
        incidents=incidents,
        exclusions=exclusions,
        duplicates=counted.duplicates,
        problems=problems,
        inputs=inputs,
        scheme=scheme,
        rows_read=rows_read,
        identifiers=ident.codes,
        pseudonym_key_id=ident.key_id,
    )
    if raise_on_error and not result.ok:
        raise InputError(problems)
    return result


# ---------------------------------------------------------------------------- the steps
_CHECKS = 4
"""Steps of :func:`validate_cycle` after reading: units, responses, forms, the other tables."""


class _Steps:
    """Ticks of a caller's progress bar (or nothing, without one)."""

    def __init__(self, bar, *, total: int):
        self.bar = bar
        if bar is not None:
            bar.total = total
            bar.refresh()

    def start(self, label: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(label)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.update(1)


@dataclass(frozen=True)
class _Where:
    """Where a cycle's inputs are and how the user named them."""

    folder: Path
    path: Path  # the folder or responses file given, resolved
    shown: str  # ... as the user wrote it
    shown_folder: str
    single: bool  # one responses file given (its siblings are the other tables)
    files: dict[str, Path]
    ambiguous: pd.DataFrame  # problems of the folder: tables held by two files

    def display(self, fp: Path) -> str:
        """How to name the input file ``fp`` in problems."""
        if self.single and fp == self.path:
            return self.shown
        return posixpath.join(self.shown_folder, fp.name) if self.shown_folder else fp.name


def _locate(path, col: ProblemCollector, shown: str | None) -> _Where:
    """The cycle folder and its input files (a responses file given replaces the folder's)."""
    p = resolve_path(path)
    # inputs are named with "/" on every system (tables match)
    shown = slash_path(path) if shown is None else slash_path(check_shown(shown))
    if p.is_dir():
        files, amb = cycle_files(p, display=shown)
        col.extend(amb)
        return _Where(p, p, shown, shown, False, files, amb)
    if p.is_file():
        shown_folder = posixpath.dirname(shown)
        files, amb = cycle_files(p.parent, display=shown_folder or ".")
        col.extend(amb[~amb["reason"].str.contains("responses file")])
        files["responses"] = p
        return _Where(p.parent, p, shown, shown_folder, True, files, amb)
    raise FileNotFoundError(f"no such file or folder: {path}")


def _cycle_id(cycle, folder: Path) -> str:
    """The cycle id given, else the folder's name; a non-empty string."""
    if cycle is None:
        cycle = folder.resolve().name
    if not isinstance(cycle, str) or not cycle.strip():
        raise ValueError(f"cycle must be a non-empty string; got {cycle!r}")
    return cycle


def _protect(raws: dict, scheme: Scheme, col: ProblemCollector, *, folder, key, key_file):
    """Blank the responses' identifier columns in ``raws`` (in place); a key given is checked
    even when there are none."""
    if "responses" in raws:
        raws["responses"], ident = protect_identifiers(
            raws["responses"], scheme, col, key=key, key_file=key_file, folder=folder
        )
        return ident
    if key is not None or key_file is not None:
        _pseudonym.load_key(key, key_file=key_file, data_folders=[folder])  # check it anyway
    return Identifiers()


def _inputs_table(raws: dict) -> pd.DataFrame:
    """One row per input file (:func:`~evalstats.inputs.validate.tables.inputs_row`)."""
    input_rows = [
        inputs_row(raws[t]) for t in ("responses", "units", *OPTIONAL_INPUTS) if t in raws
    ]
    return pd.DataFrame(
        {
            c: pd.Series(
                [r[c] for r in input_rows], dtype="Int64" if c in INPUTS_INT_COLUMNS else object
            )
            for c in ("table", "file", "sha256", "size", "encoding", "sheet", "header_row", "rows")
        }
    )


def _check_responses_present(raws: dict, where: _Where, col: ProblemCollector) -> None:
    """An error when there is no responses file (unless two files claimed it)."""
    amb = where.ambiguous
    if "responses" not in raws and not amb["reason"].str.contains("responses file").any():
        col.add(
            "error",
            where.shown,
            row=None,
            column=None,
            value=None,
            reason="no responses file (expected responses.xlsx, .xls, .ods or .csv)",
            code="missing_file",
        )


@dataclass(frozen=True)
class _Units:
    """The units known to the checks: table (None until known), lookup, codes in order."""

    table: pd.DataFrame | None
    lookup: dict
    cats: list
    file: str | None = None  # the units file as named in problems; None without one
    rows: np.ndarray | None = None  # row of each unit in the units file


def _units(raws: dict, scheme: Scheme, where: _Where, col: ProblemCollector) -> _Units:
    """The units file checked; without one, a warning (a responses file given) or an error."""
    if "units" in raws:
        table, lookup, rows = validate_units(raws["units"], scheme, col)
        return _Units(table, lookup, list(table["unit"]), raws["units"].file, rows)
    if where.single:
        reason = "no units file next to the responses file: unit codes cannot be checked"
        col.add(
            "warning",
            where.shown,
            row=None,
            column=None,
            value=None,
            reason=reason,
            code="no_units_file",
        )
    else:
        reason = "no units file (expected units.xlsx, .xls, .ods or .csv)"
        col.add(
            "error",
            where.shown,
            row=None,
            column=None,
            value=None,
            reason=reason,
            code="missing_file",
        )
    return _Units(None, {}, [])


def _responses(raw: RawTable | None, scheme: Scheme, units: _Units, col: ProblemCollector):
    """The responses checked against the units; (units, mapped arrays or None).

    Without a units file the units are the values typed, in order of first appearance.
    """
    r = None
    if raw is not None:
        if units.table is None and usable(raw):
            units = _units_typed(raw)
        r = validate_responses(
            raw,
            scheme,
            col,
            unit_lookup=units.lookup,
            unit_cats=units.cats,
            units_file=units.file,
        )
    if units.table is None:
        empty = pd.DataFrame(
            {c: pd.Series([], dtype=object) for c in ("unit", "name", "series", "name_en")}
        )
        units = dataclasses.replace(units, table=empty)
    return units, r


def _read_responses(fp: Path, scheme: Scheme, units: RawTable | None, display: str):
    """The responses file read, and its top rows when it may be wide (else None).

    A file with no unit column may be wide (:mod:`evalstats.inputs.read.wide`): its top rows
    are peeked (a unit row above the contents; :func:`read_header_rows`) and it is read with
    the limits scaled to the cycle's units (:func:`~evalstats.inputs.read.wide.wide_limits`).
    A CSV file's header is peeked first (its first MiB); a workbook is read first (peeking
    it parses the whole sheet) and read again with the scaled limits only when it stopped at
    a limit.  A long file is read once, as before.
    """
    if scheme.layout == "long":
        return read_table(fp, table="responses", scheme=scheme, display=display), None
    wide = scheme
    if units is not None and usable(units):
        limits = wide_limits(scheme.limits, units=units.n_rows, contents=len(scheme.dimensions))
        wide = dataclasses.replace(scheme, limits=limits)
    header = None
    if fp.suffix.lower() not in (*SPREADSHEET_EXTENSIONS, *PARQUET_EXTENSIONS):
        header = read_header_rows(fp, table="responses", scheme=wide)
        if header is not None and _names_a_unit(header, scheme):
            return read_table(fp, table="responses", scheme=scheme, display=display), None
    raw = read_table(
        fp, table="responses", scheme=scheme if header is None else wide, display=display
    )
    if header is not None or raw.column_for("unit") is not None:
        return raw, header
    over = bool((raw.problems["code"] == "over_limit").any())
    if not over and not usable(raw):
        return raw, None
    header = read_header_rows(fp, table="responses", scheme=wide)
    if header is None or _names_a_unit(header, scheme):
        return raw, None
    if over and wide.limits != scheme.limits:
        raw = read_table(fp, table="responses", scheme=wide, display=display)
    return raw, header


def _names_a_unit(header: HeaderRows, scheme: Scheme) -> bool:
    """True when ``header`` has a unit column and the scheme lets the file be long."""
    lookup = scheme.header_lookup("responses")
    named = {lookup.get(normalize_label(h)) for h in header.headers() if h}
    return scheme.layout == "auto" and "unit" in named


def _widen(raw: RawTable | None, scheme: Scheme, units: _Units, header: HeaderRows | None):
    """A wide responses table (one row per respondent) as the long one, and its map back
    (:mod:`evalstats.inputs.read.wide`); a long one as it is, with None.  ``header``: the
    file's top rows, for a unit row above the contents."""
    if raw is None or not usable(raw):
        return raw, None
    lookup = units.lookup if units.file is not None else None
    above = units_above(header, scheme, lookup) if header is not None else None
    return widen(raw, scheme, lookup, above=above)


def _respondent(raw: RawTable, ident: Identifiers, wide: WideMap | None):
    """Each row's respondent: the wide file's row id, else the responses' ``respondent``
    column (blank → None), else the identifiers' pseudonym (None without a key)."""
    if wide is not None:
        return wide.respondent
    label = raw.column_for("respondent")
    if label is not None:
        return column_values(raw, label)
    return ident.respondent


def _units_typed(raw: RawTable) -> _Units:
    """No units file: the units are the values typed, in order of first appearance."""
    typed = column_values(raw, raw.column_for("unit"))
    seen: dict[str, str] = {}
    for v in pd.unique(typed[~pd.isna(typed)]):
        seen.setdefault(normalize_label(v), v)
    cats = list(seen.values())
    table = pd.DataFrame(
        {
            "unit": pd.Series(cats, dtype=object),
            "name": pd.Series([None] * len(cats), dtype=object),
            "series": pd.Series([None] * len(cats), dtype=object),
        }
    )
    return _Units(table, seen, cats)


@dataclass(frozen=True)
class _Counted:
    """Where each readable response ended: counted, voided, or a copy typed twice."""

    forms: pd.DataFrame
    voided: pd.DataFrame
    duplicates: pd.DataFrame


def _split_forms(
    raw, r, exclusions, *, scheme: Scheme, cycle: str, units: _Units, wide: WideMap | None = None
) -> _Counted:
    """Counted forms, voided forms (listed in the exclusions) and copies typed twice.

    In the wide layout an excluded id that is a row's id (not one of its forms') voids every
    form of the row, each with the exclusion's reason."""
    if r is None:
        empty_forms = _forms.empty_forms(scheme, units=units.cats)
        duplicates = pd.DataFrame(
            {
                "form_id": pd.Series([], dtype=object),
                "source_file": pd.Series([], dtype=object),
                "source_row": pd.Series([], dtype="int64"),
                "first_row": pd.Series([], dtype="int64"),
            }
        )
        voided = empty_forms.assign(reason=pd.Series([], dtype=object))
        return _Counted(empty_forms, voided, duplicates)
    build = functools.partial(build_forms, raw, r, scheme=scheme, cycle=cycle, unit_cats=units.cats)
    keep = ~r["err"] & ~r["dup_later"]
    excl_reason = dict(zip(exclusions["form_id"], exclusions["reason"], strict=True))
    by_form = np.zeros(len(r["fid"]), bool)
    if excl_reason:  # (16M ids are not hashed to find none of no ids)
        by_form = pd.Series(r["fid"], dtype=object).isin(excl_reason.keys()).to_numpy()
    by_row = np.zeros(len(by_form), bool)
    if wide is not None and excl_reason:  # a wide row voided whole by its row id
        by_row = ~by_form & pd.Series(wide.respondent, dtype=object).isin(excl_reason).to_numpy()
    is_void = keep & (by_form | by_row)
    forms_df = build(np.flatnonzero(keep & ~is_void))
    vpos = np.flatnonzero(is_void)
    voided = build(vpos)
    key = r["fid"][vpos]
    if by_row.any():
        key = np.where(by_row[vpos], wide.respondent[vpos], key)
    voided["reason"] = pd.Series([excl_reason[i] for i in key], dtype=object, index=voided.index)
    dpos = np.flatnonzero(r["dup_later"])
    duplicates = pd.DataFrame(
        {
            "form_id": pd.Series(r["fid"][dpos], dtype=object),
            "source_file": pd.Series([raw.file] * len(dpos), dtype=object),
            "source_row": pd.Series(raw.row_numbers[dpos], dtype="int64"),
            "first_row": pd.Series(r["dup_first_row"][dpos], dtype="int64"),
        }
    )
    return _Counted(forms_df, voided, duplicates)


def _units_without_forms(
    raw: RawTable, units: _Units, counted: _Counted, r: dict, col: ProblemCollector
) -> None:
    """A warning for each listed unit with no form in the responses (not even a bad one)."""
    have = set(_unit_counts(counted.forms["unit"], counted.voided["unit"]))
    typed = np.unique(r["unit_pos"][r["unit_pos"] >= 0])  # each unit typed, once
    attempted = set(np.asarray(units.cats, dtype=object)[typed])
    ucol = raw.column_for("unit")
    for code, row in zip(units.table["unit"], units.rows, strict=True):
        if code not in have and code not in attempted:
            col.add(
                "warning",
                units.file,
                row=int(row),
                column=raw.written[ucol],
                value=code,
                reason="unit has no forms in the responses",
                code="unit_without_forms",
            )


def _check_values(raw: RawTable, r: dict, col: ProblemCollector, *, today) -> None:
    """Submission times after ``today`` (a warning) and free text holding control characters
    (a warning naming them): :mod:`evalstats.inputs.validate.values`."""
    found = r["found"]
    if "submitted_at" in found:
        future_submissions(raw, found["submitted_at"], r["submitted"], col, today=today)
    for code in ("comment", "collector"):
        unsafe_text_problems(raw, found.get(code), col)


def _check_scored(raw, units_raw, units: _Units, counted: _Counted, *, scheme: Scheme, col) -> None:
    """No scored answer in the cycle (an error), or for a unit with forms (a warning)."""
    forms = counted.forms
    valid = list(scheme.valid_level_codes)
    any_valid = np.zeros(len(forms), bool)
    for d in scheme.dimension_codes:  # on the level codes: a valid level's position
        levels = forms[d].cat
        is_valid = np.append(levels.categories.isin(valid), False)  # -1 (blank): not valid
        any_valid |= is_valid[levels.codes.to_numpy()]
    scored = _unit_counts(forms["unit"][any_valid])
    returned = _unit_counts(forms["unit"], counted.voided["unit"])
    scored_answer_problems(
        scored,
        returned,
        col,
        responses_file=raw.file,
        units_raw=units_raw if units.file is not None else None,
        units=units.table if units.file is not None else None,
        unit_rows=units.rows,
    )


def _form_ids(r: dict, wide: WideMap | None = None) -> set:
    """The ids an exclusion may name (a set of a million ids is built only when exclusions
    name ids): the form ids read, and in the wide layout the rows' ids too (voiding a row)."""
    ids = set(r["fid"][~pd.isna(r["fid"])])
    if wide is not None:
        ids.update(wide.respondent[~pd.isna(wide.respondent)])
    return ids


def _unit_counts(*units: pd.Series) -> dict:
    """Forms per unit of the categorical ``units`` (same categories), counted on their codes:
    the dict of ``value_counts`` of the units as objects (first seen first, then by count,
    stable), without a Python object per form."""
    cats = units[0].cat.categories
    codes = np.concatenate([s.cat.codes.to_numpy() for s in units])
    codes = codes[codes >= 0]
    counts = np.bincount(codes, minlength=len(cats))
    order = _first_seen(codes, int((counts > 0).sum()))
    ranked = pd.Series(counts[order], index=cats[order]).sort_values(ascending=False, kind="stable")
    return {k: int(v) for k, v in ranked.items()}


def _first_seen(codes: np.ndarray, distinct: int) -> np.ndarray:
    """The ``distinct`` values of ``codes`` in order of first appearance, as
    ``np.unique(codes, return_index=True)`` ordered by index, from the fewest leading codes
    that hold them all (a doubling prefix: not a sort of 16M codes).

    Examples
    --------
    >>> _first_seen(np.array([3, 1, 3, 0, 1]), 3).tolist()
    [3, 1, 0]
    """
    step = 1 << 16
    while True:
        head = codes[:step]
        seen, first = np.unique(head, return_index=True)
        if len(seen) >= distinct or step >= len(codes):
            return seen[np.argsort(first, kind="stable")]
        step *= 4


def _check_returned(raw, issued, info, counted: _Counted, col):
    """Returned forms (counted + voided) above forms issued, per unit × group."""
    units = [counted.forms["unit"], counted.voided["unit"]]
    groups = [counted.forms["group"], counted.voided["group"]]
    u = np.concatenate([s.cat.codes.to_numpy() for s in units])
    g = np.concatenate([s.cat.codes.to_numpy() for s in groups])
    ucats, gcats = units[0].cat.categories, groups[0].cat.categories
    both = (u >= 0) & (g >= 0)
    n = np.bincount(u[both] * len(gcats) + g[both], minlength=len(ucats) * len(gcats))
    have = {(ucats[k // len(gcats)], gcats[k % len(gcats)]): int(n[k]) for k in np.flatnonzero(n)}
    returned_problems(raw, issued, info, have, col)


def check_cycle(
    path, *, scheme=None, cycle=None, key=None, key_file=None, today=None
) -> pd.DataFrame:
    """The problems table of :func:`validate_cycle` (never raises for bad data).

    Examples
    --------
    >>> check_cycle("data/raw/2026H1").query("severity == 'error'")  # doctest: +SKIP
    """
    return validate_cycle(
        path,
        scheme=scheme,
        cycle=cycle,
        raise_on_error=False,
        key=key,
        key_file=key_file,
        today=today,
    ).problems


__all__ = ["check_cycle", "validate_cycle"]
