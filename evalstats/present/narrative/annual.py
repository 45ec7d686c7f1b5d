"""Narrative sections of the annual report only: how the year is combined, the final grades,
changes since the half-year, rank movement, the half-year's weak units followed up, and the
units rated in one cycle only.

Examples
--------
>>> from evalstats.present.narrative import year_result
>>> print(year_result(a, "zh"))  # doctest: +SKIP
"""

from __future__ import annotations

from evalstats.present import format as _format
from evalstats.present.changes import describe_changes
from evalstats.present.names import in_language
from evalstats.present.narrative.text import (
    REQUIRED_TEXT,
    VERDICT_TEXT,
    bullets,
    check_lang,
    codes_text,
    compose,
    cycle_text,
    dims_text,
    escape,
    join_words,
    scheme_label,
    unit_label,
)

# numbers: the one formatter (evalstats.present.format)
_score = _format.score
_pct = _format.percent
_int = _format.count
_n = _format.count_words
_level = _format.confidence_text


def year_result(a, lang: str = "zh") -> str:
    """How the annual result is combined from the two cycles (weights stated)."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    w = a.summary["annual"]["period_weights"]
    h, y = a.options["half_year_cycle"], a.cycle
    hl, yl = cycle_text(a, h, lang), cycle_text(a, y, lang)
    cap = escape(scheme_label(a, "grades", a.scheme.rules.last_grade_cap, lang))
    wh, wa = _format.weight(w["half_year"]), _format.weight(w["annual"])
    if lang == "zh":
        text = (
            f"年度综合得分 = {hl}测评的综合得分 × {wh} + 年终测评的综合得分 × {wa}。"
            "这一权重是测评方案的设定，可以在方案中修改。"
            "年度的名次、等次和一票否决都按年度综合得分判定；全年任何时间发生的否决事项都计入；"
            f"年度末位单位的等次最高为{cap}。"
            "只参加了一期测评的单位按其参加的那一期计算（权重 100%）。"
        )
    else:
        text = (
            f"The year composite = composite of {hl} × {wh} + composite of "
            f"the year end ({yl}) × {wa}. These weights are a setting of the "
            "scheme and can be changed there. Rank, grade and veto "
            "of the year are decided on the year composite; an incident at any time of the "
            f"year vetoes; the year's last unit is graded at most {cap.lower()}. A unit rated "
            "in one cycle only is judged on that cycle (weight 100%)."
        )
    return compose(a, "year", lang, text)


def final_grades(a, lang: str = "zh") -> str:
    """The grades of the year (the table that goes to the assessment of staff)."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    g = a.summary["grades"]
    parts = [
        f"{escape(scheme_label(a, 'grades', code, lang))} {n} 个"
        if lang == "zh"
        else f"{escape(scheme_label(a, 'grades', code, lang)).lower()} {n}"
        for code, n in g.items()
    ]
    n = sum(g.values())
    text = (
        f"{n} 个单位的年度等次：{join_words(parts, lang)}。等次按未经舍入的年度综合得分确定。"
        if lang == "zh"
        else f"Grades of the {n} units: {join_words(parts, lang)}. Grades are decided on the "
        "unrounded year composites."
    )
    return compose(a, "final_grades", lang, text)


