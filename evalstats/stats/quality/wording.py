"""How the quality flags name units, groups, answer patterns, times and form ids (zh, en).

The ``reason`` and ``reason_zh`` columns of a flag are written with these helpers, one per kind
of thing a reason names, so that every check says them the same way.

Examples
--------
>>> import pandas as pd
>>> duration_text(pd.Timedelta("30min"), "en"), duration_text(pd.Timedelta("90s"), "zh")
('30 min', '90 秒')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.inputs.validate.reasons import WORDS
from evalstats.stats.quality.source import QualityData


def unit_text(d: QualityData, code: str, lang: str) -> str:
    """A unit as a reason names it: its name; in English its English name (the units file's
    ``name_en``), else its Chinese name.  The code only for a unit without a name.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> d = SimpleNamespace(names={"U1": "党政办", "U3": "财政所"},
    ...                     names_en={"U1": "Party and Government Office"})
    >>> unit_text(d, "U1", "zh"), unit_text(d, "U1", "en"), unit_text(d, "U3", "en")
    ('党政办', 'Party and Government Office', '财政所')
    >>> unit_text(d, "U2", "en")
    'U2'
    """
    name = d.names.get(code)
    if lang == "en":
        name = getattr(d, "names_en", {}).get(code) or name
    return name or code


def source_text(file: str, lang: str) -> str:
    """The input file a row number refers to, as a reason names it: in English its path in
    the data folder; in Chinese the kind of table (a Chinese document names no file).

    Examples
    --------
    >>> source_text("2026H1/responses.xlsx", "zh"), source_text("2026H1/responses.xlsx", "en")
    ('测评表数据', '2026H1/responses.xlsx')
    >>> source_text("", "zh")
    '原始数据'
    """
    if lang == "en":
        return file
    stem = file.replace("\\", "/").rsplit("/", 1)[-1].split(".", 1)[0]
    return WORDS.get(stem, "原始数据")


def group_text(d: QualityData, code: str, lang: str) -> str:
    """A respondent group's label in ``lang`` (the scheme's).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from evalstats.core.scheme import load_scheme
    >>> group_text(SimpleNamespace(scheme=load_scheme()), "supervisor", "en") != ""
    True
    """
    return d.scheme.label("groups", code, lang)


def pattern_text(d: QualityData, row: np.ndarray, lang: str) -> str:
    """An answer pattern (one level code per dimension, -1 blank) in words.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> from evalstats.core.scheme import load_scheme
    >>> pattern_text(SimpleNamespace(scheme=load_scheme()), np.zeros(5, int), "en")
    'all 5 answers "Satisfied"'
    """
    s = d.scheme
    labels = [
        ("（未填写）" if lang == "zh" else "(blank)") if c < 0 else s.levels[c].label(lang)
        for c in row.tolist()
    ]
    if len(set(labels)) == 1:
        if lang == "zh":
            return f"{len(labels)} 项均为“{labels[0]}”"
        return f'all {len(labels)} answers "{labels[0]}"'
    sep = "/"
    return f"答案依次为 {sep.join(labels)}" if lang == "zh" else f"answers {sep.join(labels)}"


def duration_text(td: pd.Timedelta, lang: str) -> str:
    """A duration in whole minutes, else seconds.

    Examples
    --------
    >>> import pandas as pd
    >>> duration_text(pd.Timedelta("1min"), "zh")
    '1 分钟'
    """
    seconds = td.total_seconds()
    if seconds % 60 == 0:
        n = seconds / 60
        return f"{n:g} 分钟" if lang == "zh" else f"{n:g} min"
    return f"{seconds:g} 秒" if lang == "zh" else f"{seconds:g} s"


def time_text(t) -> str:
    """A submission time to the minute, or to the second when it has seconds.

    Examples
    --------
    >>> time_text("2026-06-10 09:00:00"), time_text("2026-06-10 09:00:05")
    ('2026-06-10 09:00', '2026-06-10 09:00:05')
    """
    t = pd.Timestamp(t)
    return t.strftime("%Y-%m-%d %H:%M:%S" if t.second or t.microsecond else "%Y-%m-%d %H:%M")


def ids_text(ids: list[str], limit: int = 10) -> str:
    """Form ids joined with 、, the first ``limit`` of them and a count of all.

    Examples
    --------
    >>> ids_text(["a", "b", "c"], limit=2)
    'a、b 等 3 份'
    """
    shown = "、".join(ids[:limit])
    return shown + (f" 等 {len(ids)} 份" if len(ids) > limit else "")


def ids_text_en(ids: list[str], limit: int = 10) -> str:
    """Form ids joined with commas, the first ``limit`` of them and how many more.

    Examples
    --------
    >>> ids_text_en(["a", "b", "c"], limit=2)
    'a, b and 1 more'
    """
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


__all__ = [
    "duration_text",
    "group_text",
    "ids_text",
    "ids_text_en",
    "pattern_text",
    "source_text",
    "time_text",
    "unit_text",
]
