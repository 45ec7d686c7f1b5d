"""The English edition (issue 14 item 8): units by their English names (the units file's optional
``name_en``, else the Chinese name, never a code) in prose, figures, tables, brief and letters;
Latin punctuation in every English text the package writes (the data it quotes aside)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.text
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from evalstats.analyses import cycle as analysis
from evalstats.analyses import profile
from evalstats.core.resources import packaged_notebook
from evalstats.core.scheme import load_scheme
from evalstats.inputs.read import read_table
from evalstats.inputs.validate import format_problems, validate_units
from evalstats.inputs.validate.problems import ProblemCollector
from evalstats.present import brief, letters, narrative, plot
from evalstats.present.names import in_language, unit_names, with_unit_names
from evalstats.present.narrative import Note, Parts

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "raw"
UNITS = pd.read_csv(DATA / "2026H1" / "units.csv", encoding="utf-8-sig", dtype=str)
CODES, ZH, EN = (UNITS[c].tolist() for c in ("单位编码", "单位名称", "英文名称"))
CALL = re.compile(r"narrative\.(\w+)\(a(?:, \"(\w+)\")?, lang\)")
FULL_WIDTH = re.compile(r"[，。：；（）「」、“”‘’！？【】〔〕]")


# ---------------------------------------------------------------------- helpers
def _visible(shown) -> str:
    if isinstance(shown, Parts):
        return " ".join(f"{head} {_visible(t)}" for head, t in shown.parts)
    html = shown if isinstance(shown, str | Note) else shown.to_html()
    return BeautifulSoup(str(html), "html.parser").get_text(" ")


def _report_page(a, lang: str = "en") -> str:
    """Every section and table the packaged half-year notebook displays, and the brief."""
    nb = json.loads(packaged_notebook("half-year").read_text("utf-8"))
    calls = [m for c in nb["cells"] for m in CALL.findall("".join(c["source"]))]
    assert ("table", "ranking") in calls and ("ranking", "") in calls
    texts = [_visible(brief.brief_html(brief.brief(a, lang=lang)))]
    for name, table in calls:
        shown = narrative.table(a, table, lang) if name == "table" else None
        texts.append(_visible(shown if shown is not None else getattr(narrative, name)(a, lang)))
    return "\n".join(texts)


def _data_strings(a) -> list[str]:
    """Text the office and the respondents typed, which the report quotes as it is."""
    out = set()
    for key in ("comments",):
        t = a.tables.get(key, a.unpublished.get(key))
        if t is not None:
            out |= set(t["comment"].dropna().astype(str))
    q = a.tables.get("quality", a.unpublished.get("quality"))
    if q is not None:
        out |= set(q["collector"].dropna().astype(str))
    r = a.tables["ranking"]
    out |= set(r["veto_note"].dropna().astype(str)) if "veto_note" in r else set()
    out.add(a.scheme.letters.office)  # the issuing office under the title, as the scheme names it
    return sorted((s for s in out if s), key=len, reverse=True)


def _without(text: str, strings) -> str:
    for s in strings:
        text = text.replace(s, " ")
    return text


def _figure_texts(fig) -> str:
    texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    plt.close(fig)
    return "\n".join(texts)


@pytest.fixture(scope="module")
def half():
    return analysis.half_year("2026H1", data_dir=DATA, n_resamples=200, seed=5)


@pytest.fixture(scope="module")
def no_english(tmp_path_factory):
    """The demo's half-year without the English names in its units file."""
    folder = tmp_path_factory.mktemp("no_en") / "2026H1"
    shutil.copytree(DATA / "2026H1", folder)
    units = pd.read_csv(folder / "units.csv", encoding="utf-8-sig", dtype=str)
    units.drop(columns=["英文名称"]).to_csv(folder / "units.csv", index=False)
    return analysis.half_year("2026H1", data_dir=folder.parent, n_resamples=200, seed=5)


