"""Read the service's audit trail over HTTP (admins and audit leads)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from services.common import audit
from services.common.auth import require_roles
from services.common.database import SessionDep
from services.common.fast_reads import read, read_now
from services.common.http import decode_cursor, encode_cursor, json_response
from services.common.tokens import Principal

router = APIRouter(prefix="/v1/audit", tags=["audit"])
Auditor = Annotated[Principal, Depends(require_roles("audit_lead"))]


class AuditRecordOut(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    before: str | None
    after: str | None
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditRecordOut]
    next_cursor: str | None


class ChainOut(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str


@router.get("", response_model=AuditPage)
async def list_audit(request: Request, _: Auditor, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                     cursor: str | None = None, entity: str | None = None) -> Response:
    position = decode_cursor(cursor) or {"seq": 0}
    after_seq = int(position.get("seq", 0))
    if entity is None:  # a range of the primary key: bounded by the limit
        rows = read_now(request, audit.list_records, after_seq=after_seq, limit=limit)
    else:  # no index on the entity: a rare one can mean reading far along the trail
        rows = await read(request, audit.list_records, after_seq=after_seq, limit=limit, entity=entity)
    next_cursor = encode_cursor({"seq": rows[-1]["seq"]}) if len(rows) == limit else None
    return json_response({"items": rows, "next_cursor": next_cursor})


@router.get("/verify", response_model=ChainOut)
def verify_audit(session: SessionDep, _: Auditor) -> audit.ChainReport:
    return audit.verify_chain(session)
