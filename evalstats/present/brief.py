"""The leaders' brief (领导简报): one A4 page with the cycle's headline, from the analysis.

What a town's leaders read first and what the office's annual summary quotes: units and forms,
the town's satisfied rate and score with their change since the previous cycle, per series the
top 3 and the 末位 (or "末位不可区分" with the units that share it), vetoes with their reason, the
units that must rectify and why, and the evaluation paragraph in the style of the office's own
summary ("从本期问卷评议情况看，……两方面各有4票不满意，占该项总评议票数的3%……"), with its
denominators named.  Every figure is read from the analysis (``summary`` and its tables): the
brief states what the report states.

:func:`brief` builds a :class:`Brief`; :func:`brief_markdown` is page 1 of the report (the
notebooks display it after the title), :func:`write_brief` writes ``brief.html`` (A4, print
stylesheet) and ``brief.docx`` beside the report.

Examples
--------
>>> b = brief(a)  # doctest: +SKIP
>>> b.title  # doctest: +SKIP
'2026年度政风行风测评结果简报'
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evalstats.core.files import atomic_write_bytes
from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS
from evalstats.present import format as fmt
from evalstats.present.changes import cycle_label
from evalstats.present.names import in_language
from evalstats.present.narrative.text import (
    ALL,
    REQUIRED_TEXT,
    codes_text,
    invalid_levels,
    join_words,
    satisfied_levels,
)
from evalstats.present.report.html import EDITION_MARKS
from evalstats.present.wordpage import (
    east_asian,
    edition_header,
    edition_mark,
    page_number_footer,
)
from evalstats.present.words import veto_sentence

__all__ = [
    "BRIEF_FILES",
    "Brief",
    "SeriesLine",
    "brief",
    "brief_html",
    "brief_markdown",
    "evaluation_paragraph",
    "second_level",
    "write_brief",
]

BRIEF_FILES = ("brief.html", "brief.docx")
"""The files :func:`write_brief` writes into a report folder."""

SERIES_COLUMNS = (("序列", "单位数", "前三名", "末位"), ("Series", "Units", "Top 3", "Last"))


@dataclass(frozen=True)
class SeriesLine:
    """One series of the brief: its label, its top 3 and its 末位 in words."""

    series: str
    units: int
    top3: str
    last: str


@dataclass(frozen=True)
class Brief:
    """The leaders' brief in words (:func:`brief`), ready for any view.

    ``edition`` is the edition's mark (内部资料 / 公开版), ``office`` the issuing office of the
    scheme's ``[letters]`` (``""`` when the scheme leaves it empty) and ``date`` the date in
    words (2026年12月20日): the title block the letters show.
    """

    lang: str
    title: str
    edition: str
    office: str
    date: str
    facts: tuple[str, ...]
    series: tuple[SeriesLine, ...]
    vetoes: tuple[str, ...]
    rectify: tuple[str, ...]
    paragraph: str
    note: str


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _label(a, kind: str, code, lang: str) -> str:
    try:
        return a.scheme.label(kind, str(code), lang)
    except (KeyError, TypeError, ValueError):
        return str(code)


def _unit_names(a, units, lang: str) -> list[str]:
    col = "name" if "name" in a.units else "unit_name"
    names = a.units.set_index("unit")[col]
    return [str(names.get(u, u)) for u in units]


def _title(a, lang: str) -> str:
    if lang == "zh":
        return f"{fmt.cycle_title(a.cycle)}政风行风测评结果简报"
    return f"Conduct evaluation, {fmt.cycle_title(a.cycle, 'en')}: leaders' brief"


def _facts(a, lang: str) -> tuple[str, ...]:
    s = a.summary
    f, town = s["forms"], s["town"]
    level = fmt.confidence_text(s["confidence_level"])
    n_series = len(s["series"])
    units = s["units"]["listed"]
    town_rate = fmt.interval(town["satisfied_ci_low"], town["satisfied_ci_high"], fmt=fmt.percent)
    if lang == "zh":
        forms = f"回收有效测评表 {fmt.count(f['valid'])} 份"
        if f.get("issued") is not None:
            forms += (
                f"（发放 {fmt.count(f['issued'])} 份，回收 {fmt.count(f['returned'])} 份，"
                f"回收率 {fmt.percent(f['response_rate'])}）"
            )
        out = [f"本期测评 {units} 个单位（{n_series} 个序列），{forms}。"]
        out.append(
            f"全镇满意率 {fmt.percent(town['satisfied_rate'])}"
            f"（{level}置信区间 {town_rate}），"
            f"综合得分 {fmt.score(town['score'])}"
            f"（{fmt.interval(town['score_ci_low'], town['score_ci_high'])}）。"
        )
    else:
        forms = f"{fmt.count(f['valid'])} valid forms"
        if f.get("issued") is not None:
            forms += (
                f" ({fmt.count(f['issued'])} issued, {fmt.count(f['returned'])} returned, "
                f"{fmt.percent(f['response_rate'])})"
            )
        out = [f"{units} units in {n_series} series; {forms}."]
        out.append(
            f"Town satisfied rate {fmt.percent(town['satisfied_rate'])} ({level} confidence "
            f"interval {town_rate}), "
            f"score {fmt.score(town['score'])} "
            f"({fmt.interval(town['score_ci_low'], town['score_ci_high'])})."
        )
    change = (s.get("annual") or {}).get("town_change")
    if change:
        out.append(_change_sentence(change, lang))
    return tuple(out)


def _change_sentence(c: dict, lang: str) -> str:
    """The town's change since the earlier cycle, and whether it is a real change."""
    before = cycle_label(c["cycle_before"], lang, with_year=True)
    pts = c["rate_diff"] * 100
    sep = " 至 " if lang == "zh" else " to "
    pts_ci = fmt.interval(
        c["rate_diff_ci_low"] * 100,
        c["rate_diff_ci_high"] * 100,
        fmt=lambda x: fmt.signed(x, 1),
        sep=sep,
    )
    score_ci = fmt.interval(
        c["score_diff_ci_low"], c["score_diff_ci_high"], fmt=fmt.signed, sep=sep
    )
    if lang == "zh":
        way = "上升" if pts >= 0 else "下降"
        rate = f"满意率{way} {fmt.fixed(abs(pts), 1)} 个百分点（置信区间 {pts_ci}）"
        score = (
            f"综合得分{'上升' if c['score_diff'] >= 0 else '下降'} "
            f"{fmt.score(abs(c['score_diff']))} 分"
            f"（置信区间 {score_ci}）"
        )
        real = [c["rate_significant"], c["score_significant"]]
        verdict = (
            "两项都是确实的变化（置信区间不含 0）"
            if all(real)
            else "两项都可能只是抽样波动（置信区间含 0）"
            if not any(real)
            else ("满意率" if real[0] else "得分") + "的变化是确实的，另一项可能只是抽样波动"
        )
        return f"与{before}相比，{rate}，{score}；{verdict}。"
    rate = (
        f"the satisfied rate {'rose' if pts >= 0 else 'fell'} by {fmt.fixed(abs(pts), 1)} "
        "percentage points"
    )
    way = "rose" if c["score_diff"] >= 0 else "fell"
    score = f"the score {way} by {fmt.score(abs(c['score_diff']))}"
    real = [c["rate_significant"], c["score_significant"]]
    verdict = (
        "both are real changes (intervals exclude 0)"
        if all(real)
        else "both may be sampling noise (intervals include 0)"
        if not any(real)
        else "one is a real change, the other may be sampling noise"
    )
    return f"Since {before}, {rate} and {score}; {verdict}."


