"""The result of validating a cycle: :class:`ValidatedCycle` and its printed summary.

Examples
--------
>>> from evalstats.inputs.validate import validate_cycle
>>> from evalstats.inputs.validate.result import format_summary
>>> print(format_summary(validate_cycle("data/raw/2026H1")))  # doctest: +SKIP
cycle 2026H1 (scheme ...)
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from evalstats.core.errors import format_problem
from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme
from evalstats.core.vocab import LANGS
from evalstats.inputs import forms as _forms
from evalstats.inputs.validate.reasons import WORDS


class HasProblems:
    """``ok``, ``errors`` and ``warnings`` of a result that carries a ``problems`` table."""

    problems: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        return not (self.problems["severity"] == "error").any()

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "warning"]


@dataclass(frozen=True)
class ValidatedCycle(HasProblems):
    """The validated inputs of one cycle.

    Attributes
    ----------
    cycle : str
        Cycle id, e.g. ``"2026H1"``.
    forms : pandas.DataFrame
        The forms table documented in :mod:`evalstats.inputs.forms` (counted forms only).
    voided : pandas.DataFrame
        Forms the office voided (``exclusions``): the forms columns plus ``reason``.
    units : pandas.DataFrame
        ``unit, name, series`` (series as scheme code), in file order.
    forms_issued : pandas.DataFrame or None
        ``unit, group, issued`` (int64); None when no forms-issued file was given.
    incidents : pandas.DataFrame
        ``unit, date, kind, note`` (kind as scheme code); empty when there is no file.
    exclusions : pandas.DataFrame
        ``form_id, reason`` as listed.
    duplicates : pandas.DataFrame
        Copies of forms typed twice (same id and answers), counted once:
        ``form_id, source_file, source_row, first_row``.
    problems : pandas.DataFrame
        Columns ``severity, file, row, column, value, reason, code``; errors first.
    inputs : pandas.DataFrame
        One row per input file: ``table, file, sha256, size, encoding, sheet, header_row, rows``.
    scheme : Scheme
        The scheme the data were checked against.
    rows_read : int
        Data rows read from the responses file (blank rows not counted).
    identifiers : tuple of str
        Respondent identifier columns found in the responses (codes, e.g.
        ``("respondent_phone", "respondent_name")``); their values are never kept.
    pseudonym_key_id : str or None
        Fingerprint of the pseudonym key that made the ``respondent`` column (None when the
        identifiers were dropped or there were none).
    """

    cycle: str
    forms: pd.DataFrame
    voided: pd.DataFrame
    units: pd.DataFrame
    forms_issued: pd.DataFrame | None
    incidents: pd.DataFrame
    exclusions: pd.DataFrame
    duplicates: pd.DataFrame
    problems: pd.DataFrame
    inputs: pd.DataFrame
    scheme: Scheme
    rows_read: int = 0
    identifiers: tuple[str, ...] = ()
    pseudonym_key_id: str | None = None

    @property
    def identifiers_action(self) -> str:
        """``"pseudonymised"``, ``"dropped"`` or ``"none"`` (no identifier columns)."""
        if not self.identifiers:
            return "none"
        return "pseudonymised" if self.pseudonym_key_id is not None else "dropped"

    def long(self) -> pd.DataFrame:
        """The long view of the counted forms (:func:`evalstats.inputs.forms.to_long`)."""
        return _forms.to_long(self.forms, self.scheme)

    def summary(self) -> dict:
        """Counts for the summary: forms read, collapsed, voided, counted, answers, problems.

        Examples
        --------
        >>> v.summary()["forms_counted"]  # doctest: +SKIP
        1469
        """
        f = self.forms
        dims = list(self.scheme.dimension_codes)
        answers = {code: 0 for code in self.scheme.level_codes}
        blank = 0
        for d in dims:
            counts = f[d].value_counts(dropna=False)
            for code, n in counts.items():
                if pd.isna(code):
                    blank += int(n)
                else:
                    answers[str(code)] += int(n)
        answers["blank"] = blank
        groups = f["group"].value_counts(sort=False)
        return {
            "cycle": self.cycle,
            "scheme": self.scheme.name,
            "forms_read": int(self.rows_read),
            "duplicates_collapsed": len(self.duplicates),
            "voided": len(self.voided),
            "forms_counted": len(f),
            "forms_by_group": {str(k): int(v) for k, v in groups.items()},
            "answers": answers,
            "units": len(self.units),
            "units_with_forms": int(f["unit"].nunique()),
            "errors": int((self.problems["severity"] == "error").sum()),
            "warnings": int((self.problems["severity"] == "warning").sum()),
            "encodings": {
                r.table: r.encoding for r in self.inputs.itertuples() if isinstance(r.encoding, str)
            },
            "identifiers": {
                "columns": list(self.identifiers),
                "action": self.identifiers_action,
                "key_id": self.pseudonym_key_id,
            },
        }

    def to_frame(self) -> pd.DataFrame:
        """The counted forms (same as ``forms``)."""
        return self.forms

    def _tables(self) -> dict[str, int | None]:
        """Table name → rows (None for a table that was not given)."""
        names = ("forms", "voided", "units", "forms_issued", "incidents", "exclusions")
        names += ("duplicates", "problems", "inputs")
        return {n: None if getattr(self, n) is None else len(getattr(self, n)) for n in names}

    def __repr__(self) -> str:
        n_errors = int((self.problems["severity"] == "error").sum())
        n_warnings = int((self.problems["severity"] == "warning").sum())
        verdict = "valid" if n_errors == 0 else "INVALID"
        tables = ", ".join(
            f"{name}[{'-' if rows is None else rows}]" for name, rows in self._tables().items()
        )
        return (
            f"<ValidatedCycle {self.cycle}: {len(self.forms)} forms counted of "
            f"{self.rows_read} rows read, {len(self.units)} units; {verdict}, "
            f"{n_errors} errors, {n_warnings} warnings; tables {tables}>"
        )

    def _repr_html_(self) -> str:
        """A short HTML card for Jupyter: cycle, forms and units, tables, the verdict and the
        first problems."""
        e = _html_escape
        s = self.summary()
        verdict = "有效 valid" if s["errors"] == 0 else "无效 invalid"
        by_group = ", ".join(
            f"{e(_label_or_code(self.scheme, 'groups', g))} {n}"
            for g, n in s["forms_by_group"].items()
        )
        lines = [
            f"<p><b>已校验测评数据 validated cycle {e(self.cycle)}</b> · scheme "
            f"{e(self.scheme.name)}</p>",
            f"<p><b>{verdict}</b>: {s['errors']} errors, {s['warnings']} warnings</p>",
            f"<p>{s['forms_counted']} forms counted ({e(by_group)}) of {s['forms_read']} rows "
            f"read; {s['duplicates_collapsed']} typed twice, {s['voided']} voided · "
            f"{s['units']} units, {s['units_with_forms']} with forms</p>",
        ]
        shown = self.problems.head(5)
        if len(shown):
            items = "".join(
                f"<li>{e(p.severity)}: {e(format_problem(p))}</li>"
                for p in shown.itertuples(index=False)
            )
            more = f"<p>… and {len(self.problems) - 5} more</p>" if len(self.problems) > 5 else ""
            lines.append(f"<ul>{items}</ul>{more}")
        tables = ", ".join(
            f"<code>{e(name)}</code> {'—' if rows is None else rows}"
            for name, rows in self._tables().items()
        )
        lines.append(f"<p>tables (rows): {tables}</p>")
        return '<div class="evalstats-validated">' + "".join(lines) + "</div>"


def _html_escape(value) -> str:
    return html.escape(str(value), quote=True)


def _label_or_code(scheme: Scheme, kind: str, code) -> str:
    try:
        return scheme.label(kind, str(code))
    except KeyError:
        return str(code)


def format_summary(validated: ValidatedCycle, *, lang: str = "en") -> str:
    """A short readable summary of a validated cycle (what ``evalstats validate`` prints).

    ``lang="zh"`` writes it in Chinese, with the scheme's Chinese labels of groups and levels
    (the console's default).

    Examples
    --------
    >>> print(format_summary(validate_cycle("data/raw/2026H1"), lang="zh"))  # doctest: +SKIP
    本期 2026H1（方案 ...）
    """
    if check_option("lang", lang, LANGS) == "zh":
        return _summary_zh(validated)
    s = validated.summary()
    lines = [f"cycle {s['cycle']} (scheme {s['scheme']})"]
    for t in validated.inputs.itertuples(index=False):
        where = []
        if isinstance(t.encoding, str):
            where.append(f"encoding {t.encoding}")
        if isinstance(t.sheet, str):
            where.append(f"sheet {t.sheet}")
        if t.header_row is not None and not pd.isna(t.header_row):
            where.append(f"header row {int(t.header_row)}")
        where.append(f"{int(t.rows):,} rows")
        lines.append(f"  {t.table:<13}{t.file} ({', '.join(where)})")
    lines.append(
        f"forms: {s['forms_read']:,} read, {s['duplicates_collapsed']:,} typed twice "
        f"(counted once), {s['voided']:,} voided, {s['forms_counted']:,} counted"
    )
    lines.append("  by group: " + ", ".join(f"{g} {n:,}" for g, n in s["forms_by_group"].items()))
    lines.append("answers: " + ", ".join(f"{k} {n:,}" for k, n in s["answers"].items()))
    lines.append(f"units: {s['units']:,} ({s['units_with_forms']:,} with forms)")
    if validated.identifiers:
        kid = validated.pseudonym_key_id
        what = (
            f"replaced by keyed pseudonyms in column respondent (key id {kid})"
            if kid is not None
            else "dropped (no pseudonym key)"
        )
        lines.append(f"respondent identifiers ({', '.join(validated.identifiers)}): {what}")
    lines.append(f"problems: {s['errors']:,} errors, {s['warnings']:,} warnings")
    return "\n".join(lines)


def _summary_zh(validated: ValidatedCycle) -> str:
    """:func:`format_summary` in Chinese."""
    s = validated.summary()
    scheme = validated.scheme
    group_zh = {g.code: g.label_zh for g in scheme.groups}
    level_zh = {v.code: v.label_zh for v in scheme.levels} | {"blank": "未填"}
    lines = [f"本期 {s['cycle']}（方案 {s['scheme']}）"]
    for t in validated.inputs.itertuples(index=False):
        where = []
        if isinstance(t.encoding, str):
            where.append(f"编码 {t.encoding}")
        if isinstance(t.sheet, str):
            where.append(f"工作表 {t.sheet}")
        if t.header_row is not None and not pd.isna(t.header_row):
            where.append(f"表头在第 {int(t.header_row)} 行")
        where.append(f"{int(t.rows):,} 行")
        lines.append(f"  {WORDS.get(t.table, t.table)}：{t.file}（{'，'.join(where)}）")
    lines.append(
        f"测评表：读入 {s['forms_read']:,} 份，重复录入 {s['duplicates_collapsed']:,} 份"
        f"（只计一次），作废 {s['voided']:,} 份，计入 {s['forms_counted']:,} 份"
    )
    by_group = "，".join(f"{group_zh.get(g, g)} {n:,}" for g, n in s["forms_by_group"].items())
    lines.append(f"  按评议人类别：{by_group}")
    answers = "，".join(f"{level_zh.get(k, k)} {n:,}" for k, n in s["answers"].items())
    lines.append(f"答案：{answers}")
    lines.append(f"单位：{s['units']:,} 个（{s['units_with_forms']:,} 个有测评表）")
    if validated.identifiers:
        kid = validated.pseudonym_key_id
        what = (
            f"已换成带密钥的化名，在 respondent 列（密钥编号 {kid}）"
            if kid is not None
            else "已删除（没有化名密钥）"
        )
        lines.append(f"评议人身份信息（{'、'.join(validated.identifiers)}）：{what}")
    lines.append(f"问题：错误 {s['errors']:,} 个，警告 {s['warnings']:,} 个")
    return "\n".join(lines)


__all__ = ["HasProblems", "ValidatedCycle", "format_summary"]
