"""Narrative sections on each unit's result: the ranking within series (with P(末位) and the
rank interval), vetoes, weak dimensions and the rectification list.

Examples
--------
>>> from evalstats.present.narrative import ranking
>>> print(ranking(a, "zh"))  # doctest: +SKIP
"""

from __future__ import annotations

from evalstats.present import format as _format
from evalstats.present.names import in_language
from evalstats.present.narrative.text import (
    MAX_COMMENTS_QUOTED,
    REQUIRED_TEXT,
    bullets,
    check_lang,
    codes_text,
    compose,
    escape,
    is_public,
    join_words,
    scheme_label,
    score_name,
    unit_label,
)
from evalstats.present.words import veto_rectification_item, veto_sentence, weak_rule_text

# numbers: the one formatter (evalstats.present.format)
_score = _format.score
_pct = _format.percent
_prob = _format.probability
_int = _format.count
_n = _format.count_words
_level = _format.confidence_text


def _ranking_explanation(a, lang: str) -> str:
    o = a.options
    thr = _prob(a.scheme.rules.last_min_probability)
    level = _level(o["confidence_level"])
    n = _int(o["n_resamples"])
    design = a.summary.get("design") or {}
    by_respondent = design.get("kind") == "respondents"
    normal = by_respondent and design.get("ranking_bootstrap") == "normal"
    if lang == "zh":
        if normal:
            how = (
                f"按评议人重抽样（在各评议人类别内整体抽取评议人）的正态近似抽取 {n} 组综合得分，"
                "每组在序列内排名"
            )
        elif by_respondent:
            how = (
                f"在各评议人类别内把评议人有放回地重新抽样 {n} 次（一人评议的各单位同进同出），"
                "每次重新计算综合得分并在序列内排名"
            )
        else:
            how = f"把每个单位的测评表有放回地重新抽样 {n} 次，每次重新计算综合得分并在序列内排名"
        return (
            f"**如何读 P(末位) 和名次区间**：{how}。P(末位) 是该单位排在本序列最后的次数占比；"
            f"名次区间是这些名次的 {level} 区间。P(末位) 达到 {thr} 才认定为末位；低于 {thr} 时，"
            "最后一名与相邻单位的差距在抽样误差之内，写作“末位不可区分”，不作为事实认定。"
        )
    if normal:
        how = (
            f"{n} sets of composites are drawn from the normal approximation of resampling the "
            "respondents within their groups, and each set is ranked within the series"
        )
    elif by_respondent:
        how = (
            f"the respondents are resampled {n} times within their groups (all units a "
            "respondent rated move together) and the composites re-ranked within the series "
            "each time"
        )
    else:
        how = (
            f"each unit's forms are resampled {n} times and the composites re-ranked within "
            "the series each time"
        )
    return (
        f"**Reading P(last) and the rank interval**: {how}. P(last) is the share of "
        f"resamples in which the unit comes last; the rank interval holds {level} of its ranks. "
        f"A last place is called only when P(last) reaches {thr}; below that the bottom units "
        'are within sampling error of each other and the report says "last, not '
        'distinguishable" instead of presenting it as fact.'
    )


