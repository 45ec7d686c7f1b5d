"""Tests of evalstats.stats.privacy: the public tier's rules, worked by hand, a property test that
no
withheld cell can be solved for, and the public analysis of a cycle with small units."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_analysis import make_small_cycle

from evalstats.analyses import cycle as analysis
from evalstats.core.scheme import load_scheme
from evalstats.present import narrative, plot, words
from evalstats.stats import privacy

SCHEME = load_scheme()
K = SCHEME.rules.anonymity_min  # 5 in the bundled scheme
PROTECTED = set(SCHEME.rules.anonymity_groups)  # {"supervisor"}


def cells(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "series", "group", "n_forms"])


def reasons(out: pd.DataFrame) -> dict:
    return {(r.unit, r.group): r.reason for r in out.itertuples(index=False)}


# ---------------------------------------------------------------------- the rules, by hand
def test_bundled_scheme_values_used_below():
    assert K == 5 and PROTECTED == {"supervisor"}


def test_subtraction_attack_total_30_of_26_plus_4():
    # a unit's 30 forms: 26 from enterprises, 4 from deputies.  The 4 is below the threshold;
    # publishing 30 and 26 would give it back (30 - 26 = 4), so the 26 is withheld too.
    c = cells([("u1", "s", "all", 30), ("u1", "s", "enterprise", 26), ("u1", "s", "deputy", 4)])
    primary_only = c["n_forms"].to_numpy() >= K
    eqs = privacy.margins(c)
    assert eqs == [(0, [1, 2], 1)]
    assert privacy.determined(3, eqs, primary_only).tolist() == [False, False, True]  # attack
    out = privacy.protect(c, scheme=SCHEME)
    assert out["published"].tolist() == [True, False, False]
    assert out["reason"].tolist() == ["", "complementary", "below_threshold"]
    assert not privacy.determined(3, eqs, out["published"].to_numpy()).any()  # attack fails


def test_units_within_series_and_series_within_town():
    # series a: units of 3, 20 and 30 forms; series b: one unit of 40 forms.  The unit of 3
    # goes (primary); the next smallest of its series, 20, goes with it (secondary).
    rows = [
        ("a1", "a", "all", 3),
        ("a2", "a", "all", 20),
        ("a3", "a", "all", 30),
        ("b1", "b", "all", 40),
        ("all", "a", "all", 53),
        ("all", "b", "all", 40),
        ("all", "all", "all", 93),
    ]
    out = privacy.protect(cells(rows), scheme=SCHEME)
    assert reasons(out) == {
        ("a1", "all"): "below_threshold",
        ("a2", "all"): "complementary",
        ("a3", "all"): "",
        ("b1", "all"): "",
        ("all", "all"): "",
    }
    assert out.loc[out["unit"] == "all", "published"].all()


def test_a_series_of_one_small_unit_takes_a_second_series_with_it():
    # series a is one unit of 3 forms: its total is the unit (3 < 5, withheld); then the town
    # minus series b would give it back, so series b (and one of its units) are withheld.
    rows = [
        ("a1", "a", "all", 3),
        ("b1", "b", "all", 12),
        ("b2", "b", "all", 30),
        ("c1", "c", "all", 50),
        ("all", "a", "all", 3),
        ("all", "b", "all", 42),
        ("all", "c", "all", 50),
        ("all", "all", "all", 95),
    ]
    out = privacy.protect(cells(rows), scheme=SCHEME)
    got = {(r.unit, r.series): r.reason for r in out.itertuples(index=False)}
    assert got == {
        ("a1", "a"): "below_threshold",
        ("b1", "b"): "complementary",
        ("b2", "b"): "",
        ("c1", "c"): "",
        ("all", "a"): "below_threshold",
        ("all", "b"): "complementary",
        ("all", "c"): "",
        ("all", "all"): "",
    }
    eqs = privacy.margins(out)
    assert not privacy.determined(len(out), eqs, out["published"].to_numpy()).any()


def test_protected_group_never_per_unit_and_a_unit_of_supervisors_only():
    rows = [
        ("u1", "s", "all", 40),
        ("u1", "s", "enterprise", 35),
        ("u1", "s", "supervisor", 5),
        ("u2", "s", "all", 6),
        ("u2", "s", "supervisor", 6),
        ("all", "all", "supervisor", 11),
        ("all", "all", "enterprise", 35),
        ("all", "all", "all", 46),
    ]
    c = cells(rows)
    publish = (c["group"] == "all") | (c["unit"] == "all")  # the public report's plan
    out = privacy.protect(c, scheme=SCHEME, publish=publish)
    assert reasons(out) == {
        ("u1", "all"): "complementary",  # else 46 − 40 gives u2 back
        ("u1", "enterprise"): "group_not_published",
        ("u1", "supervisor"): "group_not_published",
        ("u2", "all"): "group_not_published",  # its pooled row would be supervisors only
        ("u2", "supervisor"): "group_not_published",
        ("all", "supervisor"): "",  # town-wide, 11 supervisors
        ("all", "enterprise"): "",
        ("all", "all"): "",
    }
    # the town's supervisors (11) are not split by unit: neither unit's can be solved for;
    # u1's 35 enterprises are the town's (not protected, not small: no harm)
    solved = privacy.determined(len(out), privacy.margins(out), out["published"])
    assert out.loc[solved, ["unit", "group"]].values.tolist() == [["u1", "enterprise"]]


def test_two_published_relations_need_three_withheld_groups():
    # A unit profile shows groups beside the pooled score and the group-weighted score: two
    # equations, so two withheld groups (supervisors, and 3 deputies) would be solved; the
    # smallest remaining group (enterprises, 20) is withheld as well.
    rows = [
        ("u", "s", "all", 68),
        ("u", "s", "enterprise", 20),
        ("u", "s", "supervisor", 5),
        ("u", "s", "public", 40),
        ("u", "s", "deputy", 3),
    ]
    one = privacy.protect(cells(rows), scheme=SCHEME)
    assert one["reason"].tolist() == ["", "", "group_not_published", "", "below_threshold"]
    two = privacy.protect(cells(rows), scheme=SCHEME, relations={"unit_groups": 2})
    assert two["reason"].tolist() == [
        "",
        "complementary",
        "group_not_published",
        "",
        "below_threshold",
    ]


def test_empty_cells_stay_and_are_not_protected():
    c = cells([("u", "s", "all", 30), ("u", "s", "enterprise", 30), ("u", "s", "deputy", 0)])
    out = privacy.protect(c, scheme=SCHEME)
    assert out["published"].all() and (out["reason"] == "").all()


def test_determined_known_answers():
    # x0 = x1 + x2 and x2 = x3 + x4 with x0, x1 and x3 known: x2 and x4 follow
    eqs = [(0, [1, 2], 1), (2, [3, 4], 1)]
    known = np.array([True, True, False, True, False])
    assert privacy.determined(5, eqs, known).tolist() == [False, False, True, False, True]
    assert not privacy.determined(5, eqs, np.ones(5, bool)).any()
    assert not privacy.determined(5, [], np.zeros(5, bool)).any()


def test_protect_errors():
    with pytest.raises(TypeError, match=r"^cells must be a pandas DataFrame; got list$"):
        privacy.protect([1], scheme=SCHEME)
    message = "cells lacks column(s) ['n_forms']; required: ['unit', 'series', 'group', 'n_forms']"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        privacy.protect(cells([]).drop(columns="n_forms"), scheme=SCHEME)
    with pytest.raises(
        ValueError, match=r"^publish must have one value per cell \(1\); got \(2,\)$"
    ):
        privacy.protect(cells([("u", "s", "all", 9)]), scheme=SCHEME, publish=[True, True])


def test_few_group_units_and_report_cells():
    rows = []
    for unit, groups in (("u1", ["enterprise", "public", "deputy"]), ("u2", ["enterprise"])):
        for g in [*groups, "all"]:
            for d in ["service", "all"]:
                rows.append((unit, "s", g, d, 10, 9))
    rows.append(("u2", "s", "supervisor", "service", 5, 5))
    rows.append(("u3", "s", "public", "service", 5, 0))  # a group with no valid answer
    rows.append(("u3", "s", "enterprise", "service", 5, 5))
    rows.append(("u3", "s", "supervisor", "service", 5, 5))
    s = pd.DataFrame(rows, columns=["unit", "series", "group", "dimension", "n_forms", "n_valid"])
    assert privacy.few_group_units(s) == ["u2", "u3"]
    rc = privacy.report_cells(s)
    assert rc.loc[rc["publish"], "group"].eq("all").all()
    assert rc.loc[(rc["unit"] == "u2") & (rc["group"] == "supervisor"), "n_forms"].item() == 5


# ---------------------------------------------------------------------- the property
def _equations(c: pd.DataFrame) -> list[tuple[int, list[int]]]:
    """The additive margins, written out independently of privacy.margins."""
    key = {(r.unit, r.series, r.group): i for i, r in enumerate(c.itertuples(index=False))}
    eqs = []
    for i, r in enumerate(c.itertuples(index=False)):
        if r.unit == "all" and r.series != "all":  # series = its units
            parts = [key[k] for k in key if k[0] != "all" and k[1] == r.series and k[2] == r.group]
            eqs.append((i, parts))
        if r.unit == "all" and r.series == "all":  # town = its series = its units
            eqs.append(
                (i, [key[k] for k in key if k[0] == "all" and k[1] != "all" and k[2] == r.group])
            )
            eqs.append((i, [key[k] for k in key if k[0] != "all" and k[2] == r.group]))
        if r.group == "all":  # a cell = its groups
            eqs.append((i, [key[k] for k in key if k[:2] == (r.unit, r.series) and k[2] != "all"]))
    return [(t, p) for t, p in eqs if p]


def _solvable(c: pd.DataFrame, known: np.ndarray) -> np.ndarray:
    """For each unknown cell: can it be solved for?  rank(A) == rank(A with e_c added)."""
    unknown = np.flatnonzero(~known)
    out = np.zeros(len(c), bool)
    rows = []
    for total, parts in _equations(c):
        r = np.zeros(len(c))
        r[total] += 1
        r[parts] -= 1
        rows.append(r[unknown])
    a = np.array(rows) if rows else np.zeros((0, len(unknown)))
    base = np.linalg.matrix_rank(a) if len(a) else 0
    for j, c_ in enumerate(unknown):
        e = np.zeros(len(unknown))
        e[j] = 1
        out[c_] = np.linalg.matrix_rank(np.vstack([a, e])) == base
    return out


@st.composite
def towns(draw):
    groups = list(SCHEME.group_codes)
    rows = []
    for s in range(draw(st.integers(1, 3))):
        for u in range(draw(st.integers(1, 4))):
            for g in groups:
                rows.append((f"u{s}{u}", f"s{s}", g, draw(st.integers(0, 12))))
    c = cells(rows)
    parts = [c]
    parts.append(c.groupby(["unit", "series"], as_index=False)["n_forms"].sum().assign(group="all"))
    unit_level = pd.concat(parts)
    series = unit_level.groupby(["series", "group"], as_index=False)["n_forms"].sum()
    town = unit_level.groupby("group", as_index=False)["n_forms"].sum()
    out = pd.concat(
        [unit_level, series.assign(unit="all"), town.assign(unit="all", series="all")],
        ignore_index=True,
    )[["unit", "series", "group", "n_forms"]]
    report_plan = draw(st.booleans())
    publish = (
        ((out["group"] == "all") | (out["series"] == "all")).to_numpy() if report_plan else None
    )
    return out, publish


@settings(max_examples=40)
@given(towns())
def test_no_withheld_cell_can_be_solved_for(town):
    c, publish = town
    out = privacy.protect(c, scheme=SCHEME, publish=publish)
    n = out["n_forms"].to_numpy()
    pub = out["published"].to_numpy()
    cand = np.ones(len(out), bool) if publish is None else publish
    # no published cell rests on fewer than K respondents; no per-unit protected cell shown
    assert not (pub & (n > 0) & (n < K)).any()
    assert not (pub & (n > 0) & (out["unit"] != "all") & out["group"].isin(PROTECTED)).any()
    # no withheld cell — nor any small or protected per-unit cell — can be solved for
    sensitive = (
        ~pub
        & (n > 0)
        & (
            cand
            | (
                (out["unit"] != "all")
                & (out["group"] != "all")
                & (out["group"].isin(PROTECTED) | (n < K))
            )
        ).to_numpy()
    )
    solved = _solvable(out, pub | (n == 0))
    assert not (solved & sensitive).any(), out[solved & sensitive]
    # the package's own solver agrees with the rank test
    mine = privacy.determined(len(out), privacy.margins(out), pub | (n == 0))
    assert (mine == solved).all()


# ---------------------------------------------------------------------- the checker
def test_check_public_rules():
    t = pd.DataFrame(
        {
            "cycle": "c",
            "unit": ["all", "all", "all", "u1", "u1"],
            "series": ["all", "all", "all", "s", "s"],
            "group": ["all", "enterprise", "deputy", "all", "supervisor"],
            "n_forms": [30, 26, 4, 30, 5],
            "n_valid": [30, 26, 4, 30, 5],
            "score": [80.0, 82.0, 70.0, 80.0, 60.0],
        }
    )
    v = privacy.check_public({"scores": t, "suppressed": t}, scheme=SCHEME)
    assert v.columns.tolist() == privacy.VIOLATION_COLUMNS
    got = set(zip(v["unit"], v["group"], v["rule"], strict=True))
    assert ("all", "deputy", "below_threshold") in got
    assert ("u1", "supervisor", "group_per_unit") in got
    # withhold the deputies: 30 - 26 gives them back
    masked = t.assign(n_valid=t["n_valid"].mask(t["group"] == "deputy"))
    masked = masked.assign(score=masked["score"].mask(masked["group"] == "deputy"))
    v = privacy.check_public({"scores": masked.iloc[:3]}, scheme=SCHEME)
    assert v[["group", "rule"]].values.tolist() == [["deputy", "recoverable"]]
    # shown in another table
    other = masked.iloc[:3].assign(n_valid=t["n_valid"].iloc[:3])
    v = privacy.check_public({"a": masked.iloc[:3], "b": other}, scheme=SCHEME)
    assert "published_elsewhere" in set(v["rule"])
    # internal-only text
    com = pd.DataFrame({"unit": ["u1"], "comment": ["慢"], "n_forms": [30]})
    v = privacy.check_public({"comments": com}, scheme=SCHEME)
    assert v[["table", "rule", "detail"]].values.tolist() == [
        ["comments", "internal_only", "comment"]
    ]
    with pytest.raises(
        TypeError, match=r"^tables must be a mapping of name to DataFrame; got \[1\]$"
    ):
        privacy.check_public([1], scheme=SCHEME)


def test_check_public_score_relations():
    dims = list(SCHEME.dimension_codes)
    pooled = pd.DataFrame(
        {
            "unit": "u1",
            "series": "s",
            "group": "all",
            "dimension": dims,
            "n_forms": 40,
            "score": 80.0,
            "weighted_score": [81.0, 82.0, 83.0, 84.0, np.nan],
        }
    )
    ranking = pd.DataFrame({"unit": ["u1"], "series": ["s"], "composite": [82.0], "n_forms": [40]})
    v = privacy.check_public({"scores": pooled, "ranking": ranking}, scheme=SCHEME)
    assert v["rule"].tolist() == ["score_relation"]  # 5 × composite − the four shown
    # pooled and weighted score beside two of the four groups: two equations, two unknowns
    full = pooled.assign(weighted_score=80.0)
    groups = pd.DataFrame(
        {
            "unit": "u1",
            "series": "s",
            "group": ["enterprise", "public"],
            "dimension": dims[0],
            "n_forms": [20, 10],
            "score": [80.0, 79.0],
        }
    )
    v = privacy.check_public({"scores": pd.concat([full, groups])}, scheme=SCHEME)
    assert set(v["rule"]) == {"score_relation"} and set(v["dimension"]) == {dims[0]}


def test_describe_in_both_languages():
    log = privacy.log_frame(
        [
            ("scores", "a1", "s", "all", "*", "*", 3, 5, "below_threshold"),
            ("levels", "a1", "s", "all", "*", "*", 3, 5, "below_threshold"),
            ("scores", "a2", "s", "all", "*", "*", 20, 5, "complementary"),
            ("scores", "*", "*", "supervisor", "*", "*", pd.NA, 5, "group_not_published"),
        ]
    )
    assert log.columns.tolist() == privacy.SUPPRESSED_COLUMNS
    zh = words.describe_suppression(log, scheme=SCHEME, lang="zh")
    assert "依据少于 5 名评议人的数字一律不公布" in zh and "社会义务监督员" in zh
    assert "本期1 个单元格因评议人少于 5 名未公布；1 个单元格为防止" in zh
    en = words.describe_suppression(log, scheme=SCHEME, lang="en")
    assert "1 cell(s) rest on fewer than 5 respondents; 1 more cell(s)" in en
    with pytest.raises(ValueError, match=r"^lang must be one of 'zh', 'en'; got 'fr'$"):
        words.describe_suppression(log, scheme=SCHEME, lang="fr")


# ---------------------------------------------------------------------- a cycle with small units
def make_cycle_with_small_units(folder: Path) -> Path:
    """The small cycle plus A4 (3 forms), B4 (enterprises and supervisors only) and B5
    (supervisors only)."""
    path = make_small_cycle(folder)
    units = pd.read_csv(path / "units.csv")
    extra = [
        ("A4", "甲四所", "行政管理"),
        ("B4", "乙四站", "公共服务"),
        ("B5", "乙五站", "公共服务"),
    ]
    pd.concat([units, pd.DataFrame(extra, columns=units.columns)]).to_csv(
        path / "units.csv", index=False
    )
    forms = pd.read_csv(path / "responses.csv", keep_default_na=False)
    rng = np.random.default_rng(3)
    levels = ["满意", "比较满意", "基本满意", "不满意"]
    rows = []
    for unit, group, n in (("A4", "企业", 3), ("B4", "企业", 20), ("B4", "社会义务监督员", 5)):
        rows += [(unit, group) for _ in range(n)]
    rows += [("B5", "社会义务监督员", 6)[:2] for _ in range(6)]
    new = pd.DataFrame(
        [
            (f"X{i:03d}", u, g, *rng.choice(levels, size=5, p=[0.5, 0.3, 0.1, 0.1]), "")
            for i, (u, g) in enumerate(rows)
        ],
        columns=forms.columns,
    )
    pd.concat([forms, new]).to_csv(path / "responses.csv", index=False)
    (path / "forms_issued.csv").unlink()
    return path


@pytest.fixture(scope="module")
def small_units(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small_units")
    make_cycle_with_small_units(folder)
    kw = {"data_dir": folder, "n_resamples": 200, "seed": 3}
    return analysis.half_year("2026H1", **kw), analysis.half_year("2026H1", tier="public", **kw)


def test_public_cycle_withholds_small_and_complementary_units(small_units):
    _internal, public = small_units
    log = public.tables["suppressed"]
    cell = log[log["unit"] != "*"].drop_duplicates(["unit", "reason"])
    assert set(zip(cell["unit"], cell["reason"], strict=True)) == {
        ("A4", "below_threshold"),
        ("A1", "complementary"),  # smallest of A1–A3 (33 forms each; first in order)
        ("B5", "group_not_published"),  # supervisors only
        ("B4", "complementary"),  # smallest unit left in its series
        ("B4", "few_groups"),  # rated by two groups
        # the exact integer audit (issue 15): these units' group-weighted scores, printed to
        # 2 decimals beside their level counts, pin a withheld group's score
        *((u, "complementary") for u in ("A2", "A3", "B1", "B2")),
    }
    weighted = public.tables["scores"]
    pinned = weighted["unit"].isin(["A2", "A3", "B1", "B2"])
    assert weighted.loc[pinned, "weighted_score"].isna().all()
    assert weighted.loc[pinned, "score"].notna().all()
    lv = public.tables["levels"]
    for unit in ("A4", "A1", "B4", "B5"):
        assert lv.loc[lv["unit"] == unit, "count"].isna().all()
    assert lv.loc[lv["unit"] == "A2", "count"].notna().all()
    sc = public.tables["scores"]
    assert set(sc["group"]) == {"all", *SCHEME.group_codes}
    assert (sc.loc[sc["group"] != "all", "unit"] == "all").all()  # groups town-wide only
    assert not set(public.counts["unit"]) & {"A4", "A1", "B4", "B5"}
    assert set(public.counts["group"]) == {"all"}


def test_public_ranking_is_the_internal_ranking(small_units):
    internal, public = small_units
    a, b = internal.tables["ranking"], public.tables["ranking"]
    for c in ("unit", "rank", "rank_low", "rank_high", "standing", "grade", "veto", "p_last"):
        pd.testing.assert_series_equal(a[c], b[c])
    own = b["unit"].isin(["A4", "B5"])  # withheld for their own sake
    assert b.loc[own, "composite"].isna().all()
    # published precision (issue 15): the public composite is the internal one to 2 decimals
    pd.testing.assert_series_equal(a.loc[~own, "composite"].round(2), b.loc[~own, "composite"])


def test_public_cycle_passes_the_checker_and_an_unmasked_one_fails(small_units):
    internal, public = small_units
    lang, s = "zh", public.scheme
    figures = {
        "levels_by_unit": plot.levels_diverging(public.counts, by="unit", units=public.units),
        "ranking": plot.ranking_intervals(public.tables["ranking"], scheme=s),
        "heatmap": plot.heatmap(public.tables["scores"], lang=lang, scheme=s),
        "group_comparison": plot.group_comparison(public.tables["scores"], scheme=s),
    }
    data = {f"figure:{k}": plot.figure_data(f) for k, f in figures.items()}
    assert privacy.check_public({**public.tables, **data}, scheme=s).empty
    # put A1 back from the internal tables: A4 = series − the units shown
    lv = public.tables["levels"].copy()
    inside = internal.tables["levels"]
    rows = (lv["unit"] == "A1").to_numpy()
    for c in ("count", "n_valid", "rate", "share_of_all_votes"):
        back = inside[c].to_numpy(np.float64)
        lv[c] = np.where(rows, back, pd.to_numeric(lv[c]).to_numpy(np.float64, na_value=np.nan))
    v = privacy.check_public({**public.tables, "levels": lv}, scheme=s)
    assert {"A4", "A1"} <= set(
        v.loc[v["rule"].isin(["recoverable", "published_elsewhere"]), "unit"]
    )
    # and the internal report fails on every rule that applies to it
    v = privacy.check_public(internal.tables, scheme=s)
    assert {"below_threshold", "group_per_unit", "internal_only"} <= set(v["rule"])


def test_public_narrative_quotes_no_withheld_number(small_units):
    internal, public = small_units
    text = "\n".join(narrative.sections(public, "zh").values()) + "\n".join(
        narrative.sections(public, "en").values()
    )
    r = internal.tables["ranking"].set_index("unit")
    for unit in ("A4", "B5"):
        assert f"{r.loc[unit, 'composite']:.2f}" not in text
    assert "本报告为公开版" in text and "This is the public edition" in text
    assert "公开版不公布原文" in text and "办事慢" not in text
    note = narrative.table(public, "comments", "zh")
    assert str(note) == "（公开版不公布“意见建议”表：其内容仅供内部使用。）"  # names the table
    shown = narrative.table_frame(public, "suppressed", "en")
    assert "fewer respondents than the threshold" in set(shown["Reason"])
    assert "本报告为内部版" in narrative.sections(internal, "zh")["suppression"]
    quoted = [
        item
        for part in public.summary["series"].values()
        for item in (*part["top3"], *part["last"])
        if item["unit"] in ("A4", "B5")
    ]
    assert all(item["score"] is None for item in quoted)
    assert json.dumps(public.summary, allow_nan=False)
    assert public.summary["suppressed"]["below_threshold"] == 1
