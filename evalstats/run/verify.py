"""Check a published report against its manifest: ``evalstats verify reports/<cycle>/<analysis>``.

A report's ``manifest.json`` (written by :mod:`evalstats.run.runner`) records the sha256 of every
input file, of the scheme, of the notebook and of every output.  :func:`verify_report` checks
the manifest's signature first (:mod:`evalstats.run.signing`: valid, forged, stripped, another
key's, or — without a key — that it cannot be checked), hashes the files again, recomputes the
tables' check code (表格校验码) and compares it with the one the HTML report, the workbook and
``summary.json`` carry, and lists each difference:

============== ============================================================================
kind           meaning
============== ============================================================================
input_changed  an input file's bytes differ from the run's (path, recorded → found sha256)
input_missing  an input file the run read is gone
input_added    a file in a cycle folder of the run that the run did not read (a rerun would)
scheme_changed the scheme file (or the bundled scheme) differs from the run's
scheme_missing the scheme file the run read is gone
notebook_*     the same for the analysis notebook
output_*       a report file changed or missing; ``output_extra``: a file of the report
               folder that the manifest does not list
check_code_*   a document carries a check code the tables do not give (a table edited
               after the report was made, even with its hash rewritten in the manifest),
               or carries none while the others do
============== ============================================================================

Without a signing key this finds accidental change and a table edited alone; it cannot find a
forger who rewrites the tables, the documents and the manifest together — only the signature
can, and only with the key.

Paths are read as the runner records them: data inputs relative to ``data_dir``, the scheme
file absolute, the notebook relative to ``project_root`` (the root of the run; the current
project root for manifests written before it was recorded) or, with ``source`` ``package``, the
notebook the installed package carries, outputs relative to the report folder.  A staging
folder (under ``<out>/.staging/``) is never taken for a report.  Office lock files (``~$…``,
made by Excel or WPS while a file is open) are not counted as extra files, as the runner does
not read them as inputs.

Examples
--------
>>> from evalstats.run.verify import verify_report
>>> v = verify_report("reports/2026H1/half-year")  # doctest: +SKIP
>>> v.ok, v.to_frame().columns.tolist()  # doctest: +SKIP
(True, ['kind', 'path', 'recorded_sha256', 'found_sha256'])
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from evalstats.core.cycles import check_cycle
from evalstats.core.errors import EvalstatsError, UsageError
from evalstats.core.files import inside, sha256_file
from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS
from evalstats.run.publish import MANIFEST_FILE, STAGING_RE, input_files
from evalstats.run.signing import KEY_ENV as SIGNING_KEY_ENV
from evalstats.run.signing import KEY_FILE_ENV as SIGNING_KEY_FILE_ENV
from evalstats.run.signing import (
    SIGNATURE_FILE,
    TABLES_DIGEST,
    SignatureCheck,
    check_signature,
    load_signing_key,
    tables_digest,
)

KINDS = (
    "input_changed",
    "input_missing",
    "input_added",
    "scheme_changed",
    "scheme_missing",
    "notebook_changed",
    "notebook_missing",
    "output_changed",
    "output_missing",
    "output_extra",
    "check_code_changed",
    "check_code_missing",
)
"""Kinds of :class:`Difference`, in the order they are reported."""
BUNDLED_PREFIX = "<bundled>/"
OFFICE_LOCK_PREFIX = "~$"
"""Excel and WPS create ``~$<name>`` beside a file they have open: not an extra file."""

_TEXT = {
    "input_changed": ("输入文件已改动", "input changed"),
    "input_missing": ("输入文件缺失", "input missing"),
    "input_added": ("新增的输入文件（清单中没有，重新运行会读到它）", "input added"),
    "scheme_changed": ("评议方案已改动", "scheme changed"),
    "scheme_missing": ("评议方案文件缺失", "scheme missing"),
    "notebook_changed": ("分析笔记本已改动", "notebook changed"),
    "notebook_missing": ("分析笔记本缺失", "notebook missing"),
    "output_changed": ("报告文件已改动", "output changed"),
    "output_missing": ("报告文件缺失", "output missing"),
    "output_extra": ("多出的文件（清单中没有）", "extra file, not in the manifest"),
    "check_code_changed": ("表格校验码不符", "tables check code does not match"),
    "check_code_missing": ("缺少表格校验码", "tables check code missing"),
}
_EN_ADDED = " (not in the manifest; a rerun would read it)"


class UntrustedManifest(EvalstatsError):
    """A manifest names a file it may not name: an output outside the report folder, an input
    outside the data folder, a ``..``, a link leading out, a device or FIFO (``/dev/zero``).

    Nothing is hashed against such a manifest: ``evalstats verify`` stops with exit 1.
    """


@dataclass(frozen=True)
class Difference:
    """One way the report or its inputs differ from the manifest.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    path : str
        The path as the manifest records it (an added or extra file: as found).
    recorded_sha256, found_sha256 : str or None
        The sha256 in the manifest and the sha256 now (None when there is none).
    """

    kind: str
    path: str
    recorded_sha256: str | None = None
    found_sha256: str | None = None

    def describe(self, *, lang: str = "zh") -> str:
        """The difference in one line of plain language.

        Examples
        --------
        >>> Difference("output_missing", "tables/scores.csv", "ab12").describe(lang="en")
        'output missing: tables/scores.csv (recorded sha256 ab12)'
        """
        zh = check_option("lang", lang, LANGS) == "zh"
        label = _TEXT[self.kind][0 if zh else 1]
        if self.kind == "input_added" and not zh:
            return f"{label}: {self.path}{_EN_ADDED}"
        if self.kind == "check_code_changed":
            return (
                f"{label}：{self.path}（其中为 {self.recorded_sha256}，按表格重算为 "
                f"{self.found_sha256}：表格在报告生成后被改动）"
                if zh
                else f"{label}: {self.path} (carries {self.recorded_sha256}, the tables give "
                f"{self.found_sha256}: a table was changed after the report was made)"
            )
        if self.kind == "check_code_missing":
            return (
                f"{label}：{self.path}（按表格重算为 {self.found_sha256}）"
                if zh
                else f"{label}: {self.path} (the tables give {self.found_sha256})"
            )
        if self.recorded_sha256 and self.found_sha256:
            change = f"sha256 {self.recorded_sha256} → {self.found_sha256}"
            return f"{label}：{self.path}（{change}）" if zh else f"{label}: {self.path} ({change})"
        if self.recorded_sha256:
            return (
                f"{label}：{self.path}（清单记录的 sha256 {self.recorded_sha256}）"
                if zh
                else f"{label}: {self.path} (recorded sha256 {self.recorded_sha256})"
            )
        return f"{label}：{self.path}" if zh else f"{label}: {self.path}"


NOT_SIGNED = SignatureCheck("unsigned")
"""The signature check of a report without a signature, verified without a key."""


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_report` found.

    Attributes
    ----------
    folder : Path
        The report folder.
    manifest : Mapping
        Its ``manifest.json``.
    n_inputs, n_outputs : int
        Input files and outputs the manifest lists (the scheme file, when one was given, is
        among the inputs).
    differences : tuple of Difference
        Empty when everything matches.
    signature : SignatureCheck
        What the signature check found (:func:`evalstats.run.signing.check_signature`).
    check_code : str or None
        The tables' check code recomputed from ``tables/*.csv`` (None without tables).
    check_code_carried : bool
        Whether the documents carry a check code (reports made before it carry none).
    """

    folder: Path
    manifest: Mapping
    n_inputs: int
    n_outputs: int
    differences: tuple
    signature: SignatureCheck = NOT_SIGNED
    check_code: str | None = None
    check_code_carried: bool = False

    @property
    def ok(self) -> bool:
        """True when the signature holds (or none is expected) and nothing differs."""
        return self.signature.ok and not self.differences

    def to_frame(self):
        """One row per difference: ``kind, path, recorded_sha256, found_sha256``."""
        import pandas as pd

        columns = ["kind", "path", "recorded_sha256", "found_sha256"]
        rows = [(d.kind, d.path, d.recorded_sha256, d.found_sha256) for d in self.differences]
        return pd.DataFrame(rows, columns=columns, dtype=object)

    def lines(self, *, lang: str = "zh") -> list[str]:
        """The report of the check, in plain language: a heading, the signature, a line per
        difference, the check code, and a conclusion."""
        zh = check_option("lang", lang, LANGS) == "zh"
        m = self.manifest
        started = (m.get("run") or {}).get("started", "?")
        analysis = m.get("analysis", "?")
        labels = {"half-year": ("半年测评", "half-year"), "annual": ("年度测评", "annual")}
        analysis = labels.get(analysis, (analysis, analysis))[0 if zh else 1]
        what = f"{m.get('cycle', '?')} {analysis}"
        out = [
            f"核对报告 {self.folder}（{what}，运行于 {started}）"
            if zh
            else f"checking the report {self.folder} ({what}, run {started})"
        ]
        out.append(signature_line(self.signature, lang=lang))
        out += [d.describe(lang=lang) for d in self.differences]
        code_changed = any(d.kind.startswith("check_code") for d in self.differences)
        if self.check_code is not None and not code_changed:
            out.append(self._code_line(zh))
        n = len(self.differences)
        if self.ok:
            out.append(
                f"一致：清单记录的 {self.n_inputs} 个输入文件、评议方案、分析笔记本和 "
                f"{self.n_outputs} 个报告文件都没有改动。"
                if zh
                else f"everything matches: the {self.n_inputs} input file(s), the scheme, the "
                f"notebook and the {self.n_outputs} report file(s) are as the manifest records."
            )
        elif not self.signature.ok:
            more = (
                (f"另有 {n} 处与清单不同。" if zh else f" {n} difference(s) besides.") if n else ""
            )
            out.append(
                f"不可信：清单的签名不成立（见上），不能据它证明报告没有被改动。{more}"
                if zh
                else "not trustworthy: the manifest's signature does not hold (see above); it "
                f"proves nothing about the report.{more}"
            )
        elif code_changed:
            b = sum(d.kind.startswith("check_code") for d in self.differences)
            out.append(
                f"不一致：发现 {n} 处不符（见上），其中 {b} 处是表格校验码不符。"
                if zh
                else f"{n} difference(s) (listed above), {b} of them a tables check code "
                "that no longer matches."
            )
        else:
            out.append(
                f"不一致：发现 {n} 处与清单不同（见上）。"
                if zh
                else f"{n} difference(s) from the manifest (listed above)."
            )
        return out

    def _code_line(self, zh: bool) -> str:
        """The line on the check code, when it matches (or no document carries one)."""
        code = self.check_code
        if self.check_code_carried:
            return (
                f"表格校验码 {code}：与网页报告、工作簿和 summary.json 中的相符。"
                if zh
                else f"tables check code {code}: the same in the HTML report, the workbook and "
                "summary.json."
            )
        return (
            "这份报告的文件没有表格校验码（早于表格校验码）：表格只按清单核对。"
            if zh
            else "the report's documents carry no tables check code (made before it existed): the "
            "tables are checked against the manifest only."
        )


