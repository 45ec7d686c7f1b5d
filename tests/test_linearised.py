"""The respondent bootstrap of large cells by linearisation (issue 17 item 5): agreement with
the exact respondent bootstrap, the covariance against the exact bootstrap variance and a
numerical gradient, invariance to respondent order, and small cells left exact."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from evalstats.core.scheme import load_scheme
from evalstats.counts.tally import pattern_counts
from evalstats.stats.design import respondent_design
from evalstats.stats.rank import LARGE_CELL_THRESHOLD, rank_uncertainty
from evalstats.stats.rank.cells import Composer, prepare_cells
from evalstats.stats.rank.clustered import RespondentResampler, design_cell_index
from evalstats.stats.rank.linearised import (
    RespondentNormal,
    respondent_sampler,
    respondents_per_cell,
    symmetric_root,
)

S = load_scheme()
DIMS = list(S.dimension_codes)
LEVELS = np.array([*S.level_codes, None], dtype=object)
UNITS = list("ABCDEF")


def raters(sizes, *, seed=1, units=UNITS, shift=0.012, blank_unit=0.1):
    """Respondents who rate every unit, each with a severity of their own; answers skewed
    (mostly 满意, a few 不满意, some 不了解 and blanks), units a little apart; a respondent leaves
    a unit blank with probability ``blank_unit`` (then it is no form for that unit)."""
    rng = np.random.default_rng(seed)
    rows = []
    for g, n in sizes.items():
        for i in range(n):
            harsh = rng.random() < 0.15  # a harsh respondent marks every unit down
            for k, u in enumerate(units):
                if rng.random() < blank_unit:
                    continue
                sat = 0.78 - shift * k - (0.3 if harsh else 0.0)
                p = np.array([sat, 0.1, 0.04, 0.02 + shift * k + (0.2 if harsh else 0.0)])
                p = np.append(p, [0.03, 0.03])
                lv = rng.choice(len(LEVELS), size=len(DIMS), p=p / p.sum())
                if rng.random() < 0.5:
                    lv[:] = lv[0]  # one answer on every dimension
                rows.append((f"{g}{i}", g, u, list(LEVELS[lv])))
    forms = pd.DataFrame(
        {
            "cycle": "2026H1",
            "form_id": [f"f{i}" for i in range(len(rows))],
            "respondent": [r[0] for r in rows],
            "unit": pd.Categorical([r[2] for r in rows], categories=list(units)),
            "group": pd.Categorical([r[1] for r in rows], categories=S.group_codes),
        }
    )
    for j, d in enumerate(DIMS):
        forms[d] = pd.Categorical([r[3][j] for r in rows], dtype=S.level_dtype)
    return forms


def units_of(units=UNITS):
    return pd.DataFrame({"unit": list(units), "series": "administration"})


def agree(a, b, n_a, n_b):
    """Two bootstrap proportions per unit within 4 Monte-Carlo standard errors."""
    for u in b:
        p, q = a[u], b[u]
        pooled = (p * n_a + q * n_b) / (n_a + n_b)
        se = math.sqrt(max(pooled * (1 - pooled), 1e-12) * (1 / n_a + 1 / n_b))
        assert abs(p - q) <= 4 * se + 1e-12, (u, p, q, se)


# about 64-150 respondents per cell (the threshold and a little above), skewed answers
NEAR = {"enterprise": 150, "supervisor": 72, "public": 120, "deputy": 80}


@pytest.fixture(scope="module")
def near():
    forms = raters(NEAR)
    return forms, pattern_counts(forms, S), respondent_design(forms, scheme=S)


def test_near_threshold_case_has_large_cells_only(near):
    _, pats, design = near
    cells = prepare_cells(pats, S)
    per_cell = respondents_per_cell(cells, design, design_cell_index(cells, design))
    assert LARGE_CELL_THRESHOLD <= per_cell.min() and per_cell.max() <= 150
    sampler = respondent_sampler(cells, design, S, 100, LARGE_CELL_THRESHOLD)
    assert isinstance(sampler, RespondentNormal)
    exact = respondent_sampler(cells, design, S, 100, int(per_cell.min()) + 1)
    assert isinstance(exact, RespondentResampler)
    assert isinstance(respondent_sampler(cells, design, S, 100, None), RespondentResampler)


def test_p_last_p_top3_and_rank_intervals_agree_with_the_exact_respondent_bootstrap(near):
    _, pats, design = near
    n = 8000
    kw = {"units": units_of(), "n_resamples": n, "design": design}
    exact = rank_uncertainty(pats, rng=1, large_cell_threshold=None, **kw).set_index("unit")
    approx = rank_uncertainty(pats, rng=2, **kw).set_index("unit")
    # uncertain enough to test: several units share p_last and p_top3
    assert exact["p_last"].between(0.05, 0.95).sum() >= 2
    assert exact["p_top3"].between(0.05, 0.95).sum() >= 2
    for col in ("p_last", "p_top3"):
        agree(approx[col].to_dict(), exact[col].to_dict(), n, n)
    for col in ("rank_low", "rank_high"):
        assert (approx[col] - exact[col]).abs().max() <= 1, col
    # the approximation was used: same seed, other draws than the exact path
    same_seed = rank_uncertainty(pats, rng=1, **kw).set_index("unit")
    assert not same_seed["p_last"].equals(exact["p_last"])


def exact_replicate_composites(cells, design, n, seed):
    sampler = RespondentResampler(cells, design, S, n)
    compose = Composer(cells, S, sampler.perm)
    out = np.empty((len(cells.cell_row), sampler.f, sampler.chunk))
    rng = np.random.default_rng(seed)
    parts = []
    for start in range(0, n, sampler.chunk):
        m = min(sampler.chunk, n - start)
        parts.append(compose(sampler.draw(rng, m, out)).copy())
    return np.concatenate(parts, axis=1)


def test_covariance_is_the_exact_bootstrap_covariance_of_the_composites(near):
    _, pats, design = near
    cells = prepare_cells(pats, S)
    normal = RespondentNormal(cells, design, S, 100)
    n = 8000
    reps = exact_replicate_composites(cells, design, n, seed=0)
    var = reps.var(axis=1)
    diag = np.diag(normal.cov)
    # Monte-Carlo SE of a variance from n draws is about var·√(2/n) (1.6 % here); the rest
    # is the linearisation's error, which is small at these cell sizes
    assert np.abs(var / diag - 1).max() < 0.08, var / diag
    # the respondents' severity correlates the units; the covariance keeps it
    corr = np.corrcoef(reps)
    sd = np.sqrt(diag)
    assert corr[np.triu_indices(len(diag), 1)].mean() > 0.1
    assert np.abs(normal.cov / np.outer(sd, sd) - corr).max() < 0.05
    # the draws are centred on the observed composites
    assert np.abs(reps.mean(axis=1) - normal.composite).max() < 4 * np.sqrt(diag.max() / n)


def numerical_covariance(cells, design):
    """Σ from a numerical gradient of the composer (all C × 2D perturbations as one batch of
    replicates) and each respondent's own cell sums, centred per stratum."""
    n_cells, f = len(cells.cell_row), cells.feat.shape[1]
    sums = np.zeros((n_cells, f))
    np.add.at(sums, cells.cell, cells.feat * cells.count[:, None])
    eps = 1e-6
    batch = np.repeat(sums[:, :, None], n_cells * f + 1, axis=2)
    for k in range(n_cells * f):
        batch[k // f, k % f, k + 1] += eps
    comp = Composer(cells, S)(batch)
    grad = (comp[:, 1:] - comp[:, :1]) / eps  # [rows, C·2D]
    points = np.array([lv.points if lv.valid else 0.0 for lv in S.levels] + [0.0])
    valid = np.array([1.0 if lv.valid else 0.0 for lv in S.levels] + [0.0])
    own = np.zeros((design.n_clusters, n_cells * f))  # each respondent's cell sums
    cell_of = design_cell_index(cells, design)
    for p in np.flatnonzero(cell_of >= 0):
        lv = design.levels[p]
        feats = np.concatenate([points[lv], valid[lv]]) * design.count[p]
        own[design.cluster[p], cell_of[p] * f : (cell_of[p] + 1) * f] += feats
    z = own @ grad.T  # [respondents, rows]
    cov = np.zeros((z.shape[1], z.shape[1]))
    for h in np.unique(design.stratum):
        zh = z[design.stratum == h]
        dev = zh - zh.mean(axis=0)
        cov += dev.T @ dev
    return cov


def test_covariance_agrees_with_a_numerical_gradient_of_the_composer():
    forms = raters({"enterprise": 20, "supervisor": 6, "public": 15, "deputy": 4}, seed=4)
    forms = forms[~((forms["unit"] == "C") & (forms["group"] == "deputy"))]  # a missing group
    pats = pattern_counts(forms, S)
    design = respondent_design(forms, scheme=S)
    cells = prepare_cells(pats, S)
    normal = RespondentNormal(cells, design, S, 10)
    ref = numerical_covariance(cells, design)
    assert np.allclose(normal.cov, ref, rtol=1e-4, atol=1e-6 * np.abs(ref).max())


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_draw_does_not_depend_on_the_order_of_respondents_or_rows(data_seed, perm_seed):
    forms = raters({"enterprise": 9, "supervisor": 4, "public": 7, "deputy": 3}, seed=data_seed)
    rng = np.random.default_rng(perm_seed)
    names = forms["respondent"].unique()
    renamed = dict(zip(names, rng.permutation(names), strict=True))  # other respondent order
    other = forms.assign(respondent=forms["respondent"].map(renamed))
    other = other.iloc[rng.permutation(len(other))].reset_index(drop=True)

    def normal(f):
        cells = prepare_cells(pattern_counts(f, S), S)
        return RespondentNormal(cells, respondent_design(f, scheme=S), S, 50)

    a, b = normal(forms), normal(other)
    assert np.allclose(a.cov, b.cov, rtol=1e-9, atol=1e-12)
    draw_a = a.composites(np.random.default_rng(5), 50)
    draw_b = b.composites(np.random.default_rng(5), 50)
    assert np.allclose(draw_a, draw_b, rtol=0, atol=1e-8)


def test_respondent_order_changes_no_published_number(near):
    forms, pats, design = near
    other = forms.iloc[::-1].reset_index(drop=True)
    kw = {"units": units_of(), "n_resamples": 2000, "rng": 9}
    pd.testing.assert_frame_equal(
        rank_uncertainty(pats, design=design, **kw),
        rank_uncertainty(pattern_counts(other, S), design=respondent_design(other, scheme=S), **kw),
    )


def test_one_small_cell_keeps_the_exact_bootstrap_byte_for_byte(near):
    forms, _, _ = near
    # one cell (unit A, deputies) under the threshold: the whole ranking stays exact
    drop = (forms["unit"] == "A") & forms["respondent"].isin([f"deputy{i}" for i in range(30, 80)])
    forms = forms[~drop]
    pats, design = pattern_counts(forms, S), respondent_design(forms, scheme=S)
    kw = {"units": units_of(), "n_resamples": 500, "rng": 3, "design": design}
    pd.testing.assert_frame_equal(
        rank_uncertainty(pats, **kw),
        rank_uncertainty(pats, large_cell_threshold=None, **kw),
        check_exact=True,
    )


def test_unit_without_valid_answers_stays_unranked_and_cells_without_some_dimension():
    forms = raters({"enterprise": 12, "supervisor": 5, "public": 9, "deputy": 3}, seed=2)
    # unit F: every answer 不了解 (no composite); unit E: no valid integrity answer at all
    for d in DIMS:
        forms.loc[forms["unit"] == "F", d] = "unknown"
    forms.loc[forms["unit"] == "E", DIMS[-1]] = None
    pats, design = pattern_counts(forms, S), respondent_design(forms, scheme=S)
    cells = prepare_cells(pats, S)
    normal = RespondentNormal(cells, design, S, 10)
    f_row = cells.units.index("F")
    assert np.isnan(normal.composite[f_row]) and (normal.cov[f_row] == 0).all()
    draws = normal.composites(np.random.default_rng(1), 20)
    assert np.isnan(draws[f_row]).all() and np.isfinite(np.delete(draws, f_row, 0)).all()
    r = rank_uncertainty(
        pats, units=units_of(), n_resamples=200, rng=1, design=design, large_cell_threshold=1
    ).set_index("unit")
    assert np.isnan(r.loc["F", "p_last"]) and r.loc["F", "n_resamples"] == 0
    assert r["p_last"].drop("F").notna().all()


def test_design_that_does_not_match_is_refused(near):
    _, pats, _ = near
    other = respondent_design(raters(NEAR, seed=9), scheme=S)
    with pytest.raises(ValueError) as e:
        rank_uncertainty(pats, units=units_of(), n_resamples=10, design=other)
    assert str(e.value) == "design does not match patterns: the cells' answers differ"


def test_symmetric_root_is_a_root_and_clips_rounding():
    a = np.random.default_rng(0).normal(size=(4, 3))
    cov = a @ a.T  # rank 3: one eigenvalue ~ 0, possibly negative by rounding
    root = symmetric_root(cov)
    assert np.allclose(root @ root, cov, atol=1e-10) and np.allclose(root, root.T)
    assert np.isfinite(symmetric_root(cov - 1e-12 * np.eye(4))).all()


def test_influence_from_cell_level_terms_equals_every_answers(near, monkeypatch):
    # one form per pattern row (a wide file): each cell × level's influence term is made once
    # and looked up; the covariance is the same to the bit as from every answer's terms
    import evalstats.stats.rank.linearised as linearised

    _, pats, design = near
    cells = prepare_cells(pats, S)
    assert (design.count == 1).all()
    fast = RespondentNormal(cells, design, S, 100)
    monkeypatch.setattr(linearised, "_one_form_each", lambda count: False)
    slow = RespondentNormal(cells, design, S, 100)
    assert np.array_equal(fast.cov, slow.cov) and np.array_equal(fast.composite, slow.composite)


def test_design_cell_index_finds_each_rows_cell_and_none_for_cells_not_ranked():
    # each design row's cell looked up in a table of the cells' keys: the cell whose cycle,
    # unit and group are the row's, -1 for a unit or group the cells do not hold
    forms = raters({"public": 6, "deputy": 4}, seed=5)
    design = respondent_design(forms, scheme=S)
    ranked = forms[forms["unit"].isin(["B", "C", "E"]) & (forms["group"] != "deputy")]
    ranked = ranked.assign(unit=ranked["unit"].cat.remove_unused_categories())  # 3 units
    for cells in (prepare_cells(pattern_counts(forms, S), S),
                  prepare_cells(pattern_counts(ranked, S), S)):  # fmt: skip
        got = design_cell_index(cells, design)
        unit = np.asarray(design.units, object)[design.unit]
        group = np.asarray(S.group_codes, object)[design.group]
        cell_unit = np.asarray(cells.units, object)[cells.row_unit[cells.cell_row]]
        cell_group = np.asarray(S.group_codes, object)[cells.cell_group]
        want = [
            next(
                (c for c in range(len(cell_unit)) if (cell_unit[c], cell_group[c]) == (u, g)),
                -1,
            )
            for u, g in zip(unit, group, strict=True)
        ]
        assert got.tolist() == want
        assert (got >= 0).any() and (got < 0).any() == (len(cells.units) == 3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3)), max_size=30), st.booleans())
def test_sparse_rows_is_csr_matrix_of_the_entries(entries, ordered):
    # made directly when sorted by row then column, each once; else from COO: the same arrays
    from evalstats.stats.rank.linearised import sparse_rows

    if ordered:
        entries = sorted(set(entries))
    rows = np.array([e[0] for e in entries], np.int64)
    cols = np.array([e[1] for e in entries], np.int64)
    values = np.arange(1.0, len(entries) + 1)
    got = sparse_rows(values, rows, cols, (5, 4))
    want = sparse.csr_matrix((values, (rows, cols)), shape=(5, 4))
    for a in ("data", "indices", "indptr"):
        assert getattr(got, a).tolist() == getattr(want, a).tolist()
    assert got.has_canonical_format == want.has_canonical_format
