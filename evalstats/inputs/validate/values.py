"""Checks of values that read well but cannot be right: dates after the run or outside the
cycle, free text holding control characters, and a cycle (or a unit) with nothing to score.

Shared by :func:`~evalstats.inputs.validate.validate_cycle` and the out-of-core scan
(:mod:`evalstats.counts.backends`), so both paths give the same problems:

* a submission time after the reference date ``today`` (the run's date): a warning
  (``future_date``) — the form is counted, but a date typed wrong is worth a look;
* an incident dated after ``today`` (``future_incident``) or outside the cycle's period
  (``incident_outside_cycle``, :func:`evalstats.core.cycles.cycle_period`): an error, and the
  incident is never kept — a future incident must not veto a unit;
* a comment, note or reason holding control characters, bidi overrides or zero-width marks
  (:func:`evalstats.core.text.unsafe_characters`): a warning naming each character
  (``unsafe_text``), the documents showing the text without them; in a unit's code or name (an
  identifier) an error (``unsafe_name``);
* no counted form with a scored answer in the whole cycle (every answer 不了解 or blank, or
  every form voided): an error (``no_scored_answer``) — there is nothing to rank or grade;
  a unit with forms but no scored answer: a warning (``unit_without_scored_answer``) — the
  unit stays in the report without a composite (flag ``no_composite``, 无综合得分), unranked,
  as DOMAIN.md asks of a cell with no valid answer.

Examples
--------
>>> check_today("2026-12-20")
datetime.date(2026, 12, 20)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.cycles import cycle_period
from evalstats.core.text import UNSAFE_CHARS, unsafe_characters
from evalstats.inputs.read import RawTable
from evalstats.inputs.read.raw import arrow_bool
from evalstats.inputs.validate.problems import ProblemCollector

_UNSAFE = re.compile(UNSAFE_CHARS)

__all__ = [
    "check_today",
    "future_submissions",
    "incident_date_problems",
    "scored_answer_problems",
    "unsafe_text_problems",
    "visible_text",
]


def check_today(today) -> dt.date:
    """The reference date of a validation: ``today`` as a date (default: the machine's date).

    Parameters
    ----------
    today : date, datetime, str (``YYYY-MM-DD``) or None

    Raises
    ------
    TypeError, ValueError
        ``today`` is of another type, or a string that is not an ISO date; the message names
        the parameter.

    Examples
    --------
    >>> check_today(dt.date(2026, 6, 30)), check_today(dt.datetime(2026, 7, 1, 9))
    (datetime.date(2026, 6, 30), datetime.date(2026, 7, 1))
    """
    if today is None:
        return dt.date.today()
    if isinstance(today, dt.datetime):
        return today.date()
    if isinstance(today, dt.date):
        return today
    if isinstance(today, str):
        try:
            return dt.date.fromisoformat(today.strip())
        except ValueError:
            raise ValueError(f"today must be a date written YYYY-MM-DD; got {today!r}") from None
    raise TypeError(f"today must be a date, a datetime or a YYYY-MM-DD string; got {today!r}")


def _day_after(day: dt.date) -> np.datetime64:
    return np.datetime64(day + dt.timedelta(days=1), "ns")


def future_submissions(
    raw: RawTable, label: str, submitted: np.ndarray, col: ProblemCollector, *, today: dt.date
) -> None:
    """A warning (``future_date``) for each submission time after the day ``today``.

    Examples
    --------
    >>> future_submissions(raw, "填表时间", times, col,
    ...                    today=dt.date(2026, 12, 20))  # doctest: +SKIP
    """
    late = ~np.isnat(submitted) & (submitted >= _day_after(today))
    col.cells(
        raw,
        label,
        late,
        severity="warning",
        reason=f"submitted after the run date {today.isoformat()}: check the date typed",
        code="future_date",
    )


def incident_date_problems(
    raw: RawTable,
    label: str,
    dates: np.ndarray,
    col: ProblemCollector,
    *,
    cycle: str,
    today: dt.date,
) -> np.ndarray:
    """Errors for incidents dated after ``today`` (``future_incident``) or outside the period
    of ``cycle`` (``incident_outside_cycle``; a free cycle id has no period); the mask of the
    rows in error (never kept: such an incident does not veto a unit).

    Examples
    --------
    >>> bad = incident_date_problems(raw, "日期", dates, col, cycle="2026H1",
    ...                              today=dt.date(2026, 7, 10))  # doctest: +SKIP
    """
    known = ~np.isnat(dates)
    future = known & (dates >= _day_after(today))
    col.cells(
        raw,
        label,
        future,
        severity="error",
        reason=f"incident dated after the run date {today.isoformat()}; a future incident "
        "cannot veto a unit",
        code="future_incident",
    )
    bad = future
    period = cycle_period(cycle)
    if period is not None:
        start, end = period
        outside = (
            known & ~future & ((dates < np.datetime64(start, "ns")) | (dates >= _day_after(end)))
        )
        col.cells(
            raw,
            label,
            outside,
            severity="error",
            reason=f"incident dated outside the cycle {cycle} ({start.isoformat()} to "
            f"{end.isoformat()}); it cannot veto this cycle's units",
            code="incident_outside_cycle",
        )
        bad = bad | outside
    return bad


def visible_text(text: str) -> str:
    """``text`` with each unsafe character written ``<U+XXXX>``: how a problem shows the value
    (a console that printed U+202E itself would reverse the line).

    Examples
    --------
    >>> visible_text("办事\\x07拖拉")
    '办事<U+0007>拖拉'
    """
    return _UNSAFE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def _char_names(codes: list[str]) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE, U+0007``: the characters, named where Unicode names
    them."""
    out = []
    for c in codes:
        name = unicodedata.name(chr(int(c[2:], 16)), "")
        out.append(f"{c} {name}" if name else c)
    return ", ".join(out)


def unsafe_text_problems(
    raw: RawTable, label: str | None, col: ProblemCollector, *, identifier: bool = False
) -> np.ndarray:
    """Cells of the column ``label`` holding characters no document may carry
    (:func:`evalstats.core.text.unsafe_characters`); the mask of those cells.

    Free text (``identifier=False``: a comment, a note) gets a warning (``unsafe_text``): the
    documents show it without those characters.  An identifier (a unit's code or name) gets
    an error (``unsafe_name``).  The reason names each character (``U+202E``).

    Examples
    --------
    >>> unsafe_text_problems(raw, "意见建议", col)  # doctest: +SKIP
    """
    n = raw.n_rows
    if label is None or n == 0:
        return np.zeros(n, bool)
    mask = _unsafe_mask(raw, label)
    if not mask.any():
        return mask
    values = np.full(n, None, dtype=object)
    values[mask] = raw.values_at(label, np.flatnonzero(mask))  # the few cells hit
    if identifier:
        after = "a unit's code or name is an identifier: retype it without them"
    else:
        after = "the report, letters and figures show the text without them"
    reason = np.empty(n, dtype=object)  # read only where ``mask``
    shown = values.copy()
    for i in np.flatnonzero(mask):  # the few cells hit
        found = _char_names(unsafe_characters(values[i]))
        reason[i] = f"holds control or invisible characters ({found}); {after}"
        shown[i] = visible_text(values[i])
    if identifier:
        col.cells(
            raw, label, mask, severity="error", reason=reason, code="unsafe_name", values=shown
        )
    else:
        col.cells(
            raw, label, mask, severity="warning", reason=reason, code="unsafe_text", values=shown
        )
    return mask


def _unsafe_mask(raw: RawTable, label: str) -> np.ndarray:
    """Cells of column ``label`` holding an unsafe character: each distinct text matched
    once when the column was read dictionary-encoded, else the column at once in pyarrow."""
    coded = raw.codes.get(label)
    if coded is not None and len(coded.codes) == raw.n_rows:
        hit = _unsafe_texts(coded.uniques)
        return np.append(hit, False)[coded.codes]  # -1 (blank) picks the trailing False
    return arrow_bool(pc.match_substring_regex(raw.arrow(label), UNSAFE_CHARS))


def _unsafe_texts(values: np.ndarray) -> np.ndarray:
    """Which of ``values`` (str, None or anything else) are text holding an unsafe character."""
    try:
        texts = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not only text: only the str cells count
        is_text = np.fromiter((isinstance(v, str) for v in values), bool, count=len(values))
        texts = pa.array(np.where(is_text, values, None), type=pa.string(), from_pandas=True)
    return arrow_bool(pc.match_substring_regex(texts, UNSAFE_CHARS))


def scored_answer_problems(
    scored: dict,
    returned: dict,
    col: ProblemCollector,
    *,
    responses_file: str,
    units_raw: RawTable | None,
    units: pd.DataFrame | None,
    unit_rows: np.ndarray | None,
) -> None:
    """The cycle with no scored answer (an error) and each unit without one (a warning).

    Parameters
    ----------
    scored : dict
        Unit code → counted forms holding at least one scored (valid) answer.
    returned : dict
        Unit code → forms returned (counted and voided); units with none are left to the
        ``unit_without_forms`` warning.
    responses_file : str
        The responses file as named in problems (the cycle-level error names it).
    units_raw, units, unit_rows
        The units file as read, its validated table and the row of each unit in it (None
        without a units file: the unit warnings then name the responses file).

    Examples
    --------
    >>> scored_answer_problems({"U01": 0}, {"U01": 3}, col, responses_file="r.csv",
    ...                        units_raw=None, units=None, unit_rows=None)  # doctest: +SKIP
    """
    if not returned:
        return  # no readable form at all: the responses' own problems say why
    if sum(scored.values()) == 0:
        n = sum(returned.values())
        col.add(
            "error",
            responses_file,
            row=None,
            column=None,
            value=None,
            reason=f"no form of the cycle has a scored answer ({n} forms returned: every "
            "answer is 不了解 or blank, or every form is voided); there is nothing to score "
            "or rank",
            code="no_scored_answer",
        )
        return
    rows = {}
    column = None
    if units_raw is not None and units is not None and unit_rows is not None:
        rows = dict(zip(units["unit"], unit_rows, strict=True))
        column = units_raw.written[units_raw.column_for("unit")]
    for unit, n in returned.items():
        if n <= 0 or scored.get(unit, 0) > 0:
            continue
        row = rows.get(unit)
        col.add(
            "warning",
            units_raw.file if row is not None else responses_file,
            row=None if row is None else int(row),
            column=column if row is not None else None,
            value=unit,
            reason=f"unit has {n} form{'' if n == 1 else 's'} but no scored answer (every "
            "answer 不了解 or blank, or its forms voided): it gets no score or rank (无综合得分)",
            code="unit_without_scored_answer",
        )
