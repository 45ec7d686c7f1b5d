"""Bilingual presentation of tidy tables: column headers, code labels and display formatting.

The tables keep English codes and unrounded numbers (``tables/*.csv`` are written that way);
reports show Chinese labels by default (English with ``lang="en"``).  This module is where a
table turns into something to read:

* :data:`COLUMN_LABELS` — every column of the project's vocabulary → ``(zh, en)`` header;
* :data:`VALUE_LABELS`, :data:`BOOL_LABELS`, :data:`ALL_LABELS`, :data:`FLAG_LABELS` — labels of
  the code values the package writes (standings, checks, booleans, the ``"all"`` row, flags);
  dimension, level, group, series, grade and incident-kind codes are labelled by the scheme;
* :func:`relabel` — codes → labels, numbers untouched (what the Excel workbook shows, with
  number formats doing the rounding);
* :func:`present` — a display copy: labels, headers, and numbers as strings — scores to two
  decimals, rates as percentages to one decimal, p-values as ``"<0.001"``, three decimals below
  0.01, else two (:func:`evalstats.present.format.pvalue`). This is where rounding happens and
  nowhere else; :func:`rounding_note` says so in words.

Examples
--------
>>> import pandas as pd
>>> from evalstats.present.labels import present
>>> t = pd.DataFrame({"dimension": ["efficiency", "all"], "satisfied_rate": [0.9337, 1.0],
...                   "score": [88.125, 90.0], "low_confidence": [True, False]})
>>> present(t).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
{'评议内容': ['办事效率', '合计'], '满意率': ['93.4%', '100.0%'], '测评得分': ['88.12', '90.00'],
 '样本偏少': ['是', '否']}
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.vocab import LANGS
from evalstats.present import format as _format
from evalstats.present.glossary import CODE_TERMS, code_term
from evalstats.present.words import REASON_TEXT, veto_sentence
from evalstats.stats.privacy import ANY

MISSING = _format.MISSING
"""What :func:`present` shows for a missing number."""

# ---------------------------------------------------------------------- column headers
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    # keys and units
    "cycle": ("测评周期", "Cycle"),
    "unit": ("单位编码", "Unit code"),
    "unit_name": ("单位名称", "Unit"),
    "name": ("名称", "Name"),
    "name_en": ("英文名称", "English name"),
    "series": ("序列", "Series"),
    "group": ("评议人类别", "Respondent group"),
    "dimension": ("评议内容", "Dimension"),
    "level": ("评价等级", "Answer level"),
    "count": ("票数", "Count"),
    "item": ("项目", "Item"),
    # metrics (evalstats.stats.score)
    "n_forms": ("回收问卷数", "Forms returned"),
    "n_valid": ("有效票数", "Valid answers"),
    "n_unknown": ("“不了解”票数", '"Don\'t know" answers'),
    "n_blank": ("未填写票数", "Blank answers"),
    "n_issued": ("发放问卷数", "Forms issued"),
    "n_voided": ("作废问卷数", "Forms voided"),
    "n_dissatisfied": ("不满意票数", "Dissatisfied answers"),
    "n_comments": ("意见条数", "Comments"),
    "top_box_rate": ("“满意”占比", "Top-box rate"),
    "satisfied_rate": ("满意率", "Satisfied rate"),
    "satisfied_ci_low": ("满意率下限", "Satisfied rate, CI low"),
    "satisfied_ci_high": ("满意率上限", "Satisfied rate, CI high"),
    "dissatisfied_rate": ("不满意率", "Dissatisfied rate"),
    "share_of_all_votes": ("占总评议票数", "Share of all votes"),
    "score": ("测评得分", "Score"),
    "score_ci_low": ("得分下限", "Score, CI low"),
    "score_ci_high": ("得分上限", "Score, CI high"),
    "weighted_score": ("加权得分", "Weighted score"),
    "weighted_score_ci_low": ("加权得分下限", "Weighted score, CI low"),
    "weighted_score_ci_high": ("加权得分上限", "Weighted score, CI high"),
    "composite": ("综合得分", "Composite"),
    "composite_ci_low": ("综合得分下限", "Composite, CI low"),
    "composite_ci_high": ("综合得分上限", "Composite, CI high"),
    "composite_se": ("综合得分标准误", "Composite, standard error"),
    "composite_df": ("综合得分自由度", "Composite, degrees of freedom"),
    "composite_h1": ("上半年综合得分", "Composite, half-year"),
    "composite_annual": ("年终综合得分", "Composite, year-end"),
    "composite_year": ("年度综合得分", "Composite, year"),
    "composite_year_ci_low": ("年度综合得分下限", "Composite, year, CI low"),
    "composite_year_ci_high": ("年度综合得分上限", "Composite, year, CI high"),
    "weight_half_year": ("上半年权重", "Half-year weight"),
    "weight_annual": ("年终权重", "Year-end weight"),
    "confidence_level": ("置信水平", "Confidence level"),
    "ci_method": ("区间方法", "Interval method"),
    "ci_low": ("区间下限", "CI low"),
    "ci_high": ("区间上限", "CI high"),
    "rate": ("比率", "Rate"),
    "low_confidence": ("样本偏少", "Low confidence"),
    "no_valid": ("无有效票", "No valid answer"),
    "flags": ("标记", "Flags"),
    "weak_dimensions": ("薄弱项", "Weak dimensions"),
    # ranking (evalstats.stats.rank)
    "rank": ("名次", "Rank"),
    "rank_low": ("名次区间下限", "Rank interval, low"),
    "rank_high": ("名次区间上限", "Rank interval, high"),
    "p_last": ("末位概率", "P(last)"),
    "p_top3": ("前三概率", "P(top 3)"),
    "tied": ("并列", "Tied"),
    "standing": ("定位", "Standing"),
    "grade": ("等次", "Grade"),
    "veto": ("一票否决", "Veto"),
    "veto_reason": ("否决原因", "Veto reason"),
    "veto_note": ("否决事项说明", "Veto incident note"),
    "comment_kind": ("意见类别", "Comment kind"),
    "action": ("处理", "Action"),
    "n_resamples": ("重抽样次数", "Resamples"),
    # tests and comparisons (evalstats.stats.compare)
    "test": ("检验", "Test"),
    "statistic": ("统计量", "Statistic"),
    "df": ("自由度", "Degrees of freedom"),
    "pvalue": ("P值", "p-value"),
    "pvalue_adjusted": ("校正P值", "Adjusted p-value"),
    "method": ("方法", "Method"),
    "n": ("样本量", "n"),
    "effect_size": ("效应量", "Effect size"),
    "effect_size_name": ("效应量类型", "Effect size measure"),
    "estimate": ("估计值", "Estimate"),
    "estimate_name": ("估计量", "Estimated quantity"),
    "labels": ("比较对象", "Compared"),
    "note": ("备注", "Note"),
    "present": ("出现期次", "Present in"),
    "cycle_before": ("前期", "Earlier cycle"),
    "cycle_after": ("后期", "Later cycle"),
    "n_valid_before": ("前期有效票数", "Valid answers, earlier"),
    "n_valid_after": ("后期有效票数", "Valid answers, later"),
    "satisfied_rate_before": ("前期满意率", "Satisfied rate, earlier"),
    "satisfied_rate_after": ("后期满意率", "Satisfied rate, later"),
    "rate_diff": ("满意率变化", "Change in satisfied rate"),
    "rate_diff_ci_low": ("满意率变化下限", "Change in satisfied rate, CI low"),
    "rate_diff_ci_high": ("满意率变化上限", "Change in satisfied rate, CI high"),
    "rate_statistic": ("满意率检验统计量", "Satisfied rate, test statistic"),
    "rate_pvalue": ("满意率P值", "Satisfied rate, p-value"),
    "rate_pvalue_adjusted": ("满意率校正P值", "Satisfied rate, adjusted p-value"),
    "rate_significant": ("满意率变化显著", "Satisfied rate changed significantly"),
    "score_before": ("前期得分", "Score, earlier"),
    "score_after": ("后期得分", "Score, later"),
    "score_diff": ("得分变化", "Change in score"),
    "score_diff_ci_low": ("得分变化下限", "Change in score, CI low"),
    "score_diff_ci_high": ("得分变化上限", "Change in score, CI high"),
    "score_statistic": ("得分检验统计量", "Score, test statistic"),
    "score_df": ("得分检验自由度", "Score, degrees of freedom"),
    "score_pvalue": ("得分P值", "Score, p-value"),
    "score_pvalue_adjusted": ("得分校正P值", "Score, adjusted p-value"),
    "score_significant": ("得分变化显著", "Score changed significantly"),
    "rate_test": ("满意率检验方法", "Satisfied rate, test"),
    "score_test": ("得分检验方法", "Score, test"),
    "adjust_method": ("多重比较校正方法", "Multiplicity adjustment"),
    "alpha": ("α", "Alpha"),
    "rank_before": ("前期名次", "Rank, earlier"),
    "rank_after": ("后期名次", "Rank, later"),
    "movement": ("名次变化", "Rank movement"),
    "standing_before": ("前期定位", "Standing, earlier"),
    "standing_after": ("后期定位", "Standing, later"),
    # data quality (evalstats.stats.quality)
    "check": ("检查项", "Check"),
    "severity": ("严重程度", "Severity"),
    "collector": ("收集人", "Collector"),
    "respondent": ("评议人（化名）", "Respondent (pseudonym)"),
    "form_ids": ("问卷编号列表", "Form ids"),
    "value": ("数值", "Value"),
    "threshold": ("阈值", "Threshold"),
    "reason": ("原因", "Reason"),
    "reason_zh": ("原因（中文）", "Reason (Chinese)"),
    "reference": ("参照", "Reference"),
    "issued": ("发放数", "Issued"),
    "returned": ("回收数", "Returned"),
    "rank_excl_flagged": ("剔除标记问卷后名次", "Rank, flagged forms excluded"),
    "standing_excl_flagged": ("剔除标记问卷后定位", "Standing, flagged forms excluded"),
    "grade_excl_flagged": ("剔除标记问卷后等次", "Grade, flagged forms excluded"),
    "composite_excl_flagged": ("剔除标记问卷后综合得分", "Composite, flagged forms excluded"),
    "changed": ("有变化", "Changed"),
    # reliability (evalstats.stats.reliability)
    "corrected_item_total_r": ("校正项总相关", "Corrected item-total r"),
    "alpha_if_deleted": ("删除该项后α", "Alpha if deleted"),
    "mean": ("均值", "Mean"),
    "sd": ("标准差", "SD"),
    "k": ("项目数", "Items"),
    # forms, inputs and problems (evalstats.inputs.forms, validate, errors)
    "form_id": ("问卷编号", "Form id"),
    "comment": ("意见建议", "Comment"),
    "submitted_at": ("填表时间", "Submitted at"),
    "source_file": ("来源文件", "Source file"),
    "source_row": ("来源行", "Source row"),
    "first_row": ("首次出现行", "First row"),
    "date": ("日期", "Date"),
    "kind": ("事项类别", "Kind"),
    "table": ("数据表", "Table"),
    "file": ("文件", "File"),
    "sha256": ("SHA-256", "SHA-256"),
    "size": ("文件大小（字节）", "Size (bytes)"),
    "encoding": ("编码", "Encoding"),
    "sheet": ("工作表", "Sheet"),
    "header_row": ("表头行", "Header row"),
    "rows": ("行数", "Rows"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "code": ("问题代码", "Problem code"),
    # tables of the analyses (evalstats.analyses.cycle)
    "valid": ("有效问卷数", "Valid forms"),
    "voided": ("作废份数", "Voided"),
    "series_median": ("序列中位数", "Series median"),
    "dissatisfied_ci_low": ("不满意率下限", "Dissatisfied rate, CI low"),
    "dissatisfied_ci_high": ("不满意率上限", "Dissatisfied rate, CI high"),
    "series_median_dissatisfied_rate": ("序列不满意率中位数", "Series median dissatisfied rate"),
    "series_high_dissatisfied_rate": ("序列不满意率高位线", "Series high dissatisfied rate"),
    "n_all_votes": ("总评议票数", "All answers"),
    "weak_reason": ("认定依据", "Why weak"),
    "significant": ("校正后显著", "Significant (adjusted)"),
    "rectification_required": ("须整改", "Must rectify"),
    "required_because": ("整改原因", "Why"),
    "dissatisfied_dimensions": ("评为不满意的项目", "Dimensions rated dissatisfied"),
    "flagged": ("被标记问卷", "Flagged form"),
    "weak_because": ("上半年薄弱原因", "Weak at the half-year because"),
    "composite_diff": ("综合得分变化", "Change in composite"),
    "composite_diff_ci_low": ("变化下限", "Change, CI low"),
    "composite_diff_ci_high": ("变化上限", "Change, CI high"),
    "verdict": ("结论", "Verdict"),
    "weak_dimensions_h1": ("上半年薄弱项", "Weak dimensions, half-year"),
    "weak_dimensions_annual": ("年终薄弱项", "Weak dimensions, year-end"),
    "weak_dimensions_improved": ("已改善的薄弱项", "Weak dimensions improved"),
    "in_units_h1": ("上半年在册", "Listed at the half-year"),
    "in_units_annual": ("年终在册", "Listed at the year end"),
    "standing_h1": ("上半年定位", "Standing, half-year"),
    "standing_annual": ("年终定位", "Standing, year-end"),
    "standing_year": ("年度定位", "Standing, year"),
    "grade_h1": ("上半年等次", "Grade, half-year"),
    "grade_annual": ("年终等次", "Grade, year-end"),
    "grade_year": ("年度等次", "Grade, year"),
    "cycle_present": ("有数据的期次", "Cycle with forms"),
    # the public tier (evalstats.stats.privacy)
    "n_flags": ("标记项数", "Flags raised"),
    "columns": ("涉及的列", "Columns"),
    "rule": ("规则", "Rule"),
    "detail": ("详情", "Detail"),
}
"""Column code → ``(zh, en)`` header.  A column not listed here is shown by its code."""

TABLE_LABELS: dict[str, tuple[str, str]] = {
    "about": ("说明", "About"),
    "scores": ("得分", "Scores"),
    "ranking": ("排名", "Ranking"),
    "composites": ("综合得分", "Composites"),
    "annual": ("年度结果", "Annual result"),
    "comparison": ("前后比较", "Comparison"),
    "movement": ("名次变化", "Rank movement"),
    "distribution": ("等级分布", "Level distribution"),
    "groups": ("类别差异", "Group differences"),
    "weak_dimensions": ("薄弱项", "Weak dimensions"),
    "quality": ("数据质量", "Data quality"),
    "with_without": ("剔除标记问卷对比", "With and without flagged"),
    "response_rates": ("回收情况", "Response rates"),
    "rectification": ("整改清单", "Rectification list"),
    "comments": ("意见建议", "Comments"),
    "reliability": ("信度", "Reliability"),
    "incidents": ("否决事项", "Veto incidents"),
    "voided": ("作废问卷", "Voided forms"),
    "problems": ("数据问题", "Data problems"),
    "suppressed": ("抑制说明", "Suppressed cells"),
    # the tables of the half-year and annual analyses (evalstats.analyses.cycle)
    "response": ("回收情况", "Response rates"),
    "levels": ("等级分布", "Level distribution"),
    "group_differences": ("类别差异", "Group differences"),
    "quality_changes": ("剔除标记问卷后的变化", "Changes without flagged forms"),
    "scores_excl_flagged": ("得分（剔除标记问卷）", "Scores excl. flagged"),
    "ranking_excl_flagged": ("排名（剔除标记问卷）", "Ranking excl. flagged"),
    "final_grades": ("年度等次（考核用）", "Final grades"),
    "ranking_annual_cycle": ("年终测评排名", "Year-end cycle ranking"),
    "rank_movement": ("名次变化", "Rank movement"),
    "weak_units_followup": ("薄弱单位跟踪", "Weak units follow-up"),
    "one_cycle_units": ("仅参加一期的单位", "Units in one cycle only"),
}
"""Table name (``tables/<name>.csv``) → ``(zh, en)`` sheet name of the workbook."""


# ---------------------------------------------------------------------- code values
def _capitalised(pairs: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The glossary's words as table cells: the English capitalised."""
    return {k: (zh, en[:1].upper() + en[1:]) for k, (zh, en) in pairs.items()}


VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "action": {
        "rectify": ("须整改", "To rectify"),
        "feedback": ("反馈参考", "Feedback"),
    },
    "standing": {
        **_capitalised(
            {k: CODE_TERMS["standing"][k] for k in ("top3", "last", "last_not_distinguishable")}
        ),
        "": ("", ""),
    },
    "present": {
        "both": ("两期均有", "Both cycles"),
        "before_only": ("仅前期", "Earlier cycle only"),
        "after_only": ("仅后期", "Later cycle only"),
    },
    "severity": {
        "error": ("错误", "Error"),
        "warning": ("警告", "Warning"),
        "info": ("提示", "Info"),
    },
    "check": {
        "typed_twice": ("重复录入", "Typed twice"),
        "near_duplicate": ("疑似重复问卷", "Near-duplicate forms"),
        "straight_lining": ("答案完全一致", "Straight-lining"),
        "burst": ("集中提交", "Burst of forms"),
        "full_satisfaction": ("全部满意", "Full satisfaction"),
        "response_rate": ("回收率", "Response rate"),
        "straight_respondent": ("评议人各单位同一等次", "Respondent straight-lining"),
        "duplicate_respondent": ("评议人答案重复", "Duplicate respondents"),
        "blank_units": ("评议人空着的单位", "Units left blank"),
    },
    "ci_method": {
        "wilson": ("Wilson 区间", "Wilson"),
        "clopper-pearson": ("Clopper–Pearson 区间", "Clopper–Pearson"),
        "jeffreys": ("Jeffreys 区间", "Jeffreys"),
        "feldt": ("Feldt 区间", "Feldt"),
        "newcombe": ("Newcombe 区间", "Newcombe"),
        "miettinen-nurminen": ("Miettinen–Nurminen 区间", "Miettinen–Nurminen"),
        "design-t": ("两期合并设计的 t 区间", "t interval of both cycles' design"),
    },
    "adjust_method": {
        "holm": ("Holm 法", "Holm"),
        "bh": ("Benjamini–Hochberg 法", "Benjamini–Hochberg"),
        "bonferroni": ("Bonferroni 法", "Bonferroni"),
        "none": ("不校正", "None"),
    },
}
"""Column → code → ``(zh, en)`` for the code columns the package writes.

A column named ``<base>_before``, ``<base>_after``, ``<base>_excl_flagged``, ``<base>_h1``,
``<base>_annual`` or ``<base>_year`` uses the labels of ``<base>``.  Codes not listed are
shown as they are.  The columns of :data:`CODE_COLUMNS` take the glossary's words.
"""

