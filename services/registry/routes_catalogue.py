"""HTTP routes of classification schemes, designations, metrics, the yearly bulk read and the change feed."""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Literal

from anyio import CancelScope, to_thread
from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection
from starlette.responses import Response, StreamingResponse

from services.common.database import SessionDep
from services.common.errors import Invalid
from services.common.fast_reads import read_limiter
from services.common.http import IdempotencyDep, check_if_match, decode_cursor, encode_cursor, etag
from services.registry import access, changes, classifications, designations, statistics, units
from services.registry.routing import Admin, Editor, Reader, actor, after_id, json_response, page
from services.registry.schemas import DesignationIn, DesignationKindIn, DesignationPatch, MetricIn, SchemeIn

router = APIRouter(prefix="/v1")
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/classification-schemes", tags=["classifications"])
def list_schemes(session: SessionDep, _: Reader):
    return json_response({"items": classifications.list_schemes(session)})


@router.post("/classification-schemes", status_code=201, tags=["classifications"])
def create_scheme(body: SchemeIn, session: SessionDep, who: Admin, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    return idem.remember(session, classifications.create_scheme(session, body.model_dump(), actor=actor(who)))


@router.get("/designation-kinds", tags=["designations"])
def list_kinds(session: SessionDep, _: Reader):
    return json_response({"items": designations.list_kinds(session)})


@router.post("/designation-kinds", status_code=201, tags=["designations"])
def create_kind(body: DesignationKindIn, session: SessionDep, who: Admin, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    return idem.remember(session, designations.create_kind(session, body.model_dump(), actor=actor(who)))


@router.get("/designations", tags=["designations"])
def list_designations(session: SessionDep, _: Reader, kind: str | None = None, year: int | None = None,
                      status: str | None = None, unit_code: str | None = None, town: str | None = None,
                      limit: Limit = 50, cursor: str | None = None):
    items, total = designations.list_designations(session, kind_key=kind, year=year, status=status,
                                                  unit_code=unit_code, town=town, after_id=after_id(cursor),
                                                  limit=limit)
    next_position = {"id": items[-1]["id"]} if len(items) == limit else None
    return json_response(page(items, total=total, next_position=next_position))


@router.get("/designations/counts", tags=["designations"])
def count_designations(session: SessionDep, _: Reader, status: Literal["candidate", "awarded", "revoked"] = "awarded",
                       kind: str | None = None, town: str | None = None):
    """How many units hold each kind per year: what plan targets (e.g. 100 诗画乡村 by 2027) count."""
    return json_response({"status": status, "items": designations.count_designations(
        session, status=status, kind_key=kind, town=town)})


@router.post("/designations", status_code=201, tags=["designations"])
def create_designation(body: DesignationIn, session: SessionDep, who: Editor, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    unit = units.open_unit(session, body.unit_code)
    access.require_town(who, unit["town_code"])
    row = designations.create_designation(session, unit, body.model_dump(), actor=actor(who))
    return idem.remember(session, designations.shown(row), headers={"ETag": etag(row["version"])})


@router.get("/designations/{designation_id}", tags=["designations"])
def read_designation(designation_id: int, session: SessionDep, _: Reader):
    row = designations.get_designation(session, designation_id)
    return json_response(designations.shown(row), version=row["version"])


@router.patch("/designations/{designation_id}", tags=["designations"])
def update_designation(designation_id: int, body: DesignationPatch, request: Request, session: SessionDep,
                       who: Editor):
    row = designations.get_designation(session, designation_id)
    access.require_town(who, row["town_code"])
    check_if_match(request, row["version"])
    after = designations.update_designation(session, row, body.model_dump(exclude_unset=True), actor=actor(who))
    return json_response(designations.shown(after), version=after["version"])


@router.get("/metrics", tags=["statistics"])
def list_metrics(session: SessionDep, _: Reader):
    return json_response({"items": statistics.list_metrics(session)})


@router.post("/metrics", status_code=201, tags=["statistics"])
def create_metric(body: MetricIn, session: SessionDep, who: Admin, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    return idem.remember(session, statistics.create_metric(session, body.model_dump(), actor=actor(who)))


@router.get("/statistics", tags=["statistics"])
async def read_year(request: Request, _: Reader, year: Annotated[int, Query(ge=1949, le=2100)],
                    metrics: str | None = None, town: str | None = None):
    """Every unit's values of the chosen metrics (comma-separated keys; all if none) for one year."""
    keys = [k.strip() for k in metrics.split(",") if k.strip()] if metrics else None
    engine = request.app.state.engine

    def start() -> tuple[Connection, Iterator[bytes]] | bytes:
        # One metric for every unit is tens of MB: it is sent in parts while the cursor is read,
        # on a connection of its own held until the last part (or the client going away).
        connection = engine.connect()
        try:
            body = statistics.read_year(connection, year=year, metric_keys=keys, town=town, chunk=10_000)
        except BaseException:
            connection.close()
            raise
        if isinstance(body, bytes):
            connection.close()
            return body
        return connection, body

    started = await to_thread.run_sync(start, limiter=read_limiter(request))
    if isinstance(started, bytes):
        return Response(started, media_type="application/json")
    connection, parts = started

    def finish() -> None:
        try:
            parts.close()
        finally:
            connection.close()

    async def stream() -> AsyncIterator[bytes]:
        try:
            # Each part is fetched in a worker thread outside the read limiter: a stream holding its
            # connection must always be able to finish, whatever waits for the pool meanwhile.
            while (part := await to_thread.run_sync(next, parts, None)) is not None:
                yield part
        finally:
            with CancelScope(shield=True):
                await to_thread.run_sync(finish)

    return StreamingResponse(stream(), media_type="application/json")


@router.get("/changes", tags=["changes"])
def list_changes(session: SessionDep, _: Reader, since: str | None = None, limit: Limit = 100):
    """Changes after `since`, oldest first. `next_cursor` is where to continue, also when nothing is new."""
    start = decode_cursor(since) or {"seq": 0}
    if not isinstance(start.get("seq"), int):
        raise Invalid("since", "is not a cursor this service gave out")
    items = changes.list_changes(session, after_seq=start["seq"], limit=limit)
    last = items[-1]["seq"] if items else start["seq"]
    return json_response({"items": items, "next_cursor": encode_cursor({"seq": last}),
                          "has_more": len(items) == limit})
