"""A small service built only from the kernel, to test its conventions on a real database."""

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

from services.common import audit
from services.common.application import build_service_app
from services.common.auth import require_roles
from services.common.database import SessionDep, update_versioned
from services.common.errors import Invalid, NotFound
from services.common.http import IdempotencyDep, check_if_match, etag
from services.common.settings import ServiceSettings
from services.common.tokens import Principal

metadata = MetaData()
note = Table("note", metadata, Column("id", Integer, primary_key=True), Column("text", String(200)),
             Column("title", String(50), unique=True), Column("version", Integer, nullable=False))
router = APIRouter(prefix="/v1/notes")
Writer = Annotated[Principal, Depends(require_roles("town_officer"))]


def _get(session: Session, note_id: int):
    row = session.execute(select(note).where(note.c.id == note_id)).mappings().first()
    if row is None:
        raise NotFound(f"No note {note_id}.")
    return row


@router.post("", status_code=201)
def create_note(body: dict, session: SessionDep, who: Writer, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    if not isinstance(body.get("text"), str) or not body["text"]:
        raise Invalid("text", "must be a non-empty string")
    note_id = session.execute(insert(note).values(text=body["text"], title=body.get("title"), version=1)
                              ).inserted_primary_key[0]
    audit.record(session, actor=who.subject, action="create", entity="note", entity_id=str(note_id),
                 after={"text": body["text"]})
    return idem.remember(session, {"id": note_id, "text": body["text"], "version": 1}, headers={"ETag": etag(1)})


@router.get("/{note_id}")
def read_note(note_id: int, session: SessionDep, request: Request):
    row = _get(session, note_id)
    return dict(row)


@router.put("/{note_id}")
def edit_note(note_id: int, body: dict, request: Request, session: SessionDep, who: Writer):
    row = _get(session, note_id)
    check_if_match(request, row["version"])
    update_versioned(session, note, row, text=body["text"])
    audit.record(session, actor=who.subject, action="update", entity="note", entity_id=str(note_id),
                 before={"text": row["text"]}, after={"text": body["text"]})
    return {"id": note_id, "text": body["text"], "version": row["version"] + 1}


def create_app(settings: ServiceSettings) -> FastAPI:
    return build_service_app(settings, title="kernel test", description="", routers=[router])
