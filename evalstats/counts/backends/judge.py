"""``validate_cycle``'s per-row rules on the few rows of interest of an out-of-core scan.

The scan (:mod:`~evalstats.counts.backends.scan`) brings into memory only the rows with a
problem, the rows whose form id occurs more than once and the voided rows; :func:`judge_rows`
applies to them the rules of :func:`~evalstats.inputs.validate.validate_cycle` — blank or
imprecise form ids, blank or unknown units, groups and levels, forms typed twice — and puts
each problem, with the row the user sees, into the problem collector.

Examples
--------
>>> from evalstats.counts.backends.judge import judge_rows
>>> r = judge_rows(rows, src=src, scheme=scheme, maps=maps, units_file="units.csv",
...                col=collector)  # doctest: +SKIP
>>> r["keep"]  # doctest: +SKIP
array([ True, False])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from evalstats.core.scheme import Scheme, normalize_label
from evalstats.counts.backends.labels import nfkc_trim
from evalstats.counts.backends.source import StagedSource


@dataclass(frozen=True)
class _Cells:
    """Puts the problems of the marked rows of one column into the collector."""

    src: StagedSource
    row_no: np.ndarray
    shown: dict
    col: object

    def __call__(self, code, mask, severity, reason, kind):
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        self.col.extend(
            pd.DataFrame(
                {
                    "severity": severity,
                    "file": self.src.file,
                    "row": self.row_no[idx],
                    "column": self.src.written[code],
                    "value": self.shown[code][idx],
                    "reason": reason[idx] if isinstance(reason, np.ndarray) else reason,
                    "code": kind,
                }
            )
        )


def _shown(rows: pd.DataFrame) -> dict:
    """Each column's values as the user sees them in a problem (NFKC, trimmed)."""
    shown = {}
    for c in rows.columns.drop("row"):
        values = [None if pd.isna(v) else str(v) for v in rows[c].to_numpy(object)]
        shown[c] = np.asarray(nfkc_trim(pa.array(values, pa.string())).to_pylist(), dtype=object)
    return shown


def _check_ids(fid: np.ndarray, scheme: Scheme, cells: _Cells):
    """``(blank, scientific)`` masks of the form ids; their problems reported."""
    from evalstats.inputs.read.raw import SCI_ID as SCI
    from evalstats.inputs.read.raw import id_precision_reason

    blank_id = pd.isna(fid)
    cells("form_id", blank_id, "error", "blank form id", "blank_value")
    sci = ~blank_id & pd.Series(fid, dtype=object).astype(str).str.fullmatch(SCI).to_numpy()
    limit = scheme.rules.max_id_digits
    cells("form_id", sci, "error", id_precision_reason(limit), "id_precision")
    return blank_id, sci


def _check_unit_group(rows: pd.DataFrame, *, scheme: Scheme, maps, units_file, cells: _Cells):
    """``(unit, group)`` codes (-1 blank, -2 unknown); their problems reported."""
    n = len(rows)
    unit = maps["unit"](rows["unit"].tolist()) if n else np.zeros(0, np.int32)
    group = maps["group"](rows["group"].tolist()) if n else np.zeros(0, np.int32)
    cells("unit", unit == -1, "error", "blank unit", "blank_value")
    cells(
        "unit",
        unit == -2,
        "error",
        f"unknown unit: neither a code nor a name in {units_file}",
        "unknown_unit",
    )
    expected = ", ".join(g.label_zh for g in scheme.groups)
    cells("group", group == -1, "error", "blank respondent group", "blank_value")
    cells(
        "group",
        group == -2,
        "error",
        f"unknown respondent group; expected one of {expected}",
        "unknown_group",
    )
    return unit, group


def _check_levels(rows: pd.DataFrame, *, scheme: Scheme, maps, cells: _Cells):
    """``(levels, keys, unknown)``: level codes per dimension, the answer keys that compare two
    copies of a form, and the rows with an unknown level; their problems reported."""
    n = len(rows)
    lv_labels = ", ".join(v.label_zh for v in scheme.levels)
    digits = ", ".join(str(v.digit) for v in scheme.levels if v.digit is not None)
    lv_reason = f"unknown level; expected one of {lv_labels}" + (
        f" (or the digits {digits})" if digits else ""
    )
    levels, keys = {}, {}
    unknown = np.zeros(n, bool)
    for d in scheme.dimension_codes:
        lv = maps["level"](rows[d].tolist()) if n else np.zeros(0, np.int32)
        cells(d, lv == -2, "error", lv_reason, "unknown_level")
        unknown |= lv == -2
        levels[d] = lv
        text = pd.Series([normalize_label(v) if v is not None else "" for v in cells.shown[d]])
        keys[d] = np.where(lv == -2, "?" + text, lv.astype(str))
    return levels, keys, unknown


