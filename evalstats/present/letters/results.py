"""The letter's sections on this cycle's result: title, opening, the headline (composite, rank,
rank interval, P(末位), grade, standing, veto, whether the unit must rectify), the dimensions
against the series median, and the levels.

Examples
--------
>>> from evalstats.present.letters import blocks
>>> blocks(p, "headline", "en")  # doctest: +SKIP
"""

from __future__ import annotations

from evalstats.present import format as _format
from evalstats.present.letters.text import (
    REQUIRED,
    STANDING,
    WEAK_REASON,
    cycle_words,
    lang_index,
    unit_display,
)
from evalstats.present.narrative import (  # one set
    codes_text,
    join_words,
    scheme_label,
)

# numbers: the one formatter (evalstats.present.format)
_missing = _format.is_missing
_score = _format.score
_pct = _format.percent
_prob = _format.probability
_int = _format.count
_level = _format.confidence_text


def _title(p, lang):
    if lang == "zh":
        return [("title", f"{unit_display(p, lang)}{cycle_words(p.cycle)}政风行风测评反馈函")]
    return [("title", f"Feedback letter: {unit_display(p, lang)}, {cycle_words(p.cycle, 'en')}")]


def _opening(p, lang):
    series = scheme_label(p, "series", p.series, lang)
    if lang == "zh":
        tier = "（公开版）" if p.tier == "public" else ""
        return [
            ("p", f"致：{p.unit_name or p.unit}（{series}序列）"),
            ("p", f"现将{cycle_words(p.cycle)}政风行风测评中贵单位的结果反馈如下{tier}。"),
        ]
    tier = " (public edition)" if p.tier == "public" else ""
    return [
        ("p", f"To: {unit_display(p, lang)} ({series} series)"),
        ("p", f"These are your unit's results in {cycle_words(p.cycle, 'en')}{tier}."),
    ]


def _headline_sentence(p, lang) -> str:
    """The sentence that states the letter's row (:attr:`UnitProfile.letter`): composite, rank,
    rank interval, P(末位) and grade — for an annual cycle, the combined year's."""
    h = p.headline.iloc[0]
    series = scheme_label(p, "series", p.series, lang)
    grade = scheme_label(p, "grades", h["grade"], lang) if not _missing(h["grade"]) else ""
    tied = ("（并列）" if lang == "zh" else " (tied)") if bool(h["tied"]) else ""
    level = _level(h["confidence_level"])
    year = p.year.iloc[0] if len(p.year) else None
    ci = (_score(h["composite_ci_low"]), _score(h["composite_ci_high"]))
    if lang == "zh":
        s = f"贵单位本期回收有效测评表 {_int(h['n_forms'])} 份，"
        if year is not None:
            s += (
                f"年终测评综合得分 {_score(year['composite_annual'])}；按上半年 "
                f"{_level(year['weight_half_year'])}、"
                f"年终 {_level(year['weight_annual'])} 合成，"
                f"年度综合得分 {_score(h['composite'])}（{level} 置信区间 {ci[0]} 至 {ci[1]}）"
            )
        else:
            s += f"综合得分 {_score(h['composite'])}（{level} 置信区间 {ci[0]} 至 {ci[1]}）"
        if not _missing(h["rank"]):
            s += (
                f"，在{series}序列 {int(h['n_ranked'])} 个单位中"
                f"{'年度' if year is not None else ''}排名第 {int(h['rank'])}{tied}"
                f"（名次区间 {int(h['rank_low'])} 至 {int(h['rank_high'])}），"
                f"为末位的概率为 {_prob(h['p_last'])}"
            )
        return s + (f"，{'年度' if year is not None else ''}等次为{grade}。" if grade else "。")
    s = f"Your unit returned {_int(h['n_forms'])} valid forms; "
    if year is not None:
        s += (
            f"its year-end composite is {_score(year['composite_annual'])}; combined with "
            f"weights {_level(year['weight_half_year'])} (half-year) and "
            f"{_level(year['weight_annual'])} (year-end), its composite of the year is "
            f"{_score(h['composite'])} ({level} CI {ci[0]} to {ci[1]})"
        )
    else:
        s += f"its composite is {_score(h['composite'])} ({level} CI {ci[0]} to {ci[1]})"
    if not _missing(h["rank"]):
        s += (
            f", rank {int(h['rank'])}{tied} of {int(h['n_ranked'])} in the {series} series"
            f"{' for the year' if year is not None else ''} (rank interval "
            f"{int(h['rank_low'])} to {int(h['rank_high'])}), with a probability of "
            f"{_prob(h['p_last'])} of being truly last"
        )
    word = "grade of the year" if year is not None else "grade"
    return s + (f"; {word}: {grade.lower()}." if grade else ".")


