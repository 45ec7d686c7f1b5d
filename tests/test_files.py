"""File names of the letters (issue 14 item 5): safe on Windows and POSIX, distinct per unit."""

from __future__ import annotations

import os
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstats.core.files import (
    MAX_STEM_BYTES,
    WINDOWS_RESERVED_NAMES,
    NotRegularFileError,
    file_stem,
    safe_stem,
    sha256_file,
    unit_file_stems,
)

FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f]')


def assert_safe_name(stem: str, max_bytes: int = MAX_STEM_BYTES) -> None:
    """What Windows (NTFS, Explorer) and POSIX accept as a file name, with a suffix added."""
    assert stem, "empty name"
    assert not FORBIDDEN.search(stem), stem
    assert stem not in (".", "..") and not stem.startswith(".")
    assert not stem.endswith((".", " ")) and not stem.startswith(" ")
    assert len(stem.encode("utf-8")) <= max_bytes, stem
    assert stem.split(".", 1)[0].rstrip(" ").upper() not in WINDOWS_RESERVED_NAMES, stem
    for suffix in (".docx", ".html"):
        name = stem + suffix
        assert name.split(".", 1)[0].upper() not in WINDOWS_RESERVED_NAMES
    assert unicodedata.normalize("NFC", stem) == stem
    stem.encode("utf-8")  # no lone surrogate


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("综治办", "综治办"),
        ("CON", "_CON"),
        ("con", "_con"),
        ("Con.docx", "_Con.docx"),
        ("aux.txt", "_aux.txt"),
        ("NUL ", "_NUL"),
        ("com1", "_com1"),
        ("LPT9", "_LPT9"),
        ("COM¹", "_COM¹"),
        ("COM10", "COM10"),
        ("CONSOLE", "CONSOLE"),
        ('a<b>c:d"e/f\\g|h?i*j', "a_b_c_d_e_f_g_h_i_j"),
        ("办\x00公\x1f室\x7f", "办_公_室_"),
        ("城管执法中队.", "城管执法中队"),
        ("城管执法中队 . . ", "城管执法中队"),
        ("..", "unit"),
        ("", "unit"),
        ("  ", "unit"),
        ("便民  服务\t中心", "便民 服务 中心"),
        (".hidden", "hidden"),
    ],
)
def test_safe_stem_known_answers(name, stem):
    assert safe_stem(name) == stem
    assert_safe_name(safe_stem(name))


def test_safe_stem_cuts_at_a_character_boundary():
    long = "社会事务办" * 30  # 450 bytes
    stem = safe_stem(long)
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    assert long.startswith(stem) and len(stem) == 33  # 99 bytes: 33 characters
    assert safe_stem("a" * 300, max_bytes=20) == "a" * 19


def test_safe_stem_errors():
    with pytest.raises(TypeError, match=r"^text must be a str; got int$"):
        safe_stem(5)
    with pytest.raises(ValueError, match=r"^max_bytes must be a whole number >= 8; got 3$"):
        safe_stem("x", max_bytes=3)


def test_file_stem_of_codes():
    assert file_stem("finance_office") == "finance_office"
    for bad in ("../x", "con", "COM1", "aux.x", "a.", "综治办", "a b"):
        assert file_stem(bad).startswith("unit-"), bad
    assert file_stem("con") != file_stem("CON")


def test_unit_file_stems_by_name_and_clashes():
    names = {
        "governance_office": "综治办",
        "a": "财政所",
        "b": "财政所",  # the same name twice
        "c": "Abc",
        "d": "ABC",  # the same on Windows
        "e": "x/y",
        "f": "x?y",  # the same after cleaning
        "g": "",  # no name: the code
        "h": "CON",
    }
    stems = unit_file_stems(names)
    assert list(stems) == list(names)
    assert stems["governance_office"] == "综治办"
    assert stems["g"] == "g" and stems["h"] == "_CON"
    for code in "abcdef":
        assert stems[code].startswith(safe_stem(names[code]) + "-"), stems
    assert len({s.casefold() for s in stems.values()}) == len(names)
    # stable: the same whatever the order, and from run to run
    assert unit_file_stems(dict(reversed(list(names.items())))) == stems
    assert stems["a"] == "财政所-ca978112"
    with pytest.raises(TypeError, match=r"^names must be a mapping of unit code to name"):
        unit_file_stems(["a"])


names_st = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from(list("<>:.\\/ ")),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(text=names_st | st.sampled_from(sorted(WINDOWS_RESERVED_NAMES)).map(str.lower))
def test_safe_stem_is_always_a_safe_name(text):
    assert_safe_name(safe_stem(text))


@settings(max_examples=200, deadline=None)
@given(
    names=st.dictionaries(
        st.text(min_size=1, max_size=12),
        names_st | st.sampled_from(["综治办", "CON", "con", "财政所", "财政所.", ""]),
        max_size=12,
    )
)
def test_unit_file_stems_safe_and_distinct(names):
    stems = unit_file_stems(names)
    assert set(stems) == set(names)
    for stem in stems.values():
        assert_safe_name(stem)
    assert len({s.casefold() for s in stems.values()}) == len(stems)
    assert unit_file_stems(dict(sorted(names.items()))) == stems


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_sha256_file_refuses_a_fifo_a_device_and_a_folder_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe")  # opening it for reading would block without O_NONBLOCK
    with pytest.raises(NotRegularFileError):
        sha256_file(tmp_path / "pipe")
    if os.path.exists("/dev/zero"):
        with pytest.raises(NotRegularFileError):
            sha256_file("/dev/zero")  # would be read for ever
    with pytest.raises(IsADirectoryError):
        sha256_file(tmp_path)
    (tmp_path / "a").write_bytes(b"abc")
    assert sha256_file(tmp_path / "a").startswith("ba7816bf")
