"""Figures: shipped CJK font, every figure in zh and en on hand-built and demo tables, bytes."""

from __future__ import annotations

import dataclasses
import io
import itertools
import logging
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import matplotlib as mpl
import matplotlib.font_manager as fm
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from evalstats.core.scheme import load_scheme
from evalstats.present import plot
from evalstats.present.plot.celltext import CellLabels

ROOT = Path(__file__).resolve().parents[1]
SCHEME = load_scheme()
CYCLE = "2026H1"
UNITS = pd.DataFrame(
    {
        "unit": ["u_a", "u_b", "u_c", "u_d", "u_e"],
        "name": ["甲科", "乙站", "丙所", "丁中心", ""],  # u_e has no name: shown by its code
        "series": ["administration", "administration", "enforcement", "enforcement", "enforcement"],
    }
)


# ---------------------------------------------------------------------- hand-built tables
def hand_counts() -> pd.DataFrame:
    """A tally of one cycle: 5 units × 4 groups × 5 dimensions × 6 levels, fixed counts."""
    levels = [*SCHEME.level_codes, "blank"]
    keys = list(
        itertools.product(UNITS["unit"], SCHEME.group_codes, SCHEME.dimension_codes, levels)
    )
    frame = pd.DataFrame(keys, columns=["unit", "group", "dimension", "level"])
    frame.insert(0, "cycle", CYCLE)
    frame["count"] = np.random.default_rng(0).integers(0, 6, len(frame))
    frame.loc[frame["unit"] == "u_d", "count"] = 0  # a unit without any answer
    return frame


def hand_scores() -> pd.DataFrame:
    """Unit × dimension rows pooled over groups and town rows per group × dimension."""
    rows = []
    for k, (unit, name, series) in enumerate(UNITS.itertuples(index=False)):
        for j, dim in enumerate([*SCHEME.dimension_codes, "all"]):
            value = 70 + 5 * k + j
            rows.append(
                {"unit": unit, "unit_name": name, "series": series, "group": "all"}
                | {"dimension": dim, "weighted_score": value, "score": value + 0.5}
            )
    for i, group in enumerate(SCHEME.group_codes):
        for j, dim in enumerate(SCHEME.dimension_codes):
            rate = 0.80 + 0.03 * i + 0.01 * j
            rows.append(
                {"unit": "all", "unit_name": "", "series": "all", "group": group}
                | {"dimension": dim, "score": 80.0 + i + j, "n_valid": 10 + 20 * i}
            )
            rows[-1] |= {"satisfied_rate": rate, "n_forms": 12 + 20 * i}
    frame = pd.DataFrame(rows)
    frame.insert(0, "cycle", CYCLE)
    frame["satisfied_ci_low"] = frame["satisfied_rate"] - 0.05
    frame["satisfied_ci_high"] = (frame["satisfied_rate"] + 0.05).clip(upper=1)
    frame["score_ci_low"] = frame["score"] - 4
    frame["score_ci_high"] = frame["score"] + 4
    frame["confidence_level"] = 0.95
    return frame


def hand_ranking() -> pd.DataFrame:
    """Two series; every standing, a veto, a tie and a unit without an interval."""
    frame = UNITS.rename(columns={"name": "unit_name"})
    frame.insert(0, "cycle", CYCLE)
    frame["composite"] = [91.0, 84.0, 88.0, np.nan, 88.0]
    frame["composite_ci_low"] = [88.0, 80.0, 85.0, np.nan, np.nan]
    frame["composite_ci_high"] = [94.0, 88.0, 91.0, np.nan, np.nan]
    frame["rank"] = [1, 2, 1, 3, 1]
    frame["rank_low"] = [1, 1, 1, 3, 1]
    frame["rank_high"] = [2, 2, 3, 3, 3]
    frame["p_last"] = [0.1, 0.9, 0.2, np.nan, 0.32]
    frame["tied"] = [False, False, True, False, True]
    frame["standing"] = ["top3", "last", "top3", "", "last_not_distinguishable"]
    frame["veto"] = [False, False, True, False, False]
    frame["confidence_level"] = 0.95
    return frame


