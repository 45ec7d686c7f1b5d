"""core: the cycle-id grammar, the file helpers and the shared vocabulary."""

from __future__ import annotations

import hashlib

import pytest

from evalstats.core import cycles, files, vocab
from evalstats.core.cycles import (
    CycleId,
    check_cycle,
    cycle_kind,
    cycle_year,
    half_year_of,
    parse_cycle,
    previous_cycle,
)


@pytest.mark.parametrize(
    ("cycle", "parsed", "kind", "year"),
    [
        ("2026H1", CycleId(2026, "H1"), "half_year", 2026),
        ("2026H2", CycleId(2026, "H2"), "half_year", 2026),
        ("2026A", CycleId(2026, "A"), "annual", 2026),
        ("2026L", None, None, 2026),
        ("pilot", None, None, None),
        ("12026A", None, None, None),
        ("2026a", None, None, 2026),
        (None, None, None, None),
    ],
)
def test_parse(cycle, parsed, kind, year):
    assert parse_cycle(cycle) == parsed
    assert cycle_kind(cycle) == kind
    assert cycle_year(cycle) == year
    if parsed:
        assert str(parsed) == cycle


def test_derivations():
    assert half_year_of("2026A") == "2026H1"
    assert [previous_cycle(c) for c in ("2026A", "2026H2", "2026H1")] == [
        "2026H1",
        "2026H1",
        "2025A",
    ]
    with pytest.raises(ValueError) as e:
        half_year_of("2026H2")
    assert str(e.value) == (
        "cannot derive the half-year cycle from '2026H2' (expected an annual id like '2026A')"
    )
    with pytest.raises(ValueError) as e:
        previous_cycle("2026L")
    assert str(e.value) == (
        "cannot derive the previous cycle from '2026L' (expected a cycle id like '2026H1', "
        "'2026H2' or '2026A')"
    )


@pytest.mark.parametrize("good", ["2026H1", "2026A", "2026L", "pilot_2", "a-b", " 2026A "])
def test_check_cycle_accepts_folder_safe_ids(good):
    assert check_cycle(good) == good.strip()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("", "cycle must be a cycle id such as '2026H1'; got ''"),
        ("  ", "cycle must be a cycle id such as '2026H1'; got '  '"),
        (2026, "cycle must be a cycle id such as '2026H1'; got 2026"),
        ("..", "cycle must be a cycle id, not a path; got '..'"),
        ("../2026A", "cycle must be a cycle id, not a path; got '../2026A'"),
        ("a\\b", "cycle must be a cycle id, not a path; got 'a\\\\b'"),
        (
            ".hidden",
            "cycle must be a cycle id: letters and digits (then '_' or '-'), at most 32 "
            "characters, e.g. 2026H1; got '.hidden'",
        ),
        (
            "x" * 33,
            "cycle must be a cycle id: letters and digits (then '_' or '-'), at most 32 "
            f"characters, e.g. 2026H1; got '{'x' * 33}'",
        ),
    ],
)
def test_check_cycle_refuses(bad, message):
    with pytest.raises(ValueError) as e:
        check_cycle(bad)
    assert str(e.value) == message


def test_check_cycle_names_the_parameter():
    with pytest.raises(ValueError, match=r"^previous_cycle must be a cycle id"):
        check_cycle("", name="previous_cycle")


def test_files(tmp_path):
    path = files.atomic_write_bytes(tmp_path / "a" / "b.bin", b"hello")
    assert path.read_bytes() == b"hello"
    assert files.sha256_file(path, chunk=2) == hashlib.sha256(b"hello").hexdigest()
    assert [p.name for p in path.parent.iterdir()] == ["b.bin"]  # no temporary left

    def fail(fh):
        fh.write(b"partial")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        files.atomic_write(path, fail)
    assert path.read_bytes() == b"hello"
    assert [p.name for p in path.parent.iterdir()] == ["b.bin"]
    files.fsync_tree(tmp_path)


def test_vocab_is_the_one_home():
    import evalstats.analyses.cycle.parameters as cycle
    import evalstats.present.labels as labels
    import evalstats.run.runner.plan as runner

    assert vocab.LANGS == ("zh", "en") and vocab.TIERS == ("internal", "public")
    assert cycle.LANGS is labels.LANGS is runner.LANGS is vocab.LANGS
    assert cycle.TIERS is vocab.TIERS
    assert cycles.PARTS == ("H1", "H2", "A")


def test_old_module_paths_import_with_a_warning_naming_the_new_home():
    import importlib
    import sys

    import evalstats.analyses
    from evalstats.present.letters import section
    from evalstats.present.words import veto_sentence
    from evalstats.run.letters import write_letters

    for old in ("evalstats.analysis", "evalstats.letters", "evalstats.rank"):
        sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match="evalstats.analysis moved to evalstats.analyses"):
        analysis = importlib.import_module("evalstats.analysis")
    assert analysis.half_year is evalstats.analyses.half_year
    # a module split between layers finds each name in its new homes
    with pytest.warns(DeprecationWarning, match="present.letters and evalstats.run.letters"):
        letters = importlib.import_module("evalstats.letters")
    assert letters.section is section and letters.write_letters is write_letters
    with pytest.raises(AttributeError, match=r"'evalstats\.letters' has no attribute 'nope'"):
        letters.nope  # noqa: B018
    # a name moved out of a module on the way (stats → present) still resolves, with its warning
    with pytest.warns(DeprecationWarning):
        rank = importlib.import_module("evalstats.rank")
    with pytest.warns(DeprecationWarning, match="present.words"):
        assert rank.veto_sentence is veto_sentence
