"""The cycle run: execute an analysis notebook with papermill and publish its report atomically.

``evalstats run half-year|annual --cycle C`` calls :func:`run_analysis`, which reads as a list
of named steps:

1. **check** the arguments and the notebook's declared parameters (papermill's
   ``inspect_notebook``); a parameter the notebook does not declare, or a value of the wrong
   type, is refused (:class:`RunUsageError`) — papermill itself would only warn;
2. **hash** every input file (sha256) and **validate** the cycle(s) with
   :func:`evalstats.inputs.validate.validate_cycle` — for the annual analysis also the half-year
   cycle
   (parameter ``half_year_cycle``, derived ``2026A`` → ``2026H1``).  This runs in a thread
   (:class:`_Checking`) beside steps 3–5, on the second core while the kernel starts and
   reads.  Invalid data raise :class:`~evalstats.core.errors.InputError` whatever the notebook did
   meanwhile: its staging folder is removed, no failed notebook is kept, no report is written
   or changed;
3. **lock** the (cycle, analysis) pair (``<out>/.locks/<cycle>-<analysis>.lock``): a second run
   of the same pair is refused (:class:`RunLocked`); other cycles run at the same time;
4. **clean** staging left by killed runs (``<out>/.staging/``);
5. **execute** the notebook with papermill in a staging folder
   ``<out>/.staging/<cycle>-<analysis>-<token>/``; the notebook writes ``tables/*.csv``,
   ``figures/`` and ``summary.json`` there itself.  A failing cell raises
   :class:`NotebookFailed`; the executed notebook is kept under ``<out>/_failed/``;
6. **render** ``report.html`` (:func:`evalstats.present.report.render_html`) and the workbook
   ``report_<cycle>_<analysis>.xlsx`` (:func:`evalstats.present.report.write_workbook`, from the
   tables read back);
7. **hash** the inputs again (they must not have changed: :class:`InputsChanged`), write
   ``manifest.json`` (inputs, scheme, notebook, parameters, seed, package versions, timings,
   the cells neutralised per table — ``neutralised_cells``, from the notebook's
   ``summary.json`` — and every output with its sha256); ``evalstats verify`` checks a
   report against it (:mod:`evalstats.run.verify`);
8. **publish**: the staging folder becomes ``<out>/<cycle>/<analysis>/``; a report already
   there is kept as ``<analysis>.previous-<its run time>``.

Publishing without a window
---------------------------
A reader of ``<out>/<cycle>/<analysis>/`` must see the old report or the new one, never a mix.
Every report is assembled in staging and moved by a directory rename, so a mix is never
visible.  When an old report exists, two renames are needed (old → ``.previous-…``, staging →
published), and between them the published path is briefly absent.  On Linux the runner closes
that window: ``renameat2(RENAME_EXCHANGE)`` swaps the staging folder and the published one in
one atomic step, then the old report (now under the staging name) is renamed to
``.previous-…``.  Elsewhere (Windows, macOS, file systems without the exchange) the two renames
are used and the published path can be missing for the microseconds between them: a reader sees
old, nothing, or new.  A symlink flip would also have no window, but Windows symlinks need
privileges and office staff open these folders in Explorer, so the runner keeps plain folders.

Locks: one per (cycle, analysis), ``fcntl.flock`` (``msvcrt.locking`` on Windows), held for the
whole run and released by the operating system when the process dies.  It also guards the
staging folders: a staging folder is named ``<cycle>-<analysis>-<token>`` and only a run holding
that pair's lock creates one, so a staging folder whose pair lock can be taken is stale (no
separate lock per staging folder, and no race between a run creating its lock file and another
run's clean-up deleting it).

A run killed at any point leaves a consistent state that the next run of any cycle completes:
before publishing, the runner writes a marker ``<out>/.staging/<name>.publish``.  A stale
staging folder (its pair's lock is free) is handled by what it holds: without a marker, it is a
run that never published → removed; with a marker and the run's own manifest (same token) → the
run died mid-publish: published if the published path is empty, else removed; with a marker and
another report in it → the old report swapped out by the exchange → kept as ``.previous-…``.

Test hook
---------
The kill and concurrency tests (``tests/test_run_integrity.py``) must stop a run at a known
point.  When the environment variable ``EVALSTATS_TEST_PAUSE`` is ``<step>[:<seconds>]``, the
run prints ``evalstats-test: paused at <step>`` on stderr when it reaches that step and sleeps
(default 600 s) before going on.  Steps, in order: ``locked`` (lock taken), ``staged`` (staging
folder made), ``executed`` (notebook run), ``rendered`` (HTML and workbook written),
``manifest`` (manifest written), ``marked`` (publish marker written), ``exchanged`` (inside
the publication, new and old report swapped, old not yet renamed ``.previous-…``),
``between-renames`` (the same point where the exchange is unavailable: old report renamed, new
one not yet in place) and ``published``.  ``<step>:<file>`` waits until the file exists
instead.  Unset (always, outside the tests) it does nothing.

Examples
--------
>>> from evalstats.run.runner import run_analysis
>>> r = run_analysis("annual", cycle="2026A", progress=False)  # doctest: +SKIP
>>> r.report_dir, r.html.name, r.workbook.name  # doctest: +SKIP
(PosixPath('.../reports/2026A/annual'), 'report.html', 'report_2026A_annual.xlsx')
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime as _dt
import errno
import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import secrets
import shutil
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evalstats.core.errors import InputError, RunError, UsageError
from evalstats.core.options import check_option

ANALYSES = ("half-year", "annual")
LANGS = ("zh", "en")
NOTEBOOKS = {"half-year": "half_year.ipynb", "annual": "annual.ipynb"}
"""Notebook of each analysis, under ``<project root>/notebooks/``."""

RUNNER_PARAMETERS = {
    "cycle": "--cycle",
    "data_dir": "--data",
    "scheme": "--scheme",
    "output_dir": "--out",
    "language": "--lang",
}
"""Parameters the runner sets itself → the command-line option that sets them."""

HALF_YEAR_PARAMETER = "half_year_cycle"
TEST_PAUSE_ENV = "EVALSTATS_TEST_PAUSE"
"""Environment variable of the test hook (see the module notes); unset outside the tests."""
PAUSE_STEPS = (
    "locked",
    "staged",
    "executed",
    "rendered",
    "manifest",
    "marked",
    "exchanged",
    "between-renames",
    "published",
)
LOCK_WAIT_SECONDS = 2.0
"""How long a run waits for its lock before refusing (clean-ups hold locks briefly)."""
KERNEL_NAME = "python3"
NOTEBOOK_FILE = "notebook.ipynb"
HTML_FILE = "report.html"
MANIFEST_FILE = "manifest.json"
SUMMARY_FILE = "summary.json"
SUMMARY_NEUTRALISED = "neutralised_cells"
"""Key of ``summary.json`` (and ``manifest.json``): table name → text cells neutralised."""
MANIFEST_VERSION = 1
PACKAGES = (
    "evalstats",
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
    "seaborn",
    "papermill",
)
"""Packages whose versions go into the manifest (with Python's)."""

TABLE_ORDER = ("final_grades", "ranking", "scores", "comparison", "quality", "rectification")
"""Sheets first in the workbook, in this order; other tables follow alphabetically."""

_CYCLE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_STAGING_RE = re.compile(
    r"^(?P<cycle>.+)-(?P<analysis>half-year|annual|letters)-(?P<token>[0-9a-f]{8})$"
)
_STAMP = "%Y%m%dT%H%M%S"
_TEXT_COLUMNS = frozenset(
    {"cycle", "unit", "unit_name", "name", "group", "dimension", "series", "level", "item"}
    | {"form_id", "collector", "comment", "reason", "note", "kind", "grade"}
)
_ANALYSIS_LABELS = {
    "half-year": ("半年测评", "half-year evaluation"),
    "annual": ("年度测评", "annual evaluation"),
}


# ====================================================================== errors
RunUsageError = UsageError
"""The run was asked for wrongly (unknown or mistyped parameter, …): exit 2.

An alias of :class:`evalstats.core.errors.UsageError`, kept for readers of this module."""


class RunLocked(RunError):
    """Another run of the same cycle and analysis holds the lock (exit 2)."""


class OutputError(RunError):
    """The output location cannot be written: permission denied, disk full, file in use (exit 2)."""


class InputsChanged(RunError):
    """An input file changed while the run read it; nothing was published (exit 1)."""


class NotebookFailed(RunError):
    """A notebook cell raised; the executed notebook is kept, the published report untouched.

    Attributes
    ----------
    cell_index : int or None
        Index of the failing cell in the source notebook, counting from 0 (papermill's
        ``cell_index`` less its injected-parameters cell); None when the kernel died.
    exec_count : int or None
        The cell's execution count, shown as ``In [n]`` in the kept notebook.
    source : str
        The cell's source.
    ename, evalue : str
        The exception's name and value.
    notebook : Path or None
        The executed notebook kept under ``<out>/_failed/``.
    """

    def __init__(
        self,
        *,
        notebook_name: str,
        cell_index: int | None,
        exec_count: int | None,
        source: str,
        ename: str,
        evalue: str,
        notebook: Path | None,
    ):
        self.cell_index = cell_index
        self.exec_count = exec_count
        self.source = source
        self.ename = ename
        self.evalue = evalue
        self.notebook = notebook
        first = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
        if cell_index is None:
            where = f"{notebook_name} failed"
        else:
            where = f"{notebook_name} failed in cell {cell_index} (In [{exec_count}]: `{first}`)"
        kept = (
            f"the executed notebook is kept at {notebook}"
            if notebook is not None
            else "no executed notebook was saved"
        )
        super().__init__(
            f"{where}\n{ename}: {evalue}\n{kept}; the published report was not changed"
        )


# ====================================================================== result
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


# ====================================================================== parameters
def parse_parameters(items: Iterable[str]) -> dict[str, str]:
    """Split ``name=value`` items (the ``-p`` options) into a dict of texts.

    Examples
    --------
    >>> parse_parameters(["seed=7", "tier=public", "note=a=b"])
    {'seed': '7', 'tier': 'public', 'note': 'a=b'}
    """
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = str(item).partition("=")
        name = name.strip()
        if not sep or not _NAME_RE.match(name):
            raise RunUsageError(f"-p expects name=value (a Python name); got {item!r}")
        if name in out:
            raise RunUsageError(f"parameter {name!r} given twice")
        out[name] = value
    return out


def _infer(text: str):
    """Text of a ``-p`` value → int, float, True/False, else the text itself."""
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    for kind in (int, float):
        try:
            return kind(t)
        except ValueError:
            pass
    return text


def _declared_type(param: Mapping) -> str | None:
    """The declared type of a papermill parameter, else the type of its literal default."""
    name = str(param.get("inferred_type_name") or "None").strip()
    m = re.fullmatch(r"Optional\[(.+)\]|(.+?)\s*\|\s*None|None\s*\|\s*(.+)", name)
    if m:
        name = next(g for g in m.groups() if g)
    if name != "None":
        return name
    try:
        default = ast.literal_eval(str(param.get("default", "")))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if isinstance(default, bool | int | float | str):
        return type(default).__name__
    return None


def _coerce(name: str, value, param: Mapping):
    """Convert/check one user value against the notebook's declaration of ``name``."""
    kind = _declared_type(param)
    text = value if isinstance(value, str) else None
    optional = re.search(r"Optional\[|\|\s*None|None\s*\|", str(param.get("inferred_type_name")))
    if optional and (value is None or (text is not None and text.strip() in ("None", ""))):
        return None
    got = value
    if kind == "str":
        if text is not None:
            return text
    elif kind == "int":
        got = _infer(text) if text is not None else value
        if isinstance(got, int) and not isinstance(got, bool):
            return got
    elif kind == "float":
        got = _infer(text) if text is not None else value
        if isinstance(got, int | float) and not isinstance(got, bool):
            return float(got)
    elif kind == "bool":
        got = _infer(text) if text is not None else value
        if isinstance(got, bool):
            return got
    elif kind in ("list", "dict", "tuple"):
        if text is not None:
            try:
                got = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                got = text
        if type(got).__name__ == kind:
            return got
    else:
        return _infer(text) if text is not None else value
    shown = text if text is not None else got
    article = "an" if kind[0] in "aeiou" else "a"
    annotation = str(param.get("inferred_type_name"))
    declared = f"{name}: {annotation}" if annotation != "None" else name
    raise RunUsageError(
        f"parameter {name!r} must be {article} {kind} (the notebook declares "
        f"`{declared} = {param.get('default')}`); got {shown!r}"
    )


def _check_parameters(
    user: Mapping[str, object], declared: Mapping[str, Mapping], notebook: Path
) -> dict[str, object]:
    """Refuse undeclared and runner-set names, and convert/check the values."""
    names = list(declared)
    runner = [n for n in user if n in RUNNER_PARAMETERS]
    if runner:
        n = runner[0]
        raise RunUsageError(
            f"parameter {n!r} is set by the runner; use {RUNNER_PARAMETERS[n]} instead of -p"
        )
    unknown = [n for n in user if n not in declared]
    if unknown:
        listed = ", ".join(repr(n) for n in unknown)
        settable = ", ".join(n for n in names if n not in RUNNER_PARAMETERS) or "(none)"
        raise RunUsageError(
            f"{notebook.name} does not declare the parameter(s) {listed}; "
            f"parameters you can set with -p: {settable}"
        )
    return {n: _coerce(n, v, declared[n]) for n, v in user.items()}


def _literal_default(param: Mapping | None):
    if param is None:
        return None
    try:
        return ast.literal_eval(str(param.get("default", "")))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def notebook_parameters(notebook: str | Path) -> dict[str, dict]:
    """The parameters a notebook declares: name → ``{name, inferred_type_name, default, help}``.

    Reads the cell tagged ``parameters`` with :func:`papermill.inspect_notebook`.

    Raises
    ------
    RunUsageError
        The notebook is missing, unreadable, or has no cell tagged ``parameters``.
    """
    import nbformat
    import papermill

    path = Path(notebook)
    if not path.is_file():
        raise RunUsageError(f"notebook not found: {path}")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for a bad file
        raise RunUsageError(f"{path}: not a readable notebook ({exc})") from None
    cell = next(
        (c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None
    )
    if cell is None:
        raise RunUsageError(f"{path.name} has no cell tagged 'parameters'")
    if not nb.metadata.get("kernelspec", {}).get("name"):
        raise RunUsageError(f"{path.name} has no kernelspec in its metadata")
    declared = {k: dict(v) for k, v in papermill.inspect_notebook(str(path)).items()}
    unread = [ln for name, ln in _assigned_names(cell.source) if name not in declared]
    if unread:
        lines = "; ".join(f"`{ln}`" for ln in unread)
        raise RunUsageError(
            f"papermill cannot read these lines of the parameters cell of {path.name}: {lines} "
            "(write one `name: type = value  # meaning` per line, with no '=' in the comment "
            "and a plain type such as str, int, float or bool)"
        )
    return declared


def _assigned_names(source: str) -> list[tuple[str, str]]:
    """(name, line) of each top-level assignment of a parameters cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise RunUsageError(f"the parameters cell is not valid Python: {exc}") from None
    lines = source.splitlines()
    out = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if not isinstance(node, ast.Assign | ast.AnnAssign):
            continue
        for t in targets:
            if isinstance(t, ast.Name):
                out.append((t.id, lines[node.lineno - 1].strip()))
    return out


def derive_half_year_cycle(cycle: str) -> str | None:
    """The half-year cycle of an annual cycle: ``"2026A"`` → ``"2026H1"``; else None.

    Examples
    --------
    >>> derive_half_year_cycle("2026A"), derive_half_year_cycle("2026H2")
    ('2026H1', None)
    """
    m = re.fullmatch(r"(\d{4})A", cycle)
    return f"{m.group(1)}H1" if m else None


# ====================================================================== paths and hashes
def _check_cycle(cycle) -> str:
    if not isinstance(cycle, str) or not _CYCLE_RE.match(cycle):
        raise RunUsageError(
            "cycle must be letters and digits (then '_' or '-'), at most 32 characters, "
            f"e.g. 2026H1; got {cycle!r}"
        )
    return cycle


def _is_cycle_folder(path: Path) -> bool:
    return path.is_dir() and any(
        p.is_file() and p.stem.lower() == "responses" for p in path.iterdir()
    )


def resolve_data(data, cycle: str | None, *, root: Path) -> tuple[Path, str]:
    """The folder of cycle folders and the cycle, from ``--data`` and ``--cycle``.

    ``data`` may be the folder of cycle folders (default ``data/raw``) or a cycle folder
    itself (it holds a ``responses.*`` file); then its name is the cycle.
    """
    from evalstats.core.config import resolve_path

    base = resolve_path(data, root=root) if data is not None else root / "data" / "raw"
    if data is not None and not base.is_dir():
        raise RunUsageError(f"--data {data}: no such folder")
    if data is not None and _is_cycle_folder(base):
        if cycle is not None and cycle != base.name:
            raise RunUsageError(
                f"--data {data} is the folder of cycle {base.name!r} but --cycle is {cycle!r}; "
                "give the folder of cycle folders, or a matching --cycle"
            )
        return base.parent, _check_cycle(base.name)
    if cycle is None:
        raise RunUsageError("--cycle is required (or give a cycle folder as --data)")
    return base, _check_cycle(cycle)


def _cycle_folder(data_dir: Path, cycle: str, hint: str = "") -> Path:
    folder = data_dir / cycle
    if not folder.is_dir():
        found = sorted(p.name for p in data_dir.iterdir() if _is_cycle_folder(p))
        have = ", ".join(found) if found else "none"
        raise RunUsageError(f"no cycle folder {folder} (cycles in {data_dir}: {have}){hint}")
    return folder


def sha256_file(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _input_files(folders: Sequence[Path], extra: Sequence[Path]) -> list[Path]:
    files = [
        p
        for f in folders
        for p in sorted(f.iterdir())
        if p.is_file() and not p.name.startswith(("~$", "."))
    ]
    return files + [p for p in extra if p is not None]


def _hash_inputs(files: Sequence[Path]) -> dict[Path, tuple[str, int]]:
    return {p: (sha256_file(p), p.stat().st_size) for p in files}


def _changed(before: Mapping[Path, tuple], files: Sequence[Path]) -> list[str]:
    out = []
    for p in files:
        if not p.exists():
            out.append(f"{p} (removed)")
        elif sha256_file(p) != before[p][0]:
            out.append(f"{p} (contents changed)")
    return out


def _package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def _now() -> _dt.datetime:
    return _dt.datetime.now().astimezone().replace(microsecond=0)


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


# ====================================================================== output errors
_ERRNO_TEXT = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
}


_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
"""Errors that can only mean the output location cannot take the report."""


@contextlib.contextmanager
def _writing(out: Path, shown: str | None = None):
    """Turn an OSError raised while writing under ``out`` into a clear :class:`OutputError`."""
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        what = _ERRNO_TEXT.get(exc.errno) or exc.strerror or str(exc)
        where = shown or str(out)
        if not where.endswith(("/", os.sep)):
            where += "/"
        raise OutputError(f"cannot write to {where}: {what}") from exc


# ====================================================================== test hook
def _pause(step: str) -> None:
    """Stop at ``step`` when ``EVALSTATS_TEST_PAUSE=<step>[:<seconds or file>]`` (tests only).

    Prints ``evalstats-test: paused at <step>`` on stderr, then sleeps the seconds given
    (default 600), or, when a file path is given, waits until that file exists (at most
    600 s).  Does nothing when the variable is unset or names another step.
    """
    wanted = os.environ.get(TEST_PAUSE_ENV)
    if not wanted:
        return
    name, _, arg = wanted.partition(":")
    if name.strip() != step:
        return
    print(f"evalstats-test: paused at {step}", file=sys.stderr, flush=True)
    arg = arg.strip()
    try:
        seconds = float(arg) if arg else 600.0
    except ValueError:
        deadline = time.monotonic() + 600.0
        while not Path(arg).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return
    time.sleep(seconds)


# ====================================================================== locks
class _FileLock:
    """An exclusive, non-blocking lock on a file: ``fcntl.flock`` (``msvcrt`` on Windows).

    The lock belongs to the open file, so the operating system releases it when the process
    dies: a lock that can be taken is stale.  The file itself is never deleted (deleting a
    lock file races with a process about to lock it).
    """

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def acquire(self, *, wait: float = 0.0) -> bool:
        """Take the lock; retry for ``wait`` seconds before giving up (False)."""
        deadline = time.monotonic() + wait
        while not self._try():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _try(self) -> bool:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.name == "nt":  # pragma: no cover - exercised on Windows only
                import msvcrt

                msvcrt.locking(self.fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            self.fd = None
            return False
        return True

    def note_owner(self, text: str) -> None:
        """Write who holds the lock (for the message a refused run prints)."""
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
            os.lseek(self.fd, 0, os.SEEK_SET)
            os.write(self.fd, text.encode("utf-8"))

    def owner(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                if os.name == "nt":  # pragma: no cover
                    import msvcrt

                    os.lseek(self.fd, 0, os.SEEK_SET)
                    msvcrt.locking(self.fd, msvcrt.LK_UNLCK, 1)
                else:
                    import fcntl

                    fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def lock_path(out: Path, cycle: str, analysis: str) -> Path:
    """The lock file of a (cycle, analysis) pair: ``<out>/.locks/<cycle>-<analysis>.lock``."""
    return out / ".locks" / f"{cycle}-{analysis}.lock"


# ====================================================================== publishing
def _run_stamp(report: Path) -> str:
    """Run time of a published report (its manifest's ``started``, else the folder's mtime)."""
    try:
        manifest = json.loads((report / MANIFEST_FILE).read_text(encoding="utf-8"))
        return _dt.datetime.fromisoformat(manifest["run"]["started"]).strftime(_STAMP)
    except (OSError, ValueError, KeyError, TypeError):
        return _dt.datetime.fromtimestamp(report.stat().st_mtime).strftime(_STAMP)


def _free_name(folder: Path, stem: str, suffix: str = "") -> Path:
    path = folder / f"{stem}{suffix}"
    n = 2
    while path.exists() or path.is_symlink():
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def _previous_path(report: Path) -> Path:
    """Where a published report goes when replaced: ``<analysis>.previous-<run time>``."""
    return _free_name(report.parent, f"{report.name}.previous-{_run_stamp(report)}")


@functools.cache
def _renameat2():
    """libc's ``renameat2`` (Linux, glibc ≥ 2.28), or None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``RENAME_EXCHANGE``); False where unsupported."""
    fn = _renameat2()
    if fn is None:
        return False
    import ctypes

    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _fsync_tree(folder: Path) -> None:
    """Flush the files and folders of ``folder`` to disk before it is published."""
    if os.name == "nt":  # pragma: no cover - directory fsync is not available on Windows
        return
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # pragma: no cover
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _publish(staging: Path, target: Path) -> Path | None:
    """Move the complete ``staging`` folder to ``target``; return where the old report went.

    Caller holds the (cycle, analysis) lock and has written the ``.publish`` marker.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.rename(staging, target)
        _fsync_dir(target.parent)
        return None
    previous = _previous_path(target)
    if _exchange(staging, target):
        # target now holds the new report, staging the old one: keep the old one
        _pause("exchanged")
        try:
            os.rename(staging, previous)
        except OSError:
            with contextlib.suppress(OSError):
                _exchange(staging, target)  # undo: the old report back in place
            raise
    else:
        os.rename(target, previous)
        _pause("between-renames")
        try:
            os.rename(staging, target)
        except OSError:
            os.rename(previous, target)  # put the old report back
            raise
    _fsync_dir(target.parent)
    return previous


def _read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _settle_stale(out: Path, entry: Path, cycle: str, analysis: str, token: str) -> None:
    """Finish or undo what a killed run left in staging (its pair's lock is held)."""
    marker = entry.with_name(entry.name + ".publish")
    if entry.is_dir():
        if marker.exists():
            manifest = _read_manifest(entry) or {}
            target = out / cycle / analysis
            if manifest.get("run_id") != token:
                # the old report, swapped out by the exchange: keep it
                os.rename(entry, _previous_path_for(entry, target))
            elif not target.exists():
                # killed between the two renames: finish publishing
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(entry, target)
            else:
                shutil.rmtree(entry)
        else:
            shutil.rmtree(entry)
    elif entry.exists():
        entry.unlink()
    marker.unlink(missing_ok=True)


def _previous_path_for(old_report: Path, target: Path) -> Path:
    return _free_name(target.parent, f"{target.name}.previous-{_run_stamp(old_report)}")


def clean_staging(out: str | Path, *, held: tuple[str, str] | None = None) -> list[Path]:
    """Settle what killed runs left in ``<out>/.staging/``; return the entries handled.

    An entry ``<cycle>-<analysis>-<token>`` is stale when its (cycle, analysis) lock can be
    taken (or is ``held`` by the caller); entries of live runs are left alone, and so are
    names the runner does not make.
    """
    out = Path(out)
    staging = out / ".staging"
    if not staging.is_dir():
        return []
    handled = []
    for entry in sorted(staging.iterdir()):
        name = entry.name.removesuffix(".publish")
        m = _STAGING_RE.match(name)
        if not m:
            continue
        pair = (m["cycle"], m["analysis"])
        if entry.name.endswith(".publish") and (staging / name).exists():
            continue  # handled with its folder
        lock = None
        if pair != held:
            lock_path(out, *pair).parent.mkdir(exist_ok=True)
            lock = _FileLock(lock_path(out, *pair))
            if not lock.acquire():
                continue  # a live run
        try:
            _settle_stale(out, staging / name, *pair, m["token"])
            handled.append(entry)
        finally:
            if lock is not None:
                lock.release()
    return handled


# ====================================================================== kernel
@functools.cache
def _kernel_manager_class():
    """A kernel manager whose kernel is always this interpreter (``sys.executable``).

    ``jupyter_client`` resolves the kernel name ``python3`` through ``JUPYTER_PATH``, the
    user's ``~/.local/share/jupyter/kernels`` and only then the environment's own kernelspec,
    so a user-level ``python3`` spec pointing at another Python would run the notebook
    without evalstats (or with another version of it).  This manager ignores kernelspec
    files and launches ipykernel with ``sys.executable``.
    """
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec

    class CurrentPythonKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                spec = get_kernel_dict()
                self._kernel_spec = KernelSpec(
                    argv=spec["argv"],
                    display_name=spec["display_name"],
                    language="python",
                    metadata=spec.get("metadata", {}),
                    resource_dir=str(RESOURCES),
                )
            return self._kernel_spec

    return CurrentPythonKernelManager


# ====================================================================== tables
def read_table(path: str | Path):
    """Read back a ``tables/*.csv`` written by :func:`evalstats.present.report.write_csv`.

    Code columns (``unit``, ``group``, …) stay text, so a unit code ``"007"`` keeps its zeros;
    other columns become numbers when every value is one (and none has a leading zero),
    ``True``/``False`` columns become booleans.
    """
    import pandas as pd

    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, na_values=[""])
    for pos, column in enumerate(df.columns):
        s = df.iloc[:, pos]
        present = s.dropna()
        if column in _TEXT_COLUMNS or present.empty:
            continue
        if present.isin(["True", "False"]).all():
            df.isetitem(pos, s.map({"True": True, "False": False}).astype(object))
            if s.notna().all():
                df.isetitem(pos, df.iloc[:, pos].astype(bool))
            continue
        num = pd.to_numeric(present, errors="coerce")
        if num.notna().all() and not present.str.match(r"^\s*[+-]?0\d").any():
            df.isetitem(pos, pd.to_numeric(s, errors="coerce"))
    return df


def _ordered_tables(paths: Sequence[Path]) -> list[Path]:
    rank = {n: i for i, n in enumerate(TABLE_ORDER)}
    return sorted(paths, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


# ====================================================================== the run
def _step(progress: bool, text: str) -> None:
    if progress:
        print(f"evalstats run: {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class _Plan:
    """Everything a run needs, checked before anything is read or written."""

    analysis: str
    cycle: str
    cycles: tuple
    root: Path
    data_dir: Path
    folders: tuple
    notebook: Path
    declared: dict
    params: dict
    scheme: object
    scheme_file: Path | None
    out: Path
    shown_out: str
    lang: str
    seed: object
    backend: str = "pandas"
    backend_options: tuple = ()

    @property
    def target(self) -> Path:
        return self.out / self.cycle / self.analysis


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
        Show papermill's progress bar and the runner's steps on stderr.
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
    started = _now()
    timings: dict[str, float] = {}
    plan = _plan(analysis, cycle, data, scheme, out, parameters, notebook, lang)
    plan = _with_backend(plan, backend, scheduler, memory_limit)

    _step(progress, f"validating {', '.join(plan.cycles)} in {plan.data_dir}")
    _require_key(plan)
    # Step 2 runs in a thread while the kernel starts and works (the second core): invalid
    # data still ends the run with exit 1 and nothing published, whatever the kernel did.
    checking = _Checking(plan)
    try:
        lock = _lock(plan, started)
    except BaseException as exc:
        checking.raise_if_failed(exc)
        raise
    try:
        _pause("locked")
        with _writing(plan.out, plan.shown_out):
            clean_staging(plan.out, held=(plan.cycle, plan.analysis))
            token = secrets.token_hex(4)
            staging = plan.out / ".staging" / f"{plan.cycle}-{plan.analysis}-{token}"
            staging.mkdir()
        marker = staging.with_name(staging.name + ".publish")
        try:
            _pause("staged")
            t = time.perf_counter()
            _step(progress, f"executing {_rel(plan.notebook, plan.root)} for {plan.cycle}")
            params = {**plan.params, "output_dir": str(staging)}
            _execute(
                plan,
                staging / NOTEBOOK_FILE,
                params,
                progress=progress,
                started=started,
                before_failing=checking.raise_if_failed,
            )
            timings["execute"] = time.perf_counter() - t
            before = checking.result()
            timings["validate"] = checking.seconds
            identifiers = checking.identifiers
            _pause("executed")

            tables, workbook, neutralised = _render(plan, staging, timings, progress)
            _pause("rendered")
            changed = _changed(before, list(before))
            if changed:
                raise InputsChanged(
                    "input files changed during the run, the report was not published: "
                    + ", ".join(changed)
                )
            timings["total_before_publish"] = time.perf_counter() - t_start
            _write_manifest(
                plan,
                staging,
                token,
                params,
                before,
                started,
                timings,
                neutralised,
                identifiers=identifiers,
            )
            _pause("manifest")

            _step(progress, f"publishing {plan.target}")
            previous = _publish_staged(plan, staging, marker)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                if marker.exists():
                    # publishing had begun: staging may hold the old report now
                    _settle_stale(plan.out, staging, plan.cycle, plan.analysis, token)
                elif staging.exists():
                    shutil.rmtree(staging)
            checking.raise_if_failed(exc)  # invalid data outranks what failed meanwhile
            raise
    finally:
        lock.release()

    target = plan.target
    return RunResult(
        analysis=plan.analysis,
        cycle=plan.cycle,
        report_dir=target,
        previous_dir=previous,
        html=target / HTML_FILE,
        workbook=target / workbook.name,
        tables=[target / "tables" / p.name for p in tables],
        figures=sorted(
            p
            for p in (target / "figures").glob("*")
            if p.suffix.lower() in (".png", ".svg", ".pdf", ".csv")
        ),
        manifest=target / MANIFEST_FILE,
        seconds=time.perf_counter() - t_start,
    )


def _plan(analysis, cycle, data, scheme, out, parameters, notebook, lang) -> _Plan:
    """Step 1: check the arguments and the notebook's parameters; read nothing else."""
    check_option("analysis", analysis, ANALYSES)
    if lang is not None:
        check_option("lang", lang, LANGS)
    if parameters is not None and not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a mapping; got {type(parameters).__name__}")
    from evalstats.core.config import project_root, resolve_path
    from evalstats.core.scheme import load_scheme

    root = project_root()
    data_dir, cycle = resolve_data(data, cycle, root=root)
    if notebook is not None:
        nb_path = resolve_path(notebook, root=root)
    else:
        nb_path = root / "notebooks" / NOTEBOOKS[analysis]
    declared = notebook_parameters(nb_path)
    needed = ["cycle", "data_dir", "scheme", "output_dir"] + (["language"] if lang else [])
    missing = [n for n in needed if n not in declared]
    if missing:
        raise RunUsageError(
            f"{nb_path.name} does not declare the parameter(s) the runner sets: "
            + ", ".join(missing)
        )
    params = _check_parameters(dict(parameters or {}), declared, nb_path)
    scheme_obj = load_scheme(scheme)
    scheme_file = resolve_path(scheme, root=root) if scheme is not None else None

    cycles = [cycle]
    folders = [_cycle_folder(data_dir, cycle)]
    if analysis == "annual" and HALF_YEAR_PARAMETER in declared:
        half = params.get(HALF_YEAR_PARAMETER) or derive_half_year_cycle(cycle)
        if not half:
            raise RunUsageError(
                f"cannot derive the half-year cycle of {cycle!r}; "
                f"give it with -p {HALF_YEAR_PARAMETER}=<cycle>"
            )
        params[HALF_YEAR_PARAMETER] = _check_cycle(half)
        cycles.append(half)
        hint = f"; the annual analysis needs it (set -p {HALF_YEAR_PARAMETER}=<cycle>)"
        folders.append(_cycle_folder(data_dir, half, hint))

    params["cycle"] = cycle
    params["data_dir"] = str(data_dir)
    params["scheme"] = str(scheme_file) if scheme_file is not None else ""
    if lang:
        params["language"] = lang
    report_lang = lang or _literal_default(declared.get("language"))
    return _Plan(
        analysis=analysis,
        cycle=cycle,
        cycles=tuple(cycles),
        root=root,
        data_dir=data_dir,
        folders=tuple(folders),
        notebook=nb_path,
        declared=declared,
        params=params,
        scheme=scheme_obj,
        scheme_file=scheme_file,
        out=resolve_path(out, root=root) if out is not None else root / "reports",
        shown_out=str(out) if out is not None else "reports",
        lang=report_lang if report_lang in LANGS else "zh",
        seed=params.get("seed", _literal_default(declared.get("seed"))),
    )


def _with_backend(plan: _Plan, backend, scheduler, memory_limit) -> _Plan:
    """Step 1b: resolve the backend (``auto`` by input size) and the notebook parameters."""
    from dataclasses import replace

    from evalstats.counts.backends import BACKENDS, choose_backend

    check_option("backend", backend, BACKENDS)
    if backend == "auto":
        backend = choose_backend(plan.folders[0], scheduler=scheduler)
    if scheduler is not None and backend != "dask":
        raise RunUsageError(f"--scheduler is only used with --backend dask; got {backend}")
    if memory_limit is not None and backend == "pandas":
        raise RunUsageError("--memory-limit is only used with --backend duckdb or dask")
    options = {"scheduler": scheduler, "memory_limit": memory_limit}
    params = dict(plan.params)
    if "backend" in plan.declared:
        params["backend"] = backend
    for name, value in options.items():
        if value is not None and name in plan.declared:
            params[name] = value
    return replace(
        plan,
        params=params,
        backend=backend,
        backend_options=tuple((k, v) for k, v in options.items() if v is not None),
    )


def _require_key(plan: _Plan) -> None:
    """Step 1c: a public run whose responses carry identifiers needs a pseudonym key.

    Only the responses files' header rows are read; the key itself comes from the environment
    (``EVALSTATS_PSEUDONYM_KEY`` / ``EVALSTATS_PSEUDONYM_KEY_FILE``), which the kernel inherits:
    it is never a notebook parameter, so it never reaches the executed notebook or the manifest.
    """
    from evalstats.inputs.pseudonym import require_key_for_identifiers

    tier = plan.params.get("tier", _literal_default(plan.declared.get("tier")))
    if tier != "public":
        return
    for folder in plan.folders:
        require_key_for_identifiers(folder, scheme=plan.scheme, data_folders=[plan.data_dir])


class _Checking:
    """Step 2 (:func:`_hash_and_validate`) in a thread, beside the notebook's execution.

    Validation is the runner's one heavy job and the kernel idles the second core while it
    starts and reads: on a 1M-form annual cycle running them side by side saves ~10 s.
    """

    def __init__(self, plan: _Plan):
        self.identifiers: dict = {}
        self.seconds: float | None = None
        self._result = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(plan,), name="evalstats-validate", daemon=True
        )
        self._thread.start()

    def _run(self, plan: _Plan) -> None:
        t = time.perf_counter()
        try:
            self._result = _hash_and_validate(plan, identifiers=self.identifiers)
        except BaseException as exc:  # handed to the main thread by result()
            self._error = exc
        finally:
            self.seconds = time.perf_counter() - t

    def result(self) -> dict[Path, tuple[str, int]]:
        """The input hashes, once validation is done; its error if it failed."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result

    def raise_if_failed(self, exc: BaseException | None = None) -> None:
        """After ``exc`` stopped the run: raise the validation's error instead, if any.

        An interrupt (Ctrl-C) does not wait for the validation to finish.
        """
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            return
        self._thread.join()
        if self._error is not None:
            raise self._error from None


def _hash_and_validate(
    plan: _Plan, *, identifiers: dict | None = None
) -> dict[Path, tuple[str, int]]:
    """Step 2: hash every input file, then validate the cycle(s); InputError if invalid.

    ``identifiers``, when given, is filled with each cycle's respondent-identifier summary
    (pseudonymised / dropped / absent, and the key's fingerprint) for the manifest.
    """
    from evalstats.inputs.validate import validate_cycle

    files = _input_files(plan.folders, [plan.scheme_file])
    before = _hash_inputs(files)
    if plan.backend == "pandas":
        validated = [
            validate_cycle(f, scheme=plan.scheme, cycle=c)
            for f, c in zip(plan.folders, plan.cycles, strict=True)
        ]
    else:  # out of core: the DuckDB scan (every row checked, problems with their rows)
        from evalstats.counts.backends import scan_cycle

        limit = dict(plan.backend_options).get("memory_limit")
        validated = [
            scan_cycle(f, scheme=plan.scheme, cycle=c, memory_limit=limit)
            for f, c in zip(plan.folders, plan.cycles, strict=True)
        ]
    if identifiers is not None:
        for c, v in zip(plan.cycles, validated, strict=True):
            summary = v.summary() if hasattr(v, "summary") else {}
            identifiers[c] = summary.get("identifiers", {"action": "not_checked"})
    # the bytes validated must be the bytes hashed
    read = {
        Path(f): sha
        for v in validated
        for f, sha in zip(v.inputs["file"], v.inputs["sha256"], strict=True)
        if isinstance(f, str) and isinstance(sha, str)
    }
    changed = [str(p) for p, sha in read.items() if p in before and before[p][0] != sha]
    if changed:
        raise InputsChanged("input files changed while they were read: " + ", ".join(changed))
    return before


def _lock(plan: _Plan, started) -> _FileLock:
    """Step 3: create the output folders and take the (cycle, analysis) lock."""
    with _writing(plan.out, plan.shown_out):
        plan.out.mkdir(parents=True, exist_ok=True)
        (plan.out / ".locks").mkdir(exist_ok=True)
        (plan.out / ".staging").mkdir(exist_ok=True)
        lock = _FileLock(lock_path(plan.out, plan.cycle, plan.analysis))
        # another run's staging clean-up holds a pair's lock for milliseconds: wait that out
        acquired = lock.acquire(wait=LOCK_WAIT_SECONDS)
    if not acquired:
        owner = lock.owner()
        by = f"; {owner}" if owner else ""
        raise RunLocked(
            f"another run of {plan.cycle} {plan.analysis} is in progress (lock {lock.path}{by})"
        )
    lock.note_owner(f"pid {os.getpid()} since {started.isoformat()}")
    return lock


def _render(plan: _Plan, staging: Path, timings, progress):
    """Step 6: check the notebook's outputs, then write report.html and the workbook.

    Returns the tables, the workbook and the cells neutralised per table (from
    ``summary.json``'s ``neutralised_cells``; None when the notebook did not report them).
    """
    from evalstats.present import report

    tables = _ordered_tables(sorted((staging / "tables").glob("*.csv")))
    if not tables:
        raise RunError(
            f"{plan.notebook.name} wrote no tables (expected tables/*.csv in output_dir)"
        )
    neutralised = _summary_neutralised(plan, staging, [p.stem for p in tables])
    zh, en = _ANALYSIS_LABELS[plan.analysis]
    title = f"{plan.cycle} {zh}分析报告" if plan.lang == "zh" else f"{plan.cycle} {en} report"
    with _writing(plan.out, plan.shown_out):
        t = time.perf_counter()
        _step(progress, "rendering the HTML report")
        report.render_html(
            staging / NOTEBOOK_FILE,
            staging / HTML_FILE,
            title=title,
            lang=plan.lang,
            footer=safety_note(neutralised, lang=plan.lang),
        )
        timings["html"] = time.perf_counter() - t

        t = time.perf_counter()
        _step(progress, "writing the workbook")
        workbook = staging / f"report_{plan.cycle}_{plan.analysis}.xlsx"
        report.write_workbook(
            {p.stem: read_table(p) for p in tables},
            workbook,
            scheme=plan.scheme,
            lang=plan.lang,
            notes=_workbook_notes(plan),
            safety_text=safety_note(neutralised, lang=plan.lang, page=False),
        )
        timings["workbook"] = time.perf_counter() - t
    return tables, workbook, neutralised


def _summary_neutralised(plan: _Plan, staging: Path, names: Sequence[str]) -> dict | None:
    """``neutralised_cells`` of the notebook's ``summary.json``: table → cells, or None.

    The notebook's mapping as it is (nothing invented for a table it did not count), in the
    order of the tables.  A ``summary.json`` that is not JSON, or a mapping that is not table
    name → whole number ≥ 0, is a notebook error (:class:`RunError`, exit 3).
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
    >>> safety_note({"rectification": 3, "scores": 0}, lang="en")[:60]
    'Safe exports: 3 text cell(s) of the tables (rectification 3)'
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
            "full-width ＝＋－＠), a tab or a carriage return got a leading apostrophe and "
            "control characters were removed; the notebook did not report how many."
        )
        return text + shown if page else _unlabelled(text)
    total = sum(neutralised.values())
    parts = [f"{name} {n}" for name, n in neutralised.items() if n]
    if zh:
        where = f"（{'，'.join(parts)}）" if parts else ""
        text = (
            f"安全处理：表格中共有 {total} 个文本单元格{where}以 = + - @（含全角 ＝＋－＠）、"
            "制表符或回车开头或含控制字符，已在 tables/*.csv 与 Excel 工作簿中加单引号或删除"
            "控制字符，不会被当作公式执行。"
        )
    else:
        where = f" ({', '.join(parts)})" if parts else ""
        text = (
            f"Safe exports: {total} text cell(s) of the tables{where} began with = + - @ (or "
            "full-width ＝＋－＠), a tab or a carriage return, or held control characters: in "
            "tables/*.csv and the Excel workbook they got a leading apostrophe or lost the "
            "control characters, so no cell runs as a formula."
        )
    return text + shown if page else _unlabelled(text)


def _unlabelled(text: str) -> str:
    """The note without its lead-in, for the workbook row whose key already says 安全处理."""
    rest = text.removeprefix("安全处理：").removeprefix("Safe exports: ")
    return rest[:1].upper() + rest[1:]


def _write_manifest(
    plan: _Plan, staging, token, params, before, started, timings, neutralised, *, identifiers=None
) -> Path:
    """Step 7: ``manifest.json`` — inputs, scheme, parameters, versions, timings, outputs.

    Paths of data inputs are relative to ``data_dir``, the scheme file's is absolute, the
    notebook's relative to ``project_root`` (absolute when outside it), the outputs' relative
    to the report folder: :func:`evalstats.run.verify.verify_report` reads them so.
    ``neutralised_cells`` is the notebook's count of neutralised text cells per table (None
    when it did not report one).
    """
    from evalstats.present import report

    scheme = plan.scheme
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "run_id": token,
        "analysis": plan.analysis,
        "cycle": plan.cycle,
        "cycles": list(plan.cycles),
        "run": {"started": started.isoformat(), "finished": _now().isoformat()},
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "project_root": str(plan.root),
        "data_dir": str(plan.data_dir),
        "inputs": [
            {
                "path": str(p) if p == plan.scheme_file else _rel(p, plan.data_dir),
                "role": "scheme" if p == plan.scheme_file else "data",
                "sha256": sha,
                "size": size,
            }
            for p, (sha, size) in before.items()
        ],
        "scheme": {
            "name": scheme.name,
            "version": scheme.version,
            "source": scheme.source,
            "sha256": scheme.sha256,
        },
        "notebook": {
            "path": _rel(plan.notebook, plan.root),
            "sha256": sha256_file(plan.notebook),
        },
        "parameters": {k: params[k] for k in sorted(params)},
        "backend": {"name": plan.backend, **dict(plan.backend_options)},
        "seed": plan.seed,
        "language": plan.lang,
        "versions": _package_versions(),
        SUMMARY_NEUTRALISED: neutralised,
        "respondent_identifiers": identifiers,
        "outputs": [
            {"path": _rel(p, staging), "sha256": sha256_file(p), "size": p.stat().st_size}
            for p in sorted(staging.rglob("*"))
            if p.is_file()
        ],
    }
    with _writing(plan.out, plan.shown_out):
        path = report.write_json(manifest, staging / MANIFEST_FILE)
        _fsync_tree(staging)
    return path


def _publish_staged(plan: _Plan, staging: Path, marker: Path) -> Path | None:
    """Step 8: mark, then move the staging folder into place (see the module notes)."""
    target = plan.target
    with _writing(plan.out, plan.shown_out):
        marker.write_text(json.dumps({"target": f"{plan.cycle}/{plan.analysis}"}), "utf-8")
        _fsync_dir(marker.parent)
        _pause("marked")
        try:
            previous = _publish(staging, target)
        except PermissionError as exc:
            raise OutputError(
                f"cannot replace {target}: permission denied. If a file of the report is open "
                "in another program (Excel, WPS), close it and run again; otherwise check that "
                f"you may write to {target.parent}"
            ) from exc
    _pause("published")
    with contextlib.suppress(OSError):
        marker.unlink(missing_ok=True)
    return previous


def _workbook_notes(plan: _Plan) -> dict[str, object]:
    """Rows of the workbook's first sheet.  No run time: the same inputs give the same bytes
    (the run time is in ``manifest.json``)."""
    cycle, scheme, seed, lang = plan.cycle, plan.scheme, plan.seed, plan.lang
    zh, en = _ANALYSIS_LABELS[plan.analysis]
    if lang == "zh":
        notes = {
            "测评周期": cycle,
            "分析": zh,
            "评议方案": f"{scheme.name}（版本 {scheme.version}）",
        }
        if seed is not None:
            notes["随机种子"] = seed
        notes["清单"] = (
            f"运行时间、输入文件与输出文件的 sha256 见同一文件夹的 {MANIFEST_FILE}；"
            "用 evalstats verify 核对"
        )
        return notes
    notes = {
        "Cycle": cycle,
        "Analysis": en,
        "Scheme": f"{scheme.name} (version {scheme.version})",
    }
    if seed is not None:
        notes["Random seed"] = seed
    notes["Manifest"] = (
        f"run time and sha256 of the input and output files: {MANIFEST_FILE} in this folder; "
        "check them with evalstats verify"
    )
    return notes


def _execute(
    plan: _Plan, executed: Path, params, *, progress, started, before_failing=None
) -> None:
    """Step 5: papermill.execute_notebook; a failure keeps the notebook, raises NotebookFailed.

    ``before_failing(exc)``, called first when execution fails, may raise instead (the
    validation running beside it found invalid data: exit 1, no notebook kept).
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    def failing(exc):
        if before_failing is not None:
            before_failing(exc)

    try:
        papermill.execute_notebook(
            str(plan.notebook),
            str(executed),
            parameters=params,
            progress_bar=progress,
            cwd=str(plan.root),
            kernel_name=KERNEL_NAME,
            language="python",
            kernel_manager_class=_kernel_manager_class(),
        )
    except papermill.PapermillExecutionError as exc:
        failing(exc)
        kept = _keep_failed(executed, plan, started)
        full = re.match(r"\[Errno (\d+)\]", exc.evalue or "")
        if full and int(full.group(1)) in _DISK_ERRNOS:
            # the notebook could not write its tables: the output location, not the notebook
            where = (
                plan.shown_out if plan.shown_out.endswith(("/", os.sep)) else plan.shown_out + "/"
            )
            raise OutputError(
                f"cannot write to {where}: {_ERRNO_TEXT[int(full.group(1))]} (while "
                f"{plan.notebook.name} wrote its outputs: {exc.ename}: {exc.evalue})"
            ) from None
        raise NotebookFailed(
            notebook_name=plan.notebook.name,
            cell_index=_source_index(plan.notebook, exc.cell_index),
            exec_count=exc.exec_count,
            source=exc.source or "",
            ename=exc.ename,
            evalue=exc.evalue,
            notebook=kept,
        ) from None
    except (DeadKernelError, CellTimeoutError) as exc:
        failing(exc)
        kept = _keep_failed(executed, plan, started)
        raise NotebookFailed(
            notebook_name=plan.notebook.name,
            cell_index=None,
            exec_count=None,
            source="",
            ename=type(exc).__name__,
            evalue=str(exc).strip().splitlines()[0] if str(exc).strip() else "",
            notebook=kept,
        ) from None
    except OSError as exc:
        failing(exc)
        # papermill writes the executed notebook as it goes: a full disk or a read-only
        # output location shows up here
        inside = exc.filename is not None and _is_under(Path(str(exc.filename)), plan.out)
        if exc.errno in _DISK_ERRNOS or inside:
            with _writing(plan.out, plan.shown_out):
                raise
        raise


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def _source_index(notebook: Path, executed_index: int) -> int:
    """Index of a cell in the source notebook, from its index in the executed one.

    papermill inserts an ``injected-parameters`` cell after the cell tagged ``parameters``.
    """
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    return executed_index - 1 if tagged and executed_index > tagged[0] else executed_index


def _keep_failed(executed: Path, plan: _Plan, started) -> Path | None:
    """Move the executed notebook of a failed run to ``<out>/_failed/``."""
    if not executed.is_file():
        return None
    cycle, analysis = plan.cycle, plan.analysis
    folder = plan.out / "_failed"
    try:
        folder.mkdir(exist_ok=True)
        dest = _free_name(folder, f"{cycle}-{analysis}-{started.strftime(_STAMP)}", ".ipynb")
        os.replace(executed, dest)
    except OSError:
        return None
    return dest


# ====================================================================== command line
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


def _shown(path: Path) -> str:
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
    print(f"{r.cycle} {r.analysis} report published in {_shown(r.report_dir)}/")
    print(f"  HTML:      {_shown(r.html)}")
    print(f"  workbook:  {_shown(r.workbook)}")
    print(f"  tables:    {_shown(r.report_dir / 'tables')}/ ({names})")
    if r.figures:
        print(f"  figures:   {_shown(r.report_dir / 'figures')}/ ({len(r.figures)} files)")
    print(f"  manifest:  {_shown(r.manifest)}")
    if r.previous_dir is not None:
        print(f"previous report kept in {_shown(r.previous_dir)}/")
    print(f"done in {r.seconds:.1f} s")
    return 0
