"""The half-year → annual slope chart of each unit's composite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from evalstats.core.scheme import Scheme
from evalstats.present.plot.ranking import legend_handles, unit_status
from evalstats.present.plot.style import (
    PRINT_WIDTH,
    STATUS_STYLE,
    check_frame,
    check_series,
    cycle_heading,
    keep_data,
    label_panel,
    new_figure,
    one_cycle,
    scheme_label,
    series_blocks,
    setup,
    spread,
    themed,
    unit_labels,
    value_locator,
)


# ====================================================================== slope chart
def slope(
    ranking_year: pd.DataFrame,
    *,
    lang: str = "zh",
    scheme: Scheme | str | Path | None = None,
    series: str | None = None,
) -> Figure:
    """Half-year → annual composite per unit, one panel per series.

    A line joins ``composite_h1`` and ``composite_annual``; a unit present in one cycle only
    is a single point.  Colours follow the unit's standing of the year (as in
    :func:`ranking_intervals`); the period weights are written under the axis when the table
    carries them (``weight_half_year``, ``weight_annual``).

    Parameters
    ----------
    ranking_year : DataFrame
        The annual ranking (:func:`evalstats.stats.pipeline.score_year`).
    lang : {"zh", "en"}
    scheme : Scheme, path or None
    series : str, optional
        Draw one series only.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = slope(score_year(h1, a, rng=1))  # doctest: +SKIP
    """
    lang, scheme, text = setup(lang, scheme)
    series = check_series(series, scheme)
    required = ("cycle", "unit", "unit_name", "series", "composite_h1", "composite_annual")
    check_frame("ranking_year", ranking_year, (*required, "standing", "veto"))
    cycle = one_cycle("ranking_year", ranking_year)
    blocks = series_blocks(ranking_year, scheme, series)
    if not blocks:
        raise ValueError(f"ranking_year has no unit of series {series!r}")
    h1_label, annual_label = text["slope_h1"], text["slope_annual"]
    for col, name in (("weight_half_year", "h1"), ("weight_annual", "annual")):
        if col in ranking_year.columns:
            w = pd.unique(ranking_year[col].dropna())
            # units of one cycle carry weight 1 on it: quote the weight of the units in both
            both = ranking_year[["composite_h1", "composite_annual"]].notna().all(axis=1)
            w = pd.unique(ranking_year.loc[both, col].dropna()) if both.any() else w
            if len(w) == 1:
                if name == "h1":
                    h1_label += text["weight"].format(w=w[0])
                else:
                    annual_label += text["weight"].format(w=w[0])
    values = ranking_year[["composite_h1", "composite_annual"]].to_numpy(float)
    y_lo, y_hi = np.nanmin(values), np.nanmax(values)
    pad = max(1.0, (y_hi - y_lo) * 0.06)
    # tall enough for one 8 pt label line per unit of the largest series (a city's 60-unit
    # series collapsed the layout at 6.5 in)
    # one panel per series, stacked: each as wide as the printed page, so its labels print at
    # 8 pt (side by side, three series printed at about 5 pt)
    panel = max(2.2, 0.5 + 0.17 * max(len(rows) for _, rows in blocks))
    height = panel * len(blocks) + 0.9
    reach = 0.8 if lang == "zh" else 1.15  # room for the labels beside the lines (data units)
    with themed():
        fig = new_figure(PRINT_WIDTH, height)
        axes = fig.subplots(len(blocks), 1, sharex=True, squeeze=False)[:, 0]
        # minimum label gap in data units: ~1.25 lines of 8 pt text on an axes ~70 % of the height
        gap = 1.25 * 8 / (panel * 0.7 * 72) * (y_hi - y_lo + 2 * pad)
        for ax, (code, rows) in zip(axes, blocks, strict=True):
            h1 = rows["composite_h1"].to_numpy(float)
            an = rows["composite_annual"].to_numpy(float)
            status = unit_status(rows)
            labels = np.asarray(unit_labels(rows["unit"], rows["unit_name"], lang), dtype=object)
            for i in range(len(rows)):
                colour, marker = STATUS_STYLE.get(status[i], STATUS_STYLE[""])
                ax.plot([0, 1], [h1[i], an[i]], color=colour, lw=1.5, alpha=0.85)
                ax.plot([0, 1], [h1[i], an[i]], ls="", marker=marker, color=colour, ms=5)
            leaders = []  # point → label lines, one collection (an annotate arrow per label
            # cost 2.5 s per drawing at 200 units)
            for x, vals, side in ((0, h1, "right"), (1, an, "left")):
                has = ~np.isnan(vals)
                ys = spread(vals[has], gap, y_lo - pad, y_hi + pad)
                step = 0.08 if side == "left" else -0.08
                for yi, target, lab in zip(ys, vals[has], labels[has], strict=True):
                    ax.text(
                        x + step,
                        yi,
                        f"{lab} {target:.1f}",
                        va="center",
                        ha=side,
                        fontsize=8,
                        clip_on=False,
                    )
                    leaders.append([(x, target), (x + 0.85 * step, yi)])
            ax.add_collection(
                LineCollection(leaders, colors=".6", linewidths=0.6, clip_on=False, zorder=1)
            )
            ax.set_xlim(-reach, 1 + reach)
            ax.set_xticks([0, 1], [h1_label, annual_label])
            ax.set_ylim(y_lo - pad, y_hi + pad)
            ax.yaxis.set_major_locator(value_locator())
            ax.grid(axis="x", visible=False)
            label_panel(ax, scheme_label(scheme, "series", code, lang), ylabel=text["slope_axis"])
        drawn = pd.concat([b for _, b in blocks])
        handles, names = legend_handles(set(unit_status(drawn)), text)
        if drawn[["composite_h1", "composite_annual"]].isna().any(axis=None):
            handles.append(Line2D([], [], color=".4", marker="o", ls="", ms=5))
            names.append(text["slope_note"])
        fig.legend(handles, names, loc="outside lower center", ncol=len(names), frameon=False)
        fig.suptitle(text["slope_title"].format(cycle=cycle_heading(cycle, lang)), fontsize=12)
    return keep_data(fig, drawn)


__all__ = [
    "slope",
]
