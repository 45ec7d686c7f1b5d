"""The report's outline: which sections a half-year and an annual report hold, in order, and
:func:`sections` / :func:`section` to render them.

Examples
--------
>>> from evalstats.present.narrative import sections
>>> list(sections(a, "zh"))[:3]  # doctest: +SKIP
['overview', 'levels', 'ranking']
"""

from __future__ import annotations

from evalstats.core.options import check_option
from evalstats.present.narrative.annual import (
    changes,
    final_grades,
    followup,
    movement,
    one_cycle,
    year_result,
)
from evalstats.present.narrative.checks import (
    group_differences,
    method,
    quality,
    reliability,
    rules,
    suppression,
)
from evalstats.present.narrative.forms import comments, levels, overview
from evalstats.present.narrative.results import ranking, rectification, vetoes, weak_dimensions
from evalstats.present.narrative.text import (
    check_lang,
)

HALF_YEAR_SECTIONS = (
    "overview",
    "levels",
    "ranking",
    "veto",
    "weak",
    "groups",
    "reliability",
    "quality",
    "rectification",
    "comments",
    "suppression",
    "rules",
    "method",
)
ANNUAL_SECTIONS = (
    "overview",
    "year",
    "ranking",
    "final_grades",
    "veto",
    "changes",
    "movement",
    "followup",
    "one_cycle",
    "levels",
    "weak",
    "groups",
    "reliability",
    "quality",
    "rectification",
    "comments",
    "suppression",
    "rules",
    "method",
)
_SECTION_FUNCTIONS = {
    "overview": overview,
    "levels": levels,
    "ranking": ranking,
    "veto": vetoes,
    "weak": weak_dimensions,
    "groups": group_differences,
    "reliability": reliability,
    "quality": quality,
    "rectification": rectification,
    "comments": comments,
    "suppression": suppression,
    "rules": rules,
    "method": method,
    "year": year_result,
    "final_grades": final_grades,
    "changes": changes,
    "movement": movement,
    "followup": followup,
    "one_cycle": one_cycle,
}


def sections(a, lang: str = "zh") -> dict[str, str]:
    """Every section of the analysis' report, in order: ``{key: markdown}``."""
    lang = check_lang(lang)
    keys = ANNUAL_SECTIONS if a.kind == "annual" else HALF_YEAR_SECTIONS
    return {k: _SECTION_FUNCTIONS[k](a, lang) for k in keys}


def section(a, key: str, lang: str = "zh") -> str:
    """One section by key (see :data:`HEADINGS`)."""
    key = check_option("key", key, tuple(_SECTION_FUNCTIONS))
    return _SECTION_FUNCTIONS[key](a, check_lang(lang))


__all__ = [
    "ANNUAL_SECTIONS",
    "HALF_YEAR_SECTIONS",
    "section",
    "sections",
]
