"""The ranking figure: each composite with its interval, P(末位) and rank range, by series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme
from evalstats.present.format import rank_range
from evalstats.present.plot.style import (
    RANK_SCORES,
    ROW_HEIGHT,
    STATUS_STYLE,
    check_frame,
    check_series,
    cl_text,
    cycle_heading,
    keep_data,
    label_panel,
    new_figure,
    one_cycle,
    scheme_label,
    series_blocks,
    setup,
    themed,
    unit_labels,
    value_locator,
)


# ====================================================================== ranking
def unit_status(frame: pd.DataFrame) -> np.ndarray:
    """Each row's status in the ranking figures: ``top3``, ``last``, ``last_not_distinguishable``,
    ``veto`` or ``""``."""
    veto = frame["veto"].fillna(False).astype(bool).to_numpy()
    standing = frame["standing"].fillna("").astype(str).to_numpy()
    return np.where(veto, "veto", standing)


def legend_handles(statuses, text) -> tuple[list, list]:
    """Legend handles and names for the statuses present, in legend order."""
    handles, names = [], []
    for code, (colour, marker) in STATUS_STYLE.items():
        if code in statuses:
            handles.append(Line2D([], [], color=colour, marker=marker, ls="", ms=7))
            names.append(text[f"status_{code}"])
    return handles, names


def ranking_intervals(
    ranking: pd.DataFrame,
    *,
    series: str | None = None,
    score_column: str = "composite",
    lang: str = "zh",
    scheme: Scheme | str | Path | None = None,
) -> Figure:
    """Units ranked within each series: the score with its interval, ``p_last`` and rank range.

    One panel per series; units sorted by ``score_column`` (highest on top).  Each unit is a
    point with its confidence interval, coloured and shaped by its standing (前三, 末位,
    末位不可区分, 一票否决, other), with ``P(末位)`` and the rank interval
    (``rank_low``–``rank_high``) written at the right.

    Parameters
    ----------
    ranking : DataFrame
        The ranking of one cycle (:func:`evalstats.stats.rank.rank_units`) or of the year
        (:func:`evalstats.stats.pipeline.score_year`).
    series : str, optional
        Draw one series only.
    score_column : {"composite", "composite_year"}
        The score drawn; its interval is ``<score_column>_ci_low`` / ``_ci_high``.
    lang : {"zh", "en"}
    scheme : Scheme, path or None

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = ranking_intervals(h1.ranking, lang="en")  # doctest: +SKIP
    """
    lang, scheme, text = setup(lang, scheme)
    series = check_series(series, scheme)
    score_column = check_option("score_column", score_column, RANK_SCORES)
    lo_col, hi_col = f"{score_column}_ci_low", f"{score_column}_ci_high"
    required = ("cycle", "unit", "unit_name", "series", score_column, lo_col, hi_col)
    required += ("rank_low", "rank_high", "p_last", "tied", "standing", "veto")
    check_frame("ranking", ranking, required)
    cycle = one_cycle("ranking", ranking)
    blocks = series_blocks(ranking, scheme, series)
    if not blocks:
        raise ValueError(f"ranking has no unit of series {series!r}")

    n_rows = sum(len(b) for _, b in blocks)
    all_status = set(unit_status(ranking if series is None else blocks[0][1]))
    with themed():
        fig = new_figure(9.5, 1.2 + ROW_HEIGHT * n_rows + 0.45 * len(blocks))
        axes = fig.subplots(
            len(blocks), 1, sharex=True, squeeze=False, height_ratios=[len(b) for _, b in blocks]
        )[:, 0]
        for ax, (code, rows) in zip(axes, blocks, strict=True):
            rows = rows.sort_values(
                score_column, ascending=False, na_position="last", kind="stable"
            )
            y = np.arange(len(rows))
            x = rows[score_column].to_numpy(float)
            lo = rows[lo_col].to_numpy(float)
            hi = rows[hi_col].to_numpy(float)
            status = unit_status(rows)
            for s, (colour, marker) in STATUS_STYLE.items():
                m = status == s
                if m.any():
                    ax.errorbar(
                        x[m],
                        y[m],
                        xerr=np.vstack([x[m] - lo[m], hi[m] - x[m]]),
                        fmt=marker,
                        color=colour,
                        ms=6,
                        elinewidth=1.6,
                        capsize=2.5,
                    )
            labels = unit_labels(rows["unit"], rows["unit_name"], lang)
            tied = rows["tied"].fillna(False).astype(bool).to_numpy()
            labels = [
                lab + (text["tied"] if t else "") for lab, t in zip(labels, tied, strict=True)
            ]
            ax.set_yticks(y, labels)
            ax.set_ylim(len(rows) - 0.5, -0.5)
            ax.xaxis.set_major_locator(value_locator())
            tr = ax.get_yaxis_transform()
            for yi, p, r0, r1 in zip(
                y, rows["p_last"], rows["rank_low"], rows["rank_high"], strict=True
            ):
                parts = []
                if pd.notna(p):
                    parts.append(text["p_last"].format(p=p))
                if pd.notna(r0) and pd.notna(r1):
                    parts.append(text["rank_range"].format(ranks=rank_range(r0, r1, lang)))
                ax.text(1.01, yi, "  ".join(parts), transform=tr, va="center", fontsize=8)
            label_panel(ax, scheme_label(scheme, "series", code, lang))
        what = text[score_column]
        axes[-1].set_xlabel(text["ci_axis"].format(what=what, cl=cl_text(ranking)))
        handles, names = legend_handles(all_status, text)
        fig.legend(handles, names, loc="outside lower center", ncol=len(names), frameon=False)
        fig.suptitle(text["ranking_title"].format(cycle=cycle_heading(cycle, lang)), fontsize=12)
    return keep_data(fig, pd.concat([b for _, b in blocks]))


__all__ = [
    "legend_handles",
    "ranking_intervals",
    "unit_status",
]