_LIMITS = (
    "以下核对只能发现意外改动和单独改动的表格，不能发现能改写整个文件夹的人所作的伪造。",
    "this check detects accidental change and a table edited alone only, not a forgery by "
    "someone who can write the whole folder.",
)


def signature_line(check: SignatureCheck, *, lang: str = "zh") -> str:
    """What the signature check found, in one line (:class:`Verification`'s second line).

    Examples
    --------
    >>> signature_line(SignatureCheck("unsigned"), lang="en")[:37]
    'not signed, and no signing key is set'
    """
    zh = check_option("lang", lang, LANGS) == "zh"
    rec, ours, why = check.recorded_key_id, check.key_id, check.why
    env = f"{SIGNING_KEY_ENV} / {SIGNING_KEY_FILE_ENV}"
    zh_text = {
        "valid": f"签名有效：清单由签名密钥（指纹 {ours}）签发，签名后没有改动。",
        "forged": f"签名被伪造：清单或 {SIGNATURE_FILE} 在签名后被改动，与签名密钥（指纹 "
        f"{ours}）算出的签名不符。",
        "other_key": f"用另一把密钥签名（指纹 {rec}），不是这里设置的签名密钥（指纹 {ours}）："
        "无法核对这个签名。",
        "unchecked": f"无法核对签名：报告已签名（密钥指纹 {rec}），但没有设置签名密钥"
        f"（{env}）。{_LIMITS[0]}",
        "unsigned": f"没有签名，也没有设置签名密钥（{env}），无法核对签名：{_LIMITS[0]}",
    }
    en_text = {
        "valid": f"signature valid: the manifest was signed with the signing key (fingerprint "
        f"{ours}) and has not changed since.",
        "forged": f"signature forged: the manifest or {SIGNATURE_FILE} changed after signing; "
        f"it does not match the signing key (fingerprint {ours}).",
        "other_key": f"signed with another key (fingerprint {rec}), not the signing key set "
        f"here (fingerprint {ours}): the signature cannot be checked.",
        "unchecked": f"the signature cannot be checked: the report is signed (key fingerprint "
        f"{rec}) but no signing key is set ({env}); {_LIMITS[1]}",
        "unsigned": f"not signed, and no signing key is set ({env}): the signature cannot be "
        f"checked; {_LIMITS[1]}",
    }
    stripped = {
        "sig_missing": (
            f"签名被去掉：清单记录了签名（密钥指纹 {rec}），但 {SIGNATURE_FILE} 不在。",
            f"signature stripped: the manifest records a signature (key fingerprint {rec}) but "
            f"{SIGNATURE_FILE} is missing.",
        ),
        "record_missing": (
            f"签名被去掉：有 {SIGNATURE_FILE}，清单中却没有签名记录。",
            f"signature stripped: {SIGNATURE_FILE} is there but the manifest records no signature.",
        ),
        "unsigned": (
            f"签名被去掉或从未签名：设置了签名密钥（指纹 {ours}），这份报告却没有签名，"
            "不能证明它出自持有密钥的一方。",
            f"signature stripped or never made: a signing key is set (fingerprint {ours}) but "
            "the report carries no signature; it cannot be shown to come from the key's holder.",
        ),
    }
    if check.status == "stripped":
        return stripped[why][0 if zh else 1]
    return (zh_text if zh else en_text)[check.status]


