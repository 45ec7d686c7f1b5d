"""The figures' common ground: the shipped CJK font, the theme, figure words, argument checks,
labels and the rows a figure keeps.

Used by every figure module of :mod:`evalstats.present.plot`; see that package's docstring for
how Chinese text is drawn and where each figure's data goes.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import matplotlib.font_manager as font_manager
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib import style as mstyle
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from evalstats.core.options import check_option
from evalstats.core.resources import package_dir
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.core.vocab import LANGS
from evalstats.present.format import cycle_title
from evalstats.present.glossary import TERMS

FONT_FILE = package_dir("fonts") / "NotoSansSC-evalstats.otf"
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
STATUS_STYLE = {
    "top3": ("#2a9d3f", "o"),
    "": ("#4c72b0", "o"),
    "last_not_distinguishable": ("#e08a1e", "D"),
    "last": ("#c0392b", "s"),
    "veto": ("#222222", "X"),
}

TEXT = {
    "zh": {
        BLANK: TERMS["blank"][0],
        "status_top3": "前三",
        "status_": "其他",
        "status_last_not_distinguishable": TERMS["last_nd"][0],
        "status_last": "末位",
        "status_veto": "一票否决",
        "tied": "（并列）",
        "share_axis": "占有效回答的比例（%）　左：{dissatisfied}　右：{satisfied}",
        "satisfied_levels": "满意各级",
        "right_note": "右侧：n 为有效回答数；{unknown}与{blank}不计入比例，列出份数",
        "no_valid": "无有效回答",
        "levels_title_dimension": "{cycle}各评议内容的评价等级分布",
        "levels_title_unit": "{cycle}各单位的评价等级分布",
        "ranking_title": "{cycle}各序列排名及不确定性",
        "p_last": "P(末位)={p:.2f}",
        "rank_range": "名次区间 {ranks}",
        "ci_axis": "{what}（点：估计值；横线：{cl}置信区间）",
        "composite": "综合得分",
        "composite_year": "年度综合得分",
        "weighted_score": "加权得分",
        "score": "测评得分",
        "satisfied_rate": "满意率（%）",
        "top_box_rate": "“满意”占比（%）",
        "dissatisfied_rate": "不满意率（%）",
        "all_dimensions": "全部评议内容",
        "heatmap_title": "{cycle}各单位分项{what}",
        "slope_h1": "上半年测评",
        "slope_annual": "年度测评",
        "weight": "（权重 {w:g}）",
        "slope_axis": "综合得分",
        "slope_title": "{cycle}综合得分：上半年→年度",
        "slope_note": "单点：仅参加一次测评的单位",
        "group_title": "{cycle}{where}各类评议人{what}",
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
        "rank_range": "rank {ranks}",
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


def font_rc() -> dict:
    """The rc that draws text in the shipped CJK font (DejaVu Sans for what it lacks) and
    writes SVG text as paths with fixed element ids.

    Examples
    --------
    >>> font_rc()["font.family"]
    ['Noto Sans CJK SC', 'DejaVu Sans']
    """
    return {
        "font.family": [FONT_FAMILY, FALLBACK_FAMILY],
        "font.sans-serif": [FONT_FAMILY, FALLBACK_FAMILY],
        "axes.unicode_minus": False,
        "svg.hashsalt": SVG_HASHSALT,
        "svg.fonttype": "path",
    }


WHITEGRID_RC = {
    "figure.facecolor": "white",
    "axes.labelcolor": ".15",
    "xtick.direction": "out",
    "ytick.direction": "out",
    "xtick.color": ".15",
    "ytick.color": ".15",
    "axes.axisbelow": True,
    "grid.linestyle": "-",
    "text.color": ".15",
    "font.family": ["sans-serif"],
    "font.sans-serif": [
        "Arial",
        "DejaVu Sans",
        "Liberation Sans",
        "Bitstream Vera Sans",
        "sans-serif",
    ],
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "xtick.top": False,
    "ytick.right": False,
    "axes.grid": True,
    "axes.facecolor": "white",
    "axes.edgecolor": ".8",
    "grid.color": ".8",
    "axes.spines.left": True,
    "axes.spines.bottom": True,
    "axes.spines.right": True,
    "axes.spines.top": True,
    "xtick.bottom": False,
    "ytick.left": False,
}
"""seaborn's ``axes_style("whitegrid")`` (seaborn 0.13 [1]_) but for ``image.cmap``, which names
seaborn's own colour map "rocket" (no figure here draws with the default colour map)."""

