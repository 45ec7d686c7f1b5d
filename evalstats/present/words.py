"""Words shared by the report, the tables' display and the letters: reasons, standings, vetoes,
reliability, data quality and the public edition — rendered from the codes the statistics return.

The statistics return numbers and codes (``veto_reason``, ``standing``, the ``suppressed``
table's ``reason``, a flags table's ``check``, an
:class:`~evalstats.stats.reliability.AlphaResult`); this module says them in Chinese or English,
one wording for every view:

* :data:`STANDING_TEXT`, :data:`REASON_TEXT`, :data:`CHECK_LABELS` — code → ``(zh, en)``;
* :func:`standing_text` — 前三 / 末位 / 末位不可区分 (the terms of
  :mod:`evalstats.present.glossary`);
* :func:`veto_sentence` — why a unit is vetoed (一票否决), with the incident's 说明;
* :func:`rank_text` — a rank as shown, "—（一票否决）" for a vetoed unit (not ranked);
* :func:`weak_rule_text` — the scheme's weak-item rule (``[rules.weak]``) in words;
* :func:`alpha_sentence` — Cronbach's alpha and what it means;
* :func:`describe_suppression` — what the public edition withholds, and why;
* :func:`describe_quality` and :func:`describe_quality_comparison` — the data-quality flags and
  what excluding the flagged forms changes.

Numbers are formatted by :mod:`evalstats.present.format`.  The words for comparisons and test
results are :mod:`evalstats.present.changes`.

Examples
--------
>>> veto_sentence({"veto_reason": "incident:major_accident 2026-09-12"}, lang="en")
'Vetoed: major liability accident on 12 September 2026.'
>>> standing_text("last_not_distinguishable"), REASON_TEXT["below_threshold"][1]
('末位不可区分', 'fewer respondents than the threshold')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.vocab import LANGS
from evalstats.present.format import confidence_text, count, date_text, fixed, score
from evalstats.present.glossary import CODE_TERMS, ci_words
from evalstats.stats import privacy as _privacy
from evalstats.stats import quality as _quality
from evalstats.stats import rank as _rank
from evalstats.stats.quality import QualityComparison, check_flags
from evalstats.stats.reliability import REDUNDANT_ALPHA, WEAK_ALPHA, AlphaResult

__all__ = [
    "CHECK_LABELS",
    "REASON_TEXT",
    "STANDING_TEXT",
    "VETOED_RANK_TEXT",
    "alpha_sentence",
    "describe_quality",
    "describe_quality_comparison",
    "describe_suppression",
    "rank_text",
    "standing_text",
    "veto_rectification_item",
    "veto_sentence",
    "weak_rule_text",
]


def _text(value) -> str:
    """A cell as text; missing values become ''."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _whole(value) -> str:
    """A rank or other code-like whole number as typed; ``—`` when missing."""
    return "—" if _text(value) == "" else str(value)


# ====================================================================== standings
STANDING_TEXT = {k: CODE_TERMS["standing"][k] for k in ("top3", "last", "last_not_distinguishable")}
"""Standing code (:data:`evalstats.stats.rank.STANDINGS`) → ``(zh, en)``: the glossary's terms."""


def standing_text(code, lang: str = "zh") -> str:
    """A standing code in words; ``—`` for no standing.

    Examples
    --------
    >>> standing_text("top3", "en"), standing_text("")
    ('top 3', '—')
    """
    lang = check_option("lang", lang, LANGS)
    text = _text(code)
    if text in STANDING_TEXT:
        return STANDING_TEXT[text][0 if lang == "zh" else 1]
    return "—"


# ====================================================================== veto
VETOED_RANK_TEXT = ("—（一票否决）", "— (vetoed)")
"""How the rank of a vetoed unit is shown: it is not ranked
(:func:`evalstats.stats.rank.rank_units`, DOMAIN.md "Grades, ranking, veto")."""


