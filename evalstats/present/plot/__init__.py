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
are labelled by the ``unit_name`` of the table drawn: the office's (Chinese) name in the
tables as computed; the English edition draws from :func:`evalstats.present.names.in_language`,
whose ``unit_name`` is the units file's English name (``name_en``), else the Chinese name.  A
unit without a name is shown by its code in both languages.

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

from evalstats.present.plot.groups import group_comparison
from evalstats.present.plot.heatmap import heatmap
from evalstats.present.plot.levels import level_shares, levels_diverging
from evalstats.present.plot.ranking import ranking_intervals
from evalstats.present.plot.save import INLINE_DPI, SavedFigure, save_figure
from evalstats.present.plot.slope import slope
from evalstats.present.plot.style import (
    DATA_ATTRIBUTE,
    FONT_FAMILY,
    FONT_FILE,
    figure_data,
    theme,
    use_cjk_font,
)

__all__ = [
    "DATA_ATTRIBUTE",
    "FONT_FAMILY",
    "FONT_FILE",
    "INLINE_DPI",
    "SavedFigure",
    "figure_data",
    "group_comparison",
    "heatmap",
    "level_shares",
    "levels_diverging",
    "ranking_intervals",
    "save_figure",
    "slope",
    "theme",
    "use_cjk_font",
]
