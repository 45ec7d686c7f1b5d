"""Hostile input files at the reading layer (issue 15, items 1 and 2): bounded reading.

Every case goes through the command line (``evalstats validate data/raw/2026H1``, writing
allowed), and asserts the message (key words, English and Chinese), the exit code, that the
input files are byte-identical afterwards and that no interim folder was written.  The bombs
(a row of 200,000 fields, a sheet inflating to 1 GiB, a sheet whose used range reaches
XFD1048576) run in a subprocess under ``RLIMIT_AS`` = 1.5 GiB and a CPU limit: the process
must exit 1 with the message, in bounded memory and seconds, not be killed.  On the code
before the limits these cases ended in a MemoryError (exit 3), a Rust allocation abort
(SIGABRT), "internal error" (exit 3), or exit 0 with the wrong data counted.

Inputs are generated in ``tmp_path`` (the largest file on disk is the 4.6 MB zip bomb).
"""

from __future__ import annotations

import hashlib
import resource
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalstats.core.reading import ReadLimits
from evalstats.core.resources import default_scheme_path
from evalstats.run.cli import main

sys.path.insert(0, str(Path(__file__).parent))
from _corpus import FORMS, HEADER, csv_bytes, make_cycle, write_xlsx

BOM = b"\xef\xbb\xbf"
MEMORY = 1536 << 20  # RLIMIT_AS of the bomb subprocesses
PEAK_MIB = 250  # peak RSS a bomb may reach: ~130 MiB of interpreter, pandas and pyarrow + margin


