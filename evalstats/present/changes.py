"""Words for comparisons: one sentence per test result, per row of a change table, per cycle.

The statistics (:mod:`evalstats.stats.compare`) return numbers and codes — a frozen
:class:`~evalstats.stats.compare.TestResult`, the ``compare_cycles`` table with its
``rate_significant`` / ``score_significant`` and ``adjust_method`` columns; this module says
them in Chinese or English:

* :func:`result_sentence` — one test result (difference of rates, χ² homogeneity,
  Kruskal–Wallis, Mann–Whitney, trend);
* :func:`describe_changes` — one sentence per row of a ``compare_cycles`` table;
* :func:`cycle_label` — a cycle id in words (``2026H1`` → 上半年).

Numbers are formatted by :mod:`evalstats.present.format` (true minus sign, ``p = 0.02`` /
``p < 0.001``); rounding happens here, never in the statistics.

Examples
--------
>>> from evalstats.stats.compare import rate_difference
>>> print(result_sentence(rate_difference(90, 100, 80, 100, labels=("2026A", "2026H1"))))
满意率年度比上半年高 10.0 个百分点（95% 置信区间 0.0 至 19.9），差异有统计学意义（p = 0.05）。
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalstats.core.cycles import parse_cycle
from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.vocab import LANGS
from evalstats.present.format import confidence_text, cycle_title, fixed, fixed_array, p_text
from evalstats.present.glossary import TERMS
from evalstats.stats.compare import TestResult
from evalstats.stats.multitest import check_alpha

__all__ = [
    "ADJUST_WORDS",
    "CYCLE_WORDS",
    "METRICS",
    "cycle_label",
    "describe_changes",
    "result_sentence",
]

METRICS = ("rate", "score")

CYCLE_WORDS = {
    "zh": {"H1": "上半年", "H2": "下半年", "A": "年度"},
    "en": {
        "H1": "the half-year evaluation",
        "H2": "the second half-year evaluation",
        "A": "the annual evaluation",
    },
}
ADJUST_WORDS = {
    "zh": {
        "holm": "Holm 校正后 ",
        "bh": "BH 校正后 ",
        "bonferroni": "Bonferroni 校正后 ",
        "none": "",
    },
    "en": {
        "holm": "Holm-adjusted ",
        "bh": "BH-adjusted ",
        "bonferroni": "Bonferroni-adjusted ",
        "none": "",
    },
}


def cycle_label(cycle: str, lang: str = "zh", *, with_year: bool = False) -> str:
    """Words for a cycle id: ``"2026H1"`` → ``"上半年"`` / ``"the half-year evaluation"``.

    Ids that are not ``YYYYH1``, ``YYYYH2`` or ``YYYYA`` are returned as they are.

    Examples
    --------
    >>> cycle_label("2026A"), cycle_label("2025H1", "en", with_year=True)
    ('年度', 'the 2025 half-year evaluation')
    >>> cycle_label("2026A", with_year=True)
    '2026年度'

    """
    lang = check_option("lang", lang, LANGS)
    parsed = parse_cycle(cycle)
    if parsed is None:
        return str(cycle)
    if with_year:
        return cycle_title(cycle, lang)
    return CYCLE_WORDS[lang][parsed.part]


def _pair_labels(first: str, second: str, lang: str) -> tuple[str, str]:
    c1, c2 = parse_cycle(first), parse_cycle(second)
    with_year = bool(c1 and c2 and c1.year != c2.year)
    return cycle_label(first, lang, with_year=with_year), cycle_label(
        second, lang, with_year=with_year
    )


def _fmt(values, decimals: int) -> np.ndarray:
    return fixed_array(np.asarray(values, np.float64), decimals)


def _p_texts(p) -> np.ndarray:
    return np.array([p_text(v) for v in np.asarray(p, np.float64).ravel()], dtype=object)


@dataclass(frozen=True)
class _Differences:
    """Differences ``first − second`` to put in words, one entry per sentence.

    ``significant`` is a float array: 1 significant, 0 not, NaN no test; ``p_prefix`` goes
    before the p-value (e.g. ``"Holm 校正后 "``).
    """

    subject: Sequence
    first: Sequence
    second: Sequence
    est: Sequence
    low: Sequence
    high: Sequence
    level: Sequence
    p: Sequence
    significant: Sequence
    p_prefix: Sequence


def _difference_sentences(d: _Differences, *, lang: str, unit: str) -> np.ndarray:
    """Vectorised sentences for differences ``first − second`` (object arrays in and out).

    ``unit`` is ``"pp"`` (rates, shown as percentage points) or ``"points"`` (scores).
    """
    subject, first, second, p_prefix = (
        np.asarray(v, object) for v in (d.subject, d.first, d.second, d.p_prefix)
    )
    scale, decimals = (100.0, 1) if unit == "pp" else (1.0, 2)
    est = np.asarray(d.est, np.float64) * scale
    lo = _fmt(np.asarray(d.low, np.float64) * scale, decimals)
    hi = _fmt(np.asarray(d.high, np.float64) * scale, decimals)
    mag = _fmt(np.abs(est), decimals)
    level_txt = np.array(
        [confidence_text(v) for v in np.asarray(d.level, np.float64).ravel()], dtype=object
    )
    level_txt = np.char.replace(level_txt.astype(str), "%", "").astype(object)
    ptxt = p_prefix + _p_texts(d.p)
    same = mag == _fmt(0.0, decimals)
    up = est > 0
    sig = np.asarray(d.significant, np.float64)
    untested = np.isnan(sig)
    yes = sig == 1
    if lang == "zh":
        word = np.where(up, "高", "低").astype(object)
        u = "个百分点" if unit == "pp" else "分"
        head = np.where(
            same,
            subject + first + "与" + second + "持平",
            subject + first + "比" + second + word + " " + mag + " " + u,
        )
        ci = "（" + level_txt + f"% {TERMS['confidence_interval'][0]} " + lo + " 至 " + hi + "）"
        verdict = (
            "，差异" + np.where(yes, "有", "无").astype(object) + "统计学意义（" + ptxt + "）。"
        )
        tail = np.where(untested, "，差异无法检验。", verdict)
        missing = subject + "缺少有效答案，无法比较。"
    else:
        text = pd.Series(subject, dtype=object).astype(str)
        cap = (text.str[:1].str.upper() + text.str[1:]).to_numpy(dtype=object)
        word = np.where(up, "higher", "lower").astype(object)
        u = "percentage points" if unit == "pp" else "points"
        head = np.where(
            same,
            cap + " was the same in " + first + " as in " + second,
            cap + " was " + mag + f" {u} " + word + " in " + first + " than in " + second,
        )
        ci = " (" + level_txt + "% CI " + lo + " to " + hi + ")"
        verdict = (
            "; the difference is "
            + np.where(yes, "", "not ").astype(object)
            + "statistically significant ("
            + ptxt
            + ")."
        )
        tail = np.where(untested, "; the difference cannot be tested.", verdict)
        missing = (
            cap + ": there are no valid answers in one of the cycles; no comparison is possible."
        )
    return np.where(np.isnan(est), missing, head + ci + tail).astype(object)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def result_sentence(
    r: TestResult, lang: str = "zh", *, subject: str | None = None, alpha: float = 0.05
) -> str:
    """One test result in one plain-language sentence (Chinese or English).

    Parameters
    ----------
    r : TestResult
        From :mod:`evalstats.stats.compare` (:func:`~evalstats.stats.compare.rate_difference`,
        :func:`~evalstats.stats.compare.chi2_homogeneity`, ...).
    lang : {"zh", "en"}
    subject : str, optional
        What was measured, e.g. ``"办事效率满意率"`` / ``"the satisfied rate for
        efficiency"``; a generic subject when omitted.
    alpha : float
        Significance level of the statement.

    Examples
    --------
    >>> from evalstats.stats.compare import rate_difference
    >>> r = rate_difference(90, 100, 80, 100, labels=("2026A", "2026H1"))
    >>> result_sentence(r, "en", subject="the satisfied rate for efficiency")  # doctest: +ELLIPSIS
    'The satisfied rate for efficiency was 10.0 percentage points higher in the annual ...'
    """
    if not isinstance(r, TestResult):
        raise TypeError(f"r must be a TestResult; got {type(r).__name__}")
    lang = check_option("lang", lang, LANGS)
    alpha = check_alpha(alpha)
    if subject is not None and not isinstance(subject, str):
        raise TypeError(f"subject must be a str; got {type(subject).__name__}")
    sig = None if math.isnan(r.pvalue) else bool(r.pvalue <= alpha)
    first, second = (
        r.labels
        if len(r.labels) == 2
        else (("样本一", "样本二") if lang == "zh" else ("the first sample", "the second sample"))
    )
    if r.test == "rate_difference":
        if subject is None:
            subject = "满意率" if lang == "zh" else "the satisfied rate"
        a, b = _pair_labels(first, second, lang)
        diff = _Differences(
            subject=[subject],
            first=[a],
            second=[b],
            est=[r.estimate],
            low=[r.ci_low],
            high=[r.ci_high],
            level=[r.confidence_level],
            p=[r.pvalue],
            significant=[math.nan if sig is None else float(sig)],
            p_prefix=[""],
        )
        return _difference_sentences(diff, lang=lang, unit="pp")[0]
    said = _Said(
        lang=lang,
        subject=subject,
        first=first,
        second=second,
        stat=_fmt1(r.statistic, 2),
        p=p_text(r.pvalue),
        df="" if math.isnan(r.df) else _fmt1(r.df, 0),
        zh_sig="无法检验" if sig is None else ("有统计学意义" if sig else "无统计学意义"),
        en_sig=(
            "cannot be tested"
            if sig is None
            else ("is statistically significant" if sig else "is not statistically significant")
        ),
    )
    write = _TEST_SENTENCES.get(r.test, _other_sentence)
    return write(r, said)


@dataclass(frozen=True)
class _Said:
    """What every test sentence says: the language, subject, labels and formatted numbers."""

    lang: str
    subject: str | None
    first: str
    second: str
    stat: str
    p: str
    df: str
    zh_sig: str
    en_sig: str


def _chi2_sentence(r: TestResult, w: _Said) -> str:
    stat, df, p, mc = w.stat, w.df, w.p, r.method == "monte-carlo"
    subj = w.subject or ("评价等级分布" if w.lang == "zh" else "the distribution of ratings")
    v = _fmt1(r.effect_size, 2)
    if r.method == "rao-scott":  # respondents as clusters: the design-adjusted F
        if w.lang == "zh":
            return (
                f"各评议人类别的{subj}差异{w.zh_sig}"
                f"（按评议人聚类校正的 Rao–Scott F = {stat}，自由度 {df}，{p}；Cramér's V = {v}）。"
            )
        return (
            f"The difference between respondent groups in {subj} {w.en_sig} "
            f"(Rao–Scott F adjusted for respondents as clusters = {stat}, df = {df}, {p}; "
            f"Cramér's V = {v})."
        )
    if w.lang == "zh":
        how = "，蒙特卡罗 p 值" if mc else ""
        return (
            f"各评议人类别的{subj}差异{w.zh_sig}"
            f"（χ² = {stat}，自由度 {df}，{p}{how}；Cramér's V = {v}）。"
        )
    how = ", Monte-Carlo p-value" if mc else ""
    return (
        f"The difference between respondent groups in {subj} {w.en_sig} "
        f"(χ² = {stat}, df = {df}, {p}{how}; Cramér's V = {v})."
    )


def _kruskal_sentence(r: TestResult, w: _Said) -> str:
    stat, df, p = w.stat, w.df, w.p
    subj = w.subject or ("评价等级" if w.lang == "zh" else "the ratings")
    if w.lang == "zh":
        return f"各单位的{subj}差异{w.zh_sig}（Kruskal–Wallis H = {stat}，自由度 {df}，{p}）。"
    return (
        f"The difference between units in {subj} {w.en_sig} "
        f"(Kruskal–Wallis H = {stat}, df = {df}, {p})."
    )


def _mann_whitney_sentence(r: TestResult, w: _Said) -> str:
    p = w.p
    subj = w.subject or ("评价等级" if w.lang == "zh" else "the ratings")
    a, b = _pair_labels(w.first, w.second, w.lang)
    ps = _fmt1(r.effect_size, 2)
    if w.lang == "zh":
        return (
            f"{subj}{a}与{b}的分布差异{w.zh_sig}（Mann–Whitney 检验，{p}）；"
            f"随机抽取的一份{a}答案好于{b}答案的概率为 {ps}（0.5 为无差别）。"
        )
    return (
        f"The difference in {subj} between {a} and {b} {w.en_sig} (Mann–Whitney test, {p}); "
        f"the probability that a random answer from {a} is better than one from {b} is "
        f"{ps} (0.5: no difference)."
    )


def _trend_sentence(r: TestResult, w: _Said) -> str:
    stat, p = w.stat, w.p
    subj = w.subject or ("满意率" if w.lang == "zh" else "the satisfied rate")
    slope = _fmt1(r.estimate * 100, 1)
    if w.lang == "zh":
        return (
            f"{subj}的线性趋势{w.zh_sig}"
            f"（χ² = {stat}，自由度 1，{p}；平均每期变化 {slope} 个百分点）。"
        )
    return (
        f"The linear trend in {subj} {w.en_sig} (χ² = {stat}, df = 1, {p}; "
        f"average change {slope} percentage points per step)."
    )


def _other_sentence(r: TestResult, w: _Said) -> str:
    if w.lang == "zh":
        return f"{w.subject or r.test}：统计量 {w.stat}，{w.p}，差异{w.zh_sig}。"
    return f"{_cap(w.subject or r.test)}: statistic {w.stat}, {w.p}; the result {w.en_sig}."


_TEST_SENTENCES = {
    "chi2_homogeneity": _chi2_sentence,
    "kruskal_wallis": _kruskal_sentence,
    "mann_whitney": _mann_whitney_sentence,
    "trend": _trend_sentence,
}


def _fmt1(value, decimals: int) -> str:
    return fixed(value, decimals)


def describe_changes(
    table: pd.DataFrame,
    *,
    lang: str = "zh",
    metric: str = "rate",
    scheme: Scheme | None = None,
    units: pd.DataFrame | None = None,
) -> pd.Series:
    """One plain-language sentence per row of a :func:`compare_cycles` table.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`compare_cycles`.
    lang : {"zh", "en"}
    metric : {"rate", "score"}
        Describe the change of the satisfied rate (percentage points) or of the score
        (points).
    scheme : Scheme, path or None
        For the dimension and group labels.
    units : DataFrame, optional
        Columns ``unit`` and ``name``: unit names instead of codes.

    Returns
    -------
    Series of str
        Aligned with ``table``'s index.  Significance is judged on the adjusted p-value of the
        table (``rate_significant`` / ``score_significant``), which the sentence quotes.
        Rows of units present in one cycle only say so.

    Examples
    --------
    A row reads like "U03 办事效率满意率年度比上半年高 4.1 个百分点（95% 置信区间 −1.2 至 9.4），
    差异无统计学意义（Holm 校正后 p = 0.62）。".
    """
    lang = check_option("lang", lang, LANGS)
    metric = check_option("metric", metric, METRICS)
    scheme = resolve_scheme(scheme)
    prefix = "rate" if metric == "rate" else "score"
    _check_change_table(table, prefix)
    names = _unit_names(units)
    who = _who(table, names, scheme, lang)
    subject = _subject(table, who, scheme, lang=lang, metric=metric)
    pair = table["cycle_after"].astype(str) + "\x00" + table["cycle_before"].astype(str)
    first = _map_unique(pair, lambda x: _pair_labels(*x.split("\x00"), lang)[0])
    second = _map_unique(pair, lambda x: _pair_labels(*x.split("\x00"), lang)[1])
    sig = (
        table[f"{prefix}_significant"]
        .astype("boolean")
        .astype("Float64")
        .to_numpy(np.float64, na_value=np.nan)
    )
    p_prefix = _map_unique(table["adjust_method"], lambda a: ADJUST_WORDS[lang].get(a, ""))
    diff = _Differences(
        subject=subject,
        first=first,
        second=second,
        est=table[f"{prefix}_diff"].to_numpy(np.float64),
        low=table[f"{prefix}_diff_ci_low"].to_numpy(np.float64),
        high=table[f"{prefix}_diff_ci_high"].to_numpy(np.float64),
        level=table["confidence_level"].to_numpy(np.float64),
        p=table[f"{prefix}_pvalue_adjusted"].to_numpy(np.float64),
        significant=sig,
        p_prefix=p_prefix,
    )
    out = _difference_sentences(diff, lang=lang, unit="pp" if metric == "rate" else "points")
    present = table["present"].astype(str).to_numpy()
    who = who if who is not None else subject
    for i in np.flatnonzero(present != "both"):
        only = first[i] if present[i] == "after_only" else second[i]
        if lang == "zh":
            out[i] = f"{who[i]}仅有{only}的测评表，无法比较。"
        else:
            out[i] = f"{_cap(who[i])} has forms only in {only}; no comparison is possible."
    return pd.Series(out, index=table.index, dtype=object)


def _check_change_table(table, prefix: str) -> None:
    """A ``compare_cycles`` table with the columns of the metric ``prefix``."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame; got {type(table).__name__}")
    need = [
        "present",
        "cycle_before",
        "cycle_after",
        f"{prefix}_diff",
        f"{prefix}_diff_ci_low",
        f"{prefix}_diff_ci_high",
        f"{prefix}_pvalue_adjusted",
        f"{prefix}_significant",
        "confidence_level",
        "adjust_method",
    ]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks column(s) {missing}; pass the output of compare_cycles")


