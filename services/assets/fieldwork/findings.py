"""Findings (审计发现) and their rectification (整改).

A finding is drafted from a "no" answer by the template's rule when the checklist is submitted, or
added by hand by the team or the lead until the engagement is accepted. Each finding has one
rectification: the village's owner, a deadline, the actions and evidence; the team (or the town)
submits it, the lead verifies it or accepts the finding as it stands. Past its deadline and not yet
verified or accepted, a rectification is overdue.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from services.assets.fieldwork import engagements
from services.assets.fieldwork.access import engagement_scope
from services.assets.fieldwork.models import Engagement, Finding, Rectification
from services.common import audit
from services.common.errors import Conflict, Forbidden, Invalid, NotFound
from services.common.tokens import Principal

FINDING_FIELDS = ("severity", "category", "title", "description", "basis", "amount", "responsible_unit",
                  "responsible_person")
RECTIFICATION_FIELDS = ("owner", "deadline", "actions", "evidence")
FINDINGS_OPEN = ("in_progress", "returned", "submitted")
RECTIFYING = ("accepted",)


def effective_status(rectification: Rectification, today: date | None = None) -> str:
    """open, submitted, verified, accepted, or overdue: open or submitted past the deadline."""
    today = today or datetime.now(UTC).date()
    if rectification.status in ("open", "submitted") and rectification.deadline and rectification.deadline < today:
        return "overdue"
    return rectification.status


def _snapshot(finding: Finding) -> dict:
    return {name: getattr(finding, name) for name in FINDING_FIELDS}


def add_finding(session: Session, engagement: Engagement, values: dict, *, actor: str, demo: bool = False) -> Finding:
    finding = Finding(engagement_id=engagement.id, created_by=actor, demo=demo, **values)
    session.add(finding)
    session.flush()
    session.add(Rectification(finding_id=finding.id))
    session.flush()
    audit.record(session, actor=actor, action="add", entity="finding", entity_id=str(finding.id),
                 after=_snapshot(finding) | {"engagement_id": engagement.id, "source": finding.source})
    return finding


def create_finding(session: Session, engagement: Engagement, principal: Principal, values: dict,
                   actor: str) -> Finding:
    """A finding by hand: the team while it works, the lead also while reviewing."""
    _require_editor(session, engagement, principal)
    return add_finding(session, engagement, values | {"source": "manual"}, actor=actor)


def _require_editor(session: Session, engagement: Engagement, principal: Principal) -> None:
    engagements.require_status(engagement, *FINDINGS_OPEN)
    if engagements.may_review(session, engagement, principal):
        return
    engagements.require_member(session, engagement, principal)


def get_finding(session: Session, principal: Principal, finding_id: int) -> tuple[Finding, Engagement]:
    query = engagement_scope(select(Finding, Engagement).join(Engagement, Engagement.id == Finding.engagement_id)
                             .where(Finding.id == finding_id), principal)
    found = session.execute(query).first()
    if found is None:
        raise NotFound(f"没有编号为 {finding_id} 的问题 / no finding {finding_id}", code="finding_not_found")
    return found[0], found[1]


def update_finding(session: Session, finding: Finding, engagement: Engagement, principal: Principal,
                   changes: dict, actor: str) -> Finding:
    _require_editor(session, engagement, principal)
    before = _snapshot(finding)
    for name, value in changes.items():
        setattr(finding, name, value)
    finding.version += 1
    finding.updated_at = datetime.now(UTC)
    audit.record(session, actor=actor, action="change", entity="finding", entity_id=str(finding.id),
                 before=before, after=_snapshot(finding))
    return finding


def delete_finding(session: Session, finding: Finding, engagement: Engagement, principal: Principal,
                   actor: str) -> None:
    """A drafted or mistaken finding is withdrawn by the lead before the engagement is accepted."""
    engagements.require_reviewer(session, engagement, principal)
    engagements.require_status(engagement, *FINDINGS_OPEN)
    rectification = session.get(Rectification, finding.id)
    if rectification is not None:
        session.delete(rectification)
        session.flush()
    audit.record(session, actor=actor, action="withdraw", entity="finding", entity_id=str(finding.id),
                 before=_snapshot(finding))
    session.delete(finding)
    session.flush()


def list_findings(session: Session, principal: Principal, *, engagement_id: int | None = None,
                  year: int | None = None, status: str | None = None, town: str | None = None,
                  limit: int = 200, after: int = 0) -> list[tuple[Finding, Rectification, Engagement]]:
    query = (select(Finding, Rectification, Engagement)
             .join(Rectification, Rectification.finding_id == Finding.id)
             .join(Engagement, Engagement.id == Finding.engagement_id).where(Finding.id > after))
    if engagement_id is not None:
        query = query.where(Finding.engagement_id == engagement_id)
    if year is not None:
        query = query.where(Engagement.year == year)
    if town:
        query = query.where(Engagement.town_code == town)
    today = datetime.now(UTC).date()
    if status == "overdue":
        query = query.where(Rectification.status.in_(("open", "submitted")), Rectification.deadline < today)
    elif status:
        query = query.where(Rectification.status == status)
    rows = session.execute(engagement_scope(query, principal).order_by(Finding.id).limit(limit)).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _require_rectifier(session: Session, engagement: Engagement, principal: Principal) -> None:
    """The team records what the village did; a town officer of the village's town may too."""
    engagements.require_status(engagement, *RECTIFYING)
    if principal.role == "town_officer" and engagement.town_code in principal.towns:
        return
    if engagements.may_review(session, engagement, principal):
        return
    engagements.require_member(session, engagement, principal)