# ---------------------------------------------------------------------- the project
@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project root whose cycle folder ``data/raw/2026H1`` the test fills."""
    root = tmp_path / "proj"
    (root / "data" / "raw" / "2026H1").mkdir(parents=True)
    monkeypatch.setenv("EVALSTATS_ROOT", str(root))
    monkeypatch.chdir(root)
    return root


def cycle(root: Path) -> Path:
    return root / "data" / "raw" / "2026H1"


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def validate(root: Path, capsys, *extra: str, lang: str = "en") -> tuple[int, str]:
    """``evalstats validate data/raw/2026H1`` in this process: (exit code, output); asserts the
    inputs unchanged and, for a refusal, no interim folder."""
    before = hashes(cycle(root))
    capsys.readouterr()
    code = main(["validate", "data/raw/2026H1", "--no-progress", "--lang", lang, *extra])
    got = capsys.readouterr()
    assert hashes(cycle(root)) == before
    if code != 0:
        assert not (root / "data" / "interim").exists()
    return code, got.out + got.err


def _limited():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


VALIDATE = ("validate", "data/raw/2026H1", "--no-progress", "--lang", "en")
# The peak is the process's own high-water mark (VmHWM, reset by exec), not ru_maxrss: Linux
# carries ru_maxrss over exec from the forked parent, so under pytest it showed the test worker's
# size (382 MiB after other test files ran in the same worker), not the validation's.
PROBE = (
    "import re, sys\n"
    "from evalstats.run.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "status = open('/proc/self/status', encoding='ascii').read()\n"
    "peak = int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) // 1024\n"
    "print(f'peak_mib={peak}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def validate_bounded(root: Path) -> tuple[int, str, int]:
    """``evalstats validate`` in a subprocess under RLIMIT_AS 1.5 GiB and 60 s of CPU:
    (exit code, output, peak RSS in MiB); asserts the inputs unchanged and no interim folder."""
    if not Path("/proc/self/status").exists():
        pytest.skip("the peak is read from /proc (Linux)")
    before = hashes(cycle(root))
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *VALIDATE],
        capture_output=True,
        text=True,
        cwd=root,
        env={**_env(), "EVALSTATS_ROOT": str(root)},
        preexec_fn=_limited,
        timeout=120,
    )
    assert hashes(cycle(root)) == before
    assert not (root / "data" / "interim").exists()
    out = proc.stdout + proc.stderr
    peak = int(out.rsplit("peak_mib=", 1)[1].split()[0]) if "peak_mib=" in out else -1
    return proc.returncode, out, peak


def _env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("EVALSTATS_")}


def scheme_with(root: Path, extra: str) -> str:
    """A scheme file: the bundled one plus ``extra`` TOML; its path as given to --scheme."""
    p = root / "scheme_extra.toml"
    p.write_text(default_scheme_path().read_text(encoding="utf-8") + "\n" + extra, "utf-8")
    return str(p)


# ---------------------------------------------------------------------- CSV
@pytest.mark.parametrize("fields", [20_000, 200_000])
def test_a_row_of_thousands_of_empty_fields_is_refused_in_bounded_memory(project, fields):
    # before: 20,000 fields 833 MB and 63 s; 200,000 fields 17.7 GB, killed (MemoryError here)
    folder = make_cycle(cycle(project))
    p = folder / "responses.csv"
    p.write_bytes(p.read_bytes() + b"A004" + b"," * (fields - 1) + b"\n")
    code, out, peak = validate_bounded(project)
    assert code == 1, out
    assert (
        f"data/raw/2026H1/responses.csv:5: too many fields in one row: {fields:,} fields, more "
        "than the limit of 1,000 (limits.columns in the scheme)"
    ) in out
    assert "internal error" not in out
    assert 0 < peak < PEAK_MIB


def test_a_stray_quote_with_more_than_128_kb_after_it_names_its_row(project, capsys):
    # before: "internal error (Error: field larger than field limit (131072))", exit 3
    folder = make_cycle(cycle(project))
    tail = "".join(f"A{i:06d},U01,企业,1,1,1,1,1\n" for i in range(8000)).encode()
    body = csv_bytes([HEADER, FORMS[0]]) + '"A009,U02,群众,1,2,3,4,\n'.encode() + tail
    (folder / "responses.csv").write_bytes(body)
    assert len(tail) > 128 * 1024
    code, out = validate(project, capsys)
    assert code == 1, out
    assert 'responses.csv:3: unclosed quote: the " that opens a field in this row is never ' in out
    code, out = validate(project, capsys, lang="zh")
    assert code == 1
    assert "responses.csv:3: 引号没有闭合" in out


def test_an_unclosed_quote_near_the_end_is_an_error_not_rows_swallowed(project, capsys):
    # before: the parser failed, the csv module made the last two rows one field; the messages
    # named a blank unit and group on row 4, not the quote
    folder = make_cycle(cycle(project))
    (folder / "responses.csv").write_bytes(
        csv_bytes([HEADER, *FORMS[:2]])
        + '"A003,U03,企业,1,1,1,1,1\nA004,U01,企业,1,1,1,1,1\n'.encode()
    )
    code, out = validate(project, capsys)
    assert code == 1, out
    assert "responses.csv:4: unclosed quote" in out


def test_a_byte_order_mark_in_the_middle_is_removed_and_the_form_caught_twice(project, capsys):
    # before: the BOM stayed in the form id, so A001 was counted twice (exit 0)
    folder = make_cycle(cycle(project))
    again = ["A001", "U01", "企业", "不满意", "不满意", "不满意", "不满意", "不满意"]
    p = folder / "responses.csv"
    p.write_bytes(p.read_bytes() + BOM + csv_bytes([again]))
    code, out = validate(project, capsys)
    assert code == 1, out
    assert (
        "responses.csv:5: a byte-order mark (BOM) starts this row: two files were joined into "
        "one; the mark was removed"
    ) in out
    assert "responses.csv:5:问卷编号: same form id as row 2 but different answers (A001)" in out
    code, out = validate(project, capsys, lang="zh")
    assert "responses.csv:5: 这一行开头有字节顺序标记（BOM）" in out


def test_limits_come_from_the_scheme(project, capsys):
    make_cycle(cycle(project))
    scheme = scheme_with(project, "[limits]\nrows = 3\n")
    code, out = validate(project, capsys, "--scheme", scheme)
    assert code == 1, out
    assert "too many rows: 4 rows, more than the limit of 3 (limits.rows in the scheme)" in out
    code, out = validate(project, capsys, "--scheme", scheme, lang="zh")
    assert "行数太多：4 行，超过上限 3（方案的 limits.rows）；文件没有读取" in out
    scheme = scheme_with(project, "[limits]\nfield_bytes = 4\n")
    code, out = validate(project, capsys, "--scheme", scheme)
    assert code == 1
    assert "responses.csv:" in out
    assert "a field too long: 21 bytes, more than the limit of 4" in out  # 社会义务监督员


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[limits]\nrows = 0\n", "'limits.rows': must be a whole number of at least 1, got 0"),
        ("[limits]\nrow = 5\n", "'limits.row': unknown key"),
        ("[sheets]\nresponse = 'x'\n", "'sheets.response': unknown table"),
    ],
)
def test_a_wrong_limits_or_sheets_table_is_a_scheme_error(project, capsys, extra, message):
    make_cycle(cycle(project))
    code, out = validate(project, capsys, "--scheme", scheme_with(project, extra))
    assert code == 2
    assert message in out


# ---------------------------------------------------------------------- workbooks
def _bomb(path: Path, inflated: int = 1 << 30) -> None:
    """Replace the sheet of ``path`` by one padded with spaces to ``inflated`` bytes."""
    src = zipfile.ZipFile(path)
    out = path.with_suffix(".tmp")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != SHEET:
                zf.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with zf.open(info.filename, "w") as fh:
                fh.write(head)
                pad = b" " * (1 << 22)
                for _ in range(inflated // len(pad)):
                    fh.write(pad)
                fh.write(b"</sheetData>" + tail)
    src.close()
    out.replace(path)


def _declare(path: Path, size: int) -> None:
    """Make the zip declare ``size`` inflated bytes for the sheet (local and central headers)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        local = zf.getinfo(SHEET).header_offset
    data[local + 22 : local + 26] = struct.pack("<I", size)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        n = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + n] == SHEET.encode():
            data[at + 24 : at + 28] = struct.pack("<I", size)
        at = data.find(b"PK\x01\x02", at + 1)
    path.write_bytes(bytes(data))


SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """responses.xlsx whose sheet inflates to 1 GiB (4.6 MB on disk), built once."""
    folder = make_cycle(tmp_path_factory.mktemp("bomb"), fmt="xlsx")
    _bomb(folder / "responses.xlsx")
    return folder / "responses.xlsx"


def test_a_sheet_inflating_to_1_gib_is_refused_before_the_reader(project, bomb):
    # before: "memory allocation of … bytes failed", a Rust backtrace, SIGABRT
    folder = make_cycle(cycle(project), fmt="xlsx")
    shutil.copy(bomb, folder / "responses.xlsx")
    assert (folder / "responses.xlsx").stat().st_size < 6_000_000
    code, out, peak = validate_bounded(project)
    assert code == 1, out
    assert (
        "responses.xlsx: a part of the workbook inflates too much: 1,073,7"  # declared size
    ) in out
    assert "(limits.part_bytes in the scheme): xl/worksheets/sheet1.xml" in out
    assert 0 < peak < PEAK_MIB


def test_a_bomb_that_lies_about_its_size_is_stopped_by_the_counting_stream(project, bomb):
    # the zip says 1,000 bytes; the sheet inflates to 1 GiB.  Before: calamine refused it as
    # well (XmlError: File is larger than its declared size, exit 1); now the counting stream
    # stops it at the declared size, before calamine (the part's checksum then fails)
    folder = make_cycle(cycle(project), fmt="xlsx")
    shutil.copy(bomb, folder / "responses.xlsx")
    _declare(folder / "responses.xlsx", 1000)
    code, out, peak = validate_bounded(project)
    assert code == 1, out
    assert "responses.xlsx: cannot read this file as a spreadsheet (BadZipFile: " in out
    assert 0 < peak < PEAK_MIB


