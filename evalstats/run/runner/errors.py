"""The runner's errors: a run asked for wrongly, and a notebook that failed.

Both belong to :class:`evalstats.core.errors.EvalstatsError`'s tree (the hierarchy is drawn at
the top of :mod:`evalstats.core.errors`)::

    UsageError      ← RunUsageError (an alias)   exit 2
    RunError        ← NotebookFailed             exit 3

The errors of locks, staging and publication (:class:`~evalstats.run.publish.RunLocked`,
:class:`~evalstats.run.publish.OutputError`, :class:`~evalstats.run.publish.InputsChanged`)
live with the publisher, :mod:`evalstats.run.publish`.

Examples
--------
>>> from pathlib import Path
>>> e = NotebookFailed(notebook_name="annual.ipynb", cell_index=3, exec_count=4,
...                    source="rank(x)", ename="ValueError", evalue="bad", notebook=None)
>>> print(e)
annual.ipynb failed in cell 3 (In [4]: `rank(x)`)
ValueError: bad
no executed notebook was saved; the published report was not changed
"""

from __future__ import annotations

from pathlib import Path

from evalstats.core.errors import RunError, UsageError

__all__ = ["NotebookFailed", "RunUsageError"]

RunUsageError = UsageError
"""The run was asked for wrongly (unknown or mistyped parameter, …): exit 2.

An alias of :class:`evalstats.core.errors.UsageError`, kept for readers of this module."""


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
