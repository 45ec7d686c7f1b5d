"""The letters batch: ``evalstats letters`` — one feedback letter (反馈函) per unit, published.

:func:`write_letters` (``evalstats letters --cycle C [--units U1,U2,…] [--data DIR] [--out DIR]
[--lang zh|en] [--tier internal|public] [--date YYYY-MM-DD] [--jobs N]``) executes the profile
notebook once per unit and publishes ``<out>/<cycle>/letters/``: ``<name>.html`` and
``<name>.docx`` named by the unit's name (``综治办.docx``; safe on Windows and distinct per unit:
:func:`evalstats.core.files.unit_file_stems`), ``index.html`` linking them, ``letters.csv``
(one row per unit, with its code), ``notebooks/<code>.ipynb`` (the executed notebooks),
``figures/<code>/`` (each figure's PNG and the rows it was drawn from) and ``manifest.json``.
It publishes as the cycle runner does (:mod:`evalstats.run.publish`): inputs hashed and
validated before any kernel starts (invalid data: exit 1, nothing written), the ``(cycle,
"letters")`` lock, a staging folder under ``<out>/.staging/``, and the atomic publication that
keeps the previous letters as ``letters.previous-<run time>``.

Speed: kernel start-up and imports, and scoring the cycle with its bootstrap ranking, are the
costs.  The batch starts ``--jobs`` kernels (default: the machine's cores, at most the number of
units) and keeps them for all units: each unit is the papermill-parameterised notebook executed
by nbclient in a long-lived kernel, after a ``%reset -f`` cell that empties the namespace; while
the kernel runs the next unit, the batch writes the last one's letter out (HTML, files).  The
cycle is analysed once per batch: while the kernels start and import the package, the batch
runs :func:`evalstats.analyses.profile.load_analysis` and keeps the result in a file under the
staging folder, keyed by the inputs' content and the options, which the kernels' own
``load_analysis`` reads (``EVALSTATS_ANALYSIS_CACHE``) — the same numbers, computed once.
One unit failing does not stop the others: its executed notebook is kept under
``<out>/_failed/``, the summary and the index list it with the error, and the exit code is 3.
A unit whose kernel died is retried never; the kernel is restarted for the next unit.

The words, tables and Word document of one letter are :mod:`evalstats.present.letters`.

Examples
--------
>>> from evalstats.run.letters import write_letters
>>> r = write_letters("2026A", units=["finance_office"], progress=False)  # doctest: +SKIP
>>> r.letters[0].html.name, r.failed  # doctest: +SKIP
('finance_office.html', {})
"""

from __future__ import annotations

import asyncio
import copy
import functools
import html
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evalstats.core.errors import InputError, RunError, UsageError
from evalstats.core.files import (
    atomic_write_bytes,
    check_output_folder,
    file_stem,
    relative,
    sha256_file,
    unit_file_stems,
)
from evalstats.core.options import check_option
from evalstats.core.version import __version__
from evalstats.core.vocab import LANGS, TIERS
from evalstats.present.letters import cycle_words
from evalstats.run import publish
from evalstats.run import runner as _run
from evalstats.run.audit import audit_before_publish
from evalstats.run.console import (
    STEP,
    configure,
    error_text,
    pick,
    run_log,
    say,
    show_progress,
)
from evalstats.run.runner.execute import KERNEL_READY_TIMEOUT, LongLivedKernel
from evalstats.run.signing import load_signing_key, signed_line

__all__ = [
    "BATCH_PARAMETERS",
    "CELL_TIMEOUT",
    "DOCX_FILE",
    "KERNEL_READY_TIMEOUT",
    "KIND",
    "NOTEBOOK",
    "ROW_FILE",
    "TABLE_FILE",
    "Letter",
    "LettersResult",
    "cmd_letters",
    "file_stem",
    "letters_table_bytes",
    "write_letters",
]

NOTEBOOK = "unit_profile.ipynb"
"""The profile notebook's file name (:func:`evalstats.run.runner.find_notebook` finds it)."""
DOCX_FILE = "letter.docx"
"""The Word letter the profile notebook writes into its ``output_dir``."""
ROW_FILE = "letter.csv"
"""The figures a letter states (one row), written by the profile notebook beside its Word letter."""
TABLE_FILE = "letters.csv"
"""Every letter's row, gathered by the batch: ``letters/letters.csv``."""
KIND = "letters"
log = logging.getLogger("evalstats.run.letters")
CELL_TIMEOUT = 600
BATCH_PARAMETERS = {"unit": "--units", "tier": "--tier", "letter_date": "--date"}
"""Notebook parameters the batch sets itself (besides the runner's)."""


