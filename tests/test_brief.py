"""The leaders' brief (领导简报): it names what the report decides, with the report's figures."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from evalstats.analyses import cycle as analysis
from evalstats.present.brief import (
    BRIEF_FILES,
    brief,
    brief_html,
    brief_markdown,
    evaluation_paragraph,
    write_brief,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def annual():
    return analysis.annual("2026A", data_dir=DATA, n_resamples=300, seed=3)


@pytest.fixture(scope="module")
def half_year():
    return analysis.half_year("2026H1", data_dir=DATA, n_resamples=300, seed=3)


def _names(a) -> dict:
    return dict(zip(a.units["unit"], a.units["name"], strict=True))


@pytest.mark.parametrize("which", ["annual", "half_year"])
def test_the_brief_names_every_series_top3_last_and_veto(which, request):
    a = request.getfixturevalue(which)
    b = brief(a)
    names = _names(a)
    lines = {s.series: s for s in b.series}
    for part in a.summary["series"].values():
        line = lines[part["label_zh"]]
        assert line.units == part["units"]
        for t in part["top3"]:
            assert names[t["unit"]] in line.top3
        for x in part["last"]:
            assert names[x["unit"]] in line.last
            if x["standing"] == "last_not_distinguishable":
                assert line.last.startswith("末位不可区分")
    vetoed = [names[v["unit"]] for v in a.summary["vetoed"]]
    assert [v.split("：")[0] for v in b.vetoes] == vetoed
    for u in a.summary["rectification_required"]:
        assert any(r.startswith(names[u]) for r in b.rectify)
    text = brief_markdown(b)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), "a code in the brief"


def test_the_annual_brief_says_the_change_since_the_half_year(annual):
    c = annual.summary["annual"]["town_change"]
    assert c["cycle_before"] == "2026H1"
    assert c["satisfied_rate_after"] == pytest.approx(annual.summary["town"]["satisfied_rate"])
    assert c["score_after"] == pytest.approx(annual.summary["town"]["score"])
    sentence = brief(annual).facts[-1]
    assert sentence.startswith("与2026年上半年相比")
    assert ("确实的变化" in sentence) == (c["rate_significant"] and c["score_significant"])


def test_without_an_earlier_cycle_no_change_is_claimed(half_year):
    facts = brief(half_year).facts
    assert len(facts) == 2 and not any("相比" in f for f in facts)


def test_the_evaluation_paragraph_counts_as_the_levels_table(half_year):
    """Every 不满意 count and every denominator quoted is the levels table's town row."""
    lv = half_year.tables["levels"]
    town = lv[(lv["unit"] == "all") & (lv["series"] == "all") & (lv["dimension"] != "all")]
    text = evaluation_paragraph(half_year)
    assert text.startswith("从本期问卷评议情况看，全镇在")
    quoted = re.findall(r"([^；）]+)不满意 (\d+) 票，占该项总评议票数 ([\d,]+) 票", text)
    assert quoted
    labels = {d.label("zh"): d.code for d in half_year.scheme.dimensions}
    for label, votes, total in quoted:
        rows = town[town["dimension"] == labels[label]]
        assert int(votes) == rows.loc[rows["level"] == "dissatisfied", "count"].sum()
        assert int(total.replace(",", "")) == rows["count"].sum()
    assert f"收到意见建议 {len(half_year.tables['comments'])} 条" in text


def test_write_brief_html_and_word(annual, tmp_path):
    paths = write_brief(annual, tmp_path)
    assert [p.name for p in paths] == list(BRIEF_FILES)
    page = paths[0].read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "@page { size: A4" in page
    assert "2026年度政风行风测评结果简报" in page and "内部资料" in page
    with zipfile.ZipFile(paths[1]) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "2026年度政风行风测评结果简报" in xml and "w:eastAsia" in xml
    assert brief_html(brief(annual, lang="en")).count("<h2>") == 5


def test_the_word_brief_has_the_letters_title_block_and_page_furniture(annual, tmp_path):
    """Edition, title, issuing office and the date in words, as the letters show them; the
    edition at the top right of every page and the page number at the foot."""
    import dataclasses

    import docx

    paths = write_brief(annual, tmp_path, date="2026-12-20")
    doc = docx.Document(str(paths[1]))
    texts = [p.text for p in doc.paragraphs]
    office = annual.scheme.letters.office
    assert texts[:3] == [
        "内部资料",
        "2026年度政风行风测评结果简报",
        f"{office}\u3000\u30002026年12月20日",
    ]
    sec = doc.sections[0]
    assert [p.text for p in sec.header.paragraphs] == ["内部资料"]
    assert sec.header.paragraphs[0].alignment == 2 and not sec.different_first_page_header_footer
    assert "PAGE" in sec.footer._element.xml and sec.footer.paragraphs[0].text == "— 1 —"
    page = paths[0].read_text("utf-8")
    assert f'<p class="issued">{office}\u3000\u30002026年12月20日</p>' in page
    # a scheme without an issuing office: the date alone; its own date when none is given
    letters = dataclasses.replace(annual.scheme.letters, office="", date="2027-01-05")
    other = dataclasses.replace(annual, scheme=dataclasses.replace(annual.scheme, letters=letters))
    b = brief(other)
    assert (b.office, b.date) == ("", "2027年1月5日")
    assert brief(other, lang="en", date="2026-12-20").date == "20 December 2026"
    doc = docx.Document(str(write_brief(other, tmp_path / "x")[1]))
    assert doc.paragraphs[2].text == "2027年1月5日"


def test_the_public_brief_is_marked_public():
    a = analysis.half_year("2026H1", data_dir=DATA, n_resamples=50, seed=1, tier="public")
    assert brief(a).edition == "公开版"
    assert brief(a, lang="en").edition == "Public edition"
    # the public edition holds no comments, only their number: the brief never says none
    # were received when some were (it did)
    internal = analysis.half_year("2026H1", data_dir=DATA, n_resamples=50, seed=1)
    n = len(internal.tables["comments"])
    assert n > 0 and a.summary["comments"] == n
    text = brief_markdown(brief(a))
    assert "未收到意见建议" not in text
    assert f"收到意见建议 {n} 条（原文不对外公布，已转交各单位）。" in text


def test_the_note_names_the_schemes_satisfied_levels(half_year):
    """The satisfied rate's definition comes from the scheme (all three satisfied levels of the
    bundled scheme; the brief once named only two)."""
    note = brief(half_year).note
    sat = [v.label("zh") for v in half_year.scheme.levels if v.valid and v.satisfied]
    assert sat == ["满意", "比较满意", "基本满意"]
    assert "、".join(f"“{x}”" for x in sat) + "票数占有效票数" in note
    assert "（不含“不了解”和未填写）" in note
