"""Running: the publisher, the notebook runner, the letters batch, verify, the CLI."""

__all__: list[str] = []
