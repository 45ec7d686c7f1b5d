"""Tests of evalstats.analyses.load: the analysis kept in memory and in a folder (the letters
batch analyses a cycle once for all its kernels)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from evalstats.analyses import cycle as cycle_analysis
from evalstats.analyses import load

ROOT = Path(__file__).resolve().parents[1]
N, SEED = 50, 3


@pytest.fixture
def data(tmp_path):
    """A copy of the demo's 2026A and 2026H1, to be changed."""
    for c in ("2026A", "2026H1"):
        shutil.copytree(ROOT / "data" / "raw" / c, tmp_path / "raw" / c)
    return tmp_path / "raw"


@pytest.fixture
def computed(monkeypatch):
    """Count the annual analyses actually computed."""
    calls = []
    real = cycle_analysis.annual

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(cycle_analysis, "annual", counting)
    return calls


def _same(a, b) -> None:
    assert a.kind == b.kind and a.options == b.options and a.summary == b.summary
    assert a.scheme == b.scheme and a.tier == b.tier
    assert list(a.tables) == list(b.tables)
    for name, table in a.tables.items():
        pd.testing.assert_frame_equal(table, b.tables[name], check_exact=True)
    for c in a.scored:
        pd.testing.assert_frame_equal(a.scored[c].scores, b.scored[c].scores, check_exact=True)
    pd.testing.assert_frame_equal(a.change.comparison, b.change.comparison, check_exact=True)


def test_a_folder_gives_the_same_numbers_computed_once(data, tmp_path, computed):
    folder = tmp_path / "kept"
    first = load.load_analysis("2026A", data_dir=data, n_resamples=N, seed=SEED, cache_dir=folder)
    assert len(computed) == 1 and len(list(folder.glob("analysis-*.pickle"))) == 1
    load.clear_cache()  # another process: nothing in memory
    again = load.load_analysis("2026A", data_dir=data, n_resamples=N, seed=SEED, cache_dir=folder)
    assert len(computed) == 1  # read, not computed
    assert again is not first
    _same(first, again)
    fresh = load.load_analysis("2026A", data_dir=data, n_resamples=N, seed=SEED, cache=False)
    assert len(computed) == 2
    _same(fresh, again)


def test_changed_input_or_options_are_not_served_the_kept_analysis(data, tmp_path, computed):
    folder = tmp_path / "kept"
    options = dict(data_dir=data, n_resamples=N, seed=SEED, cache=False, cache_dir=folder)
    before = load.load_analysis("2026A", **options)
    load.load_analysis("2026A", **{**options, "seed": SEED + 1})  # another seed
    assert len(computed) == 2 and len(list(folder.glob("*.pickle"))) == 2
    units = data / "2026A" / "units.csv"
    text = units.read_text("utf-8")
    first = text.splitlines()[1].split(",")[1]  # the first unit's name
    units.write_text(text.replace(first, first + "甲", 1), "utf-8")
    after = load.load_analysis("2026A", **options)
    assert len(computed) == 3 and len(list(folder.glob("*.pickle"))) == 3
    assert (after.units["name"] != before.units["name"]).sum() == 1


def test_the_environment_names_the_folder(data, tmp_path, monkeypatch, computed):
    folder = tmp_path / "env"
    monkeypatch.setenv(load.CACHE_ENV, str(folder))
    load.load_analysis("2026A", data_dir=data, n_resamples=N, seed=SEED, cache=False)
    load.load_analysis("2026A", data_dir=data, n_resamples=N, seed=SEED, cache=False)
    assert len(computed) == 1 and len(list(folder.glob("analysis-*.pickle"))) == 1


def test_a_damaged_or_foreign_file_is_not_used(data, tmp_path, computed):
    folder = tmp_path / "kept"
    options = dict(data_dir=data, n_resamples=N, seed=SEED, cache=False, cache_dir=folder)
    load.load_analysis("2026A", **options)
    (kept,) = folder.glob("analysis-*.pickle")
    kept.write_bytes(b"not a pickle")
    load.load_analysis("2026A", **options)  # computed again, and kept again
    assert len(computed) == 2 and kept.read_bytes() != b"not a pickle"
    other = dict(options, seed=SEED + 1)
    load.load_analysis("2026A", **other)
    (mine,) = set(folder.glob("*.pickle")) - {kept}
    shutil.copyfile(mine, kept)  # the right name, another analysis inside
    load.load_analysis("2026A", **options)
    assert len(computed) == 4
