"""Validation: a bad-input corpus built in tmp_path, each case with its exact problem lines."""

from __future__ import annotations

import dataclasses
import random
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _corpus import FORMS, HEADER, UNITS, csv_bytes, make_cycle, unchanged, write_csv, write_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalstats.core.errors import InputError
from evalstats.core.scheme import load_scheme
from evalstats.inputs.forms import form_columns
from evalstats.inputs.validate import (
    REASONS,
    ValidatedCycle,
    check_cycle,
    format_problems,
    format_summary,
    validate_cycle,
)
from evalstats.inputs.validate.reasons import ANY, match_reason

LEVEL = (
    "unknown level; expected one of 满意, 比较满意, 基本满意, 不满意, 不了解 "
    "(or the digits 1, 2, 3, 4, 5)"
)
GROUP = "unknown respondent group; expected one of 企业, 社会义务监督员, 群众, 人大代表/政协委员"
PRECISION = (
    "form id lost precision in Excel (stored as a number; more than 15 digits cannot be kept); "
    "format the column as text and retype the ids"
)
R = "2026H1/responses.csv"


@pytest.fixture
def root(tmp_path, monkeypatch):
    """tmp_path as the project root, so problems name files relative to it."""
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    return tmp_path


def without_chinese(problems) -> list[tuple[str, str]]:
    """(code, reason) of the problems whose English wording has no specific Chinese text in the
    catalogue (:mod:`evalstats.inputs.validate.reasons`): matched by nothing, or only by the
    code's catch-all entry."""
    out = []
    for code, reason in zip(problems["code"], problems["reason"], strict=True):
        found = match_reason(code, reason)
        if found is None or found[0].en == ANY:
            out.append((code, reason))
    return out


def lines(root: Path, target: str = "2026H1", **kw) -> list[str]:
    """The problem lines of ``target``; asserts the raw inputs are left byte-identical, and
    that every problem has its Chinese reason."""
    with unchanged(root):
        problems = check_cycle(target, **kw)
    assert without_chinese(problems) == []
    return format_problems(problems)


def validated(root: Path, target: str = "2026H1", **kw) -> ValidatedCycle:
    with unchanged(root):
        v = validate_cycle(target, raise_on_error=False, **kw)
    assert without_chinese(v.problems) == []
    return v


def with_form(i: int, **changes) -> list:
    """FORMS[i] with cells replaced by header name."""
    row = list(FORMS[i])
    for name, value in changes.items():
        row[HEADER.index(name)] = value
    return row


# ---------------------------------------------------------------------------- the corpus
def test_clean_cycle(root):
    make_cycle(root / "2026H1")
    v = validated(root)
    assert v.ok and format_problems(v.problems) == []
    assert list(v.forms.columns) == form_columns(v.scheme)
    assert v.forms["form_id"].tolist() == ["A001", "A002", "A003"]
    assert v.forms["unit"].tolist() == ["U01", "U02", "U03"]  # 运管站 typed by name
    assert list(v.forms["unit"].cat.categories) == ["U01", "U02", "U03"]
    assert v.forms["group"].tolist() == ["enterprise", "public", "supervisor"]
    assert v.forms["integrity"].isna().tolist() == [False, True, False]
    assert v.forms["source_row"].tolist() == [2, 3, 4]
    assert v.forms["cycle"].unique().tolist() == ["2026H1"]


def test_gbk_csv_with_bad_level(root):
    forms = [FORMS[0], with_form(1, 政务公开="很满意"), FORMS[2]]
    make_cycle(root / "2026H1", forms, encoding="gbk")
    assert lines(root) == [f"{R}:3:政务公开: {LEVEL} (很满意)"]
    assert validated(root).inputs.set_index("table").loc["responses", "encoding"] == "gb18030"


def test_bom_csv_is_clean(root):
    folder = make_cycle(root / "2026H1")
    (folder / "responses.csv").write_bytes(b"\xef\xbb\xbf" + csv_bytes([HEADER, *FORMS]))
    v = validated(root)
    assert format_problems(v.problems) == []
    assert v.inputs.set_index("table").loc["responses", "encoding"] == "utf-8-sig"


def test_missing_integrity_and_bad_level_both_reported(root):
    header = HEADER[:-1]
    forms = [f[:-1] for f in FORMS]
    forms[2][HEADER.index("依法行政")] = "6"
    make_cycle(root / "2026H1", forms, header=header)
    assert lines(root) == [
        f"{R}:1:清正廉洁: required column is missing (integrity)",
        f"{R}:4:依法行政: {LEVEL} (6)",
    ]


def test_merged_two_row_header_under_a_title(root):
    folder = root / "2026H1"
    title = ["2026年上半年政风行风测评表", *[None] * 7]
    group_row = ["问卷编号", "被评单位", "评议人类别", "评议内容", None, None, None, None]
    dims_row = [None, None, None, *HEADER[3:]]
    forms = [FORMS[0], with_form(1, 办事效率="很好"), FORMS[2]]
    write_xlsx(
        folder / "responses.xlsx",
        [title, group_row, dims_row, *forms],
        merges=["A1:H1", "A2:A3", "B2:B3", "C2:C3", "D2:H2"],
    )
    write_csv(folder / "units.csv", UNITS)
    assert lines(root) == [f"2026H1/responses.xlsx:5:办事效率: {LEVEL} (很好)"]
    v = validated(root)
    assert v.inputs.set_index("table").loc["responses", "header_row"] == 3
    assert v.forms["source_row"].tolist() == [4, 6]


