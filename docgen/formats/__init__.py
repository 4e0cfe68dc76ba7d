"""Interchange formats: reading the spreadsheets people make, and parsing their cells."""

from .cells import CellError, parse_date, parse_decimal, parse_integer, parse_number, parse_text
from .tables import FileRejected, RawTable, read_table

__all__ = [
    "CellError",
    "FileRejected",
    "RawTable",
    "parse_date",
    "parse_decimal",
    "parse_integer",
    "parse_number",
    "parse_text",
    "read_table",
]