def _rectification_snapshot(rectification: Rectification) -> dict:
    return {name: getattr(rectification, name) for name in (*RECTIFICATION_FIELDS, "status", "comment")}


def _change(session: Session, rectification: Rectification, action: str, actor: str, before: dict) -> Rectification:
    rectification.version += 1
    rectification.updated_at = datetime.now(UTC)
    audit.record(session, actor=actor, action=action, entity="rectification", entity_id=str(rectification.finding_id),
                 before=before, after=_rectification_snapshot(rectification))
    return rectification


def update_rectification(session: Session, rectification: Rectification, engagement: Engagement,
                         principal: Principal, changes: dict, actor: str) -> Rectification:
    _require_rectifier(session, engagement, principal)
    if rectification.status in ("verified", "accepted"):
        raise Conflict("整改已核实，不能修改 / the rectification is verified and frozen", code="rectification_closed")
    before = _rectification_snapshot(rectification)
    for name, value in changes.items():
        setattr(rectification, name, value)
    return _change(session, rectification, "change", actor, before)


def submit_rectification(session: Session, rectification: Rectification, engagement: Engagement,
                         principal: Principal, actor: str) -> Rectification:
    _require_rectifier(session, engagement, principal)
    if rectification.status != "open":
        raise Conflict(f"整改状态为 {rectification.status} / the rectification is {rectification.status}",
                       code="wrong_status")
    for name in ("owner", "deadline", "actions"):
        if not getattr(rectification, name):
            raise Invalid(name, "报送整改前须填写责任人、期限和整改措施 / owner, deadline and actions come first")
    before = _rectification_snapshot(rectification)
    rectification.status = "submitted"
    return _change(session, rectification, "submit", actor, before)


def verify_rectification(session: Session, rectification: Rectification, engagement: Engagement,
                         principal: Principal, *, outcome: str, comment: str | None, actor: str) -> Rectification:
    """The lead verifies a submitted rectification, sends it back (open), or accepts the finding as it stands."""
    engagements.require_status(engagement, *RECTIFYING)
    if not engagements.may_review(session, engagement, principal):
        raise Forbidden("只有审计组长或审计负责人可以核实整改 / only the lead verifies a rectification",
                        code="not_reviewer")
    allowed = {"verified": ("submitted",), "open": ("submitted",), "accepted": ("open", "submitted")}
    if rectification.status not in allowed[outcome]:
        raise Conflict(f"整改状态为 {rectification.status} / the rectification is {rectification.status}",
                       code="wrong_status")
    if outcome != "verified" and not (comment or "").strip():
        raise Invalid("comment", "退回或接受现状须说明理由 / sending back or accepting needs a reason")
    before = _rectification_snapshot(rectification)
    rectification.status, rectification.comment = outcome, (comment or "").strip() or None
    rectification.verified_by, rectification.verified_at = actor, datetime.now(UTC)
    return _change(session, rectification, outcome, actor, before)


def finding_view(finding: Finding, rectification: Rectification | None, engagement: Engagement | None = None) -> dict:
    shown = {"id": finding.id, "engagement_id": finding.engagement_id, "item_code": finding.item_code,
             "source": finding.source, **_snapshot(finding), "created_by": finding.created_by,
             "version": finding.version, "created_at": finding.created_at}
    if isinstance(shown["amount"], Decimal):
        shown["amount"] = f"{shown['amount']:.2f}"
    if rectification is not None:
        shown["rectification"] = rectification_view(rectification)
    if engagement is not None:
        shown["engagement"] = {"id": engagement.id, "organization_name": engagement.organization_name,
                               "unit_code": engagement.unit_code, "town_code": engagement.town_code,
                               "kind": engagement.kind, "status": engagement.status, "year": engagement.year}
    return shown


def rectification_view(rectification: Rectification) -> dict:
    return {**_rectification_snapshot(rectification), "status": effective_status(rectification),
            "recorded_status": rectification.status, "verified_by": rectification.verified_by,
            "verified_at": rectification.verified_at, "version": rectification.version}
