"""Signed reports and the tables' check code (evalstats.run.signing, issue 15 item 3).

The reports are published by the real runner with the stand-in notebook step of
``tests/fixtures/run_server.py`` (no kernel), as in ``tests/test_verify.py``.  The attacks:

* a table edited alone, its sha256 and size rewritten in ``manifest.json`` (the issue's case:
  main said 一致, exit 0) — caught unsigned by the check code, signed by the signature;
* a forger who also rewrites the check code in every document and their hashes — caught only
  with the key; unsigned, verify says it cannot tell;
* a signature stripped, a signature made with another key.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from evalstats.core.errors import UsageError
from evalstats.run import letters as letters_batch
from evalstats.run import runner as runmod
from evalstats.run import signing
from evalstats.run.cli import main
from evalstats.run.runner import run as run_step
from evalstats.run.signing import KEY_ENV, KEY_FILE_ENV, SigningKey, load_signing_key
from evalstats.run.verify import verify_report

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE = FIXTURES / "run_fixture.ipynb"
DEMO = ROOT / "data" / "raw"
KEY = "5f1c0e9a7b3d4c2e8f6a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e"  # 64 hex digits
OTHER = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
TABLE = "tables/ranking.csv"
WORKBOOK = "report_2026H1_half-year.xlsx"

_spec = importlib.util.spec_from_file_location("run_server", FIXTURES / "run_server.py")
run_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_server)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def key_id(secret: str) -> str:
    return hmac.new(secret.encode(), b"evalstats key id", "sha256").hexdigest()[:12]


@pytest.fixture
def publish(tmp_path, monkeypatch):
    """Publish a half-year report of a copy of 2026H1 (signed when ``key`` is given)."""
    monkeypatch.setattr(run_step, "run_notebook", run_server.fake_execute)
    monkeypatch.setattr(run_step, "start_kernel", run_server.no_early_kernel)
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    raw = tmp_path / "raw"
    shutil.copytree(DEMO / "2026H1", raw / "2026H1")

    def run(key: str | None = None, lang: str | None = None) -> Path:
        if key is not None:
            monkeypatch.setenv(KEY_ENV, key)
        try:
            result = runmod.run_analysis(
                "half-year",
                cycle="2026H1",
                data=raw,
                out=tmp_path / "reports",
                progress=False,
                notebook=FIXTURE,
                lang=lang,
            )
        finally:
            monkeypatch.delenv(KEY_ENV, raising=False)
        return result.report_dir

    run.raw = raw
    return run


def verify_cli(folder, capsys, *extra, key: str | None = None, monkeypatch=None):
    if key is not None:
        monkeypatch.setenv(KEY_ENV, key)
    capsys.readouterr()
    try:
        code = main(["verify", str(folder), *extra])
    finally:
        if key is not None:
            monkeypatch.delenv(KEY_ENV)
    got = capsys.readouterr()
    return code, got.out.splitlines(), got.err


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text("utf-8"))


def rewrite_manifest(folder: Path, m: dict) -> None:
    (folder / "manifest.json").write_text(json.dumps(m, ensure_ascii=False, indent=2), "utf-8")


def rehash(folder: Path, *names: str) -> None:
    """What a careful editor does: rewrite the sha256 and size of files in the manifest."""
    m = manifest_of(folder)
    for o in m["outputs"]:
        if o["path"] in names:
            o["sha256"] = sha(folder / o["path"])
            o["size"] = (folder / o["path"]).stat().st_size
    rewrite_manifest(folder, m)


def edit_table(folder: Path) -> None:
    table = folder / TABLE
    text = table.read_bytes()
    assert b"a,3" in text
    table.write_bytes(text.replace(b"a,3", b"a,9"))


def carried_codes(folder: Path) -> dict[str, str]:
    """The check code as each document shows it, read without the package's reader."""
    import openpyxl

    html = (folder / "report.html").read_text("utf-8")
    footer = re.search(r'<footer class="evalstats-note">(.*?)</footer>', html, re.S).group(1)
    wb = openpyxl.load_workbook(folder / WORKBOOK)
    about = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(max_col=2, values_only=True)}
    # a Chinese document names no file, path or command beside the code itself
    line = re.search(r"<p>(表格校验码 [0-9a-f]+：[^<]*)</p>", footer).group(1)
    assert not re.search(r"[A-Za-z/*]", line.split("：", 1)[1]), line
    assert not re.search(r"[A-Za-z/*]", about["表格校验码"].split("（", 1)[1]), about
    return {
        "summary": json.loads((folder / "summary.json").read_text("utf-8"))["tables_digest"],
        "footer": re.search(r"<p>表格校验码 ([0-9a-f]+)：", footer).group(1),
        "page": re.search(r'@bottom-left \{ content: "表格校验码 ([0-9a-f]+)"', html).group(1),
        "workbook": re.match(r"([0-9a-f]+)（", about["表格校验码"]).group(1),
    }