# ====================================================================== the batch
@dataclass(frozen=True)
class Letter:
    """One unit's published letter."""

    unit: str
    unit_name: str
    html: Path
    docx: Path
    notebook: Path
    seconds: float


@dataclass(frozen=True)
class LettersResult:
    """What :func:`write_letters` published.

    Attributes
    ----------
    cycle : str
    folder : Path
        ``<out>/<cycle>/letters/``.
    previous_dir : Path or None
        Where the letters it replaced were moved.
    letters : list of Letter
    failed : dict of str -> str
        Unit → why its letter failed (``"ValueError: …"``).
    index, manifest : Path
    seconds : float
    """

    cycle: str
    folder: Path
    previous_dir: Path | None
    letters: list
    failed: dict
    index: Path
    manifest: Path
    seconds: float

    def to_frame(self) -> pd.DataFrame:
        """One row per unit: ``unit, status, html, docx, error``."""
        rows = [(x.unit, "ok", str(x.html), str(x.docx), "") for x in self.letters]
        rows += [(u, "failed", "", "", e) for u, e in self.failed.items()]
        return pd.DataFrame(rows, columns=["unit", "status", "html", "docx", "error"])


@dataclass
class _Outcome:
    unit: str
    ok: bool
    error: str = ""
    seconds: float = 0.0
    dead: bool = False
    kept: Path | None = None
    row: bytes = b""


@dataclass(frozen=True)
class _Batch:
    cycle: str
    root: Path
    data_dir: Path
    folders: tuple
    notebook: Path
    params: dict
    scheme: object
    scheme_file: Path | None
    out: Path
    shown_out: str
    lang: str
    tier: str
    units: tuple
    names: dict = field(default_factory=dict)  # unit → its (Chinese) name: files, letters.csv
    shown: dict = field(default_factory=dict)  # unit → its name in ``lang``: titles, index
    stems: dict = field(default_factory=dict)
    jobs: int = 1
    notebook_source: str = "file"


def _check_units(units) -> tuple[str, ...] | None:
    if units is None:
        return None
    if isinstance(units, str):
        units = units.split(",")
    if not isinstance(units, Iterable):
        raise TypeError(f"units must be a list of unit codes; got {units!r}")
    out = [str(u).strip() for u in units if str(u).strip()]
    if not out:
        raise UsageError("--units lists no unit")
    dup = sorted({u for u in out if out.count(u) > 1})
    if dup:
        raise UsageError(f"--units lists {', '.join(dup)} more than once")
    stems = [file_stem(u) for u in out]
    if len(set(s.casefold() for s in stems)) != len(stems):
        raise UsageError("--units holds codes that differ only in case; their files would clash")
    return tuple(out)


def _plan(
    cycle, *, units, data, scheme, out, lang, tier, date, jobs, parameters, notebook
) -> _Batch:
    from evalstats.analyses.profile import resolve_previous_cycle
    from evalstats.core.config import PROJECT_SCHEME, project_root, resolve_path
    from evalstats.core.scheme import load_scheme, project_scheme_path

    lang = check_option("lang", lang, LANGS)
    tier = check_option("tier", tier, TIERS)
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"jobs must be a whole number >= 1; got {jobs!r}")
    if parameters is not None and not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a mapping; got {type(parameters).__name__}")
    root = project_root()
    data_dir, cycle = _run.resolve_data(data, cycle, root=root)
    found = _run.find_notebook("profile", notebook=notebook, root=root)
    nb = found.path
    declared = _run.notebook_parameters(nb)
    needed = [*_run.RUNNER_PARAMETERS, *BATCH_PARAMETERS]
    missing = [n for n in needed if n not in declared]
    if missing:
        raise UsageError(
            f"{nb.name} does not declare the parameter(s) the batch sets: " + ", ".join(missing)
        )
    user = dict(parameters or {})
    mine = [n for n in user if n in BATCH_PARAMETERS]
    if mine:
        n = mine[0]
        raise UsageError(f"parameter {n!r} is set by the batch; use {BATCH_PARAMETERS[n]}")
    params = _run.check_parameters(user, declared, nb)
    if scheme is None and project_scheme_path(root) is not None:
        scheme = PROJECT_SCHEME  # the project's own scheme, hashed as an input like --scheme
    scheme_obj = load_scheme(scheme)
    scheme_file = resolve_path(scheme, root=root) if scheme is not None else None
    folder = _run.cycle_folder(data_dir, cycle)
    prev = resolve_previous_cycle(str(params.get("previous_cycle", "") or ""), cycle, folder)
    folders = (folder, data_dir / prev) if prev else (folder,)
    params.update(
        cycle=cycle,
        data_dir=relative(data_dir, root),
        scheme=relative(scheme_file, root) if scheme_file else "",
        language=lang,
        tier=tier,
        letter_date=_check_date(date, scheme_obj),
    )
    out_dir = resolve_path(out, root=root) if out is not None else root / "reports"
    shown_out = str(out) if out is not None else "reports"
    check_output_folder(out_dir, shown=shown_out, data_dir=data_dir, cycle_folders=folders)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return _Batch(
        cycle=cycle,
        root=root,
        data_dir=data_dir,
        folders=folders,
        notebook=nb,
        params=params,
        scheme=scheme_obj,
        scheme_file=scheme_file,
        out=out_dir,
        shown_out=shown_out,
        lang=lang,
        tier=tier,
        units=_check_units(units) or (),
        jobs=jobs or max(1, cpus or 1),
        notebook_source=found.source,
    )