def _ranked(a) -> pd.DataFrame:
    """The table that decides top 3 and 末位: ``final_grades`` (annual) or ``ranking``."""
    name = "final_grades" if "final_grades" in a.tables else "ranking"
    return a.tables[name]


def _series_lines(a, lang: str) -> tuple[SeriesLine, ...]:
    ranked = _ranked(a)
    sep = "、" if lang == "zh" else ", "
    out = []
    for code, part in a.summary["series"].items():
        label = part["label_zh"] if lang == "zh" else part["label_en"]
        top = sep.join(_unit_names(a, [t["unit"] for t in part["top3"]], lang)) or "—"
        last_items = part["last"]
        if not last_items:
            last = "—"
        elif any(x.get("standing") == "last_not_distinguishable" for x in last_items):
            rows = ranked[(ranked["series"] == code) & ranked["rank"].notna()]
            bottom = rows["rank"].max()
            sharing = rows[rows["rank_high"] >= bottom].sort_values("rank")
            names = sep.join(_unit_names(a, sharing["unit"].tolist(), lang))
            last = _t(
                lang,
                f"末位不可区分：{names}（名次区间都含末位）",
                f"not distinguishable: {names} (each rank interval reaches last)",
            )
        else:
            last = sep.join(_unit_names(a, [x["unit"] for x in last_items], lang))
        out.append(SeriesLine(label, int(part["units"]), top, last))
    return tuple(out)


