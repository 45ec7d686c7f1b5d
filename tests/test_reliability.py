"""Tests of evalstats.stats.reliability."""

from __future__ import annotations

import dataclasses
import importlib.util
import platform
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import special

from evalstats.core.scheme import load_scheme
from evalstats.counts.tally import pattern_counts
from evalstats.present.words import alpha_sentence
from evalstats.stats.reliability import (
    NOTE_ZERO_VARIANCE,
    AlphaResult,
    alpha_by,
    cronbach_alpha,
    feldt_interval,
    items_from_forms,
    items_from_patterns,
)

_spec = importlib.util.spec_from_file_location(
    "reference_reliability_alpha", Path(__file__).parent / "reference" / "reliability_alpha.py"
)
REF = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REF)

SCHEME = load_scheme()
DIMS = list(SCHEME.dimension_codes)
ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------- independent helpers
def anova_alpha(x: np.ndarray) -> float:
    """Alpha as 1 − MS_residual / MS_persons of the persons × items two-way ANOVA (Hoyt)."""
    n, k = x.shape
    grand = x.mean()
    ss_p = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_i = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_res = ((x - grand) ** 2).sum() - ss_p - ss_i
    return 1.0 - (ss_res / ((n - 1) * (k - 1))) / (ss_p / (n - 1))


def feldt_by_beta(alpha: float, n: int, k: int, level: float) -> tuple[float, float]:
    """Feldt interval with F quantiles taken from the beta distribution (another code path).

    If B ~ Beta(d1/2, d2/2) then d2·B / (d1·(1 − B)) ~ F(d1, d2).
    """
    d1, d2 = n - 1, (n - 1) * (k - 1)

    def fq(p):
        b = special.betaincinv(d1 / 2, d2 / 2, p)
        return d2 * b / (d1 * (1 - b))

    g = 1 - level
    return 1 - (1 - alpha) * fq(1 - g / 2), 1 - (1 - alpha) * fq(g / 2)


def make_forms(rows, *, unit="U1", group="public", cycle="2026H1"):
    """A forms table from rows of level codes (None = blank), one column per dimension."""
    n = len(rows)
    data = {
        "cycle": [cycle] * n,
        "form_id": [f"F{i}" for i in range(n)],
        "unit": pd.Categorical([unit] * n if isinstance(unit, str) else unit),
        "group": pd.Categorical(
            [group] * n if isinstance(group, str) else group, categories=SCHEME.group_codes
        ),
    }
    for j, d in enumerate(DIMS):
        data[d] = pd.Categorical([r[j] for r in rows], dtype=SCHEME.level_dtype)
    return pd.DataFrame(data)


POINTS = {v.code: v.points for v in SCHEME.levels}
LEVELS = [*SCHEME.level_codes, None]


# ---------------------------------------------------------------------- known answers
def test_issue_example_is_63_over_86():
    res = cronbach_alpha(pd.DataFrame(REF.ISSUE_ITEMS))
    # issue 4: alpha = 63/86 (hand derivation in tests/reference/reliability_alpha.py)
    assert res.alpha == pytest.approx(float(REF.ISSUE_ALPHA), rel=1e-14, abs=0)
    assert (res.n, res.k, res.ci_method, res.nan_policy, res.note) == (
        5,
        3,
        "feldt",
        "listwise",
        "",
    )
    sd = [float(v) ** 0.5 for v in REF.ISSUE_ITEM_VARIANCES]
    np.testing.assert_allclose(res.items["sd"], sd, rtol=1e-14)
    np.testing.assert_allclose(res.items["mean"], [3.2, 3.4, 3.8], rtol=1e-14)
    assert res.items["n"].tolist() == [5, 5, 5]
    assert res.items["item"].tolist() == ["A", "B", "C"]


