"""Benchmark: ranking uncertainty (bootstrap over forms) against naive pandas form resampling.

Run::

    .venv/bin/python benchmarks/bench_rank.py [--units 200] [--resamples 10000] [--naive-reps 5]
                                              [--scales 1,8,80]

Synthetic data: ``--units`` units of 45-79 forms each (mean about 62) in 4 groups (enterprise
~45 %, 5 supervisors, public ~35 %, deputies the rest), 3 series, a latent unit quality plus a
per-form "halo", about 4 % 不了解 and 1.5 % blank answers.  Times :func:`rank_uncertainty` at
``--resamples`` replicates (median of ``--repeats`` runs after a warm-up) and, in the same
run, a naive baseline that resamples form rows with pandas (``groupby(["unit", "group"])
.sample(frac=1, replace=True)`` then groupby means, weights, composite and ranks) for a few
replicates, scaled per replicate.  Goals (issue 3): under 2 s and at least 100× faster.

``--scales`` repeats the timing with the forms of every unit multiplied (1, 8, 80: about 12k,
99k and 1M forms; issue 16's goal: at most 1 s at each, flat across sizes), printing the wall
and CPU time (``time.process_time``, both threads) and the load average with each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
import pandas as pd

import evalstats.stats.rank.replicates as rank_module
from evalstats.core.scheme import load_scheme
from evalstats.stats.rank import rank_uncertainty

SCHEME = load_scheme()
DIMS = list(SCHEME.dimension_codes)
GROUPS = list(SCHEME.group_codes)


def make_forms(
    n_units: int, seed: int = 2026, scale: float = 1.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic validated forms and units tables (``scale``: forms per unit multiplied, the
    5 supervisors kept)."""
    rng = np.random.default_rng(seed)
    units = [f"U{i:03d}" for i in range(n_units)]
    quality = rng.normal(0.0, 0.6, n_units)
    unit_idx, group_idx = [], []
    for i in range(n_units):
        total = int(int(rng.integers(45, 80)) * scale)
        sizes = {"enterprise": int(total * 0.45), "supervisor": 5, "public": int(total * 0.35)}
        sizes["deputy"] = max(1, total - sum(sizes.values()))
        for g, n in sizes.items():
            unit_idx.append(np.full(n, i))
            group_idx.append(np.full(n, GROUPS.index(g)))
    unit = np.concatenate(unit_idx)
    group = np.concatenate(group_idx)
    n = len(unit)
    halo = rng.normal(0.0, 1.0, n)
    data = {
        "cycle": "2026H1",
        "form_id": np.arange(n).astype(str),
        "unit": pd.Categorical.from_codes(unit, categories=units),
        "group": pd.Categorical.from_codes(group, categories=GROUPS),
    }
    for d in DIMS:
        latent = quality[unit] + 0.8 * halo + rng.normal(0.0, 0.6, n) + 1.0
        code = 3 - np.digitize(latent, [-0.5, 0.3, 1.0])  # 0 = satisfied … 3 = dissatisfied
        r = rng.random(n)
        code[r < 0.04] = 4  # unknown
        code[r > 0.985] = -1  # blank
        data[d] = pd.Categorical.from_codes(code, dtype=SCHEME.level_dtype)
    series = np.array(SCHEME.series_codes)[np.arange(n_units) % len(SCHEME.series_codes)]
    return pd.DataFrame(data), pd.DataFrame({"unit": units, "series": series})


def patterns_of(forms: pd.DataFrame) -> pd.DataFrame:
    try:
        from evalstats.counts.tally import pattern_counts
    except ImportError:  # pragma: no cover - before the tally module existed
        keys = ["cycle", "unit", "group", *DIMS]
        out = forms.groupby(keys, dropna=False, observed=True).size().rename("count")
        return out.reset_index()
    return pattern_counts(forms)


