"""A notebook's parameters, checked and resolved: :func:`check_parameters` → :class:`Parameters`.

Also where a cycle's folder is (:func:`locate_cycle`, :func:`sibling_cycle`), which the analyses
use too, and the half-year cycle of an annual cycle (:func:`default_half_year_cycle`).

Examples
--------
>>> default_half_year_cycle("2026A")
'2026H1'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from evalstats.analyses.cycle.columns import KINDS, OUTPUT_FOLDERS
from evalstats.core.config import resolve_path, scratch_dir
from evalstats.core.cycles import check_cycle, half_year_of
from evalstats.core.options import (
    check_confidence_level,
    check_n_resamples,
    check_option,
    check_seed,
)
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.vocab import LANGS, TIERS
from evalstats.stats.intervals import PROPORTION_METHODS


@dataclass(frozen=True)
class Parameters:
    """The checked parameters of a notebook run (:func:`check_parameters`).

    Attributes
    ----------
    kind : {"half_year", "annual"}
    cycle, half_year_cycle : str
        The cycle; the half-year cycle combined with it (annual; ``""`` for half-year).
    data_dir : Path
        The folder holding the cycle folders (resolved from the project root).
    scheme : Scheme
    output_dir : Path
        Where tables, figures and ``summary.json`` go.
    language : {"zh", "en"}
    confidence_level : float
    n_resamples : int
    seed : int or None
    method : str
        Interval method of the rates.
    tier : {"internal", "public"}
        Pass it to :func:`half_year` / :func:`annual`.
    backend : {"pandas", "duckdb", "dask", "auto"}
    memory_limit : str or None
        DuckDB's memory limit (None: DuckDB's default).
    scheduler : str or None
        Dask scheduler address (None: a local cluster).
    """

    kind: str
    cycle: str
    half_year_cycle: str
    data_dir: Path
    scheme: Scheme
    output_dir: Path
    language: str
    confidence_level: float
    n_resamples: int
    seed: int | None
    method: str
    tier: str
    backend: str = "pandas"
    memory_limit: str | None = None
    scheduler: str | None = None


def locate_cycle(data_dir, cycle: str) -> tuple[Path, str]:
    """The folder of ``cycle``: ``data_dir/cycle``, or ``data_dir`` itself when it is that
    cycle's folder; returned resolved and as the user would name it (for messages)."""
    base = resolve_path(data_dir)
    shown = str(data_dir)
    if (base / cycle).is_dir():
        return base / cycle, os.path.join(shown, cycle)
    if base.is_dir() and base.name == cycle:
        return base, shown
    raise FileNotFoundError(
        f"no folder for cycle {cycle!r}: looked for {base / cycle} "
        f"(data_dir is the folder holding the cycle folders, or the cycle folder itself)"
    )


def sibling_cycle(folder: Path, shown: str, cycle: str) -> tuple[Path, str]:
    """The folder of ``cycle`` beside ``folder`` (resolved, as the user would name it)."""
    target, name = locate_cycle(folder.parent, cycle)
    guess = os.path.join(os.path.dirname(os.path.normpath(shown)), cycle)
    return target, (guess if resolve_path(guess) == target else name)


def default_half_year_cycle(cycle: str) -> str:
    """The half-year cycle of an annual cycle id: ``"2026A"`` → ``"2026H1"``.

    :func:`evalstats.core.cycles.half_year_of`, kept under this name for notebooks; its
    error message adds the parameter to pass instead.

    Raises
    ------
    ValueError
        ``cycle`` is not of the form ``YYYYA``.

    Examples
    --------
    >>> default_half_year_cycle("2026A")
    '2026H1'
    """
    try:
        return half_year_of(cycle)
    except ValueError as e:
        raise ValueError(f"{e}; pass half_year_cycle") from None


