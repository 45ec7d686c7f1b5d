"""The wide layout (issue 17): one row per respondent, one column per unit × content.

Reading every header form, the same forms as the equivalent long file, problems named by the
wide file's row and column, blank units, the matrix template read back, the demo in the wide
layout, the respondent column of a long file, and the quality checks that need respondents.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from _corpus import UNITS, write_csv, write_xlsx
from openpyxl import load_workbook

from evalstats.core.errors import SchemeError
from evalstats.core.resources import default_scheme_path
from evalstats.core.scheme import load_scheme
from evalstats.inputs.demo import demo_files
from evalstats.inputs.forms import form_columns
from evalstats.inputs.read.wide import content_lookup, parse_rating_header
from evalstats.inputs.template import write_template
from evalstats.inputs.validate import format_problems, validate_cycle
from evalstats.stats.quality import flagged_form_ids, quality_flags

DIMS = ["政务公开", "依法行政", "办事效率", "服务质量", "清正廉洁"]
R = "2026H1/responses.csv"


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def scheme():
    return load_scheme()


UNIT_LOOKUP = {"u01": "U01", "建管站": "U01", "u02": "U02", "运管站": "U02", "u03": "U03"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("建管站-政务公开", ("U01", "transparency")),
        ("建管站 — 依法行政", ("U01", "lawfulness")),
        ("建管站－办事效率", ("U01", "efficiency")),
        ("建管站_服务质量", ("U01", "service")),
        ("建管站/清正廉洁", ("U01", "integrity")),
        ("建管站 | 政务公开", ("U01", "transparency")),
        ("建管站：政务公开", ("U01", "transparency")),
        ("建管站:政务公开", ("U01", "transparency")),
        ("建管站·政务公开", ("U01", "transparency")),
        ("政务公开-运管站", ("U02", "transparency")),
        ("政务公开（运管站）", ("U02", "transparency")),
        ("运管站(办事效率)", ("U02", "efficiency")),
        ("3.运管站-办事效率", ("U02", "efficiency")),
        ("3、办事效率（运管站）", ("U02", "efficiency")),
        ("Q3_U01_transparency", ("U01", "transparency")),
        ("(12)U03·integrity", ("U03", "integrity")),
        ("U03-Openness of government affairs", ("U03", "transparency")),
        ("建管站政务公开", ("U01", "transparency")),
        ("建管站-意见建议", ("U01", "comment")),
    ],
)
def test_each_header_form_names_one_unit_and_content(scheme, header, expected):
    found = parse_rating_header(header, units=UNIT_LOOKUP, contents=content_lookup(scheme))
    assert found == {expected}


@pytest.mark.parametrize(
    "header", ["政务公开", "建管站", "备注", "U09-政务公开", "问卷编号", "政务公开-办事效率"]
)
def test_headers_that_name_no_rating(scheme, header):
    assert parse_rating_header(header, units=UNIT_LOOKUP, contents=content_lookup(scheme)) == set()


def test_an_ambiguous_header_names_every_reading(scheme):
    units = {"综合": "A", "综合-服务": "B"}
    contents = {"服务-效率": "efficiency", "效率": "efficiency"}
    found = parse_rating_header("综合-服务-效率", units=units, contents=contents)
    assert found == {("A", "efficiency"), ("B", "efficiency")}
    two_units = parse_rating_header(
        "3.U01/U02(政务公开)", units=UNIT_LOOKUP, contents=content_lookup(scheme)
    )
    assert two_units == {("U01", "transparency"), ("U02", "transparency")}


def wide_header(units=("建管站", "运管站", "综治办"), extra=()) -> list[str]:
    return ["问卷编号", "评议人类别", *[f"{u}-{d}" for u in units for d in DIMS], *extra]


WIDE_ROWS = [
    ["W1", "企业", *["满意"] * 5, *["比较满意", "满意", "2", "3", ""], *[""] * 5],
    ["W2", "群众", *[""] * 5, *["不满意"] * 5, *["不了解", "满意", "满意", "满意", "满意"]],
    ["W3", "企业", *["基本满意"] * 5, *[""] * 5, *["满意"] * 5],
]


def long_equivalent() -> list[list[str]]:
    """The long file with the same forms: one row per (row, unit) with an answer."""
    out = [["问卷编号", "被评单位", "评议人类别", *DIMS]]
    for row in WIDE_ROWS:
        for j, code in enumerate(("U01", "U02", "U03")):
            cells = row[2 + 5 * j : 7 + 5 * j]
            if any(cells):
                out.append([f"{row[0]}/{code}", code, row[1], *cells])
    return out


def test_wide_file_gives_the_forms_of_the_long_file(root):
    write_csv(root / "wide" / "2026H1" / "responses.csv", [wide_header(), *WIDE_ROWS])
    write_csv(root / "wide" / "2026H1" / "units.csv", UNITS)
    write_csv(root / "long" / "2026H1" / "responses.csv", long_equivalent())
    write_csv(root / "long" / "2026H1" / "units.csv", UNITS)
    w = validate_cycle("wide/2026H1")
    lng = validate_cycle("long/2026H1")
    assert w.ok and lng.ok and w.problems.empty
    cols = form_columns(w.scheme)
    assert list(w.forms.columns) == [*cols[:2], "respondent", *cols[2:]]
    assert "respondent" not in lng.forms.columns
    assert w.forms["form_id"].tolist() == [
        "W1/U01",
        "W1/U02",
        "W2/U02",
        "W2/U03",
        "W3/U01",
        "W3/U03",
    ]
    assert w.forms["respondent"].tolist() == ["W1", "W1", "W2", "W2", "W3", "W3"]
    assert w.forms["source_row"].tolist() == [2, 2, 3, 3, 4, 4]  # rows of the wide file
    same = [c for c in cols if c not in ("source_file", "source_row")]
    pd.testing.assert_frame_equal(w.forms[same], lng.forms[same])
    assert w.rows_read == 3 and w.inputs["rows"].tolist()[0] == 3


def test_blank_unit_is_not_a_form_and_a_blank_row_is_reported(root):
    rows = [*WIDE_ROWS, ["W4", "群众", *[""] * 15]]
    write_csv(root / "2026H1" / "responses.csv", [wide_header(), *rows])
    write_csv(root / "2026H1" / "units.csv", UNITS)
    v = validate_cycle("2026H1")
    assert len(v.forms) == 6 and "W1/U03" not in set(v.forms["form_id"])
    assert format_problems(v.problems) == [
        f"{R}:5: no unit is rated on this row; the row makes no form"
    ]
    assert format_problems(v.problems, lang="zh") == [f"{R}:5: 该行没有评议任何单位，不计为测评表"]


def test_problems_name_the_wide_file_row_and_column(root):
    rows = [list(r) for r in WIDE_ROWS]
    rows[1][2 + 5 + 2] = "很满意"  # W2, 运管站-办事效率 (row 3)
    rows[2][1] = "火星人"  # W3's group (row 4): one error, not one per form
    rows[0][2 + 10] = "6"  # W1, 综治办-政务公开 (row 2): the unit is rated by that cell
    header = wide_header(extra=["政务公开"])  # a content without a unit: ignored, said so
    rows = [[*r, ""] for r in rows]
    write_csv(root / "2026H1" / "responses.csv", [header, *rows])
    write_csv(root / "2026H1" / "units.csv", UNITS)
    v = validate_cycle("2026H1", raise_on_error=False)
    got = [(p.row, p.column, p.value, p.code) for p in v.problems.itertuples()]
    assert got == [
        (2, "综治办-政务公开", "6", "unknown_level"),
        (3, "运管站-办事效率", "很满意", "unknown_level"),
        (4, "评议人类别", "火星人", "unknown_group"),
        (1, "政务公开", None, "unknown_column"),
    ]
    assert set(v.problems["file"]) == {R}
    # the rows in error make no form; the others stay
    assert sorted(v.forms["form_id"]) == ["W1/U01", "W1/U02", "W2/U03"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_row_id_that_lost_precision_in_excel_is_an_error_naming_its_cell(root, fmt):
    # as a form id of the long layout: its forms' ids are made from it (W1/U01, ...)
    rows = [list(r) for r in WIDE_ROWS]
    rows[0][0] = 123456789012345678 if fmt == "xlsx" else "1.23456E+17"  # stored as a number
    rows[1][0] = "1.23457E+17"  # typed (or saved to CSV) as Excel shows it
    rows[2][0] = "123456789012345678"  # 18 digits as text: kept as typed, fine
    folder = root / "2026H1"
    if fmt == "xlsx":
        write_xlsx(folder / "responses.xlsx", [wide_header(), *rows])
    else:
        write_csv(folder / "responses.csv", [wide_header(), *rows])
    write_csv(folder / "units.csv", UNITS)
    v = validate_cycle("2026H1", raise_on_error=False)
    got = [(p.row, p.column, p.value, p.code, p.severity) for p in v.problems.itertuples()]
    shown = "1.23456789012346E+17" if fmt == "xlsx" else "1.23456E+17"
    assert got == [
        (2, "问卷编号", shown, "id_precision", "error"),
        (3, "问卷编号", "1.23457E+17", "id_precision", "error"),
    ]
    assert v.problems["reason"].str.startswith("form id lost precision in Excel").all()
    assert set(v.problems["file"]) == {f"2026H1/responses.{fmt}"}
    assert not v.ok


def test_duplicated_and_ambiguous_headers_are_errors_naming_the_column(root):
    header = [*wide_header(), "政务公开（建管站）"]
    rows = [[*r, "满意"] for r in WIDE_ROWS]
    write_csv(root / "2026H1" / "responses.csv", [header, *rows])
    units = [*UNITS, ["U04", "建管站-政务公开", "行政管理"]]  # a name that reads as a pair
    write_csv(root / "2026H1" / "units.csv", units)
    v = validate_cycle("2026H1", raise_on_error=False)
    errors = v.problems[v.problems["severity"] == "error"]
    by_code = dict(zip(errors["code"], errors["column"], strict=True))
    assert by_code["duplicate_column"] == "政务公开（建管站）"
    lines = format_problems(v.problems)
    assert any(
        "duplicated column: column R means the same as column C (建管站-政务公开)" in x
        for x in lines
    )
    assert not v.ok


def test_ambiguous_header_is_an_error(root):
    header = [*wide_header(), "建管站-运管站-政务公开", "综治办-服务质量-清正廉洁"]
    rows = [[*r, "满意", "满意"] for r in WIDE_ROWS]
    write_csv(root / "2026H1" / "responses.csv", [header, *rows])
    write_csv(root / "2026H1" / "units.csv", UNITS)
    v = validate_cycle("2026H1", raise_on_error=False)
    assert v.problems[["row", "column", "severity", "code"]].values.tolist() == [
        [1, "建管站-运管站-政务公开", "error", "ambiguous_header"],
        [1, "综治办-服务质量-清正廉洁", "error", "ambiguous_header"],
    ]
    assert format_problems(v.problems)[0] == (
        f"{R}:1:建管站-运管站-政务公开: ambiguous column header: it can name U01 × transparency; "
        "U02 × transparency; rename the column so that it names one unit and one content"
    )
    assert format_problems(v.problems, lang="zh")[1].startswith(
        f"{R}:1:综治办-服务质量-清正廉洁: 列名有歧义：可以理解为 U03 × integrity; U03 × service"
    )
    assert len(v.forms) == 6  # the clear columns still count; nothing from the ambiguous ones


def test_per_unit_comments_and_the_row_comment(root):
    header = wide_header(extra=["运管站-意见建议", "意见建议"])
    rows = [
        [*r, c1, c2]
        for r, c1, c2 in zip(WIDE_ROWS, ["办事慢", "", ""], ["", "总体不错", ""], strict=True)
    ]
    write_csv(root / "2026H1" / "responses.csv", [header, *rows])
    write_csv(root / "2026H1" / "units.csv", UNITS)
    v = validate_cycle("2026H1")
    got = dict(zip(v.forms["form_id"], v.forms["comment"], strict=True))
    assert got["W1/U02"] == "办事慢"  # the unit's own column
    assert got["W1/U01"] is None
    assert got["W2/U03"] == "总体不错"  # the row's comment where the unit has no column
    assert pd.isna(got["W2/U02"])  # 运管站 has its own column, blank on this row


def test_without_id_column_the_row_number_is_the_row_id(root):
    header = wide_header()[1:]
    write_csv(root / "2026H1" / "responses.csv", [header, *[r[1:] for r in WIDE_ROWS]])
    write_csv(root / "2026H1" / "units.csv", UNITS)
    v = validate_cycle("2026H1")
    assert v.forms["form_id"].tolist()[:2] == ["2/U01", "2/U02"]
    assert v.forms["respondent"].tolist()[:2] == ["2", "2"]


def test_row_id_header_and_no_units_file(root):
    header = ["序号", "评议人类别", "U01-政务公开", "U02-政务公开"]
    write_csv(root / "2026H1" / "responses.csv", [header, ["7", "群众", "满意", "不满意"]])
    v = validate_cycle("2026H1/responses.csv", raise_on_error=False)
    assert v.forms["form_id"].tolist() == ["7/U01", "7/U02"]
    assert v.problems["code"].tolist() == ["no_units_file"]


def test_a_wide_row_voided_by_its_row_id(root):
    # the long layout voids a form by listing its id in exclusions; a wide row's id voids
    # every form of the row, each with the reason; a form id voids that form alone
    write_csv(root / "2026H1" / "responses.csv", [wide_header(), *WIDE_ROWS])
    write_csv(root / "2026H1" / "units.csv", UNITS)
    write_csv(
        root / "2026H1" / "exclusions.csv",
        [["问卷编号", "原因"], ["W2", "重复提交"], ["W1/U01", "字迹不清"]],
    )
    v = validate_cycle("2026H1")
    assert v.problems.empty
    assert v.forms["form_id"].tolist() == ["W1/U02", "W3/U01", "W3/U03"]
    got = v.voided[["form_id", "respondent", "source_row", "reason"]].values.tolist()
    assert got == [
        ["W1/U01", "W1", 2, "字迹不清"],
        ["W2/U02", "W2", 3, "重复提交"],
        ["W2/U03", "W2", 3, "重复提交"],
    ]
    # an id that is neither a row's nor a form's is still an error naming the exclusions row
    write_csv(root / "2026H1" / "exclusions.csv", [["问卷编号", "原因"], ["W9", "重复提交"]])
    v = validate_cycle("2026H1", raise_on_error=False)
    assert format_problems(v.problems) == [
        "2026H1/exclusions.csv:2:问卷编号: excluded form id not found in the responses (W9)"
    ]


def many_units(n: int) -> list[list[str]]:
    return [
        ["单位编码", "单位名称", "序列"],
        *[[f"U{i:03d}", f"单位{i}", "行政管理"] for i in range(n)],
    ]


def test_the_limits_of_a_wide_file_scale_with_its_units(root):
    # 200 units × 5 contents = 1,002 columns, past the long layout's 1,000: read with the
    # default limits (wide_limits: 200 × 6 + 100 = 1,300 columns)
    header = ["问卷编号", "评议人类别", *[f"U{i:03d}-{d}" for i in range(200) for d in DIMS]]
    write_csv(root / "2026H1" / "responses.csv", [header, ["W1", "企业", *["满意"] * 1000]])
    write_csv(root / "2026H1" / "units.csv", many_units(200))
    v = validate_cycle("2026H1")
    assert len(v.forms) == 200 and v.problems.empty
    # a long file that wide is still held to the long limits
    long_header = ["问卷编号", "被评单位", "评议人类别", *DIMS, *[f"备注{i}" for i in range(995)]]
    row = ["L1", "U001", "企业", *["满意"] * 5, *[""] * 995]
    write_csv(root / "2026H1" / "responses.csv", [long_header, row])
    v = validate_cycle("2026H1", raise_on_error=False)
    assert format_problems(v.problems) == [
        f"{R}:1: too many fields in one row: 1,003 fields, more than the limit of 1,000 "
        "(limits.columns in the scheme)"
    ]
    # a wide file wider than its units allow is refused, naming the limit
    write_csv(root / "2026H1" / "units.csv", many_units(3))
    wide = [*header, *[f"备注{i}" for i in range(10)]]
    write_csv(root / "2026H1" / "responses.csv", [wide, ["W1", "企业", *["满意"] * 1010]])
    v = validate_cycle("2026H1", raise_on_error=False)
    assert format_problems(v.problems) == [
        f"{R}:1: too many fields in one row: 1,012 fields, more than the limit of 1,000 "
        "(limits.columns in the scheme)"
    ]


def test_a_wide_workbook_past_the_long_limits_is_read_again_with_the_wide_ones(root):
    # a workbook is read first with the scheme's limits (peeking it parses the whole sheet),
    # then, stopped at the columns limit and without a unit column, with the wide limits
    header = ["问卷编号", "评议人类别", *[f"U{i:03d}-{d}" for i in range(200) for d in DIMS]]
    write_xlsx(root / "2026H1" / "responses.xlsx", [header, ["W1", "企业", *["满意"] * 1000]])
    write_csv(root / "2026H1" / "units.csv", many_units(200))
    v = validate_cycle("2026H1")
    assert len(v.forms) == 200 and v.problems.empty


def test_wide_limits():
    from evalstats.core.reading import ReadLimits
    from evalstats.inputs.read.wide import WIDE_MAX_COLUMNS, wide_limits

    lim = wide_limits(ReadLimits(rows=5), units=200, contents=5)
    assert (lim.columns, lim.rows) == (1300, 5)  # the other limits stay
    assert wide_limits(ReadLimits(), units=10**6, contents=5).columns == WIDE_MAX_COLUMNS
    assert wide_limits(ReadLimits(columns=5000), units=200, contents=5).columns == 5000
    with pytest.raises(ValueError, match="units must be >= 0 and contents >= 1; got -1 and 5"):
        wide_limits(ReadLimits(), units=-1, contents=5)


UNIT_ROW = ["问卷编号", "评议人类别"]
UNIT_ROW += [x for u in ("建管站", "运管站", "综治办") for x in (u, *[""] * 4)]
CONTENT_ROW = ["", "", *DIMS * 3]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_two_row_header_with_the_unit_above_its_contents(root, fmt):
    # the unit in a merged cell of the first header row, the contents in the second
    rows = [list(r) for r in WIDE_ROWS]
    rows[1][2 + 5 + 2] = "很满意"  # W2, 运管站 × 办事效率 (row 4)
    folder = root / "2026H1"
    write_csv(folder / "units.csv", UNITS)
    if fmt == "xlsx":
        merges = ["A1:A2", "B1:B2", "C1:G1", "H1:L1", "M1:Q1"]
        write_xlsx(folder / "responses.xlsx", [UNIT_ROW, CONTENT_ROW, *rows], merges=merges)
    else:
        write_csv(folder / "responses.csv", [UNIT_ROW, CONTENT_ROW, *rows])
    v = validate_cycle("2026H1", raise_on_error=False)
    assert format_problems(v.problems) == [
        f"2026H1/responses.{fmt}:4:运管站-办事效率: unknown level; expected one of 满意, "
        "比较满意, 基本满意, 不满意, 不了解 (or the digits 1, 2, 3, 4, 5) (很满意)"
    ]
    assert v.forms["form_id"].tolist() == ["W1/U01", "W1/U02", "W2/U03", "W3/U01", "W3/U03"]
    assert v.forms["source_row"].tolist() == [3, 3, 4, 5, 5]
    # the same file with a one-row header gives the same forms
    write_csv(folder / "one" / "responses.csv", [wide_header(), *rows])
    write_csv(folder / "one" / "units.csv", UNITS)
    one = validate_cycle("2026H1/one", cycle="2026H1", raise_on_error=False)
    same = [c for c in form_columns(v.scheme) if c not in ("source_file", "source_row")]
    pd.testing.assert_frame_equal(v.forms[same], one.forms[same])


def test_a_unit_row_above_a_one_row_header_and_per_unit_comments(root):
    # the unit row above a header that names the row id: read as a title row by the reader,
    # joined to the contents below it; a unit's 意见建议 under it is that unit's comment
    top = ["", "", "建管站", "", "运管站", "", ""]
    header = ["问卷编号", "评议人类别", "政务公开", "意见建议", "政务公开", "依法行政", "意见建议"]
    rows = [
        ["W1", "企业", "满意", "很好", "不满意", "", "太慢"],
        ["W2", "群众", "", "", "满意", "", ""],
    ]
    write_csv(root / "2026H1" / "responses.csv", [top, header, *rows])
    write_csv(root / "2026H1" / "units.csv", UNITS)
    v = validate_cycle("2026H1")
    assert v.forms["form_id"].tolist() == ["W1/U01", "W1/U02", "W2/U02"]
    got = v.forms["transparency"].astype(str).tolist()
    assert got == ["satisfied", "dissatisfied", "satisfied"]
    assert v.forms["comment"].fillna("").tolist() == ["很好", "太慢", ""]


def scheme_file(tmp_path, text: str, name="scheme.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_scheme_layout_section(tmp_path, root):
    base = default_scheme_path().read_text(encoding="utf-8")
    assert load_scheme().layout == "auto"
    assert (
        load_scheme(scheme_file(tmp_path, base + '\n[layout]\nlayout = "wide"\n')).layout == "wide"
    )
    with pytest.raises(SchemeError) as exc:
        load_scheme(scheme_file(tmp_path, base + '\n[layout]\nlayout = "matrix"\n'))
    assert "layout.layout" in str(exc.value) and "'auto', 'long', 'wide'" in str(exc.value)
    # "long": a wide-looking file is not read as wide (no unit column: an error)
    long_scheme = scheme_file(tmp_path, base + '\n[layout]\nlayout = "long"\n', "long.toml")
    write_csv(root / "2026H1" / "responses.csv", [wide_header(), *WIDE_ROWS])
    write_csv(root / "2026H1" / "units.csv", UNITS)
    v = validate_cycle("2026H1", scheme=long_scheme, raise_on_error=False)
    assert "missing_column" in set(v.problems["code"])
    # "wide" with no rating column: one error naming the file's header row, its example made
    # of the units file's first unit and the scheme's first content
    wide_scheme = scheme_file(tmp_path, base + '\n[layout]\nlayout = "wide"\n', "wide.toml")
    write_csv(root / "2026H1" / "responses.csv", [["问卷编号", "评议人类别"], ["W1", "企业"]])
    v = validate_cycle("2026H1", scheme=wide_scheme, raise_on_error=False)
    assert format_problems(v.problems[v.problems["severity"] == "error"], lang="zh") == [
        f"{R}:1: 矩阵式（宽表）格式：没有任何列名同时写明单位和评议内容（例如写作 建管站-政务公开）"
    ]


def test_single_content_scheme_reads_a_unit_alone(tmp_path, root):
    base = default_scheme_path().read_text(encoding="utf-8")
    start = base.index("[[dimensions]]")
    end = base.index("# ---", start)
    one = (
        '[[dimensions]]\ncode = "overall"\nlabel_zh = "总体评价"\nlabel_en = "Overall"\n'
        "weight = 1.0\n\n"
    )
    path = scheme_file(tmp_path, base[:start] + one + base[end:])
    header = ["问卷编号", "评议人类别", "建管站", "运管站", "综治办"]
    write_csv(root / "2026H1" / "responses.csv", [header, ["W1", "企业", "满意", "", "不满意"]])
    write_csv(root / "2026H1" / "units.csv", UNITS)
    v = validate_cycle("2026H1", scheme=path)
    assert v.forms[["form_id", "overall"]].astype(str).values.tolist() == [
        ["W1/U01", "satisfied"],
        ["W1/U03", "dissatisfied"],
    ]


def test_long_file_with_a_respondent_column(root):
    header = ["问卷编号", "答卷人编号", "被评单位", "评议人类别", *DIMS]
    rows = [
        ["A1", "P1", "U01", "企业", *["满意"] * 5],
        ["A2", "P1", "U02", "企业", *["不满意"] * 5],
        ["A3", "", "U03", "群众", *["满意"] * 5],
    ]
    write_csv(root / "2026H1" / "responses.csv", [header, *rows])
    write_csv(root / "2026H1" / "units.csv", UNITS)
    v = validate_cycle("2026H1")
    assert v.problems.empty
    assert list(v.forms.columns[:3]) == ["cycle", "form_id", "respondent"]
    assert v.forms["respondent"].tolist() == ["P1", "P1", None]


def fill_template(path, rows):
    wb = load_workbook(path)
    ws = wb["测评表"]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    wb.save(path)


def test_wide_template_round_trip(root):
    out = root / "2026H1" / "responses.xlsx"
    write_csv(root / "2026H1" / "units.csv", UNITS)
    write_template(out, cycle="2026H1", units=root / "2026H1" / "units.csv", layout="wide", rows=20)
    ws = load_workbook(out)["测评表"]
    header = [c.value for c in ws[1]]
    assert header == [
        "问卷编号",
        "评议人类别",
        *[f"{u}-{d}" for u in ("建管站", "运管站", "综治办") for d in DIMS],
        "意见建议",
        "填表时间",
        "收集人",
    ]
    levels = [dv for dv in ws.data_validations.dataValidation if "满意" in str(dv.formula1)]
    assert len(levels) == 1 and str(levels[0].sqref).startswith("C2:C21")
    assert ws.freeze_panes == "C2"
    help_text = "\n".join(str(c.value) for c in load_workbook(out)["填表说明"]["A"])
    assert "矩阵式测评表" in help_text and "综治办-政务公开" in help_text
    fill_template(
        out,
        [
            ["T1", "企业", *["满意"] * 5, *[None] * 5, 1, 2, 3, 4, 5, "好"],
            ["T2", "群众", *[None] * 5, 2, 2, None, 2, 2, *["不满意"] * 5, None],
        ],
    )
    v = validate_cycle("2026H1")
    assert v.ok and v.problems.empty
    assert v.forms["form_id"].tolist() == ["T1/U01", "T1/U03", "T2/U02", "T2/U03"]
    assert v.forms["source_row"].tolist() == [2, 2, 3, 3]
    assert v.forms["efficiency"].isna().tolist() == [False, False, True, False]
    assert v.forms["comment"].tolist() == ["好", "好", None, None]


def test_wide_template_refuses_other_tables(root):
    with pytest.raises(ValueError, match="layout='wide' is a layout of the responses"):
        write_template(
            root / "x.xlsx", cycle="2026H1", table="incidents", units=root, layout="wide"
        )
    with pytest.raises(ValueError, match="layout must be one of 'long', 'wide'; got 'matrix'"):
        write_template(root / "x.xlsx", cycle="2026H1", layout="matrix")


def test_cli_template_wide_refuses_other_tables(root, capsys):
    from evalstats.run.cli import main

    code = main(["template", "--cycle", "2026H1", "--table", "units", "--layout", "wide"])
    assert code != 0
    assert (
        "--layout wide 只用于测评表（responses），不用于 --table units" in capsys.readouterr().err
    )
    assert not list(root.glob("*.xlsx"))


@pytest.fixture(scope="module")
def wide_demo(tmp_path_factory):
    files = demo_files(layout="wide")
    base = tmp_path_factory.mktemp("wide_demo")
    for name, data in files["2026H1"].items():
        (base / name).write_bytes(data)
    return validate_cycle(base, cycle="2026H1", today="2026-12-31")


def test_demo_in_the_wide_layout_validates(wide_demo):
    v = wide_demo
    assert v.ok
    assert set(v.problems["code"]) == {"duplicate_form"}
    # one row per respondent; several units per respondent
    per = v.forms.groupby("respondent").size()
    assert per.min() >= 1 and per.median() > 5
    assert v.forms["form_id"].str.match(r"^2026H1-R\d{4}/\w+$").all()
    assert len(v.voided) == 1 and len(v.duplicates) > 0


def test_demo_layout_option_is_checked():
    # the long demo itself is held byte for byte by tests/test_golden.py
    with pytest.raises(ValueError, match="layout must be one of 'long', 'wide'; got 'matrix'"):
        demo_files(layout="matrix")
    with pytest.raises(ValueError, match="with_identifiers=True is a feature of the long layout"):
        demo_files(layout="wide", with_identifiers=True)


# ---------------------------------------------------------------------- quality
def respondent_forms(rows) -> pd.DataFrame:
    """A forms table from (respondent, unit, group, level codes per dimension)."""
    scheme = load_scheme()
    data = {
        "cycle": ["2026H1"] * len(rows),
        "form_id": [f"{r}/{u}" for r, u, *_ in rows],
        "respondent": pd.Series([r for r, *_ in rows], dtype=object),
        "unit": pd.Categorical([u for _, u, *_ in rows], categories=["U1", "U2", "U3", "U4"]),
        "group": pd.Categorical([g for _, _, g, _ in rows], categories=list(scheme.group_codes)),
    }
    for j, d in enumerate(scheme.dimension_codes):
        data[d] = pd.Categorical([lv[j] for *_, lv in rows], dtype=scheme.level_dtype)
    return pd.DataFrame(data)


S = ["satisfied"] * 5
MIX = ["satisfied", "fairly_satisfied", "satisfied", "dissatisfied", None]
MIX2 = ["fairly_satisfied", "satisfied", "satisfied", "satisfied", "satisfied"]


def test_respondent_quality_flags():
    rows = [
        *[("P1", u, "public", S) for u in ("U1", "U2", "U3")],  # straight on 3 units
        ("P2", "U1", "public", S),
        ("P2", "U2", "public", MIX),  # varied
        ("P3", "U1", "public", S),
        ("P3", "U2", "public", MIX),  # the same as P2
        ("P4", "U1", "enterprise", S),
        ("P4", "U2", "enterprise", MIX),  # the same answers, another group: not a duplicate
        ("P5", "U4", "public", MIX2),  # one unit of four: 75 % blank
    ]
    flags = quality_flags(respondent_forms(rows))
    got = flags[["check", "severity", "group", "form_ids", "n_forms", "value"]]
    assert got.values.tolist() == [
        ["straight_respondent", "info", "public", "P1/U1;P1/U2;P1/U3", 3, 3.0],
        ["duplicate_respondent", "warning", "public", "P2/U1;P2/U2;P3/U1;P3/U2", 4, 2.0],
        ["blank_units", "info", "", "", 10, pytest.approx(1 - (3 + 2 + 2 + 2 + 1) / 5 / 4)],
    ]
    reasons = flags["reason"].tolist()
    assert reasons[0].startswith('respondent P1 gave "Satisfied" to all 15 answers on the 3 units')
    assert reasons[1].startswith("2 respondents of ")
    assert "(P2, P3) gave exactly the same answers on the same 2 units" in reasons[1]
    assert reasons[2] == (
        "the 5 respondents rated on average 2.0 of the 4 units and left 50.0% of them blank; "
        "1 left more than 50% of the units blank (P5). A unit left blank is not a form for it."
    )
    assert flags["reason_zh"].iloc[2].startswith("5 位评议人平均评议了 4 个单位中的 2.0 个")
    assert flags.loc[2, "reference"] == pytest.approx(0.2)
    # nothing is excluded by default; on purpose, a check's forms are
    assert len(flagged_form_ids(flags)) == 0
    assert flagged_form_ids(flags, checks="duplicate_respondent").tolist()[:2] == ["P2/U1", "P2/U2"]
    # options checked by name
    with pytest.raises(ValueError, match="respondent_min_units must be at least 2; got 1"):
        quality_flags(respondent_forms(rows), respondent_min_units=1)
    few = quality_flags(respondent_forms(rows), respondent_min_units=4)
    assert "straight_respondent" not in set(few["check"])


def test_respondent_quality_flags_in_any_order():
    """The respondents' forms in runs (a wide file's rows, read in order without gathering)
    or shuffled (gathered by respondent): the same flags."""
    rows = [
        ("P2", "U1", "public", S),
        ("P2", "U2", "public", MIX),
        ("P3", "U1", "public", S),
        ("P3", "U2", "public", MIX),  # the same as P2
        ("P6", "U1", "public", MIX2),
        ("P6", "U2", "public", S),  # the same units, other answers
        *[("P1", u, "public", S) for u in ("U1", "U2", "U3")],
    ]
    shuffled = [rows[k] for k in (5, 0, 8, 3, 6, 1, 4, 2, 7)]

    def flags_of(r):
        f = quality_flags(respondent_forms(r))
        f["form_ids"] = [";".join(sorted(x.split(";"))) for x in f["form_ids"]]
        return f[["check", "group", "form_ids", "n_forms", "value"]].values.tolist()

    want = flags_of(rows)
    assert ["duplicate_respondent", "public", "P2/U1;P2/U2;P3/U1;P3/U2", 4, 2.0] in want
    assert flags_of(shuffled) == want


def test_no_respondent_checks_without_shared_respondents():
    rows = [("P1", "U1", "public", S), ("P2", "U2", "public", MIX)]
    assert quality_flags(respondent_forms(rows)).empty
    assert quality_flags(respondent_forms(rows).drop(columns="respondent")).empty


def test_a_respondents_identical_forms_are_one_sheet_in_a_burst():
    scheme = load_scheme()
    n = 12
    rows = [(f"P{i // 4}", f"U{i % 4 + 1}", "public", S) for i in range(n)]  # 3 people × 4 units
    forms = respondent_forms(rows)
    forms["submitted_at"] = pd.Timestamp("2026-06-10 09:00") + pd.to_timedelta(np.arange(n), "s")
    forms["collector"] = "王某"
    assert scheme.dimension_codes  # the scheme the forms use
    plain = quality_flags(forms.drop(columns="respondent"), burst_min=10)
    assert (plain["check"] == "burst").sum() == 1  # 12 identical forms in 12 s
    flags = quality_flags(forms, burst_min=10)
    assert (flags["check"] == "burst").sum() == 0  # only 3 sheets
    flags = quality_flags(forms, burst_min=3)
    burst = flags[flags["check"] == "burst"]
    assert burst["n_forms"].tolist() == [12] and burst["value"].tolist() == [3.0]
    assert re.search(r"^12 forms with identical answers", burst["reason"].iloc[0])
