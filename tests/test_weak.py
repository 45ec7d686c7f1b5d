"""Tests of evalstats.stats.weak: the weak-item rule (薄弱项) of the 整改清单, issue 14 item 4."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstats.core.errors import SchemeError
from evalstats.core.scheme import WeakRule, load_scheme
from evalstats.present.words import weak_rule_text
from evalstats.stats.weak import WEAK_REASON_COLUMNS, WEAK_RULES, weak_reasons

S = load_scheme()


def _with_rule(**kw):
    return dataclasses.replace(S, rules=dataclasses.replace(S.rules, weak=WeakRule(**kw)))


@st.composite
def series(draw, min_units=2, max_units=12):
    """One series × dimension: per unit a score, the upper end of its interval, n and k."""
    n_units = draw(st.integers(min_units, max_units))
    rows = []
    for _ in range(n_units):
        n = draw(st.integers(0, 120))
        k = draw(st.integers(0, n))
        score = draw(st.floats(0, 100, allow_nan=False))
        width = draw(st.floats(0, 30, allow_nan=False))
        rows.append((score, min(100.0, score + width), n, k))
    return pd.DataFrame(
        rows, columns=["weighted_score", "weighted_score_ci_high", "n_valid", "n_dissatisfied"]
    ).assign(series="s", dimension="service")


@settings(max_examples=150, deadline=None)
@given(series())
def test_no_weak_item_at_or_above_the_series_median(rows):
    out = weak_reasons(rows)
    assert list(out.columns) == WEAK_REASON_COLUMNS
    weak = out["weak_reason"] != ""
    median = rows["weighted_score"].median()
    assert (rows.loc[weak, "weighted_score"] < median).all()
    for reason in out.loc[weak, "weak_reason"]:
        assert set(reason.split(";")) <= set(WEAK_RULES)
    # each reason holds exactly when its conditions do
    rule = S.rules.weak
    clearly = (rows["weighted_score"] < median) & (rows["weighted_score_ci_high"] < median)
    assert (out["weak_reason"].str.contains(WEAK_RULES[0]) == clearly).all()
    high = out["weak_reason"].str.contains(WEAK_RULES[1])
    assert (rows.loc[high, "n_dissatisfied"] >= rule.min_dissatisfied).all()
    assert (
        out.loc[high, "dissatisfied_ci_low"] > out.loc[high, "series_median_dissatisfied_rate"]
    ).all()
    assert (
        out.loc[high, "dissatisfied_rate"] >= out.loc[high, "series_high_dissatisfied_rate"]
    ).all()


@settings(max_examples=150, deadline=None)
@given(series(), st.integers(1, 200), st.floats(0, 20, allow_nan=False))
def test_adding_a_unit_better_than_all_keeps_every_weak_item_weak(rows, n, margin):
    before = weak_reasons(rows)["weak_reason"]
    best = pd.DataFrame(
        {
            "weighted_score": [rows["weighted_score"].max() + margin + 1e-6],
            "weighted_score_ci_high": [100.0],
            "n_valid": [n],
            "n_dissatisfied": [0],  # the lowest rate possible
            "series": "s",
            "dimension": "service",
        }
    )
    after = weak_reasons(pd.concat([rows, best], ignore_index=True))["weak_reason"]
    assert after.iloc[-1] == ""  # the new best unit is not weak
    for i, reason in before.items():
        # a weak item stays weak, for at least the same reasons
        assert set(filter(None, reason.split(";"))) <= set(filter(None, after[i].split(";")))


@settings(max_examples=100, deadline=None)
@given(series())
def test_row_order_changes_nothing(rows):
    out = weak_reasons(rows)
    perm = np.random.default_rng(0).permutation(len(rows))
    shuffled = weak_reasons(rows.iloc[perm])
    pd.testing.assert_frame_equal(out.iloc[perm], shuffled)


def test_series_and_dimensions_are_separate():
    rows = pd.DataFrame(
        {
            "series": ["a", "a", "a", "b", "b", "b"],
            "dimension": "service",
            "weighted_score": [95.0, 90.0, 60.0, 60.0, 55.0, 50.0],
            "weighted_score_ci_high": [99.0, 95.0, 70.0, 65.0, 62.0, 54.0],
            "n_valid": 80,
            "n_dissatisfied": [0, 1, 20, 20, 21, 22],
        }
    )
    out = weak_reasons(rows)
    # in series a the 60 is clearly weak; in series b 50 is below its own median 55
    assert out["weak_reason"].tolist() == [
        "",
        "",
        "below_series_median;high_dissatisfied_rate",
        "",
        "",
        "below_series_median",
    ]
    assert out["series_median"].tolist() == [90.0, 90.0, 90.0, 55.0, 55.0, 55.0]


def test_demo_case_above_median_on_five_votes_is_not_weak():
    # the demo's 经发办 at the year end: 清正廉洁 92.12 against a series median 91.34, 5 of 78
    # answers 不满意 — the old rule (highest 不满意率 of the series) listed it
    rows = pd.DataFrame(
        {
            "series": "administration",
            "dimension": "integrity",
            "weighted_score": [92.12, 91.34, 90.5, 93.0, 91.0, 89.0, 92.5],
            "weighted_score_ci_high": [96.9, 95.0, 94.0, 97.0, 95.0, 93.5, 96.0],
            "n_valid": [78, 70, 70, 70, 70, 70, 70],
            "n_dissatisfied": [5, 1, 1, 0, 1, 2, 0],
        }
    )
    assert weak_reasons(rows)["weak_reason"].iloc[0] == ""


def test_rule_options_from_the_scheme():
    rows = pd.DataFrame(
        {
            "series": "s",
            "dimension": "service",
            "weighted_score": [95.0, 90.0, 85.0, 80.0],
            "weighted_score_ci_high": [99.0, 95.0, 95.0, 84.0],
            "n_valid": 80,
            "n_dissatisfied": [0, 1, 2, 3],
        }
    )
    # default: 80 is clearly below (84 < 87.5); 3 votes but the rate's interval reaches the
    # series median rate, so not "high"
    assert weak_reasons(rows)["weak_reason"].tolist() == ["", "", "", "below_series_median"]
    off = _with_rule(score_interval_below_median=False)
    assert weak_reasons(rows, scheme=off)["weak_reason"].tolist() == ["", "", "", ""]
    loose = _with_rule(score_interval_below_median=False, dissatisfied_interval_above_median=False)
    assert weak_reasons(rows, scheme=loose)["weak_reason"].tolist() == [
        "",
        "",
        "",
        "high_dissatisfied_rate",
    ]
    strict = _with_rule(
        score_interval_below_median=False,
        dissatisfied_interval_above_median=False,
        min_dissatisfied=4,
    )
    assert weak_reasons(rows, scheme=strict)["weak_reason"].tolist() == ["", "", "", ""]


def test_weak_reasons_errors():
    with pytest.raises(ValueError) as e:
        weak_reasons(pd.DataFrame({"series": ["s"]}))
    assert str(e.value) == (
        "rows lacks column(s) ['dimension', 'weighted_score', 'weighted_score_ci_high', "
        "'n_valid', 'n_dissatisfied']; it needs ['series', 'dimension', 'weighted_score', "
        "'weighted_score_ci_high', 'n_valid', 'n_dissatisfied']"
    )
    with pytest.raises(TypeError) as e:
        weak_reasons([1])
    assert str(e.value) == "rows must be a pandas DataFrame; got list"


def _scheme_text(weak_table: str) -> str:
    from evalstats.core.scheme import default_scheme_path

    text = default_scheme_path().read_text(encoding="utf-8")
    start = text.index("[rules.weak]")
    end = text.index("\n\n", start)
    return text[:start] + weak_table + text[end:]


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        ("[rules.weak]\nfoo = 1", "rules.weak.foo", "unknown key"),
        ("[rules.weak]\nmin_dissatisfied = 0", "rules.weak.min_dissatisfied", "at least 1"),
        (
            "[rules.weak]\ndissatisfied_quantile = 1.5",
            "rules.weak.dissatisfied_quantile",
            "0 and 1",
        ),
        ("[rules.weak]\nmin_dissatisfied = 2.5", "rules.weak.min_dissatisfied", "whole number"),
    ],
)
def test_scheme_weak_table_errors(tmp_path, table, key, message):
    p = tmp_path / "s.toml"
    p.write_text(_scheme_text(table), encoding="utf-8")
    with pytest.raises(SchemeError) as e:
        load_scheme(p)
    assert key in str(e.value) and message in str(e.value)


def test_scheme_without_weak_table_gets_the_defaults(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(_scheme_text(""), encoding="utf-8")
    assert load_scheme(p).rules.weak == WeakRule()
    partial = tmp_path / "p.toml"
    partial.write_text(_scheme_text("[rules.weak]\nmin_dissatisfied = 5"), encoding="utf-8")
    assert load_scheme(partial).rules.weak == WeakRule(min_dissatisfied=5)


def test_weak_rule_text_follows_the_scheme():
    zh = weak_rule_text()
    assert "至少有 3 票不满意" in zh and "前 25%" in zh and "95% 置信区间上限" in zh
    assert "处于或高于中位数的，不认定为薄弱项" in zh
    en = weak_rule_text(lang="en", confidence_level=0.9)
    assert "90% confidence interval" in en and "never weak" in en
    only_rate = _with_rule(score_interval_below_median=False, min_dissatisfied=4)
    text = weak_rule_text(only_rate)
    assert "置信区间上限" not in text and "至少有 4 票不满意" in text and "符合下列之一" not in text
