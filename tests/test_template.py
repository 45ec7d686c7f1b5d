"""Tests of the XLSX entry template (evalstats.inputs.template)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import quote_sheetname

from evalstats.core.errors import InputError
from evalstats.core.scheme import load_scheme, normalize_label
from evalstats.inputs.template import (
    ENTRY_SHEETS,
    FIXED_TIMESTAMP,
    SHEET_ENTRY,
    SHEET_HELP,
    SHEET_LISTS,
    TEMPLATE_TABLES,
    default_template_name,
    response_headers,
    template_headers,
    workbook_bytes,
    write_template,
)

SCHEME = load_scheme()
LISTS_REF = quote_sheetname(SHEET_LISTS)
HEADERS = [h for _, h in response_headers(SCHEME)]
NAMES = ["党政办", "财政所", "建管站", "运管站"]
UNITS = pd.DataFrame(
    {"unit": ["party_office", "finance_office", "construction_station", "transport_station"]}
).assign(name=NAMES, series=["行政管理", "行政管理", "行政执法", "行政执法"])


@pytest.fixture
def template(tmp_path):
    return write_template(tmp_path / "t.xlsx", cycle="2026H1", units=UNITS)


def validations(ws) -> dict[str, object]:
    """Data validations by the column letter they cover."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        ref = str(dv.sqref)
        out[ref.split(":")[0].rstrip("0123456789")] = dv
    return out


def inline_values(dv) -> list[str]:
    assert dv.formula1.startswith('"') and dv.formula1.endswith('"')
    return dv.formula1[1:-1].split(",")


# ---------------------------------------------------------------------- structure
def test_sheets_headers_and_frozen_row(template):
    wb = load_workbook(template)
    assert wb.sheetnames == [SHEET_ENTRY, SHEET_HELP, SHEET_LISTS]
    assert wb[SHEET_LISTS].sheet_state == "hidden"
    ws = wb[SHEET_ENTRY]
    assert [c.value for c in ws[1]] == HEADERS
    assert HEADERS[:3] == ["问卷编号", "被评单位", "评议人类别"]
    assert HEADERS[-3:] == ["意见建议", "填表时间", "收集人"]
    assert ws.freeze_panes == "A2"
    assert all(c.font.bold for c in ws[1])


def test_id_column_is_text_and_widths_set(template):
    ws = load_workbook(template)[SHEET_ENTRY]
    assert ws.column_dimensions["A"].number_format == "@"
    assert ws.column_dimensions["J"].number_format == "yyyy-mm-dd hh:mm"
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert set(widths) == set("ABCDEFGHIJK")
    assert widths["I"] == 40 and widths["A"] >= 16
    assert all(w >= 10 for w in widths.values())


def test_drop_down_lists(template):
    wb = load_workbook(template)
    ws = wb[SHEET_ENTRY]
    dvs = validations(ws)
    # unit, group and the five dimensions
    assert sorted(dvs) == list("BCDEFGH")
    for col, dv in dvs.items():
        assert dv.type == "list"
        assert str(dv.sqref) == f"{col}2:{col}5001"
        assert dv.allow_blank and dv.showErrorMessage and dv.errorStyle == "stop"
    # the unit list refers to the hidden lists sheet
    assert dvs["B"].formula1 == f"{LISTS_REF}!$A$2:$A$5"
    lists = wb[SHEET_LISTS]
    assert [lists.cell(row=r, column=1).value for r in range(2, 6)] == NAMES
    assert inline_values(dvs["C"]) == [g.label_zh for g in SCHEME.groups]
    levels = [v.label_zh for v in SCHEME.levels]
    assert levels[-1] == "不了解"  # valid levels and 不了解
    for col in "DEFGH":
        # the labels, then the paper-form digits the reader accepts as well
        assert inline_values(dvs[col]) == [*levels, "1", "2", "3", "4", "5"]
        assert "满意 或 1" in dvs[col].prompt and "不了解 或 5" in dvs[col].prompt
        assert len(dvs[col].prompt) <= 255 and len(dvs[col].promptTitle) <= 32