NOTEBOOK_RC = {
    "axes.linewidth": 1.25,
    "grid.linewidth": 1,
    "lines.linewidth": 1.5,
    "lines.markersize": 6,
    "patch.linewidth": 1,
    "xtick.major.width": 1.25,
    "ytick.major.width": 1.25,
    "xtick.minor.width": 1,
    "ytick.minor.width": 1,
    "xtick.major.size": 6,
    "ytick.major.size": 6,
    "xtick.minor.size": 4,
    "ytick.minor.size": 4,
    "font.size": 10.2,
    "axes.labelsize": 10.2,
    "axes.titlesize": 10.2,
    "xtick.labelsize": 9.35,
    "ytick.labelsize": 9.35,
    "legend.fontsize": 9.35,
    "legend.title_fontsize": 10.2,
}
"""seaborn's ``plotting_context("notebook", font_scale=0.85)`` [1]_: sizes 0.85 times the
"notebook" context's (fonts) or equal to them (lines, ticks)."""

DEEP = (
    "#4C72B0",
    "#DD8452",
    "#55A868",
    "#C44E52",
    "#8172B3",
    "#937860",
    "#DA8BC3",
    "#8C8C8C",
    "#CCB974",
    "#64B5CD",
)
"""seaborn's "deep" colour palette [1]_, the figures' colour cycle."""

DARK_GREY = (0.1, 0.1, 0.1)
"""The colour code ``"k"`` after :func:`theme` (as seaborn's ``set_color_codes``)."""


def palette(name: str, n: int) -> list[tuple[float, float, float]]:
    """``n`` RGB colours: :data:`DEEP` cycled (``"deep"``) or a matplotlib colour map sampled
    at ``n`` evenly spaced inner points (``"Blues"``, ``"Reds"``, ...), as seaborn's
    ``color_palette`` [1]_ gives them.

    The figures drew with seaborn's palettes and theme; they are kept here so a report's kernel
    need not import seaborn, which imports scipy.stats (half a second before its first cell).

    References
    ----------
    .. [1] Waskom ML (2021). seaborn: statistical data visualization. Journal of Open Source
           Software 6(60):3021. https://doi.org/10.21105/joss.03021

    Examples
    --------
    >>> [tuple(round(c, 3) for c in rgb) for rgb in palette("deep", 1)]
    [(0.298, 0.447, 0.69)]
    >>> len(palette("Blues", 4))
    4
    """
    if name == "deep":
        return [mcolors.to_rgb(DEEP[i % len(DEEP)]) for i in range(n)]
    cmap = mpl.colormaps[name]
    return [tuple(rgb) for rgb in cmap(np.linspace(0, 1, int(n) + 2)[1:-1])[:, :3]]


def _theme_rc() -> dict:
    """The rc of the figures on top of matplotlib's defaults: seaborn whitegrid, the font."""
    rc = {**WHITEGRID_RC, **NOTEBOOK_RC}
    rc["axes.prop_cycle"] = mpl.cycler(color=palette("deep", len(DEEP)))
    rc.update(font_rc())
    return rc


@contextmanager
def themed():
    """Draw in the figures' theme whatever the global settings (same tables, same figure)."""
    with mstyle.context("default"), mpl.rc_context(_theme_rc()):
        yield


