"""The letter's sections on this cycle's result: 文号, title, salutation and opening; the body's
result in plain words (forms, composite, rank among the series' units, grade, 前三 / 末位 /
一票否决, the dimensions against the series median, the votes as the office quotes them); and
the annex's detail (intervals, rank interval, P(末位), what "clearly" means, weak dimensions).

Examples
--------
>>> from evalstats.present.letters import blocks
>>> blocks(p, "result", "en")  # doctest: +SKIP
"""

from __future__ import annotations

import re

from evalstats.present import format as _format
from evalstats.present.letters.text import (
    HEADINGS,
    STANDING,
    WEAK_REASON,
    cycle_words,
    lang_index,
    numeral,
    rank_text,
    unit_display,
)
from evalstats.present.narrative import (  # one set
    codes_text,
    join_words,
    scheme_label,
)
from evalstats.present.wordpage import edition_mark

# numbers: the one formatter (evalstats.present.format)
_missing = _format.is_missing
_score = _format.score
_pct = _format.percent
_prob = _format.probability
_int = _format.count
_level = _format.confidence_text


def _reference(p, lang, head):
    return [("mark", edition_mark(p.tier, lang=lang)), ("ref", head.reference)]


def _title(p, lang, head):
    return [("title", head.title)]


def _salutation(p, lang, head):
    if lang == "zh":
        return [("salutation", f"{p.unit_name or p.unit}：")]
    return [("salutation", f"To {unit_display(p, lang)}:")]


def _opening(p, lang, head):
    if lang == "zh":
        return [
            (
                "p",
                f"我办组织开展了{cycle_words(p.cycle)}政风行风测评。现将贵单位的测评结果及"
                "有关要求函告如下。",
            )
        ]
    return [
        (
            "p",
            f"We have carried out {cycle_words(p.cycle, 'en')}. These are your unit's results "
            "and what is asked of it.",
        )
    ]


def _result_sentence(p, lang) -> str:
    """The sentence that states the letter's row (:attr:`UnitProfile.letter`) in plain words:
    forms, composite (for an annual cycle the combined year's, with its two parts), rank among
    the units of the series, grade."""
    h = p.headline.iloc[0]
    series = scheme_label(p, "series", p.series, lang)
    grade = scheme_label(p, "grades", h["grade"], lang) if not _missing(h["grade"]) else ""
    tied = ("（并列）" if lang == "zh" else " (tied)") if bool(h["tied"]) else ""
    year = p.year.iloc[0] if len(p.year) else None
    ranked = not _missing(h["rank"])
    if lang == "zh":
        s = f"本次测评收回涉及贵单位的有效测评表{_int(h['n_forms'])}份。"
        if year is not None:
            s += (
                f"贵单位年度综合得分{_score(h['composite'])}分（上半年"
                f"{_score(year['composite_h1'])}分、年终{_score(year['composite_annual'])}分，"
                f"分别按{_level(year['weight_half_year'])}和{_level(year['weight_annual'])}"
                "合成）"
            )
        else:
            s += f"贵单位综合得分{_score(h['composite'])}分"
        if ranked:
            s += f"，在{series}序列{int(h['n_ranked'])}个单位中排第{int(h['rank'])}名{tied}"
        elif bool(h["veto"]):
            s += f"，因一票否决不参加{series}序列排名"
        return s + (f"，等次为{grade}。" if grade else "。")
    s = f"Your unit returned {_int(h['n_forms'])} valid forms. "
    if year is not None:
        s += (
            f"Its composite of the year is {_score(h['composite'])} (half-year "
            f"{_score(year['composite_h1'])}, year-end {_score(year['composite_annual'])}, "
            f"weighted {_level(year['weight_half_year'])} and {_level(year['weight_annual'])})"
        )
    else:
        s += f"Its composite is {_score(h['composite'])}"
    if ranked:
        s += f", rank {int(h['rank'])}{tied} of {int(h['n_ranked'])} in the {series} series"
    elif bool(h["veto"]):
        s += f"; as it is vetoed, it is not ranked in the {series} series"
    return s + (f"; grade: {grade.lower()}." if grade else ".")


_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b( ?)")


def _dates_in_words(text: str, lang: str) -> str:
    """ISO dates in a sentence written as the letter writes dates (``2026年9月14日``)."""
    return _ISO_DATE.sub(
        lambda m: _format.date_text(m.group(1), lang) + ("" if lang == "zh" else m.group(2)),
        text,
    )


def _standing(p, lang) -> list:
    from evalstats.present.words import veto_sentence

    h = p.headline.iloc[0]
    out = []
    standing = str(h["standing"]) if not _missing(h["standing"]) else ""
    if standing in STANDING and standing != "veto":
        words = STANDING[standing][lang_index(lang)].format(n=numeral(p.scheme.rules.top_n, lang))
        out.append(("p", f"贵单位{words}。" if lang == "zh" else f"Your unit {words}."))
    veto = veto_sentence(h, lang=lang, scheme=p.scheme)
    if veto:  # dates in words, as the letter writes them (2026年9月14日)
        out.append(("p", _dates_in_words(veto, lang)))
    return out


def _result(p, lang, head):
    h = p.headline.iloc[0]
    heading = ("h2", HEADINGS["result"][lang_index(lang)])
    if bool(h["suppressed"]):
        text = (
            "贵单位回收的测评表少于公布下限，公开版不公布其得分。"
            if lang == "zh"
            else "Fewer forms than the publication threshold: the public edition shows no score."
        )
        return [heading, ("p", text)]
    out = [heading, ("p", _result_sentence(p, lang)), *_standing(p, lang)]
    out.extend(_dimensions_plain(p, lang))
    out.extend(_levels_plain(p, lang))
    return out


