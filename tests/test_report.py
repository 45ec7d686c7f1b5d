"""Tests of the exports (evalstats.present.report): safe CSV, the workbook, HTML without code,
JSON."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import math
import os
import re
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from openpyxl import load_workbook

from evalstats.inputs.validate import validate_cycle
from evalstats.present.report import (
    EXCEL_MAX_CHARS,
    TablesWritten,
    escape_markdown,
    neutralize,
    neutralize_text,
    render_html,
    sheet_title,
    strip_volatile,
    write_csv,
    write_json,
    write_tables,
    write_workbook,
)
from evalstats.stats.pipeline import score_cycle

ROOT = Path(__file__).resolve().parents[1]
DANGEROUS = [
    "=1+2",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\tplain",
    "\rplain",
    "＝1+2",
    "＋1",
    "－1",
    "＠SUM(A1)",
    " =1",
    "\u3000＝1",
    "\n@x",
    "-1+2",
    '=HYPERLINK("http://evil.example","点我")',
    "=cmd|' /C calc'!A0",
]
SAFE = ["好", "a=b", "1-2", "", "e-mail", "'=1", "服务态度好，办事效率高", "line\nbreak"]
HOSTILE = [
    "=1+2",
    "＋86 138 0000 0000",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "控制\x07字符\x1b",
    "\tTAB",
    "-差评",
    "长" * 40_000,
]


@pytest.fixture(scope="module")
def ranking():
    h1 = score_cycle(validate_cycle(ROOT / "data" / "raw" / "2026H1"), n_resamples=50, rng=1)
    return h1.ranking, h1.scores


def comments_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["party_office"] * len(HOSTILE),
            "unit_name": ["党政办"] * len(HOSTILE),
            "comment": HOSTILE,
            "n_dissatisfied": np.arange(len(HOSTILE)),
        }
    )


# ====================================================================== neutralize
@pytest.mark.parametrize("text", DANGEROUS)
def test_dangerous_text_gets_a_quote(text):
    out, n = neutralize(pd.DataFrame({"c": [text]}))
    value = out["c"].iloc[0]
    assert n == 1
    assert value.startswith("'")
    assert "\t" not in value and "\r" not in value
    assert value[1:] == text.replace("\t", " ").replace("\r", "\n")


@pytest.mark.parametrize("text", SAFE)
def test_safe_text_unchanged(text):
    out, n = neutralize(pd.DataFrame({"c": [text]}))
    assert n == 0
    assert out["c"].iloc[0] == text


def test_control_characters_removed_newline_kept():
    text = "a\x00b\x07c\x1bd\x7fe\x85f\u202eg\u2066h\ufffei\r\nj\rk\nl"
    assert neutralize_text(text) == "abcdefghi\nj\nk\nl"
    out, n = neutralize(pd.DataFrame({"c": [text, "ok"]}))
    assert n == 1 and out["c"].tolist() == ["abcdefghi\nj\nk\nl", "ok"]
    assert neutralize_text("a\ud800b") == "a\ufffdb"


# the characters the cleaning acts on, and letters, digits and blanks around them
_NEUTRALIZE_ALPHABET = [
    *"ab1好 \t\r\n=+-@＝＋－＠'",
    "\x07", "\x1c", "\x85", "\xa0", "\u1680", "\u200b", "\u202e", "\u3000", "\ufffe",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(_NEUTRALIZE_ALPHABET), max_size=6), max_size=4))
def test_neutralize_screen_keeps_every_change(texts):
    """The screen that skips plain columns (issue 16) never skips a column the full cleaning
    would change: object and str columns come out as cell-by-cell neutralize_text."""
    for dtype in (object, "str"):
        out, n = neutralize(pd.DataFrame({"c": pd.Series(texts, dtype=dtype)}))
        expected = [neutralize_text(t) for t in texts]
        assert out["c"].tolist() == expected
        assert n == sum(e != t for e, t in zip(expected, texts, strict=True))


def test_numbers_untouched_text_numbers_neutralised():
    df = pd.DataFrame(
        {
            "x": [-1.5, 2.0],
            "k": [-3, 4],
            "r": pd.array([-1, None], dtype="Int64"),
            "b": [True, False],
            "t": ["-1+2", "3"],
        }
    )
    out, n = neutralize(df)
    assert n == 1
    pd.testing.assert_frame_equal(out.drop(columns="t"), df.drop(columns="t"))
    assert out["t"].tolist() == ["'-1+2", "3"]


def test_very_long_text_kept_whole():
    text = "=" + "长" * 100_000
    out, n = neutralize(pd.DataFrame({"c": [text]}))
    assert n == 1 and out["c"].iloc[0] == "'" + text


@pytest.mark.parametrize("dtype", ["str", object, "string[python]", "category"])
def test_every_text_dtype(dtype):
    values = ["=1", None, "好", "＠x", "a\x07"]
    df = pd.DataFrame({"c": pd.Series(values, dtype=dtype, index=[5, 6, 7, 8, 9])})
    before = df.copy()
    out, n = neutralize(df)
    pd.testing.assert_frame_equal(df, before)  # input untouched
    assert n == 3
    assert out.index.tolist() == [5, 6, 7, 8, 9]
    got = out["c"].astype(object).tolist()
    assert got[0] == "'=1" and got[2] == "好" and got[3] == "'＠x" and got[4] == "a"
    assert pd.isna(got[1])


def test_mixed_object_column_and_colliding_categories():
    mixed = pd.Series([1, "=x", None, 2.5, "-3"], dtype=object)
    out, n = neutralize(pd.DataFrame({"m": mixed}))
    assert n == 2 and out["m"].tolist() == [1, "'=x", None, 2.5, "'-3"]
    cats = pd.Categorical(["=1", "'=1", "=1"])  # "=1" neutralised equals "'=1"
    out, n = neutralize(pd.DataFrame({"c": cats}))
    assert n == 2 and out["c"].astype(object).tolist() == ["'=1", "'=1", "'=1"]


def test_column_names_neutralised():
    out, n = neutralize(pd.DataFrame({"=evil": ["a"], "ok": ["b"]}))
    assert n == 1 and list(out.columns) == ["'=evil", "ok"]


def test_neutralize_errors():
    with pytest.raises(TypeError) as e:
        neutralize(["=1"])
    assert str(e.value) == "df must be a pandas DataFrame; got list"
    with pytest.raises(TypeError) as e:
        neutralize_text(3)
    assert str(e.value) == "value must be a str; got int"


_FORMULA = set("=+-@＝＋－＠")
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@given(st.lists(st.text(max_size=30), min_size=1, max_size=15))
def test_neutralised_text_is_inert_and_idempotent(texts):
    out, n = neutralize(pd.DataFrame({"c": pd.Series(texts, dtype=object)}))
    values = out["c"].tolist()
    for v in values:
        assert not _CONTROL.search(v)
        first = v.lstrip()[:1]
        assert first not in _FORMULA
    assert n == sum(a != b for a, b in zip(texts, values, strict=True))
    again, n2 = neutralize(out)
    assert n2 == 0 and again["c"].tolist() == values


# ====================================================================== CSV
def test_csv_bom_line_ends_and_round_trip(tmp_path, ranking):
    table, _ = ranking
    path = write_csv(table, tmp_path / "sub" / "ranking.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in raw
    assert raw.decode("utf-8-sig").splitlines()[0] == ",".join(table.columns)
    back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    assert list(back.columns) == list(table.columns)
    for col in table.columns:
        if pd.api.types.is_float_dtype(table[col].dtype):
            # full precision: the very same floats come back
            np.testing.assert_array_equal(back[col].to_numpy(), table[col].to_numpy())
        else:
            # an empty text and a missing value are both an empty field in a CSV
            want = table[col].astype(object).where(table[col].notna(), "").astype(str)
            got = back[col].astype(object).where(back[col].notna(), "").astype(str)
            assert want.tolist() == got.tolist()
    assert list(tmp_path.joinpath("sub").iterdir()) == [path]  # no temporary file left


def test_csv_hostile_content_and_overwrite(tmp_path):
    path = tmp_path / "comments.csv"
    path.write_text("old", encoding="utf-8")
    write_csv(comments_table(), path)
    back = pd.read_csv(path, encoding="utf-8-sig")
    want = [neutralize_text(t) for t in HOSTILE]
    assert back["comment"].tolist() == want
    assert back["comment"].iloc[2] == "<script>alert('x')</script>"  # inert text in a CSV
    assert back["comment"].iloc[0] == "'=1+2"
    assert len(back["comment"].iloc[7]) == 40_000
    assert back["n_dissatisfied"].tolist() == list(range(len(HOSTILE)))


def test_csv_deterministic_and_named_index(tmp_path):
    df = pd.DataFrame({"score": [0.1 + 0.2, 1 / 3]}, index=pd.Index(["a", "b"], name="unit"))
    p1 = write_csv(df, tmp_path / "a.csv")
    p2 = write_csv(df.copy(), tmp_path / "b.csv")
    assert p1.read_bytes() == p2.read_bytes()
    assert p1.read_bytes() == (
        b"\xef\xbb\xbfunit,score\na,0.30000000000000004\nb,0.3333333333333333\n"
    )
    with pytest.raises(TypeError, match=r"^df must be a pandas DataFrame; got dict$"):
        write_csv({"a": [1]}, tmp_path / "c.csv")


@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=20)
)
def test_csv_floats_round_trip_exactly(values):
    buf = io.BytesIO()
    frame, _ = neutralize(pd.DataFrame({"x": values}))
    frame.to_csv(buf, index=False, encoding="utf-8-sig", lineterminator="\n")
    buf.seek(0)
    back = pd.read_csv(buf, encoding="utf-8-sig")
    np.testing.assert_array_equal(back["x"].to_numpy(float), np.asarray(values, float))


def test_write_tables(tmp_path, ranking):
    table, _ = ranking
    out = write_tables({"ranking": table, "comments": comments_table()}, tmp_path / "rep")
    assert isinstance(out, TablesWritten)
    assert out.paths == {
        "ranking": tmp_path / "rep" / "tables" / "ranking.csv",
        "comments": tmp_path / "rep" / "tables" / "comments.csv",
    }
    # =1+2, ＋86…, 控制…(control chars), \tTAB, -差评
    assert out.neutralised == {"ranking": 0, "comments": 5}
    assert out.total_neutralised == 5
    assert out.to_frame()["neutralised"].tolist() == [0, 5]
    with pytest.raises(ValueError) as e:
        write_tables({"../x": table}, tmp_path)
    assert str(e.value) == (
        "table name '../x' is not a safe file name: use letters, digits, '_', '-' and '.', "
        "not starting with '.' or '-'"
    )
    with pytest.raises(TypeError) as e:
        write_tables([table], tmp_path)
    assert str(e.value) == "tables must be a mapping of table name to DataFrame; got list"
    with pytest.raises(TypeError) as e:
        write_tables({"x": [1]}, tmp_path)
    assert str(e.value) == "tables['x'] must be a pandas DataFrame; got list"


# ====================================================================== JSON
def test_write_json(tmp_path):
    obj = {
        "b": float("nan"),
        "a": "末位",
        "n": np.int64(3),
        "x": np.float64(0.5),
        "flag": np.bool_(True),
        "list": (1, float("inf")),
        "path": Path("reports/x"),
        "when": pd.Timestamp("2026-06-30"),
        "na": pd.NA,
    }
    path = write_json(obj, tmp_path / "s.json")
    text = path.read_text("utf-8")
    assert text == (
        '{\n  "a": "末位",\n  "b": null,\n  "flag": true,\n  "list": [\n    1,\n    null\n  ],\n'
        '  "n": 3,\n  "na": null,\n  "path": "reports/x",\n  "when": "2026-06-30T00:00:00",\n'
        '  "x": 0.5\n}\n'
    )
    assert json.loads(text)["a"] == "末位"
    with pytest.raises(TypeError) as e:
        write_json({"o": object}, tmp_path / "t.json")
    assert str(e.value) == "cannot write type as JSON: <class 'object'>"
    assert not (tmp_path / "t.json").exists()


# ====================================================================== workbook
def test_sheet_title():
    taken: set[str] = set()
    assert sheet_title("a[b]:c*d?e/f\\g", taken) == "abcdefg"
    assert sheet_title("ABCDEFG", taken) == "ABCDEFG (2)"
    assert sheet_title("'quoted'", taken) == "quoted"
    assert sheet_title("x" * 40, taken) == "x" * 31
    assert sheet_title("x" * 40, taken) == "x" * 27 + " (2)"
    assert sheet_title("History", taken) == "History_"
    assert sheet_title("???", taken) == "Sheet"


def test_workbook_sheets_headers_formats_print(tmp_path, ranking):
    table, scores = ranking
    notes = {"测评周期": "2026H1", "分析": "半年测评"}
    path = write_workbook(
        {"scores": scores, "ranking": table, "comments": comments_table()},
        tmp_path / "report.xlsx",
        notes=notes,
    )
    wb = load_workbook(path)
    assert wb.sheetnames == ["说明", "得分", "排名", "意见建议"]
    ws = wb["排名"]
    headers = [c.value for c in ws[1]]
    # a document names units and states its one cycle once (说明): no code columns
    assert headers[:4] == ["单位名称", "序列", "综合得分", "综合得分下限"]
    assert "测评周期" not in headers and "单位编码" not in headers
    assert {"末位概率", "名次区间下限", "定位", "等次", "一票否决"} <= set(headers)
    col = {h: i + 1 for i, h in enumerate(headers)}
    row = 2
    assert ws.cell(row, col["综合得分"]).value == table["composite"].iloc[0]  # not rounded
    assert ws.cell(row, col["综合得分"]).number_format == "0.00"
    assert ws.cell(row, col["末位概率"]).number_format == "0.0%"
    assert ws.cell(row, col["回收问卷数"]).number_format == "#,##0"
    assert ws.cell(row, col["名次"]).value == int(table["rank"].iloc[0])
    assert ws.cell(row, col["序列"]).value == "行政管理"
    assert ws.cell(row, col["等次"]).value in {"优秀", "良好", "一般", "较差"}
    assert ws.cell(row, col["一票否决"]).value in {"是", "否"}
    assert ws["A1"].font.b
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(headers)).column_letter}{len(table) + 1}"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    # too wide for one page at 70 %: 80 % on several pages, unit name and series repeated on each
    assert ws.page_setup.scale == 80 and not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_cols == "$A:$B" and ws.page_setup.pageOrder == "overThenDown"
    narrow = wb["意见建议"]  # fits one page at 100 %
    assert narrow.page_setup.scale == 100 and narrow.print_title_cols is None
    sc = wb["得分"]
    sh = {c.value: c.column for c in sc[1]}
    assert sc.cell(2, sh["满意率"]).number_format == "0.0%"
    assert sc.cell(2, sh["占总评议票数"]).number_format == "0.0%"
    assert sc.cell(2, sh["测评得分"]).number_format == "0.00"
    assert sc.cell(2, sh["评议内容"]).value == "政务公开"
    about = [r for r in wb["说明"].iter_rows(values_only=True) if any(r)]
    assert about[0] == ("工作簿说明", None)
    assert ("测评周期", "2026H1") in about and ("分析", "半年测评") in about
    labels = [r[0] for r in about]
    assert labels[-5:] == ["数值说明", "工作表", "安全处理", "截断", "生成工具"]
    assert "共 5 个文本单元格" in about[-3][1]
    assert "排名：24 行" in about[-4][1]
    # a Chinese document names no file or path (the English edition lists the CSV files)
    assert not any(".csv" in str(v) or "tables/" in str(v) for r in about for v in r)


def test_workbook_widths_count_cjk_double(tmp_path):
    # a unit code without its name stays (with its name beside it, the name stands for it)
    df = pd.DataFrame({"unit": ["abcdef"], "collector": ["城管执法中队"], "comment": ["x" * 300]})
    ws = load_workbook(write_workbook({"comments": df}, tmp_path / "w.xlsx"))["意见建议"]
    # header 单位编码 is 8 wide and wraps (half: 4), the code 6: 6 + 2; 城管执法中队 is 12
    # wide: 12 + 2; the comment wraps within 30: 12 lines of 16 pt
    assert ws.column_dimensions["A"].width == 8
    assert ws.column_dimensions["B"].width == 14
    assert ws.column_dimensions["C"].width == 32  # capped, and wrapped
    assert ws["C2"].alignment.wrap_text
    assert ws.row_dimensions[2].height == 192  # 300 / (30 / 1.1): 11 lines and a bit: 12


def test_workbook_hostile_text_is_inert(tmp_path):
    path = write_workbook({"comments": comments_table()}, tmp_path / "h.xlsx")
    ws = load_workbook(path)["意见建议"]
    col = [c.value for c in ws[1]].index("意见建议") + 1
    values = [ws.cell(r, col).value for r in range(2, len(HOSTILE) + 2)]
    assert all(ws.cell(r, c).data_type != "f" for r in range(1, 10) for c in range(1, 5))
    assert values[0] == "'=1+2"
    assert values[1] == "'＋86 138 0000 0000"
    assert values[2] == "<script>alert('x')</script>"
    assert values[4] == "控制字符"
    assert values[5] == "' TAB"
    assert len(values[7]) == EXCEL_MAX_CHARS
    assert values[7].endswith("…（超出 Excel 单元格上限，全文见 CSV）")
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet2.xml").decode("utf-8")
        strings = (
            z.read("xl/sharedStrings.xml").decode("utf-8")
            if any(n == "xl/sharedStrings.xml" for n in z.namelist())
            else ""
        )
    assert "<f>" not in sheet
    assert "<script>" not in sheet + strings  # XML-escaped: &lt;script&gt;


def test_workbook_byte_identical_and_english(tmp_path, ranking):
    table, scores = ranking
    tables = {"ranking": table, "scores": scores}
    a = write_workbook(tables, tmp_path / "a.xlsx", notes={"cycle": "2026H1"})
    b = write_workbook(dict(tables), tmp_path / "b.xlsx", notes={"cycle": "2026H1"})
    assert a.read_bytes() == b.read_bytes()
    en = load_workbook(
        write_workbook(tables, tmp_path / "en.xlsx", lang="en", sheet_names={"ranking": "R/1"})
    )
    assert en.sheetnames == ["About", "R1", "Scores"]
    assert [c.value for c in en["R1"][1]][:2] == ["Unit", "Series"]
    assert en["R1"]["B2"].value == "Administrative management"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_workbook_errors(tmp_path):
    with pytest.raises(ValueError) as e:
        write_workbook({"big": pd.DataFrame({"x": np.zeros(1_048_576)})}, tmp_path / "x.xlsx")
    assert str(e.value) == (
        "table 'big' has 1,048,576 rows and 1 columns; an Excel sheet holds at most "
        "1,048,575 rows below the header and 16,384 columns"
    )
    with pytest.raises(ValueError, match=r"^lang must be one of 'zh', 'en'; got 'de'$"):
        write_workbook({}, tmp_path / "x.xlsx", lang="de")
    with pytest.raises(TypeError) as e:
        write_workbook({}, tmp_path / "x.xlsx", notes=["a"])
    assert str(e.value) == "notes must be a mapping of label to text; got list"
    with pytest.raises(TypeError) as e:
        write_workbook({}, tmp_path / "x.xlsx", sheet_names=["a"])
    assert str(e.value) == "sheet_names must be a mapping; got list"
    assert not (tmp_path / "x.xlsx").exists()


# ====================================================================== HTML
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
)
SETUP = """\
import pandas as pd
from IPython.display import Markdown, display
from evalstats.present.labels import style, rounding_note
from evalstats.present.report import escape_markdown
secret_variable_name = pd.DataFrame({
    "unit_name": ["经发办", "综治办"], "series": ["administration"] * 2,
    "composite": [93.4186, 76.1309], "p_last": [0.0, 0.992], "standing": ["top3", "last"],
})
"""


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nb")
    (folder / "fig.png").write_bytes(PNG_1X1)
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# 上半年测评报告\n\n![图](fig.png)"),
        new_code_cell(SETUP),
        new_markdown_cell("## 排名"),
        new_code_cell("style(secret_variable_name)"),
        new_code_cell("display(Markdown(rounding_note()))"),
        new_code_cell("pd.DataFrame({'comment': ['<script>alert(1)</script>服务差', '=1+2']})"),
        new_code_cell("display(Markdown('意见：' + escape_markdown('<b>x</b> [a](b)')))"),
        new_code_cell("display(Markdown('raw <img src=x onerror=alert(2)>'))"),
    ]
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    path = folder / "report.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(("edition", "mark"), [("internal", "内部资料"), ("public", "公开版")])
def test_html_marks_its_edition_on_every_printed_page(executed, tmp_path, edition, mark):
    page = render_html(executed, tmp_path / "r.html", edition=edition).read_text("utf-8")
    assert f'<div class="evalstats-edition"><span>{mark}</span></div>' in page
    assert f'@top-right {{ content: "{mark}"; }}' in page
    # a letter marks its edition in its own title block (公文), so no banner repeats it
    letter = render_html(executed, tmp_path / "l.html", edition=edition, document="letter")
    letter_page = letter.read_text("utf-8")
    assert 'class="evalstats-edition"' not in letter_page[letter_page.index("<body") :]
    assert f'@top-right {{ content: "{mark}"; }}' in letter_page
    with pytest.raises(ValueError, match="edition must be one of"):
        render_html(executed, tmp_path / "x.html", edition="draft")


def test_the_page_is_parsed_once_and_is_byte_for_byte_the_page_of_two_passes(
    executed, tmp_path, monkeypatch
):
    import threading

    import nbconvert.exporters.html as nbconvert_html
    from nbconvert import HTMLExporter

    parsed = []
    soup = nbconvert_html.BeautifulSoup

    def spy(markup, *args, **kwargs):
        parsed.append(len(markup))
        return soup(markup, *args, **kwargs)

    monkeypatch.setattr(nbconvert_html, "BeautifulSoup", spy)
    options = dict(edition="public", check_code="0123456789ab", footer="注：<b>x</b>")
    one = render_html(executed, tmp_path / "one.html", **options).read_bytes()
    assert parsed and max(parsed) < 20  # nbconvert parsed the stub, not the page
    assert b'alt="No description has been provided for this image"' in one  # its alt texts
    assert b'tabindex="0"' in one
    # as before: nbconvert's own exporter (its own pass), then the page's sanitising
    monkeypatch.setattr("evalstats.present.report.html._exporter_class", lambda: HTMLExporter)
    monkeypatch.setattr("evalstats.present.report.html._nbconvert_pass", lambda soup: None)
    monkeypatch.setattr("evalstats.present.report.html._EXPORTERS", threading.local())
    parsed.clear()
    two = render_html(executed, tmp_path / "two.html", **options).read_bytes()
    assert max(parsed) > 1000
    assert one == two


def test_html_has_no_code_and_is_safe(executed, tmp_path):
    out = render_html(executed, tmp_path / "report.html", title="<b>测评</b>")
    page = out.read_text("utf-8")
    body = page[page.index("<body") :]
    assert '<html lang="zh-CN">' in page
    assert "<title>&lt;b&gt;测评&lt;/b&gt;</title>" in page
    assert "secret_variable_name" not in page  # no code
    assert not re.search(r'class="[^"]*jp-(InputPrompt|OutputPrompt|CodeMirrorEditor)', body)
    assert "In&nbsp;[" not in body and "Out[" not in body and "highlight" not in body
    assert "上半年测评报告" in page and "综治办" in page and "末位" in page
    assert "93.42" in page and "99.2%" in page
    assert "得分保留 2 位小数" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;服务差" in page
    assert "&lt;b&gt;x&lt;/b&gt; [a](b)" in page
    assert "<script" not in page  # none from the template, none from the notebook
    assert "onerror" not in page
    assert "data:image/png;base64," in page and 'src="fig.png"' not in page
    assert "@media print" in page and "size: A4" in page and "counter(page)" in page
    # no page break before every section (issue 14: 24 pages); page 1 ends after the brief
    assert "break-before: page" not in page and ".evalstats-page-end" in page
    assert "Noto Sans CJK SC" in page and "Microsoft YaHei" in page
    assert "cdnjs" not in page and "require.js" not in page


def test_html_deterministic(executed, tmp_path):
    a = render_html(executed, tmp_path / "a.html").read_bytes()
    b = render_html(executed, tmp_path / "b.html").read_bytes()
    assert a == b
    # what changes between runs of the same notebook does not reach the page
    nb = nbformat.read(executed, as_version=4)
    nb.metadata["papermill"] = {"start_time": "2026-07-01T10:00:00", "duration": 3.2}
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"random{k}x"
        cell.metadata["execution"] = {"iopub.execute_input": "2026-07-01T10:00:01.5Z"}
        if cell.cell_type == "code":
            cell.execution_count = 40 + k
    other = tmp_path / "elsewhere" / executed.name  # same name: the default title
    other.parent.mkdir()
    other.parent.joinpath("fig.png").write_bytes(PNG_1X1)
    nbformat.write(nb, other)
    assert render_html(other, tmp_path / "c.html").read_bytes() == a
    en = render_html(executed, tmp_path / "en.html", lang="en").read_text("utf-8")
    assert '<html lang="en">' in en


def test_strip_volatile():
    nb = new_notebook()
    nb.metadata["papermill"] = {"duration": 1}
    cell = new_code_cell("1")
    cell.execution_count = 7
    cell.metadata["execution"] = {"x": 1}
    cell.outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=7)
    ]
    nb.cells = [cell]
    strip_volatile(nb)
    assert "papermill" not in nb.metadata
    assert nb.cells[0].id == "cell-0" and nb.cells[0].execution_count is None
    assert nb.cells[0].outputs[0]["execution_count"] is None
    assert "execution" not in nb.cells[0].metadata


def test_render_html_errors(executed, tmp_path):
    with pytest.raises(ValueError, match=r"^lang must be one of 'zh', 'en'; got 'fr'$"):
        render_html(executed, tmp_path / "x.html", lang="fr")
    with pytest.raises(TypeError, match=r"^title must be a str or None; got int$"):
        render_html(executed, tmp_path / "x.html", title=3)
    assert not (tmp_path / "x.html").exists()


def test_escape_markdown():
    assert escape_markdown("<b>差</b> [点我](javascript:x) *急* #1") == (
        "&lt;b&gt;差&lt;/b&gt; \\[点我\\]\\(javascript:x\\) \\*急\\* \\#1"
    )
    assert escape_markdown("第一行\n- 第二行") == "第一行  \n\\- 第二行"


def test_workbook_dates_and_empty_tables(tmp_path):
    when = pd.to_datetime(["2026-06-18 09:30", None]).tz_localize("Asia/Shanghai")
    tables = {
        "quality": pd.DataFrame(columns=["check", "severity", "n_forms"]),
        "empty": pd.DataFrame(),
        "rectification": pd.DataFrame({"submitted_at": when, "comment": ["a", None]}),
    }
    wb = load_workbook(write_workbook(tables, tmp_path / "d.xlsx"))
    assert wb.sheetnames == ["说明", "数据质量", "empty", "整改清单"]
    assert [c.value for c in wb["数据质量"][1]] == ["检查项", "严重程度", "回收问卷数"]
    ws = wb["整改清单"]
    assert ws["A2"].value == dt.datetime(2026, 6, 18, 9, 30)  # local wall time kept
    assert ws["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["A3"].value is None and ws["B3"].value is None


# ====================================================================== issue 8: counts, footer
def test_workbook_safety_text_for_tables_read_back(tmp_path):
    # tables read back from their CSV files are inert already: the workbook changes nothing,
    # so the caller that wrote the CSV states the count
    written = write_tables({"comments": comments_table()}, tmp_path)
    # HOSTILE: "=1+2", "＋86…", "控制\x07字符\x1b", "\tTAB", "-差评" → 5 cells
    assert written.neutralised == {"comments": 5}
    back = pd.read_csv(written.paths["comments"], encoding="utf-8-sig", dtype=str)
    assert neutralize(back)[1] == 0

    def about(path):
        return {r[0]: r[1] for r in load_workbook(path)["说明"].iter_rows(values_only=True)}

    plain = about(write_workbook({"comments": back}, tmp_path / "a.xlsx"))
    assert plain["安全处理"].startswith("共 0 个文本单元格")
    text = "安全处理：表格中共有 5 个文本单元格（comments 5）……"
    stated = about(write_workbook({"comments": back}, tmp_path / "b.xlsx", safety_text=text))
    assert stated["安全处理"] == text
    assert {k: v for k, v in stated.items() if k != "安全处理"} == {
        k: v for k, v in plain.items() if k != "安全处理"
    }
    with pytest.raises(TypeError) as e:
        write_workbook({}, tmp_path / "x.xlsx", safety_text=3)
    assert str(e.value) == "safety_text must be a str or None; got int"
    assert not (tmp_path / "x.xlsx").exists()


def test_html_footer_is_escaped_text(executed, tmp_path):
    note = "安全处理：共 3 个单元格 <b>已处理</b>\n第二段 & 结束"
    page = render_html(executed, tmp_path / "f.html", footer=note).read_text("utf-8")
    assert (
        '<footer class="evalstats-note">\n'
        "<p>安全处理：共 3 个单元格 &lt;b&gt;已处理&lt;/b&gt;</p>\n"
        "<p>第二段 &amp; 结束</p>\n</footer>\n</main>"
    ) in page
    plain = render_html(executed, tmp_path / "g.html").read_text("utf-8")
    assert "<footer" not in plain
    with pytest.raises(TypeError, match=r"^footer must be a str or None; got list$"):
        render_html(executed, tmp_path / "x.html", footer=["a"])


def test_html_control_characters_removed(executed, tmp_path):
    nb = nbformat.read(executed, as_version=4)
    cell = new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": "<p>双向\u202e覆盖\x07响铃\x1b[31m\x7f\x85</p>", "text/plain": "x"},
        )
    ]
    nb.cells.append(cell)
    path = tmp_path / "ctl.ipynb"
    nbformat.write(nb, path)
    (tmp_path / "fig.png").write_bytes(PNG_1X1)
    page = render_html(path, tmp_path / "ctl.html").read_text("utf-8")
    assert "<p>双向覆盖响铃[31m</p>" in page
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", page)


# ====================================================================== workbook: same content
# The workbook's data rows are serialised column by column (issue 5: 9 s → 2 s on a 1e6-form
# cycle).  These tests keep the cell-by-cell openpyxl writer it replaced and check that both
# give the same workbook: the same XML parts byte for byte, and — what a reader sees — the
# same values, types, formats, styles, widths and print settings through openpyxl.
def _old_column_values(s: pd.Series, how: str) -> list:
    if how in ("percent", "pvalue", "integer", "decimal"):
        x = s.astype("float64").to_numpy(na_value=np.nan)
        if how == "integer":
            return [int(v) if math.isfinite(v) else None for v in x]
        return [float(v) if math.isfinite(v) else None for v in x]
    if how == "datetime":
        t = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        return [None if pd.isna(v) else v.to_pydatetime() for v in t]
    values = s.astype(object).tolist()
    return [None if (v is None or (not isinstance(v, str) and pd.isna(v))) else v for v in values]


def _old_numeric_width(values: list, how: str, decimals: int = 2) -> int:
    finite = [v for v in values if v is not None]
    if not finite:
        return 4
    if how == "datetime":
        return len("2026-01-01 00:00")
    big = max(abs(v) for v in finite)
    neg = any(v < 0 for v in finite)
    if how == "percent":
        # a rate so large that it overflows as a percentage (hypothesis found 1.8e306) is
        # shown as the product shows an infinite number, ∞ (evalstats.present.format.fixed)
        text = f"{big * 100:.1f}%" if math.isfinite(big * 100) else "∞"
    elif how == "pvalue":
        text = "<0.001"
    elif how == "integer":
        text = f"{int(big):,}"
    else:
        text = f"{big:.{decimals}f}"
    return len(text) + int(neg)


def _old_write_workbook(tables, path, *, lang="zh", sheet_names=None, notes=None, safety_text=None):
    """write_workbook as it was before issue 5: one openpyxl cell at a time (normal mode)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from evalstats.inputs.template import workbook_bytes
    from evalstats.present import report
    from evalstats.present.labels import (
        LANGS,
        TABLE_LABELS,
        column_format,
        column_label,
        for_language,
        relabel,
    )
    from evalstats.present.report import cells, files, layout, workbook

    i = LANGS.index(lang)
    scheme = None
    wb = Workbook()
    about = wb.active
    taken: set[str] = set()
    about.title = sheet_title(TABLE_LABELS["about"][i], taken)
    titles = {}
    for name in tables:
        wanted = (sheet_names or {}).get(name)
        if wanted is None:
            wanted = TABLE_LABELS[name][i] if name in TABLE_LABELS else name
        titles[name] = sheet_title(neutralize_text(str(wanted)).lstrip("'"), taken)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    head_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    neutralised = 0
    truncated = 0
    rows_per_table = {}
    for name, raw in tables.items():
        raw = for_language(files.with_index(raw), lang)
        ws = wb.create_sheet(titles[name])
        rows_per_table[name] = len(raw)
        shown = relabel(raw, scheme=scheme, lang=lang)
        shown.columns = [column_label(c, LANGS[i], scheme=scheme) for c in raw.columns]
        shown, n = neutralize(shown)
        neutralised += n
        kinds = [column_format(raw.columns[p], raw.iloc[:, p].dtype) for p in range(raw.shape[1])]
        for col, header in enumerate(shown.columns, start=1):
            cell = ws.cell(row=1, column=col, value=str(header))
            cell.font = bold
            cell.fill = fill
            cell.alignment = head_align
        for col, how in enumerate(kinds, start=1):
            values = _old_column_values(shown.iloc[:, col - 1], how)
            fmt = report.NUMBER_FORMATS.get(how)
            if how in ("text", "bool"):
                width = 0
                for r, v in enumerate(values, start=2):
                    if v is None:
                        continue
                    v = str(v)
                    if len(v) > EXCEL_MAX_CHARS:
                        v = cells._cut(v, LANGS[i])
                        truncated += 1
                    cell = ws.cell(row=r, column=col, value=v)
                    cell.data_type = "s"
                    width = max(width, cells.display_width(v))
            else:
                for r, v in enumerate(values, start=2):
                    if v is None:
                        continue
                    cell = ws.cell(row=r, column=col, value=v)
                    cell.number_format = fmt
                width = _old_numeric_width(values, how)
            header_width = cells.display_width(str(shown.columns[col - 1]))
            # the one width rule (evalstats.present.report.layout), not a copy of it
            text = how in ("text", "bool")
            col_width, wrapped = layout.column_width(width, header_width, text=text)
            ws.column_dimensions[get_column_letter(col)].width = col_width
            if wrapped and values:
                for r in range(2, len(values) + 2):
                    ws.cell(row=r, column=col).alignment = wrap
                if text:
                    lines = workbook.wrapped_lines(shown.iloc[:, col - 1], col_width)
                    for r, n in enumerate(lines.tolist(), start=2):
                        if n > 1:
                            old = ws.row_dimensions[r].height or 0
                            ws.row_dimensions[r].height = max(old, layout.row_height(n))
        ws.freeze_panes = "A2"
        if raw.shape[1]:
            ws.auto_filter.ref = f"A1:{get_column_letter(raw.shape[1])}{len(raw) + 1}"
        workbook.sheet_layout(
            ws, [str(h) for h in shown.columns], keys=[str(c) for c in raw.columns]
        )
    title = "工作簿说明" if i == 0 else "About this workbook"
    about.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    rows = workbook._about_rows(
        tables,
        titles,
        rows_per_table=rows_per_table,
        notes=notes,
        rules=None,
        neutralised=neutralised,
        truncated=truncated,
        lang=LANGS[i],
    )
    if safety_text is not None:
        safety = "安全处理" if i == 0 else "Safety"
        rows = [(k, safety_text if k == safety else v) for k, v in rows]
    for r, (key, value) in enumerate(rows, start=3):
        k = about.cell(row=r, column=1, value=neutralize_text(key))
        k.font = bold
        k.alignment = Alignment(vertical="top", wrap_text=True)
        k.data_type = "s"
        v = about.cell(row=r, column=2, value=neutralize_text(value)[:EXCEL_MAX_CHARS])
        v.alignment = wrap
        v.data_type = "s"
        about.row_dimensions[r].height = workbook.about_row_height(key, v.value)
    about.column_dimensions["A"].width = workbook.ABOUT_WIDTHS[0]
    about.column_dimensions["B"].width = workbook.ABOUT_WIDTHS[1]
    layout.apply_print_layout(about, workbook.ABOUT_LAYOUT, header_rows=None)
    Path(path).write_bytes(workbook_bytes(wb))
    return Path(path)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _sheet_state(ws) -> dict:
    """What a reader of one sheet sees, cell by cell, through openpyxl."""
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            cells[c.coordinate] = (
                c.value,
                c.data_type,
                c.number_format,
                bool(c.font.b),
                c.font.sz,
                c.fill.fill_type,
                c.fill.fgColor.rgb,
                c.alignment.wrap_text,
                c.alignment.horizontal,
                c.alignment.vertical,
            )
    setup = ws.page_setup
    margins = ws.page_margins
    return {
        "cells": cells,
        "dimension": ws.calculate_dimension(),
        "widths": {k: d.width for k, d in ws.column_dimensions.items()},
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "title_rows": ws.print_title_rows,
        "title_cols": ws.print_title_cols,
        "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
        "page": (
            setup.orientation,
            setup.paperSize,
            setup.fitToWidth,
            setup.fitToHeight,
            setup.scale,
            setup.pageOrder,
        ),
        "fit": ws.sheet_properties.pageSetUpPr.fitToPage,
        "margins": (margins.left, margins.right, margins.top, margins.bottom),
        "header_footer": (ws.oddHeader.center.text, ws.oddFooter.center.text),
    }


