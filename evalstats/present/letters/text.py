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

from evalstats.core.cycles import parse_cycle
from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS
from evalstats.present import format as _format
from evalstats.present.narrative import (  # one set
    WEAK_REASON_TEXT,
)
from evalstats.present.words import REASON_TEXT

# numbers: the one formatter (evalstats.present.format)
_score = _format.score

SECTIONS = (
    "title",
    "opening",
    "headline",
    "dimensions",
    "levels",
    "changes",
    "rectification",
    "comments",
    "owed",
    "quality",
    "suppression",
    "method",
)
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

HEADINGS = {
    "headline": ("总体结果", "Overall result"),
    "dimensions": ("各项得分", "Scores by dimension"),
    "levels": ("评价等级分布", "Distribution of ratings"),
    "changes": ("与上期相比", "Change since the previous evaluation"),
    "rectification": ("上期整改事项的成效", "Last evaluation's rectification items"),
    "comments": ("意见建议", "Comments"),
    "owed": ("须落实的整改", "Rectification owed"),
    "quality": ("数据质量", "Data quality"),
    "suppression": ("信息保护说明", "What is withheld to protect respondents"),
    "method": ("说明", "Notes"),
}
STANDING = {
    "top3": ("位列序列前三", "is in the top 3 of its series"),
    "last": ("为序列末位", "is last in its series"),
    "last_not_distinguishable": (
        "名次居序列最后，但为末位的概率不高，与相邻单位不可区分",
        "is ranked last in its series, but with a low probability of being truly last: "
        "not distinguishable from its neighbours",
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
    """Words for a cycle: ``"2026A"`` → ``"2026年度"`` / ``"the 2026 annual evaluation"``.

    Examples
    --------
    >>> cycle_words("2026H1"), cycle_words("2026A", "en")
    ('2026年上半年', 'the 2026 annual evaluation')
    """
    from evalstats.present.changes import cycle_label

    i = lang_index(lang)
    parsed = parse_cycle(cycle)
    if parsed is None:
        return str(cycle)
    if i == 1:
        return cycle_label(cycle, "en", with_year=True)
    return f"{parsed.year}" + {"A": "年度", "H1": "年上半年", "H2": "年下半年"}[parsed.part]


def unit_display(p, lang: str) -> str:
    """A unit as the letter names it: its name in Chinese; ``code (name)`` in English."""
    if lang == "zh" or not p.unit_name or p.unit_name == p.unit:
        return p.unit_name or p.unit
    return f"{p.unit} ({p.unit_name})"


__all__ = [
    "DASH",
    "HEADINGS",
    "REQUIRED",
    "SECTIONS",
    "STANDING",
    "SUPPRESS_REASON",
    "TABLES",
    "VERDICT",
    "WEAK_REASON",
    "cycle_words",
    "interval_text",
    "lang_index",
    "unit_display",
]
