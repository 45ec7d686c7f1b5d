"""The respondent-clustered design (issue 17 items 2-3): known answers from R ``survey``, the
respondent bootstrap against a brute-force loop, and forms without shared respondents giving
exactly today's numbers."""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstats.analyses.cycle.summary import design_summary
from evalstats.core.scheme import load_scheme
from evalstats.counts.tally import pattern_counts, tally
from evalstats.stats.compare import compare_cycles, group_homogeneity
from evalstats.stats.design import (
    combine_designs,
    design_effects,
    design_variance,
    design_variances,
    factorize_runs,
    forms_design,
    linked_clusters,
    respondent_design,
)
from evalstats.stats.pipeline import score_cycle, score_year
from evalstats.stats.rank import rank_uncertainty
from evalstats.stats.rank.cells import prepare_cells
from evalstats.stats.rank.clustered import RespondentResampler
from evalstats.stats.score import composites, metrics, scores_table

_spec = importlib.util.spec_from_file_location(
    "reference_survey_cluster", Path(__file__).parent / "reference" / "survey_cluster.py"
)
REF = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REF)

S = load_scheme()
DIMS = list(S.dimension_codes)
LEVELS = list(S.level_codes)
POINTS = {lv.code: lv.points for lv in S.levels if lv.valid}


# ---------------------------------------------------------------------- builders
def forms_of(rows, cycle="2026H1"):
    """Forms from ``[(respondent, group, unit, levels), ...]`` (levels: codes or None)."""
    units = sorted({r[2] for r in rows})
    out = pd.DataFrame(
        {
            "cycle": cycle,
            "form_id": [f"{cycle}-{i}" for i in range(len(rows))],
            "respondent": [r[0] for r in rows],
            "unit": pd.Categorical([r[2] for r in rows], categories=units),
            "group": pd.Categorical([r[1] for r in rows], categories=S.group_codes),
        }
    )
    for j, d in enumerate(DIMS):
        out[d] = pd.Categorical([r[3][j] for r in rows], dtype=S.level_dtype)
    return out


def reference_forms():
    rows = []
    for line in REF.FORMS:
        resp, group, unit, digits = line.split()
        levels = [None if c == "0" else LEVELS[int(c) - 1] for c in digits]
        rows.append((resp, group, unit, levels))
    return forms_of(rows)


def units_table(series):
    return pd.DataFrame(
        {
            "unit": list(series),
            "name": [f"单位{u}" for u in series],
            "series": list(series.values()),
        }
    )


def severe_raters(n_units=4, sizes=None, seed=3, quality=None):
    """Respondents in 4 groups who rate every unit; each respondent has a severity of their own
    (a harsh rater marks every unit down), units differ a little in quality."""
    rng = np.random.default_rng(seed)
    sizes = sizes or {"enterprise": 8, "supervisor": 5, "public": 10, "deputy": 3}
    units = [chr(ord("A") + i) for i in range(n_units)]
    quality = quality or dict(zip(units, np.linspace(0.6, 0.3, n_units), strict=True))
    rows = []
    for g, n in sizes.items():
        for i in range(n):
            severity = rng.normal(0, 1.0)
            for u in units:
                q = rng.normal(size=len(DIMS)) * 0.6 + quality[u] - severity
                codes = np.digitize(-q, [-0.8, 0.0, 0.9])  # 0 satisfied .. 3 dissatisfied
                levels = [LEVELS[c] for c in codes]
                if rng.random() < 0.05:
                    levels[int(rng.integers(0, len(DIMS)))] = None
                rows.append((f"{g}{i}", g, u, levels))
    return forms_of(rows)


# ---------------------------------------------------------------------- R survey known answers
def test_town_rate_and_score_agree_with_r_survey():
    forms = reference_forms()
    design = respondent_design(forms, scheme=S)
    assert design.kind == "respondents" and design.n_clusters == 16 and design.n_forms == 47
    counts, pats = tally(forms, S), pattern_counts(forms, S)
    m = metrics(counts, by=(), patterns=pats, design=design, method="clopper-pearson").iloc[0]
    assert m["satisfied_rate"] == pytest.approx(REF.TOWN_SATISFIED["estimate"], abs=1e-9)
    assert m["score"] == pytest.approx(REF.TOWN_SCORE["estimate"], abs=1e-8)
    assert (m["satisfied_ci_low"], m["satisfied_ci_high"]) == pytest.approx(
        REF.TOWN_SATISFIED_BETA_CI, abs=1e-8
    )
    assert (m["score_ci_low"], m["score_ci_high"]) == pytest.approx(REF.TOWN_SCORE["ci"], abs=1e-8)
    eff = design_effects(design, scheme=S).set_index("metric")
    for metric, ref in (("satisfied_rate", REF.TOWN_SATISFIED), ("score", REF.TOWN_SCORE)):
        assert eff.loc[metric, "estimate"] == pytest.approx(ref["estimate"], abs=1e-8)
        assert eff.loc[metric, "se"] == pytest.approx(ref["se"], abs=1e-9)
        assert eff.loc[metric, "design_effect"] == pytest.approx(ref["design_effect"], abs=1e-8)
        assert eff.loc[metric, "df"] == REF.TOWN_SCORE["df"]
    assert eff.loc["score", "n_respondents"] == 16 and eff.loc["score", "n_forms"] == 47


def test_series_rows_are_domains_of_the_whole_design_as_in_r_survey():
    forms = reference_forms()
    design = respondent_design(forms, scheme=S)
    m = metrics(
        tally(forms, S),
        by=("series",),
        patterns=pattern_counts(forms, S),
        design=design,
        units=units_table(REF.SERIES),
        method="clopper-pearson",
    ).set_index("series")
    row = m.loc["administration"]
    ref_s, ref_y = REF.SERIES_AB_SATISFIED, REF.SERIES_AB_SCORE
    assert row["satisfied_rate"] == pytest.approx(ref_s["estimate"], abs=1e-9)
    assert (row["satisfied_ci_low"], row["satisfied_ci_high"]) == pytest.approx(
        ref_s["ci"], abs=1e-8
    )
    assert row["score"] == pytest.approx(ref_y["estimate"], abs=1e-8)
    assert (row["score_ci_low"], row["score_ci_high"]) == pytest.approx(ref_y["ci"], abs=1e-8)
    # the standard errors themselves, through the public variance function
    y, m_, s, key, cl = [], [], [], [], []
    for p in range(len(design.count)):
        unit = design.units[design.unit[p]]
        for code in design.levels[p]:
            valid = code < 4
            y.append(POINTS[LEVELS[code]] if valid else 0.0)
            s.append(float(valid and code <= 2))
            m_.append(float(valid))
            key.append(0 if REF.SERIES[str(unit)] == "administration" else -1)
            cl.append(design.cluster[p])
    for num, ref in ((s, ref_s), (y, ref_y)):
        r, v, df = design_variance(key, cl, num, m_, stratum=design.stratum, nkeys=1)
        assert r[0] == pytest.approx(ref["estimate"], abs=1e-9)
        assert math.sqrt(v[0]) == pytest.approx(ref["se"], abs=1e-9)
        assert df[0] == REF.SERIES_AB_SCORE["df"]


