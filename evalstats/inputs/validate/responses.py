"""Checks of the responses table, row by row and vectorised; the forms tables built from it.

:func:`validate_responses` maps each row's form id, unit, group, levels and submission time to
codes, gathers the problems of every cell and finds the forms typed twice; :func:`build_forms`
makes the forms table (:mod:`evalstats.inputs.forms`) of chosen rows.

Examples
--------
>>> from evalstats.inputs.validate.responses import validate_responses
>>> r = validate_responses(raw, scheme, unit_lookup, unit_cats, units_file, col)  # doctest: +SKIP
>>> r.err.sum()  # doctest: +SKIP
0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme
from evalstats.inputs import forms as _forms
from evalstats.inputs.read import RawTable
from evalstats.inputs.read.raw import SCI_ID, damaged_ids, id_precision_reason
from evalstats.inputs.validate.columns import (
    check_columns,
    column_positions,
    column_values,
    first_row_of,
    parse_dates,
    usable,
)
from evalstats.inputs.validate.problems import ProblemCollector


def validate_responses(
    raw: RawTable, scheme: Scheme, col: ProblemCollector, *, unit_lookup, unit_cats, units_file
) -> dict | None:
    """Per-row checks of the responses; returns mapped arrays and the error mask.

    The steps: the columns, the form ids, the units, the groups, the levels, the submission
    times, then the forms typed twice.  Problems go to ``col`` in that order.

    Returns
    -------
    dict or None
        ``found`` (column code → frame column), ``fid``, ``unit_pos``, ``group_pos``,
        ``levels`` (dimension → level positions), ``submitted``, ``comment``, ``collector``,
        ``err`` (rows with an error), ``dup_later`` (later copies of a form typed twice) and
        ``dup_first_row``; None when the table could not be read.

    Examples
    --------
    >>> r = validate_responses(raw, scheme, col, unit_lookup={}, unit_cats=[],
    ...                        units_file=None)  # doctest: +SKIP
    """
    col.extend(raw.problems)
    if not usable(raw):
        return None
    found = check_columns(raw, scheme, ("form_id", "unit", "group", *scheme.dimension_codes), col)
    fid, fcodes, fid_bad, lost = _check_form_ids(raw, scheme, found, col)
    unit_pos, unit_bad = _map_units(
        raw, found, col, lookup=unit_lookup, cats=unit_cats, file=units_file
    )
    group_pos, group_bad = _map_groups(raw, scheme, found, col)
    levels, keys, level_bad = _map_levels(raw, scheme, found, col)
    kinds, kind_bad = _map_comment_kinds(raw, scheme, found, col)
    submitted, date_bad = _parse_submitted(raw, found, col)
    answers = {"u": unit_pos, "g": group_pos} | keys  # a frame only of the ids typed twice
    in_conflict, dup_later, dup_first_row = _find_duplicates(
        raw, found, col, fid=fid, fcodes=fcodes, ok_id=(fcodes >= 0) & ~lost, answers=answers
    )
    return {
        "found": found,
        "fid": fid,
        "unit_pos": unit_pos,
        "group_pos": group_pos,
        "levels": levels,
        "submitted": submitted,
        "comment": column_values(raw, found.get("comment")),
        "collector": column_values(raw, found.get("collector")),
        "comment_kind": kinds,
        "err": fid_bad | unit_bad | group_bad | level_bad | date_bad | kind_bad | in_conflict,
        "dup_later": dup_later,
        "dup_first_row": dup_first_row,
    }


def _check_form_ids(raw: RawTable, scheme: Scheme, found: dict, col: ProblemCollector):
    """Form ids: (ids, their codes (-1: blank), rows with an error, ids that lost precision
    in Excel)."""
    n = raw.n_rows
    if "form_id" not in found:  # named by the missing-column error
        fid = column_values(raw, None)
        return fid, np.full(n, -1, np.int64), np.ones(n, bool), np.zeros(n, bool)
    label = found["form_id"]
    coded = raw.column_codes(label)  # first: the ids' objects are then made from the codes
    fid = column_values(raw, label)
    fcodes = coded.codes
    blank = fcodes < 0
    col.cells(raw, label, blank, severity="error", reason="blank form id", code="blank_value")
    limit = scheme.rules.max_id_digits
    lost, shown = damaged_ids(raw, label, limit=limit, values=fid)
    col.cells(
        raw,
        label,
        lost,
        severity="error",
        reason=id_precision_reason(limit),
        code="id_precision",
        values=shown,
    )
    return fid, fcodes, blank | lost, lost


def _map_units(raw: RawTable, found: dict, col: ProblemCollector, *, lookup, cats, file):
    """Units typed → positions in ``cats`` (-1: blank or unknown) and the rows in error."""
    n = raw.n_rows
    if "unit" not in found:
        return np.full(n, -1, dtype=np.int32), np.ones(n, bool)
    unit_pos, ufc = column_positions(raw, found["unit"], lookup, cats)
    blank = ufc < 0
    unknown = (unit_pos < 0) & ~blank
    col.cells(raw, found["unit"], blank, severity="error", reason="blank unit", code="blank_value")
    col.cells(
        raw,
        found["unit"],
        unknown,
        severity="error",
        reason=f"unknown unit: neither a code nor a name in {file}",
        code="unknown_unit",
    )
    return unit_pos, blank | unknown


def _map_groups(raw: RawTable, scheme: Scheme, found: dict, col: ProblemCollector):
    """Respondent groups typed → positions in the scheme's groups and the rows in error."""
    n = raw.n_rows
    if "group" not in found:
        return np.full(n, -1, dtype=np.int32), np.ones(n, bool)
    group_pos, gfc = column_positions(
        raw, found["group"], scheme.lookup("groups"), scheme.group_codes
    )
    blank = gfc < 0
    unknown = (group_pos < 0) & ~blank
    expected = ", ".join(g.label_zh for g in scheme.groups)
    col.cells(
        raw,
        found["group"],
        blank,
        severity="error",
        reason="blank respondent group",
        code="blank_value",
    )
    col.cells(
        raw,
        found["group"],
        unknown,
        severity="error",
        reason=f"unknown respondent group; expected one of {expected}",
        code="unknown_group",
    )
    return group_pos, blank | unknown


