"""Step 1 of a run: check the arguments and the notebook's parameters, into a :class:`RunPlan`.

Nothing but the notebook and the scheme is read here, and nothing is written: a usage error
stops the run before the lock (:func:`make_plan`).  :func:`with_backend` resolves how the cycle
is validated and counted; :func:`require_key` refuses a public run whose responses carry
identifiers when no pseudonym key is set.

Examples
--------
>>> from evalstats.run.runner.plan import make_plan
>>> plan = make_plan("annual", "2026A", data=None, scheme=None, out=None,  # doctest: +SKIP
...                  parameters={"seed": "7"}, notebook=None, lang=None)
>>> plan.cycles, plan.params["half_year_cycle"], plan.target.name  # doctest: +SKIP
(('2026A', '2026H1'), '2026H1', 'annual')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from evalstats.core.files import check_output_folder, relative
from evalstats.core.options import check_option
from evalstats.core.resources import NOTEBOOK_FILES
from evalstats.core.vocab import LANGS
from evalstats.run.runner.errors import RunUsageError
from evalstats.run.runner.folders import (
    Notebook,
    checked_cycle,
    cycle_folder,
    find_notebook,
    resolve_data,
)
from evalstats.run.runner.parameters import (
    HALF_YEAR_PARAMETER,
    check_parameters,
    derive_half_year_cycle,
    literal_default,
    notebook_parameters,
)

__all__ = [
    "ANALYSES",
    "NOTEBOOKS",
    "NOTEBOOK_FILE",
    "RunPlan",
    "make_plan",
    "require_key",
    "with_backend",
]

ANALYSES = ("half-year", "annual")
NOTEBOOKS = {a: NOTEBOOK_FILES[a] for a in ANALYSES}
"""Notebook of each analysis (:func:`evalstats.run.runner.folders.find_notebook` finds it)."""
NOTEBOOK_FILE = "notebook.ipynb"
"""The executed notebook's name in the report folder."""


@dataclass(frozen=True)
class RunPlan:
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
    notebook_source: str = "file"

    @property
    def notebook_recorded(self) -> str:
        """The notebook's path as the manifest records it (:meth:`Notebook.recorded`)."""
        return Notebook(self.notebook, self.notebook_source).recorded(self.root)

    @property
    def target(self) -> Path:
        """Where the report is published: ``<out>/<cycle>/<analysis>/``."""
        return self.out / self.cycle / self.analysis


def make_plan(analysis, cycle, *, data, scheme, out, parameters, notebook, lang) -> RunPlan:
    """Step 1: check the arguments and the notebook's parameters; read nothing else.

    The arguments are those of :func:`evalstats.run.runner.run.run_analysis`.

    Raises
    ------
    RunUsageError
        Bad cycle, missing cycle folder or notebook, undeclared or mistyped parameter; an
        output folder that is a system folder or holds the inputs
        (:func:`evalstats.core.files.check_output_folder`).
    SchemeError
        The scheme file is invalid.
    """
    check_option("analysis", analysis, ANALYSES)
    if lang is not None:
        check_option("lang", lang, LANGS)
    if parameters is not None and not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a mapping; got {type(parameters).__name__}")
    from evalstats.core.config import PROJECT_SCHEME, project_root, resolve_path
    from evalstats.core.scheme import load_scheme, project_scheme_path

    root = project_root()
    data_dir, cycle = resolve_data(data, cycle, root=root)
    found = find_notebook(analysis, notebook=notebook, root=root)
    nb_path = found.path
    declared = notebook_parameters(nb_path)
    needed = ["cycle", "data_dir", "scheme", "output_dir"] + (["language"] if lang else [])
    missing = [n for n in needed if n not in declared]
    if missing:
        raise RunUsageError(
            f"{nb_path.name} does not declare the parameter(s) the runner sets: "
            + ", ".join(missing)
        )
    params = check_parameters(dict(parameters or {}), declared, nb_path)
    if scheme is None and project_scheme_path(root) is not None:
        scheme = PROJECT_SCHEME  # the project's own scheme, hashed as an input like --scheme
    scheme_obj = load_scheme(scheme)
    scheme_file = resolve_path(scheme, root=root) if scheme is not None else None

    cycles = [cycle]
    folders = [cycle_folder(data_dir, cycle)]
    if analysis == "annual" and HALF_YEAR_PARAMETER in declared:
        half = params.get(HALF_YEAR_PARAMETER) or derive_half_year_cycle(cycle)
        if not half:
            raise RunUsageError(
                f"cannot derive the half-year cycle of {cycle!r}; "
                f"give it with -p {HALF_YEAR_PARAMETER}=<cycle>"
            )
        params[HALF_YEAR_PARAMETER] = checked_cycle(half)
        cycles.append(half)
        hint = f"; the annual analysis needs it (set -p {HALF_YEAR_PARAMETER}=<cycle>)"
        folders.append(cycle_folder(data_dir, half, hint))

    params["cycle"] = cycle
    # relative to the root, the kernel's working folder: no machine path in notebook.ipynb
    params["data_dir"] = relative(data_dir, root)
    params["scheme"] = relative(scheme_file, root) if scheme_file is not None else ""
    if lang:
        params["language"] = lang
    report_lang = lang or literal_default(declared.get("language"))
    out_dir = resolve_path(out, root=root) if out is not None else root / "reports"
    shown_out = str(out) if out is not None else "reports"
    check_output_folder(out_dir, shown=shown_out, data_dir=data_dir, cycle_folders=folders)
    return RunPlan(
        analysis=analysis,
        cycle=cycle,
        cycles=tuple(cycles),
        root=root,
        data_dir=data_dir,
        folders=tuple(folders),
        notebook=nb_path,
        notebook_source=found.source,
        declared=declared,
        params=params,
        scheme=scheme_obj,
        scheme_file=scheme_file,
        out=out_dir,
        shown_out=shown_out,
        lang=report_lang if report_lang in LANGS else "zh",
        seed=params.get("seed", literal_default(declared.get("seed"))),
    )


def with_backend(plan: RunPlan, *, backend, scheduler, memory_limit) -> RunPlan:
    """Step 1b: resolve the backend (``auto`` by input size) and the notebook parameters.

    Raises
    ------
    ValueError
        ``backend`` is not one of :data:`evalstats.counts.backends.BACKENDS`.
    RunUsageError
        ``scheduler`` or ``memory_limit`` given for a backend that does not use it.
    """
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


def require_key(plan: RunPlan) -> None:
    """Step 1c: a public run whose responses carry identifiers needs a pseudonym key.

    Only the responses files' header rows are read; the key itself comes from the environment
    (``EVALSTATS_PSEUDONYM_KEY`` / ``EVALSTATS_PSEUDONYM_KEY_FILE``), which the kernel inherits:
    it is never a notebook parameter, so it never reaches the executed notebook or the manifest.
    """
    from evalstats.inputs.pseudonym import require_key_for_identifiers

    tier = plan.params.get("tier", literal_default(plan.declared.get("tier")))
    if tier != "public":
        return
    for folder in plan.folders:
        require_key_for_identifiers(folder, scheme=plan.scheme, data_folders=[plan.data_dir])
