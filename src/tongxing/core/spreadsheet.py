"""Cells written to CSV or Excel files that people open in a spreadsheet program."""

from __future__ import annotations

# A cell starting with one of these is run as a formula by Excel and WPS (CSV injection);
# tab and carriage return hide the formula behind whitespace.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """``value`` made inert: a leading apostrophe stops a formula from running."""
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