def rank_text(rank, veto=False, lang: str = "zh") -> str:
    """A rank as shown in a table: the number, ``VETOED_RANK_TEXT`` for a vetoed unit, ``—``
    for a unit without a rank (no score).

    Examples
    --------
    >>> rank_text(3), rank_text(None, True), rank_text(None, True, "en"), rank_text(None)
    ('3', '—（一票否决）', '— (vetoed)', '—')
    """
    lang = check_option("lang", lang, LANGS)
    if veto is not None and not (not isinstance(veto, str) and pd.isna(veto)) and bool(veto):
        return VETOED_RANK_TEXT[0 if lang == "zh" else 1]
    text = _text(rank)
    return "—" if text == "" else str(int(float(text)))


def _two_decimals_below(text: str, threshold: float) -> str:
    value = float(text)
    shown = fixed(value, 2)
    return shown if round(value, 2) < threshold else text


def _veto_parts(text: str, lang: str, scheme: Scheme) -> list[str]:
    """The reasons of a ``veto_reason`` in words, one per reason."""
    parts = []
    for reason in str(text).split(";"):
        code, _, detail = reason.partition(":")
        if code == _rank.INCIDENT_REASON:
            kind, _, date = detail.partition(" ")
            try:
                label = scheme.label("incident_kinds", kind, lang)
            except KeyError:
                raise ValueError(f"veto_reason names unknown incident kind {kind!r}") from None
            if date:
                try:  # a date typed in words stays as typed
                    date = date_text(date, lang)
                except ValueError:
                    pass
            if lang == "zh":
                parts.append(f"{date}发生{label}" if date else f"发生{label}")
            else:
                parts.append(f"{label.lower()} on {date}" if date else label.lower())
        elif code == _rank.THRESHOLD_REASON:
            value, _, thr = detail.partition("<")
            try:
                shown = _two_decimals_below(value, float(thr))
            except ValueError:
                raise ValueError(f"veto_reason has a malformed part {reason!r}") from None
            if lang == "zh":
                parts.append(f"综合得分 {shown} 低于否决线 {thr} 分")
            else:
                parts.append(f"composite {shown} below the veto threshold {thr}")
        else:
            raise ValueError(
                f"veto_reason has an unknown reason {reason!r}; "
                f"known: {_rank.INCIDENT_REASON!r}, {_rank.THRESHOLD_REASON!r}"
            )
    return parts


def veto_rectification_item(row, *, lang: str = "zh", scheme: Scheme | None = None) -> str:
    """What a vetoed unit is told to rectify: the incident (date, kind, 说明) — never its
    score — or, for a score below the veto line, the reasons for that score.

    Parameters
    ----------
    row : Mapping or Series
        Holds ``veto_reason`` and optionally ``veto_note`` (a ranking row).
    lang : {"zh", "en"}
    scheme : Scheme, path or None

    Returns
    -------
    str
        ``""`` when the unit is not vetoed.

    Examples
    --------
    >>> r = {"veto_reason": "incident:media_exposure 2026-09-14", "veto_note": "违规审批"}
    >>> veto_rectification_item(r)
    '整改一票否决事项：2026年9月14日发生媒体曝光查实（违规审批）'
    >>> veto_rectification_item(r, lang="en")
    'rectify the incident behind the veto: verified media exposure on 14 September 2026 (违规审批)'
    """
    check_option("lang", lang, LANGS)
    scheme = resolve_scheme(scheme)
    text = _text(row.get("veto_reason") if hasattr(row, "get") else None)
    if text == "":
        return ""
    parts = _veto_parts(text, lang, scheme)
    note = _text(row.get("veto_note")).strip().rstrip("。.;；")
    if lang == "zh":
        return "整改一票否决事项：" + "；".join(parts) + (f"（{note}）" if note else "")
    return (
        "rectify the incident behind the veto: " + "; ".join(parts) + (f" ({note})" if note else "")
    )


