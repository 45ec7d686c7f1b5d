"""The feedback letter as a letter a town office signs and sends (issue 14 item 5): 文号, title,
salutation, plain body without statistics, deadline, 落款, annex; the Word letter in 公文 style."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn

from evalstats.analyses import profile
from evalstats.core.letter_settings import LetterSettings
from evalstats.present import format as fmt
from evalstats.present import letters
from evalstats.present.rules import rules_text

DATE = "2026-12-20"
DEADLINE = "2027年1月19日"  # 30 days later (the bundled scheme's reply_days)
STATISTICS = re.compile(r"CI|p ?[=<>]|Holm|置信区间|概率|P\(|p值|P值|检验|显著|\d\.\d+e-\d+")


@pytest.fixture(scope="module")
def annual():
    return profile.load_analysis("2026A", n_resamples=200, seed=7)


@pytest.fixture(scope="module")
def half_year():
    return profile.load_analysis("2026H1", n_resamples=200, seed=7)


@pytest.fixture(scope="module")
def public():
    return profile.load_analysis("2026A", n_resamples=200, seed=7, tier="public")


def body_text(p, lang="zh", date=DATE) -> list[tuple[str, str]]:
    return [b for key in letters.BODY for b in letters.blocks(p, key, lang, date=date)]


def test_title_block_salutation_and_signature(annual):
    p = profile.unit_profile("governance_office", cycle="2026A", analysis=annual)
    body = body_text(p)
    kinds = [k for k, _ in body]
    assert body[0] == ("mark", "内部资料")  # the edition, as the public letter's 公开版
    assert body[1] == ("ref", "示范行风办〔2026〕5号")  # the 5th unit of the units file
    assert body[2] == ("title", "关于2026年度政风行风测评结果的反馈函")
    assert body[3] == ("salutation", "综治办：")
    assert not any("致：" in t or "序列）" in t for _k, t in body[:5])
    headings = [t for k, t in body if k == "h2"]
    assert headings == ["一、测评结果", "二、整改要求", "三、与上次测评相比", "四、收到的意见"]
    assert ("p", "特此函告。") in body
    assert ("annex-note", "附件：评分规则与方法说明") in body
    assert body[-2:] == [
        ("sign", "示范镇政风行风测评工作领导小组办公室"),
        ("sign", "2026年12月20日"),
    ]
    assert kinds.index("annex-note") < kinds.index("sign")
    assert letters.blocks(p, "cc", date=DATE) == [("cc", "抄送：镇党委办公室，镇纪委。")]
    assert letters.blocks(p, "annex", date=DATE) == [
        ("annex", "附件"),
        ("title", "评分规则与方法说明"),
    ]


def test_half_year_title_and_numbering(half_year):
    p = profile.unit_profile("party_office", cycle="2026H1", analysis=half_year)
    assert letters.blocks(p, "title")[0][1] == "关于2026年上半年政风行风测评结果的反馈函"
    assert letters.blocks(p, "reference", date="2027-01-03")[-1][1] == "示范行风办〔2027〕1号"


def test_the_scheme_decides_office_number_and_copies(annual):
    p = profile.unit_profile("finance_office", cycle="2026A", analysis=annual)
    mine = LetterSettings(
        office="辛口镇行风建设领导小组办公室",
        office_short="辛行风",
        number_pattern="{office_short}函〔{year}〕{number}号",
        first_number=21,
        date="2027-01-05",
        reply_days=15,
        contact="",
        phone="022-0000",
        signature="辛口镇人民政府",
        cc=(),
    )
    q = dataclasses.replace(p, scheme=dataclasses.replace(p.scheme, letters=mine))
    body = body_text(q, date=None)  # the scheme's date
    assert letters.blocks(q, "reference")[-1][1] == "辛行风函〔2027〕22号"  # the 2nd unit
    assert body[-2:] == [("sign", "辛口镇人民政府"), ("sign", "2027年1月5日")]
    closing = letters.blocks(q, "closing")[0][1]
    assert "2027年1月20日前" in closing and "联系电话：022-0000" in closing
    assert "联系人" not in closing
    assert letters.blocks(q, "cc") == []
    # a date given wins over the scheme's
    assert letters.blocks(q, "signature", date=DATE)[1][1] == "2026年12月20日"


def test_english_letter_names_the_office_in_english(annual):
    p = profile.unit_profile("finance_office", cycle="2026A", analysis=annual)
    s = p.scheme.letters
    body = body_text(p, lang="en")
    assert body[-2] == ("sign", s.office_en)  # the bundled scheme's English office
    closing = " ".join(t for _k, t in letters.blocks(p, "closing", "en", date=DATE))
    assert s.contact_en in closing and s.contact not in closing
    assert letters.blocks(p, "cc", "en", date=DATE) == [
        ("cc", "Copies to: " + ", ".join(s.cc_en) + ".")
    ]
    han = re.compile(r"[\u4e00-\u9fff]")
    assert not [t for k, t in body if k in ("sign", "salutation", "title", "ref") and han.search(t)]
    assert ("ref", "Shifan Xingfengban [2026] No. 2") in body  # the 2nd unit, in pinyin
    # a scheme without English texts: the Chinese ones, never the demo's English office; the
    # reference number as registered
    bare = dataclasses.replace(s, office_en="", contact_en="", cc_en=(), office_short_en="")
    q = dataclasses.replace(p, scheme=dataclasses.replace(p.scheme, letters=bare))
    assert body_text(q, lang="en")[-2] == ("sign", s.office)
    assert ("ref", "示范行风办〔2026〕2号") in body_text(q, lang="en")


def test_default_date_is_today(annual):
    p = profile.unit_profile("finance_office", cycle="2026A", analysis=annual)
    before = dt.date.today()
    signed, dated = letters.blocks(p, "signature")[1][1], fmt.document_date(None)
    after = dt.date.today()  # a run across midnight may see either day
    assert signed in {fmt.date_text(before), fmt.date_text(after)}
    assert dated in {before, after}
    with pytest.raises(ValueError, match=r"^date must be a date YYYY-MM-DD; got '2026-13-01'$"):
        letters.blocks(p, "signature", date="2026-13-01")


@pytest.mark.parametrize("tier", ["internal", "public"])
def test_body_says_it_plainly_and_the_statistics_are_in_the_annex(annual, public, tier):
    a = annual if tier == "internal" else public
    for unit in a.units["unit"]:
        p = profile.unit_profile(unit, cycle="2026A", analysis=a, tier=tier)
        for kind, text in body_text(p):
            assert not STATISTICS.search(text), (unit, kind, text)
            assert "名次区间" not in text, (unit, text)
        h = p.headline.iloc[0]
        if bool(h["suppressed"]):
            continue
        annex = [t for key in letters.ANNEX for _k, t in letters.blocks(p, key, date=DATE)]
        detail = " ".join(annex)
        assert "置信区间" in detail and "评分规则" in detail
        if pd.notna(h["rank"]):
            assert f"名次区间为{letters.rank_text(h['rank_low'], h['rank_high'])}" in detail
            assert "名次区间为第" in detail and " 至 " not in detail.split("名次区间为")[1][:12]


def test_rank_interval_of_one_rank_reads_as_a_rank():
    assert letters.rank_text(8, 8) == "第8名"
    assert letters.rank_text(3, 5) == "第3至5名"
    assert letters.rank_text(float("nan"), 2) == "—"


def test_last_unit_is_told_so_with_the_deadline(annual):
    p = profile.unit_profile("governance_office", cycle="2026A", analysis=annual)
    assert p.headline["standing"].iloc[0] == "last"
    body = body_text(p)
    text = "\n".join(t for _k, t in body)
    assert "贵单位为本序列末位。" in text
    assert "排第8名" in text and "在行政管理序列8个单位中" in text
    owed = letters.blocks(p, "owed", date=DATE)
    assert owed[0] == ("h2", "二、整改要求")
    assert "贵单位须制定整改方案（原因：末位）" in owed[1][1]
    assert f"于{DEADLINE}前报送我办" in owed[1][1]
    assert f"请于{DEADLINE}前与我办联系" in text


def test_good_unit_has_nothing_owed_or_only_feedback(annual):
    lt = profile.letters_table(annual)
    best = lt[~lt["rectification_required"]].iloc[0]["unit"]
    p = profile.unit_profile(best, cycle="2026A", analysis=annual)
    owed = letters.blocks(p, "owed", date=DATE)[1][1]
    assert "须制定整改方案" not in owed
    assert owed.startswith(("本次测评贵单位无须整改的事项", "请针对以下事项加以改进"))


def test_comments_sorted_by_kind_when_there_is_a_kind_column(annual):
    p = profile.unit_profile("governance_office", cycle="2026A", analysis=annual)
    plain = letters.blocks(p, "comments", date=DATE)
    assert plain[1][1] == f"本次测评收到涉及贵单位的意见{len(p.comments)}条，原文照录如下："
    c = pd.concat([p.comments] * 2, ignore_index=True)
    c["kind"] = ["praise", "criticism", "建议", "praise"][: len(c)] + ["other"] * (len(c) - 4)
    q = dataclasses.replace(p, comments=c)
    blocks = letters.blocks(q, "comments", date=DATE)
    assert blocks[1][1] == (
        f"本次测评收到涉及贵单位的意见{len(c)}条，其中批评1条、建议1条、"
        + (f"意见{len(c) - 4}条、" if len(c) > 4 else "")
        + "表扬2条，原文照录如下："
    )
    items = [t for k, t in blocks if k == "li"]
    assert items[0].startswith("批评：") and items[-1].startswith("表扬：")
    # praise is feedback, never a thing to answer as a rectification item
    owed = " ".join(t for _k, t in letters.blocks(q, "owed", date=DATE))
    assert f"逐条回应本函第四部分所列的{len(c) - 2}条意见" in owed


def test_html_sections_are_escaped_and_classed(annual):
    p = profile.unit_profile("governance_office", cycle="2026A", analysis=annual)
    page = letters.html(p, letters.BODY, date=DATE)
    assert page._repr_html_() == str(page)
    assert '<h1 class="letter-title">关于2026年度政风行风测评结果的反馈函</h1>' in page
    assert '<p class="letter-salutation">综治办：</p>' in page
    assert '<p class="letter-sign">2026年12月20日</p>' in page
    assert "letter-annex-start" in letters.html(p, "annex")
    assert letters.html(p, "suppression") == ""
    rules = letters.html(p, "rules", date=DATE)  # the rules' tables as tables, escaped
    assert '<table class="evalstats-table letter-table"><tr><th class="col0">等次</th>' in rules
    assert '<tr><td class="col0 text">优秀</td><td class="col1 text">90 分及以上</td></tr>' in rules
    assert '<td class="col1 text">企业</td><td class="col2">40%</td>' in rules  # a number
    assert rules.count("<style>") == 1 and "td.text { text-align: left;" in rules
    md = letters.section(p, "rules", date=DATE)
    assert "\n\n| 等次 | 年度综合得分 |\n| --- | --- |\n| 优秀 | 90 分及以上 |" in md
    hostile = dataclasses.replace(
        p, comments=p.comments.assign(comment="<script>alert(1)</script>")
    )
    shown = letters.html(hostile, "comments", date=DATE)
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert str(letters.caption("dimensions")) == (
        '<p class="letter-caption">图1　各类评议人对各项评议内容的评分</p>'
    )


# ---------------------------------------------------------------------- the annex's rules
def _report_rules(a, lang) -> str:
    """The report's rules section as plain text (Markdown escapes and entities undone)."""
    from evalstats.present.narrative import checks

    md = checks.rules(a, lang)
    return html.unescape(re.sub(r"\\(.)", r"\1", md))


