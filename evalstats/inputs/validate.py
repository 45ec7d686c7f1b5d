"""Validation of a cycle's inputs: every problem at once, then the tidy forms table.

:func:`validate_cycle` reads a cycle folder (``data/raw/<cycle>/``) or one responses file,
checks every table and returns a :class:`ValidatedCycle`: the forms table of
:mod:`evalstats.inputs.forms`, the voided forms, the units, forms issued, incidents, exclusions, the
forms typed twice, one row per input file, and a tidy table of problems.  Validation is lazy
(like pandera's ``lazy=True``): all problems are gathered, then, when any is an error,
:class:`~evalstats.core.errors.InputError` carries them all.

Each problem names the file as the user named it, the row the user sees in the spreadsheet,
the column header as written, the value and the reason, plus a short machine ``code``.

Every input row ends in exactly one place: the forms table, the voided forms, the duplicates
(a copy typed twice, counted once), or an error naming its row.

Respondent identifiers (the scheme's ``respondent_name`` and ``respondent_phone`` columns) are
replaced as soon as the responses are read, before any check sees them: with a pseudonym key
(:mod:`evalstats.inputs.pseudonym`) by keyed pseudonyms, gathered in a ``respondent`` column of the
forms (the phone number's pseudonym, else the name's); without a key they are dropped with one
``identifiers_dropped`` warning.  Their raw values reach no table, problem or message.

Examples
--------
>>> from evalstats.inputs.validate import check_cycle, validate_cycle
>>> v = validate_cycle("data/raw/2026H1")  # doctest: +SKIP
>>> v.summary()["forms_counted"]  # doctest: +SKIP
1469
>>> check_cycle("data/raw/2026H1")[["file", "row", "column", "reason"]]  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import html
import os
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.config import resolve_path
from evalstats.core.errors import PROBLEM_COLUMNS, InputError, format_problem
from evalstats.core.scheme import Scheme, normalize_label, resolve_scheme
from evalstats.inputs import forms as _forms
from evalstats.inputs import pseudonym as _pseudonym
from evalstats.inputs.read import (
    RawTable,
    cycle_files,
    problem,
    problems_frame,
    read_table,
    row_objects,
)

SEVERITIES = ("error", "warning")
OPTIONAL_COLUMNS = {
    "responses": ("comment", "submitted_at", "collector"),
    "units": (),
    "forms_issued": (),
    "incidents": ("note",),
    "exclusions": ("reason",),
}
SCI_ID = r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+"


# ---------------------------------------------------------------------------- result
class HasProblems:
    """``ok``, ``errors`` and ``warnings`` of a result that carries a ``problems`` table."""

    problems: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        return not (self.problems["severity"] == "error").any()

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "warning"]


@dataclass(frozen=True)
class ValidatedCycle(HasProblems):
    """The validated inputs of one cycle.

    Attributes
    ----------
    cycle : str
        Cycle id, e.g. ``"2026H1"``.
    forms : pandas.DataFrame
        The forms table documented in :mod:`evalstats.inputs.forms` (counted forms only).
    voided : pandas.DataFrame
        Forms the office voided (``exclusions``): the forms columns plus ``reason``.
    units : pandas.DataFrame
        ``unit, name, series`` (series as scheme code), in file order.
    forms_issued : pandas.DataFrame or None
        ``unit, group, issued`` (int64); None when no forms-issued file was given.
    incidents : pandas.DataFrame
        ``unit, date, kind, note`` (kind as scheme code); empty when there is no file.
    exclusions : pandas.DataFrame
        ``form_id, reason`` as listed.
    duplicates : pandas.DataFrame
        Copies of forms typed twice (same id and answers), counted once:
        ``form_id, source_file, source_row, first_row``.
    problems : pandas.DataFrame
        Columns ``severity, file, row, column, value, reason, code``; errors first.
    inputs : pandas.DataFrame
        One row per input file: ``table, file, sha256, size, encoding, sheet, header_row, rows``.
    scheme : Scheme
        The scheme the data were checked against.
    rows_read : int
        Data rows read from the responses file (blank rows not counted).
    identifiers : tuple of str
        Respondent identifier columns found in the responses (codes, e.g.
        ``("respondent_phone", "respondent_name")``); their values are never kept.
    pseudonym_key_id : str or None
        Fingerprint of the pseudonym key that made the ``respondent`` column (None when the
        identifiers were dropped or there were none).
    """

    cycle: str
    forms: pd.DataFrame
    voided: pd.DataFrame
    units: pd.DataFrame
    forms_issued: pd.DataFrame | None
    incidents: pd.DataFrame
    exclusions: pd.DataFrame
    duplicates: pd.DataFrame
    problems: pd.DataFrame
    inputs: pd.DataFrame
    scheme: Scheme
    rows_read: int = 0
    identifiers: tuple[str, ...] = ()
    pseudonym_key_id: str | None = None

    @property
    def identifiers_action(self) -> str:
        """``"pseudonymised"``, ``"dropped"`` or ``"none"`` (no identifier columns)."""
        if not self.identifiers:
            return "none"
        return "pseudonymised" if self.pseudonym_key_id is not None else "dropped"

    def long(self) -> pd.DataFrame:
        """The long view of the counted forms (:func:`evalstats.inputs.forms.to_long`)."""
        return _forms.to_long(self.forms, self.scheme)

    def summary(self) -> dict:
        """Counts for the summary: forms read, collapsed, voided, counted, answers, problems.

        Examples
        --------
        >>> v.summary()["forms_counted"]  # doctest: +SKIP
        1469
        """
        f = self.forms
        dims = list(self.scheme.dimension_codes)
        answers = {code: 0 for code in self.scheme.level_codes}
        blank = 0
        for d in dims:
            counts = f[d].value_counts(dropna=False)
            for code, n in counts.items():
                if pd.isna(code):
                    blank += int(n)
                else:
                    answers[str(code)] += int(n)
        answers["blank"] = blank
        groups = f["group"].value_counts(sort=False)
        return {
            "cycle": self.cycle,
            "scheme": self.scheme.name,
            "forms_read": int(self.rows_read),
            "duplicates_collapsed": len(self.duplicates),
            "voided": len(self.voided),
            "forms_counted": len(f),
            "forms_by_group": {str(k): int(v) for k, v in groups.items()},
            "answers": answers,
            "units": len(self.units),
            "units_with_forms": int(f["unit"].nunique()),
            "errors": int((self.problems["severity"] == "error").sum()),
            "warnings": int((self.problems["severity"] == "warning").sum()),
            "encodings": {
                r.table: r.encoding for r in self.inputs.itertuples() if isinstance(r.encoding, str)
            },
            "identifiers": {
                "columns": list(self.identifiers),
                "action": self.identifiers_action,
                "key_id": self.pseudonym_key_id,
            },
        }

    def to_frame(self) -> pd.DataFrame:
        """The counted forms (same as ``forms``)."""
        return self.forms

    def _tables(self) -> dict[str, int | None]:
        """Table name → rows (None for a table that was not given)."""
        names = ("forms", "voided", "units", "forms_issued", "incidents", "exclusions")
        names += ("duplicates", "problems", "inputs")
        return {n: None if getattr(self, n) is None else len(getattr(self, n)) for n in names}

    def __repr__(self) -> str:
        n_errors = int((self.problems["severity"] == "error").sum())
        n_warnings = int((self.problems["severity"] == "warning").sum())
        verdict = "valid" if n_errors == 0 else "INVALID"
        tables = ", ".join(
            f"{name}[{'-' if rows is None else rows}]" for name, rows in self._tables().items()
        )
        return (
            f"<ValidatedCycle {self.cycle}: {len(self.forms)} forms counted of "
            f"{self.rows_read} rows read, {len(self.units)} units; {verdict}, "
            f"{n_errors} errors, {n_warnings} warnings; tables {tables}>"
        )

    def _repr_html_(self) -> str:
        """A short HTML card for Jupyter: cycle, forms and units, tables, the verdict and the
        first problems."""
        e = _html_escape
        s = self.summary()
        verdict = "有效 valid" if s["errors"] == 0 else "无效 invalid"
        by_group = ", ".join(
            f"{e(_label_or_code(self.scheme, 'groups', g))} {n}"
            for g, n in s["forms_by_group"].items()
        )
        lines = [
            f"<p><b>已校验测评数据 validated cycle {e(self.cycle)}</b> · scheme "
            f"{e(self.scheme.name)}</p>",
            f"<p><b>{verdict}</b>: {s['errors']} errors, {s['warnings']} warnings</p>",
            f"<p>{s['forms_counted']} forms counted ({e(by_group)}) of {s['forms_read']} rows "
            f"read; {s['duplicates_collapsed']} typed twice, {s['voided']} voided · "
            f"{s['units']} units, {s['units_with_forms']} with forms</p>",
        ]
        shown = self.problems.head(5)
        if len(shown):
            items = "".join(
                f"<li>{e(p.severity)}: {e(format_problem(p))}</li>"
                for p in shown.itertuples(index=False)
            )
            more = f"<p>… and {len(self.problems) - 5} more</p>" if len(self.problems) > 5 else ""
            lines.append(f"<ul>{items}</ul>{more}")
        tables = ", ".join(
            f"<code>{e(name)}</code> {'—' if rows is None else rows}"
            for name, rows in self._tables().items()
        )
        lines.append(f"<p>tables (rows): {tables}</p>")
        return '<div class="evalstats-validated">' + "".join(lines) + "</div>"


# ---------------------------------------------------------------------------- helpers
def _html_escape(value) -> str:
    return html.escape(str(value), quote=True)


def _label_or_code(scheme: Scheme, kind: str, code) -> str:
    try:
        return scheme.label(kind, str(code))
    except KeyError:
        return str(code)


class ProblemCollector:
    """Gathers problems as frames (vectorised) and dict rows."""

    def __init__(self):
        self.frames: list[pd.DataFrame] = []
        self.rows: list[dict] = []

    def add(self, severity, file, row, column, value, reason, code):
        self.rows.append(problem(severity, file, row, column, value, reason, code))

    def cells(self, raw: RawTable, label: str, mask, severity, reason, code, values=None):
        """One problem per True in ``mask`` (positions of ``raw.frame``)."""
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return
        vals = raw.frame[label].to_numpy(dtype=object) if values is None else values
        reasons = reason[idx] if isinstance(reason, np.ndarray) else reason
        self.frames.append(
            pd.DataFrame(
                {
                    "severity": severity,
                    "file": raw.file,
                    "row": raw.row_numbers[idx],
                    "column": raw.written[label],
                    "value": vals[idx],
                    "reason": reasons,
                    "code": code,
                }
            )
        )

    def extend(self, frame: pd.DataFrame):
        if len(frame):
            self.frames.append(frame)

    def frame(self) -> pd.DataFrame:
        parts = [problems_frame(self.rows), *self.frames]
        parts = [p.astype(object) for p in parts if len(p)]
        if not parts:
            return problems_frame()
        out = pd.concat(parts, ignore_index=True)[PROBLEM_COLUMNS].astype(object)
        out["row"] = row_objects(out["row"])
        return sort_problems(out)


def sort_problems(problems: pd.DataFrame) -> pd.DataFrame:
    """Errors first, then warnings; each by file, then row (file-level problems first)."""
    if len(problems) == 0:
        return problems.reset_index(drop=True)
    key = pd.DataFrame(
        {
            "s": problems["severity"].map({"error": 0, "warning": 1}).fillna(2),
            "f": problems["file"].fillna("").astype(str),
            "r": pd.to_numeric(problems["row"], errors="coerce").fillna(-1).astype(float),
        }
    )
    order = np.lexsort((key["r"].to_numpy(), key["f"].to_numpy(), key["s"].to_numpy()))
    return problems.iloc[order].reset_index(drop=True)


def _codes(values: np.ndarray, lookup: dict, categories) -> tuple[np.ndarray, np.ndarray]:
    """Map typed values to category positions; returns (positions with -1, factorize codes).

    Only the unique values go through the Python-level lookup.
    """
    fcodes, uniques = pd.factorize(values, use_na_sentinel=True)
    pos = {c: i for i, c in enumerate(categories)}
    lut = np.array(
        [pos.get(lookup.get(normalize_label(u)), -1) for u in uniques] + [-1], dtype=np.int32
    )
    return lut[fcodes], fcodes


def _arrow_bool(arr) -> np.ndarray:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _column_values(raw: RawTable, label: str | None) -> np.ndarray:
    if label is None:
        return np.full(len(raw.frame), None, dtype=object)
    return raw.frame[label].to_numpy(dtype=object)


def _expected_header(scheme: Scheme, table: str, code: str) -> str:
    if table == "responses" and code in scheme.dimension_codes:
        return scheme.label("dimensions", code)
    return scheme.headers[table][code][0]


def _check_columns(
    raw: RawTable, scheme: Scheme, required, col: ProblemCollector
) -> dict[str, str]:
    """Missing, duplicated and unknown columns; returns code → frame column (first one)."""
    table = raw.table
    found: dict[str, str] = {}
    for label, code in raw.columns.items():
        if code is None:
            col.add(
                "warning",
                raw.file,
                raw.header_row,
                raw.written[label],
                None,
                f"unknown column is ignored (column {raw.letters[label]})",
                "unknown_column",
            )
        elif code in found:
            first = found[code]
            col.add(
                "error",
                raw.file,
                raw.header_row,
                raw.written[label],
                None,
                f"duplicated column: column {raw.letters[label]} means the same as column "
                f"{raw.letters[first]} ({raw.written[first]})",
                "duplicate_column",
            )
        else:
            found[code] = label
    for code in required:
        if code not in found:
            col.add(
                "error",
                raw.file,
                raw.header_row,
                _expected_header(scheme, table, code),
                None,
                f"required column is missing ({code})",
                "missing_column",
            )
    return found


def _usable(raw: RawTable) -> bool:
    return raw.header_row is not None and len(raw.frame) > 0


def parse_dates(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Text → datetime64[ns] (NaT for blank) and a mask of unparseable non-blank cells."""
    fcodes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return np.full(len(values), np.datetime64("NaT", "ns")), np.zeros(len(values), bool)
    texts = pd.Index([str(u) for u in uniques], dtype=object)
    parsed = _to_datetime(texts, "ISO8601")
    todo = np.flatnonzero(pd.isna(parsed))
    if len(todo):
        alt = (
            texts[todo]
            .str.replace(r"[年月/.]", "-", regex=True)
            .str.replace("日", " ", regex=False)
            .str.replace(r"[时点]", ":", regex=True)
            .str.replace("分", ":", regex=False)
            .str.replace("秒", "", regex=False)
            .str.strip()
            .str.rstrip(":-")
        )
        second = _to_datetime(alt, "mixed")
        parsed = parsed.to_numpy().copy()
        parsed[todo] = second.to_numpy()
        parsed = pd.DatetimeIndex(parsed)
    lut = np.append(parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    out = lut[fcodes]
    bad = (fcodes >= 0) & np.isnat(out)
    return out, bad


def _to_datetime(texts: pd.Index, fmt: str) -> pd.DatetimeIndex:
    try:
        res = pd.to_datetime(texts, format=fmt, errors="coerce")
    except (ValueError, TypeError):  # e.g. mixed time zones: one value at a time
        res = pd.DatetimeIndex([_one_datetime(t, fmt) for t in texts])
    if getattr(res, "tz", None) is not None:
        res = res.tz_convert(None)
    return pd.DatetimeIndex(res).as_unit("ns")


def _one_datetime(text, fmt):
    try:
        v = pd.to_datetime(text, format=fmt, errors="coerce")
    except (ValueError, TypeError):
        return pd.NaT
    if v is not pd.NaT and v.tzinfo is not None:
        v = v.tz_convert(None)
    return v


def _first_row_of(keys: np.ndarray, mask: np.ndarray, rows: np.ndarray):
    """Among positions in ``mask``: repeat flag and row of the first position with that key."""
    idx = np.flatnonzero(mask)
    sub = pd.Series(keys[idx])
    codes, _ = pd.factorize(sub)
    _, first = np.unique(codes, return_index=True)  # factorize numbers keys by first sight
    first_idx = idx[first]
    repeat = np.zeros(len(keys), bool)
    first_row = np.zeros(len(keys), np.int64)
    repeat[idx] = first_idx[codes] != idx
    first_row[idx] = rows[first_idx[codes]]
    return repeat, first_row, first_idx, codes, idx


# ---------------------------------------------------------------------------- tables
def validate_units(raw: RawTable, scheme: Scheme, col: ProblemCollector):
    """The units table (``unit, name, series``) from its raw table; problems go to ``col``.
    Shared with the out-of-core backends (:mod:`evalstats.counts.backends`)."""
    empty = pd.DataFrame(
        {
            "unit": pd.Series([], dtype=object),
            "name": pd.Series([], dtype=object),
            "series": pd.Series([], dtype=object),
        }
    )
    col.extend(raw.problems)
    if not _usable(raw):
        return empty, {}, np.zeros(0, dtype=np.int64)
    found = _check_columns(raw, scheme, ("unit", "name", "series"), col)
    codes = _column_values(raw, found.get("unit"))
    names = _column_values(raw, found.get("name"))
    series_raw = _column_values(raw, found.get("series"))
    n = len(codes)
    bad = np.zeros(n, bool)
    if "unit" in found:
        blank = pd.isna(codes)
        col.cells(raw, found["unit"], blank, "error", "blank unit code", "blank_value")
        bad |= blank
        keys = np.array([normalize_label(c) if c is not None else None for c in codes], object)
        repeat, first_row, *_ = _first_row_of(keys, ~blank, raw.row_numbers)
        reason = np.array([f"duplicate unit code (also row {r})" for r in first_row], object)
        col.cells(raw, found["unit"], repeat, "error", reason, "duplicate_unit")
        bad |= repeat
    if "name" in found:
        blank = pd.isna(names)
        col.cells(raw, found["name"], blank, "error", "blank unit name", "blank_value")
        keys = np.array([normalize_label(c) if c is not None else None for c in names], object)
        repeat, first_row, *_ = _first_row_of(keys, ~blank, raw.row_numbers)
        reason = np.array(
            [f"two units share this name (also row {r}); names must be unique" for r in first_row],
            object,
        )
        col.cells(raw, found["name"], repeat, "error", reason, "duplicate_name")
    series = np.full(n, None, dtype=object)
    if "series" in found:
        pos, fc = _codes(series_raw, scheme.lookup("series"), scheme.series_codes)
        blank = fc < 0
        unknown = (pos < 0) & ~blank
        expected = ", ".join(s.label_zh for s in scheme.series)
        col.cells(raw, found["series"], blank, "error", "blank series", "blank_value")
        col.cells(
            raw,
            found["series"],
            unknown,
            "error",
            f"unknown series; expected one of {expected}",
            "unknown_series",
        )
        ok = pos >= 0
        series[ok] = np.asarray(scheme.series_codes, dtype=object)[pos[ok]]
    lookup: dict[str, str] = {}
    keep = ~bad & ~pd.isna(codes) if "unit" in found else np.zeros(n, bool)
    for c in codes[keep]:
        lookup[normalize_label(c)] = c
    if "name" in found:
        for i in np.flatnonzero(keep & ~pd.isna(names)):
            key = normalize_label(names[i])
            if key in lookup and lookup[key] != codes[i]:
                col.add(
                    "error",
                    raw.file,
                    int(raw.row_numbers[i]),
                    raw.written[found["name"]],
                    names[i],
                    f"this name is also the code of unit {lookup[key]}; a unit typed this way "
                    "would be ambiguous",
                    "ambiguous_unit",
                )
                continue
            lookup.setdefault(key, codes[i])
    units = pd.DataFrame(
        {
            "unit": pd.Series(codes[keep], dtype=object),
            "name": pd.Series(names[keep], dtype=object),
            "series": pd.Series(series[keep], dtype=object),
        }
    )
    return units, lookup, raw.row_numbers[keep]


def _validate_responses(
    raw: RawTable, scheme: Scheme, unit_lookup, unit_cats, units_file, col: ProblemCollector
):
    """Per-row checks of the responses; returns mapped arrays and the error mask."""
    col.extend(raw.problems)
    n = len(raw.frame)
    dims = scheme.dimension_codes
    required = ("form_id", "unit", "group", *dims)
    if not _usable(raw):
        return None
    found = _check_columns(raw, scheme, required, col)
    err = np.zeros(n, bool)
    out = {"found": found}

    # form id
    fid = _column_values(raw, found.get("form_id"))
    if "form_id" in found:
        label = found["form_id"]
        blank = pd.isna(fid)
        col.cells(raw, label, blank, "error", "blank form id", "blank_value")
        err |= blank
        limit = scheme.rules.max_id_digits
        fcodes, uniques = pd.factorize(fid, use_na_sentinel=True)
        u = pa.array(np.asarray(uniques, dtype=object), type=pa.string(), from_pandas=True)
        sci = _arrow_bool(pc.match_substring_regex(u, f"^{SCI_ID}$"))
        long_digits = _arrow_bool(
            pc.and_(pc.match_substring_regex(u, "^[0-9]+$"), pc.greater(pc.utf8_length(u), limit))
        )
        sci_cell = np.append(sci, False)[fcodes]
        long_cell = np.append(long_digits, False)[fcodes]
        numeric = raw.numeric.get(label, np.zeros(n, bool))
        lost = sci_cell | (long_cell & numeric)
        shown = fid
        if (long_cell & numeric).any():
            # show the number as Excel does (15 significant digits), not its binary expansion
            shown = fid.copy()
            for i in np.flatnonzero(long_cell & numeric):
                shown[i] = format(float(fid[i]), ".15G")
        col.cells(
            raw,
            label,
            lost,
            "error",
            f"form id lost precision in Excel (stored as a number; more than {limit} digits "
            "cannot be kept); format the column as text and retype the ids",
            "id_precision",
            values=shown,
        )
        err |= lost
    else:
        err[:] = True  # named by the missing-column error

    # unit
    unit_raw = _column_values(raw, found.get("unit"))
    unit_pos = np.full(n, -1, dtype=np.int32)
    if "unit" in found:
        unit_pos, ufc = _codes(unit_raw, unit_lookup, unit_cats)
        blank = ufc < 0
        unknown = (unit_pos < 0) & ~blank
        col.cells(raw, found["unit"], blank, "error", "blank unit", "blank_value")
        col.cells(
            raw,
            found["unit"],
            unknown,
            "error",
            f"unknown unit: neither a code nor a name in {units_file}",
            "unknown_unit",
        )
        err |= blank | unknown
    else:
        err[:] = True

    # group
    group_pos = np.full(n, -1, dtype=np.int32)
    if "group" in found:
        group_pos, gfc = _codes(
            _column_values(raw, found["group"]), scheme.lookup("groups"), scheme.group_codes
        )
        blank = gfc < 0
        unknown = (group_pos < 0) & ~blank
        expected = ", ".join(g.label_zh for g in scheme.groups)
        col.cells(raw, found["group"], blank, "error", "blank respondent group", "blank_value")
        col.cells(
            raw,
            found["group"],
            unknown,
            "error",
            f"unknown respondent group; expected one of {expected}",
            "unknown_group",
        )
        err |= blank | unknown
    else:
        err[:] = True

    # levels
    levels = {}
    keys = {}
    lv_labels = ", ".join(v.label_zh for v in scheme.levels)
    digits = ", ".join(str(v.digit) for v in scheme.levels if v.digit is not None)
    lv_reason = f"unknown level; expected one of {lv_labels}" + (
        f" (or the digits {digits})" if digits else ""
    )
    level_lookup = scheme.level_lookup()
    for d in dims:
        if d not in found:
            levels[d] = np.full(n, -1, dtype=np.int32)
            keys[d] = levels[d]
            continue
        pos, lfc = _codes(_column_values(raw, found[d]), level_lookup, scheme.level_codes)
        unknown = (pos < 0) & (lfc >= 0)
        col.cells(raw, found[d], unknown, "error", lv_reason, "unknown_level")
        err |= unknown
        levels[d] = pos
        keys[d] = np.where(pos >= 0, pos, -2 - lfc)  # unknown text keeps its identity

    # submitted_at
    submitted = np.full(n, np.datetime64("NaT", "ns"))
    if "submitted_at" in found:
        submitted, bad = parse_dates(_column_values(raw, found["submitted_at"]))
        col.cells(
            raw,
            found["submitted_at"],
            bad,
            "error",
            "cannot read this as a date and time (write e.g. 2026-06-30 14:05)",
            "bad_datetime",
        )
        err |= bad

    # the same id twice: same answers → counted once; different answers → error
    ok_id = ~pd.isna(fid)
    if "form_id" in found:
        ok_id &= ~lost
    dup_later = np.zeros(n, bool)
    dup_first_row = np.zeros(n, np.int64)
    if ok_id.any():
        fid_series = pd.Series(fid)
        multi = ok_id & fid_series.duplicated(keep=False).to_numpy() & ok_id
        if multi.any():
            idx = np.flatnonzero(multi)
            sub = pd.DataFrame(
                {"u": unit_pos[idx], "g": group_pos[idx]} | {d: keys[d][idx] for d in dims}
            )
            h = pd.util.hash_pandas_object(sub, index=False).to_numpy()
            repeat, first_row, first_idx, codes, _ = _first_row_of(fid, multi, raw.row_numbers)
            first_hash = h[np.searchsorted(idx, first_idx[codes])]
            same = h == first_hash
            conflict_code = np.zeros(len(first_idx), bool)
            np.logical_or.at(conflict_code, codes, ~same)
            in_conflict = np.zeros(n, bool)
            in_conflict[idx] = conflict_code[codes]
            same_full = np.zeros(n, bool)
            same_full[idx] = same
            diff = repeat & ~same_full
            reason = np.array(
                [f"same form id as row {r} but different answers" for r in first_row], object
            )
            col.cells(raw, found["form_id"], diff, "error", reason, "conflicting_duplicate")
            twice = repeat & same_full
            reason2 = np.array(
                [
                    f"form typed twice: same id and answers as row {r}; counted once"
                    for r in first_row
                ],
                object,
            )
            col.cells(raw, found["form_id"], twice, "warning", reason2, "duplicate_form")
            # a conflicting id: no copy is counted (the error names both rows)
            err |= in_conflict
            dup_later = twice & ~in_conflict
            dup_first_row = first_row

    out.update(
        fid=fid,
        unit_pos=unit_pos,
        group_pos=group_pos,
        levels=levels,
        submitted=submitted,
        comment=_column_values(raw, found.get("comment")),
        collector=_column_values(raw, found.get("collector")),
        err=err,
        dup_later=dup_later,
        dup_first_row=dup_first_row,
    )
    return out


def _build_forms(raw, scheme, cycle, r, positions, unit_cats) -> pd.DataFrame:
    dims = scheme.dimension_codes
    data = {
        "cycle": pd.Series(np.full(len(positions), cycle, dtype=object), dtype=object),
        "form_id": pd.Series(r["fid"][positions], dtype=object),
        "unit": pd.Categorical.from_codes(r["unit_pos"][positions], categories=list(unit_cats)),
        "group": pd.Categorical.from_codes(
            r["group_pos"][positions], categories=list(scheme.group_codes)
        ),
    }
    for d in dims:
        data[d] = pd.Categorical.from_codes(r["levels"][d][positions], dtype=scheme.level_dtype)
    data["comment"] = pd.Series(r["comment"][positions], dtype=object)
    data["submitted_at"] = pd.Series(r["submitted"][positions], dtype="datetime64[ns]")
    data["collector"] = pd.Series(r["collector"][positions], dtype=object)
    data["source_file"] = pd.Series(np.full(len(positions), raw.file, dtype=object), dtype=object)
    data["source_row"] = pd.Series(raw.row_numbers[positions], dtype="int64")
    out = pd.DataFrame(data)[_forms.form_columns(scheme)]
    if r.get("respondent") is not None:
        out.insert(
            out.columns.get_loc("collector") + 1,
            "respondent",
            pd.Series(r["respondent"][positions], dtype=object),
        )
    return out


def validate_exclusions(raw: RawTable | None, scheme, all_ids: set, col: ProblemCollector):
    """The exclusions table (``form_id, reason``), checked against the form ids ``all_ids``;
    problems go to ``col``.  Shared with the out-of-core backends."""
    empty = pd.DataFrame(
        {"form_id": pd.Series([], dtype=object), "reason": pd.Series([], dtype=object)}
    )
    if raw is None:
        return empty
    col.extend(raw.problems)
    if not _usable(raw):
        return empty
    found = _check_columns(raw, scheme, ("form_id",), col)
    if "form_id" not in found:
        return empty
    ids = _column_values(raw, found["form_id"])
    reasons = _column_values(raw, found.get("reason"))
    blank = pd.isna(ids)
    col.cells(raw, found["form_id"], blank, "error", "blank form id", "blank_value")
    missing = ~blank & ~pd.Series(ids).isin(all_ids).to_numpy()
    col.cells(
        raw,
        found["form_id"],
        missing,
        "error",
        "excluded form id not found in the responses",
        "unknown_excluded_id",
    )
    repeat, first_row, *_ = _first_row_of(ids, ~blank, raw.row_numbers)
    reason = np.array([f"form id listed twice (also row {r})" for r in first_row], object)
    col.cells(raw, found["form_id"], repeat, "warning", reason, "duplicate_exclusion")
    keep = ~blank & ~repeat
    return pd.DataFrame(
        {
            "form_id": pd.Series(ids[keep], dtype=object),
            "reason": pd.Series(reasons[keep], dtype=object),
        }
    )


def _parse_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    num = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
    ok = np.isfinite(num) & (num >= 0) & (np.floor(num) == num)
    return np.where(ok, num, 0).astype(np.int64), ok


def validate_issued(raw, scheme, unit_lookup, unit_cats, col):
    """The forms-issued table and its per-unit × group counts (or ``(None, None)`` when
    absent); problems go to ``col``.  Shared with the out-of-core backends."""
    if raw is None:
        return None, None
    col.extend(raw.problems)
    if not _usable(raw):
        return None, None
    found = _check_columns(raw, scheme, ("unit", "group", "issued"), col)
    n = len(raw.frame)
    bad = np.zeros(n, bool)
    unit_pos = np.full(n, -1, np.int64)
    group_pos = np.full(n, -1, np.int64)
    issued = np.zeros(n, np.int64)
    if "unit" in found:
        unit_pos, fc = _codes(_column_values(raw, found["unit"]), unit_lookup, unit_cats)
        col.cells(raw, found["unit"], fc < 0, "error", "blank unit", "blank_value")
        col.cells(
            raw,
            found["unit"],
            (unit_pos < 0) & (fc >= 0),
            "error",
            "unknown unit: neither a code nor a name in the units file",
            "unknown_unit",
        )
        bad |= unit_pos < 0
    if "group" in found:
        group_pos, fc = _codes(
            _column_values(raw, found["group"]), scheme.lookup("groups"), scheme.group_codes
        )
        expected = ", ".join(g.label_zh for g in scheme.groups)
        col.cells(raw, found["group"], fc < 0, "error", "blank respondent group", "blank_value")
        col.cells(
            raw,
            found["group"],
            (group_pos < 0) & (fc >= 0),
            "error",
            f"unknown respondent group; expected one of {expected}",
            "unknown_group",
        )
        bad |= group_pos < 0
    if "issued" in found:
        issued, ok = _parse_counts(_column_values(raw, found["issued"]))
        col.cells(
            raw,
            found["issued"],
            ~ok,
            "error",
            "forms issued must be a whole number, 0 or more",
            "bad_count",
        )
        bad |= ~ok
    if set(found) < {"unit", "group", "issued"}:
        return None, None
    key = np.where(bad, -1, unit_pos * (len(scheme.group_codes) + 1) + group_pos)
    repeat, first_row, *_ = _first_row_of(key, ~bad, raw.row_numbers)
    reason = np.array([f"unit and group listed twice (also row {r})" for r in first_row], object)
    col.cells(raw, found["unit"], repeat, "error", reason, "duplicate_row")
    keep = ~bad & ~repeat
    out = pd.DataFrame(
        {
            "unit": pd.Series(np.asarray(unit_cats, dtype=object)[unit_pos[keep]], dtype=object),
            "group": pd.Series(
                np.asarray(scheme.group_codes, dtype=object)[group_pos[keep]], dtype=object
            ),
            "issued": pd.Series(issued[keep], dtype="int64"),
        }
    )
    info = {"rows": raw.row_numbers[keep], "label": found["issued"]}
    return out, info


def validate_incidents(raw, scheme, unit_lookup, unit_cats, col):
    """The incidents table (``unit, date, kind, note``); problems go to ``col``.  Shared with
    the out-of-core backends."""
    empty = pd.DataFrame(
        {
            "unit": pd.Series([], dtype=object),
            "date": pd.Series([], dtype="datetime64[ns]"),
            "kind": pd.Series([], dtype=object),
            "note": pd.Series([], dtype=object),
        }
    )
    if raw is None:
        return empty
    col.extend(raw.problems)
    if not _usable(raw):
        return empty
    found = _check_columns(raw, scheme, ("unit", "date", "kind"), col)
    if set(found) < {"unit", "date", "kind"}:
        return empty
    unit_pos, fc = _codes(_column_values(raw, found["unit"]), unit_lookup, unit_cats)
    col.cells(raw, found["unit"], fc < 0, "error", "blank unit", "blank_value")
    col.cells(
        raw,
        found["unit"],
        (unit_pos < 0) & (fc >= 0),
        "error",
        "unknown unit: neither a code nor a name in the units file",
        "unknown_unit",
    )
    dates, bad_date = parse_dates(_column_values(raw, found["date"]))
    blank_date = np.isnat(dates) & ~bad_date
    col.cells(raw, found["date"], blank_date, "error", "blank date", "blank_value")
    col.cells(
        raw,
        found["date"],
        bad_date,
        "error",
        "cannot read this as a date (write e.g. 2026-03-15)",
        "bad_date",
    )
    kind_pos, kfc = _codes(
        _column_values(raw, found["kind"]),
        scheme.lookup("incident_kinds"),
        [k.code for k in scheme.incident_kinds],
    )
    expected = ", ".join(k.label_zh for k in scheme.incident_kinds)
    col.cells(raw, found["kind"], kfc < 0, "error", "blank incident kind", "blank_value")
    col.cells(
        raw,
        found["kind"],
        (kind_pos < 0) & (kfc >= 0),
        "error",
        f"unknown incident kind; expected one of {expected}",
        "unknown_kind",
    )
    keep = (unit_pos >= 0) & ~np.isnat(dates) & (kind_pos >= 0)
    kinds = np.asarray([k.code for k in scheme.incident_kinds], dtype=object)
    return pd.DataFrame(
        {
            "unit": pd.Series(np.asarray(unit_cats, dtype=object)[unit_pos[keep]], dtype=object),
            "date": pd.Series(dates[keep], dtype="datetime64[ns]"),
            "kind": pd.Series(kinds[kind_pos[keep]], dtype=object),
            "note": pd.Series(_column_values(raw, found.get("note"))[keep], dtype=object),
        }
    )


def inputs_row(raw: RawTable) -> dict:
    """One row of a validated cycle's ``inputs`` table (file, sha256, size, encoding, …) for
    a raw table.  Shared with the out-of-core backends."""
    return {
        "table": raw.table,
        "file": raw.file,
        "sha256": raw.sha256,
        "size": raw.size,
        "encoding": raw.encoding,
        "sheet": raw.sheet,
        "header_row": raw.header_row,
        "rows": len(raw.frame),
    }


# ---------------------------------------------------------------------------- entry points
def validate_cycle(
    path, *, scheme=None, cycle=None, raise_on_error=True, key=None, key_file=None
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
    the forms (and voided forms) gain a ``respondent`` column after ``collector``: the phone
    number's pseudonym, else the name's, None when both are blank.  Without a key the
    identifiers are dropped with one ``identifiers_dropped`` warning.  A problem's value in an
    identifier column would show as ``<redacted>``.

    Examples
    --------
    >>> v = validate_cycle("data/raw/2026H1")  # doctest: +SKIP
    >>> v.ok, len(v.forms), v.inputs["encoding"].tolist()  # doctest: +SKIP
    (True, 1469, [None, 'gb18030'])
    """
    scheme = resolve_scheme(scheme)
    if not isinstance(raise_on_error, bool):
        raise TypeError(f"raise_on_error must be True or False; got {raise_on_error!r}")
    p = resolve_path(path)
    shown = str(path)
    col = ProblemCollector()
    if p.is_dir():
        folder, shown_folder = p, shown
        files, amb = cycle_files(p, display=shown)
        col.extend(amb)
        single = False
    elif p.is_file():
        folder, shown_folder = p.parent, os.path.dirname(shown)
        files, amb = cycle_files(folder, display=shown_folder or ".")
        col.extend(amb[~amb["reason"].str.contains("responses file")])
        files["responses"] = p
        single = True
    else:
        raise FileNotFoundError(f"no such file or folder: {path}")
    if cycle is None:
        cycle = folder.resolve().name
    if not isinstance(cycle, str) or not cycle.strip():
        raise ValueError(f"cycle must be a non-empty string; got {cycle!r}")

    def display(fp: Path) -> str:
        if single and fp == p:
            return shown
        return os.path.join(shown_folder, fp.name) if shown_folder else fp.name

    raws: dict[str, RawTable] = {
        t: read_table(fp, table=t, scheme=scheme, display=display(fp)) for t, fp in files.items()
    }
    ident = _Identifiers()
    if "responses" in raws:
        raws["responses"], ident = _protect_identifiers(
            raws["responses"], scheme, col, key=key, key_file=key_file, folder=folder
        )
    elif key is not None or key_file is not None:
        _pseudonym.load_key(key, key_file=key_file, data_folders=[folder])  # check it anyway
    input_rows = [
        inputs_row(raws[t]) for t in ("responses", "units", *OPTIONAL_INPUTS) if t in raws
    ]
    inputs = pd.DataFrame(
        {
            c: pd.Series(
                [r[c] for r in input_rows], dtype="Int64" if c in INPUTS_INT_COLUMNS else object
            )
            for c in ("table", "file", "sha256", "size", "encoding", "sheet", "header_row", "rows")
        }
    )
    if "responses" not in raws and not amb["reason"].str.contains("responses file").any():
        col.add(
            "error",
            shown,
            None,
            None,
            None,
            "no responses file (expected responses.xlsx, .xls, .ods or .csv)",
            "missing_file",
        )

    # units
    if "units" in raws:
        units, unit_lookup, unit_rows = validate_units(raws["units"], scheme, col)
        unit_cats = list(units["unit"])
        units_file = raws["units"].file
    else:
        units_file = None
        unit_rows = None
        if single:
            col.add(
                "warning",
                shown,
                None,
                None,
                None,
                "no units file next to the responses file: unit codes cannot be checked",
                "no_units_file",
            )
        else:
            col.add(
                "error",
                shown,
                None,
                None,
                None,
                "no units file (expected units.xlsx, .xls, .ods or .csv)",
                "missing_file",
            )
        units = None
        unit_lookup, unit_cats = {}, []

    empty_forms = _forms.empty_forms(scheme, units=unit_cats)
    forms_df = empty_forms
    voided = empty_forms.assign(reason=pd.Series([], dtype=object))
    duplicates = pd.DataFrame(
        {
            "form_id": pd.Series([], dtype=object),
            "source_file": pd.Series([], dtype=object),
            "source_row": pd.Series([], dtype="int64"),
            "first_row": pd.Series([], dtype="int64"),
        }
    )
    rows_read = 0
    r = None
    raw = raws.get("responses")
    if raw is not None:
        rows_read = len(raw.frame)
        if units is None and _usable(raw):
            # no units file: units are the values typed, in order of first appearance
            label = raw.column_for("unit")
            typed = _column_values(raw, label)
            seen: dict[str, str] = {}
            for v in pd.unique(typed[~pd.isna(typed)]):
                seen.setdefault(normalize_label(v), v)
            unit_lookup = seen
            unit_cats = list(seen.values())
            units = pd.DataFrame(
                {
                    "unit": pd.Series(unit_cats, dtype=object),
                    "name": pd.Series([None] * len(unit_cats), dtype=object),
                    "series": pd.Series([None] * len(unit_cats), dtype=object),
                }
            )
            empty_forms = _forms.empty_forms(scheme, units=unit_cats)
            forms_df = empty_forms
            voided = empty_forms.assign(reason=pd.Series([], dtype=object))
        r = _validate_responses(raw, scheme, unit_lookup, unit_cats, units_file, col)
        if r is not None:
            r["respondent"] = ident.respondent
    if units is None:
        units = pd.DataFrame({c: pd.Series([], dtype=object) for c in ("unit", "name", "series")})

    exclusions = validate_exclusions(
        raws.get("exclusions"),
        scheme,
        set(r["fid"][~pd.isna(r["fid"])]) if r is not None else set(),
        col,
    )
    if r is not None:
        keep = ~r["err"] & ~r["dup_later"]
        excl_reason = dict(zip(exclusions["form_id"], exclusions["reason"], strict=True))
        fid = pd.Series(r["fid"], dtype=object)
        is_void = keep & fid.isin(excl_reason.keys()).to_numpy()
        forms_df = _build_forms(raw, scheme, cycle, r, np.flatnonzero(keep & ~is_void), unit_cats)
        vpos = np.flatnonzero(is_void)
        voided = _build_forms(raw, scheme, cycle, r, vpos, unit_cats)
        voided["reason"] = pd.Series(
            [excl_reason[i] for i in r["fid"][vpos]], dtype=object, index=voided.index
        )
        dpos = np.flatnonzero(r["dup_later"])
        duplicates = pd.DataFrame(
            {
                "form_id": pd.Series(r["fid"][dpos], dtype=object),
                "source_file": pd.Series([raw.file] * len(dpos), dtype=object),
                "source_row": pd.Series(raw.row_numbers[dpos], dtype="int64"),
                "first_row": pd.Series(r["dup_first_row"][dpos], dtype="int64"),
            }
        )

    issued, issued_info = validate_issued(
        raws.get("forms_issued"), scheme, unit_lookup, unit_cats, col
    )
    if issued is not None and r is not None:
        _check_returned(raws["forms_issued"], issued, issued_info, forms_df, voided, scheme, col)
    incidents = validate_incidents(raws.get("incidents"), scheme, unit_lookup, unit_cats, col)

    # units without forms (only when the responses could be read at all)
    if units_file is not None and r is not None and len(units):
        counted = set(forms_df["unit"].dropna()) | set(voided["unit"].dropna())
        attempted = set(np.asarray(unit_cats, dtype=object)[r["unit_pos"][r["unit_pos"] >= 0]])
        ucol = raws["units"].column_for("unit")
        for code, row in zip(units["unit"], unit_rows, strict=True):
            if code not in counted and code not in attempted:
                col.add(
                    "warning",
                    units_file,
                    int(row),
                    raws["units"].written[ucol],
                    code,
                    "unit has no forms in the responses",
                    "unit_without_forms",
                )

    problems = _redact(col.frame(), ident)
    result = ValidatedCycle(
        cycle=cycle,
        forms=forms_df,
        voided=voided,
        units=units.reset_index(drop=True),
        forms_issued=issued,
        incidents=incidents,
        exclusions=exclusions,
        duplicates=duplicates,
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


OPTIONAL_INPUTS = ("forms_issued", "incidents", "exclusions")
INPUTS_INT_COLUMNS = ("size", "header_row", "rows")


@dataclass(frozen=True)
class _Identifiers:
    """What became of the responses' identifier columns (no raw value is held here)."""

    codes: tuple[str, ...] = ()
    file: str | None = None
    headers: tuple[str, ...] = ()  # as written
    key_id: str | None = None
    respondent: np.ndarray | None = dataclasses.field(default=None, repr=False)


def _protect_identifiers(
    raw: RawTable, scheme: Scheme, col: ProblemCollector, *, key, key_file, folder
):
    """Blank the identifier columns of ``raw``; with a key, compute the ``respondent`` column.

    Returns the new RawTable and an :class:`_Identifiers`.  The raw values live on only in the
    RawTable given, which the caller drops.  With a key, the respondent is the phone number's
    pseudonym, else (phone blank) the name's: names are hashed only where the phone is blank.
    """
    ids = set(scheme.identifier_columns)
    labels = [lab for lab, c in raw.columns.items() if c in ids]
    if not labels:
        if key is not None or key_file is not None:
            _pseudonym.load_key(key, key_file=key_file, data_folders=[folder])
        return raw, _Identifiers()
    k = _pseudonym.load_key(key, key_file=key_file, data_folders=[folder])
    found = {raw.columns[x] for x in labels}
    codes = tuple(c for c in scheme.identifier_columns if c in found)
    headers = tuple(raw.written[x] for x in labels)
    respondent = None
    if k is not None:
        n = len(raw.frame)
        respondent = np.full(n, None, dtype=object)
        todo = np.ones(n, bool)
        for code in codes:  # precedence: phone, then name; the first column of each code
            lab = raw.column_for(code)
            idx = np.flatnonzero(todo)
            values = raw.frame[lab].to_numpy(dtype=object)[idx]
            p = _pseudonym.pseudonymize(values, k, kind=_pseudonym.KIND_OF_COLUMN[code])
            respondent[idx] = p
            todo[idx] = pd.isna(p)
    frame = raw.frame.copy(deep=False)
    for lab in labels:
        frame[lab] = pd.Series(np.full(len(frame), None, dtype=object), index=frame.index)
    numeric = MappingProxyType({c: m for c, m in raw.numeric.items() if c not in labels})
    protected = dataclasses.replace(raw, frame=frame, numeric=numeric)
    if k is None:
        col.add(**_pseudonym.dropped_problem(raw.file, raw.header_row, headers))
        return protected, _Identifiers(codes, raw.file, headers)
    return protected, _Identifiers(codes, raw.file, headers, k.key_id, respondent)


def _redact(problems: pd.DataFrame, ident: _Identifiers) -> pd.DataFrame:
    """Problem values in an identifier column become ``<redacted>`` (defence in depth)."""
    if not ident.codes or len(problems) == 0:
        return problems
    hit = (
        (problems["file"] == ident.file).to_numpy()
        & problems["column"].isin(ident.headers).to_numpy()
        & problems["value"].notna().to_numpy()
    )
    if hit.any():
        problems = problems.copy()
        problems.loc[hit, "value"] = _pseudonym.REDACTED
    return problems


def _check_returned(raw, issued, info, forms_df, voided, scheme, col):
    """Returned forms (counted + voided) above forms issued, per unit × group."""
    returned = (
        pd.concat([forms_df[["unit", "group"]], voided[["unit", "group"]]])
        .astype(object)
        .value_counts()
    )
    have = {(u, g): int(n) for (u, g), n in returned.items()}
    returned_problems(raw, issued, info, have, col)


def returned_problems(raw, issued, info, have: dict, col) -> None:
    """Problems of returned (``have``: (unit, group) → forms returned) against issued."""
    listed = set()
    for (u, g, n), row in zip(issued.itertuples(index=False), info["rows"], strict=True):
        listed.add((u, g))
        got = have.get((u, g), 0)
        if got > n:
            col.add(
                "error",
                raw.file,
                int(row),
                raw.written[info["label"]],
                str(n),
                f"{got} returned for {u} × {g}, more than the {n} issued",
                "returned_above_issued",
            )
    for (u, g), got in sorted(have.items()):
        if (u, g) not in listed:
            col.add(
                "warning",
                raw.file,
                None,
                None,
                f"{u} × {g}",
                f"no forms-issued count for this unit and group ({got} forms returned); "
                "response rate unknown",
                "issued_missing",
            )


def check_cycle(path, *, scheme=None, cycle=None, key=None, key_file=None) -> pd.DataFrame:
    """The problems table of :func:`validate_cycle` (never raises for bad data).

    Examples
    --------
    >>> check_cycle("data/raw/2026H1").query("severity == 'error'")  # doctest: +SKIP
    """
    return validate_cycle(
        path, scheme=scheme, cycle=cycle, raise_on_error=False, key=key, key_file=key_file
    ).problems


# ---------------------------------------------------------------------------- printing
def format_problems(problems: pd.DataFrame) -> list[str]:
    """One line per problem, ``file:row:column: reason (value)``; errors, then warnings.

    Examples
    --------
    >>> format_problems(check_cycle("data/raw/2026H1"))[:1]  # doctest: +SKIP
    ['data/raw/2026H1/responses.xlsx:57:问卷编号: form typed twice: ... (H1-0041)']
    """
    if problems is None or len(problems) == 0:
        return []
    return [format_problem(p) for p in sort_problems(problems).itertuples(index=False)]


def format_summary(validated: ValidatedCycle) -> str:
    """A short readable summary of a validated cycle (what ``evalstats validate`` prints)."""
    s = validated.summary()
    lines = [f"cycle {s['cycle']} (scheme {s['scheme']})"]
    for t in validated.inputs.itertuples(index=False):
        where = []
        if isinstance(t.encoding, str):
            where.append(f"encoding {t.encoding}")
        if isinstance(t.sheet, str):
            where.append(f"sheet {t.sheet}")
        if t.header_row is not None and not pd.isna(t.header_row):
            where.append(f"header row {int(t.header_row)}")
        where.append(f"{int(t.rows):,} rows")
        lines.append(f"  {t.table:<13}{t.file} ({', '.join(where)})")
    lines.append(
        f"forms: {s['forms_read']:,} read, {s['duplicates_collapsed']:,} typed twice "
        f"(counted once), {s['voided']:,} voided, {s['forms_counted']:,} counted"
    )
    lines.append("  by group: " + ", ".join(f"{g} {n:,}" for g, n in s["forms_by_group"].items()))
    lines.append("answers: " + ", ".join(f"{k} {n:,}" for k, n in s["answers"].items()))
    lines.append(f"units: {s['units']:,} ({s['units_with_forms']:,} with forms)")
    if validated.identifiers:
        kid = validated.pseudonym_key_id
        what = (
            f"replaced by keyed pseudonyms in column respondent (key id {kid})"
            if kid is not None
            else "dropped (no pseudonym key)"
        )
        lines.append(f"respondent identifiers ({', '.join(validated.identifiers)}): {what}")
    lines.append(f"problems: {s['errors']:,} errors, {s['warnings']:,} warnings")
    return "\n".join(lines)


__all__ = [
    "INPUTS_INT_COLUMNS",
    "OPTIONAL_COLUMNS",
    "OPTIONAL_INPUTS",
    "SCI_ID",
    "SEVERITIES",
    "HasProblems",
    "ProblemCollector",
    "ValidatedCycle",
    "check_cycle",
    "format_problems",
    "format_summary",
    "inputs_row",
    "parse_dates",
    "returned_problems",
    "sort_problems",
    "validate_cycle",
    "validate_exclusions",
    "validate_incidents",
    "validate_issued",
    "validate_units",
]
