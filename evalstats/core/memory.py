"""Giving freed memory back to the operating system while a large file is read.

pyarrow's allocator (mimalloc) and the C library's ``malloc`` each keep what was freed for their
own next allocations.  Reading a 1M-form CSV file frees the parser's work buffers and then, a
column at a time, the file's text, while the normalised cells are made — by pyarrow, numpy and
Python, which cannot reuse what the other allocator keeps.  Kept, those pages made the
process's peak 5 times the forms table's real size; given back as they are freed, about 3
times (``benchmarks/bench_validate.py``: the first validation in a fresh process).

Examples
--------
>>> give_back_memory()
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim`` (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # another C library (musl): nothing to call
        return None


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
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


__all__ = ["give_back_memory"]
