"""The letters and the report agree: one analysis, two views (issue 12).

``letters_table`` (what ``letters/letters.csv`` holds) equals the report's deciding table —
``final_grades`` for an annual cycle, ``ranking`` for a half-year — on the demo and on a small
built year where a unit is vetoed, one is last and one is in a single cycle only; each unit's
profile states its row, and the letter's headline sentence quotes it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_analysis import make_small_cycle

from evalstats.analyses import cycle as analysis
from evalstats.analyses import profile
from evalstats.present import letters

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw"
SEED = 11
N = 500
DATE = "2026-12-20"
SHARED = ["unit", "rank", "rank_low", "rank_high", "p_last", "standing", "grade", "veto"]


def _small_year(folder: Path) -> Path:
    """2026H1 and 2026A of the small cycle: A2 only in 2026A, B1 vetoed by an incident."""
    make_small_cycle(folder, "2026H1", seed=1)
    make_small_cycle(folder, "2026A", seed=2)
    h1 = folder / "2026H1"
    for name, column in (
        ("units.csv", "单位编码"),
        ("responses.csv", "被评单位"),
        ("forms_issued.csv", "被评单位"),
    ):
        t = pd.read_csv(h1 / name, dtype=str, keep_default_na=False)
        t[t[column] != "A2"].to_csv(h1 / name, index=False)
    pd.DataFrame(
        [("B1", "2026-10-09", "媒体曝光查实", "测试")], columns=["被评单位", "日期", "类别", "说明"]
    ).to_csv(folder / "2026A" / "incidents.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory):
    return _small_year(tmp_path_factory.mktemp("small_year"))


def _check_against_report(lt: pd.DataFrame, report: analysis.Analysis) -> None:
    annual = report.kind == "annual"
    table = report.tables["final_grades" if annual else "ranking"].reset_index(drop=True)
    pd.testing.assert_frame_equal(lt[SHARED], table[SHARED], check_dtype=True)
    score = "composite_year" if annual else "composite"
    np.testing.assert_array_equal(lt["composite"].to_numpy(), table[score].to_numpy())
    rect = report.tables["rectification"].drop_duplicates("unit").set_index("unit")
    listed = lt["unit"].map(rect["rectification_required"]).fillna(False).astype(bool)
    assert lt["rectification_required"].tolist() == listed.tolist()
    need = analysis.rectification_needed(report.tables["ranking"], scheme=report.scheme)
    assert lt["rectification_required"].tolist() == need["rectification_required"].tolist()


def _check_profiles(a: analysis.Analysis, lt: pd.DataFrame, units=None) -> None:
    for unit in units or lt["unit"]:
        p = profile.unit_profile(unit, cycle=a.cycle, analysis=a, tier=a.tier)
        row = lt[lt["unit"] == unit].reset_index(drop=True)
        pd.testing.assert_frame_equal(p.letter, row)
        pd.testing.assert_frame_equal(p.to_frame(), row)
        h = p.headline.iloc[0]
        r = row.iloc[0]
        for c in profile.LETTERS_COLUMNS[1:]:
            same = (pd.isna(h[c]) and pd.isna(r[c])) or h[c] == r[c]
            assert same, (unit, c, h[c], r[c])
        if pd.isna(r["rank"]) or bool(h["suppressed"]):
            continue
        # the body states the row in plain words: composite, rank among the series, grade
        result = letters.blocks(p, "result", "zh", date=DATE)
        sentence = result[1][1]
        assert f"排第{int(r['rank'])}名" in sentence, sentence
        assert f"{r['composite']:.2f}分" in sentence
        if pd.notna(r["grade"]):
            assert f"等次为{a.scheme.label('grades', str(r['grade']), 'zh')}" in sentence
        # the annex states its uncertainty: the rank interval and P(末位), as the report
        detail = letters.blocks(p, "headline", "zh", date=DATE)[1][1]
        assert f"名次区间为{letters.rank_text(r['rank_low'], r['rank_high'])}" in detail
        assert f"为末位的概率为{r['p_last']:.2f}" in detail, detail
        owed = letters.blocks(p, "owed", "zh", date=DATE)[1][1]
        assert ("贵单位须制定整改方案" in owed) == bool(r["rectification_required"])
        if r["rectification_required"]:
            assert "于2027年1月19日前报送我办" in owed  # the reply deadline: 30 days
        if r["standing"] == "last":
            assert "贵单位为本序列末位。" in [t for _k, t in result]


# ---------------------------------------------------------------------- the demo
def test_demo_annual_letters_equal_final_grades():
    a = profile.load_analysis("2026A", data_dir=DEMO, n_resamples=N, seed=SEED)
    report = analysis.annual("2026A", data_dir=DEMO, n_resamples=N, seed=SEED)
    assert a.kind == "annual"
    lt = profile.letters_table(a)
    assert list(lt.columns) == profile.LETTERS_COLUMNS
    _check_against_report(lt, report)  # the report's own run, same options
    _check_against_report(lt, a)
    # the case: the unit the report names 末位 is told so, with the report's P(末位)
    last = report.tables["final_grades"].query("unit == 'governance_office'").iloc[0]
    row = lt[lt["unit"] == "governance_office"].iloc[0]
    assert row["p_last"] == last["p_last"] and row["standing"] == last["standing"] == "last"
    _check_profiles(a, lt)


def test_demo_half_year_letters_equal_ranking():
    a = profile.load_analysis("2026H1", data_dir=DEMO, n_resamples=N, seed=SEED)
    report = analysis.half_year("2026H1", data_dir=DEMO, n_resamples=N, seed=SEED)
    assert a.kind == "half_year"
    lt = profile.letters_table(a)
    _check_against_report(lt, report)
    _check_profiles(a, lt, units=["governance_office", "land_office", "finance_office"])


def test_demo_public_letters_equal_the_public_final_grades():
    a = profile.load_analysis("2026A", data_dir=DEMO, n_resamples=N, seed=SEED, tier="public")
    lt = profile.letters_table(a)
    _check_against_report(lt, a)
    _check_profiles(a, lt, units=["governance_office", "land_office"])


# ---------------------------------------------------------------------- a small built year
def test_small_year_vetoed_last_and_one_cycle_units(small_dir):
    a = profile.load_analysis("2026A", data_dir=small_dir, n_resamples=N, seed=SEED)
    report = analysis.annual("2026A", data_dir=small_dir, n_resamples=N, seed=SEED)
    lt = profile.letters_table(a)
    _check_against_report(lt, report)
    by = lt.set_index("unit")
    assert bool(by.loc["B1", "veto"]) and by.loc["B1", "grade"] == "poor"
    assert bool(by.loc["B1", "rectification_required"])
    # issue 14: a vetoed unit is not ranked, so it is neither in the top 3 nor last
    assert pd.isna(by.loc["B1", "rank"]) and by.loc["B1", "standing"] == ""
    ranked = report.tables["ranking"].dropna(subset=["rank"])
    for _series, part in ranked.groupby("series"):
        lasts = part["standing"].isin(["last", "last_not_distinguishable"])
        assert lasts.any() == (len(part) > a.scheme.rules.top_n)
    one = report.tables["one_cycle_units"]
    assert one["unit"].tolist() == ["A2"]
    assert by.loc["A2", "composite"] == one["composite_year"].iloc[0]
    _check_profiles(a, lt)
    p = profile.unit_profile("A2", cycle="2026A", analysis=a)
    assert p.changes.empty and p.composite_change.empty and p.previous.empty
    assert "未参加2026年上半年测评" in letters.section(p, "changes", date=DATE)
    v = profile.unit_profile("B1", cycle="2026A", analysis=a)
    assert any("一票否决" in t for _k, t in letters.blocks(v, "result", date=DATE))


def test_half_year_with_previous_cycle_keeps_its_tables(small_dir):
    # a half-year letter's change is computed once, in the analysis; the report is unchanged
    plain = analysis.half_year("2026A", data_dir=small_dir, n_resamples=50, seed=SEED)
    with_prev = analysis.half_year(
        "2026A", data_dir=small_dir, n_resamples=50, seed=SEED, previous_cycle="2026H1"
    )
    assert plain.change is None and with_prev.change.previous_cycle == "2026H1"
    for name, table in plain.tables.items():
        pd.testing.assert_frame_equal(with_prev.tables[name], table, obj=name)
    year = analysis.annual("2026A", data_dir=small_dir, n_resamples=50, seed=SEED)
    pd.testing.assert_frame_equal(with_prev.change.comparison, year.tables["comparison"])
    with pytest.raises(ValueError, match=r"^previous_cycle must differ from cycle; both are"):
        analysis.half_year("2026A", data_dir=small_dir, previous_cycle="2026A")