CODE_COLUMNS = tuple(c for c in CODE_TERMS if c not in VALUE_LABELS)
"""Columns whose codes (one, or several joined by ``;``) take the words of
:data:`evalstats.present.glossary.CODE_TERMS` (``weak_reason``, ``item``, ``verdict``,
``test``, ``required_because``, …)."""
DIMENSION_LIST_COLUMNS = (
    "weak_dimensions",
    "weak_dimensions_h1",
    "weak_dimensions_annual",
    "weak_dimensions_improved",
    "dissatisfied_dimensions",
)
"""Columns holding dimension codes joined by ``;``: shown as the labels joined by ``、``."""

BOOL_LABELS: dict[bool, tuple[str, str]] = {True: ("是", "Yes"), False: ("否", "No")}
ALL_LABELS: tuple[str, str] = ("合计", "All")
"""Label of the ``"all"`` row of a pooled grouping key (``unit``, ``group``, …)."""
ANY_LABELS: tuple[str, str] = ("全部", "Every")
"""Label of :data:`evalstats.stats.privacy.ANY` (``*``: every table, unit, column… of a
row of the ``suppressed`` table)."""
LANGUAGE_TWINS: dict[str, str] = {"reason": "reason_zh"}
"""A column of English text → its Chinese twin (the quality flags' ``reason``): a view in
one language shows one of the two, under the first one's header (:func:`for_language`)."""
BLANK_LEVEL_LABELS: tuple[str, str] = ("未填写", "Blank")

