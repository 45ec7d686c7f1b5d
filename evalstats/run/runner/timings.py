"""Where a run's time went: each step's seconds and the notebook's slowest cells.

The runner records each step's seconds in the manifest (``timings_seconds``); with
``--verbose`` (and always in the run's log) it also prints them, with the cells of the executed
notebook that took longest (papermill records each cell's duration), so that a slow run shows
where to look without a profiler.

Examples
--------
>>> lines = timing_lines({"execute": 6.2, "html": 0.41}, [(7, "analysis = ...", 3.9)], lang="en")
>>> print("\\n".join(lines))
time by step: executing the notebook 6.2 s, rendering the HTML report 0.4 s
slowest cells: cell 7 3.9 s (analysis = ...)
"""

from __future__ import annotations

import json
from pathlib import Path

from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS

STEPS = {
    "validate": ("检查数据（与执行同时）", "validating the data (alongside)"),
    "execute": ("执行笔记本", "executing the notebook"),
    "html": ("生成网页报告", "rendering the HTML report"),
    "workbook": ("写工作簿", "writing the workbook"),
    "workbook_alongside": ("写工作簿（与执行同时）", "writing the workbook (alongside)"),
    "audit": ("公开版整数审计", "auditing the public tier"),
    "publish": ("发布", "publishing"),
    "total_before_publish": ("发布前合计", "total before publishing"),
}
"""Step keys of the manifest's ``timings_seconds`` with their Chinese and English names."""


def slowest_cells(notebook: Path, *, n: int = 3) -> list[tuple[int, str, float]]:
    """The ``n`` code cells of an executed notebook that took longest.

    Parameters
    ----------
    notebook : Path
        A notebook executed by papermill (each cell's ``metadata.papermill.duration``).
    n : int
        How many cells.

    Returns
    -------
    list of (int, str, float)
        Cell number (1-based, as Jupyter shows the cells), the cell's first line of code
        (at most 40 characters), seconds; longest first.  Empty when the notebook cannot be
        read or carries no durations.

    Examples
    --------
    >>> slowest_cells(Path("no-such-notebook.ipynb"))
    []
    """
    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    found = []
    for i, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        duration = (cell.get("metadata", {}).get("papermill") or {}).get("duration")
        if not isinstance(duration, int | float):
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        lines = [s.strip() for s in text.splitlines() if s.strip() and not s.startswith("#")]
        first = lines[0] if lines else ""
        found.append((i, first if len(first) <= 40 else first[:39] + "…", float(duration)))
    return sorted(found, key=lambda c: -c[2])[:n]


def timing_lines(timings: dict, cells: list, *, lang: str = "zh") -> list[str]:
    """The lines the runner logs about where a run's time went.

    Parameters
    ----------
    timings : dict
        Step key (:data:`STEPS`, others shown by their key) → seconds.
    cells : list of (int, str, float)
        :func:`slowest_cells`.
    lang : {"zh", "en"}

    Returns
    -------
    list of str

    Examples
    --------
    >>> timing_lines({"execute": 6.24, "publish": 0.05}, [], lang="zh")
    ['各步用时：执行笔记本 6.2 秒，发布 0.1 秒']
    """
    check_option("lang", lang, LANGS)
    zh = lang == "zh"
    steps = [
        f"{STEPS.get(k, (k, k))[0 if zh else 1]} {v:.1f} {'秒' if zh else 's'}"
        for k, v in timings.items()
    ]
    out = [("各步用时：" if zh else "time by step: ") + ("，" if zh else ", ").join(steps)]
    if cells:
        shown = [
            f"第 {i} 格 {s:.1f} 秒（{text}）" if zh else f"cell {i} {s:.1f} s ({text})"
            for i, text, s in cells
        ]
        out.append(("最慢的格：" if zh else "slowest cells: ") + ("，" if zh else ", ").join(shown))
    return out


__all__ = ["STEPS", "slowest_cells", "timing_lines"]
