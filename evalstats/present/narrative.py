"""Plain-language report text generated from an :class:`~evalstats.analyses.cycle.Analysis`.

Every function takes the analysis and ``lang`` (``"zh"``, the default, or ``"en"``) and returns
Markdown: a ``##`` heading and paragraphs or bullet lists.  Every number in a sentence is read
from the analysis' tables and formatted here — scores to two decimals, rates as percentages to
one decimal, probabilities to two decimals — never typed.  Text that comes from the data (unit
names, collectors, comments, scheme labels) is escaped for Markdown and HTML (``& < >`` as
entities, Markdown punctuation backslash-escaped), so a comment holding ``<script>`` or
``[link](…)`` shows as text.

:func:`sections` returns every section in report order; :func:`table` returns the display of a
table for the report body (a selection of rows and columns, labelled; the full tables go to the
CSV files and the workbook).

Public tier
-----------
An analysis run with ``tier="public"`` holds only what :mod:`evalstats.stats.privacy` allows:
withheld
numbers are missing in its tables, so a sentence quoting one shows "—", and the sections that
would quote internal-only content (comments, the flags' collectors and forms, the figures
without the flagged forms) say instead that it is not published.  :func:`suppression` says what
was withheld and why (and, in the internal tier, that the report is not for publication);
:func:`table` shows a note for a table the public edition does not hold.

Examples
--------
>>> from evalstats.analyses.cycle import half_year
>>> from evalstats import narrative
>>> a = half_year("2026H1", n_resamples=500, seed=1)  # doctest: +SKIP
>>> print(narrative.ranking(a, "zh"))  # doctest: +SKIP
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd

from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS
from evalstats.present import format as _format
from evalstats.present import labels as _labels
from evalstats.present import words as _words
from evalstats.present.changes import cycle_label, describe_changes, result_sentence
from evalstats.present.labels import COLUMN_LABELS
from evalstats.present.words import veto_sentence
from evalstats.stats import privacy as _privacy
from evalstats.stats.compare import TestResult
from evalstats.stats.reliability import AlphaResult

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
    "method": ("方法说明", "Notes on method"),
}
"""Section key → ``(zh, en)`` heading."""
YEAR_END_SECTIONS = ("overview", "levels", "weak", "groups", "reliability", "quality", "comments")
"""Sections that describe the year-end cycle in the annual report (their heading says so)."""

STANDING_TEXT = {
    "top3": ("前三", "top 3"),
    "last": ("末位", "last"),
    "last_not_distinguishable": ("末位不可区分", "last, not distinguishable"),
    "veto": ("一票否决", "vetoed"),
}
WEAK_REASON_TEXT = {
    "below_series_median": ("明显低于序列中位数", "clearly below the series median"),
    "highest_dissatisfied_in_series": ("不满意率为序列最高", "highest dissatisfied rate in series"),
}
ITEM_TEXT = {
    "weak_dimension": ("薄弱项", "weak dimension"),
    "comment": ("意见建议", "comment"),
    "": ("", ""),
}
METHOD_TEXT = {
    "asymptotic": ("渐近 χ² 分布", "asymptotic"),
    "monte-carlo": ("蒙特卡罗", "Monte-Carlo"),
}
VERDICT_TEXT = {
    "improved": ("有所改善", "improved"),
    "declined": ("有所下降", "declined"),
    "no_clear_change": ("变化不明显", "no clear change"),
    "absent": ("年终无数据", "no year-end data"),
}
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
def _lang(lang) -> str:
    return check_option("lang", lang, LANGS)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def _e(text) -> str:
    """Escape data text for Markdown and HTML: ``& < >`` as entities, Markdown punctuation
    backslash-escaped, line breaks as spaces (so a comment cannot start a heading or a list,
    make a link or a tag, or break out of a bullet)."""
    text = " ".join(("" if text is None else str(text)).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


# numbers: the one formatter (evalstats.present.format)
_missing = _format.is_missing
_neg = _format.with_minus
_score = _format.score
_pct = _format.percent
_prob = _format.probability
_int = _format.count
_n = _format.count_words
_p = _format.p_text
_level = _format.confidence_text


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


def _unit(row, lang: str) -> str:
    """A unit's display name (escaped): its name in Chinese, its code in English."""
    name = getattr(row, "unit_name", "") if not isinstance(row, dict) else row.get("unit_name")
    code = getattr(row, "unit", "") if not isinstance(row, dict) else row.get("unit")
    if lang == "zh" and isinstance(name, str) and name:
        return _e(name)
    if lang == "en" and isinstance(name, str) and name and name != code:
        return f"{_e(code)} ({_e(name)})"
    return _e(code)


def _quoted_levels(a, lang: str, keep) -> str:
    q = ("“{}”", "“{}”")[0 if lang == "zh" else 1]
    words = [q.format(_e(v.label(lang))) for v in a.scheme.levels if keep(v)]
    if lang == "zh":
        return "、".join(words)
    return ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]


def _satisfied(a, lang: str) -> str:
    """The levels counted satisfied, quoted (from the scheme)."""
    return _quoted_levels(a, lang, lambda v: v.valid and v.satisfied)


def _invalid(a, lang: str) -> str:
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


def _section(a, key: str, lang: str, *blocks: str) -> str:
    return "\n\n".join([_heading(a, key, lang), *[b for b in blocks if b]])


def _bullets(lines) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _cycle(a, cycle: str, lang: str) -> str:
    return cycle_label(cycle, lang, with_year=True)


def _score_name(a, lang: str) -> str:
    if a.kind == "annual":
        return "年度综合得分" if lang == "zh" else "year composite"
    return "综合得分" if lang == "zh" else "composite"


def _dims(a, codes: str, lang: str) -> str:
    parts = [c for c in str(codes).split(";") if c]
    return join_words([_e(scheme_label(a, "dimensions", c, lang)) for c in parts], lang)


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


def _public(a) -> bool:
    return getattr(a, "tier", "internal") == "public"


NOT_PUBLISHED = (
    "（公开版不公布本表：其内容仅供内部使用。）",
    "(Not in the public edition: for internal use only.)",
)


REQUIRED_TEXT = {
    "last": ("末位", "last place"),
    "last_not_distinguishable": ("末位不可区分", "last, not distinguishable"),
    "veto": ("一票否决", "vetoed"),
}


# ====================================================================== sections
def title(a, lang: str = "zh") -> str:
    """The report's title (a ``#`` heading)."""
    lang = _lang(lang)
    c = _cycle(a, a.cycle, lang)
    if lang == "zh":
        kind = "年度" if a.kind == "annual" else ""
        name = c if a.kind != "annual" else c.replace("年度", "")
        return f"# {name}{kind}政风行风测评分析报告"
    return f"# Conduct evaluation report: {c}"