def changes(a, lang: str = "zh") -> str:
    """Changes per unit and dimension since the half-year (adjusted tests)."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    c = a.tables["comparison"]
    sc = a.summary["annual"]["significant_changes"]
    tested = int(c["score_pvalue"].notna().sum())
    level = _level(a.options["confidence_level"])
    # rows estimated from one design of both cycles (respondents who answered in both)
    joint = int((c["score_test"].astype(str) == "design-t").sum())
    if lang == "zh":
        both = (
            f"其中 {joint} 项有同一批评议人两期都参加，改用两期合并设计的 t 区间和检验；"
            if joint
            else ""
        )
        intro = (
            f"逐单位逐项比较年终与上半年（共 {tested} 项）：满意率差值用 Newcombe "
            f"{level} 置信区间，"
            f"得分差值用 Welch t 区间；{both}p 值经 Holm 法校正。校正后满意率显著上升 "
            f"{sc['rate_up']} 项、下降 {sc['rate_down']} 项；得分显著上升 {sc['score_up']} 项、"
            f"下降 {sc['score_down']} 项。"
        )
    else:
        both = (
            f"; {joint} of them, where the same respondents answered in both cycles, use t "
            "intervals and tests of one design of both cycles"
            if joint
            else ""
        )
        intro = (
            f"Year end against the half-year, per unit and dimension ({tested} comparisons): "
            f"Newcombe {level} intervals for the satisfied rate, Welch t intervals for the "
            f"score{both}; p-values Holm-adjusted. After adjustment the satisfied rate rose "
            f"significantly in {sc['rate_up']} and fell in {sc['rate_down']}; the score rose "
            f"in {sc['score_up']} and fell in {sc['score_down']}."
        )
    units = a.tables["final_grades"][["unit", "unit_name"]].rename(columns={"unit_name": "name"})
    lines = []
    for metric in ("score", "rate"):
        sig = c[c[f"{metric}_significant"].fillna(False).astype(bool)]
        if len(sig):
            text = describe_changes(sig, lang=lang, metric=metric, scheme=a.scheme, units=units)
            lines.extend(escape(x) for x in text)
    shown = (
        "下表列出得分变化区间不含 0 的单项（未经校正，仅供关注），"
        "“得分变化显著”一栏为校正后的结论。"
        if lang == "zh"
        else "The table lists the unit × dimensions whose score-change interval excludes 0 "
        "(unadjusted, for attention); the last column gives the adjusted verdict."
    )
    if not lines:
        none = (
            "单项的变化在多重比较校正后都不显著：单位单项的样本较小，单项变化要很大才能确认。"
            if lang == "zh"
            else "No single change survives the adjustment: per unit and dimension the samples "
            "are small, so only large changes can be confirmed."
        )
        return compose(a, "changes", lang, intro, none, shown)
    return compose(a, "changes", lang, intro, bullets(lines), shown)


def movement(a, lang: str = "zh") -> str:
    """Largest rank movements from the half-year to the year end."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    m = a.tables["rank_movement"]
    moved = m[m["movement"].notna()].copy()
    moved["movement"] = moved["movement"].astype(int)
    up = moved[moved["movement"] > 0].sort_values("movement", ascending=False).head(3)
    down = moved[moved["movement"] < 0].sort_values("movement").head(3)

    def fmt(r):
        if lang == "zh":
            return f"{unit_label(r, lang)}（{_int(r.rank_before)} → {_int(r.rank_after)}）"
        return f"{unit_label(r, lang)} ({_int(r.rank_before)} → {_int(r.rank_after)})"

    ups = join_words([fmt(r) for r in up.itertuples(index=False)], lang)
    downs = join_words([fmt(r) for r in down.itertuples(index=False)], lang)
    if lang == "zh":
        text = (
            "比较上半年和年终两次测评各自的序列内名次。"
            f"名次上升最多：{ups or '无'}；下降最多：{downs or '无'}。"
            "名次本身有抽样误差（见名次区间），相邻名次的互换不一定说明真实变化。"
        )
    else:
        text = (
            "Ranks within series in the half-year and in the year-end evaluation, each on its "
            f"own forms. Largest rises: {ups or 'none'}; largest falls: {downs or 'none'}. "
            "Ranks carry sampling error (see the rank intervals): neighbours swapping places "
            "need not be a real change."
        )
    return compose(a, "movement", lang, text)


