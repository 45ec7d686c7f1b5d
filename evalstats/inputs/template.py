"""The XLSX entry templates office staff type the inputs into (录入模板).

One workbook per input table (the reader takes each table from its own file):
``responses`` (测评表, the default), ``forms_issued`` (发放数), ``incidents`` (一票否决事项) and
``exclusions`` (作废问卷).  Each has

- the entry sheet — the table's first accepted headers of the scheme (Chinese), a frozen
  header row, column widths, id columns formatted as text (``@``) so long ids keep every
  digit, date columns as dates, and drop-down lists (data validation) for the unit, the
  respondent group, each dimension's answer (the level labels and the paper-form digits
  1–5, both of which the reader accepts) and the incident kind, so most bad input never
  happens;
- ``填表说明`` — instructions in Chinese, generated from the scheme;
- ``下拉选项`` — hidden; the values the long drop-down lists refer to.

The file is deterministic: the same inputs give byte-identical bytes (fixed workbook
timestamps, fixed zip entry times), so a template can be committed or checksummed.

Examples
--------
>>> import tempfile, pandas as pd
>>> from pathlib import Path
>>> from evalstats.inputs.template import write_template
>>> units = pd.DataFrame({"unit": ["finance_office"], "name": ["财政所"]})
>>> with tempfile.TemporaryDirectory() as d:
...     path = write_template(Path(d) / "t.xlsx", cycle="2026H1", units=units)
...     path.name
't.xlsx'
"""

from __future__ import annotations

import datetime as _dt
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from evalstats.core.config import project_root, raw_dir, resolve_path
from evalstats.core.cycles import parse_cycle
from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, normalize_label, resolve_scheme

#: Timestamp written into the workbook properties and the zip entries of generated files.
FIXED_TIMESTAMP = _dt.datetime(2026, 1, 1, 0, 0, 0)

SHEET_ENTRY = "测评表"
SHEET_HELP = "填表说明"
SHEET_LISTS = "下拉选项"

#: Inline drop-down lists longer than this many characters refer to the hidden lists sheet
#: instead (Excel refuses inline lists above 255 characters).
INLINE_LIST_MAX_CHARS = 200

_RESPONSE_META_FIRST = ("form_id", "unit", "group")
_RESPONSE_META_LAST = ("comment", "submitted_at", "collector")


# ---------------------------------------------------------------------- deterministic xlsx
class _FixedTimeZip(zipfile.ZipFile):
    """A zip archive whose every entry has the same time and attributes, for openpyxl to fill.

    openpyxl writes parts with ``writestr`` (and worksheets with ``write`` from a temporary
    file); both go through :meth:`writestr`, which stamps ``date_time`` and applies the
    optional ``rewrite`` of the part before it is compressed.
    """

    def __init__(self, file, timestamp: _dt.datetime, rewrite=None):
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._date_time = timestamp.timetuple()[:6]
        self._rewrite = dict(rewrite or {})

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        if isinstance(data, str):
            data = data.encode("utf-8")
        edit = self._rewrite.pop(name, None)
        if edit is not None:
            data = edit(data)
        entry = zipfile.ZipInfo(name, date_time=self._date_time)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o600 << 16
        super().writestr(entry, data)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as fh:
            data = fh.read()
        self.writestr(arcname if arcname is not None else Path(filename).name, data)


def workbook_bytes(
    wb: Workbook, *, timestamp: _dt.datetime = FIXED_TIMESTAMP, rewrite=None
) -> bytes:
    """Serialise ``wb`` to XLSX bytes that depend only on its content.

    openpyxl stamps the save time into ``docProps/core.xml`` and every zip entry; this sets the
    workbook's created/modified properties to ``timestamp`` and writes the archive once, with
    ``timestamp`` as every entry's time (entries in openpyxl's order, deflated, mode 0600).

    Parameters
    ----------
    wb : openpyxl.Workbook
    timestamp : datetime, optional
        The time written everywhere (default 2026-01-01 00:00:00).
    rewrite : mapping of str to callable, optional
        Archive entry (``"xl/worksheets/sheet2.xml"``) → function of the entry's bytes
        returning the bytes to store instead.  :func:`evalstats.present.report.write_workbook` uses
        it to put rows it serialised itself into a sheet.  An entry that is never written
        raises ValueError.

    Returns
    -------
    bytes

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> wb = Workbook()
    >>> workbook_bytes(wb) == workbook_bytes(wb)
    True
    """
    from openpyxl.writer.excel import ExcelWriter

    if wb.read_only:
        raise TypeError("a read-only workbook cannot be saved")
    if wb.write_only and not wb.worksheets:
        wb.create_sheet()
    wb.properties.created = timestamp
    wb.properties.modified = timestamp
    wb.properties.creator = "evalstats"
    wb.properties.lastModifiedBy = "evalstats"
    out = io.BytesIO()
    archive = _FixedTimeZip(out, timestamp, rewrite)
    try:
        ExcelWriter(wb, archive).save()  # writes every part, then closes the archive
    finally:
        archive.close()
    if archive._rewrite:
        raise ValueError(f"workbook has no part {sorted(archive._rewrite)[0]!r} to rewrite")
    return out.getvalue()