def test_long_lists_and_unsafe_labels_use_the_lists_sheet(tmp_path):
    many = pd.DataFrame({"单位名称": [f"测试单位{i:03d}" for i in range(200)]})
    wb = load_workbook(write_template(tmp_path / "t.xlsx", cycle="C", units=many))
    assert validations(wb[SHEET_ENTRY])["B"].formula1 == f"{LISTS_REF}!$A$2:$A$201"

    text = load_scheme().to_dict()
    text["groups"][0]["label_zh"] = "企业,个体户"  # a comma would split an inline list
    path = tmp_path / "s.toml"
    path.write_text(_to_toml(text), encoding="utf-8")
    wb = load_workbook(write_template(tmp_path / "u.xlsx", cycle="C", units=UNITS, scheme=path))
    dv = validations(wb[SHEET_ENTRY])["C"]
    assert dv.formula1 == f"{LISTS_REF}!$B$2:$B$5"
    assert wb[SHEET_LISTS]["B2"].value == "企业,个体户"


def _to_toml(data: dict) -> str:
    """A minimal TOML writer for the scheme dict (tables, arrays of tables, scalars)."""

    def scalar(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        return repr(v)

    lines: list[str] = []

    def table(prefix, mapping):
        simple = {k: v for k, v in mapping.items() if not isinstance(v, dict)}
        nested = {k: v for k, v in mapping.items() if isinstance(v, dict)}
        lines.append(f"[{prefix}]")
        lines.extend(f"{k} = {scalar(v)}" for k, v in simple.items())
        for k, v in nested.items():
            table(f"{prefix}.{k}", v)

    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                lines.append(f"[[{key}]]")
                lines.extend(f"{k} = {scalar(v)}" for k, v in item.items())
        elif isinstance(value, dict):
            table(key, value)
    return "\n".join(lines) + "\n"


def test_instructions_in_chinese_from_the_scheme(template):
    ws = load_workbook(template)[SHEET_HELP]
    text = "\n".join(str(r[0]) for r in ws.iter_rows(values_only=True) if r[0])
    assert text.startswith("2026年上半年 政风行风测评 测评表 录入模板 填表说明")
    for item in (*SCHEME.levels, *SCHEME.groups, *SCHEME.dimensions):
        assert item.label_zh in text
    assert "文本格式" in text and "留空" in text


# ---------------------------------------------------------------------- determinism
def test_deterministic_bytes(tmp_path):
    a = write_template(tmp_path / "a.xlsx", cycle="2026H1", units=UNITS).read_bytes()
    b = write_template(tmp_path / "b.xlsx", cycle="2026H1", units=UNITS).read_bytes()
    assert a == b
    c = write_template(tmp_path / "c.xlsx", cycle="2026A", units=UNITS).read_bytes()
    assert c != a
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert {i.date_time for i in z.infolist()} == {FIXED_TIMESTAMP.timetuple()[:6]}
        core = z.read("docProps/core.xml").decode()
    assert "2026-01-01T00:00:00Z</dcterms:modified>" in core
    assert "2026-01-01T00:00:00Z</dcterms:created>" in core


def test_workbook_bytes_fixes_the_save_time():
    wb = Workbook()
    wb.active["A1"] = "x"
    stamp = dt.datetime(2030, 5, 6, 7, 8, 9)
    data = workbook_bytes(wb, timestamp=stamp)
    assert data == workbook_bytes(wb, timestamp=stamp)
    back = load_workbook(io.BytesIO(data))
    assert back.properties.modified == back.properties.created == stamp


def _old_workbook_bytes(wb, timestamp=FIXED_TIMESTAMP) -> bytes:
    """workbook_bytes before issue 5: save, then rewrite the whole archive."""
    wb.properties.created = timestamp
    wb.properties.modified = timestamp
    wb.properties.creator = "evalstats"
    wb.properties.lastModifiedBy = "evalstats"
    raw = io.BytesIO()
    wb.save(raw)
    stamp = timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = re.sub(
                    r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rf"\g<1>{stamp}\g<2>",
                    data.decode("utf-8"),
                )
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=timestamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, data)
    return out.getvalue()


def _sample_workbook(write_only: bool) -> Workbook:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("数据") if write_only else wb.active
    rows = [
        ["编号", "得分", "日期"],
        ["001", 88.5, dt.datetime(2026, 6, 18, 9, 30)],
        ["x", None, None],
    ]
    for row in rows:
        ws.append(row)
    if not write_only:
        ws["A1"].font = Font(bold=True)
        ws.freeze_panes = "A2"
        wb.create_sheet("lists").sheet_state = "hidden"
    return wb


