"""Checks of the small input tables: units, exclusions, forms issued, incidents; the inputs
table's rows.

Each ``validate_*`` takes the :class:`~evalstats.inputs.read.RawTable` as read and a
:class:`~evalstats.inputs.validate.problems.ProblemCollector` that gathers its problems, and
returns the clean table.  Shared with the out-of-core backends
(:mod:`evalstats.counts.backends`).

Examples
--------
>>> from evalstats.inputs.read import read_table
>>> from evalstats.inputs.validate.problems import ProblemCollector
>>> from evalstats.inputs.validate.tables import validate_units
>>> col = ProblemCollector()
>>> units, lookup, rows = validate_units(read_table("data/raw/2026H1/units.csv", table="units"),
...                                      load_scheme(), col)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme, normalize_label
from evalstats.inputs.read import RawTable
from evalstats.inputs.validate.columns import (
    category_positions,
    check_columns,
    column_values,
    first_row_of,
    parse_dates,
    usable,
)
from evalstats.inputs.validate.problems import ProblemCollector
from evalstats.inputs.validate.values import (
    check_today,
    incident_date_problems,
    unsafe_text_problems,
)

OPTIONAL_INPUTS = ("forms_issued", "incidents", "exclusions")
INPUTS_INT_COLUMNS = ("size", "header_row", "rows")


def validate_units(raw: RawTable, scheme: Scheme, col: ProblemCollector):
    """The units table (``unit, name, series, name_en``) from its raw table; problems go to
    ``col``.  Shared with the out-of-core backends (:mod:`evalstats.counts.backends`).

    ``name_en`` is the optional English name the English edition shows (None where the file
    has no such column or the cell is blank); when typed, two units may not share it.

    Returns (units, lookup of typed code or name → unit code, row of each unit).
    """
    empty = pd.DataFrame(
        {
            "unit": pd.Series([], dtype=object),
            "name": pd.Series([], dtype=object),
            "series": pd.Series([], dtype=object),
            "name_en": pd.Series([], dtype=object),
        }
    )
    col.extend(raw.problems)
    if not usable(raw):
        return empty, {}, np.zeros(0, dtype=np.int64)
    found = check_columns(raw, scheme, ("unit", "name", "series"), col)
    codes = column_values(raw, found.get("unit"))
    names = column_values(raw, found.get("name"))
    n = len(codes)
    keep = np.zeros(n, bool)
    if "unit" in found:
        blank, repeat = _unique_cells(
            raw,
            found["unit"],
            col,
            what="unit code",
            repeated="duplicate unit code (also row {row})",
            code="duplicate_unit",
        )
        unsafe = unsafe_text_problems(raw, found["unit"], col, identifier=True)
        keep = ~(blank | repeat | unsafe) & ~pd.isna(codes)
    if "name" in found:
        unsafe_text_problems(raw, found["name"], col, identifier=True)
        _unique_cells(
            raw,
            found["name"],
            col,
            what="unit name",
            repeated="two units share this name (also row {row}); names must be unique",
            code="duplicate_name",
        )
    series = _series(raw, scheme, found, col)
    names_en = _english_names(raw, found.get("name_en"), col)
    lookup = _unit_lookup(raw, found, col, keep=keep)
    units = pd.DataFrame(
        {
            "unit": pd.Series(codes[keep], dtype=object),
            "name": pd.Series(names[keep], dtype=object),
            "series": pd.Series(series[keep], dtype=object),
            "name_en": pd.Series(names_en[keep], dtype=object),
        }
    )
    return units, lookup, raw.row_numbers[keep]


def _unique_cells(
    raw: RawTable, label: str, col: ProblemCollector, *, what: str, repeated: str, code: str
):
    """Blank and repeated cells (after normalisation) of a column that must be unique.

    ``repeated`` is the reason of a repeat, with ``{row}`` for the row of the first copy.
    """
    values = column_values(raw, label)
    blank = pd.isna(values)
    col.cells(raw, label, blank, severity="error", reason=f"blank {what}", code="blank_value")
    keys = np.array([normalize_label(c) if c is not None else None for c in values], object)
    repeat, first_row, *_ = first_row_of(keys, ~blank, raw.row_numbers)
    reason = np.array([repeated.format(row=r) for r in first_row], object)
    col.cells(raw, label, repeat, severity="error", reason=reason, code=code)
    return blank, repeat


def _english_names(raw: RawTable, label: str | None, col: ProblemCollector) -> np.ndarray:
    """The optional English names: trimmed, None when blank; a name typed twice is an error."""
    values = column_values(raw, label)
    out = np.array(
        [" ".join(str(v).split()) if v is not None and not pd.isna(v) else None for v in values],
        dtype=object,
    )
    out[out == ""] = None
    if label is None:
        return out
    unsafe_text_problems(raw, label, col, identifier=True)
    typed = np.array([v is not None for v in out], bool)
    keys = np.array([normalize_label(v) if v is not None else None for v in out], object)
    repeat, first_row, *_ = first_row_of(keys, typed, raw.row_numbers)
    reason = np.array(
        [
            f"two units share this English name (also row {r}); names must be unique"
            for r in first_row
        ],
        object,
    )
    col.cells(raw, label, repeat, severity="error", reason=reason, code="duplicate_name")
    return out


def _series(raw: RawTable, scheme: Scheme, found: dict, col: ProblemCollector) -> np.ndarray:
    """Each unit's series as a scheme code (None when blank, unknown or absent)."""
    series = np.full(raw.n_rows, None, dtype=object)
    if "series" not in found:
        return series
    typed = column_values(raw, found["series"])
    pos, fc = category_positions(typed, scheme.lookup("series"), scheme.series_codes)
    blank = fc < 0
    unknown = (pos < 0) & ~blank
    expected = ", ".join(s.label_zh for s in scheme.series)
    col.cells(
        raw, found["series"], blank, severity="error", reason="blank series", code="blank_value"
    )
    col.cells(
        raw,
        found["series"],
        unknown,
        severity="error",
        reason=f"unknown series; expected one of {expected}",
        code="unknown_series",
    )
    ok = pos >= 0
    series[ok] = np.asarray(scheme.series_codes, dtype=object)[pos[ok]]
    return series