def save_workbook(wb: Workbook, path: str | Path, **kwargs) -> Path:
    """Write ``wb`` to ``path`` deterministically (see :func:`workbook_bytes`)."""
    path = Path(path)
    path.write_bytes(workbook_bytes(wb, **kwargs))
    return path


# ---------------------------------------------------------------------- headers and units
def response_headers(scheme: Scheme) -> list[tuple[str, str]]:
    """The default responses headers in file order, as ``(column code, header)`` pairs.

    The header is the first accepted header of the scheme for the fixed columns and the
    Chinese label for each dimension.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> [h for _, h in response_headers(load_scheme())][:4]
    ['问卷编号', '被评单位', '评议人类别', '政务公开']
    """
    h = scheme.headers["responses"]
    first = [(c, h[c][0]) for c in _RESPONSE_META_FIRST]
    dims = [(d.code, d.label_zh) for d in scheme.dimensions]
    last = [(c, h[c][0]) for c in _RESPONSE_META_LAST]
    return first + dims + last


def _units_from_frame(frame: pd.DataFrame, scheme: Scheme) -> list[str]:
    """Unit names from a table given as an argument (headers: codes or scheme aliases)."""
    lookup = scheme.header_lookup("units")
    column = next((c for c in frame.columns if lookup.get(normalize_label(c)) == "name"), None)
    if column is None:
        accepted = ", ".join(scheme.headers["units"]["name"])
        raise ValueError(f"units: no unit-name column (accepted headers: {accepted})")
    return _clean_names(frame[column].tolist())


def _clean_names(values) -> list[str]:
    names = [str(v).strip() for v in values if v is not None and not pd.isna(v)]
    return list(dict.fromkeys(n for n in names if n))


def _units_from_file(path: Path, scheme: Scheme) -> list[str]:
    """Unit names from a units file, read by :func:`evalstats.inputs.read.read_table`.

    A file that cannot be read or has no unit-name column raises
    :class:`~evalstats.core.errors.InputError` carrying the problems.
    """
    from evalstats.core.errors import InputError
    from evalstats.inputs.read import problem, problems_frame, read_table

    raw = read_table(path, table="units", scheme=scheme)
    errors = raw.problems[raw.problems["severity"] == "error"]
    if len(errors):
        raise InputError(errors.reset_index(drop=True))
    column = next((c for c, code in raw.columns.items() if code == "name"), None)
    if column is None:
        accepted = ", ".join(scheme.headers["units"]["name"])
        raise InputError(
            problems_frame(
                [
                    problem(
                        "error",
                        raw.file,
                        row=raw.header_row,
                        column=None,
                        value=None,
                        reason=f"no unit-name column (accepted headers: {accepted})",
                        code="missing_column",
                    )
                ]
            )
        )
    return _clean_names(raw.frame[column].tolist())


def _unit_names(units, cycle: str, scheme: Scheme) -> list[str]:
    if isinstance(units, pd.DataFrame):
        names = _units_from_frame(units, scheme)
    else:
        if units is None:
            folder = raw_dir(cycle, root=project_root())
            found = sorted(
                p for p in folder.glob("units.*") if p.suffix.lower() in (".csv", ".xlsx")
            )
            if not found:
                raise FileNotFoundError(
                    f"no units file for cycle {cycle!r}: looked for units.csv or units.xlsx in "
                    f"{folder}; pass units= (a units table or file)"
                )
            path = found[0]
        elif isinstance(units, str | Path):
            path = resolve_path(units)
        else:
            raise TypeError(
                f"units must be a DataFrame, a path or None; got {type(units).__name__}"
            )
        names = _units_from_file(path, scheme)
    if not names:
        raise ValueError("the units table lists no unit names")
    return names