def hand_ranking_year() -> pd.DataFrame:
    frame = hand_ranking()
    frame["cycle"] = "2026A"
    frame["composite_h1"] = [90.0, 86.0, np.nan, 70.0, 88.5]  # u_c: annual cycle only
    frame["composite_annual"] = [91.0, 84.0, 88.0, np.nan, 88.0]  # u_d: half-year only
    frame["composite_year"] = [90.6, 84.8, 88.0, 70.0, 88.2]
    frame["composite_year_ci_low"] = frame["composite_year"] - 3
    frame["composite_year_ci_high"] = frame["composite_year"] + 3
    frame["weight_half_year"] = [0.4, 0.4, 0.0, 1.0, 0.4]
    frame["weight_annual"] = [0.6, 0.6, 1.0, 0.0, 0.6]
    return frame


def hand_figures(lang: str) -> dict[str, Figure]:
    counts, scores = hand_counts(), hand_scores()
    return {
        "levels_dimension": plot.levels_diverging(counts, lang=lang),
        "levels_unit": plot.levels_diverging(counts, by="unit", units=UNITS, lang=lang),
        "levels_series": plot.levels_diverging(
            counts, by="unit", units=UNITS, series="enforcement", lang=lang
        ),
        "levels_codes": plot.levels_diverging(counts, by="unit", lang=lang),
        "ranking": plot.ranking_intervals(hand_ranking(), lang=lang),
        "ranking_year": plot.ranking_intervals(
            hand_ranking_year(), score_column="composite_year", series="enforcement", lang=lang
        ),
        "heatmap": plot.heatmap(scores, lang=lang),
        "heatmap_score": plot.heatmap(scores, value="score", lang=lang),
        "slope": plot.slope(hand_ranking_year(), lang=lang),
        "groups": plot.group_comparison(scores, lang=lang),
        "groups_score": plot.group_comparison(
            scores, dimension="service", value="score", lang=lang
        ),
    }


def demo_figures(h1, year, lang: str) -> dict[str, Figure]:
    return {
        "levels_dimension": plot.levels_diverging(h1.counts, lang=lang),
        "levels_unit": plot.levels_diverging(h1.counts, by="unit", units=h1.units, lang=lang),
        "ranking": plot.ranking_intervals(h1.ranking, lang=lang),
        "ranking_year": plot.ranking_intervals(year, score_column="composite_year", lang=lang),
        "heatmap": plot.heatmap(h1.scores, lang=lang),
        "slope": plot.slope(year, lang=lang),
        "groups": plot.group_comparison(h1.scores, lang=lang),
        "groups_unit": plot.group_comparison(h1.scores, unit="party_office", lang=lang),
    }


def demo_tables():
    from evalstats.inputs.validate import validate_cycle
    from evalstats.stats.pipeline import score_cycle, score_year

    h1 = score_cycle(validate_cycle(ROOT / "data/raw/2026H1"), n_resamples=500, rng=1)
    a = score_cycle(validate_cycle(ROOT / "data/raw/2026A"), n_resamples=500, rng=1)
    return h1, a, score_year(h1, a, n_resamples=500, rng=1)


@pytest.fixture(scope="module")
def demo():
    return demo_tables()


# ---------------------------------------------------------------------- helpers
class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def draw_strict(make):
    """Build and render figures with every warning an error and matplotlib's log captured."""
    handler = _Records()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            figs = make()
            for fig in figs.values():
                fig.savefig(io.BytesIO(), format="png", dpi=30)
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in handler.records] == []
    return figs


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def cell_labels(ax) -> CellLabels:
    """The one CellLabels artist of an Axes (the heatmap's values, the level shares)."""
    (found,) = [a for a in ax.artists if isinstance(a, CellLabels)]
    return found


def has_cjk(s: str) -> bool:
    return any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in s)


