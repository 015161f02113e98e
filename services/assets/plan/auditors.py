"""Auditors (审计人员) and their declared ties (回避事由): plain functions on a session."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session

from services.assets.plan.feasibility import Member
from services.assets.plan.models import Auditor, Tie
from services.common import audit
from services.common.errors import Conflict, NotFound

AUDITOR_FIELDS = ("id", "username", "name", "role", "capacity_days", "active", "demo", "version")
TIE_FIELDS = ("id", "auditor_id", "kind", "unit_code", "credit_code", "reason", "declared_on")


def shown(auditor: Auditor) -> dict:
    return {name: getattr(auditor, name) for name in AUDITOR_FIELDS}


def shown_tie(tie: Tie) -> dict:
    return {name: getattr(tie, name) for name in TIE_FIELDS}


def list_auditors(session: Session, *, username: str | None = None) -> list[Auditor]:
    query = select(Auditor).order_by(Auditor.id)
    if username is not None:
        query = query.where(Auditor.username == username)
    return list(session.scalars(query))


def get_auditor(session: Session, auditor_id: int) -> Auditor:
    auditor = session.get(Auditor, auditor_id)
    if auditor is None:
        raise NotFound(f"没有编号为 {auditor_id} 的审计人员 / no auditor {auditor_id}", code="auditor_not_found")
    return auditor


def find_by_username(session: Session, username: str) -> Auditor | None:
    return session.scalars(select(Auditor).where(Auditor.username == username)).first()


def create_auditor(session: Session, data: dict, *, actor: str, demo: bool = False) -> Auditor:
    if find_by_username(session, data["username"]):
        raise Conflict(f"用户 {data['username']} 已是审计人员 / {data['username']} is already an auditor",
                       code="auditor_exists")
    auditor = Auditor(**data, demo=demo)
    session.add(auditor)
    session.flush()
    audit.record(session, actor=actor, action="create", entity="auditor", entity_id=str(auditor.id),
                 after=shown(auditor))
    return auditor


def update_auditor(session: Session, auditor: Auditor, changes: dict, *, actor: str) -> Auditor:
    before = shown(auditor)
    for name, value in changes.items():
        setattr(auditor, name, value)
    auditor.version += 1
    auditor.updated_at = datetime.now(UTC)
    session.flush()
    audit.record(session, actor=actor, action="update", entity="auditor", entity_id=str(auditor.id),
                 before=before, after=shown(auditor))
    return auditor


def list_ties(session: Session, auditor_id: int | None = None) -> list[Tie]:
    query = select(Tie).order_by(Tie.id)
    if auditor_id is not None:
        query = query.where(Tie.auditor_id == auditor_id)
    return list(session.scalars(query))


def declare_tie(session: Session, auditor: Auditor, data: dict, *, actor: str, demo: bool = False) -> Tie:
    tie = Tie(auditor_id=auditor.id, **data, demo=demo)
    session.add(tie)
    session.flush()
    # The audit trail keeps that a tie was declared, not its confidential details.
    audit.record(session, actor=actor, action="declare_tie", entity="auditor", entity_id=str(auditor.id),
                 after={"tie_id": tie.id, "kind": tie.kind})
    return tie


def members(session: Session) -> list[Member]:
    """Active auditors as the planner sees them, each with every code their ties name."""
    blocked: dict[int, set[str]] = {}
    for tie in list_ties(session):
        codes = blocked.setdefault(tie.auditor_id, set())
        codes.update(code for code in (tie.unit_code, tie.credit_code) if code)
    return [Member(a.id, a.username, a.name, a.role == "lead", a.capacity_days, frozenset(blocked.get(a.id, ())))
            for a in list_auditors(session) if a.active]
