"""Tests of evalstats.stats.score."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from evalstats.core.scheme import load_scheme
from evalstats.counts.tally import add_tallies, pattern_counts, tally
from evalstats.stats.score import (
    COMPOSITE_COLUMNS,
    METRIC_COLUMNS,
    SCORES_COLUMNS,
    composite_year,
    composites,
    metrics,
    scores_table,
    weighted_scores,
)

_spec = importlib.util.spec_from_file_location(
    "reference_proportions", Path(__file__).parent / "reference" / "proportions.py"
)
REF = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REF)

SCHEME = load_scheme()
DIMS = list(SCHEME.dimension_codes)
LEVELS = list(SCHEME.level_codes)
GROUPS = list(SCHEME.group_codes)
POINTS = {lv.code: lv.points for lv in SCHEME.levels if lv.valid}
S, F, B, D, K = "satisfied", "fairly_satisfied", "basically_satisfied", "dissatisfied", "unknown"
UNITS = pd.DataFrame(
    {
        "unit": ["U1", "U2", "U3"],
        "name": ["办公室", "执法大队", "服务中心"],
        "series": ["administration", "administration", "public_service"],
    }
)


def make_forms(rows, units=("U1", "U2", "U3")):
    """Forms table with the validated layout from (cycle, unit, group, [5 levels or None])."""
    data = {
        "cycle": pd.array([r[0] for r in rows], dtype="str"),
        "unit": pd.Categorical([r[1] for r in rows], categories=list(units)),
        "group": pd.Categorical([r[2] for r in rows], categories=GROUPS),
    }
    for j, d in enumerate(DIMS):
        data[d] = pd.Categorical([r[3][j] for r in rows], dtype=SCHEME.level_dtype)
    return pd.DataFrame(data)


def random_forms(n, seed, units=("U1", "U2", "U3"), cycles=("2026H1",), halo=0.0):
    """Random forms; ``halo`` is the chance that a form repeats its first answer everywhere."""
    rng = np.random.default_rng(seed)
    data = {
        "cycle": pd.array(rng.choice(list(cycles), n), dtype="str"),
        "unit": pd.Categorical.from_codes(rng.integers(0, len(units), n), categories=list(units)),
        "group": pd.Categorical.from_codes(rng.integers(0, len(GROUPS), n), categories=GROUPS),
    }
    p = [0.45, 0.25, 0.12, 0.08, 0.05, 0.05]  # five levels, then blank
    first = rng.choice(6, n, p=p)
    same = rng.random(n) < halo
    for d in DIMS:
        codes = np.where(same, first, rng.choice(6, n, p=p))
        data[d] = pd.Categorical.from_codes(
            np.where(codes == 5, -1, codes), dtype=SCHEME.level_dtype
        )
    return pd.DataFrame(data)


def one_cell(levels_counts, unit="U1", group="public", dim="transparency", cycle="2026H1"):
    """Forms answering ``dim`` with the given level counts (other dimensions 'satisfied')."""
    rows = []
    for lv, c in levels_counts.items():
        ans = [S] * 5
        ans[DIMS.index(dim)] = None if lv == "blank" else lv
        rows += [(cycle, unit, group, ans)] * c
    return rows


# ---------------------------------------------------------------------- hand-computed metrics
def test_hand_computed_cell():
    cnt = {S: 3, F: 2, B: 1, D: 1, K: 1, "blank": 2}
    t = tally(make_forms(one_cell(cnt)))
    m = metrics(t)
    assert list(m.columns) == ["unit", "group", "dimension", *METRIC_COLUMNS]
    assert len(m) == 3 * 4 * 5
    row = m[(m.unit == "U1") & (m.group == "public") & (m.dimension == "transparency")].iloc[0]
    assert row.n_forms == 10 and row.n_valid == 7 and row.n_unknown == 1 and row.n_blank == 2
    assert row.top_box_rate == pytest.approx(3 / 7)
    assert row.satisfied_rate == pytest.approx(6 / 7)
    assert row.dissatisfied_rate == pytest.approx(1 / 7)
    assert row.share_of_all_votes == pytest.approx(1 / 10)
    x = np.array([100, 100, 100, 80, 80, 60, 0], float)  # the valid answers' points
    assert row.score == pytest.approx(x.mean()) and row.score == pytest.approx(520 / 7)
    lo, hi = stats.t.interval(0.95, 6, loc=x.mean(), scale=x.std(ddof=1) / np.sqrt(7))
    assert hi > 100  # the t interval leaves the points scale: cut at the top level's points
    assert (row.score_ci_low, row.score_ci_high) == pytest.approx((lo, 100.0))
    # Wilson 6/7 computed by statsmodels.stats.proportion.proportion_confint(6, 7, method="wilson")
    assert (row.satisfied_ci_low, row.satisfied_ci_high) == pytest.approx(
        (0.4868721707256811, 0.9743203756552565), abs=1e-12
    )
    assert row.low_confidence and not row.no_valid
    assert row.confidence_level == 0.95 and row.ci_method == "wilson"


def test_source_document_case_share_of_all_votes():
    # "4 votes dissatisfied = 3 % of all votes" implies about 133 votes (DOMAIN.md)
    k, votes = REF.SOURCE_DOCUMENT_DISSATISFIED, REF.SOURCE_DOCUMENT_VOTES
    cnt = {S: 100, F: 15, B: 5, D: k, K: 5, "blank": votes - 129}
    t = tally(make_forms(one_cell(cnt)))
    row = metrics(t, by=("unit", "dimension")).iloc[0]
    assert row.n_valid + row.n_unknown + row.n_blank == votes
    assert row.share_of_all_votes == pytest.approx(4 / 133)
    assert round(100 * row.share_of_all_votes) == REF.SOURCE_DOCUMENT_SHARE_PERCENT
    # and the check a reader makes: 4 / 3 % = 133 votes
    assert round(k / (REF.SOURCE_DOCUMENT_SHARE_PERCENT / 100)) == votes
    assert row.dissatisfied_rate == pytest.approx(4 / 124)


def test_empty_cell_is_flagged_not_dropped():
    t = tally(make_forms(one_cell({S: 3})))
    m = metrics(t)
    empty = m[(m.unit == "U2") & (m.group == "deputy") & (m.dimension == "service")].iloc[0]
    assert empty.n_forms == 0 and empty.n_valid == 0 and empty.no_valid and empty.low_confidence
    for c in ("top_box_rate", "satisfied_rate", "satisfied_ci_low", "score", "score_ci_high"):
        assert np.isnan(empty[c])
    assert np.isnan(empty.share_of_all_votes)
    # only 'unknown' answers: a cell with forms but no valid answer
    t = tally(make_forms(one_cell({K: 2})))
    m = metrics(t)
    row = m[(m.group == "public") & (m.dimension == "transparency") & (m.unit == "U1")].iloc[0]
    assert row.n_forms == 2 and row.n_valid == 0 and row.no_valid
    assert row.share_of_all_votes == 0.0 and np.isnan(row.score)


def test_n_forms_counts_forms_once_when_pooling_dimensions():
    forms = random_forms(300, 1)
    t = tally(forms)
    by_unit = metrics(t, by=("unit",))
    np.testing.assert_array_equal(
        by_unit["n_forms"].to_numpy(), forms["unit"].value_counts(sort=False).to_numpy()
    )
    town = metrics(t, by=())
    assert town["n_forms"].tolist() == [300]
    assert town["n_valid"].iloc[0] + town["n_unknown"].iloc[0] + town["n_blank"].iloc[0] == 1500
    by_dim = metrics(t, by=("dimension",))
    assert (by_dim["n_forms"] == 300).all()
    by_group = metrics(t, by=("group", "cycle"))
    assert by_group["n_forms"].sum() == 300
    assert list(by_group.columns[:2]) == ["group", "cycle"]


def test_series_grouping_needs_units_and_pools_units():
    forms = random_forms(400, 2)
    t = tally(forms)
    m = metrics(t, by=("series", "dimension"), units=UNITS)
    assert m["series"].astype(str).unique().tolist() == ["administration", "public_service"]
    admin = metrics(t, by=("unit", "dimension"))
    admin = admin[admin.unit.isin(["U1", "U2"])].groupby("dimension", observed=True)
    row = m[m.series == "administration"].set_index("dimension")
    np.testing.assert_array_equal(row["n_valid"].to_numpy(), admin["n_valid"].sum().to_numpy())
    # unit and series together: each unit only under its own series
    both = metrics(t, by=("series", "unit"), units=UNITS)
    assert both[["series", "unit"]].astype(str).values.tolist() == [
        ["administration", "U1"],
        ["administration", "U2"],
        ["public_service", "U3"],
    ]


def test_pooled_score_without_patterns_is_conservative_and_with_patterns_exact():
    forms = random_forms(3000, 3, halo=0.6)
    t, p = tally(forms), pattern_counts(forms)
    naive = metrics(t, by=("unit",))
    exact = metrics(t, by=("unit",), patterns=p)
    pd.testing.assert_series_equal(naive["score"], exact["score"])
    w_naive = naive.score_ci_high - naive.score_ci_low
    w_exact = exact.score_ci_high - exact.score_ci_low
    assert (w_exact < w_naive).all()
    # reference: ratio-estimator variance computed directly from the form rows
    pts = np.array([POINTS.get(lv, 0.0) for lv in LEVELS] + [0.0])
    valid = np.array([lv in POINTS for lv in LEVELS] + [False])
    codes = np.stack([forms[d].cat.codes.to_numpy() for d in DIMS], 1)
    codes = np.where(codes < 0, len(LEVELS), codes)
    y, m_ = pts[codes].sum(1), valid[codes].sum(1)
    for i, u in enumerate(["U1", "U2", "U3"]):
        sel = (forms["unit"] == u).to_numpy() & (m_ > 0)
        r = y[sel].sum() / m_[sel].sum()
        n = sel.sum()
        var = n / (n - 1) * ((y[sel] - r * m_[sel]) ** 2).sum() / m_[sel].sum() ** 2
        lo, hi = stats.t.interval(0.95, n - 1, loc=r, scale=np.sqrt(var))
        assert exact.score.iloc[i] == pytest.approx(r)
        assert (exact.score_ci_low.iloc[i], exact.score_ci_high.iloc[i]) == pytest.approx((lo, hi))


def test_pattern_interval_agrees_with_bound_when_answers_move_together():
    # every form gives the same answer to all five dimensions: the bound is attained
    forms = random_forms(2000, 4, halo=1.0)
    t, p = tally(forms), pattern_counts(forms)
    a = metrics(t, by=("unit",))
    b = metrics(t, by=("unit",), patterns=p)
    wa = a.score_ci_high - a.score_ci_low
    wb = b.score_ci_high - b.score_ci_low
    np.testing.assert_allclose(wb, wa, rtol=0.02)
    sa = a.satisfied_ci_high - a.satisfied_ci_low
    sb = b.satisfied_ci_high - b.satisfied_ci_low
    np.testing.assert_allclose(sb, sa, rtol=0.05)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(0, 150),
    seed=st.integers(0, 10_000),
    by=st.sampled_from(
        [("unit", "group", "dimension"), ("unit",), ("dimension",), ("cycle", "group"), ()]
    ),
    method=st.sampled_from(["wilson", "clopper-pearson", "jeffreys"]),
    use_patterns=st.booleans(),
)
def test_metric_invariants(n, seed, by, method, use_patterns):
    forms = random_forms(n, seed, cycles=("2026H1", "2026A"), halo=0.5)
    t = tally(forms)
    p = pattern_counts(forms) if use_patterns else None
    m = metrics(t, by=by, method=method, patterns=p)
    ok = m["n_valid"] > 0
    assert (m["no_valid"] == ~ok).all()
    v = m[ok]
    eps = 1e-12
    assert (v.satisfied_ci_low >= 0).all() and (v.satisfied_ci_high <= 1).all()
    assert (v.satisfied_ci_low <= v.satisfied_rate + eps).all()
    assert (v.satisfied_rate <= v.satisfied_ci_high + eps).all()
    for c in ("top_box_rate", "dissatisfied_rate", "share_of_all_votes"):
        assert v[c].between(0, 1).all()
    sc = v.dropna(subset=["score_ci_low"])
    assert (sc.score_ci_low <= sc.score + 1e-9).all() and (
        sc.score <= sc.score_ci_high + 1e-9
    ).all()
    assert (sc.score_ci_low >= 0).all() and (sc.score_ci_high <= 100).all()
    assert m["n_forms"].sum() == (n if "dimension" not in by else 5 * n)
    # row order of the tally and partitioning the forms change nothing
    rng = np.random.default_rng(seed)
    shuffled = t.iloc[rng.permutation(len(t))]
    pd.testing.assert_frame_equal(metrics(shuffled, by=by, method=method, patterns=p), m)
    if n > 1:
        cut = int(rng.integers(1, n))
        parts = add_tallies(tally(forms.iloc[:cut]), tally(forms.iloc[cut:]))
        pd.testing.assert_frame_equal(metrics(parts, by=by, method=method, patterns=p), m)


# ---------------------------------------------------------------------- weighted scores
def test_weighted_score_renormalises_missing_groups():
    rows = one_cell({S: 3, D: 1}, group="enterprise") + one_cell({F: 2, B: 2}, group="public")
    t = tally(make_forms(rows))
    w = weighted_scores(t)
    assert list(w.columns) == [
        "cycle",
        "unit",
        "dimension",
        "n_valid",
        "weighted_score",
        "weighted_score_ci_low",
        "weighted_score_ci_high",
        "groups_missing",
        "confidence_level",
    ]
    row = w[(w.unit == "U1") & (w.dimension == "transparency")].iloc[0]
    s_e = np.array([100, 100, 100, 0.0])
    s_p = np.array([80, 80, 60, 60.0])
    ws = (0.4 * s_e.mean() + 0.2 * s_p.mean()) / 0.6
    assert row.weighted_score == pytest.approx(ws)
    assert row.groups_missing == "supervisor;deputy"
    v_e = (0.4 / 0.6) ** 2 * s_e.var(ddof=1) / 4
    v_p = (0.2 / 0.6) ** 2 * s_p.var(ddof=1) / 4
    df = (v_e + v_p) ** 2 / (v_e**2 / 3 + v_p**2 / 3)
    half = stats.t.ppf(0.975, df) * np.sqrt(v_e + v_p)
    assert row.weighted_score_ci_low == pytest.approx(max(ws - half, 0.0))
    assert row.weighted_score_ci_high == pytest.approx(min(ws + half, 100.0))
    # other dimensions: every answer satisfied in both groups -> 100, zero-width interval
    other = w[(w.unit == "U1") & (w.dimension == "service")].iloc[0]
    assert other.weighted_score == pytest.approx(100.0)
    assert other.weighted_score_ci_low == other.weighted_score == other.weighted_score_ci_high
    # a unit without forms
    none = w[w.unit == "U2"]
    assert none.weighted_score.isna().all() and (none.groups_missing == "").all()


def test_weighted_score_all_groups_present_uses_scheme_weights():
    rows = []
    for g, lv in zip(GROUPS, [S, F, B, D], strict=True):
        rows += one_cell({lv: 2, S: 1}, group=g)
    w = weighted_scores(tally(make_forms(rows)))
    row = w[(w.unit == "U1") & (w.dimension == "transparency")].iloc[0]
    gw = SCHEME.group_weights
    means = {g: (2 * POINTS[lv] + 100) / 3 for g, lv in zip(GROUPS, [S, F, B, D], strict=True)}
    assert row.weighted_score == pytest.approx(sum(gw[g] * means[g] for g in GROUPS))
    assert row.groups_missing == ""


# ---------------------------------------------------------------------- composites
def test_composite_renormalises_dimensions_and_flags():
    rows = []
    for g in ("enterprise", "public"):
        for lv, c in {S: 30, F: 5}.items():
            ans = [lv, lv, lv, lv, K]  # integrity: only 'unknown' -> no valid answer
            rows += [("2026H1", "U1", g, ans)] * c
    t = tally(make_forms(rows))
    c = composites(t, units=UNITS)
    assert list(c.columns) == COMPOSITE_COLUMNS
    assert c["unit"].tolist() == ["U1", "U2", "U3"]
    u1 = c.iloc[0]
    assert u1.composite == pytest.approx((30 * 100 + 5 * 80) / 35)
    assert (
        u1["flags"] == "group_missing:supervisor;group_missing:deputy;dimension_no_valid:integrity"
    )
    assert u1.unit_name == "办公室" and u1.series == "administration" and u1.n_forms == 70
    assert u1.composite_ci_low < u1.composite < u1.composite_ci_high
    for i in (1, 2):
        assert np.isnan(c.composite.iloc[i]) and c["flags"].iloc[i] == "no_forms"
        assert c.n_forms.iloc[i] == 0


def test_composite_equals_weighted_mean_of_weighted_scores():
    forms = random_forms(600, 5)
    t = tally(forms)
    w = weighted_scores(t)
    c = composites(t, units=UNITS)
    v = SCHEME.dimension_weights
    for u in ("U1", "U2", "U3"):
        ws = w[w.unit == u].set_index("dimension")["weighted_score"]
        expect = sum(v[d] * ws[d] for d in DIMS) / sum(v.values())
        assert c.set_index("unit").loc[u, "composite"] == pytest.approx(expect)


def test_composite_low_confidence_and_no_interval_flags():
    rows = one_cell({S: 5}, group="enterprise") + one_cell({S: 1}, group="public")
    c = composites(tally(make_forms(rows)), units=UNITS)
    assert c["flags"].iloc[0] == (
        "group_missing:supervisor;group_missing:deputy;low_confidence;no_interval"
    )
    assert np.isnan(c.composite_ci_low.iloc[0]) and c.composite.iloc[0] == 100.0


def test_group_of_one_borrows_pooled_variance():
    # U1: four enterprise forms and a single public form; U2 and U3: several public forms
    rows = one_cell({S: 3, D: 1}, group="enterprise") + one_cell({F: 1}, group="public")
    rows += one_cell({S: 2, B: 2}, unit="U2", group="public")
    rows += one_cell({F: 1, D: 2}, unit="U3", group="public")
    t = tally(make_forms(rows))
    w = weighted_scores(t).set_index(["unit", "dimension"]).loc[("U1", "transparency")]
    s_e = np.array([100, 100, 100, 0.0])
    u2, u3 = np.array([100, 100, 60, 60.0]), np.array([80, 0, 0.0])
    ss = ((u2 - u2.mean()) ** 2).sum() + ((u3 - u3.mean()) ** 2).sum()
    s2_pooled, df_pooled = ss / (3 + 2), 3 + 2
    a_e, a_p = 0.4 / 0.6, 0.2 / 0.6
    ws = a_e * s_e.mean() + a_p * 80
    v_e, v_p = a_e**2 * s_e.var(ddof=1) / 4, a_p**2 * s2_pooled / 1
    df = (v_e + v_p) ** 2 / (v_e**2 / 3 + v_p**2 / df_pooled)
    half = stats.t.ppf(0.975, df) * np.sqrt(v_e + v_p)
    assert w.weighted_score == pytest.approx(ws)
    assert w.weighted_score_ci_low == pytest.approx(ws - half)
    assert w.weighted_score_ci_high == pytest.approx(min(ws + half, 100))
    # the per-cell row does not borrow: one answer, no interval
    m = metrics(t).set_index(["unit", "group", "dimension"]).loc[("U1", "public", "transparency")]
    assert m.score == 80 and np.isnan(m.score_ci_low)
    for p in (None, pattern_counts(make_forms(rows))):
        c = composites(t, units=UNITS, patterns=p).set_index("unit")
        assert "pooled_variance:public" in c.loc["U1", "flags"].split(";")
        assert np.isfinite(c.loc["U1", "composite_ci_low"])
        assert "pooled_variance" not in c.loc["U2", "flags"]


def test_composite_interval_with_patterns_matches_form_bootstrap():
    forms = random_forms(900, 6, units=("U1",), halo=0.5)
    t, p = tally(forms), pattern_counts(forms)
    units = UNITS.iloc[:1]
    c = composites(t, units=units, patterns=p).iloc[0]
    bound = composites(t, units=units).iloc[0]
    assert bound.composite_se > c.composite_se  # the no-pattern bound is conservative
    # brute force: resample forms within each group (groups are separate samples)
    rng = np.random.default_rng(7)
    idx_by_group = [np.flatnonzero((forms["group"] == g).to_numpy()) for g in GROUPS]
    reps = []
    for _ in range(400):
        take = np.concatenate([rng.choice(ix, len(ix)) for ix in idx_by_group])
        boot = forms.iloc[take]
        reps.append(composites(tally(boot), units=units).composite.iloc[0])
    se_boot = np.std(reps, ddof=1)
    # 400 replicates: Monte Carlo error of a standard deviation about 1/sqrt(800) = 3.5 %
    assert c.composite_se == pytest.approx(se_boot, rel=0.15)
    assert c.composite == bound.composite


def test_composite_patterns_must_match():
    forms = random_forms(200, 8)
    other = pattern_counts(random_forms(200, 9))
    with pytest.raises(ValueError) as e:
        composites(tally(forms), units=UNITS, patterns=other)
    assert str(e.value) == "patterns do not match counts: their tally differs"
    with pytest.raises(ValueError) as e:
        metrics(tally(forms), by=("unit",), patterns=other)
    assert str(e.value) == "patterns do not match counts: valid answers per row differ"
    with pytest.raises(ValueError) as e:
        metrics(tally(forms), by=("unit",), patterns=other.assign(cycle="2020A"))
    assert str(e.value) == "patterns do not match counts: cycles or units differ"


# ---------------------------------------------------------------------- the year
def _comp(cycle, values, se=1.0):
    return pd.DataFrame(
        {
            "cycle": cycle,
            "unit": list(values),
            "unit_name": [f"name {u}" for u in values],
            "series": "administration",
            "composite": list(values.values()),
            "composite_se": se,
            "composite_df": 50.0,
        }
    )


def test_composite_year_weights_and_one_cycle_units():
    h = _comp("2026H1", {"U1": 80.0, "U2": 70.0, "U4": np.nan})
    a = _comp("2026A", {"U1": 90.0, "U3": 85.0, "U4": np.nan})
    y = composite_year(h, a).set_index("unit")
    assert list(y.index) == ["U1", "U3", "U4", "U2"]
    # default scheme: half_year 0.4, annual 0.6
    assert y.loc["U1", "composite_year"] == pytest.approx(0.4 * 80 + 0.6 * 90)
    assert (y.loc["U1", "weight_half_year"], y.loc["U1", "weight_annual"]) == (0.4, 0.6)
    assert y.loc["U1", "flags"] == ""
    assert y.loc["U2", "composite_year"] == 70.0 and y.loc["U2", "flags"] == "one_cycle_only:2026H1"
    assert (y.loc["U2", "weight_half_year"], y.loc["U2", "weight_annual"]) == (1.0, 0.0)
    assert y.loc["U3", "composite_year"] == 85.0 and y.loc["U3", "flags"] == "one_cycle_only:2026A"
    assert np.isnan(y.loc["U4", "composite_year"]) and y.loc["U4", "flags"] == "no_forms"
    # independent cycles: se = sqrt(0.4^2 + 0.6^2) * 1, df = Satterthwaite of (50, 50)
    se = np.sqrt(0.4**2 + 0.6**2)
    df = se**4 / ((0.4**2) ** 2 / 50 + (0.6**2) ** 2 / 50)
    half = stats.t.ppf(0.975, df) * se
    assert y.loc["U1", "composite_year_ci_low"] == pytest.approx(86 - half)
    assert (y["cycle"] == "2026A").all()
    assert y.loc["U2", "unit_name"] == "name U2"


def test_composite_year_from_composites():
    h = random_forms(300, 10, cycles=("2026H1",))
    a = random_forms(300, 11, cycles=("2026A",))
    ch = composites(tally(h), units=UNITS)
    ca = composites(tally(a), units=UNITS)
    y = composite_year(ch, ca)
    np.testing.assert_allclose(
        y["composite_year"], 0.4 * ch["composite"] + 0.6 * ca["composite"], rtol=1e-12
    )


def test_composite_year_errors():
    h = _comp("2026H1", {"U1": 80.0})
    with pytest.raises(TypeError) as e:
        composite_year([], h)
    assert str(e.value) == "half_year must be a pandas DataFrame; got list"
    with pytest.raises(ValueError) as e:
        composite_year(h, h.drop(columns=["composite_se"]))
    assert str(e.value) == (
        "annual lacks column(s) ['composite_se']; pass the output of composites()"
    )
    two = pd.concat([h, h.assign(cycle="2026A", unit="U2")])
    with pytest.raises(ValueError) as e:
        composite_year(two, h)
    assert str(e.value) == "half_year must hold one cycle; got ['2026A', '2026H1']"
    with pytest.raises(ValueError) as e:
        composite_year(h, pd.concat([h, h]))
    assert str(e.value) == "annual lists unit(s) ['U1'] more than once"


# ---------------------------------------------------------------------- the scores table
def test_scores_table_contract():
    forms = random_forms(500, 12, cycles=("2026H1", "2026A"))
    t, p = tally(forms), pattern_counts(forms)
    tab = scores_table(t, units=UNITS, patterns=p)
    assert list(tab.columns) == SCORES_COLUMNS
    n_levels = 4 * 5 + 5 + 1  # group x dimension, dimension (group all), all x all
    # per cycle: 3 units, 2 series used, the town
    assert len(tab) == 2 * (3 + 2 + 1) * n_levels
    assert tab["cycle"].tolist()[0] == "2026A"
    first = tab[tab.cycle == "2026A"]
    assert first["unit"].tolist()[: n_levels * 3 : n_levels] == ["U1", "U2", "U3"]
    assert first["unit"].iloc[3 * n_levels] == "all"
    assert first["series"].iloc[3 * n_levels] == "administration"
    assert first["series"].iloc[-1] == "all" and first["unit"].iloc[-1] == "all"
    assert first["group"].iloc[-1] == "all" and first["dimension"].iloc[-1] == "all"
    assert tab["low_confidence"].dtype == bool
    # unit x dimension rows carry weighted_score; unit rows the composite
    w = weighted_scores(t).set_index(["cycle", "unit", "dimension"])
    c = composites(t, units=UNITS, patterns=p).set_index(["cycle", "unit"])
    ud = tab[(tab.unit == "U2") & (tab.group == "all") & (tab.dimension == "service")]
    row = ud.set_index("cycle").loc["2026H1"]
    assert row.weighted_score == pytest.approx(w.loc[("2026H1", "U2", "service"), "weighted_score"])
    assert row.weighted_score_ci_low == pytest.approx(
        w.loc[("2026H1", "U2", "service"), "weighted_score_ci_low"]
    )
    u = tab[(tab.unit == "U3") & (tab.group == "all") & (tab.dimension == "all")]
    u = u.set_index("cycle").loc["2026A"]
    assert u.weighted_score == pytest.approx(c.loc[("2026A", "U3"), "composite"])
    assert u.unit_name == "服务中心" and u.series == "public_service"
    assert tab.loc[tab.group != "all", "weighted_score"].isna().all()
    # the same numbers as metrics() at each level
    m = metrics(t, by=("cycle", "unit", "dimension"))
    mm = m[(m.unit == "U2") & (m.dimension == "service") & (m.cycle == "2026H1")].iloc[0]
    assert row.n_valid == mm.n_valid and row.score == pytest.approx(mm.score)
    # the town row pools everything
    town = tab[(tab.unit == "all") & (tab.series == "all") & (tab.group == "all")]
    town = town[town.dimension == "all"].set_index("cycle")
    assert town["n_forms"].sum() == 500
    # deterministic: same input, same table
    pd.testing.assert_frame_equal(scores_table(t, units=UNITS, patterns=p), tab)


def test_scores_table_row_order_of_counts_changes_nothing():
    t = tally(random_forms(200, 13))
    a = scores_table(t, units=UNITS)
    b = scores_table(t.sample(frac=1, random_state=3), units=UNITS.iloc[[0, 1, 2]])
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------------- bad arguments
def test_metrics_argument_errors():
    t = tally(random_forms(50, 14))
    with pytest.raises(ValueError) as e:
        metrics(t, by=("unit", "region"))
    assert str(e.value) == (
        "by must be one of 'cycle', 'unit', 'group', 'dimension', 'series'; got 'region'"
    )
    with pytest.raises(ValueError) as e:
        metrics(t, by=("unit", "unit"))
    assert str(e.value) == "by names a column twice: ['unit', 'unit']"
    with pytest.raises(TypeError) as e:
        metrics(t, by=5)
    assert str(e.value) == "by must be a sequence of column names; got 5"
    with pytest.raises(ValueError) as e:
        metrics(t, by="series")
    assert str(e.value) == "by='series' needs units= (a table with columns unit, name, series)"
    with pytest.raises(ValueError) as e:
        metrics(t, method="wald")
    assert str(e.value) == (
        "method must be one of 'wilson', 'clopper-pearson', 'jeffreys'; got 'wald'"
    )
    with pytest.raises(ValueError) as e:
        metrics(t, confidence_level=95)
    assert str(e.value) == "confidence_level must be strictly between 0 and 1; got 95"
    with pytest.raises(TypeError) as e:
        metrics(t.to_numpy())
    assert str(e.value) == "counts must be a pandas DataFrame (a tally); got ndarray"
    with pytest.raises(TypeError) as e:
        metrics(t, by=("unit",), patterns="p")
    assert str(e.value) == "patterns must be a pandas DataFrame; got str"


def test_inconsistent_tally_error():
    t = tally(random_forms(50, 15))
    bad = t.copy()
    bad.loc[0, "count"] += 1
    with pytest.raises(ValueError) as e:
        metrics(bad)
    assert str(e.value) == (
        "counts is not a tally of forms: the dimensions of a cycle × unit × group have "
        "different totals (every form counts once in every dimension, blank included)"
    )


def test_units_table_errors():
    t = tally(random_forms(50, 16))
    with pytest.raises(TypeError) as e:
        composites(t, units={"unit": ["U1"]})
    assert str(e.value) == "units must be a pandas DataFrame; got dict"
    with pytest.raises(ValueError) as e:
        composites(t, units=UNITS.drop(columns=["series"]))
    assert str(e.value) == (
        "units lacks column(s) ['series']; required: ['unit', 'series']; got ['unit', 'name']"
    )
    with pytest.raises(ValueError) as e:
        scores_table(t, units=pd.concat([UNITS, UNITS.iloc[:1]]))
    assert str(e.value) == "units lists unit(s) ['U1'] more than once"
    with pytest.raises(ValueError) as e:
        composites(t, units=UNITS.iloc[:2])
    assert str(e.value) == "units has no row for unit(s) ['U3'] found in counts"
    with pytest.raises(ValueError) as e:
        metrics(t, by=("series",), units=UNITS.assign(series=[None, "a", "b"]))
    assert str(e.value) == "units has no series for unit(s) ['U1']"
    with pytest.raises(ValueError) as e:
        scores_table(t, units=UNITS, method="exact")
    assert str(e.value) == (
        "method must be one of 'wilson', 'clopper-pearson', 'jeffreys'; got 'exact'"
    )
    with pytest.raises(ValueError) as e:
        weighted_scores(t, confidence_level=0)
    assert str(e.value) == "confidence_level must be strictly between 0 and 1; got 0"