# ---------------------------------------------------------------------- the units file
def test_demo_units_file_gives_every_unit_an_english_name():
    assert list(UNITS.columns) == ["单位编码", "单位名称", "序列", "英文名称"]
    assert UNITS["英文名称"].notna().all() and UNITS["英文名称"].is_unique
    assert dict(zip(ZH, EN, strict=True))["综治办"] == "Comprehensive Governance Office"


def _units_raw(tmp_path, rows: str):
    path = tmp_path / "units.csv"
    path.write_text("单位编码,单位名称,序列,英文名称\n" + rows, encoding="utf-8")
    return read_table(path, table="units")


def test_name_en_is_optional_trimmed_and_unique(tmp_path):
    scheme = load_scheme()
    col = ProblemCollector()
    raw = _units_raw(
        tmp_path,
        "u1,财政所,行政管理,  Finance   Office \n"
        "u2,司法所,行政执法,\n"
        "u3,国土所,行政执法,Land Office\n",
    )
    units, *_ = validate_units(raw, scheme, col)
    assert list(units.columns) == ["unit", "name", "series", "name_en"]
    assert units["name_en"].tolist() == ["Finance Office", None, "Land Office"]
    assert not (col.frame()["severity"] == "error").any()

    col = ProblemCollector()
    raw = _units_raw(
        tmp_path, "u1,财政所,行政管理,Finance Office\nu2,司法所,行政执法,finance office\n"
    )
    validate_units(raw, scheme, col)
    errors = col.frame()
    errors = errors[errors["severity"] == "error"]
    assert errors[["row", "column", "code"]].values.tolist() == [[3, "英文名称", "duplicate_name"]]
    assert format_problems(errors, lang="en") == [
        f"{errors['file'].iloc[0]}:3:英文名称: two units share this English name (also row 2); "
        "names must be unique (finance office)"
    ]
    assert format_problems(errors, lang="zh")[0].endswith(
        "两个单位的英文名称相同（第 2 行也有）；英文名称不能重复 (finance office)"
    )

    # without the column: no English names, no problem
    path = tmp_path / "plain.csv"
    path.write_text("单位编码,单位名称,序列\nu1,财政所,行政管理\n", encoding="utf-8")
    col = ProblemCollector()
    units, *_ = validate_units(read_table(path, table="units"), scheme, col)
    assert units["name_en"].tolist() == [None] and not len(col.frame())


# ---------------------------------------------------------------------- the one mapping
def test_unit_names_english_else_chinese_else_code():
    u = pd.DataFrame(
        {
            "unit": ["a", "b", "c"],
            "name": ["财政所", "司法所", None],
            "name_en": ["Finance Office", None, None],
        }
    )
    assert unit_names(u, "en") == {"a": "Finance Office", "b": "司法所", "c": "c"}
    assert unit_names(u, "zh") == {"a": "财政所", "b": "司法所", "c": "c"}
    assert unit_names(u.drop(columns="name_en"), "en")["a"] == "财政所"
    with pytest.raises(ValueError, match="lang"):
        unit_names(u, "fr")
    t = pd.DataFrame({"unit": ["a", "all"], "unit_name": ["财政所", ""], "x": [1, 2]})
    out = with_unit_names(t, unit_names(u, "en"))
    assert out["unit_name"].tolist() == ["Finance Office", ""] and t["unit_name"][0] == "财政所"


def test_in_language_is_a_view_of_the_same_numbers(half):
    assert in_language(half, "zh") is half
    en = in_language(half, "en")
    assert in_language(en, "en") is en
    names = dict(zip(CODES, EN, strict=True))
    for name, t in en.tables.items():
        if {"unit", "unit_name"} <= set(t.columns):
            units = t["unit"].astype(str)
            known = units.isin(names)
            assert (t.loc[known, "unit_name"] == units[known].map(names)).all(), name
    assert en.units["name"].tolist() == [names[c] for c in en.units["unit"]]
    # the numbers are the same objects; the Chinese result is untouched
    assert en.tables["ranking"]["composite"] is not None
    pd.testing.assert_series_equal(
        en.tables["ranking"]["composite"], half.tables["ranking"]["composite"]
    )
    assert set(half.tables["ranking"]["unit_name"]) <= set(ZH)
    top = en.summary["series"]["administration"]["top3"][0]
    assert top["unit_name"] == names[top["unit"]]


