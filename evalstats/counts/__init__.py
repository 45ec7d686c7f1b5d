"""Counts: tallies, pattern counts and the out-of-core backends."""

__all__: list[str] = []