def _letter_rules(p, lang) -> list[tuple[str, str]]:
    """The annex's rules: its sentences with the (一)-lead removed, and its row lines."""
    out = []
    for kind, text in letters.blocks(p, "rules", lang, date=DATE)[1:]:  # after the heading
        text = re.sub(r"^（[一二三四五六七八九十]+）[^。]+。|^\(\d+\) [^.]+\. ", "", text)
        out.append((kind, text))
    return out


def _as_report(text: str, lang: str) -> str:
    """A letter's sentence as the report says it (the document names itself)."""
    if lang == "zh":
        return text.replace("本函", "本报告").replace("文中", "报告中")
    for mine, its in (("This letter", "This report"), ("in the letter", "in the report")):
        text = text.replace(mine, its)
    return text.replace("(the letter shows", "(the report shows")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("tier", ["internal", "public"])
def test_annex_rules_are_the_reports_sentences(annual, public, tier, lang):
    a = annual if tier == "internal" else public
    p = profile.unit_profile("governance_office", cycle="2026A", analysis=a, tier=tier)
    report = _report_rules(a, lang)
    paragraphs = [t for k, t in _letter_rules(p, lang) if k == "p"]
    assert len(paragraphs) >= 10
    for text in paragraphs:
        assert _as_report(text, lang) in report, text
    # the tables: the report's tables, header and rows
    rows = [
        tuple(t.split(letters.CELL_SEP)) for k, t in _letter_rules(p, lang) if k in ("th", "td")
    ]
    sections = rules_text(a.scheme, lang=lang, kind="annual")
    assert rows == [r for s in sections if s.header for r in (s.header, *s.rows)]
    assert ("优秀", "90 分及以上") in rows or ("Excellent", "90 or more") in rows
    # the annex says which edition the reader holds, naming the letter
    mark = {
        "internal": ("本函为内部资料", "This letter is for internal use"),
        "public": ("本函为公开版", "This is the public edition"),
    }[tier][lang == "en"]
    assert mark in " ".join(paragraphs)