def _check_date(date, scheme) -> str:
    """The letters' date as ``YYYY-MM-DD``: ``--date``, else the scheme's, else today — fixed
    once for the whole batch, so every letter of a run bears the same date."""
    from evalstats.present.format import document_date

    try:
        return document_date(date, settings=scheme.letters).isoformat()
    except (TypeError, ValueError):
        raise UsageError(f"--date must be a date YYYY-MM-DD; got {date!r}") from None


def _validate(batch: _Batch):
    """Hash the inputs and validate the cycle(s) before any kernel starts; the inputs' hashes,
    the units' names and their names in the batch's language
    (:func:`evalstats.present.names.unit_names`)."""
    from evalstats.inputs.validate import validate_cycle
    from evalstats.present.names import unit_names

    files = publish.input_files(list(batch.folders), [batch.scheme_file])
    before = publish.hash_inputs(files)
    validated = [validate_cycle(f, scheme=batch.scheme, cycle=f.name) for f in batch.folders]
    units = validated[0].units
    names = dict(zip(units["unit"].astype(str), units["name"].astype(str), strict=False))
    return before, names, unit_names(units, batch.lang)


RESET_SOURCE = "%reset -f\nimport gc as _gc\n_gc.freeze()\ndel _gc"
"""The cell run before each unit: empty the namespace, then move what survives (modules, the
kept analysis) out of the garbage collector's sight, so the next reset's two full collections
(IPython's) walk only the last unit's objects, not the whole heap (≈0.15 s a unit)."""


def _reset_cell():
    import nbformat

    cell = nbformat.v4.new_code_cell(RESET_SOURCE, metadata={"tags": ["remove_cell"]})
    cell["id"] = "evalstats-reset"
    return cell


def _error_of(nb) -> tuple[str, str]:
    """Source first line and ``ename: evalue`` of the first cell with an error output."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
                return first.strip(), f"{out.get('ename')}: {out.get('evalue')}"
    return "", ""


WARM_UP = "import evalstats.analyses.profile, evalstats.present.letters, evalstats.present.plot"
"""Run (silently, namespace untouched) in each kernel as soon as it is up, while the batch
analyses the cycle: the modules the profile notebook imports, so its first unit does not wait
for them (its errors are the notebook's to show: a unit importing the same module fails with
the message)."""


@dataclass
class _Ran:
    """A unit's notebook executed: the notebook, ``""`` or why it failed, whether the kernel
    died, and when the unit started (``perf_counter``)."""

    nb: object
    error: str
    dead: bool
    t0: float


async def _execute_unit(
    batch: _Batch, source_nb, unit: str, kernel: LongLivedKernel, staging: Path
) -> _Ran:
    """Execute the unit's notebook in ``kernel``."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from papermill.parameterize import parameterize_notebook

    KERNEL_NAME = _run.KERNEL_NAME
    t0 = time.perf_counter()
    work = staging / "_work" / file_stem(unit)
    params = {**batch.params, "unit": unit, "output_dir": relative(work, batch.root)}
    nb = parameterize_notebook(
        copy.deepcopy(source_nb), params, kernel_name=KERNEL_NAME, language="python"
    )
    nb.cells.insert(0, _reset_cell())
    client = NotebookClient(
        nb,
        km=kernel.km,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        resources={"metadata": {"path": str(batch.root)}},
    )
    client.kc = kernel.kc
    error, dead = "", False
    try:
        await client.async_execute()
    except CellExecutionError:
        where, what = _error_of(nb)
        error = f"{what} (in `{where}`)" if where else what
    except (DeadKernelError, CellTimeoutError) as exc:
        dead = True
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    return _Ran(nb, error, dead, t0)