def test_a_sheet_whose_used_range_reaches_xfd1048576_is_refused(project):
    # before: "memory allocation of 549755813888 bytes failed" (the dense range), SIGABRT
    folder = cycle(project)
    make_cycle(folder, fmt="xlsx")
    wb = openpyxl.load_workbook(folder / "responses.xlsx")
    wb.active["XFD1048576"] = "x"
    wb.save(folder / "responses.xlsx")
    code, out, peak = validate_bounded(project)
    assert code == 1, out
    assert "responses.xlsx: too many fields in one row: 16,384 fields" in out
    assert "(limits.columns in the scheme): sheet Sheet1" in out
    assert 0 < peak < PEAK_MIB


def test_the_inflated_size_limit_and_ratio_come_from_the_scheme(project, capsys):
    folder = make_cycle(cycle(project), fmt="xlsx")
    _bomb(folder / "responses.xlsx", inflated=1 << 22)  # 4 MiB of padding, ~250 times
    code, out = validate(project, capsys, "--no-write")
    assert code == 0, out  # under the default limits: read as usual
    scheme = scheme_with(project, "[limits]\npart_bytes = 4_000_000\n")
    code, out = validate(project, capsys, "--scheme", scheme)
    assert code == 1
    assert "a part of the workbook inflates too much: 4,19" in out
    scheme = scheme_with(project, "[limits]\nzip_ratio = 100\n")
    code, out = validate(project, capsys, "--scheme", scheme)
    assert code == 1
    assert "a part of the workbook (xl/worksheets/sheet1.xml) inflates 2" in out
    assert "more than the limit of 100 (limits.zip_ratio in the scheme)" in out
    code, out = validate(project, capsys, "--scheme", scheme, lang="zh")
    assert "工作簿中的部件 xl/worksheets/sheet1.xml 解压后是压缩大小的 2" in out


def test_two_sheets_with_the_header_are_refused_naming_both(project, capsys):
    # before: the first sheet (a stale copy) was read without a word, exit 0
    folder = cycle(project)
    make_cycle(folder)
    (folder / "responses.csv").unlink()
    stale = [HEADER, FORMS[0]]
    write_xlsx(
        folder / "responses.xlsx", stale, sheet="旧表", extra_sheets=[("新表", [HEADER, *FORMS])]
    )
    code, out = validate(project, capsys)
    assert code == 1, out
    assert (
        "responses.xlsx: more than one sheet has the header row (旧表, 新表); delete the stale "
        'copy or name the sheet to read in the scheme ([sheets] responses = "旧表")'
    ) in out
    code, out = validate(project, capsys, lang="zh")
    assert "不止一个工作表有表头行（旧表, 新表）" in out
    assert '（[sheets] responses = "旧表"）' in out  # the key stays as the scheme writes it
    # named in the scheme: that sheet is read
    code, out = validate(
        project,
        capsys,
        "--no-write",
        "--scheme",
        scheme_with(project, "[sheets]\nresponses = '新表'\n"),
    )
    assert code == 0, out
    assert "sheet 新表" in out and "3 rows" in out
    code, out = validate(
        project, capsys, "--scheme", scheme_with(project, "[sheets]\nresponses = '汇总'\n")
    )
    assert code == 1
    assert (
        "no sheet named 汇总 ([sheets] responses in the scheme); the sheets are 旧表, 新表" in out
    )


