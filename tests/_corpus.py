"""Helpers that build input files for the io / validate / interim tests (in tmp_path)."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
from pathlib import Path

import openpyxl

HEADER = [
    "问卷编号",
    "被评单位",
    "评议人类别",
    "政务公开",
    "依法行政",
    "办事效率",
    "服务质量",
    "清正廉洁",
]
UNITS = [
    ["单位编码", "单位名称", "序列"],
    ["U01", "建管站", "行政管理"],
    ["U02", "运管站", "行政执法"],
    ["U03", "综治办", "公共服务"],
]
# three clean forms, one per unit, used as the base of most cases
FORMS = [
    ["A001", "U01", "企业", "满意", "比较满意", "基本满意", "不满意", "不了解"],
    ["A002", "运管站", "群众", "1", "2", "3", "4", ""],
    ["A003", "U03", "社会义务监督员", "满意", "满意", "满意", "满意", "满意"],
]


def csv_bytes(rows, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def write_csv(path: Path, rows, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(rows, encoding))
    return path


def write_xlsx(path: Path, rows, *, merges=(), sheet="Sheet1", extra_sheets=()) -> Path:
    """Write rows with openpyxl; ``merges`` are ranges such as ``"A1:H1"``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    for name, srows in extra_sheets:
        ws = wb.create_sheet(name)
        for r in srows:
            ws.append(r)
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    wb.move_sheet(ws, -(len(wb.sheetnames) - 1))
    wb.active = 0
    wb.save(path)
    return path


def make_cycle(
    folder: Path, forms=None, *, units=UNITS, header=HEADER, fmt="csv", encoding="utf-8"
):
    """A cycle folder with responses (``fmt`` csv or xlsx) and units.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [header, *(FORMS if forms is None else forms)]
    if fmt == "xlsx":
        write_xlsx(folder / "responses.xlsx", rows)
    else:
        write_csv(folder / "responses.csv", rows, encoding)
    if units is not None:
        write_csv(folder / "units.csv", units)
    return folder


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@contextlib.contextmanager
def unchanged(root: Path):
    """Assert that no file under ``root`` is changed, added or removed inside the block."""
    before = snapshot(root)
    yield
    after = snapshot(root)
    assert after == before, "raw inputs were modified"