@pytest.mark.parametrize("write_only", [False, True])
def test_workbook_bytes_same_as_save_and_rezip(write_only):
    # written once, straight into an archive with fixed times: the same bytes as saving and
    # rewriting the archive (what workbook_bytes did before), for normal and write-only books
    stamp = dt.datetime(2030, 5, 6, 7, 8, 9)
    old = _old_workbook_bytes(_sample_workbook(write_only), stamp)
    assert workbook_bytes(_sample_workbook(write_only), timestamp=stamp) == old


def test_workbook_bytes_same_as_save_and_rezip_for_the_template(tmp_path, monkeypatch):
    from evalstats.inputs import template

    new = write_template(tmp_path / "new.xlsx", cycle="2026H1", units=UNITS).read_bytes()
    monkeypatch.setattr(
        template, "save_workbook", lambda wb, out: out.write_bytes(_old_workbook_bytes(wb)) and out
    )
    old = write_template(tmp_path / "old.xlsx", cycle="2026H1", units=UNITS).read_bytes()
    assert new == old


def test_workbook_bytes_rewrite():
    wb = Workbook()
    wb.active["A1"] = "x"
    seen = []

    def edit(data: bytes) -> bytes:
        seen.append(data)
        return data.replace(b"<t>x</t>", b"<t>y</t>")

    data = workbook_bytes(wb, rewrite={"xl/worksheets/sheet1.xml": edit})
    assert len(seen) == 1 and b"<t>x</t>" in seen[0]
    assert load_workbook(io.BytesIO(data)).active["A1"].value == "y"
    with pytest.raises(ValueError) as e:
        workbook_bytes(wb, rewrite={"xl/worksheets/sheet9.xml": edit})
    assert str(e.value) == "workbook has no part 'xl/worksheets/sheet9.xml' to rewrite"
    with pytest.raises(TypeError) as e:
        workbook_bytes(load_workbook(io.BytesIO(data), read_only=True))
    assert str(e.value) == "a read-only workbook cannot be saved"


# ---------------------------------------------------------------------- units sources
def test_units_from_csv_file_with_bom_and_gbk(tmp_path):
    table = (
        "单位编码,单位名称,序列\r\n"
        "finance_office,财政所,行政管理\r\n"
        "justice_office,司法所,行政执法\r\n"
    )
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + table.encode("utf-8"))
    (tmp_path / "gbk.csv").write_bytes(table.encode("gbk"))
    for name in ("bom.csv", "gbk.csv"):
        out = write_template(tmp_path / f"{name}.xlsx", cycle="C", units=tmp_path / name)
        lists = load_workbook(out)[SHEET_LISTS]
        assert [lists["A2"].value, lists["A3"].value, lists["A4"].value] == [
            "财政所",
            "司法所",
            None,
        ]


def test_units_from_xlsx_with_title_row(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["2026年被评单位名单"])
    ws.append(["编码", "名称", "序列"])
    ws.append(["a", "文化站", "公共服务"])
    ws.append(["b", "文化站", "公共服务"])  # listed twice: one entry in the drop-down
    ws.append(["c", "林业站", "公共服务"])
    wb.save(tmp_path / "units.xlsx")
    out = write_template(tmp_path / "t.xlsx", cycle="C", units=tmp_path / "units.xlsx")
    lists = load_workbook(out)[SHEET_LISTS]
    assert [lists["A2"].value, lists["A3"].value, lists["A4"].value] == ["文化站", "林业站", None]