def test_issue_example_item_statistics_by_hand():
    res = cronbach_alpha(pd.DataFrame(REF.ISSUE_ITEMS))
    x = pd.DataFrame(REF.ISSUE_ITEMS)
    for i, item in enumerate(x.columns):
        rest = x.drop(columns=item)
        # corrected item-total r: the item against the sum of the OTHER items
        r = np.corrcoef(x[item], rest.sum(axis=1))[0, 1]
        assert res.items.loc[i, "corrected_item_total_r"] == pytest.approx(r, rel=1e-12)
        # alpha if deleted, exact fractions: k = 2, variances of the two remaining items
        v = [Fraction(str(round(float(rest[c].var()), 12))) for c in rest]
        vt = Fraction(str(round(float(rest.sum(axis=1).var()), 12)))
        aid = 2 * (1 - sum(v) / vt)
        assert res.items.loc[i, "alpha_if_deleted"] == pytest.approx(float(aid), rel=1e-12)


def test_likert_15x10_matches_pingouin_and_psych():
    res = cronbach_alpha(pd.DataFrame(REF.LIKERT_15x10))
    # pingouin docstring (tested against R psych): 0.5917188485995826, CI [0.195, 0.84]
    assert res.alpha == pytest.approx(REF.LIKERT_ALPHA, rel=1e-12)
    assert (round(res.ci_low, 3), round(res.ci_high, 3)) == REF.LIKERT_CI_3DP
    assert (res.n, res.k) == (15, 10)


def test_wide_missing_alphas_match_pingouin():
    data = pd.DataFrame(REF.WIDE_MISSING)
    # pingouin docstring, R psych::alpha(data, use="pairwise"): 0.732660835214447
    pw = cronbach_alpha(data, nan_policy="pairwise")
    assert pw.alpha == pytest.approx(REF.WIDE_PAIRWISE_ALPHA, rel=1e-12)
    # evalstats: n = smallest number of forms answering both items of a pair (Q1 & Q3: 10)
    assert pw.n == 10
    assert pw.items["n"].tolist() == [11, 12, 11, 12, 11, 12, 12, 12, 11, 12, 12]
    # pingouin docstring, R psych::alpha(data, use="complete.obs"): 0.8016949152542373
    lw = cronbach_alpha(data)
    assert lw.alpha == pytest.approx(REF.WIDE_LISTWISE_ALPHA, rel=1e-12)
    assert lw.n == 9  # the 9 complete rows (pingouin's interval uses 12)
    # pingouin's intervals are Feldt's at n = 12: same formula
    for a, ci in (
        (REF.WIDE_PAIRWISE_ALPHA, REF.WIDE_PAIRWISE_CI_N12_3DP),
        (REF.WIDE_LISTWISE_ALPHA, REF.WIDE_LISTWISE_CI_N12_3DP),
    ):
        low, high = feldt_interval(a, 12, 11)
        assert (round(low, 3), round(high, 3)) == ci
    # pingouin docstring: median-filled data (complete, n = 12): 0.7380191693290734 [0.447, 0.911]
    filled = cronbach_alpha(data.fillna(data.median()))
    assert filled.alpha == pytest.approx(REF.WIDE_MEDIAN_FILLED_ALPHA, rel=1e-12)
    assert (round(filled.ci_low, 3), round(filled.ci_high, 3)) == REF.WIDE_MEDIAN_FILLED_CI_3DP


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("data", ["ISSUE_ITEMS", "LIKERT_15x10"])
def test_feldt_against_independent_computation(data, level):
    x = pd.DataFrame(getattr(REF, data))
    res = cronbach_alpha(x, confidence_level=level)
    arr = x.to_numpy(float)
    assert res.alpha == pytest.approx(anova_alpha(arr), rel=1e-12)
    low, high = feldt_by_beta(anova_alpha(arr), *arr.shape, level)
    assert res.ci_low == pytest.approx(low, rel=1e-10)
    assert res.ci_high == pytest.approx(high, rel=1e-10)
    assert res.confidence_level == level


def test_feldt_direction_wider_at_higher_level_and_lower_bound_below():
    x = pd.DataFrame(REF.LIKERT_15x10)
    r90 = cronbach_alpha(x, confidence_level=0.9)
    r99 = cronbach_alpha(x, confidence_level=0.99)
    assert r99.ci_low < r90.ci_low < r90.alpha < r90.ci_high < r99.ci_high


