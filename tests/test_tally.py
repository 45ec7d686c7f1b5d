"""Tests of evalstats.counts.tally."""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalstats.core.scheme import load_scheme
from evalstats.counts.tally import (
    TALLY_COLUMNS,
    add_tallies,
    pattern_counts,
    tally,
    tally_from_patterns,
    tally_to_array,
)
from evalstats.inputs.forms import empty_forms

# the module itself, even if the package exports a function named ``tally``
tally_module = importlib.import_module("evalstats.counts.tally")
SCHEME = load_scheme()
DIMS = list(SCHEME.dimension_codes)
LEVELS = list(SCHEME.level_codes)
GROUPS = list(SCHEME.group_codes)


def make_forms(rows, units=("U1", "U2")):
    """Forms table with the validated layout from (cycle, unit, group, [5 levels or None])."""
    data = {
        "cycle": pd.array([r[0] for r in rows], dtype="str"),
        "form_id": pd.array([str(i) for i in range(len(rows))], dtype="str"),
        "unit": pd.Categorical([r[1] for r in rows], categories=list(units)),
        "group": pd.Categorical([r[2] for r in rows], categories=GROUPS),
    }
    for j, d in enumerate(DIMS):
        data[d] = pd.Categorical([r[3][j] for r in rows], dtype=SCHEME.level_dtype)
    return pd.DataFrame(data)


def random_forms(n, seed, units=("U1", "U2", "U3"), cycles=("2026H1",)):
    rng = np.random.default_rng(seed)
    data = {
        "cycle": pd.array(rng.choice(list(cycles), n), dtype="str"),
        "unit": pd.Categorical.from_codes(rng.integers(0, len(units), n), categories=list(units)),
        "group": pd.Categorical.from_codes(rng.integers(0, len(GROUPS), n), categories=GROUPS),
    }
    for d in DIMS:
        data[d] = pd.Categorical.from_codes(
            rng.integers(-1, len(LEVELS), n), dtype=SCHEME.level_dtype
        )
    return pd.DataFrame(data)


def naive_tally(forms):
    """Reference: melt + groupby, blank as its own level."""
    long = forms.melt(id_vars=["cycle", "unit", "group"], value_vars=DIMS, var_name="dimension")
    long["level"] = long["value"].astype(object).where(long["value"].notna(), "blank")
    long["unit"] = long["unit"].astype(str)
    long["group"] = long["group"].astype(str)
    return long.groupby(["cycle", "unit", "group", "dimension", "level"]).size()


def as_series(t):
    t = t[t["count"] > 0]
    idx = pd.MultiIndex.from_arrays(
        [t[c].astype(str).to_numpy() for c in TALLY_COLUMNS[:-1]], names=TALLY_COLUMNS[:-1]
    )
    return pd.Series(t["count"].to_numpy(), index=idx).sort_index()


# ---------------------------------------------------------------------- hand-computed tally
def test_hand_computed_small_tally():
    s, f, b, dis, unk = (
        "satisfied",
        "fairly_satisfied",
        "basically_satisfied",
        "dissatisfied",
        "unknown",
    )
    forms = make_forms(
        [
            ("2026H1", "U1", "public", [s, s, f, dis, None]),
            ("2026H1", "U1", "public", [s, f, b, unk, s]),
            ("2026H1", "U1", "deputy", [None, None, None, None, None]),
        ]
    )
    t = tally(forms)
    assert list(t.columns) == TALLY_COLUMNS
    # all combinations: 1 cycle x 2 units x 4 groups x 5 dimensions x (5 levels + blank)
    assert len(t) == 1 * 2 * 4 * 5 * 6
    assert t["count"].dtype == np.int64
    assert t["count"].sum() == 3 * 5
    for c in ("unit", "group", "dimension", "level"):
        assert isinstance(t[c].dtype, pd.CategoricalDtype)
    assert list(t["level"].cat.categories) == [*LEVELS, "blank"]
    assert list(t["unit"].cat.categories) == ["U1", "U2"]
    got = t.set_index(["unit", "group", "dimension", "level"])["count"]
    assert got[("U1", "public", "transparency", "satisfied")] == 2
    assert got[("U1", "public", "lawfulness", "satisfied")] == 1
    assert got[("U1", "public", "lawfulness", "fairly_satisfied")] == 1
    assert got[("U1", "public", "efficiency", "basically_satisfied")] == 1
    assert got[("U1", "public", "service", "unknown")] == 1
    assert got[("U1", "public", "integrity", "blank")] == 1
    assert got[("U1", "deputy", "integrity", "blank")] == 1
    assert got[("U1", "enterprise", "integrity", "satisfied")] == 0
    assert got[("U2", "public", "transparency", "satisfied")] == 0
    # row order: cycle, unit, group, dimension, level
    first = t.iloc[:7][["unit", "group", "dimension", "level"]].astype(str).values.tolist()
    assert first[0] == ["U1", "enterprise", "transparency", "satisfied"]
    assert first[5] == ["U1", "enterprise", "transparency", "blank"]
    assert first[6] == ["U1", "enterprise", "lawfulness", "satisfied"]


