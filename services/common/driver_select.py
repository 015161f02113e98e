"""Core SELECTs compiled once and run on the driver's own cursor, for the hottest reads.

SQLAlchemy's execution context and result metadata cost more CPU than a one-town page of units
takes on its index (psycopg builds a column object per column for the metadata alone): measured
in-process on PostgreSQL, about 280 us a page through `Connection.execute` against 110 us for
the driver with the same SQL. A `DriverSelect` keeps what SQLAlchemy adds that matters: the SQL
and parameter style of the dialect, and the types' bind and result processing (dates and
booleans on SQLite), so rows come back as they would through `Connection.execute`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Select
from sqlalchemy.engine import Compiled
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any]


@dataclass
class DriverSelect:
    compiled: Compiled
    columns: tuple  # the selected columns, whose types process the results
    positions: tuple[str, ...] | None  # parameter names in order, for positional paramstyles
    binds: tuple[tuple[str, Processor], ...]
    # Some processors depend on the type the driver reports (numeric on psycopg): set at first use.
    results: tuple[tuple[int, Processor], ...] | None = None

    def rows(self, connection: Connection, values: dict[str, Any]) -> list[tuple]:
        """The statement's rows for `values`, on the connection's current transaction, if any."""
        parameters = self.compiled.construct_params(values)
        for name, process in self.binds:
            if parameters.get(name) is not None:
                parameters[name] = process(parameters[name])
        arguments = [parameters[name] for name in self.positions] if self.positions is not None else parameters
        cursor = connection.connection.cursor()
        try:
            cursor.execute(self.compiled.string, arguments)
            if self.results is None:
                self.results = self._result_processors(cursor.description)
            rows = cursor.fetchall()
        except connection.dialect.loaded_dbapi.Error as exc:
            # As SQLAlchemy wraps them, so that the services' handlers see one kind of error
            # (a value out of range is the same DataError, a 422, whichever way it was read).
            raise DBAPIError.instance(self.compiled.string, arguments, exc,
                                      connection.dialect.loaded_dbapi.Error) from exc
        finally:
            cursor.close()
        return [self._processed(row) for row in rows] if self.results else rows

    def _result_processors(self, description) -> tuple[tuple[int, Processor], ...]:
        dialect = self.compiled.dialect
        found = ((index, column.type.dialect_impl(dialect).result_processor(dialect, described[1]))
                 for index, (column, described) in enumerate(zip(self.columns, description, strict=True)))
        return tuple((index, process) for index, process in found if process is not None)

    def _processed(self, row: tuple) -> tuple:
        row = list(row)
        for index, process in self.results:
            row[index] = process(row[index])
        return tuple(row)


@lru_cache(maxsize=1024)
def driver_select(statement: Select, dialect: Dialect) -> DriverSelect:
    """`statement` compiled for `dialect`, kept: build statements once per shape and pass them here."""
    compiled = statement.compile(dialect=dialect)
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("expanding (IN) and literal parameters are filled per call: execute such statements")
    binds = tuple((name, process) for name, bind in compiled.binds.items()
                  if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None)
    positions = tuple(compiled.positiontup) if compiled.positional else None
    return DriverSelect(compiled, tuple(statement.selected_columns), positions, binds)
