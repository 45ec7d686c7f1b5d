"""evalstats.core.memory: freed memory given back, and glibc's malloc arenas limited."""

from __future__ import annotations

import subprocess
import sys

import pytest

from evalstats.core import memory

_ARENAS = r"""
import ctypes, ctypes.util, os, sys, tempfile, threading
from evalstats.core.memory import limit_malloc_arenas
done = limit_malloc_arenas() if sys.argv[1] == "limit" else None
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
print(done, text.count("<heap nr="))
"""


def _arenas(mode: str, env=None) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", _ARENAS, mode], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(memory._libc_function("mallopt") is None, reason="glibc's malloc only (Linux)")
def test_one_malloc_arena_for_evalstats_processes():
    import os

    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert _arenas("limit", env) == ("True", 1)
    _done, arenas = _arenas("none", env)  # without it, the threads' arenas (the control)
    assert arenas > 1
    # the user's own setting is kept
    assert _arenas("limit", {**env, "MALLOC_ARENA_MAX": "2"})[0] == "False"


def test_limit_off_glibc(monkeypatch):
    monkeypatch.setattr(memory, "_libc_function", lambda name: None)
    assert memory.limit_malloc_arenas() is False
    memory.give_back_memory()  # nothing to call: no error
