"""End to end on the demo data: validated forms → tally → scores → composites → ranking."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalstats.inputs.validate import validate_cycle
from evalstats.stats.pipeline import score_cycle, score_year

ROOT = Path(__file__).resolve().parents[1]
SCORES_COLUMNS = (
    "cycle, unit, unit_name, series, group, dimension, n_forms, n_valid, n_unknown, n_blank, "
    "top_box_rate, satisfied_rate, satisfied_ci_low, satisfied_ci_high, dissatisfied_rate, "
    "share_of_all_votes, score, score_ci_low, score_ci_high, weighted_score, "
    "weighted_score_ci_low, weighted_score_ci_high, confidence_level, ci_method, low_confidence"
).split(", ")
RANKING_COLUMNS = (
    "cycle, unit, unit_name, series, composite, composite_ci_low, composite_ci_high, rank, "
    "rank_low, rank_high, p_last, p_top3, tied, standing, grade, veto, veto_reason, veto_note, "
    "flags"
).split(", ")


@pytest.fixture(scope="module")
def demo():
    h1 = validate_cycle(ROOT / "data" / "raw" / "2026H1")
    a = validate_cycle(ROOT / "data" / "raw" / "2026A")
    sh = score_cycle(h1, n_resamples=2000, rng=7)
    sa = score_cycle(a, n_resamples=2000, rng=7)
    return h1, a, sh, sa, score_year(sh, sa, n_resamples=2000, rng=7)


def test_contract_columns(demo):
    _, _, sh, _sa, year = demo
    assert list(sh.scores.columns) == SCORES_COLUMNS
    assert list(sh.ranking.columns)[: len(RANKING_COLUMNS)] == RANKING_COLUMNS
    for col in ("composite_h1", "composite_year", "composite_year_ci_low", "weight_annual"):
        assert col in year.columns
    assert set(year["grade"]) <= {"excellent", "good", "fair", "poor"}


def test_counts_match_validated_forms(demo):
    h1, _, sh, _, _ = demo
    town = sh.scores[(sh.scores["unit"] == "all") & (sh.scores["series"] == "all")]
    row = town[(town["group"] == "all") & (town["dimension"] == "all")].iloc[0]
    assert row["n_forms"] == len(h1.forms)
    summary = h1.summary()
    assert int(sh.counts["count"].sum()) == len(h1.forms) * len(h1.scheme.dimension_codes)
    assert summary["forms_counted"] == len(h1.forms)


def test_every_unit_ranked_once(demo):
    h1, a, sh, _sa, year = demo
    assert sorted(sh.ranking["unit"]) == sorted(h1.units["unit"])
    assert sorted(year["unit"]) == sorted(set(h1.units["unit"]) | set(a.units["unit"]))


def test_annual_rank_decided_on_composite_year(demo):
    *_, year = demo
    for _, s in year.groupby("series"):
        ranked = s[s["rank"].notna()].sort_values("rank")
        assert np.all(np.diff(ranked["composite_year"].to_numpy()) <= 0)
        # a vetoed unit is not ranked and comes after the ranked units (issue 14)
        assert s["rank"].isna().to_numpy().tolist() == s["veto"].to_numpy().tolist()
        assert s["veto"].tolist() == sorted(s["veto"].tolist())


def test_incident_vetoes_the_year(demo):
    _, a, _, sa, year = demo
    vetoed = set(a.incidents["unit"])
    assert vetoed  # the demo plants one incident
    rows = year[year["unit"].isin(vetoed)]
    assert rows["veto"].all() and (rows["grade"] == "poor").all()
    assert not (rows["standing"] == "top3").any()
    assert rows["veto_reason"].str.startswith("incident:").all()
    assert sa.ranking.loc[sa.ranking["unit"].isin(vetoed), "veto"].all()


def test_one_cycle_unit_flagged(demo):
    h1, a, *_, year = demo
    only = set(a.units["unit"]) - set(h1.units["unit"])
    assert only
    flags = year.set_index("unit").loc[sorted(only), "flags"]
    assert flags.str.contains("one_cycle_only:2026A").all()


def test_top3_and_last_per_series(demo):
    _, _, sh, _, _ = demo
    for _, s in sh.ranking.groupby("series"):
        assert (s["standing"] == "top3").sum() == 3
        assert s["standing"].isin(["last", "last_not_distinguishable"]).sum() == 1


def test_seeded_runs_are_identical(demo):
    h1, *_ = demo
    first = score_cycle(h1, n_resamples=500, rng=3).ranking
    again = score_cycle(h1, n_resamples=500, rng=3).ranking
    pd.testing.assert_frame_equal(first, again)


def _csv_bytes(table, tmp_path, name):
    from evalstats.present.report import write_csv

    path = tmp_path / f"{name}.csv"
    write_csv(table, path)
    return path.read_bytes()


@pytest.mark.parametrize(("cycle", "backend"), [("2026H1", "pandas"), ("2026A", "duckdb")])
def test_score_counts_equals_score_cycle(tmp_path, cycle, backend):
    from evalstats.counts.backends import count_cycle
    from evalstats.stats.pipeline import score_counts

    pytest.importorskip("duckdb")
    folder = ROOT / "data" / "raw" / cycle
    expected = score_cycle(validate_cycle(folder), n_resamples=300, rng=11)
    counted = count_cycle(folder, backend=backend)
    got = score_counts(counted, n_resamples=300, rng=11)
    for name in ("counts", "patterns", "scores", "composites", "ranking", "incidents"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
    for name in ("scores", "ranking"):
        assert _csv_bytes(getattr(got, name), tmp_path / "got", name) == _csv_bytes(
            getattr(expected, name), tmp_path / "expected", name
        )


def test_score_year_from_counts(demo):
    from evalstats.counts.backends import count_cycle
    from evalstats.stats.pipeline import score_counts

    pytest.importorskip("duckdb")
    *_, year = demo
    sh = score_counts(count_cycle(ROOT / "data" / "raw" / "2026H1"), n_resamples=2000, rng=7)
    sa = score_counts(
        count_cycle(ROOT / "data" / "raw" / "2026A", backend="duckdb"), n_resamples=2000, rng=7
    )
    pd.testing.assert_frame_equal(score_year(sh, sa, n_resamples=2000, rng=7), year)


def test_score_counts_needs_counts_with_patterns():
    from evalstats.counts.backends import count_cycle
    from evalstats.stats.pipeline import score_counts

    folder = ROOT / "data" / "raw" / "2026H1"
    with pytest.raises(TypeError) as info:
        score_counts(validate_cycle(folder))
    assert str(info.value) == (
        "counted must be the CycleCounts of evalstats.counts.backends.count_cycle; "
        "got ValidatedCycle"
    )
    with pytest.raises(ValueError) as info:
        score_counts(count_cycle(folder, backend="pandas", patterns=False))
    assert str(info.value) == (
        "counted has no pattern counts (counted with patterns=False); the intervals and the "
        "ranking need them: count with patterns=True"
    )
