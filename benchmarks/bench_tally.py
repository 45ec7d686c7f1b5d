"""Benchmark: ``evalstats.counts.tally`` on the table ``validate_cycle`` produces.

Writes a cycle folder (``benchmarks/bench_validate.py``'s generator: 24 units, the default
headers, ~3 % blanks, 不了解 answers, a comment column) with ``--base`` forms to a temp folder,
validates it once with :func:`evalstats.inputs.validate.validate_cycle` and repeats that validated
table (``pd.concat``, which keeps every dtype and shares the same string objects) up to each size
of ``--sizes``.  So the tally reads what users' runs give it: Categorical codes and the
``cycle`` column exactly as validation builds it.

In the same process, on the same codes (read in place, ``Categorical.codes``), it times two
baselines of the anchor (``../shared/bench/ANCHORS.md``): a *plain* ``np.bincount`` (one int key
array over all rows, one bincount per dimension) and a *chunked* one (the same in row chunks of
2**18 with int16 keys); checks that the tally's counts equal theirs; and prints the tally's
ratio to each.  Times are the median of ``--repeats`` runs after an untimed warm-up, as CPU
time of the process (``time.process_time``: the tally and the baselines run on one thread, and
CPU time is what a shared machine's load disturbs least) and as wall time.  ``--object-cycle``
adds a row with ``cycle`` as an object column (what ``validate_cycle`` built before issue 16).

Memory: the peak of numpy's allocations during one call (``tracemalloc``), against the table's
real size: the shallow size of every column (codes, int64, one pointer per row of an object
column) plus each distinct string object once (``memory_usage(deep=True)`` counts a shared
string once per row: 5-10× too much for a validated table).  The load average is printed at the
start and with every size.

Usage::

    .venv/bin/python benchmarks/bench_tally.py [--sizes 1e5,1e6,1e7] [--base 100000]
                                               [--repeats 5] [--object-cycle]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_validate import generate
from sizes import real_size  # benchmarks/sizes.py (a script's folder is on sys.path)

from evalstats.core.scheme import load_scheme
from evalstats.counts.tally import tally

CHUNK = 1 << 18


def validated_forms(n_base: int) -> pd.DataFrame:
    """``validate_cycle``'s forms table of a generated cycle of ``n_base`` forms."""
    from evalstats.inputs.validate import validate_cycle

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "2026H1"
        generate(folder, n_base)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return validate_cycle(folder, raise_on_error=False).forms


def repeat_to(forms: pd.DataFrame, n: int) -> pd.DataFrame:
    """``forms`` repeated (then cut) to ``n`` rows; dtypes and shared strings kept."""
    k = -(-n // len(forms))
    out = pd.concat([forms] * k, ignore_index=True) if k > 1 else forms
    return out.iloc[:n].reset_index(drop=True) if len(out) != n else out


def codes_of(forms: pd.DataFrame, scheme):
    return (
        forms["unit"].array.codes,
        forms["group"].array.codes,
        [forms[d].array.codes for d in scheme.dimension_codes],
        len(forms["unit"].cat.categories),
    )


def plain_bincount(forms: pd.DataFrame, scheme) -> np.ndarray:
    """Anchor c: one int key per (unit, group, level) over all rows, a bincount per dimension."""
    unit, group, levels, nu = codes_of(forms, scheme)
    ng, nl = len(scheme.group_codes), len(scheme.level_codes) + 1
    nbins = nu * ng * nl
    base = unit.astype(np.int16)
    base *= ng
    base += group
    base *= nl
    base += 1
    key = np.empty_like(base)
    out = np.empty((len(levels), nbins), np.int64)
    for j, lv in enumerate(levels):
        np.add(base, lv, out=key)
        out[j] = np.bincount(key, minlength=nbins)
    return out


def chunked_bincount(forms: pd.DataFrame, scheme) -> np.ndarray:
    """Anchor c′: the same in row chunks of 2**18 with int16 keys (memory O(chunk))."""
    unit, group, levels, nu = codes_of(forms, scheme)
    ng, nl = len(scheme.group_codes), len(scheme.level_codes) + 1
    nbins = nu * ng * nl
    n = len(unit)
    out = np.zeros((len(levels), nbins), np.int64)
    chunk = max(1, min(CHUNK, n))
    base = np.empty(chunk, np.int16)
    key = np.empty(chunk, np.int16)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        b, k = base[: e - s], key[: e - s]
        np.multiply(unit[s:e], ng, out=b, dtype=np.int16)
        b += group[s:e]
        b *= nl
        b += 1
        for j, lv in enumerate(levels):
            np.add(b, lv[s:e], out=k, dtype=np.int16)
            out[j] += np.bincount(k, minlength=nbins)
    return out


def check_same(t: pd.DataFrame, ref: np.ndarray, scheme, nu: int) -> None:
    nd, nl, ng = len(scheme.dimension_codes), len(scheme.level_codes), len(scheme.group_codes)
    dense = t["count"].to_numpy().reshape(nu, ng, nd, nl + 1)
    want = ref.reshape(nd, nu, ng, nl + 1).transpose(1, 2, 0, 3)
    blank_last = np.concatenate([want[..., 1:], want[..., :1]], axis=-1)
    if not np.array_equal(dense, blank_last):
        raise SystemExit("evalstats.counts.tally and the bincount disagree")


def timed(fn, repeats: int) -> tuple[float, float]:
    """(median CPU seconds, median wall seconds) after an untimed warm-up."""
    fn()
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall)