def test_another_scheme_changes_the_letter_and_the_report_alike(annual):
    s = annual.scheme
    grades = tuple(dataclasses.replace(g, min=95) if g.min == 90 else g for g in s.grades)
    rules = dataclasses.replace(s.rules, veto_threshold=55)
    other = dataclasses.replace(s, grades=grades, rules=rules)
    a = dataclasses.replace(annual, scheme=other)
    p = profile.unit_profile("governance_office", cycle="2026A", analysis=annual)
    q = dataclasses.replace(p, scheme=other)
    for scheme_a, scheme_p, new, old in ((annual, p, False, True), (a, q, True, False)):
        report = _report_rules(scheme_a, "zh")
        letter = " ".join(t for _k, t in _letter_rules(scheme_p, "zh"))
        for text in (report, letter):
            assert ("95 分及以上" in text) is new and ("低于 55 分" in text) is new
            assert ("不足 95 分" in text) is new and ("不足 90 分" in text) is old
            assert ("低于 60 分" in text) is old
        for text in (t for k, t in _letter_rules(scheme_p, "zh") if k == "p"):
            assert _as_report(text, "zh") in report, text


# ---------------------------------------------------------------------- the Word letter
@pytest.fixture(scope="module")
def word(annual, tmp_path_factory):
    import matplotlib

    matplotlib.use("Agg")
    from evalstats.present import plot

    folder = tmp_path_factory.mktemp("word")
    p = profile.unit_profile("governance_office", cycle="2026A", analysis=annual)
    fig = plot.group_comparison(p.scores, unit=p.unit, value="score", scheme=p.scheme)
    groups, *_ = plot.save_figure(fig, folder, "groups")
    fig = plot.levels_diverging(p.counts, by="dimension", scheme=p.scheme)
    levels, *_ = plot.save_figure(fig, folder, "levels")
    path = letters.write_docx(
        p, folder / "综治办.docx", figures={"dimensions": groups, "levels": levels}, date=DATE
    )
    return docx.Document(str(path))