def test_scores_table_routes_series_and_town_rows_through_the_design():
    forms = reference_forms()
    counts, pats = tally(forms, S), pattern_counts(forms, S)
    units = units_table(REF.SERIES)
    design = respondent_design(forms, scheme=S)
    with_design = scores_table(counts, units=units, patterns=pats, design=design)
    plain = scores_table(counts, units=units, patterns=pats)
    town = (with_design["unit"] == "all") & (with_design["series"] == "all")
    town_all = town & (with_design["group"] == "all") & (with_design["dimension"] == "all")
    row = with_design[town_all].iloc[0]
    assert row["score_ci_low"] == pytest.approx(REF.TOWN_SCORE["ci"][0], abs=1e-8)
    unit_rows = with_design["unit"] != "all"
    # each respondent gives a unit at most one form: unit rows are unchanged
    pd.testing.assert_frame_equal(with_design[unit_rows], plain[unit_rows])
    # pooled rows: same estimates, design-based (here wider) intervals
    pooled = ~unit_rows & (with_design["group"] == "all")
    for col in ("n_forms", "n_valid", "satisfied_rate", "score"):
        pd.testing.assert_series_equal(with_design.loc[pooled, col], plain.loc[pooled, col])
    width = with_design["score_ci_high"] - with_design["score_ci_low"]
    width0 = plain["score_ci_high"] - plain["score_ci_low"]
    assert (width[town_all] > width0[town_all]).all()


# ---------------------------------------------------------------------- respondent bootstrap
def brute_force_respondent_p_last(forms, n_resamples, seed):
    """Slow reference: draw respondents with replacement within their group, take all the
    forms of the drawn respondents, recompute every composite plainly and find the last."""
    rng = np.random.default_rng(seed)
    pts = np.stack([forms[d].astype(object).map(POINTS).to_numpy(float) for d in DIMS], 1)
    resp = forms["respondent"].to_numpy()
    groups = forms["group"].astype(str).to_numpy()
    units = sorted(forms["unit"].astype(str).unique())
    unit_of = forms["unit"].astype(str).to_numpy()
    by_group = {g: sorted(set(resp[groups == g])) for g in S.group_codes if (groups == g).any()}
    gw, dw = S.group_weights, np.array([S.dimension_weights[d] for d in DIMS])
    last = dict.fromkeys(units, 0)
    for _ in range(n_resamples):
        weight = {}
        for members in by_group.values():
            for i in rng.integers(0, len(members), len(members)):
                weight[members[i]] = weight.get(members[i], 0) + 1
        w = np.array([weight.get(r, 0) for r in resp], float)
        comp = {}
        for u in units:
            num = np.zeros(len(DIMS))
            den = np.zeros(len(DIMS))
            for g in by_group:
                sel = (unit_of == u) & (groups == g)
                x, ww = pts[sel], w[sel]
                nv = ((~np.isnan(x)) * ww[:, None]).sum(0)
                sc = np.nansum(x * ww[:, None], 0) / np.maximum(nv, 1)
                num += np.where(nv > 0, gw[g] * sc, 0)
                den += np.where(nv > 0, gw[g], 0)
            ws = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
            ok = ~np.isnan(ws)
            comp[u] = (dw[ok] * ws[ok]).sum() / dw[ok].sum()
        low = min(comp.values())
        for u in units:
            last[u] += comp[u] == low
    return {u: c / n_resamples for u, c in last.items()}


def agree(fast, slow, n_fast, n_slow):
    for u in slow:
        p, q = fast[u], slow[u]
        pooled = (p * n_fast + q * n_slow) / (n_fast + n_slow)
        se = math.sqrt(max(pooled * (1 - pooled), 1e-12) * (1 / n_fast + 1 / n_slow))
        assert abs(p - q) <= 4 * se + 1e-12, (u, p, q, se)


def test_p_last_agrees_with_brute_force_respondent_bootstrap():
    forms = severe_raters(quality={"A": 0.5, "B": 0.3, "C": 0.25, "D": 0.25})
    design = respondent_design(forms, scheme=S)
    series = dict.fromkeys("ABCD", "administration")
    n_fast, n_slow = 20_000, 1_000
    r = rank_uncertainty(
        pattern_counts(forms, S),
        units=units_table(series),
        n_resamples=n_fast,
        rng=1,
        design=design,
    )
    fast = dict(zip(r["unit"], r["p_last"], strict=True))
    slow = brute_force_respondent_p_last(forms, n_slow, seed=2)
    assert 0.05 < max(slow.values()) < 0.95  # uncertain enough to test
    agree(fast, slow, n_fast, n_slow)
    # and it is not the form bootstrap: resampling forms per unit ignores that a harsh
    # respondent lowers every unit at once, so it is more uncertain about who is last
    plain = rank_uncertainty(
        pattern_counts(forms, S), units=units_table(series), n_resamples=n_fast, rng=1
    )
    assert max(fast.values()) > plain["p_last"].max() + 0.05


def test_forms_design_through_the_respondent_sampler_is_the_form_bootstrap():
    # every form its own respondent, strata = cells: the same distribution as Resampler
    forms = severe_raters(sizes={"enterprise": 6, "supervisor": 4, "public": 5, "deputy": 2})
    pats = pattern_counts(forms, S)
    design = forms_design(pats, scheme=S)
    cells = prepare_cells(pats, S)
    sampler = RespondentResampler(cells, design, S, 10)
    out = np.empty((len(cells.cell_row), sampler.f, sampler.chunk))
    sums = sampler.draw(np.random.default_rng(0), 10, out)
    # each replicate draws exactly n forms per cell
    valid_counts = sums[:, len(DIMS) :].sum(axis=1)  # valid answers per cell, per replicate
    n = np.bincount(cells.cell, weights=cells.count)
    assert (valid_counts <= len(DIMS) * n[sampler.perm][:, None] + 1e-9).all()
    series = dict.fromkeys("ABCD", "administration")
    forced = design.__class__(**{**design.__dict__, "kind": "respondents"})
    a = rank_uncertainty(
        pats,
        units=units_table(series),
        n_resamples=20_000,
        rng=3,
        design=forced,
        large_cell_threshold=None,
    )
    b = rank_uncertainty(
        pats, units=units_table(series), n_resamples=20_000, rng=4, large_cell_threshold=None
    )
    agree(
        dict(zip(a["unit"], a["p_last"], strict=True)),
        dict(zip(b["unit"], b["p_last"], strict=True)),
        20_000,
        20_000,
    )


def test_respondent_bootstrap_is_seeded_and_ignores_row_order():
    forms = severe_raters(n_units=3)
    series = dict.fromkeys("ABC", "enforcement")
    units = units_table(series)

    def run(f, seed):
        return rank_uncertainty(
            pattern_counts(f, S),
            units=units,
            n_resamples=500,
            rng=seed,
            design=respondent_design(f, scheme=S),
        )

    first = run(forms, 7)
    shuffled = forms.sample(frac=1.0, random_state=1).reset_index(drop=True)
    pd.testing.assert_frame_equal(first, run(shuffled, 7))
    assert not first.equals(run(forms, 8))


# ---------------------------------------------------------------------- one form per respondent
level_or_blank = st.sampled_from([*LEVELS, None])


@st.composite
def one_form_each(draw):
    n_units = draw(st.integers(2, 4))
    units = [f"U{i}" for i in range(n_units)]
    rows = []
    for u in units:
        for g in draw(
            st.lists(st.sampled_from(S.group_codes), min_size=1, max_size=4, unique=True)
        ):
            for _ in range(draw(st.integers(1, 5))):
                rows.append((None, g, u, [draw(level_or_blank) for _ in DIMS]))
    ids = draw(st.permutations(range(len(rows))))
    rows = [(f"r{i}", g, u, lv) for i, (_, g, u, lv) in zip(ids, rows, strict=True)]
    return forms_of(rows), dict(
        zip(
            units,
            draw(
                st.lists(
                    st.sampled_from(["administration", "enforcement"]),
                    min_size=n_units,
                    max_size=n_units,
                )
            ),
            strict=True,
        )
    )