def overview(a, lang: str = "zh") -> str:
    """Forms issued, returned, valid and voided; units; the town's satisfied rate and score."""
    lang = _lang(lang)
    s = a.summary
    f, town = s["forms"], s["town"]
    c = _cycle(a, a.cycle, lang)
    level = _level(s["confidence_level"])
    n_series = len(s["series"])
    if lang == "zh":
        if f["issued"] is not None:
            head = (
                f"{c}测评共发放测评表 {_int(f['issued'])} 份，回收 {_int(f['returned'])} 份，"
                f"回收率 {_pct(f['response_rate'])}（只计有发放数的单位和类别）。"
            )
        else:
            head = f"{c}测评共回收测评表 {_int(f['returned'])} 份（未提供发放数，无法计算回收率）。"
        head += f"其中有效 {_int(f['valid'])} 份，作废 {_int(f['voided'])} 份"
        head += (
            f"，另有 {_int(f['typed_twice'])} 份测评表被重复录入，只计一次。"
            if f["typed_twice"]
            else "。"
        )
        body = (
            f"被评单位 {_int(s['units']['listed'])} 个，分属 {n_series} 个序列。"
            f"全镇 {_int(town['n_valid'])} 个有效评价（不含{_invalid(a, lang)}和未填写）的满意率为 "
            f"{_pct(town['satisfied_rate'])}（{level} CI {_pct(town['satisfied_ci_low'])} 至 "
            f"{_pct(town['satisfied_ci_high'])}），测评得分 {_score(town['score'])} 分"
            f"（{level} CI {_score(town['score_ci_low'])} 至 {_score(town['score_ci_high'])}）。"
            f"满意率 = {_satisfied(a, lang)}的票数 ÷ 有效票数。"
        )
    else:
        if f["issued"] is not None:
            head = (
                f"In {c}, {_int(f['issued'])} forms were issued and {_int(f['returned'])} "
                f"returned, a response rate of {_pct(f['response_rate'])} (over the units and "
                "groups with an issued count). "
            )
        else:
            head = (
                f"In {c}, {_int(f['returned'])} forms were returned (no forms-issued table, so "
                "no response rate). "
            )
        head += f"{_int(f['valid'])} are valid and {_n(f['voided'], 'was', 'were')} voided"
        head += (
            f"; {_int(f['typed_twice'])} forms typed twice are counted once."
            if f["typed_twice"]
            else "."
        )
        body = (
            f"{_int(s['units']['listed'])} units in {n_series} series were rated. Over the "
            f"town's {_int(town['n_valid'])} valid answers ({_invalid(a, lang)} and blanks "
            "excluded) the "
            f"satisfied rate is {_pct(town['satisfied_rate'])} ({level} CI "
            f"{_pct(town['satisfied_ci_low'])} to {_pct(town['satisfied_ci_high'])}) and the "
            f"score {_score(town['score'])} ({level} CI {_score(town['score_ci_low'])} to "
            f"{_score(town['score_ci_high'])}). The satisfied rate counts "
            f"{_satisfied(a, lang)} over the valid answers."
        )
    return _section(a, "overview", lang, head, body)


def levels(a, lang: str = "zh") -> str:
    """How to read the level distribution figures."""
    lang = _lang(lang)
    lv = a.tables["levels"]
    town = lv[(lv["unit"] == ALL) & (lv["series"] == ALL) & (lv["dimension"] != ALL)]
    dis = town[town["level"].isin(list(a.scheme.rules.dissatisfied_levels))]
    dis = dis.groupby("dimension", sort=False)[["count", "n_valid"]].sum()
    dis = dis.assign(rate=dis["count"] / dis["n_valid"]).sort_values("rate", ascending=False)
    if not len(dis):
        return _section(a, "levels", lang)
    top = dis.index[0]
    name = _e(scheme_label(a, "dimensions", top, lang))
    unknown = (
        town[town["level"] == a.scheme.levels[-1].code] if not a.scheme.levels[-1].valid else None
    )
    if lang == "zh":
        text = (
            f"下图按评议内容和单位列出各评价等级的占比（以有效票为分母；{_invalid(a, lang)}"
            f"和未填写另计，标在条形旁）。全镇不满意率最高的一项是{name}"
            f"（{_int(dis['count'].iloc[0])} 票，"
            f"占有效票 {_pct(dis['rate'].iloc[0])}）。"
        )
        if unknown is not None and len(unknown):
            u = unknown.sort_values("share_of_all_votes", ascending=False).iloc[0]
            text += (
                f"“{_e(a.scheme.levels[-1].label_zh)}”占比最高的一项是"
                f"{_e(scheme_label(a, 'dimensions', u['dimension'], lang))}"
                f"（{_int(u['count'])} 票，占该项全部评价的 {_pct(u['share_of_all_votes'])}）。"
            )
    else:
        text = (
            "The figures split the valid answers of each dimension and unit into the levels "
            f"({_invalid(a, lang)} and blanks are counted apart and written beside the bars). "
            "The highest "
            f"dissatisfied rate of the town is on {name} ({_int(dis['count'].iloc[0])} answers, "
            f"{_pct(dis['rate'].iloc[0])} of the valid answers)."
        )
        if unknown is not None and len(unknown):
            u = unknown.sort_values("share_of_all_votes", ascending=False).iloc[0]
            text += (
                f" “{_e(a.scheme.levels[-1].label_en)}” is most frequent on "
                f"{_e(scheme_label(a, 'dimensions', u['dimension'], lang))} ({_int(u['count'])} "
                f"answers, {_pct(u['share_of_all_votes'])} of all its answers)."
            )
    return _section(a, "levels", lang, text)


def _ranking_explanation(a, lang: str) -> str:
    o = a.options
    thr = _prob(a.scheme.rules.last_min_probability)
    level = _level(o["confidence_level"])
    n = _int(o["n_resamples"])
    if lang == "zh":
        return (
            f"**如何读 P(末位) 和名次区间**：把每个单位的测评表有放回地重新抽样 {n} 次，每次重新"
            f"计算综合得分并在序列内排名。P(末位) 是该单位排在本序列最后的次数占比；名次区间是"
            f"这些名次的 {level} 区间。P(末位) 达到 {thr} 才认定为末位；低于 {thr} 时，"
            "最后一名与相邻单位的差距在抽样误差之内，写作“末位不可区分”，不作为事实认定。"
        )
    return (
        f"**Reading P(last) and the rank interval**: each unit's forms are resampled {n} times "
        "and the composites re-ranked within the series each time. P(last) is the share of "
        f"resamples in which the unit comes last; the rank interval holds {level} of its ranks. "
        f"A last place is called only when P(last) reaches {thr}; below that the bottom units "
        "are within sampling error of each other and the report says “last, not "
        "distinguishable” instead of presenting it as fact."
    )


def ranking(a, lang: str = "zh") -> str:
    """Per series: the top 3 and the last place (or "not distinguishable"), with p_last."""
    lang = _lang(lang)
    r = a.tables["ranking"]
    col = a.score_column
    sname = _score_name(a, lang)
    lines = []
    for code, info in a.summary["series"].items():
        part = r[r["series"].astype(str) == code]
        label = _e(info["label_zh"] if lang == "zh" else info["label_en"])
        top = part[part["standing"] == "top3"]
        tops = [
            f"{_unit(t, lang)}（{_score(getattr(t, col))}{'，并列' if t.tied else ''}）"
            if lang == "zh"
            else f"{_unit(t, lang)} ({_score(getattr(t, col))}{', tied' if t.tied else ''})"
            for t in top.itertuples(index=False)
        ]
        ranked = part["rank"].notna()
        max_rank = part.loc[ranked, "rank"].max() if ranked.any() else None
        last = part[part["standing"].isin(["last", "last_not_distinguishable"])]
        if lang == "zh":
            tops_text = join_words(tops, lang) or "（无）"
            text = f"**{label}**（{info['units']} 个单位）：前三为{tops_text}。"
        else:
            text = (
                f"**{label}** ({info['units']} units): top 3 {join_words(tops, lang) or '(none)'}."
            )
        for t in last.itertuples(index=False):
            interval = f"{_int(t.rank_low)}–{_int(t.rank_high)}"
            if t.standing == "last":
                text += (
                    f"末位：{_unit(t, lang)}（{sname} {_score(getattr(t, col))}，"
                    f"P(末位) = {_prob(t.p_last)}，名次区间 {interval}）。"
                    if lang == "zh"
                    else f" Last: {_unit(t, lang)} ({sname} {_score(getattr(t, col))}, "
                    f"P(last) = {_prob(t.p_last)}, rank interval {interval})."
                )
                continue
            near = part[
                (part["unit"] != t.unit)
                & part["rank_high"].notna()
                & (part["rank_high"].astype("Float64") >= (max_rank or 0))
                & (part["p_last"] > 0)
            ].sort_values("p_last", ascending=False)
            others = [
                f"{_unit(o, lang)}（{_score(getattr(o, col))}，P(末位) = {_prob(o.p_last)}）"
                if lang == "zh"
                else f"{_unit(o, lang)} ({_score(getattr(o, col))}, P(last) = {_prob(o.p_last)})"
                for o in near.itertuples(index=False)
            ]
            thr = _prob(a.scheme.rules.last_min_probability)
            if lang == "zh":
                text += (
                    f"末位不可区分：{_unit(t, lang)}{sname}最低（{_score(getattr(t, col))}），"
                    f"但 P(末位) = {_prob(t.p_last)}，低于认定标准 {thr}，名次区间 {interval}"
                )
                text += f"；同样可能排在最后的还有{join_words(others, lang)}。" if others else "。"
            else:
                text += (
                    f" Last not distinguishable: {_unit(t, lang)} has the lowest {sname} "
                    f"({_score(getattr(t, col))}) but P(last) = {_prob(t.p_last)}, below the "
                    f"threshold {thr}; rank interval {interval}"
                )
                text += f". Also possibly last: {join_words(others, lang)}." if others else "."
        lines.append(text)
    return _section(a, "ranking", lang, _bullets(lines), _ranking_explanation(a, lang))