def veto_sentence(row, *, lang: str = "zh", scheme: Scheme | None = None) -> str:
    """A sentence for a report from a ranking row's ``veto_reason`` (and ``veto_note``).

    Parameters
    ----------
    row : Mapping or Series
        Holds ``veto_reason`` (as written by :func:`evalstats.stats.rank.apply_veto`) and
        optionally ``veto_note`` (the incidents' 说明), which is quoted after the reasons.
    lang : {"zh", "en"}
    scheme : Scheme, path or None
        For the incident labels.

    Returns
    -------
    str
        ``""`` when the unit is not vetoed.  Scores are shown to 2 decimals unless that would
        read as not below the threshold.

    Examples
    --------
    >>> r = {"veto_reason": "incident:major_accident 2026-09-12;composite_below_threshold:57.3<60"}
    >>> veto_sentence(r)
    '一票否决：2026年9月12日发生重大责任事故；综合得分 57.30 低于否决线 60 分。'
    >>> veto_sentence(r, lang="en")[:55]
    'Vetoed: major liability accident on 12 September 2026; '
    >>> veto_sentence({"veto_reason": "incident:major_accident 2026-09-12", "veto_note": "失火"})
    '一票否决：2026年9月12日发生重大责任事故。说明：失火。'
    """
    check_option("lang", lang, LANGS)
    scheme = resolve_scheme(scheme)
    try:
        text = row["veto_reason"]
    except (KeyError, TypeError, IndexError):
        raise TypeError("row must be a mapping or Series with a 'veto_reason' entry") from None
    if text is None or (not isinstance(text, str) and pd.isna(text)) or text == "":
        return ""
    parts = _veto_parts(str(text), lang, scheme)
    note = _text(row.get("veto_note") if hasattr(row, "get") else None).strip()
    note = note.rstrip("。.;；")
    if lang == "zh":
        return "一票否决：" + "；".join(parts) + "。" + (f"说明：{note}。" if note else "")
    return "Vetoed: " + "; ".join(parts) + "." + (f" Note: {note}." if note else "")


# ====================================================================== weak items
def weak_rule_text(
    scheme: Scheme | None = None, *, lang: str = "zh", confidence_level: float | None = None
) -> str:
    """The weak-item rule of the scheme (``[rules.weak]``,
    :func:`evalstats.stats.weak.weak_reasons`) in words, for the report and the letters.

    Parameters
    ----------
    scheme : Scheme, path or None
    lang : {"zh", "en"}
    confidence_level : float, optional
        The level of the intervals (default ``scheme.rules.confidence_level``).

    Examples
    --------
    >>> weak_rule_text()[:44]
    '薄弱项的认定：某单位某项评议内容的加权得分低于本序列各单位该项得分的中位数（处于或高于中'
    >>> "at least 3 dissatisfied answers" in weak_rule_text(lang="en")
    True
    """
    lang = check_option("lang", lang, LANGS)
    scheme = resolve_scheme(scheme)
    rule = scheme.rules.weak
    level = confidence_text(
        scheme.rules.confidence_level if confidence_level is None else confidence_level
    )
    top = confidence_text(1 - rule.dissatisfied_quantile)
    if lang == "zh":
        ways = []
        if rule.score_interval_below_median:
            ways.append(f"其 {level} 置信区间上限仍低于该中位数")
        high = f"该项至少有 {rule.min_dissatisfied} 票不满意，不满意率处于本序列前 {top}"
        if rule.dissatisfied_interval_above_median:
            high += f"，且不满意率的 {level} 置信区间下限高于本序列该项不满意率的中位数"
        ways.append(high)
        lead = (
            "薄弱项的认定：某单位某项评议内容的加权得分低于本序列各单位该项得分的中位数"
            "（处于或高于中位数的，不认定为薄弱项），并且"
        )
        if len(ways) == 1:
            return f"{lead}{ways[0]}。"
        return f"{lead}符合下列之一：{ways[0]}；或{ways[1]}。"
    ways = []
    if rule.score_interval_below_median:
        ways.append(
            f"the upper end of its score's {level} confidence interval is below that median"
        )
    high = (
        f"it has at least {rule.min_dissatisfied} dissatisfied answers, a dissatisfied rate in "
        f"the top {top} of its series"
    )
    if rule.dissatisfied_interval_above_median:
        high += (
            f", and the lower end of that rate's {level} confidence interval above the series' "
            "median dissatisfied rate"
        )
    ways.append(high)
    lead = (
        "A dimension is weak for a unit only when its weighted score is below the median of that "
        "dimension over the units of its series (at or above the median it is never weak), and "
    )
    if len(ways) == 1:
        return f"{lead}{ways[0]}."
    return f"{lead}either {ways[0]}, or {ways[1]}."