def test_feldt_interval_vectorised():
    low, high = feldt_interval(np.array([0.5, 0.8]), np.array([15, 100]), 5)
    assert low.shape == (2,)
    for i, (a, n) in enumerate(((0.5, 15), (0.8, 100))):
        lo, hi = feldt_by_beta(a, n, 5, 0.95)
        assert low[i] == pytest.approx(lo, rel=1e-10)
        assert high[i] == pytest.approx(hi, rel=1e-10)


# ---------------------------------------------------------------------- result object
def test_result_frame_and_frozen():
    res = cronbach_alpha(pd.DataFrame(REF.ISSUE_ITEMS))
    f = res.to_frame()
    assert list(f.columns) == [
        "alpha",
        "ci_low",
        "ci_high",
        "confidence_level",
        "n",
        "k",
        "ci_method",
        "nan_policy",
        "note",
    ]
    assert f.loc[0, "alpha"] == res.alpha and f.loc[0, "n"] == 5
    assert list(res.items.columns) == [
        "item",
        "corrected_item_total_r",
        "alpha_if_deleted",
        "mean",
        "sd",
        "n",
    ]
    assert res.method == "feldt"
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.alpha = 1.0  # type: ignore[misc]
    assert isinstance(res, AlphaResult)


def test_two_items_alpha_if_deleted_is_nan_and_constant_item_r_is_nan():
    res = cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 3, 5]}))
    assert res.items["alpha_if_deleted"].isna().all()
    res = cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [2, 3, 3], "c": [5, 5, 5]}))
    assert np.isnan(res.items.loc[2, "corrected_item_total_r"])
    assert res.items.loc[2, "sd"] == 0
    assert not np.isnan(res.alpha)


def test_zero_total_variance_gives_nan_and_note():
    res = cronbach_alpha(pd.DataFrame({"a": [100, 100, 100], "b": [80, 80, 80]}))
    assert np.isnan(res.alpha) and np.isnan(res.ci_low) and np.isnan(res.ci_high)
    assert res.note == NOTE_ZERO_VARIANCE
    assert alpha_sentence(res, "en") == (
        "Internal consistency of the two items cannot be computed (n = 3 complete forms): "
        "every form used gives the same total score."
    )
    assert alpha_sentence(res) == (
        "两项评议内容的内部一致性无法计算（n = 3 份完整问卷）："
        "所用问卷的总分完全相同，没有可比较的差异。"
    )


def test_rounding_residue_of_a_zero_variance_is_zero():
    # found by hypothesis: every total is 4, but the summed covariances leave a residue
    x = pd.DataFrame([[0, 0, 0, 1, 3], [0, 0, 0, 3, 1], [0, 0, 1, 1, 2]], dtype=float)
    for cols in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]):
        res = cronbach_alpha(x[cols])
        assert np.isnan(res.alpha) and res.note == NOTE_ZERO_VARIANCE
    # item 2's other items always sum to 1: its corrected item-total r is undefined
    x = pd.DataFrame([[0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 1, 1, 0]], dtype=float)
    for cols in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0]):
        res = cronbach_alpha(x[cols]).items.set_index("item")
        assert np.isnan(res.loc["2", "corrected_item_total_r"])
        assert np.isnan(res.loc["2", "alpha_if_deleted"])


def test_listwise_drops_incomplete_forms():
    x = pd.DataFrame(REF.ISSUE_ITEMS, dtype=float)
    with_blank = pd.concat([x, pd.DataFrame({"A": [np.nan], "B": [1.0], "C": [5.0]})])
    res = cronbach_alpha(with_blank)
    assert res.n == 5
    assert res.alpha == cronbach_alpha(x).alpha


def test_nullable_integer_columns_accepted():
    x = pd.DataFrame(REF.ISSUE_ITEMS).astype("Int64")
    x.loc[0, "A"] = pd.NA
    res = cronbach_alpha(x)
    assert res.n == 4


# ---------------------------------------------------------------------- sentences
def _result(alpha, low, high, n=1820, k=5, policy="listwise"):
    return AlphaResult(alpha, low, high, 0.95, n, k, "feldt", policy)


def test_sentence_zh_good():
    s = alpha_sentence(_result(0.86, 0.84, 0.88))
    assert s.startswith(
        "五项评议内容的内部一致性 α = 0.86（95% 置信区间 0.84 至 0.88，n = 1,820 份完整问卷）。"
    )
    assert "越接近 1" in s
    assert s.endswith("α 在 0.7 至 0.95 之间，内部一致性良好。")


