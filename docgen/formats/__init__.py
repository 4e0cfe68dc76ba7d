"""Interchange formats: reading the spreadsheets people make, and parsing their cells."""

from .cells import CellError, parse_date, parse_decimal, parse_integer, parse_number, parse_text
from .tables import FileRejected, Grid, RawTable, ReadLimits, read_grid, read_table

__all__ = [
    "CellError",
    "FileRejected",
    "Grid",
    "RawTable",
    "ReadLimits",
    "parse_date",
    "parse_decimal",
    "parse_integer",
    "parse_number",
    "parse_text",
    "read_grid",
    "read_table",
]