def _headline(p, lang):
    from evalstats.present.words import veto_sentence

    h = p.headline.iloc[0]
    if bool(h["suppressed"]):
        text = (
            "贵单位回收的测评表少于公布下限，公开版不公布其得分。"
            if lang == "zh"
            else "Fewer forms than the publication threshold: the public edition shows no score."
        )
        return [("p", text)]
    out = [("p", _headline_sentence(p, lang))]
    standing = str(h["standing"]) if not _missing(h["standing"]) else ""
    if standing in STANDING and standing != "veto":
        words = STANDING[standing][lang_index(lang)]
        out.append(("p", f"贵单位{words}。" if lang == "zh" else f"Your unit {words}."))
    veto = veto_sentence(h, lang=lang, scheme=p.scheme)
    if veto:
        out.append(("p", veto))
    if bool(h["rectification_required"]):
        why = codes_text(REQUIRED, h["required_because"], lang, p)
        out.append(
            (
                "p",
                f"根据本期结果，贵单位须制定整改方案（原因：{why}）。"
                if lang == "zh"
                else f"On these results your unit must draw up a rectification plan ({why}).",
            )
        )
    return out


def _dimension_words(p, lang):
    d = p.dimensions
    rows = d[(d["group"] == "all") & (d["dimension"] != "all")]
    above, below, same = [], [], []
    for r in rows.itertuples(index=False):  # one row per dimension of the scheme
        name = scheme_label(p, "dimensions", r.dimension, lang)
        if _missing(r.weighted_score) or _missing(r.weighted_score_series_median):
            continue
        if r.weighted_score_ci_low > r.weighted_score_series_median:
            above.append(name)
        elif r.weighted_score_ci_high < r.weighted_score_series_median:
            below.append(name)
        else:
            same.append(name)
    return above, below, same


def _dimensions(p, lang):
    above, below, same = _dimension_words(p, lang)
    out = []
    if lang == "zh":
        parts = []
        if above:
            parts.append(f"{join_words(above, lang)}得分明显高于序列中位数")
        if below:
            parts.append(f"{join_words(below, lang)}得分明显低于序列中位数")
        if same:
            parts.append(f"{join_words(same, lang)}与序列中位数无明显差别")
        if parts:
            out.append(
                ("p", "；".join(parts) + "（“明显”指得分的置信区间整体在中位数之上或之下）。")
            )
    else:
        parts = []
        if above:
            parts.append(f"clearly above the series median: {join_words(above, lang)}")
        if below:
            parts.append(f"clearly below the series median: {join_words(below, lang)}")
        if same:
            parts.append(f"not clearly different from the series median: {join_words(same, lang)}")
        if parts:
            out.append(
                (
                    "p",
                    "Dimension scores — "
                    + "; ".join(parts)
                    + " (“clearly”: the score's interval lies wholly above or below the median).",
                )
            )
    w = p.weak
    if len(w):
        out.append(("p", "本期薄弱项：" if lang == "zh" else "Weak dimensions this time:"))
        for r in w.itertuples(index=False):
            name = scheme_label(p, "dimensions", r.dimension, lang)
            why = codes_text(WEAK_REASON, r.weak_reason, lang)
            if lang == "zh":
                text = (
                    f"{name}：加权得分 {_score(r.weighted_score)}，序列中位数 "
                    f"{_score(r.series_median)}（{why}）；不满意 {_int(r.n_dissatisfied)} 票，"
                    f"占该项总评议票数 {_pct(r.share_of_all_votes)}"
                    f"（共 {_int(r.n_all_votes)} 票）。"
                )
            else:
                text = (
                    f"{name}: weighted score {_score(r.weighted_score)}, series median "
                    f"{_score(r.series_median)} ({why}); {_int(r.n_dissatisfied)} dissatisfied "
                    f"answers, {_pct(r.share_of_all_votes)} of all "
                    f"{_int(r.n_all_votes)} answers on it."
                )
            out.append(("li", text))
    else:
        out.append(("p", "本期无薄弱项。" if lang == "zh" else "No weak dimension this time."))
    return out


def _levels(p, lang):
    lv = p.levels[p.levels["dimension"] == "all"]
    if not len(lv):
        return []
    sat = {v.code for v in p.scheme.levels if v.valid and v.satisfied}
    dis = set(p.scheme.rules.dissatisfied_levels)
    n_valid = int(lv["n_valid"].iloc[0])
    n_all = int(lv["count"].sum())
    n_sat = int(lv.loc[lv["level"].isin(sat), "count"].sum())
    n_dis = int(lv.loc[lv["level"].isin(dis), "count"].sum())
    rate = n_sat / n_valid if n_valid else float("nan")
    share = n_dis / n_all if n_all else float("nan")
    names = join_words(
        [scheme_label(p, "levels", c, lang) for c in p.scheme.level_codes if c in sat], lang
    )
    if lang == "zh":
        return [
            (
                "p",
                f"{len(p.scheme.dimension_codes)} 项评议内容合计有效票 {n_valid:,} 票，满意率"
                f"（{names}合计）{_pct(rate)}；不满意 {n_dis:,} 票，占总评议票数 "
                f"{_pct(share)}（共 {n_all:,} 票，含“不了解”和未填写）。",
            )
        ]
    return [
        (
            "p",
            f"Over the {len(p.scheme.dimension_codes)} dimensions: {n_valid:,} valid answers, "
            f"satisfied rate ({names}) {_pct(rate)}; {n_dis:,} dissatisfied answers, "
            f"{_pct(share)} of all {n_all:,} answers (including “don't know” and blanks).",
        )
    ]


BUILDERS = {
    "title": _title,
    "opening": _opening,
    "headline": _headline,
    "dimensions": _dimensions,
    "levels": _levels,
}
"""Section key → the function that writes that section's blocks from a profile."""

__all__ = [
    "BUILDERS",
]