def test_full_width_spaces_and_digits(root):
    header = [
        "问卷编号",
        "被评单位",
        "评议人类别",
        "\u3000政务公开\u3000",
        "依法 行政",
        *HEADER[5:],
    ]
    forms = [
        ["A001", "Ｕ０１", "企 业", "满\u3000意", "２", "基本满意 ", "不 满 意", "５"],
        ["A002", " 运管站", "群众", "Satisfied", "fairly_satisfied", "较满意", "４", ""],
    ]
    make_cycle(root / "2026H1", forms, header=header)
    v = validated(root)
    assert format_problems(v.problems) == [
        "2026H1/units.csv:4:单位编码: unit has no forms in the responses (U03)"
    ]
    got = v.forms[list(v.scheme.dimension_codes)].astype(object).where(v.forms.notna(), None)
    assert got.values.tolist() == [
        ["satisfied", "fairly_satisfied", "basically_satisfied", "dissatisfied", "unknown"],
        ["satisfied", "fairly_satisfied", "fairly_satisfied", "dissatisfied", None],
    ]
    assert v.forms["unit"].tolist() == ["U01", "U02"]


def test_duplicate_header(root):
    header = [*HEADER, "政务公开"]
    forms = [[*f, "满意"] for f in FORMS]
    make_cycle(root / "2026H1", forms, header=header)
    assert lines(root) == [
        f"{R}:1:政务公开: duplicated column: column I means the same as column D (政务公开)"
    ]


def test_unknown_levels(root):
    forms = [with_form(0, 服务质量="很满意"), with_form(1, 清正廉洁="6"), FORMS[2]]
    make_cycle(root / "2026H1", forms)
    assert lines(root) == [f"{R}:2:服务质量: {LEVEL} (很满意)", f"{R}:3:清正廉洁: {LEVEL} (6)"]


def test_conflicting_duplicate_forms(root):
    forms = [*FORMS, with_form(0, 清正廉洁="满意")]
    make_cycle(root / "2026H1", forms)
    assert lines(root) == [f"{R}:5:问卷编号: same form id as row 2 but different answers (A001)"]
    v = validated(root)
    assert v.forms["form_id"].tolist() == ["A002", "A003"]  # no copy of A001 is counted


def test_form_typed_twice_is_counted_once(root):
    forms = [*FORMS, FORMS[0]]
    make_cycle(root / "2026H1", forms)
    assert lines(root) == [
        f"{R}:5:问卷编号: form typed twice: same id and answers as row 2; counted once (A001)"
    ]
    v = validated(root)
    assert v.ok and len(v.forms) == 3
    assert v.duplicates[["form_id", "source_row", "first_row"]].values.tolist() == [["A001", 5, 2]]
    assert v.summary()["duplicates_collapsed"] == 1


def test_18_digit_id_stored_as_number_in_xlsx(root):
    forms = [
        [123456789012345678, *FORMS[0][1:]],  # 18 digits: Excel keeps 15 significant digits
        [123456789012345, *FORMS[1][1:]],  # 15 digits stored as a number: exact, fine
        ["123456789012345678", *FORMS[2][1:]],  # 18 digits stored as text: fine
    ]
    make_cycle(root / "2026H1", forms, fmt="xlsx")
    # the value is shown as Excel shows it: 15 significant digits
    assert lines(root) == [f"2026H1/responses.xlsx:2:问卷编号: {PRECISION} (1.23456789012346E+17)"]
    v = validated(root)
    assert v.forms["form_id"].tolist() == ["123456789012345", "123456789012345678"]


def test_scientific_id_in_csv(root):
    make_cycle(root / "2026H1", [with_form(0, 问卷编号="1.23457E+17"), *FORMS[1:]])
    assert lines(root) == [f"{R}:2:问卷编号: {PRECISION} (1.23457E+17)"]


def test_empty_file(root):
    folder = make_cycle(root / "2026H1")
    (folder / "responses.csv").write_bytes(b"")
    assert lines(root) == [f"{R}: the file is empty"]


def test_xlsx_renamed_csv(root):
    folder = make_cycle(root / "2026H1", fmt="xlsx")
    (folder / "responses.xlsx").rename(folder / "responses.csv")
    assert lines(root) == [
        f"{R}: cannot read this file as CSV: it is an Excel workbook (a zip file); "
        "rename it to .xlsx"
    ]


def test_csv_renamed_xlsx(root):
    folder = make_cycle(root / "2026H1")
    (folder / "responses.csv").rename(folder / "responses.xlsx")
    assert lines(root) == [
        "2026H1/responses.xlsx: cannot read this file as .xlsx: it looks like CSV text; "
        "rename it to .csv"
    ]


