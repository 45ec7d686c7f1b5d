"""The cycle run: execute an analysis notebook with papermill and publish its report atomically.

``evalstats run half-year|annual --cycle C`` calls :func:`run_analysis`, which reads as a list
of named steps, each in the module of this package that owns it:

1. **check** the arguments and the notebook's declared parameters (papermill's
   ``inspect_notebook``); a parameter the notebook does not declare, or a value of the wrong
   type, is refused (:class:`RunUsageError`) — papermill itself would only warn
   (:mod:`.plan`, :mod:`.parameters`, :mod:`.folders`);
2. **hash** every input file (sha256) and **validate** the cycle(s) with
   :func:`evalstats.inputs.validate.validate_cycle` — for the annual analysis also the half-year
   cycle
   (parameter ``half_year_cycle``, derived ``2026A`` → ``2026H1``).  This runs in a thread
   (:class:`~.checking.Checking`) beside steps 3–5, on the second core while the kernel starts and
   reads.  Invalid data raise :class:`~evalstats.core.errors.InputError` whatever the notebook did
   meanwhile: its staging folder is removed, no failed notebook is kept, no report is written
   or changed;
3. **lock** the (cycle, analysis) pair (``<out>/.locks/<cycle>-<analysis>.lock``): a second run
   of the same pair is refused (:class:`RunLocked`); other cycles run at the same time;
4. **clean** staging left by killed runs (``<out>/.staging/``);
5. **execute** the notebook with papermill in a staging folder
   ``<out>/.staging/<cycle>-<analysis>-<token>/``; the notebook writes ``tables/*.csv``,
   ``figures/`` and ``summary.json`` there itself.  A failing cell raises
   :class:`NotebookFailed`; the executed notebook is kept under ``<out>/_failed/``
   (:mod:`.execute`);
6. **render** ``report.html`` (:func:`evalstats.present.report.render_html`) and the workbook
   ``report_<cycle>_<analysis>.xlsx`` (:func:`evalstats.present.report.write_workbook`, from the
   tables read back; :mod:`.render`, :mod:`.tables`);
7. **hash** the inputs again (they must not have changed: :class:`InputsChanged`), write
   ``manifest.json`` (inputs, scheme, notebook, parameters, seed, package versions, timings,
   the cells neutralised per table — ``neutralised_cells``, from the notebook's
   ``summary.json`` — and every output with its sha256); ``evalstats verify`` checks a
   report against it (:mod:`evalstats.run.verify`; :mod:`.manifest`);
8. **publish**: the staging folder becomes ``<out>/<cycle>/<analysis>/``; a report already
   there is kept as ``<analysis>.previous-<its run time>``.

Publishing, locks and the test hook
-----------------------------------
Steps 3, 4, 7 and 8 are :mod:`evalstats.run.publish`'s, shared with ``evalstats letters``: the
(cycle, analysis) lock, staging, the manifest, the publication without a window (Linux
``renameat2(RENAME_EXCHANGE)``), recovery of what killed runs left, and the test hook
``EVALSTATS_TEST_PAUSE=<step>[:<seconds or file>]`` (steps :data:`PAUSE_STEPS`); its module
notes tell how.

Modules
-------
``errors`` the runner's errors · ``parameters`` the notebook's parameters · ``folders``
where a cycle's data are · ``plan`` step 1 · ``checking`` step 2 · ``execute`` step 5 and
the kernel · ``tables`` tables read back · ``render`` step 6 · ``manifest`` step 7 ·
``run`` :func:`run_analysis`, the steps in order · ``command`` ``evalstats run``.
This package re-exports their public names.

Examples
--------
>>> from evalstats.run.runner import run_analysis
>>> r = run_analysis("annual", cycle="2026A", progress=False)  # doctest: +SKIP
>>> r.report_dir, r.html.name, r.workbook.name  # doctest: +SKIP
(PosixPath('.../reports/2026A/annual'), 'report.html', 'report_2026A_annual.xlsx')
"""

from evalstats.run.publish import (
    MANIFEST_FILE,
    PAUSE_STEPS,
    TEST_PAUSE_ENV,
    InputsChanged,
    OutputError,
    RunLocked,
    clean_staging,
)
from evalstats.run.runner.command import add_run_parser, cmd_run, shown_path, summary_lines
from evalstats.run.runner.errors import NotebookFailed, RunUsageError
from evalstats.run.runner.execute import KERNEL_NAME, kernel_manager_class
from evalstats.run.runner.folders import Notebook, cycle_folder, find_notebook, resolve_data
from evalstats.run.runner.parameters import (
    HALF_YEAR_PARAMETER,
    RUNNER_PARAMETERS,
    check_parameters,
    derive_half_year_cycle,
    notebook_parameters,
    parse_parameters,
)
from evalstats.run.runner.plan import ANALYSES, NOTEBOOK_FILE, NOTEBOOKS
from evalstats.run.runner.render import HTML_FILE, SUMMARY_FILE, SUMMARY_NEUTRALISED, safety_note
from evalstats.run.runner.run import RunResult, log_path, run_analysis
from evalstats.run.runner.tables import TABLE_ORDER, read_table

# with names re-exported from evalstats.run.publish, where they live (the runner's errors,
# the test hook's variable and steps, clean_staging)
__all__ = [
    "ANALYSES",
    "HALF_YEAR_PARAMETER",
    "HTML_FILE",
    "KERNEL_NAME",
    "MANIFEST_FILE",
    "NOTEBOOKS",
    "NOTEBOOK_FILE",
    "PAUSE_STEPS",
    "RUNNER_PARAMETERS",
    "SUMMARY_FILE",
    "SUMMARY_NEUTRALISED",
    "TABLE_ORDER",
    "TEST_PAUSE_ENV",
    "InputsChanged",
    "Notebook",
    "NotebookFailed",
    "OutputError",
    "RunLocked",
    "RunResult",
    "RunUsageError",
    "add_run_parser",
    "check_parameters",
    "clean_staging",
    "cmd_run",
    "cycle_folder",
    "derive_half_year_cycle",
    "find_notebook",
    "kernel_manager_class",
    "log_path",
    "notebook_parameters",
    "parse_parameters",
    "read_table",
    "resolve_data",
    "run_analysis",
    "safety_note",
    "shown_path",
    "summary_lines",
]
