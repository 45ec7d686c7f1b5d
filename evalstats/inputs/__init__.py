"""Inputs: reading, validation, pseudonyms, interim files, templates, demo data."""

__all__: list[str] = []