def test_empty_forms_give_empty_tally_with_dtypes():
    t = tally(empty_forms(units=["U1"]))
    assert list(t.columns) == TALLY_COLUMNS and len(t) == 0
    assert t["count"].dtype == np.int64
    assert isinstance(t["level"].dtype, pd.CategoricalDtype)


def test_matches_naive_pandas_and_several_cycles():
    forms = random_forms(3000, 1, cycles=("2026H1", "2026A"))
    t = tally(forms)
    assert sorted(t["cycle"].unique()) == ["2026A", "2026H1"]
    assert t["cycle"].iloc[0] == "2026A"  # cycles sorted
    pd.testing.assert_series_equal(as_series(t), naive_tally(forms), check_names=False)


def test_chunks_and_wide_keys(monkeypatch):
    forms = random_forms(5000, 2, units=[f"U{i:04d}" for i in range(2000)])
    ref = naive_tally(forms)
    monkeypatch.setattr(tally_module, "CHUNK_ROWS", 777)
    t = tally(forms)
    pd.testing.assert_series_equal(as_series(t), ref, check_names=False)


def test_categorical_cycle_and_reordered_categories():
    forms = random_forms(500, 3, cycles=("2026H1", "2026A"))
    ref = tally(forms)
    alt = forms.copy()
    alt["cycle"] = pd.Categorical(alt["cycle"], categories=["2026H1", "2026A", "2027H1"])
    alt["group"] = alt["group"].cat.reorder_categories(GROUPS[::-1])
    alt["service"] = alt["service"].cat.reorder_categories(LEVELS[::-1], ordered=False)
    pd.testing.assert_frame_equal(tally(alt), ref)


def test_counts_sum_to_forms():
    forms = random_forms(800, 4)
    t = tally(forms)
    per = t.groupby(["cycle", "unit", "group", "dimension"], observed=True)["count"].sum()
    n = forms.groupby(["cycle", "unit", "group"], observed=False).size()
    for d in DIMS:
        np.testing.assert_array_equal(per.xs(d, level="dimension").to_numpy(), n.to_numpy())


# ---------------------------------------------------------------------- invariants
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(0, 120),
    seed=st.integers(0, 10_000),
    cuts=st.lists(st.integers(0, 120), max_size=4),
)
def test_tallies_of_parts_add_up_and_order_does_not_matter(n, seed, cuts):
    forms = random_forms(n, seed, cycles=("2026H1", "2026A"))
    whole = tally(forms)
    rng = np.random.default_rng(seed)
    shuffled = forms.iloc[rng.permutation(n)].reset_index(drop=True)
    pd.testing.assert_frame_equal(tally(shuffled), whole)
    bounds = sorted({0, n, *[c for c in cuts if c <= n]})
    parts = [tally(shuffled.iloc[a:b]) for a, b in itertools.pairwise(bounds)]
    if parts:
        pd.testing.assert_frame_equal(add_tallies(*parts), whole)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 150), seed=st.integers(0, 10_000))
def test_patterns_give_the_tally(n, seed):
    forms = random_forms(n, seed, cycles=("2026H1", "2026A"))
    p = pattern_counts(forms)
    assert p["count"].sum() == n
    assert list(p.columns) == ["cycle", "unit", "group", *DIMS, "count"]
    keys = ["cycle", "unit", "group", *DIMS]
    assert not p[keys].astype(str).duplicated().any()
    pd.testing.assert_frame_equal(tally_from_patterns(p), tally(forms))


