"""The glossary: one term per concept, in Chinese and English, for every view.

The report, the tables' display, the workbook, the letters and the figures say a concept with
the term listed here (:data:`TERMS`, :func:`term`), never with one of its variants
(:data:`VARIANTS`: 无法区分 for 不可区分, 空白 for 未填写, "95% CI" inside Chinese prose for
置信区间, 2026年年度 for 2026年度, a rank interval ``8–8`` for 第8名, an ISO date in Chinese prose
for 2026年9月14日).  :func:`find_variants` finds them in a text; the tests run it over the
``present`` layer's sources and the rendered reports.

The code values of the tables (``standing``, ``weak_reason``, ``item``, ``verdict``, the tests'
``test`` and ``method``) are worded in :data:`CODE_TERMS`; :mod:`evalstats.present.labels`
shows them in the workbook and the report, the CSV files keep the codes.

Examples
--------
>>> term("last_nd"), term("last_nd", "en"), ci_words(0.95)
('末位不可区分', 'last, not distinguishable', '95% 置信区间')
>>> find_variants("末位（无法区分），名次区间 8–8")
['无法区分', '8–8']
"""

from __future__ import annotations

import re

from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS

__all__ = [
    "CODE_TERMS",
    "TERMS",
    "VARIANTS",
    "VARIANT_PATTERNS",
    "ci_words",
    "code_term",
    "find_variants",
    "term",
]

TERMS: dict[str, tuple[str, str]] = {
    "top3": ("前三", "top 3"),
    "last": ("末位", "last"),
    "last_nd": ("末位不可区分", "last, not distinguishable"),
    "veto": ("一票否决", "vetoed"),
    "vetoed_rank": ("—（一票否决）", "— (vetoed)"),
    "blank": ("未填写", "blank"),
    "unknown_level": ("不了解", "don't know"),
    "confidence_interval": ("置信区间", "CI"),
    "rank_interval": ("名次区间", "rank interval"),
    "p_last": ("P(末位)", "P(last)"),
    "composite": ("综合得分", "Composite"),
    "composite_year": ("年度综合得分", "Composite of the year"),
    "weak": ("薄弱项", "weak dimension"),
    "rectification": ("整改清单", "rectification list"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
}
"""Concept → ``(zh, en)``: the one term every view uses."""

CODE_TERMS: dict[str, dict[str, tuple[str, str]]] = {
    "standing": {
        "top3": TERMS["top3"],
        "last": TERMS["last"],
        "last_not_distinguishable": TERMS["last_nd"],
        "veto": TERMS["veto"],
    },
    "weak_reason": {
        "below_series_median": ("明显低于序列中位数", "clearly below the series median"),
        "high_dissatisfied_rate": (
            "不满意率明显高于序列一般水平",
            "dissatisfied rate clearly above the series' typical level",
        ),
    },
    "item": {
        "weak_dimension": ("薄弱项", "weak dimension"),
        "comment": ("意见建议", "comment"),
    },
    "verdict": {
        "improved": ("有所改善", "improved"),
        "declined": ("有所下降", "declined"),
        "no_clear_change": ("变化不明显", "no clear change"),
        "absent": ("年终无数据", "no year-end data"),
    },
    "method": {
        "asymptotic": ("渐近 χ² 分布", "asymptotic"),
        "monte-carlo": ("蒙特卡罗", "Monte-Carlo"),
        "rao-scott": ("Rao–Scott 设计校正", "Rao–Scott design adjustment"),
    },
    "test": {
        "chi2_homogeneity": ("χ² 同质性检验", "χ² test of homogeneity"),
        "rate_difference": ("两比率之差", "difference of two rates"),
        "kruskal_wallis": ("Kruskal–Wallis 检验", "Kruskal–Wallis test"),
        "mann_whitney": ("Mann–Whitney 检验", "Mann–Whitney test"),
    },
    "rate_test": {
        "score-z": ("比分法 z 检验", "score z test"),
        "miettinen-nurminen-score": ("Miettinen–Nurminen score 检验", "Miettinen–Nurminen score"),
        "design-t": ("两期合并设计的 t 检验", "t test of both cycles' design"),
    },
    "score_test": {
        "welch-t": ("Welch t 检验", "Welch t test"),
        "design-t": ("两期合并设计的 t 检验", "t test of both cycles' design"),
    },
    "effect_size_name": {
        "cramers_v": ("Cramér's V", "Cramér's V"),
    },
    "required_because": {
        "last": TERMS["last"],
        "last_not_distinguishable": TERMS["last_nd"],
        "veto": TERMS["veto"],
        "grade": ("等次", "grade"),
    },
    "weak_because": {
        "last": TERMS["last"],
        "last_not_distinguishable": TERMS["last_nd"],
        "veto": TERMS["veto"],
        "grade": ("等次", "grade"),
    },
    "changed": {
        "rank": ("名次", "rank"),
        "standing": ("前三/末位", "standing"),
        "grade": ("等次", "grade"),
    },
}
"""Table column → code → ``(zh, en)``: the words of the code values the analyses write.
A column holding several codes joins them with ``;`` (``last;grade:fair``)."""

VARIANTS: dict[str, str] = {
    "无法区分": "不可区分",
    "末位（不可区分）": "末位不可区分",
    "空白": "未填写",
    "年年度": "年度",
}
"""A variant that Chinese text must not use → the term to use instead."""

VARIANT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\d+(?:\.\d+)?% CI", "置信区间 (not “95% CI”) in Chinese prose"),
    (r"(?<![\d.])(\d+)(?:–| 至 )\1(?![\d.])", "第8名 (not a rank interval “8–8”)"),
    (r"(?<![\d])\d{4}-\d{2}-\d{2}(?![\d:])(?!\s*\d{1,2}:)", "2026年9月14日 (not an ISO date)"),
)
"""Regular expressions of variants, with the term to use; for Chinese text."""