def followup(a, lang: str = "zh") -> str:
    """Whether each of the half-year's weak units improved."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    f = a.tables["weak_units_followup"]
    h = cycle_text(a, a.options["half_year_cycle"], lang)
    level = _level(a.options["confidence_level"])
    if not len(f):
        return compose(
            a,
            "followup",
            lang,
            f"{h}没有须整改的单位。" if lang == "zh" else f"No unit had to rectify in {h}.",
        )
    if lang == "zh":
        intro = (
            f"{h}须整改的 {len(f)} 个单位，比较其年终与上半年的综合得分（{level} 置信区间）："
            "区间全在 0 以上为“有所改善”，全在 0 以下为“有所下降”，跨 0 为“变化不明显”。"
            "每个单位单独判断；"
            "若要同时断言多个单位都改善了，应看表中 Holm 校正后的 p 值。"
        )
    else:
        intro = (
            f"For the {_n(len(f), 'unit')} that had to rectify in {h}, the year-end composite "
            f'against the half-year\'s ({level} interval): wholly above 0 reads "improved", '
            'wholly below "declined", across 0 "no clear change". Each unit is judged on its '
            "own; for a claim about all of them at once use the Holm-adjusted p-values in the "
            "table."
        )
    lines = []
    for r in f.itertuples(index=False):
        verdict = VERDICT_TEXT.get(r.verdict, (r.verdict, r.verdict))[0 if lang == "zh" else 1]
        why = codes_text(REQUIRED_TEXT, r.weak_because, lang, a)
        if r.verdict == "absent":
            lines.append(
                f"{unit_label(r, lang)}（{why}）：{verdict}。"
                if lang == "zh"
                else f"{unit_label(r, lang)} ({why}): {verdict}."
            )
            continue
        d = float(r.composite_diff)
        if lang == "zh":
            word = "提高" if d > 0 else "降低"
            text = (
                f"{unit_label(r, lang)}（上半年{why}）：综合得分 {_score(r.composite_h1)} → "
                f"{_score(r.composite_annual)}，{word} {_score(abs(d))} 分（{level} 置信区间 "
                f"{_score(r.composite_diff_ci_low)} 至 {_score(r.composite_diff_ci_high)}），"
                f"{verdict}"
            )
            if r.weak_dimensions_h1:
                text += f"；上半年薄弱项：{dims_text(a, r.weak_dimensions_h1, lang)}"
                text += (
                    f"，其中得分明显回升的：{dims_text(a, r.weak_dimensions_improved, lang)}"
                    if r.weak_dimensions_improved
                    else ""
                )
            text += (
                f"；年终薄弱项：{dims_text(a, r.weak_dimensions_annual, lang)}。"
                if r.weak_dimensions_annual
                else "；年终无薄弱项。"
            )
        else:
            word = "up" if d > 0 else "down"
            text = (
                f"{unit_label(r, lang)} ({why} at the half-year): composite "
                f"{_score(r.composite_h1)} → {_score(r.composite_annual)}, {word} "
                f"{_score(abs(d))} ({level} CI {_score(r.composite_diff_ci_low)} to "
                f"{_score(r.composite_diff_ci_high)}): {verdict}"
            )
            if r.weak_dimensions_h1:
                text += f"; weak at the half-year: {dims_text(a, r.weak_dimensions_h1, lang)}"
                text += (
                    f", clearly up since: {dims_text(a, r.weak_dimensions_improved, lang)}"
                    if r.weak_dimensions_improved
                    else ""
                )
            text += (
                f"; weak at the year end: {dims_text(a, r.weak_dimensions_annual, lang)}."
                if r.weak_dimensions_annual
                else "; no weak dimension at the year end."
            )
        lines.append(text)
    return compose(a, "followup", lang, intro, bullets(lines))


def one_cycle(a, lang: str = "zh") -> str:
    """Units present in one cycle only."""
    a = in_language(a, lang)
    lang = check_lang(lang)
    t = a.tables["one_cycle_units"]
    if not len(t):
        return compose(
            a,
            "one_cycle",
            lang,
            "所有单位两期都有测评数据。"
            if lang == "zh"
            else "Every unit was rated in both cycles.",
        )
    lines = []
    for r in t.itertuples(index=False):
        if r.cycle_present:
            c = cycle_text(a, r.cycle_present, lang)
            lines.append(
                f"{unit_label(r, lang)}：只有{c}测评的数据，年度综合得分按这一期计算"
                f"（{_score(r.composite_year)}）。"
                if lang == "zh"
                else f"{unit_label(r, lang)}: forms in {c} only; its year composite is that "
                f"cycle's "
                f"({_score(r.composite_year)})."
            )
        else:
            lines.append(
                f"{unit_label(r, lang)}：两期都没有测评数据，不参加排名。"
                if lang == "zh"
                else f"{unit_label(r, lang)}: no forms in either cycle; not ranked."
            )
    return compose(a, "one_cycle", lang, bullets(lines))


__all__ = [
    "changes",
    "final_grades",
    "followup",
    "movement",
    "one_cycle",
    "year_result",
]
