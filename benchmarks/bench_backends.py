"""Benchmark: the tally backends (pandas, DuckDB, Dask) on large synthetic cycles.

For each size, writes a cycle with ``evalstats.demo.write_large`` (Parquet, under ``--dir``,
default /tmp; deleted at the end unless ``--keep``), then measures each method in a fresh
subprocess: the time (median of ``--repeats`` runs after a warm-up; one cold run above 2e7
forms) and the peak extra memory of the timed call (growth of VmHWM, reset through
``/proc/self/clear_refs``; the data a method starts from are loaded before the reset).  Ratios
are against ``np.bincount`` on the same codes in memory and against the naive pandas melt +
groupby, both measured in the same run (melt is skipped above 1e7 forms: 3.7 GiB at 1e7;
there its figure is the 1e7 one scaled by N).

Methods:

``bincount``      the file's dictionary codes already in memory, one ``np.bincount`` per
                  dimension (the anchors' plain method): the reference
``melt``          naive pandas: melt to one row per answer + groupby size (in memory)
``pandas``        ``evalstats.tally`` on the validated forms table in memory (the pandas
                  backend's count; reading + validating is ``pandas_e2e``, up to 1e6 forms)
``duckdb_tally``  DuckDB GROUP BYs over the Parquet file, labels mapped in SQL
``duckdb_scan``   the out-of-core validation (:func:`evalstats.backends.scan_cycle`)
``duckdb_e2e``    ``count_cycle(backend="duckdb")``: scan + tally + pattern counts
``dask``          bincount per partition + sum on a 2-worker LocalCluster, data already on
                  the workers (persisted); ``dask_e2e`` is ``count_cycle(backend="dask")``

``--annual`` also times the chain an annual run needs on the largest in-memory size with the
duckdb backend: count (tally + patterns), scores, composites, ranking with 10,000 resamples.

Usage::

    .venv/bin/python benchmarks/bench_backends.py                     # 1e6 and 1e7
    .venv/bin/python benchmarks/bench_backends.py --sizes 1e7,1e8 --annual
"""

from __future__ import annotations

import argparse
import json
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

    from evalstats.scheme import load_scheme

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
    from evalstats.scheme import load_scheme

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
def probe(method: str, folder: Path, repeats: int, memory_limit: str | None) -> dict:
    """Run in a fresh process: set up, reset the peak, time ``method``."""
    n = int(json.loads((folder / "n.json").read_text())["n"])
    ctx: dict = {}
    from evalstats import backends as B

    if method == "bincount":
        unit, group, levels = _codes(folder)

        def fn():
            return _plain_bincount(unit, group, levels)
    elif method in ("melt", "pandas"):
        from evalstats.tally import tally

        forms, scheme = _forms(folder)

        def fn():
            return _naive_melt(forms, scheme) if method == "melt" else tally(forms, scheme)
    elif method == "pandas_e2e":

        def fn():
            return B.count_cycle(folder, backend="pandas")
    elif method == "duckdb_scan":

        def fn():
            return B.scan_cycle(folder, memory_limit=memory_limit)
    elif method == "duckdb_tally":
        tmp = tempfile.mkdtemp(prefix="bench-")
        keep: dict = {}
        scanned = B._scan(folder, None, None, memory_limit, None, True, tmp, keep)

        def fn():
            return B._duck_counts(keep["con"], keep["sql"], scanned, False)
    elif method == "duckdb_e2e":

        def fn():
            return B.count_cycle(folder, backend="duckdb", memory_limit=memory_limit)
    elif method in ("dask", "dask_e2e"):
        import dask
        import dask.dataframe as dd
        from distributed import Client, LocalCluster, wait

        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        ctx["close"] = lambda: (client.close(), cluster.close())
        if method == "dask":
            scanned = B.scan_cycle(folder)
            src = scanned._source
            raw_labels, maps, unit_cats = scanned._maps
            s = scanned.scheme
            cols = {"unit": src.columns["unit"], "group": src.columns["group"]}
            cols["dims"] = [src.columns[d] for d in s.dimension_codes]
            from evalstats.scheme import normalize_label

            pairs = B._raw_pairs(raw_labels, maps)
            unit_lookup = {normalize_label(v): unit_cats[c] for v, c in pairs}
            lookups = {
                "unit": (unit_lookup, unit_cats),
                "group": (s.lookup("groups"), s.group_codes),
                "level": (s.level_lookup(), s.level_codes),
            }
            shape = B._dims_shape(s, len(unit_cats))
            ddf = dd.read_parquet(src.parquet, columns=[cols["unit"], cols["group"], *cols["dims"]])
            ddf = ddf.persist()
            wait(ddf)

            def fn():
                parts = [
                    dask.delayed(B._partition_counts)(p, cols, lookups, shape, False)
                    for p in ddf.to_delayed()
                ]
                return client.compute(dask.delayed(B._combine)(parts)).result()
        else:

            def fn():
                return B.count_cycle(folder, backend="dask", scheduler=client, patterns=False)
    elif method == "annual":
        from evalstats.rank import rank_units
        from evalstats.score import composites, scores_table

        steps = {}

        def fn():
            t = time.perf_counter()
            c = B.count_cycle(folder, backend="duckdb", memory_limit=memory_limit)
            steps["validate+count"] = time.perf_counter() - t
            t = time.perf_counter()
            units = c.validated.units
            scores_table(c.counts, units=units, scheme=c.validated.scheme, patterns=c.patterns)
            steps["scores"] = time.perf_counter() - t
            t = time.perf_counter()
            comp = composites(c.counts, units=units, scheme=c.validated.scheme, patterns=c.patterns)
            steps["composites"] = time.perf_counter() - t
            t = time.perf_counter()
            rank_units(comp, patterns=c.patterns, scheme=c.validated.scheme, rng=1)
            steps["ranking (10,000 resamples)"] = time.perf_counter() - t
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
    if "steps" in ctx:
        out["steps"] = ctx["steps"]
        out["patterns"] = ctx["patterns"]
    return out