def expected_code(folder: Path) -> str:
    lines = "".join(
        f"{sha(p)}  tables/{p.name}\n" for p in sorted((folder / "tables").glob("*.csv"))
    )
    return hashlib.sha256(lines.encode()).hexdigest()[:12]


# ---------------------------------------------------------------------- signing
def test_signed_report_verifies(publish, capsys, monkeypatch):
    folder = publish(key=KEY)
    m = manifest_of(folder)
    assert m["signature"] == {
        "algorithm": "HMAC-SHA256",
        "key_id": key_id(KEY),
        "file": "manifest.sig",
    }
    # the signature: HMAC-SHA256 of the canonical JSON, recomputed here without the package
    canonical = json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    mac = hmac.new(KEY.encode(), canonical.encode("utf-8"), "sha256").hexdigest()
    assert (folder / "manifest.sig").read_text("ascii") == mac + "\n"
    assert "manifest.sig" not in [o["path"] for o in m["outputs"]]
    v = verify_report(folder, key=KEY)
    assert v.ok and v.signature.status == "valid" and v.differences == ()
    code, lines, err = verify_cli(folder, capsys, key=KEY, monkeypatch=monkeypatch)
    assert (code, err) == (0, "")
    assert lines[1] == f"签名有效：清单由签名密钥（指纹 {key_id(KEY)}）签发，签名后没有改动。"
    assert lines[-1].startswith("一致：")
    code, lines, _ = verify_cli(folder, capsys, "--lang", "en", key=KEY, monkeypatch=monkeypatch)
    assert code == 0
    assert lines[1] == (
        f"signature valid: the manifest was signed with the signing key (fingerprint "
        f"{key_id(KEY)}) and has not changed since."
    )
    # re-indenting the manifest does not break the signature (it signs the canonical form)
    rewrite_manifest(folder, m)
    assert verify_report(folder, key=KEY).ok
    # without the key: signed, cannot be checked, accidental change only
    code, lines, _ = verify_cli(folder, capsys)
    assert code == 0
    assert lines[1] == (
        f"无法核对签名：报告已签名（密钥指纹 {key_id(KEY)}），但没有设置签名密钥"
        "（EVALSTATS_SIGNING_KEY / EVALSTATS_SIGNING_KEY_FILE）。以下核对只能发现意外改动和"
        "单独改动的表格，不能发现能改写整个文件夹的人所作的伪造。"
    )


def test_check_code_in_every_document(publish, capsys):
    folder = publish()
    code = expected_code(folder)
    assert carried_codes(folder) == dict.fromkeys(("summary", "footer", "page", "workbook"), code)
    v = verify_report(folder)
    assert v.ok and v.check_code == code and v.check_code_carried
    assert verify_cli(folder, capsys)[1][2] == (
        f"表格校验码 {code}：与网页报告、工作簿和 summary.json 中的相符。"
    )


