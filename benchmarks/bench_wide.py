"""Benchmark: validating and analysing a wide (matrix / online-survey) responses file (issue 17).

Writes a cycle folder under ``--dir`` (default a new folder in /tmp, deleted unless ``--keep``;
a folder that already holds the cycle is reused): ``units.csv`` with ``--units`` units and
``responses.csv`` with ``--respondents`` rows, each row a respondent's group and one column per
unit × content (``U0001-政务公开`` …); a respondent leaves about ``--blank`` of the units blank.
The bundled scheme reads it, with its default limits (a wide file's limits scale with the units:
:func:`evalstats.inputs.read.wide.wide_limits`).

Then, each in a fresh subprocess under an address-space limit (``--limit-gib``):

* :func:`evalstats.inputs.validate.validate_cycle`: its time, the peak resident memory of the
  process (``VmHWM``) and its growth over the size after imports (``VmRSS``), against the size
  of the long forms table made (its real size, :func:`sizes.real_size`, as ``bench_cycle_run.py``);
* with ``--analysis``, :func:`evalstats.analyses.cycle.half_year` (seed 1, ``--resamples``
  resamples of the ranking): the same figures.

The load average is printed with every figure (2 cores shared: read times as such).

Usage::

    .venv/bin/python benchmarks/bench_wide.py                       # 10,000 × 200 units
    .venv/bin/python benchmarks/bench_wide.py --respondents 100000 --dir /tmp/w --keep --analysis
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CONTENTS = ["政务公开", "依法行政", "办事效率", "服务质量", "清正廉洁"]
LEVELS = np.array(["满意", "比较满意", "基本满意", "不满意", "不了解", ""], dtype=object)


def write_cycle(folder: Path, *, respondents: int, units: int, blank: float, seed: int) -> None:
    """The wide cycle: units.csv and responses.csv (UTF-8)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    codes = [f"U{i + 1:04d}" for i in range(units)]
    pd.DataFrame(
        {"单位编码": codes, "单位名称": [f"单位{i + 1}" for i in range(units)], "序列": "行政管理"}
    ).to_csv(folder / "units.csv", index=False)
    groups = np.array(["企业", "社会义务监督员", "群众", "人大代表"], dtype=object)
    cols = {
        "问卷编号": [f"W{i + 1:06d}" for i in range(respondents)],
        "评议人类别": groups[rng.integers(0, 4, respondents)],
    }
    p = [0.6, 0.2, 0.1, 0.04, 0.03, 0.03]
    for u in codes:
        skipped = rng.random(respondents) < blank
        for c in CONTENTS:
            cell = rng.choice(len(LEVELS), size=respondents, p=p)
            cell[skipped] = len(LEVELS) - 1
            cols[f"{u}-{c}"] = LEVELS[cell]
    pd.DataFrame(cols).to_csv(folder / "responses.tmp", index=False)
    (folder / "responses.tmp").rename(folder / "responses.csv")  # whole, or not there


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[5])  # benchmarks/: sizes.real_size
from sizes import real_size
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from evalstats.inputs.validate import validate_cycle
from evalstats.analyses.cycle import half_year
def status(key):  # this process' own figures (ru_maxrss would keep the parent's across exec)
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
base = status("VmRSS")
t = time.perf_counter()
if sys.argv[3] == "validate":
    v = validate_cycle(sys.argv[1], cycle="2026W", raise_on_error=False)
else:
    a = half_year("2026W", data_dir=sys.argv[1], seed=1, n_resamples=int(sys.argv[4]))
    v = a.validated["2026W"]
seconds = time.perf_counter() - t
peak = status("VmHWM")
print(json.dumps({
    "seconds": seconds, "peak": peak, "base": base,
    "forms_bytes": real_size(v.forms),
    "rows": v.rows_read, "forms": len(v.forms),
    "errors": int((v.problems["severity"] == "error").sum()),
    "respondents": int(v.forms["respondent"].nunique()) if "respondent" in v.forms else 0,
}))
"""


def run_child(what: str, folder: Path, a) -> dict | None:
    """One measured step in a fresh process (None when it failed: its stderr printed)."""
    arg = str(folder) if what == "validate" else str(folder.parent)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            arg,
            str(int(a.limit_gib * 2**30)),
            what,
            str(a.resamples),
            str(Path(__file__).resolve().parent),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        print(out.stderr[-3000:])
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(what: str, r: dict) -> None:
    mib = 2**20
    growth = r["peak"] - r["base"]
    print(
        f"{what}: {r['seconds']:.1f} s (load average {os.getloadavg()[0]:.2f}); "
        f"{r['rows']:,} rows → {r['forms']:,} forms of {r['respondents']:,} respondents, "
        f"{r['errors']} errors; peak RSS {r['peak'] / mib:,.0f} MiB, "
        f"{r['base'] / mib:,.0f} after imports; growth {growth / mib:,.0f} MiB = "
        f"{growth / r['forms_bytes']:.2f}x the long forms table's real size "
        f"({r['forms_bytes'] / mib:,.0f} MiB)"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--respondents", type=int, default=10_000)
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--blank", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--limit-gib", type=float, default=12.0)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--analysis", action="store_true", help="also time analyses.half_year")
    ap.add_argument("--resamples", type=int, default=10_000)
    a = ap.parse_args(argv)
    base = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="bench_wide_"))
    folder = base / "2026W"
    if not (folder / "responses.csv").exists():
        t = time.perf_counter()
        write_cycle(folder, respondents=a.respondents, units=a.units, blank=a.blank, seed=a.seed)
        print(f"wrote {folder} in {time.perf_counter() - t:.1f} s")
    size = (folder / "responses.csv").stat().st_size
    width = len((folder / "responses.csv").open(encoding="utf-8").readline().split(","))
    print(f"{folder}: {width:,} columns, {size / 2**20:,.1f} MiB")
    try:
        for what in ("validate", "half_year") if a.analysis else ("validate",):
            r = run_child(what, folder, a)
            if r is None:
                return 1
            report("validate_cycle" if what == "validate" else "analyses.half_year", r)
    finally:
        if not a.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
