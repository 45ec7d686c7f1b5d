"""The input files of a cycle folder, by table.

Examples
--------
>>> from evalstats.inputs.read.folder import find_cycle_files
>>> find_cycle_files("data/raw/2026H1")  # doctest: +SKIP
{'responses': PosixPath('.../responses.xlsx'), 'units': PosixPath('.../units.csv')}
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalstats.core.files import inside
from evalstats.core.scheme import TABLES
from evalstats.inputs.read.formats import INPUT_EXTENSIONS
from evalstats.inputs.read.raw import problem, problems_frame

OPTIONAL_TABLES = ("forms_issued", "incidents", "exclusions")


def _named_as_input(p: Path) -> bool:
    """True for a name an input table would have (``exclusions.csv``), not ``~$`` or hidden."""
    if p.name.startswith(("~$", ".")):
        return False
    return p.stem.lower() in TABLES and p.suffix.lower() in INPUT_EXTENSIONS


def refused_entries(folder: Path) -> list[tuple[Path, str]]:
    """The entries of ``folder`` named as an input table that are never read, with the reason
    code: ``not_a_file`` (a folder, a FIFO, a device named ``exclusions.csv``) or
    ``link_outside`` (a link leading out of the cycle folder; its target is never opened).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "exclusions.csv").mkdir()
    >>> [(p.name, why) for p, why in refused_entries(d)]
    [('exclusions.csv', 'not_a_file')]
    """
    out = []
    for p in sorted(folder.iterdir()):
        if not _named_as_input(p):
            continue
        if p.is_symlink() and not inside(p, folder):
            out.append((p, "link_outside"))
        elif not p.is_file():
            out.append((p, "not_a_file"))
    return out


def cycle_candidates(folder: Path) -> dict[str, list[Path]]:
    """Table name → the files of ``folder`` that could hold it (by stem and extension; no
    ``~$`` or hidden files; no entry of :func:`refused_entries`).  Shared with
    :mod:`evalstats.inputs.pseudonym`."""
    found: dict[str, list[Path]] = {t: [] for t in TABLES}
    refused = {p for p, _ in refused_entries(folder)}
    for p in sorted(folder.iterdir()):
        if p in refused or not p.is_file() or not _named_as_input(p):
            continue
        found[p.stem.lower()].append(p)
    return found


def _refused_problem(entry: Path, why: str, shown: str) -> dict:
    """The problem of an entry :func:`refused_entries` gives (the link's target never named)."""
    where = f"{shown}/{entry.name}"
    if why == "link_outside":
        return problem(
            "error",
            where,
            row=None,
            column=None,
            value=None,
            reason="is a link to a file outside the cycle folder; copy the file into the "
            "cycle folder instead",
            code="link_outside",
        )
    return problem(
        "error",
        where,
        row=None,
        column=None,
        value=None,
        reason="is a folder or a special file (a FIFO, a device), not a file; it is not read: "
        "remove or rename it",
        code="not_a_file",
    )


def find_cycle_files(folder) -> dict[str, Path]:
    """The input files of a cycle folder, by table.

    Looks for ``responses``, ``units`` and the optional ``forms_issued``, ``incidents`` and
    ``exclusions`` with extension .xlsx, .xlsm, .xls, .ods, .csv or .parquet (Excel lock files
    ``~$…`` are ignored).

    Parameters
    ----------
    folder : str or Path
        A cycle folder such as ``data/raw/2026H1`` (relative paths resolve from the project
        root).

    Returns
    -------
    dict
        Table → file, only for tables present.

    Raises
    ------
    evalstats.core.errors.InputError
        Two files hold the same table (for example ``responses.xlsx`` and ``responses.csv``),
        or an entry named as a table is a folder, a special file or a link leading out of the
        folder (:func:`refused_entries`).
    FileNotFoundError
        ``folder`` is not a folder.

    Examples
    --------
    >>> find_cycle_files("data/raw/2026H1")  # doctest: +SKIP
    {'responses': PosixPath('.../responses.xlsx'), 'units': PosixPath('.../units.csv')}
    """
    from evalstats.core.errors import InputError

    files, problems = cycle_files(folder)
    if len(problems):
        raise InputError(problems)
    return files


def cycle_files(folder, *, display: str | None = None) -> tuple[dict[str, Path], pd.DataFrame]:
    """Like :func:`find_cycle_files`, returning ambiguity as problems instead of raising."""
    from evalstats.core.config import resolve_path
    from evalstats.core.files import slash_path

    p = resolve_path(folder)
    if not p.is_dir():
        raise FileNotFoundError(f"not a folder: {folder}")
    shown = display if display is not None else slash_path(folder)
    files: dict[str, Path] = {}
    problems = [_refused_problem(entry, why, shown) for entry, why in refused_entries(p)]
    for table, paths in cycle_candidates(p).items():
        if len(paths) == 1:
            files[table] = paths[0]
        elif len(paths) > 1:
            names = ", ".join(x.name for x in paths)
            problems.append(
                problem(
                    "error",
                    shown,
                    row=None,
                    column=None,
                    value=names,
                    reason=f"more than one {table} file; keep only one",
                    code="ambiguous_file",
                )
            )
    return files, problems_frame(problems)


__all__ = [
    "OPTIONAL_TABLES",
    "cycle_candidates",
    "cycle_files",
    "find_cycle_files",
    "refused_entries",
]