def test_a_sheet_naming_one_column_beside_the_table_is_not_a_second_table(project, capsys):
    # a glossary sheet with a cell 问卷编号 is no rival to the sheet holding the forms
    folder = cycle(project)
    make_cycle(folder)
    (folder / "responses.csv").unlink()
    glossary = [["列名", "说明"], ["问卷编号", "每张测评表的编号"]]
    write_xlsx(
        folder / "responses.xlsx", [HEADER, *FORMS], sheet="数据", extra_sheets=[("说明", glossary)]
    )
    code, out = validate(project, capsys, "--no-write")
    assert code == 0, out
    assert "sheet 数据" in out


def test_a_filled_in_template_is_read_from_its_form_sheet(project, capsys):
    # the template has a 填表说明 sheet and a hidden 下拉选项 sheet whose first row names columns
    make_cycle(cycle(project))
    (cycle(project) / "responses.csv").unlink()
    assert main(["template", "--cycle", "2026H1", "--out", "t.xlsx"]) == 0
    wb = openpyxl.load_workbook("t.xlsx")
    assert [ws.sheet_state for ws in wb.worksheets].count("hidden") >= 1
    for r in FORMS:
        wb.worksheets[0].append(r)
    wb.save(cycle(project) / "responses.xlsx")
    code, out = validate(project, capsys, "--no-write")
    assert code == 0, out


def test_data_only_on_a_hidden_sheet_are_refused_naming_it(project, capsys):
    # before: "the workbook has no data (every sheet is empty)"
    folder = cycle(project)
    make_cycle(folder)
    (folder / "responses.csv").unlink()
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    data = wb.create_sheet("数据")
    for r in [HEADER, *FORMS]:
        data.append(r)
    data.sheet_state = "hidden"
    wb.save(folder / "responses.xlsx")
    code, out = validate(project, capsys)
    assert code == 1, out
    assert (
        "responses.xlsx: the data are on hidden sheet 数据; unhide it in Excel or WPS, or name "
        'it in the scheme ([sheets] responses = "数据")'
    ) in out
    code, out = validate(project, capsys, lang="zh")
    assert (
        "数据在隐藏的工作表 数据 上；请在 Excel 或 WPS 中取消隐藏，或在方案中指定它"
        '（[sheets] responses = "数据"）' in out
    )
    code, out = validate(
        project,
        capsys,
        "--no-write",
        "--scheme",
        scheme_with(project, "[sheets]\nresponses = '数据'\n"),
    )
    assert code == 0, out


