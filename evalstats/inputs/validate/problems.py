"""The problems of a validation: gathered (pandera-style, all at once), sorted and printed.

:class:`ProblemCollector` gathers problems as vectorised frames (one row per bad cell) and as
single rows; :func:`sort_problems` orders them errors first, by file and row;
:func:`format_problems` prints one line per problem.

Examples
--------
>>> from evalstats.inputs.validate.problems import ProblemCollector
>>> col = ProblemCollector()
>>> col.add("error", "r.csv", row=3, column="被评单位", value="U9", reason="unknown unit",
...         code="unknown_unit")
>>> col.frame()[["row", "code"]].to_dict("records")
[{'row': 3, 'code': 'unknown_unit'}]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.errors import PROBLEM_COLUMNS, format_problem
from evalstats.inputs.read import RawTable, problem, problems_frame, row_objects
from evalstats.inputs.validate.reasons import translate_problems

SEVERITIES = ("error", "warning")


class ProblemCollector:
    """Gathers problems as frames (vectorised) and dict rows."""

    def __init__(self):
        self.frames: list[pd.DataFrame] = []
        self.rows: list[dict] = []

    def add(self, severity, file, *, row, column, value, reason, code):
        """Add one problem (``row`` to ``code`` by keyword)."""
        self.rows.append(
            problem(severity, file, row=row, column=column, value=value, reason=reason, code=code)
        )

    def cells(self, raw: RawTable, label: str, mask, *, severity, reason, code, values=None):
        """One problem per True in ``mask`` (positions of ``raw.frame``); the value shown is
        the cell's, or ``values`` at the same position."""
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return
        shown = raw.values_at(label, idx) if values is None else values[idx]
        reasons = reason[idx] if isinstance(reason, np.ndarray) else reason
        self.frames.append(
            pd.DataFrame(
                {
                    "severity": severity,
                    "file": raw.file,
                    "row": raw.row_numbers[idx],
                    "column": raw.written[label],
                    "value": shown,
                    "reason": reasons,
                    "code": code,
                }
            )
        )

    def extend(self, frame: pd.DataFrame):
        if len(frame):
            self.frames.append(frame)

    def frame(self) -> pd.DataFrame:
        parts = [problems_frame(self.rows), *self.frames]
        parts = [p.astype(object) for p in parts if len(p)]
        if not parts:
            return problems_frame()
        out = pd.concat(parts, ignore_index=True)[PROBLEM_COLUMNS].astype(object)
        out["row"] = row_objects(out["row"])
        return sort_problems(out)


def sort_problems(problems: pd.DataFrame) -> pd.DataFrame:
    """Errors first, then warnings; each by file, then row (file-level problems first)."""
    if len(problems) == 0:
        return problems.reset_index(drop=True)
    key = pd.DataFrame(
        {
            "s": problems["severity"].map({"error": 0, "warning": 1}).fillna(2),
            "f": problems["file"].fillna("").astype(str),
            "r": pd.to_numeric(problems["row"], errors="coerce").fillna(-1).astype(float),
        }
    )
    order = np.lexsort((key["r"].to_numpy(), key["f"].to_numpy(), key["s"].to_numpy()))
    return problems.iloc[order].reset_index(drop=True)


def format_problems(
    problems: pd.DataFrame, *, lang: str = "en", per_kind: int | None = None
) -> list[str]:
    """One line per problem, ``file:row:column: reason (value)``; errors, then warnings.

    ``lang="zh"`` gives the reason in Chinese (:mod:`evalstats.inputs.validate.reasons`, what
    ``evalstats validate`` prints by default); the problems table itself stays English.
    ``per_kind`` shows at most that many lines of each kind of problem (severity, file and
    code), then one line per cut kind saying how many more there are and between which rows —
    a date typed wrong in a whole export is one finding, not 1,800 lines.

    Examples
    --------
    >>> format_problems(check_cycle("data/raw/2026H1"))[:1]  # doctest: +SKIP
    ['data/raw/2026H1/responses.xlsx:57:问卷编号: form typed twice: ... (H1-0041)']
    >>> format_problems(check_cycle("data/raw/2026H1"), lang="zh")[0][-40:]  # doctest: +SKIP
    '问卷重复录入：与第 1107 行的编号和答案都相同，只计一次 (H1-01105)'
    >>> col = ProblemCollector()
    >>> for row in (2, 3, 4):
    ...     col.add("warning", "r.csv", row=row, column="填表时间", value="2099-01-01",
    ...             reason="submitted after the run date", code="future_date")
    >>> for line in format_problems(col.frame(), per_kind=1):
    ...     print(line)
    r.csv:2:填表时间: submitted after the run date (2099-01-01)
    r.csv: ... and 2 more warnings of this kind (submitted after the run date), rows 3-4
    """
    if problems is None or len(problems) == 0:
        return []
    if per_kind is not None and (isinstance(per_kind, bool) or int(per_kind) < 1):
        raise ValueError(f"per_kind must be a whole number ≥ 1 or None; got {per_kind!r}")
    shown = translate_problems(sort_problems(problems), lang=lang)
    if per_kind is None:
        return [format_problem(p) for p in shown.itertuples(index=False)]
    kind = shown.groupby(["severity", "file", "code"], sort=False, dropna=False).cumcount()
    lines = [format_problem(p) for p in shown[kind.to_numpy() < per_kind].itertuples(index=False)]
    cut = shown[kind.to_numpy() >= per_kind]
    for (severity, file, _code), rest in cut.groupby(
        ["severity", "file", "code"], sort=False, dropna=False
    ):
        lines.append(_more_line(severity, file, rest, lang=lang))
    return lines


def _more_line(severity: str, file, rest: pd.DataFrame, *, lang: str) -> str:
    """``file: … and N more warnings of this kind (reason), rows a-b``."""
    rows = pd.to_numeric(rest["row"], errors="coerce").dropna()
    reason = str(rest["reason"].iloc[0])
    n = len(rest)
    if lang == "zh":
        where = f"，在第 {int(rows.min())}–{int(rows.max())} 行" if len(rows) else ""
        what = "错误" if severity == "error" else "警告"
        return f"{file}：……另有 {n:,} 个同类{what}（{reason}）{where}"
    where = f", rows {int(rows.min())}-{int(rows.max())}" if len(rows) else ""
    what = ("error" if severity == "error" else "warning") + ("s" if n > 1 else "")
    return f"{file}: ... and {n:,} more {what} of this kind ({reason}){where}"


__all__ = ["SEVERITIES", "ProblemCollector", "format_problems", "sort_problems"]