@dataclass(frozen=True)
class _Copies:
    """The forms of one id typed twice: the codes that compare them."""

    fid: np.ndarray
    ok_id: np.ndarray
    unit: np.ndarray
    group: np.ndarray
    keys: dict


def _check_duplicates(copies: _Copies, cells: _Cells):
    """``(in_conflict, dup_later, dup_first_row)`` of the same id twice (validate_cycle's rule:
    first copy by row; any difference → error); their problems reported."""
    fid, unit, group, keys = copies.fid, copies.unit, copies.group, copies.keys
    n = len(fid)
    row_no = cells.row_no
    multi = copies.ok_id & pd.Series(fid).duplicated(keep=False).to_numpy()
    if not multi.any():
        return np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, np.int64)
    idx = np.flatnonzero(multi)
    sub = pd.DataFrame(
        {"u": np.maximum(unit[idx], -1), "g": np.maximum(group[idx], -1)}
        | {d: k[idx] for d, k in keys.items()}
    )
    h = pd.util.hash_pandas_object(sub, index=False).to_numpy()
    codes, _ = pd.factorize(pd.Series(fid[idx]))
    _, first = np.unique(codes, return_index=True)
    first_idx = idx[first]
    same = h == h[first][codes]
    repeat = np.zeros(n, bool)
    repeat[idx] = first_idx[codes] != idx
    first_row = np.zeros(n, np.int64)
    first_row[idx] = row_no[first_idx[codes]]
    conflict = np.zeros(len(first), bool)
    np.logical_or.at(conflict, codes, ~same)
    in_conflict = np.zeros(n, bool)
    in_conflict[idx] = conflict[codes]
    same_full = np.zeros(n, bool)
    same_full[idx] = same
    diff = repeat & ~same_full
    reason = np.array([f"same form id as row {r} but different answers" for r in first_row])
    cells("form_id", diff, "error", reason.astype(object), "conflicting_duplicate")
    twice = repeat & same_full
    reason2 = np.array(
        [f"form typed twice: same id and answers as row {r}; counted once" for r in first_row]
    )
    cells("form_id", twice, "warning", reason2.astype(object), "duplicate_form")
    return in_conflict, twice & ~in_conflict, first_row


def judge_rows(rows: pd.DataFrame, *, src: StagedSource, scheme: Scheme, maps, units_file, col):
    """validate_cycle's per-row rules on the few rows of interest; problems into ``col``.

    Parameters
    ----------
    rows : DataFrame
        ``row, form_id, unit, group`` and the dimensions, raw labels
        (:meth:`~evalstats.counts.backends.duckdb.SqlFragments.rows_select`; the scan reads
        them in one query, :func:`~evalstats.counts.backends.scan.scan`).
    src : StagedSource
    scheme : Scheme
    maps : dict
        Kind (``unit``, ``group``, ``level``) → function giving the codes of raw labels.
    units_file : str
        The units file as shown (named by the unknown-unit problem).
    col : ProblemCollector

    Returns
    -------
    dict
        Per row: ``unit``, ``group`` and ``levels`` (dimension → codes; -1 blank, -2 unknown),
        ``err`` (an error), ``dup_later`` (a later copy of a form typed twice, counted once),
        ``dup_first_row`` (the row of its first copy) and ``keep`` (counted).

    Examples
    --------
    >>> judge_rows(rows, src=src, scheme=scheme, maps=maps, units_file="units.csv",
    ...            col=collector)["keep"]  # doctest: +SKIP
    """
    cells = _Cells(src, rows["row"].to_numpy(np.int64), _shown(rows), col)
    fid = rows["form_id"].to_numpy(object)
    blank_id, sci = _check_ids(fid, scheme, cells)
    unit, group = _check_unit_group(
        rows, scheme=scheme, maps=maps, units_file=units_file, cells=cells
    )
    levels, keys, unknown_level = _check_levels(rows, scheme=scheme, maps=maps, cells=cells)
    copies = _Copies(fid, ~blank_id & ~sci, unit, group, keys)
    in_conflict, dup_later, dup_first_row = _check_duplicates(copies, cells)
    err = blank_id | sci | (unit < 0) | (group < 0) | unknown_level | in_conflict
    return {
        "unit": unit,
        "group": group,
        "levels": levels,
        "err": err,
        "dup_later": dup_later,
        "dup_first_row": dup_first_row,
        "keep": ~err & ~dup_later,
    }


__all__ = ["judge_rows"]
