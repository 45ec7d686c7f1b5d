"""The unit × dimension heatmap of a score or rate."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme
from evalstats.present.plot.celltext import CellLabels
from evalstats.present.plot.style import (
    ALL,
    HEATMAP_VALUES,
    RATE_VALUES,
    ROW_HEIGHT,
    check_frame,
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
)


# ====================================================================== heatmap
def heatmap(
    scores: pd.DataFrame,
    *,
    value: str = "weighted_score",
    lang: str = "zh",
    scheme: Scheme | str | Path | None = None,
) -> Figure:
    """Unit × dimension heatmap of a score or rate, units grouped by series.

    Uses the unit rows pooled over groups (``group == "all"``).  The last column is the
    unit's row pooled over dimensions: the composite for ``value="weighted_score"``,
    otherwise the value over all dimensions.  Cells show the value with one decimal (rates
    as percentages).

    Parameters
    ----------
    scores : DataFrame
        The scores table of one cycle (:func:`evalstats.stats.score.scores_table`).
    value : {"weighted_score", "score", "satisfied_rate", "top_box_rate", "dissatisfied_rate"}
    lang : {"zh", "en"}
    scheme : Scheme, path or None

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = heatmap(h1.scores, value="satisfied_rate")  # doctest: +SKIP
    """
    lang, scheme, text = setup(lang, scheme)
    value = check_option("value", value, HEATMAP_VALUES)
    check_frame(
        "scores", scores, ("cycle", "unit", "unit_name", "series", "group", "dimension", value)
    )
    cycle = one_cycle("scores", scores)
    rows = scores[(scores["unit"].astype(str) != ALL) & (scores["group"].astype(str) == ALL)]
    if not len(rows):
        raise ValueError(
            "scores has no unit rows pooled over groups (unit != 'all', group == 'all')"
        )
    rate = value in RATE_VALUES
    columns = [*scheme.dimension_codes, ALL]
    wide = rows.pivot_table(
        index="unit", columns="dimension", values=value, aggfunc="first", dropna=False, sort=False
    ).reindex(columns=columns)
    if rate:
        wide = wide * 100  # percentages for display
    units = rows.drop_duplicates("unit")[["unit", "unit_name", "series"]]
    col_labels = [scheme.label("dimensions", d, lang) for d in scheme.dimension_codes]
    col_labels.append(text["composite"] if value == "weighted_score" else text["all_dimensions"])
    col_labels = [textwrap.fill(c, 20) for c in col_labels]  # long English labels on two lines
    blocks = series_blocks(units, scheme, None)
    vmin, vmax = np.nanmin(wide.to_numpy(float)), np.nanmax(wide.to_numpy(float))
    cmap = "OrRd" if value == "dissatisfied_rate" else "YlGnBu"
    n_rows = len(units)
    wide_labels = lang == "en"
    with themed():
        fig = new_figure(
            10, 1.4 + ROW_HEIGHT * n_rows + 0.35 * len(blocks) + (0.3 if wide_labels else 0)
        )
        axes = fig.subplots(
            len(blocks), 1, sharex=True, squeeze=False, height_ratios=[len(b) for _, b in blocks]
        )[:, 0]
        annotate = []
        for ax, (code, block) in zip(axes, blocks, strict=True):
            data = wide.loc[block["unit"].astype(str)]
            data.index = unit_labels(block["unit"], block["unit_name"], lang)
            data.columns = col_labels
            mesh = ax.pcolormesh(
                np.ma.masked_invalid(data.to_numpy(float)),
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
                linewidths=0.5,
                edgecolor="white",
            )
            _matrix_axes(ax, data.index, data.columns)
            annotate.append((ax, mesh, data.to_numpy(float)))
            ax.axvline(len(scheme.dimension_codes), color="white", lw=4)
            label_panel(ax, scheme_label(scheme, "series", code, lang))
        for ax, mesh, values in annotate:
            _annotate_cells(ax, mesh, values)
        cbar = fig.colorbar(annotate[0][1], ax=list(axes), shrink=0.6, pad=0.02)
        cbar.set_label(text[value])
        fig.suptitle(
            text["heatmap_title"].format(cycle=cycle_heading(cycle, lang), what=text[value]),
            fontsize=12,
        )
        _upright_if_crowded(fig, axes[-1])
    return keep_data(fig, rows)


def _matrix_axes(ax, rows, columns) -> None:
    """Axes of a matrix drawn cell by cell, as seaborn's ``heatmap`` sets them (no spines, first
    row on top, a label at the centre of every row and column, row labels horizontal) but
    without its tick-label overlap check, which drew the whole figure once per panel (three
    drawings of a 200-unit figure before it was saved): :func:`_upright_if_crowded` does that
    check once, by measuring."""
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.grid(False)
    ax.set_xlim(0, len(columns))
    ax.set_ylim(len(rows), 0)
    ax.set_xticks(np.arange(len(columns)) + 0.5, list(columns))
    ax.set_yticks(np.arange(len(rows)) + 0.5, list(rows), va="center")
    ax.tick_params(length=0)


def _upright_if_crowded(fig: Figure, ax) -> None:
    """Turn the column labels of ``ax`` upright when, side by side, two of them would overlap
    (long English labels), as seaborn's heatmap does; found by laying the figure out once
    (measuring its texts, not drawing them)."""
    fig.get_layout_engine().execute(fig)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    if any(a.overlaps(b) for a, b in itertools.pairwise(boxes)):
        for t in ax.get_xticklabels():
            t.set_rotation("vertical")


def relative_luminance(rgba: np.ndarray) -> np.ndarray:
    """The relative luminance of colours (rows of RGB or RGBA in [0, 1]) by the W3C's formula
    [1]_, as seaborn's ``relative_luminance`` computes it.

    References
    ----------
    .. [1] W3C (2008). Web Content Accessibility Guidelines (WCAG) 2.0, "relative luminance".
           https://www.w3.org/TR/WCAG20/#relativeluminancedef

    Examples
    --------
    >>> relative_luminance(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])).tolist()
    [1.0, 0.0]
    """
    rgb = np.asarray(rgba, np.float64)[..., :3]
    rgb = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return rgb.dot([0.2126, 0.7152, 0.0722])


def _annotate_cells(ax, mesh, values: np.ndarray, fmt: str = ".1f", fontsize: float = 8) -> None:
    """Write each finite cell's value on a heatmap as seaborn's ``annot=True`` does: centred,
    dark text on light cells and white on dark (relative luminance above 0.408); as one
    :class:`~evalstats.present.plot.celltext.CellLabels` (1,400 values at 200 units)."""
    colours = mesh.cmap(mesh.norm(values))
    rows, cols = np.nonzero(np.isfinite(values))
    dark = relative_luminance(colours[rows, cols]) > 0.408
    CellLabels(
        ax,
        cols + 0.5,
        rows + 0.5,
        [format(values[i, j], fmt) for i, j in zip(rows, cols, strict=True)],
        [".15" if d else "w" for d in dark],
        fontsize=fontsize,
    )


__all__ = [
    "heatmap",
    "relative_luminance",
]