def test_pattern_counts_small_case_sorted():
    s, d = "satisfied", "dissatisfied"
    rows = [
        ("2026H1", "U2", "public", [s] * 5),
        ("2026H1", "U1", "public", [d, s, s, s, None]),
        ("2026H1", "U1", "public", [s] * 5),
        ("2026H1", "U1", "public", [s] * 5),
        ("2026H1", "U1", "enterprise", [None, s, s, s, s]),
    ]
    p = pattern_counts(make_forms(rows))
    assert p[["unit", "group"]].astype(str).values.tolist() == [
        ["U1", "enterprise"],
        ["U1", "public"],
        ["U1", "public"],
        ["U2", "public"],
    ]
    assert p["count"].tolist() == [1, 2, 1, 1]
    assert p["transparency"].astype(object).tolist()[:3] == [np.nan, s, d] or (
        pd.isna(p["transparency"].iloc[0]) and p["transparency"].iloc[1:3].tolist() == [s, d]
    )
    assert p["transparency"].dtype == SCHEME.level_dtype
    assert pd.isna(p["integrity"].iloc[2])


def test_add_tallies_unions_units_and_cycles():
    a = random_forms(200, 5, units=("U1", "U2"), cycles=("2026H1",))
    b = random_forms(300, 6, units=("U2", "U3"), cycles=("2026A",))
    total = add_tallies(tally(a), tally(b))
    assert list(total["unit"].cat.categories) == ["U1", "U2", "U3"]
    assert total["count"].sum() == 500 * 5
    ref = pd.concat([naive_tally(a), naive_tally(b)]).groupby(level=list(range(5))).sum()
    pd.testing.assert_series_equal(as_series(total), ref.sort_index(), check_names=False)


def test_tally_to_array_ignores_row_order():
    forms = random_forms(400, 7)
    t = tally(forms)
    dense, cycles, units = tally_to_array(t)
    dense2, _, _ = tally_to_array(t.sample(frac=1, random_state=1))
    np.testing.assert_array_equal(dense, dense2)
    assert dense.shape == (1, 3, 4, 5, 6) and cycles == ["2026H1"] and units == ["U1", "U2", "U3"]


@st.composite
def coded_forms(draw):
    """Forms whose columns take every shape the tally reads: cycle as one- or many-category
    Categorical (unused categories too), pyarrow ``str`` or object; categories of group and
    levels in another order than the scheme's; 1 to 3,000 units (dimension blocks of 5, 3+2,
    2+2+1 and 1 each, 2- and 4-byte keys)."""
    n = draw(st.integers(0, 90))
    seed = draw(st.integers(0, 2**32 - 1))
    n_units = draw(st.sampled_from([1, 2, 3, 7, 40, 200, 3000]))
    cycles = draw(st.sampled_from([("2026H1",), ("2026H1", "2026A"), ("2027A", "2026H2", "2026A")]))
    rng = np.random.default_rng(seed)
    units = [f"U{i:04d}" for i in range(n_units)]
    cyc = rng.choice(list(cycles), n)
    kind = draw(st.sampled_from(["categorical", "categorical_extra", "str", "object"]))
    if kind == "categorical":
        cycle = pd.Categorical(cyc, categories=list(cycles))
    elif kind == "categorical_extra":  # a category without forms, before the others
        cycle = pd.Categorical(cyc, categories=["2099A", *cycles])
    else:
        cycle = pd.array(cyc, dtype="str" if kind == "str" else object)
    groups = draw(st.permutations(GROUPS))
    data = {
        "cycle": cycle,
        "unit": pd.Categorical.from_codes(rng.integers(0, n_units, n), categories=units),
        "group": pd.Categorical(rng.choice(GROUPS, n), categories=groups),
    }
    for d in DIMS:
        levels = draw(st.permutations(LEVELS))
        values = np.array([*LEVELS, None], dtype=object)[rng.integers(0, len(LEVELS) + 1, n)]
        data[d] = pd.Categorical(values, categories=levels, ordered=draw(st.booleans()))
    return pd.DataFrame(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms=coded_forms(), chunk=st.sampled_from([1, 7, 64, 1 << 18]))