def _unit_names(units) -> dict:
    """Unit code → name from a ``unit, name`` table (empty without one)."""
    if units is None:
        return {}
    if not isinstance(units, pd.DataFrame) or not {"unit", "name"} <= set(units.columns):
        raise ValueError("units must be a DataFrame with columns unit and name")
    return dict(zip(units["unit"].astype(str), units["name"].astype(str), strict=False))


def _who(table, names: dict, scheme: Scheme, lang: str):
    """Per row: the unit's name and/or series in words; None when the table has neither."""
    who = None
    if "unit" in table:
        who = _map_unique(table["unit"], lambda x: names.get(x, x))
    if "series" in table:
        s_txt = _map_unique(table["series"], lambda x: _label(scheme, "series", x, lang))
        s_txt = s_txt + ("序列" if lang == "zh" else " series")
        who = s_txt if who is None else who + ("（" + s_txt + "）" if lang == "zh" else "")
    return who


def _subject(table, who, scheme: Scheme, *, lang: str, metric: str) -> np.ndarray:
    """Per row: what changed, e.g. ``U03的办事效率满意率`` / ``the satisfied rate of U03 for
    efficiency``."""
    n = len(table)
    g_txt = d_txt = None
    if "group" in table:
        g_txt = _map_unique(table["group"], lambda x: _label(scheme, "groups", x, lang))
    if "dimension" in table:
        d_txt = _map_unique(table["dimension"], lambda x: _label(scheme, "dimensions", x, lang))
    if lang == "zh":
        subject = np.full(n, "", object) if who is None else who + "的"
        if d_txt is not None:
            subject = subject + d_txt
        subject = subject + ("满意率" if metric == "rate" else "得分")
        if g_txt is not None:
            subject = subject + "（" + g_txt + "评价）"
    else:
        subject = np.full(n, "the satisfied rate" if metric == "rate" else "the score", object)
        if who is not None:
            subject = subject + " of " + who
        if d_txt is not None:
            subject = subject + " for " + d_txt
        if g_txt is not None:
            subject = subject + " (rated by " + g_txt + ")"
    return subject


def _map_unique(values: pd.Series, func) -> np.ndarray:
    """``func`` applied once per distinct value (as text), mapped back: an object array."""
    text = pd.Series(values).astype(str)
    lut = {v: func(v) for v in pd.unique(text)}
    return text.map(lut).to_numpy(dtype=object)


def _label(scheme: Scheme, kind: str, code: str, lang: str) -> str:
    try:
        return scheme.label(kind, code, lang)
    except KeyError:
        return code