# ---------------------------------------------------------------------- the tables
TEMPLATE_TABLES = ("responses", "units", "forms_issued", "incidents", "exclusions")
"""The input tables a template can be written for (``table=``), one workbook each."""

#: The entry sheet's name per table (what the clerk sees on the tab).
ENTRY_SHEETS = {
    "responses": SHEET_ENTRY,
    "units": "被评单位",
    "forms_issued": "发放数",
    "incidents": "一票否决事项",
    "exclusions": "作废问卷",
}

#: Dates typed into a date column must lie between these (Excel serial numbers of
#: 2000-01-01 and 2099-12-31).
_DATE_SERIALS = ("36526", "73050")


@dataclass(frozen=True)
class _Column:
    """One column of an entry sheet: its code, header, what it holds and its drop-down."""

    code: str
    header: str
    kind: str  # "id" (text format), "list", "rating" (wide), "date", "datetime", "count",
    # "text" (long), "plain"
    choices: tuple = ()
    prompt: str = ""
    inline_ok: bool = True


def _first_header(scheme: Scheme, table: str, code: str) -> str:
    return scheme.headers[table][code][0]


def level_choices(scheme: Scheme) -> list:
    """The values an answer cell accepts in the template: each level's Chinese label, then
    the paper-form digits (as numbers, so a typed ``1`` matches), as the reader accepts them.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> level_choices(load_scheme())
    ['满意', '比较满意', '基本满意', '不满意', '不了解', 1, 2, 3, 4, 5]
    """
    labels = [v.label_zh for v in scheme.levels]
    digits = [v.digit for v in scheme.levels if v.digit is not None]
    return [*labels, *digits]


def _level_prompt(scheme: Scheme) -> str:
    pairs = "，".join(
        f"{v.label_zh} 或 {v.digit}" if v.digit is not None else v.label_zh for v in scheme.levels
    )
    return f"可填 {pairs}（纸质表上的数字）；评议人未填写的留空。"


def _columns(table: str, scheme: Scheme, names: list[str]) -> list[_Column]:
    """The columns of ``table``'s entry sheet, in file order."""
    groups = tuple(g.label_zh for g in scheme.groups)
    if table == "exclusions":
        return [
            _Column("form_id", _first_header(scheme, table, "form_id"), "id"),
            _Column("reason", _first_header(scheme, table, "reason"), "text"),
        ]
    if table == "units":
        series = tuple(s.label_zh for s in scheme.series)
        cols = [
            _Column("unit", _first_header(scheme, table, "unit"), "id"),
            _Column("name", _first_header(scheme, table, "name"), "plain"),
            _Column("series", _first_header(scheme, table, "series"), "list", series),
        ]
        if scheme.headers[table].get("name_en"):  # optional: the English edition's names
            cols.append(_Column("name_en", _first_header(scheme, table, "name_en"), "plain"))
        return cols
    unit = _Column("unit", _first_header(scheme, table, "unit"), "list", tuple(names), "", False)
    if table == "responses":
        levels = tuple(level_choices(scheme))
        prompt = _level_prompt(scheme)
        kinds = {
            "form_id": "id",
            "comment": "text",
            "submitted_at": "datetime",
            "collector": "plain",
        }
        cols = []
        for code, header in response_headers(scheme):
            if code == "unit":
                cols.append(unit)
            elif code == "group":
                cols.append(_Column(code, header, "list", groups))
            elif code in kinds:
                cols.append(_Column(code, header, kinds[code]))
            else:  # a dimension
                cols.append(_Column(code, header, "list", levels, prompt))
        return cols
    if table == "forms_issued":
        return [
            unit,
            _Column("group", _first_header(scheme, table, "group"), "list", groups),
            _Column("issued", _first_header(scheme, table, "issued"), "count"),
        ]
    kinds = tuple(k.label_zh for k in scheme.incident_kinds)
    return [  # incidents
        unit,
        _Column("date", _first_header(scheme, table, "date"), "date"),
        _Column("kind", _first_header(scheme, table, "kind"), "list", kinds),
        _Column("note", _first_header(scheme, table, "note"), "text"),
    ]


TEMPLATE_LAYOUTS = ("long", "wide")
"""Layouts of the responses template (``layout=``): one row per form (``"long"``), or the
matrix sheet, one row per respondent and one column per unit × content (``"wide"``, read by
:mod:`evalstats.inputs.read.wide`)."""
WIDE_SEPARATOR = "-"
"""Between the unit's name and the content in a wide template's rating headers."""


