"""Approving a plan (批准) and amending it afterwards (调整, always with a reason)."""

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlmodel import Session

from services.assets.fieldwork.models import Engagement, EngagementMember
from services.assets.plan import lifecycle
from services.assets.plan.models import Amendment, Plan, PlanRow
from services.common import audit
from services.common.errors import Conflict, Invalid


def open_warnings(session: Session, plan: Plan) -> list[dict]:
    plan_warnings = lifecycle.recheck(session, plan)
    rows = [w | {"row_id": r.id} for r in lifecycle.plan_rows(session, plan) for w in r.warnings]
    return plan_warnings + rows


def approve(session: Session, plan: Plan, *, reason: str | None, actor: str) -> list[Engagement]:
    """Freezes the plan and makes its engagements; a plan with warnings needs the lead's reason."""
    lifecycle.require_draft(plan)
    warnings = open_warnings(session, plan)
    if warnings and not reason:
        raise Conflict(f"计划有 {len(warnings)} 条未解决的提示，批准须说明理由 / the plan has {len(warnings)} unresolved "
                       "warnings; approving it needs a reason", code="unresolved_warnings",
                       extra={"warnings": warnings})
    plan.status, plan.approved_by, plan.approved_at = "approved", actor, datetime.now(UTC)
    plan.approval_reason = reason or None
    made = [make_engagement(session, plan, row) for row in lifecycle.plan_rows(session, plan)]
    plan.version += 1
    audit.record(session, actor=actor, action="approve", entity="plan", entity_id=str(plan.id),
                 after={"engagements": len(made), "reason": reason, "warnings": warnings})
    return made


def make_engagement(session: Session, plan: Plan, row: PlanRow) -> Engagement:
    engagement = Engagement(plan_id=plan.id, plan_row_id=row.id, year=plan.year, kind=row.kind,
                            credit_code=row.credit_code, organization_name=row.organization_name,
                            unit_code=row.unit_code, town_code=row.town_code, quarter=row.quarter, team=row.team,
                            demo=plan.demo)
    session.add(engagement)
    session.flush()
    _members(session, engagement)
    return engagement


def _members(session: Session, engagement: Engagement) -> None:
    session.execute(delete(EngagementMember).where(EngagementMember.engagement_id == engagement.id))
    for entry in engagement.team:
        session.add(EngagementMember(engagement_id=engagement.id, auditor_id=entry["auditor_id"],
                                     username=entry["username"], lead=entry["lead"]))
    session.flush()


def amend(session: Session, plan: Plan, row: PlanRow, *, credit_code: str | None, team: list[int] | None,
          reason: str, actor: str) -> Amendment:
    """Changes a row of an approved plan and its engagement; the reason is kept with the change."""
    if plan.status != "approved":
        raise Conflict("草稿直接修改即可，无需调整 / a draft is changed directly, not amended", code="plan_not_approved")
    if not reason.strip():
        raise Invalid("reason", "调整须说明理由 / an amendment needs a reason")
    before = {"credit_code": row.credit_code, "team": row.team}
    plan.status = "draft"  # lifecycle's checks and swap apply as for a draft, then the plan is frozen again
    try:
        lifecycle.change_row(session, plan, row, credit_code=credit_code, team=team, actor=actor)
    finally:
        plan.status = "approved"
    engagement = session.scalars(select(Engagement).where(Engagement.plan_row_id == row.id)).one()
    for name in ("credit_code", "organization_name", "unit_code", "town_code", "quarter", "team"):
        setattr(engagement, name, getattr(row, name))
    engagement.version += 1
    _members(session, engagement)
    amendment = Amendment(plan_id=plan.id, row_id=row.id, reason=reason.strip(), actor=actor,
                          change={"before": before, "after": {"credit_code": row.credit_code, "team": row.team},
                                  "warnings": row.warnings})
    session.add(amendment)
    session.flush()
    audit.record(session, actor=actor, action="amend", entity="plan", entity_id=str(plan.id),
                 after={"amendment": amendment.id, "row_id": row.id, "reason": amendment.reason})
    return amendment


def list_amendments(session: Session, plan: Plan) -> list[Amendment]:
    return list(session.scalars(select(Amendment).where(Amendment.plan_id == plan.id).order_by(Amendment.id)))