def _assert_same_workbook(old: Path, new: Path) -> None:
    a, b = load_workbook(old), load_workbook(new)
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        sa, sb = _sheet_state(a[name]), _sheet_state(b[name])
        assert sa["cells"].keys() == sb["cells"].keys(), name
        for ref, value in sa["cells"].items():
            assert sb["cells"][ref] == value, (name, ref)
        assert sa == sb, name
    # and byte for byte: the rows written by hand are the XML openpyxl would write
    pa, pb = _parts(old), _parts(new)
    assert list(pa) == list(pb)
    for part in pa:
        assert pa[part] == pb[part], part
    assert old.read_bytes() == new.read_bytes()


@pytest.fixture(scope="module")
def demo_tables():
    from evalstats.analyses import cycle as analysis

    return dict(analysis.half_year("2026H1", n_resamples=200, seed=1).tables)


def varied_table() -> pd.DataFrame:
    """Every kind of column the workbook formats, with missing values in each."""
    n = 9
    when = pd.to_datetime(
        [
            "2026-06-18 09:30:15.123456",
            None,
            "1900-01-05 12:00:00",
            "1900-03-01 00:00:00",
            "1899-12-30 06:00:00",
            "2026-01-01 00:00:00",
            "2031-12-31 23:59:59.999999",
            None,
            "1999-05-05 05:05:05",
        ],
        format="ISO8601",
    )
    return pd.DataFrame(
        {
            "unit": ["u1", "u2", None, "007", "=1", "u6", "u7", "u8", "u9"],
            "comment": HOSTILE + [" 两边有空格 ", "😀 emoji 𠀀 CJK-B"][: n - len(HOSTILE)],
            "n_valid": pd.array([1, 2, None, 4, 5, 6, 7, 8, 10**12], dtype="Int64"),
            "rate": [0.1, np.inf, np.nan, -0.0, 1 / 3, 1.0, 0.999999, -0.25, 1e-300],
            "pvalue": [0.0001, 0.5, np.nan, 1.0, 0.049, 0.001, 0.0009, 2e-16, 0.2],
            "composite": [88.037, -1e17, np.nan, 0.1 + 0.2, 12345678.9, -np.inf, 0, 1e-5, 99.5],
            "veto": [True, False, True, False, True, False, True, False, True],
            "flag": pd.array([True, None, False] * 3, dtype="boolean"),
            "answered": pd.Series([True, None, False] * 3, dtype=object),
            "submitted_at": when,
            "submitted_tz": when.tz_localize("Asia/Shanghai"),
            "series": pd.Categorical(["admin", "service", None] * 3),
            "note": pd.Series(["a", 1, 2.5, None, "－x", "", "   ", "\n", "b&<c>"], dtype=object),
            "text_str": pd.Series(["x", None, "@y", "z", "", " w", "v ", "u", "t"], dtype="str"),
        }
    )