def test_formulas_without_saved_values_are_an_error_naming_the_cells(project, capsys):
    # before: the formula answers and the formula comment became blanks, exit 0
    folder = cycle(project)
    make_cycle(folder)
    (folder / "responses.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [[*HEADER, "意见建议"], *[[*f, ""] for f in FORMS]]:
        ws.append(r)
    ws["D2"] = '=IF(1,"满意","")'
    ws["E3"] = '="比较满意"'
    ws["I4"] = '="办事快"'  # a comment
    wb.save(folder / "responses.xlsx")
    code, out = validate(project, capsys)
    assert code == 1, out
    assert (
        "responses.xlsx:2: formula without a saved value in 3 cells (Sheet!D2, E3, I4); the "
        "reader would see blanks: open the file in Excel or WPS and save it"
    ) in out
    code, out = validate(project, capsys, lang="zh")
    assert "3 个单元格是公式但没有保存计算结果（Sheet!D2, E3, I4）" in out


def test_the_default_limits_are_documented_in_the_readme():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for name in ReadLimits.__dataclass_fields__:
        assert f"`{name}`" in readme, name


def test_the_limits_in_the_bundled_schemes_comments_are_the_defaults():
    import tomllib

    from evalstats.core.reading import parse_limits

    text = default_scheme_path().read_text(encoding="utf-8")
    block = text.split("# [limits]\n", 1)[1].split("# A workbook", 1)[0]
    table = tomllib.loads("\n".join(line.removeprefix("# ") for line in block.splitlines()))

    def fail(key, reason):
        raise AssertionError(f"{key}: {reason}")

    assert set(table) == set(ReadLimits.__dataclass_fields__)
    assert parse_limits(table, fail=fail) == ReadLimits()


# ---------------------------------------------------------------------- the scan itself
FIELD = st.text(alphabet=["a", "中", ",", '"', "\n", " ", "1"], max_size=6)


@given(st.lists(st.lists(FIELD, min_size=1, max_size=6), min_size=1, max_size=12))
def test_the_scan_counts_records_and_fields_as_the_csv_module_reads_them(rows):
    import csv
    import io

    from evalstats.core.reading import ReadLimits
    from evalstats.inputs.read.bounds import scan_csv

    body = csv_bytes(rows)
    records = list(csv.reader(io.StringIO(body.decode(), newline="")))
    widest = max(len(r) for r in records)
    scan = scan_csv(body, ReadLimits(columns=widest))
    assert scan.breach is None
    assert scan.records == len(records)
    if widest > 1:
        scan = scan_csv(body, ReadLimits(columns=widest - 1))
        assert len(records[scan.breach.row - 1]) > widest - 1
        assert "too many fields in one row" in scan.breach.reason


@given(st.lists(st.text(alphabet=["a", ",", '"', "\n"], max_size=8), min_size=1, max_size=8))
def test_stray_quotes_are_read_as_the_parser_reads_them(lines):
    # raw lines, quotes anywhere: either the scan agrees with the csv module on the records, or
    # it names an unclosed quote where the csv module ran to the end of the file inside one
    import csv
    import io

    from evalstats.core.reading import ReadLimits
    from evalstats.inputs.read.bounds import scan_csv

    body = "\n".join(lines).encode() + b"\n"
    scan = scan_csv(body, ReadLimits())
    records = list(csv.reader(io.StringIO(body.decode(), newline="")))
    if scan.breach is not None:
        assert scan.breach.code == "unclosed_quote"
        with pytest.raises(csv.Error, match="unexpected end of data"):
            list(csv.reader(io.StringIO(body.decode(), newline=""), strict=True))
    else:
        assert scan.records == len(records)


def test_the_header_peek_does_not_open_a_bomb(bomb):
    # the pseudonym check reads the header before validation: it must not inflate the bomb
    from evalstats.inputs.read import read_header

    assert read_header(bomb, table="responses") == {}


@pytest.mark.parametrize(
    "cell",
    [
        b'<c s="0" r="XFD900000" t="inlineStr"><is><t>x</t></is></c>',  # r not the first
        b'<c r="XFD900000" t="inlineStr"><is><t>x</t></is></c>',
    ],
)
def test_the_used_range_is_found_whatever_the_attribute_order(tmp_path, cell):
    from evalstats.inputs.read.workbook import inspect_workbook

    path = write_xlsx(tmp_path / "r.xlsx", [HEADER, *FORMS])
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    parts[SHEET] = parts[SHEET].replace(
        b"</row></sheetData>", b'</row><row r="5">' + cell + b"</row></sheetData>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    infos, breach = inspect_workbook(path.read_bytes(), ReadLimits())
    assert breach is None
    assert (infos["Sheet1"].rows, infos["Sheet1"].columns) == (900_000, 16_384)


@pytest.mark.parametrize("tag", [b'<row r="900000">', b'<row r="0000900000">'])
def test_the_used_range_counts_a_row_written_before_lower_ones(tmp_path, tag):
    # the largest row tag is not the last one: the scan reads past the last tag's number
    from evalstats.inputs.read.workbook import inspect_workbook

    path = write_xlsx(tmp_path / "r.xlsx", [HEADER, *FORMS])
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    assert b'<row r="2">' in parts[SHEET]
    parts[SHEET] = parts[SHEET].replace(b'<row r="2">', tag)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    infos, breach = inspect_workbook(path.read_bytes(), ReadLimits())
    assert breach is None
    assert infos["Sheet1"].rows == 900_000