def _vetoes(a, lang: str) -> tuple[str, ...]:
    out = []
    for v in a.summary.get("vetoed", []):
        name = _unit_names(a, [v["unit"]], lang)[0]
        text = veto_sentence(v, lang=lang, scheme=a.scheme)
        for head in ("一票否决：", "Vetoed: ", "vetoed: "):  # the section says so already
            text = text.removeprefix(head)
        out.append(f"{name}{'：' if lang == 'zh' else ': '}{text}")
    return tuple(out)


def _rectify(a, lang: str) -> tuple[str, ...]:
    units = a.summary.get("rectification_required", [])
    rect = a.tables.get("rectification")
    out = []
    for u in units:
        name = _unit_names(a, [u], lang)[0]
        why = ""
        if rect is not None and "required_because" in rect:
            rows = rect[rect["unit"] == u]
            if len(rows):
                why = codes_text(REQUIRED_TEXT, rows["required_because"].iloc[0], lang, a)
        out.append(
            f"{name}（{why}）" if lang == "zh" and why else f"{name} ({why})" if why else name
        )
    return tuple(out)


def _town_levels(a) -> pd.DataFrame:
    """Town rows of ``levels`` per dimension: ``dimension, level, count, n_all``."""
    lv = a.tables["levels"]
    t = lv[(lv["unit"] == ALL) & (lv["series"] == ALL) & (lv["dimension"] != ALL)].copy()
    t["n_all"] = t.groupby("dimension")["count"].transform("sum")
    return t


def evaluation_paragraph(a, *, lang: str = "zh") -> str:
    """The evaluation paragraph of the office's annual summary, from the data.

    Which dimensions did well (satisfied rate at or above the median of the dimensions), the
    dissatisfied votes of the others with their share of that dimension's votes, the share of
    比较满意 per dimension, and the comments received (by kind where the ``comments`` table has
    a ``kind`` column).  The denominators are named: *votes* of a dimension are every answer
    given on it, 不了解 and blanks included, as the office's summary counts them.

    Examples
    --------
    >>> evaluation_paragraph(a)[:12]  # doctest: +SKIP
    '从本期问卷评议情况看，全镇在'
    """
    a = in_language(a, lang)
    lang = check_option("lang", lang, LANGS)
    t = _town_levels(a)
    scheme = a.scheme
    dims = [d for d in scheme.dimension_codes if d in set(t["dimension"])]
    sat = {v.code for v in scheme.levels if v.satisfied}
    dis = set(scheme.rules.dissatisfied_levels)
    second = second_level(scheme)  # 比较满意 in the default scheme
    rates, n_dis, share_dis, share_fair, n_all = {}, {}, {}, {}, {}
    for d in dims:
        part = t[t["dimension"] == d]
        valid = part[part["rate"].notna()]
        sat_rows = valid[valid["level"].isin(sat)]
        rates[d] = float(sat_rows["count"].sum() / max(valid["count"].sum(), 1))
        dis_rows = part[part["level"].isin(dis)]
        n_dis[d] = int(dis_rows["count"].sum())
        n_all[d] = int(part["n_all"].iloc[0]) if len(part) else 0
        share_dis[d] = n_dis[d] / n_all[d] if n_all[d] else np.nan
        fair = part[part["level"] == second.code]
        share_fair[d] = float(fair["count"].sum() / n_all[d]) if n_all[d] else np.nan
    median = float(np.median(list(rates.values()))) if rates else np.nan
    good = [d for d in dims if rates[d] >= median]
    weaker = [d for d in dims if rates[d] < median]
    label = lambda d: _label(a, "dimensions", d, lang)  # noqa: E731
    comments = _comment_counts(a)
    if lang == "zh":
        parts = [
            f"从本期问卷评议情况看，全镇在{join_words([label(d) for d in good], lang)}"
            f"{_zh_count(len(good))}方面比较好（满意率"
            f"{'、'.join(fmt.percent(rates[d]) for d in good)}）"
        ]
        if weaker:
            votes = "；".join(
                f"{label(d)}不满意 {n_dis[d]} 票，占该项总评议票数 {fmt.count(n_all[d])} 票的"
                f"{fmt.percent(share_dis[d])}"
                for d in weaker
            )
            parts.append(f"；{votes}")
        fair_vals = [share_fair[d] for d in dims if not np.isnan(share_fair[d])]
        if fair_vals:
            lo, hi = min(fair_vals), max(fair_vals)
            parts.append(
                f"；{len(dims)}个评议内容中“{second.label('zh')}”各占该项总评议票数的 "
                f"{fmt.interval(lo, hi, fmt=fmt.percent)}"
            )
        parts.append(f"。{comments['zh']}")
        return "".join(parts)
    parts = [
        f"The town did best on {join_words([label(d) for d in good], lang)} "
        f"(satisfied {', '.join(fmt.percent(rates[d]) for d in good)})"
    ]
    if weaker:
        parts.append(
            "; "
            + "; ".join(
                f"{label(d)} had {n_dis[d]} dissatisfied votes, {fmt.percent(share_dis[d])} of its "
                f"{fmt.count(n_all[d])} votes"
                for d in weaker
            )
        )
    parts.append(f". {comments['en']}")
    return "".join(parts)


