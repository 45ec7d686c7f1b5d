"""Benchmark: validating a wide (matrix / online-survey) responses file (issue 17).

Writes a cycle folder under ``--dir`` (default a new folder in /tmp, deleted unless ``--keep``):
``units.csv`` with ``--units`` units and ``responses.csv`` with ``--respondents`` rows, each
row a respondent's group and one column per unit × content (``U0001-政务公开`` …); a respondent
leaves about ``--blank`` of the units blank.  Then, in a fresh subprocess under an address-space
limit (``--limit-gib``), it times :func:`evalstats.inputs.validate.validate_cycle` (with the
bundled scheme plus ``[limits] columns`` raised to fit the file: the default limit, 1,000
columns, is below 200 units × 5 contents) and reports
the peak resident memory of that process (``ru_maxrss``), the forms made and the file's size.

Usage::

    .venv/bin/python benchmarks/bench_wide.py                       # 10,000 × 200 units
    .venv/bin/python benchmarks/bench_wide.py --respondents 2000 --units 50
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


def write_cycle(folder: Path, *, respondents: int, units: int, blank: float, seed: int) -> Path:
    """The wide cycle: units.csv and responses.csv (UTF-8); returns the scheme to read it with:
    the bundled one with ``[limits] columns`` raised (its default, 1,000, is below the 1,002
    columns of 200 units × 5 contents)."""
    from evalstats.core.resources import default_scheme_path

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    scheme = folder.parent / "scheme.toml"
    columns = max(1000, units * len(CONTENTS) + 10)
    scheme.write_text(
        default_scheme_path().read_text(encoding="utf-8") + f"\n[limits]\ncolumns = {columns}\n",
        encoding="utf-8",
    )
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
    pd.DataFrame(cols).to_csv(folder / "responses.csv", index=False)
    return scheme


CHILD = r"""
import json, resource, sys, time
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from evalstats.inputs.validate import validate_cycle
t = time.perf_counter()
v = validate_cycle(sys.argv[1], cycle="2026W", raise_on_error=False, scheme=sys.argv[3])
seconds = time.perf_counter() - t
print(json.dumps({
    "seconds": seconds,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rows": v.rows_read, "forms": len(v.forms),
    "errors": int((v.problems["severity"] == "error").sum()),
    "respondents": int(v.forms["respondent"].nunique()) if "respondent" in v.forms else 0,
}))
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--respondents", type=int, default=10_000)
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--blank", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--limit-gib", type=float, default=12.0)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args(argv)
    base = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="bench_wide_"))
    folder = base / "2026W"
    t = time.perf_counter()
    scheme = write_cycle(
        folder, respondents=a.respondents, units=a.units, blank=a.blank, seed=a.seed
    )
    size = (folder / "responses.csv").stat().st_size
    print(
        f"wrote {folder} in {time.perf_counter() - t:.1f} s: {a.respondents:,} rows × "
        f"{a.units * len(CONTENTS) + 2:,} columns, {size / 2**20:.1f} MiB"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(folder), str(int(a.limit_gib * 2**30)), str(scheme)],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            print(out.stderr[-3000:])
            return out.returncode
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"load average {os.getloadavg()[0]:.2f}")
        print(
            f"validate_cycle: {r['seconds']:.1f} s, peak RSS {r['peak_mib']:,.0f} MiB; "
            f"{r['rows']:,} rows → {r['forms']:,} forms of {r['respondents']:,} respondents, "
            f"{r['errors']} errors"
        )
    finally:
        if not a.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
