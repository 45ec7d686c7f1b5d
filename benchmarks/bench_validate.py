"""Validation against the file read: ``validate_cycle`` and ``pyarrow.csv.read_csv`` of the same
file (or, ``--format xlsx``, calamine reading the sheet), timed in one process (issue 16; goals:
validate a 1M-form CSV in ≤ 5× the read, a 1M-form XLSX in ≤ 3× calamine).

Usage::

    .venv/bin/python benchmarks/bench_validate.py [--forms 1000000] [--repeat 3]
        [--source large|simple] [--encoding utf-8|gbk|utf-8-sig] [--format csv|xlsx]
        [--dir DIR]

``--source large`` (default) writes the cycle with the project's generator
(:func:`evalstats.inputs.demo.write_large`: 200 units typed by code, levels and groups by their
Chinese labels, submission times, collectors; about 115 MB for 1M forms); ``--source simple``
with this script's own generator (24 units, every 10th typed by name, a comment column; any
``--encoding``).  The files are written once under ``--dir`` (default: a temp folder).

``--format xlsx`` writes ``responses.csv`` once more as ``responses.xlsx`` (:func:`write_xlsx`:
every cell text in the shared strings, as Excel and WPS save text; blank cells left out) in a
folder of its own beside the units and forms-issued CSV files; the baseline is then calamine
(``python_calamine``, what the reader uses) opening the workbook and reading the sheet into
Python rows (``to_python``).  Each timed validation inspects the workbook's zip parts again
(:func:`evalstats.inputs.read.workbook.forget_inspections`), as a fresh process does.

Then, in a fresh process: ``validate_cycle(folder)`` (what ``evalstats validate`` and the runs
call) and ``pyarrow.csv.read_csv`` of ``responses.csv``, each ``--repeat`` times, alternating;
the best of each and their ratio are printed, with the load average before and after (the
machine is shared: a ratio is only fair at low load), and the CPU time of each (all threads:
less sensitive to the load, but blind to how well the work uses the cores).  Memory: the
growth of peak RSS during the process's first validation (what a run pays) and during a later
one (smaller: the allocators reuse what the first freed), each against the forms table's real
size (:func:`sizes.real_size`) and against the Arrow table read.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sizes import real_size  # benchmarks/sizes.py (a script's folder is on sys.path)

HEADERS = [
    "问卷编号",
    "被评单位",
    "评议人类别",
    "政务公开",
    "依法行政",
    "办事效率",
    "服务质量",
    "清正廉洁",
]
LEVELS = np.array(["满意", "比较满意", "基本满意", "不满意", "不了解", ""], dtype=object)
LEVEL_P = [0.62, 0.2, 0.08, 0.03, 0.04, 0.03]
GROUPS = np.array(["企业", "社会义务监督员", "群众", "人大代表/政协委员"], dtype=object)
GROUP_P = [0.4, 0.1, 0.45, 0.05]
SERIES = ["行政管理", "行政执法", "公共服务"]


def generate(folder: Path, n_forms: int, *, encoding: str = "utf-8", seed: int = 1) -> None:
    """Write a cycle folder with ``n_forms`` forms and 24 units (``--source simple``)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_units = 24
    codes = np.array([f"U{i:02d}" for i in range(1, n_units + 1)], dtype=object)
    names = np.array([f"单位{i:02d}站" for i in range(1, n_units + 1)], dtype=object)
    pd.DataFrame(
        {
            "单位编码": codes,
            "单位名称": names,
            "序列": [SERIES[i % 3] for i in range(n_units)],
        }
    ).to_csv(folder / "units.csv", index=False, encoding=encoding)
    unit_idx = rng.integers(0, n_units, n_forms)
    # a unit typed by name on every 10th form, as offices do
    unit_text = np.where(np.arange(n_forms) % 10 == 0, names[unit_idx], codes[unit_idx])
    data = {
        HEADERS[0]: np.char.add("F", np.char.zfill(np.arange(1, n_forms + 1).astype(str), 7)),
        HEADERS[1]: unit_text,
        HEADERS[2]: GROUPS[rng.choice(len(GROUPS), n_forms, p=GROUP_P)],
    }
    for h in HEADERS[3:]:
        data[h] = LEVELS[rng.choice(len(LEVELS), n_forms, p=LEVEL_P)]
    comments = np.array(
        ["", "", "", "", "", "", "", "", "办事效率有待提高", "态度很好"], dtype=object
    )
    data["意见建议"] = comments[rng.integers(0, len(comments), n_forms)]
    pd.DataFrame(data).to_csv(folder / "responses.csv", index=False, encoding=encoding)


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
}
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def write_xlsx(csv_file: Path, xlsx_file: Path) -> None:
    """``csv_file`` (UTF-8, header on row 1) as a one-sheet workbook: every cell text in the
    shared strings (as Excel and WPS save text), blank cells left out, streamed."""
    import html
    import zipfile

    import pyarrow.csv as pcsv

    table = pcsv.read_csv(
        csv_file,
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(pd.read_csv(csv_file, nrows=0).columns, "string"),
            strings_can_be_null=False,
        ),
    )
    shared: dict[str, int] = {}
    columns = []
    for name in table.column_names:  # each distinct text given its shared-string index once
        shared.setdefault(name, len(shared))
        enc = table.column(name).combine_chunks().dictionary_encode()
        lut = np.array(
            [shared.setdefault(t, len(shared)) if t else -1 for t in enc.dictionary.to_pylist()]
            + [-1],
            dtype=np.int64,
        )
        columns.append(lut[enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)].tolist())
    letters = [chr(65 + j) for j in range(len(columns))]
    n = table.num_rows
    with zipfile.ZipFile(xlsx_file, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in _XLSX_PARTS.items():
            zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(
                f'<worksheet xmlns="{_MAIN}"><dimension ref="A1:{letters[-1]}{n + 1}"/>'
                "<sheetData>".encode()
            )
            head = "".join(
                f'<c r="{c}1" t="s"><v>{shared[h]}</v></c>'
                for c, h in zip(letters, table.column_names, strict=True)
            )
            out.write(f'<row r="1">{head}</row>'.encode())
            for start in range(0, n, 50_000):
                rows = []
                for i in range(start, min(n, start + 50_000)):
                    r = i + 2
                    cells = "".join(
                        f'<c r="{c}{r}" t="s"><v>{col[i]}</v></c>'
                        for c, col in zip(letters, columns, strict=True)
                        if col[i] >= 0
                    )
                    rows.append(f'<row r="{r}">{cells}</row>')
                out.write("".join(rows).encode())
            out.write(b"</sheetData></worksheet>")
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(f'<sst xmlns="{_MAIN}" uniqueCount="{len(shared)}">'.encode())
            texts = list(shared)
            for start in range(0, len(texts), 100_000):
                out.write(
                    "".join(
                        f"<si><t>{html.escape(t, quote=False)}</t></si>"
                        for t in texts[start : start + 100_000]
                    ).encode()
                )
            out.write(b"</sst>")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def _reset_peak() -> bool:
    """Reset the peak RSS (``VmHWM``) to the current RSS (Linux); False if not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _reader(folder: str, encoding: str, fmt: str):
    """The baseline: a function reading the responses file as the fastest reader does."""
    if fmt == "xlsx":
        from python_calamine import CalamineWorkbook

        xlsx = str(Path(folder) / "responses.xlsx")

        def read_sheet():
            wb = CalamineWorkbook.from_path(xlsx)
            return wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)

        return read_sheet
    import pyarrow.csv as pcsv

    csv_file = str(Path(folder) / "responses.csv")
    read_options = pcsv.ReadOptions(encoding="gb18030" if encoding == "gbk" else "utf8")
    return lambda: pcsv.read_csv(csv_file, read_options=read_options)


def measure(folder: str, repeat: int, encoding: str = "utf-8", fmt: str = "csv") -> dict:
    """Run in a fresh process: time ``validate_cycle`` and the baseline read
    (``pyarrow.csv.read_csv``, or calamine for ``fmt="xlsx"``)."""
    import evalstats.inputs.validate as v
    from evalstats.inputs.read.workbook import forget_inspections

    read = _reader(folder, encoding, fmt)
    load_before = os.getloadavg()
    reset = _reset_peak()
    base = _status_kb("VmRSS")
    # the first validation, as a run makes it in a fresh process; also the warm-up (imports,
    # caches) before the timed runs
    v.validate_cycle(folder, raise_on_error=False)
    first_growth = (_status_kb("VmHWM") - base) * 1024 if reset else None
    validate_s, read_s, validate_cpu, read_cpu = [], [], [], []
    res = table = None
    peak_growth = None
    for i in range(repeat):
        res = None
        forget_inspections()  # a workbook is inspected again, as in a fresh process
        reset = _reset_peak()
        base = _status_kb("VmRSS")
        t0, c0 = time.perf_counter(), time.process_time()
        res = v.validate_cycle(folder, raise_on_error=False)
        validate_s.append(time.perf_counter() - t0)
        validate_cpu.append(time.process_time() - c0)
        if i == 0 and reset:
            peak_growth = (_status_kb("VmHWM") - base) * 1024
        table = None
        t0, c0 = time.perf_counter(), time.process_time()
        table = read()
        read_s.append(time.perf_counter() - t0)
        read_cpu.append(time.process_time() - c0)
    forms_bytes = real_size(res.forms)
    return {
        "forms": len(res.forms),
        "errors": int((res.problems["severity"] == "error").sum()),
        "warnings": int((res.problems["severity"] == "warning").sum()),
        "validate_s": min(validate_s),
        "read_s": min(read_s),
        "validate_cpu_s": min(validate_cpu),
        "read_cpu_s": min(read_cpu),
        "validate_all_s": [round(x, 3) for x in validate_s],
        "read_all_s": [round(x, 3) for x in read_s],
        "forms_real_mib": forms_bytes / 2**20,
        "arrow_table_mib": table.nbytes / 2**20 if fmt == "csv" else None,
        "baseline": "calamine to_python" if fmt == "xlsx" else "pyarrow.csv.read_csv",
        "peak_growth_mib": None if peak_growth is None else peak_growth / 2**20,
        "first_growth_mib": None if first_growth is None else first_growth / 2**20,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "cpus": os.cpu_count(),
    }


def _report(out: dict, *, size: int) -> None:
    ratio = out["validate_s"] / out["read_s"]
    print(
        f"load average {'/'.join(f'{x:.2f}' for x in out['load_before'])} before, "
        f"{'/'.join(f'{x:.2f}' for x in out['load_after'])} after ({out['cpus']} CPUs)"
    )
    print(
        f"validate_cycle        {out['validate_s']:7.3f} s  (runs: {out['validate_all_s']}; "
        f"{out['forms']:,} forms, {out['errors']} errors, {out['warnings']} warnings)"
    )
    print(f"{out['baseline']:21s} {out['read_s']:7.3f} s  (runs: {out['read_all_s']})")
    goal = 3 if out["baseline"].startswith("calamine") else 5
    print(f"ratio                 {ratio:7.2f} x  (goal <= {goal} x)")
    cpu = out["validate_cpu_s"] / out["read_cpu_s"]
    print(
        f"CPU time (all threads): validate_cycle {out['validate_cpu_s']:.3f} s, read "
        f"{out['read_cpu_s']:.3f} s, ratio {cpu:.2f} x"
    )
    arrow = out["arrow_table_mib"]
    print(
        f"{size / 2**20:.1f} MiB file; forms table real size {out['forms_real_mib']:.1f} MiB"
        + ("" if arrow is None else f", Arrow table read {arrow:.1f} MiB")
    )
    for key, what in (
        ("first_growth_mib", "the first validate_cycle in a fresh process"),
        ("peak_growth_mib", "a later validate_cycle (memory its allocators kept reused)"),
    ):
        if out[key] is not None:
            g = out[key]
            print(
                f"peak RSS growth during {what}: {g:.1f} MiB = "
                f"{g / out['forms_real_mib']:.1f} x the forms table"
                + ("" if arrow is None else f", {g / arrow:.1f} x the Arrow table")
            )


def _xlsx_folder(folder: Path) -> Path:
    """The cycle of ``folder`` with its responses as ``responses.xlsx`` (written once)."""
    import shutil

    out = folder.with_name(folder.name + "_xlsx")
    if not (out / "responses.xlsx").exists():
        t0 = time.perf_counter()
        out.mkdir(parents=True, exist_ok=True)
        for f in folder.iterdir():
            if f.name != "responses.csv":
                shutil.copy(f, out / f.name)
        write_xlsx(folder / "responses.csv", out / "responses.xlsx")
        print(f"wrote {out / 'responses.xlsx'} in {time.perf_counter() - t0:.1f} s", flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=1_000_000)
    ap.add_argument("--source", default="large", choices=["large", "simple"])
    ap.add_argument("--encoding", default="utf-8", choices=["utf-8", "gbk", "utf-8-sig"])
    ap.add_argument("--dir", default=None, help="where to write the data (default: a temp dir)")
    ap.add_argument("--format", default="csv", choices=["csv", "xlsx"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.repeat, args.encoding, args.format)))
        return 0
    if args.source == "large" and args.encoding != "utf-8":
        ap.error("--source large writes UTF-8; use --source simple for another --encoding")
    if args.format == "xlsx" and args.encoding != "utf-8":
        ap.error("--format xlsx converts a UTF-8 CSV; leave --encoding as utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.dir) if args.dir else Path(tmp)
        folder = base / f"bench{args.forms}_{args.source}_{args.encoding}"
        if not (folder / "responses.csv").exists():
            t0 = time.perf_counter()
            if args.source == "large":
                from evalstats.inputs.demo import write_large

                write_large(folder, forms=args.forms, overwrite=True)
            else:
                generate(folder, args.forms, encoding=args.encoding)
            print(f"generated {folder} in {time.perf_counter() - t0:.1f} s", flush=True)
        if args.format == "xlsx":
            folder = _xlsx_folder(folder)
        name = f"responses.{args.format}"
        size = (folder / name).stat().st_size
        print(
            f"{name}: {args.forms:,} forms, {size / 1e6:.1f} MB, {args.encoding} "
            f"({args.source}); best of {args.repeat}",
            flush=True,
        )
        command = [sys.executable, __file__, "--measure", str(folder)]
        command += ["--repeat", str(args.repeat), "--encoding", args.encoding]
        command += ["--format", args.format]
        out = subprocess.run(
            command,
            check=True,
            capture_output=True,
            text=True,
        )
        _report(json.loads(out.stdout.strip().splitlines()[-1]), size=size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
