"""What the registry's route modules share: role aliases, fast JSON responses, page cursors, and
`read`, the one-thread path of the hot reads."""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Connection, Engine

from services.common.auth import current_principal, require_roles
from services.common.database import SESSION_CONCURRENCY, make_engine
from services.common.http import (  # noqa: F401 - routes take it from here
    decode_cursor,
    encode_cursor,
    etag,
    json_response,
)
from services.common.tokens import Principal
from services.registry.access import STATISTICS_EDITORS, TOWN_EDITORS

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


async def reader(request: Request) -> Principal:
    # Checking a token is a dictionary lookup once verified: on the event loop it saves a thread hop.
    return current_principal(request)


Reader = Annotated[Principal, Depends(reader)]
Editor = Annotated[Principal, Depends(require_roles(*TOWN_EDITORS))]
StatisticsEditor = Annotated[Principal, Depends(require_roles(*STATISTICS_EDITORS))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
UnitCode = Annotated[str, Path(pattern=r"^\d{12}$", description="12-digit statistical division code")]


def actor(principal: Principal) -> str:
    return f"{principal.kind}:{principal.subject}"


def page(items: list, *, total: int, next_position: dict | None) -> dict:
    return {"items": items, "next_cursor": encode_cursor(next_position) if next_position else None, "total": total}


class Paging(BaseModel):
    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = None


def parse_query(model: type[M], request: Request) -> M:
    """The query string validated by the model in one step; a bad value is the usual 422 naming the field.

    For lists with many filters: FastAPI reads and checks declared parameters one by one, which
    for the unit list's twenty cost more than its query. Document the fields with
    `openapi_extra=query_parameters(Model)`.
    """
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in exc.errors()]) from None


def query_parameters(*models: type[BaseModel]) -> dict:
    """The OpenAPI `parameters` of the models' fields, for routes that read them with `parse_query`."""
    parameters = []
    for model in models:
        schema = model.model_json_schema()
        required = set(schema.get("required", ()))
        parameters += [{"name": name, "in": "query", "required": name in required, "schema": field}
                       for name, field in schema["properties"].items()]
    return {"parameters": parameters}


def position(cursor: str | None) -> dict | None:
    return decode_cursor(cursor)


def after_id(cursor: str | None) -> int:
    found = decode_cursor(cursor)
    return int(found.get("id", 0)) if found else 0


async def read(request: Request, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Runs `work(connection, *args, **kwargs)` in one worker thread on a connection of its own.

    For the hot reads (the unit list, the yearly bulk read): a `SessionDep` route costs four thread
    hops (session in, endpoint, session out, and the principal), this one. At most
    SESSION_CONCURRENCY such reads hold a thread at once, and each gives its connection back in the
    thread that took it, so a read waiting for the pool never waits on a thread that a holder needs.
    """
    engine: Engine = request.app.state.engine

    def in_thread() -> T:
        with engine.connect() as connection:
            return work(connection, *args, **kwargs)

    return await to_thread.run_sync(in_thread, limiter=_read_limiter(request))


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


def _read_limiter(request: Request) -> CapacityLimiter:
    state = request.app.state
    limiter = getattr(state, "read_limiter", None)
    if limiter is None:  # made on the event loop, where anyio can make it
        limiter = state.read_limiter = CapacityLimiter(SESSION_CONCURRENCY)
    return limiter
