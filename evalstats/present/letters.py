"""Feedback letters (反馈函): one unit's results in words, tables, HTML and Word.

Three layers, all on a :class:`~evalstats.analyses.profile.UnitProfile`:

* **Words** — :func:`blocks` / :func:`section`: the letter's sections (title, opening, headline,
  scores, levels, change, last cycle's rectification, comments, what is owed, data quality,
  suppression, method) as sentences built from the profile's numbers, in Chinese (default) or
  English.  :func:`section` gives Markdown (all text escaped, so a comment holding ``<script>``
  or ``[link](…)`` shows as text) for the notebook; the Word letter uses the same sentences.
* **Tables** — :func:`table_frame` (strings: this is where the letter rounds — scores to two
  decimals, rates as percentages to one decimal, probabilities to two decimals) and
  :func:`table` (a Styler for the notebook).  The Word letter prints the same strings.
* **Documents** — :func:`write_docx` writes the Word letter (python-docx; Chinese text in the
  East-Asian font slot ``w:eastAsia`` so Word shows it in 宋体 / 黑体).

The HTML letter *is* ``notebooks/unit_profile.ipynb`` executed for the unit and rendered without
code by :func:`evalstats.present.report.render_html` (A4 print stylesheet), so the letter shows
exactly
what the notebook shows.

The batch (``evalstats letters``: execute the profile notebook per unit, publish HTML, Word and
an index) is :mod:`evalstats.run.letters`.

Examples
--------
>>> from evalstats.present.letters import cycle_words
>>> cycle_words("2026A")
'2026年度'
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from evalstats.core.cycles import parse_cycle
from evalstats.core.files import atomic_write
from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS
from evalstats.present import format as _format
from evalstats.present import labels as _labels
from evalstats.present.changes import describe_changes
from evalstats.present.narrative import (  # one set
    WEAK_REASON_TEXT,
    codes_text,
    join_words,
    scheme_label,
)
from evalstats.present.words import REASON_TEXT

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
FONT_BODY = "宋体"
FONT_HEADING = "黑体"
FONT_LATIN = "Times New Roman"
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
def _i(lang) -> int:
    return LANGS.index(check_option("lang", lang, LANGS))


# numbers: the one formatter (evalstats.present.format)
_missing = _format.is_missing
_score = _format.score
_signed = _format.signed
_pct = _format.percent
_prob = _format.probability
_int = _format.count
_p = _format.pvalue
_level = _format.confidence_text


def _range(low, high, fmt=_score, lang: str = "zh") -> str:
    return _format.interval(low, high, fmt=fmt, sep=" 至 " if lang == "zh" else " to ")


_codes = codes_text  # the narrative's: one wording of rule codes


def cycle_words(cycle: str, lang: str = "zh") -> str:
    """Words for a cycle: ``"2026A"`` → ``"2026年度"`` / ``"the 2026 annual evaluation"``.

    Examples
    --------
    >>> cycle_words("2026H1"), cycle_words("2026A", "en")
    ('2026年上半年', 'the 2026 annual evaluation')
    """
    from evalstats.present.changes import cycle_label

    i = _i(lang)
    parsed = parse_cycle(cycle)
    if parsed is None:
        return str(cycle)
    if i == 1:
        return cycle_label(cycle, "en", with_year=True)
    return f"{parsed.year}" + {"A": "年度", "H1": "年上半年", "H2": "年下半年"}[parsed.part]


def _unit_name(p, lang: str) -> str:
    if lang == "zh" or not p.unit_name or p.unit_name == p.unit:
        return p.unit_name or p.unit
    return f"{p.unit} ({p.unit_name})"


def _md(text: str) -> str:
    """Escape text for Markdown and HTML (entities, punctuation backslash-escaped, one line)."""
    text = " ".join(str(text).split())
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>])", r"\\\1", html.escape(text, quote=False))


# ====================================================================== words
def _title(p, lang):
    if lang == "zh":
        return [("title", f"{_unit_name(p, lang)}{cycle_words(p.cycle)}政风行风测评反馈函")]
    return [("title", f"Feedback letter: {_unit_name(p, lang)}, {cycle_words(p.cycle, 'en')}")]


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
        ("p", f"To: {_unit_name(p, lang)} ({series} series)"),
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
        words = STANDING[standing][_i(lang)]
        out.append(("p", f"贵单位{words}。" if lang == "zh" else f"Your unit {words}."))
    veto = veto_sentence(h, lang=lang, scheme=p.scheme)
    if veto:
        out.append(("p", veto))
    if bool(h["rectification_required"]):
        why = _codes(REQUIRED, h["required_because"], lang, p)
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
            why = _codes(WEAK_REASON, r.weak_reason, lang)
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


def _changes(p, lang):
    prev = p.previous_cycle
    if not prev:
        return [("p", "本期无可比较的上期测评。" if lang == "zh" else "No earlier evaluation.")]
    out = []
    c = p.composite_change
    if len(c) and not _missing(c["composite_annual"].iloc[0]):
        r = c.iloc[0]
        lo, hi = r["composite_diff_ci_low"], r["composite_diff_ci_high"]
        verdict = "improved" if lo > 0 else ("declined" if hi < 0 else "no_clear_change")
        level = _level(r["confidence_level"])
        if lang == "zh":
            out.append(
                (
                    "p",
                    f"综合得分由{cycle_words(prev)}的 {_score(r['composite_h1'])} 变为本期的 "
                    f"{_score(r['composite_annual'])}，变化 {_signed(r['composite_diff'])}"
                    f"（{level} 置信区间 {_score(lo)} 至 {_score(hi)}），"
                    f"{VERDICT[verdict][0]}。",
                )
            )
        else:
            out.append(
                (
                    "p",
                    f"The composite went from {_score(r['composite_h1'])} in "
                    f"{cycle_words(prev, 'en')} to {_score(r['composite_annual'])}, a change of "
                    f"{_signed(r['composite_diff'])} ({level} CI {_score(lo)} to {_score(hi)}): "
                    f"{VERDICT[verdict][1]}.",
                )
            )
    elif len(p.previous) == 0:
        out.append(
            (
                "p",
                f"贵单位未参加{cycle_words(prev)}测评，无法比较。"
                if lang == "zh"
                else f"Your unit was not in {cycle_words(prev, 'en')}; no comparison.",
            )
        )
        return out
    ch = p.changes
    if len(ch):
        text = describe_changes(ch.drop(columns="unit"), lang=lang, metric="score", scheme=p.scheme)
        out.extend(("li", t) for t in text)
        out.append(
            (
                "p",
                "各项变化及其检验与测评报告相同（对全镇所有单位和项目一起做 Holm 校正）。"
                "这里的得分为各类评议人合并计算的测评得分，不按评议人类别加权，"
                "故与加权得分略有不同。"
                if lang == "zh"
                else "The changes and their tests are the evaluation report's (Holm-adjusted "
                "over every unit and dimension of the town). These scores pool the respondent "
                "groups without their weights, so they differ slightly from the weighted scores.",
            )
        )
    return out


def _rectification(p, lang):
    prev = p.previous_cycle
    if not prev or not len(p.previous):
        return [
            (
                "p",
                "无上期整改事项。" if lang == "zh" else "No rectification items from before.",
            )
        ]
    r0 = p.previous.iloc[0]
    out = []
    if bool(r0["rectification_required"]):
        why = _codes(REQUIRED, r0["required_because"], lang, p)
        out.append(
            (
                "p",
                f"{cycle_words(prev)}测评后，贵单位须整改（原因：{why}）。"
                if lang == "zh"
                else f"After {cycle_words(prev, 'en')} your unit had to rectify ({why}).",
            )
        )
    r = p.rectification
    if not len(r):
        out.append(
            (
                "p",
                f"{cycle_words(prev)}贵单位无薄弱项。"
                if lang == "zh"
                else f"Your unit had no weak dimension in {cycle_words(prev, 'en')}.",
            )
        )
        return out
    out.append(
        (
            "p",
            f"{cycle_words(prev)}的薄弱项及本期变化："
            if lang == "zh"
            else f"Weak dimensions in {cycle_words(prev, 'en')} and their change since:",
        )
    )
    i = _i(lang)
    for row in r.itertuples(index=False):
        name = scheme_label(p, "dimensions", row.dimension, lang)
        verdict = VERDICT.get(str(row.verdict), (str(row.verdict),) * 2)[i]
        level = _level(row.confidence_level)
        still = (
            ("本期仍为薄弱项", "still weak now")[i]
            if bool(row.still_weak)
            else ("本期已不是薄弱项", "no longer weak")[i]
        )
        if lang == "zh":
            text = (
                f"{name}：加权得分由上期的 {_score(row.weighted_score)}（序列中位数 "
                f"{_score(row.series_median)}，{_codes(WEAK_REASON, row.weak_reason, lang)}）"
                f"变为本期的 {_score(row.weighted_score_after)}；测评得分由 "
                f"{_score(row.score_before)} 变为 {_score(row.score_after)}，变化 "
                f"{_signed(row.score_diff)}（{level} 置信区间 "
                f"{_score(row.score_diff_ci_low)} 至 {_score(row.score_diff_ci_high)}），"
                f"{verdict}；{still}。"
            )
        else:
            text = (
                f"{name}: weighted score {_score(row.weighted_score)} then (series median "
                f"{_score(row.series_median)}, {_codes(WEAK_REASON, row.weak_reason, lang)}), "
                f"{_score(row.weighted_score_after)} now; score {_score(row.score_before)} to "
                f"{_score(row.score_after)}, a change of {_signed(row.score_diff)} ({level} CI "
                f"{_score(row.score_diff_ci_low)} to {_score(row.score_diff_ci_high)}): "
                f"{verdict}; {still}."
            )
        out.append(("li", text))
    return out


def _comment_line(p, row, lang) -> str:
    text = " ".join(str(row.comment).split())
    extra = []
    if row.group:
        extra.append(scheme_label(p, "groups", row.group, lang))
    dims = [c for c in str(row.dissatisfied_dimensions).split(";") if c]
    if dims:
        names = join_words([scheme_label(p, "dimensions", c, lang) for c in dims], lang)
        extra.append(f"评为不满意：{names}" if lang == "zh" else f"rated dissatisfied: {names}")
    if lang == "zh":
        return f"“{text}”" + (f"（{'；'.join(extra)}）" if extra else "")
    return f"“{text}”" + (f" ({'; '.join(extra)})" if extra else "")


def _comments(p, lang):
    c = p.comments
    if not len(c):
        return [
            (
                "p",
                "本期测评表中没有涉及贵单位的意见建议。"
                if lang == "zh"
                else "No form this time carries a comment about your unit.",
            )
        ]
    out = [
        (
            "p",
            f"本期测评表中涉及贵单位的意见建议共 {len(c)} 条（原文照录）："
            if lang == "zh"
            else f"{len(c)} comment(s) about your unit this time (verbatim):",
        )
    ]
    out.extend(("li", _comment_line(p, r, lang)) for r in c.itertuples(index=False))
    return out


def _owed(p, lang):
    h = p.headline.iloc[0]
    required = bool(h["rectification_required"])
    weak = [scheme_label(p, "dimensions", d, lang) for d in p.weak["dimension"].astype(str)]
    n_comments = len(p.comments)
    out = []
    if required:
        why = _codes(REQUIRED, h["required_because"], lang, p)
        out.append(
            (
                "p",
                f"贵单位须在收到本函后制定整改方案（原因：{why}），报测评办公室备案，"
                "下次测评时将跟踪其成效。整改应覆盖："
                if lang == "zh"
                else f"Your unit must draw up a rectification plan ({why}) and file it with "
                "the evaluation office; the next evaluation follows it up. The plan covers:",
            )
        )
    elif weak or n_comments:
        out.append(
            (
                "p",
                "请针对以下事项改进，下次测评时将跟踪其成效："
                if lang == "zh"
                else "Please act on the following; the next evaluation follows it up:",
            )
        )
    else:
        return [
            (
                "p",
                "本期无须整改事项。" if lang == "zh" else "Nothing to rectify this time.",
            )
        ]
    if weak:
        out.append(
            (
                "li",
                f"薄弱项：{join_words(weak, lang)}"
                if lang == "zh"
                else f"weak: {join_words(weak, lang)}",
            )
        )
    if n_comments:
        out.append(
            (
                "li",
                f"逐条回应上述 {n_comments} 条意见建议"
                if lang == "zh"
                else f"an answer to each of the {n_comments} comment(s) above",
            )
        )
    if required and not weak and not n_comments:
        out.append(
            (
                "li",
                "综合得分偏低的原因分析" if lang == "zh" else "why the composite is low",
            )
        )
    return out


def _quality(p, lang):
    q = p.quality
    if not len(q):
        return [
            (
                "p",
                "未发现涉及贵单位的数据质量问题。"
                if lang == "zh"
                else "No data-quality flag concerns your unit.",
            )
        ]
    col = "reason_zh" if lang == "zh" else "reason"
    out = [
        (
            "p",
            "以下数据质量标记涉及贵单位（正式结果使用全部有效测评表，标记仅供核查）："
            if lang == "zh"
            else "These data-quality flags concern your unit (the official results use every "
            "valid form; the flags are for checking):",
        )
    ]
    out.extend(("li", str(t)) for t in q[col].astype(str))
    return out


def _suppression(p, lang):
    if p.tier != "public":
        return []
    k = int(p.scheme.rules.anonymity_min)
    s = p.suppressed
    prot = join_words(
        [scheme_label(p, "groups", g, lang) for g in p.scheme.rules.anonymity_groups], lang
    )
    if lang == "zh":
        out = [
            (
                "p",
                f"本函为公开版：依据少于 {k} 名评议人的单元格不予公布（以“—”表示），"
                f"{prot}的分项结果不单独公布，意见建议不注明评议人类别，"
                "以免推知个人的评价。",
            )
        ]
    else:
        out = [
            (
                "p",
                f"This is the public edition: no cell resting on fewer than {k} respondents is "
                f"shown (“—”), there is no breakdown for {prot} alone, and comments do not say "
                "who made them, so that no one's rating can be inferred.",
            )
        ]
    if len(s):
        i = _i(lang)
        for (group, reason), part in s.groupby(["group", "reason"], sort=False):
            g = scheme_label(p, "groups", group, lang) if group != "all" else ("合计", "total")[i]
            why = SUPPRESS_REASON.get(reason, (reason, reason))[i]
            n = int(part["n_forms"].iloc[0])
            out.append(
                (
                    "li",
                    f"{g}：{len(part)} 个单元格未公布（{n} 名评议人；{why}）"
                    if lang == "zh"
                    else f"{g}: {len(part)} cell(s) withheld ({n} respondents; {why})",
                )
            )
    return out


def _method(p, lang):
    level = _level(p.confidence_level)
    if lang == "zh":
        text = (
            f"区间均为 {level} 置信区间；名次区间和末位概率由对测评表的重抽样得出，"
            "与测评分析报告一致。"
        )
    else:
        text = (
            f"Intervals are {level} confidence intervals; rank intervals and the probability "
            "of being last come from resampling the forms, as in the evaluation report."
        )
    return [("p", text), ("p", _labels.rounding_note(lang))]


_BUILDERS = {
    "title": _title,
    "opening": _opening,
    "headline": _headline,
    "dimensions": _dimensions,
    "levels": _levels,
    "changes": _changes,
    "rectification": _rectification,
    "comments": _comments,
    "owed": _owed,
    "quality": _quality,
    "suppression": _suppression,
    "method": _method,
}


def blocks(profile, key: str, lang: str = "zh") -> list[tuple[str, str]]:
    """A section of the letter as plain-text blocks ``(kind, text)``.

    ``kind`` is ``"title"``, ``"h2"`` (the section heading), ``"p"`` or ``"li"``; the text is
    not escaped.  Sections without content (``suppression`` in the internal tier) are ``[]``.

    Parameters
    ----------
    profile : UnitProfile
    key : str
        One of :data:`SECTIONS`.
    lang : {"zh", "en"}
    """
    i = _i(lang)
    key = check_option("key", key, SECTIONS)
    body = _BUILDERS[key](profile, LANGS[i])
    if not body or key in ("title", "opening"):
        return body
    return [("h2", HEADINGS[key][i]), *body]


def section(profile, key: str, lang: str = "zh") -> str:
    """A section of the letter as Markdown (every text escaped), for the notebook.

    Examples
    --------
    >>> from evalstats.analyses.profile import unit_profile
    >>> p = unit_profile("finance_office", cycle="2026A", n_resamples=200, seed=1)  # doctest: +SKIP
    >>> print(section(p, "headline"))  # doctest: +SKIP
    """
    lines = []
    prefix = {"title": "# ", "h2": "## ", "p": "", "li": "- "}
    for kind, text in blocks(profile, key, lang):
        if lines and (kind != "li" or not lines[-1].startswith("- ")):
            lines.append("")
        lines.append(prefix[kind] + _md(text))
    return "\n".join(lines)


# ====================================================================== tables
def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _headline_frame(p, lang):
    i = _i(lang)
    h = p.headline.iloc[0]
    k = ("项目", "Item")[i]
    v = ("结果", "Result")[i]
    grade = scheme_label(p, "grades", h["grade"], lang) if not _missing(h["grade"]) else "—"
    standing = str(h["standing"]) if not _missing(h["standing"]) else ""
    rank = "—" if _missing(h["rank"]) else f"{int(h['rank'])} / {int(h['n_ranked'])}"
    score = "composite_year" if len(p.year) else "composite"
    rows = [
        (_labels.column_label("series", lang), scheme_label(p, "series", p.series, lang)),
        (("有效测评表", "Valid forms")[i], _int(h["n_forms"])),
        (_labels.column_label(score, lang), _score(h["composite"])),
        (
            _labels.column_label(score, lang) + ("置信区间", ", CI")[i],
            _range(h["composite_ci_low"], h["composite_ci_high"], lang=lang),
        ),
        (("序列内名次", "Rank in series")[i], rank),
        (
            ("名次区间", "Rank interval")[i],
            _range(h["rank_low"], h["rank_high"], fmt=_int, lang=lang),
        ),
        (_labels.column_label("p_last", lang), _prob(h["p_last"])),
        (
            _labels.column_label("standing", lang),
            _labels.value_label("standing", standing, scheme=p.scheme, lang=lang)
            if standing
            else "—",
        ),
        (_labels.column_label("grade", lang), grade),
        (
            _labels.column_label("veto", lang),
            _labels.BOOL_LABELS[bool(h["veto"])][i],
        ),
    ]
    if len(p.year):  # the row is the year's: say what it combines
        y = p.year.iloc[0]
        rows[2:2] = [
            (_labels.column_label("composite_h1", lang), _score(y["composite_h1"])),
            (_labels.column_label("composite_annual", lang), _score(y["composite_annual"])),
            (
                ("权重（上半年 / 年终）", "Weights (half-year / year-end)")[i],
                f"{_level(y['weight_half_year'])} / {_level(y['weight_annual'])}",
            ),
        ]
    return pd.DataFrame(rows, columns=[k, v], dtype=object)


def _dimensions_frame(p, lang):
    i = _i(lang)
    d = p.dimensions
    groups = [g for g in p.scheme.group_codes if g in set(d["group"])]
    sizes = d[d["group"] != "all"].groupby("group")["n_forms"].max()
    heads = {g: f"{scheme_label(p, 'groups', g, lang)} (n={_int(sizes.get(g))})" for g in groups}
    dims = [*p.scheme.dimension_codes, "all"]
    rows = []
    for dim in dims:  # one row per dimension: formatting only
        part = d[d["dimension"] == dim].set_index("group")
        if "all" not in part.index:
            continue
        a = part.loc["all"]
        row = {
            _labels.column_label("dimension", lang): (
                scheme_label(p, "dimensions", dim, lang) if dim != "all" else ("合计", "All")[i]
            ),
            _labels.column_label("weighted_score", lang): _score(a["weighted_score"]),
            ("置信区间", "CI")[i]: _range(
                a["weighted_score_ci_low"], a["weighted_score_ci_high"], lang=lang
            ),
            ("序列中位数", "Series median")[i]: _score(a["weighted_score_series_median"]),
        }
        for g in groups:
            if dim == "all":  # no group row pools the dimensions: nothing to show
                row[heads[g]] = ""
            else:
                row[heads[g]] = _score(part.loc[g, "score"]) if g in part.index else "—"
        rows.append(row)
    return pd.DataFrame(rows, dtype=object)


def _levels_frame(p, lang):
    i = _i(lang)
    lv = p.levels
    valid = [v.code for v in p.scheme.levels if v.valid]
    invalid = [v.code for v in p.scheme.levels if not v.valid]
    rows = []
    for dim in [*p.scheme.dimension_codes, "all"]:
        part = lv[lv["dimension"] == dim].set_index("level")
        if not len(part):
            continue
        row = {
            _labels.column_label("dimension", lang): (
                scheme_label(p, "dimensions", dim, lang) if dim != "all" else ("合计", "All")[i]
            )
        }
        for c in valid:
            row[scheme_label(p, "levels", c, lang)] = _pct(part["rate"].get(c))
        for c in invalid:
            row[scheme_label(p, "levels", c, lang) + ("（票）", " (n)")[i]] = _int(
                part["count"].get(c)
            )
        row[("未填写（票）", "Blank (n)")[i]] = _int(part["count"].get("blank", 0))
        row[_labels.column_label("n_valid", lang)] = _int(part["n_valid"].iloc[0])
        rows.append(row)
    return pd.DataFrame(rows, dtype=object)


def _changes_frame(p, lang):
    i = _i(lang)
    ch = p.changes
    if not len(ch):
        return pd.DataFrame()
    yes, no = _labels.BOOL_LABELS[True][i], _labels.BOOL_LABELS[False][i]
    rows = []
    for r in ch.itertuples(index=False):
        rows.append(
            {
                _labels.column_label("dimension", lang): scheme_label(
                    p, "dimensions", r.dimension, lang
                ),
                ("上期得分", "Score before")[i]: _score(r.score_before),
                ("本期得分", "Score now")[i]: _score(r.score_after),
                ("变化", "Change")[i]: _signed(r.score_diff),
                ("置信区间", "CI")[i]: _range(r.score_diff_ci_low, r.score_diff_ci_high, lang=lang),
                ("校正P值", "Adjusted p")[i]: _p(r.score_pvalue_adjusted),
                ("校正后显著", "Significant")[i]: (
                    "—" if _missing(r.score_significant) else (yes if r.score_significant else no)
                ),
            }
        )
    return pd.DataFrame(rows, dtype=object)


def _rectification_frame(p, lang):
    i = _i(lang)
    r = p.rectification
    if not len(r):
        return pd.DataFrame()
    yes, no = _labels.BOOL_LABELS[True][i], _labels.BOOL_LABELS[False][i]
    rows = []
    for row in r.itertuples(index=False):
        rows.append(
            {
                ("上期薄弱项", "Weak before")[i]: scheme_label(
                    p, "dimensions", row.dimension, lang
                ),
                ("上期加权得分", "Weighted score before")[i]: _score(row.weighted_score),
                ("序列中位数", "Series median")[i]: _score(row.series_median),
                ("认定依据", "Why weak")[i]: _codes(WEAK_REASON, row.weak_reason, lang),
                ("本期加权得分", "Weighted score now")[i]: _score(row.weighted_score_after),
                ("上期测评得分", "Score before")[i]: _score(row.score_before),
                ("本期测评得分", "Score now")[i]: _score(row.score_after),
                ("测评得分变化", "Score change")[i]: _signed(row.score_diff),
                ("置信区间", "CI")[i]: _range(
                    row.score_diff_ci_low, row.score_diff_ci_high, lang=lang
                ),
                ("结论", "Verdict")[i]: VERDICT.get(str(row.verdict), (row.verdict,) * 2)[i],
                ("本期仍为薄弱项", "Still weak")[i]: yes if row.still_weak else no,
            }
        )
    return pd.DataFrame(rows, dtype=object)


def _comments_frame(p, lang):
    i = _i(lang)
    c = p.comments
    if not len(c):
        return pd.DataFrame()
    out = {}
    if p.tier != "public":
        out[_labels.column_label("group", lang)] = [
            scheme_label(p, "groups", g, lang) for g in c["group"].astype(str)
        ]
    out[("意见建议", "Comment")[i]] = [" ".join(str(t).split()) for t in c["comment"]]
    out[("评为不满意的项目", "Rated dissatisfied")[i]] = [
        join_words([scheme_label(p, "dimensions", d, lang) for d in str(s).split(";") if d], lang)
        for s in c["dissatisfied_dimensions"]
    ]
    return pd.DataFrame(out, dtype=object)


def _quality_frame(p, lang):
    i = _i(lang)
    q = p.quality
    if not len(q):
        return pd.DataFrame()
    return pd.DataFrame(
        {
            ("检查", "Check")[i]: [
                _labels.value_label("check", c, scheme=p.scheme, lang=lang)
                for c in q["check"].astype(str)
            ],
            ("说明", "Details")[i]: q["reason_zh" if i == 0 else "reason"].astype(str).tolist(),
        },
        dtype=object,
    )


def _suppressed_frame(p, lang):
    i = _i(lang)
    s = p.suppressed
    if not len(s):
        return pd.DataFrame()
    return pd.DataFrame(
        {
            _labels.column_label("group", lang): [
                scheme_label(p, "groups", g, lang) if g != "all" else ("合计", "All")[i]
                for g in s["group"].astype(str)
            ],
            _labels.column_label("dimension", lang): [
                scheme_label(p, "dimensions", d, lang) if d != "all" else ("合计", "All")[i]
                for d in s["dimension"].astype(str)
            ],
            ("评议人数", "Respondents")[i]: [_int(n) for n in s["n_forms"]],
            ("原因", "Reason")[i]: [
                SUPPRESS_REASON.get(r, (r, r))[i] for r in s["reason"].astype(str)
            ],
        },
        dtype=object,
    )


_FRAMES = {
    "headline": _headline_frame,
    "dimensions": _dimensions_frame,
    "levels": _levels_frame,
    "changes": _changes_frame,
    "rectification": _rectification_frame,
    "comments": _comments_frame,
    "quality": _quality_frame,
    "suppressed": _suppressed_frame,
}


def table_frame(profile, name: str, lang: str = "zh") -> pd.DataFrame:
    """A table of the letter as strings with labelled headers (empty when there is nothing).

    Scores are shown to two decimals, rates as percentages to one decimal, probabilities to two
    decimals, withheld and missing numbers as "—" (:func:`evalstats.present.labels.rounding_note`).
    """
    lang = LANGS[_i(lang)]
    name = check_option("name", name, TABLES)
    return _FRAMES[name](profile, lang)


class _Note(str):
    def _repr_markdown_(self) -> str:
        return str(self)


def table(profile, name: str, lang: str = "zh"):
    """A table of the letter for the notebook: a Styler (text HTML-escaped, no index), or an
    empty note when there is nothing to show."""
    frame = table_frame(profile, name, lang)
    if not len(frame):
        return _Note("")
    digest = hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()[:12]
    styler = frame.style
    styler.set_uuid(f"letter{digest}")
    styler = styler.hide(axis="index").format(escape="html", na_rep="—")
    styler = styler.format_index(escape="html", axis=1)
    styler.set_table_attributes('class="evalstats-table"')
    styler.set_table_styles(
        [{"selector": "td.col0, th.col_heading.col0", "props": "text-align: left;"}],
        overwrite=True,
    )
    return styler


# ====================================================================== Word
def _east_asian(run_or_style, font: str, latin: str = FONT_LATIN) -> None:
    """Set the Latin and the East-Asian font (``w:eastAsia``) of a run or a style."""
    from docx.oxml.ns import qn

    run_or_style.font.name = latin
    el = run_or_style.element
    rpr = el.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def _docx_table(doc, frame: pd.DataFrame) -> None:
    from docx.shared import Pt

    if not len(frame):
        return
    t = doc.add_table(rows=1, cols=frame.shape[1])
    t.style = "Table Grid"
    for j, col in enumerate(frame.columns):
        cell = t.rows[0].cells[j]
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(col))
        run.bold = True
        run.font.size = Pt(9)
        _east_asian(run, FONT_HEADING)
    for values in frame.itertuples(index=False):
        cells = t.add_row().cells
        for j, value in enumerate(values):
            cells[j].text = ""
            run = cells[j].paragraphs[0].add_run("" if value is None else str(value))
            run.font.size = Pt(9)
            _east_asian(run, FONT_BODY)
    doc.add_paragraph()


_DOCX_TABLE_AFTER = {
    "headline": "headline",
    "dimensions": "dimensions",
    "levels": "levels",
    "changes": "changes",
    "rectification": "rectification",
    "quality": None,
    "suppression": "suppressed",
}


def write_docx(profile, path, *, lang: str = "zh", figures: Sequence = ()) -> Path:
    """Write the Word letter (``.docx``) of a unit profile.

    Title 反馈函, the unit's name, every section of the letter (:func:`blocks`) with its table
    (:func:`table_frame`: the strings the HTML letter shows), the figures given, and the
    rounding note.  A4, 宋体 body and 黑体 headings set in the East-Asian font slot
    (``w:eastAsia``) so Word shows the Chinese text in them; Times New Roman for Latin text.
    Written atomically.

    Parameters
    ----------
    profile : UnitProfile
    path : str or Path
        The ``.docx`` file (relative paths resolve from the project root).
    lang : {"zh", "en"}
    figures : sequence of path
        PNG figures to include after the tables (e.g. those the notebook saved).

    Returns
    -------
    Path
    """
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    from evalstats.core.config import resolve_path

    lang = LANGS[_i(lang)]
    doc = docx.Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(25)
    sec.top_margin = sec.bottom_margin = Mm(25)
    normal = doc.styles["Normal"]
    _east_asian(normal, FONT_BODY)
    normal.font.size = Pt(12)
    for name in ("Heading 1", "Heading 2", "Title", "List Bullet"):
        _east_asian(doc.styles[name], FONT_HEADING if name != "List Bullet" else FONT_BODY)
    doc.core_properties.title = "反馈函" if lang == "zh" else "Feedback letter"
    doc.core_properties.author = "evalstats"

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run("反馈函" if lang == "zh" else "Feedback letter")
    run.bold = True
    run.font.size = Pt(22)
    _east_asian(run, FONT_HEADING)
    for _kind, text in blocks(profile, "title", lang):
        sub = doc.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = sub.add_run(text)
        r.font.size = Pt(14)
        _east_asian(r, FONT_HEADING)

    for key in SECTIONS[1:]:
        for kind, text in blocks(profile, key, lang):
            if kind == "h2":
                h = doc.add_heading(level=2)
                r = h.add_run(text)
                _east_asian(r, FONT_HEADING)
            elif kind == "li":
                para = doc.add_paragraph(style="List Bullet")
                _east_asian(para.add_run(text), FONT_BODY)
            else:
                para = doc.add_paragraph()
                _east_asian(para.add_run(text), FONT_BODY)
        name = _DOCX_TABLE_AFTER.get(key, key if key in TABLES else None)
        if name and name != "comments":
            _docx_table(doc, table_frame(profile, name, lang))
    for fig in figures:
        if Path(fig).is_file():
            doc.add_picture(str(fig), width=Mm(160))

    out = resolve_path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(out, lambda fh: doc.save(fh))


# ====================================================================== the batch


def write_letter_row(profile, path) -> Path:
    """Write the figures the letter states — the unit's row of
    :func:`evalstats.analyses.profile.letters_table` (:attr:`UnitProfile.letter`) — as a CSV.

    The letters batch gathers every unit's row into ``letters/letters.csv``; the row is the one
    the letter's sentences quote, so the file and the letters cannot disagree.

    Examples
    --------
    >>> write_letter_row(prof, "out/letter.csv")  # doctest: +SKIP
    PosixPath('.../out/letter.csv')
    """
    from evalstats.present.report import write_csv

    return write_csv(profile.letter, path)


__all__ = [
    "SECTIONS",
    "TABLES",
    "blocks",
    "cycle_words",
    "section",
    "table",
    "table_frame",
    "write_docx",
    "write_letter_row",
]