def test_sentence_flags_weak_redundant_negative_and_uncertain():
    assert "偏弱" in alpha_sentence(_result(0.6, 0.55, 0.65))
    assert "尚不能断定" in alpha_sentence(_result(0.6, 0.3, 0.8))
    assert "偏弱" not in alpha_sentence(_result(0.6, 0.3, 0.8), "en")
    assert "weak" in alpha_sentence(_result(0.6, 0.55, 0.65), "en")
    assert "not certain" in alpha_sentence(_result(0.6, 0.3, 0.8), "en")
    assert "高度重复" in alpha_sentence(_result(0.97, 0.96, 0.98))
    assert "redundant" in alpha_sentence(_result(0.97, 0.96, 0.98), "en")
    assert "为负" in alpha_sentence(_result(-0.2, -0.9, 0.3))
    assert "α = −0.20" in alpha_sentence(_result(-0.2, -0.9, 0.3))
    assert "negative" in alpha_sentence(_result(-0.2, -0.9, 0.3), "en")
    assert "尚不能确定" in alpha_sentence(_result(0.8, 0.6, 0.9))
    assert "uncertain" in alpha_sentence(_result(0.8, 0.6, 0.9), "en")


def test_sentence_en_and_pairwise_and_level():
    r = AlphaResult(0.86, 0.84, 0.88, 0.9, 1820, 5, "feldt", "pairwise")
    assert alpha_sentence(r, "en").startswith(
        "Internal consistency of the five items: α = 0.86 (90% CI 0.84 to 0.88, "
        "n = 1,820 forms, pairwise deletion, smallest pair). "
    )
    assert "成对删除" in alpha_sentence(r)
    assert alpha_sentence(_result(0.8, 0.75, 0.85, k=12)).startswith("12 项评议内容")


def test_sentence_bad_lang():
    with pytest.raises(ValueError) as e:
        alpha_sentence(_result(0.8, 0.75, 0.85), "fr")
    assert str(e.value) == "lang must be one of 'zh', 'en'; got 'fr'"


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        (
            {"confidence_level": 1.5},
            ValueError,
            "confidence_level must be strictly between 0 and 1; got 1.5",
        ),
        (
            {"confidence_level": 0},
            ValueError,
            "confidence_level must be strictly between 0 and 1; got 0",
        ),
        ({"confidence_level": "95%"}, TypeError, "confidence_level must be a number; got '95%'"),
        (
            {"nan_policy": "omit"},
            ValueError,
            "nan_policy must be one of 'listwise', 'pairwise'; got 'omit'",
        ),
        (
            {"weights": [1, 2]},
            ValueError,
            "weights must have one value per row of items (5); got shape (2,)",
        ),
        (
            {"weights": ["a"] * 5},
            TypeError,
            "weights must be numbers (frequency weights); got dtype <U1",
        ),
        (
            {"weights": [1, 1, 0.5, 1, 1]},
            ValueError,
            "weights must be non-negative whole numbers (frequency weights: how many forms each "
            "row stands for)",
        ),
        (
            {"weights": [1, 1, -1, 1, 1]},
            ValueError,
            "weights must be non-negative whole numbers (frequency weights: how many forms each "
            "row stands for)",
        ),
    ],
)
def test_argument_errors(kwargs, exc, message):
    with pytest.raises(exc) as e:
        cronbach_alpha(pd.DataFrame(REF.ISSUE_ITEMS), **kwargs)
    assert str(e.value) == message


