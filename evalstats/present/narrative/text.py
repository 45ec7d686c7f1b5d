"""The narrative's shared wording and Markdown: section headings, the words for rule codes,
escaping of data text, and the small helpers every section uses.

Everything here is public to the sections of :mod:`evalstats.present.narrative` (and to the
letters, which share the wording of rule codes); none of it computes a statistic.

Examples
--------
>>> join_words(["a", "", "b"], "zh"), join_words(["a", "b"], "en")
('a、b', 'a, b')
>>> escape("<b>[x]</b>")
'&lt;b&gt;\\\\[x\\\\]&lt;/b&gt;'
"""

from __future__ import annotations

import html
import re

from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS
from evalstats.present import format as _format
from evalstats.present.changes import cycle_label
from evalstats.present.glossary import CODE_TERMS
from evalstats.present.labels import COLUMN_LABELS

ALL = "all"
MINUS = _format.MINUS
MAX_COMMENTS_QUOTED = 5

HEADINGS = {
    "overview": ("总体情况", "Overview"),
    "levels": ("评价等级分布", "Distribution of ratings"),
    "scores": ("各单位各项得分", "Scores by unit and dimension"),
    "ranking": ("分序列排名", "Ranking within series"),
    "year": ("年度结果的合成", "How the annual result is combined"),
    "final_grades": ("年度等次（用于干部考核）", "Final grades (for the assessment of staff)"),
    "veto": ("一票否决", "Veto"),
    "changes": ("与上半年相比的变化", "Changes since the half-year"),
    "movement": ("名次变化", "Rank movement"),
    "followup": ("上半年薄弱单位的整改成效", "Did the half-year's weak units improve?"),
    "one_cycle": ("只参加一期测评的单位", "Units in one cycle only"),
    "weak": ("薄弱项", "Weak dimensions"),
    "groups": ("各类评议人的评价差异", "Differences between respondent groups"),
    "reliability": ("问卷信度", "Reliability of the questionnaire"),
    "quality": ("数据质量", "Data quality"),
    "rectification": ("整改清单", "Rectification list"),
    "comments": ("意见建议", "Comments"),
    "suppression": ("发布范围", "Publication tier"),
    "rules": ("评分规则", "Scoring rules"),
    "method": ("方法说明", "Notes on method"),
}
"""Section key → ``(zh, en)`` heading."""
YEAR_END_SECTIONS = ("overview", "levels", "weak", "groups", "reliability", "quality", "comments")
"""Sections that describe the year-end cycle in the annual report (their heading says so)."""

# the words of code values: the glossary's (evalstats.present.glossary.CODE_TERMS)
STANDING_TEXT = CODE_TERMS["standing"]
WEAK_REASON_TEXT = CODE_TERMS["weak_reason"]
ITEM_TEXT = {**CODE_TERMS["item"], "": ("", "")}
METHOD_TEXT = CODE_TERMS["method"]
VERDICT_TEXT = CODE_TERMS["verdict"]
EXTRA_HEADERS = {
    k: COLUMN_LABELS[k]
    for k in (
        "valid",
        "voided",
        "series_median",
        "n_dissatisfied",
        "n_all_votes",
        "weak_reason",
        "significant",
        "rectification_required",
        "required_because",
        "item",
        "dissatisfied_dimensions",
        "flagged",
        "weak_because",
        "composite_diff",
        "composite_diff_ci_low",
        "composite_diff_ci_high",
        "verdict",
        "weak_dimensions_h1",
        "weak_dimensions_annual",
        "cycle_present",
    )
}


# ====================================================================== formatting
def check_lang(lang) -> str:
    """``lang`` checked against :data:`evalstats.core.vocab.LANGS` (ValueError naming it)."""
    return check_option("lang", lang, LANGS)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape(text) -> str:
    """Escape data text for Markdown and HTML: ``& < >`` as entities, Markdown punctuation
    backslash-escaped, line breaks as spaces (so a comment cannot start a heading or a list,
    make a link or a tag, or break out of a bullet)."""
    text = " ".join(("" if text is None else str(text)).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def join_words(items, lang: str) -> str:
    """Non-empty items joined with ``、`` (zh) or ``, `` (en)."""
    items = [i for i in items if i]
    return ("、" if lang == "zh" else ", ").join(items)


def scheme_label(a, kind: str, code, lang: str) -> str:
    """The scheme's label of ``code`` of ``kind`` in ``lang`` (the code itself when unknown)."""
    try:
        return a.scheme.label(kind, str(code), lang)
    except KeyError:
        return str(code)


def unit_label(row, lang: str) -> str:
    """A unit's display name (escaped): its name, in either language (the office's own name
    for it; a code is never shown when there is a name)."""
    name = getattr(row, "unit_name", "") if not isinstance(row, dict) else row.get("unit_name")
    code = getattr(row, "unit", "") if not isinstance(row, dict) else row.get("unit")
    if isinstance(name, str) and name.strip():
        return escape(name)
    return escape(code)


def _quoted_levels(a, lang: str, keep) -> str:
    words = [_format.quote(escape(v.label(lang)), lang) for v in a.scheme.levels if keep(v)]
    if lang == "zh":
        return "、".join(words)
    return ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]