# ====================================================================== checking
def _sha256_or_none(path: Path) -> str | None:
    """:func:`~evalstats.core.files.sha256_file`, or None for a file that is not there."""
    try:
        return sha256_file(path)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def _extra_sha256(folder: Path, rel: str) -> str | None:
    """The sha256 of an extra file of the report folder; None for a link leading out of it."""
    path = folder / rel
    return _sha256_or_none(path) if inside(path, folder) else None


def _is_staging(folder: Path) -> bool:
    if ".staging" in folder.parts:
        return True
    return bool(STAGING_RE.match(folder.name)) and (
        folder.with_name(folder.name + ".publish").exists() or folder.parent.name == ".staging"
    )


def _read_manifest(folder: Path, shown: str) -> dict:
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise UsageError(
            f"{shown} has no {MANIFEST_FILE}: it is not a report published by evalstats run",
            zh=f"{shown} 中没有 {MANIFEST_FILE}：它不是 evalstats run 发布的报告",
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"{shown}/{MANIFEST_FILE} is not valid JSON ({exc}); cannot verify"
        ) from None
    missing = [k for k in ("inputs", "outputs", "scheme", "data_dir") if k not in manifest]
    if not isinstance(manifest, dict) or missing:
        raise UsageError(
            f"{shown}/{MANIFEST_FILE} lacks {', '.join(missing) or 'its fields'}; it is not a "
            "report manifest, cannot verify"
        )
    return manifest


