"""The reasons of validation problems in Chinese: one catalogue, keyed by the problem's ``code``.

Every problem row carries an English ``reason`` (kept in the problems table, the interim files
and the workbook: codes and reasons written to files stay English) and a short ``code``.  At the
console the reason is shown in the user's language: :data:`REASONS` holds, for each code, the
English wordings the validators write (a regular expression whose named groups are the dynamic
parts: expected labels, rows, counts, file names) and the Chinese text they fill in.  The last
entry of each code matches any wording, so every problem has a Chinese text even if an English
wording changes; ``tests/test_validate.py`` checks that every wording written by the validators
finds its specific entry.

Examples
--------
>>> reason_text("unknown_unit", "unknown unit: neither a code nor a name in the units file",
...             lang="zh")
'未知单位：既不是单位名单文件中的单位编码，也不是其中的单位名称'
>>> reason_text("duplicate_form", "form typed twice: same id and answers as row 7; counted once",
...             lang="zh")
'问卷重复录入：与第 7 行的编号和答案都相同，只计一次'
>>> reason_text("duplicate_form", "form typed twice: same id and answers as row 7; counted once",
...             lang="en")
'form typed twice: same id and answers as row 7; counted once'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Reason:
    """One English wording of a problem and its Chinese text.

    Attributes
    ----------
    en : str
        Regular expression the whole English reason matches; its named groups are the
        dynamic parts.
    zh : str
        The Chinese reason, with ``{group}`` fields filled from the English one (a field whose
        value is in :data:`WORDS` is shown in Chinese).
    """

    en: str
    zh: str


ANY = ".*"
"""The wording of a code's last, catch-all entry."""

WORDS = {
    # table names (the file kinds of a cycle folder)
    "responses": "测评表数据",
    "units": "单位名单",
    "forms_issued": "发放份数",
    "incidents": "事件记录",
    "exclusions": "作废名单",
    # what sniffing a binary file found (evalstats.inputs.read.formats.sniff_binary)
    "it is an Excel workbook (a zip file); rename it to .xlsx": (
        "它是 Excel 工作簿（zip 文件）；请改名为 .xlsx"
    ),
    "it is an old Excel (.xls) or Word (.doc) file; save it as .xlsx": (
        "它是旧版 Excel（.xls）或 Word（.doc）文件；请另存为 .xlsx"
    ),
    "it is a PDF document; save the table as .xlsx or .csv": (
        "它是 PDF 文档；请把表格另存为 .xlsx 或 .csv"
    ),
    'it is UTF-16 text (Excel "Unicode Text"); save it as "CSV UTF-8" or .xlsx': (
        "它是 UTF-16 文本（Excel 的“Unicode 文本”）；请另存为“CSV UTF-8”或 .xlsx"
    ),
    "it is a Word (RTF) document; save the table as .xlsx or .csv": (
        "它是 Word（RTF）文档；请把表格另存为 .xlsx 或 .csv"
    ),
    # what passed a reading limit, and its unit (evalstats.inputs.read.bounds.LIMIT_WORDS)
    "the file is too large": "文件太大",
    "too many fields in one row": "一行的字段太多",
    "a field too long": "有一个字段太长",
    "a row too long": "有一行太长",
    "too many rows": "行数太多",
    "too many cells (rows × columns)": "单元格太多（行数 × 列数）",
    "a part of the workbook inflates too much": "工作簿中的一个部件解压后太大",
    "bytes": "字节",
    "fields": "个字段",
    "rows": "行",
    "cells": "个单元格",
}
"""English values of dynamic parts that are shown in Chinese."""

_LIMIT = (
    r"(?P<what>[^:]+): (?P<value>[\d,]+) (?P<unit>\w+), more than the limit of (?P<limit>[\d,]+) "
    r"\((?P<key>limits\.\w+) in the scheme\)"
)
_LIMIT_ZH = "{what}：{value} {unit}，超过上限 {limit}（方案的 {key}）"

_FILE_KINDS = r"(?P<names>[^)]*)"