def test_title_row_above_header_csv(root):
    folder = make_cycle(root / "2026H1")
    rows = [["2026年上半年政风行风测评表"], HEADER, *FORMS[:2], with_form(2, 政务公开="好")]
    write_csv(folder / "responses.csv", rows)
    assert lines(root) == [f"{R}:5:政务公开: {LEVEL} (好)"]
    assert validated(root).inputs.set_index("table").loc["responses", "header_row"] == 2


def test_returned_above_issued(root):
    folder = make_cycle(root / "2026H1")
    write_csv(
        folder / "forms_issued.csv",
        [
            ["被评单位", "评议人类别", "发放数"],
            ["U01", "企业", "0"],
            ["U02", "群众", "5"],
            ["综治办", "社会义务监督员", "1"],
        ],
    )
    assert lines(root) == [
        "2026H1/forms_issued.csv:2:发放数: 1 returned for U01 × enterprise, more than the 0 "
        "issued (0)"
    ]
    v = validated(root)
    assert v.forms_issued.values.tolist() == [
        ["U01", "enterprise", 0],
        ["U02", "public", 5],
        ["U03", "supervisor", 1],
    ]


def test_unknown_excluded_id_and_voided_form(root):
    folder = make_cycle(root / "2026H1")
    write_csv(
        folder / "exclusions.csv", [["问卷编号", "原因"], ["A009", "重复"], ["A002", "字迹不清"]]
    )
    assert lines(root) == [
        "2026H1/exclusions.csv:2:问卷编号: excluded form id not found in the responses (A009)",
        # U02's one form is voided: it has nothing to score (issue 15: said, not silent)
        "2026H1/units.csv:3:单位编码: unit has 1 form but no scored answer (every answer 不了解 "
        "or blank, or its forms voided): it gets no score or rank (无综合得分) (U02)",
    ]
    v = validated(root)
    assert v.voided[["form_id", "reason"]].values.tolist() == [["A002", "字迹不清"]]
    assert v.forms["form_id"].tolist() == ["A001", "A003"]


def test_undecodable_bytes(root):
    folder = make_cycle(root / "2026H1")
    data = csv_bytes([HEADER, FORMS[0]]) + b"A004,U01,\xff\xff\n"
    (folder / "responses.csv").write_bytes(data)
    offset = data.index(b"\xff")
    assert lines(root) == [
        f"{R}:3: cannot decode the file: it is neither UTF-8 nor GBK/GB18030 text "
        f"(byte 0xff at offset {offset}); save it as UTF-8 CSV or .xlsx"
    ]


def test_unknown_unit(root):
    make_cycle(root / "2026H1", [*FORMS, ["A004", "水利站", "企业", "1", "1", "1", "1", "1"]])
    assert lines(root) == [
        f"{R}:5:被评单位: unknown unit: neither a code nor a name in 2026H1/units.csv (水利站)"
    ]


def test_blank_and_unknown_keys(root):
    forms = [
        with_form(0, 评议人类别=""),
        with_form(1, 问卷编号=""),
        with_form(2, 被评单位=""),
        ["A004", "U01", "居委会", "1", "1", "1", "1", "1"],
    ]
    make_cycle(root / "2026H1", forms)
    assert lines(root) == [
        f"{R}:2:评议人类别: blank respondent group",
        f"{R}:3:问卷编号: blank form id",
        f"{R}:4:被评单位: blank unit",
        f"{R}:5:评议人类别: {GROUP} (居委会)",
        "2026H1/units.csv:4:单位编码: unit has no forms in the responses (U03)",
    ]


def test_unknown_extra_column_is_a_warning(root):
    make_cycle(root / "2026H1", [[*f, "甲"] for f in FORMS], header=[*HEADER, "备用列"])
    v = validated(root)
    assert v.ok
    assert format_problems(v.problems) == [f"{R}:1:备用列: unknown column is ignored (column I)"]


def test_no_data_rows(root):
    make_cycle(root / "2026H1", [])
    assert lines(root) == [f"{R}:1: no data rows below the header"]


def test_units_file_problems(root):
    units = [
        UNITS[0],
        ["U01", "建管站", "行政管理"],
        ["U01", "运管站", "行政执法"],
        ["U03", "", "公共服务"],
        ["U04", "水利站", "行政服务"],
    ]
    make_cycle(root / "2026H1", units=units)
    assert lines(root) == [
        f"{R}:3:被评单位: unknown unit: neither a code nor a name in 2026H1/units.csv (运管站)",
        "2026H1/units.csv:3:单位编码: duplicate unit code (also row 2) (U01)",
        "2026H1/units.csv:4:单位名称: blank unit name",
        "2026H1/units.csv:5:序列: unknown series; expected one of 行政管理, 行政执法, 公共服务 "
        "(行政服务)",
        "2026H1/units.csv:5:单位编码: unit has no forms in the responses (U04)",
    ]


