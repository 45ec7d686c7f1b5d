"""The figures' theme, palettes and cell-label luminance equal seaborn's (seaborn 0.13), which
the figures were drawn with until evalstats stopped importing it (seaborn imports scipy.stats:
half a second of every report's kernel start).  seaborn is a test requirement for this."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pytest
import seaborn as sns
from matplotlib import colors as mcolors

from evalstats.present.plot import style
from evalstats.present.plot.heatmap import relative_luminance


@pytest.fixture
def clean_rc():
    """The test starts from matplotlib's defaults; the settings and one-letter colour codes
    from before it are restored after it."""
    codes = {c: mcolors.colorConverter.colors[c] for c in "bgrmyck"}
    with mpl.rc_context():
        mpl.rcdefaults()
        yield
    mcolors.colorConverter.colors.update(codes)


def test_style_and_context_are_seaborns():
    whitegrid = dict(sns.axes_style("whitegrid"))
    assert whitegrid.pop("image.cmap") == "rocket"  # seaborn's own colour map, left out
    assert style.WHITEGRID_RC == whitegrid
    assert style.NOTEBOOK_RC == dict(sns.plotting_context("notebook", font_scale=0.85))
    assert list(style.DEEP) == sns.palettes.SEABORN_PALETTES["deep"]


@pytest.mark.parametrize("name", ["deep", "Blues", "Reds"])
def test_palettes_are_seaborns(name):
    for n in range(1, 14):
        assert style.palette(name, n) == list(sns.color_palette(name, n)), (name, n)


def test_theme_sets_what_seaborn_set_theme_set(clean_rc):
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette="deep",
        font=style.FONT_FAMILY,
        font_scale=0.85,
        rc=style.font_rc(),
    )
    theirs = dict(mpl.rcParams)
    their_codes = {c: mcolors.colorConverter.colors[c] for c in "bgrmyck"}
    mpl.rcdefaults()
    for c in "bgrmyck":
        mcolors.colorConverter.colors[c] = mcolors.to_rgb(c if c != "k" else "black")
    style.theme()
    ours = dict(mpl.rcParams)
    assert theirs.pop("image.cmap") == "rocket"
    assert ours.pop("image.cmap") == "viridis"
    assert ours == theirs
    assert {c: mcolors.colorConverter.colors[c] for c in "bgrmyck"} == their_codes


def test_relative_luminance_is_seaborns():
    rng = np.random.default_rng(7)
    rgba = np.column_stack([rng.random((500, 3)), np.ones(500)])
    rgba[:3, :3] = [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.03928, 0.5, 0.2]]
    ours = relative_luminance(rgba)
    theirs = np.array([sns.utils.relative_luminance(c) for c in rgba])
    # one dot product per colour there, one matrix product here: equal to the last bit or two
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)
    assert ((ours > 0.408) == (theirs > 0.408)).all()