def test_data_errors():
    cases = [
        (
            np.ones((3, 3)),
            TypeError,
            "items must be a pandas DataFrame (forms × items); got ndarray",
        ),
        (
            pd.DataFrame({"a": [1, 2, 3]}),
            ValueError,
            "items must have at least 2 columns (items); got 1",
        ),
        (
            pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),
            TypeError,
            "items must be numeric (points); column 'b' has dtype str",
        ),
        (
            pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"]),
            ValueError,
            "items has duplicate column name(s) ['a']",
        ),
        (
            pd.DataFrame({"a": [1, 2], "b": [True, False]}),
            TypeError,
            "items must be numeric (points); column 'b' has dtype bool",
        ),
        (
            pd.DataFrame({"a": [1.0, np.inf], "b": [1, 2]}),
            ValueError,
            "items must be finite or NaN (blank); column(s) ['a'] hold ±inf",
        ),
        (
            pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [1.0, 2.0, np.nan]}),
            ValueError,
            "cronbach_alpha needs at least 2 complete forms (every item answered); got 1",
        ),
        (
            pd.DataFrame({"a": [], "b": []}, dtype=float),
            ValueError,
            "cronbach_alpha needs at least 2 complete forms (every item answered); got 0",
        ),
    ]
    for items, exc, message in cases:
        with pytest.raises(exc) as e:
            cronbach_alpha(items)
        assert str(e.value) == message


def test_pairwise_error_names_the_pair():
    x = pd.DataFrame(
        {"a": [1.0, 2.0, np.nan, 4.0], "b": [1.0, np.nan, 3.0, np.nan], "c": [1, 2, 3, 5]}
    )
    with pytest.raises(ValueError) as e:
        cronbach_alpha(x, nan_policy="pairwise")
    assert str(e.value) == (
        "items 'a' and 'b' are answered together on 1 form(s); pairwise alpha needs at least 2 "
        "for every pair"
    )


def test_weight_of_zero_removes_row_and_weight_counts_forms():
    x = pd.DataFrame(REF.ISSUE_ITEMS)
    extra = pd.concat([x, pd.DataFrame({"A": [9], "B": [1], "C": [0]})], ignore_index=True)
    assert cronbach_alpha(extra, weights=[1, 1, 1, 1, 1, 0]).alpha == cronbach_alpha(x).alpha
    doubled = cronbach_alpha(x, weights=np.full(5, 2))
    assert doubled.n == 10
    assert doubled.alpha == cronbach_alpha(pd.concat([x, x])).alpha


# ---------------------------------------------------------------------- invariants
matrices = st.integers(2, 5).flatmap(
    lambda k: st.lists(st.lists(st.integers(0, 4), min_size=k, max_size=k), min_size=3, max_size=25)
)


@settings(max_examples=40)
@given(rows=matrices, seed=st.integers(0, 2**32 - 1))
def test_reordering_forms_changes_nothing(rows, seed):
    x = pd.DataFrame(np.array(rows, float) * 20)
    x.columns = [f"i{j}" for j in range(x.shape[1])]
    a = cronbach_alpha(x)
    perm = np.random.default_rng(seed).permutation(len(x))
    b = cronbach_alpha(x.iloc[perm])
    assert (a.alpha == b.alpha) or (np.isnan(a.alpha) and np.isnan(b.alpha))
    pd.testing.assert_frame_equal(a.items, b.items)


@settings(max_examples=40)
@given(rows=matrices, seed=st.integers(0, 2**32 - 1))
def test_reordering_items_changes_alpha_not(rows, seed):
    x = pd.DataFrame(np.array(rows, float))
    x.columns = [f"i{j}" for j in range(x.shape[1])]
    a = cronbach_alpha(x)
    assume(not np.isnan(a.alpha))
    perm = np.random.default_rng(seed).permutation(x.shape[1])
    b = cronbach_alpha(x.iloc[:, perm])
    assert b.alpha == pytest.approx(a.alpha, rel=1e-9, abs=1e-12)
    items_b = b.items.set_index("item").loc[a.items["item"]].reset_index()
    pd.testing.assert_frame_equal(items_b, a.items, rtol=1e-9, atol=1e-12)


@settings(max_examples=40)
@given(rows=matrices, level=st.floats(0.5, 0.999))
def test_interval_contains_estimate(rows, level):
    res = cronbach_alpha(pd.DataFrame(np.array(rows, float)), confidence_level=level)
    assume(not np.isnan(res.alpha))
    assert res.ci_low <= res.alpha <= res.ci_high
    assert res.ci_high <= 1.0


