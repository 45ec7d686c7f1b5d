"""The letter's closing sections: the comments quoted, the rectification owed, the data-quality
flags, what the public edition withholds, and the notes on method.

Examples
--------
>>> from evalstats.present.letters import blocks
>>> blocks(p, "owed", "zh")  # doctest: +SKIP
"""

from __future__ import annotations

from evalstats.present import format as _format
from evalstats.present import labels as _labels
from evalstats.present.letters.text import (
    REQUIRED,
    SUPPRESS_REASON,
    lang_index,
)
from evalstats.present.narrative import (  # one set
    codes_text,
    join_words,
    scheme_label,
)
from evalstats.present.words import veto_rectification_item

# numbers: the one formatter (evalstats.present.format)
_level = _format.confidence_text


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
        why = codes_text(REQUIRED, h["required_because"], lang, p)
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
    vetoed = bool(h["veto"])
    if vetoed:  # the incident is what a vetoed unit rectifies, not its score (issue 14)
        out.append(("li", veto_rectification_item(h, lang=lang, scheme=p.scheme)))
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
    if required and not vetoed and not weak and not n_comments:
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
        i = lang_index(lang)
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


BUILDERS = {
    "comments": _comments,
    "owed": _owed,
    "quality": _quality,
    "suppression": _suppression,
    "method": _method,
}
"""Section key → the function that writes that section's blocks from a profile."""

__all__ = [
    "BUILDERS",
]
