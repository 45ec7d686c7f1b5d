"""Scores or rates by respondent group, town-wide or for one unit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme
from evalstats.present.plot.style import (
    ALL,
    GROUP_VALUES,
    check_frame,
    cl_text,
    cycle_heading,
    keep_data,
    new_figure,
    one_cycle,
    palette,
    setup,
    themed,
    unit_labels,
    value_locator,
)


# ====================================================================== groups
def group_comparison(
    scores: pd.DataFrame,
    *,
    dimension: str = "all",
    lang: str = "zh",
    scheme: Scheme | str | Path | None = None,
    unit: str | None = None,
    value: str = "satisfied_rate",
) -> Figure:
    """A rate or score by respondent group, with confidence intervals, per dimension.

    Uses the town's rows (``unit == "all"`` and ``series == "all"``) or one unit's rows
    (``unit=``).  With ``dimension="all"`` every dimension of the scheme is drawn, followed by
    the row pooled over dimensions; a dimension code draws that dimension only.  Groups are
    side by side within a dimension; a cell with fewer valid answers than the scheme's
    ``low_confidence_n`` is drawn hollow.  The legend gives each group's forms (``n_forms`` of
    its row pooled over dimensions).

    Parameters
    ----------
    scores : DataFrame
        The scores table of one cycle (:func:`evalstats.stats.score.scores_table`).
    dimension : str
        ``"all"`` or a dimension code of the scheme.
    lang : {"zh", "en"}
    scheme : Scheme, path or None
    unit : str, optional
        A unit code; default the whole town.
    value : {"satisfied_rate", "score"}
        The metric drawn, with its interval (``satisfied_ci_*`` or ``score_ci_*``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = group_comparison(h1.scores, dimension="service")  # doctest: +SKIP
    """
    lang, scheme, text = setup(lang, scheme)
    dimension = check_option("dimension", dimension, (*scheme.dimension_codes, ALL))
    value = check_option("value", value, GROUP_VALUES)
    prefix = "satisfied" if value == "satisfied_rate" else "score"
    lo_col, hi_col = f"{prefix}_ci_low", f"{prefix}_ci_high"
    required = ("cycle", "unit", "unit_name", "series", "group", "dimension", "n_forms")
    check_frame("scores", scores, (*required, "n_valid", value, lo_col, hi_col))
    cycle = one_cycle("scores", scores)
    rows, where = _selected_rows(scores, unit, lang=lang, text=text)
    rows = rows[rows["group"].astype(str) != ALL]
    present = set(rows["dimension"].astype(str))
    dims = [d for d in (*scheme.dimension_codes, ALL) if d in present]
    if dimension != ALL:
        dims = [d for d in dims if d == dimension]
    groups = [g for g in scheme.group_codes if g in set(rows["group"].astype(str))]
    if not groups or not dims:
        raise ValueError("scores has no rows per respondent group for this selection")
    with themed():
        fig = new_figure(9, 1.8 + 0.55 * len(dims) * max(1, len(groups) / 3))
        ax = fig.subplots()
        handles, names = _draw_groups(
            ax, rows, dims=dims, groups=groups, value=value, scheme=scheme, lang=lang, text=text
        )
        _dimension_axis(ax, dims, scheme=scheme, lang=lang, text=text)
        ax.set_xlabel(text["ci_axis"].format(what=text[value], cl=cl_text(rows)))
        fig.legend(handles, names, loc="outside lower center", ncol=2, frameon=False, fontsize=9)
        fig.suptitle(
            text["group_title"].format(
                cycle=cycle_heading(cycle, lang), where=where, what=text[value]
            )
        )
    drawn = rows[rows["dimension"].astype(str).isin(dims) & rows["group"].astype(str).isin(groups)]
    return keep_data(fig, drawn)


def _selected_rows(scores: pd.DataFrame, unit, *, lang: str, text) -> tuple[pd.DataFrame, str]:
    """The town's rows (``unit`` None) or one unit's, and the words for where they are from."""
    if unit is None:
        rows = scores[(scores["unit"].astype(str) == ALL) & (scores["series"].astype(str) == ALL)]
        return rows, text["town"]
    if not isinstance(unit, str):
        raise TypeError(f"unit must be a unit code (str); got {type(unit).__name__}")
    rows = scores[scores["unit"].astype(str) == unit]
    if not len(rows):
        raise ValueError(f"unit {unit!r} is not in scores")
    return rows, unit_labels(rows["unit"].iloc[:1], rows["unit_name"].iloc[:1], lang)[0]


def _draw_groups(ax, rows: pd.DataFrame, *, dims, groups, value, scheme, lang, text):
    """One row of points with interval bars per group (hollow where the cell has few valid
    answers); the legend's handles and names."""
    prefix = "satisfied" if value == "satisfied_rate" else "score"
    lo_col, hi_col = f"{prefix}_ci_low", f"{prefix}_ci_high"
    scale = 100 if value == "satisfied_rate" else 1  # percentages for display
    colours = palette("deep", len(groups))
    offsets = np.linspace(-0.3, 0.3, len(groups)) if len(groups) > 1 else np.zeros(1)
    key = rows.assign(_d=rows["dimension"].astype(str), _g=rows["group"].astype(str))
    key = key.set_index(["_d", "_g"])
    low_n = scheme.rules.low_confidence_n
    any_low = False
    handles, names = [], []
    for j, (g, colour) in enumerate(zip(groups, colours, strict=True)):
        sel = key.reindex([(d, g) for d in dims])
        x = sel[value].to_numpy(float) * scale
        lo = sel[lo_col].to_numpy(float) * scale
        hi = sel[hi_col].to_numpy(float) * scale
        y = np.arange(len(dims)) + offsets[j]
        low = sel["n_valid"].to_numpy(float) < low_n
        any_low |= bool(low.any())
        ax.errorbar(
            x, y, xerr=np.vstack([x - lo, hi - x]), fmt="none", ecolor=colour, elinewidth=1.5
        )
        ax.plot(x[~low], y[~low], "o", color=colour, ms=6)
        ax.plot(x[low], y[low], "o", mfc="white", mec=colour, mew=1.5, ms=6)
        label = scheme.label("groups", g, lang)
        forms = pd.unique(sel["n_forms"].dropna())  # a group's forms: the same in each row
        if len(forms) == 1:
            label = text["group_n"].format(label=label, n=int(forms[0]))
        handles.append(Line2D([], [], color=colour, marker="o", ls="-", ms=6))
        names.append(label)
    if any_low:
        handles.append(Line2D([], [], color=".4", marker="o", mfc="white", ls="", ms=6))
        names.append(text["low_confidence"].format(n=low_n))
    return handles, names


def _dimension_axis(ax, dims, *, scheme, lang, text) -> None:
    """The dimensions on the y axis, separated by lines (dashed before the pooled row)."""
    dim_labels = [
        text["all_dimensions"] if d == ALL else scheme.label("dimensions", d, lang) for d in dims
    ]
    ax.set_yticks(np.arange(len(dims)), dim_labels)
    ax.set_ylim(len(dims) - 0.5, -0.5)
    ax.xaxis.set_major_locator(value_locator())
    ax.grid(axis="y", visible=False)
    for k in range(1, len(dims)):
        last = k == len(dims) - 1 and dims[-1] == ALL
        ax.axhline(k - 0.5, color=".5" if last else ".85", lw=0.8, ls="--" if last else "-")


__all__ = [
    "group_comparison",
]