@settings(max_examples=40)
@given(rows=matrices, shift=st.floats(-1000, 1000), col=st.integers(0, 4))
def test_constant_added_to_one_item_changes_alpha_not(rows, shift, col):
    x = pd.DataFrame(np.array(rows, float))
    a = cronbach_alpha(x)
    assume(not np.isnan(a.alpha))
    y = x.copy()
    y.iloc[:, col % x.shape[1]] += shift
    b = cronbach_alpha(y)
    assert b.alpha == pytest.approx(a.alpha, rel=1e-9, abs=1e-9)


level_rows = st.lists(st.tuples(*[st.sampled_from(LEVELS) for _ in DIMS]), min_size=3, max_size=40)


@settings(max_examples=30)
@given(rows=level_rows, groups=st.data(), policy=st.sampled_from(["listwise", "pairwise"]))
def test_patterns_weighted_equal_expanded_forms_exactly(rows, groups, policy):
    g = groups.draw(
        st.lists(st.sampled_from(SCHEME.group_codes), min_size=len(rows), max_size=len(rows))
    )
    forms = make_forms(rows, group=g)
    items = items_from_forms(forms)
    try:
        a = cronbach_alpha(items, nan_policy=policy)
    except ValueError:
        assume(False)
    pat = items_from_patterns(pattern_counts(forms))
    b = cronbach_alpha(pat[DIMS], weights=pat["count"], nan_policy=policy)
    assert (a.alpha == b.alpha) or (np.isnan(a.alpha) and np.isnan(b.alpha))
    assert (a.ci_low == b.ci_low) or (np.isnan(a.ci_low) and np.isnan(b.ci_low))
    assert (a.n, a.note) == (b.n, b.note)
    pd.testing.assert_frame_equal(a.items, b.items)
    # expanding the patterns by their counts gives the same again
    expanded = pat.loc[pat.index.repeat(pat["count"]), DIMS]
    c = cronbach_alpha(expanded, nan_policy=policy)
    assert (a.alpha == c.alpha) or (np.isnan(a.alpha) and np.isnan(c.alpha))


# ---------------------------------------------------------------------- items from forms
def test_items_from_forms_uses_scheme_points():
    rows = [
        ["satisfied", "fairly_satisfied", "basically_satisfied", "dissatisfied", "unknown"],
        [None, "satisfied", "satisfied", "satisfied", "satisfied"],
    ]
    forms = make_forms(rows)
    items = items_from_forms(forms, by="group")
    assert list(items.columns) == ["group", *DIMS]
    expected = [[np.nan if c is None else POINTS[c] for c in r] for r in rows]
    expected = [[np.nan if v is None else v for v in r] for r in expected]
    np.testing.assert_array_equal(items[DIMS].to_numpy(), np.array(expected, float))
    assert items["group"].tolist() == ["public", "public"]
    assert items.index.equals(forms.index)


def test_items_from_forms_errors():
    with pytest.raises(TypeError) as e:
        items_from_forms([1, 2])
    assert str(e.value) == "forms must be a pandas DataFrame; got list"
    forms = make_forms([["satisfied"] * 5])
    with pytest.raises(ValueError) as e:
        items_from_forms(forms.drop(columns="service"), by="collector")
    assert str(e.value) == "forms lacks column(s) ['collector', 'service']"
    with pytest.raises(ValueError) as e:
        items_from_forms(forms, by=["group", "group"])
    assert str(e.value) == "by names a column twice: ['group', 'group']"
    bad = forms.assign(service=forms["service"].astype(str))
    with pytest.raises(TypeError) as e:
        items_from_forms(bad)
    assert str(e.value) == "forms['service'] must be a Categorical column; got dtype str"


def test_items_from_patterns_columns_and_error():
    forms = make_forms([["satisfied"] * 5, ["satisfied"] * 5, ["dissatisfied"] * 5])
    t = items_from_patterns(pattern_counts(forms))
    assert list(t.columns) == ["cycle", "unit", "group", *DIMS, "count"]
    assert t["count"].tolist() == [2, 1]
    with pytest.raises(ValueError) as e:
        items_from_patterns(pattern_counts(forms).drop(columns="count"))
    assert str(e.value) == "patterns lacks column(s) ['count']; pattern counts have a count column"