def _finish_unit(batch: _Batch, unit: str, ran: _Ran, staging: Path) -> _Outcome:
    """Write the executed notebook; for a letter written, render its HTML and move its Word
    letter and figures into the staging folder.  Run in a thread while the kernel executes the
    next unit (each unit writes in its own ``_work/<code>`` folder)."""
    import nbformat

    from evalstats.present import report

    stem = file_stem(unit)
    work = staging / "_work" / stem
    executed = staging / "notebooks" / f"{stem}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(ran.nb, executed)
    t0 = ran.t0
    if ran.error:
        return _Outcome(unit, False, ran.error, time.perf_counter() - t0, ran.dead, executed)
    letter, row = work / DOCX_FILE, work / ROW_FILE
    for needed in (letter, row):
        if not needed.is_file():
            msg = f"{batch.notebook.name} wrote no {needed.name} in output_dir"
            return _Outcome(unit, False, msg, time.perf_counter() - t0, False, executed)
    name = batch.shown.get(unit) or batch.names.get(unit, unit)
    title = (
        f"{name}：{cycle_words(batch.cycle)}政风行风测评结果反馈函"
        if batch.lang == "zh"
        else f"Feedback letter: {name}, {cycle_words(batch.cycle, 'en')}"
    )
    published = batch.stems.get(unit, stem)
    report.render_html(
        executed,
        staging / f"{published}.html",
        title=title,
        lang=batch.lang,
        document="letter",
        edition=batch.tier,
    )
    os.replace(letter, staging / f"{published}.docx")
    if (work / "figures").is_dir():
        (staging / "figures").mkdir(exist_ok=True)
        os.replace(work / "figures", staging / "figures" / stem)
    return _Outcome(unit, True, "", time.perf_counter() - t0, row=row.read_bytes())


PROFILE_PARAMETERS = (
    "cycle",
    "previous_cycle",
    "data_dir",
    "scheme",
    "language",
    "confidence_level",
    "n_resamples",
    "seed",
    "tier",
    "letter_date",
)
"""The profile notebook's parameters (besides ``unit`` and ``output_dir``) that
:func:`evalstats.analyses.profile.check_parameters` takes: the batch analyses the cycle with
them."""


def _share_analysis(batch: _Batch, folder: Path) -> None:
    """Analyse the cycle once, here, into ``folder``, where each kernel's
    :func:`~evalstats.analyses.profile.load_analysis` finds it instead of analysing the cycle
    itself (``EVALSTATS_ANALYSIS_CACHE``).  The options are the notebook's parameters as the
    batch sets them, else their declared defaults; the file is keyed by the inputs' content
    and those options, so a notebook that asks for another analysis computes its own.
    Nothing is raised: a problem is the notebook's to report, unit by unit."""
    from evalstats.analyses.profile import check_parameters, load_analysis
    from evalstats.run.runner.parameters import literal_default

    try:
        declared = _run.notebook_parameters(batch.notebook)
        values = {n: literal_default(declared[n]) for n in PROFILE_PARAMETERS if n in declared}
        values.update({n: v for n, v in batch.params.items() if n in PROFILE_PARAMETERS})
        p = check_parameters(unit=batch.units[0], output_dir=str(folder), **values)
        load_analysis(
            p.cycle,
            data_dir=p.data_dir,
            scheme=p.scheme,
            previous_cycle=p.previous_cycle,
            confidence_level=p.confidence_level,
            n_resamples=p.n_resamples,
            seed=p.seed,
            tier=p.tier,
            cache=False,
            cache_dir=folder,
        )
    except Exception as exc:  # the kernels analyse the cycle themselves, and say what is wrong
        log.debug("the batch did not analyse the cycle for its kernels: %s", exc)