def _headline(p, lang, head):
    """Annex: the composite's interval, the rank interval and P(末位), and the rule behind them."""
    h = p.headline.iloc[0]
    if bool(h["suppressed"]):
        return []
    level = _level(h["confidence_level"])
    ci = _format.interval(
        h["composite_ci_low"], h["composite_ci_high"], sep="至" if lang == "zh" else " to "
    )
    ranks = rank_text(h["rank_low"], h["rank_high"], lang)
    thr = _prob(p.scheme.rules.last_min_probability)
    if lang == "zh":
        s = f"综合得分{_score(h['composite'])}分，其{level}置信区间为{ci}分"
        if not _missing(h["rank"]):
            s += (
                f"；按对测评表的重抽样，贵单位在序列中的名次区间为{ranks}，"
                f"为末位的概率为{_prob(h['p_last'])}（不低于{thr}时认定为末位）"
            )
        return [("p", s + "。")]
    s = f"The composite is {_score(h['composite'])} ({level} confidence interval {ci})"
    if not _missing(h["rank"]):
        s += (
            f"; resampling the forms gives {ranks} in the series and a probability of "
            f"{_prob(h['p_last'])} of being truly last (named last from {thr})"
        )
    return [("p", s + ".")]


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


def _dimensions_plain(p, lang) -> list:
    """Body: which dimensions stand clearly above / below the series, in plain words."""
    above, below, same = _dimension_words(p, lang)
    if not (above or below or same):
        return []
    if lang == "zh":
        parts = []
        if above:
            parts.append(f"{join_words(above, lang)}明显好于本序列中位水平")
        if below:
            parts.append(f"{join_words(below, lang)}明显低于本序列中位水平")
        if same:
            parts.append(f"{join_words(same, lang)}与本序列中位水平无明显差别")
        n = numeral(len(p.scheme.dimension_codes), lang)  # from the scheme, not "五项"
        return [("p", f"从{n}项评议内容看，" + "；".join(parts) + "。")]
    parts = []
    if above:
        parts.append(f"clearly better than the series median: {join_words(above, lang)}")
    if below:
        parts.append(f"clearly below the series median: {join_words(below, lang)}")
    if same:
        parts.append(f"about the series median: {join_words(same, lang)}")
    return [("p", "By dimension — " + "; ".join(parts) + ".")]


def _dimensions(p, lang, head):
    """Annex: what "clearly" means, and the weak dimensions with their figures."""
    level = _level(p.confidence_level)
    out = [
        (
            "p",
            f"“明显好于（低于）本序列中位水平”指该项加权得分的{level}置信区间整体在本序列各单位"
            "该项得分的中位数之上（之下）。"
            if lang == "zh"
            else f'"Clearly above (below) the series median": the {level} confidence interval '
            "of the weighted score lies wholly above (below) the median of the series' units.",
        )
    ]
    w = p.weak
    if len(w):
        out.append(("p", "本期薄弱项：" if lang == "zh" else "Weak dimensions this time:"))
        for r in w.itertuples(index=False):
            name = scheme_label(p, "dimensions", r.dimension, lang)
            why = codes_text(WEAK_REASON, r.weak_reason, lang)
            if lang == "zh":
                text = (
                    f"{name}：加权得分{_score(r.weighted_score)}分，序列中位数"
                    f"{_score(r.series_median)}分（{why}）；不满意{_int(r.n_dissatisfied)}票，"
                    f"占该项总评议票数的{_pct(r.share_of_all_votes)}"
                    f"（共{_int(r.n_all_votes)}票）。"
                )
            else:
                text = (
                    f"{name}: weighted score {_score(r.weighted_score)}, series median "
                    f"{_score(r.series_median)} ({why}); {_int(r.n_dissatisfied)} dissatisfied "
                    f"answers, {_pct(r.share_of_all_votes)} of all "
                    f"{_int(r.n_all_votes)} answers on it."
                )
            out.append(("li", text))
    return out


def _levels_plain(p, lang):
    """Body: the votes as the office quotes them (占总评议票数), with their denominators."""
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
                f"{numeral(len(p.scheme.dimension_codes))}项评议内容合计评议票{n_all:,}票（含“不了解”和"
                f"未填写），其中有效票{n_valid:,}票；满意率（{names}合计占有效票）为"
                f"{_pct(rate)}；不满意{n_dis:,}票，占总评议票数的{_pct(share)}。",
            )
        ]
    return [
        (
            "p",
            f"Over the {len(p.scheme.dimension_codes)} dimensions: {n_valid:,} valid answers, "
            f"satisfied rate ({names}) {_pct(rate)}; {n_dis:,} dissatisfied answers, "
            f'{_pct(share)} of all {n_all:,} answers (including "don\'t know" and blanks).',
        )
    ]


def _levels(p, lang, head):
    """Annex: the table of levels carries the figures; nothing to add in words."""
    return [
        (
            "p",
            "各项评议内容中各评价等级所占有效票的比例，以及“不了解”和未填写的票数："
            if lang == "zh"
            else "The share of valid answers at each level, by dimension, and the counts of "
            '"don\'t know" and blank answers:',
        )
    ]


BUILDERS = {
    "reference": _reference,
    "title": _title,
    "salutation": _salutation,
    "opening": _opening,
    "result": _result,
    "headline": _headline,
    "dimensions": _dimensions,
    "levels": _levels,
}
"""Section key → the function that writes that section's blocks from a profile."""

__all__ = [
    "BUILDERS",
]
