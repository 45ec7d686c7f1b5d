"""Step 5 of a run: execute the notebook with papermill, in a kernel of this interpreter.

:func:`run_notebook` runs the notebook in the staging folder; a failing cell raises
:class:`~evalstats.run.runner.errors.NotebookFailed` and keeps the executed notebook under
``<out>/_failed/``; a notebook that could not write its outputs (disk full, read-only) is the
output location's error (:class:`~evalstats.run.publish.OutputError`).  The kernel is always
this interpreter (:func:`kernel_manager_class`), whatever kernelspecs the user has.

Examples
--------
>>> import sys
>>> from evalstats.run.runner.execute import KERNEL_NAME, kernel_manager_class
>>> km = kernel_manager_class()(kernel_name=KERNEL_NAME)  # doctest: +SKIP
>>> km.kernel_spec.argv[0] == sys.executable  # doctest: +SKIP
True
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path

from evalstats.core.memory import allocator_env
from evalstats.run.publish import (
    DISK_ERRNOS,
    ERRNO_TEXT,
    STAMP_FORMAT,
    OutputError,
    free_name,
    writing,
)
from evalstats.run.runner.errors import NotebookFailed
from evalstats.run.runner.plan import RunPlan
from evalstats.run.signing import kernel_environment

__all__ = [
    "ENGINE_NAME",
    "KERNEL_IMPORTS",
    "KERNEL_NAME",
    "KERNEL_READY_TIMEOUT",
    "EarlyKernel",
    "LongLivedKernel",
    "engine_name",
    "kernel_manager_class",
    "run_notebook",
    "start_kernel",
]

KERNEL_NAME = "python3"
KERNEL_READY_TIMEOUT = 120
"""Seconds a kernel may take to answer once started (and a silent command to reply)."""


@functools.cache
def kernel_manager_class():
    """A kernel manager whose kernel is always this interpreter (``sys.executable``).

    ``jupyter_client`` resolves the kernel name ``python3`` through ``JUPYTER_PATH``, the
    user's ``~/.local/share/jupyter/kernels`` and only then the environment's own kernelspec,
    so a user-level ``python3`` spec pointing at another Python would run the notebook
    without evalstats (or with another version of it).  This manager ignores kernelspec
    files and launches ipykernel with ``sys.executable``.  The kernel's environment lacks the
    signing key's variables (:func:`evalstats.run.signing.kernel_environment`): a notebook
    never sees the key that signs its report.  Its allocators are set as the command's
    (:func:`evalstats.core.memory.allocator_env`; a variable the user has set is kept).

    On POSIX the kernel talks over Unix sockets in a private temporary folder (ZeroMQ's
    ``ipc`` transport) instead of TCP ports on localhost: kernels started at the same moment
    (two cycles at once, ``letters --jobs``) cannot be handed the same free port between its
    choice and its use, and no other local user can reach them.  The folder goes when the
    kernel is shut down.
    """
    import shutil
    import tempfile

    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec
    from traitlets import default

    class CurrentPythonKernelManager(AsyncKernelManager):
        sockets_folder = None

        @default("transport")
        def _transport_default(self):
            return "ipc" if os.name == "posix" else "tcp"

        @default("ip")
        def _ip_default(self):
            if self.transport != "ipc":
                return super()._ip_default()
            if self.sockets_folder is None:
                self.sockets_folder = tempfile.mkdtemp(prefix="evalstats-kernel-")
            return os.path.join(self.sockets_folder, "kernel")

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart and self.sockets_folder is not None:
                shutil.rmtree(self.sockets_folder, ignore_errors=True)
                self.sockets_folder = None

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

        async def start_kernel(self, **kw):
            kw["env"] = {**allocator_env(), **kernel_environment(kw.get("env") or os.environ)}
            return await super().start_kernel(**kw)

    return CurrentPythonKernelManager


ENGINE_NAME = "evalstats"
"""The papermill engine of :func:`engine_name`."""


@functools.cache
def engine_name() -> str:
    """papermill's nbclient engine, registered as :data:`ENGINE_NAME`, except that the executed
    notebook is written once, when execution ends (also when a cell failed or the kernel
    died), instead of before and after every cell as well.

    papermill's saves (each validating and writing the whole notebook, figures included) take
    a third of a second of an annual run on the demo data, while the kernel waits; nothing
    reads the notebook before the run is over.  A runner killed during execution leaves no
    executed notebook in its staging folder (the folder is discarded at the next run).

    Examples
    --------
    >>> engine_name()  # doctest: +SKIP
    'evalstats'
    """
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class SavedAtTheEnd(NotebookExecutionManager):
        def save(self, **kwargs):
            if self.end_time is not None:  # set by notebook_complete, also after a failure
                super().save(**kwargs)

    class Engine(NBClientEngine):
        @classmethod
        def execute_notebook(  # noqa: PLR0917 - papermill calls it with this signature
            cls,
            nb,
            kernel_name,
            output_path=None,
            progress_bar=True,
            log_output=False,
            autosave_cell_every=30,
            **kwargs,
        ):  # papermill's Engine.execute_notebook with the manager above
            nb_man = SavedAtTheEnd(
                nb,
                output_path=output_path,
                progress_bar=progress_bar,
                log_output=log_output,
                autosave_cell_every=autosave_cell_every,
            )
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, km=None, **kwargs):
            if km is None:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            return _execute_in(km, nb_man, kernel_name, **kwargs)

    papermill_engines.register(ENGINE_NAME, Engine)
    return ENGINE_NAME


def _execute_in(
    km,
    nb_man,
    kernel_name,
    *,
    log_output=False,
    stdout_file=None,
    stderr_file=None,
    start_timeout=60,
    execution_timeout=None,
    **kwargs,
):
    """papermill's ``NBClientEngine.execute_managed_notebook`` in the kernel of ``km``, started
    already (:class:`EarlyKernel`): nbclient then stops it and its client at the end, as it
    does a kernel it started."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    kwargs = remove_args(["input_path"], **kwargs)
    safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
    final_kwargs = merge_kwargs(
        safe_kwargs,
        timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
        startup_timeout=start_timeout,
        kernel_name=kernel_name,
        log=logger,
        log_output=log_output,
        stdout_file=stdout_file,
        stderr_file=stderr_file,
    )
    client = PapermillNotebookClient(nb_man, km=km, **final_kwargs)
    return client.execute(cleanup_kc=True)


