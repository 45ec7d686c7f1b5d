"""Who sends a letter, when, and under which number: the scheme's ``[letters]`` settings
(:class:`evalstats.core.letter_settings.LetterSettings`) applied to one unit's letter.

The date is the ``date`` given (``evalstats letters --date``), else the scheme's
``[letters] date``, else today; the reply deadline is ``reply_days`` after it; the reference
number (文号) counts the units in the order of the units file (:attr:`UnitProfile.position`), so
a unit's number does not depend on which units a run writes.

Examples
--------
>>> document_date("2026-12-20")
datetime.date(2026, 12, 20)
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from evalstats.present import format as _format
from evalstats.present.format import document_date


@dataclass(frozen=True)
class LetterHeader:
    """The parts of a letter that come from the scheme and the run, not from the results.

    Attributes
    ----------
    office : str
        The issuing office.
    reference : str
        The reference number (文号), e.g. ``示范行风办〔2026〕5号``.
    title : str
        ``关于2026年度政风行风测评结果的反馈函``.
    date, deadline : datetime.date
        The letter's date and the reply deadline (``reply_days`` later).
    contact, phone, signed_by : str
    cc : tuple of str
    """

    office: str
    reference: str
    title: str
    date: _dt.date
    deadline: _dt.date
    contact: str
    phone: str
    signed_by: str
    cc: tuple[str, ...]


def letter_header(profile, *, date=None, lang: str = "zh") -> LetterHeader:
    """The header of ``profile``'s letter (see the module docstring).

    Examples
    --------
    >>> h = letter_header(p, date="2026-12-20")  # doctest: +SKIP
    >>> h.reference, h.deadline  # doctest: +SKIP
    ('示范行风办〔2026〕5号', datetime.date(2027, 1, 19))
    """
    s = profile.scheme.letters.in_language(lang)
    day = document_date(date, settings=s)
    number = s.first_number + max(int(profile.position), 1) - 1
    cycle = _format.cycle_title(profile.cycle, lang)
    title = (
        s.title.format(cycle_title=cycle) if lang == "zh" else f"Feedback on the results of {cycle}"
    )
    return LetterHeader(
        office=s.office,
        reference=s.reference(year=day.year, number=number),
        title=title,
        date=day,
        deadline=day + _dt.timedelta(days=s.reply_days),
        contact=s.contact,
        phone=s.phone,
        signed_by=s.signed_by,
        cc=tuple(s.cc),
    )


__all__ = [
    "LetterHeader",
    "letter_header",
]
