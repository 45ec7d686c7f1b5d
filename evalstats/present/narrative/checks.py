"""Narrative sections on the checks and the method: differences between respondent groups,
reliability, data quality, the publication tier and the notes on method.

Examples
--------
>>> from evalstats.present.narrative import method
>>> print(method(a, "en"))  # doctest: +SKIP
"""

from __future__ import annotations

from evalstats.present import format as _format
from evalstats.present import labels as _labels
from evalstats.present import rules as _rules
from evalstats.present import words as _words
from evalstats.present.changes import result_sentence
from evalstats.present.names import in_language
from evalstats.present.narrative.text import (
    ALL,
    bullets,
    check_lang,
    compose,
    escape,
    is_public,
    join_words,
    scheme_label,
)
from evalstats.stats.compare import TestResult
from evalstats.stats.reliability import AlphaResult

# numbers: the one formatter (evalstats.present.format)
_missing = _format.is_missing
_score = _format.score
_int = _format.count
_n = _format.count_words
_p = _format.p_text
_level = _format.confidence_text


def group_differences(a, lang: str = "zh") -> str:
    """χ² tests between respondent groups (:meth:`evalstats.stats.compare.TestResult.sentence`)."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    g = a.tables["group_differences"]
    tested = g[g["pvalue"].notna()]
    sig = tested[tested["significant"].fillna(False).astype(bool)]
    # forms sharing respondents: every test is the Rao-Scott design-adjusted one
    rao_scott = len(tested) > 0 and bool((tested["method"] == "rao-scott").all())
    if lang == "zh":
        groups = join_words([escape(g.label_zh) for g in a.scheme.groups], lang)
        how = "（同一评议人评了多个单位，按评议人聚类作 Rao–Scott 设计校正）" if rao_scott else ""
        small = "" if rao_scott else "期望频数偏小时用蒙特卡罗 p 值；"
        intro = (
            f"检验各类评议人（{groups}）对同一评议内容的评价等级分布"
            f"是否一致：全镇及各序列逐项做 χ² 同质性检验{how}，共 {len(tested)} 项；{small}"
            "p 值经 Holm 法多重比较校正。"
        )
    else:
        how = (
            " (Rao–Scott adjusted for respondents as clusters: one respondent rated several units)"
            if rao_scott
            else ""
        )
        small = "" if rao_scott else ", Monte-Carlo p-values where expected counts are small"
        intro = (
            "Do the respondent groups rate a dimension alike? A χ² homogeneity test per "
            f"dimension, town-wide and per series{how}: {len(tested)} tests{small}, p-values "
            "Holm-adjusted."
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
            d = escape(scheme_label(a, "dimensions", r.dimension, lang))
            verdict += (
                f"差异最大的是{where}{d}（未校正 {_p(r.pvalue)}，校正后 {_p(r.pvalue_adjusted)}）。"
                if lang == "zh"
                else f" The smallest p-value is for {d} ({where}): {_p(r.pvalue)} unadjusted, "
                f"{_p(r.pvalue_adjusted)} adjusted."
            )
        return compose(a, "groups", lang, intro, verdict)
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
        lines.append(escape(result_sentence(res, lang, subject=subject, alpha=float(r.alpha))))
    note = (
        "（句中 p 值为 Holm 校正后的值。）"
        if lang == "zh"
        else "(The p-values quoted are Holm-adjusted.)"
    )
    return compose(a, "groups", lang, intro, bullets(lines), note)


def _where(a, series: str, lang: str) -> str:
    if series == ALL:
        return "全镇" if lang == "zh" else "town-wide"
    label = scheme_label(a, "series", series, lang)
    return f"{label}序列" if lang == "zh" else f"{label} series"


def reliability(a, lang: str = "zh") -> str:
    """Cronbach's alpha over all forms (:meth:`AlphaResult.sentence`) and per group."""
    lang = check_lang(lang)
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
        fmt.format(
            g=escape(scheme_label(a, "groups", r.group, lang)), v=_score(r.alpha), n=_int(r.n)
        )
        for r in per.itertuples(index=False)
        if not _missing(r.alpha)
    ]
    tail = (
        f"分类别的 α：{join_words(parts, lang)}。"
        if lang == "zh"
        else f"Alpha by group: {join_words(parts, lang)}."
    )
    return compose(
        a, "reliability", lang, escape(_words.alpha_sentence(res, lang)), tail if parts else ""
    )