FLAG_LABELS: dict[str, tuple[str, str]] = {
    "group_missing": ("缺少评议人类别", "group missing"),
    "pooled_variance": ("借用合并方差", "pooled variance"),
    "dimension_no_valid": ("评议内容无有效票", "no valid answer for dimension"),
    "low_confidence": ("样本偏少", "low confidence"),
    "no_interval": ("无置信区间", "no interval"),
    "no_forms": ("无问卷", "no forms"),
    "one_cycle_only": ("仅一期有数据", "one cycle only"),
    "no_rank_uncertainty": ("无名次不确定性", "no rank uncertainty"),
    "p_last_unavailable": ("末位概率不可得", "P(last) unavailable"),
    "last_grade_cap_withheld": ("末位封顶未执行", "last-place grade cap withheld"),
    "no_composite": ("无综合得分", "no composite"),
    "series_changed": ("序列有变化", "series changed"),
    "vetoed_before": ("前期一票否决", "vetoed earlier"),
    "vetoed_after": ("后期一票否决", "vetoed later"),
}
"""Flag code (before an optional ``:detail``) → ``(zh, en)`` text; flags join with ``;``."""

SCHEME_COLUMNS: dict[str, str] = {
    "dimension": "dimensions",
    "item": "dimensions",
    "level": "levels",
    "group": "groups",
    "series": "series",
    "grade": "grades",
    "kind": "incident_kinds",
    "comment_kind": "comment_kinds",
}
"""Column → the scheme's list whose labels it shows."""