def wide_headers(scheme: Scheme, names: list[str]) -> list[tuple[str, str, str]]:
    """The rating columns of the wide (matrix) template: ``(unit name, dimension code,
    header)``, unit by unit in the units file's order, contents in the scheme's order.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> wide_headers(load_scheme(), ["财政所"])[0]
    ('财政所', 'transparency', '财政所-政务公开')
    """
    return [
        (n, d.code, f"{n}{WIDE_SEPARATOR}{d.label_zh}") for n in names for d in scheme.dimensions
    ]


def _wide_columns(scheme: Scheme, names: list[str]) -> list[_Column]:
    """The columns of the wide (matrix) entry sheet: id, group, unit × content, then the
    row's comment, time and collector."""
    h = scheme.headers["responses"]
    levels = tuple(level_choices(scheme))
    prompt = _level_prompt(scheme) + "没有评议该单位的整组留空。"
    groups = tuple(g.label_zh for g in scheme.groups)
    return [
        _Column("form_id", h["form_id"][0], "id"),
        _Column("group", h["group"][0], "list", groups),
        *[
            _Column(code, head, "rating", levels, prompt)
            for _, code, head in wide_headers(scheme, names)
        ],
        _Column("comment", h["comment"][0], "text"),
        _Column("submitted_at", h["submitted_at"][0], "datetime"),
        _Column("collector", h["collector"][0], "plain"),
    ]


def template_headers(table: str, *, scheme: Scheme | str | Path | None = None) -> list[str]:
    """The headers of ``table``'s template, in file order (the reader accepts each).

    Examples
    --------
    >>> template_headers("incidents")
    ['被评单位', '日期', '类别', '说明']
    """
    check_option("table", table, TEMPLATE_TABLES)
    return [c.header for c in _columns(table, resolve_scheme(scheme), [])]


def default_template_name(cycle: str, table: str = "responses") -> str:
    """The file name ``evalstats template`` writes by default.

    Examples
    --------
    >>> default_template_name("2026H1"), default_template_name("2026H1", "incidents")
    ('2026H1_录入模板.xlsx', '2026H1_一票否决事项_录入模板.xlsx')
    """
    check_option("table", table, TEMPLATE_TABLES)
    if table == "responses":
        return f"{cycle}_录入模板.xlsx"
    return f"{cycle}_{ENTRY_SHEETS[table]}_录入模板.xlsx"


# ---------------------------------------------------------------------- the workbook
def _validation(
    values: list, lists_ws, column: int, title: str, *, inline_ok: bool = True, prompt: str = ""
) -> DataValidation:
    """A list validation: inline when short and safe, else a range on the lists sheet.

    Numbers stay numbers on the lists sheet, so a typed number matches a range list too.
    """
    text = ",".join(str(v) for v in values)
    inline = (
        inline_ok
        and len(text) <= INLINE_LIST_MAX_CHARS
        and not any(("," in str(v)) or ('"' in str(v)) for v in values)
    )
    lists_ws.cell(row=1, column=column, value=title)
    for i, v in enumerate(values, start=2):
        lists_ws.cell(row=i, column=column, value=v)
    if inline:
        formula = f'"{text}"'
    else:
        letter = get_column_letter(column)
        formula = f"{quote_sheetname(SHEET_LISTS)}!${letter}$2:${letter}${len(values) + 1}"
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    dv.showDropDown = False  # (openpyxl's name is inverted: False shows the arrow)
    return _messages(dv, title, prompt or "请从下拉列表中选择。", f"{title}：请从下拉列表中选择。")


def _messages(dv: DataValidation, title: str, prompt: str, error: str) -> DataValidation:
    """The input message and the stop message of a validation (Excel: titles ≤ 32
    characters, texts ≤ 255)."""
    dv.showErrorMessage = True
    dv.errorStyle = "stop"
    dv.errorTitle = "输入有误"
    dv.error = error[:255]
    dv.promptTitle = title[:32]
    dv.prompt = prompt[:255]
    dv.showInputMessage = True
    return dv


def _typed_validation(column: _Column) -> DataValidation | None:
    """The validation of a column without a drop-down: whole counts and dates."""
    if column.kind == "count":
        dv = DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
        return _messages(
            dv, column.header, "填 0 或正整数。", f"{column.header}：请填 0 或正整数。"
        )
    if column.kind == "date":
        low, high = _DATE_SERIALS
        dv = DataValidation(
            type="date", operator="between", formula1=low, formula2=high, allow_blank=True
        )
        example = "请填写日期，如 2026-03-15。"
        return _messages(dv, column.header, example, f"{column.header}：{example}")
    return None


