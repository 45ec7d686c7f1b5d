"""The letter's shared vocabulary: its sections and tables, headings, the words for standings,
verdicts and withheld cells, and the small helpers every part of the letter uses.

Examples
--------
>>> cycle_words("2026A")
'2026年度'
>>> interval_text(1.234, 5.678, lang="en")
'1.23 to 5.68'
"""

from __future__ import annotations

import re

from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS
from evalstats.present import format as _format
from evalstats.present.narrative import (  # one set
    WEAK_REASON_TEXT,
)
from evalstats.present.words import REASON_TEXT

# numbers: the one formatter (evalstats.present.format)
_score = _format.score

BODY = (
    "reference",
    "title",
    "salutation",
    "opening",
    "result",
    "owed",
    "changes",
    "comments",
    "closing",
    "signature",
)
"""The letter itself, in order: 文号, title, salutation, opening, the four numbered parts in
plain words (result; what must be rectified and by when; what changed since the last cycle;
the comments received), closing (contact, 特此函告) and 落款."""
ANNEX = (
    "annex",
    "rules",
    "headline",
    "dimensions",
    "levels",
    "tests",
    "rectification",
    "quality",
    "suppression",
    "method",
)
"""The annex 附件：评分规则与方法说明, after the 落款: the scheme's rules, then the unit's
figures with their intervals, tests and notes (the statistics stay here, out of the body)."""
SECTIONS = (*BODY, *ANNEX, "cc")
"""Every section in order; ``cc`` (抄送, the 版记) closes the document."""
TABLES = (
    "headline",
    "dimensions",
    "levels",
    "changes",
    "rectification",
    "comments",
    "quality",
    "suppressed",
)


DASH = "–"
CELL_SEP = "\t"
"""Between the cells of a ``th`` / ``td`` block (a row of a table inside a section's words)."""
NUMBER_CELL = re.compile(r"^[\s+\-−—–]*[\d,.]+%?(\s*(至|to|–|/)\s*[\d,.−\-]+%?)?$")
"""A table cell that is a number, a percentage or an interval of them: right-aligned (the
Word and the HTML letter); other cells are text, left-aligned."""

HEADINGS = {
    "result": ("一、测评结果", "1. Your results"),
    "owed": ("二、整改要求", "2. What must be rectified"),
    "changes": ("三、与上次测评相比", "3. Since the last evaluation"),
    "comments": ("四、收到的意见", "4. Comments received"),
    "rules": ("评分规则", "Scoring rules"),
    "headline": ("测评结果明细", "Your results in detail"),
    "dimensions": ("各项评议内容得分", "Scores by dimension"),
    "levels": ("评价等级分布", "Distribution of ratings"),
    "tests": ("与上次测评的比较及检验", "Change since the last evaluation, with tests"),
    "rectification": ("上次薄弱项的整改成效", "Last evaluation's weak dimensions"),
    "quality": ("数据质量", "Data quality"),
    "suppression": ("信息保护说明", "What is withheld to protect respondents"),
    "method": ("说明", "Notes"),
}
"""Section headings: the body's are numbered here (一、…); the annex's are numbered in order
of the sections present (:func:`evalstats.present.letters.blocks`)."""
ANNEX_TITLE = ("评分规则与方法说明", "Scoring rules and method")
"""The annex's title, announced in the body as 附件：评分规则与方法说明."""
FIGURES = {
    "dimensions": ("各类评议人对各项评议内容的评分", "Scores by respondent group and dimension"),
    "levels": ("各项评议内容的评价等级分布", "Distribution of ratings by dimension"),
}
"""The letter's figures, by the section that discusses them, and their captions (图1 …)."""
ZH_NUMERALS = "一二三四五六七八九十"
STANDING = {
    "top3": ("位列本序列前{n}名", "is in the top {n} of its series"),
    "last": ("为本序列末位", "is last in its series"),
    "last_not_distinguishable": (
        "名次居本序列最后，但与相邻单位的差距在测评误差范围之内，按规定不认定为末位",
        "is ranked last in its series, but within the margin of error of its neighbours: "
        "by the rules it is not named last",
    ),
    "veto": ("被一票否决", "is vetoed"),
}
REQUIRED = {
    "last": ("末位", "last place"),
    "last_not_distinguishable": ("末位不可区分", "last, not distinguishable"),
    "veto": ("一票否决", "vetoed"),
}
WEAK_REASON = WEAK_REASON_TEXT  # one wording, the report's
VERDICT = {
    "improved": ("有所改善", "improved"),
    "declined": ("有所下降", "declined"),
    "no_clear_change": ("变化不明显", "no clear change"),
    "absent": ("本期无数据", "no data this time"),
}
SUPPRESS_REASON = {
    **REASON_TEXT,  # the public report's wording (evalstats.present.words)
    # the profile's own codes for the same two rules
    "supervisor_breakdown": (
        "该类评议人每个单位仅数人，分项结果不单独公布",
        "a group with a few raters per unit: no breakdown of it is published",
    ),
    "fewer_than_threshold": REASON_TEXT["below_threshold"],
}


