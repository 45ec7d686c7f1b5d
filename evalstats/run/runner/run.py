"""The cycle run: :func:`run_analysis` — steps 1 to 8, each a call to the module that owns it.

The steps (:mod:`evalstats.run.runner` tells them in full): 1 :mod:`~evalstats.run.runner.plan`,
2 :mod:`~evalstats.run.runner.checking` (in a thread; the signing key of
:mod:`evalstats.run.signing` is read before it), 3–4 the lock and staging of
:mod:`evalstats.run.publish`, 5 :mod:`~evalstats.run.runner.execute`,
6 :mod:`~evalstats.run.runner.render`, 7 :mod:`~evalstats.run.runner.manifest`, 8 the
publication (:func:`evalstats.run.publish.publish_staged`).

Examples
--------
>>> from evalstats.run.runner import run_analysis
>>> r = run_analysis("annual", cycle="2026A", progress=False)  # doctest: +SKIP
>>> r.report_dir, r.html.name, r.workbook.name  # doctest: +SKIP
(PosixPath('.../reports/2026A/annual'), 'report.html', 'report_2026A_annual.xlsx')
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from evalstats.core.config import project_root
from evalstats.core.files import relative
from evalstats.core.version import __version__
from evalstats.run.console import STEP, current_lang, run_log, say
from evalstats.run.publish import (
    MANIFEST_FILE,
    FileLock,
    InputsChanged,
    acquire_lock,
    changed_inputs,
    discard_staging,
    local_now,
    new_run_id,
    new_staging,
    pause,
    publish_staged,
)
from evalstats.run.runner.checking import Checking
from evalstats.run.runner.execute import run_notebook, start_kernel
from evalstats.run.runner.manifest import write_run_manifest
from evalstats.run.runner.plan import NOTEBOOK_FILE, RunPlan, make_plan, require_key, with_backend
from evalstats.run.runner.render import (
    HTML_FILE,
    EarlyWorkbook,
    Rendered,
    prewarm,
    render_report,
)
from evalstats.run.runner.timings import slowest_cells, timing_lines
from evalstats.run.signing import load_signing_key

__all__ = ["RunResult", "log_path", "run_analysis"]

log = logging.getLogger("evalstats.run")


@dataclass(frozen=True)
class RunResult:
    """What a run published.

    Attributes
    ----------
    analysis, cycle : str
    report_dir : Path
        The published report, ``<out>/<cycle>/<analysis>/``.
    previous_dir : Path or None
        Where the report it replaced was moved, or None.
    html, workbook, manifest : Path
    tables, figures : list of Path
    seconds : float
        Wall time of the whole run.
    """

    analysis: str
    cycle: str
    report_dir: Path
    previous_dir: Path | None
    html: Path
    workbook: Path
    tables: list
    figures: list
    manifest: Path
    seconds: float

    def to_frame(self):
        """One row per published file: ``kind, path``."""
        import pandas as pd

        rows = [("html", self.html), ("workbook", self.workbook), ("manifest", self.manifest)]
        rows += [("table", p) for p in self.tables] + [("figure", p) for p in self.figures]
        return pd.DataFrame(rows, columns=["kind", "path"])


def run_analysis(
    analysis: str,
    *,
    cycle: str | None,
    data: str | Path | None = None,
    scheme: str | Path | None = None,
    out: str | Path | None = None,
    parameters: Mapping[str, object] | None = None,
    notebook: str | Path | None = None,
    progress: bool = True,
    lang: str | None = None,
    backend: str = "pandas",
    scheduler: str | None = None,
    memory_limit: str | None = None,
) -> RunResult:
    """Run the half-year or annual analysis of a cycle and publish its report atomically.

    Parameters
    ----------
    analysis : {"half-year", "annual"}
    cycle : str
        Cycle id, e.g. ``"2026A"`` (None when ``data`` is a cycle folder: its name).
    data : str or Path, optional
        The folder of cycle folders (default ``data/raw`` under the project root), or a cycle
        folder itself.
    scheme : str or Path, optional
        A scheme TOML file (default: the bundled scheme); passed to the notebook as a path.
    out : str or Path, optional
        Where reports go (default ``reports`` under the project root).
    parameters : mapping, optional
        Other notebook parameters.  Text values are converted to the declared type
        (``"7"`` → 7 for an ``int``); names the notebook does not declare are refused.
    notebook : str or Path, optional
        Another notebook (default ``notebooks/half_year.ipynb`` / ``annual.ipynb``).
    progress : bool, default True
        Show papermill's progress bar on stderr.  The runner's steps are logged (logger
        ``evalstats.run``): to the console of ``evalstats run``, and always appended to the
        run's log ``<out>/<cycle>/<analysis>.log`` (:func:`log_path`), beside the report
        folder, each line starting with the run id (the manifest's ``run_id``) and the time.
    lang : {"zh", "en"}, optional
        Report language, passed as the notebook's ``language`` (default: the notebook's own).
    backend : {"pandas", "auto", "duckdb", "dask"}, default "pandas"
        How the cycle is validated and counted (:mod:`evalstats.counts.backends`).  ``"auto"``
        picks by
        the size of the responses file (``dask`` when ``scheduler`` is given).  The runner
        validates with this backend before the kernel starts, writes the backend chosen in
        ``manifest.json`` (``backend``), and passes it to the notebook as ``backend`` (and
        ``scheduler``, ``memory_limit``) only if the notebook declares those parameters.
    scheduler : str, optional
        Dask scheduler address (``tcp://host:8786``), for ``backend="dask"``.
    memory_limit : str, optional
        DuckDB's memory limit (``"4GB"``) for the out-of-core validation and counts.

    Returns
    -------
    RunResult

    Raises
    ------
    RunUsageError
        Bad cycle, missing cycle folder, undeclared or mistyped parameter (exit 2).
    InputError
        The data are invalid; raised before any kernel starts, nothing written (exit 1).
    SchemeError
        The scheme file is invalid (exit 2).
    RunLocked
        Another run of the same cycle and analysis is in progress (exit 2).
    OutputError
        The output location cannot be written (exit 2).
    NotebookFailed
        A cell raised (exit 3).
    InputsChanged
        An input file changed during the run; nothing published (exit 1).
    """
    t_start = time.perf_counter()
    started = local_now()
    # the kernel starts and imports while the run is planned (stopped if the run stops first)
    kernel = start_kernel(project_root())
    try:
        plan = make_plan(
            analysis,
            cycle,
            data=data,
            scheme=scheme,
            out=out,
            parameters=parameters,
            notebook=notebook,
            lang=lang,
        )
        plan = with_backend(plan, backend=backend, scheduler=scheduler, memory_limit=memory_limit)
        return _planned(plan, kernel, progress=progress, t_start=t_start, started=started)
    finally:
        if kernel is not None:
            kernel.stop()


def _planned(plan: RunPlan, kernel, *, progress: bool, t_start: float, started) -> RunResult:
    """Steps 2 to 8 of a planned run (:func:`run_analysis`), logged in the run's log."""
    run_id = new_run_id()
    with run_log(log_path(plan.out, plan.cycle, plan.analysis), run_id):
        log.info(
            say(
                f"运行 {run_id}：{plan.cycle} {plan.analysis}（evalstats {__version__}）",
                f"run {run_id}: {plan.cycle} {plan.analysis} (evalstats {__version__})",
            ),
            extra=STEP,
        )
        log.debug("plan: notebook %s, data %s, out %s", plan.notebook, plan.data_dir, plan.out)
        rendered, previous = _run(
            plan, run_id, progress=progress, t_start=t_start, started=started, kernel=kernel
        )
        result = _result(plan, rendered, previous, t_start)
        log.info(
            say(
                f"已发布 {plan.target}（用时 {result.seconds:.1f} 秒）",
                f"published {plan.target} in {result.seconds:.1f} s",
            ),
            extra=STEP,
        )
    return result


def log_path(out: Path, cycle: str, analysis: str) -> Path:
    """The log of a cycle's runs of ``analysis``: ``<out>/<cycle>/<analysis>.log``, beside the
    report folder (not inside it: ``evalstats verify`` hashes the report folder).

    Examples
    --------
    >>> log_path(Path("reports"), "2026A", "annual").as_posix()
    'reports/2026A/annual.log'
    """
    return Path(out) / cycle / f"{analysis}.log"


def _run(plan: RunPlan, run_id: str, *, progress: bool, t_start: float, started, kernel=None):
    """Steps 2 to 8 under the lock; returns what was rendered and the replaced report."""
    log.info(
        say(
            f"检查 {'、'.join(plan.cycles)}（{plan.data_dir}）",
            f"validating {', '.join(plan.cycles)} in {plan.data_dir}",
        ),
        extra=STEP,
    )
    require_key(plan)
    key = load_signing_key(data_folders=[plan.data_dir])
    # Step 2 runs in a thread while the kernel starts and works (the second core): invalid
    # data still ends the run with exit 1 and nothing published, whatever the kernel did.
    checking = Checking(plan)
    lock = _lock(plan, started, checking)
    try:
        pause("locked")
        staging, token = new_staging(
            plan.out, plan.cycle, plan.analysis, shown_out=plan.shown_out, token=run_id
        )
        try:
            pause("staged")
            return _stage_and_publish(
                plan,
                staging,
                token,
                checking=checking,
                progress=progress,
                t_start=t_start,
                started=started,
                key=key,
                kernel=kernel,
            )
        except BaseException as exc:
            discard_staging(plan.out, staging, plan.cycle, plan.analysis, token)
            checking.raise_if_failed(exc)  # invalid data outranks what failed meanwhile
            raise
    finally:
        lock.release()


_NOTES_ZH = {
    "rendering the HTML report": "生成网页报告",
    "writing the workbook": "写工作簿",
}


def _note(text: str) -> None:
    """A step of the rendering (:func:`render_report`'s ``note``), in the console's language."""
    log.info(say(_NOTES_ZH.get(text, text), text), extra=STEP)


def _lock(plan: RunPlan, started, checking: Checking) -> FileLock:
    """Step 3: the (cycle, analysis) lock (:func:`evalstats.run.publish.acquire_lock`).

    A run refused the lock still reports invalid data first (exit 1).
    """
    try:
        return acquire_lock(
            plan.out,
            plan.cycle,
            plan.analysis,
            what=f"run of {plan.cycle} {plan.analysis}",
            shown_out=plan.shown_out,
            started=started,
        )
    except BaseException as exc:
        checking.raise_if_failed(exc)
        raise


def _stage_and_publish(
    plan: RunPlan,
    staging: Path,
    token: str,
    *,
    checking: Checking,
    progress: bool,
    t_start: float,
    started,
    key=None,
    kernel=None,
) -> tuple[Rendered, Path | None]:
    """Steps 5–8 in the staging folder: execute, render, manifest, publish.

    ``t_start`` is the run's ``perf_counter`` start, ``started`` its local start time,
    ``key`` the signing key (:mod:`evalstats.run.signing`) or None, ``kernel`` the
    :class:`~evalstats.run.runner.execute.EarlyKernel` to execute the notebook in, or None.
    Returns what was rendered and where the replaced report went (or None).
    """
    timings: dict[str, float] = {}
    t = time.perf_counter()
    nb = plan.notebook_recorded
    log.info(say(f"执行 {nb}（{plan.cycle}）", f"executing {nb} for {plan.cycle}"), extra=STEP)
    params = {**plan.params, "output_dir": relative(staging, plan.root)}
    prewarm()  # rendering's imports while the kernel works
    early = EarlyWorkbook(plan, staging)  # and the workbook, once the tables are written
    try:
        run_notebook(
            plan,
            staging / NOTEBOOK_FILE,
            params,
            progress=progress,
            started=started,
            before_failing=checking.raise_if_failed,
            on_cell_executed=early.on_cell_executed,
            kernel=kernel,
        )
        timings["execute"] = time.perf_counter() - t
        before = checking.result()
        timings["validate"] = checking.seconds
        pause("executed")
        rendered = render_report(plan, staging, timings=timings, note=_note, early=early)
    finally:
        early.discard()
    pause("rendered")
    changed = changed_inputs(before, list(before))
    if changed:
        raise InputsChanged(
            "input files changed during the run, the report was not published: "
            + ", ".join(changed),
            zh="运行期间输入文件有改动，报告没有发布：" + "、".join(changed),
        )
    from evalstats.run.audit import audit_run  # pandas and the solver: only when publishing

    t = time.perf_counter()
    audit_run(plan, staging)  # issue 15: a public report passes the integer audit, or no report
    timings["audit"] = time.perf_counter() - t
    timings["total_before_publish"] = time.perf_counter() - t_start
    write_run_manifest(
        plan,
        staging,
        token=token,
        params=params,
        before=before,
        started=started,
        timings=timings,
        neutralised=rendered.neutralised,
        identifiers=checking.identifiers,
        key=key,
    )
    pause("manifest")

    log.info(say(f"发布 {plan.target}", f"publishing {plan.target}"), extra=STEP)
    t = time.perf_counter()
    previous = publish_staged(staging, plan.target, out=plan.out, shown_out=plan.shown_out)
    timings["publish"] = time.perf_counter() - t
    cells = slowest_cells(plan.target / NOTEBOOK_FILE)
    for line in timing_lines(timings, cells, lang=current_lang()):
        log.debug(line)  # shown with --verbose, always in the run's log
    return rendered, previous


def _result(plan: RunPlan, rendered: Rendered, previous: Path | None, t_start: float) -> RunResult:
    """The published files, at their place in the report folder."""
    target = plan.target
    return RunResult(
        analysis=plan.analysis,
        cycle=plan.cycle,
        report_dir=target,
        previous_dir=previous,
        html=target / HTML_FILE,
        workbook=target / rendered.workbook.name,
        tables=[target / "tables" / p.name for p in rendered.tables],
        figures=sorted(
            p
            for p in (target / "figures").glob("*")
            if p.suffix.lower() in (".png", ".svg", ".pdf", ".csv")
        ),
        manifest=target / MANIFEST_FILE,
        seconds=time.perf_counter() - t_start,
    )