def check_parameters(
    kind: str,
    *,
    cycle: str,
    data_dir="data/raw",
    scheme="",
    output_dir="",
    language: str = "zh",
    confidence_level: float = 0.95,
    n_resamples: int = 10_000,
    seed: int | None = None,
    method: str = "wilson",
    tier: str = "internal",
    half_year_cycle: str = "",
    backend: str = "pandas",
    memory_limit: str = "",
    scheduler: str = "",
) -> Parameters:
    """Check a notebook's parameters and resolve paths; raise a clear error on the first bad one.

    Parameters
    ----------
    kind : {"half_year", "annual"}
    cycle : str
        Cycle id (``"2026H1"``, ``"2026A"``).
    data_dir : str or Path
        The folder of cycle folders (or the cycle folder itself); relative to the project root.
    scheme : str or Path
        A scheme file; ``""`` for the bundled scheme.
    output_dir : str or Path
        ``""`` for ``reports/_lab/<cycle>/<half-year|annual>`` (a notebook run by hand never
        writes into a published report; ``evalstats run`` gives its staging folder).
    language : {"zh", "en"}
    confidence_level : float
    n_resamples : int
    seed : int or None
    method : {"wilson", "clopper-pearson", "jeffreys"}
    tier : {"internal", "public"}
        ``"public"`` publishes only what :mod:`evalstats.stats.privacy` allows (package docstring).
    half_year_cycle : str
        Annual only; ``""`` derives it (``"2026A"`` → ``"2026H1"``).
    backend : {"pandas", "duckdb", "dask", "auto"}
        How the responses are read and counted (see :func:`half_year`).
    memory_limit : str
        DuckDB's memory limit such as ``"4GB"`` (duckdb and dask); ``""`` for DuckDB's default.
    scheduler : str
        Dask scheduler address such as ``"tcp://host:8786"`` (dask); ``""`` for a local
        cluster.

    Returns
    -------
    Parameters

    Raises
    ------
    ValueError, TypeError
        A parameter is wrong (the message names it, the allowed values and the value).
    FileNotFoundError
        A cycle folder is missing.
    SchemeError
        The scheme file is wrong.

    Examples
    --------
    >>> check_parameters("half_year", cycle="2026H1", tier="open")
    Traceback (most recent call last):
    ...
    ValueError: tier must be one of 'internal', 'public'; got 'open'
    """
    kind = check_option("kind", kind, KINDS)
    language = check_option("language", language, LANGS)
    tier = check_option("tier", tier, TIERS)
    method = check_option("method", method, PROPORTION_METHODS)
    level = check_confidence_level(confidence_level)
    n_resamples = check_n_resamples(n_resamples)
    seed = check_seed(seed)
    backend, memory_limit, scheduler = _check_backend_parameters(backend, memory_limit, scheduler)
    cycle = check_cycle(cycle)
    if not isinstance(data_dir, str | Path) or str(data_dir).strip() == "":
        raise ValueError(f"data_dir must be a folder; got {data_dir!r}")
    folder, _shown = locate_cycle(data_dir, cycle)
    h1 = ""
    if kind == "annual":
        if not isinstance(half_year_cycle, str):
            raise TypeError(f"half_year_cycle must be a str; got {half_year_cycle!r}")
        h1 = half_year_cycle.strip() or default_half_year_cycle(cycle)
        h1 = check_cycle(h1, name="half_year_cycle")
        if h1 == cycle:
            raise ValueError(f"half_year_cycle must differ from cycle; both are {cycle!r}")
        locate_cycle(folder.parent, h1)
    elif half_year_cycle not in ("", None):
        raise ValueError(
            f"half_year_cycle is for the annual analysis only; got {half_year_cycle!r}"
        )
    if not isinstance(scheme, str | Path | Scheme | None):
        raise TypeError(f"scheme must be a path or ''; got {scheme!r}")
    loaded = resolve_scheme(None if scheme in ("", None) else scheme)
    if not isinstance(output_dir, str | Path | None):
        raise TypeError(f"output_dir must be a path or ''; got {output_dir!r}")
    if output_dir in ("", None):
        out = scratch_dir(cycle, OUTPUT_FOLDERS[kind])
    else:
        out = resolve_path(output_dir)
    return Parameters(
        kind=kind,
        cycle=cycle,
        half_year_cycle=h1,
        data_dir=folder.parent,
        scheme=loaded,
        output_dir=out,
        language=language,
        confidence_level=level,
        n_resamples=n_resamples,
        seed=seed,
        method=method,
        tier=tier,
        backend=backend,
        memory_limit=memory_limit,
        scheduler=scheduler,
    )


def _check_backend_parameters(backend, memory_limit, scheduler):
    """The notebook's backend parameters: (backend, memory limit or None, scheduler or None)."""
    from evalstats.counts.backends import BACKENDS, check_memory_limit

    backend = check_option("backend", backend, BACKENDS)
    for name, value in (("memory_limit", memory_limit), ("scheduler", scheduler)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str ('' for none); got {value!r}")
    memory_limit = check_memory_limit(memory_limit.strip() or None if memory_limit else None)
    scheduler = scheduler.strip() or None if scheduler else None
    if memory_limit is not None and backend == "pandas":
        raise ValueError(
            f"memory_limit is only used by the duckdb and dask backends; got {memory_limit!r} "
            "with backend 'pandas'"
        )
    if scheduler is not None and backend not in ("dask", "auto"):
        raise ValueError(
            f"scheduler is only used by the dask backend; got {scheduler!r} with backend "
            f"{backend!r}"
        )
    return backend, memory_limit, scheduler


__all__ = [
    "Parameters",
    "check_parameters",
    "default_half_year_cycle",
    "locate_cycle",
    "sibling_cycle",
]