@settings(max_examples=10)
@given(one_form_each(), st.integers(0, 2**32 - 1))
def test_one_form_per_respondent_gives_exactly_the_form_results(case, seed):
    forms, series = case
    design = respondent_design(forms, scheme=S)
    assert design.kind == "forms" and not design.shared
    counts, pats = tally(forms, S), pattern_counts(forms, S)
    units = units_table(series)
    pd.testing.assert_frame_equal(
        scores_table(counts, units=units, patterns=pats, design=design),
        scores_table(counts, units=units, patterns=pats),
        check_exact=True,
    )
    pd.testing.assert_frame_equal(
        rank_uncertainty(pats, units=units, n_resamples=50, rng=seed, design=design),
        rank_uncertainty(pats, units=units, n_resamples=50, rng=seed),
        check_exact=True,
    )


# ---------------------------------------------------------------------- pipeline and errors
def validated_of(forms, series):
    return SimpleNamespace(
        cycle=str(forms["cycle"].iloc[0]),
        forms=forms,
        units=units_table(series),
        scheme=S,
        incidents=pd.DataFrame(columns=["unit", "date", "kind", "note"]),
    )


def test_score_cycle_and_year_use_the_design_when_respondents_are_shared():
    series = dict.fromkeys("ABCD", "administration")
    h1 = severe_raters(seed=5)
    a = severe_raters(seed=6)
    a["cycle"] = "2026A"
    s1 = score_cycle(validated_of(h1, series), n_resamples=200, rng=1)
    s2 = score_cycle(validated_of(a, series), n_resamples=200, rng=1)
    assert s1.design.shared and s2.design.shared
    alone = score_cycle(validated_of(h1.drop(columns="respondent"), series), n_resamples=200, rng=1)
    assert alone.design is None
    pd.testing.assert_frame_equal(s1.composites, alone.composites)
    summary = design_summary(s1, scheme=S)
    eff = design_effects(s1.design, scheme=S).set_index("metric")
    assert summary == {
        "kind": "respondents",
        "respondents": 26,
        "forms": 104,
        "df": eff.loc["score", "df"],
        "design_effect_satisfied_rate": eff.loc["satisfied_rate", "design_effect"],
        "design_effect_score": eff.loc["score", "design_effect"],
        "repeated_within_unit": False,
        "fewest_respondents_per_cell": 3,  # the deputies of each unit
        "large_cell_threshold": 64,
        "ranking_bootstrap": "exact",
    }
    assert eff.loc["score", "design_effect"] > 1.5  # harsh and lenient raters: clustered
    assert design_summary(alone, scheme=S) is None
    assert not s1.ranking["p_last"].equals(alone.ranking["p_last"])
    year = score_year(s1, s2, n_resamples=200, rng=1)
    assert year["p_last"].notna().all()
    # a year with one cycle without respondents: that cycle's forms are its clusters
    mixed = combine_designs(forms_design(alone.patterns, scheme=S), s2.design)
    assert mixed.shared and mixed.n_clusters == len(h1) + s2.design.n_clusters
    year2 = score_year(alone, s2, n_resamples=200, rng=1)
    assert year2["p_last"].notna().all()


def test_respondent_in_two_groups_is_one_respondent_in_each():
    """Clusters nested in strata (R's nest = TRUE): one phone pseudonym that rated as a resident
    and as a deputy is two respondents, never an error in the middle of an analysis."""
    forms = forms_of(
        [
            ("x", "public", "A", ["satisfied"] * 5),
            ("x", "public", "B", ["dissatisfied"] * 5),
            ("x", "deputy", "B", ["satisfied"] * 5),
        ]
    )
    d = respondent_design(forms, scheme=S)
    assert d.kind == "respondents" and d.n_clusters == 2 and d.n_forms == 3
    strata = {int(d.stratum[c]) for c in d.cluster}
    assert len(strata) == 2  # each cluster in its own group's stratum


def test_design_that_does_not_match_is_refused():
    forms = severe_raters(n_units=2)
    other = respondent_design(severe_raters(n_units=2, seed=9), scheme=S)
    units = units_table(dict.fromkeys("AB", "administration"))
    pats = pattern_counts(forms, S)
    with pytest.raises(ValueError) as e:
        rank_uncertainty(pats, units=units, n_resamples=10, design=other)
    assert str(e.value) == "design does not match patterns: the cells' answers differ"
    with pytest.raises(ValueError) as e:
        metrics(tally(forms, S), by=(), design=other)
    assert str(e.value) == "design does not match counts: valid answers per row differ"
    with pytest.raises(TypeError) as e:
        rank_uncertainty(pats, units=units, n_resamples=10, design="x")
    assert str(e.value) == "design must be a Design; got str"


def test_missing_respondent_is_its_own_respondent():
    rows = [
        ("x", "public", "A", ["satisfied"] * 5),
        ("x", "public", "B", ["satisfied"] * 5),
        (None, "public", "A", ["dissatisfied"] * 5),
        (None, "public", "B", ["unknown"] * 5),
    ]
    d = respondent_design(forms_of(rows), scheme=S)
    assert d.shared and d.n_clusters == 3
    assert np.bincount(d.stratum).tolist() == [0] * S.group_codes.index("public") + [3]


# ---------------------------------------------------------------------- the report's method text
def analysis_stub(design):
    summary = {"scheme": {"sha256": "ab" * 32}}
    if design is not None:
        summary["design"] = design
    return SimpleNamespace(
        options={"method": "wilson", "seed": 7, "confidence_level": 0.95, "n_resamples": 10000},
        summary=summary,
        scheme=S,
        kind="half_year",
        tier="internal",
    )


DESIGN_SUMMARY = {
    "kind": "respondents",
    "respondents": 110,
    "forms": 1934,
    "df": 106.0,
    "design_effect_satisfied_rate": 2.4427,
    "design_effect_score": 2.6235,
    "repeated_within_unit": False,
}


def test_method_text_states_the_design_and_its_effect():
    from evalstats.present.narrative import method

    zh = method(analysis_stub(DESIGN_SUMMARY), "zh")
    assert "排名不确定性用 10,000 次评议人重抽样，随机种子 7" in zh
    assert (
        "抽样单位：本期同一评议人对多个单位作了评议（110 名评议人、1,934 张测评表），"
        "因此以评议人而不是单张测评表为抽样单位。" in zh
    )
    assert "估计的设计效应：满意率 2.44，得分 2.62" in zh
    assert "各单位自身的区间不变（每人对一个单位只评一张表）。" in zh
    paragraph = zh.split("抽样单位：", 1)[1]
    assert not any(w in paragraph for w in ("design", "respondent", "cluster", "_"))
    en = method(analysis_stub(DESIGN_SUMMARY | {"repeated_within_unit": True}), "en")
    assert "ranking uncertainty from 10,000 resamples of the respondents, seed 7" in en
    assert "Estimated design effect: 2.44 for the satisfied rate and 2.62 for the score" in en
    assert "Some respondents gave one unit several forms" in en
    assert "正态近似" not in zh and "normal approximation" not in en
    large = DESIGN_SUMMARY | {
        "fewest_respondents_per_cell": 812,
        "large_cell_threshold": 64,
        "ranking_bootstrap": "normal",
    }
    zh = method(analysis_stub(large), "zh")
    assert (
        "一人评议的各单位同进同出。因每个单位×评议人类别格子都至少有 64 名评议人（最少 812 名），"
        "重抽样结果取其正态近似：" in zh
    )
    en = method(analysis_stub(large), "en")
    assert (
        "(all units a respondent rated move together). As every unit × group cell has at "
        "least 64 respondents (the fewest 812), the resamples are drawn from their normal "
        "approximation: " in en
    )
    assert "within Monte-Carlo error; rates and scores pooled across units" in en
    plain = method(analysis_stub(None), "zh")
    assert "排名不确定性用 10,000 次测评表重抽样（每张测评表为一个抽样单位），随机种子 7" in plain
    assert "抽样单位：" not in plain and "设计效应" not in plain


