"""The annex's scoring rules (评分规则), written from the scheme in effect: level points, which
levels count, group and dimension weights, period weights, grade bands, the veto, 前三 / 末位 and
the public edition's anonymity threshold.  A district's own scheme gets its own rules.

Examples
--------
>>> from evalstats.present.letters import blocks
>>> blocks(p, "rules", "zh")  # doctest: +SKIP
"""

from __future__ import annotations

from evalstats.present import format as _format
from evalstats.present.letters.text import cycle_words, lang_index, numeral

_pct0 = _format.confidence_text  # a weight as a percentage: 40%, 12.5%


def _levels_rule(s, lang) -> str:
    valid = [v for v in s.levels if v.valid]
    invalid = [v.label(lang) for v in s.levels if not v.valid]
    sat = [v.label(lang) for v in valid if v.satisfied]
    if lang == "zh":
        pts = "、".join(f"{v.label('zh')}{_format.fixed(v.points, 0)}分" for v in valid)
        text = f"评价等级计分：{pts}"
        if invalid:
            text += f"；“{'”“'.join(invalid)}”和未填写不计入有效票"
        return text + f"。满意率为{'、'.join(sat)}合计占有效票的比例。"
    pts = ", ".join(f"{v.label('en').lower()} {_format.fixed(v.points, 0)}" for v in valid)
    out = f"Points per level: {pts}"
    if invalid:
        quoted = ", ".join(_format.quote(v, "en") for v in invalid)
        out += f"; {quoted} and blanks are not valid answers"
    return out + f". The satisfied rate counts {', '.join(sat).lower()} among valid answers."


def _weights_rule(s, lang) -> str:
    groups = [(g.label(lang), _pct0(g.weight)) for g in s.groups]
    dims = {_pct0(d.weight) for d in s.dimensions}
    if lang == "zh":
        g = "、".join(f"{name}{w}" for name, w in groups)
        d = (
            f"{numeral(len(s.dimensions))}项评议内容各占{dims.pop()}"
            if len(dims) == 1
            else "、".join(f"{d.label('zh')}{_pct0(d.weight)}" for d in s.dimensions)
        )
        return (
            f"测评得分为各票分值的平均数。各项评议内容按评议人类别加权：{g}；某类评议人缺失时，"
            f"其权重按比例分给其余类别。综合得分为各项评议内容得分的加权平均：{d}。"
        )
    g = ", ".join(f"{name} {w}" for name, w in groups)
    d = (
        f"each of the {len(s.dimensions)} dimensions {dims.pop()}"
        if len(dims) == 1
        else ", ".join(f"{d.label('en')} {_pct0(d.weight)}" for d in s.dimensions)
    )
    return (
        f"A score is the mean of the answers' points. Each dimension weights the respondent "
        f"groups: {g}; a missing group's weight is shared among the others. The composite "
        f"weights the dimensions: {d}."
    )


def _grades_rule(s, lang) -> str:
    bands = []
    for i, g in enumerate(s.grades):
        low = _format.fixed(g.min, 0)
        if lang == "zh":
            bands.append(
                f"{low}分及以上为{g.label('zh')}"
                if g.min > 0
                else f"{_format.fixed(s.grades[i - 1].min, 0)}分以下为{g.label('zh')}"
            )
        else:
            bands.append(
                f"{g.label('en').lower()} from {low}"
                if g.min > 0
                else f"{g.label('en').lower()} below {_format.fixed(s.grades[i - 1].min, 0)}"
            )
    if lang == "zh":
        return "等次按综合得分（不四舍五入）确定：" + "，".join(bands) + "。"
    return "Grades by the unrounded composite: " + "; ".join(bands) + "."


def _veto_rule(s, lang) -> str:
    r = s.rules
    kinds = [k.label(lang) for k in s.incident_kinds if k.code != "other"]
    grade = s.label("grades", r.veto_grade, lang)
    if lang == "zh":
        return (
            f"一票否决：测评期内发生{'、'.join(kinds)}等事项，或综合得分低于"
            f"{_format.fixed(r.veto_threshold, 0)}分的，等次定为{grade}，"
            f"不列入前{numeral(r.top_n)}名。"
        )
    return (
        f"Veto: an incident in the period ({', '.join(k.lower() for k in kinds)}, …) or a "
        f"composite below {_format.fixed(r.veto_threshold, 0)} makes the grade "
        f"{grade.lower()} and keeps the unit out of the top {r.top_n}."
    )


def _ranking_rule(s, lang) -> str:
    r = s.rules
    cap = s.label("grades", r.last_grade_cap, lang)
    thr = _format.probability(r.last_min_probability)
    if lang == "zh":
        return (
            f"排名：在同一序列内按综合得分排名，得分相同的名次并列。前{numeral(r.top_n)}名在经验交流会上"
            f"介绍做法；排名最后的单位，经对测评表重抽样，为末位的概率不低于{thr}时认定为末位，"
            f"须查找问题、制定整改方案，年度等次最高为{cap}；概率低于{thr}时为“末位不可区分”，"
            "不认定为末位。"
        )
    return (
        f"Ranking: within each series by composite, ties sharing a rank. The top {r.top_n} "
        f"present their practice at an exchange meeting; the last unit is named last when "
        f"resampling the forms gives it a probability of at least {thr} of being truly last — "
        f"it then draws up a rectification plan and its grade of the year is at most "
        f'{cap.lower()}; below {thr} it is "not distinguishable" and not named last.'
    )


def _rules(p, lang, head):
    s = p.scheme
    out = [
        ("li", _levels_rule(s, lang)),
        ("li", _weights_rule(s, lang)),
    ]
    if p.kind == "annual":
        w = s.rules.period_weights
        out.append(
            (
                "li",
                f"年度综合得分由上半年和年终两次测评的综合得分加权合成：上半年"
                f"{_pct0(w['half_year'])}、年终{_pct0(w['annual'])}。"
                if lang == "zh"
                else f"The composite of the year combines the half-year's and the year-end's: "
                f"{_pct0(w['half_year'])} and {_pct0(w['annual'])}.",
            )
        )
    out += [
        ("li", _grades_rule(s, lang)),
        ("li", _veto_rule(s, lang)),
        ("li", _ranking_rule(s, lang)),
    ]
    if p.tier == "public":
        k = s.rules.anonymity_min
        out.append(
            (
                "li",
                f"公开版：依据少于{k}名评议人的结果不予公布。"
                if lang == "zh"
                else f"Public edition: no figure resting on fewer than {k} respondents is shown.",
            )
        )
    i = lang_index(lang)
    bundled = s.name == "default"
    intro = (
        f"以下规则摘自本次测评所用的测评方案（{'默认方案' if bundled else s.name}），"
        f"适用于{cycle_words(p.cycle)}测评：",
        f"These rules are those of the scheme in effect "
        f"({'the bundled default' if bundled else s.name}) for {cycle_words(p.cycle, 'en')}:",
    )[i]
    return [("p", intro), *out]


BUILDERS = {
    "rules": _rules,
}
"""Section key → the function that writes that section's blocks from a profile."""

__all__ = [
    "BUILDERS",
]