def test_forms_issued_problems(root):
    folder = make_cycle(root / "2026H1")
    write_csv(
        folder / "forms_issued.csv",
        [
            ["单位", "类别", "发放份数"],
            ["U01", "企业", "十"],
            ["U02", "群众", "-1"],
            ["U09", "企业", "3"],
            ["U03", "居委会", "2"],
            ["U03", "社会义务监督员", "2.5"],
        ],
    )
    f = "2026H1/forms_issued.csv"
    assert lines(root) == [
        f"{f}:2:发放份数: forms issued must be a whole number, 0 or more (十)",
        f"{f}:3:发放份数: forms issued must be a whole number, 0 or more (-1)",
        f"{f}:4:单位: unknown unit: neither a code nor a name in the units file (U09)",
        f"{f}:5:类别: {GROUP} (居委会)",
        f"{f}:6:发放份数: forms issued must be a whole number, 0 or more (2.5)",
        f"{f}: no forms-issued count for this unit and group (1 forms returned); response rate "
        "unknown (U01 × enterprise)",
        f"{f}: no forms-issued count for this unit and group (1 forms returned); response rate "
        "unknown (U02 × public)",
        f"{f}: no forms-issued count for this unit and group (1 forms returned); response rate "
        "unknown (U03 × supervisor)",
    ]


def test_incident_problems(root):
    folder = make_cycle(root / "2026H1")
    write_csv(
        folder / "incidents.csv",
        [
            ["被评单位", "日期", "类别", "说明"],
            ["U01", "2026-03-15", "重大责任事故", "塌方"],
            ["U09", "2026-03-15", "媒体曝光查实", ""],
            ["U02", "2026-13-45", "其他", ""],
            ["综治办", "2026/4/1", "酒驾", ""],
        ],
    )
    f = "2026H1/incidents.csv"
    assert lines(root) == [
        f"{f}:3:被评单位: unknown unit: neither a code nor a name in the units file (U09)",
        f"{f}:4:日期: cannot read this as a date (write e.g. 2026-03-15) (2026-13-45)",
        f"{f}:5:类别: unknown incident kind; expected one of 重大责任事故, 媒体曝光查实, "
        "班子成员被立案查处, 其他 (酒驾)",
    ]
    inc = validated(root).incidents
    assert inc["unit"].tolist() == ["U01"] and inc["kind"].tolist() == ["major_accident"]
    assert inc["date"].tolist() == [pd.Timestamp("2026-03-15")]


def test_submitted_at_unparseable(root):
    header = [*HEADER, "填表时间"]
    forms = [
        [*FORMS[0], "2026-06-01 09:30"],
        [*FORMS[1], "昨天"],
        [*FORMS[2], "2026年6月3日"],
    ]
    make_cycle(root / "2026H1", forms, header=header)
    assert lines(root) == [
        f"{R}:3:填表时间: cannot read this as a date and time (write e.g. 2026-06-30 14:05) (昨天)"
    ]
    v = validated(root)
    assert v.forms["submitted_at"].tolist() == [
        pd.Timestamp("2026-06-01 09:30"),
        pd.Timestamp("2026-06-03"),
    ]


def test_missing_units_file(root):
    make_cycle(root / "2026H1", units=None)
    assert lines(root) == ["2026H1: no units file (expected units.xlsx, .xls, .ods or .csv)"]
    # one responses file given: a warning, and the units are the values typed
    v = validated(root, "2026H1/responses.csv")
    assert format_problems(v.problems) == [
        f"{R}: no units file next to the responses file: unit codes cannot be checked"
    ]
    assert list(v.forms["unit"].cat.categories) == ["U01", "运管站", "U03"]


def test_two_responses_files(root):
    folder = make_cycle(root / "2026H1")
    write_xlsx(folder / "responses.xlsx", [HEADER, *FORMS])
    assert lines(root) == [
        "2026H1: more than one responses file; keep only one (responses.csv, responses.xlsx)"
    ]
    assert lines(root, "2026H1/responses.xlsx") == []  # naming the file settles it


def test_unit_without_forms_is_a_warning(root):
    make_cycle(root / "2026H1", units=[*UNITS, ["U04", "水利站", "公共服务"]])
    assert lines(root) == ["2026H1/units.csv:5:单位编码: unit has no forms in the responses (U04)"]


def test_value_without_header(root):
    folder = make_cycle(root / "2026H1")
    write_csv(folder / "responses.csv", [HEADER, *FORMS[:2], [*FORMS[2], "多余"]])
    assert lines(root) == [
        f"{R}:4:(column I): values in a column without a header are ignored (多余)"
    ]
    assert len(validated(root).forms) == 3


def test_utf16_text(root):
    folder = make_cycle(root / "2026H1")
    (folder / "responses.csv").write_bytes(csv_bytes([HEADER, *FORMS], "utf-16"))
    assert lines(root) == [
        f'{R}: cannot read this file as CSV: it is UTF-16 text (Excel "Unicode Text"); '
        'save it as "CSV UTF-8" or .xlsx'
    ]


def test_no_header_row(root):
    folder = make_cycle(root / "2026H1")
    write_csv(folder / "responses.csv", [["a", "b"], ["1", "2"]])
    assert lines(root) == [
        f"{R}: no header row found: no row of the first 50 names a known column (expected "
        "问卷编号, 被评单位, 评议人类别, 意见建议, 填表时间, 收集人, 政务公开, 依法行政, "
        "办事效率, 服务质量, 清正廉洁, 意见类别)"
    ]


