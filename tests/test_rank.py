"""Tests of evalstats.stats.rank: grades, veto, ranking with ties, top 3 / 末位, ranking
uncertainty."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstats.core.scheme import load_scheme
from evalstats.present.words import veto_sentence
from evalstats.stats.rank import (
    LARGE_CELL_THRESHOLD,
    RANKING_COLUMNS,
    UNCERTAINTY_COLUMNS,
    apply_veto,
    grade_for,
    rank_uncertainty,
    rank_units,
)
from evalstats.stats.rank.cells import _point_composites
from evalstats.stats.rank.uncertainty import _rank_uncertainty

S = load_scheme()
# The small random cases score below the veto line (60); where a test is about the ranking
# mechanics rather than the veto, it ranks them under a scheme without a veto line.
NO_VETO_LINE = dataclasses.replace(S, rules=dataclasses.replace(S.rules, veto_threshold=-1.0))
DIMS = list(S.dimension_codes)
GROUPS = list(S.group_codes)
POINTS = {lv.code: lv.points for lv in S.levels if lv.valid}
ALL_SAT = ("satisfied",) * len(DIMS)
ALL_DIS = ("dissatisfied",) * len(DIMS)
ALL_BASIC = ("basically_satisfied",) * len(DIMS)


# ---------------------------------------------------------------------- builders
def forms_from(spec, cycle="2026H1"):
    """Forms table from ``[(unit, group, pattern, count), ...]``; pattern: level codes/None."""
    rows = []
    for unit, group, pattern, count in spec:
        rows += [(unit, group, *pattern)] * count
    units = sorted({r[0] for r in rows})
    frame = pd.DataFrame(rows, columns=["unit", "group", *DIMS])
    out = pd.DataFrame(
        {
            "cycle": cycle,
            "form_id": [str(i) for i in range(len(frame))],
            "unit": pd.Categorical(frame["unit"], categories=units),
            "group": pd.Categorical(frame["group"], categories=GROUPS),
        }
    )
    for d in DIMS:
        out[d] = pd.Categorical(frame[d], dtype=S.level_dtype)
    return out


def patterns_of(forms):
    """Private equivalent of evalstats.counts.tally.pattern_counts (groupby, blanks kept)."""
    keys = ["cycle", "unit", "group", *DIMS]
    counts = forms.groupby(keys, dropna=False, observed=True).size()
    out = counts.rename("count").reset_index()
    out["count"] = out["count"].astype("int64")
    for d in DIMS:
        out[d] = out[d].astype(S.level_dtype)
    return out


def reference_composites(forms):
    """DOMAIN.md composite per cycle × unit, written plainly (loops: small data only)."""
    gw, dw = S.group_weights, S.dimension_weights
    out = {}
    for (cycle, unit), f in forms.groupby(["cycle", "unit"], observed=True):
        num = den = 0.0
        for d in DIMS:
            wnum = wden = 0.0
            for g, fg in f.groupby("group", observed=True):
                pts = fg[d].astype(object).map(POINTS).dropna()
                if len(pts):
                    wnum += gw[g] * pts.mean()
                    wden += gw[g]
            if wden > 0:
                num += dw[d] * wnum / wden
                den += dw[d]
        out[(cycle, unit)] = num / den if den > 0 else math.nan
    return out


def composite_table(forms, series):
    comp = reference_composites(forms)
    return pd.DataFrame(
        {
            "cycle": [k[0] for k in comp],
            "unit": [k[1] for k in comp],
            "unit_name": [f"name {k[1]}" for k in comp],
            "series": [series[k[1]] for k in comp],
            "composite": list(comp.values()),
            "composite_ci_low": np.nan,
            "composite_ci_high": np.nan,
            "flags": "",
        }
    )


def brute_force_p_last(forms, series_of, n_resamples, seed):
    """Slow reference: resample form rows within unit × group, recompute, rank by series."""
    rng = np.random.default_rng(seed)
    dims_pts = np.stack([forms[d].astype(object).map(POINTS).to_numpy(float) for d in DIMS], 1)
    units = sorted(forms["unit"].astype(str).unique())
    cells = forms.groupby(["unit", "group"], observed=True).indices
    gw, dw = S.group_weights, np.array([S.dimension_weights[d] for d in DIMS])
    last = dict.fromkeys(units, 0)
    top = dict.fromkeys(units, 0)
    for _ in range(n_resamples):
        comp = {}
        for u in units:
            num = np.zeros(len(DIMS))
            den = np.zeros(len(DIMS))
            for (cu, g), idx in cells.items():
                if cu != u:
                    continue
                draw = dims_pts[idx[rng.integers(0, len(idx), len(idx))]]
                nv = (~np.isnan(draw)).sum(0)
                sc = np.nansum(draw, 0) / np.maximum(nv, 1)
                num += np.where(nv > 0, gw[g] * sc, 0)
                den += np.where(nv > 0, gw[g], 0)
            ws = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
            ok = ~np.isnan(ws)
            comp[u] = (dw[ok] * ws[ok]).sum() / dw[ok].sum()
        for s in set(series_of.values()):
            members = [u for u in units if series_of[u] == s]
            values = np.array([comp[u] for u in members])
            for u, v in zip(members, values, strict=True):
                last[u] += v == values.min()
                top[u] += 1 + (values > v).sum() <= S.rules.top_n
    return (
        {u: c / n_resamples for u, c in last.items()},
        {u: c / n_resamples for u, c in top.items()},
    )


def small_case():
    """4 units in one series; supervisor groups of 5 forms, blanks, 不了解, a missing group."""
    rng = np.random.default_rng(7)
    levels = [*S.level_codes, None]
    spec = []
    quality = {"A": 0.55, "B": 0.5, "C": 0.45, "D": 0.35}
    sizes = {"enterprise": 9, "supervisor": 5, "public": 6, "deputy": 3}
    for unit, q in quality.items():
        for g, n in sizes.items():
            if unit == "C" and g == "deputy":
                continue  # a missing group
            for _ in range(n):
                base = rng.random() < q
                pattern = []
                for _d in DIMS:
                    r = rng.random()
                    if r < 0.05:
                        pattern.append(levels[-1])  # blank
                    elif r < 0.1:
                        pattern.append("unknown")
                    else:
                        k = rng.integers(0, 2) + (0 if base else 2)
                        pattern.append(S.level_codes[k])
                spec.append((unit, g, tuple(pattern), 1))
    return forms_from(spec)


# ====================================================================== grades
def test_grade_bands_at_exact_boundaries_on_unrounded_values():
    # bands of DOMAIN.md: >= 90 excellent, >= 80 good, >= 70 fair, < 70 poor
    values = [100, 90, 89.995, 89.99999999, 80, 79.9999, 70, 69.99, 0, np.nan]
    expected = [
        "excellent",
        "excellent",
        "good",
        "good",
        "good",
        "fair",
        "fair",
        "poor",
        "poor",
        None,
    ]
    got = grade_for(pd.Series(values, index=list("abcdefghij")))
    assert list(got.index) == list("abcdefghij")
    assert got.name == "grade"
    assert [None if pd.isna(g) else g for g in got] == expected
    assert list(got.cat.categories) == list(S.grade_codes)
    assert grade_for(89.995) == "good"
    assert grade_for(90) == "excellent"
    assert grade_for(float("nan")) is None
    assert grade_for(None) is None
    assert grade_for(-5.0) == "poor"  # below every band: the lowest grade
    assert list(grade_for(np.array([95.0, 75.0]))) == ["excellent", "fair"]


def test_grade_bands_come_from_the_scheme(tmp_path):
    from importlib import resources

    text = resources.files("evalstats").joinpath("schemes/default.toml").read_text("utf-8")
    text = text.replace("min = 90", "min = 85").replace("min = 70", "min = 60")
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    other = load_scheme(path)
    assert grade_for(86.0, scheme=other) == "excellent"
    assert grade_for(65.0, scheme=other) == "fair"
    assert grade_for(86.0) == "good"


def test_grade_for_refuses_non_numbers():
    with pytest.raises(TypeError) as e:
        grade_for("90")
    assert str(e.value) == "composite must be a number; got '90'"
    with pytest.raises(TypeError) as e:
        grade_for(True)
    assert str(e.value) == "composite must be a number; got True"
    with pytest.raises(TypeError) as e:
        grade_for(pd.Series(["a", "b"]))
    assert str(e.value) == "composite must be numeric; got dtype str"


# ====================================================================== veto
def ranking_input(values, series="enforcement", cycle="2026H1"):
    units = [chr(ord("A") + i) for i in range(len(values))]
    return pd.DataFrame({"cycle": cycle, "unit": units, "series": series, "composite": values})


def test_veto_by_incident_forces_grade_and_leaves_top3_next_moves_up():
    c = ranking_input([97.0, 95.0, 93.0, 91.0, 85.0])
    inc = pd.DataFrame(
        {
            "unit": ["A"],
            "date": [pd.Timestamp("2026-09-12")],
            "kind": ["major_accident"],
            "note": ["fire"],
        }
    )
    t = rank_units(c, incidents=inc)
    # issue 14: a vetoed unit has no rank and is listed after the ranked units of its series
    assert t["unit"].tolist() == ["B", "C", "D", "E", "A"]
    t = t.set_index("unit")
    assert t.loc["A", "veto"] and t.loc["A", "grade"] == "poor"
    assert t.loc["A", "veto_reason"] == "incident:major_accident 2026-09-12"
    assert t.loc["A", "veto_note"] == "fire"
    assert pd.isna(t.loc["A", "rank"]) and t.loc["A", "standing"] == ""
    assert t["rank"].tolist()[:4] == [1, 2, 3, 4]  # the others are ranked among themselves
    assert list(t.index[t["standing"] == "top3"]) == ["B", "C", "D"]  # D moved up
    assert not t.loc["B", "veto"] and t.loc["B", "veto_reason"] == ""
    assert t.loc["B", "veto_note"] == ""
    assert t["veto"].dtype == bool and t["tied"].dtype == bool


def test_vetoed_unit_is_never_last_and_others_decide_p_last():
    # issue 14 item 2: 末位 and P(末位) are decided among the units that are not vetoed
    c = ranking_input([97.0, 95.0, 93.0, 91.0, 50.0])  # E vetoed by its score (< 60)
    t = rank_units(c).set_index("unit")
    assert t.loc["E", "veto"] and pd.isna(t.loc["E", "rank"]) and t.loc["E", "standing"] == ""
    assert t.loc["D", "rank"] == 4 and t.loc["D", "standing"] == "last_not_distinguishable"
    # with the bootstrap: the vetoed unit's forms do not enter, so D is clearly last
    from evalstats.core.scheme import load_scheme

    dims = list(load_scheme().dimension_codes)
    levels = {"A": "satisfied", "B": "satisfied", "C": "fairly_satisfied"}
    levels |= {"D": "basically_satisfied", "E": "dissatisfied", "F": "fairly_satisfied"}
    pats = pd.DataFrame(
        [
            {"cycle": "2026H1", "unit": u, "group": "enterprise", **dict.fromkeys(dims, lv)}
            | {"count": 40}
            for u, lv in levels.items()
        ]
    )
    units = pd.DataFrame({"cycle": "2026H1", "unit": list("ABCDEF"), "series": "enforcement"})
    comps = units.assign(composite=[100.0, 99.0, 80.0, 60.5, 0.0, 79.0])
    inc = pd.DataFrame({"unit": ["A"], "kind": ["major_accident"], "note": ["fire"]})
    r = rank_units(comps, patterns=pats, incidents=inc, n_resamples=200, rng=1)
    r = r.set_index("unit")
    assert r.loc[["A", "E"], "veto"].all()
    assert r.loc[["A", "E"], ["rank", "rank_low", "rank_high"]].isna().all().all()
    assert r.loc[["A", "E"], ["p_last", "p_top3"]].isna().all().all()
    assert r.loc["D", "p_last"] == 1.0 and r.loc["D", "standing"] == "last"
    assert r.loc["B", "rank"] == 1 and r.loc["B", "p_top3"] == 1.0
    assert r.index[r["standing"] == "top3"].tolist() == ["B", "C", "F"]
    assert r.index.tolist() == ["B", "C", "F", "D", "A", "E"]
    assert "no_rank_uncertainty" not in ";".join(r["flags"])


def test_veto_by_threshold_with_readable_reason():
    c = ranking_input([95.0, 57.3, 60.0, 59.99999999, 90.0])
    v = apply_veto(c)
    assert v["veto"].tolist() == [False, True, False, True, False]
    assert v["veto_reason"].tolist() == [
        "",
        "composite_below_threshold:57.3<60",
        "",
        "composite_below_threshold:59.99999999<60",
        "",
    ]
    t = rank_units(c).set_index("unit")
    assert t.loc["B", "grade"] == "poor" and t.loc["D", "grade"] == "poor"
    assert not t.loc["C", "veto"]  # exactly 60 is not below the threshold


def test_veto_reasons_are_joined_sorted_and_kinds_mapped():
    c = pd.concat([ranking_input([88.0, 55.5]), ranking_input([88.0, 90.0], cycle="2026A")])
    inc = pd.DataFrame(
        {
            "unit": ["B", "B", "A"],
            "date": ["2026-05-01", "2026-02-01", None],
            "kind": ["媒体曝光查实", "leader_investigated", "其他"],
            "cycle": ["2026H1", "2026H1", "2026A"],
        }
    )
    v = apply_veto(c, incidents=inc)
    assert v["veto_reason"].tolist() == [
        "",
        "incident:leader_investigated 2026-02-01;incident:media_exposure 2026-05-01;"
        "composite_below_threshold:55.5<60",
        "incident:other",
        "",
    ]
    # without a cycle column an incident vetoes the unit in every cycle given
    v2 = apply_veto(c, incidents=inc.drop(columns="cycle"))
    assert v2["veto"].tolist() == [True, True, True, True]


def test_incident_dates_are_written_iso_or_as_typed():
    c = ranking_input([90.0, 90.0, 90.0])
    inc = pd.DataFrame(
        {
            "unit": ["A", "B", "C"],
            "date": ["2026/9/12", "9月中旬;夜", np.datetime64("2026-01-05")],
            "kind": ["other"] * 3,
        }
    )
    assert apply_veto(c, incidents=inc)["veto_reason"].tolist() == [
        "incident:other 2026-09-12",
        "incident:other 9月中旬,夜",
        "incident:other 2026-01-05",
    ]


def test_veto_sentence_zh_en():
    row = {"veto_reason": "incident:major_accident 2026-09-12;composite_below_threshold:57.3<60"}
    assert (
        veto_sentence(row)
        == "一票否决：2026年9月12日发生重大责任事故；综合得分 57.30 低于否决线 60 分。"
    )
    assert veto_sentence(row, lang="en") == (
        "Vetoed: major liability accident on 12 September 2026; composite 57.30 below the veto "
        "threshold 60."
    )
    # two decimals would read 60.00: the sentence keeps the digits that show it is below
    close = pd.Series({"veto_reason": "composite_below_threshold:59.996<60"})
    assert veto_sentence(close) == "一票否决：综合得分 59.996 低于否决线 60 分。"
    assert veto_sentence({"veto_reason": ""}) == ""
    assert veto_sentence({"veto_reason": np.nan}) == ""


def test_veto_errors():
    c = ranking_input([90.0])
    with pytest.raises(ValueError) as e:
        apply_veto(c, incidents=pd.DataFrame({"unit": ["A"], "kind": ["flood"]}))
    assert str(e.value) == (
        "incidents['kind'] has 'flood', which is not an incident kind of the scheme; "
        "allowed: ['major_accident', 'media_exposure', 'leader_investigated', 'other']"
    )
    with pytest.raises(ValueError) as e:
        apply_veto(c, incidents=pd.DataFrame({"unit": ["A"]}))
    assert str(e.value) == (
        "incidents lacks column(s) ['kind']; required: ['unit', 'kind']; got ['unit']"
    )
    with pytest.raises(TypeError) as e:
        apply_veto(c, score_column=3)
    assert str(e.value) == "score_column must be a column name (str); got 3"
    with pytest.raises(ValueError) as e:
        veto_sentence({"veto_reason": "bad:1"})
    assert str(e.value) == (
        "veto_reason has an unknown reason 'bad:1'; known: 'incident', 'composite_below_threshold'"
    )
    with pytest.raises(ValueError) as e:
        veto_sentence({"veto_reason": "incident:flood"})
    assert str(e.value) == "veto_reason names unknown incident kind 'flood'"
    with pytest.raises(ValueError) as e:
        veto_sentence({"veto_reason": "composite_below_threshold:x<60"})
    assert str(e.value) == "veto_reason has a malformed part 'composite_below_threshold:x<60'"
    with pytest.raises(TypeError) as e:
        veto_sentence(3)
    assert str(e.value) == "row must be a mapping or Series with a 'veto_reason' entry"
    with pytest.raises(ValueError) as e:
        veto_sentence({"veto_reason": ""}, lang="fr")
    assert str(e.value) == "lang must be one of 'zh', 'en'; got 'fr'"


# ====================================================================== ranking
def test_ties_share_min_rank_and_are_marked_ties_at_top3_boundary_all_enter():
    c = ranking_input([95.0, 91.0, 88.0, 88.0, 80.0, 75.0])
    t = rank_units(c).set_index("unit")
    assert t["rank"].tolist() == [1, 2, 3, 3, 5, 6]
    assert t["rank"].dtype == "Int64"
    assert t["tied"].tolist() == [False, False, True, True, False, False]
    assert t["standing"].tolist()[:4] == ["top3"] * 4
    assert t.loc["E", "standing"] == ""
    assert t.loc["F", "standing"] == "last_not_distinguishable"  # no patterns: no p_last
    assert t.loc["F", "flags"] == "p_last_unavailable"


def test_ranks_restart_per_series_and_cycle_and_rows_are_ordered():
    c = pd.concat(
        [
            ranking_input([80.0, 90.0], series="public_service"),
            ranking_input([70.0, 85.0], series="administration"),
            ranking_input([60.5, 99.0], series="administration", cycle="2026A"),
        ],
        ignore_index=True,
    )
    c["unit"] = ["P1", "P2", "A1", "A2", "A1", "A2"]
    t = rank_units(c)
    assert list(t.columns) == RANKING_COLUMNS
    assert t[["cycle", "series", "unit", "rank"]].values.tolist() == [
        ["2026A", "administration", "A2", 1],
        ["2026A", "administration", "A1", 2],
        ["2026H1", "administration", "A2", 1],
        ["2026H1", "administration", "A1", 2],
        ["2026H1", "public_service", "P2", 1],
        ["2026H1", "public_service", "P1", 2],
    ]
    # row order of the input changes nothing
    shuffled = rank_units(c.sample(frac=1, random_state=3))
    pd.testing.assert_frame_equal(t, shuffled)


def test_unit_without_composite_gets_no_rank_and_a_flag():
    c = ranking_input([90.0, np.nan, 80.0, 70.0])
    c["flags"] = ["", "missing_group:deputy", "", ""]
    inc = pd.DataFrame({"unit": ["D"], "kind": ["other"]})
    t = rank_units(c, incidents=inc).set_index("unit")
    assert pd.isna(t.loc["B", "rank"]) and pd.isna(t.loc["B", "grade"])
    assert t.loc["B", "flags"] == "missing_group:deputy;no_composite"
    assert t.loc["B", "standing"] == "" and not t.loc["B", "tied"]
    assert t["rank"].dropna().tolist() == [1, 2]  # D is vetoed: not ranked
    assert list(t.index) == ["A", "C", "B", "D"]  # unranked last, by unit code
    # a unit with no forms but an incident is vetoed all the same
    c2 = ranking_input([90.0, np.nan])
    t2 = rank_units(c2, incidents=pd.DataFrame({"unit": ["B"], "kind": ["other"]}))
    assert t2.set_index("unit").loc["B", "grade"] == "poor"


def test_single_unit_or_all_tied_series_has_no_last():
    t = rank_units(ranking_input([80.0]))
    assert t["standing"].tolist() == ["top3"]
    t = rank_units(ranking_input([80.0] * 5))
    assert t["standing"].tolist() == ["top3"] * 5 and t["tied"].all()


def clear_last_case():
    spec = []
    for unit, pattern in (("A", ALL_SAT), ("B", ALL_SAT), ("C", ALL_BASIC), ("D", ALL_DIS)):
        for g, n in (("enterprise", 12), ("supervisor", 5), ("public", 8)):
            spec.append((unit, g, pattern, n))
    spec.append(("D", "enterprise", ALL_SAT, 2))  # D varies, but stays far below C
    return forms_from(spec)


def test_last_standing_follows_p_last_and_threshold():
    forms = clear_last_case()
    c = composite_table(forms, dict.fromkeys("ABCD", "enforcement"))
    pats = patterns_of(forms)
    t = rank_units(c, patterns=pats, rng=1, n_resamples=2000, scheme=NO_VETO_LINE)
    t = t.set_index("unit")
    assert t.loc["D", "standing"] == "last" and t.loc["D", "p_last"] == 1.0
    assert t.loc["D", "rank_low"] == 4 and t.loc["D", "rank_high"] == 4
    assert t.loc["A", "p_top3"] == 1.0 and t.loc["D", "p_top3"] == 0.0
    # under the default scheme D (0 points + a few 100s) is under 60: vetoed, not ranked,
    # and 末位 is decided among A, B and C
    v = rank_units(c, patterns=pats, rng=1, n_resamples=2000).set_index("unit")
    assert v.loc["D", "veto"] and pd.isna(v.loc["D", "rank"]) and pd.isna(v.loc["D", "p_last"])
    assert v.loc["C", "rank"] == 3 and v.loc["C", "p_last"] == 1.0
    t2 = rank_units(
        c, patterns=pats, rng=1, n_resamples=2000, last_min_probability=1.0, scheme=NO_VETO_LINE
    )
    assert t2.set_index("unit").loc["D", "standing"] == "last"  # p_last == 1 reaches 1.0
    # a vague last: five supervisors each, C at 60 and D at 76
    spec = [
        ("C", "supervisor", ALL_SAT, 3),
        ("C", "supervisor", ALL_DIS, 2),
        ("D", "supervisor", ALL_SAT, 3),
        ("D", "supervisor", ALL_DIS, 2),
        ("D", "public", ALL_SAT, 1),
        ("A", "public", ALL_SAT, 5),
        ("B", "public", ALL_SAT, 5),
    ]
    f3 = forms_from(spec)
    c3 = composite_table(f3, dict.fromkeys("ABCD", "enforcement"))
    t3 = rank_units(c3, patterns=patterns_of(f3), rng=2, n_resamples=3000).set_index("unit")
    assert t3.loc["C", "rank"] == 4 and 0.5 < t3.loc["C", "p_last"] < 0.95
    assert t3.loc["C", "standing"] == "last"  # default level 0.5 reached
    t4 = rank_units(
        c3, patterns=patterns_of(f3), rng=2, n_resamples=3000, last_min_probability=0.95
    ).set_index("unit")
    assert t4.loc["C", "standing"] == "last_not_distinguishable"
    assert t4.loc["C", "p_last"] == t3.loc["C", "p_last"]


def test_annual_cap_on_confirmed_last_only():
    forms = clear_last_case()
    h1 = forms.copy()
    year_end = forms.copy()
    year_end["cycle"] = "2026A"
    both = pd.concat([h1, year_end], ignore_index=True)
    comp = composite_table(both, dict.fromkeys("ABCD", "enforcement"))
    h = comp[comp["cycle"] == "2026H1"].set_index("unit")["composite"]
    a = comp[comp["cycle"] == "2026A"].copy()
    a["composite_h1"] = a["unit"].map(h)
    a["composite_year"] = 0.4 * a["composite_h1"] + 0.6 * a["composite"]
    # lift every score so that the last unit would otherwise be excellent
    a["composite_year"] = 90.5 + a["composite_year"] / 100
    weights = {"2026H1": 0.4, "2026A": 0.6}
    t = rank_units(
        a,
        patterns=patterns_of(both),
        score_column="composite_year",
        cycle_weights=weights,
        rng=3,
        n_resamples=500,
    )
    assert list(t.columns) == [*RANKING_COLUMNS, "composite_h1", "composite_year"]
    t = t.set_index("unit")
    assert t.loc["D", "standing"] == "last"
    assert t.loc["D", "grade"] == "good"  # excellent capped at good
    assert t.loc["A", "grade"] == "excellent"
    # without patterns the last place is not confirmed: no cap, flagged
    t2 = rank_units(a, score_column="composite_year").set_index("unit")
    assert t2.loc["D", "grade"] == "excellent"
    assert t2.loc["D", "flags"] == "p_last_unavailable;last_grade_cap_withheld"
    t3 = rank_units(a, score_column="composite_year", cap_last_grade=False).set_index("unit")
    assert t3.loc["D", "flags"] == "p_last_unavailable"
    # the layout of evalstats.stats.score.composite_year: composite_annual instead of composite
    t4 = rank_units(
        a.rename(columns={"composite": "composite_annual"}), score_column="composite_year"
    ).set_index("unit")
    assert t4["composite"].tolist() == t2["composite"].tolist()


def test_rank_units_end_to_end_with_uncertainty_columns():
    forms = small_case()
    c = composite_table(forms, dict.fromkeys("ABCD", "administration"))
    t = rank_units(c, patterns=patterns_of(forms), rng=5, n_resamples=1000, scheme=NO_VETO_LINE)
    assert list(t.columns) == RANKING_COLUMNS
    assert t["p_last"].between(0, 1).all() and t["p_top3"].between(0, 1).all()
    assert (t["rank_low"] <= t["rank_high"]).all()
    assert t["p_last"].sum() >= 1 - 1e-12
    assert set(t["standing"]) <= {"top3", "last", "last_not_distinguishable", ""}
    assert t["rank_low"].dtype == "Int64" and t["veto"].dtype == bool


# ====================================================================== bootstrap
def test_point_composite_matches_reference_with_missing_groups_blanks_unknowns():
    forms = small_case()
    got = _point_composites(patterns_of(forms))
    ref = reference_composites(forms)
    for row in got.itertuples():
        assert row.composite == pytest.approx(ref[(row.cycle, row.unit)], rel=1e-12)


def test_point_composite_with_tally_pattern_counts():
    tally = pytest.importorskip("evalstats.counts.tally")
    forms = small_case()
    a = _point_composites(tally.pattern_counts(forms))
    b = _point_composites(patterns_of(forms))
    np.testing.assert_allclose(a["composite"], b["composite"], rtol=1e-12)


def test_known_answer_two_forms():
    # Hand computation: A has 2 forms, all 满意 (100) and all 不满意 (0); a bootstrap sample of
    # 2 forms gives A = 100, 50, 0 with probabilities 1/4, 1/2, 1/4.  B always scores 60, so
    # P(A last) = P(A < 60) = 3/4 and A's rank is 1 (p = 1/4) or 2 (p = 3/4).
    forms = forms_from(
        [("A", "public", ALL_SAT, 1), ("A", "public", ALL_DIS, 1), ("B", "public", ALL_BASIC, 4)]
    )
    units = pd.DataFrame({"unit": ["A", "B"], "series": "enforcement"})
    r = rank_uncertainty(patterns_of(forms), units=units, n_resamples=20_000, rng=11)
    assert list(r.columns) == UNCERTAINTY_COLUMNS
    r = r.set_index("unit")
    se = math.sqrt(0.75 * 0.25 / 20_000)
    assert abs(r.loc["A", "p_last"] - 0.75) < 4 * se
    assert r.loc["A", "p_last"] + r.loc["B", "p_last"] == pytest.approx(1.0)
    assert (r.loc["A", "rank_low"], r.loc["A", "rank_high"]) == (1, 2)
    assert r.loc["A", "p_top3"] == 1.0  # 2 units, top 3: everyone


def agree(fast, slow, n_fast, n_slow):
    for u in slow:
        p, q = fast[u], slow[u]
        pooled = (p * n_fast + q * n_slow) / (n_fast + n_slow)
        se = math.sqrt(max(pooled * (1 - pooled), 1e-12) * (1 / n_fast + 1 / n_slow))
        assert abs(p - q) <= 4 * se + 1e-12, (u, p, q, se)


def test_replicates_run_blas_on_one_thread(monkeypatch):
    """Issue 16: the draws' small matrix products ran 30-40x slower on OpenBLAS's own threads
    beside the replicate workers; run_replicates limits BLAS to one thread while it draws."""
    from threadpoolctl import threadpool_info

    import evalstats.stats.rank.replicates as replicates

    seen = []
    tally = replicates.RankBlock.tally

    def spy(self, comp, top_n):
        seen.append({d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"})
        return tally(self, comp, top_n)

    monkeypatch.setattr(replicates.RankBlock, "tally", spy)
    units = pd.DataFrame({"unit": list("ABCD"), "series": ["administration"] * 4})
    rank_uncertainty(patterns_of(small_case()), units=units, n_resamples=200, rng=1)
    assert seen and all(threads <= {1} for threads in seen)


def test_p_last_agrees_with_brute_force_form_resampling():
    forms = small_case()
    series = dict.fromkeys("ABCD", "administration")
    n_fast, n_slow = 20_000, 2_000
    units = pd.DataFrame({"unit": list(series), "series": list(series.values())})
    r = rank_uncertainty(patterns_of(forms), units=units, n_resamples=n_fast, rng=1)
    fast_last = dict(zip(r["unit"], r["p_last"], strict=True))
    fast_top = dict(zip(r["unit"], r["p_top3"], strict=True))
    slow_last, slow_top = brute_force_p_last(forms, series, n_slow, seed=2)
    assert 0.05 < max(slow_last.values()) < 0.95  # the case is uncertain enough to test
    agree(fast_last, slow_last, n_fast, n_slow)
    agree(fast_top, slow_top, n_fast, n_slow)


def test_multinomial_path_agrees_with_brute_force():
    # 60 forms with 3 distinct patterns per cell: drawn as multinomial pattern counts
    spec = []
    for unit, mix in (("A", (30, 20, 10)), ("B", (25, 25, 10)), ("C", (20, 30, 10))):
        for pattern, n in zip((ALL_SAT, ALL_BASIC, ALL_DIS), mix, strict=True):
            spec.append((unit, "enterprise", pattern, n))
        spec.append((unit, "supervisor", ALL_SAT, 3))
        spec.append((unit, "supervisor", ALL_DIS, 2))
    forms = forms_from(spec)
    series = dict.fromkeys("ABC", "enforcement")
    units = pd.DataFrame({"unit": list(series), "series": list(series.values())})
    r = rank_uncertainty(patterns_of(forms), units=units, n_resamples=20_000, rng=4)
    slow_last, _ = brute_force_p_last(forms, series, 2000, seed=5)
    agree(dict(zip(r["unit"], r["p_last"], strict=True)), slow_last, 20_000, 2000)


def test_all_satisfied_on_huge_n_has_p_last_zero():
    spec = []
    for unit in ("X", "Y", "Z"):
        spec += [
            (unit, "enterprise", ALL_SAT, 20),
            (unit, "enterprise", ALL_BASIC, 10),
            (unit, "supervisor", ALL_DIS, 1),
            (unit, "supervisor", ALL_SAT, 4),
        ]
    pats = patterns_of(forms_from([s for s in spec if s[0] != "BIG"]))
    big = pd.DataFrame(
        {
            "cycle": "2026H1",
            "unit": "BIG",
            "group": ["enterprise", "supervisor"],
            **dict.fromkeys(DIMS, "satisfied"),
            "count": [200_000, 5],
        }
    )
    pats = pd.concat([pats.astype({"unit": str}), big], ignore_index=True)
    units = pd.DataFrame({"unit": ["BIG", "X", "Y", "Z"], "series": "enforcement"})
    r = rank_uncertainty(pats, units=units, n_resamples=2000, rng=9).set_index("unit")
    assert r.loc["BIG", "p_last"] == 0.0
    assert r.loc["BIG", "p_top3"] == 1.0


def test_same_seed_same_result_and_generator_accepted():
    pats = patterns_of(small_case())
    units = pd.DataFrame({"unit": list("ABCD"), "series": "administration"})
    a = rank_uncertainty(pats, units=units, n_resamples=500, rng=42)
    b = rank_uncertainty(pats, units=units, n_resamples=500, rng=np.random.default_rng(42))
    pd.testing.assert_frame_equal(a, b)
    c = rank_uncertainty(pats, units=units, n_resamples=500, rng=43)
    assert not a["p_last"].equals(c["p_last"])


def test_vetoed_units_leave_bootstrap_top3_but_stay_in_last():
    forms = clear_last_case()
    pats = patterns_of(forms)
    units = pd.DataFrame({"unit": list("ABCD"), "series": "enforcement"})
    r = rank_uncertainty(
        pats, units=units, n_resamples=300, rng=1, exclude_from_top=["A", "D"]
    ).set_index("unit")
    assert r.loc["A", "p_top3"] == 0.0
    assert r.loc["C", "p_top3"] == 1.0  # moved up
    assert r.loc["D", "p_last"] == 1.0


def test_listed_units_without_forms_get_an_empty_row():
    pats = patterns_of(clear_last_case())
    units = pd.DataFrame({"unit": list("ABCDE"), "series": "enforcement"})
    r = rank_uncertainty(pats, units=units, n_resamples=50, rng=1).set_index("unit")
    assert np.isnan(r.loc["E", "p_last"]) and pd.isna(r.loc["E", "rank_low"])
    assert r.loc["E", "n_resamples"] == 0 and r.loc["A", "n_resamples"] == 50


def test_unit_without_valid_answers_has_no_probabilities():
    spec = [
        ("A", "public", ("unknown",) * len(DIMS), 3),
        ("B", "public", ALL_SAT, 3),
        ("C", "public", ALL_BASIC, 3),
    ]
    units = pd.DataFrame({"unit": list("ABC"), "series": "enforcement"})
    r = rank_uncertainty(patterns_of(forms_from(spec)), units=units, n_resamples=20, rng=1)
    r = r.set_index("unit")
    assert np.isnan(r.loc["A", "p_last"]) and np.isnan(r.loc["A", "p_top3"])
    assert r.loc["A", "n_resamples"] == 0
    assert r.loc["C", "p_last"] == 1.0 and r.loc["C", "rank_high"] == 2


def test_units_tied_at_the_bottom_are_each_last():
    spec = [
        ("A", "public", ALL_BASIC, 4),
        ("B", "public", ALL_BASIC, 6),
        ("C", "public", ALL_SAT, 2),
        ("D", "public", ALL_SAT, 3),
        ("E", "public", ALL_SAT, 1),
    ]
    forms = forms_from(spec)
    c = composite_table(forms, dict.fromkeys("ABCDE", "enforcement"))
    t = rank_units(c, patterns=patterns_of(forms), n_resamples=100, rng=1).set_index("unit")
    assert t.loc[["A", "B"], "rank"].tolist() == [4, 4]
    assert t.loc[["A", "B"], "tied"].all() and t.loc[["C", "D"], "tied"].all()
    assert t.loc[["A", "B"], "p_last"].tolist() == [1.0, 1.0]  # a tie counts for each
    assert t.loc[["A", "B"], "standing"].tolist() == ["last", "last"]
    assert t.loc[["C", "D", "E"], "standing"].tolist() == ["top3"] * 3


def test_result_does_not_depend_on_chunks_or_threads(monkeypatch):
    import evalstats.stats.rank.replicates as replicates_module
    import evalstats.stats.rank.resample as resample_module

    pats = patterns_of(small_case())
    units = pd.DataFrame({"unit": list("ABCD"), "series": "administration"})
    monkeypatch.setattr(resample_module, "_CHUNK_ELEMENTS", 500)  # many chunks
    results = []
    for threads in (1, 2):
        monkeypatch.setattr(replicates_module, "_THREADS", threads)
        results.append(rank_uncertainty(pats, units=units, n_resamples=300, rng=8))
    pd.testing.assert_frame_equal(results[0], results[1])


def test_combined_cycles_resample_both():
    forms = clear_last_case()
    f2 = forms.copy()
    f2["cycle"] = "2026A"
    pats = patterns_of(pd.concat([forms, f2], ignore_index=True))
    units = pd.DataFrame({"unit": list("ABCD"), "series": "enforcement"})
    r = rank_uncertainty(
        pats, units=units, n_resamples=200, rng=1, cycle_weights={"2026H1": 0.4, "2026A": 0.6}
    )
    assert set(r["cycle"]) == {"2026A"} and len(r) == 4
    assert r.set_index("unit").loc["D", "p_last"] == 1.0


# ---------------------------------------------------------------------- large cells
def large_case(seed=11):
    """6 units × 4 groups × 400–800 forms, close scores, blanks and 不了解 (pattern counts)."""
    rng = np.random.default_rng(seed)
    levels = np.array([*S.level_codes, None], dtype=object)
    frames = []
    for i, unit in enumerate("ABCDEF"):
        for g in GROUPS:
            n = int(rng.integers(400, 801))
            # P(level) shifts slightly with the unit: composites within ~1 point
            q = 0.5 + 0.01 * i
            p = np.array([0.3 * q, 0.3, 0.25 * (1 - q) + 0.1, 0.15 * (1 - q), 0.05])
            p = np.append(p, 0.03)
            p /= p.sum()
            lv = levels[rng.choice(len(levels), size=(n, len(DIMS)), p=p)]
            frames.append(pd.DataFrame(lv, columns=DIMS).assign(cycle="2026H1", unit=unit, group=g))
    forms = pd.concat(frames, ignore_index=True)
    for d in DIMS:
        forms[d] = pd.Categorical(forms[d], dtype=S.level_dtype)
    forms["unit"] = pd.Categorical(forms["unit"])
    forms["group"] = pd.Categorical(forms["group"], categories=GROUPS)
    return patterns_of(forms)


def test_large_cell_normal_approximation_agrees_with_exact_resampling():
    pats = large_case()
    assert pats.groupby(["unit", "group"], observed=True)["count"].sum().min() >= 400
    units = pd.DataFrame({"unit": list("ABCDEF"), "series": "enforcement"})
    n = 4000
    exact = rank_uncertainty(pats, units=units, n_resamples=n, rng=3, large_cell_threshold=None)
    approx = rank_uncertainty(pats, units=units, n_resamples=n, rng=4)  # default threshold
    exact, approx = exact.set_index("unit"), approx.set_index("unit")
    # the case is uncertain: several units share p_last and p_top3
    assert (exact["p_last"].between(0.05, 0.95)).sum() >= 2
    assert (exact["p_top3"].between(0.05, 0.95)).sum() >= 2
    for col in ("p_last", "p_top3"):
        agree(approx[col].to_dict(), exact[col].to_dict(), n, n)
    for col in ("rank_low", "rank_high"):
        assert (approx[col] - exact[col]).abs().max() <= 1, col
    # the approximation was used: same seed, other draws than the exact path
    same_seed = rank_uncertainty(pats, units=units, n_resamples=n, rng=3).set_index("unit")
    assert not same_seed["p_last"].equals(exact["p_last"])


def test_large_cells_mixed_with_small_cells_and_reproducible():
    # big cells (normal) next to 5-form supervisor cells (exact) in the same unit
    pats = large_case(seed=5)
    pats = pats[pats["group"] != "supervisor"]
    small = patterns_of(
        forms_from(
            [(u, "supervisor", ALL_SAT, 3) for u in "ABCDEF"]
            + [(u, "supervisor", ALL_BASIC, 2) for u in "ABCDEF"]
        )
    )
    pats = pd.concat([pats.astype({"unit": str}), small.astype({"unit": str})], ignore_index=True)
    units = pd.DataFrame({"unit": list("ABCDEF"), "series": "enforcement"})
    n = 4000
    exact = rank_uncertainty(pats, units=units, n_resamples=n, rng=1, large_cell_threshold=None)
    approx = rank_uncertainty(pats, units=units, n_resamples=n, rng=2)
    again = rank_uncertainty(pats, units=units, n_resamples=n, rng=2)
    pd.testing.assert_frame_equal(approx, again)
    exact, approx = exact.set_index("unit"), approx.set_index("unit")
    for col in ("p_last", "p_top3"):
        agree(approx[col].to_dict(), exact[col].to_dict(), n, n)
    for col in ("rank_low", "rank_high"):
        assert (approx[col] - exact[col]).abs().max() <= 1, col


def near_threshold_case(seed=1):
    """6 units × 4 groups × 64–120 forms (just at and above ``LARGE_CELL_THRESHOLD``): mostly
    满意, a few 不满意 (skewed cell sums, where the normal approximation is weakest), half the
    forms giving one answer on every dimension."""
    rng = np.random.default_rng(seed)
    levels = np.array([*S.level_codes, None], dtype=object)
    frames = []
    for i, unit in enumerate("ABCDEF"):
        for g in GROUPS:
            n = int(rng.integers(LARGE_CELL_THRESHOLD, 121))
            p = np.array([0.80 - 0.01 * i, 0.08, 0.04, 0.02 + 0.01 * i, 0.03, 0.03])
            lv = rng.choice(len(levels), size=(n, len(DIMS)), p=p / p.sum())
            same = rng.random(n) < 0.5
            lv[same] = lv[same, :1]
            frame = pd.DataFrame(levels[lv], columns=DIMS)
            frames.append(frame.assign(cycle="2026H1", unit=unit, group=g))
    forms = pd.concat(frames, ignore_index=True)
    for d in DIMS:
        forms[d] = pd.Categorical(forms[d], dtype=S.level_dtype)
    forms["unit"] = pd.Categorical(forms["unit"])
    forms["group"] = pd.Categorical(forms["group"], categories=GROUPS)
    return patterns_of(forms)


def test_cells_at_the_threshold_agree_with_exact_resampling():
    # the smallest cells the default threshold sends to the normal approximation
    pats = near_threshold_case()
    sizes = pats.groupby(["unit", "group"], observed=True)["count"].sum()
    assert sizes.min() >= LARGE_CELL_THRESHOLD and sizes.max() <= 120
    units = pd.DataFrame({"unit": list("ABCDEF"), "series": "enforcement"})
    n = 6000
    exact = rank_uncertainty(pats, units=units, n_resamples=n, rng=1, large_cell_threshold=None)
    approx = rank_uncertainty(pats, units=units, n_resamples=n, rng=2)
    exact, approx = exact.set_index("unit"), approx.set_index("unit")
    assert (exact["p_last"].between(0.05, 0.95)).sum() >= 2  # uncertain enough to test
    for col in ("p_last", "p_top3"):
        agree(approx[col].to_dict(), exact[col].to_dict(), n, n)
    for col in ("rank_low", "rank_high"):
        assert (approx[col] - exact[col]).abs().max() <= 1, col
    below = rank_uncertainty(  # one form fewer than the threshold everywhere: all exact
        pats, units=units, n_resamples=200, rng=2, large_cell_threshold=int(sizes.max()) + 1
    )
    exact_again = rank_uncertainty(
        pats, units=units, n_resamples=200, rng=2, large_cell_threshold=None
    )
    pd.testing.assert_frame_equal(below, exact_again)


def test_constant_large_cell_is_exact_and_cell_without_valid_answers_drops_out():
    # a 1,000-form cell where every form says 不了解 has no valid answer in any replicate;
    # B's other group decides its composite, exactly as on the exact path
    spec = [
        ("A", "public", ALL_SAT, 300),
        ("A", "enterprise", ALL_BASIC, 300),
        ("B", "public", ("unknown",) * len(DIMS), 1000),
        ("B", "enterprise", ALL_SAT, 5),
        ("C", "enterprise", ALL_DIS, 5),
    ]
    pats = patterns_of(forms_from(spec))
    units = pd.DataFrame({"unit": list("ABC"), "series": "enforcement"})
    a = rank_uncertainty(pats, units=units, n_resamples=300, rng=1)
    b = rank_uncertainty(pats, units=units, n_resamples=300, rng=1, large_cell_threshold=None)
    pd.testing.assert_frame_equal(a, b)
    assert a.set_index("unit")["rank_low"].tolist() == [2, 1, 3]


def test_demo_sized_data_is_untouched_by_the_default_threshold():
    pats = patterns_of(small_case())
    assert pats.groupby(["unit", "group"], observed=True)["count"].sum().max() < (
        LARGE_CELL_THRESHOLD
    )
    units = pd.DataFrame({"unit": list("ABCD"), "series": "administration"})
    a = rank_uncertainty(pats, units=units, n_resamples=500, rng=6)
    b = rank_uncertainty(pats, units=units, n_resamples=500, rng=6, large_cell_threshold=None)
    pd.testing.assert_frame_equal(a, b)
    c = composite_table(small_case(), dict.fromkeys("ABCD", "administration"))
    ra = rank_units(c, patterns=pats, n_resamples=500, rng=6)
    rb = rank_units(c, patterns=pats, n_resamples=500, rng=6, large_cell_threshold=None)
    pd.testing.assert_frame_equal(ra, rb)


# ---------------------------------------------------------------------- invariants
LEVELS_OR_BLANK = [*S.level_codes, None]


@st.composite
def pattern_tables(draw):
    n_units = draw(st.integers(2, 5))
    spec = []
    for u in range(n_units):
        for g in draw(st.sets(st.sampled_from(GROUPS), min_size=1, max_size=4)):
            for _ in range(draw(st.integers(1, 4))):
                pattern = tuple(draw(st.sampled_from(LEVELS_OR_BLANK)) for _ in DIMS)
                spec.append((f"U{u}", g, pattern, draw(st.integers(1, 40))))
    series = {
        f"U{u}": draw(st.sampled_from(["administration", "enforcement"])) for u in range(n_units)
    }
    return spec, series


@settings(max_examples=25)
@given(pattern_tables(), st.integers(0, 2**32 - 1))
def test_invariants(case, seed):
    spec, series = case
    pats = patterns_of(forms_from(spec))
    units = pd.DataFrame({"unit": list(series), "series": list(series.values())})
    n = 200
    r, blocks = _rank_uncertainty(
        pats,
        units=units,
        scheme=None,
        n_resamples=n,
        confidence_level=0.9,
        rng=seed,
        exclude_from_top=None,
        cycle_weights=None,
        combined_cycle=None,
    )
    ranked = r[r["n_resamples"] > 0]
    assert ranked["p_last"].between(0, 1).all() and ranked["p_top3"].between(0, 1).all()
    both = ranked.dropna(subset=["rank_low"])
    assert (both["rank_low"] >= 1).all() and (both["rank_low"] <= both["rank_high"]).all()
    sizes = ranked.groupby("series")["unit"].transform("size")
    assert (both["rank_high"] <= sizes[both.index]).all()
    # every replicate has a last unit (all composites exist here unless a unit has no valid
    # answer at all); ties at the bottom add exactly their extra units
    comp = _point_composites(pats).set_index("unit")["composite"]
    if comp.notna().all():
        total = ranked["p_last"].sum() * n
        assert total == pytest.approx(n * len(blocks) + sum(b.extra_last for b in blocks))
        if sum(b.extra_last for b in blocks) == 0:
            for _, g in ranked.groupby("series"):
                assert g["p_last"].sum() == pytest.approx(1.0)
    # row order and splitting a pattern row change nothing
    shuffled = pats.sample(frac=1, random_state=seed % 1000)
    split = pd.concat(
        [
            pats.assign(count=pats["count"] // 2),
            pats.assign(count=pats["count"] - pats["count"] // 2),
        ]
    )
    for other in (shuffled, split):
        r2 = rank_uncertainty(other, units=units, n_resamples=n, confidence_level=0.9, rng=seed)
        pd.testing.assert_frame_equal(r, r2)


# ---------------------------------------------------------------------- bad arguments
def test_rank_uncertainty_bad_arguments():
    pats = patterns_of(clear_last_case())
    units = pd.DataFrame({"unit": list("ABCD"), "series": "enforcement"})

    def call(**kw):
        args = {"units": units, "n_resamples": 10, "rng": 1} | kw
        patterns = args.pop("patterns", pats)
        return rank_uncertainty(patterns, **args)

    cases = [
        ({"n_resamples": 0}, ValueError, "n_resamples must be at least 1; got 0"),
        ({"n_resamples": 2.5}, TypeError, "n_resamples must be a whole number; got 2.5"),
        ({"n_resamples": True}, TypeError, "n_resamples must be a whole number; got True"),
        (
            {"confidence_level": 1.5},
            ValueError,
            "confidence_level must be strictly between 0 and 1; got 1.5",
        ),
        ({"rng": -1}, ValueError, "rng must be a non-negative int seed; got -1"),
        (
            {"rng": "x"},
            TypeError,
            "rng must be None, an int seed or a numpy.random.Generator; got str",
        ),
        ({"patterns": [1]}, TypeError, "patterns must be a pandas DataFrame; got list"),
        (
            {"patterns": pats.drop(columns="count")},
            ValueError,
            "patterns lacks column(s) ['count']; required: ['cycle', 'unit', 'group', 'count']; "
            f"got {['cycle', 'unit', 'group', *DIMS]}",
        ),
        (
            {"patterns": pats.assign(count=1.0)},
            TypeError,
            "patterns['count'] must be integers; got dtype float64",
        ),
        ({"patterns": pats.assign(count=-1)}, ValueError, "patterns['count'] must not be negative"),
        (
            {"patterns": pats.assign(group="boss")},
            ValueError,
            "patterns['group'] has value(s) ['boss'] that are not group codes of the scheme; "
            "allowed: ['enterprise', 'supervisor', 'public', 'deputy']",
        ),
        (
            {"patterns": pats.assign(integrity="great")},
            ValueError,
            "patterns['integrity'] has value(s) ['great'] that are not level codes of the "
            "scheme; allowed: ['satisfied', 'fairly_satisfied', 'basically_satisfied', "
            "'dissatisfied', 'unknown'] (NaN = blank)",
        ),
        ({"patterns": pats.assign(unit=None)}, ValueError, "patterns['unit'] has missing values"),
        (
            {"units": units.iloc[:3]},
            ValueError,
            "units has no series for unit(s) ['D'] found in patterns",
        ),
        (
            {"units": units.drop(columns="series")},
            ValueError,
            "units lacks column(s) ['series']; required: ['unit', 'series']; got ['unit']",
        ),
        (
            {"units": pd.concat([units, units.iloc[:1]])},
            ValueError,
            "units lists unit(s) ['A'] more than once",
        ),
        (
            {"units": units.assign(series=None)},
            ValueError,
            "units has no series for unit(s) ['A', 'B', 'C', 'D']",
        ),
        (
            {"exclude_from_top": "A"},
            TypeError,
            "exclude_from_top must be an iterable of unit codes; got 'A'",
        ),
        (
            {"cycle_weights": {}},
            TypeError,
            "cycle_weights must be a non-empty mapping of cycle -> weight; got {}",
        ),
        (
            {"cycle_weights": {"2026H1": -1}},
            ValueError,
            "cycle_weights['2026H1'] must be a finite number >= 0; got -1",
        ),
        (
            {"cycle_weights": {"2026H1": 0}},
            ValueError,
            "cycle_weights must have a positive weight; got {'2026H1': 0}",
        ),
        ({"combined_cycle": "2026A"}, ValueError, "combined_cycle is given without cycle_weights"),
        (
            {"large_cell_threshold": 0},
            ValueError,
            "large_cell_threshold must be at least 1; got 0",
        ),
        (
            {"large_cell_threshold": 2.5},
            TypeError,
            "large_cell_threshold must be a whole number or None; got 2.5",
        ),
        (
            {"large_cell_threshold": True},
            TypeError,
            "large_cell_threshold must be a whole number or None; got True",
        ),
    ]
    for kw, exc, message in cases:
        with pytest.raises(exc) as e:
            call(**kw)
        assert str(e.value) == message, kw


def test_rank_units_bad_arguments():
    c = ranking_input([90.0, 80.0])
    cases = [
        (
            {"composites": c.drop(columns="series")},
            ValueError,
            "composites lacks column(s) ['series']; required: ['cycle', 'unit', 'series', "
            "'composite']; got ['cycle', 'unit', 'composite']",
        ),
        (
            {"score_column": "composite_year"},
            ValueError,
            "composites lacks column(s) ['composite_year']; required: ['cycle', 'unit', "
            "'series', 'composite_year']; got ['cycle', 'unit', 'series', 'composite']",
        ),
        ({"score_column": None}, TypeError, "score_column must be a column name (str); got None"),
        (
            {"composites": c.assign(composite="high")},
            TypeError,
            "composites['composite'] must be numeric; got dtype str",
        ),
        (
            {"composites": pd.concat([c, c])},
            ValueError,
            "composites has more than one row per cycle × unit for ['A', 'B']",
        ),
        (
            {"last_min_probability": 2},
            ValueError,
            "last_min_probability must be between 0 and 1; got 2",
        ),
        (
            {"last_min_probability": "half"},
            TypeError,
            "last_min_probability must be a number between 0 and 1; got 'half'",
        ),
        (
            {"cap_last_grade": "yes"},
            TypeError,
            "cap_last_grade must be True, False or None; got 'yes'",
        ),
        (
            {
                "composites": c.assign(composite_year=c["composite"]),
                "score_column": "composite_year",
                "patterns": patterns_of(clear_last_case()),
            },
            ValueError,
            "cycle_weights is required with patterns when score_column is 'composite_year': "
            "the bootstrap must combine the cycles' composites as the score does",
        ),
        ({"n_resamples": -3}, ValueError, "n_resamples must be at least 1; got -3"),
        (
            {"large_cell_threshold": -1},
            ValueError,
            "large_cell_threshold must be at least 1; got -1",
        ),
        (
            {"rng": 1.5},
            TypeError,
            "rng must be None, an int seed or a numpy.random.Generator; got float",
        ),
    ]
    for kw, exc, message in cases:
        args = {"composites": c} | kw
        with pytest.raises(exc) as e:
            rank_units(args.pop("composites"), **args)
        assert str(e.value) == message, kw


def test_end_to_end_with_tally_and_score():
    tally = pytest.importorskip("evalstats.counts.tally")
    score = pytest.importorskip("evalstats.stats.score")
    forms = small_case()
    units = pd.DataFrame({"unit": list("ABCD"), "name": list("abcd"), "series": "enforcement"})
    pats = tally.pattern_counts(forms)
    comp = score.composites(tally.tally(forms), units=units, patterns=pats)
    t = rank_units(comp, patterns=pats, n_resamples=500, rng=1, scheme=NO_VETO_LINE)
    assert list(t.columns[: len(RANKING_COLUMNS)]) == RANKING_COLUMNS
    point = _point_composites(pats).set_index("unit")["composite"]
    np.testing.assert_allclose(t.set_index("unit")["composite"], point[t["unit"]], rtol=1e-12)
    assert t["rank"].tolist() == [1, 2, 3, 4]


def test_empty_incidents_table_vetoes_nothing():
    # a cycle folder without incidents.csv gives an empty incidents table (regression)
    from evalstats.stats.rank import apply_veto

    comp = pd.DataFrame({"cycle": ["2026H1"] * 2, "unit": ["A", "B"], "composite": [88.0, 91.0]})
    empty = pd.DataFrame(
        {
            "unit": pd.Series([], dtype=object),
            "date": pd.Series([], dtype="datetime64[ns]"),
            "kind": pd.Series([], dtype=object),
            "note": pd.Series([], dtype=object),
        }
    )
    out = apply_veto(comp, incidents=empty)
    assert out["veto"].tolist() == [False, False]
    assert out["veto_reason"].tolist() == ["", ""]


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["2026H1", "2026A"]),
            st.sampled_from(["u3", "u1", "u2"]),
            st.sampled_from(list(S.group_codes)),
            st.lists(st.sampled_from([*S.level_codes, None]), min_size=5, max_size=5),
            st.integers(0, 4),
        ),
        max_size=60,
    )
)
def test_prepare_cells_one_key_sorts_as_lexsort(rows):
    """The patterns' order and merging by one int64 key (blank first, zero counts dropped,
    a pattern split over rows merged) equal those of a lexsort over the columns."""
    import evalstats.stats.rank.cells as cells_module

    dims = list(S.dimension_codes)
    patterns = pd.DataFrame(
        [
            {"cycle": c, "unit": u, "group": g, **dict(zip(dims, lv, strict=True)), "count": n}
            for c, u, g, lv, n in rows
        ],
        columns=["cycle", "unit", "group", *dims, "count"],
    ).astype({"count": np.int64})
    got = cells_module.prepare_cells(patterns, S)

    def by_lexsort(*cols):  # the columns sorted by numpy's lexsort, rows compared column-wise
        order = np.lexsort(tuple(reversed(cols)))
        rows = np.column_stack([c[order] for c in cols])
        new = np.ones(len(order), bool)
        new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        return order, new

    keyed = cells_module.lexsort_rows
    cells_module.lexsort_rows = by_lexsort
    try:
        expected = cells_module.prepare_cells(patterns, S)
    finally:
        cells_module.lexsort_rows = keyed
    for field in dataclasses.fields(got):
        a, b = getattr(got, field.name), getattr(expected, field.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype, field.name
        else:
            assert a == b, field.name
