"""The letter's sections on the previous cycle: the change since then in plain words (body),
and in the annex the change with its interval and tests, and the outcome of last cycle's
rectification items.

Examples
--------
>>> from evalstats.present.letters import blocks
>>> blocks(p, "changes", "zh")  # doctest: +SKIP
"""

from __future__ import annotations

from evalstats.present import format as _format
from evalstats.present.letters.text import (
    HEADINGS,
    REQUIRED,
    VERDICT,
    WEAK_REASON,
    cycle_words,
    lang_index,
)
from evalstats.present.narrative import (  # one set
    codes_text,
    join_words,
    scheme_label,
)

# numbers: the one formatter (evalstats.present.format)
_missing = _format.is_missing
_score = _format.score
_signed = _format.signed
_level = _format.confidence_text


def _composite_verdict(r) -> str:
    """``improved`` / ``declined`` when the change's interval lies wholly above / below 0."""
    lo, hi = r["composite_diff_ci_low"], r["composite_diff_ci_high"]
    if _missing(lo) or _missing(hi):
        return "no_clear_change"
    return "improved" if lo > 0 else ("declined" if hi < 0 else "no_clear_change")


def _dimension_moves(p, lang) -> tuple[list, list]:
    """Dimensions whose score rose / fell significantly (the report's Holm-adjusted tests)."""
    ch = p.changes
    if not len(ch):
        return [], []
    up, down = [], []
    for r in ch.itertuples(index=False):
        if _missing(r.score_significant) or not bool(r.score_significant):
            continue
        name = scheme_label(p, "dimensions", r.dimension, lang)
        (up if r.score_diff > 0 else down).append(name)
    return up, down


def _followup_plain(p, lang) -> list:
    """Last cycle's weak dimensions: which are weak no more, which still are."""
    r = p.rectification
    if not len(r):
        return []
    fixed = [scheme_label(p, "dimensions", d, lang) for d in r.loc[~r["still_weak"], "dimension"]]
    still = [scheme_label(p, "dimensions", d, lang) for d in r.loc[r["still_weak"], "dimension"]]
    prev = cycle_words(p.previous_cycle, lang)
    if lang == "zh":
        parts = []
        if fixed:
            parts.append(f"{join_words(fixed, lang)}本次已不再是薄弱项")
        if still:
            parts.append(f"{join_words(still, lang)}仍为薄弱项，须继续整改")
        return [("p", f"{prev}测评指出的薄弱项中，" + "；".join(parts) + "。")]
    parts = []
    if fixed:
        parts.append(f"no longer weak: {join_words(fixed, lang)}")
    if still:
        parts.append(f"still weak, to keep working on: {join_words(still, lang)}")
    return [("p", f"Weak dimensions of {prev}: " + "; ".join(parts) + ".")]


def _changes(p, lang, head):
    """Body: what changed since the last cycle, in plain words (no interval, no p-value)."""
    heading = ("h2", HEADINGS["changes"][lang_index(lang)])
    prev = p.previous_cycle
    if not prev:
        text = (
            "本次测评没有可比较的上次测评结果。"
            if lang == "zh"
            else "There is no earlier evaluation to compare with."
        )
        return [heading, ("p", text)]
    c = p.composite_change
    if not len(c) or _missing(c["composite_annual"].iloc[0]):
        if len(p.previous) == 0:
            text = (
                f"贵单位未参加{cycle_words(prev)}测评，无法比较。"
                if lang == "zh"
                else f"Your unit was not in {cycle_words(prev, 'en')}; no comparison."
            )
            return [heading, ("p", text)]
        return [heading, *_followup_plain(p, lang)]
    r = c.iloc[0]
    verdict = _composite_verdict(r)
    before, after = _score(r["composite_h1"]), _score(r["composite_annual"])
    diff = abs(float(r["composite_diff"]))
    up, down = _dimension_moves(p, lang)
    if lang == "zh":
        move = {
            "improved": f"提高了{_score(diff)}分，进步明显",
            "declined": f"下降了{_score(diff)}分，下降明显",
            "no_clear_change": "变化在测评误差范围之内，没有明显变化",
        }[verdict]
        now = "本次（年终）测评" if p.kind == "annual" else "本次测评"
        s = (
            f"与{cycle_words(prev)}测评相比，贵单位{now}的综合得分由{before}分变为"
            f"{after}分，{move}。"
        )
        dims = []
        if up:
            dims.append(f"{join_words(up, lang)}得分明显提高")
        if down:
            dims.append(f"{join_words(down, lang)}得分明显下降")
        s += ("分项看，" + "，".join(dims) + "。") if dims else "各项评议内容的得分均无明显变化。"
    else:
        move = {
            "improved": f"up {_score(diff)} points, a clear improvement",
            "declined": f"down {_score(diff)} points, a clear decline",
            "no_clear_change": "within the margin of error: no clear change",
        }[verdict]
        s = (
            f"Since {cycle_words(prev, 'en')}, your composite went from {before} to {after}, "
            f"{move}."
        )
        dims = []
        if up:
            dims.append(f"clearly up: {join_words(up, lang)}")
        if down:
            dims.append(f"clearly down: {join_words(down, lang)}")
        s += (
            (" By dimension, " + "; ".join(dims) + ".")
            if dims
            else (" No dimension changed clearly.")
        )
    return [heading, ("p", s), *_followup_plain(p, lang)]


