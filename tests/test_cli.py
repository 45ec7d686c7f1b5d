"""Tests of the command line: exit codes, messages, no tracebacks for bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from evalstats.run.cli import main


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: evalstats" in capsys.readouterr().out


def test_scheme_show(capsys):
    assert main(["scheme", "show"]) == 0
    out = capsys.readouterr().out
    assert "政务公开" in out and "veto_threshold" in out


def test_scheme_show_english(capsys):
    assert main(["scheme", "show", "--lang", "en"]) == 0
    assert "Openness of government affairs" in capsys.readouterr().out


def test_scheme_show_toml_roundtrips(capsys, tmp_path):
    assert main(["scheme", "show", "--toml"]) == 0
    text = capsys.readouterr().out
    (tmp_path / "mine.toml").write_text(text, encoding="utf-8")
    assert main(["scheme", "show", "--scheme", str(tmp_path / "mine.toml")]) == 0


def test_bad_scheme_is_usage_error(capsys, tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[scheme]\nname = 'x'\n", encoding="utf-8")
    assert main(["scheme", "show", "--scheme", str(p), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err == f"evalstats: {p}: scheme key 'dimensions': missing key\n"
    assert main(["scheme", "show", "--scheme", str(p)]) == 2
    assert capsys.readouterr().err == f"evalstats: {p}：方案键 'dimensions'：缺少这个键\n"


def test_missing_scheme_file(capsys, tmp_path):
    assert main(["scheme", "show", "--scheme", str(tmp_path / "x.toml"), "--lang", "en"]) == 2
    assert capsys.readouterr().err == f"evalstats: {tmp_path / 'x.toml'}: scheme file: not found\n"
    assert main(["scheme", "show", "--scheme", str(tmp_path / "x.toml")]) == 2
    assert capsys.readouterr().err == f"evalstats: {tmp_path / 'x.toml'}：找不到方案文件\n"


def test_unknown_option_is_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == 2


def test_console_script_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "evalstats", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.startswith("evalstats ")


def test_verify_command(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "verify" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["verify", "reports/x", "--lang", "fr"])
    assert info.value.code == 2
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "none"), "--lang", "en"]) == 2
    assert capsys.readouterr().err == (f"evalstats: {tmp_path / 'none'}: no such report folder\n")
    assert main(["verify", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err == f"evalstats: {tmp_path / 'none'}：没有这个报告文件夹\n"


# ---------------------------------------------------------------------- fast start
HEAVY = ("pandas", "scipy", "matplotlib", "papermill")


def modules_after(code: str) -> set[str]:
    """Run ``code`` in a fresh interpreter; return which of HEAVY it left in sys.modules."""
    probe = (
        f"{code}\nimport sys\nprint('loaded:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("loaded:"), proc.stdout
    return set(filter(None, last.removeprefix("loaded:").split(",")))


def test_importing_the_cli_loads_no_heavy_package():
    assert modules_after("import evalstats.run.cli") == set()
    assert modules_after("import evalstats") == set()


def test_help_and_the_parsers_of_every_command_load_no_heavy_package():
    # `evalstats --help`, and `run --help` (its parser lives in the runner module)
    code = (
        "import contextlib, io\n"
        "from evalstats.run.cli import build_parser, main\n"
        "for cmd in ([], ['run'], ['verify'], ['letters']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "        main([*cmd, '--help'])\n"
        "build_parser()"
    )
    assert modules_after(code) == set()


def test_the_letters_command_is_listed_and_parsed_in_full(capsys, monkeypatch):
    from evalstats.run.cli import build_parser

    monkeypatch.setenv("COLUMNS", "200")  # one line per command in the help
    assert "write a feedback letter (反馈函) per unit" in build_parser(lang="en").format_help()
    assert "为每个单位写一份反馈函" in build_parser().format_help()
    with pytest.raises(SystemExit) as info:
        main(["letters", "--help"])
    assert info.value.code == 0
    assert "--tier {internal,public}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["letters", "--tier", "secret"])
    assert info.value.code == 2
    assert "invalid choice: 'secret'" in capsys.readouterr().err
