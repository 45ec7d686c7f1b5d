"""The publisher: lock → staging → manifest → atomic publication, for every output folder.

``evalstats run`` (:mod:`evalstats.run.runner`) and ``evalstats letters``
(:mod:`evalstats.run.letters`) publish their folders the same way, through the public names
of this module:

1. :func:`acquire_lock` takes the ``(cycle, analysis)`` lock
   (``<out>/.locks/<cycle>-<analysis>.lock``) or raises :class:`RunLocked`;
2. :func:`new_staging` settles what killed runs left (:func:`clean_staging`) and makes the
   run's staging folder ``<out>/.staging/<cycle>-<analysis>-<token>/``;
3. the caller writes its outputs there, checks its inputs did not change
   (:func:`hash_inputs`, :func:`changed_inputs`) and writes ``manifest.json``
   (:func:`write_manifest`, with :func:`output_entries`, :func:`package_versions`), signed
   with ``manifest.sig`` when a signing key is set (:mod:`evalstats.run.signing`);
4. :func:`publish_staged` marks and moves the staging folder into place, keeping an older
   folder as ``<analysis>.previous-<its run time>``; on any failure :func:`discard_staging`
   removes the staging folder or finishes / undoes a publication that had begun.

:func:`writing` turns an OSError under the output folder into a clear :class:`OutputError`.

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
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> lock = acquire_lock(out, "2026A", "letters", what="letters run of 2026A")
>>> staging, token = new_staging(out, "2026A", "letters")
>>> _ = (staging / "a.txt").write_text("x")
>>> _ = write_manifest({"run_id": token, "outputs": output_entries(staging)}, staging, out=out)
>>> publish_staged(staging, out / "2026A" / "letters", out=out) is None
True
>>> lock.release()
>>> sorted(p.name for p in (out / "2026A" / "letters").iterdir())
['a.txt', 'manifest.json']
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import functools
import importlib.metadata
import json
import os
import platform
import re
import secrets
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from evalstats.core.errors import RunError
from evalstats.core.files import fsync_dir, fsync_tree, relative, sha256_file

__all__ = [
    "DISK_ERRNOS",
    "ERRNO_TEXT",
    "LOCK_WAIT_SECONDS",
    "MANIFEST_FILE",
    "MANIFEST_VERSION",
    "PACKAGES",
    "PAUSE_STEPS",
    "STAGING_RE",
    "STAMP_FORMAT",
    "TEST_PAUSE_ENV",
    "FileLock",
    "InputsChanged",
    "OutputError",
    "RunLocked",
    "acquire_lock",
    "changed_inputs",
    "clean_staging",
    "discard_staging",
    "exchange",
    "free_name",
    "hash_inputs",
    "input_files",
    "local_now",
    "lock_path",
    "marker_of",
    "new_run_id",
    "new_staging",
    "output_entries",
    "package_versions",
    "pause",
    "previous_path",
    "publish_folder",
    "publish_staged",
    "read_manifest",
    "renameat2",
    "run_stamp",
    "settle_stale",
    "write_manifest",
    "writing",
]

MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1
"""Version of the manifest's layout (``manifest_version``)."""
PACKAGES = (
    "evalstats",
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
    "papermill",
)
"""Packages whose versions go into the manifest (with Python's)."""
LOCK_WAIT_SECONDS = 2.0
"""How long a run waits for its lock before refusing (clean-ups hold locks briefly)."""
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
"""The steps of a run at which the test hook can stop it, in order."""
STAGING_RE = re.compile(
    r"^(?P<cycle>.+)-(?P<analysis>half-year|annual|letters)-(?P<token>[0-9a-f]{8})$"
)
"""Names of staging folders: ``<cycle>-<analysis>-<token>``."""
STAMP_FORMAT = "%Y%m%dT%H%M%S"
"""Run times in folder names (``annual.previous-20260102T030405``)."""


# ====================================================================== errors
class RunLocked(RunError):
    """Another run of the same cycle and analysis holds the lock (exit 2)."""


class OutputError(RunError):
    """The output location cannot be written: permission denied, disk full, file in use (exit 2)."""


