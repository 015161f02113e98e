"""HTTP routes of village collective economic organizations (村集体经济组织)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from services.common.database import SessionDep
from services.common.http import IdempotencyDep, check_if_match, decode_cursor, etag
from services.registry import access, organizations, units
from services.registry.routing import Editor, Reader, actor, json_response, page
from services.registry.schemas import OrganizationIn, OrganizationPatch

router = APIRouter(prefix="/v1/organizations", tags=["organizations"])
CreditCode = Annotated[str, Path(min_length=18, max_length=18, description="18-character unified social credit code")]


@router.get("")
def list_organizations(session: SessionDep, who: Reader, town: str | None = None, unit_code: str | None = None,
                       level: str | None = None, status: str | None = None, q: str | None = None,
                       limit: Annotated[int, Query(ge=1, le=500)] = 50, cursor: str | None = None):
    start = decode_cursor(cursor) or {}
    rows, total = organizations.list_organizations(session, town=town, unit_code=unit_code, level=level,
                                                   status=status, q=q, after_code=start.get("code"), limit=limit)
    items = [organizations.shown(r, hidden=access.sees_hidden_fields(who, r["town_code"])) for r in rows]
    next_position = {"code": rows[-1]["credit_code"]} if len(rows) == limit else None
    return json_response(page(items, total=total, next_position=next_position))


@router.post("", status_code=201)
def create_organization(body: OrganizationIn, session: SessionDep, who: Editor, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    unit = units.find_unit(session, body.unit_code)
    access.require_town(who, unit["town_code"] if unit else None)
    row = organizations.create_organization(session, body.model_dump(), actor=actor(who))
    return idem.remember(session, organizations.shown(row, hidden=True), headers={"ETag": etag(row["version"])})


@router.get("/{credit_code}")
def read_organization(credit_code: CreditCode, session: SessionDep, who: Reader):
    row = organizations.get_organization(session, credit_code)
    shown = organizations.shown(row, hidden=access.sees_hidden_fields(who, row["town_code"]))
    return json_response(shown, version=row["version"])


@router.patch("/{credit_code}")
def update_organization(credit_code: CreditCode, body: OrganizationPatch, request: Request, session: SessionDep,
                        who: Editor):
    row = organizations.get_organization(session, credit_code)
    access.require_town(who, row["town_code"])
    check_if_match(request, row["version"])
    after = organizations.update_organization(session, row, body.model_dump(exclude_unset=True), actor=actor(who))
    return json_response(organizations.shown(after, hidden=True), version=after["version"])
