"""HTTP routes of administrative units, their history, classes, statistics and adjustments."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from services.common.auth import current_principal
from services.common.database import SessionDep
from services.common.fast_reads import read, read_now
from services.common.formats import IsoDate
from services.common.http import IdempotencyDep, check_if_match, etag
from services.registry import access, adjustments, classifications, statistics, units
from services.registry.routing import (
    Admin,
    Editor,
    Paging,
    Reader,
    StatisticsEditor,
    UnitCode,
    actor,
    after_id,
    json_response,
    page,
    parse_query,
    position,
    query_parameters,
)
from services.registry.schemas import AdjustmentIn, StatisticsIn, UnitClassIn, UnitIn, UnitPatch
from services.registry.search import UnitQuery, search_units

router = APIRouter(prefix="/v1", tags=["units"])
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/units", openapi_extra=query_parameters(UnitQuery, Paging))
async def list_units(request: Request) -> Response:
    """Units that existed on `on` (today by default), filtered, sorted, a keyset page at a time.

    The hot list: answered before FastAPI's stack (`hot_gets` in `create_app`; the route is declared
    for OpenAPI), so it checks the caller and the query itself rather than by dependencies.
    """
    current_principal(request)
    query, paging = parse_query(UnitQuery, request), parse_query(Paging, request)
    if query.town is not None:  # one town's units, a few hundred rows on an index: cheaper than a thread hop
        found = read_now(request, search_units, query, limit=paging.limit, position=position(paging.cursor))
    else:
        found = await read(request, search_units, query, limit=paging.limit, position=position(paging.cursor))
    return json_response(page(found["items"], total=found["total"], next_position=found["next_position"]))


@router.post("/units", status_code=201)
def create_unit(body: UnitIn, session: SessionDep, who: Editor, idem: IdempotencyDep):
    """Opens a unit; a town officer may open villages and communities in their own towns only."""
    if replay := idem.replay(session):
        return replay
    parent = units.find_unit(session, body.parent_code) if body.parent_code else None
    access.require_town(who, parent["town_code"] if parent else None)
    row = units.create_unit(session, body.model_dump(), actor=actor(who))
    return idem.remember(session, units.public(row), headers={"ETag": etag(row["version"])})


@router.get("/units/{unit_code}")
def read_unit(unit_code: UnitCode, session: SessionDep, _: Reader, on: IsoDate | None = None):
    unit = units.get_unit(session, unit_code, on)
    return json_response(units.public(unit), version=unit["version"])


@router.patch("/units/{unit_code}")
def update_unit(unit_code: UnitCode, body: UnitPatch, request: Request, session: SessionDep, who: Editor):
    unit = units.get_unit(session, unit_code)
    access.require_town(who, unit["town_code"])
    check_if_match(request, unit["version"])
    row = units.update_unit(session, unit, body.model_dump(exclude_unset=True), actor=actor(who))
    return json_response(units.public(row), version=row["version"])


@router.get("/units/{unit_code}/history")
def unit_history(unit_code: UnitCode, session: SessionDep, _: Reader):
    """Every version of the code, what it came from and became, and what exists now in its place."""
    return json_response(units.history(session, unit_code))


@router.get("/units/{unit_code}/classes")
def unit_classes(unit_code: UnitCode, session: SessionDep, _: Reader, year: int | None = None):
    units.get_unit(session, unit_code)
    return json_response({"items": classifications.unit_classes(session, unit_code, year=year)})


@router.post("/units/{unit_code}/classes", status_code=201)
def set_unit_class(unit_code: UnitCode, body: UnitClassIn, session: SessionDep, who: Editor, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    unit = units.get_unit(session, unit_code)
    access.require_town(who, unit["town_code"])
    return idem.remember(session, classifications.set_unit_class(session, unit, body.model_dump(), actor=actor(who)))


@router.get("/units/{unit_code}/statistics")
def unit_statistics(unit_code: UnitCode, session: SessionDep, _: Reader, year: int | None = None,
                    history: bool = False):
    units.get_unit(session, unit_code)
    items = statistics.unit_statistics(session, unit_code, year=year, with_history=history)
    return json_response({"unit_code": unit_code, "items": items})


@router.post("/units/{unit_code}/statistics", status_code=201)
def record_statistics(unit_code: UnitCode, body: StatisticsIn, session: SessionDep, who: StatisticsEditor,
                      idem: IdempotencyDep):
    """Saves a year's values; a value that differs from the saved one is a correction kept in history."""
    if replay := idem.replay(session):
        return replay
    unit = units.get_unit(session, unit_code)
    access.require_statistics_writer(who, unit["town_code"])
    saved = statistics.record_statistics(session, unit, year=body.year, values=body.values, source=body.source,
                                         actor=actor(who))
    return idem.remember(session, {"unit_code": unit_code, "year": body.year, "saved": saved})


@router.get("/adjustments")
def list_adjustments(session: SessionDep, _: Reader, unit_code: str | None = None, limit: Limit = 50,
                     cursor: str | None = None):
    items, total = adjustments.list_adjustments(session, after_id=after_id(cursor), limit=limit, unit_code=unit_code)
    next_position = {"id": items[-1]["id"]} if len(items) == limit else None
    return json_response(page(items, total=total, next_position=next_position))


@router.get("/adjustments/{adjustment_id}")
def read_adjustment(adjustment_id: int, session: SessionDep, _: Reader):
    return json_response(adjustments.get_adjustment(session, adjustment_id))


@router.post("/adjustments", status_code=201)
def create_adjustment(body: AdjustmentIn, session: SessionDep, who: Admin, idem: IdempotencyDep):
    """Records a merge, split, rename or re-parenting (行政区划调整); administrators only."""
    if replay := idem.replay(session):
        return replay
    result = adjustments.apply_adjustment(
        session, kind=body.kind, effective_on=body.effective_on, from_codes=body.from_codes,
        to_units=[u.model_dump() for u in body.to_units], document_ref=body.document_ref, note=body.note,
        actor=actor(who))
    return idem.remember(session, result)
