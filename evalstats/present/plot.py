"""Figures of a cycle: level distributions, ranking with intervals, heatmap, slope, groups.

Tidy tables in — the tally (:func:`evalstats.counts.tally.tally`), the scores table
(:func:`evalstats.stats.score.scores_table`) and the ranking (:func:`evalstats.stats.rank.rank_units`,
or :func:`evalstats.stats.pipeline.score_year` for the year) — and a :class:`matplotlib.figure.Figure`
out.  Plot code formats only: every number drawn comes from the tables; the one piece of
arithmetic here is the normalisation of level counts into shares for the diverging bars
(:func:`_level_shares`).

Chinese text
------------
The package ships an OFL subset of Noto Sans CJK SC (``evalstats/fonts``; GB2312, ASCII,
Latin-1, CJK punctuation, common math signs).  :func:`use_cjk_font` registers it with
matplotlib and puts it *before* any system font of the same family name, so the figures look
the same — byte for byte — on a machine with or without system CJK fonts; glyphs the subset
lacks fall back to DejaVu Sans, which matplotlib always ships.  Every figure function calls it.

Labels
------
Dimension, level, group and series labels come from the scheme in the chosen ``lang``.  Units
are labelled by their Chinese name (``unit_name``) with ``lang="zh"`` and by their code with
``lang="en"``: the units table holds no English names, and the codes are English identifiers
that match the CSV tables.  A unit without a name is shown by its code in both languages.

The data behind a figure
------------------------
Each figure function keeps the rows of its input table that it drew (all their columns) on the
figure (:func:`figure_data`), and :func:`save_figure` writes them beside the PNG and SVG as
``<name>.csv`` (UTF-8 with BOM, as the tables: :func:`evalstats.present.report.write_csv`), so that what
a figure shows can be audited — e.g. that a public report's figures draw no withheld cell
(:func:`evalstats.stats.privacy.check_public`).

Examples
--------
>>> from evalstats.present.plot import ranking_intervals, save_figure  # doctest: +SKIP
>>> fig = ranking_intervals(h1.ranking, lang="zh")  # doctest: +SKIP
>>> save_figure(fig, "reports/figures", "ranking")  # doctest: +SKIP
[PosixPath('reports/figures/ranking.png'), PosixPath('reports/figures/ranking.svg'), PosixPath('reports/figures/ranking.csv')]
"""  # noqa: E501

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import matplotlib as mpl
import matplotlib.font_manager as font_manager
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.vocab import LANGS

FONT_FILE = Path(str(resources.files("evalstats") / "fonts" / "NotoSansSC-evalstats.otf"))
FONT_FAMILY = "Noto Sans CJK SC"
FALLBACK_FAMILY = "DejaVu Sans"
PNG_DPI = 150
SVG_HASHSALT = "evalstats"
ALL = "all"
BLANK = "blank"

TALLY_COLUMNS = ("cycle", "unit", "group", "dimension", "level", "count")
UNITS_COLUMNS = ("unit", "name", "series")
LEVELS_BY = ("dimension", "unit")
RANK_SCORES = ("composite", "composite_year")
HEATMAP_VALUES = ("weighted_score", "score", "satisfied_rate", "top_box_rate", "dissatisfied_rate")
GROUP_VALUES = ("satisfied_rate", "score")
RATE_VALUES = ("satisfied_rate", "top_box_rate", "dissatisfied_rate")
DATA_ATTRIBUTE = "evalstats_data"
"""Attribute of a figure holding the rows it was drawn from (:func:`figure_data`)."""

# Status of a unit in the ranking figures: colour, marker, in legend order.
_STATUS_STYLE = {
    "top3": ("#2a9d3f", "o"),
    "": ("#4c72b0", "o"),
    "last_not_distinguishable": ("#e08a1e", "D"),
    "last": ("#c0392b", "s"),
    "veto": ("#222222", "X"),
}

