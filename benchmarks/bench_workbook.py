"""Benchmark: the runner's workbook step on a 1,000,000-form cycle (issue 5).

Run::

    .venv/bin/python benchmarks/bench_workbook.py [--forms 1000000] [--repeat 3] [--data DIR]

Writes a synthetic cycle (``evalstats demo --forms N --format csv --cycle 2026H1 --seed 7``),
runs the half-year analysis on it (200 resamples, seed 1) and writes its tables, then times
:func:`evalstats.present.report.write_workbook` on the tables read back from their CSV files — what
the runner does (``evalstats.run.runner``).  As a baseline, the same tables are written by the
cell-by-cell openpyxl writer that ``write_workbook`` replaced (kept in ``tests/test_report.py``
to prove both give the same workbook); the two files are compared byte for byte.  Times are
the median of ``--repeat`` runs; the 1-minute load average is printed with them.  ``--data``
keeps the generated cycle and tables in DIR and reuses them on the next run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CYCLE = "2026H1"


def _tables(data: Path, forms: int) -> dict:
    from evalstats.analyses import cycle as analysis
    from evalstats.present.export import write_analysis
    from evalstats.run.runner.tables import ordered_tables, read_table

    raw = data / "raw"
    out = data / "out"
    if not (raw / CYCLE).is_dir():
        cmd = [sys.executable, "-m", "evalstats", "demo", "--forms", str(forms)]
        cmd += ["--format", "csv", "--cycle", CYCLE, "--out", str(raw), "--seed", "7"]
        subprocess.run(cmd, check=True, cwd=ROOT)
    if not (out / "tables").is_dir():
        result = analysis.half_year(CYCLE, data_dir=raw, n_resamples=200, seed=1)
        write_analysis(result, out)
    paths = ordered_tables(sorted((out / "tables").glob("*.csv")))
    return {p.stem: read_table(p) for p in paths}


def _median_time(write, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        write()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", default=None, help="folder for the cycle and its tables")
    args = ap.parse_args(argv)

    sys.path.insert(0, str(ROOT / "tests"))
    from test_report import _old_write_workbook

    from evalstats.present.report import write_workbook

    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="bench-workbook-"))
    tables = _tables(data, args.forms)
    cells = sum(df.size for df in tables.values())
    print(f"{args.forms:,} forms: {len(tables)} tables, {cells:,} cells (with missing ones)")
    notes = {"cycle": CYCLE}
    new_path, old_path = data / "new.xlsx", data / "old.xlsx"
    new, new_times = _median_time(
        lambda: write_workbook(tables, new_path, notes=notes), args.repeat
    )
    old, old_times = _median_time(
        lambda: _old_write_workbook(tables, old_path, notes=notes), args.repeat
    )
    same = new_path.read_bytes() == old_path.read_bytes()
    load = os.getloadavg()[0]
    print(f"  write_workbook (rows serialised per column): {new:6.2f} s  {new_times}")
    print(f"  cell-by-cell openpyxl writer (baseline):     {old:6.2f} s  {old_times}")
    print(f"  speed-up {old / new:.1f}x; same bytes: {same}; load average {load:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
