"""Demo fieldwork (演示底稿与问题): the current year's engagements in every state, some checklists half
filled, findings at each rectification status. Loading again changes nothing.

The demo users 'auditor' and 'lead' get the first engagements of their teams, so that their pages
show something of each kind.
"""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlmodel import Session

from services.assets.demo import ACTOR, CURRENT_YEAR
from services.assets.fieldwork import checklist_templates, engagements, findings, submission
from services.assets.fieldwork.answers import save_answer
from services.assets.fieldwork.models import Engagement, EngagementMember, Fieldwork, Rectification
from services.common.tokens import Principal

LOADER = Principal(subject="demo-loader", role="admin", name="演示数据")
# (state to reach, items answered "no", rectification statuses of its findings in order)
STATES = [
    ("planned", (), ()), ("half", (), ()), ("in_progress", ("cash.count",), ()), ("submitted", ("vouchers.complete",), ()),
    ("returned", ("bank.reconciled",), ()),
    ("accepted", ("cash.limit", "democracy.town_review", "disclosure.on_time", "power_list.followed", "debt.ledger"),
     ("open", "submitted", "verified", "overdue", "accepted")),
    ("accepted", ("spending.approval", "ledgers.assets"), ("overdue", "open")),
    ("closed", ("contracts.lawful",), ("verified",)), ("closed", (), ()),
    ("planned", (), ()), ("half", (), ()), ("submitted", (), ()),
]
NOTE = "现场核查发现问题（演示）"


def load_fieldwork(session: Session, today: date | None = None) -> dict[str, int]:
    """Brings a dozen of this year's inspections to the states above, once."""
    started = session.scalar(select(func.count()).select_from(Fieldwork).join(
        Engagement, Engagement.id == Fieldwork.engagement_id).where(Engagement.demo, Engagement.year == CURRENT_YEAR))
    if started:
        return {"engagements": 0, "findings": 0}
    today = today or date.today()
    chosen = _chosen(session, len(STATES))
    made = {"engagements": 0, "findings": 0}
    for engagement, (state, no, statuses) in zip(chosen, STATES, strict=False):
        made["findings"] += _bring(session, engagement, state, frozenset(no), statuses, today)
        made["engagements"] += state != "planned"
    return made


def _chosen(session: Session, count: int) -> list[Engagement]:
    """Inspections of the demo users' teams first, then others, in a stable order."""
    query = select(Engagement).where(Engagement.demo, Engagement.year == CURRENT_YEAR,
                                     Engagement.kind == "inspection", Engagement.status == "planned")
    picked: list[Engagement] = []
    for username in ("auditor", "lead"):
        mine = exists().where(EngagementMember.engagement_id == Engagement.id, EngagementMember.username == username)
        picked += [e for e in session.scalars(query.where(mine).order_by(Engagement.id).limit(count // 2))
                   if e not in picked]
    picked += [e for e in session.scalars(query.order_by(Engagement.id).limit(count * 2)) if e not in picked]
    return picked[:count]


def _bring(session: Session, engagement: Engagement, state: str, no: frozenset[str], statuses, today: date) -> int:
    if state == "planned":
        return 0
    work = engagements.start(session, engagement, LOADER, ACTOR)
    _answer(session, engagement, work.template_id, no, half=state == "half")
    if state in ("half", "in_progress"):
        return 0
    drafted = submission.submit_checklist(session, engagement, LOADER, ACTOR)
    if state == "returned":
        engagements.return_with_comments(session, engagement, LOADER, "请补充银行对账单照片（演示）", ACTOR)
    if state in ("accepted", "closed"):
        engagements.accept(session, engagement, LOADER, ACTOR)
        for finding, status in zip(drafted, statuses, strict=False):
            finding.amount = Decimal("1000.00") * (finding.id % 7 + 1)
            finding.responsible_unit, finding.responsible_person = engagement.organization_name, "村会计（演示）"
            _rectify(session, engagement, session.get(Rectification, finding.id), status, today)
    if state == "closed":
        engagements.close(session, engagement, LOADER, ACTOR)
    return len(drafted)


def _answer(session: Session, engagement: Engagement, template_id: int, no: frozenset[str], *, half: bool) -> None:
    items = list(checklist_templates.template_items(session, template_id).values())
    values: dict[str, object] = {}
    for item in items[: len(items) // 2] if half else items:
        if not checklist_templates.visible(item, values):
            continue
        values[item.code] = _value(item, no)
        save_answer(session, LOADER, engagement_id=engagement.id, item_code=item.code, value=values[item.code],
                    note=NOTE if values[item.code] == "no" else None, expected=0, actor=ACTOR)


def _value(item: checklist_templates.Item, no: frozenset[str]):
    if item.type == "yes_no":
        return "no" if item.code in no or item.code.endswith(".any") else "yes"
    return {"number": "2", "money": "38600.00", "text": "情况基本正常（演示）", "date": f"{CURRENT_YEAR}-03-15",
            "choice": item.options[0] if item.options else None, "choices": list(item.options[:2]),
            "evidence": []}[item.type]


def _rectify(session: Session, engagement: Engagement, rectification: Rectification, status: str, today: date) -> None:
    deadline = today - timedelta(days=20) if status == "overdue" else today + timedelta(days=60)
    findings.update_rectification(session, rectification, engagement, LOADER, {
        "owner": "村党支部书记（演示）", "deadline": deadline, "actions": "建立制度，补办手续，限期整改（演示）"}, ACTOR)
    if status in ("submitted", "verified"):
        findings.submit_rectification(session, rectification, engagement, LOADER, ACTOR)
    if status == "verified":
        findings.verify_rectification(session, rectification, engagement, LOADER, outcome="verified", comment=None,
                                      actor=ACTOR)
    if status == "accepted":
        findings.verify_rectification(session, rectification, engagement, LOADER, outcome="accepted",
                                      comment="历史遗留问题，已纳入债务化解方案（演示）", actor=ACTOR)
