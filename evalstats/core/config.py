"""Project paths (cookiecutter-data-science layout).

The project root is the nearest folder, from the working directory upwards, that holds a
``data/`` folder (``EVALSTATS_ROOT`` overrides).  Relative paths given to evalstats resolve
from there, so a kernel started in ``notebooks/`` and a run started at the root agree.

Layout::

    data/raw/<cycle>/        inputs as offices send them (never written to)
    data/interim/<cycle>/    validated tables (Parquet) and their manifest
    reports/<cycle>/         published reports: only ``evalstats run`` / ``letters`` write here
    reports/_lab/<cycle>/    what a notebook run by hand writes (JupyterLab *Run All*)
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root(start: str | Path | None = None) -> Path:
    """The project root: ``$EVALSTATS_ROOT``, else the nearest folder holding ``data/``.

    Falls back to the start folder (the working directory) when no ancestor has ``data/``.
    """
    env = os.environ.get("EVALSTATS_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "data").is_dir():
            return folder
    return here


def resolve_path(path: str | Path, *, root: Path | None = None) -> Path:
    """Resolve ``path``: absolute paths stay, relative ones are taken from the project root."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    return (root or project_root()) / p


def raw_dir(cycle: str | None = None, *, root: Path | None = None) -> Path:
    base = (root or project_root()) / "data" / "raw"
    return base / cycle if cycle else base


def interim_dir(cycle: str | None = None, *, root: Path | None = None) -> Path:
    base = (root or project_root()) / "data" / "interim"
    return base / cycle if cycle else base


def reports_dir(cycle: str | None = None, *, root: Path | None = None) -> Path:
    base = (root or project_root()) / "reports"
    return base / cycle if cycle else base


def scratch_dir(cycle: str, job: str, *, root: Path | None = None) -> Path:
    """Where a notebook run by hand writes: ``reports/_lab/<cycle>/<job>/``.

    Outside every published report folder, so running a notebook in JupyterLab never changes
    what ``evalstats run`` published (and ``evalstats verify`` checks).

    Examples
    --------
    >>> scratch_dir("2026H1", "half-year", root=Path("/p")).as_posix()
    '/p/reports/_lab/2026H1/half-year'
    """
    return reports_dir(root=root) / SCRATCH_FOLDER / cycle / job


PROJECT_SCHEME = "scheme.toml"
"""The project's own scheme file at its root (:func:`evalstats.core.scheme.project_scheme_path`)."""

SCRATCH_FOLDER = "_lab"
"""The folder under ``reports/`` for notebooks run by hand (:func:`scratch_dir`)."""

__all__ = [
    "PROJECT_SCHEME",
    "SCRATCH_FOLDER",
    "interim_dir",
    "project_root",
    "raw_dir",
    "reports_dir",
    "resolve_path",
    "scratch_dir",
]
