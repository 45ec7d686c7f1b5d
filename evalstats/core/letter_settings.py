"""The ``[letters]`` settings of a scheme: who sends the feedback letters (反馈函), how they are
numbered and dated, and the English texts of English documents.

:func:`evalstats.core.scheme.load_scheme` reads and validates the ``[letters]`` table into a
:class:`LetterSettings`; the letters, the report's title block and the brief take the issuing
office, the date rule and the contact from it.

Examples
--------
>>> LetterSettings().reference(year=2026, number=5)
'示范行风办〔2026〕5号'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

LETTER_NUMBER_FIELDS = ("office_short", "year", "number")
"""The placeholders a ``[letters] number_pattern`` may use."""
LETTER_TITLE_FIELDS = ("cycle_title",)
"""The placeholders a ``[letters] title`` may use."""


@dataclass(frozen=True)
class LetterSettings:
    """The ``[letters]`` table: who sends the feedback letters (反馈函) and how they are numbered.

    Attributes
    ----------
    office : str
        The issuing office (发文机关), named in the body and signing the letter.
    office_short : str
        Its short name (机关代字) in the reference number.
    number_pattern : str
        The reference number (文号), with ``{office_short}``, ``{year}`` (of the letter's date)
        and ``{number}`` (the unit's place in the units file, from ``first_number``).
    first_number : int
        The number of the first unit's letter.
    title : str
        The letter's title, with ``{cycle_title}`` (``2026年度`` / ``2026年上半年``).
    date : str
        The letter's date, ``YYYY-MM-DD``; ``""`` for the day the letters are written (a
        ``--date`` option wins over both).
    reply_days : int
        Days from the letter's date to the reply deadline (整改方案 / 情况 due).
    contact, phone : str
        The contact person and telephone named in the letter.
    signature : str
        The signature block (落款); ``""`` for ``office``.
    cc : tuple of str
        Copies to (抄送); empty for none.
    office_en, signature_en, contact_en : str
        The same in English documents; ``""`` for the Chinese text (like a unit's ``name_en``).
    cc_en : tuple of str
        Copies to, in English documents; empty for ``cc`` as written.
    office_short_en : str
        The short name in an English document's reference number (e.g. the pinyin of the
        机关代字); ``""`` keeps the Chinese reference number as registered, unchanged.
    number_pattern_en : str
        The reference number in English documents where ``office_short_en`` is given, with the
        placeholders of ``number_pattern``.

    Examples
    --------
    >>> s = LetterSettings(office_en="Demo Town Conduct Evaluation Office")
    >>> s.in_language("en").office, s.in_language("zh").office
    ('Demo Town Conduct Evaluation Office', '示范镇政风行风测评工作领导小组办公室')
    >>> s.in_language("en").contact  # no English name given: the Chinese one
    '王某某'
    >>> s.in_language("en").reference(year=2026, number=5)  # nor a short name: as registered
    '示范行风办〔2026〕5号'
    >>> t = LetterSettings(office_short_en="Shifan Xingfengban").in_language("en")
    >>> t.reference(year=2026, number=5)
    'Shifan Xingfengban [2026] No. 5'
    """

    office: str = "示范镇政风行风测评工作领导小组办公室"
    office_short: str = "示范行风办"
    number_pattern: str = "{office_short}〔{year}〕{number}号"
    first_number: int = 1
    title: str = "关于{cycle_title}政风行风测评结果的反馈函"
    date: str = ""
    reply_days: int = 30
    contact: str = "王某某"
    phone: str = "0000-12345678"
    signature: str = ""
    cc: tuple[str, ...] = ("镇党委办公室", "镇纪委")
    office_en: str = ""
    signature_en: str = ""
    contact_en: str = ""
    cc_en: tuple[str, ...] = ()
    office_short_en: str = ""
    number_pattern_en: str = "{office_short} [{year}] No. {number}"

    def in_language(self, lang: str) -> LetterSettings:
        """These settings as a document in ``lang`` names them: in English the ``*_en`` texts
        that are given replace the Chinese ones; in Chinese the settings as they are. The
        reference number is English only where ``office_short_en`` is given."""
        if lang != "en":
            return self
        short = {}
        if self.office_short_en:
            short = {"office_short": self.office_short_en, "number_pattern": self.number_pattern_en}
        return dataclasses.replace(
            self,
            **short,
            office=self.office_en or self.office,
            signature=self.signature_en or self.signature,
            contact=self.contact_en or self.contact,
            cc=self.cc_en or self.cc,
        )

    @property
    def signed_by(self) -> str:
        """The signature block: ``signature``, else ``office``."""
        return self.signature or self.office

    def reference(self, *, year: int, number: int) -> str:
        """The reference number (文号) of a letter.

        Examples
        --------
        >>> LetterSettings().reference(year=2026, number=5)
        '示范行风办〔2026〕5号'
        """
        return self.number_pattern.format(office_short=self.office_short, year=year, number=number)


__all__ = ["LETTER_NUMBER_FIELDS", "LETTER_TITLE_FIELDS", "LetterSettings"]
