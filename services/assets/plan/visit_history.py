"""What this service remembers of earlier years: when each organization was last audited or inspected,
who was on it last year, its serious findings and its rectifications gone past their deadline."""

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from services.assets.fieldwork.models import Engagement, EngagementMember, Finding, Rectification

OPEN_RECTIFICATIONS = ("open", "submitted")


def past_visits(session: Session, year: int) -> dict[str, dict]:
    """credit code → {"last_key_audit": year, "last_inspection": year} from engagements before `year`."""
    rows = session.execute(select(Engagement.credit_code, Engagement.kind, func.max(Engagement.year))
                           .where(Engagement.year < year).group_by(Engagement.credit_code, Engagement.kind))
    found: dict[str, dict] = {}
    for credit_code, kind, last in rows:
        name = "last_key_audit" if kind == "key_audit" else "last_inspection"
        found.setdefault(credit_code, {})[name] = last
    for credit_code, count in serious_findings(session, year).items():
        found.setdefault(credit_code, {})["serious_findings"] = count
    for credit_code, count in overdue_rectifications(session, year).items():
        found.setdefault(credit_code, {})["overdue_rectifications"] = count
    return found


def serious_findings(session: Session, year: int) -> dict[str, int]:
    """credit code → serious (严重) findings of engagements before `year`."""
    rows = session.execute(select(Engagement.credit_code, func.count(Finding.id))
                           .join(Finding, Finding.engagement_id == Engagement.id)
                           .where(Engagement.year < year, Finding.severity == "serious")
                           .group_by(Engagement.credit_code))
    return dict(rows.all())


def overdue_rectifications(session: Session, year: int) -> dict[str, int]:
    """credit code → rectifications still open when `year` began, their deadline passed.

    Counted as of the plan year's first day, not today, so the same inputs give the same plan."""
    rows = session.execute(select(Engagement.credit_code, func.count(Rectification.finding_id))
                           .join(Finding, Finding.engagement_id == Engagement.id)
                           .join(Rectification, Rectification.finding_id == Finding.id)
                           .where(Rectification.status.in_(OPEN_RECTIFICATIONS),
                                  Rectification.deadline < date(year, 1, 1))
                           .group_by(Engagement.credit_code))
    return dict(rows.all())


def last_year_teams(session: Session, year: int) -> dict[str, set[int]]:
    """credit code → ids of the auditors who were on it in `year - 1`."""
    rows = session.execute(select(Engagement.credit_code, EngagementMember.auditor_id)
                           .join(EngagementMember, EngagementMember.engagement_id == Engagement.id)
                           .where(Engagement.year == year - 1))
    found: dict[str, set[int]] = {}
    for credit_code, auditor_id in rows:
        found.setdefault(credit_code, set()).add(auditor_id)
    return found