def test_workbook_same_as_cell_by_cell_writer_demo_tables(tmp_path, demo_tables):
    notes = {"测评周期": "2026H1", "分析": "半年测评"}
    old = _old_write_workbook(demo_tables, tmp_path / "old.xlsx", notes=notes)
    new = write_workbook(demo_tables, tmp_path / "new.xlsx", notes=notes)
    _assert_same_workbook(old, new)
    some = {k: demo_tables[k] for k in ("ranking", "quality", "rectification", "comments")}
    kw = {"lang": "en", "sheet_names": {"ranking": "R/1"}, "safety_text": "3 cells"}
    old = _old_write_workbook(some, tmp_path / "old_en.xlsx", **kw)
    _assert_same_workbook(old, write_workbook(some, tmp_path / "new_en.xlsx", **kw))


def test_workbook_same_as_cell_by_cell_writer_varied_and_read_back(
    tmp_path, demo_tables, monkeypatch
):
    from evalstats.present.report import cells
    from evalstats.run.runner import read_table

    # small blocks, so that rows and widths are computed across block boundaries
    monkeypatch.setattr(cells, "_ROWS_CHUNK", 4)
    monkeypatch.setattr(cells, "_WIDTH_CHUNK", 3)

    wide = pd.DataFrame(
        {
            # a number wider than 60 wraps a numeric column: its empty cells get the wrap
            # alone, its values the format and the wrap
            "x" * 70: [np.nan, 1.5, np.nan, 1e70],
            "comment": ["y" * 80, None, "", "z"],
            "empty_numbers": [np.nan] * 4,
        }
    )
    some = ("ranking", "quality", "rectification", "comments", "group_differences")
    some = {k: demo_tables[k] for k in some}
    written = write_tables({**some, "varied": varied_table()}, tmp_path / "csv")
    back = {name: read_table(p) for name, p in written.paths.items()}
    tables = {
        "varied": varied_table(),
        "wide": wide,
        "empty": pd.DataFrame(),
        "no_rows": pd.DataFrame({"unit": pd.Series([], dtype=object), "rate": []}),
        "named_index": pd.DataFrame({"rate": [0.5]}, index=pd.Index(["u1"], name="unit")),
        "all_missing": pd.DataFrame({"comment": [None, None], "rate": [np.nan, np.nan]}),
        **{f"back_{k}": v for k, v in back.items()},
    }
    old = _old_write_workbook(tables, tmp_path / "old.xlsx", notes={"cycle": "=2026H1"})
    new = write_workbook(tables, tmp_path / "new.xlsx", notes={"cycle": "=2026H1"})
    _assert_same_workbook(old, new)
    ws = load_workbook(new)["varied"]
    assert ws["B2"].value == "'=1+2" and ws["B2"].data_type == "s"
    assert len(ws["B9"].value) == EXCEL_MAX_CHARS


