"""Saving a figure: PNG, SVG and the rows it was drawn from, shown in a notebook as the PNG."""

from __future__ import annotations

import base64
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from evalstats.core.text import document_text
from evalstats.present.plot.style import PNG_DPI, SVG_HASHSALT, figure_data

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

    def to_html(self) -> str:
        """The PNG as an ``<img>`` with the data inline, at the width a notebook shows it
        (for a figure shown inside other HTML, e.g. on screen only); empty without a PNG."""
        shown = self._repr_png_()
        if shown is None:
            return ""
        data, meta = shown
        encoded = base64.b64encode(data).decode("ascii")
        return f'<img src="data:image/png;base64,{encoded}" width="{meta["width"]}" alt="">'


def _safe_texts(fig: Figure) -> None:
    """Every text of ``fig`` — titles, labels, legends, annotations and the tick labels any
    formatter gives — without the characters a document must not carry
    (:func:`evalstats.core.text.document_text`: control characters, bidi overrides such as
    U+202E, zero-width marks), so neither the PNG nor the SVG (which keeps each text in a
    comment) shows them."""
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        text = t.get_text()
        if isinstance(text, str) and document_text(text) != text:
            t.set_text(document_text(text))
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for get, put in (
                (axis.get_major_formatter, axis.set_major_formatter),
                (axis.get_minor_formatter, axis.set_minor_formatter),
            ):
                f = get()
                if not isinstance(f, _SafeFormatter):
                    put(_SafeFormatter(f))


class _SafeFormatter(Formatter):
    """A tick formatter whose labels are :func:`~evalstats.core.text.document_text` of the
    labels of the formatter it wraps (fixed labels, categories, functions alike)."""

    def __init__(self, inner):
        self.inner = inner

    def set_axis(self, axis):
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def __call__(self, x, pos=None):
        return document_text(str(self.inner(x, pos)))

    def format_ticks(self, values):
        return [document_text(str(v)) for v in self.inner.format_ticks(values)]

    def format_data(self, value):
        return document_text(str(self.inner.format_data(value)))

    def format_data_short(self, value):
        return document_text(str(self.inner.format_data_short(value)))

    def get_offset(self):
        return document_text(str(self.inner.get_offset()))

    def set_locs(self, locs):
        self.inner.set_locs(locs)


def _lay_out_once(fig: Figure) -> None:
    """Solve the figure's layout once, measuring its texts at the PNG's resolution, and keep it.

    With a layout engine, each ``savefig`` first draws the whole figure without output just to
    run the layout, then draws it again: three drawings for a PNG and an SVG.  The layout does
    not depend on the format, so it is solved here (measuring, not drawing) and the engine
    set aside: one drawing per file.  Measured at the PNG's resolution, as ``savefig`` would,
    so the PNG is the same pixel for pixel.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        return
    fig.set_dpi(PNG_DPI)
    engine.execute(fig)
    # no engine at all: "none" would leave a placeholder, and savefig would still draw first
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)


FORMATS = ("png", "svg")
"""The files :func:`save_figure` can write, in the order it writes them."""


def _check_formats(formats) -> tuple[str, ...]:
    if isinstance(formats, str) or not isinstance(formats, (tuple, list)):
        raise TypeError(f"formats must be a tuple of {FORMATS}; got {formats!r}")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats or len(set(formats)) != len(formats):
        raise ValueError(
            f"formats must name some of {', '.join(map(repr, FORMATS))}, each once; "
            f"got {tuple(formats)!r}"
        )
    return tuple(f for f in FORMATS if f in formats)


def save_figure(
    fig: Figure,
    out_dir: str | Path,
    name: str,
    *,
    data: pd.DataFrame | None = None,
    formats: tuple[str, ...] = FORMATS,
) -> SavedFigure:
    """Write ``<name>.png`` (150 dpi), ``<name>.svg`` and the figure's data; close ``fig``.

    Texts are shown without control characters, bidi overrides or zero-width marks
    (:func:`evalstats.core.text.document_text`).  The PNG carries no ``Software`` entry; the
    SVG no date, fixed element ids
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
    formats : tuple of {"png", "svg"}
        The image files written (default both).  A feedback letter embeds only the PNG
        (``("png",)``: drawing the SVG is a third of the time of saving).

    Returns
    -------
    SavedFigure
        A list of Path: the PNG and the SVG (those written), then the CSV when there is data.
        A notebook shows it as the PNG (``display(save_figure(...))``).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> import tempfile
    >>> fig = Figure(); _ = fig.subplots().plot([1, 2])
    >>> [p.name for p in save_figure(fig, tempfile.mkdtemp(), "line")]
    ['line.png', 'line.svg']
    >>> fig = Figure(); _ = fig.subplots().plot([1, 2])
    >>> [p.name for p in save_figure(fig, tempfile.mkdtemp(), "line", formats=("png",))]
    ['line.png']
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
    formats = _check_formats(formats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    png, svg = out / f"{name}.png", out / f"{name}.svg"
    _safe_texts(fig)
    try:
        with mpl.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path"}):
            _lay_out_once(fig)
            if "png" in formats:
                fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
            if "svg" in formats:
                fig.savefig(svg, format="svg", metadata={"Date": None})
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    files = [p for p, f in ((png, "png"), (svg, "svg")) if f in formats]
    data = figure_data(fig) if data is None else data
    if data is None:
        return SavedFigure(files)
    from evalstats.present.report import write_csv

    return SavedFigure([*files, write_csv(data, (out / f"{name}.csv").resolve())])


__all__ = [
    "FORMATS",
    "INLINE_DPI",
    "SavedFigure",
    "save_figure",
]
