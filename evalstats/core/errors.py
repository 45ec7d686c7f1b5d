"""Exceptions of evalstats.

Hierarchy::

    EvalstatsError                 base of every error the package raises on purpose
    ├── SchemeError                a scheme file is wrong (names the key)
    ├── InputError                 input data are wrong; carries every problem found
    ├── UsageError                 a command or run was called wrongly (also a ValueError)
    └── RunError                   a cycle run could not complete (see evalstats.run.runner)

Bad *arguments* to a function raise the builtin ``ValueError`` / ``TypeError``; these classes
are for bad *data* and bad *configuration*, which a user fixes in a file rather than in code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas loads only when a problem is formatted: the CLI starts fast
    import pandas as pd

PROBLEM_COLUMNS = ["severity", "file", "row", "column", "value", "reason", "code"]


class EvalstatsError(Exception):
    """Base class of the errors evalstats raises on purpose.

    Parameters
    ----------
    *args
        As for :class:`Exception`: the message (English).
    zh : str, optional
        The message in Chinese, shown at a Chinese console (:meth:`text`).

    Examples
    --------
    >>> e = UsageError("--data x: no such folder", zh="--data x：没有这个文件夹")
    >>> e.text("zh"), e.text("en")
    ('--data x：没有这个文件夹', '--data x: no such folder')
    """

    zh: str | None = None

    def __init__(self, *args, zh: str | None = None):
        super().__init__(*args)
        if zh is not None:
            self.zh = zh

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("zh" or "en"): the Chinese one when there is one."""
        return self.zh if lang == "zh" and self.zh else str(self)


class SchemeError(EvalstatsError):
    """A scheme file is invalid.

    Parameters
    ----------
    key : str
        Dotted path of the offending key, e.g. ``"groups.weight"``.
    reason : str
        What is wrong, in plain words.
    source : str, optional
        The scheme file.
    """

    def __init__(self, key: str, reason: str, source: str | None = None):
        self.key = key
        self.reason = reason
        self.source = source
        where = f"{source}: " if source else ""
        what = "scheme file" if key == "-" else f"scheme key '{key}'"
        super().__init__(f"{where}{what}: {reason}")


class InputError(EvalstatsError):
    """Input data failed validation; ``problems`` holds every problem found (lazy validation).

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem, columns ``severity, file, row, column, value, reason, code``.
    """

    def __init__(self, problems: pd.DataFrame, message: str | None = None):
        self.problems = problems
        errors = problems[problems["severity"] == "error"] if len(problems) else problems
        if message is None:
            lines = [format_problem(r) for r in errors.itertuples(index=False)]
            head = f"{len(errors)} problem(s) in the input data:"
            shown = lines[:20]
            more = [f"... and {len(lines) - 20} more"] if len(lines) > 20 else []
            message = "\n".join([head, *shown, *more])
        super().__init__(message)


class UsageError(EvalstatsError, ValueError):
    """A command or a run was called wrongly: a bad path, an undeclared parameter, …"""


class RunError(EvalstatsError):
    """A run could not complete."""


def format_problem(p) -> str:
    """Format one problem row as ``file:row:column: reason (value)``."""
    parts = ["?" if _missing(p.file) else str(p.file)]
    if not _missing(p.row):
        parts.append(str(int(p.row)))
    if not _missing(p.column) and str(p.column) != "":
        parts.append(str(p.column))
    text = ":".join(parts) + f": {p.reason}"
    if not _missing(p.value) and str(p.value) != "":
        text += f" ({p.value})"
    return text


def _missing(value) -> bool:
    """True for None, NaN and pandas' NA (a scalar check that never raises)."""
    if value is None:
        return True
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


__all__ = [
    "PROBLEM_COLUMNS",
    "EvalstatsError",
    "InputError",
    "RunError",
    "SchemeError",
    "UsageError",
    "format_problem",
]
