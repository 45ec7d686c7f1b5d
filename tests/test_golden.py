"""Golden outputs: the demo's published tables do not change by accident.

``tests/golden/tables/`` holds every table and ``summary.json`` of the demo's half-year (2026H1)
and annual (2026A) analyses, internal and public tier, as recorded by ``tests/golden/record.py``.
A change to any byte fails here; a deliberate one is recorded again and named in its commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import record

GOLDEN = Path(record.HERE) / "tables"


@pytest.mark.parametrize("run", record.RUNS, ids=lambda r: "-".join(r))
def test_tables_match_the_golden_set(tmp_path, run):
    tier, kind, cycle = run
    expected = record.files(GOLDEN / tier / cycle / kind)
    assert expected, "the golden set is missing: run tests/golden/record.py"
    got = record.files(record.compute(tmp_path, *run))
    assert sorted(got) == sorted(expected)
    changed = [name for name in expected if got[name] != expected[name]]
    assert not changed, f"published tables changed: {changed}"
