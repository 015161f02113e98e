"""HTTP routes of auditors (审计人员) and their confidential ties (回避事由)."""

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from starlette.responses import JSONResponse

from services.assets.access import Lead, Reader, actor, sees_everyone
from services.assets.plan import auditors
from services.assets.plan.schemas import AuditorIn, AuditorPatch, TieIn
from services.common.database import SessionDep
from services.common.errors import Forbidden, NotFound
from services.common.http import IdempotencyDep, check_if_match, etag

router = APIRouter(prefix="/v1/auditors", tags=["auditors"])


def _json(payload, version: int | None = None) -> JSONResponse:
    return JSONResponse(jsonable_encoder(payload), headers={"ETag": etag(version)} if version else None)


@router.get("")
def list_auditors(session: SessionDep, who: Reader):
    """Leads see everyone; an auditor sees only their own record."""
    if sees_everyone(who):
        found = auditors.list_auditors(session)
    elif who.role == "auditor":
        found = auditors.list_auditors(session, username=who.subject)
    else:
        raise Forbidden(f"Role '{who.role}' may not read auditors.", code="role_forbidden")
    return {"items": [auditors.shown(a) for a in found], "next_cursor": None}


@router.post("", status_code=201)
def create_auditor(body: AuditorIn, session: SessionDep, who: Lead, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    auditor = auditors.create_auditor(session, body.model_dump(), actor=actor(who))
    return idem.remember(session, auditors.shown(auditor), headers={"ETag": etag(auditor.version)})


@router.get("/{auditor_id}")
def read_auditor(auditor_id: int, session: SessionDep, who: Reader):
    auditor = auditors.get_auditor(session, auditor_id)
    if not sees_everyone(who) and auditor.username != who.subject:
        raise NotFound(f"没有编号为 {auditor_id} 的审计人员 / no auditor {auditor_id}", code="auditor_not_found")
    return _json(auditors.shown(auditor), auditor.version)


@router.patch("/{auditor_id}")
def update_auditor(auditor_id: int, body: AuditorPatch, request: Request, session: SessionDep, who: Lead):
    auditor = auditors.get_auditor(session, auditor_id)
    check_if_match(request, auditor.version)
    auditor = auditors.update_auditor(session, auditor, body.model_dump(exclude_unset=True), actor=actor(who))
    return _json(auditors.shown(auditor), auditor.version)


@router.get("/{auditor_id}/ties")
def list_ties(auditor_id: int, session: SessionDep, _: Lead):
    auditors.get_auditor(session, auditor_id)
    return {"items": [auditors.shown_tie(t) for t in auditors.list_ties(session, auditor_id)], "next_cursor": None}


@router.post("/{auditor_id}/ties", status_code=201)
def declare_tie(auditor_id: int, body: TieIn, session: SessionDep, who: Lead, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    auditor = auditors.get_auditor(session, auditor_id)
    tie = auditors.declare_tie(session, auditor, body.model_dump(), actor=actor(who))
    return idem.remember(session, auditors.shown_tie(tie))