def test_a_respondent_with_several_forms_for_one_unit_makes_unit_rows_design_based():
    rng = np.random.default_rng(11)
    rows = []
    for i in range(6):
        for unit in ("A", "A", "B"):  # two forms for A from every respondent
            rows.append((f"p{i}", "public", unit, list(rng.choice(LEVELS[:4], len(DIMS)))))
    forms = forms_of(rows)
    design = respondent_design(forms, scheme=S)
    assert design.shared and design.repeated_within_unit
    counts = tally(forms, S)
    by_unit = metrics(counts, by=("unit",), design=design).set_index("unit")
    plain = metrics(counts, by=("unit",), patterns=pattern_counts(forms, S)).set_index("unit")
    only_a = forms[forms["unit"] == "A"]
    town_a = metrics(tally(only_a, S), by=(), design=respondent_design(only_a, scheme=S))
    # unit A's row is the design-based figure of A's answers (every respondent rated A)
    for col in ("score_ci_low", "score_ci_high", "satisfied_ci_low", "satisfied_ci_high"):
        assert by_unit.loc["A", col] == pytest.approx(town_a[col].iloc[0], abs=1e-12)
    assert by_unit.loc["A", "score_ci_low"] != pytest.approx(plain.loc["A", "score_ci_low"])


# ---------------------------------------------------------------------- repeated forms per unit
def repeated_forms():
    rows = []
    for line in REF.FORMS_REPEATED:
        resp, group, unit, digits = line.split()
        levels = [None if c == "0" else LEVELS[int(c) - 1] for c in digits]
        rows.append((resp, group, unit, levels))
    return forms_of(rows)


def test_a_unit_with_repeated_respondents_agrees_with_r_survey():
    forms = repeated_forms()
    design = respondent_design(forms, scheme=S)
    assert design.shared and design.repeated_within_unit
    counts, pats = tally(forms, S), pattern_counts(forms, S)
    units = units_table(dict.fromkeys("AB", "administration"))
    comp = composites(counts, units=units, patterns=pats, design=design).set_index("unit")
    ref = REF.REPEATED_A_COMPOSITE
    assert comp.loc["A", "composite"] == pytest.approx(ref["estimate"], abs=1e-9)
    assert comp.loc["A", "composite_se"] == pytest.approx(ref["se"], abs=1e-9)
    m = metrics(counts, by=("unit",), patterns=pats, design=design, method="clopper-pearson")
    row = m.set_index("unit").loc["A"]
    ref_y, ref_s = REF.REPEATED_A_SCORE, REF.REPEATED_A_SATISFIED
    assert row["score"] == pytest.approx(ref_y["estimate"], abs=1e-9)
    assert (row["score_ci_low"], row["score_ci_high"]) == pytest.approx(ref_y["ci"], abs=1e-8)
    assert row["satisfied_rate"] == pytest.approx(ref_s["estimate"], abs=1e-9)
    assert (row["satisfied_ci_low"], row["satisfied_ci_high"]) == pytest.approx(
        ref_s["ci"], abs=1e-8
    )
    cells = metrics(counts, by=("unit", "group", "dimension"), design=design)
    cell = cells[
        (cells["unit"] == "A") & (cells["group"] == "enterprise") & (cells["dimension"] == DIMS[2])
    ].iloc[0]
    ref_c = REF.REPEATED_A_ENTERPRISE_EFFICIENCY
    assert cell["score"] == pytest.approx(ref_c["estimate"], abs=1e-9)
    assert (cell["score_ci_low"], cell["score_ci_high"]) == pytest.approx(ref_c["ci"], abs=1e-8)
    # the forms-as-draws figures differ: the test can tell the two apart
    plain = composites(counts, units=units, patterns=pats).set_index("unit")
    assert plain.loc["A", "composite_se"] != pytest.approx(ref["se"], abs=1e-3)


def test_units_without_a_repeated_respondent_keep_their_numbers():
    """Unit B has one form per respondent: its rows are exactly those without the design, while
    unit A (repeated respondents) changes."""
    forms = repeated_forms()
    design = respondent_design(forms, scheme=S)
    counts, pats = tally(forms, S), pattern_counts(forms, S)
    units = units_table(dict.fromkeys("AB", "administration"))
    with_design = scores_table(counts, units=units, patterns=pats, design=design)
    without = scores_table(counts, units=units, patterns=pats)
    is_b = with_design["unit"] == "B"
    pd.testing.assert_frame_equal(with_design[is_b], without[is_b], check_exact=True)
    is_a = with_design["unit"] == "A"
    assert not with_design[is_a].equals(without[is_a])
    comp = composites(counts, units=units, patterns=pats, design=design)
    plain = composites(counts, units=units, patterns=pats)
    pd.testing.assert_frame_equal(comp.iloc[[1]], plain.iloc[[1]], check_exact=True)


@st.composite
def shared_without_repeats(draw):
    """Respondents who rate several units, each at most once (shared, not repeated)."""
    n_units = draw(st.integers(2, 4))
    units = [chr(ord("A") + i) for i in range(n_units)]
    rows = []
    for i in range(draw(st.integers(4, 12))):
        group = draw(st.sampled_from(list(S.group_codes)))
        rated = draw(st.lists(st.sampled_from(units), min_size=1, max_size=n_units, unique=True))
        for u in rated:
            levels = draw(st.lists(st.sampled_from([*LEVELS, None]), min_size=5, max_size=5))
            rows.append((f"r{i}", group, u, levels))
    return forms_of(rows), dict.fromkeys(sorted({r[2] for r in rows}), "administration")


@settings(max_examples=15)
@given(shared_without_repeats())
def test_respondents_who_never_repeat_a_unit_leave_every_unit_row_unchanged(case):
    forms, series = case
    design = respondent_design(forms, scheme=S)
    assert not design.repeated_within_unit
    counts, pats = tally(forms, S), pattern_counts(forms, S)
    units = units_table(series)
    a = scores_table(counts, units=units, patterns=pats, design=design)
    b = scores_table(counts, units=units, patterns=pats)
    is_unit = a["unit"] != "all"
    pd.testing.assert_frame_equal(a[is_unit], b[is_unit], check_exact=True)
    pd.testing.assert_frame_equal(
        composites(counts, units=units, patterns=pats, design=design),
        composites(counts, units=units, patterns=pats),
        check_exact=True,
    )


# ---------------------------------------------------------------------- changes between cycles
def annual_forms(prefix=""):
    rows = []
    for line in REF.FORMS_ANNUAL:
        resp, group, unit, digits = line.split()
        levels = [None if c == "0" else LEVELS[int(c) - 1] for c in digits]
        rows.append((prefix + resp, group, unit, levels))
    return forms_of(rows, cycle="2026A")


def change_of(before, after, by):
    return compare_cycles(
        tally(before, S),
        tally(after, S),
        by=by,
        scheme=S,
        design_before=respondent_design(before, scheme=S),
        design_after=respondent_design(after, scheme=S),
    )


def se_of(row, metric):
    """The standard error behind a row's interval (t quantile of its degrees of freedom)."""
    if metric == "score":
        return row["score_diff"] / row["score_statistic"]
    return row["rate_diff"] / row["rate_statistic"]


