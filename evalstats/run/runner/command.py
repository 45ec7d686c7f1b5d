"""``evalstats run``: the subcommand's parser and :func:`cmd_run`, which maps errors to exit codes.

Exit 0 done; 1 invalid data or an input changed during the run; 2 usage error, locked, or the
output not writable; 3 the notebook failed or wrote no tables.

Examples
--------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="evalstats").add_subparsers()
>>> args = add_run_parser(sub).parse_args(["annual", "--cycle", "2026A", "-p", "seed=7"])
>>> args.analysis, args.cycle, args.parameters
('annual', '2026A', ['seed=7'])
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from evalstats.core.errors import InputError, RunError
from evalstats.core.vocab import LANGS
from evalstats.run.publish import InputsChanged, OutputError, RunLocked
from evalstats.run.runner.errors import RunUsageError
from evalstats.run.runner.parameters import parse_parameters
from evalstats.run.runner.plan import ANALYSES
from evalstats.run.runner.run import run_analysis

__all__ = ["add_run_parser", "cmd_run", "shown_path"]


def add_run_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``run`` subcommand to ``evalstats``' subparsers; return its parser."""
    rp = subparsers.add_parser(
        "run",
        help="run the half-year or annual analysis of a cycle and publish its report",
        description="Execute notebooks/half_year.ipynb or annual.ipynb for a cycle with "
        "papermill, then publish <out>/<cycle>/<analysis>/ atomically: report.html, "
        "report_<cycle>_<analysis>.xlsx, tables/*.csv, figures/, summary.json, manifest.json "
        "and the executed notebook.  A report already there is kept as "
        "<analysis>.previous-<run time>.  Exit 0 done, 1 invalid data, 2 usage error, "
        "3 the notebook failed (the executed notebook is kept under <out>/_failed/).",
    )
    rp.add_argument("analysis", choices=ANALYSES, help="which analysis")
    rp.add_argument("--cycle", help="cycle id, e.g. 2026A (default: the --data cycle folder)")
    rp.add_argument(
        "--data",
        metavar="DIR",
        help="folder of cycle folders (default data/raw), or a cycle folder",
    )
    rp.add_argument("--scheme", metavar="FILE", help="a scheme TOML file (default: bundled)")
    rp.add_argument("--out", metavar="DIR", help="reports folder (default reports)")
    rp.add_argument("--lang", choices=LANGS, help="report language (default: the notebook's)")
    rp.add_argument(
        "-p",
        "--parameter",
        dest="parameters",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a notebook parameter (repeatable); names the notebook does not declare "
        "are refused",
    )
    rp.add_argument(
        "--backend",
        choices=("pandas", "auto", "duckdb", "dask"),
        default="pandas",
        help="how the cycle is validated and counted: pandas (in memory, default), duckdb "
        "(out of core), dask (a cluster: --scheduler), auto (by input size)",
    )
    rp.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786"
    )
    rp.add_argument(
        "--memory-limit", metavar="SIZE", help="DuckDB memory limit, e.g. 4GB (duckdb, dask)"
    )
    rp.add_argument("--notebook", metavar="FILE", help="run another notebook")
    rp.add_argument("--no-progress", action="store_true", help="no progress bar")
    return rp


def shown_path(path: Path) -> str:
    """``path`` as the user would type it: relative to the working folder when inside it."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def cmd_run(args) -> int:
    """The ``evalstats run`` command: run, print where the report is; return the exit code.

    Exit codes: 0 done, 1 invalid data (also: an input changed during the run), 2 usage error
    (also: locked, output not writable), 3 the notebook failed (or wrote no tables).
    """
    try:
        result = run_analysis(
            args.analysis,
            cycle=args.cycle,
            data=args.data,
            scheme=args.scheme,
            out=args.out,
            parameters=parse_parameters(args.parameters),
            notebook=args.notebook,
            progress=not args.no_progress,
            lang=args.lang,
            backend=getattr(args, "backend", "pandas"),
            scheduler=getattr(args, "scheduler", None),
            memory_limit=getattr(args, "memory_limit", None),
        )
    except InputError as exc:
        print(f"evalstats: {exc}", file=sys.stderr)
        print("invalid data: no report was written or changed.", file=sys.stderr)
        return 1
    except InputsChanged as exc:
        print(f"evalstats: {exc}", file=sys.stderr)
        return 1
    except (RunUsageError, RunLocked, OutputError, ImportError, ConnectionError) as exc:
        print(f"evalstats: {exc}", file=sys.stderr)
        return 2
    except RunError as exc:  # NotebookFailed, or a notebook that wrote no tables
        print(f"evalstats: {exc}", file=sys.stderr)
        return 3
    r = result
    names = ", ".join(p.name for p in r.tables)
    print(f"{r.cycle} {r.analysis} report published in {shown_path(r.report_dir)}/")
    print(f"  HTML:      {shown_path(r.html)}")
    print(f"  workbook:  {shown_path(r.workbook)}")
    print(f"  tables:    {shown_path(r.report_dir / 'tables')}/ ({names})")
    if r.figures:
        print(f"  figures:   {shown_path(r.report_dir / 'figures')}/ ({len(r.figures)} files)")
    print(f"  manifest:  {shown_path(r.manifest)}")
    if r.previous_dir is not None:
        print(f"previous report kept in {shown_path(r.previous_dir)}/")
    print(f"done in {r.seconds:.1f} s")
    return 0
