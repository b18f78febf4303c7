"""Listings on the command line: one helper for every command that prints rows.

::

    from csdesk.cli.output import Column, FormatOption, emit

    @app.command("list")
    def list_(fmt: FormatOption = None) -> None:
        emit(rows, [Column("staff_no", _("Staff no."), fixed=True), Column("name", _("Name"))],
             fmt, title=_("Accounts"))

- ``--format table`` (the default on a terminal): a Rich table.  Every cell,
  header and title is a plain :class:`rich.text.Text`: stored text is never
  read as markup (``[/]`` in a name is shown as typed), and control characters
  are shown escaped (``\\x1b``), so nothing stored can drive the terminal.
- ``--format tsv`` (the default when the output is piped or redirected): one
  header line of the columns' stable keys, then one line per row with every
  column and every value whole.  Inside a value a backslash, tab, newline and
  carriage return are written ``\\\\``, ``\\t``, ``\\n``, ``\\r`` (reversible),
  other control characters as ``\\x1b``-style escapes.
- ``--format csv``: RFC 4180 (quoted where needed, ``\\n`` line ends), keys as
  the header; cells that a spreadsheet would run as a formula (``=``, ``+``,
  ``-``, ``@``, tab, CR first) get a leading ``'``
  (:func:`csdesk.domain.text.csv_safe`).
- ``--format json``: an array of objects keyed by the columns' keys, one object
  a line; numbers stay numbers, missing values are ``null``; any character that
  could act on a terminal is written as a ``\\uXXXX`` escape (still lossless).

The title and the note (``12 of 300 shown``) go above and below the table; with
the machine formats the note goes to stderr, so stdout holds only the data.
A reader that closes the pipe early (``| head``) ends the command quietly.
"""


import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

import typer

from csdesk.cli.common import fail
from csdesk.i18n import _

# (csdesk.domain.text, csv and json are imported when rows are printed: ``--help`` does not pay for them)

FORMATS = ("table", "tsv", "csv", "json")


def check_format(value: str | None) -> str | None:
    """The ``--format`` value, or a one-line error; ``None`` means "by the output"."""
    if value is None:
        return None
    fmt = value.strip().lower()
    if fmt not in FORMATS:
        from csdesk.domain.text import quote_input

        fail(_('--format: unknown format "{value}"; choose one of: {choices}').format(
            value=quote_input(value), choices=", ".join(FORMATS)))
    return fmt


FormatOption = Annotated[str | None, typer.Option(
    "--format", callback=check_format, metavar="FORMAT",
    help="table, tsv, csv or json (default: a table on a terminal, tab-separated values when piped).")]


@dataclass(frozen=True)
class Column:
    """One column of a listing.

    ``key`` is stable (the header of TSV/CSV, the field of JSON); ``header`` is
    the table's heading, translated.  ``fixed`` columns (numbers, phones,
    times) stay on one line in the table; ``cut`` shortens a long text in the
    table only (with ``…``): the machine formats always carry the whole value.
    """

    key: str
    header: str = ""
    fixed: bool = False
    cut: int | None = None
    justify: str = "left"


def _columns(columns: Sequence[Column | str | tuple]) -> list[Column]:
    out = []
    for c in columns:
        if isinstance(c, Column):
            out.append(c if c.header else Column(c.key, c.key, c.fixed, c.cut, c.justify))
        elif isinstance(c, str):
            out.append(Column(c, c))
        else:
            out.append(Column(*c))
    return out


def resolve(fmt: str | None, stream=None) -> str:
    """The format to use: as asked, else a table on a terminal and TSV otherwise."""
    if fmt:
        return check_format(fmt)
    stream = stream or sys.stdout
    try:
        return "table" if stream.isatty() else "tsv"
    except (AttributeError, ValueError):
        return "tsv"


def _cells(row, columns: list[Column]) -> list:
    if isinstance(row, Mapping):
        return [row.get(c.key) for c in columns]
    values = list(row)
    if len(values) < len(columns):
        values += [None] * (len(columns) - len(values))
    return values[: len(columns)]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _json_value(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    return _text(value)


def _json_escape(m) -> str:
    cp = ord(m.group())
    if cp > 0xFFFF:
        cp -= 0x10000
        return f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}"
    return f"\\u{cp:04x}"


def _tsv_cell(value) -> str:
    from csdesk.domain.text import printable

    text = _text(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return printable(text)


def _table_cell(value, column: Column) -> str:
    from csdesk.domain.text import printable

    text = printable(_text(value).replace("\t", " "), keep="\n")
    if column.cut and len(text) > column.cut:
        text = text[: column.cut - 1] + "…"
    return text


def emit(rows: Iterable[Sequence | Mapping], columns: Sequence[Column | str | tuple], fmt: str | None = None, *,
         title: str | None = None, note: str | None = None, empty: str | None = None) -> int:
    """Print ``rows`` as ``fmt`` (see the module notes); return how many rows were printed.

    ``rows``: sequences in the order of ``columns``, or mappings by column key.
    ``empty`` is said instead of an empty table (default "Nothing found.").
    """
    cols = _columns(columns)
    fmt = resolve(fmt)
    try:
        if fmt == "table":
            n = _emit_table(rows, cols, title, note, empty)
        else:
            n = {"tsv": _emit_tsv, "csv": _emit_csv, "json": _emit_json}[fmt](rows, cols)
            sys.stdout.flush()
            if n == 0 or note:
                from csdesk.domain.text import printable

                typer.echo(printable(note if n else (empty or _("Nothing found."))), err=True)
    except BrokenPipeError:
        _quiet_stdout()
        raise typer.Exit(0) from None
    return n


def _quiet_stdout() -> None:
    """The reader went away (``| head``): stop writing, and let Python's exit flush nothing."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _emit_table(rows, cols: list[Column], title, note, empty) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from csdesk.domain.text import printable

    console = Console(markup=False, highlight=False, emoji=False)
    table = Table(title=Text(printable(title)) if title else None)
    for c in cols:
        table.add_column(Text(printable(c.header)), no_wrap=c.fixed, overflow="fold", justify=c.justify)
    n = 0
    for row in rows:
        table.add_row(*(Text(_table_cell(v, c)) for v, c in zip(_cells(row, cols), cols, strict=True)))
        n += 1
    if n == 0:
        console.print(Text(printable(empty or _("Nothing found."))))
        return 0
    console.print(table)
    if note:
        console.print(Text(printable(note)))
    return n


def _emit_tsv(rows, cols: list[Column]) -> int:
    out = sys.stdout
    out.write("\t".join(_tsv_cell(c.key) for c in cols) + "\n")
    n = 0
    for row in rows:
        out.write("\t".join(_tsv_cell(v) for v in _cells(row, cols)) + "\n")
        n += 1
    return n


def _emit_csv(rows, cols: list[Column]) -> int:
    import csv

    from csdesk.domain.text import csv_safe, printable

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([csv_safe(printable(c.key)) for c in cols])
    n = 0
    for row in rows:
        writer.writerow([csv_safe(printable(_text(v), keep="\n\t")) for v in _cells(row, cols)])
        n += 1
    return n


def _emit_json(rows, cols: list[Column]) -> int:
    import json

    from csdesk.domain.text import SHOWN_ESCAPED

    out = sys.stdout
    n = 0
    out.write("[")
    for row in rows:
        obj = {c.key: _json_value(v) for c, v in zip(cols, _cells(row, cols), strict=True)}
        out.write(("," if n else "") + "\n" + SHOWN_ESCAPED.sub(_json_escape, json.dumps(obj, ensure_ascii=False)))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n
