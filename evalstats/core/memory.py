"""Memory the allocators keep: given back while a large file is read, and the allocators of
evalstats' own processes set to keep less.

pyarrow's allocator (mimalloc) and the C library's ``malloc`` each keep what was freed for their
own next allocations.  Reading a 1M-form CSV file frees the parser's work buffers and then, a
column at a time, the file's text, while the normalised cells are made — by pyarrow, numpy and
Python, which cannot reuse what the other allocator keeps.  Kept, those pages made the
process's peak 5 times the forms table's real size; given back as they are freed, about 3
times (``benchmarks/bench_validate.py``: the first validation in a fresh process).

glibc's ``malloc`` also gives each thread that allocates its own arena (up to eight per core),
and what one thread frees only that arena can reuse: the threads that normalise columns, count
and resample each kept their own freed pages.  mimalloc, pyarrow's allocator, keeps freed
pages for 10 ms and commits its arenas whole, so a parse's work buffers were still resident
when the parsed table was complete.  evalstats' own processes (the ``evalstats`` command and
the notebook kernels it starts) set both allocators otherwise (:data:`ALLOCATOR_ENV`,
:func:`configure_allocators`).  On the half-year run of 1M forms
(``benchmarks/bench_cycle_run.py --skip-demo``, each pair alternated, 2026-12-08):

* one glibc arena: the kernel's peak 731/746 → 658/672 MiB, the runner's 553/557 → 542/530;
* and mimalloc's options: the kernel's 658/656 → 604/607 MiB, the runner's 528/518 → 482/482.

The wall times stayed within the runs' spread.  A user's own Python process is left as it is.

Examples
--------
>>> give_back_memory()
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

ALLOCATOR_ENV = {
    "MALLOC_ARENA_MAX": "1",
    "MIMALLOC_PURGE_DELAY": "0",
    "MIMALLOC_ARENA_EAGER_COMMIT": "0",
}
"""The allocator settings of evalstats' own processes (the ``evalstats`` command and the
notebook kernels it starts; a variable the user has set is kept): one glibc ``malloc`` arena
(glibc's default: eight per core), and pyarrow's mimalloc returning freed pages to the system
at once and committing its arenas as they are used (its defaults: after 10 ms, and whole
arenas).  Each allocator reads them when it starts.  Applied on Linux only
(:func:`allocator_env`), where they were measured."""

_M_ARENA_MAX = -8  # glibc's malloc.h
_LINUX = sys.platform.startswith("linux")
_MIMALLOC = ("MIMALLOC_PURGE_DELAY", "MIMALLOC_ARENA_EAGER_COMMIT")


@functools.cache
def _libc_function(name: str):
    """A function of glibc (Linux), else None."""
    if not _LINUX:
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return getattr(libc, name)
    except (OSError, AttributeError):  # another C library (musl): nothing to call
        return None


def allocator_env() -> dict[str, str]:
    """:data:`ALLOCATOR_ENV` where it was measured (Linux), else nothing: what a kernel started
    by evalstats adds to its environment (a variable already set is kept).

    Examples
    --------
    >>> allocator_env() in ({}, ALLOCATOR_ENV)
    True
    """
    return dict(ALLOCATOR_ENV) if _LINUX else {}


def _pyarrow_loaded() -> bool:
    """pyarrow has been imported: its mimalloc has read its options."""
    return "pyarrow" in sys.modules


def configure_allocators() -> dict[str, str]:
    """Apply :data:`ALLOCATOR_ENV` to this process; returns the settings applied.

    Called once when the ``evalstats`` command starts, before it starts a thread (threads
    keep the glibc arena they were given) and before pyarrow is imported (mimalloc reads its
    options then).  Skips what the user has set, everything off Linux (:func:`allocator_env`:
    measured on Linux only), the glibc arenas off glibc (musl), and mimalloc's options once
    pyarrow is imported.

    Examples
    --------
    >>> set(configure_allocators()) <= set(ALLOCATOR_ENV)
    True
    """
    import os

    applied = {}
    if not _pyarrow_loaded():
        for name in _MIMALLOC:
            if name not in os.environ and name in allocator_env():
                os.environ[name] = applied[name] = ALLOCATOR_ENV[name]
    mallopt = _libc_function("mallopt")
    arenas = ALLOCATOR_ENV["MALLOC_ARENA_MAX"]
    if mallopt is not None and "MALLOC_ARENA_MAX" not in os.environ:
        if mallopt(_M_ARENA_MAX, int(arenas)):
            applied["MALLOC_ARENA_MAX"] = arenas
    return applied


def give_back_memory() -> None:
    """Return the memory pyarrow's pool and the C library's heap hold unused to the system.

    Costs a few milliseconds; called after the steps that free a large file's worth of
    buffers (not per small table).

    Examples
    --------
    >>> give_back_memory()
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim(0)


__all__ = ["ALLOCATOR_ENV", "allocator_env", "configure_allocators", "give_back_memory"]