def test_check_code_of_an_english_report(publish):
    from evalstats.run.verify import carried_check_codes

    folder = publish(lang="en")
    code = expected_code(folder)
    html = (folder / "report.html").read_text("utf-8")
    assert f"<p>Tables check code {code}: a digest of all the data tables" in html
    assert f'@bottom-left {{ content: "Tables check code {code}"' in html
    docs = ["report.html", WORKBOOK, "summary.json"]
    assert carried_check_codes(folder, docs) == dict.fromkeys(docs, code)
    assert verify_report(folder).ok


# ---------------------------------------------------------------------- tampering
def test_edited_table_with_rewritten_hash_is_caught_unsigned(publish, capsys):
    """The issue's case: on main verify said 一致 (exit 0)."""
    folder = publish()
    old = expected_code(folder)
    edit_table(folder)
    rehash(folder, TABLE)
    new = expected_code(folder)
    v = verify_report(folder)
    assert not v.ok
    assert [(d.kind, d.path, d.recorded_sha256, d.found_sha256) for d in v.differences] == [
        ("check_code_changed", "report.html", old, new),
        ("check_code_changed", WORKBOOK, old, new),
        ("check_code_changed", "summary.json", old, new),
    ]
    code, lines, err = verify_cli(folder, capsys)
    assert (code, err) == (1, "")
    assert lines[2] == (
        f"表格校验码不符：report.html（其中为 {old}，按表格重算为 {new}：表格在报告生成后被改动）"
    )
    assert lines[-1] == "不一致：发现 3 处不符（见上），其中 3 处是表格校验码不符。"
    code, lines, _ = verify_cli(folder, capsys, "--lang", "en")
    assert code == 1
    assert lines[2] == (
        f"tables check code does not match: report.html (carries {old}, the tables give "
        f"{new}: a table was changed after the report was made)"
    )
    assert (
        lines[-1]
        == "3 difference(s) (listed above), 3 of them a tables check code that no longer matches."
    )


def test_edited_table_with_rewritten_hash_is_caught_signed(publish, capsys, monkeypatch):
    folder = publish(key=KEY)
    edit_table(folder)
    rehash(folder, TABLE)
    v = verify_report(folder, key=KEY)
    assert v.signature.status == "forged" and not v.ok
    code, lines, _ = verify_cli(folder, capsys, key=KEY, monkeypatch=monkeypatch)
    assert code == 1
    assert lines[1] == (
        "签名被伪造：清单或 manifest.sig 在签名后被改动，与签名密钥（指纹 "
        f"{key_id(KEY)}）算出的签名不符。"
    )
    assert lines[-1].startswith("不可信：清单的签名不成立（见上），不能据它证明报告没有被改动。")


def forge_everything(folder: Path) -> None:
    """A forger who can write the folder: edit the table, then rewrite the check code in
    every document and every hash in the manifest."""
    import openpyxl

    old = expected_code(folder)
    edit_table(folder)
    new = expected_code(folder)
    summary = folder / "summary.json"
    summary.write_text(summary.read_text("utf-8").replace(old, new), "utf-8")
    html = folder / "report.html"
    html.write_text(html.read_text("utf-8").replace(old, new), "utf-8")
    wb = openpyxl.load_workbook(folder / WORKBOOK)
    for row in wb.worksheets[0].iter_rows(max_col=2):
        if row[0].value == "表格校验码":
            row[1].value = row[1].value.replace(old, new)
    wb.save(folder / WORKBOOK)
    rehash(folder, TABLE, "summary.json", "report.html", WORKBOOK)


