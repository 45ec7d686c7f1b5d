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
import functools
import logging
from pathlib import Path

from evalstats.core.errors import InputError, RunError
from evalstats.run.console import add_console_options, configure, error_text, pick, show_progress
from evalstats.run.publish import InputsChanged, OutputError, RunLocked
from evalstats.run.runner.errors import RunUsageError
from evalstats.run.runner.parameters import parse_parameters
from evalstats.run.runner.plan import ANALYSES
from evalstats.run.runner.run import RunResult, run_analysis
from evalstats.run.signing import signed_line

__all__ = ["add_cycle_inputs", "add_run_parser", "cmd_run", "shown_path", "summary_lines"]

log = logging.getLogger("evalstats.run")


def add_run_parser(subparsers, *, lang: str = "zh") -> argparse.ArgumentParser:
    """Add the ``run`` subcommand to ``evalstats``' subparsers; return its parser.

    ``lang`` is the language of the help texts.
    """
    t = functools.partial(pick, lang)
    rp = subparsers.add_parser(
        "run",
        help=t(
            "运行一期的半年或年度分析并发布报告",
            "run the half-year or annual analysis of a cycle and publish its report",
        ),
        description=t(
            "用 papermill 执行一期的 notebooks/half_year.ipynb 或 annual.ipynb，然后原子地发布 "
            "<out>/<期次>/<分析>/：report.html、report_<期次>_<分析>.xlsx、tables/*.csv、"
            "figures/、summary.json、manifest.json 和执行过的笔记本。原有的报告保留为 "
            "<分析>.previous-<运行时间>。运行日志追加到报告文件夹旁边的 "
            "<out>/<期次>/<分析>.log。退出码 0 完成，1 数据有错，2 用法错误，3 笔记本出错"
            "（执行过的笔记本保存在 <out>/_failed/）。",
            "Execute notebooks/half_year.ipynb or annual.ipynb for a cycle with "
            "papermill, then publish <out>/<cycle>/<analysis>/ atomically: report.html, "
            "report_<cycle>_<analysis>.xlsx, tables/*.csv, figures/, summary.json, manifest.json "
            "and the executed notebook.  A report already there is kept as "
            "<analysis>.previous-<run time>.  The run's log is appended to "
            "<out>/<cycle>/<analysis>.log, beside the report folder.  Exit 0 done, 1 invalid "
            "data, 2 usage error, 3 the notebook failed (the executed notebook is kept under "
            "<out>/_failed/).",
        ),
    )
    rp.add_argument("analysis", choices=ANALYSES, help=t("哪一种分析", "which analysis"))
    add_cycle_inputs(rp, t)
    rp.add_argument(
        "-p",
        "--parameter",
        dest="parameters",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=t(
            "设置一个笔记本参数（可重复）；笔记本没有声明的参数名会被拒绝",
            "set a notebook parameter (repeatable); names the notebook does not declare "
            "are refused",
        ),
    )
    _add_backend_options(rp, t)
    rp.add_argument(
        "--notebook", metavar="FILE", help=t("改用另一个笔记本", "run another notebook")
    )
    rp.add_argument("--no-progress", action="store_true", help=t("不显示进度条", "no progress bar"))
    add_console_options(
        rp,
        lang=lang,
        lang_help=t(
            "报告和界面的语言：zh 或 en（报告默认用笔记本自己的语言；环境变量 "
            "EVALSTATS_LANG 只改界面）",
            "language of the report and the console: zh or en (the report's default: the "
            "notebook's; EVALSTATS_LANG changes the console only)",
        ),
    )
    return rp


def add_cycle_inputs(parser, t) -> None:
    """Add ``--cycle``, ``--data``, ``--scheme`` and ``--out``: which cycle, from which data and
    scheme, into which reports folder (``run`` and ``letters`` take the same four).

    ``t`` picks the help text of the console's language (``functools.partial(pick, lang)``).

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_cycle_inputs(p, functools.partial(pick, "en"))
    >>> p.parse_args(["--cycle", "2026A", "--out", "r"]).out
    'r'
    """
    parser.add_argument(
        "--cycle",
        help=t(
            "期次编号，如 2026A（默认：--data 给出的期次文件夹）",
            "cycle id, e.g. 2026A (default: the --data cycle folder)",
        ),
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help=t(
            "存放各期文件夹的文件夹（默认 data/raw），或某一期的文件夹",
            "folder of cycle folders (default data/raw), or a cycle folder",
        ),
    )
    parser.add_argument(
        "--scheme",
        metavar="FILE",
        help=t("方案 TOML 文件（默认：内置方案）", "a scheme TOML file (default: bundled)"),
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help=t("报告文件夹（默认 reports）", "reports folder (default reports)"),
    )


