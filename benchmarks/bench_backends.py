"""Benchmark: the tally backends (pandas, DuckDB, Dask) on large synthetic cycles.

For each size, writes a cycle with ``evalstats.inputs.demo.write_large`` (Parquet, under ``--dir``,
default /tmp; deleted at the end unless ``--keep``), then measures each method in a fresh
subprocess: the time (median of ``--repeats`` runs after a warm-up; one cold run above 2e7
forms) and the peak extra memory of the timed call (growth of VmHWM, reset through
``/proc/self/clear_refs``; the data a method starts from are loaded before the reset).

Ratios are against ``np.bincount`` on the same codes in memory, the naive pandas melt +
groupby and the pandas backend's ``evalstats.counts.tally``, all measured in the same run.  Above
1e7 forms the in-memory methods are not run (melt needs 3.7 GiB at 1e7): the references are
the figures of the largest in-memory size of the run, scaled by the number of forms (marked
"(s)"), as the scale issue asks.

Methods (see ``LABELS``): the references; DuckDB's plain SQL plans over the Parquet labels
(measured, not used); the duckdb backend's tally and tally + pattern counts (Parquet dictionary
codes streamed with pyarrow), its validation scan and ``count_cycle`` end to end; Dask on a
2-worker LocalCluster: the load (read + encode + persist the codes on the workers) timed apart
from the tally on the persisted codes.

``--annual`` also times, on the largest in-memory size: ``count_cycle(backend="duckdb")`` +
``pipeline.score_counts`` (scores, composites, ranking with 10,000 resamples).

Usage::

    .venv/bin/python benchmarks/bench_backends.py                     # 1e6 and 1e7
    .venv/bin/python benchmarks/bench_backends.py --sizes 1e7,1e8 --annual
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve()
MELT_MAX = 10_000_000
SLOW_N = 20_000_000


# ---------------------------------------------------------------------- memory
def _kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


# ---------------------------------------------------------------------- data
def _codes(folder: Path):
    """The dictionary codes of the file's label columns, as the in-memory baseline reads."""
    import pyarrow.parquet as pq

    from evalstats.core.scheme import load_scheme

    s = load_scheme()
    dims = [d.label_zh for d in s.dimensions]
    cols = ["被评单位", "评议人类别", *dims]
    pf = pq.ParquetFile(folder / "responses.parquet", read_dictionary=cols)
    table = pf.read(columns=cols)
    out = []
    for c in cols:
        arr = table.column(c).combine_chunks()
        out.append(
            arr.indices.fill_null(-1).to_numpy().astype(np.int16 if c == cols[0] else np.int8)
        )
    return out[0], out[1], out[2:]


def _plain_bincount(unit, group, levels, nu=200, ng=4, nl=6):
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


def _forms(folder: Path):
    """A validated-forms-like table (Categoricals) from the codes, without reading text."""
    from evalstats.core.scheme import load_scheme

    s = load_scheme()
    unit, group, levels = _codes(folder)
    data = {
        "cycle": pd.array(np.full(len(unit), folder.name, dtype=object), dtype="str"),
        "unit": pd.Categorical.from_codes(unit, categories=[f"u{k + 1:05d}" for k in range(200)]),
        "group": pd.Categorical.from_codes(group, categories=list(s.group_codes)),
    }
    for d, lv in zip(s.dimension_codes, levels, strict=True):
        data[d] = pd.Categorical.from_codes(lv, dtype=s.level_dtype)
    return pd.DataFrame(data), s


def _naive_melt(forms, scheme):
    long = forms.melt(
        id_vars=["cycle", "unit", "group"],
        value_vars=list(scheme.dimension_codes),
        var_name="dimension",
        value_name="level",
    )
    return long.groupby(["cycle", "unit", "group", "dimension", "level"], observed=False).size()


# ---------------------------------------------------------------------- probes
def _duck_sql(folder: Path, patterns: bool) -> str:
    """DuckDB over the Parquet labels: the plain plans (for comparison; labels not mapped)."""
    from evalstats.core.scheme import load_scheme

    s = load_scheme()
    dims = [f'"{d.label_zh}"' for d in s.dimensions]
    src = f"read_parquet('{folder / 'responses.parquet'}')"
    if patterns:
        return (
            f'SELECT "被评单位", "评议人类别", {", ".join(dims)}, count(*) FROM {src} GROUP BY ALL'
        )
    return " UNION ALL ".join(
        f'SELECT "被评单位" u, "评议人类别" g, {j} j, {d} lv, count(*) n FROM {src} GROUP BY ALL'
        for j, d in enumerate(dims)
    )


