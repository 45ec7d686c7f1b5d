"""Validation of option arguments (one helper, one message shape)."""

from __future__ import annotations

from collections.abc import Iterable


def check_option(name: str, value, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``; else raise a ValueError naming all three.

    Examples
    --------
    >>> check_option("method", "wilson", ("wilson", "jeffreys"))
    'wilson'
    """
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def check_shown(value) -> str:
    """Return ``value`` if it is a non-empty string naming a file or folder in messages.

    The ``shown`` option of the readers: how an input is named in problems and tables.

    Examples
    --------
    >>> check_shown("2026H1")
    '2026H1'
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"shown must be a non-empty string; got {value!r}")
    return value


def check_confidence_level(value) -> float:
    """Return ``value`` as float if strictly between 0 and 1, else raise ValueError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"confidence_level must be a number; got {value!r}") from None
    if not 0 < v < 1:
        raise ValueError(f"confidence_level must be strictly between 0 and 1; got {value!r}")
    return v


def check_rng(rng):
    """A ``numpy.random.Generator`` from ``None``, a non-negative int seed or a Generator."""
    import numbers

    import numpy as np

    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng must be a non-negative int seed; got {rng!r}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be None, an int seed or a numpy.random.Generator; got {type(rng).__name__}"
    )


def check_seed(seed) -> int | None:
    """``seed`` as int if it is a whole number ≥ 0, None for None; else TypeError / ValueError.

    Examples
    --------
    >>> check_seed(7), check_seed(None)
    (7, None)
    """
    import numbers

    if seed is None:
        return None
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
        raise TypeError(f"seed must be a whole number >= 0 or None; got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a whole number >= 0 or None; got {seed!r}")
    return int(seed)


def check_n_resamples(n) -> int:
    """``n`` as int if it is a whole number ≥ 1, else TypeError / ValueError naming it."""
    import numbers

    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"n_resamples must be a whole number; got {n!r}")
    if n < 1:
        raise ValueError(f"n_resamples must be at least 1; got {n!r}")
    return int(n)


__all__ = [
    "check_confidence_level",
    "check_n_resamples",
    "check_option",
    "check_rng",
    "check_seed",
    "check_shown",
]