KEY_COLUMNS = ("cycle", "unit", "group", "dimension", "series", "level", "item")
"""Columns in which ``"all"`` means a pooled row (shown as :data:`ALL_LABELS`)."""

_SUFFIXES = ("_before", "_after", "_excl_flagged", "_h1", "_annual", "_year")
_PERCENT_RE = re.compile(
    r"^(?:(?:.+_)?rate(?:_before|_after|_excl_flagged)?"
    r"|(?:.+_)?rate_diff(?:_ci_low|_ci_high)?"
    r"|(?:dis)?satisfied_ci_(?:low|high)|share_of_all_votes|p_last|p_top\d+|weight_.+)$"
)
_PVALUE_RE = re.compile(r"^(?:.+_)?pvalue(?:_adjusted)?$")
_WHOLE_RE = re.compile(
    r"^(?:rank(?:_(?:low|high|before|after|excl_flagged|h1|annual))?|n_.+|count)$"
)
"""Ranks and counts: whole numbers even when read back as floats (a missing rank)."""
FORMATS = ("percent", "pvalue", "integer", "decimal", "bool", "datetime", "text")


# ====================================================================== helpers
def _lang(lang) -> int:
    return LANGS.index(check_option("lang", lang, LANGS))


def _base(column: str) -> str:
    for suffix in _SUFFIXES:
        if column.endswith(suffix) and len(column) > len(suffix):
            return column[: -len(suffix)]
    return column


def column_label(column, lang: str = "zh", *, scheme: Scheme | None = None) -> str:
    """The header of ``column`` in ``lang``; the column's own name when it has no label.

    Columns of :data:`COLUMN_LABELS` first; then, when ``scheme`` is given, a column named by
    a dimension, level, group or series code of the scheme (the forms table has one column per
    dimension; a pivot may have one per level) takes that entry's label.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> column_label("p_last"), column_label("p_last", "en"), column_label("my_column")
    ('末位概率', 'P(last)', 'my_column')
    >>> column_label("integrity", scheme=load_scheme())
    '清正廉洁'
    """
    i = _lang(lang)
    if not isinstance(column, str):
        return str(column)
    pair = COLUMN_LABELS.get(column)
    if pair:
        return pair[i]
    if scheme is not None:
        for kind in ("dimensions", "levels", "groups", "series"):
            try:
                return scheme.label(kind, column, LANGS[i])
            except KeyError:
                continue
    return column


def column_format(column, dtype, *, percent_columns: Collection[str] | None = None) -> str:
    """How a column is shown: one of :data:`FORMATS`.

    ``"percent"`` for rates, shares, their intervals and differences, probabilities of a
    standing, weights and the confidence level; ``"pvalue"`` for ``pvalue`` and ``*_pvalue``
    (adjusted or not); ``"integer"`` for integer columns and for ranks and counts (``rank``,
    ``rank_low``…, ``n_*``, ``count``: whole numbers, even as floats with a missing value);
    ``"decimal"`` for other numbers (scores, statistics);
    ``"bool"``; ``"datetime"``; ``"text"`` otherwise.

    Parameters
    ----------
    column : str
    dtype : dtype
    percent_columns : collection of str, optional
        The columns to show as percentages, instead of the rule above.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.dtype(float)
    >>> [column_format(c, f) for c in ("satisfied_rate", "rate_pvalue", "score", "p_last")]
    ['percent', 'pvalue', 'decimal', 'percent']
    """
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if not pd.api.types.is_numeric_dtype(dtype):
        return "text"
    name = str(column)
    if _PVALUE_RE.match(name):
        return "pvalue"
    if percent_columns is not None:
        if name in percent_columns:
            return "percent"
    elif _PERCENT_RE.match(name) or name == "confidence_level":
        return "percent"
    if pd.api.types.is_integer_dtype(dtype) or _WHOLE_RE.match(name):
        return "integer"
    return "decimal"


# ====================================================================== code values
def _flag_text(text: str, scheme: Scheme, i: int) -> str:
    if not text:
        return text
    out = []
    for part in text.split(";"):
        code, sep, detail = part.partition(":")
        pair = FLAG_LABELS.get(code)
        label = pair[i] if pair else code
        if sep:
            shown = _format.cycle_title(detail, LANGS[i])  # a cycle in words, else as it is
            for kind in ("groups", "dimensions"):
                try:
                    shown = scheme.label(kind, detail, LANGS[i])
                    break
                except KeyError:
                    continue
            label = f"{label}：{shown}" if i == 0 else f"{label}: {shown}"
        out.append(label)
    return ("；" if i == 0 else "; ").join(out)


def _veto_text(text: str, scheme: Scheme, i: int) -> str:
    try:
        return veto_sentence({"veto_reason": text}, lang=LANGS[i], scheme=scheme)
    except ValueError:
        return text