def _reference(ref: Path, repeats: int) -> float:
    """Median seconds of the bincount reference on ``ref``'s codes, in this process, now."""
    unit, group, levels = _codes(ref)
    _plain_bincount(unit, group, levels)
    times = []
    for _ in range(max(repeats, 3)):
        t = time.perf_counter()
        _plain_bincount(unit, group, levels)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def probe(method: str, folder: Path, repeats: int, memory_limit: str | None, ref=None) -> dict:
    """Run in a fresh process: set up, reset the peak, time ``method``; then the reference."""
    n = int(json.loads((folder / "n.json").read_text())["n"])
    ctx: dict = {}
    from evalstats.counts import backends as B
    from evalstats.counts.backends.codes import arrow_counts

    if method == "bincount":
        unit, group, levels = _codes(folder)

        def fn():
            return _plain_bincount(unit, group, levels)
    elif method in ("melt", "pandas", "pandas_patterns"):
        from evalstats.counts.tally import pattern_counts, tally

        forms, scheme = _forms(folder)

        def fn():
            if method == "melt":
                return _naive_melt(forms, scheme)
            if method == "pandas":
                return tally(forms, scheme)
            return tally(forms, scheme), pattern_counts(forms, scheme)
    elif method == "pandas_e2e":

        def fn():
            return B.count_cycle(folder, backend="pandas")
    elif method in ("duckdb_sql", "duckdb_sql_patterns"):
        import duckdb

        con = duckdb.connect()
        con.execute("SET preserve_insertion_order = false")
        q = _duck_sql(folder, method.endswith("patterns"))

        def fn():
            return con.execute(q).fetchall()
    elif method == "duckdb_scan":

        def fn():
            return B.scan_cycle(folder, memory_limit=memory_limit)
    elif method in ("duckdb_tally", "duckdb_count"):
        scanned = B.scan_cycle(folder, memory_limit=memory_limit)

        def fn():
            return arrow_counts(scanned, method == "duckdb_count")
    elif method == "duckdb_e2e":

        def fn():
            return B.count_cycle(folder, backend="duckdb", memory_limit=memory_limit)
    elif method in ("dask_load", "dask_tally", "dask_count"):
        scanned = B.scan_cycle(folder, memory_limit=memory_limit)
        client_cm = B.dask_client(None, n_workers=2, threads_per_worker=1)
        client = client_cm.__enter__()
        ctx["close"] = lambda: client_cm.__exit__(None, None, None)
        if method == "dask_load":

            def fn():
                B.dask_load(scanned, client).release()
        else:
            codes = B.dask_load(scanned, client)

            def fn():
                return B.dask_count(scanned, codes, patterns=method == "dask_count")
    elif method == "annual":
        from evalstats.stats.pipeline import score_counts

        steps = {}

        def fn():
            t = time.perf_counter()
            c = B.count_cycle(folder, backend="duckdb", memory_limit=memory_limit)
            steps["scan + count (tally, patterns)"] = time.perf_counter() - t
            t = time.perf_counter()
            score_counts(c, rng=1)
            steps["score_counts (scores, composites, ranking 10,000)"] = time.perf_counter() - t
            ctx["steps"] = steps
            ctx["patterns"] = len(c.patterns)
    else:  # pragma: no cover
        raise ValueError(method)

    slow = n > SLOW_N or method == "annual"
    if not slow:
        fn()  # warm-up
    _reset_peak()
    before = _kb("VmRSS")
    times = []
    for _ in range(1 if slow else repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    peak = _kb("VmHWM") - before
    if "close" in ctx:
        ctx["close"]()
    out = {"method": method, "n": n, "seconds": statistics.median(times), "peak_mib": peak / 1024}
    if ref is not None:  # the same reference, timed right after, under the same load
        ref_n = int(json.loads((Path(ref) / "n.json").read_text())["n"])
        out["ref_seconds"] = _reference(Path(ref), repeats) * n / ref_n
    if "steps" in ctx:
        out["steps"] = ctx["steps"]
        out["patterns"] = ctx["patterns"]
    return out


def _run_probe(method, folder, args, ref=None) -> dict | None:
    cmd = [sys.executable, str(HERE), "--probe", method, "--folder", str(folder)]
    cmd += ["--repeats", str(args.repeats)]
    if args.memory_limit:
        cmd += ["--memory-limit", args.memory_limit]
    if ref is not None:
        cmd += ["--ref", str(ref)]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        print(f"  {method}: failed\n{p.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------- main
def _fmt_t(s: float) -> str:
    return f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s"


LABELS = {
    "bincount": "np.bincount on the codes in memory (reference)",
    "melt": "naive pandas melt + groupby (in memory)",
    "pandas": "pandas backend: evalstats.counts.tally (in memory)",
    "pandas_patterns": "pandas backend: tally + pattern_counts (in memory)",
    "pandas_e2e": "pandas backend: read + validate + count",
    "duckdb_sql": "DuckDB SQL: 5 GROUP BYs on the labels, UNION ALL (plan not used)",
    "duckdb_sql_patterns": "DuckDB SQL: 1 GROUP BY over unit, group, 5 answers (not used)",
    "duckdb_tally": "duckdb backend: tally (Parquet dictionary codes, streamed)",
    "duckdb_count": "duckdb backend: tally + pattern counts (streamed)",
    "duckdb_scan": "duckdb backend: validation scan (DuckDB SQL)",
    "duckdb_e2e": "duckdb backend: count_cycle = scan + tally + patterns",
    "dask_load": "dask, 2 workers: read + encode + persist codes (load)",
    "dask_tally": "dask, 2 workers: tally, codes persisted",
    "dask_count": "dask, 2 workers: tally + patterns, codes persisted",
}


def _methods(n: int) -> list[str]:
    small = n <= MELT_MAX
    out = ["bincount"] if small else []
    out += ["melt", "pandas", "pandas_patterns"] if small else []
    out += ["duckdb_sql"] + (["duckdb_sql_patterns"] if small else [])
    out += ["duckdb_tally"] + (["duckdb_count"] if small else []) + ["duckdb_scan"]
    out += ["duckdb_e2e"] if small else []
    out += ["dask_load", "dask_tally", "dask_count"] if small else []
    out += ["pandas_e2e"] if n <= 1_000_000 else []
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e6,1e7", help="forms, comma-separated (default 1e6,1e7)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", default=tempfile.gettempdir(), help="where the cycles are written")
    ap.add_argument("--memory-limit", default="4GB", help="DuckDB memory limit (default 4GB)")
    ap.add_argument("--keep", action="store_true", help="keep the generated cycles")
    ap.add_argument("--annual", action="store_true", help="time scan + count + score (duckdb)")
    ap.add_argument("--methods", help="only these methods (comma-separated)")
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    ap.add_argument("--ref", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.probe:
        out = probe(args.probe, Path(args.folder), args.repeats, args.memory_limit, args.ref)
        print(json.dumps(out))
        return 0

    from evalstats.inputs.demo import write_large

    sizes = sorted(int(float(x)) for x in args.sizes.split(","))
    only = set(args.methods.split(",")) if args.methods else None
    root = Path(tempfile.mkdtemp(prefix="evalstats-bench-", dir=args.dir))
    free = shutil.disk_usage(root).free
    need = int(max(sizes) * 10)  # about 9 bytes per form in the Parquet file
    if need > free:
        print(f"not enough disk in {root}: need ~{need / 2**30:.1f} GiB", file=sys.stderr)
        return 1
    print(f"# load average at start: {os.getloadavg()}")
    rows = []
    per_form = {}  # reference seconds per form, from the largest in-memory size measured
    ref = None  # the largest in-memory size's folder: its codes are the bincount reference
    try:
        for n in sizes:
            folder = root / f"n{n}"
            t = time.perf_counter()
            write_large(folder, forms=n, fmt="parquet", chunk_size=min(n, 1_000_000))
            (folder / "n.json").write_text(json.dumps({"n": n}))
            mb = (folder / "responses.parquet").stat().st_size / 2**20
            print(f"# {n:,} forms: {mb:.0f} MiB Parquet written in {time.perf_counter() - t:.1f} s")
            if n <= MELT_MAX:
                ref = folder
            res = {}
            for m in _methods(n):
                if only is not None and m not in only:
                    continue
                r = _run_probe(m, folder, args, ref)
                if r is not None:
                    res[m] = r
                    print(
                        f"  {m:20s} {_fmt_t(r['seconds']):>10s}  peak +{r['peak_mib']:.0f} MiB"
                        f"  (bincount in the same process: {_fmt_t(r['ref_seconds'])})"
                    )
            for name in ("bincount", "melt", "pandas"):
                if name in res:
                    per_form[name] = (res[name]["seconds"] / n, n)
            for m, r in res.items():
                ratios = {}
                for name, (spf, at) in per_form.items():
                    ratios[name] = (r["seconds"] / (spf * n), at != n)
                ratios["same"] = (r["seconds"] / r["ref_seconds"], n != int(ref.name[1:]))
                rows.append((n, m, r["seconds"], r["peak_mib"], ratios))
            if args.annual and n == max(x for x in sizes if x <= MELT_MAX):
                r = _run_probe("annual", folder, args)
                if r is not None:
                    print(
                        f"  annual chain on {n:,} forms (duckdb): {_fmt_t(r['seconds'])}, "
                        f"peak +{r['peak_mib']:.0f} MiB, {r['patterns']:,} patterns"
                    )
                    for k, v in r["steps"].items():
                        print(f"    {k:50s} {_fmt_t(v)}")
            if not args.keep and folder != ref:
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(f"# load average at end: {os.getloadavg()}")
    print("\n(s) = reference measured at a smaller size in this run, scaled by the number of forms")
    print(
        "\n× np.bincount: against the reference timed in the same process right after the "
        "method (same load); × first bincount: against the bincount probe of this run"
    )
    print(
        "\n| forms | method | time | peak extra memory | × np.bincount | × first bincount "
        "| melt ÷ method | × pandas |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")

    def ratio(ratios, ref, invert=False):
        if ref not in ratios:
            return "–"
        x, scaled = ratios[ref]
        x = 1 / x if invert else x
        return f"{x:.1f}×" + (" (s)" if scaled else "")

    for n, m, sec, mib, ratios in rows:
        mem = "(workers)" if m in ("dask_tally", "dask_count") else f"{mib:.0f} MiB"
        print(
            f"| {n:.0e} | {LABELS[m]} | {_fmt_t(sec)} | {mem} | {ratio(ratios, 'same')} "
            f"| {ratio(ratios, 'bincount')} | {ratio(ratios, 'melt', True)} "
            f"| {ratio(ratios, 'pandas')} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
