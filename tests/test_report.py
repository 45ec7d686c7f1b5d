"""Tests of the exports (evalstats.report): safe CSV, the workbook, HTML without code, JSON."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from openpyxl import load_workbook

from evalstats.pipeline import score_cycle
from evalstats.report import (
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
from evalstats.validate import validate_cycle

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
    assert headers[:6] == ["测评周期", "单位编码", "单位名称", "序列", "综合得分", "综合得分下限"]
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
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
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
    assert "排名：tables/ranking.csv（24 行）" in about[-4][1]


def test_workbook_widths_count_cjk_double(tmp_path):
    df = pd.DataFrame({"unit": ["abcdef"], "unit_name": ["城管执法中队"], "comment": ["x" * 300]})
    ws = load_workbook(write_workbook({"comments": df}, tmp_path / "w.xlsx"))["意见建议"]
    # header 单位编码 is 8 wide, the code 6: 8 + 2; 城管执法中队 is 12 wide: 12 + 2
    assert ws.column_dimensions["A"].width == 10
    assert ws.column_dimensions["B"].width == 14
    assert ws.column_dimensions["C"].width == 60  # capped, and wrapped
    assert ws["C2"].alignment.wrap_text


def test_workbook_hostile_text_is_inert(tmp_path):
    path = write_workbook({"comments": comments_table()}, tmp_path / "h.xlsx")
    ws = load_workbook(path)["意见建议"]
    values = [ws.cell(r, 3).value for r in range(2, len(HOSTILE) + 2)]
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
    assert [c.value for c in en["R1"][1]][:4] == ["Cycle", "Unit code", "Unit", "Series"]
    assert en["R1"]["D2"].value == "Administrative management"
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
from evalstats.labels import style, rounding_note
from evalstats.report import escape_markdown
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
    assert "@media print" in page and "size: A4" in page and "break-before: page" in page
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
