"""Presentation: labels, words, tables, figures, HTML, workbook, Word."""

__all__: list[str] = []
