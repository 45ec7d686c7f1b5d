"""The letter's sections on the previous cycle: the change since then and the outcome of last
cycle's rectification items.

Examples
--------
>>> from evalstats.present.letters import blocks
>>> blocks(p, "changes", "zh")  # doctest: +SKIP
"""

from __future__ import annotations

from evalstats.present import format as _format
from evalstats.present.changes import describe_changes
from evalstats.present.letters.text import (
    REQUIRED,
    VERDICT,
    WEAK_REASON,
    cycle_words,
    lang_index,
)
from evalstats.present.narrative import (  # one set
    codes_text,
    scheme_label,
)

# numbers: the one formatter (evalstats.present.format)
_missing = _format.is_missing
_score = _format.score
_signed = _format.signed
_level = _format.confidence_text


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
        why = codes_text(REQUIRED, r0["required_because"], lang, p)
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
    i = lang_index(lang)
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
                f"{_score(row.series_median)}，{codes_text(WEAK_REASON, row.weak_reason, lang)}）"
                f"变为本期的 {_score(row.weighted_score_after)}；测评得分由 "
                f"{_score(row.score_before)} 变为 {_score(row.score_after)}，变化 "
                f"{_signed(row.score_diff)}（{level} 置信区间 "
                f"{_score(row.score_diff_ci_low)} 至 {_score(row.score_diff_ci_high)}），"
                f"{verdict}；{still}。"
            )
        else:
            text = (
                f"{name}: weighted score {_score(row.weighted_score)} then (series median "
                f"{_score(row.series_median)}, {codes_text(WEAK_REASON, row.weak_reason, lang)}), "
                f"{_score(row.weighted_score_after)} now; score {_score(row.score_before)} to "
                f"{_score(row.score_after)}, a change of {_signed(row.score_diff)} ({level} CI "
                f"{_score(row.score_diff_ci_low)} to {_score(row.score_diff_ci_high)}): "
                f"{verdict}; {still}."
            )
        out.append(("li", text))
    return out


BUILDERS = {
    "changes": _changes,
    "rectification": _rectification,
}
"""Section key → the function that writes that section's blocks from a profile."""

__all__ = [
    "BUILDERS",
]