def test_docx_page_and_fonts(word):
    sec = word.sections[0]
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin)] == [37, 35]
    assert [round(x.mm) for x in (sec.left_margin, sec.right_margin)] == [28, 26]
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    normal = word.styles["Normal"]
    assert normal.font.size.pt == 16
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    texts = [p.text for p in word.paragraphs]
    title = word.paragraphs[texts.index("关于2026年度政风行风测评结果的反馈函")]
    assert title.alignment == 1  # centred
    fonts = title.runs[0].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == letters.FONT_TITLE
    heading = word.paragraphs[texts.index("一、测评结果")]
    run = heading.runs[0]
    assert run.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    for para in word.paragraphs:  # every run is black
        for r in para.runs:
            assert r.font.color.rgb is None or str(r.font.color.rgb) == "000000", para.text


def test_docx_page_numbers(word):
    footer = word.sections[0].footer._element.xml
    assert "PAGE" in footer and 'w:fldCharType="begin"' in footer
    assert "— " in word.sections[0].footer.paragraphs[0].text


def test_docx_edition_on_every_page(word, public, tmp_path):
    """内部资料 / 公开版 small at the top right of every printed page, the first included, and
    in the title block (issue 14 item 6)."""
    for doc, mark in ((word, "内部资料"), (None, "公开版")):
        if doc is None:
            p = profile.unit_profile(
                "finance_office", cycle="2026A", analysis=public, tier="public"
            )
            doc = docx.Document(str(letters.write_docx(p, tmp_path / "财政所.docx", date=DATE)))
        sec = doc.sections[0]
        assert not sec.different_first_page_header_footer  # one header, every page
        head = sec.header.paragraphs
        assert [x.text for x in head] == [mark]
        assert head[0].alignment == 2  # right
        assert head[0].runs[0].font.size.pt <= 11
        assert doc.paragraphs[0].text == mark  # the title block too
        assert "PAGE" in sec.footer._element.xml
    en = profile.unit_profile("finance_office", cycle="2026A", analysis=public, tier="public")
    doc = docx.Document(str(letters.write_docx(en, tmp_path / "en.docx", lang="en", date=DATE)))
    assert doc.sections[0].header.paragraphs[0].text == "Public edition"