def test_a_forger_is_caught_only_with_the_key(publish, capsys, monkeypatch):
    folder = publish(key=KEY)
    forge_everything(folder)
    # unsigned check: nothing to see, and verify says it cannot tell
    v = verify_report(folder)
    assert v.differences == () and v.signature.status == "unchecked" and v.ok
    code, lines, _ = verify_cli(folder, capsys)
    assert code == 0
    assert "无法核对签名" in lines[1] and "不能发现能改写整个文件夹的人所作的伪造" in lines[1]
    code, lines, _ = verify_cli(folder, capsys, "--lang", "en")
    assert "the signature cannot be checked" in lines[1]
    assert "detects accidental change and a table edited alone only" in lines[1]
    # with the key: forged
    assert verify_report(folder, key=KEY).signature.status == "forged"
    code, lines, _ = verify_cli(folder, capsys, key=KEY, monkeypatch=monkeypatch)
    assert code == 1 and lines[1].startswith("签名被伪造：")


def test_stripped_signature(publish, capsys, monkeypatch):
    folder = publish(key=KEY)
    sig = (folder / "manifest.sig").read_bytes()
    m = manifest_of(folder)
    # manifest.sig removed: named as stripped, with or without the key
    (folder / "manifest.sig").unlink()
    for key in (None, KEY):
        v = verify_report(folder, key=key)
        assert (v.signature.status, v.signature.why, v.ok) == ("stripped", "sig_missing", False)
    code, lines, _ = verify_cli(folder, capsys)
    assert code == 1
    assert lines[1] == (
        f"签名被去掉：清单记录了签名（密钥指纹 {key_id(KEY)}），但 manifest.sig 不在。"
    )
    code, lines, _ = verify_cli(folder, capsys, "--lang", "en")
    assert lines[1] == (
        f"signature stripped: the manifest records a signature (key fingerprint {key_id(KEY)}) "
        "but manifest.sig is missing."
    )
    # the record removed, the signature file left: stripped too
    (folder / "manifest.sig").write_bytes(sig)
    rewrite_manifest(folder, {k: v for k, v in m.items() if k != "signature"})
    v = verify_report(folder)
    assert (v.signature.status, v.signature.why, v.ok) == ("stripped", "record_missing", False)
    code, lines, _ = verify_cli(folder, capsys)
    assert (code, lines[1]) == (1, "签名被去掉：有 manifest.sig，清单中却没有签名记录。")
    # both removed: with the key, the report cannot be shown to be the key holder's
    (folder / "manifest.sig").unlink()
    v = verify_report(folder, key=KEY)
    assert (v.signature.status, v.signature.why, v.ok) == ("stripped", "unsigned", False)
    code, lines, _ = verify_cli(folder, capsys, key=KEY, monkeypatch=monkeypatch)
    assert code == 1
    assert lines[1] == (
        f"签名被去掉或从未签名：设置了签名密钥（指纹 {key_id(KEY)}），这份报告却没有签名，"
        "不能证明它出自持有密钥的一方。"
    )
    # ... and without it, an unsigned report, which verify says it cannot check
    v = verify_report(folder)
    assert v.signature.status == "unsigned" and v.ok


def test_signed_with_another_key(publish, capsys, monkeypatch):
    folder = publish(key=OTHER)
    v = verify_report(folder, key=KEY)
    assert (v.signature.status, v.signature.recorded_key_id, v.ok) == (
        "other_key",
        key_id(OTHER),
        False,
    )
    code, lines, _ = verify_cli(folder, capsys, "--lang", "en", key=KEY, monkeypatch=monkeypatch)
    assert code == 1
    assert lines[1] == (
        f"signed with another key (fingerprint {key_id(OTHER)}), not the signing key set here "
        f"(fingerprint {key_id(KEY)}): the signature cannot be checked."
    )
    code, lines, _ = verify_cli(folder, capsys, key=KEY, monkeypatch=monkeypatch)
    assert lines[1] == (
        f"用另一把密钥签名（指纹 {key_id(OTHER)}），不是这里设置的签名密钥（指纹 "
        f"{key_id(KEY)}）：无法核对这个签名。"
    )


