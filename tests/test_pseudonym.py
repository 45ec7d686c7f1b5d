"""Keyed pseudonyms of respondent identifiers: HMAC core, normalisation, key rules, no leaks."""

from __future__ import annotations

import codecs
import hashlib
import hmac
import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _corpus import FORMS, HEADER, make_cycle, write_csv, write_xlsx
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstats.core.errors import InputError, UsageError
from evalstats.core.keys import hmac_digests
from evalstats.inputs.interim import write_interim
from evalstats.inputs.pseudonym import (
    HOW_TO_SET,
    KEY_ENV,
    KEY_FILE_ENV,
    PseudonymKey,
    identifiers_present,
    load_key,
    normalize_identifiers,
    pseudonymize,
    repeated_respondents,
    require_key_for_identifiers,
    respondent_ids,
)
from evalstats.inputs.validate import format_problems, format_summary, validate_cycle
from evalstats.run import cli

KEY = "a test key that is long enough"
KEY2 = "another test key, also long enough"
ID_HEADER = [*HEADER, "评议人姓名", "联系电话"]


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A project root in tmp_path, no pseudonym key in the environment."""
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    monkeypatch.setenv("EVALSTATS_ROOT", str(project))
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    return project


@pytest.fixture
def outside(tmp_path):
    """A folder outside the project (for key files)."""
    d = tmp_path / "secrets"
    d.mkdir()
    return d


def reference(secret: bytes, kind: str, normalized: str) -> str:
    """The pseudonym computed with the standard library's hmac module."""
    mac = hmac.new(secret, f"{kind}\x1f{normalized}".encode(), hashlib.sha256)
    return "R-" + mac.hexdigest()[:16]


