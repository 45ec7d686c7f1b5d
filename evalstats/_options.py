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


def check_confidence_level(value) -> float:
    """Return ``value`` as float if strictly between 0 and 1, else raise ValueError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"confidence_level must be a number; got {value!r}") from None
    if not 0 < v < 1:
        raise ValueError(f"confidence_level must be strictly between 0 and 1; got {value!r}")
    return v
