"""Hostile values (issue 15 item 2): a cycle with nothing to score, dates after the run or
outside the cycle, control characters in free text and in names.

Every input is built in ``tmp_path``; each CLI case asserts the exit code, the message's key
words, that the inputs are byte-identical afterwards and that no report is half-written.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _corpus import FORMS, HEADER, UNITS, make_cycle, snapshot, unchanged, write_csv

from evalstats.run.cli import main

UNKNOWN = ["不了解"] * 5
BLANK = [""] * 5
INCIDENTS_HEADER = ["被评单位", "日期", "类别", "说明"]
COMMENTED = [*HEADER, "意见建议", "填表时间"]
HOSTILE = "办事\x07拖拉\u202e反转\u200b文字"


def _validate(capsys, folder: Path, *extra: str) -> tuple[int, str]:
    """``evalstats validate`` (English, nothing written): exit code and what it printed."""
    with unchanged(folder):
        code = main(["validate", str(folder), "--no-write", "--lang", "en", *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def _all_unknown(folder: Path) -> Path:
    return make_cycle(
        folder,
        [
            ["A1", "U01", "企业", *UNKNOWN],
            ["A2", "U02", "群众", *UNKNOWN],
            ["A3", "U03", "群众", *BLANK],
        ],
    )


# ---------------------------------------------------------------------- nothing to score
def test_a_cycle_with_no_scored_answer_is_refused_at_validation(capsys, tmp_path):
    folder = _all_unknown(tmp_path / "raw" / "2026H1")
    code, text = _validate(capsys, folder)
    assert code == 1
    assert f"{folder}/responses.csv: no form of the cycle has a scored answer" in text
    assert "3 forms returned" in text and "不了解" in text


def test_every_form_voided_is_no_scored_answer(capsys, tmp_path):
    folder = make_cycle(tmp_path / "2026H1", [["A1", "U01", "企业", *UNKNOWN], *FORMS[1:]])
    write_csv(folder / "exclusions.csv", [["问卷编号", "原因"], ["A002", "x"], ["A003", "y"]])
    code, text = _validate(capsys, folder)
    assert code == 1 and "no form of the cycle has a scored answer" in text


def test_a_unit_with_no_scored_answer_is_a_warning_naming_its_row(capsys, tmp_path):
    folder = make_cycle(tmp_path / "2026H1", [["A1", "U01", "企业", *UNKNOWN], *FORMS[1:]])
    code, text = _validate(capsys, folder)
    assert code == 0
    assert f"{folder}/units.csv:2:单位编码: unit has 1 form but no scored answer" in text
    assert "(U01)" in text and "无综合得分" in text


def test_run_stops_at_validation_when_nothing_can_be_scored(tmp_path):
    """Before: validate said clean and the run went on to the notebook (issue 15: it crashed
    there with exit 3).  Now the run stops at its validation step, exit 1, no report."""
    data = tmp_path / "raw"
    folder = _all_unknown(data / "2026H1")
    out = tmp_path / "out"
    before = snapshot(data)
    env = {**os.environ, "EVALSTATS_ROOT": str(tmp_path), "EVALSTATS_LANG": "en"}
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "evalstats", "run", "half-year", "--data", str(data)),
            *("--cycle", "2026H1", "--out", str(out), "--no-progress", "--lang", "en"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    assert f"{folder}/responses.csv: no form of the cycle has a scored answer" in proc.stderr
    assert "Traceback" not in proc.stderr and "AttributeError" not in proc.stderr
    assert snapshot(data) == before
    assert not (out / "2026H1" / "half-year").exists()
    assert not (out / "_failed").exists()
    assert not [p for p in (out / ".staging").rglob("*") if p.is_file()]


# ---------------------------------------------------------------------- dates
def test_a_submission_after_the_run_date_is_a_warning(capsys, tmp_path):
    forms = [[*FORMS[0], "", "2099-01-01 10:00"], [*FORMS[1], "", "2026-06-30 10:00"]]
    folder = make_cycle(tmp_path / "2026H1", [*forms, [*FORMS[2], "", ""]], header=COMMENTED)
    code, text = _validate(capsys, folder)
    today = dt.date.today().isoformat()
    assert code == 0
    assert (
        f"{folder}/responses.csv:2:填表时间: submitted after the run date {today}: check the "
        "date typed (2099-01-01 10:00)"
    ) in text
    assert "responses.csv:3:" not in text


def test_many_problems_of_one_kind_are_summed_up_unless_all(capsys, tmp_path):
    # a whole export typed with a wrong year: 45 warnings of one kind are 20 lines and one sum
    forms = [[f"B{i:03d}", "U01", "企业", *FORMS[0][3:], "", "2099-01-01 10:00"] for i in range(45)]
    folder = make_cycle(tmp_path / "2026H1", forms, header=COMMENTED)
    code, text = _validate(capsys, folder)
    assert code == 0
    assert text.count("submitted after the run date") == 21  # 20 lines, then the sum
    assert (
        f"{folder}/responses.csv: ... and 25 more warnings of this kind (submitted after the "
        "run date"
    ) in text
    assert "rows 22-46" in text and "(add --all to list every problem)" in text
    code, text = _validate(capsys, folder, "--all")
    assert text.count("submitted after the run date") == 45 and "--all" not in text
    code, text = _validate(capsys, folder, "--lang", "zh")
    assert "……另有 25 个同类警告（填表时间晚于运行日期" in text and "在第 22–46 行" in text


def test_an_incident_after_the_run_date_is_an_error(capsys, tmp_path):
    folder = make_cycle(tmp_path / "2026H1")
    write_csv(
        folder / "incidents.csv",
        [
            INCIDENTS_HEADER,
            ["U01", "2026-03-01", "媒体曝光查实", "ok"],
            ["U02", "2099-03-01", "媒体曝光查实", "x"],
        ],
    )
    code, text = _validate(capsys, folder)
    assert code == 1
    assert f"{folder}/incidents.csv:3:日期: incident dated after the run date" in text
    assert "a future incident cannot veto a unit (2099-03-01)" in text
    assert "incidents.csv:2:" not in text


def test_an_incident_outside_the_cycle_is_an_error(capsys, tmp_path):
    folder = make_cycle(tmp_path / "2026H1")
    write_csv(
        folder / "incidents.csv",
        [
            INCIDENTS_HEADER,
            ["U01", "2025-12-31", "媒体曝光查实", "x"],
            ["U02", "2026-06-30", "媒体曝光查实", ""],
        ],
    )
    code, text = _validate(capsys, folder)
    assert code == 1
    assert (
        f"{folder}/incidents.csv:2:日期: incident dated outside the cycle 2026H1 (2026-01-01 to "
        "2026-06-30); it cannot veto this cycle's units (2025-12-31)"
    ) in text
    assert "incidents.csv:3:" not in text  # the period's last day is inside it


def test_a_future_incident_never_vetoes(tmp_path):
    from evalstats.inputs.validate import validate_cycle

    folder = make_cycle(tmp_path / "2026A")
    write_csv(
        folder / "incidents.csv",
        [
            INCIDENTS_HEADER,
            ["U01", "2026-11-30", "媒体曝光查实", ""],
            ["U02", "2026-12-01", "媒体曝光查实", ""],
        ],
    )
    v = validate_cycle(folder, raise_on_error=False, today=dt.date(2026, 11, 30))
    assert v.incidents["unit"].tolist() == ["U01"]
    assert v.problems["code"].tolist() == ["future_incident"]
    assert validate_cycle(folder, today="2026-12-31").incidents["unit"].tolist() == ["U01", "U02"]


def test_the_reference_date_is_checked():
    from evalstats.inputs.validate import check_today

    assert check_today(dt.datetime(2026, 7, 1, 23, 59)) == dt.date(2026, 7, 1)
    assert check_today(None) == dt.date.today()
    with pytest.raises(ValueError, match=r"^today must be a date written YYYY-MM-DD; got '7/1'$"):
        check_today("7/1")
    with pytest.raises(TypeError, match=r"^today must be a date, a datetime or a YYYY-MM-DD"):
        check_today(20260701)


def test_cycle_periods():
    from evalstats.core.cycles import cycle_period

    assert cycle_period("2026H1") == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert cycle_period("2026H2") == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert cycle_period("2026A") == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert cycle_period("2026L") is None and cycle_period(None) is None


def test_the_out_of_core_scan_reports_the_same_problems(tmp_path):
    pytest.importorskip("duckdb")
    from evalstats.counts.backends import scan_cycle
    from evalstats.inputs.validate import check_cycle

    cases = {
        "nothing": [["A1", "U01", "企业", *UNKNOWN], ["A2", "U02", "群众", *BLANK]],
        "one_unit": [["A1", "U01", "企业", *UNKNOWN], *FORMS[1:]],
        "bad_row": [
            ["A1", "U01", "企业", *UNKNOWN],
            FORMS[1],
            [*FORMS[2][:2], "火星人", *FORMS[2][3:]],
        ],
        "incidents": None,
        "values": [
            [*FORMS[0], HOSTILE, "2099-01-01 10:00", "王\u202e某"],
            [*FORMS[1], "好", "2026年7月11日", ""],
            [*FORMS[2], "", "2026-07-10 23:59", ""],
        ],
    }
    header = {"values": [*COMMENTED, "收集人"]}
    for name, forms in cases.items():
        folder = make_cycle(tmp_path / name / "2026H1", forms, header=header.get(name, HEADER))
        if name == "incidents":
            write_csv(
                folder / "incidents.csv",
                [
                    INCIDENTS_HEADER,
                    ["U01", "2026-07-11", "媒体曝光查实", ""],
                    ["U02", "2025-12-31", "媒体曝光查实", ""],
                    ["U03", "2026-06-30", "媒体曝光查实", ""],
                ],
            )
        a = check_cycle(folder, today="2026-07-10")
        s = scan_cycle(folder, today="2026-07-10", raise_on_error=False)
        b = s.problems
        key = ["severity", "file", "row", "column", "reason", "code"]
        assert a[key].astype(str).values.tolist() == b[key].astype(str).values.tolist(), name
        assert len(a), name
        if name == "values":
            assert a["code"].tolist() == [
                "future_date",
                "unsafe_text",
                "unsafe_text",
                "future_date",
            ]
        if name == "incidents":
            assert s.incidents["unit"].tolist() == ["U03"]
            assert sorted(a["code"]) == ["future_incident", "incident_outside_cycle"]


# ---------------------------------------------------------------------- control characters
def test_control_characters_in_a_comment_are_a_warning_naming_them(capsys, tmp_path):
    forms = [[*FORMS[0], HOSTILE, ""], [*FORMS[1], "正常意见", ""], [*FORMS[2], "", ""]]
    folder = make_cycle(tmp_path / "2026H1", forms, header=COMMENTED)
    code, text = _validate(capsys, folder)
    assert code == 0
    assert (
        f"{folder}/responses.csv:2:意见建议: holds control or invisible characters (U+0007, "
        "U+202E RIGHT-TO-LEFT OVERRIDE, U+200B ZERO WIDTH SPACE); the report, letters and "
        "figures show the text without them (办事<U+0007>拖拉<U+202E>反转<U+200B>文字)"
    ) in text
    assert "\u202e" not in text and "\x07" not in text  # the console is not reordered either
    assert "responses.csv:3:" not in text


def test_a_unit_name_with_a_bidi_override_is_an_error(capsys, tmp_path):
    units = [UNITS[0], ["U01", "建管\u202e站", "行政管理"], *UNITS[2:]]
    folder = make_cycle(tmp_path / "2026H1", units=units)
    code, text = _validate(capsys, folder)
    assert code == 1
    assert (
        f"{folder}/units.csv:2:单位名称: holds control or invisible characters (U+202E "
        "RIGHT-TO-LEFT OVERRIDE); a unit's code or name is an identifier: retype it without "
        "them (建管<U+202E>站)"
    ) in text


def test_a_unit_code_with_a_control_character_is_an_error(capsys, tmp_path):
    units = [UNITS[0], ["U\x0701", "建管站", "行政管理"], *UNITS[2:]]
    folder = make_cycle(tmp_path / "2026H1", [FORMS[1], FORMS[2]], units=units)
    code, text = _validate(capsys, folder)
    assert code == 1 and f"{folder}/units.csv:2:单位编码: holds control or invisible" in text


def test_document_text_is_the_one_rule():
    from evalstats.core.text import UNSAFE_CHARS, document_text, unsafe_characters
    from evalstats.present.report.safety import CONTROL_CHARS

    assert CONTROL_CHARS == UNSAFE_CHARS  # the report's tables and page use the same rule
    assert document_text(HOSTILE) == "办事拖拉反转文字"
    assert document_text("换行\n和\t制表\r保留") == "换行\n和\t制表\r保留"
    assert (
        document_text("👨\u200d👩 نیم\u200cفاصله") == "👨\u200d👩 نیم\u200cفاصله"
    )  # ZWJ, ZWNJ kept
    assert document_text("a\ud800b") == "a\ufffdb"
    assert unsafe_characters(HOSTILE) == ["U+0007", "U+202E", "U+200B"]
    for c in (0x00, 0x1B, 0x7F, 0x85, 0x202A, 0x2066, 0x2069, 0x200E, 0x061C, 0xFEFF, 0xFFFF):
        assert document_text(f"x{chr(c)}y") == "xy", hex(c)
    with pytest.raises(TypeError, match=r"^text must be a str; got NoneType$"):
        document_text(None)


def test_figure_texts_hold_no_bidi_override(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from evalstats.present.plot import save_figure
    from evalstats.present.plot.style import use_cjk_font

    use_cjk_font()  # as every figure of the package: the SVG keeps each text in a comment
    fig = Figure()
    ax, fixed = fig.subplots(1, 2)
    ax.barh(["建管\u202e站", "运管\x07站"], [1, 2])  # a categorical axis of unit names
    ax.set_title("标题\u202e反转")
    ax.legend(["图例\u200b"])
    fixed.barh([0, 1], [2, 1])
    fixed.set_yticks([0, 1], ["综治\u202e办", "财政所"])  # fixed tick labels
    paths = save_figure(fig, tmp_path, "units")
    svg = next(p for p in paths if p.suffix == ".svg").read_text(encoding="utf-8")
    assert "建管站" in svg and "标题反转" in svg and "综治办" in svg  # the texts are there
    for c in ("\u202e", "\x07", "\u200b"):
        assert c not in svg


@pytest.fixture(scope="module")
def analysis():
    from evalstats.analyses import profile

    return profile.load_analysis("2026A", n_resamples=50, seed=7)


def test_a_comment_with_control_characters_does_not_break_the_letters(analysis, tmp_path):
    """Before: python-docx refused the comment ("All strings must be XML compatible") and the
    unit got no Word letter; U+202E stayed in the HTML letter."""
    import docx

    from evalstats.analyses import profile
    from evalstats.present import letters

    unit = str(analysis.tables["comments"]["unit"].iloc[0])
    p = profile.unit_profile(
        unit, cycle="2026A", analysis=analysis, pseudonymise=lambda s: s.map(lambda _: HOSTILE)
    )
    path = letters.write_docx(p, tmp_path / "letter.docx", date="2026-12-20")
    d = docx.Document(str(path))
    text = "\n".join(
        [x.text for x in d.paragraphs]
        + [c.text for t in d.tables for row in t.rows for c in row.cells]
    )
    assert "办事拖拉反转文字" in text
    page = str(letters.html(p, letters.SECTIONS, date="2026-12-20"))
    assert "办事拖拉反转文字" in page
    frame = letters.table_frame(p, "comments")
    cells = [str(v) for v in frame.to_numpy().ravel()]
    assert any("办事拖拉反转文字" in v for v in cells)
    for c in ("\u202e", "\x07", "\u200b"):
        assert c not in text and c not in page and not any(c in v for v in cells)