class InputsChanged(RunError):
    """An input file changed while the run read it; nothing was published (exit 1)."""


# ====================================================================== inputs and manifest
def input_files(folders: Sequence[Path], extra: Sequence[Path]) -> list[Path]:
    """The input files of a run: every file of ``folders`` (not ``~$…`` or hidden), then
    ``extra`` (the scheme file; None is skipped)."""
    files = [
        p
        for f in folders
        for p in sorted(f.iterdir())
        if p.is_file() and not p.name.startswith(("~$", "."))
    ]
    return files + [p for p in extra if p is not None]


def hash_inputs(files: Sequence[Path]) -> dict[Path, tuple[str, int]]:
    """File → ``(sha256, size)``, taken before a run reads them (see :func:`changed_inputs`)."""
    return {p: (sha256_file(p), p.stat().st_size) for p in files}


def changed_inputs(before: Mapping[Path, tuple], files: Sequence[Path]) -> list[str]:
    """The files of ``before`` (:func:`hash_inputs`) that were removed or changed since, as
    ``"<path> (removed)"`` / ``"<path> (contents changed)"``."""
    out = []
    for p in files:
        if not p.exists():
            out.append(f"{p} (removed)")
        elif sha256_file(p) != before[p][0]:
            out.append(f"{p} (contents changed)")
    return out


def package_versions() -> dict[str, str | None]:
    """Python's version and those of :data:`PACKAGES` (None when not installed), for manifests."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def local_now() -> _dt.datetime:
    """Now, in the local time zone, to the second (manifests' ``started`` / ``finished``)."""
    return _dt.datetime.now().astimezone().replace(microsecond=0)


# ====================================================================== output errors
ERRNO_TEXT = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
}


DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
"""Errors that can only mean the output location cannot take the report."""


@contextlib.contextmanager
def writing(out: Path, shown: str | None = None):
    """Turn an OSError raised while writing under ``out`` into a clear :class:`OutputError`."""
    try:
        yield
    except OutputError:
        raise
    except OSError as exc:
        what = ERRNO_TEXT.get(exc.errno) or exc.strerror or str(exc)
        where = shown or str(out)
        if not where.endswith(("/", os.sep)):
            where += "/"
        raise OutputError(f"cannot write to {where}: {what}") from exc


# ====================================================================== test hook
def pause(step: str) -> None:
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
class FileLock:
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
def run_stamp(report: Path) -> str:
    """Run time of a published report (its manifest's ``started``, else the folder's mtime)."""
    try:
        manifest = json.loads((report / MANIFEST_FILE).read_text(encoding="utf-8"))
        return _dt.datetime.fromisoformat(manifest["run"]["started"]).strftime(STAMP_FORMAT)
    except (OSError, ValueError, KeyError, TypeError):
        return _dt.datetime.fromtimestamp(report.stat().st_mtime).strftime(STAMP_FORMAT)


def free_name(folder: Path, stem: str, suffix: str = "") -> Path:
    """``folder/<stem><suffix>``, or ``<stem>-2<suffix>``, ``-3``, … when that is taken."""
    path = folder / f"{stem}{suffix}"
    n = 2
    while path.exists() or path.is_symlink():
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def previous_path(report: Path) -> Path:
    """Where a published report goes when replaced: ``<analysis>.previous-<run time>``."""
    return free_name(report.parent, f"{report.name}.previous-{run_stamp(report)}")


@functools.cache
def renameat2():
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


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``RENAME_EXCHANGE``); False where unsupported."""
    fn = renameat2()
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


def publish_folder(staging: Path, target: Path) -> Path | None:
    """Move the complete ``staging`` folder to ``target``; return where the old report went.

    Caller holds the (cycle, analysis) lock and has written the ``.publish`` marker.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.rename(staging, target)
        fsync_dir(target.parent)
        return None
    previous = previous_path(target)
    if exchange(staging, target):
        # target now holds the new report, staging the old one: keep the old one
        pause("exchanged")
        try:
            os.rename(staging, previous)
        except OSError:
            with contextlib.suppress(OSError):
                exchange(staging, target)  # undo: the old report back in place
            raise
    else:
        os.rename(target, previous)
        pause("between-renames")
        try:
            os.rename(staging, target)
        except OSError:
            os.rename(previous, target)  # put the old report back
            raise
    fsync_dir(target.parent)
    return previous


