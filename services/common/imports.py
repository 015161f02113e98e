"""Importing spreadsheets: every row checked, a report of row, column, value and reason, and
changes kept only when the file is clean (or, if the user chose so, for its clean rows only).

A service supplies an `Importer`: its columns, and `apply_rows`, which checks a batch of rows
against what is stored, writes the ones that are new or changed and returns the refused ones.
`run_import` reads the file a batch at a time inside a savepoint, so later rows are checked
against earlier ones (a village under a town the same file opens), and rolls the savepoint
back when the file is refused or only a dry run was asked. Memory stays flat: one batch at a time.
`insert_rows` is how an importer writes a batch: COPY on PostgreSQL, executemany elsewhere.
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal, Protocol

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.orm import Session

from services.common.errors import DomainError, Invalid
from services.common.limits import time_left
from services.common.spreadsheets import read_rows

Mode = Literal["all_or_nothing", "clean_rows"]
BATCH_ROWS = 1000
RETURNING_PAGE_ROWS = 64
HEADER_SEARCH_ROWS = 10
MAX_REPORTED_ERRORS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADING_NOISE = re.compile(r"[\s_\-()（）/*：:]+")


@dataclass(frozen=True)
class Column:
    """One column of an import: its key, its Chinese heading and other names a file may use."""

    key: str
    title: str
    required: bool = False
    max_length: int | None = None
    aliases: tuple[str, ...] = ()
    read_only: bool = False  # exported for the reader's sake, ignored when imported

    @property
    def heading(self) -> str:
        return f"{self.title}({self.key})"

    def names(self) -> set[str]:
        return {heading_key(n) for n in (self.key, self.title, self.title + self.key, *self.aliases)}


def heading_key(text: str) -> str:
    """How headings are compared: case, spaces, brackets and underscores do not matter."""
    return _HEADING_NOISE.sub("", text).lower()


@dataclass
class Row:
    """A data row: its Excel row number and its cells by column key ("" when empty)."""

    number: int
    values: dict[str, str]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Refusal:
    """A row an importer refused, naming the column key (or another field) at fault."""

    row: Row
    field: str
    reason: str

    @classmethod
    def of(cls, row: Row, exc: Invalid) -> "Refusal":
        return cls(row, exc.field, exc.errors[0]["message"] if exc.errors else exc.detail)


class Importer(Protocol):
    columns: Sequence[Column]
    applied: int
    unchanged: int

    def apply_rows(self, rows: list[Row]) -> list[Refusal]: ...


@dataclass
class ImportReport:
    kind: str
    file_sha256: str
    mode: str
    dry_run: bool
    rows: int = 0
    clean_rows: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    applied: int = 0
    unchanged: int = 0
    status: str = "validated"

    def add(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def as_dict(self) -> dict:
        return asdict(self)


class ImportRefused(DomainError):
    """The file has row errors and all-or-nothing was asked: nothing was applied."""

    status, code, title = 422, "import_rejected", "Import rejected"


def refused(report: ImportReport) -> ImportRefused:
    """The 422 problem of a refused file: its report, each row error also as a field error."""
    summary = report.as_dict()
    errors = [{**e, "field": f"row {e['row']}: {e['column']}", "message": e["reason"]} for e in summary.pop("errors")]
    return ImportRefused(f"{report.error_count} 处错误，未导入任何数据 / {report.error_count} errors; nothing was "
                         "imported", errors=errors, extra=summary)


def choice(text: str, labels: dict[str, str], field: str) -> str | None:
    """A coded value given by its code ("village") or its Chinese label ("行政村"); None when empty."""
    if not text or text in labels.values():
        return text or None
    if text in labels:
        return labels[text]
    allowed = "/".join(sorted(set(labels) | set(labels.values())))
    raise Invalid(field, f"应为 {allowed} 之一 / must be one of {allowed}")


def parse_date(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-").replace(".", "-"))
    except ValueError:
        raise Invalid(field, "日期应为 YYYY-MM-DD / date must be YYYY-MM-DD") from None


def parse_amount(text: str, field: str, *, places: int = 2, digits: int = 16) -> Decimal | None:
    """A non-negative amount with at most `places` decimals ("1,234.50" and "1234.5" alike); None when empty."""
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise Invalid(field, "应为不小于 0 的数 / must be a number, 0 or more")
    if value != value.quantize(Decimal(1).scaleb(-places)) or len(str(int(value))) > digits - places:
        raise Invalid(field, f"最多 {places} 位小数、{digits - places} 位整数 / at most {places} decimals and "
                             f"{digits - places} digits before the point")
    return value.quantize(Decimal(1).scaleb(-places))


def run_import(session: Session, path: Path, importer: Importer, report: ImportReport) -> ImportReport:
    """Checks every row and applies them in the caller's transaction, or rolls all of it back."""
    savepoint = session.begin_nested()
    try:
        for batch in _batches(_records(path, importer.columns, report)):
            time_left("import")  # past the route's limit: everything rolls back and the caller is told
            _check_batch(batch, importer, report)
        report.clean_rows = report.rows - report.error_count
        report.applied, report.unchanged = importer.applied, importer.unchanged
        report.status = _status(report)
    except BaseException:
        savepoint.rollback()
        raise
    if report.status == "applied":
        savepoint.commit()
    else:
        savepoint.rollback()
        if report.status == "rejected":
            report.applied = 0
    return report


