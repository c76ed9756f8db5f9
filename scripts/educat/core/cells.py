"""No formula reaches a spreadsheet: cells of the CSV and XLSX files the project writes.

A text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel
and WPS as a formula (``=HYPERLINK(…)`` can send data away). In CSV such a text gets a leading
``'``, which spreadsheets show as plain text (the OWASP advice for CSV injection); in XLSX the
cell is written as text, never as a formula. Numbers are numbers and stay as they are.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def table_text(value) -> str:
    """A value as the text of a CSV cell, written the way Table Schema reads it back: '' for
    none, true/false, JSON for a list or an object."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def starts_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_safe(value):
    """The value for a CSV cell: a text that a spreadsheet would run gets a leading '."""
    return "'" + value if starts_formula(value) else value


def csv_row(values) -> list:
    return [csv_safe(v) for v in values]


def text_cells(book) -> int:
    """Make every cell of an openpyxl workbook that would be a formula a text cell; returns how
    many there were. The project never writes formulas into cells (drop-down lists are data
    validations, not cells)."""
    changed = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    changed += 1
    return changed
