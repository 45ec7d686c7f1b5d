"""Reading the office's input files: types only, no judgement.

:func:`read_table` reads one input table (CSV or spreadsheet) into a :class:`RawTable`: every
cell as text (NFKC-normalised and trimmed; free-text columns only trimmed), the header row found
below any title rows, the row numbers the user sees, and the file's hash.  Whatever stops the
file from being read (wrong format, undecodable bytes, no header, no rows) is a *problem* in
``RawTable.problems``, never an exception: :mod:`evalstats.inputs.validate` gathers them with the
rest.

CSV files are decoded as UTF-8, UTF-8 with a byte-order mark, then GB18030 (a superset of GBK
and GB2312), in that order; the encoding used is recorded.  A CSV file is parsed by pyarrow
(on every core) when parsing cannot pass the scheme's limits, else scanned against them first;
its columns of few distinct values (answers, units, groups) come with their dictionary codes
(:class:`ColumnCodes` in ``RawTable.codes``), so the checks map each distinct value once.
Spreadsheets (.xlsx, .xlsm, .xls, .ods) are read with python-calamine, the engine behind
``pandas.read_excel(engine="calamine")``.
Raw inputs are opened read-only and read once; the SHA-256 is taken from the bytes parsed.

The package holds one module per concept: :mod:`~evalstats.inputs.read.table` (:func:`read_table`),
:mod:`~evalstats.inputs.read.formats` (CSV, workbook and Parquet grids),
:mod:`~evalstats.inputs.read.header` (finding the header row),
:mod:`~evalstats.inputs.read.cells` (cell text), :mod:`~evalstats.inputs.read.raw`
(:class:`RawTable` and problem rows), :mod:`~evalstats.inputs.read.peek` (:func:`read_header`),
:mod:`~evalstats.inputs.read.folder` (a cycle folder's files) and
:mod:`~evalstats.inputs.read.wide` (the wide layout, one row per respondent, made long).

Examples
--------
>>> from evalstats.inputs.read import read_table
>>> raw = read_table("data/raw/2026H1/units.csv", table="units")  # doctest: +SKIP
>>> raw.columns  # doctest: +SKIP
{'单位编码': 'unit', '单位名称': 'name', '序列': 'series'}
"""

from evalstats.inputs.read.folder import (
    OPTIONAL_TABLES,
    cycle_candidates,
    cycle_files,
    find_cycle_files,
)
from evalstats.inputs.read.formats import (
    CSV_ENCODINGS,
    CSV_EXTENSIONS,
    INPUT_EXTENSIONS,
    PARQUET_EXTENSIONS,
    SPREADSHEET_EXTENSIONS,
)
from evalstats.inputs.read.header import HEADER_SEARCH_ROWS, combine_headers, find_header
from evalstats.inputs.read.peek import read_header
from evalstats.inputs.read.raw import (
    ColumnCodes,
    RawTable,
    column_letter,
    problem,
    problems_frame,
    row_objects,
)
from evalstats.inputs.read.table import FREE_TEXT_COLUMNS, read_table

__all__ = [
    "CSV_ENCODINGS",
    "CSV_EXTENSIONS",
    "FREE_TEXT_COLUMNS",
    "HEADER_SEARCH_ROWS",
    "INPUT_EXTENSIONS",
    "OPTIONAL_TABLES",
    "PARQUET_EXTENSIONS",
    "SPREADSHEET_EXTENSIONS",
    "ColumnCodes",
    "RawTable",
    "column_letter",
    "combine_headers",
    "cycle_candidates",
    "cycle_files",
    "find_cycle_files",
    "find_header",
    "problem",
    "problems_frame",
    "read_header",
    "read_table",
    "row_objects",
]
