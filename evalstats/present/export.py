"""Exports of one computed analysis: its tables as CSV and its headline figures as JSON.

The :class:`~evalstats.analyses.cycle.Analysis` result holds numbers and codes only; writing it
is presentation and lives here, one layer above it.  :func:`write_analysis` writes
``tables/<name>.csv`` for every table of the analysis and ``summary.json`` beside them, through
the safe, atomic writers of :mod:`evalstats.present.report` (hostile text neutralised, the same
tables giving the same bytes).  The plain-language sections are
:func:`evalstats.present.narrative.sections`.

Examples
--------
>>> from evalstats.analyses import half_year
>>> from evalstats.present.export import write_analysis
>>> a = half_year("2026H1", n_resamples=500, seed=1)  # doctest: +SKIP
>>> [p.name for p in write_analysis(a, "reports/2026H1/half-year")][-1]  # doctest: +SKIP
'summary.json'
"""

from __future__ import annotations

from pathlib import Path

from evalstats.core.config import resolve_path
from evalstats.present import report

__all__ = ["write_analysis"]


def write_analysis(a, output_dir) -> list[Path]:
    """Write ``tables/<name>.csv`` (every table) and ``summary.json`` into ``output_dir``.

    Relative paths resolve from the project root.  Figures are written by the notebook
    (:func:`evalstats.present.plot.save_figure`).  ``summary.json`` holds the analysis'
    ``summary`` plus ``neutralised_cells``: per table, the text cells made inert (issue 8; the
    runner quotes it in the report and the manifest).

    Parameters
    ----------
    a : Analysis
        The result of :func:`evalstats.analyses.half_year` or :func:`evalstats.analyses.annual`.
    output_dir : str or Path
        The report folder; ``tables/`` is created in it.

    Returns
    -------
    list of Path
        The files written: the tables in the analysis' order, then ``summary.json``.

    Examples
    --------
    >>> from evalstats.analyses import half_year
    >>> a = half_year("2026H1", n_resamples=500, seed=1)  # doctest: +SKIP
    >>> files = write_analysis(a, "reports/2026H1/half-year")  # doctest: +SKIP
    >>> files[0].relative_to("reports/2026H1/half-year").as_posix()  # doctest: +SKIP
    'tables/response.csv'
    """
    tables = getattr(a, "tables", None)
    summary = getattr(a, "summary", None)
    if not isinstance(tables, dict) or not isinstance(summary, dict):
        raise TypeError(
            "a must be an analysis result (evalstats.analyses.half_year / annual); "
            f"got {type(a).__name__}"
        )
    out = resolve_path(output_dir)
    written = report.write_tables(tables, out)
    counts = {"neutralised_cells": dict(sorted(written.neutralised.items()))}
    path = report.write_json({**summary, **counts}, out / "summary.json")
    return [*written.paths.values(), path]