def test_units_found_in_the_cycle_folder(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "raw" / "2026A"
    folder.mkdir(parents=True)
    (folder / "units.csv").write_text(
        "单位编码,单位名称,序列\nx,卫生院,公共服务\n", encoding="utf-8"
    )
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    out = write_template("t.xlsx", cycle="2026A")
    assert out == tmp_path / "t.xlsx"
    assert load_workbook(out)[SHEET_LISTS]["A2"].value == "卫生院"


def test_demo_units_give_the_town(tmp_path):
    from evalstats.inputs.demo import write_demo

    write_demo(tmp_path)
    units = tmp_path / "data" / "raw" / "2026H1" / "units.csv"
    wb = load_workbook(write_template(tmp_path / "t.xlsx", cycle="2026H1", units=units))
    assert validations(wb[SHEET_ENTRY])["B"].formula1 == f"{LISTS_REF}!$A$2:$A$25"


# ---------------------------------------------------------------------- errors
def test_no_units_file_for_the_cycle(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        write_template(tmp_path / "t.xlsx", cycle="2026H2")
    assert str(info.value) == (
        "no units file for cycle '2026H2': looked for units.csv or units.xlsx in "
        f"{tmp_path / 'data' / 'raw' / '2026H2'}; pass units= (a units table or file)"
    )
    assert not (tmp_path / "t.xlsx").exists()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"cycle": ""}, ValueError, "cycle must be a non-empty string; got ''"),
        ({"rows": 0}, ValueError, "rows must be a positive whole number; got 0"),
        ({"units": 3}, TypeError, "units must be a DataFrame, a path or None; got int"),
        (
            {"units": pd.DataFrame({"编码": ["a"]})},
            ValueError,
            "units: no unit-name column (accepted headers: 单位名称, 名称, name, unit_name)",
        ),
        (
            {"units": pd.DataFrame({"name": ["", " "]})},
            ValueError,
            "the units table lists no unit names",
        ),
    ],
)
def test_bad_arguments(tmp_path, kwargs, error, message):
    args = {"cycle": "2026H1", "units": UNITS, **kwargs}
    with pytest.raises(error) as info:
        write_template(tmp_path / "t.xlsx", **args)
    assert str(info.value) == message
    assert not (tmp_path / "t.xlsx").exists()


