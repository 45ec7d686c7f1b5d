"""Where a run's files are: the cycle's data (``--data``, ``--cycle``) and the notebook it runs.

A cycle folder is a folder holding a ``responses.*`` file; its name is the cycle id
(``data/raw/2026A/``).  ``--data`` may name the folder of cycle folders or one cycle folder.

The notebook is, in this order: the file given with ``--notebook``; the project's own copy in
``<project root>/notebooks/`` (``evalstats init`` makes one to edit in JupyterLab); the one the
package carries (:func:`evalstats.core.resources.packaged_notebook`).

Examples
--------
>>> checked_cycle("2026A")
'2026A'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evalstats.core.cycles import check_cycle
from evalstats.run.runner.errors import RunUsageError

__all__ = [
    "NOTEBOOK_SOURCES",
    "Notebook",
    "checked_cycle",
    "cycle_folder",
    "find_notebook",
    "resolve_data",
]

NOTEBOOK_SOURCES = ("file", "project", "package")
"""Where a run's notebook came from: ``--notebook``, the project's ``notebooks/``, the package."""


@dataclass(frozen=True)
class Notebook:
    """The notebook a run executes: its ``path``, and its ``source`` (:data:`NOTEBOOK_SOURCES`)."""

    path: Path
    source: str

    def recorded(self, root: Path) -> str:
        """The notebook's path as the manifest records it: relative to the package's
        ``notebooks/`` for the packaged one (``evalstats/notebooks/annual.ipynb``), else relative
        to the project ``root`` (absolute when outside it), always with ``/``."""
        if self.source == "package":
            return f"evalstats/notebooks/{self.path.name}"
        try:
            return self.path.relative_to(root).as_posix()
        except ValueError:
            return self.path.as_posix()


def find_notebook(job: str, *, notebook=None, root: Path) -> Notebook:
    """The notebook to run for ``job`` (``half-year``, ``annual``, ``profile``).

    ``notebook`` (the ``--notebook`` option) wins; then ``<root>/notebooks/<file>`` when that
    file exists; else the packaged notebook.

    Raises
    ------
    RunUsageError
        ``notebook`` given but no such file.

    Examples
    --------
    >>> nb = find_notebook("annual", root=Path("/nonexistent"))
    >>> nb.source, nb.path.name, nb.recorded(Path("/nonexistent"))
    ('package', 'annual.ipynb', 'evalstats/notebooks/annual.ipynb')
    """
    from evalstats.core.config import resolve_path
    from evalstats.core.resources import NOTEBOOK_FILES, packaged_notebook

    if notebook is not None:
        path = resolve_path(notebook, root=root)
        if not path.is_file():
            raise RunUsageError(f"notebook not found: {path}")
        return Notebook(path, "file")
    own = root / "notebooks" / NOTEBOOK_FILES[job]
    if own.is_file():
        return Notebook(own, "project")
    return Notebook(packaged_notebook(job), "package")


def checked_cycle(cycle) -> str:
    """:func:`evalstats.core.cycles.check_cycle`, raising the runner's usage error.

    Raises
    ------
    RunUsageError
        ``cycle`` is not a cycle id.

    Examples
    --------
    >>> checked_cycle("2026H2")
    '2026H2'
    """
    try:
        return check_cycle(cycle)
    except ValueError as e:
        raise RunUsageError(
            str(e), zh=f"期次编号不对：{cycle!r}（应写成如 2026H1、2026A）"
        ) from None


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
        raise RunUsageError(f"--data {data}: no such folder", zh=f"--data {data}：没有这个文件夹")
    if data is not None and _is_cycle_folder(base):
        if cycle is not None and cycle != base.name:
            raise RunUsageError(
                f"--data {data} is the folder of cycle {base.name!r} but --cycle is {cycle!r}; "
                "give the folder of cycle folders, or a matching --cycle",
                zh=f"--data {data} 是期次 {base.name!r} 的文件夹，但 --cycle 是 {cycle!r}；"
                "请给出存放各期文件夹的上级文件夹，或与之相符的 --cycle",
            )
        return base.parent, checked_cycle(base.name)
    if cycle is None:
        raise RunUsageError(
            "--cycle is required (or give a cycle folder as --data)",
            zh="缺少 --cycle（或用 --data 给出某一期的文件夹）",
        )
    return base, checked_cycle(cycle)


def cycle_folder(data_dir: Path, cycle: str, hint: str = "") -> Path:
    """``data_dir/cycle`` if it is a folder; else :class:`RunUsageError` listing the cycles
    found (``hint`` is appended to the message)."""
    folder = data_dir / cycle
    if not folder.is_dir():
        found = sorted(p.name for p in data_dir.iterdir() if _is_cycle_folder(p))
        have = ", ".join(found) if found else "none"
        have_zh = "、".join(found) if found else "无"
        raise RunUsageError(
            f"no cycle folder {folder} (cycles in {data_dir}: {have}){hint}",
            zh=f"没有期次文件夹 {folder}（{data_dir} 中已有的期次：{have_zh}）{hint}",
        )
    return folder
