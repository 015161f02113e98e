"""Reads that take the shortest way to the database: on the event loop when an index bounds them
to a few hundred rows, otherwise in one worker thread on a connection of their own."""

from collections.abc import Callable
from typing import Any, TypeVar

from anyio import CapacityLimiter, to_thread
from sqlalchemy import Connection, Engine
from starlette.requests import Request

from services.common.database import SESSION_CONCURRENCY, make_engine

T = TypeVar("T")


async def read(request: Request, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Runs `work(connection, *args, **kwargs)` in one worker thread on a connection of its own.

    For the hot reads (the unit list, the yearly bulk read): a `SessionDep` route costs three thread
    hops (session in, endpoint, session out), this one. At most
    SESSION_CONCURRENCY such reads hold a thread at once, and each gives its connection back in the
    thread that took it, so a read waiting for the pool never waits on a thread that a holder needs.
    """
    engine: Engine = request.app.state.engine

    def in_thread() -> T:
        with engine.connect() as connection:
            return work(connection, *args, **kwargs)

    return await to_thread.run_sync(in_thread, limiter=read_limiter(request))


def read_now(request: Request, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Runs `work(connection, *args, **kwargs)` on the event loop, on the loop's own connection.

    Only for reads bounded by an index to a few hundred rows, such as one town's page of units
    (0.2-0.4 ms): a worker thread costs about as much again in hops and GIL hand-overs, and under
    load the threads fight the loop for the GIL. The loop is one thread, so one connection of its
    own, outside the request pool, serves it: it never waits for the pool (which would stall
    every request) and is not pinged or begun anew for each read. Wider reads go through `read`.
    """
    connection = _loop_connection(request)
    try:
        return work(connection, *args, **kwargs)
    finally:
        if connection.invalidated:  # the database went away: the next read connects afresh
            connection.close()
            request.app.state.loop_connection = None
        else:
            connection.rollback()


def _loop_connection(request: Request) -> Connection:
    state = request.app.state
    connection = getattr(state, "loop_connection", None)
    if connection is None:
        engine: Engine = state.engine
        if getattr(state, "loop_engine", None) is None:
            state.loop_engine = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1)
            state.extra_engines.append(state.loop_engine)
        connection = state.loop_engine.connect()
        if connection.dialect.name == "postgresql":
            # Reads only: no BEGIN/ROLLBACK round trips per page (SQLite's BEGIN hook stays as it is).
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        state.loop_connection = connection
    return connection


def read_limiter(request: Request) -> CapacityLimiter:
    state = request.app.state
    limiter = getattr(state, "read_limiter", None)
    if limiter is None:  # made on the event loop, where anyio can make it
        limiter = state.read_limiter = CapacityLimiter(SESSION_CONCURRENCY)
    return limiter