def vetoes(a, lang: str = "zh") -> str:
    """Vetoed units and why (:func:`evalstats.present.words.veto_sentence`)."""
    lang = _lang(lang)
    r = a.tables["ranking"]
    v = r[r["veto"].astype(bool)]
    if not len(v):
        text = "没有单位被一票否决。" if lang == "zh" else "No unit is vetoed."
        return _section(a, "veto", lang, text)
    lines = []
    for row in v.itertuples(index=False):
        sentence = _e(veto_sentence({"veto_reason": row.veto_reason}, lang=lang, scheme=a.scheme))
        grade = _e(scheme_label(a, "grades", row.grade, lang))
        if lang == "zh":
            lines.append(f"{_unit(row, lang)}：{sentence}等次定为{grade}，不进入前三。")
        else:
            lines.append(
                f"{_unit(row, lang)}: {sentence} Graded {grade.lower()}; not in the top 3."
            )
    intro = (
        f"{len(v)} 个单位被一票否决（发生否决事项，或综合得分低于否决线 "
        f"{a.scheme.rules.veto_threshold:g} 分）："
        if lang == "zh"
        else f"{_n(len(v), 'unit')} vetoed (an incident, or a composite below the veto threshold "
        f"{a.scheme.rules.veto_threshold:g}):"
    )
    return _section(a, "veto", lang, intro, _bullets(lines))


def weak_dimensions(a, lang: str = "zh") -> str:
    """Weak dimensions per unit, with their dissatisfied counts and denominators."""
    lang = _lang(lang)
    w = a.tables["weak_dimensions"]
    level = _level(a.options["confidence_level"])
    if lang == "zh":
        rule = (
            "括号内为该项加权得分、序列中位数、不满意票数占该项全部评价票数的比例。"
            "薄弱项的认定：某单位某项评议内容的加权得分，其 "
            f"{level} 区间上限仍低于本序列各单位该项得分的中位数（明显低于序列一般水平），"
            "或该项不满意率为本序列最高（且至少有 1 张不满意票）。"
        )
    else:
        rule = (
            "In brackets: the weighted score, the series median, and the dissatisfied answers "
            "over all answers on that dimension. A dimension is weak for a unit when the upper "
            "bound of its weighted score's "
            f"{level} interval is still below the median of that dimension over the units of "
            "its series (clearly below the series' typical level), or when its dissatisfied "
            "rate is the highest of its series (with at least one dissatisfied answer)."
        )
    if not len(w):
        return _section(
            "weak", lang, rule, "没有薄弱项。" if lang == "zh" else "No dimension is weak."
        )
    lines = []
    for _code, part in w.groupby("unit", sort=False):
        first = part.iloc[0]
        items = []
        for r in part.itertuples(index=False):
            d = _e(scheme_label(a, "dimensions", r.dimension, lang))
            if lang == "zh":
                items.append(
                    f"{d}（{_score(r.weighted_score)}，序列中位数 {_score(r.series_median)}；"
                    f"不满意 {_int(r.n_dissatisfied)} 票 / 共 {_int(r.n_all_votes)} 票，"
                    f"{_pct(r.share_of_all_votes)}）"
                )
            else:
                items.append(
                    f"{d} ({_score(r.weighted_score)}, series median {_score(r.series_median)}; "
                    f"{_int(r.n_dissatisfied)} dissatisfied of {_int(r.n_all_votes)} answers, "
                    f"{_pct(r.share_of_all_votes)})"
                )
        sep = "：" if lang == "zh" else ": "
        lines.append(_unit(first, lang) + sep + ("；" if lang == "zh" else "; ").join(items))
    return _section(a, "weak", lang, rule, _bullets(lines))


def group_differences(a, lang: str = "zh") -> str:
    """χ² tests between respondent groups (:meth:`evalstats.stats.compare.TestResult.sentence`)."""
    lang = _lang(lang)
    g = a.tables["group_differences"]
    tested = g[g["pvalue"].notna()]
    sig = tested[tested["significant"].fillna(False).astype(bool)]
    if lang == "zh":
        groups = join_words([_e(g.label_zh) for g in a.scheme.groups], lang)
        intro = (
            f"检验各类评议人（{groups}）对同一评议内容的评价等级分布"
            f"是否一致：全镇及各序列逐项做 χ² 同质性检验，共 {len(tested)} 项；期望频数偏小时"
            "用蒙特卡罗 p 值；p 值经 Holm 法多重比较校正。"
        )
    else:
        intro = (
            "Do the respondent groups rate a dimension alike? A χ² homogeneity test per "
            f"dimension, town-wide and per series: {len(tested)} tests, Monte-Carlo p-values "
            "where expected counts are small, p-values Holm-adjusted."
        )
    if not len(sig):
        verdict = (
            "校正后没有一项差异有统计学意义：各类评议人的评价大体一致。"
            if lang == "zh"
            else "After adjustment no difference is statistically significant: the groups "
            "rate alike."
        )
        best = tested.sort_values("pvalue").head(1)
        for r in best.itertuples(index=False):
            where = _where(a, r.series, lang)
            d = _e(scheme_label(a, "dimensions", r.dimension, lang))
            verdict += (
                f"差异最大的是{where}{d}（未校正 {_p(r.pvalue)}，校正后 {_p(r.pvalue_adjusted)}）。"
                if lang == "zh"
                else f" The smallest p-value is for {d} ({where}): {_p(r.pvalue)} unadjusted, "
                f"{_p(r.pvalue_adjusted)} adjusted."
            )
        return _section(a, "groups", lang, intro, verdict)
    lines = []
    for r in sig.itertuples(index=False):
        res = TestResult(
            test=r.test,
            statistic=float(r.statistic),
            pvalue=float(r.pvalue_adjusted),
            df=float(r.df),
            method=str(r.method),
            n=int(r.n),
            effect_size=float(r.effect_size),
            effect_size_name=str(r.effect_size_name),
        )
        where = _where(a, r.series, lang)
        d = scheme_label(a, "dimensions", r.dimension, lang)
        subject = f"{where}{d}评价等级分布" if lang == "zh" else f"the ratings of {d} ({where})"
        lines.append(_e(result_sentence(res, lang, subject=subject, alpha=float(r.alpha))))
    note = (
        "（句中 p 值为 Holm 校正后的值。）"
        if lang == "zh"
        else "(The p-values quoted are Holm-adjusted.)"
    )
    return _section(a, "groups", lang, intro, _bullets(lines), note)


