"""Signed manifests and the tables' check code (表格校验码) of a published report.

Two protections, checked by ``evalstats verify`` (:mod:`evalstats.run.verify`):

**The signature** (with a signing key).  When ``EVALSTATS_SIGNING_KEY`` (the secret itself, at
least :data:`MIN_KEY_BYTES` bytes, e.g. 64 hex digits) or ``EVALSTATS_SIGNING_KEY_FILE`` (a file
holding it) is set, ``evalstats run`` and ``evalstats letters`` sign the manifest they publish.
The key follows the rules of every key of the package (:mod:`evalstats.core.keys`: outside the
project, any git tree and the data; never printed; the manifest records only its
fingerprint).  The manifest gets a ``signature`` record — ``{"algorithm": "HMAC-SHA256",
"key_id": <fingerprint>, "file": "manifest.sig"}`` — and the detached file ``manifest.sig``
beside it holds the 64 hex digits of HMAC-SHA256 (RFC 2104) under the key of the manifest's
**canonical JSON**: the manifest as parsed from ``manifest.json``, serialised with keys
sorted at every level, no white space (separators ``,`` and ``:``), non-ASCII characters as
themselves (not ``\\u`` escapes), encoded as UTF-8 — in Python
``json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()``.  So
anyone holding the key can check it with a few lines of any language, and reformatting the
file's white space does not break it.

Why a detached file and a record in the manifest: the record is itself signed, so removing
``manifest.sig`` (or the record) is seen as a stripped signature, not as an unsigned report;
and the manifest is signed whole, with no field to leave out of the canonical form.  The
signature file is not among the manifest's ``outputs`` (it is written after them).

**The check code** (without a key).  The HTML report (its footer and every printed page's
corner), the workbook's first sheet and ``summary.json`` carry :func:`tables_digest`: the first
12 hex digits of the sha256 of the lines ``<sha256 of the file>  tables/<name>.csv`` of every
published table, sorted by name, each ending in a newline (the format of ``sha256sum``).
``verify`` recomputes it from the tables, so a table edited alone — even with its sha256 and
size rewritten in ``manifest.json`` — no longer matches the documents that show its numbers.

What each mode promises is in the README (section "What verify promises").

Examples
--------
>>> canonical_json({"b": [1, 2.5], "a": "末位"})
b'{"a":"\\xe6\\x9c\\xab\\xe4\\xbd\\x8d","b":[1,2.5]}'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from evalstats.core.files import atomic_write_bytes, sha256_file
from evalstats.core.keys import KeyRules, SecretKey, load_secret_key

__all__ = [
    "ALGORITHM",
    "DIGEST_HEX",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "KEY_RULES",
    "MIN_KEY_BYTES",
    "SIGNATURE_FILE",
    "SIGNATURE_RECORD",
    "SIGNATURE_STATUSES",
    "TABLES_DIGEST",
    "SignatureCheck",
    "SigningKey",
    "canonical_json",
    "check_signature",
    "kernel_environment",
    "load_signing_key",
    "sign_manifest",
    "signature_hex",
    "signature_record",
    "signed_line",
    "tables_digest",
]

KEY_ENV = "EVALSTATS_SIGNING_KEY"
KEY_FILE_ENV = "EVALSTATS_SIGNING_KEY_FILE"
MIN_KEY_BYTES = 32
KEY_RULES = KeyRules(
    name="signing key",
    env=KEY_ENV,
    file_env=KEY_FILE_ENV,
    min_bytes=MIN_KEY_BYTES,
    example="~/.config/evalstats/signing.key",
)
"""The signing key's rules (:mod:`evalstats.core.keys`)."""
ALGORITHM = "HMAC-SHA256"
SIGNATURE_FILE = "manifest.sig"
SIGNATURE_RECORD = "signature"
"""Key of the manifest's signature record."""
TABLES_DIGEST = "tables_digest"
"""Key of ``summary.json`` holding the check code."""
DIGEST_HEX = 12
"""Hex digits of the check code (48 bits: an edited table matches by chance once in 2.8e14)."""
_MAX_SIGNATURE_BYTES = 1024

SIGNATURE_STATUSES = ("valid", "forged", "other_key", "stripped", "unchecked", "unsigned")
"""What :func:`check_signature` can find (see :class:`SignatureCheck`)."""


class SigningKey(SecretKey):
    """The signing key of published manifests (a :class:`~evalstats.core.keys.SecretKey`).

    Examples
    --------
    >>> SigningKey.from_secret("0" * 64).key_id
    'f82d3f98dfd5'
    """

    RULES: ClassVar[KeyRules] = KEY_RULES


def load_signing_key(
    key: SigningKey | str | bytes | None = None,
    *,
    key_file: str | os.PathLike | None = None,
    data_folders=(),
) -> SigningKey | None:
    """The signing key in effect (``EVALSTATS_SIGNING_KEY`` / ``…_FILE``), or None.

    Raises
    ------
    UsageError
        Both variables set; a key shorter than 32 bytes; a key file that cannot be read or
        lies inside the project, a git working tree or one of ``data_folders``.

    Examples
    --------
    >>> load_signing_key("f" * 64).key_id
    'c5c6cabbd3dd'
    """
    return load_secret_key(SigningKey, key, key_file=key_file, data_folders=data_folders)