# ---------------------------------------------------------------------- prose, tables, figures
def test_english_report_names_units_by_their_english_names(half):
    page = _report_page(half)
    ranked = half.tables["ranking"]["unit"].astype(str)
    names = dict(zip(CODES, EN, strict=True))
    for code in ranked:
        assert names[code] in page, code
    rest = _without(page, _data_strings(half))
    assert not [n for n in ZH if n in rest]
    assert not [c for c in CODES if re.search(rf"\b{c}\b", rest)]
    # the prose too, not only the tables: the ranking section names the top unit in English
    top = half.headline().iloc[0]
    assert names[top["unit"]] in _visible(narrative.ranking(half, "en"))


def test_english_figures_label_units_by_their_english_names(half):
    nb = "".join(
        "".join(c["source"])
        for c in json.loads(packaged_notebook("half-year").read_text("utf-8"))["cells"]
    )
    # the notebook draws the figures from the English view of the analysis
    assert nb.index("a = names.in_language(a, lang)") < nb.index("plot.ranking_intervals(")
    en = in_language(half, "en")
    figures = {
        "ranking": plot.ranking_intervals(
            en.tables["ranking"], score_column=en.score_column, lang="en", scheme=en.scheme
        ),
        "heatmap": plot.heatmap(en.tables["scores"], lang="en", scheme=en.scheme),
        "levels": plot.levels_diverging(
            en.counts, by="unit", units=en.units, lang="en", scheme=en.scheme
        ),
        "group": plot.group_comparison(
            en.tables["scores"], unit="land_office", value="score", lang="en", scheme=en.scheme
        ),
    }
    for key, fig in figures.items():
        text = _figure_texts(fig)
        assert not re.search(r"[\u4e00-\u9fff]", text), (key, text[:300])
        assert not [c for c in CODES if re.search(rf"\b{c}\b", text)], key
        if key != "group":
            assert "Comprehensive Governance Office" in text, key
    assert "Land and Resources Office" in text


def test_without_english_names_units_keep_their_chinese_names(no_english):
    assert no_english.units["name_en"].isna().all()
    page = _report_page(no_english)
    rest = _without(page, _data_strings(no_english))
    for code, zh in zip(CODES, ZH, strict=True):
        if code in set(no_english.tables["ranking"]["unit"]):
            assert zh in page, code
    assert not [c for c in CODES if re.search(rf"\b{c}\b", rest)]
    assert not [e for e in EN if e in page]
    en = in_language(no_english, "en")
    fig = plot.ranking_intervals(
        en.tables["ranking"], score_column=en.score_column, lang="en", scheme=en.scheme
    )
    text = _figure_texts(fig)
    assert "综治办" in text and "governance_office" not in text


# ---------------------------------------------------------------------- Latin punctuation
def test_english_report_and_brief_use_latin_punctuation(half):
    page = _without(_report_page(half), _data_strings(half))
    found = sorted({m.group() + " in " + page[max(0, m.start() - 40) : m.end() + 20]
                    for m in FULL_WIDTH.finditer(page)})  # fmt: skip
    assert not found, found[:10]
    assert not re.search(r"[\u4e00-\u9fff]", page), re.findall(r".{30}[\u4e00-\u9fff]+", page)[:5]


