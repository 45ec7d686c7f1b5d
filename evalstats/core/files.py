"""File helpers shared by every layer: the sha256 of a file, atomic writes, fsync, and how a
path is named in messages and tables.

One home for them: the inputs' interim cache, the out-of-core backends, the report writer,
the letters, the publisher and ``evalstats verify`` all hash and write files the same way.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = atomic_write_bytes(folder / "a.txt", b"abc")
>>> sha256_file(path)[:16]
'ba7816bf8f01cfea'
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import stat
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath
from typing import BinaryIO

__all__ = [
    "MAX_STEM_BYTES",
    "WINDOWS_RESERVED_NAMES",
    "NotRegularFileError",
    "atomic_write",
    "atomic_write_bytes",
    "check_output_folder",
    "file_stem",
    "fsync_dir",
    "fsync_tree",
    "inside",
    "relative",
    "safe_stem",
    "sha256_file",
    "slash_path",
    "unit_file_stems",
]


class NotRegularFileError(OSError):
    """A path names a device, a FIFO, a socket or a folder where a regular file was expected."""


def sha256_file(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a regular file, read in chunks of ``chunk`` bytes (1 MiB).

    The file is opened without blocking and checked to be a regular file before a byte is read:
    a FIFO or a device (``/dev/zero``) raises :class:`NotRegularFileError` (a folder,
    :class:`IsADirectoryError`) instead of blocking or reading forever.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "empty"
    >>> _ = p.write_bytes(b"")
    >>> sha256_file(p)[:12]
    'e3b0c44298fc'
    """
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb", closefd=True) as fh:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "is a folder, not a file", str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(22, "not a regular file", str(path))
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def atomic_write(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(binary file)`` on a temporary file next to ``path``, flush and fsync it,
    then replace ``path`` in one rename; the temporary file is removed on any failure.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "sub" / "b.bin"
    >>> atomic_write(p, lambda fh: fh.write(b"xy")).read_bytes()
    b'xy'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_path(path)
    try:
        with open(tmp, "xb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`atomic_write`); return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> atomic_write_bytes(pathlib.Path(tempfile.mkdtemp()) / "c", b"1").read_bytes()
    b'1'
    """
    return atomic_write(path, lambda fh: fh.write(data))


def fsync_dir(folder: str | Path) -> None:
    """Flush a folder's entries (renames, new files) to disk; a no-op where not supported.

    Examples
    --------
    >>> import tempfile
    >>> fsync_dir(tempfile.mkdtemp())
    """
    if os.name == "nt":  # pragma: no cover - directory fsync is not available on Windows
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_tree(folder: str | Path) -> None:
    """Flush every file and folder under ``folder`` to disk (before it is published).

    Examples
    --------
    >>> import tempfile
    >>> fsync_tree(tempfile.mkdtemp())
    """
    if os.name == "nt":  # pragma: no cover - directory fsync is not available on Windows
        return
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(dirpath)


def slash_path(path: str | os.PathLike, *, flavour: type[PurePath] | None = None) -> str:
    """A path as evalstats names it in messages, tables and manifests: its parts joined by ``/``.

    One rule on every system, so a problem line, a published table or a manifest reads the
    same on Windows and Linux (Windows accepts ``/`` in paths too): the backslashes of a
    Windows path become ``/`` and a drive stays (``D:/测评/data``); a relative path stays
    relative, as given; ``.`` parts and doubled or trailing separators are dropped.

    Parameters
    ----------
    path : str or path-like
    flavour : PurePath subclass, optional
        How ``path`` is split into parts: this system's rules by default;
        ``PureWindowsPath`` reads a Windows path on any system (for tests).

    Returns
    -------
    str

    Examples
    --------
    >>> from pathlib import PureWindowsPath
    >>> slash_path("data\\\\raw\\\\2026H1\\\\", flavour=PureWindowsPath)
    'data/raw/2026H1'
    >>> slash_path(r"D:\\测评\\data", flavour=PureWindowsPath), slash_path("./data//raw/")
    ('D:/测评/data', 'data/raw')
    """
    return (flavour or PurePath)(path).as_posix()


_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_STEM_BYTES = 100
"""The longest file stem, in bytes of UTF-8 (a Chinese character is 3): room for a suffix, a
folder and Windows' 260-character paths."""

WINDOWS_RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{dev}{d}" for dev in ("COM", "LPT") for d in "123456789\u00b9\u00b2\u00b3"]
)
"""Device names Windows refuses as a file name, with or without an extension, in any case
(``con.docx`` is the console): COM1–9, LPT1–9 and their superscript-digit forms."""

_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f]')
"""Characters Windows forbids in a name, C0 and C1 controls and DEL."""
_SPACES = re.compile(r"(?:[\t\n\r\x0b\x0c]|[^\S\x00-\x1f\x7f-\x9f])+")
"""White space (tabs and line breaks, Unicode spaces such as U+3000), not other controls."""
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _cut(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` bytes of UTF-8, at a character boundary."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[:max_bytes].decode("utf-8", errors="ignore")


def safe_stem(text: str, *, max_bytes: int = MAX_STEM_BYTES, fallback: str = "unit") -> str:
    """``text`` made a file stem that is safe on Windows and POSIX.

    Unicode is normalised (NFC); the characters Windows forbids (``<>:"/\\|?*``), control
    characters and lone surrogates become ``_``; runs of white space become one space; leading
    dots and spaces, trailing dots and spaces go; the result is cut to ``max_bytes`` bytes of
    UTF-8 (at a character boundary); a Windows device name (``CON``, ``prn.txt``, ``COM1``, …,
    :data:`WINDOWS_RESERVED_NAMES`) gets a leading ``_``; an empty result is ``fallback``.
    Chinese names stay as they are (``综治办`` → ``综治办``).

    Examples
    --------
    >>> safe_stem("综治办"), safe_stem("CON"), safe_stem("a/b: c?."), safe_stem(" .. ")
    ('综治办', '_CON', 'a_b_ c_', 'unit')
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; got {type(text).__name__}")
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 8:
        raise ValueError(f"max_bytes must be a whole number >= 8; got {max_bytes!r}")
    s = unicodedata.normalize("NFC", text)
    s = "".join("_" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in s)
    s = _UNSAFE_CHARS.sub("_", _SPACES.sub(" ", s))

    def trim(x: str) -> str:
        return x.lstrip(". ").rstrip(". ")

    s = trim(_cut(trim(s), max_bytes - 1))  # room for a "_" before a device name
    if not s:
        s = fallback
    if s.split(".", 1)[0].rstrip(" ").upper() in WINDOWS_RESERVED_NAMES:
        s = "_" + s
    return s


def file_stem(unit: str) -> str:
    """The file name (without suffix) of a unit's working files (profile folder, kept
    notebooks): its code when that is a safe file name, else ``unit-<hash>``.

    A safe code is ASCII letters, digits, ``_``, ``.`` and ``-`` (at most 64), starting with a
    letter or digit, not ending in a dot and not a Windows device name (``con``, ``COM1``,
    ``aux.x``).  The letters are named by the unit's name: :func:`unit_file_stems`.

    Examples
    --------
    >>> file_stem("finance_office"), file_stem("../x"), file_stem("con")
    ('finance_office', 'unit-d6b96a97d147', 'unit-1143da2bc54c')
    """
    if _CODE.match(unit) and safe_stem(unit) == unit:
        return unit
    return "unit-" + hashlib.sha256(unit.encode("utf-8")).hexdigest()[:12]


def relative(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` in POSIX form, or the whole path when outside ``base``.

    Examples
    --------
    >>> relative(Path("/a/b/c.csv"), Path("/a")), relative(Path("/x/y"), Path("/a"))
    ('b/c.csv', '/x/y')
    """
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def unit_file_stems(names: Mapping[str, str], *, max_bytes: int = MAX_STEM_BYTES) -> dict[str, str]:
    """The file stem of each unit's letter, by the unit's name: ``{code: stem}``.

    Each stem is :func:`safe_stem` of the unit's name (its code when the name is empty).  Units
    whose stems clash after cleaning — Windows compares names without case, so ``ABC`` and
    ``abc`` clash — get ``-`` and the first 8 hex digits of the sha256 of their code appended
    (longer when that still clashes), so every unit of the mapping has its own stem, the same
    from run to run whatever the order of ``names``.

    Parameters
    ----------
    names : mapping of str to str
        Unit code → unit name (all the units of the cycle, so that a clash is seen).
    max_bytes : int
        The longest stem in bytes of UTF-8 (:data:`MAX_STEM_BYTES`).

    Examples
    --------
    >>> unit_file_stems({"governance_office": "综治办", "a": "x/y", "b": "x?y"})
    {'governance_office': '综治办', 'a': 'x_y-ca978112', 'b': 'x_y-3e23e816'}
    """
    if not isinstance(names, Mapping):
        raise TypeError(f"names must be a mapping of unit code to name; got {names!r}")
    codes = sorted(str(c) for c in names)
    base = {c: safe_stem(str(names[c] or "").strip() or c, max_bytes=max_bytes) for c in codes}
    stems = dict(base)
    width = 8
    while True:
        seen: dict[str, list[str]] = {}
        for c in codes:
            seen.setdefault(stems[c].casefold(), []).append(c)
        clashing = [c for group in seen.values() if len(group) > 1 for c in group]
        if not clashing:
            return {str(c): stems[str(c)] for c in names}
        if width > 64:  # pragma: no cover - distinct codes have distinct sha256
            raise ValueError(f"cannot give distinct file names to units {clashing}")
        for c in clashing:
            tag = "-" + hashlib.sha256(c.encode("utf-8")).hexdigest()[:width]
            stems[c] = safe_stem(base[c], max_bytes=max_bytes - len(tag)) + tag
        width *= 2


def inside(path: str | os.PathLike, folder: str | os.PathLike) -> bool:
    """True when ``path`` is ``folder`` or lies inside it, links followed (both resolved).

    Examples
    --------
    >>> inside("/a/b/../c", "/a"), inside("/a/../b", "/a"), inside("/a", "/a")
    (True, False, True)
    """
    p, f = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return p == f or f in p.parents


def _relation(path: Path, folder: Path) -> str | None:
    """``"is"``, ``"lies inside"``, ``"contains"`` or None: how ``path`` stands to ``folder``."""
    if path == folder:
        return "is"
    if folder in path.parents:
        return "lies inside"
    if path in folder.parents:
        return "contains"
    return None


def _is_home(path: Path) -> bool:
    try:
        return path == Path(os.path.realpath(Path.home()))
    except (KeyError, RuntimeError):  # no home folder known
        return False


def check_output_folder(
    out: str | os.PathLike,
    *,
    shown: str | None = None,
    option: str = "--out",
    data_dir: str | os.PathLike | None = None,
    cycle_folders=(),
) -> Path:
    """Refuse a folder a command would write into when it is a system folder or holds inputs.

    The one check every writing command calls before it makes anything (``run``, ``letters``,
    ``validate --interim``, ``demo``, ``init``): the output folder may not be a filesystem root,
    nor the user's home folder itself, nor be, contain or lie inside ``data_dir`` (the data
    folder in use, when given), any folder in it, or any of ``cycle_folders``.  Links are
    followed on both sides.

    Parameters
    ----------
    out : path
        The output folder (absolute; it need not exist).
    shown : str, optional
        How the user wrote it (default ``out``); named in the message with ``option``.
    option : str, default "--out"
        The option that gave it.
    data_dir : path, optional
        The data folder in use (the folder of cycle folders).
    cycle_folders : iterable of path
        The cycle folders in use (they may be links to folders elsewhere).

    Returns
    -------
    Path
        ``out`` as given.

    Raises
    ------
    UsageError
        The folder is refused; the message names it and says why (exit 2).

    Examples
    --------
    >>> check_output_folder("/srv/reports", data_dir="/srv/data/raw")
    PosixPath('/srv/reports')
    >>> try:
    ...     check_output_folder("/srv/data/raw/2026H1", data_dir="/srv/data/raw")
    ... except ValueError as e:
    ...     print(str(e).split(";")[0])
    --out /srv/data/raw/2026H1: the output folder lies inside the data folder /srv/data/raw
    """
    from evalstats.core.errors import UsageError

    shown = str(out) if shown is None else shown
    real = Path(os.path.realpath(out))
    head, head_zh = f"{option} {shown}", f"{option} {shown}"
    if real.parent == real:
        raise UsageError(
            f"{head}: the output folder is the root of a file system ({real}); "
            "choose a folder of its own, e.g. reports",
            zh=f"{head_zh}：输出文件夹是文件系统的根目录（{real}）；"
            "请另选一个专用文件夹，如 reports",
        )
    if _is_home(real):
        raise UsageError(
            f"{head}: the output folder is your home folder itself ({real}); "
            "choose a folder of its own, e.g. reports",
            zh=f"{head_zh}：输出文件夹就是您的主目录（{real}）；请另选一个专用文件夹，如 reports",
        )
    folders = [Path(f) for f in cycle_folders]
    base = Path(data_dir) if data_dir is not None else None
    if base is not None and base.is_dir():
        folders += [p for p in sorted(base.iterdir()) if p.is_dir()]
    cycle, data = ("the cycle folder", "期次文件夹"), ("the data folder", "数据文件夹")
    # the most telling first: "is the cycle folder X" before "lies inside the data folder"
    checks = [(cycle, f, ("is", "lies inside")) for f in folders]
    if base is not None:
        checks += [(data, base, ("is", "lies inside", "contains"))]
    checks += [(cycle, f, ("contains",)) for f in folders]
    for (en, zh), folder, relations in checks:
        how = _relation(real, Path(os.path.realpath(folder)))
        if how not in relations:
            continue
        how_zh, tail_zh = {"is": ("就是", ""), "lies inside": ("位于", " 之内")}.get(
            how, ("包含了", "")
        )
        raise UsageError(
            f"{head}: the output folder {how} {en} {folder}; nothing is ever written into "
            "the inputs: choose another folder, e.g. reports",
            zh=f"{head_zh}：输出文件夹{how_zh}{zh} {folder}{tail_zh}；"
            "输入数据的文件夹里绝不写入任何文件：请另选一个文件夹，如 reports",
        )
    return Path(out)