def test_units_file_problems_raise_input_error(tmp_path):
    with pytest.raises(InputError) as info:
        write_template(tmp_path / "t.xlsx", cycle="C", units=tmp_path / "nope.csv")
    assert str(info.value) == (
        f"1 problem(s) in the input data:\n{tmp_path / 'nope.csv'}: file not found"
    )
    (tmp_path / "units.csv").write_text("编码,序列\na,行政管理\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        write_template(tmp_path / "t.xlsx", cycle="C", units=tmp_path / "units.csv")
    assert str(info.value) == (
        f"1 problem(s) in the input data:\n{tmp_path / 'units.csv'}:1: no unit-name column "
        "(accepted headers: 单位名称, 名称, name, unit_name)"
    )
    assert info.value.problems["code"].tolist() == ["missing_column"]
    # a file the reader cannot use: its problems are passed on
    (tmp_path / "units.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError) as info:
        write_template(tmp_path / "t.xlsx", cycle="C", units=tmp_path / "units.txt")
    assert info.value.problems["file"].tolist() == [str(tmp_path / "units.txt")]
    assert not (tmp_path / "t.xlsx").exists()


# ---------------------------------------------------------------------- filled in
def fill(template_path, out_path, rows, *, sheet=SHEET_ENTRY):
    wb = load_workbook(template_path)
    ws = wb[sheet]
    for r, values in enumerate(rows, start=2):
        for c, v in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=v)
    wb.save(out_path)
    return out_path


FILLED = [
    ["123456789012345678", "党政办", "企业", "满意", "满意", "比较满意", "满意", "不了解",
     None, dt.datetime(2026, 6, 18, 9, 30), "张某"],
    ["H1-00002", "建管站", "社会义务监督员", "不满意", "基本满意", None, "不满意", "基本满意",
     "办事拖拉，希望改进。", dt.datetime(2026, 6, 18, 10, 5), "李某"],
    ["H1-00003", "运管站", "人大代表/政协委员", "满意", "满意", "满意", "满意", "满意",
     None, dt.datetime(2026, 6, 19, 15, 0), "李某"],
    ["0004", "财政所", "群众", "比较满意", "满意", "满意", "满意", "满意",
     None, dt.datetime(2026, 6, 19, 15, 20), "李某"],
]  # fmt: skip


def test_filled_template_is_well_formed(tmp_path, template):
    out = fill(template, tmp_path / "responses.xlsx", FILLED)
    wb = load_workbook(out)
    ws = wb[SHEET_ENTRY]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws["A2"].value == "123456789012345678" and ws["A2"].data_type == "s"
    assert len(ws.data_validations.dataValidation) == 7
    back = pd.read_excel(out, sheet_name=SHEET_ENTRY, dtype=str, engine="calamine")
    assert list(back.columns) == HEADERS and len(back) == 4
    assert back["问卷编号"].tolist() == ["123456789012345678", "H1-00002", "H1-00003", "0004"]


def test_filled_template_validates_clean(tmp_path, template):
    validate = pytest.importorskip("evalstats.inputs.validate")
    folder = tmp_path / "2026H1"
    folder.mkdir()
    fill(template, folder / "responses.xlsx", FILLED)
    UNITS.set_axis(["单位编码", "单位名称", "序列"], axis=1).to_csv(
        folder / "units.csv", index=False
    )
    v = validate.validate_cycle(folder, raise_on_error=False)
    assert v.ok, v.problems
    assert len(v.problems) == 0
    assert len(v.forms) == 4
    assert v.forms["form_id"].tolist() == ["123456789012345678", "H1-00002", "H1-00003", "0004"]


# ---------------------------------------------------------------------- answers: labels or digits
def validation_of(ws, ref: str):
    """The data validation covering cell ``ref`` of ``ws`` (None: the cell has none)."""
    return next((dv for dv in ws.data_validations.dataValidation if ref in dv.sqref), None)


def excel_accepts(wb, ws, ref: str, typed) -> bool:
    """Whether the validation rule of ``ref`` lets ``typed`` in, as Excel applies it.

    ``typed`` is the value Excel stores for what the clerk typed: a number for ``1``, text
    for ``满意``.  A list rule's inline items (``"满意,…,1"``) are numbers where they read as
    numbers; a range's items are the cells' values; text compares case-insensitively.
    Whole-number and date rules compare the number typed with their bounds.
    """
    dv = validation_of(ws, ref)
    if dv is None:
        return True

    def key(value, *, inline: bool = False):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return ("number", float(value))
        if inline:
            try:
                return ("number", float(value))
            except ValueError:
                pass
        return ("text", str(value).casefold())

    if dv.type == "list":
        formula = dv.formula1
        if formula.startswith('"'):
            items = [key(v, inline=True) for v in formula[1:-1].split(",")]
        else:
            sheet, cells = formula.rsplit("!", 1)
            block = wb[sheet.strip("'")][cells.replace("$", "")]
            items = [key(c.value) for row in block for c in row]
        return key(typed) in items
    if isinstance(typed, dt.datetime):  # Excel stores a date as its serial number
        typed = (typed - dt.datetime(1899, 12, 30)).days
    if not isinstance(typed, int | float):
        return False
    if dv.type == "whole":
        return typed == int(typed) and typed >= float(dv.formula1)
    if dv.type == "date":
        return float(dv.formula1) <= typed <= float(dv.formula2)
    raise AssertionError(f"unexpected rule {dv.type}")


def test_digit_answers_pass_the_answer_rule(template):
    wb = load_workbook(template)
    ws = wb[SHEET_ENTRY]
    for col in "DEFGH":  # the five dimensions
        for digit in (1, 2, 3, 4, 5):
            assert excel_accepts(wb, ws, f"{col}2", digit)
            assert excel_accepts(wb, ws, f"{col}5001", digit)
        for label in ("满意", "比较满意", "基本满意", "不满意", "不了解"):
            assert excel_accepts(wb, ws, f"{col}2", label)
        for wrong in (0, 6, 1.5, "很好", "6"):
            assert not excel_accepts(wb, ws, f"{col}2", wrong)
    # the reader reads each digit as its level, so the rule and the reader agree
    lookup = SCHEME.level_lookup()
    assert [lookup[str(d)] for d in range(1, 6)] == [v.code for v in SCHEME.levels]
    # groups and units stay lists of labels
    assert excel_accepts(wb, ws, "C2", "群众") and not excel_accepts(wb, ws, "C2", 1)
    assert excel_accepts(wb, ws, "B2", "建管站") and not excel_accepts(wb, ws, "B2", "JGZ")


def test_a_range_list_keeps_digits_as_numbers(tmp_path):
    # an answer list too long to be inline refers to the lists sheet: the digits there are
    # numbers, so a typed 1 still matches
    text = load_scheme().to_dict()
    text["levels"][0]["label_zh"] = "满意" + "很" * 200
    path = tmp_path / "s.toml"
    path.write_text(_to_toml(text), encoding="utf-8")
    wb = load_workbook(write_template(tmp_path / "t.xlsx", cycle="C", units=UNITS, scheme=path))
    ws = wb[SHEET_ENTRY]
    assert not validation_of(ws, "D2").formula1.startswith('"')
    assert excel_accepts(wb, ws, "D2", 1) and excel_accepts(wb, ws, "D2", 5)
    assert not excel_accepts(wb, ws, "D2", 6)


# ---------------------------------------------------------------------- the other tables
@pytest.mark.parametrize(
    ("table", "sheet", "headers"),
    [
        ("forms_issued", "发放数", ["被评单位", "评议人类别", "发放数"]),
        ("incidents", "一票否决事项", ["被评单位", "日期", "类别", "说明"]),
        ("exclusions", "作废问卷", ["问卷编号", "原因"]),
    ],
)
def test_table_templates_headers_and_sheets(tmp_path, table, sheet, headers):
    wb = load_workbook(write_template(tmp_path / "t.xlsx", cycle="2026A", table=table, units=UNITS))
    assert wb.sheetnames == [sheet, SHEET_HELP, SHEET_LISTS]
    assert ENTRY_SHEETS[table] == sheet
    assert [c.value for c in wb[sheet][1]] == headers == template_headers(table)
    assert wb[sheet].freeze_panes == "A2"
    # every header is one the reader accepts for that table
    lookup = SCHEME.header_lookup(table)
    assert all(normalize_label(h) in lookup for h in headers)
    text = "\n".join(str(r[0]) for r in wb[SHEET_HELP].iter_rows(values_only=True) if r[0])
    assert text.startswith(f"2026年度 政风行风测评 {sheet} 录入模板 填表说明")
    assert f"{table}.xlsx" in text


def test_forms_issued_template_rules(tmp_path):
    wb = load_workbook(
        write_template(tmp_path / "t.xlsx", cycle="C", table="forms_issued", units=UNITS)
    )
    ws = wb["发放数"]
    assert sorted(validations(ws)) == ["A", "B", "C"]
    assert validations(ws)["A"].formula1 == f"{LISTS_REF}!$A$2:$A$5"
    assert inline_values(validations(ws)["B"]) == [g.label_zh for g in SCHEME.groups]
    assert ws.column_dimensions["C"].number_format == "0"
    assert excel_accepts(wb, ws, "C2", 0) and excel_accepts(wb, ws, "C2", 120)
    assert not excel_accepts(wb, ws, "C2", -1) and not excel_accepts(wb, ws, "C2", 2.5)
    assert not excel_accepts(wb, ws, "C2", "二十")


def test_incidents_template_rules(tmp_path):
    wb = load_workbook(
        write_template(tmp_path / "t.xlsx", cycle="C", table="incidents", units=UNITS)
    )
    ws = wb["一票否决事项"]
    assert sorted(validations(ws)) == ["A", "B", "C"]
    assert ws.column_dimensions["B"].number_format == "yyyy-mm-dd"
    assert excel_accepts(wb, ws, "B2", dt.datetime(2026, 3, 15))
    assert not excel_accepts(wb, ws, "B2", "3月15号")
    assert inline_values(validations(ws)["C"]) == [k.label_zh for k in SCHEME.incident_kinds]
    assert excel_accepts(wb, ws, "C2", "媒体曝光查实")
    assert not excel_accepts(wb, ws, "C2", "media_exposure")
    assert ws.column_dimensions["D"].width == 40


def test_exclusions_template_needs_no_units(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))  # no units file anywhere
    wb = load_workbook(write_template(tmp_path / "t.xlsx", cycle="2026H2", table="exclusions"))
    ws = wb["作废问卷"]
    assert ws.column_dimensions["A"].number_format == "@"
    assert validations(ws) == {}
    with pytest.raises(FileNotFoundError):
        write_template(tmp_path / "u.xlsx", cycle="2026H2", table="incidents")


