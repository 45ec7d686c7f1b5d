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
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import BinaryIO

__all__ = [
    "atomic_write",
    "atomic_write_bytes",
    "file_stem",
    "fsync_dir",
    "fsync_tree",
    "relative",
    "sha256_file",
    "slash_path",
]


def sha256_file(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks of ``chunk`` bytes (1 MiB).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "empty"
    >>> _ = p.write_bytes(b"")
    >>> sha256_file(p)[:12]
    'e3b0c44298fc'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
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


def file_stem(unit: str) -> str:
    """The file name (without suffix) of a unit's files (letter, profile folder): its code
    when that is a safe file name, else ``unit-<hash>``.

    Examples
    --------
    >>> file_stem("finance_office"), file_stem("../x")
    ('finance_office', 'unit-d6b96a97d147')
    """
    if _SAFE.match(unit) and unit not in (".", ".."):
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
