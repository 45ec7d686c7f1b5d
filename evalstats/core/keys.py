"""Secret keys from the environment or a key file, and HMAC-SHA256: one home for both keys.

Two keys of the package follow the same rules: the pseudonym key
(:mod:`evalstats.inputs.pseudonym`) and the signing key of published reports
(:mod:`evalstats.run.signing`).  Each is a subclass of :class:`SecretKey` whose
:class:`KeyRules` name it, its two environment variables and its minimum length.

The rules
---------
A key is found, first match, from an explicit ``key=`` / ``key_file=`` argument, the
environment variable holding the key itself (``EVALSTATS_…_KEY``), or the one naming a file
holding it (``EVALSTATS_…_KEY_FILE``); both variables set is an error.  Surrounding white space
(a trailing newline) is not part of the key, and a key file saved as text with a byte-order
mark (UTF-16 from Windows PowerShell 5's ``>``, UTF-8 from Notepad) is read as that text.  A
key shorter than its :attr:`KeyRules.min_bytes` is refused.  A key file must live outside the
project (its root, any git working tree) and outside the data folders being read, so it is
never committed, copied or published with the data.  A key is never printed: its repr, its
str and every record of it show only :attr:`SecretKey.key_id`, a fingerprint
(HMAC-SHA256 of ``b"evalstats key id"`` under the key, 12 hex digits) that does not reveal it.

Examples
--------
>>> rules = KeyRules("demo key", "DEMO_KEY", "DEMO_KEY_FILE", 16, "~/.config/demo.key")
>>> class DemoKey(SecretKey):
...     RULES = rules
>>> k = load_secret_key(DemoKey, "a secret of at least sixteen bytes")
>>> k
DemoKey(key_id='83b895d4155d', source='the key argument')
"""

from __future__ import annotations

import codecs
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from evalstats.core.errors import UsageError

__all__ = [
    "KEY_ID_MESSAGE",
    "KeyRules",
    "SecretKey",
    "hmac_digests",
    "load_secret_key",
    "read_key_file",
]

KEY_ID_MESSAGE = b"evalstats key id"
"""The message whose HMAC under a key is its fingerprint (:attr:`SecretKey.key_id`)."""
_BLOCK = 64  # SHA-256 block size (RFC 2104: B)


# ---------------------------------------------------------------------------- HMAC core
def hmac_digests(messages: Iterable[bytes], secret: bytes) -> list[bytes]:
    """HMAC-SHA256 of each message under ``secret`` (RFC 2104), 32 bytes each.

    The inner and outer hash states are computed once and copied per message, which is about
    2.5× faster than :func:`hmac.digest` per message for short messages.

    Parameters
    ----------
    messages : iterable of bytes
    secret : bytes
        The key (any length; keys longer than the block are hashed first, as RFC 2104 says).

    Returns
    -------
    list of bytes

    References
    ----------
    .. [1] Krawczyk, Bellare, Canetti (1997). HMAC: Keyed-Hashing for Message Authentication.
       RFC 2104.
    .. [2] Nystrom (2005). Identifiers and Test Vectors for HMAC-SHA-224, HMAC-SHA-256,
       HMAC-SHA-384, and HMAC-SHA-512. RFC 4231 (test vectors).

    Examples
    --------
    >>> hmac_digests([b"what do ya want for nothing?"], b"Jefe")[0].hex()[:16]  # RFC 4231 #2
    '5bdcc146bf60754e'
    """
    if not isinstance(secret, bytes | bytearray):
        raise TypeError(f"secret must be bytes; got {type(secret).__name__}")
    k = bytes(secret)
    if len(k) > _BLOCK:
        k = hashlib.sha256(k).digest()
    k = k.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in k))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in k))
    out = []
    for m in messages:
        a = inner.copy()
        a.update(m)
        b = outer.copy()
        b.update(a.digest())
        out.append(b.digest())
    return out


# ---------------------------------------------------------------------------- the rules
@dataclass(frozen=True)
class KeyRules:
    """What a kind of key is called, where it is looked for and how long it must be.

    Attributes
    ----------
    name : str
        How messages name it (``"pseudonym key"``).
    env, file_env : str
        The environment variables holding the key itself and naming a key file.
    min_bytes : int
        The shortest key accepted.
    example : str
        Where messages suggest keeping its file (``"~/.config/evalstats/pseudonym.key"``).

    Examples
    --------
    >>> KeyRules("k", "K", "K_FILE", 32, "~/k.key").how_to_set[:40]
    'set K to a secret of at least 32 bytes, '
    """

    name: str
    env: str
    file_env: str
    min_bytes: int
    example: str

    @property
    def how_to_set(self) -> str:
        """The sentence telling how to set the key (ends every message about a missing key)."""
        return (
            f"set {self.env} to a secret of at least {self.min_bytes} bytes, or {self.file_env} "
            "to a key file outside the project (make one with: "
            f'python -c "import secrets; print(secrets.token_hex(32))" > {self.example})'
        )