def test_unknown_table_refused(tmp_path):
    with pytest.raises(ValueError) as info:
        write_template(tmp_path / "t.xlsx", cycle="C", table="comments", units=UNITS)
    assert str(info.value) == (
        "table must be one of 'responses', 'units', 'forms_issued', 'incidents', 'exclusions'; "
        "got 'comments'"
    )
    assert not (tmp_path / "t.xlsx").exists()


@pytest.mark.parametrize("table", TEMPLATE_TABLES)
def test_no_code_visible_to_the_clerk(tmp_path, table):
    # the visible sheets hold Chinese words only: no scheme code (enterprise, satisfied,
    # major_accident, …) and no English column name; file names are the one exception
    wb = load_workbook(
        write_template(tmp_path / "t.xlsx", cycle="2026H1", table=table, units=UNITS)
    )
    codes = {
        x.code for x in (*SCHEME.levels, *SCHEME.groups, *SCHEME.dimensions, *SCHEME.incident_kinds)
    } | {c for t in SCHEME.headers for c in SCHEME.headers[t]}
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert [ws.title for ws in visible] == [ENTRY_SHEETS[table], SHEET_HELP]
    for ws in visible:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                words = re.findall(r"[A-Za-z_]+", str(value or ""))
                shown = {w for w in words if w not in ("xlsx", "csv", "Excel")}
                assert not shown & codes, (ws.title, value)
                assert shown <= set(TEMPLATE_TABLES) | {"responses", "units"}, (ws.title, value)


