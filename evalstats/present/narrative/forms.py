"""Narrative sections on the forms and the answers: the title, the overview (forms issued,
returned, valid; the town's rate and score), the level distribution and the comments.

Examples
--------
>>> from evalstats.present.narrative import overview
>>> print(overview(a, "en"))  # doctest: +SKIP
"""

from __future__ import annotations

import html

from evalstats.present import format as _format
from evalstats.present.names import in_language
from evalstats.present.narrative.text import (
    ALL,
    check_lang,
    compose,
    cycle_text,
    escape,
    invalid_levels,
    is_public,
    satisfied_levels,
    scheme_label,
)

# numbers: the one formatter (evalstats.present.format)
_score = _format.score
_pct = _format.percent
_int = _format.count
_n = _format.count_words
_level = _format.confidence_text


def title(a, lang: str = "zh", *, date=None) -> str:
    """The report's title block: the title (a ``#`` heading) and a line naming the issuing
    office (the scheme's ``[letters] office``) and the report's date in words.

    Parameters
    ----------
    a : Analysis
    lang : {"zh", "en"}
    date : date or str, optional
        The report's date (``YYYY-MM-DD``); default the scheme's ``[letters] date``, else
        today (:func:`evalstats.present.format.document_date`, as for the letters).

    Examples
    --------
    >>> print(title(a, "zh", date="2026-12-20"))  # doctest: +SKIP
    # 2026年度政风行风测评分析报告
    <BLANKLINE>
    <p class="evalstats-byline">示范镇政风行风测评工作领导小组办公室　　2026年12月20日</p>
    """
    lang = check_lang(lang)
    c = cycle_text(a, a.cycle, lang)
    if lang == "zh":
        kind = "年度" if a.kind == "annual" else ""
        name = c if a.kind != "annual" else c.replace("年度", "")
        heading = f"# {name}{kind}政风行风测评分析报告"
    else:
        heading = f"# Conduct evaluation report: {c}"
    settings = a.scheme.letters.in_language(lang)
    day = _format.date_text(_format.document_date(date, settings=settings), lang)
    line = _format.issued_line(settings.office, day, lang)
    return f'{heading}\n\n<p class="evalstats-byline">{html.escape(line)}</p>'


def overview(a, lang: str = "zh") -> str:
    """Forms issued, returned, valid and voided; units; the town's satisfied rate and score."""
    lang = check_lang(lang)
    s = a.summary
    f, town = s["forms"], s["town"]
    c = cycle_text(a, a.cycle, lang)
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
            f"全镇 {_int(town['n_valid'])} 个有效评价"
            f"（不含{invalid_levels(a, lang)}和未填写）的满意率为 "
            f"{_pct(town['satisfied_rate'])}（{level} 置信区间 {_pct(town['satisfied_ci_low'])} 至 "
            f"{_pct(town['satisfied_ci_high'])}），测评得分 {_score(town['score'])} 分"
            f"（{level} 置信区间 {_score(town['score_ci_low'])} 至 "
            f"{_score(town['score_ci_high'])}）。"
            f"满意率 = {satisfied_levels(a, lang)}的票数 ÷ 有效票数。"
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
            f"town's {_int(town['n_valid'])} valid answers ({invalid_levels(a, lang)} and blanks "
            "excluded) the "
            f"satisfied rate is {_pct(town['satisfied_rate'])} ({level} CI "
            f"{_pct(town['satisfied_ci_low'])} to {_pct(town['satisfied_ci_high'])}) and the "
            f"score {_score(town['score'])} ({level} CI {_score(town['score_ci_low'])} to "
            f"{_score(town['score_ci_high'])}). The satisfied rate counts "
            f"{satisfied_levels(a, lang)} over the valid answers."
        )
    return compose(a, "overview", lang, head, body)


def levels(a, lang: str = "zh") -> str:
    """How to read the level distribution figures."""
    lang = check_lang(lang)
    lv = a.tables["levels"]
    town = lv[(lv["unit"] == ALL) & (lv["series"] == ALL) & (lv["dimension"] != ALL)]
    dis = town[town["level"].isin(list(a.scheme.rules.dissatisfied_levels))]
    dis = dis.groupby("dimension", sort=False)[["count", "n_valid"]].sum()
    dis = dis.assign(rate=dis["count"] / dis["n_valid"]).sort_values("rate", ascending=False)
    if not len(dis):
        return compose(a, "levels", lang)
    top = dis.index[0]
    name = escape(scheme_label(a, "dimensions", top, lang))
    unknown = (
        town[town["level"] == a.scheme.levels[-1].code] if not a.scheme.levels[-1].valid else None
    )
    if lang == "zh":
        text = (
            f"下图按评议内容和单位列出各评价等级的占比（以有效票为分母；{invalid_levels(a, lang)}"
            f"和未填写另计，标在条形旁）。全镇不满意率最高的一项是{name}"
            f"（{_int(dis['count'].iloc[0])} 票，"
            f"占有效票 {_pct(dis['rate'].iloc[0])}）。"
        )
        if unknown is not None and len(unknown):
            u = unknown.sort_values("share_of_all_votes", ascending=False).iloc[0]
            text += (
                f"“{escape(a.scheme.levels[-1].label_zh)}”占比最高的一项是"
                f"{escape(scheme_label(a, 'dimensions', u['dimension'], lang))}"
                f"（{_int(u['count'])} 票，占该项全部评价的 {_pct(u['share_of_all_votes'])}）。"
            )
    else:
        text = (
            "The figures split the valid answers of each dimension and unit into the levels "
            f"({invalid_levels(a, lang)} and blanks are counted apart and written beside the "
            "bars). "
            "The highest "
            f"dissatisfied rate of the town is on {name} ({_int(dis['count'].iloc[0])} answers, "
            f"{_pct(dis['rate'].iloc[0])} of the valid answers)."
        )
        if unknown is not None and len(unknown):
            u = unknown.sort_values("share_of_all_votes", ascending=False).iloc[0]
            text += (
                f" {_format.quote(escape(a.scheme.levels[-1].label_en), 'en')} is most frequent on "
                f"{escape(scheme_label(a, 'dimensions', u['dimension'], lang))} "
                f"({_int(u['count'])} "
                f"answers, {_pct(u['share_of_all_votes'])} of all its answers)."
            )
    return compose(a, "levels", lang, text)


def comments(a, lang: str = "zh") -> str:
    """How many comments, about how many units."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    if is_public(a):
        n = a.summary.get("comments", 0)
        text = (
            f"共收到意见建议 {_int(n)} 条。意见建议是自由填写的文字，可能推知填写人，"
            "公开版不公布原文，已逐条转交各单位整改。"
            if lang == "zh"
            else f"{_n(n, 'comment')} received. Comments are free text that can identify "
            "who wrote them: the public edition does not quote them; they are passed on to "
            "the units."
        )
        return compose(a, "comments", lang, text)
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
    return compose(a, "comments", lang, text)


__all__ = [
    "comments",
    "levels",
    "overview",
    "title",
]