def yticks(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


# ---------------------------------------------------------------------- the shipped font
def test_font_file_is_inside_the_package_with_its_licence():
    assert plot.FONT_FILE.parent == ROOT / "evalstats" / "fonts"
    assert plot.FONT_FILE.is_file() and (plot.FONT_FILE.parent / "OFL.txt").is_file()
    assert fm.ttfFontProperty(fm.get_font(plot.FONT_FILE)).name == plot.FONT_FAMILY


def test_use_cjk_font_resolves_the_family_to_the_shipped_file(caplog):
    # this machine may have Debian's fonts-noto-cjk, whose "Noto Sans CJK SC" would win
    assert plot.use_cjk_font() == "Noto Sans CJK SC"
    assert mpl.rcParams["font.family"] == ["Noto Sans CJK SC", "DejaVu Sans"]
    assert mpl.rcParams["font.sans-serif"] == ["Noto Sans CJK SC", "DejaVu Sans"]
    assert mpl.rcParams["axes.unicode_minus"] is False
    family = mpl.rcParams["font.family"][0]
    assert fm.findfont(fm.FontProperties(family=family)) == str(plot.FONT_FILE)
    assert fm.findfont(fm.FontProperties(family=mpl.rcParams["font.family"])) == str(plot.FONT_FILE)
    # the subset has one weight: bold also resolves to it (never to a system file)
    with caplog.at_level(logging.WARNING, logger="matplotlib.font_manager"):
        assert fm.findfont(fm.FontProperties(family=family, weight="bold")) == str(plot.FONT_FILE)


def test_use_cjk_font_is_idempotent_and_drops_other_faces_of_the_family():
    plot.use_cjk_font()
    n = len(fm.fontManager.ttflist)
    plot.use_cjk_font()
    assert len(fm.fontManager.ttflist) == n
    # another font of the same family name registered later (first in the list) is dropped
    ours = [f for f in fm.fontManager.ttflist if Path(f.fname) == plot.FONT_FILE]
    dejavu = fm.findfont("DejaVu Sans")
    impostor = dataclasses.replace(ours[0], fname=str(dejavu))
    fm.fontManager.ttflist.insert(0, impostor)
    fm.fontManager._findfont_cached.cache_clear()
    assert fm.findfont(plot.FONT_FAMILY) == dejavu
    plot.use_cjk_font()
    assert impostor not in fm.fontManager.ttflist
    assert fm.findfont(plot.FONT_FAMILY) == str(plot.FONT_FILE)


def test_theme_sets_whitegrid_with_the_shipped_font():
    with mpl.rc_context():
        plot.theme()
        assert mpl.rcParams["font.family"] == ["Noto Sans CJK SC", "DejaVu Sans"]
        assert mpl.rcParams["axes.grid"] is True
        assert mpl.rcParams["axes.facecolor"] == "white"


_NO_SYSTEM_FONTS = textwrap.dedent(
    """
    import logging, sys, warnings
    from pathlib import Path
    import matplotlib as mpl
    import matplotlib.font_manager as fm

    # A font manager that knows only matplotlib's own fonts (DejaVu …): no system CJK font.
    mpl_data = Path(mpl.get_data_path()).resolve()
    fm.fontManager.ttflist[:] = [
        f for f in fm.fontManager.ttflist if mpl_data in Path(f.fname).resolve().parents
    ]
    fm.fontManager._findfont_cached.cache_clear()
    assert not [f.name for f in fm.fontManager.ttflist if "CJK" in f.name]

    import io
    from matplotlib.figure import Figure

    # control: without the shipped font, Chinese is missing from the fonts matplotlib knows
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = Figure()
        fig.suptitle("政务公开")
        fig.savefig(io.BytesIO(), format="png")
    assert any("missing from font" in str(w.message) for w in caught), caught
    print("control: missing glyphs without the shipped font")

    sys.path.insert(0, sys.argv[1])
    import test_plot as t
    from evalstats import plot

    plot.use_cjk_font()
    assert fm.findfont(fm.FontProperties(family=mpl.rcParams["font.family"])) == str(
        plot.FONT_FILE
    )
    tables = t.demo_tables()
    for lang in ("zh", "en"):
        t.draw_strict(lambda: t.hand_figures(lang))
        t.draw_strict(lambda: t.demo_figures(tables[0], tables[2], lang))
    print("figures: no missing glyph")
    """
)


def test_figures_render_with_only_the_shipped_font(tmp_path):
    """A fresh matplotlib (new MPLCONFIGDIR) whose font manager knows no system font.

    Every hand-built and demo figure, zh and en, is drawn there with every warning an error and
    matplotlib's log captured (:func:`draw_strict`): the one place the figures are drawn in
    full, in the strictest font setting (the tests below look at the same figures undrawn).
    """
    script = tmp_path / "no_system_fonts.py"
    script.write_text(_NO_SYSTEM_FONTS, encoding="utf-8")
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mplconfig"), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(script), str(Path(__file__).parent)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == [
        "control: missing glyphs without the shipped font",
        "figures: no missing glyph",
    ]


# ---------------------------------------------------------------------- every figure, zh and en
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hand_built_figures_in_the_language(lang):
    # drawn without a missing glyph or a warning: test_figures_render_with_only_the_shipped_font
    figs = hand_figures(lang)
    names = ["甲科", "乙站", "丙所", "丁中心"]  # units are named as the office names them
    for name, fig in figs.items():
        words = " ".join(texts(fig))
        if lang == "en":
            for unit in names:
                words = words.replace(unit, "")
        assert has_cjk(words) == (lang == "zh"), name