def _where(a, series: str, lang: str) -> str:
    if series == ALL:
        return "全镇" if lang == "zh" else "town-wide"
    label = scheme_label(a, "series", series, lang)
    return f"{label}序列" if lang == "zh" else f"{label} series"


def reliability(a, lang: str = "zh") -> str:
    """Cronbach's alpha over all forms (:meth:`AlphaResult.sentence`) and per group."""
    lang = _lang(lang)
    t = a.tables["reliability"]
    overall = t[t["group"] == ALL].iloc[0]
    res = AlphaResult(
        alpha=float(overall["alpha"]),
        ci_low=float(overall["ci_low"]),
        ci_high=float(overall["ci_high"]),
        confidence_level=float(overall["confidence_level"]),
        n=int(overall["n"]),
        k=int(overall["k"]),
        ci_method=str(overall["ci_method"]),
        nan_policy="listwise",
        note=str(overall["note"]),
    )
    per = t[t["group"] != ALL]
    fmt = "{g} {v}（n = {n}）" if lang == "zh" else "{g} {v} (n = {n})"
    parts = [
        fmt.format(g=_e(scheme_label(a, "groups", r.group, lang)), v=_score(r.alpha), n=_int(r.n))
        for r in per.itertuples(index=False)
        if not _missing(r.alpha)
    ]
    tail = (
        f"分类别的 α：{join_words(parts, lang)}。"
        if lang == "zh"
        else f"Alpha by group: {join_words(parts, lang)}."
    )
    return _section(
        a, "reliability", lang, _e(_words.alpha_sentence(res, lang)), tail if parts else ""
    )


def quality(a, lang: str = "zh") -> str:
    """Data-quality flags (:func:`evalstats.present.words.describe_quality`) and what excluding the
    flagged forms would change."""
    lang = _lang(lang)
    if _public(a):
        return _section(a, "quality", lang, _public_quality(a, lang))
    lines = _words.describe_quality(a.tables["quality"], lang)
    head = _e(lines[0])
    rest = _bullets(_e(x) for x in lines[1:]) if len(lines) > 1 else ""
    qc = _words.describe_quality_comparison(a.quality_comparison, lang)
    note = (
        "正式结果使用全部有效问卷；剔除被标记问卷（集中提交、疑似复制）后的结果仅供对照。"
        if lang == "zh"
        else "The official figures use every valid form; the figures without the flagged "
        "forms (bursts, near duplicates) are for comparison only."
    )
    qc_text = _e(qc[0])
    qc_rest = _bullets(_e(x) for x in qc[1:]) if len(qc) > 1 else ""
    joiner = "" if lang == "zh" else " "
    return _section(a, "quality", lang, head, rest, note + joiner + qc_text, qc_rest)


def _public_quality(a, lang: str) -> str:
    q = a.tables["quality"]
    parts = [
        (
            f"{_e(_labels.value_label('check', r.check, scheme=a.scheme, lang=lang))} "
            f"{_int(r.n_flags)} 项（{_int(r.n_forms)} 份问卷）"
            if lang == "zh"
            else f"{_e(_labels.value_label('check', r.check, scheme=a.scheme, lang=lang))}: "
            f"{_int(r.n_flags)} ({_n(r.n_forms, 'form')})"
        )
        for r in q.itertuples(index=False)
    ]
    if lang == "zh":
        head = (
            f"数据质量检查共标记 {_int(q['n_flags'].sum())} 项：{join_words(parts, lang)}。"
            if len(q)
            else "数据质量检查未发现问题。"
        )
        return head + (
            "正式结果使用全部有效问卷。公开版只公布各项检查的标记数，不列出问卷编号、收集人，"
            "也不公布剔除标记问卷后的对照结果。"
        )
    head = (
        f"The data-quality checks raised {_int(q['n_flags'].sum())} flags: "
        f"{join_words(parts, lang)}."
        if len(q)
        else "The data-quality checks raised no flag."
    )
    return head + (
        " The official figures use every valid form. The public edition gives the number of "
        "flags per check only: no form ids, no collectors, and not the figures without the "
        "flagged forms."
    )


def rectification(a, lang: str = "zh") -> str:
    """Who must rectify and why, with their weak dimensions and comments quoted."""
    lang = _lang(lang)
    t = a.tables["rectification"]
    req = t[t["rectification_required"]]
    cap = scheme_label(a, "grades", a.scheme.rules.last_grade_cap, lang)
    if lang == "zh":
        rule = (
            f"须制定整改方案的单位：本序列末位（含末位不可区分）、被一票否决、或等次低于{_e(cap)}"
            "的单位。整改清单逐单位列出薄弱项（含不满意票数）和意见建议原文，供反馈整改。"
        )
    else:
        rule = (
            "Units that must draw up a rectification plan: last (or last, not distinguishable) "
            f"in their series, vetoed, or graded below {_e(cap).lower()}. The list gives each "
            "unit's weak dimensions (with the dissatisfied counts) and its comments verbatim."
        )
    if not len(req):
        none = "没有单位须整改。" if lang == "zh" else "No unit must rectify."
        return _section(a, "rectification", lang, rule, none)
    lines = []
    for _unit_code, part in req.groupby("unit", sort=False):
        first = part.iloc[0]
        why = codes_text(REQUIRED_TEXT, first["required_because"], lang, a)
        dims = part[part["item"] == "weak_dimension"]
        coms = part[part["item"] == "comment"]
        if _public(a):
            coms = coms.iloc[0:0]
        d_txt = join_words(
            [
                f"{_e(scheme_label(a, 'dimensions', r.dimension, lang))}"
                f"（不满意 {_int(r.n_dissatisfied)} 票）"
                if lang == "zh"
                else f"{_e(scheme_label(a, 'dimensions', r.dimension, lang))} "
                f"({_int(r.n_dissatisfied)} dissatisfied)"
                for r in dims.itertuples(index=False)
            ],
            lang,
        )
        quoted = ["“" + _e(c) + "”" for c in coms["comment"].head(MAX_COMMENTS_QUOTED)]
        more = len(coms) - len(quoted)
        if _public(a):
            text = (
                f"**{_unit(first, lang)}**（{why}）：薄弱项 {d_txt or '无'}。"
                if lang == "zh"
                else f"**{_unit(first, lang)}** ({why}): weak dimensions {d_txt or 'none'}."
            )
        elif lang == "zh":
            text = f"**{_unit(first, lang)}**（{why}）：薄弱项 {d_txt or '无'}"
            text += f"；意见建议 {len(coms)} 条" if len(coms) else "；无意见建议"
            text += "：" + "；".join(quoted) if quoted else ""
            text += f"；另有 {more} 条见整改清单。" if more > 0 else "。"
        else:
            text = f"**{_unit(first, lang)}** ({why}): weak dimensions {d_txt or 'none'}"
            text += f"; {_n(len(coms), 'comment')}" if len(coms) else "; no comments"
            text += ": " + "; ".join(quoted) if quoted else ""
            text += f"; {more} more in the list." if more > 0 else "."
        lines.append(text)
    others = t.loc[~t["rectification_required"], "unit"].nunique()
    if _public(a):
        note = (
            "公开版的整改清单只列薄弱项，意见建议原文仅供内部反馈使用。"
            if lang == "zh"
            else "In the public edition the list gives weak dimensions only; comments are "
            "passed on internally."
        )
        return _section(a, "rectification", lang, rule, _bullets(lines), note)
    tail = (
        f"另有 {others} 个单位有薄弱项或意见建议，一并列入整改清单供反馈。"
        if lang == "zh"
        else f"{_n(others, 'other unit')} with weak dimensions or comments are listed too, "
        "for feedback."
    )
    return _section(a, "rectification", lang, rule, _bullets(lines), tail if others else "")