def quality(a, lang: str = "zh") -> str:
    """Data-quality flags (:func:`evalstats.present.words.describe_quality`) and what excluding the
    flagged forms would change."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    if is_public(a):
        return compose(a, "quality", lang, _public_quality(a, lang))
    lines = _words.describe_quality(a.tables["quality"], lang)
    head = escape(lines[0])
    rest = bullets(escape(x) for x in lines[1:]) if len(lines) > 1 else ""
    qc = _words.describe_quality_comparison(a.quality_comparison, lang)
    note = (
        "正式结果使用全部有效问卷；剔除被标记问卷（集中提交、疑似复制）后的结果仅供对照。"
        if lang == "zh"
        else "The official figures use every valid form; the figures without the flagged "
        "forms (bursts, near duplicates) are for comparison only."
    )
    qc_text = escape(qc[0])
    qc_rest = bullets(escape(x) for x in qc[1:]) if len(qc) > 1 else ""
    joiner = "" if lang == "zh" else " "
    return compose(a, "quality", lang, head, rest, note + joiner + qc_text, qc_rest)


def _public_quality(a, lang: str) -> str:
    q = a.tables["quality"]
    parts = [
        (
            f"{escape(_labels.value_label('check', r.check, scheme=a.scheme, lang=lang))} "
            f"{_int(r.n_flags)} 项（{_int(r.n_forms)} 份问卷）"
            if lang == "zh"
            else f"{escape(_labels.value_label('check', r.check, scheme=a.scheme, lang=lang))}: "
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


def suppression(a, lang: str = "zh") -> str:
    """What the public edition withholds and why
    (:func:`evalstats.present.words.describe_suppression`); in the internal tier, that the report
    shows every cell and is not for publication."""
    lang = check_lang(lang)
    if not is_public(a):
        text = (
            "本报告为内部版，列出全部单元格（含各单位按评议人类别的分项、意见建议原文和"
            "数据质量标记的明细），仅供内部使用，不得直接公开；对外公布请使用公开版。"
            if lang == "zh"
            else "This is the internal edition: it shows every cell (per-unit breakdowns by "
            "respondent group, comments verbatim, the details of the quality flags) and is for "
            "internal use only; publish the public edition instead."
        )
        return compose(a, "suppression", lang, text)
    text = _words.describe_suppression(a.tables["suppressed"], scheme=a.scheme, lang=lang)
    return compose(a, "suppression", lang, escape(text))


def method(a, lang: str = "zh") -> str:
    """Rounding, intervals, resampling, seed and scheme: what a reader needs to re-derive."""
    lang = check_lang(lang)
    o, s = a.options, a.summary
    ci = _labels.value_label("ci_method", o["method"], scheme=a.scheme, lang=lang)
    seed = (
        "未固定"
        if o["seed"] is None and lang == "zh"
        else ("not fixed" if o["seed"] is None else o["seed"])
    )
    level = _level(o["confidence_level"])
    sch = s["scheme"]
    ranking, design = _design_text(s.get("design"), o["n_resamples"], lang, kind=a.kind)
    if lang == "zh":
        text = (
            f"{_labels.rounding_note(lang)}置信水平 {level}；满意率区间用 {escape(ci)}；"
            f"{ranking}随机种子 {seed}"
            "（同样的数据和种子得到完全相同的结果）。有效评价少于 "
            f"{a.scheme.rules.low_confidence_n} 票的格子标为“样本偏少”。评测方案："
            f"{escape(_rules.scheme_title(a.scheme, lang=lang))}（校验码 {sch['sha256'][:12]}）。"
        )
    else:
        text = (
            f"{_labels.rounding_note(lang)} Confidence level {level}; satisfied-rate intervals: "
            f"{escape(ci)}; {ranking}"
            f"seed {seed} (same data and seed, same results). Cells with fewer than "
            f"{a.scheme.rules.low_confidence_n} valid answers are marked low-confidence. "
            f"Scheme: {escape(_rules.scheme_title(a.scheme, lang=lang))} (checksum "
            f"{sch['sha256'][:12]})."
        )
    if design:
        text = f"{text}\n\n{design}"
    return annex(compose(a, "method", lang, text))


def _design_text(design: dict | None, n_resamples, lang: str, *, kind: str = "") -> tuple[str, str]:
    """The ranking bootstrap's phrase and a paragraph on the sampling design: the sampling
    unit, how pooled intervals, group comparisons and (annual) changes are computed and the
    design effect (``summary["design"]``, present only when forms share respondents or the
    same respondents answered in both cycles; otherwise every form is its own respondent)."""
    n = _int(n_resamples)
    forms_phrase = (
        f"排名不确定性用 {n} 次测评表重抽样（每张测评表为一个抽样单位），"
        if lang == "zh"
        else f"ranking uncertainty from {n} resamples of the forms (each form a sampling unit), "
    )
    if not design:
        return forms_phrase, ""
    linked = _linked_text(design.get("linked_respondents", 0), lang)
    if design.get("kind") != "respondents":  # only the same respondents in both cycles
        return forms_phrase, linked
    deff_rate = _format.fixed(design["design_effect_satisfied_rate"], 2)
    deff_score = _format.fixed(design["design_effect_score"], 2)
    resp, forms = _int(design["respondents"]), _int(design["forms"])
    repeated = design.get("repeated_within_unit", False)
    annual = kind == "annual"
    normal = _normal_text(design, lang)
    if lang == "zh":
        units = (
            "有评议人对同一单位填了多张表，这些单位自身的区间（含综合得分）也按评议人聚类计算，"
            "其余单位不变。"
            if repeated
            else "各单位自身的区间不变（每人对一个单位只评一张表）。"
        )
        compare = "各评议人类别之间的差异检验按评议人聚类作了 Rao–Scott 校正。"
        if annual:
            compare += "与上半年相比的变化，两期各按其抽样设计计算方差后合并"
            compare += "。" if linked else "，两期视为相互独立的样本。"
        return f"排名不确定性用 {n} 次评议人重抽样，", (
            f"抽样单位：本期同一评议人对多个单位作了评议（{resp} 名评议人、{forms} 张测评表），"
            "因此以评议人而不是单张测评表为抽样单位。排名的重抽样在各评议人类别内整体抽取评议人，"
            f"一人评议的各单位同进同出{normal}；全镇、各序列等跨单位汇总的满意率和得分，区间按评议人聚类、"
            f"按评议人类别分层计算。估计的设计效应：满意率 {deff_rate}，得分 {deff_score}，"
            f"即方差分别是把每票当作相互独立时的 {deff_rate} 倍和 {deff_score} 倍。{units}"
            f"{compare}{linked}"
        )
    units = (
        "Some respondents gave one unit several forms, so those units' own intervals (the "
        "composite included) are clustered on their respondents too; other units are unchanged."
        if repeated
        else "Each unit's own intervals are unchanged (one form per respondent and unit)."
    )
    compare = "Differences between respondent groups are tested with the Rao–Scott adjustment "
    compare += "for respondents as clusters."
    if annual:
        compare += " Changes since the half-year combine each cycle's design-based variance"
        compare += "." if linked else ", the two cycles taken as independent samples."
    return f"ranking uncertainty from {n} resamples of the respondents, ", (
        f"Sampling unit: the same respondents rated several units ({resp} respondents, "
        f"{forms} forms), so the respondent, not the form, is the sampling unit. The ranking "
        "resamples whole respondents within their groups (all units a respondent rated move "
        f"together){normal}; rates and scores pooled across units (town, series) have design-based "
        "intervals with respondents as clusters and groups as strata. Estimated design "
        f"effect: {deff_rate} for the satisfied rate and {deff_score} for the score, i.e. the "
        "variance is that many times the variance if every answer were independent. "
        f"{units} {compare}{' ' + linked if linked else ''}"
    )


def _normal_text(design: dict, lang: str) -> str:
    """The clause saying that the ranking's respondent bootstrap was drawn from its normal
    approximation (``design["ranking_bootstrap"] == "normal"``), or ``""``."""
    if design.get("ranking_bootstrap") != "normal":
        return ""
    k = _int(design["large_cell_threshold"])
    fewest = _int(design["fewest_respondents_per_cell"])
    if lang == "zh":
        return (
            f"。因每个单位×评议人类别格子都至少有 {k} 名评议人（最少 {fewest} 名），重抽样结果取其"
            "正态近似：各单位综合得分按线性化（delta 方法）由每名评议人对各单位得分的影响值在各类别"
            "内求出协方差，从多元正态分布抽取，而不逐次抽取评议人；在这样大的格子上，末位概率和名次"
            "区间与逐次抽取的结果在随机误差范围内一致"
        )
    return (
        f". As every unit × group cell has at least {k} respondents (the fewest {fewest}), the "
        "resamples are drawn from their normal approximation: the units' composites are drawn "
        "from a multivariate normal whose covariance comes, by linearisation (the delta "
        "method), from each respondent's influence on every unit's composite within their "
        "group, instead of drawing respondents one by one; on cells this large the "
        "probabilities of being last and the rank intervals agree with drawing respondents "
        "within Monte-Carlo error"
    )


def _linked_text(n_linked, lang: str) -> str:
    """The sentence on respondents who answered in both cycles (annual), or ``""``."""
    if not n_linked:
        return ""
    n = _int(n_linked)
    if lang == "zh":
        return (
            f"有 {n} 名评议人在上半年和年终都参加了评议：凡有他们参与的变化比较（含综合得分的"
            "变化），把两期合并为一个抽样设计计算（同一人的前后回答计入相关），区间和检验用合并"
            "设计的 t 分布；某类评议人只有一张表或某项只有一票的单位，其综合得分的变化仍把两期"
            "当作独立样本。"
        )
    return (
        f"{n} respondents answered in both the half-year and the year-end: every change they "
        "took part in, the composite's included, is estimated from one design of both cycles "
        "(a person's answers in the two cycles correlated), with t intervals and tests of that "
        "design; a unit whose composite borrows a variance (a group of one form or a cell of "
        "one answer) keeps independent samples for its composite's change."
    )


def rules(a, lang: str = "zh") -> str:
    """The scoring rules (评分规则) of the scheme in effect (:func:`evalstats.present.rules.
    rules_text`): every number read from ``a.scheme``, the edition from ``a.tier``."""
    lang = check_lang(lang)
    sections = _rules.rules_text(a.scheme, lang=lang, kind=a.kind, edition=a.tier)
    intro = _rules.rules_intro(a.scheme, lang=lang)
    return annex(compose(a, "rules", lang, _rules.rules_markdown(sections, intro=intro)))


def annex(markdown: str) -> str:
    r"""A section the report prints as an annex, in smaller type (the rules and the method:
    reference for whoever checks a number, not reading for every leader).

    The section starts with an empty ``<div class="evalstats-annex">``; the print stylesheet
    styles the output holding it (a wrapping ``<div>`` would not survive: the Markdown
    renderer closes an HTML block at the first blank line).

    Examples
    --------
    >>> annex("## 方法说明\n\n正文")
    '<div class="evalstats-annex"></div>\n\n## 方法说明\n\n正文'
    """
    return f'<div class="evalstats-annex"></div>\n\n{markdown}'


__all__ = [
    "annex",
    "group_differences",
    "method",
    "quality",
    "reliability",
    "rules",
    "suppression",
]
