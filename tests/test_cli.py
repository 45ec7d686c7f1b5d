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
    assert main(["scheme", "show", "--scheme", str(p)]) == 2
    err = capsys.readouterr().err
    assert err == f"evalstats: {p}: scheme key 'dimensions': missing key\n"


def test_missing_scheme_file(capsys, tmp_path):
    assert main(["scheme", "show", "--scheme", str(tmp_path / "x.toml")]) == 2
    assert capsys.readouterr().err == f"evalstats: {tmp_path / 'x.toml'}: scheme file: not found\n"


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
    assert main(["verify", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err == (f"evalstats: {tmp_path / 'none'}: no such report folder\n")