def second_level(scheme):
    """The valid level just below the scheme's top box (比较满意 in the bundled scheme): the
    level the office's summary quotes the share of.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> second_level(load_scheme()).label("zh")
    '比较满意'
    """
    valid = [v for v in scheme.levels if v.valid]
    codes = [v.code for v in valid]
    top = codes.index(scheme.rules.top_box_level)
    return valid[min(top + 1, len(valid) - 1)]


def _zh_count(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def _comment_counts(a) -> dict:
    """The comments received, by kind where the table has them.  The public edition withholds
    the comments table, not the fact of them: its count comes from the summary."""
    c = a.tables.get("comments")
    if c is None:  # the public edition holds no comments table, only their number
        n = int(a.summary.get("comments", 0) or 0)
        if n:
            return {
                "zh": f"收到意见建议 {n} 条（原文不对外公布，已转交各单位）。",
                "en": f"{n} comments were received (not quoted in the public edition; "
                "passed on to the units).",
            }
    n = 0 if c is None else len(c)
    if n == 0:
        return {"zh": "本期未收到意见建议。", "en": "No comments were received."}
    if c is not None and "comment_kind" in c:
        counts = c["comment_kind"].astype(str).value_counts()
        order = [k.code for k in a.scheme.comment_kinds]
        keys = [k for k in order if k in counts.index]
        keys += [k for k in counts.index if k not in order]
        label = {k.code: (k.label_zh, k.label_en.lower()) for k in a.scheme.comment_kinds}
        parts_zh = [f"{label.get(k, (k, k))[0]} {counts[k]} 条" for k in keys]
        parts_en = [f"{counts[k]} {label.get(k, (k, k))[1]}" for k in keys]
        return {
            "zh": f"收到意见建议 {n} 条，其中{'、'.join(parts_zh)}。",
            "en": f"{n} comments were received ({', '.join(parts_en)}).",
        }
    return {"zh": f"收到意见建议 {n} 条。", "en": f"{n} comments were received."}


def brief(a, *, lang: str = "zh", date=None) -> Brief:
    """The leaders' brief of an analysis (:class:`Brief`).

    Parameters
    ----------
    a : Analysis
        A half-year or annual analysis (:mod:`evalstats.analyses.cycle`).
    lang : {"zh", "en"}
    date : date or str, optional
        The brief's date (``YYYY-MM-DD``); default the scheme's ``[letters] date``, else today
        (:func:`evalstats.present.format.document_date`, as the letters are dated).

    Returns
    -------
    Brief

    Examples
    --------
    >>> b = brief(a)  # doctest: +SKIP
    >>> [s.last for s in b.series][:1]  # doctest: +SKIP
    ['综治办']
    """
    a = in_language(a, lang)
    lang = check_option("lang", lang, LANGS)
    tier = a.summary.get("tier", "internal")
    edition = edition_mark(tier if tier in EDITION_MARKS else "internal", lang=lang)
    settings = a.scheme.letters.in_language(lang)
    day = fmt.date_text(fmt.document_date(date, settings=settings), lang)
    sat, unknown = satisfied_levels(a, lang), invalid_levels(a, lang)
    note = _t(
        lang,
        f"注：满意率为{sat}票数占有效票数（不含{unknown}和未填写）的比例；"
        f"某项的总评议票数为该项全部答案（含{unknown}和未填写）。置信区间为 "
        f"{fmt.confidence_text(a.summary['confidence_level'])}。得分保留两位小数、比例保留一位小数，"
        "名次和等次按未舍入的数值确定。",
        f"Note: the satisfied rate is the share of {sat} answers among valid answers "
        f"({unknown} and blanks excluded); a dimension's votes are all answers "
        "given on it. Scores to 2 decimals, rates to 1; ranks and grades are decided on "
        "unrounded values.",
    )
    return Brief(
        lang=lang,
        title=_title(a, lang),
        edition=edition,
        office=settings.office.strip(),
        date=day,
        facts=_facts(a, lang),
        series=_series_lines(a, lang),
        vetoes=_vetoes(a, lang),
        rectify=_rectify(a, lang),
        paragraph=evaluation_paragraph(a, lang=lang),
        note=note,
    )


def _sections(b: Brief) -> list[tuple[str, list[str] | None, list[SeriesLine] | None]]:
    z = b.lang == "zh"
    none = "无" if z else "none"
    return [
        ("一、基本情况" if z else "1. Overview", list(b.facts), None),
        ("二、各序列前三名与末位" if z else "2. Top 3 and last per series", None, list(b.series)),
        ("三、一票否决" if z else "3. Vetoes", list(b.vetoes) or [none], None),
        ("四、须整改单位" if z else "4. Units that must rectify", list(b.rectify) or [none], None),
        ("五、测评评价" if z else "5. Evaluation", [b.paragraph], None),
    ]


def brief_markdown(b: Brief) -> str:
    """The brief as Markdown: page 1 of the report (data text HTML-escaped)."""
    e = html.escape
    z = b.lang == "zh"
    lines = ["## " + ("领导简报" if z else "Leaders' brief"), ""]
    for head, items, series in _sections(b):
        lines += [f"### {head}", ""]
        if series is not None:
            cols = ("序列", "前三名", "末位") if z else ("Series", "Top 3", "Last")
            lines += [f"| {' | '.join(cols)} |", "|---|---|---|"]
            lines += [f"| {e(s.series)} | {e(s.top3)} | {e(s.last)} |" for s in series]
        elif len(items) == 1:
            lines.append(e(items[0]))
        else:
            lines += [f"- {e(x)}" for x in items]
        lines.append("")
    lines.append(f"<small>{e(b.note)}</small>")
    lines.append('\n<div class="evalstats-page-end"></div>')  # the brief is page 1 in print
    return "\n".join(lines)


CSS = """
@page { size: A4; margin: 18mm 16mm 16mm 16mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
       font-size: 11pt; line-height: 1.55; color: #000; max-width: 178mm; margin: 0 auto; }
h1 { font-size: 17pt; text-align: center; margin: 0 0 2mm 0; }
.edition { font-size: 11pt; font-weight: bold; margin-bottom: 3mm; }
.issued { text-align: center; font-size: 10.5pt; margin: 0 0 5mm 0; }
h2 { font-size: 12pt; margin: 4mm 0 1mm 0; }
p, li { margin: 0 0 1mm 0; }
ul { margin: 0; padding-left: 6mm; }
table { border-collapse: collapse; width: 100%; font-size: 10.5pt; }
th, td { border: 1px solid #555; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: #eee; }
.note { font-size: 9pt; color: #333; margin-top: 4mm; }
"""


def _issued(b: Brief) -> str:
    """The title block's second line: the issuing office (when the scheme names one) and the
    date, as the letters sign them."""
    return fmt.issued_line(b.office, b.date, b.lang)


def brief_html(b: Brief) -> str:
    """The brief as a standalone HTML page that prints on one A4 sheet."""
    e = html.escape
    z = b.lang == "zh"
    body = [f'<div class="edition">{e(b.edition)}</div>', f"<h1>{e(b.title)}</h1>"]
    body.append(f'<p class="issued">{e(_issued(b))}</p>')
    for head, items, series in _sections(b):
        body.append(f"<h2>{e(head)}</h2>")
        if series is not None:
            cols = SERIES_COLUMNS[0 if z else 1]
            body.append(
                "<table><thead><tr>"
                + "".join(f"<th>{c}</th>" for c in cols)
                + "</tr></thead><tbody>"
                + "".join(
                    f"<tr><td>{e(s.series)}</td><td>{s.units}</td><td>{e(s.top3)}</td>"
                    f"<td>{e(s.last)}</td></tr>"
                    for s in series
                )
                + "</tbody></table>"
            )
        elif len(items) == 1:
            body.append(f"<p>{e(items[0])}</p>")
        else:
            body.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in items) + "</ul>")
    body.append(f'<p class="note">{e(b.note)}</p>')
    lang = "zh-CN" if z else "en"
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{e(b.title)}</title><style>{CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )


def _docx_bytes(b: Brief) -> bytes:
    import io

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(2.2), Cm(2)
    sec.left_margin = sec.right_margin = Cm(2.2)
    sec.header_distance, sec.footer_distance = Cm(1.2), Cm(1)
    edition_header(sec, b.edition)  # every printed page, as the letters
    page_number_footer(sec, size=10.5)
    z = b.lang == "zh"

    def font(run, size, bold=False, east="仿宋"):
        run.font.size = Pt(size)
        run.font.bold = bold
        east_asian(run, east)

    p = doc.add_paragraph()  # the title block: edition, title, office and date
    font(p.add_run(b.edition), 12, False, "黑体")
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(p.add_run(b.title), 18, True, "黑体")
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(6)
    font(p.add_run(_issued(b)), 12)
    for head, items, series in _sections(b):
        p = doc.add_paragraph()
        p.paragraph_format.space_before = Pt(6)
        p.paragraph_format.keep_with_next = True
        font(p.add_run(head), 13, True, "黑体")
        if series is not None:
            cols = SERIES_COLUMNS[0 if z else 1]
            table = doc.add_table(rows=1, cols=4)
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, cols, strict=True):
                font(cell.paragraphs[0].add_run(text), 10.5, True, "黑体")
            for s in series:
                cells = table.add_row().cells
                for cell, text in zip(cells, (s.series, str(s.units), s.top3, s.last), strict=True):
                    font(cell.paragraphs[0].add_run(text), 10.5)
            table.autofit = False
            widths = [Cm(w) for w in (2.4, 1.5, 8.6, 4.1)]
            for column, width in zip(table.columns, widths, strict=True):
                column.width = width  # the grid, which LibreOffice reads
            for row in table.rows:  # the cells, which Word reads
                for cell, width in zip(row.cells, widths, strict=True):
                    cell.width = width
            continue
        for x in items:
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(22) if z else None
            font(p.add_run(x), 12)
    p = doc.add_paragraph()
    font(p.add_run(b.note), 9)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_brief(a, output_dir, *, lang: str = "zh", date=None) -> list[Path]:
    """Write ``brief.html`` and ``brief.docx`` of analysis ``a`` into ``output_dir``.

    ``date`` as for :func:`brief`.  The Word brief carries the edition's mark at the top right
    of every page and the page number at the foot (:mod:`evalstats.present.wordpage`).

    Examples
    --------
    >>> [p.name for p in write_brief(a, "out")]  # doctest: +SKIP
    ['brief.html', 'brief.docx']
    """
    from evalstats.core.config import resolve_path

    b = brief(a, lang=lang, date=date)
    out = resolve_path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path, docx_path = out / BRIEF_FILES[0], out / BRIEF_FILES[1]
    atomic_write_bytes(html_path, brief_html(b).encode("utf-8"))
    atomic_write_bytes(docx_path, _docx_bytes(b))
    return [html_path, docx_path]
