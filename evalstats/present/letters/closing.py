"""The letter's closing sections: what must be rectified and by when, the comments received
(by kind when they are sorted), the closing with the contact, the 落款 and the 抄送; and the
annex's data-quality flags, what the public edition withholds, and the notes on method.

Examples
--------
>>> from evalstats.present.letters import blocks
>>> blocks(p, "owed", "zh")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import re

from evalstats.present import format as _format
from evalstats.present import labels as _labels
from evalstats.present.letters.text import (
    ANNEX_TITLE,
    HEADINGS,
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
        return _format.quote(text) + (f"（{'；'.join(extra)}）" if extra else "")
    return _format.quote(text, "en") + (f" ({'; '.join(extra)})" if extra else "")


COMMENT_KINDS = {
    "criticism": ("批评", "criticism"),
    "suggestion": ("建议", "suggestion"),
    "other": ("意见", "other"),
    "praise": ("表扬", "praise"),
}
"""Comment kinds in the order the letter lists them (a ``kind`` column of the comments, codes or
the Chinese words), with their words; praise last, and never a thing to rectify."""


def comment_kind(p, code, lang: str = "zh") -> str:
    """The word for a comment's ``kind``: the scheme's label when it has one, else
    :data:`COMMENT_KINDS`, else the value as it is."""
    code = "" if _format.is_missing(code) else str(code)
    with contextlib.suppress(AttributeError, KeyError):
        return p.scheme.label("comment_kinds", code, lang)
    for c, words in COMMENT_KINDS.items():
        if code in (c, words[0]):
            return words[lang_index(lang)]
    return code or COMMENT_KINDS["other"][lang_index(lang)]


def _kind_order(p, c) -> list:
    """The comments' kinds, known ones in :data:`COMMENT_KINDS` order, then the others."""
    seen = list(dict.fromkeys(c["kind"].astype(str)))
    known = [k for k in COMMENT_KINDS for s in seen if comment_kind(p, s) == COMMENT_KINDS[k][0]]
    words = [COMMENT_KINDS[k][0] for k in dict.fromkeys(known)]
    rest = [s for s in seen if comment_kind(p, s) not in words]
    ordered = [s for w in words for s in seen if comment_kind(p, s) == w]
    return list(dict.fromkeys(ordered + rest))


def _comments(p, lang, head):
    heading = ("h2", HEADINGS["comments"][lang_index(lang)])
    c = p.comments
    if not len(c):
        return [
            heading,
            (
                "p",
                "本次测评未收到涉及贵单位的意见。"
                if lang == "zh"
                else "No form this time carries a comment about your unit.",
            ),
        ]
    if "kind" not in c.columns:
        out = [
            heading,
            (
                "p",
                f"本次测评收到涉及贵单位的意见{len(c)}条，原文照录如下："
                if lang == "zh"
                else f"{len(c)} comment(s) about your unit this time, verbatim:",
            ),
        ]
        out.extend(("li", _comment_line(p, r, lang)) for r in c.itertuples(index=False))
        return out
    kinds = _kind_order(p, c)
    counts = [(k, int((c["kind"].astype(str) == k).sum())) for k in kinds]
    if lang == "zh":
        parts = "、".join(f"{comment_kind(p, k)}{n}条" for k, n in counts)
        intro = f"本次测评收到涉及贵单位的意见{len(c)}条，其中{parts}，原文照录如下："
    else:
        parts = ", ".join(f"{n} {comment_kind(p, k, lang)}" for k, n in counts)
        intro = f"{len(c)} comment(s) about your unit this time ({parts}), verbatim:"
    out = [heading, ("p", intro)]
    for k in kinds:
        label = comment_kind(p, k, lang)
        rows = c[c["kind"].astype(str) == k]
        out.extend(
            (
                "li",
                f"{label}：{_comment_line(p, r, lang)}"
                if lang == "zh"
                else f"{label}: {_comment_line(p, r, lang)}",
            )
            for r in rows.itertuples(index=False)
        )
    return out


def _to_fix(p) -> int:
    """Comments that ask for something: all of them, less praise when they are sorted."""
    c = p.comments
    if "kind" not in c.columns:
        return len(c)
    return int(sum(comment_kind(p, k) != COMMENT_KINDS["praise"][0] for k in c["kind"]))


def _weak_item(p, lang) -> str:
    """The weak dimensions with their dissatisfied votes, as the office quotes them."""
    parts = []
    for r in p.weak.itertuples(index=False):
        name = scheme_label(p, "dimensions", r.dimension, lang)
        n, share = _format.count(r.n_dissatisfied), _format.percent(r.share_of_all_votes)
        parts.append(
            f"{name}（不满意{n}票，占该项评议票数的{share}）"
            if lang == "zh"
            else f"{name} ({n} dissatisfied, {share} of its answers)"
        )
    return ("薄弱项：" if lang == "zh" else "weak: ") + join_words(parts, lang)