def test_every_template_typed_in_validates_clean(tmp_path):
    folder = tmp_path / "2026H1"
    folder.mkdir()
    typed = {
        # the units file from its template too, English names optional (issue 14 item 8)
        "units": [
            [*row, en]
            for row, en in zip(
                UNITS.to_numpy().tolist(),
                ["Party and Government Office", " Finance Office ", None, None],
                strict=True,
            )
        ],
        # digits typed as Excel stores them (numbers), mixed with labels
        "responses": [
            *FILLED,
            ["H1-00005", "党政办", "企业", 1, 2, 3, 4, 5, None, dt.datetime(2026, 6, 20), "王某"],
        ],
        "forms_issued": [
            ["党政办", "企业", 10],
            ["建管站", "社会义务监督员", 5],
            ["运管站", "人大代表/政协委员", 3],
            ["财政所", "群众", 1],
        ],
        "incidents": [["运管站", dt.datetime(2026, 3, 15), "媒体曝光查实", "群众反映，经核查属实"]],
        "exclusions": [["0004", "字迹无法辨认"]],
    }  # fmt: skip
    for table, rows in typed.items():
        blank = write_template(
            tmp_path / f"{table}-blank.xlsx", cycle="2026H1", table=table, units=UNITS
        )
        fill(blank, folder / f"{table}.xlsx", rows, sheet=ENTRY_SHEETS[table])
    from evalstats.inputs.validate import validate_cycle

    v = validate_cycle(folder, raise_on_error=False)
    assert v.ok, v.problems
    # 财政所's one form (0004) is voided: it has nothing to score, said (issue 15), no other
    assert v.problems[["code", "value"]].values.tolist() == [
        ["unit_without_scored_answer", "finance_office"]
    ], v.problems.to_string()
    assert sorted(v.inputs["table"]) == sorted(typed)
    assert v.units["name_en"].tolist() == [
        "Party and Government Office",
        "Finance Office",
        None,
        None,
    ]
    forms = v.forms.set_index("form_id")
    assert "0004" not in forms.index  # excluded
    assert len(forms) == 4
    row = forms.loc["H1-00005"]
    assert [str(row[d.code]) for d in SCHEME.dimensions] == [v_.code for v_ in SCHEME.levels]
    assert v.incidents["kind"].tolist() == ["media_exposure"]
    assert v.incidents["date"].tolist() == [pd.Timestamp("2026-03-15")]
    assert v.forms_issued["issued"].sum() == 19


def test_cli_template_table(tmp_path, monkeypatch):
    from evalstats.run.cli import main

    units = tmp_path / "units.csv"
    UNITS.set_axis(["单位编码", "单位名称", "序列"], axis=1).to_csv(units, index=False)
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    assert (
        main(["template", "--cycle", "2026A", "--table", "incidents", "--units", str(units)]) == 0
    )
    out = tmp_path / "2026A_一票否决事项_录入模板.xlsx"
    assert out.name == default_template_name("2026A", "incidents")
    assert load_workbook(out).sheetnames[0] == "一票否决事项"
    assert main(["template", "--cycle", "2026A", "--units", str(units)]) == 0
    assert load_workbook(tmp_path / "2026A_录入模板.xlsx").sheetnames[0] == SHEET_ENTRY