KERNEL_IMPORTS = (
    "IPython.display",
    "evalstats.analyses",
    "evalstats.present.brief",
    "evalstats.present.export",
    "evalstats.present.names",
    "evalstats.present.narrative",
    "evalstats.present.plot",
)
"""What the report notebooks import, imported by an :class:`EarlyKernel` as it starts."""


class EarlyKernel:
    """The notebook's kernel (:func:`kernel_manager_class`), started as the run starts, in
    ``root`` (the project root, where papermill would start it), so that its start and its
    imports (:data:`KERNEL_IMPORTS`: a second and a half of an annual run on the demo data)
    go on while the runner plans the run, reads the key, takes the lock and starts the
    validation.  :func:`run_notebook` executes the notebook in it; :meth:`stop` stops a
    kernel that was not used (a run that stopped before, or in another root).  A kernel that
    cannot be started leaves papermill to start one, which then names what went wrong.

    The kernel is started as papermill's nbclient starts one: history in memory, the
    environment without the signing key's variables.  Its start-up imports run silently,
    outside the notebook's history and execution counts; a module that fails to import
    fails again, visibly, in the notebook's own cell.

    Examples
    --------
    >>> kernel = EarlyKernel(Path("."))  # doctest: +SKIP
    >>> kernel.stop()  # doctest: +SKIP
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self.km = None
        imports = (
            f"import importlib as _i; [_i.import_module(m) for m in {KERNEL_IMPORTS!r}]; del _i"
        )
        from jupyter_client.utils import run_sync

        km = None
        try:
            km = kernel_manager_class()(kernel_name=KERNEL_NAME)
            run_sync(km.start_kernel)(
                cwd=str(self.root),
                extra_arguments=[
                    "--HistoryManager.hist_file=:memory:",
                    f"--IPKernelApp.exec_lines={imports}",
                ],
            )
        except Exception:  # papermill starts one, and reports what fails
            if km is not None and km.has_kernel:
                with contextlib.suppress(Exception):
                    run_sync(_kill)(km)
            return
        self.km = km

    def manager(self, root: Path):
        """The started kernel's manager for a notebook run in ``root``, or None (no kernel,
        or started in another folder: stopped)."""
        if self.km is not None and Path(root) != self.root:
            self.stop()
        return self.km

    def stop(self) -> None:
        """Stop the kernel unless it is stopped already (by nbclient, after the notebook)."""
        km, self.km = self.km, None
        if km is None or not km.has_kernel:
            return
        from jupyter_client.utils import run_sync

        with contextlib.suppress(Exception):
            run_sync(_kill)(km)


async def _kill(km) -> None:
    """Kill the kernel of ``km`` and clean up after it, without the interrupt that
    ``shutdown_kernel`` sends first: one that reaches a kernel still importing its start-up
    modules prints a ``KeyboardInterrupt`` traceback on the runner's terminal."""
    await km.provisioner.kill()
    await km.provisioner.wait()
    await km._async_cleanup_resources()  # that of kernel_manager_class: its sockets folder too


def start_kernel(root: Path) -> EarlyKernel | None:
    """An :class:`EarlyKernel` started in ``root``, or None when it could not start (papermill
    then starts one when the notebook runs, and names what fails).

    Examples
    --------
    >>> kernel = start_kernel(Path("."))  # doctest: +SKIP
    """
    kernel = EarlyKernel(root)
    return kernel if kernel.km is not None else None


