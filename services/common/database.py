"""Engines and the request session.

Sessions are capped at `SESSION_CONCURRENCY` per process and the pool holds as many
connections, so a request waiting for a session waits on the event loop, never in a
worker thread: threads cannot all block on the pool while the holders need a thread
to give their connections back.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, Table, create_engine, event, update
from sqlalchemy.orm import declared_attr
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

# Measured with `make bench` on 2 cores: 4 concurrent sessions served 426-469 rps where 16 served
# 241-370; more threads in Python code only fight over the GIL.
SESSION_CONCURRENCY = 4


class Versioned:
    """Mixin for tables edited through the ORM under If-Match: every UPDATE and DELETE of a row
    requires the version it was read at (`WHERE version = :read`). Code still bumps `version` itself.

    On PostgreSQL two editors can both pass the If-Match check on the version they read; the second
    UPDATE then waits for the first to commit, matches no row, and raises StaleDataError (a 412).
    """

    __version_column__ = "version"

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c[cls.__version_column__],  # type: ignore[attr-defined]
                "version_id_generator": False}


def update_versioned(session: Session, table: Table, row: Mapping[str, Any], **values: Any) -> int:
    """The Core twin of Versioned: updates `row` only if it still has the version it was read at.

    Returns the new version; raises StaleDataError (a 412) when another write got there first.
    """
    version = row["version"] + 1
    result = session.execute(update(table).where(table.c.id == row["id"], table.c.version == row["version"])
                             .values(**values, version=version))
    if result.rowcount != 1:
        raise StaleDataError(f"{table.name} {row['id']} changed since version {row['version']} was read")
    return version


def make_engine(url: str, *, pool_size: int = SESSION_CONCURRENCY) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        return _sqlite_engine(url, pool_size)
    return create_engine(url, pool_size=pool_size, max_overflow=0, pool_pre_ping=True,
                         pool_timeout=10)


def _sqlite_engine(url: str, pool_size: int) -> Engine:
    engine = create_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=10,
                           connect_args={"check_same_thread": False, "timeout": 15})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # pysqlite's own BEGIN handling is off so that we can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=15000", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write that reads first must hold the write lock from the start, or SQLite
        # answers "database is locked" when another writer commits in between.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; commits when the endpoint returns, before the response."""
    engine: Engine = request.app.state.engine
    with Session(engine, expire_on_commit=False) as session:
        if request.method in _UNSAFE:
            session.connection(execution_options={"sqlite_immediate": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session, scope="function", max_concurrency=SESSION_CONCURRENCY)]


class Sessions:
    """The sessions of an unsafe request that computes for long (a plan's solve, a gathering over HTTP).

    It reads in `read()`, computes with no transaction open, then writes in `write()`, re-checking
    there what may have changed meanwhile: on SQLite the write lock is held only while writing, so
    other writers are not kept waiting (until "database is locked") by the computation. Its sessions
    are not counted in SESSION_CONCURRENCY; they wait for the pool (pool_timeout) in the worker thread,
    which is acceptable for the few, rare routes that use it.
    """

    def __init__(self, engine: Engine):
        self.engine = engine

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            session.connection(execution_options={"sqlite_immediate": True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise


def get_sessions(request: Request) -> Sessions:
    return Sessions(request.app.state.engine)


SessionsDep = Annotated[Sessions, Depends(get_sessions)]