async def _run_units(batch: _Batch, staging: Path, *, progress: bool) -> dict[str, _Outcome]:
    from papermill.iorw import load_notebook_node
    from tqdm.auto import tqdm

    from evalstats.analyses.load import CACHE_ENV

    source = load_notebook_node(str(batch.notebook))  # with the metadata papermill expects
    shared = staging / "_work" / "analysis"
    analysed = asyncio.ensure_future(asyncio.to_thread(_share_analysis, batch, shared))
    queue: asyncio.Queue = asyncio.Queue()
    for u in batch.units:
        queue.put_nowait(u)
    results: dict[str, _Outcome] = {}
    n = max(1, min(batch.jobs, len(batch.units)))
    bar = tqdm(
        total=len(batch.units),
        desc=say("反馈函", "letters"),
        unit=say("个单位", "unit"),
        disable=not progress,
        file=sys.stderr,
    )

    finishing: list[asyncio.Future] = []

    async def finish(unit: str, ran: _Ran) -> None:
        results[unit] = await asyncio.to_thread(_finish_unit, batch, unit, ran, staging)
        bar.set_postfix_str(unit, refresh=False)
        bar.update(1)

    async def worker() -> None:
        kernel = LongLivedKernel(batch.root, env={CACHE_ENV: str(shared)})
        await kernel.start()
        try:
            await kernel.run_silently(WARM_UP)
            await analysed
            while True:
                try:
                    unit = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                ran = await _execute_unit(batch, source, unit, kernel, staging)
                # the letter is written out while the kernel runs the next unit
                finishing.append(asyncio.ensure_future(finish(unit, ran)))
                if ran.dead:
                    await kernel.restart()
        finally:
            await kernel.stop()

    try:
        await asyncio.gather(*(worker() for _ in range(n)))
    finally:
        ended = await asyncio.gather(*finishing, return_exceptions=True)
        bar.close()
        await analysed
    problem = next((x for x in ended if isinstance(x, BaseException)), None)
    if problem is not None:
        raise problem
    return results


def letters_table_bytes(rows: Sequence[bytes]) -> bytes:
    """``letters.csv`` from the units' ``letter.csv`` files (each a header and one row, as
    :func:`evalstats.present.letters.write_letter_row` writes them): one header, then the rows
    in the order given, every byte as the letters' notebooks wrote it.

    Examples
    --------
    >>> letters_table_bytes([b"unit,rank\\na,1\\n", b"unit,rank\\nb,2\\n"])
    b'unit,rank\\na,1\\nb,2\\n'
    """
    if not rows:
        return b""
    headers = {r.split(b"\n", 1)[0] for r in rows}
    if len(headers) != 1:
        raise RunError(f"the units' {ROW_FILE} files have different headers: {sorted(headers)}")
    return rows[0].split(b"\n", 1)[0] + b"\n" + b"".join(r.split(b"\n", 1)[1] for r in rows)


def _index_html(batch: _Batch, outcomes: Mapping[str, _Outcome], started) -> str:
    zh = batch.lang == "zh"
    e = html.escape
    title = (
        f"{cycle_words(batch.cycle)}政风行风测评反馈函"
        if zh
        else f"Feedback letters: {cycle_words(batch.cycle, 'en')}"
    )
    tier = ("（公开版）" if zh else " (public edition)") if batch.tier == "public" else ""
    head = (
        ["序号", "单位", "单位编码", "网页版", "Word 版"]
        if zh
        else [
            "No.",
            "Unit",
            "Code",
            "Web page",
            "Word",
        ]
    )
    rows, failed = [], []
    k = 0
    for unit in batch.units:
        o = outcomes.get(unit)
        name = batch.shown.get(unit) or batch.names.get(unit, "")
        if o is not None and o.ok:
            k += 1
            stem = e(batch.stems.get(unit, file_stem(unit)), quote=True)
            rows.append(
                f"<tr><td>{k}</td><td>{e(name)}</td><td>{e(unit)}</td>"
                f'<td><a href="{stem}.html">{stem}.html</a></td>'
                f'<td><a href="{stem}.docx">{stem}.docx</a></td></tr>'
            )
        else:
            why = o.error if o is not None else ("未执行" if zh else "not run")
            failed.append(f"<tr><td>{e(unit)}</td><td>{e(name)}</td><td>{e(why)}</td></tr>")
    css = (
        "body{font-family:'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC',"
        "'Microsoft YaHei','PingFang SC','SimHei',sans-serif;max-width:960px;margin:0 auto;"
        "padding:16px 24px}table{border-collapse:collapse;margin:8px 0 16px}"
        "th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left}"
        "th{background:#eef2f7}@page{size:A4;margin:15mm 12mm}"
        "@media print{a{color:inherit;text-decoration:none}}"
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">',
        f"<title>{e(title + tier)}</title><style>{css}</style></head><body>",
        f"<h1>{e(title + tier)}</h1>",
        f"<p>{'生成时间' if zh else 'Generated'}: {e(started.isoformat())}</p>",
        "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead>",
        "<tbody>" + "".join(rows) + "</tbody></table>",
    ]
    if failed:
        fh = ["单位编码", "单位", "原因"] if zh else ["Code", "Unit", "Why"]
        parts += [
            f"<h2>{'未能生成的反馈函' if zh else 'Letters that failed'}</h2>",
            "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in fh) + "</tr></thead>",
            "<tbody>" + "".join(failed) + "</tbody></table>",
        ]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _keep_failed(batch: _Batch, outcomes, failed: Mapping[str, str], started) -> dict:
    """Move the executed notebooks of failed units to ``<out>/_failed/``; unit → where."""
    kept = {}
    for u in failed:
        src = outcomes[u].kept
        if src is not None and src.is_file():
            folder = batch.out / "_failed"
            folder.mkdir(exist_ok=True)
            stamp = started.strftime(publish.STAMP_FORMAT)
            dest = publish.free_name(
                folder, f"{batch.cycle}-{KIND}-{file_stem(u)}-{stamp}", ".ipynb"
            )
            os.replace(src, dest)
            kept[u] = dest
    return kept