def insert_rows(session: Session, table: Table, rows: list[dict], *, key: str | None = None) -> dict:
    """Inserts rows that all have the same keys, in the session's transaction; with `key`, returns
    each new row's id by its value of that column.

    On PostgreSQL with psycopg the rows go in with COPY, ids taken from the table's sequence
    first: executemany still costs the server a Bind and Execute per row, and a multi-row
    INSERT ... RETURNING costs psycopg a parse of its long text; together they were most of a
    large import's time. COPY skips SQLAlchemy's bind processing, so values must be what psycopg takes
    as they are (aware datetimes, Decimals); columns left out get their defaults.
    """
    if not rows:
        return {}
    connection = session.connection()
    if connection.dialect.driver != "psycopg":
        return _insert_many(session, table, rows, key)
    ids = {}
    if key is not None:
        ids = dict(zip((row[key] for row in rows), _next_ids(session, table, len(rows)), strict=True))
        rows = [row | {"id": ids[row[key]]} for row in rows]
    _copy(connection, table, rows)
    return ids


def _insert_many(session: Session, table: Table, rows: list[dict], key: str | None) -> dict:
    if key is None:
        session.execute(insert(table), rows)
        return {}
    returning = insert(table).returning(table.c[key], table.c.id)
    # SQLite's driver keeps up to 128 statements prepared and a page of n rows is a statement of
    # its own: pages of a thousand rows made that cache grow to 60 MB over a large import.
    made = session.execute(returning.execution_options(insertmanyvalues_page_size=RETURNING_PAGE_ROWS), rows)
    return {value: row_id for value, row_id in made}


def _next_ids(session: Session, table: Table, count: int) -> list[int]:
    sequence = func.pg_get_serial_sequence(table.name, "id")
    return list(session.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, count))))


def _copy(connection: Connection, table: Table, rows: list[dict]) -> None:
    columns = list(rows[0])
    quote = connection.dialect.identifier_preparer
    names = ", ".join(quote.quote(c) for c in columns)
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY {quote.format_table(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _status(report: ImportReport) -> str:
    if report.error_count and (report.mode == "all_or_nothing" or not report.rows):
        return "rejected"
    return "validated" if report.dry_run else "applied"


def _check_batch(batch: list[Row], importer: Importer, report: ImportReport) -> None:
    refused = [r for r in map(_check_cells(importer.columns), batch) if r is not None]
    bad = {r.row.number for r in refused}
    refused += importer.apply_rows([row for row in batch if row.number not in bad])
    columns = {c.key: c for c in importer.columns}
    for refusal in sorted(refused, key=lambda r: r.row.number):
        column = columns.get(refusal.field)
        report.add(RowError(row=refusal.row.number, column=column.heading if column else refusal.field,
                            value=refusal.row.values.get(refusal.field, "")[:200], reason=refusal.reason))


def _check_cells(columns: Sequence[Column]):
    def check(row: Row) -> Refusal | None:
        for column in columns:
            value = row.values.get(column.key, "")
            if column.required and not value:
                return Refusal(row, column.key, "必填 / required")
            if column.max_length and len(value) > column.max_length:
                return Refusal(row, column.key, f"最多 {column.max_length} 个字符 / at most {column.max_length} "
                                                "characters")
            if _CONTROL.search(value):
                return Refusal(row, column.key, "含有控制字符 / contains a control character")
        return None

    return check


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _records(path: Path, columns: Sequence[Column], report: ImportReport) -> Iterator[Row]:
    """Data rows keyed by column; the header is the first row (of the first ten) naming a known column."""
    rows = read_rows(path)
    header = _find_header(rows, columns)
    if header is None:
        _refuse_file(report, 1, "", "找不到表头 / no header row names a known column; expected "
                     + ", ".join(c.heading for c in columns))
        return
    places = _map_header(header, columns, report)
    if report.error_count:
        return
    empty = {c.key: "" for c in columns if not c.read_only}
    for number, cells in rows:
        if any(cells):
            report.rows += 1
            yield Row(number, empty | {key: cells[i] for i, key in places if i < len(cells)})


def _find_header(rows: Iterator[tuple[int, list[str]]], columns: Sequence[Column]) -> tuple[int, list[str]] | None:
    known = set().union(*(c.names() for c in columns))
    seen = 0
    for number, cells in rows:
        if not any(cells):
            continue
        if any(heading_key(c) in known for c in cells if c):
            return number, cells
        seen += 1
        if seen == HEADER_SEARCH_ROWS:
            return None
    return None


def _map_header(header: tuple[int, list[str]], columns: Sequence[Column],
                report: ImportReport) -> list[tuple[int, str]]:
    """Where each column is; a missing required or repeated column refuses the file."""
    number, cells = header
    by_name = {name: c for c in columns for name in c.names()}
    places: dict[str, int] = {}
    for index, text in enumerate(cells):
        column = by_name.get(heading_key(text)) if text else None
        if column is None:
            if text:
                report.ignored_columns.append(text)
        elif column.key in places:
            _refuse_file(report, number, column.heading, "列重复 / the column appears twice")
        elif not column.read_only:
            places[column.key] = index
    for column in columns:
        if column.required and column.key not in places:
            _refuse_file(report, number, column.heading, "缺少必需的列 / required column is missing")
    return [(i, key) for key, i in places.items()]


def _refuse_file(report: ImportReport, row: int, column: str, reason: str) -> None:
    report.add(RowError(row=row, column=column, value="", reason=reason))
