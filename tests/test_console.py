"""The console (evalstats.run.console): language, GBK-safe output, logging, progress bars."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _corpus import FORMS, HEADER, make_cycle

from evalstats.core.errors import UsageError
from evalstats.run import console
from evalstats.run.cli import build_parser, main


def cli(args: list[str], *, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m evalstats ARGS`` in a fresh interpreter (as the console script runs)."""
    full = {
        k: v for k, v in os.environ.items() if k not in ("EVALSTATS_LANG", "EVALSTATS_PROGRESS")
    }
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "evalstats", *args],
        capture_output=True,
        cwd=cwd,
        env=full,
        timeout=120,
    )


def in_process(
    args: list[str], *, cwd: Path, capsys, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``main(ARGS)`` in this interpreter, run in ``cwd`` with ``env`` added, its output as bytes.

    The same command line as :func:`cli` without starting a fresh interpreter (about a second
    each); every command keeps at least one test through :func:`cli`, the console script's own
    path.  A parser error's ``SystemExit`` becomes the return code, as in a process.
    """
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as mp:
        for k in ("EVALSTATS_LANG", "EVALSTATS_PROGRESS"):
            mp.delenv(k, raising=False)
        for k, v in (env or {}).items():
            mp.setenv(k, v)
        mp.chdir(cwd)
        try:
            code = main(args)
        except SystemExit as exc:
            code = exc.code
    got = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, got.out.encode("utf-8"), got.err.encode("utf-8"))


@pytest.fixture
def bad_cycle(tmp_path, monkeypatch):
    """A cycle folder with an unknown level and an unknown unit that holds a character outside
    GBK (an emoji)."""
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    forms = [list(f) for f in FORMS]
    forms[0][HEADER.index("服务质量")] = "很满意"
    forms[1][HEADER.index("被评单位")] = "U9😀"
    make_cycle(tmp_path / "2026H1", forms)
    return tmp_path


# ---------------------------------------------------------------------- language
def test_console_lang_option_wins_over_the_variable():
    assert console.console_lang([], environ={}) == "zh"
    assert console.console_lang(["run", "annual"], environ={"EVALSTATS_LANG": "en"}) == "en"
    assert console.console_lang(["--lang", "zh"], environ={"EVALSTATS_LANG": "en"}) == "zh"
    assert console.console_lang(["x", "--lang=en"], environ={"EVALSTATS_LANG": "zh"}) == "en"
    # a bad variable is refused unless the option decides
    assert console.console_lang(["--lang", "en"], environ={"EVALSTATS_LANG": "fr"}) == "en"
    with pytest.raises(UsageError) as info:
        console.console_lang([], environ={"EVALSTATS_LANG": "fr"})
    assert str(info.value) == "EVALSTATS_LANG must be zh or en; got 'fr'"
    assert (
        info.value.text("zh")
        == "环境变量 EVALSTATS_LANG 只能是 zh（中文）或 en（英文）；现在是 'fr'"
    )
    # a bad option value is left to argparse, which refuses it with its own message
    assert console.console_lang(["--lang", "fr"], environ={}) == "zh"


def test_validate_speaks_chinese_by_default_and_english_on_request(bad_cycle, capsys):
    zh = cli(["validate", "2026H1", "--no-write"], cwd=bad_cycle)
    assert zh.returncode == 1
    out = zh.stdout.decode("utf-8")
    assert "2026H1/responses.csv:2:服务质量: 无法识别的评价等次；应为以下之一：" in out
    assert "2026H1/responses.csv:3:被评单位: 未知单位：" in out
    assert "问题：错误 2 个，警告 1 个" in out
    assert out.endswith("数据有错：请改正上面的错误；没有写出任何文件。\n")
    for env, args in (({}, ["--lang", "en"]), ({"EVALSTATS_LANG": "en"}, []), ({}, ["--lang=en"])):
        en = in_process(
            ["validate", "2026H1", "--no-write", *args], cwd=bad_cycle, env=env, capsys=capsys
        )
        assert en.returncode == 1
        text = en.stdout.decode("utf-8")
        assert "2026H1/responses.csv:2:服务质量: unknown level; expected one of" in text
        assert text.endswith("invalid: fix the errors above; nothing was written.\n")
    # the option wins over the variable
    both = in_process(
        ["validate", "2026H1", "--no-write", "--lang", "zh"],
        cwd=bad_cycle,
        env={"EVALSTATS_LANG": "en"},
        capsys=capsys,
    )
    assert "无法识别的评价等次" in both.stdout.decode("utf-8")


def test_a_bad_language_is_refused_clearly(bad_cycle, capsys):
    proc = cli(["validate", "2026H1"], cwd=bad_cycle, env={"EVALSTATS_LANG": "fr"})
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode("utf-8") == (
        "evalstats: 环境变量 EVALSTATS_LANG 只能是 zh（中文）或 en（英文）；现在是 'fr'\n"
        "evalstats: EVALSTATS_LANG must be zh or en; got 'fr'\n"
    )
    proc = in_process(["validate", "2026H1", "--lang", "fr"], cwd=bad_cycle, capsys=capsys)
    assert proc.returncode == 2
    assert "argument --lang: invalid choice: 'fr' (choose from 'zh', 'en')" in proc.stderr.decode()


def test_usage_errors_and_missing_folders_follow_the_language(bad_cycle, capsys):
    proc = in_process(["validate", "nowhere"], cwd=bad_cycle, capsys=capsys)
    assert (proc.returncode, proc.stderr.decode()) == (
        2,
        "evalstats: nowhere：没有这个文件或文件夹\n",
    )
    proc = in_process(["validate", "nowhere", "--lang", "en"], cwd=bad_cycle, capsys=capsys)
    assert proc.stderr.decode() == "evalstats: nowhere: no such file or folder\n"
    proc = cli(["run", "annual", "--data", "nowhere", "--cycle", "2026A"], cwd=bad_cycle)
    assert (proc.returncode, proc.stderr.decode()) == (
        2,
        "evalstats: --data nowhere：没有这个文件夹\n",
    )
    fixture = Path(__file__).parent / "fixtures" / "run_fixture.ipynb"
    argv = ["run", "annual", "--cycle", "2026A", "--data", ".", "--notebook", str(fixture)]
    proc = in_process(argv, cwd=bad_cycle, capsys=capsys)
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        f"evalstats: 没有期次文件夹 {bad_cycle / '2026A'}（{bad_cycle} 中已有的期次：2026H1）\n"
    )
    proc = in_process(argv, cwd=bad_cycle, env={"EVALSTATS_LANG": "en"}, capsys=capsys)
    assert proc.stderr.decode() == (
        f"evalstats: no cycle folder {bad_cycle / '2026A'} (cycles in {bad_cycle}: 2026H1)\n"
    )
    proc = in_process([*argv, "-p", "seed"], cwd=bad_cycle, capsys=capsys)
    assert proc.stderr.decode() == (
        "evalstats: -p 应写成 名称=值（名称为 Python 变量名）；收到的是 'seed'\n"
    )


def test_help_of_our_options_follows_the_language(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    for lang, words in (("zh", "只检查，不写任何文件"), ("en", "check only; write nothing")):
        parser = build_parser(lang=lang)
        validate = parser._subparsers._group_actions[0].choices["validate"]
        text = validate.format_help()
        assert words in text
        assert text.startswith("usage: evalstats validate")  # argparse's own words stay
        assert "show this help message and exit" in text
    proc = subprocess.run(
        [sys.executable, "-m", "evalstats", "run", "--help", "--lang", "en"],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert "language of the report and the console" in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "evalstats", "letters", "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={k: v for k, v in os.environ.items() if k != "EVALSTATS_LANG"},
    )
    assert "反馈函和界面的语言" in proc.stdout and "--tier {internal,public}" in proc.stdout


def test_every_command_takes_lang_verbose_and_quiet():
    parser = build_parser(lang="en")
    commands = {
        "validate": ["validate", "x"],
        "demo": ["demo"],
        "template": ["template", "--cycle", "2026A"],
        "scheme show": ["scheme", "show"],
        "run": ["run", "annual"],
        "verify": ["verify", "r"],
        "letters": ["letters"],
    }
    for name, argv in commands.items():
        args = parser.parse_args([*argv, "--lang", "en", "--quiet"])
        assert (args.lang, args.quiet, args.verbose) == ("en", True, False), name
        args = parser.parse_args(["--lang", "en", "-v", *argv])  # before the command too
        assert (args.lang, args.verbose) == ("en", True), name
        args = parser.parse_args(argv)
        assert (args.lang, args.quiet, args.verbose) == (None, False, False), name


# ---------------------------------------------------------------------- GBK console
def test_a_gbk_console_never_raises(bad_cycle):
    # the unknown unit U9😀 holds a character GBK cannot encode
    proc = cli(["validate", "2026H1", "--no-write"], cwd=bad_cycle, env={"PYTHONIOENCODING": "gbk"})
    err = proc.stderr.decode("gbk", errors="strict")
    assert proc.returncode == 1, err
    assert "UnicodeEncodeError" not in err and "Traceback" not in err
    out = proc.stdout.decode("gbk", errors="strict")
    assert "2026H1/responses.csv:3:被评单位: 未知单位：" in out
    assert "(U9?)" in out  # the emoji replaced, the rest of the line intact
    assert "问题：错误 2 个" in out


def test_safe_streams_replaces_only_where_needed():
    gbk = io.TextIOWrapper(io.BytesIO(), encoding="gbk")
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    console.safe_streams([gbk, utf8])
    assert (gbk.errors, utf8.errors) == ("replace", "strict")
    gbk.write("单位 U9😀")
    gbk.flush()
    assert gbk.buffer.getvalue().decode("gbk") == "单位 U9?"


# ---------------------------------------------------------------------- progress and logging
def test_quiet_prints_no_progress(bad_cycle, capsys):
    forced = {"EVALSTATS_PROGRESS": "1"}
    shown = cli(["validate", "2026H1", "--no-write"], cwd=bad_cycle, env=forced)
    assert "检查" in shown.stderr.decode() and "步" in shown.stderr.decode()  # the bar, forced
    quiet = in_process(
        ["validate", "2026H1", "--no-write", "--quiet"], cwd=bad_cycle, env=forced, capsys=capsys
    )
    assert quiet.stderr == b""
    assert quiet.stdout == shown.stdout  # the problems and the summary are not progress
    # stderr is not a terminal
    plain = in_process(["validate", "2026H1", "--no-write"], cwd=bad_cycle, capsys=capsys)
    assert plain.stderr == b""


def test_show_progress():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    ns = type("Args", (), {})
    assert console.show_progress(ns(), stream=Tty()) is True
    assert console.show_progress(ns(), stream=io.StringIO()) is False
    quiet, off = ns(), ns()
    quiet.quiet, off.no_progress = True, True
    assert console.show_progress(quiet, stream=Tty()) is False
    assert console.show_progress(off, stream=Tty()) is False


def test_verbose_logs_debug_and_quiet_only_warnings(bad_cycle, capsys, monkeypatch):
    monkeypatch.chdir(bad_cycle)
    assert main(["validate", "2026H1", "--no-write", "--verbose"]) == 1
    assert "evalstats: validating 2026H1" in capsys.readouterr().err
    assert main(["validate", "2026H1", "--no-write"]) == 1
    assert capsys.readouterr().err == ""
    log = logging.getLogger("evalstats.test")
    assert main(["validate", "2026H1", "--no-write", "-q"]) == 1
    capsys.readouterr()
    log.info("step")
    log.warning("careful")
    assert capsys.readouterr().err == "evalstats: careful\n"


def test_run_log_appends_lines_with_the_run_id(tmp_path):
    path = tmp_path / "2026A" / "annual.log"
    log = logging.getLogger("evalstats.run")
    console.configure(lang="zh")  # the error is logged in the console's language
    with console.run_log(path, "0a1b2c3d"):
        log.info("one")
    with pytest.raises(UsageError), console.run_log(path, "4e5f6071"):
        log.debug("two")
        raise UsageError("bad\nsecond line", zh="不对\n第二行")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [ln.split()[0] for ln in lines] == ["0a1b2c3d", "4e5f6071", "4e5f6071", "4e5f6071"]
    assert lines[0].endswith("INFO evalstats.run: one")
    assert lines[1].endswith("DEBUG evalstats.run: two")
    assert lines[2].endswith("ERROR evalstats.run: 不对")
    assert lines[3].endswith("ERROR evalstats.run:   第二行")  # every line starts with the id
    # the time follows the id
    assert lines[0].split()[1].count("-") == 2 and lines[0].split()[2].count(":") == 2
    log.info("after")  # the file handler is gone
    assert len(path.read_text(encoding="utf-8").splitlines()) == 4


def test_error_text_of_os_errors():
    exc = FileNotFoundError(2, "No such file or directory", "a.csv")
    assert console.error_text(exc, "zh") == "a.csv: 找不到这个文件或文件夹"
    assert console.error_text(exc, "en") == "a.csv: No such file or directory"
    assert console.error_text(KeyboardInterrupt(), "en") == "interrupted"


def test_files_written_do_not_follow_the_console_language(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    forms = [list(f) for f in FORMS]
    forms[1][HEADER.index("服务质量")] = "满 意"  # clean, with a warning-free oddity
    # the cycle in data/raw and the validated tables beside it, never inside the data folder
    make_cycle(tmp_path / "data" / "raw" / "2026H1", [*forms, forms[0]])  # typed twice: a warning
    cycle = "data/raw/2026H1"
    zh = cli(["validate", cycle, "--interim", "zh"], cwd=tmp_path)
    en = cli(["validate", cycle, "--interim", "en"], cwd=tmp_path, env={"EVALSTATS_LANG": "en"})
    assert (zh.returncode, en.returncode) == (0, 0)
    assert "问卷重复录入" in zh.stdout.decode() and "form typed twice" in en.stdout.decode()
    written = sorted(p.name for p in (tmp_path / "zh").iterdir())
    assert "problems.parquet" in written and written == sorted(
        p.name for p in (tmp_path / "en").iterdir()
    )
    for name in written:
        assert (tmp_path / "zh" / name).read_bytes() == (tmp_path / "en" / name).read_bytes(), name
