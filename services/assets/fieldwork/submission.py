"""Submitting an engagement's checklist (提交底稿): it freezes, and its "no" answers become draft findings.

Apart from `engagements` because it needs `findings` too, which builds on `engagements`.
"""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session

from services.assets.fieldwork import checklist_templates, engagements
from services.assets.fieldwork.findings import add_finding
from services.assets.fieldwork.models import Engagement, Evidence, Finding
from services.common.errors import Invalid
from services.common.tokens import Principal


def submit_checklist(session: Session, engagement: Engagement, principal: Principal, actor: str) -> list[Finding]:
    """Freezes the checklist once it is complete and drafts the findings its "no" answers call for."""
    engagements.require_member(session, engagement, principal)
    engagements.require_status(engagement, *engagements.EDITABLE)
    work = engagements.fieldwork_of(session, engagement)
    items = checklist_templates.template_items(session, work.template_id)
    answers = engagements.answers_of(session, engagement.id)
    given = {code: ((a.value or {}).get("v"), a.note) for code, a in answers.items()}
    attached = set(session.scalars(select(Evidence.item_code).where(Evidence.engagement_id == engagement.id,
                                                                    Evidence.item_code.is_not(None))))
    missing = checklist_templates.gaps(items, checklist_templates.with_attachments(given, attached))
    if missing:
        raise Invalid(missing[0]["field"], missing[0]["message"], code="checklist_incomplete", errors=missing)
    drafted = _draft_findings(session, engagement, items, answers, actor)
    work.submitted_by, work.submitted_at = actor, datetime.now(UTC)
    engagements.move(session, engagement, "submitted", actor, drafted=[f.id for f in drafted])
    return drafted


def _draft_findings(session: Session, engagement: Engagement, items, answers, actor: str) -> list[Finding]:
    existing = set(session.scalars(select(Finding.item_code).where(Finding.engagement_id == engagement.id,
                                                                   Finding.source == "answer")))
    values = {code: (a.value or {}).get("v") for code, a in answers.items()}
    drafted = []
    for item in items.values():
        answer = answers.get(item.code)
        if (item.finding and values.get(item.code) == "no" and item.code not in existing
                and checklist_templates.visible(item, values)):
            drafted.append(add_finding(session, engagement, {
                "item_code": item.code, "source": "answer", "severity": item.finding["severity"],
                "category": item.finding["category"], "basis": item.finding.get("basis", ""),
                "title": item.label_zh, "description": answer.note or ""}, actor=actor))
    return drafted