def test_chinese_labels_from_the_scheme_and_unit_names():
    figs = hand_figures("zh")
    assert yticks(figs["levels_dimension"].axes[0]) == [d.label_zh for d in SCHEME.dimensions]
    assert [yticks(ax) for ax in figs["levels_unit"].axes] == [
        ["甲科", "乙站"],
        ["丙所", "丁中心", "u_e"],
    ]
    assert [ax.get_title(loc="left") for ax in figs["ranking"].axes] == ["行政管理", "行政执法"]
    # sorted by composite, highest first; NaN last; ties marked
    assert [yticks(ax) for ax in figs["ranking"].axes] == [
        ["甲科", "乙站"],
        ["丙所（并列）", "u_e（并列）", "丁中心"],
    ]
    words = texts(figs["ranking"])
    assert "P(末位)=0.90  名次区间 第1至2名" in words
    assert "P(末位)=0.32  名次区间 第1至3名" in words
    for label in ("前三", "末位", "末位不可区分", "一票否决", "其他"):
        assert label in words
    assert "综合得分（点：估计值；横线：95% 置信区间）" in words


def test_english_labels():
    figs = hand_figures("en")
    assert yticks(figs["levels_dimension"].axes[0]) == [d.label_en for d in SCHEME.dimensions]
    # units by their names in English too (issue 14 item 8: never a code where there is a name)
    assert [yticks(ax) for ax in figs["levels_unit"].axes] == [
        ["甲科", "乙站"],
        ["丙所", "丁中心", "u_e"],
    ]
    words = texts(figs["ranking"])
    assert "P(last)=0.90  rank 1–2" in words
    for label in ("Top 3", "Last", "Last (not distinguishable)", "Vetoed", "Other"):
        assert label in words
    assert [ax.get_title(loc="left") for ax in figs["ranking"].axes] == [
        "Administrative management",
        "Administrative enforcement",
    ]
    heat = [t.get_text() for t in figs["heatmap"].axes[-2].get_xticklabels()]
    assert heat[0] == "Openness of\ngovernment affairs" and heat[-1] == "Composite score"
    group_words = texts(figs["groups"])
    assert "Enterprises (12 forms)" in group_words
    assert "Hollow: fewer than 30 valid answers (low confidence)" in group_words


def test_levels_diverging_bars_are_the_shares_of_valid_answers():
    counts = hand_counts()
    fig = plot.levels_diverging(counts, lang="en")
    ax = fig.axes[0]
    valid = counts[counts["level"].isin(SCHEME.valid_level_codes)]
    by_dim = valid.groupby("dimension")["count"].sum()
    sat = valid[valid["level"].isin([v.code for v in SCHEME.levels if v.satisfied])]
    expected_right = (sat.groupby("dimension")["count"].sum() / by_dim).reindex(
        SCHEME.dimension_codes
    )
    widths = np.array([p.get_width() for p in ax.patches]).reshape(-1, len(SCHEME.dimensions))
    # three satisfied levels drawn right (positive), the dissatisfied level left (negative)
    np.testing.assert_allclose(widths[:3].sum(axis=0), expected_right.to_numpy())
    assert (widths[:3] >= 0).all() and (widths[3] <= 0).all()
    np.testing.assert_allclose(widths[:3].sum(axis=0) - widths[3], 1.0)
    # 不了解 and blanks are not hidden: their counts are written beside the bars
    row = counts[counts["dimension"] == "transparency"].groupby("level")["count"].sum()
    note = f"n={by_dim['transparency']}  Don't know {row['unknown']}  Blank {row['blank']}"
    assert note in texts(fig)


def test_level_shares_known_answer():
    counts = pd.DataFrame(
        {
            "cycle": CYCLE,
            "unit": "u",
            "group": "public",
            "dimension": ["service"] * 6 + ["integrity"] * 6,
            "level": [*SCHEME.level_codes, "blank"] * 2,
            # service: 3 satisfied, 1 dissatisfied, 2 unknown, 1 blank; integrity: only unknown
            "count": [3, 0, 0, 1, 2, 1, 0, 0, 0, 0, 4, 0],
        }
    )
    shares = plot.level_shares(counts, "dimension", SCHEME)
    assert shares.loc["service", "share_satisfied"] == 0.75
    assert shares.loc["service", "share_dissatisfied"] == 0.25
    assert shares.loc["service", ["n_valid", "unknown", "blank"]].tolist() == [4, 2, 1]
    assert shares.loc["integrity", "n_valid"] == 0
    assert shares.loc["integrity", "share_satisfied"] != shares.loc["integrity", "share_satisfied"]


