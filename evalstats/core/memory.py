"""Memory the C library keeps: given back while a large file is read, and its arenas limited.

pyarrow's allocator (mimalloc) and the C library's ``malloc`` each keep what was freed for their
own next allocations.  Reading a 1M-form CSV file frees the parser's work buffers and then, a
column at a time, the file's text, while the normalised cells are made — by pyarrow, numpy and
Python, which cannot reuse what the other allocator keeps.  Kept, those pages made the
process's peak 5 times the forms table's real size; given back as they are freed, about 3
times (``benchmarks/bench_validate.py``: the first validation in a fresh process).

glibc's ``malloc`` also gives each thread that allocates its own arena (up to eight per core),
and what one thread frees only that arena can reuse: the threads that normalise columns, count
and resample each kept their own freed pages.  evalstats' own processes (the ``evalstats``
command and the notebook kernels it starts) use one arena (:data:`MALLOC_ARENAS`,
:func:`limit_malloc_arenas`, :data:`KERNEL_MALLOC_ENV`): on the half-year run of 1M forms
the kernel's peak went from 731–746 to 658–672 MiB and the runner's from 553–557 to 530–542
MiB, at the same speed (``benchmarks/bench_cycle_run.py --skip-demo``, alternated, 2026-12-08).
A user's own Python process is left as it is.

Examples
--------
>>> give_back_memory()
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

MALLOC_ARENAS = 1
"""The glibc ``malloc`` arenas of evalstats' own processes (glibc's default: eight per core)."""

KERNEL_MALLOC_ENV = {"MALLOC_ARENA_MAX": str(MALLOC_ARENAS)}
"""What a notebook kernel started by evalstats adds to its environment (unless the variable
is set already): glibc reads it when the process starts."""

_M_ARENA_MAX = -8  # glibc's malloc.h


@functools.cache
def _libc_function(name: str):
    """A function of glibc (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return getattr(libc, name)
    except (OSError, AttributeError):  # another C library (musl): nothing to call
        return None


def limit_malloc_arenas() -> bool:
    """Limit this process to :data:`MALLOC_ARENAS` glibc ``malloc`` arenas; True if done.

    Called once when the ``evalstats`` command starts, before it starts a thread (threads
    keep the arena they were given).  No effect, and False, off glibc (Windows, macOS, musl)
    or when ``MALLOC_ARENA_MAX`` was set by the user.

    Examples
    --------
    >>> limit_malloc_arenas() in (True, False)
    True
    """
    import os

    mallopt = _libc_function("mallopt")
    if mallopt is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(mallopt(_M_ARENA_MAX, MALLOC_ARENAS))


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


__all__ = ["KERNEL_MALLOC_ENV", "MALLOC_ARENAS", "give_back_memory", "limit_malloc_arenas"]
