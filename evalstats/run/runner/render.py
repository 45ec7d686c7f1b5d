"""Step 6 of a run: check the notebook's outputs, then write ``report.html`` and the workbook.

The notebook wrote ``tables/*.csv``, ``figures/`` and ``summary.json`` into the staging folder;
:func:`render_report` checks them (:func:`summary_neutralised`), renders the executed notebook as
``report.html`` and writes the workbook from the tables read back.  Both carry the report's
note on hostile text (:func:`safety_note`) and, like ``summary.json``, the tables' check code
(表格校验码, :func:`record_check_code`) that ``evalstats verify`` recomputes.

Examples
--------
>>> safety_note({"ranking": 2}, lang="en", page=False)[:44]
'2 text cell(s) of the tables (Ranking 2) beg'
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evalstats.core.errors import EvalstatsError, RunError
from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS
from evalstats.run.publish import MANIFEST_FILE, writing
from evalstats.run.runner.parameters import literal_default
from evalstats.run.runner.plan import NOTEBOOK_FILE, RunPlan
from evalstats.run.runner.tables import ordered_tables, read_table
from evalstats.run.signing import TABLES_DIGEST, tables_digest

__all__ = [
    "HTML_FILE",
    "PREWARM_MODULES",
    "SUMMARY_FILE",
    "SUMMARY_NEUTRALISED",
    "EarlyWorkbook",
    "Rendered",
    "outputs_key",
    "prewarm",
    "record_check_code",
    "render_report",
    "report_unit_names",
    "run_tier",
    "safety_note",
    "summary_neutralised",
    "write_run_workbook",
]

HTML_FILE = "report.html"
SUMMARY_FILE = "summary.json"
SUMMARY_NEUTRALISED = "neutralised_cells"
"""Key of ``summary.json`` (and ``manifest.json``): table name → text cells neutralised."""

_ANALYSIS_LABELS = {
    "half-year": ("半年测评", "half-year evaluation"),
    "annual": ("年度测评", "annual evaluation"),
}


@dataclass(frozen=True)
class Rendered:
    """What :func:`render_report` wrote in the staging folder.

    Attributes
    ----------
    tables : list of Path
        The notebook's ``tables/*.csv``, in the workbook's order.
    workbook : Path
        ``report_<cycle>_<analysis>.xlsx``.
    neutralised : dict of str to int, or None
        Text cells neutralised per table (``summary.json``'s ``neutralised_cells``); None when
        the notebook did not report them.
    """

    tables: list
    workbook: Path
    neutralised: dict | None


def prewarm() -> threading.Thread:
    """Import what rendering and the audit use, in a thread, while the kernel executes.

    The parent only waits for the kernel meanwhile; these imports (nbconvert, the report and
    workbook writers, openpyxl, the audit's solver: about a second) would otherwise come after
    the execution, on the run's critical path.  Importing has no other effect, so the outputs
    are the same whether or not the thread is done when rendering starts (Python's import locks
    make the two meet safely).

    Examples
    --------
    >>> prewarm().join()
    """

    def work() -> None:
        import importlib

        for name in PREWARM_MODULES:
            with contextlib.suppress(Exception):  # an import error shows where it is used
                importlib.import_module(name)

    thread = threading.Thread(target=work, name="evalstats-prewarm", daemon=True)
    thread.start()
    return thread


PREWARM_MODULES = (  # what render_report and audit_run import first
    "nbformat",
    "nbconvert",
    "bs4",
    "openpyxl",
    "evalstats.present.report",
    "evalstats.present.format",
    "evalstats.present.rules",
    "evalstats.run.audit",
)


def render_report(
    plan: RunPlan,
    staging: Path,
    *,
    timings: dict,
    note: Callable[[str], None],
    early: EarlyWorkbook | None = None,
) -> Rendered:
    """Step 6: check the notebook's outputs, then write report.html and the workbook.

    ``timings`` gets the seconds of each (``html``, ``workbook``); ``note(text)`` tells the
    user which is under way (the runner's progress lines).  ``early``: the workbook written
    beside the kernel (:class:`EarlyWorkbook`), used when it was made from exactly the
    outputs found now, else written again (``workbook_alongside``: its seconds, when used).

    Raises
    ------
    RunError
        The notebook wrote no tables, or a ``summary.json`` that is missing or malformed.
    OutputError
        The staging folder cannot be written.
    """
    from evalstats.present import report
    from evalstats.present.format import cycle_title

    tables = ordered_tables(sorted((staging / "tables").glob("*.csv")))
    if not tables:
        raise RunError(
            f"{plan.notebook.name} wrote no tables (expected tables/*.csv in output_dir)"
        )
    neutralised = summary_neutralised(plan, staging, [p.stem for p in tables])
    code = record_check_code(staging)
    tier = run_tier(plan)
    title = (
        f"{cycle_title(plan.cycle)}政风行风测评分析报告"
        if plan.lang == "zh"
        else f"Conduct evaluation report: {cycle_title(plan.cycle, 'en')}"
    )
    with writing(plan.out, plan.shown_out):
        t = time.perf_counter()
        note("rendering the HTML report")
        report.render_html(
            staging / NOTEBOOK_FILE,
            staging / HTML_FILE,
            title=title,
            lang=plan.lang,
            footer=safety_note(neutralised, lang=plan.lang),
            edition=tier if tier in ("internal", "public") else None,
            check_code=code,
        )
        timings["html"] = time.perf_counter() - t

        t = time.perf_counter()
        note("writing the workbook")
        workbook = staging / f"report_{plan.cycle}_{plan.analysis}.xlsx"
        made = None if early is None else early.take(staging)
        if made is not None:
            made.replace(workbook)
            timings["workbook_alongside"] = early.seconds
        else:
            write_run_workbook(plan, tables, workbook, code=code, neutralised=neutralised)
        timings["workbook"] = time.perf_counter() - t
    return Rendered(tables=tables, workbook=workbook, neutralised=neutralised)


def run_tier(plan: RunPlan) -> str:
    """The run's tier: its ``tier`` parameter, else the notebook's default, else internal."""
    return plan.params.get("tier", literal_default(plan.declared.get("tier"))) or "internal"


def write_run_workbook(
    plan: RunPlan, tables: Sequence[Path], path: Path, *, code: str, neutralised: dict | None
) -> None:
    """The run's workbook at ``path``: the tables read back, the notes with the check code
    ``code``, the safety note and the rules (:func:`evalstats.present.report.write_workbook`)."""
    from evalstats.present import report
    from evalstats.present.rules import rules_text

    report.write_workbook(
        {p.stem: read_table(p) for p in tables},
        path,
        scheme=plan.scheme,
        lang=plan.lang,
        notes=_workbook_notes(plan, code),
        safety_text=safety_note(neutralised, lang=plan.lang, page=False),
        rules=rules_text(plan.scheme, lang=plan.lang, kind=plan.analysis, edition=run_tier(plan)),
        unit_names=report_unit_names(plan),
    )


def outputs_key(staging: Path) -> str | None:
    """A digest of what the workbook is made from: the tables' check code
    (:func:`~evalstats.run.signing.tables_digest`: their names and bytes) and ``summary.json``
    (parsed, its ``tables_digest`` left out, since :func:`record_check_code` adds it); None
    without tables or when ``summary.json`` is not a JSON object."""
    import hashlib

    code = tables_digest(staging)
    try:
        summary = json.loads((staging / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if code is None or not isinstance(summary, dict):
        return None
    summary.pop(TABLES_DIGEST, None)
    text = json.dumps(summary, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{code}\0{text}".encode()).hexdigest()


class EarlyWorkbook:
    """The workbook, written beside the kernel as soon as the notebook has written its tables.

    The parent only waits while the kernel executes; the workbook (a second or more at 1M
    forms) is made from the tables and ``summary.json``, which the notebook writes early
    (``write_analysis``), so it can be written meanwhile, on the other core.
    :meth:`on_cell_executed` (nbclient's hook, called after each cell) starts a thread once
    ``summary.json`` and a table exist; :meth:`take` gives the workbook only if it was made
    from exactly the outputs found after the execution (:func:`outputs_key`, taken before and
    after writing it), so a notebook that changes its tables later gets a workbook written
    again.  The file lies in the staging folder under a dot name until taken or discarded.

    Examples
    --------
    >>> early = EarlyWorkbook(plan, staging)  # doctest: +SKIP
    >>> hook = early.on_cell_executed  # run_notebook(..., on_cell_executed=hook)  # doctest: +SKIP
    """

    def __init__(self, plan: RunPlan, staging: Path):
        self.plan, self.staging = plan, staging
        self.path = staging / ".workbook-alongside.xlsx"
        self.thread: threading.Thread | None = None
        self.key: str | None = None
        self.seconds: float | None = None

    def on_cell_executed(self, **_) -> None:
        """Start writing once ``summary.json`` and a table exist (nbclient's hook)."""
        if self.thread is not None or not (self.staging / SUMMARY_FILE).is_file():
            return
        if not any((self.staging / "tables").glob("*.csv")):
            return
        self.thread = threading.Thread(target=self._work, name="evalstats-workbook", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        t = time.perf_counter()
        try:
            tables = ordered_tables(sorted((self.staging / "tables").glob("*.csv")))
            code = tables_digest(self.staging)
            before = outputs_key(self.staging)
            neutralised = summary_neutralised(self.plan, self.staging, [p.stem for p in tables])
            write_run_workbook(self.plan, tables, self.path, code=code, neutralised=neutralised)
            if before is not None and outputs_key(self.staging) == before:
                self.key = before
        except Exception:
            self.key = None
        finally:
            self.seconds = time.perf_counter() - t

    def take(self, staging: Path) -> Path | None:
        """The workbook if it was made from the outputs now in ``staging`` (else None)."""
        if self.thread is None:
            return None
        self.thread.join()
        key = outputs_key(staging)
        if self.key is None or key != self.key or not self.path.is_file():
            return None
        return self.path

    def discard(self) -> None:
        """Wait for the thread and remove its file, if any (the run goes on without it)."""
        if self.thread is not None:
            self.thread.join()
        self.path.unlink(missing_ok=True)


def record_check_code(staging: Path) -> str:
    """The tables' check code (:func:`evalstats.run.signing.tables_digest`), written into
    ``summary.json`` as ``tables_digest`` before the HTML and the workbook show it.

    The notebook has written its tables and ``summary.json``; nothing changes the tables after
    this step, so the code the documents carry is the code of the published tables.
    """
    from evalstats.present.report import write_json

    code = tables_digest(staging)
    path = staging / SUMMARY_FILE
    summary = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(summary, dict):
        summary[TABLES_DIGEST] = code
        write_json(summary, path)
    return code


def report_unit_names(plan: RunPlan) -> dict[str, str]:
    """Unit code → the name the workbook of an English run shows: the units files' English
    names (``name_en``), else their Chinese names; ``{}`` for a Chinese run (the tables'
    own names) or when no units file can be read (the report's notebook has said why).

    The analysed cycle's units file wins over the half-year's (an annual run reads both).
    """
    if plan.lang == "zh":
        return {}
    from evalstats.inputs.read import find_cycle_files
    from evalstats.inputs.read import read_table as read_input
    from evalstats.inputs.validate import validate_units
    from evalstats.inputs.validate.problems import ProblemCollector
    from evalstats.present.names import unit_names

    names: dict[str, str] = {}
    for folder in reversed(plan.folders):
        try:
            file = find_cycle_files(folder).get("units")
            if file is None:
                continue
            raw = read_input(file, table="units", scheme=plan.scheme)
        except (OSError, EvalstatsError):
            continue
        units, *_ = validate_units(raw, plan.scheme, ProblemCollector())
        names |= unit_names(units, plan.lang)
    return names


def summary_neutralised(plan: RunPlan, staging: Path, names: Sequence[str]) -> dict | None:
    """``neutralised_cells`` of the notebook's ``summary.json``: table → cells, or None.

    The notebook's mapping as it is (nothing invented for a table it did not count), in the
    order of the tables.  A ``summary.json`` that is not JSON, or a mapping that is not table
    name → whole number ≥ 0, is a notebook error (:class:`RunError`, exit 3).

    Examples
    --------
    >>> # summary.json holds {"neutralised_cells": {"scores": 0, "ranking": 2}}
    >>> summary_neutralised(plan, staging, ["ranking", "scores"])  # doctest: +SKIP
    {'ranking': 2, 'scores': 0}
    """
    path = staging / SUMMARY_FILE
    if not path.is_file():
        raise RunError(f"{plan.notebook.name} wrote no {SUMMARY_FILE} in output_dir")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise RunError(
            f"{plan.notebook.name} wrote a {SUMMARY_FILE} that is not JSON: {exc}"
        ) from None
    counts = summary.get(SUMMARY_NEUTRALISED) if isinstance(summary, dict) else None
    if counts is None:
        return None
    if not isinstance(counts, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
        for k, v in counts.items()
    ):
        raise RunError(
            f"{plan.notebook.name} wrote {SUMMARY_FILE} with {SUMMARY_NEUTRALISED} = "
            f"{counts!r}; expected table name → number of cells (whole numbers ≥ 0)"
        )
    ordered = {n: counts[n] for n in names if n in counts}
    ordered.update({k: v for k, v in sorted(counts.items()) if k not in ordered})
    return ordered


def safety_note(
    neutralised: Mapping[str, int] | None, *, lang: str = "zh", page: bool = True
) -> str:
    """The report's note on hostile text: how many table cells were neutralised, and where.

    The HTML report prints it at its foot, the workbook on its first sheet.

    Parameters
    ----------
    neutralised : mapping of str to int, or None
        Table name → text cells neutralised when the table was written
        (:attr:`evalstats.present.report.TablesWritten.neutralised`); None when not reported.
    lang : {"zh", "en"}
    page : bool, default True
        Add the sentence on comments shown on the HTML page.

    Examples
    --------
    >>> safety_note({"rectification": 3, "scores": 0}, lang="en")[:65]
    'Safe exports: 3 text cell(s) of the tables (Rectification list 3)'
    """
    check_option("lang", lang, LANGS)
    zh = lang == "zh"
    shown = (
        "本页中的意见原样转义显示，不会执行。"
        if zh
        else " Comments on this page are shown as escaped text and never run."
    )
    if neutralised is None:
        text = (
            "安全处理：表格中的文本单元格以 = + - @（含全角 ＝＋－＠）、制表符或回车开头的，"
            "已在开头加单引号，控制字符已删除；分析笔记本没有报告处理的单元格数。"
            if zh
            else "Safe exports: text cells of the tables that began with = + - @ (or "
            "their full-width forms), a tab or a carriage return got a leading apostrophe and "
            "control characters were removed; the notebook did not report how many."
        )
        return text + shown if page else _unlabelled(text)
    total = sum(neutralised.values())
    from evalstats.present.labels import TABLE_LABELS

    i = 0 if zh else 1
    label = {name: TABLE_LABELS.get(name, (name, name))[i] for name in neutralised}
    parts = [f"{label[name]} {n}" for name, n in neutralised.items() if n]
    if zh:
        where = f"（{'，'.join(parts)}）" if parts else ""
        text = (
            f"安全处理：表格中共有 {total} 个文本单元格{where}以 = + - @（含全角 ＝＋－＠）、"
            "制表符或回车开头或含控制字符，已在表格文件（CSV）与 Excel 工作簿中加单引号或删除"
            "控制字符，不会被当作公式执行。"
        )
    else:
        where = f" ({', '.join(parts)})" if parts else ""
        text = (
            f"Safe exports: {total} text cell(s) of the tables{where} began with = + - @ (or "
            "their full-width forms), a tab or a carriage return, or held control characters: in "
            "tables/*.csv and the Excel workbook they got a leading apostrophe or lost the "
            "control characters, so no cell runs as a formula."
        )
    return text + shown if page else _unlabelled(text)


def _unlabelled(text: str) -> str:
    """The note without its lead-in, for the workbook row whose key already says 安全处理."""
    rest = text.removeprefix("安全处理：").removeprefix("Safe exports: ")
    return rest[:1].upper() + rest[1:]


def _workbook_notes(plan: RunPlan, code: str) -> dict[str, object]:
    """Rows of the workbook's first sheet.  No run time: the same inputs give the same bytes
    (the run time is in ``manifest.json``).  ``code`` is the tables' check code."""
    from evalstats.present.format import cycle_title
    from evalstats.present.report.html import CHECK_CODE_LABELS
    from evalstats.present.rules import scheme_title

    cycle, scheme, seed, lang = plan.cycle, plan.scheme, plan.seed, plan.lang
    zh, en = _ANALYSIS_LABELS[plan.analysis]
    if lang == "zh":
        # a Chinese document names no file, path, command or code (the English edition does)
        notes = {
            "测评周期": cycle_title(cycle),
            "分析": zh,
            "评议方案": scheme_title(scheme),
        }
        if seed is not None:
            notes["随机种子"] = seed
        notes["清单"] = (
            "运行时间及各输入、输出文件的校验值记在报告文件夹的清单文件中，"
            "用本软件的核对功能可查出文件有无改动"
        )
        notes[CHECK_CODE_LABELS[0]] = (
            f"{code}（全部数据表的摘要；核对时按数据表重算，数据表被改动则与此不符）"
        )
        return notes
    notes = {
        "Cycle": f"{cycle_title(cycle, 'en')} ({cycle})",
        "Analysis": en,
        "Scheme": scheme_title(scheme, lang="en"),
    }
    if seed is not None:
        notes["Random seed"] = seed
    notes["Manifest"] = (
        f"run time and sha256 of the input and output files: {MANIFEST_FILE} in this folder; "
        "check them with evalstats verify"
    )
    notes[CHECK_CODE_LABELS[1]] = (
        f"{code} (a digest of the tables, tables/*.csv; evalstats verify recomputes it, and an "
        "edited table no longer matches)"
    )
    return notes