def kernel_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without the signing key's variables: what a notebook kernel inherits.

    The kernel needs the pseudonym key, never the signing key.

    Examples
    --------
    >>> kernel_environment({"EVALSTATS_SIGNING_KEY": "x", "PATH": "/bin"})
    {'PATH': '/bin'}
    """
    return {k: v for k, v in environ.items() if k not in (KEY_ENV, KEY_FILE_ENV)}


# ====================================================================== signing
def canonical_json(manifest: Mapping) -> bytes:
    """The canonical form that is signed: keys sorted, no white space, UTF-8 (module notes)."""
    text = json.dumps(
        manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def signature_hex(manifest: Mapping, key: SigningKey) -> str:
    """HMAC-SHA256 of :func:`canonical_json` under ``key``, as 64 hex digits.

    Examples
    --------
    >>> signature_hex({"run_id": "x"}, SigningKey.from_secret("0" * 64))[:12]
    'ff8390508a32'
    """
    return hmac.new(key.secret, canonical_json(manifest), hashlib.sha256).hexdigest()


def signature_record(key: SigningKey) -> dict[str, str]:
    """The manifest's ``signature`` record: algorithm, key fingerprint, signature file."""
    return {"algorithm": ALGORITHM, "key_id": key.key_id, "file": SIGNATURE_FILE}


def sign_manifest(path: Path, key: SigningKey) -> Path:
    """Write ``manifest.sig`` beside the manifest at ``path`` (as written, parsed back).

    Returns the signature file's path.
    """
    manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    sig = Path(path).with_name(SIGNATURE_FILE)
    return atomic_write_bytes(sig, (signature_hex(manifest, key) + "\n").encode("ascii"))


def signed_line(manifest_path: Path, shown, *, lang: str = "zh") -> str | None:
    """The console's line naming a published manifest's signature file (as ``shown(path)``
    prints a path) and its key fingerprint; None when the manifest is not signed.

    Examples
    --------
    >>> signed_line(Path("/nowhere/manifest.json"), str) is None
    True
    """
    try:
        record = json.loads(Path(manifest_path).read_text(encoding="utf-8")).get(SIGNATURE_RECORD)
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(record, Mapping) or not isinstance(record.get("key_id"), str):
        return None
    sig = shown(Path(manifest_path).with_name(SIGNATURE_FILE))
    kid = record["key_id"]
    return (
        f"  签名：    {sig}（{ALGORITHM}，密钥指纹 {kid}）"
        if lang == "zh"
        else f"  signature: {sig} ({ALGORITHM}, key fingerprint {kid})"
    )


# ====================================================================== checking
@dataclass(frozen=True)
class SignatureCheck:
    """What :func:`check_signature` found.

    Attributes
    ----------
    status : str
        ``valid`` (signed with the key set here, unchanged); ``forged`` (signed with this key,
        but the manifest or its signature changed since); ``other_key`` (signed with another
        key); ``stripped`` (``why``: ``sig_missing`` — the manifest records a signature and
        ``manifest.sig`` is gone; ``record_missing`` — a ``manifest.sig`` and no record;
        ``unsigned`` — a key is set and the report carries no signature at all);
        ``unchecked`` (signed, no key set here); ``unsigned`` (no signature, no key).
    recorded_key_id : str or None
        The fingerprint the manifest records.
    key_id : str or None
        The fingerprint of the key set here.
    why : str or None
        For ``stripped``, which part is missing.
    """

    status: str
    recorded_key_id: str | None = None
    key_id: str | None = None
    why: str | None = None

    @property
    def ok(self) -> bool:
        """False for a forged, stripped or foreign signature."""
        return self.status in ("valid", "unchecked", "unsigned")


def _read_signature(folder: Path) -> str | None:
    """The text of ``manifest.sig`` (a small regular file), or None when there is none."""
    path = folder / SIGNATURE_FILE
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_SIGNATURE_BYTES:
        return ""
    try:
        return path.read_bytes().decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def check_signature(folder: Path, manifest: Mapping, key: SigningKey | None) -> SignatureCheck:
    """Check the signature of a report folder's manifest (parsed) with ``key`` (or none).

    Examples
    --------
    >>> check_signature(Path("/nowhere"), {}, None).status
    'unsigned'
    """
    record = manifest.get(SIGNATURE_RECORD)
    recorded = record.get("key_id") if isinstance(record, Mapping) else None
    recorded = recorded if isinstance(recorded, str) else None
    ours = key.key_id if key is not None else None
    sig = _read_signature(folder)
    if record is None and sig is None:
        if key is None:
            return SignatureCheck("unsigned")
        return SignatureCheck("stripped", None, ours, "unsigned")
    if record is None:
        return SignatureCheck("stripped", None, ours, "record_missing")
    if sig is None:
        return SignatureCheck("stripped", recorded, ours, "sig_missing")
    if key is None:
        return SignatureCheck("unchecked", recorded)
    try:
        expected = signature_hex(manifest, key)
    except ValueError:  # NaN in a forged manifest: not canonical JSON
        expected = ""
    if hmac.compare_digest(expected, sig):
        return SignatureCheck("valid", recorded, ours)
    if recorded is not None and recorded != ours:
        return SignatureCheck("other_key", recorded, ours)
    return SignatureCheck("forged", recorded, ours)


# ====================================================================== check code
def tables_digest(folder: Path) -> str | None:
    """The check code of the tables ``folder/tables/*.csv`` (module notes); None without any.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "tables").mkdir()
    >>> _ = (d / "tables" / "scores.csv").write_text("unit,score\\n")
    >>> tables_digest(d)
    'ff6720f648b1'
    """
    tables = Path(folder) / "tables"
    if not tables.is_dir():
        return None
    files = sorted(p for p in tables.glob("*.csv") if p.is_file() and not p.is_symlink())
    if not files:
        return None
    lines = "".join(f"{sha256_file(p)}  tables/{p.name}\n" for p in files)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()[:DIGEST_HEX]