def _manifest(batch: _Batch, *, token, started, timings, before, outcomes, failed, kept) -> dict:
    """The letters' ``manifest.json`` without its ``outputs`` (added last)."""
    return {
        "manifest_version": publish.MANIFEST_VERSION,
        "run_id": token,
        "analysis": KIND,
        "cycle": batch.cycle,
        "run": {"started": started.isoformat(), "finished": publish.local_now().isoformat()},
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "data_dir": str(batch.data_dir),
        "inputs": [
            {
                "path": str(p) if p == batch.scheme_file else relative(p, batch.data_dir),
                "sha256": sha,
                "size": size,
            }
            for p, (sha, size) in before.items()
        ],
        "scheme": {
            "name": batch.scheme.name,
            "version": batch.scheme.version,
            "sha256": batch.scheme.sha256,
        },
        "notebook": {
            "path": _run.Notebook(batch.notebook, batch.notebook_source).recorded(batch.root),
            "source": batch.notebook_source,
            "sha256": sha256_file(batch.notebook),
        },
        "parameters": {k: v for k, v in sorted(batch.params.items()) if k not in ("output_dir",)},
        "language": batch.lang,
        "tier": batch.tier,
        "units": {
            "ok": [u for u in batch.units if outcomes[u].ok],
            "failed": [
                {"unit": u, "error": e, "notebook": str(kept.get(u, ""))} for u, e in failed.items()
            ],
        },
        "versions": publish.package_versions(),
    }


