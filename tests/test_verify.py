"""Tests of ``evalstats verify`` (evalstats.run.verify): a report checked against its manifest.

The reports are published by the real runner, with a stand-in for the notebook step (no
kernel: ``tests/fixtures/run_server.py``), so the manifests are the runner's own.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from evalstats.core.errors import UsageError
from evalstats.run import runner as runmod
from evalstats.run import verify as run_verify
from evalstats.run.cli import main
from evalstats.run.runner import run as run_step
from evalstats.run.verify import KINDS, Difference, verify_report

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE = FIXTURES / "run_fixture.ipynb"
DEMO = ROOT / "data" / "raw"

_spec = importlib.util.spec_from_file_location("run_server", FIXTURES / "run_server.py")
run_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_server)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def publish(tmp_path, monkeypatch):
    """Publish a half-year report of a copy of 2026H1; returns a function of the options."""
    monkeypatch.setattr(run_step, "run_notebook", run_server.fake_execute)
    monkeypatch.setattr(run_step, "start_kernel", run_server.no_early_kernel)
    raw = tmp_path / "raw"
    shutil.copytree(DEMO / "2026H1", raw / "2026H1")

    def run(**options) -> Path:
        options.setdefault("notebook", FIXTURE)
        result = runmod.run_analysis(
            "half-year",
            cycle="2026H1",
            data=raw,
            out=tmp_path / "reports",
            progress=False,
            **options,
        )
        return result.report_dir

    run.raw = raw
    return run


UNSIGNED = (
    "没有签名，也没有设置签名密钥（EVALSTATS_SIGNING_KEY / EVALSTATS_SIGNING_KEY_FILE），"
    "无法核对签名：以下核对只能发现意外改动和单独改动的表格，不能发现能改写整个文件夹的人"
    "所作的伪造。",
    "not signed, and no signing key is set (EVALSTATS_SIGNING_KEY / "
    "EVALSTATS_SIGNING_KEY_FILE): the signature cannot be checked; this check detects "
    "accidental change and a table edited alone only, not a forgery by someone who can write "
    "the whole folder.",
)
"""What verify says first of an unsigned report checked without a key (the README's promise)."""


def code_line(folder: Path, lang: str = "zh") -> str:
    code = json.loads((folder / "summary.json").read_text("utf-8"))["tables_digest"]
    if lang == "zh":
        return f"表格校验码 {code}：与网页报告、工作簿和 summary.json 中的相符。"
    return f"tables check code {code}: the same in the HTML report, the workbook and summary.json."


def verify_cli(folder, capsys, *extra) -> tuple[int, list[str], str]:
    capsys.readouterr()
    code = main(["verify", str(folder), *extra])
    got = capsys.readouterr()
    return code, got.out.splitlines(), got.err


def test_a_report_as_published_matches(publish, capsys):
    folder = publish()
    m = json.loads((folder / "manifest.json").read_text("utf-8"))
    v = verify_report(folder)
    assert v.ok and v.differences == () and (v.n_inputs, v.n_outputs) == (4, 5)
    assert v.to_frame().columns.tolist() == ["kind", "path", "recorded_sha256", "found_sha256"]
    assert v.to_frame().empty
    started = m["run"]["started"]
    code, lines, err = verify_cli(folder, capsys)
    assert (code, err) == (0, "")
    assert lines == [
        f"核对报告 {folder}（2026H1 半年测评，运行于 {started}）",
        UNSIGNED[0],
        code_line(folder),
        "一致：清单记录的 4 个输入文件、评议方案、分析笔记本和 5 个报告文件都没有改动。",
    ]
    code, lines, err = verify_cli(folder, capsys, "--lang", "en")
    assert (code, err) == (0, "")
    assert lines == [
        f"checking the report {folder} (2026H1 half-year, run {started})",
        UNSIGNED[1],
        code_line(folder, "en"),
        "everything matches: the 4 input file(s), the scheme, the notebook and the 5 report "
        "file(s) are as the manifest records.",
    ]
    # an Office lock file beside an open workbook is not an extra file
    (folder / "~$report_2026H1_half-year.xlsx").write_bytes(b"lock")
    assert verify_report(folder).ok


def test_inputs_changed_missing_added(publish, capsys):
    folder = publish()
    cycle = publish.raw / "2026H1"
    units, issued = cycle / "units.csv", cycle / "forms_issued.csv"
    old_units, old_issued = sha(units), sha(issued)
    units.write_bytes(units.read_bytes() + b"extra_unit,\xe5\xa4\x9a,x\n")
    issued.unlink()
    (cycle / "responses_late.csv").write_text("问卷编号\n1\n", encoding="utf-8")
    (cycle / "~$responses.xlsx").write_bytes(b"lock")  # Excel's lock file: not an input
    v = verify_report(folder)
    assert v.differences == (
        Difference("input_changed", "2026H1/units.csv", old_units, sha(units)),
        Difference("input_missing", "2026H1/forms_issued.csv", old_issued, None),
        Difference("input_added", "2026H1/responses_late.csv"),
    )
    code, lines, err = verify_cli(folder, capsys)
    assert (code, err) == (1, "")
    assert lines[1:] == [
        UNSIGNED[0],
        f"输入文件已改动：2026H1/units.csv（sha256 {old_units} → {sha(units)}）",
        f"输入文件缺失：2026H1/forms_issued.csv（清单记录的 sha256 {old_issued}）",
        "新增的输入文件（清单中没有，重新运行会读到它）：2026H1/responses_late.csv",
        code_line(folder),
        "不一致：发现 3 处与清单不同（见上）。",
    ]
    code, lines, _ = verify_cli(folder, capsys, "--lang", "en")
    assert code == 1
    assert lines[1:] == [
        UNSIGNED[1],
        f"input changed: 2026H1/units.csv (sha256 {old_units} → {sha(units)})",
        f"input missing: 2026H1/forms_issued.csv (recorded sha256 {old_issued})",
        "input added: 2026H1/responses_late.csv (not in the manifest; a rerun would read it)",
        code_line(folder, "en"),
        "3 difference(s) from the manifest (listed above).",
    ]


def test_outputs_changed_missing_extra(publish, capsys):
    folder = publish()
    table = folder / "tables" / "ranking.csv"
    old_table, old_html = sha(table), sha(folder / "report.html")
    old_code = json.loads((folder / "summary.json").read_text("utf-8"))["tables_digest"]
    table.write_bytes(table.read_bytes().replace(b"a,3", b"a,4"))
    (folder / "report.html").unlink()
    (folder / "tables" / "extra.csv").write_text("x\n1\n")
    v = verify_report(folder)
    # the edited table and the added one no longer give the check code the workbook and
    # summary.json carry (the missing report.html is reported once, as missing)
    assert [(d.kind, d.path) for d in v.differences] == [
        ("output_changed", "tables/ranking.csv"),
        ("output_missing", "report.html"),
        ("output_extra", "tables/extra.csv"),
        ("check_code_changed", "report_2026H1_half-year.xlsx"),
        ("check_code_changed", "summary.json"),
    ]
    assert v.differences[0].recorded_sha256 == old_table != v.differences[0].found_sha256
    new_code = v.check_code
    assert v.differences[-1].recorded_sha256 == old_code != new_code
    code, lines, _ = verify_cli(folder, capsys)
    assert code == 1
    assert lines[1:] == [
        UNSIGNED[0],
        f"报告文件已改动：tables/ranking.csv（sha256 {old_table} → {sha(table)}）",
        f"报告文件缺失：report.html（清单记录的 sha256 {old_html}）",
        "多出的文件（清单中没有）：tables/extra.csv",
        f"表格校验码不符：report_2026H1_half-year.xlsx（其中为 {old_code}，按表格重算为 "
        f"{new_code}：表格在报告生成后被改动）",
        f"表格校验码不符：summary.json（其中为 {old_code}，按表格重算为 {new_code}："
        "表格在报告生成后被改动）",
        "不一致：发现 5 处不符（见上），其中 2 处是表格校验码不符。",
    ]
    assert verify_cli(folder, capsys, "--lang", "en")[1][2:5] == [
        f"output changed: tables/ranking.csv (sha256 {old_table} → {sha(table)})",
        f"output missing: report.html (recorded sha256 {old_html})",
        "extra file, not in the manifest: tables/extra.csv",
    ]
    frame = v.to_frame()
    assert frame["kind"].tolist()[:3] == ["output_changed", "output_missing", "output_extra"]
    assert frame["found_sha256"].iloc[2] == sha(folder / "tables" / "extra.csv")


def test_scheme_file_changed_then_missing(publish, tmp_path, capsys):
    from evalstats.core.scheme import default_scheme_path

    scheme = tmp_path / "district.toml"
    shutil.copy(default_scheme_path(), scheme)
    folder = publish(scheme=scheme)
    old = sha(scheme)
    assert verify_report(folder).ok
    scheme.write_text(scheme.read_text("utf-8") + "\n# edited\n", encoding="utf-8")
    [d] = verify_report(folder).differences
    assert d == Difference("scheme_changed", str(scheme), old, sha(scheme))
    assert verify_cli(folder, capsys)[1][2] == (
        f"评议方案已改动：{scheme}（sha256 {old} → {sha(scheme)}）"
    )
    scheme.unlink()
    [d] = verify_report(folder).differences
    assert d == Difference("scheme_missing", str(scheme), old, None)
    assert verify_cli(folder, capsys, "--lang", "en")[1][2] == (
        f"scheme missing: {scheme} (recorded sha256 {old})"
    )


def test_bundled_scheme_changed(publish, tmp_path, monkeypatch):
    import evalstats.core.scheme

    folder = publish()
    recorded = json.loads((folder / "manifest.json").read_text("utf-8"))["scheme"]["sha256"]
    other = tmp_path / "default.toml"
    other.write_bytes(evalstats.core.scheme.default_scheme_path().read_bytes() + b"\n# v2\n")
    monkeypatch.setattr(evalstats.core.scheme, "default_scheme_path", lambda: other)
    [d] = verify_report(folder).differences
    assert d == Difference("scheme_changed", "<bundled>/default.toml", recorded, sha(other))


def test_notebook_changed_then_missing(publish, tmp_path, capsys):
    notebook = tmp_path / "mine.ipynb"
    shutil.copy(FIXTURE, notebook)
    folder = publish(notebook=notebook)
    old = sha(notebook)
    notebook.write_bytes(notebook.read_bytes().replace(b"Runner fixture", b"Runner fixturE"))
    [d] = verify_report(folder).differences
    assert d == Difference("notebook_changed", notebook.as_posix(), old, sha(notebook))
    assert verify_cli(folder, capsys)[1][2] == (
        f"分析笔记本已改动：{notebook.as_posix()}（sha256 {old} → {sha(notebook)}）"
    )
    notebook.unlink()
    [d] = verify_report(folder).differences
    assert d.kind == "notebook_missing" and d.found_sha256 is None


def test_relative_report_path_from_the_project_root(publish, tmp_path, monkeypatch, capsys):
    publish()
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    code, lines, _ = verify_cli("reports/2026H1/half-year", capsys)
    assert code == 0 and lines[-1].startswith("一致：")


def test_usage_errors(publish, tmp_path, capsys):
    folder = publish()
    cases = []
    cases.append((tmp_path / "nowhere", f"{tmp_path / 'nowhere'}: no such report folder"))
    staging = tmp_path / "reports" / ".staging" / "2026H1-half-year-0123abcd"
    shutil.copytree(folder, staging)
    cases.append(
        (
            staging,
            f"{staging} is a staging folder of a run that has not published, not a report; "
            "verify reports/<cycle>/<analysis>",
        )
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    cases.append(
        (empty, f"{empty} has no manifest.json: it is not a report published by evalstats run")
    )
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    cases.append(
        (
            broken,
            f"{broken}/manifest.json is not valid JSON (Expecting property name enclosed in "
            "double quotes: line 1 column 2 (char 1)); cannot verify",
        )
    )
    other = tmp_path / "other"
    other.mkdir()
    (other / "manifest.json").write_text('{"inputs": []}', encoding="utf-8")
    cases.append(
        (
            other,
            f"{other}/manifest.json lacks outputs, scheme, data_dir; it is not a report "
            "manifest, cannot verify",
        )
    )
    for path, message in cases:
        with pytest.raises(UsageError) as info:
            verify_report(path)
        assert str(info.value) == message
        code, lines, err = verify_cli(path, capsys, "--lang", "en")
        assert (code, lines, err) == (2, [], f"evalstats: {message}\n")
    # in Chinese where the message has its Chinese text
    assert verify_cli(tmp_path / "nowhere", capsys)[2] == (
        f"evalstats: {tmp_path / 'nowhere'}：没有这个报告文件夹\n"
    )
    assert verify_cli(empty, capsys)[2] == (
        f"evalstats: {empty} 中没有 manifest.json：它不是 evalstats run 发布的报告\n"
    )


def test_difference_kinds_and_describe():
    assert KINDS[:3] == ("input_changed", "input_missing", "input_added")
    d = Difference("output_missing", "tables/scores.csv", "ab12")
    assert d.describe(lang="en") == "output missing: tables/scores.csv (recorded sha256 ab12)"
    assert d.describe() == "报告文件缺失：tables/scores.csv（清单记录的 sha256 ab12）"
    with pytest.raises(ValueError, match=r"^lang must be one of 'zh', 'en'; got 'fr'$"):
        d.describe(lang="fr")


# ---------------------------------------------------------------------- what a manifest may name
def _forge(folder: Path, change) -> None:
    """Rewrite the report's manifest with ``change(manifest)`` applied."""
    path = folder / "manifest.json"
    m = json.loads(path.read_text("utf-8"))
    change(m)
    path.write_text(json.dumps(m), encoding="utf-8")


def _output(name):
    return lambda m: m["outputs"].append({"path": name, "sha256": "0" * 64, "bytes": 1})


def _input(name, role=None):
    entry = {"path": name, "sha256": "0" * 64, "bytes": 1}
    if role:
        entry["role"] = role
    return lambda m: m["inputs"].append(entry)


@pytest.mark.parametrize(
    ("change", "en", "zh"),
    [
        (
            _output("/dev/zero"),
            "names the output '/dev/zero', which is not a plain path",
            "报告文件",
        ),
        (
            _output("../../raw/2026H1/units.csv"),
            "names the output '../../raw/2026H1/units.csv'",
            "报告文件",
        ),
        (
            _input("/etc/shadow"),
            "names the input '/etc/shadow', which is not a plain path",
            "输入文件",
        ),
        (
            _input("2026H1/../../../../etc/shadow"),
            "names the input '2026H1/../../../../etc/shadow'",
            "输入文件",
        ),
        (
            _input("/etc/shadow", "scheme"),
            "names the scheme '/etc/shadow', which is not a .toml file",
            "方案文件",
        ),
        (
            lambda m: m.update(data_dir="/", cycles=["etc"]) or _input("etc/shadow")(m),
            "names the data folder '/', which is not a data folder",
            "数据文件夹",
        ),
        (
            lambda m: m.update(data_dir="/etc", cycles=["2026H1"]) or _input("shadow")(m),
            "names the input 'shadow', which is not a file of a cycle folder (<cycle>/<file>)",
            "输入文件",
        ),
        (
            lambda m: m.update(cycles=["../../../etc"]),
            "names the cycle '../../../etc', which is not a cycle id",
            "期次",
        ),
        (
            lambda m: m["notebook"].update(path="/etc/shadow", source="file"),
            "names the notebook '/etc/shadow', which is not a .ipynb file",
            "笔记本",
        ),
    ],
)
def test_a_manifest_naming_files_outside_its_roots_is_not_trusted(
    publish, capsys, monkeypatch, change, en, zh
):
    folder = publish()
    _forge(folder, change)
    hashed = []
    real = run_verify.sha256_file
    monkeypatch.setattr(run_verify, "sha256_file", lambda p: hashed.append(p) or real(p))
    with pytest.raises(run_verify.UntrustedManifest, match="the manifest is not trustworthy"):
        verify_report(folder)
    code, lines, err = verify_cli(folder, capsys, "--lang", "en")
    assert (code, lines) == (1, [])
    assert err.startswith(f"evalstats: {folder}/manifest.json {en}"), err
    assert err.endswith(": the manifest is not trustworthy; nothing was checked against it\n")
    code, lines, err = verify_cli(folder, capsys)
    assert (code, lines) == (1, [])
    assert f"中记录的{zh} " in err and "这份清单不可信，没有据它核对任何文件" in err
    assert hashed == []  # nothing hashed: never /etc/shadow, never /dev/zero


def test_links_devices_and_fifos_in_the_report_folder_are_not_read(publish, capsys, tmp_path):
    import os

    folder = publish()
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET", encoding="utf-8")
    (folder / "tables" / "leak.csv").symlink_to(secret)
    _forge(folder, _output("tables/leak.csv"))
    code, _, err = verify_cli(folder, capsys, "--lang", "en")
    assert code == 1 and "a link leading out of" in err and "SECRET" not in err
    (folder / "tables" / "leak.csv").unlink()
    (folder / "tables" / "zero.csv").symlink_to("/dev/zero")
    _forge(folder, _output("tables/zero.csv"))
    code, _, err = verify_cli(folder, capsys, "--lang", "en")
    assert code == 1 and "names the output 'tables/leak.csv'" not in err
    assert "a link leading out of" in err
    (folder / "tables" / "zero.csv").unlink()
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    _forge(folder, _input(str(tmp_path / "zero.toml"), "scheme"))
    code, _, err = verify_cli(folder, capsys, "--lang", "en")
    assert code == 1 and "which is not a regular file (a folder, device or FIFO)" in err
    _forge(folder, lambda m: m["inputs"].pop())
    os.mkfifo(folder / "tables" / "pipe.csv")
    _forge(folder, _output("tables/pipe.csv"))
    code, _, err = verify_cli(folder, capsys, "--lang", "en")
    assert code == 1
    assert "'tables/pipe.csv', which is not a regular file (a folder, device or FIFO)" in err


def test_an_extra_link_out_of_the_report_folder_is_listed_not_hashed(publish, tmp_path):
    folder = publish()
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET", encoding="utf-8")
    (folder / "extra.csv").symlink_to(secret)
    v = verify_report(folder)
    assert [(d.kind, d.path, d.found_sha256) for d in v.differences] == [
        ("output_extra", "extra.csv", None)
    ]


def test_verify_of_a_manifest_naming_dev_zero_ends_quickly(publish):
    """In a child process with a time limit: on the old code this read /dev/zero for ever."""
    import subprocess
    import sys

    folder = publish()
    _forge(folder, _output("/dev/zero"))
    _forge(folder, lambda m: m["outputs"].append({"path": "zero", "sha256": "0", "bytes": 1}))
    (folder / "zero").symlink_to("/dev/zero")
    proc = subprocess.run(
        [sys.executable, "-m", "evalstats", "verify", str(folder), "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "the manifest is not trustworthy" in proc.stderr


def test_a_letters_style_manifest_is_still_trusted(publish, tmp_path):
    """The letters record the scheme file without a ``role`` and the previous cycle's files:
    both are files a manifest may name."""
    from evalstats.core.scheme import default_scheme_path

    scheme = tmp_path / "district.toml"
    shutil.copy(default_scheme_path(), scheme)
    folder = publish(scheme=scheme)

    def letters_like(m):
        for item in m["inputs"]:
            item.pop("role", None)
        m["inputs"].append({"path": "2025H2/units.csv", "sha256": "0" * 64, "size": 1})

    _forge(folder, letters_like)
    v = verify_report(folder)
    assert [(d.kind, d.path) for d in v.differences] == [("input_missing", "2025H2/units.csv")]


# ---------------------------------------------------------------------- the check code (表格校验码)
def _rehash(folder: Path, *names: str) -> None:
    def change(m):
        for o in m["outputs"]:
            if o["path"] in names:
                o["sha256"] = sha(folder / o["path"])
                o["size"] = (folder / o["path"]).stat().st_size

    _forge(folder, change)


def test_an_edited_table_with_its_hash_rewritten_is_caught(publish, capsys):
    """Issue 15: edit a table, rewrite its sha256 and size in manifest.json — main said 一致."""
    folder = publish()
    table = folder / "tables" / "ranking.csv"
    table.write_bytes(table.read_bytes().replace(b"a,3", b"a,4"))
    _rehash(folder, "tables/ranking.csv")
    v = verify_report(folder)
    assert [d.kind for d in v.differences] == ["check_code_changed"] * 3
    code, lines, _ = verify_cli(folder, capsys)
    assert code == 1 and lines[-1] == "不一致：发现 3 处不符（见上），其中 3 处是表格校验码不符。"


def test_a_document_without_its_check_code(publish, capsys):
    folder = publish()
    summary = folder / "summary.json"
    s = json.loads(summary.read_text("utf-8"))
    code = s.pop("tables_digest")
    summary.write_text(json.dumps(s), "utf-8")
    _rehash(folder, "summary.json")
    v = verify_report(folder)
    assert v.differences == (Difference("check_code_missing", "summary.json", None, code),)
    assert (
        verify_cli(folder, capsys)[1][2] == f"缺少表格校验码：summary.json（按表格重算为 {code}）"
    )


def test_a_comment_cannot_forge_the_footer(publish):
    """The code is read from the footer's own line, not from text earlier on the page."""
    folder = publish()
    html = folder / "report.html"
    text = html.read_text("utf-8")
    fake = '<footer class="evalstats-note"><p>表格校验码 000000000000：x</p></footer>'
    html.write_text(text.replace("<main", fake + "<main", 1), "utf-8")
    assert html.read_text("utf-8").count('<footer class="evalstats-note">') == 2
    _rehash(folder, "report.html")
    assert run_verify.carried_check_codes(folder, ["report.html"])["report.html"] != "0" * 12
    assert verify_report(folder).ok


def test_a_report_made_before_check_codes(publish, capsys):
    """Documents without any check code (older reports): the tables are checked against the
    manifest only, and verify says so."""
    import openpyxl

    folder = publish()
    code = json.loads((folder / "summary.json").read_text("utf-8"))["tables_digest"]
    summary = folder / "summary.json"
    s = json.loads(summary.read_text("utf-8"))
    del s["tables_digest"]
    summary.write_text(json.dumps(s), "utf-8")
    html = folder / "report.html"
    html.write_text(html.read_text("utf-8").replace(f"表格校验码 {code}", "旧版"), "utf-8")
    book = folder / "report_2026H1_half-year.xlsx"
    wb = openpyxl.load_workbook(book)
    for row in wb.worksheets[0].iter_rows(max_col=2):
        if row[0].value == "表格校验码":
            row[0].value, row[1].value = None, None
    wb.save(book)
    _rehash(folder, "summary.json", "report.html", book.name)
    v = verify_report(folder)
    assert v.ok and not v.check_code_carried
    code, lines, _ = verify_cli(folder, capsys)
    assert code == 0
    assert lines[2] == "这份报告的文件没有表格校验码（早于表格校验码）：表格只按清单核对。"