def _tests(p, lang, head):
    """Annex: the change of the composite with its interval, and the tests by dimension."""
    prev = p.previous_cycle
    c = p.composite_change
    if not prev or (not len(c) and not len(p.changes)):
        return []
    out = []
    if len(c) and not _missing(c["composite_annual"].iloc[0]):
        r = c.iloc[0]
        lo, hi = r["composite_diff_ci_low"], r["composite_diff_ci_high"]
        level = _level(r["confidence_level"])
        verdict = VERDICT[_composite_verdict(r)][lang_index(lang)]
        if lang == "zh":
            out.append(
                (
                    "p",
                    f"综合得分由{cycle_words(prev)}的{_score(r['composite_h1'])}分变为本次的"
                    f"{_score(r['composite_annual'])}分，变化{_signed(r['composite_diff'])}分"
                    f"（{level}置信区间{_score(lo)}至{_score(hi)}），{verdict}"
                    "（区间整体在0以上为提高，整体在0以下为下降）。",
                )
            )
        else:
            out.append(
                (
                    "p",
                    f"The composite went from {_score(r['composite_h1'])} in "
                    f"{cycle_words(prev, 'en')} to {_score(r['composite_annual'])}, a change of "
                    f"{_signed(r['composite_diff'])} ({level} confidence interval {_score(lo)} "
                    f"to {_score(hi)}): {verdict}.",
                )
            )
    if len(p.changes):
        out.append(
            (
                "p",
                "各项评议内容的变化及其检验与测评报告相同：对全镇所有单位和评议内容一起做 Holm "
                "校正，校正后显著的才称为“明显提高（下降）”。这里的得分为各类评议人合并计算的"
                "测评得分，不按评议人类别加权，故与加权得分略有不同。"
                if lang == "zh"
                else "The changes and their tests are the evaluation report's (Holm-adjusted "
                "over every unit and dimension of the town); only a change significant after "
                "the adjustment is called clear. These scores pool the respondent groups "
                "without their weights, so they differ slightly from the weighted scores.",
            )
        )
    return out


def _rectification(p, lang, head):
    """Annex: last cycle's weak dimensions and how each changed, with its interval."""
    prev = p.previous_cycle
    if not prev or not len(p.previous):
        return []
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
    i = lang_index(lang)
    why = join_words(
        [
            f"{scheme_label(p, 'dimensions', row.dimension, lang)}"
            + (f"（{codes_text(WEAK_REASON, row.weak_reason, lang)}）", "")[i]
            for row in r.itertuples(index=False)
        ],
        lang,
    )
    level = _level(r["confidence_level"].iloc[0])
    out.append(
        (
            "p",
            f"{cycle_words(prev)}的薄弱项为{why}。它们本次的加权得分和测评得分变化见下表："
            f"测评得分变化的{level}置信区间整体在0以上为“有所改善”，整体在0以下为“有所下降”，"
            "否则为“变化不明显”。"
            if lang == "zh"
            else f"Weak dimensions in {cycle_words(prev, 'en')}: {why}. The table gives their "
            f'weighted scores now and the change of their scores: "improved" when the {level} '
            'confidence interval of the change lies wholly above 0, "declined" when wholly '
            'below, else "no clear change".',
        )
    )
    return out


BUILDERS = {
    "changes": _changes,
    "tests": _tests,
    "rectification": _rectification,
}
"""Section key → the function that writes that section's blocks from a profile."""

__all__ = [
    "BUILDERS",
]