# ====================================================================== reliability
_ZH_NUMBERS = {
    1: "一",
    2: "两",
    3: "三",
    4: "四",
    5: "五",
    6: "六",
    7: "七",
    8: "八",
    9: "九",
    10: "十",
}
_EN_NUMBERS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
}


def _fixed2(x: float) -> str:
    return fixed(x, 2)


def alpha_sentence(r: AlphaResult, lang: str = "zh") -> str:
    """Cronbach's alpha in plain language for a report, in Chinese or English.

    Values are shown to 2 decimals (the numbers in the result are not rounded); the verdict
    follows :data:`evalstats.stats.reliability.WEAK_ALPHA` and ``REDUNDANT_ALPHA``.

    Parameters
    ----------
    r : AlphaResult
        From :func:`evalstats.stats.reliability.cronbach_alpha`.
    lang : {"zh", "en"}

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.stats.reliability import cronbach_alpha
    >>> items = pd.DataFrame({"A": [3, 2, 4, 3, 4], "B": [4, 3, 4, 2, 4],
    ...                       "C": [3, 4, 5, 3, 4]})
    >>> print(alpha_sentence(cronbach_alpha(items)).split("。")[0])
    三项评议内容的内部一致性 α = 0.73（95% 置信区间 −0.35 至 0.97，n = 5 份完整问卷）
    """
    if not isinstance(r, AlphaResult):
        raise TypeError(f"r must be an AlphaResult; got {type(r).__name__}")
    lang = check_option("lang", lang, LANGS)
    return _sentence_zh(r) if lang == "zh" else _sentence_en(r)


def _sentence_zh(r: AlphaResult) -> str:
    k = _ZH_NUMBERS.get(r.k, f"{r.k} ")
    forms = "份完整问卷" if r.nan_policy == "listwise" else "份问卷（成对删除，取最少的一对）"
    if np.isnan(r.alpha):
        return (
            f"{k}项评议内容的内部一致性无法计算（n = {count(r.n)} {forms}）："
            "所用问卷的总分完全相同，没有可比较的差异。"
        )
    head = (
        f"{k}项评议内容的内部一致性 α = {_fixed2(r.alpha)}"
        f"（{ci_words(r.confidence_level)} {_fixed2(r.ci_low)} 至 "
        f"{_fixed2(r.ci_high)}，n = {count(r.n)} {forms}）。"
    )
    meaning = (
        "α 衡量各项评分是否同向变化：越接近 1，说明评议人在各项上的评价越一致，"
        "各项合起来越像在衡量同一个总体印象。"
    )
    if r.alpha < 0:
        verdict = "α 为负：各项评分呈反向变化，可能有题目计分方向相反或数据录入有误，应先核查数据。"
    elif r.alpha < WEAK_ALPHA:
        verdict = (
            f"α 低于 {WEAK_ALPHA:g}，内部一致性偏弱：各项评分之间关联不强，"
            "合成总分前应先看分项结果。"
        )
        if r.ci_high >= WEAK_ALPHA:
            verdict += f"但区间上限达到 {WEAK_ALPHA:g}，问卷份数较少，尚不能断定。"
    elif r.alpha > REDUNDANT_ALPHA:
        verdict = (
            f"α 高于 {REDUNDANT_ALPHA:g}，各项可能高度重复：评议人往往对所有项给出同一评价"
            "（晕轮效应），分项得分提供的额外信息有限。"
        )
    else:
        verdict = f"α 在 {WEAK_ALPHA:g} 至 {REDUNDANT_ALPHA:g} 之间，内部一致性良好。"
        if r.ci_low < WEAK_ALPHA:
            verdict = (
                f"α 在 {WEAK_ALPHA:g} 至 {REDUNDANT_ALPHA:g} 之间，但区间下限低于 "
                f"{WEAK_ALPHA:g}，问卷份数较少，一致性是否足够尚不能确定。"
            )
    return head + meaning + verdict


