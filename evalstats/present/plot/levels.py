"""Level distributions: each valid level's share of the valid answers, as diverging bars."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme
from evalstats.present.plot.celltext import CellLabels
from evalstats.present.plot.style import (
    BLANK,
    LEVELS_BY,
    ROW_HEIGHT,
    TALLY_COLUMNS,
    UNITS_COLUMNS,
    check_frame,
    check_series,
    cycle_heading,
    keep_data,
    label_panel,
    new_figure,
    one_cycle,
    palette,
    scheme_label,
    series_blocks,
    setup,
    themed,
    unit_labels,
)


# ====================================================================== level shares
def level_shares(counts: pd.DataFrame, key: str, scheme: Scheme) -> pd.DataFrame:
    """Counts of every level per ``key`` and each valid level's share of the valid answers.

    A groupby-sum of the tally, then a division by the row total of the valid levels; rows
    without a valid answer get NaN shares.  Returns one row per ``key`` value with the count
    columns ``<level>`` (scheme levels and ``blank``), ``n_valid`` and ``share_<level>`` for
    the valid levels.
    """
    levels = [*scheme.level_codes, BLANK]
    wide = (
        counts.groupby([key, "level"], observed=False, sort=False)["count"]
        .sum()
        .unstack("level", fill_value=0)
        .reindex(columns=levels, fill_value=0)
    )
    wide.columns = [str(c) for c in wide.columns]
    valid = list(scheme.valid_level_codes)
    wide["n_valid"] = wide[valid].sum(axis=1)
    denominator = wide["n_valid"].where(wide["n_valid"] > 0)
    for code in valid:
        wide[f"share_{code}"] = wide[code] / denominator
    wide.index = wide.index.astype(str)
    return wide


def _diverging_panel(ax, shares: pd.DataFrame, labels: list[str], scheme: Scheme, *, lang, text):
    sat = [v for v in scheme.levels if v.valid and v.satisfied]
    dis = [v for v in scheme.levels if v.valid and not v.satisfied]
    not_valid = [v for v in scheme.levels if not v.valid]
    blues = palette("Blues", len(sat) + 2)[2:][::-1]  # best level darkest
    reds = palette("Reds", len(dis) + 2)[2:]
    y = np.arange(len(shares))
    handles = {}
    # right of zero: the weakest satisfied level nearest to zero
    left = np.zeros(len(shares))
    for level, colour in zip(sat[::-1], blues[::-1], strict=True):
        width = shares[f"share_{level.code}"].fillna(0).to_numpy()
        handles[level.code] = ax.barh(y, width, left=left, color=colour, height=0.7)
        _segment_text(ax, y, left, width, colour)
        left = left + width
    # left of zero: the mildest dissatisfied level nearest to zero
    right = np.zeros(len(shares))
    for level, colour in zip(dis, reds, strict=True):
        width = shares[f"share_{level.code}"].fillna(0).to_numpy()
        handles[level.code] = ax.barh(y, -width, left=right, color=colour, height=0.7)
        _segment_text(ax, y, right - width, width, colour)
        right = right - width
    ax.axvline(0, color=".2", lw=1)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(shares) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_locator(MultipleLocator(0.2))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v) * 100:.0f}"))
    # counts not in the shares, written beside each bar
    tr = ax.get_yaxis_transform()
    for yi, (_, row) in zip(y, shares.iterrows(), strict=True):
        parts = [f"n={int(row['n_valid'])}"]
        parts += [f"{v.label(lang)} {int(row[v.code])}" for v in not_valid]
        parts.append(f"{text[BLANK]} {int(row[BLANK])}")
        if row["n_valid"] == 0:
            parts.insert(0, text["no_valid"])
        ax.text(1.01, yi, "  ".join(parts), transform=tr, va="center", ha="left", fontsize=8)
    order = [v.code for v in dis[::-1]] + [v.code for v in sat[::-1]]
    return [handles[c] for c in order], [scheme.label("levels", c, lang) for c in order]


def _segment_text(ax, y, left, width, colour):
    """Each segment's share in percent, written inside it where it is at least 8 % wide."""
    wide = np.asarray(width) >= 0.08
    if not wide.any():
        return
    dark = sum(colour[:3]) / 3 < 0.55
    CellLabels(
        ax,
        (np.asarray(left) + np.asarray(width) / 2)[wide],
        np.asarray(y)[wide],
        [f"{w * 100:.1f}" for w in np.asarray(width)[wide]],
        ["white" if dark else ".15"] * int(wide.sum()),
        fontsize=7.5,
    )