_CELL_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12
) | st.sampled_from(DANGEROUS + SAFE + ["长" * 70, " x ", "&amp;<>"])


@settings(max_examples=25, deadline=None)
@given(
    texts=st.lists(st.one_of(st.none(), _CELL_TEXT), min_size=1, max_size=8),
    numbers=st.lists(
        st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=8
    ),
    ints=st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=8),
)
@example(texts=[None, None], numbers=[1.797693134862316e306, -1.0], ints=[0, 0])
def test_workbook_same_as_cell_by_cell_writer_any_content(tmp_path_factory, texts, numbers, ints):
    n = min(len(texts), len(numbers), len(ints))
    table = pd.DataFrame(
        {
            "comment": pd.Series(texts[:n], dtype=object),
            "composite": numbers[:n],
            "rate": numbers[::-1][:n],
            "n_valid": ints[:n],
        }
    )
    d = tmp_path_factory.mktemp("any")
    old = _old_write_workbook({"comments": table}, d / "old.xlsx")
    _assert_same_workbook(old, write_workbook({"comments": table}, d / "new.xlsx"))


def test_workbook_rows_need_openpyxl_sheet_xml():
    from evalstats.present.report.cells import SheetColumn, sheet_rewrite

    column = SheetColumn(False, np.array(["1"], dtype=object), False, None, None)
    edit = sheet_rewrite([column], 1)
    with pytest.raises(RuntimeError) as e:
        edit(b"<worksheet><sheetData></sheetData><sheetData></sheetData></worksheet>")
    assert str(e.value) == "unexpected worksheet XML from openpyxl: no single </sheetData>"
    with pytest.raises(RuntimeError) as e:
        edit(b"<worksheet><sheetData></sheetData></worksheet>")
    assert str(e.value) == "unexpected worksheet XML from openpyxl: no dimension"
    out = edit(b'<worksheet><dimension ref="A1:A1"/><sheetData></sheetData></worksheet>')
    assert out == (
        b'<worksheet><dimension ref="A1:A2"/><sheetData><row r="2"><c r="A2" t="n"><v>1</v>'
        b"</c></row></sheetData></worksheet>"
    )


def test_workbook_bytes_do_not_depend_on_the_hash_seed(tmp_path):
    import subprocess
    import sys

    tables = tmp_path / "tables.pkl"
    pd.to_pickle({"varied": varied_table(), "quality": varied_table()}, tables)
    script = (
        "import sys, pandas as pd; from evalstats.present.report import write_workbook;"
        "write_workbook(pd.read_pickle(sys.argv[1]), sys.argv[2])"
    )
    data = []
    for seed in ("0", "12345"):
        out = tmp_path / f"w{seed}.xlsx"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(tables), str(out)], check=True, env=env)
        data.append(out.read_bytes())
    assert data[0] == data[1]