def write_letters(
    cycle: str | None,
    *,
    units: Sequence[str] | str | None = None,
    data: str | Path | None = None,
    scheme: str | Path | None = None,
    out: str | Path | None = None,
    lang: str = "zh",
    tier: str = "internal",
    date: str | None = None,
    jobs: int | None = None,
    parameters: Mapping[str, object] | None = None,
    notebook: str | Path | None = None,
    progress: bool = True,
) -> LettersResult:
    """Write one feedback letter per unit and publish them in ``<out>/<cycle>/letters/``.

    Parameters
    ----------
    cycle : str
        Cycle id (None when ``data`` is a cycle folder: its name).
    units : sequence of str or str, optional
        Unit codes (a comma-separated string is split); default every unit of the cycle.  A
        code that is not a unit of the cycle fails for that unit only.
    data, scheme, out
        As for :func:`evalstats.run.runner.run_analysis`.
    lang : {"zh", "en"}
    tier : {"internal", "public"}
        ``"public"``: the public report's suppression rules (:mod:`evalstats.analyses.profile`).
    date : str, optional
        The letters' date, ``YYYY-MM-DD`` (default: the scheme's ``[letters] date``, else
        today); the reply deadline is the scheme's ``reply_days`` after it.
    jobs : int, optional
        Kernels run in parallel (default: the machine's cores).
    parameters : mapping, optional
        Other notebook parameters (``previous_cycle``, ``seed``, ``n_resamples``,
        ``confidence_level``), converted to the declared types; undeclared names are refused.
    notebook : str or Path, optional
        Another profile notebook (default ``notebooks/unit_profile.ipynb``).
    progress : bool
        A progress bar over units on stderr.

    Returns
    -------
    LettersResult
        ``failed`` lists the units whose letter failed (the others are published).

    Raises
    ------
    UsageError
        Bad arguments or parameters (exit 2).
    InputError
        Invalid data; nothing written (exit 1).
    RunLocked, OutputError
        Another letters run of the cycle holds the lock; the output cannot be written (exit 2).
    RunError
        Every unit failed: nothing published (exit 3).
    """
    t_start = time.perf_counter()
    started = publish.local_now()
    batch = _plan(
        cycle,
        units=units,
        data=data,
        scheme=scheme,
        out=out,
        lang=lang,
        tier=tier,
        date=date,
        jobs=jobs,
        parameters=parameters,
        notebook=notebook,
    )
    key = load_signing_key(data_folders=[batch.data_dir])
    run_id = publish.new_run_id()
    with run_log(_run.log_path(batch.out, batch.cycle, KIND), run_id):
        log.info(
            say(
                f"运行 {run_id}：{batch.cycle} 反馈函（evalstats {__version__}）",
                f"run {run_id}: {batch.cycle} letters (evalstats {__version__})",
            ),
            extra=STEP,
        )
        result = _write(batch, run_id, progress=progress, t_start=t_start, started=started, key=key)
        log.info(
            say(
                f"已发布 {len(result.letters)} 份反馈函到 {result.folder}"
                f"（{len(result.failed)} 份失败，用时 {result.seconds:.1f} 秒）",
                f"published {len(result.letters)} letter(s) in {result.folder} "
                f"({len(result.failed)} failed, {result.seconds:.1f} s)",
            ),
            extra=STEP,
        )
        for unit, error in result.failed.items():
            log.warning(say(f"{unit} 的反馈函失败：{error}", f"letter of {unit} failed: {error}"))
    return result


def _write(batch: _Batch, run_id: str, *, progress: bool, t_start: float, started, key=None):
    """Validate, run the units under the lock, publish (the body of :func:`write_letters`);
    ``key`` signs the manifest (:mod:`evalstats.run.signing`)."""
    log.info(
        say(
            f"检查 {'、'.join(f.name for f in batch.folders)}（{batch.data_dir}）",
            f"validating {', '.join(f.name for f in batch.folders)} in {batch.data_dir}",
        ),
        extra=STEP,
    )
    before, names, shown = _validate(batch)
    chosen = batch.units or tuple(names)
    stems = unit_file_stems({u: names.get(u, u) for u in (*names, *chosen)})
    batch = _Batch(
        **{**batch.__dict__, "units": chosen, "names": names, "shown": shown, "stems": stems}
    )
    timings = {"validate": time.perf_counter() - t_start}

    out, shown_out = batch.out, batch.shown_out
    lock = publish.acquire_lock(
        out,
        batch.cycle,
        KIND,
        what=f"letters run of {batch.cycle}",
        shown_out=shown_out,
        started=started,
    )
    target = out / batch.cycle / KIND
    try:
        staging, token = publish.new_staging(
            out, batch.cycle, KIND, shown_out=shown_out, token=run_id
        )
        log.info(
            say(
                f"为 {len(chosen)} 个单位写反馈函（{batch.jobs} 个内核并行）",
                f"writing the letters of {len(chosen)} unit(s) ({batch.jobs} kernels)",
            ),
            extra=STEP,
        )
        try:
            t = time.perf_counter()
            outcomes = asyncio.run(_run_units(batch, staging, progress=progress))
            timings["execute"] = time.perf_counter() - t
            shutil.rmtree(staging / "_work", ignore_errors=True)
            failed = {u: outcomes[u].error for u in chosen if not outcomes[u].ok}
            kept = _keep_failed(batch, outcomes, failed, started)
            if len(failed) == len(chosen):
                lines = "; ".join(f"{u}: {e}" for u, e in failed.items())
                raise RunError(
                    f"no letter could be written ({lines}); nothing was published",
                    zh=f"没有一份反馈函写成（{lines}）；没有发布任何内容",
                )
            changed = publish.changed_inputs(before, list(before))
            if changed:
                raise publish.InputsChanged(
                    "input files changed during the run, the letters were not published: "
                    + ", ".join(changed),
                    zh="运行期间输入文件有改动，反馈函没有发布：" + "、".join(changed),
                )
            index = staging / "index.html"
            atomic_write_bytes(index, _index_html(batch, outcomes, started).encode("utf-8"))
            rows = [outcomes[u].row for u in chosen if outcomes[u].ok]
            atomic_write_bytes(staging / TABLE_FILE, letters_table_bytes(rows))
            if batch.tier == "public":  # issue 15: the integer audit, with the cycle's reports
                audit_before_publish(
                    staging,
                    scheme=batch.scheme,
                    data_folders=batch.folders,
                    cycles=[f.name for f in batch.folders],
                    related=[out / batch.cycle / k for k in ("half-year", "annual")],
                )
            timings["total_before_publish"] = time.perf_counter() - t_start
            manifest = _manifest(
                batch,
                token=token,
                started=started,
                timings=timings,
                before=before,
                outcomes=outcomes,
                failed=failed,
                kept=kept,
            )
            manifest["outputs"] = publish.output_entries(staging)
            publish.write_manifest(manifest, staging, out=out, shown_out=shown_out, key=key)
            previous = publish.publish_staged(staging, target, out=out, shown_out=shown_out)
        except BaseException:
            publish.discard_staging(out, staging, batch.cycle, KIND, token)
            raise
    finally:
        lock.release()

    return LettersResult(
        cycle=batch.cycle,
        folder=target,
        previous_dir=previous,
        letters=_letters(batch, target, outcomes),
        failed=failed,
        index=target / "index.html",
        manifest=target / publish.MANIFEST_FILE,
        seconds=time.perf_counter() - t_start,
    )


