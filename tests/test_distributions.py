"""Tests of :mod:`evalstats.stats.distributions`: the same numbers as scipy.stats, bit for bit,
including the edges of each support and invalid arguments; and the report kernel's imports,
which must not load scipy.stats (half a second of every run) or seaborn (which loads it)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from evalstats.run.runner.execute import KERNEL_IMPORTS
from evalstats.stats import distributions as d

EDGES = [-np.inf, -5.0, -1.0, -0.0, 0.0, 1e-300, 0.5, 1.0, 3.84, 10.0, 1e6, np.inf, np.nan]
DFS = [-1.0, 0.0, 1e-3, 0.5, 1.0, 2.0, 5.0, 30.0, 1e6, np.inf, np.nan]
PROBS = [-0.1, 0.0, 1e-12, 0.025, 0.5, 0.975, 1 - 1e-12, 1.0, 1.1, np.nan]

values = st.one_of(st.sampled_from(EDGES), st.floats(-1e3, 1e3))
dfs = st.one_of(st.sampled_from(DFS), st.floats(1e-3, 1e4))
probs = st.one_of(st.sampled_from(PROBS), st.floats(0, 1))


def same(ours, theirs) -> bool:
    """Equal bit for bit, nan where nan, a scalar where scipy gives one."""
    return np.ndim(ours) == np.ndim(theirs) and np.array_equal(ours, theirs, equal_nan=True)


def test_every_edge_as_scipy_stats():
    x, df = np.meshgrid(EDGES, DFS)
    q, dq = np.meshgrid(PROBS, DFS)
    assert same(d.t_sf(x, df), stats.t.sf(x, df))
    assert same(d.chi2_sf(x, df), stats.chi2.sf(x, df))
    assert same(d.t_quantile(q, dq), stats.t.ppf(q, dq))
    for dfd in DFS:
        assert same(d.f_sf(x, df, dfd), stats.f.sf(x, df, dfd))
        assert same(d.f_quantile(q, dq, dfd), stats.f.ppf(q, dq, dfd))


@given(values, dfs)
def test_tails_as_scipy_stats(x, df):
    assert same(d.t_sf(x, df), stats.t.sf(x, df))
    assert same(d.chi2_sf(x, df), stats.chi2.sf(x, df))
    assert same(d.f_sf(x, df, df + 3.0), stats.f.sf(x, df, df + 3.0))


@given(probs, dfs)
def test_quantiles_as_scipy_stats(q, df):
    assert same(d.t_quantile(q, df), stats.t.ppf(q, df))
    assert same(d.f_quantile(q, df, 7.0), stats.f.ppf(q, df, 7.0))


@given(
    st.integers(-3, 600) | st.sampled_from([np.nan, 2.5]),
    st.integers(0, 600) | st.sampled_from([-1, 2.5]),
    probs,
)
def test_binomial_tail_as_scipy_stats(k, n, p):
    assert same(d.binom_sf(k, n, p), stats.binom.sf(k, n, p))


def test_binomial_tail_arrays_as_scipy_stats():
    rng = np.random.default_rng(20261208)
    n = rng.integers(0, 3000, 20_000)
    k = rng.integers(-2, 3002, 20_000)
    p = rng.random(20_000)
    p[:100], p[100:200] = 0.0, 1.0
    assert same(d.binom_sf(k, n, p), stats.binom.sf(k, n, p))


def test_known_answers():
    # Closed forms (Johnson, Kotz & Balakrishnan, Continuous Univariate Distributions, 1994-95):
    # t with 1 df is Cauchy, P(T > x) = 1/2 - atan(x)/pi; t with 2 df has the quantile
    # (2q - 1) / sqrt(2q(1 - q)); chi-squared with 2 df is exponential, P(X > x) = exp(-x/2);
    # F with (2, m) df has P(F > x) = (1 + 2x/m)^(-m/2), so its quantile is
    # m/2 ((1 - q)^(-2/m) - 1).  R 4.4: pt(2, 10, lower.tail = FALSE) = 0.03669402.
    assert d.t_sf(1.0, 1) == pytest.approx(0.25, abs=1e-15)
    assert d.t_sf(2.0, 10) == pytest.approx(0.03669402, abs=1e-8)
    assert d.t_quantile(0.975, 2) == pytest.approx(0.95 / np.sqrt(2 * 0.975 * 0.025), rel=1e-12)
    assert d.chi2_sf(30.1, 2) == pytest.approx(np.exp(-15.05), rel=1e-12)
    assert d.f_sf(3.0, 2, 12) == pytest.approx(1.5**-6, rel=1e-12)
    assert d.f_quantile(0.95, 2, 40) == pytest.approx(20 * (0.05**-0.05 - 1), rel=1e-12)
    assert d.binom_sf(7, 10, 0.5) == pytest.approx(56 / 1024, rel=1e-14)


def test_report_kernel_imports_leave_scipy_stats_and_seaborn_out():
    code = (
        "import sys, importlib\n"
        f"for m in {list(KERNEL_IMPORTS)!r}: importlib.import_module(m)\n"
        "print(sorted(m for m in ('scipy.stats', 'seaborn') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
