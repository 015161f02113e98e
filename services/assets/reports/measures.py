"""Measures for the assessment service (考核指标): per organization and village in a year, its findings
by severity, how many are rectified, the rectification rate and how many are overdue.

Only engagements accepted or closed count: a checklist still in the field has no final findings.
"""

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from services.assets.fieldwork.access import engagement_scope
from services.assets.fieldwork.findings import effective_status
from services.assets.fieldwork.models import Engagement, Finding, Rectification
from services.common.tokens import Principal

COUNTED = ("accepted", "closed")
RECTIFIED = ("verified", "accepted")


def organization_measures(session: Session, principal: Principal, year: int,
                          today: date | None = None) -> list[dict]:
    today = today or datetime.now(UTC).date()
    visits = list(session.scalars(engagement_scope(select(Engagement).where(Engagement.year == year), principal)
                                  .order_by(Engagement.unit_code, Engagement.id)))
    rows = session.execute(select(Finding.engagement_id, Finding.severity, Finding.amount, Rectification)
                           .join(Rectification, Rectification.finding_id == Finding.id)
                           .join(Engagement, Engagement.id == Finding.engagement_id)
                           .where(Engagement.year == year, Engagement.status.in_(COUNTED))).all()
    by_engagement = defaultdict(list)
    for row in rows:
        by_engagement[row.engagement_id].append(row)
    measures: dict[str, dict] = {}
    for visit in visits:
        entry = measures.setdefault(visit.credit_code, _blank(visit, year))
        entry["engagements"].append({"id": visit.id, "kind": visit.kind, "status": visit.status})
        for row in by_engagement.get(visit.id, []):
            _count(entry, row, today)
    return [_finish(entry) for entry in measures.values()]


def _blank(visit: Engagement, year: int) -> dict:
    return {"year": year, "credit_code": visit.credit_code, "organization_name": visit.organization_name,
            "unit_code": visit.unit_code, "town_code": visit.town_code, "engagements": [],
            "findings": {"general": 0, "major": 0, "serious": 0, "total": 0}, "rectified": 0, "overdue": 0,
            "amount": Decimal("0.00")}


def _count(entry: dict, row, today: date) -> None:
    entry["findings"][row.severity] += 1
    entry["findings"]["total"] += 1
    entry["amount"] += row.amount or Decimal("0")
    status = effective_status(row.Rectification, today)
    entry["rectified"] += status in RECTIFIED
    entry["overdue"] += status == "overdue"


def _finish(entry: dict) -> dict:
    total = entry["findings"]["total"]
    entry["rectification_rate"] = round(entry["rectified"] / total, 4) if total else None
    entry["amount"] = f"{entry['amount']:.2f}"
    return entry
