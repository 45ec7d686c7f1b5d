"""Reading input files: encodings, formats, header rows, row numbers, cell text."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pytest
from _corpus import FORMS, HEADER, csv_bytes, unchanged, write_csv, write_xlsx

from evalstats.core.errors import InputError
from evalstats.inputs.read import column_letter, find_cycle_files, read_header, read_table


def read(root, path, table="responses"):
    with unchanged(root):
        return read_table(path, table=table)


def problem_lines(raw):
    return [f"{p.code}: {p.reason}" for p in raw.problems.itertuples()]


@pytest.mark.parametrize(
    ("index", "letter"), [(0, "A"), (7, "H"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letter(index, letter):
    assert column_letter(index) == letter


@pytest.mark.parametrize(
    ("encoding", "prefix", "detected"),
    [("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"), ("gbk", b"", "gb18030")],
)
def test_encodings_read_the_same_cells(tmp_path, encoding, prefix, detected):
    path = tmp_path / "responses.csv"
    path.write_bytes(prefix + csv_bytes([HEADER, *FORMS], encoding))
    raw = read(tmp_path, path)
    assert raw.encoding == detected
    assert raw.ok and raw.header_row == 1
    assert list(raw.frame.columns) == HEADER
    assert raw.frame.values.tolist() == [[c if c else None for c in f] for f in FORMS]
    assert raw.columns["清正廉洁"] == "integrity"
    data = path.read_bytes()
    assert (raw.sha256, raw.size) == (hashlib.sha256(data).hexdigest(), len(data))


def test_row_numbers_count_title_and_blank_rows(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["标题"], [], HEADER, FORMS[0], [], FORMS[1]])
    raw = read(tmp_path, path)
    assert raw.header_row == 3
    assert raw.row_numbers.tolist() == [4, 6]
    assert raw.frame["问卷编号"].tolist() == ["A001", "A002"]


def test_quoted_newline_is_one_row(tmp_path):
    header = [*HEADER, "意见建议"]
    rows = [header, [*FORMS[0], "第一行\n第二行"], [*FORMS[1], ""]]
    raw = read(tmp_path, write_csv(tmp_path / "r.csv", rows))
    assert raw.row_numbers.tolist() == [2, 3]
    assert raw.frame["意见建议"].tolist() == ["第一行\n第二行", None]


def test_bare_carriage_return_in_an_unquoted_field_is_a_record_break_not_a_crash(tmp_path):
    # pandas' to_csv of a comment holding a lone CR used to crash the header search
    # ("new-line character seen in unquoted field"); CR now ends the record, as Excel reads it
    header = [*HEADER, "意见建议"]
    body = csv_bytes([header, [*FORMS[0], "x"], [*FORMS[1], ""]]).replace(b",x\n", b",bad\rline\n")
    path = tmp_path / "r.csv"
    path.write_bytes(body)
    raw = read(tmp_path, path)
    assert raw.ok
    assert raw.frame["意见建议"].tolist()[0] == "bad"
    assert raw.row_numbers.tolist() == [2, 3, 4]


def test_cells_normalised_but_free_text_only_trimmed(tmp_path):
    header = [*HEADER, "意见建议"]
    rows = [
        header,
        ["\u3000A001 ", "Ｕ０１", "企业", "满\u3000意", "２", "", "", "", " 好，很好。 "],
    ]
    raw = read(tmp_path, write_csv(tmp_path / "r.csv", rows))
    assert raw.frame.iloc[0].tolist() == [
        "A001",
        "U01",
        "企业",
        "满 意",
        "2",
        None,
        None,
        None,
        "好，很好。",
    ]


def test_header_as_written_and_codes(tmp_path):
    header = [
        "表号",
        " 单位 ",
        "评议人身份",
        "Transparency",
        "依法 行政",
        "办事效率",
        "服务质量",
        "清正廉洁",
        "备注",
    ]
    raw = read(tmp_path, write_csv(tmp_path / "r.csv", [header, [*FORMS[0], "x"]]))
    assert dict(raw.columns) == {
        "表号": "form_id",
        "单位": "unit",
        "评议人身份": "group",
        "Transparency": "transparency",
        "依法 行政": "lawfulness",
        "办事效率": "efficiency",
        "服务质量": "service",
        "清正廉洁": "integrity",
        "备注": None,
    }
    assert raw.letters["备注"] == "I"


def test_duplicate_headers_get_distinct_frame_columns(tmp_path):
    raw = read(tmp_path, write_csv(tmp_path / "r.csv", [[*HEADER, "政务公开"], [*FORMS[0], "1"]]))
    assert list(raw.frame.columns)[-1] == "政务公开 (I)"
    assert raw.written["政务公开 (I)"] == "政务公开"
    assert raw.columns["政务公开 (I)"] == "transparency"


def test_row_longer_than_header_falls_back_without_losing_values(tmp_path):
    rows = [HEADER, FORMS[0], [*FORMS[1], "x", "y"]]
    raw = read(tmp_path, write_csv(tmp_path / "r.csv", rows))
    assert problem_lines(raw) == [
        "headerless_column: values in a column without a header are ignored",
        "headerless_column: values in a column without a header are ignored",
    ]
    assert raw.problems["column"].tolist() == ["(column I)", "(column J)"]
    assert raw.frame["问卷编号"].tolist() == ["A001", "A002"]


def test_xlsx_cells_as_text_and_numeric_mask(tmp_path):
    rows = [
        ["2026年上半年政风行风测评表"],
        [*HEADER, "填表时间"],
        [101, "U01", "企业", 1, 2.0, 3, "满意", None, dt.datetime(2026, 6, 1, 9, 30)],
        ["A2", "U02", "群众", "1", 1.5, True, "满意", None, dt.date(2026, 6, 2)],
    ]
    path = write_xlsx(tmp_path / "r.xlsx", rows, merges=["A1:I1"])
    raw = read(tmp_path, path)
    assert (raw.sheet, raw.header_row, raw.encoding) == ("Sheet1", 2, None)
    assert raw.frame.values.tolist() == [
        ["101", "U01", "企业", "1", "2", "3", "满意", None, "2026-06-01 09:30:00"],
        ["A2", "U02", "群众", "1", "1.5", "TRUE", "满意", None, "2026-06-02"],
    ]
    assert raw.numeric["问卷编号"].tolist() == [True, False]
    assert raw.numeric["依法行政"].tolist() == [True, True]
    assert "被评单位" not in raw.numeric


def test_xlsx_header_on_a_later_sheet(tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [HEADER, FORMS[0]],
        sheet="数据",
        extra_sheets=[("说明", [["填表说明"]])],
    )
    raw = read(tmp_path, path)
    assert raw.sheet == "数据" and raw.frame["问卷编号"].tolist() == ["A001"]


def test_single_known_header_is_still_a_header(tmp_path):
    raw = read(tmp_path, write_csv(tmp_path / "x.csv", [["问卷编号"], ["A001"]]), "exclusions")
    assert raw.header_row == 1 and raw.frame["问卷编号"].tolist() == ["A001"]


@pytest.mark.parametrize(
    ("name", "data", "line"),
    [
        ("r.doc", b"x", "wrong_format: cannot read a .doc file; save the table as .xlsx or .csv"),
        (
            "r.csv",
            b"%PDF-1.4 ...",
            "wrong_format: cannot read this file as CSV: it is a PDF document; "
            "save the table as .xlsx or .csv",
        ),
        (
            "r.csv",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20,
            "wrong_format: cannot read this file as CSV: it is an old Excel (.xls) or Word (.doc) "
            "file; save it as .xlsx",
        ),
        ("r.csv", b"\xef\xbb\xbf \r\n", "empty_file: the file is empty"),
        (
            "r.csv",
            b"a,b\x00c\n",
            "wrong_format: cannot read this file as CSV: it contains binary data; "
            "save it as .xlsx or CSV",
        ),
    ],
)
def test_unreadable_files(tmp_path, name, data, line):
    path = tmp_path / name
    path.write_bytes(data)
    raw = read(tmp_path, path)
    assert problem_lines(raw) == [line]
    assert not raw.ok and raw.frame.empty and raw.header_row is None


def test_missing_file(tmp_path):
    raw = read_table(tmp_path / "nope.csv", table="units")
    assert problem_lines(raw) == ["missing_file: file not found"]


def test_bad_table_option(tmp_path):
    msg = (
        "table must be one of 'responses', 'units', 'forms_issued', 'incidents', 'exclusions'; "
        "got 'unit'"
    )
    with pytest.raises(ValueError, match=msg):
        read_table(tmp_path / "x.csv", table="unit")


def test_find_cycle_files(tmp_path):
    write_csv(tmp_path / "responses.csv", [HEADER])
    write_csv(tmp_path / "units.CSV", [["单位编码"]])
    write_xlsx(tmp_path / "exclusions.xlsx", [["问卷编号"]])
    (tmp_path / "~$responses.xlsx").write_bytes(b"lock")
    (tmp_path / "notes.txt").write_text("x")
    with unchanged(tmp_path):
        files = find_cycle_files(tmp_path)
    assert {k: v.name for k, v in files.items()} == {
        "responses": "responses.csv",
        "units": "units.CSV",
        "exclusions": "exclusions.xlsx",
    }


def test_find_cycle_files_refuses_two_candidates(tmp_path):
    write_csv(tmp_path / "units.csv", [["单位编码"]])
    write_xlsx(tmp_path / "units.xlsx", [["单位编码"]])
    with pytest.raises(InputError) as info:
        find_cycle_files(tmp_path)
    assert str(info.value).splitlines()[1] == (
        f"{tmp_path}: more than one units file; keep only one (units.csv, units.xlsx)"
    )
    with pytest.raises(FileNotFoundError, match="not a folder"):
        find_cycle_files(tmp_path / "units.csv")


def test_to_frame_has_row_numbers(tmp_path):
    raw = read(tmp_path, write_csv(tmp_path / "r.csv", [["标题"], HEADER, FORMS[0]]))
    out = raw.to_frame()
    assert out["row"].tolist() == [3] and np.array_equal(out.columns[1:], HEADER)


# ---------------------------------------------------------------------------- header only
def test_read_header_csv_below_a_title_row(tmp_path):
    title = ["2026年上半年测评", *[""] * 8]
    path = write_csv(tmp_path / "r.csv", [title, [*HEADER, "备用"], *FORMS], encoding="gbk")
    got = read_header(path, table="responses")
    assert list(got) == [*HEADER, "备用"]
    assert got["问卷编号"] == "form_id" and got["清正廉洁"] == "integrity" and got["备用"] is None


def test_read_header_spreadsheet_two_row_header(tmp_path):
    group_row = ["问卷编号", "被评单位", "评议人类别", "评议内容", None, None, None, None]
    dims_row = [None, None, None, *HEADER[3:]]
    path = write_xlsx(tmp_path / "r.xlsx", [group_row, dims_row, *FORMS], merges=["D1:H1"])
    assert read_header(path, table="responses") == read_table(path, table="responses").columns


def test_read_header_parquet_and_unreadable_files(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"单位编码": ["U01"], "名称": ["x"]}), tmp_path / "u.parquet")
    assert read_header(tmp_path / "u.parquet", table="units") == {
        "单位编码": "unit",
        "名称": "name",
    }
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    (tmp_path / "zip.csv").write_bytes(b"PK\x03\x04 rest")
    for name in ("bad.parquet", "bad.xlsx", "zip.csv", "missing.csv"):
        assert read_header(tmp_path / name, table="responses") == {}, name
    assert read_header(write_csv(tmp_path / "n.csv", [["a", "b"]]), table="responses") == {}


def test_parquet_cells_read_as_a_spreadsheet_shows_them(tmp_path):
    # every column type through the per-distinct-value path gives the text cell_text gives
    # each value on its own (dictionary labels, dates with and without time, whole and
    # fractional floats, ints, bools, missing values)
    import pyarrow as pa
    import pyarrow.parquet as pq

    from evalstats.inputs.read.cells import cell_text

    columns = {
        "问卷编号": pa.array(["A1", "A2", None, "A4"]),
        "被评单位": pa.array(["U01", "U01", None, "运管站"]).dictionary_encode(),
        "填表时间": pa.array(
            [dt.datetime(2026, 6, 1), dt.datetime(2026, 6, 1, 9, 30), None, dt.datetime(2026, 6, 2)]
        ),
        "n": pa.array([1.0, 2.5, None, float("nan")]),
        "k": pa.array([3, None, 3, 12345678901234]),
        "b": pa.array([True, False, None, True]),
    }
    path = tmp_path / "responses.parquet"
    pq.write_table(pa.table(columns), path)
    raw = read(tmp_path, path)
    for j, (name, arr) in enumerate(columns.items()):
        expected = [cell_text(v) for v in arr.to_pylist()]
        got = raw.frame.iloc[:, j].tolist()
        assert got == expected, name