REASONS: dict[str, tuple[Reason, ...]] = {
    "blank_value": (
        Reason(r"blank (?P<what>.+)", "此项为空，必须填写"),
        Reason(ANY, "此项为空，必须填写"),
    ),
    "id_precision": (
        Reason(
            r"form id lost precision in Excel \(stored as a number; more than (?P<n>\d+) digits "
            r"cannot be kept\); format the column as text and retype the ids",
            "问卷编号在 Excel 中丢失了精度（存成了数字，超过 {n} 位的数字无法保留）；"
            "请把该列设为文本格式后重新录入编号",
        ),
        Reason(ANY, "问卷编号在 Excel 中丢失了精度；请把该列设为文本格式后重新录入编号"),
    ),
    "unknown_unit": (
        Reason(
            r"unknown unit: neither a code nor a name in the units file",
            "未知单位：既不是单位名单文件中的单位编码，也不是其中的单位名称",
        ),
        Reason(
            r"unknown unit: neither a code nor a name in (?P<file>.+)",
            "未知单位：既不是 {file} 中的单位编码，也不是其中的单位名称",
        ),
        Reason(ANY, "未知单位：单位名单中没有这个编码或名称"),
    ),
    "unknown_group": (
        Reason(
            r"unknown respondent group; expected one of (?P<expected>.+)",
            "未知的评议人类别；应为以下之一：{expected}",
        ),
        Reason(ANY, "未知的评议人类别"),
    ),
    "unknown_level": (
        Reason(
            r"unknown level; expected one of (?P<labels>.+?) \(or the digits (?P<digits>.+)\)",
            "无法识别的评价等次；应为以下之一：{labels}（或数字 {digits}）",
        ),
        Reason(
            r"unknown level; expected one of (?P<labels>.+)",
            "无法识别的评价等次；应为以下之一：{labels}",
        ),
        Reason(ANY, "无法识别的评价等次"),
    ),
    "bad_datetime": (
        Reason(
            r"cannot read this as a date and time \(write e\.g\. (?P<example>.+)\)",
            "无法识别为日期时间（请写成如 {example} 的格式）",
        ),
        Reason(ANY, "无法识别为日期时间"),
    ),
    "bad_date": (
        Reason(
            r"cannot read this as a date \(write e\.g\. (?P<example>.+)\)",
            "无法识别为日期（请写成如 {example} 的格式）",
        ),
        Reason(ANY, "无法识别为日期"),
    ),
    "conflicting_duplicate": (
        Reason(
            r"same form id as row (?P<row>\d+) but different answers",
            "与第 {row} 行的问卷编号相同，但答案不同（两份都不计入）",
        ),
        Reason(ANY, "问卷编号重复，但答案不同（两份都不计入）"),
    ),
    "duplicate_form": (
        Reason(
            r"form typed twice: same id and answers as row (?P<row>\d+); counted once",
            "问卷重复录入：与第 {row} 行的编号和答案都相同，只计一次",
        ),
        Reason(ANY, "问卷重复录入，只计一次"),
    ),
    "duplicate_unit": (
        Reason(r"duplicate unit code \(also row (?P<row>\d+)\)", "单位编码重复（第 {row} 行也有）"),
        Reason(ANY, "单位编码重复"),
    ),
    "duplicate_name": (
        Reason(
            r"two units share this name \(also row (?P<row>\d+)\); names must be unique",
            "两个单位同名（第 {row} 行也有）；单位名称不能重复",
        ),
        Reason(
            r"two units share this English name \(also row (?P<row>\d+)\); names must be unique",
            "两个单位的英文名称相同（第 {row} 行也有）；英文名称不能重复",
        ),
        Reason(ANY, "两个单位同名；单位名称不能重复"),
    ),
    "unknown_series": (
        Reason(
            r"unknown series; expected one of (?P<expected>.+)",
            "未知的单位序列；应为以下之一：{expected}",
        ),
        Reason(ANY, "未知的单位序列"),
    ),
    "ambiguous_unit": (
        Reason(
            r"this name is also the code of unit (?P<unit>.+); a unit typed this way would be "
            r"ambiguous",
            "这个名称同时是单位 {unit} 的编码；按它填写的单位无法分辨",
        ),
        Reason(ANY, "这个名称同时是另一个单位的编码；按它填写的单位无法分辨"),
    ),
    "unknown_excluded_id": (
        Reason(
            r"excluded form id not found in the responses",
            "作废名单中的这个问卷编号在测评表数据中找不到",
        ),
        Reason(ANY, "作废名单中的这个问卷编号在测评表数据中找不到"),
    ),
    "duplicate_exclusion": (
        Reason(
            r"form id listed twice \(also row (?P<row>\d+)\)", "问卷编号列了两次（第 {row} 行也有）"
        ),
        Reason(ANY, "问卷编号列了两次"),
    ),
    "bad_count": (
        Reason(r"forms issued must be a whole number, 0 or more", "发放份数必须是 0 或正整数"),
        Reason(ANY, "份数必须是 0 或正整数"),
    ),
    "duplicate_row": (
        Reason(
            r"unit and group listed twice \(also row (?P<row>\d+)\)",
            "同一单位和评议人类别列了两次（第 {row} 行也有）",
        ),
        Reason(ANY, "同一单位和评议人类别列了两次"),
    ),
    "unknown_kind": (
        Reason(
            r"unknown incident kind; expected one of (?P<expected>.+)",
            "未知的事件类型；应为以下之一：{expected}",
        ),
        Reason(ANY, "未知的事件类型"),
    ),
    "unknown_comment_kind": (
        Reason(
            r"unknown comment kind; expected one of (?P<expected>.+)",
            "未知的意见类别；应为以下之一：{expected}",
        ),
        Reason(ANY, "未知的意见类别"),
    ),
    "returned_above_issued": (
        Reason(
            r"(?P<got>\d+) returned for (?P<unit>.+) × (?P<group>.+), more than the (?P<n>\d+) "
            r"issued",
            "{unit} × {group} 收回 {got} 份，多于发放的 {n} 份",
        ),
        Reason(ANY, "收回的份数多于发放的份数"),
    ),
    "issued_missing": (
        Reason(
            r"no forms-issued count for this unit and group \((?P<got>\d+) forms returned\); "
            r"response rate unknown",
            "这个单位和评议人类别没有发放份数（收回 {got} 份）；回收率无法计算",
        ),
        Reason(ANY, "这个单位和评议人类别没有发放份数；回收率无法计算"),
    ),
    "missing_file": (
        Reason(
            rf"no (?P<table>\w+) file \(expected {_FILE_KINDS}\)",
            "缺少{table}文件（应为 {names}）",
        ),
        Reason(
            rf"no (?P<table>\w+) file \(expected {_FILE_KINDS}\); the out-of-core scan needs it",
            "缺少{table}文件（应为 {names}）；外存计算需要它",
        ),
        Reason(r"file not found", "找不到文件"),
        Reason(ANY, "缺少文件"),
    ),
    "no_units_file": (
        Reason(
            r"no units file next to the responses file: unit codes cannot be checked",
            "测评表数据文件旁边没有单位名单文件：无法核对单位编码",
        ),
        Reason(ANY, "没有单位名单文件：无法核对单位编码"),
    ),
    "unit_without_forms": (
        Reason(r"unit has no forms in the responses", "该单位在测评表数据中没有任何测评表"),
        Reason(ANY, "该单位没有任何测评表"),
    ),
    "unknown_column": (
        Reason(
            r"unknown column is ignored \(column (?P<letter>[A-Z]+)\)",
            "无法识别的列，已忽略（第 {letter} 列）",
        ),
        Reason(ANY, "无法识别的列，已忽略"),
    ),
    "duplicate_column": (
        Reason(
            r"duplicated column: column (?P<a>[A-Z]+) means the same as column (?P<b>[A-Z]+) "
            r"\((?P<header>.*)\)",
            "重复的列：第 {a} 列与第 {b} 列（{header}）含义相同",
        ),
        Reason(ANY, "重复的列"),
    ),
    "missing_column": (
        Reason(r"required column is missing \((?P<code>\w+)\)", "缺少必需的列（{code}）"),
        Reason(
            r"no unit-name column \(accepted headers: (?P<accepted>.+)\)",
            "没有单位名称列（可用的表头：{accepted}）",
        ),
        Reason(ANY, "缺少必需的列"),
    ),
    "ambiguous_header": (
        Reason(
            r"ambiguous column header: it can name (?P<named>.+); rename the column so that it "
            r"names one unit and one content",
            "列名有歧义：可以理解为 {named}；请修改列名，使其只指一个单位和一项评议内容",
        ),
        Reason(ANY, "列名有歧义"),
    ),
    "no_rating_columns": (
        Reason(
            r"wide layout: no column header names a unit and a content \(write e\.g\. "
            r"(?P<example>.+)\)",
            "矩阵式（宽表）格式：没有任何列名同时写明单位和评议内容（例如写作 {example}）",
        ),
        Reason(ANY, "矩阵式（宽表）格式：没有写明单位和评议内容的列"),
    ),
    "empty_wide_row": (
        Reason(
            r"no unit is rated on this row; the row makes no form",
            "该行没有评议任何单位，不计为测评表",
        ),
        Reason(ANY, "该行没有评议任何单位"),
    ),
    "headerless_column": (
        Reason(r"values in a column without a header are ignored", "没有表头的列中的数据已忽略"),
        Reason(ANY, "没有表头的列中的数据已忽略"),
    ),
    "not_a_file": (
        Reason(
            r"is a folder or a special file \(a FIFO, a device\), not a file; it is not read: "
            r"remove or rename it",
            "是文件夹或特殊文件（管道、设备），不是普通文件，不会读取：请删除或改名",
        ),
        Reason(ANY, "不是普通文件"),
    ),
    "link_outside": (
        Reason(
            r"is a link to a file outside the cycle folder; copy the file into the cycle "
            r"folder instead",
            "是指向期次文件夹之外的链接；请把文件复制到期次文件夹中",
        ),
        Reason(ANY, "是指向期次文件夹之外的链接"),
    ),
    "ambiguous_file": (
        Reason(
            r"more than one (?P<table>\w+) file; keep only one",
            "有不止一个{table}文件；只能保留一个",
        ),
        Reason(ANY, "同一种文件有不止一个；只能保留一个"),
    ),
    "unreadable": (
        Reason(r"cannot open the file \((?P<why>.+)\)", "无法打开文件（{why}）"),
        Reason(
            r"cannot read this CSV out of core \((?P<why>.+)\); check the file with the pandas "
            r"backend \(evalstats validate\), which names the row",
            "无法以外存方式读取这个 CSV（{why}）；请用 evalstats validate（pandas 后端）"
            "检查该文件，它会指出出错的行",
        ),
        Reason(ANY, "无法读取文件"),
    ),
    "wrong_format": (
        Reason(
            r"cannot read a (?P<suffix>\.\w+) file; save the table as \.xlsx or \.csv",
            "无法读取 {suffix} 文件；请把表格另存为 .xlsx 或 .csv",
        ),
        Reason(
            r"cannot read this file as Parquet \((?P<why>.+)\)",
            "无法按 Parquet 格式读取这个文件（{why}）",
        ),
        Reason(
            r"cannot read this file as (?P<suffix>\.\w+): it looks like CSV text; rename it to "
            r"\.csv",
            "无法按 {suffix} 格式读取这个文件：它看起来是 CSV 文本；请改名为 .csv",
        ),
        Reason(
            r"cannot read this file as a spreadsheet \((?P<why>.+)\); save it as \.xlsx",
            "无法按电子表格读取这个文件（{why}）；请另存为 .xlsx",
        ),
        Reason(
            r"cannot read this file as CSV: it contains binary data; save it as \.xlsx or CSV",
            "无法按 CSV 读取这个文件：其中有二进制数据；请另存为 .xlsx 或 CSV",
        ),
        Reason(r"cannot read this file as CSV: (?P<why>.+)", "无法按 CSV 读取这个文件：{why}"),
        Reason(ANY, "文件格式不对，无法读取；请另存为 .xlsx 或 .csv"),
    ),
    "empty_file": (
        Reason(r"the file is empty", "文件是空的"),
        Reason(
            r"the workbook has no data \(every sheet is empty\)",
            "工作簿中没有数据（每个工作表都是空的）",
        ),
        Reason(ANY, "文件是空的"),
    ),
    "no_header": (
        Reason(
            r"no header row found: no row of the first (?P<n>\d+) names a known column "
            r"\(expected (?P<expected>.+)\)",
            "找不到表头行：前 {n} 行中没有一行含有可识别的列名（应有 {expected}）",
        ),
        Reason(ANY, "找不到表头行"),
    ),
    "undecodable": (
        Reason(
            r"cannot decode the file: it is neither UTF-8 nor GBK/GB18030 text "
            r"\(byte (?P<byte>0x[0-9a-f]+) at offset (?P<offset>\d+)\); save it as UTF-8 CSV "
            r"or \.xlsx",
            "无法解码文件：既不是 UTF-8 也不是 GBK/GB18030 文本（第 {offset} 字节处为 {byte}）；"
            "请另存为 UTF-8 CSV 或 .xlsx",
        ),
        Reason(ANY, "无法解码文件；请另存为 UTF-8 CSV 或 .xlsx"),
    ),
    "over_limit": (
        Reason(_LIMIT, _LIMIT_ZH + "；文件没有读取"),
        Reason(
            _LIMIT + r": sheet (?P<sheet>.+)", "工作表 {sheet}：" + _LIMIT_ZH + "；文件没有读取"
        ),
        Reason(_LIMIT + r": (?P<part>[^ ]+)", _LIMIT_ZH + "：{part}；文件没有读取"),
        Reason(
            r"(?P<what>[^:]+): (?P<unit>\w+): more than the limit of (?P<limit>[\d,]+) "
            r"\((?P<key>limits\.\w+) in the scheme\)(?:: (?P<part>[^ ]+))?",
            "{what}：超过上限 {limit} {unit}（方案的 {key}）；文件没有读取",
        ),
        Reason(
            r"a part of the workbook \((?P<part>[^)]+)\) inflates (?P<ratio>[\d,]+) times its "
            r"compressed size, more than the limit of (?P<limit>[\d,]+) \(limits\.zip_ratio "
            r"in the scheme\); it is padding, not a table",
            "工作簿中的部件 {part} 解压后是压缩大小的 {ratio} 倍，超过上限 {limit}"
            "（方案的 limits.zip_ratio）；这是填充数据，不是表格；文件没有读取",
        ),
        Reason(ANY, "文件超过了读取上限（方案的 [limits]），没有读取"),
    ),
    "unclosed_quote": (
        Reason(
            r'unclosed quote: the " that opens a field in this row is never closed, so the rest '
            r"of the file \((?P<rest>[\d,]+) bytes\) would be one field; remove the quote or "
            r"close it",
            '引号没有闭合：这一行有一个字段以英文双引号 " 开头，但没有对应的结束引号，文件其余部分'
            "（{rest} 字节）都会被当成一个字段；请删掉这个引号或补上结束引号",
        ),
        Reason(ANY, "引号没有闭合；请删掉这个引号或补上结束引号"),
    ),
    "bom_in_file": (
        Reason(
            r"a byte-order mark \(BOM\) starts this row: two files were joined into one; the "
            r"mark was removed",
            "这一行开头有字节顺序标记（BOM）：两个文件被拼接成了一个；该标记已删除",
        ),
        Reason(ANY, "这一行开头有字节顺序标记（BOM），已删除"),
    ),
    "ambiguous_sheet": (
        Reason(
            r"more than one sheet has the header row \((?P<names>[^)]+)\); delete the stale copy "
            r"or name the sheet to read in the scheme "
            r'\((?P<key>\[sheets\] \w+) = "(?P<first>.+)"\)',
            "不止一个工作表有表头行（{names}）；请删除过时的副本，或在方案中指定要读取的工作表"
            '（{key} = "{first}"）',
        ),
        Reason(ANY, "不止一个工作表有表头行；请删除过时的副本，或在方案的 [sheets] 中指定工作表"),
    ),
    "hidden_sheet": (
        Reason(
            r"the data are on hidden sheet (?P<sheet>.+); unhide it in Excel or WPS, or name it "
            r'in the scheme \((?P<key>\[sheets\] \w+) = "(?P<again>.+)"\)',
            "数据在隐藏的工作表 {sheet} 上；请在 Excel 或 WPS 中取消隐藏，或在方案中指定它"
            '（{key} = "{again}"）',
        ),
        Reason(ANY, "数据在隐藏的工作表上；请取消隐藏，或在方案的 [sheets] 中指定它"),
    ),
    "no_such_sheet": (
        Reason(
            r"no sheet named (?P<sheet>.+) \((?P<key>\[sheets\] \w+) in the scheme\); the "
            r"sheets are (?P<names>.*)",
            "没有名为 {sheet} 的工作表（方案的 {key}）；工作簿中的工作表有：{names}",
        ),
        Reason(ANY, "方案的 [sheets] 指定的工作表不存在"),
    ),
    "formula_without_value": (
        Reason(
            r"formula without a saved value in (?P<n>[\d,]+) cells \((?P<cells>.+)\); the "
            r"reader would see blanks: open the file in Excel or WPS and save it",
            "{n} 个单元格是公式但没有保存计算结果（{cells}），读取时会变成空白：请用 Excel 或 WPS "
            "打开这个文件并保存",
        ),
        Reason(ANY, "有公式单元格没有保存计算结果；请用 Excel 或 WPS 打开这个文件并保存"),
    ),
    "no_data": (
        Reason(r"no data rows below the header", "表头下面没有数据行"),
        Reason(ANY, "没有数据行"),
    ),
    "identifiers_dropped": (
        Reason(
            r"respondent identifiers are dropped: no pseudonym key is set\. (?P<how>.+)",
            "评议人身份信息（姓名、电话）已删除：没有设置化名密钥。如要以带密钥的化名保留"
            "（respondent 列），请把环境变量 EVALSTATS_PSEUDONYM_KEY_FILE 设为项目之外的"
            "密钥文件（或把 EVALSTATS_PSEUDONYM_KEY 设为至少 16 字节的密钥）",
        ),
        Reason(ANY, "评议人身份信息（姓名、电话）已删除：没有设置化名密钥"),
    ),
    # values that read well but cannot be right (evalstats.inputs.validate.values)
    "future_date": (
        Reason(
            r"submitted after the run date (?P<today>[\d-]+): check the date typed",
            "填表时间晚于运行日期 {today}：请核对录入的日期",
        ),
        Reason(ANY, "填表时间晚于运行日期：请核对录入的日期"),
    ),
    "future_incident": (
        Reason(
            r"incident dated after the run date (?P<today>[\d-]+); a future incident cannot "
            r"veto a unit",
            "事件日期晚于运行日期 {today}；未来的事件不能对单位一票否决",
        ),
        Reason(ANY, "事件日期晚于运行日期；未来的事件不能对单位一票否决"),
    ),
    "incident_outside_cycle": (
        Reason(
            r"incident dated outside the cycle (?P<cycle>\S+) \((?P<start>[\d-]+) to "
            r"(?P<end>[\d-]+)\); it cannot veto this cycle's units",
            "事件日期不在本期 {cycle} 的测评期间（{start} 至 {end}）内；不能对本期单位一票否决",
        ),
        Reason(ANY, "事件日期不在本期的测评期间内；不能对本期单位一票否决"),
    ),
    "unsafe_text": (
        Reason(
            r"holds control or invisible characters \((?P<chars>.+)\); the report, letters "
            r"and figures show the text without them",
            "含有控制字符或不可见字符（{chars}）；报告、反馈函和图中显示的是去掉这些字符后的文字",
        ),
        Reason(ANY, "含有控制字符或不可见字符；报告、反馈函和图中显示的是去掉这些字符后的文字"),
    ),
    "unsafe_name": (
        Reason(
            r"holds control or invisible characters \((?P<chars>.+)\); a unit's code or name "
            r"is an identifier: retype it without them",
            "含有控制字符或不可见字符（{chars}）；单位编码和名称是标识，请去掉这些字符后重新录入",
        ),
        Reason(ANY, "含有控制字符或不可见字符；单位编码和名称是标识，请重新录入"),
    ),
    "no_scored_answer": (
        Reason(
            r"no form of the cycle has a scored answer \((?P<n>\d+) forms returned: every "
            r"answer is 不了解 or blank, or every form is voided\); there is nothing to score "
            r"or rank",
            "本期没有一份测评表有计分的回答（收回 {n} 份：全部回答都是“不了解”或未填，"
            "或全部作废）；无法计分和排名",
        ),
        Reason(ANY, "本期没有一份测评表有计分的回答；无法计分和排名"),
    ),
    "unit_without_scored_answer": (
        Reason(
            r"unit has (?P<n>\d+) forms? but no scored answer \(every answer 不了解 or blank, "
            r"or its forms voided\): it gets no score or rank \(无综合得分\)",
            "该单位有 {n} 份测评表，但没有计分的回答（全部是“不了解”或未填，或已作废）："
            "不计分、不排名（无综合得分）",
        ),
        Reason(ANY, "该单位没有计分的回答：不计分、不排名（无综合得分）"),
    ),
}
"""Problem code → its English wordings and their Chinese texts, the catch-all last."""

