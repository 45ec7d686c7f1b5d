"""The one number formatter (evalstats.present.format): every rule once, with its edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalstats.present import format as f


def test_fixed_true_minus_no_negative_zero_missing_and_infinity():
    out = f.fixed_array([1.005, -0.004, -2.5, None, np.nan, pd.NA, math.inf, -math.inf], 2)
    assert out.tolist() == ["1.00", "0.00", "−2.50", "—", "—", "—", "∞", "−∞"]
    assert f.fixed_array([], 2).tolist() == []
    assert f.score(85.435) == "85.44" and f.score(-0.001) == "0.00"
    with pytest.raises(ValueError, match="decimals must be a non-negative whole number; got -1"):
        f.fixed(1.0, -1)


def test_percent_probability_count():
    assert f.percent(12 / 77) == "15.6%"
    assert f.percent(-0.0004) == "0.0%" and f.percent(None) == "—"
    assert f.probability(0.987) == "0.99" and f.probability(np.nan) == "—"
    assert f.count(12345.0) == "12,345" and f.count(-3) == "−3" and f.count(None) == "—"
    assert f.count_words(1, "unit") == "1 unit" and f.count_words(2, "was", "were") == "2 were"


def test_signed_changes():
    assert [f.signed(x) for x in (15.046, -0.4, 0.001, -0.001, None)] == [
        "+15.05",
        "−0.40",
        "0.00",
        "0.00",
        "—",
    ]
    assert f.signed(0.041, 1, scale=100.0, suffix=" pp") == "+4.1 pp"


def test_one_pvalue_rule_for_cells_and_sentences():
    # issue 12: "p < 0.001" here, "<0.001" there -- one rule, with and without the "p";
    # issue 14 item 7 (APA 7th ed., 6.36): two decimals from 0.01, three below, then the bound
    values = [0.62, 0.02, 0.0100, 0.0099, 0.0042, 0.001, 0.000999, 0.0, 1.0, None]
    assert f.pvalue_array(values).tolist() == [
        "0.62",
        "0.02",
        "0.01",
        "0.010",
        "0.004",
        "0.001",
        "<0.001",
        "<0.001",
        "1.00",
        "—",
    ]
    assert [f.p_text(v) for v in values] == [
        "p = 0.62",
        "p = 0.02",
        "p = 0.01",
        "p = 0.010",
        "p = 0.004",
        "p = 0.001",
        "p < 0.001",
        "p < 0.001",
        "p = 1.00",
        "p = —",
    ]
    assert [f.pvalue(v) for v in (0.6204, 0.0042, 2.2e-05, float("nan"))] == [
        "0.62",
        "0.004",
        "<0.001",
        "—",
    ]
    # the workbook's number format shows the same cells
    assert f.EXCEL_NUMBER_FORMATS["pvalue"] == '[<0.001]"<0.001";[<0.01]0.000;0.00'


def test_quote_is_latin_in_english():
    assert f.quote("满意") == "“满意”"
    assert f.quote("Satisfied", "en") == '"Satisfied"'


def test_interval_and_confidence_level():
    assert f.interval(80.5, 90, fmt=f.score) == "80.50–90.00"
    assert f.interval(0.81, 0.9, fmt=f.percent, sep=" 至 ") == "81.0% 至 90.0%"
    assert f.interval(None, 3) == "—"
    assert [f.confidence_text(x) for x in (0.95, 0.975, 0.9, None)] == ["95%", "97.5%", "90%", "—"]


# ---------------------------------------------------------------------- cycle titles and dates
@pytest.mark.parametrize(
    ("cycle", "zh", "en"),
    [
        ("2026A", "2026年度", "the 2026 annual evaluation"),
        ("2026H1", "2026年上半年", "the 2026 half-year evaluation"),
        ("2025H2", "2025年下半年", "the 2025 second half-year evaluation"),
        ("pilot", "pilot", "pilot"),
    ],
)
def test_cycle_title(cycle, zh, en):
    from evalstats.present.format import cycle_title

    assert cycle_title(cycle) == zh and cycle_title(cycle, "en") == en
    assert "年年度" not in cycle_title(cycle)


def test_date_text():
    import datetime as dt

    from evalstats.present.format import date_text

    assert date_text("2026-09-14") == "2026年9月14日"
    assert date_text(dt.date(2027, 1, 5)) == "2027年1月5日"
    assert date_text(pd.Timestamp("2026-12-20 10:30")) == "2026年12月20日"
    assert date_text(dt.date(2027, 1, 5), "en") == "5 January 2027"
    assert date_text(None) == date_text("") == "—"
    with pytest.raises(TypeError, match=r"^day must be a date or YYYY-MM-DD; got 5$"):
        date_text(5)


# ---------------------------------------------------------------------- ranks and rule numbers
@pytest.mark.parametrize(
    ("low", "high", "zh", "en", "en_prose"),
    [
        (8, 8, "第8名", "8", "rank 8"),
        (6.0, 8.0, "第6至8名", "6–8", "ranks 6 to 8"),
        (1, 24, "第1至24名", "1–24", "ranks 1 to 24"),
        (None, 3, "—", "—", "—"),
        (float("nan"), float("nan"), "—", "—", "—"),
    ],
)
def test_rank_range(low, high, zh, en, en_prose):
    assert f.rank_range(low, high) == zh
    assert f.rank_range(low, high, "en") == en
    assert f.rank_range(low, high, "en", prose=True) == en_prose
    assert "–" not in zh and " 至 " not in zh


def test_number_as_the_scheme_states_it():
    assert [f.number(x) for x in (100.0, 80, 62.5, 0.4, -5, 0.0, -0.0)] == [
        "100",
        "80",
        "62.5",
        "0.4",
        "−5",
        "0",
        "0",
    ]
    assert f.number(0.07 * 100) == "7"  # not 7.000000000000001
    assert f.number(1_000_000) == "1000000" and f.number(None) == "—"
    assert f.number(float("inf")) == "∞"


@given(
    x=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-1e-3, 1e-3)),
    decimals=st.integers(0, 4),
    scaled=st.sampled_from([(1.0, ""), (100.0, "%"), (1e300, "")]),
)
def test_fixed_of_one_float_is_fixed_array(x, decimals, scaled):
    # fixed() formats a plain float without arrays; it must give fixed_array's text exactly
    scale, suffix = scaled
    for v in (x, np.float64(x), np.float32(x) if abs(x) < 3e38 or not math.isfinite(x) else x):
        want = str(f.fixed_array([v], decimals, scale=scale, suffix=suffix)[0])
        assert f.fixed(v, decimals, scale=scale, suffix=suffix) == want