def _letter_text(p, lang: str) -> str:
    """The letter as the unit-profile notebook displays it (its ``letters.*`` calls)."""
    nb = json.loads(packaged_notebook("profile").read_text("utf-8"))
    source = "\n".join("".join(c["source"]) for c in nb["cells"])
    calls = re.findall(r"letters\.(?:html|table|caption)\((?:[^()]|\([^()]*\))*\)", source)
    assert len(calls) > 10
    head = letters.letter_header(p, date="2026-12-20", lang=lang)
    env = {"letters": letters, "prof": p, "lang": lang, "head": head}
    return "\n".join(_visible(eval(call, env)) for call in calls)  # our own notebook's calls


def test_english_letter_names_the_unit_in_english_with_latin_punctuation():
    a = profile.load_analysis("2026A", n_resamples=200, seed=5)
    p = profile.unit_profile("governance_office", cycle="2026A", analysis=a)
    assert p.unit_name_en == "Comprehensive Governance Office"
    text = _letter_text(p, "en")
    assert "To Comprehensive Governance Office:" in text
    assert "governance_office" not in text
    s = p.scheme.letters
    office = [s.office, s.signature, s.contact, *s.cc]
    head = letters.letter_header(p, date="2026-12-20", lang="en")
    data = [*_data_strings(a), *p.comments["comment"].astype(str), *office]
    assert head.reference == "Shifan Xingfengban [2026] No. 5"
    rest = _without(text, sorted((d for d in data if d), key=len, reverse=True))
    assert "综治办" not in rest
    found = [rest[max(0, m.start() - 40) : m.end() + 20] for m in FULL_WIDTH.finditer(rest)]
    assert not found, found[:10]
    assert not re.search(r"[\u4e00-\u9fff]", rest), re.findall(r".{30}[\u4e00-\u9fff]+", rest)[:5]
    assert "综治办" in _letter_text(p, "zh")


def test_english_letter_numbers_its_items_with_latin_parentheses(tmp_path):
    import docx

    a = profile.load_analysis("2026A", n_resamples=200, seed=5)
    p = profile.unit_profile("governance_office", cycle="2026A", analysis=a)
    texts = {}
    for lang in ("zh", "en"):
        path = letters.write_docx(p, tmp_path / f"{lang}.docx", lang=lang, date="2026-12-20")
        texts[lang] = "\n".join(x.text for x in docx.Document(path).paragraphs)
    assert re.search(r"^（1）", texts["zh"], re.M)
    assert re.search(r"^\(1\) ", texts["en"], re.M) and "（1）" not in texts["en"]
    # the HTML letter numbers them by CSS: Latin parentheses where the page is English
    css = (ROOT / "evalstats/templates/evalstats_html/static/letter.css").read_text("utf-8")
    rule = re.search(r'html\[lang="en"\] li\.letter-item::before \{([^}]*)\}', css)
    assert rule and 'content: "(" counter(item) ") "' in rule.group(1)


def test_english_workbook_names_units_in_english(tmp_path):
    from types import SimpleNamespace

    from openpyxl import load_workbook

    from evalstats.present.report import write_workbook
    from evalstats.run.runner.render import report_unit_names

    plan = SimpleNamespace(lang="en", folders=(DATA / "2026A", DATA / "2026H1"), scheme=None)
    plan.scheme = load_scheme()
    names = report_unit_names(plan)
    assert names["governance_office"] == "Comprehensive Governance Office"
    assert names["veterans_station"] == "Veterans Service Station"  # in the year-end only
    assert report_unit_names(SimpleNamespace(**{**plan.__dict__, "lang": "zh"})) == {}
    t = pd.DataFrame({"unit": ["governance_office"], "unit_name": ["综治办"], "composite": [82.0]})
    for lang, shown in (("en", "Comprehensive Governance Office"), ("zh", "综治办")):
        path = write_workbook(
            {"ranking": t},
            tmp_path / f"{lang}.xlsx",
            lang=lang,
            unit_names=names if lang == "en" else None,
        )
        values = [c.value for c in load_workbook(path).worksheets[1][2]]
        assert shown in values and not (lang == "en" and "综治办" in values)