def _sentence_en(r: AlphaResult) -> str:
    k = _EN_NUMBERS.get(r.k, str(r.k))
    forms = (
        "complete forms"
        if r.nan_policy == "listwise"
        else "forms, pairwise deletion, smallest pair"
    )
    if np.isnan(r.alpha):
        return (
            f"Internal consistency of the {k} items cannot be computed (n = {count(r.n)} {forms}): "
            "every form used gives the same total score."
        )
    head = (
        f"Internal consistency of the {k} items: α = {_fixed2(r.alpha)} "
        f"({confidence_text(r.confidence_level)} CI {_fixed2(r.ci_low)} to {_fixed2(r.ci_high)}, "
        f"n = {count(r.n)} {forms}). "
    )
    meaning = (
        "Alpha measures whether the items move together: the closer to 1, the more "
        "consistently respondents rate a unit across items, as if the items measured one "
        "overall impression. "
    )
    if r.alpha < 0:
        verdict = (
            "Alpha is negative: the items move against each other, which points to an item "
            "scored the wrong way round or to data-entry errors; check the data first."
        )
    elif r.alpha < WEAK_ALPHA:
        verdict = (
            f"Below {WEAK_ALPHA:g}, consistency is weak: the items are only loosely related, "
            "so look at them one by one before adding them into one score."
        )
        if r.ci_high >= WEAK_ALPHA:
            verdict += (
                f" The interval reaches {WEAK_ALPHA:g}, though: with so few forms this is "
                "not certain."
            )
    elif r.alpha > REDUNDANT_ALPHA:
        verdict = (
            f"Above {REDUNDANT_ALPHA:g}, the items may be redundant: respondents tend to give "
            "every item the same rating (a halo effect), so the separate item scores add "
            "little information."
        )
    elif r.ci_low < WEAK_ALPHA:
        verdict = (
            f"Between {WEAK_ALPHA:g} and {REDUNDANT_ALPHA:g}, but the interval goes below "
            f"{WEAK_ALPHA:g}: with so few forms, whether consistency is adequate is uncertain."
        )
    else:
        verdict = f"Between {WEAK_ALPHA:g} and {REDUNDANT_ALPHA:g}: good internal consistency."
    return head + meaning + verdict


# ====================================================================== the public edition
REASON_TEXT = {
    "below_threshold": ("评议人少于公布下限", "fewer respondents than the threshold"),
    "complementary": (
        "为防止相减推算而一并不公布",
        "withheld so that another withheld cell cannot be recovered by subtraction",
    ),
    "group_not_published": (
        "公开版不按评议人类别分单位公布",
        "no per-unit breakdown by respondent group in the public edition",
    ),
    "few_groups": (
        "只有两类评议人，加权得分可推算出各类得分",
        "rated by two groups only: the weighted score would reveal each group's score",
    ),
    "internal_only": ("仅内部使用", "internal use only"),
}
"""Reason code → ``(zh, en)`` text."""


