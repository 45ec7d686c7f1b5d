"""Cycle ids: one grammar, its parts, the cycle it compares with, and one validation helper.

A *standard* cycle id is a year and a part: ``2026H1`` (first half-year), ``2026H2`` (second
half-year), ``2026A`` (the annual, year-end evaluation). Folders may also carry *free* ids —
letters and digits, then ``_`` or ``-``, at most 32 characters, e.g. ``2026L`` for a large
synthetic cycle or ``pilot`` — which the runner accepts as folder names but which have no
part, kind, half-year or previous cycle.

=================  ============  ===========  ================
id                 kind          half-year    previous cycle
=================  ============  ===========  ================
``2026H1``         half_year     —            ``2025A``
``2026H2``         half_year     —            ``2026H1``
``2026A``          annual        ``2026H1``   ``2026H1``
``2026L``, free    ``None``      —            —
=================  ============  ===========  ================

A standard cycle covers a period (:func:`cycle_period`): ``H1`` January–June, ``H2``
July–December, ``A`` the whole year.

Examples
--------
>>> parse_cycle("2026A")
CycleId(year=2026, part='A')
>>> half_year_of("2026A"), previous_cycle("2026H1"), cycle_kind("2026H2")
('2026H1', '2025A', 'half_year')
>>> check_cycle(" 2026L ")
'2026L'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = [
    "PARTS",
    "CycleId",
    "check_cycle",
    "cycle_kind",
    "cycle_period",
    "cycle_year",
    "half_year_of",
    "parse_cycle",
    "previous_cycle",
]

PARTS = ("H1", "H2", "A")
"""The parts of a standard cycle id: first half-year, second half-year, annual."""

_STANDARD = re.compile(r"(\d{4})(H1|H2|A)")
_FREE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,31}")
_YEAR = re.compile(r"(\d{4})(?!\d)")
_GRAMMAR = "letters and digits (then '_' or '-'), at most 32 characters, e.g. 2026H1"


@dataclass(frozen=True)
class CycleId:
    """A standard cycle id taken apart: ``year`` and ``part`` (``"H1"``, ``"H2"`` or ``"A"``).

    Examples
    --------
    >>> c = CycleId(2026, "A")
    >>> str(c), c.kind
    ('2026A', 'annual')
    """

    year: int
    part: str

    @property
    def kind(self) -> str:
        """``"annual"`` for part ``A``, else ``"half_year"``."""
        return "annual" if self.part == "A" else "half_year"

    def __str__(self) -> str:
        return f"{self.year}{self.part}"


def parse_cycle(cycle) -> CycleId | None:
    """The year and part of a standard cycle id; None for a free id or a non-string.

    Examples
    --------
    >>> parse_cycle("2026H2"), parse_cycle("pilot")
    (CycleId(year=2026, part='H2'), None)
    """
    m = _STANDARD.fullmatch(cycle) if isinstance(cycle, str) else None
    return CycleId(int(m.group(1)), m.group(2)) if m else None


def cycle_kind(cycle) -> str | None:
    """``"half_year"`` or ``"annual"`` for a standard cycle id, None for a free one.

    Examples
    --------
    >>> cycle_kind("2026A"), cycle_kind("2026L")
    ('annual', None)
    """
    parsed = parse_cycle(cycle)
    return parsed.kind if parsed else None


def cycle_period(cycle) -> tuple[dt.date, dt.date] | None:
    """The first and last day a standard cycle covers, None for a free id.

    ``H1`` is January to June, ``H2`` July to December, ``A`` (the annual evaluation) the
    whole year — an incident at any time of the year vetoes the year's result.  Validation
    refuses an incident dated outside its cycle's period.

    Examples
    --------
    >>> cycle_period("2026H1")
    (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
    >>> cycle_period("2026A")[1], cycle_period("2026L")
    (datetime.date(2026, 12, 31), None)
    """
    parsed = parse_cycle(cycle)
    if parsed is None:
        return None
    y = parsed.year
    if parsed.part == "H1":
        return dt.date(y, 1, 1), dt.date(y, 6, 30)
    if parsed.part == "H2":
        return dt.date(y, 7, 1), dt.date(y, 12, 31)
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def cycle_year(cycle) -> int | None:
    """The year a cycle id starts with (``"2026L"`` → 2026), or None when it starts with no
    plausible year (1901–2199).

    Examples
    --------
    >>> cycle_year("2026H1"), cycle_year("2026L"), cycle_year("pilot")
    (2026, 2026, None)
    """
    m = _YEAR.match(cycle) if isinstance(cycle, str) else None
    return int(m.group(1)) if m and 1900 < int(m.group(1)) < 2200 else None


def _standard(cycle, what: str) -> CycleId:
    parsed = parse_cycle(cycle)
    if parsed is None:
        raise ValueError(
            f"cannot derive the {what} from {cycle!r} (expected a cycle id like '2026H1', "
            "'2026H2' or '2026A')"
        )
    return parsed


def half_year_of(cycle: str) -> str:
    """The half-year cycle an annual cycle combines with: ``"2026A"`` → ``"2026H1"``.

    Raises
    ------
    ValueError
        ``cycle`` is not an annual id ``YYYYA``; the message names it.

    Examples
    --------
    >>> half_year_of("2026A")
    '2026H1'
    """
    parsed = parse_cycle(cycle)
    if parsed is None or parsed.part != "A":
        raise ValueError(
            f"cannot derive the half-year cycle from {cycle!r} (expected an annual id like '2026A')"
        )
    return f"{parsed.year}H1"


def previous_cycle(cycle: str) -> str:
    """The cycle a cycle compares with: ``2026A`` → ``2026H1``, ``2026H2`` → ``2026H1``,
    ``2026H1`` → ``2025A``.

    Raises
    ------
    ValueError
        ``cycle`` is a free id (no year and part); the message names it.

    Examples
    --------
    >>> previous_cycle("2026A"), previous_cycle("2026H2"), previous_cycle("2026H1")
    ('2026H1', '2026H1', '2025A')
    """
    parsed = _standard(cycle, "previous cycle")
    return f"{parsed.year - 1}A" if parsed.part == "H1" else f"{parsed.year}H1"


def check_cycle(value, *, name: str = "cycle") -> str:
    """``value`` stripped, if it is a cycle id that is safe as a folder name.

    Standard ids and free ids (letters and digits, then ``_`` or ``-``, at most 32
    characters) pass; empty strings, non-strings, paths (``/``, ``\\``, ``.``, ``..``) and
    other characters raise.

    Raises
    ------
    ValueError
        With a message naming the parameter ``name`` and the value received.

    Examples
    --------
    >>> check_cycle("2026A"), check_cycle("pilot_2", name="previous_cycle")
    ('2026A', 'pilot_2')
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a cycle id such as '2026H1'; got {value!r}")
    text = value.strip()
    if any(c in text for c in "/\\") or text in (".", ".."):
        raise ValueError(f"{name} must be a cycle id, not a path; got {value!r}")
    if not _FREE.fullmatch(text):
        raise ValueError(f"{name} must be a cycle id: {_GRAMMAR}; got {value!r}")
    return text
