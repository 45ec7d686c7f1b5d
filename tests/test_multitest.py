"""Tests of evalstats.stats.multitest."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstats.stats.multitest import ADJUST_METHODS, AdjustedPValues, adjust_pvalues

_spec = importlib.util.spec_from_file_location(
    "reference_compare_known", Path(__file__).parent / "reference" / "compare_known.py"
)
REF = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REF)
_spec = importlib.util.spec_from_file_location(
    "reference_p_adjust", Path(__file__).parent / "reference" / "p_adjust.py"
)
TEXTBOOK = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(TEXTBOOK)


def test_benjamini_hochberg_1995_rejections():
    # Benjamini & Hochberg (1995), section 4.2: BH rejects 4 at 0.05, Holm 3
    bh = adjust_pvalues(REF.BH_1995_P, method="bh", alpha=0.05)
    holm = adjust_pvalues(REF.BH_1995_P, method="holm", alpha=0.05)
    assert int(bh.reject.sum()) == REF.BH_1995_BH_REJECTIONS
    assert int(holm.reject.sum()) == REF.BH_1995_HOLM_REJECTIONS
    assert bh.reject[:4].all() and not bh.reject[4:].any()
    assert holm.reject[:3].all() and not holm.reject[3:].any()
    assert bh.n_tests == holm.n_tests == 15


def test_adjusted_values_follow_the_definitions():
    p = np.array(REF.BH_1995_P)
    m = len(p)
    # BH: p_(i) * m / i, made monotone from the top (here the first four are already monotone)
    bh = adjust_pvalues(p, method="bh").adjusted
    np.testing.assert_allclose(bh[:4], [0.0001 * 15, 0.0004 * 15 / 2, 0.0019 * 5, 0.0095 * 15 / 4])
    # Holm: max over j <= i of (m - j + 1) p_(j)
    holm = adjust_pvalues(p, method="holm").adjusted
    np.testing.assert_allclose(holm[:4], [0.0001 * 15, 0.0004 * 14, 0.0019 * 13, 0.0095 * 12])
    bonf = adjust_pvalues(p, method="bonferroni").adjusted
    np.testing.assert_allclose(bonf, np.minimum(p * m, 1.0))
    none = adjust_pvalues(p, method="none")
    np.testing.assert_array_equal(none.adjusted, p)
    np.testing.assert_array_equal(none.reject, p <= 0.05)


def test_nan_passes_through_and_is_not_counted():
    r = adjust_pvalues([0.01, np.nan, 0.04], method="holm")
    assert r.n_tests == 2
    np.testing.assert_allclose(r.adjusted, [0.02, np.nan, 0.04])
    assert r.reject.tolist() == [True, False, True]
    empty = adjust_pvalues([np.nan, np.nan])
    assert empty.n_tests == 0 and np.isnan(empty.adjusted).all() and not empty.reject.any()
    assert adjust_pvalues([]).adjusted.shape == (0,)


def test_unpacks_keeps_shape_and_frames():
    p = np.array([[0.01, 0.2], [0.03, np.nan]])
    adjusted, reject = adjust_pvalues(p, method="bh")
    assert adjusted.shape == reject.shape == (2, 2)
    res = adjust_pvalues(p, method="bh", alpha=0.1)
    assert isinstance(res, AdjustedPValues)
    frame = res.to_frame()
    assert list(frame.columns) == [
        "pvalue_adjusted",
        "significant",
        "adjust_method",
        "alpha",
        "n_tests",
    ]
    assert len(frame) == 4 and (frame["n_tests"] == 3).all()
    assert (frame["adjust_method"] == "bh").all()
    with pytest.raises(AttributeError):
        res.method = "holm"  # frozen


@pytest.mark.parametrize("method", ["holm", "bh", "bonferroni"])
def test_known_answers_of_r_p_adjust(method):
    # R: p.adjust(p, method = "holm" / "BH" / "bonferroni"), see tests/reference/compare_known.py
    res = adjust_pvalues(REF.R_P_ADJUST_P, method=method)
    np.testing.assert_allclose(res.adjusted, REF.R_P_ADJUST[method], rtol=1e-12, atol=0)
    expected_reject = np.array(REF.R_P_ADJUST[method]) <= 0.05 + 1e-12
    np.testing.assert_array_equal(res.reject, expected_reject)


@pytest.mark.parametrize("method", ["holm", "bh", "bonferroni"])
def test_agrees_with_the_textbook_loops(method):
    p = np.random.default_rng(1).uniform(size=40) ** 3
    p[5] = p[6]  # a tie
    p[7] = 0.0
    p[8] = 1.0
    res = adjust_pvalues(p, method=method)
    np.testing.assert_allclose(res.adjusted, TEXTBOOK.p_adjust(p, method), rtol=1e-12, atol=0)


@settings(max_examples=60)
@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=40),
    st.sampled_from(["holm", "bh", "bonferroni"]),
)
def test_property_bounded_and_monotone_in_the_raw_order(pvalues, method):
    p = np.array(pvalues)
    adjusted = adjust_pvalues(p, method=method).adjusted
    assert np.all(adjusted >= p)
    assert np.all(adjusted <= 1)
    # a smaller raw p-value never gets a larger adjusted one (ties get the same)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(adjusted[order]) >= 0)
    tied = p[:, None] == p[None, :]
    assert np.all((adjusted[:, None] == adjusted[None, :])[tied])
    np.testing.assert_allclose(adjusted, TEXTBOOK.p_adjust(p, method), rtol=1e-12, atol=1e-300)


@settings(max_examples=40)
@given(
    st.lists(st.one_of(st.floats(0, 1), st.just(float("nan"))), min_size=1, max_size=30),
    st.sampled_from(ADJUST_METHODS),
    st.floats(0.001, 0.5),
    st.randoms(use_true_random=False),
)
def test_invariants(pvalues, method, alpha, random):
    p = np.array(pvalues)
    res = adjust_pvalues(p, method=method, alpha=alpha)
    ok = ~np.isnan(p)
    assert np.array_equal(np.isnan(res.adjusted), ~ok)
    assert np.all(res.adjusted[ok] >= p[ok] - 1e-15)
    assert np.all((res.adjusted[ok] >= 0) & (res.adjusted[ok] <= 1))
    assert np.array_equal(res.reject, ok & (np.nan_to_num(res.adjusted, nan=2) <= alpha))
    assert res.n_tests == int(ok.sum())
    # order of the family does not matter
    order = list(range(len(p)))
    random.shuffle(order)
    shuffled = adjust_pvalues(p[order], method=method, alpha=alpha)
    np.testing.assert_allclose(shuffled.adjusted, res.adjusted[order], rtol=1e-12)
    # BH <= Holm <= Bonferroni (nested rejection sets)
    bh = adjust_pvalues(p, method="bh").adjusted[ok]
    holm = adjust_pvalues(p, method="holm").adjusted[ok]
    bonf = adjust_pvalues(p, method="bonferroni").adjusted[ok]
    assert np.all(bh <= holm + 1e-12) and np.all(holm <= bonf + 1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"method": "fdr_bh"},
            ValueError,
            "method must be one of 'holm', 'bh', 'bonferroni', 'none'; got 'fdr_bh'",
        ),
        ({"alpha": 0}, ValueError, "alpha must be strictly between 0 and 1; got 0"),
        ({"alpha": 1.5}, ValueError, "alpha must be strictly between 0 and 1; got 1.5"),
        (
            {"alpha": "0.05"},
            TypeError,
            "alpha must be a number strictly between 0 and 1; got '0.05'",
        ),
        ({"alpha": True}, TypeError, "alpha must be a number strictly between 0 and 1; got True"),
    ],
)
def test_bad_options(kwargs, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        adjust_pvalues([0.1, 0.2], **kwargs)


@pytest.mark.parametrize(
    ("pvalues", "error", "message"),
    [
        ([0.1, 1.2], ValueError, "pvalues must lie in [0, 1] (or be NaN); got [1.2]"),
        ([-0.1], ValueError, "pvalues must lie in [0, 1] (or be NaN); got [-0.1]"),
        (["a"], TypeError, "pvalues must be numbers; got dtype <U1"),
        ([True, False], TypeError, "pvalues must be numbers; got dtype bool"),
    ],
)
def test_bad_pvalues(pvalues, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        adjust_pvalues(pvalues)