_NUMBER_FORMATS = {"id": "@", "datetime": "yyyy-mm-dd hh:mm", "date": "yyyy-mm-dd", "count": "0"}
_WIDTHS = {"text": 40.0, "id": 16.0, "datetime": 18.0, "date": 16.0}


def _column_width(column: _Column) -> float:
    if column.kind in _WIDTHS:
        return _WIDTHS[column.kind]
    values = [str(v) for v in column.choices]
    longest = max([len(column.header), *(len(v) for v in values)])
    # CJK characters are about two Latin characters wide
    return float(min(max(2 * longest + 2, 10), 40))


# ---------------------------------------------------------------------- instructions
def _cycle_words(cycle: str) -> str:
    """``2026H1`` → ``2026年上半年``, ``2026A`` → ``2026年度``; a free cycle id as it is."""
    parsed = parse_cycle(cycle)
    if parsed is None:
        return cycle
    return f"{parsed.year}" + {"A": "年度", "H1": "年上半年", "H2": "年下半年"}[parsed.part]


def _save_as(table: str) -> list[str]:
    return [
        f"录入完成后另存为 {table}.xlsx（文件名须为英文 {table}，Excel 工作簿格式），"
        "放入本期数据文件夹，与测评表文件 responses.xlsx 放在同一个文件夹中。"
    ]


def _help_responses(scheme: Scheme, h: dict[str, str]) -> list[str]:
    level_lines = [
        f"    {v.label_zh}"
        + (f"，或填纸质表上的数字 {v.digit}" if v.digit is not None else "")
        + ("" if v.valid else "（不计入有效票，单独统计）")
        for v in scheme.levels
    ]
    dims = "、".join(d.label_zh for d in scheme.dimensions)
    return [
        f"在“{SHEET_ENTRY}”工作表中录入，每一行录入一张回收的测评表。",
        f"{h['form_id']}：照抄纸质测评表上的编号，每张表唯一。该列已设为文本格式，"
        "长编号不会丢失位数；同一张表不要重复录入。",
        f"{h['unit']}：从下拉列表中选择单位名称。",
        f"{h['group']}：从下拉列表中选择，可选：",
        *[f"    {g.label_zh}" for g in scheme.groups],
        f"{dims}：每项从下拉列表中选择评价等次，也可以直接填纸质表上圈选的数字：",
        *level_lines,
        "   评议人未填写的项目请留空，不要自行补填。",
        f"{h['comment']}：照录评议人写下的意见建议或批评意见，没有则留空。",
        f"{h['submitted_at']}：填表日期和时间，格式如 2026-06-18 09:30。",
        f"{h['collector']}：回收该表的工作人员姓名。",
        "作废的测评表照常录入，另在作废问卷表（exclusions.xlsx）中列出其编号和作废原因。",
        "录入完成后保存为 .xlsx 文件，文件名为 responses.xlsx，放入本期数据文件夹。",
    ]


def _help_wide(scheme: Scheme, h: dict[str, str]) -> list[str]:
    level_lines = [
        f"    {v.label_zh}"
        + (f"，或填纸质表上的数字 {v.digit}" if v.digit is not None else "")
        + ("" if v.valid else "（不计入有效票，单独统计）")
        for v in scheme.levels
    ]
    first = scheme.dimensions[0]
    example = h.get(first.code, f"党政办{WIDE_SEPARATOR}{first.label_zh}")
    return [
        f"在“{SHEET_ENTRY}”工作表中录入，每一行录入一位评议人交回的一份矩阵式测评表"
        "（一人评议多个单位）。",
        f"{h['form_id']}：照抄测评表上的编号，每份表唯一；没有编号的按收回顺序编号。"
        f"每个单位的测评记为“编号/单位编码”。",
        f"{h['group']}：从下拉列表中选择，可选：",
        *[f"    {g.label_zh}" for g in scheme.groups],
        f"单位与评议内容：每列是一个单位的一项评议内容，列名如“{example}”。"
        "每格从下拉列表中选择评价等次，也可以直接填纸质表上圈选的数字：",
        *level_lines,
        "   评议人没有评议的单位，该单位的各格全部留空，不计为该单位的测评表；"
        "只漏填个别项目的，该项留空，不要自行补填。",
        f"{h['comment']}：照录评议人写下的意见建议或批评意见，没有则留空；针对某个单位的"
        f"意见，可以另加一列，列名写作“单位名称{WIDE_SEPARATOR}{h['comment']}”。",
        f"{h['submitted_at']}：填表日期和时间，格式如 2026-06-18 09:30。",
        f"{h['collector']}：回收该表的工作人员姓名。",
        "不要改动列名中的单位名称和评议内容；增加单位时照同样格式增加列。",
        "录入完成后保存为 .xlsx 文件，文件名为 responses.xlsx，放入本期数据文件夹。",
    ]