def _map_comment_kinds(raw: RawTable, scheme: Scheme, found: dict, col: ProblemCollector):
    """The optional 意见类别 column: kind codes (None where blank, or without the column) and
    the rows whose kind is not one of the scheme's ``comment_kinds`` (an error)."""
    n = raw.n_rows
    if "comment_kind" not in found:
        return None, np.zeros(n, bool)
    coded = raw.column_codes(found["comment_kind"])  # each distinct kind looked up once
    kinds = [scheme.comment_kind_for(v) for v in coded.uniques]
    codes = np.array([*kinds, None], dtype=object)[coded.codes]  # -1 (blank): None
    blanks = [pd.isna(v) or str(v).strip() == "" for v in coded.uniques]
    blank = np.array([*blanks, True], dtype=bool)[coded.codes]
    unknown = ~blank & pd.isna(codes)
    expected = ", ".join(k.label_zh for k in scheme.comment_kinds)
    col.cells(
        raw,
        found["comment_kind"],
        unknown,
        severity="error",
        reason=f"unknown comment kind; expected one of {expected}",
        code="unknown_comment_kind",
    )
    return codes, unknown


def _map_levels(raw: RawTable, scheme: Scheme, found: dict, col: ProblemCollector):
    """Answers → level positions per dimension (-1: blank or unknown), what tells copies
    apart (per dimension the positions and the codes of the text typed: :func:`_answer_keys`)
    and the rows with an unknown level."""
    n = raw.n_rows
    err = np.zeros(n, bool)
    levels = {}
    keys = {}
    lv_labels = ", ".join(v.label_zh for v in scheme.levels)
    digits = ", ".join(str(v.digit) for v in scheme.levels if v.digit is not None)
    lv_reason = f"unknown level; expected one of {lv_labels}" + (
        f" (or the digits {digits})" if digits else ""
    )
    level_lookup = scheme.level_lookup()
    for d in scheme.dimension_codes:
        if d not in found:
            levels[d] = np.full(n, -1, dtype=np.int32)
            keys[d] = (levels[d], levels[d])
            continue
        pos, lfc = column_positions(raw, found[d], level_lookup, scheme.level_codes)
        unknown = (pos < 0) & (lfc >= 0)
        col.cells(raw, found[d], unknown, severity="error", reason=lv_reason, code="unknown_level")
        err |= unknown
        levels[d] = pos
        keys[d] = (pos, lfc)
    return levels, keys, err


def _answer_keys(answers: dict, rows: np.ndarray) -> pd.DataFrame:
    """The answers of ``rows`` that tell copies of a form apart, one column each: an array,
    or per dimension (level positions, codes of the text typed), the position where the
    level is known and ``-2 - code`` where not (unknown text keeps its identity; a blank is
    -1).  Made for the rows whose id repeats only, not for every form."""
    cols = {}
    for k, v in answers.items():
        if isinstance(v, tuple):
            pos, codes = v[0][rows], v[1][rows]
            cols[k] = np.where(pos >= 0, pos, -2 - codes)
        else:
            cols[k] = np.asarray(v)[rows]
    return pd.DataFrame(cols)


def _parse_submitted(raw: RawTable, found: dict, col: ProblemCollector):
    """Submission times (NaT when blank or absent) and the rows that cannot be read as one."""
    n = raw.n_rows
    if "submitted_at" not in found:
        return np.full(n, np.datetime64("NaT", "ns")), np.zeros(n, bool)
    submitted, bad = parse_dates(raw.arrow(found["submitted_at"]))
    col.cells(
        raw,
        found["submitted_at"],
        bad,
        severity="error",
        reason="cannot read this as a date and time (write e.g. 2026-06-30 14:05)",
        code="bad_datetime",
    )
    return submitted, bad


