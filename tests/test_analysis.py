"""The two analyses on the demo data and on a small built cycle: tables, numbers, summary."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalstats.analyses import cycle as analysis
from evalstats.analyses.cycle import (
    ANNUAL_TABLES,
    FINAL_GRADES_COLUMNS,
    FOLLOWUP_COLUMNS,
    HALF_YEAR_TABLES,
    LEVELS_COLUMNS,
    RESPONSE_COLUMNS,
    WEAK_COLUMNS,
    check_parameters,
    composite_change,
)
from evalstats.inputs.validate import validate_cycle
from evalstats.present.export import write_analysis
from evalstats.stats import quality
from evalstats.stats.pipeline import score_cycle, score_year
from evalstats.stats.score import SCORES_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw"
SEED = 7
N = 500
HOSTILE = '<script>alert("x")</script> [点我](javascript:alert(1)) *急* # 标题'
DIMS = ("transparency", "lawfulness", "efficiency", "service", "integrity")
LEVELS = ("满意", "比较满意", "基本满意", "不满意", "不了解")
GROUPS = {"enterprise": ("企业", 12), "supervisor": ("社会义务监督员", 5), "public": ("群众", 14)}
GROUPS["deputy"] = ("人大代表", 2)


def make_small_cycle(folder: Path, cycle: str = "2026H1", *, seed: int = 1) -> Path:
    """A tiny cycle: 2 series × 3 units; the third unit of each series clearly worst, with a
    hostile comment on the worst unit of the first series.  Returns the cycle folder."""
    rng = np.random.default_rng(seed)
    path = folder / cycle
    path.mkdir(parents=True)
    units = [
        ("A1", "甲一所", "行政管理", 0.0),
        ("A2", "甲二所", "行政管理", 0.0),
        ("A3", "甲三所", "行政管理", -1.5),
        ("B1", "乙一站", "公共服务", 0.0),
        ("B2", "乙二站", "公共服务", 0.2),
        ("B3", "乙三站", "公共服务", -1.5),
    ]
    pd.DataFrame(
        [(u, n, s) for u, n, s, _ in units], columns=["单位编码", "单位名称", "序列"]
    ).to_csv(path / "units.csv", index=False)
    rows, issued = [], []
    k = 0
    for unit, _name, _series, shift in units:
        base = np.array([0.6, 0.22, 0.1, 0.04, 0.04]) * np.exp([0, 0, 0, -shift * 2, 0])
        p = base / base.sum()
        if shift < 0:
            p = np.array([0.2, 0.25, 0.2, 0.3, 0.05])
        for code, (label, n) in GROUPS.items():
            issued.append((unit, label, n + 2))
            for _ in range(n):
                k += 1
                answers = rng.choice(len(LEVELS), size=len(DIMS), p=p)
                comment = ""
                if (
                    unit == "A3"
                    and code == "public"
                    and not any(r[-1] for r in rows if r[1] == "A3")
                ):
                    comment = HOSTILE
                elif unit == "B3" and k % 7 == 0:
                    comment = "办事慢，\n态度差"
                rows.append((f"F{k:04d}", unit, label, *[LEVELS[a] for a in answers], comment))
    cols = ["问卷编号", "被评单位", "评议人类别", "政务公开", "依法行政", "办事效率", "服务质量"]
    cols += ["清正廉洁", "意见建议"]
    pd.DataFrame(rows, columns=cols).to_csv(path / "responses.csv", index=False)
    pd.DataFrame(issued, columns=["被评单位", "评议人类别", "发放数"]).to_csv(
        path / "forms_issued.csv", index=False
    )
    return path


@pytest.fixture(scope="module")
def h1():
    return analysis.half_year("2026H1", data_dir=DEMO, n_resamples=N, seed=SEED)


@pytest.fixture(scope="module")
def year():
    return analysis.annual("2026A", data_dir=DEMO, n_resamples=N, seed=SEED)


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    make_small_cycle(folder)
    return folder


@pytest.fixture(scope="module")
def small(small_dir):
    return analysis.half_year("2026H1", data_dir=small_dir, n_resamples=200, seed=3)


# ---------------------------------------------------------------------- tables and columns
def test_half_year_tables_in_order_with_columns(h1):
    t = h1.tables
    assert tuple(t) == HALF_YEAR_TABLES
    assert list(t["response"].columns) == RESPONSE_COLUMNS
    assert list(t["levels"].columns) == LEVELS_COLUMNS
    assert list(t["scores"].columns) == SCORES_COLUMNS
    assert list(t["weak_dimensions"].columns) == WEAK_COLUMNS
    assert list(t["reliability"].columns) == analysis.RELIABILITY_COLUMNS
    assert list(t["group_differences"].columns) == analysis.GROUP_DIFF_COLUMNS
    assert list(t["comments"].columns) == analysis.COMMENT_COLUMNS
    head = [*analysis.RECTIFICATION_HEAD, "composite", *analysis.RECTIFICATION_TAIL]
    assert list(t["rectification"].columns) == head
    for name in ("quality", "scores_excl_flagged", "ranking_excl_flagged", "quality_changes"):
        assert isinstance(t[name], pd.DataFrame)


def test_annual_tables_in_order_with_columns(year):
    t = year.tables
    assert tuple(t) == ANNUAL_TABLES
    assert list(t["final_grades"].columns) == FINAL_GRADES_COLUMNS
    assert list(t["weak_units_followup"].columns) == FOLLOWUP_COLUMNS
    assert list(t["one_cycle_units"].columns) == analysis.ONE_CYCLE_COLUMNS
    assert list(t["comparison"].columns[:3]) == ["unit", "unit_name", "series"]
    assert "composite_year" in t["rectification"].columns


# ---------------------------------------------------------------------- consistency
def test_ranking_equals_the_pipeline(h1):
    v = validate_cycle(DEMO / "2026H1")
    ref = score_cycle(v, n_resamples=N, rng=SEED)
    pd.testing.assert_frame_equal(h1.tables["ranking"], ref.ranking)
    pd.testing.assert_frame_equal(h1.tables["scores"], ref.scores)


def test_year_ranking_equals_score_year(year):
    h = score_cycle(validate_cycle(DEMO / "2026H1"), n_resamples=N, rng=SEED)
    a = score_cycle(validate_cycle(DEMO / "2026A"), n_resamples=N, rng=SEED)
    ref = score_year(h, a, n_resamples=N, rng=np.random.default_rng([SEED, 1]))
    pd.testing.assert_frame_equal(year.tables["ranking"], ref)
    pd.testing.assert_frame_equal(year.tables["ranking_annual_cycle"], a.ranking)


def test_response_counts_match_the_validated_cycle(h1):
    v = h1.validated["2026H1"]
    r = h1.tables["response"]
    total = r[(r["unit"] == "all") & (r["group"] == "all")].iloc[0]
    assert total["valid"] == len(v.forms)
    assert total["voided"] == len(v.voided)
    assert total["returned"] == len(v.forms) + len(v.voided)
    assert total["issued"] == v.forms_issued["issued"].sum()
    assert total["rate"] == pytest.approx(total["returned"] / total["issued"])
    cells = r[r["unit"] != "all"]
    assert cells["valid"].sum() == len(v.forms)
    per_group = r[(r["unit"] == "all") & (r["group"] != "all")].set_index("group")["valid"]
    assert per_group.to_dict() == v.forms["group"].astype(str).value_counts().to_dict()


def test_levels_count_every_answer(h1):
    lv = h1.tables["levels"]
    v = h1.validated["2026H1"]
    town = lv[(lv["unit"] == "all") & (lv["series"] == "all") & (lv["dimension"] == "all")]
    assert town["count"].sum() == len(v.forms) * len(DIMS)
    one = lv[(lv["unit"] == "land_office") & (lv["dimension"] == "efficiency")]
    assert one["count"].sum() == (v.forms["unit"] == "land_office").sum()
    valid = one[one["rate"].notna()]
    assert valid["rate"].sum() == pytest.approx(1.0)
    assert set(one.loc[one["rate"].isna(), "level"]) == {"unknown", "blank"}
    sc = h1.tables["scores"]
    row = sc[(sc["unit"] == "land_office") & (sc["group"] == "all")]
    row = row[row["dimension"] == "efficiency"].iloc[0]
    assert valid["n_valid"].iloc[0] == row["n_valid"]


def test_weak_dimensions_follow_their_rules(h1):
    w = h1.tables["weak_dimensions"]
    sc = h1.tables["scores"]
    rule = h1.scheme.rules.weak
    rows = sc[(sc["unit"] != "all") & (sc["group"] == "all") & (sc["dimension"] != "all")]
    median = rows.groupby(["series", "dimension"])["weighted_score"].median()
    rate = rows["dissatisfied_rate"]
    keys = [rows["series"], rows["dimension"]]
    rate_median = rate.groupby(keys).median()
    rate_high = rate.groupby(keys).quantile(rule.dissatisfied_quantile)
    assert len(w)
    for r in w.itertuples(index=False):
        key = (r.series, r.dimension)
        assert r.series_median == pytest.approx(median[key])
        assert r.weighted_score < r.series_median  # never at or above the median
        below = r.weighted_score_ci_high < r.series_median
        assert r.series_median_dissatisfied_rate == pytest.approx(rate_median[key])
        assert r.series_high_dissatisfied_rate == pytest.approx(rate_high[key])
        high = (
            r.n_dissatisfied >= rule.min_dissatisfied
            and r.dissatisfied_rate >= r.series_high_dissatisfied_rate
            and r.dissatisfied_ci_low > r.series_median_dissatisfied_rate
        )
        assert ("below_series_median" in r.weak_reason) == below
        assert ("high_dissatisfied_rate" in r.weak_reason) == high
        assert below or high
        assert r.share_of_all_votes == pytest.approx(r.n_dissatisfied / r.n_all_votes)
    # the demo's planted weak units (evalstats.inputs.demo docstring)
    weak = set(w.loc[w["weak_reason"].str.contains("below"), "unit"])
    assert {"governance_office", "construction_station", "transport_station"} <= weak


def test_first_ranked_unit_is_not_told_to_improve_a_dimension_above_its_median(year):
    # issue 14: 经发办 (first of its series) was told to improve 清正廉洁 on 5 votes while it
    # stood above the series median there
    w = year.tables["weak_dimensions"]
    first = year.tables["ranking"].query("rank == 1")["unit"].astype(str)
    assert "economic_office" in set(first)
    assert w[(w["unit"] == "economic_office") & (w["dimension"] == "integrity")].empty
    assert (w["weighted_score"] < w["series_median"]).all()


def test_rectification_lists_the_weak_units_and_their_comments(h1):
    rect = h1.tables["rectification"]
    required = rect[rect["rectification_required"]]
    units = list(dict.fromkeys(required["unit"]))
    assert {"governance_office", "construction_station", "transport_station"} <= set(units)
    gov = required[required["unit"] == "governance_office"]
    assert gov["required_because"].iloc[0] == "last;grade:fair"
    comments = h1.tables["comments"]
    for unit in ("governance_office", "construction_station", "transport_station"):
        listed = rect.loc[(rect["unit"] == unit) & (rect["item"] == "comment"), "comment"]
        assert sorted(listed) == sorted(comments.loc[comments["unit"] == unit, "comment"])
        assert len(listed) > 0
    # required units come first
    flags = rect["rectification_required"].to_numpy()
    assert not (np.diff(flags.astype(int)) > 0).any()


def test_group_differences_are_adjusted(h1):
    g = h1.tables["group_differences"]
    assert len(g) == 4 * len(DIMS)  # town + 3 series
    assert (g["pvalue_adjusted"] >= g["pvalue"] - 1e-12).all()
    assert set(g["method"]) <= {"asymptotic", "monte-carlo"}
    assert set(g["adjust_method"]) == {"holm"}


def test_reliability_per_group_and_overall(h1):
    r = h1.tables["reliability"]
    assert r["group"].tolist() == ["enterprise", "supervisor", "public", "deputy", "all"]
    assert ((r["ci_low"] <= r["alpha"]) & (r["alpha"] <= r["ci_high"])).all()


def test_quality_tables_come_from_the_flags(h1):
    q = h1.tables["quality"]
    assert (q["check"] == "burst").sum() == 1  # the planted burst of 运管站
    changes = h1.tables["quality_changes"]
    assert set(changes["unit"]) <= set(h1.tables["ranking"]["unit"])
    burst_ids = set(q.loc[q["check"] == "burst", "form_ids"].iloc[0].split(";"))
    flagged = h1.tables["comments"].loc[h1.tables["comments"]["flagged"], "form_id"]
    assert set(flagged) <= burst_ids


def test_without_flagged_uses_the_same_random_numbers(h1, year):
    v = h1.validated["2026H1"]
    burst = h1.tables["quality"].query("check == 'burst'")["form_ids"].iloc[0].split(";")
    kept = v.forms[~v.forms["form_id"].isin(burst)].reset_index(drop=True)
    ref = score_cycle(v, n_resamples=N, rng=SEED, forms=kept)
    pd.testing.assert_frame_equal(h1.tables["ranking_excl_flagged"], ref.ranking)
    pd.testing.assert_frame_equal(h1.tables["scores_excl_flagged"], ref.scores)
    changed = h1.tables["quality_changes"]
    assert "transport_station" in set(changed["unit"])  # the burst was for 运管站
    # nothing flagged at the year end: the tables are the official ones
    assert len(year.quality_comparison.excluded) == 0
    pd.testing.assert_frame_equal(
        year.tables["ranking_excl_flagged"], year.tables["ranking_annual_cycle"]
    )
    assert len(year.tables["quality_changes"]) == 0


# ---------------------------------------------------------------------- annual
def test_final_grades_cover_every_unit(year):
    fg = year.tables["final_grades"]
    units = set(year.validated["2026H1"].units["unit"]) | set(year.validated["2026A"].units["unit"])
    assert set(fg["unit"]) == units
    vet = fg[fg["unit"] == "veterans_station"].iloc[0]
    assert math.isnan(vet["composite_h1"]) and vet["weight_annual"] == 1.0
    land = fg[fg["unit"] == "land_office"].iloc[0]
    assert land["veto"] and land["grade"] == "poor"
    assert land["veto_reason"] == "incident:media_exposure 2026-09-14"
    assert land["standing"] != "top3"


def test_one_cycle_units(year):
    t = year.tables["one_cycle_units"]
    assert t["unit"].tolist() == ["veterans_station"]
    row = t.iloc[0]
    assert row["cycle_present"] == "2026A" and not row["in_units_h1"] and row["in_units_annual"]


def test_weak_units_followup(year):
    f = year.tables["weak_units_followup"]
    assert {"governance_office", "construction_station", "transport_station"} <= set(f["unit"])
    low, high = f["composite_diff_ci_low"], f["composite_diff_ci_high"]
    expected = np.where(low > 0, "improved", np.where(high < 0, "declined", "no_clear_change"))
    assert f["verdict"].tolist() == expected.tolist()
    assert (f["composite_diff"] == f["composite_annual"] - f["composite_h1"]).all()
    assert (f["pvalue_adjusted"] >= f["pvalue"] - 1e-12).all()


def test_comparison_and_movement(year):
    c = year.tables["comparison"]
    assert set(c["adjust_method"]) == {"holm"}
    vet = c[c["unit"] == "veterans_station"]
    assert set(vet["present"]) == {"after_only"}
    assert (vet["unit_name"] == "退役军人服务站").all()
    m = year.tables["rank_movement"]
    row = m[m["unit"] == "governance_office"].iloc[0]
    assert (row["rank_before"], row["rank_after"]) == (8, 8)


def test_composite_change_known_answer():
    # se = sqrt(1² + 1²), df = Welch–Satterthwaite of two terms of 1 with 10 df each = 20:
    # (1 + 1)² / (1/10 + 1/10) = 20; t_{0.975, 20} = 2.0859634 (scipy.stats.t.ppf(0.975, 20))
    h = pd.DataFrame({"unit": ["U"], "composite": [80.0], "composite_se": [1.0]})
    h["composite_df"] = 10.0
    a = h.assign(composite=84.0)
    t = composite_change(h, a).iloc[0]
    half = 2.0859634 * math.sqrt(2)
    assert t["composite_diff"] == 4.0
    assert t["df"] == pytest.approx(20.0)
    assert t["composite_diff_ci_low"] == pytest.approx(4 - half, abs=1e-6)
    assert t["pvalue"] == pytest.approx(2 * stats.t.sf(4 / math.sqrt(2), 20))


# ---------------------------------------------------------------------- summary and writing
def test_summary_is_json_and_matches_the_tables(h1, year):
    for a in (h1, year):
        text = json.dumps(a.summary, allow_nan=False, ensure_ascii=False)
        back = json.loads(text)
        assert back["tables"] == {k: len(v) for k, v in a.tables.items()}
        assert back["scheme"]["sha256"] == a.scheme.sha256
    s = h1.summary
    assert s["analysis"] == "half_year" and s["annual"] is None and s["seed"] == SEED
    assert s["forms"]["valid"] == len(h1.validated["2026H1"].forms)
    adm = s["series"]["administration"]
    assert [u["unit"] for u in adm["last"]] == ["governance_office"]
    assert adm["last"][0]["standing"] == "last"
    enf = s["series"]["enforcement"]["last"][0]
    assert enf["standing"] == "last_not_distinguishable" and enf["p_last"] < 0.5
    assert s["quality"]["flags"]["burst"] == 1
    y = year.summary
    assert y["annual"]["period_weights"] == {"half_year": 0.4, "annual": 0.6}
    assert y["annual"]["one_cycle_units"] == ["veterans_station"]
    assert [v["unit"] for v in y["vetoed"]] == ["land_office"]
    assert y["half_year_cycle"] == "2026H1"


def test_write(tmp_path, small):
    files = write_analysis(small, tmp_path / "out")
    names = sorted(p.name for p in files)
    assert names == sorted([f"{n}.csv" for n in HALF_YEAR_TABLES] + ["summary.json"])
    back = pd.read_csv(tmp_path / "out" / "tables" / "ranking.csv", encoding="utf-8-sig")
    assert back["unit"].tolist() == small.tables["ranking"]["unit"].tolist()
    assert json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))["cycle"] == "2026H1"


def test_small_cycle_is_reproducible(small_dir, small):
    again = analysis.half_year("2026H1", data_dir=small_dir, n_resamples=200, seed=3)
    for name in HALF_YEAR_TABLES:
        pd.testing.assert_frame_equal(again.tables[name], small.tables[name])


def test_small_cycle_content(small):
    r = small.tables["ranking"]
    # the clearly worst units score below the veto line (60): vetoed, so not ranked and not
    # 末位 (issue 14); the two others of each series are both in the top 3
    vetoed = r[r["veto"]]
    assert set(vetoed["unit"]) == {"A3", "B3"} and vetoed["rank"].isna().all()
    assert r["unit"].tolist() == ["A2", "A1", "A3", "B1", "B2", "B3"]
    assert not r["standing"].isin(["last", "last_not_distinguishable"]).any()
    com = small.tables["comments"]
    assert HOSTILE in com["comment"].tolist()
    assert "办事慢，\n态度差" in com["comment"].tolist()
    rect = small.tables["rectification"]
    assert HOSTILE in rect.loc[rect["unit"] == "A3", "comment"].tolist()


def test_cycle_folder_itself_is_accepted(small_dir, small):
    a = analysis.half_year("2026H1", data_dir=small_dir / "2026H1", n_resamples=200, seed=3)
    assert a.tables["ranking"]["unit"].tolist() == small.tables["ranking"]["unit"].tolist()


# ---------------------------------------------------------------------- public tier
@pytest.fixture(scope="module")
def h1_public():
    return analysis.half_year("2026H1", data_dir=DEMO, n_resamples=N, seed=SEED, tier="public")


def test_public_half_year_holds_public_tables_only(h1, h1_public):
    from evalstats.stats.privacy import SUPPRESSED_COLUMNS, check_public
    from evalstats.stats.privacy.precision import round_public, round_summary

    p = h1_public
    assert p.tier == "public" and tuple(p.tables) == analysis.PUBLIC_HALF_YEAR_TABLES
    assert not set(p.tables) & set(analysis.INTERNAL_ONLY_TABLES)
    # the same ranking, its scores at the published precision (ranks decided unrounded)
    pd.testing.assert_frame_equal(p.tables["ranking"], round_public(h1.tables["ranking"]))
    sc, resp = p.tables["scores"], p.tables["response"]
    assert (sc.loc[sc["group"] != "all", "unit"] == "all").all()
    assert (sc.loc[sc["group"] != "all", "series"] == "all").all()
    assert (resp["unit"] == "all").all() and len(resp) == 5
    assert p.tables["quality"].columns.tolist() == analysis.PUBLIC_QUALITY_COLUMNS
    assert p.tables["quality"]["n_flags"].sum() == len(h1.tables["quality"])
    assert set(p.tables["group_differences"]["series"]) == {"all"}
    assert set(p.tables["rectification"]["item"]) <= {"weak_dimension", ""}
    assert (p.tables["rectification"]["comment"] == "").all()
    assert p.tables["suppressed"].columns.tolist() == SUPPRESSED_COLUMNS
    assert set(p.counts["group"]) == {"all"} and p.counts["count"].sum() == (
        h1.counts["count"].sum()
    )
    assert p.summary["tier"] == "public" and h1.summary["tier"] == "internal"
    assert p.summary["tables"] == {n: len(t) for n, t in p.tables.items()}
    assert p.summary["series"] == round_summary(h1.summary["series"])
    assert check_public(p.tables, scheme=p.scheme).empty


def test_result_holds_no_presentation(small):
    # writing and wording moved to evalstats.present (issue 12): the result says where
    with pytest.raises(AttributeError, match=r"use evalstats\.present\.export\.write_analysis"):
        small.write("x")
    with pytest.raises(AttributeError, match=r"evalstats\.present\.narrative\.sections\(a, lang\)"):
        small.texts  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        small.nothing  # noqa: B018
    with pytest.raises(TypeError, match="a must be an analysis result"):
        write_analysis({"tables": {}}, "x")


def test_public_write_has_no_internal_table(h1_public, tmp_path):
    write_analysis(h1_public, tmp_path / "pub")
    names = sorted(q.stem for q in (tmp_path / "pub" / "tables").glob("*.csv"))
    assert names == sorted(analysis.PUBLIC_HALF_YEAR_TABLES)


def test_public_annual_ranking_is_the_internal_ranking(year):
    from evalstats.stats.privacy import check_public
    from evalstats.stats.privacy.precision import round_public

    p = analysis.annual("2026A", data_dir=DEMO, n_resamples=N, seed=SEED, tier="public")
    assert tuple(p.tables) == analysis.PUBLIC_ANNUAL_TABLES
    for name in ("ranking", "ranking_annual_cycle", "final_grades", "rank_movement"):
        pd.testing.assert_frame_equal(p.tables[name], round_public(year.tables[name]))
    assert check_public(p.tables, scheme=p.scheme).empty


def test_tier_is_checked():
    with pytest.raises(ValueError, match=r"^tier must be one of 'internal', 'public'; got 'x'$"):
        analysis.half_year("2026H1", data_dir=DEMO, tier="x")


# ---------------------------------------------------------------------- parameters
def test_check_parameters_defaults():
    p = check_parameters("annual", cycle="2026A", data_dir=DEMO, seed=1)
    assert p.half_year_cycle == "2026H1"
    assert p.output_dir == ROOT / "reports" / "_lab" / "2026A" / "annual"  # never published
    assert p.scheme.name == "default" and p.tier == "internal"
    p = check_parameters("half_year", cycle="2026H1", output_dir="/tmp/x", data_dir=DEMO)
    assert p.output_dir == Path("/tmp/x") and p.half_year_cycle == ""
    assert check_parameters("half_year", cycle="2026H1", data_dir=DEMO, tier="public").tier == (
        "public"
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"tier": "open"}, ValueError, "tier must be one of 'internal', 'public'; got 'open'"),
        ({"language": "fr"}, ValueError, "language must be one of 'zh', 'en'; got 'fr'"),
        (
            {"method": "wald"},
            ValueError,
            "method must be one of 'wilson', 'clopper-pearson', 'jeffreys'; got 'wald'",
        ),
        ({"n_resamples": 0}, ValueError, "n_resamples must be at least 1; got 0"),
        ({"n_resamples": 2.5}, TypeError, "n_resamples must be a whole number; got 2.5"),
        ({"seed": -1}, ValueError, "seed must be a whole number >= 0 or None; got -1"),
        ({"seed": "x"}, TypeError, "seed must be a whole number >= 0 or None; got 'x'"),
        (
            {"confidence_level": 1.5},
            ValueError,
            "confidence_level must be strictly between 0 and 1; got 1.5",
        ),
        ({"cycle": ""}, ValueError, "cycle must be a cycle id such as '2026H1'; got ''"),
        ({"cycle": "a/b"}, ValueError, "cycle must be a cycle id, not a path; got 'a/b'"),
        (
            {"half_year_cycle": "2026H1"},
            ValueError,
            "half_year_cycle is for the annual analysis only; got '2026H1'",
        ),
    ],
)
def test_check_parameters_errors(kwargs, error, message):
    args = {"cycle": "2026H1", "data_dir": DEMO} | kwargs
    with pytest.raises(error) as info:
        check_parameters("half_year", **args)
    assert str(info.value) == message


def test_check_parameters_missing_folders(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        check_parameters("half_year", cycle="2030H1", data_dir=tmp_path)
    assert str(info.value) == (
        f"no folder for cycle '2030H1': looked for {tmp_path / '2030H1'} (data_dir is the "
        "folder holding the cycle folders, or the cycle folder itself)"
    )
    (tmp_path / "2030A").mkdir()
    with pytest.raises(FileNotFoundError) as info:
        check_parameters("annual", cycle="2030A", data_dir=tmp_path)
    assert "no folder for cycle '2030H1'" in str(info.value)
    (tmp_path / "2030X").mkdir()
    with pytest.raises(ValueError) as info:
        check_parameters("annual", cycle="2030X", data_dir=tmp_path)
    assert str(info.value) == (
        "cannot derive the half-year cycle from '2030X' (expected an annual id like '2026A'); "
        "pass half_year_cycle"
    )
    with pytest.raises(ValueError) as info:
        check_parameters("annual", cycle="2030A", data_dir=tmp_path, half_year_cycle="2030A")
    assert str(info.value) == "half_year_cycle must differ from cycle; both are '2030A'"
    with pytest.raises(ValueError) as info:
        check_parameters("quarter", cycle="2030A", data_dir=tmp_path)
    assert str(info.value) == "kind must be one of 'half_year', 'annual'; got 'quarter'"


# ---------------------------------------------------------------------- backends
def _demo_as_csv(folder: Path) -> Path:
    """The demo data copied into ``folder``, 2026H1's xlsx responses saved as CSV (the
    out-of-core backends read CSV and Parquet)."""
    import csv
    import shutil

    import openpyxl

    raw = folder / "raw"
    shutil.copytree(DEMO, raw)
    xlsx = raw / "2026H1" / "responses.xlsx"
    book = openpyxl.load_workbook(xlsx, read_only=True)
    with open(raw / "2026H1" / "responses.csv", "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        for row in book.worksheets[0].iter_rows(values_only=True):
            out.writerow(
                [
                    ""
                    if v is None
                    else v.strftime("%Y-%m-%d %H:%M:%S")
                    if hasattr(v, "strftime")
                    else str(v)
                    for v in row
                ]
            )
    book.close()
    xlsx.unlink()
    return raw


def make_flagged_cycle(folder: Path, cycle: str = "2026Q") -> Path:
    """A small cycle with every data-quality problem planted (Parquet responses).

    Bursts (one collector across units; one unit, several collectors), near duplicates (same
    comment; same collector within a minute), a straight-lining collector, a fully satisfied
    cell, a low response rate, a form typed twice and a voided form — and honest forms."""
    rng = np.random.default_rng(11)
    path = folder / cycle
    path.mkdir(parents=True)
    units = [("U1", "一所", "行政管理"), ("U2", "二所", "行政管理"), ("U3", "三站", "公共服务")]
    units += [("U4", "四站", "公共服务")]
    pd.DataFrame(units, columns=["单位编码", "单位名称", "序列"]).to_csv(
        path / "units.csv", index=False
    )
    rows = []
    t0 = pd.Timestamp("2026-09-01 08:00")

    def add(unit, group, answers, minutes, collector, comment=""):
        rows.append(
            (
                f"Q{len(rows) + 1:05d}",
                unit,
                group,
                *answers,
                comment,
                (t0 + pd.Timedelta(minutes=float(minutes))).strftime("%Y-%m-%d %H:%M:%S"),
                collector,
            )
        )

    p = [0.35, 0.3, 0.2, 0.1, 0.05]
    for i in range(160):  # honest forms, spread over days
        unit = ["U1", "U2", "U3"][i % 3]
        group = ["企业", "群众", "社会义务监督员"][i % 3]
        answers = [LEVELS[a] for a in rng.choice(5, size=5, p=p)]
        add(unit, group, answers, rng.uniform(0, 20_000), ["甲", "乙", "丙"][i % 3])
    for i in range(12):  # one collector's burst across two units
        add(["U1", "U2"][i % 2], "群众", ["满意"] * 5, 30_000 + i * 2, "丁")
    for i in range(11):  # a burst on U3 by two collectors
        add("U3", "企业", ["比较满意"] * 5, 31_000 + i, ["戊", "己"][i % 2])
    varied = ["满意", "比较满意", "满意", "基本满意", "满意"]
    for i in range(3):  # near duplicates: the same comment
        add("U2", "企业", varied, 32_000 + i * 500, "庚", "窗口办事慢，需要改进！")
    for i in range(3):  # near duplicates: one collector, seconds apart
        add("U1", "企业", ["不满意", "满意", "满意", "满意", "满意"], 33_000 + i * 0.5, "辛")
    for _ in range(32):  # a fully satisfied cell, and straight-lining of collector 壬
        add("U4", "群众", ["满意"] * 5, rng.uniform(0, 20_000), "壬")
    rows.append(rows[5])  # typed twice
    cols = [*HEAD_Q, "意见建议", "填表时间", "收集人"]
    frame = pd.DataFrame(rows, columns=cols, dtype=object)
    frame.to_parquet(path / "responses.parquet", index=False)
    pd.DataFrame({"问卷编号": [rows[7][0]], "作废原因": ["字迹不清"]}).to_csv(
        path / "exclusions.csv", index=False
    )
    issued = [(u, g, 60) for u, *_ in units for g in ("企业", "群众", "社会义务监督员")]
    pd.DataFrame(issued, columns=["被评单位", "评议人类别", "发放数"]).to_csv(
        path / "forms_issued.csv", index=False
    )
    return path


HEAD_Q = ["问卷编号", "被评单位", "评议人类别", "政务公开", "依法行政", "办事效率", "服务质量"]
HEAD_Q += ["清正廉洁"]


def _written(a, folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in write_analysis(a, folder)}


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory):
    return _demo_as_csv(tmp_path_factory.mktemp("democsv"))


def test_annual_tables_byte_identical_with_duckdb(demo_csv, tmp_path):
    pytest.importorskip("duckdb")
    kw = {"data_dir": demo_csv, "n_resamples": 200, "seed": SEED}
    ref = _written(analysis.annual("2026A", **kw), tmp_path / "pandas")
    got = _written(analysis.annual("2026A", backend="duckdb", **kw), tmp_path / "duckdb")
    assert sorted(got) == sorted(ref)
    assert [k for k in ref if got[k] != ref[k]] == []
    assert len(ref["tables/comments.csv"]) > 1000  # the demo's comments came through SQL


def test_flagged_cycle_byte_identical_on_every_backend(tmp_path):
    pytest.importorskip("duckdb")
    pytest.importorskip("distributed")
    raw = tmp_path / "raw"
    make_flagged_cycle(raw)
    kw = {"data_dir": raw, "n_resamples": 200, "seed": SEED}
    a = analysis.half_year("2026Q", **kw)
    # every check fires, and bursts and near duplicates change what is recomputed
    assert set(a.tables["quality"]["check"]) == set(quality.CHECKS)
    assert len(a.quality_comparison.excluded) == 12 + 11 + 3 + 3
    ref = _written(a, tmp_path / "pandas")
    for backend in ("duckdb", "dask"):
        b = analysis.half_year("2026Q", backend=backend, **kw)
        got = _written(b, tmp_path / backend)
        assert [k for k in ref if got.get(k) != ref[k]] == [], backend


def test_public_tier_with_duckdb_passes_the_privacy_check(demo_csv):
    pytest.importorskip("duckdb")
    from evalstats.stats import privacy

    kw = {"data_dir": demo_csv, "n_resamples": 200, "seed": SEED, "tier": "public"}
    a = analysis.half_year("2026H1", backend="duckdb", **kw)
    assert len(privacy.check_public(a.tables, scheme=a.scheme)) == 0
    ref = analysis.half_year("2026H1", **kw)
    for name, table in ref.tables.items():
        pd.testing.assert_frame_equal(a.tables[name], table, obj=name)


def test_backend_options_are_checked(small_dir):
    with pytest.raises(ValueError) as info:
        analysis.half_year("2026H1", data_dir=small_dir, backend="spark")
    assert str(info.value) == (
        "backend must be one of 'auto', 'pandas', 'duckdb', 'dask'; got 'spark'"
    )
    with pytest.raises(ValueError) as info:
        analysis.half_year("2026H1", data_dir=small_dir, memory_limit="1GB")
    assert str(info.value) == (
        "memory_limit is only used by the duckdb and dask backends; got backend='pandas'"
    )
    with pytest.raises(ValueError) as info:
        analysis.half_year("2026H1", data_dir=small_dir, backend="duckdb", scheduler="tcp://x:1")
    assert str(info.value) == "scheduler is only used by the dask backend; got backend='duckdb'"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"backend": "spark"},
            ValueError,
            "backend must be one of 'auto', 'pandas', 'duckdb', 'dask'; got 'spark'",
        ),
        (
            {"backend": "pandas", "memory_limit": "2GB"},
            ValueError,
            "memory_limit is only used by the duckdb and dask backends; got '2GB' with backend "
            "'pandas'",
        ),
        (
            {"backend": "duckdb", "scheduler": "tcp://h:8786"},
            ValueError,
            "scheduler is only used by the dask backend; got 'tcp://h:8786' with backend 'duckdb'",
        ),
        (
            {"backend": "duckdb", "memory_limit": "lots"},
            ValueError,
            "memory_limit must be a size such as '2GB' or '512MiB', or bytes; got 'lots'",
        ),
        (
            {"backend": "duckdb", "memory_limit": 5},
            TypeError,
            "memory_limit must be a str ('' for none); got 5",
        ),
    ],
)
def test_check_parameters_backend_errors(kwargs, error, message):
    with pytest.raises(error) as info:
        check_parameters("half_year", cycle="2026H1", data_dir=DEMO, **kwargs)
    assert str(info.value) == message


def test_check_parameters_backend_defaults():
    p = check_parameters("half_year", cycle="2026H1", data_dir=DEMO)
    assert (p.backend, p.memory_limit, p.scheduler) == ("pandas", None, None)
    p = check_parameters(
        "half_year",
        cycle="2026H1",
        data_dir=DEMO,
        backend="dask",
        memory_limit=" 2GB ",
        scheduler="tcp://h:8786",
    )
    assert (p.backend, p.memory_limit, p.scheduler) == ("dask", "2GB", "tcp://h:8786")


# ---------------------------------------------------------------------- in a notebook
def test_headline_is_the_top_and_last_unit_of_each_series(h1, year):
    # the demo's year has a vetoed unit at the top of its series (land_office): it leaves the top
    assert [v["unit"] for v in year.summary["vetoed"]] == ["land_office"]
    assert h1.summary["vetoed"] == []
    for a in (h1, year):
        head = a.headline()
        r = a.tables["ranking"]
        assert head["series"].unique().tolist() == list(a.scheme.series_codes)
        assert len(head) == 2 * len(a.scheme.series_codes)  # no ties in the demo
        for series, part in r.groupby("series", observed=True):
            got = head[head["series"] == series].set_index("position")
            eligible = part[~part["veto"]]  # a vetoed unit is not ranked (issue 14)
            best = eligible.loc[eligible[a.score_column].idxmax()]
            worst = eligible.loc[eligible[a.score_column].idxmin()]
            assert got.loc["top", "unit"] == best["unit"]
            assert got.loc["last", "unit"] == worst["unit"]
            assert got.loc["last", "score"] == worst[a.score_column]
            assert got.loc["last", "rank"] == len(eligible)
            assert got.loc["top", "score_ci_low"] == best[f"{a.score_column}_ci_low"]
            assert got.loc["last", "standing"] == worst["standing"]
    assert "land_office" not in year.headline()["unit"].tolist()


def test_repr_is_short_and_says_what_the_analysis_holds(h1, year):
    text = repr(h1)
    assert len(text) < 500
    forms = h1.summary["forms"]["valid"]
    assert text.startswith(f"<Analysis half_year 2026H1, internal tier: {forms} forms, 24 units;")
    assert f"{len(h1.tables)} tables: {', '.join(h1.tables)}>" in text
    text = repr(year)
    assert len(text) < 600
    assert text.startswith("<Analysis annual 2026A with 2026H1, internal tier:")
    assert "final_grades" in text


def test_html_card_holds_cycle_counts_tables_and_headline(h1, year):
    for a in (h1, year):
        card = a._repr_html_()
        assert len(card) < 5000
        assert f"{a.summary['forms']['valid']} valid forms · {len(a.units)} units" in card
        assert all(f"<code>{name}</code>" in card for name in a.tables)
        for row in a.headline().itertuples():
            assert f"{row.unit_name} <code>{row.unit}</code>" in card
            assert f"{row.score:.2f} [{row.score_ci_low:.2f}, {row.score_ci_high:.2f}]" in card
    assert "半年测评 half-year analysis 2026H1" in h1._repr_html_()
    assert "年度测评 annual analysis 2026A</b> (with 2026H1)" in year._repr_html_()
    assert "<code>composite_year</code>" in year._repr_html_()
    assert "一票否决 vetoed: 国土所 <code>land_office</code> (incident:" in year._repr_html_()
    assert "末位不可区分 last, not distinguishable" in h1._repr_html_()  # construction_station


def test_html_card_escapes_text_and_survives_no_ranking(h1):
    ranking = h1.tables["ranking"].copy()
    ranking["unit_name"] = ranking["unit_name"].astype(str) + "<script>x</script>"
    hostile = dataclasses.replace(h1, cycle="<i>2026H1", tables={**h1.tables, "ranking": ranking})
    card = hostile._repr_html_()
    assert "<script>" not in card and "<i>" not in card
    assert "&lt;script&gt;x&lt;/script&gt;" in card and "&lt;i&gt;2026H1" in card
    bare = dataclasses.replace(h1, tables={})
    assert bare.headline().empty
    assert "<table>" not in bare._repr_html_() and "0 tables" in bare._repr_html_()
    assert "0 tables: >" in repr(bare)


def test_cell_sizes_from_codes_equal_those_from_text():
    # forms per unit × group from the category codes: the same Series as grouped by text
    from evalstats.analyses.cycle.tables import cell_sizes

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "unit": pd.Categorical(
                rng.choice(["U2", "U1", "U3"], 200), categories=["U3", "U2", "U1", "U9"]
            ),
            "group": pd.Categorical(
                rng.choice(["群众", "企业"], 200), categories=["企业", "群众", "人大代表"]
            ),
        }
    )
    coded = cell_sizes(frame)
    as_text = cell_sizes(frame.astype(object))
    pd.testing.assert_series_equal(coded, as_text, check_exact=True)
    assert coded.index.tolist() == sorted(coded.index.tolist()) and coded.sum() == 200
    assert len(cell_sizes(frame.iloc[:0])) == 0