def comments(a, lang: str = "zh") -> str:
    """How many comments, about how many units."""
    lang = _lang(lang)
    if _public(a):
        n = a.summary.get("comments", 0)
        text = (
            f"共收到意见建议 {_int(n)} 条。意见建议是自由填写的文字，可能推知填写人，"
            "公开版不公布原文，已逐条转交各单位整改。"
            if lang == "zh"
            else f"{_n(n, 'comment')} received. Comments are free text that can identify "
            "who wrote them: the public edition does not quote them; they are passed on to "
            "the units."
        )
        return _section(a, "comments", lang, text)
    c = a.tables["comments"]
    n, units = len(c), c["unit"].nunique()
    flagged = int(c["flagged"].sum())
    if lang == "zh":
        text = f"共收到意见建议 {_int(n)} 条，涉及 {_int(units)} 个单位，原文照录如下。"
        if flagged:
            text += f"其中 {flagged} 条来自被标记的问卷。"
    else:
        text = f"{_n(n, 'comment')} about {_n(units, 'unit')}, quoted verbatim below."
        if flagged:
            text += f" {flagged} of them come from flagged forms."
    return _section(a, "comments", lang, text)


# ====================================================================== annual sections
def year_result(a, lang: str = "zh") -> str:
    """How the annual result is combined from the two cycles (weights stated)."""
    lang = _lang(lang)
    w = a.summary["annual"]["period_weights"]
    h, y = a.options["half_year_cycle"], a.cycle
    hl, yl = _cycle(a, h, lang), _cycle(a, y, lang)
    cap = _e(scheme_label(a, "grades", a.scheme.rules.last_grade_cap, lang))
    if lang == "zh":
        text = (
            f"年度综合得分 = {hl}综合得分 × {_pct(w['half_year'])} + 年终（{y}）综合得分 × "
            f"{_pct(w['annual'])}。这一权重是方案文件中的设定（一种假设，不是规定），可以修改。"
            "年度的名次、等次和一票否决都按年度综合得分判定；全年任何时间发生的否决事项都计入；"
            f"年度末位单位的等次最高为{cap}。"
            "只参加了一期测评的单位按其参加的那一期计算（权重 100%）。"
        )
    else:
        text = (
            f"The year composite = composite of {hl} × {_pct(w['half_year'])} + composite of "
            f"the year end ({yl}) × {_pct(w['annual'])}. These weights are a setting of the "
            "scheme file (an assumption, not a rule) and can be changed. Rank, grade and veto "
            "of the year are decided on the year composite; an incident at any time of the "
            f"year vetoes; the year's last unit is graded at most {cap.lower()}. A unit rated "
            "in one cycle only is judged on that cycle (weight 100%)."
        )
    return _section(a, "year", lang, text)


def final_grades(a, lang: str = "zh") -> str:
    """The grades of the year (the table that goes to the assessment of staff)."""
    lang = _lang(lang)
    g = a.summary["grades"]
    parts = [
        f"{_e(scheme_label(a, 'grades', code, lang))} {n} 个"
        if lang == "zh"
        else f"{_e(scheme_label(a, 'grades', code, lang)).lower()} {n}"
        for code, n in g.items()
    ]
    n = sum(g.values())
    text = (
        f"{n} 个单位的年度等次：{join_words(parts, lang)}。等次按未经舍入的年度综合得分确定。"
        if lang == "zh"
        else f"Grades of the {n} units: {join_words(parts, lang)}. Grades are decided on the "
        "unrounded year composites."
    )
    return _section(a, "final_grades", lang, text)


def changes(a, lang: str = "zh") -> str:
    """Changes per unit and dimension since the half-year (adjusted tests)."""
    lang = _lang(lang)
    c = a.tables["comparison"]
    sc = a.summary["annual"]["significant_changes"]
    tested = int(c["score_pvalue"].notna().sum())
    level = _level(a.options["confidence_level"])
    if lang == "zh":
        intro = (
            f"逐单位逐项比较年终与上半年（共 {tested} 项）：满意率差值用 Newcombe {level} 区间，"
            "得分差值用 Welch t 区间；p 值经 Holm 法校正。校正后满意率显著上升 "
            f"{sc['rate_up']} 项、下降 {sc['rate_down']} 项；得分显著上升 {sc['score_up']} 项、"
            f"下降 {sc['score_down']} 项。"
        )
    else:
        intro = (
            f"Year end against the half-year, per unit and dimension ({tested} comparisons): "
            f"Newcombe {level} intervals for the satisfied rate, Welch t intervals for the "
            "score; p-values Holm-adjusted. After adjustment the satisfied rate rose "
            f"significantly in {sc['rate_up']} and fell in {sc['rate_down']}; the score rose "
            f"in {sc['score_up']} and fell in {sc['score_down']}."
        )
    units = a.tables["final_grades"][["unit", "unit_name"]].rename(columns={"unit_name": "name"})
    lines = []
    for metric in ("score", "rate"):
        sig = c[c[f"{metric}_significant"].fillna(False).astype(bool)]
        if len(sig):
            text = describe_changes(sig, lang=lang, metric=metric, scheme=a.scheme, units=units)
            lines.extend(_e(x) for x in text)
    shown = (
        "下表列出得分变化区间不含 0 的单项（未经校正，仅供关注），"
        "“得分变化显著”一栏为校正后的结论。"
        if lang == "zh"
        else "The table lists the unit × dimensions whose score-change interval excludes 0 "
        "(unadjusted, for attention); the last column gives the adjusted verdict."
    )
    if not lines:
        none = (
            "单项的变化在多重比较校正后都不显著：单位单项的样本较小，单项变化要很大才能确认。"
            if lang == "zh"
            else "No single change survives the adjustment: per unit and dimension the samples "
            "are small, so only large changes can be confirmed."
        )
        return _section(a, "changes", lang, intro, none, shown)
    return _section(a, "changes", lang, intro, _bullets(lines), shown)


def movement(a, lang: str = "zh") -> str:
    """Largest rank movements from the half-year to the year end."""
    lang = _lang(lang)
    m = a.tables["rank_movement"]
    moved = m[m["movement"].notna()].copy()
    moved["movement"] = moved["movement"].astype(int)
    up = moved[moved["movement"] > 0].sort_values("movement", ascending=False).head(3)
    down = moved[moved["movement"] < 0].sort_values("movement").head(3)

    def fmt(r):
        if lang == "zh":
            return f"{_unit(r, lang)}（{_int(r.rank_before)} → {_int(r.rank_after)}）"
        return f"{_unit(r, lang)} ({_int(r.rank_before)} → {_int(r.rank_after)})"

    ups = join_words([fmt(r) for r in up.itertuples(index=False)], lang)
    downs = join_words([fmt(r) for r in down.itertuples(index=False)], lang)
    if lang == "zh":
        text = (
            "比较上半年和年终两次测评各自的序列内名次。"
            f"名次上升最多：{ups or '无'}；下降最多：{downs or '无'}。"
            "名次本身有抽样误差（见名次区间），相邻名次的互换不一定说明真实变化。"
        )
    else:
        text = (
            "Ranks within series in the half-year and in the year-end evaluation, each on its "
            f"own forms. Largest rises: {ups or 'none'}; largest falls: {downs or 'none'}. "
            "Ranks carry sampling error (see the rank intervals): neighbours swapping places "
            "need not be a real change."
        )
    return _section(a, "movement", lang, text)