def naive_pandas(forms: pd.DataFrame, units: pd.DataFrame, reps: int, seed: int) -> np.ndarray:
    """Resample form rows with pandas; returns P(last) per unit over ``reps`` replicates."""
    rng = np.random.default_rng(seed)
    points = {lv.code: lv.points for lv in SCHEME.levels if lv.valid}
    gw = pd.Series(SCHEME.group_weights)
    dw = pd.Series(SCHEME.dimension_weights)
    series = units.set_index("unit")["series"]
    last = pd.Series(0, index=units["unit"])
    for _ in range(reps):
        s = forms.groupby(["unit", "group"], observed=True).sample(
            frac=1.0, replace=True, random_state=rng
        )
        pts = pd.DataFrame({d: s[d].astype(object).map(points).astype(float) for d in DIMS})
        pts["unit"] = s["unit"].astype(str).to_numpy()
        pts["group"] = s["group"].astype(str).to_numpy()
        score = pts.groupby(["unit", "group"])[DIMS].mean()  # NaN where no valid answer
        w = gw.reindex(score.index.get_level_values("group")).to_numpy()[:, None]
        has = score.notna()
        num = (score.fillna(0) * w).groupby(level="unit").sum()
        den = (has * w).groupby(level="unit").sum()
        ws = num / den.where(den > 0)
        comp = (ws.fillna(0) * dw).sum(axis=1) / (ws.notna() * dw).sum(axis=1)
        frame = pd.DataFrame({"composite": comp, "series": series.reindex(comp.index)})
        low = frame.groupby("series")["composite"].transform("min")
        last = last.add((frame["composite"] == low).astype(int), fill_value=0)
    return (last / reps).to_numpy()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--resamples", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--naive-reps", type=int, default=5)
    ap.add_argument("--scales", default="", help="forms per unit multiplied, e.g. 1,8,80")
    args = ap.parse_args(argv)
    if args.scales:
        return sizes(args)

    forms, units = make_forms(args.units)
    t0 = time.perf_counter()
    patterns = patterns_of(forms)
    t_patterns = time.perf_counter() - t0
    print(
        f"data: {args.units} units, {len(forms)} forms "
        f"({len(forms) / args.units:.1f} per unit), {len(patterns)} distinct patterns "
        f"per unit × group; pattern_counts {t_patterns * 1e3:.1f} ms"
    )

    rank_uncertainty(patterns, units=units, n_resamples=200, rng=0)  # warm-up
    times = []
    for i in range(args.repeats):
        t0 = time.perf_counter()
        result = rank_uncertainty(patterns, units=units, n_resamples=args.resamples, rng=i)
        times.append(time.perf_counter() - t0)
    fast = statistics.median(times)
    print(
        f"rank_uncertainty: {args.resamples} resamples in {fast:.3f} s "
        f"(median of {args.repeats}: {', '.join(f'{t:.3f}' for t in times)}), "
        f"{fast / args.resamples * 1e6:.1f} µs per resample"
    )

    threads = rank_module._THREADS
    rank_module._THREADS = 1
    t0 = time.perf_counter()
    single = rank_uncertainty(patterns, units=units, n_resamples=args.resamples, rng=0)
    one = time.perf_counter() - t0
    rank_module._THREADS = threads
    same = single.equals(rank_uncertainty(patterns, units=units, n_resamples=args.resamples, rng=0))
    print(
        f"rank_uncertainty on 1 thread (default {threads}): {one:.3f} s; "
        f"same result as with {threads}: {same}"
    )

    t0 = time.perf_counter()
    naive_pandas(forms, units, args.naive_reps, seed=1)
    naive = (time.perf_counter() - t0) / args.naive_reps
    naive_total = naive * args.resamples
    print(
        f"naive pandas form-row resampling: {naive * 1e3:.1f} ms per resample "
        f"({args.naive_reps} reps) -> {naive_total:.1f} s for {args.resamples} (scaled)"
    )
    speedup = naive_total / fast
    print(f"speed-up: {speedup:.0f}×")
    worst = result.loc[result["p_last"].idxmax()]
    print(f"largest p_last: {worst['unit']} ({worst['series']}) {worst['p_last']:.3f}")
    ok = fast < 2.0 and speedup >= 100
    print(f"goals (< 2 s and >= 100×): {'met' if ok else 'NOT met'}")
    return 0


def sizes(args) -> int:
    """Wall and CPU time of rank_uncertainty at each scale of the forms per unit."""
    print(f"# load {os.getloadavg()} at start; median of {args.repeats} after a warm-up")
    for scale in (float(x) for x in args.scales.split(",") if x):
        forms, units = make_forms(args.units, scale=scale)
        patterns = patterns_of(forms)
        cell = patterns.groupby(["unit", "group"], observed=True)["count"].sum()
        rank_uncertainty(patterns, units=units, n_resamples=200, rng=0)  # warm-up
        wall, cpu = [], []
        for i in range(args.repeats):
            w0, c0 = time.perf_counter(), time.process_time()
            rank_uncertainty(patterns, units=units, n_resamples=args.resamples, rng=i)
            wall.append(time.perf_counter() - w0)
            cpu.append(time.process_time() - c0)
        print(
            f"{len(forms):>9,} forms ({len(patterns):,} patterns, cells {cell.min()}-{cell.max()}):"
            f" {args.resamples} resamples {statistics.median(wall):.2f} s wall, "
            f"{statistics.median(cpu):.2f} s CPU; load {os.getloadavg()}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