@settings(max_examples=25)
@given(st.lists(st.integers(0, 50), min_size=12, max_size=12), st.randoms(use_true_random=False))
def test_level_shares_sum_to_one_and_ignore_row_order(counts_list, rnd):
    levels = [*SCHEME.level_codes, "blank"]
    counts = pd.DataFrame(
        {
            "cycle": CYCLE,
            "unit": ["u1"] * 6 + ["u2"] * 6,
            "group": "public",
            "dimension": "service",
            "level": levels * 2,
            "count": counts_list,
        }
    )
    shares = plot.level_shares(counts, "unit", SCHEME)
    cols = [f"share_{c}" for c in SCHEME.valid_level_codes]
    total = shares[cols].sum(axis=1, min_count=1)
    has_valid = shares["n_valid"] > 0
    np.testing.assert_allclose(total[has_valid], 1.0)
    assert total[~has_valid].isna().all()
    order = list(range(len(counts)))
    rnd.shuffle(order)
    shuffled = plot.level_shares(counts.iloc[order], "unit", SCHEME)
    pd.testing.assert_frame_equal(shuffled.loc[shares.index], shares)


@settings(max_examples=50)
@given(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=30),
    st.floats(0.1, 5),
)
def test_spread_keeps_labels_apart_and_centred(values, gap):
    out = plot.style.spread(values, gap)
    order = np.argsort(values, kind="stable")
    assert (np.diff(out[order]) >= gap * (1 - 1e-9)).all()  # order kept, gaps kept
    assert out.mean() == pytest.approx(np.mean(values), abs=1e-6 * max(1.0, gap * len(values)))
    if (np.diff(np.sort(values)) >= gap).all():
        np.testing.assert_allclose(out, values)


@settings(max_examples=50)
@given(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=30),
    st.floats(0.1, 3),
)
def test_spread_stays_inside_its_bounds_when_there_is_room(values, gap):
    lo, hi = -5.0, 105.0
    out = plot.style.spread(values, gap, lo, hi)
    order = np.argsort(values, kind="stable")
    assert (np.diff(out[order]) >= gap * (1 - 1e-9)).all()  # order kept, gaps kept
    if gap * (len(values) - 1) <= hi - lo:  # room for every label: all inside
        assert (out >= lo - 1e-9).all() and (out <= hi + 1e-9).all()
    crowded = plot.style.spread([99.0] * 10, 1.0, 0.0, 100.0)  # ten labels at the top
    np.testing.assert_allclose(np.sort(crowded), np.arange(91.0, 101.0))


def test_slope_shows_units_of_one_cycle_as_a_single_point():
    fig = plot.slope(hand_ranking_year(), lang="zh")
    words = texts(fig)
    assert "丙所 88.0" in words and not [
        w for w in words if w.startswith("丙所 ") and w != "丙所 88.0"
    ]
    assert "丁中心 70.0" in words
    # the series are stacked, one panel each as wide as the printed page; the bottom one
    # carries the cycle labels
    assert fig.get_size_inches()[0] == plot.style.PRINT_WIDTH
    assert [t.get_text() for t in fig.axes[-1].get_xticklabels()] == [
        "上半年测评（权重 0.4）",
        "年度测评（权重 0.6）",
    ]
    assert "单点：仅参加一次测评的单位" in words


def test_figures_are_no_wider_than_the_printed_page():
    """Printed at its own size, a figure's 8 pt labels print at 8 pt (issue 14: ≥ 7 pt)."""
    fig = plot.style.new_figure(14, 3)
    assert tuple(fig.get_size_inches()) == (plot.style.PRINT_WIDTH, 3)
    assert plot.style.PRINT_WIDTH * 25.4 <= 210 - 2 * 12  # A4 less the report's margins


