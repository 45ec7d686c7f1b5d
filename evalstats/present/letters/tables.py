"""The letter's tables as strings (:func:`table_frame`: this is where the letter rounds — scores
to two decimals, rates as percentages to one decimal, probabilities to two decimals) and as a
Styler for the notebook (:func:`table`).  The Word letter prints the same strings.

Examples
--------
>>> from evalstats.present.letters import table_frame
>>> table_frame(p, "headline", "en")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from evalstats.core.options import check_option
from evalstats.core.text import document_text
from evalstats.core.vocab import LANGS
from evalstats.present import format as _format
from evalstats.present import labels as _labels
from evalstats.present.letters.text import (
    SUPPRESS_REASON,
    TABLES,
    VERDICT,
    lang_index,
    rank_text,
)
from evalstats.present.narrative import (  # one set
    join_words,
    scheme_label,
)

# numbers: the one formatter (evalstats.present.format)
_missing = _format.is_missing
_score = _format.score
_signed = _format.signed
_pct = _format.percent
_prob = _format.probability
_int = _format.count
_p = _format.pvalue
_level = _format.confidence_text


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _headline_frame(p, lang):
    i = lang_index(lang)
    h = p.headline.iloc[0]
    k = ("项目", "Item")[i]
    v = ("结果", "Result")[i]
    grade = scheme_label(p, "grades", h["grade"], lang) if not _missing(h["grade"]) else "—"
    standing = str(h["standing"]) if not _missing(h["standing"]) else ""
    if _missing(h["rank"]):
        rank = ("—（一票否决）", "— (vetoed)")[i] if bool(h["veto"]) else "—"
    else:
        n = int(h["n_ranked"])
        rank = (f"第{int(h['rank'])}名（共{n}个单位）", f"{int(h['rank'])} of {n}")[i]
    score = "composite_year" if len(p.year) else "composite"
    rows = [
        (_labels.column_label("series", lang), scheme_label(p, "series", p.series, lang)),
        (("有效测评表", "Valid forms")[i], _int(h["n_forms"])),
        (_labels.column_label(score, lang), _score(h["composite"])),
        (
            _labels.column_label(score, lang)
            + (f"（{_level(h['confidence_level'])}置信区间）", " (confidence interval)")[i],
            _format.interval(h["composite_ci_low"], h["composite_ci_high"]),
        ),
        (("序列内名次", "Rank in series")[i], rank),
        (("名次区间", "Rank interval")[i], rank_text(h["rank_low"], h["rank_high"], lang)),
        (_labels.column_label("p_last", lang), _prob(h["p_last"])),
        (
            _labels.column_label("standing", lang),
            _labels.value_label("standing", standing, scheme=p.scheme, lang=lang)
            if standing
            else "—",
        ),
        (_labels.column_label("grade", lang), grade),
        (
            _labels.column_label("veto", lang),
            _labels.BOOL_LABELS[bool(h["veto"])][i],
        ),
    ]
    if len(p.year):  # the row is the year's: say what it combines
        y = p.year.iloc[0]
        rows[2:2] = [
            (_labels.column_label("composite_h1", lang), _score(y["composite_h1"])),
            (_labels.column_label("composite_annual", lang), _score(y["composite_annual"])),
            (
                ("权重（上半年 / 年终）", "Weights (half-year / year-end)")[i],
                f"{_level(y['weight_half_year'])} / {_level(y['weight_annual'])}",
            ),
        ]
    return pd.DataFrame(rows, columns=[k, v], dtype=object)


def _dimensions_frame(p, lang):
    i = lang_index(lang)
    d = p.dimensions
    groups = [g for g in p.scheme.group_codes if g in set(d["group"])]
    sizes = d[d["group"] != "all"].groupby("group")["n_forms"].max()
    heads = {g: f"{scheme_label(p, 'groups', g, lang)} (n={_int(sizes.get(g))})" for g in groups}
    dims = [*p.scheme.dimension_codes, "all"]
    rows = []
    for dim in dims:  # one row per dimension: formatting only
        part = d[d["dimension"] == dim].set_index("group")
        if "all" not in part.index:
            continue
        a = part.loc["all"]
        row = {
            _labels.column_label("dimension", lang): (
                scheme_label(p, "dimensions", dim, lang) if dim != "all" else ("合计", "All")[i]
            ),
            _labels.column_label("weighted_score", lang): _score(a["weighted_score"]),
            ("置信区间", "Confidence interval")[i]: _format.interval(
                a["weighted_score_ci_low"], a["weighted_score_ci_high"]
            ),
            ("序列中位数", "Series median")[i]: _score(a["weighted_score_series_median"]),
        }
        for g in groups:
            if dim == "all":  # no group row pools the dimensions: nothing to show
                row[heads[g]] = ""
            else:
                row[heads[g]] = _score(part.loc[g, "score"]) if g in part.index else "—"
        rows.append(row)
    return pd.DataFrame(rows, dtype=object)


def _levels_frame(p, lang):
    i = lang_index(lang)
    lv = p.levels
    valid = [v.code for v in p.scheme.levels if v.valid]
    invalid = [v.code for v in p.scheme.levels if not v.valid]
    rows = []
    for dim in [*p.scheme.dimension_codes, "all"]:
        part = lv[lv["dimension"] == dim].set_index("level")
        if not len(part):
            continue
        row = {
            _labels.column_label("dimension", lang): (
                scheme_label(p, "dimensions", dim, lang) if dim != "all" else ("合计", "All")[i]
            )
        }
        for c in valid:
            row[scheme_label(p, "levels", c, lang)] = _pct(part["rate"].get(c))
        for c in invalid:
            row[scheme_label(p, "levels", c, lang) + ("（票）", " (n)")[i]] = _int(
                part["count"].get(c)
            )
        row[("未填写（票）", "Blank (n)")[i]] = _int(part["count"].get("blank", 0))
        row[_labels.column_label("n_valid", lang)] = _int(part["n_valid"].iloc[0])
        rows.append(row)
    return pd.DataFrame(rows, dtype=object)


def _changes_frame(p, lang):
    i = lang_index(lang)
    ch = p.changes
    if not len(ch):
        return pd.DataFrame()
    yes, no = _labels.BOOL_LABELS[True][i], _labels.BOOL_LABELS[False][i]
    rows = []
    for r in ch.itertuples(index=False):
        rows.append(
            {
                _labels.column_label("dimension", lang): scheme_label(
                    p, "dimensions", r.dimension, lang
                ),
                ("上期得分", "Score before")[i]: _score(r.score_before),
                ("本期得分", "Score now")[i]: _score(r.score_after),
                ("变化", "Change")[i]: _signed(r.score_diff),
                ("置信区间", "Confidence interval")[i]: _format.interval(
                    r.score_diff_ci_low, r.score_diff_ci_high
                ),
                ("校正P值", "Adjusted p")[i]: _p(r.score_pvalue_adjusted),
                ("校正后显著", "Significant")[i]: (
                    "—" if _missing(r.score_significant) else (yes if r.score_significant else no)
                ),
            }
        )
    return pd.DataFrame(rows, dtype=object)


def _rectification_frame(p, lang):
    i = lang_index(lang)
    r = p.rectification
    if not len(r):
        return pd.DataFrame()
    yes, no = _labels.BOOL_LABELS[True][i], _labels.BOOL_LABELS[False][i]
    rows = []
    for row in r.itertuples(index=False):
        rows.append(
            {
                ("上期薄弱项", "Weak before")[i]: scheme_label(
                    p, "dimensions", row.dimension, lang
                ),
                ("上期加权得分", "Weighted score before")[i]: _score(row.weighted_score),
                ("本期加权得分", "Weighted score now")[i]: _score(row.weighted_score_after),
                ("测评得分变化", "Score change")[i]: _signed(row.score_diff),
                ("置信区间", "Confidence interval")[i]: _format.interval(
                    row.score_diff_ci_low, row.score_diff_ci_high
                ),
                ("结论", "Verdict")[i]: VERDICT.get(str(row.verdict), (row.verdict,) * 2)[i],
                ("本期仍为薄弱项", "Still weak")[i]: yes if row.still_weak else no,
            }
        )
    return pd.DataFrame(rows, dtype=object)


def _comments_frame(p, lang):
    i = lang_index(lang)
    c = p.comments
    if not len(c):
        return pd.DataFrame()
    out = {}
    if p.tier != "public":
        out[_labels.column_label("group", lang)] = [
            scheme_label(p, "groups", g, lang) for g in c["group"].astype(str)
        ]
    out[("意见建议", "Comment")[i]] = [" ".join(str(t).split()) for t in c["comment"]]
    out[("评为不满意的项目", "Rated dissatisfied")[i]] = [
        join_words([scheme_label(p, "dimensions", d, lang) for d in str(s).split(";") if d], lang)
        for s in c["dissatisfied_dimensions"]
    ]
    return pd.DataFrame(out, dtype=object)


def _quality_frame(p, lang):
    i = lang_index(lang)
    q = p.quality
    if not len(q):
        return pd.DataFrame()
    return pd.DataFrame(
        {
            ("检查", "Check")[i]: [
                _labels.value_label("check", c, scheme=p.scheme, lang=lang)
                for c in q["check"].astype(str)
            ],
            ("说明", "Details")[i]: q["reason_zh" if i == 0 else "reason"].astype(str).tolist(),
        },
        dtype=object,
    )


def _suppressed_frame(p, lang):
    i = lang_index(lang)
    s = p.suppressed
    if not len(s):
        return pd.DataFrame()
    return pd.DataFrame(
        {
            _labels.column_label("group", lang): [
                scheme_label(p, "groups", g, lang) if g != "all" else ("合计", "All")[i]
                for g in s["group"].astype(str)
            ],
            _labels.column_label("dimension", lang): [
                scheme_label(p, "dimensions", d, lang) if d != "all" else ("合计", "All")[i]
                for d in s["dimension"].astype(str)
            ],
            ("评议人数", "Respondents")[i]: [_int(n) for n in s["n_forms"]],
            ("原因", "Reason")[i]: [
                SUPPRESS_REASON.get(r, (r, r))[i] for r in s["reason"].astype(str)
            ],
        },
        dtype=object,
    )


_FRAMES = {
    "headline": _headline_frame,
    "dimensions": _dimensions_frame,
    "levels": _levels_frame,
    "changes": _changes_frame,
    "rectification": _rectification_frame,
    "comments": _comments_frame,
    "quality": _quality_frame,
    "suppressed": _suppressed_frame,
}


def table_frame(profile, name: str, lang: str = "zh") -> pd.DataFrame:
    """A table of the letter as strings with labelled headers (empty when there is nothing).

    Scores are shown to two decimals, rates as percentages to one decimal, probabilities to two
    decimals, withheld and missing numbers as "—" (:func:`evalstats.present.labels.rounding_note`).
    Text holds no control character, bidi override or zero-width mark
    (:func:`evalstats.core.text.document_text`).
    """
    lang = LANGS[lang_index(lang)]
    name = check_option("name", name, TABLES)
    frame = _FRAMES[name](profile, lang)
    # free text (a comment) without control characters, bidi overrides or zero-width marks
    return frame.map(lambda v: document_text(v) if isinstance(v, str) else v)


class _Note(str):
    def _repr_markdown_(self) -> str:
        return str(self)


def table(profile, name: str, lang: str = "zh"):
    """A table of the letter for the notebook: a Styler (text HTML-escaped, no index), or an
    empty note when there is nothing to show."""
    frame = table_frame(profile, name, lang)
    if not len(frame):
        return _Note("")
    digest = hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()[:12]
    styler = frame.style
    styler.set_uuid(f"letter{digest}")
    styler = styler.hide(axis="index").format(escape="html", na_rep="—")
    styler = styler.format_index(escape="html", axis=1)
    styler.set_table_attributes('class="evalstats-table"')
    styler.set_table_styles(
        [{"selector": "td.col0, th.col_heading.col0", "props": "text-align: left;"}],
        overwrite=True,
    )
    return styler


def write_letter_row(profile, path) -> Path:
    """Write the figures the letter states — the unit's row of
    :func:`evalstats.analyses.profile.letters_table` (:attr:`UnitProfile.letter`) — as a CSV.

    The letters batch gathers every unit's row into ``letters/letters.csv``; the row is the one
    the letter's sentences quote, so the file and the letters cannot disagree.

    Examples
    --------
    >>> write_letter_row(prof, "out/letter.csv")  # doctest: +SKIP
    PosixPath('.../out/letter.csv')
    """
    from evalstats.present.report import write_csv

    return write_csv(profile.letter, path)


__all__ = [
    "table",
    "table_frame",
    "write_letter_row",
]
