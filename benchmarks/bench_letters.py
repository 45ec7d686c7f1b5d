"""Benchmark: feedback letters for every unit of the demo's annual cycle (issue 6).

Run::

    .venv/bin/python benchmarks/bench_letters.py [--cycle 2026A] [--jobs N] [--out DIR]

Times :func:`evalstats.run.letters.write_letters` — the equivalent of ``evalstats letters
--cycle
2026A --out DIR`` — on the demo data with the notebook's defaults (10,000 bootstrap resamples),
wall clock from the call to the published folder, kernel start-up included.  Goals: letters for
the demo's 25 units in under 2 minutes on a 2-core machine (issue 6), then in 15 s (issue 16).
The 1-minute load average is printed before and after.  As a baseline, the same
work done the naive way — one papermill execution (its own kernel, imports and scoring) per
unit — is measured on ``--baseline-units`` units and scaled to the whole cycle.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 15.0
"""Issue 16's goal for the demo's 25 letters (issue 6's was 120 s)."""


def _cpu() -> tuple[float, float]:
    """CPU seconds (user+sys) of this process and of its ended children (the kernels)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycle", default="2026A")
    ap.add_argument("--jobs", type=int, default=None, help="kernels in parallel (default: cores)")
    ap.add_argument("--out", default=None, help="output folder (default: a temporary folder)")
    ap.add_argument("--baseline-units", type=int, default=2, help="units run the naive way")
    args = ap.parse_args(argv)

    import papermill

    from evalstats.core.resources import packaged_notebook
    from evalstats.run.letters import write_letters
    from evalstats.run.runner import KERNEL_NAME, kernel_manager_class

    out = Path(args.out or tempfile.mkdtemp(prefix="bench-letters-"))
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    t = time.perf_counter()
    own, kids = _cpu()
    r = write_letters(args.cycle, out=out, jobs=args.jobs, progress=False)
    seconds = time.perf_counter() - t
    own, kids = (a - b for a, b in zip(_cpu(), (own, kids), strict=True))
    n = len(r.letters) + len(r.failed)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"evalstats letters --cycle {args.cycle} --out {out}: {n} units on {cores} cores")
    print(f"  {len(r.letters)} letters, {len(r.failed)} failed: {seconds:.1f} s wall")
    print(
        f"  CPU (user+sys): this process {own:.1f} s, kernels {kids:.1f} s, "
        f"total {own + kids:.1f} s"
    )
    for unit, error in r.failed.items():
        print(f"  failed {unit}: {error}")

    root = Path(__file__).resolve().parents[1]
    units = [x.unit for x in r.letters][: args.baseline_units]
    t = time.perf_counter()
    for unit in units:
        with tempfile.TemporaryDirectory() as d:
            papermill.execute_notebook(
                str(packaged_notebook("profile")),
                str(Path(d) / "out.ipynb"),
                parameters={"unit": unit, "cycle": args.cycle, "output_dir": d},
                cwd=str(root),
                kernel_name=KERNEL_NAME,
                kernel_manager_class=kernel_manager_class(),
                progress_bar=False,
            )
    naive = (time.perf_counter() - t) / max(1, len(units))
    print(
        f"  naive baseline (one papermill run per unit, serial): {naive:.1f} s/unit, "
        f"about {naive * n:.0f} s for {n} units ({naive * n / seconds:.1f}x slower)"
    )
    print(f"  load average after: {os.getloadavg()[0]:.2f}")
    ok = seconds < GOAL_SECONDS
    print(f"  goal: under {GOAL_SECONDS:.0f} s: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