def followup(a, lang: str = "zh") -> str:
    """Whether each of the half-year's weak units improved."""
    lang = _lang(lang)
    f = a.tables["weak_units_followup"]
    h = _cycle(a, a.options["half_year_cycle"], lang)
    level = _level(a.options["confidence_level"])
    if not len(f):
        return _section(
            "followup",
            lang,
            f"{h}没有须整改的单位。" if lang == "zh" else f"No unit had to rectify in {h}.",
        )
    if lang == "zh":
        intro = (
            f"{h}须整改的 {len(f)} 个单位，比较其年终与上半年的综合得分（{level} 区间）："
            "区间全在 0 以上为“有所改善”，全在 0 以下为“有所下降”，跨 0 为“变化不明显”。"
            "每个单位单独判断；"
            "若要同时断言多个单位都改善了，应看表中 Holm 校正后的 p 值。"
        )
    else:
        intro = (
            f"For the {_n(len(f), 'unit')} that had to rectify in {h}, the year-end composite "
            f"against the half-year's ({level} interval): wholly above 0 reads “improved”, "
            "wholly below “declined”, across 0 “no clear change”. Each unit is judged on its "
            "own; for a claim about all of them at once use the Holm-adjusted p-values in the "
            "table."
        )
    lines = []
    for r in f.itertuples(index=False):
        verdict = VERDICT_TEXT.get(r.verdict, (r.verdict, r.verdict))[0 if lang == "zh" else 1]
        why = codes_text(REQUIRED_TEXT, r.weak_because, lang, a)
        if r.verdict == "absent":
            lines.append(
                f"{_unit(r, lang)}（{why}）：{verdict}。"
                if lang == "zh"
                else f"{_unit(r, lang)} ({why}): {verdict}."
            )
            continue
        d = float(r.composite_diff)
        if lang == "zh":
            word = "提高" if d > 0 else "降低"
            text = (
                f"{_unit(r, lang)}（上半年{why}）：综合得分 {_score(r.composite_h1)} → "
                f"{_score(r.composite_annual)}，{word} {_score(abs(d))} 分（{level} CI "
                f"{_score(r.composite_diff_ci_low)} 至 {_score(r.composite_diff_ci_high)}），"
                f"{verdict}"
            )
            if r.weak_dimensions_h1:
                text += f"；上半年薄弱项：{_dims(a, r.weak_dimensions_h1, lang)}"
                text += (
                    f"，其中得分明显回升的：{_dims(a, r.weak_dimensions_improved, lang)}"
                    if r.weak_dimensions_improved
                    else ""
                )
            text += (
                f"；年终薄弱项：{_dims(a, r.weak_dimensions_annual, lang)}。"
                if r.weak_dimensions_annual
                else "；年终无薄弱项。"
            )
        else:
            word = "up" if d > 0 else "down"
            text = (
                f"{_unit(r, lang)} ({why} at the half-year): composite "
                f"{_score(r.composite_h1)} → {_score(r.composite_annual)}, {word} "
                f"{_score(abs(d))} ({level} CI {_score(r.composite_diff_ci_low)} to "
                f"{_score(r.composite_diff_ci_high)}): {verdict}"
            )
            if r.weak_dimensions_h1:
                text += f"; weak at the half-year: {_dims(a, r.weak_dimensions_h1, lang)}"
                text += (
                    f", clearly up since: {_dims(a, r.weak_dimensions_improved, lang)}"
                    if r.weak_dimensions_improved
                    else ""
                )
            text += (
                f"; weak at the year end: {_dims(a, r.weak_dimensions_annual, lang)}."
                if r.weak_dimensions_annual
                else "; no weak dimension at the year end."
            )
        lines.append(text)
    return _section(a, "followup", lang, intro, _bullets(lines))


def one_cycle(a, lang: str = "zh") -> str:
    """Units present in one cycle only."""
    lang = _lang(lang)
    t = a.tables["one_cycle_units"]
    if not len(t):
        return _section(
            a,
            "one_cycle",
            lang,
            "所有单位两期都有测评数据。"
            if lang == "zh"
            else "Every unit was rated in both cycles.",
        )
    lines = []
    for r in t.itertuples(index=False):
        if r.cycle_present:
            c = _cycle(a, r.cycle_present, lang)
            lines.append(
                f"{_unit(r, lang)}：只有{c}测评的数据，年度综合得分按这一期计算"
                f"（{_score(r.composite_year)}）。"
                if lang == "zh"
                else f"{_unit(r, lang)}: forms in {c} only; its year composite is that cycle's "
                f"({_score(r.composite_year)})."
            )
        else:
            lines.append(
                f"{_unit(r, lang)}：两期都没有测评数据，不参加排名。"
                if lang == "zh"
                else f"{_unit(r, lang)}: no forms in either cycle; not ranked."
            )
    return _section(a, "one_cycle", lang, _bullets(lines))


def suppression(a, lang: str = "zh") -> str:
    """What the public edition withholds and why
    (:func:`evalstats.present.words.describe_suppression`); in the internal tier, that the report
    shows every cell and is not for publication."""
    lang = _lang(lang)
    if not _public(a):
        text = (
            "本报告为内部版，列出全部单元格（含各单位按评议人类别的分项、意见建议原文和"
            "数据质量标记的明细），仅供内部使用，不得直接公开；对外公布请使用公开版。"
            if lang == "zh"
            else "This is the internal edition: it shows every cell (per-unit breakdowns by "
            "respondent group, comments verbatim, the details of the quality flags) and is for "
            "internal use only; publish the public edition instead."
        )
        return _section(a, "suppression", lang, text)
    text = _words.describe_suppression(a.tables["suppressed"], scheme=a.scheme, lang=lang)
    return _section(a, "suppression", lang, _e(text))


def method(a, lang: str = "zh") -> str:
    """Rounding, intervals, resampling, seed and scheme: what a reader needs to re-derive."""
    lang = _lang(lang)
    o, s = a.options, a.summary
    ci = _labels.value_label("ci_method", o["method"], scheme=a.scheme, lang=lang)
    seed = (
        "未固定"
        if o["seed"] is None and lang == "zh"
        else ("not fixed" if o["seed"] is None else o["seed"])
    )
    level = _level(o["confidence_level"])
    sch = s["scheme"]
    if lang == "zh":
        text = (
            f"{_labels.rounding_note(lang)}置信水平 {level}；满意率区间用 {_e(ci)}；"
            f"排名不确定性用 {_int(o['n_resamples'])} 次测评表重抽样，随机种子 {seed}"
            "（同样的数据和种子得到完全相同的结果）。有效评价少于 "
            f"{a.scheme.rules.low_confidence_n} 票的格子标为“样本偏少”。评测方案："
            f"{_e(sch['name'])}（版本 {_e(sch['version'])}，SHA-256 {sch['sha256'][:12]}…）。"
        )
    else:
        text = (
            f"{_labels.rounding_note(lang)} Confidence level {level}; satisfied-rate intervals: "
            f"{_e(ci)}; ranking uncertainty from {_int(o['n_resamples'])} resamples of the "
            f"forms, seed {seed} (same data and seed, same results). Cells with fewer than "
            f"{a.scheme.rules.low_confidence_n} valid answers are marked low-confidence. "
            f"Scheme: {_e(sch['name'])} (version {_e(sch['version'])}, SHA-256 "
            f"{sch['sha256'][:12]}…)."
        )
    return _section(a, "method", lang, text)


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
    lang = _lang(lang)
    keys = ANNUAL_SECTIONS if a.kind == "annual" else HALF_YEAR_SECTIONS
    return {k: _SECTION_FUNCTIONS[k](a, lang) for k in keys}


def section(a, key: str, lang: str = "zh") -> str:
    """One section by key (see :data:`HEADINGS`)."""
    key = check_option("key", key, tuple(_SECTION_FUNCTIONS))
    return _SECTION_FUNCTIONS[key](a, _lang(lang))


# ====================================================================== tables for the report
def _translate(series: pd.Series, mapping: dict, lang: str, a=None) -> pd.Series:
    return series.astype(str).map(lambda v: codes_text(mapping, v, lang, a))