def theme() -> None:
    """Apply the figures' theme globally: seaborn's ``whitegrid`` with the shipped CJK font.

    For notebooks that draw their own figures next to this module's.  The figure functions
    do not need it: they draw inside the same theme (as an rc context) whatever the global
    settings are, so the same tables always give the same figure.  The settings are those
    seaborn's ``set_theme`` made (:data:`WHITEGRID_RC`, :data:`NOTEBOOK_RC`, :data:`DEEP`,
    the one-letter colour codes), but for seaborn's default colour map.

    Examples
    --------
    >>> theme()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["font.family"]
    ['Noto Sans CJK SC', 'DejaVu Sans']
    """
    use_cjk_font()
    mpl.rcParams.update(_theme_rc())
    # the one-letter colour codes as seaborn's set_color_codes("deep") leaves them
    codes = [*(DEEP[i] for i in (0, 2, 3, 4, 8, 9)), DARK_GREY]
    for code, colour in zip("bgrmyck", codes, strict=True):
        mcolors.colorConverter.colors[code] = mcolors.to_rgb(colour)


PRINT_WIDTH = 7.2
"""Inches a figure may be wide: the text width of an A4 page in portrait with the report's
margins (186 mm), so a figure prints at its own size and its 8 pt labels print at 8 pt."""


ROW_HEIGHT = 0.22
"""Inches per labelled row of a figure with one row per unit (ranking, heatmap, levels): one
8 pt label line (about 0.14 in) with air between lines.  At 0.3 in the demo's 25 units took a
printed page per figure; at 0.22 in a figure takes about three quarters of one."""


def new_figure(width: float, height: float) -> Figure:
    """A constrained-layout figure of at most :data:`PRINT_WIDTH` × ``height`` inches on its own
    Agg canvas (a wider request is narrowed: printed, it would be shrunk, and its text with it).
    """
    width = min(float(width), PRINT_WIDTH)
    fig = Figure(figsize=(width, height), layout="constrained")
    # An Agg canvas caches its renderer.  Without one, every text-extent query (seaborn's
    # tick-label overlap check asks once per label) renders the whole figure afresh: the
    # 200-unit heatmap took 10.6 s and 5 GB instead of 2.5 s and 0.25 GB.
    FigureCanvasAgg(fig)
    return fig


def label_panel(ax, title: str, *, ylabel: str = "") -> None:
    """Title one panel of a figure (its series, at the left, 10 pt) and label its y axis, each
    placed once.

    Left to itself, matplotlib places a title and a y-axis label afresh at every drawing by
    measuring every tick label of the axes (the title only moves for ticks on top, which no
    figure has; an empty label has nothing to place): at 200 units that measuring was a sixth
    of the time of saving a figure.  The drawing is the same, pixel for pixel.

    Examples
    --------
    >>> ax = Figure().subplots()
    >>> label_panel(ax, "行政执法")
    >>> ax.get_title(loc="left")
    '行政执法'
    """
    ax.set_title(title, loc="left", fontsize=10, y=1.0)  # y given: placed once
    if ylabel:
        ax.set_ylabel(ylabel)  # placed beside the tick labels at each drawing, as it must
    else:
        ax.yaxis.set_label_coords(0, 0.5)  # nothing to place: stop the measuring


def value_locator() -> MaxNLocator:
    """Ticks for a value axis; a fixed count, as 'auto' depends on rcParams at draw time."""
    return MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10])