# ---------------------------------------------------------------------- alpha_by
def _grouped_forms(seed=7, n=120):
    rng = np.random.default_rng(seed)
    lat = rng.integers(0, 4, n)
    rows = []
    for i in range(n):
        r = [SCHEME.level_codes[min(3, max(0, lat[i] + rng.integers(-1, 2)))] for _ in DIMS]
        if rng.random() < 0.1:
            r[rng.integers(0, 5)] = rng.choice(["unknown", None])
        rows.append(r)
    groups = rng.choice(["enterprise", "public", "supervisor"], n)
    units = rng.choice(["U1", "U2", "U3"], n)
    return make_forms(rows, group=list(groups), unit=list(units))


def test_alpha_by_group_equals_cronbach_alpha_per_group():
    forms = _grouped_forms()
    t = alpha_by(forms, by="group")
    assert list(t.columns) == [
        "group",
        "alpha",
        "ci_low",
        "ci_high",
        "confidence_level",
        "n",
        "k",
        "ci_method",
        "note",
    ]
    assert t["group"].tolist() == list(SCHEME.group_codes)
    for row in t.itertuples():
        sub = forms[forms["group"] == row.group]
        if row.group == "deputy":
            assert row.n == 0 and np.isnan(row.alpha)
            assert row.note == "fewer than 3 complete forms (n = 0)"
            continue
        r = cronbach_alpha(items_from_forms(sub))
        assert (row.alpha, row.ci_low, row.ci_high, row.n, row.k) == (
            r.alpha,
            r.ci_low,
            r.ci_high,
            r.n,
            5,
        )
        assert row.note == "" and row.ci_method == "feldt" and row.confidence_level == 0.95


def test_alpha_by_forms_equals_patterns_and_pooled_row():
    forms = _grouped_forms()
    for by in [("unit", "group"), "unit", ()]:
        a = alpha_by(forms, by=by)
        b = alpha_by(pattern_counts(forms), by=by)
        pd.testing.assert_frame_equal(a, b)
    whole = alpha_by(forms, by=())
    assert len(whole) == 1
    assert whole.loc[0, "alpha"] == cronbach_alpha(items_from_forms(forms)).alpha
    pw = alpha_by(forms, by=(), nan_policy="pairwise")
    assert (
        pw.loc[0, "alpha"] == cronbach_alpha(items_from_forms(forms), nan_policy="pairwise").alpha
    )


def test_alpha_by_small_and_constant_groups_get_notes():
    rows = [["satisfied"] * 5] * 4 + [["satisfied"] * 5, ["dissatisfied"] * 5]
    groups = ["public"] * 4 + ["enterprise"] * 2
    t = alpha_by(make_forms(rows, group=groups), by="group").set_index("group")
    assert t.loc["public", "note"] == NOTE_ZERO_VARIANCE
    assert np.isnan(t.loc["public", "alpha"]) and t.loc["public", "n"] == 4
    assert t.loc["enterprise", "note"] == "fewer than 3 complete forms (n = 2)"
    assert np.isnan(t.loc["enterprise", "ci_low"])
    pw = alpha_by(make_forms(rows, group=groups), by="group", nan_policy="pairwise")
    assert pw.set_index("group").loc["enterprise", "note"] == (
        "fewer than 3 forms for some pair of items (n = 2)"
    )


def test_alpha_by_series_and_cycle():
    a = _grouped_forms(seed=1)
    b = _grouped_forms(seed=2).assign(cycle="2026A")
    forms = pd.concat([a, b], ignore_index=True)
    units = pd.DataFrame(
        {
            "unit": ["U1", "U2", "U3"],
            "name": ["甲", "乙", "丙"],
            "series": ["enforcement"] * 2 + ["administration"],
        }
    )
    t = alpha_by(forms, by=("cycle", "series"), units=units)
    assert t["cycle"].tolist() == ["2026A"] * 3 + ["2026H1"] * 3
    assert t["series"].tolist() == list(SCHEME.series_codes) * 2
    row = t[(t["cycle"] == "2026H1") & (t["series"] == "enforcement")].iloc[0]
    sub = a[a["unit"].isin(["U1", "U2"])]
    assert row["alpha"] == cronbach_alpha(items_from_forms(sub)).alpha
    assert t[t["series"] == "public_service"]["n"].tolist() == [0, 0]