def _dim_list(series: pd.Series, a, lang: str) -> pd.Series:
    return series.astype(str).map(
        lambda v: join_words(
            [scheme_label(a, "dimensions", c, lang) for c in v.split(";") if c], lang
        )
    )


def _levels_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    lv = a.tables["levels"]
    town = lv[(lv["unit"] == ALL) & (lv["series"] == ALL)]
    dims = list(dict.fromkeys(town["dimension"]))
    levels = list(dict.fromkeys(town["level"]))
    count = town.pivot(index="dimension", columns="level", values="count").loc[dims, levels]
    rate = town.pivot(index="dimension", columns="level", values="rate").loc[dims, levels]
    out = pd.DataFrame({"dimension": dims})
    headers = {}
    for lev in levels:
        c = count[lev].to_numpy()
        r = rate[lev].to_numpy()
        text = [
            _int(n)
            if math.isnan(x)
            else f"{_int(n)}（{_pct(x)}）"
            if lang == "zh"
            else _int(n)
            if math.isnan(x)
            else f"{_int(n)} ({_pct(x)})"
            for n, x in zip(c, r, strict=True)
        ]
        out[lev] = text
        if lev == "blank":
            headers[lev] = _labels.BLANK_LEVEL_LABELS[0 if lang == "zh" else 1]
        else:
            headers[lev] = scheme_label(a, "levels", lev, lang)
    n_valid = town.drop_duplicates("dimension").set_index("dimension")["n_valid"]
    out["n_valid"] = n_valid.reindex(dims).to_numpy(np.int64)
    return out, headers


def _ranges(low: pd.Series, high: pd.Series, fmt) -> list[str]:
    return [_format.interval(lo, hi, fmt=fmt) for lo, hi in zip(low, high, strict=True)]


def _cycle_words(a, lang: str) -> tuple[str, str]:
    """Short words for the half-year and the year-end cycle of an annual analysis."""
    first = cycle_label(a.options.get("half_year_cycle") or a.cycle, lang)
    if lang == "zh":
        return first, "年终"
    return first.removeprefix("the ").removesuffix(" evaluation"), "year-end"


def _view(a, name: str, lang: str) -> tuple[pd.DataFrame, dict]:
    """Rows and columns of a table shown in the report body, and header overrides."""
    i = 0 if lang == "zh" else 1
    t = a.tables
    col = a.score_column
    if name == "levels":
        return _levels_view(a, lang)
    if name == "response":
        r = t["response"]
        return r[r["unit"] == ALL][["group", "issued", "returned", "valid", "voided", "rate"]], {
            "rate": ("回收率", "Response rate")[i]
        }
    if name in ("ranking", "final_grades"):
        r = t["ranking"]
        cols = ["unit_name", "series"]
        if a.kind == "annual":
            cols += ["composite_h1", "composite_annual"]
        view = r[cols].copy()
        level = _level(a.options["confidence_level"])
        view[col] = r[col]
        view["_ci"] = _ranges(r[f"{col}_ci_low"], r[f"{col}_ci_high"], _score)
        view["rank"] = r["rank"]
        view["_rank_interval"] = _ranges(r["rank_low"], r["rank_high"], _int)
        for c in ("p_last", "standing", "grade"):
            view[c] = r[c]
        if name == "final_grades":
            view["veto"] = r["veto"].astype(bool)
        heads = {
            "_ci": (f"{level} 区间", f"{level} interval")[i],
            "_rank_interval": ("名次区间", "Rank interval")[i],
        }
        if a.kind == "annual":
            before, after = _cycle_words(a, lang)
            heads |= {
                "composite_h1": (f"{before}得分", f"{before.capitalize()}")[i],
                "composite_annual": (f"{after}得分", f"{after.capitalize()}")[i],
                "composite_year": ("年度得分", "Year")[i],
            }
        return view, heads
    if name == "weak_dimensions":
        w = t["weak_dimensions"]
        view = w[
            [
                "unit_name",
                "series",
                "dimension",
                "weighted_score",
                "series_median",
                "n_dissatisfied",
                "n_all_votes",
                "dissatisfied_rate",
                "weak_reason",
            ]
        ].copy()
        view["weak_reason"] = _translate(view["weak_reason"], WEAK_REASON_TEXT, lang)
        return view, {}
    if name == "group_differences":
        g = t["group_differences"]
        view = g[
            [
                "series",
                "dimension",
                "statistic",
                "df",
                "pvalue",
                "pvalue_adjusted",
                "significant",
                "method",
                "effect_size",
            ]
        ].copy()
        view["series"] = view["series"].replace(ALL, _labels.ALL_LABELS[i])
        view["df"] = pd.array(view["df"].round(), dtype="Float64").astype("Int64")
        view["method"] = view["method"].map(lambda m: METHOD_TEXT.get(m, (m, m))[i])
        return view, {"effect_size": "Cramér's V"}
    if name == "reliability":
        return t["reliability"][["group", "alpha", "ci_low", "ci_high", "n", "note"]], {
            "alpha": "α"
        }
    if name == "quality" and _public(a):
        return t["quality"][["check", "severity", "n_flags", "n_forms"]], {}
    if name == "suppressed":
        return _suppressed_view(a, lang)
    if name == "quality":
        q = t["quality"]
        reason = "reason_zh" if lang == "zh" else "reason"
        view = q[["check", "severity", "unit", "group", "collector", "n_forms", reason]].copy()
        names = a.units.assign(unit=a.units["unit"].astype(str)).set_index("unit")["name"]
        unit = view["unit"].astype(str)
        view["unit"] = unit.map(names).fillna(unit).astype(str)
        return view, {reason: ("说明", "Reason")[i], "unit": ("单位", "Unit")[i]}
    if name == "quality_changes":
        return t["quality_changes"][
            [
                "unit_name",
                "series",
                "composite",
                "composite_excl_flagged",
                "rank",
                "rank_excl_flagged",
                "standing",
                "standing_excl_flagged",
                "grade",
                "grade_excl_flagged",
            ]
        ], {}
    if name == "rectification":
        r = t["rectification"]
        view = r[
            [
                "unit_name",
                "required_because",
                "item",
                "dimension",
                "n_dissatisfied",
                "dissatisfied_rate",
                "group",
                "comment",
            ]
        ].copy()
        view["required_because"] = _translate(view["required_because"], REQUIRED_TEXT, lang, a)
        view["item"] = _translate(view["item"], ITEM_TEXT, lang)
        return view, {}
    if name == "comments":
        c = t["comments"]
        view = c[["unit_name", "group", "form_id", "comment", "dissatisfied_dimensions"]].copy()
        view["dissatisfied_dimensions"] = _dim_list(view["dissatisfied_dimensions"], a, lang)
        return view, {}
    if name == "comparison":
        c = t["comparison"]
        sel = c[(c["score_diff_ci_low"] > 0) | (c["score_diff_ci_high"] < 0)]
        before, after = _cycle_words(a, lang)
        heads = {
            "score_before": (f"{before}得分", f"Score, {before}")[i],
            "score_after": (f"{after}得分", f"Score, {after}")[i],
        }
        return sel[
            [
                "unit_name",
                "dimension",
                "score_before",
                "score_after",
                "score_diff",
                "score_diff_ci_low",
                "score_diff_ci_high",
                "score_pvalue",
                "score_pvalue_adjusted",
                "score_significant",
            ]
        ], heads
    if name == "rank_movement":
        before, after = _cycle_words(a, lang)
        heads = {
            "rank_before": (f"{before}名次", f"Rank, {before}")[i],
            "rank_after": (f"{after}名次", f"Rank, {after}")[i],
            "standing_before": (f"{before}定位", f"Standing, {before}")[i],
            "standing_after": (f"{after}定位", f"Standing, {after}")[i],
        }
        return t["rank_movement"][
            [
                "unit_name",
                "series",
                "rank_before",
                "rank_after",
                "movement",
                "standing_before",
                "standing_after",
            ]
        ], heads
    if name == "weak_units_followup":
        f = t["weak_units_followup"]
        view = f[
            [
                "unit_name",
                "weak_because",
                "composite_h1",
                "composite_annual",
                "composite_diff",
                "composite_diff_ci_low",
                "composite_diff_ci_high",
                "pvalue",
                "pvalue_adjusted",
                "verdict",
                "weak_dimensions_h1",
                "weak_dimensions_annual",
            ]
        ].copy()
        view["weak_because"] = _translate(view["weak_because"], REQUIRED_TEXT, lang, a)
        view["verdict"] = _translate(view["verdict"], VERDICT_TEXT, lang)
        for c in ("weak_dimensions_h1", "weak_dimensions_annual"):
            view[c] = _dim_list(view[c], a, lang)
        return view, {}
    if name == "one_cycle_units":
        return t["one_cycle_units"][
            ["unit_name", "series", "cycle_present", "composite_year", "flags"]
        ], {}
    raise ValueError(f"name must be one of {', '.join(repr(n) for n in TABLE_VIEWS)}; got {name!r}")


