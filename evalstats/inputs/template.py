"""The XLSX entry template office staff type returned forms into (录入模板).

One sheet per purpose:

- ``测评表`` — the default responses headers of the scheme (Chinese labels), a frozen header
  row, column widths, the form-id column formatted as text (``@``) so long ids keep every
  digit, and drop-down lists (data validation) for the unit, the respondent group and each
  dimension's levels, so most bad input never happens;
- ``填表说明`` — instructions in Chinese, generated from the scheme;
- ``lists`` — hidden; the values the long drop-down lists refer to.

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
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from evalstats.core.config import project_root, raw_dir, resolve_path
from evalstats.core.scheme import Scheme, normalize_label, resolve_scheme

#: Timestamp written into the workbook properties and the zip entries of generated files.
FIXED_TIMESTAMP = _dt.datetime(2026, 1, 1, 0, 0, 0)

SHEET_ENTRY = "测评表"
SHEET_HELP = "填表说明"
SHEET_LISTS = "lists"

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


# ---------------------------------------------------------------------- the workbook
def _validation(
    values: list[str], lists_ws, column: int, title: str, *, inline_ok: bool = True
) -> DataValidation:
    """A list validation: inline when short and safe, else a range on the lists sheet."""
    text = ",".join(values)
    inline = (
        inline_ok
        and len(text) <= INLINE_LIST_MAX_CHARS
        and not any(("," in v) or ('"' in v) for v in values)
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
    dv.showErrorMessage = True
    dv.showDropDown = False  # (openpyxl's name is inverted: False shows the arrow)
    dv.errorStyle = "stop"
    dv.errorTitle = "输入有误"
    dv.error = f"{title}：请从下拉列表中选择。"
    dv.promptTitle = title
    dv.prompt = "请从下拉列表中选择"
    dv.showInputMessage = True
    return dv


def _help_rows(scheme: Scheme, cycle: str, headers: list[tuple[str, str]]) -> list[list[str]]:
    h = dict(headers)
    level_lines = [
        f"    {v.label_zh}"
        + (f"（纸质表数字 {v.digit}）" if v.digit is not None else "")
        + ("" if v.valid else "：不计入有效票，单独统计")
        for v in scheme.levels
    ]
    group_lines = [f"    {g.label_zh}" for g in scheme.groups]
    dims = "、".join(d.label_zh for d in scheme.dimensions)
    return [
        [f"{cycle} 政风行风测评 录入模板 填表说明"],
        [""],
        [f"1. 在“{SHEET_ENTRY}”工作表中录入，每一行录入一张回收的测评表。"],
        ["2. 不要修改、删除或移动第一行的列名，不要插入合并单元格或小计行。"],
        [
            f"3. {h['form_id']}：照抄纸质测评表上的编号，每张表唯一。该列已设为文本格式，"
            "长编号不会丢失位数；同一张表不要重复录入。"
        ],
        [f"4. {h['unit']}：从下拉列表中选择单位名称。"],
        [f"5. {h['group']}：从下拉列表中选择，可选："],
        *[[line] for line in group_lines],
        [f"6. {dims}：每项从下拉列表中选择评价等次，可选："],
        *[[line] for line in level_lines],
        ["   评议人未填写的项目请留空，不要自行补填。"],
        [f"7. {h['comment']}：照录评议人写下的意见建议或批评意见，没有则留空。"],
        [f"8. {h['submitted_at']}：填表日期和时间，格式如 2026-06-18 09:30。"],
        [f"9. {h['collector']}：回收该表的工作人员姓名。"],
        ["10. 作废的测评表照常录入，另在 exclusions 文件中列出其编号和作废原因。"],
        ["11. 录入完成后保存为 .xlsx 文件，文件名为 responses.xlsx，放入本期数据文件夹。"],
    ]


def _column_width(code: str, header: str, values: list[str]) -> float:
    if code == "comment":
        return 40.0
    if code == "form_id":
        return 16.0
    if code == "submitted_at":
        return 18.0
    longest = max([len(header), *(len(v) for v in values)]) if values else len(header)
    # CJK characters are about two Latin characters wide
    return float(min(max(2 * longest + 2, 10), 40))


def write_template(
    out: str | Path,
    *,
    cycle: str,
    scheme: Scheme | str | Path | None = None,
    units: pd.DataFrame | str | Path | None = None,
    rows: int = 5000,
) -> Path:
    """Write the XLSX entry template for ``cycle``.

    Parameters
    ----------
    out : str or Path
        The file to write (relative paths resolve from the project root).  Its folder is
        created if needed.
    cycle : str
        The cycle, e.g. ``"2026H1"``; named in the instructions and used to find the units
        file when ``units`` is None.
    scheme : Scheme, str, Path or None, optional
        The evaluation scheme (default: the bundled one).  Headers, group and level labels
        come from it.
    units : DataFrame, str, Path or None, optional
        The units: a table with a unit-name column (``name`` or any accepted units header such
        as ``单位名称``), or a units file (.csv or .xlsx).  None looks for
        ``data/raw/<cycle>/units.csv`` (or ``.xlsx``) under the project root.
    rows : int, optional
        Number of entry rows that carry the drop-down lists (default 5000).

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
        The units table has no unit-name column or no names; ``rows`` is not positive.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from openpyxl import load_workbook
    >>> units = pd.DataFrame({"单位名称": ["财政所", "司法所"]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     wb = load_workbook(write_template(f"{d}/t.xlsx", cycle="2026A", units=units))
    ...     wb.sheetnames, wb["测评表"]["A1"].value
    (['测评表', '填表说明', 'lists'], '问卷编号')
    """
    if not isinstance(cycle, str) or not cycle.strip():
        raise ValueError(f"cycle must be a non-empty string; got {cycle!r}")
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise ValueError(f"rows must be a positive whole number; got {rows!r}")
    scheme = resolve_scheme(scheme)
    names = _unit_names(units, cycle, scheme)
    headers = response_headers(scheme)
    group_labels = [g.label_zh for g in scheme.groups]
    level_labels = [v.label_zh for v in scheme.levels]
    choices = {"unit": names, "group": group_labels}
    for d in scheme.dimensions:
        choices[d.code] = level_labels

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_ENTRY
    help_ws = wb.create_sheet(SHEET_HELP)
    lists_ws = wb.create_sheet(SHEET_LISTS)
    lists_ws.sheet_state = "hidden"
    wb.properties.title = f"{cycle} 政风行风测评录入模板"

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    last_row = rows + 1
    list_col = 0
    for col, (code, header) in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        letter = get_column_letter(col)
        dim = ws.column_dimensions[letter]
        dim.width = _column_width(code, header, choices.get(code, []))
        if code == "form_id":
            dim.number_format = "@"
        elif code == "submitted_at":
            dim.number_format = "yyyy-mm-dd hh:mm"
        if code in choices:
            list_col += 1
            # the unit list always refers to the lists sheet: it is long and an office may
            # add a unit there
            dv = _validation(choices[code], lists_ws, list_col, header, inline_ok=code != "unit")
            dv.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"

    for row in _help_rows(scheme, cycle, headers):
        help_ws.append(row)
    help_ws["A1"].font = Font(bold=True, size=14)
    help_ws.column_dimensions["A"].width = 100

    out = resolve_path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_workbook(wb, out)


__all__ = [
    "FIXED_TIMESTAMP",
    "INLINE_LIST_MAX_CHARS",
    "SHEET_ENTRY",
    "SHEET_HELP",
    "SHEET_LISTS",
    "response_headers",
    "save_workbook",
    "workbook_bytes",
    "write_template",
]