# ====================================================================== figure data
def keep_data(fig: Figure, rows: pd.DataFrame) -> Figure:
    """Keep ``rows`` on ``fig`` as the data it was drawn from (:func:`figure_data`); return
    ``fig``."""
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
def check_frame(name: str, frame, required: Iterable[str]) -> pd.DataFrame:
    """``frame`` as a DataFrame holding the ``required`` columns, else TypeError/ValueError naming
    ``name``."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}")
    required = list(required)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; required: {required}")
    return frame


def one_cycle(name: str, frame: pd.DataFrame) -> str:
    """The one cycle the rows of ``frame`` belong to; ValueError for several or none."""
    cycles = sorted({str(c) for c in frame["cycle"].dropna().unique()})
    if len(cycles) > 1:
        raise ValueError(f"{name} holds several cycles {cycles}; pass the rows of one cycle")
    if not cycles:
        raise ValueError(f"{name} has no rows")
    return cycles[0]


def cycle_heading(cycle: str, lang: str = "zh") -> str:
    """A cycle as a figure title names it (:func:`evalstats.present.format.cycle_title`):
    ``2026年上半年`` / ``The 2026 half-year evaluation`` — never the code.

    Examples
    --------
    >>> cycle_heading("2026A"), cycle_heading("2026H1", "en")
    ('2026年度', 'The 2026 half-year evaluation')
    """
    text = cycle_title(cycle, lang)
    return text[:1].upper() + text[1:] if lang == "en" else text


def check_series(series, scheme: Scheme):
    """``series`` checked against the scheme's series codes (None passes)."""
    if series is None:
        return None
    return check_option("series", series, scheme.series_codes)


def setup(lang, scheme):
    """The checked ``lang``, the resolved scheme and the figure words of ``lang``; registers the
    CJK font."""
    lang = check_option("lang", lang, LANGS)
    scheme = resolve_scheme(scheme)
    use_cjk_font()
    return lang, scheme, TEXT[lang]


# ====================================================================== labels
def unit_labels(units: pd.Series, names: pd.Series | None, lang: str) -> list[str]:
    """The units' names as given (the code only where a name is missing): an English figure
    gets English names from :func:`evalstats.present.names.in_language`, never a code."""
    codes = units.astype(str).tolist()
    if names is None:
        return codes
    out = []
    for code, name in zip(codes, names.tolist(), strict=True):
        text = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
        out.append(text.strip() or code)
    return out


def scheme_label(scheme: Scheme, kind: str, code: str, lang: str) -> str:
    """The scheme's label of a code in ``lang``; the code itself when the scheme has none."""
    try:
        return scheme.label(kind, code, lang)
    except KeyError:
        return str(code)


def cl_text(frame: pd.DataFrame) -> str:
    """'95% ' from a ``confidence_level`` column holding one value; '' otherwise."""
    if "confidence_level" not in frame.columns:
        return ""
    levels = pd.unique(frame["confidence_level"].dropna())
    return f"{levels[0] * 100:g}% " if len(levels) == 1 else ""


def series_blocks(frame: pd.DataFrame, scheme: Scheme, series) -> list[tuple[str, pd.DataFrame]]:
    """Rows of each series present, in scheme order (unknown series codes last)."""
    present = list(dict.fromkeys(frame["series"].astype(str)))
    order = [s for s in scheme.series_codes if s in present]
    order += [s for s in present if s not in order]
    if series is not None:
        order = [s for s in order if s == series]
    return [(s, frame[frame["series"].astype(str) == s]) for s in order]


def spread(values, gap: float, lo: float = -np.inf, hi: float = np.inf) -> np.ndarray:
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


__all__ = [
    "ALL",
    "BLANK",
    "DARK_GREY",
    "DATA_ATTRIBUTE",
    "DEEP",
    "FALLBACK_FAMILY",
    "FONT_FAMILY",
    "FONT_FILE",
    "GROUP_VALUES",
    "HEATMAP_VALUES",
    "LEVELS_BY",
    "NOTEBOOK_RC",
    "PNG_DPI",
    "PRINT_WIDTH",
    "RANK_SCORES",
    "RATE_VALUES",
    "ROW_HEIGHT",
    "STATUS_STYLE",
    "SVG_HASHSALT",
    "TALLY_COLUMNS",
    "TEXT",
    "UNITS_COLUMNS",
    "WHITEGRID_RC",
    "check_frame",
    "check_series",
    "cl_text",
    "cycle_heading",
    "figure_data",
    "font_rc",
    "keep_data",
    "label_panel",
    "new_figure",
    "one_cycle",
    "palette",
    "scheme_label",
    "series_blocks",
    "setup",
    "spread",
    "theme",
    "themed",
    "unit_labels",
    "use_cjk_font",
    "value_locator",
]