_TEXT = {
    "zh": {
        BLANK: "空白",
        "status_top3": "前三",
        "status_": "其他",
        "status_last_not_distinguishable": "末位（不可区分）",
        "status_last": "末位",
        "status_veto": "一票否决",
        "tied": "（并列）",
        "share_axis": "占有效回答的比例（%）　左：{dissatisfied}　右：{satisfied}",
        "satisfied_levels": "满意各级",
        "right_note": "右侧：n 为有效回答数；{unknown}与{blank}不计入比例，列出份数",
        "no_valid": "无有效回答",
        "levels_title_dimension": "{cycle} 各评议内容的评价等级分布",
        "levels_title_unit": "{cycle} 各单位的评价等级分布",
        "ranking_title": "{cycle} 各序列排名及不确定性",
        "p_last": "P(末位)={p:.2f}",
        "rank_range": "名次区间 {lo}–{hi}",
        "ci_axis": "{what}（点：估计值；横线：{cl}置信区间）",
        "composite": "综合得分",
        "composite_year": "年度综合得分",
        "weighted_score": "加权得分",
        "score": "测评得分",
        "satisfied_rate": "满意率（%）",
        "top_box_rate": "“满意”占比（%）",
        "dissatisfied_rate": "不满意率（%）",
        "all_dimensions": "全部评议内容",
        "heatmap_title": "{cycle} 各单位分项{what}",
        "slope_h1": "上半年测评",
        "slope_annual": "年度测评",
        "weight": "（权重 {w:g}）",
        "slope_axis": "综合得分",
        "slope_title": "{cycle} 上半年→年度综合得分",
        "slope_note": "单点：仅参加一次测评的单位",
        "group_title": "{cycle} {where}各类评议人{what}",
        "town": "全镇",
        "group_n": "{label}（{n} 份）",
        "low_confidence": "空心：有效回答少于 {n} 个（低可信度）",
    },
    "en": {
        BLANK: "Blank",
        "status_top3": "Top 3",
        "status_": "Other",
        "status_last_not_distinguishable": "Last (not distinguishable)",
        "status_last": "Last",
        "status_veto": "Vetoed",
        "tied": " (tied)",
        "share_axis": "Share of valid answers (%): {dissatisfied} left, {satisfied} right",
        "satisfied_levels": "satisfied levels",
        "right_note": "Right: n = valid answers; {unknown} and {blank} are not in the shares",
        "no_valid": "no valid answer",
        "levels_title_dimension": "{cycle}: answer levels by dimension",
        "levels_title_unit": "{cycle}: answer levels by unit",
        "ranking_title": "{cycle}: ranking within series, with uncertainty",
        "p_last": "P(last)={p:.2f}",
        "rank_range": "rank {lo}–{hi}",
        "ci_axis": "{what} (dot: estimate; bar: {cl}confidence interval)",
        "composite": "Composite score",
        "composite_year": "Annual composite score",
        "weighted_score": "Weighted score",
        "score": "Score",
        "satisfied_rate": "Satisfied rate (%)",
        "top_box_rate": "Share 'satisfied' (%)",
        "dissatisfied_rate": "Dissatisfied rate (%)",
        "all_dimensions": "All dimensions",
        "heatmap_title": "{cycle}: {what} by unit and dimension",
        "slope_h1": "Half-year",
        "slope_annual": "Year-end",
        "weight": " (weight {w:g})",
        "slope_axis": "Composite score",
        "slope_title": "{cycle}: half-year → annual composite",
        "slope_note": "Single dot: unit rated in one cycle only",
        "group_title": "{cycle}: {what} by respondent group, {where}",
        "town": "whole town",
        "group_n": "{label} ({n} forms)",
        "low_confidence": "Hollow: fewer than {n} valid answers (low confidence)",
    },
}


# ====================================================================== font and theme
def _shipped_entries() -> list:
    return [f for f in font_manager.fontManager.ttflist if Path(f.fname) == FONT_FILE]


def use_cjk_font() -> str:
    """Make matplotlib draw Chinese with the font shipped in the package; idempotent.

    Registers ``evalstats/fonts/NotoSansSC-evalstats.otf`` with
    :meth:`matplotlib.font_manager.FontManager.addfont` (once); drops other faces of the
    family "Noto Sans CJK SC" from matplotlib's font list (a system copy, e.g. Debian's
    fonts-noto-cjk, would otherwise win :func:`~matplotlib.font_manager.findfont` at some or
    all weights, and the figures would differ from machine to machine); and sets
    ``font.family`` and ``font.sans-serif`` to ``[FONT_FAMILY, "DejaVu Sans"]`` (DejaVu Sans
    draws any glyph the subset lacks) and ``axes.unicode_minus`` to False.  The shipped
    subset has one weight (regular); the figures use no other.

    Returns
    -------
    str
        The family name set, ``"Noto Sans CJK SC"``.

    Examples
    --------
    >>> import matplotlib.font_manager as fm
    >>> family = use_cjk_font()
    >>> fm.findfont(family) == str(FONT_FILE)
    True
    """
    fm = font_manager.fontManager
    if not _shipped_entries():
        fm.addfont(str(FONT_FILE))
    others = [f for f in fm.ttflist if f.name == FONT_FAMILY and Path(f.fname) != FONT_FILE]
    if others:
        fm.ttflist[:] = [f for f in fm.ttflist if f not in others]
        fm._findfont_cached.cache_clear()
    mpl.rcParams["font.family"] = [FONT_FAMILY, FALLBACK_FAMILY]
    mpl.rcParams["font.sans-serif"] = [FONT_FAMILY, FALLBACK_FAMILY]
    mpl.rcParams["axes.unicode_minus"] = False
    return FONT_FAMILY