def test_tally_equals_naive_on_every_column_shape(forms, chunk):
    """The bincount tally (dimension blocks, per-chunk category maps, codes read in place)
    equals a melt + groupby count on tables of every shape it reads, in any chunking."""
    old = tally_module.CHUNK_ROWS
    tally_module.CHUNK_ROWS = chunk
    try:
        t = tally(forms)
    finally:
        tally_module.CHUNK_ROWS = old
    assert list(t.columns) == TALLY_COLUMNS
    assert t["count"].sum() == len(forms) * len(DIMS)
    cycles = sorted({str(c) for c in forms["cycle"]})
    assert list(t["cycle"].unique()) == cycles  # the cycles with forms, sorted
    if len(forms):
        ref = naive_tally(forms.assign(cycle=forms["cycle"].astype(str)))
        pd.testing.assert_series_equal(as_series(t), ref, check_names=False)
    via_patterns = tally_from_patterns(pattern_counts(forms))
    # DataFrame.equals: same values and dtypes (assert_frame_equal takes seconds at 3,000 units)
    assert via_patterns.equals(t) and via_patterns.dtypes.equals(t.dtypes)


def test_dimension_blocks_keep_int16_keys():
    assert tally_module.dimension_blocks(5, 200 * 4 * 6, 6) == [[0, 1], [2, 3], [4]]
    assert tally_module.dimension_blocks(5, 24 * 4 * 6, 6) == [[0, 1, 2], [3, 4]]
    assert tally_module.dimension_blocks(5, 1 * 4 * 6, 6) == [[0, 1, 2, 3, 4]]
    assert tally_module.dimension_blocks(5, 3000 * 4 * 6, 6) == [[0], [1], [2], [3], [4]]
    assert tally_module.dimension_blocks(4, 3 * 4 * 6, 6) == [[0, 1, 2, 3]]
    assert tally_module.dimension_blocks(0, 10, 6) == []
    for nd, nbins, nl in [(5, 4800, 6), (7, 96, 6), (3, 40, 9)]:
        for block in tally_module.dimension_blocks(nd, nbins, nl):
            assert nbins * nl ** (len(block) - 1) < 2**15


def test_tally_reads_the_categoricals_codes_in_place():
    forms = random_forms(50, 3)
    forms["cycle"] = pd.Categorical(forms["cycle"])
    for col in ("cycle", "unit", "group", *DIMS):
        assert np.shares_memory(tally_module.own_codes(forms[col]), forms[col].array.codes)
    codes = tally_module.check_forms(forms, SCHEME)
    assert np.shares_memory(codes.unit, forms["unit"].array.codes)
    assert all(
        np.shares_memory(lv, forms[d].array.codes) for lv, d in zip(codes.levels, DIMS, strict=True)
    )


# ---------------------------------------------------------------------- bad arguments
def test_errors_forms_type_and_columns():
    with pytest.raises(TypeError) as e:
        tally([1, 2])
    assert str(e.value) == "forms must be a pandas DataFrame; got list"
    forms = random_forms(10, 0).drop(columns=["integrity", "group"])
    with pytest.raises(ValueError) as e:
        tally(forms)
    assert str(e.value) == (
        "forms lacks column(s) ['group', 'integrity']; a validated forms table has "
        "['cycle', 'unit', 'group', 'transparency', 'lawfulness', 'efficiency', 'service', "
        "'integrity']"
    )


def test_errors_dtypes_and_categories():
    forms = random_forms(10, 0)
    bad = forms.assign(unit=forms["unit"].astype(str))
    with pytest.raises(TypeError) as e:
        tally(bad)
    assert str(e.value) == "forms['unit'] must be a Categorical column; got dtype str"
    bad = forms.assign(group=forms["group"].astype(str))
    with pytest.raises(TypeError) as e:
        tally(bad)
    assert str(e.value) == "forms['group'] must be a Categorical column; got dtype str"
    bad = forms.assign(group=forms["group"].cat.add_categories(["boss"]))
    with pytest.raises(ValueError) as e:
        tally(bad)
    assert str(e.value) == (
        "forms['group'] has categories not in the scheme: ['boss']; "
        "allowed: ['enterprise', 'supervisor', 'public', 'deputy']"
    )
    bad = forms.assign(service=forms["service"].cat.rename_categories({"unknown": "maybe"}))
    with pytest.raises(ValueError) as e:
        tally(bad)
    assert str(e.value) == (
        "forms['service'] has categories not in the scheme: ['maybe']; allowed: "
        "['satisfied', 'fairly_satisfied', 'basically_satisfied', 'dissatisfied', 'unknown']"
    )


