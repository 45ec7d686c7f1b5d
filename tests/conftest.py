"""Shared test settings."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("MPLBACKEND", "Agg")

# 2-core CI machines vary in speed: no per-example deadline, modest example counts.  A failure
# prints the blob that reproduces it (``@reproduce_failure``), locally as in CI.
settings.register_profile(
    "default",
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
# CI draws the same examples on every run (no example database, a fixed seed): a property that
# fails there fails on every run and is a bug to fix, never a coin toss.  Locally the examples are
# drawn afresh, so new cases keep being explored; a failure prints its reproduce-seed.
settings.register_profile(
    "ci",
    parent=settings.get_profile("default"),
    derandomize=True,
    database=None,
    print_blob=True,
)
PROFILE = "ci" if os.environ.get("CI") else "default"
settings.load_profile(PROFILE)


def pytest_report_header(config):
    """Which hypothesis profile drew the examples (``ci``: fixed; ``default``: fresh)."""
    return f"evalstats tests: hypothesis profile {PROFILE!r} (CI={os.environ.get('CI', '')!r})"


# The console's language and progress bars are the tests' to choose: a developer's
# EVALSTATS_LANG=en or EVALSTATS_PROGRESS=1 must not change what the tests see.
for _name in ("EVALSTATS_LANG", "EVALSTATS_PROGRESS"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session", autouse=True)
def audit_cache(tmp_path_factory):
    """One ``EVALSTATS_AUDIT_CACHE`` folder for the whole run, shared by the xdist workers and
    every process they start (kernels, the command line): the exact integer audit of each demo
    cycle's public tier (:func:`evalstats.stats.privacy.pinned.pinned_units`, half a minute to
    a minute of HiGHS) then runs once per suite instead of once per file and kernel.  Files are
    named by content and written whole (renamed into place), so workers never read a partial
    answer; pytest removes the folder with its old temporary folders."""
    name = "EVALSTATS_AUDIT_CACHE"
    if os.environ.get(name):  # a developer's own folder
        yield
        return
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    os.environ[name] = str(shared / "audit-cache")
    yield
    os.environ.pop(name, None)