# ====================================================================== formatting
def lang_index(lang) -> int:
    """The index of ``lang`` in :data:`evalstats.core.vocab.LANGS` (0: zh, 1: en), checked."""
    return LANGS.index(check_option("lang", lang, LANGS))


def interval_text(low, high, fmt=_score, lang: str = "zh") -> str:
    """An interval as the letter writes it: ``low 至 high`` / ``low to high``
    (:func:`evalstats.present.format.interval`; scores by default)."""
    return _format.interval(low, high, fmt=fmt, sep=" 至 " if lang == "zh" else " to ")


def cycle_words(cycle: str, lang: str = "zh") -> str:
    """Words for a cycle: ``"2026A"`` → ``"2026年度"`` / ``"the 2026 annual evaluation"``
    (the one formatter, :func:`evalstats.present.format.cycle_title`).

    Examples
    --------
    >>> cycle_words("2026H1"), cycle_words("2026A", "en")
    ('2026年上半年', 'the 2026 annual evaluation')
    """
    return _format.cycle_title(cycle, LANGS[lang_index(lang)])


def rank_text(low, high, lang: str = "zh") -> str:
    """A rank interval in words: ``第8名`` when it is one rank, else ``第7至9名``
    (``rank 8`` / ``ranks 7 to 9``); ``—`` when missing.

    Examples
    --------
    >>> rank_text(8, 8), rank_text(7.0, 9), rank_text(2, 3, "en")
    ('第8名', '第7至9名', 'ranks 2 to 3')
    """
    if _format.is_missing(low) or _format.is_missing(high):
        return _format.MISSING
    lo, hi = int(low), int(high)
    if lang == "en":
        return f"rank {lo}" if lo == hi else f"ranks {lo} to {hi}"
    return f"第{lo}名" if lo == hi else f"第{lo}至{hi}名"


def numeral(n: int, lang: str = "zh") -> str:
    """A heading number: ``一``…``十`` (then digits) / ``1``….

    Examples
    --------
    >>> numeral(3), numeral(12), numeral(3, "en")
    ('三', '12', '3')
    """
    if lang == "zh" and 1 <= n <= len(ZH_NUMERALS):
        return ZH_NUMERALS[n - 1]
    return str(n)


def unit_display(p, lang: str) -> str:
    """A unit as the letter names it: its name; in English its English name from the units
    file (``name_en``), else its Chinese name — never its code while it has a name.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(unit="land_office", unit_name="国土所",
    ...                     unit_name_en="Land and Resources Office")
    >>> unit_display(p, "zh"), unit_display(p, "en")
    ('国土所', 'Land and Resources Office')
    """
    english = getattr(p, "unit_name_en", "") if lang == "en" else ""
    return english or p.unit_name or p.unit


__all__ = [
    "ANNEX",
    "ANNEX_TITLE",
    "BODY",
    "CELL_SEP",
    "DASH",
    "FIGURES",
    "HEADINGS",
    "NUMBER_CELL",
    "REQUIRED",
    "SECTIONS",
    "STANDING",
    "SUPPRESS_REASON",
    "TABLES",
    "VERDICT",
    "WEAK_REASON",
    "ZH_NUMERALS",
    "cycle_words",
    "interval_text",
    "lang_index",
    "numeral",
    "rank_text",
    "unit_display",
]