def _help_units(scheme: Scheme, h: dict[str, str]) -> list[str]:
    lines = [
        f"在“{ENTRY_SHEETS['units']}”工作表中录入，每一行是本期参加测评的一个单位。",
        f"{h['unit']}：单位的编码，用英文字母、数字和下划线；每个单位唯一，各期保持不变"
        "（跨期比较按编码对应）。",
        f"{h['name']}：单位的中文名称，如 财政所；报告和反馈函中都用这个名称，不能重复。",
        f"{h['series']}：从下拉列表中选择，可选：",
        *[f"    {s.label_zh}" for s in scheme.series],
    ]
    if "name_en" in h:
        lines.append(
            f"{h['name_en']}（可不填）：单位的英文名称，英文版报告和反馈函中使用；不填的，"
            "英文版也用中文名称。填写的英文名称不能重复。"
        )
    return [*lines, *_save_as("units")]


def _help_forms_issued(scheme: Scheme, h: dict[str, str]) -> list[str]:
    return [
        f"在“{ENTRY_SHEETS['forms_issued']}”工作表中录入，每一行是一个单位向一类评议人"
        "发放的测评表份数；同一单位、同一类别只填一行。",
        f"{h['unit']}：从下拉列表中选择单位名称。",
        f"{h['group']}：从下拉列表中选择，可选：",
        *[f"    {g.label_zh}" for g in scheme.groups],
        f"{h['issued']}：发放的测评表份数，填 0 或正整数。回收的表多于发放数时，校验会报错。",
        *_save_as("forms_issued"),
    ]


def _help_incidents(scheme: Scheme, h: dict[str, str]) -> list[str]:
    return [
        f"在“{ENTRY_SHEETS['incidents']}”工作表中录入，每一行是本期内一个单位的一起一票否决"
        "事项；没有此类事项的，不需要这个文件。",
        f"{h['unit']}：从下拉列表中选择单位名称。",
        f"{h['date']}：事项发生或认定的日期，格式如 2026-03-15（该列已设为日期格式）。",
        f"{h['kind']}：从下拉列表中选择，可选：",
        *[f"    {k.label_zh}" for k in scheme.incident_kinds],
        f"{h['note']}：简要写明事项经过和认定依据。",
        *_save_as("incidents"),
    ]


def _help_exclusions(scheme: Scheme, h: dict[str, str]) -> list[str]:
    return [
        f"在“{ENTRY_SHEETS['exclusions']}”工作表中录入，每一行是一张作废的测评表。作废的表"
        "照常录入测评表，在这里列出其编号，分析时不计入。",
        f"{h['form_id']}：与测评表中录入的编号完全一致（该列已设为文本格式）。",
        f"{h['reason']}：作废原因，如“字迹无法辨认”“同一人重复填写”。",
        *_save_as("exclusions"),
    ]


_HELP = {
    "responses": _help_responses,
    "units": _help_units,
    "forms_issued": _help_forms_issued,
    "incidents": _help_incidents,
    "exclusions": _help_exclusions,
}


def _help_rows(
    table: str, scheme: Scheme, cycle: str, columns: list[_Column], *, wide: bool = False
) -> list[str]:
    """The instructions sheet's lines: a title, then numbered items (indented lines go on)."""
    h = {c.code: c.header for c in columns}
    body = (_help_wide if wide else _HELP[table])(scheme, h)
    rules = "不要修改、删除或移动第一行的列名，不要插入合并单元格或小计行。"
    body = [body[0], rules, *body[1:]]
    title = f"{_cycle_words(cycle)} 政风行风测评 {ENTRY_SHEETS[table]} 录入模板 填表说明"
    lines, n = [title, ""], 0
    for line in body:
        if line.startswith(" "):
            lines.append(line)
        else:
            n += 1
            lines.append(f"{n}. {line}")
    return lines