def ranking(a, lang: str = "zh") -> str:
    """Per series: the top 3 and the last place (or "not distinguishable"), with p_last."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    r = a.tables["ranking"]
    col = a.score_column
    sname = score_name(a, lang)
    lines = []
    for code, info in a.summary["series"].items():
        part = r[r["series"].astype(str) == code]
        label = escape(info["label_zh"] if lang == "zh" else info["label_en"])
        top = part[part["standing"] == "top3"]
        tops = [
            f"{unit_label(t, lang)}（{_score(getattr(t, col))}{'，并列' if t.tied else ''}）"
            if lang == "zh"
            else f"{unit_label(t, lang)} ({_score(getattr(t, col))}{', tied' if t.tied else ''})"
            for t in top.itertuples(index=False)
        ]
        ranked = part["rank"].notna()
        max_rank = part.loc[ranked, "rank"].max() if ranked.any() else None
        last = part[part["standing"].isin(["last", "last_not_distinguishable"])]
        vetoed = [unit_label(v, lang) for v in part[part["veto"].astype(bool)].itertuples()]
        if lang == "zh":
            tops_text = join_words(tops, lang) or "（无）"
            out = f"，其中{join_words(vetoed, lang)}被一票否决、不参加排名" if vetoed else ""
            text = f"**{label}**（{info['units']} 个单位{out}）：前三为{tops_text}。"
        else:
            out = f"; {join_words(vetoed, lang)} vetoed, not ranked" if vetoed else ""
            text = (
                f"**{label}** ({info['units']} units{out}): top 3 "
                f"{join_words(tops, lang) or '(none)'}."
            )
        for t in last.itertuples(index=False):
            interval = _format.rank_range(t.rank_low, t.rank_high, lang, prose=True)
            if t.standing == "last":
                text += (
                    f"末位：{unit_label(t, lang)}（{sname} {_score(getattr(t, col))}，"
                    f"P(末位) = {_prob(t.p_last)}，名次区间 {interval}）。"
                    if lang == "zh"
                    else f" Last: {unit_label(t, lang)} ({sname} {_score(getattr(t, col))}, "
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
                f"{unit_label(o, lang)}（{_score(getattr(o, col))}，P(末位) = {_prob(o.p_last)}）"
                if lang == "zh"
                else f"{unit_label(o, lang)} ({_score(getattr(o, col))}, "
                f"P(last) = {_prob(o.p_last)})"
                for o in near.itertuples(index=False)
            ]
            thr = _prob(a.scheme.rules.last_min_probability)
            if lang == "zh":
                text += (
                    f"末位不可区分：{unit_label(t, lang)}{sname}最低（{_score(getattr(t, col))}），"
                    f"但 P(末位) = {_prob(t.p_last)}，低于认定标准 {thr}，名次区间 {interval}"
                )
                text += f"；同样可能排在最后的还有{join_words(others, lang)}。" if others else "。"
            else:
                text += (
                    f" Last not distinguishable: {unit_label(t, lang)} has the lowest {sname} "
                    f"({_score(getattr(t, col))}) but P(last) = {_prob(t.p_last)}, below the "
                    f"threshold {thr}; rank interval {interval}"
                )
                text += f". Also possibly last: {join_words(others, lang)}." if others else "."
        lines.append(text)
    return compose(a, "ranking", lang, bullets(lines), _ranking_explanation(a, lang))


def vetoes(a, lang: str = "zh") -> str:
    """Vetoed units and why (:func:`evalstats.present.words.veto_sentence`)."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    r = a.tables["ranking"]
    v = r[r["veto"].astype(bool)]
    if not len(v):
        text = "没有单位被一票否决。" if lang == "zh" else "No unit is vetoed."
        return compose(a, "veto", lang, text)
    lines = []
    for row in v.itertuples(index=False):
        note = getattr(row, "veto_note", "")
        sentence = escape(
            veto_sentence(
                {"veto_reason": row.veto_reason, "veto_note": note}, lang=lang, scheme=a.scheme
            )
        )
        grade = escape(scheme_label(a, "grades", row.grade, lang))
        if lang == "zh":
            lines.append(
                f"{unit_label(row, lang)}：{sentence}等次定为{grade}，不参加名次排列，"
                "不进入前三，也不作末位。"
            )
        else:
            lines.append(
                f"{unit_label(row, lang)}: {sentence} Graded {grade.lower()}; not ranked, so "
                "neither in the top 3 nor last."
            )
    intro = (
        f"{len(v)} 个单位被一票否决（发生否决事项，或综合得分低于否决线 "
        f"{a.scheme.rules.veto_threshold:g} 分）："
        if lang == "zh"
        else f"{_n(len(v), 'unit')} vetoed (an incident, or a composite below the veto threshold "
        f"{a.scheme.rules.veto_threshold:g}):"
    )
    return compose(a, "veto", lang, intro, bullets(lines))