def _font_rc() -> dict:
    return {
        "font.family": [FONT_FAMILY, FALLBACK_FAMILY],
        "font.sans-serif": [FONT_FAMILY, FALLBACK_FAMILY],
        "axes.unicode_minus": False,
        "svg.hashsalt": SVG_HASHSALT,
        "svg.fonttype": "path",
    }


def _theme_rc() -> dict:
    """The rc of the figures on top of matplotlib's defaults: seaborn whitegrid, the font."""
    rc = dict(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("notebook", font_scale=0.85))
    rc["axes.prop_cycle"] = mpl.cycler(color=sns.color_palette("deep"))
    rc.update(_font_rc())
    return rc


@contextmanager
def _themed():
    """Draw in the figures' theme whatever the global settings (same tables, same figure)."""
    with mpl.style.context("default"), mpl.rc_context(_theme_rc()):
        yield


def theme() -> None:
    """Apply the figures' theme globally: seaborn ``whitegrid`` with the shipped CJK font.

    For notebooks that draw their own figures next to this module's.  The figure functions
    do not need it: they draw inside the same theme (as an rc context) whatever the global
    settings are, so the same tables always give the same figure.

    Examples
    --------
    >>> theme()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["font.family"]
    ['Noto Sans CJK SC', 'DejaVu Sans']
    """
    use_cjk_font()
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette="deep",
        font=FONT_FAMILY,
        font_scale=0.85,
        rc=_font_rc(),
    )


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    # An Agg canvas caches its renderer.  Without one, every text-extent query (seaborn's
    # tick-label overlap check asks once per label) renders the whole figure afresh: the
    # 200-unit heatmap took 10.6 s and 5 GB instead of 2.5 s and 0.25 GB.
    FigureCanvasAgg(fig)
    return fig


def _locator() -> MaxNLocator:
    """Ticks for a value axis; a fixed count, as 'auto' depends on rcParams at draw time."""
    return MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10])


# ====================================================================== figure data
def _keep_data(fig: Figure, rows: pd.DataFrame) -> Figure:
    setattr(fig, DATA_ATTRIBUTE, rows.reset_index(drop=True).copy())
    return fig


def figure_data(fig: Figure) -> pd.DataFrame | None:
    """The rows of the input table a figure of this module was drawn from (None for another
    figure).

    Examples
    --------
    >>> figure_data(Figure()) is None
    True
    """
    data = getattr(fig, DATA_ATTRIBUTE, None)
    return data if isinstance(data, pd.DataFrame) else None


