"""Benchmark: ``evalstats.counts.tally`` against a plain ``np.bincount`` and a naive pandas melt.

Generates a synthetic validated forms table in memory (Categorical codes: 200 units, the
scheme's groups and dimensions, ~2 % blanks, a str ``cycle`` column as in the forms contract),
checks that the three methods give the same counts, then times each (median of ``--repeats``
runs after an untimed warm-up) and prints the ratios against the plain bincount measured at the
same size in the same run.  See ``../shared/bench/ANCHORS.md`` for the anchors (10M forms:
plain bincount ≈ 0.10 s, naive melt ≈ 3.7 s).

Usage::

    .venv/bin/python benchmarks/bench_tally.py [--sizes 1e6,1e7] [--repeats 5] [--no-melt]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from evalstats.core.scheme import load_scheme
from evalstats.counts.tally import tally

UNITS = 200
SEED = 20260101


def make_forms(n: int, scheme, seed: int = SEED) -> pd.DataFrame:
    """Synthetic validated forms table with ``n`` rows (only the columns the tally reads)."""
    rng = np.random.default_rng(seed)
    units = [f"U{i:03d}" for i in range(UNITS)]
    size = rng.dirichlet(np.full(UNITS, 4.0))
    unit = rng.choice(UNITS, size=n, p=size).astype(np.int16)
    w = np.array(list(scheme.group_weights.values()))
    group = rng.choice(len(w), size=n, p=w / w.sum()).astype(np.int8)
    nl = len(scheme.level_codes)
    p_level = np.linspace(2.0, 1.0, nl)
    p_level = 0.98 * p_level / p_level.sum()
    cols = {
        "cycle": pd.array(np.full(n, "2026H1", dtype=object), dtype="str"),
        "unit": pd.Categorical.from_codes(unit, categories=units),
        "group": pd.Categorical.from_codes(group, categories=list(scheme.group_codes)),
    }
    for d in scheme.dimension_codes:
        lv = rng.choice(nl + 1, size=n, p=[*p_level, 0.02]).astype(np.int8)
        lv[lv == nl] = -1
        cols[d] = pd.Categorical.from_codes(lv, dtype=scheme.level_dtype)
    return pd.DataFrame(cols)


def plain_bincount(forms: pd.DataFrame, scheme) -> np.ndarray:
    """The anchor's plain method: int key per (unit, group, level), one bincount per dimension."""
    nu = len(forms["unit"].cat.categories)
    ng = len(scheme.group_codes)
    nl = len(scheme.level_codes) + 1
    nbins = nu * ng * nl
    base = forms["unit"].cat.codes.to_numpy().astype(np.int16)
    base *= ng
    base += forms["group"].cat.codes.to_numpy()
    base *= nl
    base += 1
    key = np.empty_like(base)
    out = np.empty((len(scheme.dimension_codes), nbins), np.int64)
    for j, d in enumerate(scheme.dimension_codes):
        np.add(base, forms[d].cat.codes.to_numpy(), out=key)
        out[j] = np.bincount(key, minlength=nbins)
    return out


def naive_melt(forms: pd.DataFrame, scheme) -> pd.Series:
    """Naive pandas: melt to one row per answer, then groupby size."""
    long = forms.melt(
        id_vars=["cycle", "unit", "group"],
        value_vars=list(scheme.dimension_codes),
        var_name="dimension",
        value_name="level",
    )
    return long.groupby(["cycle", "unit", "group", "dimension", "level"], observed=True).size()


def time_it(fn, repeats: int):
    fn()  # warm-up, untimed
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def check_same(forms, scheme, t, plain, melt) -> None:
    nd, nl = len(scheme.dimension_codes), len(scheme.level_codes)
    dense = t["count"].to_numpy().reshape(UNITS, len(scheme.group_codes), nd, nl + 1)
    ref = plain.reshape(nd, UNITS, len(scheme.group_codes), nl + 1).transpose(1, 2, 0, 3)
    if not np.array_equal(dense[..., :nl], ref[..., 1:]) or not np.array_equal(
        dense[..., nl], ref[..., 0]
    ):
        raise SystemExit("evalstats.counts.tally and plain bincount disagree")
    if melt is not None:
        tt = t[t["level"] != "blank"].set_index(["unit", "group", "dimension", "level"])["count"]
        m = melt.droplevel("cycle")
        m.index = m.index.set_names(["unit", "group", "dimension", "level"])
        mm = m.reset_index()
        mm["level"] = mm["level"].astype(str)
        mm["dimension"] = mm["dimension"].astype(str)
        mm = mm.set_index(["unit", "group", "dimension", "level"])[0]
        got = tt[tt > 0]
        got.index = pd.MultiIndex.from_arrays(
            [got.index.get_level_values(i).astype(str) for i in range(4)]
        )
        mm.index = pd.MultiIndex.from_arrays(
            [mm.index.get_level_values(i).astype(str) for i in range(4)]
        )
        if not got.sort_index().equals(mm.sort_index().astype(np.int64)):
            raise SystemExit("evalstats.counts.tally and naive melt disagree")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e5,1e6,1e7", help="numbers of forms, comma-separated")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-melt", action="store_true", help="skip the naive pandas melt")
    args = ap.parse_args(argv)
    scheme = load_scheme()
    sizes = [int(float(x)) for x in args.sizes.split(",") if x]
    print(
        f"{'forms':>10} {'plain bincount':>15} {'evalstats.counts.tally':>16} {'naive melt':>12} "
        f"{'tally/plain':>12} {'melt/plain':>11} {'melt/tally':>11}"
    )
    for n in sizes:
        forms = make_forms(n, scheme)
        t = tally(forms, scheme)
        plain = plain_bincount(forms, scheme)
        melt = None if args.no_melt else naive_melt(forms, scheme)
        check_same(forms, scheme, t, plain, melt)
        del melt
        t_plain = time_it(lambda f=forms: plain_bincount(f, scheme), args.repeats)
        t_tally = time_it(lambda f=forms: tally(f, scheme), args.repeats)
        if args.no_melt:
            t_melt = float("nan")
        else:
            t_melt = time_it(lambda f=forms: naive_melt(f, scheme), max(1, min(args.repeats, 3)))
        print(
            f"{n:>10.0e} {t_plain * 1e3:>12.1f} ms {t_tally * 1e3:>13.1f} ms "
            f"{t_melt * 1e3:>9.0f} ms {t_tally / t_plain:>11.2f}x {t_melt / t_plain:>10.1f}x "
            f"{t_melt / t_tally:>10.1f}x"
        )


if __name__ == "__main__":
    main()