def term(key: str, lang: str = "zh") -> str:
    """The term of concept ``key`` in ``lang``.

    Examples
    --------
    >>> term("blank"), term("blank", "en")
    ('未填写', 'blank')
    """
    lang = check_option("lang", lang, LANGS)
    key = check_option("key", key, tuple(TERMS))
    return TERMS[key][LANGS.index(lang)]


def code_term(column: str, code, lang: str = "zh", *, scheme=None):
    """The words of a code value of ``column`` (:data:`CODE_TERMS`); the code itself when it
    has none.  Several codes joined by ``;`` are worded one by one (``、`` / ``, ``); a
    ``code:detail`` names its detail by the scheme's label when ``scheme`` knows it (a grade,
    a dimension, a group).

    Examples
    --------
    >>> code_term("item", "weak_dimension"), code_term("verdict", "improved", "en")
    ('薄弱项', 'improved')
    >>> code_term("weak_reason", "below_series_median;high_dissatisfied_rate")
    '明显低于序列中位数、不满意率明显高于序列一般水平'
    >>> from evalstats.core.scheme import load_scheme
    >>> code_term("required_because", "last;grade:fair", scheme=load_scheme())
    '末位、等次一般'
    """
    lang = check_option("lang", lang, LANGS)
    table = CODE_TERMS.get(column, {})
    i = LANGS.index(lang)
    if not isinstance(code, str) or not code:
        return code
    parts = []
    for part in [p for p in code.split(";") if p]:
        name, sep, detail = part.partition(":")
        word = table[name][i] if name in table else name
        if sep:
            shown = detail
            for kind in ("grades", "dimensions", "groups") if scheme is not None else ():
                try:
                    shown = scheme.label(kind, detail, lang)
                    break
                except KeyError:
                    continue
            word = f"{word}{shown}" if i == 0 else f"{word} {shown.lower()}"
        parts.append(word)
    return ("、" if i == 0 else ", ").join(parts)


def ci_words(level, lang: str = "zh") -> str:
    """A confidence interval named with its level: ``95% 置信区间`` / ``95% CI``.

    Examples
    --------
    >>> ci_words(0.9, "en")
    '90% CI'
    """
    from evalstats.present.format import confidence_text

    lang = check_option("lang", lang, LANGS)
    return f"{confidence_text(level)} {TERMS['confidence_interval'][LANGS.index(lang)]}"


def find_variants(text: str) -> list[str]:
    """The variants (:data:`VARIANTS`, :data:`VARIANT_PATTERNS`) found in a Chinese ``text``,
    in the order they occur.

    Examples
    --------
    >>> find_variants("2026-09-14 发生；满意率（95% CI 90.0% 至 95.0%）")
    ['2026-09-14', '95% CI']
    >>> find_variants("名次区间 第8名，第6至8名，2026年9月14日")
    []
    """
    found: list[tuple[int, str]] = []
    for variant in VARIANTS:
        start = text.find(variant)
        while start >= 0:
            found.append((start, variant))
            start = text.find(variant, start + 1)
    for pattern, _ in VARIANT_PATTERNS:
        found += [(m.start(), m.group(0)) for m in re.finditer(pattern, text)]
    return [v for _, v in sorted(found)]