def test_change_of_independent_cycles_sums_each_cycles_design_variance_as_r_survey():
    h1, annual = reference_forms(), annual_forms(prefix="x")  # nobody answers twice
    row = change_of(h1, annual, ()).iloc[0]
    ref = REF.CHANGE_INDEPENDENT_TOWN
    assert row["score_diff"] == pytest.approx(ref["score_diff"], abs=1e-9)
    assert se_of(row, "score") == pytest.approx(ref["score_se"], abs=1e-9)
    assert row["score_test"] == "welch-t" and row["ci_method"] == "newcombe"
    # each cycle's design-based variance, the rate on Korn-Graubard effective counts
    eff = [
        design_effects(respondent_design(f, scheme=S), scheme=S).set_index("metric")
        for f in (h1, annual)
    ]
    se_rate = math.hypot(*(e.loc["satisfied_rate", "se"] for e in eff))
    assert se_rate == pytest.approx(ref["rate_se"], abs=1e-9)
    df = [e.loc["score", "df"] for e in eff]
    v = [e.loc["score", "se"] ** 2 for e in eff]
    assert row["score_df"] == pytest.approx(sum(v) ** 2 / (v[0] ** 2 / df[0] + v[1] ** 2 / df[1]))
    plain = compare_cycles(tally(h1, S), tally(annual, S), by=(), scheme=S).iloc[0]
    assert se_of(plain, "score") != pytest.approx(ref["score_se"], abs=1e-3)


@pytest.mark.parametrize(
    ("by", "ref"),
    [((), REF.CHANGE_LINKED_TOWN), (("unit",), REF.CHANGE_LINKED_UNIT_A)],
    ids=["town", "unit"],
)
def test_change_with_linked_respondents_is_one_design_of_both_cycles_as_r_survey(by, ref):
    table = change_of(reference_forms(), annual_forms(), by)
    row = table.iloc[0] if not by else table.set_index("unit").loc["A"]
    assert row["score_diff"] == pytest.approx(ref["score_diff"], abs=1e-9)
    assert se_of(row, "score") == pytest.approx(ref["score_se"], abs=1e-9)
    assert (row["score_diff_ci_low"], row["score_diff_ci_high"]) == pytest.approx(
        ref["score_ci"], abs=1e-8
    )
    assert row["rate_diff"] == pytest.approx(ref["rate_diff"], abs=1e-9)
    assert se_of(row, "rate") == pytest.approx(ref["rate_se"], abs=1e-9)
    assert (row["rate_diff_ci_low"], row["rate_diff_ci_high"]) == pytest.approx(
        ref["rate_ci"], abs=1e-8
    )
    assert row["score_df"] == ref["df"]
    assert (row["score_test"], row["rate_test"], row["ci_method"]) == ("design-t",) * 3


@settings(max_examples=10)
@given(one_form_each(), st.integers(0, 3))
def test_change_without_shared_respondents_is_exactly_todays(case, k):
    """One form per respondent in each cycle, nobody in both: every comparison table is
    byte-identical with and without the designs."""
    forms, series = case
    after = forms.assign(cycle="2026A", respondent="y" + forms["respondent"].astype(str))
    by = [("unit", "dimension"), (), ("series",), ("unit",)][k]
    units = units_table(series)
    kw = dict(by=by, scheme=S, units=units)
    pd.testing.assert_frame_equal(
        compare_cycles(
            tally(forms, S),
            tally(after, S),
            design_before=respondent_design(forms, scheme=S),
            design_after=respondent_design(after, scheme=S),
            **kw,
        ),
        compare_cycles(tally(forms, S), tally(after, S), **kw),
        check_exact=True,
    )


def test_change_refuses_a_design_that_is_not_one():
    h1 = reference_forms()
    with pytest.raises(TypeError) as e:
        compare_cycles(tally(h1, S), tally(annual_forms(), S), scheme=S, design_before="x")
    assert str(e.value) == "design_before must be a Design; got str"
    with pytest.raises(ValueError) as e:
        compare_cycles(
            tally(h1, S),
            tally(annual_forms(), S),
            scheme=S,
            design_after=respondent_design(h1, scheme=S),
        )
    assert str(e.value) == "design_after holds no forms of cycle '2026A'"


# ---------------------------------------------------------------------- groups compared
def test_group_homogeneity_with_shared_respondents_is_rao_scott_as_r_survey():
    forms = reference_forms()
    design, counts = respondent_design(forms, scheme=S), tally(forms, S)
    for d, ref in zip(DIMS, REF.RAO_SCOTT_BY_DIMENSION, strict=True):
        r = group_homogeneity(counts, dimension=d, scheme=S, design=design)
        assert r.method == "rao-scott"
        assert (r.statistic, r.df, r.pvalue) == pytest.approx((ref[0], ref[1], ref[3]), abs=1e-9)
        assert r.note.endswith(f"denominator df = {ref[2]:.6g}")
    series = counts.assign(count=counts["count"].where(counts["unit"].isin(["A", "B"]), 0))
    r = group_homogeneity(series, dimension=DIMS[2], scheme=S, design=design)
    ref = REF.RAO_SCOTT_SERIES_AB_DIMENSION_3
    assert (r.statistic, r.df, r.pvalue) == pytest.approx((ref[0], ref[1], ref[3]), abs=1e-9)
    plain = group_homogeneity(counts, dimension=DIMS[0], scheme=S, rng=1)
    assert plain.method != "rao-scott"


def test_group_homogeneity_without_shared_respondents_is_unchanged():
    forms = severe_raters(n_units=1)  # one form per respondent
    design = respondent_design(forms, scheme=S)
    assert not design.shared
    counts = tally(forms, S)
    a = group_homogeneity(counts, dimension=DIMS[1], scheme=S, rng=3, design=design)
    b = group_homogeneity(counts, dimension=DIMS[1], scheme=S, rng=3)
    assert a == b
    with pytest.raises(TypeError) as e:
        group_homogeneity(counts, dimension=DIMS[1], scheme=S, design="x")
    assert str(e.value) == "design must be a Design; got str"


def test_cycle_change_uses_both_designs_and_counts_linked_respondents():
    from evalstats.analyses.cycle.change import cycle_change

    series = dict.fromkeys("ABCD", "administration")
    h1, annual = reference_forms(), annual_forms()
    s1 = score_cycle(validated_of(h1, series), n_resamples=50, rng=1)
    s2 = score_cycle(validated_of(annual, series), n_resamples=50, rng=1)
    change = cycle_change(s1, s2, units=units_table(series), scheme=S, confidence_level=0.95)
    assert change.linked_respondents == 9  # e1-e3, s1, s2, p1-p3, d1
    town = change.town.iloc[0]
    assert town["score_test"] == "design-t"
    assert town["score_diff_ci_low"] == pytest.approx(REF.CHANGE_LINKED_TOWN["score_ci"][0])
    both = change.comparison[change.comparison["present"] == "both"]
    assert set(both["score_test"]) == {"design-t"}  # a linked respondent rated every unit