def test_alpha_by_errors():
    forms = _grouped_forms()
    cases = [
        (
            {"by": "dimension"},
            ValueError,
            "by must be one of 'cycle', 'unit', 'group', 'series'; got 'dimension'",
        ),
        (
            {"by": "series"},
            ValueError,
            "by='series' needs units= (a table with columns unit, series)",
        ),
        ({"by": 3}, TypeError, "by must be a column name or a sequence of column names; got 3"),
        (
            {"nan_policy": "drop"},
            ValueError,
            "nan_policy must be one of 'listwise', 'pairwise'; got 'drop'",
        ),
        (
            {"confidence_level": 95},
            ValueError,
            "confidence_level must be strictly between 0 and 1; got 95",
        ),
        (
            {"by": "series", "units": pd.DataFrame({"unit": ["U1"], "series": ["enforcement"]})},
            ValueError,
            "units has no row for unit(s) ['U2', 'U3'] found in the forms",
        ),
        (
            {"by": "series", "units": pd.DataFrame({"unit": ["U1"]})},
            ValueError,
            "units lacks column(s) ['series']; it needs ['unit', 'series']",
        ),
    ]
    for kwargs, exc, message in cases:
        with pytest.raises(exc) as e:
            alpha_by(forms, **kwargs)
        assert str(e.value) == message
    with pytest.raises(TypeError) as e:
        alpha_by([1])
    assert str(e.value) == "forms_or_patterns must be a pandas DataFrame; got list"


# ---------------------------------------------------------------------- demo data
@pytest.fixture(scope="module")
def demo():
    from evalstats.inputs.validate import validate_cycle

    folder = ROOT / "data" / "raw" / "2026H1"
    if not folder.is_dir():
        pytest.skip("demo data not present")
    return validate_cycle(folder)


def test_demo_alpha_runs_and_is_in_unit_interval(demo):
    res = cronbach_alpha(items_from_forms(demo.forms, scheme=demo.scheme))
    assert 0 <= res.alpha <= 1
    assert 0 < res.n <= len(demo.forms)
    assert res.k == len(demo.scheme.dimension_codes)
    t = alpha_by(demo.forms, by=("series", "group"), units=demo.units, scheme=demo.scheme)
    ok = t["alpha"].notna()
    assert ok.any()
    assert t.loc[ok, "alpha"].between(0, 1).all()
    assert alpha_sentence(res).startswith("五项评议内容的内部一致性 α = ")


# ---------------------------------------------------------------- the same bits on any processor
_ALPHA_BITS = """
import numpy as np, pandas as pd
from evalstats.stats.reliability import cronbach_alpha
rng = np.random.default_rng(3)
x = rng.integers(0, 5, size=(3000, 5)).astype(float) * 20.0 / 3
x[rng.random(x.shape) < 0.05] = np.nan
items = pd.DataFrame(x, columns=list("ABCDE"))
w = rng.integers(1, 4, size=3000)
for policy in ("listwise", "pairwise"):
    r = cronbach_alpha(items, weights=w, nan_policy=policy)
    print(float(r.alpha).hex(), float(r.ci_low).hex(), float(r.ci_high).hex())
    print(r.items.drop(columns="item").to_numpy(float).tobytes().hex())
"""


@pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64"),
    reason="OpenBLAS core types are named for x86-64",
)
def test_alpha_is_the_same_bits_whichever_blas_kernel():
    # OpenBLAS picks its matrix kernel by processor at run time, and its kernels sum in
    # different orders: alpha computed with matrix products differed in its last digit between
    # two machines (the golden reliability table).  The sums are exact now: the kernels of an
    # old (Prescott: SSE3) and a newer (Haswell: AVX2) processor give the same bits.
    import os
    import subprocess
    import sys

    out = []
    for core in ("Prescott", "Haswell"):
        env = {**os.environ, "OPENBLAS_CORETYPE": core, "OPENBLAS_NUM_THREADS": "1"}
        done = subprocess.run(
            [sys.executable, "-c", _ALPHA_BITS],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        out.append(done.stdout)
    assert out[0] == out[1]