def read_manifest(folder: Path) -> dict | None:
    """``folder/manifest.json`` as a dict; None when it is missing or unreadable."""
    try:
        return json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def settle_stale(out: Path, entry: Path, cycle: str, analysis: str, token: str) -> None:
    """Finish or undo what a killed run left in staging (its pair's lock is held)."""
    marker = entry.with_name(entry.name + ".publish")
    if entry.is_dir():
        if marker.exists():
            manifest = read_manifest(entry) or {}
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
    return free_name(target.parent, f"{target.name}.previous-{run_stamp(old_report)}")


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
        m = STAGING_RE.match(name)
        if not m:
            continue
        pair = (m["cycle"], m["analysis"])
        if entry.name.endswith(".publish") and (staging / name).exists():
            continue  # handled with its folder
        lock = None
        if pair != held:
            lock_path(out, *pair).parent.mkdir(exist_ok=True)
            lock = FileLock(lock_path(out, *pair))
            if not lock.acquire():
                continue  # a live run
        try:
            settle_stale(out, staging / name, *pair, m["token"])
            handled.append(entry)
        finally:
            if lock is not None:
                lock.release()
    return handled


# ====================================================================== the sequence
def acquire_lock(
    out: Path, cycle: str, analysis: str, *, what: str, shown_out: str | None = None, started=None
) -> FileLock:
    """Make ``out`` with its ``.locks`` and ``.staging`` folders and take the ``(cycle,
    analysis)`` lock, waiting :data:`LOCK_WAIT_SECONDS` (another run's clean-up holds a lock for
    milliseconds); note the owner (pid and ``started``) in the lock file.

    Raises
    ------
    RunLocked
        ``"another <what> is in progress (lock <path>; <owner>)"``.
    OutputError
        ``out`` cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> lock = acquire_lock(out, "2026H1", "half-year", what="run of 2026H1 half-year")
    >>> lock.path.name
    '2026H1-half-year.lock'
    >>> lock.release()
    """
    out = Path(out)
    with writing(out, shown_out):
        out.mkdir(parents=True, exist_ok=True)
        (out / ".locks").mkdir(exist_ok=True)
        (out / ".staging").mkdir(exist_ok=True)
        lock = FileLock(lock_path(out, cycle, analysis))
        acquired = lock.acquire(wait=LOCK_WAIT_SECONDS)
    if not acquired:
        owner = lock.owner()
        by = f"; {owner}" if owner else ""
        raise RunLocked(
            f"another {what} is in progress (lock {lock.path}{by})",
            zh=f"{cycle} {analysis} 已有另一个运行正在进行（锁文件 {lock.path}{by}）；"
            "请等它结束后再运行",
        )
    started = started or local_now()
    lock.note_owner(f"pid {os.getpid()} since {started.isoformat()}")
    return lock


def new_run_id() -> str:
    """A run's id: eight random hex digits (its staging folder's token, ``run_id`` in the
    manifest, the first word of each line of its log)."""
    return secrets.token_hex(4)


def new_staging(
    out: Path, cycle: str, analysis: str, *, shown_out: str | None = None, token: str | None = None
) -> tuple[Path, str]:
    """Settle stale staging (:func:`clean_staging`; the caller holds this pair's lock), then
    make and return a fresh staging folder ``<out>/.staging/<cycle>-<analysis>-<token>`` and
    its token (``token``: the run's id chosen before, eight hex digits; default a new one).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> staging, token = new_staging(out, "2026A", "annual")
    >>> staging.name == f"2026A-annual-{token}" and staging.is_dir()
    True
    """
    out = Path(out)
    with writing(out, shown_out):
        (out / ".staging").mkdir(parents=True, exist_ok=True)
        clean_staging(out, held=(cycle, analysis))
        token = token or new_run_id()
        staging = out / ".staging" / f"{cycle}-{analysis}-{token}"
        staging.mkdir()
    return staging, token


