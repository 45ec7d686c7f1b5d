"""Many short labels inside cells or bars (the heatmap's values, the level shares) as one artist.

A matplotlib :class:`~matplotlib.text.Text` lays its string out with FreeType at every drawing
and for every measurement: about a millisecond each, so the 1,400 values of a 200-unit heatmap,
measured and drawn for the PNG and again for the SVG, took seconds.  :class:`CellLabels` lays
each *distinct* string out once (:class:`~matplotlib.textpath.TextPath`, the outlines the SVG
drew anyway) and stamps it at every position where it occurs, in one colour per group
(``draw_markers``: the PNG rasterises each distinct label once; the SVG defines it once and
references it).  The labels sit inside their cells, so the layout does not measure them.

Examples
--------
>>> from matplotlib.figure import Figure
>>> ax = Figure().subplots()
>>> labels = CellLabels(ax, [0.5, 1.5], [0.5, 0.5], ["88.0", "91.2"], ["w", ".15"], fontsize=8)
>>> labels.get_texts()
['88.0', '91.2']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import colors as mcolors
from matplotlib.artist import Artist
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D


class CellLabels(Artist):
    """Short one-line labels centred on points of an Axes, each in its own colour.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The labels are added to it, at data coordinates.
    x, y : sequence of float
        Centre of each label (its ink box) in data coordinates.
    texts : sequence of str
        The labels; an empty string draws nothing.
    colors : sequence of colour
        Colour of each label.
    fontsize : float
        Points; the font family is the one in effect when the artist is made (the figures'
        theme: :func:`evalstats.present.plot.style.themed`).
    """

    zorder = 3  # as a Text: above the cells and bars

    def __init__(
        self,
        ax,
        x: Sequence[float],
        y: Sequence[float],
        texts: Sequence[str],
        colors: Sequence,
        *,
        fontsize: float,
    ):
        super().__init__()
        xy = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
        texts = [str(t) for t in texts]
        rgba = [mcolors.to_rgba(c) for c in colors]
        if not (len(xy) == len(texts) == len(rgba)):
            raise ValueError(
                f"x, y, texts and colors must have one entry per label; got {len(xy)} "
                f"positions, {len(texts)} texts and {len(rgba)} colours"
            )
        self._xy, self._texts, self._rgba = xy, texts, rgba
        self._prop = FontProperties(size=fontsize)
        self._paths: dict[str, Path] = {}
        self.set_in_layout(False)  # inside their cells: nothing for the layout to measure
        self.set_transform(ax.transData)
        ax.add_artist(self)

    def get_texts(self) -> list[str]:
        """The labels, in the order given."""
        return list(self._texts)

    def get_positions(self) -> np.ndarray:
        """The centre of each label in data coordinates, shape ``(n, 2)``."""
        return self._xy.copy()

    def _outline(self, text: str) -> Path:
        """The label's outline in points, centred on (0, 0); laid out once per distinct text."""
        path = self._paths.get(text)
        if path is None:
            outline = TextPath((0, 0), text, prop=self._prop)
            # the box of the outline's points: the ink's, as glyphs have points at their
            # extremes (Path.get_extents solves every curve: 5 s for a 200-unit heatmap)
            lo, hi = outline.vertices.min(axis=0), outline.vertices.max(axis=0)
            centre = Affine2D().translate(*(-(lo + hi) / 2))
            path = self._paths[text] = centre.transform_path(outline)
        return path

    def draw(self, renderer) -> None:
        if not self.get_visible():
            return
        renderer.open_group("cell_labels", self.get_gid())
        gc = renderer.new_gc()
        gc.set_linewidth(0)
        gc.set_antialiased(True)
        gc.set_alpha(self.get_alpha())
        scale = Affine2D().scale(renderer.points_to_pixels(1.0))
        groups: dict[tuple, list[int]] = {}
        for i, (text, rgba) in enumerate(zip(self._texts, self._rgba, strict=True)):
            if text and np.isfinite(self._xy[i]).all():
                groups.setdefault((text, rgba), []).append(i)
        for (text, rgba), rows in groups.items():
            gc.set_foreground(rgba, isRGBA=True)
            renderer.draw_markers(
                gc, self._outline(text), scale, Path(self._xy[rows]), self.get_transform(), rgba
            )
        gc.restore()
        renderer.close_group("cell_labels")
        self.stale = False


__all__ = [
    "CellLabels",
]