def satisfied_levels(a, lang: str) -> str:
    """The levels counted satisfied, quoted (from the scheme)."""
    return _quoted_levels(a, lang, lambda v: v.valid and v.satisfied)


def invalid_levels(a, lang: str) -> str:
    """The levels that are not valid (不了解), quoted (from the scheme)."""
    return _quoted_levels(a, lang, lambda v: not v.valid)


def _heading(a, key: str, lang: str) -> str:
    i = 0 if lang == "zh" else 1
    if a.kind == "annual" and key == "ranking":
        return "## " + ("年度排名（分序列）", "Ranking of the year within series")[i]
    text = HEADINGS[key][i]
    if a.kind == "annual" and key in YEAR_END_SECTIONS:
        text += ("（年终测评）", " (year-end evaluation)")[i]
    return "## " + text


def compose(a, key: str, lang: str, *blocks: str) -> str:
    """A section: its ``##`` heading (:data:`HEADINGS`; the annual report marks the year-end
    sections) and the non-empty ``blocks``, separated by blank lines."""
    return "\n\n".join([_heading(a, key, lang), *[b for b in blocks if b]])


def bullets(lines) -> str:
    """A Markdown bullet list of ``lines`` (already escaped)."""
    return "\n".join(f"- {line}" for line in lines)


def cycle_text(a, cycle: str, lang: str) -> str:
    """A cycle in words, with its year (:func:`evalstats.present.changes.cycle_label`)."""
    return cycle_label(cycle, lang, with_year=True)


def score_name(a, lang: str) -> str:
    """The name of the ranked score: the composite, or the year composite of an annual
    analysis."""
    if a.kind == "annual":
        return "年度综合得分" if lang == "zh" else "year composite"
    return "综合得分" if lang == "zh" else "composite"


def dims_text(a, codes: str, lang: str) -> str:
    """The labels of ``;``-separated dimension codes, escaped and joined."""
    parts = [c for c in str(codes).split(";") if c]
    return join_words([escape(scheme_label(a, "dimensions", c, lang)) for c in parts], lang)


def codes_text(mapping: dict, codes: str, lang: str, a=None) -> str:
    """Words for ``;``-separated rule codes (``mapping``: code → (zh, en)); one wording shared
    by the report's narrative and the letters."""
    i = 0 if lang == "zh" else 1
    out = []
    for c in [c for c in str(codes).split(";") if c]:
        if c in mapping:
            out.append(mapping[c][i])
        elif c.startswith("grade:") and a is not None:
            g = scheme_label(a, "grades", c.split(":", 1)[1], lang)
            out.append(f"等次{g}" if lang == "zh" else f"grade {g.lower()}")
        else:
            out.append(c)
    return join_words(out, lang)


def is_public(a) -> bool:
    """Whether the analysis is the public edition (``tier="public"``)."""
    return getattr(a, "tier", "internal") == "public"


NOT_PUBLISHED = (
    "（公开版不公布“{table}”表：其内容仅供内部使用。）",
    '(The table "{table}" is not in the public edition: it is for internal use only.)',
)


def not_published(table: str, lang: str) -> str:
    """The note standing where a table the public edition leaves out would be; it names the
    table, so it is never read as a note on the table shown above it.

    Examples
    --------
    >>> not_published("剔除标记问卷后的变化", "zh")
    '（公开版不公布“剔除标记问卷后的变化”表：其内容仅供内部使用。）'
    """
    return NOT_PUBLISHED[0 if lang == "zh" else 1].format(table=escape(table))


REQUIRED_TEXT = {
    "last": ("末位", "last place"),
    "last_not_distinguishable": ("末位不可区分", "last, not distinguishable"),
    "veto": ("一票否决", "vetoed"),
}


__all__ = [
    "ALL",
    "EXTRA_HEADERS",
    "HEADINGS",
    "ITEM_TEXT",
    "MAX_COMMENTS_QUOTED",
    "METHOD_TEXT",
    "MINUS",
    "NOT_PUBLISHED",
    "REQUIRED_TEXT",
    "STANDING_TEXT",
    "VERDICT_TEXT",
    "WEAK_REASON_TEXT",
    "YEAR_END_SECTIONS",
    "bullets",
    "check_lang",
    "codes_text",
    "compose",
    "cycle_text",
    "dims_text",
    "escape",
    "invalid_levels",
    "is_public",
    "join_words",
    "not_published",
    "satisfied_levels",
    "scheme_label",
    "score_name",
    "unit_label",
]