def test_docx_tables_repeat_headers_keep_rows_and_align_numbers(word):
    assert len(word.tables) >= 4
    for t in word.tables:
        first = t.rows[0]._tr.trPr
        assert first is not None and first.find(qn("w:tblHeader")) is not None
        for row in t.rows:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    dims = next(t for t in word.tables if t.rows[0].cells[0].text == "评议内容")
    cell = dims.rows[1].cells[1]
    assert re.fullmatch(r"\d+\.\d\d", cell.text) and cell.paragraphs[0].alignment == 2  # right
    assert dims.rows[1].cells[0].paragraphs[0].alignment != 2


def test_docx_annex_after_a_page_break_and_figures_captioned_in_place(word):
    texts = [p.text for p in word.paragraphs]
    annex = texts.index("附件")
    assert texts.index("2026年12月20日") < annex
    assert word.paragraphs[annex].paragraph_format.page_break_before  # on a page of its own
    cap1 = texts.index("图1　各类评议人对各项评议内容的评分")
    cap2 = texts.index("图2　各项评议内容的评价等级分布")
    assert texts.index("三、各项评议内容得分") < cap1 < texts.index("四、评价等级分布") < cap2
    assert "graphic" in word.paragraphs[cap1 - 1]._p.xml  # the picture right above its caption
    grades = next(t for t in word.tables if t.rows[0].cells[0].text == "等次")  # the rules'
    assert [c.text for c in grades.rows[1].cells] == ["优秀", "90 分及以上"]
    assert texts.index("一、评分规则") < texts.index("三、各项评议内容得分")
    assert texts[-1] == "抄送：镇党委办公室，镇纪委。"
    body = "\n".join(texts[:annex])
    assert not STATISTICS.search(body), STATISTICS.search(body)


# ---------------------------------------------------------------------- the date of a run
def test_letter_date_parameter_and_option(tmp_path):
    from evalstats.core.errors import UsageError
    from evalstats.present.report import render_html
    from evalstats.run import letters as batch

    ok = profile.check_parameters(unit="x", cycle="2026A", letter_date="2026-12-20")
    assert ok.letter_date == "2026-12-20"
    assert profile.check_parameters(unit="x", cycle="2026A").letter_date == ""
    with pytest.raises(ValueError, match=r"^letter_date must be a date YYYY-MM-DD or ''; got"):
        profile.check_parameters(unit="x", cycle="2026A", letter_date="20.12.2026")
    with pytest.raises(UsageError, match=r"^--date must be a date YYYY-MM-DD; got '2026-02-30'$"):
        batch.write_letters("2026A", date="2026-02-30", out=tmp_path)
    assert batch.BATCH_PARAMETERS["letter_date"] == "--date"
    with pytest.raises(ValueError, match=r"^parameter 'letter_date' is set by the batch; use"):
        batch.write_letters("2026A", parameters={"letter_date": DATE}, out=tmp_path)
    with pytest.raises(ValueError, match=r"^document must be one of 'report', 'letter'; got"):
        render_html(tmp_path / "x.ipynb", tmp_path / "x.html", document="memo")
    assert not any(tmp_path.iterdir())
    from evalstats.run.cli import build_parser

    ns = build_parser().parse_args(["letters", "--cycle", "2026A", "--date", DATE])
    assert ns.date == DATE


def test_the_dimension_sentence_counts_the_schemes_dimensions(annual):
    """ "从五项评议内容看" was written into the code; a scheme of four contents says 四项."""
    import dataclasses

    def sentence(q):
        texts = [b[1] for b in letters.blocks(q, "result") if b[0] == "p"]
        return next(t for t in texts if "评议内容看，" in t)

    p = profile.unit_profile("governance_office", cycle="2026A", analysis=annual)
    assert sentence(p).startswith("从五项评议内容看，")
    s = p.scheme
    four = dataclasses.replace(p, scheme=dataclasses.replace(s, dimensions=s.dimensions[:4]))
    assert sentence(four).startswith("从四项评议内容看，")