def _letters(batch: _Batch, target: Path, outcomes: Mapping[str, _Outcome]) -> list[Letter]:
    """The letters published in ``target``, one per unit whose letter was written."""
    return [
        Letter(
            unit=u,
            unit_name=batch.names.get(u, ""),
            html=target / f"{batch.stems[u]}.html",
            docx=target / f"{batch.stems[u]}.docx",
            notebook=target / "notebooks" / f"{file_stem(u)}.ipynb",
            seconds=outcomes[u].seconds,
        )
        for u in batch.units
        if outcomes[u].ok
    ]


# ====================================================================== command line


def cmd_letters(args) -> int:
    """The ``evalstats letters`` command; return the exit code (0, 1, 2 or 3).

    ``--lang`` chooses the letters' language and the console's (``EVALSTATS_LANG`` only the
    console's: the letters are in Chinese unless ``--lang en``).
    """
    from evalstats.core.errors import SchemeError

    lang = configure(args)
    t = functools.partial(pick, lang)
    try:
        result = write_letters(
            args.cycle,
            units=args.units,
            data=args.data,
            scheme=args.scheme,
            out=args.out,
            lang=getattr(args, "lang", None) or "zh",
            tier=args.tier,
            date=getattr(args, "date", None),
            jobs=args.jobs,
            parameters=_run.parse_parameters(args.parameters),
            notebook=args.notebook,
            progress=show_progress(args),
        )
    except InputError as exc:
        log.error(error_text(exc, lang))
        log.error(t("数据有错：没有写出任何反馈函。", "invalid data: no letter was written."))
        return 1
    except publish.InputsChanged as exc:
        log.error(error_text(exc, lang))
        return 1
    except (UsageError, SchemeError, publish.RunLocked, publish.OutputError, ValueError) as exc:
        log.error(error_text(exc, lang))
        return 2
    except RunError as exc:
        log.error(error_text(exc, lang))
        return 3
    r = result
    shown = _run.shown_path
    print(
        t(
            f"{r.cycle} 的 {len(r.letters)} 份反馈函已发布在 {shown(r.folder)}/",
            f"{len(r.letters)} letter(s) for {r.cycle} published in {shown(r.folder)}/",
        )
    )
    print(t(f"  索引：    {shown(r.index)}", f"  index:     {shown(r.index)}"))
    print(t(f"  清单：    {shown(r.manifest)}", f"  manifest:  {shown(r.manifest)}"))
    signed = signed_line(r.manifest, shown, lang=lang)
    if signed is not None:
        print(signed)
    if r.previous_dir is not None:
        print(
            t(
                f"原有的反馈函保留在 {shown(r.previous_dir)}/",
                f"previous letters kept in {shown(r.previous_dir)}/",
            )
        )
    if r.failed:
        print(
            t(f"{len(r.failed)} 份反馈函失败：", f"{len(r.failed)} letter(s) failed:"),
            file=sys.stderr,
        )
        for unit, error in r.failed.items():
            print(f"  {unit}: {error}", file=sys.stderr)
    print(t(f"用时 {r.seconds:.1f} 秒", f"done in {r.seconds:.1f} s"))
    return 3 if r.failed else 0