# ---------------------------------------------------------------------------- the key
@dataclass(frozen=True, repr=False)
class SecretKey:
    """A validated secret key.  Its repr and str show only the fingerprint and the source.

    Subclasses set ``RULES`` (:class:`KeyRules`).

    Attributes
    ----------
    secret : bytes
        The key (never printed).
    source : str
        Where it came from, e.g. ``"environment variable EVALSTATS_SIGNING_KEY"``.
    """

    RULES: ClassVar[KeyRules]
    secret: bytes = field(repr=False)
    source: str = "the key argument"

    @classmethod
    def from_secret(cls, secret: str | bytes, *, source: str = "the key argument"):
        """A key from text (UTF-8) or bytes; refuses an empty or too short key.

        Raises
        ------
        UsageError
            The key is empty or shorter than ``RULES.min_bytes`` bytes.
        TypeError
            ``secret`` is neither str nor bytes.
        """
        rules = cls.RULES
        if isinstance(secret, str):
            data = secret.strip().encode("utf-8")
        elif isinstance(secret, bytes | bytearray):
            data = bytes(secret).strip()
        else:
            kind = type(secret).__name__
            raise TypeError(f"key must be str, bytes or a {cls.__name__}; got {kind}")
        if not data:
            raise UsageError(f"the {rules.name} from {source} is empty; {rules.how_to_set}")
        if len(data) < rules.min_bytes:
            raise UsageError(
                f"the {rules.name} from {source} is too short ({len(data)} bytes); use at "
                f"least {rules.min_bytes} bytes: {rules.how_to_set}"
            )
        return cls(data, source)

    @property
    def key_id(self) -> str:
        """A 12-hex-digit fingerprint, HMAC(key, ``b"evalstats key id"``): safe to record."""
        return hmac_digests([KEY_ID_MESSAGE], self.secret)[0].hex()[:12]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key_id={self.key_id!r}, source={self.source!r})"

    def __str__(self) -> str:
        return repr(self)


def _project_roots() -> list[Path]:
    """Folders a key file must not be inside: the project root (when it is a project)."""
    from evalstats.core.config import project_root

    root = project_root()
    if os.environ.get("EVALSTATS_ROOT") or (root / "data").is_dir() or (root / ".git").exists():
        return [root.resolve()]
    return []


def _git_tree(path: Path) -> Path | None:
    for folder in path.parents:
        if (folder / ".git").exists():
            return folder
    return None


def read_key_file(cls: type[SecretKey], path, data_folders: Sequence = ()) -> SecretKey:
    """The key of class ``cls`` held in the file ``path``, after checking where the file is.

    Raises
    ------
    UsageError
        The file lies inside a data folder, the project or a git working tree, cannot be
        read, or holds a key that is empty or too short.

    Examples
    --------
    >>> read_key_file(SecretKey, "/nowhere/k.key")  # doctest: +SKIP
    """
    rules = cls.RULES
    p = Path(path).expanduser().resolve()
    for folder in data_folders:
        f = Path(folder).expanduser().resolve()
        if p.is_relative_to(f):
            raise UsageError(
                f"the {rules.name} file {p} is inside the data folder {f}; keep it outside the "
                f"data and the project (e.g. {rules.example}), so it is never "
                "copied or published with the data"
            )
    for root in _project_roots():
        if p.is_relative_to(root):
            raise UsageError(
                f"the {rules.name} file {p} is inside the project folder {root}; keep it "
                f"outside the project (e.g. {rules.example}), so it is never "
                "committed, copied or published"
            )
    tree = _git_tree(p)
    if tree is not None:
        raise UsageError(
            f"the {rules.name} file {p} is inside the git working tree {tree}; keep it outside "
            f"any repository (e.g. {rules.example}), so it is never committed"
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"cannot read the {rules.name} file {p} ({exc.strerror or exc}); {rules.how_to_set}"
        ) from None
    return cls.from_secret(_key_file_bytes(data), source=f"key file {p}")


_TEXT_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _key_file_bytes(data: bytes) -> bytes:
    """The key of a key file's bytes: a text file with a byte-order mark is read as text.

    Windows PowerShell 5 writes ``>`` and ``Out-File`` as UTF-16 with a byte-order mark, and
    Notepad may save UTF-8 with one: such a file is decoded and its text taken as UTF-8, so
    the same key text gives the same key however its file was saved, and as the environment
    variable.  Any other file is its bytes.
    """
    for bom, codec in _TEXT_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec).encode("utf-8")
            except UnicodeDecodeError:
                return data
    return data


def load_secret_key(
    cls: type[SecretKey],
    key: SecretKey | str | bytes | None = None,
    *,
    key_file: str | os.PathLike | None = None,
    data_folders: Sequence = (),
) -> SecretKey | None:
    """The key of class ``cls`` in effect, or None when none is configured.

    Parameters
    ----------
    cls : type
        A subclass of :class:`SecretKey` (its ``RULES`` name the environment variables).
    key : SecretKey, str or bytes, optional
        An explicit key (text is UTF-8 encoded).  Default: the environment.
    key_file : str or Path, optional
        An explicit key file (relative paths resolve from the working directory).
    data_folders : sequence of str or Path, optional
        Folders being read; a key file inside one of them is refused.

    Returns
    -------
    SecretKey or None
        None when no argument is given and neither environment variable is set.

    Raises
    ------
    UsageError
        Both environment variables are set; the key is empty or too short; the key file
        cannot be read, or lies inside the project, a git working tree or a data folder.
    ValueError
        Both ``key`` and ``key_file`` are given.

    Examples
    --------
    >>> load_secret_key(SecretKey) is None  # doctest: +SKIP
    True
    """
    if key is not None and key_file is not None:
        raise ValueError("give key or key_file, not both")
    if isinstance(key, cls):
        return key
    if key is not None:
        return cls.from_secret(key)
    if key_file is not None:
        return read_key_file(cls, key_file, data_folders)
    rules = cls.RULES
    text = os.environ.get(rules.env)
    path = os.environ.get(rules.file_env)
    if text is not None and path is not None:
        raise UsageError(f"both {rules.env} and {rules.file_env} are set; set only one of them")
    if text is not None:
        return cls.from_secret(text, source=f"environment variable {rules.env}")
    if path is not None:
        if not path.strip():
            raise UsageError(f"{rules.file_env} is set but empty; {rules.how_to_set}")
        return read_key_file(cls, path, data_folders)
    return None