def run_notebook(
    plan: RunPlan,
    executed: Path,
    params,
    *,
    progress,
    started,
    before_failing=None,
    on_cell_executed=None,
    kernel: EarlyKernel | None = None,
) -> None:
    """Step 5: papermill.execute_notebook; a failure keeps the notebook, raises NotebookFailed.

    ``before_failing(exc)``, called first when execution fails, may raise instead (the
    validation running beside it found invalid data: exit 1, no notebook kept).
    ``on_cell_executed(cell=, cell_index=, execute_reply=)``: nbclient's hook, called in the
    parent after each cell (:class:`~evalstats.run.runner.render.EarlyWorkbook`).
    ``kernel``: an :class:`EarlyKernel` to execute it in (nbclient stops it at the end; the
    caller stops it if papermill never reached it), else papermill starts one.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    def failing(exc):
        if before_failing is not None:
            before_failing(exc)

    km = None if kernel is None else kernel.manager(plan.root)
    try:
        papermill.execute_notebook(
            str(plan.notebook),
            str(executed),
            parameters=params,
            engine_name=engine_name(),
            progress_bar=progress,
            cwd=str(plan.root),
            kernel_name=KERNEL_NAME,
            language="python",
            kernel_manager_class=kernel_manager_class(),
            # the notebook has run and its outputs are written: the kernel is stopped at once
            # (a graceful shutdown waits most of a second for the kernel's own exit)
            shutdown_kernel="immediate",
            **({} if on_cell_executed is None else {"on_cell_executed": on_cell_executed}),
            **({} if km is None else {"km": km}),
        )
        _name_paths_relatively(executed, plan)
    except papermill.PapermillExecutionError as exc:
        failing(exc)
        kept = _keep_failed(executed, plan, started)
        full = re.match(r"\[Errno (\d+)\]", exc.evalue or "")
        if full and int(full.group(1)) in DISK_ERRNOS:
            # the notebook could not write its tables: the output location, not the notebook
            where = (
                plan.shown_out if plan.shown_out.endswith(("/", os.sep)) else plan.shown_out + "/"
            )
            raise OutputError(
                f"cannot write to {where}: {ERRNO_TEXT[int(full.group(1))]} (while "
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
        if exc.errno in DISK_ERRNOS or inside:
            with writing(plan.out, plan.shown_out):
                raise
        raise


def _name_paths_relatively(executed: Path, plan) -> None:
    """papermill records the notebook's input and output paths: name them as the manifest
    does, so the published notebook carries no machine path."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    meta = nb.metadata.get("papermill")
    if meta is None:
        return
    meta["input_path"] = plan.notebook_recorded
    meta["output_path"] = executed.name
    nbformat.write(nb, executed)


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


def _keep_failed(executed: Path, plan: RunPlan, started) -> Path | None:
    """Move the executed notebook of a failed run to ``<out>/_failed/``."""
    if not executed.is_file():
        return None
    cycle, analysis = plan.cycle, plan.analysis
    folder = plan.out / "_failed"
    try:
        folder.mkdir(exist_ok=True)
        dest = free_name(folder, f"{cycle}-{analysis}-{started.strftime(STAMP_FORMAT)}", ".ipynb")
        os.replace(executed, dest)
    except OSError:
        return None
    return dest


class LongLivedKernel:
    """A kernel of this interpreter (:func:`kernel_manager_class`) kept for many notebooks, as
    the letters batch keeps one per job; ``env``: variables added to its environment.

    Examples
    --------
    >>> k = LongLivedKernel(Path("."), env={"EVALSTATS_ANALYSIS_CACHE": "/tmp/a"})
    >>> await k.start(); await k.run_silently("import evalstats"); await k.stop()  # doctest: +SKIP
    """

    def __init__(self, root: Path, env: Mapping[str, str] | None = None):
        self.root = root
        self.env = dict(env or {})
        self.km = None
        self.kc = None

    async def start(self) -> None:
        """Start the kernel in ``root`` (matplotlib's Agg backend) and wait until it answers."""
        self.km = kernel_manager_class()(kernel_name=KERNEL_NAME)
        env = {**os.environ, "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        await self.km.start_kernel(cwd=str(self.root), env={**env, **self.env})
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=KERNEL_READY_TIMEOUT)

    async def run_silently(self, code: str) -> None:
        """Run ``code`` silently (no output, no history) and wait for its reply; an error in it
        is not raised."""
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        while True:
            reply = await self.kc.get_shell_msg(timeout=KERNEL_READY_TIMEOUT)
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return

    async def stop(self) -> None:
        """Shut the kernel down (whatever state it is in)."""
        with contextlib.suppress(Exception):
            if self.kc is not None:
                self.kc.stop_channels()
        with contextlib.suppress(Exception):
            if self.km is not None:
                await self.km.shutdown_kernel(now=True)
        self.km = self.kc = None

    async def restart(self) -> None:
        """A fresh kernel in place of this one (after it died)."""
        await self.stop()
        await self.start()