def _find_duplicates(
    raw: RawTable, found: dict, col: ProblemCollector, *, fid, fcodes, ok_id, answers
):
    """The same id twice: same answers (``answers``: unit, group and level keys per row,
    :func:`_answer_keys`) → counted once; different answers → an error, and no copy is counted.
    ``fcodes``: the ids' codes (equal ids, equal codes).

    Returns (rows in conflict, later copies of a form typed twice, row of each one's first copy).
    """
    n = raw.n_rows
    in_conflict = np.zeros(n, bool)
    dup_later = np.zeros(n, bool)
    dup_first_row = np.zeros(n, np.int64)
    if not ok_id.any():
        return in_conflict, dup_later, dup_first_row
    ok = fcodes if ok_id.all() else fcodes[ok_id]
    if bool((ok[1:] > ok[:-1]).all()):
        # codes rising: every id once (distinct ids are coded in order of first appearance,
        # and a wide file's form ids of distinct row ids are numbered): nothing to count
        return in_conflict, dup_later, dup_first_row
    counts = np.bincount(ok, minlength=int(fcodes.max()) + 1)
    multi = ok_id & (counts[np.maximum(fcodes, 0)] > 1)
    if not multi.any():
        return in_conflict, dup_later, dup_first_row
    idx = np.flatnonzero(multi)
    h = pd.util.hash_pandas_object(_answer_keys(answers, idx), index=False).to_numpy()
    repeat, first_row, first_idx, codes, _ = first_row_of(fid, multi, raw.row_numbers)
    first_hash = h[np.searchsorted(idx, first_idx[codes])]
    same = h == first_hash
    conflict_code = np.zeros(len(first_idx), bool)
    np.logical_or.at(conflict_code, codes, ~same)
    in_conflict[idx] = conflict_code[codes]
    same_full = np.zeros(n, bool)
    same_full[idx] = same
    diff = repeat & ~same_full
    reason = np.array([f"same form id as row {r} but different answers" for r in first_row], object)
    col.cells(
        raw, found["form_id"], diff, severity="error", reason=reason, code="conflicting_duplicate"
    )
    twice = repeat & same_full
    reason2 = np.array(
        [f"form typed twice: same id and answers as row {r}; counted once" for r in first_row],
        object,
    )
    col.cells(
        raw, found["form_id"], twice, severity="warning", reason=reason2, code="duplicate_form"
    )
    # a conflicting id: no copy is counted (the error names both rows)
    return in_conflict, twice & ~in_conflict, first_row


def build_forms(raw: RawTable, r: dict, positions, *, scheme: Scheme, cycle: str, unit_cats):
    """The forms table (:func:`evalstats.inputs.forms.form_columns`) of the rows ``positions``
    of the responses, from the mapped arrays ``r`` of :func:`validate_responses` (and its
    ``respondent`` column, when set).

    Examples
    --------
    >>> build_forms(raw, r, np.arange(3), scheme=scheme, cycle="2026H1",
    ...             unit_cats=["U01"])  # doctest: +SKIP
    """
    dims = scheme.dimension_codes
    positions = np.asarray(positions)
    n = len(positions)
    ends = n == 0 or (positions[0] == 0 and positions[-1] == n - 1)
    if n == raw.n_rows and ends and bool((positions[1:] > positions[:-1]).all()):
        # every row, in order (n rising positions from 0 to n - 1): the columns as they are
        positions = slice(None)
    source_file = np.empty(n, dtype=object)
    source_file[:] = raw.file  # np.full makes an object array of a str 50 times slower
    data = {
        "cycle": pd.Categorical.from_codes(np.zeros(n, np.int8), categories=[cycle]),
        "form_id": pd.Series(r["fid"][positions], dtype=object, copy=False),
        "unit": pd.Categorical.from_codes(r["unit_pos"][positions], categories=list(unit_cats)),
        "group": pd.Categorical.from_codes(
            r["group_pos"][positions], categories=list(scheme.group_codes)
        ),
    }
    for d in dims:
        data[d] = pd.Categorical.from_codes(r["levels"][d][positions], dtype=scheme.level_dtype)
    data["comment"] = pd.Series(r["comment"][positions], dtype=object, copy=False)
    data["submitted_at"] = pd.Series(r["submitted"][positions], dtype="datetime64[ns]", copy=False)
    data["collector"] = pd.Series(r["collector"][positions], dtype=object, copy=False)
    data["source_file"] = pd.Series(source_file, dtype=object, copy=False)
    data["source_row"] = pd.Series(raw.row_numbers[positions], dtype="int64", copy=False)
    # in order, each column its own block: stacking the text columns into one block would copy
    # (and count a reference to) every cell again (1.6 s and 0.6 GB at 16M forms)
    out = pd.DataFrame(data, columns=_forms.form_columns(scheme), copy=False)
    if r.get("comment_kind") is not None:  # the optional 意见类别, after the comment
        out.insert(
            out.columns.get_loc("comment") + 1,
            "comment_kind",
            pd.Series(r["comment_kind"][positions], dtype=object),
        )
    if r.get("respondent") is not None:
        out.insert(
            out.columns.get_loc("form_id") + 1,
            "respondent",
            pd.Series(r["respondent"][positions], dtype=object),
        )
    return out


__all__ = ["SCI_ID", "build_forms", "validate_responses"]