def weak_dimensions(a, lang: str = "zh") -> str:
    """Weak dimensions per unit, with their dissatisfied counts and denominators."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    w = a.tables["weak_dimensions"]
    rule = weak_rule_text(a.scheme, lang=lang, confidence_level=a.options["confidence_level"])
    if lang == "zh":
        rule = "括号内为该项加权得分、序列中位数、不满意票数占该项全部评价票数的比例。" + rule
    else:
        rule = (
            "In brackets: the weighted score, the series median, and the dissatisfied answers "
            "over all answers on that dimension. " + rule
        )
    if not len(w):
        return compose(
            a, "weak", lang, rule, "没有薄弱项。" if lang == "zh" else "No dimension is weak."
        )
    lines = []
    for _code, part in w.groupby("unit", sort=False):
        first = part.iloc[0]
        items = []
        for r in part.itertuples(index=False):
            d = escape(scheme_label(a, "dimensions", r.dimension, lang))
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
        lines.append(unit_label(first, lang) + sep + ("；" if lang == "zh" else "; ").join(items))
    return compose(a, "weak", lang, rule, bullets(lines))


def rectification(a, lang: str = "zh") -> str:
    """Who must rectify and why, with their weak dimensions and comments quoted."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    t = a.tables["rectification"]
    req = t[t["rectification_required"]]
    cap = scheme_label(a, "grades", a.scheme.rules.last_grade_cap, lang)
    if lang == "zh":
        rule = (
            f"须制定整改方案的单位：本序列末位（含末位不可区分）、被一票否决、或等次低于{escape(cap)}"
            "的单位。整改清单分两部分：“须整改”列出这些单位的全部事项，以及其他单位按薄弱项规则"
            "认定的薄弱项；“反馈参考”列出其他单位收到的批评、建议和意见，供其参考改进，"
            "不要求制定整改方案。表扬意见不列入整改清单。"
        )
    else:
        rule = (
            "Units that must draw up a rectification plan: last (or last, not distinguishable) "
            f"in their series, vetoed, or graded below {escape(cap).lower()}. The list has two "
            "parts: *to rectify* — every item of those units, and the weak dimensions (by the "
            "weak-item rule) of any other unit; *feedback* — the criticism, suggestions and "
            "other comments the other units received, for them to consider, with no plan "
            "required. Praise is never on the list."
        )
    if not len(req):
        none = "没有单位须整改。" if lang == "zh" else "No unit must rectify."
        return compose(a, "rectification", lang, rule, none)
    lines = []
    vetoes_by_unit = a.tables["ranking"].set_index(a.tables["ranking"]["unit"].astype(str))
    for unit_code, part in req.groupby("unit", sort=False):
        first = part.iloc[0]
        why = codes_text(REQUIRED_TEXT, first["required_because"], lang, a)
        incident = ""
        if bool(first["veto"]) and str(unit_code) in vetoes_by_unit.index:
            item = veto_rectification_item(
                vetoes_by_unit.loc[str(unit_code)], lang=lang, scheme=a.scheme
            )
            incident = escape(item) + ("；" if lang == "zh" else "; ")
        dims = part[part["item"] == "weak_dimension"]
        coms = part[part["item"] == "comment"]
        if is_public(a):
            coms = coms.iloc[0:0]
        d_txt = join_words(
            [
                f"{escape(scheme_label(a, 'dimensions', r.dimension, lang))}"
                f"（不满意 {_int(r.n_dissatisfied)} 票）"
                if lang == "zh"
                else f"{escape(scheme_label(a, 'dimensions', r.dimension, lang))} "
                f"({_int(r.n_dissatisfied)} dissatisfied)"
                for r in dims.itertuples(index=False)
            ],
            lang,
        )
        quoted = [_format.quote(escape(c), lang) for c in coms["comment"].head(MAX_COMMENTS_QUOTED)]
        more = len(coms) - len(quoted)
        if is_public(a):
            text = (
                f"**{unit_label(first, lang)}**（{why}）：{incident}薄弱项 {d_txt or '无'}。"
                if lang == "zh"
                else f"**{unit_label(first, lang)}** ({why}): {incident}weak dimensions "
                f"{d_txt or 'none'}."
            )
        elif lang == "zh":
            text = f"**{unit_label(first, lang)}**（{why}）：{incident}薄弱项 {d_txt or '无'}"
            text += f"；意见建议 {len(coms)} 条" if len(coms) else "；无意见建议"
            text += "：" + "；".join(quoted) if quoted else ""
            text += f"；另有 {more} 条见整改清单。" if more > 0 else "。"
        else:
            text = f"**{unit_label(first, lang)}** ({why}): {incident}weak dimensions "
            text += d_txt or "none"
            text += f"; {_n(len(coms), 'comment')}" if len(coms) else "; no comments"
            text += ": " + "; ".join(quoted) if quoted else ""
            text += f"; {more} more in the list." if more > 0 else "."
        lines.append(text)
    rest = t[~t["rectification_required"]]
    weak_units = rest.loc[rest["action"] == "rectify", "unit"].nunique() if "action" in t else 0
    others = rest.loc[rest["action"] != "rectify", "unit"].nunique() if "action" in t else 0
    if is_public(a):
        note = (
            "公开版的整改清单只列薄弱项，意见建议原文仅供内部反馈使用。"
            if lang == "zh"
            else "In the public edition the list gives weak dimensions only; comments are "
            "passed on internally."
        )
        return compose(a, "rectification", lang, rule, bullets(lines), note)
    tail = []
    if weak_units:
        tail.append(
            f"另有 {weak_units} 个单位的薄弱项列入“须整改”。"
            if lang == "zh"
            else f"The weak dimensions of {_n(weak_units, 'other unit')} are to be rectified too."
        )
    if others:
        tail.append(
            f"{others} 个单位收到的批评、建议和意见列入“反馈参考”。"
            if lang == "zh"
            else f"The comments of {_n(others, 'unit')} are listed for feedback."
        )
    return compose(
        a, "rectification", lang, rule, bullets(lines), ("" if lang == "zh" else " ").join(tail)
    )


__all__ = [
    "ranking",
    "rectification",
    "vetoes",
    "weak_dimensions",
]