def _untrusted(shown: str, role: str, named, why: str, why_zh: str) -> UntrustedManifest:
    role_zh = {"output": "报告文件", "input": "输入文件", "scheme": "方案文件"}.get(role, "文件")
    role_zh = {"notebook": "笔记本", "cycle": "期次", "data folder": "数据文件夹"}.get(
        role, role_zh
    )
    return UntrustedManifest(
        f"{shown}/{MANIFEST_FILE} names the {role} {named!r}, {why}: the manifest is not "
        "trustworthy; nothing was checked against it",
        zh=f"{shown}/{MANIFEST_FILE} 中记录的{role_zh} {named!r}{why_zh}：这份清单不可信，"
        "没有据它核对任何文件",
    )


def _checked_path(shown: str, role: str, named, base: Path | None, *, suffix=None) -> Path:
    """The file a manifest entry names, refused (:class:`UntrustedManifest`) unless it is a
    plain path — relative and without ``..`` when ``base`` is given, and then inside ``base``,
    links followed — with the expected ``suffix``, and, when it exists, a regular file."""
    if not isinstance(named, str) or not named or "\x00" in named:
        raise _untrusted(shown, role, named, "which is not a file name", "不是文件名")
    pure = PurePosixPath(named.replace("\\", "/"))
    if base is not None and (pure.is_absolute() or ".." in pure.parts or Path(named).is_absolute()):
        raise _untrusted(
            shown, role, named, f"which is not a plain path inside {base}", f"不在 {base} 之内"
        )
    if suffix is not None and pure.suffix.lower() != suffix:
        raise _untrusted(shown, role, named, f"which is not a {suffix} file", f"不是 {suffix} 文件")
    path = Path(named) if base is None else base / named
    if base is not None and not inside(path, base):
        raise _untrusted(
            shown, role, named, f"a link leading out of {base}", f"是指向 {base} 之外的链接"
        )
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return path  # missing: reported as such
    except OSError as exc:
        raise _untrusted(
            shown, role, named, f"which cannot be read ({exc.strerror})", "无法读取"
        ) from None
    if not stat.S_ISREG(mode):
        raise _untrusted(
            shown,
            role,
            named,
            "which is not a regular file (a folder, device or FIFO)",
            "不是普通文件（是文件夹、设备或管道）",
        )
    return path


