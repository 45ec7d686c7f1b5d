"""Which backend counts a cycle, and the optional packages the out-of-core backends need.

``"auto"`` picks ``dask`` when a scheduler is given, else ``duckdb`` for a responses file of
at least :data:`AUTO_ROWS` rows (Parquet) or :data:`AUTO_BYTES` bytes (other formats), else
``pandas`` (see :mod:`evalstats.counts.backends`).

Examples
--------
>>> from evalstats.counts.backends.choose import choose_backend
>>> choose_backend("data/raw/2026H1")  # doctest: +SKIP
'pandas'
"""

from __future__ import annotations

import importlib
from pathlib import Path

from evalstats.core.config import resolve_path
from evalstats.core.errors import InputError
from evalstats.core.options import check_option
from evalstats.inputs.read import cycle_files

BACKENDS = ("auto", "pandas", "duckdb", "dask")
AUTO_ROWS = 1_000_000
"""``backend="auto"``: a Parquet responses file with at least this many rows goes to DuckDB."""
AUTO_BYTES = 100 * 2**20
"""``backend="auto"``: a CSV or spreadsheet responses file of at least this size goes to DuckDB."""
SCALE_HINT = 'pip install "evalstats[scale]"'
"""The install command the out-of-core backends' ImportError names."""


# ---------------------------------------------------------------------- optional packages
def require(module: str, backend: str):
    """Import ``module`` or raise ImportError naming the backend and the install command.

    Examples
    --------
    >>> require("duckdb", "duckdb")  # doctest: +SKIP
    <module 'duckdb' ...>
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"the {backend} backend needs the Python package {module!r}, which is not "
            f"installed; install it with: {SCALE_HINT}"
        ) from exc


# ---------------------------------------------------------------------- choosing
def responses_file(path) -> tuple[Path, Path, str]:
    """(responses file, cycle folder, cycle folder name) of a cycle folder or responses file.

    Examples
    --------
    >>> responses_file("data/raw/2026H1")  # doctest: +SKIP
    (PosixPath('data/raw/2026H1/responses.csv'), PosixPath('data/raw/2026H1'), '2026H1')
    """
    p = resolve_path(path)
    if p.is_dir():
        files, amb = cycle_files(p)
        if len(amb):
            raise InputError(amb)
        if "responses" not in files:
            raise FileNotFoundError(f"no responses file in {path}")
        return files["responses"], p, p.resolve().name
    if p.is_file():
        return p, p.parent, p.parent.resolve().name
    raise FileNotFoundError(f"no such file or folder: {path}")


def choose_backend(path, *, scheduler=None) -> str:
    """The backend ``"auto"`` picks for a cycle (see the module notes).

    Examples
    --------
    >>> choose_backend("data/raw/2026H1")  # doctest: +SKIP
    'pandas'
    """
    if scheduler is not None:
        return "dask"
    resp, _, _ = responses_file(path)
    if resp.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return "duckdb" if pq.ParquetFile(resp).metadata.num_rows >= AUTO_ROWS else "pandas"
    return "duckdb" if resp.stat().st_size >= AUTO_BYTES else "pandas"


def check_backend(backend, path, scheduler) -> str:
    """``backend`` checked against :data:`BACKENDS`, ``"auto"`` resolved, and ``scheduler``
    refused unless the backend is dask (ValueError naming the parameter).

    Examples
    --------
    >>> check_backend("duckdb", "data/raw/2026H1", None)
    'duckdb'
    """
    backend = check_option("backend", backend, BACKENDS)
    if backend == "auto":
        backend = choose_backend(path, scheduler=scheduler)
    if scheduler is not None and backend != "dask":
        raise ValueError(f"scheduler is only used by the dask backend; got backend={backend!r}")
    return backend


__all__ = [
    "AUTO_BYTES",
    "AUTO_ROWS",
    "BACKENDS",
    "SCALE_HINT",
    "check_backend",
    "choose_backend",
    "require",
    "responses_file",
]