def _worded(column: str, code: str, scheme: Scheme, i: int) -> str:
    """The glossary's words for the code(s) of ``column``; English capitalised (a table cell)."""
    text = code_term(column, code, LANGS[i], scheme=scheme)
    if i == 0 or not isinstance(text, str) or not text[:1].isascii():
        return text
    return text[:1].upper() + text[1:]


def _scheme_label_or_code(scheme: Scheme, kind: str, code: str, i: int) -> str:
    try:
        return scheme.label(kind, code, LANGS[i])
    except KeyError:
        return code


def _value_mapper(column: str, scheme: Scheme, i: int):
    """A function code → label for ``column``, or None when the column holds no codes."""
    base = _base(column)
    if base in SCHEME_COLUMNS or column in scheme.dimension_codes:
        kind = SCHEME_COLUMNS.get(base, "levels")  # a dimension's column holds levels

        def scheme_label(v):
            if v == "all" and base in KEY_COLUMNS:
                return ALL_LABELS[i]
            if v == ANY:
                return ANY_LABELS[i]
            if kind == "levels" and v == "blank":
                return BLANK_LEVEL_LABELS[i]
            try:
                return scheme.label(kind, v, LANGS[i])
            except KeyError:  # e.g. the rectification list's item: weak_dimension, comment
                return _worded(base, v, scheme, i) if base in CODE_TERMS else v

        return scheme_label
    if base in VALUE_LABELS:
        table = VALUE_LABELS[base]
        return lambda v: table[v][i] if v in table else v
    if column in DIMENSION_LIST_COLUMNS:
        return lambda v: ("、" if i == 0 else ", ").join(
            _scheme_label_or_code(scheme, "dimensions", c, i) for c in v.split(";") if c
        )
    if base in CODE_COLUMNS:
        return lambda v: _worded(base, v, scheme, i)
    if base in KEY_COLUMNS:
        return lambda v: ALL_LABELS[i] if v == "all" else ANY_LABELS[i] if v == ANY else v
    return _text_mapper(base, scheme, i)


def _text_mapper(base: str, scheme: Scheme, i: int):
    """The words of the columns that hold composed text: flags, veto reasons, the compared
    groups of a test (``a vs b``), a test's note, and the ``suppressed`` table's reason,
    table and column codes; None for any other column."""
    if base == "flags":
        return lambda v: _flag_text(v, scheme, i)
    if base == "veto_reason":
        return lambda v: _veto_text(v, scheme, i)
    if base == "labels":
        return lambda v: ("、" if i == 0 else ", ").join(
            _compared_label(scheme, part, i) for part in v.split(" vs ")
        )
    if base == "note":
        return lambda v: _note_text(v, i)
    if base == "reason":  # a reason code of the suppressed table; a sentence stays
        return lambda v: REASON_TEXT[v][i] if v in REASON_TEXT else v
    if base == "table":
        return lambda v: (
            ANY_LABELS[i] if v == ANY else TABLE_LABELS[v][i] if v in TABLE_LABELS else v
        )
    if base == "columns":  # column codes joined by ";"
        return lambda v: (
            ANY_LABELS[i]
            if v == ANY
            else ("、" if i == 0 else ", ").join(
                column_label(c, LANGS[i], scheme=scheme) for c in v.split(";") if c
            )
        )
    return None


_RANDOM_TABLES = re.compile(r"^(\d+) random tables with the observed margins$")


def _note_text(text: str, i: int) -> str:
    """A test's note in ``lang`` (the Monte-Carlo note of the χ² test), else as it is."""
    m = _RANDOM_TABLES.match(text)
    if m and i == 0:
        return f"{_format.count(int(m.group(1)))} 张边际相同的随机表（蒙特卡罗法）"
    return text


def _compared_label(scheme: Scheme, code: str, i: int) -> str:
    for kind in ("groups", "dimensions", "series"):
        try:
            return scheme.label(kind, code, LANGS[i])
        except KeyError:
            continue
    return _format.cycle_title(code, LANGS[i])


def value_label(column: str, value, *, scheme: Scheme | None = None, lang: str = "zh"):
    """The label of one code ``value`` of ``column`` (the value itself when it has none).

    Examples
    --------
    >>> value_label("standing", "last_not_distinguishable")
    '末位不可区分'
    >>> value_label("group", "deputy", lang="en"), value_label("flags", "pooled_variance:deputy")
    ('Deputies and CPPCC members', '借用合并方差：人大代表/政协委员')
    """
    i = _lang(lang)
    if isinstance(value, bool | np.bool_):
        return BOOL_LABELS[bool(value)][i]
    mapper = _value_mapper(column, resolve_scheme(scheme), i)
    if mapper is None or not isinstance(value, str):
        return value
    return mapper(value)


def _map_codes(s: pd.Series, mapper) -> pd.Series:
    """Apply ``mapper`` to each distinct string value of ``s`` (others kept)."""
    values = pd.unique(s.dropna().to_numpy(dtype=object)) if len(s) else []
    table = {v: mapper(v) for v in values if isinstance(v, str)}
    if not table or all(k == v for k, v in table.items()):
        return s
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    out = s.map(table)
    keep = ~s.isin(list(table))
    return out.where(~keep, s).astype(object)


def _text_booleans(s: pd.Series) -> bool:
    """An object or text column holding only booleans or ``"True"`` / ``"False"`` (a
    nullable boolean read back from CSV)."""
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        return False
    values = s.dropna().unique().tolist()
    return bool(values) and all(
        isinstance(v, bool | np.bool_) or (isinstance(v, str) and v in ("True", "False"))
        for v in values
    )