def test_heatmap_writes_the_table_values_with_one_decimal():
    scores = hand_scores()
    fig = plot.heatmap(scores, value="weighted_score", lang="zh")
    rows = scores[(scores["unit"] == "u_b") & (scores["group"] == "all")]
    expected = [f"{v:.1f}" for v in rows.set_index("dimension")["weighted_score"]]
    ax = fig.axes[0]  # administration: u_a, u_b
    cells = cell_labels(ax).get_texts()
    assert cells[6:12] == expected
    # each at the centre of its cell: u_b is the second row
    np.testing.assert_array_equal(
        cell_labels(ax).get_positions()[6:12], [[j + 0.5, 1.5] for j in range(6)]
    )
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()][-1] == "综合得分"


def test_heatmap_turns_column_labels_upright_only_when_they_would_overlap():
    # the hand scheme's English dimension labels (two lines of up to 20 characters) do not fit
    # side by side under six columns; the Chinese ones (4 characters) do
    def rotations(lang):
        ax = plot.heatmap(hand_scores(), lang=lang).axes[-2]  # the last panel; then the colourbar
        return {t.get_rotation() for t in ax.get_xticklabels()}

    assert rotations("en") == {90.0}
    assert rotations("zh") == {0.0}


def test_heatmap_cells_are_not_measured_for_the_layout_and_nan_cells_stay_blank():
    scores = hand_scores()
    cell = (scores["unit"] == "u_b") & (scores["group"] == "all")
    cell &= scores["dimension"] == "service"
    scores.loc[cell, "weighted_score"] = np.nan
    fig = plot.heatmap(scores, lang="zh")
    ax = fig.axes[0]  # administration: u_a, u_b
    assert not cell_labels(ax).get_in_layout()
    assert len(cell_labels(ax).get_texts()) == 2 * 6 - 1  # u_b's service cell: no value
    assert np.ma.getmaskarray(ax.collections[0].get_array()).sum() == 1  # and no colour


def test_group_comparison_selects_one_dimension():
    fig = plot.group_comparison(hand_scores(), dimension="service", lang="zh")
    assert yticks(fig.axes[0]) == ["服务质量"]
    assert "社会义务监督员（32 份）" in texts(fig)


# ---------------------------------------------------------------------- the demo data
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_figures_name_units_and_standings(demo, lang):
    # drawn without a missing glyph or a warning: test_figures_render_with_only_the_shipped_font
    h1, _, year = demo
    figs = demo_figures(h1, year, lang)
    units = figs["levels_unit"]
    labels = [lab for ax in units.axes for lab in yticks(ax)]
    expected = h1.units["name"]  # names in both languages, never codes
    assert sorted(labels) == sorted(expected)
    assert len(figs["ranking"].axes) == h1.ranking["series"].nunique()
    words = texts(figs["ranking"])
    last = h1.ranking[h1.ranking["standing"] == "last"].iloc[0]
    word = "P(末位)" if lang == "zh" else "P(last)"
    assert any(w.startswith(f"{word}={last['p_last']:.2f}") for w in words)
    one_cycle = year.loc[year["composite_h1"].isna(), "unit"].tolist()
    assert one_cycle  # the demo's veterans_station is new in 2026A
    slope_words = texts(figs["slope"])
    for unit in one_cycle:
        row = year.set_index("unit").loc[unit]
        label = row["unit_name"]
        assert sum(w.startswith(f"{label} ") for w in slope_words) == 1


def test_figures_do_not_depend_on_global_settings():
    def png():
        buf = io.BytesIO()
        fig = plot.ranking_intervals(hand_ranking(), lang="zh")
        fig.savefig(buf, format="png", dpi=40, metadata={"Software": None})
        return buf.getvalue()

    first = png()
    with mpl.rc_context({"lines.linewidth": 7, "axes.facecolor": "black", "font.size": 30}):
        assert png() == first


# ---------------------------------------------------------------------- saving
def test_save_figure_writes_identical_bytes_twice(tmp_path):
    paths = []
    for run in ("a", "b"):
        fig = plot.slope(hand_ranking_year(), lang="zh")
        paths.append(plot.save_figure(fig, tmp_path / run / "figures", "slope"))
    assert [p.name for p in paths[0]] == ["slope.png", "slope.svg", "slope.csv"]
    for first, second in zip(*paths, strict=True):
        assert first.read_bytes() == second.read_bytes()
    png, svg, _csv = (p.read_bytes() for p in paths[0])
    assert png.startswith(b"\x89PNG") and b"Software" not in png
    assert b"<dc:date>" not in svg and b"<svg" in svg