def _run_probe(method, folder, args) -> dict | None:
    cmd = [sys.executable, str(HERE), "--probe", method, "--folder", str(folder)]
    cmd += ["--repeats", str(args.repeats)]
    if args.memory_limit:
        cmd += ["--memory-limit", args.memory_limit]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        print(f"  {method}: failed\n{p.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------- main
def _fmt_t(s: float) -> str:
    return f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e6,1e7", help="forms, comma-separated (default 1e6,1e7)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", default=tempfile.gettempdir(), help="where the cycles are written")
    ap.add_argument("--memory-limit", default="4GB", help="DuckDB memory limit (default 4GB)")
    ap.add_argument("--keep", action="store_true", help="keep the generated cycles")
    ap.add_argument("--annual", action="store_true", help="time the annual chain (duckdb)")
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.probe:
        print(json.dumps(probe(args.probe, Path(args.folder), args.repeats, args.memory_limit)))
        return 0

    from evalstats.demo import write_large

    sizes = [int(float(x)) for x in args.sizes.split(",")]
    root = Path(tempfile.mkdtemp(prefix="evalstats-bench-", dir=args.dir))
    free = shutil.disk_usage(root).free
    need = int(max(sizes) * 10)  # about 9 bytes per form in the Parquet file
    if need > free:
        print(f"not enough disk in {root}: need ~{need / 2**30:.1f} GiB", file=sys.stderr)
        return 1
    rows = []
    melt_per_form = None
    try:
        for n in sizes:
            folder = root / f"n{n}"
            t = time.perf_counter()
            write_large(folder, forms=n, fmt="parquet", chunk_size=min(n, 1_000_000))
            (folder / "n.json").write_text(json.dumps({"n": n}))
            mb = (folder / "responses.parquet").stat().st_size / 2**20
            print(f"# {n:,} forms: {mb:.0f} MiB Parquet written in {time.perf_counter() - t:.1f} s")
            methods = ["bincount", "pandas", "duckdb_tally", "duckdb_scan", "duckdb_e2e"]
            if n <= MELT_MAX:
                methods.insert(1, "melt")
                methods += ["dask", "dask_e2e"]
            if n <= 1_000_000:
                methods.append("pandas_e2e")
            res = {}
            for m in methods:
                r = _run_probe(m, folder, args)
                if r is not None:
                    res[m] = r
                    print(f"  {m:13s} {_fmt_t(r['seconds']):>10s}  peak +{r['peak_mib']:.0f} MiB")
            base = res["bincount"]["seconds"]
            if "melt" in res:
                melt_per_form = res["melt"]["seconds"] / n
            melt = res["melt"]["seconds"] if "melt" in res else (melt_per_form or np.nan) * n
            for m, r in res.items():
                rows.append(
                    (n, m, r["seconds"], r["peak_mib"], r["seconds"] / base, melt / r["seconds"])
                )
            if args.annual and n <= MELT_MAX and n == max(x for x in sizes if x <= MELT_MAX):
                r = _run_probe("annual", folder, args)
                if r is not None:
                    print(
                        f"  annual chain on {n:,} forms (duckdb): {_fmt_t(r['seconds'])}, "
                        f"peak +{r['peak_mib']:.0f} MiB, {r['patterns']:,} patterns"
                    )
                    for k, v in r["steps"].items():
                        print(f"    {k:28s} {_fmt_t(v)}")
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print("\n| forms | method | time | peak extra memory | × np.bincount | melt ÷ method |")
    print("|---:|---|---:|---:|---:|---:|")
    for n, m, s, mib, rb, rm in rows:
        print(f"| {n:.0e} | {m} | {_fmt_t(s)} | {mib:.0f} MiB | {rb:.1f}× | {rm:.1f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
