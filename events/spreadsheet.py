"""Cells a spreadsheet cannot run: the one rule against CSV (formula) injection, for every file the site writes.

A spreadsheet opening a CSV or XLSX treats a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
return, which some strip before looking) as a formula: `=HYPERLINK("http://x","y")` in a title would become a
link, worse ones run commands. OWASP's advice is to start such a cell with a single quote, which every
spreadsheet shows as text. The public list CSVs (events/exports.py) and the admin's CSV and XLSX exports
(`SafeCSV`, `SafeXLSX` below) go through `neutralise()`.

Plain numbers are left alone: "-5" or "-57.08" (a longitude) is a number to a spreadsheet, never a formula, and
a quote in front would turn a coordinate column into text that no longer sorts or sums. Only values that are
nothing but a decimal number pass; "-5+cmd|' /C calc'!A0" does not.

The admin imports what it exports, so its formats undo the quote on the way in (`restore()`): a cell that is
one or more quotes and then a formula character loses exactly one quote. To make that exact, `neutralise()`
also quotes a value that already starts with quotes before such a character ("'=x" is written "''=x").
"""

import re

from import_export.formats import base_formats

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_QUOTED_FORMULA = re.compile(r"'+[=+\-@\t\r]")


# The characters a cell needs a look at: a formula's first character, or the quote a quoted formula starts with.
# Nearly every cell starts with something else, and an export checks millions of them.
_RISKY_FIRST = frozenset(FORMULA_START) | {"'"}


def neutralise(value):
    """`value`, with a single quote in front if a spreadsheet would read it as a formula."""
    if not isinstance(value, str) or not value or value[0] not in _RISKY_FIRST:
        return value
    if value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    if _QUOTED_FORMULA.match(value):
        return "'" + value
    return value


# Where a line that csv's default (excel) dialect wrote could hold a cell starting as a formula: at the line's
# start or after a comma, inside the quote the writer may have opened, one of the characters neutralise() looks
# at. A comma inside a quoted cell matches too, which only costs that line the cell-by-cell look; no formula cell
# can start anywhere else. Two patterns, as one starting `(?:^|,)` is tried at every character of the line (five
# times slower).
_RISKY_START = '"?[' + "".join(re.escape(character) for character in sorted(_RISKY_FIRST)) + "]"
_RISKY_FIRST_CELL = re.compile(_RISKY_START)
_RISKY_LATER_CELL = re.compile("," + _RISKY_START)


def neutralised_line(writer, cells):
    """`writer.writerow([neutralise(cell) for cell in cells])`, for a csv.writer of the default dialect that
    returns what it writes. The line is written first and the cells looked at one by one only where the line
    shows a cell that may start as a formula: nearly no line of an archive's export does, and the cell-by-cell
    look was a seventh of a 100,000-incident CSV."""
    line = writer.writerow(cells)
    if _RISKY_FIRST_CELL.match(line) or _RISKY_LATER_CELL.search(line):
        line = writer.writerow([neutralise(cell) for cell in cells])
    return line


def restore(value):
    """What `neutralise()` was given, for a cell read back from a file the site wrote."""
    if isinstance(value, str) and _QUOTED_FORMULA.match(value):
        return value[1:]
    return value


def _map_cells(dataset, function):
    headers = dataset.headers
    rows = [[function(cell) for cell in row] for row in dataset]
    dataset.wipe()
    if headers is not None:
        dataset.headers = headers
    dataset.extend(rows)
    return dataset


class _SpreadsheetSafe:
    """Neutralises formula cells on export and restores them on import (django-import-export format)."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(_map_cells(dataset, neutralise), **kwargs)

    def create_dataset(self, in_stream, **kwargs):
        return _map_cells(super().create_dataset(in_stream, **kwargs), restore)


class SafeCSV(_SpreadsheetSafe, base_formats.CSV):
    pass


class SafeXLSX(_SpreadsheetSafe, base_formats.XLSX):
    pass