_COMPILED = {code: [(re.compile(r.en, re.S), r) for r in rs] for code, rs in REASONS.items()}
_COLUMN_LETTER = re.compile(r"\(column (?P<letter>[A-Z]+)\)")


def match_reason(code: str, reason: str) -> tuple[Reason, dict] | None:
    """The catalogue entry the English ``reason`` of a ``code`` matches, and its fields.

    None when the code is not in the catalogue.  A reason no specific wording matches gets the
    code's catch-all entry (its ``en`` is :data:`ANY`).

    Examples
    --------
    >>> entry, fields = match_reason("duplicate_unit", "duplicate unit code (also row 4)")
    >>> fields
    {'row': '4'}
    """
    for pattern, entry in _COMPILED.get(code, ()):
        m = pattern.fullmatch(reason)
        if m:
            return entry, m.groupdict()
    return None


def reason_text(code, reason, *, lang: str = "zh") -> str:
    """The reason of a problem in ``lang``: the English ``reason`` itself, or its Chinese text.

    A code the catalogue does not know keeps its English reason (the test of this module
    holds every code the validators write).

    Examples
    --------
    >>> reason_text("no_data", "no data rows below the header")
    '表头下面没有数据行'
    """
    lang = check_option("lang", lang, LANGS)
    if lang == "en" or not isinstance(code, str) or not isinstance(reason, str):
        return reason
    found = match_reason(code, reason)
    if found is None:
        return reason
    entry, fields = found
    return entry.zh.format(**{k: WORDS.get(v, v) for k, v in fields.items()})