def _owed(p, lang, head):
    heading = ("h2", HEADINGS["owed"][lang_index(lang)])
    h = p.headline.iloc[0]
    required = bool(h["rectification_required"])
    weak = [scheme_label(p, "dimensions", d, lang) for d in p.weak["dimension"].astype(str)]
    n_comments = _to_fix(p)
    deadline = _format.date_text(head.deadline, lang)
    out = [heading]
    if required:
        why = codes_text(REQUIRED, h["required_because"], lang, p)
        out.append(
            (
                "p",
                f"根据测评考核办法，贵单位须制定整改方案（原因：{why}），明确问题、措施、"
                f"责任人和完成时限，于{deadline}前报送我办；下次测评时将跟踪整改成效。"
                "整改应覆盖："
                if lang == "zh"
                else f"Under the assessment rules your unit must draw up a rectification plan "
                f"({why}) — problems, measures, who is responsible and by when — and send it "
                f"to us by {deadline}; the next evaluation follows it up. The plan covers:",
            )
        )
    elif weak or n_comments:
        out.append(
            (
                "p",
                f"请针对以下事项加以改进，并于{deadline}前将改进情况书面反馈我办；"
                "下次测评时将跟踪其成效："
                if lang == "zh"
                else f"Please act on the following and tell us in writing by {deadline} what "
                "you did; the next evaluation follows it up:",
            )
        )
    else:
        return [
            heading,
            (
                "p",
                "本次测评贵单位无须整改的事项，请继续保持。"
                if lang == "zh"
                else "Nothing to rectify this time.",
            ),
        ]
    vetoed = bool(h["veto"])
    if vetoed:  # the incident is what a vetoed unit rectifies, not its score (issue 14)
        out.append(("li", veto_rectification_item(h, lang=lang, scheme=p.scheme)))
    if weak:
        out.append(("li", _weak_item(p, lang)))
    if n_comments:
        out.append(
            (
                "li",
                f"逐条回应本函第四部分所列的{n_comments}条意见"
                if lang == "zh"
                else f"an answer to each of the {n_comments} comment(s) in part 4",
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


def _closing(p, lang, head):
    deadline = _format.date_text(head.deadline, lang)
    contact = "，".join(
        x
        for x in (
            f"联系人：{head.contact}" if head.contact else "",
            f"联系电话：{head.phone}" if head.phone else "",
        )
        if x
    )
    if lang == "zh":
        out = [
            (
                "p",
                f"贵单位如对测评结果有疑问，请于{deadline}前与我办联系。"
                + (f"{contact}。" if contact else ""),
            ),
            ("p", "特此函告。"),
            ("annex-note", f"附件：{ANNEX_TITLE[0]}"),
        ]
        return out
    who = ", ".join(x for x in (head.contact, head.phone) if x)
    return [
        (
            "p",
            f"If you have questions about these results, please contact us by {deadline}"
            + (f" ({who})." if who else "."),
        ),
        ("annex-note", f"Annex: {ANNEX_TITLE[1]}"),
    ]


def _signature(p, lang, head):
    return [("sign", head.signed_by), ("sign", _format.date_text(head.date, lang))]


def _cc(p, lang, head):
    if not head.cc:
        return []
    sep, end = ("，", "。") if lang == "zh" else (", ", ".")
    return [("cc", ("抄送：" if lang == "zh" else "Copies to: ") + sep.join(head.cc) + end)]


def _annex(p, lang, head):
    i = lang_index(lang)
    return [("annex", ("附件", "Annex")[i]), ("title", ANNEX_TITLE[i])]


_PATH = re.compile(r"[^\s（()]*[/\\]([^/\\\s（()]+\.(?:csv|xlsx|xls|txt))")


def _no_paths(text: str) -> str:
    """A flag's reason with its file named, not its path on the server (``responses.csv``)."""
    return _PATH.sub(r"\1", str(text))


def _quality(p, lang, head):
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
    out.extend(("li", _no_paths(t)) for t in q[col].astype(str))
    return out


def _suppression(p, lang, head):
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
                f'shown ("—"), there is no breakdown for {prot} alone, and comments do not say '
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


def _method(p, lang, head):
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
    "closing": _closing,
    "signature": _signature,
    "annex": _annex,
    "quality": _quality,
    "suppression": _suppression,
    "method": _method,
    "cc": _cc,
}
"""Section key → the function that writes that section's blocks from a profile."""

__all__ = [
    "BUILDERS",
    "COMMENT_KINDS",
    "comment_kind",
]