# ---------------------------------------------------------------------------- API behaviour
def test_raises_input_error_with_every_problem(root):
    forms = [with_form(0, 服务质量="很满意"), with_form(1, 清正廉洁="6"), FORMS[2]]
    make_cycle(root / "2026H1", forms)
    with unchanged(root), pytest.raises(InputError) as info:
        validate_cycle("2026H1")
    assert str(info.value) == "\n".join(
        [
            "2 problem(s) in the input data:",
            f"{R}:2:服务质量: {LEVEL} (很满意)",
            f"{R}:3:清正廉洁: {LEVEL} (6)",
        ]
    )
    assert info.value.problems["code"].tolist() == ["unknown_level", "unknown_level"]


def test_problems_table_columns(root):
    make_cycle(root / "2026H1", [with_form(0, 服务质量="很满意"), *FORMS[1:]])
    p = check_cycle("2026H1")
    assert p.to_dict(orient="records") == [
        {
            "severity": "error",
            "file": R,
            "row": 2,
            "column": "服务质量",
            "value": "很满意",
            "reason": LEVEL,
            "code": "unknown_level",
        }
    ]


def test_bad_arguments(root):
    make_cycle(root / "2026H1")
    with pytest.raises(FileNotFoundError, match="no such file or folder: nowhere"):
        validate_cycle("nowhere")
    with pytest.raises(TypeError, match="raise_on_error must be True or False; got 1"):
        validate_cycle("2026H1", raise_on_error=1)
    with pytest.raises(ValueError, match="cycle must be a non-empty string; got ''"):
        validate_cycle("2026H1", cycle="")


def test_cycle_name_and_long_view(root):
    make_cycle(root / "2026H1")
    v = validate_cycle("2026H1", cycle="2026A")
    assert v.cycle == "2026A"
    long = v.long()
    assert len(long) == 3 * 5
    assert long["level"].isna().sum() == 1


def test_summary_and_format(root):
    folder = make_cycle(root / "2026H1", [*FORMS, FORMS[0]], encoding="gbk")
    write_csv(folder / "exclusions.csv", [["问卷编号", "原因"], ["A003", "作废"]])
    v = validate_cycle("2026H1")
    s = v.summary()
    assert (s["forms_read"], s["duplicates_collapsed"], s["voided"], s["forms_counted"]) == (
        4,
        1,
        1,
        2,
    )
    assert s["forms_by_group"] == {"enterprise": 1, "supervisor": 0, "public": 1, "deputy": 0}
    # A001: 满意 比较满意 基本满意 不满意 不了解; A002: 1 2 3 4 blank
    assert s["answers"] == {
        "satisfied": 2,
        "fairly_satisfied": 2,
        "basically_satisfied": 2,
        "dissatisfied": 2,
        "unknown": 1,
        "blank": 1,
    }
    assert format_summary(v).splitlines() == [
        "cycle 2026H1 (scheme default)",
        f"  responses    {R} (encoding gb18030, header row 1, 4 rows)",
        "  units        2026H1/units.csv (encoding utf-8, header row 1, 3 rows)",
        "  exclusions   2026H1/exclusions.csv (encoding utf-8, header row 1, 1 rows)",
        "forms: 4 read, 1 typed twice (counted once), 1 voided, 2 counted",
        "  by group: enterprise 1, supervisor 0, public 1, deputy 0",
        "answers: satisfied 2, fairly_satisfied 2, basically_satisfied 2, dissatisfied 2, "
        "unknown 1, blank 1",
        "units: 3 (2 with forms)",
        # the duplicate, and U03 whose one form is voided: nothing to score (issue 15)
        "problems: 0 errors, 2 warnings",
    ]
    assert format_summary(v, lang="zh").splitlines() == [
        "本期 2026H1（方案 default）",
        f"  测评表数据：{R}（编码 gb18030，表头在第 1 行，4 行）",
        "  单位名单：2026H1/units.csv（编码 utf-8，表头在第 1 行，3 行）",
        "  作废名单：2026H1/exclusions.csv（编码 utf-8，表头在第 1 行，1 行）",
        "测评表：读入 4 份，重复录入 1 份（只计一次），作废 1 份，计入 2 份",
        "  按评议人类别：企业 1，社会义务监督员 0，群众 1，人大代表/政协委员 0",
        "答案：满意 2，比较满意 2，基本满意 2，不满意 2，不了解 1，未填 1",
        "单位：3 个（2 个有测评表）",
        "问题：错误 0 个，警告 2 个",
    ]


def test_every_row_is_accounted_for(root):
    forms = [
        *FORMS,
        FORMS[0],  # duplicate
        with_form(1, 问卷编号="A005", 政务公开="很好"),  # error
        with_form(2, 问卷编号="A006"),  # voided
        with_form(2, 问卷编号="A007"),
    ]
    folder = make_cycle(root / "2026H1", forms)
    write_csv(folder / "exclusions.csv", [["问卷编号", "原因"], ["A006", "作废"]])
    v = validated(root)
    rows = (
        set(v.forms["source_row"])
        | set(v.voided["source_row"])
        | set(v.duplicates["source_row"])
        | set(v.errors.loc[v.errors["file"] == R, "row"].astype(int))
    )
    assert rows == set(range(2, 2 + len(forms)))


