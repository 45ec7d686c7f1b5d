"""evalstats.core.memory: freed memory given back, and the allocators of evalstats' processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from evalstats.core import memory

_ARENAS = r"""
import ctypes, ctypes.util, os, sys, tempfile, threading
from evalstats.core.memory import configure_allocators
applied = configure_allocators() if sys.argv[1] == "configure" else {}
mimalloc = {k: os.environ.get(k) for k in ("MIMALLOC_PURGE_DELAY", "MIMALLOC_ARENA_EAGER_COMMIT")}
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
ready, go = threading.Barrier(8), threading.Event()

def work():  # eight threads allocating at the same time: glibc gives each its own arena
    ready.wait()
    blocks = [libc.malloc(50_000) for _ in range(50)]
    go.wait()
    for b in blocks:
        libc.free(b)

threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
go.set()
for t in threads:
    t.join()
libc.fopen.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
path = tempfile.mktemp()
fp = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, fp)
libc.fclose(fp)
text = open(path).read()
os.remove(path)
import json
print(json.dumps([applied, mimalloc, text.count("<heap nr=")]))
"""


def _run(mode: str, **env) -> tuple[dict, dict, int]:
    import json

    base = {k: v for k, v in os.environ.items() if k not in memory.ALLOCATOR_ENV}
    out = subprocess.run(
        [sys.executable, "-c", _ARENAS, mode],
        capture_output=True,
        text=True,
        check=True,
        env={**base, **env},
    ).stdout
    return tuple(json.loads(out))


@pytest.mark.skipif(memory._libc_function("mallopt") is None, reason="glibc's malloc (Linux)")
def test_one_malloc_arena_and_mimalloc_options_for_evalstats_processes():
    applied, mimalloc, arenas = _run("configure")
    assert applied == memory.ALLOCATOR_ENV and arenas == 1
    assert mimalloc == {"MIMALLOC_PURGE_DELAY": "0", "MIMALLOC_ARENA_EAGER_COMMIT": "0"}
    _applied, mimalloc, arenas = _run("none")  # the control: each thread its own arena
    assert arenas > 1 and mimalloc == {
        "MIMALLOC_PURGE_DELAY": None,
        "MIMALLOC_ARENA_EAGER_COMMIT": None,
    }
    # what the user has set is kept
    applied, mimalloc, _arenas = _run("configure", MALLOC_ARENA_MAX="2", MIMALLOC_PURGE_DELAY="10")
    assert applied == {"MIMALLOC_ARENA_EAGER_COMMIT": "0"}
    assert mimalloc["MIMALLOC_PURGE_DELAY"] == "10"


def test_mimalloc_options_only_before_pyarrow_loads(monkeypatch):
    import pyarrow  # noqa: F401 - loaded: mimalloc has read its options

    for name in memory.ALLOCATOR_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(memory, "_libc_function", lambda name: None)  # nor glibc
    assert memory.configure_allocators() == {}
    assert not set(memory.ALLOCATOR_ENV) & set(os.environ)
    memory.give_back_memory()  # nothing of glibc's to call: no error


def test_mimalloc_reads_the_options_set_before_pyarrow_loads():
    """End to end: the options :func:`configure_allocators` sets reach pyarrow's mimalloc
    (its verbose start-up lists the options it read)."""
    import pyarrow as pa

    if pa.default_memory_pool().backend_name != "mimalloc":
        pytest.skip("pyarrow built without mimalloc")
    code = (
        "from evalstats.core.memory import configure_allocators; configure_allocators(); "
        "import pyarrow as pa; pa.array([1, 2])"
    )
    base = {k: v for k, v in os.environ.items() if k not in memory.ALLOCATOR_ENV}
    err = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**base, "MIMALLOC_VERBOSE": "1"},
    ).stderr
    assert "option 'purge_delay': 0" in err, err[-2000:]
    assert "option 'arena_eager_commit': 0" in err, err[-2000:]


def test_nothing_set_off_linux(monkeypatch):
    """Measured on Linux only: elsewhere (Windows, macOS) neither a kernel's environment nor
    the command's own gets the settings, even before pyarrow loads."""
    for name in memory.ALLOCATOR_ENV:
        monkeypatch.delenv(name, raising=False)
    # (the module's own view of the platform and of pyarrow: patching sys.platform or
    # sys.modules would reach every thread of the test process)
    monkeypatch.setattr(memory, "_LINUX", False)
    monkeypatch.setattr(memory, "_pyarrow_loaded", lambda: False)  # as if not yet loaded
    monkeypatch.setattr(memory, "_libc_function", lambda name: None)
    assert memory.allocator_env() == {}
    assert memory.configure_allocators() == {}
    assert not set(memory.ALLOCATOR_ENV) & set(os.environ)
    monkeypatch.setattr(memory, "_LINUX", True)
    assert memory.allocator_env() == memory.ALLOCATOR_ENV
