"""Tests of evalstats.analyses.profile: one unit's tables, the public tier's primary suppression
rule."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstats.analyses import profile
from evalstats.stats import privacy

_spec = importlib.util.spec_from_file_location(
    "reference_p_adjust", Path(__file__).parent / "reference" / "p_adjust.py"
)
TEXTBOOK = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(TEXTBOOK)

SEED = 7
N_RESAMPLES = 200


@pytest.fixture(scope="module")
def cycles():
    return profile.load_analysis("2026A", n_resamples=N_RESAMPLES, seed=SEED)


@pytest.fixture(scope="module")
def public():
    return profile.load_analysis("2026A", n_resamples=N_RESAMPLES, seed=SEED, tier="public")


@pytest.fixture(scope="module")
def finance(cycles):
    return profile.unit_profile("finance_office", cycle="2026A", analysis=cycles)


# ---------------------------------------------------------------------- suppress_small_cells
def test_suppress_small_cells_withholds_numbers_below_threshold():
    t = pd.DataFrame(
        {"group": ["public", "deputy"], "n_forms": [50, 3], "n_valid": [48, 3], "score": [88.5, 90]}
    )
    out = profile.suppress_small_cells(t, n_column="n_forms", threshold=5)
    assert out["suppressed"].tolist() == [False, True]
    assert out["n_forms"].tolist() == [50, 3]  # the number of respondents stays
    assert out["score"].iloc[0] == 88.5 and np.isnan(out["score"].iloc[1])
    assert out["n_valid"].dtype == "Int64" and out["n_valid"].isna().tolist() == [False, True]
    assert t["score"].tolist() == [88.5, 90]  # the input is not changed


def test_suppress_small_cells_errors():
    t = pd.DataFrame({"n_forms": [1], "score": [1.0]})
    with pytest.raises(ValueError, match=r"^n_column 'n' is not a column of the table$"):
        profile.suppress_small_cells(t, n_column="n", threshold=5)
    with pytest.raises(ValueError, match=r"^threshold must be a whole number >= 1; got 0$"):
        profile.suppress_small_cells(t, threshold=0)
    with pytest.raises(ValueError, match=r"^threshold must be a whole number >= 1; got True$"):
        profile.suppress_small_cells(t, threshold=True)
    with pytest.raises(ValueError, match=re.escape("columns ['x'] are not in the table")):
        profile.suppress_small_cells(t, threshold=5, columns=["x"])
    with pytest.raises(TypeError, match=r"^table must be a pandas DataFrame; got list$"):
        profile.suppress_small_cells([1], threshold=5)


@settings(max_examples=40)
@given(
    n=st.lists(st.integers(0, 12), min_size=1, max_size=20),
    threshold=st.integers(1, 10),
)
def test_suppress_small_cells_property(n, threshold):
    t = pd.DataFrame({"n_forms": n, "score": np.arange(len(n), dtype=float)})
    out = profile.suppress_small_cells(t, threshold=threshold)
    small = np.asarray(n) < threshold
    assert out["suppressed"].tolist() == small.tolist()
    assert out["score"].isna().to_numpy().tolist() == small.tolist()
    kept = out.loc[~small, "score"].to_numpy()
    assert (kept == t.loc[~small, "score"].to_numpy()).all()


# ---------------------------------------------------------------------- cycles
def test_derive_previous_cycle():
    assert profile.derive_previous_cycle("2026A") == "2026H1"
    assert profile.derive_previous_cycle("2026H2") == "2026H1"
    assert profile.derive_previous_cycle("2026H1") == "2025A"
    assert profile.derive_previous_cycle("pilot") == ""


def test_load_analysis_is_kept_in_memory(cycles):
    again = profile.load_analysis("2026A", n_resamples=N_RESAMPLES, seed=SEED)
    assert again is cycles
    # annual cycle with its half-year: the annual analysis, the change computed once
    assert cycles.kind == "annual" and cycles.options["half_year_cycle"] == "2026H1"
    assert cycles.change.previous_cycle == "2026H1"
    assert cycles.change.comparison.equals(cycles.tables["comparison"])


def test_no_previous_cycle():
    c = profile.load_analysis("2026A", previous_cycle="none", n_resamples=50, seed=1)
    p = profile.unit_profile("finance_office", cycle="2026A", analysis=c)
    assert c.kind == "half_year" and c.change is None  # the year-end cycle on its own
    assert p.changes.empty and p.previous.empty and p.rectification.empty and p.year.empty


# ---------------------------------------------------------------------- the profile
def test_headline_is_the_reports_year_row(cycles, finance):
    # an annual letter states the combined year's result: the report's year ranking
    ranking = cycles.tables["ranking"]
    row = ranking[ranking["unit"] == "finance_office"].iloc[0]
    h = finance.headline.iloc[0]
    assert h["composite"] == row["composite_year"] != row["composite"]
    assert h["composite_ci_low"] == row["composite_year_ci_low"]
    for col in ("rank", "rank_low", "rank_high", "p_last", "standing", "grade", "veto"):
        assert h[col] == row[col], col
    assert h["n_ranked"] == int((ranking["series"] == "administration").sum())
    own = cycles.scored["2026A"].ranking
    assert h["n_forms"] == own.loc[own["unit"] == "finance_office", "n_forms"].iloc[0]
    assert finance.unit_name == "财政所" and finance.series == "administration"


def test_weak_dimensions_as_in_the_report(cycles, finance):
    weak = cycles.tables["weak_dimensions"]
    expected = weak[weak["unit"] == "finance_office"].reset_index(drop=True)
    pd.testing.assert_frame_equal(finance.weak, expected)


def test_changes_are_the_reports_comparison(cycles, finance):
    # one computation: the report's comparison rows (Holm over every unit × dimension), not a
    # family of the unit's own dimensions (which made a change significant in a letter only)
    ch = finance.changes
    assert ch["dimension"].tolist() == list(finance.scheme.dimension_codes)
    c = cycles.tables["comparison"]
    expected = c[c["unit"] == "finance_office"].drop(columns=["unit_name", "series"])
    pd.testing.assert_frame_equal(ch, expected.reset_index(drop=True))
    c = finance.composite_change.iloc[0]
    assert c["composite_diff"] == pytest.approx(c["composite_annual"] - c["composite_h1"])
    own = cycles.scored["2026A"].composites
    assert c["composite_annual"] == own.loc[own["unit"] == "finance_office", "composite"].iloc[0]


def test_dimension_table_medians(cycles, finance):
    d = finance.dimensions
    s = cycles.scored["2026A"].scores
    peers = s[(s["series"] == "administration") & (s["unit"] != "all")]
    med = peers[(peers["group"] == "all") & (peers["dimension"] == "service")]
    row = d[(d["group"] == "all") & (d["dimension"] == "service")].iloc[0]
    assert row["weighted_score_series_median"] == med["weighted_score"].median()
    grp = d[(d["group"] == "public") & (d["dimension"] == "service")].iloc[0]
    pub = peers[(peers["group"] == "public") & (peers["dimension"] == "service")]
    assert grp["score_series_median"] == pub["score"].median()
    assert np.isnan(grp["weighted_score_series_median"])


def test_rectification_verdicts_read_the_interval(cycles):
    # a unit weak at the half-year: its weak dimensions followed up
    weak_h1 = cycles.change.weak_dimensions
    unit = str(weak_h1["unit"].iloc[0])
    p = profile.unit_profile(unit, cycle="2026A", analysis=cycles)
    r = p.rectification
    assert len(r) == int((weak_h1["unit"] == unit).sum())
    lo, hi = r["score_diff_ci_low"].to_numpy(), r["score_diff_ci_high"].to_numpy()
    expected = np.where(lo > 0, "improved", np.where(hi < 0, "declined", "no_clear_change"))
    assert r["verdict"].tolist() == expected.tolist()
    # the weighted scores then and now, and the score change beside its own two ends
    np.testing.assert_allclose(r["score_diff"], r["score_after"] - r["score_before"])
    s = cycles.scored["2026A"].scores
    now = s[(s["unit"] == unit) & (s["group"] == "all")].set_index("dimension")["weighted_score"]
    np.testing.assert_array_equal(r["weighted_score_after"], now.loc[r["dimension"]].to_numpy())


def test_unit_in_one_cycle_only(cycles):
    p = profile.unit_profile("veterans_station", cycle="2026A", analysis=cycles)
    assert p.changes.empty and p.previous.empty and p.composite_change.empty
    assert len(p.headline) == 1


def test_quality_flags_concern_the_unit(cycles):
    flags = cycles.tables["quality"]
    unit = str(flags.loc[flags["unit"] != "", "unit"].iloc[0])
    p = profile.unit_profile(unit, cycle="2026A", analysis=cycles)
    assert len(p.quality) >= int((flags["unit"] == unit).sum()) > 0


def test_unknown_unit_fails_clearly(cycles):
    msg = (
        "unit 'nope' is not a unit of cycle '2026A' (units: party_office, finance_office, "
        "economic_office, social_affairs, governance_office, statistics_station, "
        "family_planning, civil_affairs, …)"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(msg)}$"):
        profile.unit_profile("nope", cycle="2026A", analysis=cycles)


def test_option_errors(cycles):
    with pytest.raises(ValueError, match=r"^tier must be one of 'internal', 'public'; got 'x'$"):
        profile.unit_profile("finance_office", cycle="2026A", analysis=cycles, tier="x")
    with pytest.raises(ValueError, match=r"^analysis is of cycle '2026A', not '2026H1'$"):
        profile.unit_profile("finance_office", cycle="2026H1", analysis=cycles)
    with pytest.raises(ValueError, match=r"^analysis is of tier 'internal', not 'public'$"):
        profile.unit_profile("finance_office", cycle="2026A", analysis=cycles, tier="public")
    with pytest.raises(TypeError, match=r"^analysis must be an Analysis or None; got dict$"):
        profile.unit_profile("finance_office", cycle="2026A", analysis={})
    with pytest.raises(TypeError, match=r"^analysis must be an Analysis; got dict$"):
        profile.letters_table({})
    with pytest.raises(ValueError, match=r"^unit must be a unit code; got ''$"):
        profile.unit_profile("", cycle="2026A", analysis=cycles)
    with pytest.raises(ValueError, match=r"^previous_cycle must differ from cycle; both are"):
        profile.load_analysis("2026A", previous_cycle="2026A")
    with pytest.raises(ValueError, match=r"^language must be one of 'zh', 'en'; got 'fr'$"):
        profile.check_parameters(unit="x", cycle="2026A", language="fr")


def test_pseudonymise_hook(cycles):
    comments = cycles.tables["comments"]
    with_comments = comments["unit"].iloc[0]
    p = profile.unit_profile(
        with_comments, cycle="2026A", analysis=cycles, pseudonymise=lambda s: s.str.upper()
    )
    own = comments[comments["unit"] == with_comments]["comment"]
    assert p.comments["comment"].tolist() == own.str.upper().tolist()


# ---------------------------------------------------------------------- public tier
def test_public_tier_withholds_supervisors_and_small_cells(cycles, public):
    p = profile.unit_profile("land_office", cycle="2026A", analysis=public, tier="public")
    d = p.dimensions
    k = p.scheme.rules.anonymity_min
    sup = d[d["group"] == "supervisor"]
    assert sup["suppressed"].all() and sup["score"].isna().all() and sup["n_valid"].isna().all()
    small = d[(d["group"] != "supervisor") & (d["n_forms"] < k)]
    assert small["suppressed"].all() and small["score"].isna().all()
    shown = d[~d["suppressed"]]
    assert (shown["n_forms"] >= k).all() and shown["score"].notna().all()
    assert set(p.suppressed["reason"]) <= {
        "supervisor_breakdown",
        "fewer_than_threshold",
        "complementary",
    }
    assert len(p.suppressed) == int(d["suppressed"].sum())
    assert "supervisor" not in set(p.scores["group"])  # nor in the figure's data
    internal = profile.unit_profile("land_office", cycle="2026A", analysis=cycles)
    assert internal.dimensions["score"].notna().all() and internal.suppressed.empty


def test_public_tier_secondary_suppression_passes_the_checker(cycles, public):
    # land_office: 5 supervisors (never shown), 4 deputies (< 5) — and then the pooled and
    # the group-weighted score would solve those two groups from the two shown, so the
    # smaller of the others (28 enterprises) is withheld as a complement; the exact integer
    # audit of the letter with the report then finds the public's figure pins a withheld
    # group, so it is withheld too and the letter shows no group.
    p = profile.unit_profile("land_office", cycle="2026A", analysis=public, tier="public")
    why = p.suppressed.drop_duplicates("group").set_index("group")["reason"].to_dict()
    assert why == {
        "enterprise": "complementary",
        "supervisor": "supervisor_breakdown",
        "deputy": "fewer_than_threshold",
        "public": "complementary",
    }
    assert set(p.scores["group"]) == {"all"}  # no group figure: every group is withheld
    assert set(p.counts["group"]) == {"all"}  # the level figure: pooled over groups
    published = {n: t for n, t in p.tables.items() if n not in ("comments", "quality")}
    assert privacy.check_public({**published, "counts": p.counts}, scheme=p.scheme).empty
    # the primary rule alone (enterprises and the public shown) is caught by the checker
    internal = profile.unit_profile("land_office", cycle="2026A", analysis=cycles)
    d = p.dimensions.copy()
    ent = d["group"].isin(["enterprise", "public"]).to_numpy()
    for c in ("n_valid", "score", "satisfied_rate"):
        d[c] = np.where(ent, internal.dimensions[c].to_numpy(np.float64), d[c].astype(float))
    v = privacy.check_public({"dimensions": d}, scheme=p.scheme)
    assert set(v["rule"]) == {"score_relation"}


def test_quality_flags_name_nobody_in_the_public_tier():
    # the demo's half-year holds a 15-form burst by collector 王某 across units; it used to
    # crash the profile (a read-only mask) and, in public, to name the collector and form ids
    h1 = profile.load_analysis("2026H1", n_resamples=N_RESAMPLES, seed=SEED)
    h1_public = profile.load_analysis("2026H1", n_resamples=N_RESAMPLES, seed=SEED, tier="public")
    internal = profile.unit_profile("transport_station", cycle="2026H1", analysis=h1)
    public = profile.unit_profile(
        "transport_station", cycle="2026H1", analysis=h1_public, tier="public"
    )
    assert set(internal.quality["check"]) >= {"burst", "straight_lining"}
    assert internal.quality["reason_zh"].str.contains("王某").any()
    assert public.quality["check"].tolist() == internal.quality["check"].tolist()
    text = public.quality.astype(str).to_csv(index=False)
    assert "王某" not in text and "H1-01007" not in text
    burst = public.quality[public.quality["check"] == "burst"].iloc[0]
    assert burst["reason_zh"] == "涉及 15 份测评表；收集人、问卷编号等细节只在内部版中列出。"
    assert burst["collector"] == "" and burst["form_ids"] == ""