# ---------------------------------------------------------------------- writing
def _write_entry_sheet(ws, lists_ws, columns: list[_Column], rows: int) -> None:
    """Headers, widths, number formats and validations of the entry sheet."""
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    last_row = rows + 1
    list_col = 0
    rating_dv = None
    bands: list[str] = []
    for col, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=col, value=column.header)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if column.kind == "rating":  # the wide sheet: one drop-down for every rating cell
            letter = get_column_letter(col)
            unit, _, content = column.header.rpartition(WIDE_SEPARATOR)
            if not bands or unit != bands[-1]:
                bands.append(unit)
            cell.fill = _BAND_FILLS[len(bands) % 2]  # units told apart by alternating colours
            width = max(_text_width(unit + WIDE_SEPARATOR), _text_width(content), 8)
            ws.column_dimensions[letter].width = width + 0.5  # wraps after the separator
            ws.column_dimensions[letter].alignment = Alignment(horizontal="center")
            if rating_dv is None:
                list_col += 1
                rating_dv = _validation(
                    list(column.choices), lists_ws, list_col, "评价等次", prompt=column.prompt
                )
                ws.add_data_validation(rating_dv)
            rating_dv.add(f"{letter}2:{letter}{last_row}")
            ws.row_dimensions[1].height = _WIDE_HEADER_HEIGHT
            continue
        letter = get_column_letter(col)
        dim = ws.column_dimensions[letter]
        dim.width = _column_width(column)
        if column.kind in _NUMBER_FORMATS:
            dim.number_format = _NUMBER_FORMATS[column.kind]
        if column.prompt or column.kind == "count":
            # answers typed as labels or digits (and counts) line up in the middle
            dim.alignment = Alignment(horizontal="center")
        if column.kind == "list":
            list_col += 1
            # the unit list always refers to the lists sheet: it is long and an office may
            # add a unit there
            dv = _validation(
                list(column.choices),
                lists_ws,
                list_col,
                column.header,
                inline_ok=column.inline_ok,
                prompt=column.prompt,
            )
        else:
            dv = _typed_validation(column)
        if dv is not None:
            dv.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "C2" if rating_dv is not None else "A2"  # wide: id and group stay
    ws.print_title_rows = "1:1"
    if rating_dv is not None:  # the matrix is printed over pages, the first columns repeated
        ws.print_title_cols = "A:B"
        _fit_to_width(ws, landscape=True, pages_wide=0)
    else:
        _fit_to_width(ws, landscape=len(columns) > 4)


_BAND_FILLS = (PatternFill("solid", fgColor="DDEBF7"), PatternFill("solid", fgColor="FCE4D6"))
_WIDE_HEADER_HEIGHT = 48.0  # the wide sheet's header row: 单位名称-评议内容 on up to 3 lines