def _is_scheme_entry(item: Mapping) -> bool:
    """The scheme file among a manifest's inputs: ``role`` ``scheme`` (reports), or an absolute
    ``.toml`` path (the letters' manifests record it without a role)."""
    named = item.get("path")
    if item.get("role") == "scheme":
        return True
    return isinstance(named, str) and named.endswith(".toml") and Path(named).is_absolute()


def _in_a_cycle_folder(named: str) -> bool:
    """True for ``<cycle id>/<file>``: how the runner and the letters record a data input."""
    parts = PurePosixPath(named).parts
    if len(parts) != 2:
        return False
    try:
        check_cycle(parts[0])
    except ValueError:
        return False
    return True


def _check_manifest(m: dict, shown: str, folder: Path, data_dir: Path, root: Path) -> None:
    """Refuse, before anything is hashed, a manifest naming a file it may not name: a data
    input is ``<cycle>/<file>`` inside a data folder that is not a filesystem root."""
    cycles = [c for c in m.get("cycles", [m.get("cycle")]) if c is not None]
    for cycle in cycles:
        try:
            check_cycle(cycle)
        except ValueError:
            raise _untrusted(
                shown, "cycle", cycle, "which is not a cycle id", "不是期次编号"
            ) from None
    if not data_dir.is_absolute() or data_dir.parent == data_dir:
        raise _untrusted(
            shown, "data folder", str(data_dir), "which is not a data folder", "不是数据文件夹"
        )
    for item in m["inputs"]:
        named = item.get("path")
        if _is_scheme_entry(item):
            _checked_path(shown, "scheme", named, None, suffix=".toml")
            continue
        _checked_path(shown, "input", named, data_dir)
        if not _in_a_cycle_folder(named):
            raise _untrusted(
                shown,
                "input",
                named,
                "which is not a file of a cycle folder (<cycle>/<file>)",
                "不是期次文件夹中的文件（<期次>/<文件>）",
            )
    notebook = m.get("notebook")
    if notebook and notebook.get("source") != "package":
        named = notebook.get("path")
        absolute = isinstance(named, str) and Path(named).is_absolute()
        base = None if absolute else root
        _checked_path(shown, "notebook", named, base, suffix=".ipynb")
    for o in m["outputs"]:
        _checked_path(shown, "output", o.get("path"), folder)