def test_saved_figure_displays_the_png_written_without_drawing_again(tmp_path, monkeypatch):
    from IPython.core.formatters import format_display_data

    fig = plot.slope(hand_ranking_year(), lang="zh")
    saved = plot.save_figure(fig, tmp_path, "slope")
    assert isinstance(saved, list) and saved == [
        tmp_path / f"slope.{x}" for x in ("png", "svg", "csv")
    ]
    monkeypatch.setattr(Figure, "savefig", lambda *a, **k: pytest.fail("figure drawn again"))
    data, meta = format_display_data(saved)
    png = (tmp_path / "slope.png").read_bytes()
    assert data["image/png"] == png
    width = int.from_bytes(png[16:20], "big")
    assert meta["image/png"] == {"width": round(width * plot.INLINE_DPI / plot.style.PNG_DPI)}
    assert data["text/plain"] == "saved: slope.png, slope.svg, slope.csv"


def test_save_figure_bad_arguments(tmp_path):
    fig = Figure()
    with pytest.raises(ValueError) as e:
        plot.save_figure(fig, tmp_path, "../up")
    assert str(e.value) == "name must be a file name without folder or suffix; got '../up'"
    with pytest.raises(ValueError) as e:
        plot.save_figure(fig, tmp_path, "")
    assert str(e.value) == "name must be a file name without folder or suffix; got ''"
    with pytest.raises(TypeError) as e:
        plot.save_figure("fig", tmp_path, "x")
    assert str(e.value) == "fig must be a matplotlib Figure; got str"


def test_save_figure_writes_the_data_the_figure_was_drawn_from(tmp_path):
    scores = hand_scores()
    fig = plot.heatmap(scores, value="score", lang="en")
    drawn = scores[(scores["unit"] != "all") & (scores["group"] == "all")]
    pd.testing.assert_frame_equal(plot.figure_data(fig), drawn.reset_index(drop=True))
    _png, _svg, csv = plot.save_figure(fig, tmp_path, "heatmap")
    assert csv == tmp_path / "heatmap.csv" and csv.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(csv, encoding="utf-8-sig")
    assert back.columns.tolist() == drawn.columns.tolist() and len(back) == len(drawn)
    np.testing.assert_allclose(back["score"], drawn["score"])
    # the town's group rows of one dimension, for the group figure
    fig = plot.group_comparison(scores, dimension="service", lang="zh")
    data = plot.figure_data(fig)
    assert set(data["unit"]) == {"all"} and set(data["dimension"]) == {"service"}
    assert "all" not in set(data["group"])
    # the ranking, the slope and the level bars keep the rows they drew
    assert len(plot.figure_data(plot.ranking_intervals(hand_ranking()))) == len(hand_ranking())
    year = hand_ranking_year()
    assert plot.figure_data(plot.slope(year))["unit"].tolist() == year["unit"].tolist()


def test_save_figure_with_explicit_data_or_none(tmp_path):
    fig = Figure()
    fig.subplots().plot([1, 2])
    paths = plot.save_figure(fig, tmp_path, "line")
    assert [p.name for p in paths] == ["line.png", "line.svg"]  # no data, no CSV
    fig = Figure()
    fig.subplots().plot([1, 2])
    paths = plot.save_figure(fig, tmp_path, "line2", data=pd.DataFrame({"x": [1, 2]}))
    assert paths[-1].read_text("utf-8-sig") == "x\n1\n2\n"
    with pytest.raises(TypeError) as e:
        plot.save_figure(Figure(), tmp_path, "x", data=[1])
    assert str(e.value) == "data must be a pandas DataFrame or None; got list"


# ---------------------------------------------------------------------- bad options
def _message(call) -> str:
    with pytest.raises((ValueError, TypeError)) as e:
        call()
    return str(e.value)