# ---------------------------------------------------------------------------- properties
SCHEME = load_scheme()
LEVEL_SPELLINGS = {
    "satisfied": ["满意", "1", "满 意", "１", "Satisfied"],
    "fairly_satisfied": ["比较满意", "2", "较满意", "２"],
    "basically_satisfied": ["基本满意", "3"],
    "dissatisfied": ["不满意", "4", "dissatisfied"],
    "unknown": ["不了解", "5", "不清楚"],
    None: [""],
}
GROUP_SPELLINGS = {
    "enterprise": ["企业", "服务对象"],
    "public": ["群众", "居民"],
    "deputy": ["人大代表"],
}
UNIT_SPELLINGS = {"U01": ["U01", "建管站"], "U02": ["U02", "运管站"], "U03": ["U03", "综治办"]}


@st.composite
def form_rows(draw):
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        unit = draw(st.sampled_from(sorted(UNIT_SPELLINGS)))
        group = draw(st.sampled_from(sorted(GROUP_SPELLINGS)))
        row = [
            f"F{i:03d}",
            draw(st.sampled_from(UNIT_SPELLINGS[unit])),
            draw(st.sampled_from(GROUP_SPELLINGS[group])),
        ]
        for _ in SCHEME.dimension_codes:
            code = draw(st.sampled_from(list(LEVEL_SPELLINGS)))
            row.append(draw(st.sampled_from(LEVEL_SPELLINGS[code])))
        rows.append(row)
    if draw(st.booleans()):
        rows.append(list(rows[0]))  # a form typed twice
    return rows


def canonical(v: ValidatedCycle) -> pd.DataFrame:
    """The validated forms without where they came from, sorted by form id."""
    f = v.forms.drop(columns=["source_file", "source_row"])
    return f.sort_values("form_id").reset_index(drop=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=form_rows(), seed=st.integers(0, 2**16), encoding=st.sampled_from(["gbk", "utf-8-sig"]))
def test_shuffled_and_reencoded_files_validate_identically(rows, seed, encoding):
    with tempfile.TemporaryDirectory() as tmp:
        a = make_cycle(Path(tmp) / "2026H1", rows)
        shuffled = list(rows)
        random.Random(seed).shuffle(shuffled)
        b = make_cycle(Path(tmp) / "b" / "2026H1", shuffled, encoding=encoding)
        with unchanged(Path(tmp)):
            # problems kept, not raised: a draw whose every answer is 不了解 or blank is an
            # error (no_scored_answer), and the two files must agree on that too
            va = validate_cycle(a, raise_on_error=False)
            vb = validate_cycle(b, raise_on_error=False)
    pd.testing.assert_frame_equal(canonical(va), canonical(vb))
    assert sorted(va.problems["code"]) == sorted(vb.problems["code"])
    assert len(va.duplicates) == len(vb.duplicates)
    assert vb.inputs["encoding"].iloc[0] == ("gb18030" if encoding == "gbk" else "utf-8-sig")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=form_rows())
def test_xlsx_and_gbk_csv_validate_identically(rows):
    # in the workbook, paper digits are typed as numbers (numeric cells), as offices do
    as_numbers = [[int(c) if c.isascii() and c.isdigit() else c for c in r] for r in rows]
    with tempfile.TemporaryDirectory() as tmp:
        a = make_cycle(Path(tmp) / "x" / "2026H1", as_numbers, fmt="xlsx")
        b = make_cycle(Path(tmp) / "g" / "2026H1", rows, encoding="gbk")
        with unchanged(Path(tmp)):
            va = validate_cycle(a, raise_on_error=False)  # no_scored_answer: both, not raised
            vb = validate_cycle(b, raise_on_error=False)
    pd.testing.assert_frame_equal(canonical(va), canonical(vb))
    assert np.array_equal(va.forms["source_row"], vb.forms["source_row"])
    pd.testing.assert_frame_equal(
        va.problems.drop(columns="file"), vb.problems.drop(columns="file")
    )


# ---------------------------------------------------------------------------- identifiers
ID_KEY = "a validation test key"


@pytest.fixture
def no_key_env(monkeypatch):
    from evalstats.inputs.pseudonym import KEY_ENV, KEY_FILE_ENV

    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)


def id_cycle(root: Path, header_extra=("评议人姓名", "联系电话"), extra=None):
    extra = extra or [("张三", "13800138000"), ("李四", ""), ("", "138 0013 8000")]
    forms = [[*f, *e] for f, e in zip(FORMS, extra, strict=True)]
    return make_cycle(root / "2026H1", forms, header=[*HEADER, *header_extra])


