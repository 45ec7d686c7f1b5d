"""Statistics: intervals, tests, scores, ranks, comparisons, reliability, quality, disclosure
control — numbers and codes."""

__all__: list[str] = []