def test_method_text_names_the_design_of_the_comparisons():
    from evalstats.present.narrative import method

    stub = analysis_stub(DESIGN_SUMMARY | {"linked_respondents": 9})
    stub.kind = "annual"
    zh = method(stub, "zh")
    assert "各评议人类别之间的差异检验按评议人聚类作了 Rao–Scott 校正。" in zh
    assert "与上半年相比的变化，两期各按其抽样设计计算方差后合并。" in zh
    assert "有 9 名评议人在上半年和年终都参加了评议" in zh
    paragraph = zh.split("抽样单位：", 1)[1]
    assert not any(w in paragraph for w in ("design", "respondent", "cluster", "_"))
    en = method(stub, "en")
    assert "9 respondents answered in both the half-year and the year-end" in en
    half = method(analysis_stub(DESIGN_SUMMARY), "zh")
    assert "与上半年相比" not in half and "Rao–Scott 校正" in half
    alone = analysis_stub({"kind": "forms", "linked_respondents": 4})
    alone.kind = "annual"
    text = method(alone, "zh")
    assert "排名不确定性用 10,000 次测评表重抽样" in text
    assert "有 4 名评议人在上半年和年终都参加了评议" in text
    unlinked = analysis_stub(DESIGN_SUMMARY)
    unlinked.kind = "annual"
    assert "两期视为相互独立的样本" in method(unlinked, "zh")


def test_a_wide_files_row_ids_are_never_linked_across_cycles():
    """Row 1 of the half-year's matrix sheet and row 1 of the year-end's are not one person."""
    h1 = reference_forms()
    a = annual_forms()
    for f in (h1, a):
        f["form_id"] = f["respondent"].astype(str) + "/" + f["unit"].astype(str)
    d1, d2 = respondent_design(h1, scheme=S), respondent_design(a, scheme=S)
    assert linked_clusters(d1, d2)[3] == 0
    row = change_of(h1, a, ()).iloc[0]
    assert row["score_test"] == "welch-t"
    linked = linked_clusters(respondent_design(reference_forms(), scheme=S), d2)
    assert linked[3] == 0  # one side's labels are row ids: nobody is linked


@settings(max_examples=10)
@given(shared_without_repeats())
def test_unit_changes_keep_their_numbers_when_nobody_repeats_a_unit_or_links_cycles(case):
    """Respondents who rate several units once each, different people in the two cycles: the
    unit rows of a comparison are exactly today's; the town row is design-based."""
    forms, series = case
    after = forms.assign(cycle="2026A", respondent="y" + forms["respondent"].astype(str))
    designs = {
        "design_before": respondent_design(forms, scheme=S),
        "design_after": respondent_design(after, scheme=S),
    }
    kw = dict(scheme=S, units=units_table(series))
    before_t, after_t = tally(forms, S), tally(after, S)
    pd.testing.assert_frame_equal(
        compare_cycles(before_t, after_t, by=("unit", "dimension"), **designs, **kw),
        compare_cycles(before_t, after_t, by=("unit", "dimension"), **kw),
        check_exact=True,
    )


def test_change_refuses_a_design_of_other_forms():
    h1, annual = reference_forms(), annual_forms()
    other = respondent_design(annual.iloc[:-3], scheme=S)
    with pytest.raises(ValueError) as e:
        compare_cycles(tally(h1, S), tally(annual, S), scheme=S, design_after=other)
    assert str(e.value) == "the design of cycle '2026A' does not match its counts"


def read_lines(lines, cycle):
    rows = []
    for line in lines:
        resp, group, unit, digits = line.split()
        levels = [None if c == "0" else LEVELS[int(c) - 1] for c in digits]
        rows.append((resp, group, unit, levels))
    return forms_of(rows, cycle=cycle)


def test_composite_change_with_linked_respondents_is_one_design_as_r_survey():
    from evalstats.analyses.cycle.change import composite_change
    from evalstats.stats.compare.clustered import composite_change_variance

    h1 = read_lines(REF.COMPOSITE_CHANGE_H1, "2026H1")
    annual = read_lines(REF.COMPOSITE_CHANGE_ANNUAL, "2026A")
    parts = [
        (tally(f, S), pattern_counts(f, S), respondent_design(f, scheme=S)) for f in (h1, annual)
    ]
    units = units_table({"A": "administration"})
    comps = [composites(c, units=units, patterns=p, design=d) for c, p, d in parts]
    for comp, cycle in zip(comps, ("2026H1", "2026A"), strict=True):
        ref = REF.COMPOSITE_CHANGE_A_CYCLES[cycle]
        assert (comp["composite"].iloc[0], comp["composite_se"].iloc[0]) == pytest.approx(
            ref, abs=1e-9
        )
    joint = composite_change_variance(*parts, scheme=S)
    assert joint["unit"].tolist() == ["A"] and joint["n_linked"].tolist() == [26]
    assert joint["var_diff"].iloc[0] == pytest.approx(REF.COMPOSITE_CHANGE_A["var"], abs=1e-8)
    change = composite_change(*comps, joint=joint).iloc[0]
    plain = composite_change(*comps).iloc[0]
    assert change["composite_diff"] == pytest.approx(REF.COMPOSITE_CHANGE_A["diff"], abs=1e-9)
    se = change["composite_diff"] / change["statistic"]
    assert se == pytest.approx(REF.COMPOSITE_CHANGE_A["se"], abs=1e-9)
    assert plain["composite_diff"] / plain["statistic"] != pytest.approx(se, abs=1e-3)
    # nobody linked: nothing to estimate jointly
    other = annual.assign(respondent="x" + annual["respondent"].astype(str))
    alone = (tally(other, S), pattern_counts(other, S), respondent_design(other, scheme=S))
    assert len(composite_change_variance(parts[0], alone, scheme=S)) == 0


def _design_variance_by_unique(key, cluster, y, m, *, stratum, nkeys):
    """The variance as first written (``np.unique`` of the row × cluster codes, a sort), to
    check the linear-time grouping of :func:`design_variances` against, bit for bit."""
    keep = key >= 0
    key, cluster, y, m = key[keep], cluster[keep], y[keep], m[keep]
    n_cl = len(stratum)
    uniq, inv = np.unique(key * n_cl + cluster, return_inverse=True)
    Y = np.bincount(inv, weights=y, minlength=len(uniq))
    M = np.bincount(inv, weights=m, minlength=len(uniq))
    k_of, c_of = uniq // n_cl, uniq % n_cl
    TY = np.bincount(k_of, weights=Y, minlength=nkeys)
    TM = np.bincount(k_of, weights=M, minlength=nkeys)
    with np.errstate(invalid="ignore", divide="ignore"):
        R = TY / TM
        z = (Y - np.nan_to_num(R)[k_of] * M) / TM[k_of]
    n_strata = int(stratum.max()) + 1
    n_h = np.bincount(stratum, minlength=n_strata).astype(float)
    kh = k_of * n_strata + stratum[c_of]
    sz = np.bincount(kh, weights=z, minlength=nkeys * n_strata).reshape(nkeys, n_strata)
    sz2 = np.bincount(kh, weights=z * z, minlength=nkeys * n_strata).reshape(nkeys, n_strata)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(n_h > 1, n_h / (n_h - 1), 0.0)
        var = (f * (sz2 - sz * sz / np.where(n_h > 0, n_h, 1.0))).sum(axis=1)
    return R, np.where((TM > 0) & (n_h > 1).any(), var, np.nan)