# ---------------------------------------------------------------------------- HMAC core
# RFC 4231 "Identifiers and Test Vectors for HMAC-SHA-224, HMAC-SHA-256, HMAC-SHA-384, and
# HMAC-SHA-512", section 4: test cases 1, 2, 3 and 6 (HMAC-SHA-256 rows).
RFC4231 = [
    (
        b"\x0b" * 20,
        b"Hi There",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    ),
    (
        b"Jefe",
        b"what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ),
    (
        b"\xaa" * 20,
        b"\xdd" * 50,
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    ),
    (
        b"\xaa" * 131,  # longer than the block: hashed first
        b"Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
]


@pytest.mark.parametrize("secret, message, expected", RFC4231)
def test_hmac_core_matches_rfc4231(secret, message, expected):
    assert hmac_digests([message], secret)[0].hex() == expected


@settings(max_examples=40)
@given(st.binary(min_size=0, max_size=200), st.lists(st.binary(max_size=80), max_size=5))
def test_hmac_core_equals_the_standard_library(secret, messages):
    got = hmac_digests(messages, secret)
    assert got == [hmac.digest(secret, m, "sha256") for m in messages]


def test_hmac_core_refuses_text_keys():
    with pytest.raises(TypeError, match=r"^secret must be bytes; got str$"):
        hmac_digests([b"x"], "key")


def test_pseudonym_is_truncated_hmac_of_the_normalised_value():
    key = PseudonymKey.from_secret(KEY)
    got = pseudonymize(["+86 138-0013-8000", "张 三"], key, kind="phone")
    assert got[0] == reference(KEY.encode(), "phone", "13800138000")
    assert pseudonymize(["张 三"], KEY)[0] == reference(KEY.encode(), "name", "张三")
    assert got[1] is None  # no digit: not a phone number


# ---------------------------------------------------------------------------- normalisation
def test_same_person_typed_differently_gets_one_pseudonym():
    phones = [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 13800138000",
        "+86-138-0013-8000",
        "0086 138 0013 8000",
        "8613800138000",
        "１３８００１３８０００",  # full-width digits
        "(138)00138000",
    ]
    p = pseudonymize(phones, KEY, kind="phone")
    assert len(set(p)) == 1 and p[0].startswith("R-") and len(p[0]) == 18
    names = ["张三", " 张 三 ", "张\u3000三", "张三\t", "Ｌｉ Ｌｅｉ", "li lei", "LI LEI"]
    q = pseudonymize(names, KEY)
    assert len(set(q[:4])) == 1 and len(set(q[4:])) == 1 and q[0] != q[4]


def test_missing_and_placeholder_values_have_no_pseudonym():
    assert (
        normalize_identifiers(["", "  ", None, "无", "匿名", "N/A", "--", "/"]).tolist()
        == [None] * 8
    )
    assert normalize_identifiers(["无", "", "-", None, "+"], kind="phone").tolist() == [None] * 5
    assert pseudonymize([None, "匿名"], KEY).tolist() == [None, None]


def test_landlines_and_other_numbers_keep_their_digits():
    got = normalize_identifiers(
        ["010-1234 5678", "+86 10 12345678", "8612345", "86 1380013800"], kind="phone"
    )
    # only a country code before an 11-digit mobile number is dropped
    assert got.tolist() == ["01012345678", "861012345678", "8612345", "861380013800"]


@settings(max_examples=30)
@given(
    st.integers(min_value=3, max_value=9),
    st.integers(min_value=0, max_value=10**9 - 1),
    st.sampled_from(["{}", "+86 {}", "86{}", "{a} {b} {c}", "{a}-{b}-{c}", "0086{}", "fw"]),
)
def test_phone_styles_map_to_one_pseudonym(second, rest, style):
    phone = f"1{second}{rest:09d}"
    a, b, c = phone[:3], phone[3:7], phone[7:]
    if style == "fw":
        typed = phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    else:
        typed = style.format(phone, a=a, b=b, c=c)
    got = pseudonymize([typed, phone], KEY, kind="phone")
    assert got[0] == got[1] == reference(KEY.encode(), "phone", phone)


def test_different_keys_and_kinds_give_different_pseudonyms():
    values = ["13800138000", "13900139000"]
    a = pseudonymize(values, KEY, kind="phone")
    b = pseudonymize(values, KEY2, kind="phone")
    assert a[0] != b[0] and a[1] != b[1] and a[0] != a[1]
    # a name that happens to be the same text as a phone number is another domain
    assert pseudonymize(["13800138000"], KEY, kind="name")[0] != a[0]


def test_pseudonymize_arguments():
    with pytest.raises(ValueError, match=r"^kind must be one of 'name', 'phone'; got 'email'$"):
        pseudonymize(["x"], KEY, kind="email")
    with pytest.raises(TypeError, match=r"^key must be str, bytes or a PseudonymKey; got None$"):
        pseudonymize(["x"], None)
    with pytest.raises(TypeError, match=r"^key must be str, bytes or a PseudonymKey; got int$"):
        pseudonymize(["x"], 12345678901234567890)


def test_respondent_is_phone_else_name():
    r = respondent_ids(
        KEY, name=["张三", "张三", None, "李四"], phone=[None, "13800138000", None, ""]
    )
    assert r[0] == pseudonymize(["张三"], KEY)[0]
    assert r[1] == pseudonymize(["13800138000"], KEY, kind="phone")[0]
    assert r[2] is None
    assert r[3] == pseudonymize(["李四"], KEY)[0]
    with pytest.raises(ValueError, match=r"^give name, phone or both$"):
        respondent_ids(KEY)


# ---------------------------------------------------------------------------- the key
def test_key_from_the_environment(root, monkeypatch):
    assert load_key() is None
    monkeypatch.setenv(KEY_ENV, f"  {KEY}\n")
    k = load_key()
    assert k.secret == KEY.encode() and k.source == f"environment variable {KEY_ENV}"


def test_key_from_a_key_file(root, outside, monkeypatch):
    f = outside / "pseudonym.key"
    f.write_text(KEY + "\n", encoding="utf-8")
    monkeypatch.setenv(KEY_FILE_ENV, str(f))
    k = load_key()
    assert k.secret == KEY.encode() and k.source == f"key file {f.resolve()}"
    # the same key text from the environment or a file gives the same pseudonyms
    assert k.key_id == PseudonymKey.from_secret(KEY).key_id
    assert load_key(key_file=f).secret == KEY.encode()


@pytest.mark.parametrize(
    "encoding",
    ["utf-8-sig", "utf-16", "utf-16-be"],  # Notepad; Windows PowerShell 5 (> and Out-File)
)
def test_key_file_saved_as_text_with_a_byte_order_mark(root, outside, encoding):
    f = outside / "pseudonym.key"
    data = (KEY + "\r\n").encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    f.write_bytes(data)
    assert f.read_bytes()[:2] in (b"\xef\xbb", b"\xff\xfe", b"\xfe\xff")
    # the key is the text, as from a UTF-8 file or the environment variable
    assert load_key(key_file=f).secret == KEY.encode()
    assert load_key(key_file=f).key_id == PseudonymKey.from_secret(KEY).key_id


def test_key_file_of_random_bytes_is_its_bytes(root, outside):
    f = outside / "pseudonym.key"
    raw = b"\xff\xfe" + bytes(range(1, 40)) + b"\xd8"  # a BOM-like start, odd length: not text
    f.write_bytes(raw)
    assert load_key(key_file=f).secret == raw.strip()
    raw = bytes(range(200, 240))
    f.write_bytes(raw)
    assert load_key(key_file=f).secret == raw


def test_key_id_and_repr_never_show_the_key():
    k = PseudonymKey.from_secret(KEY)
    assert len(k.key_id) == 12 and int(k.key_id, 16) >= 0
    assert k.key_id == hmac.new(KEY.encode(), b"evalstats key id", "sha256").hexdigest()[:12]
    assert k.key_id != PseudonymKey.from_secret(KEY2).key_id
    assert repr(k) == str(k) == f"PseudonymKey(key_id='{k.key_id}', source='the key argument')"
    assert KEY not in repr(k) and KEY not in f"{k}"


def test_short_and_empty_keys_are_refused(root, monkeypatch):
    with pytest.raises(UsageError) as info:
        PseudonymKey.from_secret("too short")
    assert str(info.value) == (
        f"the pseudonym key from the key argument is too short (9 bytes); use at least 16 "
        f"bytes: {HOW_TO_SET}"
    )
    monkeypatch.setenv(KEY_ENV, "   ")
    with pytest.raises(UsageError) as info:
        load_key()
    assert str(info.value) == (
        f"the pseudonym key from environment variable {KEY_ENV} is empty; {HOW_TO_SET}"
    )
    assert HOW_TO_SET == (
        "set EVALSTATS_PSEUDONYM_KEY to a secret of at least 16 bytes, or "
        "EVALSTATS_PSEUDONYM_KEY_FILE to a key file outside the project (make one with: "
        'python -c "import secrets; print(secrets.token_hex(32))" > '
        "~/.config/evalstats/pseudonym.key)"
    )


def test_both_environment_variables_are_refused(root, outside, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.setenv(KEY_FILE_ENV, str(outside / "k"))
    with pytest.raises(UsageError) as info:
        load_key()
    assert str(info.value) == (
        "both EVALSTATS_PSEUDONYM_KEY and EVALSTATS_PSEUDONYM_KEY_FILE are set; set only one "
        "of them"
    )
    with pytest.raises(ValueError, match=r"^give key or key_file, not both$"):
        load_key(KEY, key_file=outside / "k")


def test_key_file_inside_the_project_is_refused(root):
    f = root / "pseudonym.key"
    f.write_text(KEY, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_key(key_file=f)
    assert str(info.value) == (
        f"the pseudonym key file {f.resolve()} is inside the project folder {root.resolve()}; "
        "keep it outside the project (e.g. ~/.config/evalstats/pseudonym.key), so it is never "
        "committed, copied or published"
    )


def test_key_file_inside_the_data_folder_is_refused(root, outside):
    data = outside / "cycles"
    data.mkdir()
    f = data / "key.txt"
    f.write_text(KEY, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_key(key_file=f, data_folders=[data])
    assert str(info.value) == (
        f"the pseudonym key file {f.resolve()} is inside the data folder {data.resolve()}; keep "
        "it outside the data and the project (e.g. ~/.config/evalstats/pseudonym.key), so it is "
        "never copied or published with the data"
    )


def test_key_file_inside_a_git_tree_is_refused(root, outside):
    (outside / "repo" / ".git").mkdir(parents=True)
    f = outside / "repo" / "conf" / "key"
    f.parent.mkdir()
    f.write_text(KEY, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_key(key_file=f)
    assert str(info.value) == (
        f"the pseudonym key file {f.resolve()} is inside the git working tree "
        f"{(outside / 'repo').resolve()}; keep it outside any repository "
        "(e.g. ~/.config/evalstats/pseudonym.key), so it is never committed"
    )


def test_unreadable_key_files_are_refused(root, outside, monkeypatch):
    missing = outside / "missing.key"
    with pytest.raises(UsageError) as info:
        load_key(key_file=missing)
    assert str(info.value) == (
        f"cannot read the pseudonym key file {missing.resolve()} (No such file or directory); "
        f"{HOW_TO_SET}"
    )
    with pytest.raises(UsageError) as info:
        load_key(key_file=outside)
    assert str(info.value) == (
        f"cannot read the pseudonym key file {outside.resolve()} (Is a directory); {HOW_TO_SET}"
    )
    short = outside / "short.key"
    short.write_bytes(b"0123456789\n")
    monkeypatch.setenv(KEY_FILE_ENV, str(short))
    with pytest.raises(UsageError) as info:
        load_key()
    assert str(info.value) == (
        f"the pseudonym key from key file {short.resolve()} is too short (10 bytes); use at "
        f"least 16 bytes: {HOW_TO_SET}"
    )
    monkeypatch.setenv(KEY_FILE_ENV, " ")
    with pytest.raises(UsageError) as info:
        load_key()
    assert str(info.value) == f"EVALSTATS_PSEUDONYM_KEY_FILE is set but empty; {HOW_TO_SET}"


# ---------------------------------------------------------------------------- header only
def id_forms():
    return [
        [*FORMS[0], "张三", "138 0013 8000"],
        [*FORMS[1], "李四", ""],
        [*FORMS[2], "", ""],
    ]


def test_identifiers_present_reads_only_the_header(root):
    folder = make_cycle(root / "data/raw/2026H1", id_forms(), header=ID_HEADER)
    assert identifiers_present(folder) == ["respondent_phone", "respondent_name"]
    assert identifiers_present(folder / "responses.csv") == [
        "respondent_phone",
        "respondent_name",
    ]
    # data rows that cannot be decoded, or that break the CSV, do not hide the header
    body = (folder / "responses.csv").read_bytes()
    bad = body + b'\xff\xfe\x00\x81 garbage "unclosed\n' * 3 + os.urandom(2000)
    (folder / "responses.csv").write_bytes(bad)
    assert identifiers_present(folder) == ["respondent_phone", "respondent_name"]
    assert not validate_cycle(folder, raise_on_error=False, key=KEY).ok  # the data are bad


def test_identifiers_present_in_spreadsheets_and_parquet(root):
    folder = root / "data/raw/2026H1"
    title = ["2026年上半年测评", *[None] * 9]
    write_xlsx(folder / "responses.xlsx", [title, ["手机", *HEADER], ["138", *FORMS[0]]])
    assert identifiers_present(folder) == ["respondent_phone"]
    other = root / "data/raw/2026A"
    other.mkdir(parents=True)
    table = pa.table({h: [v] for h, v in zip(ID_HEADER, id_forms()[0], strict=True)})
    pq.write_table(table, other / "responses.parquet", compression="none")
    data = bytearray((other / "responses.parquet").read_bytes())
    data[4:60] = b"\x00" * 56  # corrupt the data pages; the footer (schema) is intact
    (other / "responses.parquet").write_bytes(bytes(data))
    assert identifiers_present(other) == ["respondent_phone", "respondent_name"]
    v = validate_cycle(other / "responses.parquet", raise_on_error=False, key=KEY)
    assert v.problems["code"].tolist()[0] == "wrong_format"


def test_identifiers_absent(root):
    folder = make_cycle(root / "data/raw/2026H1")
    assert identifiers_present(folder) == []
    assert identifiers_present(root / "data/raw") == []  # no responses file here
    assert require_key_for_identifiers(folder) is None
    with pytest.raises(FileNotFoundError, match=r"^no such file or folder: nowhere$"):
        identifiers_present("nowhere")


def test_public_run_with_identifiers_and_no_key_stops(root, outside, monkeypatch):
    folder = make_cycle(root / "data/raw/2026H1", id_forms(), header=ID_HEADER)
    with pytest.raises(UsageError) as info:
        require_key_for_identifiers(folder)
    assert str(info.value) == (
        f"{folder / 'responses.csv'} has respondent identifier columns (评议人姓名, 联系电话) "
        "and no pseudonym key is set; the data were not read. To replace them by pseudonyms, "
        f"{HOW_TO_SET}; or remove these columns from the file."
    )
    f = outside / "k"
    f.write_text(KEY, encoding="utf-8")
    monkeypatch.setenv(KEY_FILE_ENV, str(f))
    assert require_key_for_identifiers(folder).secret == KEY.encode()
    g = folder / "key"  # a key file in the cycle folder is refused
    g.write_text(KEY, encoding="utf-8")
    with pytest.raises(UsageError, match="is inside the data folder"):
        require_key_for_identifiers(folder, key_file=g)


# ---------------------------------------------------------------------------- no leaks
PLANTED_NAMES = ["欧阳娜娜测", "Zebulon Quixote", "司马懿甲"]
PLANTED_PHONES = ["13912345678", "+86 139-8765-4321", "15011112222"]
NEEDLES = [
    *PLANTED_NAMES,
    "Zebulon",
    "Quixote",
    "zebulonquixote",
    "欧阳娜娜",
    "司马懿",
    "13912345678",
    "1391234",
    "13987654321",
    "139-8765",
    "15011112222",
]


def needles_in(text: str) -> list[str]:
    return [n for n in NEEDLES if n.casefold() in text.casefold()]


def needles_in_bytes(data: bytes) -> list[str]:
    found = []
    for n in NEEDLES:
        for enc in ("utf-8", "gb18030", "utf-16-le"):
            if n.encode(enc) in data:
                found.append(n)
                break
    return found


def planted_cycle(root: Path, *, bad: bool = False) -> Path:
    rows = [
        [*FORMS[0], PLANTED_NAMES[0], PLANTED_PHONES[0]],
        [*FORMS[1], PLANTED_NAMES[1], PLANTED_PHONES[1]],
        [*FORMS[2], PLANTED_NAMES[2], ""],
        [
            "A004",
            "U01",
            "群众",
            "满意",
            "满意",
            "满意",
            "满意",
            "满意",
            PLANTED_NAMES[0],
            "139 1234 5678",
        ],
    ]
    if bad:
        rows.append(
            [
                "A005",
                "U09",
                "路人",
                "很好",
                "满意",
                "满意",
                "满意",
                "满意",
                "Zebulon Quixote",
                "15011112222",
            ]
        )
    folder = make_cycle(root / "data/raw/2026H1", rows, header=ID_HEADER)
    write_csv(folder / "exclusions.csv", [["问卷编号", "原因"], ["A003", "作废"]])
    return folder


def test_raw_identifiers_never_appear_anywhere(root, capsys, monkeypatch):
    folder = planted_cycle(root)
    raw = (folder / "responses.csv").read_bytes()
    assert needles_in_bytes(raw)  # the needles are there to be found
    monkeypatch.setenv(KEY_ENV, KEY)
    v = validate_cycle("data/raw/2026H1")
    assert v.identifiers_action == "pseudonymised"
    assert v.forms["respondent"].tolist()[0] == v.forms["respondent"].tolist()[2]  # A001, A004
    assert v.forms["respondent"].notna().all() and v.voided["respondent"].notna().all()
    out = write_interim(v)
    # every byte written, and every cell of every table once decompressed
    for p in sorted(out.iterdir()):
        assert needles_in_bytes(p.read_bytes()) == [], p.name
        if p.suffix == ".parquet":
            text = pd.read_parquet(p).astype(str).to_csv()
            assert needles_in(text) == [], p.name
    tables = [v.forms, v.voided, v.units, v.duplicates, v.problems, v.inputs, v.exclusions]
    for t in tables:
        assert needles_in(t.astype(str).to_csv()) == []
    assert needles_in(repr(v)) == [] and needles_in(str(v)) == []
    assert needles_in(json.dumps(v.summary(), ensure_ascii=False, default=str)) == []
    assert needles_in(format_summary(v)) == []
    # the command line: captured stdout and stderr of `evalstats validate`
    capsys.readouterr()
    assert (
        cli.main(["validate", "data/raw/2026H1", "--interim", str(root / "iv"), "--lang", "en"])
        == 0
    )
    captured = capsys.readouterr()
    assert needles_in(captured.out + captured.err) == []
    assert "replaced by keyed pseudonyms in column respondent" in captured.out
    for p in sorted((root / "iv").iterdir()):
        assert needles_in_bytes(p.read_bytes()) == [], p.name
    # and the raw file was left as it was
    assert (folder / "responses.csv").read_bytes() == raw


def test_raw_identifiers_never_appear_in_problems(root, monkeypatch):
    planted_cycle(root, bad=True)
    for key in (KEY, None):
        if key is None:
            monkeypatch.delenv(KEY_ENV, raising=False)
        else:
            monkeypatch.setenv(KEY_ENV, key)
        with pytest.raises(InputError) as info:
            validate_cycle("data/raw/2026H1")
        assert needles_in(str(info.value)) == []
        assert needles_in(info.value.problems.astype(str).to_csv()) == []
        buf_out, buf_err = io.StringIO(), io.StringIO()
        with redirect_stdout(buf_out), redirect_stderr(buf_err):
            assert cli.main(["validate", "data/raw/2026H1", "--no-write", "--lang", "en"]) == 1
        assert needles_in(buf_out.getvalue() + buf_err.getvalue()) == []
        assert "responses.csv:6:被评单位: unknown unit" in buf_out.getvalue()  # still reported
        buf_out, buf_err = io.StringIO(), io.StringIO()
        with redirect_stdout(buf_out), redirect_stderr(buf_err):
            assert cli.main(["validate", "data/raw/2026H1", "--no-write"]) == 1
        assert needles_in(buf_out.getvalue() + buf_err.getvalue()) == []
        assert "responses.csv:6:被评单位: 未知单位：" in buf_out.getvalue()  # in Chinese too


def test_no_key_drops_identifiers_with_one_warning(root):
    planted_cycle(root)
    v = validate_cycle("data/raw/2026H1")
    assert v.identifiers_action == "dropped" and v.pseudonym_key_id is None
    assert "respondent" not in v.forms.columns
    assert format_problems(v.problems) == [
        "data/raw/2026H1/responses.csv:1:评议人姓名, 联系电话: respondent identifiers are "
        "dropped: no pseudonym key is set. To keep them as keyed pseudonyms (column "
        f"respondent), {HOW_TO_SET}",
        # U03's one form is voided: it has nothing to score (issue 15)
        "data/raw/2026H1/units.csv:4:单位编码: unit has 1 form but no scored answer (every "
        "answer 不了解 or blank, or its forms voided): it gets no score or rank (无综合得分) (U03)",
    ]


# ---------------------------------------------------------------------------- repeated
def forms_with(respondents, units, *, cycles=None):
    n = len(respondents)
    return pd.DataFrame(
        {
            "cycle": cycles or ["2026H1"] * n,
            "form_id": [f"F{i}" for i in range(n)],
            "unit": pd.Categorical(units),
            "respondent": pd.Series(respondents, dtype=object),
            "source_row": np.arange(2, n + 2, dtype=np.int64),
        }
    )


def test_repeated_respondents():
    f = forms_with(
        ["R-a", "R-a", "R-b", "R-a", None, None, "R-b", "R-b", "R-b"],
        ["U1", "U1", "U1", "U2", "U1", "U1", "U2", "U2", "U2"],
    )
    got = repeated_respondents(f)
    assert got.to_dict("records") == [
        {
            "cycle": "2026H1",
            "unit": "U2",
            "respondent": "R-b",
            "n_forms": 3,
            "form_ids": "F6, F7, F8",
            "source_rows": "8, 9, 10",
        },
        {
            "cycle": "2026H1",
            "unit": "U1",
            "respondent": "R-a",
            "n_forms": 2,
            "form_ids": "F0, F1",
            "source_rows": "2, 3",
        },
    ]
    assert got["n_forms"].dtype == np.int64


def test_repeated_respondents_counts_within_a_cycle():
    f = forms_with(["R-a", "R-a"], ["U1", "U1"], cycles=["2026H1", "2026A"])
    assert len(repeated_respondents(f)) == 0
    no_column = f.drop(columns="respondent")
    empty = repeated_respondents(no_column)
    assert list(empty.columns) == [
        "cycle",
        "unit",
        "respondent",
        "n_forms",
        "form_ids",
        "source_rows",
    ]
    assert len(empty) == 0
    with pytest.raises(TypeError, match=r"^forms must be a DataFrame; got list$"):
        repeated_respondents([])


def test_repeated_respondents_row_order_changes_nothing():
    rng = np.random.default_rng(5)
    resp = rng.choice(["R-a", "R-b", "R-c", None], size=60).tolist()
    units = rng.choice(["U1", "U2", "U3"], size=60).tolist()
    f = forms_with(resp, units)
    a = repeated_respondents(f)
    b = repeated_respondents(f.iloc[rng.permutation(60)])
    key = ["cycle", "unit", "respondent", "n_forms"]
    assert a[key].equals(b[key])
    assert a["n_forms"].sum() == f.dropna().duplicated(["unit", "respondent"], keep=False).sum()
