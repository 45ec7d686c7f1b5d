"""The scoring rules (评分规则), said from the scheme in effect: one text for every view.

DOMAIN.md: the rules "are printed wherever results are".  :func:`rules_text` reads every
number from a :class:`~evalstats.core.scheme.Scheme` — points per level, which levels count as
satisfied and valid, group and dimension weights and their renormalisation, period weights,
grade bands, the 末位 rule and its probability threshold, the veto, the weak-item rule, the
small-sample mark and the anonymity threshold of the public edition — so a district's own
scheme prints its own rules, and no number is typed into the text.

It returns :class:`RulesSection` items (a heading, paragraphs, an optional table); the views
render them:

* :func:`rules_markdown` — the report's section (``narrative.rules``), Markdown with tables;
* :func:`rules_plain` — plain text (the workbook's 说明 sheet, a Word paragraph);
* the letters' annex lays the sections out as its own blocks, tables included
  (:mod:`evalstats.present.letters.rules`).

The same sentences go into the report, the workbook and the letters' annex (附件：评分规则与方法
说明); ``document`` only names the document the reader holds (本报告 / 本函).

Examples
--------
>>> from evalstats.core.scheme import load_scheme
>>> sections = rules_text(load_scheme())
>>> [s.key for s in sections]
['levels', 'weights', 'period', 'grades', 'ranking', 'veto', 'weak', 'samples']
>>> print(sections[3].rows[0])
('优秀', '90 分及以上')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.vocab import LANGS
from evalstats.present import format as _format
from evalstats.present import glossary as _glossary
from evalstats.present.words import weak_rule_text

__all__ = [
    "DOCUMENTS",
    "EDITIONS",
    "KINDS",
    "RULES_HEADING",
    "RulesSection",
    "rules_intro",
    "rules_markdown",
    "rules_plain",
    "rules_text",
    "scheme_title",
]

KINDS = ("half_year", "annual")
"""The analyses the rules are stated for (the annual one decides on the year's composite)."""
EDITIONS = ("internal", "public")
"""The editions: 内部资料 shows every number; 公开版 withholds small cells."""
RULES_HEADING = ("评分规则", "Scoring rules")
"""The heading of the rules section, ``(zh, en)``."""
DOCUMENTS = {
    "report": ("本报告", "This report", "报告中", "the report"),
    "letter": ("本函", "This letter", "文中", "the letter"),
}
"""The document the rules are stated in → how the text names it ``(zh this, en this, zh in
it, en it)``: the report (and its workbook) or a feedback letter's annex."""


@dataclass(frozen=True)
class RulesSection:
    """One part of the rules: a heading, paragraphs, and an optional table.

    Attributes
    ----------
    key : str
        ``levels``, ``weights``, ``period``, ``grades``, ``ranking``, ``veto``, ``weak`` or
        ``samples``.
    heading : str
    paragraphs : tuple of str
        Plain sentences (no markup).
    header : tuple of str
        The table's header; empty when the section has no table.
    rows : tuple of tuple of str
        The table's rows, as text.
    """

    key: str
    heading: str
    paragraphs: tuple[str, ...]
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


_pct = _format.weight  # 40%, 12.5%, 7%


def _num(x) -> str:
    return _format.number(x)


def _join(items, lang: str, *, conj: str = "and") -> str:
    items = list(items)
    if lang == "zh":
        return "、".join(items)
    if len(items) <= 2:
        return f" {conj} ".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def _quoted(items, lang: str) -> str:
    return _join([_format.quote(t, lang) for t in items], lang)


# ====================================================================== sections
def _levels(s: Scheme, lang: str) -> RulesSection:
    zh = lang == "zh"
    yes, no = (_glossary.term("yes", lang), _glossary.term("no", lang))
    rows = [
        (
            v.label(lang),
            _format.MISSING if v.digit is None else str(v.digit),
            _format.MISSING if v.points is None else _num(v.points),
            yes if v.satisfied else no,
            yes if v.valid else no,
        )
        for v in s.levels
    ]
    blank = _glossary.term("blank", lang)
    rows.append((blank, _format.MISSING, _format.MISSING, no, no))
    sat = _quoted([v.label(lang) for v in s.levels if v.satisfied], lang)
    dis = _quoted([s.label("levels", c, lang) for c in s.rules.dissatisfied_levels], lang)
    invalid = _quoted([v.label(lang) for v in s.levels if not v.valid] + [blank], lang)
    if zh:
        paragraphs = (
            "测评表的每项评议内容选一个评价等级；各等级的分值、是否计为满意、"
            "是否计入有效票见下表。",
            f"{invalid}不计入有效票，另行统计。满意率 = {sat}的票数 ÷ 有效票数；"
            f"不满意率 = {dis}的票数 ÷ 有效票数；“占总评议票数”的比例 = {dis}的票数 ÷ "
            f"全部评价票数（含{invalid}）。测评得分 = 各有效票分值之和 ÷ 有效票数。",
        )
        header = ("评价等级", "卷面数字", "分值", "计为满意", "计入有效票")
    else:
        paragraphs = (
            "Each dimension of a form is answered with one level; the points of each level, "
            "and whether it counts as satisfied and as valid, are in the table.",
            f"{invalid} answers are not valid and are counted separately. Satisfied rate = "
            f"{sat} answers ÷ valid answers; dissatisfied rate = {dis} answers ÷ valid "
            f"answers; share of all votes = {dis} answers ÷ all answers (including {invalid}). "
            "Score = sum of the points of the valid answers ÷ valid answers.",
        )
        header = ("Level", "Digit on paper", "Points", "Satisfied", "Valid")
    return RulesSection("levels", _heading("levels", lang), paragraphs, header, tuple(rows))


def _weights(s: Scheme, lang: str) -> RulesSection:
    zh = lang == "zh"
    group_word, dim_word = (("评议人类别", "评议内容"), ("Respondent group", "Dimension"))[not zh]
    rows = [(group_word, g.label(lang), _pct(g.weight)) for g in s.groups]
    rows += [(dim_word, d.label(lang), _pct(d.weight)) for d in s.dimensions]
    if zh:
        paragraphs = (
            "单位每项评议内容的加权得分 = 各类评议人该项测评得分按类别权重的加权平均；"
            "综合得分 = 各项加权得分按评议内容权重的加权平均。",
            "某类评议人对某项没有有效票时，该类不参与该项的加权，其余类别的权重按比例放大，"
            "使权重之和仍为 100%；某项评议内容没有有效票时，综合得分同样在其余各项之间按比例"
            "重新分配权重。两种情况都在表中加标记。",
        )
        header = ("类别", "名称", "权重")
    else:
        paragraphs = (
            "A unit's weighted score on a dimension = the groups' scores on it averaged with "
            "the group weights; its composite = the weighted scores averaged with the "
            "dimension weights.",
            "When a group has no valid answer on a dimension it is left out of that average "
            "and the other groups' weights are scaled up in proportion to sum to 100%; a "
            "dimension without any valid answer is left out of the composite in the same way. "
            "Both are flagged in the tables.",
        )
        header = ("Kind", "Name", "Weight")
    return RulesSection("weights", _heading("weights", lang), paragraphs, header, tuple(rows))


def _period(s: Scheme, lang: str, kind: str, doc: tuple) -> RulesSection:
    w = s.rules.period_weights
    h, a = _pct(w["half_year"]), _pct(w["annual"])
    if lang == "zh":
        text = [
            f"年度综合得分 = 上半年测评的综合得分 × {h} + 年终测评的综合得分 × {a}。"
            "年度的名次、等次和一票否决按年度综合得分确定；全年任何时候发生否决事项，"
            "年度结果即被否决。这一权重是测评方案的设定，不是固定规定。"
        ]
        if kind == "half_year":
            text.append(f"{doc[0]}为上半年测评，只用上半年的数据；年度合成在年终测评后进行。")
    else:
        text = [
            f"Composite of the year = the half-year evaluation's composite × {h} + the "
            f"year-end evaluation's composite × {a}. Rank, grade and veto of the year are "
            "decided on it; an incident at any time in the year vetoes the year. These "
            "weights are a setting of the scheme, not a fixed rule."
        ]
        if kind == "half_year":
            text.append(
                f"{doc[1]} covers the half-year evaluation only; the year is combined after "
                "the year-end evaluation."
            )
    return RulesSection("period", _heading("period", lang), tuple(text))


def _grades(s: Scheme, lang: str, kind: str, doc: tuple) -> RulesSection:
    zh = lang == "zh"
    rows = []
    for i, g in enumerate(s.grades):
        low, high = _num(g.min), _num(s.grades[i - 1].min) if i else None
        if zh:
            band = f"{low} 分及以上" if high is None else f"{low} 分及以上、不足 {high} 分"
            band = f"不足 {high} 分" if g.min == 0 and high is not None else band
        else:
            band = f"{low} or more" if high is None else f"{low} to below {high}"
            band = f"below {high}" if g.min == 0 and high is not None else band
        rows.append((g.label(lang), band))
    score = _glossary.term("composite_year" if kind == "annual" else "composite", lang)
    if zh:
        text = (
            f"等次按{score}划分如下；等次和名次均按未经舍入的得分确定"
            f"（{doc[2]}得分保留 2 位小数，可能显示为临界值）。",
        )
        header = ("等次", score)
    else:
        text = (
            f"Grades by the {score.lower()}, as below; grades and ranks are decided on the "
            f"unrounded values ({doc[3]} shows 2 decimals, so a score may show as the "
            "threshold).",
        )
        header = ("Grade", score)
    return RulesSection("grades", _heading("grades", lang), text, header, tuple(rows))


def _ranking(s: Scheme, lang: str, kind: str) -> RulesSection:
    r = s.rules
    thr = _format.probability(r.last_min_probability)
    cap = s.label("grades", r.last_grade_cap, lang)
    series = _join([x.label(lang) for x in s.series], lang)
    year = kind == "annual"
    if lang == "zh":
        vetoed = _glossary.term("vetoed_rank", lang)
        text = (
            f"各单位在本序列（{series}）内按综合得分从高到低排名；得分相同的单位并列，"
            f"占同一名次。被一票否决的单位不参加排名，名次记为“{vetoed}”，列在本序列"
            f"其他单位之后；前{r.top_n}名和末位都在其余单位中确定。",
            f"前{r.top_n}名：本序列名次在前 {r.top_n} 名的单位（并列时一并列入），"
            "在经验交流中介绍做法。",
            "末位：本序列得分最低的单位。为免把抽样误差当作事实，对每个单位的测评表（同一评议人"
            "评议多个单位时，对评议人）有放回地重新抽样，算出它排在本序列最后的概率 P(末位)："
            "P(末位) 不低于 "
            f"{thr} 的，认定为末位；低于 {thr} 的，写作“{_glossary.term('last_nd', lang)}”"
            "并列出同样可能排在最后的单位，不作为事实认定。",
            "末位单位须查找原因、制定整改方案"
            + (f"，年度等次最高为{cap}。" if year else f"；年度末位单位的年度等次最高为{cap}。"),
        )
    else:
        vetoed = _glossary.term("vetoed_rank", lang)
        text = (
            f"Units are ranked within their series ({series}) by composite, highest first; "
            f"units with the same score tie and share a rank. A vetoed unit is not ranked: "
            f'its rank shows as "{vetoed}" and it is listed after the other units of its '
            f"series; the top {r.top_n} and the last are decided among the others.",
            f"Top {r.top_n}: the units ranked {r.top_n} or better in their series (ties at "
            "the boundary all enter); they present their practice at an exchange meeting.",
            "Last: the unit with the lowest score of its series. So that chance is not taken "
            "for fact, each unit's forms (or, where one respondent rated several units, the "
            "respondents) are resampled with replacement to estimate the "
            f"probability P(last) that it is truly last: with P(last) of at least {thr} it is "
            f'named last; below {thr} it is shown as "{_glossary.term("last_nd", lang)}" '
            "together with the units that might equally be last, and is not named last.",
            "A last unit finds the causes and draws up a rectification plan; "
            + (
                f"its grade of the year is at most {cap.lower()}."
                if year
                else f"a unit last for the year gets a grade of the year of at most {cap.lower()}."
            ),
        )
    return RulesSection("ranking", _heading("ranking", lang), text)


def _veto(s: Scheme, lang: str, kind: str) -> RulesSection:
    r = s.rules
    kinds = [k.label(lang) for k in s.incident_kinds if k.code != "other"]
    other = any(k.code == "other" for k in s.incident_kinds)
    grade = s.label("grades", r.veto_grade, lang)
    line = _num(r.veto_threshold)
    period = ("全年", "the year") if kind == "annual" else ("测评期内", "the period")
    if lang == "zh":
        what = _join(kinds, lang) + ("或其他经认定的否决事项" if other else "")
        text = (
            f"有下列情形之一的，实行一票否决：{period[0]}发生{what}（以否决事项表为准）；"
            f"或综合得分低于 {line} 分。",
            f"被否决的单位等次定为{grade}，不参加排名，不列入前{r.top_n}名；"
            "报告写明否决的原因和事项说明，整改清单和反馈函把该事项列为须整改的内容。",
        )
    else:
        what = _join([k.lower() for k in kinds], lang, conj="or") + (
            " or another incident so determined" if other else ""
        )
        text = (
            f"A unit is vetoed when, in {period[1]}, it had a {what} (as listed in the "
            f"incidents table), or when its composite is below {line}.",
            f"A vetoed unit's grade is {grade.lower()}; it is not ranked and cannot be in the "
            f"top {r.top_n}. The report states the reason and the incident's note; the "
            "rectification list and the letter name the incident as the thing to rectify.",
        )
    return RulesSection("veto", _heading("veto", lang), text)


def _weak(s: Scheme, lang: str) -> RulesSection:
    return RulesSection("weak", _heading("weak", lang), (weak_rule_text(s, lang=lang),))


def _samples(s: Scheme, lang: str, edition: str, doc: tuple) -> RulesSection:
    r = s.rules
    n, k = _format.count(r.low_confidence_n), _format.count(r.anonymity_min)
    level = _format.confidence_text(r.confidence_level)
    protected = _quoted([s.label("groups", g, lang) for g in r.anonymity_groups], lang)
    if lang == "zh":
        text = [
            f"有效票少于 {n} 张的单元格标为“样本偏少”，结果仅供参考。"
            f"{doc[2]}的区间均为 {level} 置信区间。"
        ]
        public = f"依据少于 {k} 名评议人的数字不公布（以“—”表示）" + (
            f"；{protected}的评价不按单位分项公布" if protected else ""
        )
        text.append(
            f"{doc[0]}为公开版：{public}。"
            if edition == "public"
            else f"{doc[0]}为内部资料，显示全部数字。对外公布的公开版中，{public}。"
        )
    else:
        text = [
            f"Cells with fewer than {n} valid answers are marked low-confidence and are "
            f"indicative only. Intervals in {doc[3]} are {level} confidence intervals."
        ]
        public = f'no figure resting on fewer than {k} respondents is shown ("—")' + (
            f"; ratings by {protected} are not shown unit by unit" if protected else ""
        )
        text.append(
            f"This is the public edition: {public}."
            if edition == "public"
            else f"{doc[1]} is for internal use and shows every figure. In the public "
            f"edition, {public}."
        )
    return RulesSection("samples", _heading("samples", lang), tuple(text))


_HEADINGS = {
    "levels": ("评价等级与计分", "Answer levels and points"),
    "weights": ("权重", "Weights"),
    "period": ("年度结果的合成", "The result of the year"),
    "grades": ("等次", "Grades"),
    "ranking": ("排名、前三与末位", "Ranking, top and last"),
    "veto": ("一票否决", "Veto"),
    "weak": ("薄弱项", "Weak dimensions"),
    "samples": ("样本与公布", "Samples and publication"),
}


def _heading(key: str, lang: str) -> str:
    return _HEADINGS[key][LANGS.index(lang)]


# ====================================================================== the text
def rules_text(
    scheme: Scheme | str | None = None,
    *,
    lang: str = "zh",
    kind: str = "half_year",
    edition: str = "internal",
    document: str = "report",
) -> list[RulesSection]:
    """The rules of ``scheme`` in words: a list of :class:`RulesSection`.

    Parameters
    ----------
    scheme : Scheme, path or None
        The scheme in effect (default: the bundled one).  Every number of the text is read
        from it.
    lang : {"zh", "en"}
    kind : {"half_year", "annual"}
        The analysis: the annual one decides on the composite of the year.
    edition : {"internal", "public"}
        Says which edition the reader holds (the anonymity rule applies to the public one).
    document : {"report", "letter"}
        The document the rules are printed in (:data:`DOCUMENTS`): the sentences are the same,
        only the words naming the document change (本报告为公开版 / 本函为公开版).

    Returns
    -------
    list of RulesSection
        ``levels``, ``weights``, ``period``, ``grades``, ``ranking``, ``veto``, ``weak``,
        ``samples``, in that order.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> s = rules_text(load_scheme(), lang="en", kind="annual")
    >>> s[1].rows[0]
    ('Respondent group', 'Enterprises', '40%')
    >>> s[2].paragraphs[0][:46]
    'Composite of the year = the half-year evaluati'
    """
    lang = check_option("lang", lang, LANGS)
    kind = check_option("kind", kind.replace("-", "_") if isinstance(kind, str) else kind, KINDS)
    edition = check_option("edition", edition, EDITIONS)
    doc = DOCUMENTS[check_option("document", document, tuple(DOCUMENTS))]
    s = resolve_scheme(scheme)
    return [
        _levels(s, lang),
        _weights(s, lang),
        _period(s, lang, kind, doc),
        _grades(s, lang, kind, doc),
        _ranking(s, lang, kind),
        _veto(s, lang, kind),
        _weak(s, lang),
        _samples(s, lang, edition, doc),
    ]


def scheme_title(scheme: Scheme | str | None = None, *, lang: str = "zh") -> str:
    """The scheme in effect named for a document: ``默认方案，版本 1`` for the bundled one, else
    its own name in quotes and its version (a document names no file or code).

    Examples
    --------
    >>> scheme_title(), scheme_title(lang="en")
    ('默认方案，版本 1', 'the bundled default, version 1')
    """
    lang = check_option("lang", lang, LANGS)
    s = resolve_scheme(scheme)
    bundled = s.name == "default"
    if lang == "zh":
        name = "默认方案" if bundled else f"“{s.name}”"
        return f"{name}，版本 {s.version}"
    name = "the bundled default" if bundled else f'"{s.name}"'
    return f"{name}, version {s.version}"


def rules_intro(scheme: Scheme | str | None = None, *, lang: str = "zh") -> str:
    """The sentence before the rules: which scheme they come from.

    Examples
    --------
    >>> rules_intro()
    '以下规则取自本次测评所用的测评方案（默认方案，版本 1）；换用其他方案时，规则随之改变。'
    """
    name = scheme_title(scheme, lang=lang)
    if lang == "zh":
        return f"以下规则取自本次测评所用的测评方案（{name}）；换用其他方案时，规则随之改变。"
    return f"These rules are those of the scheme in effect ({name}); another scheme states its own."


def _md_cell(text: str) -> str:
    from evalstats.present.narrative.text import escape

    return escape(text)  # escapes | too: a label cannot break a table


def rules_markdown(
    sections: Sequence[RulesSection], *, intro: str | None = None, heading_level: int = 3
) -> str:
    """The rules as Markdown: a heading per section, its paragraphs, its table.

    Text from the scheme (labels) is escaped for Markdown and HTML.

    Examples
    --------
    >>> print(rules_markdown(rules_text()[3:4]))  # doctest: +NORMALIZE_WHITESPACE
    ### 等次
    <BLANKLINE>
    等次按综合得分划分如下；等次和名次均按未经舍入的得分确定（报告中得分保留 2 位小数，可能显示为临界值）。
    <BLANKLINE>
    | 等次 | 综合得分 |
    | --- | --- |
    | 优秀 | 90 分及以上 |
    | 良好 | 80 分及以上、不足 90 分 |
    | 一般 | 70 分及以上、不足 80 分 |
    | 较差 | 不足 70 分 |
    """  # noqa: E501
    if isinstance(heading_level, bool) or not isinstance(heading_level, int):
        raise TypeError(f"heading_level must be a whole number; got {heading_level!r}")
    if not 1 <= heading_level <= 6:
        raise ValueError(f"heading_level must be between 1 and 6; got {heading_level}")
    blocks = [_md_cell(intro)] if intro else []
    for sec in sections:
        blocks.append(f"{'#' * heading_level} {_md_cell(sec.heading)}")
        blocks += [_md_cell(p) for p in sec.paragraphs]
        if sec.header:
            lines = [
                "| " + " | ".join(_md_cell(h) for h in sec.header) + " |",
                "| " + " | ".join("---" for _ in sec.header) + " |",
            ]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in sec.rows]
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def rules_plain(section: RulesSection, *, lang: str = "zh") -> str:
    """One section as plain text (a workbook cell, a Word paragraph): its paragraphs, then its
    table one row a line (``优秀：90 分及以上``).

    Examples
    --------
    >>> print(rules_plain(rules_text()[1]).splitlines()[-1])
    评议内容 清正廉洁：20%
    """
    lang = check_option("lang", lang, LANGS)
    if not isinstance(section, RulesSection):
        raise TypeError(f"section must be a RulesSection; got {type(section).__name__}")
    colon, comma = ("：", "，") if lang == "zh" else (": ", ", ")
    lines = list(section.paragraphs)
    for row in section.rows:
        if len(section.header) == 3 and section.key == "weights":
            lines.append(f"{row[0]} {row[1]}{colon}{row[2]}")
            continue
        pairs = [f"{h} {c}" for h, c in zip(section.header[1:], row[1:], strict=True)]
        lines.append(f"{row[0]}{colon}{comma.join(pairs) if len(row) > 2 else row[1]}")
    return "\n".join(lines)