@pytest.mark.parametrize(
    ("n", "nkeys", "n_cl", "in_order"),
    [
        (4000, 12, 300, True),  # grid ≤ answers: bincount on the grid
        (4000, 12, 300, False),
        (3000, 400, 900, True),  # grid > answers, respondent order: counting sort on the row
        (3000, 70_000, 50, True),  # rows beyond 16 bits: a stable sort of int64
        (3000, 400, 900, False),  # neither: np.unique
    ],
)
def test_design_variances_group_exactly_as_a_sort_of_the_pairs(n, nkeys, n_cl, in_order):
    rng = np.random.default_rng(n + nkeys + n_cl)
    cluster = rng.integers(0, n_cl, n)
    if in_order:
        cluster = np.sort(cluster)
    key = rng.integers(-1, min(nkeys, 40), n) * (nkeys // min(nkeys, 40))
    m = rng.integers(0, 3, n).astype(float)
    y = m * rng.choice([0.0, 60.0, 80.0, 100.0, 1 / 3], n)  # sums whose order shows
    stratum = rng.integers(0, 4, n_cl)
    (R, var, _), (R2, var2, _) = design_variances(
        key, cluster, [y, y / 7], m, stratum=stratum, nkeys=nkeys
    )
    for got_r, got_v, num in ((R, var, y), (R2, var2, y / 7)):
        want_r, want_v = _design_variance_by_unique(
            key, cluster, num, m, stratum=stratum, nkeys=nkeys
        )
        np.testing.assert_array_equal(got_r, want_r)  # bit for bit, NaN where no answer
        np.testing.assert_array_equal(got_v, want_v)


def test_respondents_are_numbered_in_the_order_of_their_cycle_group_label_text():
    # clusters numbered as pd.factorize(sort=True) of "<cycle>\x1f<group>\x1f<label>" (the
    # rule as first written; a missing label is "\x00<row>"), labels that sort unlike numbers,
    # that hold the separator, that are missing; two cycles (positions 0 and 1)
    rng = np.random.default_rng(11)
    pool = ["10", "2", "a\x1fb", "a", "\x00z", "张三", None]
    parts = []
    for cycle in ("2026H1", "2026H2"):
        rows = [
            (pool[i], S.group_codes[g], "AB"[u], ["satisfied"] * len(DIMS))
            for i, g, u in zip(
                rng.integers(0, len(pool), 60),
                rng.integers(0, len(S.group_codes), 60),
                rng.integers(0, 2, 60),
                strict=True,
            )
        ]
        parts.append(forms_of(rows, cycle=cycle))
    forms = pd.concat(parts, ignore_index=True)
    forms["unit"] = pd.Categorical(forms["unit"].astype(str), categories=["A", "B"])
    d = respondent_design(forms, scheme=S)
    assert d.kind == "respondents"
    resp = forms["respondent"].astype(object)
    miss = resp.isna().to_numpy()
    labels = np.where(miss, "\x00" + pd.Series(np.arange(len(forms))).astype(str), resp.astype(str))
    cyc = pd.Series(pd.Index(d.cycles).get_indexer(forms["cycle"])).astype(str)
    grp = pd.Series(forms["group"].cat.codes.to_numpy()).astype(str)
    want, _ = pd.factorize(cyc + "\x1f" + grp + "\x1f" + pd.Series(labels), sort=True)
    # each form's cluster, through the design's patterns (one pattern per respondent × unit)
    at = pd.MultiIndex.from_arrays([d.cyc, d.unit, d.group, d.cluster]).get_indexer(
        pd.MultiIndex.from_arrays(
            [
                pd.Index(d.cycles).get_indexer(forms["cycle"]),
                pd.Index(d.units).get_indexer(forms["unit"].astype(str)),
                forms["group"].cat.codes.to_numpy(),
                want,
            ]
        )
    )
    assert (at >= 0).all()  # every form's cluster is the one the rule numbers it
    assert d.n_clusters == want.max() + 1


def per_answer_design_rows(
    design, scheme, cycles, unit_cats, *, by, shape, ser_idx, st, lv, nkeys, level, reuse=None
):
    """The pooled rows' design variances from every answer (the computation before the
    answers were summed per respondent, series and dimension first; ``reuse`` unused)."""
    from evalstats.stats.design import answer_arrays, design_positions, korn_graubard

    _, _, y, m, s = answer_arrays(design, lv)
    n_g, n_d = len(scheme.group_codes), design.levels.shape[1]
    cc, uu, gg, dd = np.indices((len(cycles), len(unit_cats), n_g, n_d)).reshape(4, -1)
    codes = {"cycle": cc, "unit": uu, "group": gg, "dimension": dd, "series": ser_idx[uu]}
    mapped = codes["series"] >= 0 if "series" in by else np.ones(len(cc), bool)
    cell_key = np.zeros(len(cc), np.int64)
    if by:
        cell_key = np.ravel_multi_index(tuple(np.where(mapped, codes[b], 0) for b in by), shape)
    cell_key = np.where(mapped, cell_key, -1).astype(np.int64).reshape(-1, n_d)
    cyc, unit = design_positions(design, cycles, unit_cats)
    key = cell_key[(cyc * len(unit_cats) + unit) * n_g + design.group].ravel()
    (_, var_y, df), (_, var_s, _) = design_variances(
        key, np.repeat(design.cluster, n_d), [y, s], m, stratum=design.stratum, nkeys=nkeys
    )
    return np.sqrt(var_y), df, korn_graubard(st["satisfied_rate"], st["n_valid"], var_s, df, level)


def test_pooled_rows_from_respondent_sums_equal_those_from_every_answer(monkeypatch):
    # the answers are summed per respondent × series × dimension before the design variances
    # of rows pooling units: the same numbers to the bit (whole points: exact sums)
    import evalstats.stats.score.grouping as grouping

    forms = severe_raters(n_units=5, seed=12)
    forms.loc[forms["unit"] == "E", "group"] = "public"  # a unit answered by one group
    series = {"A": "administration", "B": "administration", "C": "enforcement", "D": "service"}
    counts, pats = tally(forms, S), pattern_counts(forms, S)
    design = respondent_design(forms, scheme=S)
    kw = {"units": units_table(series | {"E": "service"}), "patterns": pats, "design": design}
    fast = scores_table(counts, **kw)
    monkeypatch.setattr(grouping, "_design_rows", per_answer_design_rows)
    slow = scores_table(counts, **kw)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast["score_ci_low"].notna().sum() > 50


def test_design_effects_from_level_counts_equal_those_from_every_answer(monkeypatch):
    # whole points: each respondent's sums are made from their forms per level (one bincount a
    # dimension): the same numbers to the bit as adding every answer's points
    import evalstats.stats.design as design_module

    forms = severe_raters(n_units=6, seed=21)
    design = respondent_design(forms, scheme=S)
    fast = design_effects(design, scheme=S)
    monkeypatch.setattr(design_module, "_whole", lambda values: False)
    slow = design_effects(design, scheme=S)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast["design_effect"].notna().all()


def test_scores_table_reuses_respondent_sums_across_groupings(monkeypatch):
    # the respondent sums are made once per scores_table (not once per grouping pooling units),
    # and give the same table as made anew for each grouping
    import evalstats.stats.score.grouping as grouping

    forms = severe_raters(n_units=5, seed=8)
    series = {"A": "administration", "B": "administration", "C": "enforcement"}
    counts, pats = tally(forms, S), pattern_counts(forms, S)
    design = respondent_design(forms, scheme=S)
    kw = {"units": units_table(series | {"D": "service", "E": "service"}), "patterns": pats}
    made = []
    real = grouping._respondent_sums

    def counted(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(grouping, "_respondent_sums", counted)
    once = scores_table(counts, **kw, design=design)
    assert len(made) == 1
    monkeypatch.setattr(grouping, "_reused", lambda reuse, inputs, make: make())
    anew = scores_table(counts, **kw, design=design)
    assert len(made) > 2
    pd.testing.assert_frame_equal(once, anew, check_exact=True)


def test_rao_scott_from_respondent_sums_equals_it_from_every_answer():
    # the design's answers are summed per respondent × cell before rao_scott: the same test to
    # the bit as from every answer (whole counts), for the town and for a subset of units
    from evalstats.stats.compare.homogeneity import rao_scott

    one = severe_raters(n_units=5, seed=4)
    # and with some respondents' forms typed twice: pattern rows of two forms (weights)
    twice = pd.concat([one, one.iloc[:9].assign(form_id=lambda f: f["form_id"] + "b")])
    for forms, units in itertools.product((one, twice), (list("ABCDE"), ["B", "D"])):
        design, counts = respondent_design(forms, scheme=S), tally(forms, S)
        assert (design.count.max() > 1) == (forms is twice)
        valid = np.array([lv.valid for lv in S.levels] + [False])
        pos = np.cumsum(valid) - 1
        sub = counts.assign(count=counts["count"].where(counts["unit"].isin(units), 0))
        for j, d in enumerate(DIMS):
            got = group_homogeneity(sub, dimension=d, scheme=S, design=design)
            code = design.levels[:, j]
            keep = valid[code] & np.isin(np.array(design.units, object), units)[design.unit]
            G, L = len(S.group_codes), int(valid.sum())
            groups = design.group[keep]
            used = np.flatnonzero(np.bincount(groups, minlength=G))  # the groups answering
            lut = np.full(G, -1)
            lut[used] = np.arange(len(used))
            want = rao_scott(
                lut[groups] * L + pos[code[keep]],
                design.cluster[keep],
                design.count[keep],
                stratum=design.stratum,
                shape=(len(used), L),
            )
            assert (got.statistic, got.pvalue, got.df, got.note) == (
                want.statistic,
                want.pvalue,
                want.df,
                want.note,
            )


def test_respondent_design_of_forms_in_respondent_order_keeps_their_order():
    # a wide file's forms (respondent by respondent, units in order, no unit twice) are the
    # design's rows as they are; shuffled, the same rows come back in that order
    forms = severe_raters(n_units=4, seed=6).assign(g=lambda f: f["group"].cat.codes)
    forms = forms.sort_values(["g", "respondent", "unit"], kind="stable").reset_index(drop=True)
    design = respondent_design(forms.drop(columns="g"), scheme=S)
    assert design.shared and not design.repeated_within_unit
    assert (design.count == 1).all() and len(design.count) == len(forms)
    assert (np.diff(design.cluster) >= 0).all()  # the forms' own order: no row moved
    assert design.unit.tolist() == forms["unit"].cat.codes.tolist()
    shuffled = respondent_design(forms.sample(frac=1, random_state=2), scheme=S)
    for name in ("cyc", "unit", "group", "cluster", "levels", "count", "stratum"):
        assert np.array_equal(getattr(design, name), getattr(shuffled, name)), name


@given(st.lists(st.integers(0, 5), min_size=1, max_size=40), st.booleans())
@settings(max_examples=100, deadline=None)
def test_first_forms_are_np_unique_first_indices(labels, runs):
    # each cluster's first form: from the runs' starts when every cluster is one run (a wide
    # file's respondents), else by np.unique; the same positions either way
    from evalstats.stats.design import _first_forms

    rid = np.unique(np.array(labels), return_inverse=True)[1].ravel()  # clusters 0 ..
    if runs:
        rid = np.sort(rid)[::-1].copy()  # one run each, in another order than the labels
    assert _first_forms(rid).tolist() == np.unique(rid, return_index=True)[1].tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b", "10", "1", None, float("nan"), pd.NA]), min_size=0, max_size=30
    ),
    st.lists(st.integers(1, 6), min_size=30, max_size=30),
)
def test_factorize_runs_is_pd_factorize(values, repeats):
    """Runs of equal values (a wide file's respondents), missing values of every kind (pd.NA
    compares to neither True nor False: the whole array is hashed), any order: the codes and
    distinct values of ``pd.factorize``."""
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    arr = np.repeat(arr, repeats[: len(arr)])
    codes, uniques = factorize_runs(arr)
    want_codes, want_uniques = pd.factorize(arr, use_na_sentinel=True)
    assert codes.tolist() == want_codes.tolist()
    assert list(uniques) == list(want_uniques)
    codes, uniques = factorize_runs(pd.Series(arr, dtype=object))
    assert codes.tolist() == want_codes.tolist()
    assert list(uniques) == list(want_uniques)