def test_identifiers_become_a_respondent_column(root, no_key_env, tmp_path_factory):
    from evalstats.inputs.pseudonym import PseudonymKey, pseudonymize

    folder = id_cycle(root)
    write_csv(folder / "exclusions.csv", [["问卷编号", "原因"], ["A002", "作废"]])
    key = PseudonymKey.from_secret(ID_KEY)
    v = validated(root, key=key)
    # U02's one form is voided: a warning that it has nothing to score (issue 15), no other
    assert v.ok and v.problems[["code", "value"]].values.tolist() == [
        ["unit_without_scored_answer", "U02"]
    ]
    cols = form_columns(v.scheme)
    # the respondent column sits right after form_id (issue 17: one place whatever its source)
    assert list(v.forms.columns) == [*cols[:2], "respondent", *cols[2:]]
    phone = pseudonymize(["13800138000"], key, kind="phone")[0]
    assert v.forms["respondent"].tolist() == [phone, phone]  # A001 and A003: one phone
    assert v.voided["respondent"].tolist() == [pseudonymize(["李四"], key)[0]]  # name only
    assert v.identifiers == ("respondent_phone", "respondent_name")
    assert v.pseudonym_key_id == key.key_id and v.identifiers_action == "pseudonymised"
    assert v.summary()["identifiers"] == {
        "columns": ["respondent_phone", "respondent_name"],
        "action": "pseudonymised",
        "key_id": key.key_id,
    }
    assert format_summary(v).splitlines()[-2] == (
        "respondent identifiers (respondent_phone, respondent_name): replaced by keyed "
        f"pseudonyms in column respondent (key id {key.key_id})"
    )
    # a single responses file, and a key given as a key file outside the project
    keyfile = tmp_path_factory.mktemp("key") / "k"  # a folder of its own, outside the project
    keyfile.write_text(ID_KEY, encoding="utf-8")
    w = validated(root, "2026H1/responses.csv", key_file=keyfile)
    assert w.forms["respondent"].tolist() == v.forms["respondent"].tolist()


def test_identifiers_without_key_are_dropped(root, no_key_env):
    id_cycle(root, header_extra=("手机",), extra=[("13800138000",), ("",), ("1",)])
    v = validated(root)
    assert "respondent" not in v.forms.columns and v.ok
    assert v.identifiers == ("respondent_phone",) and v.identifiers_action == "dropped"
    assert [(p.code, p.column, p.row) for p in v.problems.itertuples()] == [
        ("identifiers_dropped", "手机", 1)
    ]
    assert format_summary(v).splitlines()[-2] == (
        "respondent identifiers (respondent_phone): dropped (no pseudonym key)"
    )


def test_duplicated_identifier_columns_show_no_values(root, no_key_env):
    id_cycle(root, header_extra=("姓名", "评议人姓名"), extra=[("张三", "张三丰")] * 3)
    v = validated(root, key=ID_KEY)
    assert lines(root, key=ID_KEY) == [
        f"{R}:1:评议人姓名: duplicated column: column J means the same as column I (姓名)"
    ]
    from evalstats.inputs.pseudonym import pseudonymize

    # the first of the two columns makes the respondent; neither's values are shown
    assert v.forms["respondent"].tolist() == [pseudonymize(["张三"], ID_KEY)[0]] * 3
    assert "张三" not in v.problems.astype(str).to_csv() + v.forms.astype(str).to_csv()


def test_bad_keys(root, no_key_env, monkeypatch):
    from evalstats.core.errors import UsageError
    from evalstats.inputs.pseudonym import KEY_ENV

    make_cycle(root / "2026H1")
    # an explicit key is always checked; a key in the environment only when it is needed
    with pytest.raises(UsageError, match=r"too short \(5 bytes\)"):
        validated(root, key="short")
    monkeypatch.setenv(KEY_ENV, "short")
    assert validated(root).ok
    id_cycle(root)
    with pytest.raises(UsageError, match=r"^the pseudonym key from environment variable"):
        validated(root)
    keyfile = root / "2026H1" / "key.txt"
    keyfile.write_text(ID_KEY, encoding="utf-8")
    with pytest.raises(UsageError, match=r"is inside the (data|project) folder"):
        validated(root, key_file=keyfile)
    with pytest.raises(ValueError, match=r"^give key or key_file, not both$"):
        validated(root, key=ID_KEY, key_file=keyfile)


def test_redact_masks_identifier_values():
    from evalstats.inputs.validate.identifiers import Identifiers, redact

    problems = pd.DataFrame(
        [
            ["error", "r.csv", 3, "联系电话", "13800138000", "x", "c"],
            ["error", "r.csv", 3, "被评单位", "U9", "x", "c"],
            ["error", "other.csv", 3, "联系电话", "13800138000", "x", "c"],
            ["error", "r.csv", 1, "联系电话", None, "x", "c"],
        ],
        columns=["severity", "file", "row", "column", "value", "reason", "code"],
        dtype=object,
    )
    ident = Identifiers(("respondent_phone",), "r.csv", ("联系电话",))
    got = redact(problems, ident)
    assert got["value"].tolist() == ["<redacted>", "U9", "13800138000", None]
    assert redact(problems, Identifiers()) is problems


