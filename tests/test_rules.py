"""The scoring rules (present/rules.py): every number of the scheme in effect, none typed.

The property tests change one number of a copy of the scheme and check that the text states the
new value where the old one stood (and no longer states the old one there).
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstats.core.scheme import load_scheme
from evalstats.present.format import number
from evalstats.present.rules import (
    RulesSection,
    rules_intro,
    rules_markdown,
    rules_plain,
    rules_text,
)

SCHEME = load_scheme()


def _section(scheme, key, lang="zh", **kw) -> RulesSection:
    return next(s for s in rules_text(scheme, lang=lang, **kw) if s.key == key)


def _text(section: RulesSection) -> str:
    return "\n".join([*section.paragraphs, *("|".join(r) for r in section.rows)])


def _with_rules(scheme, **changes):
    return dataclasses.replace(scheme, rules=dataclasses.replace(scheme.rules, **changes))


def _replace_item(scheme, kind, code, **changes):
    items = tuple(
        dataclasses.replace(it, **changes) if it.code == code else it
        for it in getattr(scheme, kind)
    )
    return dataclasses.replace(scheme, **{kind: items})


# ---------------------------------------------------------------------- the default scheme
def test_every_number_of_the_default_scheme_is_stated():
    sections = {s.key: s for s in rules_text(SCHEME, kind="annual")}
    levels = sections["levels"].rows
    assert levels == (
        ("满意", "1", "100", "是", "是"),
        ("比较满意", "2", "80", "是", "是"),
        ("基本满意", "3", "60", "是", "是"),
        ("不满意", "4", "0", "否", "是"),
        ("不了解", "5", "—", "否", "否"),
        ("未填写", "—", "—", "否", "否"),
    )
    assert sections["weights"].rows[:4] == (
        ("评议人类别", "企业", "40%"),
        ("评议人类别", "社会义务监督员", "30%"),
        ("评议人类别", "群众", "20%"),
        ("评议人类别", "人大代表/政协委员", "10%"),
    )
    assert [r[2] for r in sections["weights"].rows[4:]] == ["20%"] * 5
    assert "上半年测评的综合得分 × 40% + 年终测评的综合得分 × 60%" in _text(sections["period"])
    assert sections["grades"].rows == (
        ("优秀", "90 分及以上"),
        ("良好", "80 分及以上、不足 90 分"),
        ("一般", "70 分及以上、不足 80 分"),
        ("较差", "不足 70 分"),
    )
    ranking = _text(sections["ranking"])
    assert "前3名：本序列名次在前 3 名" in ranking
    assert "P(末位) 不低于 0.50 的，认定为末位；低于 0.50 的，写作“末位不可区分”" in ranking
    assert "年度等次最高为良好" in ranking and "—（一票否决）" in ranking
    veto = _text(sections["veto"])
    assert "全年发生重大责任事故、媒体曝光查实、班子成员被立案查处或其他经认定的否决事项" in veto
    assert "综合得分低于 60 分" in veto and "等次定为较差" in veto
    assert "95% 置信区间上限" in _text(sections["weak"])
    samples = _text(sections["samples"])
    assert "有效票少于 30 张" in samples and "依据少于 5 名评议人" in samples
    assert "“社会义务监督员”的评价不按单位分项公布" in samples
    assert samples.count("本报告为内部资料") == 1


def test_english_and_editions():
    en = {s.key: s for s in rules_text(SCHEME, lang="en", kind="half_year", edition="public")}
    assert en["levels"].header == ("Level", "Digit on paper", "Points", "Satisfied", "Valid")
    assert en["grades"].rows[1] == ("Good", "80 to below 90")
    assert "This is the public edition: no figure resting on fewer than 5 respondents" in _text(
        en["samples"]
    )
    assert "half-year evaluation only" in _text(en["period"])
    assert "a unit last for the year gets a grade of the year of at most good" in _text(
        en["ranking"]
    )
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in _text(s)) for s in en.values())
    assert not any(q in _text(s) for s in en.values() for q in "“”")  # Latin quotes
    zh_public = _section(SCHEME, "samples", edition="public")
    assert _text(zh_public).startswith("有效票少于 30 张") and "本报告为公开版" in _text(zh_public)


def test_options_checked():
    with pytest.raises(ValueError, match="kind"):
        rules_text(SCHEME, kind="monthly")
    with pytest.raises(ValueError, match="edition"):
        rules_text(SCHEME, edition="secret")
    with pytest.raises(ValueError, match="lang"):
        rules_text(SCHEME, lang="fr")
    assert [s.key for s in rules_text(SCHEME, kind="half-year")] == [
        s.key for s in rules_text(SCHEME, kind="half_year")
    ]
    with pytest.raises(TypeError, match="RulesSection"):
        rules_plain("levels")
    with pytest.raises(ValueError, match="heading_level"):
        rules_markdown(rules_text(SCHEME), heading_level=7)


def test_renderings():
    sections = rules_text(SCHEME)
    md = rules_markdown(sections, intro=rules_intro(SCHEME))
    assert md.startswith("以下规则取自本次测评所用的测评方案（默认方案，版本 1）")
    assert "### 评价等级与计分" in md and "| 满意 | 1 | 100 | 是 | 是 |" in md
    assert md.count("### ") == len(sections)
    plain = rules_plain(sections[3])
    assert plain.splitlines()[-1] == "较差：不足 70 分"
    assert "|" not in plain and "#" not in plain
    assert (
        rules_plain(sections[0]).splitlines()[2]
        == "满意：卷面数字 1，分值 100，计为满意 是，计入有效票 是"
    )
    # a scheme label with Markdown in it is escaped in the report, kept in the plain text
    odd = _replace_item(SCHEME, "grades", "good", label_zh="良好|*乙*")
    assert "良好\\|\\*乙\\*" in rules_markdown(rules_text(odd)) and "良好|*乙*" in rules_plain(
        rules_text(odd)[3]
    )


def test_a_district_scheme_names_itself():
    own = dataclasses.replace(SCHEME, name="东城区2027", version="3")
    assert "（“东城区2027”，版本 3）" in rules_intro(own)
    assert '("东城区2027", version 3)' in rules_intro(own, lang="en")


# ---------------------------------------------------------------------- properties
numbers = st.one_of(
    st.integers(min_value=1, max_value=99).map(float),
    st.decimals(min_value=1, max_value=99, places=1).map(float),
)


@settings(max_examples=25, deadline=None)
@given(threshold=numbers)
def test_veto_line_follows_the_scheme(threshold):
    text = _text(_section(_with_rules(SCHEME, veto_threshold=threshold), "veto"))
    assert f"综合得分低于 {number(threshold)} 分" in text
    en = _text(_section(_with_rules(SCHEME, veto_threshold=threshold), "veto", "en"))
    assert f"composite is below {number(threshold)}." in en


@settings(max_examples=25, deadline=None)
@given(p=st.floats(min_value=0.01, max_value=0.99))
def test_last_probability_follows_the_scheme(p):
    text = _text(_section(_with_rules(SCHEME, last_min_probability=p), "ranking"))
    shown = f"{p:.2f}"
    assert f"P(末位) 不低于 {shown} 的，认定为末位；低于 {shown} 的" in text


@settings(max_examples=25, deadline=None)
@given(h=st.integers(min_value=0, max_value=100))
def test_period_weights_follow_the_scheme(h):
    w = MappingProxyType({"half_year": h / 100, "annual": 1 - h / 100})
    text = _text(_section(_with_rules(SCHEME, period_weights=w), "period", kind="annual"))
    assert f"综合得分 × {h}% + 年终测评的综合得分 × {100 - h}%" in text


@settings(max_examples=25, deadline=None)
@given(w=st.integers(min_value=1, max_value=99), group=st.sampled_from(SCHEME.group_codes))
def test_group_weight_follows_the_scheme(w, group):
    s = _replace_item(SCHEME, "groups", group, weight=w / 100)
    rows = {r[1]: r[2] for r in _section(s, "weights").rows if r[0] == "评议人类别"}
    assert rows[SCHEME.label("groups", group)] == f"{w}%"


@settings(max_examples=25, deadline=None)
@given(points=numbers, level=st.sampled_from(SCHEME.valid_level_codes))
def test_level_points_follow_the_scheme(points, level):
    s = _replace_item(SCHEME, "levels", level, points=points)
    rows = {r[0]: r[2] for r in _section(s, "levels").rows}
    assert rows[SCHEME.label("levels", level)] == number(points)


@settings(max_examples=25, deadline=None)
@given(low=st.decimals(min_value="70.5", max_value="89.5", places=1).map(float))
def test_grade_band_follows_the_scheme(low):
    s = _replace_item(SCHEME, "grades", "good", min=low)
    rows = dict(_section(s, "grades").rows)
    assert rows["良好"] == f"{number(low)} 分及以上、不足 90 分"
    assert rows["一般"] == f"70 分及以上、不足 {number(low)} 分"


@pytest.mark.parametrize(
    ("key", "changes", "zh", "en"),
    [
        ("ranking", {"top_n": 5}, "前5名：本序列名次在前 5 名", "Top 5: the units ranked 5 or"),
        ("ranking", {"last_grade_cap": "fair"}, "年度等次最高为一般", "at most fair"),
        ("veto", {"veto_grade": "fair"}, "等次定为一般", "grade is fair"),
        ("samples", {"low_confidence_n": 25}, "有效票少于 25 张", "fewer than 25 valid answers"),
        ("samples", {"anonymity_min": 7}, "依据少于 7 名评议人", "fewer than 7 respondents"),
        ("samples", {"anonymity_groups": ()}, "数字不公布（以“—”表示）。", 'shown ("—").'),
        ("samples", {"confidence_level": 0.9}, "均为 90% 置信区间", "are 90% confidence intervals"),
        ("weak", {"confidence_level": 0.9}, "90% 置信区间上限", "score's 90% confidence interval"),
        (
            "levels",
            {"dissatisfied_levels": ("basically_satisfied",)},
            "不满意率 = “基本满意”的票数",
            'dissatisfied rate = "Basically satisfied" answers',
        ),
    ],
)
def test_rules_follow_the_scheme(key, changes, zh, en):
    s = _with_rules(SCHEME, **changes)
    assert zh in _text(_section(s, key)) and zh not in _text(_section(SCHEME, key))
    assert en in _text(_section(s, key, "en", kind="annual"))


def test_labels_follow_the_scheme():
    s = _replace_item(SCHEME, "levels", "unknown", label_zh="说不清")
    s = _replace_item(s, "incident_kinds", "major_accident", label_zh="安全生产事故")
    s = _replace_item(s, "dimensions", "integrity", label_zh="廉洁自律", weight=0.25)
    text = "\n".join(_text(x) for x in rules_text(s))
    assert "“说不清”、“未填写”不计入有效票" in text
    assert "发生安全生产事故、媒体曝光查实" in text
    assert "评议内容|廉洁自律|25%" in text