def _unit_lookup(raw: RawTable, found: dict, col: ProblemCollector, *, keep) -> dict[str, str]:
    """Typed unit code or name (normalised) → unit code, for the units kept; a name that is
    another unit's code is an error."""
    codes = column_values(raw, found.get("unit"))
    lookup: dict[str, str] = {}
    for c in codes[keep]:
        lookup[normalize_label(c)] = c
    if "name" not in found:
        return lookup
    names = column_values(raw, found["name"])
    for i in np.flatnonzero(keep & ~pd.isna(names)):
        key = normalize_label(names[i])
        if key in lookup and lookup[key] != codes[i]:
            col.add(
                "error",
                raw.file,
                row=int(raw.row_numbers[i]),
                column=raw.written[found["name"]],
                value=names[i],
                reason=f"this name is also the code of unit {lookup[key]}; a unit typed this way "
                "would be ambiguous",
                code="ambiguous_unit",
            )
            continue
        lookup.setdefault(key, codes[i])
    return lookup


def validate_exclusions(raw: RawTable | None, scheme, all_ids: set, col: ProblemCollector):
    """The exclusions table (``form_id, reason``), checked against the form ids ``all_ids``;
    problems go to ``col``.  Shared with the out-of-core backends."""
    empty = pd.DataFrame(
        {"form_id": pd.Series([], dtype=object), "reason": pd.Series([], dtype=object)}
    )
    if raw is None:
        return empty
    col.extend(raw.problems)
    if not usable(raw):
        return empty
    found = check_columns(raw, scheme, ("form_id",), col)
    if "form_id" not in found:
        return empty
    ids = column_values(raw, found["form_id"])
    reasons = column_values(raw, found.get("reason"))
    unsafe_text_problems(raw, found.get("reason"), col)
    blank = pd.isna(ids)
    col.cells(
        raw, found["form_id"], blank, severity="error", reason="blank form id", code="blank_value"
    )
    missing = ~blank & ~pd.Series(ids).isin(all_ids).to_numpy()
    col.cells(
        raw,
        found["form_id"],
        missing,
        severity="error",
        reason="excluded form id not found in the responses",
        code="unknown_excluded_id",
    )
    repeat, first_row, *_ = first_row_of(ids, ~blank, raw.row_numbers)
    reason = np.array([f"form id listed twice (also row {r})" for r in first_row], object)
    col.cells(
        raw, found["form_id"], repeat, severity="warning", reason=reason, code="duplicate_exclusion"
    )
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
    if not usable(raw):
        return None, None
    found = check_columns(raw, scheme, ("unit", "group", "issued"), col)
    n = raw.n_rows
    bad = np.zeros(n, bool)
    unit_pos = np.full(n, -1, np.int64)
    group_pos = np.full(n, -1, np.int64)
    issued = np.zeros(n, np.int64)
    if "unit" in found:
        unit_pos, fc = category_positions(column_values(raw, found["unit"]), unit_lookup, unit_cats)
        col.cells(
            raw, found["unit"], fc < 0, severity="error", reason="blank unit", code="blank_value"
        )
        col.cells(
            raw,
            found["unit"],
            (unit_pos < 0) & (fc >= 0),
            severity="error",
            reason="unknown unit: neither a code nor a name in the units file",
            code="unknown_unit",
        )
        bad |= unit_pos < 0
    if "group" in found:
        group_pos, fc = category_positions(
            column_values(raw, found["group"]), scheme.lookup("groups"), scheme.group_codes
        )
        expected = ", ".join(g.label_zh for g in scheme.groups)
        col.cells(
            raw,
            found["group"],
            fc < 0,
            severity="error",
            reason="blank respondent group",
            code="blank_value",
        )
        col.cells(
            raw,
            found["group"],
            (group_pos < 0) & (fc >= 0),
            severity="error",
            reason=f"unknown respondent group; expected one of {expected}",
            code="unknown_group",
        )
        bad |= group_pos < 0
    if "issued" in found:
        issued, ok = _parse_counts(column_values(raw, found["issued"]))
        col.cells(
            raw,
            found["issued"],
            ~ok,
            severity="error",
            reason="forms issued must be a whole number, 0 or more",
            code="bad_count",
        )
        bad |= ~ok
    if set(found) < {"unit", "group", "issued"}:
        return None, None
    key = np.where(bad, -1, unit_pos * (len(scheme.group_codes) + 1) + group_pos)
    repeat, first_row, *_ = first_row_of(key, ~bad, raw.row_numbers)
    reason = np.array([f"unit and group listed twice (also row {r})" for r in first_row], object)
    col.cells(raw, found["unit"], repeat, severity="error", reason=reason, code="duplicate_row")
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


