"""Record (or check) the golden tables: the demo's published tables in both analyses and tiers.

The golden set holds what the demo cycles publish — every ``tables/*.csv`` and ``summary.json``
of the half-year analysis of 2026H1 and the annual analysis of 2026A, internal and public — as
the package computes them now. ``tests/test_golden.py`` recomputes them and compares byte for
byte, so a refactor that changes a published number fails; a deliberate change is recorded
again with ``python tests/golden/record.py`` and named in the commit message.

Inputs are named relative to the data root (``2026H1/responses.xlsx``), so the set does not
depend on the machine; :func:`compute` refuses a table that names the data root's absolute path.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = ROOT / "data" / "raw"
SEED = 20260101
N_RESAMPLES = 1000
RUNS = [
    (tier, kind, cycle)
    for tier in ("internal", "public")
    for kind, cycle in (("half_year", "2026H1"), ("annual", "2026A"))
]


def compute(out: Path, tier: str, kind: str, cycle: str) -> Path:
    """Write the tables and summary of one run into ``out/<tier>/<cycle>/<kind>/``; return it."""
    from evalstats.analyses import cycle as analysis
    from evalstats.present.export import write_analysis

    fn = analysis.half_year if kind == "half_year" else analysis.annual
    a = fn(cycle, data_dir=DATA, n_resamples=N_RESAMPLES, seed=SEED, tier=tier)
    target = out / tier / cycle / kind
    write_analysis(a, target)
    for f in target.rglob("*"):
        if f.is_file() and str(DATA.parent).encode() in f.read_bytes():
            raise AssertionError(f"{f} names a machine path ({DATA.parent})")
    return target


def files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by its relative path."""
    return {
        f.relative_to(folder).as_posix(): f.read_bytes()
        for f in sorted(folder.rglob("*"))
        if f.is_file()
    }


def main() -> None:
    target = HERE / "tables"
    shutil.rmtree(target, ignore_errors=True)
    for run in RUNS:
        compute(target, *run)
    print(f"recorded {sum(1 for _ in target.rglob('*.*'))} files under {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
