"""An engagement's fieldwork (审计/检查实施): planned → in_progress → submitted → returned (with the
lead's comments) → submitted … → accepted → closed once every finding is rectified or accepted.

Team members start, fill and submit; the team's lead or an audit lead returns, accepts and closes.
Every step is audited in the same transaction.
"""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session

from services.assets.access import sees_everyone
from services.assets.fieldwork import checklist_templates
from services.assets.fieldwork.access import engagement_scope
from services.assets.fieldwork.models import Answer, Engagement, EngagementMember, Fieldwork, Finding, Rectification
from services.common import audit
from services.common.errors import Conflict, Forbidden, Invalid, NotFound
from services.common.tokens import Principal

EDITABLE = ("in_progress", "returned")
CLOSED_RECTIFICATIONS = ("verified", "accepted")
ENGAGEMENT_FIELDS = ("id", "plan_id", "year", "kind", "credit_code", "organization_name", "unit_code", "town_code",
                     "quarter", "status", "team", "version")


def engagement_view(engagement: Engagement) -> dict:
    """An engagement as the API shows it."""
    return {name: getattr(engagement, name) for name in ENGAGEMENT_FIELDS}


def get_engagement(session: Session, principal: Principal, engagement_id: int) -> Engagement:
    """The engagement if the principal may see it; someone else's is simply not found."""
    found = session.scalars(engagement_scope(select(Engagement).where(Engagement.id == engagement_id),
                                             principal)).first()
    if found is None:
        raise NotFound(f"没有编号为 {engagement_id} 的任务 / no engagement {engagement_id}",
                       code="engagement_not_found")
    return found


def membership(session: Session, engagement_id: int, username: str) -> EngagementMember | None:
    return session.scalars(select(EngagementMember).where(EngagementMember.engagement_id == engagement_id,
                                                          EngagementMember.username == username)).first()


def require_member(session: Session, engagement: Engagement, principal: Principal) -> None:
    if principal.role == "admin" or membership(session, engagement.id, principal.subject):
        return
    raise Forbidden("只有本任务的审计组成员可以填写和提交 / only the engagement's team may do this",
                    code="not_team_member")


def may_review(session: Session, engagement: Engagement, principal: Principal) -> bool:
    if sees_everyone(principal):
        return True
    member = membership(session, engagement.id, principal.subject)
    return bool(member and member.lead)


def require_reviewer(session: Session, engagement: Engagement, principal: Principal) -> None:
    if not may_review(session, engagement, principal):
        raise Forbidden("只有审计组长或审计负责人可以审核 / only the team's lead or an audit lead may review",
                        code="not_reviewer")


def require_status(engagement: Engagement, *allowed: str) -> None:
    if engagement.status not in allowed:
        raise Conflict(f"任务状态为 {engagement.status}，不能进行此操作 / the engagement is {engagement.status}; "
                       f"this needs {' or '.join(allowed)}", code="wrong_status",
                       extra={"status": engagement.status, "allowed": list(allowed)})


def fieldwork_of(session: Session, engagement: Engagement) -> Fieldwork | None:
    return session.get(Fieldwork, engagement.id)


def move(session: Session, engagement: Engagement, status: str, actor: str, **after) -> None:
    before = engagement.status
    engagement.status, engagement.version = status, engagement.version + 1
    engagement.updated_at = datetime.now(UTC)
    audit.record(session, actor=actor, action=status, entity="engagement", entity_id=str(engagement.id),
                 before={"status": before}, after={"status": status, **after})


def start(session: Session, engagement: Engagement, principal: Principal, actor: str) -> Fieldwork:
    """Opens the checklist with the current version of the template for the engagement's kind."""
    require_member(session, engagement, principal)
    require_status(engagement, "planned")
    template = checklist_templates.current_template(session, engagement.kind)
    work = Fieldwork(engagement_id=engagement.id, template_id=template.id, started_by=actor)
    session.add(work)
    move(session, engagement, "in_progress", actor, template=f"{template.code} v{template.version}")
    session.flush()
    return work


def answers_of(session: Session, engagement_id: int) -> dict[str, Answer]:
    return {a.item_code: a for a in session.scalars(select(Answer).where(Answer.engagement_id == engagement_id))}


def return_with_comments(session: Session, engagement: Engagement, principal: Principal, comment: str,
                         actor: str) -> None:
    require_reviewer(session, engagement, principal)
    require_status(engagement, "submitted")
    if not comment.strip():
        raise Invalid("comment", "退回须写明意见 / returning needs a comment")
    work = fieldwork_of(session, engagement)
    work.review_comment, work.reviewed_by, work.reviewed_at = comment.strip(), actor, datetime.now(UTC)
    move(session, engagement, "returned", actor, comment=comment.strip())


def accept(session: Session, engagement: Engagement, principal: Principal, actor: str) -> None:
    require_reviewer(session, engagement, principal)
    require_status(engagement, "submitted")
    work = fieldwork_of(session, engagement)
    work.reviewed_by, work.reviewed_at = actor, datetime.now(UTC)
    move(session, engagement, "accepted", actor)


def close(session: Session, engagement: Engagement, principal: Principal, actor: str) -> None:
    """Closes an accepted engagement whose findings are all rectified (verified) or accepted."""
    require_reviewer(session, engagement, principal)
    require_status(engagement, "accepted")
    open_ones = list(session.scalars(select(Finding.id).join(Rectification, Rectification.finding_id == Finding.id)
                                     .where(Finding.engagement_id == engagement.id,
                                            Rectification.status.not_in(CLOSED_RECTIFICATIONS))))
    if open_ones:
        raise Conflict(f"还有 {len(open_ones)} 项问题未整改完毕 / {len(open_ones)} findings are not yet rectified",
                       code="rectification_open", extra={"findings": open_ones})
    work = fieldwork_of(session, engagement)
    work.closed_by, work.closed_at = actor, datetime.now(UTC)
    move(session, engagement, "closed", actor)