def describe_suppression(log: pd.DataFrame, *, scheme: Scheme, lang: str = "zh") -> str:
    """One plain-language paragraph: what the public edition withholds, and why.

    Parameters
    ----------
    log : DataFrame
        The ``suppressed`` table.
    scheme : Scheme
    lang : {"zh", "en"}

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.stats.privacy import log_frame
    >>> describe_suppression(log_frame([]), scheme=load_scheme(), lang="en")[:40]
    'This is the public edition: no figure re'
    """
    lang = check_option("lang", lang, LANGS)
    k = int(scheme.rules.anonymity_min)
    prot = [scheme.label("groups", g, lang) for g in scheme.rules.anonymity_groups]
    cells = log[log["unit"].astype(str) != _privacy.ANY] if len(log) else log
    cells = cells.drop_duplicates(["unit", "series", "group", "reason"]) if len(cells) else cells
    count = cells["reason"].astype(str).value_counts() if len(cells) else pd.Series(dtype=int)
    small = int(count.get("below_threshold", 0))
    comp = int(count.get("complementary", 0))
    few = int(count.get("few_groups", 0))
    only = int(count.get("group_not_published", 0))
    if lang == "zh":
        text = (
            f"本报告为公开版：依据少于 {k} 名评议人的数字一律不公布（以“—”表示）；各单位只公布"
            f"全部评议人合计的结果，不按评议人类别分单位公布（{'、'.join(prot)}每个单位仅数人，"
            "分项公布可推知个人的评价），各类评议人的结果只公布全镇合计；意见建议原文、问卷编号、"
            "收集人和剔除标记问卷后的对照结果仅供内部使用，不予公布。"
        )
        parts = []
        if small:
            parts.append(f"{small} 个单元格因评议人少于 {k} 名未公布")
        if comp:
            parts.append(f"{comp} 个单元格为防止由合计相减推算出未公布的数字而一并未公布")
        if only:
            parts.append(f"{only} 个单位的评议人全部属于受保护类别，其结果未公布")
        if few:
            parts.append(f"{few} 个单位只有两类评议人，其分项加权得分未公布")
        text += ("本期" + "；".join(parts) + "。") if parts else "本期没有其他未公布的单元格。"
        return text + "详见“抑制说明”表。"
    text = (
        f"This is the public edition: no figure resting on fewer than {k} respondents is shown "
        '("—"); each unit is shown pooled over all its respondents, never broken down by '
        f"respondent group ({', '.join(prot)} number only a few per unit, so a breakdown could "
        "reveal how one person rated), and the groups are compared town-wide only; comments, "
        "form ids, collectors and the figures without the flagged forms are for internal use "
        "and not published."
    )
    parts = []
    if small:
        parts.append(f"{small} cell(s) rest on fewer than {k} respondents")
    if comp:
        parts.append(
            f"{comp} more cell(s) are withheld so that they cannot be recovered by subtraction "
            "from the totals"
        )
    if only:
        parts.append(f"{only} unit(s) are rated by protected groups only")
    if few:
        parts.append(f"{few} unit(s) rated by two groups have no weighted dimension scores")
    text += (" In this cycle " + "; ".join(parts) + ".") if parts else ""
    return text + " The table of suppressed cells lists each one."


# ====================================================================== data quality
CHECK_LABELS = {
    "typed_twice": ("forms typed twice", "重复录入的问卷"),
    "near_duplicate": ("near-duplicate forms", "疑似复制的问卷"),
    "straight_lining": ("straight-lining", "各项答案完全相同的问卷比例偏高"),
    "burst": ("bursts of identical forms", "集中出现的相同问卷"),
    "full_satisfaction": ("100 % satisfaction on a large sample", "大样本满意率 100%"),
    "response_rate": ("low response rates", "回收率偏低"),
    "straight_respondent": (
        "respondents giving one level to every unit",
        "对所有单位选同一等次的评议人",
    ),
    "duplicate_respondent": ("respondents with identical answers", "答案完全相同的评议人"),
    "blank_units": ("units left blank by respondents", "评议人空着未评的单位"),
}


def describe_quality(flags: pd.DataFrame, lang: str = "zh") -> list[str]:
    """Plain-language summary of the flags: one overview sentence, then one per flag.

    Parameters
    ----------
    flags : DataFrame
        Output of :func:`evalstats.stats.quality.quality_flags`.
    lang : {"zh", "en"}

    Returns
    -------
    list of str
        The overview (counts per check, in check order), then the flags' reasons (warnings
        first, then information), forms typed twice summed up in one sentence.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.stats.quality import QUALITY_COLUMNS
    >>> describe_quality(pd.DataFrame({c: [] for c in QUALITY_COLUMNS}), lang="en")
    ['No data-quality problem was found.']
    """
    flags = check_flags(flags)
    lang = check_option("lang", lang, LANGS)
    zh = lang == "zh"
    if not len(flags):
        return ["未发现数据质量问题。" if zh else "No data-quality problem was found."]
    counts = flags["check"].value_counts()
    parts = []
    for c in (*_quality.CHECKS, *_quality.RESPONDENT_CHECKS):
        if c in counts:
            label = CHECK_LABELS[c][1 if zh else 0]
            parts.append(f"{label} {counts[c]} 条" if zh else f"{label}: {counts[c]}")
    head = (
        ("数据质量检查共发现 " + f"{len(flags)} 条标记：" + "；".join(parts) + "。")
        if zh
        else (f"The data-quality checks raised {len(flags)} flag(s): " + "; ".join(parts) + ".")
    )
    out = [head]
    col = "reason_zh" if zh else "reason"
    for sev in ("warning", "info"):
        part = flags[flags["severity"] == sev]
        twice = part[part["check"] == "typed_twice"]
        for r in part[part["check"] != "typed_twice"].itertuples(index=False):
            out.append(str(getattr(r, col)))
        if len(twice):
            ids = [i for t in twice["form_ids"] for i in str(t).split(";") if i]
            out.append(
                f"{len(ids)} 份问卷被重复录入，均只计一次：{'、'.join(ids)}。"
                if zh
                else f"{len(ids)} form(s) were typed twice and are counted once: {', '.join(ids)}."
            )
    return out