def marker_of(staging: Path) -> Path:
    """The publish marker of a staging folder: ``<staging>.publish`` beside it.

    Examples
    --------
    >>> marker_of(Path("/o/.staging/2026A-annual-0badcafe")).name
    '2026A-annual-0badcafe.publish'
    """
    return staging.with_name(staging.name + ".publish")


def output_entries(folder: Path) -> list[dict]:
    """Every file under ``folder`` as ``{"path", "sha256", "size"}`` (path relative, POSIX),
    sorted by path: a manifest's ``outputs``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "t.csv").write_text("")
    >>> output_entries(d)[0]["path"], output_entries(d)[0]["size"]
    ('t.csv', 0)
    """
    return [
        {"path": relative(p, folder), "sha256": sha256_file(p), "size": p.stat().st_size}
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]


def write_manifest(
    manifest: Mapping, staging: Path, *, out: Path, shown_out: str | None = None, key=None
) -> Path:
    """Write ``manifest`` as ``<staging>/manifest.json`` and flush the staging folder to disk
    (the last step before :func:`publish_staged`); return the manifest's path.

    With a signing ``key`` (:class:`evalstats.run.signing.SigningKey`) the manifest records
    the key's fingerprint (its ``signature`` record) and is signed: ``manifest.sig`` beside it
    (:func:`evalstats.run.signing.sign_manifest`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_manifest({"run_id": "x"}, d, out=d).name
    'manifest.json'
    """
    from evalstats.present.report import write_json
    from evalstats.run import signing

    manifest = dict(manifest)
    if key is not None:
        manifest[signing.SIGNATURE_RECORD] = signing.signature_record(key)
    with writing(out, shown_out):
        path = write_json(manifest, staging / MANIFEST_FILE)
        if key is not None:
            signing.sign_manifest(path, key)
        fsync_tree(staging)
    return path


def publish_staged(
    staging: Path, target: Path, *, out: Path, shown_out: str | None = None
) -> Path | None:
    """Mark, then move the complete ``staging`` folder to ``target`` (:func:`publish_folder`);
    return where the folder it replaced went (None when there was none).

    The caller holds the pair's lock.  The marker (``{"target": "<cycle>/<analysis>"}``) lets
    the next run finish or undo a publication killed half-way (:func:`settle_stale`).

    Raises
    ------
    OutputError
        ``target`` cannot be replaced (a file of it open in Excel or WPS on Windows, …).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> staging, _ = new_staging(out, "2026A", "annual")
    >>> publish_staged(staging, out / "2026A" / "annual", out=out) is None
    True
    """
    marker = marker_of(staging)
    with writing(out, shown_out):
        marker.write_text(json.dumps({"target": f"{target.parent.name}/{target.name}"}), "utf-8")
        fsync_dir(marker.parent)
        pause("marked")
        try:
            previous = publish_folder(staging, target)
        except PermissionError as exc:
            raise OutputError(
                f"cannot replace {target}: permission denied. If a file of the report is open "
                "in another program (Excel, WPS), close it and run again; otherwise check that "
                f"you may write to {target.parent}"
            ) from exc
    pause("published")
    with contextlib.suppress(OSError):
        marker.unlink(missing_ok=True)
    return previous


def discard_staging(out: Path, staging: Path, cycle: str, analysis: str, token: str) -> None:
    """After a failure: remove ``staging``, or, when publishing had begun (its marker exists),
    finish or undo the publication (:func:`settle_stale`).  Never raises an OSError.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> staging, token = new_staging(out, "2026A", "annual")
    >>> discard_staging(out, staging, "2026A", "annual", token); staging.exists()
    False
    """
    with contextlib.suppress(OSError):
        if marker_of(staging).exists():
            # publishing had begun: staging may hold the old folder now
            settle_stale(out, staging, cycle, analysis, token)
        elif staging.exists():
            shutil.rmtree(staging)