CODE_TWINS = {"unit": "unit_name"}
"""A code column → the column naming the same thing, which a document shows instead."""


def for_language(df: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``df`` as a document shows it: one column of each :data:`LANGUAGE_TWINS` pair (in
    Chinese the twin's text under the English column's name, so its header and place; in
    English the English column alone), no code column whose name is beside it
    (:data:`CODE_TWINS`) and no ``cycle`` column holding one cycle.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"reason": ["Typed twice"], "reason_zh": ["重复录入"], "n": [1]})
    >>> for_language(df, "zh").to_dict("list"), list(for_language(df, "en"))
    ({'reason': ['重复录入'], 'n': [1]}, ['reason', 'n'])
    >>> units = pd.DataFrame({"cycle": "2026A", "unit": ["u1", "u2"], "unit_name": ["甲", "乙"]})
    >>> list(for_language(units, "zh"))
    ['unit_name']
    """
    i = _lang(lang)
    out = df
    for english, chinese in LANGUAGE_TWINS.items():
        if english in out.columns and chinese in out.columns:
            out = out.copy()
            if i == 0:
                out[english] = out[chinese]
            out = out.drop(columns=[chinese])
    # a unit is named, not coded, in a document; a table of one cycle does not repeat its code
    # on every row (the 说明 sheet names the cycle)
    codes = [c for c, named in CODE_TWINS.items() if c in out.columns and named in out.columns]
    if "cycle" in out.columns and len(out) and out["cycle"].nunique(dropna=False) == 1:
        codes.append("cycle")
    return out.drop(columns=codes) if codes else out


def relabel(
    df: pd.DataFrame, *, scheme: Scheme | str | None = None, lang: str = "zh"
) -> pd.DataFrame:
    """A copy of ``df`` with code values shown as labels; numbers and headers untouched.

    Dimension, level, group, series, grade and incident-kind codes take the scheme's labels
    (a column named by a dimension code, as in the forms table, holds level codes);
    standings, checks, severities and methods take :data:`VALUE_LABELS`; ``"all"`` in a key
    column becomes 合计 / All; flags and veto reasons become words; booleans become 是 / 否
    (Yes / No).  Unknown codes stay as they are.

    Parameters
    ----------
    df : DataFrame
    scheme : Scheme, path or None
        Default: the bundled scheme.
    lang : {"zh", "en"}

    Returns
    -------
    DataFrame
        Same shape, index and columns.

    Examples
    --------
    >>> import pandas as pd
    >>> relabel(pd.DataFrame({"grade": ["good"], "veto": [False]}), lang="en").iloc[0].tolist()
    ['Good', 'No']
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame; got {type(df).__name__}")
    i = _lang(lang)
    scheme = resolve_scheme(scheme)
    out = df.copy()
    for pos, column in enumerate(df.columns):
        s = df.iloc[:, pos]
        if pd.api.types.is_bool_dtype(s.dtype) or _text_booleans(s):
            labels = {True: BOOL_LABELS[True][i], False: BOOL_LABELS[False][i]}
            labels |= {"True": labels[True], "False": labels[False]}
            new = s.astype(object).map(labels).where(s.notna(), None)
            out.isetitem(pos, new.astype(object))
            continue
        if not isinstance(column, str) or pd.api.types.is_numeric_dtype(s.dtype):
            continue
        mapper = _value_mapper(column, scheme, i)
        if mapper is not None:
            out.isetitem(pos, _map_codes(s, mapper))
    return out


# ====================================================================== display strings
def _format_numbers(s: pd.Series, how: str, decimals: int) -> pd.Series:
    """A numeric column as display text (the rules of :mod:`evalstats.present.format`)."""
    x = s.astype("float64").to_numpy(na_value=np.nan) if len(s) else np.array([], float)
    if how == "percent":
        out = _format.fixed_array(x, 1, scale=100.0, suffix="%")
    elif how == "pvalue":
        out = _format.pvalue_array(x)
    elif how == "integer":
        out = np.array([_format.count(t) for t in x], dtype=object)
    else:
        out = _format.fixed_array(x, decimals)
    return pd.Series(out, index=s.index, dtype=object)