# ---------------------------------------------------------------------- the key's rules
def test_key_rules(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    how = (
        "set EVALSTATS_SIGNING_KEY to a secret of at least 32 bytes, or "
        "EVALSTATS_SIGNING_KEY_FILE to a key file outside the project (make one with: "
        'python -c "import secrets; print(secrets.token_hex(32))" > '
        "~/.config/evalstats/signing.key)"
    )
    assert load_signing_key() is None
    monkeypatch.setenv(KEY_ENV, "0123456789abcdef0123456789abcde")  # 31 bytes
    with pytest.raises(UsageError) as info:
        load_signing_key()
    assert str(info.value) == (
        f"the signing key from environment variable {KEY_ENV} is too short (31 bytes); use at "
        f"least 32 bytes: {how}"
    )
    outside = tmp_path / "outside"
    outside.mkdir()
    f = outside / "signing.key"
    f.write_text(KEY + "\n", encoding="utf-8")
    monkeypatch.setenv(KEY_FILE_ENV, str(f))
    with pytest.raises(UsageError) as info:
        load_signing_key()
    assert str(info.value) == (
        "both EVALSTATS_SIGNING_KEY and EVALSTATS_SIGNING_KEY_FILE are set; set only one of them"
    )
    monkeypatch.delenv(KEY_ENV)
    k = load_signing_key()
    assert k.secret == KEY.encode() and k.key_id == key_id(KEY)
    assert repr(k) == f"SigningKey(key_id='{key_id(KEY)}', source='key file {f.resolve()}')"
    assert KEY not in repr(k) and KEY not in str(k)
    data = tmp_path / "data"
    (data / "2026H1").mkdir(parents=True)
    g = data / "2026H1" / "signing.key"
    g.write_text(KEY, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_signing_key(key_file=g, data_folders=[data])
    assert str(info.value) == (
        f"the signing key file {g.resolve()} is inside the data folder {data.resolve()}; keep it "
        "outside the data and the project (e.g. ~/.config/evalstats/signing.key), so it is "
        "never copied or published with the data"
    )
    inside = ROOT / "tests" / "fixtures"  # the project (a git working tree)
    with pytest.raises(UsageError, match=r"^the signing key file .* is inside the (project|git)"):
        load_signing_key(key_file=inside / "run_fixture.ipynb")


def test_a_bad_key_stops_the_run_before_anything_is_written(publish, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "short key")
    capsys.readouterr()
    code = main(
        [
            "run",
            "half-year",
            "--cycle",
            "2026H1",
            "--data",
            str(publish.raw),
            "--out",
            str(tmp_path / "reports"),
            "--notebook",
            str(FIXTURE),
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "the signing key from environment variable EVALSTATS_SIGNING_KEY is too short" in err
    assert not (tmp_path / "reports" / "2026H1" / "half-year").exists()
    # verify refuses a bad key the same way (exit 2)
    monkeypatch.delenv(KEY_ENV)
    folder = publish()
    monkeypatch.setenv(KEY_ENV, "short key")
    capsys.readouterr()
    assert main(["verify", str(folder)]) == 2
    assert "is too short (9 bytes)" in capsys.readouterr().err


def _every_byte(folder: Path) -> bytes:
    """Every file under ``folder``, workbooks unzipped."""
    out = []
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        out.append(p.read_bytes())
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                out += [z.read(n) for n in z.namelist()]
    return b"\n".join(out)


def test_the_key_is_never_printed_or_written(publish, tmp_path, capsys, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    f = outside / "signing.key"
    f.write_text(KEY, encoding="utf-8")
    monkeypatch.setenv(KEY_FILE_ENV, str(f))
    capsys.readouterr()
    argv = ["--data", str(publish.raw), "--out", str(tmp_path / "reports")]
    code = main(
        [
            "run",
            "half-year",
            "--cycle",
            "2026H1",
            *argv,
            "--notebook",
            str(FIXTURE),
            "--no-progress",
        ]
    )
    got = capsys.readouterr()
    assert code == 0, got.err
    folder = tmp_path / "reports" / "2026H1" / "half-year"
    # the run names the signature and the key's fingerprint, never the key
    assert f"  签名：    {folder / 'manifest.sig'}（HMAC-SHA256，密钥指纹 {key_id(KEY)}）" in (
        got.out.splitlines()
    )
    assert verify_report(folder).signature.status == "valid"
    assert main(["verify", str(folder)]) == 0
    assert main(["verify", str(folder), "--lang", "en"]) == 0
    got2 = capsys.readouterr()
    needles = [KEY.encode(), KEY.encode("utf-16-le"), bytes.fromhex(KEY)]
    for text in (got.out, got.err, got2.out, got2.err):
        assert KEY not in text
    blob = _every_byte(tmp_path / "reports")  # the report, its log, staging leftovers, …
    assert key_id(KEY).encode() in blob  # the fingerprint is recorded …
    assert not any(n in blob for n in needles)  # … the key never


def test_the_kernel_never_inherits_the_signing_key(monkeypatch):
    import asyncio

    from jupyter_client import AsyncKernelManager

    from evalstats.core.memory import allocator_env

    seen = {}

    async def fake_start(self, **kw):
        seen.update(kw)

    monkeypatch.setattr(AsyncKernelManager, "start_kernel", fake_start)
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.setenv("EVALSTATS_PSEUDONYM_KEY", OTHER)
    km = runmod.kernel_manager_class()(kernel_name=runmod.KERNEL_NAME)
    asyncio.run(km.start_kernel())
    assert KEY_ENV not in seen["env"] and seen["env"]["EVALSTATS_PSEUDONYM_KEY"] == OTHER
    seen.clear()
    asyncio.run(km.start_kernel(env={KEY_FILE_ENV: "/k", "MPLBACKEND": "Agg"}))  # the letters'
    assert seen["env"] == {"MPLBACKEND": "Agg", **allocator_env()}  # the allocators' settings
    seen.clear()
    asyncio.run(km.start_kernel(env={"MALLOC_ARENA_MAX": "4"}))  # the user's setting wins
    assert seen["env"] == {**allocator_env(), "MALLOC_ARENA_MAX": "4"}


# ---------------------------------------------------------------------- the letters
def test_letters_sign_their_manifest(tmp_path, monkeypatch, capsys):
    """``evalstats letters`` signs as the runner does (units written by a stand-in)."""

    async def fake_units(batch, staging, *, progress):
        out = {}
        for u in batch.units:
            (staging / f"{batch.stems[u]}.html").write_text(f"<p>{u}</p>", "utf-8")
            out[u] = letters_batch._Outcome(unit=u, ok=True, row=f"unit\n{u}\n".encode())
        return out

    monkeypatch.setattr(letters_batch, "_run_units", fake_units)
    monkeypatch.setenv(KEY_ENV, KEY)
    r = letters_batch.write_letters("2026A", units="finance_office", out=tmp_path, progress=False)
    m = json.loads(r.manifest.read_text("utf-8"))
    assert m["signature"]["key_id"] == key_id(KEY)
    assert (r.folder / "manifest.sig").is_file()
    v = verify_report(r.folder)
    assert v.signature.status == "valid" and v.ok, v.lines(lang="en")
    monkeypatch.delenv(KEY_ENV)
    assert verify_report(r.folder).signature.status == "unchecked"
    assert verify_report(r.folder, key=OTHER).signature.status == "other_key"


def test_signing_unit():
    k = SigningKey.from_secret(KEY)
    m = {"b": [1, 2.5], "a": "末位", "c": {"z": None, "y": True}}
    assert signing.canonical_json(m) == '{"a":"末位","b":[1,2.5],"c":{"y":true,"z":null}}'.encode()
    assert (
        signing.signature_hex(m, k)
        == hmac.new(KEY.encode(), signing.canonical_json(m), "sha256").hexdigest()
    )
    assert signing.kernel_environment({KEY_ENV: "x", KEY_FILE_ENV: "y", "A": "1"}) == {"A": "1"}