def test_errors_missing_keys():
    forms = random_forms(10, 0)
    bad = forms.copy()
    bad.loc[3, "unit"] = np.nan
    with pytest.raises(ValueError) as e:
        tally(bad)
    assert str(e.value) == "forms['unit'] has missing values"
    bad = forms.copy()
    bad.loc[3, "group"] = np.nan
    with pytest.raises(ValueError) as e:
        tally(bad)
    assert str(e.value) == "forms['group'] has missing values"
    bad = forms.copy()
    bad["cycle"] = pd.array(["2026H1"] * 9 + [None], dtype="str")
    with pytest.raises(ValueError) as e:
        tally(bad)
    assert str(e.value) == "forms['cycle'] has missing values"
    bad["cycle"] = pd.Categorical(bad["cycle"])
    with pytest.raises(ValueError) as e:
        tally(bad)
    assert str(e.value) == "forms['cycle'] has missing values"


def test_errors_tally_functions():
    with pytest.raises(ValueError) as e:
        add_tallies()
    assert str(e.value) == "add_tallies needs at least one tally"
    with pytest.raises(TypeError) as e:
        add_tallies("x")
    assert str(e.value) == "counts must be a pandas DataFrame (a tally); got str"
    t = tally(random_forms(10, 0))
    with pytest.raises(ValueError) as e:
        tally_to_array(t.drop(columns=["level"]))
    assert str(e.value) == (
        "counts lacks column(s) ['level']; a tally has "
        "['cycle', 'unit', 'group', 'dimension', 'level', 'count']"
    )
    with pytest.raises(TypeError) as e:
        tally_to_array(t.assign(unit=t["unit"].astype(str)))
    assert str(e.value) == "counts['unit'] must be a Categorical column; got dtype str"
    bad = t.assign(level=t["level"].astype(str).replace("blank", "empty"))
    with pytest.raises(ValueError) as e:
        tally_to_array(bad)
    assert str(e.value) == "counts['level'] has values not in the scheme: ['empty']"
    with pytest.raises(ValueError) as e:
        tally_to_array(t.assign(count=-t["count"]))
    assert str(e.value) == "counts['count'] must be non-negative integers"
    bad = t.copy()
    bad["cycle"] = pd.array([None] * len(t), dtype="str")
    with pytest.raises(ValueError) as e:
        tally_to_array(bad)
    assert str(e.value) == "counts['cycle'] has missing values"
    with pytest.raises(TypeError) as e:
        tally_from_patterns(t.to_numpy())
    assert str(e.value) == "patterns must be a pandas DataFrame; got ndarray"
    with pytest.raises(ValueError) as e:
        tally_from_patterns(pattern_counts(random_forms(5, 0)).drop(columns=["count"]))
    assert str(e.value) == "patterns lacks column(s) ['count']"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["2026H1", "2026A", "x", "", "2026h1"]), max_size=20),
    st.lists(st.sampled_from(["2026H1", "2026A", "x", 7]), unique=True, max_size=4),
    st.sampled_from(["str", "string[pyarrow]", "category", "object"]),
)
def test_text_positions_is_get_indexer_of_the_text(values, index, dtype):
    # pyarrow-backed text looked up by Arrow, categoricals by their categories, the rest as
    # text: every way index.get_indexer(col.astype(str)), also for an index with a non-text
    from evalstats.counts.tally import text_positions

    col, ix = pd.Series(values, dtype=dtype), pd.Index(index, dtype=object)
    want = ix.get_indexer(col.astype(str).to_numpy())
    assert text_positions(col, ix).tolist() == want.tolist()