def peak_bytes(fn) -> int:
    """Peak of the numpy/Python allocations made during one call of ``fn``."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e5,1e6,1e7", help="numbers of forms, comma-separated")
    ap.add_argument("--base", type=int, default=100_000, help="forms validated from the file")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--object-cycle", action="store_true", help="also time cycle as object")
    args = ap.parse_args(argv)
    scheme = load_scheme()
    sizes = [int(float(x)) for x in args.sizes.split(",") if x]
    print(f"# {load()} at start; validating {args.base:,} generated forms", flush=True)
    t0 = time.perf_counter()
    base = validated_forms(args.base)
    print(
        f"# validate_cycle: {time.perf_counter() - t0:.1f} s; cycle dtype {base['cycle'].dtype}, "
        f"unit codes {base['unit'].array.codes.dtype}; times: median of {args.repeats}, "
        "CPU (wall) ms",
        flush=True,
    )
    print(
        f"{'forms':>10} {'table MiB':>9} {'plain':>15} {'chunked':>15} {'tally':>15} "
        f"{'/plain':>12} {'/chunked':>12} {'tally +MiB':>10} {'+% table':>8} {'chunked +MiB':>12}"
        "  load"
    )
    variants = [("", None)]
    if args.object_cycle:
        variants.append((" (cycle object)", object))
    for n in sizes:
        forms = repeat_to(base, n)
        nu = len(forms["unit"].cat.categories)
        check_same(tally(forms, scheme), chunked_bincount(forms, scheme), scheme, nu)
        check_same(tally(forms, scheme), plain_bincount(forms, scheme), scheme, nu)
        size = real_size(forms)
        plain = timed(lambda f=forms: plain_bincount(f, scheme), args.repeats)
        chunked = timed(lambda f=forms: chunked_bincount(f, scheme), args.repeats)
        chunked_extra = peak_bytes(lambda f=forms: chunked_bincount(f, scheme))
        for label, cycle_dtype in variants:
            f = forms
            if cycle_dtype is object:
                f = forms.assign(cycle=pd.Series(np.full(n, str(forms["cycle"].iloc[0]), object)))
            t = timed(lambda f=f: tally(f, scheme), args.repeats)
            extra = peak_bytes(lambda f=f: tally(f, scheme))
            print(
                f"{n:>10.0e} {size / 2**20:>9.1f} "
                f"{plain[0] * 1e3:>7.1f} ({plain[1] * 1e3:>5.0f}) "
                f"{chunked[0] * 1e3:>7.1f} ({chunked[1] * 1e3:>5.0f}) "
                f"{t[0] * 1e3:>7.1f} ({t[1] * 1e3:>5.0f}) "
                f"{t[0] / plain[0]:>5.2f}x ({t[1] / plain[1]:.2f}) "
                f"{t[0] / chunked[0]:>5.2f}x ({t[1] / chunked[1]:.2f}) "
                f"{extra / 2**20:>10.1f} {100 * extra / size:>7.1f}% {chunked_extra / 2**20:>12.1f}"
                f"  {load()}{label}",
                flush=True,
            )
        del forms


if __name__ == "__main__":
    main()
