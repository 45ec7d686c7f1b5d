"""Tests of evalstats.stats.intervals."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from evalstats.stats.intervals import (
    ConfidenceInterval,
    proportion_ci,
    satterthwaite_df,
    t_interval,
)

_spec = importlib.util.spec_from_file_location(
    "reference_proportions", Path(__file__).parent / "reference" / "proportions.py"
)
REF = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REF)

METHODS = ("wilson", "clopper-pearson", "jeffreys")


@pytest.mark.parametrize(("k", "n", "method", "low", "high", "decimals"), REF.ALL)
def test_known_answers(k, n, method, low, high, decimals):
    ci = proportion_ci(k, n, method=method)
    assert round(ci.low, decimals) == pytest.approx(low, abs=10 ** (-decimals) / 2)
    assert round(ci.high, decimals) == pytest.approx(high, abs=10 ** (-decimals) / 2)


def test_issue_values_exactly():
    # issue 3 / Newcombe (1998): Wilson 81/263 -> 0.2553-0.3662, 15/148 -> 0.0624-0.1605
    ci = proportion_ci([81, 15], [263, 148])
    assert np.round(ci.low, 4).tolist() == [0.2553, 0.0624]
    assert np.round(ci.high, 4).tolist() == [0.3662, 0.1605]
    # issue 3 / Newcombe (1998): Clopper-Pearson 0/20 -> 0-0.1684
    cp = proportion_ci(0, 20, method="clopper-pearson")
    assert cp.low == 0.0
    assert round(cp.high, 4) == 0.1684


def test_scalar_in_scalar_out_and_arrays_broadcast():
    ci = proportion_ci(3, 10)
    assert isinstance(ci.low, float) and isinstance(ci.high, float)
    arr = proportion_ci(np.array([[0, 3], [5, 10]]), 10)
    assert arr.low.shape == (2, 2)
    assert arr.low[0, 1] == pytest.approx(ci.low)
    assert arr.high[0, 1] == pytest.approx(ci.high)


def scipy_interval(k, n, *, method, confidence_level):
    """An independent oracle: scipy's ``binomtest(k, n).proportion_ci(method="wilson")``, one
    pair at a time, or the beta quantiles of Clopper-Pearson (``Beta(k, n - k + 1)`` and
    ``Beta(k + 1, n - k)``, 0 at k = 0 and 1 at k = n) and Jeffreys (``Beta(k + 1/2,
    n - k + 1/2)``) through ``scipy.stats.beta.ppf``."""
    tail = (1 - confidence_level) / 2
    if method == "wilson":
        pairs = [
            stats.binomtest(int(ki), int(ni)).proportion_ci(
                confidence_level=confidence_level, method="wilson"
            )
            for ki, ni in zip(k, n, strict=True)
        ]
        return np.array([p.low for p in pairs]), np.array([p.high for p in pairs])
    if method == "clopper-pearson":
        with np.errstate(invalid="ignore"):
            lo = np.where(k == 0, 0.0, stats.beta.ppf(tail, k, n - k + 1))
            hi = np.where(k == n, 1.0, stats.beta.ppf(1 - tail, k + 1, n - k))
        return lo, hi
    lo = stats.beta.ppf(tail, k + 0.5, n - k + 0.5)
    hi = stats.beta.ppf(1 - tail, k + 0.5, n - k + 0.5)
    return lo, hi


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson"])
def test_agrees_with_scipy(method):
    n = np.repeat(np.arange(1, 41), 41)
    k = np.tile(np.arange(41), 40)
    k, n = k[k <= n], n[k <= n]
    ours = proportion_ci(k, n, method=method, confidence_level=0.9)
    lo, hi = scipy_interval(k, n, method=method, confidence_level=0.9)
    np.testing.assert_allclose(ours.low, lo, atol=1e-10)
    np.testing.assert_allclose(ours.high, hi, atol=1e-10)


def test_jeffreys_agrees_with_the_beta_quantiles_inside_and_sets_ends():
    n = np.repeat(np.arange(1, 31), 31)
    k = np.tile(np.arange(31), 30)
    k, n = k[k <= n], n[k <= n]
    ours = proportion_ci(k, n, method="jeffreys")
    lo, hi = scipy_interval(k, n, method="jeffreys", confidence_level=0.95)
    inside = (k > 0) & (k < n)
    np.testing.assert_allclose(ours.low[inside], lo[inside], atol=1e-10)
    np.testing.assert_allclose(ours.high[inside], hi[inside], atol=1e-10)
    # Brown, Cai & DasGupta (2001), 4.1.1: lower = 0 at k = 0, upper = 1 at k = n
    assert (ours.low[k == 0] == 0).all()
    assert (ours.high[k == n] == 1).all()
    np.testing.assert_allclose(ours.high[k == 0], hi[k == 0], atol=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_n_zero_is_nan(method):
    ci = proportion_ci([0, 1], [0, 2], method=method)
    assert np.isnan(ci.low[0]) and np.isnan(ci.high[0])
    assert np.isfinite(ci.low[1]) and np.isfinite(ci.high[1])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 5000),
    frac=st.floats(0, 1),
    method=st.sampled_from(METHODS),
    level=st.floats(0.5, 0.999),
)
def test_interval_contains_estimate_and_widens_with_level(n, frac, method, level):
    k = round(frac * n)
    ci = proportion_ci(k, n, method=method, confidence_level=level)
    assert 0.0 <= ci.low <= k / n <= ci.high <= 1.0
    wider = proportion_ci(k, n, method=method, confidence_level=min(0.9999, level + 0.0001 + 0.05))
    assert wider.low <= ci.low + 1e-12
    assert wider.high >= ci.high - 1e-12


def test_confidence_interval_is_frozen_with_frame():
    ci = ConfidenceInterval(0.1, 0.2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ci.low = 0.0
    pd.testing.assert_frame_equal(ci.to_frame(), pd.DataFrame({"ci_low": [0.1], "ci_high": [0.2]}))


def test_bad_method_message():
    with pytest.raises(ValueError) as e:
        proportion_ci(1, 2, method="wald")
    assert str(e.value) == (
        "method must be one of 'wilson', 'clopper-pearson', 'jeffreys'; got 'wald'"
    )


def test_bad_confidence_level_messages():
    with pytest.raises(ValueError) as e:
        proportion_ci(1, 2, confidence_level=1.5)
    assert str(e.value) == "confidence_level must be strictly between 0 and 1; got 1.5"
    with pytest.raises(TypeError) as e:
        proportion_ci(1, 2, confidence_level="high")
    assert str(e.value) == "confidence_level must be a number; got 'high'"


@pytest.mark.parametrize(("k", "n"), [(3, 2), (-1, 2), (1.5, 3), (1, np.nan), (1, 2.5)])
def test_bad_counts_message(k, n):
    with pytest.raises(ValueError) as e:
        proportion_ci(k, n)
    assert str(e.value) == "k and n must be whole numbers with 0 <= k <= n"


def test_non_numeric_counts_message():
    with pytest.raises(TypeError) as e:
        proportion_ci(["a"], [2])
    assert str(e.value) == "k must be numbers (counts); got dtype <U1"
    with pytest.raises(TypeError) as e:
        proportion_ci(1, True)
    assert str(e.value) == "n must be numbers (counts); got dtype bool"


def test_t_interval_known_values():
    # normal quantile 1.959963984540054 (scipy.stats.norm.ppf(0.975))
    ci = t_interval(80.0, 2.0, np.inf)
    assert ci.low == pytest.approx(80 - 2 * 1.959963984540054)
    assert ci.high == pytest.approx(80 + 2 * 1.959963984540054)
    # t quantile t_{0.975, 4} = 2.7764451051977987 (scipy.stats.t.ppf(0.975, 4))
    ci = t_interval(10.0, 1.0, 4)
    assert ci.high == pytest.approx(10 + 2.7764451051977987)
    arr = t_interval([1.0, 1.0, 1.0, 1.0], [0.0, np.nan, 1.0, 1.0], [3, 3, 0, np.nan])
    assert arr.low[0] == arr.high[0] == 1.0
    assert np.isnan(arr.low[1:]).all() and np.isnan(arr.high[1:]).all()


def test_t_interval_matches_scipy_mean_interval():
    x = np.array([100, 100, 80, 60, 0, 80, 100], float)
    se = x.std(ddof=1) / np.sqrt(len(x))
    ref = stats.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=se)
    ci = t_interval(x.mean(), se, len(x) - 1, confidence_level=0.9)
    assert (ci.low, ci.high) == pytest.approx(ref)


def test_satterthwaite_df():
    # equal variances and df: the df add up
    assert float(satterthwaite_df([1.0, 1.0], [4, 4])) == 8.0
    # Welch's example by hand: v = (2, 1), df = (9, 4): (3^2) / (4/9 + 1/4) = 12.96
    assert float(satterthwaite_df([2.0, 1.0], [9, 4])) == pytest.approx(9 / (4 / 9 + 1 / 4))
    # a zero-variance term is ignored; all zero gives inf
    assert float(satterthwaite_df([2.0, 0.0], [9, 0])) == pytest.approx(9.0)
    assert float(satterthwaite_df([0.0, 0.0], [9, 4])) == np.inf
    assert np.isnan(satterthwaite_df([np.nan, 1.0], [9, 4]))
    out = satterthwaite_df(np.array([[1.0, 1.0], [2.0, 1.0]]), np.array([[4, 4], [9, 4]]))
    np.testing.assert_allclose(out, [8.0, 9 / (4 / 9 + 1 / 4)])
