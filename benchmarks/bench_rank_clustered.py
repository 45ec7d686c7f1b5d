"""Benchmark: ranking uncertainty when respondents rate every unit (issue 17, item 2).

Run::

    .venv/bin/python benchmarks/bench_rank_clustered.py [--units 200] [--resamples 10000]
                                                        [--respondents 60,20,100,20]
                                                        [--repeats 3]

Synthetic data: ``--respondents`` respondents per group (enterprise, supervisor, public,
deputy), each rating every one of ``--units`` units (3 series) on the 5 contents, with a
severity of their own (a harsh respondent marks every unit down), a unit quality, about 4 %
不了解 and 1.5 % blank answers: 200 units × 200 respondents = 40,000 forms.  Times
:func:`rank_uncertainty` with the respondent design (respondents resampled within groups,
jointly for all units) and, on the same forms, the form bootstrap (forms resampled within unit
× group cells), median of ``--repeats`` runs after a warm-up, with wall and CPU time and the
load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import pandas as pd

from evalstats.core.scheme import load_scheme
from evalstats.counts.tally import pattern_counts
from evalstats.stats.design import respondent_design
from evalstats.stats.rank import rank_uncertainty

SCHEME = load_scheme()
DIMS = list(SCHEME.dimension_codes)
GROUPS = list(SCHEME.group_codes)


def make_forms(n_units: int, sizes: list[int], seed: int = 2026):
    """Synthetic validated forms (with ``respondent``) and units tables."""
    rng = np.random.default_rng(seed)
    units = [f"U{i:03d}" for i in range(n_units)]
    quality = rng.normal(0.0, 0.4, n_units)
    resp, group = [], []
    for g, n in zip(GROUPS, sizes, strict=True):
        resp += [f"{g}{i}" for i in range(n)]
        group += [g] * n
    n_resp = len(resp)
    severity = rng.normal(0.0, 0.8, n_resp)
    r_idx = np.repeat(np.arange(n_resp), n_units)
    u_idx = np.tile(np.arange(n_units), n_resp)
    latent = 1.2 + quality[u_idx] - severity[r_idx]
    levels = np.array(SCHEME.level_codes, dtype=object)
    data = {
        "cycle": "2026H1",
        "form_id": np.arange(len(r_idx)).astype(str),
        "respondent": np.array(resp, dtype=object)[r_idx],
        "unit": pd.Categorical(np.array(units, dtype=object)[u_idx], categories=units),
        "group": pd.Categorical(np.array(group, dtype=object)[r_idx], categories=GROUPS),
    }
    for d in DIMS:
        q = latent + rng.normal(0.0, 0.8, len(r_idx))
        code = np.digitize(-q, [-1.2, -0.2, 0.8])  # satisfied .. dissatisfied
        u = rng.random(len(r_idx))
        code = np.where(u < 0.04, 4, code)  # 不了解
        values = levels[code].astype(object)
        values[u > 0.985] = None  # blank
        data[d] = pd.Categorical(values, dtype=SCHEME.level_dtype)
    series = np.array(["administration", "enforcement", "service"], dtype=object)
    table = pd.DataFrame({"unit": units, "series": series[np.arange(n_units) % 3]})
    return pd.DataFrame(data), table


def timed(fn, repeats: int) -> tuple[float, float]:
    fn()  # warm-up
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--units", type=int, default=200)
    p.add_argument("--resamples", type=int, default=10_000)
    p.add_argument("--respondents", default="60,20,100,20")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    sizes = [int(x) for x in args.respondents.split(",")]
    forms, units = make_forms(args.units, sizes)
    t = time.perf_counter()
    design = respondent_design(forms, scheme=SCHEME)
    patterns = pattern_counts(forms, SCHEME)
    prep = time.perf_counter() - t
    print(
        f"{args.units} units × {sum(sizes)} respondents = {len(forms):,} forms; "
        f"design + pattern counts {prep:.2f} s"
    )
    for name, d in (("respondent bootstrap", design), ("form bootstrap", None)):
        wall, cpu = timed(
            lambda d=d: rank_uncertainty(
                patterns, units=units, n_resamples=args.resamples, rng=1, design=d
            ),
            args.repeats,
        )
        load = os.getloadavg()[0]
        print(
            f"{name}: {args.resamples:,} replicates {wall:.2f} s wall, {cpu:.2f} s CPU "
            f"(load {load:.1f})"
        )


if __name__ == "__main__":
    main()