# ====================================================================== argument checks
def _check_frame(name: str, frame, required: Iterable[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}")
    required = list(required)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; required: {required}")
    return frame


def _one_cycle(name: str, frame: pd.DataFrame) -> str:
    cycles = sorted({str(c) for c in frame["cycle"].dropna().unique()})
    if len(cycles) > 1:
        raise ValueError(f"{name} holds several cycles {cycles}; pass the rows of one cycle")
    if not cycles:
        raise ValueError(f"{name} has no rows")
    return cycles[0]


def _check_series(series, scheme: Scheme):
    if series is None:
        return None
    return check_option("series", series, scheme.series_codes)


def _setup(lang, scheme):
    lang = check_option("lang", lang, LANGS)
    scheme = resolve_scheme(scheme)
    use_cjk_font()
    return lang, scheme, _TEXT[lang]


# ====================================================================== labels
def _unit_labels(units: pd.Series, names: pd.Series | None, lang: str) -> list[str]:
    """Chinese name for ``zh`` (code when the name is missing), the code for ``en``."""
    codes = units.astype(str).tolist()
    if lang == "en" or names is None:
        return codes
    out = []
    for code, name in zip(codes, names.tolist(), strict=True):
        text = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
        out.append(text.strip() or code)
    return out


def _label(scheme: Scheme, kind: str, code: str, lang: str) -> str:
    try:
        return scheme.label(kind, code, lang)
    except KeyError:
        return str(code)


def _cl_text(frame: pd.DataFrame) -> str:
    """'95% ' from a ``confidence_level`` column holding one value; '' otherwise."""
    if "confidence_level" not in frame.columns:
        return ""
    levels = pd.unique(frame["confidence_level"].dropna())
    return f"{levels[0] * 100:g}% " if len(levels) == 1 else ""


def _series_blocks(frame: pd.DataFrame, scheme: Scheme, series) -> list[tuple[str, pd.DataFrame]]:
    """Rows of each series present, in scheme order (unknown series codes last)."""
    present = list(dict.fromkeys(frame["series"].astype(str)))
    order = [s for s in scheme.series_codes if s in present]
    order += [s for s in present if s not in order]
    if series is not None:
        order = [s for s in order if s == series]
    return [(s, frame[frame["series"].astype(str) == s]) for s in order]


def _spread(values, gap: float, lo: float = -np.inf, hi: float = np.inf) -> np.ndarray:
    """Label positions at least ``gap`` apart, each cluster centred on its targets, then
    pushed inside ``[lo, hi]`` as far as the gaps allow (a crowded top no longer runs off the
    axes)."""
    y = np.asarray(values, dtype=float)
    order = np.argsort(y, kind="stable")
    clusters: list[list[float]] = []  # [first index in order, count, sum of targets]
    for i, v in enumerate(y[order]):
        clusters.append([i, 1, v])
        while len(clusters) > 1:
            a, b = clusters[-2], clusters[-1]
            top_a = a[2] / a[1] + (a[1] - 1) * gap / 2
            bottom_b = b[2] / b[1] - (b[1] - 1) * gap / 2
            if bottom_b - top_a >= gap:
                break
            clusters[-2:] = [[a[0], a[1] + b[1], a[2] + b[2]]]
    out = np.empty_like(y)
    for start, count, total in clusters:
        first = total / count - (count - 1) * gap / 2
        out[order[start : start + count]] = first + gap * np.arange(count)
    ys = out[order]  # ascending, at least gap apart
    if len(ys) and ys[-1] > hi:  # from the top down: under hi, gaps kept
        for k in range(len(ys) - 1, -1, -1):
            ys[k] = min(ys[k], hi if k == len(ys) - 1 else ys[k + 1] - gap)
    if len(ys) and ys[0] < lo:  # from the bottom up: over lo, gaps kept
        for k in range(len(ys)):
            ys[k] = max(ys[k], lo if k == 0 else ys[k - 1] + gap)
    out[order] = ys
    return out


# ====================================================================== level shares
def _level_shares(counts: pd.DataFrame, key: str, scheme: Scheme) -> pd.DataFrame:
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


def _diverging_panel(ax, shares: pd.DataFrame, labels: list[str], scheme: Scheme, lang, text):
    sat = [v for v in scheme.levels if v.valid and v.satisfied]
    dis = [v for v in scheme.levels if v.valid and not v.satisfied]
    not_valid = [v for v in scheme.levels if not v.valid]
    blues = sns.color_palette("Blues", len(sat) + 2)[2:][::-1]  # best level darkest
    reds = sns.color_palette("Reds", len(dis) + 2)[2:]
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
    dark = sum(colour[:3]) / 3 < 0.55
    for yi, x0, w in zip(y, left, width, strict=True):
        if w >= 0.08:
            ax.text(
                x0 + w / 2,
                yi,
                f"{w * 100:.1f}",
                ha="center",
                va="center",
                fontsize=7.5,
                color="white" if dark else ".15",
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
    lang, scheme, text = _setup(lang, scheme)
    by = check_option("by", by, LEVELS_BY)
    series = _check_series(series, scheme)
    _check_frame("counts", counts, TALLY_COLUMNS)
    if units is not None:
        _check_frame("units", units, UNITS_COLUMNS)
    if series is not None and units is None:
        raise ValueError("series= needs units= (columns unit, name, series) to find its units")
    cycle = _one_cycle("counts", counts)
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
        shares = _level_shares(counts, "dimension", scheme)
        order = [d for d in scheme.dimension_codes if d in shares.index]
        blocks = [(None, shares.loc[order], [scheme.label("dimensions", d, lang) for d in order])]
    else:
        shares = _level_shares(counts, "unit", scheme)
        if units is None:
            blocks = [(None, shares, _unit_labels(shares.index.to_series(), None, lang))]
        else:
            info = units.assign(unit=units["unit"].astype(str)).drop_duplicates("unit")
            info = info[info["unit"].isin(shares.index)]
            extra = [u for u in shares.index if u not in set(info["unit"])]
            blocks = []
            for code, rows in _series_blocks(info, scheme, series):
                labels = _unit_labels(rows["unit"], rows["name"], lang)
                blocks.append((code, shares.loc[rows["unit"]], labels))
            if extra and series is None:
                blocks.append(("", shares.loc[extra], list(extra)))

    n_rows = sum(len(b[1]) for b in blocks)
    with _themed():
        fig = _figure(10, 1.6 + 0.34 * n_rows + 0.45 * len(blocks))
        axes = fig.subplots(
            len(blocks), 1, sharex=True, squeeze=False, height_ratios=[len(b[1]) for b in blocks]
        )[:, 0]
        for ax, (code, frame, labels) in zip(axes, blocks, strict=True):
            handles, names = _diverging_panel(ax, frame, labels, scheme, lang, text)
            if code:
                ax.set_title(_label(scheme, "series", code, lang), loc="left", fontsize=10)
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
        fig.suptitle(text[f"levels_title_{by}"].format(cycle=cycle), fontsize=12)
        fig.legend(handles, names, loc="outside lower center", ncol=len(names), frameon=False)
    return _keep_data(fig, counts)


# ====================================================================== ranking
def _status(frame: pd.DataFrame) -> np.ndarray:
    veto = frame["veto"].fillna(False).astype(bool).to_numpy()
    standing = frame["standing"].fillna("").astype(str).to_numpy()
    return np.where(veto, "veto", standing)


def _legend_handles(statuses, text) -> tuple[list, list]:
    handles, names = [], []
    for code, (colour, marker) in _STATUS_STYLE.items():
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
    lang, scheme, text = _setup(lang, scheme)
    series = _check_series(series, scheme)
    score_column = check_option("score_column", score_column, RANK_SCORES)
    lo_col, hi_col = f"{score_column}_ci_low", f"{score_column}_ci_high"
    required = ("cycle", "unit", "unit_name", "series", score_column, lo_col, hi_col)
    required += ("rank_low", "rank_high", "p_last", "tied", "standing", "veto")
    _check_frame("ranking", ranking, required)
    cycle = _one_cycle("ranking", ranking)
    blocks = _series_blocks(ranking, scheme, series)
    if not blocks:
        raise ValueError(f"ranking has no unit of series {series!r}")

    n_rows = sum(len(b) for _, b in blocks)
    all_status = set(_status(ranking if series is None else blocks[0][1]))
    with _themed():
        fig = _figure(9.5, 1.4 + 0.3 * n_rows + 0.55 * len(blocks))
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
            status = _status(rows)
            for s, (colour, marker) in _STATUS_STYLE.items():
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
            labels = _unit_labels(rows["unit"], rows["unit_name"], lang)
            tied = rows["tied"].fillna(False).astype(bool).to_numpy()
            labels = [
                lab + (text["tied"] if t else "") for lab, t in zip(labels, tied, strict=True)
            ]
            ax.set_yticks(y, labels)
            ax.set_ylim(len(rows) - 0.5, -0.5)
            ax.xaxis.set_major_locator(_locator())
            tr = ax.get_yaxis_transform()
            for yi, p, r0, r1 in zip(
                y, rows["p_last"], rows["rank_low"], rows["rank_high"], strict=True
            ):
                parts = []
                if pd.notna(p):
                    parts.append(text["p_last"].format(p=p))
                if pd.notna(r0) and pd.notna(r1):
                    parts.append(text["rank_range"].format(lo=int(r0), hi=int(r1)))
                ax.text(1.01, yi, "  ".join(parts), transform=tr, va="center", fontsize=8)
            ax.set_title(_label(scheme, "series", code, lang), loc="left", fontsize=10)
        what = text[score_column]
        axes[-1].set_xlabel(text["ci_axis"].format(what=what, cl=_cl_text(ranking)))
        handles, names = _legend_handles(all_status, text)
        fig.legend(handles, names, loc="outside lower center", ncol=len(names), frameon=False)
        fig.suptitle(text["ranking_title"].format(cycle=cycle), fontsize=12)
    return _keep_data(fig, pd.concat([b for _, b in blocks]))


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
    lang, scheme, text = _setup(lang, scheme)
    value = check_option("value", value, HEATMAP_VALUES)
    _check_frame(
        "scores", scores, ("cycle", "unit", "unit_name", "series", "group", "dimension", value)
    )
    cycle = _one_cycle("scores", scores)
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
    blocks = _series_blocks(units, scheme, None)
    vmin, vmax = np.nanmin(wide.to_numpy(float)), np.nanmax(wide.to_numpy(float))
    cmap = "OrRd" if value == "dissatisfied_rate" else "YlGnBu"
    n_rows = len(units)
    wide_labels = lang == "en"
    with _themed():
        fig = _figure(10, 1.6 + 0.3 * n_rows + 0.4 * len(blocks) + (0.3 if wide_labels else 0))
        axes = fig.subplots(
            len(blocks), 1, sharex=True, squeeze=False, height_ratios=[len(b) for _, b in blocks]
        )[:, 0]
        annotate = []
        for ax, (code, block) in zip(axes, blocks, strict=True):
            data = wide.loc[block["unit"].astype(str)]
            data.index = _unit_labels(block["unit"], block["unit_name"], lang)
            data.columns = col_labels
            sns.heatmap(
                data,
                ax=ax,
                annot=False,  # annotated below, once every block is drawn
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
                cbar=False,
                linewidths=0.5,
                linecolor="white",
            )
            annotate.append((ax, data.to_numpy(float)))
            ax.axvline(len(scheme.dimension_codes), color="white", lw=4)
            ax.set_ylabel("")
            ax.set_xlabel("")
            ax.tick_params(axis="y", rotation=0)
            ax.set_title(_label(scheme, "series", code, lang), loc="left", fontsize=10)
        # seaborn's own annotation, added after all blocks: sns.heatmap draws the whole figure
        # once per call, and 1,000 cell texts drawn three times took 1.5 s at 200 units
        for ax, values in annotate:
            _annotate_cells(ax, values)
        cbar = fig.colorbar(axes[0].collections[0], ax=list(axes), shrink=0.6, pad=0.02)
        cbar.set_label(text[value])
        fig.suptitle(text["heatmap_title"].format(cycle=cycle, what=text[value]), fontsize=12)
    return _keep_data(fig, rows)


def _annotate_cells(ax, values: np.ndarray, fmt: str = ".1f", fontsize: float = 8) -> None:
    """Write each finite cell's value on a heatmap as seaborn's ``annot=True`` does: centred,
    dark text on light cells and white on dark (relative luminance above 0.408)."""
    from seaborn.utils import relative_luminance

    mesh = ax.collections[0]
    colours = mesh.cmap(mesh.norm(values))
    for i, j in zip(*np.nonzero(np.isfinite(values)), strict=True):
        dark = relative_luminance(colours[i, j]) > 0.408
        ax.text(
            j + 0.5,
            i + 0.5,
            format(values[i, j], fmt),
            ha="center",
            va="center",
            fontsize=fontsize,
            color=".15" if dark else "w",
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
    lang, scheme, text = _setup(lang, scheme)
    series = _check_series(series, scheme)
    required = ("cycle", "unit", "unit_name", "series", "composite_h1", "composite_annual")
    _check_frame("ranking_year", ranking_year, (*required, "standing", "veto"))
    cycle = _one_cycle("ranking_year", ranking_year)
    blocks = _series_blocks(ranking_year, scheme, series)
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
    height = max(6.5, 1.0 + 0.2 * max(len(rows) for _, rows in blocks))
    reach = 0.8 if lang == "zh" else 1.15  # room for the labels beside the lines (data units)
    with _themed():
        fig = _figure((2.2 + 2 * reach * 1.5) * len(blocks), height)
        axes = fig.subplots(1, len(blocks), sharey=True, squeeze=False)[0]
        # minimum label gap in data units: ~1.25 lines of 8 pt text on an axes ~70 % of the height
        gap = 1.25 * 8 / (height * 0.7 * 72) * (y_hi - y_lo + 2 * pad)
        for ax, (code, rows) in zip(axes, blocks, strict=True):
            h1 = rows["composite_h1"].to_numpy(float)
            an = rows["composite_annual"].to_numpy(float)
            status = _status(rows)
            labels = np.asarray(_unit_labels(rows["unit"], rows["unit_name"], lang), dtype=object)
            for i in range(len(rows)):
                colour, marker = _STATUS_STYLE.get(status[i], _STATUS_STYLE[""])
                ax.plot([0, 1], [h1[i], an[i]], color=colour, lw=1.5, alpha=0.85)
                ax.plot([0, 1], [h1[i], an[i]], ls="", marker=marker, color=colour, ms=5)
            leaders = []  # point → label lines, one collection (an annotate arrow per label
            # cost 2.5 s per drawing at 200 units)
            for x, vals, side in ((0, h1, "right"), (1, an, "left")):
                has = ~np.isnan(vals)
                ys = _spread(vals[has], gap, y_lo - pad, y_hi + pad)
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
            ax.yaxis.set_major_locator(_locator())
            ax.grid(axis="x", visible=False)
            ax.set_title(_label(scheme, "series", code, lang), fontsize=10)
        axes[0].set_ylabel(text["slope_axis"])
        drawn = pd.concat([b for _, b in blocks])
        handles, names = _legend_handles(set(_status(drawn)), text)
        if drawn[["composite_h1", "composite_annual"]].isna().any(axis=None):
            handles.append(Line2D([], [], color=".4", marker="o", ls="", ms=5))
            names.append(text["slope_note"])
        fig.legend(handles, names, loc="outside lower center", ncol=len(names), frameon=False)
        fig.suptitle(text["slope_title"].format(cycle=cycle), fontsize=12)
    return _keep_data(fig, drawn)


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
    lang, scheme, text = _setup(lang, scheme)
    dimension = check_option("dimension", dimension, (*scheme.dimension_codes, ALL))
    value = check_option("value", value, GROUP_VALUES)
    prefix = "satisfied" if value == "satisfied_rate" else "score"
    lo_col, hi_col = f"{prefix}_ci_low", f"{prefix}_ci_high"
    required = ("cycle", "unit", "unit_name", "series", "group", "dimension", "n_forms")
    _check_frame("scores", scores, (*required, "n_valid", value, lo_col, hi_col))
    cycle = _one_cycle("scores", scores)
    if unit is None:
        rows = scores[(scores["unit"].astype(str) == ALL) & (scores["series"].astype(str) == ALL)]
        where = text["town"]
    else:
        if not isinstance(unit, str):
            raise TypeError(f"unit must be a unit code (str); got {type(unit).__name__}")
        rows = scores[scores["unit"].astype(str) == unit]
        if not len(rows):
            raise ValueError(f"unit {unit!r} is not in scores")
        where = _unit_labels(rows["unit"].iloc[:1], rows["unit_name"].iloc[:1], lang)[0]
    rows = rows[rows["group"].astype(str) != ALL]
    present = set(rows["dimension"].astype(str))
    dims = [d for d in (*scheme.dimension_codes, ALL) if d in present]
    if dimension != ALL:
        dims = [d for d in dims if d == dimension]
    groups = [g for g in scheme.group_codes if g in set(rows["group"].astype(str))]
    if not groups or not dims:
        raise ValueError("scores has no rows per respondent group for this selection")
    scale = 100 if value == "satisfied_rate" else 1  # percentages for display
    palette = sns.color_palette("deep", len(groups))
    offsets = np.linspace(-0.3, 0.3, len(groups)) if len(groups) > 1 else np.zeros(1)
    key = rows.assign(_d=rows["dimension"].astype(str), _g=rows["group"].astype(str))
    key = key.set_index(["_d", "_g"])
    low_n = scheme.rules.low_confidence_n
    any_low = False
    with _themed():
        fig = _figure(9, 1.8 + 0.55 * len(dims) * max(1, len(groups) / 3))
        ax = fig.subplots()
        handles, names = [], []
        for j, (g, colour) in enumerate(zip(groups, palette, strict=True)):
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
        dim_labels = [
            text["all_dimensions"] if d == ALL else scheme.label("dimensions", d, lang)
            for d in dims
        ]
        ax.set_yticks(np.arange(len(dims)), dim_labels)
        ax.set_ylim(len(dims) - 0.5, -0.5)
        ax.xaxis.set_major_locator(_locator())
        ax.grid(axis="y", visible=False)
        for k in range(1, len(dims)):
            last = k == len(dims) - 1 and dims[-1] == ALL
            ax.axhline(k - 0.5, color=".5" if last else ".85", lw=0.8, ls="--" if last else "-")
        ax.set_xlabel(text["ci_axis"].format(what=text[value], cl=_cl_text(rows)))
        fig.legend(handles, names, loc="outside lower center", ncol=2, frameon=False, fontsize=9)
        fig.suptitle(text["group_title"].format(cycle=cycle, where=where, what=text[value]))
    drawn = rows[rows["dimension"].astype(str).isin(dims) & rows["group"].astype(str).isin(groups)]
    return _keep_data(fig, drawn)


# ====================================================================== saving
INLINE_DPI = 100
"""Resolution at which a saved figure is shown in a notebook (the inline backend's)."""


class SavedFigure(list):
    """The files :func:`save_figure` wrote (a list of Path) that a notebook displays as the PNG.

    ``display(save_figure(fig, out, name))`` shows the PNG just written, at the size the
    inline backend would give (:data:`INLINE_DPI`), instead of drawing the figure a second
    time: a 200-unit figure takes as long to draw as to save.
    """

    def _repr_pretty_(self, printer, cycle):  # text/plain beside the PNG: names, no folders
        printer.text("saved: " + ", ".join(p.name for p in self))

    def _repr_png_(self):
        png = next((p for p in self if p.suffix == ".png"), None)
        if png is None:
            return None
        data = png.read_bytes()
        width = int.from_bytes(data[16:20], "big")  # PNG IHDR: width, big-endian
        return data, {"width": round(width * INLINE_DPI / PNG_DPI)}


def save_figure(
    fig: Figure, out_dir: str | Path, name: str, *, data: pd.DataFrame | None = None
) -> SavedFigure:
    """Write ``<name>.png`` (150 dpi), ``<name>.svg`` and the figure's data; close ``fig``.

    The PNG carries no ``Software`` entry; the SVG no date, fixed element ids
    (``svg.hashsalt``) and text as paths, so it shows the same without the font installed.
    The rows the figure was drawn from (``data``, else :func:`figure_data`) go to
    ``<name>.csv`` (:func:`evalstats.present.report.write_csv`: UTF-8 with BOM, full precision).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    out_dir : str or Path
        Created if missing.
    name : str
        File name without folder or suffix.
    data : DataFrame, optional
        The data drawn, for a figure not made by this module (default: the rows a figure
        function of this module kept; none for another figure).

    Returns
    -------
    SavedFigure
        A list of Path: the PNG and the SVG, then the CSV when there is data.  A notebook
        shows it as the PNG (``display(save_figure(...))``).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import tempfile
    >>> fig = Figure(); _ = fig.subplots().plot([1, 2])
    >>> [p.name for p in save_figure(fig, tempfile.mkdtemp(), "line")]
    ['line.png', 'line.svg']
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure; got {type(fig).__name__}")
    if data is not None and not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame or None; got {type(data).__name__}")
    if (
        not isinstance(name, str)
        or not name.strip()
        or name != name.strip()
        or any(sep in name for sep in ("/", "\\"))
        or name in (".", "..")
    ):
        raise ValueError(f"name must be a file name without folder or suffix; got {name!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    png, svg = out / f"{name}.png", out / f"{name}.svg"
    try:
        with mpl.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path"}):
            fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
            # the layout does not depend on the resolution: keep the PNG's instead of solving
            # it again (0.5 s for a 200-unit figure)
            fig.set_layout_engine("none")
            fig.savefig(svg, format="svg", metadata={"Date": None})
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    data = figure_data(fig) if data is None else data
    if data is None:
        return SavedFigure([png, svg])
    from evalstats.present.report import write_csv

    return SavedFigure([png, svg, write_csv(data, (out / f"{name}.csv").resolve())])


__all__ = [
    "DATA_ATTRIBUTE",
    "FONT_FAMILY",
    "FONT_FILE",
    "INLINE_DPI",
    "SavedFigure",
    "figure_data",
    "group_comparison",
    "heatmap",
    "levels_diverging",
    "ranking_intervals",
    "save_figure",
    "slope",
    "theme",
    "use_cjk_font",
]