def present(
    df: pd.DataFrame,
    *,
    scheme: Scheme | str | None = None,
    lang: str = "zh",
    percent_columns: Collection[str] | None = None,
    decimals: int = 2,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A display copy of a tidy table: labels for codes and headers, numbers as strings.

    Scores and other numbers are shown with ``decimals`` decimals (default 2); rates, shares, their
    intervals and differences, ``p_last`` / ``p_top3``, weights and the confidence level as
    percentages with one decimal (``"93.4%"``); p-values with two decimals, three below 0.01, or
    ``"<0.001"`` (:func:`evalstats.present.format.pvalue`); integers with thousands separators;
    booleans as 是 / 否; a missing number as ``"—"``. Nothing else in the package rounds: grades and
    ranks are decided on the unrounded values (see :func:`rounding_note`).

    Parameters
    ----------
    df : DataFrame
        A table in codes (e.g. ``tables/ranking.csv``).  The index is kept.
    scheme : Scheme, path or None
        For dimension, group, series, grade and level labels (default: the bundled scheme).
    lang : {"zh", "en"}
    percent_columns : collection of str, optional
        Show exactly these numeric columns as percentages (default: by name, see
        :func:`column_format`).
    decimals : int
        Decimals of scores and other non-percentage numbers.
    labels : mapping, optional
        Header overrides, column → header.

    Returns
    -------
    DataFrame
        Every cell a string (or None for missing text), headers labelled.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"standing": ["last"], "p_last": [0.9921], "rate_pvalue": [0.0004]})
    >>> present(r).iloc[0].tolist(), list(present(r, lang="en").columns)
    (['末位', '99.2%', '<0.001'], ['Standing', 'P(last)', 'Satisfied rate, p-value'])
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative whole number; got {decimals!r}")
    if percent_columns is not None and (
        isinstance(percent_columns, str) or not isinstance(percent_columns, Collection)
    ):
        raise TypeError(
            f"percent_columns must be a collection of column names; got {percent_columns!r}"
        )
    i = _lang(lang)
    scheme = resolve_scheme(scheme)
    shown = relabel(df, scheme=scheme, lang=lang)
    for pos, column in enumerate(df.columns):
        s = df.iloc[:, pos]
        how = column_format(column, s.dtype, percent_columns=percent_columns)
        if how in ("percent", "pvalue", "integer", "decimal"):
            shown.isetitem(pos, _format_numbers(s, how, decimals))
        elif how == "datetime":
            text = s.dt.strftime("%Y-%m-%d %H:%M").astype(object)
            shown.isetitem(pos, text.where(s.notna(), ""))
    overrides = dict(labels or {})
    shown.columns = [
        overrides[c] if c in overrides else column_label(c, LANGS[i], scheme=scheme)
        for c in df.columns
    ]
    return shown


def rounding_note(lang: str = "zh", *, decimals: int = 2) -> str:
    """The sentence a report prints about rounding (DOMAIN.md: "and say so").

    Examples
    --------
    >>> rounding_note("en")
    'Scores are shown to 2 decimals and rates as percentages to 1 decimal; grades and ranks are decided on the unrounded values.'
    """  # noqa: E501
    i = _lang(lang)
    if i == 0:
        return (
            f"得分保留 {decimals} 位小数，比率以百分数表示并保留 1 位小数；"
            "等次和名次均按未经舍入的数值确定。"
        )
    return (
        f"Scores are shown to {decimals} decimals and rates as percentages to 1 decimal; "
        "grades and ranks are decided on the unrounded values."
    )


NOWRAP_CHARS = 12
"""A column whose shown values are single words of at most this many characters is not
wrapped in a report table (a Chinese unit name, a number, an interval such as ``81.46–95.14``,
``第4至7名``); values with spaces (English names) wrap, so a table stays within the page."""


def style(
    df: pd.DataFrame,
    *,
    scheme: Scheme | str | None = None,
    lang: str = "zh",
    percent_columns: Collection[str] | None = None,
    decimals: int = 2,
    labels: Mapping[str, str] | None = None,
):
    """A pandas Styler of :func:`present` for notebooks: no index, text HTML-escaped.

    Numbers are right-aligned, text left-aligned; the Styler's id is derived from the content,
    so the HTML is the same on every run.

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    shown = present(
        df,
        scheme=scheme,
        lang=lang,
        percent_columns=percent_columns,
        decimals=decimals,
        labels=labels,
    )
    numeric = [
        pos
        for pos in range(df.shape[1])
        if column_format(df.columns[pos], df.iloc[:, pos].dtype, percent_columns=percent_columns)
        in ("percent", "pvalue", "integer", "decimal")
    ]
    # a short value (a name, a number, an interval "81.46–95.14") stays on one line, so a row
    # prints as one line; long text (comments, reasons) wraps
    short = {
        p
        for p in range(shown.shape[1])
        if shown.iloc[:, p].astype(str).str.len().max(skipna=True) <= NOWRAP_CHARS
        and not shown.iloc[:, p].astype(str).str.contains(r"\s", regex=True).any()
    }
    align_cols = range(df.shape[1])
    digest = hashlib.sha256(shown.to_csv(index=False).encode("utf-8")).hexdigest()[:12]
    styler = shown.style
    styler.set_uuid(f"evalstats{digest}")
    styler = styler.hide(axis="index").format(escape="html", na_rep="")
    styler = styler.format_index(escape="html", axis=1)
    styler.set_table_attributes('class="evalstats-table"')
    align = {p: "text-align: right;" if p in numeric else "text-align: left;" for p in align_cols}
    styler.set_table_styles(
        [
            {"selector": f"th.col_heading.col{p}", "props": align[p]}  # headers may wrap
            for p in align_cols
        ]
        + [
            {
                "selector": f"td.col{p}",
                "props": align[p] + (" white-space: nowrap;" if p in short else ""),
            }
            for p in align_cols
        ],
        overwrite=True,
    )
    return styler


__all__ = [
    "ALL_LABELS",
    "ANY_LABELS",
    "BOOL_LABELS",
    "CODE_COLUMNS",
    "CODE_TWINS",
    "COLUMN_LABELS",
    "DIMENSION_LIST_COLUMNS",
    "FLAG_LABELS",
    "FORMATS",
    "LANGS",
    "LANGUAGE_TWINS",
    "MISSING",
    "NOWRAP_CHARS",
    "SCHEME_COLUMNS",
    "TABLE_LABELS",
    "VALUE_LABELS",
    "column_format",
    "column_label",
    "for_language",
    "present",
    "relabel",
    "rounding_note",
    "style",
    "value_label",
]
