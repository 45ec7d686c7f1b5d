"""Core: errors, options, shared vocabulary, cycle ids, file helpers, config, scheme."""

__all__: list[str] = []
