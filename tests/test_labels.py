"""Tests of the bilingual presentation of tables (evalstats.present.labels)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalstats.core.scheme import load_scheme
from evalstats.inputs.validate import validate_cycle
from evalstats.present.labels import (
    ALL_LABELS,
    COLUMN_LABELS,
    VALUE_LABELS,
    column_format,
    column_label,
    present,
    relabel,
    rounding_note,
    style,
    value_label,
)
from evalstats.stats.pipeline import score_cycle, score_year

ROOT = Path(__file__).resolve().parents[1]
SCHEME = load_scheme()


@pytest.fixture(scope="module")
def demo():
    h1v = validate_cycle(ROOT / "data" / "raw" / "2026H1")
    av = validate_cycle(ROOT / "data" / "raw" / "2026A")
    h1 = score_cycle(h1v, n_resamples=50, rng=1)
    a = score_cycle(av, n_resamples=50, rng=1)
    return h1v, h1, a, score_year(h1, a, n_resamples=50, rng=1)


def _constants(module: str, *names: str) -> list[str]:
    """Column lists a module declares (modules still being written may lack some)."""
    try:
        mod = importlib.import_module(module)
    except ImportError:  # pragma: no cover - a module not written yet
        return []
    out: list[str] = []
    for name in names:
        out.extend(getattr(mod, name, []))
    return out


def _vocabulary(demo) -> set[str]:
    h1v, h1, a, year = demo
    cols = set()
    cols |= set(_constants("evalstats.stats.score", "METRIC_COLUMNS", "SCORES_COLUMNS"))
    cols |= set(_constants("evalstats.stats.score", "COMPOSITE_COLUMNS"))
    cols |= set(_constants("evalstats.stats.rank", "RANKING_COLUMNS", "UNCERTAINTY_COLUMNS"))
    cols |= set(_constants("evalstats.stats.rank", "VETO_COLUMNS"))
    cols |= set(_constants("evalstats.counts.tally", "TALLY_COLUMNS"))
    cols |= set(_constants("evalstats.core.errors", "PROBLEM_COLUMNS"))
    cols |= set(_constants("evalstats.inputs.forms", "BASE_COLUMNS", "META_COLUMNS"))
    cols |= set(_constants("evalstats.stats.compare", "RESULT_COLUMNS", "COMPARE_COLUMNS"))
    cols |= set(_constants("evalstats.stats.compare", "MOVEMENT_COLUMNS"))
    cols |= set(_constants("evalstats.stats.quality", "QUALITY_COLUMNS", "RESPONSE_RATE_COLUMNS"))
    cols |= set(_constants("evalstats.stats.quality", "CHANGE_COLUMNS"))
    cols |= set(_constants("evalstats.stats.reliability", "ITEM_COLUMNS", "RESULT_COLUMNS"))
    for frame in (h1.scores, h1.ranking, h1.composites, year, h1v.units, h1v.incidents):
        cols |= set(frame.columns)
    for frame in (h1v.voided, h1v.exclusions, h1v.duplicates, h1v.problems, h1v.inputs):
        cols |= set(frame.columns)
    if h1v.forms_issued is not None:
        cols |= set(h1v.forms_issued.columns)
    reliability = importlib.import_module("evalstats.stats.reliability")
    if hasattr(reliability, "alpha_by"):
        cols |= set(reliability.alpha_by(h1v.forms, scheme=SCHEME).columns)
    compare = importlib.import_module("evalstats.stats.compare")
    if hasattr(compare, "compare_cycles"):
        cols |= set(compare.compare_cycles(h1.counts, a.counts, scheme=SCHEME).columns)
    # the forms table has one column per dimension: the scheme labels those
    return cols - set(SCHEME.dimension_codes)


def test_every_vocabulary_column_has_a_label(demo):
    missing = sorted(c for c in _vocabulary(demo) if c not in COLUMN_LABELS)
    assert missing == [], f"columns without a label in COLUMN_LABELS: {missing}"


def test_labels_are_unique_and_non_empty():
    for i in (0, 1):
        labels = [pair[i] for pair in COLUMN_LABELS.values()]
        dup = sorted({x for x in labels if labels.count(x) > 1} - {"SHA-256"})
        assert dup == []
        assert all(x.strip() for x in labels)


def test_column_label_fallback_and_scheme_columns():
    assert column_label("n_forms") == "回收问卷数"
    assert column_label("n_forms", "en") == "Forms returned"
    assert column_label("share_of_all_votes") == "占总评议票数"
    assert column_label("not_a_column") == "not_a_column"
    assert column_label(3) == "3"
    assert column_label("integrity", scheme=SCHEME) == "清正廉洁"
    assert column_label("dissatisfied", "en", scheme=SCHEME) == "Dissatisfied"
    assert column_label("integrity") == "integrity"  # without a scheme: the code


def test_lang_is_checked():
    with pytest.raises(ValueError) as e:
        column_label("score", "fr")
    assert str(e.value) == "lang must be one of 'zh', 'en'; got 'fr'"
    with pytest.raises(ValueError, match=r"^lang must be one of 'zh', 'en'; got 'ZH'$"):
        present(pd.DataFrame({"score": [1.0]}), lang="ZH")


def test_value_labels():
    for code, zh, en in [
        ("top3", "前三", "Top 3"),
        ("last", "末位", "Last"),
        ("last_not_distinguishable", "末位不可区分", "Last, not distinguishable"),
    ]:
        assert value_label("standing", code) == zh
        assert value_label("standing", code, lang="en") == en
        assert value_label("standing_after", code) == zh
    assert value_label("veto", True) == "是"
    assert value_label("veto", np.bool_(False), lang="en") == "No"
    assert value_label("dimension", "all") == "合计"
    assert value_label("unit", "all", lang="en") == "All"
    assert value_label("grade", "excellent") == "优秀"
    assert value_label("grade_excl_flagged", "poor", lang="en") == "Poor"
    assert value_label("series", "public_service") == "公共服务"
    assert value_label("level", "unknown") == "不了解"
    assert value_label("level", "blank") == "未填写"
    assert value_label("kind", "major_accident") == "重大责任事故"
    assert value_label("check", "burst") == "集中提交"
    assert value_label("standing", "no_such_code") == "no_such_code"
    assert value_label("comment", "all") == "all"  # not a key column
    assert value_label("score", 3.5) == 3.5


def test_flags_and_veto_reasons_in_words():
    flags = "group_missing:deputy;pooled_variance:supervisor;low_confidence;one_cycle_only:2026H1"
    assert value_label("flags", flags) == (
        "缺少评议人类别：人大代表/政协委员；借用合并方差：社会义务监督员；样本偏少；"
        "仅一期有数据：2026年上半年"
    )
    assert value_label("flags", "dimension_no_valid:integrity;new_flag", lang="en") == (
        "no valid answer for dimension: Honesty and integrity; new_flag"
    )
    # rank.veto_sentence's own docstring example
    reason = "incident:major_accident 2026-09-12;composite_below_threshold:57.3<60"
    assert value_label("veto_reason", reason) == (
        "一票否决：2026年9月12日发生重大责任事故；综合得分 57.30 低于否决线 60 分。"
    )
    assert value_label("veto_reason", "not a reason") == "not a reason"


def test_relabel_keeps_numbers_and_shape():
    df = pd.DataFrame(
        {
            "group": pd.Categorical(["enterprise", "all"]),
            "grade": pd.Categorical(["good", "fair"], categories=list(SCHEME.grade_codes)),
            "score": [81.234, 74.0],
            "tied": [False, True],
            "transparency": ["satisfied", None],
        },
        index=[10, 20],
    )
    before = df.copy()
    out = relabel(df)
    pd.testing.assert_frame_equal(df, before)  # input untouched
    assert out.index.tolist() == [10, 20]
    assert out["group"].tolist() == ["企业", "合计"]
    assert out["grade"].tolist() == ["良好", "一般"]
    assert out["score"].tolist() == [81.234, 74.0]
    assert out["tied"].tolist() == ["否", "是"]
    assert out["transparency"].tolist()[0] == "满意"
    assert pd.isna(out["transparency"].iloc[1])
    with pytest.raises(TypeError, match=r"^df must be a pandas DataFrame; got list$"):
        relabel([1, 2])


def test_column_format():
    f, i, b = np.dtype(float), np.dtype("int64"), np.dtype(bool)
    kinds = {
        c: column_format(c, f)
        for c in [
            "satisfied_rate",
            "satisfied_ci_low",
            "share_of_all_votes",
            "rate_diff_ci_high",
            "satisfied_rate_before",
            "p_last",
            "p_top3",
            "weight_annual",
            "confidence_level",
            "rate",
            "pvalue",
            "rate_pvalue_adjusted",
            "score",
            "rate_statistic",
            "alpha",
            "composite_year",
        ]
    }
    assert kinds == {
        "satisfied_rate": "percent",
        "satisfied_ci_low": "percent",
        "share_of_all_votes": "percent",
        "rate_diff_ci_high": "percent",
        "satisfied_rate_before": "percent",
        "p_last": "percent",
        "p_top3": "percent",
        "weight_annual": "percent",
        "confidence_level": "percent",
        "rate": "percent",
        "pvalue": "pvalue",
        "rate_pvalue_adjusted": "pvalue",
        "score": "decimal",
        "rate_statistic": "decimal",
        "alpha": "decimal",
        "composite_year": "decimal",
    }
    assert column_format("n_valid", i) == "integer"
    assert column_format("rank", pd.Int64Dtype()) == "integer"
    assert column_format("veto", b) == "bool"
    assert column_format("unit_name", np.dtype(object)) == "text"
    assert column_format("submitted_at", np.dtype("datetime64[ns]")) == "datetime"
    assert column_format("score", f, percent_columns=["score"]) == "percent"
    assert column_format("satisfied_rate", f, percent_columns=[]) == "decimal"


def test_present_exact_strings():
    df = pd.DataFrame(
        {
            "dimension": ["efficiency", "all", "integrity", "service"],
            "n_valid": pd.array([1234, 5, None, 0], dtype="Int64"),
            "satisfied_rate": [0.93351, 1.0, np.nan, 0.0004],
            # 88.125 is exact in binary: "%.2f" rounds the tie to even -> 88.12
            "score": [88.125, 90.0, np.nan, -0.001],
            "rate_diff": [-0.0001, 0.0251, 0.5, -0.5],
            "pvalue": [0.0004, 0.001, 0.0234, np.nan],
            "low_confidence": [True, False, True, False],
            "standing": ["top3", "", "last", "last_not_distinguishable"],
        }
    )
    out = present(df)
    assert list(out.columns) == [
        "评议内容",
        "有效票数",
        "满意率",
        "测评得分",
        "满意率变化",
        "P值",
        "样本偏少",
        "定位",
    ]
    assert out.to_dict("list") == {
        "评议内容": ["办事效率", "合计", "清正廉洁", "服务质量"],
        "有效票数": ["1,234", "5", "—", "0"],
        "满意率": ["93.4%", "100.0%", "—", "0.0%"],
        "测评得分": ["88.12", "90.00", "—", "0.00"],
        "满意率变化": ["0.0%", "2.5%", "50.0%", "−50.0%"],  # one formatter: true minus
        "P值": ["<0.001", "0.001", "0.02", "—"],  # APA: 2 decimals from 0.01
        "样本偏少": ["是", "否", "是", "否"],
        "定位": ["前三", "", "末位", "末位不可区分"],
    }
    en = present(df, lang="en", decimals=1)
    assert en["Score"].tolist() == ["88.1", "90.0", "—", "0.0"]
    assert en["Standing"].tolist() == ["Top 3", "", "Last", "Last, not distinguishable"]
    assert en["Low confidence"].tolist() == ["Yes", "No", "Yes", "No"]


def test_present_options_and_errors():
    df = pd.DataFrame({"score": [0.5], "satisfied_rate": [0.5], "x": [np.inf]})
    out = present(df, percent_columns=["score"], labels={"x": "X 值"})
    assert out.iloc[0].tolist() == ["50.0%", "0.50", "∞"]
    assert list(out.columns) == ["测评得分", "满意率", "X 值"]
    with pytest.raises(ValueError) as e:
        present(df, decimals=-1)
    assert str(e.value) == "decimals must be a non-negative whole number; got -1"
    with pytest.raises(TypeError) as e:
        present(df, percent_columns="score")
    assert str(e.value) == "percent_columns must be a collection of column names; got 'score'"


def test_present_demo_ranking(demo):
    _, h1, _, _ = demo
    out = present(h1.ranking)
    assert len(out) == len(h1.ranking)
    assert set(out["定位"]) <= {"前三", "末位", "末位不可区分", ""}
    assert set(out["等次"]) <= {"优秀", "良好", "一般", "较差"}
    assert out["综合得分"].str.fullmatch(r"\d+\.\d\d").all()
    assert out["末位概率"].str.fullmatch(r"\d+\.\d%").all()
    assert set(out["序列"]) == {"行政管理", "行政执法", "公共服务"}


def test_rounding_note():
    assert rounding_note() == (
        "得分保留 2 位小数，比率以百分数表示并保留 1 位小数；等次和名次均按未经舍入的数值确定。"
    )
    assert rounding_note("en", decimals=1) == (
        "Scores are shown to 1 decimals and rates as percentages to 1 decimal; grades and "
        "ranks are decided on the unrounded values."
    )


def test_style_escapes_and_is_deterministic():
    df = pd.DataFrame(
        {"unit_name": ["<script>alert(1)</script>", "财政所"], "composite": [88.0, 70.5]}
    )
    html = style(df).to_html()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "88.00" in html and "单位名称" in html
    assert "row_heading" not in html  # index hidden
    assert html == style(df.copy()).to_html()
    assert "td.col1" in html and "text-align: right" in html


@given(
    st.lists(
        st.floats(min_value=0, max_value=1, allow_nan=False),
        min_size=1,
        max_size=20,
    )
)
def test_percent_strings_read_back_within_half_a_unit(rates):
    out = present(pd.DataFrame({"satisfied_rate": rates}))["满意率"]
    back = out.str.rstrip("%").astype(float).to_numpy()
    assert np.all(np.abs(back - np.asarray(rates) * 100) <= 0.05 + 1e-9)
    assert out.str.fullmatch(r"\d{1,3}\.\d%").all()


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), max_size=20))
def test_decimal_strings_read_back_and_keep_order(scores):
    df = pd.DataFrame({"score": scores}, index=range(100, 100 + len(scores)))
    out = present(df)
    assert out.index.tolist() == df.index.tolist()
    shown = out["测评得分"].str.replace("\u2212", "-")  # the display's true minus sign
    assert not out["测评得分"].str.contains("-", regex=False).any()
    back = shown.astype(float).to_numpy() if len(scores) else np.array([])
    assert np.all(np.abs(back - np.asarray(scores, float)) <= 0.005 + 1e-6)


def test_all_label_constant():
    assert ALL_LABELS == ("合计", "All")
    assert VALUE_LABELS["standing"]["last"] == ("末位", "Last")


def test_public_tier_columns_have_labels():
    from evalstats.analyses.cycle import PUBLIC_QUALITY_COLUMNS
    from evalstats.stats.privacy import SUPPRESSED_COLUMNS, VIOLATION_COLUMNS

    cols = {*PUBLIC_QUALITY_COLUMNS, *SUPPRESSED_COLUMNS, *VIOLATION_COLUMNS}
    assert sorted(c for c in cols if c not in COLUMN_LABELS) == []
    assert column_label("n_flags", "en") == "Flags raised"


def test_style_keeps_single_words_on_one_line_and_lets_spaced_text_wrap():
    """An interval or a Chinese name prints on one line (a row per unit); an English name with
    spaces wraps, so a wide English table stays within the printed page (it was cut off)."""
    df = pd.DataFrame(
        {
            "unit_name": ["Comprehensive Governance Office", "Finance Office"],
            "composite": [82.0, 90.14],
            "interval": ["76.91–87.09", "86.72–93.29"],
            "series_zh": ["行政管理", "公共服务"],
            "comment": ["这是一条很长的意见建议，超过了十二个字符。", "短"],
        }
    )
    css = style(df).to_html()
    nowrap = {int(m) for m in re.findall(r"td\.col(\d+) \{[^}]*nowrap", css)}
    assert nowrap == {1, 2, 3}
    assert not re.findall(r"th\.col_heading\.col\d+ \{[^}]*nowrap", css)  # headers wrap