def validate_incidents(raw, scheme, unit_lookup, unit_cats, col, *, cycle=None, today=None):
    """The incidents table (``unit, date, kind, note``); problems go to ``col``.  Shared with
    the out-of-core backends.

    An incident dated after ``today`` (the run's date; default the machine's) or outside the
    period of ``cycle`` (:func:`evalstats.core.cycles.cycle_period`; no period check without
    a cycle or for a free id) is an error and is not kept: it cannot veto a unit
    (:func:`~evalstats.inputs.validate.values.incident_date_problems`).  A note holding control
    characters is a warning.
    """
    today = check_today(today)
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
    if not usable(raw):
        return empty
    found = check_columns(raw, scheme, ("unit", "date", "kind"), col)
    if set(found) < {"unit", "date", "kind"}:
        return empty
    unit_pos, fc = category_positions(column_values(raw, found["unit"]), unit_lookup, unit_cats)
    col.cells(raw, found["unit"], fc < 0, severity="error", reason="blank unit", code="blank_value")
    col.cells(
        raw,
        found["unit"],
        (unit_pos < 0) & (fc >= 0),
        severity="error",
        reason="unknown unit: neither a code nor a name in the units file",
        code="unknown_unit",
    )
    dates, bad_date = parse_dates(column_values(raw, found["date"]))
    blank_date = np.isnat(dates) & ~bad_date
    col.cells(
        raw, found["date"], blank_date, severity="error", reason="blank date", code="blank_value"
    )
    col.cells(
        raw,
        found["date"],
        bad_date,
        severity="error",
        reason="cannot read this as a date (write e.g. 2026-03-15)",
        code="bad_date",
    )
    out_of_time = incident_date_problems(raw, found["date"], dates, col, cycle=cycle, today=today)
    unsafe_text_problems(raw, found.get("note"), col)
    kind_pos, kfc = category_positions(
        column_values(raw, found["kind"]),
        scheme.lookup("incident_kinds"),
        [k.code for k in scheme.incident_kinds],
    )
    expected = ", ".join(k.label_zh for k in scheme.incident_kinds)
    col.cells(
        raw,
        found["kind"],
        kfc < 0,
        severity="error",
        reason="blank incident kind",
        code="blank_value",
    )
    col.cells(
        raw,
        found["kind"],
        (kind_pos < 0) & (kfc >= 0),
        severity="error",
        reason=f"unknown incident kind; expected one of {expected}",
        code="unknown_kind",
    )
    keep = (unit_pos >= 0) & ~np.isnat(dates) & ~out_of_time & (kind_pos >= 0)
    kinds = np.asarray([k.code for k in scheme.incident_kinds], dtype=object)
    return pd.DataFrame(
        {
            "unit": pd.Series(np.asarray(unit_cats, dtype=object)[unit_pos[keep]], dtype=object),
            "date": pd.Series(dates[keep], dtype="datetime64[ns]"),
            "kind": pd.Series(kinds[kind_pos[keep]], dtype=object),
            "note": pd.Series(column_values(raw, found.get("note"))[keep], dtype=object),
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
        "rows": raw.n_rows,
    }


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
                row=int(row),
                column=raw.written[info["label"]],
                value=str(n),
                reason=f"{got} returned for {u} × {g}, more than the {n} issued",
                code="returned_above_issued",
            )
    for (u, g), got in sorted(have.items()):
        if (u, g) not in listed:
            col.add(
                "warning",
                raw.file,
                row=None,
                column=None,
                value=f"{u} × {g}",
                reason=f"no forms-issued count for this unit and group ({got} forms returned); "
                "response rate unknown",
                code="issued_missing",
            )


__all__ = [
    "INPUTS_INT_COLUMNS",
    "OPTIONAL_INPUTS",
    "inputs_row",
    "returned_problems",
    "validate_exclusions",
    "validate_incidents",
    "validate_issued",
    "validate_units",
]
