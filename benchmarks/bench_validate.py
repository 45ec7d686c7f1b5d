"""Time and memory of reading + validating a large cycle (goal: 1,000,000 forms in < 15 s).

Usage::

    .venv/bin/python benchmarks/bench_validate.py [--forms 1000000] [--encoding utf-8|gbk]
                                                  [--dir DIR] [--repeat 1]

Writes ``DIR/bench<N>/responses.csv`` (default headers 问卷编号,被评单位,评议人类别 and the five
dimensions, plus a short comment column) and ``units.csv`` with a simple numpy generator, then
runs :func:`evalstats.inputs.validate.validate_cycle` in a fresh process and prints the wall time
and
the memory growth: peak RSS (``VmHWM``) minus the RSS after the imports.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HEADERS = [
    "问卷编号",
    "被评单位",
    "评议人类别",
    "政务公开",
    "依法行政",
    "办事效率",
    "服务质量",
    "清正廉洁",
]
LEVELS = np.array(["满意", "比较满意", "基本满意", "不满意", "不了解", ""], dtype=object)
LEVEL_P = [0.62, 0.2, 0.08, 0.03, 0.04, 0.03]
GROUPS = np.array(["企业", "社会义务监督员", "群众", "人大代表/政协委员"], dtype=object)
GROUP_P = [0.4, 0.1, 0.45, 0.05]
SERIES = ["行政管理", "行政执法", "公共服务"]


def generate(folder: Path, n_forms: int, *, encoding: str = "utf-8", seed: int = 1) -> None:
    """Write a cycle folder with ``n_forms`` forms and 24 units."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_units = 24
    codes = np.array([f"U{i:02d}" for i in range(1, n_units + 1)], dtype=object)
    names = np.array([f"单位{i:02d}站" for i in range(1, n_units + 1)], dtype=object)
    pd.DataFrame(
        {
            "单位编码": codes,
            "单位名称": names,
            "序列": [SERIES[i % 3] for i in range(n_units)],
        }
    ).to_csv(folder / "units.csv", index=False, encoding=encoding)
    unit_idx = rng.integers(0, n_units, n_forms)
    # a unit typed by name on every 10th form, as offices do
    unit_text = np.where(np.arange(n_forms) % 10 == 0, names[unit_idx], codes[unit_idx])
    data = {
        HEADERS[0]: np.char.add("F", np.char.zfill(np.arange(1, n_forms + 1).astype(str), 7)),
        HEADERS[1]: unit_text,
        HEADERS[2]: GROUPS[rng.choice(len(GROUPS), n_forms, p=GROUP_P)],
    }
    for h in HEADERS[3:]:
        data[h] = LEVELS[rng.choice(len(LEVELS), n_forms, p=LEVEL_P)]
    comments = np.array(
        ["", "", "", "", "", "", "", "", "办事效率有待提高", "态度很好"], dtype=object
    )
    data["意见建议"] = comments[rng.integers(0, len(comments), n_forms)]
    pd.DataFrame(data).to_csv(folder / "responses.csv", index=False, encoding=encoding)


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def measure(folder: str) -> dict:
    """Run in a fresh process: validate ``folder``; return seconds and memory figures."""
    import evalstats.inputs.validate as v

    base = _rss_kb("VmRSS")
    t0 = time.perf_counter()
    res = v.validate_cycle(folder, raise_on_error=False)
    seconds = time.perf_counter() - t0
    peak = _rss_kb("VmHWM")
    return {
        "seconds": round(seconds, 2),
        "rss_after_imports_mb": round(base / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "growth_mb": round((peak - base) / 1024, 1),
        "forms_counted": len(res.forms),
        "errors": int((res.problems["severity"] == "error").sum()),
        "warnings": int((res.problems["severity"] == "warning").sum()),
        "encoding": res.inputs["encoding"].tolist(),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=1_000_000)
    ap.add_argument("--encoding", default="utf-8", choices=["utf-8", "gbk", "utf-8-sig"])
    ap.add_argument("--dir", default=None, help="where to write the data (default: a temp dir)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.dir) if args.dir else Path(tmp)
        folder = base / f"bench{args.forms}_{args.encoding}"
        if not (folder / "responses.csv").exists():
            t0 = time.perf_counter()
            generate(folder, args.forms, encoding=args.encoding)
            print(f"generated {folder} in {time.perf_counter() - t0:.1f} s", flush=True)
        size = (folder / "responses.csv").stat().st_size
        print(f"responses.csv: {args.forms:,} forms, {size / 1e6:.1f} MB, {args.encoding}")
        for _ in range(args.repeat):
            out = subprocess.run(
                [sys.executable, __file__, "--measure", str(folder)],
                check=True,
                capture_output=True,
                text=True,
            )
            print(out.stdout.strip(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
