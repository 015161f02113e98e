"""What this service remembers of earlier years: when each organization was last audited or inspected,
and who was on it last year. Findings and rectifications will add here once they exist."""

from sqlalchemy import func, select
from sqlmodel import Session

from services.assets.models import Engagement, EngagementMember


def past_visits(session: Session, year: int) -> dict[str, dict]:
    """credit code → {"last_key_audit": year, "last_inspection": year} from engagements before `year`."""
    rows = session.execute(select(Engagement.credit_code, Engagement.kind, func.max(Engagement.year))
                           .where(Engagement.year < year).group_by(Engagement.credit_code, Engagement.kind))
    found: dict[str, dict] = {}
    for credit_code, kind, last in rows:
        name = "last_key_audit" if kind == "key_audit" else "last_inspection"
        found.setdefault(credit_code, {})[name] = last
    return found


def last_year_teams(session: Session, year: int) -> dict[str, set[int]]:
    """credit code → ids of the auditors who were on it in `year - 1`."""
    rows = session.execute(select(Engagement.credit_code, EngagementMember.auditor_id)
                           .join(EngagementMember, EngagementMember.engagement_id == Engagement.id)
                           .where(Engagement.year == year - 1))
    found: dict[str, set[int]] = {}
    for credit_code, auditor_id in rows:
        found.setdefault(credit_code, set()).add(auditor_id)
    return found