def _compare(kind: str, shown: str, recorded: str, path: Path) -> Difference | None:
    found = _sha256_or_none(path)
    if found is None:
        return Difference(f"{kind}_missing", shown, recorded, None)
    if found != recorded:
        return Difference(f"{kind}_changed", shown, recorded, found)
    return None


def verify_report(folder: str | Path, *, key=None) -> Verification:
    """Check a published report: its signature first, then inputs, scheme, notebook, outputs
    against its ``manifest.json``, then the tables against the check code of its documents.

    Parameters
    ----------
    folder : str or Path
        The report folder, ``reports/<cycle>/<analysis>`` (a kept ``….previous-<time>``
        folder too).  Relative paths resolve from the project root.
    key : SigningKey, str or bytes, optional
        The signing key (default: ``EVALSTATS_SIGNING_KEY`` / ``EVALSTATS_SIGNING_KEY_FILE``,
        or none).

    Returns
    -------
    Verification
        ``ok`` is True when the signature holds (or, without a key, none was stripped), every
        file hashes as the manifest records, no file was added, and the tables give the check
        code the HTML report, the workbook and ``summary.json`` carry.

    Raises
    ------
    UsageError
        No such folder; a staging folder (a run that has not published); no manifest, or a
        manifest that is not JSON or not a report manifest; a bad signing key (too short,
        both variables set, a key file inside the project or the data).
    UntrustedManifest
        The manifest names an output that is not a regular file inside the report folder, a
        data input that is not one inside the recorded data folder (``..``, an absolute path,
        a link leading out, ``/dev/zero``), a scheme that is not a ``.toml`` file or a
        notebook that is not an ``.ipynb`` file, or a cycle that is not a cycle id: nothing
        is hashed (exit 1).
    """
    from evalstats.core.config import project_root, resolve_path

    shown = str(folder)
    folder = resolve_path(folder)
    if not folder.is_dir():
        raise UsageError(f"{shown}: no such report folder", zh=f"{shown}：没有这个报告文件夹")
    if _is_staging(folder):
        raise UsageError(
            f"{shown} is a staging folder of a run that has not published, not a report; "
            "verify reports/<cycle>/<analysis>"
        )
    m = _read_manifest(folder, shown)
    root = Path(m.get("project_root") or project_root())
    data_dir = Path(m["data_dir"])
    signature = check_signature(folder, m, load_signing_key(key, data_folders=[data_dir]))
    _check_manifest(m, shown, folder, data_dir, root)
    diffs: list[Difference] = []

    # inputs (the scheme file, when one was given, is among them with role "scheme")
    recorded_inputs: set[Path] = set()
    for item in m["inputs"]:
        path = Path(item["path"])
        path = path if path.is_absolute() else data_dir / path
        recorded_inputs.add(path)
        kind = "scheme" if item.get("role") == "scheme" else "input"
        d = _compare(kind, item["path"], item["sha256"], path)
        if d is not None:
            diffs.append(d)
    folders = [data_dir / c for c in m.get("cycles", [m.get("cycle")]) if c]
    present = input_files([f for f in folders if f.is_dir()], [])
    diffs += [
        Difference("input_added", _shown_input(p, data_dir))
        for p in present
        if p not in recorded_inputs
    ]

    # the bundled scheme (a scheme file was checked above)
    scheme = m["scheme"]
    source = str(scheme.get("source", ""))
    if source.startswith(BUNDLED_PREFIX):
        from evalstats.core.scheme import default_scheme_path

        d = _compare("scheme", source, scheme["sha256"], default_scheme_path())
        if d is not None:
            diffs.append(d)

    # the notebook
    notebook = m.get("notebook")
    if notebook:
        path = Path(notebook["path"])
        if notebook.get("source") == "package":
            from evalstats.core.resources import package_dir

            path = package_dir("notebooks") / path.name
        d = _compare("notebook", notebook["path"], notebook["sha256"], root / path)
        if d is not None:
            diffs.append(d)

    # outputs
    listed = {o["path"]: o["sha256"] for o in m["outputs"]}
    for rel, sha in listed.items():
        d = _compare("output", rel, sha, folder / rel)
        if d is not None:
            diffs.append(d)
    on_disk = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(OFFICE_LOCK_PREFIX)
    )
    diffs += [
        Difference("output_extra", rel, None, _extra_sha256(folder, rel))
        for rel in on_disk
        if rel not in listed and rel not in (MANIFEST_FILE, SIGNATURE_FILE)
    ]

    # the tables against the check code their documents carry
    code = tables_digest(folder)
    carried = carried_check_codes(folder, list(listed)) if code is not None else {}
    if any(c is not None for c in carried.values()):
        diffs += [
            Difference("check_code_missing" if c is None else "check_code_changed", doc, c, code)
            for doc, c in carried.items()
            if c != code
        ]

    order = {k: i for i, k in enumerate(KINDS)}
    diffs.sort(key=lambda d: order[d.kind])
    return Verification(
        folder=folder,
        manifest=m,
        n_inputs=len(m["inputs"]),
        n_outputs=len(listed),
        differences=tuple(diffs),
        signature=signature,
        check_code=code,
        check_code_carried=any(c is not None for c in carried.values()),
    )


MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
"""The largest document (inflated, for a workbook) whose check code ``verify`` reads."""


def carried_check_codes(folder: Path, outputs: list[str]) -> dict[str, str | None]:
    """The check code each document of the report carries (None: it carries none).

    The documents are ``report.html`` (its footer's 表格校验码 / Tables check code line), the
    workbook (that row of its first sheet) and ``summary.json`` (``tables_digest``), those of
    them the manifest lists in ``outputs`` and the folder holds.  A document that cannot be
    read, or is larger than :data:`MAX_DOCUMENT_BYTES`, carries none.

    Examples
    --------
    >>> carried_check_codes(Path("/nowhere"), [])
    {}
    """
    from evalstats.run.runner.render import HTML_FILE, SUMMARY_FILE

    readers = {HTML_FILE: _html_code, SUMMARY_FILE: _summary_code}
    out: dict[str, str | None] = {}
    for rel in outputs:
        reader = readers.get(rel) or (
            _workbook_code if "/" not in rel and rel.endswith(".xlsx") else None
        )
        if reader is None:
            continue
        path = folder / rel
        if not path.is_file():
            continue  # missing: an output_missing difference already
        try:
            if path.stat().st_size > MAX_DOCUMENT_BYTES:
                out[rel] = None
                continue
            out[rel] = reader(path)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            out[rel] = None
    return out


def _summary_code(path: Path) -> str | None:
    summary = json.loads(path.read_text(encoding="utf-8"))
    code = summary.get(TABLES_DIGEST) if isinstance(summary, dict) else None
    return code if isinstance(code, str) else None


def _html_code(path: Path) -> str | None:
    """The code of the footer's check-code line (the last footer: comments cannot forge it)."""
    import html

    from evalstats.present.report.html import CHECK_CODE_RE

    text = path.read_text(encoding="utf-8", errors="replace")
    footers = re.findall(r'<footer class="evalstats-note">(.*?)</footer>', text, flags=re.S)
    if not footers:
        return None
    for para in re.findall(r"<p>(.*?)</p>", footers[-1], flags=re.S):
        m = CHECK_CODE_RE.match(html.unescape(para).strip())
        if m:
            return m.group(1)
    return None