def test_bad_options_full_messages():
    counts, scores, ranking = hand_counts(), hand_scores(), hand_ranking()
    assert (
        _message(lambda: plot.levels_diverging(counts, lang="fr"))
        == "lang must be one of 'zh', 'en'; got 'fr'"
    )
    assert (
        _message(lambda: plot.levels_diverging(counts, by="group"))
        == "by must be one of 'dimension', 'unit'; got 'group'"
    )
    assert (
        _message(lambda: plot.levels_diverging(counts, series="roads"))
        == "series must be one of 'administration', 'enforcement', 'public_service'; got 'roads'"
    )
    assert (
        _message(lambda: plot.levels_diverging(counts, series="enforcement"))
        == "series= needs units= (columns unit, name, series) to find its units"
    )
    assert (
        _message(lambda: plot.ranking_intervals(ranking, score_column="score"))
        == "score_column must be one of 'composite', 'composite_year'; got 'score'"
    )
    assert (
        _message(lambda: plot.heatmap(scores, value="rate"))
        == "value must be one of 'weighted_score', 'score', 'satisfied_rate', 'top_box_rate', "
        "'dissatisfied_rate'; got 'rate'"
    )
    assert (
        _message(lambda: plot.group_comparison(scores, dimension="speed"))
        == "dimension must be one of 'transparency', 'lawfulness', 'efficiency', 'service', "
        "'integrity', 'all'; got 'speed'"
    )
    assert (
        _message(lambda: plot.group_comparison(scores, value="rate"))
        == "value must be one of 'satisfied_rate', 'score'; got 'rate'"
    )
    assert (
        _message(lambda: plot.group_comparison(scores, unit="nowhere"))
        == "unit 'nowhere' is not in scores"
    )
    assert (
        _message(lambda: plot.slope(ranking, lang="en"))
        == "ranking_year lacks column(s) ['composite_h1', 'composite_annual']; required: "
        "['cycle', 'unit', 'unit_name', 'series', 'composite_h1', 'composite_annual', "
        "'standing', 'veto']"
    )
    assert (
        _message(lambda: plot.heatmap(scores.to_dict()))
        == "scores must be a pandas DataFrame; got dict"
    )


def test_bad_tables_full_messages():
    counts = hand_counts()
    two = pd.concat([counts, counts.assign(cycle="2026A")])
    assert (
        _message(lambda: plot.levels_diverging(two))
        == "counts holds several cycles ['2026A', '2026H1']; pass the rows of one cycle"
    )
    odd = counts.assign(level=counts["level"].replace({"blank": "maybe"}))
    assert _message(lambda: plot.levels_diverging(odd)) == (
        "counts has levels ['maybe'] that are not in scheme 'default'; levels: ['basically_"
        "satisfied', 'blank', 'dissatisfied', 'fairly_satisfied', 'satisfied', 'unknown']"
    )
    assert _message(lambda: plot.levels_diverging(counts.iloc[:0])) == "counts has no rows"
    assert (
        _message(lambda: plot.ranking_intervals(hand_ranking(), series="public_service"))
        == "ranking has no unit of series 'public_service'"
    )
    towns = hand_scores()
    towns = towns[towns["unit"] == "all"]
    assert _message(lambda: plot.heatmap(towns)) == (
        "scores has no unit rows pooled over groups (unit != 'all', group == 'all')"
    )


# ---------------------------------------------------------------------- many labels, one artist
def test_cell_labels_are_centred_on_their_points_in_the_png():
    fig = Figure(figsize=(2, 1), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    CellLabels(ax, [0.5, 1.5], [0.5, 0.5], ["88.0", ""], ["k", "k"], fontsize=20)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    ink = np.asarray(canvas.buffer_rgba())[:, :, 0] < 128
    rows, cols = np.nonzero(ink)
    assert cols.max() < 100  # the empty label draws nothing on the right half
    # ink box centred on (50, 50) px within 2 px (stamped on whole pixels, antialiased edges);
    # uncentred, the label would start at 50 px
    assert abs((cols.min() + cols.max()) / 2 - 49.5) <= 2
    assert abs((rows.min() + rows.max()) / 2 - 49.5) <= 2


def test_cell_labels_define_each_distinct_label_once_in_the_svg():
    fig = Figure(figsize=(2, 1))
    ax = fig.subplots()
    ax.set_axis_off()  # no tick labels: every <use> below is a cell label
    CellLabels(ax, [0, 1, 2], [0, 0, 0], ["12.5", "12.5", "7.0"], ["w", "w", "w"], fontsize=8)
    out = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "path"}):
        fig.savefig(out, format="svg")
    svg = out.getvalue()
    assert svg.count("<use ") == 3  # one per label
    assert svg.count('<path id="m') == 2  # one outline per distinct label and colour


def test_cell_labels_need_one_entry_per_label():
    ax = Figure().subplots()
    assert _message(lambda: CellLabels(ax, [0, 1], [0, 1], ["a"], ["k", "k"], fontsize=8)) == (
        "x, y, texts and colors must have one entry per label; got 2 positions, 1 texts "
        "and 2 colours"
    )