def levels_diverging(
    counts: pd.DataFrame,
    *,
    by: str = "dimension",
    scheme: Scheme | str | Path | None = None,
    lang: str = "zh",
    series: str | None = None,
    units: pd.DataFrame | None = None,
) -> Figure:
    """Diverging stacked bars of the answer levels, by dimension or by unit.

    Each bar splits the valid answers of a dimension (pooled over units and groups) or of a
    unit (pooled over dimensions and groups) into the scheme's levels: satisfied levels to
    the right of zero (the weakest nearest to zero), dissatisfied levels to the left.  Answers
    that are not valid (不了解) and blanks are not in the shares; their counts are written
    beside each bar with ``n``, the number of valid answers.

    Parameters
    ----------
    counts : DataFrame
        The tally of one cycle (:func:`evalstats.counts.tally.tally`): ``cycle, unit, group,
        dimension, level, count``.
    by : {"dimension", "unit"}
    scheme : Scheme, path or None
    lang : {"zh", "en"}
    series : str, optional
        Only the units of this series (needs ``units``).
    units : DataFrame, optional
        ``unit, name, series``: unit names for the labels and the series of each unit; with
        ``by="unit"`` the units are then drawn in one panel per series.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = levels_diverging(h1.counts, by="unit", units=h1.units)  # doctest: +SKIP
    """
    lang, scheme, text = setup(lang, scheme)
    by = check_option("by", by, LEVELS_BY)
    series = check_series(series, scheme)
    check_frame("counts", counts, TALLY_COLUMNS)
    if units is not None:
        check_frame("units", units, UNITS_COLUMNS)
    if series is not None and units is None:
        raise ValueError("series= needs units= (columns unit, name, series) to find its units")
    cycle = one_cycle("counts", counts)
    known = {*scheme.level_codes, BLANK}
    unknown = sorted({str(v) for v in counts["level"].dropna().unique()} - known)
    if unknown:
        raise ValueError(
            f"counts has levels {unknown} that are not in scheme {scheme.name!r}; "
            f"levels: {sorted(known)}"
        )
    if series is not None:
        members = units.loc[units["series"].astype(str) == series, "unit"].astype(str)
        counts = counts[counts["unit"].astype(str).isin(set(members))]

    if by == "dimension":
        shares = level_shares(counts, "dimension", scheme)
        order = [d for d in scheme.dimension_codes if d in shares.index]
        blocks = [(None, shares.loc[order], [scheme.label("dimensions", d, lang) for d in order])]
    else:
        shares = level_shares(counts, "unit", scheme)
        if units is None:
            blocks = [(None, shares, unit_labels(shares.index.to_series(), None, lang))]
        else:
            info = units.assign(unit=units["unit"].astype(str)).drop_duplicates("unit")
            info = info[info["unit"].isin(shares.index)]
            extra = [u for u in shares.index if u not in set(info["unit"])]
            blocks = []
            for code, rows in series_blocks(info, scheme, series):
                labels = unit_labels(rows["unit"], rows["name"], lang)
                blocks.append((code, shares.loc[rows["unit"]], labels))
            if extra and series is None:
                blocks.append(("", shares.loc[extra], list(extra)))

    n_rows = sum(len(b[1]) for b in blocks)
    with themed():
        fig = new_figure(10, 1.4 + ROW_HEIGHT * n_rows + 0.4 * len(blocks))
        axes = fig.subplots(
            len(blocks), 1, sharex=True, squeeze=False, height_ratios=[len(b[1]) for b in blocks]
        )[:, 0]
        for ax, (code, frame, labels) in zip(axes, blocks, strict=True):
            handles, names = _diverging_panel(ax, frame, labels, scheme, lang=lang, text=text)
            label_panel(ax, scheme_label(scheme, "series", code, lang) if code else "")
        lo = min(-0.1, float(np.floor(ax.get_xlim()[0] * 10) / 10))
        axes[-1].set_xlim(lo, 1.0)
        sat_word = text["satisfied_levels"]
        dis_word = "/".join(v.label(lang) for v in scheme.levels if v.valid and not v.satisfied)
        not_valid = "、".join(v.label(lang) for v in scheme.levels if not v.valid)
        axes[-1].set_xlabel(
            text["share_axis"].format(dissatisfied=dis_word, satisfied=sat_word)
            + "\n"
            + text["right_note"].format(unknown=not_valid, blank=text[BLANK]),
            fontsize=9,
        )
        fig.suptitle(
            text[f"levels_title_{by}"].format(cycle=cycle_heading(cycle, lang)), fontsize=12
        )
        fig.legend(handles, names, loc="outside lower center", ncol=len(names), frameon=False)
    return keep_data(fig, counts)


__all__ = [
    "level_shares",
    "levels_diverging",
]