def _fit_to_width(ws, *, landscape: bool, pages_wide: int = 1) -> None:
    """Print ``ws`` on A4, ``pages_wide`` pages wide (0: as many as needed), with the header
    row repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = 0.5


_HELP_WIDTH = 76  # characters of the instructions' column (a CJK character counts 2)
_LINE_HEIGHT = 16.0  # points per line of 11-point text


def _text_width(text: str) -> int:
    """Width of ``text`` in Latin character cells: CJK (wide, full-width) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_help_sheet(ws, lines: list[str]) -> None:
    """The instructions, one line per row, wrapped within an A4 page's width.

    Rows of a long line get their height set for the lines it wraps into: Excel, WPS and
    LibreOffice do not all fit a row's height to wrapped text when they open a file.
    """
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in lines:
        ws.append([line])
        row = ws.max_row
        ws.cell(row=row, column=1).alignment = wrap
        wrapped = -(-_text_width(line) // (_HELP_WIDTH - 4))  # ceiling, with a margin
        if wrapped > 1:
            ws.row_dimensions[row].height = _LINE_HEIGHT * wrapped
    ws["A1"].font = Font(bold=True, size=14)
    ws.row_dimensions[1].height = 24.0
    ws.column_dimensions["A"].width = _HELP_WIDTH
    _fit_to_width(ws, landscape=False)


def write_template(
    out: str | Path,
    *,
    cycle: str,
    table: str = "responses",
    scheme: Scheme | str | Path | None = None,
    units: pd.DataFrame | str | Path | None = None,
    rows: int = 5000,
    layout: str = "long",
) -> Path:
    """Write the XLSX entry template of one input table for ``cycle``.

    One workbook per table, because the reader takes each table from its own file
    (``responses.xlsx``, ``units.xlsx``, ``forms_issued.xlsx``, ``incidents.xlsx``,
    ``exclusions.xlsx``).

    Parameters
    ----------
    out : str or Path
        The file to write (relative paths resolve from the project root).  Its folder is
        created if needed.
    cycle : str
        The cycle, e.g. ``"2026H1"``; named in the instructions and used to find the units
        file when ``units`` is None.
    table : {"responses", "units", "forms_issued", "incidents", "exclusions"}, optional
        The input table (default ``"responses"``): its headers as the reader accepts them
        (Chinese), drop-down lists for units, groups, series, answers (labels and paper digits
        1–5) and incident kinds, date columns formatted as dates, id columns as text.  The
        units template has the optional English-name column (``name_en``) the English edition
        shows.
    scheme : Scheme, str, Path or None, optional
        The evaluation scheme (default: the bundled one).  Headers, group, level and
        incident-kind labels come from it.
    units : DataFrame, str, Path or None, optional
        The units: a table with a unit-name column (``name`` or any accepted units header such
        as ``单位名称``), or a units file (.csv or .xlsx).  None looks for
        ``data/raw/<cycle>/units.csv`` (or ``.xlsx``) under the project root.  Not needed (and
        not read) for ``units`` and ``exclusions``.
    rows : int, optional
        Number of entry rows that carry the drop-down lists (default 5000).
    layout : {"long", "wide"}, optional
        The responses sheet's layout: one row per form (``"long"``, the default), or the
        matrix sheet of 民主评议 and online surveys, one row per respondent with one column
        per unit × content headed ``<unit name>-<content>`` (``"wide"``; only for
        ``table="responses"``).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    FileNotFoundError
        ``units`` is None and the cycle has no units file.
    InputError
        The units file cannot be read (missing, wrong type, undecodable) or has no
        unit-name column; the problems are in ``problems``.
    ValueError
        ``table`` is not one of the five; the units table has no unit-name column or no
        names; ``rows`` is not positive.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from openpyxl import load_workbook
    >>> units = pd.DataFrame({"单位名称": ["财政所", "司法所"]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     wb = load_workbook(write_template(f"{d}/t.xlsx", cycle="2026A", units=units))
    ...     wb.sheetnames, wb["测评表"]["A1"].value
    (['测评表', '填表说明', '下拉选项'], '问卷编号')
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_template(f"{d}/i.xlsx", cycle="2026A", table="incidents", units=units)
    ...     [c.value for c in load_workbook(path)["一票否决事项"][1]]
    ['被评单位', '日期', '类别', '说明']
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_template(f"{d}/u.xlsx", cycle="2026A", table="units")
    ...     [c.value for c in load_workbook(path)["被评单位"][1]]
    ['单位编码', '单位名称', '序列', '英文名称']
    """
    if not isinstance(cycle, str) or not cycle.strip():
        raise ValueError(f"cycle must be a non-empty string; got {cycle!r}")
    check_option("table", table, TEMPLATE_TABLES)
    check_option("layout", layout, TEMPLATE_LAYOUTS)
    if layout == "wide" and table != "responses":
        raise ValueError(f"layout='wide' is a layout of the responses; got table={table!r}")
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise ValueError(f"rows must be a positive whole number; got {rows!r}")
    scheme = resolve_scheme(scheme)
    names = [] if table in ("units", "exclusions") else _unit_names(units, cycle, scheme)
    wide = layout == "wide"
    columns = _wide_columns(scheme, names) if wide else _columns(table, scheme, names)

    wb = Workbook()
    ws = wb.active
    ws.title = ENTRY_SHEETS[table]
    help_ws = wb.create_sheet(SHEET_HELP)
    lists_ws = wb.create_sheet(SHEET_LISTS)
    lists_ws.sheet_state = "hidden"
    wb.properties.title = f"{_cycle_words(cycle)} 政风行风测评 {ENTRY_SHEETS[table]} 录入模板"
    _write_entry_sheet(ws, lists_ws, columns, rows)

    _write_help_sheet(help_ws, _help_rows(table, scheme, cycle, columns, wide=wide))

    out = resolve_path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_workbook(wb, out)


__all__ = [
    "ENTRY_SHEETS",
    "FIXED_TIMESTAMP",
    "INLINE_LIST_MAX_CHARS",
    "SHEET_ENTRY",
    "SHEET_HELP",
    "SHEET_LISTS",
    "TEMPLATE_LAYOUTS",
    "TEMPLATE_TABLES",
    "WIDE_SEPARATOR",
    "default_template_name",
    "level_choices",
    "response_headers",
    "save_workbook",
    "template_headers",
    "wide_headers",
    "workbook_bytes",
    "write_template",
]