def describe_quality_comparison(cmp: QualityComparison, lang: str = "zh") -> list[str]:
    """Plain-language sentences on what excluding the flagged forms changes.

    Parameters
    ----------
    cmp : QualityComparison
        From :func:`evalstats.stats.quality.with_and_without` (``Analysis.quality_comparison``).
    lang : {"zh", "en"}

    Returns
    -------
    list of str
        One sentence when nothing changes; otherwise a lead-in, then one sentence per unit
        whose rank, standing or grade changes (rank, standing, grade and composite, before →
        after).

    Examples
    --------
    >>> from evalstats.analyses import half_year
    >>> a = half_year("2026H1", n_resamples=200, seed=1)  # doctest: +SKIP
    >>> describe_quality_comparison(a.quality_comparison, "en")[0]  # doctest: +SKIP
    'Without the 15 flagged forms, no unit's rank, standing or grade changes.'
    """
    if not isinstance(cmp, QualityComparison):
        raise TypeError(f"cmp must be a QualityComparison; got {type(cmp).__name__}")
    lang = check_option("lang", lang, LANGS)
    n = len(cmp.excluded)
    if n == 0:
        return [
            "没有被标记的问卷，剔除前后结果相同。"
            if lang == "zh"
            else "No form is flagged; the figures without flagged forms are the official ones."
        ]
    out = []
    if not len(cmp.changes):
        out.append(
            f"剔除 {n} 份被标记的问卷后重算，各单位的名次、前三/末位和等次均不变。"
            if lang == "zh"
            else f"Without the {n} flagged forms, no unit's rank, standing or grade changes."
        )
        return out
    out.append(
        f"剔除 {n} 份被标记的问卷后重算，以下单位的名次、前三/末位或等次有变化"
        "（正式结果仍以全部有效问卷为准）："
        if lang == "zh"
        else f"Without the {n} flagged forms, these units' rank, standing or grade changes "
        "(the official figures still use every valid form):"
    )
    for r in cmp.changes.itertuples(index=False):
        out.append(_change_sentence(cmp, r, lang))
    return out


def _change_sentence(cmp: QualityComparison, r, lang: str) -> str:
    zh = lang == "zh"
    parts = []
    if "rank" in r.changed:
        parts.append(
            f"名次 {_whole(r.rank)} → {_whole(r.rank_excl_flagged)}"
            if zh
            else f"rank {_whole(r.rank)} → {_whole(r.rank_excl_flagged)}"
        )
    if "standing" in r.changed:
        a, b = standing_text(r.standing, lang), standing_text(r.standing_excl_flagged, lang)
        parts.append(f"前三/末位 {a} → {b}" if zh else f"standing {a} → {b}")
    if "grade" in r.changed:
        a, b = _grade(cmp.scheme, r.grade, lang), _grade(cmp.scheme, r.grade_excl_flagged, lang)
        parts.append(f"等次 {a} → {b}" if zh else f"grade {a} → {b}")
    c0, c1 = score(r.composite), score(r.composite_excl_flagged)
    parts.append(f"综合得分 {c0} → {c1}" if zh else f"composite {c0} → {c1}")
    if zh:
        return f"{_text(r.unit_name) or r.unit}：" + "，".join(parts) + "。"
    return f"{_text(r.unit_name) or r.unit}: " + ", ".join(parts) + "."


def _grade(scheme, code, lang: str) -> str:
    text = _text(code)
    if not text:
        return "—"
    scheme = resolve_scheme(scheme)
    try:
        return scheme.label("grades", text, lang)
    except KeyError:
        return text
