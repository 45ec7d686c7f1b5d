"""Narrative text: numbers formatted from the tables, both languages, hostile text escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_analysis import make_small_cycle

from evalstats.analyses import cycle as analysis
from evalstats.present import narrative
from evalstats.present.words import veto_sentence

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def h1():
    return analysis.half_year("2026H1", data_dir=DEMO, n_resamples=400, seed=11)


@pytest.fixture(scope="module")
def year():
    return analysis.annual("2026A", data_dir=DEMO, n_resamples=400, seed=11)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("narr")
    make_small_cycle(folder)
    return analysis.half_year("2026H1", data_dir=folder, n_resamples=200, seed=3)


def test_sections_in_both_languages(h1, year):
    assert list(narrative.sections(h1, "zh")) == list(narrative.HALF_YEAR_SECTIONS)
    assert list(narrative.sections(year, "en")) == list(narrative.ANNUAL_SECTIONS)
    assert narrative.sections(h1, "zh")["overview"].startswith("## 总体情况\n\n")
    assert narrative.sections(h1, "en")["overview"].startswith("## Overview\n\n")
    assert narrative.sections(year, "zh")["overview"].startswith("## 总体情况（年终测评）")
    assert narrative.sections(year, "zh")["ranking"].startswith("## 年度排名（分序列）")
    assert narrative.title(h1, "zh", date="2026-12-20") == (
        "# 2026年上半年政风行风测评分析报告\n\n"
        '<p class="evalstats-byline">示范镇政风行风测评工作领导小组办公室　　2026年12月20日</p>'
    )
    assert narrative.title(year, "en", date="2027-01-05").splitlines()[0] == (
        "# Conduct evaluation report: the 2026 annual evaluation"
    )
    assert "5 January 2027" in narrative.title(year, "en", date="2027-01-05")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        narrative.title(h1, "zh", date="20261220")


def test_overview_numbers_come_from_the_tables(h1):
    r = h1.tables["response"]
    total = r[(r["unit"] == "all") & (r["group"] == "all")].iloc[0]
    text = narrative.overview(h1, "zh")
    assert f"发放测评表 {total['issued']:,} 份，回收 {total['returned']:,} 份" in text
    assert f"回收率 {total['rate'] * 100:.1f}%" in text
    assert f"作废 {total['voided']} 份" in text
    town = h1.summary["town"]
    assert f"满意率为 {town['satisfied_rate'] * 100:.1f}%" in text
    assert f"测评得分 {town['score']:.2f} 分" in text
    en = narrative.overview(h1, "en")
    assert f"{total['issued']:,} forms were issued" in en
    assert "1 was voided" in en


def test_ranking_sentences(h1):
    r = h1.tables["ranking"]
    zh = narrative.ranking(h1, "zh")
    gov = r[r["unit"] == "governance_office"].iloc[0]
    assert (
        f"末位：综治办（综合得分 {gov['composite']:.2f}，P(末位) = {gov['p_last']:.2f}，"
        f"名次区间 第{gov['rank_low']}名）" in zh  # one rank: 第8名, never 8–8
    )
    assert gov["rank_low"] == gov["rank_high"]
    enf = r[(r["series"] == "enforcement") & (r["standing"] == "last_not_distinguishable")]
    row = enf.iloc[0]
    assert (
        f"末位不可区分：{row['unit_name']}综合得分最低（{row['composite']:.2f}），"
        f"但 P(末位) = {row['p_last']:.2f}，低于认定标准 0.50" in zh
    )
    top = r[(r["series"] == "administration") & (r["standing"] == "top3")]
    names = "、".join(
        f"{n}（{c:.2f}）" for n, c in zip(top["unit_name"], top["composite"], strict=True)
    )
    assert f"前三为{names}。" in zh
    assert "重新抽样 400 次" in zh
    en = narrative.ranking(h1, "en")
    assert f"P(last) = {gov['p_last']:.2f}" in en and "Last not distinguishable" in en


def test_veto_uses_veto_sentence(year):
    r = year.tables["ranking"]
    land = r[r["unit"] == "land_office"].iloc[0]
    sentence = veto_sentence(land, lang="zh", scheme=year.scheme)
    text = narrative.vetoes(year, "zh")
    assert sentence.replace("-", "\\-") in text
    assert "国土所：" in text and "等次定为较差" in text
    assert narrative.vetoes(analysis_without_veto(year), "en").endswith("No unit is vetoed.")


def analysis_without_veto(a):
    ranking = a.tables["ranking"].assign(veto=False)
    return analysis.Analysis(
        kind=a.kind,
        cycle=a.cycle,
        scheme=a.scheme,
        validated=a.validated,
        scored=a.scored,
        tables={**a.tables, "ranking": ranking},
        summary=a.summary,
        quality_comparison=a.quality_comparison,
        options=a.options,
    )


def test_weak_dimensions_sentence_states_denominators(h1):
    w = h1.tables["weak_dimensions"]
    row = w[(w["unit"] == "construction_station") & (w["dimension"] == "efficiency")].iloc[0]
    text = narrative.weak_dimensions(h1, "zh")
    assert (
        f"办事效率（{row['weighted_score']:.2f}，序列中位数 {row['series_median']:.2f}；"
        f"不满意 {row['n_dissatisfied']} 票 / 共 {row['n_all_votes']} 票，"
        f"{row['share_of_all_votes'] * 100:.1f}%）" in text
    )


def test_no_weak_dimension_and_no_unit_to_follow_up(year):
    # a cycle with no weak dimension, and a half-year in which no unit had to rectify, each get
    # their section with a plain sentence (both crashed before: the section lost its analysis)
    import dataclasses

    empty = {
        "weak_dimensions": year.tables["weak_dimensions"].iloc[0:0],
        "weak_units_followup": year.tables["weak_units_followup"].iloc[0:0],
    }
    quiet = dataclasses.replace(year, tables={**year.tables, **empty})
    assert narrative.weak_dimensions(quiet, "zh").endswith("没有薄弱项。")
    assert narrative.weak_dimensions(quiet, "en").endswith("No dimension is weak.")
    assert narrative.followup(quiet, "zh").endswith("没有须整改的单位。")
    assert "No unit had to rectify" in narrative.followup(quiet, "en")


def test_changes_and_followup(year):
    text = narrative.changes(year, "zh")
    tested = int(year.tables["comparison"]["score_pvalue"].notna().sum())
    assert f"共 {tested} 项" in text
    f = year.tables["weak_units_followup"]
    gov = f[f["unit"] == "governance_office"].iloc[0]
    follow = narrative.followup(year, "zh")
    assert (
        f"综合得分 {gov['composite_h1']:.2f} → {gov['composite_annual']:.2f}，提高 "
        f"{gov['composite_diff']:.2f} 分（95% 置信区间 {gov['composite_diff_ci_low']:.2f} 至 "
        f"{gov['composite_diff_ci_high']:.2f}）" in follow
    )
    year_text = narrative.year_result(year, "zh")
    assert "× 40%" in year_text and "× 60%" in year_text
    assert "退役军人服务站" in narrative.one_cycle(year, "zh")


def test_group_and_reliability_sentences(h1):
    g = narrative.group_differences(h1, "zh")
    assert f"共 {len(h1.tables['group_differences'])} 项" in g
    rel = h1.tables["reliability"]
    overall = rel[rel["group"] == "all"].iloc[0]
    text = narrative.reliability(h1, "en")
    assert f"α = {overall['alpha']:.2f}".replace(".", "\\.") in text


def test_hostile_comment_is_escaped(small):
    for lang in ("zh", "en"):
        for key, text in narrative.sections(small, lang).items():
            assert "<script" not in text, key
            assert "](javascript" not in text, key
    rect = narrative.rectification(small, "zh")
    assert "&lt;script&gt;alert" in rect
    assert "\\[点我\\]\\(javascript:alert\\(1\\)\\) \\*急\\* \\# 标题" in rect
    assert "“办事慢， 态度差”" in rect  # a line break cannot break the bullet
    html = narrative.table(small, "comments", "zh").to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_tables_for_the_report(h1, year):
    for a in (h1, year):
        for name in narrative.TABLE_VIEWS:
            if name in a.tables or name == "levels":
                frame = narrative.table_frame(a, name, "en")
                assert len(frame.columns) > 0
    frame = narrative.table_frame(h1, "ranking", "zh")
    assert "末位概率" in frame.columns and "95% 置信区间" in frame.columns
    gov = frame[frame["单位名称"] == "综治办"].iloc[0]
    r = h1.tables["ranking"]
    p = r.loc[r["unit"] == "governance_office", "p_last"].iloc[0]
    assert gov["末位概率"] == f"{p:.2f}"
    levels = narrative.table_frame(h1, "levels", "zh")
    assert list(levels.columns)[:2] == ["评议内容", "满意"]
    empty = narrative.table(year, "quality_changes", "zh")
    # an empty table's note names the table, so it never reads as a note on the one above
    assert isinstance(empty, narrative.Note)
    assert empty._repr_markdown_() == "（“剔除标记问卷后的变化”：本期没有。）"


def test_detail_tables_give_way_on_paper_to_a_line_naming_their_sheet(year):
    shown = narrative.table(year, "comparison", "zh")
    assert isinstance(shown, narrative.OnScreen)
    rows = len(narrative.table_frame(year, "comparison", "zh"))
    page = shown._repr_html_()
    screen, paper = page.split('<p class="evalstats-print-only">')
    assert screen.startswith('<div class="evalstats-screen-only">') and "<table" in screen
    note = f"（本表共 {rows:,} 行，打印时从略，见 Excel 工作簿“前后比较”表或报告电子版。）"
    assert paper == note + "</p>"
    # a table outside PRINT_DETAIL prints as it shows
    assert "evalstats-print-only" not in narrative.table(year, "final_grades", "zh").to_html()


def test_long_tables_are_cut_with_a_caption_but_rankings_never(h1):
    full = narrative.table_frame(h1, "rectification_rectify", "zh")
    assert len(full) > 5
    cut = narrative.table(h1, "rectification_rectify", "zh", max_rows=5)
    assert len(cut.data) == 5
    assert cut.caption == (
        f"仅显示前 5 行，共 {len(full):,} 行；完整的表见 Excel 工作簿“整改清单”表。"
    )
    assert "<caption>仅显示前 5 行" in cut.to_html()
    en = narrative.table(h1, "rectification_rectify", "en", max_rows=5)
    assert en.caption.startswith(f"First 5 of {len(full):,} rows; the whole table")
    assert "/" not in cut.caption and "rectification" not in cut.caption  # no file, no code
    whole = narrative.table(h1, "rectification_rectify", "zh", max_rows=None)
    assert whole.caption is None and len(whole.data) == len(full)
    # the 整改清单 is shown in two parts: 须整改, then 反馈参考 (issue 14)
    parts = narrative.table(h1, "rectification", "zh", max_rows=5)
    assert isinstance(parts, narrative.Parts)
    assert [h for h, _ in parts.parts] == ["须整改", "反馈参考（无须制定整改方案，供单位参考改进）"]
    assert len(parts.parts[0][1].data) == 5
    rect = h1.tables["rectification"]
    n_feedback = int((rect["action"] == "feedback").sum())
    feedback = narrative.table(h1, "rectification", "zh", max_rows=None).parts[1][1]
    assert len(feedback.data) == n_feedback > 0
    html = parts.to_html()
    assert html.index("<h4>须整改</h4>") < html.index("<h4>反馈参考")
    assert len(narrative.table_frame(h1, "rectification", "zh")) == len(rect)
    ranking = narrative.table(h1, "ranking", "zh", max_rows=5)
    assert len(ranking.data) == len(h1.tables["ranking"]) and ranking.caption is None
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError) as info:
            narrative.table(h1, "rectification", "zh", max_rows=bad)
        assert str(info.value) == f"max_rows must be a positive integer or None; got {bad!r}"


def test_one_cycle_when_every_unit_is_in_both_cycles(year):
    import dataclasses

    tables = dict(year.tables)
    tables["one_cycle_units"] = tables["one_cycle_units"].iloc[0:0]
    both = dataclasses.replace(year, tables=tables)
    assert narrative.one_cycle(both, "zh").endswith("所有单位两期都有测评数据。")
    assert narrative.one_cycle(both, "en").endswith("Every unit was rated in both cycles.")


def test_errors(h1):
    with pytest.raises(ValueError) as info:
        narrative.overview(h1, "fr")
    assert str(info.value) == "lang must be one of 'zh', 'en'; got 'fr'"
    with pytest.raises(ValueError) as info:
        narrative.table(h1, "nope")
    assert str(info.value).startswith("name must be one of 'response', 'levels', 'ranking'")
    assert str(info.value).endswith("; got 'nope'")
    with pytest.raises(ValueError) as info:
        narrative.section(h1, "intro")
    assert str(info.value).startswith("key must be one of 'overview'")


def test_the_ranking_explanation_names_what_was_resampled(h1, tmp_path):
    # forms by default; respondents when they rated several units (the wide demo); the normal
    # approximation when every cell was large (summary design.ranking_bootstrap)
    import dataclasses

    from evalstats.inputs.demo import demo_files

    assert "把每个单位的测评表有放回地重新抽样 400 次" in narrative.ranking(h1, "zh")
    assert "each unit's forms are resampled 400 times" in narrative.ranking(h1, "en")
    folder = tmp_path / "2026H1"
    folder.mkdir()
    for name, data in demo_files(layout="wide")["2026H1"].items():
        (folder / name).write_bytes(data)
    wide = analysis.half_year("2026H1", data_dir=tmp_path, n_resamples=300, seed=5)
    assert wide.summary["design"]["ranking_bootstrap"] == "exact"
    zh, en = narrative.ranking(wide, "zh"), narrative.ranking(wide, "en")
    assert "在各评议人类别内把评议人有放回地重新抽样 300 次（一人评议的各单位同进同出）" in zh
    assert "测评表有放回" not in zh
    assert "the respondents are resampled 300 times within their groups" in en
    assert "forms are resampled" not in en
    normal = {**wide.summary["design"], "ranking_bootstrap": "normal"}
    big = dataclasses.replace(wide, summary={**wide.summary, "design": normal})
    assert "按评议人重抽样（在各评议人类别内整体抽取评议人）的正态近似抽取 300 组综合得分" in (
        narrative.ranking(big, "zh")
    )
    assert "300 sets of composites are drawn from the normal approximation" in (
        narrative.ranking(big, "en")
    )