def _workbook_code(path: Path) -> str | None:
    """The code on the 表格校验码 / Tables check code row of the workbook's first sheet."""
    import openpyxl

    from evalstats.present.report.html import CHECK_CODE_LABELS

    with zipfile.ZipFile(path) as z:
        if sum(i.file_size for i in z.infolist()) > MAX_DOCUMENT_BYTES:
            return None
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for row in wb.worksheets[0].iter_rows(max_col=2, max_row=200, values_only=True):
            if row and row[0] in CHECK_CODE_LABELS and isinstance(row[1], str):
                m = re.match(r"([0-9a-f]{6,64})\b", row[1])
                return m.group(1) if m else None
    finally:
        wb.close()
    return None


def _shown_input(path: Path, data_dir: Path) -> str:
    try:
        return path.relative_to(data_dir).as_posix()
    except ValueError:
        return path.as_posix()


# ====================================================================== command line
def add_verify_parser(subparsers, *, lang: str = "zh"):
    """Add the ``verify`` subcommand to ``evalstats``' subparsers; return its parser.

    ``lang`` is the language of the help texts.
    """
    from evalstats.run.console import add_console_options, pick

    vp = subparsers.add_parser(
        "verify",
        help=pick(
            lang,
            "按清单核对已发布的报告（输入、方案、笔记本、文件）",
            "check a published report against its manifest (inputs, scheme, notebook, files)",
        ),
        description=pick(
            lang,
            "先核对清单的签名（设置了 EVALSTATS_SIGNING_KEY 或 EVALSTATS_SIGNING_KEY_FILE 时），"
            "再重新计算输入文件、方案、笔记本和已发布报告中每个文件的哈希，与 manifest.json "
            "比较，并按表格重算表格校验码，与网页报告、工作簿和 summary.json 中的比较，说明哪些有"
            "改动。没有签名密钥时只能发现意外改动和单独改动的表格。全部相符退出码 0，有不同或"
            "签名不成立 1，用法错误 2（没有这个文件夹、没有清单、是暂存文件夹、密钥不合规）。",
            "Check the manifest's signature first (with EVALSTATS_SIGNING_KEY or "
            "EVALSTATS_SIGNING_KEY_FILE set), then hash again the input files, the scheme, the "
            "notebook and every file of a published report, compare with its manifest.json, "
            "recompute the tables' check code and compare it with the one the HTML report, the "
            "workbook and summary.json carry, and say what changed. Without a signing key it "
            "detects accidental change and a table edited alone only. Exit 0 when everything "
            "matches, 1 when anything differs or the signature does not hold, 2 for a usage "
            "error (no such folder, no manifest, a staging folder, a bad key).",
        ),
    )
    vp.add_argument(
        "report",
        help=pick(
            lang,
            "报告文件夹，如 reports/2026H1/half-year",
            "the report folder, e.g. reports/2026H1/half-year",
        ),
    )
    add_console_options(vp, lang=lang)
    return vp


def cmd_verify(args) -> int:
    """The ``evalstats verify`` command; return the exit code (0 match, 1 differ, 2 usage)."""
    from evalstats.run.console import error_text, lang_of

    lang = lang_of(args)
    try:
        result = verify_report(args.report)
    except UsageError as exc:
        print(f"evalstats: {error_text(exc, lang)}", file=sys.stderr)
        return 2
    except UntrustedManifest as exc:
        print(f"evalstats: {error_text(exc, lang)}", file=sys.stderr)
        return 1
    for line in result.lines(lang=lang):
        print(line)
    return 0 if result.ok else 1


__all__ = [
    "KINDS",
    "MAX_DOCUMENT_BYTES",
    "NOT_SIGNED",
    "Difference",
    "UntrustedManifest",
    "Verification",
    "add_verify_parser",
    "carried_check_codes",
    "cmd_verify",
    "signature_line",
    "verify_report",
]