def _add_backend_options(rp, t) -> None:
    """``--backend``, ``--scheduler`` and ``--memory-limit``."""
    rp.add_argument(
        "--backend",
        choices=("pandas", "auto", "duckdb", "dask"),
        default="pandas",
        help=t(
            "检查和计数的方式：pandas（在内存中，默认）、duckdb（外存）、dask（集群：--scheduler）、"
            "auto（按输入大小选择）",
            "how the cycle is validated and counted: pandas (in memory, default), duckdb "
            "(out of core), dask (a cluster: --scheduler), auto (by input size)",
        ),
    )
    rp.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=t(
            "Dask 调度器地址，如 tcp://10.0.0.5:8786", "Dask scheduler, e.g. tcp://10.0.0.5:8786"
        ),
    )
    rp.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help=t(
            "DuckDB 内存上限，如 4GB（duckdb、dask）",
            "DuckDB memory limit, e.g. 4GB (duckdb, dask)",
        ),
    )


def shown_path(path: Path) -> str:
    """``path`` as the user would type it: relative to the working folder when inside it."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def _fail(exc: BaseException, lang: str, *more: str) -> None:
    """Say an error on the console (``evalstats: …``), then ``more`` lines."""
    log.error(error_text(exc, lang))
    for line in more:
        log.error(line)


def cmd_run(args) -> int:
    """The ``evalstats run`` command: run, print where the report is; return the exit code.

    Exit codes: 0 done, 1 invalid data (also: an input changed during the run), 2 usage error
    (also: locked, output not writable), 3 the notebook failed (or wrote no tables).
    """
    lang = configure(args)
    try:
        result = run_analysis(
            args.analysis,
            cycle=args.cycle,
            data=args.data,
            scheme=args.scheme,
            out=args.out,
            parameters=parse_parameters(args.parameters),
            notebook=args.notebook,
            progress=show_progress(args),
            lang=getattr(args, "lang", None),
            backend=getattr(args, "backend", "pandas"),
            scheduler=getattr(args, "scheduler", None),
            memory_limit=getattr(args, "memory_limit", None),
        )
    except InputError as exc:
        no_report = pick(
            lang,
            "数据有错：没有写出或改动任何报告。",
            "invalid data: no report was written or changed.",
        )
        _fail(exc, lang, no_report)
        return 1
    except InputsChanged as exc:
        _fail(exc, lang)
        return 1
    except (RunUsageError, RunLocked, OutputError, ImportError, ConnectionError) as exc:
        _fail(exc, lang)
        return 2
    except RunError as exc:  # NotebookFailed, or a notebook that wrote no tables
        _fail(exc, lang)
        return 3
    for line in summary_lines(result, lang=lang):
        print(line)
    return 0


def summary_lines(r: RunResult, *, lang: str = "zh") -> list[str]:
    """What ``evalstats run`` prints when the report is published, in ``lang``.

    Examples
    --------
    >>> summary_lines(result, lang="zh")[0]  # doctest: +SKIP
    '2026A annual 报告已发布在 reports/2026A/annual/'
    """
    t = functools.partial(pick, lang)
    names = ", ".join(p.name for p in r.tables)
    lines = [
        t(
            f"{r.cycle} {r.analysis} 报告已发布在 {shown_path(r.report_dir)}/",
            f"{r.cycle} {r.analysis} report published in {shown_path(r.report_dir)}/",
        ),
        t(f"  网页报告：{shown_path(r.html)}", f"  HTML:      {shown_path(r.html)}"),
    ]
    brief = r.report_dir / "brief.html"
    if brief.is_file():  # the leaders' brief, when the notebook wrote one
        lines.append(t(f"  领导简报：{shown_path(brief)}", f"  brief:     {shown_path(brief)}"))
    lines += [
        t(f"  工作簿：  {shown_path(r.workbook)}", f"  workbook:  {shown_path(r.workbook)}"),
        t(
            f"  表格：    {shown_path(r.report_dir / 'tables')}/（{names}）",
            f"  tables:    {shown_path(r.report_dir / 'tables')}/ ({names})",
        ),
    ]
    if r.figures:
        figures = shown_path(r.report_dir / "figures")
        lines.append(
            t(
                f"  图：      {figures}/（{len(r.figures)} 个文件）",
                f"  figures:   {figures}/ ({len(r.figures)} files)",
            )
        )
    lines.append(
        t(f"  清单：    {shown_path(r.manifest)}", f"  manifest:  {shown_path(r.manifest)}")
    )
    signed = signed_line(r.manifest, shown_path, lang=lang)
    if signed is not None:
        lines.append(signed)
    if r.previous_dir is not None:
        lines.append(
            t(
                f"原有的报告保留在 {shown_path(r.previous_dir)}/",
                f"previous report kept in {shown_path(r.previous_dir)}/",
            )
        )
    lines.append(t(f"用时 {r.seconds:.1f} 秒", f"done in {r.seconds:.1f} s"))
    return lines