def _suppressed_view(a, lang: str) -> tuple[pd.DataFrame, dict]:
    i = 0 if lang == "zh" else 1
    s = a.tables.get("suppressed")
    if s is None:
        return pd.DataFrame(), {}
    anyone = ("全部", "every")[i]
    view = s[["table", "unit", "group", "columns", "n_forms", "reason"]].copy()
    view["table"] = view["table"].map(
        lambda n: _labels.TABLE_LABELS.get(n, (n, n))[i] if n != _privacy.ANY else anyone
    )
    names = a.units.assign(unit=a.units["unit"].astype(str)).set_index("unit")["name"]
    unit = view["unit"].astype(str)
    view["unit"] = unit.map(names).fillna(unit).replace(_privacy.ANY, anyone).astype(str)
    view["group"] = view["group"].astype(str).replace(_privacy.ANY, anyone)
    view["columns"] = view["columns"].astype(str).replace(_privacy.ANY, anyone)
    view["reason"] = view["reason"].map(lambda r: _words.REASON_TEXT.get(r, (r, r))[i])
    return view, {"unit": ("单位", "Unit")[i], "columns": ("列", "Columns")[i]}


TABLE_VIEWS = (
    "response",
    "levels",
    "ranking",
    "final_grades",
    "weak_dimensions",
    "group_differences",
    "reliability",
    "quality",
    "quality_changes",
    "rectification",
    "comments",
    "comparison",
    "rank_movement",
    "weak_units_followup",
    "one_cycle_units",
    "suppressed",
)
"""Tables :func:`table` can show."""


class Note(str):
    """A short Markdown note that notebooks display as Markdown (``_repr_markdown_``)."""

    def _repr_markdown_(self) -> str:
        return str(self)


def table_frame(a, name: str, lang: str = "zh") -> pd.DataFrame:
    """The display copy (:func:`evalstats.present.labels.present`) of a table for the report body;
    empty for a table the analysis does not hold (``comments`` in the public tier)."""
    lang = _lang(lang)
    name = check_option("name", name, TABLE_VIEWS)
    if name not in a.tables:
        return pd.DataFrame()
    view, headers = _view(a, name, lang)
    return _labels.present(
        view,
        scheme=a.scheme,
        lang=lang,
        labels=_headers(view, headers, lang),
        percent_columns=_percent_columns(view),
    )


def _percent_columns(view: pd.DataFrame) -> list[str]:
    """Columns shown as percentages: those :mod:`evalstats.present.labels` shows so, except the
    probabilities ``p_last`` / ``p_top3``, which the text quotes as probabilities (0.32)."""
    return [
        c
        for pos, c in enumerate(view.columns)
        if c not in ("p_last", "p_top3")
        and _labels.column_format(c, view.iloc[:, pos].dtype) == "percent"
    ]


def _headers(view: pd.DataFrame, headers: dict, lang: str) -> dict:
    i = 0 if lang == "zh" else 1
    out = {c: EXTRA_HEADERS[c][i] for c in view.columns if c in EXTRA_HEADERS}
    return out | headers


DISPLAY_MAX_ROWS = 200
"""Rows of a table shown in the report body; the whole table is in the workbook and CSV.

A city-wide cycle's rectification list or comments run to tens of thousands of rows, which
no reader scrolls through in a page and which made the HTML report 20 MB.  The ranking
tables (one row per unit) are always shown whole: see :data:`WHOLE_TABLES`."""

WHOLE_TABLES = frozenset({"ranking", "final_grades", "rank_movement"})
"""Table views never cut, whatever their length: every unit's standing is shown."""


def _cut_caption(shown: int, total: int, name: str, lang: str) -> str:
    if lang == "zh":
        return (
            f"仅显示前 {shown:,} 行，共 {total:,} 行；完整的表见 Excel 工作簿"
            f"与 tables/ 文件夹（{name}）。"
        )
    return (
        f"First {shown:,} of {total:,} rows; the whole table is in the Excel workbook "
        f"and the tables/ folder ({name})."
    )


def table(a, name: str, lang: str = "zh", *, max_rows: int | None = DISPLAY_MAX_ROWS):
    """A table for the report body, labelled and HTML-escaped
    (:func:`evalstats.present.labels.style`).

    Parameters
    ----------
    a : Analysis
    name : str
        One of :data:`TABLE_VIEWS`.
    lang : {"zh", "en"}
    max_rows : int or None, optional
        Show at most this many rows (default :data:`DISPLAY_MAX_ROWS`), with a caption giving
        the total and where the whole table is; ``None`` shows every row.  The views in
        :data:`WHOLE_TABLES` are always shown whole.

    Returns
    -------
    pandas.io.formats.style.Styler or Note
        A :class:`Note` saying so when the table has no rows.

    Examples
    --------
    >>> table(a, "comments", "en", max_rows=50)  # doctest: +SKIP
    """
    lang = _lang(lang)
    name = check_option("name", name, TABLE_VIEWS)
    if max_rows is not None and (
        isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1
    ):
        raise ValueError(f"max_rows must be a positive integer or None; got {max_rows!r}")
    if name not in a.tables:
        if name == "suppressed" and not _public(a):
            return Note(
                "（内部版未抑制任何单元格。）"
                if lang == "zh"
                else "(The internal edition withholds nothing.)"
            )
        return Note(NOT_PUBLISHED[0 if lang == "zh" else 1])
    view, headers = _view(a, name, lang)
    if not len(view):
        return Note("（本表无内容。）" if lang == "zh" else "(Nothing to show in this table.)")
    total = len(view)
    cut = max_rows is not None and name not in WHOLE_TABLES and total > max_rows
    if cut:
        view = view.iloc[:max_rows]
    styler = _labels.style(
        view,
        scheme=a.scheme,
        lang=lang,
        labels=_headers(view, headers, lang),
        percent_columns=_percent_columns(view),
    )
    if cut:
        styler.set_caption(html.escape(_cut_caption(max_rows, total, name, lang)))
    return styler


__all__ = [
    "ANNUAL_SECTIONS",
    "DISPLAY_MAX_ROWS",
    "HALF_YEAR_SECTIONS",
    "HEADINGS",
    "TABLE_VIEWS",
    "WHOLE_TABLES",
    "Note",
    "changes",
    "codes_text",
    "comments",
    "final_grades",
    "followup",
    "group_differences",
    "join_words",
    "levels",
    "method",
    "movement",
    "one_cycle",
    "overview",
    "quality",
    "ranking",
    "rectification",
    "reliability",
    "scheme_label",
    "section",
    "sections",
    "suppression",
    "table",
    "table_frame",
    "title",
    "vetoes",
    "weak_dimensions",
    "year_result",
]
