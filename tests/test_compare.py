"""Tests of evalstats.stats.compare."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import optimize, special, stats

from evalstats.core.scheme import load_scheme
from evalstats.counts.tally import tally
from evalstats.present.changes import cycle_label, describe_changes, result_sentence
from evalstats.stats.compare import (
    COMPARE_COLUMNS,
    MOVEMENT_COLUMNS,
    RESULT_COLUMNS,
    TestResult,
    chi2_homogeneity,
    compare_cycles,
    group_homogeneity,
    kruskal_counts,
    kruskal_units,
    mann_whitney_counts,
    mann_whitney_cycles,
    rank_movement,
    rate_difference,
    trend_test,
)
from evalstats.stats.intervals import _restricted_mle, difference_ci
from evalstats.stats.multitest import adjust_pvalues

_spec = importlib.util.spec_from_file_location(
    "reference_compare_known", Path(__file__).parent / "reference" / "compare_known.py"
)
REF = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REF)

S = load_scheme()
LEVELS = list(S.level_codes)
VALID = [v.code for v in S.levels if v.valid]
POINTS = {v.code: v.points for v in S.levels if v.valid}
SATISFIED = {v.code for v in S.levels if v.valid and v.satisfied}


def full(message: str) -> str:
    return f"^{re.escape(message)}$"


def make_forms(cycle, rows, units=None):
    """Forms from rows ``(unit, group, {dimension: level})``; missing dimensions are blank."""
    units = units or sorted({r[0] for r in rows})
    data = {
        "cycle": [cycle] * len(rows),
        "unit": pd.Categorical([r[0] for r in rows], categories=units),
        "group": pd.Categorical([r[1] for r in rows], categories=S.group_codes),
    }
    for d in S.dimension_codes:
        data[d] = pd.Categorical([r[2].get(d) for r in rows], dtype=S.level_dtype)
    return pd.DataFrame(data)


def uniform_forms(cycle, unit, group, levels, units=None):
    """Forms that give every dimension the same answer."""
    rows = [(unit, group, dict.fromkeys(S.dimension_codes, lv)) for lv in levels]
    return make_forms(cycle, rows, units)


def random_forms(cycle, units, n, p, seed):
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        u = units[rng.integers(len(units))]
        g = S.group_codes[rng.integers(len(S.group_codes))]
        ans = {d: LEVELS[rng.choice(len(LEVELS), p=p)] for d in S.dimension_codes}
        if rng.random() < 0.05:
            ans.pop(S.dimension_codes[0])  # a blank answer now and then
        rows.append((u, g, ans))
    return make_forms(cycle, rows, list(units))


@pytest.fixture(scope="module")
def cycles():
    before = random_forms("2026H1", ["U1", "U2", "U3"], 400, [0.45, 0.2, 0.15, 0.12, 0.08], 1)
    after = random_forms("2026A", ["U1", "U2", "U4"], 400, [0.55, 0.2, 0.1, 0.08, 0.07], 2)
    return before, after, tally(before, S), tally(after, S)


# ====================================================================== difference_ci
@pytest.mark.parametrize(("k1", "n1", "k2", "n2", "method", "low", "high"), REF.DIFFERENCES)
def test_difference_ci_known_answers(k1, n1, k2, n2, method, low, high):
    ci = difference_ci(k1, n1, k2, n2, method=method)
    assert round(ci.low, 4) == pytest.approx(low, abs=1e-9)
    assert round(ci.high, 4) == pytest.approx(high, abs=1e-9)


def _mn_reference(k1, n1, k2, n2, level=0.95):
    """Miettinen-Nurminen bounds by a separate route: the restricted MLE by numerical
    maximisation of the likelihood and the bounds by brentq."""
    z2 = special.ndtri(1 - (1 - level) / 2) ** 2
    big_n = n1 + n2
    d_hat = k1 / n1 - k2 / n2

    def loglik(p2, d0):
        p1 = p2 + d0
        eps = 1e-300
        return -(
            k1 * np.log(p1 + eps)
            + (n1 - k1) * np.log(1 - p1 + eps)
            + k2 * np.log(p2 + eps)
            + (n2 - k2) * np.log(1 - p2 + eps)
        )

    def stat(d0):
        lo, hi = max(0.0, -d0), min(1.0, 1 - d0)
        p2 = optimize.minimize_scalar(
            loglik, bounds=(lo, hi), args=(d0,), method="bounded", options={"xatol": 1e-13}
        ).x
        p1 = p2 + d0
        var = (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) * big_n / (big_n - 1)
        return (d_hat - d0) ** 2 / var - z2

    low = -1.0 if stat(-1 + 1e-9) <= 0 else optimize.brentq(stat, -1 + 1e-9, d_hat, xtol=1e-12)
    high = 1.0 if stat(1 - 1e-9) <= 0 else optimize.brentq(stat, d_hat, 1 - 1e-9, xtol=1e-12)
    return low, high


@pytest.mark.parametrize(
    "case", [(56, 70, 48, 80), (0, 16, 15, 72), (9, 10, 3, 10), (5, 56, 0, 29), (7, 34, 1, 34)]
)
def test_miettinen_nurminen_agrees_with_independent_computation(case):
    ci = difference_ci(*case, method="miettinen-nurminen")
    low, high = _mn_reference(*case)
    assert ci.low == pytest.approx(low, abs=2e-6)
    assert ci.high == pytest.approx(high, abs=2e-6)


@settings(max_examples=40)
@given(
    st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.floats(-0.95, 0.95),
)
@example(s1=(3, 3), s2=(3, 3), d0=1e-08)  # found by hypothesis: p1 clipped, p1 − p2 = 5e-9
def test_restricted_mle_maximises_the_constrained_likelihood(s1, s2, d0):
    (k1, n1), (k2, n2) = s1, s2
    p1, p2 = _restricted_mle(np.float64(d0), k1, n1, k2, n2)
    assert p1 - p2 == pytest.approx(d0, abs=1e-9)

    def negll(q2):
        q1 = q2 + d0
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = [
                special.xlogy(k1, q1),
                special.xlogy(n1 - k1, 1 - q1),
                special.xlogy(k2, q2),
                special.xlogy(n2 - k2, 1 - q2),
            ]
        return -np.sum(terms)

    lo, hi = max(0.0, -d0), min(1.0, 1 - d0)
    grid = np.linspace(lo, hi, 401)
    best = min(negll(g) for g in grid)
    assert negll(float(p2)) <= best + 1e-6 * max(1.0, abs(best))


@settings(max_examples=60)
@given(
    st.integers(1, 80).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 80).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from(["newcombe", "miettinen-nurminen"]),
    st.floats(0.5, 0.999),
)
def test_difference_ci_invariants(s1, s2, method, level):
    (k1, n1), (k2, n2) = s1, s2
    ci = difference_ci(k1, n1, k2, n2, method=method, confidence_level=level)
    swapped = difference_ci(k2, n2, k1, n1, method=method, confidence_level=level)
    d = k1 / n1 - k2 / n2
    assert -1 <= ci.low <= d + 1e-9 and d - 1e-9 <= ci.high <= 1
    assert swapped.low == pytest.approx(-ci.high, abs=1e-9)
    assert swapped.high == pytest.approx(-ci.low, abs=1e-9)
    wider = difference_ci(
        k1, n1, k2, n2, method=method, confidence_level=min(level + 0.0005, 0.9995)
    )
    assert wider.low <= ci.low + 1e-9 and wider.high >= ci.high - 1e-9
    # the MN test and the MN interval agree: p <= 1 - level exactly when 0 is outside
    if method == "miettinen-nurminen":
        r = rate_difference(k1, n1, k2, n2, method=method, confidence_level=level)
        if abs(r.pvalue - (1 - level)) > 1e-6:
            assert (r.pvalue <= 1 - level) == (ci.low > 0 or ci.high < 0)


def test_difference_ci_vectorised_and_edge_cases():
    ci = difference_ci([56, 9], [70, 10], [48, 3], [80, 10])
    assert np.round(ci.low, 4).tolist() == [0.0524, 0.1705]
    assert isinstance(difference_ci(1, 2, 1, 2).low, float)
    empty = difference_ci([0, 3], [0, 5], [1, 2], [4, 4], method="miettinen-nurminen")
    assert np.isnan(empty.low[0]) and np.isnan(empty.high[0]) and np.isfinite(empty.low[1])
    grid = difference_ci(np.arange(6)[:, None], 5, np.arange(6)[None, :], 5)
    assert grid.low.shape == (6, 6)


def test_rate_difference_test_is_pearson_chi2():
    # contingencytables: Pearson_chi_squared_test_2x2(tea) -> T = 2.000, P = 0.15730
    r = rate_difference(*REF.TEA)
    assert round(r.statistic**2, 3) == REF.TEA_X2
    assert round(r.pvalue, 5) == REF.TEA_P
    table = [[56, 14], [48, 32]]
    r = rate_difference(56, 70, 48, 80)
    chi2 = stats.chi2_contingency(table, correction=False)
    assert r.statistic**2 == pytest.approx(chi2.statistic)
    assert r.pvalue == pytest.approx(chi2.pvalue)
    mn = rate_difference(56, 70, 48, 80, method="miettinen-nurminen")
    assert mn.statistic == pytest.approx(r.statistic * np.sqrt(149 / 150))
    assert mn.method == "miettinen-nurminen-score" and r.method == "score-z"
    same = rate_difference(10, 10, 20, 20)
    assert same.statistic == 0 and same.pvalue == 1 and same.estimate == 0


# ====================================================================== compare_cycles
def _cell(forms, unit, dim):
    lv = forms.loc[forms["unit"] == unit, dim].dropna().astype(str)
    lv = lv[lv.isin(VALID)]
    return (lv.isin(SATISFIED).sum(), len(lv), lv.map(POINTS).to_numpy(float))


def test_compare_cycles_rows_match_scalar_computations(cycles):
    before, after, tb, ta = cycles
    t = compare_cycles(tb, ta)
    assert list(t.columns) == ["unit", "dimension", *COMPARE_COLUMNS]
    both = t[t["present"] == "both"]
    assert len(both) == 2 * len(S.dimension_codes)
    for row in both.itertuples():
        ka, na, ya = _cell(after, row.unit, row.dimension)
        kb, nb, yb = _cell(before, row.unit, row.dimension)
        assert (row.n_valid_after, row.n_valid_before) == (na, nb)
        assert row.rate_diff == pytest.approx(ka / na - kb / nb)
        ci = difference_ci(ka, na, kb, nb)
        assert (row.rate_diff_ci_low, row.rate_diff_ci_high) == pytest.approx((ci.low, ci.high))
        r = rate_difference(ka, na, kb, nb)
        assert (row.rate_statistic, row.rate_pvalue) == pytest.approx((r.statistic, r.pvalue))
        w = stats.ttest_ind(ya, yb, equal_var=False)
        assert row.score_diff == pytest.approx(ya.mean() - yb.mean())
        assert row.score_statistic == pytest.approx(w.statistic)
        assert row.score_pvalue == pytest.approx(w.pvalue)
        assert row.score_df == pytest.approx(w.df)
        wci = w.confidence_interval(0.95)
        assert (row.score_diff_ci_low, row.score_diff_ci_high) == pytest.approx((wci.low, wci.high))
    np.testing.assert_allclose(t["rate_pvalue_adjusted"], adjust_pvalues(t["rate_pvalue"]).adjusted)
    np.testing.assert_allclose(
        t["score_pvalue_adjusted"], adjust_pvalues(t["score_pvalue"], method="holm").adjusted
    )


def test_compare_cycles_units_in_one_cycle_are_flagged_not_dropped(cycles):
    _b, _a, tb, ta = cycles
    t = compare_cycles(tb, ta)
    present = t.groupby("unit", observed=True)["present"].first().astype(str).to_dict()
    assert present == {"U1": "both", "U2": "both", "U3": "before_only", "U4": "after_only"}
    only = t[t["present"] != "both"]
    stat_cols = ["rate_diff", "rate_diff_ci_low", "rate_pvalue", "score_diff", "score_pvalue"]
    assert only[stat_cols].isna().all().all()
    assert only["rate_significant"].isna().all()
    assert (t.loc[t["unit"] == "U3", "n_valid_after"] == 0).all()
    assert (t.loc[t["unit"] == "U4", "satisfied_rate_after"].notna()).all()
    # a unit category without forms in either cycle has no row
    empty = tally(uniform_forms("2026H1", "U1", "public", ["satisfied"] * 3, ["U1", "U9"]), S)
    t2 = compare_cycles(empty, tally(uniform_forms("2026A", "U1", "public", ["satisfied"]), S))
    assert set(t2["unit"].astype(str)) == {"U1"}


def test_compare_cycles_row_order_and_swap(cycles):
    _b, _a, tb, ta = cycles
    t = compare_cycles(tb, ta, method="miettinen-nurminen", adjust="bh")
    shuffled = compare_cycles(tb.sample(frac=1, random_state=3), ta.iloc[::-1])
    pd.testing.assert_frame_equal(compare_cycles(tb, ta), shuffled)
    s = compare_cycles(ta, tb, method="miettinen-nurminen", adjust="bh")
    # unit order follows the first table's units, then the new ones: align on the keys
    key = ["unit", "dimension"]
    s = s.assign(unit=s["unit"].astype(str)).sort_values(key).reset_index(drop=True)
    t = t.assign(unit=t["unit"].astype(str)).sort_values(key).reset_index(drop=True)
    np.testing.assert_allclose(s["rate_diff"], -t["rate_diff"])
    np.testing.assert_allclose(s["rate_diff_ci_low"], -t["rate_diff_ci_high"], atol=1e-9)
    np.testing.assert_allclose(s["score_diff_ci_high"], -t["score_diff_ci_low"], atol=1e-9)
    np.testing.assert_allclose(s["rate_pvalue_adjusted"], t["rate_pvalue_adjusted"])
    flipped = {"both": "both", "before_only": "after_only", "after_only": "before_only"}
    assert s["present"].astype(str).tolist() == t["present"].astype(str).map(flipped).tolist()
    assert (t["ci_method"] == "miettinen-nurminen").all() and (t["adjust_method"] == "bh").all()


@settings(max_examples=25)
@given(
    st.lists(st.integers(0, 6), min_size=4, max_size=4),
    st.lists(st.integers(0, 6), min_size=4, max_size=4),
)
def test_compare_cycles_swap_flips_sign(cb, ca):
    levels_b = [lv for lv, c in zip(VALID, cb, strict=True) for _ in range(c)] + ["unknown"]
    levels_a = [lv for lv, c in zip(VALID, ca, strict=True) for _ in range(c)]
    tb = tally(uniform_forms("2026H1", "U1", "public", levels_b), S)
    ta = tally(uniform_forms("2026A", "U1", "public", levels_a or ["unknown"]), S)
    t = compare_cycles(tb, ta, by=("dimension",))
    s = compare_cycles(ta, tb, by=("dimension",))
    for a, b in (("rate_diff", "rate_diff"), ("rate_diff_ci_low", "rate_diff_ci_high")):
        np.testing.assert_allclose(s[a], -t[b], atol=1e-9)
    np.testing.assert_allclose(s["score_diff_ci_low"], -t["score_diff_ci_high"], atol=1e-9)
    p = t[["rate_pvalue", "rate_pvalue_adjusted", "score_pvalue"]].to_numpy(float)
    ok = ~np.isnan(p)
    assert np.all((p[ok] >= 0) & (p[ok] <= 1))
    assert np.all(t["rate_pvalue_adjusted"].fillna(1) >= t["rate_pvalue"].fillna(0))


def test_compare_cycles_pooled_dimensions_use_effective_n():
    levels_b = ["satisfied"] * 30 + ["dissatisfied"] * 20
    levels_a = ["satisfied"] * 40 + ["dissatisfied"] * 10
    tb = tally(uniform_forms("2026H1", "U1", "public", levels_b), S)
    ta = tally(uniform_forms("2026A", "U1", "public", levels_a), S)
    per_dim = compare_cycles(tb, ta, by=("unit", "dimension")).iloc[0]
    pooled = compare_cycles(tb, ta, by=("unit",)).iloc[0]
    # every dimension has the same answers: the pooled row has D times the answers but the
    # same effective sample size, hence the same interval and tests
    assert pooled["n_valid_after"] == 5 * per_dim["n_valid_after"]
    for col in [
        "rate_diff",
        "rate_diff_ci_low",
        "rate_diff_ci_high",
        "rate_pvalue",
        "score_diff",
        "score_df",
    ]:
        assert pooled[col] == pytest.approx(per_dim[col])
    # the pooled answer variance divides the same sum of squares (times 5) by 5n - 1, not n - 1
    ratio = 5 * (50 - 1) / (5 * 50 - 1)
    assert pooled["score_statistic"] == pytest.approx(per_dim["score_statistic"] / np.sqrt(ratio))
    everything = compare_cycles(tb, ta, by=())
    assert list(everything.columns) == COMPARE_COLUMNS and len(everything) == 1


def test_compare_cycles_all_equal_answers():
    tb = tally(uniform_forms("2026H1", "U1", "public", ["satisfied"] * 20), S)
    ta = tally(uniform_forms("2026A", "U1", "public", ["satisfied"] * 25), S)
    row = compare_cycles(tb, ta).iloc[0]
    assert row["rate_diff"] == 0 and row["rate_statistic"] == 0 and row["rate_pvalue"] == 1
    assert row["score_diff_ci_low"] == row["score_diff_ci_high"] == 0
    assert np.isnan(row["score_pvalue"]) and pd.isna(row["score_significant"])
    one = tally(uniform_forms("2026A", "U1", "public", ["fairly_satisfied"]), S)
    row = compare_cycles(tb, one).iloc[0]
    assert np.isnan(row["score_diff_ci_low"]) and np.isfinite(row["rate_diff_ci_low"])


def test_compare_cycles_by_series_and_group(cycles):
    _b, _a, tb, ta = cycles
    units = pd.DataFrame(
        {
            "unit": ["U1", "U2", "U3", "U4"],
            "name": ["甲", "乙", "丙", "丁"],
            "series": ["administration", "administration", "enforcement", "enforcement"],
        }
    )
    t = compare_cycles(tb, ta, by=("series", "group"), units=units)
    assert list(t.columns[:2]) == ["series", "group"] and len(t) == 8
    assert (t["present"] == "both").all()
    per_unit = compare_cycles(tb, ta, by=("unit", "group"), units=units)
    u1 = per_unit[(per_unit["unit"] == "U1") & (per_unit["group"] == "public")].iloc[0]
    assert u1["n_valid_before"] > 0
    with pytest.raises(
        ValueError, match=full("units has no row for unit(s) ['U4'] found in the counts")
    ):
        compare_cycles(tb, ta, by=("series",), units=units.iloc[:3])


# ====================================================================== rank_movement
def _ranking(cycle, units, ranks, series="s", standing=None):
    return pd.DataFrame(
        {
            "cycle": cycle,
            "unit": units,
            "unit_name": [f"name {u}" for u in units],
            "series": series,
            "rank": ranks,
            "standing": standing or [""] * len(units),
        }
    )


def test_rank_movement():
    before = _ranking(
        "2026H1", ["A", "B", "C", "D"], [1, 2, 3, 4], standing=["top3", "top3", "top3", "last"]
    )
    before.loc[3, "series"] = "t"
    after = _ranking(
        "2026A", ["A", "B", "D", "E"], [3, 1, 2, 4], standing=["top3", "top3", "top3", "last"]
    )
    m = rank_movement(before, after)
    assert list(m.columns) == MOVEMENT_COLUMNS
    rows = {r.unit: r for r in m.itertuples()}
    assert rows["B"].movement == 1 and rows["A"].movement == -2
    assert rows["D"].flags == "series_changed" and pd.isna(rows["D"].movement)
    assert rows["C"].present == "before_only" and pd.isna(rows["C"].rank_after)
    assert rows["E"].present == "after_only" and rows["E"].standing_before == ""
    assert rows["C"].series == "s" and rows["C"].unit_name == "name C"
    assert m["unit"].tolist() == ["B", "D", "A", "E", "C"]


# ====================================================================== chi-squared
def test_chi2_known_answer_agresti():
    # Agresti (2007) Table 2.5: X^2 = 30.1, df = 2
    r = chi2_homogeneity(REF.AGRESTI_2007_TABLE_2_5)
    assert round(r.statistic, 1) == REF.AGRESTI_X2 and r.df == REF.AGRESTI_DF
    sp = stats.chi2_contingency(REF.AGRESTI_2007_TABLE_2_5, correction=False)
    assert r.statistic == pytest.approx(sp.statistic) and r.pvalue == pytest.approx(sp.pvalue)
    assert r.method == "asymptotic" and r.effect_size_name == "cramers_v"
    assert r.effect_size == pytest.approx(np.sqrt(sp.statistic / 2757))


def test_chi2_monte_carlo_matches_exact_enumeration():
    table = np.array([[3, 1], [1, 5]])
    r = chi2_homogeneity(table, rng=7, n_resamples=20_000)
    assert r.method == "monte-carlo" and "20000 random tables" in r.note
    # exact conditional p-value with the X^2 ordering: hypergeometric over the first cell
    row, col, n = table.sum(1), table.sum(0), table.sum()
    x = np.arange(max(0, row[0] - col[1]), min(row[0], col[0]) + 1)
    prob = stats.hypergeom.pmf(x, n, col[0], row[0])
    tabs = np.stack([x, row[0] - x, col[0] - x, row[1] - col[0] + x], axis=1).reshape(-1, 2, 2)
    exp = np.outer(row, col) / n
    x2 = ((tabs - exp) ** 2 / exp).sum(axis=(1, 2))
    exact = prob[x2 >= r.statistic * (1 - 1e-12)].sum()
    se = np.sqrt(exact * (1 - exact) / 20_000)
    assert abs(r.pvalue - exact) < 4 * se
    again = chi2_homogeneity(table, rng=7, n_resamples=20_000)
    assert again.pvalue == r.pvalue
    forced = chi2_homogeneity(
        REF.AGRESTI_2007_TABLE_2_5, method="monte-carlo", n_resamples=99, rng=1
    )
    assert forced.pvalue == pytest.approx(1 / 100)
    asym = chi2_homogeneity(table, method="asymptotic")
    assert asym.method == "asymptotic" and "Cochran" in asym.note


def test_random_tables_keep_the_margins():
    from evalstats.stats.compare.homogeneity import _random_tables

    row, col = np.array([5, 0, 7, 3]), np.array([4, 6, 5])
    sims = _random_tables(row, col, 500, np.random.default_rng(0))
    assert (sims >= 0).all()
    assert (sims.sum(axis=2) == row).all() and (sims.sum(axis=1) == col).all()


def test_chi2_drops_empty_rows_and_untestable_tables():
    r = chi2_homogeneity([[10, 0, 5], [0, 0, 0], [7, 0, 9]], method="asymptotic")
    assert r.df == 1
    flat = chi2_homogeneity([[4, 0], [6, 0]])
    assert np.isnan(flat.statistic) and np.isnan(flat.pvalue) and "nothing to compare" in flat.note


def test_group_homogeneity_from_tally():
    rows = []
    groups = {"enterprise": [20, 5, 3, 2], "supervisor": [5, 5, 5, 5], "public": [10, 8, 1, 1]}
    for g, counts in groups.items():
        for lv, c in zip(VALID, counts, strict=True):
            rows += [("U1", g, {"efficiency": lv})] * c
    rows += [("U2", "public", {"efficiency": "unknown"})] * 3
    t = tally(make_forms("2026H1", rows), S)
    r = group_homogeneity(t, dimension="efficiency", unit="U1", method="asymptotic")
    expected = chi2_homogeneity(list(groups.values()), method="asymptotic")
    assert r.statistic == pytest.approx(expected.statistic) and r.df == 6
    assert r.labels == ("enterprise", "supervisor", "public")
    pooled = group_homogeneity(t, dimension="efficiency", method="asymptotic")
    assert pooled.statistic == pytest.approx(expected.statistic)
    mc = group_homogeneity(t, dimension="efficiency", unit="U1", rng=5, n_resamples=2000)
    assert mc.method == "monte-carlo"


# ====================================================================== rank tests
def test_kruskal_known_answers():
    # Hollander & Wolfe (1973) p. 116 / R kruskal.test: H = 0.771429, p = 0.679965
    values = sorted(v for sample in REF.HOLLANDER_WOLFE for v in sample)
    table = [[list(s).count(v) for v in values] for s in REF.HOLLANDER_WOLFE]
    r = kruskal_counts(table)
    assert round(r.statistic, 6) == REF.HOLLANDER_WOLFE_H
    assert round(r.pvalue, 6) == REF.HOLLANDER_WOLFE_P
    assert r.df == 2 and r.n == 14
    # contingencytables, KruskalWallis_asymptotic_test_rxc(table_7.6): T = 9.162, P = 0.010
    r = kruskal_counts(REF.FAGERLAND_TABLE_7_6)
    assert round(r.statistic, 3) == REF.FAGERLAND_TABLE_7_6_H
    assert round(r.pvalue, 3) == REF.FAGERLAND_TABLE_7_6_P
    assert r.effect_size == pytest.approx(r.statistic / (r.n - 1))


def _expand(counts):
    return np.repeat(np.arange(len(counts)), counts)


@settings(max_examples=40)
@given(
    st.integers(2, 5).flatmap(
        lambda c: st.lists(
            st.lists(st.integers(0, 12), min_size=c, max_size=c), min_size=2, max_size=5
        )
    )
)
def test_kruskal_counts_equals_scipy(table):
    samples = [_expand(r) for r in table if sum(r) > 0]
    r = kruskal_counts(table)
    pooled = np.concatenate(samples) if samples else np.array([])
    if len(samples) < 2 or len(np.unique(pooled)) < 2:
        assert np.isnan(r.pvalue)
        return
    sp = stats.kruskal(*samples)
    assert 0 <= r.pvalue <= 1
    if sp.statistic < 0:
        # identically distributed groups: scipy's H rounds to about -3e-14 and its p-value to
        # NaN; the exact H is 0 and its p-value 1
        assert r.statistic == pytest.approx(0.0, abs=1e-9)
        assert r.pvalue == pytest.approx(1.0)
        return
    assert r.statistic == pytest.approx(sp.statistic, rel=1e-9, abs=1e-12)
    assert r.pvalue == pytest.approx(sp.pvalue, rel=1e-9)


@settings(max_examples=40)
@given(
    st.integers(2, 5).flatmap(
        lambda c: st.tuples(
            st.lists(st.integers(0, 15), min_size=c, max_size=c),
            st.lists(st.integers(0, 15), min_size=c, max_size=c),
        )
    )
)
def test_mann_whitney_counts_equals_scipy(xy):
    x, y = xy
    r = mann_whitney_counts(x, y)
    ex, ey = _expand(x), _expand(y)
    if len(ex) == 0 or len(ey) == 0 or len(np.unique(np.concatenate([ex, ey]))) < 2:
        assert np.isnan(r.pvalue)
        return
    sp = stats.mannwhitneyu(ex, ey, method="asymptotic", use_continuity=True)
    assert r.statistic == pytest.approx(sp.statistic)
    assert r.pvalue == pytest.approx(sp.pvalue, rel=1e-9)
    assert r.effect_size == pytest.approx(sp.statistic / (len(ex) * len(ey)))
    swapped = mann_whitney_counts(y, x)
    assert swapped.pvalue == pytest.approx(r.pvalue)
    assert swapped.effect_size == pytest.approx(1 - r.effect_size)


def test_rank_tests_from_tallies():
    before = uniform_forms(
        "2026H1", "U1", "public", ["satisfied"] * 5 + ["dissatisfied"] * 5, ["U1", "U2"]
    )
    after = uniform_forms(
        "2026A", "U1", "public", ["satisfied"] * 9 + ["basically_satisfied"], ["U1", "U2"]
    )
    tb, ta = tally(before, S), tally(after, S)
    r = mann_whitney_cycles(tb, ta, dimension="service", unit="U1")
    # later cycle better: probability of superiority above 1/2, labels (after, before)
    assert r.labels == ("2026A", "2026H1") and r.effect_size > 0.5
    # ordinal codes, higher = better
    code = {lv: i for i, lv in enumerate(reversed(VALID))}
    xa = np.array([code[v] for v in after["service"].astype(str)])
    xb = np.array([code[v] for v in before["service"].astype(str)])
    sp = stats.mannwhitneyu(xa, xb, method="asymptotic")
    assert r.pvalue == pytest.approx(sp.pvalue) and r.statistic == sp.statistic
    other = mann_whitney_cycles(tb, ta, dimension="service", unit="U2")
    assert np.isnan(other.pvalue)
    rows = [("U1", "public", {"service": "satisfied"})] * 6 + [
        ("U2", "public", {"service": "dissatisfied"})
    ] * 4
    rows += [("U3", "deputy", {"service": "fairly_satisfied"})] * 5
    t = tally(make_forms("2026H1", rows), S)
    units = pd.DataFrame({"unit": ["U1", "U2", "U3"], "series": ["a", "a", "b"]})
    k = kruskal_units(t, dimension="service", series="a", units=units)
    assert k.labels == ("U1", "U2") and k.df == 1
    expected = stats.kruskal([3] * 6, [0] * 4)
    assert k.statistic == pytest.approx(expected.statistic)
    assert kruskal_units(t, dimension="service").df == 2
    assert np.isnan(
        kruskal_units(t, dimension="service", group="public", series="b", units=units).pvalue
    )


# ====================================================================== trend
def test_trend_known_answer_and_variants():
    # R prop.trend.test(c(83, 90, 129, 70), c(86, 93, 136, 82)): X-squared = 8.22492
    r = trend_test(REF.SMOKERS_K, REF.SMOKERS_N)
    assert round(r.statistic, 5) == REF.SMOKERS_X2
    assert round(r.pvalue, 6) == REF.SMOKERS_P
    assert r.df == 1 and r.method == "cochran-armitage" and r.n == 397
    mh = trend_test(REF.SMOKERS_K, REF.SMOKERS_N, method="mantel-haenszel")
    assert mh.statistic == pytest.approx(r.statistic * 396 / 397)
    # M^2 = (N - 1) r^2, r the Pearson correlation of score and outcome over the N answers
    k, n = np.array(REF.SMOKERS_K), np.array(REF.SMOKERS_N)
    score = np.repeat(np.arange(1, 5), n)
    outcome = np.concatenate(
        [np.r_[np.ones(a), np.zeros(b - a)] for a, b in zip(k, n, strict=True)]
    )
    corr = np.corrcoef(score, outcome)[0, 1]
    assert mh.statistic == pytest.approx(396 * corr**2)
    # scores: a linear change of scores changes nothing but the slope
    scaled = trend_test(k, n, scores=[10, 20, 30, 40])
    assert scaled.statistic == pytest.approx(r.statistic)
    assert scaled.estimate == pytest.approx(r.estimate / 10)
    flat = trend_test([5, 5, 5], [5, 5, 5])
    assert np.isnan(flat.pvalue)


# ====================================================================== results and sentences
def test_result_frame_and_frozen():
    r = rate_difference(56, 70, 48, 80, labels=("2026A", "2026H1"))
    f = r.to_frame()
    assert list(f.columns) == RESULT_COLUMNS and len(f) == 1
    assert f.loc[0, "labels"] == "2026A vs 2026H1" and f.loc[0, "estimate"] == pytest.approx(0.2)
    with pytest.raises(AttributeError):
        r.pvalue = 0.5
    assert r.significant() is True and r.significant(0.001) is False
    assert TestResult("x", np.nan, np.nan, np.nan, "m", 0).significant() is None


def test_sentences():
    up = rate_difference(56, 70, 48, 80, labels=("2026A", "2026H1"))
    assert result_sentence(up, subject="办事效率满意率") == (
        "办事效率满意率年度比上半年高 20.0 个百分点（95% 置信区间 5.2 至 33.4），"
        "差异有统计学意义（p = 0.008）。"
    )
    assert result_sentence(up, "en", subject="the satisfied rate for efficiency") == (
        "The satisfied rate for efficiency was 20.0 percentage points higher in the annual "
        "evaluation than in the half-year evaluation (95% CI 5.2 to 33.4); the difference is "
        "statistically significant (p = 0.008)."
    )
    down = rate_difference(48, 80, 56, 70, labels=("2026A", "2025A"), confidence_level=0.9)
    assert result_sentence(down) == (
        "满意率2026年度比2025年度低 20.0 个百分点（90% 置信区间 −31.4 至 −7.7），"
        "差异有统计学意义（p = 0.008）。"
    )
    assert "差异无统计学意义" in result_sentence(down, alpha=0.001)
    same = rate_difference(5, 10, 10, 20, labels=("B", "A"))
    assert (
        result_sentence(same)
        == "满意率B与A持平（95% 置信区间 −33.1 至 33.1），差异无统计学意义（p = 1.00）。"
    )
    chi = chi2_homogeneity(REF.AGRESTI_2007_TABLE_2_5)
    assert result_sentence(chi) == (
        "各评议人类别的评价等级分布差异有统计学意义"
        "（χ² = 30.07，自由度 2，p < 0.001；Cramér's V = 0.10）。"
    )
    mc = chi2_homogeneity([[3, 1], [1, 5]], rng=1, n_resamples=999)
    assert ", Monte-Carlo p-value;" in result_sentence(mc, "en")
    kw = kruskal_counts(REF.FAGERLAND_TABLE_7_6)
    assert result_sentence(kw, "en", subject="efficiency ratings") == (
        "The difference between units in efficiency ratings is statistically significant "
        "(Kruskal–Wallis H = 9.16, df = 2, p = 0.01)."
    )
    mw = TestResult(
        "mann_whitney", 10.0, 0.5, np.nan, "asymptotic", 20, 0.6, labels=("2026A", "2026H1")
    )
    assert result_sentence(mw) == (
        "评价等级年度与上半年的分布差异无统计学意义（Mann–Whitney 检验，p = 0.50）；"
        "随机抽取的一份年度答案好于上半年答案的概率为 0.60（0.5 为无差别）。"
    )
    tr = trend_test(REF.SMOKERS_K, REF.SMOKERS_N)
    assert result_sentence(tr) == (
        "满意率的线性趋势有统计学意义"
        "（χ² = 8.22，自由度 1，p = 0.004；平均每期变化 −3.3 个百分点）。"
    )
    assert cycle_label("2026H2", "en", with_year=True) == "the 2026 second half-year evaluation"
    assert cycle_label("round-3") == "round-3"


def test_describe_changes(cycles):
    _b, _a, tb, ta = cycles
    t = compare_cycles(tb, ta)
    zh = describe_changes(t)
    assert zh.index.equals(t.index) and zh.map(type).eq(str).all()
    row = t.iloc[0]
    pp = row["rate_diff"] * 100
    word = "高" if pp > 0 else "低"
    assert zh.iloc[0].startswith(
        f"U1的政务公开满意率年度比上半年{word} {abs(pp):.1f} 个百分点（95% 置信区间 "
    )
    assert row["rate_pvalue_adjusted"] == 1.0
    assert zh.iloc[0].endswith("Holm 校正后 p = 1.00）。")  # two decimals from 0.01 (APA 6.36)
    only = t.index[t["present"] == "before_only"][0]
    assert zh[only] == "U3仅有上半年的测评表，无法比较。"
    names = pd.DataFrame({"unit": ["U4"], "name": ["丁所"]})
    en = describe_changes(t, lang="en", metric="score", units=names)
    after_only = t.index[t["present"] == "after_only"][0]
    assert (
        en[after_only] == "丁所 has forms only in the annual evaluation; no comparison is possible."
    )
    assert en.iloc[0].startswith("The score of U1 for Openness of government affairs was ")
    g = describe_changes(compare_cycles(tb, ta, by=("group",), adjust="none"))
    assert g.iloc[0].startswith("满意率（企业评价）年度比上半年")
    assert "（p = " in g.iloc[0]


# ====================================================================== errors
def _tallies():
    tb = tally(uniform_forms("2026H1", "U1", "public", ["satisfied", "dissatisfied"]), S)
    ta = tally(uniform_forms("2026A", "U1", "public", ["satisfied"]), S)
    return tb, ta


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: difference_ci(1, 2, 1, 2, method="score"),
            ValueError,
            "method must be one of 'newcombe', 'miettinen-nurminen'; got 'score'",
        ),
        (
            lambda: difference_ci(3, 2, 1, 2),
            ValueError,
            "k1 and n1 must be whole numbers with 0 <= k1 <= n1",
        ),
        (
            lambda: difference_ci(1, 2, 1.5, 2),
            ValueError,
            "k2 and n2 must be whole numbers with 0 <= k2 <= n2",
        ),
        (
            lambda: difference_ci("1", 2, 1, 2),
            TypeError,
            "k1 must be numbers (counts); got dtype <U1",
        ),
        (
            lambda: difference_ci(1, 2, 1, 2, confidence_level=1),
            ValueError,
            "confidence_level must be strictly between 0 and 1; got 1",
        ),
        (
            lambda: rate_difference([1], [2], 1, 2),
            ValueError,
            "rate_difference takes single counts; use difference_ci for arrays",
        ),
        (
            lambda: rate_difference(1, 2, 1, 2, labels="ab"),
            TypeError,
            "labels must be a sequence of two str; got 'ab'",
        ),
        (
            lambda: rate_difference(1, 2, 1, 2, labels=("a",)),
            ValueError,
            "labels must be two str (first, second); got ('a',)",
        ),
        (
            lambda: chi2_homogeneity([1, 2]),
            ValueError,
            "table must be 2-dimensional; got shape (2,)",
        ),
        (
            lambda: chi2_homogeneity([[1, -2], [1, 1]]),
            ValueError,
            "table must hold whole numbers >= 0",
        ),
        (
            lambda: chi2_homogeneity([[True]]),
            TypeError,
            "table must be numbers (counts); got dtype bool",
        ),
        (
            lambda: chi2_homogeneity([[1, 2], [3, 4]], method="exact"),
            ValueError,
            "method must be one of 'auto', 'asymptotic', 'monte-carlo'; got 'exact'",
        ),
        (
            lambda: chi2_homogeneity([[1, 2], [3, 4]], n_resamples=0),
            ValueError,
            "n_resamples must be at least 1; got 0",
        ),
        (
            lambda: chi2_homogeneity([[1, 2], [3, 4]], n_resamples=1.5),
            TypeError,
            "n_resamples must be a whole number; got 1.5",
        ),
        (
            lambda: chi2_homogeneity([[1, 2], [3, 4]], rng=-1),
            ValueError,
            "rng must be a non-negative int seed; got -1",
        ),
        (
            lambda: chi2_homogeneity([[1, 2], [3, 4]], rng="x"),
            TypeError,
            "rng must be None, an int seed or a numpy.random.Generator; got str",
        ),
        (
            lambda: mann_whitney_counts([1, 2], [1, 2, 3]),
            ValueError,
            "x and y must count the same categories; got shapes (2,), (3,)",
        ),
        (lambda: kruskal_counts([[0.5, 1]]), ValueError, "table must hold whole numbers >= 0"),
        (
            lambda: trend_test([1, 2], [3, 4]),
            ValueError,
            "trend_test needs at least 3 samples; got 2",
        ),
        (
            lambda: trend_test([[1, 2, 3]], [[3, 4, 5]]),
            ValueError,
            "k and n must be 1-dimensional; got shape (1, 3)",
        ),
        (lambda: trend_test([1, 2, 0], [3, 4, 0]), ValueError, "every sample needs n > 0"),
        (
            lambda: trend_test([1, 2, 3], [3, 4, 5], scores=[1, 2]),
            ValueError,
            "scores must have one value per sample (3); got shape (2,)",
        ),
        (
            lambda: trend_test([1, 2, 3], [3, 4, 5], scores=["a", "b", "c"]),
            TypeError,
            "scores must be numbers; got dtype <U1",
        ),
        (
            lambda: trend_test([1, 2, 3], [3, 4, 5], scores=[1, np.inf, 2]),
            ValueError,
            "scores must be finite",
        ),
        (
            lambda: trend_test([1, 2, 3], [3, 4, 5], scores=[2, 2, 2]),
            ValueError,
            "scores must not all be equal",
        ),
        (
            lambda: trend_test([1, 2, 3], [3, 4, 5], method="chi2"),
            ValueError,
            "method must be one of 'cochran-armitage', 'mantel-haenszel'; got 'chi2'",
        ),
        (
            lambda: result_sentence(TestResult("x", 1.0, 0.5, 1.0, "m", 1), "fr"),
            ValueError,
            "lang must be one of 'zh', 'en'; got 'fr'",
        ),
        (
            lambda: result_sentence(TestResult("x", 1.0, 0.5, 1.0, "m", 1), subject=3),
            TypeError,
            "subject must be a str; got int",
        ),
        (
            lambda: result_sentence(TestResult("x", 1.0, 0.5, 1.0, "m", 1), alpha=2),
            ValueError,
            "alpha must be strictly between 0 and 1; got 2",
        ),
        (
            lambda: cycle_label("2026A", "de"),
            ValueError,
            "lang must be one of 'zh', 'en'; got 'de'",
        ),
    ],
)
def test_argument_errors(call, error, message):
    with pytest.raises(error, match=full(message)):
        call()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"by": ("unit", "cycle")},
            ValueError,
            "by must be one of 'unit', 'group', 'dimension', 'series'; got 'cycle'",
        ),
        ({"by": ("unit", "unit")}, ValueError, "by names a column twice: ['unit', 'unit']"),
        ({"by": [1]}, TypeError, "by must be a sequence of column names; got [1]"),
        (
            {"by": "series"},
            ValueError,
            "by='series' needs units= (a table with columns unit, series)",
        ),
        (
            {"adjust": "fdr_bh"},
            ValueError,
            "adjust must be one of 'holm', 'bh', 'bonferroni', 'none'; got 'fdr_bh'",
        ),
        ({"alpha": 0.0}, ValueError, "alpha must be strictly between 0 and 1; got 0.0"),
        (
            {"method": "wald"},
            ValueError,
            "method must be one of 'newcombe', 'miettinen-nurminen'; got 'wald'",
        ),
        (
            {"by": ("series",), "units": pd.DataFrame({"unit": ["U1"]})},
            ValueError,
            "units lacks column(s) ['series']; required: ['unit', 'series']; got ['unit']",
        ),
        (
            {"by": ("series",), "units": pd.DataFrame({"unit": ["U1", "U1"], "series": "a"})},
            ValueError,
            "units lists unit(s) ['U1'] more than once",
        ),
        (
            {"by": ("series",), "units": [1]},
            TypeError,
            "units must be a pandas DataFrame; got list",
        ),
    ],
)
def test_compare_cycles_option_errors(kwargs, error, message):
    tb, ta = _tallies()
    with pytest.raises(error, match=full(message)):
        compare_cycles(tb, ta, **kwargs)


def test_compare_cycles_data_errors():
    tb, ta = _tallies()
    with pytest.raises(
        ValueError, match=full("counts_before and counts_after hold the same cycle '2026H1'")
    ):
        compare_cycles(tb, tb)
    both = pd.concat([tb, ta], ignore_index=True)
    with pytest.raises(
        ValueError,
        match=full("counts_after holds 2 cycles ['2026A', '2026H1']; pass cycle= to choose"),
    ):
        compare_cycles(tb, both)
    with pytest.raises(
        ValueError, match=full("counts_before is empty: it has no cycle to compare")
    ):
        compare_cycles(tb.iloc[:0], ta)
    with pytest.raises(
        TypeError, match=full("counts_before must be a pandas DataFrame (a tally); got list")
    ):
        compare_cycles([], ta)
    with pytest.raises(
        ValueError, match=full("counts has no cycle '2027A'; it holds ['2026A', '2026H1']")
    ):
        group_homogeneity(both, dimension="service", cycle="2027A")


def test_test_function_errors():
    tb, ta = _tallies()
    with pytest.raises(
        ValueError,
        match=full(
            "group_homogeneity needs dimension=: a form answers every dimension, so answers "
            "pooled over dimensions are not independent"
        ),
    ):
        group_homogeneity(tb, dimension=None)
    with pytest.raises(
        ValueError,
        match=full(
            "dimension must be one of 'transparency', 'lawfulness', 'efficiency', 'service', "
            "'integrity'; got 'speed'"
        ),
    ):
        kruskal_units(tb, dimension="speed")
    with pytest.raises(ValueError, match=full("unit 'U7' is not in the counts; units are ['U1']")):
        group_homogeneity(tb, dimension="service", unit="U7")
    with pytest.raises(TypeError, match=full("unit must be a unit code (str) or None; got 3")):
        group_homogeneity(tb, dimension="service", unit=3)
    with pytest.raises(
        ValueError, match=full("series= needs units= (a table with columns unit, series)")
    ):
        kruskal_units(tb, dimension="service", series="a")
    units = pd.DataFrame({"unit": ["U1"], "series": ["a"]})
    with pytest.raises(ValueError, match=full("units has no unit in series 'b'")):
        kruskal_units(tb, dimension="service", series="b", units=units)
    with pytest.raises(
        ValueError,
        match=full(
            "group must be one of 'enterprise', 'supervisor', 'public', 'deputy'; got 'boss'"
        ),
    ):
        kruskal_units(tb, dimension="service", group="boss")
    with pytest.raises(
        ValueError, match=full("unit 'U7' is in neither counts_before nor counts_after")
    ):
        mann_whitney_cycles(tb, ta, dimension="service", unit="U7")
    with pytest.raises(TypeError, match=full("unit must be a unit code (str) or None; got 1")):
        mann_whitney_cycles(tb, ta, dimension="service", unit=1)


def test_rank_movement_and_describe_errors(cycles):
    r = _ranking("2026H1", ["A"], [1])
    with pytest.raises(
        TypeError, match=full("ranking_before must be a pandas DataFrame; got dict")
    ):
        rank_movement({}, r)
    with pytest.raises(
        ValueError,
        match=full(
            "ranking_after lacks column(s) ['standing']; "
            "it needs ['cycle', 'unit', 'series', 'rank', 'standing']"
        ),
    ):
        rank_movement(r, r.drop(columns="standing"))
    two = pd.concat([r, r.assign(cycle="2026A", unit="B")])
    with pytest.raises(
        ValueError, match=full("ranking_after holds 2 cycles ['2026A', '2026H1']; pass one cycle")
    ):
        rank_movement(r, two)
    with pytest.raises(ValueError, match=full("ranking_before lists unit(s) ['A'] more than once")):
        rank_movement(pd.concat([r, r]), r)
    _b, _a, tb, ta = cycles
    t = compare_cycles(tb, ta)
    with pytest.raises(TypeError, match=full("table must be a pandas DataFrame; got list")):
        describe_changes([])
    with pytest.raises(
        ValueError,
        match=full("table lacks column(s) ['rate_diff']; pass the output of compare_cycles"),
    ):
        describe_changes(t.drop(columns="rate_diff"))
    with pytest.raises(
        ValueError, match=full("metric must be one of 'rate', 'score'; got 'composite'")
    ):
        describe_changes(t, metric="composite")
    with pytest.raises(
        ValueError, match=full("units must be a DataFrame with columns unit and name")
    ):
        describe_changes(t, units=pd.DataFrame({"unit": ["U1"]}))


def test_forms_accepted_and_rows_without_valid_answers():
    rows = [("U1", "public", {"service": "satisfied"})] * 4 + [
        ("U2", "public", {"service": "dissatisfied"})
    ] * 3
    forms = make_forms("2026H1", rows)
    assert kruskal_units(forms, dimension="service") == kruskal_units(
        tally(forms, S), dimension="service"
    )
    tb = tally(uniform_forms("2026H1", "U1", "public", ["unknown"] * 3), S)
    ta = tally(uniform_forms("2026A", "U1", "public", ["satisfied"] * 3), S)
    t = compare_cycles(tb, ta, by=("unit", "dimension"))
    assert (t["present"] == "both").all() and t["rate_diff"].isna().all()
    assert describe_changes(t).iloc[0] == "U1的政务公开满意率缺少有效答案，无法比较。"
    assert describe_changes(t, lang="en").iloc[1] == (
        "The satisfied rate of U1 for Administration according to law: there are no valid "
        "answers in one of the cycles; no comparison is possible."
    )


def test_sentences_moved_to_present():
    # issue 12: the statistics return numbers and codes; the sentences live in present
    from evalstats.present import changes
    from evalstats.stats import compare

    with pytest.warns(DeprecationWarning, match=r"compare\.describe_changes moved to "):
        assert compare.describe_changes is changes.describe_changes
    r = rate_difference(90, 100, 80, 100, labels=("2026A", "2026H1"))
    with pytest.raises(AttributeError, match=r"TestResult\.sentence moved .*result_sentence"):
        r.sentence()
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        compare.nothing  # noqa: B018


@pytest.mark.parametrize("scale, shift", [(1, 0), (1_000_003, 0), (1, -50)])
def test_compact_cluster_codes_are_np_unique(scale, shift):
    # rao_scott's clusters: compact codes counted (linear time), sparse or negative ones
    # sorted; either way np.unique's (uniques, inverse)
    from evalstats.stats.design import compact_codes

    codes = np.random.default_rng(5).integers(0, 60, 400) * scale + shift
    uniq, inv = compact_codes(codes)
    want_u, want_inv = np.unique(codes, return_inverse=True)
    assert uniq.tolist() == want_u.tolist() and inv.tolist() == want_inv.ravel().tolist()