# ---------------------------------------------------------------------------- in a notebook
def test_repr_is_short_and_says_what_the_cycle_holds(root):
    forms = [*FORMS, with_form(1, 政务公开="很满意")]  # one bad form: invalid
    forms[-1][0] = "A004"
    make_cycle(root / "2026H1", forms)
    v = validated(root)
    text = repr(v)
    assert len(text) < 400
    assert text.startswith("<ValidatedCycle 2026H1: 3 forms counted of 4 rows read, 3 units;")
    assert "INVALID, 1 errors, 0 warnings" in text
    assert "forms[3]" in text and "forms_issued[-]" in text and "problems[1]" in text
    assert len(repr(v)) < len(str(v.forms))  # not the dataclass repr of every table


def test_html_card_is_short_escaped_and_names_the_problems(root):
    forms = [*FORMS, with_form(1, 政务公开="<script>alert(1)</script>")]
    forms[-1][0] = "A004"
    make_cycle(root / "2026H1", forms)
    v = validated(root)
    card = v._repr_html_()
    assert len(card) < 4000
    assert "validated cycle 2026H1" in card and "无效 invalid" in card
    groups = "企业 1, 社会义务监督员 1, 群众 1, 人大代表/政协委员 0"
    assert f"3 forms counted ({groups}) of 4 rows read" in card
    assert "3 units, 3 with forms" in card
    assert "<script>" not in card and "&lt;script&gt;alert(1)&lt;/script&gt;" in card
    assert "responses.csv:5:政务公开" in card
    for name in ("forms", "voided", "units", "forms_issued", "problems", "inputs"):
        assert f"<code>{name}</code>" in card
    clean = dataclasses.replace(v, problems=v.problems.iloc[0:0], cycle="<b>2026H1")
    card = clean._repr_html_()
    assert "有效 valid" in card and "<ul>" not in card and "&lt;b&gt;2026H1" in card


# ---------------------------------------------------------------------- reasons in Chinese
def emitted_codes() -> set[str]:
    """Every problem code written in the package's source: ``code="…"`` keywords, the codes
    of read failures (``_Failure(reason, "code")``), of the out-of-core judge
    (``cells(column, mask, severity, reason, "code")``) and of problem rows written as lists."""
    import ast

    import evalstats

    codes = set()
    for path in Path(evalstats.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant):
                        codes.add(kw.value.value)
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                last = node.args[-1] if node.args else None
                if isinstance(last, ast.Constant) and isinstance(last.value, str):
                    if name == "_Failure" or (name == "cells" and len(node.args) == 5):
                        codes.add(last.value)
            if isinstance(node, ast.List) and len(node.elts) == 7:
                first, last = node.elts[0], node.elts[-1]
                if (
                    isinstance(first, ast.Constant)
                    and first.value in ("error", "warning")
                    and isinstance(last, ast.Constant)
                ):
                    codes.add(last.value)
    return {c for c in codes if isinstance(c, str)}


def test_every_code_the_validators_write_has_a_chinese_reason():
    codes = emitted_codes()
    # the scan finds the codes (a scan that found nothing would pass vacuously)
    assert {"unknown_level", "wrong_format", "undecodable", "identifiers_dropped"} <= codes
    assert len(codes) >= 35
    assert sorted(codes - set(REASONS)) == []
    assert sorted(set(REASONS) - codes) == []  # no entry for a code nobody writes
    for code, entries in REASONS.items():
        assert entries[-1].en == ANY, code  # a catch-all last: a Chinese text whatever happens
        for entry in entries:
            assert entry.zh and not any("a" <= ch <= "z" for ch in entry.zh.split("{")[0][:2])


def test_chinese_problem_lines_fill_in_the_dynamic_parts(root):
    forms = [with_form(0, 服务质量="很满意"), with_form(1, 被评单位="U9"), FORMS[2], FORMS[2]]
    folder = make_cycle(root / "2026H1", forms)
    issued = [
        ["被评单位", "评议人类别", "发放数"],
        ["U03", "社会义务监督员", "1"],
        ["U03", "火星人", "1"],
    ]
    write_csv(folder / "forms_issued.csv", issued)
    v = validated(root)
    f = "2026H1/forms_issued.csv"
    assert format_problems(v.problems, lang="zh") == [
        f"{f}:3:评议人类别: 未知的评议人类别；应为以下之一：企业, 社会义务监督员, 群众, "
        "人大代表/政协委员 (火星人)",
        f"{R}:2:服务质量: 无法识别的评价等次；应为以下之一：满意, 比较满意, 基本满意, 不满意, "
        "不了解（或数字 1, 2, 3, 4, 5） (很满意)",
        f"{R}:3:被评单位: 未知单位：既不是 2026H1/units.csv 中的单位编码，"
        "也不是其中的单位名称 (U9)",
        f"{R}:5:问卷编号: 问卷重复录入：与第 4 行的编号和答案都相同，只计一次 (A003)",
        "2026H1/units.csv:3:单位编码: 该单位在测评表数据中没有任何测评表 (U02)",
    ]
    # the table itself keeps the English reasons and the codes
    assert v.problems["reason"].str.startswith("unknown level").sum() == 1
    assert format_problems(v.problems)[0].endswith("人大代表/政协委员 (火星人)")
    assert "unknown respondent group; expected one of" in format_problems(v.problems)[0]
