"""The result of a cycle's analysis: :class:`Analysis`, numbers and codes only.

Every view — report, workbook, tables, letters — reads this one object; writing and wording it
live in :mod:`evalstats.present`.

Examples
--------
>>> a = half_year("2026H1", n_resamples=200, seed=1)  # doctest: +SKIP
>>> a.score_column  # doctest: +SKIP
'composite'
"""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalstats.analyses.cycle.change import CycleChange
from evalstats.core.scheme import Scheme
from evalstats.stats import quality as _quality


@dataclass(frozen=True)
class Analysis:
    """Result of :func:`half_year` or :func:`annual`.

    Attributes
    ----------
    kind : {"half_year", "annual"}
    cycle : str
        The cycle analysed (the year-end cycle for the annual analysis).
    scheme : Scheme
    validated : dict of str -> ValidatedCycle
        Per cycle id (the half-year cycle too, for the annual analysis).
    scored : dict of str -> CycleScores
        Per cycle id.
    tables : dict of str -> DataFrame
        In report order; names and columns in the package docstring.
    summary : dict
        Headline figures, JSON-safe (fields in the package docstring).
    quality_comparison : QualityComparison
        The with/without-flagged recomputation of the (year-end) cycle.
    options : dict
        ``confidence_level, n_resamples, seed, method, half_year_cycle``.
    tier : {"internal", "public"}
    public_counts : DataFrame or None
        Public tier: the tally pooled over groups of the units shown (:attr:`counts`).
    change : CycleChange or None
        The change since the previous cycle, computed once (:func:`cycle_change`): the annual
        analysis' half-year → year-end (its ``comparison`` table is ``change.comparison``);
        a half-year analysis given ``previous_cycle``; else None.
    unpublished : dict of str -> DataFrame
        Public tier: the internal ``comments`` and ``quality`` tables, which the public tier
        does not publish, kept for views that apply their own rules to one unit (the
        feedback letters, :mod:`evalstats.analyses.profile`); empty in the internal tier
        (they are in ``tables``).  Never written by :meth:`write`.
    """

    kind: str
    cycle: str
    scheme: Scheme
    validated: dict
    scored: dict
    tables: dict
    summary: dict
    quality_comparison: _quality.QualityComparison = field(repr=False)
    options: dict = field(default_factory=dict)
    tier: str = "internal"
    public_counts: pd.DataFrame | None = field(default=None, repr=False)
    change: CycleChange | None = field(default=None, repr=False)
    unpublished: dict = field(default_factory=dict, repr=False)

    @property
    def counts(self) -> pd.DataFrame:
        """The tally of the cycle analysed (the year-end cycle for the annual analysis).

        In the public tier: pooled over respondent groups (``group = "all"``), the units whose
        pooled cell is withheld left out — what the public level figures may draw.
        """
        if self.tier == "public" and self.public_counts is not None:
            return self.public_counts
        return self.scored[self.cycle].counts

    @property
    def units(self) -> pd.DataFrame:
        """The units of the cycle analysed (``unit, name, series, name_en``)."""
        return self.validated[self.cycle].units

    @property
    def score_column(self) -> str:
        """The score that decides rank and grade: ``composite`` or ``composite_year``."""
        return "composite_year" if self.kind == "annual" else "composite"

    def __getattr__(self, name: str):
        # The result holds numbers and codes; writing and wording it moved to ``present``.
        if name in _MOVED_TO_PRESENT:
            raise AttributeError(
                f"Analysis.{name} moved to the presentation layer: use {_MOVED_TO_PRESENT[name]}"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def headline(self) -> pd.DataFrame:
        """The top and the last unit of each series, as the ranking has them.

        Returns
        -------
        DataFrame
            ``series, position, unit, unit_name, rank, rank_low, rank_high, score,
            score_ci_low, score_ci_high, standing, p_last``: per series (scheme order) the
            best-ranked unit not vetoed (``position = "top"``: a vetoed unit leaves the top,
            the next moves up; more than one row when tied) and the units of the highest rank
            (``"last"``, 末位, with their ``standing``: ``last`` or
            ``last_not_distinguishable``); ``score`` is :attr:`score_column` (``composite``,
            or ``composite_year`` in the annual analysis).  Empty when there is no ranking.

        Examples
        --------
        >>> a = half_year("2026H1", n_resamples=200, seed=1)  # doctest: +SKIP
        >>> a.headline().iloc[0][["series", "position", "unit"]].tolist()  # doctest: +SKIP
        ['administration', 'top', 'economic_office']
        """
        columns = ["series", "position", "unit", "unit_name", "rank", "rank_low", "rank_high"]
        columns += ["score", "score_ci_low", "score_ci_high", "standing", "p_last"]
        ranking = self.tables.get("ranking")
        score = self.score_column
        if ranking is None or len(ranking) == 0 or score not in ranking.columns:
            return pd.DataFrame(columns=columns)
        r = ranking.rename(
            columns={score: "score", f"{score}_ci_low": "score_ci_low"}
            | {f"{score}_ci_high": "score_ci_high"}
        )
        for column in columns:
            if column not in r.columns:
                r = r.assign(**{column: np.nan})
        parts = []
        order = [*self.scheme.series_codes]
        order += sorted(set(r["series"].astype(str)) - set(order))
        for series in order:
            rows = r[r["series"].astype(str) == series]
            if len(rows) == 0:
                continue
            eligible = rows[~rows["veto"].fillna(False).astype(bool)] if "veto" in rows else rows
            top = eligible[eligible["rank"] == eligible["rank"].min()].assign(position="top")
            last = rows[rows["rank"] == rows["rank"].max()].assign(position="last")
            parts += [top, last]
        if not parts:
            return pd.DataFrame(columns=columns)
        return pd.concat(parts, ignore_index=True)[columns]

    def __repr__(self) -> str:
        forms = self.summary.get("forms", {}).get("valid", "?")
        units = self.summary.get("units", {}).get("listed", "?")
        with_h1 = self.options.get("half_year_cycle") or ""
        cycle = f"{self.cycle} with {with_h1}" if with_h1 else self.cycle
        return (
            f"<Analysis {self.kind} {cycle}, {self.tier} tier: {forms} forms, {units} units; "
            f"{len(self.tables)} tables: {', '.join(self.tables)}>"
        )

    def _repr_html_(self) -> str:
        """A short HTML card for Jupyter: cycle, forms and units, tables, the headline."""
        e = _html_escape
        forms = self.summary.get("forms", {}).get("valid", "?")
        units = self.summary.get("units", {}).get("listed", "?")
        title = {"half_year": "半年测评 half-year analysis", "annual": "年度测评 annual analysis"}
        with_h1 = self.options.get("half_year_cycle") or ""
        head = f"<b>{e(title.get(self.kind, self.kind))} {e(self.cycle)}</b>"
        if with_h1:
            head += f" (with {e(with_h1)})"
        head += f" · {e(self.tier)} · scheme {e(self.scheme.name)}"
        lines = [
            f"<p>{head}</p>",
            f"<p>{e(forms)} valid forms · {e(units)} units · "
            f"score <code>{e(self.score_column)}</code></p>",
        ]
        rows = []
        for r in self.headline().itertuples(index=False):
            try:
                series = self.scheme.label("series", str(r.series))
            except KeyError:
                series = str(r.series)
            where = {"top": "第一 top", "last": "末位 last"}[r.position]
            if r.position == "last" and r.standing == "last_not_distinguishable":
                where = "末位不可区分 last, not distinguishable"
            rows.append(
                f"<tr><td>{e(series)}</td><td>{e(where)}</td>"
                f"<td>{e(r.unit_name)} <code>{e(r.unit)}</code></td>"
                f'<td style="text-align:right">{_html_number(r.score)} '
                f"[{_html_number(r.score_ci_low)}, "
                f"{_html_number(r.score_ci_high)}]</td>"
                f'<td style="text-align:right">{_html_number(r.rank, 0)} '
                f"({_html_number(r.rank_low, 0)}–"
                f"{_html_number(r.rank_high, 0)})</td></tr>"
            )
        if rows:
            lines.append(
                "<table><thead><tr><th>序列 series</th><th></th><th>单位 unit</th>"
                "<th>得分 score [CI]</th><th>名次 rank (range)</th></tr></thead><tbody>"
                + "".join(rows)
                + "</tbody></table>"
            )
        vetoed = [
            f"{e(v.get('unit_name', ''))} <code>{e(v.get('unit', ''))}</code> "
            f"({e(v.get('veto_reason', ''))})"
            for v in self.summary.get("vetoed", [])
        ]
        if vetoed:
            lines.append(f"<p>一票否决 vetoed: {'; '.join(vetoed)}</p>")
        names = ", ".join(f"<code>{e(name)}</code>" for name in self.tables)
        lines.append(f"<p>{len(self.tables)} tables: {names}</p>")
        return '<div class="evalstats-analysis">' + "".join(lines) + "</div>"


_MOVED_TO_PRESENT = {
    "write": "evalstats.present.export.write_analysis(a, output_dir)",
    "texts": "{lang: evalstats.present.narrative.sections(a, lang) for lang in ('zh', 'en')}",
}


def _html_escape(value) -> str:
    return html.escape(str(value), quote=True)


def _html_number(value, decimals: int = 2) -> str:
    """``value`` to ``decimals`` places for the HTML card; ``—`` when missing."""
    if value is None or (isinstance(value, numbers.Real) and math.isnan(value)):
        return "—"
    return f"{float(value):.{decimals}f}"


__all__ = [
    "Analysis",
]