# ---------------------------------------------------------------------- sums kept per design
def respondent_cells_by_brute_force(design, dim, valid, groups):
    """Every answer's (respondent, group, valid level) summed in a dict, in key order."""
    width, sums = len(valid), {}
    col = np.cumsum(valid) - 1
    for c, g, code, n in zip(
        design.cluster, design.group, design.levels[:, dim], design.count, strict=True
    ):
        code = int(code) % width
        if valid[code] and n:
            key = (int(c), int(g) * int(valid.sum()) + int(col[code]))
            sums[key] = sums.get(key, 0.0) + float(n)
    keys = sorted(sums)
    return [k[1] for k in keys], [k[0] for k in keys], [sums[k] for k in keys]


@pytest.mark.parametrize("seed", [1, 2])
def test_respondent_cells_kept_per_design_are_the_answers_summed(seed):
    # the group test's respondent × cell sums: from the per-respondent level counts kept on
    # the design (one group per respondent), or, when a respondent names two groups (a
    # design built by hand), counted per respondent × group; both the sums of the answers
    from evalstats.stats.compare.homogeneity import _respondent_cells
    from evalstats.stats.design import cluster_groups, cluster_level_counts

    valid = np.array([lv.valid for lv in S.levels] + [False])
    forms = severe_raters(seed=seed)
    forms = pd.concat([forms, forms.iloc[: 7 * seed]], ignore_index=True)  # repeats: count 2
    design = respondent_design(forms, scheme=S)
    assert design.repeated_within_unit and cluster_groups(design) is not None
    mixed = dataclasses.replace(design, group=np.roll(design.group, 1))
    assert cluster_groups(mixed) is None
    for d in (design, mixed):
        for dim in range(len(DIMS)):
            got = _respondent_cells(d, dim, valid, len(S.group_codes))
            want = respondent_cells_by_brute_force(d, dim, valid, len(S.group_codes))
            assert [a.tolist() for a in got] == list(want)
    kept = cluster_level_counts(design, len(valid))
    assert cluster_level_counts(design, len(valid)) is kept  # counted once
    assert not kept.flags.writeable  # shared: read-only
    assert kept.sum() == design.count.sum() * len(DIMS)
    assert cluster_level_counts(mixed, len(valid)) is not kept  # kept by design, not by value
    import gc

    from evalstats.stats import design as design_module

    held = id(mixed)
    assert held in design_module._KEPT
    del mixed, d  # the loop's name held it too
    gc.collect()
    assert held not in design_module._KEPT  # freed with its design


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 6)), max_size=40),
    st.booleans(),
)
def test_lexsort_rows_is_np_lexsort(rows, wide):
    # one stable sort of a mixed-radix code (ranges too wide for one code: np.lexsort itself)
    from evalstats.stats.design import lexsort_rows

    cols = [np.array([r[j] for r in rows], np.int64) for j in range(3)]
    if wide:
        cols[1] = cols[1] * 2**58  # ranges 4 × (2⁵⁹ + 1) × 7 > 2⁶²: np.lexsort
    order, new = lexsort_rows(*cols)
    want = np.lexsort(tuple(reversed(cols))) if rows else np.zeros(0, int)
    assert order.tolist() == want.tolist()
    srt = np.column_stack(cols)[want] if rows else np.zeros((0, 3))
    assert new.tolist() == [i == 0 or bool((srt[i] != srt[i - 1]).any()) for i in range(len(srt))]