def column_text(column, *, lang: str = "zh"):
    """A problem's column in ``lang``: a header as written is kept; the name given to a column
    without a header, ``(column F)``, reads ``（第 F 列）`` in Chinese.

    Examples
    --------
    >>> column_text("(column F)"), column_text("问卷编号")
    ('（第 F 列）', '问卷编号')
    """
    if lang != "zh" or not isinstance(column, str):
        return column
    m = _COLUMN_LETTER.fullmatch(column)
    return f"（第 {m['letter']} 列）" if m else column


def translate_problems(problems: pd.DataFrame, *, lang: str = "zh") -> pd.DataFrame:
    """A copy of a problems table with ``reason`` (and headerless ``column`` names) in ``lang``.

    The ``code`` column is unchanged; ``lang="en"`` returns the table as it is.

    Examples
    --------
    >>> translate_problems(check_cycle("data/raw/2026H1"))["reason"][0]  # doctest: +SKIP
    '问卷重复录入：与第 57 行的编号和答案都相同，只计一次'
    """
    lang = check_option("lang", lang, LANGS)
    if lang == "en" or problems is None or len(problems) == 0:
        return problems
    out = problems.copy()
    out["reason"] = [
        reason_text(c, r, lang=lang) for c, r in zip(out["code"], out["reason"], strict=True)
    ]
    out["column"] = [column_text(c, lang=lang) for c in out["column"]]
    return out


__all__ = [
    "ANY",
    "REASONS",
    "WORDS",
    "Reason",
    "column_text",
    "match_reason",
    "reason_text",
    "translate_problems",
]
